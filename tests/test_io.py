"""spatialq.io: yearbook tables as published (statistics-bureau exports, other yearbooks), years and codes."""

import importlib.util
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from spatialq.io import TableError, normalise_code, read_table, to_numbers, year_columns, year_of, years_of

NBS = Path(__file__).parent / "data" / "nbs"
YEARS_DESC = list(range(2023, 2014, -1))


def _generator():
    spec = importlib.util.spec_from_file_location("make_fixtures", NBS / "make_fixtures.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


GEN = _generator()
SECRET = "API_KEY=sk-" + "0123456789abcdef" * 5


def _write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# --- the fixtures -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["gdp_nbs.csv", "gdp_nbs.xlsx"])
def test_gdp_export_reads_as_wide_table(name):
    df = read_table(NBS / name)
    assert df.shape == (31, 10)
    assert list(df["地区"]) == GEN.FULL  # tabs stripped, full names kept as written
    assert year_columns(df) == {f"{y}年": y for y in YEARS_DESC}
    t = GEN.tables()
    for label, year in year_columns(df).items():
        assert df[label].dtype == np.float64
        np.testing.assert_allclose(df[label], t["gdp"][:, GEN.YEARS.index(year)])


@pytest.mark.parametrize("name", ["gdp_nbs.csv", "gdp_nbs.xlsx"])
def test_empty_year_column_is_dropped_and_reported(name):
    df = read_table(NBS / name)
    assert "2024年" not in df.columns
    assert df.attrs["dropped_columns"] == ["2024年"]


@pytest.mark.parametrize("name", ["gdp_nbs.csv", "gdp_nbs.xlsx", "population_nbs_gb18030.csv"])
def test_title_lines_and_footnotes_are_not_rows(name):
    df = read_table(NBS / name)
    lay = df.attrs["layout"]
    assert lay["format"] == "nbs" and lay["header_rule"] == "header label"
    assert lay["title_lines"][0] == "数据库：分省年度数据"
    assert lay["footnotes"][-1] == "数据来源：国家统计局" and lay["footnotes"][0].startswith("注")
    assert not df["地区"].str.contains("注|数据来源|数据库|时间").any()
    assert lay["data_lines"][1] - lay["data_lines"][0] == 30


def test_gdp_layout_record():
    lay = read_table(NBS / "gdp_nbs.csv").attrs["layout"]
    assert lay["encoding"] == "utf-8-sig" and lay["kind"] == "csv" and lay["line_unit"] == "line"
    assert lay["title_lines"] == ["数据库：分省年度数据", "时间：最近10年"]
    assert lay["header_line"] == 3 and lay["data_lines"] == [4, 34]
    assert lay["skipped_lines"] == [1, 2, 35, 36, 37]  # titles, blank line, two footnotes
    assert lay["padded_cells"] > 31 * 9 and lay["trailing_empty_fields"] >= 34


def test_xlsx_equals_csv_and_records_sheet():
    csv, xlsx = read_table(NBS / "gdp_nbs.csv"), read_table(NBS / "gdp_nbs.xlsx")
    pd.testing.assert_frame_equal(csv, xlsx)
    lay = xlsx.attrs["layout"]
    assert lay["kind"] == "xlsx" and lay["sheet"] == "Sheet1" and lay["line_unit"] == "row"
    assert lay["encoding"] is None and lay["header_line"] == 3 and lay["skipped_lines"] == [1, 2, 35, 36, 37]
    assert read_table(NBS / "gdp_nbs.xlsx", sheet="Sheet1").shape == (31, 10)


def test_population_gb18030_with_year_like_values():
    df = read_table(NBS / "population_nbs_gb18030.csv")
    lay = df.attrs["layout"]
    assert df.shape == (31, 10) and lay["encoding"] == "gb18030"
    assert lay["title_lines"] == ["数据库：分省年度数据", "指标：年末常住人口(万人)", "时间：2015-2023"]
    assert lay["header_line"] == 4  # not the 北京市 row, whose values all lie between 1800 and 2199
    assert df["地区"].iloc[0] == "北京市" and "内蒙古自治区" in set(df["地区"])
    assert lay["footnotes"][0].startswith("注:")  # ASCII colon
    assert df.attrs["dropped_columns"] == []
    assert df["2023年"].dtype == np.int64
    tibet = df.set_index("地区").loc["西藏自治区"]
    assert np.isnan(tibet["2015年"]) and tibet["2016年"] > 0  # an empty cell stays missing
    t = GEN.tables()
    np.testing.assert_array_equal(df["2020年"], t["population"][:, GEN.YEARS.index(2020)])


def test_urban_short_names_plain_wide():
    df = read_table(NBS / "urban_short_names.csv")
    lay = df.attrs["layout"]
    assert lay["format"] == "plain" and lay["encoding"] == "utf-8" and lay["title_lines"] == []
    assert df.shape == (31, 10) and sorted(df["省份"]) == sorted(GEN.SHORT)
    assert {"上海", "内蒙古", "新疆"} <= set(df["省份"]) and list(df["省份"]) != GEN.SHORT
    assert list(year_columns(df).values()) == list(range(2015, 2024))
    assert all(df[c].dtype == np.float64 for c in year_columns(df))


def test_fixtures_match_their_generator(tmp_path):
    GEN.write(tmp_path)
    for name in ("gdp_nbs.csv", "population_nbs_gb18030.csv", "urban_short_names.csv"):
        assert (tmp_path / name).read_bytes() == (NBS / name).read_bytes(), name
    pd.testing.assert_frame_equal(read_table(tmp_path / "gdp_nbs.xlsx"), read_table(NBS / "gdp_nbs.xlsx"))


# --- encodings ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("encoding", "detected"), [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"),
                                                    ("gbk", "gb18030"), ("gb18030", "gb18030"),
                                                    ("utf-16", "utf-16")])
def test_encodings_detected(tmp_path, encoding, detected):
    text = (NBS / "urban_short_names.csv").read_text(encoding="utf-8")
    df = read_table(_write(tmp_path, "u.csv", text, encoding))
    assert df.attrs["layout"]["encoding"] == detected
    pd.testing.assert_frame_equal(df, read_table(NBS / "urban_short_names.csv"))


def test_explicit_encoding(tmp_path):
    assert read_table(NBS / "population_nbs_gb18030.csv", encoding="gbk").shape == (31, 10)
    with pytest.raises(TableError, match=r"population_nbs_gb18030.csv line 1: cannot decode as utf-8"):
        read_table(NBS / "population_nbs_gb18030.csv", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown encoding"):
        read_table(NBS / "urban_short_names.csv", encoding="klingon")


def test_undecodable_file_names_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes("地区,2020年\n北京,1\n".encode() + b"\x80\xff\xfe\x81\x00,2\n")
    with pytest.raises(TableError, match=r"bad.csv line 3: cannot decode as UTF-8 or GB18030"):
        read_table(path)


# --- layouts and options ------------------------------------------------------------------------

def test_plain_on_an_export_is_a_clear_error():
    with pytest.raises(TableError, match=r"gdp_nbs.csv line 3: 11 cells where the header \(line 1\) has 1.*"
                                         r"format='auto' or 'nbs'"):
        read_table(NBS / "gdp_nbs.csv", format="plain")


def test_nbs_forced_needs_a_header(tmp_path):
    path = _write(tmp_path, "long.csv", "编号,数值,备注\n1,2,x\n")
    assert read_table(path, format="auto").shape == (1, 3)
    with pytest.raises(TableError, match=r"long.csv: no statistics-bureau header found"):
        read_table(path, format="nbs")
    assert read_table(NBS / "urban_short_names.csv", format="nbs").shape == (31, 10)


def test_header_found_by_year_labels_and_titles_with_several_cells(tmp_path):
    text = "单位：亿元,,口径：当年价\n\n指标名称,2022年,2021年\n生产总值,5,4\n注：合成数据\n"
    df = read_table(_write(tmp_path, "y.csv", text))
    assert list(df.columns) == ["指标名称", "2022年", "2021年"] and len(df) == 1
    assert df.attrs["layout"]["header_rule"] == "year labels"
    assert df.attrs["layout"]["title_lines"] == ["单位：亿元 口径：当年价"]
    bare = read_table(_write(tmp_path, "b.csv", "名目,2021,2022\n甲,1,2\n"))
    assert bare.attrs["layout"]["header_rule"] == "year labels" and year_columns(bare) == {"2021": 2021, "2022": 2022}


def test_detection_never_takes_a_data_row_for_the_header(tmp_path):
    index_csv = read_table(_write(tmp_path, "i.csv", ",gdp,pop\n0,1.5,2\n1,2.5,3\n"))  # pandas' to_csv with index
    assert list(index_csv.columns) == ["Unnamed: 0", "gdp", "pop"] and len(index_csv) == 2
    spans = read_table(_write(tmp_path, "s.csv", "单位：年\nregion_name,start,end\n北京,2019年,2020年\n"))
    assert list(spans.columns) == ["region_name", "start", "end"] and spans.attrs["layout"]["header_line"] == 2
    assert spans.attrs["layout"]["header_rule"] == "first row with several cells"
    units = _write(tmp_path, "u.csv", "数据库：合成\n,亿元,亿元\n地区,2023年,2022年\n北京市,1,2\n")
    for df in (read_table(units), read_table(units, header=2)):  # a units row above the header is a title line
        assert list(df.columns) == ["地区", "2023年", "2022年"] and df["2023年"].tolist() == [1]
        assert df.attrs["layout"]["title_lines"] == ["数据库：合成", "亿元 亿元"]
    with pytest.raises(TableError, match=r"c.csv line 1: the header repeats the column '亿元'"):
        read_table(_write(tmp_path, "c.csv", ",亿元,亿元\n北京市,1,2\n"))


OTHER_YEARBOOK = """城市统计年鉴2021
表1 人口与面积

编号,城市,户籍人口,行政区域土地面积
1,石家庄市,"1,123.5",15848
2,唐山市,760.4,13472
3,秦皇岛市,,7802
合计,,1884.0,37122
资料整理：编者
"""


def test_other_yearbook_with_skiprows_header_footer(tmp_path):
    path = _write(tmp_path, "city.csv", OTHER_YEARBOOK)
    auto = read_table(path)
    assert len(auto) == 5 and auto.attrs["layout"]["title_lines"] == ["城市统计年鉴2021", "表1 人口与面积"]
    for kw in ({"skiprows": 2, "footer": 2}, {"header": 2, "footer": 2}, {"skiprows": 3, "header": 0, "footer": 2},
               {"skiprows": 1, "header": 1, "footer": 2, "format": "plain"}):
        df = read_table(path, **kw)
        assert list(df.columns) == ["编号", "城市", "户籍人口", "行政区域土地面积"], kw
        assert list(df["城市"]) == ["石家庄市", "唐山市", "秦皇岛市"]
        assert df["户籍人口"].iloc[0] == 1123.5 and np.isnan(df["户籍人口"].iloc[2])  # thousands, missing
        assert df["编号"].dtype == np.int64
        lay = df.attrs["layout"]
        assert lay["header_line"] == 4 and lay["footnotes"] == ["合计 1884.0 37122", "资料整理：编者"]
        assert lay["skipped_lines"] == [1, 2, 3, 8, 9]
    with pytest.raises(TableError, match=r"city.csv: header=9"):
        read_table(path, header=9)
    with pytest.raises(TableError, match=r"city.csv line 4: footer=6"):
        read_table(path, skiprows=2, footer=6)
    with pytest.raises(ValueError, match="skiprows must be a non-negative integer"):
        read_table(path, skiprows=-1)
    with pytest.raises(ValueError, match="format must be one of"):
        read_table(path, format="excel")


def test_plain_csv_with_trailing_commas_blank_lines_and_padding(tmp_path):
    text = "\n地区,2019年,2020年,\n\n北京市\t, 1 ,2,\n天津市,3\t,,\n\n"
    df = read_table(_write(tmp_path, "p.csv", text), format="plain")
    assert list(df.columns) == ["地区", "2019年", "2020年"] and list(df["地区"]) == ["北京市", "天津市"]
    assert df["2019年"].tolist() == [1, 3] and np.isnan(df["2020年"].iloc[1])
    assert df.attrs["layout"]["format"] == "plain" and df.attrs["layout"]["skipped_lines"] == [1, 3, 6]


def test_header_only_files_are_errors(tmp_path):
    with pytest.raises(TableError, match=r"h.csv line 1: the header has no data rows"):
        read_table(_write(tmp_path, "h.csv", "地区,2020年,\n"))
    with pytest.raises(TableError, match=r"n.csv line 3: the header has no data rows"):
        read_table(_write(tmp_path, "n.csv", "数据库：分省年度数据\n时间：最近10年\n地区,2024年,2023年\n\n注：无\n"))
    with pytest.raises(TableError, match=r"e.csv: no table"):
        read_table(_write(tmp_path, "e.csv", "\n\n"))
    with pytest.raises(TableError, match=r"z.csv line 1: every cell below the header is empty"):
        read_table(_write(tmp_path, "z.csv", "地区,2024年\n,\n\t,\nNA,NULL\n"))
    wb = openpyxl.Workbook()
    wb.active.append(["地区", "2023年"])
    wb.save(tmp_path / "h.xlsx")
    with pytest.raises(TableError, match=r"h.xlsx sheet 'Sheet' row 1: the header has no data rows"):
        read_table(tmp_path / "h.xlsx")
    pd.DataFrame({"adcode": pd.Series([], dtype=str)}).to_parquet(tmp_path / "h.parquet")
    with pytest.raises(TableError, match=r"h.parquet: the table has no data rows"):
        read_table(tmp_path / "h.parquet")


def test_bad_rows_and_headers_name_the_line(tmp_path):
    with pytest.raises(TableError, match=r"w.csv line 3: 3 cells where the header \(line 1\) has 2$"):
        read_table(_write(tmp_path, "w.csv", "地区,2020年\n北京,1\n天津,2,3\n"))
    with pytest.raises(TableError, match=r"d.csv line 2: the header repeats the column '2019年' \(columns 2 and 3\)"):
        read_table(_write(tmp_path, "d.csv", "\n地区,2019年,2019年\n北京,1,2\n"))
    text = "地区,2019年,2020年,2021年\n北京,1,2,3\n注：说明\n天津,4,5,6\n"
    with pytest.raises(TableError, match=r"a.csv line 4: a table row after the footnotes that start on line 3"):
        read_table(_write(tmp_path, "a.csv", text))


def test_xlsx_leading_blank_rows_and_column(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["B2"], ws["B4"], ws["C4"], ws["B5"], ws["C5"] = "指标：合成", "地区", "2020年", "北京市\t", 1.5
    ws["B7"], ws["C7"], ws["B9"] = "天津市", 2, "数据来源：合成"
    wb.save(tmp_path / "a.xlsx")
    df = read_table(tmp_path / "a.xlsx")
    assert list(df.columns) == ["地区", "2020年"] and list(df["地区"]) == ["北京市", "天津市"]
    assert df.attrs["dropped_columns"] == []  # the empty unlabelled column A goes silently
    lay = df.attrs["layout"]
    assert lay["header_line"] == 4 and lay["data_lines"] == [5, 7] and lay["footnotes"] == ["数据来源：合成"]
    with pytest.raises(TableError, match=r"a.xlsx: no sheet 'other'; sheets: 'Sheet'"):
        read_table(tmp_path / "a.xlsx", sheet="other")
    with pytest.raises(TableError, match=r"a.xlsx: no sheet 2"):
        read_table(tmp_path / "a.xlsx", sheet=2)


def test_parquet_and_suffixes(tmp_path):
    pd.DataFrame({"adcode": ["110000"], "gdp": [1.0]}).to_parquet(tmp_path / "t.parquet")
    df = read_table(tmp_path / "t.parquet")
    assert df["adcode"].tolist() == ["110000"] and df.attrs["layout"]["kind"] == "parquet"
    with pytest.raises(ValueError, match="not parquet"):
        read_table(tmp_path / "t.parquet", skiprows=1)
    with pytest.raises(ValueError, match=r"t.json: unknown table format '.json'"):
        read_table(_write(tmp_path, "t.json", "{}"))
    (tmp_path / "x.csv").write_bytes((NBS / "gdp_nbs.xlsx").read_bytes())
    with pytest.raises(TableError, match=r"x.csv: is a zip archive"):
        read_table(tmp_path / "x.csv")
    with pytest.raises(TableError, match=r"h.xls: is not an Excel workbook"):
        read_table(_write(tmp_path, "h.xls", "<html><body>table</body></html>"))


def test_old_xls_without_xlrd_says_what_to_do(tmp_path):
    if importlib.util.find_spec("xlrd") is not None:
        pytest.skip("xlrd is installed")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    with pytest.raises(TableError, match=r"old.xls: is an Excel 97-2003 \(.xls\) workbook: save it as .xlsx"):
        read_table(tmp_path / "old.xls")


# --- errors never echo a foreign file -----------------------------------------------------------

@pytest.mark.parametrize("text", [
    f"{SECRET}\n地区,2020年\n北京,1,2\n",  # title line, then a wide row
    f"地区,{SECRET},{SECRET}\n北京,1,2\n",  # repeated header label (quoted, capped)
    f"地区,2020年,2021年\n北京,1,2\n注：{SECRET}\n天津,{SECRET},3\n",  # data after the notes
    f"{SECRET},{SECRET}\n{SECRET}\n",  # header only
])
def test_errors_quote_at_most_a_short_excerpt(tmp_path, text):
    path = _write(tmp_path, "foreign.csv", text)
    with pytest.raises(TableError) as info:
        read_table(path, format="plain" if text.startswith(SECRET + "\n") else "auto")
    msg = str(info.value)
    assert msg.startswith("foreign.csv") and SECRET not in msg and SECRET[:41] not in msg
    assert len(msg) < 400


def test_plain_error_on_secret_file_reads_no_line(tmp_path):
    path = tmp_path / "foreign.csv"
    path.write_bytes(SECRET.encode() + b"\n\x81\x00\xff\xfe,1\n")
    with pytest.raises(TableError) as info:
        read_table(path)
    assert SECRET[:20] not in str(info.value) and "line 2" in str(info.value)


# --- values -------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [2019, "2019", "2019年", "2019.0", 2019.0, " 2019年 \t", np.int64(2019),
                                   np.float64(2019.0), "２０１９年", "2019年度", "\u30002019\u3000"])
def test_year_of_accepts(value):
    assert year_of(value) == 2019 and isinstance(year_of(value), int)


@pytest.mark.parametrize("value", ["19", "2019.5", 2019.5, "2019年末", "二〇一九年", "", None, True, 10000,
                                   "1700", float("nan"), "地区", "2019-01"])
def test_year_of_rejects_naming_the_value(value):
    with pytest.raises(ValueError, match="is not a year") as info:
        year_of(value)
    assert repr(str(value))[:10] in str(info.value)


def test_years_of_vectorised():
    s = pd.Series(["2019年", 2020, "2021.0"], index=["a", "b", "c"], name="year")
    out = years_of(s)
    assert out.tolist() == [2019, 2020, 2021] and list(out.index) == ["a", "b", "c"] and out.dtype == np.int64
    assert years_of(["2019年", 2020.0]).tolist() == [2019, 2020]
    with pytest.raises(ValueError, match=r"'x' at 'b' is not a year \(and 1 more\)"):
        years_of(pd.Series(["2019", "x", "y"], index=["a", "b", "c"]))
    with pytest.raises(ValueError, match=r"'19' at 1 is not a year"):
        years_of([2019, "19"])


def test_year_columns():
    assert year_columns(["地区", "2024年", 2023, "gdp"]) == {"2024年": 2024, 2023: 2023}
    with pytest.raises(ValueError, match="both give the year 2019"):
        year_columns(pd.DataFrame(columns=["地区", "2019", "2019年"]))


@pytest.mark.parametrize(("value", "code"), [
    (110000.0, "110000"), (110000, "110000"), ("110000.0", "110000"), ("110000\t", "110000"), (" 110000 ", "110000"),
    (np.int64(110000), "110000"), (np.float64(110000.0), "110000"), ("110101000000", "110101000000"),
    (110101000000.0, "110101000000"), ("１１００００", "110000"),
    (None, None), (np.nan, None), (pd.NA, None), ("", None), (" \t", None)])
def test_normalise_code(value, code):
    assert normalise_code(value) == code


@pytest.mark.parametrize(("value", "reason"), [(110000.5, "fraction"), ("110000.5", "fraction"),
                                               ("1.10101E+11", "scientific notation"), ("北京市", "digits expected"),
                                               (-110000, "negative"), (True, "boolean"), (2.0**60, "too large"),
                                               (float("inf"), "fraction")])
def test_normalise_code_rejects(value, reason):
    with pytest.raises(ValueError, match=reason):
        normalise_code(value)


def test_to_numbers_rule():
    s = pd.Series(["1,234.5", " 2 ", np.nan], dtype=object)
    assert to_numbers(s).tolist()[:2] == [1234.5, 2.0] and np.isnan(to_numbers(s).iloc[2])
    codes = pd.Series(["110000", "120000"], dtype=object)
    assert to_numbers(codes) is codes  # 6-digit codes stay text
    mixed = pd.Series(["1", "北京"], dtype=object)
    assert to_numbers(mixed) is mixed
    assert to_numbers(pd.Series(["1", "2"], dtype=object)).dtype == np.int64
    assert to_numbers(pd.Series(["1,2"], dtype=object)).tolist() == ["1,2"]  # not a thousands separator

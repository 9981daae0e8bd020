"""Real yearbook input in a study (issue 13, items 3, 5, 6, 9): statistics-bureau exports read as downloaded,
wide files in several spellings, years written ``2019年``, the missing-value policy, loose name matches,
cross-section regressions, up-front checks and reading outside the study's folder.

Every study file is written into ``tmp_path`` with its data next to it (a study reads only files in its own
folder).  Runs use small analyses (describe, Moran with few permutations) at the province level.
"""

import csv
import hashlib
import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spatialq import hotspot, study
from spatialq.study import StudyError

NBS = Path(__file__).parent / "data" / "nbs"
YEARS = list(range(2015, 2019))


# ----------------------------------------------------------------------------- helpers


def _study(folder: Path, body: str, *, fixtures=(), name: str = "s.toml", encoding: str = "utf-8", **frames) -> Path:
    """Write a study file into ``folder``, copy NBS fixtures next to it and write data frames as CSV."""
    folder.mkdir(parents=True, exist_ok=True)
    for f in fixtures:
        shutil.copy(NBS / f, folder / f)
    for fname, df in frames.items():
        df.to_csv(folder / f"{fname}.csv", index=False, encoding="utf-8-sig")
    path = folder / name
    path.write_bytes(body.encode(encoding))
    return path


def _run(path: Path, out: Path | None = None, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # island links: recorded in the notes
        return study.run(path, out=out if out is not None else path.parent / "out", progress=False, **kw)


def _prepare(path: Path, **kw):
    return study.prepare(study.load(path), **kw)


def _export_values(name: str, encoding: str) -> dict[tuple[str, int], float | None]:
    """(province, year) → value parsed from an export with the csv module only, independently of spatialq."""
    with open(NBS / name, encoding=encoding, newline="") as fh:
        rows = [[c.strip() for c in row] for row in csv.reader(fh)]
    head = next(i for i, r in enumerate(rows) if r and r[0] == "地区")
    years = {j: int(c.removesuffix("年")) for j, c in enumerate(rows[head]) if c.endswith("年")}
    out = {}
    for row in rows[head + 1:]:
        if not row or not row[0] or "：" in row[0] or ":" in row[0]:
            continue
        for j, year in years.items():
            cell = row[j] if j < len(row) else ""
            out[row[0], year] = float(cell) if cell else None
    return out


@pytest.fixture(scope="module")
def raw(study_raw):
    """31 provinces × 2015–2018, full Chinese names in ``province`` (no adcode column)."""
    return study_raw[study_raw["year"].isin(YEARS)].reset_index(drop=True)


@pytest.fixture(scope="module")
def names():
    from spatialq import geometry

    return geometry.provinces()[["name_zh", "name_en", "name_short"]]



LONG = """
[study]
table_formats = ["csv"]
figure_formats = ["png"]
dpi = 50
[data]
path = "data.csv"
id = "province"
"""
MORAN = '[analyses.moran]\ncolumn = "urban_pop_share"\npermutations = 0\n'


# ----------------------------------------------------------------------------- 1. exports as downloaded


@pytest.mark.parametrize("fmt", ["nbs", "wide"])
def test_statistics_bureau_exports_read_without_editing(tmp_path, fmt):
    body = f"""
[study]
table_formats = ["csv"]
dpi = 50
[data]
format = "{fmt}"
files = {{gdp = "gdp_nbs.csv", population = "population_nbs_gb18030.csv"}}
[analyses.describe]
columns = ["gdp"]
"""
    path = _study(tmp_path, body, fixtures=["gdp_nbs.csv", "population_nbs_gb18030.csv"])
    prep = _prepare(path)
    data = prep.data
    # 31 provinces × 2015–2023 (the empty 2024年 column of the GDP export is not a year of data)
    assert data["adcode"].nunique() == 31 and sorted(data["year"].unique()) == list(range(2015, 2024))
    assert len(data) == 31 * 9 and not data.duplicated(["adcode", "year"]).any()
    gdp = _export_values("gdp_nbs.csv", "utf-8-sig")
    pop = _export_values("population_nbs_gb18030.csv", "gb18030")
    assert len(gdp) == 31 * 10 and all(gdp[p, 2024] is None for p in {p for p, _ in gdp})
    by_name = data.assign(name=data["adcode"].map(prep.gdf["name_zh"]))
    for r in by_name.itertuples():
        assert r.gdp == gdp[r.name, r.year]
        expect = pop[r.name, r.year]
        assert np.isnan(r.population) if expect is None else r.population == expect
    assert data["population"].isna().sum() == 1  # 西藏自治区 2015年 is empty in the export
    # what the generator wrote (its own seeded numbers)
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_fixtures", NBS / "make_fixtures.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    t = gen.tables()
    for i, name in enumerate(gen.FULL):
        row = by_name[by_name["name"] == name].set_index("year")
        assert np.allclose(row.loc[gen.YEARS, "gdp"], t["gdp"][i], rtol=0, atol=1e-9)

    # a whole run: describe and Moran's I of the exports' GDP (no [index]); the years both files have
    years = ", ".join(map(str, range(2016, 2024)))
    body = body.replace("[analyses.describe]", f"years = [{years}]\n[analyses.describe]").replace(
        'columns = ["gdp"]', 'columns = ["gdp", "population"]') + '[analyses.moran]\ncolumn = "gdp"\npermutations = 0\n'
    path = _study(tmp_path, body)
    res = _run(path, tmp_path / "o")
    assert res.data["adcode"].nunique() == 31 and sorted(res.data["year"].unique()) == list(range(2016, 2024))
    moran = pd.read_csv(next(o for o in res.outputs if o.name == "moran").files[0], encoding="utf-8-sig")
    assert list(moran.iloc[:, 0]) == list(range(2016, 2024))  # 年份
    from spatialq import geometry, weights

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = weights.contiguity(geometry.provinces())
    api = hotspot.moran(res.data, "gdp", w, permutations=0).to_frame()
    assert np.allclose(moran["I"], api["I"].round(3), atol=1e-9)
    desc = pd.read_csv(next(o for o in res.outputs if o.name == "descriptive").files[0], encoding="utf-8-sig")
    assert list(desc.iloc[:, 1]) == [31 * 8, 31 * 8]  # n of gdp and population
    prov = json.loads((tmp_path / "o" / "provenance.json").read_text(encoding="utf-8"))
    inputs = {i["path"]: i for i in prov["inputs"]}
    assert set(inputs) == {"gdp_nbs.csv", "population_nbs_gb18030.csv"}
    for name, i in inputs.items():
        assert i["sha256"] == hashlib.sha256((NBS / name).read_bytes()).hexdigest()
    assert inputs["gdp_nbs.csv"]["dropped_columns"] == ["2024年"]
    assert inputs["population_nbs_gb18030.csv"]["dropped_columns"] == []
    assert inputs["gdp_nbs.csv"]["layout"]["title_lines"] == ["数据库：分省年度数据", "时间：最近10年"]
    assert inputs["population_nbs_gb18030.csv"]["layout"]["encoding"] == "gb18030"
    assert prov["run"]["date_utc"] and prov["versions"]["spatialq"] and prov["versions"]["pandas"]
    spellings = {(m["file"], m["spelling"]): m["adcode"] for m in prov["name_matching"]}
    assert spellings["gdp_nbs.csv", "江苏省"] == spellings["population_nbs_gb18030.csv", "江苏省"] == "320000"


def test_export_xlsx_equals_csv_in_a_study(tmp_path):
    body = '[data]\nformat = "nbs"\nfiles = {gdp = "F"}\n[analyses.describe]\ncolumns = ["gdp"]\n'
    a = _prepare(_study(tmp_path / "a", body.replace("F", "gdp_nbs.csv"), fixtures=["gdp_nbs.csv"])).data
    b = _prepare(_study(tmp_path / "b", body.replace("F", "gdp_nbs.xlsx"), fixtures=["gdp_nbs.xlsx"])).data
    pd.testing.assert_frame_equal(a, b)


# ----------------------------------------------------------------------------- 2. wide files, three spellings


def _wide(raw, var, names, spelling, *, year_label=str, drop_units=(), drop_years=(), seed=0):
    """One wide table of ``var``: names in ``spelling`` ("name_en", "name_zh", "name_short"), shuffled rows."""
    w = raw.pivot(index="province", columns="year", values=var)
    w = w.drop(index=list(drop_units), columns=list(drop_years))
    to = dict(zip(names["name_zh"], names[spelling]))
    w.index = [to[p] for p in w.index]
    w.columns = [year_label(c) for c in w.columns]
    w = w.sample(frac=1, random_state=seed)
    return w.rename_axis("地区" if spelling != "name_en" else "region").reset_index()


DESCRIBE3 = '[analyses.describe]\ncolumns = ["urban_pop_share", "pm25", "ln_gdp_pc"]\n'
WIDE = """
[study]
table_formats = ["csv"]
[data]
format = "wide"
files = {urban_pop_share = "en.csv", pm25 = "zh.csv", ln_gdp_pc = "short.csv"}
""" + DESCRIBE3


def test_wide_files_in_three_spellings_merge_like_one_long_table(tmp_path, raw, names):
    folder = tmp_path / "w"
    frames = {"en": _wide(raw, "urban_pop_share", names, "name_en", seed=1),  # Shanghai, headers 2015
              "zh": _wide(raw, "pm25", names, "name_zh", year_label=lambda y: f"{y}年", seed=2),  # 上海市
              "short": _wide(raw, "ln_gdp_pc", names, "name_short", year_label=lambda y: f"{y}年", seed=3)}  # 上海
    assert "Shanghai" in set(frames["en"]["region"]) and "上海" in set(frames["short"]["地区"])
    wide = _prepare(_study(folder, WIDE, **frames))
    long = _prepare(_study(tmp_path / "l", LONG + DESCRIBE3, data=raw))
    cols = ["adcode", "year", "urban_pop_share", "pm25", "ln_gdp_pc"]
    assert len(wide.data) == 31 * 4
    pd.testing.assert_frame_equal(wide.data[cols].reset_index(drop=True),
                                  long.data[cols].sort_values(["adcode", "year"]).reset_index(drop=True),
                                  check_dtype=False, rtol=1e-12)
    kinds = {(m["file"], m["spelling"]): (m["adcode"], m["kind"]) for m in wide.matches}
    assert kinds["en.csv", "Shanghai"][0] == kinds["zh.csv", "上海市"][0] == kinds["short.csv", "上海"][0] == "310000"
    assert kinds["zh.csv", "上海市"][1] == "official"

    # one file lacks a unit: the error names the file, the unit and the cells
    frames["short"] = _wide(raw, "ln_gdp_pc", names, "name_short", drop_units=["西藏自治区"], seed=3)
    with pytest.raises(StudyError) as err:
        _prepare(_study(folder, WIDE, **frames))
    msg = str(err.value)
    assert "short.csv lacks regions 西藏自治区" in msg and "ln_gdp_pc" in msg and "repeat a region" not in msg
    # one file lacks a year
    frames["short"] = _wide(raw, "ln_gdp_pc", names, "name_short", seed=3)
    frames["en"] = _wide(raw, "urban_pop_share", names, "name_en", drop_years=[2017], seed=1)
    with pytest.raises(StudyError) as err:
        _prepare(_study(folder, WIDE, **frames))
    msg = str(err.value)
    assert "en.csv lacks years 2017" in msg and "urban_pop_share" in msg and "repeat a region" not in msg


def test_a_year_one_file_lacks_is_not_a_reason_to_drop_every_region(tmp_path, raw, names, no_compute):
    """missing = "drop_units" leaves out regions; a year absent from one file (every region missing) is an error
    naming the file and the year, not a silently empty study."""
    frames = {"en": _wide(raw, "urban_pop_share", names, "name_en", drop_years=[2016]),
              "zh": _wide(raw, "pm25", names, "name_zh"), "short": _wide(raw, "ln_gdp_pc", names, "name_short")}
    body = WIDE.replace('format = "wide"', 'format = "wide"\nmissing = "drop_units"') + MORAN
    with pytest.raises(StudyError) as err:
        _run(_study(tmp_path, body, **frames), tmp_path / "o")
    msg = str(err.value)
    assert "'urban_pop_share' has no value in 2016 for any region" in msg and "en.csv lacks years 2016" in msg
    assert "[data] years" in msg and not (tmp_path / "o").exists()
    # dropping the region that one file lacks works, and says which
    frames["en"] = _wide(raw, "urban_pop_share", names, "name_en", drop_units=["西藏自治区"])
    prep = _prepare(_study(tmp_path, body, **frames))
    assert prep.dropped == ("540000",) and prep.data["adcode"].nunique() == 30
    # interpolation cannot invent a region a file lacks: the error says which file lacks it
    with pytest.raises(StudyError, match=r"never extrapolates.*西藏自治区 2015 \(urban_pop_share\).*en.csv lacks "
                                         r"regions 西藏自治区"):
        _prepare(_study(tmp_path, body.replace("drop_units", "interpolate"), **frames))


# ----------------------------------------------------------------------------- 3. years written 2019年


def test_long_years_written_with_nian_equal_integer_years(tmp_path, raw):
    body = LONG + '[analyses.describe]\ncolumns = ["urban_pop_share", "pm25"]\n'
    a = _prepare(_study(tmp_path / "a", body, data=raw)).data
    b = _prepare(_study(tmp_path / "b", body, data=raw.assign(year=raw["year"].map(lambda y: f"{y}年")))).data
    assert sorted(b["year"].unique()) == YEARS
    pd.testing.assert_frame_equal(a, b)


# ----------------------------------------------------------------------------- 4. unbalanced panels


def test_unbalanced_panel_named_up_front_and_missing_policies(tmp_path, raw, monkeypatch):
    jiangsu = raw["province"] == "江苏省"
    holes = raw[~(jiangsu & raw["year"].isin([2016, 2017]))]
    real_moran = hotspot.moran

    def boom(*a, **k):
        raise AssertionError("Moran's I computed before the panel was checked")

    monkeypatch.setattr(hotspot, "moran", boom)
    path = _study(tmp_path, LONG + MORAN, data=holes)
    with pytest.raises(StudyError) as err:
        _run(path, tmp_path / "o")
    msg = str(err.value)
    assert "unbalanced" in msg and "江苏省 (320000) lacks 2016, 2017" in msg
    assert not (tmp_path / "o").exists()
    monkeypatch.setattr(hotspot, "moran", real_moran)

    # drop_units: 江苏省 is left out, and says so
    path = _study(tmp_path, LONG.replace('id = "province"', 'id = "province"\nmissing = "drop_units"') + MORAN)
    res = _run(path, tmp_path / "d")
    assert "320000" not in set(res.data["adcode"]) and res.data["adcode"].nunique() == 30
    assert any("drop_units" in n and "江苏省" in n for n in res.notes)
    prov = json.loads((tmp_path / "d" / "provenance.json").read_text(encoding="utf-8"))
    assert prov["dropped_units"] == ["320000"]
    md = (tmp_path / "d" / "index.md").read_text(encoding="utf-8").splitlines()
    assert any(line.startswith("- ") and "drop\\_units" in line and "江苏省" in line for line in md)

    # interpolate: the gap in the middle is filled linearly from its neighbours
    v = raw[jiangsu].set_index("year")["urban_pop_share"]
    path = _study(tmp_path, LONG.replace('id = "province"', 'id = "province"\nmissing = "interpolate"') + MORAN)
    res = _run(path, tmp_path / "i")
    js = res.data[res.data["adcode"] == "320000"].set_index("year")["urban_pop_share"]
    assert js[2016] == pytest.approx(v[2015] + (v[2018] - v[2015]) / 3, rel=1e-12)
    assert js[2017] == pytest.approx(v[2015] + 2 * (v[2018] - v[2015]) / 3, rel=1e-12)
    assert js[2015] == v[2015] and js[2018] == v[2018]
    prov = json.loads((tmp_path / "i" / "provenance.json").read_text(encoding="utf-8"))
    filled = {(f["adcode"], f["year"], f["column"]): f["value"] for f in prov["filled_cells"]}
    assert set(filled) == {("320000", 2016, "urban_pop_share"), ("320000", 2017, "urban_pop_share")}
    assert filled["320000", 2016, "urban_pop_share"] == pytest.approx(js[2016], rel=1e-12)
    md = (tmp_path / "i" / "index.md").read_text(encoding="utf-8")
    assert "interpolate" in md and "江苏省 2016 urban\\_pop\\_share" in md and "江苏省 2017" in md

    # one hole exactly in the middle: the midpoint of its neighbours
    one = raw[~(jiangsu & (raw["year"] == 2016))]
    _study(tmp_path, LONG.replace('id = "province"', 'id = "province"\nmissing = "interpolate"') + MORAN, data=one)
    prep = _prepare(path)
    got = prep.data.set_index(["adcode", "year"]).loc[("320000", 2016), "urban_pop_share"]
    assert got == pytest.approx((v[2015] + v[2017]) / 2, rel=1e-15, abs=0)  # exact up to the last bit
    assert [(f["adcode"], f["year"]) for f in prep.filled] == [("320000", 2016)]

    # a gap at the first or last year is never extrapolated
    for year in (2015, 2018):
        _study(tmp_path, LONG.replace('id = "province"', 'id = "province"\nmissing = "interpolate"') + MORAN,
               data=raw[~(jiangsu & (raw["year"] == year))])
        with pytest.raises(StudyError, match=rf"never extrapolates.*江苏省 {year} \(urban_pop_share\)"):
            _prepare(path)


def test_missing_cells_named_by_column_region_and_year(tmp_path, raw, no_compute):
    bad = raw.copy()
    bad.loc[(bad["province"] == "江苏省") & (bad["year"] == 2016), "urban_pop_share"] = np.nan
    with pytest.raises(StudyError, match=r"'urban_pop_share' has 1 missing value\(s\), at 江苏省 2016"):
        _run(_study(tmp_path, LONG + MORAN, data=bad), tmp_path / "o")
    assert not (tmp_path / "o").exists()


# ----------------------------------------------------------------------------- 5. loose matches


def test_loose_name_matches_are_reported_or_refused(tmp_path, raw, no_compute):
    body = LONG + '[analyses.describe]\ncolumns = ["urban_pop_share"]\n'
    beijing = raw.replace({"province": {"北京市": "北京省"}})
    prep = _prepare(_study(tmp_path, body, data=beijing))
    assert "110000" in set(prep.data["adcode"]) and prep.data["adcode"].nunique() == 31
    assert any("北京省 → 北京市" in n for n in prep.notes), prep.notes
    assert {"spelling": "北京省", "adcode": "110000", "kind": "correction"}.items() <= next(
        m for m in prep.matches if m["spelling"] == "北京省").items()
    res = _run(_study(tmp_path, body), tmp_path / "o")
    assert any("北京省 → 北京市" in n for n in res.notes)
    assert "北京省 → 北京市" in (tmp_path / "o" / "index.md").read_text(encoding="utf-8")

    for city in ("吉林市", "Jilin City", "Jilin Shi"):  # the city, in Chinese, English or pinyin, is not the province
        jilin = raw.replace({"province": {"吉林省": city}})
        with pytest.raises(StudyError) as err:
            _prepare(_study(tmp_path, body, data=jilin))
        assert f"{city!r} is a city; the province is 吉林省" in str(err.value)
    municipality = raw.replace({"province": {"北京市": "Beijing City", "上海市": "上海市"}})
    assert _prepare(_study(tmp_path, body, data=municipality)).data["adcode"].nunique() == 31


def test_province_name_at_prefecture_level_is_refused(tmp_path, no_compute):
    """Jilin Province is not 吉林市 (geometry.match ignores a trailing "Province"); 吉林省 does not match at all."""
    from spatialq import geometry

    pref = geometry.prefectures()
    d = pd.DataFrame({"city": pref["name_zh"].to_numpy(), "year": 2020, "x": np.arange(len(pref), dtype=float)})
    body = '[data]\npath = "data.csv"\nid = "city"\nlevel = "prefecture"\n[analyses.describe]\ncolumns = ["x"]\n'
    assert _prepare(_study(tmp_path, body, data=d)).data["adcode"].nunique() == len(pref)
    d.loc[d["city"] == "吉林市", "city"] = "Jilin Province"
    with pytest.raises(StudyError, match=r"'Jilin Province' is a province, not the prefecture 吉林市"):
        _prepare(_study(tmp_path, body, data=d))


@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_float_adcodes_match(tmp_path, raw, names, ext):
    """Codes as a spreadsheet writes them: 110000.0 in a CSV, and as text cells "110000.0" in a workbook (a number
    cell holding 110000.0 is stored as 110000 by Excel and needs nothing)."""
    import re

    to_code = dict(zip(names["name_zh"], names.index))
    d = raw.assign(adcode=raw["province"].map(to_code).astype(float)).drop(columns=["province"])
    assert d["adcode"].iloc[0] == 110000.0
    body = LONG.replace('path = "data.csv"', f'path = "data.{ext}"').replace('id = "province"', 'id = "adcode"') + \
        '[analyses.describe]\ncolumns = ["urban_pop_share"]\n'
    path = _study(tmp_path, body)
    if ext == "csv":
        d.to_csv(tmp_path / "data.csv", index=False)
        assert re.search(r"(^|,)110000\.0(,|$)", (tmp_path / "data.csv").read_text(), re.M)
    else:
        d.assign(adcode=d["adcode"].map(repr)).to_excel(tmp_path / "data.xlsx", index=False)
        import openpyxl

        cell = openpyxl.load_workbook(tmp_path / "data.xlsx").active.cell(2, d.columns.get_loc("adcode") + 1)
        assert (cell.value, cell.data_type) == ("110000.0", "s")
    prep = _prepare(path)
    assert sorted(prep.data["adcode"].unique()) == sorted(names.index) and len(prep.data) == 31 * 4
    assert prep.matched_from == "adcode"
    merged = prep.data.merge(raw.assign(adcode=raw["province"].map(to_code)), on=["adcode", "year"])
    assert np.allclose(merged["urban_pop_share_x"], merged["urban_pop_share_y"], rtol=1e-12)


# ----------------------------------------------------------------------------- 6. cross-section regression


REG = '[analyses.regression]\nformula = "urban_pop_share ~ ln_gdp_pc + openness"\nmodels = ["sar"]\nn_draws = 50\n'


def _coefficients(res) -> pd.Series:
    tab = pd.read_csv(next(o for o in res.outputs if o.name == "regression").files[0], encoding="utf-8-sig")
    rows = tab[tab.iloc[:, 0].notna()].set_index(tab.columns[0])[tab.columns[1]]
    return rows.astype(str).str.replace("*", "", regex=False)


@pytest.mark.parametrize("how", ["one_year", "cross_section"])
def test_cross_section_regression_in_a_study(tmp_path, raw, monkeypatch, how):
    import spatialq.panel
    from spatialq import geometry, regression, weights

    def boom(*a, **k):
        raise AssertionError("a cross-section study reached the panel code")

    monkeypatch.setattr(spatialq.panel, "spatial_panel", boom)
    monkeypatch.setattr(spatialq.panel, "lm_tests", boom)
    body = LONG.replace("dpi = 50", "dpi = 50\ndigits = 6") + REG
    if how == "one_year":
        data = raw[raw["year"] == 2017]
    else:
        data = raw
        body += "cross_section = true\nyear = 2017\n"
    res = _run(_study(tmp_path, body, data=data), tmp_path / "o")
    one = res.data[res.data["year"] == 2017]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = weights.contiguity(geometry.provinces())
    api = regression.spatial_model(one, "urban_pop_share ~ ln_gdp_pc + openness", w, model="sar", n_draws=50, seed=0)
    got = _coefficients(res)
    for term in ("Intercept", "ln_gdp_pc", "openness"):
        assert float(got[term]) == pytest.approx(round(api.params[term], 6), abs=1e-9)
    assert float(got["ρ"]) == pytest.approx(round(api.rho, 6), abs=1e-9)
    caption = next(o for o in res.outputs if o.name == "regression").caption
    assert "2017 年截面" in caption
    lm = pd.read_csv(next(o for o in res.outputs if o.name == "lm_tests").files[0], encoding="utf-8-sig")
    ref = regression.lm_tests(one, "urban_pop_share ~ ln_gdp_pc + openness", w)
    assert np.allclose(lm.iloc[:, 1].astype(float), ref.iloc[:, 1].astype(float).round(6), atol=1e-9)


def test_cross_section_needs_only_its_own_year_complete(tmp_path, raw, monkeypatch):
    """A cross-section of 2017 uses the weights in 2017 only: a gap in 2016 is no reason to refuse it, a gap in
    2017 is (named up front); a Moran's I of every year in the same study still needs every year."""
    from spatialq import regression

    calls = []
    real = regression.spatial_model
    monkeypatch.setattr(regression, "spatial_model", lambda *a, **k: calls.append(1) or real(*a, **k))
    jiangsu = raw["province"] == "江苏省"
    body = LONG + REG + "cross_section = true\nyear = 2017\nlm_tests = false\n"
    res = _run(_study(tmp_path, body, data=raw[~(jiangsu & (raw["year"] == 2016))]), tmp_path / "a")
    assert calls and any(o.name == "regression" for o in res.outputs)
    calls.clear()
    _study(tmp_path, body, data=raw[~(jiangsu & (raw["year"] == 2017))])
    with pytest.raises(StudyError, match=r"江苏省 \(320000\) lacks 2017.*spatial weights in 2017, so every region must "
                                         r"be in that year"):
        _run(tmp_path / "s.toml", tmp_path / "b")
    _study(tmp_path, body + MORAN, data=raw[~(jiangsu & (raw["year"] == 2016))])
    with pytest.raises(StudyError, match=r"\[analyses.moran\]: the panel is unbalanced — 1 region\(s\) lack years: "
                                         r"江苏省 \(320000\) lacks 2016"):
        _run(tmp_path / "s.toml", tmp_path / "c")
    assert not calls and not (tmp_path / "b").exists() and not (tmp_path / "c").exists()


def test_regression_year_without_cross_section_is_an_error(tmp_path, raw, no_compute):
    body = LONG + REG + "year = 2017\n"
    with pytest.raises(StudyError, match=r"\[analyses.regression\] year: only used with cross_section = true"):
        _run(_study(tmp_path, body, data=raw), tmp_path / "o")
    assert not (tmp_path / "o").exists()


# ----------------------------------------------------------------------------- 7. up-front checks


INDEX = '[index]\nname = "u"\n[index.indicators]\nurban_pop_share = "+"\npm25 = "-"\n'


def _const(raw):
    return raw.assign(const=1.0)


def _const_2016(raw):
    d = raw.copy()
    d.loc[d["year"] == 2016, "urban_pop_share"] = 0.5
    return d


def _near_const(raw):
    return raw.assign(urban_pop_share=40 + 1e-13 * np.arange(len(raw)))


def _nonpositive(raw):
    return raw.assign(pm25_shift=raw["pm25"] - raw["pm25"].median())


def _flat(raw):
    return raw.assign(flat=1.0)


def _inf(raw):
    d = raw.copy()
    d.loc[5, "pm25"] = np.inf
    return d


@pytest.mark.parametrize("body, data, expect", [
    (LONG + INDEX + 'const = "+"\n[analyses.moran]\n', _const, ["[index.indicators] const", "constant"]),
    (LONG + '[analyses.moran]\ncolumn = "pm25"\n', _inf, ["'pm25'", "infinite"]),
    (LONG.replace("dpi = 50", "dpi = 50\nseed = -1") + MORAN, None, ["[study] seed", "-1"]),
    (LONG.replace("dpi = 50", "dpi = 100000") + MORAN, None, ["[study] dpi", "100000"]),
    (LONG + '[analyses.moran]\ncolumn = "urban_pop_share"\npermutations = 10_000_000\n', None,
     ["[analyses.moran] permutations", "10000000"]),
    (LONG.replace('id = "province"', 'id = "province"\nyears = [2015, 2015]') + MORAN, None,
     ["[data] years", "repeated", "2015"]),
    (LONG + MORAN + '[analyses.lisa]\ncolumn = "pm25"\nyears = [2016, 2016]\n', None,
     ["[analyses.lisa] years", "repeated", "2016"]),
    (LONG + INDEX.replace('name = "u"', 'name = "pm25"') + "[analyses.moran]\n", None,
     ["[index] name", "'pm25'"]),
    (LONG + INDEX.replace('name = "u"', 'name = "year"') + "[analyses.moran]\n", None,
     ["[index] name", "'year'"]),
    (LONG + INDEX + '[index.subsystems]\na = ["urban_pop_share", "pm25"]\nb = ["pm25"]\n[analyses.moran]\n', None,
     ["indicator 'pm25' is listed in ['a', 'b']"]),
    (LONG + '[analyses.detector]\ncolumn = "urban_pop_share"\nfactors = ["pm25"]\nk = [3, 16]\n', None,
     ["[analyses.detector] k", "[16]", "31 observations"]),
    (LONG + "[analyses.describe]\n" + MORAN, None, ["[analyses.describe] columns", "no [index]"]),
    (LONG + REG.replace("n_draws = 50", "n_draws = 0"), None, ["[analyses.regression] n_draws", "≥ 2"]),
    (LONG + REG.replace("n_draws = 50", "n_draws = 1"), None, ["[analyses.regression] n_draws", "≥ 2"]),
    # found in review: inputs that passed validation and failed mid-run (or gave wrong numbers)
    (LONG + '[analyses.lisa]\ncolumn = "pm25"\nalpha = nan\n', None, ["[analyses.lisa] alpha", "not a finite"]),
    (LONG.replace("[study]", "[weights]\ntype = \"inverse_distance\"\nthreshold_km = nan\n[study]") + MORAN, None,
     ["[weights] threshold_km", "not a finite"]),
    (LONG + '[analyses.kde]\ncolumn = "pm25"\nbandwidth = inf\n', None, ["[analyses.kde] bandwidth"]),
    (LONG.replace('table_formats = ["csv"]', "table_formats = []") + MORAN, None,
     ["[study] table_formats", "at least 1"]),
    (LONG + INDEX.replace('name = "u"', 'name = "u"\npooled = false') + "[analyses.describe]\n", _const_2016,
     ["[index.indicators] urban_pop_share", "constant in 2016", "pooled = true"]),
    (LONG + INDEX + "[analyses.describe]\n", _near_const, ["[index.indicators] urban_pop_share", "constant"]),
    (LONG + '[analyses.regression]\nformula = "urban_pop_share ~ log(pm25_shift)"\nmodels = ["ols"]\n',
     _nonpositive, ["[analyses.regression] formula", "log(pm25_shift)"]),
    (LONG + '[analyses.coupling]\nsystems = ["pm25", "urban_pop_share"]\n', None,
     ["[analyses.coupling] systems", "'pm25'", "[0, 1]"]),
    (LONG + '[analyses.detector]\ncolumn = "urban_pop_share"\nfactors = ["flat", "pm25"]\n', _flat,
     ["[analyses.detector] factors", "'flat' is constant"]),
])
def test_up_front_checks_name_the_culprit(tmp_path, raw, no_compute, body, data, expect):
    import spatialq.detector as gd

    def boom(*a, **k):
        raise AssertionError("computation started before the study was validated")

    frame = raw if data is None else data(raw)
    path = _study(tmp_path, body, data=frame)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(gd, "geodetector", boom)
        with pytest.raises(StudyError) as err:
            _run(path, tmp_path / "o")
    for part in expect:
        assert part in str(err.value), str(err.value)
    assert not (tmp_path / "o").exists()


def test_header_only_file_and_non_integer_years(tmp_path, raw, no_compute):
    (tmp_path / "data.csv").write_text(",".join(raw.columns) + "\n", encoding="utf-8")
    path = _study(tmp_path, LONG + MORAN)
    with pytest.raises(StudyError, match=r"data.csv.*(no data rows|header)"):
        _run(path, tmp_path / "o")
    bad = raw.astype({"year": object})
    bad.loc[bad.index[7], "year"] = "2019.5"
    with pytest.raises(StudyError, match=r"\[data\] time: column 'year' has values that are not years, e.g. '2019.5'"):
        _run(_study(tmp_path, LONG + MORAN, data=bad), tmp_path / "o")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_study_file_in_bom_or_gb18030_loads(tmp_path, raw, encoding):
    body = LONG.replace("[study]", '[study]\ntitle = "城镇化的空间格局"') + MORAN
    path = _study(tmp_path, body, data=raw, encoding=encoding)
    assert path.read_bytes() != body.encode("utf-8")
    spec = study.load(path)
    assert spec.study["title"] == "城镇化的空间格局"
    res = _run(path, tmp_path / "o")
    assert "城镇化的空间格局" in res.index.read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- 8. files outside the study's folder


def test_data_outside_the_study_folder_needs_allow_outside(tmp_path, raw, no_compute, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    raw.to_csv(elsewhere / "data.csv", index=False)
    body = LONG.replace('path = "data.csv"', 'path = "../elsewhere/data.csv"') + MORAN
    path = _study(tmp_path / "study", body)
    with pytest.raises(StudyError, match=r"outside the study's folder.*allow_outside = true"):
        _run(path, tmp_path / "o")
    assert not (tmp_path / "o").exists()
    # nor through a link inside the study's folder, nor by an absolute path
    (tmp_path / "study" / "link.csv").symlink_to(elsewhere / "data.csv")
    for where in ("link.csv", str(elsewhere / "data.csv")):
        with pytest.raises(StudyError, match=r"outside the study's folder.*allow_outside = true"):
            _run(_study(tmp_path / "study", body.replace("../elsewhere/data.csv", where)), tmp_path / "o")
    assert not (tmp_path / "o").exists()
    path = _study(tmp_path / "study", body)
    monkeypatch.undo()  # computation allowed from here on
    res = _run(path, tmp_path / "a", allow_outside=True)
    assert res.data["adcode"].nunique() == 31
    path = _study(tmp_path / "study", body.replace('id = "province"', 'id = "province"\nallow_outside = true'))
    res = _run(path, tmp_path / "b")
    prov = json.loads((tmp_path / "b" / "provenance.json").read_text(encoding="utf-8"))
    assert prov["inputs"][0]["sha256"] == hashlib.sha256((elsewhere / "data.csv").read_bytes()).hexdigest()
    assert res.data["adcode"].nunique() == 31


def test_categories_in_a_formula_may_be_text(tmp_path, raw):
    """C(zone) with a text column runs (dummies); the same column used as a number is refused."""
    data = raw.assign(zone=np.where(raw["province"].str.endswith("省"), "province", "other"))
    reg = '[analyses.regression]\nformula = "urban_pop_share ~ ln_gdp_pc + C(zone)"\nmodels = ["ols"]\n' \
          "cross_section = true\nlm_tests = false\n"
    res = _run(_study(tmp_path, LONG + reg, data=data), tmp_path / "o")
    assert "C(zone)[T.province]" in set(_coefficients(res).index)
    _study(tmp_path, LONG + reg.replace("C(zone)", "zone"), data=data)
    with pytest.raises(StudyError, match=r"'zone' has .* not numbers"):
        _run(tmp_path / "s.toml", tmp_path / "p")


def test_reserved_file_keys_and_repeated_year_headers(tmp_path, raw, names, no_compute):
    wide = _wide(raw, "pm25", names, "name_zh")
    wide.to_csv(tmp_path / "a.csv", index=False)
    body = ('[data]\nformat = "wide"\nfiles = {year = "a.csv", adcode = "a.csv"}\n'
            '[analyses.describe]\ncolumns = ["pm25"]\n')
    (tmp_path / "s.toml").write_text(body, encoding="utf-8")
    with pytest.raises(StudyError) as err:
        _run(tmp_path / "s.toml", tmp_path / "o")
    assert "[data.files] year" in str(err.value) and "[data.files] adcode" in str(err.value)
    wide.assign(**{"2016年": wide["2016"]}).to_csv(tmp_path / "a.csv", index=False)  # 2016 and 2016年
    (tmp_path / "s.toml").write_text(body.replace("year = \"a.csv\", adcode = \"a.csv\"", "pm25 = \"a.csv\""),
                                     encoding="utf-8")
    with pytest.raises(StudyError, match=r"\[data.files\] pm25: a.csv"):
        _run(tmp_path / "s.toml", tmp_path / "o")


def test_damaged_code_among_codes_is_named(tmp_path, raw, names, no_compute):
    to_code = dict(zip(names["name_zh"], names.index))
    data = raw.assign(adcode=raw["province"].map(to_code).astype(float)).drop(columns="province")
    data.loc[3, "adcode"] = 110000.5
    body = LONG.replace('id = "province"', 'id = "adcode"') + MORAN
    with pytest.raises(StudyError, match=r"'110000.5' \(.*fraction"):
        _run(_study(tmp_path, body, data=data), tmp_path / "o")

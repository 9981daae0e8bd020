"""spatialq.report: formatting rules and every output format read back."""

import warnings

import numpy as np
import pandas as pd
import pytest

from spatialq import report


@pytest.fixture()
def frame():
    return pd.DataFrame({"estimate": [1.23456, -0.5, 0.0123, 2.0], "std_error": [0.4, 0.22, 0.006, 1.9],
                         "p": [0.005, 0.03, 0.07, 0.2]},
                        index=pd.Index(["x_1", "rho", "share %", "sigma2"], name="term"))


def test_table_stars_digits_and_headings(frame):
    before = frame.copy()
    t = report.table(frame, digits=2)
    assert list(t.columns) == ["变量", "系数", "标准误", "p 值"]
    assert t["系数"].tolist() == ["1.23***", "-0.50**", "0.01*", "2.00"]
    assert t["变量"].tolist() == ["x_1", "ρ", "share %", "σ²"]
    assert t["p 值"].tolist() == ["<0.01", "0.03", "0.07", "0.20"]
    en = report.table(frame, lang="en", stars=False, digits=3)
    assert list(en.columns) == ["Variable", "Coefficient", "Std. error", "p"] and en.iloc[0, 1] == "1.235"
    pd.testing.assert_frame_equal(frame, before)
    pct = report.table(pd.DataFrame({"share": [0.1234, 0.5]}), percent=["share"], index=False)
    assert pct["贡献率"].tolist() == ["12.3%", "50.0%"]
    with pytest.raises(ValueError, match="lang"):
        report.table(frame, lang="fr")
    with pytest.raises(KeyError, match="percent"):
        report.table(frame, percent=["nope"])


def test_every_format_reads_back(frame, tmp_path):
    t = report.table(frame)
    csv = pd.read_csv(report.write(frame, tmp_path / "t.csv"), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert csv.equals(t)
    assert (tmp_path / "t.csv").read_bytes()[:3] == b"\xef\xbb\xbf"  # BOM: Excel opens Chinese correctly
    openpyxl = pytest.importorskip("openpyxl")
    ws = openpyxl.load_workbook(report.write(frame, tmp_path / "t.xlsx", caption="表 1")).active
    assert ws["A1"].value == "表 1" and ws["A2"].value == "变量" and ws["B3"].value == "1.235***"
    assert "1%、5%、10%" in ws.cell(row=ws.max_row, column=1).value
    tex = report.write(frame, tmp_path / "t.tex", caption="Table 1").read_text(encoding="utf-8")
    assert r"\toprule" in tex and r"x\_1" in tex and r"share \%" in tex and r"$\rho$" in tex
    assert tex.count(r"\\") == len(frame) + 1
    md = report.write(frame, tmp_path / "t.md").read_text(encoding="utf-8")
    assert md.count("\n| ") == len(frame) + 1 and "| 变量 | 系数 |" in md
    docx = pytest.importorskip("docx")
    d = docx.Document(str(report.write(frame, tmp_path / "t.docx", caption="表 1")))
    cells = [[c.text for c in row.cells] for row in d.tables[0].rows]
    assert cells[0] == list(t.columns) and cells[1] == t.iloc[0].tolist()
    with pytest.raises(ValueError, match="unknown table format"):
        report.write(frame, tmp_path / "t.pdf")


def test_compare_labels_in_both_languages():
    from spatialq._results import provenance
    from spatialq._spml._result import SpatialRegressionResult

    def fake(model, rho):
        idx = ["x", "rho"] if rho is not None else ["x"]
        par = pd.Series([0.5, rho][: len(idx)], index=idx)
        se = pd.Series([0.1, 0.05][: len(idx)], index=idx)
        return SpatialRegressionResult(meta=provenance("t"), model=model, formula="y ~ x", params=par, std_errors=se,
                                       cov=pd.DataFrame(), rho=rho, lambda_=None, sigma2=1.0, loglik=-10.0, nobs=31,
                                       effects=None, effects_inference=None, tests=pd.DataFrame(),
                                       residuals=pd.Series(dtype=float), fitted=pd.Series(dtype=float),
                                       se_method="exact")

    zh = report.compare([fake("ols", None), fake("sar", 0.3)])
    assert zh.iloc[:, 0].tolist()[:4] == ["x", "", "ρ", ""] and zh.columns[0] == "变量"
    assert zh.loc[zh.iloc[:, 0] == "ρ", "SAR"].item() == "0.300***"
    en = report.compare([fake("ols", None), fake("sar", 0.3)], lang="en", names=["(1)", "(2)"])
    assert "Log-likelihood" in en["Variable"].tolist() and list(en.columns) == ["Variable", "(1)", "(2)"]
    assert np.isclose(float(en.loc[en.Variable == "N", "(1)"].item()), 31)


def test_effects_table_matches_inference():
    from spatialq import geometry, panel, weights
    from spatialq.datasets import synthetic_panel
    from spatialq.report import effects_table

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = weights.contiguity(geometry.provinces())
    df = synthetic_panel(seed=1)
    r = panel.spatial_panel(df, "ln_patents ~ ln_gdp_pc + rd_intensity", w, model="sdm", n_draws=200, seed=3)
    t = effects_table(r, lang="en", digits=4)
    assert list(t.columns) == ["Variable", "Direct", "Indirect", "Total"]
    inf = r.effects_inference.set_index(["term", "effect"])
    for i, term in enumerate(["ln_gdp_pc", "rd_intensity"]):
        row, sub = t.iloc[2 * i], t.iloc[2 * i + 1]
        assert row["Variable"] == term and sub["Variable"] == ""
        for col, eff in (("Direct", "direct"), ("Indirect", "indirect"), ("Total", "total")):
            est, p, tv = inf.loc[(term, eff), ["estimate", "p", "t"]]
            stars = "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.1 else ""
            assert row[col] == f"{est:.4f}{stars}" and sub[col] == f"({tv:.4f})"
    sem = panel.spatial_panel(df, "ln_patents ~ ln_gdp_pc", w, model="ols", n_draws=10)
    with pytest.raises(ValueError, match="no effects"):
        effects_table(sem)


def test_docx_table_of_300_rows_reads_back(tmp_path):
    docx = pytest.importorskip("docx")
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(rng.normal(size=(300, 6)), columns=[f"x{j}" for j in range(6)])
    frame.insert(0, "region", [f"地区{i}" for i in range(300)])
    frame["estimate"], frame["p"] = rng.normal(size=300), rng.uniform(size=300)
    t = report.table(frame, index=False)
    d = docx.Document(str(report.write(frame, tmp_path / "t.docx", caption="表 2 大表")))
    assert [p.text for p in d.paragraphs] == ["表 2 大表", report.STAR_NOTE["zh"]]
    cells = [[c.text for c in row.cells] for row in d.tables[0].rows]
    assert cells == [list(t.columns), *t.to_numpy().tolist()]
    assert d.styles["Normal"].font.name == "Times New Roman"
    g = docx.Document(str(report.write(frame.head(3), tmp_path / "g.docx", rules="grid")))
    assert g.tables[0].style.name == "Table Grid"


def _docx_rules(table) -> tuple[dict, list[dict]]:
    """(table-level borders, per-row {edge: size} of the cells' own borders — equal across each row)."""
    from docx.oxml.ns import qn

    def edges(el):
        if el is None:
            return {}
        return {b.tag.split("}")[1]: (None if b.get(qn("w:val")) == "nil" else int(b.get(qn("w:sz"))))
                for b in el}

    tbl = edges(table._tbl.tblPr.find(qn("w:tblBorders")))
    rows = []
    for tr in table._tbl.tr_lst:
        cells = [edges(tc.tcPr.find(qn("w:tcBorders")) if tc.tcPr is not None else None) for tc in tr.tc_lst]
        assert all(c == cells[0] for c in cells), cells
        rows.append(cells[0])
    return tbl, rows


@pytest.mark.parametrize("n_rows", [0, 1, 5])
def test_docx_is_a_three_line_table(tmp_path, n_rows):
    """三线表, read back with python-docx: no table-level lines, a 1.5 pt rule on top of the head, 0.75 pt under
    it, 1.5 pt under the last row; no other cell has a line (issue 19)."""
    docx = pytest.importorskip("docx")
    frame = pd.DataFrame({"变量": [f"x{i}" for i in range(n_rows)], "系数": ["0.123***"] * n_rows})
    d = docx.Document(str(report.write(frame, tmp_path / "t.docx", caption="表 3")))
    tbl, rows = _docx_rules(d.tables[0])
    assert tbl == dict.fromkeys(("top", "left", "bottom", "right", "insideH", "insideV"))
    assert d.tables[0].style.name != "Table Grid"
    if n_rows == 0:
        assert rows == [{"top": 12, "bottom": 12}]
    else:
        assert rows[0] == {"top": 12, "bottom": 6}
        assert rows[-1] == {"bottom": 12}
        assert all(r == {} for r in rows[1:-1])
    assert [c.text for c in d.tables[0].rows[0].cells] == ["变量", "系数"]


def test_xlsx_is_a_three_line_table(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    frame = pd.DataFrame({"变量": ["a", "b", "c"], "系数": ["0.1", "0.2", "0.3"]})
    ws = openpyxl.load_workbook(report.write(frame, tmp_path / "t.xlsx", caption="表 4", note="注")).active
    rules = [[(c.border.top.style, c.border.bottom.style) for c in row] for row in ws.iter_rows(min_row=2, max_row=5)]
    assert rules == [[("medium", "thin")] * 2, [(None, None)] * 2, [(None, None)] * 2, [(None, "medium")] * 2]
    assert not any(c.font.bold for c in ws[2]) and all(c.alignment.horizontal == "center" for c in ws[2])
    assert ws["A1"].border.bottom.style is None and ws["A1"].value == "表 4"
    grid = openpyxl.load_workbook(report.write(frame, tmp_path / "g.xlsx", rules="grid", caption="表 4")).active
    boxed = [[(c.border.left.style, c.border.right.style, c.border.top.style, c.border.bottom.style)
              for c in row] for row in grid.iter_rows(min_row=2, max_row=5)]
    assert boxed == [[("thin",) * 4] * 2] * 4  # every cell of the table boxed, as Word's "Table Grid"
    assert grid["A1"].value == "表 4" and grid["A1"].border.bottom.style is None
    with pytest.raises(ValueError, match="rules"):
        report.write(frame, tmp_path / "x.xlsx", rules="booktabs")


def test_xlsx_cell_values_as_pandas_writes_them(tmp_path):
    """Numbers stay numbers (numpy scalars become Python numbers), a missing value is an empty cell that
    keeps its rules, ±inf is the text pandas writes, dates stay dates, a timedelta is days, other objects are
    their text; a table without rows is a head with both rules."""
    import datetime

    openpyxl = pytest.importorskip("openpyxl")
    from spatialq.report._xlsx import write_xlsx  # (report.write formats numbers first: the writer itself here)

    def write(t, path):
        write_xlsx(t, path, caption=None, note=None, sheet="s")
        return path

    frame = pd.DataFrame({"i": np.array([1, 2], dtype=np.int64), "f": [0.5, np.nan], "b": [True, False],
                          "inf": [np.inf, -np.inf], "d": pd.to_datetime(["2020-01-31", None]),
                          "dt": [pd.Timedelta(days=1.5), pd.NaT], "o": [("a", 1), None]})
    ws = openpyxl.load_workbook(write(frame, tmp_path / "t.xlsx")).active
    assert [c.value for c in ws[1]] == list(frame.columns)
    assert [c.value for c in ws[2]] == [1, 0.5, True, "inf", datetime.datetime(2020, 1, 31), 1.5, "('a', 1)"]
    assert [c.value for c in ws[3]] == [2, None, False, "-inf", None, None, None]
    assert type(ws["A2"].value) is int and ws["B3"].border.bottom.style == "medium"
    labels = pd.DataFrame({"类型": ["高-高"] * 3 + ["H-H"]})  # one rich-text value shared by repeated labels
    rich = openpyxl.load_workbook(write(labels, tmp_path / "r.xlsx"), rich_text=True).active
    assert [str(c.value) for c in rich["A"]] == ["类型", "高-高", "高-高", "高-高", "H-H"]
    assert [[b.font.rFont for b in rich[f"A{i}"].value] for i in (2, 4)] == [["宋体", "Times New Roman", "宋体"]] * 2
    empty = openpyxl.load_workbook(write(frame.iloc[:0], tmp_path / "e.xlsx")).active
    assert [(c.border.top.style, c.border.bottom.style) for c in empty[1]] == [("medium", "medium")] * 7


DANGEROUS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1"]
NUMBERS = ["-0.123***", "-1.5", "(\u22120.45)"]


@pytest.fixture()
def hostile():
    """Region names as an attacker (or a careless export) could write them, beside real journal numbers."""
    names = [*DANGEROUS, "北京\n市", *NUMBERS]
    values = pd.Series([1.0, -2.5, 3.25, -0.5, 0.0, 7.0, 8.5, -9.0, 10.0], dtype=object)
    return pd.DataFrame({"=区域": names, "n": values}, dtype=object)


@pytest.mark.parametrize("text", ["-0.123***", "-1.5", "-3.2e-5", "(-0.45)", "(\u22120.45)", "[0.031]", "+12.5%",
                                  "-1,234.5", "-inf", " -7 ", "-"])
def test_numeric_looking_cells_are_not_neutralised(text):
    from spatialq.report._safe import escape, formula_like

    assert not formula_like(text) and escape(text, "csv") == text


@pytest.mark.parametrize("text", [*DANGEROUS, "\r=1", " =1+1", "-cmd", "+1+1", "-1e", "-0.5)*2"])
def test_formula_like_cells_get_a_quote_in_csv(text):
    from spatialq.report._safe import escape, formula_like

    assert formula_like(text) and escape(text, "csv") == "'" + text


def test_csv_neutralises_formulas_and_keeps_numbers(hostile, tmp_path):
    import csv

    path = report.write(hostile, tmp_path / "t.csv")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["'=区域", "n"]
    body = rows[1:]
    assert [r[0] for r in body] == ["'" + s for s in DANGEROUS] + ["北京\n市", *NUMBERS]
    assert [r[1] for r in body] == ["1.0", "-2.5", "3.25", "-0.5", "0.0", "7.0", "8.5", "-9.0", "10.0"]


def test_xlsx_writes_text_never_formulas(hostile, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    path = report.write(hostile, tmp_path / "t.xlsx", caption="=caption", note="@note", sheet="a/b:c")
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    assert ws.title == "a_b_c"
    assert (ws["A1"].value, ws["A1"].data_type) == ("=caption", "s")
    assert (ws["A2"].value, ws["A2"].data_type) == ("=区域", "s") and ws["A2"].quotePrefix
    for i, text in enumerate(hostile["=区域"], start=3):
        cell = ws.cell(row=i, column=1)
        assert (cell.value, cell.data_type) == (text, "s")
        assert cell.quotePrefix == (text in DANGEROUS)
    numbers = [ws.cell(row=i, column=2) for i in range(3, 3 + len(hostile))]
    assert [c.value for c in numbers] == list(hostile["n"]) and {c.data_type for c in numbers} == {"n"}
    note = ws.cell(row=ws.max_row, column=1)
    assert (note.value, note.data_type) == ("@note", "s")
    formulas = [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []


def test_markdown_rows_stay_one_line(hostile, tmp_path):
    import re

    t = hostile.copy()
    t.columns = ["=区\n域 | a", "n"]
    md = report.write(t, tmp_path / "t.md", caption="表\n1", note="注：a\nb").read_text(encoding="utf-8")
    rows = [line for line in md.splitlines() if line.startswith("| ")]
    assert len(rows) == len(t) + 2
    assert {len(re.findall(r"(?<!\\)\|", r)) for r in rows} == {3}
    assert rows[0] == "| =区<br>域 \\| a | n |" and "| 北京<br>市 |" in md
    assert "+cmd\\|' /C calc'!A0" in md and "**表<br>1**" in md


def test_latex_escapes_every_special_and_newline(hostile):
    t = pd.DataFrame({"a_1": ["\\ { } $ & # ^ _ % ~", "x\n\ny", "<0.001 | >"], "b": ["1", "2", "3"]})
    tex = report.to_latex(t, caption="50% & more\nlines", label="tab:x y}", note="#1")
    body = tex.splitlines()
    start = body.index(r"\toprule")
    rows = body[start + 1:start + 3 + len(t)]  # header, \\midrule, the rows
    assert rows[0] == r"a\_1 & b \\" and rows[1] == r"\midrule"
    assert rows[2] == (r"\textbackslash{} \{ \} \$ \& \# \textasciicircum{} \_ \% \textasciitilde{} & 1 \\")
    assert rows[3] == r"x  y & 2 \\" and rows[4] == r"\textless{}0.001 \textbar{} \textgreater{} & 3 \\"
    assert r"\caption{50\% \& more lines}" in tex and r"\label{tab:xy}" in tex and r"\#1" in tex
    hostile_tex = report.to_latex(hostile)
    assert hostile_tex.count(r" \\") == len(hostile) + 1 and "\n\n" not in hostile_tex


def test_docx_cells_are_plain_text(hostile, tmp_path):
    docx = pytest.importorskip("docx")
    path = report.write(hostile, tmp_path / "t.docx", caption="=caption")
    d = docx.Document(str(path))
    cells = [[c.text for c in row.cells] for row in d.tables[0].rows]
    assert cells[0] == ["=区域", "n"] and [r[0] for r in cells[1:]] == list(hostile["=区域"])
    import zipfile

    xml = zipfile.ZipFile(path).read("word/document.xml").decode("utf-8")
    assert "instrText" not in xml and "fldSimple" not in xml and "fldChar" not in xml


def test_control_characters_do_not_break_xml_formats(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    docx = pytest.importorskip("docx")
    t = pd.DataFrame({"region": ["a\x01b\x1f", "c\td"]}, dtype=object)
    ws = openpyxl.load_workbook(report.write(t, tmp_path / "t.xlsx")).active
    assert [ws["A2"].value, ws["A3"].value] == ["ab", "c\td"]
    d = docx.Document(str(report.write(t, tmp_path / "t.docx")))
    assert [row.cells[0].text for row in d.tables[0].rows] == ["region", "ab", "c\td"]


def test_localise_headings_and_label_pairs():
    """Headings in the language asked for, with units; of x / x_zh / x_en one language is kept, and x itself only
    when it holds numbers (issue 19)."""
    from spatialq.report.headings import localise

    t = pd.DataFrame({"center_x": [1.0], "p_sim": [0.01], "cluster": ["HH"], "cluster_zh": ["高-高"],
                      "cluster_en": ["High-High"], "grade": [4], "grade_zh": ["轻度失调"], "grade_en": ["mild"],
                      "unknown_col": [1]})
    zh = localise(t, "zh")
    assert list(zh.columns) == ["重心 x（m）", "p 值（置换）", "集聚类型", "协调等级（编号）", "协调等级",
                                "unknown_col"]
    assert zh.iloc[0].tolist() == [1.0, 0.01, "高-高", 4, "轻度失调", 1]
    en = localise(t, "en")
    assert list(en.columns) == ["Centre x (m)", "p (permutation)", "Cluster", "Grade (number)", "Grade",
                                "unknown_col"]
    assert en.iloc[0].tolist() == [1.0, 0.01, "High-High", 4, "mild", 1]
    assert t.columns[0] == "center_x"  # not modified
    with pytest.raises(ValueError, match="lang"):
        localise(t, "fr")


def test_xlsx_chinese_in_simsun_latin_in_times(tmp_path):
    """Read back with openpyxl: in a three-line table every run of Chinese (ideographs and full-width
    punctuation) is in 宋体 with GB 2312's charset and every other run in Times New Roman, in the head, the body,
    the caption and the note; the plain text of each cell is unchanged; the grid style keeps pandas' fonts
    (issue 19)."""
    import re

    openpyxl = pytest.importorskip("openpyxl")
    from openpyxl.cell.rich_text import CellRichText

    frame = pd.DataFrame({"变量 x": ["Moran's I 指数 ", "东部（沿海）", "北京\n市", " 2011年"],
                          "系数": ["0.123***", "(0.045)", "=区域", "-0.5"]})
    path = report.write(frame, tmp_path / "t.xlsx", caption="表 4 Moran 检验", note="注：*** p<0.01", stars=False)
    plain = openpyxl.load_workbook(path).active
    rich = openpyxl.load_workbook(path, rich_text=True).active
    texts = {c.coordinate: c.value for row in plain.iter_rows() for c in row if c.value is not None}
    assert texts["A1"] == "表 4 Moran 检验" and texts["A2"] == "变量 x" and texts["A8"] == "注：*** p<0.01"
    assert [texts[f"A{i}"] for i in range(3, 7)] == list(frame["变量 x"])
    assert plain["B5"].quotePrefix and texts["B5"] == "=区域"  # still text, never a formula
    runs = 0
    for coord, text in texts.items():
        cell = rich[coord]
        assert cell.font.name == "Times New Roman", coord
        if not re.search(r"[\u4e00-\u9fff\uff08\uff09\uff1a]", text):
            assert not isinstance(cell.value, CellRichText), coord
            continue
        assert isinstance(cell.value, CellRichText) and str(cell.value) == text, coord
        for block in cell.value:
            runs += 1
            if re.search(r"[\u4e00-\u9fff\uff08\uff09\uff1a]", block.text):
                assert (block.font.rFont, block.font.charset) == ("宋体", 134), (coord, block.text)
                assert not re.search(r"[A-Za-z0-9*]", block.text), (coord, block.text)
            else:
                assert block.font.rFont == "Times New Roman", (coord, block.text)
    assert runs >= 14
    grid = openpyxl.load_workbook(report.write(frame, tmp_path / "g.xlsx", rules="grid"), rich_text=True).active
    assert not any(isinstance(c.value, CellRichText) for row in grid.iter_rows() for c in row)


def test_docx_chinese_in_simsun_latin_in_times(tmp_path):
    """Read back with python-docx: the Normal style has Times New Roman for Latin text and 宋体 as its East Asian
    font (``w:eastAsia``), and no run of the caption, table or note overrides them."""
    docx = pytest.importorskip("docx")
    from docx.oxml.ns import qn

    frame = pd.DataFrame({"变量": ["城镇化 x", "Moran's I"], "系数": ["0.1", "0.2"]})
    d = docx.Document(str(report.write(frame, tmp_path / "t.docx", caption="表 1 城镇化", note="注：合成数据")))
    fonts = d.styles["Normal"].element.rPr.rFonts
    assert (fonts.get(qn("w:ascii")), fonts.get(qn("w:hAnsi")), fonts.get(qn("w:eastAsia"))) == (
        "Times New Roman", "Times New Roman", "宋体")
    paragraphs = [*d.paragraphs, *(p for row in d.tables[0].rows for c in row.cells for p in c.paragraphs)]
    runs = [r for p in paragraphs for r in p.runs]
    assert len(runs) >= 8
    assert all(p.style.name == "Normal" for p in paragraphs)
    assert all(r.style.name == "Default Paragraph Font" and (r._element.rPr is None or r._element.rPr.rFonts is None)
               for r in runs)


def _xlsx_cells(path, rich_text=False):
    """Every cell of the first sheet as openpyxl reads it: value, type, number format, font, borders, alignment,
    quote prefix, and with ``rich_text`` the runs (text, inline font, charset)."""
    import openpyxl
    from openpyxl.cell.rich_text import CellRichText

    wb = openpyxl.load_workbook(path, rich_text=rich_text)
    ws = wb.active
    out = {"title": ws.title}
    for row in ws.iter_rows():
        for c in row:
            if c.value is None and not c.has_style:
                continue
            v = c.value
            if isinstance(v, CellRichText):
                v = tuple((b.text, b.font.rFont, b.font.charset) if hasattr(b, "font") else (b, None, None)
                          for b in v)
            b = c.border
            kind = "number" if isinstance(v, int | float) and not isinstance(v, bool) else type(v).__name__
            out[c.coordinate] = (v, kind, c.data_type, c.is_date, c.font.name, bool(c.font.b),
                                 tuple(getattr(side, "style", None) for side in (b.left, b.right, b.top, b.bottom)),
                                 (c.alignment.horizontal, c.alignment.vertical), bool(c.quotePrefix))
    return out


@pytest.mark.parametrize("rules", ["three_line", "grid"])
def test_xlsx_direct_writer_equals_openpyxl(rules, hostile, tmp_path):
    """The direct SpreadsheetML writer against the openpyxl writer it replaced (tests/xlsx_openpyxl.py, openpyxl's
    write-only mode): openpyxl reads both files back the same, cell by cell — value and its type, number format
    (dates), font, the four borders, alignment, quote prefix and the rich-text runs — and pandas reads the same
    frame; for labels, hostile text, numbers, booleans, dates, missing values, a table without rows."""
    import datetime

    pytest.importorskip("openpyxl")
    from xlsx_openpyxl import write_xlsx_openpyxl

    from spatialq.report._xlsx import write_xlsx

    labels = ["北京（京）", "Moran's I 指数 ", "=区域", " 2011年", "a\x01b", "x_x0041_y\r\nz"]
    mixed = pd.DataFrame({"地区 region": labels,
                          "i": np.array([1, -2, 3, 0, 5, 6], dtype=np.int64),
                          "f": [0.1, np.nan, -1e-300, 1e20, np.inf, -np.inf],
                          "b": [True, False, True, None, False, True],
                          "d": pd.to_datetime(["2020-01-31", None, "1900-01-15", "2023-06-30 12:30:00",
                                               "1999-12-31", "2000-02-29"], format="ISO8601"),
                          "dd": [datetime.date(2021, 3, 4), None, datetime.date(1900, 2, 28), datetime.date(1900, 3, 1),
                                 datetime.date(2024, 2, 29), datetime.date(1970, 1, 1)],
                          "td": [pd.Timedelta(hours=36), pd.NaT, pd.Timedelta(0), pd.Timedelta(days=-1),
                                 pd.Timedelta(days=400), pd.Timedelta(minutes=1)],
                          "s": ["0.123***", "(0.045)", "-0.5", "@SUM(A1)", "高-高", "H-H"]})
    for k, table in enumerate([mixed, hostile, mixed.iloc[:0], mixed.iloc[:1]]):
        for caption, note in [("表 4 Moran 检验 =x", "注：*** p<0.01\n数据来源：统计年鉴"), (None, None)]:
            ours, ref = tmp_path / f"o{k}.xlsx", tmp_path / f"r{k}.xlsx"
            write_xlsx(table, ours, caption=caption, note=note, sheet="a/b:表[1]", rules=rules)
            write_xlsx_openpyxl(table, ref, caption=caption, note=note, sheet="a/b:表[1]", rules=rules)
            for rich in (False, True):
                assert _xlsx_cells(ours, rich) == _xlsx_cells(ref, rich), (k, caption, rich)
            pd.testing.assert_frame_equal(pd.read_excel(ours, header=None), pd.read_excel(ref, header=None))


def test_xlsx_text_that_would_change_in_excel_is_kept(tmp_path):
    """Review of the direct writer: a literal ``_xHHHH_`` (overlapping ones too) gets Excel's ``_x005F_`` escape on
    each underscore that starts one; U+FFFF, U+FFFE and lone surrogates (not XML) are dropped instead of making a
    file that does not open; −0.0 and 0.0 each keep their own sign wherever they come first; a sheet name loses tab
    and line breaks (Excel refuses them)."""
    import zipfile

    import openpyxl

    from spatialq.report._xlsx import write_xlsx

    t = pd.DataFrame({"a": ["_x0041_x0042_", "a\uffffb\ufffe", "c\ud800d"], "b": [0.0, -0.0, 1.0],
                      "c": [-0.0, 0.0, 2.0]}, dtype=object)
    path = tmp_path / "t.xlsx"
    write_xlsx(t, path, caption=None, note=None, sheet="s\tt\nu")
    shared = zipfile.ZipFile(path).read("xl/sharedStrings.xml").decode("utf-8")
    assert "_x005F_x0041_x005F_x0042_<" in shared  # Excel shows _x0041_x0042_, not _x0041B
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    assert ws.title == "s_t_u" and [ws["A3"].value, ws["A4"].value] == ["ab", "cd"]
    signs = [[np.copysign(1, ws.cell(row=r, column=c).value) for r in (2, 3)] for c in (2, 3)]
    assert signs == [[1, -1], [-1, 1]]


def test_map_strings_calls_once_per_distinct_text_and_passes_the_rest():
    from spatialq.report._safe import map_strings

    calls = []

    def fn(s):
        calls.append(s)
        return s.upper()

    cells = ["a", "b", "a", 1, None, np.nan, "", "", True, "b", 1.0, pd.NA]
    out = map_strings(cells, fn)
    assert out[:3] == ["A", "B", "A"] and out[6:8] == ["", ""] and out[9] == "B"
    for i in (3, 4, 5, 8, 10, 11):  # not strings: the same objects, untouched
        assert out[i] is cells[i]
    assert sorted(calls) == ["", "a", "b"]


def test_repeated_cells_are_escaped_like_single_ones(tmp_path):
    """Tables of repeated hostile cells: every cell written as the cell-by-cell escape writes it alone."""
    from spatialq.report._safe import escape

    hostile = ["=1+2", "a|b", "x_y & 50%", "-0.5***", "<b>", "line\nbreak", "@SUM(A1)"]
    t = pd.DataFrame({"v": hostile * 3, "w": [h[::-1] for h in hostile] * 3, "n": ["1", "2", "=3"] * 7})
    rows = list(t.astype(str).itertuples(index=False))
    md = report.to_markdown(t).splitlines()[2:]
    assert md == ["| " + " | ".join(escape(v, "md") for v in row) + " |" for row in rows]
    tex = report.to_latex(t).splitlines()
    body = tex[tex.index(r"\midrule") + 1:tex.index(r"\bottomrule")]
    assert body == [" & ".join(escape(v, "tex") for v in row) + r" \\" for row in rows]
    back = pd.read_csv(report.write(t, tmp_path / "t.csv"), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert back.to_numpy().tolist() == [[escape(v, "csv") for v in row] for row in rows]
    assert back["v"].iloc[0] == "'=1+2" and back["v"].iloc[3] == "-0.5***"


def test_table_refuses_repeated_column_names():
    f = pd.DataFrame([[1.0, 2.0]], columns=["a", "a"])
    with pytest.raises(ValueError, match=r"\['a'\] appear more than once"):
        report.table(f)


@pytest.mark.parametrize(("cell", "noted"), [("0.512***", True), ("0.5*\n", True), ("a*b", False), ("0.5", False),
                                             ("*\nx", False)])
def test_star_note_follows_cells_ending_in_a_star(tmp_path, cell, noted):
    t = pd.DataFrame({"变量": ["x", "y"], "系数": ["0.1", cell]})
    text = report.write(t, tmp_path / "t.md").read_text(encoding="utf-8")
    assert (report.STAR_NOTE["zh"] in text) is noted


def test_markdown_and_latex_write_missing_cells_as_empty(tmp_path):
    """A text table with missing cells (pandas 3 keeps them missing in a string column) and a numeric one."""
    t = pd.DataFrame({"变量": ["x", None, "z"], "系数": ["0.1***", "=1", pd.NA], "n": [1.5, np.nan, 3.0]})
    md = report.to_markdown(t).splitlines()
    assert md[2:] == ["| x | 0.1*** | 1.5 |", "|  | =1 |  |", "| z |  | 3.0 |"]
    tex = report.to_latex(t).splitlines()
    assert r" & =1 &  \\" in tex and r"z &  & 3.0 \\" in tex
    for ext in ("md", "tex"):
        assert "nan" not in report.write(t, tmp_path / f"t.{ext}").read_text(encoding="utf-8").replace("注", "")

"""[labels]: a label per variable given once in the study file, used in every figure and table (issue 19)."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from spatialq import geometry, plot, study
from spatialq.study import StudyError
from spatialq.study.labels import Relabel, check

LABELS = {"gdp": "地区生产总值", "gdp_pc": "人均GDP", "urbanisation": "城镇化水平"}


def test_text_replaces_whole_identifiers_only():
    r = Relabel(LABELS)
    assert r.text("urbanisation 的空间分布") == "城镇化水平的空间分布"  # no space between two Chinese characters
    assert r.text("gdp_pc 的空间分布") == "人均GDP 的空间分布"  # after a Latin letter it stays
    assert r.text("gdp and gdp_pc, W*gdp") == "地区生产总值 and 人均GDP, W*地区生产总值"
    assert r.text("gdp_pc2 ln_gdp xgdp") == "gdp_pc2 ln_gdp xgdp"  # inside a longer name: unchanged
    assert r.text("urbanisation (2022)") == "城镇化水平 (2022)"
    assert r.cell("W*gdp_pc") == "W*人均GDP" and r.cell("gdp_pc 滞后型") == "人均GDP 滞后型" and r.cell(3.5) == 3.5
    t = pd.DataFrame({"变量": ["gdp", "W*gdp_pc", "rho"], "gdp_pc": ["0.1", "0.2", "0.3"]})
    out = r.table(t)
    assert list(out.columns) == ["变量", "人均GDP"] and out["变量"].tolist() == ["地区生产总值", "W*人均GDP", "rho"]
    assert t["变量"].tolist() == ["gdp", "W*gdp_pc", "rho"]  # the caller's frame is not modified
    assert Relabel({}).text("gdp") == "gdp" and not Relabel({})


def test_table_with_repeated_headings_mixed_cells_and_an_index():
    """Headings that repeat (two models' "系数" columns), numbers and missing values among text cells, numeric
    columns, a labelled index: each cell as ``cell`` relabels it alone, dtypes and order kept."""
    r = Relabel(LABELS)
    t = pd.DataFrame([["gdp", "gdp_pc", 1.5, None], ["gdp", 2, np.nan, "urbanisation"]],
                     columns=["变量", "系数", "x", "系数"], index=pd.Index(["gdp", "rho"], name="term"))
    t["s"] = pd.Series(["gdp_pc", pd.NA], index=t.index, dtype="string")
    out = r.table(t)
    assert list(out.columns) == ["变量", "系数", "x", "系数", "s"] and list(out.dtypes) == list(t.dtypes)
    for j in range(t.shape[1]):
        want = [r.cell(v) for v in t.iloc[:, j]]
        got = out.iloc[:, j].tolist()
        assert len(got) == len(want) and all((g is w) or (g == w) or (pd.isna(g) and pd.isna(w))
                                              for g, w in zip(got, want)), j
    assert out.iloc[:, 0].tolist() == ["地区生产总值", "地区生产总值"] and out.iloc[1, 1] == 2
    assert out.index.tolist() == ["地区生产总值", "rho"]


def test_check_names_the_key_and_the_closest_column():
    problems: list[str] = []
    out = check({"gdp_pc": "人均GDP", "gdp_pcc": "x", "pop": "", "area": 3}, ["gdp_pc", "pop", "area"], problems)
    assert out == {"gdp_pc": "人均GDP"}
    assert any("[labels] gdp_pcc" in p and "did you mean 'gdp_pc'" in p for p in problems)
    assert any("[labels] pop" in p and "1–60 printable" in p for p in problems)
    assert any("[labels] area" in p for p in problems)
    problems = []
    assert check("gdp", ["gdp"], problems) == {} and "must be a table" in problems[0]


def _texts(fig) -> list[str]:
    fig.canvas.draw()  # tick labels and map legends are made at draw time
    from matplotlib.text import Text

    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


def test_figure_texts_are_relabelled():
    """Titles, axis labels, text tick labels (set_ticks(labels=), categories), legend entries and a map legend's
    title (rebuilt at draw time by spatialq.plot) all carry the labels; numeric ticks are untouched."""
    r = Relabel(LABELS)
    fig, (a, b) = plt.subplots(1, 2)
    a.set_title("urbanisation 的空间分布")
    a.set_xlabel("gdp_pc")
    a.set_yticks([0, 1], labels=["gdp", "urbanisation"])
    a.plot([0, 1], [0, 1], label="gdp_pc")
    a.legend()
    b.barh(["gdp", "other"], [1, 2])
    r.figure(fig)
    texts = _texts(fig)
    assert {"城镇化水平的空间分布", "人均GDP", "地区生产总值", "城镇化水平", "other"} <= set(texts)
    assert not {"gdp", "gdp_pc", "urbanisation"} & set(texts)
    assert "0.5" in texts or "0.50" in texts or any(t.replace(".", "").isdigit() for t in texts)
    plt.close(fig)

    prov = geometry.provinces()
    prov["gdp_pc"] = np.arange(len(prov), dtype=float)
    ax = plot.china_map(prov, "gdp_pc", title="gdp_pc")
    r.figure(ax.figure)
    texts = _texts(ax.figure)
    assert "人均GDP" in texts and "gdp_pc" not in texts
    plt.close(ax.figure)


def test_study_uses_labels_in_tables_and_captions(tmp_path):
    from spatialq.datasets import synthetic_urbanisation

    df = synthetic_urbanisation("province")
    df[["province", "year", "urban_pop_share", "pm25", "ln_gdp_pc"]].to_csv(tmp_path / "d.csv", index=False)
    body = """
[study]
table_formats = ["md"]
[data]
path = "d.csv"
id = "province"
[index]
name = "u"
[index.indicators]
urban_pop_share = "+"
pm25 = "-"
[labels]
u = "城镇化水平"
ln_gdp_pc = "人均GDP（对数）"
[analyses.describe]
[analyses.moran]
permutations = 0
[analyses.regression]
formula = "u ~ ln_gdp_pc"
models = ["sar"]
n_draws = 50
"""
    (tmp_path / "s.toml").write_text(body, encoding="utf-8")
    res = study.run(tmp_path / "s.toml", out=tmp_path / "o", progress=False)
    tables = [p for o in res.outputs if o.kind == "table" for p in o.files]
    text = "\n".join(p.read_text(encoding="utf-8") for p in tables)
    assert "人均GDP（对数）" in text and "城镇化水平" in text
    assert "ln_gdp_pc" not in text  # the label everywhere in the tables
    assert "ln_gdp_pc" in (tmp_path / "o" / "data" / "analysis_data.csv").read_text(encoding="utf-8").splitlines()[0]
    assert all("ln_gdp_pc" not in o.caption and " u " not in f" {o.caption} " for o in res.outputs)

    (tmp_path / "s.toml").write_text(body.replace('ln_gdp_pc = "', 'ln_gdp_pcc = "'), encoding="utf-8")
    with pytest.raises(StudyError, match=r"\[labels\] ln_gdp_pcc: not a column.*did you mean 'ln_gdp_pc'"):
        study.run(tmp_path / "s.toml", out=tmp_path / "o2", progress=False)

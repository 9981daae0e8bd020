"""The study pipeline: the demo study end to end, up-front validation, reproducibility, wide input, English."""

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spatialq import hotspot, inequality, study
from spatialq.cli import main
from spatialq.demo import write_demo_input
from spatialq.study import StudyError


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The README's main job, run once for the module through the CLI (``--debug`` lets warnings through;
    the study itself records the warnings of its steps into the index page's notes)."""
    out = tmp_path_factory.mktemp("demo")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["--debug", "demo", "--out", str(out), "--quiet"]) == 0
    files = [p for p in out.rglob("*") if p.is_file()]
    return out, files, [str(w.message) for w in caught]


def test_demo_counts_and_index_links(demo, page_links):
    out, files, _ = demo
    figures = sorted((out / "figures").glob("fig*.png"))
    tables = sorted((out / "tables").glob("table*.csv"))
    assert len(figures) >= 10 and len(tables) >= 8
    for p in figures:  # real images, not empty files
        from matplotlib.image import imread

        img = imread(p)
        assert img.shape[0] > 200 and img.shape[1] > 200 and img[..., :3].std() > 0.01
    for p in tables:
        assert len(pd.read_csv(p, encoding="utf-8-sig")) >= 1

    refs = page_links(out / "index.html")
    assert refs and all((out / r).exists() for r in refs)
    linked = {Path(r).name for r in refs}
    assert {p.name for p in figures} <= linked and {p.name for p in tables} <= linked
    on_disk = {p.name for p in (out / "figures").iterdir() if p.suffix == ".png"}
    assert on_disk <= linked, f"figures not on the index page: {sorted(on_disk - linked)}"
    # the demo's [study] data_note: under the page title, every table's note, every figure's footer
    page = (out / "index.html").read_text(encoding="utf-8")
    assert page.count("合成数据") >= 2 and "仅演示分析流程" in page
    assert "没有邻居的单元" in page and "units without neighbours" not in page  # notes in the page's language
    import tomllib  # [labels]: no table heading or cell shows a labelled variable by its column name

    labels = tomllib.loads((out / "input" / "demo_urbanisation.toml").read_text(encoding="utf-8"))["labels"]
    raw = set(labels) | {f"W*{k}" for k in labels}
    for p in tables:
        t = pd.read_csv(p, encoding="utf-8-sig", dtype=str)
        shown = set(t.columns) | set(t.stack().str.strip())
        assert not shown & raw, (p.name, sorted(shown & raw))
        # headings in Chinese: no column name such as p_sim, center_x or grade_en is left (issue 19)
        english = [c for c in t.columns if re.search(r"[a-z]_[a-z]|^[a-z]{3,}$", str(c))]
        assert not english, (p.name, english)
    md_tables = sorted((out / "tables").glob("table*.md"))
    assert md_tables and all("仅演示分析流程" in p.read_text(encoding="utf-8") for p in md_tables)
    md = (out / "index.md").read_text(encoding="utf-8")
    assert all((out / m).exists() for m in re.findall(r"\]\(([^)]+)\)", md))
    names = {p.name for p in files}
    assert {"provinces_queen.gal", "provenance.json",
            "analysis_data.csv", "demo_urbanisation.toml", "urbanisation_provinces.csv"} <= names


def test_demo_figures_have_no_missing_glyphs(demo):
    out, _, caught = demo
    assert not [m for m in caught if "Glyph" in m and "missing" in m]
    assert not any("Glyph" in n for n in (out / "index.md").read_text(encoding="utf-8").splitlines())


def test_missing_glyph_would_be_caught():
    """Negative control: the warning the test above looks for does fire for a glyph the font lacks."""
    import matplotlib.pyplot as plt

    from spatialq.plot import register_font

    register_font()
    fig, ax = plt.subplots()
    ax.set_title("\U0001f600 龘")  # emoji and a rare character: not in the GB 2312 subset
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    plt.close(fig)
    assert any("Glyph" in str(w.message) and "missing" in str(w.message) for w in caught)


def test_demo_tables_equal_the_api(demo):
    """The study computes what the Python API computes (Moran's I, Dagum G) on the study's data."""
    out, _, _ = demo
    data = pd.read_csv(out / "data" / "analysis_data.csv", dtype={"adcode": str}, encoding="utf-8-sig")
    from spatialq import geometry, weights

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = weights.contiguity(geometry.provinces())
    mi = hotspot.moran(data, "urbanisation", w, seed=2025).to_frame()
    table = pd.read_csv(next((out / "tables").glob("table*_moran.csv")), encoding="utf-8-sig")
    assert np.allclose(table["I"], mi["I"].round(3), atol=1e-9)
    g = inequality.dagum_gini(data, "urbanisation", "region").to_frame()
    dagum = pd.read_csv(next((out / "tables").glob("table*_dagum_gini.csv")), encoding="utf-8-sig")
    assert np.allclose(dagum["总体基尼系数"], g["gini"].round(3), atol=1e-9)
    # the papers' membership table: every province in exactly one Gi* class each year
    classes = pd.read_csv(next((out / "tables").glob("table*_gi_star_classes.csv")), encoding="utf-8-sig")
    assert (classes[[c for c in classes.columns if c.endswith(" n")]].sum(axis=1) == 31).all()
    assert "浙江" in classes.loc[classes["年份"] == 2011, "热点"].item()
    # regions are the NBS four
    assert set(data["region"]) == {"东部", "中部", "西部", "东北"}
    notes = (out / "index.md").read_text(encoding="utf-8")
    assert "海南省 (460000) -> 广东省 (440000)" in notes


def test_cli_run_and_demo_messages(tmp_path, capsys):
    study_path = write_demo_input(tmp_path / "in")
    text = study_path.read_text(encoding="utf-8")
    small = text.split("[analyses.describe]")[0] + "[analyses.moran]\npermutations = 99\n"
    study_path.write_text(small, encoding="utf-8")
    assert main(["run", str(study_path), "--out", str(tmp_path / "o"), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "tables and 3 figures" in out and "index.html" in out
    assert (tmp_path / "o" / "provenance.json").exists()


# ----------------------------------------------------------------------------- validation


def _write(tmp_path, body: str, data: pd.DataFrame | None = None) -> Path:
    if data is not None:
        data.to_csv(tmp_path / "data.csv", index=False)
    p = tmp_path / "s.toml"
    p.write_text(body, encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def raw(study_raw):
    return study_raw


BASE = """
[data]
path = "data.csv"
id = "province"
[index]
name = "u"
[index.indicators]
urban_pop_share = "+"
pm25 = "-"
"""



@pytest.mark.parametrize("body, expect", [
    (BASE + "[analyses.moranI]\n", ["[analyses.moranI]", "unknown analysis", "did you mean 'moran'"]),
    (BASE + "[analyses.moran]\npermutation = 9\n", ["[analyses.moran] permutation", "did you mean 'permutations'"]),
    (BASE + "[analyses.moran]\npermutations = \"many\"\n", ["[analyses.moran] permutations", "integer"]),
    (BASE + "[analyses.gi_star]\nscheme = \"jenks\"\n", ["[analyses.gi_star] scheme", "'bins', 'breaks'"]),
    (BASE + "[analysis.moran]\n", ["[analysis]", "unknown section", "did you mean 'analyses'"]),
    (BASE.replace("[index]", "[weights]\ntype = \"queen2\"\n[index]") + "[analyses.moran]\n",
     ["[weights] type", "did you mean 'queen'"]),
    (BASE.replace('path = "data.csv"', 'path = "nothere.csv"') + "[analyses.moran]\n",
     ["nothere.csv", "does not exist"]),
    (BASE + "[analyses.coupling]\nsystems = [\"a\"]\n", ["[analyses.coupling] systems", "at least two"]),
    (BASE + "[analyses.dagum]\n", ["[analyses.dagum]", "[regions]"]),
    (BASE.replace('"-"', '"minus"') + "[analyses.moran]\n", ["[index.indicators] pm25", "direction"]),
    ("[data]\npath = 1\n[analyses.moran]\n", ["[data] path", "string"]),
    (BASE, ["[analyses]", "missing"]),
])
def test_malformed_structure_names_the_key(tmp_path, raw, no_compute, body, expect):
    path = _write(tmp_path, body, raw)
    with pytest.raises(StudyError) as err:
        study.run(path, out=tmp_path / "o", progress=False)
    for part in expect:
        assert part in str(err.value), str(err.value)
    assert not (tmp_path / "o").exists()


def test_malformed_data_all_problems_before_computation(tmp_path, raw, no_compute):
    bad = raw.copy()
    bad.loc[bad["province"] == "湖北省", "province"] = "Hubie"
    bad.loc[bad["province"] == "河北省", "province"] = "河北雄安"
    body = BASE.replace("pm25", "pm2_5") + '[analyses.moran]\n[analyses.lisa]\ncolumn = "urbanisation"\nyear = 2030\n'
    path = _write(tmp_path, body, bad)
    with pytest.raises(StudyError) as err:
        study.run(path, out=tmp_path / "o", progress=False)
    msg = str(err.value)
    assert "'Hubie' (closest: 湖北省 (420000)" in msg and "'河北雄安' (closest: 河北省 (130000)" in msg
    assert "['pm2_5'] not in the data (closest: pm25)" in msg
    assert "[analyses.lisa]: column(s) ['urbanisation'] not in the data" in msg
    assert "[analyses.lisa] year: [2030] not in the data" in msg
    assert len(err.value.problems) == 4
    assert not (tmp_path / "o").exists()


def test_malformed_data_duplicates_missing_values_unbalanced(tmp_path, raw, no_compute):
    bad = raw.copy()
    bad.loc[bad["province"] == "山西省", "province"] = "陕西"  # now two rows per year for 陕西
    bad.loc[3, "urban_pop_share"] = np.nan
    path = _write(tmp_path, BASE + "[analyses.moran]\n", bad)
    with pytest.raises(StudyError) as err:
        study.run(path, progress=False)
    msg = str(err.value)
    assert "rows repeat a region and year" in msg and "陕西省 2015" in msg
    assert "陕西 and 陕西省 are all 陕西省" in msg  # the cause: two spellings of one region
    assert "column 'urban_pop_share' has 1 missing value(s), at 陕西省 2015" in msg
    unbalanced = raw[~((raw["province"] == "西藏自治区") & (raw["year"] == 2016))]
    path = _write(tmp_path, BASE + '[analyses.regression]\nformula = "u ~ ln_gdp_pc + openness"\n', unbalanced)
    with pytest.raises(StudyError, match="unbalanced"):
        study.run(path, progress=False)
    path = _write(tmp_path, BASE + '[analyses.regression]\nformula = "u ~ np.log(ln_gdpp) + openness"\n', raw)
    with pytest.raises(StudyError, match=r"\['ln_gdpp'\] not in the data \(closest: ln_gdp_pc\)"):
        study.run(path, progress=False)


def test_cli_reports_study_error_without_traceback(tmp_path, raw, capsys):
    path = _write(tmp_path, BASE + "[analyses.moranI]\n", raw)
    assert main(["run", str(path)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("spatialq run: study file s.toml has 1 problem")
    assert "moranI" in err
    (tmp_path / "broken.toml").write_text("[data\npath=", encoding="utf-8")
    assert main(["run", str(tmp_path / "broken.toml")]) == 1
    assert "not valid TOML" in capsys.readouterr().err


# ----------------------------------------------------------------------------- behaviour


SMALL = BASE + """
[study]
seed = 7
table_formats = ["csv"]
[regions]
scheme = "three"
[analyses.lisa]
column = "u"
permutations = 199
[analyses.dagum]
"""


def test_same_seed_same_tables_and_wide_input_equals_long(tmp_path, raw):
    a = study.run(_write(tmp_path, SMALL, raw), out=tmp_path / "a", progress=False)
    study.run(_write(tmp_path, SMALL, raw), out=tmp_path / "b", progress=False)
    for o in a.outputs:
        if o.kind == "table":
            for fa in o.files:
                assert fa.read_bytes() == (tmp_path / "b" / fa.relative_to(tmp_path / "a")).read_bytes()
    # the same data as one wide table per variable (yearbook layout, years as columns "2015年")
    wide_dir = tmp_path / "wide"
    wide_dir.mkdir()
    for var in ("urban_pop_share", "pm25"):
        w = raw.pivot(index="province", columns="year", values=var)
        w.columns = [f"{c}年" for c in w.columns]
        w.reset_index().to_csv(wide_dir / f"{var}.csv", index=False, encoding="utf-8-sig")
    body = SMALL.replace('path = "data.csv"', 'format = "wide"\nfiles = {urban_pop_share = "urban_pop_share.csv", '
                                                'pm25 = "pm25.csv"}')
    c = study.run(_write(wide_dir, body), out=tmp_path / "c", progress=False)
    merged = a.data.merge(c.data, on=["adcode", "year"], suffixes=("_long", "_wide"))
    assert len(merged) == len(a.data) == 31 * 4
    assert np.allclose(merged["u_long"], merged["u_wide"], rtol=1e-12)


def test_english_study_labels(tmp_path, raw):
    body = SMALL.replace("seed = 7", 'seed = 7\nlang = "en"') + '[analyses.gi_star]\ncolumn = "u"\n' + \
        '[analyses.markov]\ncolumn = "u"\nclasses = 4\n'
    res = study.run(_write(tmp_path, body, raw), out=tmp_path / "en", progress=False)
    frame = res.to_frame()
    assert "Dagum Gini coefficient and decomposition" in set(frame["caption"])
    dagum = pd.read_csv(next(o for o in res.outputs if o.name == "dagum_gini").files[0], encoding="utf-8-sig")
    assert {"Year", "overall", "East within", "East-West", "between share"} <= set(dagum.columns)
    mk = pd.read_csv(next(o for o in res.outputs if o.name == "markov").files[0], encoding="utf-8-sig")
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in mk.to_string())  # no Chinese left in an English table
    html = res.index.read_text(encoding="utf-8")
    assert 'lang="en"' in html and "not officially approved" in html


def test_study_result_convention(tmp_path, raw):
    res = study.run(_write(tmp_path, SMALL, raw), out=tmp_path / "r", progress=False)
    assert res.meta.method == "spatialq.study.run" and res.meta.seed == 7
    assert list(res.timings["step"]) == ["index", "regions", "weights", "lisa", "dagum"]
    assert "tables and" in res.summary()
    with pytest.raises(TypeError):
        res.plot()
    from dataclasses import FrozenInstanceError

    with pytest.raises(FrozenInstanceError):
        res.out = tmp_path


def test_bundled_dataset_adcode_ids_and_parent_columns(tmp_path):
    body = ('[data]\ndataset = "ai_index_provinces"\nid = "adcode"\n[study]\ntable_formats = ["csv"]\n'
            '[analyses.moran]\ncolumn = "ai_index"\npermutations = 99\n'
            '[analyses.markov]\ncolumn = "ai_index"\nclasses = 3\nstep = 4\n')
    res = study.run(_write(tmp_path, body), out=tmp_path / "o", progress=False)
    assert res.data["adcode"].nunique() == 31 and sorted(res.data["year"].unique()) == [2011, 2015, 2019, 2022]
    moran = pd.read_csv(next(o for o in res.outputs if o.name == "moran").files[0], encoding="utf-8-sig")
    assert len(moran) == 4
    with pytest.raises(StudyError, match=r"\[analyses.markov\] step: no year has a year 1 later"):
        study.run(_write(tmp_path, body.replace("step = 4", "step = 1")), progress=False)
    bad = body.replace('id = "adcode"', 'id = "adcode"\nprefecture = "province"')
    with pytest.raises(StudyError, match='prefecture: only used with level = "county"'):
        study.run(_write(tmp_path, bad), progress=False)


def test_missing_optional_writer_is_reported_up_front(tmp_path, raw, monkeypatch, no_compute):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "docx" else real(name, *a))
    body = BASE + '[study]\ntable_formats = ["csv", "docx"]\n[analyses.moran]\n'
    with pytest.raises(StudyError, match=r"'docx' needs docx, which is not installed: pip install 'spatialq\[docx\]'"):
        study.run(_write(tmp_path, body, raw), out=tmp_path / "o", progress=False)


def test_template_has_every_key_and_validates(tmp_path, capsys):
    from spatialq.study import ANALYSES, SECTIONS, template

    text = template()
    for section, keys in SECTIONS.items():
        assert f"[{section}]" in text
        assert all(re.search(rf"^(# )?{k} = ", text, re.M) for k in keys if k not in ("indicators", "subsystems"))
    for name, keys in ANALYSES.items():
        assert f"[analyses.{name}]" in text and all(re.search(rf"^(# )?{k} = ", text, re.M) for k in keys)
    spec = study.parse(__import__("tomllib").loads(text))  # the structure is valid as written
    assert "regression" in dict(spec.analyses) and "forest" not in dict(spec.analyses)
    assert main(["template", "--out", str(tmp_path / "s.toml")]) == 0
    assert (tmp_path / "s.toml").read_text(encoding="utf-8") == text
    assert main(["template", "--out", str(tmp_path / "s.toml")]) == 1  # no silent overwrite
    assert "--force" in capsys.readouterr().err


def test_county_names_with_parent_columns_and_factor_checks(tmp_path, counties, prefectures, no_compute):
    """County names repeat (鼓楼区 …): the province and prefecture columns tell them apart; empty prefecture
    cells (districts of the four municipalities) are no constraint; bad parent names are named."""
    pref_names = prefectures["name_zh"]
    prov_names = geometry_provinces_names()
    d = pd.DataFrame({"县": counties["name_zh"].to_numpy(),
                      "市": pref_names.reindex(counties["prefecture"]).to_numpy(),
                      "省": prov_names.reindex(counties.index.str[:2] + "0000").to_numpy(), "年份": 2020,
                      "x": np.arange(len(counties), dtype=float), "z": np.arange(len(counties)) % 3.0})
    d.loc[d["省"] == "北京市", "市"] = ""  # yearbooks often leave the prefecture of municipal districts empty
    d.loc[d["省"] == "天津市", "市"] = np.nan
    body = ('[data]\npath = "data.csv"\nid = "县"\nprovince = "省"\nprefecture = "市"\ntime = "年份"\n'
            'level = "county"\n[analyses.detector]\ncolumn = "x"\nfactors = ["x", "z"]\n')
    path = _write(tmp_path, body, d)
    with pytest.raises(StudyError) as err:  # names all match; only the factor problem is left
        study.run(path, progress=False)
    assert err.value.problems == ["[analyses.detector] factors: 'x' is the variable being explained; remove it "
                                  "from the factors"]
    d.loc[0, "市"] = "不存在市"
    with pytest.raises(StudyError, match=r"\[data\] 市|\[data\] prefecture: 1 prefecture name\(s\) in column '市'"):
        study.run(_write(tmp_path, body, d), progress=False)


def geometry_provinces_names():
    from spatialq import geometry

    return geometry.provinces(include_sar=True)["name_zh"]


def test_forest_analysis(tmp_path, raw):
    pytest.importorskip("sklearn")
    body = BASE + ('[study]\ntable_formats = ["csv"]\n[analyses.forest]\n'
                   'factors = ["ln_gdp_pc", "innovation", "openness"]\nn_estimators = 50\n')
    res = study.run(_write(tmp_path, body, raw), out=tmp_path / "f", progress=False)
    imp = pd.read_csv(next(o for o in res.outputs if o.name == "forest_importance").files[0], encoding="utf-8-sig")
    assert len(imp) == 3 and set(imp.iloc[:, 0]) == {"ln_gdp_pc", "innovation", "openness"}
    assert any(o.kind == "figure" and o.name == "forest_importance" for o in res.outputs)


def test_topsis_index_and_dropped_islands(tmp_path, raw):
    """method = "topsis" gives index.topsis's scores (merged by region and year); islands = "drop" leaves
    Hainan out of W and out of the analyses (instead of failing when the analyses align W to the data)."""
    from spatialq import index

    body = BASE.replace('[index]\nname = "u"', '[index]\nname = "u"\nmethod = "topsis"') + (
        '[study]\ntable_formats = ["csv"]\n[weights]\nislands = "drop"\n[analyses.moran]\npermutations = 99\n')
    res = study.run(_write(tmp_path, body, raw), out=tmp_path / "t", progress=False)
    assert "460000" not in set(res.data["adcode"]) and res.data["adcode"].nunique() == 30
    assert any("dropping units without neighbours" in n for n in res.notes)
    data = pd.read_csv(tmp_path / "t" / "data" / "analysis_data.csv", dtype={"adcode": str}, encoding="utf-8-sig")
    full = study.prepare(study.load(tmp_path / "s.toml")).data
    top = index.topsis(full, {"urban_pop_share": 1, "pm25": -1}).to_frame()
    merged = data.merge(top, on=["adcode", "year"])
    assert len(merged) == 30 * 4 and np.allclose(merged["u"], merged["score"], rtol=1e-12)


@pytest.mark.parametrize("scheme", ["bins", "breaks", "both"])
def test_gi_star_table_follows_the_map(tmp_path, raw, scheme):
    """One classification per hot-spot map and table: the membership table lists, for each class, exactly the
    regions that the map of that scheme colours with that class; captions name the scheme."""
    from spatialq.hotspot.getis import BIN_LABELS_ZH, BREAK_LABELS_ZH

    body = BASE + f'[analyses.gi_star]\nyear = 2018\nscheme = "{scheme}"\n'
    res = study.run(_write(tmp_path, body, raw), out=tmp_path / "o", progress=False)
    data = res.data
    from spatialq import geometry, hotspot, weights

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = weights.contiguity(geometry.provinces())
    frame = hotspot.gi_star(data, "u", w).to_frame()
    short = geometry.provinces()["name_short"]
    schemes = ["bins", "breaks"] if scheme == "both" else [scheme]
    for s in schemes:
        out = next(o for o in res.outputs if o.name == ("gi_star_classes" if scheme != "both" else
                                                          f"gi_star_classes_{s}"))
        assert ("置信度分箱" if s == "bins" else "自然断点") in out.caption
        table = pd.read_csv(next(p for p in out.files if p.suffix == ".csv"), encoding="utf-8-sig")
        # the category the map draws for each region (as GiStarResult.plot does)
        drawn = frame["gi_bin"].map(BIN_LABELS_ZH) if s == "bins" else frame["class"].map(
            lambda c: BREAK_LABELS_ZH[int(c) - 1])
        for year, part in frame.assign(drawn=drawn).groupby("year"):
            row = table.loc[table["年份"] == year].iloc[0]
            for label, members in part.groupby("drawn"):
                listed = set(str(row[label]).split("、"))
                assert listed == {short[a] for a in members["adcode"]}, (s, year, label)
                assert row[f"{label} n"] == len(members)
        maps = [o for o in res.outputs if o.kind == "figure" and o.name.startswith("gi_star")]
        assert any(("置信度分箱" if s == "bins" else "自然断点") in o.caption for o in maps)


def test_data_note_under_every_table_and_figure(tmp_path, raw):
    """[study] data_note: the line after each table's note (DOCX read back) and a footer text of each figure (an
    element with gid 'spatialq-data-note' in the SVG), and under the index page's title."""
    docx = pytest.importorskip("docx")
    note = "数据来源：《中国统计年鉴》（2012—2023）"
    body = (BASE + f'[study]\ndata_note = "{note}"\ntable_formats = ["docx"]\nfigure_formats = ["svg"]\n'
            "[analyses.moran]\npermutations = 0\n")
    res = study.run(_write(tmp_path, body, raw), out=tmp_path / "o", progress=False)
    tables = [p for o in res.outputs if o.kind == "table" for p in o.files]
    figures = [p for o in res.outputs if o.kind == "figure" for p in o.files]
    assert tables and figures
    for p in tables:
        assert docx.Document(str(p)).paragraphs[-1].text.splitlines()[-1] == note
    for p in figures:
        assert 'id="spatialq-data-note"' in p.read_text(encoding="utf-8")
    assert note in (tmp_path / "o" / "index.html").read_text(encoding="utf-8")


def test_notes_in_chinese():
    """Every note spatialq writes has a Chinese form on a zh index page; data parts are carried over unchanged."""
    import re
    import warnings

    from spatialq import geometry, weights
    from spatialq.study.notes_zh import note_zh

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        weights.contiguity(geometry.provinces())
    island = next(str(w.message) for w in caught if "without neighbours" in str(w.message))
    notes = [island,
             '[data] missing = "drop_units": 2 region(s) with missing values left out: 西藏自治区, 新疆维吾尔自治区',
             '[data] missing = "interpolate": 1 value(s) filled linearly within a region: 湖北省 2020 gdp = 4.3e+04',
             "[data] id: ids written as numbers (110000.0) were read as the codes 110000",
             "[data] id: names corrected while matching: 內蒙古 → 内蒙古自治区",
             "the panel is unbalanced — 2 region(s) lack years: 西藏自治区 (540000) lacks 2011, 2012; 海南省 (460000) "
             "lacks 2011 (missing per year: 2011: 2, 2012: 1); the analyses use the regions present in each year",
             "3 missing-glyph warnings, e.g. Glyph 8722 missing"]
    for n in notes:
        zh = note_zh(n)
        assert zh != n
        prose = re.sub(r"\[data\] missing = \"\w+\"|\[data\] id|Glyph 8722 missing|gdp|e\+04", "", zh)
        assert not re.search(r"[A-Za-z]{3,}", prose), zh  # no English words left
    assert "海南省 (460000) -> 广东省 (440000)" in note_zh(island)
    assert note_zh("a warning spatialq does not know").endswith("a warning spatialq does not know")  # behind a lead-in


def test_gaps_text_names_every_missing_region_year_as_the_groupwise_definition():
    """The vectorised gap report against the region-by-region set difference, on random unbalanced panels
    (regions without some years, years outside the wanted ones, repeated rows)."""
    from types import SimpleNamespace

    import numpy as np

    from spatialq.study.analyses._common import gaps_text

    def by_region(view, years):
        have = view.data.groupby("adcode")["year"].agg(lambda s: set(s.astype(int)))
        gaps = {code: sorted(set(years) - got) for code, got in have.items() if set(years) - got}
        if not gaps:
            return ""
        items = [f"{view.names.get(code, code)} ({code}) lacks {', '.join(map(str, miss))}"
                 for code, miss in sorted(gaps.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
        by_year = pd.Series([y for miss in gaps.values() for y in miss]).value_counts().sort_index()
        return (f"{len(gaps)} region(s) lack years: " + "; ".join(items[:10]) + (" …" if len(items) > 10 else "")
                + f" (missing per year: {', '.join(f'{y}: {n}' for y, n in by_year.items())})")

    rng = np.random.default_rng(0)
    for trial in range(30):
        codes = [f"{110000 + 100 * i}" for i in range(int(rng.integers(1, 25)))]
        rows = [(c, y) for c in codes for y in range(2010, 2020) if rng.random() > 0.15 * (trial % 4)]
        rows += rows[:3]
        df = pd.DataFrame(rows or [(codes[0], 2010)], columns=["adcode", "year"]).sample(frac=1, random_state=trial)
        view = SimpleNamespace(data=df, names={c: f"地区{c[2:4]}" for c in codes[::2]})
        years = tuple(range(2011, 2019)) if trial % 3 else tuple(range(2010, 2020))
        assert gaps_text(view, years) == by_region(view, years), trial
    assert gaps_text(SimpleNamespace(data=pd.DataFrame({"adcode": ["110000"], "year": [2011]}), names={}),
                     (2011,)) == ""

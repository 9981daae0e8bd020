"""Study analyses ``obstacle`` and ``grey``: the study's tables equal the public API's, and bad options are
refused up front naming the key."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from studyrun import HEAD
from studyrun import run as run_study
from studyrun import table as study_table

from spatialq import index
from spatialq.study import StudyError

INDEX = """
[index]
name = "u"
[index.indicators]
urban_pop_share = "+"
urban_income = "+"
doctors_per_10k = "+"
pm25 = "-"
[index.subsystems]
econ = ["urban_pop_share", "urban_income"]
soc = ["doctors_per_10k", "pm25"]
"""
DIRS = {"urban_pop_share": 1, "urban_income": 1, "doctors_per_10k": 1, "pm25": -1}
SUBS = {"urban_pop_share": "econ", "urban_income": "econ", "doctors_per_10k": "soc", "pm25": "soc"}


def _run(tmp_path: Path, body: str, data: pd.DataFrame, **kw):
    return run_study(tmp_path, body, data, head=HEAD, **kw)


def _table(res, name):
    return study_table(res, name, dtype={0: str})


def test_obstacle_analysis_equals_the_api(tmp_path, study_raw):
    res = _run(tmp_path, INDEX + "[analyses.obstacle]\ntop = 3\nyears = [2016, 2018]\n", study_raw)
    got = _table(res, "obstacle_top")
    ent = index.entropy(res.data, DIRS, subsystems=SUBS)
    api = index.obstacle(ent, top=3).top_table()
    api = api[api["year"].isin([2016, 2018])].reset_index(drop=True)
    assert len(got) == len(api) == 62
    assert got.iloc[:, 0].tolist() == api["adcode"].tolist()
    for r in (1, 2, 3):
        assert got[f"障碍因子{r}"].tolist() == api[f"factor_{r}"].tolist()
        assert np.allclose(got[f"障碍度{r}（%）"], (100 * api[f"obstacle_{r}"]).round(3), atol=1e-9)
    sub = _table(res, "obstacle_subsystems")
    wide = index.obstacle(ent).wide("subsystem")
    assert np.allclose(sub["econ"], (100 * wide["econ"]).round(3), atol=1e-9)
    assert np.allclose(sub["econ"] + sub["soc"], 100, atol=2e-3)
    means = _table(res, "obstacle_indicators").set_index("指标")
    d = index.obstacle(ent).to_frame()
    assert np.allclose(means.loc[list(DIRS), "2017"],
                       (100 * d[d["year"] == 2017].groupby("indicator")["obstacle"].mean()[list(DIRS)]).round(3),
                       atol=1e-9)
    # the weights are the index's own: its weights table
    w = _table(res, "index_weights").set_index("指标")["权重"]
    assert np.allclose(w[list(DIRS)], ent.weights.set_index("indicator")["weight"][list(DIRS)].round(3), atol=1e-9)
    assert {"obstacle_heatmap", "obstacle_regions"} <= {o.name for o in res.outputs}


@pytest.mark.parametrize("by", ["pooled", "unit", "year"])
def test_grey_analysis_equals_the_api(tmp_path, study_raw, by):
    body = INDEX + f'[analyses.grey]\nfactors = ["ln_gdp_pc", "openness", "innovation"]\nrho = 0.4\nby = "{by}"\n'
    res = _run(tmp_path, body, study_raw)
    got = _table(res, "grey_degrees")
    api = index.grey_relation(res.data, "u", ["ln_gdp_pc", "openness", "innovation"], rho=0.4, by=by).to_frame()
    if by == "pooled":
        assert np.allclose(got["degree"], api["degree"].round(3), atol=1e-9)
        assert got["排序"].tolist() == api["rank"].tolist()
    else:
        key = "adcode" if by == "unit" else "year"
        wide = api.pivot(index=key, columns="factor", values="degree")
        assert np.allclose(got["openness"], wide["openness"].round(3), atol=1e-9)
        assert len(got) == (31 if by == "unit" else 4)
        assert "grey_mean" in {o.name for o in res.outputs}
    assert any(o.kind == "figure" and o.name == "grey_degrees" for o in res.outputs)


def test_grey_on_a_column_with_initial_scaling(tmp_path, study_raw):
    body = ('[analyses.grey]\ncolumn = "urban_income"\nfactors = ["ln_gdp_pc", "openness"]\nscaling = "initial"\n'
            'by = "unit"\n')
    res = _run(tmp_path, body, study_raw)
    got = _table(res, "grey_degrees")
    api = index.grey_relation(res.data, "urban_income", ["ln_gdp_pc", "openness"], scaling="initial", by="unit")
    wide = api.to_frame().pivot(index="adcode", columns="factor", values="degree")
    assert np.allclose(got["ln_gdp_pc"], wide["ln_gdp_pc"].round(3), atol=1e-9)


@pytest.mark.parametrize("body,expect", [
    ("[analyses.obstacle]\n", "[analyses.obstacle]: needs an [index] section"),
    (INDEX + "[analyses.obstacle]\ntop = 0\n", "[analyses.obstacle] top"),
    (INDEX + '[analyses.obstacle]\nat_best = "skip"\n', "[analyses.obstacle] at_best"),
    (INDEX + "[analyses.obstacle]\nyears = [2030]\n", "[analyses.obstacle] years: [2030] not in the data"),
    (INDEX + '[analyses.grey]\nfactors = ["openness"]\nscaling = "initial"\n',
     '[analyses.grey] scaling: "initial" divides by the first year'),
    (INDEX + '[analyses.grey]\nfactors = ["openness", "u"]\n', "[analyses.grey] factors: 'u' is the reference"),
    (INDEX + '[analyses.grey]\nfactors = ["openness"]\nrho = 0\n', "[analyses.grey] rho"),
    (INDEX + '[analyses.grey]\nfactors = ["openness"]\nby = "region"\n', "[analyses.grey] by"),
    (INDEX + "[analyses.grey]\n", "[analyses.grey] factors"),
    (INDEX + '[analyses.grey]\nfactors = ["flat"]\nscaling = "minmax"\nby = "year"\n',
     "[analyses.grey] scaling: 'flat' is constant in 2015"),
    (INDEX + '[analyses.grey]\nfactors = ["zero0"]\nscaling = "initial"\nby = "unit"\n',
     "[analyses.grey] scaling: 'zero0' is 0 in the first year for"),
])
def test_checked_up_front(tmp_path, study_raw, no_compute, body, expect):
    d = study_raw.assign(flat=np.where(study_raw["year"] == 2015, 1.0, study_raw["openness"]),
                         zero0=np.where(study_raw["year"] == 2015, 0.0, 1.0 + study_raw["openness"]))
    with pytest.raises(StudyError) as err:
        _run(tmp_path, body, d)
    assert expect in str(err.value)
    assert not (tmp_path / "out").exists()


def test_index_method_grey_topsis(tmp_path, study_raw):
    body = INDEX.replace('name = "u"', 'name = "u"\nmethod = "grey_topsis"') + "[analyses.describe]\n"
    res = _run(tmp_path, body, study_raw)
    api = index.grey_topsis(res.data, DIRS).to_frame()
    got = res.data.sort_values(["adcode", "year"])["u"].to_numpy()
    assert np.max(np.abs(got - api["score"].to_numpy())) < 1e-12
    scores = _table(res, "index_scores")
    assert np.allclose(scores["2018"], api[api["year"] == 2018]["score"].round(3), atol=1e-9)

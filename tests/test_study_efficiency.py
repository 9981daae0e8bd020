"""``[analyses.efficiency]``: the study's tables equal spatialq.efficiency's, and bad options or data are refused
up front naming the key (the _run/_table pattern of tests/test_study_analyses.py)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from studyrun import run as run_study
from studyrun import table as study_table

from spatialq.study import StudyError

HEAD = """
[study]
table_formats = ["csv"]
dpi = 50
seed = 7
digits = 6
[data]
path = "data.csv"
id = "province"
"""
IO = 'inputs = ["fiscal_spending", "energy_intensity"]\noutputs = ["urban_income"]\nundesirable = ["pm25"]\n'


def _run(tmp_path: Path, body: str, data: pd.DataFrame, **kw):
    return run_study(tmp_path, body, data, head=HEAD, **kw)


def _table(res, name):
    return study_table(res, name)


def test_efficiency_analysis_equals_the_api(tmp_path, study_raw):
    from spatialq import efficiency

    res = _run(tmp_path, "[analyses.efficiency]\n" + IO + "super = true\n", study_raw)
    data = res.data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        api = efficiency.sbm(data, ["fiscal_spending", "energy_intensity"], ["urban_income"], ["pm25"], super=True)
        gml = efficiency.malmquist(data, ["fiscal_spending", "energy_intensity"], ["urban_income"], ["pm25"],
                                   model="sbm")
    got = _table(res, "efficiency_scores")
    assert len(got) == len(api.scores) == 31 * 4
    assert np.allclose(got["sbm"], api.scores["sbm"].round(6), atol=1e-9)
    assert (api.scores["sbm"] > 1).any()  # super-SBM scores of the efficient provinces
    idx = _table(res, "efficiency_index")
    assert np.allclose(idx["gml"], gml.index["gml"].round(6), atol=1e-9)
    assert {"efficiency_by_year", "efficiency_mean", "efficiency_index"} <= {o.name for o in res.outputs}


def test_efficiency_ddf_ml(tmp_path, study_raw):
    from spatialq import efficiency

    res = _run(tmp_path, "[analyses.efficiency]\n" + IO + 'model = "ddf"\nmalmquist = "ml"\n', study_raw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        api = efficiency.malmquist(res.data, ["fiscal_spending", "energy_intensity"], ["urban_income"], ["pm25"],
                                   kind="ml")
    got = _table(res, "efficiency_index")
    assert np.allclose(got["ml"], api.index["ml"].round(6), atol=1e-9, equal_nan=True)


def test_efficiency_checks_up_front(tmp_path, study_raw, no_compute):
    body = "[analyses.efficiency]\n" + IO + 'model = "dea"\nmalmquist = "none"\n'
    with pytest.raises(StudyError, match=r"\[analyses.efficiency\] undesirable: radial DEA"):
        _run(tmp_path, body, study_raw)
    with pytest.raises(StudyError, match=r"\[analyses.efficiency\] malmquist: the contemporaneous ML"):
        _run(tmp_path, "[analyses.efficiency]\n" + IO + 'malmquist = "ml"\n', study_raw)
    with pytest.raises(StudyError, match=r"\[analyses.efficiency\] rts: 'irs' is not one of"):
        _run(tmp_path, "[analyses.efficiency]\n" + IO + 'rts = "irs"\n', study_raw)
    with pytest.raises(StudyError, match=r"\[analyses.efficiency\].*inputs"):
        _run(tmp_path, '[analyses.efficiency]\noutputs = ["urban_income"]\n', study_raw)
    zero = study_raw.copy()
    zero.loc[(zero["province"] == "江苏省") & (zero["year"] == 2016), "energy_intensity"] = 0.0
    with pytest.raises(StudyError, match=r"'energy_intensity': values must be > 0.*江苏省.*2016"):
        _run(tmp_path, "[analyses.efficiency]\n" + IO, zero)
    assert not (tmp_path / "out").exists()


def test_the_score_column_feeds_moran_dagum_and_markov(w_provinces):
    """The per-(adcode, year) table merges onto the panel; its ``sbm`` column then goes through Moran's I, the
    Dagum Gini by the four regions and a Markov chain like any other column (same values, keyed by id)."""
    from spatialq import efficiency, geometry, hotspot, inequality, markov
    from spatialq.datasets import synthetic_urbanisation

    d = synthetic_urbanisation("province", years=range(2015, 2019))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        s = efficiency.sbm(d, ["fiscal_spending", "energy_intensity"], ["urban_income"], ["pm25"])
    merged = d.merge(s.to_frame()[["adcode", "year", "sbm"]], on=["adcode", "year"], validate="one_to_one")
    assert len(merged) == len(d) and merged["sbm"].notna().all()
    key = merged.set_index(["adcode", "year"])["sbm"]
    assert np.array_equal(key.loc[list(zip(s.scores["adcode"], s.scores["year"]))].to_numpy(),
                          s.scores["sbm"].to_numpy())
    m = hotspot.moran(merged, "sbm", w_provinces, permutations=99, seed=1).to_frame()
    assert len(m) == 4 and m.iloc[:, 1:].notna().any().all()
    g = inequality.dagum_gini(merged, "sbm", geometry.regions("four")).to_frame()
    assert len(g) > 0
    mk = markov.markov(merged, "sbm", classes=3)
    assert mk.counts.sum() == 31 * 3


def test_scores_feed_the_analyses_after_it(tmp_path, study_raw):
    """The scores join the data as a column (``name``) that later analyses read: the column equals the API's
    SBM scores, and the study's Moran's I of it equals hotspot.moran on the merged panel."""
    from spatialq import efficiency, geometry, hotspot, weights

    body = "[analyses.efficiency]\n" + IO + 'malmquist = "none"\nname = "gtfp"\n[analyses.moran]\ncolumn = "gtfp"\n'
    res = _run(tmp_path, body, study_raw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        api = efficiency.sbm(res.data.drop(columns=["gtfp"]), ["fiscal_spending", "energy_intensity"],
                             ["urban_income"], ["pm25"])
    merged = res.data.merge(api.scores[["adcode", "year", "sbm"]], on=["adcode", "year"])
    assert len(merged) == 31 * 4 and np.allclose(merged["gtfp"], merged["sbm"], atol=1e-15)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = weights.contiguity(geometry.provinces())
    m = hotspot.moran(res.data, "gtfp", w, seed=7).to_frame()
    got = _table(res, "moran")
    assert np.allclose(got["I"], m["I"].round(6), atol=1e-9)


@pytest.mark.parametrize(("body", "expect"), [
    ('[analyses.moran]\ncolumn = "efficiency"\n[analyses.efficiency]\n' + IO,
     "made by [analyses.efficiency], which must come before it"),
    ("[analyses.efficiency]\n" + IO + 'name = "pm25"\n', "already are columns of the data"),
])
def test_created_columns_checked_up_front(tmp_path, study_raw, no_compute, body, expect):
    with pytest.raises(StudyError, match=expect.replace("[", r"\[").replace("]", r"\]")):
        _run(tmp_path, body, study_raw)

"""Study analyses ``bivariate``, ``emerging`` and ``lisa_paths``: the study's tables equal the public API's, and
bad options or data are refused up front naming the key."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from studyrun import HEAD
from studyrun import run as run_study
from studyrun import table as study_table

from spatialq import hotspot
from spatialq.study import StudyError

TOL = 5.01e-4  # tables are written rounded to 3 decimals


def _run(tmp_path: Path, body: str, data: pd.DataFrame, **kw):
    return run_study(tmp_path, body, data, head=HEAD, **kw)


def _table(res, name):
    return study_table(res, name, dtype={0: str})


def _w():
    from spatialq import geometry, weights

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return weights.contiguity(geometry.provinces())


def test_bivariate_analysis_equals_the_api(tmp_path, study_raw):
    body = ('[analyses.bivariate]\ncolumn = "pm25"\ny = "ln_gdp_pc"\npermutations = 99\ndifferential = true\n')
    res = _run(tmp_path, body, study_raw)
    w = _w()
    g = hotspot.bivariate_moran(res.data, "pm25", "ln_gdp_pc", w, permutations=99, seed=7).to_frame()
    got = _table(res, "bivariate_moran")
    assert np.allclose(got["I"], g["I"], atol=TOL) and np.allclose(got["p 值（置换）"], g["p_sim"], atol=TOL)
    loc = hotspot.bivariate_local_moran(res.data, "pm25", "ln_gdp_pc", w, permutations=99, seed=7).to_frame()
    tab = _table(res, "bivariate_lisa")
    assert list(tab.iloc[:, 0]) == list(loc["adcode"]) and np.allclose(tab["局部莫兰指数"], loc["Ii"], atol=TOL)
    assert list(tab["集聚类型"]) == list(loc["cluster_zh"])  # the Chinese label replaces the code (HH)
    d = hotspot.differential_moran(res.data, "pm25", w, permutations=99, seed=7)
    dm = _table(res, "differential_moran")
    assert dm["I"].item() == pytest.approx(d.global_.table["I"].item(), abs=TOL)
    assert (int(dm["start"].item()), int(dm["end"].item())) == (2015, 2018)
    names = {o.name for o in res.outputs}
    assert {"bivariate_lisa_types", "bivariate_lisa_map", "differential_lisa", "differential_lisa_map"} <= names


def test_emerging_analysis_equals_the_api(tmp_path, study_raw):
    res = _run(tmp_path, '[analyses.emerging]\ncolumn = "pm25"\ntime_step = 1\nalpha = 0.1\n', study_raw)
    api = hotspot.emerging_hotspots(res.data, "pm25", _w(), time_step=1, alpha=0.1).to_frame()
    got = _table(res, "emerging_hotspots")
    assert list(got.iloc[:, 0]) == list(api["adcode"]) and list(got["类别"]) == list(api["category_zh"])
    assert np.allclose(got["trend_z"], api["trend_z"], atol=TOL)
    counts = _table(res, "emerging_counts")
    assert len(counts) == 17 and counts.iloc[:, 1].sum() == 31
    assert {"emerging_map", "emerging_bins"} <= {o.name for o in res.outputs}


def test_lisa_paths_analysis_equals_the_api(tmp_path, study_raw):
    res = _run(tmp_path, '[analyses.lisa_paths]\ncolumn = "pm25"\nk = 4\npermutations = 99\n', study_raw)
    api = hotspot.lisa_paths(res.data, "pm25", _w(), k=4, permutations=99, seed=7)
    got = _table(res, "lisa_paths")
    assert np.allclose(got["relative_length"], api.to_frame()["relative_length"], atol=TOL)
    rose = _table(res, "lisa_rose")
    assert list(rose["count"]) == list(api.rose["count"])
    assert np.allclose(rose["p 值（置换）"], api.rose["p_sim"], atol=TOL)
    tr = _table(res, "lisa_transitions")
    assert list(tr.iloc[:, 5]) == list(api.transition_table()["n"])
    assert {"lisa_rose", "lisa_paths"} <= {o.name for o in res.outputs}


def test_checks_up_front(tmp_path, study_raw, no_compute):
    cases = [
        ('[analyses.bivariate]\ncolumn = "pm25"\ny = "pm25"\n', "[analyses.bivariate] y"),
        ('[analyses.bivariate]\ncolumn = "pm25"\n', "[analyses.bivariate]"),
        ('[analyses.emerging]\ncolumn = "pm25"\ntime_step = 4\n', "[analyses.emerging] time_step"),
        ('[analyses.emerging]\ncolumn = "pm25"\nalpha = 0.9\n', "[analyses.emerging] alpha"),
        ('[analyses.lisa_paths]\ncolumn = "pm25"\nk = 1\n', "[analyses.lisa_paths] k"),
    ]
    for body, key in cases:
        with pytest.raises(StudyError) as err:
            _run(tmp_path, body, study_raw)
        assert key in str(err.value), (body, str(err.value))
    short = study_raw[study_raw["year"] < 2018]
    with pytest.raises(StudyError, match=r"\[analyses.emerging\]: 3 years"):
        _run(tmp_path, '[analyses.emerging]\ncolumn = "pm25"\ntime_step = 0\n', short)
    gap = study_raw.drop(index=study_raw.index[5])
    with pytest.raises(StudyError, match=r"\[analyses.lisa_paths\]"):
        _run(tmp_path, '[analyses.lisa_paths]\ncolumn = "pm25"\n', gap)

"""Study analysis ``global_stats``: its tables equal spatialq.hotspot.geary / general_g, and bad options or data
are refused up front naming the key."""

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
from spatialq.report.headings import COLUMNS
from spatialq.study import StudyError

TOL = 5.01e-4  # tables are written rounded to 3 decimals


def _run(tmp_path: Path, body: str, data: pd.DataFrame):
    return run_study(tmp_path, body, data, head=HEAD)


def _table(res, name):
    return study_table(res, name)


def _w():
    from spatialq import geometry, weights

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return weights.contiguity(geometry.provinces())


def test_global_stats_analysis_equals_the_api(tmp_path, study_raw):
    res = _run(tmp_path, '[analyses.global_stats]\ncolumn = "pm25"\npermutations = 99\ntransform = "b"\n', study_raw)
    w = _w()
    g = hotspot.geary(res.data, "pm25", w, permutations=99, transform="b", seed=7).to_frame()
    got = _table(res, "geary")
    assert list(got.iloc[:, 0]) == [2015, 2016, 2017, 2018]  # the year column (its label is in Chinese)
    for c in ("C", "z_rand", "p_rand", "p_sim"):  # headings in Chinese (spatialq.report.headings)
        assert np.allclose(got[COLUMNS.get(c, (c,))[0]], g[c], atol=TOL), c
    gg = hotspot.general_g(res.data, "pm25", w, permutations=99, seed=7).to_frame()
    got = _table(res, "general_g")
    for c, label in (("G", "G"), ("z", "z 值"), ("p", "p 值"), ("p_sim", "p 值（置换）")):  # Chinese headers
        assert np.allclose(got[label], gg[c], atol=TOL), c
    assert "global_stats_trend" in {o.name for o in res.outputs}


def test_checks_up_front(tmp_path, study_raw, no_compute):
    cases = [
        ('[analyses.global_stats]\ncolumn = "pm25"\ngeary = false\ngeneral_g = false\n',
         "[analyses.global_stats] geary, general_g"),
        ('[analyses.global_stats]\ncolumn = "pm25"\ntransform = "o"\n', "[analyses.global_stats] transform"),
        ('[analyses.global_stats]\ncolumn = "pm25"\npermutations = -1\n', "[analyses.global_stats] permutations"),
    ]
    for body, key in cases:
        with pytest.raises(StudyError) as err:
            _run(tmp_path, body, study_raw)
        assert key in str(err.value), (body, str(err.value))
    neg = study_raw.assign(pm25=study_raw["pm25"] - 40)
    with pytest.raises(StudyError, match=r"\[analyses.global_stats\] general_g: column 'pm25' has negative"):
        _run(tmp_path, '[analyses.global_stats]\ncolumn = "pm25"\n', neg)

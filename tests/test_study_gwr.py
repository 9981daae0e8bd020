"""[analyses.gwr]: the study's tables equal the public API's (spatialq.local.gwr / mgwr), and bad options are
refused up front naming the key (pattern of tests/test_study_analyses.py)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from studyrun import HEAD
from studyrun import run as run_study
from studyrun import table as study_table

from spatialq.study import StudyError


def _run(tmp_path: Path, body: str, data: pd.DataFrame, **kw):
    return run_study(tmp_path, body, data, head=HEAD, **kw)


def _table(res, name):
    return study_table(res, name)


def test_gwr_analysis_equals_the_api(tmp_path, study_raw):
    from spatialq import local

    body = ('[analyses.gwr]\ncolumn = "pm25"\nx = ["ln_gdp_pc", "openness"]\nyear = 2017\nbw_min = 10\n')
    res = _run(tmp_path, body, study_raw)
    got = _table(res, "gwr_coefficients")
    part = res.data[res.data["year"] == 2017].drop(columns="year")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        api = local.gwr(part, "pm25", ["ln_gdp_pc", "openness"], geometry="province",
                        bw_min=10)
    ref = api.to_frame()
    assert len(got) == 31
    assert np.allclose(got["ln_gdp_pc"], ref["ln_gdp_pc"].round(3), atol=1e-9)
    assert np.allclose(got["openness_t"], ref["openness_t"].round(3), atol=1e-9)
    diag = _table(res, "gwr_diagnostics").set_index("item").iloc[:, 0]  # "value" (数值)
    assert diag["bandwidth"] == api.bandwidth
    assert diag["AICc"] == pytest.approx(round(api.diagnostics["aicc"], 3), abs=1e-9)
    assert any(o.kind == "figure" and o.name == "gwr_coefficients_maps" for o in res.outputs)


def test_mgwr_analysis_equals_the_api(tmp_path, study_raw):
    from spatialq import local

    body = ('[analyses.gwr]\ncolumn = "pm25"\nx = ["ln_gdp_pc"]\nmodel = "mgwr"\nyear = 2018\nbw_min = 10\n')
    res = _run(tmp_path, body, study_raw)
    got = _table(res, "gwr_coefficients")
    part = res.data[res.data["year"] == 2018].drop(columns="year")
    api = local.mgwr(part, "pm25", ["ln_gdp_pc"], geometry="province", bw_min=10)
    assert np.allclose(got["ln_gdp_pc"], api.to_frame()["ln_gdp_pc"].round(3), atol=1e-9)
    diag = _table(res, "gwr_diagnostics").set_index("item").iloc[:, 0]  # "value" (数值)
    assert diag["bandwidth_ln_gdp_pc"] == api.bandwidths.loc["ln_gdp_pc", "bandwidth"]


def test_gwr_checks_up_front(tmp_path, study_raw, no_compute):
    body = '[analyses.gwr]\ncolumn = "pm25"\nx = ["ln_gdp_pc"]\n'
    with pytest.raises(StudyError, match=r"\[analyses.gwr\] bw_min: mgwr's adaptive bandwidth search starts at 44"):
        _run(tmp_path, body, study_raw)
    body = '[analyses.gwr]\ncolumn = "pm25"\nx = ["ln_gdp_pc"]\nmodel = "mgwr"\nbandwidth = 10\n'
    with pytest.raises(StudyError, match=r"\[analyses.gwr\] bandwidth: a single bandwidth"):
        _run(tmp_path, body, study_raw)
    body = '[analyses.gwr]\ncolumn = "pm25"\nx = ["ln_gdp_pc"]\nbandwidth = 40\n'
    with pytest.raises(StudyError, match=r"\[analyses.gwr\] bandwidth: 40 neighbours exceeds the 31 regions"):
        _run(tmp_path, body, study_raw)
    body = '[analyses.gwr]\ncolumn = "pm25"\nx = ["ln_gdp_pc"]\nkernel = "tricube"\nbw_min = 10\n'
    with pytest.raises(StudyError, match=r"\[analyses.gwr\] kernel"):
        _run(tmp_path, body, study_raw)
    body = '[analyses.gwr]\ncolumn = "pm25"\nx = ["ln_gdp_pc"]\nyear = 2030\nbw_min = 10\n'
    with pytest.raises(StudyError, match=r"\[analyses.gwr\] year: \[2030\] not in the data"):
        _run(tmp_path, body, study_raw)
    assert not (tmp_path / "out").exists()

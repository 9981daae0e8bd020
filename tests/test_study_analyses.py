"""Analyses added through the registry (one module each in spatialq/study/analyses/): a study computes what
the Python API computes, and their up-front checks name the key."""

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


def _w():
    from spatialq import geometry, weights

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return weights.contiguity(geometry.provinces())


def test_threshold_analysis_equals_the_api(tmp_path, study_raw):
    from spatialq import panel

    rng = np.random.default_rng(3)
    d = study_raw.copy()
    d["q"] = rng.uniform(0, 10, len(d))
    d["y"] = 1 + 0.5 * d["ln_gdp_pc"] + np.where(d["q"] <= 4, 0.0, 1.5) * d["openness"] + rng.normal(0, .1, len(d))
    body = ('[analyses.threshold]\ncolumn = "y"\nx = ["ln_gdp_pc", "openness"]\nq = "q"\nregime = ["openness"]\n'
            "bootstrap = 20\ngrid = 50\n")
    res = _run(tmp_path, body, d)
    got = _table(res, "threshold_estimates")
    data = res.data
    api = panel.threshold_panel(data, "y", ["ln_gdp_pc", "openness"], "q", regime=["openness"], bootstrap=20,
                                grid=50, seed=7)
    assert np.allclose(got.iloc[:, 1], api.thresholds["estimate"].round(3), atol=1e-9)  # 系数 (estimate)
    assert abs(float(api.thresholds["estimate"].iloc[0]) - 4) < 1.0
    assert {"threshold_tests", "threshold_coefficients", "threshold_lr"} <= {o.name for o in res.outputs}


def test_threshold_checks_up_front(tmp_path, study_raw, no_compute):
    d = study_raw[~((study_raw["province"] == "江苏省") & (study_raw["year"] == 2016))]
    body = '[analyses.threshold]\ncolumn = "pm25"\nx = ["ln_gdp_pc"]\nq = "openness"\nregime = ["nope"]\n'
    with pytest.raises(StudyError) as err:
        _run(tmp_path, body, d)
    assert "[analyses.threshold] regime: ['nope'] are not in x" in str(err.value)
    body = '[analyses.threshold]\ncolumn = "pm25"\nx = ["ln_gdp_pc"]\nq = "openness"\n'
    with pytest.raises(StudyError, match=r"\[analyses.threshold\]: needs every region in every year; .*江苏省"):
        _run(tmp_path, body, d)
    assert not (tmp_path / "out").exists()


def test_spatial_convergence_analysis_equals_the_api(tmp_path, study_raw):
    from spatialq import inequality

    body = '[analyses.spatial_convergence]\ncolumn = "urban_income"\nmodel = "sar"\nn_draws = 50\n'
    res = _run(tmp_path, body, study_raw)
    got = _table(res, "spatial_convergence")
    api = inequality.spatial_convergence(res.data, "urban_income", _w(), model="sar", n_draws=50, seed=7)
    ref = api.to_frame()
    assert np.allclose(got["beta"], ref["beta"].round(3), atol=1e-9)
    assert np.allclose(got["half_life"], ref["half_life"].round(3), atol=1e-9, equal_nan=True)
    assert any(o.kind == "figure" and o.name == "spatial_convergence" for o in res.outputs)


def test_spatial_convergence_checks_up_front(tmp_path, study_raw, no_compute):
    d = study_raw.assign(neg=study_raw["urban_income"] - study_raw["urban_income"].median())
    with pytest.raises(StudyError) as err:
        _run(tmp_path, '[analyses.spatial_convergence]\ncolumn = "neg"\nkind = "conditional"\n', d)
    msg = str(err.value)
    assert "conditional convergence needs controls" in msg
    with pytest.raises(StudyError, match="'neg' must be positive"):
        _run(tmp_path, '[analyses.spatial_convergence]\ncolumn = "neg"\n', d)


REG = '[analyses.regression]\nformula = "urbanisation_latent ~ ln_gdp_pc + openness"\nn_draws = 50\nlm_tests = false\n'


def test_random_effects_regression_with_hausman_equals_the_api(tmp_path, study_raw):
    from spatialq import panel

    body = REG + 'models = ["sar", "sem"]\neffects = "random"\n'
    res = _run(tmp_path, body, study_raw)
    f = "urbanisation_latent ~ ln_gdp_pc + openness"
    re_ = panel.spatial_panel_re(res.data, f, _w(), model="sar", n_draws=50, seed=7)
    fe = panel.spatial_panel(res.data, f, _w(), model="sar", effects="individual", n_draws=50, seed=7)
    h = _table(res, "hausman")
    assert list(h.iloc[:, 0]) == ["SAR", "SEM"]
    assert float(h.iloc[0, 1]) == pytest.approx(round(float(panel.spatial_hausman(fe, re_)["statistic"]), 3),
                                                abs=1e-9)
    assert "随机效应" in next(o for o in res.outputs if o.name == "regression").caption


def test_random_effects_kkp_errors_equal_the_api(tmp_path, study_raw):
    from spatialq import panel

    body = REG + 'models = ["sem"]\neffects = "random"\nre_errors = "kkp"\n'
    res = _run(tmp_path, body, study_raw)
    f = "urbanisation_latent ~ ln_gdp_pc + openness"
    re_ = panel.spatial_panel_re(res.data, f, _w(), model="sem", errors="kkp", n_draws=50, seed=7)
    fe = panel.spatial_panel(res.data, f, _w(), model="sem", effects="individual", n_draws=50, seed=7)
    h = _table(res, "hausman")
    assert float(h.iloc[0, 1]) == pytest.approx(round(float(panel.spatial_hausman(fe, re_)["statistic"]), 3),
                                                abs=1e-9)


def test_dynamic_regression_writes_short_and_long_run_effects(tmp_path, study_raw):
    from spatialq import panel

    body = REG + 'models = ["sar"]\neffects = "individual"\ndynamic = true\n'
    res = _run(tmp_path, body, study_raw)
    names = {o.name for o in res.outputs}
    assert {"regression", "effects_sar"} <= names
    with warnings.catch_warnings(record=True) as caught:  # the synthetic panel is not dynamically stable
        warnings.simplefilter("always")
        api = panel.dynamic_panel(res.data, "urbanisation_latent ~ ln_gdp_pc + openness", _w(), model="sar",
                                  effects="individual", n_draws=50, seed=7)
    if api.long_run_effects_inference is None:
        assert any("not dynamically stable" in str(c.message) for c in caught)
        assert any("not dynamically stable" in n for n in res.notes)  # the study says so too
    got = pd.read_csv(next(o for o in res.outputs if o.name == "regression").files[0], encoding="utf-8-sig")
    first = got.iloc[0, 1]
    assert float(str(first).rstrip("*")) == pytest.approx(round(float(api.params.iloc[0]), 3), abs=1e-9)
    if api.long_run_effects_inference is not None:
        assert "long_run_effects_sar" in names


@pytest.mark.parametrize(("extra", "expect"), [
    ('models = ["sdm"]\neffects = "random"\n', 'random effects are estimated for "sar" and "sem"'),
    ('models = ["sem"]\ndynamic = true\n', 'dynamic panels are "sdm" or "sar"'),
    ('models = ["sar"]\ndynamic = true\neffects = "time"\n', 'a dynamic panel takes "individual" or "twoways"'),
    ('models = ["sem"]\nre_errors = "kkp"\n', 're_errors: the random-effects error model needs effects = "random"'),
    ('models = ["sar"]\nmethod = "gmm"\n', "method: GMM / 2SLS is for a cross-section"),
    ('models = ["ols"]\nmethod = "gmm"\ncross_section = true\n', "GMM / 2SLS estimates"),
])
def test_regression_kinds_checked_up_front(tmp_path, study_raw, no_compute, extra, expect):
    with pytest.raises(StudyError, match=expect):
        _run(tmp_path, REG + extra, study_raw)


def test_did_analysis_equals_the_api(tmp_path, study_raw):
    from spatialq import policy

    d = study_raw.copy()
    pilots = ["浙江省", "江苏省", "广东省", "四川省", "湖北省", "陕西省", "辽宁省"]
    d["adopt"] = np.where(d["province"].isin(pilots), 2017.0, np.nan)
    d["pilot"] = ((d["year"] >= d["adopt"]) & d["adopt"].notna()).astype(int)
    d["y"] = d["urbanisation_latent"] + 0.3 * d["pilot"]
    body = ('[analyses.did]\ncolumn = "y"\ntreat = "pilot"\ncontrols = ["ln_gdp_pc"]\nadoption = "adopt"\nleads = 2\n'
            "lags = 1\nn_draws = 50\n")
    res = _run(tmp_path, body, d)
    got = _table(res, "did_effects")
    api = policy.spatial_did(res.data, "y", "pilot", _w(), controls=("ln_gdp_pc",), n_draws=50, seed=7, lee_yu=True)
    assert np.allclose(got.iloc[:, 1].astype(float), api.to_frame()["estimate"].round(3), atol=1e-9)
    assert {"did_coefficients", "event_study"} <= {o.name for o in res.outputs}
    bad = d.assign(pilot=d["pilot"] * 2)
    with pytest.raises(StudyError, match=r"\[analyses.did\] treat: 'pilot' must be 0/1"):
        _run(tmp_path, body, bad)


def test_moran_robustness_analysis_equals_the_api(tmp_path, study_raw):
    from spatialq import geometry, hotspot, weights

    body = ('[analyses.moran_robustness]\ncolumn = "urbanisation_latent"\npermutations = 99\n'
            'matrices = ["queen", "knn", "inverse_distance", "nested"]\nk = 5\neconomic_column = "ln_gdp_pc"\n')
    res = _run(tmp_path, body, study_raw)
    gdf = geometry.provinces()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mats = {"queen": weights.contiguity(gdf), "knn": weights.knn(gdf, k=5),
                "idw": weights.distance(gdf, kind="inverse"),
                "nested": weights.nested(weights.distance(gdf, kind="inverse"),
                                         weights.economic(res.data, "ln_gdp_pc"))}
    api = hotspot.moran_robustness(res.data, "urbanisation_latent", mats, permutations=99, seed=7).to_frame()
    got = _table(res, "moran_robustness_long")
    assert len(got) == len(api) == 4 * res.data["year"].nunique()
    np.testing.assert_allclose(np.sort(got["I"].to_numpy()), np.sort(api["I"].round(3).to_numpy()), atol=1e-9)
    assert "moran_robustness" in {o.name for o in res.outputs}


@pytest.mark.parametrize(("extra", "expect"), [
    ('matrices = ["queen", "queen"]\n', "lists a matrix twice"),
    ('matrices = ["economic"]\n', "economic_column: the economic and nested matrices need"),
    ('matrices = ["delaunay"]\n', "are not among"),
])
def test_moran_robustness_checked_up_front(tmp_path, study_raw, no_compute, extra, expect):
    body = '[analyses.moran_robustness]\ncolumn = "urbanisation_latent"\n' + extra
    with pytest.raises(StudyError, match=expect):
        _run(tmp_path, body, study_raw)


def test_gmm_cross_section_equals_the_api(tmp_path, study_raw):
    from spatialq import regression

    body = REG + 'models = ["sar", "sem"]\nmethod = "gmm"\ncross_section = true\n'
    res = _run(tmp_path, body, study_raw)
    year = int(res.data["year"].max())
    data = res.data[res.data["year"] == year]
    f = "urbanisation_latent ~ ln_gdp_pc + openness"
    api = regression.spatial_model(data, f, _w(), model="sar", method="gmm", n_draws=50, seed=7)
    got = pd.read_csv(next(o for o in res.outputs if o.name == "regression").files[0], encoding="utf-8-sig")
    assert float(str(got.iloc[0, 1]).rstrip("*")) == pytest.approx(round(float(api.params.iloc[0]), 3), abs=1e-9)
    assert "GMM" in next(o for o in res.outputs if o.name == "regression").caption

"""Degenerate inputs to GWR/MGWR, threshold and random-effects panels: a clear error, never a result with zero
standard errors, infinite t or an undefined AICc (found by probing each method with degenerate data)."""

import warnings

import numpy as np
import pytest

from spatialq import geometry, local, panel, weights
from spatialq._guards import InputError, check_not_perfect_fit
from spatialq.datasets import synthetic_panel
from spatialq.panel.threshold import threshold_panel


@pytest.fixture(scope="module")
def data():
    p = synthetic_panel()
    p["noise"] = np.random.default_rng(1).normal(size=len(p))  # no unit effect at all
    p["exact"] = 1 + 2 * p.rd_intensity - p.fdi_share  # the regressors reproduce it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = weights.contiguity(geometry.provinces())
    return p, w


def test_perfect_fit_guard():
    rng = np.random.default_rng(0)
    X = np.column_stack([np.ones(40), rng.normal(size=(40, 2))])
    y = X @ [1.0, 2.0, -1.0]
    with pytest.raises(InputError, match=r"m: perfect fit .* response 'y' exactly"):
        check_not_perfect_fit(y, X, response="y", method="m")
    check_not_perfect_fit(y + 1e-3 * rng.normal(size=40), X, response="y", method="m")  # a close fit is a fit
    check_not_perfect_fit(np.ones(40), X, response="y", method="m")  # constant y: left to check_not_constant


def test_threshold_panel_refuses_a_perfect_fit(data):
    p, _ = data
    with pytest.raises(InputError, match=r"threshold_panel: perfect fit .* 'exact'"):
        threshold_panel(p, "exact", ["rd_intensity", "fdi_share"], "urban_rate", bootstrap=0, grid=30)


def test_random_effects_refuse_a_perfect_fit_and_a_unit_variance_at_zero(data):
    p, w = data
    with pytest.raises(InputError, match="spatial_panel_re: perfect fit"):
        panel.spatial_panel_re(p, "exact ~ rd_intensity + fdi_share", w)
    for model in ("sar", "sem"):  # SEM returned NaN standard errors, SAR failed in a Cholesky of the draws
        with pytest.raises(InputError, match=r"variance of the unit effects is estimated at zero .* fixed effects"):
            panel.spatial_panel_re(p, "noise ~ rd_intensity + fdi_share", w, model=model, n_draws=20)


def test_gwr_family_refuses_a_perfect_fit_a_bandwidth_without_residual_df_and_no_convergence(data):
    p, _ = data
    c = p[p.year == 2020]
    for fit in (local.gwr, local.mgwr):
        with pytest.raises(InputError, match="perfect fit"):
            fit(c, "exact", ["rd_intensity", "fdi_share"], geometry="province", bw_min=10)
    with pytest.raises(InputError, match="gtwr: perfect fit"):
        local.gtwr(p, "exact", ["rd_intensity", "fdi_share"], geometry="province", ratio=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(InputError, match=r"gwr: bandwidth 4 leaves no residual degrees of freedom.* n = 31"):
            local.gwr(c, "ln_patents", ["rd_intensity", "fdi_share"], geometry="province", bandwidth=4)
        with pytest.raises(InputError, match=r"mgwr: backfitting did not converge: after 200 iterations"):
            local.mgwr(c, "ln_patents", ["rd_intensity", "fdi_share"], geometry="province", bandwidths=[4, 4, 4])
    r = local.gwr(c, "ln_patents", ["rd_intensity", "fdi_share"], geometry="province", bandwidth=20)
    assert np.isfinite(r.diagnostics["aicc"]) and (r.to_frame().filter(regex="_se$").to_numpy() > 0).all()


def test_dynamic_panel_refuses_a_perfect_fit(data):
    """It returned standard errors of 1e-17 (the response an exact function of the regressors)."""
    p, w = data
    with pytest.raises(InputError, match=r"dynamic_panel: perfect fit .* lags, the regressors"):
        panel.dynamic_panel(p, "exact ~ rd_intensity + fdi_share", w, n_draws=20)


def test_dynamic_panel_names_a_time_invariant_regressor(data):
    p, w = data
    d = p.assign(area=p.groupby("adcode")["rd_intensity"].transform("mean"))  # one value per unit
    with pytest.raises(InputError, match=r"dynamic_panel: \['area', 'W\*area'\] do not vary once the fixed effects"):
        panel.dynamic_panel(d, "ln_patents ~ area + fdi_share", w, n_draws=20)


def test_singular_local_design_names_where_when_known():
    """A failure inside a bandwidth search does not say where: no list (it used to list the first five units of the
    data, whatever failed); a failed fit lists its units, GTWR's as (unit, period) pairs."""
    from spatialq.local import _fit

    assert "at [" not in str(_fit.singular("gwr"))
    msg = str(_fit.singular("gtwr", [("110000", 2015), ("120000", 2016)]))
    assert "gtwr: a local design is singular" in msg and "at [('110000', 2015), ('120000', 2016)];" in msg
    assert str(_fit.singular("gwr", [str(i) for i in range(7)])).count("'") == 10 and "…" in str(
        _fit.singular("gwr", [str(i) for i in range(7)]))

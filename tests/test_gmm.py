"""GMM / spatial 2SLS regression (spatialq.regression.spatial_gmm, estimated by spreg) against R spatialreg
1.2-6 on Columbus: stsls (W2X = TRUE, robust = FALSE/TRUE), GMerrorsar (legacy = TRUE), gstsls (W2X = TRUE)
and impacts(stsls) — tests/reference/regression/columbus_gmm.R and columbus_gmm.json — plus a brute-force
2SLS for SDM, the White = HAC-with-a-diagonal-kernel identity, and the refusals."""

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from libpysal import examples
from libpysal.weights import W

from spatialq import regression, weights
from spatialq._guards import InputError
from spatialq._wmatrix import aligned
from spatialq.regression import spatial_gmm

REF = json.loads((Path(__file__).parent / "reference" / "regression" / "columbus_gmm.json").read_text())
F = "CRIME ~ INC + HOVAL"
NAMES = {"Intercept": "(Intercept)", "INC": "INC", "HOVAL": "HOVAL"}


@pytest.fixture(scope="module")
def columbus():
    col = gpd.read_file(examples.get_path("columbus.shp")).set_index("POLYID")
    return col, weights.contiguity(col, islands="raise")


def _rel(a, b):
    return abs(a - b) / abs(b)


@pytest.mark.parametrize("key, kw, rho_name, tol", [
    ("stsls", {"model": "sar"}, "Rho", 1e-8),
    ("stsls_robust", {"model": "sar", "robust": "white"}, "Rho", 1e-8),
    ("gmerrorsar_legacy", {"model": "sem"}, None, 1e-9),  # λ polished to the moments' minimiser (_kp)
    ("gstsls", {"model": "sac"}, "Rho_Wy", 1e-9),
])
def test_columbus_equals_spatialreg(columbus, key, kw, rho_name, tol):
    col, w = columbus
    ref = REF[key]
    r = spatial_gmm(col, F, w, id="POLYID", n_draws=10, **kw)
    names = dict(NAMES, rho=rho_name)
    assert list(r.params.index) == [*NAMES] + (["rho"] if rho_name else [])
    for term in r.params.index:
        assert _rel(r.params[term], ref["coef"][names[term]]) < tol, term
        assert _rel(r.std_errors[term], ref["se"][names[term]]) < tol, term
    assert _rel(r.sigma2, ref["s2"]) < tol
    if "lambda" in ref:  # spatialreg's nlminb is at the minimiser; spreg's L-BFGS-B alone stops 1e-6 short
        assert r.lambda_ == pytest.approx(ref["lambda"], abs=1e-9)
        assert "lambda" not in r.params.index  # Kelejian–Prucha: a nuisance parameter without SE
    assert np.isnan(r.loglik)


def test_sar_effects_equal_spatialreg_impacts(columbus):
    col, w = columbus
    r = regression.spatial_model(col, F, w, id="POLYID", method="gmm", n_draws=200)
    for eff in ("direct", "indirect", "total"):
        np.testing.assert_allclose(r.effects[eff].to_numpy(), REF["stsls_impacts"][eff], rtol=1e-8)
    inf = r.effects_inference
    assert (inf["std_error"] > 0).all() and np.isfinite(inf["std_error"]).all()


def test_method_gmm_is_spatial_gmm_and_ml_unchanged(columbus):
    col, w = columbus
    a = regression.spatial_model(col, F, w, id="POLYID", model="sac", method="gmm", n_draws=50)
    b = spatial_gmm(col, F, w, id="POLYID", model="sac", n_draws=50)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    pd.testing.assert_frame_equal(a.effects_inference, b.effects_inference)
    ml = regression.spatial_model(col, F, w, id="POLYID", model="sar", n_draws=10)
    assert np.isfinite(ml.loglik) and ml.meta.method == "spatialq.regression.spatial_model"
    assert a.meta.method == "spatialq.regression.spatial_gmm"


def _two_sls(y, X, Wy, H):
    """δ = (Ẑ'Z)⁻¹Ẑ'y, Ẑ = P_H Z; classical covariance σ²(Ẑ'Ẑ)⁻¹, σ² = e'e/(n − k)."""
    Z = np.column_stack([X, Wy])
    Zh = H @ np.linalg.lstsq(H, Z, rcond=None)[0]
    d = np.linalg.solve(Zh.T @ Z, Zh.T @ y)
    e = y - Z @ d
    s2 = e @ e / (len(y) - Z.shape[1])
    return d, np.sqrt(np.diag(s2 * np.linalg.inv(Zh.T @ Zh)))


def test_sdm_equals_brute_force_2sls(columbus):
    """SDM: WX is exogenous; the instruments continue the lags, H = [1, X, WX, W²X, W³X] (w_lags = 2)."""
    col, w = columbus
    r = spatial_gmm(col, F, w, id="POLYID", model="sdm", n_draws=10)
    M = aligned(w, list(col.index), transform="r").toarray()
    y = col["CRIME"].to_numpy(float)
    X = col[["INC", "HOVAL"]].to_numpy(float)
    one = np.ones((len(y), 1))
    WX, W2X, W3X = M @ X, M @ M @ X, M @ M @ M @ X
    d, se = _two_sls(y, np.hstack([one, X, WX]), M @ y, np.hstack([one, X, WX, W2X, W3X]))
    assert list(r.params.index) == ["Intercept", "INC", "HOVAL", "W*INC", "W*HOVAL", "rho"]
    np.testing.assert_allclose(r.params.to_numpy(), d, rtol=1e-9)
    np.testing.assert_allclose(r.std_errors.to_numpy(), se, rtol=1e-9)
    # binary weights (transform="b"): the same 2SLS with W as given by the links
    B = aligned(w, list(col.index), transform="b").toarray()
    rb = spatial_gmm(col, F, w, id="POLYID", model="sar", transform="b", n_draws=10)
    db, seb = _two_sls(y, np.hstack([one, X]), B @ y, np.hstack([one, X, B @ X, B @ B @ X]))
    np.testing.assert_allclose(rb.params.to_numpy(), db, rtol=1e-9)
    np.testing.assert_allclose(rb.std_errors.to_numpy(), seb, rtol=1e-9)
    # durbin subset (only INC lagged): W·HOVAL stays an instrument (spreg's GM_Lag would drop it; TSLS is used)
    r1 = spatial_gmm(col, F, w, id="POLYID", model="sdm", durbin=["INC"], n_draws=10)
    d1, se1 = _two_sls(y, np.hstack([one, X, WX[:, :1]]), M @ y,
                       np.hstack([one, X, WX[:, :1], WX[:, 1:], W2X, W3X[:, :1]]))
    assert list(r1.params.index) == ["Intercept", "INC", "HOVAL", "W*INC", "rho"]
    np.testing.assert_allclose(r1.params.to_numpy(), d1, rtol=1e-9)
    np.testing.assert_allclose(r1.std_errors.to_numpy(), se1, rtol=1e-9)
    # the order of durbin= does not matter: W*x terms follow the formula
    r3 = spatial_gmm(col, F, w, id="POLYID", model="sdm", durbin=["HOVAL", "INC"], n_draws=10)
    pd.testing.assert_series_equal(r3.params, r.params)
    r2 = spatial_gmm(col, F, w, id="POLYID", model="sdem", durbin=["INC"], n_draws=10)  # no instruments: fine
    assert list(r2.params.index) == ["Intercept", "INC", "HOVAL", "W*INC"]


def test_hac_with_diagonal_kernel_is_white(columbus):
    """Kelejian–Prucha HAC with kernel K = I (no neighbours) is White's HC0 covariance."""
    col, w = columbus
    ids = list(col.index)
    k_diag = W({i: [i] for i in ids}, {i: [1.0] for i in ids}, silence_warnings=True)
    hac = spatial_gmm(col, F, w, id="POLYID", robust="hac", kernel=k_diag, n_draws=10)
    white = spatial_gmm(col, F, w, id="POLYID", robust="white", n_draws=10)
    np.testing.assert_allclose(hac.std_errors, white.std_errors, rtol=1e-10)
    k_near = W({i: [i, *w.neighbors[i]] for i in ids},
               {i: [1.0] + [0.5] * len(w.neighbors[i]) for i in ids}, silence_warnings=True)
    near = spatial_gmm(col, F, w, id="POLYID", robust="hac", kernel=k_near, n_draws=10)
    assert np.max(np.abs(near.std_errors / white.std_errors - 1)) > 1e-3  # the kernel is used


@pytest.mark.parametrize("model, errors, cls", [("sem", "het", "GM_Error_Het"), ("sem", "hom", "GM_Error_Hom"),
                                                ("sac", "het", "GM_Combo_Het"), ("sac", "hom", "GM_Combo_Hom")])
def test_het_hom_map_spreg(columbus, model, errors, cls):
    """The robust moments give λ a standard error; the numbers are spreg's, in spatialq's order."""
    import libpysal
    import spreg

    col, w = columbus
    r = spatial_gmm(col, F, w, id="POLYID", model=model, errors=errors, n_draws=10)
    wq = libpysal.weights.Queen.from_dataframe(col, use_index=True, silence_warnings=True)
    wq.transform = "r"
    kw = {"w_lags": 2} if model == "sac" else {}
    s = getattr(spreg, cls)(col[["CRIME"]].to_numpy(), col[["INC", "HOVAL"]].to_numpy(), w=wq, **kw)
    # 1e-7: the iterated moments stop ~1e-9 apart when W's rounding differs in the last bit
    np.testing.assert_allclose(r.params.to_numpy(), s.betas.ravel(), rtol=1e-7)
    np.testing.assert_allclose(r.std_errors.to_numpy(), np.sqrt(np.diag(s.vm)), rtol=1e-7)
    assert r.params.index[-1] == "lambda" and r.lambda_ == r.params["lambda"]
    if model == "sem":  # effects of an error model: direct = β, indirect = 0
        np.testing.assert_allclose(r.effects["direct"], r.params[["INC", "HOVAL"]], rtol=1e-12)
        np.testing.assert_allclose(r.effects["indirect"], 0, atol=1e-12)


def test_row_order_and_scale_do_not_matter(columbus):
    col, w = columbus
    a = spatial_gmm(col, F, w, id="POLYID", model="sac", n_draws=50, seed=3)
    b = spatial_gmm(col.sample(frac=1, random_state=1), F, w, id="POLYID", model="sac", n_draws=50, seed=3)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame(), rtol=1e-9)
    pd.testing.assert_series_equal(a.residuals, b.residuals.loc[a.residuals.index], rtol=1e-9)
    big = col.assign(CRIME=col["CRIME"] * 2.0 ** 120)  # beyond 1e30: fitted on a power-of-two scale
    c = spatial_gmm(big, F, w, id="POLYID", model="sar", n_draws=10)
    d = spatial_gmm(col, F, w, id="POLYID", model="sar", n_draws=10)
    np.testing.assert_allclose(c.zvalues, d.zvalues, rtol=1e-9)
    assert c.params["INC"] / d.params["INC"] == pytest.approx(2.0 ** 120, rel=1e-9)


def test_refusals(columbus):
    col, w = columbus
    with pytest.raises(InputError, match="model must be one of"):
        spatial_gmm(col, F, w, id="POLYID", model="ols")
    with pytest.raises(InputError, match="errors='het'"):
        spatial_gmm(col, F, w, id="POLYID", model="sem", robust="white")
    with pytest.raises(InputError, match="robust='white' or 'hac'"):
        spatial_gmm(col, F, w, id="POLYID", model="sar", errors="het")
    with pytest.raises(InputError, match="kernel="):
        spatial_gmm(col, F, w, id="POLYID", robust="hac")
    with pytest.raises(InputError, match="w_lags"):
        spatial_gmm(col, F, w, id="POLYID", w_lags=0)
    with pytest.raises(ValueError, match="options of maximum likelihood"):
        regression.spatial_model(col, F, w, id="POLYID", method="gmm", se="exact")
    with pytest.raises(ValueError, match="method must be"):
        regression.spatial_model(col, F, w, id="POLYID", method="2sls")
    with pytest.raises(ValueError, match="constant"):
        spatial_gmm(col.assign(CRIME=1.0), F, w, id="POLYID")
    with pytest.raises(ValueError, match="intercept"):
        spatial_gmm(col, "CRIME ~ INC + HOVAL - 1", w, id="POLYID")


@pytest.mark.parametrize("model, cls, w_lags, slx", [("sem", "GM_Error", 1, 0), ("sdem", "GM_Error", 1, 1),
                                                     ("sac", "GM_Combo", 2, 0), ("sac", "GM_Combo", 3, 1)])
def test_kp_refit_is_spregs_second_step(columbus, model, cls, w_lags, slx):
    """spatialq re-solves the Kelejian–Prucha moments to their minimiser (_kp) and redoes spreg's FGLS / GS2SLS
    step: at spreg's own λ that step reproduces spreg's β and covariance (1e-10), the polished λ has a moment
    objective no larger than spreg's and a zero derivative, and it is within spreg's stopping distance."""
    import libpysal
    import spreg

    from spatialq.regression import _kp

    col, _ = columbus
    wq = libpysal.weights.Queen.from_dataframe(col, use_index=True, silence_warnings=True)
    wq.transform = "r"
    y, x = col[["CRIME"]].to_numpy(float), col[["INC", "HOVAL"]].to_numpy(float)
    kw = {"w_lags": w_lags} if cls == "GM_Combo" else {}
    s = getattr(spreg, cls)(y, x, w=wq, slx_lags=slx, **kw)
    opts = dict(x=x, w_lags=w_lags, slx_vars="All", n_slx=slx)
    b, V, e, u = _kp.refit(s, wq, model, lam=float(s.betas[-1, 0]), **opts)
    np.testing.assert_allclose(b, s.betas.ravel(), rtol=1e-10)
    np.testing.assert_allclose(V, s.vm, rtol=1e-9, atol=1e-12 * np.abs(s.vm).max())
    np.testing.assert_allclose(e, s.e_filtered.ravel(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(u, s.u.ravel(), rtol=1e-9, atol=1e-9)
    bp, *_ = _kp.refit(s, wq, model, **opts)  # polished
    W = wq.sparse.tocsr()
    Z = np.column_stack([s.x, s.yend]) if cls == "GM_Combo" else s.x
    if cls == "GM_Combo":
        from spreg.utils import set_endog
        q = set_endog(y, x, wq, None, None, w_lags, True, *((1, "All") if slx else ()))[1]
        H = np.column_stack([s.x, q])
        Zh = H @ np.linalg.lstsq(H, Z, rcond=None)[0]
        u0 = y.ravel() - Z @ np.linalg.lstsq(Zh, y.ravel(), rcond=None)[0]
    else:
        u0 = y.ravel() - Z @ np.linalg.lstsq(Z, y.ravel(), rcond=None)[0]
    G, g = _kp.moments(W, u0)

    def obj(lam):  # σ² concentrated out: the moment objective as a function of λ alone
        r = g - G[:, :2] @ [lam, lam ** 2]
        s2 = (G[:, 2] @ r) / (G[:, 2] @ G[:, 2])
        return float(np.sum((r - G[:, 2] * s2) ** 2))

    lam, lam0 = bp[-1], float(s.betas[-1, 0])
    assert obj(lam) <= obj(lam0)
    h = 1e-5  # the Newton step left from the polished λ: derivative over curvature (central differences)
    d1 = (obj(lam + h) - obj(lam - h)) / (2 * h)
    d2 = (obj(lam + h) - 2 * obj(lam) + obj(lam - h)) / h ** 2
    assert d2 > 0 and abs(d1 / d2) < 1e-9
    assert abs(lam - lam0) < 1e-4

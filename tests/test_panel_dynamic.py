"""spatialq.panel.dynamic_panel against R's SDPDmod 0.0.6 ``SDPDm(..., dynamic = TRUE, LYtrans = TRUE)`` on
Elhorst's cigarette panel (tests/reference/regression/cigarette_dynamic.R), effects against a dense
brute-force computation, and the errors.

SDPDmod maximises the concentrated likelihood over a 0.001 grid of log-determinants (nearest grid point) with
R's ``optimize``, so its ρ is off the exact optimum (by 0.005 for the SDM with unit effects).  Everything that
follows from ρ is compared *at SDPDmod's ρ* to 1e-8 (coefficients, σ², sandwich standard errors, the bias
correction, its Wald statistic, and the log-likelihood once its grid log-determinant is replaced by the
exact one); the estimates themselves to 0.01.

Two-way effects: SDPDmod inverts the uncorrected information matrix through ``Matrix::nearPD``, whose default
eig.tol = 1e-6 alters it when its eigenvalue ratio is below 1e-6 — 7.9e-7 on this panel with two-way effects
(1.4e-6 with unit effects, untouched).  Its uncorrected two-way standard errors and its two-way bias
correction therefore differ from the formula; only the two-way coefficients and σ² at its ρ are compared.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spatialq import panel
from spatialq._spml._logdet import LogDet
from spatialq._wmatrix import aligned

SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference-data"
REF = json.loads((Path(__file__).parent / "reference" / "regression" / "cigarette_dynamic.json").read_text())
F = "logc ~ logp + logy"


def fit(cig, w, **kw):
    kw = {"id": "state_abbr", "time": "year", "n_draws": 0, **kw}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return panel.dynamic_panel(cig, F, w, **kw)


def grid_logdet(ld, rho, interval):
    """SDPDmod's log-determinant: the exact value at the grid point its lookup picks."""
    grid = np.arange(interval[0], interval[1] + 1e-12, 0.001)
    i1 = np.max(np.nonzero(grid <= rho + 0.001)[0]) + 1
    i2 = np.max(np.nonzero(grid <= rho - 0.001)[0]) + 1
    return ld(grid[int(np.round((i1 + i2) / 2)) - 1])


@pytest.mark.parametrize("model", ["sdm", "sar"])
def test_unit_effects_equal_sdpdmod_at_its_rho(cigarette, model):
    cig, w = cigarette
    ref = REF[f"{model}_individual"]
    u, c = ref["uncorrected"], ref["corrected"]
    res = fit(cig, w, model=model, effects="individual", rho=u["rho"])
    unc = res.uncorrected
    np.testing.assert_allclose(unc["params"].to_numpy()[:-1], list(u["coef"].values()), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(unc["std_errors"].to_numpy(), [*u["se"], u["rho_se"]], rtol=1e-8)
    assert unc["sigma2"] == pytest.approx(u["sige"], rel=1e-10)
    # bias-corrected estimates, σ², sandwich SEs
    np.testing.assert_allclose(res.params.to_numpy(), [*c["coef"].values(), c["rho"]], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(res.std_errors.to_numpy(), [*c["se"], c["rho_se"]], rtol=1e-8)
    assert res.sigma2 == pytest.approx(c["sige"], rel=1e-8)
    # SDPDmod's Wald statistic of τ + ρ + η (= 0) from the corrected covariance
    assert res.stability["wald_sdpdmod"] == pytest.approx(ref["wald_stability"], rel=1e-8)
    # log-likelihoods, SDPDmod's grid log-determinant replaced by the exact one
    ids = sorted(cig["state_abbr"].unique(), key=str)
    ld = LogDet(aligned(w, ids, transform="r"))
    t = 29
    for mine, r in [(unc["loglik"], u), (res.loglik, c)]:
        assert r["logdet_exact"] == pytest.approx(ld(r["rho"]), abs=1e-10)
        exact = r["logLik"] - t * grid_logdet(ld, r["rho"], ref["interval"]) + t * ld(r["rho"])
        assert mine == pytest.approx(exact, rel=1e-10)
    # the covariance SDPDmod returns (corrected) equals ours, in its parameter order
    np.testing.assert_allclose(res.cov.to_numpy(), np.asarray(ref["varcov_corrected"]), rtol=1e-7, atol=1e-14)


@pytest.mark.parametrize("model", ["sdm", "sar"])
@pytest.mark.parametrize("bias_correction", [True, False])
def test_unit_effects_estimates_near_sdpdmod(cigarette, model, bias_correction):
    """Free estimates: ρ within 0.01, coefficients within 0.01 of SDPDmod; the exact log-likelihood at our ρ
    is at least that at SDPDmod's (its grid optimum is not the exact one)."""
    cig, w = cigarette
    ref = REF[f"{model}_individual"]
    r = ref["corrected" if bias_correction else "uncorrected"]
    res = fit(cig, w, model=model, effects="individual", bias_correction=bias_correction)
    assert res.rho == pytest.approx(r["rho"], abs=0.01)
    np.testing.assert_allclose(res.params.to_numpy()[:-1], list(r["coef"].values()), atol=0.01)
    at_ref = fit(cig, w, model=model, effects="individual", bias_correction=False, rho=ref["uncorrected"]["rho"])
    assert res.uncorrected["loglik"] >= at_ref.uncorrected["loglik"] - 1e-9
    assert res.panel["bias_correction"] is bias_correction


@pytest.mark.parametrize("model", ["sdm", "sar"])
def test_twoway_effects_coefficients_equal_sdpdmod_at_its_rho(cigarette, model):
    cig, w = cigarette
    u = REF[f"{model}_twoways"]["uncorrected"]
    res = fit(cig, w, model=model, effects="twoways", rho=u["rho"])
    np.testing.assert_allclose(res.uncorrected["params"].to_numpy()[:-1], list(u["coef"].values()),
                               rtol=1e-8, atol=1e-10)
    assert res.uncorrected["sigma2"] == pytest.approx(u["sige"], rel=1e-10)
    free = fit(cig, w, model=model, effects="twoways", bias_correction=False)
    assert free.rho == pytest.approx(u["rho"], abs=0.01)


def brute_force(res, w, ids):
    W = aligned(w, ids, transform="r").toarray()
    N = len(W)
    names = list(res.effects.index)
    k = len(names)
    p = res.params
    out_s, out_l = np.zeros((k, 3)), np.zeros((k, 3))
    for i, nm in enumerate(names):
        C = p[nm] * np.eye(N) + (p[f"W*{nm}"] * W if f"W*{nm}" in p else 0)
        for out, M in [(out_s, np.eye(N) - p["rho"] * W),
                       (out_l, (1 - res.tau) * np.eye(N) - (p["rho"] + res.eta) * W)]:
            S = np.linalg.solve(M, C)
            d, tot = np.trace(S) / N, S.sum() / N
            out[i] = [d, tot - d, tot]
    return out_s, out_l


@pytest.mark.parametrize("model,effects", [("sar", "individual"), ("sdm", "twoways"), ("sar", "twoways")])
def test_effects_equal_brute_force(cigarette, model, effects):
    cig, w = cigarette
    res = fit(cig, w, model=model, effects=effects, n_draws=200)
    assert res.stable
    ids = sorted(cig["state_abbr"].unique(), key=str)
    s, lr = brute_force(res, w, ids)
    np.testing.assert_allclose(res.effects.to_numpy(), s, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(res.long_run_effects.to_numpy(), lr, rtol=1e-8, atol=1e-12)
    for frame in (res.effects_inference, res.long_run_effects_inference):
        assert np.isfinite(frame["std_error"]).all() and (frame["std_error"] > 0).all()
        assert (frame["ci_lower"] < frame["ci_upper"]).all()
    again = fit(cig, w, model=model, effects=effects, n_draws=200)
    pd.testing.assert_frame_equal(res.long_run_effects_inference, again.long_run_effects_inference)
    assert "Long-run effects" in res.summary()


def test_unstable_estimates_are_reported(cigarette):
    """The bias-corrected dynamic SDM with unit effects on the cigarette panel has τ + ρ + η = 1.018 (SDPDmod
    too: 0.873 − 0.208 + 0.352): reported, with a warning, and no long-run effects."""
    cig, w = cigarette
    with pytest.warns(UserWarning, match="not dynamically stable"):
        res = panel.dynamic_panel(cig, F, w, model="sdm", effects="individual", id="state_abbr", n_draws=50)
    c = REF["sdm_individual"]["corrected"]["coef"]
    assert not res.stable and res.stability["sum"] > 1
    assert res.stability["sum"] == pytest.approx(res.tau + res.eta + res.rho)
    assert c["logc(t-1)"] + c["W*logc(t-1)"] + REF["sdm_individual"]["corrected"]["rho"] > 1
    assert res.long_run_effects.isna().all().all()
    assert res.effects.notna().all().all()
    assert "NOT STABLE" in res.summary()


def test_errors(cigarette):
    cig, w = cigarette
    with pytest.raises(ValueError, match="unbalanced"):
        fit(cig.iloc[1:], w)
    short = cig[cig["year"] <= cig["year"].min() + 1]
    with pytest.raises(ValueError, match="at least three periods"):
        fit(short, w)
    with pytest.raises(ValueError, match="model must be"):
        fit(cig, w, model="sem")
    with pytest.raises(ValueError, match="effects must be"):
        fit(cig, w, effects="time")
    with pytest.raises(TypeError, match="lee_yu"):  # one estimator, the Lee–Yu transformation: no such option
        fit(cig, w, lee_yu=False)
    with pytest.raises(ValueError, match="admissible"):
        fit(cig, w, rho=1.5)


def _lattice_panel(rows=15, cols=20, T=6, seed=1):
    """A synthetic dynamic SDM panel on a queen lattice (N = 300)."""
    import scipy.sparse as sp
    from libpysal.weights import lat2W

    w = lat2W(rows, cols, rook=False)
    n = rows * cols
    m = sp.csr_matrix(w.sparse, dtype=float)
    m = sp.diags(1 / np.asarray(m.sum(1)).ravel()) @ m
    rng = np.random.default_rng(seed)
    mu = rng.normal(size=n)
    lu = sp.linalg.splu(sp.csc_matrix(sp.identity(n) - 0.3 * m))
    y = lu.solve(mu + rng.normal(size=n))
    frames = []
    for t in range(T):
        x = rng.normal(size=(n, 2))
        y = lu.solve(0.4 * y + 0.1 * (m @ y) + x @ [1.0, -0.5] + 0.3 * (m @ x[:, 0]) + mu + 0.2 * t
                     + rng.normal(size=n))
        frames.append(pd.DataFrame({"adcode": list(w.id_order), "year": 2011 + t, "y": y, "x1": x[:, 0],
                                    "x2": x[:, 1]}))
    return pd.concat(frames, ignore_index=True), w


def test_helmert_transforms_equal_dense_complement():
    from spatialq.panel import dynamic

    rng = np.random.default_rng(0)
    F = dynamic._orthonormal_complement(7)
    A, Y = rng.normal(size=(7, 7)), rng.normal(size=(6, 3))
    np.testing.assert_allclose(dynamic._helmert_t(A), F.T @ A, atol=1e-13)
    np.testing.assert_allclose(dynamic._helmert(Y), F @ Y, atol=1e-13)
    np.testing.assert_allclose(dynamic._ftaf(A), F.T @ A @ F, atol=1e-13)


@pytest.mark.parametrize("effects", ["individual", "twoways"])
@pytest.mark.parametrize("bias_correction", [True, False])
def test_large_n_path_equals_dense_path(monkeypatch, effects, bias_correction):
    """The large-N path (sparse W, Helmert sums, sparse-LU resolvent, spectral bias traces; used above
    DENSE_LIMIT units) forced on N = 300 equals the dense path: to 1e-10 (relative) at a given ρ, everything
    (estimates, sandwich covariance, log-likelihood, effects and their simulated inference, stability); with ρ
    maximised, to 1e-6 — the two paths take the eigenvalues of W from different solvers (symmetric form vs
    general), and the optimum of the flat concentrated likelihood moves by ~1e-8 under such 1e-14 changes."""
    from spatialq.panel import dynamic

    df, w = _lattice_panel()
    out = {}
    for limit in (2000, 10):
        monkeypatch.setattr(dynamic, "DENSE_LIMIT", limit)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            out[limit] = [dynamic.dynamic_panel(df, "y ~ x1 + x2", w, effects=effects, n_draws=100,
                                                bias_correction=bias_correction, rho=r) for r in (0.3, None)]
    assert "sparse" in out[10][0].se_method and "sparse" not in out[2000][0].se_method
    for (dense, large), tol in zip(zip(out[2000], out[10]), (1e-10, 1e-6)):
        np.testing.assert_allclose(large.params, dense.params, rtol=tol, atol=tol)
        np.testing.assert_allclose(large.cov.to_numpy(), dense.cov.to_numpy(), rtol=tol, atol=tol * 1e-3)
        np.testing.assert_allclose(large.uncorrected["params"], dense.uncorrected["params"], rtol=tol, atol=tol)
        assert large.loglik == pytest.approx(dense.loglik, rel=tol)
        assert large.sigma2 == pytest.approx(dense.sigma2, rel=tol)
        for a, b in [(large.effects, dense.effects), (large.long_run_effects, dense.long_run_effects)]:
            np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=tol, atol=tol)
        cols = ["estimate", "std_error", "ci_lower", "ci_upper"]
        np.testing.assert_allclose(large.effects_inference[cols], dense.effects_inference[cols], rtol=tol, atol=tol)
        assert large.stability["max_modulus"] == pytest.approx(dense.stability["max_modulus"], rel=tol)
        assert large.stability["wald"] == pytest.approx(dense.stability["wald"], rel=max(tol, 1e-9))
        np.testing.assert_allclose(large.residuals, dense.residuals, rtol=tol, atol=tol)


NEARPD = json.loads((Path(__file__).parent / "reference" / "regression" / "cigarette_dynamic_nearpd.json").read_text())
BASIS = json.loads((Path(__file__).parent / "reference" / "regression" / "cigarette_dynamic_basis.json").read_text())


def _sdpdmod_basis(cig):
    """SDPDmod's basis of the time-effect transformation (eigenvectors of J_n from R's eigen(); rows by state code),
    reordered to spatialq's unit order (sorted state_abbr)."""
    code = cig.drop_duplicates("state_abbr").set_index("state_abbr")["state"]
    rows = [BASIS["states"].index(int(code[a])) for a in sorted(code.index)]
    return np.asarray(BASIS["basis"])[rows]


@pytest.mark.parametrize("model", ["sdm", "sar"])
def test_two_way_equals_sdpdmod_without_its_nearpd_step(cigarette, model, monkeypatch):
    """With two-way effects SDPDmod 0.0.6 passes its information matrix through Matrix::nearPD, which alters it
    (eigenvalue ratio below its 1e-6 tolerance). With that step replaced by the identity
    (tests/reference/regression/cigarette_dynamic_nearpd.R) the bias-corrected estimates equal spatialq's to
    1e-10. The standard errors differ by 0.28 % (SDM) and 0.31 % (SAR) because Lee & Yu's fourth-moment term Ω
    (squared diagonal of F′GF, fourth moment of the transformed residuals) depends on the orthonormal basis F of
    the time-effect transformation: SDPDmod takes LAPACK's eigenvectors of J_n, spatialq the Helmert basis.
    With SDPDmod's own basis (tests/reference/regression/cigarette_dynamic_basis.R) they agree to 1e-10."""
    from spatialq.panel import dynamic as dyn

    cig, w = cigarette
    ref = NEARPD[f"{model}_twoways_plain"]
    c = ref["corrected"]
    se_r = np.array([*c["se"], c["rho_se"]])
    res = fit(cig, w, model=model, effects="twoways", rho=ref["uncorrected"]["rho"])
    np.testing.assert_allclose(res.params.to_numpy(), [*c["coef"].values(), c["rho"]], rtol=1e-10, atol=1e-12)
    gap = np.max(np.abs(res.std_errors.to_numpy() / se_r - 1))
    assert 1e-3 < gap < 5e-3  # the Helmert basis: Ω differs, the rest does not
    monkeypatch.setattr(dyn, "_orthonormal_complement", lambda n: _sdpdmod_basis(cig))
    same = fit(cig, w, model=model, effects="twoways", rho=ref["uncorrected"]["rho"])
    np.testing.assert_allclose(same.params.to_numpy(), res.params.to_numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(same.std_errors.to_numpy(), se_r, rtol=1e-10)
    shipped = NEARPD[f"{model}_twoways_nearPD"]["corrected"]  # and the shipped SDPDmod is far off: nearPD's doing
    assert np.max(np.abs(np.array(list(shipped["coef"].values())) - res.params.to_numpy()[:-1])) > 1e-3


@pytest.mark.parametrize("rho", [-0.9999, 0.99999])
def test_bias_correction_beyond_the_interval_is_refused(rho):
    """At ρ on the edge of the interval the bias correction can push ρ out of it, where log L does not exist (the
    exact paths would give −∞, NaN or a modulus): a clear error naming the corrected ρ and the way out."""
    from libpysal.weights import lat2W

    side, T = 32, 6  # N = 1,024: the sparse path of the log-determinant
    w = lat2W(side, side, rook=True)
    rng = np.random.default_rng(3)
    n = side * side
    y = np.cumsum(rng.normal(size=(T, n)), axis=0)
    df = pd.DataFrame({"adcode": np.tile(np.arange(n), T), "year": np.repeat(np.arange(2001, 2001 + T), n),
                       "y": y.ravel(), "x": rng.normal(size=n * T)})
    with pytest.raises(ValueError, match=r"bias-corrected rho .* outside the admissible interval"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            panel.dynamic_panel(df, "y ~ x", w, model="sar", rho=rho)

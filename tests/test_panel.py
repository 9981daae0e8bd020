"""Fixed-effects spatial panels: plm (Produc, within estimates), spreg's one-way FE panels,
brute-force Lee–Yu likelihoods and simulated recovery."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from libpysal.weights import W, full2W, lat2W
from scipy import optimize

from spatialq import panel

REF = json.loads((Path(__file__).parent / "reference" / "regression" / "produc_plm.json").read_text())
SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference-data"
F = "np.log(gsp) ~ np.log(pcap) + np.log(pc) + np.log(emp) + unemp"


@pytest.fixture(scope="module")
def produc():
    if not (SHARED / "produc.csv").exists():
        pytest.skip("../shared/reference-data/produc.csv not available")
    prod = pd.read_csv(SHARED / "produc.csv")
    ww = pd.read_csv(SHARED / "usaww.csv", index_col=0)
    return prod, full2W(ww.to_numpy(), ids=list(ww.index))


@pytest.mark.parametrize("effects", ["twoways", "individual", "time"])
def test_non_spatial_within_equals_plm(produc, effects):
    """ρ = 0 (model="ols") reproduces plm 2.6-2 within estimates and standard errors."""
    prod, w = produc
    r = panel.spatial_panel(prod, F, w, model="ols", effects=effects, id="state")
    ref = REF[effects]
    np.testing.assert_allclose(r.params.to_numpy(), list(ref["coef"].values()), rtol=1e-10)
    np.testing.assert_allclose(r.std_errors.to_numpy(), list(ref["se"].values()), rtol=1e-10)
    assert r.residuals.pow(2).sum() == pytest.approx(ref["ssr"], rel=1e-10)


def test_one_way_fe_equals_spreg(produc):
    """Unit effects only (where W commutes with the within transformation): spreg 1.9
    Panel_FE_Lag / Panel_FE_Error, which are right in this case."""
    spreg = pytest.importorskip("spreg")
    prod, w = produc
    p = prod.sort_values(["year", "state"])
    y = np.log(p.gsp.to_numpy())[:, None]
    X = np.column_stack([np.log(p.pcap), np.log(p.pc), np.log(p.emp), p.unemp])
    wr = full2W(w.full()[0], ids=w.id_order)
    wr.transform = "r"
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lag, err = spreg.Panel_FE_Lag(y, X, wr), spreg.Panel_FE_Error(y, X, wr)
    ours = panel.spatial_panel(prod, F, w, model="sar", effects="individual", id="state")
    np.testing.assert_allclose(ours.params.to_numpy(), lag.betas.ravel(), rtol=1e-6)
    np.testing.assert_allclose(ours.std_errors.to_numpy(), np.sqrt(np.diag(lag.vm)), rtol=1e-5)
    ours = panel.spatial_panel(prod, F, w, model="sem", effects="individual", id="state")
    np.testing.assert_allclose(ours.params.to_numpy(), err.betas.ravel(), rtol=1e-6)
    np.testing.assert_allclose(ours.std_errors.to_numpy(), np.sqrt(np.diag(err.vm)), rtol=1e-5)


def test_two_way_equals_unit_effects_plus_time_dummies(produc):
    """Direct approach, Elhorst's convention (Wy of the raw data, then demeaned): two-way effects
    are exactly unit effects plus T − 1 year dummies."""
    prod, w = produc
    two = panel.spatial_panel(prod, F, w, model="sdm", effects="twoways", id="state", n_draws=10)
    dum = panel.spatial_panel(prod, F + " + C(year)", w, model="sar", effects="individual", id="state",
                              n_draws=10, durbin=None, tests=False)
    sar2 = panel.spatial_panel(prod, F, w, model="sar", effects="twoways", id="state", n_draws=10)
    assert sar2.rho == pytest.approx(dum.rho, abs=1e-8)
    for t in sar2.params.index.drop("rho"):
        assert sar2.params[t] == pytest.approx(dum.params[t], rel=1e-7)
    assert sar2.loglik == pytest.approx(dum.loglik, rel=1e-10)
    tests = two.tests.set_index("test")
    assert {"Wald SDM vs SAR (θ = 0)", "Wald SDM vs SEM (θ + ρβ = 0)", "LR SDM vs SAR", "LR SDM vs SEM"} <= set(
        tests.index)
    assert tests.loc["LR SDM vs SAR", "statistic"] == pytest.approx(2 * (two.loglik - sar2.loglik), rel=1e-8)


def _sim_panel(N_side=6, T=6, rho=0.4, beta=(1.0, -0.5), seed=0, fe=True):
    w = lat2W(N_side, N_side, rook=True)
    N = N_side * N_side
    Wm = np.asarray(w.full()[0])
    Wm = Wm / Wm.sum(1, keepdims=True)
    rng = np.random.default_rng(seed)
    mu, alpha = rng.normal(size=N) * fe, rng.normal(size=T) * fe
    rows = []
    A = np.linalg.inv(np.eye(N) - rho * Wm)
    for t in range(T):
        x = rng.normal(size=(N, 2)) + mu[:, None] * 0.5
        y = A @ (x @ np.asarray(beta) + mu + alpha[t] + rng.normal(size=N))
        rows.append(pd.DataFrame({"adcode": [str(i) for i in range(N)], "year": 2000 + t, "y": y,
                                  "x1": x[:, 0], "x2": x[:, 1]}))
    ids = [str(i) for i in range(N)]
    wid = W({ids[i]: [ids[j] for j in w.neighbors[i]] for i in range(N)})
    return pd.concat(rows, ignore_index=True), wid, Wm


def _orth(n):
    """n × (n − 1) orthonormal basis of the complement of 1."""
    q, _ = np.linalg.qr(np.column_stack([np.ones(n), np.eye(n)[:, : n - 1]]))
    return q[:, 1:]


@pytest.mark.parametrize("effects", ["twoways", "individual"])
def test_lee_yu_equals_brute_force_transformed_likelihood(effects):
    """Lee & Yu (2010): transform with orthonormal F_T (and F_N), maximise the full likelihood
    of the (N − 1)(T − 1) [or N(T − 1)] transformed observations with a dense log|I − ρW*|,
    W* = F_N'WF_N, over (ρ, β, σ²) with a generic optimiser."""
    df, w, Wm = _sim_panel(seed=3)
    N, T = Wm.shape[0], 6
    Y = df.pivot(index="adcode", columns="year", values="y").loc[[str(i) for i in range(N)]].to_numpy()
    Xs = [df.pivot(index="adcode", columns="year", values=c).loc[[str(i) for i in range(N)]].to_numpy()
          for c in ["x1", "x2"]]
    FT = _orth(T)
    FN = _orth(N) if effects == "twoways" else np.eye(N)  # time effects: drop one unit too
    Ws = FN.T @ Wm @ FN

    def tr(M):
        return FN.T @ M @ FT
    ys, wys = tr(Y).ravel(), tr(Wm @ Y).ravel()
    xs = np.column_stack([tr(X).ravel() for X in Xs])
    n = ys.size

    def negll(th):
        r, b, ls2 = th[0], th[1:3], th[3]
        sign, ld = np.linalg.slogdet(np.eye(Ws.shape[0]) - r * Ws)
        if sign <= 0 or abs(r) >= 1:
            return 1e10
        e = ys - r * wys - xs @ b
        return -(-n / 2 * (np.log(2 * np.pi) + ls2) + (T - 1) * ld - e @ e / (2 * np.exp(ls2)))

    best = optimize.minimize(negll, np.array([0.1, 0.5, 0.0, 0.0]), method="Nelder-Mead",
                             options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000, "maxfev": 20000})
    best = optimize.minimize(negll, best.x, method="BFGS", options={"gtol": 1e-9})
    ours = panel.spatial_panel(df, "y ~ x1 + x2", w, model="sar", effects=effects, lee_yu=True, n_draws=10)
    assert ours.panel["n_eff"] == n
    assert ours.rho == pytest.approx(best.x[0], abs=1e-5)
    np.testing.assert_allclose(ours.params[["x1", "x2"]].to_numpy(), best.x[1:3], atol=1e-5)
    assert ours.sigma2 == pytest.approx(np.exp(best.x[3]), rel=1e-5)
    assert ours.loglik == pytest.approx(-best.fun, abs=1e-6)


def test_simulated_recovery_and_lee_yu_sigma2():
    """Known ρ = 0.4, β = (1, −0.5), σ² = 1, two-way effects, N = 36, T = 6, 40 replications:
    both approaches recover ρ and β; the direct approach's σ² is biased by ≈ (N−1)(T−1)/(NT)
    (= 0.81 here), the Lee–Yu σ² is not."""
    est = {"direct": [], "lee_yu": []}
    for rep in range(40):
        df, w, _ = _sim_panel(seed=100 + rep)
        for key, ly in (("direct", False), ("lee_yu", True)):
            r = panel.spatial_panel(df, "y ~ x1 + x2", w, model="sar", lee_yu=ly, n_draws=2, tests=False, se="traces")
            est[key].append([r.rho, r.params["x1"], r.params["x2"], r.sigma2])
    d, ly = np.mean(est["direct"], axis=0), np.mean(est["lee_yu"], axis=0)
    assert abs(ly[0] - 0.4) < 0.03 and abs(ly[1] - 1) < 0.03 and abs(ly[2] + 0.5) < 0.03
    assert abs(d[1] - 1) < 0.03 and abs(d[2] + 0.5) < 0.03
    assert ly[3] == pytest.approx(1.0, abs=0.06)
    assert d[3] == pytest.approx(35 * 5 / 36 / 6, abs=0.06)


def test_panel_errors_are_clear(produc):
    prod, w = produc
    with pytest.raises(ValueError, match=r"unbalanced.*ALABAMA"):
        panel.spatial_panel(prod.iloc[1:], F, w, id="state")
    with pytest.raises(ValueError, match=r"region.*do not vary"):
        panel.spatial_panel(prod.assign(region=prod.region.astype(float)), F + " + region", w, id="state")
    with pytest.raises(ValueError, match="lee_yu=True"):
        panel.spatial_panel(prod, F, w, id="state", effects="none", lee_yu=True)
    with pytest.raises(KeyError, match="time column"):
        panel.spatial_panel(prod.drop(columns="year"), F, w, id="state")
    before = prod.copy()
    panel.spatial_panel(prod, F, w, id="state", model="sar", n_draws=10)
    pd.testing.assert_frame_equal(prod, before)


def test_panel_lm_and_fixed_effects_tests(produc):
    prod, w = produc
    lm = panel.lm_tests(prod, F, w, id="state").set_index("test")
    # the same formulas on the stacked demeaned data with I_T ⊗ W: a brute-force check
    r = panel.spatial_panel(prod, F, w, model="ols", id="state")
    e = r.residuals.to_numpy()
    Wm = np.asarray(w.full()[0])
    Wm = Wm / Wm.sum(1, keepdims=True)
    WT = sp.kron(sp.identity(17), Wm).toarray()
    s2 = e @ e / e.size
    T_ = 17 * (np.sum(Wm * Wm) + np.sum(Wm * Wm.T))
    assert lm.loc["LM-error", "statistic"] == pytest.approx((e @ WT @ e / s2) ** 2 / T_, rel=1e-10)
    fe = panel.fixed_effects_tests(prod, F, w, id="state", model="sar").set_index("test")
    assert fe.loc["LR unit fixed effects", "df"] == 47 and fe.loc["LR time fixed effects", "df"] == 16
    assert fe["statistic"].gt(0).all()


@pytest.mark.parametrize("model", ["sem", "sac"])
def test_error_models_with_regressors_that_w_leaves_unchanged(model, cigarette):
    """Period dummies (or any regressor constant within periods) satisfy Wx = x for a row-standardised W, so
    X − λWX = (1 − λ)x: the likelihood used to be computed from cross-products in which (1 − λ)² cancels, and
    SAC with unit effects + C(year) ran to λ → 1 with a negative sum of squares.  Computed by QR of the scaled
    X − λWX, it equals two-way effects (the direct approach's identity, as for SAR)."""
    cig, w = cigarette
    kw = dict(id="state_abbr", time="year", n_draws=10, tests=False, model=model)
    two = panel.spatial_panel(cig, "logc ~ logp + logy", w, **kw)
    dum = panel.spatial_panel(cig, "logc ~ logp + logy + C(year)", w, effects="individual", **kw)
    np.testing.assert_allclose(two.params.to_numpy(), dum.params[two.params.index].to_numpy(), rtol=1e-7, atol=1e-8)
    assert two.loglik == pytest.approx(dum.loglik, rel=1e-10)


SPLM = json.loads((Path(__file__).parent / "reference" / "regression" / "cigarette_splm.json").read_text())
SPLM_NAMES = {"sar": {"rho": "lambda"}, "sem": {"lambda": "rho"}, "sac": {"rho": "lambda", "lambda": "rho"}}


@pytest.fixture(scope="module")
def cigarette_ring(cigarette):
    """The cigarette panel, its W and a ring W over the same states (where splm's and spatialq's conventions
    coincide)."""
    cig, w = cigarette
    n = len(w.id_order)
    ring = np.zeros((n, n))
    for i in range(n):
        ring[i, (i - 1) % n] = ring[i, (i + 1) % n] = 0.5
    return cig, w, full2W(ring, ids=list(w.id_order))


@pytest.mark.parametrize("model", ["sar", "sem", "sac"])
@pytest.mark.parametrize("case", ["individual", "twoways_ring"])
def test_panel_standard_errors_equal_splm(cigarette_ring, model, case):
    """splm 1.6-5 ``spml(model="within", method="eigen")`` (tests/reference/regression/cigarette_splm.R): the
    expected information matrix, SAC included (issue 14: its SEs came from a numerical Hessian, 24–26 % off).
    Unit effects with the contiguity W, and two-way effects with a doubly stochastic ring W, where splm's
    convention (W on the demeaned y) and spatialq's (demeaned Wy) coincide; both ``information`` options agree
    there."""
    cig, w, ring = cigarette_ring
    ref = SPLM[f"{model}_{case}"]
    names = SPLM_NAMES[model]
    for information in ("within", "dummies"):
        r = panel.spatial_panel(cig, "logc ~ logp + logy", w if case == "individual" else ring, model=model,
                                effects=case.split("_")[0], id="state_abbr", time="year", n_draws=10, tests=False,
                                information=information)
        assert r.se_method == "expected information (exact traces)"
        est = [ref["coef"][names.get(t, t)] for t in r.params.index]
        se = [ref["se"][names.get(t, t)] for t in r.params.index]
        np.testing.assert_allclose(r.params.to_numpy(), est, rtol=0, atol=1e-6)
        np.testing.assert_allclose(r.std_errors.to_numpy(), se, rtol=2e-6)


@pytest.mark.parametrize("model", ["sar", "sdm", "sac", "sem"])
def test_dummies_information_equals_period_dummies(cigarette_ring, model):
    """``information="dummies"`` = the information matrix with the T − 1 period effects as dummy parameters,
    i.e. the SEs of unit effects + C(year) (1e-9).  The default (Elhorst's formula, "within") gives SEs of ρ
    0.21 % (SAR) and 0.40 % (SDM) smaller on this panel; SEM is unaffected."""
    cig, w, _ = cigarette_ring
    kw = dict(id="state_abbr", time="year", n_draws=10, tests=False)
    dum = panel.spatial_panel(cig, "logc ~ logp + logy", w, model=model, information="dummies", **kw)
    ref = panel.spatial_panel(cig, "logc ~ logp + logy + C(year)", w, model=model, effects="individual",
                              durbin=["logp", "logy"] if model == "sdm" else None, **kw)
    terms = dum.params.index
    np.testing.assert_allclose(dum.params.to_numpy(), ref.params[terms].to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(dum.std_errors.to_numpy(), ref.std_errors[terms].to_numpy(), rtol=1e-9)
    within = panel.spatial_panel(cig, "logc ~ logp + logy", w, model=model, **kw)
    gap = 1 - within.std_errors / dum.std_errors
    if model == "sem":
        assert gap.abs().max() < 1e-12
    else:
        assert within.meta.options["information"] == "within"
        expected = {"sar": 0.0021, "sdm": 0.0040, "sac": None}[model]
        if expected:
            assert gap["rho"] == pytest.approx(expected, abs=2e-4)
    with pytest.raises(ValueError, match="information"):
        panel.spatial_panel(cig, "logc ~ logp + logy", w, model=model, information="lsdv", **kw)


def test_centred_traces_equal_transformed_matrices():
    """Lee–Yu with time effects: traces of products of F_N'MF_N (explicit orthonormal F_N) equal the traces
    with C = I − 11'/N between the factors (exact path), and the stochastic estimates are within 5 σ."""
    from spatialq._spml import _info

    _, _, Wm = _sim_panel(N_side=7)
    N = Wm.shape[0]
    F = _orth(N)
    Ws = F.T @ Wm @ F
    r, lam = 0.35, -0.2
    G = Ws @ np.linalg.inv(np.eye(N - 1) - r * Ws)
    H = Ws @ np.linalg.inv(np.eye(N - 1) - lam * Ws)
    B = np.eye(N - 1) - lam * Ws
    Gd = B @ G @ np.linalg.inv(B)
    want = {"g": np.trace(G), "h": np.trace(H), "gg": np.trace(G @ G), "hh": np.trace(H @ H),
            "hth": np.trace(H.T @ H), "gdtgd": np.trace(Gd.T @ Gd), "htgd": np.trace(H.T @ Gd),
            "hg": np.trace(H @ G)}
    space = _info._Space(sp.csr_matrix(Wm), centre=True)
    exact = _info.traces_sac(space, r, lam, "exact")
    for k, v in want.items():
        assert exact.values[k] == pytest.approx(v, rel=1e-10, abs=1e-10), k
    one = _info.traces_one(space, r, "exact")
    assert one.values["gtg"] == pytest.approx(np.trace(G.T @ G), rel=1e-10)
    for t in (_info.traces_sac(space, r, lam, "stochastic", probes=400),):
        sd = t.samples.std(axis=0, ddof=1) / np.sqrt(len(t.samples))
        for j, k in enumerate(t.values):
            assert abs(t.values[k] - want[k]) < 5 * sd[j] + 1e-12, k
    st = _info.traces_one(space, r, "stochastic", probes=400)
    sd = st.samples.std(axis=0, ddof=1) / np.sqrt(len(st.samples))
    for j, (k, v) in enumerate({"g": want["g"], "gg": want["gg"], "gtg": np.trace(G.T @ G)}.items()):
        assert abs(st.values[k] - v) < 5 * sd[j] + 1e-12, k


@pytest.mark.parametrize("model", ["sar", "sem", "sac"])
def test_panel_stochastic_traces_agree_with_exact(cigarette_ring, model):
    """The stochastic traces (default above 2,000 units) on the cigarette panel: within 4 stated errors."""
    cig, w, _ = cigarette_ring
    kw = dict(id="state_abbr", time="year", n_draws=10, tests=False, lee_yu=True)
    ex = panel.spatial_panel(cig, "logc ~ logp + logy", w, model=model, se="exact", **kw)
    st = panel.spatial_panel(cig, "logc ~ logp + logy", w, model=model, se="stochastic", **kw)
    assert 0 < st.se_error < 0.05
    assert (st.std_errors / ex.std_errors - 1).abs().max() < 4 * st.se_error


@pytest.mark.parametrize("effects", ["twoways", "individual"])
def test_cluster_robust_factor_is_aregs(produc, effects):
    """spatialq._ols's CR1 uses Stata areg's G/(G−1)(n−1)/(n−k−a); plm's vcovHC(type="sss") (and xtreg, fe) use
    (n−1)/(n−k): ours are larger by exactly √((n−k)/(n−k−a)) — 4.2 % here with two-way effects
    (tests/reference/regression/produc_cluster.R, plm 2.6-2)."""
    from spatialq._ols import ols

    ref = json.loads((Path(__file__).parent / "reference" / "regression" / "produc_cluster.json").read_text())[effects]
    prod, _ = produc
    N, T = prod.state.nunique(), prod.year.nunique()

    def within(v):
        d = pd.DataFrame({"s": prod.state, "t": prod.year, "v": np.asarray(v, float)})
        out = d.v - d.groupby("s").v.transform("mean")
        return (out - d.groupby("t").v.transform("mean") + d.v.mean() if effects == "twoways" else out).to_numpy()

    X = pd.DataFrame({c: within(v) for c, v in {"log(pcap)": np.log(prod.pcap), "log(pc)": np.log(prod.pc),
                                               "log(emp)": np.log(prod.emp), "unemp": prod.unemp}.items()})
    a = N + T - 1 if effects == "twoways" else N
    fit = ols(within(np.log(prod.gsp)), X, cov="cluster", clusters=prod.state.to_numpy(), absorbed=a)
    n, k = len(X), X.shape[1]
    np.testing.assert_allclose(fit.params.to_numpy(), list(ref["coef"].values()), rtol=1e-10)
    np.testing.assert_allclose(fit.std_errors.to_numpy() * np.sqrt((n - k - a) / (n - k)),
                               list(ref["se_sss"].values()), rtol=1e-10)

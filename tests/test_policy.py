"""Spatial DID and event studies (issue 15, item 3): exact identities with spatial_panel, recovery of
known effects on simulated SDM-DID data, a small Monte Carlo of coverage, and input errors."""

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from spatialq import geometry, weights
from spatialq._guards import InputError
from spatialq._wmatrix import aligned
from spatialq.panel import spatial_panel
from spatialq.policy import did_robustness, event_study, spatial_did


@pytest.fixture(scope="module")
def w():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return weights.contiguity(geometry.provinces())


def simulate(w, *, T=12, rho=0.3, delta=1.0, gamma=0.5, beta=1.0, theta=0.3, seed=0, staggered=False,
             path=None, pre=None):
    """SDM-DID: y_t = (I − ρW)⁻¹(δD_t + γWD_t + βx_t + θWx_t + μ + α_t + ε_t).  ``path`` ({k: δ_k})
    gives a dynamic direct coefficient by relative period instead of δ (γ = 0 then)."""
    rng = np.random.default_rng(seed)
    ids = sorted(w.id_order, key=str)
    N = len(ids)
    W = aligned(w, ids, transform="r").toarray()
    A = np.linalg.inv(np.eye(N) - rho * W)
    treated = rng.permutation(N)[: N // 2]
    adopt = np.full(N, np.nan)
    adopt[treated] = rng.integers(4, T - 3, len(treated)) if staggered else 6
    mu = rng.normal(size=N)
    rows = []
    for t in range(T):
        d = (t >= adopt).astype(float)
        x = rng.normal(size=N)
        if path is None:
            eff = delta * d + gamma * W @ d
        else:
            k = t - adopt
            eff = np.array([path.get(int(kk), path[max(path)] if kk > 0 else 0.0) if np.isfinite(kk) else 0.0
                            for kk in k])
        yy = A @ (eff + beta * x + theta * W @ x + mu + 0.5 * t + rng.normal(size=N))
        rows.append(pd.DataFrame({"adcode": ids, "year": 2010 + t, "y": yy, "x": x, "d": d,
                                  "adopt": adopt + 2010}))
    return pd.concat(rows, ignore_index=True)


def true_effects(w, rho, delta, gamma):
    ids = sorted(w.id_order, key=str)
    N = len(ids)
    W = aligned(w, ids, transform="r").toarray()
    S = np.linalg.inv(np.eye(N) - rho * W) @ (delta * np.eye(N) + gamma * W)
    direct, total = np.trace(S) / N, S.sum() / N
    return {"direct": direct, "indirect": total - direct, "total": total}


def test_identity_with_spatial_panel(w):
    df = simulate(w, seed=1)
    r = spatial_did(df, "y", "d", w, controls=["x"], n_draws=200, seed=3)
    ref = spatial_panel(df, "y ~ d + x", w, model="sdm", n_draws=200, seed=3)
    pd.testing.assert_series_equal(r.fit.params, ref.params, rtol=1e-10, atol=1e-12, check_names=False)
    pd.testing.assert_series_equal(r.fit.std_errors, ref.std_errors, rtol=1e-10, atol=1e-12, check_names=False)
    assert list(r.fit.params.index) == ["d", "x", "W*d", "W*x", "rho"]
    e = ref.effects_inference.query("term == 'd'").set_index("effect")
    np.testing.assert_allclose(r.effects["estimate"], e.loc[["direct", "indirect", "total"], "estimate"],
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(r.effects["sd"], e.loc[["direct", "indirect", "total"], "std_error"], rtol=1e-10)
    f = r.to_frame()
    assert list(f.index) == ["direct", "indirect", "total"]
    assert list(f.columns) == ["estimate", "sd", "t", "p", "ci_lower", "ci_upper"]
    assert r.n_treated == 15 and r.n_control == 16


@pytest.mark.parametrize("model", ["sar", "sem", "sdem", "slx"])
def test_other_models_match_spatial_panel(w, model):
    df = simulate(w, seed=2)
    r = spatial_did(df, "y", "d", w, controls=["x"], model=model, n_draws=100)
    ref = spatial_panel(df, "y ~ d + x", w, model=model, n_draws=100)
    np.testing.assert_allclose(r.fit.params.to_numpy(), ref.params.to_numpy(), rtol=1e-10, atol=1e-12)
    assert ("W*d" in r.fit.params.index) == (model in {"sdem", "slx"})
    if model == "sem":
        assert r.effects.loc["direct", "estimate"] == pytest.approx(ref.params["d"], rel=1e-12)
        assert r.effects.loc["indirect", "estimate"] == 0


def test_recovers_known_direct_and_spillover(w):
    rho, delta, gamma = 0.3, 1.0, 0.8
    df = simulate(w, T=20, rho=rho, delta=delta, gamma=gamma, seed=5)
    r = spatial_did(df, "y", "d", w, controls=["x"], n_draws=500)
    truth = true_effects(w, rho, delta, gamma)
    for eff, v in truth.items():
        assert abs(r.effects.loc[eff, "estimate"] - v) < 3 * r.effects.loc[eff, "sd"], eff
    assert r.effects.loc["indirect", "p"] < 0.05


def test_monte_carlo_coverage(w):
    rho, delta, gamma = 0.3, 1.0, 0.5
    truth = true_effects(w, rho, delta, gamma)
    rows = []
    for rep in range(40):
        df = simulate(w, T=10, rho=rho, delta=delta, gamma=gamma, seed=100 + rep)
        r = spatial_did(df, "y", "d", w, controls=["x"], n_draws=200, seed=rep, tests=False)
        for eff in ("direct", "indirect"):
            e = r.effects.loc[eff]
            rows.append({"effect": eff, "err": e["estimate"] - truth[eff],
                         "cover": e["ci_lower"] <= truth[eff] <= e["ci_upper"]})
    mc = pd.DataFrame(rows).groupby("effect").agg(bias=("err", "mean"), rmse=("err", lambda s: np.sqrt((s**2).mean())),
                                                  coverage=("cover", "mean"))
    assert mc["coverage"].between(0.8, 1.0).all(), mc
    assert (mc["bias"].abs() < 0.5 * mc["rmse"] + 0.05).all(), mc


def test_staggered_adoption_runs(w):
    df = simulate(w, T=14, staggered=True, seed=7)
    r = spatial_did(df, "y", "d", w, controls=["x"], n_draws=200)
    assert len(set(r.adoption.values())) > 1
    truth = true_effects(w, 0.3, 1.0, 0.5)
    assert abs(r.effects.loc["direct", "estimate"] - truth["direct"]) < 3 * r.effects.loc["direct", "sd"]
    assert "Spatial DID" in r.summary()
    ax = r.plot()
    assert len(ax.lines) + len(ax.collections) > 0
    plt.close("all")


def test_event_study_leads_zero_and_lags_recover_path(w):
    path = {0: 1.0, 1: 1.5, 2: 2.0, 3: 2.0}
    df = simulate(w, T=16, staggered=True, path=path, rho=0.2, seed=11)
    r = event_study(df, "y", "adopt", w, leads=3, lags=3, controls=["x"], n_draws=300)
    f = r.to_frame()
    assert set(f["k"]) == {-3, -2, -1, 0, 1, 2, 3}
    assert list(r.terms) == [-3, -2, 0, 1, 2, 3]
    d = f[f["effect"] == "direct"].set_index("k")
    for k in (-3, -2):
        assert d.loc[k, "ci_lower"] <= 0 <= d.loc[k, "ci_upper"], d
    assert d.loc[-1, "estimate"] == 0
    # the direct effect of own treatment with rho = 0.2: a little above the coefficient (feedback)
    ids = sorted(w.id_order, key=str)
    W = aligned(w, ids, transform="r").toarray()
    mult = np.trace(np.linalg.inv(np.eye(len(ids)) - 0.2 * W)) / len(ids)
    for k in (0, 1, 2, 3):
        assert abs(d.loc[k, "estimate"] - mult * path[k]) < 3 * d.loc[k, "sd"], (k, d)
    ax = r.plot()
    assert ax.get_xlabel().startswith("periods relative")
    plt.close("all")


def test_robustness_table_one_column_per_w(w):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        knn = weights.knn(geometry.provinces(), k=4)
    df = simulate(w, seed=4)
    r = did_robustness(df, "y", "d", {"queen": w, "knn4": knn}, controls=["x"], n_draws=100)
    t = r.to_frame()
    assert list(t.columns) == ["queen", "knn4"]
    assert t.index[0] == "direct" and "indirect" in t.index and "total" in t.index
    assert t.loc["direct", "queen"].startswith(f"{r.results['queen'].effects.loc['direct', 'estimate']:.3f}")
    r.plot()
    plt.close("all")


def test_quoted_names(w):
    df = simulate(w, seed=1).rename(columns={"y": "GDP (亿元)", "d": "pilot zone", "x": "人均收入"})
    r = spatial_did(df, "GDP (亿元)", "pilot zone", w, controls=["人均收入"], n_draws=50)
    assert "pilot zone" in r.fit.params.index


def test_errors(w):
    df = simulate(w, seed=1)
    with pytest.raises(InputError, match="'dd'"):
        spatial_did(df, "y", "dd", w)
    with pytest.raises(InputError, match="control 1 'z'"):
        spatial_did(df, "y", "d", w, controls=["z"])
    bad = df.copy()
    bad.loc[0, "d"] = 2
    with pytest.raises(InputError, match="0/1"):
        spatial_did(bad, "y", "d", w)
    off = df.copy()
    unit = off.loc[off["d"] == 1, "adcode"].iloc[0]
    off.loc[(off["adcode"] == unit) & (off["year"] == off["year"].max()), "d"] = 0
    with pytest.raises(InputError, match=f"switches off.*{unit}"):
        spatial_did(off, "y", "d", w)
    with pytest.raises(InputError, match="no unit is ever treated"):
        spatial_did(df.assign(d=0), "y", "d", w)
    with pytest.raises(InputError, match="no control unit"):
        spatial_did(df.assign(d=(df["year"] >= 2015).astype(int)), "y", "d", w)
    with pytest.raises(InputError, match="unbalanced"):
        spatial_did(df.iloc[1:], "y", "d", w)
    with pytest.raises(InputError, match="model"):
        spatial_did(df, "y", "d", w, model="sac")
    varying = df.copy()
    varying.loc[varying.index[df["adopt"].notna()][0], "adopt"] = 1999
    with pytest.raises(InputError, match="varies within unit"):
        event_study(varying, "y", "adopt", w)
    with pytest.raises(InputError, match="outside the window"):
        event_study(df, "y", "adopt", w, ref=-5)
    with pytest.raises(InputError, match="dict"):
        did_robustness(df, "y", "d", {})


def test_result_convention_and_row_order(w):
    import dataclasses

    df = simulate(w, seed=3)
    r = spatial_did(df, "y", "d", w, controls=["x"], n_draws=100)
    assert repr(r) == r.summary() and r.meta.method == "spatialq.policy.spatial_did"
    assert "<div>" in r._repr_html_()
    f = r.to_frame()
    del f["estimate"]
    assert "estimate" in r.to_frame().columns
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.treat = "x"
    shuffled = spatial_did(df.sample(frac=1, random_state=0), "y", "d", w, controls=["x"], n_draws=100)
    pd.testing.assert_frame_equal(shuffled.effects, r.effects, rtol=1e-10)
    es = event_study(df, "y", "adopt", w, leads=2, lags=2, controls=["x"], n_draws=50)
    assert repr(es) == es.summary() and "<div>" in es._repr_html_()


def test_lee_yu_passes_through(w):
    df = simulate(w, seed=6)
    r = spatial_did(df, "y", "d", w, controls=["x"], n_draws=100, lee_yu=True)
    ref = spatial_panel(df, "y ~ d + x", w, model="sdm", n_draws=100, lee_yu=True)
    np.testing.assert_allclose(r.fit.params.to_numpy(), ref.params.to_numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(r.fit.std_errors.to_numpy(), ref.std_errors.to_numpy(), rtol=1e-10)
    assert r.fit.panel["lee_yu"] is True


def test_event_study_without_a_control_unit_says_so(w):
    """Every unit adopting in one period: the error said the (internal) lead and lag columns do not vary."""
    df = simulate(w, T=10, staggered=True, seed=3).assign(adopt=2016.0)
    with pytest.raises(InputError, match=r"every unit adopts in .*: there is no control unit"):
        event_study(df, "y", "adopt", w, leads=2, lags=2, n_draws=50)

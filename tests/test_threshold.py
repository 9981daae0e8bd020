"""Hansen (1999) panel threshold regression: exact identities, brute force, simulation (issue 15, item 5).

No package here implements it, so the checks are identities (the regime coefficients equal a hand-built within
regression; S(γ) at every grid point equals a brute-force within OLS), recovery of a known break, the size of
the bootstrap F test under no break, and the house properties (seeds, n_jobs, row order, errors)."""

import dataclasses
import itertools

import matplotlib
import numpy as np
import pandas as pd
import pytest

from spatialq._guards import InputError
from spatialq.panel import ThresholdResult, threshold_panel
from spatialq.panel.threshold import _demean, _Design, _search, critical_value

matplotlib.use("Agg")


def simulate(N=40, T=6, *, jump=1.0, gamma=(4.0,), seed=1, noise=0.5):
    """y = μ_i + β(q)·x1 + 0.5·x2 + e, β = 1 below the first threshold and + jump above each threshold."""
    rng = np.random.default_rng(seed)
    q = rng.uniform(0, 10, N * T)
    x1, x2 = rng.normal(size=N * T), rng.normal(size=N * T)
    slope = 1.0 + jump * sum((q > g).astype(float) for g in gamma)
    y = np.repeat(rng.normal(size=N), T) + slope * x1 + 0.5 * x2 + noise * rng.normal(size=N * T)
    return pd.DataFrame({"adcode": np.repeat([f"{110000 + i}" for i in range(N)], T),
                         "year": np.tile(np.arange(2011, 2011 + T), N), "y": y, "x1": x1, "x2": x2, "q": q})


def below(df, gamma):
    """The largest observed q ≤ γ: S(γ) is a step function of γ, constant between observed q values, so a
    true threshold is identified only up to that value (the grid holds observed values)."""
    return df.loc[df["q"] <= gamma, "q"].max()


def brute_rss(df, gammas, T):
    d = df.sort_values(["adcode", "year"])
    q = d["q"].to_numpy()
    cuts = [-np.inf, *sorted(gammas), np.inf]
    cols = [d["x1"].to_numpy() * ((q > a) & (q <= b)) for a, b in itertools.pairwise(cuts)]
    X = _demean(np.column_stack([*cols, d["x2"].to_numpy()]), len(d) // T, T)
    y = _demean(d["y"].to_numpy(), len(d) // T, T)
    b = np.linalg.lstsq(X, y, rcond=None)[0]
    return float(np.sum((y - X @ b) ** 2)), b, X, y


@pytest.fixture(scope="module")
def data():
    return simulate()


@pytest.fixture(scope="module")
def single(data):
    return threshold_panel(data, "y", ["x1", "x2"], "q", regime=["x1"], bootstrap=30, grid=100)


def test_critical_value():
    assert critical_value(0.95) == pytest.approx(7.352, abs=1e-3)
    assert critical_value(0.90) == pytest.approx(5.940, abs=1e-3)
    assert critical_value(0.99) == pytest.approx(10.592, abs=1e-3)


def test_coefficients_equal_hand_built_within_regression(data, single):
    g = single.thresholds["estimate"].iloc[0]
    rss, b, X, y = brute_rss(data, [g], 6)
    assert np.max(np.abs(single.params["coef"].to_numpy() - b)) < 1e-10
    assert single.rss == pytest.approx(rss, rel=1e-12)
    # conventional SE: σ² (X̃'X̃)⁻¹ with NT − N − p degrees of freedom (xtreg, fe)
    s2 = rss / (len(y) - 40 - X.shape[1])
    se = np.sqrt(np.diag(s2 * np.linalg.inv(X.T @ X)))
    assert np.max(np.abs(single.params["se"].to_numpy() - se)) < 1e-10
    assert single.sigma2 == pytest.approx(rss / (40 * 5))


def test_rss_curve_equals_brute_force_at_every_grid_point(data, single):
    lr = single.lr
    s_min, s2 = single.tests["rss"].iloc[0], single.tests["mse"].iloc[0]
    S = s_min + lr["lr"].to_numpy() * s2
    brute = np.array([brute_rss(data, [g], 6)[0] for g in lr["gamma"]])
    assert len(lr) >= 80
    assert np.max(np.abs(S - brute) / brute) < 1e-9
    assert lr["lr"].min() == pytest.approx(0, abs=1e-9)


def test_second_stage_curve_equals_brute_force(data):
    d = data.sort_values(["adcode", "year"])
    N, T = 40, 6
    xr = d[["x1"]].to_numpy(float)
    zt = _demean(d[["x2"]].to_numpy(float), N, T)
    q = d["q"].to_numpy(float)
    grid = np.unique(np.quantile(q, np.linspace(0.05, 0.95, 40), method="inverted_cdf"))
    des = _Design(xr, zt, q, grid, N, T, min_size=12)
    yt = _demean(d["y"].to_numpy(float), N, T)
    g1 = 10
    _, _, S, _ = _search(des, (g1,), yt)
    ok = np.flatnonzero(np.isfinite(S))
    assert len(ok) > 30 and g1 not in ok
    brute = np.array([brute_rss(data, [grid[g1], grid[g]], T)[0] for g in ok])
    assert np.max(np.abs(S[ok] - brute) / brute) < 1e-9


def test_known_break_is_recovered(single):
    th = single.thresholds.iloc[0]
    assert th["ci_low"] <= 4.0 <= th["ci_high"]
    assert abs(th["estimate"] - 4.0) < 0.3
    t = single.tests.iloc[0]
    assert t["p"] == 0 and t["F"] > t["crit1"] > t["crit5"] > t["crit10"] > 0
    coef = single.params.set_index(["term", "regime"])["coef"]
    assert coef.iloc[0] == pytest.approx(1.0, abs=0.15) and coef.iloc[1] == pytest.approx(2.0, abs=0.15)


def test_double_threshold_recovers_both_breaks():
    df = simulate(N=50, T=6, gamma=(3.0, 7.0), seed=3)
    r = threshold_panel(df, "y", ["x1", "x2"], "q", regime=["x1"], thresholds=2, bootstrap=20, grid=300)
    th = r.thresholds
    assert list(th["threshold"]) == [1, 2] and len(r.grid) == 270  # all distinct values inside the trim
    for true, row in zip((3.0, 7.0), th.itertuples()):
        # one sample: the estimate is close and the interval short (coverage is the Monte Carlo's job)
        assert abs(row.estimate - true) < 0.3 and true - 1 < row.ci_low <= row.estimate <= row.ci_high < true + 1
    assert list(r.tests["model"]) == ["single", "double"] and (r.tests["p"] < 0.05).all()
    rss = brute_rss(df, list(th["estimate"]), 6)[0]
    assert r.rss == pytest.approx(rss, rel=1e-12)
    assert len(r.params) == 4 and r.params["regime"].iloc[1].startswith(f"{th['estimate'].iloc[0]:.6g} < q")


def test_triple_runs_and_orders_thresholds():
    df = simulate(N=30, T=5, gamma=(2.5, 5.0, 7.5), seed=4, jump=1.5)
    r = threshold_panel(df, "y", ["x1", "x2"], "q", regime=["x1"], thresholds=3, bootstrap=5, grid=60)
    est = r.thresholds["estimate"].to_numpy()
    assert list(r.tests["model"]) == ["single", "double", "triple"]
    assert np.all(np.diff(est) > 0) and np.max(np.abs(est - [2.5, 5.0, 7.5])) < 0.5
    assert r.rss == pytest.approx(brute_rss(df, list(est), 5)[0], rel=1e-12)


def test_size_of_the_bootstrap_test_without_break():
    rejections = []
    for s in range(40):
        df = simulate(N=20, T=5, jump=0.0, seed=100 + s)
        r = threshold_panel(df, "y", ["x1", "x2"], "q", regime=["x1"], bootstrap=40, grid=40, seed=s)
        rejections.append(r.tests["p"].iloc[0] < 0.05)
    rate = float(np.mean(rejections))
    assert 0 <= rate <= 0.2


def test_monte_carlo_bias_rmse_coverage():
    est, cover = [], []
    for s in range(30):
        df = simulate(N=30, T=5, jump=1.0, seed=200 + s)
        r = threshold_panel(df, "y", ["x1", "x2"], "q", regime=["x1"], bootstrap=0, grid=150)
        th = r.thresholds.iloc[0]
        est.append(th["estimate"])
        cover.append(th["ci_low"] <= below(df, 4.0) <= th["ci_high"])
    err = np.array(est) - 4.0
    assert abs(err.mean()) < 0.1 and np.sqrt(np.mean(err ** 2)) < 0.2
    assert np.mean(cover) >= 0.85


def test_seed_and_n_jobs(data):
    kw = dict(regime=["x1"], thresholds=2, bootstrap=12, grid=50)
    a = threshold_panel(data, "y", ["x1", "x2"], "q", seed=7, **kw)
    b = threshold_panel(data, "y", ["x1", "x2"], "q", seed=7, **kw)
    c = threshold_panel(data, "y", ["x1", "x2"], "q", seed=7, n_jobs=2, **kw)
    d = threshold_panel(data, "y", ["x1", "x2"], "q", seed=8, **kw)
    pd.testing.assert_frame_equal(a.tests, b.tests)
    pd.testing.assert_frame_equal(a.tests, c.tests)
    assert not a.tests[["crit5"]].equals(d.tests[["crit5"]])


def test_row_order_and_index_do_not_matter(data, single):
    shuffled = data.sample(frac=1, random_state=3).set_index("adcode")
    r = threshold_panel(shuffled, "y", ["x1", "x2"], "q", regime=["x1"], bootstrap=30, grid=100)
    for name in ("thresholds", "tests", "params", "lr"):
        pd.testing.assert_frame_equal(getattr(r, name), getattr(single, name))
    assert data.columns.tolist() == ["adcode", "year", "y", "x1", "x2", "q"]


def test_default_regime_and_cluster_se(data):
    r = threshold_panel(data, "y", ["x1", "x2"], "q", bootstrap=0, grid=60, se="cluster")
    assert len(r.params) == 4 and (r.params["regime"] != "").all()
    assert r.tests["p"].isna().all() and r.se == "cluster"


def test_result_convention(single):
    import matplotlib.pyplot as plt

    assert isinstance(single, ThresholdResult)
    text = single.summary()
    assert repr(single) == text and "F" in text and "7.35" in text
    assert "<div>" in single._repr_html_()
    f = single.to_frame()
    assert list(f.columns) == ["term", "regime", "coef", "se", "t", "p"]
    del f["term"]
    assert "term" in single.to_frame().columns
    ax = single.plot()
    assert ax.get_lines() and ax.get_ylabel() == r"LR($\gamma$)"  # mathtext: γ is not in the bundled font subset
    _, ax2 = plt.subplots()
    assert single.plot(ax=ax2) is ax2
    plt.close("all")
    with pytest.raises(dataclasses.FrozenInstanceError):
        single.thresholds = None
    assert single.meta.seed == 0 and single.meta.options["bootstrap"] == 30


def test_plot_one_panel_per_threshold():
    import matplotlib.pyplot as plt

    r = threshold_panel(simulate(N=30, T=5, gamma=(3.0, 7.0)), "y", ["x1", "x2"], "q", thresholds=2,
                        bootstrap=0, grid=50)
    ax = r.plot()
    assert len(ax.figure.axes) == 2
    plt.close("all")


def test_errors(data):
    args = ("y", ["x1", "x2"], "q")
    with pytest.raises(InputError, match=r"unbalanced.*110003"):
        threshold_panel(data.drop(index=20), *args, bootstrap=0)
    with pytest.raises(InputError, match="at least 5 units"):
        threshold_panel(data[data["adcode"] < "110004"], *args, bootstrap=0)
    with pytest.raises(InputError, match="'q' is constant"):
        threshold_panel(data.assign(q=1.0), *args, bootstrap=0)
    with pytest.raises(InputError, match="regime"):
        threshold_panel(data, *args, regime=["x3"], bootstrap=0)
    with pytest.raises(InputError, match=r"at least .* observations"):
        threshold_panel(data, *args, thresholds=3, trim=0.3, bootstrap=0)
    with pytest.raises(InputError, match="'x2' does not vary within units"):
        threshold_panel(data.assign(x2=data["adcode"].astype(float)), *args, bootstrap=0)
    with pytest.raises(InputError, match="thresholds must be"):
        threshold_panel(data, *args, thresholds=4)
    with pytest.raises(InputError, match="trim"):
        threshold_panel(data, *args, trim=0.6)
    with pytest.raises(InputError, match="non-empty list"):
        threshold_panel(data, "y", "x1", "q")
    with pytest.raises(KeyError):
        threshold_panel(data, "y", ["x1", "nope"], "q")
    with pytest.raises(InputError, match="missing"):
        threshold_panel(data.assign(q=data["q"].where(data.index != 5)), *args)

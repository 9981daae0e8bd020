"""Dagum Gini (identity, O(n²) definition), Theil, CV, convergence."""

import numpy as np
import pandas as pd
import pytest

from spatialq import geometry, inequality
from spatialq.datasets import ai_index_provinces
from spatialq.inequality.convergence import demean_twoways
from spatialq.inequality.dagum import abs_diff_sum, dagum_gini_bruteforce


def plain_gini(x):
    x = np.asarray(x, float)
    return np.abs(np.subtract.outer(x, x)).sum() / (2 * len(x) ** 2 * x.mean())


@pytest.mark.parametrize("n,k,seed", [(30, 2, 0), (200, 3, 1), (757, 4, 2), (2000, 6, 3), (1500, 5, 4)])
def test_dagum_fast_equals_definition(n, k, seed):
    rng = np.random.default_rng(seed)
    v = np.round(rng.lognormal(0, 0.8, n), 1)  # rounding creates ties
    g = rng.integers(0, k, n).astype(str)
    df = pd.DataFrame({"adcode": np.arange(n), "v": v, "g": g})
    r = inequality.dagum_gini(df, "v", "g", by=None)
    row = r.table.iloc[0]
    brute = dagum_gini_bruteforce(v, g)
    for key in ("gini", "within", "between", "transvariation"):
        assert row[key] == pytest.approx(brute[key], rel=1e-11, abs=1e-13)
    assert row["gini"] == pytest.approx(plain_gini(v), rel=1e-12)
    assert abs(row["within"] + row["between"] + row["transvariation"] - row["gini"]) < 1e-12
    assert row[["within_share", "between_share", "transvariation_share"]].sum() == pytest.approx(1.0, abs=1e-12)
    gg = r.group_gini.set_index("group")["gini"]
    for label in set(g):
        assert gg[label] == pytest.approx(plain_gini(v[g == label]), rel=1e-12)
    # d − p is the difference of the group means; d + p the mean absolute difference
    means = pd.Series(v).groupby(g).mean()
    for pr in r.pairwise.itertuples():
        assert pr.d - pr.p == pytest.approx(means[pr.group_high] - means[pr.group_low], abs=1e-12)
        assert pr.d + pr.p == pytest.approx(pr.gini * (means[pr.group_high] + means[pr.group_low]), rel=1e-12)


def test_abs_diff_sum_small():
    assert abs_diff_sum(np.array([1.0, 3.0, 6.0])) == 2 * (2 + 5 + 3)
    assert abs_diff_sum(np.array([1.0, 4.0]), np.array([2.0, 2.0, 5.0])) == (1 + 1 + 4) + (2 + 2 + 1)


def test_dagum_on_ai_index_and_row_order():
    ai = ai_index_provinces()
    three = geometry.regions("three")
    r = inequality.dagum_gini(ai, "ai_index", three)
    f = r.to_frame()
    assert list(f.columns[:8]) == ["year", "gini", "within", "between", "transvariation", "within_share",
                                   "between_share", "transvariation_share"]
    assert f["year"].tolist() == [2011, 2015, 2019, 2022]
    assert np.allclose(f[["within", "between", "transvariation"]].sum(axis=1), f["gini"], atol=1e-12)
    assert set(r.group_gini["group"]) == {"东部", "中部", "西部"} and len(r.pairwise) == 12
    shuffled = inequality.dagum_gini(ai.sample(frac=1, random_state=0), "ai_index", three)
    pd.testing.assert_frame_equal(shuffled.table, r.table)
    assert "2011" in r.summary() and r.plot() is not None


def test_dagum_errors():
    df = pd.DataFrame({"adcode": ["a", "b", "c"], "v": [1.0, -2.0, 3.0], "g": ["x", "y", "x"]})
    with pytest.raises(ValueError, match="negative"):
        inequality.dagum_gini(df, "v", "g", by=None)
    ai = ai_index_provinces()
    with pytest.raises(ValueError, match=r"rows without a group.*540000"):
        inequality.dagum_gini(ai, "ai_index", geometry.regions("three_no_tibet"))


def test_theil_decomposition():
    rng = np.random.default_rng(5)
    v = rng.lognormal(0, 0.7, 300)
    g = rng.choice(["a", "b", "c"], 300)
    df = pd.DataFrame({"adcode": range(300), "v": v, "g": g})
    t = inequality.theil(df, "v", "g", by=None).table.iloc[0]
    r = v / v.mean()
    assert t["theil_t"] == pytest.approx(np.mean(r * np.log(r)), rel=1e-12)
    assert t["theil_l"] == pytest.approx(np.mean(-np.log(r)), rel=1e-12)
    assert t["within_t"] + t["between_t"] == pytest.approx(t["theil_t"], rel=1e-12)
    assert t["within_l"] + t["between_l"] == pytest.approx(t["theil_l"], rel=1e-12)
    z = inequality.theil(df.assign(v=np.r_[0.0, v[1:]]), "v", by=None).table.iloc[0]
    assert np.isfinite(z["theil_t"]) and np.isnan(z["theil_l"])


def test_cv():
    ai = ai_index_provinces()
    out = inequality.cv(ai, "ai_index")
    x = ai[ai.year == 2022]["ai_index"]
    assert out.set_index("year").loc[2022, "cv"] == pytest.approx(x.std(ddof=1) / x.mean())


def test_sigma_and_beta_cross_section():
    rng = np.random.default_rng(0)
    rows = []
    for i in range(60):
        y = np.exp(rng.normal(1, 0.5))
        for t in range(2000, 2011):
            rows.append((i, t, y))
            y *= np.exp(0.02 - 0.04 * np.log(y) + rng.normal(0, 0.01))
    df = pd.DataFrame(rows, columns=["adcode", "year", "y"])
    s = inequality.convergence(df, "y", kind="sigma")
    assert s.fit.params["year"] < 0 and s.fit.pvalues["year"] < 0.01
    b = inequality.convergence(df, "y", kind="beta")
    first = df[df.year == 2000].set_index("adcode")["y"]
    last = df[df.year == 2010].set_index("adcode")["y"]
    g = np.log(last / first) / 10
    X = np.column_stack([np.ones(60), np.log(first)])
    coef = np.linalg.lstsq(X, g.to_numpy(), rcond=None)[0]
    assert b.beta == pytest.approx(coef[1], rel=1e-10)
    assert b.speed == pytest.approx(-np.log(1 + 10 * coef[1]) / 10)
    assert b.half_life == pytest.approx(np.log(2) / b.speed)


def test_panel_beta_equals_lsdv_on_unbalanced_panel():
    """FWL: the two-way within estimate equals OLS with unit and year dummies (unbalanced panel)."""
    rng = np.random.default_rng(2)
    rows = [(i, t, np.exp(rng.normal(1 + 0.1 * i, 0.3)), rng.normal()) for i in range(15) for t in range(2000, 2012)
            if not (i % 4 == 0 and t in (2003, 2007))]
    df = pd.DataFrame(rows, columns=["adcode", "year", "y", "x"])
    r = inequality.convergence(df, "y", kind="beta", panel=True, controls=["x"], cov="classical")
    d = df.sort_values(["adcode", "year"])
    lag = d.assign(year=d.year + 1)
    m = d.merge(lag, on=["adcode", "year"], suffixes=("", "_lag"))
    dy = np.log(m.y) - np.log(m.y_lag)
    X = pd.concat([pd.DataFrame({"l": np.log(m.y_lag), "x": m.x_lag}),
                   pd.get_dummies(m.adcode, prefix="i", dtype=float),
                   pd.get_dummies(m.year, prefix="t", drop_first=True, dtype=float)], axis=1)
    coef, *_ = np.linalg.lstsq(X.to_numpy(), dy.to_numpy(), rcond=None)
    assert r.beta == pytest.approx(coef[0], rel=1e-8)
    assert r.fit.params["x_lag"] == pytest.approx(coef[1], rel=1e-8)
    resid = dy.to_numpy() - X.to_numpy() @ coef
    sigma2 = resid @ resid / (len(dy) - X.shape[1])
    cov = sigma2 * np.linalg.inv(X.to_numpy().T @ X.to_numpy())
    assert r.fit.std_errors["log_lag"] == pytest.approx(np.sqrt(cov[0, 0]), rel=1e-6)


def test_demean_twoways_balanced_closed_form():
    rng = np.random.default_rng(1)
    ids, times = np.repeat(np.arange(5), 4), np.tile(np.arange(4), 5)
    v = rng.normal(size=20)
    m = v.reshape(5, 4)
    expected = m - m.mean(axis=1, keepdims=True) - m.mean(axis=0, keepdims=True) + m.mean()
    assert np.allclose(demean_twoways(v, ids, times), expected.ravel())


def test_dagum_paper_table():
    r = inequality.dagum_gini(ai_index_provinces(), "ai_index", geometry.regions("three"))
    t = r.paper_table()
    assert list(t.columns) == ["年份", "总体基尼系数", "东部内", "中部内", "西部内", "东部-中部", "东部-西部",
                               "中部-西部", "区域内贡献率", "区域间贡献率", "超变密度贡献率"]
    assert np.allclose(t[["区域内贡献率", "区域间贡献率", "超变密度贡献率"]].sum(axis=1), 100.0)
    pw = r.pairwise[(r.pairwise.period == 2011)]
    east_west = pw[(pw.group_high == "东部") & (pw.group_low == "西部")]["gini"].iloc[0]
    assert t.loc[t["年份"] == 2011, "东部-西部"].iloc[0] == pytest.approx(east_west)
    assert list(r.paper_table(lang="en", percent=False).columns[:2]) == ["year", "overall"]

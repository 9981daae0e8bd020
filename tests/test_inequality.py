"""Dagum Gini (identity, O(n²) definition), Theil, CV, convergence."""

import numpy as np
import pandas as pd
import pytest

from spatialq import geometry, inequality
from spatialq._guards import InputError
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


# --- issue 14: degenerate inputs give an error that names the period, or the right number ----------------------


def _panel(n_units=20, years=range(2010, 2020), seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame([(f"{11 + i:02d}0000", y, float(np.exp(rng.normal(8, 0.5)))) for i in range(n_units)
                         for y in years], columns=["adcode", "year", "v"])


def test_tables_do_not_depend_on_row_order():
    """Groups in a plain text column (not categorical) are listed in sorted order, rows read in (id, year) order:
    every table is identical for shuffled input."""
    ai = ai_index_provinces()
    ai = ai.assign(belt=ai["adcode"].map(geometry.regions("three")).astype(str))
    shuffled = ai.sample(frac=1, random_state=3)
    a, b = inequality.dagum_gini(ai, "ai_index", "belt"), inequality.dagum_gini(shuffled, "ai_index", "belt")
    for name in ("table", "group_gini", "pairwise"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert list(dict.fromkeys(a.group_gini["group"])) == sorted({"东部", "中部", "西部"})
    ta, tb = inequality.theil(ai, "ai_index", "belt"), inequality.theil(shuffled, "ai_index", "belt")
    pd.testing.assert_frame_equal(ta.table, tb.table)
    pd.testing.assert_frame_equal(ta.groups, tb.groups)
    pd.testing.assert_frame_equal(inequality.cv(ai, "ai_index"), inequality.cv(shuffled, "ai_index"))


def test_scale_invariant_statistics_at_1e200():
    """Values around 1e200 overflow in sums of squares; Gini, Theil and CV are scale-invariant and are computed
    on rescaled values: the same numbers as at scale 1 (means reported in the variable's units)."""
    ai = ai_index_provinces()
    big = ai.assign(ai_index=ai["ai_index"] * 1e200)
    three = geometry.regions("three")
    a, b = inequality.dagum_gini(ai, "ai_index", three), inequality.dagum_gini(big, "ai_index", three)
    cols = ["gini", "within", "between", "transvariation"]
    assert np.allclose(b.table[cols], a.table[cols], rtol=1e-12)
    assert np.allclose(b.group_gini["mean"] / a.group_gini["mean"], 1e200, rtol=1e-12)
    assert np.allclose(b.pairwise["d"] / a.pairwise["d"], 1e200, rtol=1e-12)
    ta, tb = inequality.theil(ai, "ai_index", three).table, inequality.theil(big, "ai_index", three).table
    assert np.allclose(tb[["theil_t", "theil_l", "within_t"]], ta[["theil_t", "theil_l", "within_t"]], rtol=1e-12)
    ca, cb = inequality.cv(ai, "ai_index"), inequality.cv(big, "ai_index")
    assert np.allclose(cb["cv"], ca["cv"], rtol=1e-12) and np.allclose(cb["sd"] / ca["sd"], 1e200, rtol=1e-12)


def test_cv_of_a_mean_zero_variable_names_the_year():
    x = np.random.default_rng(1).normal(size=31)
    df = pd.DataFrame({"adcode": range(31), "year": 2015, "v": (x - x.mean()) * 1e15})
    with pytest.raises(ValueError, match=r"mean of 'v' is not positive in 2015 .*zero up to rounding"):
        inequality.cv(df, "v")
    with pytest.raises(ValueError, match="not positive in 2015"):
        inequality.cv(df.assign(v=-np.abs(df["v"])), "v")


@pytest.mark.parametrize("func", ["dagum", "theil", "cv"])
def test_one_region_in_a_year_is_refused_naming_it(func):
    df = _panel(5, [2010, 2011])
    df = df[~((df.year == 2011) & (df.adcode != "110000"))].assign(g=lambda d: np.where(d.adcode < "130000", "a", "b"))
    call = {"dagum": lambda: inequality.dagum_gini(df, "v", "g"), "theil": lambda: inequality.theil(df, "v", "g"),
            "cv": lambda: inequality.cv(df, "v")}[func]
    with pytest.raises(ValueError, match=r"needs at least 2 regions; there is 1 in 2011"):
        call()


def test_convergence_minimum_sizes():
    df = _panel()
    with pytest.raises(ValueError, match="start and a later end year; the data in 2015 have only that year"):
        inequality.convergence(df[df.year == 2015], "v", kind="beta")
    two = df[df.adcode.isin(["110000", "120000"])]
    with pytest.raises(ValueError, match=r"panel β-convergence needs at least 3 regions .*there are 2"):
        inequality.convergence(two, "v", kind="beta", panel=True)
    with pytest.raises(ValueError, match=r"needs at least 3 regions observed in both 2010 and 2019; there are 2"):
        inequality.convergence(two, "v", kind="beta")
    with pytest.raises(ValueError, match=r"needs at least 3 consecutive years; there are 2"):
        inequality.convergence(df[df.year <= 2011], "v", kind="beta", panel=True)
    with pytest.raises(ValueError, match=r"σ-convergence needs at least 3 years; there are 2"):
        inequality.convergence(df[df.year <= 2011], "v")
    with pytest.raises(ValueError, match=r"σ-convergence needs at least 2 regions; there is 1 in 2012"):
        inequality.convergence(df[(df.year != 2012) | (df.adcode == "110000")], "v")


def test_convergence_refuses_perfect_fits():
    """Every region grows by the same rate: the growth is constant and its standard errors would be 0; a growth
    that is an exact function of the initial level is a perfect fit."""
    base = _panel(10, [2000])
    same = pd.concat([base, base.assign(year=2010, v=base["v"] * 1.5)])
    with pytest.raises(ValueError, match="growth from 2000 to 2010 is the same for every observation"):
        inequality.convergence(same, "v", kind="beta")
    exact = pd.concat([base, base.assign(year=2010, v=np.exp(0.5 + 0.7 * np.log(base["v"])))])
    with pytest.raises(ValueError, match="perfect or degenerate fit"):
        inequality.convergence(exact, "v", kind="beta")


def test_panel_beta_convergence_with_equal_growth_says_so():
    """Every region's log level moving by the same amount each year: the error said the internal regressor
    'log_lag' was all zero."""
    years = range(2010, 2020)
    rows = [(f"{110000 + 10000 * i:06d}", t, (1.0 + i) * np.exp(0.05 * (t - 2010) + 0.01 * (t % 3)))
            for i in range(12) for t in years]
    df = pd.DataFrame(rows, columns=["adcode", "year", "y"])
    with pytest.raises(InputError, match=r"panel β-convergence of 'y': the lagged log level does not vary"):
        inequality.convergence(df, "y", kind="beta", panel=True)

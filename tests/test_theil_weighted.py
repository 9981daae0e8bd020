"""Population-weighted Theil T and L (``theil(weight=)``): brute-force loops, a hand-computed example,
the exact within/between split, the unweighted case as a constant weight, row order, guards."""

import math

import numpy as np
import pandas as pd
import pytest

from spatialq import inequality
from spatialq._guards import InputError


def brute(v, w, g):
    """Definition by explicit loops: s_i = v_i w_i / Σ v w, p_i = w_i / Σ w."""
    n = len(v)
    tot_y = sum(v[i] * w[i] for i in range(n))
    tot_w = sum(w[i] for i in range(n))
    t = lt = 0.0
    for i in range(n):
        s, p = v[i] * w[i] / tot_y, w[i] / tot_w
        t += s * math.log(s / p) if s > 0 else 0.0
        lt += p * math.log(p / s)
    within_t = between_t = within_l = between_l = 0.0
    for grp in sorted(set(g)):
        idx = [i for i in range(n) if g[i] == grp]
        sy = sum(v[i] * w[i] for i in idx)
        sw = sum(w[i] for i in idx)
        big_s, big_p = sy / tot_y, sw / tot_w
        tg = lg = 0.0
        for i in idx:
            s, p = v[i] * w[i] / sy, w[i] / sw
            tg += s * math.log(s / p)
            lg += p * math.log(p / s)
        within_t += big_s * tg
        between_t += big_s * math.log(big_s / big_p)
        within_l += big_p * lg
        between_l += big_p * math.log(big_p / big_s)
    return dict(theil_t=t, theil_l=lt, within_t=within_t, between_t=between_t, within_l=within_l,
                between_l=between_l)


def panel(seed=0, n=40, years=(2015, 2016, 2017)):
    rng = np.random.default_rng(seed)
    rows = []
    for y in years:
        rows.append(pd.DataFrame({"adcode": np.arange(n), "year": y, "gdppc": rng.lognormal(10, 0.6, n),
                                  "pop": rng.lognormal(8, 1.0, n), "g": rng.choice(["east", "mid", "west"], n)}))
    return pd.concat(rows, ignore_index=True)


def test_weighted_equals_bruteforce_loops():
    df = panel()
    r = inequality.theil(df, "gdppc", "g", weight="pop")
    assert len(r.table) == 3
    for row in r.table.itertuples():
        part = df[df["year"] == row.period].sort_values("adcode")
        b = brute(part["gdppc"].tolist(), part["pop"].tolist(), part["g"].tolist())
        for key, val in b.items():
            assert getattr(row, key) == pytest.approx(val, abs=1e-12, rel=1e-12), key
        # the split is exact
        assert abs(row.within_t + row.between_t - row.theil_t) < 1e-13
        assert abs(row.within_l + row.between_l - row.theil_l) < 1e-13
        assert row.within_share_t + row.between_share_t == pytest.approx(1.0, abs=1e-13)
    g = r.groups
    for _, part in g.groupby("period"):
        assert part["income_share"].sum() == pytest.approx(1.0, abs=1e-13)
        assert part["population_share"].sum() == pytest.approx(1.0, abs=1e-13)


def test_hand_computed_four_regions():
    # per-capita 1, 2, 3, 4; population 4, 3, 2, 1 → aggregates 4, 6, 6, 4 (s = .2 .3 .3 .2; p = .4 .3 .2 .1)
    df = pd.DataFrame({"adcode": [1, 2, 3, 4], "v": [1.0, 2, 3, 4], "pop": [4.0, 3, 2, 1], "g": list("AABB")})
    r = inequality.theil(df, "v", "g", weight="pop", by=None)
    row = r.table.iloc[0]
    assert row["theil_t"] == pytest.approx(0.3 * math.log(1.5), abs=1e-15)  # 0.121639532...
    assert row["theil_l"] == pytest.approx(0.3 * math.log(2) + 0.2 * math.log(2 / 3), abs=1e-15)  # 0.126851...
    # groups: S_A = S_B = .5, P_A = .7, P_B = .3
    assert row["between_t"] == pytest.approx(0.5 * math.log(25 / 21), abs=1e-15)
    t_a = 0.4 * math.log(0.7) + 0.6 * math.log(1.4)
    t_b = 0.6 * math.log(0.9) + 0.4 * math.log(1.2)
    assert row["within_t"] == pytest.approx(0.5 * t_a + 0.5 * t_b, abs=1e-15)
    assert row["between_l"] == pytest.approx(0.7 * math.log(0.7 / 0.5) + 0.3 * math.log(0.3 / 0.5), abs=1e-15)
    grp = r.groups.set_index("group")
    assert grp.loc["A", "mean"] == pytest.approx(10 / 7)  # weighted mean: GDP 10 over population 7
    assert grp.loc["B", "income_share"] == pytest.approx(0.5)
    assert grp.loc["B", "population_share"] == pytest.approx(0.3)


@pytest.mark.parametrize("const", [1.0, 7.5, 1e6])
def test_constant_weight_is_unweighted(const):
    df = panel(seed=1).assign(one=const)
    a = inequality.theil(df, "gdppc", "g").to_frame()
    b = inequality.theil(df, "gdppc", "g", weight="one").to_frame()
    cols = ["theil_t", "within_t", "between_t", "theil_l", "within_l", "between_l"]
    np.testing.assert_allclose(b[cols].to_numpy(), a[cols].to_numpy(), rtol=1e-12, atol=1e-14)
    ga, gb = inequality.theil(df, "gdppc", "g").groups, inequality.theil(df, "gdppc", "g", weight="one").groups
    np.testing.assert_allclose(gb[["theil_t", "theil_l", "income_share", "population_share", "mean"]].to_numpy(),
                               ga[["theil_t", "theil_l", "income_share", "population_share", "mean"]].to_numpy(),
                               rtol=1e-12)


def test_weight_matters_and_scale_invariant():
    df = panel(seed=2)
    a = inequality.theil(df, "gdppc", weight="pop").to_frame()
    u = inequality.theil(df, "gdppc").to_frame()
    assert np.all(np.abs(a["theil_t"] - u["theil_t"]) > 1e-4)
    b = inequality.theil(df.assign(pop=df["pop"] * 1e-3, gdppc=df["gdppc"] * 1e5), "gdppc", weight="pop").to_frame()
    np.testing.assert_allclose(b["theil_t"], a["theil_t"], rtol=1e-12)


def test_row_order_does_not_matter():
    df = panel(seed=3)
    a = inequality.theil(df, "gdppc", "g", weight="pop")
    shuffled = df.sample(frac=1, random_state=5).reset_index(drop=True)
    b = inequality.theil(shuffled, "gdppc", "g", weight="pop")
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame(), rtol=1e-14)
    pd.testing.assert_frame_equal(a.groups, b.groups, rtol=1e-14)


def test_zero_value_allowed_in_t_not_l():
    df = pd.DataFrame({"adcode": [1, 2, 3], "v": [0.0, 2, 3], "pop": [1.0, 2, 3]})
    row = inequality.theil(df, "v", weight="pop", by=None).table.iloc[0]
    b = brute([1e-300, 2, 3], [1.0, 2, 3], ["a"] * 3)
    assert row["theil_t"] == pytest.approx(b["theil_t"], abs=1e-12)
    assert np.isnan(row["theil_l"])


@pytest.mark.parametrize("bad", [0.0, -3.0])
def test_non_positive_weight_names_unit_and_year(bad):
    df = panel(seed=4)
    df.loc[(df["adcode"] == 7) & (df["year"] == 2016), "pop"] = bad
    with pytest.raises(InputError, match=r"'pop'.*\(7, 2016\)"):
        inequality.theil(df, "gdppc", "g", weight="pop")


def test_missing_weight_column_or_value():
    df = panel(seed=5)
    with pytest.raises(KeyError, match="popx"):
        inequality.theil(df, "gdppc", weight="popx")
    df.loc[3, "pop"] = np.nan
    with pytest.raises(InputError, match=r"'pop'.*missing"):
        inequality.theil(df, "gdppc", weight="pop")


def test_repeated_index_labels():
    """Frames stacked with pd.concat (index 0..n−1 repeated per year) give the same result as a fresh index."""
    df = panel(seed=6)
    stacked = pd.concat([part.reset_index(drop=True) for _, part in df.groupby("year")])
    assert stacked.index.has_duplicates
    a = inequality.theil(df, "gdppc", "g", weight="pop")
    b = inequality.theil(stacked, "gdppc", "g", weight="pop")
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    pd.testing.assert_frame_equal(a.groups, b.groups)

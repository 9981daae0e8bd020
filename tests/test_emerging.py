"""Emerging hot spot analysis: every one of the 17 categories reached by a constructed z series (the rules of
docs/emerging.md, written from the ArcGIS Pro documentation), Mann–Kendall equal to scipy's Kendall τ with the
tie correction, the space-time Gi* equal to its brute-force definition, and an end-to-end constructed cube."""

import numpy as np
import pandas as pd
import pytest
from libpysal.weights import lat2W
from scipy import stats

from spatialq import hotspot
from spatialq._guards import InputError
from spatialq.hotspot.emerging import CATEGORIES, CATEGORY_EN, CATEGORY_ZH, emerging_category, mann_kendall

S, N = 3.0, 0.2  # a significant and a non-significant |z|


def _case(z):
    z = np.asarray(z, dtype=float)
    return z, np.abs(z) >= S


CASES = {
    # only the final period is significant (hot), never before
    "new_hot": [N] * 9 + [S],
    # a final run of ≥ 2 hot periods, nothing significant before, < 90 % hot
    "consecutive_hot": [N, -N] * 3 + [N, S, S, S],
    # hot in ≥ 90 % of periods incl. the last, z rising significantly
    "intensifying_hot": [3 + 0.3 * t for t in range(10)],
    # hot in ≥ 90 %, no significant trend
    "persistent_hot": [3.5, 4.0] * 5,
    # hot in ≥ 90 %, z falling significantly
    "diminishing_hot": [6 - 0.3 * t for t in range(10)],
    # hot now, on and off before, never cold, < 90 % hot
    "sporadic_hot": [S, N, S, N, N, S, N, N, N, S],
    # hot now, cold at some earlier period, < 90 % hot
    "oscillating_hot": [-S, N, N, S, N, N, S, N, N, S],
    # not hot now, hot in ≥ 90 % of the periods
    "historical_hot": [S] * 9 + [N],
    "no_pattern": [N, -N] * 5,
}
for _hot in [c for c in list(CASES) if c.endswith("_hot")]:
    CASES[_hot.replace("_hot", "_cold")] = [-v for v in CASES[_hot]]


def test_every_category_has_a_case():
    assert set(CASES) == set(CATEGORIES) and len(CATEGORIES) == 17


@pytest.mark.parametrize("category", CATEGORIES)
def test_each_category_reached_by_a_constructed_series(category):
    z, sig = _case(CASES[category])
    assert emerging_category(z, sig) == category


def test_rule_boundaries():
    # 8 of 10 hot periods incl. the last, with a gap: below the 90 % rule → sporadic, not persistent
    z, sig = _case([S, S, S, N, S, S, S, N, S, S])
    assert emerging_category(z, sig) == "sporadic_hot"
    # 9 of 10 hot incl. the last → the 90 % rule applies (persistent: alternating levels, no trend)
    z, sig = _case([3.5, 4.0, N, 4.0, 3.5, 4.0, 3.5, 4.0, 3.5, 4.0])
    assert emerging_category(z, sig) == "persistent_hot"
    # a final run of one after earlier hot spots → sporadic, not consecutive
    z, sig = _case([S, S, N, N, N, N, N, N, N, S])
    assert emerging_category(z, sig) == "sporadic_hot"
    # a single earlier cold period and a new hot one → oscillating, not new
    z, sig = _case([-S] + [N] * 8 + [S])
    assert emerging_category(z, sig) == "oscillating_hot"
    # a consecutive run preceded by a cold period → oscillating
    z, sig = _case([-S] + [N] * 6 + [S, S, S])
    assert emerging_category(z, sig) == "oscillating_hot"
    # historical hot but cold now → oscillating cold (the final period's side comes first)
    z, sig = _case([S] * 9 + [-S])
    assert emerging_category(z, sig) == "oscillating_cold"
    # with fewer than 10 periods the 90 % rule means every period
    z, sig = _case([S] * 7 + [N])
    assert emerging_category(z, sig) == "no_pattern"
    # significance, not the sign of z alone, makes a hot bin
    z = np.array(CASES["historical_hot"])
    assert emerging_category(z, np.zeros(10, bool)) == "no_pattern"
    with pytest.raises(InputError):
        emerging_category(z, np.zeros(9, bool))


@pytest.mark.parametrize("x", [
    [1.0, 3.0, 2.0, 5.0, 4.0, 6.0, 8.0, 7.0],
    [2.0, 2.0, 1.0, 3.0, 3.0, 3.0, 0.5, 4.0, 4.0, 1.0, 5.0],  # ties
    [5.0, 4.0, 4.0, 3.0, 1.0, 1.0, 0.0],
])
def test_mann_kendall_equals_scipy_kendall_tau(x):
    mk = mann_kendall(x)
    ref = stats.kendalltau(np.arange(len(x)), x, method="asymptotic")
    assert mk["tau"] == pytest.approx(ref.statistic, abs=1e-12)
    assert mk["p"] == pytest.approx(ref.pvalue, abs=1e-12)
    s = sum(np.sign(x[b] - x[a]) for a in range(len(x)) for b in range(a + 1, len(x)))
    assert mk["S"] == s
    assert mann_kendall([2.0] * 6) == dict(S=0.0, var=0.0, z=0.0, p=1.0, tau=0.0)


def _cube(T=10, side=5, seed=0):
    rng = np.random.default_rng(seed)
    w = lat2W(side, side, rook=False)
    ids = list(w.id_order)
    rows = []
    for t in range(T):
        v = rng.normal(10, 1, side * side)
        rows += [dict(adcode=i, year=2010 + t, v=v[k]) for k, i in enumerate(ids)]
    return pd.DataFrame(rows), w


def test_space_time_gi_equals_brute_force():
    df, w = _cube(T=5, side=4)
    r = hotspot.emerging_hotspots(df, "v", w, time_step=1, fdr_correction=False)
    b = r.bins
    ids = list(w.id_order)
    x = {(row.adcode, row.year): row.v for row in df.itertuples()}
    allx = np.array(list(x.values()))
    n_all, xbar, s = len(allx), allx.mean(), allx.std()
    for row in b.sample(12, random_state=1).itertuples():
        i, t = row.adcode, row.year
        nbrs = [i, *w.neighbors[i]]
        bins = [(j, u) for j in nbrs for u in (t - 1, t) if u >= 2010]
        vals = np.array([x[k] for k in bins])
        k = len(bins)
        zb = (vals.sum() - xbar * k) / (s * np.sqrt((n_all * k - k * k) / (n_all - 1)))
        assert row.z == pytest.approx(zb, abs=1e-10)
    assert set(b.columns) >= {"adcode", "year", "z", "p", "significant", "hot_cold"}
    assert len(ids) * 5 == len(b)


def test_end_to_end_constructed_cube():
    df, w = _cube(T=10, side=7, seed=2)
    ids = list(w.id_order)
    # a block that turns very high in the last two years (consecutive hot), one always high (persistent)
    # and one high in all but the last year (historical)
    late = {ids[k] for k in (0, 1, 7, 8)}
    always = {ids[k] for k in (40, 41, 47, 48)}
    past = {ids[k] for k in (4, 5, 11, 12)}
    df = df.copy()
    df.loc[df.adcode.isin(late) & (df.year >= 2018), "v"] += 12
    df.loc[df.adcode.isin(always), "v"] += 12
    df.loc[df.adcode.isin(past) & (df.year <= 2018), "v"] += 12
    before = df.copy()
    r = hotspot.emerging_hotspots(df, "v", w, time_step=0)
    pd.testing.assert_frame_equal(df, before)  # the input is not modified
    cat = r.to_frame().set_index("adcode")["category"]
    assert (cat.loc[ids[0]], cat.loc[ids[48]], cat.loc[ids[5]]) == ("consecutive_hot", "persistent_hot",
                                                                     "historical_hot")
    assert cat.loc[ids[24]] == "no_pattern"  # the centre, far from every block
    # per-unit table follows the bins
    t = r.to_frame().set_index("adcode")
    hot = r.bins[r.bins.hot_cold == 1].groupby("adcode").size()
    assert (t.loc[hot.index, "n_hot"] == hot).all()
    assert (t["category_zh"] == t["category"].map(CATEGORY_ZH)).all()
    # significance: Benjamini–Hochberg over every bin of the cube (default), or plain p ≤ alpha
    from spatialq.hotspot._perm import fdr

    p = r.bins["p"].to_numpy()
    assert np.array_equal(r.bins["significant"], fdr(p, 0.05))
    plain = hotspot.emerging_hotspots(df, "v", w, time_step=0, fdr_correction=False)
    assert np.array_equal(plain.bins["significant"], p <= 0.05)
    assert plain.bins["significant"].sum() > r.bins["significant"].sum()
    # row order does not matter
    r2 = hotspot.emerging_hotspots(df.sample(frac=1, random_state=3), "v", w, time_step=0)
    pd.testing.assert_frame_equal(r.to_frame(), r2.to_frame())
    assert "Consecutive Hot Spot" in r.summary()


def test_errors():
    df, w = _cube(T=5, side=3)
    with pytest.raises(InputError, match="every unit in every period"):
        hotspot.emerging_hotspots(df.iloc[1:], "v", w)
    with pytest.raises(InputError, match="at least 4 periods"):
        hotspot.emerging_hotspots(df[df.year < 2013], "v", w)
    with pytest.raises(InputError, match="time_step"):
        hotspot.emerging_hotspots(df, "v", w, time_step=5)
    with pytest.raises(InputError, match="time_step"):
        hotspot.emerging_hotspots(df, "v", w, time_step=-1)
    with pytest.raises(InputError, match="alpha"):
        hotspot.emerging_hotspots(df, "v", w, alpha=0)
    with pytest.raises(InputError, match="constant"):
        hotspot.emerging_hotspots(df.assign(v=1.0), "v", w)
    with pytest.raises(InputError, match="bare sparse matrix"):
        hotspot.emerging_hotspots(df, "v", w.sparse)


def test_plots():
    import matplotlib

    matplotlib.use("Agg")
    from spatialq import geometry, weights

    gdf = geometry.provinces()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wp = weights.contiguity(gdf)
    rng = np.random.default_rng(1)
    df = pd.DataFrame([dict(adcode=a, year=y, v=rng.normal() + (3 if a.startswith("3") else 0))
                       for a in gdf.index for y in range(2010, 2020)])
    r = hotspot.emerging_hotspots(df, "v", wp)
    ax = r.plot()
    assert ax.get_xlabel() == "单元数"
    ax = r.plot(gdf=gdf, lang="en")
    assert ax is not None
    assert set(r.to_frame()["category_en"]) <= set(CATEGORY_EN.values())


def test_result_convention_and_other_column_names():
    import dataclasses

    df, w = _cube(T=5, side=3)
    r = hotspot.emerging_hotspots(df.rename(columns={"adcode": "cell", "year": "t"}), "v", w, id="cell", time="t")
    assert repr(r) == r.summary() and r.meta.method == "spatialq.hotspot.emerging_hotspots"
    assert "<div>" in r._repr_html_()
    f = r.to_frame()
    assert f.columns[0] == "cell" and list(r.bins.columns[:2]) == ["cell", "t"]
    del f["category"]
    assert "category" in r.to_frame().columns
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.table = None
    base = hotspot.emerging_hotspots(df, "v", w)
    assert list(base.to_frame()["category"]) == list(r.to_frame()["category"])

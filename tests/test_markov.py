"""Markov chains: giddy 2.3 on us_income (classic, spatial, LISA), identities, hand example, edge cases."""

import warnings

import libpysal
import mapclassify as mc
import numpy as np
import pandas as pd
import pytest
from giddy.ergodic import mfpt, steady_state
from giddy.markov import LISA_Markov, Markov, Spatial_Markov

from spatialq import index, markov, weights


@pytest.fixture(scope="module")
def us():
    f = libpysal.io.open(libpysal.examples.get_path("usjoin.csv"))
    years = list(range(1929, 2010))
    pci = np.array([f.by_col[str(y)] for y in years]).transpose()
    rpci = pci / pci.mean(axis=0)
    w = libpysal.io.open(libpysal.examples.get_path("states48.gal")).read()  # ids "0".."47" = usjoin rows
    df = pd.DataFrame({"adcode": np.repeat([str(i) for i in range(48)], len(years)), "year": np.tile(years, 48),
                       "rpci": rpci.ravel()})
    wr = libpysal.weights.W(w.neighbors, w.weights, id_order=w.id_order)
    wr.transform = "r"  # giddy mutates the W it is given; we hand it its own copy
    return df, w, wr, rpci, pci.shape


def test_classic_equals_giddy(us):
    df, _, _, rpci, shape = us
    r = markov.markov(df, "rpci")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = Markov(mc.Quantiles(rpci.flatten()).yb.reshape(shape), summary=False)
    assert np.array_equal(r.counts, g.transitions)
    assert np.allclose(r.probabilities, g.p, atol=1e-14)
    assert np.allclose(r.steady_state, steady_state(g.p), atol=1e-12)
    assert np.allclose(r.mfpt, mfpt(g.p), rtol=1e-10)
    assert r.counts.sum() == 48 * 80
    t = r.paper_table()
    assert list(t.columns) == ["n", "低", "中低", "中等", "中高", "高"] and t["n"].sum() == 3840


@pytest.mark.parametrize("k,m", [(5, 5), (5, 3), (4, 6)])
def test_spatial_equals_giddy(us, k, m):
    df, w, wr, rpci, _ = us
    before = dict(w.weights)
    r = markov.spatial_markov(df, "rpci", w, classes=k, lag_classes=m)
    assert dict(w.weights) == before  # our input is not modified
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = Spatial_Markov(rpci, wr, fixed=True, k=k, m=m)
    assert r.counts.shape == (m, k, k)
    assert np.array_equal(r.counts, g.T)
    assert np.allclose(np.nan_to_num(r.probabilities), g.P, atol=1e-14)
    assert np.array_equal(r.classic_counts, g.transitions)
    h = r.homogeneity_test
    assert h["Q"] == pytest.approx(g.Q, rel=1e-12) and h["LR"] == pytest.approx(g.LR, rel=1e-12)
    assert h["dof"] == g.dof_hom
    # χ²: each lag class against the pooled chain, df summed (giddy's k(k−1)² is right only for k = m)
    chi = r.chi2.set_index("lag_class")
    assert chi.loc["total", "chi2"] == pytest.approx(g.x2, rel=1e-10)
    # df: per lag class, Σ over its observed rows of (cells with positive pooled probability − 1);
    # giddy uses k(k−1)² whatever the zeros (and whatever m)
    pooled = r.classic_probabilities
    dof = sum(int((pooled[i] > 0).sum()) - 1 for g in range(m) for i in range(k) if r.counts[g, i].sum() > 0)
    assert chi.loc["total", "dof"] == dof


def test_lisa_markov_equals_giddy_transitions(us):
    df, w, wr, rpci, _ = us
    r = markov.lisa_markov(df, "rpci", w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = LISA_Markov(rpci, wr)
    assert np.array_equal(r.counts, g.transitions)
    # the χ² by its definition (own and neighbours' above/below-mean chains independent), brute force
    d = df.sort_values(["adcode", "year"])
    exp = np.zeros((4, 4))
    below, lag_below = {}, {}
    for y, part in d.groupby("year"):
        m = weights.standardize(w, "r")
        x = part.set_index("adcode")["rpci"]
        lag = pd.Series({i: sum(wt * x[j] for j, wt in zip(m.neighbors[i], m.weights[i])) for i in x.index})
        for i in x.index:
            below[(i, y)] = int(x[i] < x.mean())
            lag_below[(i, y)] = int(lag[i] < x.mean())
    py, pl = np.zeros((2, 2)), np.zeros((2, 2))
    for (i, y), b in below.items():
        if (i, y + 1) in below:
            py[b, below[(i, y + 1)]] += 1
            pl[lag_below[(i, y)], lag_below[(i, y + 1)]] += 1
    py, pl = py / py.sum(axis=1, keepdims=True), pl / pl.sum(axis=1, keepdims=True)
    code = {(0, 0): 0, (1, 0): 1, (1, 1): 2, (0, 1): 3}  # (own below, lag below) -> HH, LH, LL, HL
    for a in code:
        for c in code:
            exp[code[a], code[c]] = py[a[0], c[0]] * pl[a[1], c[1]]
    e = r.counts.sum(axis=1)[:, None] * exp
    chi = ((r.counts - e) ** 2 / e).sum()
    assert r.chi2["chi2"] == pytest.approx(chi, rel=1e-10) and r.chi2["dof"] == 9


def test_spatial_counts_sum_to_classic_random():
    rng = np.random.default_rng(3)
    n, t = 40, 12
    ids = [f"u{i:02d}" for i in range(n)]
    xy = rng.uniform(0, 100, (n, 2))
    w = libpysal.weights.KNN.from_array(xy, k=4, ids=ids)
    df = pd.DataFrame({"adcode": np.repeat(ids, t), "year": np.tile(range(2000, 2000 + t), n),
                       "v": rng.lognormal(size=n * t)})
    s = markov.spatial_markov(df, "v", w, classes=4, lag_classes=3)
    c = markov.markov(df, "v", classes=4)
    assert np.array_equal(s.counts.sum(axis=0), c.counts)
    assert s.to_frame()["count"].sum() == n * (t - 1)
    shuffled = markov.spatial_markov(df.sample(frac=1, random_state=1), "v", w, classes=4, lag_classes=3)
    assert np.array_equal(shuffled.counts, s.counts)


def test_hand_worked_three_regions():
    # a — b — c on a line; cut points 1.5 and 2.5 give classes 1/2/3 for values 1/2/3
    w = libpysal.weights.W({"a": ["b"], "b": ["a", "c"], "c": ["b"]}, id_order=["a", "b", "c"])
    df = pd.DataFrame({"adcode": list("abc") * 3, "year": [1, 1, 1, 2, 2, 2, 3, 3, 3],
                       "v": [1, 2, 3, 2, 2, 3, 3, 1, 3]})
    r = markov.markov(df, "v", cutpoints=[1.5, 2.5], labels=["L", "M", "H"])
    # a: 1→2→3, b: 2→2→1, c: 3→3→3
    expected = np.array([[0, 1, 0], [1, 1, 1], [0, 0, 2]])
    assert np.array_equal(r.counts, expected)
    assert np.allclose(r.probabilities[1], [1 / 3, 1 / 3, 1 / 3])
    assert r.sojourn[2] == np.inf  # H is absorbing and reachable from L and M: π = (0, 0, 1) is unique
    assert np.allclose(r.steady_state, [0, 0, 1]) and r.steady_note == ""
    s = markov.spatial_markov(df, "v", w, cutpoints=[1.5, 2.5], lag_cutpoints=[1.5, 2.5], labels=["L", "M", "H"])
    # lags (row-standardised): year 1: a 2, b 2, c 2 -> all M; year 2: a 2, b 2.5, c 2 -> M, M, M
    assert np.array_equal(s.counts[1], expected) and s.counts[0].sum() == 0 and s.counts[2].sum() == 0
    assert np.isnan(s.probabilities[0]).all()


def test_steady_state_of_absorbing_chain_is_explained():
    w_df = pd.DataFrame({"adcode": ["a", "a", "b", "b"], "year": [1, 2, 1, 2], "v": [1.0, 3.0, 3.0, 3.0]})
    r = markov.markov(w_df, "v", cutpoints=[2.0])
    assert np.allclose(r.steady_state, [0, 1]) and r.steady_note == ""


def test_edge_cases_empty_single_categorical():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"adcode": np.repeat(list("abcdef"), 4), "year": np.tile([1, 2, 3, 4], 6),
                       "v": rng.uniform(0, 10, 24)})
    empty = markov.markov(df, "v", cutpoints=[20.0, 30.0])  # classes 2 and 3 never occur
    assert np.isnan(empty.probabilities[1:]).all() and empty.counts[0].sum() == 18
    import matplotlib.pyplot as plt

    ax = empty.plot()
    assert ax is not None
    plt.close("all")
    assert "n" in empty.paper_table().columns
    one = markov.markov(df, "v", classes=1)
    assert one.counts.shape == (1, 1) and one.probabilities[0, 0] == 1.0
    with pytest.raises(ValueError, match="not distinct"):
        markov.markov(df.assign(v=1.0), "v", classes=5)
    # Tapio groups as categorical states
    df2 = df.assign(c=rng.uniform(1, 5, 24), g=rng.uniform(1, 5, 24))
    tp = index.tapio(df2, "c", "g").to_frame().dropna(subset=["group_zh"])
    states = ["脱钩", "连结", "负脱钩"]
    r = markov.markov(tp, "group_zh", states=states)
    assert r.labels == tuple(states) and r.counts.sum() == len(tp) - tp["adcode"].nunique()
    with pytest.raises(ValueError, match="not in states"):
        markov.markov(tp, "group_zh", states=["脱钩", "连结"])
    w = libpysal.weights.W({i: [j for j in "abcdef" if j != i][:2] for i in "abcdef"}, id_order=list("abcdef"))
    s = markov.spatial_markov(tp, "group_zh", w, states=states)
    assert s.counts.shape == (3, 3, 3) and np.array_equal(s.counts.sum(axis=0), r.counts)


def test_spatial_markov_requires_neighbours(provinces):
    ids = list(provinces.index)
    df = pd.DataFrame({"adcode": np.repeat(ids, 3), "year": np.tile([1, 2, 3], 31),
                       "v": np.random.default_rng(0).normal(size=93)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w_drop = weights.contiguity(provinces, islands="drop")
        w_ok = weights.contiguity(provinces)
    with pytest.raises(ValueError, match="460000"):
        markov.spatial_markov(df, "v", w_drop)
    r = markov.spatial_markov(df, "v", w_ok, classes=3)
    assert r.summary().startswith("Spatial Markov")
    assert r.paper_table().shape[0] == 9


# --- issue 14: periods in any form, clear errors, order ------------------------------------------------------


def _panel(n=10, years=(2011, 2012, 2013, 2014), seed=0):
    rng = np.random.default_rng(seed)
    ids = [f"{110000 + 10000 * i}" for i in range(n)]
    return pd.DataFrame({"adcode": np.repeat(ids, len(years)), "year": np.tile(years, n),
                         "v": rng.lognormal(size=n * len(years))})


@pytest.mark.parametrize("form", ["str", "nian", "datetime", "float", "multiindex"])
def test_years_in_any_form(form):
    """'2011' used to fail with "can only concatenate str", dates with "nothing to count"."""
    df = _panel()
    ref = markov.markov(df, "v", classes=3)
    other = {"str": lambda d: d.assign(year=d["year"].astype(str)),
             "nian": lambda d: d.assign(year=d["year"].astype(str) + "年"),
             "datetime": lambda d: d.assign(year=pd.to_datetime(d["year"].astype(str))),
             "float": lambda d: d.assign(year=d["year"].astype(float)),
             "multiindex": lambda d: d.set_index(["adcode", "year"])}[form](df)
    r = markov.markov(other, "v", classes=3)
    assert np.array_equal(r.counts, ref.counts) and r.periods == (2011, 2012, 2013)
    pd.testing.assert_frame_equal(r.classes, ref.classes)
    w = libpysal.weights.W({i: [j for j in df["adcode"].unique() if j != i][:3] for i in df["adcode"].unique()})
    assert np.array_equal(markov.spatial_markov(other, "v", w, classes=3).counts,
                          markov.spatial_markov(df, "v", w, classes=3).counts)
    assert np.array_equal(markov.lisa_markov(other, "v", w).counts, markov.lisa_markov(df, "v", w).counts)


def test_periods_that_are_not_numbers_and_bad_steps():
    from spatialq._guards import InputError

    df = _panel(years=("2011Q1", "2011Q2", "2011Q3", "2011Q4"))
    with pytest.raises(InputError, match=r"periods in 'year' must be years or whole numbers.*2011Q1"):
        markov.markov(df, "v", classes=3)
    with pytest.raises(InputError, match="step must be a positive whole number"):
        markov.markov(_panel(), "v", step=1.5)
    with pytest.raises(InputError, match=r"no \(adcode, year\) has a row 5 period\(s\) later.*2011"):
        markov.markov(_panel(), "v", step=5)


def test_classes_sorted_by_id_and_period_whatever_the_row_order():
    df = _panel(seed=2)
    a = markov.markov(df, "v", classes=3)
    b = markov.markov(df.sample(frac=1, random_state=4), "v", classes=3)
    pd.testing.assert_frame_equal(a.classes, b.classes)
    assert list(zip(a.classes["adcode"], a.classes["year"])) == sorted(zip(a.classes["adcode"], a.classes["year"]))
    w = libpysal.weights.W({i: [j for j in df["adcode"].unique() if j != i][:2] for i in df["adcode"].unique()})
    la = markov.lisa_markov(df, "v", w)
    lb = markov.lisa_markov(df.sample(frac=1, random_state=5), "v", w)
    pd.testing.assert_frame_equal(la.quadrants, lb.quadrants)


def test_lisa_markov_refuses_a_constant_period_and_negative_means_work():
    from spatialq._guards import InputError

    df = _panel(seed=3)
    w = libpysal.weights.W({i: [j for j in df["adcode"].unique() if j != i][:2] for i in df["adcode"].unique()})
    flat = df.copy()
    flat.loc[flat["year"] == 2013, "v"] = 2.0
    with pytest.raises(InputError, match="column 'v' is constant in 2013"):
        markov.lisa_markov(flat, "v", w)
    # below the mean is x < x̄: shifting every value down (a negative mean) changes nothing
    a = markov.lisa_markov(df, "v", w)
    b = markov.lisa_markov(df.assign(v=df["v"] - 100.0), "v", w)
    assert np.array_equal(a.counts, b.counts) and a.chi2 == pytest.approx(b.chi2)

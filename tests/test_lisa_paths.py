"""LISA time paths, transitions and rose: rose counts equal giddy 2.3's ``Rose`` (US state incomes bundled with
libpysal, raw and standardised), transition quadrants equal giddy's ``LISA_Markov`` and spatialq's
``lisa_markov``, path measures equal their definitions computed by hand."""

import numpy as np
import pandas as pd
import pytest
from giddy.directional import Rose
from giddy.markov import LISA_Markov
from libpysal import examples, io
from libpysal.weights import W

from spatialq import hotspot, markov
from spatialq._guards import InputError


@pytest.fixture(scope="module")
def states():
    lines = [line.strip().split(",") for line in open(examples.get_path("spi_download.csv"))]
    names = [line[2] for line in lines[1:-5]]
    data = np.array([list(map(int, line[3:])) for line in lines[1:-5]])
    out = {'"United States 3/"', '"Alaska 3/"', '"District of Columbia"', '"Hawaii 3/"', '"New England"',
           '"Mideast"', '"Great Lakes"', '"Plains"', '"Southeast"', '"Southwest"', '"Rocky Mountain"',
           '"Far West 3/"'}
    sids = [names.index(nm) for nm in names if nm not in out]
    rel = data[sids, :] / (data[0] * 1.0)
    w = io.open(examples.get_path("states48.gal")).read()
    w.transform = "r"
    years = np.arange(1969, 1969 + rel.shape[1])
    ids = list(w.id_order)
    df = pd.DataFrame([dict(adcode=ids[i], year=int(y), v=rel[i, t]) for i in range(len(ids))
                       for t, y in enumerate(years)])
    return rel, w, df


@pytest.mark.parametrize("k", [4, 8, 12])
def test_rose_counts_equal_giddy_raw(states, k):
    rel, w, df = states
    r = hotspot.lisa_paths(df, "v", w, k=k, standardize=False, permutations=0)
    g = Rose(rel[:, [0, -1]], w, k=k)
    # giddy's cuts np.arange(0, 2π + sw, sw) overshoot for some k (k = 12 gives 14 cuts): an extra, always
    # empty sector [2π, 2π + sw) is appended there; the k real sectors are equal
    assert list(r.rose["count"]) == list(g.counts[:k]) and g.counts[k:].sum() == 0
    p = r.to_frame().set_index("adcode").loc[list(w.id_order)]
    assert np.allclose(p["length"], g.r, atol=1e-12)
    assert np.allclose(np.radians(p["angle_deg"]), np.where(g.theta < 0, g.theta + 2 * np.pi, g.theta), atol=1e-12)


def test_rose_counts_equal_giddy_standardised_and_permutation(states):
    rel, w, df = states
    z = (rel - rel.mean(axis=0)) / rel.std(axis=0)
    r = hotspot.lisa_paths(df, "v", w, k=8, permutations=999, seed=0)
    g = Rose(z[:, [0, -1]], w, k=8)
    assert list(r.rose["count"]) == list(g.counts)
    np.random.seed(0)  # noqa: NPY002 (giddy draws from numpy's global generator)
    g.permute(permutations=999)
    # different random streams: expected counts agree within Monte Carlo error
    assert np.max(np.abs(r.rose["expected"].to_numpy() - g.expected_perm)) < 0.3
    # giddy's two-sided p doubles the one-sided tail we report (where the tail is the upper one)
    upper = g.larger_perm <= 500
    assert np.all(np.abs(np.minimum(1, 2 * r.rose["p_sim"].to_numpy()[upper]) - g.p[upper]) < 0.08)
    same = hotspot.lisa_paths(df.sample(frac=1, random_state=2), "v", w, k=8, permutations=999, seed=0)
    pd.testing.assert_frame_equal(r.rose, same.rose)
    pd.testing.assert_frame_equal(r.to_frame(), same.to_frame())


def test_transitions_equal_giddy_lisa_markov(states):
    rel, w, df = states
    before = df.copy()
    r = hotspot.lisa_paths(df, "v", w, permutations=0)
    pd.testing.assert_frame_equal(df, before)  # the input is not modified
    lm = LISA_Markov(rel, w)
    order = ["HH", "LH", "LL", "HL"]
    ct = pd.crosstab(r.transitions["from"], r.transitions["to"]).reindex(index=order, columns=order, fill_value=0)
    assert np.array_equal(ct.to_numpy(), lm.transitions)
    assert np.array_equal(ct.to_numpy(), markov.lisa_markov(df, "v", w).counts)
    # transition types from the two letters
    t = r.transitions
    own = t["from"].str[0] != t["to"].str[0]
    nb = t["from"].str[1] != t["to"].str[1]
    want = np.where(own & nb, "III", np.where(own, "I", np.where(nb, "II", "0")))
    assert np.array_equal(t["type"].to_numpy(), want)
    tab = r.transition_table()
    assert tab.iloc[-1]["n"] == len(t) and tab.iloc[-1]["cohesion"] == pytest.approx((t["type"] == "0").mean())
    assert tab.iloc[:-1]["n"].sum() == len(t)


def _tiny():
    ids = ["a", "b", "c", "d"]
    w = W({"a": ["b"], "b": ["a", "c"], "c": ["b", "d"], "d": ["c"]}, id_order=ids)
    vals = {"a": [1.0, 2.0, 1.5], "b": [2.0, 2.0, 3.0], "c": [3.0, 1.0, 2.0], "d": [5.0, 4.0, 5.0]}
    df = pd.DataFrame([dict(adcode=i, year=2000 + t, v=vals[i][t]) for i in ids for t in range(3)])
    return df, w


def test_path_measures_by_hand():
    df, w = _tiny()
    r = hotspot.lisa_paths(df, "v", w, permutations=0)
    m = np.array([[0, 1, 0, 0], [.5, 0, .5, 0], [0, .5, 0, .5], [0, 0, 1, 0]])
    y = df.pivot(index="adcode", columns="year", values="v").to_numpy()
    z = (y - y.mean(axis=0)) / y.std(axis=0)
    lag = m @ z
    pts = np.stack([z, lag], axis=2)  # unit, year, (x, y)
    d = np.array([sum(np.linalg.norm(pts[i, t + 1] - pts[i, t]) for t in range(2)) for i in range(4)])
    p = r.to_frame()
    assert np.allclose(p["path_length"], d, atol=1e-12)
    assert np.allclose(p["relative_length"], 4 * d / d.sum(), atol=1e-12)
    straight = np.linalg.norm(pts[:, 2] - pts[:, 0], axis=1)
    assert np.allclose(p["tortuosity"], d / straight, atol=1e-12)
    assert (p["tortuosity"] >= 1 - 1e-12).all()
    c = r.coords
    assert np.allclose(c["lag"], lag.ravel(), atol=1e-12)
    # direction quadrant from the signs of (dx, dy)
    dir_ = np.where(p.dx >= 0, np.where(p.dy >= 0, 1, 4), np.where(p.dy >= 0, 2, 3))
    assert np.array_equal(p["direction"], dir_)


def test_errors_and_plots():
    import matplotlib

    matplotlib.use("Agg")
    df, w = _tiny()
    with pytest.raises(InputError, match="every unit in every period"):
        hotspot.lisa_paths(df.iloc[1:], "v", w)
    with pytest.raises(InputError, match="at least 2 periods"):
        hotspot.lisa_paths(df[df.year == 2000], "v", w)
    with pytest.raises(InputError, match="k"):
        hotspot.lisa_paths(df, "v", w, k=1)
    with pytest.raises(InputError, match="bare sparse matrix"):
        hotspot.lisa_paths(df, "v", w.sparse)
    with pytest.raises(InputError, match="constant in 2001"):
        hotspot.lisa_paths(df.assign(v=np.where(df.year == 2001, 1.0, df.v)), "v", w)
    r = hotspot.lisa_paths(df, "v", w, permutations=19, seed=1)
    ax = r.plot()
    assert len(ax.patches) >= 1
    ax = r.plot(kind="paths", lang="en")
    assert len(ax.lines) >= 4
    with pytest.raises(InputError, match="kind"):
        r.plot(kind="map")
    assert "LISA time paths" in r.summary()


def test_result_convention_and_other_column_names():
    import dataclasses

    df, w = _tiny()
    r = hotspot.lisa_paths(df.rename(columns={"adcode": "state", "year": "t"}), "v", w, id="state", time="t",
                           permutations=9, seed=3)
    assert repr(r) == r.summary() and r.meta.method == "spatialq.hotspot.lisa_paths"
    assert "<div>" in r._repr_html_()
    f = r.to_frame()
    assert f.columns[0] == "state" and list(r.transitions.columns[:3]) == ["state", "from_t", "to_t"]
    assert list(r.coords.columns[:2]) == ["state", "t"]
    r.plot(kind="paths")
    del f["tortuosity"]
    assert "tortuosity" in r.to_frame().columns
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.rose = None
    base = hotspot.lisa_paths(df, "v", w, permutations=9, seed=3)
    pd.testing.assert_frame_equal(base.rose, r.rose)

"""spatialq.network: gravity networks, measures, CONCOR blocks, roles and core–periphery.

Oracles: R sna 2.7-1 and igraph 1.3.5 (tests/reference/network/measures.R → measures.json, versions.txt);
CONCOR written in R from Breiger, Boorman & Arabie (1975) on Padgett's Florentine families shipped with R's
``network`` package (concor.json, flo.csv); networkx 3 as an extra oracle; brute force and hand computations.
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spatialq import network
from spatialq._guards import InputError

M = sys.modules["spatialq.network.measures"]
REF = Path(__file__).parent / "reference" / "network"
NETS = ("bth13", "bth13_weak", "sparse15", "random30")


def _adj(name: str) -> np.ndarray:
    return np.loadtxt(REF / f"{name}.csv", delimiter=",")


@pytest.fixture(scope="module")
def reference():
    return json.loads((REF / "measures.json").read_text())


@pytest.mark.parametrize("name", NETS)
def test_measures_equal_sna_and_igraph(reference, name):
    """Every whole-network and node measure equals R sna / igraph (measures.R) to 1e-10."""
    a = _adj(name)
    whole, nodes = M.network_level(a), M.node_level(a)
    for key, value in reference[name].items():
        want = np.array([float(v) for v in np.atleast_1d(value)])
        got = np.atleast_1d(whole[key] if key in whole else nodes[key])
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-10, err_msg=f"{name}: {key}")


def test_bth_conventions_density_and_closeness():
    """The seed article's BTH conventions on a 13-unit network with 57 arcs: density 57/156, closeness 12/Σd."""
    a = _adj("bth13")
    net = network.from_edges(pd.DataFrame({"source": np.nonzero(a)[0], "target": np.nonzero(a)[1]}),
                             nodes=range(13))
    res = network.measures(net)
    assert res.network["edges"].iloc[0] == 57
    assert res.network["density"].iloc[0] == pytest.approx(57 / 156, abs=1e-15)
    assert round(res.network["density"].iloc[0], 2) == 0.37
    import networkx as nx

    g = nx.DiGraph(a)
    for i in range(13):
        total = sum(nx.single_source_shortest_path_length(g, i).values())
        assert res.nodes["closeness_out"].iloc[i] == pytest.approx(12 / total, abs=1e-14)


def test_betweenness_and_clustering_equal_networkx():
    import networkx as nx

    rng = np.random.default_rng(7)
    for n, p in ((9, 0.3), (25, 0.12), (40, 0.08)):
        a = (rng.random((n, n)) < p).astype(float)
        np.fill_diagonal(a, 0)
        g = nx.DiGraph(a)
        nodes = M.node_level(a)
        bc = nx.betweenness_centrality(g, normalized=False)
        np.testing.assert_allclose(nodes["betweenness"], [bc[i] for i in range(n)], atol=1e-10)
        if a.any():
            assert M.network_level(a)["average_clustering"] == pytest.approx(
                nx.average_clustering(g.to_undirected()), abs=1e-12)


def test_empty_network_is_an_error():
    with pytest.raises(InputError, match="no arcs in 2015"):
        M.network_level(np.zeros((4, 4)), period=2015)


# -- CONCOR -------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def concor_ref():
    return json.loads((REF / "concor.json").read_text())


def test_concor_padgett_equals_published_algorithm(concor_ref):
    """Padgett's Florentine marriages (R network::flo without Pucci): blocks at depths 1–3 equal concor.json."""
    flo = pd.read_csv(REF / "flo.csv", index_col=0)
    assert list(flo.index) == concor_ref["flo_families"]
    for depth in (1, 2, 3):
        np.testing.assert_array_equal(network.concor(flo.to_numpy(), depth=depth), concor_ref[f"flo_depth{depth}"])
    for name in ("bth13", "random30"):
        np.testing.assert_array_equal(network.concor(_adj(name), depth=2), concor_ref[f"{name}_depth2"])


def test_concor_brute_force_split_and_reproducible():
    """Brute force: the first split groups units whose iterated correlations are +1 with each other and −1
    across; the partition does not depend on the order of the units; repeated runs agree."""
    a = _adj("random30")
    labels = network.concor(a, depth=1)
    c = np.corrcoef(np.vstack([a, a.T]).T)
    for _ in range(200):
        c = np.corrcoef(c)
    same = labels[:, None] == labels[None, :]
    assert np.all(np.sign(c) == np.where(same, 1, -1))
    perm = np.random.default_rng(3).permutation(30)
    lab2 = network.concor(a[np.ix_(perm, perm)], depth=2)
    lab1 = network.concor(a, depth=2)
    pairs1 = lab1[:, None] == lab1[None, :]
    pairs2 = np.empty_like(pairs1)
    pairs2[np.ix_(perm, perm)] = lab2[:, None] == lab2[None, :]
    np.testing.assert_array_equal(pairs1, pairs2)
    np.testing.assert_array_equal(lab1, network.concor(a, depth=2))


def test_concor_isolate_is_named():
    a = _adj("sparse15")
    with pytest.raises(InputError, match=r"CONCOR: units \['u14'\]"):
        network.concor(a, ids=[f"u{i}" for i in range(15)])


def test_roles_by_hand():
    """Blocks {0,1,2} and {3,4,5}: counts, expected (g_k − 1)/(g − 1) = 2/5 and the role rule, by hand."""
    a = np.zeros((6, 6))
    for i, j in [(0, 1), (1, 0), (1, 2), (2, 0), (0, 3), (3, 4), (4, 5), (5, 3), (3, 0), (4, 1), (5, 2)]:
        a[i, j] = 1
    roles = sys.modules["spatialq.network.blocks"]._roles_table(a, np.array([1, 1, 1, 2, 2, 2]), None)
    r1, r2 = roles.iloc[0], roles.iloc[1]
    assert (r1.sent_internal, r1.sent_external, r1.received_external) == (4, 1, 3)
    assert (r2.sent_internal, r2.sent_external, r2.received_external) == (3, 3, 1)
    assert r1.expected_internal_ratio == pytest.approx(2 / 5)
    assert r1.actual_internal_ratio == pytest.approx(4 / 5) and r1.role == "net_beneficiary"
    assert r2.actual_internal_ratio == pytest.approx(3 / 6) and r2.role == "bidirectional"
    assert r2.role_zh == "双向溢出"


def test_blocks_result_tables():
    a = _adj("bth13")
    i, j = np.nonzero(a)
    net = network.from_edges(pd.DataFrame({"source": i, "target": j}), nodes=range(13))
    res = network.blocks(net, depth=2)
    counts = res.counts.to_numpy()
    assert counts.sum() == 57
    np.testing.assert_array_equal(res.roles["sent_internal"] + res.roles["sent_external"], counts.sum(axis=1))
    np.testing.assert_array_equal(res.roles["received_external"], counts.sum(axis=0) - np.diag(counts))
    assert res.threshold == pytest.approx(57 / 156)
    np.testing.assert_array_equal(res.image.to_numpy(), (res.density.to_numpy() >= 57 / 156).astype(int))
    assert set(res.to_frame().columns) >= {"adcode", "block", "role", "role_zh"}
    assert "CONCOR" in res.summary()
    table = res.paper_table()
    assert list(table.columns[:2]) == ["板块", "板块1"] and table.columns[-1] == "板块角色"
    np.testing.assert_array_equal(table.iloc[:, 1:1 + len(table)].to_numpy(), counts)
    assert res.paper_table("en").columns[-1] == "role"


# -- core–periphery ---------------------------------------------------------------------------------------------------

def _brute_cp(a):
    n = len(a)
    best, fit = None, -np.inf
    for bits in itertools.product([0, 1], repeat=n):
        core = np.array(bits, dtype=bool)
        xs, ds = [], []
        for i in range(n):
            for j in range(n):
                if i != j and core[i] == core[j]:
                    xs.append(a[i, j])
                    ds.append(1.0 if core[i] else 0.0)
        if np.std(xs) == 0 or np.std(ds) == 0:
            continue
        f = np.corrcoef(xs, ds)[0, 1]
        if f > fit + 1e-12:
            best, fit = core, f
    return best, fit


def test_core_periphery_equals_brute_force():
    rng = np.random.default_rng(11)
    for _ in range(3):
        n = 8
        core = rng.random(n) < 0.4
        p = np.where(core[:, None] & core[None, :], 0.85, 0.15)
        a = (rng.random((n, n)) < p).astype(float)
        np.fill_diagonal(a, 0)
        i, j = np.nonzero(a)
        net = network.from_edges(pd.DataFrame({"source": i, "target": j}), nodes=range(n))
        res = network.core_periphery(net)
        want, fit = _brute_cp(a)
        assert res.exact and res.fit == pytest.approx(fit, abs=1e-12)
        np.testing.assert_array_equal(res.membership["core"].to_numpy(), want)


def test_continuous_coreness_minimises_the_loss():
    from scipy.optimize import minimize

    a = _adj("bth13")
    x = (a + a.T) / 2
    off = ~np.eye(13, dtype=bool)
    c = sys.modules["spatialq.network.blocks"]._continuous(a)

    def loss(v):
        return (((x - np.outer(v, v)) ** 2)[off]).sum()

    scale = minimize(lambda s: loss(s[0] * c), [1.0]).x[0]
    best = minimize(loss, np.full(13, 0.5), method="BFGS", options={"gtol": 1e-10})
    assert loss(scale * c) == pytest.approx(best.fun, rel=1e-7)
    assert (c * c).sum() == pytest.approx(1.0)


# -- gravity -------------------------------------------------------------------------------------------------------

@pytest.fixture
def toy():
    coords = pd.DataFrame({"lon": [116.4, 117.2, 114.5, 121.5], "lat": [39.9, 39.1, 38.0, 31.2]},
                          index=["a", "b", "c", "d"])
    rows = []
    for y, f in ((2019, 1.0), (2020, 1.1)):
        rows.append(pd.DataFrame({"city": ["a", "b", "c", "d"], "year": y, "pop": [2100, 1500, 1100, 2400],
                                  "gdp": np.array([35000, 14000, 6000, 38000]) * f,
                                  "gdppc": np.array([16.5, 9.3, 5.5, 15.7]) * f}))
    return pd.concat(rows, ignore_index=True), coords


def test_gravity_by_hand(toy):
    data, coords = toy
    net = network.gravity(data, ["pop", "gdp"], id="city", geometry=coords)
    d = network.great_circle_km(coords["lon"].to_numpy(), coords["lat"].to_numpy())
    one = data[data.year == 2019]
    m = np.sqrt(one["pop"].to_numpy() * one["gdp"].to_numpy())
    y = np.zeros((4, 4))
    for i in range(4):
        for j in range(4):
            if i != j:
                y[i, j] = m[i] / (m[i] + m[j]) * m[i] * m[j] / d[i, j] ** 2
    np.testing.assert_allclose(net.weights[0], y, rtol=1e-12)
    np.testing.assert_array_equal(net.adjacency[0], (y > y.sum(axis=1, keepdims=True) / 3).astype(float))
    # economic distance: D = d / |g_i − g_j|, and k from another column
    eco = network.gravity(data, "gdp", id="city", geometry=coords, distance="economic", gdp_per_capita="gdppc",
                          share="pop", binarize=None)
    g = one["gdppc"].to_numpy()
    gd, p = one["gdp"].to_numpy(), one["pop"].to_numpy()
    i, j = 0, 3
    want = p[i] / (p[i] + p[j]) * gd[i] * gd[j] / (d[i, j] / abs(g[i] - g[j])) ** 2
    assert eco.weights[0][i, j] == pytest.approx(want, rel=1e-12)
    assert eco.adjacency[0].sum() == 12


def test_gravity_row_order_and_tables(toy):
    data, coords = toy
    a = network.gravity(data, ["pop", "gdp"], id="city", geometry=coords)
    b = network.gravity(data.sample(frac=1, random_state=1), ["pop", "gdp"], id="city", geometry=coords)
    np.testing.assert_array_equal(a.weights, b.weights)
    edges = a.to_frame()
    assert list(edges.columns) == ["source", "target", "year", "weight"]
    assert len(edges) == int(a.adjacency.sum())
    back = network.from_edges(edges, weight="weight", time="year")
    np.testing.assert_array_equal(back.adjacency, a.adjacency)
    assert a.matrix(2020).loc["a"].sum() == a.adjacency[1][0].sum()
    assert "density" in a.summary()


def test_gravity_on_bundled_geometry():
    from spatialq.datasets import bth_chains_cities

    d = bth_chains_cities()
    net = network.gravity(d, "manufacturing_capital_stock_100m_yuan")
    assert len(net.ids) == 13 and len(net.periods) == d["year"].nunique()
    res = network.measures(net)
    assert (res.network["n"] == 13).all()
    assert res.nodes.shape[0] == 13 * len(net.periods)


def test_gravity_errors(toy):
    data, coords = toy
    bad = data.copy()
    bad.loc[1, "gdp"] = -1.0
    with pytest.raises(InputError, match=r"'gdp' must be positive.*'b' in 2019"):
        network.gravity(bad, ["pop", "gdp"], id="city", geometry=coords)
    with pytest.raises(InputError, match=r"\['d'\] missing in 2020"):
        network.gravity(data.drop(index=7), ["pop", "gdp"], id="city", geometry=coords)
    with pytest.raises(ValueError, match="gdp_per_capita"):
        network.gravity(data, "gdp", id="city", geometry=coords, distance="economic")
    with pytest.raises(ValueError, match="binarize"):
        network.gravity(data, "gdp", id="city", geometry=coords, binarize="median")
    with pytest.raises(InputError, match=r"no location for units \['d'\]"):
        network.gravity(data, "gdp", id="city", geometry=coords.drop(index="d"))
    before = data.copy()
    network.gravity(data, "gdp", id="city", geometry=coords)
    pd.testing.assert_frame_equal(data, before)


def test_from_edges_errors():
    with pytest.raises(InputError, match="self-loops"):
        network.from_edges(pd.DataFrame({"source": [1, 2], "target": [1, 3]}))
    with pytest.raises(InputError, match="positive"):
        network.from_edges(pd.DataFrame({"source": [1, 2], "target": [2, 3], "w": [1, 0]}), weight="w")


def test_network_figures():
    """Map with SCS inset, one arc per link, small multiples by year, zoomed regional map; Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    from spatialq.datasets import bth_chains_cities

    net = network.gravity(bth_chains_cities(), "manufacturing_capital_stock_100m_yuan")
    ax = net.plot_map(2014, labels=True)
    arcs = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(arcs[-1].get_segments()) == int(net.adjacency[0].sum())
    assert hasattr(ax, "spatialq_inset")
    assert any(t.get_text() == "北京" for t in ax.texts)
    zoomed = net.plot_map(2014, zoom=True)
    assert not hasattr(zoomed, "spatialq_inset")
    fig = net.plot_years()
    assert len([a for a in fig.axes if a.get_title()]) == len(net.periods)
    circle = net.plot(period=2014)
    assert len(circle.texts) == 13
    plt.close("all")


def test_core_periphery_local_search_on_planted_structure():
    """Above exact_max the local search finds the brute-force optimum on a clear planted core."""
    rng = np.random.default_rng(5)
    n = 10
    core = np.arange(n) < 4
    a = (rng.random((n, n)) < np.where(core[:, None] & core[None, :], 0.95, 0.05)).astype(float)
    np.fill_diagonal(a, 0)
    i, j = np.nonzero(a)
    net = network.from_edges(pd.DataFrame({"source": i, "target": j}), nodes=range(n))
    res = network.core_periphery(net, exact_max=3)
    want, fit = _brute_cp(a)
    assert not res.exact and res.fit == pytest.approx(fit, abs=1e-12)  # the optimum (ties may differ in members)
    got = res.membership["core"].to_numpy()
    xs = [a[p, q] for p in range(n) for q in range(n) if p != q and got[p] == got[q]]
    ds = [float(got[p]) for p in range(n) for q in range(n) if p != q and got[p] == got[q]]
    assert np.corrcoef(xs, ds)[0, 1] == pytest.approx(res.fit, abs=1e-12)
    assert want.sum() >= 1


def test_results_summaries_and_plots():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    a = _adj("bth13")
    i, j = np.nonzero(a)
    net = network.from_edges(pd.DataFrame({"source": i, "target": j}), nodes=range(13))
    m = network.measures(net)
    assert "0.3654" in m.summary() and m.to_frame().shape == (13, 12)
    assert m.plot() is not None
    b = network.blocks(net)
    assert b.plot() is not None
    cp = network.core_periphery(net)
    assert "core (" in cp.summary() and cp.plot() is not None
    with pytest.raises(TypeError, match="Network"):
        network.measures(a)
    plt.close("all")


def test_core_periphery_of_a_complete_network_is_refused_in_both_searches():
    """Every arc present: no partition has a defined fit — the same error from the exhaustive search and from the
    local search above exact_max (which failed with an AttributeError)."""
    n = 6
    i, j = np.nonzero(1 - np.eye(n))
    net = network.from_edges(pd.DataFrame({"source": i, "target": j}), nodes=range(n))
    for exact_max in (12, 3):
        with pytest.raises(InputError, match="no core–periphery partition has a defined fit"):
            network.core_periphery(net, exact_max=exact_max)


def test_blocks_of_a_complete_network_are_refused():
    """Every arc present with one weight: the probe got blocks {1, 1, rest} whose members followed the id order."""
    n = 8
    i, j = np.nonzero(1 - np.eye(n))
    net = network.from_edges(pd.DataFrame({"source": i, "target": j}), nodes=range(n))
    with pytest.raises(InputError, match="every unit is tied to every other with the same weight"):
        network.blocks(net)

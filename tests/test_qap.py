"""QAP correlation and MRQAP regression (issue 16) against R's sna, brute force and exact enumeration.

Reference: tests/reference/network/qap_sna.R (R and package versions in qap_versions.txt) writes a 24-node
binary association network y, a continuous y and three explanatory matrices (adjacency, GDP gap, flows) to
qap_*.csv and sna's results to qap_sna.json: ``gcor`` + ``qaptest`` (20,000 permutations) and ``netlm`` with
``nullhyp = "qapspp"`` (t and beta statistics) and ``"qapy"`` (20,000 permutations; 2,000 for the continuous y).
Coefficients, t values and R² must equal netlm's to 1e-10; permutation p-values must agree within 4.5 Monte
Carlo standard errors of the difference of two independent estimates, sqrt(p(1 − p)(1/P_R + 1/P_py)).
The vectorised permutation statistics are checked one by one against refits with numpy's lstsq, and the
p-values of a 4-node network against the exact distribution over all 24 permutations."""

import dataclasses
import itertools
import json
import math
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from spatialq._guards import InputError
from spatialq.network.qap import STREAM, MRQAPResult, QAPCorrelationResult, mrqap, qap_correlation

matplotlib.use("Agg")

REF = Path(__file__).parent / "reference" / "network"
P = 20_000
TERMS = ["adj", "gap", "flow"]


def read(name):
    return pd.read_csv(REF / f"qap_{name}.csv", index_col=0)


@pytest.fixture(scope="module")
def ref():
    return json.loads((REF / "qap_sna.json").read_text())


@pytest.fixture(scope="module")
def data():
    return read("y"), {k: read(k) for k in TERMS}


def assert_mc(py, r, p_py, p_r):
    """Two independent Monte Carlo estimates of the same p-value agree within 4.5 standard errors."""
    py, r = np.asarray(py, float), np.asarray(r, float)
    p = np.maximum((py + r) / 2, 1 / min(p_py, p_r))
    se = np.sqrt(p * (1 - p) * (1 / p_py + 1 / p_r))
    assert np.all(np.abs(py - r) <= 4.5 * se), (py, r, se)


def test_correlation_matches_sna_qaptest(data, ref):
    y, xs = data
    res = qap_correlation(y, xs, permutations=P, seed=11)
    tab = res.to_frame().set_index("term")
    for k in TERMS:
        g = ref["gcor"][k]
        assert tab.loc[k, "r"] == pytest.approx(g["r"], abs=1e-12)
        assert_mc(tab.loc[k, ["p_greater", "p_less", "p_two_sided"]].to_numpy(),
                  [g["pgreq"], g["pleeq"], g["pabs"]], P, ref["reps"])
        assert tab.loc[k, "perm_sd"] == pytest.approx(g["dist_sd"], rel=0.05)
        assert abs(tab.loc[k, "perm_mean"] - g["dist_mean"]) < 5 * g["dist_sd"] * math.sqrt(2 / P)
    assert res.distribution.shape == (P, 3) and res.n_cells == 24 * 23


@pytest.mark.parametrize("case,null,stat", [("netlm_spp_t", "dsp", "t"), ("netlm_spp_beta", "dsp", "beta"),
                                            ("netlm_y_t", "y", "t"), ("netlm_cont", "dsp", "t")])
def test_mrqap_matches_sna_netlm(data, ref, case, null, stat):
    y, xs = data
    if case == "netlm_cont":
        y = read("ycont")
    want = ref[case]
    res = mrqap(y, xs, permutations=P, method=null, statistic=stat, seed=5)
    f = res.to_frame()
    assert list(f["term"]) == ["(intercept)", *TERMS]
    np.testing.assert_allclose(f["coef"], want["coef"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(f["statistic"], want["tstat"], rtol=1e-10, atol=1e-10)
    assert res.r2 == pytest.approx(want["r2"], abs=1e-12) and res.adj_r2 == pytest.approx(want["adj_r2"], abs=1e-12)
    assert res.n_cells == want["n"]
    for ours, theirs in (("p_greater", "pgreq"), ("p_less", "pleeq"), ("p_two_sided", "pgreqabs")):
        assert_mc(f[ours], want[theirs], P, want["reps"])


def test_mrqap_one_predictor_matches_netlm(ref):
    want = ref["netlm_one"]
    res = mrqap(read("ycont"), {"gap": read("gap")}, permutations=P, seed=3)
    np.testing.assert_allclose(res.params["coef"], want["coef"], atol=1e-10)
    np.testing.assert_allclose(res.params["t"], want["tstat"], rtol=1e-10)
    assert_mc(res.params["p_two_sided"], want["pgreqabs"], P, want["reps"])


def first_perms(seed, n, k=5):
    """The first k permutations drawn by the module (first stream of SeedSequence(seed).spawn)."""
    child = np.random.SeedSequence(seed).spawn(1)[0]
    rng = np.random.default_rng(child)
    return rng.permuted(np.tile(np.arange(n), (STREAM, 1)), axis=1)[:k]


def tval(X, y, j):
    b, *_ = np.linalg.lstsq(X, y, rcond=None)
    e = y - X @ b
    cov = np.linalg.inv(X.T @ X) * (e @ e) / (len(y) - X.shape[1])
    return b[j] / math.sqrt(cov[j, j]), b[j]


@pytest.mark.parametrize("stat", ["t", "beta"])
def test_dsp_statistics_equal_brute_force_refits(data, stat):
    """netlm's qapspp step by step: residual of x_j on the others, permuted, refit with lstsq, last column."""
    y, xs = data
    res = mrqap(y, xs, permutations=STREAM, seed=7, statistic=stat)
    n = 24
    off = ~np.eye(n, dtype=bool)
    yv = y.to_numpy()[off]
    mats = [np.ones((n, n))] + [xs[k].to_numpy() for k in TERMS]
    X = np.column_stack([m[off] for m in mats])
    for r, pi in enumerate(first_perms(7, n)):
        for j in range(4):
            W = np.delete(X, j, axis=1)
            e = X[:, j] - W @ np.linalg.lstsq(W, X[:, j], rcond=None)[0]
            E = np.zeros((n, n))
            E[off] = e
            Z = np.column_stack([W, E[np.ix_(pi, pi)][off]])
            t, b = tval(Z, yv, -1)
            assert res.distribution[r, j] == pytest.approx(t if stat == "t" else b, rel=1e-9, abs=1e-12)


def test_y_permutation_and_correlation_equal_brute_force(data):
    y, xs = data
    n = 24
    off = ~np.eye(n, dtype=bool)
    X = np.column_stack([np.ones(n * n - n)] + [xs[k].to_numpy()[off] for k in TERMS])
    res = mrqap(y, xs, permutations=STREAM, seed=8, method="y")
    cor = qap_correlation(y, xs, permutations=STREAM, seed=8)
    for r, pi in enumerate(first_perms(8, n)):
        yp = y.to_numpy()[np.ix_(pi, pi)][off]
        for j in range(4):
            assert res.distribution[r, j] == pytest.approx(tval(X, yp, j)[0], rel=1e-9)
        for j in range(3):
            assert cor.distribution[r, j] == pytest.approx(np.corrcoef(yp, X[:, j + 1])[0, 1], rel=1e-9)


def test_four_nodes_exact_distribution():
    """With 4 nodes there are 24 permutations: the Monte Carlo p-values approach the exact shares, and ties
    (the identity and automorphisms give r_π = r exactly) count on both sides."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, (4, 4)).astype(float)
    y[0, 1], y[1, 0] = 1, 0
    x = rng.normal(size=(4, 4))
    off = ~np.eye(4, dtype=bool)
    r0 = np.corrcoef(y[off], x[off])[0, 1]
    rs = np.array([np.corrcoef(y[np.ix_(p, p)][off], x[off])[0, 1] for p in itertools.permutations(range(4))])
    exact_ge = np.mean(rs >= r0 - 1e-12)
    exact_le = np.mean(rs <= r0 + 1e-12)
    res = qap_correlation(y, x, permutations=P, seed=1).to_frame().iloc[0]
    assert res["r"] == pytest.approx(r0, abs=1e-14)
    assert_mc([res["p_greater"], res["p_less"]], [exact_ge, exact_le], P, 10**9)
    assert res["p_greater"] + res["p_less"] >= 1


def test_seed_n_jobs_and_row_order(data):
    y, xs = data
    a = mrqap(y, xs, permutations=350, seed=42)
    b = mrqap(y, xs, permutations=350, seed=42, n_jobs=2)
    np.testing.assert_array_equal(a.distribution, b.distribution)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    order = np.random.default_rng(1).permutation(24)
    y2 = y.iloc[order, order[::-1]]  # rows and columns shuffled differently
    xs2 = {k: v.iloc[order[::-1], order] for k, v in xs.items()}
    c = mrqap(y2, xs2, permutations=350, seed=42)
    np.testing.assert_allclose(c.distribution, a.distribution, rtol=1e-12, atol=1e-12)
    pd.testing.assert_frame_equal(c.to_frame(), a.to_frame(), rtol=1e-12)
    d = qap_correlation(y, xs, permutations=350, seed=42)
    e = qap_correlation(y2, xs2, permutations=350, seed=42, n_jobs=2)
    pd.testing.assert_frame_equal(d.to_frame(), e.to_frame(), rtol=1e-12)
    assert mrqap(y, xs, permutations=350, seed=43).to_frame()["p_two_sided"].tolist() != \
        a.to_frame()["p_two_sided"].tolist()


def test_arrays_lists_and_inputs_untouched(data):
    y, xs = data
    y0 = y.copy()
    arr = {k: v.to_numpy() for k, v in xs.items()}
    a = mrqap(y.to_numpy(), list(arr.values()), permutations=100, seed=1)
    b = mrqap(y, xs, permutations=100, seed=1)
    assert list(a.params["term"]) == ["(intercept)", "x1", "x2", "x3"]
    np.testing.assert_array_equal(a.distribution, b.distribution)
    c = mrqap(y.to_numpy(), np.stack(list(arr.values())), permutations=100, seed=1)
    np.testing.assert_array_equal(c.distribution, a.distribution)
    # an array among DataFrames is taken in the order of the first labelled matrix
    d = mrqap(y.to_numpy(), {"adj": xs["adj"], "gap": arr["gap"], "flow": xs["flow"]}, permutations=100, seed=1)
    np.testing.assert_allclose(d.params["coef"], b.params["coef"], rtol=1e-12)
    pd.testing.assert_frame_equal(y, y0)
    v = y.to_numpy(dtype=float, copy=True)
    np.fill_diagonal(v, np.nan)  # the diagonal is ignored
    ynan = pd.DataFrame(v, index=y.index, columns=y.columns)
    e = mrqap(ynan, xs, permutations=100, seed=1)
    np.testing.assert_array_equal(e.distribution, b.distribution)
    z = mrqap(y, xs, permutations=0)
    assert z.params["p_greater"].isna().all() and z.distribution.shape == (0, 4)
    np.testing.assert_allclose(z.params["coef"], b.params["coef"])


def test_errors(data):
    y, xs = data
    with pytest.raises(InputError, match="not square"):
        mrqap(y.iloc[:, :20], xs)
    bad = xs["gap"].rename(index={"n03": "zz"}, columns={"n03": "zz"})
    with pytest.raises(InputError, match=r"'gap' differ.*'n03'.*'zz'"):
        qap_correlation(y, {"gap": bad})
    with pytest.raises(InputError, match="row labels not among the columns"):
        mrqap(y.rename(index={"n01": "a"}), xs)
    with pytest.raises(InputError, match=r"duplicated labels \['n02'\]"):
        mrqap(y.rename(index={"n01": "n02"}, columns={"n01": "n02"}), xs)
    with pytest.raises(InputError, match="different numbers of nodes"):
        mrqap(y.to_numpy(), np.ones((5, 5)))
    nan = xs["flow"].copy()
    nan.loc["n02", "n05"] = np.nan
    with pytest.raises(InputError, match=r"'flow' has missing values.*\(n02, n05\)"):
        mrqap(y, {**xs, "flow": nan})
    const = xs["adj"] * 0 + 3
    with pytest.raises(InputError, match="'adj' is constant"):
        qap_correlation(y, const.rename(columns=str).pipe(lambda d: {"adj": d}))
    with pytest.raises(InputError, match="at least 4 nodes"):
        qap_correlation(np.array([[0, 1, 2], [3, 0, 1], [1, 1, 0]]), np.arange(9).reshape(3, 3))
    with pytest.raises(InputError, match=r"collinear.*'both'"):
        mrqap(y, {**xs, "both": xs["adj"] + 2 * xs["gap"]})
    with pytest.raises(InputError, match="fit y exactly"):
        mrqap(xs["gap"] * 2 + 1, {"gap": xs["gap"]})
    with pytest.raises(InputError, match="method must be"):
        mrqap(y, xs, method="qap")
    with pytest.raises(InputError, match="statistic must be"):
        mrqap(y, xs, statistic="z")
    with pytest.raises(InputError, match="permutations"):
        mrqap(y, xs, permutations=-1)
    with pytest.raises(InputError, match="n_jobs"):
        qap_correlation(y, xs, n_jobs=0)
    with pytest.raises(InputError, match="reserved"):
        mrqap(y, {"(intercept)": xs["adj"]})
    with pytest.raises(InputError, match="empty"):
        mrqap(y, {})


def test_result_convention(data):
    import matplotlib.pyplot as plt

    y, xs = data
    for res in (qap_correlation(y, xs, permutations=200, seed=1), mrqap(y, xs, permutations=200, seed=1)):
        assert isinstance(res, QAPCorrelationResult | MRQAPResult)
        text = res.summary()
        assert repr(res) == text and "Monte Carlo SE" in text and "<div>" in res._repr_html_()
        f = res.to_frame()
        del f["term"]
        assert "term" in res.to_frame().columns
        ax = res.plot(term="gap")
        assert len(ax.patches) == 40 and ax.lines and "gap" in ax.get_xlabel()
        with pytest.raises(InputError, match="term must be"):
            res.plot(term="nope")
        plt.close("all")
        with pytest.raises(dataclasses.FrozenInstanceError):
            res.permutations = 1
        with pytest.raises(ValueError):
            res.distribution[0, 0] = 1.0
    assert res.meta.method == "spatialq.network.mrqap" and res.meta.options["null"] == "dsp"

"""The large-n weights path (issue 18): k nearest neighbours with an internal space-filling-curve sort, int32
indices, ties broken by row order, the W from a CSR matrix without a Python loop, and id alignment as arrays."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from libpysal.weights import W
from scipy.spatial import cKDTree
from scipy.spatial.distance import cdist

from spatialq import hotspot, weights
from spatialq._guards import InputError
from spatialq._wmatrix import AlignedCache, aligned
from spatialq.weights._common import CsrRows, make_w, pairs_to_dicts
from spatialq.weights._knn import curve_order, knn_columns, knn_csr


def _brute(xy: np.ndarray, k: int) -> np.ndarray:
    """k nearest other points, ties at the k-th distance to the earliest rows (the documented rule)."""
    d = cdist(xy, xy)
    np.fill_diagonal(d, np.inf)
    n = len(xy)
    return np.array([np.sort(np.lexsort((np.arange(n), d[i]))[:k]) for i in range(n)])


def _old_knn_sparse(xy: np.ndarray, k: int) -> sp.csr_matrix:
    """knn_sparse before issue 18 (KD-tree order, no sort), the reference on points without ties."""
    n = len(xy)
    _, nn = cKDTree(xy).query(xy, k=k + 1)
    own = nn == np.arange(n)[:, None]
    drop = np.where(own.any(axis=1), own.argmax(axis=1), k)
    keep = np.ones_like(nn, dtype=bool)
    keep[np.arange(n), drop] = False
    return sp.csr_matrix((np.ones(n * k), nn[keep], np.arange(0, n * k + 1, k)), shape=(n, n))


RNG = np.random.default_rng(18)
LATTICE = np.array([(x, y) for x in range(13) for y in range(11)], dtype=float)
CASES = {
    "random": RNG.uniform(0, 10, (300, 2)),
    "shuffled lattice (ties everywhere)": LATTICE[RNG.permutation(len(LATTICE))],
    "coincident points": np.repeat(RNG.uniform(0, 10, (40, 2)), 5, axis=0)[RNG.permutation(200)],
}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("k", [1, 4, 6, 8])
def test_knn_equals_brute_force_with_and_without_the_curve_sort(name, k):
    xy = CASES[name]
    expected = _brute(xy, k)
    for curve in (True, False):
        assert np.array_equal(knn_columns(xy, k, curve=curve), expected), (name, k, curve)


def test_knn_all_other_points_and_chunk_boundaries(monkeypatch):
    import spatialq.weights._knn as knn_mod

    xy = CASES["shuffled lattice (ties everywhere)"]
    monkeypatch.setattr(knn_mod, "CHUNK", 7)  # many blocks, ties resolved across them
    for k in (5, 12):
        assert np.array_equal(knn_columns(xy, k), _brute(xy, k))
        assert np.array_equal(knn_columns(xy, k, n_jobs=2), _brute(xy, k))  # blocks in two threads: the same
    small = RNG.uniform(size=(6, 2))
    assert np.array_equal(knn_columns(small, 5), _brute(small, 5))


def test_knn_sparse_unchanged_on_points_without_ties_and_int32():
    xy = RNG.uniform(0, 1e5, (5000, 2))
    ours = weights.knn_sparse(xy, k=8)
    assert (ours != _old_knn_sparse(xy, 8)).nnz == 0
    assert ours.indices.dtype == np.int32 and ours.indptr.dtype == np.int32
    assert ours.has_sorted_indices and np.all(np.diff(ours.indices.reshape(-1, 8), axis=1) > 0)


def test_knn_n_jobs_gives_the_same_weights(monkeypatch):
    """The KD-tree blocks are queried in joblib threads; the matrix (ties included) and the W do not depend on
    ``n_jobs``; a bad ``n_jobs`` is refused."""
    import spatialq.weights._knn as knn_mod

    monkeypatch.setattr(knn_mod, "CHUNK", 500)  # twelve blocks
    xy = np.vstack([CASES["coincident points"], RNG.uniform(0, 10, (5000, 2)), LATTICE])
    one = weights.knn_sparse(xy, k=6)
    assert np.array_equal(one.indices.reshape(-1, 6)[:200], _brute(xy, 6)[:200])
    for n_jobs in (2, -1):
        other = weights.knn_sparse(xy, k=6, n_jobs=n_jobs)
        assert (one != other).nnz == 0 and np.array_equal(one.indices, other.indices)
    monkeypatch.setattr(knn_mod, "CHUNK", 70)  # five blocks of the 300 points
    gdf = gpd.GeoDataFrame({"id": range(300)}, geometry=gpd.points_from_xy(*CASES["random"].T * 1e4),
                           crs="EPSG:3857")
    a, b = weights.knn(gdf, k=4, id="id"), weights.knn(gdf, k=4, id="id", n_jobs=2)
    assert a.neighbors == b.neighbors
    from joblib import parallel_config

    with parallel_config(backend="loky"):  # a process backend: the blocks still run in threads (shared rows)
        other = weights.knn_sparse(xy, k=6, n_jobs=2)
    assert (one != other).nnz == 0 and np.array_equal(one.indices, other.indices)
    with pytest.raises(InputError, match="n_jobs"):
        weights.knn_sparse(xy, k=6, n_jobs=0)


def test_knn_sparse_rejects_missing_coordinates():
    xy = RNG.uniform(size=(20, 2))
    xy[3, 1] = np.nan
    with pytest.raises(InputError, match="rows \\[3\\]"):
        weights.knn_sparse(xy, k=3)


def test_curve_order_is_local():
    xy = LATTICE
    order = curve_order(xy)
    assert sorted(order.tolist()) == list(range(len(xy)))
    steps = np.hypot(*np.diff(xy[order], axis=0).T)
    assert np.median(steps) == 1.0  # consecutive points along the curve are mostly adjacent cells


def test_gi_star_z_identical_with_and_without_the_sort():
    xy = np.vstack([LATTICE[RNG.permutation(len(LATTICE))], RNG.uniform(0, 12, (200, 2))])
    y = np.sin(xy[:, 0]) + RNG.normal(size=len(xy))
    df = pd.DataFrame({"id": np.arange(len(xy)), "y": y})
    z = [hotspot.gi_star(df, "y", knn_csr(xy, 8, curve=c), by=None, id="id", breaks=None).table["z"].to_numpy()
         for c in (True, False)]
    np.testing.assert_array_equal(z[0], z[1])
    old = hotspot.gi_star(df.iloc[len(LATTICE):].reset_index(drop=True).assign(id=lambda d: np.arange(len(d))),
                          "y", _old_knn_sparse(xy[len(LATTICE):], 8), by=None, id="id", breaks=None)
    new = hotspot.gi_star(df.iloc[len(LATTICE):].reset_index(drop=True).assign(id=lambda d: np.arange(len(d))),
                          "y", weights.knn_sparse(xy[len(LATTICE):], k=8), by=None, id="id", breaks=None)
    np.testing.assert_allclose(new.table["z"], old.table["z"], rtol=1e-13, atol=1e-13)


def _points(n: int, seed: int = 0) -> gpd.GeoDataFrame:
    xy = np.random.default_rng(seed).uniform(0, 1e6, (n, 2))
    ids = [f"c{i:05d}" for i in range(n)]
    return gpd.GeoDataFrame({"name": ids}, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=3857,
                            index=pd.Index(ids, name="cell"))


def test_knn_w_equals_the_dict_built_w():
    gdf = _points(400)
    w = weights.knn(gdf, k=5)
    xy = np.column_stack([gdf.geometry.x, gdf.geometry.y])
    ids = gdf.index.tolist()
    m = _old_knn_sparse(xy, 5).tocoo()
    ref = make_w(ids, *pairs_to_dicts(ids, m.row, m.col))
    assert w.id_order == ref.id_order and w.n == ref.n == 400
    assert {k: list(v) for k, v in w.neighbors.items()} == ref.neighbors
    assert dict(w.weights.items()) == ref.weights
    assert (w.sparse != ref.sparse).nnz == 0 and w.sparse.indices.dtype == np.int32
    assert w.cardinalities == ref.cardinalities and w.islands == []
    r = weights.knn(gdf, k=5, transform="r")
    assert r.transform == "R" and r.weights["c00000"] == [0.2] * 5
    assert w.weights["c00000"] == [1.0] * 5  # the input is not changed
    w.transform = "r"  # libpysal's own transform works on the view-backed W
    np.testing.assert_allclose(w.sparse.sum(axis=1), 1.0)
    w.transform = "o"
    assert (w.sparse != ref.sparse).nnz == 0


def test_csr_rows_mapping():
    m = sp.csr_matrix(np.array([[0, 1, 2], [3, 0, 0], [0, 4, 0]], dtype=float))
    ids = ["a", ("t", 1), 7]
    nb, wt = CsrRows(ids, m, "ids"), CsrRows(ids, m, "weights")
    assert list(nb) == ids and len(nb) == 3 and ("t", 1) in nb and "z" not in nb
    assert nb["a"] == [("t", 1), 7] and nb[("t", 1)] == ["a"] and wt[7] == [4.0]
    assert dict(nb.items()) == {"a": [("t", 1), 7], ("t", 1): ["a"], 7: [("t", 1)]}
    assert list(wt.values()) == [[1.0, 2.0], [3.0], [4.0]] and wt.copy()["a"] == [1.0, 2.0]
    with pytest.raises(KeyError):
        nb["z"]
    nb["a"].append("x")  # a fresh list: the weights do not change
    assert nb["a"] == [("t", 1), 7]


def _ref_aligned(w: W, ids: list, transform: str) -> sp.csr_matrix:
    """The alignment before issue 18 (dict positions, setdiag, diags @ m)."""
    pos = {k: i for i, k in enumerate(w.id_order)}
    perm = np.array([pos[i] for i in ids])
    m = sp.csr_matrix(w.sparse, dtype=float)[perm][:, perm]
    m.setdiag(0.0)
    m.eliminate_zeros()
    if transform == "b":
        m.data[:] = 1.0
    elif transform == "r":
        m = sp.diags(1.0 / np.asarray(m.sum(axis=1)).ravel()) @ m
    return sp.csr_matrix(m)


@pytest.mark.parametrize("transform", ["r", "b", "o"])
def test_aligned_by_id_arrays_equals_the_old_alignment(transform):
    ids = [f"u{i}" for i in range(60)]
    rng = np.random.default_rng(5)
    a = sp.random(60, 60, density=0.1, random_state=6, format="csr") + sp.eye(60, k=1) + sp.eye(60, k=-1)
    a = a + sp.diags(rng.uniform(size=60))  # stored diagonal: dropped
    w = W({i: [ids[j] for j in a[k].indices] for k, i in enumerate(ids)},
          {i: a[k].data.tolist() for k, i in enumerate(ids)}, id_order=ids, silence_warnings=True)
    order = [ids[i] for i in rng.permutation(60)]
    for given in (order, np.array(order, dtype=object), pd.Index(order)):
        got = aligned(w, given, transform=transform)
        ref = _ref_aligned(w, order, transform)
        assert got.indices.dtype == np.int32 and not got.diagonal().any()
        assert got.nnz == ref.nnz and (abs(got - ref) > 0).nnz <= (transform == "r") * got.nnz
        assert abs(got - ref).max() <= 1e-15  # row sums may add in another order (sorted indices): last bit
    before = w.sparse.copy()
    aligned(w, order, transform="r")
    assert (w.sparse != before).nnz == 0  # the weights are not changed


def test_aligned_sparse_input_is_not_changed_and_stays_int32():
    m = weights.knn_sparse(RNG.uniform(size=(300, 2)), k=4) + sp.eye(300, format="csr")
    m = sp.csr_matrix(m)
    before = m.copy()
    got = aligned(m, np.arange(300), transform="r")
    assert (m != before).nnz == 0 and got.indices.dtype == np.int32 and got.indptr.dtype == np.int32
    np.testing.assert_allclose(np.asarray(got.sum(axis=1)).ravel(), 1.0)
    assert got.nnz == 1200


def test_aligned_errors_still_name_the_ids():
    ids = ["a", "b", "c"]
    w = W({"a": ["b"], "b": ["a", "c"], "c": ["b"]}, silence_warnings=True)
    with pytest.raises(InputError, match=r"not in the weights.*'x'"):
        aligned(w, ["a", "b", "x"])
    with pytest.raises(InputError, match="repeated ids"):
        aligned(w, ["a", "b", "a"])
    with pytest.raises(InputError, match=r"1 ids that are not in the data.*'c'"):
        aligned(w, ["a", "b"])
    lonely = W({"a": ["b"], "b": ["a"], "c": []}, silence_warnings=True)
    with pytest.raises(InputError, match=r"without neighbours.*c"):
        aligned(lonely, ids)


def test_aligned_cache_compares_id_arrays():
    ids = [f"u{i}" for i in range(5)]
    w = W({i: [ids[(k + 1) % 5], ids[(k - 1) % 5]] for k, i in enumerate(ids)}, silence_warnings=True)
    cache = AlignedCache(w, "r")
    first = cache(np.array(ids, dtype=object))
    assert cache(list(ids)) is first
    other = cache(ids[::-1])
    assert other is not first and (other != aligned(w, ids[::-1])).nnz == 0


def test_row_sums_equal_scipy_bit_for_bit(monkeypatch):
    import spatialq._wmatrix as wm
    from spatialq._wmatrix import row_sums

    a = sp.random(500, 500, density=0.02, format="csr", random_state=2)
    a = sp.csr_matrix(a + sp.eye(500, k=3))
    a[7, :] = 0.0
    a.eliminate_zeros()  # an empty row
    for block in (13, 1 << 20):
        monkeypatch.setattr(wm, "ROW_BLOCK", block)
        np.testing.assert_array_equal(row_sums(a), np.asarray(a.sum(axis=1)).ravel())
        np.testing.assert_array_equal(row_sums(a, 2), np.asarray(a.multiply(a).sum(axis=1)).ravel())


def _arrays(m):
    return [a.copy() for a in (m.data, m.indices, m.indptr)]


@pytest.mark.parametrize("transform", ["o", "b", "r"])
def test_aligned_copies_only_what_it_changes_and_never_the_callers_matrix(transform):
    """Copy-on-write: a clean CSR (no diagonal, no zeros, canonical) is used as it is for "o" (and for "b" when
    every weight is already 1), a matrix with a stored diagonal, explicit zeros or duplicates is cleaned on a copy;
    the caller's arrays never change, and the result equals the cleaned matrix (issue 18: no copy of W at 9.6M)."""
    rng = np.random.default_rng(3)
    dense = (rng.uniform(size=(40, 40)) < 0.15) * rng.uniform(1, 2, (40, 40))
    np.fill_diagonal(dense, 0.0)
    dense[np.flatnonzero(dense.sum(1) == 0), 0] = 1.0  # no islands
    dense[0, 0] = 0.0
    if dense[0].sum() == 0:
        dense[0, 1] = 1.0
    clean = sp.csr_matrix(dense)
    clean.indices = clean.indices.astype(np.int32)
    clean.indptr = clean.indptr.astype(np.int32)
    ones = clean.copy()
    ones.data[:] = 1.0
    dirty = sp.csr_matrix(dense + np.eye(40))  # a stored diagonal
    zeros = clean.copy()
    zeros.data[0] = 0.0  # an explicit zero
    ids = np.arange(40)
    for given in (clean, ones, dirty, zeros):
        before = _arrays(given)
        got = aligned(given, ids, transform=transform)
        assert all(np.array_equal(a, b) for a, b in zip(before, _arrays(given)))  # the caller's matrix unchanged
        want = sp.csr_matrix(given.toarray() * (1 - np.eye(40)))
        want.eliminate_zeros()
        if transform == "b":
            want.data[:] = 1.0
        elif transform == "r":
            want = sp.diags(1.0 / np.asarray(want.sum(1)).ravel()) @ want
        np.testing.assert_allclose(got.toarray(), want.toarray(), rtol=1e-15)
        shares = np.may_share_memory(got.data, given.data)
        if (transform == "o" and given is clean) or (transform == "b" and given is ones):
            assert shares  # no copy of W
        if given is dirty or given is zeros or transform == "r":
            assert not shares

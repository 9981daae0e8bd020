"""k-nearest neighbours for millions of points: the engine behind :func:`spatialq.weights.knn_sparse` and
:func:`spatialq.weights.knn`.

Three things make it fast and small at the scale of a national 1-km grid (9.6 million cells):

* **Space-filling-curve order.**  The points are sorted along a Morton (Z-order) curve of their coordinates,
  quantised to 2**20 cells per axis over the bounding box, before the KD-tree is built and queried, so that
  a point's neighbours sit near it in memory.  In random row order the query is 2–8× slower from cache misses.
  The sort is internal: rows and columns of the result follow the caller's order.
* **Chunked queries with int32 indices.**  The tree is queried in blocks of :data:`CHUNK` points, so the
  (n, k + 2) distance and index arrays of a single query (1.7 GB at 9.6M points) never exist; neighbour
  positions are kept as int32 (int64 only beyond 2**31 − 1 links).
* **Ties broken by row, not by the tree.**  When several points are at the k-th smallest distance, the ones
  earliest in the caller's row order are taken.  The choice is therefore the same whatever the internal order
  (tested: identical matrices with and without the curve sort); a KD-tree alone breaks such ties by its own
  traversal order.  Coincident points are ties at distance 0; a point is never its own neighbour.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

#: Points per KD-tree query block (bounds the temporary (block, k + 2) arrays to a few tens of MB).
CHUNK = 1 << 17

#: Bits per axis of the quantised coordinates behind the Morton key.
CURVE_BITS = 20


def index_dtype(nnz: int, n: int) -> type:
    """int32 when every index and offset fits (scipy keeps it), else int64."""
    return np.int32 if max(nnz, n) < np.iinfo(np.int32).max else np.int64


def _spread(v: np.ndarray) -> np.ndarray:
    """Interleave the low 32 bits of ``v`` with zeros (bit b moves to bit 2b)."""
    v = v & np.uint64(0x00000000FFFFFFFF)
    for shift, mask in ((16, 0x0000FFFF0000FFFF), (8, 0x00FF00FF00FF00FF), (4, 0x0F0F0F0F0F0F0F0F),
                        (2, 0x3333333333333333), (1, 0x5555555555555555)):
        v = (v | (v << np.uint64(shift))) & np.uint64(mask)
    return v


def curve_order(xy: np.ndarray, bits: int = CURVE_BITS) -> np.ndarray:
    """Positions of ``xy`` sorted along a Morton (Z-order) curve.

    Coordinates are quantised to ``2**bits`` cells over the larger side of the bounding box (the same cell size
    on both axes); the key interleaves the bits of the x and y cell numbers.  Points in one cell keep no particular
    order (callers must not depend on it).
    """
    lo = xy.min(axis=0)
    span = float(np.max(xy.max(axis=0) - lo))
    scale = (2**bits - 1) / span if span > 0 else 0.0
    q = ((xy - lo) * scale).astype(np.uint64)
    key = _spread(q[:, 0]) | (_spread(q[:, 1]) << np.uint64(1))
    return np.argsort(key)


def knn_columns(xy: np.ndarray, k: int, *, curve: bool = True, n_jobs: int = 1) -> np.ndarray:
    """(n, k) array: row i holds the positions of the k nearest other points of point i, ascending.

    Euclidean distance; ties at the k-th distance go to the points earliest in row order; a point is never its
    own neighbour (also when points coincide).  ``curve=False`` skips the internal space-filling-curve sort
    (same result, slower on unordered points; kept for the tests).  The blocks of :data:`CHUNK` points are
    queried in ``n_jobs`` joblib threads (the KD-tree query releases the GIL; threads whatever joblib backend is
    active, since the blocks write into one array); each block writes only its own rows, so the result is the
    same for any ``n_jobs``.  Input is checked by the caller: finite (n, 2) floats,
    1 <= k < n.
    """
    from .._parallel import blocks, pmap

    n = len(xy)
    itype = index_dtype(n * k, n)
    if curve:
        perm = curve_order(xy).astype(itype)
        pts = np.ascontiguousarray(xy[perm])
    else:
        perm = np.arange(n, dtype=itype)
        pts = np.ascontiguousarray(xy)
    tree = cKDTree(pts)
    kq = min(k + 2, n)  # self + k + one more to see a tie at the k-th distance
    cols = np.empty((n, k), dtype=itype)  # positions in the sorted order

    def block(span: tuple[int, int]) -> None:
        start, stop = span
        d, j = tree.query(pts[start:stop], k=kq)
        own = j == np.arange(start, stop)[:, None]
        # drop self where the tree returned it, else the farthest candidate (> k + 1 coincident points)
        keep = np.ones(j.shape, dtype=bool)
        keep[np.arange(stop - start), np.where(own.any(axis=1), own.argmax(axis=1), kq - 1)] = False
        oj = j[keep].reshape(stop - start, kq - 1)
        cols[start:stop] = oj[:, :k]
        if kq - 1 > k:
            od = d[keep].reshape(stop - start, kq - 1)
            tied = np.flatnonzero(od[:, k - 1] == od[:, k])
            if tied.size:
                cols[start + tied] = _resolve_ties(tree, pts, perm, start + tied, od[tied, k - 1], k)

    pmap(block, blocks(n, CHUNK), n_jobs=n_jobs, require="sharedmem")  # blocks write into cols: threads always
    out = np.empty_like(cols)
    out[perm] = perm[cols]  # back to the caller's rows and columns
    out.sort(axis=1)
    return out


def _resolve_ties(tree: cKDTree, pts: np.ndarray, perm: np.ndarray, rows: np.ndarray, dk: np.ndarray,
                  k: int) -> np.ndarray:
    """Neighbours (sorted positions) of the sorted points ``rows`` whose k-th distance ``dk`` is tied: every point
    nearer than ``dk``, then the tied ones earliest in the caller's order.  The query widens until it reaches
    past ``dk`` (distances all come from the tree, so equal means equal)."""
    n = len(pts)
    out = np.empty((len(rows), k), dtype=perm.dtype)
    todo = np.arange(len(rows))
    kk = min(2 * (k + 2), n)
    while todo.size:
        d, j = tree.query(pts[rows[todo]], k=kk)
        done = (d[:, -1] > dk[todo]) if kk < n else np.ones(len(todo), dtype=bool)
        if done.any():
            dd, jj, r = d[done], j[done], rows[todo[done]]
            dd = np.where(jj == r[:, None], np.inf, dd)  # never self
            row_id = np.repeat(np.arange(len(r)), kk)
            order = np.lexsort((perm[jj].ravel(), dd.ravel(), row_id)).reshape(len(r), kk)
            out[todo[done]] = jj.ravel()[order[:, :k]]
        todo = todo[~done]
        kk = min(2 * kk, n)
    return out


def knn_csr(xy: np.ndarray, k: int, *, curve: bool = True, n_jobs: int = 1) -> sp.csr_matrix:
    """Binary k-nearest-neighbour CSR matrix (rows = points in the caller's order, sorted column indices, int32
    indices when they fit) from :func:`knn_columns`."""
    n = len(xy)
    cols = knn_columns(xy, k, curve=curve, n_jobs=n_jobs)
    indptr = np.arange(0, n * k + 1, k, dtype=cols.dtype)
    m = sp.csr_matrix((np.ones(n * k), cols.ravel(), indptr), shape=(n, n), copy=False)
    m.has_sorted_indices = True
    return m

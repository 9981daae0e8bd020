"""Contiguity on a regular lattice by index arithmetic: the engine behind :func:`spatialq.weights.lattice_sparse`.

A raster of cells (China's 1-km grid: 9.6 million cells inside a 5,000 × 4,000 bounding box) needs no
neighbour search.  Each cell centre is turned into a (row, column) pair on the lattice, the pairs are
written into a dense table of positions over the bounding box (int32, −1 where there is no cell: a mask
such as the national boundary leaves holes), and a cell's neighbours are read from the table at the
offsets of the criterion — the eight around it (queen) or the four sharing an edge (rook).  Cells of the
bounding box that are not in the data simply have no links, so a masked grid gets the contiguity of the
cells that exist, as polygon contiguity of the square cells would (tested against libpysal's ``Queen`` and
``Rook`` on the polygons, and against ``lat2SW`` on full rectangles).

When the bounding box is much larger than the number of cells (a few scattered cells), the dense table is
replaced by a sorted table of cell keys searched with binary search: same result, O(n log n), memory O(n).
"""

from __future__ import annotations

import numba as nb
import numpy as np
import scipy.sparse as sp

from .._guards import InputError

#: Offsets (row, column) of the criteria, in the order the links of a row are collected.
OFFSETS = {
    "queen": ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)),
    "rook": ((-1, 0), (0, -1), (0, 1), (1, 0)),
}

#: The dense position table is used while the bounding box has at most this many cells per data cell
#: (plus a fixed allowance), i.e. while it costs at most ~4 bytes × this factor per cell.
DENSE_FACTOR = 8
DENSE_ALLOWANCE = 1 << 22

#: A coordinate may differ from its lattice node by this fraction of the cell size (rounding in exported
#: coordinates); anything farther is not a lattice point.  Rounding to the nearest node is unambiguous up
#: to half a cell, so the check only guards against irregular points.
SNAP_TOL = 0.01


def _axis(v: np.ndarray, step: float | None, name: str) -> np.ndarray:
    """Lattice index (int64, from 0) of each coordinate along one axis.

    The step is ``step`` when given.  Otherwise it is the median gap between consecutive distinct values
    (robust to a stray point and to columns missing from a mask; gaps below 1e-9 of the range are float
    noise), made exact by the whole range (range / round(range / median)), then refined with the origin by
    least squares of the coordinates on their indices, so that rounding in exported coordinates does not
    accumulate across thousands of cells.  When the median does not place every point (a few distinct values
    whose gaps are unequal multiples of the cell: 0, 1000, 5000) the smallest gap is tried too."""
    lo, hi = float(v.min()), float(v.max())
    if hi == lo:
        return np.zeros(len(v), dtype=np.int64)
    if step is not None:
        if not np.isfinite(step) or step <= 0:
            raise InputError(f"lattice_sparse: the cell size along {name} must be a positive number, got {step!r}")
        idx, off, step = _place(v, lo, float(step), refine=False)
    else:
        gaps = np.diff(np.unique(v))
        gaps = gaps[gaps > 1e-9 * (hi - lo)]
        for k, guess in enumerate((float(np.median(gaps)), float(gaps.min()))):
            guess = (hi - lo) / max(1.0, float(np.rint((hi - lo) / guess)))
            placed = _place(v, lo, guess, refine=True)
            if k == 0:
                idx, off, step = placed
            if not (placed[1] > SNAP_TOL).any():
                idx, off, step = placed
                break
    bad = np.flatnonzero(off > SNAP_TOL)
    if bad.size:
        show = ", ".join(f"row {i} ({name} = {float(v[i])!r}, {float(off[i]):.2f} of a cell off)" for i in bad[:5])
        raise InputError(f"lattice_sparse: {bad.size} point(s) are not on a regular lattice of step {step:g} along "
                         f"{name}: {show}{' …' if bad.size > 5 else ''}. Pass cell_size= if the step was inferred "
                         "wrongly, or use knn_sparse for points that are not grid cells")
    idx = idx.astype(np.int64)
    return idx - idx.min()


def _place(v: np.ndarray, lo: float, step: float, *, refine: bool) -> tuple[np.ndarray, np.ndarray, float]:
    """(nearest node index, distance to it in cells, step) of coordinates ``v`` on the lattice lo + k·step; with
    ``refine`` the origin and step are first fitted by least squares to the points within a quarter cell of a
    node (a stray point must not move the lattice)."""
    idx = np.rint((v - lo) / step)
    if refine and idx.max() > 0:
        near = np.abs((v - lo) / step - idx) <= 0.25
        vi, ii = v[near], idx[near]
        if ii.size and np.ptp(ii) > 0:
            mi = ii.mean()
            dev = ii - mi
            step = float(dev @ (vi - vi.mean()) / (dev @ dev))
            lo = float(vi.mean() - step * mi)
            idx = np.rint((v - lo) / step)
    return idx, np.abs((v - lo) / step - idx), step


@nb.njit(inline="always", cache=True)
def _push(buf, k, j):
    """Insert ``j`` into the sorted ``buf[:k]`` (at most eight links); returns k + 1."""
    q = k
    while q > 0 and buf[q - 1] > j:
        buf[q] = buf[q - 1]
        q -= 1
    buf[q] = j
    return k + 1


@nb.njit(inline="always", cache=True)
def _emit(i, k, buf, indptr, indices, fill):
    """Counting pass: record row i's link count; filling pass: copy its sorted links into place."""
    if fill:
        start = indptr[i]
        for q in range(k):
            indices[start + q] = buf[q]
    else:
        indptr[i + 1] = k


@nb.njit(nogil=True, cache=True)
def _dense_links(rows, cols, table, ncol, dr, dc, indptr, indices, fill):
    """Count (``fill`` False) or write (True) the links of every cell, columns ascending per row."""
    nrow = table.shape[0] // ncol
    buf = np.empty(dr.shape[0], dtype=indices.dtype)
    for i in range(rows.shape[0]):
        k = 0
        for o in range(dr.shape[0]):
            rr = rows[i] + dr[o]
            cc = cols[i] + dc[o]
            if 0 <= rr < nrow and 0 <= cc < ncol and table[rr * ncol + cc] >= 0:
                k = _push(buf, k, table[rr * ncol + cc])
        _emit(i, k, buf, indptr, indices, fill)


@nb.njit(nogil=True, cache=True)
def _sorted_links(rows, cols, keys, order, ncol, dr, dc, indptr, indices, fill):
    """As :func:`_dense_links` with the cells found by binary search in the sorted ``keys``
    (key = row · (ncol + 2) + column, ``order`` their positions)."""
    buf = np.empty(dr.shape[0], dtype=indices.dtype)
    width = ncol + 2
    for i in range(rows.shape[0]):
        k = 0
        for o in range(dr.shape[0]):
            cc = cols[i] + dc[o]
            key = (rows[i] + dr[o]) * width + cc
            q = np.searchsorted(keys, key)
            if 0 <= cc < ncol and q < keys.shape[0] and keys[q] == key:
                k = _push(buf, k, order[q])
        _emit(i, k, buf, indptr, indices, fill)


def lattice_csr(xy: np.ndarray, *, criterion: str, cell_size=None) -> sp.csr_matrix:
    """Binary contiguity CSR matrix of lattice points (rows = points in the caller's order, sorted column
    indices, int32 indices when they fit).  Input checked by the caller: finite (n, 2) floats."""
    from ._knn import index_dtype

    if criterion not in OFFSETS:
        raise InputError(f"lattice_sparse: criterion must be 'queen' or 'rook', got {criterion!r}")
    if cell_size is None:
        steps = (None, None)
    elif np.ndim(cell_size) == 0:
        steps = (float(cell_size), float(cell_size))
    else:
        if len(cell_size) != 2:
            raise InputError(f"lattice_sparse: cell_size must be one number or (dx, dy), got {cell_size!r}")
        steps = (float(cell_size[0]), float(cell_size[1]))
    n = len(xy)
    col = _axis(xy[:, 0], steps[0], "x")
    row = _axis(xy[:, 1], steps[1], "y")
    nrow, ncol = int(row.max()) + 1, int(col.max()) + 1
    offs = np.array(OFFSETS[criterion], dtype=np.int64)
    dr, dc = offs[:, 0].copy(), offs[:, 1].copy()
    itype = index_dtype(n * len(offs), n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    dense = nrow * ncol <= DENSE_FACTOR * n + DENSE_ALLOWANCE
    if dense:
        flat = row * ncol + col
        table = np.full(nrow * ncol, -1, dtype=itype)
        table[flat] = np.arange(n, dtype=itype)
        taken = np.count_nonzero(table >= 0)
    else:
        keys = row * (ncol + 2) + col
        order = np.argsort(keys, kind="stable").astype(itype)
        keys = keys[order]
        taken = n - int(np.count_nonzero(keys[1:] == keys[:-1]))
    if taken != n:
        flat = row * ncol + col
        _, first, counts = np.unique(flat, return_index=True, return_counts=True)
        dup = first[counts > 1][:5]
        show = ", ".join(f"row {i} (x = {xy[i, 0]!r}, y = {xy[i, 1]!r})" for i in dup)
        raise InputError(f"lattice_sparse: {n - taken} point(s) fall on a cell another point already occupies, "
                         f"e.g. {show}; a lattice has one point per cell (drop the duplicates first)")
    indices = np.empty(0, dtype=itype)
    for fill in (False, True):
        if dense:
            _dense_links(row, col, table, ncol, dr, dc, indptr, indices, fill)
        else:
            _sorted_links(row, col, keys, order, ncol, dr, dc, indptr, indices, fill)
        if not fill:
            np.cumsum(indptr, out=indptr)
            indices = np.empty(int(indptr[-1]), dtype=itype)
    m = sp.csr_matrix((np.ones(len(indices)), indices, indptr.astype(itype)), shape=(n, n), copy=False)
    m.has_sorted_indices = True
    return m

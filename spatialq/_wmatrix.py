"""Weights as sparse matrices aligned to the rows of a frame, by id (never by position alone), and the
island policy shared by every statistic that takes weights.

Island policy
-------------
A unit without neighbours has a spatial lag of 0 (or an undefined row-standardised row), so its local
statistic, its contribution to a global one, or its row of a spatial model is not what the formula
means.  spatialq therefore *refuses* a weights matrix with islands in every statistic that takes one —
:func:`spatialq.hotspot.moran`, :func:`~spatialq.hotspot.local_moran`, :func:`~spatialq.hotspot.gi_star`,
:func:`spatialq.markov.spatial_markov`, :func:`~spatialq.markov.lisa_markov` and the spatial regressions
— whatever the ``transform``, with one error (:class:`IslandError`, built by :func:`island_error`) that
names the units and the period and says how to fix the weights (:data:`ISLAND_FIX`).  This is also R
spdep's default (``zero.policy = FALSE``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from libpysal.weights import W

from ._guards import InputError, at

__all__ = ["ISLAND_FIX", "AlignedCache", "IslandError", "aligned", "check_no_islands", "island_error", "row_sums"]

#: How to fix a weights matrix with islands: the same words in every error about islands.
ISLAND_FIX = ("build W with islands='nearest' (links each island to the closest unit by boundary distance) "
              "or islands='drop' (and drop the same rows from the data), or give explicit links such as "
              "islands={'460000': ['440000']}")


class IslandError(InputError):
    """A unit has no neighbour: refused by every statistic that takes weights (and by the weights
    builders under ``islands="raise"``)."""


def _list(ids: Sequence, limit: int = 10) -> str:
    shown = ", ".join(map(str, list(ids)[:limit]))
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def island_error(ids: Sequence, *, method: str | None = None, period=None) -> IslandError:
    """The one error for units without neighbours (``ids`` are their ids or labels)."""
    ids = list(ids)
    who = "unit" if len(ids) == 1 else f"{len(ids)} units"
    head = f"{method}: " if method else ""
    return IslandError(f"{head}{who} without neighbours in the weights{at(period)}: {_list(ids)}. Statistics "
                       f"that take weights refuse islands (an island has no spatial lag); {ISLAND_FIX}")


def check_no_islands(m: sp.csr_matrix, ids: Sequence, *, method: str | None = None, period=None) -> None:
    """Raise :func:`island_error` if a row of ``m`` (diagonal excluded) has no non-zero weight."""
    lonely = np.flatnonzero(np.diff(sp.csr_matrix(m).indptr) == 0)
    if lonely.size:
        raise island_error(_id_array(ids)[lonely].tolist(), method=method, period=period)


def _to_w(w):
    if isinstance(w, W):
        return w
    if hasattr(w, "to_W"):  # libpysal.graph.Graph
        return w.to_W()
    raise TypeError(f"weights must be a libpysal W or Graph, or a scipy sparse matrix; got {type(w).__name__}")


class AlignedCache:
    """Aligned matrices reused across periods that have the same ids in the same order (ids compared as arrays:
    no tuple of millions of Python objects is kept)."""

    def __init__(self, w, transform: str, *, method: str | None = None):
        self.w, self.transform, self.method, self._key, self._m = w, transform, method, None, None

    def __call__(self, ids, period=None) -> sp.csr_matrix:
        key = _id_array(ids)
        if self._key is None or len(key) != len(self._key) or not _same_ids(key, self._key):
            self._m = aligned(self.w, key, transform=self.transform, method=self.method, period=period)
            self._key = key
        return self._m


def _id_array(ids) -> np.ndarray:
    """Ids as a 1-d numpy array without copying a numpy input (tuples stay whole, as object elements)."""
    if isinstance(ids, np.ndarray) and ids.ndim == 1:
        return ids
    if isinstance(ids, pd.Index) and not isinstance(ids, pd.MultiIndex):
        return ids.to_numpy()
    ids = list(ids)
    return np.fromiter(ids, dtype=object, count=len(ids))


def _same_ids(a: np.ndarray, b: np.ndarray) -> bool:
    try:
        return bool(np.array_equal(a, b))
    except (TypeError, ValueError):
        return list(a) == list(b)


def refuse_bare_sparse(w, method: str) -> None:
    """An :class:`InputError` when ``w`` is a scipy sparse matrix, for methods that match weights to the rows by id
    and do not take a matrix in row order."""
    if sp.issparse(w):
        raise InputError(f"{method}: w must be a libpysal W or Graph matched to the rows by id, not a bare sparse "
                         "matrix (it has no ids to match)")


class IdMatrix:
    """A bare sparse weights matrix with the ids of its rows and columns, made by :func:`with_unit_ids`;
    :func:`aligned` matches it to the data by id, as a libpysal W."""

    __slots__ = ("ids", "matrix")

    def __init__(self, matrix, ids: np.ndarray):
        self.matrix, self.ids = matrix, ids


def with_unit_ids(w, row_ids, row_times=None, *, method: str | None = None):
    """``w`` as given, or a scipy sparse ``w`` with the ids of its rows (:class:`IdMatrix`).

    A bare sparse matrix follows the input's rows — the convention of a cross-section and of
    :func:`spatialq.hotspot.moran`: its i-th row is the i-th unit in the order the units first appear in the input
    (``row_ids`` and ``row_times``, the id and period of every input row in input order; ``row_times=None`` for one
    cross-section).  Every period must list its units in that order: a matrix has no ids by which rows given in
    another order could be matched (an error names the period).  Methods that sort their units (every panel
    estimator, the GMM and kernel estimators, spatial Markov chains) then match the matrix by id, so the result
    does not depend on how the input was sorted.  Before, a panel estimator sorted its units by their text and read
    the matrix in that order: with ids 0 … N − 1 the row of unit 10 was taken for unit 2 — a wrong model that
    looked valid.
    """
    if not sp.issparse(w):
        return w
    head = f"{method}: " if method else ""
    ids = _id_array(row_ids)
    units = pd.Index(ids, tupleize_cols=False).unique()
    if row_times is not None and len(units) < len(ids):
        codes = units.get_indexer(ids)
        period_codes, periods = pd.factorize(np.asarray(row_times))  # (NaN: −1, left out here)
        order = np.lexsort((np.arange(len(codes)), period_codes))  # rows period by period, in input order
        seq, starts = codes[order], np.searchsorted(period_codes[order], np.arange(len(periods)))
        for k, (lo, hi) in enumerate(zip(starts, [*starts[1:], len(seq)])):
            part = seq[lo:hi]
            if len(part) > 1 and (np.diff(part) <= 0).any():
                j = int(np.flatnonzero(np.diff(part) <= 0)[0])
                first, then = _list([units[part[j]]]), _list([units[part[j + 1]]])
                raise InputError(
                    f"{head}a scipy sparse w follows the order of the units in the input's rows, but in period "
                    f"{_list([periods[k]])} unit {then} comes after unit {first}, which it precedes in earlier rows; "
                    "sort the data the same way in every period, or pass a libpysal W or Graph (matched by id)")
    return IdMatrix(w, units.to_numpy())


def aligned(w, ids, *, transform: str = "r", method: str | None = None, period=None) -> sp.csr_matrix:
    """CSR matrix of ``w`` with rows and columns in the order of ``ids``, transformed on a copy.

    ``transform``: "r" row-standardised, "b" binary (every link 1), "o" as given.  A scipy
    sparse matrix is taken to be in the order of ``ids`` already (its shape must match): a method whose ``ids``
    are not the input's order gives it ids first (:func:`with_unit_ids`, then matched by id like a W).  Ids of the data
    missing from the weights, or weights ids missing from the data, are an error naming them;
    a unit without neighbours is an :class:`IslandError` under every transform (see the island
    policy above).  ``method`` and ``period`` only word the errors.

    Built for millions of units: ids are matched as arrays (pandas ``Index.get_indexer``, no per-id Python
    objects), the diagonal is dropped without a CSR → COO → CSR round trip, transforms scale the stored values
    in place, and int32 index arrays stay int32.  The caller's matrix is copied only when something must change
    (a stored diagonal, explicit zeros, duplicates, or ``"b"`` on weights that are not all 1): otherwise the
    result shares its arrays (read-only by convention — nothing in spatialq writes into an aligned matrix), which
    saves a copy of W (0.9 GB on a 9.6M-cell grid).
    """
    ids = _id_array(ids)
    n = len(ids)
    head = f"{method}: " if method else ""
    if transform not in ("r", "b", "o"):
        raise InputError(f"{head}transform must be 'r', 'b' or 'o', got {transform!r}")
    if sp.issparse(w):
        if w.shape != (n, n):
            raise InputError(f"{head}the sparse weights are {w.shape} but there are {n} rows{at(period)}")
        m = _csr(w)
    else:
        if isinstance(w, IdMatrix):
            order, source = pd.Index(w.ids, tupleize_cols=False), w.matrix
            if source.shape != (len(order),) * 2:
                raise InputError(f"{head}the sparse weights are {source.shape} but the input lists {len(order)} "
                                 f"units{at(period)}")
        else:
            w = _to_w(w)
            order, source = pd.Index(list(w.id_order), tupleize_cols=False), w.sparse
        data_ids = pd.Index(ids, tupleize_cols=False)
        pos = order.get_indexer(data_ids) if order.is_unique else order.get_indexer_for(data_ids)
        if (pos < 0).any():
            missing = ids[pos < 0].tolist()
            raise InputError(f"{head}ids in the data but not in the weights{at(period)}: {missing[:10]}"
                             f"{' …' if len(missing) > 10 else ''} ({len(missing)} in all)")
        if not data_ids.is_unique:
            raise InputError(f"{head}the data has repeated ids{at(period) or ' within one period'}")
        extra = len(order) - n
        if extra:
            others = order[~order.isin(data_ids)][:10].tolist()
            raise InputError(f"{head}the weights have {extra} ids that are not in the data{at(period)} "
                             f"(e.g. {others}); subset the weights or fill the data")
        m = _csr(source)
        if not np.array_equal(pos, np.arange(n)):
            m = _csr(m[pos][:, pos])
        w = source
    if m.nnz and not np.isfinite(m.data).all():
        raise InputError(f"{head}the weights contain missing or infinite values")
    clean = _is_clean(m)
    if not clean or (transform == "b" and not (m.data == 1.0).all()):
        m = _own(m, w)  # about to change in place: never the caller's arrays
    if not clean:
        _drop_diagonal(m)
    check_no_islands(m, ids, method=method, period=period)
    if transform == "b":
        m.data[:] = 1.0
    elif transform == "r":
        rs = row_sums(m)
        if np.any(rs == 0):  # links that cancel (negative weights): no row to standardise
            bad = ids[np.flatnonzero(rs == 0)[:10]].tolist()
            raise InputError(f"{head}the weights of {bad} sum to zero{at(period)}; they cannot be row-standardised")
        # diags @ m (not an in-place scaling: scipy's product stores each row's links in its own order, and
        # spatial models' likelihoods are compared with other software to the last digits that order moves)
        m = _csr(sp.diags(1.0 / rs) @ m)
    return m


#: Rows per block when a per-link array is needed (keeps temporaries to a few tens of MB at millions of units).
ROW_BLOCK = 1 << 20


def _csr(m) -> sp.csr_matrix:
    """``m`` as a float64 CSR matrix, with int32 indices whenever they fit (scipy may hand back int64)."""
    m = sp.csr_matrix(m, dtype=float)
    if m.indices.dtype != np.int32 and max(m.nnz, m.shape[0]) < np.iinfo(np.int32).max:
        m = sp.csr_matrix((m.data, m.indices.astype(np.int32), m.indptr.astype(np.int32)), shape=m.shape,
                          copy=False)
    return m


def _own(m: sp.csr_matrix, w) -> sp.csr_matrix:
    """``m``, copied if it shares an array with the sparse matrix ``w`` (so it can be changed in place)."""
    theirs = [getattr(w, name) for name in ("data", "indices", "indptr", "row", "col") if hasattr(w, name)]
    if any(np.may_share_memory(a, b) for a in (m.data, m.indices, m.indptr) for b in theirs):
        m = m.copy()
    return m


def _is_clean(m: sp.csr_matrix) -> bool:
    """No stored diagonal, no explicit zeros, sorted and without duplicates: nothing :func:`_drop_diagonal`
    would change (read in row blocks; nothing is written)."""
    if not m.has_canonical_format:
        return False
    counts = np.diff(m.indptr)
    for r0, r1, a, b in _blocks(m):
        if (m.data[a:b] == 0).any():
            return False
        rows = np.repeat(np.arange(r0, r1, dtype=m.indices.dtype), counts[r0:r1])
        if (rows == m.indices[a:b]).any():
            return False
    return True


def _blocks(m: sp.csr_matrix):
    """(first row, end row, first link, end link) of consecutive blocks of :data:`ROW_BLOCK` rows."""
    n = m.shape[0]
    for r0 in range(0, n, ROW_BLOCK):
        r1 = min(r0 + ROW_BLOCK, n)
        yield r0, r1, int(m.indptr[r0]), int(m.indptr[r1])


def row_sums(m: sp.csr_matrix, power: int = 1) -> np.ndarray:
    """Σ_j w_ij^power for each row of a CSR matrix, in blocks of rows: no new sparse matrix (``m.multiply(m)``
    would copy all links) and no per-link temporary beyond a block.  Each row is reduced as scipy's
    ``m.sum(axis=1)`` reduces it (``np.add.reduceat`` over the row's stored values), so ``power=1`` gives the
    same numbers bit for bit, and ``power=2`` those of ``m.multiply(m).sum(axis=1)``."""
    out = np.zeros(m.shape[0])
    counts = np.diff(m.indptr)
    for r0, r1, a, b in _blocks(m):
        full = r0 + np.flatnonzero(counts[r0:r1])
        if full.size:
            vals = m.data[a:b] if power == 1 else m.data[a:b] ** power
            out[full] = np.add.reduceat(vals, m.indptr[full] - a)
    return out


def _drop_diagonal(m: sp.csr_matrix) -> None:
    """Remove stored diagonal entries and explicit zeros of a CSR matrix in place (a unit is not its own
    neighbour).  ``setdiag(0)`` would first insert the missing diagonal (a CSR → COO → CSR round trip, seconds
    and super-linear at millions of units) only for ``eliminate_zeros`` to remove it again."""
    m.sum_duplicates()
    counts = np.diff(m.indptr)
    for r0, r1, a, b in _blocks(m):
        rows = np.repeat(np.arange(r0, r1, dtype=m.indices.dtype), counts[r0:r1])
        m.data[a:b][rows == m.indices[a:b]] = 0.0
    m.eliminate_zeros()

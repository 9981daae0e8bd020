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
import scipy.sparse as sp
from libpysal.weights import W

from ._guards import InputError, at

__all__ = ["ISLAND_FIX", "AlignedCache", "IslandError", "aligned", "check_no_islands", "island_error"]

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
        raise island_error([ids[i] for i in lonely], method=method, period=period)


def _to_w(w):
    if isinstance(w, W):
        return w
    if hasattr(w, "to_W"):  # libpysal.graph.Graph
        return w.to_W()
    raise TypeError(f"weights must be a libpysal W or Graph, or a scipy sparse matrix; got {type(w).__name__}")


class AlignedCache:
    """Aligned matrices reused across periods that have the same ids in the same order."""

    def __init__(self, w, transform: str, *, method: str | None = None):
        self.w, self.transform, self.method, self._key, self._m = w, transform, method, None, None

    def __call__(self, ids, period=None) -> sp.csr_matrix:
        key = tuple(ids)
        if key != self._key:
            m = aligned(self.w, list(key), transform=self.transform, method=self.method, period=period)
            self._key, self._m = key, m
        return self._m


def aligned(w, ids, *, transform: str = "r", method: str | None = None, period=None) -> sp.csr_matrix:
    """CSR matrix of ``w`` with rows and columns in the order of ``ids``, transformed on a copy.

    ``transform``: "r" row-standardised, "b" binary (every link 1), "o" as given.  A scipy
    sparse matrix is taken to be in row order already (its shape must match).  Ids of the data
    missing from the weights, or weights ids missing from the data, are an error naming them;
    a unit without neighbours is an :class:`IslandError` under every transform (see the island
    policy above).  ``method`` and ``period`` only word the errors.
    """
    ids = list(ids)
    n = len(ids)
    head = f"{method}: " if method else ""
    if transform not in ("r", "b", "o"):
        raise InputError(f"{head}transform must be 'r', 'b' or 'o', got {transform!r}")
    if sp.issparse(w):
        m = sp.csr_matrix(w, dtype=float, copy=True)
        if m.shape != (n, n):
            raise InputError(f"{head}the sparse weights are {m.shape} but there are {n} rows{at(period)}")
    else:
        w = _to_w(w)
        order = list(w.id_order)
        pos = {k: i for i, k in enumerate(order)}
        missing = [i for i in ids if i not in pos]
        if missing:
            raise InputError(f"{head}ids in the data but not in the weights{at(period)}: {missing[:10]}"
                             f"{' …' if len(missing) > 10 else ''} ({len(missing)} in all)")
        if len(set(ids)) != n:
            raise InputError(f"{head}the data has repeated ids{at(period) or ' within one period'}")
        extra = len(order) - n
        if extra:
            present = set(ids)
            others = [k for k in order if k not in present][:10]
            raise InputError(f"{head}the weights have {extra} ids that are not in the data{at(period)} "
                             f"(e.g. {others}); subset the weights or fill the data")
        perm = np.array([pos[i] for i in ids], dtype=int)
        m = sp.csr_matrix(w.sparse, dtype=float)[perm][:, perm]
    if m.nnz and not np.isfinite(m.data).all():
        raise InputError(f"{head}the weights contain missing or infinite values")
    _drop_diagonal(m)
    check_no_islands(m, ids, method=method, period=period)
    if transform == "b":
        m.data[:] = 1.0
    elif transform == "r":
        rs = np.asarray(m.sum(axis=1)).ravel()
        if np.any(rs == 0):  # links that cancel (negative weights): no row to standardise
            bad = [ids[i] for i in np.flatnonzero(rs == 0)][:10]
            raise InputError(f"{head}the weights of {bad} sum to zero{at(period)}; they cannot be row-standardised")
        m = sp.diags(1.0 / rs) @ m
    return sp.csr_matrix(m)


def _drop_diagonal(m: sp.csr_matrix) -> None:
    """Remove stored diagonal entries and explicit zeros of a CSR matrix in place (a unit is not its own
    neighbour).  ``setdiag(0)`` would first insert the missing diagonal (a CSR → COO → CSR round trip, seconds
    and super-linear at millions of units) only for ``eliminate_zeros`` to remove it again."""
    m.sum_duplicates()
    if m.nnz:
        rows = np.repeat(np.arange(m.shape[0], dtype=m.indices.dtype), np.diff(m.indptr))
        m.data[rows == m.indices] = 0.0
    m.eliminate_zeros()

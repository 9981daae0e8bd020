"""Weights as sparse matrices aligned to the rows of a frame, by id (never by position alone)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from libpysal.weights import W


def _to_w(w):
    if isinstance(w, W):
        return w
    if hasattr(w, "to_W"):  # libpysal.graph.Graph
        return w.to_W()
    raise TypeError(f"weights must be a libpysal W or Graph, or a scipy sparse matrix; got {type(w).__name__}")


class AlignedCache:
    """Aligned matrices reused across periods that have the same ids in the same order."""

    def __init__(self, w, transform: str):
        self.w, self.transform, self._key, self._m = w, transform, None, None

    def __call__(self, ids) -> sp.csr_matrix:
        key = tuple(ids)
        if key != self._key:
            self._key, self._m = key, aligned(self.w, list(key), transform=self.transform)
        return self._m


def aligned(w, ids, *, transform: str = "r") -> sp.csr_matrix:
    """CSR matrix of ``w`` with rows and columns in the order of ``ids``, transformed on a copy.

    ``transform``: "r" row-standardised, "b" binary (every link 1), "o" as given.  A scipy
    sparse matrix is taken to be in row order already (its shape must match).  Ids of the data
    missing from the weights, or weights ids missing from the data, are an error naming them;
    a unit without neighbours is an error under "r".
    """
    ids = list(ids)
    n = len(ids)
    if sp.issparse(w):
        m = sp.csr_matrix(w, dtype=float, copy=True)
        if m.shape != (n, n):
            raise ValueError(f"the sparse weights are {m.shape} but there are {n} rows")
    else:
        w = _to_w(w)
        order = list(w.id_order)
        pos = {k: i for i, k in enumerate(order)}
        missing = [i for i in ids if i not in pos]
        if missing:
            raise ValueError(f"ids in the data but not in the weights: {missing[:10]}"
                             f"{' …' if len(missing) > 10 else ''} ({len(missing)} in all)")
        if len(set(ids)) != n:
            raise ValueError("the data has repeated ids within one period")
        extra = len(order) - n
        if extra:
            others = [k for k in order if k not in set(ids)][:10]
            raise ValueError(f"the weights have {extra} ids that are not in the data (e.g. {others}); "
                             "subset the weights or fill the data")
        perm = np.array([pos[i] for i in ids])
        m = sp.csr_matrix(w.sparse, dtype=float)[perm][:, perm]
    m.setdiag(0.0)
    m.eliminate_zeros()
    if transform == "b":
        m.data[:] = 1.0
    elif transform == "r":
        rs = np.asarray(m.sum(axis=1)).ravel()
        if np.any(rs == 0):
            lonely = [ids[i] for i in np.flatnonzero(rs == 0)][:10]
            raise ValueError(f"units without neighbours: {lonely}; rebuild the weights with islands='nearest' "
                             "or explicit links")
        m = sp.diags(1.0 / rs) @ m
    elif transform != "o":
        raise ValueError(f"transform must be 'r', 'b' or 'o', got {transform!r}")
    return sp.csr_matrix(m)

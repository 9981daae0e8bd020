"""Conditional permutation (Anselin 1995): for unit i keep x_i, draw its neighbours' values
from the other n − 1 units without replacement.  Vectorised by neighbour count and chunked,
so memory stays bounded (≈ chunk × permutations × k values at a time).

Pseudo p-values (:func:`folded_pvalue`) count a permuted statistic equal to the observed one — up to
rounding, :data:`TIE_RTOL` relative to the statistic's magnitude — as "at least as extreme" on *both*
sides.  With few units a draw often picks exactly the observed neighbours, so exact ties are common; a
rule that counts them on one side only (esda's) makes a 1e-15 change of the input flip a p-value, and
gives a degenerate distribution (every permutation equal to the observed value) the smallest p-value
instead of 1."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp


def _repeats(idx: np.ndarray) -> np.ndarray:
    """True for draws (last axis) that contain a unit twice; pairwise comparisons for small k."""
    k = idx.shape[-1]
    if k > 16:
        s = np.sort(idx, axis=-1)
        return np.any(s[..., 1:] == s[..., :-1], axis=-1)
    dup = np.zeros(idx.shape[:-1], dtype=bool)
    for a in range(k):
        for b in range(a + 1, k):
            dup |= idx[..., a] == idx[..., b]
    return dup


def _draw(rng: np.random.Generator, rows: np.ndarray, n: int, k: int, permutations: int) -> np.ndarray:
    """Indices (len(rows), permutations, k) of k distinct units other than each row."""
    m = len(rows)
    if k > (n - 1) // 2:  # dense case: random keys, take the k smallest (exact, costs n per draw)
        keys = rng.random((m, permutations, n - 1))
        idx = np.argpartition(keys, k - 1, axis=2)[:, :, :k]
    else:
        idx = rng.integers(0, n - 1, size=(m, permutations, k), dtype=np.int32 if n < 2**31 else np.int64)
        while True:  # redraw draws that repeat a unit (rare unless n is small)
            dup = _repeats(idx)
            if not dup.any():
                break
            idx[dup] = rng.integers(0, n - 1, size=(int(dup.sum()), k), dtype=idx.dtype)
    idx = idx + (idx >= rows[:, None, None])  # skip the unit itself
    return idx


#: Permuted and observed statistics closer than this (relative to their magnitude) are ties.
TIE_RTOL = 1e-9


def folded_pvalue(sims: np.ndarray, observed, permutations: int) -> np.ndarray:
    """(1 + min(#{sim ≥ obs}, #{sim ≤ obs})) / (P + 1) along the last axis, ties within :data:`TIE_RTOL`
    counted on both sides: the folded one-sided pseudo p-value of esda/GeoDa (equal to it without ties),
    1 when every permutation gives the observed value."""
    sims = np.asarray(sims, dtype=float)
    obs = np.asarray(observed, dtype=float)[..., None]
    tol = TIE_RTOL * np.maximum(np.abs(obs), np.abs(sims).max(axis=-1, keepdims=True))
    larger = (sims >= obs - tol).sum(axis=-1)
    smaller = (sims <= obs + tol).sum(axis=-1)
    return (np.minimum(larger, smaller) + 1.0) / (permutations + 1.0)


def conditional_pvalues(
    values: np.ndarray,
    m: sp.csr_matrix,
    observed: np.ndarray,
    statistic: Callable[[np.ndarray, np.ndarray], np.ndarray],
    *,
    permutations: int,
    seed: int | None,
    chunk_values: int = 2_000_000,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pseudo p-values of local statistics under conditional permutation.

    ``statistic(rows, lag)`` turns permuted spatial lags (len(rows), permutations) into the
    statistic for those rows.  Returns (p_sim, mean, sd) per unit, where p_sim is folded
    one-sided as in esda/GeoDa, (1 + #{perm at least as extreme on the observed side})/(P + 1), with
    ties counted on both sides (:func:`folded_pvalue`).
    """
    rng = np.random.default_rng(seed)
    n = len(values)
    card = np.diff(m.indptr)
    p_sim = np.ones(n)
    mean = np.full(n, np.nan)
    sd = np.full(n, np.nan)
    for k in np.unique(card):
        if k == 0:
            continue
        rows_k = np.flatnonzero(card == k)
        wk = np.vstack([m.data[m.indptr[r]:m.indptr[r + 1]] for r in rows_k]) if k else None
        step = max(1, chunk_values // (permutations * k))
        for start in range(0, len(rows_k), step):
            rows = rows_k[start:start + step]
            idx = _draw(rng, rows, n, int(k), permutations)
            lag = np.einsum("mpk,mk->mp", values[idx], wk[start:start + step])
            stat = statistic(rows, lag)
            p_sim[rows] = folded_pvalue(stat, observed[rows], permutations)
            mean[rows] = stat.mean(axis=1)
            sd[rows] = stat.std(axis=1, ddof=1)
    return p_sim, mean, sd


def fdr(p: np.ndarray, alpha: float) -> np.ndarray:
    """Benjamini–Hochberg: True where p is significant at false-discovery rate ``alpha``."""
    p = np.asarray(p, dtype=float)
    n = len(p)
    order = np.argsort(p)
    thresh = alpha * np.arange(1, n + 1) / n
    passed = p[order] <= thresh
    out = np.zeros(n, dtype=bool)
    if passed.any():
        last = np.flatnonzero(passed).max()
        out[order[: last + 1]] = True
    return out

"""The permutation engine of the global and local statistics (Moran, LISA, Gi*, bivariate Moran, Geary,
General G, join counts).

* Local (:func:`conditional_pvalues`): conditional permutation (Anselin 1995) — unit i keeps x_i, its
  neighbours' values are drawn without replacement from the other n − 1 units — in blocks of units that
  share one set of draws (esda's ``crand`` convention), one compiled pass per block that draws, gathers,
  forms the statistic and counts, with memory O(permutations × k) per thread.
* Global (:func:`permuted_forms`): random permutations of the whole vector and the quadratic and linear
  forms every global statistic is made of, one compiled pass per permutation over the sparse pattern.

Both cut the work into blocks fixed by the problem alone, give every block its own random stream of the
seed's ``numpy.random.SeedSequence`` and run blocks on ``n_jobs`` threads: the numbers are the same for
any ``n_jobs``.

Pseudo p-values (:func:`folded_pvalue`) count a permuted statistic equal to the observed one — up to
rounding, :data:`TIE_RTOL` relative to the statistic's magnitude — as "at least as extreme" on *both*
sides.  With few units a draw often picks exactly the observed neighbours, so exact ties are common; a
rule that counts them on one side only (esda's) makes a 1e-15 change of the input flip a p-value, and
gives a degenerate distribution (every permutation equal to the observed value) the smallest p-value
instead of 1."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

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


#: Units per block of the local engine: the units of a block share one set of draws (as esda's ``crand``
#: shares one set among all units); blocks draw independently.
UNIT_BLOCK = 128
#: Permutations per block of the global engine.
PERM_BLOCK = 32
#: At most this many permutations side by side in one pass of the global kernel, and at most
#: :data:`WIDTH_BYTES` for them (32 MB per thread; the width changes speed only, never the numbers).
MAX_WIDTH = 8
WIDTH_BYTES = 1 << 25


def period_seed(seed, k: int) -> np.random.SeedSequence:
    """The random stream of period ``k`` (the k-th child of ``SeedSequence(seed)``; fresh entropy for None)."""
    return np.random.SeedSequence() if seed is None else np.random.SeedSequence(seed, spawn_key=(k,))


def _states(seed, count: int) -> np.ndarray:
    """``count`` 64-bit starting states for the blocks, from the SeedSequence of ``seed`` (fixed by the
    seed and the block count alone, never by the number of workers)."""
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return root.generate_state(max(count, 1), np.uint64)[:count]


def conditional_pvalues(
    values: np.ndarray,
    m: sp.csr_matrix,
    observed: np.ndarray,
    slope: np.ndarray,
    intercept: np.ndarray | None = None,
    *,
    permutations: int,
    seed,
    n_jobs: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pseudo p-values of local statistics ``slope_i · Σ_j w_ij x_π(j) + intercept_i`` under conditional
    permutation (Anselin 1995): unit i keeps x_i, its neighbours' values are drawn without replacement
    from the other n − 1 units.

    Units are cut into blocks of :data:`UNIT_BLOCK` (in the order of ``values``); the units of a block share
    one set of ``permutations`` draws, as esda's ``crand`` shares one among all units, and each block
    draws from its own stream of ``seed`` (an int, None or a SeedSequence), so the results are the same for
    every ``n_jobs``.  Blocks run on ``n_jobs`` threads (the compiled kernel releases the GIL).

    Returns (p_sim, mean, sd) per unit: p_sim is folded one-sided as in esda/GeoDa,
    (1 + #{perm at least as extreme on the observed side})/(P + 1), ties within :data:`TIE_RTOL` counted
    on both sides (:func:`folded_pvalue`); units without neighbours get p_sim = 1 and NaN moments.
    """
    from .._parallel import blocks, effective, pmap
    from ._kernels import local_blocks

    n = len(values)
    m = sp.csr_matrix(m)
    # contiguous, writable float arrays (a read-only view, e.g. of a pandas column, would make numba compile a
    # second specialisation of the kernel)
    values = np.require(values, dtype=float, requirements=["C", "W"])
    slope = np.require(np.broadcast_to(slope, (n,)), dtype=float, requirements=["C", "W"])
    intercept = np.zeros(n) if intercept is None else np.require(np.broadcast_to(intercept, (n,)), dtype=float,
                                                                 requirements=["C", "W"])
    observed = np.require(observed, dtype=float, requirements=["C", "W"])
    p_sim, mean, sd = np.ones(n), np.full(n, np.nan), np.full(n, np.nan)
    nblocks = -(-n // UNIT_BLOCK)
    states = _states(seed, nblocks)
    indptr, indices = m.indptr.astype(np.int64), m.indices.astype(np.int64)
    data = np.ascontiguousarray(m.data, dtype=float)

    def run(span):
        local_blocks(indptr, indices, data, values, slope, intercept, observed, permutations, UNIT_BLOCK,
                     span[0], span[1], states, TIE_RTOL, p_sim, mean, sd)

    workers = effective(n_jobs)
    spans = blocks(nblocks, nblocks if workers == 1 else -(-nblocks // (4 * workers)))
    pmap(run, spans, n_jobs=n_jobs, require="sharedmem")  # the blocks write into p_sim, mean, sd: threads always
    return p_sim, mean, sd


def _global_layout(m: sp.csr_matrix | None, n: int):
    """Units in reverse Cuthill–McKee order of the pattern of M + M′, and the strict upper triangle of
    M + M′ and the diagonal of M in that order."""
    from scipy.sparse.csgraph import reverse_cuthill_mckee

    m = sp.csr_matrix((n, n)) if m is None else sp.csr_matrix(m, dtype=float)
    sym = (m + m.T).tocsr()
    order = reverse_cuthill_mckee(sym, symmetric_mode=True).astype(np.int64) if sym.nnz else np.arange(n)
    upper = sp.triu(sym[order][:, order], k=1, format="csr")
    upper.sort_indices()
    return order, upper, np.ascontiguousarray(m.diagonal()[order], dtype=float)


def permuted_forms(
    x: np.ndarray,
    m: sp.csr_matrix | None,
    *,
    permutations: int,
    seed,
    linear: np.ndarray | None = None,
    squares: np.ndarray | None = None,
    n_jobs: int = 1,
) -> np.ndarray:
    """(permutations, 3) array of x_π′Mx_π, c′x_π and e′x_π² (c = ``linear``, e = ``squares``; zero when
    not given) over random permutations π of ``x`` — the permutation distributions of global Moran, Geary,
    General G, join counts and bivariate Moran.

    The quadratic form runs over the upper triangle of M + M′ (half the gathers), with units in reverse
    Cuthill–McKee order of that pattern so that neighbours sit close in memory, and up to :data:`MAX_WIDTH`
    permutations side by side so that one pass over the pattern serves all of them; none of this changes
    the numbers.  Permutations come in blocks of :data:`PERM_BLOCK`, each from its own stream of ``seed``,
    so the result is the same for every ``n_jobs``.  :func:`permutation_indices` gives the permutations.
    """
    from .._parallel import blocks, pmap
    from ._kernels import global_block

    n = len(x)
    order, upper, diag = _global_layout(m, n)
    lin = np.zeros((n, 2))
    if linear is not None:
        lin[:, 0] = np.asarray(linear, dtype=float)[order]
    if squares is not None:
        lin[:, 1] = np.asarray(squares, dtype=float)[order]
    xs = np.ascontiguousarray(np.asarray(x, dtype=float)[order])
    spans = blocks(permutations, PERM_BLOCK)
    states = _states(seed, len(spans))
    ptr, idx = upper.indptr.astype(np.int64), upper.indices.astype(np.int64)
    val = np.ascontiguousarray(upper.data, dtype=float)
    width = int(max(1, min(MAX_WIDTH, WIDTH_BYTES // (8 * max(n, 1)))))

    def run(k):
        lo, hi = spans[k]
        return global_block(ptr, idx, val, diag, lin, xs, hi - lo, states[k], width)

    parts = pmap(run, range(len(spans)), n_jobs=n_jobs, prefer="threads")
    return np.concatenate(parts, axis=0) if parts else np.empty((0, 3))


def permutation_indices(m: sp.csr_matrix | None, n: int, *, permutations: int, seed) -> np.ndarray:
    """(permutations, n) integer array: row p is the permutation :func:`permuted_forms` draws for the same
    ``m``, ``seed`` and permutation count, in the caller's unit order — ``x[rows[p]]`` is the permuted
    vector whose forms are row p of :func:`permuted_forms`."""
    from .._parallel import blocks
    from ._kernels import shuffle_block

    order, _, _ = _global_layout(m, n)
    spans = blocks(permutations, PERM_BLOCK)
    states = _states(seed, len(spans))
    inner = np.concatenate([shuffle_block(n, hi - lo, states[k]) for k, (lo, hi) in enumerate(spans)])
    out = np.empty_like(inner)
    out[:, order] = order[inner]  # unit order[i] holds x[order[inner[p, i]]]
    return out


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

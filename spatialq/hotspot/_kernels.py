"""Compiled (numba) kernels of the permutation engine in :mod:`spatialq.hotspot._perm`.

Random numbers come from SplitMix64 (Steele, Lea & Flood 2014), a 64-bit generator whose state is one
integer: each block of work starts from a state taken from ``numpy.random.SeedSequence.spawn``, so a
block's draws do not depend on which thread or process runs it.  A bounded integer in [0, m) is
⌊u·m⌋ with u the top 53 bits as a double (bias below m/2⁵³, i.e. < 1e-9 for m < 10⁷).

The kernels release the GIL (``nogil``) so joblib's threading backend runs blocks on several cores
without copying the weights.
"""

from __future__ import annotations

import numba as nb
import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2^-53


@nb.njit(inline="always", cache=True)
def _next(state):
    state = np.uint64(state) + _GOLDEN
    x = state
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return state, x ^ (x >> np.uint64(31))


@nb.njit(inline="always", cache=True)
def _below(state, m):
    """(state, an integer uniform on [0, m))."""
    state, x = _next(state)
    return state, int((x >> np.uint64(11)) * _TO_UNIT * m)


@nb.njit(inline="always", cache=True)
def _shuffle(arr, state):
    """One Fisher–Yates pass over ``arr`` in place (a uniform random permutation of whatever it holds)."""
    for i in range(arr.shape[0] - 1, 0, -1):
        state, j = _below(state, i + 1)
        t = arr[i]
        arr[i] = arr[j]
        arr[j] = t
    return state


@nb.njit(nogil=True, cache=True)
def global_block(upper_ptr, upper_idx, upper_val, diag, lin, x, count, state, width):
    """``count`` random permutations x_π of ``x`` (successive Fisher–Yates passes, each uniform and
    independent of the last); row p holds (Σ_{i<j} s_ij x_πi x_πj + Σ_i d_i x_πi², Σ_i c_i x_πi,
    Σ_i e_i x_πi²) with s the strict upper triangle, d = ``diag`` and (c, e) the columns of ``lin``.

    The permutations are laid side by side ``width`` at a time (an (n, width) array), so one pass over the
    sparse pattern serves ``width`` of them: the pattern is read count/width times instead of count times
    (it is memory traffic, not arithmetic, that bounds this loop).  Each permutation's sums are formed in
    the same order as one at a time, so the numbers do not depend on ``width``."""
    n = x.shape[0]
    xp = x.copy()
    out = np.empty((count, 3))
    cols = np.empty((n, width))
    acc = np.empty(width)
    quad = np.empty(width)
    dq = np.empty(width)
    lc = np.empty(width)
    ld = np.empty(width)
    for first in range(0, count, width):
        w = min(width, count - first)
        for b in range(w):
            state = _shuffle(xp, state)
            for i in range(n):
                cols[i, b] = xp[i]
        quad[:] = 0.0
        for i in range(n):
            acc[:] = 0.0
            for q in range(upper_ptr[i], upper_ptr[i + 1]):
                v = upper_val[q]
                j = upper_idx[q]
                for b in range(w):
                    acc[b] += v * cols[j, b]
            for b in range(w):
                quad[b] += cols[i, b] * acc[b]
        dq[:] = 0.0
        lc[:] = 0.0
        ld[:] = 0.0
        for i in range(n):  # one pass over the block (each permutation's sums still in the order of i)
            d, c0, c1 = diag[i], lin[i, 0], lin[i, 1]
            for b in range(w):
                v = cols[i, b]
                dq[b] += d * v * v
                lc[b] += c0 * v
                ld[b] += c1 * v * v
        for b in range(w):
            out[first + b, 0] = quad[b] + dq[b]
            out[first + b, 1] = lc[b]
            out[first + b, 2] = ld[b]
    return out


@nb.njit(nogil=True, cache=True)
def shuffle_block(n, count, state):
    """The permutations :func:`global_block` applies, as index arrays (count, n): row p is the order in
    which x's entries stand after pass p (for tests and audits)."""
    idx = np.arange(n)
    out = np.empty((count, n), dtype=np.int64)
    for p in range(count):
        state = _shuffle(idx, state)
        out[p] = idx
    return out


@nb.njit(nogil=True, cache=True)
def _distinct(state, n_minus_1, k, pool, swaps, draws, p):
    """Row ``p`` of ``draws``: k distinct integers of [0, n − 1) by a partial Fisher–Yates on ``pool``
    (= arange(n − 1) on entry and on exit: the swaps are undone in reverse order), O(k) whatever n."""
    for t in range(k):
        state, j = _below(state, n_minus_1 - t)
        j += t
        swaps[t] = j
        v = pool[j]
        pool[j] = pool[t]
        pool[t] = v
        draws[p, t] = v
    for t in range(k - 1, -1, -1):
        j = swaps[t]
        v = pool[j]
        pool[j] = pool[t]
        pool[t] = v
    return state


@nb.njit(nogil=True, cache=True)
def local_blocks(indptr, indices, data, values, slope, intercept, observed, permutations, block_size,
                 first_block, last_block, states, tie_rtol, p_sim, mean, sd):
    """Conditional permutation for the units of blocks [first_block, last_block): within a block every
    unit uses the same ``permutations`` × k_max draws of k distinct *other* units (unit i skips itself:
    a draw d ≥ i stands for unit d + 1), as esda's ``crand``; blocks draw independently.  The statistic
    of unit i is ``slope[i] · lag + intercept[i]``, lag = Σ_j w_ij x_π(j).  Writes the folded pseudo
    p-value (ties within ``tie_rtol`` on both sides), mean and standard deviation of the permuted
    statistics."""
    n = values.shape[0]
    kmax = 0
    for i in range(n):
        kmax = max(kmax, indptr[i + 1] - indptr[i])
    pool = np.arange(n - 1)
    swaps = np.empty(kmax, dtype=np.int64)
    draws = np.empty((permutations, kmax), dtype=np.int64)
    below = np.empty((permutations, kmax))
    above = np.empty((permutations, kmax))
    stat = np.empty(permutations)
    for b in range(first_block, last_block):
        state = states[b]
        lo = b * block_size
        hi = min(n, lo + block_size)
        kb = 0
        for i in range(lo, hi):
            kb = max(kb, indptr[i + 1] - indptr[i])
        if kb == 0:
            continue
        for p in range(permutations):
            state = _distinct(state, n - 1, kb, pool, swaps, draws, p)
            for t in range(kb):
                d = draws[p, t]
                below[p, t] = values[d]
                above[p, t] = values[d + 1]
        for i in range(lo, hi):
            start = indptr[i]
            k = indptr[i + 1] - start
            if k == 0:
                continue
            top = abs(observed[i])
            s1 = 0.0
            for p in range(permutations):
                lag = 0.0
                for t in range(k):
                    lag += data[start + t] * (above[p, t] if draws[p, t] >= i else below[p, t])
                v = slope[i] * lag + intercept[i]
                stat[p] = v
                s1 += v
                top = max(top, abs(v))
            tol = tie_rtol * top
            ge = 0
            le = 0
            mu = s1 / permutations
            s2 = 0.0
            for p in range(permutations):
                v = stat[p]
                if v >= observed[i] - tol:
                    ge += 1
                if v <= observed[i] + tol:
                    le += 1
                s2 += (v - mu) * (v - mu)
            p_sim[i] = (min(ge, le) + 1.0) / (permutations + 1.0)
            mean[i] = mu
            sd[i] = np.sqrt(s2 / (permutations - 1)) if permutations > 1 else np.nan

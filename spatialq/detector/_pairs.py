"""Stratum counts and sums of every factor and every overlaid pair of factors, in a few passes over the rows.

The interaction detector needs, for each pair of factors (a, b), the count N_h and the sum Σ (y − ȳ) of the
centred y in every cell h = (level of a, level of b).  Doing one ``bincount`` per pair costs
K(K − 1)/2 passes over N rows (190 for 20 factors).  Here factors are packed into *groups* whose joint
code (mixed radix of the factors' codes) has at most ``P`` cells; one ``bincount`` over the joint code of
two groups (≤ P² cells) gives the table from which all |G₁|·|G₂| cross pairs follow by summing cells, and
one ``bincount`` per group gives its single factors and its within-group pairs.  Twenty factors of 3–8
strata at N = 10⁶ form 7 groups, so 21 + 7 passes replace 190 + 20.

Sums are plain float64 sums of the centred y (``numpy.bincount`` in row order, then sums of cells), so
results agree with a per-pair ``groupby`` to rounding (~1e-15 relative) whatever the order of the rows.
Pairs whose table would be too large to be dense (N_a·N_b strata above ``max(cap, 4N)``) are
compacted first (``pandas.factorize`` of the combined code): only cells that occur are kept.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

__all__ = ["overlay_sums", "plan_groups"]

#: largest dense joint table of two groups (cells); 2¹⁶ float64 cells = 0.5 MB, cache-resident for bincount
CAP = 1 << 16


def plan_groups(sizes: list[int], cap: int) -> list[list[int]]:
    """Consecutive factors packed greedily into groups with ∏ L_f ≤ √cap (a factor with more strata alone)."""
    per_group = max(math.isqrt(cap), 2)
    groups: list[list[int]] = []
    cur: list[int] = []
    prod = 1
    for f, L in enumerate(sizes):
        if cur and prod * L > per_group:
            groups.append(cur)
            cur, prod = [], 1
        cur.append(f)
        prod *= L
    if cur:
        groups.append(cur)
    return groups


def _joint(codes: list[np.ndarray], sizes: list[int], members: list[int]) -> np.ndarray:
    """Mixed-radix joint code of ``members`` (the first factor most significant), int64."""
    out = codes[members[0]].astype(np.int64, copy=True)
    for f in members[1:]:
        out *= sizes[f]
        out += codes[f]
    return out


def _marginal(table: np.ndarray, dims: list[int], keep: tuple[int, ...]) -> np.ndarray:
    """Sum of ``table`` (cells in mixed radix ``dims``) over all axes but ``keep`` (increasing), flattened."""
    drop = tuple(i for i in range(len(dims)) if i not in keep)
    t = table.reshape(dims)
    return (t.sum(axis=drop) if drop else t).ravel()


def _sums(code: np.ndarray, yc: np.ndarray, cells: int) -> tuple[np.ndarray, np.ndarray]:
    return np.bincount(code, minlength=cells), np.bincount(code, weights=yc, minlength=cells)


def _pair_direct(ca, cb, lb: int, la: int, yc: np.ndarray, dense_max: int):
    """One pair by its own pass: dense cells a·L_b + b, or only the cells that occur when that is too many."""
    combined = ca.astype(np.int64) * lb + cb
    if la * lb <= dense_max:
        return _sums(combined, yc, la * lb)
    import pandas as pd

    inv, _ = pd.factorize(combined, sort=False)
    return _sums(inv, yc, int(inv.max()) + 1)


def overlay_sums(yc: np.ndarray, codes: list[np.ndarray], sizes: list[int], *, pairs: bool = True,
                 cap: int = CAP) -> tuple[list[tuple[np.ndarray, np.ndarray]], dict]:
    """Counts and sums of the centred ``yc`` per stratum of every factor and of every overlaid pair.

    Parameters
    ----------
    yc : float array (N,)
        The explained variable, centred on its mean (the sums are of yc).
    codes : list of int arrays (N,)
        Stratum codes 0 … L_f − 1 of each factor.
    sizes : list of int
        L_f (codes must be below it).
    pairs : bool
        Also the pairs (a < b by position).
    cap : int
        Largest dense joint table of two groups.

    Returns
    -------
    singles : list of (count, sum) per factor, arrays of length L_f (index = code).
    pair : dict (a, b) -> (count, sum); cells a_code·L_b + b_code (dense, unused cells have count 0) or,
        for pairs with more than max(cap, 4N) possible cells, only the cells that occur, in no set order.
    """
    n = len(yc)
    k = len(codes)
    dense_max = max(cap, 4 * n)
    groups = plan_groups(sizes, cap)
    single: list = [None] * k
    pair: dict = {}
    gcode, gcells = [], []
    for members in groups:
        dims = [sizes[f] for f in members]
        cells = math.prod(dims)
        if len(members) == 1:  # the factor's own codes; a large factor's table is its L strata
            code = codes[members[0]]
            single[members[0]] = _sums(code, yc, cells)
            gcode.append(code)
            gcells.append(cells)
            continue
        code = _joint(codes, sizes, members)
        cnt, s1 = _sums(code, yc, cells)
        for p, f in enumerate(members):
            single[f] = (_marginal(cnt, dims, (p,)), _marginal(s1, dims, (p,)))
        if pairs:
            for (p, a), (r, b) in itertools.combinations(enumerate(members), 2):
                pair[a, b] = (_marginal(cnt, dims, (p, r)), _marginal(s1, dims, (p, r)))
        gcode.append(code)
        gcells.append(cells)
    if not pairs:
        return single, pair
    buf = np.empty(n, dtype=np.int64)
    for i, j in itertools.combinations(range(len(groups)), 2):
        gi, gj = groups[i], groups[j]
        si, sj = gcells[i], gcells[j]
        if si * sj > cap:  # a group that is one factor with many strata is involved: pair by pair
            for a in gi:
                for b in gj:
                    pair[a, b] = _pair_direct(codes[a], codes[b], sizes[b], sizes[a], yc, dense_max)
            continue
        joint = np.multiply(gcode[i], sj, out=buf)  # one buffer for all pairs of groups (no fresh pages)
        joint += gcode[j]
        cnt, s1 = _sums(joint, yc, si * sj)
        di, dj = [sizes[f] for f in gi], [sizes[f] for f in gj]
        for p, a in enumerate(gi):
            # (level of a) × (cells of group j), summing over the other factors of group i
            pre, post = math.prod(di[:p]), math.prod(di[p + 1:])
            ca = cnt.reshape(pre, sizes[a], post, sj).sum(axis=(0, 2))
            sa = s1.reshape(pre, sizes[a], post, sj).sum(axis=(0, 2))
            for r, b in enumerate(gj):
                pre_b, post_b = math.prod(dj[:r]), math.prod(dj[r + 1:])
                shape = (sizes[a], pre_b, sizes[b], post_b)
                pair[a, b] = (ca.reshape(shape).sum(axis=(1, 3)).ravel(), sa.reshape(shape).sum(axis=(1, 3)).ravel())
    return single, pair

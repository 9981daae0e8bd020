"""The q-statistic and its noncentral-F test on integer strata codes (vectorised with bincount)."""

from __future__ import annotations

import numpy as np
from scipy import stats


def codes(values) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes 0..L−1 of the strata and the stratum labels (sorted), as ``pandas.factorize(sort=True)``.

    Integer strata whose range is at most max(2N, 4096) wide are coded through a table of the values that
    occur (one ``bincount``, no hashing or sorting of N values); anything else by ``pandas.factorize``.
    """
    import pandas as pd

    v = np.asarray(values)
    if v.dtype.kind in "iu" and v.size:
        lo, hi = v.min(), v.max()
        span = int(hi) - int(lo) + 1
        if span <= max(2 * v.size, 4096):
            wide = np.uint64 if v.dtype == np.uint64 else np.int64  # v − lo without overflow in a narrow type
            if v.dtype == np.int64 and lo == 0:
                off = v  # read only from here on
            else:
                off = np.subtract(v, lo, dtype=wide).view(np.int64)  # < span, so the uint64 view is exact
            present = np.bincount(off, minlength=span) > 0
            labels = (np.flatnonzero(present).astype(wide) + wide(lo)).astype(v.dtype)
            if present.all():  # the values are lo, lo + 1, …, hi: the offsets are the codes
                return off.astype(np.int64, copy=False), labels
            lut = np.cumsum(present) - 1
            return lut[off].astype(np.int64, copy=False), labels
    inv, labels = pd.factorize(pd.Series(v), sort=True)
    return inv.astype(np.int64), np.asarray(labels)


class Centred:
    """y centred once (keeps SSW accurate and avoids recomputing for every factor and pair)."""

    def __init__(self, y: np.ndarray):
        self.y = np.asarray(y, dtype=float)
        self.mean = float(self.y.mean())
        self.yc = self.y - self.mean
        self.yc2 = self.yc * self.yc
        self.sst = float(self.yc2.sum())


def q_test(y, code: np.ndarray, n_strata: int | None = None) -> dict:
    """q = 1 − SSW/SST with the noncentral-F p-value of Wang, Zhang & Fu (2016).

    SSW = Σ_h (N_h − 1) s_h², SST = (N − 1) s² (sample variances, as R geodetector);
    F = (N − L)/(L − 1) · q/(1 − q) ~ F(L − 1, N − L; λ),
    λ = [Σ_h Ȳ_h² − (Σ_h √N_h Ȳ_h)²/N] / s²;  p = P(F' > F).
    Strata with no observations (unused codes) do not count in L.
    """
    c = y if isinstance(y, Centred) else Centred(y)
    if n_strata is None:
        n_strata = int(code.max()) + 1
    # Σ_h Σ (y − ȳ)² over all strata is SST whatever the partition, so SSW = SST − Σ_h s1_h²/N_h:
    # only counts and sums of the centred y are needed (one weighted pass instead of two)
    cnt = np.bincount(code, minlength=n_strata)
    s1 = np.bincount(code, weights=c.yc, minlength=n_strata)
    return q_from_sums(c, cnt, s1)


def q_only(c: Centred, cnt: np.ndarray, s1: np.ndarray) -> float:
    """q = 1 − SSW/SST from per-stratum counts and sums of the centred y (empty strata ignored), as
    :func:`q_test` (SSW = SST − Σ_h s1_h²/N_h, which has no cancellation in q itself)."""
    used = cnt > 0
    cnt, s1 = cnt[used].astype(float), s1[used]
    ssw = float(c.sst - np.sum(s1 * s1 / cnt))
    if c.sst == 0:
        raise ValueError("y is constant: the q-statistic is undefined")
    return 1.0 - max(ssw, 0.0) / c.sst


def q_from_sums(c: Centred, cnt: np.ndarray, s1: np.ndarray) -> dict:
    """:func:`q_test` from per-stratum counts ``cnt`` and sums ``s1`` of the centred y (empty strata ignored)."""
    n = len(c.y)
    used = cnt > 0
    cnt, s1 = cnt[used].astype(float), s1[used]
    L = len(cnt)
    ssw = float(c.sst - np.sum(s1 * s1 / cnt))
    sst = c.sst
    if sst == 0:
        raise ValueError("y is constant: the q-statistic is undefined")
    q = 1.0 - max(ssw, 0.0) / sst
    var = sst / (n - 1)
    means = s1 / cnt + c.mean
    lam = (np.sum(means ** 2) - np.sum(np.sqrt(cnt) * means) ** 2 / n) / var
    if L < 2 or n <= L:
        return dict(q=q, F=np.nan, p=np.nan, ncp=lam, n_strata=L, ssw=ssw)
    F = (n - L) / (L - 1) * q / (1 - q) if q < 1 else np.inf
    p = float(stats.ncf.sf(F, L - 1, n - L, max(lam, 0.0))) if np.isfinite(F) else 0.0
    return dict(q=q, F=F, p=p, ncp=lam, n_strata=L, ssw=ssw)


def ncf_sf_series(F: float, d1: float, d2: float, ncp: float, tol: float = 1e-15) -> float:
    """P(F' > F) for the noncentral F by its Poisson mixture of central F tails, summed to ``tol``.

    P = Σ_j e^{−λ/2}(λ/2)^j/j! · P(Beta(d1/2 + j, d2/2) > x), x = d1F/(d1F + d2).  Independent of
    scipy's Boost-based ``ncf``; used in the tests to check it.
    """
    x = d1 * F / (d1 * F + d2)
    half = ncp / 2.0
    j0 = int(half)
    total = 0.0
    for direction in (range(j0, j0 + 100000), range(j0 - 1, -1, -1)):
        for j in direction:
            w = float(stats.poisson.pmf(j, half)) if half > 0 else float(j == 0)
            term = w * stats.beta.sf(x, d1 / 2 + j, d2 / 2)
            total += term
            if w < tol and j != j0:
                break
    return total

"""The q-statistic and its noncentral-F test on integer strata codes (vectorised with bincount)."""

from __future__ import annotations

import numpy as np
from scipy import stats


def codes(values) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes 0..L−1 of the strata and the stratum labels (sorted)."""
    labels, inv = np.unique(np.asarray(values), return_inverse=True)
    return inv.astype(np.int64), labels


def strata_sums(y: np.ndarray, code: np.ndarray, n_strata: int):
    """Per stratum: count, sum and sum of squares of the centred y (centring keeps SSW accurate)."""
    yc = y - y.mean()
    cnt = np.bincount(code, minlength=n_strata).astype(float)
    s1 = np.bincount(code, weights=yc, minlength=n_strata)
    s2 = np.bincount(code, weights=yc * yc, minlength=n_strata)
    return cnt, s1, s2


def q_test(y: np.ndarray, code: np.ndarray, n_strata: int | None = None) -> dict:
    """q = 1 − SSW/SST with the noncentral-F p-value of Wang, Zhang & Fu (2016).

    SSW = Σ_h (N_h − 1) s_h², SST = (N − 1) s² (sample variances, as R geodetector);
    F = (N − L)/(L − 1) · q/(1 − q) ~ F(L − 1, N − L; λ),
    λ = [Σ_h Ȳ_h² − (Σ_h √N_h Ȳ_h)²/N] / s²;  p = P(F' > F).
    Strata with no observations (unused codes) do not count in L.
    """
    if n_strata is None:
        n_strata = int(code.max()) + 1
    n = len(y)
    cnt, s1, s2 = strata_sums(y, code, n_strata)
    used = cnt > 0
    cnt, s1, s2 = cnt[used], s1[used], s2[used]
    L = len(cnt)
    ssw = float(np.sum(s2 - s1 * s1 / cnt))
    yc = y - y.mean()
    sst = float(yc @ yc)
    if sst == 0:
        raise ValueError("y is constant: the q-statistic is undefined")
    q = 1.0 - max(ssw, 0.0) / sst
    var = sst / (n - 1)
    means = s1 / cnt + y.mean()
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

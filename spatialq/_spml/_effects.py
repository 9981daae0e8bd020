"""LeSage–Pace direct, indirect and total effects (LeSage & Pace 2009, ch. 2.7 and 4.6).

For a lag model y = ρWy + Xβ + WXθ + ε the matrix of partial derivatives of E[y] with respect
to regressor k is S_k(W) = (I − ρW)⁻¹(Iβ_k + Wθ_k).  Its averages are

    direct_k   = [β_k tr((I − ρW)⁻¹) + θ_k tr(W(I − ρW)⁻¹)] / N
    total_k    = [β_k 1'(I − ρW)⁻¹1 + θ_k 1'(I − ρW)⁻¹W1] / N   ( = (β_k + θ_k)/(1 − ρ) for a
                                                                  row-standardised W)
    indirect_k = total_k − direct_k.

SAR and SAC have θ = 0; SEM has direct = β, indirect = 0; SLX and SDEM have direct = β,
indirect = θ.  The θ term in the direct effect is the one spreg 1.9 leaves out.

Inference: for lag models, ``n_draws`` parameter vectors (β, θ, ρ) are drawn from the estimated
asymptotic normal distribution (draws with ρ outside the admissible interval are discarded, as in
LeSage & Pace), the effects are computed for every draw, and the standard error is their
standard deviation; t = estimate / SE with normal p-values, and the 2.5 %/97.5 % quantiles of the
draws give the interval (spatialreg's ``impacts(..., R=)``).  For the linear cases (SEM, SLX,
SDEM) the standard errors are exact linear combinations of the covariance matrix.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from ._logdet import LogDet

EFFECTS = ("direct", "indirect", "total")


def _multipliers(logdet: LogDet, rho: np.ndarray) -> tuple[np.ndarray, ...]:
    """tr(A)/N, tr(AW)/N, 1'A1/N, 1'AW1/N for A = (I − ρW)⁻¹, vectorised over ρ."""
    n = logdet.n
    rho = np.atleast_1d(np.asarray(rho, float))
    d0 = logdet.trace_series(rho, 0) / n
    d1 = logdet.trace_series(rho, 1) / n
    if logdet.row_standardised:
        t0 = 1.0 / (1.0 - rho)
        return d0, d1, t0, t0
    W = logdet.W
    w1 = np.asarray(W @ np.ones(n)).ravel()
    t0, t1 = np.empty_like(rho), np.empty_like(rho)
    for i, r in enumerate(rho):
        lu = sp.linalg.splu((sp.identity(n, format="csc") - r * W).tocsc())
        t0[i] = lu.solve(np.ones(n)).sum() / n
        t1[i] = lu.solve(w1).sum() / n
    return d0, d1, t0, t1


def lag_effects(beta: np.ndarray, theta: np.ndarray | None, rho, logdet: LogDet) -> np.ndarray:
    """(…, k, 3) array of direct, indirect, total effects; beta/theta (…, k), rho (…)."""
    beta = np.atleast_2d(beta)
    theta = np.zeros_like(beta) if theta is None else np.atleast_2d(theta)
    d0, d1, t0, t1 = _multipliers(logdet, rho)
    direct = beta * d0[:, None] + theta * d1[:, None]
    total = beta * t0[:, None] + theta * t1[:, None]
    return np.stack([direct, total - direct, total], axis=-1)


def effects_table(est: np.ndarray, se: np.ndarray, names: list[str], draws: np.ndarray | None = None,
                  level: float = 0.95) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(wide estimates frame, long inference frame) from (k, 3) estimates and standard errors."""
    wide = pd.DataFrame(est, index=pd.Index(names, name="term"), columns=list(EFFECTS))
    rows = []
    a = (1 - level) / 2
    for i, name in enumerate(names):
        for j, eff in enumerate(EFFECTS):
            s = se[i, j]
            t = est[i, j] / s if s > 0 else np.nan
            if draws is not None:
                lo, hi = np.quantile(draws[:, i, j], [a, 1 - a])
            else:
                z = stats.norm.ppf(1 - a)
                lo, hi = est[i, j] - z * s, est[i, j] + z * s
            rows.append({"term": name, "effect": eff, "estimate": est[i, j], "std_error": s, "t": t,
                         "p": 2 * stats.norm.sf(abs(t)) if np.isfinite(t) else np.nan,
                         "ci_lower": lo, "ci_upper": hi})
    return wide, pd.DataFrame(rows)


def simulate_lag(mean: np.ndarray, cov: np.ndarray, lagged: list[bool], logdet: LogDet, *, n_draws: int,
                 rng: np.random.Generator) -> np.ndarray:
    """Effects of ``n_draws`` draws of (β (k), θ of the lagged regressors, ρ) ~ N(mean, cov).

    ``lagged[i]`` says whether regressor i has a θ (its θ is zero otherwise).  Draws with ρ outside
    the admissible interval are discarded and redrawn.  Returns (draws, k, 3)."""
    k = len(lagged)
    lo, hi = logdet.interval
    chunks, need = [], n_draws
    for _ in range(50):
        d = rng.multivariate_normal(mean, cov, size=need, method="cholesky")
        d = d[(d[:, -1] > lo) & (d[:, -1] < hi)]
        chunks.append(d)
        need -= len(d)
        if need <= 0:
            break
    d = np.vstack(chunks)[:n_draws]
    beta = d[:, :k]
    theta = np.zeros_like(beta)
    theta[:, np.flatnonzero(lagged)] = d[:, k:k + int(np.sum(lagged))]
    return lag_effects(beta, theta, d[:, -1], logdet)

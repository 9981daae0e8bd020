"""Ordinary least squares with classical, HC1 or cluster-robust (CR1) standard errors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats


@dataclass(frozen=True)
class OLSFit:
    params: pd.Series
    std_errors: pd.Series
    tvalues: pd.Series
    pvalues: pd.Series
    nobs: int
    df_resid: int
    r2: float
    cov_type: str


def ols(y: np.ndarray, x: pd.DataFrame, *, cov: str = "classical", clusters: np.ndarray | None = None,
        absorbed: int = 0) -> OLSFit:
    """Least squares of y on the columns of x (include a constant column yourself).

    ``absorbed`` is the number of parameters removed by demeaning (fixed effects), used in
    the residual degrees of freedom.  ``cov``: "classical" σ²(X'X)⁻¹, "hc1" White with n/(n−k),
    "cluster" CR1, p-values from t(G−1) for clusters and t(n−k) otherwise (k includes ``absorbed``).

    The cluster-robust small-sample factor is **Stata's ``areg``**: G/(G−1)·(n−1)/(n−k−a), with a = ``absorbed``
    fixed effects counted in the degrees of freedom.  Stata's ``xtreg, fe vce(cluster)`` and R plm's
    ``vcovHC(type="sss", cluster="group")`` use G/(G−1)·(n−1)/(n−k), not counting the absorbed effects (nested
    in the clusters), so their standard errors are smaller by the exact factor √((n−k−a)/(n−k)): 4.0 % on
    Produc with two-way effects (48 states, 17 years; tests/reference/regression/produc_cluster.R), about 1.7 %
    with unit effects when T ≈ 30.
    """
    X = x.to_numpy(dtype=float)
    y = np.asarray(y, dtype=float)
    n, k = X.shape
    if n <= k + absorbed:
        raise ValueError(f"{n} observations are too few for {k + absorbed} parameters")
    if np.linalg.matrix_rank(X) < k:
        raise ValueError(f"regressors are collinear: {list(x.columns)}")
    xtx_inv = np.linalg.inv(X.T @ X)
    beta = xtx_inv @ X.T @ y
    e = y - X @ beta
    dof = n - k - absorbed
    if cov == "classical":
        v = xtx_inv * (e @ e / dof)
        tdf = dof
    elif cov == "hc1":
        meat = (X * e[:, None] ** 2).T @ X
        v = xtx_inv @ meat @ xtx_inv * n / dof
        tdf = dof
    elif cov == "cluster":
        if clusters is None:
            raise ValueError("cov='cluster' needs clusters")
        codes, inv = np.unique(clusters, return_inverse=True)
        g = len(codes)
        scores = np.zeros((g, k))
        np.add.at(scores, inv, X * e[:, None])
        v = xtx_inv @ (scores.T @ scores) @ xtx_inv * (g / (g - 1)) * ((n - 1) / dof)
        tdf = g - 1
    else:
        raise ValueError(f"cov must be 'classical', 'hc1' or 'cluster', got {cov!r}")
    se = np.sqrt(np.diag(v))
    tv = beta / se
    pv = 2 * stats.t.sf(np.abs(tv), tdf)
    yc = y - y.mean()
    r2 = 1 - (e @ e) / (yc @ yc) if absorbed == 0 else 1 - (e @ e) / (y @ y)
    idx = list(x.columns)
    return OLSFit(pd.Series(beta, idx), pd.Series(se, idx), pd.Series(tv, idx), pd.Series(pv, idx), n, dof,
                  float(r2), cov)

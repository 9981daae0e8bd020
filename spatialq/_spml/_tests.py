"""Specification tests: Lagrange multiplier tests on OLS / within residuals, Moran's I of
residuals, Wald and likelihood-ratio tests between nested spatial models.

LM tests (Anselin 1988; robust forms Anselin, Bera, Florax & Yoon 1996), with s² = e'e/n,
T = m·tr(W'W + W²) and nJ = [(WXb)'M(WXb) + T s²]/s², M = I − X(X'X)⁻¹X':

    LM-error = (e'We/s²)² / T
    LM-lag   = (e'Wy/s²)² / nJ
    robust LM-error = (e'We/s² − T/nJ · e'Wy/s²)² / (T (1 − T/nJ))
    robust LM-lag   = (e'Wy/s² − e'We/s²)² / (nJ − T)
    SARMA           = robust LM-lag + LM-error            (spdep's definition)

For panels (Anselin, Le Gallo & Jayet 2008; Elhorst 2014, §3.2) e are the residuals of the
fixed-effects (within) regression, W acts period by period on the demeaned data, and m = T.
Moran's I of regression residuals: I = (n/S0) e'We / e'e with the exact mean and variance
under normality (Cliff & Ord 1981; spdep's ``lm.morantest``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def _row(name, stat, df, note=""):
    return {"test": name, "statistic": float(stat), "df": df, "p": float(stats.chi2.sf(stat, df)), "note": note}


def lm_tests(e: np.ndarray, X: np.ndarray, y: np.ndarray, lag, trace_T: float) -> pd.DataFrame:
    """LM tests from OLS residuals ``e`` of y on X; ``lag`` applies W (block-wise for panels)."""
    n = len(e)
    s2 = e @ e / n
    We, Wy = lag(e), lag(y)
    b = np.linalg.lstsq(X, y, rcond=None)[0]
    wxb = lag(X @ b)
    m_wxb = wxb - X @ np.linalg.lstsq(X, wxb, rcond=None)[0]
    nJ = (m_wxb @ m_wxb + trace_T * s2) / s2
    de, dl = e @ We / s2, e @ Wy / s2
    rows = [_row("LM-error", de**2 / trace_T, 1),
            _row("LM-lag", dl**2 / nJ, 1),
            _row("robust LM-error", (de - trace_T / nJ * dl) ** 2 / (trace_T * (1 - trace_T / nJ)), 1),
            _row("robust LM-lag", (dl - de) ** 2 / (nJ - trace_T), 1)]
    rows.append(_row("SARMA", rows[3]["statistic"] + rows[0]["statistic"], 2))
    return pd.DataFrame(rows)


def residual_moran(e: np.ndarray, X: np.ndarray, W) -> dict:
    """Moran's I of OLS residuals with its exact normal-theory moments (two-sided p)."""
    n, k = X.shape
    Wd = W.toarray()
    s0 = Wd.sum()
    moran = n / s0 * (e @ (Wd @ e)) / (e @ e)
    Q, _ = np.linalg.qr(X)
    MW = Wd - Q @ (Q.T @ Wd)
    trMW = np.trace(MW)
    E = n / s0 * trMW / (n - k)
    MWt = Wd.T - Q @ (Q.T @ Wd.T)
    V = (n / s0) ** 2 * (np.sum(MW * MWt.T) + np.sum(MW * MW.T) + trMW**2) / ((n - k) * (n - k + 2)) - E**2
    z = (moran - E) / np.sqrt(V)
    return {"test": "Moran's I (residuals)", "statistic": float(z), "df": np.nan,
            "p": float(2 * stats.norm.sf(abs(z))), "note": f"I = {moran:.6g}, E[I] = {E:.6g}, Var = {V:.6g}"}


def lr(ll_restricted: float, ll_full: float, df: int, name: str) -> dict:
    stat = max(2 * (ll_full - ll_restricted), 0.0)
    return _row(name, stat, df)


def wald_zero(theta: np.ndarray, V: np.ndarray, name: str) -> dict:
    """Wald test of θ = 0."""
    return _row(name, float(theta @ np.linalg.solve(V, theta)), len(theta))


def wald_common_factor(beta: np.ndarray, theta: np.ndarray, rho: float, V: np.ndarray, name: str) -> dict:
    """Wald test of the common-factor restriction θ + ρβ = 0 (SDM → SEM), delta method.

    ``V`` is the covariance of (β, θ, ρ) in that order (β and θ of the lagged regressors)."""
    k = len(beta)
    g = theta + rho * beta
    J = np.hstack([rho * np.eye(k), np.eye(k), beta[:, None]])
    return _row(name, float(g @ np.linalg.solve(J @ V @ J.T, g)), k)

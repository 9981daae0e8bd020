"""Kelejian–Prucha (1999) moments for λ solved to their exact minimiser, then spreg's FGLS / GS2SLS step again.

spreg's ``GM_Error`` and ``GM_Combo`` minimise the three Kelejian–Prucha moment conditions with
``scipy.optimize.fmin_l_bfgs_b`` on numerical gradients and default tolerances, which stops where the objective is
flat to ~1e-7 relative: on Columbus 1.0e-6 from the minimiser in λ, moving the FGLS coefficients by up to 1.1e-6
relative, and by a machine-dependent amount (the stopping point follows the platform's rounding).  R's spatialreg
(``GMerrorsar``, ``gstsls``: ``nlminb``) lands on the minimiser (1e-10).  This module starts from spreg's estimate,
solves the same non-linear least-squares problem with a trust-region method to full precision, keeps whichever of
the two has the smaller objective, and recomputes the second step exactly as spreg does
(``spreg.error_sp.BaseGM_Error`` / ``BaseGM_Endog_Error``):

    moments   g = G·(λ, λ², σ²)'  (Kelejian & Prucha 1999, eq. 7), u the first-step residuals
    sem/sdem  β = OLS of (y − λWy) on (X − λWX);  σ² = ε'ε/n;  V = σ²·((X − λWX)'(X − λWX))⁻¹
    sac       β = 2SLS of (y − λWy) on (Z − λWZ) with spreg's instruments H;  V = σ²·(Ẑ'Ẑ)⁻¹

Checked in ``tests/test_gmm.py``: at spreg's own λ the recomputation equals spreg's β and covariance to 1e-12; the
polished β equals spatialreg's to 1e-9.
"""

from __future__ import annotations

import numpy as np
import scipy.optimize as op


def moments(W, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(G, g) of Kelejian & Prucha (1999, eq. 7) for residuals ``u`` (the layout of spreg's ``_momentsGM_Error``)."""
    n = len(u)
    wu = W @ u
    wwu = W @ wu
    tr = float((W.multiply(W)).sum())  # tr(W'W)
    g = np.array([u @ u, wu @ wu, u @ wu]) / n
    G = np.array([[2 * (u @ wu), -(wu @ wu), n],
                  [2 * (wu @ wwu), -(wwu @ wwu), tr],
                  [u @ wwu + wu @ wu, -(wu @ wwu), 0.0]]) / n
    return G, g


def solve_lambda(W, u: np.ndarray, start: float) -> float:
    """The minimiser in λ ∈ [−0.99, 0.99] (spreg's bounds) of ‖g − G·(λ, λ², σ²)'‖², polished from ``start``."""
    G, g = moments(W, u)

    def resid(p):
        return g - G @ np.array([p[0], p[0] ** 2, p[1]])

    def ssr(p):
        return float(resid(p) @ resid(p))

    s0 = max(float(np.linalg.lstsq(G[:, 2:], g - G[:, :2] @ [start, start ** 2], rcond=None)[0][0]), 1e-12)
    x0 = np.array([min(max(start, -0.99), 0.99), s0])
    fit = op.least_squares(resid, x0, bounds=([-0.99, 0.0], [0.99, np.inf]), method="trf",
                           xtol=1e-15, ftol=1e-15, gtol=1e-15, x_scale="jac")
    return float(fit.x[0]) if fit.success and ssr(fit.x) <= ssr(x0) else float(start)


def refit(r, Wl, model: str, *, x: np.ndarray, w_lags: int, slx_vars, n_slx: int, lam: float | None = None):
    """(β incl. λ last, covariance, ε, u) of spreg's second step at the exact λ (``lam`` to fix it instead).

    ``r`` is the fitted spreg ``GM_Error`` (sem/sdem) or ``GM_Combo`` (sac); only its data (``x``, ``y``,
    ``yend``) are read — spreg's own output is left as it is.  ``x`` (without the constant), ``Wl``, ``w_lags``,
    ``slx_vars`` and ``n_slx`` are what spreg was given: the GS2SLS instruments are rebuilt from them by spreg's
    own ``set_endog``, which GM_Combo does not keep.
    """
    W = Wl.sparse.tocsr()
    y = np.asarray(r.y, float).ravel()
    if model in {"sem", "sdem"}:
        Z, H = np.asarray(r.x, float), None
    else:
        from spreg.utils import set_endog

        args = (np.asarray(r.y, float), x, Wl, None, None, int(w_lags), True)
        q = set_endog(*args, 1, slx_vars)[1] if n_slx else set_endog(*args)[1]
        Z = np.column_stack([r.x, r.yend]).astype(float)
        H = np.column_stack([r.x, q]).astype(float)

    def fit(yy, ZZ):  # OLS, or 2SLS with the instruments H (unfiltered, as spreg's BaseGM_Endog_Error)
        Zh = ZZ if H is None else H @ np.linalg.solve(H.T @ H, H.T @ ZZ)
        A = np.linalg.inv(Zh.T @ Zh)
        return A @ (Zh.T @ yy), A

    if lam is None:
        b0, _ = fit(y, Z)
        lam = solve_lambda(W, y - Z @ b0, float(np.asarray(r.betas).ravel()[-1]))
    ys, Zs = y - lam * (W @ y), Z - lam * (W @ Z)
    b, A = fit(ys, Zs)
    e2 = ys - Zs @ b
    u = y - Z @ b
    return np.append(b, lam), (e2 @ e2) / len(y) * A, u - lam * (W @ u), u

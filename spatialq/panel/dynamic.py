"""Dynamic spatial panels with fixed effects: bias-corrected QML (Yu, de Jong & Lee 2008; Lee & Yu 2010).

Model, for periods t = 2…T (the first period supplies y_{i,t−1} and is dropped)::

    y_t = τ y_{t−1} + η W y_{t−1} + ρ W y_t + X_t β + W X_t θ + μ + (α_t 1) + ε_t

("sar": θ = 0).  W acts on the raw data period by period.

**Likelihood** (SDPDmod's ``SDPDm(..., dynamic = TRUE, LYtrans = TRUE)``).  With unit effects the
T − 1 = t retained periods are demeaned over time; with two-way effects each period is first multiplied by
F′, the N × (N − 1) orthonormal complement of the constant (W must be row-standardised; W becomes
W* = F′WF, whose log-determinant is ln|I − ρW| − ln(1 − ρ)), and then demeaned over time.  With n = N
(unit) or N − 1 (two-way) units and t = T − 1 periods, for the transformed data (y, Z = [y₋₁, Wy₋₁, X, WX])

    ln L = −(nt/2) ln(2πσ²) + t ln|I − ρW*| − e′e / (2σ²),   e = y − ρWy − Zb,

concentrated in ρ (b and σ² = e′e/(nt) in closed form) and maximised by Brent's method on the exact
log-determinant (SDPDmod uses a 0.001 grid of log-determinants and R's ``optimize``, so its ρ is good to
about 1e-4 and its log-likelihood to the grid).

**Bias correction** (``bias_correction=True``, Yu, de Jong & Lee 2008, Theorem 3; Lee & Yu 2010): θ̂₁ =
θ̂ + Σ̂⁻¹ b̂ / t with Σ̂ the information matrix below and b̂ the leading bias of the score:
b_τ = tr((I − B)⁻¹S⁻¹)/n, b_η = tr(W(I − B)⁻¹S⁻¹)/n, b_ρ = τ tr(G(I − B)⁻¹S⁻¹)/n + η tr(GW(I − B)⁻¹S⁻¹)/n
+ tr(G)/n, b_σ² = 1/(2σ²), where S = I − ρW*, G = W*S⁻¹, A = S⁻¹(τI + ηW*) and B is A without its
eigenvalues above 1 − 1/n (their number m adds t/(2(1 − ρ))·m/n to b_τ, b_η, b_ρ) — SDPDmod's conventions.

**Standard errors** (SDPDmod's): the sandwich Σ⁻¹ + Σ⁻¹ΩΣ⁻¹ of the quasi-ML estimator, divided by nt,
with Σ = [Z′Z/σ², Z′(I⊗G)Zb/σ², ·; b′Z′(I⊗G′G)Zb/σ² + t tr(GG + GG′), t tr(G)/σ²; nt/(2σ⁴)] / (nt)
and Ω the fourth-moment correction ((μ₄ − 3σ⁴)/σ⁴)·[Σᵢ Gᵢᵢ²/n, tr(G)/(2σ²n); 1/(4σ⁴)] on (ρ, σ²),
μ₄ the mean fourth power of the reduced-form residuals y − (I − ρW)⁻¹Zb.  With the bias correction
everything is evaluated at the corrected estimates.

**Effects** (Elhorst 2014, §4; Debarsy, Ertur & LeSage 2012) on the original W (N units):
short-run S(W) = (I − ρW)⁻¹(βI + θW); long-run ((1 − τ)I − (ρ + η)W)⁻¹(βI + θW).  Averages as
:mod:`spatialq._spml._effects` (direct = mean diagonal, total = mean row sum, indirect = total − direct);
the long run uses ρ′ = (ρ + η)/(1 − τ) and β/(1 − τ), θ/(1 − τ).  Inference by ``n_draws`` draws of
(τ, η, β, θ, ρ) from the estimated normal distribution (draws outside the admissible ρ, or with
ρ′ outside it, are discarded).

**Large N** (N > ``DENSE_LIMIT`` = 500 units; results equal to the dense path up to rounding, see
``tests/test_panel_dynamic.py``): W stays sparse (lags by sparse products; the two-way transformation F′ by
O(N) Helmert sums instead of a dense F and F′WF), G = (I − ρW)⁻¹W comes from one sparse LU factorisation
solved for the columns of W (O(N · fill) instead of dense O(N³) inverses and products; the reduced form by the
same LU), and the bias-correction traces are exact
spectral sums over the eigenvalues ω of W* (those of W, less one unit eigenvalue with two-way effects):
tr((I − B)⁻¹S⁻¹) = Σ h(ω), h = 1/((1 − τ) − (ρ + η)ω), or 1/(1 − ρω) where (τ + ηω)/(1 − ρω) > 1 − 1/n, and
likewise for the other four traces — no dense eigendecomposition of A.  The eigenvalues (needed for the
stability condition anyway) come from the symmetric form of W when its unstandardised matrix is symmetric.
Nothing is estimated stochastically; memory is a few dense N × N arrays (65 MB each at N = 2,848), so the
path is meant for N up to ~10⁴.  At a given ρ it equals the dense path to rounding (1e-15 relative on the
counties, N = 2,848); with ρ maximised the two agree to ~1e-8 (the bounded Brent optimum of the flat
concentrated likelihood is only that precise, and the paths take the extreme eigenvalues of W from different
solvers).

**Stability**: τ + ρ + η < 1 (with a Wald test of τ + ρ + η = 1, as SDPDmod) and the full condition
max_ω |(τ + ηω)/(1 − ρω)| < 1 over the eigenvalues ω of W.  An unstable estimate is reported (warning,
``stable = False``) and its long-run effects are NaN.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy import optimize, stats

from .._data import unit_weights
from .._guards import InputError, check_not_perfect_fit
from .._results import provenance
from .._spml import _checks
from .._spml._design import design
from .._spml._effects import effects_table, lag_effects
from .._spml._logdet import LogDet
from .._spml._result import SpatialRegressionResult
from .._wmatrix import aligned

__all__ = ["DynamicPanelResult", "dynamic_panel"]

EFFECTS = ("individual", "twoways")
DENSE_LIMIT = 500  # above this many units: sparse W, sparse-LU resolvent, spectral bias-correction traces


@dataclass(frozen=True, eq=False, repr=False)
class DynamicPanelResult(SpatialRegressionResult):
    """:class:`SpatialRegressionResult` of a dynamic spatial panel.

    ``params`` are τ (``y(t-1)``), η (``W*y(t-1)``), β, θ (``W*x``) and ``rho``; ``effects`` /
    ``effects_inference`` are the short-run effects, ``long_run_effects`` / ``long_run_effects_inference``
    the long-run ones.  ``tau``, ``eta``, ``rho``; ``stability`` (τ + ρ + η, its Wald test against 1, the
    largest modulus of the spatio-temporal multiplier and ``stable``); ``uncorrected`` (params, std_errors,
    sigma2, loglik before the bias correction)."""

    tau: float = np.nan
    eta: float = np.nan
    long_run_effects: pd.DataFrame | None = None
    long_run_effects_inference: pd.DataFrame | None = None
    stability: dict | None = None
    uncorrected: dict | None = None

    @property
    def stable(self) -> bool:
        return bool(self.stability and self.stability["stable"])

    def _summary_lines(self) -> list[str]:
        lines = super()._summary_lines()
        s = self.stability
        lines += ["", f"stability: τ + ρ + η = {s['sum']:.6g} (Wald vs 1: {s['wald']:.4g}, p = {s['wald_p']:.3g}); "
                      f"max |(τ + ηω)/(1 − ρω)| = {s['max_modulus']:.6g}; "
                      + ("stable" if s["stable"] else "NOT STABLE — long-run effects undefined")]
        if self.long_run_effects_inference is not None:
            lines += ["", "Long-run effects 长期效应:",
                      self.long_run_effects_inference.to_string(index=False, float_format=lambda v: f"{v:.6g}")]
        return lines


def _orthonormal_complement(n: int) -> np.ndarray:
    """n × (n − 1) orthonormal basis of the vectors orthogonal to 1 (Helmert)."""
    F = np.zeros((n, n - 1))
    for j in range(1, n):
        F[:j, j - 1] = 1.0 / np.sqrt(j * (j + 1))
        F[j, j - 1] = -j / np.sqrt(j * (j + 1))
    return F


def _helmert_t(X: np.ndarray) -> np.ndarray:
    """F′X along axis 0 for the Helmert F of :func:`_orthonormal_complement`, without forming F (O(N) per column)."""
    X = np.asarray(X, float)
    N = X.shape[0]
    j = np.arange(1, N, dtype=float).reshape((-1,) + (1,) * (X.ndim - 1))
    return (np.cumsum(X, axis=0)[:-1] - j * X[1:]) / np.sqrt(j * (j + 1))


def _helmert(Y: np.ndarray) -> np.ndarray:
    """F Y along axis 0 (Y has N − 1 rows), without forming F."""
    Y = np.asarray(Y, float)
    N = Y.shape[0] + 1
    j = np.arange(1, N, dtype=float).reshape((-1,) + (1,) * (Y.ndim - 1))
    v = Y / np.sqrt(j * (j + 1))
    out = np.zeros((N, *Y.shape[1:]))
    out[:-1] = np.flip(np.cumsum(np.flip(v, axis=0), axis=0), axis=0)
    out[1:] -= j * v
    return out


def _ftaf(A: np.ndarray) -> np.ndarray:
    """F′AF for a dense N × N A in O(N²) (rows first, then columns in place)."""
    B = _helmert_t(A)  # F′A, (N − 1) × N
    N = B.shape[1]
    j = np.arange(1, N, dtype=float)
    C = np.cumsum(B[:, :-1], axis=1)
    C -= B[:, 1:] * j
    C /= np.sqrt(j * (j + 1))
    return C


def _resolvent(W: sp.csr_matrix, rho: float, twoway: bool):
    """(S⁻¹ applied to the columns of a matrix, dense G = W*S⁻¹) for S = I − ρW*, from one sparse LU of I − ρW
    (W* = F′WF with two-way effects: F′(I − ρW)⁻¹F = (I − ρW*)⁻¹ because W1 = 1).  G = (I − ρW)⁻¹W since W
    and its resolvent commute."""
    N = W.shape[0]
    lu = spla.splu(sp.csc_matrix(sp.identity(N) - rho * W))
    G = lu.solve(W.toarray())
    if twoway:
        return (lambda v: _helmert_t(lu.solve(_helmert(v)))), _ftaf(G)
    return lu.solve, G


def _spectral_bias(omega, tau, eta, rho, n):
    """Traces of the bias correction as spectral sums over the eigenvalues ω of W* (see the module notes)."""
    s = 1.0 / (1.0 - rho * omega)
    g = omega * s
    big = ((tau + eta * omega) * s).real > 1 - 1 / n
    h = np.where(big, s, 1.0 / ((1 - tau) - (rho + eta) * omega))
    tr = [float(np.sum(v).real) for v in (h, omega * h, g * h, g * omega * h, g)]
    return tr, int(big.sum())


def _info(Z, b, rho, sige, Ws, n, t, res=None):
    """SDPDmod's information matrix Σ/(nt) over (b, ρ, σ²), and G, S⁻¹ (``res`` = (S⁻¹, G) if known)."""
    kz = Z.shape[1]
    if res is None:
        Sinv = np.linalg.inv(np.eye(n) - rho * Ws)
        G = Ws @ Sinv
    else:  # large-N path: Sinv is a function applying S⁻¹ to columns
        Sinv, G = res
    Zb = (Z @ b).reshape(t, n)
    GZb = (Zb @ G.T).ravel()
    S = np.zeros((kz + 2, kz + 2))
    S[:kz, :kz] = Z.T @ Z / sige
    S[:kz, kz] = S[kz, :kz] = Z.T @ GZb / sige
    S[kz, kz] = GZb @ GZb / sige + t * (np.sum(G * G.T) + np.sum(G * G))
    S[kz + 1, kz + 1] = n * t / (2 * sige ** 2)
    S[kz, kz + 1] = S[kz + 1, kz] = t * np.trace(G) / sige
    return S / (n * t), G, Sinv


def _omega(sige, G, n, kz, mu4):
    om = np.zeros((kz + 2, kz + 2))
    om[kz, kz] = np.sum(np.diag(G) ** 2) / n
    om[kz, kz + 1] = om[kz + 1, kz] = np.trace(G) / (2 * sige * n)
    om[kz + 1, kz + 1] = 1 / (4 * sige ** 2)
    return (mu4 - 3 * sige ** 2) / sige ** 2 * om


def _covariance(Z, y, Wy, b, rho, sige, Ws, n, t, fast=None):
    kz = Z.shape[1]
    S, G, Sinv = _info(Z, b, rho, sige, Ws, n, t, None if fast is None else _resolvent(*fast(rho)))
    Si = np.linalg.inv(S)
    Zb = (Z @ b).reshape(t, n)
    fitted = Zb @ Sinv.T if fast is None else Sinv(Zb.T).T  # reduced form (I − ρW)⁻¹Zb per period
    resid = y - fitted.ravel()
    mu4 = float(np.sum(resid ** 4) / (n * t))
    V = Si + Si @ _omega(sige, G, n, kz, mu4) @ Si
    return V / (n * t), Si, G, Sinv


def _loglik(rho, b, sige, y, Z, Wy, ld, n, t):
    e = y - rho * Wy - Z @ b
    return float(-(n * t / 2) * np.log(2 * np.pi * sige) + t * ld(rho) - e @ e / (2 * sige))


def dynamic_panel(
    df: pd.DataFrame,
    formula: str,
    w,
    *,
    model: str = "sdm",
    effects: str = "individual",
    bias_correction: bool = True,
    id: str = "adcode",
    time: str = "year",
    n_draws: int = 1000,
    seed: int | None = 0,
    rho: float | None = None,
) -> DynamicPanelResult:
    """Dynamic spatial panel (SDM or SAR) with unit or two-way fixed effects by bias-corrected QML.

    ``y_it = τ y_i,t−1 + η (W y_t−1)_i + ρ (W y_t)_i + x_it β + (W X_t)_i θ + μ_i (+ α_t) + ε_it``; the
    likelihood, the bias correction (Yu, de Jong & Lee 2008; Lee & Yu 2010), the standard-error convention
    (SDPDmod's sandwich) and the effects are stated in the module notes (``docs/panel_regression.md``,
    "Dynamic spatial panels").  Verified against R's SDPDmod 0.0.6 ``SDPDm(..., dynamic = TRUE)``.

    Parameters
    ----------
    df : DataFrame
        Balanced long panel, one row per (id, time), at least 3 periods.
    formula : str
        Static part, e.g. ``"logc ~ logp + logy"``; y(t−1) and W y(t−1) are added.
    w : libpysal W or Graph over the N units (matched by id), row-standardised on a copy;
        a scipy sparse matrix has its rows in the order of the units in the input's rows (docs/weights.md).
    model : "sdm" or "sar".
    effects : "individual" or "twoways".
    bias_correction : bool
        Report the bias-corrected estimates (default) or the uncorrected QML ones (both are kept:
        ``.uncorrected``).
    n_draws, seed
        Draws for the simulated inference on the short- and long-run effects.
    rho : float, optional
        Fix the (uncorrected) ρ instead of maximising the likelihood — to compare with other software at its
        ρ (SDPDmod's is only good to its log-determinant grid); everything else follows from it.

    Returns
    -------
    DynamicPanelResult
    """
    from . import _balanced  # late: spatialq.panel imports this module

    model = model.lower()
    if model not in {"sdm", "sar"}:
        raise ValueError(f"model must be 'sdm' or 'sar', got {model!r}")
    if effects not in EFFECTS:
        raise ValueError(f"effects must be one of {EFFECTS}, got {effects!r}")
    data, ids, times = _balanced(df, id, time)
    w = unit_weights(w, df, id=id, time=time, method="dynamic_panel")  # a bare sparse w follows the input's units
    N, T = len(ids), len(times)
    if T < 3:
        raise ValueError(f"a dynamic panel needs at least three periods (one is used for y(t-1)); {time!r} has {T}")
    response, y_all, X = design(data, formula, intercept=False, method="dynamic_panel")
    _checks.check_response(y_all, y_all, response=response, method="dynamic_panel")
    names = [c for c in X.columns if c != "Intercept"]
    if not names:
        raise ValueError("the formula has no regressors")
    Xa = X[names].to_numpy(float).reshape(T, N, -1)
    W = aligned(w, ids, transform="r")
    large = N > DENSE_LIMIT
    Ya = np.asarray(y_all, float).reshape(T, N)
    t = T - 1
    y1, ylag, Xt = Ya[1:], Ya[:-1], Xa[1:]
    twoway = effects == "twoways"
    if large:
        lagX = np.stack([np.asarray(W @ Xt[s]) for s in range(t)])
        wylag = np.asarray(W @ ylag.T).T
    else:
        Wd = W.toarray()
        lagX = np.einsum("ij,tjk->tik", Wd, Xt)
        wylag = ylag @ Wd.T
    cols = [ylag[..., None], wylag[..., None], Xt] + ([lagX] if model == "sdm" else [])
    Z3 = np.concatenate(cols, axis=2)  # (t, N, kz)
    znames = [f"{response}(t-1)", f"W*{response}(t-1)", *names] + ([f"W*{c}" for c in names] if model == "sdm" else [])
    if twoway:
        if not np.allclose(np.asarray(W.sum(axis=1)).ravel(), 1.0):
            raise ValueError("two-way effects need a row-standardised W")
        n = N - 1
        if large:
            y1 = _helmert_t(y1.T).T
            Z3 = np.swapaxes(_helmert_t(np.swapaxes(Z3, 0, 1)), 0, 1)
            Ws = None
        else:
            F = _orthonormal_complement(N)
            y1 = y1 @ F
            Z3 = np.einsum("nm,tnk->tmk", F, Z3)
            Ws = F.T @ Wd @ F
    else:
        Ws, n = (None if large else Wd), N
    y3 = y1 - y1.mean(axis=0)
    Z3 = Z3 - Z3.mean(axis=0)
    y = y3.ravel()
    Z = Z3.reshape(t * n, -1)
    if large:
        Wy = (_helmert_t(W @ _helmert(y3.T)).T if twoway else np.asarray(W @ y3.T).T).ravel()

        def fast(r):
            return W, r, twoway
    else:
        Wy = (y3 @ Ws.T).ravel()
        fast = None
    kz = Z.shape[1]
    if np.linalg.matrix_rank(Z) < kz:
        flat = [znames[j] for j in range(kz) if np.ptp(Z[:, j]) <= 1e-12 * (1.0 + np.abs(Z[:, j]).max())]
        if flat:
            raise InputError(f"dynamic_panel: {flat} do not vary once the fixed effects are removed (time-invariant, "
                             "or the same in every unit each period); the effects absorb them — drop them")
        raise InputError("dynamic_panel: the regressors (with y(t-1), W y(t-1)) are collinear after removing the fixed "
                         f"effects: {znames}")
    check_not_perfect_fit(y, np.column_stack([Z, Wy]), response=response, method="dynamic_panel",
                          what="the lags, the regressors, W·y and the fixed effects explain")

    ld0 = LogDet(W, base=aligned(w, ids, transform="o") if large else None, method="auto")
    lo, hi = ld0.interval

    def ld(r):
        return ld0(r) - (np.log1p(-r) if effects == "twoways" else 0.0)

    ZtZ = Z.T @ Z
    bo = np.linalg.solve(ZtZ, Z.T @ y)
    bd = np.linalg.solve(ZtZ, Z.T @ Wy)
    eo, ed = y - Z @ bo, Wy - Z @ bd
    a, c, d = eo @ eo, eo @ ed, ed @ ed

    def negll(r):
        return (n * t / 2) * np.log((a - 2 * r * c + r * r * d) / (n * t)) - t * ld(r)

    if rho is None:
        opt = optimize.minimize_scalar(negll, bounds=(lo + 1e-6, hi - 1e-6), method="bounded",
                                       options={"xatol": 1e-10})
        rho = float(opt.x)
    elif not lo < rho < hi:
        raise ValueError(f"rho = {rho} is outside the admissible interval ({lo:.6g}, {hi:.6g})")
    rho = float(rho)
    b = bo - rho * bd
    e = eo - rho * ed
    sige = float(e @ e / (n * t))
    loglik = _loglik(rho, b, sige, y, Z, Wy, ld, n, t)
    V, Si, G, Sinv = _covariance(Z, y, Wy, b, rho, sige, Ws, n, t, fast)
    theta0 = np.r_[b, rho, sige]
    unc = {"params": pd.Series(theta0[:-1], index=[*znames, "rho"]),
           "std_errors": pd.Series(np.sqrt(np.abs(np.diag(V)))[:-1], index=[*znames, "rho"]),
           "sigma2": sige, "loglik": loglik, "cov": V}

    est, cov, sig2, ll = theta0, V, sige, loglik
    if bias_correction and large:
        tau, eta = b[0], b[1]
        omega = ld0.eigenvalues()
        if twoway:  # W* has the eigenvalues of W less one unit eigenvalue (W1 = 1)
            omega = np.delete(omega, int(np.argmin(np.abs(omega - 1))))
        trs, m = _spectral_bias(omega, tau, eta, rho, n)
        b1 = np.zeros(kz + 2)
        b1[0] = trs[0] / n
        b1[1] = trs[1] / n
        b1[kz] = tau * trs[2] / n + eta * trs[3] / n + trs[4] / n
        b1[kz + 1] = 1 / (2 * sige)
        if m:
            b1[[0, 1, kz]] += t / (2 * (1 - rho)) * m / n
        est = theta0 + Si @ b1 / t
        b, rho, sig2 = est[:kz], float(est[kz]), float(est[kz + 1])
        _check_corrected(rho, lo, hi, float(theta0[kz]))
        ll = _loglik(rho, b, sig2, y, Z, Wy, ld, n, t)
        cov, *_ = _covariance(Z, y, Wy, b, rho, sig2, Ws, n, t, fast)
    elif bias_correction:
        tau, eta = b[0], b[1]
        eye = np.eye(n)
        A = Sinv @ (tau * eye + eta * Ws)
        vals, vecs = np.linalg.eig(A)
        big = vals.real > 1 - 1 / n
        m = int(big.sum())
        B = A - (vecs[:, big] @ np.diag(vals[big].real) @ np.linalg.inv(vecs)[big, :]).real if m else A
        M = np.linalg.solve(eye - B, Sinv)  # (I − B)⁻¹S⁻¹
        b1 = np.zeros(kz + 2)
        b1[0] = np.trace(M) / n
        b1[1] = np.trace(Ws @ M) / n
        b1[kz] = tau * np.trace(G @ M) / n + eta * np.trace(G @ Ws @ M) / n + np.trace(G) / n
        b1[kz + 1] = 1 / (2 * sige)
        if m:
            u = t / (2 * (1 - rho)) * m / n
            b1[[0, 1, kz]] += u
        est = theta0 + Si @ b1 / t
        b, rho, sig2 = est[:kz], float(est[kz]), float(est[kz + 1])
        _check_corrected(rho, lo, hi, float(theta0[kz]))
        ll = _loglik(rho, b, sig2, y, Z, Wy, ld, n, t)
        cov, *_ = _covariance(Z, y, Wy, b, rho, sig2, Ws, n, t)

    pnames = [*znames, "rho"]
    params = pd.Series(est[:-1], index=pnames)
    se = np.sqrt(np.abs(np.diag(cov)))
    std_errors = pd.Series(se[:-1], index=pnames)
    covdf = pd.DataFrame(cov, index=[*pnames, "sigma2"], columns=[*pnames, "sigma2"])
    tau, eta = float(b[0]), float(b[1])

    # stability
    total = tau + rho + eta
    g = np.zeros(kz + 2)
    g[[0, 1, kz]] = 1.0
    var_sum = float(g @ cov @ g)
    wald = (total - 1) ** 2 / var_sum if var_sum > 0 else np.nan
    omega = ld0.eigenvalues()
    modulus = float(np.max(np.abs((tau + eta * omega) / (1 - rho * omega))))
    stable = bool(total < 1 and modulus < 1)
    stability = {"sum": total, "wald": wald, "wald_p": float(stats.chi2.sf(wald, 1)),
                 "max_modulus": modulus, "stable": stable,
                 "wald_sdpdmod": total ** 2 / var_sum if var_sum > 0 else np.nan}
    if not stable:
        warnings.warn(f"the estimates are not dynamically stable (τ + ρ + η = {total:.4g}, "
                      f"max |(τ + ηω)/(1 − ρω)| = {modulus:.4g}); long-run effects are not defined", stacklevel=2)

    # effects
    k = len(names)
    beta = b[2:2 + k]
    theta = b[2 + k:] if model == "sdm" else np.zeros(k)
    sr, lr, sr_draws, lr_draws = _effects_with_draws(est, cov, tau, eta, rho, beta, theta, k, kz, model, ld0,
                                                     n_draws, seed, stable)
    sr_se = sr_draws.std(axis=0, ddof=1) if len(sr_draws) > 1 else np.full_like(sr, np.nan)
    eff, eff_inf = effects_table(sr, sr_se, names, sr_draws if len(sr_draws) > 1 else None)
    if stable and len(lr_draws) > 1:
        lr_eff, lr_inf = effects_table(lr, lr_draws.std(axis=0, ddof=1), names, lr_draws)
    else:
        lr_eff, lr_inf = effects_table(lr, np.full_like(lr, np.nan), names)

    resid = y - rho * Wy - Z @ b
    index = pd.MultiIndex.from_product([times[1:], range(n)], names=[time, "unit"])
    if effects == "individual":
        index = pd.MultiIndex.from_product([times[1:], ids], names=[time, id])
    return DynamicPanelResult(
        meta=provenance("spatialq.panel.dynamic_panel", n=n * t, seed=seed, model=model, formula=formula,
                        effects=effects, lee_yu=True, bias_correction=bias_correction, n_draws=n_draws),
        model=model, formula=formula, params=params, std_errors=std_errors, cov=covdf, rho=rho, lambda_=None,
        sigma2=sig2, loglik=ll, nobs=n * t, effects=eff, effects_inference=eff_inf, tests=pd.DataFrame(),
        residuals=pd.Series(resid, index=index, name="residual"),
        fitted=pd.Series(y - resid, index=index, name="fitted (transformed)"),
        se_method="SDPDmod sandwich (Yu, de Jong & Lee 2008), exact traces"
                  + (" (sparse LU resolvent, spectral bias traces)" if large else ""),
        panel={"effects": effects, "lee_yu": True, "N": N, "T": T, "n_eff": n * t,
               "bias_correction": bias_correction},
        tau=tau, eta=eta, long_run_effects=lr_eff, long_run_effects_inference=lr_inf, stability=stability,
        uncorrected=unc)


def _check_corrected(rho: float, lo: float, hi: float, uncorrected: float) -> None:
    """The bias-corrected ρ must stay inside the admissible interval: beyond it log L (and the effects) do not
    exist, and the paths would give −∞, NaN or the log of a modulus for it."""
    if not lo < rho < hi:
        raise InputError(f"the bias-corrected rho = {rho:.6g} is outside the admissible interval ({lo:.6g}, {hi:.6g}) "
                         f"(uncorrected {uncorrected:.6g}, at the edge of the interval): the correction of Yu, de Jong "
                         "& Lee (2008) is not valid here — fit with bias_correction=False, or check the model and W")


def _long_run(beta, theta, tau, eta, rho, ld0):
    return lag_effects(beta / (1 - tau)[..., None], theta / (1 - tau)[..., None], (rho + eta) / (1 - tau), ld0)


def _effects_with_draws(est, cov, tau, eta, rho, beta, theta, k, kz, model, ld0, n_draws, seed, stable):
    sr = lag_effects(beta, theta, rho, ld0)[0]
    lo, hi = ld0.interval
    lr = _long_run(beta[None], theta[None], np.array([tau]), np.array([eta]), np.array([rho]), ld0)[0] \
        if stable else np.full_like(sr, np.nan)
    if n_draws < 2:
        return sr, lr, np.empty((0, k, 3)), np.empty((0, k, 3))
    rng = np.random.default_rng(seed)
    idx = list(range(kz + 1))  # (τ, η, β, θ, ρ)
    d = rng.multivariate_normal(est[idx], cov[np.ix_(idx, idx)], size=n_draws, method="cholesky")
    d = d[(d[:, -1] > lo) & (d[:, -1] < hi)]
    tb, eb, rb = d[:, 0], d[:, 1], d[:, -1]
    bb = d[:, 2:2 + k]
    th = d[:, 2 + k:2 + 2 * k] if model == "sdm" else np.zeros_like(bb)
    sr_d = lag_effects(bb, th, rb, ld0)
    if not stable:
        return sr, lr, sr_d, np.empty((0, k, 3))
    rp = (rb + eb) / (1 - tb)
    ok = (tb < 1) & (rp > lo) & (rp < hi)
    lr_d = _long_run(bb[ok], th[ok], tb[ok], eb[ok], rb[ok], ld0)
    return sr, lr, sr_d, lr_d

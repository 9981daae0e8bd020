"""Covariance of the ML estimates: the expected (Fisher) information matrix, or the observed information.

Expected information (Anselin 1988, ch. 6; spatialreg's ``lagsarlm``/``errorsarlm``/``sacsarlm``; for panels
Elhorst 2014, eq. 3.12 and Lee & Yu 2010, eq. 39, with every trace multiplied by the number of (effective)
periods m), with G = W(I − ρW)⁻¹, H = W(I − λW)⁻¹, B = I − λW, Ġ = BGB⁻¹ and n the observations::

    lag (β, ρ, σ²):   I_ββ = X'X/σ²   I_βρ = X'GXβ/σ²   I_ρρ = m[tr(G²) + tr(G'G)] + |GXβ|²/σ²
                      I_ρσ = m·tr(G)/σ²   I_σσ = n/(2σ⁴)
    error (β, λ, σ²): I_ββ = X_λ'X_λ/σ² (X_λ = X − λWX)   I_λλ = m[tr(H²) + tr(H'H)]   I_λσ = m·tr(H)/σ²
    SAC (β, ρ, λ, σ²): I_ββ = X_λ'X_λ/σ²   I_βρ = X_λ'BGXβ/σ²   I_ρρ = m[tr(G²) + tr(Ġ'Ġ)] + |BGXβ|²/σ²
                      I_ρλ = m[tr(H'Ġ) + tr(HG)]   I_λλ = m[tr(H²) + tr(H'H)]   I_ρσ = m·tr(G)/σ²   I_λσ = m·tr(H)/σ²

With the Lee–Yu transformation of time effects every N × N matrix is taken between C = I − 11'/N (the
traces of F_N'MF_N products; needs a row-standardised W).  ``information="dummies"`` (panels with time
effects, direct approach) treats the period effects as dummy parameters: GXβ is centred per period, as the
information matrix of the model with unit effects and T − 1 period dummies gives (tested).

The traces are **exact** (a dense (I − ρW)⁻¹: O(N³), the default up to :data:`DENSE_LIMIT` units) or
**stochastic** (beyond): Hutchinson's estimator with ``probes`` Rademacher vectors, each needing one
sparse solve, and for the lag and error models a control variate — the part of G from the sparse series
W + ρW² + ρ²W³ has exact traces, the probes estimate only the remainder ρ³W³G.  The Monte Carlo standard
error of every trace is estimated from the probes and propagated to the standard errors; the largest relative
error is returned as ``se_error`` (a 1-σ Monte Carlo error) and stated in the result.

Observed information (``se="observed"``): the analytical negative Hessian of log L at the estimates (lag and
error models, with tr(G²) from the power series of tr(Wʲ), LeSage & Pace 2009) or a central-difference
Hessian (SAC).  It differs from the expected information by O(1/√n) terms (up to 10 % on elect80).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .._guards import InputError

#: Exact (dense) traces up to this many units by default; stochastic traces beyond.
DENSE_LIMIT = 2000
#: Rademacher probes of the stochastic traces.
PROBES = 200
#: The relative Monte Carlo error of a trace falls like 1/√(N·probes): beyond FULL_PROBES_UP_TO units the probes
#: shrink as PROBES·FULL_PROBES_UP_TO/N (at least LARGE_PROBES), keeping N·probes ≥ 4e6; the error is stated.
FULL_PROBES_UP_TO = 20_000
LARGE_PROBES = 30


def probes_for(logdet) -> int:
    """Probes of the stochastic traces at this N (PROBES up to FULL_PROBES_UP_TO units, fewer beyond)."""
    if logdet.n <= FULL_PROBES_UP_TO:
        return PROBES
    return max(LARGE_PROBES, round(PROBES * FULL_PROBES_UP_TO / logdet.n))


_NNZ_BUDGET = 4_000_000


@dataclass
class Traces:
    values: dict[str, float]
    how: str  # "exact" | "stochastic"
    samples: np.ndarray | None = None  # probes × traces: per-probe estimates (stochastic), in key order


class _Space:
    """The N × N operators of one cross-section, between C = I − 11'/N when ``centre``."""

    def __init__(self, W: sp.csr_matrix, centre: bool, logdet=None):
        self.W, self.Wt, self.n, self.centre = sp.csr_matrix(W), sp.csr_matrix(W.T), W.shape[0], centre
        self.logdet = logdet  # its fill-reducing order is reused for the solves
        self._lu: dict[float, object] = {}

    def C(self, v):
        return v - v.mean(axis=0, keepdims=True) if self.centre else v

    def solve(self, r):
        """b ↦ (I − rW)⁻¹b (``trans="T"``: transposed), one factorisation per r."""
        if r not in self._lu:
            if self.logdet is not None and self.logdet.W.shape == self.W.shape:
                self._lu[r] = self.logdet.solver(r)
            else:
                self._lu[r] = spla.splu((sp.identity(self.n, format="csc") - r * self.W).tocsc()).solve
        return self._lu[r]

    def G(self, r, v):  # W(I − rW)⁻¹ v
        return self.C(self.W @ self.solve(r)(self.C(v)))

    def Gt(self, r, v):  # (I − rW')⁻¹W' v
        return self.C(self.solve(r)(np.asarray(self.Wt @ self.C(v)), trans="T"))

    def B(self, lam, v):
        v = self.C(v)
        return self.C(v - lam * (self.W @ v))

    def Binv(self, lam, v):
        return self.C(self.solve(lam)(self.C(v)))

    def dense(self, r) -> np.ndarray:
        """C W(I − rW)⁻¹ C as a dense array."""
        Wd = self.W.toarray()
        G = np.linalg.solve(np.eye(self.n) - r * Wd, Wd)  # (I − rW)⁻¹W = W(I − rW)⁻¹
        return self._cc(G)

    def _cc(self, M):
        if self.centre:
            M = M - M.mean(axis=0, keepdims=True)
            M = M - M.mean(axis=1, keepdims=True)
        return M


def _probes(n: int, k: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).choice([-1.0, 1.0], size=(n, k))


def _sparse_series(W: sp.csr_matrix, r: float) -> sp.csr_matrix:
    """W + rW² + r²W³ (fewer terms when the powers fill in beyond the budget)."""
    out, power = W.copy(), W
    for j in (1, 2):
        nxt = power @ W
        if nxt.nnz > min(_NNZ_BUDGET, 40 * W.nnz):
            break
        power = nxt
        out = out + r**j * power
    return sp.csr_matrix(out)


def _centred_stats(A: sp.csr_matrix, centre: bool) -> tuple[float, float, float]:
    """tr(CAC), tr((CAC)²), |CAC|²_F of a sparse A, exactly."""
    tr1 = float(A.diagonal().sum())
    tr2 = float(A.multiply(A.T).sum())
    fro = float(A.multiply(A).sum())
    if not centre:
        return tr1, tr2, fro
    n = A.shape[0]
    s = float(A.sum())
    r1, c1 = np.asarray(A.sum(axis=1)).ravel(), np.asarray(A.sum(axis=0)).ravel()
    return (tr1 - s / n, tr2 - 2 * float(c1 @ r1) / n + s * s / n**2,
            fro - float(c1 @ c1) / n - float(r1 @ r1) / n + s * s / n**2)


def traces_one(space: _Space, r: float, how: str, *, probes: int = PROBES, seed: int = 0) -> Traces:
    """tr(G), tr(G²), tr(G'G) of G = W(I − rW)⁻¹ (between C when centred)."""
    if how == "exact":
        G = space.dense(r)
        return Traces({"g": float(np.trace(G)), "gg": float(np.sum(G * G.T)), "gtg": float(np.sum(G * G))}, "exact")
    S = _sparse_series(space.W, r)  # control variate with exact traces
    ex = _centred_stats(S, space.centre)
    St = sp.csr_matrix(S.T)

    def chunk(U):
        GU, GtU = space.G(r, U), space.Gt(r, U)
        SU, StU = space.C(S @ U), space.C(St @ U)
        return np.column_stack([np.sum(U * (GU - SU), axis=0), np.sum(GtU * GU - StU * SU, axis=0),
                                np.sum(GU * GU - SU * SU, axis=0)])

    per = _by_chunks(space, probes, seed, chunk) + np.asarray(ex)
    return Traces(dict(zip(("g", "gg", "gtg"), map(float, per.mean(axis=0)))), "stochastic", per)


def _by_chunks(space: _Space, probes: int, seed: int, f, size: int = 50) -> np.ndarray:
    """Per-probe values of ``f`` over the (centred) Rademacher probes, ``size`` at a time (memory O(N·size))."""
    U = _probes(space.n, probes, seed)
    return np.vstack([f(space.C(U[:, i:i + size])) for i in range(0, probes, size)])


def traces_sac(space: _Space, r: float, lam: float, how: str, *, probes: int = PROBES, seed: int = 0) -> Traces:
    """The eight traces of the SAC information matrix (module notes)."""
    keys = ("g", "h", "gg", "hh", "hth", "gdtgd", "htgd", "hg")
    if how == "exact":
        G, H = space.dense(r), space.dense(lam)
        n = space.n
        Wd = space.W.toarray()
        B = space._cc(np.eye(n) - lam * Wd)
        Binv = space._cc(np.linalg.inv(np.eye(n) - lam * Wd))
        Gd = B @ G @ Binv
        v = [np.trace(G), np.trace(H), np.sum(G * G.T), np.sum(H * H.T), np.sum(H * H), np.sum(Gd * Gd),
             np.sum(H * Gd), np.sum(H * G.T)]
        return Traces(dict(zip(keys, map(float, v))), "exact")

    def chunk(U):
        GU, GtU, HU, HtU = space.G(r, U), space.Gt(r, U), space.G(lam, U), space.Gt(lam, U)
        GdU = space.B(lam, space.G(r, space.Binv(lam, U)))
        return np.column_stack([np.sum(x, axis=0) for x in (U * GU, U * HU, GtU * GU, HtU * HU, HU * HU, GdU * GdU,
                                                            HU * GdU, HtU * GU)])

    per = _by_chunks(space, probes, seed, chunk)
    return Traces(dict(zip(keys, map(float, per.mean(axis=0)))), "stochastic", per)


# -- information matrices ------------------------------------------------------------
def _lag_info(p, fit, t: dict, gxb: np.ndarray) -> np.ndarray:
    X, s2 = p.X, fit["sigma2"]
    k = X.shape[1]
    H = np.zeros((k + 2, k + 2))
    H[:k, :k] = X.T @ X / s2
    H[:k, k] = H[k, :k] = X.T @ gxb / s2
    H[k, k] = p.m * (t["gg"] + t["gtg"]) + gxb @ gxb / s2
    H[k, k + 1] = H[k + 1, k] = p.m * t["g"] / s2
    H[k + 1, k + 1] = p.n_eff / (2 * s2**2)
    return H


def _error_info(p, fit, t: dict) -> np.ndarray:
    XL, s2 = p.X - fit["lambda"] * p.WX, fit["sigma2"]
    k = XL.shape[1]
    H = np.zeros((k + 2, k + 2))
    H[:k, :k] = XL.T @ XL / s2
    H[k, k] = p.m * (t["gg"] + t["gtg"])
    H[k, k + 1] = H[k + 1, k] = p.m * t["g"] / s2
    H[k + 1, k + 1] = p.n_eff / (2 * s2**2)
    return H


def _sac_info(p, fit, t: dict, bgxb: np.ndarray) -> np.ndarray:
    lam, s2 = fit["lambda"], fit["sigma2"]
    XL = p.X - lam * p.WX
    k = XL.shape[1]
    m = p.m
    H = np.zeros((k + 3, k + 3))  # β, ρ, λ, σ²
    H[:k, :k] = XL.T @ XL / s2
    H[:k, k] = H[k, :k] = XL.T @ bgxb / s2
    H[k, k] = m * (t["gg"] + t["gdtgd"]) + bgxb @ bgxb / s2
    H[k + 1, k + 1] = m * (t["hh"] + t["hth"])
    H[k, k + 1] = H[k + 1, k] = m * (t["htgd"] + t["hg"])
    H[k, k + 2] = H[k + 2, k] = m * t["g"] / s2
    H[k + 1, k + 2] = H[k + 2, k + 1] = m * t["h"] / s2
    H[k + 2, k + 2] = p.n_eff / (2 * s2**2)
    return H


def _blockwise(p, v: np.ndarray, f) -> np.ndarray:
    """f applied to each period's N-vector of a time-major NT vector."""
    n = p.logdet.n
    V = np.asarray(v, float).reshape(p.blocks, n).T
    return np.asarray(f(V)).T.ravel()


def _gxb(p, fit, r: float) -> np.ndarray:
    gxb = p.apply_G(p.X @ fit["beta"], r)
    if p.extra.get("dummies"):
        gxb = p.extra["period_centre"](gxb)
    return gxb


def _cov_and_error(info_of, t: Traces) -> tuple[np.ndarray, float]:
    """Inverse of the information, and the largest relative 1-σ Monte Carlo error of the standard errors:
    the delta method with the gradient of the SEs in the traces and the covariance of the per-probe trace
    estimates (the traces share their probes, so their errors are correlated)."""
    V = np.linalg.inv(info_of(t.values))
    if t.how == "exact":
        return V, 0.0
    se = np.sqrt(np.diag(V))
    keys = list(t.values)
    S = np.atleast_2d(np.cov(t.samples, rowvar=False)) / len(t.samples)  # covariance of the means
    J = np.empty((len(se), len(keys)))
    for j, key in enumerate(keys):
        h = 0.1 * np.sqrt(S[j, j]) + 1e-9 * max(abs(t.values[key]), 1.0)
        moved = dict(t.values)
        moved[key] += h
        J[:, j] = (np.sqrt(np.diag(np.linalg.inv(info_of(moved)))) - se) / h
    sd = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", J, S, J), 0.0))
    return V, float(np.max(sd[:-1] / se[:-1]))


def space_of(p) -> _Space:
    if "space" not in p.extra:
        p.extra["space"] = _Space(p.logdet.W, p.centre, p.logdet)
    return p.extra["space"]


def cov_lag(p, fit, *, se: str, traces: str = "exact", probes: int = PROBES, seed: int = 0):
    """(covariance of (β, ρ, σ²), relative MC error of the SEs) of a lag model."""
    if se == "observed":
        return observed_lag(p, fit), 0.0
    r = fit["rho"]
    t = traces_one(space_of(p), r, traces, probes=probes, seed=seed)
    gxb = _gxb(p, fit, r)
    return _cov_and_error(lambda tv: _lag_info(p, fit, tv, gxb), t)


def cov_error(p, fit, *, se: str, traces: str = "exact", probes: int = PROBES, seed: int = 0):
    if se == "observed":
        return observed_error(p, fit), 0.0
    t = traces_one(space_of(p), fit["lambda"], traces, probes=probes, seed=seed)
    return _cov_and_error(lambda tv: _error_info(p, fit, tv), t)


def cov_sac(p, fit, *, se: str, traces: str = "exact", probes: int = PROBES, seed: int = 0):
    if se == "observed":
        return observed_sac(p, fit), 0.0
    r, lam = fit["rho"], fit["lambda"]
    space = space_of(p)
    t = traces_sac(space, r, lam, traces, probes=probes, seed=seed)
    gxb = _gxb(p, fit, r)
    bgxb = gxb - lam * _blockwise(p, gxb, lambda V: space.W @ V)
    if p.centre or p.extra.get("dummies"):
        bgxb = p.extra["period_centre"](bgxb)
    return _cov_and_error(lambda tv: _sac_info(p, fit, tv, bgxb), t)


# -- observed information ------------------------------------------------------------------
def observed_lag(p, fit) -> np.ndarray:
    """−Hessian of log L at (β, ρ, σ²); J''(ρ) from the power series of tr(Wʲ)."""
    X, r, s2, e = p.X, fit["rho"], fit["sigma2"], fit["resid"]
    k = X.shape[1]
    H = np.zeros((k + 2, k + 2))
    H[:k, :k] = X.T @ X / s2
    H[:k, k] = H[k, :k] = X.T @ p.Wy / s2
    H[:k, k + 1] = H[k + 1, :k] = X.T @ e / s2**2
    H[k, k] = -p.jac_d2(r) + p.Wy @ p.Wy / s2
    H[k, k + 1] = H[k + 1, k] = p.Wy @ e / s2**2
    H[k + 1, k + 1] = -p.n_eff / (2 * s2**2) + (e @ e) / s2**3
    return np.linalg.inv(H)


def observed_error(p, fit) -> np.ndarray:
    beta, lam, s2, e = fit["beta"], fit["lambda"], fit["sigma2"], fit["resid"]
    XL = p.X - lam * p.WX
    k = XL.shape[1]
    H = np.zeros((k + 2, k + 2))
    H[:k, :k] = XL.T @ XL / s2
    wu = p.Wy - p.WX @ beta
    H[:k, k] = H[k, :k] = (p.WX.T @ e + XL.T @ wu) / s2
    H[:k, k + 1] = H[k + 1, :k] = XL.T @ e / s2**2
    H[k, k] = -p.jac_d2(lam) + wu @ wu / s2
    H[k, k + 1] = H[k + 1, k] = -(wu @ e) / s2**2
    H[k + 1, k + 1] = -p.n_eff / (2 * s2**2) + (e @ e) / s2**3
    return np.linalg.inv(H)


def observed_sac(p, fit) -> np.ndarray:
    """Inverse of a central finite-difference Hessian of log L at (β, ρ, λ, σ²)."""
    from ._ml import sac_loglik

    theta = np.r_[fit["beta"], fit["rho"], fit["lambda"], fit["sigma2"]]
    k = len(fit["beta"])

    def f(t):
        return sac_loglik(p, t[k], t[k + 1], t[:k], t[k + 2])

    H = numerical_hessian(f, theta)
    if not np.all(np.isfinite(H)):  # a step left the admissible interval (log L = −∞ there)
        lo, hi = p.logdet.interval
        raise InputError(f"the observed information of SAC needs log L around the estimates, but rho = "
                         f"{fit['rho']:.6g} or lambda = {fit['lambda']:.6g} lies within a finite-difference step of "
                         f"the admissible interval's end ({lo:.6g}, {hi:.6g}): use se='expected' (or 'stochastic')")
    return np.linalg.inv(-H)


def numerical_hessian(f, x: np.ndarray) -> np.ndarray:
    """Central differences with steps scaled to each coordinate (as R's optimHess / fdHess)."""
    x = np.asarray(x, float)
    n = len(x)
    h = 1e-4 * np.maximum(np.abs(x), 1e-2)
    H = np.empty((n, n))
    for i in range(n):
        for j in range(i, n):
            ei, ej = np.zeros(n), np.zeros(n)
            ei[i], ej[j] = h[i], h[j]
            with np.errstate(invalid="ignore"):  # −∞ − (−∞) beyond the interval: NaN, which the caller refuses
                v = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * h[i] * h[j])
            H[i, j] = H[j, i] = v
    return H

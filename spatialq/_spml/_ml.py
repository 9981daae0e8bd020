"""Concentrated maximum likelihood for spatial lag, error and combined (SAC) models.

One problem description (:class:`Problem`) serves cross-sections and fixed-effects panels: the
arrays are already transformed (demeaned for panels), ``Wy``/``WX``/``W2y`` are the spatial lags
of the *untransformed* variables, transformed afterwards (Elhorst's convention: W acts on the raw
data and the lag is demeaned), and the Jacobian is

    J(ρ) = m · [ln|I − ρW| − c · ln(1 − ρ)],

with m = 1, c = 0 for a cross-section; m = T, c = 0 for Elhorst's direct FE approach; and the
Lee–Yu (2010) transformation approach m = T − 1 (unit effects), and c = 1 with (N − 1)
effective units when time effects are removed.  σ² divides the SSE by ``n_eff``.

Log-likelihood (Anselin 1988, eq. 6.7; Elhorst 2014, eq. 3.3):

    L = −n_eff/2 · ln(2πσ²) + J(ρ) − e'e / (2σ²),   e = y − ρWy − Xβ (lag),
    e = (y − λWy) − (X − λWX)β (error), e = (I − λW)(y − ρWy) − (X − λWX)β (SAC).

β and σ² are concentrated out; ρ (or λ) is found by bounded Brent search on the admissible
interval, (ρ, λ) of SAC by L-BFGS-B and Nelder–Mead, each polished by Newton's method on the score
(:func:`polish`).  Covariance matrices are in :mod:`._info`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse.linalg as spla
from scipy import optimize

from ._logdet import LogDet

LN2PI = np.log(2 * np.pi)
TINY = np.finfo(float).tiny


@dataclass
class Problem:
    y: np.ndarray
    X: np.ndarray
    Wy: np.ndarray
    WX: np.ndarray
    logdet: LogDet
    n_eff: int
    m: float = 1.0
    centre: bool = False
    W2y: np.ndarray | None = None
    apply_G: Callable | None = None  # v -> (I_T ⊗ W(I − ρW)⁻¹) v, transformed; set by the caller
    blocks: int = 1
    extra: dict = field(default_factory=dict)

    # Jacobian and its derivatives ---------------------------------------------------
    def jac(self, r: float) -> float:
        out = self.logdet(r)
        if self.centre:
            out -= np.log1p(-r)
        return self.m * out

    def jac_d12(self, r: float, points: int = 5) -> tuple[float, float]:
        """J'(r) = −m [tr(W(I − rW)⁻¹) − c/(1 − r)] and J''(r) = −m [tr((W(I − rW)⁻¹)²) − c/(1 − r)²]: exact
        from eigenvalues, otherwise central differences of the exact (LU) log-determinant on ``points`` (5 or 3)
        points h ≤ 1e-3 apart (truncation O(h⁴) in J' with five, O(h²) with three; rounding ε|ln|I − rW||/h)."""
        if points not in (3, 5):
            raise ValueError(f"points must be 3 or 5, got {points!r}")
        c = 1.0 / (1 - r) if self.centre else 0.0
        if self.logdet.method == "eigen":
            t1, t2 = (float(self.logdet.trace_series(r, k)) for k in (1, 2))
            return -self.m * (t1 - c), -self.m * (t2 - c * c)
        if self.logdet.method == "mc":  # analytic derivatives of the approximation that is maximised
            d1, d2 = self.logdet.approx.d12(r)
            return self.m * (d1 + c), self.m * (d2 + c * c)
        lo, hi = self.logdet.interval
        k = points // 2
        h = min(1e-3, (hi - r) / (k + 0.5), (r - lo) / (k + 0.5))
        f = self.logdet.many([r + i * h for i in range(-k, k + 1)])
        self.extra.setdefault("stencils", []).append((r, h, f))
        if points == 3:
            d1 = (f[2] - f[0]) / (2 * h)
            d2 = (f[2] - 2 * f[1] + f[0]) / (h * h)
        else:
            d1 = (f[0] - 8 * f[1] + 8 * f[3] - f[4]) / (12 * h)
            d2 = (-f[0] + 16 * f[1] - 30 * f[2] + 16 * f[3] - f[4]) / (12 * h * h)
        return self.m * (d1 + c), self.m * (d2 + c * c)

    def jac_d12_near(self, r: float) -> tuple[float, float] | None:
        """J'(r), J''(r) from the polynomial through the log-determinants of the last stencil of :meth:`jac_d12`
        (LU path) whose centre is within one step h of ``r``, else None.

        At the centre this is the central-difference formula itself; within h of it the truncation order is the
        same (the interpolant's derivative error is O(h^4 f^(5)) for five points).  Newton's later steps, which
        move ~1e-5 from the first stencil, so need no new factorisations."""
        if self.logdet.method != "lu":
            return None
        for centre, h, f in reversed(self.extra.get("stencils", [])):
            t = (r - centre) / h
            if abs(t) <= 1.0:
                k = len(f) // 2
                a = np.linalg.solve(np.vander(np.arange(-k, k + 1.0), len(f), increasing=True), f)
                j = np.arange(1, len(f))
                d1 = float(np.sum(j * a[1:] * t ** (j - 1))) / h
                d2 = float(np.sum(j[1:] * (j[1:] - 1) * a[2:] * t ** (j[1:] - 2))) / (h * h)
                c = 1.0 / (1 - r) if self.centre else 0.0
                return self.m * (d1 + c), self.m * (d2 + c * c)
        return None

    def jac_d2(self, r: float) -> float:
        """J''(r) = −m [tr((W(I − rW)⁻¹)²) − c/(1 − r)²]."""
        t2 = float(self.logdet.trace_series(r, 2))
        return -self.m * (t2 - (1.0 / (1 - r) ** 2 if self.centre else 0.0))


def _brent(f, interval, tol=1e-10):
    lo, hi = interval
    res = optimize.minimize_scalar(lambda r: -f(r), bounds=(lo, hi), method="bounded",
                                   options={"xatol": tol, "maxiter": 500})
    return float(res.x)


def polish(p: Problem, f, gs, x0, *, reach: float = 1e-3, points: int = 5) -> np.ndarray:
    """Newton's method on the score of the concentrated log-likelihood ``f`` from the search's answer ``x0``.

    A search on values stops where f is flat to rounding, |Δρ| ≈ √(2ε|f|/|f''|) ≈ 1e-8 (spatialreg's
    ``optimize`` and ``nlminb`` stop there as well); the score has a simple root, located to ~1e-13.  The
    score is ``gs(x)`` (the part from the sum of squares, analytic by the envelope theorem) plus J'(x) for
    each spatial parameter; its Jacobian is a central difference of ``gs`` plus diag(J'').  The result is
    kept only if it stays within ``reach`` of x0 inside the interval and its log-likelihood is not lower (rounding
    aside)."""
    x0 = np.atleast_1d(np.asarray(x0, float))
    lo, hi = p.logdet.interval
    # Newton's error after a step δ is about Kδ² (K = f'''/2f'' = O(1)): 1e-12 after δ = 1e-6, accepted on the
    # LU path (five factorisations for the first step; later steps within h of it reuse them through the quartic
    # of Problem.jac_d12_near); with eigenvalues steps are cheap
    tol = 1e-6 if p.logdet.method == "lu" else 1e-13
    x = x0.copy()
    p.extra.pop("stencils", None)
    for _ in range(8):
        jd = [p.jac_d12_near(v) or p.jac_d12(v, points) for v in x]
        g = np.asarray(gs(x)) + [a for a, _ in jd]
        h = 1e-6
        H = np.column_stack([(np.asarray(gs(x + h * e)) - np.asarray(gs(x - h * e))) / (2 * h)
                             for e in np.eye(len(x))]) + np.diag([b for _, b in jd])
        if not np.all(np.isfinite(H)) or np.any(np.linalg.eigvalsh((H + H.T) / 2) >= 0):
            return x0  # not a maximum here
        step = np.linalg.solve(H, g)
        x = x - step
        if np.any(x <= lo) or np.any(x >= hi) or np.max(np.abs(x - x0)) > reach:
            return x0
        if np.max(np.abs(step)) < tol:
            break
    return x if f(x) >= f(x0) - 1e-12 * max(1.0, abs(f(x0))) else x0


#: From this many units the exact (LU) search starts at the maximum of a cheap Monte Carlo approximation.
LOCATE_FROM = 50_000


def _search(p: Problem, conc, gs, *, points: int = 5) -> float:
    """The maximiser of the concentrated log-likelihood ``conc`` over the admissible interval, polished.

    Eigenvalues, Monte Carlo, or fewer than LOCATE_FROM units: bounded Brent search, then :func:`polish`.  With
    the exact sparse LU at LOCATE_FROM units or more each evaluation is a factorisation, so the maximum is first
    located on a cheap Monte Carlo log-determinant (:meth:`LogDet.locating`, within ~1e-3) and Newton's method
    on the exact score (:func:`polish`) goes from there (two or three steps, five factorisations each, instead
    of ~12 for the search and 5 for the polish); if Newton does not converge to a higher value within 0.05 the
    exact search is run as before.  Either way the answer is the root of the exact score (to ~1e-12).

    ``points=3`` is for the restricted fits of likelihood-ratio tests, which need log L at the maximum rather than
    ρ to 1e-12: Newton on three-point differences (h = 1e-3: J′ within h²|J‴|/3 over the stencil, so ρ within
    ~1e-7 at 100k units and log L, flat at its maximum, within ~1e-9), three factorisations for the stencil
    instead of five."""
    lo, hi = p.logdet.interval

    def f1(v):
        return conc(v[0])

    if p.logdet.method == "lu" and p.logdet.n >= LOCATE_FROM:
        with p.logdet.locating():
            r0 = _brent(conc, (lo, hi), tol=1e-8)
        r = float(polish(p, f1, gs, r0, reach=0.05, points=points)[0])
        if r != r0:
            return r
    r = _brent(conc, (lo, hi))
    return float(polish(p, f1, gs, r)[0])


def _locates(p: Problem) -> bool:
    """True when :func:`_search` locates on an approximation first (then it is also the cheaper unpolished fit)."""
    return p.logdet.method == "lu" and p.logdet.n >= LOCATE_FROM


def _maximise(p: Problem, conc, gs, *, polished: bool) -> float:
    """The maximiser of ``conc`` for a lag or error fit: polished (:func:`_search`, five-point stencils), or for
    the restricted fits of LR tests a bounded Brent search — where :func:`_locates` holds, the search on
    three-point stencils, cheaper than Brent on exact log-determinants."""
    if polished or _locates(p):
        return _search(p, conc, gs, points=5 if polished else 3)
    return _brent(conc, p.logdet.interval)


def _ls(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Least squares (β, e'e) by QR of X with its columns scaled to unit length.  Formed explicitly, not from
    cross-products: X − λWX loses a column's scale, not its direction, when Wx = x (a regressor constant
    within periods, period dummies) and λ → 1, and (1 − λ)² cancels in X'X − 2λX'WX + λ²X'W'WX."""
    norms = np.linalg.norm(X, axis=0)
    norms[norms == 0] = 1.0
    q, r = np.linalg.qr(X / norms)
    qy = q.T @ y
    b = np.linalg.solve(r, qy) / norms
    e = y - X @ b
    return b, float(e @ e)


def _ll(sse: float, n: int, jac: float) -> float:
    sse = max(sse, TINY)  # an exact fit (refused after the fit) must not make log(0)
    return -n / 2 * (LN2PI + np.log(sse / n) + 1) + jac


# -- lag (SAR, SDM) -------------------------------------------------------------------
def fit_lag(p: Problem, *, rho: float | None = None, polished: bool = True) -> dict:
    """ML of y = ρWy + Xβ + ε; ``rho`` fixes ρ (e.g. 0 for the non-spatial model)."""
    X = p.X
    xtx = X.T @ X
    b0 = np.linalg.solve(xtx, X.T @ p.y)
    b1 = np.linalg.solve(xtx, X.T @ p.Wy)
    e0, e1 = p.y - X @ b0, p.Wy - X @ b1
    a, b, c = e0 @ e0, e0 @ e1, e1 @ e1

    def conc(r):
        return _ll(a - 2 * r * b + r * r * c, p.n_eff, p.jac(r))

    def gs(v):  # d/dr of −n/2 ln S(r), S = a − 2rb + r²c
        r = v[0]
        return [-p.n_eff / 2 * (2 * r * c - 2 * b) / max(a - 2 * r * b + r * r * c, TINY)]

    if rho is None:
        r = _maximise(p, conc, gs, polished=polished)
    else:
        r = float(rho)
    beta = b0 - r * b1
    e = p.y - r * p.Wy - X @ beta
    s2 = float(e @ e) / p.n_eff
    return {"beta": beta, "rho": r, "sigma2": s2, "resid": e, "loglik": conc(r), "fixed": rho is not None}


# -- error (SEM, SDEM) ------------------------------------------------------------------
def fit_error(p: Problem, *, polished: bool = True) -> dict:
    """ML of y = Xβ + u, u = λWu + ε."""

    def parts(lam):
        return _ls(p.X - lam * p.WX, p.y - lam * p.Wy)

    def conc(lam):
        return _ll(parts(lam)[1], p.n_eff, p.jac(lam))

    def gs(v):  # envelope theorem: dS/dλ = −2 e'(Wy − WXβ) at β(λ)
        lam = v[0]
        beta, sse = parts(lam)
        e = (p.y - lam * p.Wy) - (p.X - lam * p.WX) @ beta
        return [p.n_eff * (e @ (p.Wy - p.WX @ beta)) / max(sse, TINY)]

    lam = _maximise(p, conc, gs, polished=polished)
    beta, _ = parts(lam)
    e = (p.y - lam * p.Wy) - (p.X - lam * p.WX) @ beta
    return {"beta": beta, "lambda": lam, "sigma2": float(e @ e) / p.n_eff, "resid": e, "loglik": conc(lam)}


# -- SAC ------------------------------------------------------------------------------
def _sac_parts(p: Problem):
    def parts(r, lam):
        return _ls(p.X - lam * p.WX, p.y - (r + lam) * p.Wy + r * lam * p.W2y)

    return parts


def sac_loglik(p: Problem, r: float, lam: float, beta: np.ndarray, s2: float) -> float:
    e = sac_resid(p, r, lam, beta)
    return -p.n_eff / 2 * (LN2PI + np.log(s2)) + p.jac(r) + p.jac(lam) - (e @ e) / (2 * s2)


def sac_resid(p: Problem, r: float, lam: float, beta: np.ndarray) -> np.ndarray:
    return p.y - (r + lam) * p.Wy + r * lam * p.W2y - (p.X - lam * p.WX) @ beta


def fit_sac(p: Problem, start: tuple[float, float] = (0.0, 0.0), *, polished: bool = True) -> dict:
    """ML of y = ρWy + Xβ + u, u = λWu + ε (same W in both parts)."""
    parts = _sac_parts(p)
    lo, hi = p.logdet.interval

    def negll(v):  # +∞ outside the interval, where ln|I − ρW| = −∞ (the unbounded Nelder–Mead stays inside)
        _, sse = parts(*v)
        return -(_ll(sse, p.n_eff, p.jac(v[0]) + p.jac(v[1])))

    best = None
    for s in (start, (0.0, 0.0), (0.5 * hi, 0.0), (0.0, 0.5 * hi)):
        res = optimize.minimize(negll, np.asarray(s, float), method="L-BFGS-B", bounds=[(lo, hi)] * 2,
                                options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 1000})
        if best is None or res.fun < best.fun:
            best = res
    res = optimize.minimize(negll, best.x, method="Nelder-Mead",
                            options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 4000})
    r, lam = (res.x if res.fun <= best.fun else best.x)

    def gs(v):  # envelope theorem on S(ρ, λ) = e'e at β(ρ, λ)
        rr, ll = v
        beta, sse = parts(rr, ll)
        e = sac_resid(p, rr, ll, beta)
        de_r = -p.Wy + ll * p.W2y
        de_l = -p.Wy + rr * p.W2y + p.WX @ beta
        return [-p.n_eff * (e @ de_r) / max(sse, TINY), -p.n_eff * (e @ de_l) / max(sse, TINY)]

    if polished:
        r, lam = polish(p, lambda v: -negll(v), gs, [r, lam])
    beta, sse = parts(r, lam)
    e = sac_resid(p, r, lam, beta)
    return {"beta": beta, "rho": float(r), "lambda": float(lam), "sigma2": sse / p.n_eff, "resid": e,
            "loglik": -negll([r, lam])}


def make_apply_G(W, blocks: int, transform: Callable[[np.ndarray], np.ndarray], logdet: LogDet | None = None):
    """v (time-major, blocks × N) ↦ transform((I_T ⊗ W(I − rW)⁻¹) v); the solves use ``logdet``'s factorisation
    (its fill-reducing order) when given."""
    import scipy.sparse as sp

    n = W.shape[0]
    cache: dict = {}

    def apply(v, r):
        if cache.get("r") != r:
            cache["r"] = r
            cache["solve"] = (logdet.solver(r) if logdet is not None else
                              spla.splu((sp.identity(n, format="csc") - r * W).tocsc()).solve)
        V = np.asarray(v, float).reshape(blocks, n).T
        out = W @ cache["solve"](np.ascontiguousarray(V))
        return transform(np.asarray(out).T.ravel())

    return apply

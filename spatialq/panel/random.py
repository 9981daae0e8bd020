"""Random-effects spatial panels by maximum likelihood and the spatial Hausman test.

Both follow R's splm 1.6-5 (``spml(model="random", effect="individual")`` and ``sphtest``), so that the
"fixed or random effects" table of a paper comes from one call and can be checked against R.

* **RE SAR** (``model="sar"``; splm ``lag=TRUE, spatial.error="none"``, Anselin 1988, Elhorst 2003):
  y_t = ρWy_t + X_tβ + μ + ε_t with μ ~ (0, σ²_μ I_N), ε_t ~ (0, σ²_ε I_N).
* **RE SEM** (``model="sem"``; splm ``spatial.error="b"``, Baltagi, Song & Koh 2003):
  y_t = X_tβ + μ + ε_t, ε_t = λWε_t + ν_t, so the unit effects are *not* spatially filtered.

φ = σ²_μ / σ²_ε (σ²_ν for SEM).  With B = I − λW, J̄_T the T × T averaging matrix and E_T = I_T − J̄_T the
error covariance is σ²·Ω with

* SAR: Ω = (φJ_T + I_T) ⊗ I_N, Ω⁻¹ = J̄_T ⊗ I_N /(1 + Tφ) + E_T ⊗ I_N, ln|Ω| = N ln(1 + Tφ);
* SEM: Ω = φJ_T ⊗ I_N + I_T ⊗ (B'B)⁻¹, Ω⁻¹ = J̄_T ⊗ (TφI_N + (B'B)⁻¹)⁻¹ + E_T ⊗ B'B,
  ln|Ω| = ln|TφI_N + (B'B)⁻¹| − 2(T − 1) ln|B|.

Given (φ, ρ or λ), β and σ² are GLS: β = (X'Ω⁻¹X)⁻¹X'Ω⁻¹y* (y* = y − ρWy for SAR), σ² = e'Ω⁻¹e / NT, and the
concentrated log-likelihood (splm's) is

    ℓ(φ, ρ) = −NT/2 (ln 2π + 1) − NT/2 ln σ² − ½ ln|Ω| + T ln|I − ρW|   (last term SAR only).

It is maximised over φ > 0 and the spatial parameter (L-BFGS-B from three starts, Nelder–Mead, then Newton
steps on the score by Richardson central differences: ℓ is flat to rounding over ~1e-6 in φ, so a search on
values alone stops at a machine-dependent point); the estimates match splm's nlminb optimum, φ R's polished
maximum to 2.5e-9.

**Standard errors, as splm defines them**: β from σ²(X'Ω⁻¹X)⁻¹ at the optimum (the GLS covariance,
conditional on φ and ρ/λ); φ and ρ/λ from the inverse of the negative Hessian of the *concentrated*
ℓ(φ, ρ).  splm takes that Hessian from ``nlme::fdHess``, whose steps |θᵢ|·ε^(1/3) make the second
differences rounding-dominated (moving the optimum in the 12th digit moves splm's SE of φ by 0.1–1 %);
spatialq computes it by central differences with Richardson extrapolation (as ``numDeriv::hessian``),
accurate to about 1e-8.  On the cigarette panel the SEs of φ and ρ/λ equal those from numDeriv's
Richardson Hessian of splm's own likelihood function at its polished maximum to 1e-7
(tests/reference/regression/cigarette_random_hessian.R); splm's reported values are 2.5e-4 (ρ/λ) and
2e-3 (φ) away from both, its own numerical noise.  β, its SEs, φ, ρ/λ and log L equal splm's to 1e-6.
The covariance is block-diagonal (no β–(φ, ρ) block), as in splm.

**Spatial Hausman test** (Mutl & Pfaffermayr 2011; splm ``sphtest`` with ``method="ML"``): on the slope
coefficients common to the fixed-effects (unit effects) and random-effects models with the same spatial
term, H = |d'(V_RE − V_FE)⁻¹d| with d = β_FE − β_RE, χ² with as many degrees of freedom as slopes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from .._data import unit_weights
from .._guards import InputError, check_not_perfect_fit
from .._results import provenance
from .._spml import _checks
from .._spml._design import design
from .._spml._effects import effects_table, lag_effects, simulate_lag
from .._spml._logdet import LogDet
from .._spml._result import SpatialRegressionResult
from .._wmatrix import aligned

__all__ = ["RandomEffectsResult", "spatial_hausman", "spatial_panel_re"]

MODELS = ("sar", "sem")
ERRORS = ("b", "kkp")


@dataclass(frozen=True, eq=False, repr=False)
class RandomEffectsResult(SpatialRegressionResult):
    """A random-effects spatial panel (:func:`spatial_panel_re`).

    As :class:`~spatialq._spml._result.SpatialRegressionResult`, with ``params`` holding the coefficients
    (intercept included), ``rho`` (SAR) or ``lambda`` (SEM) and ``phi`` = σ²_μ/σ²_ε; ``sigma2`` is σ²_ε
    (σ²_ν for SEM), ``sigma2_mu`` = φ·σ²_ε the variance of the unit effects.
    """

    phi: float = np.nan
    sigma2_mu: float = np.nan

    def _summary_lines(self) -> list[str]:
        lines = super()._summary_lines()
        lines[1] = (f"{self.panel['effects']} effects: N = {self.panel['N']}  T = {self.panel['T']}  "
                    f"φ = σ²_μ/σ²_ε = {self.phi:.6g}  σ²_μ = {self.sigma2_mu:.6g}")
        return lines


def _panel(df: pd.DataFrame, id: str, time: str):
    from . import _balanced

    if not isinstance(df, pd.DataFrame):
        raise InputError(f"spatial_panel_re: expected a DataFrame, got {type(df).__name__}")
    try:
        return _balanced(df, id, time)
    except (KeyError, ValueError) as e:
        raise InputError(f"spatial_panel_re: {e.args[0] if e.args else e}") from e


class _Likelihood:
    """Concentrated log-likelihood of the RE SAR / SEM model; arrays are (T, N[, k]), time-major."""

    def __init__(self, model: str, y: np.ndarray, X: np.ndarray, W, ld: LogDet):
        self.model, self.ld = model, ld
        self.T, self.N, self.k = X.shape
        self.y, self.X = y, X
        self.Wd = W.toarray() if model == "sem" else None
        self.Wy = np.asarray(W @ y.T).T
        self.WX = np.stack([np.asarray(W @ X[t]) for t in range(self.T)]) if model == "kkp" else None

    def _parts(self, phi: float, sp_: float):
        """(Ω⁻¹-weighted cross products X'Ω⁻¹X, X'Ω⁻¹y, y'Ω⁻¹y, ln|Ω|) for the SAR y* or SEM y."""
        T, N = self.T, self.N
        y = self.y - sp_ * self.Wy if self.model in ("sar", "kkp") else self.y
        X = self.X - sp_ * self.WX if self.model == "kkp" else self.X
        Z = np.concatenate([X, y[:, :, None]], axis=2)  # (T, N, k+1)
        bar = Z.mean(axis=0)
        dev = Z - bar
        if self.model in ("sar", "kkp"):  # KKP: Ω⁻¹ = (J̄_T/(1 + Tφ) + E_T) ⊗ B'B, so transform by B first
            c = 1.0 / (1.0 + T * phi)
            G = T * c * bar.T @ bar + np.einsum("tna,tnb->ab", dev, dev)
            logdet_omega = N * np.log1p(T * phi) - (2 * T * self.ld(sp_) if self.model == "kkp" else 0.0)
        else:
            B = np.eye(N) - sp_ * self.Wd
            M = B.T @ B
            A = np.eye(N) + T * phi * M  # TφI + M⁻¹ = A M⁻¹, so (TφI + M⁻¹)⁻¹ = M A⁻¹
            Ainv_bar = np.linalg.solve(A, bar)
            flat = dev.reshape(T * N, -1)
            G = T * bar.T @ (M @ Ainv_bar) + flat.T @ np.matmul(M, dev).reshape(T * N, -1)
            logdet_omega = np.linalg.slogdet(A)[1] - 2 * T * self.ld(sp_)
        return G, logdet_omega

    def gls(self, phi: float, sp_: float):
        G, logdet_omega = self._parts(phi, sp_)
        k = self.k
        XtX, Xty, yty = G[:k, :k], G[:k, k], G[k, k]
        beta = np.linalg.solve(XtX, Xty)
        ssr = yty - Xty @ beta
        sigma2 = ssr / (self.N * self.T)
        return beta, sigma2, XtX, logdet_omega

    def __call__(self, theta) -> float:
        phi, sp_ = float(theta[0]), float(theta[1])
        _, sigma2, _, logdet_omega = self.gls(phi, sp_)
        if not sigma2 > 0:
            return -np.inf
        n = self.N * self.T
        ll = -n / 2 * (np.log(2 * np.pi) + 1) - n / 2 * np.log(sigma2) - 0.5 * logdet_omega
        if self.model == "sar":
            ll += self.T * self.ld(sp_)
        return float(ll)


def _hessian(f, x: np.ndarray, lower: np.ndarray, upper: np.ndarray, *, d: float = 0.05, r: int = 5) -> np.ndarray:
    """Hessian of f at x by central differences with Richardson extrapolation (as ``numDeriv::hessian``).

    Steps h_k = h₀ / 2^k, k = 0 … r − 1, with h₀ = d·|xᵢ| (at most half the distance to the bounds); each
    extrapolation removes the next even power of h, so the error is O(h₀^(2r)) plus rounding of order
    ε·|f| / h_{r−1}²: about 1e-9 relative on the cigarette panel, against 1e-4–1e-3 for fdHess's single
    ε^(1/3) step.
    """
    x = np.asarray(x, float)
    p = len(x)
    h0 = _first_steps(x, lower, upper, d)
    f0 = f(x)
    est = []
    for k in range(r):
        E = np.diag(h0 / 2.0 ** k)
        h = np.diag(E)
        H = np.empty((p, p))
        for i in range(p):
            H[i, i] = (f(x + E[i]) - 2 * f0 + f(x - E[i])) / h[i] ** 2
            for j in range(i):
                H[i, j] = H[j, i] = (f(x + E[i] + E[j]) - f(x + E[i] - E[j]) - f(x - E[i] + E[j])
                                     + f(x - E[i] - E[j])) / (4 * h[i] * h[j])
        est.append(H)
    return _richardson(est)


def _first_steps(x: np.ndarray, lower: np.ndarray, upper: np.ndarray, d: float) -> np.ndarray:
    """h₀ = d·|xᵢ| (at least d·0.01), at most half the distance to the bounds."""
    return np.minimum(d * np.maximum(np.abs(x), 1e-2), 0.5 * np.minimum(x - lower, upper - x))


def _richardson(est: list) -> np.ndarray:
    """Richardson extrapolation of central differences at steps h₀ / 2^k: each pass removes the next even power."""
    for m in range(1, len(est)):
        c = 4.0 ** m
        est = [(c * est[k + 1] - est[k]) / (c - 1) for k in range(len(est) - 1)]
    return est[0]


def _gradient(f, x: np.ndarray, lower: np.ndarray, upper: np.ndarray, *, d: float = 0.05, r: int = 5) -> np.ndarray:
    """Gradient of f at x by central differences with Richardson extrapolation (the steps of :func:`_hessian`)."""
    x = np.asarray(x, float)
    h0 = _first_steps(x, lower, upper, d)
    est = []
    for k in range(r):
        h = h0 / 2.0 ** k
        est.append(np.array([(f(x + h[i] * e) - f(x - h[i] * e)) / (2 * h[i]) for i, e in enumerate(np.eye(len(x)))]))
    return _richardson(est)


def _polish(f, x: np.ndarray, lower: np.ndarray, upper: np.ndarray, *, steps: int = 4) -> np.ndarray:
    """Newton steps on the score of a maximum found by value comparisons.

    Near the maximum the log-likelihood is flat to rounding in φ (½·|∂²ℓ/∂φ²|·δφ² < ε·|ℓ| for δφ up to ~1e-6),
    so any optimiser that compares values stops somewhere in that flat band, at a point that depends on the
    machine's rounding.  The score (Richardson central differences, error ~ε·|ℓ|/h) still resolves φ to ~1e-9:
    Newton on it makes the estimate a property of the likelihood, not of the platform.  A step is taken only
    inside the box, with a negative definite Hessian and no loss of log-likelihood beyond rounding.
    """
    x = np.asarray(x, float)
    fx = f(x)
    for _ in range(steps):
        H = _hessian(f, x, lower, upper)
        if not np.all(np.isfinite(H)) or np.any(np.linalg.eigvalsh(H) >= 0):
            break
        step = -np.linalg.solve(H, _gradient(f, x, lower, upper))
        new = x + step
        if np.any(new <= lower) or np.any(new >= upper):
            break
        fn = f(new)
        if not np.isfinite(fn) or fn < fx - 1e-13 * max(1.0, abs(fx)):
            break
        x, fx = new, fn
        if np.all(np.abs(step) <= 1e-12 * np.maximum(1.0, np.abs(x))):
            break
    return x


PHI_FLOOR = 1e-6
"""phi = σ²_μ/σ²_ε below this is a unit-effect variance at its boundary of zero (refused: no standard errors)."""


def spatial_panel_re(
    df: pd.DataFrame,
    formula: str,
    w,
    *,
    model: str = "sar",
    errors: str = "b",
    id: str = "adcode",
    time: str = "year",
    transform: str = "r",
    n_draws: int = 1000,
    seed: int | None = 0,
) -> RandomEffectsResult:
    """Random-effects spatial panel (SAR or SEM) by maximum likelihood, as splm's ``spml(model="random")``.

    The likelihood, parameterisation (φ = σ²_μ/σ²_ε) and standard-error convention are in the module notes
    and in ``docs/panel_regression.md``.

    Parameters
    ----------
    df : DataFrame
        Long panel, one row per (id, time); must be balanced.  Not modified.
    formula : str
        e.g. ``"logc ~ logp + logy"``; an intercept is included (random effects do not absorb it).
    w : libpysal W or Graph
        Weights over the N units, matched by id; row-standardised on a copy (``transform="r"``); a scipy sparse
        matrix has its rows in the order of the units in the input's rows (docs/weights.md).
    model : {"sar", "sem"}
        "sar": y = ρWy + Xβ + μ + ε (splm ``lag=TRUE``); "sem": a spatial error model, its form set by
        ``errors``.
    errors : {"b", "kkp"}
        The random-effects error model of "sem". "b" (default; splm ``spatial.error="b"``, Baltagi, Song &
        Koh 2003): y = Xβ + μ + ε, ε = λWε + ν — only the idiosyncratic part is spatially correlated.
        "kkp" (splm ``spatial.error="kkp"``, Kapoor, Kelejian & Prucha 2007): y = Xβ + u, u = λWu + μ + ν —
        the unit effects spill over too; Ω⁻¹ = (J̄_T/(1 + Tφ) + E_T) ⊗ B'B with B = I − λW.
    id, time : str
        Unit and period columns.
    transform : str
        Transformation of W ("r" row-standardised, "o" as given).
    n_draws, seed : int
        Draws of (β, ρ) for the inference on the SAR direct / indirect / total effects (LeSage & Pace);
        ``n_draws=0`` for none.

    Returns
    -------
    RandomEffectsResult
        ``params`` (coefficients, then ``rho`` or ``lambda``, then ``phi``), ``std_errors``, ``cov``
        (block-diagonal, as splm), ``rho`` / ``lambda_``, ``phi``, ``sigma2`` (σ²_ε), ``sigma2_mu``,
        ``loglik``, effects for SAR; ``summary()``, ``to_frame()``.

    Raises
    ------
    spatialq._guards.InputError
        For an unbalanced panel, missing id or time columns, duplicate (id, time) rows, fewer than 3 units
        or 2 periods, too few observations for the regressors, or a singular design.

    Examples
    --------
    >>> r = spatial_panel_re(cig, "logc ~ logp + logy", w, model="sar", id="state_abbr")  # doctest: +SKIP
    >>> r.rho, r.phi  # doctest: +SKIP
    (0.29478..., 4.1007...)
    """
    model = str(model).lower()
    if model not in MODELS:
        raise InputError(f"spatial_panel_re: model must be one of {MODELS}, got {model!r}")
    errors = str(errors).lower()
    if errors not in ERRORS:
        raise InputError(f"spatial_panel_re: errors must be one of {ERRORS}, got {errors!r}")
    if errors == "kkp" and model != "sem":
        raise InputError("spatial_panel_re: errors='kkp' is a form of the spatial error model; use model='sem'")
    data, ids, times = _panel(df, id, time)
    N, T = len(ids), len(times)
    if N < 3:
        raise InputError(f"spatial_panel_re needs at least 3 units; there are {N}")
    response, yv, Xdf = design(data, formula, intercept=True, method="spatial_panel_re")
    names = list(Xdf.columns)
    k = len(names)
    _checks.check_response(yv, yv, response=response, method="spatial_panel_re")
    if N * T < k + 4:
        raise InputError(f"spatial_panel_re: {N * T} observations for {k} coefficients and 3 variance parameters")
    Xa = Xdf.to_numpy(float)
    if np.linalg.matrix_rank(Xa) < k:
        raise InputError(f"spatial_panel_re: the regressors {names} are perfectly collinear")
    _checks.check_design(Xa, names, method="spatial_panel_re")
    yr = np.asarray(yv, float).reshape(T, N)  # rows by period, then unit
    slopes_x = Xa[:, [j for j, c in enumerate(names) if c != "Intercept"]].reshape(T, N, -1)
    check_not_perfect_fit((yr - yr.mean(0)).ravel(), (slopes_x - slopes_x.mean(0)).reshape(T * N, -1),
                          response=response, method="spatial_panel_re", what="the regressors and unit effects explain")
    w = unit_weights(w, df, id=id, time=time, method="spatial_panel_re")  # a bare sparse w follows the input's units
    W = aligned(w, ids, transform=transform, method="spatial_panel_re")
    base = aligned(w, ids, transform="o") if transform == "r" else None
    ld = LogDet(W, base=base, method="eigen" if N <= 3000 else "lu")
    lik = _Likelihood("kkp" if errors == "kkp" else model, np.asarray(yv, float).reshape(T, N),
                      Xa.reshape(T, N, k), W, ld)

    lo, hi = ld.interval
    lo, hi = max(lo, -0.999), min(hi, 0.999)  # splm's box for the spatial parameter

    def negll(z):  # z = (ln φ, spatial parameter)
        v = lik((np.exp(z[0]), z[1]))
        return -v if np.isfinite(v) else 1e300

    best = None
    for start in ((0.0, 0.0), (np.log(0.1), 0.3), (np.log(10.0), 0.5)):
        r = optimize.minimize(negll, start, method="L-BFGS-B",
                              bounds=[(np.log(1e-8), np.log(1e8)), (lo, hi)],
                              options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 2000})
        if best is None or r.fun < best.fun:
            best = r
    r = optimize.minimize(negll, best.x, method="Nelder-Mead",
                          options={"xatol": 1e-12, "fatol": 1e-14, "maxiter": 4000})
    z = r.x if r.fun <= best.fun else best.x
    z[1] = min(max(z[1], lo), hi)
    phi, spv = _polish(lik, np.array([np.exp(z[0]), z[1]]), np.array([0.0, lo]), np.array([np.inf, hi]))
    phi, spv = float(phi), float(spv)
    if phi < PHI_FLOOR:
        raise InputError(f"spatial_panel_re: the variance of the unit effects is estimated at zero (phi = "
                         f"σ²_μ/σ²_ε = {phi:.2g}, at its lower bound): the data show no random unit effect, so phi "
                         "and the spatial parameter have no standard errors there; fit a pooled model "
                         "(spatial_model on the stacked panel) or spatial_panel with fixed effects")
    beta, sigma2, XtX, _ = lik.gls(phi, spv)
    cov_beta = sigma2 * np.linalg.inv(XtX)
    H = _hessian(lik, np.array([phi, spv]), np.array([0.0, lo]), np.array([np.inf, hi]))
    try:
        cov_theta = np.linalg.inv(-H)
    except np.linalg.LinAlgError:
        cov_theta = np.full((2, 2), np.nan)
    if not (np.isfinite(cov_theta).all() and cov_theta[0, 0] > 0 and cov_theta[1, 1] > 0):
        raise InputError(f"spatial_panel_re: the likelihood is not concave at the estimate (phi = {phi:.4g}, "
                         f"spatial parameter = {spv:.4g}), so phi and the spatial parameter have no standard errors; "
                         "the spatial parameter may sit at the edge of its interval or the unit effects be too weak "
                         "to estimate")
    sp_name = "rho" if model == "sar" else "lambda"
    index = [*names, sp_name, "phi"]
    cov = np.zeros((k + 2, k + 2))
    cov[:k, :k] = cov_beta
    cov[k, k] = cov_theta[1, 1]
    cov[k + 1, k + 1] = cov_theta[0, 0]
    cov[k, k + 1] = cov[k + 1, k] = cov_theta[0, 1]
    params = pd.Series(np.r_[beta, spv, phi], index=index, name="estimate")
    cov_df = pd.DataFrame(cov, index=index, columns=index)
    se = pd.Series(np.sqrt(np.diag(cov)), index=index, name="std_error")
    loglik = lik((phi, spv))

    fitted = Xa @ beta + (spv * lik.Wy.ravel() if model == "sar" else 0.0)
    idx = pd.MultiIndex.from_arrays([data[id].to_numpy(dtype=object), data[time].to_numpy()], names=[id, time])
    resid = pd.Series(np.asarray(yv, float) - fitted, index=idx, name="residual")

    effects = inference = None
    if model == "sar":
        slopes = [j for j, n in enumerate(names) if n != "Intercept"]
        sl_names = [names[j] for j in slopes]
        est = lag_effects(beta[slopes], None, np.array([spv]), ld)[0]
        if n_draws and n_draws > 0:
            sel = [*slopes, k]
            draws = simulate_lag(params.to_numpy()[sel], cov[np.ix_(sel, sel)], [False] * len(slopes), ld,
                                 n_draws=int(n_draws), rng=np.random.default_rng(seed))
            effects, inference = effects_table(est, draws.std(axis=0, ddof=1), sl_names, draws)
        else:
            effects, inference = effects_table(est, np.full_like(est, np.nan), sl_names)
    return RandomEffectsResult(
        meta=provenance("spatialq.panel.spatial_panel_re", n=N * T, seed=seed, model=model, formula=str(formula),
                        transform=transform, effects="random", errors=errors),
        model=model, formula=str(formula), params=params, std_errors=se, cov=cov_df,
        rho=spv if model == "sar" else None, lambda_=spv if model == "sem" else None,
        sigma2=float(sigma2), loglik=loglik, nobs=N * T, effects=effects, effects_inference=inference,
        tests=pd.DataFrame(columns=["test", "statistic", "df", "p"]), residuals=resid,
        fitted=pd.Series(fitted, index=idx, name="fitted"),
        se_method="GLS covariance for β, Richardson-extrapolated Hessian of the concentrated likelihood for φ and "
                  f"{sp_name} (splm)",
        panel={"effects": "random (unit)" + (", KKP errors" if errors == "kkp" else ""), "lee_yu": False, "N": N,
               "T": T, "n_eff": N * T,
               "response": response},
        phi=phi, sigma2_mu=phi * float(sigma2))


def spatial_hausman(fixed: SpatialRegressionResult, random: SpatialRegressionResult) -> pd.Series:
    """Spatial Hausman test of random against fixed effects (Mutl & Pfaffermayr 2011; splm ``sphtest``).

    Parameters
    ----------
    fixed : SpatialRegressionResult
        :func:`spatialq.panel.spatial_panel` with ``effects="individual"`` (the consistent estimator).
    random : RandomEffectsResult
        :func:`spatial_panel_re` of the same spatial model (efficient under H0).

    Returns
    -------
    Series
        ``statistic`` = |d'(V_RE − V_FE)⁻¹d| on the common slope coefficients (d = β_FE − β_RE; the spatial
        parameters, φ and the intercept are excluded, as in splm), ``df`` (number of slopes), ``p``
        (χ²), ``terms``.  A small p rejects the random-effects assumption (use fixed effects).

    Raises
    ------
    spatialq._guards.InputError
        If the two models do not share slope coefficients or the covariance difference is singular.
    """
    excl = {"rho", "lambda", "phi", "Intercept"}
    terms = [t for t in fixed.params.index if t in random.params.index and t not in excl]
    if not terms:
        raise InputError("spatial_hausman: the two models have no slope coefficients in common")
    if fixed.model != random.model:
        raise InputError(f"spatial_hausman: compare the same spatial model (got {fixed.model!r} and "
                         f"{random.model!r})")
    d = fixed.params[terms].to_numpy() - random.params[terms].to_numpy()
    V = random.cov.loc[terms, terms].to_numpy() - fixed.cov.loc[terms, terms].to_numpy()
    try:
        stat = float(abs(d @ np.linalg.solve(V, d)))
    except np.linalg.LinAlgError as e:
        raise InputError("spatial_hausman: V_RE − V_FE is singular") from e
    df = len(terms)
    return pd.Series({"statistic": stat, "df": df, "p": float(stats.chi2.sf(stat, df)), "terms": terms},
                     name="spatial Hausman")

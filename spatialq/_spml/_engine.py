"""Fit one spatial specification from raw arrays: build the transformed problem, maximise the
likelihood, compute the covariance, LeSage–Pace effects and the specification tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._parallel import blas_threads
from .._results import provenance
from . import _checks, _effects, _info, _ml, _tests
from ._logdet import LogDet
from ._result import SpatialRegressionResult

TEST_COLUMNS = ["test", "statistic", "df", "p", "note"]
MODELS = ("ols", "slx", "sar", "sem", "sdm", "sdem", "sac")
LAG_MODELS = {"sar", "sdm", "sac"}
ERROR_MODELS = {"sem", "sdem", "sac"}
DURBIN_MODELS = {"slx", "sdm", "sdem"}
DENSE_SE_LIMIT = _info.DENSE_LIMIT
SE_OPTIONS = ("auto", "exact", "stochastic", "observed", "traces")


@dataclass
class Spec:
    """Raw data and how to lag and transform it (cross-section: identity transform)."""

    y: np.ndarray
    X: np.ndarray
    names: list[str]
    durbin: list[int]  # columns of X that get a W-lag in Durbin models
    lag: Callable[[np.ndarray], np.ndarray]  # W applied to raw columns (block-wise for panels)
    tf: Callable[[np.ndarray], np.ndarray]  # fixed-effects transformation (identity for a cross-section)
    logdet: LogDet
    n_eff: int
    m: float = 1.0
    centre: bool = False
    blocks: int = 1
    period_centre: Callable[[np.ndarray], np.ndarray] | None = None
    absorbed: int = 0  # parameters removed by the within transformation (for OLS degrees of freedom)
    response: str = "y"
    method: str = "spatial_model"  # the public function, named in error messages
    absorbed_by: str = ""  # "the twoways fixed effects" for panels
    units: int | None = None  # N of a panel (checked ≥ 3); None for a cross-section
    scaling: _checks.Scaling = field(default_factory=_checks.Scaling)
    information: str = "within"  # panels with time effects: "dummies" treats them as dummy parameters


def _lag2(spec: Spec, a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, float)
    return spec.lag(a) if a.ndim == 1 else np.column_stack([spec.lag(a[:, j]) for j in range(a.shape[1])])


def build(spec: Spec, model: str) -> tuple[_ml.Problem, list[str], int]:
    """Transformed problem for ``model``; returns (problem, column names of X, number of lagged X)."""
    X_raw, names = spec.X, list(spec.names)
    nd = 0
    if model in DURBIN_MODELS and spec.durbin:
        WXd = _lag2(spec, X_raw[:, spec.durbin])
        X_raw = np.column_stack([X_raw, WXd])
        names = names + [f"W*{spec.names[j]}" for j in spec.durbin]
        nd = len(spec.durbin)
    Wy_raw = spec.lag(spec.y)
    p = _ml.Problem(
        y=spec.tf(spec.y), X=spec.tf(X_raw), Wy=spec.tf(Wy_raw),
        WX=spec.tf(_lag2(spec, X_raw)) if model in ERROR_MODELS else np.empty((len(spec.y), 0)),
        W2y=spec.tf(spec.lag(Wy_raw)) if model == "sac" else None,
        logdet=spec.logdet, n_eff=spec.n_eff, m=spec.m, centre=spec.centre, blocks=spec.blocks)
    post = spec.period_centre if (spec.centre and spec.period_centre is not None) else (lambda v: v)
    p.apply_G = _ml.make_apply_G(spec.logdet.W, spec.blocks, post, spec.logdet)
    p.extra["period_centre"] = spec.period_centre if spec.period_centre is not None else (lambda v: v)
    p.extra["dummies"] = spec.information == "dummies"
    check(spec, p, names, model)
    return p, names, nd


def check(spec: Spec, p: _ml.Problem, names: list[str], model: str) -> None:
    """Refuse a problem whose table would mislead (``_checks``): constant response, too few observations,
    a rank-deficient or near-singular design, a perfect OLS fit."""
    _checks.check_response(spec.y, p.y, response=spec.response, method=spec.method, absorbed_by=spec.absorbed_by)
    what = "units" if spec.units is None else f"observations after removing {spec.absorbed_by or 'the effects'}"
    _checks.check_size(p.n_eff - spec.absorbed, p.X.shape[1], model, method=spec.method, what=what,
                       units=spec.units)
    hint = (f" (a regressor constant within units or periods is absorbed by {spec.absorbed_by})"
            if spec.absorbed_by else "")
    _checks.check_design(p.X, names, method=spec.method, hint=hint)
    e = p.y - p.X @ np.linalg.lstsq(p.X, p.y, rcond=None)[0] if p.X.shape[1] else p.y
    _checks.check_perfect_fit(float(e @ e), p.y, response=spec.response, method=spec.method, model="ols")


def se_plan(se: str, n: int) -> tuple[str, str]:
    """(information, traces) for the ``se`` option at n units: expected information with exact traces up to
    DENSE_SE_LIMIT units and stochastic traces beyond ("auto"), or as asked; "traces" is the former name of
    "observed"."""
    if se not in SE_OPTIONS:
        raise ValueError(f"se must be one of {SE_OPTIONS}, got {se!r}")
    if se in {"observed", "traces"}:
        return "observed", "power series"
    if se == "auto":
        return "expected", "exact" if n <= DENSE_SE_LIMIT else "stochastic"
    return "expected", se


def fit(spec: Spec, model: str, *, se: str = "auto", cov: bool = True) -> dict:
    """Estimates, covariance (with σ² last), log-likelihood and residuals of one model.  ``cov=False`` is for
    the restricted fits of likelihood-ratio tests: log L only (ρ/λ not polished, no covariance)."""
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}")
    info, traces = se_plan(se, spec.logdet.n)
    p, names, nd = build(spec, model)
    kw = dict(se=info, traces=traces, seed=spec.logdet.seed, probes=_info.probes_for(spec.logdet))
    err = 0.0
    if model in {"ols", "slx"}:
        f = _ml.fit_lag(p, rho=0.0)
        dof = p.n_eff - spec.absorbed - len(names)  # classical OLS standard errors, as lm / plm
        k = len(names)
        V = np.zeros((k + 1, k + 1))
        V[:k, :k] = np.linalg.inv(p.X.T @ p.X) * f["sigma2"] * p.n_eff / dof
        V[k, k] = 2 * f["sigma2"] ** 2 / p.n_eff
        par, pn = f["beta"], names
        label = "classical (OLS)"
    elif model in {"sar", "sdm"}:
        f = _ml.fit_lag(p, polished=cov)
        V, err = _info.cov_lag(p, f, **kw) if cov else (np.full((len(names) + 2,) * 2, np.nan), 0.0)
        par, pn = np.r_[f["beta"], f["rho"]], [*names, "rho"]
    elif model in {"sem", "sdem"}:
        f = _ml.fit_error(p, polished=cov)
        V, err = _info.cov_error(p, f, **kw) if cov else (np.full((len(names) + 2,) * 2, np.nan), 0.0)
        par, pn = np.r_[f["beta"], f["lambda"]], [*names, "lambda"]
    else:
        start = _ml.fit_lag(p, polished=False)["rho"], 0.0
        f = _ml.fit_sac(p, start=start, polished=cov)
        V, err = _info.cov_sac(p, f, **kw) if cov else (np.full((len(names) + 3,) * 2, np.nan), 0.0)
        par, pn = np.r_[f["beta"], f["rho"], f["lambda"]], [*names, "rho", "lambda"]
    if model not in {"ols", "slx"}:
        label = (f"expected information ({traces} traces)" if info == "expected" else
                 "observed information (numerical Hessian)" if model == "sac" else
                 "observed information (power-series traces)")
    _checks.check_perfect_fit(float(f["sigma2"]) * p.n_eff, p.y, response=spec.response, method=spec.method,
                              model=model)
    return {"model": model, "problem": p, "names": names, "n_durbin": nd, "params": pd.Series(par, pn),
            "cov": pd.DataFrame(V, index=[*pn, "sigma2"], columns=[*pn, "sigma2"]), "fit": f,
            "loglik": float(f["loglik"]), "sigma2": float(f["sigma2"]), "se": label, "se_error": err,
            "probes": kw["probes"] if traces == "stochastic" and model not in {"ols", "slx"} else 0}


def effects(spec: Spec, res: dict, *, n_draws: int, rng: np.random.Generator):
    """(wide, long) effects frames, or (None, None) for OLS."""
    model = res["model"]
    if model == "ols":
        return None, None
    xi = [j for j in range(len(spec.names)) if spec.names[j] != "Intercept"]
    xn = [spec.names[j] for j in xi]
    par, V = res["params"], res["cov"]
    k = len(spec.names)
    beta = par.iloc[xi].to_numpy()
    theta = np.zeros(len(xi))
    theta_pos = {}
    if res["n_durbin"]:
        for pos, j in enumerate(spec.durbin):
            theta_pos[j] = k + pos
        theta = np.array([par.iloc[theta_pos[j]] if j in theta_pos else 0.0 for j in xi])
    if model in LAG_MODELS:
        rho = par["rho"]
        est = _effects.lag_effects(beta, theta, rho, spec.logdet)[0]
        if not np.all(np.isfinite(V.to_numpy())):
            return _effects.effects_table(est, np.full_like(est, np.nan), xn)
        # draws of (β_x, θ_x (zero where not lagged), ρ): build the selection from the covariance
        idx = list(xi) + [theta_pos[j] for j in xi if j in theta_pos] + [par.index.get_loc("rho")]
        sub = V.to_numpy()[np.ix_(idx, idx)]
        mean = par.to_numpy()[idx]
        lagged = [j in theta_pos for j in xi]
        draws = _effects.simulate_lag(mean, sub, lagged, spec.logdet, n_draws=n_draws, rng=rng)
        return _effects.effects_table(est, draws.std(axis=0, ddof=1), xn, draws)
    # linear in the parameters: direct = β, indirect = θ
    Vn = V.to_numpy()
    est, se = np.zeros((len(xi), 3)), np.zeros((len(xi), 3))
    for i, j in enumerate(xi):
        g_d = np.zeros(len(Vn))
        g_d[j] = 1.0
        g_i = np.zeros(len(Vn))
        if j in theta_pos:
            g_i[theta_pos[j]] = 1.0
        for c, g in enumerate((g_d, g_i, g_d + g_i)):
            est[i, c] = g[:-1] @ par.to_numpy()
            se[i, c] = np.sqrt(g @ Vn @ g)
    return _effects.effects_table(est, se, xn)


def tests(spec: Spec, res: dict) -> pd.DataFrame:
    """LR test against the non-spatial model; Wald and LR tests of SDM/SDEM restrictions."""
    model, par, V = res["model"], res["params"], res["cov"]
    rows = []
    if model in {"sar", "sem", "sdm", "sdem", "sac"}:
        base = {"sar": "ols", "sem": "ols", "sdm": "slx", "sdem": "slx", "sac": "ols"}[model]
        r0 = fit(spec, base, se="traces", cov=False)
        df = 2 if model == "sac" else 1
        rows.append(_tests.lr(r0["loglik"], res["loglik"], df, f"LR {model.upper()} vs {base.upper()}"))
    if model == "sdm" and res["n_durbin"]:
        th = [f"W*{spec.names[j]}" for j in spec.durbin]
        bt = [spec.names[j] for j in spec.durbin]
        rows.append(_tests.wald_zero(par[th].to_numpy(), V.loc[th, th].to_numpy(), "Wald SDM vs SAR (θ = 0)"))
        sel = [*bt, *th, "rho"]
        rows.append(_tests.wald_common_factor(par[bt].to_numpy(), par[th].to_numpy(), par["rho"],
                                              V.loc[sel, sel].to_numpy(), "Wald SDM vs SEM (θ + ρβ = 0)"))
        for other in ("sar", "sem"):
            ro = fit(spec, other, se="traces", cov=False)
            rows.append(_tests.lr(ro["loglik"], res["loglik"], len(th), f"LR SDM vs {other.upper()}"))
    if model == "sdem" and res["n_durbin"]:
        ro = fit(spec, "sem", se="traces", cov=False)
        rows.append(_tests.lr(ro["loglik"], res["loglik"], res["n_durbin"], "LR SDEM vs SEM"))
    return pd.DataFrame(rows, columns=TEST_COLUMNS)


def estimate(spec: Spec, model: str, *, formula: str, se: str, n_draws: int, seed: int | None, run_tests: bool,
             method: str, options: dict, index: pd.Index, fitted_name: str = "fitted",
             extra_tests: pd.DataFrame | None = None, panel: dict | None = None) -> SpatialRegressionResult:
    """Fit, effects (``numpy.random.default_rng(seed)``), tests, and the result object; its provenance
    records ``method``, ``options`` and the standard-error method actually used."""
    with blas_threads(1):  # sparse, memory-bound work: spinning BLAS threads only slow a shared machine down
        res = fit(spec, model, se=se)
        eff, effl = effects(spec, res, n_draws=n_draws, rng=np.random.default_rng(seed))
        tab = tests(spec, res) if run_tests else pd.DataFrame(columns=TEST_COLUMNS)
    rho_hat = float(res["params"].get("rho", res["params"].get("lambda", 0.0)))
    ld_note, ld_bound = spec.logdet.describe(rho_hat), spec.logdet.bound(rho_hat)
    if extra_tests is not None:
        tab = pd.concat([tab, extra_tests], ignore_index=True)
    par, V = res["params"], res["cov"]
    y = res["problem"].y
    resid = pd.Series(res["fit"]["resid"], index=index, name="residual")
    sigma2, loglik = res["sigma2"], res["loglik"]
    se = pd.Series(np.sqrt(np.diag(V.to_numpy()))[:-1], index=par.index)
    sc = spec.scaling
    if not sc.identity:  # back from powers of two (exact): β·fx/fy, σ²/fy², log L + n ln fy
        g = _checks.param_factors(sc, list(par.index), spec.names, spec.durbin)
        par, se = par * g, se * g
        gv = np.r_[g, 1 / sc.fy**2]
        with np.errstate(over="ignore", under="ignore"):  # a variance of 1e300² is beyond floats: inf (or 0)
            V = V * np.outer(gv, gv)
        sigma2, loglik = sigma2 / sc.fy**2, loglik + res["problem"].n_eff * np.log(sc.fy)
        y, resid = y / sc.fy, resid / sc.fy
        if eff is not None:
            ge = pd.Series(_checks.param_factors(sc, list(eff.index), spec.names, []), index=eff.index)
            eff = eff.mul(ge, axis=0)
            gl = effl["term"].map(ge)
            effl = effl.assign(**{c: effl[c] * gl for c in ("estimate", "std_error", "ci_lower", "ci_upper")})
    return SpatialRegressionResult(
        meta=provenance(method, n=len(res["problem"].y), seed=seed, model=model, formula=formula, **options,
                        se=res["se"], se_error=res["se_error"], trace_probes=res["probes"],
                        logdet=spec.logdet.method, logdet_note=ld_note, logdet_bound=ld_bound,
                        rho_interval=list(spec.logdet.interval), rho_interval_rule=spec.logdet.interval_rule,
                        n_draws=n_draws),
        model=model, formula=formula, params=par,
        std_errors=se, cov=V,
        rho=float(par["rho"]) if "rho" in par else None,
        lambda_=float(par["lambda"]) if "lambda" in par else None,
        sigma2=sigma2, loglik=loglik, nobs=len(y), effects=eff, effects_inference=effl, tests=tab,
        residuals=resid, fitted=pd.Series(y - resid.to_numpy(), index=index, name=fitted_name),
        se_method=res["se"], se_error=res["se_error"], panel=panel, logdet=ld_note, logdet_bound=ld_bound)

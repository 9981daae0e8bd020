"""Cross-section spatial regression: OLS with spatial diagnostics, SLX, SAR, SEM, SDM, SDEM, SAC.

``spatial_model(df, "y ~ x1 + x2", w, model="sdm")`` estimates by maximum likelihood and
returns a :class:`SpatialRegressionResult` with LeSage–Pace effects and specification tests;
``lm_tests`` gives the LM tests of Anselin et al. (1996) on OLS residuals; ``compare`` builds the
journal table of several models.  Conventions follow R's spatialreg (checked to 1e-6 on
Columbus, ``tests/reference/regression``): W is row-standardised on a copy (``transform="r"``),
the intercept is not lagged in Durbin models, σ² = e'e/n, standard errors from the analytical
information matrix, lagged regressors are named ``W*x``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._parallel import check_n_jobs
from .._spml import _checks, _engine, _tests
from .._spml._design import design, durbin_columns
from .._spml._logdet import LogDet, check_trace_order
from .._spml._result import SpatialRegressionResult, compare, stars
from .._wmatrix import aligned
from .gmm import spatial_gmm

__all__ = ["SpatialRegressionResult", "compare", "lm_tests", "spatial_gmm", "spatial_model", "stars"]


def _ids(df: pd.DataFrame, id: str) -> list:
    if id in df.columns:
        vals = df[id]
    elif df.index.name == id or id == "adcode":
        vals = df.index.to_series()
    else:
        raise KeyError(f"id column {id!r} not found; columns: {list(df.columns)} (pass id=)")
    ids = vals.to_numpy(dtype=object).tolist()
    if len(set(ids)) != len(ids):
        dup = vals[vals.duplicated()].unique().tolist()[:5]
        raise ValueError(f"repeated ids {dup}: a cross-section needs one row per unit (use spatialq.panel for panels)")
    return ids


def _spec(df, formula, w, *, id, transform, durbin, logdet, order, seed, method="spatial_model", n_jobs=1):
    response, y, X = design(df, formula, intercept=True, method=method)
    y, X, scaling = _checks.scaled(y, X)
    ids = _ids(df, id)
    W = aligned(w, ids, transform=transform)
    base = aligned(w, ids, transform="o") if transform == "r" else None
    ld = LogDet(W, base=base, method=logdet, order=order, seed=seed, n_jobs=n_jobs)
    names = list(X.columns)
    spec = _engine.Spec(y=y, X=X.to_numpy(), names=names, durbin=durbin_columns(names, durbin),
                        lag=lambda v: W @ v, tf=lambda v: v, logdet=ld, n_eff=len(y), response=response,
                        method=method, scaling=scaling)
    return spec, ids, W


def spatial_model(
    df: pd.DataFrame,
    formula: str,
    w,
    *,
    model: str = "sar",
    id: str = "adcode",
    transform: str = "r",
    durbin: list[str] | None = None,
    se: str = "auto",
    logdet: str = "auto",
    n_draws: int = 1000,
    seed: int | None = 0,
    tests: bool = True,
    trace_order: int | None = None,
    method: str = "ml",
    n_jobs: int = 1,
) -> SpatialRegressionResult:
    """Maximum-likelihood (or GMM) spatial regression of one cross-section.

    Models (Anselin 1988; LeSage & Pace 2009; Elhorst 2014, ch. 2)::

        ols   y = Xβ + ε
        slx   y = Xβ + WXθ + ε
        sar   y = ρWy + Xβ + ε
        sem   y = Xβ + u,  u = λWu + ε
        sdm   y = ρWy + Xβ + WXθ + ε
        sdem  y = Xβ + WXθ + u,  u = λWu + ε
        sac   y = ρWy + Xβ + u,  u = λWu + ε

    Parameters
    ----------
    df : DataFrame
        One row per unit; ids in column ``id`` (or the index).
    formula : str
        Wilkinson formula, e.g. ``"np.log(gdp) ~ urban + np.log(rd)"`` (formulaic syntax).
    w : libpysal W or Graph
        Matched to the rows by id; never modified.  ``transform="r"`` row-standardises a copy
        ("b" binary, "o" as given).
    model : {"ols", "slx", "sar", "sem", "sdm", "sdem", "sac"}
    durbin : list of str, optional
        Regressors to lag in SLX/SDM/SDEM (default: all but the intercept).
    se : {"auto", "exact", "stochastic", "observed", "traces"}
        Standard errors from the expected information matrix (spatialreg's asymptotic covariance) at every
        size: "exact" computes its traces tr(G), tr(G²), tr(G'G) from a dense (I − ρW)⁻¹ (O(N³));
        "stochastic" estimates them with 200 Rademacher probes and sparse solves (Hutchinson; control
        variate W + ρW² + ρ²W³), and the largest relative Monte Carlo error of the standard errors (1 σ,
        typically 0.02–0.3 %) is returned in ``.se_error``; "auto" is exact up to 2,000 units and
        stochastic beyond.  "observed" (formerly "traces"): the observed information, −Hessian of log L
        (power-series traces; SAC: finite differences) — asymptotically equivalent, but 4–11 % away on
        elect80.
    logdet : {"auto", "eigen", "lu", "mc"}
        ln|I − ρW| from eigenvalues (default up to 1,000 units), an exact sparse factorisation ("lu", default up
        to 200,000 units: the LDLᵀ of the symmetric form when W is similar to a symmetric matrix, else SuperLU's
        LU) or the Monte Carlo approximation with its stated 95 % interval ("mc", default beyond).
    n_draws, seed : int
        Draws from the asymptotic distribution for the effects' standard errors
        (``numpy.random.default_rng(seed)``).
    tests : bool
        Add LR tests against the non-spatial model and, for SDM, Wald/LR tests against SAR and SEM.
    trace_order : int, optional
        The highest power m of the power series tr((I − ρW)⁻¹) = Σⱼ ρʲ tr(Wʲ) (LeSage & Pace 2009, §4.4) that gives the
        effects when the eigenvalues of W are not used (beyond 1,000 units): tr(W) and tr(W²) exact, higher
        powers by a seeded Monte Carlo mean.  By default the smallest m whose tail is below 1e-10 per unit
        at the largest |ρ| asked for (a row-standardised W has tr(Wʲ) ≤ N, so the tail past m is at most
        |ρ|^(m+1)/(1 − |ρ|)): powers up to ρ¹⁹ at ρ = 0.3, ρ³⁴ at 0.5, at most ρ¹⁰⁰ (from ρ ≈ 0.8, where the Monte
        Carlo error of the high powers outweighs the tail); 100 for a W that is not row-standardised.  An
        integer of at least 10 fixes it (spatialreg's ``trW(m=)``); fewer powers are refused.
    n_jobs : int
        Threads for the exact sparse log-determinant of a W similar to a symmetric matrix (beyond 1,000 units):
        the factorisations of a finite-difference stencil run in parallel (joblib threads; joblib's convention,
        −1 = all cores).  The numbers do not depend on it.
    method : {"ml", "gmm"}
        "gmm": :func:`spatial_gmm` with its defaults (S2SLS / Kelejian–Prucha GM / GS2SLS estimated by spreg,
        instruments X, WX, W²X) for sar, sdm, sem, sdem and sac, the same result object and effects;
        ``se``, ``logdet``, ``tests``, ``trace_order`` and ``n_jobs`` are ML options and must keep their defaults.  Call
        :func:`spatial_gmm` for robust (White, HAC) or heteroskedasticity-robust GMM standard errors.

    Returns
    -------
    SpatialRegressionResult
        ``.params``, ``.std_errors``, ``.rho``, ``.lambda_``, ``.effects`` (direct, indirect, total),
        ``.effects_inference``, ``.tests``, ``.summary()``, ``.to_frame()``, ``.plot()``.

    Raises
    ------
    spatialq._guards.InputError
        A ValueError naming the response, column or regressors, for data whose table would mislead:

        * a constant response;
        * too few units: n ≥ k + p + 2, k the columns of the design (intercept and ``W*x`` included), p the
          spatial parameters — with k regressors including the intercept, OLS needs k + 2 units, SLX 2k + 1,
          SAR and SEM k + 3, SDM and SDEM 2k + 2, SAC k + 4 (``y ~ x``: 4, 5, 5, 6, 6);
        * a rank-deficient or near-singular design: condition number of the design with columns scaled to
          unit length above 1e8 (``spatialq._guards.CONDITION_LIMIT``), naming the collinear regressors;
        * a perfect fit: residual variance below 1e-12 × var(y) (R² > 1 − 1e-12), for OLS before the fit and
          for the model after it (standard errors would be 0 and z infinite);
        * a column of numbers stored as text used as a number (formulaic would dummy-code it; ``C(col)``
          dummy-codes on purpose).

    Notes
    -----
    Columns with magnitudes beyond 1e30 (or below 1e-30) are divided by a power of two before the fit
    and every number is mapped back exactly, so y in yuan or in 10¹⁵⁰ yuan give the same ρ and t.
    """
    if method == "gmm":
        changed = [k for k, v, d in (("se", se, "auto"), ("logdet", logdet, "auto"), ("tests", tests, True),
                                     ("trace_order", trace_order, None), ("n_jobs", n_jobs, 1)) if v != d]
        if changed:
            raise ValueError(f"{changed} are options of maximum likelihood, not of method='gmm'")
        return spatial_gmm(df, formula, w, model=model, id=id, transform=transform, durbin=durbin,
                           n_draws=n_draws, seed=seed)
    if method != "ml":
        raise ValueError(f"method must be 'ml' or 'gmm', got {method!r}")
    model = model.lower()
    if model not in _engine.MODELS:
        raise ValueError(f"model must be one of {_engine.MODELS}, got {model!r}")
    n_jobs = check_n_jobs(n_jobs, method="spatial_model")
    spec, ids, _ = _spec(df, formula, w, id=id, transform=transform, durbin=durbin, logdet=logdet,
                         order=check_trace_order(trace_order), seed=0 if seed is None else seed, n_jobs=n_jobs)
    return _engine.estimate(
        spec, model, formula=formula, se=se, n_draws=n_draws, seed=seed, run_tests=tests,
        index=pd.Index(ids, name=id),
        extra_tests=lm_tests(df, formula, w, id=id, transform=transform) if model == "ols" and tests else None,
        method="spatialq.regression.spatial_model", options={"transform": transform})


def lm_tests(df: pd.DataFrame, formula: str, w, *, id: str = "adcode", transform: str = "r") -> pd.DataFrame:
    """LM-error, LM-lag, their robust versions, SARMA and Moran's I of the OLS residuals.

    The first step of Elhorst's (2010) specification search: significant LM-lag / LM-error
    (and their robust forms) point to SAR / SEM, both to SDM.  Values equal spdep's
    ``lm.LMtests(test="all")`` and ``lm.morantest`` (two-sided).  Returns a frame with
    ``test``, ``statistic``, ``df``, ``p`` (χ², or normal for Moran's z) and ``note``.  Refuses the data
    :func:`spatial_model` refuses for OLS (constant response, fewer than k + 2 units, a near-singular
    design, a perfect fit, numbers stored as text).
    """
    spec, _, W = _spec(df, formula, w, id=id, transform=transform, durbin=None, logdet="lu", order=2, seed=0,
                       method="lm_tests")
    p, _, _ = _engine.build(spec, "ols")  # refuses constant, collinear, too small or perfectly fitted data
    X, y = p.X, p.y
    e = y - X @ np.linalg.lstsq(X, y, rcond=None)[0]
    trace_T = float(W.multiply(W).sum() + W.multiply(W.T).sum())
    out = _tests.lm_tests(e, X, y, lambda v: W @ v, trace_T)
    mor = _tests.residual_moran(e, X, W)
    return pd.concat([out, pd.DataFrame([mor])], ignore_index=True)

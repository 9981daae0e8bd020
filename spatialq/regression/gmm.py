"""Generalised-moments and two-stage least-squares spatial regression, estimated by PySAL's spreg.

``spatial_gmm(df, formula, w, model="sar")`` (also ``spatial_model(..., method="gmm")``) fits the
spatial lag, error and combined models by the estimators of Kelejian & Prucha (1998, 1999) and their
heteroskedasticity-robust successors (Arraiz et al. 2010; Drukker, Egger & Prucha 2013), the robustness
check referees ask for next to maximum likelihood.  The estimation itself is spreg's (``GM_Lag``,
``GM_Error``, ``GM_Error_Het``, ``GM_Error_Hom``, ``GM_Combo``, ``GM_Combo_Het``, ``GM_Combo_Hom``);
spatialq prepares the data exactly as for ML (formula, ids, W aligned by id and row-standardised on a copy,
the same input checks), maps spreg's estimates into :class:`SpatialRegressionResult`, and computes the
LeSage–Pace effects with the same effects module as ML, from the GMM estimates and their covariance.
See docs/gmm.md for the conventions and how they relate to R's spatialreg.
"""

from __future__ import annotations

import contextlib
import io
import warnings

import numpy as np
import pandas as pd

from .._data import unit_weights
from .._guards import InputError
from .._results import provenance
from .._spml import _checks, _engine
from .._spml._result import SpatialRegressionResult
from . import _kp

MODELS = ("sar", "sdm", "sem", "sdem", "sac")
ERRORS = ("kp", "het", "hom")
ROBUST = (None, "white", "hac")


def _pysal_w(W):
    """A libpysal W (ids 0..n−1) carrying exactly the sparse matrix ``W`` (spreg needs a W object)."""
    from libpysal.weights import WSP

    return WSP(W.tocsr()).to_W(silence_warnings=True)  # spreg reads only .sparse


def sorted_by_id(df: pd.DataFrame, id: str) -> pd.DataFrame:
    """Rows in the order of their ids (the given order when ids of mixed types cannot be sorted)."""
    key = df[id] if id in df.columns else df.index.to_series()
    try:
        return df.iloc[np.argsort(key.to_numpy(), kind="stable")]
    except TypeError:
        return df


def _kernel(kernel, ids: list, where: str):
    """The kernel weights as a sparse matrix in the order of ``ids``, with the diagonal set to K(0) = 1
    (``aligned`` drops self-links, which a HAC kernel needs)."""
    import scipy.sparse as sp

    k = kernel.to_W() if hasattr(kernel, "to_W") and not hasattr(kernel, "id_order") else kernel
    if not hasattr(k, "id_order"):
        raise InputError(f"{where}: kernel must be a libpysal W or Graph of kernel weights, got {type(kernel)}")
    pos = {u: i for i, u in enumerate(k.id_order)}
    missing = [u for u in ids if u not in pos]
    if missing:
        raise InputError(f"{where}: ids in the data but not in the kernel weights: {missing[:10]}")
    perm = np.array([pos[u] for u in ids])
    m = sp.csr_matrix(k.sparse, dtype=float)[perm][:, perm].tolil()
    m.setdiag(1.0)
    return m.tocsr()


def _se_label(model: str, errors: str, robust: str | None) -> str:
    if model in {"sar", "sdm"}:
        return {None: "S2SLS, classical (σ² = e'e/(n − k), as spatialreg stsls)",
                "white": "S2SLS, White heteroskedasticity-robust (HC0, as spatialreg stsls robust = TRUE)",
                "hac": "S2SLS, spatial HAC (Kelejian & Prucha 2007)"}[robust]
    if model in {"sem", "sdem"}:
        return {"kp": "GM (Kelejian & Prucha 1999) + FGLS; λ a nuisance parameter (no SE)",
                "het": "GMM, heteroskedasticity-robust (Arraiz et al. 2010)",
                "hom": "GMM, homoskedastic (Drukker, Egger & Prucha 2013)"}[errors]
    return {"kp": "GS2SLS (Kelejian & Prucha 1998), σ² = e'e/(n − k) as spatialreg gstsls; λ a nuisance "
                  "parameter (no SE)",
            "het": "GS2SLS, heteroskedasticity-robust (Arraiz et al. 2010)",
            "hom": "GS2SLS, homoskedastic (Drukker, Egger & Prucha 2013)"}[errors]


def spreg_model(model, y, x, Wl, *, errors, robust, gwk, w_lags, slx_vars, n_slx, labels=None):
    """The fitted spreg object of a GMM specification (HAC covariance in ``.vm`` when asked); ``labels``: spreg's
    name_y / name_x / name_w / name_ds for its printed summary."""
    import spreg

    labels = labels or {}
    kw = dict(slx_lags=1 if n_slx else 0, slx_vars=slx_vars, **labels)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):  # spreg prints its class name
        warnings.simplefilter("ignore")
        if model == "sdm" and slx_vars != "All":
            # spreg's GM_Lag would leave W·x of the unlagged regressors out of the instruments: spreg's TSLS with
            # Wy endogenous and H = [X, W·X_s] plus W^j x for j = 1..q (unlagged x) and j = 2..q+1 (lagged x)
            M = Wl.sparse
            lagged = np.flatnonzero(slx_vars)
            xf = np.column_stack([x, M @ x[:, lagged]])
            cols, power = [], x.copy()
            for j in range(1, w_lags + 2):
                power = M @ power
                cols += [power[:, i] for i in range(x.shape[1])
                         if (j <= w_lags and i not in lagged) or (j >= 2 and i in lagged)]
            r = spreg.TSLS(y, xf, yend=M @ y, q=np.column_stack(cols), robust="white" if robust else None,
                           sig2n_k=robust is None, **{k: v for k, v in labels.items() if k != "name_x"})
        elif model in {"sar", "sdm"}:
            r = spreg.GM_Lag(y, x, w=Wl, w_lags=w_lags, robust="white" if robust else None, sig2n_k=robust is None,
                             spat_diag=True, spat_impacts=None, **kw)
        elif model in {"sem", "sdem"}:
            cls = {"kp": spreg.GM_Error, "het": spreg.GM_Error_Het, "hom": spreg.GM_Error_Hom}[errors]
            r = cls(y, x, w=Wl, **kw)
        else:
            cls = {"kp": spreg.GM_Combo, "het": spreg.GM_Combo_Het, "hom": spreg.GM_Combo_Hom}[errors]
            r = cls(y, x, w=Wl, w_lags=w_lags, **kw)
        if robust == "hac":  # spreg's HAC covariance (it refuses kernels that are not weights.Kernel objects)
            from spreg.robust import robust_vm

            r.vm = robust_vm(r, gwk=gwk)
    return r


def _fit_spreg(model, y, x, Wl, **kw):
    """(β incl. ρ/λ as spreg orders them, covariance, σ², residuals, extra test rows) of the spreg fit."""
    r = spreg_model(model, y, x, Wl, **kw)
    if model in {"sar", "sdm"}:
        ak = getattr(r, "ak_test", None)
        rows = [] if ak is None else [{"test": "Anselin–Kelejian (spatial autocorrelation of 2SLS residuals)",
                                       "statistic": float(ak[0]), "df": 1, "p": float(ak[1]), "note": "spreg GM_Lag"}]
        u = r.u.ravel()  # σ² = e'e/(n − k) whatever the covariance, as spatialreg's stsls
        return r.betas.ravel(), np.asarray(r.vm), float(u @ u) / (len(u) - len(r.betas)), u, rows
    if kw["errors"] == "kp":  # λ at the exact minimiser of the moments (spreg's L-BFGS-B stops ~1e-6 short): _kp
        beta, V, e, u = _kp.refit(r, Wl, model, x=x, w_lags=kw["w_lags"], slx_vars=kw["slx_vars"], n_slx=kw["n_slx"])
    else:
        beta, V, e, u = r.betas.ravel(), np.asarray(r.vm), r.e_filtered.ravel(), r.u.ravel()
    return beta, V, float(e @ e) / len(e), u, []  # σ² = ε'ε/n of the innovations ε = u − λWu (GM_Error, GM_Combo)


def spatial_gmm(
    df: pd.DataFrame,
    formula: str,
    w,
    *,
    model: str = "sar",
    id: str = "adcode",
    transform: str = "r",
    durbin: list[str] | None = None,
    errors: str = "kp",
    robust: str | None = None,
    kernel=None,
    w_lags: int = 2,
    n_draws: int = 1000,
    seed: int | None = 0,
) -> SpatialRegressionResult:
    """GMM / spatial two-stage least-squares regression of one cross-section (estimated by spreg).

    Models and estimators::

        sar   y = ρWy + Xβ + ε                  S2SLS (Kelejian & Prucha 1998), spreg GM_Lag
        sdm   y = ρWy + Xβ + WXθ + ε            S2SLS with WX exogenous, spreg GM_Lag(slx_lags=1) (TSLS for a
                                                durbin subset)
        sem   y = Xβ + u,  u = λWu + ε          GM for λ, then FGLS: spreg GM_Error (KP 1999),
        sdem  y = Xβ + WXθ + u, u = λWu + ε     GM_Error_Het (Arraiz et al. 2010), GM_Error_Hom (Drukker et al. 2013)
        sac   y = ρWy + Xβ + u,  u = λWu + ε    GS2SLS: spreg GM_Combo (KP 1998), GM_Combo_Het, GM_Combo_Hom

    Instruments for Wy are H = [X, WX, …, W^q X] (q = ``w_lags``; for SDM the lags of the exogenous
    WX continue: W²X, …, W^(q+1)X, and a ``durbin`` subset keeps W x, …, W^q x of the unlagged regressors, which
    spreg's GM_Lag would drop — such fits go through spreg's ``TSLS`` with these instruments), and the 2SLS
    estimate is δ̂ = (Ẑ'Z)⁻¹Ẑ'y with Ẑ = H(H'H)⁻¹H'Z, Z = [X, Wy].  ``W*x`` terms follow the formula's order.

    Parameters
    ----------
    df, formula, w, id, transform, durbin
        As :func:`spatialq.regression.spatial_model` (the same design, id matching, weights transform and
        input checks).
    model : {"sar", "sdm", "sem", "sdem", "sac"}
    errors : {"kp", "het", "hom"}
        The moments for λ (SEM, SDEM, SAC): "kp" Kelejian & Prucha (1998, 1999) — λ is a nuisance
        parameter without a standard error, so it is reported in ``.lambda_`` but not in ``.params``;
        "het" heteroskedasticity-robust GMM (Arraiz et al. 2010) and "hom" homoskedastic GMM (Drukker,
        Egger & Prucha 2013) — both give λ a standard error.  Lag models (SAR, SDM) take "kp" only.
    robust : {None, "white", "hac"}
        Lag models only.  None: classical 2SLS covariance σ²(Ẑ'Ẑ)⁻¹ with σ² = e'e/(n − k) (k counts β and ρ;
        spatialreg's stsls); "white": HC0 sandwich (stsls ``robust = TRUE``); "hac": the spatial HAC
        estimator of Kelejian & Prucha (2007) with the kernel weights ``kernel``.  For the error and
        combined models use ``errors="het"`` instead.
    kernel : libpysal W, optional
        Kernel weights for ``robust="hac"`` (e.g. ``libpysal.weights.Kernel(points, k=6, fixed=False,
        function="triangular", diagonal=True)``), matched to the rows by id and used as given (the diagonal
        must be 1).
    w_lags : int
        Orders of spatial lags of X among the instruments (default 2, spatialreg's ``W2X = TRUE``;
        spreg's own default is 1).
    n_draws, seed
        Draws for the standard errors of the lag models' effects (``numpy.random.default_rng(seed)``),
        from the asymptotic normal distribution of the GMM estimates, as for ML.

    Returns
    -------
    SpatialRegressionResult
        The result object of ML: ``.params`` (β, ``W*x``, ``rho``, and ``lambda`` for "het"/"hom"),
        ``.std_errors``, ``.cov`` (of ``.params``; no σ² row — GMM does not estimate its variance),
        ``.rho``, ``.lambda_``, ``.sigma2``, LeSage–Pace ``.effects`` / ``.effects_inference``, residuals and
        fitted values keyed by id.  ``.loglik`` (and hence AIC/BIC) is NaN: GMM has no likelihood.
        ``.tests`` holds spreg's Anselin–Kelejian test for the lag models.  ``.se_method`` names the
        estimator and covariance.

    Equals R spatialreg 1.2-6 on Columbus (tests/reference/regression/columbus_gmm.R): ``stsls(W2X = TRUE)``
    and ``stsls(robust = TRUE)`` (coefficients and SEs to 1e-8), ``GMerrorsar(legacy = TRUE)`` (coefficients
    and SEs to 1e-9, λ to 1e-9 once λ is solved to the exact minimiser of the moments, see ``_kp``),
    ``gstsls(W2X = TRUE)`` (coefficients, λ and SEs to 1e-9) and the effects of ``impacts(stsls)``.

    Raises
    ------
    InputError
        An unknown model, ``errors`` or ``robust``; ``robust`` with an error or combined model; errors other
        than "kp" with a lag model; ``robust="hac"`` without ``kernel``; ``w_lags`` < 1; and all the data
        :func:`spatial_model` refuses (constant response, too few units, near-singular design, perfect fit,
        numbers stored as text, islands).
    """
    from . import _spec  # the ML path's own data preparation (imported here: this module is imported by it)

    model = str(model).lower()
    where = "spatial_gmm"
    if model not in MODELS:
        raise InputError(f"{where}: model must be one of {MODELS} for GMM, got {model!r}")
    if errors not in ERRORS:
        raise InputError(f"{where}: errors must be one of {ERRORS}, got {errors!r}")
    if robust not in ROBUST:
        raise InputError(f"{where}: robust must be one of {ROBUST}, got {robust!r}")
    lag_only = model in {"sar", "sdm"}
    if robust is not None and not lag_only:
        raise InputError(f"{where}: robust={robust!r} is for the lag models (sar, sdm); for model={model!r} "
                         "use errors='het' (heteroskedasticity-robust GMM)")
    if errors != "kp" and lag_only:
        raise InputError(f"{where}: errors={errors!r} sets the moments of λ, which model={model!r} does not "
                         "have; use robust='white' or 'hac' for robust standard errors")
    if robust == "hac" and kernel is None:
        raise InputError(f"{where}: robust='hac' needs kernel= (libpysal kernel weights with diagonal=True)")
    if not isinstance(w_lags, (int, np.integer)) or isinstance(w_lags, bool) or w_lags < 1:
        raise InputError(f"{where}: w_lags must be an integer ≥ 1, got {w_lags!r}")
    w = unit_weights(w, df, id=id, time=None, method="spatial_gmm")  # a bare sparse w follows the input's rows
    df = sorted_by_id(df, id)  # the iterated moments then do not depend on row order even in the last digits
    spec, ids, W = _spec(df, formula, w, id=id, transform=transform, durbin=durbin, logdet="auto", order=100,
                         seed=0 if seed is None else seed, method=where)
    spec.durbin = sorted(spec.durbin)  # spreg lags in column order: W*x terms follow the formula's order
    _, names, nd = _engine.build(spec, model)  # the ML path's refusals (constant, small, collinear, perfect)
    if names[0] != "Intercept":
        raise InputError(f"{where}: the formula needs an intercept (spreg always adds one); drop '- 1' / '+ 0'")
    k = len(spec.names)
    x = spec.X[:, 1:]
    slx_vars = "All" if not nd or nd == k - 1 else [j in spec.durbin for j in range(1, k)]
    gwk = None
    if robust == "hac":
        gwk = _pysal_w(_kernel(kernel, ids, where))
    beta, V, sigma2, resid, rows = _fit_spreg(model, spec.y[:, None], x, _pysal_w(W), errors=errors,
                                              robust=robust, gwk=gwk, w_lags=int(w_lags), slx_vars=slx_vars,
                                              n_slx=nd)
    n = len(spec.y)
    pn = list(names) + (["rho"] if model in {"sar", "sdm", "sac"} else [])
    lam = None
    if model in {"sem", "sdem", "sac"}:
        lam = float(beta[len(pn)])
        if errors == "kp":
            beta = beta[:len(pn)]
        else:
            pn = [*pn, "lambda"]
    if model == "sac" and errors == "kp":  # spatialreg's gstsls: σ² and the covariance with n − k
        dof = n / (n - len(pn))
        V, sigma2 = V * dof, sigma2 * dof
    if V.shape != (len(pn), len(pn)) or len(beta) != len(pn):
        raise RuntimeError(f"unexpected spreg output: {len(beta)} estimates, covariance {V.shape}, names {pn}")
    sc = spec.scaling
    g = _checks.param_factors(sc, pn, spec.names, spec.durbin)
    par = pd.Series(beta * g, index=pn)
    V = V * np.outer(g, g)
    sigma2 = sigma2 / sc.fy ** 2
    resid = resid / sc.fy
    y = spec.y / sc.fy
    cov = pd.DataFrame(V, index=pn, columns=pn)
    if not np.all(np.isfinite(V)) or np.any(np.diag(V) <= 0):
        raise InputError(f"{where}: spreg returned a covariance with non-positive or non-finite variances for "
                         f"{[t for t, v in zip(pn, np.diag(V)) if not v > 0]}; the instruments are too weak for "
                         "these data (try w_lags=2 or 3, or maximum likelihood)")
    padded = pd.DataFrame(np.pad(V, ((0, 1), (0, 1))), index=[*pn, "sigma2"], columns=[*pn, "sigma2"])
    res = {"model": model, "params": par, "cov": padded, "n_durbin": nd}
    eff, effl = _engine.effects(spec, res, n_draws=n_draws, rng=np.random.default_rng(seed))
    label = _se_label(model, errors, robust)
    index = pd.Index(ids, name=id)
    residuals = pd.Series(resid, index=index, name="residual")
    return SpatialRegressionResult(
        meta=provenance("spatialq.regression.spatial_gmm", n=n, seed=seed, model=model, formula=formula,
                        transform=transform, errors=errors, robust=robust, w_lags=int(w_lags), se=label,
                        n_draws=n_draws, estimator="spreg"),
        model=model, formula=formula, params=par, std_errors=pd.Series(np.sqrt(np.diag(V)), index=pn), cov=cov,
        rho=float(par["rho"]) if "rho" in par else None, lambda_=lam, sigma2=float(sigma2), loglik=float("nan"),
        nobs=n, effects=eff, effects_inference=effl,
        tests=pd.DataFrame(rows, columns=_engine.TEST_COLUMNS), residuals=residuals,
        fitted=pd.Series(y - resid, index=index, name="fitted"), se_method=label)

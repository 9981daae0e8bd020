"""Fixed-effects spatial panels: SAR, SEM, SDM, SDEM, SLX and SAC with unit, time or two-way
effects by maximum likelihood, optionally with the Lee–Yu (2010) transformation approach.

Conventions (they move the numbers; see ``docs/panel_regression.md``):

* **W acts on the raw data, the lag is demeaned** (Elhorst 2014, ch. 3; his MATLAB code,
  Stata's xsmle): Wy, WX are computed period by period from the untransformed variables and then
  put through the same within transformation as y and X.  R's splm instead applies W to the
  demeaned y; with time effects and a W whose columns do not sum to one the two differ
  (third decimal of ρ).
* **Direct approach** (``lee_yu=False``): log-likelihood with NT observations and Jacobian
  T·ln|I − ρW| (Elhorst 2014, eq. 3.9).  The estimates of σ² (and, for short panels, ρ) are
  biased when effects are removed (Lee & Yu 2010).
* **Lee–Yu transformation approach** (``lee_yu=True``, R's SDPDmod, xsmle's ``type(…, leeyu)``):
  the data are transformed by orthonormal matrices that drop one period (unit effects) and, with
  time effects, one unit; the likelihood has N(T − 1), (N − 1)T or (N − 1)(T − 1) observations and
  Jacobian (T − 1)·ln|I − ρW| (unit), T·[ln|I − ρW| − ln(1 − ρ)] (time) or
  (T − 1)·[ln|I − ρW| − ln(1 − ρ)] (two-way).  Because the transformations are orthonormal the
  residual sum of squares equals that of the demeaned data, which is how it is computed.  Time
  effects need a row-standardised W (W1 = 1).  This is *not* Elhorst's analytical bias correction
  of the direct estimates, nor splm's ``LeeYu=TRUE`` (which for two-way effects only rescales σ²).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._data import unit_weights
from .._parallel import check_n_jobs
from .._spml import _checks, _engine, _tests
from .._spml._design import design, durbin_columns
from .._spml._logdet import LogDet, check_trace_order
from .._spml._result import SpatialRegressionResult, compare
from .._wmatrix import aligned
from .dynamic import dynamic_panel
from .random import RandomEffectsResult, spatial_hausman, spatial_panel_re
from .threshold import ThresholdResult, threshold_panel

__all__ = ["RandomEffectsResult", "ThresholdResult", "compare", "dynamic_panel", "fixed_effects_tests", "lm_tests",
           "spatial_hausman", "spatial_panel", "spatial_panel_re", "threshold_panel"]

EFFECTS = ("twoways", "individual", "time", "none")
INFORMATION = ("within", "dummies")


def _balanced(df: pd.DataFrame, id: str, time: str) -> tuple[pd.DataFrame, list, list]:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"expected a DataFrame, got {type(df).__name__}")
    data = df
    if id not in data.columns:
        if data.index.name == id or (id == "adcode" and data.index.name is None):
            data = data.rename_axis(id).reset_index()
        else:
            raise KeyError(f"id column {id!r} not found; columns: {list(df.columns)} (pass id=)")
    if time not in data.columns:
        raise KeyError(f"time column {time!r} not found; columns: {list(data.columns)} (pass time=)")
    if data[[id, time]].isna().any().any():
        raise ValueError(f"missing values in {id!r} or {time!r}")
    dup = data.duplicated([id, time], keep=False)
    if dup.any():
        raise ValueError(f"{int(dup.sum())} rows share an ({id}, {time}) pair, e.g. "
                         f"{data.loc[dup, [id, time]].head(4).to_records(index=False).tolist()}")
    ids = sorted(pd.unique(data[id].to_numpy(dtype=object)), key=str)
    times = sorted(pd.unique(data[time]))
    if len(data) != len(ids) * len(times):
        full = pd.MultiIndex.from_product([ids, times])
        have = pd.MultiIndex.from_frame(data[[id, time]].astype({id: object}))
        missing = full.difference(have)
        raise ValueError(f"the panel is unbalanced: {len(missing)} of {len(full)} ({id}, {time}) pairs are missing, "
                         f"e.g. {list(missing[:5])}; spatial panels need every unit in every period "
                         "(drop the units or periods, or fill the gaps)")
    if len(times) < 2:
        raise ValueError(f"a panel needs at least two periods; {time!r} has {len(times)}")
    order = data.assign(_id=pd.Categorical(data[id].to_numpy(dtype=object), categories=ids),
                        _t=pd.Categorical(data[time], categories=times)).sort_values(["_t", "_id"])
    return order.drop(columns=["_id", "_t"]).reset_index(drop=True), ids, times


def _within(N: int, T: int, effects: str):
    def tf(v):
        a = np.asarray(v, float)
        two = a.ndim == 2
        A = a.reshape(T, N, -1) if two else a.reshape(T, N)
        if effects in {"individual", "twoways"}:
            A = A - A.mean(axis=0, keepdims=True)
        if effects in {"time", "twoways"}:
            A = A - A.mean(axis=1, keepdims=True)
        return A.reshape(a.shape)
    return tf


def _panel_spec(df, formula, w, *, effects, lee_yu, id, time, transform, durbin, logdet, order, seed,
                method="spatial_panel", information="within", n_jobs=1):
    if effects not in EFFECTS:
        raise ValueError(f"effects must be one of {EFFECTS}, got {effects!r}")
    if information not in INFORMATION:
        raise ValueError(f"information must be one of {INFORMATION}, got {information!r}")
    if information == "dummies" and lee_yu:
        raise ValueError("information='dummies' treats period effects as dummy parameters of the direct approach; "
                         "the Lee–Yu transformation removes them exactly (use information='within')")
    data, ids, times = _balanced(df, id, time)
    w = unit_weights(w, df, id=id, time=time, method=method)  # a bare sparse w follows the input's units
    N, T = len(ids), len(times)
    response, y, X = design(data, formula, intercept=effects == "none", method=method)
    y, X, scaling = _checks.scaled(y, X)
    W = aligned(w, ids, transform=transform)
    base = aligned(w, ids, transform="o") if transform == "r" else None
    ld = LogDet(W, base=base, method=logdet, order=order, seed=seed, n_jobs=n_jobs)

    def lag(v):
        return np.asarray(W @ np.asarray(v, float).reshape(T, N).T).T.ravel()

    n_eff, m, centre = N * T, float(T), False
    absorbed = {"none": 0, "individual": N, "time": T, "twoways": N + T - 1}[effects]
    if lee_yu:
        if effects == "none":
            raise ValueError("lee_yu=True transforms away fixed effects; use effects='individual', 'time' or 'twoways'")
        if effects in {"time", "twoways"} and not ld.row_standardised:
            raise ValueError("the Lee–Yu transformation of time effects needs a row-standardised W (transform='r')")
        ni = N - 1 if effects in {"time", "twoways"} else N
        ti = T - 1 if effects in {"individual", "twoways"} else T
        n_eff, m, centre, absorbed = ni * ti, float(ti), effects in {"time", "twoways"}, 0
    names = list(X.columns)
    if not names:
        raise ValueError("the formula has no regressors")
    tf = _within(N, T, effects)
    cols = X.to_numpy()
    within = tf(cols)
    flat = [n for j, n in enumerate(names)
            if n != "Intercept" and np.ptp(within[:, j]) < 1e-12 * (1 + np.ptp(cols[:, j]))]
    if flat:
        raise ValueError(f"regressors {flat} do not vary after removing the {effects} fixed effects "
                         "(time-invariant or common to all units); drop them")

    def period_centre(v):
        a = np.asarray(v, float).reshape(T, N)
        return (a - a.mean(axis=1, keepdims=True)).ravel()

    spec = _engine.Spec(y=y, X=cols, names=names, durbin=durbin_columns(names, durbin), lag=lag, tf=tf,
                        logdet=ld, n_eff=n_eff, m=m, centre=centre, blocks=T, period_centre=period_centre,
                        absorbed=absorbed, response=response, method=method, units=N, scaling=scaling,
                        absorbed_by="" if effects == "none" else f"the {effects} fixed effects",
                        information=information if effects in {"time", "twoways"} else "within")
    index = pd.MultiIndex.from_arrays([data[id].to_numpy(dtype=object), data[time].to_numpy()], names=[id, time])
    return spec, index, W, (N, T)


def spatial_panel(
    df: pd.DataFrame,
    formula: str,
    w,
    *,
    model: str = "sdm",
    effects: str = "twoways",
    lee_yu: bool = False,
    id: str = "adcode",
    time: str = "year",
    transform: str = "r",
    durbin: list[str] | None = None,
    se: str = "auto",
    information: str = "within",
    logdet: str = "auto",
    n_draws: int = 1000,
    seed: int | None = 0,
    tests: bool = True,
    trace_order: int | None = None,
    n_jobs: int = 1,
) -> SpatialRegressionResult:
    """Fixed-effects spatial panel by maximum likelihood (Elhorst 2014, ch. 3; Lee & Yu 2010).

    ``y_t = ρWy_t + X_tβ + WX_tθ + μ + α_t·1 + u_t,  u_t = λWu_t + ε_t`` for t = 1…T, with the
    terms of ``model`` ("ols", "slx", "sar", "sem", "sdm", "sdem", "sac"; see
    :func:`spatialq.regression.spatial_model`) and ``effects`` "twoways" (μ and α_t),
    "individual" (μ), "time" (α_t) or "none" (pooled, with an intercept).

    Parameters
    ----------
    df : DataFrame
        Long panel: one row per (id, time); must be balanced.  Not modified.
    formula : str
        e.g. ``"np.log(gsp) ~ np.log(pcap) + np.log(pc) + np.log(emp) + unemp"``; the intercept is
        absorbed by the fixed effects.
    w : libpysal W or Graph over the N units (matched by id), row-standardised on a copy;
        a scipy sparse matrix has its rows in the order of the units in the input's rows (docs/weights.md).
    lee_yu : bool
        Use the Lee–Yu transformation approach instead of the direct approach (module notes).
    se, logdet, n_draws, seed, trace_order, n_jobs
        As in :func:`spatialq.regression.spatial_model`: by default the expected information matrix
        (Elhorst 2014, eq. 3.12; Lee & Yu 2010, eq. 39 for SAC), whose trace terms are multiplied by the
        number of (effective) periods, with exact traces up to 2,000 units and stochastic traces beyond
        (error in ``.se_error``); ``se="observed"`` for the observed information.
    information : {"within", "dummies"}
        With period effects in the direct approach: "within" (default) is Elhorst's information matrix of
        the demeaned model (GXβ of the demeaned X); "dummies" treats the period effects as T − 1 dummy
        parameters (GXβ centred per period), which equals the standard errors of ``effects="individual"``
        with ``C(year)`` dummies.  They differ in the standard error of ρ (0.2 % for SAR, 0.4 % for SDM on
        the cigarette panel) and of the lagged regressors; the estimates are the same.  No effect on SEM
        and SDEM, or without period effects.
    tests : bool
        LR test against the non-spatial model; for SDM the Wald tests θ = 0 (→ SAR) and
        θ + ρβ = 0 (→ SEM) and the LR tests against SAR and SEM (Elhorst 2010's procedure).

    Returns
    -------
    SpatialRegressionResult
        As for cross-sections; ``.panel`` records N, T, effects and the Lee–Yu choice, and the
        residuals are keyed by (id, time).  Effects are per period (N units).

    Raises
    ------
    spatialq._guards.InputError for the inputs :func:`spatialq.regression.spatial_model` refuses, with
    these panel counts: at least 3 units, and n ≥ k + p + 2 observations left after the fixed effects
    (n = NT − N − T + 1 for two-way effects, NT − N unit, NT − T time, NT none; Lee–Yu (N − 1)(T − 1),
    N(T − 1), (N − 1)T); a response that does not vary after the fixed effects are removed; the condition
    number is that of the transformed (demeaned) design.
    """
    model = model.lower()
    if model not in _engine.MODELS:
        raise ValueError(f"model must be one of {_engine.MODELS}, got {model!r}")
    spec, index, _, (N, T) = _panel_spec(df, formula, w, effects=effects, lee_yu=lee_yu, id=id, time=time,
                                         transform=transform, durbin=durbin, logdet=logdet,
                                         order=check_trace_order(trace_order),
                                         seed=0 if seed is None else seed, information=information,
                                         n_jobs=check_n_jobs(n_jobs, method="spatial_panel"))
    return _engine.estimate(
        spec, model, formula=formula, se=se, n_draws=n_draws, seed=seed, run_tests=tests, index=index,
        fitted_name="fitted (within)",
        method="spatialq.panel.spatial_panel",
        options={"effects": effects, "lee_yu": lee_yu, "transform": transform, "information": information},
        panel={"effects": effects, "lee_yu": lee_yu, "N": N, "T": T, "n_eff": spec.n_eff,
               "convention": "W on raw data, lag demeaned (Elhorst)"})


def lm_tests(df: pd.DataFrame, formula: str, w, *, effects: str = "twoways", id: str = "adcode",
             time: str = "year", transform: str = "r") -> pd.DataFrame:
    """LM-error, LM-lag and robust versions on the residuals of the non-spatial fixed-effects
    (within) regression — the fixed effects are removed first (Elhorst 2014, §3.2; his
    ``LMsarsem_panel``): W acts period by period on the demeaned data, T = T·tr(W'W + W²).  Refuses what
    :func:`spatial_panel` refuses for ``model="ols"`` (e.g. a perfect fit of the within regression)."""
    spec, _, W, (_, T) = _panel_spec(df, formula, w, effects=effects, lee_yu=False, id=id, time=time,
                                     transform=transform, durbin=None, logdet="lu", order=2, seed=0,
                                     method="panel.lm_tests")
    p, _, _ = _engine.build(spec, "ols")  # refuses constant, collinear, too small or perfectly fitted data
    X, y = p.X, p.y
    e = y - X @ np.linalg.lstsq(X, y, rcond=None)[0]
    trace_T = T * float(W.multiply(W).sum() + W.multiply(W.T).sum())
    return _tests.lm_tests(e, X, y, spec.lag, trace_T)


def fixed_effects_tests(df: pd.DataFrame, formula: str, w, *, model: str = "sdm", id: str = "adcode",
                        time: str = "year", transform: str = "r") -> pd.DataFrame:
    """LR tests of the unit and of the time fixed effects (Elhorst 2014, §3.3).

    Each is −2(log L_restricted − log L_two-way) of the direct-approach likelihood, with
    N − 1 (unit effects, against time effects only) and T − 1 (time effects, against unit effects
    only) degrees of freedom."""
    kw = dict(id=id, time=time, transform=transform, tests=False, n_draws=2, se="traces")
    full = spatial_panel(df, formula, w, model=model, effects="twoways", **kw)
    t_only = spatial_panel(df, formula, w, model=model, effects="time", **kw)
    i_only = spatial_panel(df, formula, w, model=model, effects="individual", **kw)
    N, T = full.panel["N"], full.panel["T"]
    rows = [_tests.lr(t_only.loglik, full.loglik, N - 1, "LR unit fixed effects"),
            _tests.lr(i_only.loglik, full.loglik, T - 1, "LR time fixed effects")]
    return pd.DataFrame(rows)

"""Spatial difference-in-differences and event studies for pilot-policy evaluation.

The spatial DID (Delgado & Florax 2015; Chagas, Azzoni & Almeida 2016; Kolak & Anselin 2020) adds a
0/1 treatment dummy ``D_it`` (unit i treated and past its adoption period) to a two-way fixed-effects
spatial panel; in a Durbin model its spatial lag ``W·D`` enters too::

    y_t = ρWy_t + D_tδ + WD_tγ + X_tβ + WX_tθ + μ + α_t·1 + ε_t.

The treatment's *direct* effect (the average effect on a unit of its own treatment, including
feedback through its neighbours), *indirect* effect (the spillover: the average effect on a unit of
its neighbours' treatment) and *total* effect are the LeSage–Pace summaries of ∂y/∂D' — the
``effects`` of :func:`spatialq.panel.spatial_panel`, whose likelihood, fixed-effects convention (W
on the raw data, the lag demeaned; Elhorst 2014) and standard errors (expected information) are used
unchanged: no estimator lives here.  Inference on the effects is by simulation from the asymptotic
distribution of the estimates (``n_draws``; standard deviation of the draws and their percentile
interval, LeSage & Pace 2009).

Identification is that of the two-way fixed-effects DID with the stable-unit assumption replaced by
spillovers that run through W (Butts 2023): parallel trends, no anticipation, and spillovers confined
to W's neighbours.  With staggered adoption and effects that vary over time the two-way estimator
averages them with weights that can be negative (Goodman-Bacon 2021); look at :func:`event_study`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ._data import unit_weights
from ._guards import InputError
from ._results import Result, provenance
from ._spml._result import EFFECT_ZH, SpatialRegressionResult, stars
from .formula import FormulaError, from_columns
from .panel import _balanced, spatial_panel

__all__ = ["DIDRobustnessResult", "EventStudyResult", "SpatialDIDResult", "did_robustness", "event_study",
           "spatial_did"]

MODELS = ("sdm", "sar", "sem", "sdem", "slx")
EFFECTS = ("direct", "indirect", "total")


# -- helpers -----------------------------------------------------------------------------------------
def _formula(y: str, terms: list[str]):
    try:
        return from_columns(y, terms)
    except FormulaError as err:
        raise InputError(str(err)) from None


def _check_columns(df, cols: dict[str, str], id: str, time: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"expected a DataFrame, got {type(df).__name__}")
    have = set(df.columns)
    missing = [f"{role} {name!r}" for role, name in cols.items() if name not in have]
    if missing:
        raise InputError(f"columns not in the data: {', '.join(missing)}; columns: {list(df.columns)[:30]}")


def _panel(df, y, extra, controls, id, time):
    controls = [controls] if isinstance(controls, str) else list(controls)
    cols = {"response": y, **extra, **{f"control {i + 1}": c for i, c in enumerate(controls)}}
    _check_columns(df, cols, id, time)
    try:
        data, ids, times = _balanced(df, id, time)
    except (KeyError, ValueError) as err:
        raise InputError(str(err).strip("'\"")) from None
    return data, ids, times, controls


def _check_treat(data, treat, id, time) -> dict:
    """Validate a 0/1 absorbing treatment; returns {unit: first treated period} of the ever treated."""
    d = pd.to_numeric(data[treat], errors="coerce")
    bad = ~d.isin([0, 1])
    if bad.any():
        ex = data.loc[bad, [id, time, treat]].head(3).to_records(index=False).tolist()
        raise InputError(f"treatment column {treat!r} must be 0/1 (treated and post) without missing values; "
                         f"e.g. (unit, period, value) {ex}")
    wide = d.to_frame("d").assign(u=data[id].to_numpy(dtype=object), t=data[time].to_numpy()) \
        .pivot(index="u", columns="t", values="d").sort_index(axis=1)
    a = wide.to_numpy()
    off = (np.diff(a, axis=1) < 0).any(axis=1)
    if off.any():
        units = list(wide.index[off][:8])
        raise InputError(f"treatment {treat!r} switches off again for unit(s) {units}: the DID needs an "
                         "absorbing treatment (0 before the unit's adoption period, 1 from then on)")
    ever = a.max(axis=1) > 0
    if not ever.any():
        raise InputError(f"no unit is ever treated ({treat!r} is 0 everywhere)")
    cols = [c.item() if hasattr(c, "item") else c for c in wide.columns]
    first = {u: cols[int(np.argmax(r > 0))] for u, r in zip(wide.index[ever], a[ever])}
    if ever.all() and len(set(first.values())) == 1:
        raise InputError(f"every unit is treated from {next(iter(first.values()))}: there is no control unit "
                         "(a DID needs never-treated or later-treated units)")
    return first


def _fit(data, y, terms, w, model, effects, id, time, n_draws, seed, **kw) -> SpatialRegressionResult:
    model = model.lower() if isinstance(model, str) else model
    if model not in MODELS:
        raise InputError(f"model must be one of {MODELS}, got {model!r}")
    return spatial_panel(data, _formula(y, terms), w, model=model, effects=effects, id=id, time=time,
                         n_draws=n_draws, seed=seed, **kw)


def _effect_rows(fit: SpatialRegressionResult, term: str, level: float) -> pd.DataFrame:
    """Direct / indirect / total of one term; for SEM (no spatial multiplier) direct = β, indirect = 0."""
    z = stats.norm.ppf(0.5 + level / 2)
    e = fit.effects_inference
    if e is not None and term in set(e["term"]):
        out = e[e["term"] == term].set_index("effect").loc[list(EFFECTS)]
        out = out.rename(columns={"std_error": "sd"})[["estimate", "sd", "t", "p", "ci_lower", "ci_upper"]]
    else:
        b, s = float(fit.params[term]), float(fit.std_errors[term])
        rows = [[b, s], [0.0, 0.0], [b, s]]
        out = pd.DataFrame(rows, index=list(EFFECTS), columns=["estimate", "sd"])
        out["t"] = np.where(out["sd"] > 0, out["estimate"] / out["sd"].where(out["sd"] > 0), np.nan)
        out["p"] = 2 * stats.norm.sf(np.abs(out["t"]))
        out["ci_lower"], out["ci_upper"] = out["estimate"] - z * out["sd"], out["estimate"] + z * out["sd"]
    out.index.name = "effect"
    return out.astype(float)


def _ci_plot(ax, x, frame, colour, label):
    est = frame["estimate"]
    ax.errorbar(x, est, yerr=[est - frame["ci_lower"], frame["ci_upper"] - est], fmt="o", color=colour, capsize=3,
                label=label)


COLOURS = {"direct": "#4477aa", "indirect": "#ee6677", "total": "#228833"}


# -- spatial DID -------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False, repr=False)
class SpatialDIDResult(Result):
    """A spatial DID: ``effects`` (rows direct / indirect / total of the treatment with estimate, sd, t,
    p, ci_lower, ci_upper), ``coefficients`` (the coefficient table of the fitted panel), ``fit`` (the
    :class:`spatialq._spml._result.SpatialRegressionResult`), ``treat`` (the dummy's name), ``adoption``
    ({unit: first treated period}), ``n_treated`` and ``n_control`` (never-treated units)."""

    treat: str
    model: str
    effects: pd.DataFrame
    coefficients: pd.DataFrame
    fit: SpatialRegressionResult
    adoption: dict
    n_treated: int
    n_control: int

    def _title(self) -> str:
        return f"Spatial DID ({self.model.upper()}, two-way fixed effects) — 空间双重差分"

    def _summary_lines(self) -> list[str]:
        p = self.fit.panel
        periods = sorted(set(self.adoption.values()))
        e = self.effects.copy()
        e["stars"] = e["p"].map(stars)
        return [f"treatment: {self.treat}  treated units: {self.n_treated}  never treated: {self.n_control}  "
                f"adoption periods: {periods[:10]}{' …' if len(periods) > 10 else ''}",
                f"N = {p['N']}  T = {p['T']}  fixed effects: {p['effects']}  log-likelihood = {self.fit.loglik:.4f}",
                "", "Treatment effects 处理效应 (direct = on the treated, indirect = spillover to neighbours):",
                e.to_string(float_format=lambda v: f"{v:.6g}"), "", "Coefficients 系数:",
                self.coefficients.to_string(float_format=lambda v: f"{v:.6g}")]

    def to_frame(self) -> pd.DataFrame:
        """One row per effect (direct, indirect, total): estimate, sd, t, p, ci_lower, ci_upper."""
        return self.effects.copy()

    def _plot(self, ax, **kw):
        """The three treatment effects with their intervals."""
        for i, eff in enumerate(EFFECTS):
            _ci_plot(ax, [i], self.effects.loc[[eff]], COLOURS[eff], EFFECT_ZH[eff])
        ax.set_xticks(range(3), [f"{e}\n{EFFECT_ZH[e]}" for e in EFFECTS])
        ax.axhline(0, color="grey", linewidth=0.8)
        ax.set_ylabel(f"effect of {self.treat}")
        ax.set_title(f"Spatial DID ({self.model.upper()})")
        return ax


def spatial_did(df: pd.DataFrame, y: str, treat: str, w, *, controls=(), model: str = "sdm",
                effects: str = "twoways", id: str = "adcode", time: str = "year", n_draws: int = 1000,
                seed: int | None = 0, level: float = 0.95, **kw) -> SpatialDIDResult:
    """Spatial difference-in-differences: a fixed-effects spatial panel with a treatment dummy.

    Fits ``y ~ treat + controls`` by :func:`spatialq.panel.spatial_panel` (for the Durbin models
    "sdm", "sdem" and "slx" the dummy's spatial lag ``W*treat`` and the controls' lags enter too) and
    reports the treatment's direct, indirect (spillover) and total effects with simulated inference.

    Parameters
    ----------
    df : DataFrame
        Balanced long panel, one row per (id, time).  Not modified.
    y : str
        Response column (a name, used as it is; take logs in the data).
    treat : str
        0/1 column: 1 when the unit is treated and past its adoption period.  Staggered adoption is
        allowed; the treatment must be absorbing (0 … 0 1 … 1 within each unit).
    w : libpysal W or Graph
        Weights over the units, matched by id, row-standardised on a copy; a scipy sparse matrix has its rows in
        the order of the units in the input's rows (docs/weights.md).
    controls : sequence of str
        Control columns.
    model : {"sdm", "sar", "sem", "sdem", "slx"}
        Spatial model.  For SEM the treatment has no spatial multiplier: direct = δ, indirect = 0.
    effects : {"twoways", "individual", "time", "none"}
        Fixed effects (two-way is the DID).
    id, time : str
        Unit and period columns.
    n_draws, seed : int
        Draws for the simulated inference on the effects and their seed.
    level : float
        Level of the intervals of SEM effects (the others come from ``spatial_panel``, 95 %).
    **kw
        Passed to :func:`spatialq.panel.spatial_panel` (``lee_yu``, ``transform``, ``se``, ...).
        In a Monte Carlo on the prefecture W with T = 10 (``docs/policy.md``) the default direct
        approach understates the sd of the effects by 6–7 % (coverage 0.93); ``lee_yu=True`` gives
        coverage 0.94–0.95.

    Returns
    -------
    SpatialDIDResult

    Raises
    ------
    spatialq._guards.InputError
        Missing columns (named), an unbalanced panel, a treatment that is not 0/1 or switches off
        (naming the units), no treated unit, or no control unit.

    References
    ----------
    Delgado, M. S. & Florax, R. J. G. M. (2015). Difference-in-differences techniques for spatial data:
    local autocorrelation and spatial interaction. *Economics Letters* 137, 123–126.
    Chagas, A. L. S., Azzoni, C. R. & Almeida, A. N. (2016). A spatial difference-in-differences analysis
    of the impact of sugarcane production on respiratory diseases. *Regional Science and Urban
    Economics* 59, 24–36.
    """
    data, ids, _, controls = _panel(df, y, {"treatment": treat}, controls, id, time)
    w = unit_weights(w, df, id=id, time=time, method="spatial_did")  # data is sorted: w matched by id from here
    if treat in controls or treat == y:
        raise InputError(f"treatment {treat!r} is also the response or a control")
    adoption = _check_treat(data, treat, id, time)
    fit = _fit(data, y, [treat, *controls], w, model, effects, id, time, n_draws, seed, **kw)
    eff = _effect_rows(fit, treat, level)
    n_treated = len(adoption)
    return SpatialDIDResult(
        meta=provenance("spatialq.policy.spatial_did", seed=seed, n=fit.nobs, y=y, treat=treat,
                        controls=tuple(controls), model=model, effects=effects, n_draws=n_draws),
        treat=treat, model=model.lower(), effects=eff, coefficients=fit.to_frame(), fit=fit, adoption=adoption,
        n_treated=n_treated, n_control=len(ids) - n_treated)


# -- event study -------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False, repr=False)
class EventStudyResult(Result):
    """An event study: ``effects`` is long (relative period k, effect, estimate, sd, t, p, ci_lower,
    ci_upper; the reference period has estimate 0 and no sd), ``fit`` the fitted panel, ``ref`` the
    omitted period, ``terms`` ({k: dummy name})."""

    model: str
    ref: int
    effects: pd.DataFrame
    terms: dict
    fit: SpatialRegressionResult

    def _title(self) -> str:
        return f"Spatial event study ({self.model.upper()}) — 事件研究"

    def _summary_lines(self) -> list[str]:
        f = self.to_frame()
        f["stars"] = f["p"].map(stars)
        return [f"reference period k = {self.ref} (omitted); end periods binned", "",
                f.to_string(index=False, float_format=lambda v: f"{v:.6g}")]

    def to_frame(self) -> pd.DataFrame:
        """One row per (relative period, effect)."""
        return self.effects.copy()

    def _plot(self, ax, *, effects=("direct", "indirect"), **kw):
        """Dynamic effects by relative period with intervals, a zero line and the adoption marked."""
        shift = {e: (i - (len(effects) - 1) / 2) * 0.15 for i, e in enumerate(effects)}
        for eff in effects:
            s = self.effects[self.effects["effect"] == eff]
            _ci_plot(ax, s["k"] + shift[eff], s, COLOURS[eff], f"{eff} {EFFECT_ZH[eff]}")
            ax.plot(s["k"] + shift[eff], s["estimate"], color=COLOURS[eff], linewidth=0.8)
        ax.axhline(0, color="grey", linewidth=0.8)
        ax.axvline(self.ref + 0.5, color="grey", linestyle="--", linewidth=0.8)
        ks = sorted(self.effects["k"].unique())
        ax.set_xticks(ks)
        ax.set_xlabel("periods relative to adoption 相对政策实施期")
        ax.set_ylabel("effect")
        ax.legend(frameon=False)
        return ax


def event_study(df: pd.DataFrame, y: str, adoption: str, w, *, leads: int = 3, lags: int = 3, ref: int = -1,
                controls=(), model: str = "sdm", effects: str = "twoways", id: str = "adcode",
                time: str = "year", n_draws: int = 1000, seed: int | None = 0, level: float = 0.95,
                **kw) -> EventStudyResult:
    """Spatial event study: relative-time dummies in a fixed-effects spatial panel.

    For a unit adopting in period g, k = t − g; dummies for k = −leads … lags, the end periods
    binned (k ≤ −leads into −leads, k ≥ lags into lags), the reference period ``ref`` omitted;
    never-treated units have all dummies 0.  Each dummy (and for Durbin models its spatial lag)
    enters :func:`spatialq.panel.spatial_panel`; the direct and indirect effects of each dummy are the
    dynamic effects relative to ``ref``.  Leads near zero support parallel trends and no anticipation.

    Parameters
    ----------
    df : DataFrame
        Balanced long panel.  Not modified.
    y : str
        Response column.
    adoption : str
        Each unit's adoption period (constant within the unit, NaN for never treated), in the units of
        ``time``.
    w : libpysal W or Graph
    leads, lags : int
        Number of pre-periods (≥ 1) and post-periods (≥ 0, k = 0 is the adoption period).
    ref : int
        Omitted relative period, −leads ≤ ref ≤ lags (usually −1), reported with estimate 0.
    controls, model, effects, id, time, n_draws, seed, level, **kw
        As in :func:`spatial_did`.

    Returns
    -------
    EventStudyResult

    Raises
    ------
    spatialq._guards.InputError
        Missing columns, an unbalanced panel, an adoption period that varies within a unit (naming it),
        no treated unit, ``ref`` outside the window.
    """
    data, _, _, controls = _panel(df, y, {"adoption": adoption}, controls, id, time)
    w = unit_weights(w, df, id=id, time=time, method="event_study")  # data is sorted: w matched by id from here
    leads, lags, ref = int(leads), int(lags), int(ref)
    if leads < 1 or lags < 0:
        raise InputError(f"leads must be ≥ 1 and lags ≥ 0, got leads={leads}, lags={lags}")
    if not -leads <= ref <= lags:
        raise InputError(f"ref={ref} is outside the window −{leads} … {lags}")
    g = pd.to_numeric(data[adoption], errors="coerce")
    if (g.isna() & data[adoption].notna()).any():
        raise InputError(f"adoption column {adoption!r} must hold periods (numbers) or NaN for never treated")
    per_unit = g.groupby(data[id].to_numpy(dtype=object)).agg(lambda s: s.nunique(dropna=False))
    varying = per_unit[per_unit > 1]
    if len(varying):
        raise InputError(f"adoption period {adoption!r} varies within unit(s) {list(varying.index[:8])}; "
                         "it must be one period per unit (NaN for never treated)")
    if g.isna().all():
        raise InputError(f"no unit is ever treated ({adoption!r} is NaN everywhere)")
    if g.notna().all() and g.nunique() == 1:  # the leads and lags would be collinear with the period effects
        raise InputError(f"every unit adopts in {g.iloc[0]:g}: there is no control unit (an event study needs "
                         "never-treated units, with NaN adoption, or units that adopt in other periods)")
    t = pd.to_numeric(data[time], errors="coerce")
    k = (t - g).clip(lower=-leads, upper=lags)
    frame = data[[id, time, y, *controls]].copy()
    terms = {}
    for kk in range(-leads, lags + 1):
        if kk == ref:
            continue
        name = f"lead{-kk}" if kk < 0 else f"lag{kk}"
        while name in frame.columns:
            name = "_" + name
        frame[name] = (k == kk).astype(float).to_numpy()
        terms[kk] = name
    empty = [kk for kk, n in terms.items() if frame[n].sum() == 0]
    if empty:
        raise InputError(f"no observation falls in relative period(s) {empty}; reduce leads/lags")
    fit = _fit(frame, y, [*terms.values(), *controls], w, model, effects, id, time, n_draws, seed, **kw)
    rows = []
    for kk in range(-leads, lags + 1):
        if kk == ref:
            for eff in EFFECTS:
                rows.append({"k": kk, "effect": eff, "estimate": 0.0, "sd": np.nan, "t": np.nan, "p": np.nan,
                             "ci_lower": 0.0, "ci_upper": 0.0})
            continue
        e = _effect_rows(fit, terms[kk], level)
        for eff in EFFECTS:
            rows.append({"k": kk, "effect": eff, **e.loc[eff].to_dict()})
    return EventStudyResult(
        meta=provenance("spatialq.policy.event_study", seed=seed, n=fit.nobs, y=y, adoption=adoption, leads=leads,
                        lags=lags, ref=ref, controls=tuple(controls), model=model, effects=effects),
        model=model.lower(), ref=ref, effects=pd.DataFrame(rows), terms=terms, fit=fit)


# -- robustness across weights -----------------------------------------------------------------------
@dataclass(frozen=True, eq=False, repr=False)
class DIDRobustnessResult(Result):
    """The same spatial DID under several weight matrices: ``results`` ({name: SpatialDIDResult}) and
    ``estimates`` (long: weights, effect, estimate, sd, t, p, ci_lower, ci_upper)."""

    results: dict
    estimates: pd.DataFrame
    digits: int = 3

    def _title(self) -> str:
        return "Spatial DID under several weight matrices — 稳健性检验 (不同空间权重矩阵)"

    def _summary_lines(self) -> list[str]:
        return [self.to_frame().to_string()]

    def to_frame(self) -> pd.DataFrame:
        """Journal-style table, one column per W: direct, indirect, total with stars and the sd in
        parentheses below, then ρ / λ, log L and n (strings, as :func:`spatialq.panel.compare`)."""
        d = self.digits
        rows: dict[str, list[str]] = {}
        for eff in EFFECTS:
            rows[eff], rows[f"({eff})"] = [], []
            for r in self.results.values():
                e = r.effects.loc[eff]
                rows[eff].append(f"{e['estimate']:.{d}f}{stars(e['p'])}")
                rows[f"({eff})"].append(f"({e['sd']:.{d}f})" if np.isfinite(e["sd"]) else "")
        for par in ("rho", "lambda"):
            if any(par in r.fit.params.index for r in self.results.values()):
                rows[par] = [f"{r.fit.params[par]:.{d}f}{stars(r.fit.pvalues[par])}" if par in r.fit.params.index
                             else "" for r in self.results.values()]
        rows["log L"] = [f"{r.fit.loglik:.{d}f}" for r in self.results.values()]
        rows["n"] = [str(r.fit.nobs) for r in self.results.values()]
        out = pd.DataFrame(rows, index=list(self.results)).T
        out.index = ["" if i.startswith("(") else i for i in out.index]
        return out

    def _plot(self, ax, **kw):
        """Direct, indirect and total effects with intervals, one group per weight matrix."""
        names = list(self.results)
        for j, eff in enumerate(EFFECTS):
            s = self.estimates[self.estimates["effect"] == eff].set_index("weights").loc[names]
            _ci_plot(ax, np.arange(len(names)) + (j - 1) * 0.2, s, COLOURS[eff], f"{eff} {EFFECT_ZH[eff]}")
        ax.set_xticks(range(len(names)), names)
        ax.axhline(0, color="grey", linewidth=0.8)
        ax.legend(frameon=False)
        return ax


def did_robustness(df: pd.DataFrame, y: str, treat: str, weights: dict, *, digits: int = 3,
                   **kw) -> DIDRobustnessResult:
    """:func:`spatial_did` under each weight matrix of ``weights`` ({name: W}), in one call.

    Parameters
    ----------
    df, y, treat
        As in :func:`spatial_did`.
    weights : dict of str to libpysal W or Graph
        Weight matrices by name (the table's column headings), e.g. contiguity, inverse distance and
        economic-distance weights.
    digits : int
        Decimals in the table.
    **kw
        Passed to :func:`spatial_did` (``controls``, ``model``, ``n_draws``, ``seed``, ...).

    Returns
    -------
    DIDRobustnessResult
        ``to_frame()`` is the table with one column per weight matrix.
    """
    if not isinstance(weights, dict) or not weights:
        raise InputError("weights must be a non-empty dict {name: W}")
    results = {str(name): spatial_did(df, y, treat, w, **kw) for name, w in weights.items()}
    est = pd.concat({n: r.effects for n, r in results.items()}, names=["weights"]).reset_index()
    return DIDRobustnessResult(
        meta=provenance("spatialq.policy.did_robustness", seed=kw.get("seed", 0), n=len(df), y=y, treat=treat,
                        weights=tuple(results), model=kw.get("model", "sdm")),
        results=results, estimates=est, digits=digits)

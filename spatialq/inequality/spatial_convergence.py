"""Spatial β-convergence: absolute and conditional β-convergence by SAR, SEM or SDM, on a panel or a
cross-section, with the speed of convergence and the half-life from the coefficient and from the
LeSage–Pace direct effect.

The regression itself is the existing engine (:func:`spatialq.panel.spatial_panel` for panels,
:func:`spatialq.regression.spatial_model` for a cross-section); this module builds the growth
frame, runs the model and turns the coefficient of the initial log level into λ and a half-life.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from .._data import long_frame, unit_weights
from .._guards import InputError, check_not_constant
from .._results import Result, provenance
from .._spml._result import SpatialRegressionResult, stars
from ..formula import FormulaError, from_columns

__all__ = ["SpatialConvergenceResult", "spatial_convergence"]

MODELS = ("sar", "sem", "sdm")
KINDS = ("absolute", "conditional")
PANEL_EFFECTS = ("twoways", "individual")
GROWTH, LEVEL = "growth", "log_initial"


def speed_from_beta(beta: float, span: float) -> float:
    """λ = −ln(1 + β·span)/span, NaN when 1 + β·span ≤ 0 (no log-linear rate implies that β)."""
    arg = 1.0 + beta * span
    return float(-np.log(arg) / span) if arg > 0 else float("nan")


def half_life_from_speed(speed: float) -> float:
    """ln 2 / λ for λ > 0, else NaN (no convergence, no half-life)."""
    return float(np.log(2) / speed) if np.isfinite(speed) and speed > 0 else float("nan")


@dataclass(frozen=True, eq=False, repr=False)
class SpatialConvergenceResult(Result):
    """Spatial β-convergence (see :func:`spatial_convergence`).

    ``beta``, ``se``, ``z``, ``p``: the coefficient of the initial log level (``log_initial``) and its
    asymptotic inference from the model; ``speed`` and ``half_life`` from ``beta``; ``rho`` (SAR, SDM) or
    ``lambda_`` (SEM); ``direct``: the LeSage–Pace direct effect of ``log_initial`` (``estimate``,
    ``std_error``, ``z``, ``p``, ``ci_lower``, ``ci_upper``, ``speed``, ``half_life``); ``model``: the
    underlying :class:`~spatialq.regression.SpatialRegressionResult`; ``data``: the growth frame that was
    estimated (id, start period, ``growth``, ``log_initial``, controls); ``span``: years per growth period
    (last − first year for a cross-section); ``N`` units and ``T`` growth periods.
    """

    kind: str
    spatial: str
    panel: bool
    span: float
    beta: float
    se: float
    z: float
    p: float
    speed: float
    half_life: float
    rho: float | None
    lambda_: float | None
    direct: pd.Series
    model: SpatialRegressionResult
    data: pd.DataFrame
    N: int
    T: int
    xy: pd.DataFrame

    @property
    def converges(self) -> bool:
        """β < 0 and significant at 5 % (two-sided z test of the model)."""
        return bool(self.beta < 0 and self.p < 0.05)

    def _title(self) -> str:
        where = "panel" if self.panel else "cross-section"
        return f"Spatial {self.kind} β-convergence: {self.spatial.upper()} ({where})"

    def _summary_lines(self) -> list[str]:
        verdict = ("β-convergence (β < 0, p < 0.05)" if self.converges else
                   "β-divergence (β > 0, p < 0.05)" if self.beta > 0 and self.p < 0.05 else
                   "no significant β at 5 %")
        sp = "ρ" if self.rho is not None else "λ"
        spv = self.rho if self.rho is not None else self.lambda_
        d = self.direct
        lines = [f"N = {self.N} units, T = {self.T} growth period(s) of {self.span:g} year(s)"
                 + (f", fixed effects: {self.model.panel['effects']}" if self.panel else ""),
                 f"β (coefficient of ln y at the start) = {self.beta:.6f} (se {self.se:.6f}, z = {self.z:.3f}, "
                 f"p = {self.p:.4f}) {stars(self.p)} → {verdict}",
                 f"{sp} = {spv:.6f}",
                 f"speed λ = −ln(1 + β·span)/span = {self.speed:.6f} per year; half-life ln 2/λ = "
                 f"{self.half_life:.2f} years",
                 f"direct effect of ln y = {d['estimate']:.6f} (se {d['std_error']:.6f}, p = {d['p']:.4f}); "
                 f"speed {d['speed']:.6f}, half-life {d['half_life']:.2f} years",
                 "", self.model.to_frame().to_string(float_format=lambda v: f"{v:.6g}")]
        return lines

    def to_frame(self) -> pd.DataFrame:
        """One row: model, kind, panel, span, beta, se, z, p, rho, lambda, speed, half_life, direct,
        direct_se, speed_direct, half_life_direct, n (units), T (growth periods), nobs."""
        row = {"model": self.spatial, "kind": self.kind, "panel": self.panel, "span": self.span,
               "beta": self.beta, "se": self.se, "z": self.z, "p": self.p,
               "rho": np.nan if self.rho is None else self.rho,
               "lambda": np.nan if self.lambda_ is None else self.lambda_,
               "speed": self.speed, "half_life": self.half_life,
               "direct": float(self.direct["estimate"]), "direct_se": float(self.direct["std_error"]),
               "speed_direct": float(self.direct["speed"]), "half_life_direct": float(self.direct["half_life"]),
               "n": self.N, "T": self.T, "nobs": self.model.nobs}
        return pd.DataFrame([row])

    def _plot(self, ax, **kw):
        """Growth against the initial log level (within-transformed for panels), with lines of slope β
        (solid) and of slope equal to the direct effect (dashed) through the means."""
        x, y = self.xy["x"].to_numpy(), self.xy["y"].to_numpy()
        ax.scatter(x, y, s=kw.pop("s", 12), color=kw.pop("color", "#4477aa"), alpha=kw.pop("alpha", 0.7), **kw)
        grid = np.linspace(x.min(), x.max(), 50)
        xm, ym = x.mean(), y.mean()
        ax.plot(grid, ym + self.beta * (grid - xm), color="black", linewidth=1.2,
                label=f"coefficient $\\beta$ = {self.beta:.4f}")
        de = float(self.direct["estimate"])
        if abs(de - self.beta) > 1e-12:
            ax.plot(grid, ym + de * (grid - xm), color="#ee6677", linewidth=1.2, linestyle="--",
                    label=f"direct effect = {de:.4f}")
        within = " (within)" if self.panel else ""
        ax.set_xlabel(f"log initial level{within}")
        ax.set_ylabel(f"average annual growth{within}")
        ax.set_title(f"{self.spatial.upper()} $\\beta$-convergence")
        ax.legend(frameon=False)
        return ax


def _balanced(data: pd.DataFrame, *, id: str, time: str, value: str) -> tuple[list, list]:
    ids = sorted(pd.unique(data[id].to_numpy(dtype=object)), key=str)
    years = sorted(pd.unique(data[time]))
    if len(years) < 2:
        raise InputError(f"spatial_convergence needs at least two periods; {time!r} has only {years} "
                         "(growth over zero years is undefined)")
    if len(data) != len(ids) * len(years):
        full = pd.MultiIndex.from_product([ids, years])
        have = pd.MultiIndex.from_frame(data[[id, time]].astype({id: object}))
        missing = full.difference(have)
        ex = ", ".join(f"unit {i} in {t}" for i, t in list(missing[:5]))
        raise InputError(f"spatial_convergence needs a balanced panel: {len(missing)} of {len(full)} "
                         f"({id}, {time}) pairs are missing, e.g. {ex}; drop those units or years, or fill them")
    bad = data[value] <= 0
    if bad.any():
        ex = ", ".join(f"unit {i} in {t}" for i, t in data.loc[bad, [id, time]].head(5).itertuples(index=False))
        raise InputError(f"{value!r} must be positive for logs; it is ≤ 0 at {ex}")
    if not all(isinstance(t, int | np.integer | float | np.floating) and float(t).is_integer() for t in years):
        raise InputError(f"spatial_convergence needs years (whole numbers) in {time!r}; got {years[:5]}")
    return ids, [int(t) for t in years]


def _growth_frame(data, *, id, time, value, controls, starts, span) -> pd.DataFrame:
    """Rows (id, start t): growth = ln(y_t+span / y_t)/span, log_initial = ln y_t, controls at t."""
    wide = data.set_index([id, time])
    frames = []
    for t in starts:
        a = wide.xs(t, level=time)
        b = wide.xs(t + span, level=time).reindex(a.index)
        f = pd.DataFrame({id: a.index.to_numpy(dtype=object), time: t,
                          GROWTH: (np.log(b[value].to_numpy()) - np.log(a[value].to_numpy())) / span,
                          LEVEL: np.log(a[value].to_numpy())})
        for c in controls:
            f[c] = a[c].to_numpy()
        frames.append(f)
    return pd.concat(frames, ignore_index=True)


def _within(frame: pd.DataFrame, cols: list[str], *, id: str, time: str, effects: str | None) -> pd.DataFrame:
    out = frame[cols].astype(float)
    if effects in ("individual", "twoways"):
        out = out - out.groupby(frame[id].to_numpy()).transform("mean").to_numpy()
    if effects == "twoways":
        out = out - out.groupby(frame[time].to_numpy()).transform("mean").to_numpy()
    return out


def spatial_convergence(
    df: pd.DataFrame,
    value: str,
    w,
    *,
    model: Literal["sar", "sem", "sdm"] = "sar",
    kind: Literal["absolute", "conditional"] = "absolute",
    controls: Sequence[str] | None = None,
    panel: bool = True,
    span: int = 1,
    effects: Literal["twoways", "individual"] = "twoways",
    id: str = "adcode",
    time: str = "year",
    n_draws: int = 1000,
    seed: int | None = 0,
) -> SpatialConvergenceResult:
    """Spatial β-convergence of ``value`` (per-capita income, an index score; must be positive).

    **Panel** (``panel=True``, default).  The years are cut into non-overlapping growth periods of
    ``span`` years starting at the first year, t = t₀, t₀ + span, …, t + span ≤ last year (years after the
    last complete period are not used), and for each unit and period

        g_it = ln(y_i,t+s / y_it) / s,

    the average annual log growth over s = ``span`` years.  The growth frame (one row per unit and
    start year, with ``log_initial`` = ln y_it and the ``controls`` at t) is estimated by
    :func:`spatialq.panel.spatial_panel` with fixed ``effects`` ("twoways": unit and period effects;
    "individual": unit effects)::

        sar   g_t = ρ W g_t + β ln y_t + X_t γ + μ + α_t + ε_t
        sem   g_t = β ln y_t + X_t γ + μ + α_t + u_t,  u_t = λ W u_t + ε_t
        sdm   g_t = ρ W g_t + β ln y_t + X_t γ + W(ln y_t) θ_y + W X_t θ + μ + α_t + ε_t

    (Elhorst, Piras & Arbia 2010; Elhorst 2014, ch. 3 for the estimator and its conventions).

    **Cross-section** (``panel=False``).  g_i = ln(y_i,last/y_i,first)/(last − first) on an intercept,
    ln y_i,first and the first-year ``controls`` by :func:`spatialq.regression.spatial_model`; ``span``
    is then last − first (pass ``span=1``, the default; any other value is an error).

    **β, speed and half-life.**  Convergence if β < 0, judged by the model's asymptotic z test (``p``).
    Following Barro & Sala-i-Martin (1992), and the same convention as the non-spatial
    :func:`spatialq.inequality.convergence`: in the neoclassical model ln y_{t+s} − ln y_t =
    −(1 − e^{−λs})(ln y_t − ln y*), so the per-year average growth over s years has slope
    β = −(1 − e^{−λs})/s on ln y_t, and

        λ = −ln(1 + β·s)/s,   half-life = ln 2/λ

    (NaN where 1 + βs ≤ 0 or λ ≤ 0).  For a panel s = ``span`` (λ = −ln(1 + β) for yearly growth); for a
    cross-section s = last − first year.

    **Which β.**  In SAR and SDM a region's initial level changes its own growth directly and, through
    ρWg, again via its neighbours' growth; the LeSage & Pace (2009) direct effect is the average own
    derivative ∂g_i/∂ln y_i (feedback included), while the coefficient β is the parameter of the
    structural equation.  Applied spatial convergence studies usually report the speed and half-life
    from the coefficient of ln y_t in the SAR/SDM (Elhorst, Piras & Arbia 2010 use the coefficient: it is
    the parameter of the growth equation derived from the neoclassical model with spatial
    dependence), and some use the direct effect.  Both are returned: ``speed``/``half_life`` from the
    coefficient (the headline numbers) and ``direct`` (estimate, simulated standard error, speed,
    half-life) from the direct effect.  In the SEM the direct effect equals β.

    Parameters
    ----------
    df : DataFrame
        Long panel: one row per unit and year, balanced (every unit in every year).  Not modified.
    value : str
        Column of the level variable (positive).
    w : libpysal W or Graph
        Spatial weights over the units, matched by id; row-standardised on a copy by the engine.  A scipy sparse
        matrix has its rows in the order of the units in the input's rows (docs/weights.md).
    model : {"sar", "sem", "sdm"}
    kind : {"absolute", "conditional"}
        Absolute: ln y only.  Conditional: plus ``controls`` (required then, refused for absolute).
    controls : list of str, optional
        Columns measured at the start of each growth period (steady-state determinants).  Lagged by W as
        well in the SDM.
    panel : bool
        Panel of growth periods (True) or one cross-section from the first to the last year (False).
    span : int
        Years per growth period (panels).
    effects : {"twoways", "individual"}
        Fixed effects of the panel model.
    id, time : str
        Column names of the unit id and the year.
    n_draws, seed : int
        Draws for the simulated inference of the direct effect (``numpy.random.default_rng(seed)``).

    Returns
    -------
    SpatialConvergenceResult
        ``.beta``, ``.se``, ``.z``, ``.p``, ``.speed``, ``.half_life``, ``.rho`` / ``.lambda_``,
        ``.direct``, ``.model``, ``.data``, ``.to_frame()`` (one row), ``.summary()``, ``.plot()``.

    Raises
    ------
    spatialq._guards.InputError
        Bad options; a value ≤ 0 (naming the unit and year); an unbalanced panel (naming missing
        unit–year pairs); fewer than two years; fewer than two growth periods for a panel; controls named
        like the internal columns.  The engine's own refusals (too few units, collinear design, perfect
        fit) pass through.

    Notes
    -----
    With unit fixed effects the panel β is the within estimator of a dynamic model (ln y_t contains
    the past growth), biased towards faster convergence by O(1/T) in short panels (Nickell 1981;
    Islam 1995 discusses the consequence for convergence speeds): read panel speeds with T in mind.

    References
    ----------
    Barro, R. J., & Sala-i-Martin, X. (1992). Convergence. *Journal of Political Economy*, 100(2), 223–251.
    Elhorst, J. P., Piras, G., & Arbia, G. (2010). Growth and convergence in a multiregional model with
    space–time dynamics. *Geographical Analysis*, 42(3), 338–355.
    Elhorst, J. P. (2014). *Spatial Econometrics: From Cross-Sectional Data to Spatial Panels*. Springer.
    LeSage, J., & Pace, R. K. (2009). *Introduction to Spatial Econometrics*. CRC Press.
    Islam, N. (1995). Growth empirics: A panel data approach. *Quarterly Journal of Economics*, 110(4),
    1127–1170.
    Nickell, S. (1981). Biases in dynamic models with fixed effects. *Econometrica*, 49(6), 1417–1426.
    """
    from ..panel import spatial_panel
    from ..regression import spatial_model

    if model not in MODELS:
        raise InputError(f"model must be one of {MODELS}, got {model!r}")
    if kind not in KINDS:
        raise InputError(f"kind must be one of {KINDS}, got {kind!r}")
    if effects not in PANEL_EFFECTS:
        raise InputError(f"effects must be one of {PANEL_EFFECTS}, got {effects!r}")
    if isinstance(span, bool) or not isinstance(span, int | np.integer) or span < 1:
        raise InputError(f"span must be a whole number of years ≥ 1, got {span!r}")
    span = int(span)
    if not panel and span != 1:
        raise InputError("span applies to panels; a cross-section's growth runs from the first to the last year "
                         "(leave span=1 or select the years first)")
    controls = [] if controls is None else ([controls] if isinstance(controls, str) else list(controls))
    if kind == "absolute" and controls:
        raise InputError(f"absolute β-convergence has no controls; got {controls} (use kind='conditional')")
    if kind == "conditional" and not controls:
        raise InputError("conditional β-convergence needs controls=[...] (columns of steady-state determinants)")
    clash = [c for c in controls if c in (GROWTH, LEVEL, id, time, value)]
    if clash:
        raise InputError(f"controls {clash} clash with the id, time, value or internal columns "
                         f"{[GROWTH, LEVEL]}; rename them")
    data = long_frame(df, id=id, time=time, columns=[value, *controls])
    if time not in data.columns:
        raise KeyError(f"spatial_convergence needs the time column {time!r}")
    w = unit_weights(w, df, id=id, time=time, method="spatial_convergence")  # a bare sparse w: the input's units
    ids, years = _balanced(data, id=id, time=time, value=value)
    check_not_constant(data[value].to_numpy(dtype=float), column=value, method="spatial_convergence")
    try:  # the names become a parsed formula, never code (they may come from a study file)
        formula = from_columns(GROWTH, [LEVEL, *controls])
    except FormulaError as err:
        raise InputError(str(err)) from None
    opts = dict(value=value, model=model, kind=kind, controls=controls, panel=panel, span=span,
                effects=effects if panel else None, n_draws=n_draws)
    if panel:
        starts = list(range(years[0], years[-1] - span + 1, span))
        have = set(years)
        gaps = sorted({t for s in starts for t in (s, s + span) if t not in have})
        if gaps:
            raise InputError(f"growth periods of {span} year(s) from {years[0]} need the years {gaps}, which are not "
                             f"in {time!r}; choose span= to match the years present ({years})")
        if len(starts) < 2:
            raise InputError(f"a panel of growth periods needs at least two periods of span={span} years; the years "
                             f"{years[0]}–{years[-1]} give {len(starts)} (use panel=False for one cross-section, "
                             "or a shorter span)")
        frame = _growth_frame(data, id=id, time=time, value=value, controls=controls, starts=starts, span=span)
        fit = spatial_panel(frame, formula, w, model=model, effects=effects, id=id, time=time, n_draws=n_draws,
                            seed=seed)
        s, T = float(span), len(starts)
        within = _within(frame, [LEVEL, GROWTH], id=id, time=time, effects=effects)
    else:
        frame = _growth_frame(data, id=id, time=time, value=value, controls=controls, starts=[years[0]],
                              span=years[-1] - years[0])
        fit = spatial_model(frame, formula, w, model=model, id=id, n_draws=n_draws, seed=seed)
        s, T = float(years[-1] - years[0]), 1
        within = frame[[LEVEL, GROWTH]]
    beta = float(fit.params[LEVEL])
    se = float(fit.std_errors[LEVEL])
    z = float(fit.zvalues[LEVEL])
    p = float(fit.pvalues[LEVEL])
    speed = speed_from_beta(beta, s)
    e = fit.effects_inference
    d = e[(e["term"] == LEVEL) & (e["effect"] == "direct")].iloc[0]
    ds = speed_from_beta(float(d["estimate"]), s)
    direct = pd.Series({"estimate": float(d["estimate"]), "std_error": float(d["std_error"]), "z": float(d["t"]),
                        "p": float(d["p"]), "ci_lower": float(d["ci_lower"]), "ci_upper": float(d["ci_upper"]),
                        "speed": ds, "half_life": half_life_from_speed(ds)}, name="direct")
    xy = pd.DataFrame({id: frame[id].to_numpy(), time: frame[time].to_numpy(),
                       "x": within[LEVEL].to_numpy(), "y": within[GROWTH].to_numpy()})
    opts["periods"] = [int(t) for t in sorted(frame[time].unique())]
    return SpatialConvergenceResult(
        meta=provenance("spatialq.inequality.spatial_convergence", seed=seed, n=fit.nobs, **opts),
        kind=kind, spatial=model, panel=panel, span=s, beta=beta, se=se, z=z, p=p, speed=speed,
        half_life=half_life_from_speed(speed), rho=fit.rho, lambda_=fit.lambda_, direct=direct, model=fit,
        data=frame, N=len(ids), T=T, xy=xy)

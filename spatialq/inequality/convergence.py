"""σ-convergence and absolute / conditional β-convergence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from .._data import long_frame
from .._guards import PERFECT_FIT, InputError, at, check_condition, check_min_units
from .._ols import OLSFit, ols
from .._results import Result, provenance

__all__ = ["ConvergenceResult", "convergence", "demean_twoways"]


@dataclass(frozen=True, eq=False, repr=False)
class ConvergenceResult(Result):
    """σ- or β-convergence (see :func:`convergence`)."""

    kind: str
    table: pd.DataFrame
    fit: OLSFit | None
    beta: float
    speed: float
    half_life: float
    xy: pd.DataFrame | None = None  # β: the regression's x (log level) and y (growth), demeaned for panels

    def _title(self) -> str:
        return f"{self.kind}-convergence"

    def _summary_lines(self) -> list[str]:
        lines = []
        if self.kind == "sigma":
            f = self.fit
            slope, p = f.params["year"], f.pvalues["year"]
            verdict = ("no significant trend at 5 %" if p >= 0.05 else
                       "σ-convergence" if slope < 0 else "σ-divergence")
            lines.append(f"trend of sd(ln y) per year: {slope:+.5f} (se {f.std_errors['year']:.5f}, "
                         f"p = {p:.4f}) → {verdict}")
        else:
            f = self.fit
            lines.append(f"{'term':<20}{'coef':>11}{'se':>11}{'t':>9}{'p':>9}")
            for k in f.params.index:
                lines.append(f"{k:<20}{f.params[k]:>11.5f}{f.std_errors[k]:>11.5f}{f.tvalues[k]:>9.3f}"
                             f"{f.pvalues[k]:>9.4f}")
            lines.append(f"β = {self.beta:.5f}; speed λ = {self.speed:.5f} per year; half-life {self.half_life:.1f} "
                         f"years; n = {f.nobs}; SE: {f.cov_type}")
        return lines

    def to_frame(self) -> pd.DataFrame:
        """σ: one row per year (``n``, ``sd_log``, ``cv``); β: one row per term (``coef``, ``se``, ``t``, ``p``)."""
        return self.table.copy()

    def _plot(self, ax, lang: str = "zh", **kw):
        """σ: the standard deviation of logs and the coefficient of variation by year (legend in ``lang``);
        β: growth on the initial level with the fitted line."""
        if self.kind == "sigma":
            names = {"sd_log": "对数标准差", "cv": "变异系数"} if lang == "zh" else {"sd_log": "SD of logs",
                                                                                 "cv": "CV"}
            self.table.set_index("year")[["sd_log", "cv"]].rename(columns=names).plot(ax=ax, marker="o", **kw)
            ax.set_ylabel("离散程度" if lang == "zh" else "dispersion")
        else:
            x, y = self.xy["x"].to_numpy(), self.xy["y"].to_numpy()
            ax.scatter(x, y, s=kw.pop("s", 12), color=kw.pop("color", "#4477aa"), **kw)
            grid = np.linspace(x.min(), x.max(), 50)
            const = self.fit.params.get("const", 0.0)
            ax.plot(grid, const + self.beta * grid, color="black", linewidth=1)
            ax.set_xlabel("log initial level" if "const" in self.fit.params else "log lagged level (demeaned)")
            ax.set_ylabel("growth" if "const" in self.fit.params else "growth (demeaned)")
        return ax


def demean_twoways(values: np.ndarray, ids: np.ndarray, times: np.ndarray, *, tol: float = 1e-12,
                   max_iter: int = 1000) -> np.ndarray:
    """Remove unit and period means (two-way within transformation) by alternating projections.

    Exact in one pass for balanced panels; for unbalanced ones the iteration converges to the
    projection off both sets of dummies.  ``values`` may be 2-D (one column per variable).
    """
    x = np.array(values, dtype=float, copy=True)
    squeeze = x.ndim == 1
    if squeeze:
        x = x[:, None]
    _, ii = np.unique(ids, return_inverse=True)
    _, tt = np.unique(times, return_inverse=True)
    ni, nt = np.bincount(ii), np.bincount(tt)
    for _ in range(max_iter):
        old = x.copy()
        for inv, cnt in ((ii, ni), (tt, nt)):
            sums = np.zeros((len(cnt), x.shape[1]))
            np.add.at(sums, inv, x)
            x -= (sums / cnt[:, None])[inv]
        if np.max(np.abs(x - old)) < tol:
            break
    else:
        raise RuntimeError("two-way demeaning did not converge")
    return x[:, 0] if squeeze else x


def _fit(y: np.ndarray, x: pd.DataFrame, *, what: str, method: str, **kw) -> OLSFit:
    """OLS, refused where its standard errors would be 0 or not finite: a constant dependent variable, or a
    perfect fit (R² = 1 up to rounding) — t and p would look valid and mean nothing."""
    y = np.asarray(y, dtype=float)
    if np.ptp(y) <= 1e-12 * max(float(np.max(np.abs(y))), np.finfo(float).tiny):
        raise InputError(f"{method}: {what} is the same for every observation ({y[0]:.6g}); there is no variation to "
                         "explain and the standard errors would be 0")
    fit = ols(y, x, **kw)
    se = fit.std_errors
    bad = [k for k, v in se.items() if not (np.isfinite(v) and v > 0)]
    if bad or fit.r2 > 1 - PERFECT_FIT:
        raise InputError(f"{method}: a perfect or degenerate fit (R² = {fit.r2:.15g}; standard errors "
                         f"{dict((k, float(v)) for k, v in se.items())}): {what} is an exact function of the "
                         "regressors, so t and p would be meaningless — use more regions or years")
    return fit


def convergence(
    df: pd.DataFrame,
    value: str,
    *,
    kind: Literal["sigma", "beta"] = "sigma",
    controls: Sequence[str] = (),
    panel: bool = False,
    start: int | None = None,
    end: int | None = None,
    cov: Literal["classical", "hc1", "cluster"] | None = None,
    id: str = "adcode",
    time: str = "year",
) -> ConvergenceResult:
    """σ- or β-convergence of ``value`` (e.g. per-capita income or an index score; must be positive).

    **σ**: per year the standard deviation of ln y (ddof = 1) and the coefficient of
    variation; the trend of sd(ln y) on the year (OLS) tells convergence (negative slope).

    **β, cross-section** (``panel=False``): g_i = [ln y_i,end − ln y_i,start]/(end − start)
    regressed on a constant and ln y_i,start (absolute β), plus the start-year ``controls``
    (conditional β).  Speed λ = −ln(1 + βT)/T with T = end − start; half-life ln 2/λ
    (Barro & Sala-i-Martin 1992).

    **β, panel** (``panel=True``): Δln y_it = β ln y_i,t−1 + γ'x_i,t−1 + μ_i + η_t + ε_it with
    two-way fixed effects (within transformation, exact for unbalanced panels by alternating
    projections), consecutive years only; λ = −ln(1 + β), half-life ln 2/λ.  Standard errors
    clustered by region by default (``cov="cluster"``, CR1).  With few years the within
    estimator of β is biased towards faster convergence (Nickell 1981, bias of order 1/T):
    report T and read the panel β with that in mind.

    ``cov`` defaults to ``"hc1"`` for cross-sections and ``"cluster"`` for panels.

    Minimum sizes (each an error that states it): σ needs at least 3 years (a trend) and 2 regions
    in every year; cross-section β needs two different years and at least (number of controls + 3)
    regions observed in both (one residual degree of freedom); panel β needs at least 3 regions
    (with two-way effects two regions' deviations mirror each other and their clustered standard
    errors are exactly 0), at least 3 consecutive years, and more regions than regressors + 1 for
    clustered standard errors.  A design whose regressors are (nearly) collinear, or a fit with a
    zero or non-finite standard error (a perfect fit), is refused rather than reported.
    """
    if kind not in ("sigma", "beta"):
        raise InputError(f"kind must be 'sigma' or 'beta', got {kind!r}")
    controls = list(controls)
    data = long_frame(df, id=id, time=time, columns=[value, *controls])
    if time not in data.columns:
        raise KeyError(f"convergence needs the time column {time!r}")
    if start is not None:
        data = data[data[time] >= start]
    if end is not None:
        data = data[data[time] <= end]
    if data.empty:
        raise InputError(f"convergence: no rows between start={start} and end={end}")
    data = data.sort_values([id, time], kind="mergesort").reset_index(drop=True)
    if (data[value] <= 0).any():
        raise InputError(f"{value!r} must be positive for logs; not at "
                         f"{data.loc[data[value] <= 0, [id, time]].head(5).to_records(index=False).tolist()}")
    data = data.assign(_ly=np.log(data[value]))
    opts = dict(value=value, kind=kind, controls=controls, panel=panel, start=start, end=end)
    if kind == "sigma":
        g = data.groupby(time)
        sizes = g.size()
        years = sorted(sizes.index)
        check_min_units(len(years), 3, method="σ-convergence", what="years",
                        why=f"a trend needs three; the data have {years}")
        for y, n_y in sizes.items():
            check_min_units(int(n_y), 2, method="σ-convergence", period=y, what="regions",
                            why="a standard deviation needs two")
        table = pd.DataFrame({"n": sizes, "sd_log": g["_ly"].std(ddof=1),
                              "cv": g[value].std(ddof=1) / g[value].mean()})
        table = table.reset_index().rename(columns={time: "year"})
        x = pd.DataFrame({"const": 1.0, "year": table["year"].astype(float)})
        fit = _fit(table["sd_log"].to_numpy(), x, cov=cov or "classical", method="σ-convergence",
                   what="sd(ln y) per year")
        return ConvergenceResult(meta=provenance("spatialq.inequality.convergence", n=len(data), **opts),
                                 kind="sigma", table=table, fit=fit, beta=float("nan"), speed=float("nan"),
                                 half_life=float("nan"))
    if not panel:
        t0 = data[time].min() if start is None else start
        t1 = data[time].max() if end is None else end
        if not t1 > t0:
            raise InputError(f"β-convergence needs a start and a later end year; the data{at(t0)} have only that "
                             "year (growth over zero years is undefined): pass a panel with two or more years, or "
                             "start= and end=")
        first = data[data[time] == t0].set_index(id)
        last = data[data[time] == t1].set_index(id)
        common = first.index.intersection(last.index).sort_values()
        check_min_units(len(common), len(controls) + 3, method="β-convergence (cross-section)",
                        what=f"regions observed in both {t0} and {t1}",
                        why=f"{len(controls) + 2} coefficients and one residual degree of freedom")
        span = float(t1 - t0)
        y = ((last.loc[common, "_ly"] - first.loc[common, "_ly"]) / span).to_numpy()
        x = pd.DataFrame({"const": 1.0, "log_initial": first.loc[common, "_ly"].to_numpy()}, index=common)
        for c in controls:
            x[c] = first.loc[common, c].to_numpy()
        check_condition(x.to_numpy(dtype=float), list(x.columns), method="β-convergence")
        fit = _fit(y, x, cov=cov or "hc1", method="β-convergence", what=f"growth from {t0} to {t1}")
        xy = pd.DataFrame({"x": x["log_initial"].to_numpy(), "y": y})
        beta = float(fit.params["log_initial"])
        speed = -np.log(1 + beta * span) / span if 1 + beta * span > 0 else float("nan")
    else:
        d = data.sort_values([id, time])
        prev = d[[id, time, "_ly", *controls]].copy()
        prev[time] = prev[time] + 1
        m = d[[id, time, "_ly"]].merge(prev, on=[id, time], suffixes=("", "_lag"))
        units = m[id].nunique()
        check_min_units(m[time].nunique() + 1, 3, method="panel β-convergence", what="consecutive years",
                        why="two year-to-year changes per region, beside the region and year effects")
        check_min_units(units, 3, method="panel β-convergence", what="regions with consecutive years",
                        why="with two-way effects two regions' deviations mirror each other: their clustered "
                            "standard errors are exactly 0")
        if (cov or "cluster") == "cluster":
            check_min_units(units, len(controls) + 3, method="panel β-convergence", what="regions (clusters)",
                            why=f"clustered standard errors of {len(controls) + 1} coefficients")
        if len(m) < 10:
            raise InputError(f"panel β-convergence needs at least 10 consecutive-year pairs; there are {len(m)}")
        m = m.rename(columns={c: f"{c}_lag" for c in controls})
        yv = (m["_ly"] - m["_ly_lag"]).to_numpy()
        cols = ["_ly_lag", *[f"{c}_lag" for c in controls]]
        z = demean_twoways(np.column_stack([yv, m[cols].to_numpy()]), m[id].to_numpy(), m[time].to_numpy())
        x = pd.DataFrame(z[:, 1:], columns=["log_lag", *[f"{c}_lag" for c in controls]])
        lagged = m["_ly_lag"].to_numpy()
        if np.ptp(z[:, 1]) <= 1e-12 * (1.0 + np.ptp(lagged)):
            raise InputError(f"panel β-convergence of {value!r}: the lagged log level does not vary once region and "
                             "year effects are removed (every region's level moves by the same amount each year), so "
                             "there is no convergence to estimate")
        check_condition(z[:, 1:], list(x.columns), method="panel β-convergence")
        absorbed = m[id].nunique() + m[time].nunique() - 1
        fit = _fit(z[:, 0], x, cov=cov or "cluster", clusters=m[id].to_numpy(), absorbed=absorbed,
                   method="panel β-convergence", what="year-to-year growth net of region and year effects")
        xy = pd.DataFrame({"x": z[:, 1], "y": z[:, 0]})
        beta = float(fit.params["log_lag"])
        speed = -np.log(1 + beta) if 1 + beta > 0 else float("nan")
    table = pd.DataFrame({"term": fit.params.index, "coef": fit.params.to_numpy(), "se": fit.std_errors.to_numpy(),
                          "t": fit.tvalues.to_numpy(), "p": fit.pvalues.to_numpy()})
    return ConvergenceResult(meta=provenance("spatialq.inequality.convergence", n=fit.nobs, **opts), kind="beta",
                             table=table, fit=fit, beta=beta, speed=float(speed),
                             half_life=float(np.log(2) / speed) if speed and speed > 0 else float("nan"), xy=xy)

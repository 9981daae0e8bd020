"""Shared pieces of the efficiency models: the data as matrices, reference sets, the LP call, the results.

Every model is a sequence of small linear programs (one per evaluated unit and year) in the envelopment
form: a handful of rows (one per input, output and the convexity constraint) and one column per unit of
the reference set.  They are solved by HiGHS through ``scipy.optimize.linprog(method="highs-ds")`` (dual
simplex, presolve off: the problems are tiny in rows and presolve costs more than it saves), with
feasibility tolerances of 1e-10.  The block of the constraint matrix that holds the reference set is built
once per period and reused; only the evaluated unit's column and right-hand side change.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from .._data import long_frame, time_col
from .._guards import InputError, check_min_units
from .._parallel import check_n_jobs, pmap
from .._results import Result

__all__ = ["FRONTIERS", "EfficiencyResult", "Panel", "lp", "panel", "reference", "run_periods"]

FRONTIERS = ("contemporaneous", "sequential", "global")
RTS = ("crs", "vrs")
OPTIONS = {"presolve": False, "primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}
STATUS = {0: "optimal", 1: "iteration limit", 2: "infeasible", 3: "unbounded", 4: "numerical difficulties"}


@dataclass(frozen=True)
class LP:
    """The solution of one linear program: ``status`` is "optimal", "infeasible", "unbounded" or a failure."""

    status: str
    fun: float
    x: np.ndarray | None
    y_ub: np.ndarray | None = None
    y_eq: np.ndarray | None = None


def lp(c, A_ub=None, b_ub=None, A_eq=None, b_eq=None, bounds=None) -> LP:
    """``min c'x`` subject to the rows given, by HiGHS dual simplex (module notes); ``y_ub``, ``y_eq`` are the
    duals (scipy's marginals, ∂ min / ∂ b), so a column a at its lower bound has reduced cost c − a'y."""
    res = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq, bounds=bounds, method="highs-ds",
                  options=OPTIONS)
    status = STATUS.get(res.status, f"failed ({res.message})")
    if res.status != 0:
        return LP(status, float("nan"), None)
    y_ub = np.asarray(res.ineqlin.marginals) if A_ub is not None else np.zeros(0)
    y_eq = np.asarray(res.eqlin.marginals) if A_eq is not None else np.zeros(0)
    return LP(status, float(res.fun), np.asarray(res.x), y_ub, y_eq)


@dataclass(frozen=True)
class Panel:
    """Units × periods as matrices: column j of ``X`` (m × N), ``Y`` (s1 × N), ``B`` (s2 × N) is row j of
    ``keys`` (sorted by id, then period)."""

    keys: pd.DataFrame
    X: np.ndarray
    Y: np.ndarray
    B: np.ndarray
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    undesirable: tuple[str, ...]
    id: str
    time: str | None
    periods: tuple

    @property
    def period(self) -> np.ndarray:
        return self.keys["_period"].to_numpy()

    def cols(self, idx) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.X[:, idx], self.Y[:, idx], self.B[:, idx]


def _names(x) -> tuple[str, ...]:
    if x is None:
        return ()
    if isinstance(x, str):
        return (x,)
    return tuple(x)


def panel(df: pd.DataFrame, *, inputs: Sequence[str], outputs: Sequence[str], undesirable: Sequence[str] | None,
          id: str, time: str | None, method: str, positive: bool) -> Panel:
    """Checked matrices of a long frame: every column numeric and finite (missing values are an error naming
    the unit and year); ``positive`` → every value > 0, else ≥ 0 (the error names unit, year and column);
    the usual size rule n ≥ max(m·s, 3(m + s)) is a warning per period naming the numbers."""
    ins, outs, bads = _names(inputs), _names(outputs), _names(undesirable)
    if not ins:
        raise InputError(f"{method}: give at least one input column (inputs=[...])")
    if not outs:
        raise InputError(f"{method}: give at least one desirable output column (outputs=[...])")
    every = [*ins, *outs, *bads]
    twice = sorted({c for c in every if every.count(c) > 1})
    if twice:
        raise InputError(f"{method}: columns {twice} are given more than once among inputs, outputs and "
                         "undesirable outputs")
    data = long_frame(df, id=id, time=time, columns=every)
    t = time_col(data, time)
    keys = data[[id, t]].reset_index(drop=True).rename(columns={t: "_period"})
    for c in every:
        v = data[c].to_numpy()
        bad = v <= 0 if positive else v < 0
        if bad.any():
            rows = data.loc[bad, [id, t]].head(5).to_records(index=False).tolist()
            where = [r[0] for r in rows] if t == "_time" else rows
            if positive:
                raise InputError(
                    f"{method}: column {c!r} has non-positive values at ({id}, {t}) {where} (e.g. "
                    f"{v[bad][0]:.6g}); the model divides by each unit's own inputs and outputs, so every value must "
                    "be > 0 — zeros are not replaced silently: drop those units or replace the zeros by a small "
                    "positive number yourself (and say so in the paper)")
            raise InputError(f"{method}: column {c!r} has negative values at ({id}, {t}) {where} (e.g. "
                             f"{v[bad][0]:.6g}); inputs and outputs must be ≥ 0")
        nonzero = pd.Series(v != 0).groupby(keys["_period"].to_numpy()).any()
        if not nonzero.all():  # (non-negative data only: positive data has no zeros)
            empty = [p.item() if hasattr(p, "item") else p for p in nonzero.index[~nonzero.to_numpy()]][:5]
            raise InputError(f"{method}: column {c!r} is zero for every unit" + ("" if t == "_time" else
                             f" in {t} {empty}") + "; a column of zeros tells the units nothing (every unit got the "
                             "same score, or the column was ignored) — drop it or check the data")
    periods = tuple(pd.unique(keys["_period"]))
    periods = tuple(sorted(periods))
    return Panel(keys=keys, X=data[list(ins)].to_numpy(float).T.copy(), Y=data[list(outs)].to_numpy(float).T.copy(),
                 B=data[list(bads)].to_numpy(float).T.copy() if bads else np.zeros((0, len(data))),
                 inputs=ins, outputs=outs, undesirable=bads, id=id, time=None if t == "_time" else t,
                 periods=periods)


def reference(p: Panel, period, frontier: str) -> np.ndarray:
    """Columns of the reference set of ``period``: the same period, all periods up to it, or all periods."""
    per = p.period
    if frontier == "contemporaneous":
        return np.flatnonzero(per == period)
    if frontier == "sequential":
        return np.flatnonzero(per <= period)
    return np.arange(len(per))


def size_warning(p: Panel, sizes: dict, *, method: str) -> None:
    """The rule of thumb n ≥ max(m·s, 3(m + s)) (Cooper, Seiford & Tone 2007, p. 116), as one warning naming
    the smallest reference set and the periods below the rule; ``sizes`` maps period → units."""
    m, s = len(p.inputs), len(p.outputs) + len(p.undesirable)
    need = max(m * s, 3 * (m + s))
    small = {per: n for per, n in sizes.items() if n < need}
    if small:
        n = min(small.values())
        where = "" if p.time is None else f" in {p.time} {', '.join(map(str, list(small)[:8]))}" + (
            f" and {len(small) - 8} more" if len(small) > 8 else "")
        warnings.warn(f"{method}: the reference set has {n} units{where} for m = {m} inputs and s = {s} outputs; "
                      f"the usual rule asks for n ≥ max(m·s, 3(m+s)) = {need} — with fewer units many score 1 "
                      "and the scores discriminate poorly", UserWarning, stacklevel=4)


def check_sizes(p: Panel, frontier: str, *, method: str) -> None:
    """At least two units in every reference set; the size rule as a warning."""
    sizes = {}
    for per in p.periods:
        n = len(reference(p, per, frontier))
        check_min_units(n, 2, method=method, period=per if p.time else None,
                        what="units in the reference set", why="a frontier needs at least two units")
        sizes[per] = n
    size_warning(p, sizes if frontier == "contemporaneous" else {p.periods[-1]: sizes[p.periods[-1]]},
                 method=method)


def run_periods(func: Callable[[Any], list], tasks: list, n_jobs: int) -> list:
    """``func`` over ``tasks`` (one per period), serially or by joblib; the order of results is that of
    ``tasks`` whatever ``n_jobs`` is."""
    return pmap(func, tasks, n_jobs=n_jobs)


def check_option(value, allowed: Sequence, name: str):
    if value not in allowed:
        raise ValueError(f"{name} must be one of {tuple(allowed)}, got {value!r}")
    return value


def check_jobs(n_jobs) -> int:
    return check_n_jobs(n_jobs, method="efficiency")


def report_infeasible(frame: pd.DataFrame, *, method: str, id: str, time: str | None) -> pd.DataFrame:
    """The rows whose LP was not solved to optimality, with a warning naming them (never a silent NaN)."""
    bad = frame[frame["status"] != "optimal"]
    if len(bad):
        cols = [id, *([time] if time else [])]
        where = bad[cols].head(8).to_records(index=False).tolist()
        warnings.warn(f"{method}: {len(bad)} of {len(frame)} linear programs have no optimum "
                      f"({', '.join(sorted(set(bad['status'])))}), e.g. at {where}; their scores are NaN and listed in "
                      ".infeasible", UserWarning, stacklevel=3)
    return bad.reset_index(drop=True)


@dataclass(frozen=True, eq=False, repr=False)
class EfficiencyResult(Result):
    """Efficiency scores of DEA, SBM or DDF models (see :func:`spatialq.efficiency.sbm`).

    Attributes
    ----------
    scores : DataFrame
        One row per (id, time): the score in the column named ``name`` (``"dea"``, ``"sbm"``, ``"ddf"``),
        model-specific columns (e.g. ``eta``, ``efficiency``), the slacks ``slack_<column>`` (in the
        column's units), ``lambda_sum`` and ``status`` ("optimal" or why the LP failed).
    infeasible : DataFrame
        The rows of ``scores`` whose status is not "optimal" (empty when all were solved).
    name : str
        The score column.
    """

    scores: pd.DataFrame
    infeasible: pd.DataFrame
    name: str
    id: str
    time: str | None
    title: str

    def _title(self) -> str:
        return self.title

    def _summary_lines(self) -> list[str]:
        s = self.scores[self.name]
        top = 0.0 if self.name == "ddf" else 1.0
        lines = [f"{self.name}: n = {int(s.notna().sum())}, mean {s.mean():.4f}, min {s.min():.4f}, "
                 f"max {s.max():.4f}, on the frontier (score = {top:g}) {int(np.isclose(s, top, atol=1e-9).sum())}"]
        if self.time is not None:
            lines.append(f"{'period':>10}{'mean':>10}{'min':>10}{'efficient':>10}")
            for per, g in self.scores.groupby(self.time)[self.name]:
                on = int(np.isclose(g, top, atol=1e-9).sum())
                lines.append(f"{per!s:>10}{g.mean():>10.4f}{g.min():>10.4f}{on:>10}")
        if len(self.infeasible):
            lines.append(f"{len(self.infeasible)} LPs without an optimum (see .infeasible)")
        return lines

    def to_frame(self) -> pd.DataFrame:
        """Scores, slacks and status keyed by id and time (merges onto the geometry by id)."""
        return self.scores.copy()

    def _plot(self, ax, **kw):
        if self.time is not None:
            g = self.scores.groupby(self.time)[self.name].mean()
            ax.plot(g.index, g.to_numpy(), marker="o", color=kw.pop("color", "#4477aa"), **kw)
            ax.set_xlabel(self.time)
            ax.set_ylabel(f"mean {self.name}")
        else:
            ax.hist(self.scores[self.name].dropna(), bins=kw.pop("bins", 20), color=kw.pop("color", "#4477aa"), **kw)
            ax.set_xlabel(self.name)
        return ax


def scores_frame(p: Panel, rows: list[dict], name: str) -> pd.DataFrame:
    """The per-(id, time) table in the panel's order from a list of per-unit dicts (each with ``_j``)."""
    body = pd.DataFrame(rows).sort_values("_j").set_index("_j")
    out = p.keys.rename(columns={"_period": p.time or "_period"}).copy()
    out = pd.concat([out, body.reset_index(drop=True)], axis=1)
    if p.time is None:
        out = out.drop(columns="_period")
    first = [c for c in (p.id, p.time, name) if c]
    return out[[*first, *[c for c in out.columns if c not in first]]]

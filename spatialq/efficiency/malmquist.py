"""Malmquist–Luenberger (Chung, Färe & Grosskopf 1997) and global Malmquist–Luenberger (Oh 2010) indices of
green total factor productivity, with their decompositions."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from .._data import sort_rows
from .._guards import InputError, check_min_units
from .._results import Result, provenance
from . import _lp
from .ddf import DIRECTIONS, ddf_lp, ddf_lp_columns
from .sbm import sbm_lp

__all__ = ["MalmquistResult", "malmquist"]

KINDS = ("gml", "ml")
MODELS = ("ddf", "sbm")


@dataclass(frozen=True, eq=False, repr=False)
class MalmquistResult(Result):
    """Productivity index per unit and pair of consecutive periods (see :func:`malmquist`).

    Attributes
    ----------
    index : DataFrame
        ``id``, ``<time>_from``, ``<time>`` (the later period), the index (``gml`` or ``ml``), ``ec``,
        ``bpc`` (GML) or ``tc`` (ML), ``<kind>_cumulative`` (GML: the product since the first period),
        ``status`` ("optimal", or which distance had no optimum — then the index is NaN).
    distances : DataFrame
        Per (id, time): the efficiencies E (1/(1 + β*) for the DDF, ρ* for SBM) against the period's own
        frontier (``own``), the global frontier (``global``, GML) or the previous / next period's frontier
        (``prev`` = E^{t−1}(x^t), ``next`` = E^{t+1}(x^t), ML), each with its LP status.
    infeasible : DataFrame
        One row per LP without an optimum: id, time, frontier, status.
    """

    index: pd.DataFrame
    distances: pd.DataFrame
    infeasible: pd.DataFrame
    kind: str
    model: str
    id: str
    time: str

    def _title(self) -> str:
        name = "Global Malmquist–Luenberger index" if self.kind == "gml" else "Malmquist–Luenberger index"
        return f"{name} ({self.model.upper()})"

    def _summary_lines(self) -> list[str]:
        tc = "bpc" if self.kind == "gml" else "tc"
        lines = [f"{'period':>12}{self.kind:>10}{'ec':>10}{tc:>10}   (arithmetic means over units)"]
        for per, g in self.index.groupby(self.time):
            frm = g[f"{self.time}_from"].iloc[0]
            lines.append(f"{f'{frm}–{per}':>12}{g[self.kind].mean():>10.4f}{g['ec'].mean():>10.4f}"
                         f"{g[tc].mean():>10.4f}")
        if len(self.infeasible):
            lines.append(f"{len(self.infeasible)} LPs without an optimum (see .infeasible)")
        return lines

    def to_frame(self) -> pd.DataFrame:
        """The index table keyed by id and the later period of each pair."""
        return self.index.copy()

    def _plot(self, ax, **kw):
        tc = "bpc" if self.kind == "gml" else "tc"
        g = self.index.groupby(self.time)[[self.kind, "ec", tc]].mean()
        for c in g.columns:
            ax.plot(g.index, g[c].to_numpy(), marker="o", label=c.upper(), **kw)
        ax.axhline(1.0, color="0.5", lw=0.8)
        ax.set_xlabel(self.time)
        ax.legend()
        return ax


def _distance(model, Xr, Yr, Br, x0, y0, b0, rts, direction, disposability) -> tuple[float, str]:
    if model == "sbm":
        r = sbm_lp(Xr, Yr, Br, x0, y0, b0, rts=rts, orientation="non")
        return r["score"], r["status"]
    r = ddf_lp(Xr, Yr, Br, x0, y0, b0, rts=rts, direction=direction, disposability=disposability)
    if r["status"] != "optimal":
        return np.nan, r["status"]
    if 1.0 + r["score"] <= 0:
        return np.nan, f"1 + D = {1 + r['score']:.3g} ≤ 0"
    return 1.0 / (1.0 + r["score"]), r["status"]


def _period_task(args) -> list[dict]:
    """Pass 1: the distances of period k's units to their own frontier and (ML) the neighbouring ones."""
    p, k, kind, model, rts, direction, disposability = args
    periods = p.periods
    per = p.period
    own = np.flatnonzero(per == periods[k])
    refs = {"own": own}
    if kind == "ml":
        if k > 0:
            refs["prev"] = np.flatnonzero(per == periods[k - 1])
        if k < len(periods) - 1:
            refs["next"] = np.flatnonzero(per == periods[k + 1])
    mats = {name: p.cols(idx) for name, idx in refs.items()}
    rows = []
    for j in own:
        row = {"_j": j}
        for name, (Xr, Yr, Br) in mats.items():
            e, status = _distance(model, Xr, Yr, Br, p.X[:, j], p.Y[:, j], p.B[:, j], rts, direction, disposability)
            row[name], row[f"{name}_status"] = e, status
        rows.append(row)
    return rows


def _global_task(args) -> list[dict]:
    """Pass 2 (GML): the distances of period k's units to the global frontier.

    SBM: the reference set is the units efficient against their own period's frontier — exact, because a unit
    with ρ* < 1 lies in the technology spanned by the others (Tone 2001's projection), and the global
    technology contains every period's, so a unit inefficient in its period is inefficient globally and can be
    dropped without changing the frontier.  DDF (bads weakly disposable, so that argument fails): column
    generation from the same start, priced with the LP duals over all unit-years (:func:`ddf_lp_columns`)."""
    p, k, model, rts, direction, disposability, frontier_units = args
    rows = []
    if model == "sbm":
        Xr, Yr, Br = p.cols(frontier_units)
    for j in np.flatnonzero(p.period == p.periods[k]):
        x0, y0, b0 = p.X[:, j], p.Y[:, j], p.B[:, j]
        if model == "sbm":
            r = sbm_lp(Xr, Yr, Br, x0, y0, b0, rts=rts, orientation="non")
            rows.append({"_j": j, "global": r["score"], "global_status": r["status"]})
            continue
        r = ddf_lp_columns(p.X, p.Y, p.B, x0, y0, b0, frontier_units, rts=rts, direction=direction,
                           disposability=disposability)
        if r["status"] != "optimal":
            e, status = np.nan, r["status"]
        elif 1.0 + r["score"] <= 0:
            e, status = np.nan, f"1 + D = {1 + r['score']:.3g} ≤ 0"
        else:
            e, status = 1.0 / (1.0 + r["score"]), r["status"]
        rows.append({"_j": j, "global": e, "global_status": status})
    return rows


def malmquist(
    data: pd.DataFrame,
    inputs: Sequence[str],
    outputs: Sequence[str],
    undesirable: Sequence[str] | None = None,
    *,
    kind: Literal["gml", "ml"] = "gml",
    model: Literal["ddf", "sbm"] = "ddf",
    rts: Literal["crs", "vrs"] = "crs",
    direction: Literal["output", "both"] = "output",
    disposability: Literal["weak", "strong"] = "weak",
    id: str = "adcode",
    time: str = "year",
    n_jobs: int = 1,
) -> MalmquistResult:
    """Green total factor productivity change: global (GML) or contemporaneous (ML) Malmquist–Luenberger index.

    With E^f(x^t) the efficiency of a unit's period-t data against frontier f — E = 1/(1 + D) for the
    directional distance function D of :func:`spatialq.efficiency.ddf` (``model="ddf"``), E = ρ* of the
    non-oriented SBM of :func:`spatialq.efficiency.sbm` (``model="sbm"``, the "SBM-GML" of Chinese papers):

    * **GML** (Oh 2010), global frontier G built from all periods::

          GML = E^G(x^{t+1}) / E^G(x^t) = (1 + D^G(x^t)) / (1 + D^G(x^{t+1}))
          EC  = E^{t+1}(x^{t+1}) / E^t(x^t)
          BPC = [E^G(x^{t+1}) / E^{t+1}(x^{t+1})] / [E^G(x^t) / E^t(x^t)],   GML = EC × BPC.

      Every unit is inside the global frontier, so no LP is infeasible, and the index is circular:
      the product of GML over consecutive periods equals E^G(last)/E^G(first) (``gml_cumulative``).
    * **ML** (Chung, Färe & Grosskopf 1997), contemporaneous frontiers::

          ML = √{ [E^t(x^{t+1}) / E^t(x^t)] · [E^{t+1}(x^{t+1}) / E^{t+1}(x^t)] },   ML = EC × TC,
          TC = √{ [E^t(x^{t+1}) / E^{t+1}(x^{t+1})] · [E^t(x^t) / E^{t+1}(x^t)] }.

      The mixed-period distances D^t(x^{t+1}), D^{t+1}(x^t) evaluate a unit against another period's
      frontier; the LP can be infeasible (especially under VRS) or give 1 + D ≤ 0.  Such LPs are never a
      silent NaN: the pair's ``status`` names the failed distance, ``.infeasible`` lists every such LP by
      unit, period and frontier, and a warning gives the count.  ML with ``model="sbm"`` is refused (the
      SBM of a unit outside a frontier is not defined by Tone's model; use GML).

    Values > 1 mean productivity growth.  Returns to scale: ``rts`` (CRS is the usual choice and the one
    under which the index measures TFP change).  Orientation: the DDF direction (``"output"`` g = (0, y, −b),
    ``"both"`` g = (−x, y, −b)); SBM is non-oriented.  Units present in only one of two consecutive periods
    get no row for that pair.

    Parameters
    ----------
    data : DataFrame
        Long panel, one row per unit and period; not modified.
    inputs, outputs, undesirable : list of str
    kind : {"gml", "ml"}
    model : {"ddf", "sbm"}
    rts : {"crs", "vrs"}
    direction, disposability : str
        Of the DDF (see :func:`spatialq.efficiency.ddf`); ignored for SBM.
    id, time : str
    n_jobs : int
        Periods in parallel (joblib); results do not depend on it.

    Returns
    -------
    MalmquistResult

    References
    ----------
    Chung, Y. H., Färe, R. & Grosskopf, S. (1997). Journal of Environmental Management 51, 229–240.
    Oh, D.-h. (2010). A global Malmquist–Luenberger productivity index. J. Productivity Analysis 34, 183–197.
    Pastor, J. T. & Lovell, C. A. K. (2005). A global Malmquist productivity index. Economics Letters 88, 266–271.
    """
    _lp.check_option(kind, KINDS, "kind")
    _lp.check_option(model, MODELS, "model")
    _lp.check_option(rts, _lp.RTS, "rts")
    _lp.check_option(direction, DIRECTIONS, "direction")
    _lp.check_option(disposability, ("weak", "strong"), "disposability")
    n_jobs = _lp.check_jobs(n_jobs)
    if kind == "ml" and model == "sbm":
        raise ValueError("kind='ml' with model='sbm' needs the SBM of units outside another period's frontier, which "
                         "Tone's SBM does not define; use kind='gml' (global frontier, always feasible) or model='ddf'")
    method = f"efficiency.malmquist ({kind})"
    p = _lp.panel(data, inputs=inputs, outputs=outputs, undesirable=undesirable, id=id, time=time,
                  method=method, positive=model == "sbm")
    if p.time is None:
        raise InputError(f"{method} needs periods: column {time!r} not found (pass time=)")
    check_min_units(len(p.periods), 2, method=method, what="periods", why="an index compares consecutive periods")
    _lp.check_sizes(p, "contemporaneous", method=method)
    tasks = [(p, k, kind, model, rts, direction, disposability) for k in range(len(p.periods))]
    rows = [r for block in _lp.run_periods(_period_task, tasks, n_jobs) for r in block]
    if kind == "gml":
        own = np.full(p.X.shape[1], np.nan)
        for r in rows:
            own[r["_j"]] = r["own"]
        screen = not np.isnan(own).any()
        front = np.flatnonzero(own >= 1 - 1e-6) if screen else np.arange(len(own))
        if model == "sbm" and (not screen or front.size == 0):
            front = np.arange(len(own))
        tasks2 = [(p, k, model, rts, direction, disposability, front) for k in range(len(p.periods))]
        glob = {r["_j"]: r for block in _lp.run_periods(_global_task, tasks2, n_jobs) for r in block}
        rows = [{**r, **glob[r["_j"]]} for r in rows]
    dist = _lp.scores_frame(p, rows, "own")
    index = _index(dist, p, kind)
    bad = []
    for name in ("own", "global", "prev", "next"):
        if name in dist.columns:
            b = dist[dist[f"{name}_status"].notna() & (dist[f"{name}_status"] != "optimal")]
            bad.append(b[[id, time]].assign(frontier=name, status=b[f"{name}_status"].to_numpy()))
    infeasible = pd.concat(bad, ignore_index=True) if bad else pd.DataFrame(columns=[id, time, "frontier", "status"])
    if len(infeasible):
        where = infeasible[[id, time, "frontier"]].head(6).to_records(index=False).tolist()
        warnings.warn(f"{method}: {len(infeasible)} distance LPs have no optimum (e.g. {where}); the index of the "
                      "pairs that need them is NaN, with the reason in 'status' and the list in .infeasible",
                      UserWarning, stacklevel=2)
    return MalmquistResult(
        meta=provenance("spatialq.efficiency.malmquist", n=len(index), kind=kind, model=model, rts=rts,
                        direction=direction if model == "ddf" else None,
                        disposability=disposability if model == "ddf" else None, inputs=list(p.inputs),
                        outputs=list(p.outputs), undesirable=list(p.undesirable)),
        index=index, distances=dist, infeasible=infeasible.reset_index(drop=True), kind=kind, model=model, id=id,
        time=time)


def _index(dist: pd.DataFrame, p, kind: str) -> pd.DataFrame:
    id, time = p.id, p.time
    pos = {per: k for k, per in enumerate(p.periods)}
    d = dist.assign(_k=dist[time].map(pos))
    nxt = d.assign(_k=d["_k"] - 1)
    pair = d.merge(nxt, on=[id, "_k"], suffixes=("_a", "_b"))
    a_own, b_own = pair["own_a"].to_numpy(), pair["own_b"].to_numpy()
    out = pd.DataFrame({id: pair[id].to_numpy(), f"{time}_from": pair[f"{time}_a"].to_numpy(),
                        time: pair[f"{time}_b"].to_numpy()})
    need = {"own_a": "E^t(x^t)", "own_b": "E^{t+1}(x^{t+1})"}
    if kind == "gml":
        ga, gb = pair["global_a"].to_numpy(), pair["global_b"].to_numpy()
        out["gml"] = gb / ga
        out["ec"] = b_own / a_own
        out["bpc"] = (gb / b_own) / (ga / a_own)
        need.update({"global_a": "E^G(x^t)", "global_b": "E^G(x^{t+1})"})
    else:
        cross_t = pair["next_a"].to_numpy()      # E^{t+1}(x^t)
        cross_t1 = pair["prev_b"].to_numpy()     # E^t(x^{t+1})
        out["ml"] = np.sqrt((cross_t1 / a_own) * (b_own / cross_t))
        out["ec"] = b_own / a_own
        out["tc"] = np.sqrt((cross_t1 / b_own) * (a_own / cross_t))
        need.update({"next_a": "E^{t+1}(x^t)", "prev_b": "E^t(x^{t+1})"})
    status = np.full(len(out), "optimal", dtype=object)
    for col, label in need.items():
        st = pair[col.replace("_a", "_status_a").replace("_b", "_status_b")].to_numpy()
        for i in np.flatnonzero(st != "optimal"):
            status[i] = (f"{label}: {st[i]}" if status[i] == "optimal" else f"{status[i]}; {label}: {st[i]}")
    out["status"] = status
    out = sort_rows(out, [id, time]).reset_index(drop=True)
    if kind == "gml":
        out["gml_cumulative"] = out.groupby(id, sort=False)["gml"].cumprod()
    return out

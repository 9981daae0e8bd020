"""Directional distance function with undesirable outputs (Chung, Färe & Grosskopf 1997)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from .._results import provenance
from . import _lp
from ._lp import EfficiencyResult

__all__ = ["DIRECTIONS", "ddf", "ddf_lp"]

DIRECTIONS = ("output", "both")
DISPOSABILITY = ("weak", "strong")


def ddf_lp(Xr, Yr, Br, x0, y0, b0, *, rts: str = "crs", direction: str = "output",
           disposability: str = "weak") -> dict:
    """β* = max β s.t. Xλ ≤ x_o − β g_x, Yλ ≥ y_o + β g_y, Bλ = b_o − β g_b (≤ under strong disposability),
    λ ≥ 0 (VRS: Σλ = 1), β free, with g = (0, y_o, b_o) (``"output"``) or (x_o, y_o, b_o) (``"both"``).

    β* ≥ 0 when (x_o, y_o, b_o) is in the reference technology; a unit of another period can lie outside
    it (β* < 0) or have no feasible β at all (status "infeasible").
    """
    m, s1, s2 = len(x0), len(y0), len(b0)
    nr = Xr.shape[1]
    k = 1 + nr
    gx = x0 if direction == "both" else np.zeros(m)
    ub = np.zeros((m + s1, k))
    ub[:m, 0], ub[:m, 1:] = gx, Xr                # Xλ + β g_x ≤ x_o
    ub[m:, 0], ub[m:, 1:] = y0, -Yr               # −Yλ + β y_o ≤ −y_o
    bub = np.r_[x0, -y0]
    eq, beq = [], []
    bad = np.zeros((s2, k))
    if s2:
        bad[:, 0], bad[:, 1:] = b0, Br            # Bλ + β b_o (=|≤) b_o
    if disposability == "strong" and s2:
        ub, bub = np.vstack([ub, bad]), np.r_[bub, b0]
    elif s2:
        eq.append(bad)
        beq.append(b0)
    if rts == "vrs":
        row = np.zeros((1, k))
        row[0, 1:] = 1.0
        eq.append(row)
        beq.append(np.ones(1))
    bounds = np.zeros((k, 2))
    bounds[:, 1] = np.inf
    bounds[0] = (-np.inf, np.inf)
    c = np.zeros(k)
    c[0] = -1.0
    sol = _lp.lp(c, A_ub=ub, b_ub=bub, A_eq=np.vstack(eq) if eq else None, b_eq=np.concatenate(beq) if eq else None,
                 bounds=bounds)
    if sol.x is None:
        return {"score": np.nan, "status": sol.status}
    return {"score": -sol.fun, "status": sol.status, "lambda": sol.x[1:], "y_ub": sol.y_ub, "y_eq": sol.y_eq}


def ddf_lp_columns(Xf, Yf, Bf, x0, y0, b0, start, *, rts: str = "crs", direction: str = "output",
                   disposability: str = "weak", batch: int = 100) -> dict:
    """:func:`ddf_lp` against the reference columns ``Xf, Yf, Bf`` by column generation: solve with the columns
    ``start``, price every other column with the duals (reduced cost −a_j'y of λ_j), add the most negative ones
    and solve again until none is negative (< −1e-9).  Exact: the final LP is optimal for the full set."""
    m, s1, s2 = len(x0), len(y0), len(b0)
    n = Xf.shape[1]
    cols = np.unique(np.asarray(start, dtype=int))
    if cols.size == 0:
        cols = np.arange(min(n, batch))
    while True:
        r = ddf_lp(Xf[:, cols], Yf[:, cols], Bf[:, cols], x0, y0, b0, rts=rts, direction=direction,
                   disposability=disposability)
        if r["status"] != "optimal":
            if cols.size == n:
                return r
            cols = np.arange(n)  # a subset may be infeasible where the full set is not: solve in full
            continue
        y_ub, y_eq = r["y_ub"], r["y_eq"]
        ay = Xf.T @ y_ub[:m] - Yf.T @ y_ub[m:m + s1]
        if disposability == "strong" and s2:
            ay += Bf.T @ y_ub[m + s1:m + s1 + s2]
        elif s2:
            ay += Bf.T @ y_eq[:s2]
        if rts == "vrs":
            ay += y_eq[-1]
        reduced = -ay
        reduced[cols] = 0.0
        enter = np.flatnonzero(reduced < -1e-9)
        if enter.size == 0:
            lam = np.zeros(n)
            lam[cols] = r["lambda"]
            return {**r, "lambda": lam}
        cols = np.union1d(cols, enter[np.argsort(reduced[enter])[:batch]])


def _period_rows(args) -> list[dict]:
    p, period, frontier, rts, direction, disposability, start = args
    ref = _lp.reference(p, period, frontier)
    Xr, Yr, Br = p.cols(ref)
    if start is not None:
        first = np.flatnonzero(start[ref])
    rows = []
    for j in np.flatnonzero(p.period == period):
        kw = dict(rts=rts, direction=direction, disposability=disposability)
        if start is None:
            r = ddf_lp(Xr, Yr, Br, p.X[:, j], p.Y[:, j], p.B[:, j], **kw)
        else:
            r = ddf_lp_columns(Xr, Yr, Br, p.X[:, j], p.Y[:, j], p.B[:, j], first, **kw)
        row = {"_j": j, "ddf": r["score"], "efficiency": 1.0 / (1.0 + r["score"]), "status": r["status"]}
        if r["status"] == "optimal":
            row["lambda_sum"] = float(np.sum(r["lambda"]))
        rows.append(row)
    return rows


def ddf(
    data: pd.DataFrame,
    inputs: Sequence[str],
    outputs: Sequence[str],
    undesirable: Sequence[str] | None = None,
    *,
    rts: Literal["crs", "vrs"] = "crs",
    direction: Literal["output", "both"] = "output",
    disposability: Literal["weak", "strong"] = "weak",
    frontier: Literal["contemporaneous", "sequential", "global"] = "contemporaneous",
    id: str = "adcode",
    time: str | None = "year",
    n_jobs: int = 1,
) -> EfficiencyResult:
    """Directional output distance function with undesirable outputs (Chung, Färe & Grosskopf 1997).

    ::

        D(x_o, y_o, b_o; g) = β* = max β
        s.t.  Xλ ≤ x_o − β g_x,  Yλ ≥ y_o + β g_y,  Bλ = b_o − β g_b,  λ ≥ 0   (VRS: Σλ = 1)

    The direction is g = (0, y_o, −b_o) (``direction="output"``, the default of Chung et al. 1997 and
    Oh 2010: expand good and contract bad outputs in proportion, inputs fixed) or g = (−x_o, y_o, −b_o)
    (``"both"``: inputs contract as well).  Undesirable outputs are weakly disposable (equality; Färe et al.
    1989) by default, ``disposability="strong"`` makes it Bλ ≤ b_o − β g_b.  β* = 0 on the frontier,
    β* > 0 inside it; ``efficiency`` = 1/(1 + β*) ∈ (0, 1] is the form Malmquist–Luenberger indices use.

    Parameters
    ----------
    data : DataFrame
        Long panel or a cross-section; not modified.
    inputs, outputs, undesirable : list of str
        Non-negative columns (zeros are allowed: the model does not divide by the data).
    rts : {"crs", "vrs"}
    direction : {"output", "both"}
    disposability : {"weak", "strong"}
        Of the undesirable outputs.
    frontier : {"contemporaneous", "sequential", "global"}
    id, time : str
    n_jobs : int

    Returns
    -------
    EfficiencyResult
        ``.scores``: ``id``, ``time``, ``ddf`` (β*), ``efficiency`` (1/(1 + β*)), ``lambda_sum``, ``status``.

    References
    ----------
    Chung, Y. H., Färe, R. & Grosskopf, S. (1997). Productivity and undesirable outputs: a directional distance
    function approach. Journal of Environmental Management 51, 229–240.
    Färe, R., Grosskopf, S., Lovell, C. A. K. & Pasurka, C. (1989). REStat 71, 90–98.
    """
    _lp.check_option(rts, _lp.RTS, "rts")
    _lp.check_option(direction, DIRECTIONS, "direction")
    _lp.check_option(disposability, DISPOSABILITY, "disposability")
    _lp.check_option(frontier, _lp.FRONTIERS, "frontier")
    n_jobs = _lp.check_jobs(n_jobs)
    p = _lp.panel(data, inputs=inputs, outputs=outputs, undesirable=undesirable, id=id, time=time,
                  method="efficiency.ddf", positive=False)
    _lp.check_sizes(p, frontier, method="efficiency.ddf")
    start = None
    if frontier != "contemporaneous":
        # column generation from the units on their own period's frontier (exact, see ddf_lp_columns)
        own = [(p, per, "contemporaneous", rts, direction, disposability, None) for per in p.periods]
        start = np.zeros(p.X.shape[1], dtype=bool)
        for r in (r for block in _lp.run_periods(_period_rows, own, n_jobs) for r in block):
            start[r["_j"]] = r["status"] == "optimal" and r["ddf"] <= 1e-9
    tasks = [(p, per, frontier, rts, direction, disposability, start) for per in p.periods]
    rows = [r for block in _lp.run_periods(_period_rows, tasks, n_jobs) for r in block]
    scores = _lp.scores_frame(p, rows, "ddf")
    infeasible = _lp.report_infeasible(scores, method="efficiency.ddf", id=id, time=p.time)
    label = f"Directional distance function ({rts.upper()}, g = {direction}, {disposability} bads, {frontier})"
    return EfficiencyResult(
        meta=provenance("spatialq.efficiency.ddf", n=len(scores), inputs=list(p.inputs), outputs=list(p.outputs),
                        undesirable=list(p.undesirable), rts=rts, direction=direction,
                        disposability=disposability, frontier=frontier),
        scores=scores, infeasible=infeasible, name="ddf", id=id, time=p.time, title=label)

"""Radial DEA: CCR (Charnes, Cooper & Rhodes 1978) and BCC (Banker, Charnes & Cooper 1984), input or output
oriented, with slacks from the two-phase max-slack step."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from .._results import provenance
from . import _lp
from ._lp import EfficiencyResult

__all__ = ["dea", "radial_lp"]

ORIENTATIONS = ("input", "output")


def radial_lp(Xr, Yr, x0, y0, *, rts: str = "crs", orientation: str = "input") -> dict:
    """Radial efficiency of (x0, y0) against the reference columns ``Xr``, ``Yr``.

    Phase 1, input: θ* = min θ s.t. θx_o = Xλ + s⁻, y_o = Yλ − s⁺, λ, s ≥ 0 (VRS: Σλ = 1).
    Output: η* = max η s.t. x_o = Xλ + s⁻, ηy_o = Yλ − s⁺.  Phase 2 fixes θ* (η*) and maximises
    Σs⁻ + Σs⁺ (Cooper, Seiford & Tone 2007, model (3.11)).  Returns θ* (or η*), slacks, λ and the status.
    """
    m, s = len(x0), len(y0)
    nr = Xr.shape[1]
    k = 1 + nr + m + s
    lam, sx, sy = slice(1, 1 + nr), slice(1 + nr, 1 + nr + m), slice(1 + nr + m, k)
    rows = m + s + (rts == "vrs")
    A = np.zeros((rows, k))
    b = np.zeros(rows)
    A[:m, lam], A[:m, sx] = Xr, np.eye(m)
    A[m:m + s, lam], A[m:m + s, sy] = Yr, -np.eye(s)
    if orientation == "input":
        A[:m, 0] = -x0          # Xλ + s⁻ − θx_o = 0
        b[m:m + s] = y0         # Yλ − s⁺ = y_o
    else:
        b[:m] = x0              # Xλ + s⁻ = x_o
        A[m:m + s, 0] = -y0     # Yλ − s⁺ − ηy_o = 0
    if rts == "vrs":
        A[-1, lam], b[-1] = 1.0, 1.0
    bounds = np.zeros((k, 2))
    bounds[:, 1] = np.inf
    bounds[0] = (None, None)
    c = np.zeros(k)
    c[0] = 1.0 if orientation == "input" else -1.0
    one = _lp.lp(c, A_eq=A, b_eq=b, bounds=bounds)
    if one.x is None:
        return {"score": np.nan, "status": one.status}
    z = one.x[0]
    bounds[0] = (z, z)
    c2 = np.zeros(k)
    c2[sx], c2[sy] = -1.0, -1.0
    two = _lp.lp(c2, A_eq=A, b_eq=b, bounds=bounds)
    v = np.maximum((two if two.x is not None else one).x, 0.0)
    return {"score": z, "status": one.status, "lambda": v[lam], "sx": v[sx], "sy": v[sy]}


def _period_rows(args) -> list[dict]:
    p, period, frontier, rts, orientation = args
    ref = _lp.reference(p, period, frontier)
    Xr, Yr, _ = p.cols(ref)
    rows = []
    for j in np.flatnonzero(p.period == period):
        r = radial_lp(Xr, Yr, p.X[:, j], p.Y[:, j], rts=rts, orientation=orientation)
        row = {"_j": j, "status": r["status"]}
        if orientation == "input":
            row["dea"] = r["score"]
        else:
            row["dea"], row["eta"] = 1.0 / r["score"], r["score"]
        if r["status"] == "optimal":
            for col, v in zip(p.inputs, r["sx"]):
                row[f"slack_{col}"] = v
            for col, v in zip(p.outputs, r["sy"]):
                row[f"slack_{col}"] = v
            row["lambda_sum"] = float(np.sum(r["lambda"]))
        rows.append(row)
    return rows


def dea(
    data: pd.DataFrame,
    inputs: Sequence[str],
    outputs: Sequence[str],
    *,
    rts: Literal["crs", "vrs"] = "crs",
    orientation: Literal["input", "output"] = "input",
    frontier: Literal["contemporaneous", "sequential", "global"] = "contemporaneous",
    id: str = "adcode",
    time: str | None = "year",
    n_jobs: int = 1,
) -> EfficiencyResult:
    """Radial DEA efficiency: CCR (``rts="crs"``) or BCC (``rts="vrs"``), input or output oriented.

    Input-oriented envelopment model (Charnes, Cooper & Rhodes 1978; Banker, Charnes & Cooper 1984)::

        θ* = min θ   s.t.  Xλ + s⁻ = θ x_o,  Yλ − s⁺ = y_o,  λ, s⁻, s⁺ ≥ 0   (BCC: Σλ = 1)

    output-oriented: η* = max η s.t. Xλ + s⁻ = x_o, Yλ − s⁺ = η y_o.  The score column ``dea`` is θ*
    (input) or 1/η* (output; η* itself is in ``eta``), so every score is in (0, 1] and under CRS the two
    orientations give the same ``dea`` (θ* = 1/η*).  Slacks are those of the second phase, which fixes θ*
    (η*) and maximises Σs⁻ + Σs⁺ (Cooper, Seiford & Tone 2007, §3.3): a unit is CCR-efficient when
    θ* = 1 and all slacks are zero, weakly efficient when θ* = 1 with a slack.  Undesirable outputs belong
    in :func:`spatialq.efficiency.sbm` or :func:`spatialq.efficiency.ddf`.

    Parameters
    ----------
    data : DataFrame
        Long panel (one row per unit and period) or a cross-section; not modified.
    inputs, outputs : list of str
        Strictly positive columns (an error names the unit, year and column otherwise).
    rts : {"crs", "vrs"}
    orientation : {"input", "output"}
    frontier : {"contemporaneous", "sequential", "global"}
        Reference set per period (see :func:`spatialq.efficiency.sbm`).
    id, time : str
    n_jobs : int
        Periods in parallel (joblib); results do not depend on it.

    Returns
    -------
    EfficiencyResult
        ``.scores``: ``id``, ``time``, ``dea``, (``eta``), ``slack_<column>``, ``lambda_sum`` (Σλ: under CRS
        < 1, = 1, > 1 indicate increasing, constant, decreasing returns), ``status``.

    Notes
    -----
    The CCR/BCC envelopment model of the textbooks (and of DEAP and MaxDEA); checked against the printed CCR
    scores of the 12-hospital example in Cooper, Seiford & Tone (2007), the multiplier (dual) LP solved by R
    lpSolve (to 1e-10), a brute-force frontier for two inputs and one output, and a weakly efficient unit
    whose slack only the second phase finds.

    References
    ----------
    Charnes, A., Cooper, W. W. & Rhodes, E. (1978). EJOR 2, 429–444.
    Banker, R. D., Charnes, A. & Cooper, W. W. (1984). Management Science 30, 1078–1092.
    Cooper, W. W., Seiford, L. M. & Tone, K. (2007). Data Envelopment Analysis, 2nd ed., ch. 3–4.
    """
    _lp.check_option(rts, _lp.RTS, "rts")
    _lp.check_option(orientation, ORIENTATIONS, "orientation")
    _lp.check_option(frontier, _lp.FRONTIERS, "frontier")
    n_jobs = _lp.check_jobs(n_jobs)
    p = _lp.panel(data, inputs=inputs, outputs=outputs, undesirable=None, id=id, time=time,
                  method="efficiency.dea", positive=True)
    _lp.check_sizes(p, frontier, method="efficiency.dea")
    tasks = [(p, per, frontier, rts, orientation) for per in p.periods]
    rows = [r for block in _lp.run_periods(_period_rows, tasks, n_jobs) for r in block]
    scores = _lp.scores_frame(p, rows, "dea")
    infeasible = _lp.report_infeasible(scores, method="efficiency.dea", id=id, time=p.time)
    label = f"DEA {'CCR' if rts == 'crs' else 'BCC'} ({orientation}-oriented, {frontier} frontier)"
    return EfficiencyResult(
        meta=provenance("spatialq.efficiency.dea", n=len(scores), inputs=list(p.inputs), outputs=list(p.outputs),
                        rts=rts, orientation=orientation, frontier=frontier),
        scores=scores, infeasible=infeasible, name="dea", id=id, time=p.time, title=label)

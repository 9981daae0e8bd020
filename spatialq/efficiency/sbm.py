"""Slacks-based measure (SBM, Tone 2001) with undesirable outputs (Tone 2004) and super-SBM (Tone 2002)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from .._results import provenance
from . import _lp
from ._lp import EfficiencyResult

__all__ = ["sbm", "sbm_lp", "super_sbm_lp"]

ORIENTATIONS = ("non", "input", "output")
EFFICIENT = 1e-9


def _layout(nr: int, m: int, s1: int, s2: int):
    """Column offsets of [t, Λ (nr), S⁻ (m), S^g (s1), S^b (s2)]."""
    lam = slice(1, 1 + nr)
    sx = slice(1 + nr, 1 + nr + m)
    sy = slice(sx.stop, sx.stop + s1)
    sb = slice(sy.stop, sy.stop + s2)
    return lam, sx, sy, sb, sb.stop


def sbm_lp(Xr, Yr, Br, x0, y0, b0, *, rts: str = "crs", orientation: str = "non") -> dict:
    """One SBM score against the reference columns ``Xr, Yr, Br`` (Tone 2001, 2004).

    Non-oriented, by the Charnes–Cooper transformation (t > 0, Λ = tλ, S = ts):
    min τ = t − (1/m) Σ S⁻_i/x_io  s.t.  t + (1/(s1+s2)) (Σ S^g_r/y_ro + Σ S^b_k/b_ko) = 1,
    t x_o = XΛ + S⁻, t y_o = YΛ − S^g, t b_o = BΛ + S^b, (VRS: ΣΛ = t), all ≥ 0;  ρ* = τ*.
    Input-oriented: ρ = 1 − (1/m) Σ s⁻_i/x_io; output-oriented: 1/ρ = 1 + (1/(s1+s2)) (Σ s^g/y_o + Σ s^b/b_o),
    both with t = 1.  Returns score, slacks (in data units), λ and the LP status.
    """
    m, s1, s2 = len(x0), len(y0), len(b0)
    nr = Xr.shape[1]
    lam, sx, sy, sb, k = _layout(nr, m, s1, s2)
    S = s1 + s2
    rows = m + s1 + s2 + (rts == "vrs") + (orientation == "non")
    A = np.zeros((rows, k))
    b = np.zeros(rows)
    r = 0
    if orientation == "non":
        A[0, 0] = 1.0
        A[0, sy] = 1.0 / (S * y0)
        A[0, sb] = 1.0 / (S * b0) if s2 else 0.0
        b[0] = 1.0
        r = 1
    # t·x_o − XΛ − S⁻ = 0 (t = 1 when oriented: XΛ + S⁻ = x_o)
    A[r:r + m, 0], A[r:r + m, lam], A[r:r + m, sx] = x0, -Xr, -np.eye(m)
    A[r + m:r + m + s1, 0], A[r + m:r + m + s1, lam], A[r + m:r + m + s1, sy] = y0, -Yr, np.eye(s1)
    q = r + m + s1
    if s2:
        A[q:q + s2, 0], A[q:q + s2, lam], A[q:q + s2, sb] = b0, -Br, -np.eye(s2)
    if rts == "vrs":
        A[-1, 0], A[-1, lam] = -1.0, 1.0
    c = np.zeros(k)
    bounds = np.zeros((k, 2))
    bounds[:, 1] = np.inf
    if orientation == "non":
        c[0], c[sx] = 1.0, -1.0 / (m * x0)
    else:
        bounds[0] = (1.0, 1.0)
        if orientation == "input":
            c[sx] = -1.0 / (m * x0)
        else:
            c[sy] = -1.0 / (S * y0)
            if s2:
                c[sb] = -1.0 / (S * b0)
    sol = _lp.lp(c, A_eq=A, b_eq=b, bounds=bounds)
    if sol.x is None:
        return {"score": np.nan, "status": sol.status}
    t = sol.x[0]
    if orientation == "non":
        score = sol.fun
    else:
        score = 1.0 + sol.fun if orientation == "input" else 1.0 / (1.0 - sol.fun)
    v = np.maximum(sol.x, 0.0) / t
    return {"score": score, "status": sol.status, "lambda": v[lam], "sx": v[sx], "sy": v[sy], "sb": v[sb]}


def super_sbm_lp(Xr, Yr, Br, x0, y0, b0, *, rts: str = "crs", orientation: str = "non", exclude: int | None = None
                 ) -> dict:
    """Super-SBM of an SBM-efficient unit (Tone 2002; with undesirable outputs as in Tone 2004):
    δ* = min [1 + (1/m) Σ s⁻_i/x_io] / [1 − (1/(s1+s2)) (Σ s^g_r/y_ro + Σ s^b_k/b_ko)]
    s.t. Σ_{j≠o} λ_j x_j ≤ x_o + s⁻, Σ_{j≠o} λ_j y_j ≥ y_o − s^g, Σ_{j≠o} λ_j b_j ≤ b_o + s^b, s^g ≤ y_o,
    (VRS: Σλ = 1), λ, s ≥ 0; the column ``exclude`` (the unit itself) is kept out of the reference set.
    Input-oriented: s^g = s^b = 0, δ = 1 + (1/m) Σ s⁻/x_o; output-oriented: s⁻ = 0, δ = 1/(1 − φ).
    """
    m, s1, s2 = len(x0), len(y0), len(b0)
    nr = Xr.shape[1]
    lam, sx, sy, sb, k = _layout(nr, m, s1, s2)
    S = s1 + s2
    ub = np.zeros((m + 2 * s1 + s2, k))
    ub[:m, 0], ub[:m, lam], ub[:m, sx] = -x0, Xr, -np.eye(m)
    ub[m:m + s1, 0], ub[m:m + s1, lam], ub[m:m + s1, sy] = y0, -Yr, -np.eye(s1)
    q = m + s1
    if s2:
        ub[q:q + s2, 0], ub[q:q + s2, lam], ub[q:q + s2, sb] = -b0, Br, -np.eye(s2)
    q += s2
    ub[q:q + s1, 0], ub[q:q + s1, sy] = -y0, np.eye(s1)
    eq = []
    beq = []
    if orientation == "non":
        row = np.zeros(k)
        row[0], row[sy] = 1.0, -1.0 / (S * y0)
        if s2:
            row[sb] = -1.0 / (S * b0)
        eq.append(row)
        beq.append(1.0)
    if rts == "vrs":
        row = np.zeros(k)
        row[0], row[lam] = -1.0, 1.0
        eq.append(row)
        beq.append(0.0)
    bounds = np.zeros((k, 2))
    bounds[:, 1] = np.inf
    if exclude is not None:
        bounds[1 + exclude] = (0.0, 0.0)
    c = np.zeros(k)
    if orientation == "non":
        c[0], c[sx] = 1.0, 1.0 / (m * x0)
    else:
        bounds[0] = (1.0, 1.0)
        if orientation == "input":
            c[sx] = 1.0 / (m * x0)
            bounds[sy] = bounds[sb] = (0.0, 0.0)
        else:
            c[sy] = 1.0 / (S * y0)
            if s2:
                c[sb] = 1.0 / (S * b0)
            bounds[sx] = (0.0, 0.0)
    sol = _lp.lp(c, A_ub=ub, b_ub=np.zeros(len(ub)), A_eq=np.array(eq) if eq else None,
                 b_eq=np.array(beq) if eq else None, bounds=bounds)
    if sol.x is None:
        return {"score": np.nan, "status": sol.status}
    if orientation == "output" and sol.fun >= 1 - 1e-12:
        return {"score": np.nan, "status": "unbounded (all outputs shrink to zero)"}
    if orientation == "non":
        score = sol.fun
    else:
        score = 1.0 + sol.fun if orientation == "input" else 1.0 / (1.0 - sol.fun)
    return {"score": score, "status": sol.status}


def _period_rows(args) -> list[dict]:
    p, period, frontier, rts, orientation, super_, keep = args
    ref = _lp.reference(p, period, frontier)
    if keep is not None and keep[ref].any():
        ref = ref[keep[ref]]
    Xr, Yr, Br = p.cols(ref)
    pos = {j: i for i, j in enumerate(ref)}
    rows = []
    for j in np.flatnonzero(p.period == period):
        x0, y0, b0 = p.X[:, j], p.Y[:, j], p.B[:, j]
        r = sbm_lp(Xr, Yr, Br, x0, y0, b0, rts=rts, orientation=orientation)
        row = {"_j": j, "sbm": r["score"], "super": False, "status": r["status"]}
        if r["status"] == "optimal":
            for name, key, cols in (("slack", "sx", p.inputs), ("slack", "sy", p.outputs),
                                    ("slack", "sb", p.undesirable)):
                for col, v in zip(cols, r[key]):
                    row[f"{name}_{col}"] = v
            row["lambda_sum"] = float(np.sum(r["lambda"]))
            if super_ and r["score"] >= 1 - EFFICIENT:
                s = super_sbm_lp(Xr, Yr, Br, x0, y0, b0, rts=rts, orientation=orientation, exclude=pos[j])
                row.update({"sbm": s["score"], "super": True, "status": s["status"]})
        rows.append(row)
    return rows


def _screen(p, rts: str, n_jobs: int) -> np.ndarray | None:
    """Units that can span a sequential or global frontier: those SBM-efficient in their own period.

    Exact: a unit with ρ* < 1 against its own period equals its projection Σλ_k z_k plus non-negative slacks
    with λ_j < 1, so it lies in the technology of the other units of its period (CRS or VRS alike), which is
    part of every larger reference set; dropping all such units leaves the frontier and every score unchanged
    (tests compare with the LP over all unit-years).  None when an own-period LP failed (no screening)."""
    tasks = [(p, per, "contemporaneous", rts, "non", False, None) for per in p.periods]
    rows = [r for block in _lp.run_periods(_period_rows, tasks, n_jobs) for r in block]
    if any(r["status"] != "optimal" for r in rows):
        return None
    keep = np.zeros(p.X.shape[1], dtype=bool)
    for r in rows:
        keep[r["_j"]] = r["sbm"] >= 1 - 1e-6
    return keep


def sbm(
    data: pd.DataFrame,
    inputs: Sequence[str],
    outputs: Sequence[str],
    undesirable: Sequence[str] | None = None,
    *,
    rts: Literal["crs", "vrs"] = "crs",
    orientation: Literal["non", "input", "output"] = "non",
    super: bool = False,
    frontier: Literal["contemporaneous", "sequential", "global"] = "contemporaneous",
    id: str = "adcode",
    time: str | None = "year",
    n_jobs: int = 1,
) -> EfficiencyResult:
    """Slacks-based measure of efficiency with undesirable outputs (Tone 2001, 2004), optionally super-SBM.

    For unit o with inputs x_o (m), desirable outputs y_o (s1) and undesirable outputs b_o (s2)::

        ρ* = min  [1 − (1/m) Σ_i s⁻_i / x_io] / [1 + (1/(s1+s2)) (Σ_r s^g_r / y_ro + Σ_k s^b_k / b_ko)]
        s.t.  x_o = Xλ + s⁻,  y_o = Yλ − s^g,  b_o = Bλ + s^b,  λ, s⁻, s^g, s^b ≥ 0   (VRS: Σλ = 1)

    solved as a linear program by the Charnes–Cooper transformation (Tone 2001, §3).  0 < ρ* ≤ 1 and
    ρ* = 1 exactly when the unit is strongly efficient (all slacks zero).  Undesirable outputs are
    treated as in Tone (2004) and MaxDEA's "SBM-Undesirable": Bλ ≤ b_o (a reduction of a bad output counts
    like an input saving).  ``orientation="input"`` scores 1 − (1/m) Σ s⁻/x_o, ``"output"`` scores
    1/[1 + (1/(s1+s2)) Σ (output slacks / outputs)].  Output slacks of the oriented models are not unique.

    ``super=True`` replaces the score of every SBM-efficient unit (ρ* = 1) by the super-SBM score
    δ* ≥ 1 of Tone (2002): the distance from the unit to the frontier spanned by the other units,
    δ* = min [1 + (1/m) Σ s⁻/x_o] / [1 − (1/(s1+s2)) (Σ s^g/y_o + Σ s^b/b_o)] with
    Σ_{j≠o} λ_j x_j ≤ x_o + s⁻, Σ_{j≠o} λ_j y_j ≥ y_o − s^g ≥ 0, Σ_{j≠o} λ_j b_j ≤ b_o + s^b; inefficient
    units keep ρ* (the usual "super-SBM" table of MaxDEA and Chinese papers).  Under VRS an oriented
    super-SBM LP can be infeasible: its row is NaN with ``status="infeasible"``, listed in ``.infeasible``
    and warned about.

    Parameters
    ----------
    data : DataFrame
        Long panel, one row per unit and period (or one cross-section without ``time``).  Not modified.
    inputs, outputs, undesirable : list of str
        Column names; every value must be strictly positive (an error names the unit, year and column:
        zeros are never replaced silently — Tone's conventions for zeros change the score, so replace them
        yourself and report it).
    rts : {"crs", "vrs"}
        Constant or variable returns to scale (VRS adds Σλ = 1).
    orientation : {"non", "input", "output"}
        Non-oriented (the default of Tone 2001 and of green-efficiency papers) or oriented.
    super : bool
        Super-SBM for the efficient units.
    frontier : {"contemporaneous", "sequential", "global"}
        Reference set of a unit in period t: the units of period t, of periods ≤ t (Shestalova 2003), or
        of all periods (the global frontier of Pastor & Lovell 2005 / Oh 2010; a pooled cross-section).
        With ``super=True`` only the unit-year itself is left out.
    id, time : str
        Unit and period columns.
    n_jobs : int
        Periods solved in parallel by joblib; the result does not depend on it.

    Returns
    -------
    EfficiencyResult
        ``.scores``: ``id``, ``time``, ``sbm`` (the score), ``super`` (True where the super-SBM score
        is reported), ``status``, ``slack_<column>`` for every input and output (data units; from the SBM
        LP) and ``lambda_sum`` (Σλ, the returns-to-scale indicator under CRS).

    Notes
    -----
    The SBM of MaxDEA ("SBM-Undesirable"); verified against the dual of Tone's program solved by R lpSolve
    (tests/reference/efficiency, to 1e-10), the closed form for one input and one output, and the identities
    SBM ≤ CCR score, super-SBM ≥ 1 on the frontier, units invariance and row-order independence
    (tests/test_efficiency.py).

    References
    ----------
    Tone, K. (2001). A slacks-based measure of efficiency in data envelopment analysis. EJOR 130, 498–509.
    Tone, K. (2002). A slacks-based measure of super-efficiency in DEA. EJOR 143, 32–41.
    Tone, K. (2004). Dealing with undesirable outputs in DEA: a slacks-based measure (SBM) approach. NAPW, Toronto.
    Cooper, W. W., Seiford, L. M. & Tone, K. (2007). Data Envelopment Analysis, 2nd ed. Springer, ch. 4, 10, 13.
    """
    _lp.check_option(rts, _lp.RTS, "rts")
    _lp.check_option(orientation, ORIENTATIONS, "orientation")
    _lp.check_option(frontier, _lp.FRONTIERS, "frontier")
    n_jobs = _lp.check_jobs(n_jobs)
    p = _lp.panel(data, inputs=inputs, outputs=outputs, undesirable=undesirable, id=id, time=time,
                  method="efficiency.sbm", positive=True)
    _lp.check_sizes(p, frontier, method="efficiency.sbm")
    keep = _screen(p, rts, n_jobs) if frontier != "contemporaneous" and not super else None
    tasks = [(p, per, frontier, rts, orientation, bool(super), keep) for per in p.periods]
    rows = [r for block in _lp.run_periods(_period_rows, tasks, n_jobs) for r in block]
    scores = _lp.scores_frame(p, rows, "sbm")
    infeasible = _lp.report_infeasible(scores, method="efficiency.sbm", id=id, time=p.time)
    label = f"SBM ({rts.upper()}, {orientation}-oriented{', super' if super else ''}, {frontier} frontier)"
    return EfficiencyResult(
        meta=provenance("spatialq.efficiency.sbm", n=len(scores), inputs=list(p.inputs), outputs=list(p.outputs),
                        undesirable=list(p.undesirable), rts=rts, orientation=orientation, super=bool(super),
                        frontier=frontier),
        scores=scores, infeasible=infeasible, name="sbm", id=id, time=p.time, title=label)

"""``[analyses.spatial_convergence]``: spatial β-convergence (SAR / SEM / SDM) with speed and half-life.

Calls :func:`spatialq.inequality.spatial_convergence` with the study's weights: growth of the variable on
its initial log level (and controls) in a two-way fixed-effects spatial panel, or one cross-section from
the first to the last year.  Speed and half-life from the coefficient of ln y (the literature's choice)
and from the direct effect.
"""

from __future__ import annotations

from .._schema import Opt
from . import Analysis
from ._common import COLUMN, col, t
from .regression import MAX_DRAWS


def step(ctx, opts) -> None:
    from ... import inequality

    c = col(ctx, opts)
    res = inequality.spatial_convergence(ctx.data, c, ctx.w, model=opts["model"], kind=opts["kind"],
                                         controls=opts["controls"] or None, panel=opts["panel"], span=opts["span"],
                                         effects=opts["effects"], n_draws=opts["n_draws"], seed=ctx.seed)
    what = t(ctx, "面板" if opts["panel"] else "截面", "panel" if opts["panel"] else "cross-section")
    ctx.table("spatial_convergence", res.to_frame(), t(ctx, f"空间 β 收敛（{opts['model'].upper()}，{what}）",
                                                       f"Spatial β-convergence ({opts['model'].upper()}, {what})"))
    ctx.figure("spatial_convergence", res.plot(), t(ctx, "增长率与初始水平", "Growth against the initial level"))


def _check(opts, sections) -> list[str]:
    if opts["kind"] == "conditional" and not opts["controls"]:
        return ["[analyses.spatial_convergence] controls: conditional convergence needs controls"]
    if opts["kind"] == "absolute" and opts["controls"]:
        return ['[analyses.spatial_convergence] controls: only with kind = "conditional"']
    if not opts["panel"] and opts["span"] != 1:
        return ["[analyses.spatial_convergence] span: a cross-section runs from the first to the last year; "
                "span is for panels"]
    return []


def _check_data(opts, view) -> list[str]:
    col_ = opts.get("column")
    if col_ and col_ in view.data.columns and (view.data[col_] <= 0).any():
        bad = view.data.loc[view.data[col_] <= 0, ["adcode", "year"]].head(3)
        return [f"[analyses.spatial_convergence] column: {col_!r} must be positive (growth uses logs); not at "
                + ", ".join(f"{view.names.get(a, a)} {y}" for a, y in bad.itertuples(index=False))]
    if len(view.years) < opts["span"] + 1:
        return [f"[analyses.spatial_convergence] span: {opts['span']} years need at least {opts['span'] + 1} years "
                f"of data; the data have {list(view.years)}"]
    return []


ANALYSIS = Analysis(
    name="spatial_convergence", order=105,
    summary="spatial β-convergence by SAR, SEM or SDM, with convergence speed and half-life",
    options={"column": COLUMN,
             "model": Opt(str, "sar", ("sar", "sem", "sdm")),
             "kind": Opt(str, "absolute", ("absolute", "conditional")),
             "controls": Opt(list, None, doc="control variables (conditional convergence)", max_len=30),
             "panel": Opt(bool, True, doc="panel of growth periods (else one cross-section, first to last year)"),
             "span": Opt(int, 1, doc="years per growth period", low=1, high=50),
             "effects": Opt(str, "twoways", ("twoways", "individual")),
             "n_draws": Opt(int, 1000, doc=f"draws for the direct effect's inference (2–{MAX_DRAWS})", low=2,
                            high=MAX_DRAWS)},
    step=step, columns=lambda opts: list(opts.get("controls") or []), check=_check, check_data=_check_data,
    uses_weights=True)

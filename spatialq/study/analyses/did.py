"""``[analyses.did]``: spatial difference-in-differences for pilot-policy evaluation.

Calls :func:`spatialq.policy.spatial_did` with the study's weights: the treatment dummy (and for Durbin models
its spatial lag) in a two-way fixed-effects spatial panel; the treatment's direct, indirect (spillover to
neighbours) and total effects with simulated inference.  With ``adoption`` (each region's adoption year, empty
for never treated) also :func:`spatialq.policy.event_study`: leads and lags with the pre-trend plot.
"""

from __future__ import annotations

from .._schema import REQUIRED, Opt
from . import Analysis
from ._common import COLUMN, col, t
from .regression import MAX_DRAWS


def step(ctx, opts) -> None:
    from ... import policy

    y = col(ctx, opts)
    common = {"controls": tuple(opts["controls"] or ()), "model": opts["model"], "effects": opts["effects"],
              "n_draws": opts["n_draws"], "seed": ctx.seed, "lee_yu": opts["lee_yu"]}
    res = policy.spatial_did(ctx.data, y, opts["treat"], ctx.w, **common)
    m = opts["model"].upper()
    ctx.table("did_effects", res.to_frame(), t(ctx, f"空间双重差分：政策的直接效应、溢出效应与总效应（{m}）",
                                               f"Spatial DID: direct, spillover and total effects ({m})"))
    ctx.table("did_coefficients", res.coefficients, t(ctx, "空间双重差分模型参数估计", "Spatial DID coefficients"))
    ctx.figure("did_effects", res.plot(), t(ctx, "政策效应分解", "Treatment effects"))
    if opts["adoption"]:
        ev = policy.event_study(ctx.data, y, opts["adoption"], ctx.w, leads=opts["leads"], lags=opts["lags"], **common)
        ctx.table("event_study", ev.to_frame(), t(ctx, "事件研究：政策前后各期的直接效应与溢出效应",
                                                  "Event study: direct and spillover effects by period"))
        ctx.figure("event_study", ev.plot(), t(ctx, "平行趋势检验与动态效应", "Pre-trends and dynamic effects"))


def _check_data(opts, view) -> list[str]:
    d, problems = view.data, []
    treat = opts["treat"]
    if treat in d.columns:
        values = set(d[treat].dropna().unique().tolist())
        if not values <= {0, 1}:
            problems.append(f"[analyses.did] treat: {treat!r} must be 0/1, found {sorted(values)[:5]}")
        elif values != {0, 1}:
            problems.append(f"[analyses.did] treat: {treat!r} is {values.pop()} everywhere; a DID needs treated "
                            "and untreated region-years")
    adoption = opts["adoption"]
    if adoption and adoption not in d.columns:
        problems.append(f"[analyses.did] adoption: no column {adoption!r} in the data")
    elif adoption:
        per_unit = d.groupby("adcode")[adoption].nunique(dropna=True)
        varying = per_unit[per_unit > 1].index.tolist()
        if varying:
            problems.append("[analyses.did] adoption: the adoption year varies within "
                            + ", ".join(str(view.names.get(a, a)) for a in varying[:5]))
    return problems


ANALYSIS = Analysis(
    name="did", order=170,
    summary="spatial difference-in-differences: direct, spillover and total policy effects; event study",
    options={"column": COLUMN,
             "treat": Opt(str, REQUIRED, doc="0/1 column: treated and after adoption (staggered allowed)"),
             "controls": Opt(list, None, doc="control variables", max_len=50),
             "model": Opt(str, "sdm", ("sdm", "sar", "sem", "sdem", "slx")),
             "effects": Opt(str, "twoways", ("twoways", "individual", "time")),
             "lee_yu": Opt(bool, True,
                           doc="Lee–Yu transformation (its intervals cover as stated; see docs/policy.md)"),
             "adoption": Opt(str, None, doc="column with each region's adoption year (empty: never) for the event "
                                            "study"),
             "leads": Opt(int, 3, doc="periods before adoption in the event study", low=1, high=20),
             "lags": Opt(int, 3, doc="periods after adoption in the event study", low=0, high=20),
             "n_draws": Opt(int, 1000, doc=f"draws for the effects' inference (2–{MAX_DRAWS})", low=2,
                            high=MAX_DRAWS)},
    step=step, columns=lambda opts: [opts["treat"], *(opts.get("controls") or [])] if opts.get("treat") else [],
    check_data=_check_data, uses_weights=True, template_off=True,
    examples={"treat": '"pilot"'})

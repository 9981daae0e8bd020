"""``[analyses.theil]``: Theil index and its within/between decomposition by the study's regions."""

from __future__ import annotations

import pandas as pd

from .._schema import Opt
from . import Analysis
from ._common import COLUMN, col, needs_regions, t


def step(ctx, opts) -> None:
    from ... import inequality

    c = col(ctx, opts)
    data = ctx.data[ctx.data[ctx.region_col].notna()]
    res = inequality.theil(data, c, ctx.region_col, weight=opts["weight"])
    if opts["weight"]:
        title = t(ctx, f"泰尔指数及其分解（以 {opts['weight']} 加权）",
                  f"Theil index and decomposition (weighted by {opts['weight']})")
    else:
        title = t(ctx, "泰尔指数及其分解", "Theil index and decomposition")
    ctx.table("theil", res.to_frame(), title)


def _check_data(opts, view) -> list[str]:
    w = opts.get("weight")
    if not w or w not in view.data.columns:
        return []
    v = pd.to_numeric(view.data[w], errors="coerce")
    bad = view.data[~(v > 0)]
    if len(bad):
        first = bad.iloc[0]
        return [f"[analyses.theil] weight: {w!r} must be positive in every row; {len(bad)} rows are not "
                f"(e.g. {view.names.get(first['adcode'], first['adcode'])} in {first['year']})"]
    return []


ANALYSIS = Analysis(
    cost=0.05,  # rough serial seconds at prefecture level (dispatch order of parallel runs only)
    name="theil", order=90, summary="Theil index, within- and between-region parts",
                    options={"column": COLUMN,
                             "weight": Opt(str, None, doc="population column: the population-weighted Theil "
                                           "(column per capita × weight = the aggregate; default: unweighted)")},
                    step=step, columns=lambda opts: [opts["weight"]] if opts.get("weight") else [],
                    check=needs_regions("theil"), check_data=_check_data)

"""``[analyses.theil]``: Theil index and its within/between decomposition by the study's regions."""

from __future__ import annotations

from . import Analysis
from ._common import COLUMN, col, needs_regions, t


def step(ctx, opts) -> None:
    from ... import inequality

    c = col(ctx, opts)
    data = ctx.data[ctx.data[ctx.region_col].notna()]
    res = inequality.theil(data, c, ctx.region_col)
    ctx.table("theil", res.to_frame(), t(ctx, "泰尔指数及其分解", "Theil index and decomposition"))


ANALYSIS = Analysis(name="theil", order=90, summary="Theil index, within- and between-region parts",
                    options={"column": COLUMN}, step=step, check=needs_regions("theil"))

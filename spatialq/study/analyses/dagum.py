"""``[analyses.dagum]``: Dagum Gini coefficient and its decomposition by the study's regions."""

from __future__ import annotations

from .._schema import Opt
from . import Analysis
from ._common import COLUMN, col, labels, needs_regions, t


def step(ctx, opts) -> None:
    from ... import inequality

    c = col(ctx, opts)
    data = ctx.data[ctx.data[ctx.region_col].notna()]
    if opts["years"]:
        data = data[data["year"].isin(opts["years"])]
    res = inequality.dagum_gini(data, c, ctx.region_col)
    ctx.table("dagum_gini", res.paper_table(lang=ctx.lang), t(ctx, "Dagum 基尼系数及其分解",
                                                              "Dagum Gini coefficient and decomposition"))
    ax = labels(ctx, res.plot(), x=("年份", "year"), y=("基尼系数", "Gini"))
    ax.set_title(t(ctx, "总体与区域内基尼系数", "Overall and within-region Gini"))
    ctx.figure("dagum_gini", ax, t(ctx, "Dagum 基尼系数", "Dagum Gini"))
    ax = labels(ctx, res.plot(kind="shares"), x=("年份", "year"), y=("贡献率", "share of G"))
    if ctx.lang == "zh":
        ax.legend(["区域内", "区域间", "超变密度"], fontsize=7)
    ctx.figure("dagum_shares", ax, t(ctx, "差异来源贡献率", "Contributions to the Gini"))


ANALYSIS = Analysis(
    name="dagum", order=80, summary="Dagum Gini and its decomposition (within, between, transvariation) by region",
    options={"column": COLUMN,
             "years": Opt(list, None, doc="years (default: all)", low=1000, high=3000, max_len=200)},
    step=step, check=needs_regions("dagum"))

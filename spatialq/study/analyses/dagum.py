"""``[analyses.dagum]``: Dagum Gini coefficient and its decomposition by the study's regions."""

from __future__ import annotations

from .._schema import NUM, Opt
from . import Analysis
from ._common import COLUMN, col, labels, needs_regions, t


def step(ctx, opts) -> None:
    from ... import inequality

    c = col(ctx, opts)
    data = ctx.data[ctx.data[ctx.region_col].notna()]
    if opts["years"]:
        data = data[data["year"].isin(opts["years"])]
    res = inequality.dagum_gini(data, c, ctx.region_col, bootstrap=opts["bootstrap"], level=opts["level"],
                                seed=ctx.seed)
    ctx.table("dagum_gini", res.paper_table(lang=ctx.lang), t(ctx, "Dagum 基尼系数及其分解",
                                                              "Dagum Gini coefficient and decomposition"))
    if res.intervals is not None:
        pct = f"{opts['level']:.0%}"
        ctx.table("dagum_intervals", res.intervals.rename(columns={"period": "year"}),
                  t(ctx, f"Dagum 基尼系数分解的 {pct} 自助法置信区间（区域内分层重抽样，{opts['bootstrap']} 次）",
                    f"{pct} bootstrap intervals of the Dagum decomposition (stratified by region, "
                    f"{opts['bootstrap']} replications)"))
    ax = labels(ctx, res.plot(), x=("年份", "year"), y=("基尼系数", "Gini"))
    ax.set_title(t(ctx, "总体与区域内基尼系数", "Overall and within-region Gini"))
    ctx.figure("dagum_gini", ax, t(ctx, "Dagum 基尼系数", "Dagum Gini"))
    ax = labels(ctx, res.plot(kind="shares"), x=("年份", "year"), y=("贡献率", "share of G"))
    if ctx.lang == "zh":
        ax.legend(["区域内", "区域间", "超变密度"], fontsize=7)
    ctx.figure("dagum_shares", ax, t(ctx, "差异来源贡献率", "Contributions to the Gini"))


ANALYSIS = Analysis(
    cost=0.3,  # rough serial seconds at prefecture level (dispatch order of parallel runs only)
    name="dagum", order=80, summary="Dagum Gini and its decomposition (within, between, transvariation) by region",
    options={"column": COLUMN,
             "years": Opt(list, None, doc="years (default: all)", low=1000, high=3000, max_len=200),
             "bootstrap": Opt(int, 0, doc="bootstrap replications for percentile intervals, regions resampled "
                              "within each region group (0: none)", low=0, high=9999),
             "level": Opt(NUM, 0.95, doc="confidence level of the bootstrap intervals", low=0.5, high=0.999)},
    step=step, check=lambda opts, sections: needs_regions("dagum")(opts, sections) + _check(opts))


def _check(opts) -> list[str]:
    b, level = opts.get("bootstrap") or 0, opts.get("level") or 0.95
    if b and b * (1 - level) / 2 < 1:
        need = int(-(-2 // (1 - level)))
        return [f"[analyses.dagum] bootstrap: {b} replications are too few for a {level:.0%} interval; use at "
                f"least {need} (199 or 999 are usual)"]
    return []

"""``[analyses.kde]``: kernel density curves by year (national and by region) and the 3-D surface."""

from __future__ import annotations

from .._schema import Opt
from . import Analysis
from ._common import COLUMN, col, labels, t


def step(ctx, opts) -> None:
    from ... import density

    c = col(ctx, opts)
    group = ctx.region_col if (opts["by_region"] and ctx.region_col) else None
    data = ctx.data if group is None else ctx.data[ctx.data[group].notna()]
    res = density.kde(data, c, group=group, bandwidth_rule=opts["bandwidth"])
    ctx.table("kde_peaks", res.to_frame(), t(ctx, "核密度主峰位置、高度与宽度", "Kernel density peaks"))
    ax = labels(ctx, res.plot(kind="curves"), x=(c, c), y=("核密度", "density"))
    ax.set_title(t(ctx, "全国核密度曲线", "Kernel density, national"))
    ctx.figure("kde_curves", ax, t(ctx, "核密度曲线（全国）", "Kernel density curves (national)"))
    ax = ctx.axes(figsize=(7, 5.5))
    ax = res.plot(ax=ax, kind="surface")
    labels(ctx, ax, x=(c, c), y=("年份", "year"))
    ax.set_zlabel(t(ctx, "核密度", "density"))
    ctx.figure("kde_surface", ax, t(ctx, "核密度三维图（年份 × 数值 × 密度）", "Kernel density surface"))
    if group:
        groups = [g for g in dict.fromkeys(res.curves["group"]) if g != "all"]
        plt_ = ctx.pyplot()
        ncols = min(len(groups), 4)
        fig, axes = plt_.subplots(1, ncols, figsize=(3.2 * ncols, 3), squeeze=False)
        for ax, g in zip(axes.flat, groups[:ncols]):
            labels(ctx, res.plot(ax=ax, group=g), x=(c, c), y=("核密度", "density"))
            ax.set_title(str(g), fontsize=9)
        fig.tight_layout()
        ctx.figure("kde_regions", fig, t(ctx, "分区域核密度曲线", "Kernel density by region"))


def _check(opts, sections) -> list[str]:
    bw = opts.get("bandwidth")
    if isinstance(bw, str) and bw not in ("silverman", "scott"):
        return [f'[analyses.kde] bandwidth: "silverman", "scott" or a positive number, got {bw!r}']
    if not isinstance(bw, str) and isinstance(bw, int | float) and not bw > 0:
        return [f"[analyses.kde] bandwidth: a bandwidth must be positive, got {bw!r}"]
    return []


ANALYSIS = Analysis(
    cost=1.5,  # rough serial seconds at prefecture level (dispatch order of parallel runs only)
    name="kde", order=30, summary="kernel density curves by year, national and by region, and a 3-D surface",
    options={"column": COLUMN,
             "bandwidth": Opt((str, float, int), "silverman", doc='"silverman", "scott" or a number'),
             "by_region": Opt(bool, True, doc="curves per region too (needs [regions])")},
    step=step, check=_check)

"""``[analyses.moran]``: global Moran's I by year, its trend and the Moran scatter plot."""

from __future__ import annotations

from .._schema import Opt
from . import Analysis
from ._common import COLUMN, PERMUTATIONS, col, labels, t


def step(ctx, opts) -> None:
    from ... import hotspot

    c = col(ctx, opts)
    res = hotspot.moran(ctx.data, c, ctx.w, permutations=opts["permutations"], transform=opts["transform"],
                        seed=ctx.seed)
    tab = res.to_frame()
    keep = [k for k in ["year", "n", "I", "expectation", "z_norm", "p_norm", "z_rand", "p_rand", "p_sim"] if k in tab]
    ctx.table("moran", tab[keep], t(ctx, "全局莫兰指数", "Global Moran's I"))
    ax = ctx.axes(figsize=(6, 3.6))
    ax.plot(tab["year"], tab["I"], marker="o", color="black")
    ax.axhline(tab["expectation"].iloc[0], color="grey", linestyle="--", linewidth=0.8)
    ax.set_xlabel(t(ctx, "年份", "year"))
    ax.set_ylabel("Moran's I")
    ctx.figure("moran_trend", ax, t(ctx, "全局莫兰指数变化", "Global Moran's I over time"))
    last = int(tab["year"].max())
    ax = labels(ctx, res.plot(period=last), x=("标准化值", "standardised value"), y=("空间滞后", "spatial lag"))
    ctx.figure("moran_scatter", ax, t(ctx, f"莫兰散点图（{last}）", f"Moran scatter ({last})"))


ANALYSIS = Analysis(
    cost=0.25,  # rough serial seconds at prefecture level (dispatch order of parallel runs only)
    name="moran", order=40, summary="global Moran's I per year, trend chart and Moran scatter plot",
    options={"column": COLUMN, "permutations": PERMUTATIONS,
             "transform": Opt(str, "r", ("r", "b"), doc="row-standardised or binary weights")},
    step=step, uses_weights=True)

"""``[analyses.lisa]``: local Moran's I (LISA) clusters: membership table, table and maps."""

from __future__ import annotations

from .._schema import Opt
from . import Analysis
from ._common import ALPHA, COLUMN, PERMUTATIONS, YEAR, YEARS, col, last_year, members, t, unit_table_and_map


def step(ctx, opts) -> None:
    from ... import hotspot

    c, year = col(ctx, opts), last_year(ctx, opts)
    res = hotspot.local_moran(ctx.data, c, ctx.w, permutations=opts["permutations"], alpha=opts["alpha"],
                              fdr_correction=opts["fdr"], seed=ctx.seed)
    ctx.table("lisa_types", members(ctx, res.to_frame(), "cluster", ["HH", "LH", "LL", "HL"],
                                    ("高-高", "低-高", "低-低", "高-低"),
                                    ("High-High", "Low-High", "Low-Low", "High-Low")),
              t(ctx, "LISA 集聚类型及其地区", "Regions by LISA cluster type"))
    unit_table_and_map(ctx, res, "lisa", ("局部莫兰指数（LISA）", "Local Moran's I (LISA)"), year,
                       (f"LISA 集聚图（{year}）", f"LISA cluster map ({year})"), opts["years"])
    if ctx.study.study.get("explore"):
        cap = t(ctx, f"LISA 集聚图（{year}，交互式）", f"LISA cluster map ({year}, interactive)")
        ctx.interactive("lisa_explore", res.explore(ctx.gdf, period=year, lang=ctx.lang, title=cap), cap)


ANALYSIS = Analysis(
    cost=5.0,  # rough serial seconds at prefecture level (dispatch order of parallel runs only)
    name="lisa", order=50, summary="LISA cluster types per year: membership table, per-region table, maps",
    options={"column": COLUMN, "year": YEAR, "years": YEARS, "permutations": PERMUTATIONS, "alpha": ALPHA,
             "fdr": Opt(bool, False, doc="false-discovery-rate threshold instead of alpha")},
    step=step, uses_weights=True)

"""``[analyses.emerging]``: emerging hot spot analysis (ArcGIS Space Time Pattern Mining) of ``column``.

Calls :func:`spatialq.hotspot.emerging_hotspots`: space-time Gi* per region and year, the Mann–Kendall trend of
each region's z series and the 17 categories; writes the per-region table, the category counts, the map and the
per-bin Gi* table.  Needs every region in every year and at least 4 years (checked up front).
"""

from __future__ import annotations

import pandas as pd

from .._schema import NUM, Opt
from . import Analysis
from ._common import COLUMN, col, named, t
from ._common import balanced as _balanced


def step(ctx, opts) -> None:
    from ... import hotspot
    from ...hotspot.emerging import CATEGORIES, CATEGORY_EN, CATEGORY_ZH

    c = col(ctx, opts)
    res = hotspot.emerging_hotspots(ctx.data, c, ctx.w, time_step=opts["time_step"], alpha=opts["alpha"],
                                    fdr_correction=opts["fdr"])
    frame = res.to_frame()
    ctx.table("emerging_hotspots", named(ctx, frame), t(ctx, "时空热点模式（新兴热点分析）",
                                                        "Emerging hot spot categories"))
    counts = frame["category"].value_counts()
    labels = CATEGORY_ZH if ctx.lang == "zh" else CATEGORY_EN
    rows = [{t(ctx, "模式", "category"): labels[k], t(ctx, "地区数", "regions"): int(counts.get(k, 0))}
            for k in CATEGORIES]
    ctx.table("emerging_counts", pd.DataFrame(rows), t(ctx, "各时空热点模式的地区数", "Regions per category"))
    ctx.table("emerging_bins", named(ctx, res.bins), t(ctx, "时空立方体各单元的 Gi* 统计量",
                                                       "Space-time Gi* of every region and year"))
    title = t(ctx, "时空热点模式分布", "Emerging hot spots")
    ctx.figure("emerging_map", res.plot(gdf=ctx.gdf, lang=ctx.lang, title=title), title)


def _check_data(opts, view) -> list[str]:
    problems = _balanced("emerging", view)
    if len(view.years) < 4:
        problems.append(f"[analyses.emerging]: {len(view.years)} years; the Mann–Kendall trend needs at least 4 "
                        "(ArcGIS asks for 10)")
    elif opts["time_step"] >= len(view.years):
        problems.append(f"[analyses.emerging] time_step: {opts['time_step']} reaches beyond the "
                        f"{len(view.years)} years; use at most {len(view.years) - 1}")
    return problems


ANALYSIS = Analysis(
    name="emerging", order=62,
    summary="emerging hot spot analysis: space-time Gi*, Mann–Kendall trend, 17 ArcGIS categories, table and map",
    options={"column": COLUMN,
             "time_step": Opt(int, 1, doc="neighbourhood time step: previous years included in each bin's "
                                          "neighbourhood", low=0, high=50),
             "alpha": Opt(NUM, 0.05, doc="significance level of the Gi* bins and of the trend", low=1e-6,
                          high=0.5),
             "fdr": Opt(bool, True, doc="false-discovery-rate correction of the bins (ArcGIS Pro)")},
    step=step, check_data=_check_data, uses_weights=True)

"""``[analyses.maps]``: small multiples of a variable by year with one set of classes."""

from __future__ import annotations

from .._schema import Opt
from . import Analysis
from ._common import COLUMN, col, even_years, t


def step(ctx, opts) -> None:
    from ...plot.choropleth import small_multiples

    c = col(ctx, opts)
    years = opts["years"] or even_years(sorted(ctx.data["year"].unique().tolist()))
    fig = small_multiples(ctx.data, c, gdf=ctx.gdf, periods=years, scheme=opts["scheme"], k=opts["k"],
                          cmap=opts["cmap"], lang=ctx.lang, linewidth=0.3 if ctx.level == "province" else 0.1,
                          title=t(ctx, f"{c} 的空间分布", f"Spatial distribution of {c}"))
    ctx.figure(f"map_{c}", fig, t(ctx, f"{c} 分年份地图（统一分级）", f"{c} by year (common classes)"))


SCHEMES = ("quantiles", "equal_interval", "natural_breaks", "fisher_jenks", "jenks_caspall", "std_mean",
           "percentiles", "box_plot", "headtail_breaks", "maximum_breaks")
CMAPS = ("YlOrRd", "OrRd", "Reds", "Blues", "Greens", "Purples", "Oranges", "Greys", "YlGnBu", "YlGn", "BuPu", "GnBu",
         "PuBu", "RdYlGn", "RdYlBu", "RdBu", "Spectral", "viridis", "plasma", "magma", "cividis")

ANALYSIS = Analysis(
    name="maps", order=20, summary="small multiples of a variable by year (classes pooled over the years)",
    options={"column": COLUMN,
             "years": Opt(list, None, doc="years of the small multiples (default: up to four, evenly spaced)",
                          low=1000, high=3000, max_len=16),
             "scheme": Opt(str, "quantiles", SCHEMES, doc="mapclassify scheme"),
             "k": Opt(int, 5, doc="number of classes", low=2, high=12),
             "cmap": Opt(str, "YlOrRd", CMAPS, doc="matplotlib colour map")},
    step=step)

"""``[analyses.ellipse]``: standard deviational ellipses by year and the migration of the mean centre."""

from __future__ import annotations

from .._schema import NUM, Opt
from . import Analysis
from ._common import COLUMN, col, even_years, t


def step(ctx, opts) -> None:
    from ... import geometry
    from ...ellipse import sde

    c = col(ctx, opts)
    years = opts["years"] or even_years(sorted(ctx.data["year"].unique().tolist()))
    g = geometry.to_albers(ctx.gdf)[["geometry"]].join(
        ctx.data[ctx.data["year"].isin(years)].set_index("adcode")[[c, "year"]], how="inner")
    res = sde(g.reset_index(), weights=c, by="year", method=opts["method"], n_std=opts["n_std"])
    ctx.table("ellipse", res.to_frame(), t(ctx, "标准差椭圆参数", "Standard deviational ellipses"))
    ctx.table("centre_migration", res.migration, t(ctx, "重心迁移", "Migration of the mean centre"))
    ax = res.plot()
    ax.set_title(t(ctx, "标准差椭圆与重心轨迹", "Ellipses and centre trajectory"))
    ctx.figure("ellipse", ax, t(ctx, "标准差椭圆与重心迁移轨迹", "Standard deviational ellipses"))


ANALYSIS = Analysis(
    cost=0.5,  # rough serial seconds at prefecture level (dispatch order of parallel runs only)
    name="ellipse", order=70, summary="standard deviational ellipses (China Albers) and the centre's migration",
    options={"column": COLUMN,
             "years": Opt(list, None, doc="years (default: up to four, evenly spaced)", low=1000, high=3000,
                          max_len=200),
             "method": Opt(str, "arcgis", ("arcgis", "crimestat", "aspace"),
                           doc="ArcGIS (√2, Σw), CrimeStat (n − 2) or aspace (Σw − 2) convention"),
             "n_std": Opt(NUM, 1, doc="standard deviations (1, 2 or 3)", low=0.5, high=3)},
    step=step)

"""``[analyses.gi_star]``: Getis-Ord Gi* hot and cold spots.

One classification per map and table: ``scheme = "bins"`` (ArcGIS confidence bins, the default),
``"breaks"`` (five Fisher–Jenks classes of z: 冷点 … 热点) or ``"both"`` (a table and maps for each).
Each table and map is captioned with its scheme, and the membership table lists the regions in
exactly the classes the map colours.
"""

from __future__ import annotations

from .._schema import Opt
from . import Analysis
from ._common import COLUMN, YEAR, YEARS, col, last_year, members, t, unit_table_and_map

BIN_ORDER = [3, 2, 1, 0, -1, -2, -3]


def _classes_table(ctx, frame, scheme):
    from ...hotspot.getis import BIN_LABELS_EN, BIN_LABELS_ZH, BREAK_LABELS_EN, BREAK_LABELS_ZH

    if scheme == "bins":
        return members(ctx, frame, "gi_bin", BIN_ORDER, tuple(BIN_LABELS_ZH[b] for b in BIN_ORDER),
                       tuple(BIN_LABELS_EN[b] for b in BIN_ORDER))
    return members(ctx, frame, "class", [5, 4, 3, 2, 1], BREAK_LABELS_ZH[::-1], BREAK_LABELS_EN[::-1])


CAPTIONS = {"bins": ("置信度分箱", "confidence bins"), "breaks": ("自然断点", "natural breaks")}


def step(ctx, opts) -> None:
    from ... import hotspot

    c, year = col(ctx, opts), last_year(ctx, opts)
    res = hotspot.gi_star(ctx.data, c, ctx.w)
    frame = res.to_frame()
    schemes = ["bins", "breaks"] if opts["scheme"] == "both" else [opts["scheme"]]
    for scheme in schemes:
        zh, en = CAPTIONS[scheme]
        suffix = "" if len(schemes) == 1 else f"_{scheme}"
        ctx.table(f"gi_star_classes{suffix}", _classes_table(ctx, frame, scheme),
                  t(ctx, f"Gi* 冷热点分区（{zh}）及其地区", f"Regions by Gi* class ({en})"))
        unit_table_and_map(ctx, res, f"gi_star{suffix}", (f"Getis-Ord Gi* 冷热点（{zh}）",
                                                          f"Getis-Ord Gi* hot spots ({en})"), year,
                           (f"冷热点分布（{year}，{zh}）", f"Hot and cold spots ({year}, {en})"), opts["years"],
                           frame=frame, scheme=scheme)
        if ctx.study.study.get("explore"):
            cap = t(ctx, f"冷热点分布（{year}，{zh}，交互式）", f"Hot and cold spots ({year}, {en}, interactive)")
            ctx.interactive(f"gi_star{suffix}_explore", res.explore(ctx.gdf, period=year, scheme=scheme,
                                                                     lang=ctx.lang, title=cap), cap)


ANALYSIS = Analysis(
    cost=5.0,  # rough serial seconds at prefecture level (dispatch order of parallel runs only)
    name="gi_star", order=60, summary="Getis-Ord Gi* hot and cold spots: membership table, per-region table, maps",
    options={"column": COLUMN, "year": YEAR, "years": YEARS,
             "scheme": Opt(str, "bins", ("bins", "breaks", "both"),
                           doc="ArcGIS confidence bins, five natural-breaks classes of z, or both; the table "
                               "follows the map")},
    step=step, uses_weights=True)

"""Maps of China in the China Albers equal-area projection with a South China Sea inset.

The main panel shows the mainland and Hainan (north of 17.5°N); an inset in the lower
right shows the South China Sea with the maritime line, as Chinese journals require.
These are research figures, not officially approved maps (no 审图号).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._guards import InputError
from ..geometry._load import provinces, south_china_sea_line
from ..geometry.coords import ALBERS_CHINA
from ._mpl import pyplot

__all__ = ["china_map"]

MAIN_LONLAT = (73.0, 17.5, 135.5, 54.0)
INSET_LONLAT = (106.0, 2.5, 123.5, 24.5)


def _albers_box(lonlat: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    box = shapely.segmentize(shapely.box(*lonlat), 0.5)
    return tuple(gpd.GeoSeries([box], crs=4326).to_crs(ALBERS_CHINA).total_bounds)


def _draw(ax, frame: gpd.GeoDataFrame, column, *, cmap, scheme, k, categorical, edgecolor, linewidth,
          missing_color, legend, legend_kwds, missing_label="无数据"):
    base = provinces(include_sar=True, crs="albers")
    base.plot(ax=ax, color="#f2f2f2", edgecolor="#bbbbbb", linewidth=0.3)
    if column is None:
        frame.plot(ax=ax, color="#dfe8f1", edgecolor=edgecolor, linewidth=linewidth)
        return
    if isinstance(cmap, dict):  # explicit colour per category, legend in the mapping's order
        _draw_categories(ax, frame, column, cmap, edgecolor=edgecolor, linewidth=linewidth,
                         missing_color=missing_color, missing_label=missing_label, legend=legend,
                         legend_kwds=legend_kwds)
        return
    kw = dict(ax=ax, column=column, cmap=cmap, edgecolor=edgecolor, linewidth=linewidth, legend=legend,
              missing_kwds={"color": missing_color, "edgecolor": edgecolor, "linewidth": linewidth,
                            "label": missing_label})
    if legend:
        kw["legend_kwds"] = dict(legend_kwds or {})
    if categorical:
        kw["categorical"] = True
    elif scheme is not None:
        kw["scheme"] = scheme
        kw["k"] = k
    frame.plot(**kw)


def _draw_categories(ax, frame, column, colors: dict, *, edgecolor, linewidth, missing_color, missing_label, legend,
                     legend_kwds) -> None:
    from matplotlib.patches import Patch

    values = frame[column].astype(object)
    unknown = sorted({str(v) for v in values.dropna()} - {str(k) for k in colors})
    if unknown:
        raise ValueError(f"no colour given for categories {unknown}; colours exist for {list(colors)}")
    lookup = {str(k): c for k, c in colors.items()}
    fill = [missing_color if pd.isna(v) else lookup[str(v)] for v in values]
    frame.plot(ax=ax, color=fill, edgecolor=edgecolor, linewidth=linewidth)  # one layer, one colour per unit
    handles = [Patch(facecolor=c, edgecolor="#999999", linewidth=0.3, label=str(k)) for k, c in colors.items()]
    if values.isna().any():
        handles.append(Patch(facecolor=missing_color, edgecolor="#999999", linewidth=0.3, label=missing_label))
    if legend:
        ax.legend(handles=handles, **dict(legend_kwds or {}))


@contextmanager
def _no_idle_redraw(fig):
    """geopandas calls ``canvas.draw_idle()`` after every layer; with a non-interactive backend that draws
    the whole figure each time, so a page of small multiples costs O(layers²) draws.  The figure is drawn
    once when it is shown or saved."""
    canvas = fig.canvas
    saved = canvas.__dict__.get("draw_idle")
    canvas.draw_idle = lambda *a, **k: None
    try:
        yield
    finally:
        if saved is None:
            del canvas.draw_idle
        else:
            canvas.draw_idle = saved


def china_map(
    gdf: gpd.GeoDataFrame | None = None,
    column: str | None = None,
    *,
    ax=None,
    cmap: str | dict | None = None,
    scheme: str | None = "quantiles",
    k: int = 5,
    categorical: bool | None = None,
    labels: Literal["short", "zh", "en"] | None = None,
    title: str | None = None,
    inset: bool = True,
    north_arrow: bool = True,
    scale_bar_km: float | None = 1000,
    legend: bool = True,
    legend_kwds: dict | None = None,
    edgecolor: str = "white",
    linewidth: float = 0.4,
    missing_color: str = "#d9d9d9",
    missing_label: str | None = None,
    lang: Literal["zh", "en"] = "zh",
    figsize: tuple[float, float] = (8.0, 6.4),
):
    """Draw a choropleth (or outline) map of China with a South China Sea inset.

    Parameters
    ----------
    gdf : GeoDataFrame, optional
        Units to draw (any CRS; projected to China Albers).  Default: the provinces.
    column : str, optional
        Column to colour by; numbers are classed by ``scheme`` (mapclassify: "quantiles",
        "equalinterval", "naturalbreaks", "fisherjenks", …; ``None`` for a continuous
        colour bar), text or categorical columns get one colour per category.
    labels : {"short", "zh", "en"}, optional
        Write each unit's short Chinese name, full Chinese name or English name at a point
        inside it (bundled CJK font).
    title : str, optional
    inset : bool, default True
        Add the South China Sea inset (lower right).
    north_arrow : bool, default True
    scale_bar_km : float or None, default 1000
        Length of the scale bar in km.  Albers is equal-area, not equidistant: the bar is
        exact on the standard parallels (25°N, 47°N), within 2 % between them and within
        3.5 % anywhere from 18°N to 53°N (pyproj scale factors).
    cmap : str or dict, optional
        Default "YlOrRd" for numbers, "Set2" for categories.  A dict ``{category: colour}`` fixes the
        colour of each category and the legend order (used for LISA, Gi* and coupling grades).
    missing_label : str, optional
        Legend entry of units without a value (default "无数据" or "No data" by ``lang``).
    lang : {"zh", "en"}, default "zh"
        Language of the map furniture: the inset caption (南海诸岛 / South China Sea Islands) and
        the missing-value label.  Category names and titles are drawn as given.
    legend, legend_kwds, k, edgecolor, linewidth, missing_color, figsize
        Passed to :meth:`GeoDataFrame.plot`.

    Returns
    -------
    matplotlib Axes of the main panel (the inset is ``ax.spatialq_inset``).

    A ``column`` with infinite values is an error naming the units; a column with no values at all
    is an error naming it (missing values among others are drawn in ``missing_color``).
    """
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    if missing_label is None:
        missing_label = "无数据" if lang == "zh" else "No data"
    plt = pyplot()
    frame = provinces(crs="albers") if gdf is None else gdf.to_crs(ALBERS_CHINA)
    if column is not None and column not in frame.columns:
        raise KeyError(f"column {column!r} not in the frame; columns: {list(frame.columns)}")
    if column is not None:
        _check_column(frame, column)
    if categorical is None and column is not None:
        categorical = not pd.api.types.is_numeric_dtype(frame[column])
    if cmap is None:
        cmap = "Set2" if categorical else "YlOrRd"
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    with _no_idle_redraw(ax.figure):
        _draw(ax, frame, column, cmap=cmap, scheme=scheme, k=k, categorical=bool(categorical), edgecolor=edgecolor,
              linewidth=linewidth, missing_color=missing_color, missing_label=missing_label, legend=legend,
              legend_kwds=legend_kwds or ({"loc": "lower left", "fontsize": 8, "frameon": False}
                                          if (categorical or scheme) else {"shrink": 0.6}))
        x0, y0, x1, y1 = _albers_box(MAIN_LONLAT)
        ax.set_xlim(x0 + 0.12 * (x1 - x0), x1 - 0.02 * (x1 - x0))
        ax.set_ylim(y0, y1)
        ax.set_aspect("equal")
        ax.set_axis_off()
        ax.set_xlabel("")
        ax.set_ylabel("")
        if labels:
            col = {"short": "name_short", "zh": "name_zh", "en": "name_en"}[labels]
            if col not in frame.columns:
                raise KeyError(f"labels={labels!r} needs a {col!r} column")
            from matplotlib import patheffects

            halo = [patheffects.withStroke(linewidth=1.6, foreground="white")]
            pts = frame.geometry.representative_point()
            for (_, row), p in zip(frame.iterrows(), pts):
                if y0 <= p.y <= y1:
                    ax.annotate(str(row[col]), (p.x, p.y), ha="center", va="center", fontsize=6.5, color="#222222",
                                path_effects=halo)
        if title:
            ax.set_title(title)
        if north_arrow:
            _north_arrow(ax)
        if scale_bar_km:
            _scale_bar(ax, scale_bar_km)
        if inset:
            ax.spatialq_inset = _inset(ax, frame, column, cmap=cmap, scheme=scheme, k=k,
                                       categorical=bool(categorical), edgecolor=edgecolor, linewidth=linewidth,
                                       missing_color=missing_color, lang=lang)
    return ax


def _units(frame: gpd.GeoDataFrame, mask) -> str:
    """The units under ``mask``, by index and Chinese name when there is one (at most eight)."""
    mask = np.asarray(mask, dtype=bool)
    names = frame["name_zh"].to_numpy() if "name_zh" in frame.columns else None
    out = [f"{frame.index[k]} {names[k]}" if names is not None and isinstance(names[k], str) else str(frame.index[k])
           for k in np.flatnonzero(mask)[:8]]
    more = int(mask.sum()) - len(out)
    return ", ".join(out) + (f" and {more} more" if more > 0 else "")


def _check_column(frame: gpd.GeoDataFrame, column: str) -> None:
    """A map of ``column`` needs at least one value, and no infinite ones (they would be drawn in the top class)."""
    values = frame[column]
    if values.isna().all():
        raise InputError(f"china_map: column {column!r} has no values (all {len(values)} are missing); nothing to "
                         "colour — check the join of your data onto the geometry (ids as 6-character adcodes)")
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        inf = np.isinf(values.to_numpy(dtype=float))
        if inf.any():
            raise InputError(f"china_map: column {column!r} has infinite values at {_units(frame, inf)}; replace them "
                             "(e.g. a ratio with a zero denominator) or set them to NaN to draw them as missing")


def _inset(ax, frame, column, lang="zh", **kw):
    iax = ax.inset_axes([0.80, 0.0, 0.2, 0.3])
    _draw(iax, frame, column, legend=False, legend_kwds=None, **kw)
    south_china_sea_line(crs=ALBERS_CHINA).plot(ax=iax, color="#555555", linewidth=0.8)
    x0, y0, x1, y1 = _albers_box(INSET_LONLAT)
    iax.set_xlim(x0, x1)
    iax.set_ylim(y0, y1)
    iax.set_aspect("equal")
    iax.set_xticks([])
    iax.set_yticks([])
    iax.set_xlabel("")
    iax.set_ylabel("")
    for s in iax.spines.values():
        s.set_linewidth(0.6)
    iax.text(0.5, 0.04, "南海诸岛" if lang == "zh" else "South China Sea Islands", transform=iax.transAxes,
             ha="center", fontsize=6 if lang == "zh" else 4.5)
    return iax


def _north_arrow(ax) -> None:
    ax.annotate("N", xy=(0.06, 0.93), xytext=(0.06, 0.84), xycoords="axes fraction", ha="center", va="center",
                fontsize=9, arrowprops=dict(facecolor="black", width=2.5, headwidth=8, headlength=8))


def _scale_bar(ax, km: float) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    sx = x0 + 0.03 * (x1 - x0)
    sy = y0 + 0.74 * (y1 - y0)
    length = km * 1000.0
    ax.plot([sx, sx + length], [sy, sy], color="black", linewidth=2, solid_capstyle="butt")
    for x in (sx, sx + length / 2, sx + length):
        ax.plot([x, x], [sy, sy + 0.008 * (y1 - y0)], color="black", linewidth=1)
    ax.text(sx + length / 2, sy + 0.015 * (y1 - y0), f"{km:g} km", ha="center", va="bottom", fontsize=7)

"""Maps of China in the China Albers equal-area projection with a South China Sea inset.

The main panel shows the mainland and Hainan (north of 17.5°N); an inset in the lower
right shows the South China Sea with the maritime line, as Chinese journals require.
These are research figures, not officially approved maps (no 审图号).
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from contextlib import contextmanager
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._guards import InputError
from ..geometry._load import provinces, south_china_sea_line
from ..geometry.coords import ALBERS_CHINA
from ._layout import _legend_spec, label_anchor, land_albers, layout_for, refresh
from ._mpl import mapclassify, pyplot

__all__ = ["china_map"]

MAIN_LONLAT = (73.0, 17.5, 135.5, 54.0)
NEAR_WHITE = 0.93
"""Fills with a luma (0.299 R + 0.587 G + 0.114 B, sRGB in 0–1) at or above this vanish on white paper."""
NEAR_WHITE_FILL = "#e3e3e3"
"""What a near-white category fill (LISA 不显著, Gi* 过渡区 …) is drawn in instead: a light grey."""
DARK_EDGE = "#8c8c8c"
"""Unit borders when some fill is light (luma > 0.85): mid grey, so light units keep their outline."""
MISSING_HATCH = "////"
LEADER = {"arrowstyle": "-", "color": "#555555", "linewidth": 0.4, "shrinkA": 1.0, "shrinkB": 0.0}
"""Leader line from a label moved aside to its unit."""


def luma(color) -> float:
    """Rec. 601 luma of a matplotlib colour (0 black … 1 white)."""
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(color)
    return 0.299 * r + 0.587 * g + 0.114 * b


def _near_white(color) -> bool:
    """Light (luma ≥ :data:`NEAR_WHITE`) and colourless (channel spread < 0.1): white or a whisper of grey."""
    from matplotlib.colors import to_rgb

    rgb = to_rgb(color)
    return luma(color) >= NEAR_WHITE and max(rgb) - min(rgb) < 0.1


def visible_colors(colors: dict) -> dict:
    """Category colours with near-white grey fills (e.g. "not significant" in ``#eeeeee``) replaced by
    :data:`NEAR_WHITE_FILL`; pale but coloured fills (the first class of a sequential ramp) are kept."""
    return {k: (NEAR_WHITE_FILL if _near_white(c) else c) for k, c in colors.items()}


def auto_edgecolor(cmap, categorical: bool) -> str:
    """White borders when every fill is dark enough to show them, else :data:`DARK_EDGE`."""
    import matplotlib as mpl

    if isinstance(cmap, dict):
        fills = list(visible_colors(cmap).values())
    else:
        cm = mpl.colormaps[cmap]
        fills = [cm(i) for i in range(cm.N)] if categorical and cm.N <= 20 else [cm(0.0), cm(1.0)]
    return "white" if max(luma(c) for c in fills) <= 0.85 else DARK_EDGE
INSET_LONLAT = (106.0, 2.5, 123.5, 24.5)


@functools.cache
def _albers_box(lonlat: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    box = shapely.segmentize(shapely.box(*lonlat), 0.5)
    return tuple(gpd.GeoSeries([box], crs=4326).to_crs(ALBERS_CHINA).total_bounds)


# -- geometry work done once per process ----------------------------------------------------------------------------
#
# Every map of a study draws the same boundaries: the units (projected to China Albers), the grey provinces under
# them and, in the inset, both again.  Projecting them and turning every polygon into a matplotlib path is most of
# the time of a map, so both are cached here, keyed on the geometry's content (sha256 of each geometry's WKB, and of
# the source CRS), never on object identity: a cached value is exactly what would be computed again, so no result
# depends on what was drawn before.  The caches are bounded (least recently used entries go first).

PROJECTED_CACHE = 8
"""Frames whose projected geometry is kept (a frame is a sequence of geometries in one CRS)."""
PATH_CACHE = 20_000
"""Polygons whose matplotlib path is kept."""

_LOCK = threading.Lock()
_PROJECTED: OrderedDict = OrderedDict()  # frame digest -> (projected geometries, their digests)
_PATHS: OrderedDict = OrderedDict()  # geometry digest -> matplotlib Path


def _cache_get(cache: OrderedDict, key):
    with _LOCK:
        value = cache.get(key)
        if value is not None:
            cache.move_to_end(key)
        return value


def _cache_put(cache: OrderedDict, key, value, limit: int) -> None:
    with _LOCK:
        cache[key] = value
        cache.move_to_end(key)
        while len(cache) > limit:
            cache.popitem(last=False)


def geometry_digests(geoms) -> np.ndarray:
    """sha256 of each geometry's WKB (``b""`` for a missing geometry): equal digests, equal geometries.

    Parameters
    ----------
    geoms : array-like of shapely geometries

    Returns
    -------
    numpy.ndarray
        Object array of 32-byte digests, aligned with ``geoms``.
    """
    wkb = shapely.to_wkb(np.asarray(geoms, dtype=object))
    return np.array([b"" if w is None else hashlib.sha256(w).digest() for w in wkb], dtype=object)


def albers_frame(gdf: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """``gdf.to_crs(ALBERS_CHINA)`` and the digests of its geometries (:func:`geometry_digests`).

    The projected geometries of a frame are kept (:data:`PROJECTED_CACHE` frames), keyed on the source CRS and the
    digests of the source geometries, so a second map of the same boundaries does not project them again.  The
    result is the frame ``to_crs`` returns (a new frame; its geometries are immutable shapely objects).

    Parameters
    ----------
    gdf : GeoDataFrame
        Any CRS (a frame without one is an error, as in ``to_crs``).

    Returns
    -------
    (GeoDataFrame, numpy.ndarray)
        The projected frame and the digests of its geometries.
    """
    if gdf.crs is None or gdf.crs.is_exact_same(_albers_crs()):
        frame = gdf.to_crs(ALBERS_CHINA)
        return frame, geometry_digests(frame.geometry.to_numpy())
    source = geometry_digests(gdf.geometry.to_numpy())
    h = hashlib.sha256(gdf.crs.to_wkt().encode())
    for d in source:
        h.update(d or b"-")
    key = h.digest()
    hit = _cache_get(_PROJECTED, key)
    if hit is None:
        projected = gdf.geometry.to_crs(ALBERS_CHINA).to_numpy()
        hit = (projected, geometry_digests(projected))
        _cache_put(_PROJECTED, key, hit, PROJECTED_CACHE)
    frame = gdf.copy()
    frame.geometry = gpd.GeoSeries(hit[0].copy(), index=gdf.index, crs=ALBERS_CHINA, name=gdf.geometry.name)
    return frame, hit[1]


@functools.cache
def _albers_crs():
    from pyproj import CRS

    return CRS.from_user_input(ALBERS_CHINA)


@functools.cache
def _base() -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """The grey provinces under every map (with Hong Kong, Macao, Taiwan) in China Albers, and their digests.
    Internal and read-only."""
    frame = provinces(include_sar=True, crs="albers")
    return frame, geometry_digests(frame.geometry.to_numpy())


@functools.cache
def _maritime_line() -> gpd.GeoDataFrame:
    """The South China Sea line in China Albers (internal, read-only)."""
    return south_china_sea_line(crs=ALBERS_CHINA)


def _polygon_path(geom):
    """The path geopandas draws for a (Multi)Polygon: its normalised rings, each closed, as one compound path."""
    from matplotlib.path import Path

    geom = shapely.normalize(geom)
    parts = [geom] if geom.geom_type == "Polygon" else geom.geoms
    rings = []
    for part in parts:
        rings.append(Path(np.asarray(part.exterior.coords)[:, :2], closed=True))
        rings.extend(Path(np.asarray(ring.coords)[:, :2], closed=True) for ring in part.interiors)
    path = Path.make_compound_path(*rings)
    return Path(path.vertices, path.codes, readonly=True)


def _paths(geoms: np.ndarray, keys: np.ndarray) -> list:
    out = []
    for geom, key in zip(geoms, keys):
        path = _cache_get(_PATHS, key)
        if path is None:
            path = _polygon_path(geom)
            _cache_put(_PATHS, key, path, PATH_CACHE)
        out.append(path)
    return out


def _plain_polygons(geoms: np.ndarray) -> bool:
    """Only non-empty Polygons and MultiPolygons (what :func:`_polygons` draws as geopandas does)."""
    if len(geoms) == 0:
        return False
    kinds = shapely.get_type_id(geoms)  # -1 for a missing geometry
    return bool(np.isin(kinds, (3, 6)).all() and not shapely.is_empty(geoms).any())


def _polygons(ax, frame: gpd.GeoDataFrame, keys: np.ndarray, *, color=None, facecolor=None, edgecolor, linewidth,
              hatch=None, view=None) -> None:
    """``frame.plot(ax=ax, color=…, edgecolor=…, linewidth=…, hatch=…)`` for a frame of polygons in China Albers,
    with the paths from the cache: the same collection (normalised rings, one compound path per unit, the same
    colours, axis labels, aspect and data limits), so the same pixels.  Frames with other geometries (missing,
    empty, collections, lines) go to geopandas.

    ``view`` (x0, y0, x1, y1): leave out units whose bounds lie wholly outside this box widened by a quarter of
    its size on every side — for an axes whose limits are that box (the inset), they draw no pixel."""
    geoms = frame.geometry.to_numpy()
    if not _plain_polygons(geoms):
        style = {"edgecolor": edgecolor, "linewidth": linewidth}
        if color is not None:
            style["color"] = color
        if facecolor is not None:
            style["facecolor"] = facecolor
        if hatch is not None:
            style["hatch"] = hatch
        frame.plot(ax=ax, **style)
        return
    from matplotlib.collections import PathCollection

    many = color is not None and not isinstance(color, str) and len(color) == len(geoms)
    fill = (np.asarray(color) if many else color) if color is not None else facecolor
    keep = np.ones(len(geoms), dtype=bool)
    if view is not None:
        x0, y0, x1, y1 = view
        mx, my = 0.25 * (x1 - x0), 0.25 * (y1 - y0)
        b = shapely.bounds(geoms)
        keep = (b[:, 2] >= x0 - mx) & (b[:, 0] <= x1 + mx) & (b[:, 3] >= y0 - my) & (b[:, 1] <= y1 + my)
        if many:
            fill = fill[keep]
    _axis_labels(ax, frame.crs)
    ax.set_aspect("equal")  # geopandas' aspect="auto" for a projected CRS
    kw = {"facecolor": fill, "edgecolor": edgecolor, "linewidth": linewidth}
    if hatch is not None:
        kw["hatch"] = hatch
    coll = PathCollection(_paths(geoms[keep], keys[keep]), **kw)
    ax.add_collection(coll, autolim=True)
    ax.autoscale_view()


def _axis_labels(ax, crs) -> None:
    """The axis labels geopandas gives a map from its CRS (later set to "" by the map; kept so the axes is the
    same)."""
    x_label = f"{crs.axis_info[0].name} [{crs.axis_info[0].unit_name}]"
    y_label = f"{crs.axis_info[1].name} [{crs.axis_info[1].unit_name}]"
    if crs.axis_info[0].direction == "north":
        x_label, y_label = y_label, x_label
    if ax.get_xlabel() == "":
        ax.set_xlabel(x_label, fontsize="small")
    if ax.get_ylabel() == "":
        ax.set_ylabel(y_label, fontsize="small")


def _draw(ax, frame: gpd.GeoDataFrame, column, *, cmap, scheme, k, categorical, edgecolor, linewidth,
          missing_color, legend, legend_kwds, missing_label="无数据", facecolor="#dfe8f1", keys=None, view=None):
    base, base_keys = _base()
    _polygons(ax, base, base_keys, color="#f2f2f2", edgecolor="#bbbbbb", linewidth=0.3, view=view)
    if keys is None:
        keys = geometry_digests(frame.geometry.to_numpy())
    if column is None:
        _polygons(ax, frame, keys, color=facecolor, edgecolor=edgecolor, linewidth=linewidth, view=view)
        return
    if isinstance(cmap, dict):  # explicit colour per category, legend in the mapping's order
        _draw_categories(ax, frame, column, cmap, edgecolor=edgecolor, linewidth=linewidth,
                         missing_color=missing_color, missing_label=missing_label, legend=legend,
                         legend_kwds=legend_kwds, keys=keys, view=view)
        return
    kw = dict(ax=ax, column=column, cmap=cmap, edgecolor=edgecolor, linewidth=linewidth, legend=legend,
              missing_kwds={"facecolor": missing_color, "edgecolor": edgecolor, "linewidth": linewidth,
                            "hatch": MISSING_HATCH, "label": missing_label})
    if legend:
        kw["legend_kwds"] = dict(legend_kwds or {})
    if categorical:
        kw["categorical"] = True
    elif scheme is not None:
        mapclassify()  # (geopandas classifies through mapclassify: imported here without its import-time compile)
        kw["scheme"] = scheme
        kw["k"] = k
    frame.plot(**kw)


def _draw_categories(ax, frame, column, colors: dict, *, edgecolor, linewidth, missing_color, missing_label, legend,
                     legend_kwds, keys, view=None) -> None:
    from matplotlib.patches import Patch

    values = frame[column].astype(object)
    unknown = sorted({str(v) for v in values.dropna()} - {str(k) for k in colors})
    if unknown:
        raise ValueError(f"no colour given for categories {unknown}; colours exist for {list(colors)}")
    colors = visible_colors(colors)
    lookup = {str(k): c for k, c in colors.items()}
    known = values.notna().to_numpy()
    fill = [lookup[str(v)] for v in values[known]]
    if known.any():  # one colour per unit
        _polygons(ax, frame[known], keys[known], color=fill, edgecolor=edgecolor, linewidth=linewidth, view=view)
    if not known.all():
        _polygons(ax, frame[~known], keys[~known], facecolor=missing_color, edgecolor=edgecolor, linewidth=linewidth,
                  hatch=MISSING_HATCH, view=view)
    handles = [Patch(facecolor=c, edgecolor="#8c8c8c", linewidth=0.4, label=str(k)) for k, c in colors.items()]
    if not known.all():
        handles.append(Patch(facecolor=missing_color, edgecolor="#8c8c8c", linewidth=0.4, hatch=MISSING_HATCH,
                             label=missing_label))
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
    edgecolor: str | None = None,
    linewidth: float = 0.4,
    missing_color: str = "#d9d9d9",
    missing_label: str | None = None,
    facecolor: str = "#dfe8f1",
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
    facecolor : str, default "#dfe8f1"
        Fill of the units of an outline map (``column=None``).
    missing_label : str, optional
        Legend entry of units without a value (default "无数据" or "No data" by ``lang``).
    lang : {"zh", "en"}, default "zh"
        Language of the map furniture: the inset caption (南海诸岛 / South China Sea Islands) and
        the missing-value label.  Category names and titles are drawn as given.
    edgecolor : str, optional
        Unit borders.  Default: white when every fill is dark enough to show a white line, else mid grey
        (:data:`DARK_EDGE`), so that light units keep their outline on white paper.
    legend, legend_kwds, k, linewidth, missing_color, figsize
        Passed to :meth:`GeoDataFrame.plot`.  Without ``loc``/``bbox_to_anchor`` in ``legend_kwds`` the
        legend is placed where its frame covers no land (see :mod:`spatialq.plot._layout`).

    Notes
    -----
    Near-white grey category fills (luma ≥ 0.93, e.g. a "not significant" class in ``#eeeeee``) are drawn in
    :data:`NEAR_WHITE_FILL`; missing values are hatched.  The legend, north arrow and scale bar sit on a
    white, slightly transparent frame where they cover no unit, and unit labels do not overlap (labels of
    small units move aside with a leader line); these placements are redone when the figure's layout
    changes (:mod:`spatialq.plot._layout`).

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
    frame, keys = albers_frame(provinces() if gdf is None else gdf)
    if column is not None and column not in frame.columns:
        raise KeyError(f"column {column!r} not in the frame; columns: {list(frame.columns)}")
    if column is not None:
        _check_column(frame, column)
    if categorical is None and column is not None:
        categorical = not pd.api.types.is_numeric_dtype(frame[column])
    if cmap is None:
        cmap = "Set2" if categorical else "YlOrRd"
    if edgecolor is None:
        edgecolor = auto_edgecolor(cmap, bool(categorical)) if column is not None else DARK_EDGE
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    with _no_idle_redraw(ax.figure):
        _draw(ax, frame, column, cmap=cmap, scheme=scheme, k=k, categorical=bool(categorical), edgecolor=edgecolor,
              linewidth=linewidth, missing_color=missing_color, missing_label=missing_label, legend=legend,
              facecolor=facecolor, keys=keys,
              legend_kwds=legend_kwds or ({"fontsize": 8}
                                          if (categorical or scheme) else {"shrink": 0.6}))
        x0, y0, x1, y1 = _albers_box(MAIN_LONLAT)
        ax.set_xlim(x0 + 0.12 * (x1 - x0), x1 - 0.02 * (x1 - x0))
        ax.set_ylim(y0, y1)
        ax.set_aspect("equal")
        ax.set_axis_off()
        ax.set_xlabel("")
        ax.set_ylabel("")
        layout = layout_for(ax)
        layout.land = land_albers()
        if labels:
            col = {"short": "name_short", "zh": "name_zh", "en": "name_en"}[labels]
            if col not in frame.columns:
                raise KeyError(f"labels={labels!r} needs a {col!r} column")
            layout.labels = _labels(ax, frame, col, y0, y1)
        if title:
            ax.set_title(title)
        if inset:
            ax.spatialq_inset = _inset(ax, frame, column, keys=keys, cmap=cmap, scheme=scheme, k=k,
                                       categorical=bool(categorical), edgecolor=edgecolor, linewidth=linewidth,
                                       missing_color=missing_color, lang=lang, facecolor=facecolor)
        layout.scale_bar_km = scale_bar_km or None
        layout.north_arrow = bool(north_arrow)
        leg = ax.get_legend()
        placed_by_user = bool(legend_kwds) and ("loc" in legend_kwds or "bbox_to_anchor" in legend_kwds)
        layout.legend = _legend_spec(leg) if (legend and leg is not None and not placed_by_user) else None
        refresh(ax)
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
    x0, y0, x1, y1 = _albers_box(INSET_LONLAT)
    _draw(iax, frame, column, legend=False, legend_kwds=None, view=(x0, y0, x1, y1), **kw)  # its limits: the view
    _maritime_line().plot(ax=iax, color="#555555", linewidth=0.8)
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
             ha="center", fontsize=6 if lang == "zh" else 4.5,
             bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})
    return iax


def _labels(ax, frame, col: str, y0: float, y1: float) -> list:
    """One annotation per unit at its pole of inaccessibility, largest unit first (the placement order)."""
    from matplotlib import patheffects

    halo = [patheffects.withStroke(linewidth=1.6, foreground="white")]
    order = np.argsort(-frame.geometry.area.to_numpy(), kind="stable")
    out = []
    for k in order:
        geom = frame.geometry.iloc[k]
        if geom is None or geom.is_empty:
            continue
        x, y = label_anchor(geom)
        if y0 <= y <= y1:
            out.append(ax.annotate(str(frame[col].iloc[k]), (x, y), xytext=(0, 0), textcoords="offset points",
                                   ha="center", va="center", fontsize=6.5, color="#222222", path_effects=halo,
                                   zorder=5, arrowprops=LEADER))
    return out

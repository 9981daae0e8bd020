"""Interactive maps that need nothing from the network: one self-contained HTML page (inline SVG, a few lines of
script, no tile layer, no CDN).

``explore(gdf, values)`` draws each unit as an SVG path in China Albers (simplified to half a pixel at the
page's width), coloured by category (a ``{label: colour}`` legend, as :func:`spatialq.plot.category_map`) or by
natural breaks of a number (mapclassify's Fisher–Jenks, as :func:`spatialq.plot.china_map`); hovering a unit
shows its name and value, the wheel zooms, dragging pans, a double click resets.  The nine-dash line of the South
China Sea, Taiwan, Hong Kong and Macao are drawn in grey, so a national map is complete.
``LocalMoranResult.explore`` and ``GiStarResult.explore`` use it with the colours of their static maps, and
a study embeds the pages in its index (``[study] explore = true``).

Why not folium: ``GeoDataFrame.explore`` writes pages that load Leaflet and its CSS from a CDN even with no tile
layer, so they break offline and fetch code at view time; everything here is in the file.  Names and values from
data are HTML-escaped; colours are checked to be ``#rrggbb``.
"""

from __future__ import annotations

import functools
import hashlib
import html
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["Explorer", "explore"]

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_NO_DATA = "#dddddd"
_SCRIPT = """(function(){var s=document.getElementById('%(id)s');if(!s)return;var v0=s.getAttribute('viewBox')
.split(' ').map(Number),v=v0.slice(),drag=null;function set(){s.setAttribute('viewBox',v.join(' '));}
s.addEventListener('wheel',function(e){e.preventDefault();var r=s.getBoundingClientRect(),f=e.deltaY<0?0.8:1.25,
px=v[0]+(e.clientX-r.left)/r.width*v[2],py=v[1]+(e.clientY-r.top)/r.height*v[3];v=[px-(px-v[0])*f,
py-(py-v[1])*f,v[2]*f,v[3]*f];set();},{passive:false});s.addEventListener('mousedown',function(e){drag=[e.clientX,
e.clientY,v[0],v[1]];});window.addEventListener('mouseup',function(){drag=null;});s.addEventListener('mousemove',
function(e){if(!drag)return;var r=s.getBoundingClientRect();v[0]=drag[2]-(e.clientX-drag[0])/r.width*v[2];
v[1]=drag[3]-(e.clientY-drag[1])/r.height*v[3];set();});s.addEventListener('dblclick',function(){v=v0.slice();
set();});s.dataset.ready='1';})();"""


@dataclass(frozen=True)
class Explorer:
    """A self-contained interactive map: ``fragment`` (a ``<div>`` to embed), ``html`` (a whole page),
    ``save(path)``; shown inline in Jupyter."""

    fragment: str
    title: str
    lang: str

    @property
    def html(self) -> str:
        """The map as a standalone HTML page."""
        return (f'<!doctype html>\n<html lang="{self.lang}"><head><meta charset="utf-8">'
                f"<title>{html.escape(self.title)}</title></head><body>\n{self.fragment}\n</body></html>\n")

    def save(self, path: str | Path) -> Path:
        """Write :attr:`html` to ``path`` (UTF-8, atomically; a symbolic link at ``path`` is refused), as a study
        writes its files (:func:`spatialq.study.output.atomic_write_text`)."""
        from ..study.output import atomic_write_text

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, self.html)
        return path

    def _repr_html_(self) -> str:
        return self.fragment


def _tenths_text(t: np.ndarray) -> np.ndarray:
    """Integers counting tenths as the shortest decimal text: 1234 → "123.4", 1230 → "123", −5 → "-0.5"."""
    a = np.abs(t)
    frac = np.where(a % 10 != 0, np.char.add(".", (a % 10).astype(str)), "")
    return np.char.add(np.where(t < 0, "-", ""), np.char.add((a // 10).astype(str), frac))


def _pairs(coords: np.ndarray, x0: float, y1: float, scale: float) -> list[str]:
    """Map coordinates (metres) as SVG pixels "x,y": x from the left edge ``x0``, y down from the top ``y1``,
    rounded to 0.1 px."""
    tenths = np.rint(np.column_stack([(coords[:, 0] - x0) * scale, (y1 - coords[:, 1]) * scale]) * 10)
    text = _tenths_text(tenths.astype(np.int64))
    return np.char.add(np.char.add(text[:, 0], ","), text[:, 1]).tolist()


def _paths(geoms, x0: float, y1: float, scale: float) -> list[str]:
    """SVG path data of each (multi)polygon of ``geoms``: ``M x,y x,y … Z`` per ring of three points or more (the
    closing point left out), in pixels from the left (x) and down from the top (y) of the box whose upper left
    corner is (``x0``, ``y1``), rounded to 0.1 px and written as the shortest decimal.  Every coordinate of every
    ring is projected and formatted in one vectorised pass; "" for a geometry with no polygon."""
    import shapely

    geoms = np.asarray(geoms, dtype=object)
    parts, owner = shapely.get_parts(geoms, return_index=True)
    poly = shapely.get_type_id(parts) == 3
    rings, ring_part = shapely.get_rings(parts[poly], return_index=True)
    ring_owner = owner[poly][ring_part]
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    sizes = np.bincount(ring_of, minlength=len(rings))
    pairs = _pairs(coords, x0, y1, scale)
    out: list[list[str]] = [[] for _ in range(len(geoms))]
    stop = np.cumsum(sizes)
    for r in np.flatnonzero(sizes >= 3):
        out[ring_owner[r]].append("M" + " ".join(pairs[stop[r] - sizes[r]:stop[r] - 1]) + "Z")
    return ["".join(o) for o in out]


@functools.lru_cache(maxsize=4)
def _base_paths(x0: float, y1: float, scale: float) -> tuple[str, ...]:
    """The grey provinces (with Taiwan, Hong Kong, Macao) under a national map, simplified to half a pixel: the
    same for every national map of one width, so made once."""
    from ..geometry import provinces

    base = provinces(include_sar=True, crs="albers").geometry.simplify(0.5 / scale, preserve_topology=True)
    return tuple(_paths(base.to_numpy(), x0, y1, scale))


def _line_path(geom, x0: float, y1: float, scale: float) -> str:
    import shapely

    out = []
    for p in shapely.get_parts(geom):
        coords = np.asarray(p.coords) if p.geom_type == "LineString" else (
            np.asarray(p.exterior.coords) if p.geom_type == "Polygon" else None)
        if coords is None or len(coords) < 2:
            continue
        out.append("M" + " ".join(_pairs(coords[:, :2], x0, y1, scale)))
    return "".join(out)


def _classes(values: pd.Series, colors: dict | None, k: int, cmap: str):
    """(colour per unit, legend [(label, colour)]) for categories, or Fisher–Jenks classes of numbers with the
    static maps' bins and legend labels (:func:`spatialq.plot.choropleth.class_bins`, ``class_labels``)."""
    if colors is not None:
        bad = [c for c in colors.values() if not _HEX.match(str(c))]
        if bad:
            raise ValueError(f"explore: colours must be '#rrggbb', got {bad[:3]}")
        fill = values.map(lambda v: colors.get(v, _NO_DATA) if pd.notna(v) else _NO_DATA)
        return fill, [(str(lab), col) for lab, col in colors.items()]
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    from .choropleth import class_bins, class_labels

    num = pd.to_numeric(values, errors="coerce")
    ok = num.dropna()
    if ok.nunique() < 2:
        raise ValueError("explore: the values need at least two distinct numbers to be classed")
    bins = class_bins(ok, "fisherjenks", k=min(k, ok.nunique()))  # refuses infinite values, as the static maps
    palette = [to_hex(colormaps[cmap](x)) for x in np.linspace(0.15, 0.9, len(bins))]
    cls = np.searchsorted(bins, num.to_numpy(), side="left").clip(0, len(bins) - 1)
    fill = pd.Series([palette[c] if pd.notna(v) else _NO_DATA for c, v in zip(cls, num)], index=values.index)
    return fill, list(zip(class_labels(bins, float(ok.min())), palette))


def explore(gdf, values: pd.Series, *, colors: dict | None = None, title: str | None = None,
            names: pd.Series | None = None, k: int = 5, cmap: str = "YlOrRd", width: int = 760,
            lang: str = "zh") -> Explorer:
    """An interactive map of ``values`` (aligned to ``gdf``'s index) that works offline.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Units with geometry and a CRS (e.g. ``geometry.provinces()``), indexed by id.
    values : pandas.Series
        The value of each unit (index = ``gdf``'s ids): category labels with ``colors``, else numbers classed by
        Fisher–Jenks natural breaks into ``k`` classes of the matplotlib colormap ``cmap``.
    colors : dict, optional
        ``{label: "#rrggbb"}`` for categories, in legend order.
    title : str, optional
        Shown above the map.
    names : pandas.Series, optional
        Name of each unit for the hover text (default: ``gdf["name_zh"]`` when present, else the id).
    k, cmap
        Classes and colormap for numbers.
    width : int
        Width in pixels; paths are simplified to half a pixel.
    lang : {"zh", "en"}
        Language of the legend heading.

    Returns
    -------
    Explorer
        ``.html``, ``.fragment``, ``.save(path)``.
    """
    from ..geometry import south_china_sea_line, to_albers

    if gdf.crs is None:
        raise ValueError("explore: the GeoDataFrame has no CRS")
    g = to_albers(gdf[[gdf.geometry.name]])
    vals = values.reindex(g.index)
    if names is None:
        names = gdf["name_zh"] if "name_zh" in gdf.columns else pd.Series(g.index.astype(str), index=g.index)
    fill, legend = _classes(vals, colors, k, cmap)
    scs = south_china_sea_line(crs="albers")
    xmin, ymin, xmax, ymax = g.total_bounds
    sx0, sy0, sx1, sy1 = scs.total_bounds
    national = sx0 >= xmin - 5e5 and sx1 <= xmax + 5e5 and sy1 >= ymin - 5e5
    if national:  # the whole country: the nine-dash line and Taiwan, Hong Kong, Macao (grey) complete the map
        xmin, ymin, xmax, ymax = min(xmin, sx0), min(ymin, sy0), max(xmax, sx1), max(ymax, sy1)
    else:
        scs = scs.iloc[:0]
    scale = width / max(xmax - xmin, 1.0)
    height = max(round((ymax - ymin) * scale), 1)
    simple = g.geometry.simplify(0.5 / scale, preserve_topology=True)
    paths = [f'<path d="{d}" fill="#f2f2f2" stroke="#bbb" stroke-width="0.5"/>'
             for d in (_base_paths(float(xmin), float(ymax), float(scale)) if national else ())]
    for uid, d in zip(simple.index, _paths(simple.to_numpy(), xmin, ymax, scale)):
        v = vals.get(uid)
        shown = "" if v is None or (isinstance(v, float) and np.isnan(v)) else (
            v if isinstance(v, str) else f"{v:.4g}" if isinstance(v, (float, np.floating)) else str(v))
        tip = html.escape(f"{names.get(uid, uid)} ({uid}): {shown}")
        if d:
            paths.append(f'<path d="{d}" fill="{fill.get(uid, _NO_DATA)}" data-id="{html.escape(str(uid))}">'
                         f"<title>{tip}</title></path>")
    line = "".join(f'<path d="{_line_path(geom, xmin, ymax, scale)}" fill="none" stroke="#888" '
                   'stroke-width="1"/>' for geom in scs.geometry)
    body = "".join(paths) + line
    uid = "sqx-" + hashlib.sha1(body.encode()).hexdigest()[:10]
    head = "图例" if lang == "zh" else "Legend"
    items = "".join(f'<li><span style="display:inline-block;width:14px;height:10px;background:{c};'
                    f'border:1px solid #999;margin-right:6px"></span>{html.escape(lab)}</li>' for lab, c in legend)
    svg = (f'<svg id="{uid}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
           f'style="max-width:100%;height:auto;cursor:grab;background:#fff" xmlns="http://www.w3.org/2000/svg">'
           f'<style>#{uid} path[data-id]{{stroke:#fff;stroke-width:0.6;vector-effect:non-scaling-stroke}}'
           f"#{uid} path[data-id]:hover{{stroke:#000;stroke-width:1.5}}</style>{body}</svg>")
    fragment = ('<div class="spatialq-explore">'
                + (f"<h3>{html.escape(title)}</h3>" if title else "")
                + f'{svg}<div><strong>{head}</strong><ul style="list-style:none;padding-left:0">{items}</ul></div>'
                f"<script>{_SCRIPT % {'id': uid}}</script></div>")
    return Explorer(fragment=fragment, title=title or "spatialq", lang=lang)

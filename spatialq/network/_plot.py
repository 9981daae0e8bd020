"""Figures of spatial association networks: on the map of China and as small multiples by period.

Nodes sit at the units' centroids (China Albers equal-area), arcs are drawn with width proportional to their
weight y_ij (scaled within the figure), the basemap and the South China Sea inset come from
:func:`spatialq.plot.china_map` (bundled CJK font).  Matplotlib is imported only here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["draw_network", "network_map", "network_small_multiples"]


def _units_frame(net, geometry):
    from ..geometry import prefectures, provinces

    ids = list(net.ids)
    if geometry is None:
        ids = [str(i) for i in ids]
        prov = provinces()
        geometry = prov if all(i in prov.index for i in ids) else prefectures()
    missing = [i for i in ids if i not in geometry.index]
    if missing:
        from .._guards import InputError

        raise InputError(f"no geometry for units {missing[:10]}; pass geometry= (a GeoDataFrame indexed by id)")
    return geometry.loc[ids]


def _widths(w: np.ndarray, lo: float, hi: float) -> np.ndarray:
    if w.size == 0:
        return w
    top, bottom = float(w.max()), float(w.min())
    if top <= bottom:
        return np.full(w.shape, (lo + hi) / 2)
    return lo + (hi - lo) * (w - bottom) / (top - bottom)


def _arcs(ax, xy: np.ndarray, a: np.ndarray, w: np.ndarray, *, color: str, width: tuple[float, float],
          alpha: float, node_color: str, node_size: float) -> None:
    from matplotlib.collections import LineCollection

    i, j = np.nonzero(a)
    lw = _widths(np.log1p(w[i, j] / max(float(w[i, j].max()), 1e-300) * 1e3), *width) if i.size else []
    segs = np.stack([xy[i], xy[j]], axis=1) if i.size else np.zeros((0, 2, 2))
    ax.add_collection(LineCollection(segs, linewidths=lw, colors=color, alpha=alpha, zorder=3))
    deg = a.sum(axis=0) + a.sum(axis=1)
    size = node_size * (0.3 + deg / max(float(deg.max()), 1.0))
    ax.scatter(xy[:, 0], xy[:, 1], s=size, color=node_color, edgecolor="white", linewidth=0.4, zorder=4)


def network_map(net, period=None, *, geometry=None, ax=None, title: str | None = None, lang: str = "zh",
                color: str = "#cc3311", width: tuple[float, float] = (0.15, 2.0), alpha: float = 0.45,
                node_color: str = "#333333", node_size: float = 18.0, labels: bool = False, zoom: bool = False,
                **map_kw):
    """The network of ``period`` on the map of China: nodes at unit centroids (size ∝ degree), arcs with
    width ∝ log of weight (the range ``width`` in points), South China Sea inset.  ``zoom=True`` frames the
    network's units instead of all of China (no inset, e.g. for the Beijing–Tianjin–Hebei cities).
    Returns the Axes."""
    from ..geometry.coords import ALBERS_CHINA
    from ..plot.maps import china_map

    k = net._index(period)
    frame = _units_frame(net, geometry).to_crs(ALBERS_CHINA)
    if zoom:
        map_kw.setdefault("inset", False)
        map_kw.setdefault("scale_bar_km", None)
    ax = china_map(frame, None, ax=ax, title=title, lang=lang, edgecolor=map_kw.pop("edgecolor", "#bbbbbb"),
                   linewidth=map_kw.pop("linewidth", 0.2), **map_kw)
    pts = frame.geometry.centroid
    xy = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])
    _arcs(ax, xy, np.asarray(net.adjacency[k]), np.asarray(net.weights[k]), color=color, width=width, alpha=alpha,
          node_color=node_color, node_size=node_size)
    if zoom:
        x0, y0, x1, y1 = frame.total_bounds
        pad = 0.08 * max(x1 - x0, y1 - y0)
        ax.set_xlim(x0 - pad, x1 + pad)
        ax.set_ylim(y0 - pad, y1 + pad)
    if labels and "name_short" in frame.columns:
        for (x, y), name in zip(xy, frame["name_short"]):
            ax.annotate(str(name), (x, y), fontsize=6, ha="left", va="bottom", zorder=5)
    return ax


def network_small_multiples(net, periods: Sequence | None = None, *, geometry=None, ncols: int = 2,
                            panel_width: float = 4.2, title: str | None = None, lang: str = "zh", **kw):
    """One map panel per period (default: all periods); returns the Figure."""
    from ..plot.choropleth import map_panels

    chosen = list(net.periods if periods is None else periods)
    for p in chosen:
        net._index(p)

    def draw(ax, period, i):
        network_map(net, period, geometry=geometry, ax=ax, lang=lang, north_arrow=i == 0,
                    scale_bar_km=1000 if i == 0 else None, **kw)

    return map_panels(draw, chosen, ncols=ncols, panel_width=panel_width, title=title)


def draw_network(net, *, ax, period=None, color: str = "#4477aa", **kw):
    """The network of ``period`` on a circle (no map): for quick looks and non-geographic ids."""
    k = net._index(period)
    n = len(net.ids)
    ang = 2 * np.pi * np.arange(n) / n
    xy = np.column_stack([np.cos(ang), np.sin(ang)])
    _arcs(ax, xy, np.asarray(net.adjacency[k]), np.asarray(net.weights[k]), color=color,
          width=kw.pop("width", (0.2, 1.5)), alpha=kw.pop("alpha", 0.5), node_color=kw.pop("node_color", "#333333"),
          node_size=kw.pop("node_size", 30.0))
    if n <= 40:
        for (x, y), name in zip(xy, net.ids):
            ax.annotate(str(name), (1.08 * x, 1.08 * y), ha="center", va="center", fontsize=7)
    ax.set_xlim(-1.25, 1.25)
    ax.set_ylim(-1.25, 1.25)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return ax

"""Placement of map furniture, legends and unit labels so that nothing covers the map or another label.

A map axes carries a :class:`MapLayout` (``ax.spatialq_layout``).  Its placements are computed against the
drawn size of the axes, so they are redone whenever that size changes: a hidden figure artist drawn before
every axes (:class:`_Relayout`) re-runs the placement when the axes' size in inches differs from the last
run (after ``tight_layout``, a figure resize or a panel grid), and does nothing otherwise.

Rules (what a journal's production editor asks for):

* the legend, the north arrow and the scale bar sit on a white, slightly transparent frame, in the first
  free place of a fixed order of candidates (inside the axes) where the frame covers at most
  :data:`TOLERANCE` of its area with land or another panel (an inset); a legend that fits nowhere inside
  goes outside the axes, to the left;
* the scale bar's label is below the bar, never on it;
* unit labels are placed largest unit first at the pole of inaccessibility (the interior point farthest
  from the boundary, ``shapely.ops.polylabel``); a label that would overlap one already placed moves to the
  nearest free position around its unit and is tied to it with a thin leader line.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import shapely

__all__ = ["FRAME", "TOLERANCE", "MapLayout", "chart_legend", "layout_for"]

TOLERANCE = 0.005
"""Largest share of a legend's or scale bar's frame that may lie over land or an inset."""

FRAME = {"frameon": True, "facecolor": "white", "framealpha": 0.85, "edgecolor": "#9a9a9a", "fancybox": False}
"""Legend frame: white, slightly transparent, thin grey edge."""

_LEGEND_LOCS = ("lower left", "upper left", "center left", "lower center", "upper right", "upper center",
                "center right", "lower right")
_FURNITURE_LOCS = ("upper left", "lower left", "center left", "upper center", "lower center", "upper right")
_LABEL_DIRS = [(1, 0), (1, 1), (1, -1), (0, 1), (0, -1), (-1, 1), (-1, -1), (-1, 0)]
_LABEL_RADII = (9, 14, 20, 27, 35, 45)


@functools.cache
def land_albers():
    """Union of the bundled province polygons (with Hong Kong, Macao, Taiwan) in China Albers, ~2 km simplified."""
    from ..geometry._load import provinces

    g = provinces(include_sar=True, crs="albers").geometry.to_numpy()
    return shapely.union_all(shapely.simplify(g, 2000.0))


def settle(ax, renderer) -> None:
    """Give ``ax`` the position it will be drawn at (an inset's locator runs only at draw time otherwise)."""
    locator = ax.get_axes_locator()
    ax.apply_aspect(locator(ax, renderer) if locator else None)


def _display_box_to_data(ax, bb):
    inv = ax.transData.inverted()
    (x0, y0), (x1, y1) = inv.transform([[bb.x0, bb.y0], [bb.x1, bb.y1]])
    return shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def covered(ax, bb, land, avoid=()) -> float:
    """Share of the display box ``bb`` that lies over ``land`` (data coordinates) or the display boxes ``avoid``."""
    area = bb.width * bb.height
    if area <= 0:
        return 0.0
    share = 0.0
    if land is not None:
        box = _display_box_to_data(ax, bb)
        share += shapely.area(shapely.intersection(box, land)) / box.area
    for other in avoid:
        w = min(bb.x1, other.x1) - max(bb.x0, other.x0)
        h = min(bb.y1, other.y1) - max(bb.y0, other.y0)
        if w > 0 and h > 0:
            share += w * h / area
    return share


def _outside_axes(ax, bb) -> float:
    """Share of ``bb`` outside the axes box."""
    a = ax.get_window_extent()
    w = max(0.0, min(bb.x1, a.x1) - max(bb.x0, a.x0))
    h = max(0.0, min(bb.y1, a.y1) - max(bb.y0, a.y0))
    return 1.0 - w * h / max(bb.width * bb.height, 1e-9)


# -- legends ------------------------------------------------------------------------------------------------------

def _legend_spec(leg) -> dict:
    title = leg.get_title().get_text()
    spec = {"handles": list(leg.legend_handles), "labels": [t.get_text() for t in leg.get_texts()],
            "fontsize": leg.get_texts()[0].get_fontsize() if leg.get_texts() else 7}
    if title:
        spec["title"] = title
        spec["title_fontsize"] = leg.get_title().get_fontsize()
    return spec


def _make_legend(ax, spec: dict, loc, ncols: int, anchor=None):
    kw = dict(spec)
    handles, labels = kw.pop("handles"), kw.pop("labels")
    leg = ax.legend(handles, labels, loc=loc, ncols=ncols, borderaxespad=0.4, handlelength=1.6, **FRAME, **kw,
                    **({"bbox_to_anchor": anchor} if anchor is not None else {}))
    leg.get_frame().set_linewidth(0.5)
    return leg


def place_map_legend(ax, spec: dict, renderer, land, avoid) -> None:
    """Rebuild the legend at the first candidate place that is free (see the module rules)."""
    best = None
    for ncols in (1, 2):
        for loc in _LEGEND_LOCS:
            leg = _make_legend(ax, spec, loc, ncols)
            bb = leg.get_window_extent(renderer)
            cost = covered(ax, bb, land, avoid)
            if cost <= TOLERANCE:
                return
            if best is None or cost < best[0]:
                best = (cost, loc, ncols)
        if len(spec["labels"]) < 6:
            break
    _make_legend(ax, spec, "upper right", 1, anchor=(-0.01, 1.0))  # outside, left of the map


# -- north arrow and scale bar -----------------------------------------------------------------------------------

@functools.cache
def _backdrop_class():
    from matplotlib.artist import Artist
    from matplotlib.patches import Rectangle
    from matplotlib.transforms import Bbox, IdentityTransform

    class Backdrop(Artist):
        """A white, slightly transparent frame drawn behind a group of artists, sized at draw time."""

        def __init__(self, ax, members, pad_pt: float = 3.0):
            super().__init__()
            self.ax, self.members, self.pad_pt = ax, members, pad_pt
            self.set_zorder(min(m.get_zorder() for m in members) - 0.1)
            self.set_in_layout(False)

        def get_window_extent(self, renderer=None):
            renderer = renderer or self.ax.figure.canvas.get_renderer()
            bb = Bbox.union([m.get_window_extent(renderer) for m in self.members])
            return bb.padded(self.pad_pt * renderer.points_to_pixels(1.0))

        def draw(self, renderer):
            if not self.get_visible():
                return
            bb = self.get_window_extent(renderer)
            rect = Rectangle((bb.x0, bb.y0), bb.width, bb.height, transform=IdentityTransform(),
                             facecolor="white", alpha=0.85, edgecolor="#9a9a9a", linewidth=0.5)
            rect.set_figure(self.ax.figure)
            rect.draw(renderer)

    return Backdrop


def _backdrop(ax, members):
    art = _backdrop_class()(ax, members)
    ax.add_artist(art)
    return art


def _furniture(ax, loc: str, km: float | None, north: bool, margin_pt: float = 6.0) -> list:
    """North arrow left of a scale bar whose label is below the bar, in a block anchored at ``loc``."""
    from matplotlib.lines import Line2D
    from matplotlib.transforms import offset_copy

    fig = ax.figure
    x0, x1 = ax.get_xlim()
    bar = (km * 1000.0 / abs(x1 - x0)) if km else 0.0  # axes fraction (data limits are fixed)
    pad, label_h, gap, tick = 4.0, 8.0, 2.5, 3.5
    arrow_h, n_h, arrow_w = 15.0, 10.0, 12.0
    north_w = arrow_w + (6.0 if km else 0.0) if north else 0.0
    height = 2 * pad + max(n_h + arrow_h if north else 0.0, label_h + gap + tick if km else 0.0)
    width_pt = 2 * pad + north_w  # plus ``bar`` in axes fraction
    vert, horiz = loc.split() if " " in loc else ("center", loc)
    fx = {"left": 0.0, "center": 0.5 - bar / 2, "right": 1.0 - bar}[horiz]
    ox = {"left": margin_pt, "center": -width_pt / 2, "right": -margin_pt - width_pt}[horiz]
    fy = {"lower": 0.0, "center": 0.5, "upper": 1.0}[vert]
    oy = {"lower": margin_pt, "center": -height / 2, "upper": -margin_pt - height}[vert]

    def at(dx, dy):
        return offset_copy(ax.transAxes, fig=fig, x=ox + dx, y=oy + dy, units="points")

    arts: list = []
    if km:
        t = at(pad + north_w, pad + label_h + gap)
        arts.append(Line2D([fx, fx + bar], [fy, fy], transform=t, color="black", linewidth=1.6,
                           solid_capstyle="butt"))
        arts.append(Line2D([fx, fx + bar / 2, fx + bar], [fy, fy, fy], transform=t, linestyle="none", color="black",
                           marker=2, markersize=tick + 0.8, markeredgewidth=0.8))  # ticks up from the bar
        for a in arts:
            ax.add_artist(a)
        arts.append(ax.text(fx + bar / 2, fy, f"{km:g} km", transform=at(pad + north_w, pad), ha="center",
                            va="bottom", fontsize=7))
    if north:
        cx = pad + arrow_w / 2
        arts.append(ax.annotate("N", xy=(fx, fy), xycoords=at(cx, pad + n_h + arrow_h), xytext=(fx, fy),
                                textcoords=at(cx, pad), ha="center", va="bottom", fontsize=9,
                                arrowprops=dict(facecolor="black", edgecolor="black", width=2.2, headwidth=7,
                                                headlength=7, shrink=0.0)))
    for a in arts:
        a.set_zorder(6)
    arts.append(_backdrop(ax, list(arts)))
    return arts


# -- unit labels --------------------------------------------------------------------------------------------------

def label_anchor(geom) -> tuple[float, float]:
    """Pole of inaccessibility of the largest part (falls back to the representative point)."""
    from shapely.ops import polylabel

    parts = list(getattr(geom, "geoms", [geom]))
    big = max(parts, key=lambda g: g.area)
    try:
        p = polylabel(big, tolerance=max(np.sqrt(big.area) / 200.0, 1.0))
    except (shapely.errors.GEOSException, ValueError):  # degenerate polygon: representative point is inside
        p = big.representative_point()
    return float(p.x), float(p.y)


def place_labels(ax, labels: list, renderer, avoid=(), start: tuple[float, float] = (0.0, 0.0)) -> None:
    """Move overlapping labels (annotations with an arrow patch, in priority order) to free spots with leader
    lines; ``start`` is each label's preferred offset in points from its point, ``avoid`` display boxes."""
    from matplotlib.text import Text

    placed = np.array([tuple(b.extents) for b in avoid], dtype=float).reshape(-1, 4)
    axbox = ax.get_window_extent(renderer)
    pts = renderer.points_to_pixels(1.0)
    for ann in labels:
        ann.xyann = start
        ann.arrow_patch.set_visible(False)
        ann.update_positions(renderer)
        bb = Text.get_window_extent(ann, renderer).padded(0.8 * pts)
        if not hits(bb, placed) and _outside_axes(ax, bb) == 0.0:
            placed = np.vstack([placed, bb.extents])
            continue
        w, h = bb.width / pts, bb.height / pts
        offs = np.array([(dx * (r + w / 2), dy * (r * 0.7 + h / 2)) for r in _LABEL_RADII for dx, dy in _LABEL_DIRS])
        cands = np.asarray(bb.extents)[None, :] + np.column_stack([offs, offs]) * pts
        inside = ((cands[:, 0] >= axbox.x0) & (cands[:, 2] <= axbox.x1) & (cands[:, 1] >= axbox.y0)
                  & (cands[:, 3] <= axbox.y1))
        free = [i for i in np.flatnonzero(inside) if not _hits_row(cands[i], placed)]
        if not free:
            placed = np.vstack([placed, bb.extents])
            continue
        i = free[0]
        ann.xyann = (start[0] + float(offs[i, 0]), start[1] + float(offs[i, 1]))
        ann.arrow_patch.set_visible(True)
        placed = np.vstack([placed, cands[i]])


def _hits_row(e, boxes: np.ndarray) -> bool:
    return bool(np.any((boxes[:, 0] < e[2]) & (boxes[:, 2] > e[0]) & (boxes[:, 1] < e[3]) & (boxes[:, 3] > e[1])))


# -- the state on the axes and the draw-time hook -------------------------------------------------------------------

@dataclass
class MapLayout:
    """What to place on a map axes: legend spec, furniture, labels (largest unit first) and the land mask."""

    land: object = None
    legend: dict | None = None
    scale_bar_km: float | None = None
    north_arrow: bool = False
    labels: list = field(default_factory=list)
    furniture: list = field(default_factory=list)
    furniture_loc: str | None = None
    size: tuple | None = None

    def run(self, ax, renderer) -> None:
        ax.apply_aspect()
        bb = ax.get_window_extent(renderer)
        dpi = ax.figure.dpi
        size = (round(bb.width / dpi, 3), round(bb.height / dpi, 3))
        if size == self.size:
            return
        self.size = size
        for child in ax.child_axes:
            settle(child, renderer)
        insets = [c.get_window_extent(renderer) for c in ax.child_axes if c.get_visible()]
        if self.labels:
            place_labels(ax, self.labels, renderer)
        label_boxes = [a.get_window_extent(renderer) for a in self.labels]
        if self.scale_bar_km or self.north_arrow:
            self._place_furniture(ax, renderer, insets + label_boxes)
        if self.legend is not None:
            avoid = insets + label_boxes + [f.get_window_extent(renderer) for f in self.furniture[-1:]]
            place_map_legend(ax, self.legend, renderer, self.land, avoid)

    def _place_furniture(self, ax, renderer, avoid) -> None:
        best = None
        for loc in _FURNITURE_LOCS:
            for a in self.furniture:
                a.remove()
            self.furniture = _furniture(ax, loc, self.scale_bar_km, self.north_arrow)
            cost = covered(ax, self.furniture[-1].get_window_extent(renderer), self.land, avoid)
            if cost <= TOLERANCE:
                self.furniture_loc = loc
                return
            if best is None or cost < best[0]:
                best = (cost, loc)
        for a in self.furniture:
            a.remove()
        self.furniture = _furniture(ax, best[1], self.scale_bar_km, self.north_arrow)
        self.furniture_loc = best[1]


@functools.cache
def _relayout_class():
    from matplotlib.artist import Artist

    class Relayout(Artist):
        """Drawn first (lowest zorder): re-places legends, furniture and labels of every map axes."""

        def __init__(self, fig):
            super().__init__()
            self.fig = fig
            self.set_zorder(-1e9)
            self.set_in_layout(False)

        def draw(self, renderer):
            for ax in self.fig.axes:
                state = getattr(ax, "spatialq_layout", None)
                if state is not None:
                    state.run(ax, renderer)

    return Relayout


def layout_for(ax) -> MapLayout:
    """The axes' layout state, registering the figure's draw-time hook once."""
    fig = ax.figure
    if not getattr(fig, "_spatialq_relayout", None):
        fig._spatialq_relayout = _relayout_class()(fig)
        fig.add_artist(fig._spatialq_relayout)
    state = getattr(ax, "spatialq_layout", None)
    if state is None:
        state = ax.spatialq_layout = MapLayout()
    return state


def refresh(ax) -> None:
    """Place everything now (the figure's renderer), e.g. right after drawing a map."""
    state = getattr(ax, "spatialq_layout", None)
    if state is not None:
        state.size = None
        state.run(ax, ax.figure.canvas.get_renderer())


# -- charts -------------------------------------------------------------------------------------------------------

def _points_along(xy: np.ndarray, step_px: float = 4.0) -> np.ndarray:
    """Points every ``step_px`` pixels along a polyline (display coordinates): the first point, then on each
    segment ``a → b`` cut into ``n = max(ceil(|b − a| / step_px), 1)`` pieces the points ``a + (k / n)(b − a)``,
    ``k = 1 … n`` (the last exactly ``b``), all segments at once (the numbers of ``np.linspace(0, 1, n + 1)``)."""
    xy = xy[np.isfinite(xy).all(axis=1)]
    if len(xy) < 2:
        return xy
    d = xy[1:] - xy[:-1]
    n = np.maximum(np.ceil(np.hypot(d[:, 0], d[:, 1]) / step_px).astype(np.int64), 1)
    seg = np.repeat(np.arange(len(d)), n)
    ends = np.cumsum(n)
    k = np.arange(ends[-1]) - np.repeat(ends - n, n) + 1  # 1 … n within each segment
    t = k.astype(float) * (1.0 / n)[seg]
    t[ends - 1] = 1.0
    return np.vstack([xy[:1], xy[:-1][seg] + t[:, None] * d[seg]])


def _data_boxes(ax, renderer) -> list:
    """Display boxes of the drawn data: bars and other patches, points along lines, collection vertices."""
    boxes = [tuple(p.get_window_extent(renderer).extents) for p in ax.patches if p.get_visible()]
    pts = []
    for line in ax.lines:
        if line.get_visible():
            xy = np.column_stack([np.asarray(v, dtype=float) for v in line.get_data()])
            pts.append(_points_along(line.get_transform().transform(xy)))
    for c in ax.collections:
        if not c.get_visible():
            continue
        offsets = np.asarray(c.get_offsets(), dtype=float)
        if len(offsets) > 1:
            pts.append(c.get_offset_transform().transform(offsets))
        for path in c.get_paths():
            pts.append(_points_along(c.get_transform().transform(path.vertices)))
    out = np.array(boxes, dtype=float).reshape(-1, 4)
    pts = [p for p in pts if len(p)]
    if pts:
        allp = np.vstack(pts)
        out = np.vstack([out, np.column_stack([allp - 2.5, allp + 2.5])])
    return out


def hits(bb, boxes: np.ndarray) -> bool:
    """Whether display box ``bb`` overlaps any row (x0, y0, x1, y1) of ``boxes``."""
    return bool(np.any((boxes[:, 0] < bb.x1) & (boxes[:, 2] > bb.x0) & (boxes[:, 1] < bb.y1) & (boxes[:, 3] > bb.y0)))


def chart_legend(ax, *, outside: str = "right", **kw):
    """Legend of a chart on a white, slightly transparent frame where it covers no bar, line or point.

    The candidates are matplotlib's nine inside locations (best first); if every one covers data, the legend
    goes outside the axes (``outside="right"`` or ``"top"``).  ``kw`` are passed to ``ax.legend``.  Returns the
    Legend (or None when the axes has nothing to label).
    """
    renderer = ax.figure.canvas.get_renderer()
    old = ax.get_legend()
    if old is not None and "handles" not in kw:
        spec = _legend_spec(old)
        kw = {"handles": spec["handles"], "labels": spec["labels"], "fontsize": spec["fontsize"],
              **({"title": spec["title"]} if "title" in spec else {}), **kw}
    elif "handles" not in kw:
        handles, labels = ax.get_legend_handles_labels()
        if not handles:
            return None
        kw = {"handles": handles, "labels": labels, **kw}
    kw = {**FRAME, "fontsize": 7, **kw}
    boxes = _data_boxes(ax, renderer)
    for loc in ("upper right", "upper left", "lower right", "lower left", "center right", "center left",
                "upper center", "lower center", "center"):
        leg = ax.legend(loc=loc, **kw)
        bb = leg.get_window_extent(renderer)
        if not hits(bb, boxes):
            return leg
    if outside == "top":
        return ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.01), ncols=len(kw["labels"]),
                         borderaxespad=0.0, **kw)
    return ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, **kw)

"""Standard deviational ellipse (SDE), weighted mean and median centres, and their migration."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._guards import InputError, at, equal_area_problem
from ._results import Result, provenance
from .geometry.coords import ALBERS_CHINA

__all__ = ["EllipseResult", "sde"]

_WINDS_ZH = ("北", "东北", "东", "东南", "南", "西南", "西", "西北")
_WINDS_EN = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


def _median_centre(xy: np.ndarray, w: np.ndarray, start: np.ndarray, tol: float = 1e-6, max_iter: int = 1000):
    """Weighted Weber point (minimises Σ w_i ‖p − x_i‖) by Weiszfeld's iteration (metres)."""
    p = start.copy()
    for _ in range(max_iter):
        d = np.hypot(*(xy - p).T)
        if np.any(d < 1e-9):  # at a data point: stop there (Weiszfeld's singular case)
            return xy[np.argmin(d)].copy()
        k = w / d
        new = (xy * k[:, None]).sum(axis=0) / k.sum()
        if np.hypot(*(new - p)) < tol:
            return new
        p = new
    return p


def _one(xy: np.ndarray, w: np.ndarray, n_std: float, method: str, period=None, w_exp: int = 0) -> dict:
    """One ellipse; ``w`` are the weights divided by 2^``w_exp`` (aspace's Σw − 2 needs their true sum)."""
    n = len(xy)
    sw = w.sum()
    positive = int(np.sum(w > 0))
    if not sw > 0:
        raise InputError(f"sde: the weights sum to zero{at(period)}; a weighted ellipse is undefined")
    if positive < 3:
        raise InputError(f"sde needs at least 3 points with a positive weight{at(period)}; there "
                         f"{'is' if positive == 1 else 'are'} {positive} (two points only span a line segment, and "
                         "the CrimeStat/aspace convention divides by n − 2)")
    centre = (xy * w[:, None]).sum(axis=0) / sw
    d = xy - centre
    cov = (d * w[:, None]).T @ d / sw
    vals, vecs = np.linalg.eigh(cov)  # ascending
    lam_min, lam_max = max(vals[0], 0.0), max(vals[1], 0.0)
    if lam_max <= 0:
        raise InputError(f"sde: all points with a positive weight coincide{at(period)}; the ellipse has no size")
    vx, vy = vecs[:, 1]
    rotation = float(np.degrees(np.arctan2(vx, vy)) % 180.0)  # clockwise from north
    if np.isclose(lam_max, lam_min, rtol=1e-12, atol=0):
        rotation = 0.0  # a circle: no orientation
    factor = np.sqrt(2.0) * n_std
    if method == "crimestat":
        factor *= np.sqrt(n / (n - 2))
    elif method == "aspace":
        true_sum = float(np.ldexp(sw, w_exp))
        if not true_sum > 2:
            raise InputError(f"sde(method='aspace') divides the weighted sums by Σw − 2, and the weights sum to "
                             f"{true_sum:.6g}{at(period)}: the ellipse is undefined; use method='crimestat' (its "
                             "n − 2 correction does not depend on the unit of the weights) or weights in larger units")
        factor *= np.sqrt(sw / (sw - np.ldexp(2.0, -w_exp)))
    a = factor * np.sqrt(lam_max) / 1000.0
    b = factor * np.sqrt(lam_min) / 1000.0
    perim = np.pi * (3 * (a + b) - np.sqrt((3 * a + b) * (a + 3 * b)))
    med = _median_centre(xy, w, centre)
    return dict(n=n, weight_sum=float(np.ldexp(sw, w_exp)), center_x=centre[0], center_y=centre[1], median_x=med[0],
                median_y=med[1], major_axis=a, minor_axis=b, rotation_deg=rotation, area=np.pi * a * b,
                perimeter=perim, flattening=1 - b / a, _u=np.array([vx, vy]))


def _polygon(r: dict, n_points: int = 180) -> shapely.Polygon:
    u = r["_u"]
    v = np.array([u[1], -u[0]])  # minor axis direction (perpendicular)
    t = np.linspace(0, 2 * np.pi, n_points, endpoint=False)
    pts = (np.array([r["center_x"], r["center_y"]])[None, :]
           + np.outer(np.cos(t) * r["major_axis"] * 1000, u) + np.outer(np.sin(t) * r["minor_axis"] * 1000, v))
    return shapely.Polygon(pts)


@dataclass(frozen=True, eq=False, repr=False)
class EllipseResult(Result):
    """Standard deviational ellipses per period (see :func:`sde`).

    Attributes
    ----------
    table : DataFrame
        Per period: ``n``, ``weight_sum``, ``center_x``, ``center_y`` (CRS units, metres),
        ``center_lon``, ``center_lat`` (WGS84), ``median_x``, ``median_y``, ``major_axis``,
        ``minor_axis`` (semi-axes, km), ``rotation_deg`` (long axis, clockwise from north,
        [0, 180)), ``area`` (km²), ``perimeter`` (km), ``flattening`` (1 − b/a).
    migration : DataFrame
        Between consecutive periods: ``dx_km``, ``dy_km``, ``distance_km``, ``bearing_deg``
        (clockwise from north, [0, 360)), ``direction_zh``/``direction_en`` (8 winds),
        ``speed_km_per_year`` (when periods are years), for the mean and the median centre.
    ellipses : GeoDataFrame
        One ellipse polygon per period in the computation CRS, for maps.
    """

    table: pd.DataFrame
    migration: pd.DataFrame
    ellipses: gpd.GeoDataFrame
    crs: object
    time: str | None

    def _title(self) -> str:
        return "Standard deviational ellipse"

    def _summary_lines(self) -> list[str]:
        lines = [f"{'period':>8}{'center lon':>11}{'center lat':>11}{'a km':>9}{'b km':>9}{'rot °':>8}"
                 f"{'area 10⁴km²':>13}{'flat':>7}"]
        for r in self.table.itertuples():
            lines.append(f"{r.period!s:>8}{r.center_lon:>11.4f}{r.center_lat:>11.4f}{r.major_axis:>9.1f}"
                         f"{r.minor_axis:>9.1f}{r.rotation_deg:>8.2f}{r.area / 1e4:>13.2f}{r.flattening:>7.3f}")
        if not self.migration.empty:
            lines.append("")
            lines.append(f"{'from':>8}{'to':>8}{'km':>9}{'bearing':>9}{'dir':>5}{'km/yr':>8}")
            for r in self.migration[self.migration["centre"] == "mean"].itertuples():
                lines.append(f"{r.period_from!s:>8}{r.period_to!s:>8}{r.distance_km:>9.2f}{r.bearing_deg:>9.1f}"
                             f"{r.direction_zh:>5}{r.speed_km_per_year:>8.2f}")
        return lines

    def to_frame(self) -> pd.DataFrame:
        """The per-period table (see the class documentation)."""
        return self.table.rename(columns={"period": self.time or "period"}).copy()

    def _plot(self, ax, base: bool = True, cmap: str = "viridis", trajectory_inset: bool | None = None,
              lang: Literal["zh", "en"] = "zh", **kw):
        """Ellipses of every period with the mean-centre trajectory.

        ``base=True`` draws them on the complete map of China (China Albers, with the South China Sea inset,
        north arrow and scale bar, :func:`spatialq.plot.china_map`); ``base=False`` zooms to the ellipses in
        the result's CRS.  Mean centres are small markers coloured by period (the ellipses' colours), joined
        in time order.  ``trajectory_inset`` (default: when the centres span less than a tenth of the largest
        ellipse) adds a zoomed panel — right of the map with ``base=True``, upper right otherwise — with
        arrows from each centre to the next, the periods and a scale bar in km; a grey box on the map marks
        the zoomed area."""
        import matplotlib as mpl
        from matplotlib.lines import Line2D

        periods = [str(p) for p in self.table["period"]]
        colors = mpl.colormaps[cmap](np.linspace(0, 0.9, len(self.table)))
        if base:
            from .geometry.coords import ALBERS_CHINA
            from .plot.maps import china_map

            ax = china_map(ax=ax, facecolor="#f4f4f4", legend=False, lang=lang, **{"edgecolor": "#a6a6a6", **kw})
            ellipses = self.ellipses.to_crs(ALBERS_CHINA)
            centres = gpd.GeoSeries(gpd.points_from_xy(self.table["center_x"], self.table["center_y"]),
                                    crs=self.crs).to_crs(ALBERS_CHINA)
            xs, ys = centres.x.to_numpy(), centres.y.to_numpy()
        else:
            ellipses = self.ellipses
            xs, ys = self.table["center_x"].to_numpy(), self.table["center_y"].to_numpy()
        for col, geom in zip(colors, ellipses.geometry):
            gpd.GeoSeries([geom], crs=ellipses.crs).boundary.plot(ax=ax, color=col, linewidth=1.2, zorder=3)
        ax.plot(xs, ys, "-", color="#333333", linewidth=0.6, zorder=4)
        ax.scatter(xs, ys, c=colors, s=9, edgecolors="black", linewidths=0.3, zorder=4)
        b = ellipses.total_bounds
        if not base:
            pad = 0.6 * max(b[2] - b[0], b[3] - b[1])
            ax.set_xlim(b[0] - pad, b[2] + pad)
            ax.set_ylim(b[1] - pad, b[3] + pad)
            ax.set_aspect("equal")
            ax.set_axis_off()
        handles = [Line2D([], [], color=c, linewidth=1.2, marker="o", markersize=3, markeredgecolor="black",
                          markeredgewidth=0.3) for c in colors]
        leg = ax.legend(handles, periods, fontsize=7, loc="lower left")
        span = max(np.ptp(xs), np.ptp(ys))
        if trajectory_inset is None:
            trajectory_inset = len(xs) > 1 and span < 0.1 * max(b[2] - b[0], b[3] - b[1])
        if trajectory_inset and len(xs) > 1:
            _trajectory_inset(ax, xs, ys, self.table["period"], colors, span, outside=base)
        if base:
            from .plot._layout import _legend_spec, refresh

            ax.spatialq_layout.legend = _legend_spec(leg)
            refresh(ax)
        return ax


def _trajectory_inset(ax, xs, ys, periods, colors, span: float, outside: bool = False) -> None:
    """Zoomed panel of the centre trajectory: arrows in time order, periods, a scale bar (CRS units are metres)."""
    from matplotlib.patches import Rectangle

    iax = ax.inset_axes([1.03, 0.42, 0.40, 0.58] if outside else [0.68, 0.68, 0.32, 0.32])
    iax.scatter(xs, ys, c=colors, s=22, edgecolors="black", linewidths=0.4, zorder=3)
    from .plot.maps import LEADER

    labels = [iax.annotate(str(p), (x, y), xytext=(3, 3), textcoords="offset points", fontsize=6, ha="left",
                           va="bottom", arrowprops=LEADER) for x, y, p in zip(xs, ys, periods)]
    for k in range(len(xs) - 1):
        iax.annotate("", xy=(xs[k + 1], ys[k + 1]), xytext=(xs[k], ys[k]),
                     arrowprops=dict(arrowstyle="-|>", color="#333333", linewidth=0.8, mutation_scale=7,
                                     shrinkA=3, shrinkB=3))
    half = 0.65 * max(span, 1000.0)
    cx, cy = (xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2
    iax.set_xlim(cx - half, cx + half)
    iax.set_ylim(cy - half, cy + half)
    iax.set_aspect("equal")
    from matplotlib.transforms import Bbox

    from .plot._layout import place_labels, settle

    renderer = ax.figure.canvas.get_renderer()
    settle(ax, renderer)
    settle(iax, renderer)
    dots = iax.transData.transform(np.column_stack([xs, ys]))
    place_labels(iax, labels, renderer, avoid=[Bbox([[x - 2.5, y - 2.5], [x + 2.5, y + 2.5]]) for x, y in dots],
                 start=(3.0, 3.0))
    iax.set_xticks([])
    iax.set_yticks([])
    nice = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
    km = max([v for v in nice if v * 1000 <= 0.5 * half] or [nice[0]])
    x0, y0 = cx - 0.9 * half, cy - 0.78 * half
    iax.plot([x0, x0 + km * 1000], [y0, y0], color="black", linewidth=1.5)
    iax.text(x0 + km * 500, y0 - 0.03 * half, f"{km} km", ha="center", va="top", fontsize=6)
    if outside:  # where the zoomed panel is on the map
        ax.add_patch(Rectangle((cx - half, cy - half), 2 * half, 2 * half, facecolor="none", edgecolor="#555555",
                               linewidth=0.6, zorder=5))


def sde(
    gdf: gpd.GeoDataFrame,
    *,
    weights: str | np.ndarray | None = None,
    by: str | None = None,
    n_std: float = 1,
    method: Literal["arcgis", "crimestat", "aspace"] = "arcgis",
    project: bool = False,
) -> EllipseResult:
    """Standard deviational ellipse of points (polygons enter by their centroids), per period.

    With weights w_i (all 1 if ``weights=None``), weighted mean centre (X̄, Ȳ), x̃ = x − X̄,
    ỹ = y − Ȳ and the weighted covariance C = Σ w (x̃, ỹ)ᵀ(x̃, ỹ) / Σw, the semi-axes are
    a, b = √2 · n_std · √λ (λ the eigenvalues of C, largest first) and the rotation is the
    angle of the long axis clockwise from north in [0°, 180°).  This is ArcGIS's Directional
    Distribution (weighted, factor √2, denominator Σw; the principal axes of its tan θ formula,
    taken without its quadrant ambiguity).  Area πab (km²), perimeter by Ramanujan's
    approximation π[3(a+b) − √((3a+b)(a+3b))] (km), flattening 1 − b/a.  Note pointpats'
    ``ellipse`` returns an angle counter-clockwise from east and uses polygon vertices.

    Small-sample conventions (the axes times a factor; centre and rotation unchanged):

    * ``"crimestat"``: √(n/(n − 2)), n the number of points — CrimeStat's and R aspace's
      ``calc_sde`` division by n − 2 instead of n.  For unweighted data this equals aspace.  With
      weights the same factor is applied to the weighted (ArcGIS) axes, so it does not depend on
      the unit of the weights.
    * ``"aspace"``: aspace's weighted form, which divides the weighted sums by Σw − 2: the factor
      is √(Σw/(Σw − 2)).  It depends on the unit of the weights (GDP in 亿元 or in 元 gives
      different ellipses; with weights in large units it is the ArcGIS ellipse) and is undefined
      when Σw ≤ 2 (e.g. shares): an error.  Use it to reproduce an aspace result; with weights the
      axes can differ from ``"crimestat"`` by several per cent (3.1 % for the AI index of the
      provinces).

    Minimum sizes: at least 3 points with a positive weight per period (two points span a line
    segment, and n − 2 must be positive); weights non-negative and finite, not all zero in a
    period; points that all coincide are an error naming the period.

    **Projection** (areas and axes in km need an equal-area CRS): a geographic CRS (degrees) is an
    error unless ``project=True``; a projected CRS that is not equal-area (Web Mercator, UTM, …) is
    used as given with a ``UserWarning`` naming it — Web Mercator enlarges the axes by about 27 %
    and the area by 48 % for the provinces against China Albers — and ``project=True`` reprojects
    any input to China Albers equal-area (:data:`spatialq.geometry.ALBERS_CHINA`, as
    :func:`spatialq.geometry.to_albers`).  A row without geometry (``None`` or empty) is an error
    naming its index.

    The median centre is the weighted Weber point (Weiszfeld).  The migration table gives the
    shift of both centres between consecutive periods.

    Parameters
    ----------
    gdf : GeoDataFrame
        Points or polygons (centroids are used — say so in papers), one row per unit and
        period; in an equal-area CRS in metres, or any CRS with ``project=True``.
    weights : str or array, optional
        Column name or values (e.g. GDP or the index score); non-negative.
    by : str, optional
        Period column (one ellipse per period).
    n_std : float, default 1
        Number of standard deviations (1, 2 or 3 for ≈ 63 %, 98 %, 99.9 % of points under
        normality, with the √2 factor).
    method : {"arcgis", "crimestat", "aspace"}
    project : bool, default False
        Reproject to China Albers equal-area first (recommended for longitude/latitude or Web
        Mercator input).
    """
    if method not in ("arcgis", "crimestat", "aspace"):
        raise InputError(f"method must be 'arcgis', 'crimestat' or 'aspace', got {method!r}")
    if not (np.isfinite(n_std) and n_std > 0):
        raise InputError(f"n_std must be a positive number, got {n_std}")
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise TypeError(f"expected a GeoDataFrame, got {type(gdf).__name__}")
    if gdf.crs is None:
        raise InputError("sde: the GeoDataFrame has no CRS; set it (e.g. gdf.set_crs(4326) for longitude/latitude), "
                         "then pass project=True to use China Albers equal-area")
    if by is not None and by not in gdf.columns:
        raise KeyError(f"period column {by!r} not found; columns: {list(gdf.columns)}")
    missing = gdf.geometry.isna().to_numpy() | gdf.geometry.is_empty.to_numpy()
    if missing.any():
        rows = gdf.index[missing].tolist()[:8]
        when = ""
        if by is not None:
            when = f" (periods {sorted(pd.unique(gdf.loc[missing, by]).tolist())[:5]})"
        raise InputError(f"sde: {int(missing.sum())} rows have no geometry (None or empty): index {rows}{when}; drop "
                         "them or fill their geometry")
    frame = gdf
    if project:
        if not gdf.crs.equals(ALBERS_CHINA):
            frame = gdf.to_crs(ALBERS_CHINA)
    else:
        problem = equal_area_problem(gdf.crs)
        if gdf.crs.is_geographic:
            raise InputError(f"sde: {problem}: axes in km need a projected CRS; pass project=True to use China "
                             "Albers equal-area, or reproject with gdf.to_crs(...)")
        if problem is not None:
            warnings.warn(f"sde: {problem}", UserWarning, stacklevel=2)
    unit = frame.crs.axis_info[0].unit_name if frame.crs.axis_info else "metre"
    if unit not in ("metre", "meter"):
        raise InputError(f"sde: the CRS must be in metres, got {unit!r}; pass project=True to use China Albers")
    geom = frame.geometry
    pts = geom.centroid if not (geom.geom_type == "Point").all() else geom
    xy = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])
    bad_xy = ~np.isfinite(xy).all(axis=1)
    if bad_xy.any():
        raise InputError(f"sde: rows {frame.index[bad_xy].tolist()[:8]} have coordinates that are not finite")
    if isinstance(weights, str):
        if weights not in frame.columns:
            raise KeyError(f"weights column {weights!r} not found; columns: {list(frame.columns)}")
        w = pd.to_numeric(frame[weights], errors="coerce").to_numpy(dtype=float)
        what = f"weights column {weights!r}"
    elif weights is None:
        w = np.ones(len(frame))
        what = "weights"
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != (len(frame),):
            raise InputError(f"weights has {w.shape} values for {len(frame)} rows")
        what = "weights"
    bad_w = ~np.isfinite(w) | (w < 0)
    if bad_w.any():
        raise InputError(f"sde: {what} must be finite and non-negative; not at index {frame.index[bad_w].tolist()[:8]}")
    # the weights enter as ratios: divide by a power of two near their maximum (exact; Σw·d² cannot overflow)
    w_exp = int(np.frexp(float(w.max()))[1]) if w.max() > 0 else 0
    w = np.ldexp(w, -w_exp)
    periods = frame[by].to_numpy() if by is not None else np.zeros(len(frame), dtype=int)
    rows, polys = [], []
    for p in sorted(pd.unique(periods)):
        mask = periods == p
        r = _one(xy[mask], w[mask], n_std, method, p if by is not None else None, w_exp)
        polys.append(_polygon(r))
        r.pop("_u")
        rows.append(dict(period=p if by is not None else None, **r))
    table = pd.DataFrame(rows)
    ll = gpd.GeoSeries(gpd.points_from_xy(table["center_x"], table["center_y"]), crs=frame.crs).to_crs(4326)
    table.insert(table.columns.get_loc("center_y") + 1, "center_lon", ll.x.to_numpy())
    table.insert(table.columns.get_loc("center_lon") + 1, "center_lat", ll.y.to_numpy())
    moves = []
    for centre, (cx, cy) in (("mean", ("center_x", "center_y")), ("median", ("median_x", "median_y"))):
        for i in range(1, len(table)):
            a, b = table.iloc[i - 1], table.iloc[i]
            pa, pb = table["period"].iloc[i - 1], table["period"].iloc[i]  # original type (not via a float row)
            dx, dy = (b[cx] - a[cx]) / 1000, (b[cy] - a[cy]) / 1000
            dist = float(np.hypot(dx, dy))
            bearing = float(np.degrees(np.arctan2(dx, dy)) % 360)
            wind = int(((bearing + 22.5) % 360) // 45)
            try:
                years = float(pb) - float(pa)
            except (TypeError, ValueError):
                years = np.nan
            moves.append(dict(centre=centre, period_from=pa, period_to=pb, dx_km=dx, dy_km=dy,
                              distance_km=dist, bearing_deg=bearing, direction_zh=_WINDS_ZH[wind],
                              direction_en=_WINDS_EN[wind], speed_km_per_year=dist / years if years else np.nan))
    ellipses = gpd.GeoDataFrame({"period": table["period"]}, geometry=polys, crs=frame.crs)
    return EllipseResult(meta=provenance("spatialq.ellipse.sde", n=len(frame), convention=method, n_std=n_std, by=by,
                                         weights=weights if isinstance(weights, str) else
                                         (None if weights is None else "array")),
                         table=table, migration=pd.DataFrame(moves), ellipses=ellipses, crs=frame.crs,
                         time=by)

"""Kernel density dynamics: Gaussian KDE per period (and group), peaks and their movement."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ._data import grouped_frame, time_col
from ._guards import InputError, at, scale_exponent
from ._results import Result, provenance

__all__ = ["KdeResult", "bandwidth", "kde"]


def bandwidth(x, rule: Literal["silverman", "scott"] | float = "silverman") -> float:
    """Bandwidth of a Gaussian kernel.

    ``"silverman"``: 0.9·min(σ, IQR/1.34)·n^(−1/5) — Silverman's rule of thumb as in Stata's
    ``kdensity`` and R's ``bw.nrd0`` (σ with ddof = 1; when min(σ, IQR/1.34) is 0 the first
    non-zero of σ, |x₁|, 1 is used, as R does).  ``"scott"``: 1.06·σ·n^(−1/5) (Scott 1992; note
    R's ``bw.nrd`` uses min(σ, IQR/1.34) instead of σ).  A positive float is used as is.
    """
    x = np.asarray(x, dtype=float)
    n = len(x)
    if isinstance(rule, (int, float)) and not isinstance(rule, bool):
        if rule <= 0:
            raise ValueError(f"a bandwidth must be positive, got {rule}")
        return float(rule)
    if n < 2:
        raise ValueError("a rule-of-thumb bandwidth needs at least two values")
    sd = float(np.std(x, ddof=1))
    if rule == "silverman":
        q75, q25 = np.percentile(x, [75, 25])
        lo = min(sd, (q75 - q25) / 1.34)
        if lo <= 0:
            lo = sd or abs(x[0]) or 1.0
        return 0.9 * lo * n ** (-0.2)
    if rule == "scott":
        if sd == 0:
            raise ValueError("all values are equal: Scott's bandwidth is zero")
        return 1.06 * sd * n ** (-0.2)
    raise ValueError(f"bandwidth must be 'silverman', 'scott' or a positive number, got {rule!r}")


def _density(grid: np.ndarray, x: np.ndarray, h: float) -> np.ndarray:
    z = (grid[:, None] - x[None, :]) / h
    return np.exp(-0.5 * z * z).sum(axis=1) / (len(x) * h * np.sqrt(2 * np.pi))


def _peaks(grid: np.ndarray, f: np.ndarray, threshold: float) -> dict:
    i = int(np.argmax(f))
    top = f[i]
    half = top / 2
    left = i
    while left > 0 and f[left] > half:
        left -= 1
    right = i
    while right < len(f) - 1 and f[right] > half:
        right += 1

    def cross(a, b):  # linear interpolation of the half-height crossing between grid a and b
        if f[a] == f[b]:
            return grid[a]
        return grid[a] + (half - f[a]) * (grid[b] - grid[a]) / (f[b] - f[a])

    width = cross(right, right - 1) - cross(left, left + 1)
    interior = (f[1:-1] > f[:-2]) & (f[1:-1] >= f[2:]) & (f[1:-1] >= threshold * top)
    return dict(peak_x=float(grid[i]), peak_height=float(top), peak_width=float(width),
                n_peaks=int(interior.sum()) or 1)


@dataclass(frozen=True, eq=False, repr=False)
class KdeResult(Result):
    """Kernel densities per period and group (see :func:`kde`).

    Attributes
    ----------
    curves : DataFrame
        ``period``, ``group``, ``x``, ``density`` on a common grid.
    peaks : DataFrame
        Per period and group: ``n``, ``bandwidth``, ``peak_x``, ``peak_height``, ``peak_width``
        (full width at half maximum of the main peak), ``n_peaks``, ``mean``, ``sd``.
    movement : DataFrame
        Per group and consecutive periods: change of the main peak's position, height and width.
    """

    curves: pd.DataFrame
    peaks: pd.DataFrame
    movement: pd.DataFrame
    value: str

    def _title(self) -> str:
        return "Kernel density dynamics"

    def _summary_lines(self) -> list[str]:
        lines = [f"{'period':>8}{'group':>10}{'n':>6}{'h':>9}{'peak x':>10}{'height':>9}{'width':>9}{'peaks':>7}"]
        for r in self.peaks.itertuples():
            lines.append(f"{r.period!s:>8}{r.group!s:>10}{r.n:>6}{r.bandwidth:>9.4f}{r.peak_x:>10.4f}"
                         f"{r.peak_height:>9.4f}{r.peak_width:>9.4f}{r.n_peaks:>7}")
        return lines

    def to_frame(self) -> pd.DataFrame:
        """The peak table (one row per period and group)."""
        return self.peaks.copy()

    def support(self) -> tuple[float, float]:
        """Smallest and largest observed value (all periods and groups), recovered from the common grid:
        it runs from min − cut·h_max to max + cut·h_max."""
        x = self.curves["x"].to_numpy()
        reach = float(self.meta.options.get("cut", 3.0)) * float(self.peaks["bandwidth"].max())
        return float(x.min() + reach), float(x.max() - reach)

    def _plot(self, ax, kind: Literal["curves", "surface"] = "curves", group=None, cmap: str = "viridis",
              bounds: tuple[float, float] | Literal["data"] | None = "data", **kw):
        groups = list(dict.fromkeys(self.curves["group"]))
        g = groups[0] if group is None else group
        if g not in groups:
            raise ValueError(f"group {group!r} not in {groups}")
        c = self.curves[self.curves["group"] == g]
        if bounds is not None:
            lo, hi = self.support() if isinstance(bounds, str) and bounds == "data" else map(float, bounds)
            if not lo < hi:
                raise ValueError(f"bounds must be 'data', None or (low, high) with low < high, got {bounds!r}")
            tol = 1e-9 * max(abs(lo), abs(hi), 1.0)
            c = c[(c["x"] >= lo - tol) & (c["x"] <= hi + tol)]
            if c.empty:
                raise ValueError(f"bounds {bounds!r} leave no grid points of the density (grid "
                                 f"{self.curves['x'].min():.4g} to {self.curves['x'].max():.4g})")
        periods = list(dict.fromkeys(c["period"]))
        if kind == "curves":
            import matplotlib as mpl

            colors = mpl.colormaps[cmap](np.linspace(0, 0.9, len(periods)))
            for col, p in zip(colors, periods):
                part = c[c["period"] == p]
                ax.plot(part["x"], part["density"], color=col, label=str(p), **kw)
            ax.set_xlim(c["x"].min(), c["x"].max())
            ax.set_xlabel(self.value)
            ax.set_ylabel("density")
            ax.legend(fontsize=7)
            return ax
        if kind == "surface":
            ax3 = _surface_axes(ax)
            xs = c[c["period"] == periods[0]]["x"].to_numpy()
            yy = np.array([float(p) if isinstance(p, (int, float, np.integer, np.floating)) else i
                           for i, p in enumerate(periods)])
            zz = np.vstack([c[c["period"] == p]["density"].to_numpy() for p in periods])
            xg, yg = np.meshgrid(xs, yy)
            ax3.plot_surface(xg, yg, zz, cmap=cmap, linewidth=0, antialiased=True, **kw)
            ax3.set_xlim(xs.min(), xs.max())
            ax3.set_ylim(yy.min(), yy.max())
            ax3.set_zlim(0, None)
            if all(isinstance(p, (int, np.integer)) for p in periods):
                from matplotlib.ticker import MaxNLocator

                ax3.yaxis.set_major_locator(MaxNLocator(5, integer=True))
            else:
                ax3.set_yticks(yy, [str(p) for p in periods])
            ax3.tick_params(labelsize=7, pad=1)
            for axis in (ax3.xaxis, ax3.yaxis, ax3.zaxis):
                axis.labelpad = 9
            ax3.set_xlabel(self.value)
            ax3.set_ylabel("period")
            ax3.set_zlabel("density")
            _fit_box(ax3)
            return ax3
        raise ValueError(f"kind must be 'curves' or 'surface', got {kind!r}")

    def plot(self, ax=None, **kw):
        """Density curves of one group over periods (``kind="curves"``) or a 3-D year × value ×
        density surface (``kind="surface"``); ``group=`` picks the group.  ``bounds="data"`` (default)
        draws the grid between the smallest and largest observed value (:meth:`support`), so a 0–1 index
        is not drawn below 0; ``bounds=(low, high)`` gives the range, ``bounds=None`` the whole grid
        (± cut bandwidths).  The densities are not renormalised to the range.  Returns the Axes."""
        return super().plot(ax=ax, **kw)


def _surface_axes(ax):
    """A 3-D Axes in place of ``ax`` (which is removed).  When ``ax`` is alone in its figure the 3-D axes takes
    the whole figure, its square drawing area on the left, 8 % of the height free below for the axis labels (a 3-D Axes
    draws in the largest square of its position, centred by default: in a landscape subplot that left a wide
    white band on the left of the figure)."""
    fig = ax.figure
    pos = ax.get_position()
    alone = len(fig.axes) == 1
    ax.remove()
    if alone:
        ax3 = fig.add_axes((0.02, 0.08, 0.9, 0.9), projection="3d")
        ax3.set_anchor("W")
        return ax3
    return fig.add_axes(pos, projection="3d")


def _fit_box(ax3, *, margin: float = 0.02, rounds: int = 3) -> None:
    """Fit the drawn 3-D box to ``ax3``'s square drawing area: the panes, axis lines and tick labels (not the axis
    labels, which sit outside the box and are set afterwards, e.g. translated) fill the square with ``margin`` (a
    fraction of the square) on each side of the longer extent, centred across and at the top of the square (a box
    seen from above is wider than tall: the free band is left at the bottom, where the axis labels are).

    Matplotlib maps a fixed window of the projected view (about ±0.09 of the viewing distance) onto the square
    whatever the box looks like, which leaves white bands around a box seen from the default angle; this
    sets the window (``ax3.viewLim``) to the box's projected extent instead.  Tick labels keep their size in
    points while the box scales, so the fit is repeated ``rounds`` times (it settles in two or three).

    Parameters
    ----------
    ax3 : mpl_toolkits.mplot3d.Axes3D
        The 3-D Axes, with its data drawn and its limits and ticks set.
    margin : float
        Free space on each side of the longer extent, as a fraction of the square.
    rounds : int
        Measure-and-set passes.
    """
    from matplotlib.transforms import Bbox

    fig = ax3.figure
    for _ in range(rounds):
        fig.draw_without_rendering()
        r = fig.canvas.get_renderer()
        parts = []
        for axis in (ax3.xaxis, ax3.yaxis, ax3.zaxis):
            parts += [axis.pane.get_window_extent(r), axis.get_tightbbox(r, for_layout_only=True)]  # no label
        box = Bbox.union(parts).transformed(ax3.transData.inverted())  # in the projected view's coordinates
        side = max(box.width, box.height) / (1 - 2 * margin)
        left, top = box.x0 + box.width / 2 - side / 2, box.y1 + margin * side
        ax3.viewLim.intervalx = (left, left + side)
        ax3.viewLim.intervaly = (top - side, top)
        ax3.stale = True


def kde(
    df: pd.DataFrame,
    value: str,
    *,
    by: str | None = "year",
    group: str | pd.Series | None = None,
    bandwidth_rule: Literal["silverman", "scott"] | float = "silverman",
    n_grid: int = 512,
    cut: float = 3.0,
    peak_threshold: float = 0.05,
    id: str = "adcode",
) -> KdeResult:
    """Gaussian kernel density of ``value`` per period, nationally and per group.

    f(x) = (1/(n h)) Σ_i φ((x − x_i)/h), φ the standard normal density; h from
    :func:`bandwidth` for each period-group sample (``"silverman"`` default, ``"scott"``, or a
    number used for all).  All curves share one grid from min − cut·h to max + cut·h, so they
    can be compared and drawn as a surface; each integrates to 1 up to the kernel mass that
    falls beyond the grid (at most 2·0.00135/n for cut = 3: only the extreme points lose mass).

    The main peak is the grid maximum; its width is the full width at half maximum; ``n_peaks``
    counts local maxima at least ``peak_threshold`` × the main height (side peaks signal
    polarisation).  ``movement`` gives the change between consecutive periods.

    ``group=None`` gives the national curves (group "all"); with a group column or Series
    (``geometry.regions("four")``) the national curves come first, then each group's — in a fixed
    order (a categorical's categories, else sorted labels) — and the tables are sorted by (group,
    period), so the row order of ``df`` changes nothing.

    Minimum sizes: a rule-of-thumb bandwidth needs at least 2 values in every period and group
    (an error names the group and the period); with a numeric ``bandwidth_rule`` one value is
    enough (its ``sd`` is NaN).  The density is not scale-invariant in x, so values that could
    overflow (around 1e200) are divided by a power of two, the density computed, and x, the
    bandwidths and the densities mapped back exactly; values too large for a grid around them
    (near 1e308) are refused.
    """
    if isinstance(n_grid, bool) or not isinstance(n_grid, int | np.integer) or n_grid < 16:
        raise InputError(f"n_grid must be a whole number of at least 16, got {n_grid!r}")
    if not (np.isfinite(cut) and cut > 0):
        raise InputError(f"cut must be a positive number, got {cut!r}")
    numeric_rule = isinstance(bandwidth_rule, int | float) and not isinstance(bandwidth_rule, bool)
    if numeric_rule and not (np.isfinite(bandwidth_rule) and bandwidth_rule > 0):
        raise InputError(f"a bandwidth must be a positive number, got {bandwidth_rule!r}")
    data, gser = grouped_frame(df, id=id, time=by, value=value, group=group)
    t = time_col(data, by)
    order = data.sort_values([t, id], kind="mergesort").index  # (period, id) order: row order changes nothing
    data = data.loc[order]
    if gser is not None:
        gser = pd.Series(np.asarray(gser, dtype=object), index=data.index) if not isinstance(gser, pd.Series) \
            else gser.loc[order]
    # the density is not scale-invariant in x: compute on x / 2^e (exact: a power of two) when x could overflow
    # in sums of squares, and map back exactly (x, h, peak position and width times 2^e, densities over 2^e)
    allx = data[value].to_numpy(dtype=float)
    e = scale_exponent(allx)
    top = float(np.max(np.abs(allx)))
    labels = ["all"]
    if gser is not None:
        labels += _group_order(gser, group)
    samples = []
    for g in labels:
        for period, part in data.groupby(t, sort=True):
            if g == "all":
                x = part[value].to_numpy(dtype=float)
            else:
                x = part.loc[(gser.loc[part.index] == g).to_numpy(), value].to_numpy(dtype=float)
            if len(x):
                samples.append((period, g, np.ldexp(x, -e)))
    hs = []
    for period, g, x in samples:
        when = at(period) if t != "_time" else ""
        where = f"group {g!r}{when}" if g != "all" else f"the values{when}"
        if numeric_rule:
            hs.append(float(np.ldexp(float(bandwidth_rule), -e)))
            continue
        if len(x) < 2:
            who = f"group {g!r} has one value{when}" if g != "all" else f"there is one value{when}"
            raise InputError(f"kde: {who} ({float(np.ldexp(x[0], e)):.6g}); a rule-of-thumb bandwidth needs at "
                             f"least two: drop {'that group in that period' if g != 'all' else 'that period'} or "
                             "pass a numeric bandwidth_rule")
        try:
            hs.append(bandwidth(x, bandwidth_rule))
        except ValueError as err:
            raise InputError(f"kde: {where}: {err}") from None
    scaled = np.ldexp(allx, -e)
    grid = np.linspace(scaled.min() - cut * max(hs), scaled.max() + cut * max(hs), n_grid)
    grid_out = np.ldexp(grid, e)
    if not np.all(np.isfinite(grid_out)):
        raise InputError(f"kde: the values of {value!r} (up to {top:.3g}) are too large for a density grid of "
                         f"±{cut} bandwidths around them; divide the column by a power of ten first")
    curves, peaks = [], []
    for (period, g, x), h in zip(samples, hs):
        f = _density(grid, x, h)
        pk = _peaks(grid, f, peak_threshold)
        height = float(np.ldexp(pk["peak_height"], -e))
        if not (np.isfinite(height) and height >= np.finfo(float).tiny):
            raise InputError(f"kde: the density of {value!r} (values up to {top:.3g}) underflows or overflows; "
                             "rescale the column (e.g. divide by a power of ten) first")
        curves.append(pd.DataFrame({"period": period, "group": g, "x": grid_out, "density": np.ldexp(f, -e)}))
        peaks.append(dict(period=period, group=g, n=len(x), bandwidth=float(np.ldexp(h, e)),
                          peak_x=float(np.ldexp(pk["peak_x"], e)), peak_height=height,
                          peak_width=float(np.ldexp(pk["peak_width"], e)), n_peaks=pk["n_peaks"],
                          mean=float(np.ldexp(x.mean(), e)),
                          sd=float(np.ldexp(x.std(ddof=1), e)) if len(x) > 1 else float("nan")))
    peaks = pd.DataFrame(peaks)
    moves = []
    for g, part in peaks.groupby("group", sort=False):
        part = part.reset_index(drop=True)
        for i in range(1, len(part)):
            a, b = part.iloc[i - 1], part.iloc[i]
            moves.append(dict(group=g, period_from=a["period"], period_to=b["period"],
                              peak_shift=b["peak_x"] - a["peak_x"], height_change=b["peak_height"] - a["peak_height"],
                              width_change=b["peak_width"] - a["peak_width"]))
    if t == "_time":
        peaks["period"] = None
    return KdeResult(meta=provenance("spatialq.density.kde", n=len(data), value=value, by=by,
                                     bandwidth=bandwidth_rule, n_grid=n_grid, cut=cut),
                     curves=pd.concat(curves, ignore_index=True), peaks=peaks, movement=pd.DataFrame(moves),
                     value=value)


def _group_order(gser: pd.Series, group) -> list:
    """Groups in a fixed order whatever the row order: a categorical's categories, else sorted labels."""
    present = list(dict.fromkeys(gser))
    if isinstance(group, pd.Series) and isinstance(group.dtype, pd.CategoricalDtype):
        return [c for c in group.cat.categories if c in set(present)]
    try:
        return sorted(present)
    except TypeError:
        return sorted(present, key=str)

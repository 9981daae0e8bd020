"""Quah's stochastic kernel: the conditional density of a unit's (relative) value given its value k
periods earlier (distribution dynamics) or given its neighbours' spatial lag (spatial conditioning)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ._data import long_frame, unit_weights
from ._guards import InputError, check_min_units
from ._results import Result, provenance
from ._wmatrix import AlignedCache

__all__ = ["StochasticKernelResult", "stochastic_kernel"]

#: The grid spans the pairs ± this many kernel standard deviations (the mass a kernel loses beyond it is 3e-5).
CUT = 4.0


@dataclass(frozen=True, eq=False, repr=False)
class StochasticKernelResult(Result):
    """A stochastic kernel on a square grid (see :func:`stochastic_kernel`).

    Attributes
    ----------
    x_grid, y_grid : ndarray
        The grids of the two axes (``grid`` points each).
    joint : ndarray
        f(x, y) on the grid, ``joint[i, j]`` at (x_grid[i], y_grid[j]).
    marginal : ndarray
        f(x) = ∫ f(x, y) dy, analytically (the 1-D kernel density of the conditioning values).
    conditional : ndarray
        f(y | x) = f(x, y) / f(x), ``conditional[i, j]`` the density of y = y_grid[j] given x = x_grid[i].
    pairs : DataFrame
        The (x, y) observations: ``id``, ``period`` (of x), ``x``, ``y``.
    covariance : ndarray
        The 2 × 2 kernel covariance H.
    """

    x_grid: np.ndarray
    y_grid: np.ndarray
    joint: np.ndarray
    marginal: np.ndarray
    conditional: np.ndarray
    pairs: pd.DataFrame
    covariance: np.ndarray
    kind: str
    labels: tuple[str, str]

    def _title(self) -> str:
        return "Stochastic kernel (" + ("t → t+k" if self.kind == "dynamic" else "spatially conditioned") + ")"

    def _summary_lines(self) -> list[str]:
        h = np.sqrt(np.diag(self.covariance))
        x, y = self.pairs["x"].to_numpy(), self.pairs["y"].to_numpy()
        lines = [f"x: {self.labels[0]};  y: {self.labels[1]}",
                 f"pairs: {len(self.pairs)};  kernel sd: x {h[0]:.4g}, y {h[1]:.4g};  corr(x, y) = "
                 f"{np.corrcoef(x, y)[0, 1]:.4f}", "",
                 f"{'x':>10}{'E[y | x]':>12}{'mode of y | x':>16}{'P(y > x | x)':>15}"]
        gx, gy = self.x_grid, self.y_grid
        for q in (0.1, 0.25, 0.5, 0.75, 0.9):
            i = int(np.argmin(np.abs(gx - np.quantile(x, q))))
            f = self.conditional[i]
            mass = f.sum()
            lines.append(f"{gx[i]:>10.4f}{(gy * f).sum() / mass:>12.4f}"
                         f"{gy[int(np.argmax(f))]:>16.4f}{f[gy > gx[i]].sum() / mass:>15.4f}")
        return lines

    def to_frame(self) -> pd.DataFrame:
        """Tidy grid: one row per (x, y) with ``joint`` f(x, y), ``marginal`` f(x) and ``conditional`` f(y | x)."""
        gx, gy = len(self.x_grid), len(self.y_grid)
        return pd.DataFrame({"x": np.repeat(self.x_grid, gy), "y": np.tile(self.y_grid, gx),
                             "joint": self.joint.ravel().copy(), "marginal": np.repeat(self.marginal, gy),
                             "conditional": self.conditional.ravel().copy()})

    def _plot(self, ax, kind: Literal["contour", "surface"] = "contour", density: str = "conditional",
              cmap: str = "viridis", levels: int = 12, **kw):
        if density not in ("conditional", "joint"):
            raise ValueError(f"density must be 'conditional' or 'joint', got {density!r}")
        z = (self.conditional if density == "conditional" else self.joint).T  # rows: y, columns: x
        xg, yg = np.meshgrid(self.x_grid, self.y_grid)
        lo, hi = max(self.x_grid[0], self.y_grid[0]), min(self.x_grid[-1], self.y_grid[-1])
        if kind == "contour":
            ax.contour(xg, yg, z, levels=levels, cmap=cmap, **kw)
            ax.plot([lo, hi], [lo, hi], color="grey", linestyle="--", linewidth=0.8, label="45°")
            ax.set_xlabel(self.labels[0])
            ax.set_ylabel(self.labels[1])
            ax.set_aspect("equal")
            return ax
        if kind == "surface":
            from .density import _fit_box, _surface_axes

            ax3 = _surface_axes(ax)
            ax3.plot_surface(xg, yg, z, cmap=cmap, linewidth=0, antialiased=True, **kw)
            ax3.plot([lo, hi], [lo, hi], [0, 0], color="grey", linestyle="--", linewidth=0.8)
            ax3.tick_params(labelsize=7, pad=1)
            for axis in (ax3.xaxis, ax3.yaxis, ax3.zaxis):
                axis.labelpad = 9
            ax3.set_xlabel(self.labels[0])
            ax3.set_ylabel(self.labels[1])
            ax3.set_zlabel("f(y | x)" if density == "conditional" else "f(x, y)")
            _fit_box(ax3)
            return ax3
        raise ValueError(f"kind must be 'contour' or 'surface', got {kind!r}")

    def plot(self, ax=None, **kw):
        """Contour plot (``kind="contour"``, with the 45° line) or 3-D surface (``kind="surface"``) of the
        conditional density (``density="conditional"``) or the joint one (``density="joint"``)."""
        return super().plot(ax=ax, **kw)


def _factor(n: int, bandwidth) -> float:
    """scipy.stats.gaussian_kde's bandwidth factor for d = 2."""
    if isinstance(bandwidth, int | float | np.floating) and not isinstance(bandwidth, bool):
        if not (np.isfinite(bandwidth) and bandwidth > 0):
            raise InputError(f"stochastic_kernel: a numeric bandwidth must be a positive factor, got {bandwidth!r}")
        return float(bandwidth)
    if bandwidth == "scott":
        return n ** (-1.0 / 6)
    if bandwidth == "silverman":
        return (n * (2 + 2) / 4.0) ** (-1.0 / 6)
    raise InputError(f"stochastic_kernel: bandwidth must be 'scott', 'silverman' or a positive factor, "
                     f"got {bandwidth!r}")


def _normal(u: np.ndarray, var: float) -> np.ndarray:
    return np.exp(-0.5 * u * u / var) / np.sqrt(2 * np.pi * var)


def _joint(gx: np.ndarray, gy: np.ndarray, x: np.ndarray, y: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """f(x, y) = (1/n) Σ_i N((x, y); (x_i, y_i), H) on gx × gy."""
    n = len(x)
    if cov[0, 1] == 0:  # product kernel: a matrix product
        return _normal(gx[None, :] - x[:, None], cov[0, 0]).T @ _normal(gy[None, :] - y[:, None], cov[1, 1]) / n
    inv = np.linalg.inv(cov)
    norm = 1.0 / (2 * np.pi * np.sqrt(np.linalg.det(cov)) * n)
    out = np.zeros((len(gx), len(gy)))
    step = max(1, 2_000_000 // (len(gx) * len(gy)))
    for s in range(0, n, step):
        dx = gx[None, :, None] - x[s:s + step, None, None]
        dy = gy[None, None, :] - y[s:s + step, None, None]
        q = inv[0, 0] * dx * dx + 2 * inv[0, 1] * dx * dy + inv[1, 1] * dy * dy
        out += np.exp(-0.5 * q).sum(axis=0)
    return out * norm


def _relative(data: pd.DataFrame, column: str, time: str, relative: bool) -> pd.Series:
    v = data[column].astype(float)
    if not relative:
        return v
    means = v.groupby(data[time]).transform("mean")
    bad = data.loc[~(means > 0), time].unique().tolist()
    if bad:
        raise InputError(f"stochastic_kernel: the cross-section mean of {column!r} is not positive in {bad[:10]}; "
                         "relative values (value / mean) are undefined: pass relative=False")
    return v / means


def stochastic_kernel(
    df: pd.DataFrame,
    column: str,
    *,
    w=None,
    kind: Literal["dynamic", "spatial"] = "dynamic",
    step: int = 1,
    relative: bool = True,
    bandwidth: Literal["scott", "silverman"] | float = "scott",
    kernel: Literal["product", "full"] = "product",
    grid: int = 100,
    id: str = "adcode",
    time: str = "year",
) -> StochasticKernelResult:
    """Quah's stochastic kernel: the conditional density f(y | x) of a region's value y given x.

    * ``kind="dynamic"`` (Quah 1993, 1997): x = the value in year t, y = the value in year t + ``step``
      (same unit; pairs pooled over all t with both years present).  Mass along the 45° line means
      persistence; mass parallel to the x axis means convergence to a common level.
    * ``kind="spatial"`` (Quah 1996): x = the neighbours' spatial lag (W·value, ``w`` row-standardised,
      aligned by id per year), y = the unit's own value in the same year (pairs pooled over years).  Mass
      along the 45° line means a region looks like its neighbours (spatial conditioning explains its
      position).

    With ``relative=True`` (default, as Quah) each value is divided by that year's cross-section mean
    (over the units present that year), so 1 is the average and the kernel shows the distribution's
    shape rather than its growth; ``relative=False`` uses the raw values.

    The joint density is a bivariate Gaussian kernel estimate f(x, y) = (1/n) Σ_i N((x, y); (x_i, y_i), H)
    with H = c² S, S the sample covariance of the pairs (ddof = 1) and c the bandwidth factor in
    ``scipy.stats.gaussian_kde``'s convention: ``"scott"`` c = n^(−1/6), ``"silverman"``
    c = (n (d + 2)/4)^(−1/(d + 4)) = n^(−1/6) for d = 2, or a given number.  ``kernel="full"`` uses the
    full S and equals ``scipy.stats.gaussian_kde(pairs, bw_method)``; ``kernel="product"`` (default) uses
    diag(S), a product of two 1-D kernels with bandwidths c·sd(x) and c·sd(y) — the usual choice for
    conditional densities (Hyndman, Bashtannyk & Grunwald 1996), and defined for perfectly persistent
    data, whose full S is singular.  The marginal f(x) = (1/n) Σ_i N(x; x_i, H_xx) is exact, and
    f(y | x) = f(x, y)/f(x) on ``grid`` × ``grid`` points: x over its pairs ± 4 kernel sds, y over its
    pairs ± 4 (1 + |ρ|) kernel sds (ρ the kernel correlation, 0 for the product kernel, so that y | x
    stays on the grid at the extreme x); each f(· | x) integrates to 1 up to the kernel mass beyond the
    grid (< 1e-4) and the quadrature error (a grid step finer than the conditional kernel sd
    h_y √(1 − ρ²) is needed: raise ``grid`` for nearly collinear pairs with ``kernel="full"``).

    Minimum sizes: 3 pairs, each axis not constant, and for ``kernel="full"`` a non-singular S; a unit
    without neighbours is an :class:`~spatialq._wmatrix.IslandError`; ids of the data missing from ``w``
    are named.  Rows are read in (id, year) order, so the input's row order changes nothing.

    References: Quah, D. T. (1993), Empirical cross-section dynamics in economic growth, *European
    Economic Review* 37: 426–434; Quah (1996), Regional convergence clusters across Europe, *European
    Economic Review* 40: 951–958; Quah (1997), Empirics for growth and distribution: stratification,
    polarization, and convergence clubs, *Journal of Economic Growth* 2: 27–59.
    """
    if kind not in ("dynamic", "spatial"):
        raise InputError(f"stochastic_kernel: kind must be 'dynamic' or 'spatial', got {kind!r}")
    if kernel not in ("product", "full"):
        raise InputError(f"stochastic_kernel: kernel must be 'product' or 'full', got {kernel!r}")
    if isinstance(grid, bool) or not isinstance(grid, int | np.integer) or not 10 <= grid <= 1000:
        raise InputError(f"stochastic_kernel: grid must be a whole number from 10 to 1000, got {grid!r}")
    if isinstance(step, bool) or not isinstance(step, int | np.integer) or step < 1:
        raise InputError(f"stochastic_kernel: step must be a whole number of periods ≥ 1, got {step!r}")
    if kind == "spatial" and w is None:
        raise InputError("stochastic_kernel: kind='spatial' needs weights w= (libpysal W or Graph)")
    data = long_frame(df, id=id, time=time, columns=[column])
    if time not in data.columns:
        raise KeyError(f"time column {time!r} not found (pass time=)")
    if not pd.api.types.is_integer_dtype(data[time]):
        raise InputError(f"stochastic_kernel: the periods in {time!r} must be whole years to pair t with t + {step}")
    rel = _relative(data, column, time, relative)
    what = f"{column} / mean" if relative else column
    if kind == "dynamic":
        nxt = pd.DataFrame({id: data[id], time: data[time] - step, "y": rel})
        pairs = pd.DataFrame({id: data[id], time: data[time], "x": rel}).merge(nxt, on=[id, time], how="inner")
        labels = (f"{what}, t", f"{what}, t+{step}")
    else:
        w = unit_weights(w, df, id=id, time=time, method="stochastic_kernel")  # a bare sparse w: the input's units
        weights_for = AlignedCache(w, "r", method="stochastic_kernel")
        parts = []
        for period, idx in data.groupby(time, sort=True).groups.items():
            ids = data.loc[idx, id].tolist()
            m = weights_for(ids, period)
            own = rel.loc[idx].to_numpy()
            parts.append(pd.DataFrame({id: ids, time: period, "x": m @ own, "y": own}))
        pairs = pd.concat(parts, ignore_index=True)
        labels = (f"neighbours' lag of {what}", what)
    pairs = pairs.sort_values([id, time], kind="stable").reset_index(drop=True)
    check_min_units(len(pairs), 3, method="stochastic_kernel", what="(x, y) pairs",
                    why="t and t + step both present" if kind == "dynamic" else "")
    x, y = pairs["x"].to_numpy(dtype=float), pairs["y"].to_numpy(dtype=float)
    for name, v in ((labels[0], x), (labels[1], y)):
        if np.ptp(v) <= 1e-12 * max(1.0, float(np.max(np.abs(v)))):
            raise InputError(f"stochastic_kernel: {name} is constant ({v[0]:.6g}); its kernel density is undefined")
    c = _factor(len(pairs), bandwidth)
    s = np.cov(np.vstack([x, y]), ddof=1)
    if kernel == "full":
        r = s[0, 1] / np.sqrt(s[0, 0] * s[1, 1])
        if not abs(r) < 1 - 1e-10:
            raise InputError(f"stochastic_kernel: x and y are perfectly correlated (r = {r:.12f}), so the "
                             "full kernel covariance is singular; use kernel='product'")
        cov = c * c * s
    else:
        cov = np.diag(np.diag(s)) * c * c
    h = np.sqrt(np.diag(cov))
    # y | x under one kernel is centred at y_i + ρ (h_y/h_x)(x − x_i), sd h_y √(1 − ρ²): at x = x_i ± CUT h_x the
    # centre moves by CUT |ρ| h_y, so the y grid reaches CUT (1 + |ρ|) h_y beyond the data (ρ = 0: product kernel)
    rho = abs(cov[0, 1]) / (h[0] * h[1])
    gx = np.linspace(x.min() - CUT * h[0], x.max() + CUT * h[0], int(grid))
    gy = np.linspace(y.min() - CUT * (1 + rho) * h[1], y.max() + CUT * (1 + rho) * h[1], int(grid))
    joint = _joint(gx, gy, x, y, cov)
    marginal = _normal(gx[:, None] - x[None, :], cov[0, 0]).mean(axis=1)
    if not np.all(marginal > 0):
        raise InputError("stochastic_kernel: the marginal density underflows on the grid; rescale the column or "
                         "use a larger bandwidth")
    conditional = joint / marginal[:, None]
    pairs = pairs.rename(columns={time: "period"})[[id, "period", "x", "y"]]
    return StochasticKernelResult(
        meta=provenance("spatialq.density_conditional.stochastic_kernel", n=len(pairs), column=column, kind=kind,
                        step=step if kind == "dynamic" else None, relative=relative, bandwidth=bandwidth,
                        kernel=kernel, grid=int(grid)),
        x_grid=gx, y_grid=gy, joint=joint, marginal=marginal, conditional=conditional, pairs=pairs, covariance=cov,
        kind=kind, labels=labels)

"""Bivariate Moran's I and bivariate LISA (Anselin, Syabri & Smirnov 2002), and differential Moran's I.

Bivariate statistics relate a variable x at each unit to the spatial lag of *another* variable y.  They
follow the conventions of :mod:`spatialq.hotspot.moran`: long data, weights matched by id and
row-standardised on a copy, islands refused, permutation p-values folded with ties counted on both sides
(:mod:`spatialq.hotspot._perm`), seeds, LISA quadrants and cluster maps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from .._data import long_frame, time_col
from .._guards import InputError, at, check_min_units, check_not_constant, check_permutations, rescale
from .._parallel import check_n_jobs
from .._results import Result, provenance
from .._wmatrix import AlignedCache, refuse_bare_sparse
from ._perm import conditional_pvalues, fdr, folded_pvalue, period_seed, permuted_forms
from .moran import (
    DEGENERATE_RTOL,
    QUADRANT_EN,
    QUADRANT_ZH,
    LocalMoranResult,
    MoranResult,
    _finish,
    _periods,
    local_moran,
    moran,
)

__all__ = ["BivariateLocalMoranResult", "BivariateMoranResult", "DifferentialMoranResult", "bivariate_local_moran",
           "bivariate_moran", "differential_moran"]

#: Fewest units per period: the conditional variance of the local statistic has n − 2 in a denominator.
MIN_UNITS_BV = 4


def _standardise(v: np.ndarray) -> np.ndarray:
    """(v − v̄)/s with the sample standard deviation (n − 1), as R ``scale`` and esda's ``Moran_BV``."""
    d = v - v.mean()
    return d / np.sqrt((d @ d) / (len(v) - 1))


def _bv_periods(df, x, y, w, *, by, id, transform, method):
    """Sorted long frame, its period column and an iterator (k, period, rows, ids, zx, zy, W)."""
    refuse_bare_sparse(w, method)
    if x == y:
        raise InputError(f"{method}: x and y are the same column {x!r}; use moran / local_moran for one variable")
    data = long_frame(df, id=id, time=by, columns=[x, y])
    t = time_col(data, by)

    def periods():
        weights_for = AlignedCache(w, transform, method=method)
        xs, ys = data[x].to_numpy(dtype=float), data[y].to_numpy(dtype=float)
        for k, (period, rows) in enumerate(_periods(data, t)):
            label = None if t == "_time" else period
            ids = data[id].to_numpy()[rows]
            check_min_units(len(rows), MIN_UNITS_BV, method=method, period=label,
                            why="the randomisation variance has n − 2 and n − 1 in its denominators")
            for c, v in ((x, xs), (y, ys)):
                check_not_constant(v[rows], column=c, method=method, period=label)
            zx = _standardise(rescale(xs[rows], column=x, period=label))
            zy = _standardise(rescale(ys[rows], column=y, period=label))
            yield k, label, rows, ids, zx, zy, weights_for(ids, label)

    return data, t, periods()


@dataclass(frozen=True, eq=False, repr=False)
class BivariateMoranResult(MoranResult):
    """Global bivariate Moran's I per period (see :func:`bivariate_moran`)."""

    def _title(self) -> str:
        return "Bivariate Moran's I"

    def _summary_lines(self) -> list[str]:
        x, y = self.meta.options["x"], self.meta.options["y"]
        lines = [f"x = {x} at each unit, spatial lag of y = {y}",
                 f"{'period':>8}{'I_xy':>9}{'z (rand)':>10}{'p (rand)':>10}{'p_sim':>8}"]
        for r in self.table.itertuples():
            lines.append(f"{r.period!s:>8}{r.I:>9.4f}{r.z_rand:>10.3f}{r.p_rand:>10.4f}{r.p_sim:>8.3f}")
        return lines

    def to_frame(self) -> pd.DataFrame:
        """One row per period: ``I``, ``expectation`` (0), ``variance_rand``, ``z_rand``, ``p_rand``
        (two-sided normal), ``p_sim``, ``z_sim``, ``mean_sim`` and ``n``."""
        return self.table.rename(columns={"period": self.time or "period"}).copy()

    def _plot(self, ax, period=None, **kw):
        """Bivariate Moran scatter plot of one period (default: the last): W z_y against z_x, slope I_xy."""
        ax = super()._plot(ax, period=period, **kw)
        ax.set_xlabel(f"{self.meta.options['x']} (standardised)")
        ax.set_ylabel(f"spatial lag of {self.meta.options['y']} (standardised)")
        return ax


def bivariate_moran(
    df: pd.DataFrame,
    x: str,
    y: str,
    w,
    *,
    by: str | None = "year",
    transform: Literal["r", "b", "o"] = "r",
    permutations: int = 999,
    seed: int | None = None,
    id: str = "adcode",
    n_jobs: int = 1,
) -> BivariateMoranResult:
    """Global bivariate Moran's I (Anselin, Syabri & Smirnov 2002) per period: x against the lag of y.

    I_xy = Σ_i z_x,i (W z_y)_i / Σ_i z_x,i², with z the values standardised to mean 0 and variance 1
    (the scale cancels): the slope of the bivariate Moran scatter plot (W z_y on z_x).  This is esda's
    ``Moran_BV(x, y, w).I`` and R spdep's ``moran_bv(x, y, listw)$t0`` (tested equal to 1e-12); like
    them it has no n/S₀ factor, which is 1 for the default row-standardised weights.

    Inference under randomisation of y over the units with x held fixed (esda's and GeoDa's null: y's
    values are spatially random with respect to x): E[I_xy] = 0 and the exact permutation variance
    Var = n/(n − 1) · σ_y² Σ_j (a_j − ā)² / (Σ z_x²)², a = Wᵀ z_x, σ_y² = Σz_y²/n (tested against the
    enumeration of all permutations), giving ``z_rand`` and a two-sided normal ``p_rand``; ``p_sim`` from
    ``permutations`` random permutations of y (folded one-sided, ties counted on both sides), seeded
    through ``numpy.random.default_rng(seed)`` in the order of the sorted ids.  spdep's ``moran_bv``
    instead permutes the (x, y) pairs together (``boot(..., sim="permutation")``), a different null; its
    statistic is the same.

    ``w`` is matched to the rows by id and row-standardised on a copy (``transform="r"``); ``"b"``
    binary, ``"o"`` as given.  Refused, with errors naming the column or period: fewer than **4 units**,
    x equal to y, a constant x or y, missing values, weights with islands, or weights and values for
    which every permutation gives the same I.

    ``n_jobs`` runs the permutations on that many threads (joblib's convention); the numbers are the same
    for every ``n_jobs``: each block of draws has its own stream of ``numpy.random.SeedSequence(seed)``,
    one per period (see :mod:`spatialq.hotspot._perm`).
    """
    permutations = check_permutations(permutations)
    data, t, periods = _bv_periods(df, x, y, w, by=by, id=id, transform=transform, method="bivariate_moran")
    n_jobs = check_n_jobs(n_jobs, method="bivariate_moran")
    rows, scat = [], []
    for k, period, pos, ids, zx, zy, m in periods:
        n = len(zx)
        lag = m @ zy
        den = zx @ zx
        i_obs = (zx @ lag) / den
        a = m.T @ zx
        var = n / (n - 1) * (zy @ zy / n) * ((a - a.mean()) @ (a - a.mean())) / den ** 2
        if var <= DEGENERATE_RTOL * (a @ a) * (zy @ zy / n) / den ** 2:
            raise InputError(f"bivariate_moran: every permutation of {y!r} gives the same I{at(period)}: the "
                             f"weights spread {x!r} evenly over every unit; use other weights or drop the period")
        z = i_obs / np.sqrt(var)
        out = dict(period=period, n=n, I=i_obs, expectation=0.0, variance_rand=var, z_rand=z,
                   p_rand=2 * stats.norm.sf(abs(z)))
        if permutations:
            sims = permuted_forms(zy, None, permutations=permutations, seed=period_seed(seed, k), linear=a,
                                  n_jobs=n_jobs)[:, 1] / den
            out.update(p_sim=float(folded_pvalue(sims, i_obs, permutations)),
                       z_sim=(i_obs - sims.mean()) / sims.std(ddof=1), mean_sim=sims.mean())
        else:
            out.update(p_sim=np.nan, z_sim=np.nan, mean_sim=np.nan)
        rows.append(out)
        scat.append(pd.DataFrame({"_pos": pos, "id": ids, "period": period, "z": zx, "lag": lag}))
    table = pd.DataFrame(rows)
    if t == "_time":
        table["period"] = None
    return BivariateMoranResult(
        meta=provenance("spatialq.hotspot.bivariate_moran", seed=seed, n=len(data), x=x, y=y, transform=transform,
                        permutations=permutations),
        table=table, scatter=_finish(scat, t), time=None if t == "_time" else t)


@dataclass(frozen=True, eq=False, repr=False)
class BivariateLocalMoranResult(LocalMoranResult):
    """Bivariate local Moran's I per unit and period (see :func:`bivariate_local_moran`)."""

    def _title(self) -> str:
        return f"Bivariate LISA ({self.meta.options['x']} vs lag of {self.meta.options['y']})"

    def to_frame(self) -> pd.DataFrame:
        """One row per unit and period: ``x``, ``y`` (as given), ``Ii``, ``expectation``, ``variance``
        (conditional randomisation), ``z``, ``p`` (two-sided), ``p_sim`` (with permutations),
        ``quadrant`` (HH/LH/LL/HL: x high/low, lag of y high/low), ``cluster`` (quadrant if significant,
        else "ns"), ``cluster_zh``, ``cluster_en``."""
        return self.table.rename(columns={"id": self.id, "period": self.time or "period"}).copy()


def bivariate_local_moran(
    df: pd.DataFrame,
    x: str,
    y: str,
    w,
    *,
    by: str | None = "year",
    transform: Literal["r", "b", "o"] = "r",
    permutations: int = 999,
    alpha: float = 0.05,
    fdr_correction: bool = False,
    seed: int | None = None,
    id: str = "adcode",
    n_jobs: int = 1,
) -> BivariateLocalMoranResult:
    """Bivariate local Moran's I (bivariate LISA; Anselin, Syabri & Smirnov 2002) per unit and period.

    I_i = z_x,i Σ_j w_ij z_y,j with z standardised by the sample standard deviation (n − 1): esda's
    ``Moran_Local_BV(x, y, w).Is`` and R spdep's ``localmoran_bv(x, y, listw)[, "Ibvi"]`` (tested equal to
    1e-12); Σ_i I_i/(n − 1) is the global :func:`bivariate_moran`.

    Inference by conditional randomisation: unit i keeps x_i, its neighbours' y values are drawn without
    replacement from the other n − 1 units (esda's null).  The analytic moments of that draw are
    E[I_i] = −z_x,i W_i z_y,i/(n − 1) and Var[I_i] = z_x,i² σ²_(i) (N Σ_j w_ij² − W_i²)/(N − 1), N = n − 1,
    σ²_(i) the variance of the others' z_y (tested against enumeration), giving ``z`` and a two-sided ``p``;
    ``p_sim`` from ``permutations`` draws (the engine of :func:`local_moran`: folded one-sided, ties on
    both sides; seeded per period with ``seed + k``).  spdep's ``localmoran_bv`` draws the neighbours'
    values *with* replacement and reports moments of its draws, so its p-values differ slightly.

    Quadrants: HH (x above its mean, lag of y above 0), LH, LL, HL; ``cluster`` is the quadrant where the
    p-value (``p_sim`` with permutations, else ``p``) is at most ``alpha`` (Benjamini–Hochberg with
    ``fdr_correction``), else "ns".

    What it does **not** mean (GeoDa's warning): a significant HH unit is a high x surrounded by high y
    values — the lag is of y, not of x, and the statistic does not control for the correlation of x and y
    at the same location, so a strong in-place correlation alone produces "clusters".  It is not a test of
    x "spilling over" into y; with y a later period of x it shows inward, not outward, influence.

    Needs at least **4 units** per period; x equal to y, a constant column, missing values or islands are
    errors naming the column or period.  The table is sorted by (id, period).

    ``n_jobs`` runs the permutations on that many threads (joblib's convention); the numbers are the same
    for every ``n_jobs``: each block of draws has its own stream of ``numpy.random.SeedSequence(seed)``,
    one per period (see :mod:`spatialq.hotspot._perm`).
    """
    if not 0 < alpha < 1:
        raise InputError(f"alpha must lie in (0, 1), got {alpha}")
    permutations = check_permutations(permutations)
    data, t, periods = _bv_periods(df, x, y, w, by=by, id=id, transform=transform, method="bivariate_local_moran")
    frames = []
    for k, period, pos, ids, zx, zy, m in periods:
        n = len(zx)
        lag = m @ zy
        ii = zx * lag + 0.0
        wi = np.asarray(m.sum(axis=1)).ravel()
        wi2 = np.asarray(m.multiply(m).sum(axis=1)).ravel()
        big_n = n - 1
        mu = -zy / big_n  # mean of the others' z_y (Σ z_y = 0)
        var_o = ((zy @ zy) - zy * zy) / big_n - mu * mu  # population variance of the others' z_y
        e = zx * wi * mu
        spread = big_n * wi2 - wi * wi
        var = zx * zx * var_o * spread / (big_n - 1)
        flat = (var <= DEGENERATE_RTOL * (zx * zx) * wi2 * (zy @ zy) / n) | (zx == 0)
        var = np.where(flat, 0.0, var)
        zval = np.where(flat, 0.0, (ii - e) / np.sqrt(np.where(flat, 1.0, var)))
        out = pd.DataFrame({"_pos": pos, "id": ids, "period": period, "x": data[x].to_numpy()[pos],
                            "y": data[y].to_numpy()[pos], "Ii": ii, "expectation": e, "variance": var, "z": zval,
                            "p": 2 * stats.norm.sf(np.abs(zval))})
        if permutations:
            p_sim, _, _ = conditional_pvalues(zy, m, ii, zx, permutations=permutations, seed=period_seed(seed, k),
                                              n_jobs=n_jobs)
            out["p_sim"] = np.where(flat, 1.0, p_sim)
        pcol = (out["p_sim"] if permutations else out["p"]).to_numpy()
        sig = fdr(pcol, alpha) if fdr_correction else pcol <= alpha
        quad = np.where(zx > 0, np.where(lag > 0, "HH", "HL"), np.where(lag > 0, "LH", "LL"))
        out["quadrant"] = quad
        out["cluster"] = np.where(sig, quad, "ns")
        out["cluster_zh"] = out["cluster"].map(QUADRANT_ZH)
        out["cluster_en"] = out["cluster"].map(QUADRANT_EN)
        frames.append(out)
    return BivariateLocalMoranResult(
        meta=provenance("spatialq.hotspot.bivariate_local_moran", seed=seed, n=len(data), x=x, y=y,
                        transform=transform, permutations=permutations, alpha=alpha, fdr=fdr_correction),
        table=_finish(frames, t), id=id, time=None if t == "_time" else t, alpha=alpha)


@dataclass(frozen=True, eq=False, repr=False)
class DifferentialMoranResult(Result):
    """Moran's I and LISA of the change x_end − x_start (see :func:`differential_moran`)."""

    global_: MoranResult
    local: LocalMoranResult
    start: object
    end: object
    id: str

    def _title(self) -> str:
        return f"Differential Moran's I ({self.start} → {self.end})"

    def _summary_lines(self) -> list[str]:
        g = self.global_.table.iloc[0]
        ct = self.local.table["cluster"].value_counts()
        return [f"I = {g['I']:.4f}  E[I] = {g['expectation']:.4f}  z (rand) = {g['z_rand']:.3f}  "
                f"p (rand) = {g['p_rand']:.4f}  p_sim = {g['p_sim']:.3f}",
                "LISA of the change: " + ", ".join(f"{c} {int(ct.get(c, 0))}" for c in ["HH", "LH", "LL", "HL", "ns"])]

    def to_frame(self) -> pd.DataFrame:
        """One row per unit: ``start``, ``end``, ``change`` (x_end − x_start) and the LISA columns of
        :meth:`LocalMoranResult.to_frame` for the change."""
        out = self.local.table.drop(columns="period").rename(columns={"value": "change"})
        out.insert(1, "start", self.start)
        out.insert(2, "end", self.end)
        return out.rename(columns={"id": self.id}).copy()

    def _plot(self, ax, gdf=None, lang: str = "zh", **kw):
        """The LISA cluster map of the change with ``gdf``, else its Moran scatter plot."""
        if gdf is None:
            return self.global_._plot(ax, **kw)
        return self.local._plot(ax, gdf=gdf, lang=lang, **kw)


def differential_moran(
    df: pd.DataFrame,
    column: str,
    w,
    *,
    start=None,
    end=None,
    time: str = "year",
    transform: Literal["r", "b", "o"] = "r",
    permutations: int = 999,
    alpha: float = 0.05,
    seed: int | None = None,
    id: str = "adcode",
) -> DifferentialMoranResult:
    """Differential Moran's I (GeoDa): global Moran's I and LISA of the change d_i = x_i,end − x_i,start.

    Removes each unit's time-invariant level, so the statistic is about the spatial pattern of change
    rather than of level (Anselin, *GeoDa workbook*, "Differential Moran scatter plot").  Computed by
    :func:`moran` and :func:`local_moran` on d with all their conventions (equal to them on a
    pre-differenced column, tested; hence to spdep's ``moran.test`` and ``localmoran``).

    ``start`` and ``end`` default to the first and last periods of ``time``.  Every unit must be observed
    in both (the error names those that are not); a constant change is refused by :func:`moran`.
    """
    if sp.issparse(w):
        raise InputError("differential_moran: w must be a libpysal W or Graph matched to the rows by id, not a bare "
                         "sparse matrix (it has no ids to match)")
    data = long_frame(df, id=id, time=time, columns=[column])
    if time not in data.columns:
        raise InputError(f"differential_moran needs a period column; {time!r} is not in the data (pass time=)")
    periods = sorted(data[time].unique())
    start = periods[0] if start is None else start
    end = periods[-1] if end is None else end
    for name, p in (("start", start), ("end", end)):
        if p not in periods:
            raise InputError(f"differential_moran: {name}={p!r} is not a period of {time!r}; periods: {periods}")
    if start == end:
        raise InputError(f"differential_moran: start and end are both {start!r}; give two different periods")
    wide = data.pivot(index=id, columns=time, values=column)[[start, end]]
    gone = wide.index[wide.isna().any(axis=1)].tolist()
    if gone:
        raise InputError(f"differential_moran: units not observed in both {start} and {end}: {gone[:10]}"
                         f"{' …' if len(gone) > 10 else ''}; drop them (and from the weights) or fill the data")
    change = pd.DataFrame({id: wide.index.to_numpy(), "change": (wide[end] - wide[start]).to_numpy()})
    g = moran(change, "change", w, by=None, id=id, transform=transform, permutations=permutations, seed=seed)
    loc = local_moran(change, "change", w, by=None, id=id, transform=transform, permutations=permutations,
                      alpha=alpha, seed=seed)
    return DifferentialMoranResult(
        meta=provenance("spatialq.hotspot.differential_moran", seed=seed, n=len(change), column=column, start=start,
                        end=end, transform=transform, permutations=permutations, alpha=alpha),
        global_=g, local=loc, start=start, end=end, id=id)

"""Global Moran's I per period and local Moran's I (LISA) with clusters."""

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
from .._wmatrix import AlignedCache, aligned
from ._perm import conditional_pvalues, fdr, folded_pvalue, period_seed, permuted_forms

__all__ = ["LocalMoranResult", "MoranResult", "local_moran", "moran"]

QUADRANT_ZH = {"HH": "高-高", "LH": "低-高", "LL": "低-低", "HL": "高-低", "ns": "不显著"}
QUADRANT_EN = {"HH": "High-High", "LH": "Low-High", "LL": "Low-Low", "HL": "High-Low", "ns": "Not significant"}


def _last_period(table: pd.DataFrame):
    """The last period of a table sorted by (id, period); None for one cross-section."""
    periods = table["period"].dropna()
    return None if periods.empty else max(periods.unique())


def _select_period(table: pd.DataFrame, period) -> pd.DataFrame:
    """Rows of one period (default: the last); all rows for a single cross-section."""
    p = _last_period(table) if period is None else period
    if p is None or pd.isna(p):
        return table
    part = table[table["period"] == p]
    if part.empty:
        raise ValueError(f"period {period!r} not in the result; periods: {sorted(table['period'].unique())}")
    return part


#: Fewest units per period each statistic accepts (docs/errors.md lists them with the reasons).
MIN_UNITS = {"moran": 4, "local_moran": 3, "gi_star": 3}
_WHY = {
    "moran": "the randomisation variance of I has (n − 1)(n − 2)(n − 3) in its denominator, and with two "
             "units I is −1 whatever the values",
    "local_moran": "the conditional variance of I_i has n − 2 in its denominator",
    "gi_star": "with two units each unit's neighbourhood is the whole map, so z is 0/0",
}


def _by_period(df: pd.DataFrame, column: str, w, *, by, id: str, transform: str, method: str):
    """The long frame (rows sorted by id and period), its period column, and an iterator over periods
    yielding (k, period, rows, ids, x, W): ``period`` is None for one cross-section, ``rows`` the
    positions of the period's rows in the sorted frame, W aligned to ``ids`` (cached across periods).

    Each period is checked up front: at least :data:`MIN_UNITS` units, finite and non-constant values
    (errors name the column and the period), weights without islands.  ``x`` is rescaled by
    :func:`~spatialq._guards.rescale` (every statistic here is scale-invariant); the tables report the
    values as given.  A scipy sparse ``w`` follows the input's rows in each period: it is permuted to
    the sorted rows.
    """
    sparse = sp.issparse(w)
    data = long_frame(df, id=id, time=by, columns=[column], row="_row" if sparse else None)
    t = time_col(data, by)

    def periods():
        weights_for = AlignedCache(w, transform, method=method)
        values = data[column].to_numpy(dtype=float)
        for k, (period, rows) in enumerate(_periods(data, t)):
            label = None if t == "_time" else period
            ids = take(data[id].to_numpy(), rows)
            check_min_units(len(rows), MIN_UNITS[method], method=method, period=label, why=_WHY[method])
            x = take(values, rows)
            check_not_constant(x, column=column, method=method, period=label)
            if sparse:
                given = data["_row"].to_numpy()[rows]
                ordered = w.shape != (len(rows),) * 2 or _increasing(given)
                if not ordered:
                    rank = np.argsort(np.argsort(given, kind="stable"), kind="stable")
                m = aligned(w if ordered else sp.csr_matrix(w)[rank][:, rank], ids, transform=transform,
                            method=method, period=label)
            else:
                m = weights_for(ids, label)
            yield k, label, rows, ids, rescale(x, column=column, period=label), m

    return data, t, periods()


def take(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``values[rows]``, as a view when ``rows`` is a run of consecutive positions (a single cross-section:
    no copy of a 9.6M-row column).  Callers only read the result."""
    if len(rows) and rows[-1] - rows[0] == len(rows) - 1 and _increasing(rows):  # (then consecutive)
        return values[rows[0]:rows[-1] + 1]
    return values[rows]


def _periods(data: pd.DataFrame, t: str):
    """Periods in order with the positions of their rows; the frame is sorted by (id, period), so each
    period's rows are sorted by id and results do not depend on the input's row order."""
    if t == "_time" and (data[t].to_numpy() == 0).all():  # one cross-section: every row, in order
        yield 0, np.arange(len(data))
        return
    for period, idx in data.groupby(t, sort=True).indices.items():
        yield period, np.sort(idx)


def _increasing(a: np.ndarray, block: int = 1 << 20) -> bool:
    """True when ``a`` increases strictly, checked in blocks (no temporary the size of ``a``)."""
    last = len(a) - 1  # pairs (i, i + 1) for i < last
    return all(bool(np.all(a[i + 1:min(i + block, last) + 1] > a[i:min(i + block, last)]))
               for i in range(0, max(last, 0), block))


def _finish(frames: list[pd.DataFrame], t: str) -> pd.DataFrame:
    """Per-unit tables concatenated and sorted by (id, period) — the order of the sorted input rows."""
    if len(frames) == 1 and _increasing(frames[0]["_pos"].to_numpy()):
        table = frames[0].drop(columns="_pos")  # one period already in row order (a grid): no copy of the table
    else:
        table = pd.concat(frames, ignore_index=True).sort_values("_pos", kind="stable")
        table = table.drop(columns="_pos").reset_index(drop=True)
    if t == "_time":
        table["period"] = None
    return table


def _global(z: np.ndarray, m: sp.csr_matrix, permutations: int, seed, *, column: str, period,
            n_jobs: int = 1) -> dict:
    n = len(z)
    s0 = m.sum()
    mt = m.T.tocsr()
    s1 = 0.5 * ((m + mt).multiply(m + mt)).sum()
    s2 = float(((np.asarray(m.sum(axis=1)).ravel() + np.asarray(m.sum(axis=0)).ravel()) ** 2).sum())
    zz = z @ z
    i_obs = n / s0 * (z @ (m @ z)) / zz
    e = -1.0 / (n - 1)
    var_n = (n * n * s1 - n * s2 + 3 * s0 * s0) / ((n * n - 1) * s0 * s0) - e * e
    b2 = n * (z ** 4).sum() / zz ** 2
    var_r = (n * ((n * n - 3 * n + 3) * s1 - n * s2 + 3 * s0 * s0)
             - b2 * ((n * n - n) * s1 - 2 * n * s2 + 6 * s0 * s0)) / ((n - 1) * (n - 2) * (n - 3) * s0 * s0) - e * e
    sims = None
    if permutations:
        sims = n / s0 * permuted_forms(z, m, permutations=permutations, seed=seed, n_jobs=n_jobs)[:, 0] / zz
    # var_r is the exact variance of I over all permutations of the values: (numerically) zero means
    # every arrangement gives the same I, so I carries no evidence and no p-value may be reported
    flat = min(var_n, var_r) <= DEGENERATE_RTOL * e * e
    if sims is not None:
        flat = flat or np.ptp(sims) <= DEGENERATE_RTOL * max(abs(i_obs), abs(e))
    if flat:
        raise InputError(
            f"moran: every permutation of {column!r} gives the same I{at(period)} (I = {i_obs:.4g}), so the test "
            "is undefined: the weights link every unit to every other with equal weights, or the values are "
            "all equal but one on a symmetric pattern of links; use other weights or drop the period")
    out = dict(I=i_obs, expectation=e, variance_norm=var_n, z_norm=(i_obs - e) / np.sqrt(var_n),
               variance_rand=var_r, z_rand=(i_obs - e) / np.sqrt(var_r))
    out["p_norm"] = 2 * stats.norm.sf(abs(out["z_norm"]))
    out["p_rand"] = 2 * stats.norm.sf(abs(out["z_rand"]))
    if sims is not None:
        out.update(p_sim=float(folded_pvalue(sims, i_obs, permutations)),
                   z_sim=(i_obs - sims.mean()) / sims.std(ddof=1), mean_sim=sims.mean())
    else:
        out.update(p_sim=np.nan, z_sim=np.nan, mean_sim=np.nan)
    return out


#: A variance (or spread of permuted statistics) this small relative to its scale counts as zero.
DEGENERATE_RTOL = 1e-10
#: |x − x̄| this small relative to max|x| is rounding: the unit is at the mean (z = 0).
AT_MEAN_RTOL = 64 * np.finfo(float).eps


@dataclass(frozen=True, eq=False, repr=False)
class MoranResult(Result):
    """Global Moran's I per period (see :func:`moran`)."""

    table: pd.DataFrame
    scatter: pd.DataFrame  # id, period, z (standardised value), lag (spatial lag of z)
    time: str | None

    def _title(self) -> str:
        return "Global Moran's I"

    def _summary_lines(self) -> list[str]:
        lines = [f"{'period':>8}{'I':>9}{'E[I]':>9}{'z (rand)':>10}{'p (rand)':>10}{'z (norm)':>10}{'p_sim':>8}"]
        for r in self.table.itertuples():
            lines.append(f"{r.period!s:>8}{r.I:>9.4f}{r.expectation:>9.4f}{r.z_rand:>10.3f}{r.p_rand:>10.4f}"
                         f"{r.z_norm:>10.3f}{r.p_sim:>8.3f}")
        return lines

    def to_frame(self) -> pd.DataFrame:
        """One row per period: ``I``, ``expectation``, ``variance_norm``, ``z_norm``, ``p_norm``,
        ``variance_rand``, ``z_rand``, ``p_rand`` (two-sided), ``p_sim``, ``z_sim`` and ``n``."""
        return self.table.rename(columns={"period": self.time or "period"}).copy()

    def _plot(self, ax, period=None, **kw):
        """Moran scatter plot of one period (default: the last): standardised value vs its lag."""
        s = self.scatter
        p = _last_period(s) if period is None else period
        if p is None or pd.isna(p):
            slope = float(self.table["I"].iloc[0])
        else:
            s = s[s["period"] == p]
            slope = float(self.table.loc[self.table["period"] == p, "I"].iloc[0])
        ax.scatter(s["z"], s["lag"], s=kw.pop("s", 14), color=kw.pop("color", "#4477aa"), **kw)
        grid = np.linspace(s["z"].min(), s["z"].max(), 10)
        ax.plot(grid, slope * grid, color="black", linewidth=1)
        ax.axhline(0, color="grey", linewidth=0.6)
        ax.axvline(0, color="grey", linewidth=0.6)
        ax.set_xlabel("standardised value")
        ax.set_ylabel("spatial lag")
        ax.set_title(f"Moran's I = {slope:.3f}" + ("" if pd.isna(p) else f" ({p})"))
        return ax


def moran(
    df: pd.DataFrame,
    column: str,
    w,
    *,
    by: str | None = "year",
    transform: Literal["r", "b", "o"] = "r",
    permutations: int = 999,
    seed: int | None = None,
    id: str = "adcode",
    n_jobs: int = 1,
) -> MoranResult:
    """Global Moran's I per period, with inference under normality, randomisation and permutation.

    I = (n/S₀) z'Wz / z'z, z = x − x̄; E[I] = −1/(n − 1); variances under normality and
    randomisation from Cliff & Ord (1981), as spdep's ``moran.test`` (tested equal on Columbus
    to 1e-10); two-sided normal p-values; ``p_sim`` from ``permutations`` random
    permutations (folded one-sided, as esda, ties counted on both sides), seeded through
    ``numpy.random.default_rng(seed)`` and drawn in the order of the sorted ids, so the input's row
    order does not matter.

    ``w`` is matched to the rows by id and row-standardised on a copy (``transform="r"``,
    spdep's style "W"); ``"b"`` binary, ``"o"`` as given.  Every period must contain exactly
    the weights' ids.

    Refused, with an error naming the period: fewer than **4 units** in a period (the randomisation
    variance needs n ≥ 4; with two units I = −1 whatever the values); a constant column; a weights
    matrix with islands (under every ``transform``; see docs/weights.md); weights and values for which
    every permutation gives the same I (e.g. every unit linked to every other with equal weights), where
    no p-value means anything.  Values of any magnitude (1e200, 1e-200) give the same I as the same
    pattern at scale 1 (I is scale-invariant; the values are rescaled first).  The table has one row
    per period, in order.

    ``n_jobs`` runs the permutations on that many threads (joblib's convention); the numbers are the same
    for every ``n_jobs``: each block of draws has its own stream of ``numpy.random.SeedSequence(seed)``,
    one per period (see :mod:`spatialq.hotspot._perm`).
    """
    permutations = check_permutations(permutations)
    data, t, periods = _by_period(df, column, w, by=by, id=id, transform=transform, method="moran")
    n_jobs = check_n_jobs(n_jobs, method="moran")
    rows, scat = [], []
    for k, period, pos, ids, x, m in periods:
        z = x - x.mean()
        r = _global(z, m, permutations, period_seed(seed, k), column=column, period=period, n_jobs=n_jobs)
        rows.append(dict(period=period, n=len(x), **r))
        zs = z / z.std()
        scat.append(pd.DataFrame({"_pos": pos, "id": ids, "period": period, "z": zs, "lag": m @ zs}))
    table = pd.DataFrame(rows)
    scatter = _finish(scat, t)
    if t == "_time":
        table["period"] = None
    return MoranResult(meta=provenance("spatialq.hotspot.moran", seed=seed, n=len(data), column=column,
                                       transform=transform, permutations=permutations),
                       table=table, scatter=scatter, time=None if t == "_time" else t)


def _cluster_colours(lang: str) -> tuple[dict, dict]:
    """(cluster code → label, label → colour) of the LISA maps (static and interactive)."""
    labels = QUADRANT_ZH if lang == "zh" else QUADRANT_EN
    colours = ("#d7191c", "#abd9e9", "#2c7bb6", "#fdae61", "#eeeeee")
    return labels, dict(zip((labels[k] for k in ("HH", "LH", "LL", "HL", "ns")), colours))


@dataclass(frozen=True, eq=False, repr=False)
class LocalMoranResult(Result):
    """Local Moran's I per unit and period (see :func:`local_moran`)."""

    table: pd.DataFrame
    id: str
    time: str | None
    alpha: float

    def _title(self) -> str:
        return "Local Moran's I (LISA)"

    def _summary_lines(self) -> list[str]:
        ct = pd.crosstab(self.table["period"].astype(str), self.table["cluster"])
        cols = [c for c in ["HH", "LL", "LH", "HL", "ns"] if c in ct.columns]
        lines = [f"clusters at α = {self.alpha} ({'permutation' if 'p_sim' in self.table else 'analytic'} p-values)",
                 f"{'period':>8}" + "".join(f"{c:>6}" for c in cols)]
        for p, r in ct[cols].iterrows():
            lines.append(f"{p:>8}" + "".join(f"{v:>6}" for v in r))
        return lines

    def to_frame(self) -> pd.DataFrame:
        """One row per unit and period: ``Ii``, ``expectation``, ``variance``, ``z``, ``p`` (two-sided),
        ``p_sim`` (if permutations), ``quadrant`` (HH/LH/LL/HL), ``cluster`` (quadrant if significant,
        else "ns"), ``cluster_zh``, ``cluster_en``."""
        return self.table.rename(columns={"id": self.id, "period": self.time or "period"}).copy()

    def _plot(self, ax, gdf=None, period=None, lang: str = "zh", **kw):
        """LISA cluster map of one period (the last by default); ``lang`` picks the legend labels."""
        if gdf is None:
            raise ValueError("a LISA map needs the geometry: result.plot(gdf=geometry.provinces())")
        from ..plot.choropleth import category_map

        part = _select_period(self.table, period).set_index("id")
        labels, colors = _cluster_colours(lang)
        return category_map(gdf, part["cluster"].map(labels), colors, ax=ax, lang=lang, **kw)

    def explore(self, gdf, *, period=None, lang: str = "zh", title: str | None = None):
        """Interactive LISA cluster map of one period (the last by default), the colours of :meth:`plot`, in one
        self-contained HTML page (:func:`spatialq.plot.explore`: inline SVG, nothing from the network)."""
        from ..plot.interactive import explore

        part = _select_period(self.table, period).set_index("id")
        labels, colors = _cluster_colours(lang)
        return explore(gdf, part["cluster"].map(labels), colors=colors, lang=lang, title=title)


def local_moran(
    df: pd.DataFrame,
    column: str,
    w,
    *,
    by: str | None = "year",
    transform: Literal["r", "b", "o"] = "r",
    permutations: int = 999,
    alpha: float = 0.05,
    fdr_correction: bool = False,
    variance: Literal["conditional", "total"] = "conditional",
    seed: int | None = None,
    id: str = "adcode",
    n_jobs: int = 1,
) -> LocalMoranResult:
    """Local Moran's I (Anselin 1995) per unit and period, with LISA clusters.

    I_i = (z_i/m₂) Σ_j w_ij z_j, z = x − x̄, m₂ = Σz²/n.  Analytic moments as spdep's
    ``localmoran``: ``variance="conditional"`` (spdep's default, Sokal et al. 1998:
    E = −z_i² W_i/((n−1)m₂)) or ``"total"`` (randomisation, E = −W_i/(n−1)); two-sided normal p.
    With ``permutations > 0`` (default 999) the clusters use conditional-permutation pseudo
    p-values (``p_sim``, folded one-sided as GeoDa/esda, ties counted on both sides), else the
    analytic p.  Permutations are seeded per period (``seed + k`` for the k-th period) and drawn in
    the order of the sorted ids, so the input's row order does not matter.

    Quadrants: HH (z > 0, lag > 0), LL, LH (z < 0, lag > 0), HL; a unit is in its quadrant's
    cluster when p ≤ ``alpha`` (Benjamini–Hochberg at ``alpha`` with ``fdr_correction``),
    otherwise "ns".  Weights are row-standardised on a copy by default.

    Needs at least **3 units** per period (the conditional variance has n − 2 in its denominator);
    a constant column, or weights with islands (any ``transform``), are errors naming the period.  A
    unit whose statistic cannot vary under permutation — its value equals the period mean (up to
    rounding), or it is linked with equal weights to every other unit — has ``z`` = 0 and
    ``p`` = ``p_sim`` = 1 (never significant).  Values of any magnitude give the same result as the
    same pattern at scale 1.  The table is sorted by (id, period).

    ``n_jobs`` runs the permutations on that many threads (joblib's convention); the numbers are the same
    for every ``n_jobs``: each block of draws has its own stream of ``numpy.random.SeedSequence(seed)``,
    one per period (see :mod:`spatialq.hotspot._perm`).
    """
    if not 0 < alpha < 1:
        raise InputError(f"alpha must lie in (0, 1), got {alpha}")
    if variance not in ("conditional", "total"):
        raise InputError(f"variance must be 'conditional' or 'total', got {variance!r}")
    permutations = check_permutations(permutations)
    n_jobs = check_n_jobs(n_jobs, method="local_moran")
    data, t, periods = _by_period(df, column, w, by=by, id=id, transform=transform, method="local_moran")
    frames = []
    for k, period, pos, ids, x, m in periods:
        n = len(x)
        z = x - x.mean()
        z[np.abs(z) <= AT_MEAN_RTOL * np.abs(x).max()] = 0.0  # at the mean up to rounding: exactly there
        m2 = (z @ z) / n
        lag = m @ z
        ii = z / m2 * lag + 0.0  # no −0.0 for a unit at the mean
        wi = np.asarray(m.sum(axis=1)).ravel()
        wi2 = np.asarray(m.multiply(m).sum(axis=1)).ravel()
        if variance == "conditional":
            e = -(z * z * wi) / ((n - 1) * m2)
            fw = wi2 - wi * wi / (n - 1)  # 0 when the unit is linked with equal weights to every other
            fz = m2 - z * z / (n - 1)  # 0 when every other unit has the same value
            var = (z / m2) ** 2 * (n / (n - 2)) * fw * fz
            flat = (z == 0) | (fw <= DEGENERATE_RTOL * wi2) | (fz <= DEGENERATE_RTOL * m2)
        else:
            b2 = ((z ** 4).sum() / n) / m2 ** 2
            e = -wi / (n - 1)
            var = (wi2 * (n - b2) / (n - 1) + (wi * wi - wi2) * (2 * b2 - n) / ((n - 1) * (n - 2))
                   - wi * wi / (n - 1) ** 2)
            flat = var <= DEGENERATE_RTOL * wi2
        var = np.where(flat, 0.0, var)
        zval = np.where(flat, 0.0, (ii - e) / np.sqrt(np.where(flat, 1.0, var)))
        out = pd.DataFrame({"_pos": pos, "id": ids, "period": period, "value": data[column].to_numpy()[pos],
                            "Ii": ii, "expectation": e, "variance": var, "z": zval,
                            "p": 2 * stats.norm.sf(np.abs(zval))})
        if permutations:
            p_sim, _, _ = conditional_pvalues(z, m, ii, z / m2, permutations=permutations,
                                              seed=period_seed(seed, k), n_jobs=n_jobs)
            out["p_sim"] = p_sim
        pcol = out["p_sim"] if permutations else out["p"]
        sig = fdr(pcol.to_numpy(), alpha) if fdr_correction else (pcol <= alpha).to_numpy()
        quad = np.where(z > 0, np.where(lag > 0, "HH", "HL"), np.where(lag > 0, "LH", "LL"))
        out["quadrant"] = quad
        out["cluster"] = np.where(sig, quad, "ns")
        out["cluster_zh"] = out["cluster"].map(QUADRANT_ZH)
        out["cluster_en"] = out["cluster"].map(QUADRANT_EN)
        frames.append(out)
    table = _finish(frames, t)
    return LocalMoranResult(meta=provenance("spatialq.hotspot.local_moran", seed=seed, n=len(data), column=column,
                                            transform=transform, permutations=permutations, alpha=alpha,
                                            fdr=fdr_correction, variance=variance),
                            table=table, id=id, time=None if t == "_time" else t, alpha=alpha)

"""Emerging hot spot analysis in the sense of ArcGIS "Space Time Pattern Mining": space-time Gi* per bin,
the Mann–Kendall trend of each unit's z series, and the 17 categories (docs/emerging.md gives the rules)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from .._data import long_frame
from .._guards import InputError, check_min_units
from .._results import Result, provenance
from .._wmatrix import aligned, refuse_bare_sparse
from ._perm import fdr
from .getis import gi_star

__all__ = ["CATEGORIES", "CATEGORY_EN", "CATEGORY_ZH", "EmergingHotSpotResult", "emerging_category",
           "emerging_hotspots", "mann_kendall"]

#: The 17 categories, hot first, in the order of the ArcGIS legend.
CATEGORIES = ("new_hot", "consecutive_hot", "intensifying_hot", "persistent_hot", "diminishing_hot", "sporadic_hot",
              "oscillating_hot", "historical_hot", "new_cold", "consecutive_cold", "intensifying_cold",
              "persistent_cold", "diminishing_cold", "sporadic_cold", "oscillating_cold", "historical_cold",
              "no_pattern")
_KINDS_EN = ("New", "Consecutive", "Intensifying", "Persistent", "Diminishing", "Sporadic", "Oscillating",
             "Historical")
_KINDS_ZH = ("新", "连续", "加强", "持续", "减弱", "零星", "振荡", "历史")
CATEGORY_EN = {**{c: f"{k} {'Hot' if c.endswith('hot') else 'Cold'} Spot"
                  for c, k in zip(CATEGORIES[:16], _KINDS_EN * 2)}, "no_pattern": "No Pattern Detected"}
CATEGORY_ZH = {**{c: f"{k}{'热点' if c.endswith('hot') else '冷点'}" for c, k in zip(CATEGORIES[:16], _KINDS_ZH * 2)},
               "no_pattern": "无显著模式"}
_COLORS = dict(zip(CATEGORIES, (
    "#fdd0a2", "#fdae6b", "#d94801", "#a63603", "#fd8d3c", "#fee6ce", "#f16913", "#7f2704",
    "#c6dbef", "#9ecae1", "#08519c", "#08306b", "#4292c6", "#deebf7", "#2171b5", "#6baed6",
    "#eeeeee")))


def mann_kendall(series) -> dict:
    """Mann–Kendall trend test of one series in time order.

    S = Σ_{a<b} sign(x_b − x_a); Var(S) = [T(T − 1)(2T + 5) − Σ_g g(g − 1)(2g + 5)]/18 with g the sizes of
    groups of tied values; z = S/√Var(S) (no continuity correction), two-sided normal p; τ = S/√(n₀(n₀ − n₁)),
    n₀ = T(T − 1)/2, n₁ = Σ_g g(g − 1)/2 (Kendall's τ_b against time).  This is
    ``scipy.stats.kendalltau(range(T), x, method="asymptotic")`` (tested: same τ, same p).  A constant
    series has S = 0, z = 0, p = 1, τ = 0.
    """
    x = np.asarray(series, dtype=float)
    T = len(x)
    s = float(np.sum(np.sign(x[None, :] - x[:, None])[np.triu_indices(T, 1)]))
    _, g = np.unique(x, return_counts=True)
    var = (T * (T - 1) * (2 * T + 5) - np.sum(g * (g - 1) * (2 * g + 5))) / 18.0
    n0, n1 = T * (T - 1) / 2, np.sum(g * (g - 1)) / 2
    if var <= 0 or s == 0:
        return dict(S=s, var=max(var, 0.0), z=0.0, p=1.0, tau=0.0)
    z = s / np.sqrt(var)
    return dict(S=s, var=var, z=z, p=float(2 * stats.norm.sf(abs(z))), tau=s / np.sqrt(n0 * (n0 - n1)))


def _side(sig_same: np.ndarray, sig_other: np.ndarray, rising: bool, falling: bool) -> str:
    """Category kind of a unit significant on one side in the final period (hot, say): the hot bins, the
    cold bins, and whether the trend of z is significantly towards (rising) or away from that side."""
    T = len(sig_same)
    h, c = int(sig_same.sum()), int(sig_other.sum())
    if 10 * h >= 9 * T:  # at least 90 % of the periods
        return "intensifying" if rising else "diminishing" if falling else "persistent"
    if h == 1 and c == 0:
        return "new"
    if c > 0:
        return "oscillating"
    run = T - np.flatnonzero(~sig_same)[-1] - 1  # length of the final run (the final period is significant)
    return "consecutive" if run == h and run >= 2 else "sporadic"


def emerging_category(z, significant, *, alpha: float = 0.05) -> str:
    """The ArcGIS emerging hot spot category of one unit from its Gi* z series (time order) and which of its
    bins are significant.  Hot bins: significant with z > 0; cold: significant with z < 0; the trend is
    :func:`mann_kendall` of z, significant at ``alpha``.  Returns one of :data:`CATEGORIES`; the rules
    are in docs/emerging.md."""
    z = np.asarray(z, dtype=float)
    sig = np.asarray(significant, dtype=bool)
    if z.shape != sig.shape or z.ndim != 1:
        raise InputError("emerging_category: z and significant must be 1-d of the same length")
    hot, cold = sig & (z > 0), sig & (z < 0)
    T = len(z)
    mk = mann_kendall(z)
    up, down = mk["p"] <= alpha and mk["z"] > 0, mk["p"] <= alpha and mk["z"] < 0
    if hot[-1]:
        return _side(hot, cold, up, down) + "_hot"
    if cold[-1]:
        return _side(cold, hot, down, up) + "_cold"
    if 10 * hot.sum() >= 9 * T:
        return "historical_hot"
    if 10 * cold.sum() >= 9 * T:
        return "historical_cold"
    return "no_pattern"


@dataclass(frozen=True, eq=False, repr=False)
class EmergingHotSpotResult(Result):
    """Emerging hot spot categories per unit and space-time Gi* per bin (see :func:`emerging_hotspots`)."""

    table: pd.DataFrame  # one row per unit
    bins: pd.DataFrame  # one row per unit and period
    id: str
    time: str

    def _title(self) -> str:
        return "Emerging hot spot analysis"

    def _summary_lines(self) -> list[str]:
        counts = self.table["category"].value_counts()
        o = self.meta.options
        lines = [f"space-time Gi* (neighbourhood time step {o['time_step']}), significance α = {o['alpha']}"
                 f"{' (FDR)' if o['fdr_correction'] else ''}; Mann–Kendall trend of each unit's z",
                 f"{'category':<24}{'units':>6}"]
        lines += [f"{CATEGORY_EN[c]:<24}{int(counts[c]):>6}" for c in CATEGORIES if c in counts]
        return lines

    def to_frame(self) -> pd.DataFrame:
        """One row per unit: ``category`` (a key of :data:`CATEGORIES`), ``category_zh``, ``category_en``,
        ``n_hot`` and ``n_cold`` (significant bins), ``periods``, ``final_z`` (Gi* z of the last period),
        ``trend_tau``, ``trend_z``, ``trend_p`` (Mann–Kendall of the z series).  The per-bin Gi* table is
        ``.bins``."""
        return self.table.rename(columns={"id": self.id}).copy()

    def _plot(self, ax, gdf=None, lang: str = "zh", **kw):
        """Map of the categories with ``gdf`` (the geometry); otherwise a bar chart of unit counts."""
        labels = CATEGORY_ZH if lang == "zh" else CATEGORY_EN
        if gdf is None:
            counts = self.table["category"].value_counts().reindex(list(CATEGORIES), fill_value=0)
            counts = counts[counts > 0]
            ax.barh([labels[c] for c in counts.index][::-1], counts.to_numpy()[::-1],
                    color=[_COLORS[c] for c in counts.index][::-1], edgecolor="grey")
            ax.set_xlabel("单元数" if lang == "zh" else "units")
            return ax
        from ..plot.choropleth import category_map

        values = self.table.set_index("id")["category"].map(labels)
        present = [c for c in CATEGORIES if c in set(self.table["category"])]
        colors = {labels[c]: _COLORS[c] for c in present}
        return category_map(gdf, values, colors, ax=ax, lang=lang, **kw)


def _space_time_weights(a: sp.csr_matrix, T: int, time_step: int) -> sp.csr_matrix:
    """Binary links of bin (i, t) — row i·T + t — to (j, s) with j = i or a neighbour of i and
    t − time_step ≤ s ≤ t, the bin itself excluded (Gi* adds it with weight 1)."""
    n = a.shape[0]
    shift = sp.csr_matrix((T, T))
    for lag in range(time_step + 1):
        shift = shift + sp.eye(T, k=-lag, format="csr")
    spatial = (a + sp.identity(n, format="csr")).tocsr()
    spatial.data[:] = 1.0
    m = sp.kron(spatial, shift, format="csr") - sp.identity(n * T, format="csr")
    m.eliminate_zeros()
    return m.tocsr()


def emerging_hotspots(
    df: pd.DataFrame,
    column: str,
    w,
    *,
    time: str = "year",
    time_step: int = 1,
    alpha: float = 0.05,
    fdr_correction: bool = True,
    id: str = "adcode",
) -> EmergingHotSpotResult:
    """Emerging hot spot analysis (ArcGIS Pro, Space Time Pattern Mining, "Emerging Hot Spot Analysis").

    1. **Space-time Gi\\*.**  The panel is a space-time cube of n units × T periods.  Bin (i, t) has as
       neighbours the bins (j, s) with j = i or j a neighbour of i in ``w`` (binary) and
       t − ``time_step`` ≤ s ≤ t (ArcGIS's *neighbourhood time step*: the current and the previous
       ``time_step`` periods).  Gi\\* (:func:`gi_star`, spdep's ``localG`` with ``include.self``) is computed
       on the whole cube with these links, so x̄ and s are over all n·T bins; ``z`` and the two-sided ``p``
       are per bin.  A bin is significant at ``alpha``, with the Benjamini–Hochberg false-discovery-rate
       correction over all bins by default (ArcGIS Pro applies an FDR correction); hot if z > 0, cold if
       z < 0.
    2. **Trend.**  The Mann–Kendall test of each unit's z series (:func:`mann_kendall`, equal to scipy's
       Kendall τ against time with the tie correction), significant at ``alpha``.
    3. **Categories** (:func:`emerging_category`, docs/emerging.md): new, consecutive, intensifying,
       persistent, diminishing, sporadic, oscillating and historical hot and cold spots, and no pattern,
       with ArcGIS's rule that "persistent" etc. need significance in at least 90 % of the periods.

    Needs a balanced panel (every unit in every period; the error names the missing pairs) of at least
    **4 periods** and **3 units**; ArcGIS itself asks for at least 10 time steps, and with fewer than 10
    the 90 % rule means every period.  Weights with islands, a constant column or missing values are
    errors from :func:`gi_star`.  ``w`` is made binary (ArcGIS's fixed-distance / contiguity
    conceptualisation).
    """
    if not 0 < alpha < 1:
        raise InputError(f"alpha must lie in (0, 1), got {alpha}")
    if isinstance(time_step, bool) or not isinstance(time_step, int | np.integer) or time_step < 0:
        raise InputError(f"time_step must be a whole number ≥ 0 (periods before the current one), got {time_step!r}")
    refuse_bare_sparse(w, "emerging_hotspots")
    data = long_frame(df, id=id, time=time, columns=[column])
    if time not in data.columns:
        raise InputError(f"emerging_hotspots needs a period column; {time!r} is not in the data (pass time=)")
    periods = sorted(data[time].unique())
    T = len(periods)
    check_min_units(T, 4, method="emerging_hotspots", what="periods",
                    why="the Mann–Kendall trend of each unit's z series needs a series")
    wide = data.pivot(index=id, columns=time, values=column).reindex(columns=periods)
    if wide.isna().any().any():
        miss = wide.stack(future_stack=True)
        miss = miss[miss.isna()].index.tolist()
        raise InputError(f"emerging_hotspots needs every unit in every period (a space-time cube); missing "
                         f"(id, {time}): {miss[:8]}{' …' if len(miss) > 8 else ''} ({len(miss)} in all)")
    if time_step >= T:
        raise InputError(f"time_step={time_step} reaches beyond the {T} periods; use at most {T - 1}")
    ids = wide.index.to_numpy()
    n = len(ids)
    check_min_units(n, 3, method="emerging_hotspots")
    a = aligned(w, list(ids), transform="b", method="emerging_hotspots")
    m = _space_time_weights(a, T, time_step)
    cube = pd.DataFrame({"_bin": np.arange(n * T), column: wide.to_numpy().ravel()})
    g = gi_star(cube, column, m, by=None, id="_bin", transform="b", breaks=None).table
    z = g["z"].to_numpy().reshape(n, T)
    p = g["p"].to_numpy()
    sig = (fdr(p, alpha) if fdr_correction else p <= alpha).reshape(n, T)
    rows = []
    for k in range(n):
        mk = mann_kendall(z[k])
        cat = emerging_category(z[k], sig[k], alpha=alpha)
        rows.append(dict(id=ids[k], category=cat, category_zh=CATEGORY_ZH[cat], category_en=CATEGORY_EN[cat],
                         n_hot=int((sig[k] & (z[k] > 0)).sum()), n_cold=int((sig[k] & (z[k] < 0)).sum()),
                         periods=T, final_z=z[k, -1], trend_tau=mk["tau"], trend_z=mk["z"], trend_p=mk["p"]))
    bins = pd.DataFrame({id: np.repeat(ids, T), time: np.tile(periods, n), "value": cube[column].to_numpy(),
                         "gi_star": g["gi_star"].to_numpy(), "z": z.ravel(), "p": p, "significant": sig.ravel()})
    bins["hot_cold"] = np.where(bins["significant"], np.sign(bins["z"]).astype(int), 0)
    return EmergingHotSpotResult(
        meta=provenance("spatialq.hotspot.emerging_hotspots", n=len(data), column=column, time_step=time_step,
                        alpha=alpha, fdr_correction=fdr_correction),
        table=pd.DataFrame(rows), bins=bins, id=id, time=time)

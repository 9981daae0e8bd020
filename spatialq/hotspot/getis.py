"""Getis-Ord Gi* hot-spot statistic per unit and period."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import special

from .._guards import InputError, at, check_permutations
from .._parallel import check_n_jobs
from .._results import Result, provenance
from .._wmatrix import row_sums
from ._perm import conditional_pvalues, fdr, period_seed
from .moran import DEGENERATE_RTOL, _by_period, _finish, _select_period, take

__all__ = ["BIN_LABELS_EN", "BIN_LABELS_ZH", "BREAK_LABELS_EN", "BREAK_LABELS_ZH", "GiStarResult", "gi_star"]

BIN_LABELS_ZH = {3: "热点（99%置信度）", 2: "热点（95%置信度）", 1: "热点（90%置信度）", 0: "不显著",
                 -1: "冷点（90%置信度）", -2: "冷点（95%置信度）", -3: "冷点（99%置信度）"}
BIN_LABELS_EN = {3: "Hot Spot - 99% Confidence", 2: "Hot Spot - 95% Confidence", 1: "Hot Spot - 90% Confidence",
                 0: "Not Significant", -1: "Cold Spot - 90% Confidence", -2: "Cold Spot - 95% Confidence",
                 -3: "Cold Spot - 99% Confidence"}
BREAK_LABELS_ZH = ("冷点", "次冷点", "过渡区", "次热点", "热点")
BREAK_LABELS_EN = ("cold spot", "sub-cold spot", "transition", "sub-hot spot", "hot spot")
_BIN_COLORS = {3: "#b2182b", 2: "#ef8a62", 1: "#fddbc7", 0: "#eeeeee", -1: "#d1e5f0", -2: "#67a9cf", -3: "#2166ac"}


#: ArcGIS bins from hot to cold: the order of the label categories.
BIN_ORDER = (3, 2, 1, 0, -1, -2, -3)


def _bins(z: np.ndarray, p: np.ndarray, use_fdr: bool) -> np.ndarray:
    """ArcGIS Gi_Bin (−3…3) as int8 (one byte per unit: a 9.6M-cell grid keeps 9.6 MB, not 77 MB)."""
    out = np.zeros(len(z), dtype=np.int8)
    for level, alpha in ((1, 0.10), (2, 0.05), (3, 0.01)):
        sig = fdr(p, alpha) if use_fdr else p <= alpha
        out[sig] = level
    return np.where(z < 0, -out, out).astype(np.int8)


def _labels(codes: np.ndarray, names) -> pd.Categorical:
    """Label column of a result table as a categorical (codes into ``names``): a label per unit costs one
    byte instead of a string (on the 9.6M-cell grid ~200 MB per column as text)."""
    return pd.Categorical.from_codes(codes.astype(np.int8), categories=list(names))


def _breaks(z: np.ndarray, period=None) -> np.ndarray:
    """Five Fisher–Jenks classes (0–4): the exact optimum at any n (equal to R classInt's
    ``style="fisher"``; :mod:`spatialq._jenks` is an exact O(k·n·log n) dynamic programme)."""
    from .._jenks import classify, fisher_jenks_bins

    distinct = len(np.unique(z))
    if distinct < 5:
        raise InputError(f"gi_star: natural breaks into 5 classes need at least 5 distinct z values{at(period)}; "
                         f"there are {distinct}. Pass breaks=None (no classes) or breaks='pooled'")
    return classify(z, fisher_jenks_bins(z, 5)).astype(int)


def _classes(part: pd.DataFrame, scheme: str, lang: str) -> tuple[pd.Series, dict]:
    """(label of each unit, label → colour) of the Gi* maps (static and interactive): ArcGIS bins or the five
    natural-breaks classes."""
    en = lang == "en"
    if scheme == "bins":
        labels = BIN_LABELS_EN if en else BIN_LABELS_ZH
        return part["gi_bin"].map(labels), {labels[b]: _BIN_COLORS[b] for b in BIN_ORDER}
    names = BREAK_LABELS_EN if en else BREAK_LABELS_ZH
    colors = dict(zip(names[::-1], ["#b2182b", "#ef8a62", "#f7f7f7", "#67a9cf", "#2166ac"]))
    return part["class"].map(lambda c: names[int(c) - 1]), colors


@dataclass(frozen=True, eq=False, repr=False)
class GiStarResult(Result):
    """Gi* per unit and period (see :func:`gi_star`)."""

    table: pd.DataFrame
    id: str
    time: str | None

    def _title(self) -> str:
        return "Getis-Ord Gi* hot spots"

    def _summary_lines(self) -> list[str]:
        ct = pd.crosstab(self.table["period"].astype(str), self.table["gi_bin"]).reindex(
            columns=list(BIN_ORDER), fill_value=0)
        lines = ["ArcGIS bins (+3 hot 99 % … −3 cold 99 %)", f"{'period':>8}" + "".join(f"{c:>6}" for c in ct.columns)]
        for p, r in ct.iterrows():
            lines.append(f"{p:>8}" + "".join(f"{v:>6}" for v in r))
        return lines

    def to_frame(self) -> pd.DataFrame:
        """One row per unit and period: ``gi_star`` (G*_i), ``z``, ``p`` (two-sided normal),
        ``p_sim`` (with permutations), ``gi_bin`` (−3…3), ``bin_zh``, ``bin_en``, ``class``
        (1–5 natural breaks of z), ``class_zh`` (冷点…热点), ``class_en``."""
        return self.table.rename(columns={"id": self.id, "period": self.time or "period"}).copy()

    def _plot(self, ax, gdf=None, period=None, scheme: Literal["bins", "breaks"] = "bins", lang: str = "zh",
              **kw):
        """Histogram of z, or with ``gdf`` a map of one period: ArcGIS bins or the five natural-breaks
        classes (``scheme="breaks"``); ``lang="en"`` for English labels."""
        part = _select_period(self.table, period).set_index("id")
        if gdf is None:
            ax.hist(part["z"], bins=kw.pop("bins", 30), color="#4477aa", **kw)
            ax.set_xlabel("Gi* z")
            return ax
        from ..plot.choropleth import category_map

        values, colors = _classes(part, scheme, lang)
        return category_map(gdf, values, colors, ax=ax, lang=lang, **kw)

    def explore(self, gdf, *, period=None, scheme: Literal["bins", "breaks"] = "bins", lang: str = "zh",
                title: str | None = None):
        """Interactive hot-spot map of one period, the classes and colours of :meth:`plot`, in one
        self-contained HTML page (:func:`spatialq.plot.explore`: inline SVG, nothing from the network)."""
        from ..plot.interactive import explore

        part = _select_period(self.table, period).set_index("id")
        values, colors = _classes(part, scheme, lang)
        return explore(gdf, values, colors=colors, lang=lang, title=title)


def gi_star(
    df: pd.DataFrame,
    column: str,
    w,
    *,
    by: str | None = "year",
    transform: Literal["b", "o"] = "b",
    self_weight: float = 1.0,
    permutations: int = 0,
    fdr_correction: bool = False,
    breaks: Literal["per_period", "pooled"] | None = "per_period",
    seed: int | None = None,
    id: str = "adcode",
    n_jobs: int = 1,
) -> GiStarResult:
    """Getis-Ord Gi* (Getis & Ord 1992; Ord & Getis 1995) with ArcGIS bins and natural-breaks classes.

    With w*_ij the weights including unit i itself (w*_ii = ``self_weight``):

        G*_i = Σ_j w*_ij x_j / Σ_j x_j,
        z_i = (Σ_j w*_ij x_j − x̄ W*_i) / (s √[(n S*_1i − W*_i²)/(n − 1)]),

    W*_i = Σ_j w*_ij, S*_1i = Σ_j w*_ij², x̄ and s = √(Σx²/n − x̄²) over all n units.  This is
    spdep's ``localG(x, nb2listw(include.self(nb), style="B"))`` and ArcGIS's Hot Spot Analysis
    (tested equal on Columbus to 1e-10).  ``transform="b"`` (default) uses binary links
    (row-standardising them does not change z: each row's scale cancels); ``"o"`` keeps the
    given weights (e.g. inverse distance).  Note esda's ``G_Local`` default (``transform="R"``)
    is a different convention and its ``p_norm`` is one-sided.

    Inference: two-sided normal ``p`` from z (the ArcGIS convention); with ``permutations``
    also ``p_sim`` from conditional permutation (folded one-sided, seeded).  ``gi_bin``: ±3, ±2,
    ±1 for p ≤ 0.01, 0.05, 0.10 on the side of z, else 0 (ArcGIS "Gi_Bin"); with
    ``fdr_correction`` each level uses Benjamini–Hochberg.  ``class``: five Fisher–Jenks
    natural-breaks classes of z (冷点, 次冷点, 过渡区, 次热点, 热点), per period or pooled (exact up
    to 5,000 values, from 5,000 evenly spaced quantiles beyond); ``breaks=None`` skips them.

    ``w`` may also be a scipy sparse matrix whose rows follow the data's rows (e.g.
    :func:`spatialq.weights.knn_sparse` for grid cells).

    Runs on sparse matrices: a million units with eight neighbours fit easily in memory.

    Needs at least **3 units** per period (with two, each neighbourhood is the whole map and z is 0/0)
    and, for the default natural-breaks classes, at least 5 distinct z values per period (pooled with
    ``breaks="pooled"``; ``breaks=None`` skips them).  A constant column, or weights with islands
    (under every ``transform``; see docs/weights.md — an island's G*_i would be its own value over the
    total), are errors naming the period.  A unit linked with equal weights to every other unit has
    z = 0 and p = 1 (its G*_i is the same under any arrangement).  ``gi_star`` (G*_i) is NaN when the
    values sum to zero (e.g. standardised data): the ratio is undefined there, z is not.  z is
    scale-invariant: values of any magnitude give the z of the same pattern at scale 1.  Permutations
    are drawn in the order of the sorted ids.  The table is
    sorted by (id, period).

    ``n_jobs`` runs the permutations on that many threads (joblib's convention); the numbers are the same
    for every ``n_jobs``: each block of draws has its own stream of ``numpy.random.SeedSequence(seed)``,
    one per period (see :mod:`spatialq.hotspot._perm`).
    """
    if transform not in ("b", "o"):
        raise InputError(f"transform must be 'b' or 'o' for Gi*, got {transform!r}")
    if breaks not in ("per_period", "pooled", None):
        raise InputError(f"breaks must be 'per_period', 'pooled' or None, got {breaks!r}")
    permutations = check_permutations(permutations)
    n_jobs = check_n_jobs(n_jobs, method="gi_star")
    data, t, periods = _by_period(df, column, w, by=by, id=id, transform=transform, method="gi_star")
    frames = []
    for k, period, pos, ids, x, m in periods:
        n = len(x)
        # W* = W + w_ii·I without building it (a copy of W with n more entries: ~1 GB on a 9.6M-cell grid);
        # W's diagonal is empty (aligned drops self-links)
        # temporaries freed as soon as they are used (each is 77 MB on a 9.6M-cell grid)
        lag = m @ x
        lag += self_weight * x
        wi = row_sums(m)
        wi += self_weight
        s1 = row_sums(m, 2)
        s1 += self_weight * self_weight
        xbar = x.mean()
        s = np.sqrt(max((x * x).mean() - xbar * xbar, 0.0))
        spread = n * s1 - wi * wi  # 0 when the unit is linked with equal weights to every unit
        flat = spread <= DEGENERATE_RTOL * n * s1
        del s1
        z = lag - xbar * wi
        del wi
        spread[flat] = 1.0
        spread /= n - 1
        np.sqrt(spread, out=spread)
        spread *= s
        z /= spread
        z[flat] = 0.0
        del spread, flat
        p = np.abs(z)
        np.negative(p, out=p)
        special.ndtr(p, out=p)
        p *= 2.0  # two-sided normal p = 2·Φ(−|z|) (scipy.stats.norm.sf, without its temporaries)
        out = pd.DataFrame({"_pos": pos, "id": ids, "period": period, "value": take(data[column].to_numpy(), pos),
                            "z": z, "p": p}, copy=False)
        if permutations:
            # G*_i is a monotone function of unit i's weighted sum for a fixed total: permute the sum
            # (the same p-values, also when the total is 0 or negative)
            p_sim, _, _ = conditional_pvalues(x, m, lag, 1.0, self_weight * x, permutations=permutations,
                                              seed=period_seed(seed, k), n_jobs=n_jobs)
            out["p_sim"] = p_sim
        total = x.sum()
        if abs(total) > 1e-12 * np.abs(x).sum():
            lag /= total
            out.insert(4, "gi_star", lag)
        else:
            out.insert(4, "gi_star", np.nan)
        del lag
        out["gi_bin"] = _bins(z, out["p"].to_numpy(), fdr_correction)
        frames.append(out)
    table = _finish(frames, t)
    table["bin_zh"] = _labels(3 - table["gi_bin"].to_numpy(), [BIN_LABELS_ZH[b] for b in BIN_ORDER])
    table["bin_en"] = _labels(3 - table["gi_bin"].to_numpy(), [BIN_LABELS_EN[b] for b in BIN_ORDER])
    if breaks is not None:
        if breaks == "pooled":
            table["class"] = _breaks(table["z"].to_numpy()) + 1
        else:
            key = table["period"].astype(object).where(table["period"].notna(), "")
            table["class"] = table.groupby(key, sort=False)["z"].transform(
                lambda s: _breaks(s.to_numpy(), None if s.name == "" else s.name) + 1)
        table["class_zh"] = _labels(table["class"].to_numpy() - 1, BREAK_LABELS_ZH)
        table["class_en"] = _labels(table["class"].to_numpy() - 1, BREAK_LABELS_EN)
    return GiStarResult(meta=provenance("spatialq.hotspot.gi_star", seed=seed, n=len(data), column=column,
                                        transform=transform, self_weight=self_weight, permutations=permutations,
                                        fdr=fdr_correction, breaks=breaks),
                        table=table, id=id, time=None if t == "_time" else t)

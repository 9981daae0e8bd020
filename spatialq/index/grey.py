"""Grey relational analysis (Deng) and grey relational TOPSIS."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from .._data import long_frame, time_col
from .._guards import InputError, at, check_min_units
from .._results import Result, provenance
from .entropy import _directions, entropy, normalize

__all__ = ["GreyResult", "GreyTopsisResult", "grey_coefficients", "grey_relation", "grey_topsis"]

Scaling = Literal["initial", "mean", "minmax", "none"]


def grey_coefficients(delta: np.ndarray, rho: float = 0.5) -> tuple[np.ndarray, float, float]:
    """Deng's relational coefficients of a matrix of absolute differences Δ_i(k) = |x0(k) − xi(k)|.

    ξ_i(k) = (Δmin + ρ Δmax) / (Δ_i(k) + ρ Δmax), with Δmin = min_i min_k Δ_i(k) and Δmax = max_i max_k Δ_i(k)
    taken over the whole matrix (all compared series, all points).  Returns (ξ, Δmin, Δmax).  Δmax = 0 (every
    series equals the reference) is an error: ξ is 0/0.
    """
    d = np.asarray(delta, dtype=float)
    lo, hi = float(d.min()), float(d.max())
    if not hi > 0:
        raise InputError("every compared series equals the reference (max max |x0 − xi| = 0): the grey relational "
                         "coefficients are 0/0")
    return (lo + rho * hi) / (d + rho * hi), lo, hi


def _check_rho(rho) -> float:
    r = float(rho)
    if not (0 < r <= 1):
        raise ValueError(f"rho (the distinguishing coefficient) must lie in (0, 1], got {rho!r}")
    return r


def _scale(v: np.ndarray, how: str, col: str, where: str) -> np.ndarray:
    if how == "none":
        return v
    if how == "minmax":
        lo, hi = v.min(), v.max()
        if hi - lo <= 1e-12 * max(abs(hi), abs(lo), np.finfo(float).tiny):
            raise InputError(f"column {col!r} is constant{where}: min–max scaling divides by zero; drop it or use "
                             "scaling='mean'")
        return (v - lo) / (hi - lo)
    if (v < 0).any():  # x/x(1) and x/x̄ need a ratio scale: −x would relate exactly as x does
        raise InputError(f"column {col!r} has negative values{where}: {how}-value scaling divides by a first value "
                         "or mean and assumes positive values (a negated series would get the same degree); use "
                         "scaling='minmax'")
    base = v[0] if how == "initial" else v.mean()
    if abs(base) <= 1e-12 * max(float(np.abs(v).max()), np.finfo(float).tiny):
        what = "first value" if how == "initial" else "mean"
        raise InputError(f"column {col!r} has {what} 0{where}: {how}-value scaling divides by zero; use "
                         "scaling='minmax'")
    return v / base


@dataclass(frozen=True, eq=False, repr=False)
class GreyResult(Result):
    """Grey relational analysis (see :func:`grey_relation`).

    Attributes
    ----------
    degrees : DataFrame
        One row per group (unit, year, or one pooled group) and compared factor: the group key (none when
        pooled), ``factor``, ``degree`` r_i and ``rank`` (1 = most related).
    coefficients : DataFrame
        ξ_i(k): ``id``, ``time`` and one column per factor.
    extremes : DataFrame
        Per group: ``n`` points, ``delta_min`` (min min) and ``delta_max`` (max max).
    """

    degrees: pd.DataFrame
    coefficients: pd.DataFrame
    extremes: pd.DataFrame
    reference: str
    compare: tuple
    by: str

    def _title(self) -> str:
        return "Grey relational analysis"

    def _summary_lines(self) -> list[str]:
        mean = self.degrees.groupby("factor", sort=False)["degree"].mean().sort_values(ascending=False)
        head = "degree" if self.by == "pooled" else f"mean degree over {len(self.extremes)} groups ({self.by})"
        lines = [f"reference: {self.reference}", f"{'factor':<28}{head:>12}"]
        lines += [f"{f!s:<28}{v:>12.4f}" for f, v in mean.items()]
        return lines

    def to_frame(self) -> pd.DataFrame:
        """The relational degrees and ranks (see ``degrees``)."""
        return self.degrees.copy()

    def _plot(self, ax, cmap: str = "YlGnBu", **kw):
        """Bars of the degrees (pooled), or a heat map of groups × factors."""
        if self.by == "pooled":
            d = self.degrees.sort_values("degree")
            ax.barh(d["factor"].astype(str), d["degree"], color=kw.pop("color", "#4477aa"), **kw)
            ax.set_xlabel("grey relational degree")
            return ax
        from ..plot.charts import heatmap

        key = self.degrees.columns[0]
        wide = self.degrees.pivot(index=key, columns="factor", values="degree")[list(self.compare)]
        heatmap(ax, wide.to_numpy(), [str(i) for i in wide.index], [str(c) for c in wide.columns], cmap=cmap,
                vmin=None, **kw)
        ax.tick_params(axis="x", labelrotation=90)
        return ax


def grey_relation(
    df: pd.DataFrame,
    reference: str,
    compare: Sequence[str],
    *,
    rho: float = 0.5,
    scaling: Scaling = "mean",
    by: Literal["pooled", "unit", "year"] = "pooled",
    id: str = "adcode",
    time: str = "year",
) -> GreyResult:
    """Grey relational analysis (Deng 1982): how closely each factor's series follows a reference series.

    Each series (the reference x0 and the compared xi) is first made dimensionless along the points k of
    the analysis:

    * ``"initial"`` (初值化): x(k)/x(1), the first point in time (needs a time order: ``by="unit"``, or
      ``by="pooled"`` with one unit);
    * ``"mean"`` (均值化, the default, as in SPSSAU): x(k)/x̄;
    * ``"minmax"`` (区间值化): (x(k) − min)/(max − min);
    * ``"none"``: the values as given (already dimensionless, e.g. normalised indicators).

    Then Δ_i(k) = |x0(k) − xi(k)|, and with the two-level extremes taken over **all compared series and all
    points** of the group (Deng's min min and max max),

        ξ_i(k) = (min_i min_k Δ_i(k) + ρ max_i max_k Δ_i(k)) / (Δ_i(k) + ρ max_i max_k Δ_i(k)),

    ρ the distinguishing coefficient (default 0.5); the relational degree is r_i = (1/n) Σ_k ξ_i(k), and
    the factors are ranked by r_i (largest first).  ξ = 1 where a series coincides with the reference
    (then min min = 0); r_i ∈ (ρ/(1 + ρ), 1] when min min = 0.

    ``by`` sets the points k and the groups: ``"pooled"`` — one analysis over all unit-years; ``"unit"`` —
    one per unit over its years (the classic time-series use); ``"year"`` — one per year over the units.

    Minimum sizes: 2 points per group and at least one compared factor; a constant column (min–max), a zero
    first value or mean (initial, mean), or every factor equal to the reference (max max = 0) is an error
    naming the column and the group.

    References: Deng, J. (1982) Control problems of grey systems, *Systems & Control Letters* 1(5),
    288–294; 刘思峰 et al., 《灰色系统理论及其应用》 (Science Press).

    Parameters
    ----------
    df : DataFrame
        Long panel (one row per id and year) or a cross-section.
    reference : str
        The reference (system behaviour) column, e.g. the index.
    compare : list of str
        The factor columns.
    rho : float, default 0.5
    scaling : {"mean", "initial", "minmax", "none"}, default "mean"
    by : {"pooled", "unit", "year"}, default "pooled"
    id, time : str

    Returns
    -------
    GreyResult
    """
    rho = _check_rho(rho)
    if scaling not in ("initial", "mean", "minmax", "none"):
        raise ValueError(f"scaling must be 'mean', 'initial', 'minmax' or 'none', got {scaling!r}")
    if by not in ("pooled", "unit", "year"):
        raise ValueError(f"by must be 'pooled', 'unit' or 'year', got {by!r}")
    if isinstance(compare, str):
        compare = [compare]
    compare = list(dict.fromkeys(compare))
    if not compare:
        raise ValueError("compare= needs at least one factor column")
    if reference in compare:
        raise ValueError(f"the reference {reference!r} is also in compare=; remove it")
    data = long_frame(df, id=id, time=time, columns=[reference, *compare]).reset_index(drop=True)
    t = time_col(data, time)
    if by == "year" and t == "_time":
        by = "pooled"
    if scaling == "initial" and (by == "year" or (by == "pooled" and data[id].nunique() > 1)):
        raise ValueError("scaling='initial' divides by the first point in time, so it needs by='unit' (or one unit);"
                         " use scaling='mean' or 'minmax' for a cross-section or a pooled panel")
    if scaling == "initial" and t == "_time" and len(data) > 1:
        raise ValueError("scaling='initial' needs a time column to order the points")
    key = {"pooled": None, "unit": id, "year": t}[by]
    groups = [(None, np.arange(len(data)))] if key is None else list(data.groupby(key, sort=True).indices.items())
    cols = [reference, *compare]
    values = data[cols].to_numpy(dtype=float)
    coef = np.empty((len(data), len(compare)))
    rows, ext = [], []
    for g, idx in groups:
        where = "" if g is None else (f" for {id} {g}" if by == "unit" else at(g))
        check_min_units(len(idx), 2, method="grey relational analysis", period=None,
                        what="points" + (f" {where.strip()}" if where else ""))
        block = values[idx]
        z = np.column_stack([_scale(block[:, j], scaling, c, where) for j, c in enumerate(cols)])
        delta = np.abs(z[:, 1:] - z[:, [0]])
        try:
            xi, lo, hi = grey_coefficients(delta, rho)
        except InputError as err:
            raise InputError(f"{err}{where}") from None
        coef[idx] = xi
        r = xi.mean(axis=0)
        order = np.argsort(-r, kind="stable")
        rank = np.empty(len(r), dtype=int)
        rank[order] = np.arange(1, len(r) + 1)
        for j, c in enumerate(compare):
            rows.append({**({} if key is None else {key: g}), "factor": c, "degree": float(r[j]),
                         "rank": int(rank[j])})
        ext.append({**({} if key is None else {key: g}), "n": len(idx), "delta_min": lo, "delta_max": hi})
    coefficients = pd.concat([data[[id, t]], pd.DataFrame(coef, columns=compare, index=data.index)],
                             axis=1).reset_index(drop=True)
    if t == "_time":
        coefficients = coefficients.drop(columns="_time")
    return GreyResult(
        meta=provenance("spatialq.index.grey_relation", n=len(data), rho=rho, scaling=scaling, by=by,
                        reference=reference, compare=tuple(compare)),
        degrees=pd.DataFrame(rows), coefficients=coefficients, extremes=pd.DataFrame(ext),
        reference=reference, compare=tuple(compare), by=by)


# ----------------------------------------------------------------------------- grey relational TOPSIS


@dataclass(frozen=True, eq=False, repr=False)
class GreyTopsisResult(Result):
    """Grey relational TOPSIS (see :func:`grey_topsis`)."""

    scores: pd.DataFrame
    weights: pd.Series

    def _title(self) -> str:
        return "Grey relational TOPSIS"

    def _summary_lines(self) -> list[str]:
        lines = ["weights: " + ", ".join(f"{k} {v:.4f}" for k, v in self.weights.items())]
        s = self.scores["score"]
        lines.append(f"scores: n = {len(s)}, mean {s.mean():.4f}, min {s.min():.4f}, max {s.max():.4f}")
        return lines

    def to_frame(self) -> pd.DataFrame:
        """``id``, ``time``, ``d_best`` D+, ``d_worst`` D−, ``r_best`` R+, ``r_worst`` R−, ``s_best`` S+,
        ``s_worst`` S− and ``score`` C = S+/(S+ + S−)."""
        return self.scores.copy()

    def _plot(self, ax, **kw):
        ax.hist(self.scores["score"], bins=kw.pop("bins", 20), color=kw.pop("color", "#4477aa"), **kw)
        ax.set_xlabel("grey relational TOPSIS score")
        return ax


def grey_topsis(
    df: pd.DataFrame,
    indicators: Mapping[str, int],
    *,
    weights: Mapping[str, float] | None = None,
    rho: float = 0.5,
    alpha: float = 0.5,
    pooled: bool = True,
    id: str = "adcode",
    time: str = "year",
) -> GreyTopsisResult:
    """Grey relational TOPSIS: TOPSIS distances combined with grey relational degrees to the ideal solutions.

    Following 孙晓东, 焦玥 & 胡劲松 (2005), 基于灰色关联度和理想解法的决策方法研究, 中国管理科学 13(4)
    (the formulation of the entropy-weight grey-TOPSIS papers):

    1. r_ij: direction-adjusted min–max values (as :func:`spatialq.index.topsis` ``"minmax"``);
       v_ij = w_j r_ij with entropy weights (``weights=None``, pooled, shift 1e-4) or given ones.
    2. Ideal solutions v+_j = max_i v_ij, v−_j = min_i v_ij; Euclidean D+_i = ‖v_i − v+‖, D−_i = ‖v_i − v−‖.
    3. Grey relational coefficients with the ideals, Deng's formula over all units i and indicators j:
       ξ+_ij = (min_i min_j Δ+_ij + ρ max_i max_j Δ+_ij) / (Δ+_ij + ρ max_i max_j Δ+_ij), Δ+_ij = |v+_j − v_ij|
       (ξ− likewise with v−); degrees R+_i = (1/m) Σ_j ξ+_ij, R−_i = (1/m) Σ_j ξ−_ij.
    4. Each of D+, D−, R+, R− divided by its maximum over the units; S+_i = α D−_i + (1 − α) R+_i (nearness to
       the positive ideal), S−_i = α D+_i + (1 − α) R−_i; score C_i = S+_i / (S+_i + S−_i) ∈ (0, 1).

    ``alpha`` is the weight of the distance (position) part, 1 − alpha that of the grey (shape) part; the
    source and most papers use α = β = 0.5.  ``alpha=1`` gives D−'/(D−' + D+') (TOPSIS on max-scaled
    distances) and ``alpha=0`` the pure grey closeness R+'/(R+' + R−').  With ``pooled=True`` the ideals,
    min–max values, grey extremes and maxima are taken over the whole panel; otherwise within each year.

    Needs at least 2 observations (in every year when ``pooled=False``) and indicators that vary.
    Scores are sorted by (id, time).
    """
    dirs = _directions(indicators)
    rho = _check_rho(rho)
    a = float(alpha)
    if not (0 <= a <= 1):
        raise ValueError(f"alpha must lie in [0, 1], got {alpha!r}")
    data = long_frame(df, id=id, time=time, columns=list(dirs)).reset_index(drop=True)
    t = time_col(data, time)
    sizes = {None: len(data)} if pooled else data.groupby(t).size().to_dict()
    for year, size in sizes.items():
        check_min_units(int(size), 2, method="grey_topsis", period=None if t == "_time" else year,
                        what="observations")
    if weights is None:
        w = entropy(df, dirs, pooled=True, id=id, time=time).weights.set_index("indicator")["weight"]
    else:
        missing = sorted(set(dirs) - set(weights))
        if missing:
            raise ValueError(f"weights= misses {missing}")
        w = pd.Series({c: float(weights[c]) for c in dirs})
        if not np.all(np.isfinite(w)) or (w < 0).any() or w.sum() <= 0:
            raise ValueError("weights must be finite, non-negative and not all zero")
        w = w / w.sum()
    w = w.reindex(list(dirs))
    r = normalize(data, dirs, None if pooled else data[t].rename(t))
    v = r.to_numpy(dtype=float) * w.to_numpy()
    keys = np.zeros(len(data), dtype=int) if pooled else pd.factorize(data[t], sort=True)[0]
    out = np.empty((len(data), 7))
    for g in np.unique(keys):
        rows = keys == g
        vg = v[rows]
        best, worst = vg.max(axis=0), vg.min(axis=0)
        dp = np.sqrt(((vg - best) ** 2).sum(axis=1))
        dm = np.sqrt(((vg - worst) ** 2).sum(axis=1))
        period = None if pooled or t == "_time" else data.loc[rows, t].iloc[0]
        try:
            rp = grey_coefficients(np.abs(best - vg), rho)[0].mean(axis=1)
            rm = grey_coefficients(np.abs(vg - worst), rho)[0].mean(axis=1)
        except InputError:
            raise InputError(f"every indicator has zero weight or no spread{at(period)}: grey relational "
                             "coefficients are 0/0") from None
        dp_s, dm_s, rp_s, rm_s = dp / dp.max(), dm / dm.max(), rp / rp.max(), rm / rm.max()
        sp = a * dm_s + (1 - a) * rp_s
        sm = a * dp_s + (1 - a) * rm_s
        out[rows] = np.column_stack([dp, dm, rp, rm, sp, sm, sp / (sp + sm)])
    scores = data[[id, t]].copy()
    for j, c in enumerate(["d_best", "d_worst", "r_best", "r_worst", "s_best", "s_worst", "score"]):
        scores[c] = out[:, j]
    if t == "_time":
        scores = scores.drop(columns="_time")
    return GreyTopsisResult(
        meta=provenance("spatialq.index.grey_topsis", n=len(data), rho=rho, alpha=a, pooled=pooled,
                        weights="entropy" if weights is None else "given"),
        scores=scores.reset_index(drop=True), weights=w)

"""Obstacle degree model (障碍度模型): which indicators hold a unit's composite index back."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from .._data import long_frame, time_col
from .._guards import InputError
from .._results import Result, provenance
from .entropy import EntropyResult

__all__ = ["ObstacleResult", "obstacle"]

_TOL = 1e-9  # tolerance of the [0, 1] check of given normalised values


@dataclass(frozen=True, eq=False, repr=False)
class ObstacleResult(Result):
    """Obstacle degrees (see :func:`obstacle`).

    Attributes
    ----------
    degrees : DataFrame
        One row per unit, year and indicator: ``id``, ``time``, ``indicator``, ``subsystem``,
        ``contribution`` F_j, ``deviation`` I_ij = 1 − x'_ij, ``obstacle`` O_ij (a fraction; the
        O_ij of a unit-year sum to 1) and ``rank`` (1 = the largest obstacle of that unit-year).
    subsystems : DataFrame
        ``id``, ``time``, ``subsystem``, ``obstacle`` (Σ of its indicators' O_ij) and ``rank``.
    indicators : tuple of str
        The indicators in the order of the index.
    top : int
        Default number of obstacle factors in :meth:`top_table`.
    """

    degrees: pd.DataFrame
    subsystems: pd.DataFrame
    indicators: tuple
    top: int
    id: str
    time: str | None

    def _title(self) -> str:
        return "Obstacle degree model"

    def _summary_lines(self) -> list[str]:
        mean = self.degrees.groupby("indicator", sort=False)["obstacle"].mean().sort_values(ascending=False)
        first = self.degrees[self.degrees["rank"] == 1]["indicator"].value_counts()
        lines = [f"{len(self.indicators)} indicators, {len(self.degrees) // len(self.indicators)} unit-years",
                 f"{'indicator':<28}{'mean obstacle':>15}{'times first':>13}"]
        for ind, v in mean.items():
            lines.append(f"{ind!s:<28}{v:>14.2%}{int(first.get(ind, 0)):>13}")
        sub = self.subsystems.groupby("subsystem", sort=False)["obstacle"].mean()
        if len(sub) > 1:
            lines.append("\nsub-systems (mean obstacle): " + ", ".join(f"{s} {v:.2%}" for s, v in sub.items()))
        return lines

    def _keys(self) -> list[str]:
        return [self.id, *([self.time] if self.time is not None else [])]

    def to_frame(self) -> pd.DataFrame:
        """The long table: one row per unit, year and indicator (see ``degrees``)."""
        return self.degrees.copy()

    def wide(self, level: Literal["indicator", "subsystem"] = "indicator") -> pd.DataFrame:
        """O_ij with one column per indicator (or sub-system), one row per unit-year (fractions)."""
        if level not in ("indicator", "subsystem"):
            raise ValueError(f"level must be 'indicator' or 'subsystem', got {level!r}")
        src = self.degrees if level == "indicator" else self.subsystems
        order = list(self.indicators) if level == "indicator" else list(dict.fromkeys(self.subsystems["subsystem"]))
        out = src.pivot(index=self._keys(), columns=level, values="obstacle")[order]
        out.columns.name = None
        return out.reset_index()

    def top_table(self, k: int | None = None, *, level: Literal["indicator", "subsystem"] = "indicator"
                  ) -> pd.DataFrame:
        """The papers' table of main obstacle factors: per unit-year, ``factor_1`` … ``factor_k`` (names, largest
        first) and ``obstacle_1`` … ``obstacle_k`` (their degrees, fractions), interleaved.

        Ties keep the order of the indicators in the index.  ``k`` defaults to ``top`` (at most the number of
        indicators / sub-systems).
        """
        if level not in ("indicator", "subsystem"):
            raise ValueError(f"level must be 'indicator' or 'subsystem', got {level!r}")
        src = self.degrees if level == "indicator" else self.subsystems
        n_items = len(self.indicators) if level == "indicator" else self.subsystems["subsystem"].nunique()
        k = self.top if k is None else int(k)
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        k = min(k, n_items)
        part = src[src["rank"] <= k]
        keys = self._keys()
        names = part.pivot(index=keys, columns="rank", values=level)
        vals = part.pivot(index=keys, columns="rank", values="obstacle")
        out = pd.DataFrame(index=names.index)
        for r in range(1, k + 1):
            out[f"factor_{r}"] = names[r]
            out[f"obstacle_{r}"] = vals[r].astype(float)
        return out.reset_index()

    def _plot(self, ax, kind: Literal["year", "unit"] = "year", period=None,
              level: Literal["indicator", "subsystem"] = "indicator", cmap: str = "OrRd", **kw):
        """Heat map of obstacle degrees (%): ``kind="year"`` rows are indicators (or sub-systems), columns the
        years, cells the mean over units; ``kind="unit"`` rows are units, columns indicators, in ``period``
        (default the last)."""
        from ..plot.charts import heatmap

        if kind not in ("year", "unit"):
            raise ValueError(f"kind must be 'year' or 'unit', got {kind!r}")
        wide = self.wide(level)
        cols = [c for c in wide.columns if c not in self._keys()]
        if kind == "year":
            tkey = self.time if self.time is not None else None
            m = wide.groupby(tkey)[cols].mean() if tkey is not None else wide[cols].mean().to_frame("all").T
            heatmap(ax, 100 * m.to_numpy().T, [str(c) for c in cols], [str(c) for c in m.index], fmt="{:.1f}",
                    cmap=cmap, **kw)
            ax.set_xlabel(str(tkey) if tkey is not None else "")
        else:
            part = wide
            if self.time is not None:
                period = wide[self.time].max() if period is None else period
                part = wide[wide[self.time] == period]
                if part.empty:
                    raise ValueError(f"no unit-years in {period!r}")
            heatmap(ax, 100 * part[cols].to_numpy(), [str(u) for u in part[self.id]], [str(c) for c in cols],
                    fmt="{:.1f}", cmap=cmap, **kw)
            ax.tick_params(axis="x", labelrotation=90)
        ax.set_title(ax.get_title() or "obstacle degree (%)", fontsize=9)
        return ax


def _from_entropy(res: EntropyResult) -> tuple[pd.DataFrame, list, dict, str, str | None]:
    w = res.weights
    inds = list(dict.fromkeys(w["indicator"]))
    sub = dict(zip(w["indicator"], w["subsystem"]))
    norm = res.normalized.copy()
    if res.time is None:
        norm["_time"] = 0
    return norm, inds, sub, res.id, res.time


def _given(df: pd.DataFrame, weights, subsystems, id: str, time: str | None):
    if weights is None:
        raise TypeError("obstacle(df, ...) needs weights={indicator: w_j} (or pass an EntropyResult)")
    if not isinstance(weights, Mapping) or not weights:
        raise TypeError("weights must be a non-empty dict {indicator column: weight}")
    inds = list(weights)
    w = pd.Series({c: float(weights[c]) for c in inds})
    if not np.all(np.isfinite(w)) or (w < 0).any() or w.sum() <= 0:
        raise InputError(f"weights must be finite, non-negative and not all zero; got {dict(w)}")
    if subsystems is not None:
        missing = [c for c in inds if c not in subsystems]
        if missing:
            raise ValueError(f"subsystems= does not assign {missing}; give every indicator a sub-system")
    data = long_frame(df, id=id, time=time, columns=inds)
    t = time_col(data, time)
    for c in inds:
        v = data[c].to_numpy()
        if v.min() < -_TOL or v.max() > 1 + _TOL:
            raise InputError(f"column {c!r} runs from {v.min():.6g} to {v.max():.6g}: the obstacle model needs "
                             "direction-adjusted normalised values x' in [0, 1] (1 = best); pass "
                             "spatialq.index.normalize(...) output or an EntropyResult")
        data[c] = np.clip(v, 0.0, 1.0)
    sub = {c: (subsystems or {}).get(c, "all") for c in inds}
    return data, inds, sub, id, None if t == "_time" else t, (w / w.sum()).to_numpy(dtype=float)


def obstacle(
    data: EntropyResult | pd.DataFrame,
    *,
    weights: Mapping[str, float] | None = None,
    subsystems: Mapping[str, str] | None = None,
    top: int = 5,
    at_best: Literal["raise", "drop"] = "raise",
    id: str = "adcode",
    time: str = "year",
) -> ObstacleResult:
    """Obstacle degree model (障碍度模型): each indicator's share of the gap between a unit and the best.

    For unit-year i and indicator j, with w_j the indicator's weight and x'_ij its direction-adjusted
    min–max value (1 = best, 0 = worst):

    * factor contribution F_j = w_j (因子贡献度);
    * indicator deviation I_ij = 1 − x'_ij (指标偏离度);
    * obstacle degree O_ij = F_j I_ij / Σ_j F_j I_ij (障碍度; a fraction here, papers print × 100 %);
    * sub-system obstacle U_is = Σ_{j∈s} O_ij.

    The O_ij of a unit-year sum to 1; an indicator at its best value (x' = 1) has O = 0.  Indicators are
    ranked within each unit-year (largest first; ties keep the index's order) and the first ``top``
    form the table of main obstacle factors (:meth:`ObstacleResult.top_table`).

    Pass the :class:`~spatialq.index.EntropyResult` of the index, so the model uses exactly its weights
    (per year when the index was built with ``pooled=False``), its normalised values and its sub-systems.
    Or pass a long frame of normalised values x' in [0, 1] (e.g. from :func:`spatialq.index.normalize`)
    with ``weights={column: w_j}`` (rescaled to sum to 1) and optionally ``subsystems={column: name}``.

    The model is the obstacle-degree diagnosis shared by many Chinese regional studies that pair it with an
    entropy-weight index (e.g. the Shandong urbanisation-quality study, 云南农业大学学报(社会科学),
    doi:10.12371/j.ynau(s).202211092); no outside software computes it, and the result is checked by its
    identities (sums to 1, zero at the best value, sub-system = sum) and brute force.

    Errors: given values outside [0, 1] (name the column).  A unit-year at the best value of every
    indicator (Σ_j F_j I_ij = 0, so its obstacle degrees are 0/0) is an error naming it, or with
    ``at_best="drop"`` is left out with a warning naming it (it has no obstacle).

    Parameters
    ----------
    data : EntropyResult or DataFrame
    weights : dict, optional
        ``{column: w_j}``; only with a DataFrame.
    subsystems : dict, optional
        ``{column: sub-system}``; only with a DataFrame (an EntropyResult brings its own).
    top : int, default 5
        Number of main obstacle factors in the top table.
    at_best : {"raise", "drop"}, default "raise"
        What to do with unit-years at the best value of every indicator.
    id, time : str
        Only with a DataFrame.

    Returns
    -------
    ObstacleResult
    """
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
        raise ValueError(f"top must be a positive integer, got {top!r}")
    if at_best not in ("raise", "drop"):
        raise ValueError(f"at_best must be 'raise' or 'drop', got {at_best!r}")
    if isinstance(data, EntropyResult):
        if weights is not None or subsystems is not None:
            raise ValueError("an EntropyResult brings its own weights and sub-systems; do not pass weights= or "
                             "subsystems=")
        norm, inds, sub, idc, tc = _from_entropy(data)
        source = "entropy"
    elif isinstance(data, pd.DataFrame):
        norm, inds, sub, idc, tc, given_w = _given(data, weights, subsystems, id, time)
        source = "given"
    else:
        raise TypeError(f"expected an EntropyResult or a DataFrame, got {type(data).__name__}")
    t = tc if tc is not None else "_time"
    norm = norm.sort_values([idc, t], kind="mergesort").reset_index(drop=True)
    x = norm[inds].to_numpy(dtype=float)
    f = _rows_weights(data, norm, inds, t) if source == "entropy" else np.tile(given_w, (len(norm), 1))
    dev = 1.0 - x
    fi = f * dev
    total = fi.sum(axis=1)
    scale = f.sum(axis=1)
    zero = total <= 1e-15 * scale
    if zero.any():
        bad = norm.loc[zero, [idc, t]].head(5).itertuples(index=False)
        where = ", ".join(f"{a}" + ("" if tc is None else f" in {b}") for a, b in bad)
        more = f" and {int(zero.sum()) - 5} more" if zero.sum() > 5 else ""
        if at_best == "raise":
            raise InputError(f"{where}{more}: at the best value of every weighted indicator (Σ F_j I_ij = 0), so "
                             "the obstacle degrees are 0/0; leave those unit-years out (at_best='drop')")
        warnings.warn(f"obstacle: {where}{more} left out: at the best value of every indicator (no obstacle)",
                      UserWarning, stacklevel=2)
        if zero.all():
            raise InputError("every unit-year is at the best value of every indicator; there is no obstacle")
        keep = ~zero
        norm, x, f, dev, fi, total = (norm[keep].reset_index(drop=True), x[keep], f[keep], dev[keep], fi[keep],
                                      total[keep])
    o = fi / total[:, None]
    n, m = x.shape
    order = np.argsort(-o, axis=1, kind="stable")
    rank = np.empty_like(order)
    rank[np.arange(n)[:, None], order] = np.arange(1, m + 1)
    deg = pd.DataFrame({
        idc: np.repeat(norm[idc].to_numpy(), m), t: np.repeat(norm[t].to_numpy(), m),
        "indicator": np.tile(inds, n), "subsystem": np.tile([sub[c] for c in inds], n),
        "contribution": f.ravel(), "deviation": dev.ravel(), "obstacle": o.ravel(), "rank": rank.ravel()})
    subs = list(dict.fromkeys(sub[c] for c in inds))
    so = np.column_stack([o[:, [j for j, c in enumerate(inds) if sub[c] == s]].sum(axis=1) for s in subs])
    sorder = np.argsort(-so, axis=1, kind="stable")
    srank = np.empty_like(sorder)
    srank[np.arange(n)[:, None], sorder] = np.arange(1, len(subs) + 1)
    sub_frame = pd.DataFrame({idc: np.repeat(norm[idc].to_numpy(), len(subs)),
                              t: np.repeat(norm[t].to_numpy(), len(subs)), "subsystem": np.tile(subs, n),
                              "obstacle": so.ravel(), "rank": srank.ravel()})
    if tc is None:
        deg, sub_frame = deg.drop(columns="_time"), sub_frame.drop(columns="_time")
    return ObstacleResult(
        meta=provenance("spatialq.index.obstacle", n=n, source=source, top=int(top), at_best=at_best,
                        pooled_weights=not (source == "entropy" and "year" in data.weights.columns)),
        degrees=deg, subsystems=sub_frame, indicators=tuple(inds), top=int(top), id=idc, time=tc)


def _rows_weights(res: EntropyResult, norm: pd.DataFrame, inds: list, t: str) -> np.ndarray:
    """F_j for every (sorted) row: the pooled weights, or the weights of the row's year."""
    w = res.weights
    if "year" in w.columns:
        wide = w.pivot(index="year", columns="indicator", values="weight")[inds]
        return wide.reindex(norm[t].to_numpy()).to_numpy(dtype=float)
    row = w.set_index("indicator")["weight"].reindex(inds).to_numpy(dtype=float)
    return np.tile(row, (len(norm), 1))

"""Coupling coordination degree of 2..n sub-systems."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from .._data import long_frame, time_col
from .._guards import InputError
from .._results import Result, provenance

__all__ = ["GRADES_EN", "GRADES_ZH", "CouplingResult", "coupling", "grade"]

GRADES_ZH = ("极度失调", "严重失调", "中度失调", "轻度失调", "濒临失调",
             "勉强协调", "初级协调", "中级协调", "良好协调", "优质协调")
GRADES_EN = ("extreme imbalance", "serious imbalance", "moderate imbalance", "mild imbalance",
             "near imbalance", "barely coordinated", "primary coordination", "intermediate coordination",
             "good coordination", "high-quality coordination")


def grade(d, *, lang: Literal["zh", "en"] = "zh") -> np.ndarray:
    """Ten grades of D in steps of 0.1, each interval closed on the left: [0, 0.1) 极度失调 …
    [0.9, 1.0] 优质协调.  A value exactly at 0.1, 0.2, … belongs to the higher grade
    (D = 0.5 is 勉强协调); D = 1 is 优质协调."""
    d = np.asarray(d, dtype=float)
    if np.any((d < 0) | (d > 1 + 1e-12)):
        raise ValueError("D must lie in [0, 1]")
    # round to 12 decimals first so that 0.3 computed as 0.30000000000000004 is not pushed up a grade
    k = np.minimum(np.floor(np.round(d, 12) * 10).astype(int), 9)
    labels = GRADES_ZH if lang == "zh" else GRADES_EN
    return np.array([labels[i] for i in k], dtype=object)


@dataclass(frozen=True, eq=False, repr=False)
class CouplingResult(Result):
    """Coupling coordination (see :func:`coupling`)."""

    table: pd.DataFrame
    systems: tuple

    def _title(self) -> str:
        return "Coupling coordination degree"

    def _summary_lines(self) -> list[str]:
        t = self.table
        lines = [f"systems: {', '.join(self.systems)}",
                 f"C mean {t['C'].mean():.4f}   T mean {t['T'].mean():.4f}   D mean {t['D'].mean():.4f}"]
        counts = t["grade_zh"].value_counts()
        lines.append("grades: " + ", ".join(f"{g} {counts[g]}" for g in GRADES_ZH if g in counts))
        return lines

    def to_frame(self) -> pd.DataFrame:
        """Id, time, the U_i, ``C``, ``T``, ``D``, ``grade`` (1–10), ``grade_zh``, ``grade_en`` and,
        for two systems, ``type`` (which system lags; ``type_zh`` 滞后型/同步型, ``type_en``)."""
        return self.table.copy()

    def _plot(self, ax, gdf=None, period=None, lang: str = "zh", **kw):
        """Mean D per period, or with ``gdf`` a map of the coordination grades of one period (the last
        by default) in ten fixed colours from 极度失调 (red) to 优质协调 (green)."""
        t = self.table
        if gdf is not None:
            from ..plot.choropleth import _colors, category_map

            idc = t.columns[0]
            tc = t.columns[1] if t.columns[1] not in self.systems and t.columns[1] != "_time" else None
            part = t
            if tc is not None:
                period = t[tc].max() if period is None else period
                part = t[t[tc] == period]
            names = GRADES_ZH if lang == "zh" else GRADES_EN
            colors = dict(zip(names[::-1], _colors("RdYlGn", 10)[::-1]))
            values = part.set_index(idc)["grade"].map(lambda g: names[int(g) - 1])
            return category_map(gdf, values, colors, ax=ax, lang=lang, **kw)
        if "_time" in t.columns or t.columns[1] not in t:
            ax.hist(t["D"], bins=20, **kw)
        else:
            tc = t.columns[1]
            t.groupby(tc)["D"].mean().plot(ax=ax, marker="o", **kw)
            ax.set_xlabel(str(tc))
        ax.set_ylabel("D (coupling coordination)")
        return ax


def coupling(
    df: pd.DataFrame,
    systems: Sequence[str],
    *,
    weights: Sequence[float] | None = None,
    variant: Literal["standard", "no_factor"] = "standard",
    sync_tol: float = 0.1,
    id: str = "adcode",
    time: str = "year",
) -> CouplingResult:
    """Coupling degree C, comprehensive index T and coordination degree D of n sub-systems.

    With sub-system scores U_1..U_n in [0, 1] (e.g. the sub-system columns of
    :func:`spatialq.index.entropy`):

    * C = n · [Π U_i / (Σ U_i)^n]^(1/n); for two systems C = 2√(U_1U_2)/(U_1 + U_2) ∈ [0, 1];
    * T = Σ a_i U_i with a_i = ``weights`` (equal by default, summing to 1);
    * D = √(C · T), graded in ten steps of 0.1 (:func:`grade`).

    ``variant="no_factor"`` is the published form that drops the leading n (2 for two
    systems); it caps C at 1/n and D at about 0.71 for two systems, so it only runs when
    asked for and warns.  For two systems the relative-development type compares U_1 and
    U_2: U_1 − U_2 > ``sync_tol`` → the second system lags ("<system2> lagging"), < −sync_tol
    → the first lags, otherwise synchronous.

    Raises an error for negative scores, scores above 1, or rows where every U_i is 0 (C is
    undefined there).  Needs at least 2 sub-systems and 1 row (each row is computed on its own);
    the table is sorted by (id, time) whatever the row order of ``df``.
    """
    systems = list(systems)
    if len(systems) < 2:
        raise InputError(f"coupling needs at least 2 sub-systems; got {systems}")
    if variant not in ("standard", "no_factor"):
        raise ValueError(f"variant must be 'standard' or 'no_factor', got {variant!r}")
    n = len(systems)
    if weights is None:
        a = np.full(n, 1.0 / n)
    else:
        a = np.asarray(weights, dtype=float)
        if a.shape != (n,) or np.any(a < 0) or not np.isclose(a.sum(), 1.0):
            raise ValueError(f"weights must be {n} non-negative numbers summing to 1, got {list(weights)}")
    twice = [c for c in dict.fromkeys(systems) if systems.count(c) > 1]
    if twice:
        raise InputError(f"coupling: sub-system {', '.join(map(repr, twice))} is listed more than once; a system "
                         "coupled with itself has C = 1 by construction")
    data = long_frame(df, id=id, time=time, columns=systems)
    t = time_col(data, time)
    data = data.sort_values([id, t], kind="mergesort").reset_index(drop=True)
    if data.empty:
        raise InputError("coupling: the data have no rows")
    u = data[systems].to_numpy(dtype=float)
    if np.any(u < 0) or np.any(u > 1):
        rows = (u < 0).any(axis=1) | (u > 1).any(axis=1)
        bad = data.loc[rows, [id, t]].head(10).to_records(index=False).tolist() if t != "_time" else \
            data.loc[rows, id].tolist()[:10]
        raise InputError(f"sub-system scores must lie in [0, 1]; outside at {bad}")
    total = u.sum(axis=1)
    if np.any(total == 0):
        bad = data.loc[total == 0, [id, t]].head(10).to_records(index=False).tolist() if t != "_time" else \
            data.loc[total == 0, id].tolist()[:10]
        raise InputError(f"every sub-system score is 0 at {bad}: C is undefined")
    with np.errstate(divide="ignore"):
        c = n * np.exp((np.log(u).sum(axis=1) - n * np.log(total)) / n)
    c = np.where(np.any(u == 0, axis=1), 0.0, c)
    if variant == "no_factor":
        warnings.warn(f"variant='no_factor' drops the factor {n}: C is capped at {1 / n:.2f} and D cannot reach "
                      "the upper grades; use the standard form unless you replicate a paper that used this one",
                      UserWarning, stacklevel=2)
        c = c / n
    tt = u @ a
    d = np.sqrt(c * tt)
    table = data[[id, t]].copy()
    for s in systems:
        table[s] = data[s]
    table["C"], table["T"], table["D"] = c, tt, d
    table["grade"] = np.minimum(np.floor(np.round(d, 12) * 10).astype(int), 9) + 1
    table["grade_zh"] = grade(d, lang="zh")
    table["grade_en"] = grade(d, lang="en")
    if n == 2:
        diff = u[:, 0] - u[:, 1]
        table["type"] = np.where(diff > sync_tol, f"{systems[1]} lagging",
                                 np.where(diff < -sync_tol, f"{systems[0]} lagging", "synchronous"))
        table["type_zh"] = np.where(diff > sync_tol, f"{systems[1]} 滞后型",
                                    np.where(diff < -sync_tol, f"{systems[0]} 滞后型", "同步型"))
        table["type_en"] = table["type"]
    if t == "_time":
        table = table.drop(columns="_time")
    return CouplingResult(
        meta=provenance("spatialq.index.coupling", n=len(data), systems=systems, weights=list(a), variant=variant,
                        sync_tol=sync_tol),
        table=table.reset_index(drop=True), systems=tuple(systems),
    )

"""Prefecture-level changes since 2000 and aggregation of old panels onto current units.

The table ``registry/crosswalk_prefecture.csv`` is derived by ``tools/build_crosswalk.py``
from the GB/T 2260 code tables (one row per visible change between two revisions; the
``source`` column names both).  Kinds of change:

``rename``       same code, new name (襄樊市 -> 襄阳市, 2010)
``code_change``  new code, same unit (地区 -> 市: 铜仁地区 522200 -> 铜仁市 520600, 2011)
``merged``       the unit's counties all moved to one existing unit (莱芜市 -> 济南市, 2019)
``split``        its counties moved to several units (巢湖市 -> 合肥/芜湖/马鞍山, 2011)
``new``          a unit without predecessor (三沙市 2012; 儋州市 upgraded 2015; 来宾, 崇左)
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Sequence
from importlib import resources
from typing import Literal

import pandas as pd

from .._guards import InputError

__all__ = ["crosswalk", "harmonize"]


@functools.cache
def _raw() -> pd.DataFrame:
    with resources.files("spatialq.registry").joinpath("crosswalk_prefecture.csv").open(encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


@functools.cache
def _resolved() -> pd.DataFrame:
    t = _raw().copy()
    step = {r.old_adcode: r.new_adcode for r in t.itertuples()
            if r.old_adcode and r.change in ("rename", "code_change", "merged") and r.old_adcode != r.new_adcode}

    def final(code: str) -> str:
        seen = set()
        while code in step and code not in seen:
            seen.add(code)
            code = step[code]
        return code

    t["current_adcode"] = [
        final(r.new_adcode) if r.change in ("rename", "code_change", "merged") else
        "|".join(final(c) for c in r.new_adcode.split("|")) if r.change == "split" else r.new_adcode
        for r in t.itertuples()
    ]
    return t


def crosswalk() -> pd.DataFrame:
    """The prefecture-level change table (a copy).

    Returns
    -------
    DataFrame with ``old_adcode``, ``old_name``, ``new_adcode``, ``new_name``, ``change``,
    ``last_seen`` and ``first_seen`` (the two code-table revisions between which the
    change is visible, ``YYYYMM`` or ``cnmaps`` for the bundled ≈2021 codes), ``counties``
    (where the counties went, for merges, splits and new units), ``source`` and
    ``current_adcode`` (the chain of changes followed to today's unit; ``|``-separated for
    splits).
    """
    return _resolved().copy()


def harmonize(
    df: pd.DataFrame,
    columns: Sequence[str],
    *,
    how: Literal["sum", "mean", "weighted_mean"] = "sum",
    weight: str | None = None,
    id: str = "adcode",
    time: str = "year",
    splits: Literal["raise", "drop"] = "raise",
) -> pd.DataFrame:
    """Aggregate a prefecture-level panel with old adcodes onto today's units.

    Rows of renamed and recoded units get today's adcode; rows of merged units (莱芜
    371200) are combined with their new unit's row of the same year (莱芜 + 济南 ->
    济南 370100).  Split units (巢湖 341400, 南宁地区, 柳州地区) cannot be apportioned
    without county data: ``splits="raise"`` stops with an error naming them,
    ``splits="drop"`` drops their rows with a warning.

    Parameters
    ----------
    df : DataFrame
        Long panel with an adcode column (or index) and a year column.
    columns : sequence of str
        Numeric columns to aggregate; other columns are dropped.
    how : {"sum", "mean", "weighted_mean"}
        ``"sum"`` for stocks and flows (GDP, population), ``"mean"`` for unweighted
        averages, ``"weighted_mean"`` for ratios (weights from ``weight=``, e.g.
        population).
    weight : str, optional
        Weight column for ``how="weighted_mean"``.
    id, time : str
        Column names of the adcode and the year.
    splits : {"raise", "drop"}
        What to do with rows of split units.

    Returns
    -------
    DataFrame with columns ``id``, ``time``, the aggregated ``columns`` and
    ``n_source_units`` (how many old units were combined into the row), sorted by (id, time).

    Missing values: **a combined value with a missing part is missing.**  莱芜 NaN + 济南 6100 is
    NaN, not 6100 (a sum, mean or weighted mean over the parts that happen to be present would
    silently drop a unit); a ``UserWarning`` names the merged units, years and columns where this
    happened.  Fill the gap first (e.g. from the yearbook of the merged city) or, if a missing part
    truly is zero, ``fillna(0)`` it yourself.  A missing weight makes the weighted mean missing the
    same way.  Weights must be non-negative; weights that sum to zero for a unit and year are an
    error naming them.
    """
    if how not in ("sum", "mean", "weighted_mean"):
        raise ValueError(f"how must be 'sum', 'mean' or 'weighted_mean', got {how!r}")
    if how == "weighted_mean" and weight is None:
        raise ValueError("how='weighted_mean' needs weight= (a column name, e.g. population)")
    data = df.reset_index() if id not in df.columns and df.index.name == id else df
    missing = [c for c in [id, time, *columns, *([weight] if weight else [])] if c not in data.columns]
    if missing:
        raise KeyError(f"columns not found: {missing}; available: {list(data.columns)}")
    data = data[[id, time, *columns, *([weight] if weight and weight not in columns else [])]].copy()
    data[id] = data[id].astype(str).str.zfill(6)
    t = _resolved()
    moves = {r.old_adcode: r.current_adcode for r in t.itertuples()
             if r.old_adcode and r.change in ("rename", "code_change", "merged")}
    split_codes = {r.old_adcode: r for r in t.itertuples() if r.change == "split"}
    hit = sorted(set(data[id]) & set(split_codes))
    if hit:
        desc = "; ".join(f"{split_codes[c].old_name} {c} -> {split_codes[c].new_name.replace('|', '/')}" for c in hit)
        if splits == "raise":
            raise ValueError(f"rows of units that were split cannot be apportioned without county data: {desc}. "
                             "Pass splits='drop' to drop them.")
        warnings.warn(f"dropping rows of split units: {desc}", UserWarning, stacklevel=2)
        data = data[~data[id].isin(hit)]
    data["_source"] = data[id]
    data[id] = data[id].map(lambda c: moves.get(c, c))
    cols = list(columns)
    keys = [data[id], data[time]]
    grouped = data.groupby(keys, sort=True)
    size = grouped.size()
    present = grouped[cols].count()
    if how == "sum":
        out = grouped[cols].sum()
    elif how == "mean":
        out = grouped[cols].mean()
    else:
        w = pd.to_numeric(data[weight], errors="coerce")
        neg = w < 0
        if neg.any():
            where = data.loc[neg, ["_source", time]].head(5).to_records(index=False).tolist()
            raise InputError(f"harmonize: weight {weight!r} is negative at {where}; weights must be non-negative")
        w_present = w.notna().groupby(keys).sum()
        wsum = w.groupby(keys).sum()
        zero = (wsum == 0) & (w_present == size)
        if zero.any():
            where = [f"{u} in {y}" for u, y in zero[zero].index[:5]]
            raise InputError(f"harmonize: the weights {weight!r} sum to zero for {', '.join(where)}: a weighted mean "
                             "is undefined there; fix the weights or use how='mean'")
        out = data[cols].multiply(w, axis=0).groupby(keys).sum().div(wsum.where(wsum != 0), axis=0)
        present = present.clip(upper=w_present, axis=0)
    complete = present.eq(size, axis=0)
    partial = (~complete) & (present > 0) & (size > 1).to_numpy()[:, None]
    if partial.to_numpy().any():
        w_missing = pd.to_numeric(data[weight], errors="coerce").isna() if how == "weighted_mean" else False
        notes = []
        for c in cols:
            gone = data[data[c].isna() | w_missing]
            lost = gone.groupby([gone[id], gone[time]])["_source"].agg(lambda v: "+".join(sorted(set(v))))
            what = f"{c!r}" + (f" or the weight {weight!r}" if how == "weighted_mean" else "")
            notes += [f"{u} in {y}: {what} of {lost[(u, y)]} is missing" for (u, y) in partial.index[partial[c]]]
        warnings.warn(f"harmonize: a part of a merged unit is missing, so the combined value is missing (NaN): "
                      f"{'; '.join(notes[:6])}{' …' if len(notes) > 6 else ''}; fill the missing part first",
                      UserWarning, stacklevel=2)
    out = out.where(complete)
    out["n_source_units"] = size
    out.index.names = [id, time]
    return out.reset_index()

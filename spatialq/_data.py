"""Input handling shared by the analysis modules: ids, periods, numeric checks."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ._guards import InputError, flat_frame, years_from
from ._wmatrix import with_unit_ids


def _keys(frame: pd.DataFrame, cols: Sequence[str], limit: int = 10) -> list:
    return frame[list(cols)].head(limit).to_records(index=False).tolist()


def sort_rows(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Rows sorted by ``keys`` (stable); ids of mixed types (e.g. 1 and "a") sort by their text."""
    keys = list(keys)
    try:
        return frame.sort_values(keys, kind="stable")
    except TypeError:
        return frame.sort_values(keys, kind="stable", key=lambda s: s.astype(str) if s.dtype == object else s)


def _strictly_sorted(frame: pd.DataFrame, keys: Sequence[str]) -> bool:
    """True when numeric ``keys`` already increase strictly (lexicographically) down the rows: then the rows
    are sorted and no key repeats, and :func:`sort_rows` would leave them where they are (a grid of millions of
    cells in id order skips a sort and a duplicate search).  False for any other key type (they take the
    general path)."""
    cols = [frame[k].to_numpy() for k in keys]
    if len(frame) < 2 or not all(c.dtype.kind in "iuf" for c in cols):
        return False
    ahead = np.zeros(len(frame) - 1, dtype=bool)  # row r + 1 is ahead of row r on an earlier key
    level = np.ones(len(frame) - 1, dtype=bool)  # rows r and r + 1 tie on the keys so far
    for c in cols:
        ahead |= level & (c[1:] > c[:-1])
        level &= c[1:] == c[:-1]
    return bool(ahead.all())


def long_frame(df: pd.DataFrame, *, id: str, time: str | None, columns: Sequence[str],
               extra: Sequence[str] = (), row: str | None = None) -> pd.DataFrame:
    """A copy with ``id`` (from the column or the index), optional ``time`` and numeric ``columns``,
    its rows sorted by (id, time).

    * An (id, time) MultiIndex (``df.set_index(["adcode", "year"])``) or a named index becomes columns.
    * Periods that are years in any form (2011, ``"2011"``, ``"2011年"``, 2011.0, dates) become integers
      (:func:`spatialq._guards.years_from`); other periods (``"2011Q1"``) are kept.
    * Rows are sorted by (id, time), so everything downstream — seeded permutations included — does not
      depend on the order of the input rows.  The original index labels are kept; ``row`` names a column
      that records each row's position in the input (for inputs whose meaning is positional, such as a
      sparse weights matrix in row order).
    * ``extra`` columns (e.g. a group label) are carried along unchecked.

    Errors name the column and the rows (id, period): missing columns (``KeyError``), non-numeric,
    missing or infinite values, missing ids or periods, and duplicated (id, time) pairs.  ``time=None``
    or a missing time column means one cross-section (a ``_time`` column of 0 is added).
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"expected a DataFrame, got {type(df).__name__}")
    data = flat_frame(df, keys=[k for k in (id, time) if k is not None])
    if id not in data.columns:
        if data.index.name == id or id == "adcode":
            data = data.rename_axis(id).reset_index()
        else:
            raise KeyError(f"id column {id!r} not found; columns: {list(data.columns)} (pass id=)")
    use_time = time is not None and time in data.columns
    missing = [c for c in [*columns, *extra] if c not in data.columns]
    if missing:
        raise KeyError(f"columns not found: {missing}; available: {list(data.columns)}")
    keep = list(dict.fromkeys([id, *([time] if use_time else []), *columns, *extra]))
    out = data[keep].copy()
    if row is not None:
        out[row] = np.arange(len(out), dtype=np.int32 if len(out) < np.iinfo(np.int32).max else np.int64)
    key = [id, *([time] if use_time else [])]
    if out[id].isna().any():
        raise InputError(f"column {id!r} (the id) is missing in {int(out[id].isna().sum())} rows "
                         f"(rows {np.flatnonzero(out[id].isna().to_numpy())[:10].tolist()}); fill or drop them")
    if use_time:
        if out[time].isna().any():
            raise InputError(f"column {time!r} (the period) is missing for ids "
                             f"{out.loc[out[time].isna(), id].unique().tolist()[:10]}; fill or drop those rows")
        out[time] = years_from(out[time], name=time).to_numpy()
    for c in dict.fromkeys(columns):
        vals = pd.to_numeric(out[c], errors="coerce")
        bad = vals.isna() & out[c].notna()
        if bad.any():
            raise InputError(f"column {c!r} has non-numeric values at {_keys(out[bad], key)} "
                             f"(e.g. {out.loc[bad, c].iloc[0]!r})")
        if vals.isna().any():
            raise InputError(f"column {c!r} has missing values at {_keys(out[vals.isna()], key)}"
                             " — fill or drop them first")
        inf = ~np.isfinite(vals.to_numpy(dtype=float))
        if inf.any():
            raise InputError(f"column {c!r} has infinite values at {_keys(out[inf], key)} — fix or drop them first")
        out[c] = vals.astype(float)
    if not _strictly_sorted(out, key):  # already in (id, time) order without repeats: nothing to check or move
        dup = out.duplicated(key, keep=False)
        if dup.any():
            raise InputError(f"{int(dup.sum())} rows share an ({', '.join(key)}) key, e.g. "
                             f"{_keys(out[dup], key, 4)}"
                             + (f" (periods in {time!r} are compared as years)" if use_time else ""))
        out = sort_rows(out, key)
    if not use_time:
        out["_time"] = 0
    return out


def time_col(df: pd.DataFrame, time: str | None) -> str:
    return time if time is not None and time in df.columns else "_time"


def grouped_frame(df, *, id: str, time: str | None, value: str, group, required: bool = False):
    """``long_frame`` plus the group of every row: ``group`` is a Series indexed by id (e.g.
    ``geometry.regions("four")``), a column name, or None.  Rows without a group are an error
    naming their ids (e.g. Tibet under ``three_no_tibet``: drop its rows first)."""
    if group is None:
        if required:
            raise ValueError("a group (column name or Series indexed by id) is required")
        return long_frame(df, id=id, time=time, columns=[value]), None
    if isinstance(group, pd.Series):
        data = long_frame(df, id=id, time=time, columns=[value])
        g = data[id].map(group)
    else:
        data = long_frame(df, id=id, time=time, columns=[value], extra=[group])
        g = data[group]
    if pd.isna(g).any():
        raise ValueError(f"rows without a group: ids {data.loc[pd.isna(g), id].unique().tolist()[:10]} "
                         "(e.g. Tibet under three_no_tibet: drop those rows first)")
    return data, g


def unit_weights(w, df: pd.DataFrame, *, id: str, time: str | None, method: str):
    """``w`` as given, or a bare scipy sparse ``w`` with the ids of its rows: the units in the order of the input's
    rows (:func:`spatialq._wmatrix.with_unit_ids`), for methods that sort their rows before they align W."""
    if not sp.issparse(w) or not isinstance(df, pd.DataFrame):
        return w
    # the raw id and period of every row, in input order (periods as given: a method may keep months or quarters)
    data = flat_frame(df, keys=[k for k in (id, time) if k is not None]) if isinstance(df.index, pd.MultiIndex) else df
    if id in data.columns:
        ids = data[id].to_numpy(dtype=object)
    elif data.index.name == id or id == "adcode":
        ids = data.index.to_numpy(dtype=object)
    else:
        return w  # the method names the missing id column
    times = data[time].to_numpy() if time is not None and time in data.columns else None
    return with_unit_ids(w, ids, times, method=method)

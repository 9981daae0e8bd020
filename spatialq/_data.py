"""Input handling shared by the analysis modules: ids, periods, numeric checks."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def long_frame(df: pd.DataFrame, *, id: str, time: str | None, columns: Sequence[str],
               extra: Sequence[str] = ()) -> pd.DataFrame:
    """A copy with ``id`` (from the column or the index), optional ``time`` and numeric ``columns``.

    ``extra`` columns (e.g. a group label) are carried along unchecked.  Raises clear errors
    for missing columns, non-numeric or missing values (naming the rows),
    and duplicated (id, time) pairs.  ``time=None`` or a missing time column means one
    cross-section.
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"expected a DataFrame, got {type(df).__name__}")
    data = df
    if id not in data.columns:
        if data.index.name == id or id == "adcode":
            data = data.rename_axis(id).reset_index()
        else:
            raise KeyError(f"id column {id!r} not found; columns: {list(df.columns)} (pass id=)")
    use_time = time is not None and time in data.columns
    missing = [c for c in [*columns, *extra] if c not in data.columns]
    if missing:
        raise KeyError(f"columns not found: {missing}; available: {list(data.columns)}")
    keep = list(dict.fromkeys([id, *([time] if use_time else []), *columns, *extra]))
    out = data[keep].copy()
    for c in dict.fromkeys(columns):
        vals = pd.to_numeric(out[c], errors="coerce")
        bad = vals.isna() & out[c].notna()
        if bad.any():
            raise ValueError(f"column {c!r} has non-numeric values at ids {out.loc[bad, id].tolist()[:10]}")
        if vals.isna().any():
            where = out.loc[vals.isna(), [id, *([time] if use_time else [])]]
            raise ValueError(f"column {c!r} has missing values at {where.head(10).to_records(index=False).tolist()}"
                             " — fill or drop them first")
        if not np.isfinite(vals.to_numpy(dtype=float)).all():
            raise ValueError(f"column {c!r} has infinite values")
        out[c] = vals.astype(float)
    key = [id, *([time] if use_time else [])]
    dup = out.duplicated(key, keep=False)
    if dup.any():
        raise ValueError(f"{int(dup.sum())} rows share an ({', '.join(key)}) key, e.g. "
                         f"{out.loc[dup, key].head(4).to_records(index=False).tolist()}")
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

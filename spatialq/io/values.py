"""Cell values of yearbook tables: years, region codes and numbers as tables spell them.

Yearbooks and their spreadsheet copies write the same year as ``2019``, ``"2019年"``, ``2019.0``
or ``" 2019年 \\t"``, and the same adcode as ``110000``, ``110000.0`` or ``"110000\\t"``.
The helpers here turn each spelling into one value, or raise a :class:`ValueError` that names
the value (capped at a short excerpt) so the caller can say which cell is wrong.
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["excerpt", "normalise_code", "to_numbers", "year_columns", "year_of", "years_of"]

YEAR_MIN, YEAR_MAX = 1800, 2199
_YEAR_TEXT = re.compile(r"(\d{4})(?:\.0+)?\s*(?:年度?)?")
_CODE_TEXT = re.compile(r"(\d+)(?:\.0+)?")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
_ADCODE = re.compile(r"\d{6}")


def excerpt(value: Any, limit: int = 40) -> str:
    """A quoted, length-capped rendering of a cell for error messages.

    Parameters
    ----------
    value
        Any cell value.
    limit
        Characters kept; longer text is cut and marked with ``…``.

    Returns
    -------
    str
        ``repr`` of the (possibly cut) text, so tabs and newlines stay visible.
    """
    text = value if isinstance(value, str) else str(value)
    return repr(text[:limit] + "…") if len(text) > limit else repr(text)


def _clean_text(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


def year_of(value: Any) -> int:
    """The year a cell or column label stands for.

    Accepts integers (``2019``), whole floats (``2019.0``) and text with optional surrounding
    whitespace (tabs, full-width spaces), an optional ``.0`` and an optional ``年`` or ``年度``
    suffix (``"2019"``, ``"2019年"``, ``"2019.0"``, ``" 2019年 \\t"``; full-width digits too).
    A year is a whole number from 1800 to 2199.

    Parameters
    ----------
    value
        The cell or label.

    Returns
    -------
    int
        The year.

    Raises
    ------
    ValueError
        If ``value`` is not a year in one of these spellings; the message names the value.
    """
    year: int | None = None
    if isinstance(value, bool | np.bool_):
        year = None
    elif isinstance(value, numbers.Integral):
        year = int(value)
    elif isinstance(value, numbers.Real):
        f = float(value)
        year = int(f) if math.isfinite(f) and f.is_integer() else None
    elif isinstance(value, str):
        m = _YEAR_TEXT.fullmatch(_clean_text(value))
        year = int(m.group(1)) if m else None
    if year is None or not YEAR_MIN <= year <= YEAR_MAX:
        raise ValueError(f"{excerpt(value)} is not a year (expected e.g. 2019, '2019' or '2019年', "
                         f"from {YEAR_MIN} to {YEAR_MAX})")
    return year


def years_of(values: Iterable[Any]) -> pd.Series | np.ndarray:
    """:func:`year_of` for many values.

    Parameters
    ----------
    values
        A Series (its index is kept), an Index, a list or an array.

    Returns
    -------
    Series or ndarray
        Integer years: a ``Series`` of ``int64`` for a Series input, else an ``int64`` array.

    Raises
    ------
    ValueError
        Naming the first value that is not a year, its position and how many others fail.
    """
    items = list(values)
    out = np.empty(len(items), dtype=np.int64)
    bad: list[int] = []
    for i, v in enumerate(items):
        try:
            out[i] = year_of(v)
        except ValueError:
            bad.append(i)
    if bad:
        first = bad[0]
        label = values.index[first] if isinstance(values, pd.Series) else first
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        raise ValueError(f"{excerpt(items[first])} at {label!r} is not a year{more}; "
                         "expected e.g. 2019, '2019' or '2019年'")
    if isinstance(values, pd.Series):
        return pd.Series(out, index=values.index, name=values.name)
    return out


def year_columns(columns: pd.DataFrame | Iterable[Any]) -> dict[Any, int]:
    """The columns of a wide table whose labels are years, with their years.

    :func:`read_table` keeps column labels as the file spells them (``"2024年"``); this maps
    each label that :func:`year_of` reads to its integer year, in column order.  Other labels
    (``"地区"``) are left out.

    Parameters
    ----------
    columns
        A DataFrame (its columns are used) or the labels themselves.

    Returns
    -------
    dict
        ``{label: year}``, e.g. ``{"2023年": 2023, "2022年": 2022}``.

    Raises
    ------
    ValueError
        If two labels give the same year (``"2019"`` and ``"2019年"``).
    """
    labels = columns.columns if isinstance(columns, pd.DataFrame) else columns
    found: dict[Any, int] = {}
    seen: dict[int, Any] = {}
    for label in labels:
        try:
            year = year_of(label)
        except ValueError:
            continue
        if year in seen:
            raise ValueError(f"columns {excerpt(seen[year])} and {excerpt(label)} both give the year {year}")
        seen[year] = label
        found[label] = year
    return found


def normalise_code(value: Any) -> str | None:
    """A region code as digits, whatever number format a spreadsheet gave it.

    ``110000``, ``110000.0``, ``"110000.0"``, ``"110000\\t"`` and ``np.int64(110000)`` all give
    ``"110000"``.  Missing values (``None``, NaN, ``pd.NA``, empty or blank text) give ``None``.
    The length is not checked (6-digit adcodes and 12-digit statistical codes alike); leading
    zeros in text are kept.

    Parameters
    ----------
    value
        The cell.

    Returns
    -------
    str or None
        The code's digits, or ``None`` for a missing value.

    Raises
    ------
    ValueError
        For anything else, with the reason: a number with a fraction (``110000.5`` is an
        error, not ``None``: a damaged code must not pass as missing), a negative number, a
        float too large to hold every digit, scientific notation in text (``"1.10101E+11"``:
        digits may have been lost; format the column as text), or text that is not digits
        (a name such as ``"北京市"``).
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        raise ValueError(f"{value!r} is a boolean, not a region code")
    if isinstance(value, numbers.Integral):
        if int(value) < 0:
            raise ValueError(f"{value!r} is negative, not a region code")
        return str(int(value))
    if isinstance(value, numbers.Real):
        f = float(value)
        if math.isnan(f):
            return None
        if not math.isfinite(f) or not f.is_integer():
            raise ValueError(f"{value!r} is a float-formatted number with a fraction, not a region code")
        if f < 0:
            raise ValueError(f"{value!r} is negative, not a region code")
        if f >= 2**53:
            raise ValueError(f"{value!r} is a float too large to keep every digit of a code; read the column as text")
        return str(int(f))
    if isinstance(value, str):
        text = _clean_text(value)
        if not text:
            return None
        m = _CODE_TEXT.fullmatch(text)
        if m:
            return m.group(1)
        if re.fullmatch(r"[+-]?\d+(?:\.\d*)?[eE][+-]?\d+", text):
            raise ValueError(f"{excerpt(value)} is a code in scientific notation: digits may have been lost; "
                             "format the column as text in the spreadsheet and export again")
        if re.fullmatch(r"\d+\.\d+", text):
            raise ValueError(f"{excerpt(value)} is a float-formatted number with a fraction, not a region code")
        raise ValueError(f"{excerpt(value)} is not a region code (digits expected)")
    raise ValueError(f"{excerpt(value)} of type {type(value).__name__} is not a region code")


def to_numbers(col: pd.Series) -> pd.Series:
    """A text column as numbers when every non-missing cell is a number.

    The rule of spatialq's table readers: surrounding whitespace is ignored, thousands
    separators (``"1,234.5"``) are accepted, empty cells stay missing, and a column whose cells
    are all 6-digit codes (``"110000"``) stays text.  A column with any other text is returned
    unchanged.

    Parameters
    ----------
    col
        A column of strings with missing values.

    Returns
    -------
    Series
        Numbers (``int64`` or ``float64``) or the input.
    """
    present = col.dropna()
    if present.empty:
        return col
    text = present.astype(str).str.strip()
    if text.str.fullmatch(_ADCODE.pattern).all():
        return col
    conv = pd.to_numeric(text.astype(object), errors="coerce")
    bad = conv.isna()
    if bad.any():  # thousands separators, or text
        if not text[bad].str.fullmatch(_THOUSANDS.pattern).all():
            return col
        text = text.mask(bad, text.str.replace(",", "", regex=False))
        conv = pd.to_numeric(text.astype(object), errors="coerce")
    if len(present) == len(col):
        return conv.rename(col.name)
    out = pd.Series(np.nan, index=col.index, dtype=float, name=col.name)
    out.loc[conv.index] = conv.astype(float)
    return out

"""Read a yearbook table as published: CSV in any Chinese encoding, spreadsheets, parquet.

:func:`read_table` reads statistics-bureau exports (国家统计局 分省年度数据, 分市数据 …) as
downloaded, with their title lines, tab-padded cells, trailing commas, ``2024年`` headers,
empty year columns and footnotes, and plain tables from other yearbooks, with ``skiprows`` /
``header`` / ``footer`` for layouts it cannot detect.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from ._layout import Row, Split, TableError, looks_like_titles, split
from .values import excerpt, to_numbers

__all__ = ["TableError", "read_table"]

Format = Literal["auto", "plain", "nbs"]
_FORMATS = ("auto", "plain", "nbs")
#: Cells read as missing besides empty ones (pandas' defaults, as ``pandas.read_csv`` had them).
NA_TEXT = frozenset({"#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
                     "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"})
_MISSING = NA_TEXT | {""}
_STR: Any = "str" if int(pd.__version__.split(".")[0]) >= 3 else object  # the string dtype read_csv gives
_CSV = (".csv", ".txt")
_EXCEL = (".xlsx", ".xlsm", ".xls")


@dataclass
class _Records:
    rows: list[Row]
    file: str  # name used in messages
    kind: str
    unit: str = "line"
    encoding: str | None = None
    sheet: str | None = None
    padded: int = 0
    trailing: int = 0

    def add(self, line: int, cells: Iterable[str]) -> None:
        raw = cells if isinstance(cells, list) else list(cells)
        stripped = [c.strip() for c in raw]
        if stripped != raw:
            self.padded += sum(1 for c, s in zip(raw, stripped) if c != s)
        if len(raw) > 1 and not stripped[-1]:
            self.trailing += 1
        while stripped and not stripped[-1]:
            stripped.pop()
        self.rows.append(Row(line, tuple(stripped)))


def read_table(
    path: str | os.PathLike[str],
    *,
    sheet: int | str = 0,
    format: Format = "auto",
    skiprows: int | None = None,
    header: int | None = None,
    footer: int | None = None,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Read a .csv, .xlsx/.xls or .parquet table, statistics-bureau exports included.

    **Cells.** Every cell is stripped of surrounding whitespace (the tabs of ``北京市\\t``,
    full-width spaces); a column whose non-empty cells are all numbers becomes numeric
    (thousands separators as in ``"1,234.5"`` accepted), except a column of 6-digit codes
    (``110000``), which stays text; other columns are strings.  Empty cells (and pandas'
    ``NA``, ``NaN``, ``#N/A`` …) are missing.  A column with no value at all (a year not yet
    published) is dropped and listed in ``df.attrs["dropped_columns"]``; one without label and
    values (a sheet's empty first column) is dropped silently.  Column labels are kept as
    written (``"2024年"``); :func:`~spatialq.io.year_columns` maps them to years.

    **Layout** (``format="auto"``, the default).  Blank rows are skipped everywhere.  Rows are
    read from the top: a row with at most one non-empty cell, or starting with a ``键：值`` cell
    (``数据库：分省年度数据``, ``时间：最近10年``, ``指标：…``, ``单位：亿元``), is a title line;
    the header is the first row that starts with a region label (``地区``, ``省份``, ``城市``,
    ``指标``, ``adcode`` …, see ``HEADER_LABELS``) or has two or more ``年`` years (``2024年``),
    or else the first row that is not a title line (details in
    :func:`spatialq.io._layout.find_header`; a data row is never taken for the header).  The
    first row below the header whose first cell starts with a note word and a colon
    (``注：``, ``注:``, ``数据来源：``, ``资料来源：``, ``说明：``, ``Note:`` …) starts the
    footnotes, which run to the end.  Trailing empty cells (the comma that ends every line of
    an export) are ignored.  ``format="nbs"`` does the same but requires a header found by a
    region label or year labels; ``format="plain"`` takes the first non-blank row as the header
    and every later row as data.

    Parameters
    ----------
    path
        The file; its suffix picks the reader (``.csv``/``.txt``, ``.xlsx``/``.xlsm``/``.xls``,
        ``.parquet``).
    sheet
        Spreadsheet sheet, by position (0 = first) or name.
    format
        ``"auto"``, ``"plain"`` or ``"nbs"``, as above.  Parquet files are read as they are.
    skiprows
        Records to skip at the top before anything else (blank lines counted).
    header
        Position of the header among the non-blank rows after ``skiprows`` (0 = the first);
        ``None`` detects it (``"plain"``: 0).
    footer
        Non-blank rows at the end that are notes, not data; ``None`` detects footnotes
        (``"plain"``: none).
    encoding
        CSV encoding; ``None`` detects UTF-8 with or without BOM, UTF-16 with BOM, and
        GB18030 (which covers GBK and GB2312).

    Returns
    -------
    DataFrame
        One row per data row.  ``df.attrs["layout"]`` records how the file was read (for
        provenance): ``format`` (``"nbs"`` when title lines or footnotes were set aside, else
        ``"plain"``), ``file``, ``kind`` (csv, xlsx, xls, parquet), ``encoding``, ``sheet``,
        ``line_unit`` (``"line"`` of a text file or ``"row"`` of a sheet), ``header_line``,
        ``header_rule`` (how the header was found), ``title_lines`` and ``footnotes`` (their
        text, each cut at 200 characters), ``skipped_lines`` (line numbers read as neither
        header nor data), ``data_lines`` (first and last), ``padded_cells`` (cells whose
        whitespace was stripped) and ``trailing_empty_fields`` (rows ending in empty cells).
        ``df.attrs["dropped_columns"]`` lists the labels of columns without any value.

    Raises
    ------
    TableError
        A :class:`ValueError` naming the file and line (``"gdp.csv line 5: …"``): undecodable
        text, no header or no data rows below it, a row with more cells than the header, a
        repeated column label, data after the footnotes.  Messages quote at most about 40
        characters of one cell, never whole lines.
    ValueError
        A bad option or an unknown suffix.
    """
    path = Path(path)
    if format not in _FORMATS:
        raise ValueError(f"format must be one of {_FORMATS}, not {format!r}")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return _read_parquet(path, format, skiprows, header, footer)
    if suffix in _CSV:
        rec = _csv_records(path, encoding)
    elif suffix in _EXCEL:
        rec = _excel_records(path, sheet)
    else:
        raise ValueError(f"{path.name}: unknown table format {suffix!r}; use .csv, .xlsx, .xls or .parquet")
    parts = split(rec.rows, format=format, skiprows=skiprows, header=header, footer=footer, file=rec.file,
                  unit=rec.unit)
    hint = ""
    if parts.format == "plain" and looks_like_titles(rec.rows):
        hint = ("; the first lines look like the title lines of a statistics-bureau export (数据库：…): "
                "read it with format='auto' or 'nbs', or pass skiprows=")
    df, dropped = _frame(parts, rec, hint)
    df.attrs["layout"] = {
        "format": parts.format, "file": path.name, "kind": suffix.lstrip("."), "encoding": rec.encoding,
        "sheet": rec.sheet, "line_unit": "row" if rec.unit != "line" else "line",
        "header_line": parts.header.line, "header_rule": parts.header_rule,
        "title_lines": [r.text() for r in parts.titles], "footnotes": [r.text() for r in parts.notes],
        "skipped_lines": parts.skipped, "data_lines": [parts.data[0].line, parts.data[-1].line],
        "padded_cells": rec.padded, "trailing_empty_fields": rec.trailing,
    }
    df.attrs["dropped_columns"] = dropped
    return df


def _frame(parts: Split, rec: _Records, hint: str) -> tuple[pd.DataFrame, list[str]]:
    head = parts.header
    labels = [c if c else f"Unnamed: {i}" for i, c in enumerate(head.cells)]
    first: dict[str, int] = {}
    for i, label in enumerate(labels):
        if label in first:
            raise TableError(rec.file, f"the header repeats the column {excerpt(label)} (columns {first[label] + 1} "
                                       f"and {i + 1})", head.line, unit=rec.unit)
        first[label] = i
    width = len(labels)
    rows = []
    for r in parts.data:
        n = len(r.cells)
        if n > width:
            raise TableError(rec.file, f"{n} cells where the header ({rec.unit} {head.line}) has {width}{hint}",
                             r.line, unit=rec.unit)
        rows.append(r.cells + ("",) * (width - n) if n < width else r.cells)
    data: dict[str, pd.Series] = {}
    dropped: list[str] = []
    for label, cell, values in zip(labels, head.cells, zip(*rows)):
        col = pd.Series(values, dtype=object)
        col = col.mask(col.isin(_MISSING))
        if col.isna().all():
            if cell:  # a column without label and values (a sheet's empty first column) goes silently
                dropped.append(label)
            continue
        data[label] = to_numbers(col.astype(_STR))
    if not data:
        raise TableError(rec.file, "every cell below the header is empty", head.line, unit=rec.unit)
    return pd.DataFrame(data), dropped


def _decode(data: bytes, encoding: str | None, name: str) -> tuple[str, str]:
    def fail(err: UnicodeDecodeError, tried: str) -> TableError:
        return TableError(name, f"cannot decode as {tried} (byte {err.start}); pass encoding=",
                          data[:err.start].count(b"\n") + 1)

    if data[:4] == b"PK\x03\x04":
        raise TableError(name, "is a zip archive (an .xlsx workbook?), not CSV text; give it its .xlsx suffix")
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ValueError(f"unknown encoding {encoding!r}") from None
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as err:
            raise fail(err, encoding) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ("utf-16",)
    elif data.startswith(codecs.BOM_UTF8):
        candidates = ("utf-8-sig",)
    else:
        candidates = ("utf-8", "gb18030")
    errors = []
    for enc in candidates:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError as err:
            errors.append(err)
    furthest = max(errors, key=lambda e: e.start)  # the encoding that read furthest points at the bad byte
    raise fail(furthest, " or ".join(c.upper().replace("-SIG", " with BOM") for c in candidates)) from None


def _csv_records(path: Path, encoding: str | None) -> _Records:
    text, enc = _decode(path.read_bytes(), encoding, path.name)
    rec = _Records([], path.name, "csv", encoding=enc)
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    start = 1
    try:
        for cells in reader:
            rec.add(start, cells)
            start = reader.line_num + 1
    except csv.Error as err:
        raise TableError(path.name, f"not readable as CSV: {err}", start) from None
    return rec


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)  # 23000.0 stays a float, as in a CSV; Excel's own integers arrive as int
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _excel_records(path: Path, sheet: int | str) -> _Records:
    with path.open("rb") as fh:
        magic = fh.read(8)
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        return _xls_records(path, sheet)
    if not magic.startswith(b"PK"):
        raise TableError(path.name, "is not an Excel workbook (perhaps a web page or text saved with an Excel "
                                    "suffix); open it and save it as .xlsx or .csv")
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # zip or XML damage: say so without echoing content
        raise TableError(path.name, f"cannot open the workbook ({type(err).__name__})") from None
    try:
        names = wb.sheetnames
        if isinstance(sheet, str) and sheet in names:
            ws = wb[sheet]
        elif isinstance(sheet, int) and not isinstance(sheet, bool) and 0 <= sheet < len(names):
            ws = wb.worksheets[sheet]
        else:
            shown = ", ".join(excerpt(n) for n in names[:10]) + (" …" if len(names) > 10 else "")
            raise TableError(path.name, f"no sheet {sheet!r}; sheets: {shown}")
        rec = _Records([], path.name, "xlsx", unit=f"sheet {excerpt(ws.title)} row", sheet=ws.title)
        ws.reset_dimensions()  # the stored dimensions may be wrong; read every cell
        for i, values in enumerate(ws.iter_rows(values_only=True), start=1):
            rec.add(i, (_cell_text(v) for v in values))
    finally:
        wb.close()
    return rec


def _xls_records(path: Path, sheet: int | str) -> _Records:
    try:
        import xlrd  # noqa: F401
    except ImportError:
        raise TableError(path.name, "is an Excel 97-2003 (.xls) workbook: save it as .xlsx or .csv, or install "
                                    "the xlrd package to read it") from None
    raw = pd.read_excel(path, sheet_name=sheet, header=None, dtype=object, engine="xlrd")
    rec = _Records([], path.name, "xls", unit="row", sheet=str(sheet))
    for i, values in enumerate(raw.itertuples(index=False), start=1):
        rec.add(i, (_cell_text(None if pd.isna(v) else v) for v in values))
    return rec


def _read_parquet(path: Path, format: str, skiprows: Any, header: Any, footer: Any) -> pd.DataFrame:
    if format == "nbs" or any(v is not None for v in (skiprows, header, footer)):
        raise ValueError(f"{path.name}: format='nbs', skiprows=, header= and footer= apply to CSV and "
                         "spreadsheet files, not parquet")
    df = pd.read_parquet(path)
    if df.empty:
        raise TableError(path.name, "the table has no data rows")
    df.attrs["layout"] = {"format": "plain", "file": path.name, "kind": "parquet", "encoding": None,
                          "sheet": None, "title_lines": [], "footnotes": [], "skipped_lines": []}
    df.attrs["dropped_columns"] = []
    return df

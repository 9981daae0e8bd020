"""Where the header, the data and the notes of a yearbook table are (see :func:`split`).

The readers in :mod:`spatialq.io.tables` turn a file into records (a line or sheet-row number
and its cells); this module decides which record is the header, which are data and which are
title lines or footnotes.  Nothing here touches the file system.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from .values import year_of

__all__ = ["FOOTNOTE", "HEADER_LABELS", "Row", "Split", "TableError", "split"]

#: First header cells that mark a table's header row (compared after stripping, case-insensitively).
HEADER_LABELS = frozenset({
    "地区", "地区名称", "区域", "省份", "省份名称", "省", "省区", "省市", "省区市", "省(区、市)", "省(自治区、直辖市)",
    "城市", "城市名称", "地级市", "市", "县", "区县", "县区", "县(市、区)", "行政区", "行政区划", "行政区划代码",
    "区划代码", "代码", "名称", "指标", "时间", "年份", "adcode", "code", "region", "province", "city", "county",
    "prefecture", "name", "year",
})
#: A footnote row starts (first non-empty cell) with one of these words and a colon: 注：… 注: … 数据来源：…
FOOTNOTE = re.compile(r"(?:注释?|附注|说明|备注|数据来源|资料来源|来源|notes?|sources?)\s*\d*\s*[：:]", re.I)
_NOTE_START = frozenset("注附说备数资来nNsS")  # first letters of FOOTNOTE's words (a cheap pre-check)
_TITLE = re.compile(r"(?:数据库|时间|指标|地区|频度|单位)[：:]")
_KEY_VALUE = re.compile(r"[^：:]{1,12}：|(?:数据库|时间|指标|地区|频度|单位|表)\s*[:：]")  # 单位：亿元, 时间:2015-2023
_SCAN = 50  # non-blank rows searched for a header


class TableError(ValueError):
    """A table that cannot be read; ``file`` and ``line`` (or ``None``) say where.

    The message starts with ``"<file> line <n>: "`` (``row`` for spreadsheets) and quotes at
    most a short excerpt of one cell, never whole lines of the file.
    """

    def __init__(self, file: str, message: str, line: int | None = None, *, unit: str = "line"):
        self.file, self.line = file, line
        where = f"{file} {unit} {line}" if line is not None else file
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Row:
    """One record: where it starts in the file and its cells, stripped, trailing empty cells removed."""

    line: int
    cells: tuple[str, ...]

    def text(self, limit: int = 200) -> str:
        """The non-empty cells joined by a space, cut at ``limit`` characters (for provenance)."""
        joined = " ".join(c for c in self.cells if c)
        return joined[:limit] + "…" if len(joined) > limit else joined

    @property
    def filled(self) -> int:
        """Number of non-empty cells."""
        return sum(1 for c in self.cells if c)

    @property
    def first(self) -> str:
        """The first non-empty cell ('' for a blank row)."""
        return next((c for c in self.cells if c), "")


@dataclass
class Split:
    """The parts of a table: header row, data rows, and what was set aside."""

    header: Row
    data: list[Row]
    header_rule: str
    titles: list[Row] = field(default_factory=list)
    notes: list[Row] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # line numbers read as neither header nor data
    format: str = "plain"


def _is_year(cell: str) -> bool:
    try:
        year_of(cell)
    except ValueError:
        return False
    return True


def _label_header(row: Row) -> bool:
    return row.filled >= 2 and row.first.casefold() in HEADER_LABELS


def _year_header(row: Row, *, suffix_only: bool) -> bool:
    rest = [c for c in row.cells if c][1:]
    years = [c for c in rest if (not suffix_only or "年" in c) and _is_year(c)]
    if suffix_only:
        return len(years) >= 2
    return len(years) >= 2 and len(years) == len(rest) and len({year_of(c) for c in years}) == len(years)


def _title_like(row: Row) -> bool:
    return row.filled <= 1 or _KEY_VALUE.match(row.first) is not None


def find_header(body: list[Row]) -> tuple[int, str]:
    """Index of the header among the non-blank rows ``body`` and the rule that found it.

    The first 50 rows are read in order.  A row whose first non-empty cell is a header label
    (:data:`HEADER_LABELS`, e.g. ``地区``) and which has two or more non-empty cells, or a row
    with two or more years written with ``年`` (``2024年``), is the header (rule ``"header
    label"`` or ``"year labels"``).  A row with at most one non-empty cell, or whose first cell
    is a ``键：值`` title (``时间：最近10年``, ``单位：亿元``), is a title line and reading goes on.
    Any other row is the header (``"year labels"`` if its cells after the first are distinct
    years such as ``2024``, else ``"first row with several cells"``), except that a row with an
    empty first cell (a units row ``,亿元,亿元`` or a header with an empty corner, as pandas
    writes an index) gives way to a label or year header right below it.  So reading stops at
    the first row that is not a title: a data row (say one whose values all lie between 1800
    and 2199) is never taken for the header.  If every row is a title line, the header is the
    first row (``"first row"``).
    """
    def other(j: int) -> tuple[int, str]:
        return j, "year labels" if _year_header(body[j], suffix_only=False) else "first row with several cells"

    corner = None  # a row with an empty first cell: a units row, or a header with an empty corner
    for i, row in enumerate(body[:_SCAN]):
        if _label_header(row):
            return i, "header label"
        if _year_header(row, suffix_only=True):
            return i, "year labels"
        if _title_like(row):
            continue
        if corner is None and not row.cells[0]:
            corner = i
            continue
        return other(corner if corner is not None else i)
    return other(corner) if corner is not None else (0, "first row")


def _is_note(row: Row) -> bool:
    first = row.cells[0] or row.first
    return first[:1] in _NOTE_START and FOOTNOTE.match(first) is not None


def _split_notes(after: list[Row], width: int, file: str, unit: str) -> tuple[list[Row], list[Row]]:
    start = next((i for i, r in enumerate(after) if _is_note(r)), None)
    if start is None:
        return after, []
    notes = after[start:]
    table_like = max(3, math.ceil(width / 2))
    for r in notes[1:]:
        if not _is_note(r) and r.filled >= table_like:
            raise TableError(file, f"a table row after the footnotes that start on {unit} {notes[0].line}; "
                                   "move the notes to the end or pass footer=", r.line, unit=unit)
    return after[:start], notes


def _count(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer or None, not {value!r}")
    return value


def split(rows: list[Row], *, format: str, skiprows: int | None, header: int | None, footer: int | None,
          file: str, unit: str = "line") -> Split:
    """Divide a file's records into title lines, header, data and footnotes.

    Parameters
    ----------
    rows
        Every record of the file in order, blank ones included.
    format
        ``"auto"``, ``"plain"`` or ``"nbs"`` (see :func:`spatialq.io.read_table`).
    skiprows, header, footer
        ``skiprows`` records (blank ones counted) are skipped first; ``header`` is the header's
        index among the remaining non-blank rows (``None``: detected, or 0 for ``"plain"``);
        ``footer`` non-blank rows at the end are footnotes (``None``: detected by their
        ``注：`` / ``数据来源：`` start, none for ``"plain"``).
    file, unit
        The file's name and ``"line"`` or ``"row"``, for error messages.

    Returns
    -------
    Split
    """
    skiprows, header, footer = _count(skiprows, "skiprows"), _count(header, "header"), _count(footer, "footer")
    rest = rows[skiprows or 0:]
    body = [r for r in rest if r.cells]  # trailing empty cells are trimmed: a blank row has none
    if not body:
        what = f"nothing left after skipping {skiprows} rows" if skiprows else "the file has no rows"
        raise TableError(file, f"no table: {what}")
    if header is not None:
        if header >= len(body):
            raise TableError(file, f"header={header} but only {len(body)} non-blank rows follow the skipped ones")
        idx, rule = header, "header="
    elif format == "plain":
        idx, rule = 0, "first row"
    else:
        idx, rule = find_header(body)
        if format == "nbs" and rule not in ("header label", "year labels"):
            raise TableError(file, "no statistics-bureau header found: expected a row starting with 地区 (or another "
                                   "region label) or with year labels such as 2024年 in the first 50 rows; "
                                   "pass header= or skiprows=")
    head, after = body[idx], body[idx + 1:]
    width = len(head.cells)
    if footer is not None:
        if footer > len(after):
            raise TableError(file, f"footer={footer} but only {len(after)} rows follow the header", head.line,
                             unit=unit)
        data, notes = after[:len(after) - footer], after[len(after) - footer:]
    elif format == "plain":
        data, notes = after, []
    else:
        data, notes = _split_notes(after, width, file, unit)
    if not data:
        raise TableError(file, "the header has no data rows below it (a header-only table)", head.line, unit=unit)
    used = {head.line, *(r.line for r in data)}
    skipped = sorted(r.line for r in rows if r.line not in used)
    titles = [r for r in rows[:rows.index(head)] if r.filled]
    detected = format == "nbs" or (format == "auto" and bool(body[:idx] or (notes and footer is None)))
    return Split(header=head, data=data, header_rule=rule, titles=titles, notes=notes, skipped=skipped,
                 format="nbs" if detected else "plain")


def looks_like_titles(rows: list[Row]) -> bool:
    """Whether one of the first rows is a statistics-bureau title (``数据库：…``), for hints in errors."""
    return any(r.filled == 1 and _TITLE.match(r.first) for r in rows[:5])

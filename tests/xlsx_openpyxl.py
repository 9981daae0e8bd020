"""The xlsx writer of spatialq before issue 18, on openpyxl (write-only mode): the reference the direct writer
(:mod:`spatialq.report._xlsx`) is compared with, cell by cell, as openpyxl reads both files back."""

from __future__ import annotations

import copy
import datetime
import functools
from pathlib import Path

import pandas as pd

from spatialq.report._safe import escape, formula_like
from spatialq.report._xlsx import EAST_ASIAN_FONT, LATIN_FONT, _cell_value, _runs, sheet_title


def _style_cell(cell, kind: str | None, three_line: bool, grid: bool = False) -> None:
    """Set the style of a cell whose place in the table is ``kind`` ("head", "body", "last", "only" for a head
    without rows, None outside the table).

    Three-line: outside the table Times New Roman only; in it a medium rule above the head, a thin one under
    it, a medium one under the last row, no other lines, centred text, as the DOCX table
    (:mod:`spatialq.report._docx`).  Grid: every cell of the table boxed with thin lines (Word's "Table Grid"
    in the DOCX table), fonts left as they are.  Text that a spreadsheet could take for a formula gets Excel's
    quote prefix (in every style)."""
    from openpyxl.styles import Alignment, Border, Font, Side

    if three_line:
        if cell.value is not None:
            cell.font = Font(name=LATIN_FONT, bold=False)
        if kind is not None:
            medium, thin = Side(style="medium", color="000000"), Side(style="thin", color="000000")
            top = medium if kind in ("head", "only") else Side()
            bottom = medium if kind in ("last", "only") else thin if kind == "head" else Side()
            cell.border = Border(top=top, bottom=bottom)
            cell.alignment = Alignment(horizontal="center", vertical="center")
    elif grid and kind is not None:
        thin = Side(style="thin", color="000000")
        cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
    if isinstance(cell.value, str) and formula_like(cell.value):
        cell.quotePrefix = True


@functools.lru_cache(maxsize=4096)
def _rich(text: str):
    """``text`` as rich text whose Chinese runs are in 宋体 (SimSun) and the others in Times New Roman (the cell
    font), the convention of Chinese journals (the DOCX writer's ``w:eastAsia`` font); None when it has no
    Chinese.

    A spreadsheet cell has one font name and no East Asian slot (SpreadsheetML's ``<font>`` has none), so with
    the cell font alone Excel draws Chinese in whatever font it falls back to; runs of an inline font
    (``<rFont val="宋体"/>`` with GB 2312's charset 134, as Excel itself writes SimSun) are what it honours.
    Read back with ``openpyxl.load_workbook(path, rich_text=True)`` the cell is a ``CellRichText``; without
    ``rich_text`` its value is the plain text, unchanged.
    """
    from openpyxl.cell.rich_text import TextBlock

    runs = _runs(text)
    if not runs:
        return None
    zh, latin = _inline_fonts()
    # one value per distinct text (the cache), shared by every cell that shows it: nothing writes into it
    return _shared_rich_text()([TextBlock(zh if is_zh else latin, part) for is_zh, part in runs])


@functools.cache
def _shared_rich_text() -> type:
    """openpyxl's ``CellRichText`` whose XML is built once: openpyxl serialises a rich-text cell through
    ``to_tree()`` (an ``<is>`` element that it writes and never attaches), so a label repeated in every row
    is built once, not once per cell.  (A class made once, on first use: openpyxl is imported lazily.)"""
    from openpyxl.cell.rich_text import CellRichText

    class SharedRichText(CellRichText):
        _tree = None

        def to_tree(self):
            if self._tree is None:
                self._tree = super().to_tree()
            return self._tree

    return SharedRichText


@functools.cache
def _inline_fonts() -> tuple:
    """The two inline fonts of the rich text: 宋体 with GB 2312's charset (134), and Times New Roman."""
    from openpyxl.cell.text import InlineFont

    return InlineFont(rFont=EAST_ASIAN_FONT, charset=134, family=3), InlineFont(rFont=LATIN_FONT, family=1)


def write_xlsx_openpyxl(t: pd.DataFrame, path: Path, *, caption: str | None, note: str | None, sheet: str,
               rules: str = "three_line") -> None:
    """The earlier writer (openpyxl write-only mode); the arguments of :func:`spatialq.report._xlsx.write_xlsx`."""
    try:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("writing .xlsx needs openpyxl: pip install 'spatialq[excel]'") from err
    wb = Workbook(write_only=True)  # rows stream to the file: no grid of cell objects, no pandas layer
    ws = wb.create_sheet(sheet_title(sheet))
    three_line, grid = rules == "three_line", rules == "grid"
    styles: dict = {}  # (rules kind, empty, formula-like, date type) -> the first such cell's style, shared

    def cell(value, kind: str | None):
        if value is None and kind is None:
            return None
        text = isinstance(value, str)
        if text:
            value = escape(value, "xlsx")
        when = type(value) if isinstance(value, datetime.date) else None  # a date keeps its number format
        key = (kind, value is None, text and formula_like(value), when)
        c = WriteOnlyCell(ws, value)
        if key in styles:
            c._style = copy.copy(styles[key])
        else:
            _style_cell(c, kind, three_line, grid)
            styles[key] = copy.copy(c._style)
        if text:
            c.data_type = "s"  # text, even when it starts with "="
            rich = _rich(value) if three_line else None
            if rich is not None:
                c.value = rich  # (a rich-text cell is text too: never a formula)
        return c

    if caption:
        ws.append([cell(caption, None)])
    ncol, nrow = t.shape[1], len(t)
    ws.append([cell(_cell_value(v), "only" if nrow == 0 else "head") for v in t.columns])
    columns = [t.iloc[:, j].to_numpy(dtype=object) for j in range(ncol)]
    for i in range(nrow):
        kind = "last" if i == nrow - 1 else "body"
        ws.append([cell(_cell_value(col[i]), kind) for col in columns])
    if note:
        ws.append([])
        ws.append([cell(note, None)])
    wb.save(path)



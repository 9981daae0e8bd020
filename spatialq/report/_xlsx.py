"""The Excel writer: every string a text cell, never a formula."""

from __future__ import annotations

import copy
import functools
import re
from pathlib import Path

import pandas as pd

from ._safe import escape, formula_like
from ._stamp import pin_zip

_SHEET_BAD = re.compile(r"[\\/?*\[\]:]")
#: Chinese script: CJK radicals, punctuation (。，、《》「」), kana and ideographs, compatibility ideographs,
#: full-width forms (（）：；！？), and the ideograph extensions B–F
CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0002fa1f]+")
#: the fonts of the three-line table: Latin letters, digits and symbols; Chinese (宋体 = SimSun)
LATIN_FONT, EAST_ASIAN_FONT = "Times New Roman", "宋体"


def sheet_title(name: str) -> str:
    """An Excel sheet name from ``name``: ``\\ / ? * [ ] :`` become ``_``, at most 31 characters.

    Parameters
    ----------
    name : str
        The wanted sheet name.

    Returns
    -------
    str
        ``"table"`` when nothing is left.
    """
    title = _SHEET_BAD.sub("_", escape(name, "xlsx"))[:31].strip("'")
    return title or "table"


def _rule_kind(r: int, first: int, last: int) -> str | None:
    """Which rules row ``r`` has in the three-line table on rows ``first`` (head) to ``last``: "head", "last",
    "only" (a head without rows), "body", or None outside the table."""
    if not first <= r <= last:
        return None
    return "only" if first == last else "head" if r == first else "last" if r == last else "body"


def _style_cell(cell, kind: str | None, three_line: bool) -> None:
    """Set the style of a cell of a three-line sheet: outside the table (``kind`` None) Times New Roman only; in
    it a medium rule above the head, a thin one under it, a medium one under the last row, no other lines,
    centred text, as the DOCX table (:mod:`spatialq.report._docx`).  Text that a spreadsheet could take for a
    formula gets Excel's quote prefix (in every style)."""
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
    if isinstance(cell.value, str) and formula_like(cell.value):
        cell.quotePrefix = True


def _runs(text: str) -> tuple[tuple[bool, str], ...]:
    """``text`` cut into (is Chinese, part) runs; a run of white space alone joins its neighbour (a reader may
    drop a run that is only white space, since openpyxl does not mark it preserved).  Empty when ``text`` has no
    Chinese.  (Cached through :func:`_blocks`, its only caller.)"""
    if not CJK.search(text):
        return ()
    runs, at = [], 0  # [is Chinese, text]
    for m in CJK.finditer(text):
        if m.start() > at:
            runs.append([False, text[at:m.start()]])
        runs.append([True, m.group()])
        at = m.end()
    if at < len(text):
        runs.append([False, text[at:]])
    merged: list[list] = []
    for run in runs:
        if merged and (not run[1].strip() or not merged[-1][1].strip()):
            merged[-1][1] += run[1]
            if not run[1].strip():
                continue
            merged[-1][0] = run[0]
        else:
            merged.append(run)
    return tuple((zh, part) for zh, part in merged)


def _fonts(cell) -> None:
    """When the text of ``cell`` has Chinese, it becomes rich text whose Chinese runs are in 宋体 (SimSun) and the
    others in Times New Roman (the cell font), the convention of Chinese journals (the DOCX writer's
    ``w:eastAsia`` font).

    A spreadsheet cell has one font name and no East Asian slot (SpreadsheetML's ``<font>`` has none), so with
    the cell font alone Excel draws Chinese in whatever font it falls back to; runs of an inline font
    (``<rFont val="宋体"/>`` with GB 2312's charset 134, as Excel itself writes SimSun) are what it honours.
    Read back with ``openpyxl.load_workbook(path, rich_text=True)`` the cell is a ``CellRichText``; without
    ``rich_text`` its value is the plain text, unchanged.
    """
    from openpyxl.cell.rich_text import CellRichText

    text = cell.value
    blocks = _blocks(text) if isinstance(text, str) else ()
    if blocks:
        cell.value = CellRichText(list(blocks))


@functools.lru_cache(maxsize=4096)
def _blocks(text: str) -> tuple:
    """The rich-text runs of ``text`` (:func:`_runs`) as openpyxl ``TextBlock`` objects, made once per distinct
    text (a label repeated in every row shares them; nothing writes into a block)."""
    from openpyxl.cell.rich_text import TextBlock

    zh, latin = _inline_fonts()
    return tuple(TextBlock(zh if is_zh else latin, part) for is_zh, part in _runs(text))


@functools.cache
def _inline_fonts() -> tuple:
    """The two inline fonts of the rich text: 宋体 with GB 2312's charset (134), and Times New Roman."""
    from openpyxl.cell.text import InlineFont

    return InlineFont(rFont=EAST_ASIAN_FONT, charset=134, family=3), InlineFont(rFont=LATIN_FONT, family=1)


def write_xlsx(t: pd.DataFrame, path: Path, *, caption: str | None, note: str | None, sheet: str,
               rules: str = "three_line") -> None:
    """Write ``t`` to ``path`` as an Excel workbook of one sheet.

    The caption goes in A1 (the table starts below it), the note two rows under the table.  With
    ``rules="three_line"`` (default) the table has the three-line style of the DOCX table (medium rules above
    and below, a thin rule under the head, no boxes, regular centred text) and, in the table, caption and note,
    Times New Roman with Chinese runs in 宋体 (SimSun) (see :func:`_fonts`); ``rules="grid"`` leaves pandas' own
    header style and fonts.  Strings, in the header, the cells, the caption and
    the note, are stored as text cells (openpyxl would otherwise store a string starting with
    ``=`` as a formula); those a spreadsheet could take for a formula also get Excel's quote
    prefix, so that editing the cell keeps it text.  Numbers stay numbers.  With ``SOURCE_DATE_EPOCH``
    set, the file's times are that date (:func:`spatialq.report._stamp.pin_zip`).

    Parameters
    ----------
    t : pandas.DataFrame
        The formatted table.
    path : pathlib.Path
        The ``.xlsx`` file to write.
    caption, note : str or None
        Text above and below the table.
    sheet : str
        The sheet name, made valid by :func:`sheet_title`.
    rules : {"three_line", "grid"}
        The table's lines.
    """
    try:
        import openpyxl  # noqa: F401
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("writing .xlsx needs openpyxl: pip install 'spatialq[excel]'") from err
    safe = t.map(lambda v: escape(v, "xlsx") if isinstance(v, str) else v)
    safe.columns = [escape(c, "xlsx") if isinstance(c, str) else c for c in t.columns]
    title = sheet_title(sheet)
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        start = 1 if caption else 0
        safe.to_excel(xw, sheet_name=title, index=False, startrow=start)
        ws = xw.sheets[title]
        if caption:
            ws.cell(row=1, column=1, value=escape(caption, "xlsx"))
        if note:
            ws.cell(row=start + len(t) + 3, column=1, value=escape(note, "xlsx"))
        three_line, first, last = rules == "three_line", start + 1, start + 1 + len(t)
        styles: dict = {}  # (rules kind, quote prefix) -> the style of the first such cell, copied to the others
        nrow, ncol = ws.max_row, ws.max_column  # (each is a scan of every cell)
        for r in range(1, nrow + 1):
            for c in range(1, ncol + 1):
                kind = _rule_kind(r, first, last) if three_line and c <= t.shape[1] else None
                cell = ws.cell(row=r, column=c)
                if cell.value is None and kind is None:
                    continue
                text = isinstance(cell.value, str)
                if text:
                    cell.data_type = "s"  # text, even when it starts with "="
                key = (kind, cell.value is None, text and formula_like(cell.value))
                if key in styles:
                    cell._style = copy.copy(styles[key])  # one style per kind of cell, not one per cell
                else:
                    _style_cell(cell, kind, three_line)
                    styles[key] = copy.copy(cell._style)
                if three_line and text:
                    _fonts(cell)  # (a rich-text cell is text too: never a formula)
    pin_zip(path)  # reproducible times when SOURCE_DATE_EPOCH is set

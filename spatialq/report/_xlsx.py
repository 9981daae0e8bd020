"""The Excel writer: every string a text cell, never a formula."""

from __future__ import annotations

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


def _three_line(ws, first: int, last: int, ncol: int) -> None:
    """The three-line table on rows ``first`` (head) to ``last`` (1-based): a medium rule above the head, a thin
    one under it, a medium one under the last row, no other lines; centred text, as the DOCX table
    (:mod:`spatialq.report._docx`); the fonts are set by :func:`_fonts`."""
    from openpyxl.styles import Alignment, Border, Side

    medium, thin = Side(style="medium", color="000000"), Side(style="thin", color="000000")
    centre = Alignment(horizontal="center", vertical="center")
    for r in range(first, last + 1):
        for c in range(1, ncol + 1):
            cell = ws.cell(row=r, column=c)
            top = medium if r == first else Side()
            bottom = medium if r == last else thin if r == first else Side()
            cell.border = Border(top=top, bottom=bottom)
            cell.alignment = centre


def _fonts(cell) -> None:
    """Times New Roman for ``cell``; when its text has Chinese, the text becomes rich text whose Chinese runs are
    in 宋体 (SimSun) and the others in Times New Roman, the convention of Chinese journals (the DOCX writer's
    ``w:eastAsia`` font).

    A spreadsheet cell has one font name and no East Asian slot (SpreadsheetML's ``<font>`` has none), so with
    the cell font alone Excel draws Chinese in whatever font it falls back to; runs of an inline font
    (``<rFont val="宋体"/>`` with GB 2312's charset 134, as Excel itself writes SimSun) are what it honours.
    Read back with ``openpyxl.load_workbook(path, rich_text=True)`` the cell is a ``CellRichText``; without
    ``rich_text`` its value is the plain text, unchanged.
    """
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    from openpyxl.styles import Font

    cell.font = Font(name=LATIN_FONT, bold=False)
    text = cell.value
    if not isinstance(text, str) or not CJK.search(text):
        return
    zh = InlineFont(rFont=EAST_ASIAN_FONT, charset=134, family=3)
    latin = InlineFont(rFont=LATIN_FONT, family=1)
    runs, at = [], 0  # [font, text]
    for m in CJK.finditer(text):
        if m.start() > at:
            runs.append([latin, text[at:m.start()]])
        runs.append([zh, m.group()])
        at = m.end()
    if at < len(text):
        runs.append([latin, text[at:]])
    merged: list[list] = []  # a run of white space alone joins its neighbour (a reader may drop it, unpreserved)
    for run in runs:
        if merged and (not run[1].strip() or not merged[-1][1].strip()):
            merged[-1][1] += run[1]
            if not run[1].strip():
                continue
            merged[-1][0] = run[0]
        else:
            merged.append(run)
    cell.value = CellRichText([TextBlock(font, part) for font, part in merged])


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
        if rules == "three_line":
            _three_line(ws, start + 1, start + 1 + len(t), t.shape[1])
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, even when it starts with "="
                    if formula_like(cell.value):
                        cell.quotePrefix = True
                if rules == "three_line" and cell.value is not None:
                    _fonts(cell)  # (a rich-text cell is text too: never a formula)
    pin_zip(path)  # reproducible times when SOURCE_DATE_EPOCH is set

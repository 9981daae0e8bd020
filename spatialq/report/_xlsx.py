"""The Excel writer: every string a text cell, never a formula."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ._safe import escape, formula_like
from ._stamp import pin_zip

_SHEET_BAD = re.compile(r"[\\/?*\[\]:]")


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
    one under it, a medium one under the last row, no other lines; regular (not bold) centred text in Times New
    Roman, as the DOCX table (:mod:`spatialq.report._docx`)."""
    from openpyxl.styles import Alignment, Border, Font, Side

    medium, thin = Side(style="medium", color="000000"), Side(style="thin", color="000000")
    font, centre = Font(name="Times New Roman", bold=False), Alignment(horizontal="center", vertical="center")
    for r in range(first, last + 1):
        for c in range(1, ncol + 1):
            cell = ws.cell(row=r, column=c)
            top = medium if r == first else Side()
            bottom = medium if r == last else thin if r == first else Side()
            cell.border = Border(top=top, bottom=bottom)
            cell.font, cell.alignment = font, centre


def write_xlsx(t: pd.DataFrame, path: Path, *, caption: str | None, note: str | None, sheet: str,
               rules: str = "three_line") -> None:
    """Write ``t`` to ``path`` as an Excel workbook of one sheet.

    The caption goes in A1 (the table starts below it), the note two rows under the table.  With
    ``rules="three_line"`` (default) the table has the three-line style of the DOCX table (medium rules above
    and below, a thin rule under the head, no boxes, regular centred Times New Roman); ``rules="grid"`` leaves
    pandas' own header style.  Strings, in the header, the cells, the caption and
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
    pin_zip(path)  # reproducible times when SOURCE_DATE_EPOCH is set

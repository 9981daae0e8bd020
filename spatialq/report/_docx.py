"""The Word writer: a table built in time linear in its cells.

python-docx's ``Table.cell(i, j)`` (and, before python-docx 1.2, ``Table.rows[i].cells``) walks the
whole grid on every call, so filling a table cell by cell grows with the square of its size
(320 rows took minutes).  Here the table is made once with all its rows and every ``<w:tc>`` is
reached by walking the rows' XML in order, each exactly once.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ._safe import escape
from ._stamp import pin_zip


def write_docx(t: pd.DataFrame, path: Path, *, caption: str | None, note: str | None) -> None:
    """Write ``t`` (a table of strings) to ``path`` as a Word document.

    A centred caption above, the table in Word's "Table Grid" style, the note below; Latin text in
    Times New Roman and Chinese text in SimSun (宋体), as journals ask.  With ``SOURCE_DATE_EPOCH`` set,
    the file's times are that date (:func:`spatialq.report._stamp.pin_zip`).

    Parameters
    ----------
    t : pandas.DataFrame
        The formatted table; cells are written as ``str(cell)``.
    path : pathlib.Path
        The ``.docx`` file to write.
    caption, note : str or None
        Paragraphs above and below the table.
    """
    try:
        import docx
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml.ns import qn
        from docx.table import _Cell
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("writing .docx needs python-docx: pip install 'spatialq[docx]'") from err
    doc = docx.Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")  # Chinese text in SimSun, as journals ask
    if caption:
        doc.add_paragraph(escape(caption, "docx")).alignment = WD_ALIGN_PARAGRAPH.CENTER
    tab = doc.add_table(rows=len(t) + 1, cols=t.shape[1])
    tab.style = "Table Grid"
    rows = [list(t.columns), *t.astype(str).itertuples(index=False)]
    for tr, values in zip(tab._tbl.tr_lst, rows):  # each row and each cell visited once
        for tc, v in zip(tr.tc_lst, values):
            _Cell(tc, tab).text = escape(v, "docx")
    if note:
        doc.add_paragraph(escape(note, "docx"))
    doc.save(path)
    pin_zip(path)  # reproducible times when SOURCE_DATE_EPOCH is set

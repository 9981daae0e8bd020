"""The Excel writer: every string a text cell, never a formula; SpreadsheetML written directly."""

from __future__ import annotations

import datetime
import decimal
import functools
import math
import re
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import numpy as np
import pandas as pd

from ._safe import escape, formula_like
from ._stamp import source_date

_SHEET_BAD = re.compile(r"[\\/?*\[\]:\x00-\x1f]")
#: Chinese script: CJK radicals, punctuation (。，、《》「」), kana and ideographs, compatibility ideographs,
#: full-width forms (（）：；！？), and the ideograph extensions B–F
CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0002fa1f]+")
#: the fonts of the three-line table: Latin letters, digits and symbols; Chinese (宋体 = SimSun)
LATIN_FONT, EAST_ASIAN_FONT = "Times New Roman", "宋体"


def sheet_title(name: str) -> str:
    """An Excel sheet name from ``name``: ``\\ / ? * [ ] :`` and control characters (tab, line breaks) become ``_``,
    at most 31 characters.

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


def _runs(text: str) -> tuple[tuple[bool, str], ...]:
    """``text`` cut into (is Chinese, part) runs; a run of white space alone joins its neighbour (a reader may
    drop a run that is only white space, since openpyxl does not mark it preserved).  Empty when ``text`` has no
    Chinese.  (Cached through :func:`_string_item`, its only caller.)"""
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


# --- the workbook's fixed parts (SpreadsheetML, ECMA-376 Part 1 §18; one sheet, shared strings) -------------
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CONTENT_TYPES = (
    f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.spreadsheetml.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.spreadsheetml.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.spreadsheetml.styles+xml"/>'
    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_CT}.spreadsheetml.sharedStrings+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    f'<Override PartName="/docProps/app.xml" ContentType="{_CT}.extended-properties+xml"/></Types>')
_ROOT_RELS = (
    f'{_HEAD}<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
    'core-properties" Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/></Relationships>')
_WORKBOOK_RELS = (
    f'{_HEAD}<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
    f'<Relationship Id="rId3" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
_APP = (f'{_HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        '<Application>spatialq</Application></Properties>')
_CORE = (
    f'{_HEAD}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>spatialq</dc:creator>'
    '<dcterms:created xsi:type="dcterms:W3CDTF">{when}</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">{when}</dcterms:modified></cp:coreProperties>')
#: fonts: 0 the default (Calibri 11, what a spreadsheet starts with), 1 Times New Roman 11
_FONTS = ('<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>',
          f'<font><sz val="11"/><name val="{LATIN_FONT}"/><family val="1"/></font>')
_BLACK = '<color rgb="FF000000"/>'
#: borders (left, right, top, bottom): none; the head's (medium above, thin below); a head without rows (medium
#: above and below); the last row's (medium below); the grid's box (thin on every side)
_BORDERS = {"none": (None, None, None, None), "head": (None, None, "medium", "thin"),
            "only": (None, None, "medium", "medium"), "last": (None, None, None, "medium"),
            "grid": ("thin", "thin", "thin", "thin")}
#: number formats of dates as openpyxl and pandas write them (custom ids start at 164)
_DATE_FORMATS = {datetime.datetime: (164, "yyyy-mm-dd h:mm:ss"), datetime.date: (165, "yyyy-mm-dd")}
#: the ``_xHHHH_`` escape of SpreadsheetML strings: text that holds one literally gets ``_x005F`` before it
_OOXML_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")  # (a look-ahead: ``_x0041_x0042_`` overlaps)


def _border(kind: str) -> str:
    sides = ("left", "right", "top", "bottom")
    parts = "".join(f"<{s}/>" if style is None else f'<{s} style="{style}">{_BLACK}</{s}>'
                    for s, style in zip(sides, _BORDERS[kind], strict=True))
    return f"<border>{parts}<diagonal/></border>"


def _xml_text(s: str) -> str:
    """``s`` as XML character data: ``& < >`` escaped, a carriage return as ``&#13;`` (a parser would make a bare
    one a line feed), a literal ``_xHHHH_`` kept literal."""
    s = xml_escape(s, {"\r": "&#13;"})
    return _OOXML_ESCAPE.sub("_x005F_", s) if "_x" in s else s


@functools.lru_cache(maxsize=4096)
def _string_item(text: str, rich: bool) -> str:
    """The shared-string item (``<si>``) of ``text``; with ``rich``, Chinese runs in 宋体 (SimSun) with GB 2312's
    charset (134) and the others in Times New Roman, as Excel itself writes SimSun runs (see :func:`write_xlsx`)."""
    runs = _runs(text) if rich else ()
    if not runs:
        return f'<si><t xml:space="preserve">{_xml_text(text)}</t></si>'
    fonts = {True: f'<rFont val="{EAST_ASIAN_FONT}"/><charset val="134"/><family val="3"/>',
             False: f'<rFont val="{LATIN_FONT}"/><family val="1"/>'}
    return "<si>" + "".join(f'<r><rPr>{fonts[zh]}</rPr><t xml:space="preserve">{_xml_text(part)}</t></r>'
                            for zh, part in runs) + "</si>"


def _excel_serial(v: datetime.date) -> float:
    """Excel's serial number of a date (openpyxl's ``to_excel``: days since 1899-12-30, a time of day the fraction,
    one day less before 1900-03-01).  A time zone is dropped: the cell shows the wall time the table shows (Excel has
    no time zones)."""
    from openpyxl.utils.datetime import to_excel

    return float(to_excel(v.replace(tzinfo=None) if isinstance(v, datetime.datetime) else v))


def write_xlsx(t: pd.DataFrame, path: Path, *, caption: str | None, note: str | None, sheet: str,
               rules: str = "three_line") -> None:
    """Write ``t`` to ``path`` as an Excel workbook of one sheet.

    The caption goes in A1 (the table starts below it), the note two rows under the table.  With
    ``rules="three_line"`` (default) the table has the three-line style of the DOCX table (medium rules above
    and below, a thin rule under the head, no boxes, regular centred text) and, in the table, caption and note,
    Times New Roman with Chinese runs in 宋体 (SimSun) (see :func:`_runs`); ``rules="grid"`` boxes every cell of
    the table with thin lines and leaves the fonts.  Strings, in the header, the cells, the caption and
    the note, are stored as text cells (shared strings: never a formula); those a spreadsheet could take for a
    formula also get Excel's quote prefix, so that editing the cell keeps it text.  Numbers stay numbers, dates
    are dates (``yyyy-mm-dd``, ``yyyy-mm-dd h:mm:ss``).  With ``SOURCE_DATE_EPOCH`` set, the file's times are
    that date (:func:`spatialq.report._stamp.source_date`), so two runs write the same bytes.

    The workbook is written directly as SpreadsheetML (ECMA-376; a ZIP of six XML parts) rather than through
    openpyxl: openpyxl's write-only mode spends ~20 µs per cell (1.1 s for a 4,400 × 12 LISA table, most of a
    study's output time), this writer ~1 µs.  openpyxl reads every file back as the earlier openpyxl writer
    wrote it, cell by cell — value, type, font, borders, alignment, quote prefix, number format and rich-text
    runs (``tests/test_report.py::test_xlsx_direct_writer_equals_openpyxl``).

    A spreadsheet cell has one font name and no East Asian slot (SpreadsheetML's ``<font>`` has none), so with
    the cell font alone Excel draws Chinese in whatever font it falls back to; runs of an inline font
    (``<rFont val="宋体"/>`` with GB 2312's charset 134, as Excel itself writes SimSun) are what it honours.
    Read back with ``openpyxl.load_workbook(path, rich_text=True)`` such a cell is a ``CellRichText``; without
    ``rich_text`` its value is the plain text, unchanged.

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
    three_line, grid = rules == "three_line", rules == "grid"
    borders = ["none"]  # border ids, in order of first use
    number_formats: dict[int, str] = {}
    xfs: dict[tuple, int] = {("none", 0, False, False, 0): 0}  # (border, font, centred, quote prefix, numFmtId)
    strings: dict[str, int] = {}  # shared-string item -> its index

    def style(kind: str | None, value) -> int:
        if kind is None:  # caption and note: outside the table
            border = "none"
        elif grid:
            border = "grid"
        else:
            border = kind if three_line and kind in ("head", "only", "last") else "none"
        font = 1 if three_line and value is not None else 0
        quote = isinstance(value, str) and formula_like(value)
        fmt = 0
        if isinstance(value, datetime.date):
            fmt, code = _DATE_FORMATS[datetime.datetime if isinstance(value, datetime.datetime) else datetime.date]
            number_formats[fmt] = code
        key = (border, font, three_line and kind is not None, quote, fmt)
        if key not in xfs:
            if border not in borders:
                borders.append(border)
            xfs[key] = len(xfs)
        return xfs[key]

    def content(value, kind: str | None) -> str:
        """What follows ``<c r="A1"`` for a raw table value: its style, type and value."""
        value = _cell_value(value)
        if isinstance(value, str):
            value = escape(value, "xlsx")
        if value is None:
            return "" if kind is None else f' s="{style(kind, None)}"/>'
        s = style(kind, value)
        if isinstance(value, str):
            index = strings.setdefault(_string_item(value, three_line), len(strings))
            return f' s="{s}" t="s"><v>{index}</v></c>'
        if isinstance(value, bool):
            return f' s="{s}" t="b"><v>{int(value)}</v></c>'
        if isinstance(value, datetime.date):
            value = _excel_serial(value)
        return f' s="{s}"><v>{value!r}</v></c>' if isinstance(value, float) else f' s="{s}"><v>{value}</v></c>'

    done: dict[tuple, str] = {}  # (type, value, kind) -> content: a table repeats its labels and numbers

    def cell(ref: str, value, kind: str | None) -> str:
        t = type(value)
        if t is str or t is int or t is bool or t is float:  # (the type: 1, 1.0 and True are equal keys otherwise)
            key = (t, value, kind, math.copysign(1.0, value) if t is float else 0)  # (−0.0 == 0.0)
            c = done.get(key)
            if c is None:
                c = done[key] = content(value, kind)
        else:  # numpy scalars, dates (equal instants in other zones), objects: not cached
            c = content(value, kind)
        return f'<c r="{ref}"{c}' if c else ""

    ncol, nrow = t.shape[1], len(t)
    from openpyxl.utils import get_column_letter

    letters = [get_column_letter(j) for j in range(1, max(ncol, 1) + 1)]
    rows: list[str] = []

    def row(values, kind: str | None) -> None:
        r = len(rows) + 1
        rows.append(f'<row r="{r}">' + "".join([cell(f"{c}{r}", v, kind) for c, v in zip(letters, values)])
                    + "</row>")

    if caption:
        row([caption], None)
    row(list(t.columns), "only" if nrow == 0 else "head")
    columns = [t.iloc[:, j].to_numpy(dtype=object) for j in range(ncol)]
    for i in range(nrow):
        row([col[i] for col in columns], "last" if i == nrow - 1 else "body")
    if note:
        rows.append(f'<row r="{len(rows) + 1}"/>')
        row([note], None)

    sheet_xml = (f'{_HEAD}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><sheetViews><sheetView workbookViewId="0"/>'
                 f'</sheetViews><sheetFormatPr defaultRowHeight="15"/><sheetData>{"".join(rows)}</sheetData>'
                 '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/></worksheet>')
    shared = (f'{_HEAD}<sst xmlns="{_MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">'
              + "".join(strings) + "</sst>")
    border_id = {b: i for i, b in enumerate(borders)}
    xf_xml = []
    for border, font, centred, quote, fmt in xfs:
        attrs = (f'numFmtId="{fmt}" fontId="{font}" fillId="0" borderId="{border_id[border]}" xfId="0"'
                 + (' applyNumberFormat="1"' if fmt else "") + (' applyFont="1"' if font else "")
                 + (' applyBorder="1"' if border != "none" else "") + (' quotePrefix="1"' if quote else ""))
        xf_xml.append(f'<xf {attrs} applyAlignment="1"><alignment horizontal="center" vertical="center"/></xf>'
                      if centred else f"<xf {attrs}/>")
    formats = "".join(f'<numFmt numFmtId="{i}" formatCode="{code}"/>' for i, code in sorted(number_formats.items()))
    styles_xml = (
        f'{_HEAD}<styleSheet xmlns="{_MAIN}">'
        + (f'<numFmts count="{len(number_formats)}">{formats}</numFmts>' if number_formats else "")
        + f'<fonts count="{len(_FONTS)}">{"".join(_FONTS)}</fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
        f'</fill></fills><borders count="{len(borders)}">{"".join(_border(b) for b in borders)}</borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        f'<cellXfs count="{len(xf_xml)}">{"".join(xf_xml)}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')
    title = xml_escape(sheet_title(sheet), {'"': "&quot;"})
    workbook_xml = (f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/></bookViews>'
                    f'<sheets><sheet name="{title}" sheetId="1" r:id="rId1"/></sheets></workbook>')
    pinned = source_date()  # SOURCE_DATE_EPOCH: the same bytes in every run
    when = pinned or datetime.datetime.now(datetime.UTC)
    parts = {"[Content_Types].xml": _CONTENT_TYPES, "_rels/.rels": _ROOT_RELS,
             "docProps/app.xml": _APP, "docProps/core.xml": _CORE.format(when=when.strftime("%Y-%m-%dT%H:%M:%SZ")),
             "xl/workbook.xml": workbook_xml, "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS,
             "xl/styles.xml": styles_xml, "xl/sharedStrings.xml": shared, "xl/worksheets/sheet1.xml": sheet_xml}
    stamp = when.timetuple()[:6] if pinned is not None else time.localtime()[:6]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            z.writestr(info, text.encode("utf-8"))


def _cell_value(v):
    """A cell value as pandas' ``to_excel`` writes it: missing → None (an empty cell), ±inf → "inf"/"-inf",
    numpy scalars and decimals → Python numbers, dates and datetimes as they are, a timedelta → days; anything else (a
    time of day included) → str."""
    if v is None or (not isinstance(v, str) and pd.api.types.is_scalar(v) and pd.isna(v)):
        return None
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, decimal.Decimal):
        v = float(v)
    if isinstance(v, float | np.floating):
        return "inf" if v == np.inf else "-inf" if v == -np.inf else float(v)
    if isinstance(v, datetime.datetime | datetime.date):
        return v
    if isinstance(v, datetime.timedelta):
        return v.total_seconds() / 86400
    return v if isinstance(v, str) else str(v)

"""Readers for yearbook tables as published, shared by the study runner and the API.

:func:`read_table` reads CSV (UTF-8 with or without BOM, GB18030/GBK), spreadsheets and parquet,
including statistics-bureau exports (国家统计局 分省年度数据 …) as downloaded: title lines,
tab-padded cells, trailing commas, ``2024年`` headers, empty year columns and footnotes.  What it
detected is kept in ``df.attrs["layout"]`` for provenance.

:func:`year_of` / :func:`years_of` read years in their common spellings (``2019``, ``"2019年"``,
``2019.0``), :func:`year_columns` maps a wide table's column labels to years, and
:func:`normalise_code` turns spreadsheet-formatted codes (``110000.0``) into digit strings.
"""

from ._layout import FOOTNOTE, HEADER_LABELS, TableError
from .tables import NA_TEXT, read_table
from .values import normalise_code, to_numbers, year_columns, year_of, years_of

__all__ = [
    "FOOTNOTE",
    "HEADER_LABELS",
    "NA_TEXT",
    "TableError",
    "normalise_code",
    "read_table",
    "to_numbers",
    "year_columns",
    "year_of",
    "years_of",
]

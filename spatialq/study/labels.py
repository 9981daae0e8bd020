"""``[labels]``: a label for each variable, given once and used in every figure and table of a study.

    [labels]
    urbanisation = "新型城镇化水平"
    gdp_pc = "人均 GDP（元）"

Figures and tables are made from column names; the study relabels them as they are written (the analyses and
the numbers are untouched, ``analysis_data.csv`` and ``provenance.json`` keep the column names):

* tables: a variable in a column heading or a cell, standing as a whole identifier (``W*x`` → ``W*label``,
  ``economic 滞后型`` → ``经济城镇化滞后型``), becomes its label;
* figures: every text of the figure (titles, axis labels, legend titles and entries, tick labels, annotations)
  has each variable name replaced where it stands as a whole identifier (not inside a longer name); a space left
  between two Chinese characters (``新型城镇化水平 的空间分布``) is dropped;
* captions on the index page likewise.

A label is text, never markup: a study draws with matplotlib's ``text.parse_math`` off and the index page
escapes HTML.  Keys must be columns of the
study's data (or columns an analysis creates); a key that is not is an error naming the closest column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import pandas as pd

from ..report._safe import map_strings

MAX_LABEL = 60
_CJK = r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]"
_CJK_SPACE = re.compile(rf"(?<={_CJK}) +(?={_CJK})")


def check(raw, columns: Iterable[str], problems: list[str]) -> dict[str, str]:
    """The ``[labels]`` table as {column: label}; a problem for each key that is not a column or bad value."""
    from ._schema import did_you_mean

    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        problems.append(f"[labels] must be a table of column = \"label\", got {raw!r}")
        return {}
    cols = list(dict.fromkeys(map(str, columns)))
    out = {}
    for key, label in raw.items():
        if not isinstance(label, str) or not label.strip() or len(label) > MAX_LABEL or not label.isprintable():
            problems.append(f"[labels] {key}: a label must be text of 1–{MAX_LABEL} printable characters, "
                            f"got {label!r}")
            continue
        if key not in cols:
            problems.append(f"[labels] {key}: not a column of the study's data{did_you_mean(key, cols)}")
            continue
        out[str(key)] = label.strip()
    return out


class Relabel:
    """Applies a {column: label} mapping to table frames and figure texts (see the module docstring)."""

    def __init__(self, labels: Mapping[str, str]):
        self.labels = dict(labels)
        keys = sorted(self.labels, key=len, reverse=True)  # longest first: "gdp_pc" before "gdp"
        self._word = (re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, keys)) + r")(?![A-Za-z0-9_])")
                      if keys else None)

    def __bool__(self) -> bool:
        return bool(self.labels)

    def text(self, s: str) -> str:
        """``s`` with every whole-identifier occurrence of a variable replaced by its label."""
        if not self._word or not isinstance(s, str) or not s:
            return s
        out = self._word.sub(lambda m: self.labels[m.group(1)], s)
        return _CJK_SPACE.sub("", out) if out != s else s

    def cell(self, v):
        """A table cell (or heading) with each variable in it, standing as a whole identifier (``W*x`` too),
        replaced by its label."""
        return self.text(v) if isinstance(v, str) else v

    def table(self, t: pd.DataFrame) -> pd.DataFrame:
        """A relabelled copy of ``t`` (headings and whole cells; index values too)."""
        if not self:
            return t
        out = t.copy()
        out.columns = [self.cell(c) for c in out.columns]
        cols = [pd.Series(map_strings(col, self.text), index=out.index, dtype=col.dtype, name=col.name)
                if pd.api.types.is_object_dtype(col.dtype) or pd.api.types.is_string_dtype(col.dtype) else col
                for col in (out.iloc[:, j] for j in range(out.shape[1]))]  # by position: headings may repeat
        if cols:
            out = pd.concat(cols, axis=1)
            out.attrs = dict(t.attrs)
        if not isinstance(out.index, pd.RangeIndex):
            out.index = out.index.map(self.cell)
        return out

    def figure(self, fig) -> None:
        """Relabel every text of ``fig`` in place (titles, labels, ticks, legends, annotations)."""
        if not self:
            return
        from matplotlib.text import Text

        for t in fig.findobj(Text):  # a study draws with text.parse_math off: a "$" in a label stays a dollar
            s = t.get_text()
            new = self.text(s)
            if new != s:
                t.set_text(new)
        from matplotlib.category import StrCategoryFormatter
        from matplotlib.ticker import FixedFormatter, FuncFormatter

        for ax in fig.axes:
            for axis in (ax.xaxis, ax.yaxis, getattr(ax, "zaxis", None)):  # tick labels are made at draw time
                fmt = axis.get_major_formatter() if axis is not None else None
                # text ticks (set_ticks(labels=...), categories): relabel what they print; numeric formatters
                # (offsets, scientific notation) are left alone — a number is never a variable name
                if isinstance(fmt, (FixedFormatter, FuncFormatter, StrCategoryFormatter)):
                    axis.set_major_formatter(FuncFormatter(lambda x, pos, f=fmt: self.text(f(x, pos))))
        for ax in fig.axes:  # a map's legend is (re)built at draw time from its layout's spec (spatialq.plot)
            spec = getattr(getattr(ax, "spatialq_layout", None), "legend", None)
            if spec:
                if isinstance(spec.get("title"), str):
                    spec["title"] = self.text(spec["title"])
                spec["labels"] = [self.text(v) if isinstance(v, str) else v for v in spec.get("labels", [])]

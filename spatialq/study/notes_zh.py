"""The study's notes in Chinese for the index page of a ``lang = "zh"`` study.

Notes are recorded in English (``provenance.json`` keeps them as they were raised, for searching and bug reports);
the page shows them in the study's language.  Each rule is a regular expression on a note spatialq itself writes;
the parts taken from data (names, counts, years, values) are carried over unchanged.  A note no rule knows (a
warning of a library spatialq builds on) is shown as it is.
"""

from __future__ import annotations

import re

RULES: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(p, re.S), r) for p, r in (
    (r"^units without neighbours linked to the nearest unit by boundary distance: (.*)$",
     r"没有邻居的单元已按边界最近距离连接到最近的单元：\1"),
    (r'^\[data\] missing = "drop_units": (\d+) region\(s\) with missing values left out: (.*)$',
     r'[data] missing = "drop_units"：\1 个含缺失值的地区未纳入分析：\2'),
    (r'^\[data\] missing = "interpolate": (\d+) value\(s\) filled linearly within a region: (.*)$',
     r'[data] missing = "interpolate"：\1 个缺失值已在地区内按线性插值填补：\2'),
    (r"^(.*): ids written as numbers \((.*)\) were read as the codes (.*)$",
     r"\1：以数字形式写出的代码（\2）已读作行政区划代码 \3"),
    (r"^(.*): names corrected while matching: (.*)$", r"\1：匹配时更正的名称：\2"),
    (r"^the panel is unbalanced — (.*); the analyses use the regions present in each year$",
     r"面板不平衡——\1；各项分析使用每年实际存在的地区"),
    (r"^(\d+) missing-glyph warnings, e\.g\. (.*)$", r"\1 条缺字警告，例如：\2"),
))
#: the words of ``gaps_text`` (regions lacking years) inside a translated note
GAP_WORDS: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(p), r) for p, r in (
    (r"(\d+) region\(s\) lack years: ", r"\1 个地区缺少部分年份："),
    (r" lacks (\d)", r" 缺少 \1"),
    (r" \(missing per year: ([^)]*)\)", r"（各年缺失地区数：\1）"),
))


def note_zh(note: str) -> str:
    """``note`` in Chinese when a rule knows it, else unchanged.

    Parameters
    ----------
    note : str
        A note of the study (English, as recorded in ``provenance.json``).

    Returns
    -------
    str
        e.g. ``"units without neighbours linked to the nearest unit by boundary distance: 海南省 (460000) ->
        广东省 (440000) (14.5 km)"`` → ``"没有邻居的单元已按边界最近距离连接到最近的单元：海南省 (460000) -> 广东省
        (440000) (14.5 km)"``.
    """
    for pattern, repl in RULES:
        if pattern.match(note):
            out = pattern.sub(repl, note, count=1)
            for word, zh in GAP_WORDS:
                out = word.sub(zh, out)
            return out
    return note

"""The study's notes in Chinese for the index page of a ``lang = "zh"`` study.

Notes are recorded in English (``provenance.json`` keeps them as they were raised, for searching and bug reports);
the page shows them in the study's language.  Each rule is a regular expression on a note: :data:`RULES` for the
notes spatialq itself writes, :data:`LIBRARY_RULES` for the warnings of the libraries it builds on that can reach a
study's notes (numpy's floating-point warnings, mapclassify's class counts, libpysal's connectivity warning) —
these name their library.  The parts taken from data (names, counts, years, values) are carried over unchanged.
A note no rule knows is shown in English behind :data:`UNKNOWN_LEAD` ("a runtime warning, quoted as written"),
so that a Chinese reader sees what it is.
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
    (r"^dropping units without neighbours: (.*); drop the same rows from your data$",
     r"已去掉没有邻居的单元：\1；数据中这些单元的行一并去掉"),
    (r"^(\w+): local condition number > (\d+) at (\d+) of (\d+) units \(e\.g\. (.*)\); their local coefficients are "
     r"unreliable \(local collinearity\) — see to_frame\(\)\['condition_number'\]$",
     r"\1：\4 个单元中有 \3 个的局部条件数大于 \2（例如 \5），其局部系数不可靠（局部共线性），"
     r"见 to_frame()['condition_number']"),
    (r"^regions: units (.*) belong to no (.*) region and are left out of group decompositions$",
     r"regions：单元 \1 不属于 \2 区域划分中的任何区域，分组分解中不含这些单元"),
))
#: warnings of libraries (numpy, mapclassify, libpysal) that can reach a study's notes; the Chinese names the library
LIBRARY_RULES: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(p, re.S), r) for p, r in (
    (r"^invalid value encountered in (?:scalar )?(\w+)$", r"（numpy 提示）计算 \1 时出现无效值，结果为 NaN"),
    (r"^divide by zero encountered in (?:scalar )?(\w+)$", r"（numpy 提示）计算 \1 时出现除以零"),
    (r"^overflow encountered in (?:scalar )?(\w+)$", r"（numpy 提示）计算 \1 时数值溢出"),
    (r"^Mean of empty slice\.?$", r"（numpy 提示）对空数组求均值，结果为 NaN"),
    (r"^Degrees of freedom <= 0 for slice\.?$", r"（numpy 提示）自由度 ≤ 0，方差结果为 NaN 或无穷大"),
    (r"^Not enough unique values in array to form (\d+) classes\. Setting k to (\d+)\.$",
     r"（mapclassify 提示）不同取值不足以分为 \1 类，已改为 \2 类"),
    (r"^Insufficient number of unique diffs\. Breaks are random\.$",
     r"（mapclassify 提示）相邻取值之差的种类不足，分级断点是随机的"),
    (r"^The weights matrix is not fully connected: \s*There are (\d+) disconnected components\.\s*"
     r"There is 1 island with id: (.*)\.$",
     r"（libpysal 提示）空间权重矩阵不是全连通的：共有 \1 个互不连通的部分；其中 1 个孤岛（没有邻居的单元），编号：\2"),
    (r"^The weights matrix is not fully connected: \s*There are (\d+) disconnected components\.\s*"
     r"There are (\d+) islands with ids: (.*)\.$",
     r"（libpysal 提示）空间权重矩阵不是全连通的：共有 \1 个互不连通的部分；"
     r"其中 \2 个孤岛（没有邻居的单元），编号：\3"),
    (r"^The weights matrix is not fully connected: \s*There are (\d+) disconnected components\.$",
     r"（libpysal 提示）空间权重矩阵不是全连通的：共有 \1 个互不连通的部分"),
))
#: the lead-in of a note no rule knows: it is shown in English behind it
UNKNOWN_LEAD = "（运行时的英文警告，原文照录）"
#: the words of ``gaps_text`` (regions lacking years) inside a translated note
GAP_WORDS: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(p), r) for p, r in (
    (r"(\d+) region\(s\) lack years: ", r"\1 个地区缺少部分年份："),
    (r" lacks (\d)", r" 缺少 \1"),
    (r" \(missing per year: ([^)]*)\)", r"（各年缺失地区数：\1）"),
))


def note_zh(note: str) -> str:
    """``note`` in Chinese: by a rule of spatialq's notes or of a library's warnings, else the English behind
    :data:`UNKNOWN_LEAD`.

    A note ``"[analyses.<name>] <text>"`` (an analysis passing on a warning) keeps its prefix and has ``<text>``
    translated.

    Parameters
    ----------
    note : str
        A note of the study (English, as recorded in ``provenance.json``).

    Returns
    -------
    str
        e.g. ``"units without neighbours linked to the nearest unit by boundary distance: 海南省 (460000) ->
        广东省 (440000) (14.5 km)"`` → ``"没有邻居的单元已按边界最近距离连接到最近的单元：海南省 (460000) -> 广东省
        (440000) (14.5 km)"``; ``"divide by zero encountered in log"`` → ``"（numpy 提示）计算 log 时出现除以零"``;
        ``"some new warning"`` → ``"（运行时的英文警告，原文照录）some new warning"``.
    """
    head = re.match(r"^(\[analyses\.\w+\] )(.+)$", note, re.S)
    if head:
        return head.group(1) + note_zh(head.group(2))
    for pattern, repl in RULES:
        if pattern.match(note):
            out = pattern.sub(repl, note, count=1)
            for word, zh in GAP_WORDS:
                out = word.sub(zh, out)
            return out
    for pattern, repl in LIBRARY_RULES:
        if pattern.match(note):
            return pattern.sub(repl, note, count=1)
    return UNKNOWN_LEAD + note

"""Matching place names in any common spelling to adcodes: :func:`match`.

What is recognised, per level (province, prefecture, county):

* official names and short names (``内蒙古自治区``, ``内蒙古``, ``内蒙``, ``广西壮族自治区``,
  ``广西``), with or without 省/市/自治区/自治州/地区/盟/县/区 suffixes;
* full-width characters and spaces, stray punctuation, traditional characters (臺灣, 廣東);
* autonomous prefectures written as ``short + 州`` (延边州, 湘西州) and the alias table
  ``registry/aliases.csv`` (克州, 博州, 巴州, province one-character abbreviations 冀 晋 …,
  English exonyms such as Inner Mongolia, Nei Mongol, Tibet, Urumqi, Kashgar);
* English and pinyin (``Guangxi Zhuang Autonomous Region``, ``Shaanxi`` vs ``Shanxi``,
  ``Xi'an``, ``Hengshui Shi``); trailing Province/City/Prefecture/County are ignored;
* a province written before the name (``湖北省武汉市``, ``山西 朔州``);
* 6-digit adcodes (as text or integers), including 110100/120100/310100/500100/500200 for
  the municipalities at prefecture level and the old codes of units that were recoded
  (地区 -> 市) or renamed since 2000 (襄樊 -> 襄阳 420600, 思茅 -> 普洱 530800);
* old names of renamed units.  Units that were merged or split (莱芜 2019, 巢湖 2011)
  are *not* matched silently: the error explains the change and points to
  :func:`spatialq.geometry.harmonize`.

Names that match several units (``鼓楼区`` at county level, ``Fuzhou`` = 福州/抚州) are
ambiguous unless ``province=`` (or ``prefecture=`` for counties) tells them apart.
"""

from __future__ import annotations

import difflib
import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from typing import Literal

import numpy as np
import pandas as pd

from ._load import _attrs
from ._normalize import clean_en, clean_zh, is_latin, short_name

__all__ = ["MatchReport", "NameMatchError", "match"]

Level = Literal["province", "prefecture", "county"]
LEVELS = ("province", "prefecture", "county")
MUNICIPALITY_CODES = {
    "110100": "110000", "120100": "120000", "310100": "310000", "500100": "500000", "500200": "500000",
}


class NameMatchError(ValueError):
    """Raised when names do not match exactly one unit; the message lists each with candidates."""

    def __init__(self, message: str, report: MatchReport):
        super().__init__(message)
        self.report = report


@dataclass(frozen=True, eq=False, repr=False)
class MatchReport:
    """Result of ``match(..., errors="report")``.

    Attributes
    ----------
    adcodes : Series
        Adcode per input (aligned with the input), ``<NA>`` where unmatched or ambiguous.
    unmatched : DataFrame
        ``name``, ``candidates`` (closest names with adcodes) and ``hint`` for names
        that matched nothing.
    ambiguous : DataFrame
        ``name`` and ``candidates`` for names that matched more than one unit.
    level : str
    """

    adcodes: pd.Series
    unmatched: pd.DataFrame
    ambiguous: pd.DataFrame
    level: str
    notes: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def ok(self) -> bool:
        return self.unmatched.empty and self.ambiguous.empty

    def summary(self) -> str:
        n = len(self.adcodes)
        failed = int(self.adcodes.isna().sum())
        lines = [f"match at {self.level} level: {n - failed} of {n} names matched"]
        if not self.unmatched.empty:
            lines.append(f"unmatched ({len(self.unmatched)}):")
            for r in self.unmatched.itertuples():
                extra = f" — {r.hint}" if r.hint else ""
                lines.append(f"  {r.name!r}: closest {', '.join(r.candidates) or 'none'}{extra}")
        if not self.ambiguous.empty:
            lines.append(f"ambiguous ({len(self.ambiguous)}); pass province= to tell them apart:")
            for r in self.ambiguous.itertuples():
                lines.append(f"  {r.name!r}: {', '.join(r.candidates)}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()


# --------------------------------------------------------------------------- index


@dataclass
class _Index:
    zh: dict[str, set[str]]
    en: dict[str, set[str]]
    codes: set[str]
    code_alias: dict[str, str]
    display: dict[str, str]
    parent: dict[str, str]  # adcode -> province adcode
    prefecture: dict[str, str]  # county adcode -> prefecture adcode
    hints: dict[str, str]  # cleaned old name or code -> explanation (merged/split units)


def _add(d: dict[str, set[str]], key: str, code: str) -> None:
    if key:
        d[key].add(code)


@functools.cache
def _aliases() -> pd.DataFrame:
    with resources.files("spatialq.registry").joinpath("aliases.csv").open(encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


@functools.cache
def _index(level: str) -> _Index:
    from .crosswalk import crosswalk

    t = _attrs(level)
    zh: dict[str, set[str]] = defaultdict(set)
    en: dict[str, set[str]] = defaultdict(set)
    for code, row in t.iterrows():
        full = clean_zh(row["name_zh"])
        _add(zh, full, code)
        _add(zh, row["name_short"], code)
        _add(zh, short_name(full, level), code)
        if row["kind"] == "autonomous_prefecture":
            _add(zh, row["name_short"] + "州", code)
        if level == "county" and row["kind"] == "autonomous_county":
            _add(zh, row["name_short"] + "县", code)
        _add(en, clean_en(row["name_en"]), code)
        _add(en, clean_en(row["name_en"].replace("ü", "v")), code)
        _add(en, clean_en(row["name_en"].replace("ü", "u")), code)
    al = _aliases()
    for r in al[al["level"] == level].itertuples():
        (en if is_latin(r.alias) else zh)[clean_en(r.alias) if is_latin(r.alias) else clean_zh(r.alias)].add(r.adcode)
    code_alias: dict[str, str] = {}
    hints: dict[str, str] = {}
    if level == "prefecture":
        code_alias.update(MUNICIPALITY_CODES)
        cw = crosswalk()
        current = set(t.index)
        for r in cw.itertuples():
            if not r.old_adcode:
                continue
            target = r.current_adcode
            if r.change in ("rename", "code_change") and target in current:
                if r.old_adcode != target:
                    code_alias[r.old_adcode] = target
                old = clean_zh(r.old_name)
                for key in {old, short_name(old, "prefecture")}:
                    if key not in zh:
                        zh[key].add(target)
            else:
                dest = r.new_name.replace("|", "、")
                why = (f"{r.old_name} ({r.old_adcode}) was {'merged into' if r.change == 'merged' else 'split among'} "
                       f"{dest} (visible in {r.first_seen}); aggregate old data with "
                       f"spatialq.geometry.harmonize(...)")
                for key in {clean_zh(r.old_name), short_name(clean_zh(r.old_name), "prefecture"), r.old_adcode}:
                    hints[key] = why
    display = {c: f"{row['name_zh']} ({c})" for c, row in t.iterrows()}
    parent = t["province"].to_dict() if "province" in t else {c: c for c in t.index}
    pref = t["prefecture"].to_dict() if "prefecture" in t else {}
    return _Index(dict(zh), dict(en), set(t.index), code_alias, display, parent, pref, hints)


@functools.cache
def _province_prefixes() -> list[tuple[str, str]]:
    """(cleaned province name or short name, adcode), longest first, for '湖北省武汉市'."""
    t = _attrs("province")
    pairs = set()
    for code, row in t.iterrows():
        pairs.add((clean_zh(row["name_zh"]), code))
        pairs.add((row["name_short"], code))
    return sorted(pairs, key=lambda p: -len(p[0]))


# --------------------------------------------------------------------------- lookup


def _lookup_one(raw, level: str) -> tuple[set[str], str | None]:
    """Candidate adcodes for one name, and the province it named as a prefix (if any)."""
    idx = _index(level)
    if raw is None or (isinstance(raw, float) and np.isnan(raw)) or raw is pd.NA:
        return set(), None
    if isinstance(raw, (int, np.integer)):
        raw = f"{int(raw):06d}"
    text = str(raw).strip()
    digits = text.replace(" ", "")
    if digits.isdigit() and len(digits) in (6, 12):
        code = digits[:6]
        code = idx.code_alias.get(code, code)
        return ({code} if code in idx.codes else set()), None
    if is_latin(text):
        key = clean_en(text)
        return set(idx.en.get(key, set())), None
    key = clean_zh(text)
    hits = idx.zh.get(key) or idx.zh.get(short_name(key, level))
    if hits:
        return set(hits), None
    if level != "province":
        for prefix, pcode in _province_prefixes():
            if key.startswith(prefix) and len(key) > len(prefix):
                rest = key[len(prefix):]
                hits = idx.zh.get(rest) or idx.zh.get(short_name(rest, level))
                if hits:
                    return {h for h in hits if idx.parent.get(h) == pcode} or set(hits), pcode
    return set(), None


def _closest(raw, level: str, n: int = 3) -> list[str]:
    idx = _index(level)
    text = "" if raw is None else str(raw)
    if is_latin(text):
        key, table = clean_en(text), idx.en
    else:
        key, table = clean_zh(text), idx.zh
    keys = difflib.get_close_matches(key, list(table), n=n * 2, cutoff=0.5)
    out: list[str] = []
    for k in keys:
        for code in sorted(table[k]):
            label = idx.display[code]
            if label not in out:
                out.append(label)
    return out[:n]


def _as_list(values, n: int, what: str) -> list:
    if values is None:
        return [None] * n
    if isinstance(values, str) or not isinstance(values, Iterable):
        return [values] * n
    values = list(values)
    if len(values) != n:
        raise ValueError(f"{what}= has {len(values)} values but there are {n} names; pass one value or one per name")
    return values


def match(
    names,
    level: Level = "province",
    *,
    province=None,
    prefecture=None,
    errors: Literal["raise", "report"] = "raise",
) -> pd.Series | MatchReport:
    """Return the adcode of each name, in any common spelling.

    Parameters
    ----------
    names : str, sequence or Series
        Place names (Chinese, traditional, English, pinyin) or adcodes.  A Series keeps
        its index in the result.
    level : {"province", "prefecture", "county"}
        Administrative level to match against.
    province : str or sequence, optional
        Province of each name (one value for all, or one per name; any spelling), used to
        tell apart names that exist in several provinces (``Fuzhou``, ``朝阳区``).
    prefecture : str or sequence, optional
        Prefecture of each name (``level="county"`` only), for county names repeated
        within a province (``鼓楼区``).
    errors : {"raise", "report"}, default "raise"
        ``"raise"``: any unmatched or ambiguous name raises :class:`NameMatchError`
        listing each with its closest candidates.  ``"report"``: return a
        :class:`MatchReport` with ``.adcodes``, ``.unmatched`` and ``.ambiguous``.

    Returns
    -------
    Series of str (name ``"adcode"``) aligned with ``names``, or a :class:`MatchReport`.

    Examples
    --------
    >>> match(["内蒙古自治区", "Guangxi Zhuang Autonomous Region", "陝西", "山西省"]).tolist()
    ['150000', '450000', '610000', '140000']
    >>> match(["延边州", "克州", "襄樊"], level="prefecture").tolist()
    ['222400', '653000', '420600']
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    if errors not in ("raise", "report"):
        raise ValueError(f"errors must be 'raise' or 'report', got {errors!r}")
    if prefecture is not None and level != "county":
        raise ValueError("prefecture= is only used with level='county'")
    if isinstance(names, str) or not isinstance(names, Iterable):
        series = pd.Series([names], dtype=object)
    elif isinstance(names, pd.Series):
        series = names.astype(object)
    else:
        series = pd.Series(list(names), dtype=object)
    n = len(series)
    provs = _as_list(province, n, "province")
    prefs = _as_list(prefecture, n, "prefecture")
    prov_codes = _resolve_parents(provs, "province")
    pref_codes = _resolve_parents(prefs, "prefecture")
    idx = _index(level)

    out: list = []
    unmatched: dict[str, dict] = {}
    ambiguous: dict[str, dict] = {}
    cache: dict[tuple, set[str]] = {}
    for raw, pc, fc in zip(series.tolist(), prov_codes, pref_codes):
        key = (raw if not isinstance(raw, float) else repr(raw), pc, fc)
        if key not in cache:
            cands, named_prov = _lookup_one(raw, level)
            pc_eff = pc or named_prov
            if pc_eff and level != "province" and len(cands) > 1:
                narrowed = {c for c in cands if idx.parent.get(c) == pc_eff}
                cands = narrowed or cands
            if fc and level == "county" and len(cands) > 1:
                narrowed = {c for c in cands if idx.prefecture.get(c) == fc}
                cands = narrowed or cands
            if pc_eff and level != "province" and len(cands) == 1 and idx.parent.get(next(iter(cands))) != pc_eff:
                cands = set()
            cache[key] = cands
        cands = cache[key]
        label = "<missing>" if raw is None or (isinstance(raw, float) and np.isnan(raw)) else str(raw)
        if len(cands) == 1:
            out.append(next(iter(cands)))
        elif not cands:
            out.append(pd.NA)
            if label not in unmatched:
                hint = idx.hints.get(clean_zh(label)) or idx.hints.get(short_name(clean_zh(label), level)) \
                    or idx.hints.get(label.strip(), "")
                if pc and not hint:
                    hint = f"no such unit in province {pc}"
                unmatched[label] = {"name": label, "candidates": _closest(raw, level), "hint": hint}
        else:
            out.append(pd.NA)
            ambiguous.setdefault(label, {"name": label, "candidates": sorted(idx.display[c] for c in cands)})
    result = pd.Series(out, index=series.index, dtype="string", name="adcode")
    report = MatchReport(
        adcodes=result,
        unmatched=pd.DataFrame(list(unmatched.values()), columns=["name", "candidates", "hint"]),
        ambiguous=pd.DataFrame(list(ambiguous.values()), columns=["name", "candidates"]),
        level=level,
    )
    if errors == "report":
        return report
    if not report.ok:
        raise NameMatchError(report.summary(), report)
    return result.astype(object)


def _resolve_parents(values: list, level: str) -> list:
    if all(v is None for v in values):
        return values
    uniq = list(dict.fromkeys(v for v in values if v is not None))
    rep = match(uniq, level=level, errors="report")
    if not rep.ok:
        raise NameMatchError(f"in the {level}= argument:\n" + rep.summary(), rep)
    lookup = dict(zip(uniq, rep.adcodes.tolist()))
    return [lookup[v] if v is not None else None for v in values]

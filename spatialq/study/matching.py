"""Matching a study table's region names (or codes) to adcodes, with a log of every spelling.

A name with a wrong suffix that still names one unit (北京省) is accepted and logged as a correction;
a name of another level (吉林市 at province level, a province at prefecture level) is refused rather
than silently taken for the unit it resembles.  Codes written by Excel as numbers (110000.0) are read
as adcodes.
"""

from __future__ import annotations

import pandas as pd

from ._schema import MAX_LISTED
from .spec import Study

_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "地区", "省", "市",
             "盟", "州", "县", "区", "旗")
MUNICIPALITIES = ("110000", "120000", "310000", "500000")


def _suffix(name: str) -> str:
    return next((s for s in _SUFFIXES if name.endswith(s) and len(name) > len(s)), "")


def _spelling(spelling: str, code: str, gdf: pd.DataFrame) -> str:
    """How a spelling relates to the unit it matched: code, official, alias or correction."""
    if spelling == code:
        return "code"
    row = gdf.loc[code] if code in gdf.index else None
    if row is None:
        return "alias"
    if spelling == row["name_zh"]:
        return "official"
    suf = _suffix(spelling)
    if suf and suf != _suffix(str(row["name_zh"])) and spelling.removesuffix(suf) != str(row["name_zh"]):
        return "correction"  # 北京省 → 北京市: a suffix the unit does not have
    return "alias"


def _other_level(spell: str, code: str, level: str, gdf: pd.DataFrame) -> str | None:
    """Why ``spell`` names a unit of another level than the ``code`` it matched, or None."""
    import re

    last = (re.findall(r"[a-z]+", spell.lower()) or [""])[-1]
    name = gdf["name_zh"].get(code, code)
    if level == "province" and code not in MUNICIPALITIES and (spell.endswith("市") or last in ("city", "shi")):
        return (f"{spell!r} is a city; the province is {name} — correct the name, or set [data] level to the "
                "table's level")
    if level == "prefecture" and last in ("province", "sheng"):
        return (f"{spell!r} is a province, not the prefecture {name} — correct the name, or set [data] level to "
                "the table's level")
    return None


def _match_items(rep) -> tuple[list[str], list[str]]:
    """A name-match report as text: unmatched names with their closest candidates, ambiguous names with theirs."""
    unmatched = [f"{r.name!r} (closest: {', '.join(r.candidates) or 'none'}{'; ' + r.hint if r.hint else ''})"
                 for r in rep.unmatched.itertuples()]
    ambiguous = [f"{r.name!r} ({', '.join(r.candidates)})" for r in rep.ambiguous.itertuples()]
    return unmatched, ambiguous


def to_codes(df: pd.DataFrame, where: str, label: str, study: Study, id_col: str, gdf: pd.DataFrame,
              log: list[dict], notes: list[str], problems: list[str]) -> pd.Series | None:
    """Adcodes of one table's id column (names in any spelling, or codes, float-formatted ones included)."""
    from .. import geometry
    from ..io import normalise_code

    d, level = study.data, study.data["level"]
    raw = df[id_col]
    text = raw.map(lambda v: "" if pd.isna(v) else str(v).strip())
    codes_norm = raw.map(lambda v: _code_or_none(v, normalise_code))
    looks_code = codes_norm.notna() & codes_norm.str.fullmatch(r"\d{6}").fillna(False)
    as_code = d["id_type"] == "adcode" or (d["id_type"] == "auto" and bool(looks_code.all()))
    numeric = raw.map(lambda v: isinstance(v, int | float) and not isinstance(v, bool) and not pd.isna(v))
    if not as_code and d["id_type"] == "auto" and looks_code.mean() >= 0.8 and (numeric | looks_code).all():
        bad = {}
        for t, v in zip(text, raw):  # a few damaged codes among codes: say what is wrong with each
            if t not in bad and not _code_or_none(v, normalise_code):
                bad[t] = _why_not_code(v, normalise_code)
        problems.append(f"{where} id: {len(bad)} value(s) in column {id_col!r} are not adcodes although the others "
                        "are: " + "; ".join(f"{k!r} ({v})" for k, v in list(bad.items())[:10]))
        return None
    if as_code:
        floats = sorted({t for t, c in zip(text, codes_norm) if c is not None and t != c})
        if floats:
            notes.append(f"{label}: ids written as numbers ({', '.join(floats[:3])}) were read as the codes "
                         f"{', '.join(normalise_code(f) or '' for f in floats[:3])}")
        ids = codes_norm.where(looks_code, text)
    else:
        ids = text
    parents = {k: [None if pd.isna(v) or not str(v).strip() else str(v).strip() for v in df[d[k]]]
               for k in ("province", "prefecture") if d[k] is not None and d[k] in df.columns}
    for key, values in parents.items():  # empty: no constraint (直辖市 districts)
        plevel = "province" if key == "province" else "prefecture"
        names = list(dict.fromkeys(v for v in values if v is not None))
        prep = geometry.match(names, level=plevel, errors="report")
        if not prep.ok:
            unmatched, ambiguous = _match_items(prep)
            bad = unmatched + [f"{a} is ambiguous" for a in ambiguous]
            problems.append(f"{where} {key}: {len(bad)} {plevel} name(s) in column {d[key]!r} did not match: "
                            + "; ".join(bad[:10]))
            return None
    uniq = ids if parents else ids.drop_duplicates()
    rep = geometry.match(uniq, level=level, errors="report", **parents)
    codes = pd.Series(rep.adcodes.to_numpy(), index=uniq.index) if parents else \
        ids.map(dict(zip(uniq, rep.adcodes.tolist())))
    codes = codes.astype(object).where(codes.notna(), None)
    unmatched, ambiguous = _match_items(rep)
    # a city name at province level (吉林市, Jilin City) is not the province, nor a province name at
    # prefecture level (Jilin Province) the city: refuse rather than guess
    wrong_level = []
    for i, (spell, code) in enumerate(zip(ids, codes)):
        why = _other_level(spell, code, level, gdf) if code and spell != code else None
        if why:
            wrong_level.append(why)
            codes.iloc[i] = None
    for where_, items in ((f"{where} id", unmatched + list(dict.fromkeys(wrong_level))),):
        if items:
            problems.append(f"{where_}: {len(items)} {level} name(s) in column {id_col!r} did not match: "
                            + "; ".join(items[:15]) + (" …" if len(items) > 15 else ""))
    if ambiguous:
        problems.append(f"{where} id: ambiguous {level} names — set [data] province (and for counties prefecture) "
                        "to the column that tells them apart: " + "; ".join(ambiguous[:10]))
    corrections = {}
    for spell, code in dict.fromkeys(zip(ids, codes)):
        if code is None:
            continue
        kind = "code" if as_code else _spelling(spell, code, gdf)
        log.append({"file": label, "spelling": spell, "adcode": code, "name": str(gdf["name_zh"].get(code, "")),
                    "kind": kind})
        if kind == "correction":
            corrections[spell] = str(gdf["name_zh"].get(code, code))
    if corrections:
        notes.append(f"{label}: names corrected while matching: "
                     + ", ".join(f"{k} → {v}" for k, v in list(corrections.items())[:MAX_LISTED])
                     + (" …" if len(corrections) > MAX_LISTED else ""))
    return codes


def _why_not_code(value, normalise) -> str:
    try:
        code = normalise(value)
    except (ValueError, TypeError) as err:
        return str(err)
    return "missing" if code is None else f"{code} has not six digits"


def _code_or_none(value, normalise):
    try:
        return normalise(value)
    except (ValueError, TypeError):
        return None

"""Reading and checking a study's data before any analysis runs.

:func:`prepare` loads the data named in ``[data]`` (a long table, wide tables per variable, or a
bundled data set), matches the id column to adcodes (names in any spelling, or codes), and checks
every column, year and name that the study uses.  All problems are collected into one
:class:`~spatialq.study.spec.StudyError`; only a study that passes is run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from .spec import Study, StudyError

__all__ = ["Prepared", "prepare", "read_table"]

_ADCODE = re.compile(r"^\d{6}$")
_IDENT = re.compile(r"[A-Za-z_\u4e00-\u9fff][A-Za-z0-9_\u4e00-\u9fff]*")
_FORMULA_WORDS = {"np", "log", "exp", "sqrt", "C", "I", "center", "scale", "standardize", "poly", "abs", "log1p"}


@dataclass(frozen=True)
class Prepared:
    """The checked data: long frame keyed by ``adcode`` and ``year``, the units' geometry, the level."""

    data: pd.DataFrame
    gdf: gpd.GeoDataFrame
    level: str
    matched_from: str  # "name" or "adcode"


def read_table(path: Path, *, sheet=0) -> pd.DataFrame:
    """Read .csv (UTF-8, UTF-8 with BOM or GB18030), .xlsx/.xls or .parquet."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        for enc in ("utf-8-sig", "gb18030"):
            try:
                return pd.read_csv(path, encoding=enc, dtype=str).apply(_numeric)
            except UnicodeDecodeError:
                continue
        raise ValueError(f"{path.name}: cannot decode as UTF-8 or GB18030")
    if suffix in (".xlsx", ".xls"):
        return pd.read_excel(path, sheet_name=sheet, dtype=str).apply(_numeric)
    if suffix == ".parquet":
        return pd.read_parquet(path)
    raise ValueError(f"{path.name}: unknown table format {suffix!r}; use .csv, .xlsx or .parquet")


def _numeric(col: pd.Series) -> pd.Series:
    """Columns that are all numbers become numbers; ids such as 110000 stay text."""
    conv = pd.to_numeric(col.str.replace(",", "", regex=False).str.strip(), errors="coerce")
    if conv.notna().sum() == col.notna().sum() and col.notna().any():
        if col.dropna().str.fullmatch(r"\d{6}").all():
            return col  # adcodes
        return conv
    return col


def _load(study: Study, problems: list[str]) -> pd.DataFrame | None:
    d = study.data
    if d["dataset"] is not None:
        from .. import datasets

        if d["dataset"] == "ai_index_provinces":
            return datasets.ai_index_provinces()
        level = d["level"]
        if level not in ("province", "prefecture"):
            problems.append(f"[data] level: bundled synthetic data exist for province and prefecture, not {level!r}")
            return None
        make = datasets.synthetic_urbanisation if d["dataset"] == "synthetic_urbanisation" else \
            datasets.synthetic_panel
        return make(level)
    if d["path"] is not None:
        path = (study.base / d["path"]).resolve()
        if not path.exists():
            problems.append(f"[data] path: {path} does not exist")
            return None
        try:
            return read_table(path, sheet=d["sheet"])
        except Exception as err:  # report, do not crash: the user fixes the file
            problems.append(f"[data] path: cannot read {path.name}: {err}")
            return None
    from ..paneldata import wide_to_long

    merged = None
    for var, rel in d["files"].items():
        path = (study.base / str(rel)).resolve()
        if not path.exists():
            problems.append(f"[data.files] {var}: {path} does not exist")
            continue
        try:
            wide = read_table(path, sheet=d["sheet"])
        except Exception as err:
            problems.append(f"[data.files] {var}: cannot read {path.name}: {err}")
            continue
        if d["id"] not in wide.columns:
            problems.append(f"[data.files] {var}: {path.name} has no id column {d['id']!r}; columns: "
                            f"{list(wide.columns)[:12]}")
            continue
        long = wide_to_long(wide, id=d["id"], value_name=var, time=d["time"])
        keys = [c for c in long.columns if c != var]
        merged = long if merged is None else merged.merge(long, on=[c for c in keys if c in merged.columns],
                                                          how="outer")
    return merged


def _formula_vars(formula: str) -> list[str]:
    if "~" not in formula:
        return []
    words = []
    for m in _IDENT.finditer(formula):
        end = m.end()
        following = formula[end:end + 1]
        if following == "(" or m.group() in _FORMULA_WORDS:
            continue
        words.append(m.group())
    return list(dict.fromkeys(words))


def _needed_columns(study: Study, created: set[str]) -> dict[str, list[str]]:
    """Which columns each part of the study reads, by where they are named."""
    need: dict[str, list[str]] = {}
    ix = study.index
    if ix is not None:
        need["[index.indicators]"] = list(ix["indicators"])
    if study.weights["type"] == "economic":
        need["[weights] column"] = [study.weights["column"]]
    for name, opts in study.analyses:
        cols = []
        if opts.get("column"):
            cols.append(opts["column"])
        for key in ("factors", "columns"):
            cols += list(opts.get(key) or [])
        if name == "coupling":
            cols += list(opts["systems"])
        if name == "regression":
            cols += _formula_vars(opts["formula"])
        need[f"[analyses.{name}]"] = [c for c in cols if c not in created]
    return need


def _match_items(rep) -> tuple[list[str], list[str]]:
    """A name-match report as text: unmatched names with their closest candidates, ambiguous names with theirs."""
    unmatched = [f"{r.name!r} (closest: {', '.join(r.candidates) or 'none'})" for r in rep.unmatched.itertuples()]
    ambiguous = [f"{r.name!r} ({', '.join(r.candidates)})" for r in rep.ambiguous.itertuples()]
    return unmatched, ambiguous


def _close(word: str, options) -> str:
    import difflib

    c = difflib.get_close_matches(str(word), [str(o) for o in options], n=3, cutoff=0.5)
    return f" (closest: {', '.join(c)})" if c else ""


def prepare(study: Study) -> Prepared:
    """Load the data and check everything the study uses; raises StudyError listing every problem."""
    from .. import geometry

    problems: list[str] = []
    raw = _load(study, problems)
    if raw is None:
        raise StudyError(study.source, problems)
    d = study.data
    id_col, time = d["id"], d["time"]
    df = raw.copy()
    if id_col not in df.columns:
        problems.append(f"[data] id: no column {id_col!r}{_close(id_col, df.columns)}; columns: {list(df.columns)}")
    if time not in df.columns:
        problems.append(f"[data] time: no column {time!r}{_close(time, df.columns)}")
    for key in ("province", "prefecture"):
        if d[key] is not None and d[key] not in df.columns:
            problems.append(f"[data] {key}: no column {d[key]!r}{_close(d[key], df.columns)}")
    if d["prefecture"] is not None and d["level"] != "county":
        problems.append('[data] prefecture: only used with level = "county" (to tell apart county names)')
    if problems:
        raise StudyError(study.source, problems)
    df[time] = pd.to_numeric(df[time], errors="coerce")
    if df[time].isna().any():
        problems.append(f"[data] time: column {time!r} has values that are not years, e.g. "
                        f"{raw.loc[df[time].isna(), time].head(3).tolist()}")
    if d["years"] is not None:
        absent = sorted(set(d["years"]) - set(df[time].dropna().astype(int)))
        if absent:
            problems.append(f"[data] years: {absent} are not in the data")
        df = df[df[time].isin(d["years"])]
    # ids: adcodes or names
    ids = df[id_col].astype(str).str.strip()
    as_code = d["id_type"] == "adcode" or (d["id_type"] == "auto" and ids.str.fullmatch(r"\d{6}").all())
    level = d["level"]
    parents = {k: [None if pd.isna(v) or not str(v).strip() else str(v) for v in df[d[k]]]
               for k in ("province", "prefecture") if d[k] is not None}  # empty: no constraint (直辖市 districts)
    for key, values in parents.items():
        plevel = "province" if key == "province" else "prefecture"
        names = list(dict.fromkeys(v for v in values if v is not None))
        prep = geometry.match(names, level=plevel, errors="report")
        if not prep.ok:
            unmatched, ambiguous = _match_items(prep)
            bad = unmatched + [f"{a} is ambiguous" for a in ambiguous]
            problems.append(f"[data] {key}: {len(bad)} {plevel} name(s) in column {d[key]!r} did not match: "
                            + "; ".join(bad[:10]))
    if problems:
        raise StudyError(study.source, problems)
    rep = geometry.match(ids if parents else ids.drop_duplicates(), level=level, errors="report", **parents)
    unmatched, ambiguous = _match_items(rep)
    if unmatched:
        problems.append(f"[data] id: {len(unmatched)} {level} name(s) in column {id_col!r} did not match: "
                        + "; ".join(unmatched[:15]) + (" …" if len(unmatched) > 15 else ""))
    if ambiguous:
        items = ambiguous
        problems.append(f"[data] id: ambiguous {level} names — set [data] province (and for counties prefecture) "
                        "to the column that tells them apart: "
                        + "; ".join(items[:10]))
    if not parents:
        codes = ids.map(dict(zip(ids.drop_duplicates(), rep.adcodes)))
    else:
        codes = pd.Series(rep.adcodes.to_numpy(), index=df.index)
    if "adcode" in df.columns and id_col != "adcode":
        df = df.rename(columns={"adcode": "adcode_input"})  # the matched codes take the name; the input is kept
    df = df.drop(columns="adcode", errors="ignore")
    df.insert(0, "adcode", codes.to_numpy())
    df[time] = df[time].astype("Int64")
    dup = df.duplicated(["adcode", time], keep=False) & df["adcode"].notna()
    if dup.any():
        ex = df.loc[dup, [id_col, time]].head(4).astype(str).agg(" ".join, axis=1).tolist()
        problems.append(f"[data]: {int(dup.sum())} rows repeat a region and year, e.g. {ex}")
    created = set()
    if study.index is not None:
        created |= {study.index["name"], *(study.index["subsystems"] or {})}
    if study.regions is not None:
        created.add(study.regions["name"])
    for where, cols in _needed_columns(study, created).items():
        missing = [c for c in cols if c not in df.columns]
        if missing:
            problems.append(f"{where}: column(s) {missing} not in the data"
                            + "".join(_close(c, df.columns) for c in missing[:3]))
            continue
        for c in cols:
            v = pd.to_numeric(df[c], errors="coerce")
            if v.isna().any():
                bad = df.loc[v.isna(), [id_col, time]].head(3).astype(str).agg(" ".join, axis=1).tolist()
                problems.append(f"{where}: column {c!r} has {int(v.isna().sum())} missing or non-numeric "
                                f"value(s), e.g. at {bad}")
    years = set(df[time].dropna().astype(int))
    for name, opts in study.analyses:
        for key in ("year", "years"):
            val = opts.get(key)
            vals = [val] if isinstance(val, int) else (val if isinstance(val, list) else [])
            absent = [y for y in vals if y not in years]
            if absent:
                problems.append(f"[analyses.{name}] {key}: {absent} not in the data (years {min(years)}–{max(years)})")
        if name in ("detector", "forest"):
            target = opts.get("column") or (study.index["name"] if study.index is not None else None)
            if target in (opts.get("factors") or []):
                problems.append(f"[analyses.{name}] factors: {target!r} is the variable being explained; "
                                "remove it from the factors")
        if name in ("markov", "spatial_markov") and not any(y + opts["step"] in years for y in years):
            problems.append(f"[analyses.{name}] step: no year has a year {opts['step']} later in the data "
                            f"(years {sorted(years)}); set step to the gap between observed years")
        if name == "regression" and not problems:
            counts = df.groupby("adcode")[time].nunique()
            if counts.nunique() > 1:
                short = counts[counts < counts.max()].index[:5].tolist()
                problems.append(f"[analyses.regression]: the panel is unbalanced (e.g. {short} have fewer than "
                                f"{counts.max()} years); fixed-effects spatial panels need every region in every year")
    if problems:
        raise StudyError(study.source, problems)
    df = df.rename(columns={time: "year"}) if time != "year" else df
    gdf = {"province": geometry.provinces, "prefecture": geometry.prefectures, "county": geometry.counties}[level](
        include_sar=True)
    gdf = gdf.loc[gdf.index.isin(set(df["adcode"]))]
    return Prepared(data=df.reset_index(drop=True), gdf=gdf, level=level,
                    matched_from="adcode" if as_code else "name")

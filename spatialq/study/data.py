"""Reading and checking a study's data before any analysis runs.

:func:`prepare` loads the data named in ``[data]`` (a long table, wide tables per variable —
statistics-bureau exports read as downloaded — or a bundled data set), matches each file's region
names to adcodes on their own, merges the files on adcode and year, applies the missing-value
policy and checks every column, year and name that the study uses.  All problems are collected
into one :class:`~spatialq.study.spec.StudyError`; only a study that passes is run.

Files are read only from the study file's folder (and below) unless ``[data] allow_outside = true``
(or ``spatialq run --allow-outside``): a study shared by someone else cannot make spatialq read,
or print parts of, a file elsewhere on the computer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from .analyses import REGISTRY, DataView
from .analyses._common import gaps_text
from .labels import check as check_labels
from .matching import to_codes
from .missing import apply_policy, cells
from .output import file_sha256
from .spec import Study, StudyError

__all__ = ["Prepared", "prepare", "read_table"]



@dataclass(frozen=True)
class Prepared:
    """The checked data: long frame keyed by ``adcode`` and ``year``, the units' geometry, the level,
    and what a reviewer needs to check the input (files with sha256, every spelling and the unit it
    became, filled cells, dropped units, notes)."""

    data: pd.DataFrame
    gdf: gpd.GeoDataFrame
    level: str
    matched_from: str  # "name" or "adcode"
    notes: tuple[str, ...] = ()
    inputs: tuple[dict, ...] = ()
    matches: tuple[dict, ...] = ()
    filled: tuple[dict, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()  # [labels], checked against the data's and created columns
    dropped: tuple[str, ...] = ()
    meta: dict = field(default_factory=dict)


def read_table(path: Path, *, sheet=0, **layout) -> pd.DataFrame:
    """Read .csv (UTF-8, UTF-8 with BOM, GB18030), .xlsx/.xls or .parquet, statistics-bureau exports
    included; see :func:`spatialq.io.read_table` for the layout options."""
    from ..io import read_table as _read

    return _read(path, sheet=sheet, **layout)


def _resolve(study: Study, rel: str, where: str, allow_outside: bool, problems: list[str]) -> Path | None:
    """The file ``rel`` relative to the study file, if it may be read (inside the study's folder)."""
    base = study.base.resolve()
    path = (base / str(rel)).resolve()
    if path != base and base not in path.parents and not (allow_outside or study.data["allow_outside"]):
        problems.append(f"{where}: {rel!r} lies outside the study's folder {base}; a study reads only the files "
                        "in its own folder unless [data] allow_outside = true (or spatialq run --allow-outside)")
        return None
    if not path.is_file():
        problems.append(f"{where}: {path} does not exist" if not path.exists() else f"{where}: {path} is not a file")
        return None
    return path


def _read(study: Study, path: Path, where: str, inputs: list[dict], problems: list[str]) -> pd.DataFrame | None:
    d = study.data
    layout = {"format": "nbs" if d["format"] == "nbs" else "auto", "skiprows": d["skiprows"],
              "header": d["header"], "footer": d["footer"]}
    try:
        df = read_table(path, sheet=d["sheet"], **layout)
    except Exception as err:  # the reader's messages name the file and line, with capped excerpts only
        problems.append(f"{where}: cannot read {path.name}: {err}")
        return None
    rel = path.relative_to(study.base.resolve()).as_posix() if study.base.resolve() in path.parents else str(path)
    inputs.append({"role": where, "path": rel, "sha256": file_sha256(path), "bytes": path.stat().st_size,
                   "layout": {k: v for k, v in (df.attrs.get("layout") or {}).items() if k != "title_lines"} |
                   {"title_lines": list((df.attrs.get("layout") or {}).get("title_lines", []))},
                   "dropped_columns": [str(c) for c in df.attrs.get("dropped_columns", [])]})
    if len(df) == 0:
        problems.append(f"{where}: {path.name} has a header but no data rows")
        return None
    return df


def _bundled(study: Study, problems: list[str]) -> pd.DataFrame | None:
    from .. import datasets

    d = study.data
    if d["dataset"] == "ai_index_provinces":
        return datasets.ai_index_provinces()
    if d["level"] not in ("province", "prefecture"):
        problems.append(f"[data] level: bundled synthetic data exist for province and prefecture, not {d['level']!r}")
        return None
    make = datasets.synthetic_urbanisation if d["dataset"] == "synthetic_urbanisation" else datasets.synthetic_panel
    return make(d["level"])


def _close(word: str, options) -> str:
    import difflib

    c = difflib.get_close_matches(str(word), [str(o) for o in options], n=3, cutoff=0.5)
    return f" (closest: {', '.join(c)})" if c else ""


def _years(df: pd.DataFrame, time: str, where: str, problems: list[str]) -> pd.Series | None:
    from ..io.values import excerpt, year_of

    out, bad = [], []
    for v in df[time]:
        try:
            out.append(year_of(v))
        except (ValueError, TypeError):
            out.append(None)
            bad.append(excerpt(v))
    if bad:
        problems.append(f"{where} time: column {time!r} has values that are not years, e.g. "
                        f"{', '.join(dict.fromkeys(bad[:3]))}")
        return None
    return pd.Series(out, index=df.index, dtype="Int64")


def _wide_id(df: pd.DataFrame, study: Study) -> str | None:
    """The id column of a wide table: ``[data] id`` if present, else (default id) the first text column."""
    idc = study.data["id"]
    if idc in df.columns:
        return idc
    if idc == "adcode" and len(df.columns):
        first = df[df.columns[0]]
        if not pd.api.types.is_numeric_dtype(first):
            return df.columns[0]  # 地区 in a statistics-bureau export
        from ..io import year_columns

        text = first.dropna().map(lambda v: f"{float(v):.1f}")
        if len(text) and text.str.fullmatch(r"\d{6}\.0").all() and not year_columns([df.columns[0]]):
            return df.columns[0]  # adcodes that Excel stored as numbers (110000.0)
    return None


def _long_table(study, df, where, label, gdf, log, notes, problems):
    """One long table keyed by adcode and year (or None with problems)."""
    d = study.data
    id_col, time = d["id"], d["time"]
    missing = []
    if id_col not in df.columns:
        missing.append(f"{where} id: no column {id_col!r}{_close(id_col, df.columns)}")
    if time not in df.columns:
        missing.append(f"{where} time: no column {time!r}{_close(time, df.columns)}")
    for key in ("province", "prefecture"):
        if d[key] is not None and d[key] not in df.columns:
            missing.append(f"{where} {key}: no column {d[key]!r}{_close(d[key], df.columns)}")
    if missing:
        problems += missing
        return None
    years = _years(df, time, where, problems)
    codes = to_codes(df, where, label, study, id_col, gdf, log, notes, problems)
    if years is None or codes is None:
        return None
    out = df.drop(columns=[c for c in ("adcode", time) if c in df.columns])
    if "adcode" in df.columns and id_col != "adcode":
        out.insert(0, "adcode_input", df["adcode"])  # the matched codes take the name; the input is kept
    out.insert(0, "year", years.to_numpy())
    out.insert(0, "adcode", codes.to_numpy())
    return out


def _wide_table(study, var, df, where, label, gdf, log, notes, problems):
    """One wide table (one column per year) as long, keyed by adcode and year."""
    from ..io import year_columns

    id_col = _wide_id(df, study)
    if id_col is None:
        problems.append(f"{where}: {label} has no id column {study.data['id']!r}{_close(study.data['id'], df.columns)}")
        return None
    try:
        ycols = year_columns(df)
    except ValueError as err:  # two headers for one year (2016年 and 2016)
        problems.append(f"{where}: {label}: {err}")
        return None
    if not ycols:  # labels such as gdp_2011, as paneldata.wide_to_long reads them
        from ..paneldata import _YEAR

        ycols = {c: int(m.group(1)) for c in df.columns if c != id_col and (m := _YEAR.search(str(c)))}
    if not ycols:
        problems.append(f"{where}: {label} has no year columns (headers like 2019 or 2019年)")
        return None
    codes = to_codes(df, where, label, study, id_col, gdf, log, notes, problems)
    if codes is None:
        return None
    keep = pd.DataFrame({"adcode": codes.to_numpy()}, index=df.index)
    frames = [keep.assign(year=year, **{var: df[c].to_numpy()}) for c, year in ycols.items()]
    long = pd.concat(frames, ignore_index=True)
    long["year"] = long["year"].astype("Int64")
    return long


def _duplicates(df: pd.DataFrame, where: str, names, problems: list[str], id_col: str | None = None) -> bool:
    dup = df.duplicated(["adcode", "year"], keep=False) & df["adcode"].notna()
    if not dup.any():
        return False
    ex = [f"{names.get(a, a)} {y}" for a, y in df.loc[dup, ["adcode", "year"]].drop_duplicates().head(4)
          .itertuples(index=False)]
    msg = f"{where}: {int(dup.sum())} rows repeat a region and year, e.g. {ex}"
    if id_col is not None and id_col in df.columns:
        spell = df.loc[dup].groupby("adcode")[id_col].agg(lambda s: sorted(set(map(str, s))))
        several = {a: v for a, v in spell.items() if len(v) > 1}
        if several:
            msg += "; spellings of one region: " + "; ".join(f"{' and '.join(v)} are all {names.get(a, a)}"
                                                            for a, v in list(several.items())[:5])
    problems.append(msg)
    return True


def _load(study, allow_outside, gdf, log, notes, inputs, lacks, problems) -> pd.DataFrame | None:
    d = study.data
    if d["dataset"] is not None:
        raw = _bundled(study, problems)
        if raw is None:
            return None
        return _long_table(study, raw, "[data]", d["dataset"], gdf, log, notes, problems)
    if d["path"] is not None:
        path = _resolve(study, d["path"], "[data] path", allow_outside, problems)
        raw = None if path is None else _read(study, path, "[data] path", inputs, problems)
        if raw is None:
            return None
        return _long_table(study, raw, "[data]", path.name, gdf, log, notes, problems)
    merged, keys = None, []
    for var, rel in d["files"].items():
        where = f"[data.files] {var}"
        path = _resolve(study, rel, where, allow_outside, problems)
        raw = None if path is None else _read(study, path, where, inputs, problems)
        long = None if raw is None else _wide_table(study, var, raw, where, path.name, gdf, log, notes, problems)
        if long is None or _duplicates(long, f"{where} ({path.name})", gdf["name_zh"], problems):
            continue
        keys.append((var, path.name, set(zip(long["adcode"], long["year"]))))
        merged = long if merged is None else merged.merge(long, on=["adcode", "year"], how="outer")
    if merged is None:
        return None
    every = set(zip(merged["adcode"], merged["year"]))
    for var, name, have in keys:  # a unit or a year that one file lacks and another has
        lack = sorted(every - have)
        if lack:
            units = sorted({a for a, _ in lack} - {a for a, _ in have})
            years = sorted({y for _, y in lack} - {y for _, y in have})
            parts = []
            if units:
                parts.append("regions " + ", ".join(str(gdf["name_zh"].get(a, a)) for a in units[:8]))
            if years:
                parts.append("years " + ", ".join(map(str, years[:8])))
            cells = [(a, y) for a, y in lack if a not in units and y not in years]
            if cells:
                parts.append("cells " + ", ".join(f"{gdf['name_zh'].get(a, a)} {y}" for a, y in cells[:8]))
            lacks[var] = f"[data.files] {var}: {name} lacks " + "; ".join(parts) + " that other files have"
    return merged.sort_values(["adcode", "year"], kind="stable").reset_index(drop=True)


def _needed_columns(study: Study, created: set[str], problems: list[str] | None = None) -> dict[str, list[str]]:
    """Which columns each part of the study reads, by where they are named.

    Columns made by the set-up (``created``: index, regions) are available to every analysis; columns an
    analysis makes (``Analysis.creates``) to the analyses after it.  Reading one of those earlier is a
    problem (added to ``problems``), as is making a column the data already has.
    """
    need: dict[str, list[str]] = {}
    ix = study.index
    if ix is not None:
        need["[index.indicators]"] = list(ix["indicators"])
    if study.weights["type"] == "economic":
        need["[weights] column"] = [study.weights["column"]]
    made = {c: name for name, opts in study.analyses for c in REGISTRY[name].creates(opts)}
    so_far: set[str] = set()
    for name, opts in study.analyses:
        cols = [opts["column"]] if opts.get("column") else []
        cols += REGISTRY[name].columns(opts)
        early = [c for c in dict.fromkeys(cols) if c in made and c not in so_far and c not in created]
        if early and problems is not None:
            problems.append(f"[analyses.{name}]: column(s) {early} are made by [analyses.{made[early[0]]}], which "
                            "must come before it in the study file")
        need[f"[analyses.{name}]"] = [c for c in dict.fromkeys(cols) if c not in created and c not in made]
        so_far |= set(REGISTRY[name].creates(opts))
    return need


def prepare(study: Study, *, allow_outside: bool = False) -> Prepared:
    """Load the data and check everything the study uses; raises StudyError listing every problem."""
    from .. import geometry

    d, level = study.data, study.data["level"]
    problems: list[str] = []
    notes: list[str] = []
    log: list[dict] = []
    inputs: list[dict] = []
    lacks: dict[str, str] = {}
    if d["prefecture"] is not None and level != "county":
        problems.append('[data] prefecture: only used with level = "county" (to tell apart county names)')
        raise StudyError(study.source, problems)
    gdf = {"province": geometry.provinces, "prefecture": geometry.prefectures, "county": geometry.counties}[level](
        include_sar=True)
    names = gdf["name_zh"]
    df = _load(study, allow_outside, gdf, log, notes, inputs, lacks, problems)
    if df is None:  # unreadable: nothing more to check (names that did not match are checked on)
        raise StudyError(study.source, problems or ["[data]: no data"])
    if d["years"] is not None:
        absent = sorted(set(d["years"]) - set(df["year"].dropna().astype(int)))
        if absent:
            problems.append(f"[data] years: {absent} are not in the data (years "
                            f"{sorted(set(df['year'].dropna().astype(int)))})")
        df = df[df["year"].isin(d["years"])].reset_index(drop=True)
    if d["path"] is not None or d["dataset"] is not None:
        _duplicates(df, "[data]", names, problems, d["id"])
    created = set()
    if study.index is not None:
        created |= {study.index["name"], *(study.index["subsystems"] or {})}
        clash = sorted(c for c in created if c in df.columns)
        if clash:
            problems.append(f"[index] name: {clash} already are columns of the data; choose other names for the index "
                            "and its sub-systems")
    if study.regions is not None:
        created.add(study.regions["name"])
        if study.regions["name"] in df.columns:
            problems.append(f"[regions] name: {study.regions['name']!r} already is a column of the data; choose "
                            "another name")
    for name, opts in study.analyses:
        mine = REGISTRY[name].creates(opts)
        clash = sorted(c for c in mine if c in df.columns or c in created)
        if clash:
            problems.append(f"[analyses.{name}] name: {clash} already are columns of the data (or of the index); "
                            "choose another name")
    made = created | {c for name, opts in study.analyses for c in REGISTRY[name].creates(opts)}
    labels = check_labels(study.labels, [*map(str, df.columns), *sorted(made)], problems)
    need = _needed_columns(study, created, problems)
    text_ok = {c for name, opts in study.analyses for c in REGISTRY[name].text_columns(opts)}
    used: list[str] = []
    for where, cols in need.items():
        missing = [c for c in cols if c not in df.columns]
        if missing:
            problems.append(f"{where}: column(s) {missing} not in the data"
                            + "".join(_close(c, df.columns) for c in missing[:3]))
            continue
        for c in cols:
            if c in text_ok:  # categories (C(col) in a formula): text is fine, gaps are not
                used.append(c)
                continue
            v = pd.to_numeric(df[c], errors="coerce")
            text = v.isna() & df[c].notna()
            if text.any():
                problems.append(f"{where}: column {c!r} has {int(text.sum())} value(s) that are not numbers, e.g. at "
                                f"{cells(df, text, names)}")
            elif np.isinf(v.to_numpy(dtype=float)).any():
                problems.append(f"{where}: column {c!r} has infinite values at {cells(df, np.isinf(v), names)}")
            else:
                df[c] = v
                used.append(c)
    years = set(df["year"].dropna().astype(int).unique().tolist())
    for name, opts in study.analyses:
        for key in ("year", "years"):
            val = opts.get(key)
            vals = [val] if isinstance(val, int) else (val if isinstance(val, list) else [])
            absent = [y for y in vals if y not in years]
            if absent and years:
                problems.append(f"[analyses.{name}] {key}: {absent} not in the data (years {min(years)}–{max(years)})")
    filled: list[dict] = []
    dropped: list[str] = []
    if problems:
        if d["missing"] == "raise":  # report missing values with the other problems
            apply_policy(df, list(dict.fromkeys(used)), "raise", names, lacks, filled, dropped, notes, problems)
        raise StudyError(study.source, problems)
    df = apply_policy(df, list(dict.fromkeys(used)), d["missing"], names, lacks, filled, dropped, notes, problems)
    if study.index is not None and not problems:
        problems += _constant_indicators(df, study)
    if problems:
        raise StudyError(study.source, problems)
    df["year"] = df["year"].astype(int)
    years = set(df["year"].unique().tolist())
    view = DataView(data=df, years=tuple(sorted(years)), names=names, study=study)
    for name, opts in study.analyses:
        problems += REGISTRY[name].check_data(opts, view)
    spatial: dict[tuple[int, ...], list[str]] = {}  # the years each analysis uses the weights in
    for name, opts in study.analyses:
        if REGISTRY[name].uses_weights:
            spatial.setdefault(tuple(REGISTRY[name].weight_years(opts, view) or view.years), []).append(name)
    for yrs, analyses in spatial.items():
        problems += _balance(view, analyses, yrs)
    gaps = "" if problems else gaps_text(view, view.years)
    if gaps:  # absent region-years that no analysis refuses: said, never computed around silently
        notes.append(f"the panel is unbalanced — {gaps}; the analyses use the regions present in each year")
    n_units = df["adcode"].nunique()
    if study.weights["type"] == "knn" and study.weights["k"] >= n_units:
        problems.append(f"[weights] k: {study.weights['k']} neighbours for {n_units} regions; k must be at most "
                        f"{n_units - 1}")
    if problems:
        raise StudyError(study.source, problems)
    gdf = gdf.loc[gdf.index.isin(set(df["adcode"]))]
    matched = "adcode" if log and all(m["kind"] == "code" for m in log) else "name"
    return Prepared(data=df.reset_index(drop=True), gdf=gdf, level=level, matched_from=matched, notes=tuple(notes),
                    inputs=tuple(inputs), matches=tuple(log), filled=tuple(filled), dropped=tuple(dropped),
                    labels=tuple(labels.items()))


def _constant_indicators(df: pd.DataFrame, study: Study) -> list[str]:
    """Indicators that do not vary (up to rounding), over all rows or, with per-year weights, in a year."""
    from .._guards import InputError, check_not_constant

    out = []
    groups = [(None, df)] if study.index["pooled"] else list(df.groupby("year"))
    for c in study.index["indicators"]:
        for year, part in groups:
            try:
                check_not_constant(part[c].dropna().to_numpy(dtype=float), column=c, method="entropy", period=year)
            except InputError as err:
                out.append(f"[index.indicators] {c}: {err}; it carries no information for the index — remove it"
                           + ("" if year is None else " or set [index] pooled = true"))
                break
    return out


def _balance(view: DataView, analyses: list[str], years: tuple[int, ...]) -> list[str]:
    """Every unit in every year of ``years``, for the analyses that use the weights in those years (names and
    years)."""
    gaps = gaps_text(view, years)
    if not gaps:
        return []
    return [f"[analyses.{', '.join(analyses)}]: the panel is unbalanced — {gaps}. These analyses use the "
            + ("spatial weights in every year, so every region must be in every year" if years == view.years else
               f"spatial weights in {', '.join(map(str, years))}, so every region must be in "
               + ("that year" if len(years) == 1 else "those years"))
            + ': fill the gaps, keep complete years with [data] years, or set [data] missing = "drop_units" or '
            '"interpolate"']

"""The study file: its keys, their types and defaults, and validation before any computation.

A study file is TOML with the sections ``[study]``, ``[data]``, ``[index]`` (optional),
``[regions]`` (optional), ``[weights]`` and ``[analyses.<name>]`` (one table per analysis, in the
order they should run).  :func:`load` reads the file, fills defaults and checks every key, type,
choice, file, column, year and name, collecting all problems into one :class:`StudyError` that
names each offending key (``[analyses.moran] permutation: unknown key; did you mean
'permutations'?``).  Nothing is computed before the whole file has passed.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ._schema import NUM, REQUIRED, Opt, StudyError, check_value, did_you_mean, type_name
from .analyses import REGISTRY

__all__ = ["ANALYSES", "SECTIONS", "Study", "StudyError", "load", "parse"]

MAX_STUDY_BYTES = 1_000_000

LANG = ("zh", "en")
LEVELS = ("province", "prefecture", "county")
SCHEMES = ("four", "three", "three_no_tibet", "coastal", "north_south", "yreb", "yellow_river", "agglomerations",
           "bth")
FIG_FORMATS = ("png", "pdf", "svg")
TABLE_FORMATS = ("csv", "xlsx", "md", "tex", "docx")

SECTIONS: dict[str, dict[str, Opt]] = {
    "study": {
        "title": Opt(str, "spatialq study", doc="title of the index page"),
        "lang": Opt(str, "zh", LANG, "language of headings, legends and labels"),
        "seed": Opt(int, 0, doc="seed of every permutation and simulation (0 to 2**63 − 1)", low=0,
                    high=2**63 - 1),
        "figure_formats": Opt(list, ["png"], doc=f"any of {FIG_FORMATS}", min_len=1),
        "table_formats": Opt(list, ["csv", "xlsx"], doc=f"any of {TABLE_FORMATS}", min_len=1),
        "dpi": Opt(int, 300, doc="PNG resolution (50–1200)", low=50, high=1200),
        "digits": Opt(int, 3, doc="decimals in formatted tables (0–10)", low=0, high=10),
        "explore": Opt(bool, False, doc="interactive LISA and Gi* maps (one self-contained HTML file each: inline "
                       "SVG, nothing loaded from the network) embedded in the index page"),
        "data_note": Opt(str, None, doc="a line under every table (after its note) and every figure, e.g. the "
                         "data source (数据来源：…) or that the data are synthetic"),
        "n_jobs": Opt(int, 1, doc="worker processes for the analyses: 1 = serial, -1 = all cores, -2 = all but one "
                      "(the outputs do not depend on it; --n-jobs overrides it)", low=-1024, high=1024),
    },
    "data": {
        "path": Opt(str, None, doc="long table (.csv, .xlsx, .parquet), relative to the study file"),
        "files": Opt(dict, None, doc="wide tables: {variable: path}, one column per year in each"),
        "dataset": Opt(str, None, ("synthetic_urbanisation", "synthetic_panel", "ai_index_provinces"),
                       "a bundled data set instead of a file"),
        "format": Opt(str, "long", ("long", "wide", "nbs"),
                      'long table, wide tables (one per variable), or "nbs": wide statistics-bureau exports'),
        "skiprows": Opt(int, None, doc="rows to skip before the header (other yearbook layouts)", low=0, high=1000),
        "header": Opt(int, None, doc="row of the header after skipping (default: detected)", low=0, high=1000),
        "footer": Opt(int, None, doc="rows to drop at the end (default: footnotes detected)", low=0, high=1000),
        "missing": Opt(str, "raise", ("raise", "drop_units", "interpolate"),
                       "missing values: an error, leave out the regions that have them, or fill gaps linearly"),
        "allow_outside": Opt(bool, False, doc="read files outside the study file's folder"),
        "id": Opt(str, "adcode", doc="column with region names or adcodes"),
        "id_type": Opt(str, "auto", ("auto", "name", "adcode"), "how to read the id column"),
        "province": Opt(str, None, doc="column with the province name (disambiguates city names)"),
        "prefecture": Opt(str, None, doc="column with the prefecture name (county level: disambiguates names)"),
        "time": Opt(str, "year"),
        "level": Opt(str, "province", LEVELS),
        "sheet": Opt((str, int), 0, doc="sheet of an .xlsx file"),
        "years": Opt(list, None, doc="keep only these years", low=1000, high=3000, max_len=500),
    },
    "index": {
        "name": Opt(str, "index", doc="name of the new column"),
        "method": Opt(str, "entropy", ("entropy", "topsis", "grey_topsis")),
        "indicators": Opt(dict, REQUIRED, doc='{column: "+" | "-"}'),
        "subsystems": Opt(dict, None, doc="{sub-system: [columns]}; sub-system scores become columns"),
        "pooled": Opt(bool, True, doc="one set of weights for all years"),
    },
    "regions": {
        "scheme": Opt(str, "four", SCHEMES),
        "name": Opt(str, "region", doc="name of the new column"),
    },
    "weights": {
        "type": Opt(str, "queen", ("queen", "rook", "knn", "inverse_distance", "economic")),
        "k": Opt(int, 4, doc="neighbours for knn (at most the number of units − 1)", low=1, high=1000),
        "threshold_km": Opt(NUM, None, doc="cut-off for inverse distance", low=1e-6),
        "power": Opt(NUM, 1.0, doc="power of inverse distance", low=0.1, high=10),
        "column": Opt(str, None, doc="variable of economic weights 1/|ȳi − ȳj|"),
        "islands": Opt(str, "nearest", ("nearest", "raise", "drop")),
    },
}

#: Every analysis's options, from the registry (:data:`spatialq.study.analyses.REGISTRY`).
ANALYSES: Mapping[str, Mapping[str, Opt]] = MappingProxyType({name: a.options for name, a in REGISTRY.items()})


@dataclass(frozen=True)
class Study:
    """A validated study: options with defaults filled, the data path(s) resolved."""

    source: str
    base: Path
    study: Mapping[str, Any]
    data: Mapping[str, Any]
    index: Mapping[str, Any] | None
    regions: Mapping[str, Any] | None
    weights: Mapping[str, Any]
    analyses: tuple[tuple[str, Mapping[str, Any]], ...]
    labels: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))  # [labels]; prepare checks


def _section(where: str, raw: Mapping, schema: Mapping[str, Opt], problems: list[str]) -> dict:
    if not isinstance(raw, Mapping):
        problems.append(f"{where} must be a table, got {raw!r}")
        return {}
    out = {}
    for key in raw:
        if key not in schema:
            problems.append(f"{where} {key}: unknown key{did_you_mean(key, schema)} (allowed: {', '.join(schema)})")
    for key, opt in schema.items():
        if key in raw:
            out[key] = check_value(where, key, raw[key], opt, problems)
        elif opt.default is REQUIRED:
            problems.append(f"{where} {key}: required key is missing ({opt.doc or type_name(opt.type)})")
        else:
            out[key] = opt.default
    return out


def parse(raw: Mapping, *, source: str = "<study>", base: Path | None = None) -> Study:
    """Check the structure of a parsed study file (keys, types, choices); see :func:`load`."""
    problems: list[str] = []
    allowed = [*SECTIONS, "analyses", "labels"]
    for key in raw:
        if key not in allowed:
            problems.append(f"[{key}]: unknown section{did_you_mean(key, allowed)} (sections: {', '.join(allowed)})")
    for key in ("data", "analyses"):
        if key not in raw:
            problems.append(f"[{key}]: required section is missing")
    sec = {name: _section(f"[{name}]", raw.get(name, {}), schema, problems) if (name in raw or name in
           ("study", "weights", "data")) else None for name, schema in SECTIONS.items()}
    analyses = []
    raw_an = raw.get("analyses", {})
    if not isinstance(raw_an, Mapping) or (raw_an == {} and "analyses" in raw):
        problems.append("[analyses]: list at least one analysis, e.g. [analyses.moran]")
        raw_an = {}
    for name, opts in raw_an.items():
        if name not in ANALYSES:
            problems.append(f"[analyses.{name}]: unknown analysis{did_you_mean(name, ANALYSES)} "
                            f"(available: {', '.join(ANALYSES)})")
            continue
        analyses.append((name, MappingProxyType(_section(f"[analyses.{name}]", opts, ANALYSES[name], problems))))
    labels = raw.get("labels", {})
    if not isinstance(labels, Mapping):
        problems.append(f'[labels] must be a table of column = "label", got {labels!r}')
        labels = {}
    _check_semantics(sec, dict(analyses), problems)
    if problems:
        raise StudyError(source, problems)
    return Study(source=source, base=base or Path.cwd(), study=MappingProxyType(sec["study"]),
                 data=MappingProxyType(sec["data"]), index=None if sec["index"] is None else
                 MappingProxyType(sec["index"]), regions=None if sec["regions"] is None else
                 MappingProxyType(sec["regions"]), weights=MappingProxyType(sec["weights"]),
                 analyses=tuple(analyses), labels=MappingProxyType(dict(labels)))


def _check_semantics(sec: dict, analyses: dict, problems: list[str]) -> None:
    st, data, ix = sec["study"], sec["data"] or {}, sec["index"]
    if st.get("n_jobs") == 0 and not isinstance(st.get("n_jobs"), bool):
        problems.append("[study] n_jobs: 0 is not a number of processes; use 1 (serial), N (N processes) or -1 "
                        "(all cores)")
    for key, allowed in (("figure_formats", FIG_FORMATS), ("table_formats", TABLE_FORMATS)):
        bad = [f for f in st.get(key) or [] if f not in allowed]
        if bad:
            problems.append(f"[study] {key}: {bad} not in {list(allowed)}")
    import importlib.util

    for fmt, module, extra in (("xlsx", "openpyxl", "excel"), ("docx", "docx", "docx")):
        if fmt in (st.get("table_formats") or []) and importlib.util.find_spec(module) is None:
            problems.append(f"[study] table_formats: {fmt!r} needs {module}, which is not installed: "
                            f"pip install 'spatialq[{extra}]' (or leave {fmt!r} out)")
    sources = [k for k in ("path", "files", "dataset") if data.get(k) is not None]
    if len(sources) != 1:
        problems.append("[data]: give exactly one of path (a long table), files (wide tables) or dataset "
                        f"(bundled), got {sources or 'none'}")
    if data.get("files") is not None and data.get("format") not in ("wide", "nbs"):
        problems.append('[data] files: wide tables need format = "wide" (or "nbs" for statistics-bureau exports)')
    if data.get("format") in ("wide", "nbs") and data.get("files") is None:
        problems.append(f'[data] format = "{data.get("format")}" needs files = {{variable = "path", ...}} (one table '
                        "per variable)")
    for var, rel in (data.get("files") or {}).items():
        if not isinstance(rel, str) or "\x00" in rel:
            problems.append(f"[data.files] {var}: expected a file path, got {rel!r}")
        if var in ("adcode", "year", "adcode_input", data.get("id"), data.get("time")):
            problems.append(f"[data.files] {var}: {var!r} is reserved (ids and years); name the variable otherwise")
    if isinstance(data.get("path"), str) and "\x00" in data["path"]:
        problems.append(f"[data] path: {data['path']!r} is not a file path")
    if ix is not None:
        for col, d in (ix.get("indicators") or {}).items():
            if d not in ("+", "-", 1, -1):
                problems.append(f'[index.indicators] {col}: direction must be "+" or "-", got {d!r}')
        subs = ix.get("subsystems") or {}
        assigned = [c for cols in subs.values() for c in (cols if isinstance(cols, list) else [])]
        for s, cols in subs.items():
            if not isinstance(cols, list):
                problems.append(f"[index.subsystems] {s}: expected a list of indicator columns, got {cols!r}")
        twice = sorted({c for c in assigned if assigned.count(c) > 1})
        for c in twice:
            problems.append(f"[index.subsystems]: indicator {c!r} is listed in "
                            f"{[s for s, cols in subs.items() if isinstance(cols, list) and c in cols]}; "
                            "each indicator belongs to one sub-system")
        if subs:
            unknown = sorted(set(assigned) - set(ix.get("indicators") or {}))
            missing = sorted(set(ix.get("indicators") or {}) - set(assigned))
            if unknown:
                problems.append(f"[index.subsystems]: {unknown} are not indicators in [index.indicators]")
            if missing:
                problems.append(f"[index.subsystems]: indicators {missing} belong to no sub-system")
    w = sec["weights"]
    if w.get("type") == "economic" and not w.get("column"):
        problems.append('[weights] column: economic weights need the variable, e.g. column = "ln_gdp_pc"')
    for name, opts in analyses.items():
        if "column" in opts and opts["column"] is None and ix is None:
            problems.append(f"[analyses.{name}] column: there is no [index]; name the variable to analyse")
        if all(key in opts for key in REGISTRY[name].options):  # a missing required key is reported already
            problems += REGISTRY[name].check(opts, sec)
    if ix is not None:
        taken = {"adcode", "year", "adcode_input", *(ix.get("indicators") or {})}
        names = {"[index] name": ix.get("name"), **{f"[index.subsystems] {s}": s for s in ix.get("subsystems") or {}}}
        if sec["regions"] is not None:
            names["[regions] name"] = sec["regions"].get("name")
        seen: dict = {}
        for where, value in names.items():
            if value in taken:
                problems.append(f"{where}: {value!r} is already a column (reserved or an indicator); choose "
                                "another name")
            elif value in seen:
                problems.append(f"{where}: {value!r} is also {seen[value]}; choose another name")
            seen.setdefault(value, where)


def load(path) -> Study:
    """Read and validate a study file (structure only; :func:`spatialq.study.prepare` checks the data)."""
    path = Path(path)
    if not path.is_file():
        raise StudyError(str(path), [f"the file {path} does not exist" if not path.exists() else
                                     f"{path} is not a file"])
    if path.stat().st_size > MAX_STUDY_BYTES:
        raise StudyError(path.name, [f"the file is {path.stat().st_size:,} bytes; a study file is at most "
                                     f"{MAX_STUDY_BYTES:,}"])
    data = path.read_bytes()
    text = None
    for enc in ("utf-8-sig", "gb18030"):  # as data files: UTF-8 (with or without BOM), GBK/GB18030
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise StudyError(path.name, ["cannot decode the file as UTF-8 or GB18030; save it as UTF-8"])
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise StudyError(path.name, [f"not valid TOML: {err}"]) from None
    return parse(raw, source=path.name, base=path.resolve().parent)

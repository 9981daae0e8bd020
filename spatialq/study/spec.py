"""The study file: its keys, their types and defaults, and validation before any computation.

A study file is TOML with the sections ``[study]``, ``[data]``, ``[index]`` (optional),
``[regions]`` (optional), ``[weights]`` and ``[analyses.<name>]`` (one table per analysis, in the
order they should run).  :func:`load` reads the file, fills defaults and checks every key, type,
choice, file, column, year and name, collecting all problems into one :class:`StudyError` that
names each offending key (``[analyses.moran] permutation: unknown key; did you mean
'permutations'?``).  Nothing is computed before the whole file has passed.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

__all__ = ["ANALYSES", "SECTIONS", "Study", "StudyError", "load", "parse"]

REQUIRED = object()


class StudyError(ValueError):
    """A study file that cannot be run; the message lists every problem found."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = list(problems)
        n = len(problems)
        head = f"study file {source} has {n} problem{'s' if n > 1 else ''}: "
        body = problems[0] if n == 1 else " ".join(f"({i}) {p}" for i, p in enumerate(problems, 1))
        super().__init__(head + body)


@dataclass(frozen=True)
class Opt:
    """One key: accepted type(s), default (``REQUIRED`` if none), allowed values."""

    type: type | tuple
    default: Any = REQUIRED
    choices: tuple | None = None
    doc: str = ""


LANG = ("zh", "en")
LEVELS = ("province", "prefecture", "county")
SCHEMES = ("four", "three", "three_no_tibet", "coastal", "north_south", "yreb", "yellow_river", "agglomerations",
           "bth")
FIG_FORMATS = ("png", "pdf", "svg")
TABLE_FORMATS = ("csv", "xlsx", "md", "tex", "docx")
NUM = (int, float)

SECTIONS: dict[str, dict[str, Opt]] = {
    "study": {
        "title": Opt(str, "spatialq study", doc="title of the index page"),
        "lang": Opt(str, "zh", LANG, "language of headings, legends and labels"),
        "seed": Opt(int, 0, doc="seed of every permutation and simulation"),
        "figure_formats": Opt(list, ["png"], doc=f"any of {FIG_FORMATS}"),
        "table_formats": Opt(list, ["csv", "xlsx"], doc=f"any of {TABLE_FORMATS}"),
        "dpi": Opt(int, 300, doc="PNG resolution"),
        "digits": Opt(int, 3, doc="decimals in formatted tables"),
    },
    "data": {
        "path": Opt(str, None, doc="long table (.csv, .xlsx, .parquet), relative to the study file"),
        "files": Opt(dict, None, doc="wide tables: {variable: path}, one column per year in each"),
        "dataset": Opt(str, None, ("synthetic_urbanisation", "synthetic_panel", "ai_index_provinces"),
                       "a bundled data set instead of a file"),
        "format": Opt(str, "long", ("long", "wide")),
        "id": Opt(str, "adcode", doc="column with region names or adcodes"),
        "id_type": Opt(str, "auto", ("auto", "name", "adcode"), "how to read the id column"),
        "province": Opt(str, None, doc="column with the province name (disambiguates city names)"),
        "prefecture": Opt(str, None, doc="column with the prefecture name (county level: disambiguates names)"),
        "time": Opt(str, "year"),
        "level": Opt(str, "province", LEVELS),
        "sheet": Opt((str, int), 0, doc="sheet of an .xlsx file"),
        "years": Opt(list, None, doc="keep only these years"),
    },
    "index": {
        "name": Opt(str, "index", doc="name of the new column"),
        "method": Opt(str, "entropy", ("entropy", "topsis")),
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
        "k": Opt(int, 4, doc="neighbours for knn"),
        "threshold_km": Opt(NUM, None, doc="cut-off for inverse distance"),
        "power": Opt(NUM, 1.0, doc="power of inverse distance"),
        "column": Opt(str, None, doc="variable of economic weights 1/|ȳi − ȳj|"),
        "islands": Opt(str, "nearest", ("nearest", "raise", "drop")),
    },
}

_COL = Opt(str, None, doc="variable to analyse (default: the index)")
_YEAR = Opt(int, None, doc="year to show or use (default: the last)")
_YEARS = Opt(list, None, doc="years of an extra panel of maps (default: none)")
ANALYSES: dict[str, dict[str, Opt]] = {
    "describe": {"columns": Opt(list, None, doc="variables (default: indicators and the index)")},
    "maps": {"column": _COL, "years": Opt(list, None, doc="years of the small multiples (default: up to four, "
                                                         "evenly spaced)"),
             "scheme": Opt(str, "quantiles"), "k": Opt(int, 5), "cmap": Opt(str, "YlOrRd")},
    "kde": {"column": _COL, "bandwidth": Opt((str, float, int), "silverman"), "by_region": Opt(bool, True)},
    "moran": {"column": _COL, "permutations": Opt(int, 999), "transform": Opt(str, "r", ("r", "b"))},
    "lisa": {"column": _COL, "year": _YEAR, "years": _YEARS, "permutations": Opt(int, 999), "alpha": Opt(NUM, 0.05),
             "fdr": Opt(bool, False)},
    "gi_star": {"column": _COL, "year": _YEAR, "years": _YEARS, "scheme": Opt(str, "bins", ("bins", "breaks"))},
    "ellipse": {"column": _COL, "years": Opt(list, None), "method": Opt(str, "arcgis", ("arcgis", "crimestat")),
                "n_std": Opt(NUM, 1)},
    "dagum": {"column": _COL, "years": Opt(list, None)},
    "theil": {"column": _COL},
    "convergence": {"column": _COL, "kind": Opt(list, ["sigma", "beta"]), "panel": Opt(bool, True)},
    "markov": {"column": _COL, "classes": Opt(int, 4), "step": Opt(int, 1),
               "cutpoints": Opt(str, "pooled", ("pooled", "per_year"))},
    "spatial_markov": {"column": _COL, "classes": Opt(int, 4), "lag_classes": Opt(int, None), "step": Opt(int, 1)},
    "coupling": {"systems": Opt(list, REQUIRED, doc="sub-systems of the index (or 0–1 columns)"),
                 "year": _YEAR, "years": _YEARS},
    "detector": {"column": _COL, "factors": Opt(list, REQUIRED), "year": Opt((int, str), None,
                                                                             doc='a year, or "pooled"'),
                 "discretize": Opt(str, "optimal", ("optimal", "quantile", "equal", "natural", "geometric", "sd")),
                 "k": Opt(list, [3, 4, 5])},
    "forest": {"column": _COL, "factors": Opt(list, REQUIRED), "n_estimators": Opt(int, 300)},
    "regression": {"formula": Opt(str, REQUIRED, doc='e.g. "index ~ x1 + x2"'),
                   "models": Opt(list, ["sar", "sem", "sdm"]), "effects": Opt(str, "twoways",
                                                                            ("twoways", "individual", "time", "none")),
                   "lee_yu": Opt(bool, True), "n_draws": Opt(int, 1000), "lm_tests": Opt(bool, True)},
}
MODELS = ("ols", "slx", "sar", "sem", "sdm", "sdem", "sac")


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


def _did_you_mean(word: str, options) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _type_name(t) -> str:
    ts = t if isinstance(t, tuple) else (t,)
    names = {str: "a string", int: "an integer", float: "a number", bool: "true/false", list: "a list",
             dict: "a table"}
    return " or ".join(dict.fromkeys(names.get(x, x.__name__) for x in ts))


def _check_value(where: str, key: str, value, opt: Opt, problems: list[str]) -> Any:
    types = opt.type if isinstance(opt.type, tuple) else (opt.type,)
    ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
    if not ok:
        problems.append(f"{where} {key}: expected {_type_name(opt.type)}, got {value!r}")
        return value
    if opt.choices is not None and value not in opt.choices:
        problems.append(f"{where} {key}: {value!r} is not one of {list(opt.choices)}"
                        f"{_did_you_mean(str(value), opt.choices)}")
    return value


def _section(where: str, raw: Mapping, schema: Mapping[str, Opt], problems: list[str]) -> dict:
    if not isinstance(raw, Mapping):
        problems.append(f"{where} must be a table, got {raw!r}")
        return {}
    out = {}
    for key in raw:
        if key not in schema:
            problems.append(f"{where} {key}: unknown key{_did_you_mean(key, schema)} (allowed: {', '.join(schema)})")
    for key, opt in schema.items():
        if key in raw:
            out[key] = _check_value(where, key, raw[key], opt, problems)
        elif opt.default is REQUIRED:
            problems.append(f"{where} {key}: required key is missing ({opt.doc or _type_name(opt.type)})")
        else:
            out[key] = opt.default
    return out


def parse(raw: Mapping, *, source: str = "<study>", base: Path | None = None) -> Study:
    """Check the structure of a parsed study file (keys, types, choices); see :func:`load`."""
    problems: list[str] = []
    allowed = [*SECTIONS, "analyses"]
    for key in raw:
        if key not in allowed:
            problems.append(f"[{key}]: unknown section{_did_you_mean(key, allowed)} (sections: {', '.join(allowed)})")
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
            problems.append(f"[analyses.{name}]: unknown analysis{_did_you_mean(name, ANALYSES)} "
                            f"(available: {', '.join(ANALYSES)})")
            continue
        analyses.append((name, MappingProxyType(_section(f"[analyses.{name}]", opts, ANALYSES[name], problems))))
    _check_semantics(sec, dict(analyses), problems)
    if problems:
        raise StudyError(source, problems)
    return Study(source=source, base=base or Path.cwd(), study=MappingProxyType(sec["study"]),
                 data=MappingProxyType(sec["data"]), index=None if sec["index"] is None else
                 MappingProxyType(sec["index"]), regions=None if sec["regions"] is None else
                 MappingProxyType(sec["regions"]), weights=MappingProxyType(sec["weights"]),
                 analyses=tuple(analyses))


def _check_semantics(sec: dict, analyses: dict, problems: list[str]) -> None:
    st, data, ix = sec["study"], sec["data"] or {}, sec["index"]
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
    if data.get("files") is not None and data.get("format") != "wide":
        problems.append('[data] files: wide tables need format = "wide"')
    if data.get("format") == "wide" and data.get("files") is None:
        problems.append('[data] format = "wide" needs files = {variable = "path", ...} (one table per variable)')
    if ix is not None:
        for col, d in (ix.get("indicators") or {}).items():
            if d not in ("+", "-", 1, -1):
                problems.append(f'[index.indicators] {col}: direction must be "+" or "-", got {d!r}')
        subs = ix.get("subsystems") or {}
        assigned = [c for cols in subs.values() for c in (cols if isinstance(cols, list) else [])]
        for s, cols in subs.items():
            if not isinstance(cols, list):
                problems.append(f"[index.subsystems] {s}: expected a list of indicator columns, got {cols!r}")
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
        if name == "regression":
            bad = [m for m in opts["models"] if m not in MODELS]
            if not opts["models"]:
                problems.append(f"[analyses.regression] models: name at least one of {list(MODELS)}")
            if bad:
                problems.append(f"[analyses.regression] models: {bad} not in {list(MODELS)}")
        if name == "convergence":
            bad = [k for k in opts["kind"] if k not in ("sigma", "beta")]
            if bad:
                problems.append(f'[analyses.convergence] kind: {bad} not in ["sigma", "beta"]')
        if name == "detector" and isinstance(opts.get("year"), str) and opts["year"] != "pooled":
            problems.append(f'[analyses.detector] year: a year or "pooled", got {opts["year"]!r}')
        if name in ("dagum", "theil") and sec["regions"] is None:
            problems.append(f"[analyses.{name}]: needs a [regions] section (the groups to decompose by)")
        if name == "forest":
            if importlib.util.find_spec("sklearn") is None:
                problems.append("[analyses.forest]: needs scikit-learn, which is not installed: "
                                "pip install 'spatialq[forest]'")
        if name == "coupling" and len(opts.get("systems") or []) < 2:
            problems.append("[analyses.coupling] systems: at least two sub-systems are needed")


def load(path) -> Study:
    """Read and validate a study file (structure only; :func:`spatialq.study.prepare` checks the data)."""
    path = Path(path)
    if not path.exists():
        raise StudyError(str(path), [f"the file {path} does not exist"])
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise StudyError(str(path), [f"not valid TOML: {err}"]) from None
    return parse(raw, source=path.name, base=path.resolve().parent)

"""An annotated study file with every key, made from the schema (so it never drifts from it).

``spatialq template > study.toml`` writes it; edit the data section and the indicators, delete the
analyses you do not need, and run ``spatialq run study.toml``.
"""

from __future__ import annotations

from ._schema import REQUIRED, Opt
from .analyses import REGISTRY
from .spec import SECTIONS

__all__ = ["template"]

# placeholders for required keys and for the commented-out alternatives
_EXAMPLES = {
    ("data", "path"): "data.csv",
    ("data", "files"): '{gdp = "gdp_wide.csv", population = "population_wide.csv"}',
    ("data", "dataset"): "synthetic_urbanisation",
    ("data", "province"): "province",
    ("data", "prefecture"): "prefecture",
    ("data", "years"): "[2011, 2015, 2019, 2022]",
    ("index", "indicators"): None,  # written as its own table
    ("index", "subsystems"): None,
    ("weights", "threshold_km"): "1000",
    ("weights", "column"): "ln_gdp_pc",
}


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


def _line(section: str, key: str, opt: Opt) -> str:
    note = opt.doc or ""
    if opt.choices:
        note = (note + "; " if note else "") + "one of " + ", ".join(map(str, opt.choices))
    comment = f"  # {note}" if note else ""
    example = _EXAMPLES.get((section, key))
    if example is None and section in REGISTRY:
        example = REGISTRY[section].examples.get(key)
    if opt.default is REQUIRED:
        return f"{key} = {example if example is not None else _toml('...')}{comment}"
    if opt.default is None:
        shown = example if example is not None else "..."
        if isinstance(example, str) and not example.startswith(("[", "{", '"')) and not example.isdigit():
            shown = _toml(example)
        return f"# {key} = {shown}{comment}"
    return f"{key} = {_toml(opt.default)}{comment}"


def template() -> str:
    """The text of an annotated study file: every section and analysis with its keys and defaults."""
    out = ["# spatialq study file: every key with its default (see docs/study.md).",
           "# Edit [data] and [index], delete the analyses you do not need, then: spatialq run study.toml", ""]
    for section, keys in SECTIONS.items():
        out.append(f"[{section}]")
        for key, opt in keys.items():
            if (section, key) in (("index", "indicators"), ("index", "subsystems")):
                continue
            if section == "data" and key == "path":
                out.append(f'path = "data.csv"  # {opt.doc}')
                continue
            out.append(_line(section, key, opt))
        if section == "index":
            out += ["", "[index.indicators]  # column = \"+\" (benefit) or \"-\" (cost)", 'x1 = "+"', 'x2 = "+"',
                    'x3 = "-"', "", "# [index.subsystems]  # optional: sub-system = [columns]",
                    '# economic = ["x1", "x2"]', '# ecological = ["x3"]']
        out.append("")
    out += ["# [labels]  # optional: a label per variable, used in every figure and table (column = \"label\")",
            '# x1 = "人均GDP（元）"', ""]
    out.append("# Analyses run in the order listed; `column` defaults to the index.")
    for name, a in REGISTRY.items():
        off = a.template_off  # needs an optional extra / sub-systems: off until asked for
        head = f"[analyses.{name}]  # {a.summary}"
        out.append(("# " if off else "") + head)
        for key, opt in a.options.items():
            line = _line(name, key, opt)
            out.append(("# " + line) if off and not line.startswith("#") else line)
        out.append("")
    return "\n".join(out)


BEGIN_MARK = "<!-- analyses: generated from spatialq.study.analyses by tools/build_api_docs.py; do not edit -->"
END_MARK = "<!-- end of generated analyses -->"


def _default(opt: Opt) -> str:
    if opt.default is REQUIRED:
        return "required"
    if opt.default is None:
        return "—"
    return _toml(opt.default).replace("|", "\\|")


def reference() -> str:
    """The Markdown reference of every analysis (a table per analysis: key, default, meaning), made from
    the registry; ``docs/study.md`` carries it between :data:`BEGIN_MARK` and :data:`END_MARK`."""
    out = [BEGIN_MARK, ""]
    for name, a in REGISTRY.items():
        out += [f"#### `{name}`", "", a.summary[0].upper() + a.summary[1:] + ".", ""]
        if a.uses_weights:
            out += ["Uses the spatial weights in every year: every region must be present in every year "
                    "(checked before the run).", ""]
        out += ["| key | default | meaning |", "| --- | --- | --- |"]
        for key, opt in a.options.items():
            note = opt.doc or ""
            if opt.choices:
                note = (note + "; " if note else "") + "one of " + ", ".join(f'"{c}"' for c in opt.choices)
            out.append(f"| `{key}` | {_default(opt)} | {note.replace('|', '/')} |")
        out.append("")
    out.append(END_MARK)
    return "\n".join(out)

"""Write the API reference pages docs/api/<module>.md from each public module's ``__all__``.

Each page renders the module docstring and then every public function and class by its
defining path (``spatialq.hotspot.moran.moran``), because several packages re-export a
function that has the name of its submodule, which mkdocstrings would otherwise show as the
module.  Constants are listed by name.  Run from the repository root after changing a module's
``__all__``; ``tests/test_docs.py`` fails while the pages are out of date.

    python tools/build_api_docs.py
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

MODULES = ["geometry", "io", "weights", "paneldata", "index", "inequality", "density", "density_conditional",
           "hotspot", "ellipse", "markov", "detector", "regression", "local", "panel", "policy", "network",
           "efficiency", "batch", "interop", "formula", "report", "plot", "study", "datasets"]
PAGE = {"index": "indices"}  # api/index.md would collide with the section's index page
ROOT = Path(__file__).resolve().parents[1]


def page(module: str) -> str:
    mod = importlib.import_module(f"spatialq.{module}")
    lines = [f"# spatialq.{module}", "", f"::: spatialq.{module}", "    options:", "      members: false",
             "      show_root_heading: false", ""]
    constants = []
    for name in mod.__all__:
        obj = getattr(mod, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            lines += [f"::: {obj.__module__}.{obj.__qualname__}", "    options:", "      heading_level: 2", ""]
        else:
            constants.append(name)
    if constants:
        lines += ["## Constants", "", *[f"- `spatialq.{module}.{c}`" for c in constants], ""]
    return "\n".join(lines)


def pages() -> dict[str, str]:
    return {f"{PAGE.get(m, m)}.md": page(m) for m in MODULES}


def study_page(text: str) -> str:
    """``docs/study.md`` with its analyses reference regenerated from the registry."""
    from spatialq.study.template import BEGIN_MARK, END_MARK, reference

    a, b = text.index(BEGIN_MARK), text.index(END_MARK) + len(END_MARK)
    return text[:a] + reference() + text[b:]


if __name__ == "__main__":
    out = ROOT / "docs" / "api"
    out.mkdir(parents=True, exist_ok=True)
    for name, text in pages().items():
        (out / name).write_text(text, encoding="utf-8")
        print("wrote", out / name)
    study = ROOT / "docs" / "study.md"
    study.write_text(study_page(study.read_text(encoding="utf-8")), encoding="utf-8")
    print("wrote the analyses reference of", study)

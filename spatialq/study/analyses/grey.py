"""``[analyses.grey]``: grey relational analysis (Deng) of factors against a reference series (default: the index).

Calls :func:`spatialq.index.grey_relation`: each series made dimensionless (``scaling``), Deng's relational
coefficients with the two-level extremes over all factors, relational degrees and their ranks — pooled over
all region-years, per region (over its years) or per year (over the regions).  Writes the degrees table and a
bar chart (pooled) or a heat map.
"""

from __future__ import annotations

import numpy as np

from .._schema import NUM, REQUIRED, Opt
from . import Analysis
from ._common import COLUMN, col, named, t


def step(ctx, opts) -> None:
    from ... import index

    ref = col(ctx, opts)
    res = index.grey_relation(ctx.data, ref, opts["factors"], rho=opts["rho"], scaling=opts["scaling"],
                              by=opts["by"])
    deg = res.to_frame()
    lab = (lambda s: ctx.labels.get(s) or s) if ctx.labels else (lambda s: s)
    caption = t(ctx, f"灰色关联度（参考序列：{ref}，ρ = {opts['rho']:g}）",
                f"Grey relational degrees (reference: {ref}, ρ = {opts['rho']:g})")
    if opts["by"] == "pooled":
        deg.insert(1, t(ctx, "因素", "label"), deg["factor"].map(lab))
        ctx.table("grey_degrees", deg, caption)
    else:
        key = "adcode" if opts["by"] == "unit" else "year"
        wide = deg.pivot(index=key, columns="factor", values="degree")[list(res.compare)].reset_index()
        wide.columns.name = None
        ctx.table("grey_degrees", named(ctx, wide) if key == "adcode" else wide, caption)
        mean = deg.groupby("factor", sort=False)["degree"].mean()
        summary = mean.rename("degree").reset_index()
        summary["rank"] = summary["degree"].rank(ascending=False, method="first").astype(int)
        summary = summary.sort_values("rank")
        ctx.table("grey_mean", summary, t(ctx, "灰色关联度均值及排序", "Mean grey relational degrees and ranks"))
    from ...plot._mpl import new_axes

    rows = 1 if opts["by"] == "pooled" else deg.iloc[:, 0].nunique()
    size = ((6.4, max(3.0, 1.2 + 0.4 * len(res.compare))) if opts["by"] == "pooled"
            else (max(6.4, 2.0 + 0.7 * len(res.compare)), max(4.8, 1.5 + 0.3 * rows)))
    ax = res.plot(ax=new_axes(size))
    if opts["by"] == "pooled":
        d = deg.sort_values("degree")
        ax.set_yticks(range(len(d)), labels=[lab(f) for f in d["factor"]])
        ax.set_xlabel(t(ctx, "灰色关联度", "grey relational degree"))
    elif opts["by"] == "unit":
        ids = sorted(deg["adcode"].unique())
        ax.set_yticks(range(len(ids)), labels=list(ctx.names.reindex(ids).fillna("").astype(str)))
    title = t(ctx, f"灰色关联度（参考序列：{ref}）", f"Grey relational degrees (reference: {ref})")
    ax.set_title(title)  # no ρ in the figure: the bundled CJK subset has no Greek letters
    ctx.figure("grey_degrees", ax, caption)


def _check(opts, sections) -> list[str]:
    problems = []
    if opts["scaling"] == "initial" and opts["by"] != "unit":
        problems.append('[analyses.grey] scaling: "initial" divides by the first year, so it needs by = "unit" '
                        '(use "mean" or "minmax" for a pooled or per-year analysis)')
    ref = opts.get("column") or (sections.get("index") or {}).get("name")
    if ref is not None and ref in (opts.get("factors") or []):
        problems.append(f"[analyses.grey] factors: {ref!r} is the reference series; remove it from the factors")
    twice = sorted({f for f in opts.get("factors") or [] if list(opts["factors"]).count(f) > 1})
    if twice:
        problems.append(f"[analyses.grey] factors: {twice} listed twice")
    return problems


def _check_data(opts, view) -> list[str]:
    """The scaling's divisors, per group, for the factors (and a given reference column)."""
    cols = [c for c in [opts.get("column"), *(opts.get("factors") or [])] if c and c in view.data.columns]
    d = view.data
    key = {"pooled": None, "unit": "adcode", "year": "year"}[opts["by"]]
    groups = [(None, d)] if key is None else list(d.groupby(key, sort=True))
    for g, part in groups:
        where = "" if g is None else (f" for {view.names.get(g, g)}" if key == "adcode" else f" in {g}")
        if len(part) < 2:
            return [f"[analyses.grey] by: {len(part)} observation{where}; grey relational analysis needs at least 2"]
        part = part.sort_values(["adcode", "year"])
        for c in cols:
            v = part[c].astype(float).to_numpy()
            if opts["scaling"] == "minmax" and np.ptp(v) == 0:
                return [f"[analyses.grey] scaling: {c!r} is constant{where}; min–max scaling divides by zero"]
            if opts["scaling"] == "mean" and v.mean() == 0:
                return [f"[analyses.grey] scaling: {c!r} has mean 0{where}; use scaling = \"minmax\""]
            if opts["scaling"] == "initial" and v[0] == 0:
                return [f"[analyses.grey] scaling: {c!r} is 0 in the first year{where}; use scaling = \"mean\""]
    return []


ANALYSIS = Analysis(
    name="grey", order=136,
    summary="grey relational analysis (Deng): relational degrees of factors with the index (or a column), ranked",
    options={"column": COLUMN,
             "factors": Opt(list, REQUIRED, doc="compared factor columns", min_len=1, max_len=100),
             "rho": Opt(NUM, 0.5, doc="distinguishing coefficient ρ", low=0.01, high=1.0),
             "scaling": Opt(str, "mean", ("mean", "initial", "minmax", "none"),
                            doc="dimensionless scaling of every series (均值化, 初值化, 区间值化, none)"),
             "by": Opt(str, "pooled", ("pooled", "unit", "year"),
                       doc="one analysis over all region-years, one per region (over years) or one per year")},
    step=step, columns=lambda opts: list(opts.get("factors") or []), check=_check, check_data=_check_data,
    template_off=True,
    examples={"factors": '["ln_gdp_pc", "openness"]'})

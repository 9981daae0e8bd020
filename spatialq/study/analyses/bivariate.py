"""``[analyses.bivariate]``: bivariate Moran's I and bivariate LISA of ``column`` (x) against the spatial lag of
``y``; optionally differential Moran's I of ``column`` between the first and last year.

Calls :func:`spatialq.hotspot.bivariate_moran`, :func:`~spatialq.hotspot.bivariate_local_moran` and (with
``differential = true``) :func:`~spatialq.hotspot.differential_moran`; writes the global table, the
membership table of the bivariate clusters, the per-region table and the cluster map.
"""

from __future__ import annotations

from .._schema import REQUIRED, Opt
from . import Analysis
from ._common import ALPHA, COLUMN, PERMUTATIONS, YEAR, YEARS, col, last_year, members, named, t, unit_table_and_map

CODES = ["HH", "LH", "LL", "HL"]
ZH = ("高-高", "低-高", "低-低", "高-低")
EN = ("High-High", "Low-High", "Low-Low", "High-Low")


def step(ctx, opts) -> None:
    from ... import hotspot

    x, y, year = col(ctx, opts), opts["y"], last_year(ctx, opts)
    g = hotspot.bivariate_moran(ctx.data, x, y, ctx.w, permutations=opts["permutations"], seed=ctx.seed)
    ctx.table("bivariate_moran", g.to_frame()[["year", "n", "I", "z_rand", "p_rand", "p_sim"]],
              t(ctx, f"双变量全局莫兰指数（{x} 与 {y} 的空间滞后）", f"Bivariate Moran's I ({x} vs lag of {y})"))
    res = hotspot.bivariate_local_moran(ctx.data, x, y, ctx.w, permutations=opts["permutations"],
                                        alpha=opts["alpha"], fdr_correction=opts["fdr"], seed=ctx.seed)
    ctx.table("bivariate_lisa_types", members(ctx, res.to_frame(), "cluster", CODES, ZH, EN),
              t(ctx, "双变量 LISA 集聚类型及其地区", "Regions by bivariate LISA cluster type"))
    unit_table_and_map(ctx, res, "bivariate_lisa", ("双变量局部莫兰指数", "Bivariate local Moran's I"), year,
                       (f"双变量 LISA 集聚图（{year}）", f"Bivariate LISA cluster map ({year})"), opts["years"])
    if opts["differential"]:
        d = hotspot.differential_moran(ctx.data, x, ctx.w, permutations=opts["permutations"], alpha=opts["alpha"],
                                       seed=ctx.seed)
        span = f"{d.start}–{d.end}"
        g = d.global_.to_frame()[["n", "I", "expectation", "z_rand", "p_rand", "p_sim"]]
        g.insert(0, "end", d.end)
        g.insert(0, "start", d.start)
        ctx.table("differential_moran", g, t(ctx, f"差分莫兰指数（{span}）", f"Differential Moran's I ({span})"))
        ctx.table("differential_lisa", named(ctx, d.to_frame()),
                  t(ctx, f"变化量的 LISA（{span}）", f"LISA of the change ({span})"))
        title = t(ctx, f"变化量的 LISA 集聚图（{span}）", f"LISA cluster map of the change ({span})")
        ctx.figure("differential_lisa_map", d.plot(gdf=ctx.gdf, lang=ctx.lang, title=title), title)


def _check(opts, sections) -> list[str]:
    if opts.get("column") and opts["column"] == opts["y"]:
        return [f"[analyses.bivariate] y: {opts['y']!r} is also the column; a bivariate statistic needs two "
                "variables (use [analyses.lisa] for one)"]
    return []


def _check_data(opts, view) -> list[str]:
    x = opts.get("column") or view.target
    if x == opts["y"]:
        return [f"[analyses.bivariate] y: {opts['y']!r} is the analysed column; give another variable"]
    if opts["differential"] and len(view.years) < 2:
        return ["[analyses.bivariate] differential: needs at least two years"]
    return []


ANALYSIS = Analysis(
    name="bivariate", order=55,
    summary="bivariate Moran's I and LISA (x vs the lag of y), optional differential Moran: tables and maps",
    options={"column": COLUMN, "y": Opt(str, REQUIRED, doc="the variable whose spatial lag is related to column"),
             "year": YEAR, "years": YEARS, "permutations": PERMUTATIONS, "alpha": ALPHA,
             "fdr": Opt(bool, False, doc="false-discovery-rate threshold instead of alpha"),
             "differential": Opt(bool, False, doc="also differential Moran's I and LISA of column between the "
                                                  "first and last year")},
    step=step, columns=lambda opts: [opts["y"]] if opts.get("y") else [], check=_check, check_data=_check_data,
    uses_weights=True, template_off=True, examples={"y": '"x1"'})

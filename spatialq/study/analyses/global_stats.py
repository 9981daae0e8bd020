"""``[analyses.global_stats]``: Geary's C and Getis–Ord General G by year (esda via spatialq.hotspot)."""

from __future__ import annotations

from .._schema import Opt
from . import Analysis
from ._common import COLUMN, PERMUTATIONS, col, t

KEEP = {"geary": ["year", "n", "C", "expectation", "z_norm", "p_norm", "z_rand", "p_rand", "p_sim"],
        "general_g": ["year", "n", "G", "expectation", "z", "p", "p_sim"]}


def step(ctx, opts) -> None:
    from ... import hotspot

    c = col(ctx, opts)
    ax = ctx.axes(figsize=(6, 3.6))
    if opts["geary"]:
        tab = hotspot.geary(ctx.data, c, ctx.w, permutations=opts["permutations"], transform=opts["transform"],
                            seed=ctx.seed).to_frame()
        ctx.table("geary", tab[[k for k in KEEP["geary"] if k in tab]], t(ctx, "全局吉尔里指数", "Global Geary's C"))
        ax.plot(tab["year"], tab["z_rand"], marker="o", color="black", label="Geary's C")
    if opts["general_g"]:
        tab = hotspot.general_g(ctx.data, c, ctx.w, permutations=opts["permutations"], seed=ctx.seed).to_frame()
        ctx.table("general_g", tab[[k for k in KEEP["general_g"] if k in tab]],
                  t(ctx, "全局 Getis-Ord G 统计量", "Getis–Ord General G"))
        ax.plot(tab["year"], tab["z"], marker="s", color="#ee6677", label="General G")
    for v in (-1.96, 1.96):
        ax.axhline(v, color="grey", linestyle="--", linewidth=0.8)
    ax.set_xlabel(t(ctx, "年份", "year"))
    ax.set_ylabel("z")
    ax.legend(frameon=False)
    ctx.figure("global_stats_trend", ax, t(ctx, "全局空间自相关 z 值变化", "z of the global statistics over time"))


def _check(opts, sections) -> list[str]:
    if not (opts["geary"] or opts["general_g"]):
        return ["[analyses.global_stats] geary, general_g: both are false; switch at least one on"]
    return []


def _check_data(opts, view) -> list[str]:
    c = opts.get("column")
    if opts["general_g"] and c in view.data.columns and (view.data[c] < 0).any():
        return [f"[analyses.global_stats] general_g: column {c!r} has negative values; General G needs non-negative "
                "values (set general_g = false)"]
    return []


ANALYSIS = Analysis(
    name="global_stats", order=41,
    summary="Geary's C and Getis–Ord General G per year (esda), with permutation p-values and a z trend chart",
    options={"column": COLUMN, "permutations": PERMUTATIONS,
             "geary": Opt(bool, True, doc="Geary's C (normality, randomisation, permutation)"),
             "general_g": Opt(bool, True, doc="Getis–Ord General G (non-negative values, binary weights)"),
             "transform": Opt(str, "r", ("r", "b"), doc="weights of Geary's C: row-standardised or binary")},
    step=step, check=_check, check_data=_check_data, uses_weights=True)

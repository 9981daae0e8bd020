"""``[analyses.obstacle]``: obstacle degree model (障碍度) of the study's index.

Calls :func:`spatialq.index.obstacle` on the :class:`~spatialq.index.EntropyResult` of the study's ``[index]``
(the same indicators, directions, sub-systems and ``pooled`` choice, on the data the index was built from), so
the factor contributions are exactly the weights of the index's weights table.  Writes the table of the main
obstacle factors per unit and year (障碍因子 1…k with their obstacle degrees in %), the sub-system obstacle
degrees, the mean obstacle degree of every indicator by year, and two heat maps.
"""

from __future__ import annotations

import pandas as pd

from .._schema import Opt
from . import Analysis
from ._common import YEAR, labels, last_year, named, t

MAX_TOP = 30


def entropy_of_index(ctx):
    """The EntropyResult of the study's ``[index]``, recomputed on the data the index step used."""
    from ... import index

    ix = ctx.study.index
    dirs = {c: (1 if d in ("+", 1) else -1) for c, d in ix["indicators"].items()}
    subsystems = {c: s for s, cols in (ix["subsystems"] or {}).items() for c in cols} or None
    return index.entropy(ctx.prepared.data, dirs, subsystems=subsystems, pooled=ix["pooled"])


def _label(ctx, name: str) -> str:
    return ctx.labels.get(name) or name


def _top_table(ctx, res, k: int, level: str, years) -> pd.DataFrame:
    top = res.top_table(k, level=level)
    top = top[top["adcode"].isin(set(ctx.data["adcode"]))]
    if years:
        top = top[top["year"].isin(years)]
    out = top[["adcode", "year"]].copy()
    n = sum(c.startswith("factor_") for c in top.columns)
    for r in range(1, n + 1):
        name = top[f"factor_{r}"].map(lambda s: _label(ctx, s)) if level == "indicator" else top[f"factor_{r}"]
        out[t(ctx, f"障碍因子{r}", f"obstacle {r}")] = name.to_numpy()
        out[t(ctx, f"障碍度{r}（%）", f"degree {r} (%)")] = (100 * top[f"obstacle_{r}"]).to_numpy()
    return named(ctx, out.reset_index(drop=True))


def step(ctx, opts) -> None:
    from ... import index

    res = index.obstacle(entropy_of_index(ctx), top=opts["top"], at_best=opts["at_best"])
    years = opts["years"]
    ctx.table("obstacle_top", _top_table(ctx, res, opts["top"], "indicator", years),
              t(ctx, f"主要障碍因子及障碍度（前 {opts['top']} 位）", f"Main obstacle factors (top {opts['top']})"))
    d = res.to_frame()
    d = d[d["adcode"].isin(set(ctx.data["adcode"]))]
    mean = (100 * d.groupby(["indicator", "year"], sort=False)["obstacle"].mean()).unstack("year")
    mean = mean.reindex(list(res.indicators))
    mean.columns = [str(c) for c in mean.columns]
    mean.insert(0, t(ctx, "均值", "mean"), (100 * d.groupby("indicator")["obstacle"].mean()).reindex(mean.index))
    mean = mean.reset_index()
    if ctx.labels:
        mean.insert(1, t(ctx, "指标", "label"), mean["indicator"].map(ctx.labels).fillna(""))
    ctx.table("obstacle_indicators", mean,
              t(ctx, "各指标障碍度的年均值（%）", "Mean obstacle degree by indicator and year (%)"))
    if res.subsystems["subsystem"].nunique() > 1:
        sub = res.wide("subsystem")
        sub = sub[sub["adcode"].isin(set(ctx.data["adcode"]))]
        cols = [c for c in sub.columns if c not in ("adcode", "year")]
        sub[cols] = 100 * sub[cols]
        ctx.table("obstacle_subsystems", named(ctx, sub.reset_index(drop=True)),
                  t(ctx, "各子系统障碍度（%）", "Obstacle degree of the sub-systems (%)"))
    from ...plot._mpl import new_axes

    n_years = d["year"].nunique()
    ax = res.plot(ax=new_axes((max(6.4, 1.0 + 0.8 * n_years), max(3.0, 1.2 + 0.4 * len(res.indicators)))),
                  kind="year")
    labels(ctx, ax, x=("年份", "year"))
    if ctx.labels:
        ax.set_yticks(range(len(res.indicators)), labels=[_label(ctx, c) for c in res.indicators])
    ax.set_title(t(ctx, "各指标障碍度均值（%）", "Mean obstacle degree (%)"))
    ctx.figure("obstacle_heatmap", ax,
               t(ctx, "障碍度热力图（指标 × 年份）", "Obstacle degree heat map (indicator × year)"))
    year = last_year(ctx, opts)
    n_units = int((res.wide()["year"] == year).sum())
    n_cols = len(res.indicators) if opts["level"] == "indicator" else res.subsystems["subsystem"].nunique()
    ax = res.plot(ax=new_axes((max(6.4, 2.0 + 0.7 * n_cols), max(4.8, 1.5 + 0.3 * n_units))), kind="unit",
                  period=year, level=opts["level"])
    names = ctx.names.reindex(res.wide()[lambda f: f["year"] == year]["adcode"]).fillna("").astype(str)
    ax.set_yticks(range(len(names)), labels=list(names))
    if opts["level"] == "indicator" and ctx.labels:
        ax.set_xticks(range(len(res.indicators)), labels=[_label(ctx, c) for c in res.indicators])
    ax.set_title(t(ctx, f"各地区障碍度（{year}，%）", f"Obstacle degree by region ({year}, %)"))
    ctx.figure("obstacle_regions", ax,
               t(ctx, f"障碍度热力图（地区，{year}）", f"Obstacle degree heat map (regions, {year})"))


def _check(opts, sections) -> list[str]:
    if sections.get("index") is None:
        return ["[analyses.obstacle]: needs an [index] section (its indicators, weights and normalisation)"]
    return []


ANALYSIS = Analysis(
    name="obstacle", order=133,
    summary="obstacle degree model of the index: main obstacle factors per region and year, sub-systems, heat maps",
    options={"top": Opt(int, 5, doc=f"number of main obstacle factors in the table (1–{MAX_TOP})", low=1,
                        high=MAX_TOP),
             "years": Opt(list, None, doc="years in the table of main obstacle factors (default: all)", low=1000,
                          high=3000, max_len=200),
             "year": YEAR,
             "level": Opt(str, "indicator", ("indicator", "subsystem"), doc="columns of the regions heat map"),
             "at_best": Opt(str, "drop", ("drop", "raise"),
                            doc="a region-year at the best value of every indicator has no obstacle: leave it out "
                                "(noted) or stop")},
    step=step, check=_check,
    examples={"top": "5"})

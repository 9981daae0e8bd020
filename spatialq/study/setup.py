"""One function per analysis of a study: each reads the prepared data and writes tables and figures.

Every step takes the run context and its options (validated by :mod:`spatialq.study.spec`) and
calls the public spatialq function of that analysis, so a study computes exactly what the Python
API computes; the conventions are those documented with each function.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from .runner import Context

__all__ = ["STEPS", "build_index", "build_weights"]


def _t(ctx: Context, zh: str, en: str) -> str:
    return zh if ctx.lang == "zh" else en


def _labels(ctx: Context, ax, x: tuple[str, str] | None = None, y: tuple[str, str] | None = None):
    """Axis labels in the study's language ((zh, en) pairs); returns the axes."""
    if x is not None:
        ax.set_xlabel(_t(ctx, *x))
    if y is not None:
        ax.set_ylabel(_t(ctx, *y))
    return ax


def _col(ctx: Context, opts) -> str:
    return opts.get("column") or ctx.index_name


def _last_year(ctx: Context, opts) -> int:
    return int(opts.get("year") or ctx.data["year"].max())


def _named(ctx: Context, frame: pd.DataFrame, id_col: str = "adcode") -> pd.DataFrame:
    """``frame`` with the regions' names (in the study's language) as its second column."""
    frame = frame.copy()
    frame.insert(1, _t(ctx, "地区", "region"), ctx.names.reindex(frame[id_col]).to_numpy())
    return frame


def _even_years(years: list[int], n: int = 4) -> list[int]:
    if len(years) <= n:
        return years
    pos = np.linspace(0, len(years) - 1, n).round().astype(int)
    return [years[i] for i in dict.fromkeys(pos)]


# ----------------------------------------------------------------------------- set-up steps


def build_index(ctx: Context, opts) -> None:
    from .. import index

    dirs = {c: (1 if d in ("+", 1) else -1) for c, d in opts["indicators"].items()}
    subsystems = {c: s for s, cols in (opts["subsystems"] or {}).items() for c in cols} or None
    ent = index.entropy(ctx.data, dirs, subsystems=subsystems, pooled=opts["pooled"])
    scores = ent.to_frame().rename(columns={"score": opts["name"]})
    if opts["method"] == "topsis":
        top = index.topsis(ctx.data, dirs, pooled=opts["pooled"]).to_frame()[["adcode", "year", "score"]]
        scores = scores.drop(columns=opts["name"]).merge(top.rename(columns={"score": opts["name"]}),
                                                         on=["adcode", "year"])
    ctx.data = ctx.data.merge(scores, on=["adcode", "year"], how="left")
    weights = ent.weights.copy()
    if ctx.labels:
        weights.insert(1, _t(ctx, "指标", "label"), weights["indicator"].map(ctx.labels).fillna(""))
    ctx.table("index_weights", weights, _t(ctx, "综合指数指标体系与熵值法权重", "Indicator system and entropy weights"))
    wide = scores.pivot(index="adcode", columns="year", values=opts["name"])
    ctx.table("index_scores", _named(ctx, wide.reset_index()),
              _t(ctx, f"{opts['name']} 综合指数（{opts['method']}）", f"{opts['name']} index ({opts['method']})"))
    ax = _labels(ctx, ent.plot(), x=("熵值法权重", "entropy weight"))
    ax.set_title(_t(ctx, "熵值法指标权重", "Entropy weights"))
    ctx.figure("index_weights", ax, _t(ctx, "指标权重", "Indicator weights"))


def add_regions(ctx: Context, opts) -> None:
    from .. import geometry

    reg = geometry.regions(opts["scheme"], level=ctx.level, lang=ctx.lang, include_sar=True)
    ctx.data[opts["name"]] = ctx.data["adcode"].map(reg).astype(object)
    if ctx.data[opts["name"]].isna().any() and opts["scheme"] in ("four", "three", "coastal", "north_south"):
        miss = sorted(ctx.data.loc[ctx.data[opts["name"]].isna(), "adcode"].unique())[:5]
        warnings.warn(f"regions: units {miss} belong to no {opts['scheme']!r} region and are left out of "
                      "group decompositions", UserWarning, stacklevel=2)
    ctx.region_col = opts["name"]


def build_weights(ctx: Context, opts) -> None:
    from .. import weights

    gdf = ctx.gdf  # island links and drops warn; the runner puts every warning of a step into the notes
    if opts["type"] in ("queen", "rook"):
        w = weights.contiguity(gdf, rule=opts["type"], islands=opts["islands"])
    elif opts["type"] == "knn":
        w = weights.knn(gdf, k=opts["k"])
    elif opts["type"] == "inverse_distance":
        w = weights.distance(gdf, kind="inverse", threshold_km=opts["threshold_km"], power=opts["power"],
                             islands=opts["islands"] if opts["threshold_km"] else "raise")
    else:
        w = weights.economic(ctx.data, opts["column"])
    dropped = ~ctx.data["adcode"].isin(set(w.id_order))
    if dropped.any():  # islands = "drop": the analyses use the units that remain in W
        ctx.data = ctx.data[~dropped].reset_index(drop=True)
    ctx.w = w
    ctx.table("weights", _named(ctx, weights.describe(w).to_frame(), "id"),
              _t(ctx, f"空间权重（{opts['type']}）的邻居", f"Neighbours ({opts['type']} weights)"))


# ----------------------------------------------------------------------------- analyses


def describe(ctx: Context, opts) -> None:
    cols = opts["columns"] or [*ctx.indicators, *([ctx.index_name] if ctx.index_name else [])]
    d = ctx.data[cols].apply(pd.to_numeric)
    t = pd.DataFrame({"n": d.count(), "mean": d.mean(), "sd": d.std(), "min": d.min(), "max": d.max()})
    t.index.name = "variable"
    t = t.reset_index()
    if ctx.labels:
        t.insert(1, "label", t["variable"].map(ctx.labels).fillna(""))
    ctx.table("descriptive", t, _t(ctx, "描述性统计", "Descriptive statistics"))


def maps(ctx: Context, opts) -> None:
    from ..plot.choropleth import small_multiples

    col = _col(ctx, opts)
    years = opts["years"] or _even_years(sorted(ctx.data["year"].unique().tolist()))
    fig = small_multiples(ctx.data, col, gdf=ctx.gdf, periods=years, scheme=opts["scheme"], k=opts["k"],
                          cmap=opts["cmap"], lang=ctx.lang, linewidth=0.3 if ctx.level == "province" else 0.1,
                          title=_t(ctx, f"{col} 的空间分布", f"Spatial distribution of {col}"))
    ctx.figure(f"map_{col}", fig, _t(ctx, f"{col} 分年份地图（统一分级）", f"{col} by year (common classes)"))


def kde(ctx: Context, opts) -> None:
    from .. import density

    col = _col(ctx, opts)
    bw = opts["bandwidth"]
    group = ctx.region_col if (opts["by_region"] and ctx.region_col) else None
    data = ctx.data if group is None else ctx.data[ctx.data[group].notna()]
    res = density.kde(data, col, group=group, bandwidth_rule=bw)
    ctx.table("kde_peaks", res.to_frame(), _t(ctx, "核密度主峰位置、高度与宽度", "Kernel density peaks"))
    ax = _labels(ctx, res.plot(kind="curves"), x=(col, col), y=("核密度", "density"))
    ax.set_title(_t(ctx, "全国核密度曲线", "Kernel density, national"))
    ctx.figure("kde_curves", ax, _t(ctx, "核密度曲线（全国）", "Kernel density curves (national)"))
    ax = ctx.axes(figsize=(7, 5.5))
    ax = res.plot(ax=ax, kind="surface")
    _labels(ctx, ax, x=(col, col), y=("年份", "year"))
    ax.set_zlabel(_t(ctx, "核密度", "density"))
    ctx.figure("kde_surface", ax, _t(ctx, "核密度三维图（年份 × 数值 × 密度）", "Kernel density surface"))
    if group:
        groups = [g for g in dict.fromkeys(res.curves["group"]) if g != "all"]
        plt_ = ctx.pyplot()
        ncols = min(len(groups), 4)
        fig, axes = plt_.subplots(1, ncols, figsize=(3.2 * ncols, 3), squeeze=False)
        for ax, g in zip(axes.flat, groups[:ncols]):
            _labels(ctx, res.plot(ax=ax, group=g), x=(col, col), y=("核密度", "density"))
            ax.set_title(str(g), fontsize=9)
        fig.tight_layout()
        ctx.figure("kde_regions", fig, _t(ctx, "分区域核密度曲线", "Kernel density by region"))


def moran(ctx: Context, opts) -> None:
    from .. import hotspot

    col = _col(ctx, opts)
    res = hotspot.moran(ctx.data, col, ctx.w, permutations=opts["permutations"], transform=opts["transform"],
                        seed=ctx.seed)
    t = res.to_frame()
    keep = [c for c in ["year", "n", "I", "expectation", "z_norm", "p_norm", "z_rand", "p_rand", "p_sim"] if c in t]
    ctx.table("moran", t[keep], _t(ctx, "全局莫兰指数", "Global Moran's I"))
    ax = ctx.axes(figsize=(6, 3.6))
    ax.plot(t["year"], t["I"], marker="o", color="black")
    ax.axhline(t["expectation"].iloc[0], color="grey", linestyle="--", linewidth=0.8)
    ax.set_xlabel(_t(ctx, "年份", "year"))
    ax.set_ylabel("Moran's I")
    ctx.figure("moran_trend", ax, _t(ctx, "全局莫兰指数变化", "Global Moran's I over time"))
    ax = _labels(ctx, res.plot(period=int(t["year"].max())), x=("标准化值", "standardised value"),
                 y=("空间滞后", "spatial lag"))
    ctx.figure("moran_scatter", ax, _t(ctx, f"莫兰散点图（{t['year'].max()}）", f"Moran scatter ({t['year'].max()})"))


def _unit_table_and_map(ctx: Context, res, name: str, caption: tuple[str, str], year: int,
                        map_caption: tuple[str, str], years: list | None = None, **plot_kw) -> None:
    """A per-region result: its table (with region names), its map of ``year`` and, with ``years``, a
    panel of maps of those years."""
    ctx.table(name, _named(ctx, res.to_frame()), _t(ctx, *caption))
    title = _t(ctx, *map_caption)
    ax = res.plot(gdf=ctx.gdf, period=year, lang=ctx.lang, title=title, **plot_kw)
    ctx.figure(f"{name}_map", ax, title)
    if years:
        from ..plot.choropleth import map_panels

        def draw(ax, period, i):
            res.plot(ax=ax, gdf=ctx.gdf, period=period, lang=ctx.lang, legend=i == 0, north_arrow=i == 0,
                     scale_bar_km=1000 if i == 0 else None, **plot_kw)

        fig = map_panels(draw, years, title=_t(ctx, *caption))
        ctx.figure(f"{name}_maps", fig, _t(ctx, f"{caption[0]}（{'、'.join(map(str, years))}）",
                                            f"{caption[1]} ({', '.join(map(str, years))})"))


def _members(ctx: Context, table: pd.DataFrame, column: str, codes: list, zh: tuple, en: tuple) -> pd.DataFrame:
    """The papers' table of which regions fall in each type, one row per year: 年份 | 高-高 (n) | …"""
    names = ctx.names
    short = ctx.gdf["name_short"] if ctx.lang == "zh" and "name_short" in ctx.gdf else names
    rows = []
    for year, part in table.groupby("year", sort=True):
        row = {_t(ctx, "年份", "year"): year}
        for code, lz, le in zip(codes, zh, en):
            ids = part.loc[part[column] == code, "adcode"].tolist()
            label = _t(ctx, lz, le)
            shown = [str(short.get(i, i)) for i in ids]
            row[label] = ("、" if ctx.lang == "zh" else ", ").join(shown)
            row[f"{label} n"] = len(ids)
        rows.append(row)
    return pd.DataFrame(rows)


def lisa(ctx: Context, opts) -> None:
    from .. import hotspot

    col, year = _col(ctx, opts), _last_year(ctx, opts)
    res = hotspot.local_moran(ctx.data, col, ctx.w, permutations=opts["permutations"], alpha=opts["alpha"],
                              fdr_correction=opts["fdr"], seed=ctx.seed)
    ctx.table("lisa_types", _members(ctx, res.to_frame(), "cluster", ["HH", "LH", "LL", "HL"],
                                     ("高-高", "低-高", "低-低", "高-低"),
                                     ("High-High", "Low-High", "Low-Low", "High-Low")),
              _t(ctx, "LISA 集聚类型及其地区", "Regions by LISA cluster type"))
    _unit_table_and_map(ctx, res, "lisa", ("局部莫兰指数（LISA）", "Local Moran's I (LISA)"), year,
                        (f"LISA 集聚图（{year}）", f"LISA cluster map ({year})"), opts["years"])


def gi_star(ctx: Context, opts) -> None:
    from .. import hotspot
    from ..hotspot.getis import BREAK_LABELS_EN, BREAK_LABELS_ZH

    col, year = _col(ctx, opts), _last_year(ctx, opts)
    res = hotspot.gi_star(ctx.data, col, ctx.w)
    ctx.table("gi_star_classes", _members(ctx, res.to_frame(), "class", [5, 4, 3, 2, 1], BREAK_LABELS_ZH[::-1],
                                          BREAK_LABELS_EN[::-1]),
              _t(ctx, "Gi* 冷热点分区（自然断点）及其地区", "Regions by Gi* class (natural breaks)"))
    _unit_table_and_map(ctx, res, "gi_star", ("Getis-Ord Gi* 冷热点", "Getis-Ord Gi* hot spots"), year,
                        (f"冷热点分布（{year}）", f"Hot and cold spots ({year})"), opts["years"], scheme=opts["scheme"])


def ellipse(ctx: Context, opts) -> None:
    from .. import geometry
    from ..ellipse import sde

    col = _col(ctx, opts)
    years = opts["years"] or _even_years(sorted(ctx.data["year"].unique().tolist()))
    g = geometry.to_albers(ctx.gdf)[["geometry"]].join(
        ctx.data[ctx.data["year"].isin(years)].set_index("adcode")[[col, "year"]], how="inner")
    res = sde(g.reset_index(), weights=col, by="year", method=opts["method"], n_std=opts["n_std"])
    ctx.table("ellipse", res.to_frame(), _t(ctx, "标准差椭圆参数", "Standard deviational ellipses"))
    ctx.table("centre_migration", res.migration, _t(ctx, "重心迁移", "Migration of the mean centre"))
    ax = res.plot()
    ax.set_title(_t(ctx, "标准差椭圆与重心轨迹", "Ellipses and centre trajectory"))
    ctx.figure("ellipse", ax, _t(ctx, "标准差椭圆与重心迁移轨迹", "Standard deviational ellipses"))


def dagum(ctx: Context, opts) -> None:
    from .. import inequality

    col = _col(ctx, opts)
    data = ctx.data[ctx.data[ctx.region_col].notna()]
    if opts["years"]:
        data = data[data["year"].isin(opts["years"])]
    res = inequality.dagum_gini(data, col, ctx.region_col)
    ctx.table("dagum_gini", res.paper_table(lang=ctx.lang), _t(ctx, "Dagum 基尼系数及其分解",
                                                               "Dagum Gini coefficient and decomposition"))
    ax = _labels(ctx, res.plot(), x=("年份", "year"), y=("基尼系数", "Gini"))
    ax.set_title(_t(ctx, "总体与区域内基尼系数", "Overall and within-region Gini"))
    ctx.figure("dagum_gini", ax, _t(ctx, "Dagum 基尼系数", "Dagum Gini"))
    ax = _labels(ctx, res.plot(kind="shares"), x=("年份", "year"), y=("贡献率", "share of G"))
    if ctx.lang == "zh":
        ax.legend(["区域内", "区域间", "超变密度"], fontsize=7)
    ctx.figure("dagum_shares", ax, _t(ctx, "差异来源贡献率", "Contributions to the Gini"))


def theil(ctx: Context, opts) -> None:
    from .. import inequality

    col = _col(ctx, opts)
    data = ctx.data[ctx.data[ctx.region_col].notna()]
    res = inequality.theil(data, col, ctx.region_col)
    ctx.table("theil", res.to_frame(), _t(ctx, "泰尔指数及其分解", "Theil index and decomposition"))


def convergence(ctx: Context, opts) -> None:
    from .. import inequality

    col = _col(ctx, opts)
    for kind in opts["kind"]:
        res = inequality.convergence(ctx.data, col, kind=kind, panel=opts["panel"] and kind == "beta")
        ctx.table(f"{kind}_convergence", res.to_frame(), _t(ctx, f"{'σ' if kind == 'sigma' else 'β'} 收敛检验",
                                                            f"{kind}-convergence"))
        if kind == "sigma":
            ax = _labels(ctx, res.plot(), x=("年份", "year"), y=("离散程度", "dispersion"))
            ctx.figure("sigma_convergence", ax, _t(ctx, "σ 收敛", "σ-convergence"))


def markov(ctx: Context, opts) -> None:
    from .. import markov as mk
    from ..markov._core import default_labels

    col = _col(ctx, opts)
    res = mk.markov(ctx.data, col, classes=opts["classes"], step=opts["step"], cutpoints=opts["cutpoints"],
                    labels=default_labels(opts["classes"], ctx.lang))
    ctx.table("markov", res.paper_table(), _t(ctx, "传统马尔可夫转移概率矩阵", "Markov transition matrix"))
    ax = _labels(ctx, res.plot(), x=("t+1 年类型", "class at t+1"), y=("t 年类型", "class at t"))
    ctx.figure("markov", ax, _t(ctx, "马尔可夫转移概率", "Markov transition probabilities"))


def spatial_markov(ctx: Context, opts) -> None:
    from .. import markov as mk
    from ..markov._core import default_labels

    col = _col(ctx, opts)
    res = mk.spatial_markov(ctx.data, col, ctx.w, classes=opts["classes"], lag_classes=opts["lag_classes"],
                            step=opts["step"], labels=default_labels(opts["classes"], ctx.lang))
    ctx.table("spatial_markov", res.paper_table(), _t(ctx, "空间马尔可夫转移概率矩阵",
                                                      "Spatial Markov transition matrices"))
    k = res.probabilities.shape[0]
    ax = ctx.axes(figsize=(3.2 * k, 3.2))
    ctx.figure("spatial_markov", res.plot(ax=ax), _t(ctx, "空间马尔可夫转移概率", "Spatial Markov probabilities"))


def coupling(ctx: Context, opts) -> None:
    from .. import index

    year = _last_year(ctx, opts)
    res = index.coupling(ctx.data, opts["systems"])
    _unit_table_and_map(ctx, res, "coupling", ("耦合协调度", "Coupling coordination degree"), year,
                        (f"耦合协调等级（{year}）", f"Coupling coordination grades ({year})"), opts["years"])


def detector(ctx: Context, opts) -> None:
    from .. import detector as gd

    col = _col(ctx, opts)
    year = opts["year"]
    data = ctx.data if year == "pooled" else ctx.data[ctx.data["year"] == _last_year(ctx, opts)]
    k = [x for x in opts["k"] if x <= len(data) // 2] or [2]
    disc = {f: "optimal" for f in opts["factors"]} if opts["discretize"] == "optimal" else opts["discretize"]
    res = gd.geodetector(data, col, opts["factors"], discretize=disc, k=k)
    f = res.factor.reset_index()
    ctx.table("detector_factor", f, _t(ctx, "因子探测结果", "Factor detector"))
    ctx.table("detector_interaction", res.interaction, _t(ctx, "交互探测结果", "Interaction detector"))
    n = len(opts["factors"])
    ax = ctx.axes(figsize=(1.1 * n + 2, 1.0 * n + 1.5))
    ctx.figure("detector_interaction", res.plot(ax=ax), _t(ctx, "因子与交互作用 q 值", "q of factors and interactions"))


def forest(ctx: Context, opts) -> None:
    from .. import detector as gd

    col = _col(ctx, opts)
    res = gd.forest_importance(ctx.data, col, opts["factors"], n_estimators=opts["n_estimators"], seed=ctx.seed)
    ctx.table("forest_importance", res.to_frame(), _t(ctx, "随机森林变量重要性", "Random-forest importance"))
    ctx.figure("forest_importance", res.plot(), _t(ctx, "随机森林变量重要性", "Random-forest importance"))


def regression(ctx: Context, opts) -> None:
    from .. import panel, report

    f = opts["formula"]
    results, names = [], []
    if opts["lm_tests"] and opts["effects"] != "none":
        lm = panel.lm_tests(ctx.data, f, ctx.w, effects=opts["effects"])
        ctx.table("lm_tests", lm, _t(ctx, "LM 检验（固定效应模型残差）", "LM tests (fixed-effects residuals)"))
    for m in opts["models"]:
        r = panel.spatial_panel(ctx.data, f, ctx.w, model=m, effects=opts["effects"], lee_yu=opts["lee_yu"],
                                n_draws=opts["n_draws"], seed=ctx.seed)
        results.append(r)
        names.append(m.upper())
        if m in ("sar", "sdm", "sac", "sdem", "slx") and r.effects_inference is not None:
            ctx.table(f"effects_{m}", report.effects_table(r, lang=ctx.lang, digits=ctx.digits),
                      _t(ctx, f"{m.upper()} 直接效应、间接效应与总效应（括号内为 t 值）",
                         f"{m.upper()} direct, indirect and total effects (t in parentheses)"), formatted=True,
                      note=report.STAR_NOTE_T[ctx.lang])
    tests = [r.tests.assign(model=n) for r, n in zip(results, names) if r.tests is not None and len(r.tests)]
    if tests:
        tests = pd.concat(tests, ignore_index=True)
        tests = tests[["model", *[c for c in tests.columns if c != "model"]]]
        ctx.table("model_tests", tests, _t(ctx, "模型检验（Wald 与 LR）", "Model tests (Wald and LR)"))
    cmp = report.compare(results, names=names, lang=ctx.lang, digits=ctx.digits)
    ctx.table("regression", cmp, _t(ctx, "空间面板模型估计结果", "Spatial panel estimates"), formatted=True)
    if results and results[-1].effects is not None:
        ax = _labels(ctx, results[-1].plot(), x=("效应（95% 置信区间）", "effect (95% interval)"))
        ctx.figure("effects", ax, _t(ctx, f"{names[-1]} 效应分解", f"{names[-1]} effects"))


STEPS = {"describe": describe, "maps": maps, "kde": kde, "moran": moran, "lisa": lisa, "gi_star": gi_star,
         "ellipse": ellipse, "dagum": dagum, "theil": theil, "convergence": convergence, "markov": markov,
         "spatial_markov": spatial_markov, "coupling": coupling, "detector": detector, "forest": forest,
         "regression": regression}

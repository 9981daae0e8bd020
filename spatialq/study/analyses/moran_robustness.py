"""``[analyses.moran_robustness]``: global Moran's I under several weight matrices in one table — the
robustness table of most papers (queen contiguity, k nearest neighbours, inverse distance, economic distance,
nested geographic–economic weights).

Each matrix is built from the study's boundaries by :mod:`spatialq.weights` (islands joined to their nearest
neighbour, as the study's own ``[weights]`` default) and passed to :func:`spatialq.hotspot.moran_robustness`;
writes the paper table (I with stars over its z), the long table of every statistic, and a chart of I by year
per matrix.  The matrices are named from a closed list, never from free text.
"""

from __future__ import annotations

import warnings

from .._schema import NUM, Opt
from . import Analysis
from ._common import COLUMN, PERMUTATIONS, col, t

MATRICES = ("queen", "rook", "knn", "inverse_distance", "inverse_distance_squared", "economic", "nested")
LABELS = {"queen": ("Queen 邻接", "queen contiguity"), "rook": ("Rook 邻接", "rook contiguity"),
          "knn": ("k 近邻", "k nearest neighbours"), "inverse_distance": ("反距离", "inverse distance"),
          "inverse_distance_squared": ("反距离平方", "inverse squared distance"),
          "economic": ("经济距离", "economic distance"), "nested": ("经济地理嵌套", "nested geographic-economic")}


def _build(ctx, opts) -> dict:
    from ... import weights

    gdf = ctx.gdf
    built = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # island links: the same policy as the study's weights
        for m in opts["matrices"]:
            if m in ("queen", "rook"):
                w = weights.contiguity(gdf, rule=m, islands="nearest")
            elif m == "knn":
                w = weights.knn(gdf, k=opts["k"])
            elif m in ("inverse_distance", "inverse_distance_squared"):
                w = weights.distance(gdf, kind="inverse", power=1.0 if m == "inverse_distance" else 2.0)
            elif m == "economic":
                w = weights.economic(ctx.data, opts["economic_column"])
            else:
                geo = weights.distance(gdf, kind="inverse", power=1.0)
                w = weights.nested(geo, weights.economic(ctx.data, opts["economic_column"]), phi=opts["phi"])
            built[t(ctx, *LABELS[m]) if m != "knn" else t(ctx, f"{opts['k']} 近邻", f"{opts['k']} nearest")] = w
    return built


def step(ctx, opts) -> None:
    from ... import hotspot

    c = col(ctx, opts)
    res = hotspot.moran_robustness(ctx.data, c, _build(ctx, opts), permutations=opts["permutations"],
                                   seed=ctx.seed)
    ctx.table("moran_robustness", res.formatted(p="p_sim" if opts["permutations"] else "p_rand"),
              t(ctx, "不同空间权重矩阵下的全局莫兰指数（括号内为 z 值）",
                "Global Moran's I under several weight matrices (z in brackets)"))
    ctx.table("moran_robustness_long", res.to_frame(),
              t(ctx, "不同空间权重矩阵下的全局莫兰指数（全部统计量）",
                "Global Moran's I under several weight matrices, all statistics"))
    ax = res.plot()
    ctx.figure("moran_robustness", ax, t(ctx, "不同空间权重矩阵下的全局莫兰指数", "Moran's I by weight matrix"))


def _check(opts, sections) -> list[str]:
    problems = []
    m = list(opts.get("matrices") or [])
    if len(set(m)) < len(m):
        problems.append(f"[analyses.moran_robustness] matrices: {m} lists a matrix twice")
    wrong = [x for x in m if x not in MATRICES]
    if wrong:
        problems.append(f"[analyses.moran_robustness] matrices: {wrong} are not among {list(MATRICES)}")
    if {"economic", "nested"} & set(m) and not opts.get("economic_column"):
        problems.append("[analyses.moran_robustness] economic_column: the economic and nested matrices need the "
                        "column of their distance (e.g. per-capita GDP)")
    return problems


def _columns(opts) -> list[str]:
    return [opts["economic_column"]] if opts.get("economic_column") else []


ANALYSIS = Analysis(
    name="moran_robustness", order=42,
    summary="global Moran's I under several weight matrices in one table (the robustness table)",
    options={"column": COLUMN, "permutations": PERMUTATIONS,
             "matrices": Opt(list, ["queen", "knn", "inverse_distance", "economic"],
                             doc=f"weight matrices, any of {', '.join(MATRICES)}", min_len=1, max_len=len(MATRICES)),
             "k": Opt(int, 4, doc="neighbours of the knn matrix", low=1, high=50),
             "economic_column": Opt(str, None, doc="column of the economic distance: weights 1 over the gap "
                                                   "between regional means (economic, nested)"),
             "phi": Opt(NUM, 0.5, doc="share of the geographic matrix in the nested one", low=0.0, high=1.0)},
    step=step, columns=_columns, check=_check, uses_weights=True, template_off=True,
    examples={"matrices": '["queen", "knn", "inverse_distance", "economic"]', "economic_column": '"ln_gdp_pc"'})

"""``[analyses.network]``: spatial association network from the modified gravity model (李敬等 2014).

Calls :func:`spatialq.network.gravity` on the study's units (centroids of the study's geometry), then
:func:`spatialq.network.measures` (whole network by year; node measures of ``year``) and
:func:`spatialq.network.blocks` (CONCOR blocks and roles of ``year``); writes those tables, the network of
``year`` on the map of China and small multiples for ``years``.  Needs a balanced panel and positive masses.
"""

from __future__ import annotations

from .._schema import NUM, REQUIRED, Opt
from . import Analysis
from ._common import YEAR, YEARS, balanced, even_years, last_year, named, t

ZH = {"year": "年份", "n": "节点数", "edges": "关联关系数", "density": "网络密度", "connectedness": "网络关联度",
      "hierarchy": "网络等级度", "efficiency": "网络效率", "average_path_length": "平均路径长度",
      "average_clustering": "平均聚类系数", "reciprocity": "互惠性", "out_degree": "点出度", "in_degree": "点入度",
      "degree": "度数", "degree_centrality": "度数中心度", "out_strength": "加权出度", "in_strength": "加权入度",
      "closeness_out": "出接近中心度", "closeness_in": "入接近中心度", "closeness": "接近中心度",
      "betweenness": "中间中心度", "betweenness_norm": "标准化中间中心度", "block": "板块", "size": "成员数",
      "sent_internal": "板块内发出关系", "sent_external": "板块外发出关系", "received_internal": "板块内接收关系",
      "received_external": "板块外接收关系", "expected_internal_ratio": "期望内部关系比例",
      "actual_internal_ratio": "实际内部关系比例", "role": "role", "role_zh": "板块角色"}


def _labelled(ctx, frame):
    """Column headers as Chinese papers print them (``lang = "zh"``), else the API's names."""
    return frame.rename(columns=ZH) if ctx.lang == "zh" else frame


def step(ctx, opts) -> None:
    from ... import network

    year = last_year(ctx, opts)
    share = True if opts["share"] is None else opts["share"]
    net = network.gravity(ctx.data, list(opts["mass"]), share=share, distance=opts["distance"],
                          gdp_per_capita=opts["gdp_per_capita"], exponent=opts["exponent"],
                          binarize=None if opts["binarize"] == "none" else opts["binarize"], geometry=ctx.gdf)
    res = network.measures(net)
    ctx.table("network_measures", _labelled(ctx, res.network),
              t(ctx, "空间关联网络整体特征", "Whole-network measures of the spatial association network"))
    nodes = res.nodes[res.nodes["year"] == year].drop(columns="year").sort_values("degree", ascending=False)
    ctx.table("network_centrality", _labelled(ctx, named(ctx, nodes)).set_index("adcode"),
              t(ctx, f"节点中心性（{year}）", f"Node centrality ({year})"))
    blk = network.blocks(net, period=year, depth=opts["depth"])
    ctx.table("network_blocks", blk.paper_table(ctx.lang),
              t(ctx, f"板块间溢出关系与板块角色（{year}）", f"Spillover between blocks and block roles ({year})"))
    ctx.table("network_block_members", _labelled(ctx, named(ctx, blk.membership)).set_index("adcode"),
              t(ctx, f"板块成员（{year}）", f"Block membership ({year})"))
    ctx.table("network_block_density", blk.density.reset_index(),
              t(ctx, f"板块密度矩阵（{year}，整体密度 {blk.threshold:.3f}）",
                f"Block density matrix ({year}; network density {blk.threshold:.3f})"))
    ax = net.plot_map(year, geometry=ctx.gdf, lang=ctx.lang,
                      title=t(ctx, f"空间关联网络（{year}）", f"Spatial association network ({year})"))
    ctx.figure("network_map", ax, t(ctx, f"空间关联网络（{year}）", f"Spatial association network ({year})"))
    years = opts["years"] or even_years(sorted(net.periods))
    if len(years) > 1:
        fig = net.plot_years(years, geometry=ctx.gdf, lang=ctx.lang)
        ctx.figure("network_maps", fig, t(ctx, "空间关联网络的演变", "Evolution of the spatial association network"))


def _check(opts, sections) -> list[str]:
    if opts["distance"] == "economic" and not opts.get("gdp_per_capita"):
        return ["[analyses.network] gdp_per_capita: distance = \"economic\" needs the per-capita GDP column"]
    return []


def _check_data(opts, view) -> list[str]:
    problems = balanced("network", view)
    n = view.data["adcode"].nunique()
    if n < 3:
        problems.append(f"[analyses.network]: {n} regions; a network needs at least 3")
    cols = list(opts.get("mass") or [])
    if opts.get("share"):
        cols.append(opts["share"])
    for c in cols:
        if c in view.data.columns and (view.data[c].astype(float) <= 0).any():
            bad = view.data.loc[view.data[c].astype(float) <= 0, "adcode"].map(view.names).unique().tolist()[:5]
            problems.append(f"[analyses.network] {c!r} must be positive (a mass or share); not for {bad}")
    return problems


def _columns(opts) -> list[str]:
    return [*(opts.get("mass") or []), *([opts["share"]] if opts.get("share") else []),
            *([opts["gdp_per_capita"]] if opts.get("gdp_per_capita") else [])]


ANALYSIS = Analysis(
    name="network", order=175,
    summary="Gravity spatial association network: density, Krackhardt measures, centrality, CONCOR blocks, maps",
    options={"mass": Opt(list, REQUIRED, doc="columns whose geometric mean is the mass M_i (e.g. population and GDP)",
                         min_len=1, max_len=10),
             "share": Opt(str, None, doc="column of the share k_ij = x_i/(x_i + x_j) (default: the masses)"),
             "distance": Opt(str, "geographic", ("geographic", "economic"),
                             doc="great-circle km, or km divided by the per-capita GDP gap"),
             "gdp_per_capita": Opt(str, None, doc="per-capita GDP column (for distance = \"economic\")"),
             "exponent": Opt(NUM, 2.0, doc="distance decay exponent", low=0.1, high=4.0),
             "binarize": Opt(str, "row_mean", ("row_mean", "none"), doc="keep arcs above their row's mean, or all"),
             "depth": Opt(int, 2, doc="CONCOR splits (2 gives four blocks)", low=1, high=4),
             "year": YEAR, "years": YEARS},
    step=step, columns=_columns, check=_check, check_data=_check_data,
    examples={"mass": '["population", "gdp"]'})

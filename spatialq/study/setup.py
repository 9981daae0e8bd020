"""The set-up steps of a study that run before its analyses: the index, the regions, the weights.

Each step takes the run context and its section's options (validated by
:mod:`spatialq.study.spec`) and calls the public spatialq function, so a study computes exactly what
the Python API computes.  The analyses themselves live in :mod:`spatialq.study.analyses`, one module
each.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from .analyses._common import labels as _labels
from .analyses._common import named as _named
from .analyses._common import t as _t

if TYPE_CHECKING:  # pragma: no cover
    from .runner import Context

__all__ = ["add_regions", "build_index", "build_weights"]


# ----------------------------------------------------------------------------- set-up steps


def build_index(ctx: Context, opts) -> None:
    """The composite index (entropy weights, or TOPSIS or grey relational TOPSIS with them) and its sub-system
    scores as columns of the data; the weights table, the scores table and the weights chart."""
    from .. import index

    dirs = {c: (1 if d in ("+", 1) else -1) for c, d in opts["indicators"].items()}
    subsystems = {c: s for s, cols in (opts["subsystems"] or {}).items() for c in cols} or None
    ent = index.entropy(ctx.data, dirs, subsystems=subsystems, pooled=opts["pooled"])
    scores = ent.to_frame().rename(columns={"score": opts["name"]})
    if opts["method"] in ("topsis", "grey_topsis"):
        fn = index.topsis if opts["method"] == "topsis" else index.grey_topsis
        top = fn(ctx.data, dirs, pooled=opts["pooled"]).to_frame()[["adcode", "year", "score"]]
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
    """The region of every unit (``[regions] scheme``) as a column; units outside the scheme are noted."""
    from .. import geometry

    reg = geometry.regions(opts["scheme"], level=ctx.level, lang=ctx.lang, include_sar=True)
    ctx.data[opts["name"]] = ctx.data["adcode"].map(reg).astype(object)
    if ctx.data[opts["name"]].isna().any() and opts["scheme"] in ("four", "three", "coastal", "north_south"):
        miss = sorted(ctx.data.loc[ctx.data[opts["name"]].isna(), "adcode"].unique())[:5]
        warnings.warn(f"regions: units {miss} belong to no {opts['scheme']!r} region and are left out of "
                      "group decompositions", UserWarning, stacklevel=2)
    ctx.region_col = opts["name"]


def build_weights(ctx: Context, opts) -> None:
    """The spatial weights of the study's units (island links recorded for provenance) and the neighbours table;
    with ``islands = "drop"`` the dropped units leave the data too."""
    from .. import weights

    gdf = ctx.gdf  # island links and drops warn; the runner puts every warning of a step into the notes
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        if opts["type"] in ("queen", "rook"):
            w = weights.contiguity(gdf, rule=opts["type"], islands=opts["islands"])
        elif opts["type"] == "knn":
            w = weights.knn(gdf, k=opts["k"])
        elif opts["type"] == "inverse_distance":
            w = weights.distance(gdf, kind="inverse", threshold_km=opts["threshold_km"], power=opts["power"],
                                 islands=opts["islands"] if opts["threshold_km"] else "raise")
        else:
            w = weights.economic(ctx.data, opts["column"])
    for c in caught:  # recorded for provenance, then passed on to the runner's notes
        if "neighbour" in str(c.message):
            ctx.islands.append(str(c.message))
        warnings.warn_explicit(c.message, c.category, c.filename, c.lineno)
    dropped = ~ctx.data["adcode"].isin(set(w.id_order))
    if dropped.any():  # islands = "drop": the analyses use the units that remain in W
        ctx.data = ctx.data[~dropped].reset_index(drop=True)
    ctx.w = w
    ctx.table("weights", _named(ctx, weights.describe(w).to_frame(), "id"),
              _t(ctx, f"空间权重（{opts['type']}）的邻居", f"Neighbours ({opts['type']} weights)"))

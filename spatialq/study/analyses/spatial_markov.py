"""``[analyses.spatial_markov]``: Markov matrices conditioned on the neighbours' class (spatial lag)."""

from __future__ import annotations

from .._schema import Opt
from . import Analysis
from ._common import COLUMN, check_step, col, t
from .markov import CLASSES, STEP


def step(ctx, opts) -> None:
    from ... import markov as mk
    from ...markov._core import default_labels

    c = col(ctx, opts)
    res = mk.spatial_markov(ctx.data, c, ctx.w, classes=opts["classes"], lag_classes=opts["lag_classes"],
                            step=opts["step"], labels=default_labels(opts["classes"], ctx.lang))
    ctx.table("spatial_markov", res.paper_table(), t(ctx, "空间马尔可夫转移概率矩阵",
                                                     "Spatial Markov transition matrices"))
    k = res.probabilities.shape[0]
    ax = ctx.axes(figsize=(3.2 * k, 3.2))
    ctx.figure("spatial_markov", res.plot(ax=ax, lang=ctx.lang),
               t(ctx, "空间马尔可夫转移概率", "Spatial Markov probabilities"))


ANALYSIS = Analysis(
    cost=0.3,  # rough serial seconds at prefecture level (dispatch order of parallel runs only)
    name="spatial_markov", order=120, summary="spatial Markov matrices conditioned on the spatial lag's class",
    options={"column": COLUMN, "classes": CLASSES,
             "lag_classes": Opt(int, None, doc="classes of the spatial lag (default: classes)", low=2, high=10),
             "step": STEP},
    step=step, check_data=check_step("spatial_markov"), uses_weights=True)

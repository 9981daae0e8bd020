"""``[analyses.markov]``: classic Markov transition matrix of quantile classes."""

from __future__ import annotations

from .._schema import Opt
from . import Analysis
from ._common import COLUMN, check_step, col, labels, t

CLASSES = Opt(int, 4, doc="quantile classes", low=2, high=10)
STEP = Opt(int, 1, doc="years between t and t + step", low=1, high=100)


def step(ctx, opts) -> None:
    from ... import markov as mk
    from ...markov._core import default_labels

    c = col(ctx, opts)
    res = mk.markov(ctx.data, c, classes=opts["classes"], step=opts["step"], cutpoints=opts["cutpoints"],
                    labels=default_labels(opts["classes"], ctx.lang))
    ctx.table("markov", res.paper_table(), t(ctx, "传统马尔可夫转移概率矩阵", "Markov transition matrix"))
    ax = labels(ctx, res.plot(), x=("t+1 年类型", "class at t+1"), y=("t 年类型", "class at t"))
    ctx.figure("markov", ax, t(ctx, "马尔可夫转移概率", "Markov transition probabilities"))


ANALYSIS = Analysis(
    cost=0.1,  # rough serial seconds at prefecture level (dispatch order of parallel runs only)
    name="markov", order=110, summary="classic Markov transition probabilities of quantile classes",
    options={"column": COLUMN, "classes": CLASSES, "step": STEP,
             "cutpoints": Opt(str, "pooled", ("pooled", "per_year"), doc="quantiles of all years or of each year")},
    step=step, check_data=check_step("markov"))

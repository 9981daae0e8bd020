"""``[analyses.lisa_paths]``: LISA time paths, space-time transitions and the rose diagram of ``column``.

Calls :func:`spatialq.hotspot.lisa_paths`: relative length and tortuosity of each region's path in the Moran
scatter plot, Rey's transition types per year with spatial cohesion and flux, the rose counts with permutation
p-values; writes the three tables and the rose and path figures.  Needs every region in every year (checked
up front).
"""

from __future__ import annotations

from .._schema import Opt
from . import Analysis
from ._common import COLUMN, PERMUTATIONS, col, named, t
from ._common import balanced as _balanced


def step(ctx, opts) -> None:
    from ... import hotspot

    c = col(ctx, opts)
    res = hotspot.lisa_paths(ctx.data, c, ctx.w, k=opts["k"], permutations=opts["permutations"], seed=ctx.seed)
    ctx.table("lisa_paths", named(ctx, res.to_frame()),
              t(ctx, "LISA 时间路径：相对长度、弯曲度与移动方向",
                "LISA time paths: relative length, tortuosity, direction"))
    ctx.table("lisa_transitions", res.transition_table(),
              t(ctx, "LISA 时空跃迁类型", "Space-time transitions of the LISA quadrants"))
    ctx.table("lisa_rose", res.rose, t(ctx, "LISA 时空迁移方向（玫瑰图）计数", "Rose diagram counts"))
    title = t(ctx, "LISA 时空迁移玫瑰图", "Rose diagram of LISA movement")
    ctx.figure("lisa_rose", res.plot(lang=ctx.lang), title)
    title = t(ctx, "LISA 时间路径（移动最多的地区）", "LISA time paths (regions that move most)")
    ctx.figure("lisa_paths", res.plot(kind="paths", lang=ctx.lang), title)


def _check_data(opts, view) -> list[str]:
    problems = _balanced("lisa_paths", view)
    if len(view.years) < 2:
        problems.append("[analyses.lisa_paths]: needs at least two years (a path has a start and an end)")
    return problems


ANALYSIS = Analysis(
    name="lisa_paths", order=58,
    summary="LISA time paths (relative length, tortuosity), transition types, rose diagram: tables and figures",
    options={"column": COLUMN, "k": Opt(int, 8, doc="sectors of the rose diagram", low=2, high=72),
             "permutations": PERMUTATIONS},
    step=step, check_data=_check_data, uses_weights=True)

"""``[analyses.forest]``: random-forest permutation importance of the factors (needs scikit-learn)."""

from __future__ import annotations

import importlib.util

from .._schema import REQUIRED, Opt
from . import Analysis
from ._common import COLUMN, check_factors, col, t


def step(ctx, opts) -> None:
    from ... import detector as gd

    c = col(ctx, opts)
    res = gd.forest_importance(ctx.data, c, opts["factors"], n_estimators=opts["n_estimators"], seed=ctx.seed)
    ctx.table("forest_importance", res.to_frame(), t(ctx, "随机森林变量重要性", "Random-forest importance"))
    ctx.figure("forest_importance", res.plot(), t(ctx, "随机森林变量重要性", "Random-forest importance"))


def _check(opts, sections) -> list[str]:
    if importlib.util.find_spec("sklearn") is None:
        return ["[analyses.forest]: needs scikit-learn, which is not installed: pip install 'spatialq[forest]'"]
    return []


ANALYSIS = Analysis(
    name="forest", order=150, summary="random-forest importance of the factors (scikit-learn)",
    options={"column": COLUMN, "factors": Opt(list, REQUIRED, doc="explanatory variables", max_len=200),
             "n_estimators": Opt(int, 300, doc="trees", low=10, high=5000)},
    step=step, columns=lambda opts: list(opts.get("factors") or []), check=_check,
    check_data=check_factors("forest"), template_off=True, examples={"factors": '["x1", "x2", "x3"]'})

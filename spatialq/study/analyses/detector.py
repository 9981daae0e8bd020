"""``[analyses.detector]``: the geographical detector (factor q and interactions)."""

from __future__ import annotations

from .._schema import REQUIRED, Opt
from . import Analysis
from ._common import COLUMN, check_factors, col, last_year, t

DISCRETIZE = ("optimal", "quantile", "equal", "natural", "geometric", "sd")


def _sample(ctx, opts):
    return ctx.data if opts["year"] == "pooled" else ctx.data[ctx.data["year"] == last_year(ctx, opts)]


def step(ctx, opts) -> None:
    from ... import detector as gd

    c = col(ctx, opts)
    data = _sample(ctx, opts)
    disc = {f: "optimal" for f in opts["factors"]} if opts["discretize"] == "optimal" else opts["discretize"]
    res = gd.geodetector(data, c, opts["factors"], discretize=disc, k=opts["k"])
    ctx.table("detector_factor", res.factor.reset_index(), t(ctx, "因子探测结果", "Factor detector"))
    ctx.table("detector_interaction", res.interaction, t(ctx, "交互探测结果", "Interaction detector"))
    n = len(opts["factors"])
    ax = ctx.axes(figsize=(1.1 * n + 2, 1.0 * n + 1.5))
    ctx.figure("detector_interaction", res.plot(ax=ax), t(ctx, "因子与交互作用 q 值", "q of factors and interactions"))


def _check(opts, sections) -> list[str]:
    year = opts.get("year")
    if isinstance(year, str) and year != "pooled":
        return [f'[analyses.detector] year: a year or "pooled", got {year!r}']
    return []


def _check_data(opts, view) -> list[str]:
    problems = check_factors("detector")(opts, view)
    year = opts["year"]
    n_units = view.data["adcode"].nunique()
    n = n_units * len(view.years) if year == "pooled" else n_units
    sample = view.data if year == "pooled" else view.data[view.data["year"] == (year or max(view.years))]
    for f in opts.get("factors") or []:
        if f in sample.columns and sample[f].nunique(dropna=True) <= 1:
            problems.append(f"[analyses.detector] factors: {f!r} is constant in the data the detector uses; a "
                            "constant factor has no strata — remove it")
    too_many = [k for k in opts["k"] if k > n // 2]
    if too_many:
        problems.append(f"[analyses.detector] k: {too_many} strata are too many for {n} observations (each stratum "
                        f"needs at least two); use k ≤ {n // 2}")
    return problems


ANALYSIS = Analysis(
    cost=0.3,  # rough serial seconds at prefecture level (dispatch order of parallel runs only)
    name="detector", order=140, summary="geographical detector: factor q with p-values and interaction types",
    options={"column": COLUMN, "factors": Opt(list, REQUIRED, doc="explanatory variables", max_len=50),
             "year": Opt((int, str), None, doc='a year, or "pooled" (default: the last year)'),
             "discretize": Opt(str, "optimal", DISCRETIZE, doc="how continuous factors become strata"),
             "k": Opt(list, [3, 4, 5], doc="numbers of strata to try", low=2, high=20, max_len=19)},
    step=step, columns=lambda opts: list(opts.get("factors") or []), check=_check, check_data=_check_data,
    examples={"factors": '["x1", "x2", "x3"]'})

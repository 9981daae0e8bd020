"""``[analyses.threshold]``: Hansen (1999) fixed-effects panel threshold regression (Stata ``xthreg``).

Calls :func:`spatialq.panel.threshold_panel`: thresholds of ``q`` found by grid search, bootstrap F tests of
one against none, two against one, three against two, LR confidence intervals, regime coefficients; writes
the tests, thresholds and coefficients tables and the LR plot.  Needs a balanced panel (checked up front).
"""

from __future__ import annotations

from .._schema import NUM, REQUIRED, Opt
from . import Analysis
from ._common import balanced, col, t

MAX_BOOTSTRAP = 5000


def step(ctx, opts) -> None:
    from ... import panel

    y = col(ctx, opts)
    res = panel.threshold_panel(ctx.data, y, opts["x"], opts["q"], regime=opts["regime"],
                                thresholds=opts["thresholds"], trim=opts["trim"], grid=opts["grid"],
                                bootstrap=opts["bootstrap"], level=opts["level"], se=opts["se"], seed=ctx.seed)
    ctx.table("threshold_tests", res.tests,
              t(ctx, "门槛效应检验（自抽样 F 检验）", "Threshold effect tests (bootstrap F)"))
    ctx.table("threshold_estimates", res.thresholds, t(ctx, f"门槛值估计与 {opts['level']:.0%} 置信区间",
                                                         f"Threshold estimates and {opts['level']:.0%} intervals"))
    ctx.table("threshold_coefficients", res.to_frame(), t(ctx, "门槛模型参数估计", "Threshold model coefficients"))
    ax = res.plot(lang=ctx.lang)
    ctx.figure("threshold_lr", ax, t(ctx, "门槛值的似然比函数", "Likelihood ratio of the threshold"))


def _check(opts, sections) -> list[str]:
    problems = []
    if opts["q"] in (opts.get("x") or []) and opts["q"] not in (opts.get("regime") or opts.get("x") or []):
        problems.append("[analyses.threshold] q: the threshold variable is a regressor but not in the regime list")
    extra = sorted(set(opts.get("regime") or []) - set(opts.get("x") or []))
    if extra:
        problems.append(f"[analyses.threshold] regime: {extra} are not in x")
    return problems


def _check_data(opts, view) -> list[str]:
    problems = balanced("threshold", view)
    n = view.data["adcode"].nunique()
    if n < 5:
        problems.append(f"[analyses.threshold]: {n} regions; a panel threshold model needs at least 5")
    if opts["q"] in view.data.columns and view.data[opts["q"]].nunique() <= 1:
        problems.append(f"[analyses.threshold] q: {opts['q']!r} is constant; it has no threshold")
    return problems


ANALYSIS = Analysis(
    name="threshold", order=165,
    summary="Hansen panel threshold regression: bootstrap F tests, thresholds with LR intervals, regime slopes",
    options={"column": Opt(str, None, doc="explained variable (default: the index)"),
             "x": Opt(list, REQUIRED, doc="regressors (unit fixed effects are included)", min_len=1, max_len=50),
             "q": Opt(str, REQUIRED, doc="threshold variable"),
             "regime": Opt(list, None, doc="regressors whose slope changes at the thresholds (default: all of x)",
                           max_len=50),
             "thresholds": Opt(int, 1, (1, 2, 3), doc="number of thresholds"),
             "trim": Opt(NUM, 0.05, doc="share of observations kept out of each end of q", low=0.01, high=0.25),
             "grid": Opt(int, 300, doc="candidate thresholds", low=10, high=2000),
             "bootstrap": Opt(int, 300, doc=f"bootstrap replications of the F tests (10–{MAX_BOOTSTRAP})", low=10,
                              high=MAX_BOOTSTRAP),
             "level": Opt(NUM, 0.95, doc="confidence level of the threshold intervals", low=0.5, high=0.999),
             "se": Opt(str, "conventional", ("conventional", "cluster"), doc="standard errors of the slopes")},
    step=step, columns=lambda opts: [*(opts.get("x") or []), opts["q"]] if opts.get("q") else list(opts.get("x") or []),
    check=_check, check_data=_check_data, template_off=True,
    examples={"x": '["x1", "x2"]', "q": '"x1"'})

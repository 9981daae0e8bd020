"""``[analyses.convergence]``: σ-convergence (dispersion by year) and β-convergence."""

from __future__ import annotations

from .._schema import Opt
from . import Analysis
from ._common import COLUMN, col, labels, t


def step(ctx, opts) -> None:
    from ... import inequality

    c = col(ctx, opts)
    for kind in opts["kind"]:
        res = inequality.convergence(ctx.data, c, kind=kind, panel=opts["panel"] and kind == "beta")
        ctx.table(f"{kind}_convergence", res.to_frame(), t(ctx, f"{'σ' if kind == 'sigma' else 'β'} 收敛检验",
                                                           f"{kind}-convergence"))
        if kind == "sigma":
            ax = labels(ctx, res.plot(lang=ctx.lang), x=("年份", "year"), y=("离散程度", "dispersion"))
            ctx.figure("sigma_convergence", ax, t(ctx, "σ 收敛", "σ-convergence"))


def _check(opts, sections) -> list[str]:
    bad = [k for k in opts["kind"] if k not in ("sigma", "beta")]
    return [f'[analyses.convergence] kind: {bad} not in ["sigma", "beta"]'] if bad else []


def _check_data(opts, view) -> list[str]:
    if "beta" in opts["kind"] and len(view.years) < 2:
        return [f"[analyses.convergence] kind: β-convergence needs at least two years; the data have "
                f"{list(view.years)}"]
    return []


ANALYSIS = Analysis(
    cost=0.15,  # rough serial seconds at prefecture level (dispatch order of parallel runs only)
    name="convergence", order=100, summary="σ-convergence (CV by year) and absolute β-convergence",
    options={"column": COLUMN, "kind": Opt(list, ["sigma", "beta"], doc='any of "sigma", "beta"', max_len=2),
             "panel": Opt(bool, True, doc="β from the panel of annual growth (else first-to-last year)")},
    step=step, check=_check, check_data=_check_data)

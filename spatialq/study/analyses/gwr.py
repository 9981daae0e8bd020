"""``[analyses.gwr]``: geographically weighted regression (GWR or MGWR) of one year, coefficient maps.

Calls :func:`spatialq.local.gwr` or :func:`spatialq.local.mgwr` on the study's units of ``year`` (default: the
last year) with their centroids in China Albers (km); writes the diagnostics, the local estimates (with
significance at the da Silva & Fotheringham corrected critical value) and small multiples of the local
coefficients with non-significant units hatched.  mgwr's adaptive search starts at 40 + 2p neighbours, more than
a province study has: set ``bw_min`` (checked up front).
"""

from __future__ import annotations

from .._schema import NUM, REQUIRED, Opt
from . import Analysis
from ._common import col, last_year, named, t


def _fit(ctx, opts):
    from ... import local

    y = col(ctx, opts)
    year = last_year(ctx, opts)
    part = ctx.data[ctx.data["year"] == year].drop(columns="year")
    common = dict(id="adcode", geometry=ctx.gdf, kernel=opts["kernel"], fixed=opts["fixed"],
                  criterion=opts["criterion"], bw_min=opts["bw_min"], bw_max=opts["bw_max"])
    if opts["model"] == "mgwr":
        return local.mgwr(part, y, opts["x"], standardize=opts["standardize"], **common), year
    return local.gwr(part, y, opts["x"], bandwidth=opts["bandwidth"], **common), year


def diagnostics_table(res):
    import pandas as pd

    d = res.diagnostics
    rows = [("AICc", d["aicc"]), ("R2", d["r2"]), ("adj_R2", d["adj_r2"]), ("ENP", d["enp"]), ("RSS", d["rss"]),
            ("OLS_AICc", res.ols["aicc"]), ("OLS_R2", res.ols["r2"])]
    if hasattr(res, "bandwidths"):
        rows += [(f"bandwidth_{k}", float(v)) for k, v in res.bandwidths["bandwidth"].items()]
        rows += [(f"critical_t_{k}", float(v)) for k, v in res.bandwidths["critical_t"].items()]
    else:
        rows += [("bandwidth", float(res.bandwidth)), ("critical_t", res.critical_t)]
    return pd.DataFrame(rows, columns=["item", "value"])


def step(ctx, opts) -> None:
    res, year = _fit(ctx, opts)
    model = opts["model"].upper()
    ctx.table("gwr_diagnostics", diagnostics_table(res),
              t(ctx, f"{model} 模型诊断（{year} 年）", f"{model} diagnostics ({year})"))
    ctx.table("gwr_coefficients", named(ctx, res.to_frame()),
              t(ctx, f"{model} 局部系数估计（{year} 年）", f"{model} local coefficients ({year})"))
    title = t(ctx, f"{model} 局部系数（斜线：不显著）", f"{model} local coefficients (hatched: not significant)")
    fig = res.maps(geometry=ctx.gdf, lang=ctx.lang, title=title)
    ctx.figure("gwr_coefficients_maps", fig, title)


def _check(opts, sections) -> list[str]:
    problems = []
    if opts.get("model") == "mgwr" and opts.get("bandwidth") is not None:
        problems.append("[analyses.gwr] bandwidth: a single bandwidth applies to model = \"gwr\" only")
    if not opts.get("fixed") and opts.get("bandwidth") is not None and opts["bandwidth"] != int(opts["bandwidth"]):
        problems.append("[analyses.gwr] bandwidth: an adaptive bandwidth is a number of neighbours (an integer)")
    lo, hi = opts.get("bw_min"), opts.get("bw_max")
    if lo is not None and hi is not None and lo >= hi:
        problems.append(f"[analyses.gwr] bw_min: {lo} is not below bw_max {hi}")
    return problems


def _check_data(opts, view) -> list[str]:
    problems = []
    year = opts.get("year") or max(view.years)
    if year not in view.years:
        return [f"[analyses.gwr] year: {year} is not in the data (years {list(view.years)})"]
    n = int((view.data["year"] == year).sum())
    p = len(opts.get("x") or []) + 1
    if n < p + 3:
        problems.append(f"[analyses.gwr]: {n} regions in {year}; GWR with {p} coefficients needs at least {p + 3}")
    if opts.get("bandwidth") is None and not opts.get("fixed"):
        start = opts.get("bw_min") or (40 + 2 * p if opts.get("model", "gwr") == "gwr" else 42)
        if start > n:
            problems.append(f"[analyses.gwr] bw_min: mgwr's adaptive bandwidth search starts at {start} neighbours but "
                            f"there are {n} regions in {year}; set bw_min (e.g. {min(n, max(p + 2, n // 3))}) or "
                            "bandwidth")
    if opts.get("bandwidth") is not None and not opts.get("fixed") and opts["bandwidth"] > n:
        problems.append(f"[analyses.gwr] bandwidth: {opts['bandwidth']} neighbours exceeds the {n} regions in {year}")
    return problems


ANALYSIS = Analysis(
    name="gwr", order=175,
    summary="GWR / MGWR of one year: bandwidth by AICc, local coefficients and t (corrected), coefficient maps",
    options={"column": Opt(str, None, doc="explained variable (default: the index)"),
             "x": Opt(list, REQUIRED, doc="regressors (an intercept is added)", min_len=1, max_len=10),
             "model": Opt(str, "gwr", ("gwr", "mgwr"), doc="GWR (one bandwidth) or MGWR (one per coefficient)"),
             "year": Opt(int, None, doc="the cross-section (default: the last year)"),
             "kernel": Opt(str, "bisquare", ("bisquare", "gaussian"), doc="spatial kernel"),
             "fixed": Opt(bool, False, doc="fixed distance bandwidth (km) instead of nearest neighbours"),
             "criterion": Opt(str, "AICc", ("AICc", "CV"), doc="bandwidth criterion"),
             "bandwidth": Opt(NUM, None, doc="given bandwidth (GWR): neighbours, or km if fixed", low=1),
             "bw_min": Opt(NUM, None, doc="lower end of the bandwidth search", low=1),
             "bw_max": Opt(NUM, None, doc="upper end of the bandwidth search", low=1),
             "standardize": Opt(bool, True, doc="MGWR: z-score y and x first (as the MGWR program)")},
    step=step, columns=lambda opts: list(opts.get("x") or []), check=_check, check_data=_check_data,
    template_off=True, examples={"x": '["x1", "x2"]', "bw_min": "10"})

"""``[analyses.regression]``: spatial regressions of the drivers — two-way fixed-effects spatial panels,
or one cross-section (``cross_section = true``, or data with one year) — with LM tests, model tests and
direct / indirect / total effects.

The formula is read by spatialq's own grammar (:mod:`spatialq.formula`): column names, ``+ - * :``,
``0``/``1`` and a closed list of transforms.  It is parsed, never evaluated.
"""

from __future__ import annotations

import pandas as pd

from .._schema import REQUIRED, Opt
from . import Analysis
from ._common import t

MODELS = ("ols", "slx", "sar", "sem", "sdm", "sdem", "sac")
EFFECT_MODELS = ("sar", "sdm", "sac", "sdem", "slx")
GMM_MODELS = ("sar", "sem", "sdm", "sdem", "sac")
MAX_DRAWS = 100_000


def _formula(opts):
    from ...formula import parse

    return parse(opts["formula"])


def _cross_section(ctx, opts) -> int | None:
    """The year of a cross-section regression, or None for a panel."""
    years = sorted(ctx.data["year"].unique())
    if opts["cross_section"] or len(years) == 1:
        return int(opts["year"] or years[-1])
    return None


def _fitter(ctx, opts, f, year):
    """(fit(model) -> result, a caption word) for the study's kind of regression; writes the LM tests."""
    from ... import panel, regression

    common = {"n_draws": opts["n_draws"], "seed": ctx.seed}
    if year is not None:
        data = ctx.data[ctx.data["year"] == year]
        if opts["lm_tests"]:
            ctx.table("lm_tests", regression.lm_tests(data, f, ctx.w),
                      t(ctx, f"LM 检验（{year} 年 OLS 残差）", f"LM tests (OLS residuals, {year})"))
        if opts["method"] == "gmm":
            return (lambda m: regression.spatial_model(data, f, ctx.w, model=m, method="gmm", **common),
                    t(ctx, f"{year} 年截面（GMM/2SLS）", f"{year} cross-section (GMM / 2SLS)"))
        return (lambda m: regression.spatial_model(data, f, ctx.w, model=m, **common),
                t(ctx, f"{year} 年截面", f"{year} cross-section"))
    if opts["dynamic"]:
        return (lambda m: panel.dynamic_panel(ctx.data, f, ctx.w, model=m, effects=opts["effects"], **common),
                t(ctx, "动态面板", "dynamic panel"))
    if opts["effects"] == "random":
        return (lambda m: panel.spatial_panel_re(ctx.data, f, ctx.w, model=m, errors=opts["re_errors"], **common),
                t(ctx, "随机效应面板", "random-effects panel"))
    if opts["lm_tests"] and opts["effects"] != "none":
        ctx.table("lm_tests", panel.lm_tests(ctx.data, f, ctx.w, effects=opts["effects"]),
                  t(ctx, "LM 检验（固定效应模型残差）", "LM tests (fixed-effects residuals)"))
    return (lambda m: panel.spatial_panel(ctx.data, f, ctx.w, model=m, effects=opts["effects"], lee_yu=opts["lee_yu"],
                                          **common), t(ctx, "面板", "panel"))


def _effects_tables(ctx, m: str, r) -> None:
    from ... import report

    if m in EFFECT_MODELS and r.effects_inference is not None:
        ctx.table(f"effects_{m}", report.effects_table(r, lang=ctx.lang, digits=ctx.digits),
                  t(ctx, f"{m.upper()} 直接效应、间接效应与总效应（括号内为 t 值）",
                    f"{m.upper()} direct, indirect and total effects (t in parentheses)"), formatted=True,
                  note=report.STAR_NOTE_T[ctx.lang])
    long_run = getattr(r, "long_run_effects_inference", None)
    if long_run is not None and len(long_run):
        from types import SimpleNamespace

        ctx.table(f"long_run_effects_{m}",
                  report.effects_table(SimpleNamespace(effects_inference=long_run), lang=ctx.lang, digits=ctx.digits),
                  t(ctx, f"{m.upper()} 长期直接效应、间接效应与总效应（括号内为 t 值）",
                    f"{m.upper()} long-run direct, indirect and total effects (t in parentheses)"), formatted=True,
                  note=report.STAR_NOTE_T[ctx.lang])


def _hausman(ctx, opts, f, results, names) -> None:
    """Random effects: the spatial Hausman test of each model against its unit fixed-effects fit."""
    from ... import panel

    rows = []
    for r, n in zip(results, names):
        fe = panel.spatial_panel(ctx.data, f, ctx.w, model=n.lower(), effects="individual", n_draws=opts["n_draws"],
                                 seed=ctx.seed)
        h = panel.spatial_hausman(fe, r)
        rows.append({"model": n, "statistic": float(h["statistic"]), "df": int(h["df"]), "p": float(h["p"])})
    ctx.table("hausman", pd.DataFrame(rows), t(ctx, "空间 Hausman 检验（随机效应 vs 固定效应）",
                                              "Spatial Hausman test (random vs fixed effects)"))


def step(ctx, opts) -> None:
    from ... import report

    f = _formula(opts)
    fit, kind = _fitter(ctx, opts, f, _cross_section(ctx, opts))
    results, names = [], []
    for m in opts["models"]:
        r = fit(m)
        results.append(r)
        names.append(m.upper())
        _effects_tables(ctx, m, r)
    if opts["effects"] == "random" and _cross_section(ctx, opts) is None and not opts["dynamic"]:
        _hausman(ctx, opts, f, results, names)
    tests = [r.tests.assign(model=n) for r, n in zip(results, names) if getattr(r, "tests", None) is not None
             and len(r.tests)]
    if tests:
        tests = pd.concat(tests, ignore_index=True)
        tests = tests[["model", *[c for c in tests.columns if c != "model"]]]
        ctx.table("model_tests", tests, t(ctx, "模型检验（Wald 与 LR）", "Model tests (Wald and LR)"))
    cmp = report.compare(results, names=names, lang=ctx.lang, digits=ctx.digits)
    ctx.table("regression", cmp, t(ctx, f"空间计量模型估计结果（{kind}）", f"Spatial model estimates ({kind})"),
              formatted=True)
    if results and results[-1].effects is not None:
        from ._common import labels

        ax = labels(ctx, results[-1].plot(), x=("效应（95% 置信区间）", "effect (95% interval)"))
        ctx.figure("effects", ax, t(ctx, f"{names[-1]} 效应分解", f"{names[-1]} effects"))


def _columns(opts) -> list[str]:
    from ...formula import FormulaError

    try:
        return list(_formula(opts).columns)
    except FormulaError:
        return []  # reported by _check


def _text_columns(opts) -> list[str]:
    from ...formula import FormulaError

    try:
        return list(_formula(opts).categorical)
    except FormulaError:
        return []


def _check(opts, sections) -> list[str]:
    from ...formula import FormulaError

    problems = []
    try:
        _formula(opts)
    except FormulaError as err:
        problems.append(f"[analyses.regression] formula: {err}")
    if opts["effects"] == "random":
        wrong = [m for m in opts["models"] if m not in ("sar", "sem")]
        if wrong:
            problems.append(f'[analyses.regression] models: random effects are estimated for "sar" and "sem", not '
                            f"{wrong}")
    elif opts["re_errors"] != "b":
        problems.append('[analyses.regression] re_errors: the random-effects error model needs effects = "random"')
    if opts["method"] == "gmm":
        wrong = [m for m in opts["models"] if m not in GMM_MODELS]
        if wrong:
            problems.append(f"[analyses.regression] models: GMM / 2SLS estimates {list(GMM_MODELS)}, not {wrong}")
        if not opts["cross_section"]:
            problems.append("[analyses.regression] method: GMM / 2SLS is for a cross-section; add cross_section = true")
    if opts["dynamic"]:
        wrong = [m for m in opts["models"] if m not in ("sdm", "sar")]
        if wrong:
            problems.append(f'[analyses.regression] models: dynamic panels are "sdm" or "sar", not {wrong}')
        if opts["effects"] not in ("individual", "twoways"):
            problems.append('[analyses.regression] effects: a dynamic panel takes "individual" or "twoways"')
        if opts["cross_section"]:
            problems.append("[analyses.regression] dynamic: a cross-section has no dynamics")
    bad = [m for m in opts["models"] if m not in MODELS]
    if not opts["models"]:
        problems.append(f"[analyses.regression] models: name at least one of {list(MODELS)}")
    if bad:
        problems.append(f"[analyses.regression] models: {bad} not in {list(MODELS)}")
    return problems


def _weight_years(opts, view) -> tuple[int, ...] | None:
    """A cross-section uses the weights in its year only: gaps in other years do not matter."""
    if opts["cross_section"] or len(view.years) == 1:
        return (int(opts["year"] or view.years[-1]),)
    return None


def _check_data(opts, view) -> list[str]:
    if opts["year"] is not None and not opts["cross_section"] and len(view.years) > 1:
        return ["[analyses.regression] year: only used with cross_section = true (the data have "
                f"{len(view.years)} years); add cross_section = true or remove year"]
    return _check_domain(opts, view)


def _check_domain(opts, view) -> list[str]:
    """The formula's transforms on the data (log of a value ≤ 0, sqrt of a negative …), before any run;
    columns the study creates (the index, sub-systems) are checked when they exist, i.e. not here."""
    from ...formula import FormulaError

    try:
        f = _formula(opts)
    except FormulaError:
        return []  # reported by _check
    data = view.data
    created = [c for c in f.columns if c not in data.columns]
    if any(c in f.categorical for c in created):
        return []
    if opts["cross_section"] or len(view.years) == 1:
        data = data[data["year"] == (opts["year"] or max(view.years))]
    try:
        f.design(data.assign(**{c: 0.5 for c in created}), intercept=True)
    except KeyError:
        return []  # a missing column: reported with the other columns
    except ValueError as err:
        return [f"[analyses.regression] formula: {err}"]
    return []


ANALYSIS = Analysis(
    cost=0.4,  # rough serial seconds at prefecture level (dispatch order of parallel runs only)
    name="regression", order=160,
    summary="spatial regressions (two-way FE panel or one cross-section) with LM tests and effects",
    options={"formula": Opt(str, REQUIRED, doc='e.g. "index ~ x1 + log(x2)" (spatialq formula grammar)'),
             "models": Opt(list, ["sar", "sem", "sdm"], doc=f"any of {', '.join(MODELS)}", max_len=7),
             "effects": Opt(str, "twoways", ("twoways", "individual", "time", "none", "random"),
                            doc="fixed effects of the panel, or random unit effects (sar, sem; with the spatial "
                                "Hausman test)"),
             "method": Opt(str, "ml", ("ml", "gmm"), doc='"ml" (maximum likelihood) or "gmm" (spreg\'s GMM / 2SLS, '
                                                      "Kelejian–Prucha; cross-section only)"),
             "re_errors": Opt(str, "b", ("b", "kkp"), doc='random-effects error model of "sem": "b" (Baltagi, Song '
                              '& Koh; splm spatial.error="b") or "kkp" (Kapoor, Kelejian & Prucha)'),
             "dynamic": Opt(bool, False, doc="dynamic panel with y(t−1) and W·y(t−1) (sdm, sar; effects individual "
                                             "or twoways; short- and long-run effects)"),
             "lee_yu": Opt(bool, True, doc="Lee–Yu transformation approach (panel)"),
             "n_draws": Opt(int, 1000, doc=f"draws for the effects' inference (2–{MAX_DRAWS})", low=2,
                            high=MAX_DRAWS),
             "lm_tests": Opt(bool, True, doc="LM tests of the non-spatial model"),
             "cross_section": Opt(bool, False, doc="one cross-section (year) instead of the panel"),
             "year": Opt(int, None, doc="year of the cross-section (default: the last)", low=1000, high=3000)},
    step=step, columns=_columns, text_columns=_text_columns, check=_check, check_data=_check_data,
    uses_weights=True,
    weight_years=_weight_years, examples={"formula": '"index ~ x1 + x2 + x3"'})

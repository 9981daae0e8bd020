"""The result of a spatial regression (cross-section or panel) and journal-style comparisons."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .._numbers import number
from .._results import Result

NAMES_ZH = {"ols": "最小二乘 (OLS)", "slx": "空间滞后自变量模型 (SLX)", "sar": "空间滞后模型 (SAR)",
            "sem": "空间误差模型 (SEM)", "sdm": "空间杜宾模型 (SDM)", "sdem": "空间杜宾误差模型 (SDEM)",
            "sac": "空间自相关模型 (SAC)"}
EFFECT_ZH = {"direct": "直接效应", "indirect": "间接效应", "total": "总效应"}


def stars(p: float) -> str:
    """*** p < 0.01, ** p < 0.05, * p < 0.1 (the convention of Chinese economics journals)."""
    if not np.isfinite(p):
        return ""
    return "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.1 else ""


@dataclass(frozen=True, eq=False, repr=False)
class SpatialRegressionResult(Result):
    """Estimates of one spatial model.

    ``params`` (regression coefficients, ``W*x`` for lagged regressors, then ``rho`` and/or
    ``lambda``), ``std_errors``, ``zvalues``, ``pvalues`` (asymptotic normal, as spatialreg),
    ``cov`` (including ``sigma2``), ``rho`` / ``lambda_`` (None when not in the model), ``sigma2``,
    ``loglik``, ``aic``, ``nobs``; ``effects`` (direct / indirect / total per regressor) and
    ``effects_inference`` (long: estimate, std_error, t, p, interval); ``tests`` (LR, Wald and LM
    tests); ``residuals`` and ``fitted`` keyed by id (and period for panels).  ``se_method`` says how the
    standard errors were computed (expected or observed information, exact or stochastic traces) and
    ``se_error`` is the largest relative Monte Carlo error (1 σ) of the standard errors from stochastic
    traces (0 when exact).  ``logdet`` says how ln|I − ρW| was computed; ``logdet_bound`` is the half-width of
    the 95 % interval of the Monte Carlo log-determinant at the estimate (0 when exact) — the log-likelihood
    (and each LR statistic, twice over) carries an error of that size.
    """

    model: str
    formula: str
    params: pd.Series
    std_errors: pd.Series
    cov: pd.DataFrame
    rho: float | None
    lambda_: float | None
    sigma2: float
    loglik: float
    nobs: int
    effects: pd.DataFrame | None
    effects_inference: pd.DataFrame | None
    tests: pd.DataFrame
    residuals: pd.Series
    fitted: pd.Series
    se_method: str
    panel: dict | None = None
    se_error: float = 0.0
    logdet: str = ""
    logdet_bound: float = 0.0

    @property
    def zvalues(self) -> pd.Series:
        return self.params / self.std_errors

    @property
    def pvalues(self) -> pd.Series:
        return pd.Series(2 * stats.norm.sf(np.abs(self.zvalues)), index=self.params.index)

    @property
    def n_params(self) -> int:
        """Parameters counted in the AIC: coefficients, spatial parameters and σ²."""
        return len(self.params) + 1

    @property
    def aic(self) -> float:
        return -2 * self.loglik + 2 * self.n_params

    @property
    def bic(self) -> float:
        return -2 * self.loglik + np.log(self.nobs) * self.n_params

    def _title(self) -> str:
        kind = "panel " if self.panel else ""
        return f"Spatial {kind}regression: {self.model.upper()} — {NAMES_ZH[self.model]}"

    def _summary_lines(self) -> list[str]:
        lines = [f"formula: {self.formula}"]
        if self.panel:
            lines.append("fixed effects: {effects}  Lee–Yu: {lee_yu}  N = {N}  T = {T}".format(**self.panel))
        err = f", Monte Carlo error of the SEs ≤ {self.se_error:.2%}" if self.se_error else ""
        lines.append(f"n = {self.nobs}  log-likelihood = {self.loglik:.4f}  AIC = {self.aic:.4f}  "
                     f"σ² = {self.sigma2:.6g}  standard errors: {self.se_method}{err}")
        if self.logdet_bound:
            lines.append(self.logdet)
        lines += ["", self.to_frame().to_string(float_format=lambda v: f"{v:.6g}")]
        if self.effects_inference is not None:
            e = self.effects_inference.copy()
            e["stars"] = e["p"].map(stars)
            lines += ["", "Effects (LeSage–Pace) 效应分解:",
                      e.to_string(index=False, float_format=lambda v: f"{v:.6g}")]
        if len(self.tests):
            lines += ["", "Tests 检验:", self.tests.to_string(index=False, float_format=lambda v: f"{v:.6g}")]
        return lines

    def to_frame(self) -> pd.DataFrame:
        """One row per parameter: estimate, std_error, z, p, stars."""
        out = pd.DataFrame({"estimate": self.params, "std_error": self.std_errors, "z": self.zvalues,
                            "p": self.pvalues})
        out["stars"] = out["p"].map(stars)
        out.index.name = "term"
        return out

    def _plot(self, ax, **kw):
        """Effects with their intervals (coefficients for OLS)."""
        if self.effects_inference is None:
            f = self.to_frame()
            ax.errorbar(f["estimate"], range(len(f)), xerr=1.96 * f["std_error"], fmt="o", color="#4477aa")
            ax.set_yticks(range(len(f)), f.index)
        else:
            e = self.effects_inference
            terms = list(dict.fromkeys(e["term"]))
            colours = {"direct": "#4477aa", "indirect": "#ee6677", "total": "#228833"}
            for j, eff in enumerate(("direct", "indirect", "total")):
                s = e[e["effect"] == eff].set_index("term").loc[terms]
                y = np.arange(len(terms)) + (j - 1) * 0.25
                ax.errorbar(s["estimate"], y, xerr=[s["estimate"] - s["ci_lower"], s["ci_upper"] - s["estimate"]],
                            fmt="o", color=colours[eff], label=EFFECT_ZH[eff])
            ax.set_yticks(range(len(terms)), terms)
            ax.legend(frameon=False)
        ax.axvline(0, color="grey", linewidth=0.8)
        ax.set_title(NAMES_ZH[self.model])
        return ax


def compare(results, *, names=None, stat: str = "se", digits: int = 3) -> pd.DataFrame:
    """Journal-style comparison table: a column per model, coefficient with stars and its
    standard error (``stat="se"``) or z (``stat="z"``) in parentheses below; then ρ, λ, σ², log L,
    AIC and n.  Cells are strings; use ``spatialq.report`` to write them."""
    results = list(results)
    names = list(names) if names is not None else [r.model.upper() for r in results]
    if len(names) != len(results):
        raise ValueError(f"{len(names)} names for {len(results)} results")
    terms = list(dict.fromkeys(t for r in results for t in r.params.index if t not in {"rho", "lambda"}))
    terms += [t for t in ("rho", "lambda") if any(t in r.params.index for r in results)]
    rows = {}
    for t in terms:
        rows[t] = []
        rows[f"({t})"] = []
        for r in results:
            if t in r.params.index:
                p = r.pvalues[t]
                rows[t].append(number(r.params[t], digits) + stars(p))
                s = r.std_errors[t] if stat == "se" else r.zvalues[t]
                rows[f"({t})"].append(f"({number(s, digits)})")
            else:
                rows[t].append("")
                rows[f"({t})"].append("")
    rows["sigma2"] = [number(r.sigma2, digits) for r in results]
    # no likelihood (GMM / 2SLS): a blank cell, not "nan"
    rows["log L"] = [number(r.loglik, digits) if np.isfinite(r.loglik) else "" for r in results]
    rows["AIC"] = [number(r.aic, digits) if np.isfinite(r.aic) else "" for r in results]
    rows["n"] = [str(r.nobs) for r in results]
    out = pd.DataFrame(rows, index=names).T
    out.index = ["" if i.startswith("(") else i for i in out.index]
    return out

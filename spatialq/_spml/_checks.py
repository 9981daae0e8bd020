"""Checks that stop a spatial regression before it prints a misleading table (issue 14).

Every check raises :class:`spatialq._guards.InputError` (a ``ValueError``) whose message names the
response, the regressors, the column or the model, and says what to do:

* **Numbers stored as text.**  A column referenced by a formula string whose values are numbers held as
  text ("10.655", "1,234") would be dummy-coded by formulaic (one column per value, then "31 collinear
  regressors").  It is refused, naming the column; ``C(col)`` keeps the dummy coding when it is meant.
* **Constant response** (also after the fixed effects are removed).
* **Too few observations.**  Every model needs at least two residual degrees of freedom beyond all its
  parameters: n ≥ k + p + 2, with k the columns of the design (lagged ``W*x`` included) and p the number
  of spatial parameters (0 OLS/SLX, 1 SAR/SEM/SDM/SDEM, 2 SAC); e.g. SAR of ``y ~ x`` needs 5 units.
  Panels count the observations left after the fixed effects (NT − N − T + 1 for two-way effects in the
  direct approach, (N − 1)(T − 1) with Lee–Yu) and need at least 3 units.
* **Rank deficiency and near-singularity**: :func:`spatialq._guards.check_condition` on the transformed
  design (columns scaled to unit length; limit ``CONDITION_LIMIT`` = 1e8).
* **Perfect fit**: residual variance below ``PERFECT_FIT`` = 1e-12 times the variance of the
  (transformed) response, i.e. R² > 1 − 1e-12: the OLS fit before estimation, the model's σ̂² after.
  Standard errors would be 0 (or NaN) and z infinite.
* **Magnitudes.**  Columns whose largest magnitude is beyond ``SCALE_LIMIT`` = 1e30 (or below its
  inverse) would overflow in σ⁴, σ⁶ of the information matrices; they are divided by a power of two before
  estimation and every number is mapped back exactly (:class:`Scaling`), so the result equals the one at
  ordinary scale.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._guards import InputError, check_condition, check_fit_ratio, check_min_units, scale_exponent

#: Columns with magnitudes beyond this (or below its inverse) are rescaled by a power of two.
SCALE_LIMIT = 1e30
#: Spatial parameters per model.
N_SPATIAL = {"ols": 0, "slx": 0, "sar": 1, "sem": 1, "sdm": 1, "sdem": 1, "sac": 2}

_NAME = re.compile(r"`([^`]+)`|([^\W\d][\w.]*)")


def _looks_numeric(values: pd.Series) -> tuple[bool, list]:
    """(most distinct values are numbers written as text, examples of cells that are not numbers)."""
    s = values.dropna().astype(str).str.strip()
    distinct = pd.Series(s.unique())
    if distinct.empty:
        return False, []
    cleaned = distinct.str.replace(r"(?<=\d)[,\s](?=\d{3})", "", regex=True).str.replace("\u2212", "-")
    num = pd.to_numeric(cleaned, errors="coerce")
    share = float(num.notna().mean())
    return share >= 0.5, distinct[num.isna()].head(3).tolist()


def _only_in_c(formula: str, name: str) -> bool:
    uses = [m.start() for m in re.finditer(rf"(?<![\w.`]){re.escape(name)}(?![\w.`])|`{re.escape(name)}`", formula)]
    return bool(uses) and all(re.search(r"\bC\(\s*$", formula[:u]) for u in uses)


def check_text_columns(df: pd.DataFrame, formula: str, *, method: str) -> None:
    """Refuse columns of numbers stored as text that ``formula`` uses as numbers (outside ``C()``)."""
    cols = {str(c): c for c in df.columns}
    seen = []
    for quoted, bare in _NAME.findall(formula):
        name = quoted or bare
        if name in cols and name not in seen:
            seen.append(name)
    for name in seen:
        s = df[cols[name]]
        if isinstance(s, pd.DataFrame) or not (pd.api.types.is_object_dtype(s.dtype)
                                                or pd.api.types.is_string_dtype(s.dtype)):
            continue
        if _only_in_c(formula, name):  # every use is C(name): dummy coding is asked for
            continue
        numeric, other = _looks_numeric(s)
        if numeric:
            example = s.dropna().iloc[0]
            extra = f"; some cells are not numbers ({', '.join(map(repr, other))})" if other else ""
            raise InputError(f"{method}: column {name!r} holds numbers stored as text (e.g. {example!r}){extra}. "
                             f"As text it would become one dummy variable per value. Convert it with "
                             f"pandas.to_numeric(df[{name!r}]) (remove thousands separators first), or write "
                             f"C({name}) if the values are category codes")


def check_response(y_raw: np.ndarray, y: np.ndarray, *, response: str, method: str, absorbed_by: str = "") -> None:
    """The response varies (in the raw data, and after the fixed effects are removed)."""
    y_raw = np.asarray(y_raw, float)
    spread = float(np.ptp(y_raw)) if y_raw.size else 0.0
    scale = max(float(np.max(np.abs(y_raw))) if y_raw.size else 0.0, np.finfo(float).tiny)
    if spread <= 1e-12 * scale:
        raise InputError(f"{method}: the response {response!r} is constant ({y_raw[0]:.6g} for every observation); "
                         "a regression of a constant is undefined (ρ, λ and the standard errors would be "
                         "meaningless)")
    dev = np.asarray(y, float) - np.mean(y)
    if absorbed_by and math.sqrt(float(dev @ dev) / len(dev)) <= 1e-12 * scale:
        raise InputError(f"{method}: the response {response!r} does not vary after removing {absorbed_by} "
                         "(it is constant within units or within periods); nothing is left to explain")


def check_size(n: int, k: int, model: str, *, method: str, what: str = "units", units: int | None = None) -> None:
    """n ≥ k + p + 2 (two residual degrees of freedom beyond every parameter); panels ≥ 3 units."""
    if units is not None:
        check_min_units(units, 3, method=method, what="units",
                        why="spatial weights over fewer units leave no spatial structure to estimate")
    p = N_SPATIAL[model]
    kind = {0: "", 1: ", one spatial parameter", 2: ", two spatial parameters"}[p]
    check_min_units(n, k + p + 2, method=method, what=what,
                    why=f"{model.upper()} with {k} regressor column(s){kind} and σ² needs n ≥ k + p + 2")


def check_design(X: np.ndarray, names: list[str], *, method: str, hint: str = "") -> float:
    """Rank deficiency and near-singularity of the (transformed) design."""
    try:
        return check_condition(X, names, method=method)
    except InputError as err:
        raise InputError(f"{err}{hint}") from None


def check_perfect_fit(resid_ss: float, y: np.ndarray, *, response: str, method: str, model: str) -> None:
    """Residual variance ≥ PERFECT_FIT × variance of y (the transformed response): ``_guards.check_fit_ratio``."""
    what = "the regressors explain" if model in {"ols", "slx"} else f"the {model.upper()} model explains"
    check_fit_ratio(resid_ss, y, response=response, method=method, what=what)


@dataclass(frozen=True)
class Scaling:
    """Powers of two applied to y (``fy``) and to each column of X (``fx``): y_s = fy·y, x_s = fx·x.

    Coefficients map back as β = β_s·fx/fy, σ² = σ²_s/fy², log L = log L_s + n·ln fy; ρ, λ and every
    test statistic are unchanged.  Multiplying by a power of two is exact in floating point."""

    fy: float = 1.0
    fx: tuple[float, ...] = ()

    @property
    def identity(self) -> bool:
        return self.fy == 1.0 and all(f == 1.0 for f in self.fx)


def _power2(values: np.ndarray) -> float:
    """The power of two that brings a column beyond SCALE_LIMIT (or below its inverse) near 1; else 1."""
    return math.ldexp(1.0, -scale_exponent(values, limit=SCALE_LIMIT))


def scaled(y: np.ndarray, X: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame, Scaling]:
    """y and X with extreme columns divided by a power of two (identity for ordinary data)."""
    fy = _power2(np.asarray(y, float))
    fx = tuple(_power2(X[c].to_numpy(dtype=float)) for c in X.columns)
    sc = Scaling(fy, fx)
    if sc.identity:
        return y, X, sc
    return np.asarray(y, float) * fy, X * np.asarray(fx), sc


def param_factors(sc: Scaling, names: list[str], spec_names: list[str], durbin: list[int]) -> np.ndarray:
    """Factors that map scaled parameters (β of ``names`` incl. ``W*x``, then ρ/λ) back: fx/fy or 1."""
    base = dict(zip(spec_names, sc.fx))
    lagged = {f"W*{spec_names[j]}": sc.fx[j] for j in durbin}
    out = []
    for n in names:
        if n in base:
            out.append(base[n] / sc.fy)
        elif n in lagged:
            out.append(lagged[n] / sc.fy)
        else:  # rho, lambda
            out.append(1.0)
    return np.asarray(out)

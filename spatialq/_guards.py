"""Shared guards: the checks every analysis calls before it computes a number.

"A number that looks valid is valid": too few units, constant or non-finite values, magnitudes that
overflow, near-singular designs, a projection that is not equal-area — each is an
:class:`InputError` (a ``ValueError``) whose message names the unit, column, period or option and
says what to do.  Analyses call these functions instead of writing their own checks, so the rules
(and their wording) live in one place; ``docs/errors.md`` lists them with the minimum sizes per
method.

Conventions
-----------
- ``period`` is the period an error is about (``None`` for one cross-section); messages say
  "in 2015".
- ``method`` is the public function's name (``"moran"``), so the message says which call refused.
- Scale-invariant statistics (Moran's I, Gi* z, Gini, entropy weights, CV) rescale their input by
  :func:`rescale` before computing, so values around 1e200 give the same answer as the same pattern
  at scale 1; statistics that are not scale-invariant refuse magnitudes they cannot square.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "MAX_PERMUTATIONS",
    "PERFECT_FIT",
    "InputError",
    "at",
    "check_condition",
    "check_finite",
    "check_fit_ratio",
    "check_min_units",
    "check_not_constant",
    "check_not_perfect_fit",
    "check_permutations",
    "check_positive_weights",
    "equal_area_problem",
    "flat_frame",
    "rescale",
    "scale_exponent",
    "years_from",
]

#: Upper bound of permutations accepted by any function (the null distribution is exact enough long before).
MAX_PERMUTATIONS = 999_999
#: Largest finite magnitude that can be squared and summed over a million values without overflow.
SAFE_MAX = math.sqrt(np.finfo(float).max) / 1e6


class InputError(ValueError):
    """Input that would give a number that looks valid but is not; the message says what to fix."""


def at(period) -> str:
    """`` in 2015`` for a period, ``""`` for one cross-section (``None``, NaN, the internal 0)."""
    if period is None or (isinstance(period, float) and math.isnan(period)):
        return ""
    return f" in {period}"


def _names(ids: Sequence | None, mask: np.ndarray, limit: int = 8) -> str:
    if ids is None:
        where = np.flatnonzero(mask)[:limit]
        return "rows " + ", ".join(map(str, where.tolist()))
    chosen = [str(i) for i, m in zip(ids, mask) if m][:limit]
    more = int(np.sum(mask)) - len(chosen)
    return ", ".join(chosen) + (f" and {more} more" if more > 0 else "")


def check_min_units(n: int, minimum: int, *, method: str, period=None, what: str = "units",
                    why: str = "") -> None:
    """``method`` needs at least ``minimum`` ``what``; ``n`` were given (in ``period``)."""
    if n < minimum:
        raise InputError(f"{method} needs at least {minimum} {what}; there {'is' if n == 1 else 'are'} {n}"
                         f"{at(period)}{' (' + why + ')' if why else ''}")


def check_finite(values, *, column: str, ids: Sequence | None = None, period=None) -> np.ndarray:
    """``values`` as floats if all finite, else an error naming the column, the units and the period."""
    x = np.asarray(values, dtype=float)
    bad = ~np.isfinite(x)
    if bad.any():
        kinds = sorted({"missing" if np.isnan(v) else "infinite" for v in x[bad]})
        raise InputError(f"column {column!r} has {' and '.join(kinds)} values{at(period)} at {_names(ids, bad)}; "
                         "fill or drop them first")
    return x


def check_not_constant(values, *, column: str, method: str, period=None, rtol: float = 1e-12) -> None:
    """A column with (numerically) one value carries no information for ``method``."""
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return
    spread = float(np.max(x) - np.min(x))
    scale = max(float(np.max(np.abs(x))), np.finfo(float).tiny)
    if spread <= rtol * scale:
        raise InputError(f"{method}: column {column!r} is constant{at(period)} ({x[0]:.6g} for every unit); "
                         "the statistic is undefined for a constant variable")


def scale_exponent(values, *, always: bool = False, limit: float = SAFE_MAX) -> int:
    """The power of two ``e`` such that ``values / 2**e`` has its largest magnitude in [0.5, 1); 0 when the
    values are safe as they are (and ``always`` is False).  Dividing by a power of two is exact, so a
    statistic computed on the scaled values and mapped back equals the one computed on the originals
    wherever the latter does not overflow."""
    x = np.asarray(values, dtype=float)
    top = float(np.max(np.abs(x))) if x.size else 0.0
    if top == 0 or not math.isfinite(top):
        return 0
    if always or top > limit or top < 1 / limit:
        return int(np.frexp(top)[1])
    return 0


def rescale(values, *, column: str, period=None, always: bool = False) -> np.ndarray:
    """Values divided (exactly) by a power of two near their largest magnitude when that magnitude could
    overflow or underflow in sums of squares (``always``: in any case); for scale-invariant statistics, or
    with the exponent from :func:`scale_exponent` to map results back.  Non-finite values are an error."""
    x = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(x)):
        check_finite(x, column=column, period=period)
    e = scale_exponent(x, always=always)
    return np.ldexp(x, -e) if e else x


def check_permutations(permutations, *, name: str = "permutations") -> int:
    """A whole number 0…:data:`MAX_PERMUTATIONS`."""
    if isinstance(permutations, bool) or not isinstance(permutations, int | np.integer):
        raise InputError(f"{name} must be a whole number, got {permutations!r}")
    if permutations < 0 or permutations > MAX_PERMUTATIONS:
        raise InputError(f"{name} must be between 0 and {MAX_PERMUTATIONS:,}, got {permutations}")
    return int(permutations)


def check_positive_weights(weights, *, what: str = "weights", period=None) -> np.ndarray:
    """Non-negative, finite weights that do not sum to zero."""
    w = check_finite(weights, column=what, period=period)
    if (w < 0).any():
        raise InputError(f"{what} must be non-negative; {int((w < 0).sum())} are negative{at(period)}")
    if not w.sum() > 0:
        raise InputError(f"{what} sum to zero{at(period)}; a weighted statistic is undefined")
    return w


#: Residual variance below this fraction of the response's variance is a perfect fit (R² > 1 − 1e-12): refused
#: by every regression (spatial models, panels, convergence), since its standard errors would be 0.
PERFECT_FIT = 1e-12

def check_fit_ratio(resid_ss: float, y, *, response: str, method: str, what: str = "the regressors explain") -> None:
    """Refuse a fit whose residual sum of squares is below :data:`PERFECT_FIT` × the response's sum of squared
    deviations (R² > 1 − 1e-12): its standard errors would be zero and t (z, F) infinite.  The one place the
    perfect-fit rule and its message live; ``what`` says which model explains the response ("the SAR model
    explains")."""
    dev = np.asarray(y, dtype=float) - np.mean(y)
    sst = float(dev @ dev)
    ratio = resid_ss / sst if sst > 0 else 0.0
    if ratio < PERFECT_FIT:
        raise InputError(f"{method}: perfect fit — {what} the response {response!r} exactly (residual sum of "
                         f"squares / sum of squares of {response!r} = {ratio:.2g} < {PERFECT_FIT:.0e}); standard "
                         "errors would be zero and t infinite. Is the response computed from the regressors?")


def check_not_perfect_fit(y, X, *, response: str, method: str, what: str = "the regressors explain") -> None:
    """:func:`check_fit_ratio` of the least-squares fit of ``y`` on the columns of ``X``, before an estimator whose
    model contains that linear fit (GWR, threshold, random-effects and dynamic panels).  ``X`` holds the columns of
    the fit (with a constant where the model has one; demeaned data need none).  A constant response is left to
    :func:`check_not_constant`."""
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float).reshape(len(y), -1)
    if X.shape[1] == 0 or not np.ptp(y) > 0:
        return
    r = y - X @ np.linalg.lstsq(X, y, rcond=None)[0]
    check_fit_ratio(float(r @ r), y, response=response, method=method, what=what)


#: Condition number (of the design with columns scaled to unit length) beyond which estimates are refused.
CONDITION_LIMIT = 1e8


def check_condition(X: np.ndarray, names: Sequence[str], *, method: str, limit: float = CONDITION_LIMIT) -> float:
    """Refuse a rank-deficient or near-singular design, naming the columns involved.

    The condition number is computed on the columns scaled to unit Euclidean length (Belsley, Kuh &
    Welsch 1980), so units of measurement do not matter.  Past ``limit`` the smallest singular vector
    names the columns that are (nearly) linear combinations of each other.
    """
    X = np.asarray(X, dtype=float)
    if X.shape[1] == 0:
        return 1.0
    norms = np.linalg.norm(X, axis=0)
    zero = norms == 0
    if zero.any():
        raise InputError(f"{method}: regressors {[n for n, z in zip(names, zero) if z]} are all zero")
    s, v = np.linalg.svd(X / norms, full_matrices=False)[1:]
    cond = float(s[0] / s[-1]) if s[-1] > 0 else math.inf
    if cond > limit:
        vec = np.abs(v[-1])
        involved = [n for n, c in sorted(zip(names, vec), key=lambda t: -t[1]) if c > 0.1]
        kind = "rank-deficient (exactly collinear)" if not math.isfinite(cond) or cond > 1e15 else "near-singular"
        raise InputError(f"{method}: the design is {kind}: condition number {cond:.3g} > {limit:.0e}; the "
                         f"regressors {involved} are (nearly) linear combinations of each other — drop or combine "
                         "one of them")
    return cond


def equal_area_problem(crs) -> str | None:
    """Why ``crs`` is unfit for areas and axes in km, or None if it is an equal-area projection.

    Geographic CRSs (degrees) and projections that are not equal-area (Web Mercator, UTM, …) distort
    areas; the message names the CRS and says to use China Albers (``geometry.to_albers``)."""
    if crs is None:
        return "the data have no CRS; set one, then project with spatialq.geometry.to_albers"
    try:
        from pyproj import CRS

        c = CRS.from_user_input(crs)
    except Exception:  # pragma: no cover - pyproj cannot read it
        return f"the CRS {crs!r} is not understood"
    if c.is_geographic:
        return f"the CRS {c.name!r} is geographic (degrees); project to an equal-area CRS (China Albers)"
    method = (c.coordinate_operation.method_name if c.coordinate_operation is not None else "").lower()
    equal_area = any(k in method for k in ("albers", "equal area", "lambert azimuthal", "mollweide",
                                           "sinusoidal", "eckert", "goode", "equal earth", "cylindrical equal"))
    if not equal_area:
        return (f"the CRS {c.name!r} ({method or 'unknown projection'}) is not equal-area, so areas and axis lengths "
                "are distorted (Web Mercator stretches lengths by about 1/cos(latitude) and areas by 1/cos²); "
                "project with "
                "spatialq.geometry.to_albers (China Albers equal-area) or pass project=True")
    return None


_YEAR_LIKE = re.compile(r"^\s*(\d{4})(?:\.0+)?\s*(?:年度?)?\s*$")


def years_from(values: pd.Series, *, name: str) -> pd.Series:
    """Periods as integers when they are years in any common form (2011, '2011', '2011年', 2011.0, dates);
    other periods (e.g. '2011Q1') are kept as they are.  Mixed forms that are not all years are an error."""
    s = pd.Series(values)
    if pd.api.types.is_integer_dtype(s):
        return s
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.dt.year.astype(int)
    if pd.api.types.is_float_dtype(s):
        if s.notna().all() and (s == np.round(s)).all():
            return s.astype(int)
        return s
    text = s.map(lambda v: v.year if isinstance(v, pd.Timestamp) else v).astype(str)
    m = text.str.extract(_YEAR_LIKE, expand=False)
    if m.notna().all():
        return m.astype(int)
    if m.notna().any():
        bad = text[m.isna()].unique()[:5].tolist()
        raise InputError(f"column {name!r} mixes years with other values: {bad}; write every period as a year "
                         "(2011 or 2011年)")
    return s


def flat_frame(df: pd.DataFrame, *, keys: Iterable[str]) -> pd.DataFrame:
    """A frame whose (id, time) MultiIndex, or named index, has become columns.

    Accepts the common ``df.set_index(["adcode", "year"])`` layout; an unnamed MultiIndex is an error that
    says how to name it."""
    if isinstance(df.index, pd.MultiIndex):
        names = list(df.index.names)
        if any(n is None for n in names):
            raise InputError(f"the frame has an unnamed MultiIndex ({df.index.nlevels} levels); name it, e.g. "
                             "df.rename_axis(['adcode', 'year']), or reset_index() it")
        clash = [n for n in names if n in df.columns]
        if clash:
            raise InputError(f"index levels {clash} are also columns; drop one of them")
        return df.reset_index()
    return df

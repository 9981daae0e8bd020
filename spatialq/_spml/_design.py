"""Design matrices from Wilkinson formulas (via ``formulaic``, the engine linearmodels uses)."""

from __future__ import annotations

import difflib

import numpy as np
import pandas as pd

from ._checks import check_text_columns


def design(df: pd.DataFrame, formula, *, intercept: bool,
           method: str = "spatial regression") -> tuple[str, np.ndarray, pd.DataFrame]:
    """(response name, y, X) for ``formula`` on ``df``; the intercept is dropped when the fixed
    effects absorb it.  Missing values and unknown names are errors that say what to fix.

    A :class:`spatialq.formula.Formula` (study files) is built by spatialq's own grammar and
    never evaluated; a string goes to formulaic, for the caller's own code.  Before formulaic sees
    the data, columns of numbers stored as text that the formula uses as numbers are refused
    (formulaic would dummy-code them), naming the column."""
    from ..formula import Formula

    if isinstance(formula, Formula):
        return formula.design(df, intercept=intercept)
    from formulaic import model_matrix
    from formulaic.errors import FactorEvaluationError

    if not isinstance(formula, str) or "~" not in formula:
        raise ValueError(f"formula must look like 'y ~ x1 + x2', got {formula!r}")
    check_text_columns(df, formula, method=method)
    try:
        mm = model_matrix(formula, df, na_action="raise")
    except FactorEvaluationError as err:
        msg = str(err)
        words = [w for w in df.columns.astype(str)]
        bad = msg.split("`")[1] if "`" in msg else ""
        close = difflib.get_close_matches(bad, words, n=3, cutoff=0.5)
        raise KeyError(f"formula term {bad!r} is not a column of the data"
                       f"{'; did you mean ' + ', '.join(map(repr, close)) + '?' if close else ''} "
                       f"(columns: {words[:20]})") from None
    except ValueError as err:
        raise ValueError(f"{err} — drop or fill the rows with missing values first") from None
    lhs, rhs = mm.lhs, mm.rhs
    if lhs.shape[1] != 1:
        raise ValueError(f"the formula needs exactly one response, got {list(lhs.columns)}")
    X = pd.DataFrame(np.asarray(rhs, dtype=float), columns=[str(c) for c in rhs.columns], index=df.index)
    if not intercept and "Intercept" in X.columns:
        X = X.drop(columns="Intercept")
    y = np.asarray(lhs, dtype=float).ravel()
    if not np.all(np.isfinite(y)) or not np.all(np.isfinite(X.to_numpy())):
        bad = [c for c in X.columns if not np.all(np.isfinite(X[c]))]
        raise ValueError(f"non-finite values after evaluating the formula (e.g. log of 0) in "
                         f"{bad or [str(lhs.columns[0])]}")
    const = [c for c in X.columns if c != "Intercept" and np.ptp(X[c].to_numpy()) == 0]
    if const:
        raise ValueError(f"regressors {const} are constant; drop them")
    return str(lhs.columns[0]), y, X


def durbin_columns(names: list[str], durbin) -> list[int]:
    """Indices of the regressors that get a W-lag: all but the intercept (default), or the listed ones."""
    if durbin is None or durbin is True:
        return [j for j, n in enumerate(names) if n != "Intercept"]
    missing = [d for d in durbin if d not in names]
    if missing:
        raise KeyError(f"durbin terms {missing} are not regressors of the formula: {names}")
    return [names.index(d) for d in durbin]

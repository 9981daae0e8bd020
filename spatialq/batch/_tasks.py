"""The robustness grid as tasks: checked options, specifications in grid order, weights aligned once in the
parent, and the worker function that fits a chunk of specifications (a pure function of picklable input).

Shipping
--------
Each weights matrix is aligned to the ids of a period once, in the calling process, as a CSR matrix of the
weights as given (``transform="o"``); the worker row-standardises a copy exactly as a direct call does, so a
row of the batch equals ``spatial_model(frame, formula, w, …)`` bit for bit.  Specifications are sorted by
weights and cut into about two contiguous chunks per worker (:func:`spatialq._parallel.groups`); a chunk is one
pickle, so a matrix and a period's rows shared by its specifications are sent once per chunk (pickle memoises
shared objects) — about two transfers per worker in all, where every worker needs each matrix it uses at least
once — and with joblib's loky backend arrays over 1 MB are memory-mapped instead of copied.
"""

from __future__ import annotations

import difflib
import pickle
import traceback
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._guards import InputError

MODELS = ("ols", "slx", "sar", "sem", "sdm", "sdem", "sac")
EFFECTS = ("twoways", "individual", "time", "none")
#: Process-based joblib backends: each fit limits BLAS threads and records its warnings, which are process-wide
#: settings, so thread-based backends are not offered.
BACKENDS = ("loky", "multiprocessing", "dask")
SE = ("auto", "exact", "stochastic", "observed", "traces")
ERRORS = ("record", "raise")
#: The dimensions of a grid, outermost first: the grid (and every table) is in this order, model fastest.
DIMENSIONS = ("formula", "weights", "period", "effects", "model")


def _suggest(bad: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(str(bad).lower(), [str(c) for c in choices], n=3, cutoff=0.4)
    return f"; did you mean {', '.join(map(repr, close))}?" if close else ""


def _strings(value, *, name: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, Sequence) or not len(value) or not all(isinstance(v, str) for v in value):
        raise InputError(f"robustness: {name} must be a string or a non-empty list of strings, got {value!r}")
    return list(value)


def check_models(models) -> list[str]:
    out = []
    for m in _strings(models, name="models"):
        if m.lower() not in MODELS:
            raise InputError(f"robustness: unknown model {m!r}{_suggest(m, MODELS)} (models: {', '.join(MODELS)})")
        out.append(m.lower())
    if len(set(out)) != len(out):
        raise InputError(f"robustness: models repeats a model: {out}")
    return out


def check_effects(effects, *, panel: bool) -> list[str | None]:
    if effects is None:
        return ["twoways"] if panel else [None]
    if not panel:
        raise InputError("robustness: effects= is an option of fixed-effects panels (periods=...); one cross-section "
                         "per year (years=...) has no fixed effects — drop effects= or pass periods=")
    out = _strings(effects, name="effects")
    for e in out:
        if e not in EFFECTS:
            raise InputError(f"robustness: unknown effects {e!r}{_suggest(e, EFFECTS)} (choices: {', '.join(EFFECTS)})")
    return out


def check_weights(weights) -> dict[str, Any]:
    from libpysal.weights import W

    if isinstance(weights, W) or hasattr(weights, "to_W"):
        weights = {"W": weights}
    if not isinstance(weights, Mapping) or not weights:
        raise InputError("robustness: weights must be a dict of named weights, e.g. {'queen': w_queen, 'knn6': w_knn}, "
                         f"got {type(weights).__name__}")
    for k, w in weights.items():
        if not isinstance(k, str) or not k:
            raise InputError(f"robustness: weights names must be non-empty strings, got {k!r}")
        if not (isinstance(w, W) or hasattr(w, "to_W")):
            raise InputError(f"robustness: weights {k!r} must be a libpysal W or Graph (matched to rows by id), got "
                             f"{type(w).__name__}; a bare matrix cannot be matched to the rows of each period")
    return dict(weights)


def _columns_used(formula: str, columns: list[str]) -> None:
    from formulaic import Formula

    try:
        needed = Formula(formula).required_variables
    except Exception as err:  # formulaic's syntax errors
        raise InputError(f"robustness: formula {formula!r} cannot be parsed: {err}") from None
    missing = sorted(str(v) for v in needed if str(v) not in columns)
    if missing:
        hints = "; ".join(f"{m!r}{_suggest(m, columns)}" for m in missing)
        raise InputError(f"robustness: formula {formula!r} uses names that are not columns of the data: {hints}")


def check_formulas(formulas, y, x, columns: list[str]) -> dict[str, str]:
    """``{label: formula}`` from ``formulas=`` (a string, a list or a dict) or from ``y=`` and ``x=``."""
    if formulas is not None and (y is not None or x is not None):
        raise InputError("robustness: pass formulas= or y= and x=, not both")
    if formulas is None:
        if y is None or x is None:
            raise InputError("robustness: name the model: formulas='y ~ x1 + x2' (or a list / dict of them), or "
                             "y='y' and x=['x1', 'x2']")
        ys = _strings(y, name="y")
        if isinstance(x, Mapping):
            sets = {str(k): _strings(v, name=f"x[{k!r}]") for k, v in x.items()}
        elif isinstance(x, Sequence) and not isinstance(x, str) and x and all(
                not isinstance(v, str) for v in x):
            sets = {f"x{j + 1}": _strings(v, name="x") for j, v in enumerate(x)}
        else:
            sets = {"": _strings(x, name="x")}
        for name in [*ys, *(c for v in sets.values() for c in v)]:
            if name not in columns:
                raise InputError(f"robustness: {name!r} is not a column of the data{_suggest(name, columns)}")
        formulas = {}
        for yi in ys:
            for label, xs in sets.items():
                key = yi if not label else (label if len(ys) == 1 else f"{yi}: {label}")
                formulas[key] = f"{yi} ~ " + " + ".join(xs)
    elif isinstance(formulas, str):
        formulas = {formulas: formulas}
    elif isinstance(formulas, Mapping):
        formulas = {str(k): v for k, v in formulas.items()}
    else:
        listed = _strings(formulas, name="formulas")
        if len(set(listed)) != len(listed):
            raise InputError(f"robustness: formulas repeats a formula: {listed}")
        formulas = {f: f for f in listed}
    if not formulas:
        raise InputError("robustness: formulas is empty")
    for label, f in formulas.items():
        if not isinstance(f, str) or "~" not in f:
            raise InputError(f"robustness: formula {label!r} must look like 'y ~ x1 + x2', got {f!r}")
        _columns_used(f, columns)
    return formulas


def check_periods(data: pd.DataFrame, *, years, periods, time: str) -> tuple[bool, list]:
    """(panel?, [(label, mask-or-None)]): cross-sections per year, or panel windows ``(first, last)``."""
    if years is not None and periods is not None:
        raise InputError("robustness: pass years= (one cross-section per year) or periods= (fixed-effects panels "
                         "over year windows), not both")
    has_time = time in data.columns
    if years is None and periods is None:
        if not has_time:
            return False, [(None, None)]
        values = sorted(pd.unique(data[time]))
        if len(values) == 1:
            return False, [(values[0], data[time] == values[0])]
        raise InputError(f"robustness: the data has {len(values)} values of {time!r}; pass years=[...] (or 'all') for "
                         "one cross-section per year, or periods=[(first, last), ...] (or 'all') for fixed-effects "
                         "panels over those years")
    if not has_time:
        raise InputError(f"robustness: years=/periods= need a time column {time!r}; columns: {list(data.columns)[:20]} "
                         "(pass time=)")
    present = sorted(pd.unique(data[time]))
    if years is not None:
        chosen = present if isinstance(years, str) and years == "all" else (
            list(years) if isinstance(years, Sequence) and not isinstance(years, str) else [years])
        if len(set(chosen)) != len(chosen):
            raise InputError(f"robustness: years repeats a year: {chosen}")
        absent = [y for y in chosen if y not in set(present)]
        if absent or not chosen:
            raise InputError(f"robustness: years {absent or chosen} are not in column {time!r} "
                             f"(it has {present[:3]} … {present[-3:]})")
        return False, [(y, data[time] == y) for y in chosen]
    if isinstance(periods, str) and periods == "all":
        periods = [(present[0], present[-1])]
    if not isinstance(periods, Sequence) or isinstance(periods, str) or not periods:
        raise InputError(f"robustness: periods must be 'all' or a list of (first, last) pairs, got {periods!r}")
    out = []
    if len({tuple(p) if isinstance(p, Sequence) else p for p in periods}) != len(periods):
        raise InputError(f"robustness: periods repeats a window: {list(periods)}")
    for p in periods:
        if not (isinstance(p, Sequence) and not isinstance(p, str) and len(p) == 2 and p[0] <= p[1]):
            raise InputError(f"robustness: each period must be a (first, last) pair with first ≤ last, got {p!r}")
        mask = (data[time] >= p[0]) & (data[time] <= p[1])
        n = int(pd.unique(data.loc[mask, time]).size)
        if n < 2:
            raise InputError(f"robustness: period {tuple(p)} holds {n} value(s) of {time!r}; a panel needs at least "
                             f"two (the data has {present[:3]} … {present[-3:]})")
        out.append((f"{p[0]}–{p[1]}", mask))
    return True, out


# -- specifications and their shipping -------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Job:
    """One specification, ready to fit: the rows, the aligned weights (as given) and the options."""

    index: int
    panel: bool
    formula: str
    model: str
    effects: str | None
    frame: pd.DataFrame
    matrix: Any  # scipy CSR aligned to the rows' ids (transform "o")
    options: Mapping[str, Any]


@dataclass(eq=False)
class Outcome:
    """What came back from one specification (small: tables, not residuals, unless kept)."""

    index: int
    ok: bool
    table: pd.DataFrame | None = None
    effects: pd.DataFrame | None = None
    tests: pd.DataFrame | None = None
    stats: dict = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    error: BaseException | None = None
    error_type: str = ""
    message: str = ""
    result: Any = None


def failed(index: int, err: BaseException) -> Outcome:
    """An outcome for a specification that raised ``err`` (the exception kept if it can travel back)."""
    try:
        pickle.dumps(err)
        keep = err
    except Exception:
        keep = RuntimeError(f"{type(err).__name__}: {err}\n{''.join(traceback.format_exception(err))}")
    return Outcome(index=index, ok=False, error=keep, error_type=type(err).__name__, message=str(err))


def prepare_frames(data: pd.DataFrame, slices: list, *, panel: bool, id: str, time: str) -> list:
    """Per period: (frame, ids in the order the estimator aligns W, error or None)."""
    from ..panel import _balanced

    out = []
    for _label, mask in slices:
        frame = data if mask is None else data.loc[mask]
        try:
            if panel:
                frame, ids, _ = _balanced(frame, id, time)
            else:
                ids = frame[id].to_numpy(dtype=object).tolist()
                if len(set(ids)) != len(ids):
                    dup = frame.loc[frame[id].duplicated(), id].unique().tolist()[:5]
                    raise InputError(f"repeated ids {dup} in one cross-section (one row per unit and year)")
            out.append((frame, ids, None))
        except Exception as err:  # recorded against every specification of the period
            out.append((frame, None, err))
    return out


class Aligner:
    """Each weights matrix aligned once per distinct id order (the weights as given; errors kept)."""

    def __init__(self, weights: Mapping[str, Any]):
        self.weights, self._cache = weights, {}

    def __call__(self, name: str, ids: list):
        from .._wmatrix import aligned

        key = (name, tuple(ids))
        if key not in self._cache:
            try:
                self._cache[key] = aligned(self.weights[name], ids, transform="o", method=f"weights {name!r}")
            except Exception as err:
                self._cache[key] = err
        return self._cache[key]


def fit(job: Job) -> Outcome:
    """Fit one specification; any exception (but an interrupt) becomes a failed :class:`Outcome`."""
    from ..panel import spatial_panel
    from ..regression import spatial_model

    o = job.options
    common = dict(model=job.model, id=o["id"], transform=o["transform"], durbin=o["durbin"], se=o["se"],
                  n_draws=o["n_draws"], seed=o["seed"], tests=o["tests"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if job.panel:
                res = spatial_panel(job.frame, job.formula, job.matrix, effects=job.effects, lee_yu=o["lee_yu"],
                                    time=o["time"], **common)
            else:
                res = spatial_model(job.frame, job.formula, job.matrix, **common)
        except Exception as err:
            out = failed(job.index, err)
            out.warnings = tuple(dict.fromkeys(str(w.message) for w in caught))
            return out
    stats = {"n": int(res.nobs), "loglik": float(res.loglik), "aic": float(res.aic), "bic": float(res.bic),
             "rho": np.nan if res.rho is None else float(res.rho),
             "lambda": np.nan if res.lambda_ is None else float(res.lambda_),
             "sigma2": float(res.sigma2), "se_method": res.se_method, "se_error": float(res.se_error)}
    return Outcome(index=job.index, ok=True, table=res.to_frame(), effects=res.effects_inference, tests=res.tests,
                   stats=stats, warnings=tuple(dict.fromkeys(str(w.message) for w in caught)),
                   result=res if o["keep_results"] else None)


def run_chunk(task: tuple[tuple[Job, ...], int | None]) -> list[Outcome]:
    """The worker: fit the specifications of one chunk in order, BLAS limited to ``limit`` threads."""
    from .._parallel import blas_threads

    jobs, limit = task
    with blas_threads(limit):
        return [fit(j) for j in jobs]


def check_fit_options(*, se, n_draws, seed, durbin, tests, lee_yu, keep_results) -> None:
    """The options passed to every fit, checked once instead of failing every specification."""
    if se not in SE:
        raise InputError(f"robustness: se must be one of {SE}, got {se!r}{_suggest(str(se), SE)}")
    if isinstance(n_draws, bool) or not isinstance(n_draws, int | np.integer) or n_draws < 2:
        raise InputError(f"robustness: n_draws must be a whole number ≥ 2 (draws for the effects' standard errors), "
                         f"got {n_draws!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
        raise InputError(f"robustness: seed must be a whole number or None, got {seed!r}")
    if durbin is not None:
        _strings(list(durbin) if not isinstance(durbin, str) else durbin, name="durbin")
    for name, v in (("tests", tests), ("lee_yu", lee_yu), ("keep_results", keep_results)):
        if not isinstance(v, bool):
            raise InputError(f"robustness: {name} must be True or False, got {v!r}")

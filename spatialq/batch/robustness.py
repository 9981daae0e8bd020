"""Robustness grids: every combination of formulas × weights × periods × (fixed effects) × models in one call,
fanned out through joblib (:func:`spatialq._parallel.pmap`) — on this machine's cores, or on a Dask cluster
inside ``joblib.parallel_config(backend="dask")``."""

from __future__ import annotations

import contextlib
import itertools
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._guards import InputError
from .._parallel import check_n_jobs, groups, pmap
from .._results import Result, provenance
from .._spml._result import stars
from . import _tasks
from ._tasks import DIMENSIONS, Job, Outcome

__all__ = ["RobustnessResult", "robustness"]

EFFECT_KINDS = ("direct", "indirect", "total")


@dataclass(frozen=True, eq=False, repr=False)
class RobustnessResult(Result):
    """The fits of a robustness grid, in grid order (``formula``, ``weights``, ``period``, ``effects``, ``model``;
    the model varies fastest), whatever the backend or the number of workers.

    ``specs`` has one row per specification: its grid keys, ``formula_text``, ``status`` ("ok" or "failed"),
    ``error_type`` and ``error`` (the message), ``warnings`` raised during its fit, ``n``, ``loglik``, ``aic``,
    ``bic``, ``rho``, ``lambda``, ``sigma2``, ``se_method``.  ``coefficients`` is the tidy table of
    :meth:`to_frame`; ``tests`` the LR / Wald tests of every fit (long); ``results`` the full
    :class:`~spatialq.regression.SpatialRegressionResult` per specification (None for a failed one) when
    ``keep_results=True``, else empty.
    """

    specs: pd.DataFrame
    coefficients: pd.DataFrame
    tests: pd.DataFrame
    dimensions: tuple[str, ...]
    results: tuple = ()

    @property
    def failures(self) -> pd.DataFrame:
        """The specifications that failed: their grid keys, the error's type and message."""
        f = self.specs[self.specs["status"] == "failed"]
        return f[["spec", *DIMENSIONS, "formula_text", "error_type", "error"]].reset_index(drop=True)

    def _title(self) -> str:
        return "Robustness grid 稳健性检验"

    def _summary_lines(self) -> list[str]:
        s = self.specs
        lines = []
        for d in DIMENSIONS:
            vals = list(dict.fromkeys(s[d].tolist()))
            if vals != [None]:
                lines.append(f"{d:<9}{len(vals):>3}: " + ", ".join("—" if v is None else str(v) for v in vals[:8])
                             + (" …" if len(vals) > 8 else ""))
        ok = int((s["status"] == "ok").sum())
        lines.append(f"{len(s)} specifications: {ok} fitted, {len(s) - ok} failed")
        for r in self.failures.head(10).itertuples():
            lines.append(f"  failed #{r.spec} ({_label(r)}): {r.error_type}: {str(r.error).splitlines()[0][:160]}")
        if ok:
            lines += ["", "Ranges over the fitted specifications (estimate; p < 0.05):",
                      self.ranges().to_string(float_format=lambda v: f"{v:.4g}")]
        return lines

    def to_frame(self) -> pd.DataFrame:
        """Tidy: one row per fitted specification × term — the grid keys, ``term``, ``estimate``, ``std_error``,
        ``z``, ``p``, ``stars``; LeSage–Pace ``direct`` / ``indirect`` / ``total`` with ``_se`` and ``_p`` (NaN
        for ``W*x``, ρ, λ and models without effects); ``loglik``, ``aic``, ``n`` of the fit."""
        return self.coefficients.copy()

    def ranges(self, *, effect: str = "estimate", alpha: float = 0.05) -> pd.DataFrame:
        """Per term, over the fitted specifications: how many, min / median / max of ``effect`` ("estimate",
        "direct", "indirect" or "total"), the share positive and the share with p < ``alpha`` — the sentence
        "positive and significant in 58 of 60 specifications" of a robustness section."""
        col, pcol = _columns(effect)
        c = self.coefficients.dropna(subset=[col])
        g = c.groupby("term", sort=False)
        out = pd.DataFrame({"specs": g[col].size(), "min": g[col].min(), "median": g[col].median(),
                            "max": g[col].max(), "share_positive": g[col].apply(lambda v: float((v > 0).mean())),
                            "share_significant": g[pcol].apply(lambda v: float((v < alpha).mean()))})
        out.index.name = "term"
        return out

    def table(self, *, effect: str = "estimate", stat: str = "se", digits: int = 3) -> pd.DataFrame:
        """Journal-style wide table: a column per fitted specification (labelled by the grid dimensions that
        vary), each term's ``effect`` with stars (*** 1 %, ** 5 %, * 10 %) and its standard error (``stat="se"``)
        or z (``"z"``) in parentheses below; then ρ, λ, log L, AIC and n.  Cells are strings (write them with
        :mod:`spatialq.report`)."""
        if stat not in ("se", "z"):
            raise InputError(f"table: stat must be 'se' or 'z', got {stat!r}")
        col, pcol = _columns(effect)
        secol = {"estimate": "std_error"}.get(effect, f"{effect}_se")
        ok = self.specs[self.specs["status"] == "ok"]
        varying = [d for d in self.dimensions if ok[d].nunique(dropna=False) > 1] or ["model"]
        keys = [tuple("" if v is None else (v.upper() if d == "model" else v) for d, v in zip(varying, r))
                for r in ok[varying].itertuples(index=False)]
        c = self.coefficients.dropna(subset=[col])
        terms = [t for t in dict.fromkeys(c["term"]) if t not in ("rho", "lambda")]
        rows: dict[str, list[str]] = {}
        by_spec = {s: f.set_index("term") for s, f in c.groupby("spec")}
        for t in terms:
            top, below = [], []
            for s in ok["spec"]:
                f = by_spec.get(s)
                if f is None or t not in f.index:
                    top.append("")
                    below.append("")
                    continue
                est, se, p = f.at[t, col], f.at[t, secol], f.at[t, pcol]
                top.append(f"{est:.{digits}f}{stars(p)}")
                below.append(f"({(se if stat == 'se' else est / se):.{digits}f})")
            rows[t], rows[f"({t})"] = top, below
        for name, key in (("rho", "rho"), ("lambda", "lambda")):
            if ok[key].notna().any():
                rows[name] = ["" if np.isnan(v) else f"{v:.{digits}f}" for v in ok[key]]
        rows["log L"] = [f"{v:.{digits}f}" if np.isfinite(v) else "" for v in ok["loglik"]]
        rows["AIC"] = [f"{v:.{digits}f}" if np.isfinite(v) else "" for v in ok["aic"]]
        rows["n"] = [str(int(v)) for v in ok["n"]]
        cols = pd.MultiIndex.from_tuples(keys, names=varying) if len(varying) > 1 else pd.Index(
            [k[0] for k in keys], name=varying[0])
        out = pd.DataFrame(rows, index=cols).T
        out.index = ["" if i.startswith("(") else i for i in out.index]
        return out

    def _plot(self, ax, *, term: str | None = None, effect: str = "estimate", level: float = 0.95):
        """Specification curve of one ``term``: the ``effect`` of every fitted specification with its
        ``level`` normal interval, sorted by estimate; filled where p < 1 − level."""
        from scipy import stats as st

        col, pcol = _columns(effect)
        secol = {"estimate": "std_error"}.get(effect, f"{effect}_se")
        c = self.coefficients.dropna(subset=[col])
        terms = [t for t in dict.fromkeys(c["term"]) if t not in ("Intercept", "rho", "lambda")
                 and not t.startswith("W*")]
        if term is None:
            if not terms:
                raise InputError("plot: no fitted term to draw")
            term = terms[0]
        f = c[c["term"] == term].sort_values(col, kind="stable")
        if f.empty:
            raise InputError(f"plot: term {term!r} has no {effect} in any fitted specification; terms: {terms}")
        z = st.norm.ppf(0.5 + level / 2)
        y = np.arange(len(f))
        sig = (f[pcol] < 1 - level).to_numpy()
        ax.errorbar(f[col], y, xerr=z * f[secol], fmt="none", ecolor="#999999", elinewidth=1)
        ax.scatter(f[col][sig], y[sig], color="#4477aa", zorder=3, label=f"p < {1 - level:.2g}")
        ax.scatter(f[col][~sig], y[~sig], facecolor="white", edgecolor="#4477aa", zorder=3, label="not significant")
        varying = [d for d in self.dimensions if self.specs[d].nunique(dropna=False) > 1] or ["model"]
        ax.set_yticks(y, [" · ".join(str(getattr(r, d)) for d in varying) for r in f.itertuples()])
        ax.axvline(0, color="grey", linewidth=0.8)
        ax.set_xlabel(f"{term} ({effect}, {level:.0%} interval)")
        ax.legend(frameon=False)
        return ax


def _columns(effect: str) -> tuple[str, str]:
    if effect == "estimate":
        return "estimate", "p"
    if effect in EFFECT_KINDS:
        return effect, f"{effect}_p"
    raise InputError(f"effect must be 'estimate', 'direct', 'indirect' or 'total', got {effect!r}")


def _label(row) -> str:
    return ", ".join(f"{d}={getattr(row, d)}" for d in DIMENSIONS if getattr(row, d) is not None)


@contextlib.contextmanager
def _backend(backend: str | None, n_jobs: int, method: str = "robustness"):
    if backend is None:
        yield
        return
    if backend not in _tasks.BACKENDS:
        raise InputError(f"{method}: backend must be None (joblib's active backend, loky by default) or one of "
                         f"{_tasks.BACKENDS}, got {backend!r}{_tasks._suggest(backend, _tasks.BACKENDS)}")
    if backend == "dask":
        try:
            from distributed import get_client
        except ImportError:
            raise InputError(f"{method}: backend='dask' needs dask.distributed: pip install 'spatialq[dask]'") from None
        try:
            get_client()
        except ValueError:
            raise InputError(f"{method}: backend='dask' needs a running dask.distributed Client: start one first, e.g. "
                             "`with Client('tcp://scheduler:8786'):` (see docs/batch.md)") from None
        if n_jobs == 1:
            raise InputError(f"{method}: backend='dask' with n_jobs=1 would run serially here; pass n_jobs=-1 "
                             "to use every Dask worker")
    from joblib import parallel_config

    with parallel_config(backend=backend):
        yield


def robustness(
    data: pd.DataFrame,
    *,
    weights: Mapping[str, Any] | Any,
    formulas: str | Sequence[str] | Mapping[str, str] | None = None,
    y: str | Sequence[str] | None = None,
    x: Sequence[str] | Sequence[Sequence[str]] | Mapping[str, Sequence[str]] | None = None,
    models: str | Sequence[str] = ("sar", "sem", "sdm"),
    years: Sequence | Literal["all"] | None = None,
    periods: Sequence[tuple] | Literal["all"] | None = None,
    effects: str | Sequence[str] | None = None,
    lee_yu: bool = False,
    id: str = "adcode",
    time: str = "year",
    transform: str = "r",
    durbin: Sequence[str] | None = None,
    se: str = "auto",
    n_draws: int = 1000,
    seed: int | None = 0,
    tests: bool = True,
    errors: Literal["record", "raise"] = "record",
    keep_results: bool = False,
    n_jobs: int = 1,
    backend: str | None = None,
    blas_threads: int | None = 1,
) -> RobustnessResult:
    """Fit every combination of formulas × weights × periods × fixed effects × models — the robustness table
    of a paper — in one call, serially, on local cores or on a Dask cluster.

    Each specification is one call of :func:`spatialq.regression.spatial_model` (``years=``: one cross-section
    per year, or the data as one cross-section when it has no time column) or of
    :func:`spatialq.panel.spatial_panel` (``periods=``: a fixed-effects panel per window of years) with the
    options given here, so every row of the result equals that direct call exactly (same ML engine, same
    ``seed`` for the effects' draws in every specification).

    Parameters
    ----------
    data : DataFrame
        Long: one row per unit (and year); ids in column ``id`` (or the index).  Not modified.
    weights : dict of str to libpysal W or Graph, or one W
        Named weights, e.g. ``{"queen": w1, "knn6": w2, "distance": w3}``; matched to the rows by id.
    formulas : str, list of str or dict of label to str
        Wilkinson formulas (formulaic syntax, as ``spatial_model``); a dict labels them in the tables.
    y, x : alternative to ``formulas``
        ``y`` a column (or several: alternative dependent variables), ``x`` a list of columns, a list of such
        lists or a dict of labelled lists (alternative regressor sets); a formula ``y ~ x1 + x2`` is built for
        each pair.
    models : str or list of {"ols", "slx", "sar", "sem", "sdm", "sdem", "sac"}
    years : list or "all", optional
        One cross-section per listed year (values of ``time``).
    periods : list of (first, last) or "all", optional
        One balanced fixed-effects panel per window of years, both ends included.
    effects : str or list of {"twoways", "individual", "time", "none"}, optional
        Panel fixed effects (default "twoways"); a list makes it a grid dimension.  Not for cross-sections.
    lee_yu, id, time, transform, durbin, se, n_draws, seed, tests
        Passed to every fit (see :func:`spatialq.regression.spatial_model` and
        :func:`spatialq.panel.spatial_panel`).
    errors : {"record", "raise"}
        A specification that fails (too few units, a near-singular design, a year with an island, a likelihood
        that does not converge…) is by default recorded — ``specs["status"] == "failed"`` with the error's type
        and message, listed by ``.failures`` and ``summary()``, one ``UserWarning`` saying how many — and the
        others are kept.  ``"raise"`` raises the first failure in grid order (after the batch has run), with a
        note naming the specification.  Mistakes in the options themselves (an unknown model, a column or year
        that is not in the data, a weights object that is not W) raise :class:`~spatialq._guards.InputError`
        before anything is fitted.
    keep_results : bool
        Keep every full result object in ``.results`` (residuals and covariance included: memory grows with
        the grid); by default only the tables travel back from the workers.
    n_jobs : int
        joblib's convention: 1 serial (default), −1 every core — or every Dask worker thread inside
        ``joblib.parallel_config(backend="dask")``.  Results do not depend on it.
    backend : {None, "loky", "multiprocessing", "dask"}
        None uses joblib's active backend (loky unless a ``parallel_config`` says otherwise); "dask" needs a
        running ``dask.distributed.Client``.  Thread-based backends are not offered: BLAS limits and the
        recording of warnings are process-wide.
    blas_threads : int or None
        BLAS/OpenMP threads per fit (threadpoolctl).  1 (default) avoids oversubscription when specifications
        run side by side and keeps the numbers identical for any ``n_jobs``; None leaves BLAS alone.

    Returns
    -------
    RobustnessResult
        ``.to_frame()`` (tidy: specification × term), ``.table()`` (journal wide table), ``.ranges()``,
        ``.specs``, ``.failures``, ``.tests``, ``.summary()``, ``.plot(term=...)``.
    """
    n_jobs = check_n_jobs(n_jobs, method="robustness")
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"robustness: data must be a DataFrame, got {type(data).__name__}")
    if errors not in _tasks.ERRORS:
        raise InputError(f"robustness: errors must be 'record' or 'raise', got {errors!r}")
    if transform not in ("r", "b", "o"):
        raise InputError(f"robustness: transform must be 'r', 'b' or 'o', got {transform!r}")
    if blas_threads is not None and (isinstance(blas_threads, bool) or not isinstance(blas_threads, int)
                                     or blas_threads < 1):
        raise InputError(f"robustness: blas_threads must be a positive whole number or None, got {blas_threads!r}")
    if id not in data.columns:
        if data.index.name == id or (id == "adcode" and data.index.name is None):
            data = data.rename_axis(id).reset_index()
        else:
            raise InputError(f"robustness: id column {id!r} not found (nor as the index); columns: "
                             f"{list(data.columns)[:20]}{_tasks._suggest(id, list(map(str, data.columns)))}")
    _tasks.check_fit_options(se=se, n_draws=n_draws, seed=seed, durbin=durbin, tests=tests, lee_yu=lee_yu,
                             keep_results=keep_results)
    columns = [str(c) for c in data.columns]
    model_list = _tasks.check_models(models)
    wmap = _tasks.check_weights(weights)
    formula_map = _tasks.check_formulas(formulas, y, x, columns)
    panel, slices = _tasks.check_periods(data, years=years, periods=periods, time=time)
    effect_list = _tasks.check_effects(effects, panel=panel)

    options = {"id": id, "time": time, "transform": transform, "durbin": None if durbin is None else list(durbin),
               "se": se, "n_draws": n_draws, "seed": seed, "tests": tests, "lee_yu": lee_yu,
               "keep_results": keep_results}
    frames = _tasks.prepare_frames(data, slices, panel=panel, id=id, time=time)
    align = _tasks.Aligner(wmap)
    grid = list(itertools.product(formula_map, wmap, range(len(slices)), effect_list, model_list))
    outcomes: list[Outcome | None] = [None] * len(grid)
    by_weights: dict[str, list[Job]] = {k: [] for k in wmap}
    for i, (flabel, wname, s, eff, model) in enumerate(grid):
        frame, ids, err = frames[s]
        matrix = align(wname, ids) if err is None else err
        if isinstance(matrix, BaseException):
            outcomes[i] = _tasks.failed(i, matrix)
            continue
        by_weights[wname].append(Job(index=i, panel=panel, formula=formula_map[flabel], model=model, effects=eff,
                                     frame=frame, matrix=matrix, options=options))
    with _backend(backend, n_jobs):
        # specifications sorted by weights, cut into about two contiguous chunks per worker: a chunk carries the
        # one or two matrices its specifications use, so each matrix travels a few times, not once per fit
        ordered = [j for jobs in by_weights.values() for j in jobs]
        tasks = [(tuple(chunk), blas_threads) for chunk in groups(ordered, n_jobs)] if ordered else []
        for chunk in pmap(_tasks.run_chunk, tasks, n_jobs=n_jobs):
            for out in chunk:
                outcomes[out.index] = out

    specs, coefficients, test_rows = _tables(grid, outcomes, formula_map, slices)
    bad = specs[specs["status"] == "failed"]
    if len(bad) and errors == "raise":
        first = outcomes[int(bad["spec"].iloc[0])]
        err = first.error
        err.add_note(f"spatialq.batch.robustness: specification #{first.index} ({_label(bad.iloc[0])}) failed; "
                     f"{len(bad) - 1} other(s) of {len(specs)} failed too (errors='record' keeps the rest)")
        raise err
    if len(bad):
        warnings.warn(f"robustness: {len(bad)} of {len(specs)} specifications failed (first: #{bad['spec'].iloc[0]} "
                      f"{_label(bad.iloc[0])}: {bad['error_type'].iloc[0]}); see result.failures", UserWarning,
                      stacklevel=2)
    meta = provenance("spatialq.batch.robustness", seed=seed, n=len(grid), models=model_list,
                      weights=list(wmap), formulas=dict(formula_map),
                      periods=[lab for lab, _ in slices], effects=effect_list, panel=panel, transform=transform,
                      se=se, n_draws=n_draws, tests=tests, lee_yu=lee_yu, errors=errors)
    results = tuple(o.result for o in outcomes) if keep_results else ()
    return RobustnessResult(meta=meta, specs=specs, coefficients=coefficients, tests=test_rows,
                            dimensions=DIMENSIONS, results=results)


def _tables(grid, outcomes, formula_map, slices) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    spec_rows, coef, tests = [], [], []
    for i, ((flabel, wname, s, eff, model), o) in enumerate(zip(grid, outcomes)):
        keys = {"spec": i, "formula": flabel, "weights": wname, "period": slices[s][0], "effects": eff,
                "model": model}
        stats = {k: o.stats.get(k, np.nan) for k in ("n", "loglik", "aic", "bic", "rho", "lambda", "sigma2")}
        spec_rows.append({**keys, "formula_text": formula_map[flabel], "status": "ok" if o.ok else "failed",
                          "error_type": o.error_type, "error": o.message, "warnings": "; ".join(o.warnings),
                          **stats, "se_method": o.stats.get("se_method", "")})
        if not o.ok:
            continue
        t = o.table.reset_index()
        t.insert(0, "term", t.pop("term"))
        if o.effects is not None:
            e = o.effects.pivot(index="term", columns="effect", values=["estimate", "std_error", "p"])
            for kind in EFFECT_KINDS:
                t[kind] = t["term"].map(e[("estimate", kind)])
                t[f"{kind}_se"] = t["term"].map(e[("std_error", kind)])
                t[f"{kind}_p"] = t["term"].map(e[("p", kind)])
        else:
            for kind in EFFECT_KINDS:
                t[kind] = t[f"{kind}_se"] = t[f"{kind}_p"] = np.nan
        for k in ("loglik", "aic", "n"):
            t[k] = stats[k]
        coef.append(pd.concat([pd.DataFrame([keys] * len(t)), t], axis=1))
        if o.tests is not None and len(o.tests):
            tests.append(pd.concat([pd.DataFrame([keys] * len(o.tests)), o.tests.reset_index(drop=True)], axis=1))
    specs = pd.DataFrame(spec_rows)
    specs["n"] = specs["n"].astype("Int64")
    cols = ["spec", *DIMENSIONS, "term", "estimate", "std_error", "z", "p", "stars",
            *(f"{k}{s}" for k in EFFECT_KINDS for s in ("", "_se", "_p")), "loglik", "aic", "n"]
    coefficients = pd.concat(coef, ignore_index=True) if coef else pd.DataFrame(columns=cols)
    if coef:
        coefficients["n"] = coefficients["n"].astype(int)
    test_frame = pd.concat(tests, ignore_index=True) if tests else pd.DataFrame(
        columns=["spec", *DIMENSIONS, "test", "statistic", "df", "p", "note"])
    return specs, coefficients[cols], test_frame

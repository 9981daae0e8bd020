"""Classic and spatial Markov chains of quantile classes or categorical states."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from .._data import long_frame, unit_weights
from .._guards import InputError, check_min_units
from .._results import Result, provenance
from .._wmatrix import AlignedCache
from . import _core

__all__ = ["MarkovResult", "SpatialMarkovResult", "markov", "spatial_markov"]

CORNER = "t \\ t+1"


def check_step(step) -> int:
    if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or step < 1:
        raise InputError(f"step must be a positive whole number of periods, got {step!r}")
    return int(step)


def panel(df, column, *, id, time, numeric: bool, method: str) -> pd.DataFrame:
    """The long frame sorted by (id, period) with whole-number periods (years in any form — 2011,
    '2011', '2011年', 2011.0, dates — become integers), so that t + step is the next period."""
    if numeric:
        data = long_frame(df, id=id, time=time, columns=[column])
    else:
        data = long_frame(df, id=id, time=time, columns=[], extra=[column])
    if time not in data.columns:
        raise KeyError(f"{method}: Markov chains need the time column {time!r}; columns: {list(df.columns)}")
    t = data[time]
    if not pd.api.types.is_numeric_dtype(t) or pd.api.types.is_bool_dtype(t):
        raise InputError(f"{method}: the periods in {time!r} must be years or whole numbers so that t + step is a "
                         f"period; got {t.unique()[:5].tolist()} — convert them (e.g. df[{time!r}].astype(int))")
    if pd.api.types.is_float_dtype(t) and not (t == np.round(t)).all():
        raise InputError(f"{method}: the periods in {time!r} must be whole numbers; got "
                         f"{t[t != np.round(t)].unique()[:5].tolist()}")
    return data.reset_index(drop=True)


def _prepare(df, column, *, id, time, classes, cutpoints, states, step, method="markov"):
    step = check_step(step)
    data = panel(df, column, id=id, time=time, numeric=states is None, method=method)
    if states is not None:
        cls = _core.categorical(data[column], states)
        cuts, k = None, len(states)
    else:
        if not isinstance(classes, (int, np.integer)) or classes < 1:
            raise ValueError(f"classes must be a positive integer, got {classes!r}")
        cls, cuts, k = _core.classify(data[column], data[time], classes=classes, cutpoints=cutpoints)
    origin, dest = _core.pairs(data, id, time, step)
    if len(origin) == 0:
        periods = sorted(data[time].unique().tolist())
        raise InputError(f"{method}: no ({id}, {time}) has a row {step} period(s) later, so there is nothing to "
                         f"count (periods: {periods[:10]}{' …' if len(periods) > 10 else ''}); a chain needs at "
                         "least two periods step apart")
    return data, cls, cuts, k, origin, dest


def _labels(labels, k, lang="zh"):
    if labels is None:
        return _core.default_labels(k, lang)
    labels = tuple(str(x) for x in labels)
    if len(labels) != k:
        raise ValueError(f"labels= has {len(labels)} names for {k} classes")
    return labels


@dataclass(frozen=True, eq=False, repr=False)
class MarkovResult(Result):
    """A classic Markov chain (see :func:`markov`).

    Attributes
    ----------
    counts, probabilities : ndarray (k, k)
        Transition counts n_ij and probabilities p_ij = n_ij / n_i (NaN rows where n_i = 0).
    labels : tuple of str
    cutpoints : inner cut points (array), per-period dict, or None for categorical states
    steady_state : ndarray (k,), NaN when undefined (``steady_note`` says why)
    mfpt : ndarray (k, k), mean first passage times (recurrence times on the diagonal)
    sojourn : ndarray (k,), expected stay 1/(1 − p_ii)
    classes : DataFrame, the class of every id and period
    counts_by_period : ndarray (T, k, k), counts per origin period (for time homogeneity)
    """

    counts: np.ndarray
    probabilities: np.ndarray
    labels: tuple
    cutpoints: object
    steady_state: np.ndarray
    steady_note: str
    mfpt: np.ndarray
    sojourn: np.ndarray
    classes: pd.DataFrame
    counts_by_period: np.ndarray
    periods: tuple = field(default_factory=tuple)

    def _title(self) -> str:
        return "Markov transition matrix"

    def _matrix_lines(self, c: np.ndarray, p: np.ndarray) -> list[str]:
        w = max(6, *(len(x) + 2 for x in self.labels))
        lines = [f"{CORNER:<{w}}{'n':>7}" + "".join(f"{lab:>{w}}" for lab in self.labels)]
        for i, lab in enumerate(self.labels):
            row = "".join(f"{'':>{w}}" if np.isnan(v) else f"{v:>{w}.3f}" for v in p[i])
            lines.append(f"{lab:<{w}}{int(c[i].sum()):>7}{row}")
        return lines

    def _summary_lines(self) -> list[str]:
        lines = self._matrix_lines(self.counts, self.probabilities)
        if self.steady_note:
            lines.append(f"steady state: undefined ({self.steady_note})")
        else:
            pairs = zip(self.labels, self.steady_state)
            lines.append("steady state: " + ", ".join(f"{lab} {v:.3f}" for lab, v in pairs))
        h = self.homogeneity()
        if h["dof"] > 0:
            lines.append(f"time homogeneity (Bickenbach–Bode): Q = {h['Q']:.2f} (p = {h['Q_p']:.4f}), "
                         f"LR = {h['LR']:.2f} (p = {h['LR_p']:.4f}), df = {h['dof']}")
        return lines

    def homogeneity(self) -> dict:
        """Bickenbach–Bode test that the transition probabilities are the same in every period."""
        return _core.homogeneity(self.counts_by_period)

    def to_frame(self) -> pd.DataFrame:
        """Tidy: one row per (from, to) with ``count`` and ``probability``."""
        k = len(self.labels)
        return pd.DataFrame({"from": np.repeat(self.labels, k), "to": np.tile(self.labels, k),
                             "count": self.counts.ravel(), "probability": self.probabilities.ravel()})

    def paper_table(self, *, decimals: int = 3) -> pd.DataFrame:
        """The layout papers print: one row per class at t, its n, and p to each class at t + step."""
        t = pd.DataFrame(self.probabilities, index=list(self.labels), columns=list(self.labels)).round(decimals)
        t.insert(0, "n", self.counts.sum(axis=1).astype(int))
        t.index.name = "t \\ t+1"
        return t

    def _plot(self, ax, **kw):
        from ..plot.charts import heatmap

        heatmap(ax, self.probabilities, self.labels, self.labels, row_note=self.counts.sum(axis=1).astype(int), **kw)
        ax.set_xlabel("t + 1")
        ax.set_ylabel("t")
        return ax


def markov(
    df: pd.DataFrame,
    column: str,
    *,
    classes: int = 5,
    step: int = 1,
    cutpoints: Literal["pooled", "per_year"] | Sequence[float] = "pooled",
    states: Sequence | None = None,
    labels: Sequence[str] | None = None,
    id: str = "adcode",
    time: str = "year",
) -> MarkovResult:
    """Classic Markov chain of quantile classes (or categorical states) between t and t + ``step``.

    Classes: ``cutpoints="pooled"`` (default, as the papers do) cuts the pooled panel at its
    1/k … (k−1)/k quantiles (linear interpolation, upper bounds inclusive, as mapclassify's
    Quantiles), so class counts per year are unequal; ``"per_year"`` cuts each year; a sequence
    gives the inner cut points.  ``states=`` (ordered labels) makes ``column`` categorical, e.g.
    the Tapio groups from :func:`spatialq.index.tapio`.

    p_ij = n_ij / n_i over all pairs (id, t) → (id, t + step) present in the data (unbalanced
    panels are fine; a missing year just removes its pairs).  Rows with n_i = 0 are NaN (shown
    empty).  Steady state π P = π; mean first passage times (Kemeny & Snell); sojourn times
    1/(1 − p_ii); time homogeneity by Bickenbach & Bode (2003).

    Periods: years in any form (2011, ``"2011"``, ``"2011年"``, 2011.0, dates) are read as integer
    years, so ``t + step`` is the next period; other periods must be whole numbers (e.g. survey
    rounds 1, 2, 3) — text such as ``"2011Q1"`` is an error that says how to convert it.  An
    (id, time) MultiIndex is accepted.  Needs at least one pair (id, t) → (id, t + ``step``) and,
    for quantile classes, ``classes`` distinct cut points.  ``classes`` (the class of every id and
    period) is sorted by (id, period).
    """
    data, cls, cuts, k, origin, dest = _prepare(df, column, id=id, time=time, classes=classes, cutpoints=cutpoints,
                                                states=states, step=step)
    c = _core.counts(cls[origin], cls[dest], k)
    p = _core.probabilities(c)
    pi, note = _core.steady_state(p)
    periods = tuple(sorted(pd.unique(data[time].to_numpy()[origin])))
    by_period = np.stack([_core.counts(cls[origin][data[time].to_numpy()[origin] == t],
                                       cls[dest][data[time].to_numpy()[origin] == t], k) for t in periods])
    labs = _labels(labels if labels is not None else states, k)
    assigned = pd.DataFrame({id: data[id], time: data[time], "class": cls, "label": np.array(labs)[cls]})
    return MarkovResult(
        meta=provenance("spatialq.markov.markov", n=len(origin), column=column, classes=k, step=step,
                        cutpoints=cutpoints if isinstance(cutpoints, str) else list(np.asarray(cutpoints, float)),
                        categorical=states is not None),
        counts=c, probabilities=p, labels=labs, cutpoints=cuts, steady_state=pi, steady_note=note,
        mfpt=_core.mfpt(p, pi), sojourn=_core.sojourn(p), classes=assigned, counts_by_period=by_period,
        periods=periods,
    )


@dataclass(frozen=True, eq=False, repr=False)
class SpatialMarkovResult(Result):
    """A spatial Markov chain (see :func:`spatial_markov`).

    ``counts`` and ``probabilities`` have shape (m, k, k) with the lag class first;
    ``classic_counts``/``classic_probabilities`` (k, k) are the pooled chain (the sum over lag
    classes); ``homogeneity_test`` holds Bickenbach–Bode Q and LR; ``chi2`` the χ² of each lag
    class against the pooled chain (and their sum with summed df).
    """

    counts: np.ndarray
    probabilities: np.ndarray
    classic_counts: np.ndarray
    classic_probabilities: np.ndarray
    labels: tuple
    lag_labels: tuple
    cutpoints: object
    lag_cutpoints: object
    steady_states: np.ndarray
    homogeneity_test: dict
    chi2: pd.DataFrame

    def _title(self) -> str:
        return "Spatial Markov transition matrices"

    def _summary_lines(self) -> list[str]:
        lines = []
        w = max(6, *(len(x) + 2 for x in self.labels))
        for g, ll in enumerate(self.lag_labels):
            lines.append(f"neighbours' class: {ll}")
            lines.append(f"{CORNER:<{w}}{'n':>7}" + "".join(f"{lab:>{w}}" for lab in self.labels))
            for i, lab in enumerate(self.labels):
                row = "".join(f"{'':>{w}}" if np.isnan(v) else f"{v:>{w}.3f}" for v in self.probabilities[g, i])
                lines.append(f"{lab:<{w}}{int(self.counts[g, i].sum()):>7}{row}")
        h = self.homogeneity_test
        lines.append(f"homogeneity across lag classes (Bickenbach–Bode): Q = {h['Q']:.2f} (p = {h['Q_p']:.4f}), "
                     f"LR = {h['LR']:.2f} (p = {h['LR_p']:.4f}), df = {h['dof']}")
        return lines

    def to_frame(self) -> pd.DataFrame:
        """Tidy: one row per (lag class, from, to) with ``count`` and ``probability``."""
        m, k, _ = self.counts.shape
        return pd.DataFrame({"lag_class": np.repeat(self.lag_labels, k * k),
                             "from": np.tile(np.repeat(self.labels, k), m), "to": np.tile(self.labels, m * k),
                             "count": self.counts.ravel(), "probability": self.probabilities.ravel()})

    def paper_table(self, *, decimals: int = 3) -> pd.DataFrame:
        """Stacked layout of the papers: lag class, class at t, n, and p to each class at t + step."""
        blocks = []
        for g, ll in enumerate(self.lag_labels):
            t = pd.DataFrame(self.probabilities[g], columns=list(self.labels)).round(decimals)
            t.insert(0, "n", self.counts[g].sum(axis=1).astype(int))
            t.insert(0, "t \\ t+1", list(self.labels))
            t.insert(0, "lag", ll)
            blocks.append(t)
        return pd.concat(blocks, ignore_index=True)

    def _plot(self, ax, lag: int | None = None, lang: str = "zh", **kw):
        """Heat maps of the transition matrices, one per class of the neighbours (``lag=`` picks one); panel
        titles 邻域：低 … (``lang="en"``: neighbours: …)."""
        from ..plot.charts import heatmap

        head = "邻域：" if lang == "zh" else "neighbours: "
        if lag is not None:
            heatmap(ax, self.probabilities[lag], self.labels, self.labels,
                    row_note=self.counts[lag].sum(axis=1).astype(int), title=f"{head}{self.lag_labels[lag]}", **kw)
            return ax
        m = len(self.lag_labels)
        ax.set_axis_off()
        for g in range(m):
            sub = ax.inset_axes([g / m + 0.02, 0.05, 1 / m - 0.06, 0.85])
            heatmap(sub, self.probabilities[g], self.labels, self.labels,
                    row_note=self.counts[g].sum(axis=1).astype(int), title=f"{head}{self.lag_labels[g]}", **kw)
        return ax


def _categorical_lag(cls: np.ndarray, m, k: int) -> np.ndarray:
    """Neighbours' state: the state with the largest total weight among the neighbours; ties go to
    the unit's own state if it is among the tied, else to the lowest-ranked tied state."""
    onehot = np.zeros((len(cls), k))
    onehot[np.arange(len(cls)), cls] = 1.0
    score = m @ onehot
    best = score.max(axis=1, keepdims=True)
    tied = np.isclose(score, best) & (best > 0)
    own_tied = tied[np.arange(len(cls)), cls]
    return np.where(own_tied, cls, np.argmax(tied, axis=1))


def spatial_markov(
    df: pd.DataFrame,
    column: str,
    w,
    *,
    classes: int = 5,
    lag_classes: int | None = None,
    step: int = 1,
    cutpoints: Literal["pooled", "per_year"] | Sequence[float] = "pooled",
    lag_cutpoints: Literal["pooled", "per_year"] | Sequence[float] = "pooled",
    states: Sequence | None = None,
    labels: Sequence[str] | None = None,
    transform: Literal["r", "b", "o"] = "r",
    id: str = "adcode",
    time: str = "year",
) -> SpatialMarkovResult:
    """Spatial Markov chain (Rey 2001): transitions conditioned on the class of the spatial lag at t.

    The lag of ``column`` in each period is W x_t with W matched to the rows by id and
    row-standardised on a copy (``transform="r"``); lag classes are pooled quantiles of the lag
    (``lag_cutpoints="pooled"``, giddy's ``fixed=True``), per year, or given cut points;
    ``lag_classes`` defaults to ``classes`` and may differ (k ≠ m).  For categorical ``states``
    the neighbours' class is the weighted mode of the neighbours' states (ties: own state if
    tied, else the lowest-ranked), and m = k.

    ``counts`` and ``probabilities`` are (m, k, k) with the lag class first; summed over lag
    classes they give the classic chain.  Every region needs neighbours in every period
    (Hainan: build the weights with ``islands="nearest"``).  Homogeneity across lag classes by
    Bickenbach & Bode (2003), with df Σ_i (b_i − 1)(a_i − 1).  ``chi2``: each lag class against
    the pooled chain, E_ij = n_i(l) p_ij, df = Σ over the class's observed rows of (cells with
    p_ij > 0) − 1, and their sum (giddy uses k(k−1)² whatever the zeros and whatever m).

    Periods as in :func:`markov` (years in any form).  Needs at least **2 units** per period, and
    every unit needs neighbours: weights with islands are refused under every ``transform``, with
    an error naming the units and the period (see docs/weights.md).
    """
    data, cls, cuts, k, origin, dest = _prepare(df, column, id=id, time=time, classes=classes, cutpoints=cutpoints,
                                                states=states, step=step, method="spatial_markov")
    w = unit_weights(w, df, id=id, time=time, method="spatial_markov")  # a bare sparse w follows the input's units
    tvals = data[time].to_numpy()
    ids = data[id].to_numpy(dtype=object)
    xv = data[column].to_numpy(dtype=float) if states is None else None
    lag_vals = np.empty(len(data))
    lag_cls = np.empty(len(data), dtype=int)
    weights_for = AlignedCache(w, transform, method="spatial_markov")
    for t in np.sort(pd.unique(tvals)):
        rows = np.flatnonzero(tvals == t)
        check_min_units(len(rows), 2, method="spatial_markov", period=t, why="a spatial lag needs neighbours")
        mm = weights_for(ids[rows], t)
        if states is None:
            lag_vals[rows] = mm @ xv[rows]
        else:
            lag_cls[rows] = _categorical_lag(cls[rows], mm, k)
    if states is None:
        mm_classes = classes if lag_classes is None else lag_classes
        lag_cls, lag_cuts, m = _core.classify(pd.Series(lag_vals), data[time], classes=mm_classes,
                                              cutpoints=lag_cutpoints)
    else:
        if lag_classes not in (None, k):
            raise ValueError("with categorical states the neighbours' class uses the same states (m = k)")
        lag_cuts, m = None, k
    c = np.zeros((m, k, k))
    np.add.at(c, (lag_cls[origin], cls[origin], cls[dest]), 1)
    p = _core.probabilities(c)
    classic = c.sum(axis=0)
    labs = _labels(labels if labels is not None else states, k)
    lag_labs = labs if m == k else _core.default_labels(m)
    ss = np.vstack([_core.steady_state(p[g])[0] for g in range(m)])
    rows = []
    for g in range(m):
        r = _core.chi2_against(c[g], classic)
        rows.append(dict(lag_class=lag_labs[g], **r))
    chi = pd.DataFrame(rows)
    total = chi["chi2"].sum()
    dof = int(chi["dof"].sum())
    from scipy import stats

    chi = pd.concat([chi, pd.DataFrame([dict(lag_class="total", chi2=total, dof=dof,
                                             p=stats.chi2.sf(total, dof) if dof > 0 else np.nan)])],
                    ignore_index=True)
    return SpatialMarkovResult(
        meta=provenance("spatialq.markov.spatial_markov", n=len(origin), column=column, classes=k, lag_classes=m,
                        step=step, transform=transform, categorical=states is not None,
                        cutpoints=cutpoints if isinstance(cutpoints, str) else "given",
                        lag_cutpoints=lag_cutpoints if isinstance(lag_cutpoints, str) else "given"),
        counts=c, probabilities=p, classic_counts=classic, classic_probabilities=_core.probabilities(classic),
        labels=labs, lag_labels=lag_labs, cutpoints=cuts, lag_cutpoints=lag_cuts, steady_states=ss,
        homogeneity_test=_core.homogeneity(c), chi2=chi,
    )

"""Rank Markov chains (Rey 2014, 2016): the full-rank and the geographic-rank Markov chain, by PySAL's giddy."""

from __future__ import annotations

import contextlib
import io
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from .._guards import InputError, check_min_units, check_not_constant
from .._results import Result, provenance
from .chains import panel

__all__ = ["RankMarkovResult", "rank_markov"]

KINDS = ("full", "geo")


@dataclass(frozen=True, eq=False, repr=False)
class RankMarkovResult(Result):
    """A full-rank or geographic-rank Markov chain (see :func:`rank_markov`).

    ``counts`` and ``probabilities`` are (n, n) DataFrames labelled by the states — ranks 1 (highest) … n for
    ``kind="full"``, the unit ids for ``kind="geo"`` — rows at t, columns at t + 1; ``steady_state`` and
    ``sojourn`` are Series over the states, ``mfpt`` (n, n) mean first passage times with the recurrence times
    on the diagonal; ``ranks`` is the rank of every id and period (1 = highest value).
    """

    kind: str
    counts: pd.DataFrame
    probabilities: pd.DataFrame
    steady_state: pd.Series
    mfpt: pd.DataFrame
    sojourn: pd.Series
    ranks: pd.DataFrame

    def _title(self) -> str:
        return {"full": "Full-rank Markov chain (全秩马尔可夫链)",
                "geo": "Geographic-rank Markov chain (地理秩马尔可夫链)"}[self.kind]

    def _summary_lines(self) -> list[str]:
        f = self.to_frame()
        n = len(f)
        stay = f["p_stay"].to_numpy()
        lines = [f"{n} states, {int(self.counts.to_numpy().sum())} transitions; steady state uniform (1/{n}) by "
                 "construction (the chain is doubly stochastic)",
                 f"probability of keeping the state: mean {np.nanmean(stay):.3f}, min {np.nanmin(stay):.3f}, "
                 f"max {np.nanmax(stay):.3f}", "", f.head(20).to_string(index=False, float_format=lambda v: f"{v:.4g}")]
        if n > 20:
            lines.append(f"… {n - 20} more states (to_frame())")
        return lines

    def to_frame(self) -> pd.DataFrame:
        """One row per state: ``state``, ``p_stay`` (pᵢᵢ), ``sojourn`` (1/(1 − pᵢᵢ), ∞ if never left),
        ``steady_state``, ``recurrence`` (1/πᵢ) and ``transitions`` (count out of the state)."""
        p = self.probabilities.to_numpy()
        return pd.DataFrame({"state": self.counts.index.to_numpy(), "p_stay": np.diag(p),
                             "sojourn": self.sojourn.to_numpy(), "steady_state": self.steady_state.to_numpy(),
                             "recurrence": np.diag(self.mfpt.to_numpy()),
                             "transitions": self.counts.to_numpy().sum(axis=1)})

    def _plot(self, ax, **kw):
        """The transition probability matrix as an image."""
        im = ax.imshow(self.probabilities.to_numpy(), cmap=kw.pop("cmap", "viridis"), vmin=0, vmax=1, **kw)
        ax.figure.colorbar(im, ax=ax, shrink=0.8)
        ax.set_xlabel("t + 1")
        ax.set_ylabel("t")
        ax.set_title(self._title())
        return ax


def rank_markov(df: pd.DataFrame, column: str, *, kind: str = "full", id: str = "adcode",
                time: str = "year") -> RankMarkovResult:
    """Full-rank (``kind="full"``) or geographic-rank (``kind="geo"``) Markov chain of a balanced panel.

    Every period the n units are ranked by ``column``, 1 = highest (among ties the unit later in id order ranks
    higher, giddy's rule).  The **full-rank** chain (Rey 2014) has the ranks as states: a transition r → s is a
    unit holding rank r at t and rank s at t + 1, so pᵣₛ measures rank mobility.  The **geographic-rank** chain
    (Rey 2016) has the units as states: a
    transition i → j means the rank position held by unit i at t is held by unit j at t + 1 (its diagonal is the
    chance a unit keeps its rank).  Both chains are doubly stochastic — every rank is held by exactly one unit
    every period — so the steady state is uniform, 1/n, by construction and says nothing about the data; the
    informative numbers are the probabilities, sojourn times 1/(1 − pᵢᵢ) and mean first passage times.

    The chain is giddy's ``FullRank_Markov`` / ``GeoRank_Markov`` (transitions, probabilities, steady state,
    mean first passage times with recurrence times on the diagonal, sojourn times), fed the wide panel with
    units sorted by id and periods in order.  Conventions where giddy is not used as is: giddy breaks ties by
    the order of the rows it is given; here the rows are sorted by id first, so the result does not depend on the
    input's row order; giddy counts consecutive columns as one step whatever the years, here periods must be
    equally spaced (a gap would merge a two-year move into a one-year one) and are refused otherwise.

    Refused: an unbalanced panel (naming the missing id and period), fewer than 3 units or 2 periods, unequally
    spaced periods, a column constant in every period, non-finite values.
    """
    from giddy.markov import FullRank_Markov, GeoRank_Markov

    if kind not in KINDS:
        raise InputError(f"rank_markov: kind must be one of {KINDS}, got {kind!r}")
    data = panel(df, column, id=id, time=time, numeric=True, method="rank_markov")
    wide = data.pivot(index=id, columns=time, values=column).sort_index()
    missing = wide.isna()
    if missing.to_numpy().any():
        r, c = np.argwhere(missing.to_numpy())[0]
        raise InputError(f"rank_markov: the panel is unbalanced — {id} {wide.index[r]!r} has no {column!r} in "
                         f"{time} {wide.columns[c]!r} ({int(missing.to_numpy().sum())} missing in all); rank chains "
                         "need every unit in every period")
    check_min_units(len(wide), 3, method="rank_markov", why="a rank chain of two units has one free transition")
    periods = wide.columns.to_numpy()
    if len(periods) < 2:
        raise InputError(f"rank_markov: one period ({periods.tolist()}); a chain needs at least two")
    gaps = np.diff(periods.astype(float))
    if not np.all(gaps == gaps[0]):
        raise InputError(f"rank_markov: periods are not equally spaced ({periods.tolist()[:10]}); giddy would count "
                         "every gap as one step — drop or fill the periods first")
    y = wide.to_numpy(dtype=float)
    check_not_constant(y.ravel(), column=column, method="rank_markov")
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        m = (FullRank_Markov if kind == "full" else GeoRank_Markov)(y, summary=False)
    n = len(wide)
    states = pd.Index(np.arange(1, n + 1), name="rank") if kind == "full" else pd.Index(wide.index, name=id)
    # giddy's ranks: 1 = highest; among ties the unit later in id order ranks higher (scipy's "ordinal")
    order = n + 1 - np.column_stack([rankdata(col, method="ordinal") for col in y.T]).astype(int)
    rank_frame = pd.DataFrame(order, index=wide.index, columns=wide.columns).stack().rename("rank").reset_index()
    return RankMarkovResult(
        meta=provenance("spatialq.markov.rank_markov", n=int(y.size), column=column, kind=kind, id=id, time=time),
        kind=kind,
        counts=pd.DataFrame(np.asarray(m.transitions, float), index=states, columns=states),
        probabilities=pd.DataFrame(np.asarray(m.p, float), index=states, columns=states),
        steady_state=pd.Series(np.asarray(m.steady_state, float).ravel(), index=states, name="steady_state"),
        mfpt=pd.DataFrame(np.asarray(m.mfpt, float), index=states, columns=states),
        sojourn=pd.Series(np.asarray(m.sojourn_time, float).ravel(), index=states, name="sojourn"),
        ranks=rank_frame)

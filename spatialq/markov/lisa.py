"""LISA Markov chain: transitions between Moran-scatter-plot quadrants."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._data import unit_weights
from .._guards import InputError, check_min_units, check_not_constant, rescale
from .._results import Result, provenance
from .._wmatrix import AlignedCache
from . import _core
from .chains import check_step, panel

__all__ = ["QUADRANTS", "LisaMarkovResult", "lisa_markov"]

#: Quadrant order (giddy's convention): 1 HH, 2 LH, 3 LL, 4 HL (own value, neighbours' value).
QUADRANTS = ("HH", "LH", "LL", "HL")


@dataclass(frozen=True, eq=False, repr=False)
class LisaMarkovResult(Result):
    """Quadrant transitions (see :func:`lisa_markov`)."""

    counts: np.ndarray
    probabilities: np.ndarray
    expected: np.ndarray
    chi2: dict
    steady_state: np.ndarray
    quadrants: pd.DataFrame

    def _title(self) -> str:
        return "LISA Markov (quadrant transitions)"

    def _summary_lines(self) -> list[str]:
        lines = [f"{'t / t+1':<8}{'n':>7}" + "".join(f"{q:>8}" for q in QUADRANTS)]
        for i, q in enumerate(QUADRANTS):
            row = "".join(f"{'':>8}" if np.isnan(v) else f"{v:>8.3f}" for v in self.probabilities[i])
            lines.append(f"{q:<8}{int(self.counts[i].sum()):>7}{row}")
        c = self.chi2
        lines.append(f"independence of own and neighbours' moves: χ² = {c['chi2']:.2f}, df = {c['dof']}, "
                     f"p = {c['p']:.4g}")
        return lines

    def to_frame(self) -> pd.DataFrame:
        """Tidy: one row per (from, to) quadrant with ``count``, ``probability`` and ``expected``."""
        return pd.DataFrame({"from": np.repeat(QUADRANTS, 4), "to": np.tile(QUADRANTS, 4), "count": self.counts.ravel(),
                             "probability": self.probabilities.ravel(), "expected": self.expected.ravel()})

    def _plot(self, ax, **kw):
        from ..plot.charts import heatmap

        heatmap(ax, self.probabilities, QUADRANTS, QUADRANTS, row_note=self.counts.sum(axis=1).astype(int), **kw)
        return ax


def lisa_markov(
    df: pd.DataFrame,
    column: str,
    w,
    *,
    step: int = 1,
    transform: str = "r",
    id: str = "adcode",
    time: str = "year",
) -> LisaMarkovResult:
    """Markov chain of Moran-scatter-plot quadrants (Rey 2001; giddy's ``LISA_Markov``).

    In each period z = x − x̄ and its lag Wz (W row-standardised on a copy): HH (z > 0, Wz > 0),
    LH (z ≤ 0, Wz > 0), LL (z ≤ 0, Wz ≤ 0), HL (z > 0, Wz ≤ 0).  Transitions between t and
    t + ``step`` are counted as in :func:`markov`.

    Test: are a region's own moves independent of its neighbours' moves?  With P_y the 2×2
    chain of "above the period mean" for the region and P_l that of its lag, the expected
    transition (a, b) → (c, d) is n_(a,b) · P_y[a, c] · P_l[b, d]; Pearson χ² against it, with
    (r₁ − 1)(r₂ − 1) degrees of freedom (r: quadrants with transitions in the observed and the
    expected tables), as giddy.  The quadrant transitions equal giddy's ``LISA_Markov``; its χ²
    does not, because giddy relates each value to that region's mean over time (not the period
    mean) and passes the (T, n) array to ``Markov``, which expects (n, T).  "Below the mean" is
    x < x̄ (giddy's x/x̄ < 1, the same for a positive mean, and defined for any mean).

    Periods as in :func:`~spatialq.markov.markov` (years in any form).  Needs at least **2 units**
    per period, values that are not constant in any period (quadrants are undefined; the error
    names the period), and neighbours for every unit (weights with islands are refused under every
    ``transform``; see docs/weights.md).  ``quadrants`` is sorted by (id, period).
    """
    step = check_step(step)
    data = panel(df, column, id=id, time=time, numeric=True, method="lisa_markov")
    w = unit_weights(w, df, id=id, time=time, method="lisa_markov")  # a bare sparse w follows the input's units
    tvals = data[time].to_numpy()
    ids = data[id].to_numpy(dtype=object)
    weights_for = AlignedCache(w, transform, method="lisa_markov")
    x = data[column].to_numpy(dtype=float)
    q = np.empty(len(data), dtype=int)
    above = np.empty(len(data), dtype=int)
    lag_above = np.empty(len(data), dtype=int)
    for t in np.sort(pd.unique(tvals)):
        rows = np.flatnonzero(tvals == t)
        check_min_units(len(rows), 2, method="lisa_markov", period=t, why="a spatial lag needs neighbours")
        check_not_constant(x[rows], column=column, method="lisa_markov", period=t)
        m = weights_for(ids[rows], t)
        xt = rescale(x[rows], column=column, period=t)
        mean = xt.mean()
        z = xt - mean
        lz = m @ z
        q[rows] = np.where(z > 0, np.where(lz > 0, 0, 3), np.where(lz > 0, 1, 2))
        above[rows] = (xt < mean).astype(int)  # giddy codes "below the mean" as 1
        lag_above[rows] = ((m @ xt) < mean).astype(int)
    origin, dest = _core.pairs(data, id, time, step)
    if len(origin) == 0:
        raise InputError(f"lisa_markov: no ({id}, {time}) has a row {step} period(s) later, so there is nothing "
                         "to count; a chain needs at least two periods step apart")
    c = _core.counts(q[origin], q[dest], 4)
    p = _core.probabilities(c)
    py = _core.probabilities(_core.counts(above[origin], above[dest], 2))
    pl = _core.probabilities(_core.counts(lag_above[origin], lag_above[dest], 2))
    # order (own, lag) states as HH, LH, LL, HL with 0 = above, 1 = below: HH=(0,0) LH=(1,0) LL=(1,1) HL=(0,1)
    kron = np.kron(np.nan_to_num(py), np.nan_to_num(pl))  # index 2*own + lag
    order = [0, 2, 3, 1]
    kp = kron[np.ix_(order, order)]
    expected = np.diag(c.sum(axis=1)) @ kp
    chi = _giddy_chi2(c, expected)
    pi, _ = _core.steady_state(p)
    quads = pd.DataFrame({id: data[id], time: data[time], "quadrant": np.array(QUADRANTS)[q]})
    return LisaMarkovResult(meta=provenance("spatialq.markov.lisa_markov", n=len(origin), column=column, step=step,
                                            transform=transform),
                            counts=c, probabilities=p, expected=expected, chi2=chi, steady_state=pi, quadrants=quads)


def _giddy_chi2(observed: np.ndarray, expected_counts: np.ndarray) -> dict:
    """χ² of observed against the row probabilities of ``expected_counts`` (giddy's ``chi2``):
    E_ij = n_i · q_ij, df = (r_obs − 1)(r_exp − 1) with r the rows with transitions."""
    from scipy import stats

    rs2 = expected_counts.sum(axis=1)
    rs1 = observed.sum(axis=1)
    dof = int(((rs1 > 0).sum() - 1) * ((rs2 > 0).sum() - 1))
    prob = expected_counts / np.where(rs2 > 0, rs2, 1)[:, None]
    e = rs1[:, None] * prob
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = float(np.where(e > 0, (observed - e) ** 2 / np.where(e > 0, e, 1), 0.0).sum())
    return dict(chi2=stat, dof=dof, p=float(stats.chi2.sf(stat, dof)) if dof > 0 else np.nan)

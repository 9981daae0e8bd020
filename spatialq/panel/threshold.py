"""Hansen (1999) fixed-effects panel threshold regression, as Stata's ``xthreg`` (Wang 2015).

Model (balanced panel, unit fixed effects removed by the within transformation)::

    y_it = μ_i + β_1'x_it·1(q_it ≤ γ_1) + β_2'x_it·1(γ_1 < q_it ≤ γ_2) + … + θ'z_it + e_it

with ``x`` the regime-dependent regressors (``regime=``) and ``z`` the others.  Each threshold is the
grid value minimising the within residual sum of squares S(γ); two and three thresholds are estimated
sequentially with Hansen's refinement (§3.3), the number of thresholds is tested by F statistics with
a residual bootstrap (§3.1), and each threshold's confidence interval inverts the likelihood-ratio
statistic LR(γ) (§3.2).  ``docs/threshold.md`` states the conventions and how they relate to xthreg.

Computation: for a candidate γ the design is [x·1(q ≤ γ), B] with B the (demeaned) regressors of the
thresholds held fixed; by Frisch–Waugh S(γ) = e'e − r(γ)'H(γ)⁻¹r(γ) with e the residual of ỹ on B,
r(γ) = Σ_{q ≤ γ} x e and H(γ) the partialled cross-product of the demeaned x·1(q ≤ γ), all obtained from
cumulative sums over the grid.  H(γ) does not depend on y, so a bootstrap replication costs one pass
over the data per search.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Literal

import numpy as np
import pandas as pd

from .._data import long_frame
from .._guards import (
    InputError,
    check_condition,
    check_fit_ratio,
    check_min_units,
    check_not_constant,
    check_not_perfect_fit,
)
from .._ols import ols
from .._parallel import groups, pmap
from .._results import Result, provenance

__all__ = ["ThresholdResult", "critical_value", "threshold_panel"]

_NAMES = {1: "single", 2: "double", 3: "triple"}
_CACHE = 24  # stages kept per process (each holds an NT × p basis)


def critical_value(level: float = 0.95) -> float:
    """Hansen's (2000) asymptotic critical value of LR(γ): c(α) = −2 ln(1 − √(1 − α)), α = 1 − ``level``.

    Parameters
    ----------
    level : float
        Confidence level in (0, 1); 0.95 gives 7.35, 0.90 gives 5.94, 0.99 gives 10.59.

    Returns
    -------
    float
        The critical value.
    """
    if not 0 < level < 1:
        raise InputError(f"level must be between 0 and 1, got {level!r}")
    return float(-2 * math.log(1 - math.sqrt(level)))


@dataclass(frozen=True, eq=False, repr=False)
class ThresholdResult(Result):
    """Panel threshold regression (see :func:`threshold_panel`).

    Attributes
    ----------
    thresholds : DataFrame
        One row per threshold: ``threshold`` (1, 2, 3), ``estimate``, ``ci_low``, ``ci_high`` (the
        range of grid values with LR(γ) ≤ c(α)) and ``stage`` (where its LR curve comes from).
    tests : DataFrame
        One row per test of k against k − 1 thresholds: ``model`` ("single", "double", "triple"),
        ``rss``, ``mse``, ``F``, ``p`` and the bootstrap critical values ``crit10``, ``crit5``,
        ``crit1``, ``reps`` (as xthreg's table).
    params : DataFrame
        ``term``, ``regime`` (e.g. ``"q <= 1.2"``; empty for regressors without regimes), ``coef``,
        ``se``, ``t``, ``p``.
    lr : DataFrame
        The LR curves: ``threshold``, ``gamma``, ``lr``.
    level, crit : float
        Confidence level of the intervals and its critical value c(α).
    rss : float
        Within residual sum of squares of the final model; ``sigma2`` = rss / (N(T − 1)).
    se : str
        Standard-error convention ("conventional" or "cluster").
    """

    thresholds: pd.DataFrame
    tests: pd.DataFrame
    params: pd.DataFrame
    lr: pd.DataFrame
    level: float
    crit: float
    rss: float
    sigma2: float
    se: str
    q: str
    y: str
    n_units: int
    n_periods: int
    grid: np.ndarray

    def _title(self) -> str:
        k = len(self.thresholds)
        return f"Panel threshold regression ({_NAMES[k]} threshold, Hansen 1999)"

    def _summary_lines(self) -> list[str]:
        lines = [f"y = {self.y}; threshold variable q = {self.q}; N = {self.n_units}, T = {self.n_periods}; "
                 f"{len(self.grid)} grid points", "",
                 f"{'model':<8}{'RSS':>13}{'F':>10}{'p':>8}{'crit10':>9}{'crit5':>9}{'crit1':>9}{'reps':>6}"]
        for r in self.tests.itertuples():
            lines.append(f"{r.model:<8}{r.rss:>13.5g}{r.F:>10.3f}{r.p:>8.3f}{r.crit10:>9.3f}{r.crit5:>9.3f}"
                         f"{r.crit1:>9.3f}{r.reps:>6d}")
        lines += ["", f"{'threshold':<10}{'estimate':>12}  {round(self.level * 100)} % CI (LR ≤ {self.crit:.2f})"]
        for r in self.thresholds.itertuples():
            lines.append(f"γ{r.threshold:<9}{r.estimate:>12.5g}  [{r.ci_low:.5g}, {r.ci_high:.5g}]")
        lines += ["", f"{'term':<14}{'regime':<24}{'coef':>11}{'se':>11}{'t':>9}{'p':>9}"]
        for r in self.params.itertuples():
            lines.append(f"{r.term:<14}{r.regime:<24}{r.coef:>11.5f}{r.se:>11.5f}{r.t:>9.3f}{r.p:>9.4f}")
        lines.append(f"SE: {self.se}; within RSS {self.rss:.6g}, σ² = RSS/(N(T−1)) = {self.sigma2:.6g}")
        return lines

    def to_frame(self) -> pd.DataFrame:
        """The coefficient table (``term``, ``regime``, ``coef``, ``se``, ``t``, ``p``), a copy."""
        return self.params.copy()

    def plot(self, ax=None, **kw):
        """LR(γ) against γ with the critical value c(α) as a dashed line.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Draw every threshold's curve on this Axes.  If None, a new figure with one panel per
            threshold is made and its first Axes returned (the others are ``ax.figure.axes``).
        **kw
            Passed to ``Axes.plot`` for the curves.

        Returns
        -------
        matplotlib Axes
        """
        if ax is not None:
            return self._plot(ax, **kw)
        from ..plot._mpl import pyplot

        k = len(self.thresholds)
        axes = np.atleast_1d(pyplot().subplots(1, k, figsize=(4.8 * k, 4), squeeze=False)[1][0])
        for j, a in enumerate(axes, start=1):
            self._plot(a, which=[j], **kw)
        return axes[0]

    def _plot(self, ax, which: Sequence[int] | None = None, lang: str = "zh", **kw):
        """LR(γ) of each threshold with the critical value (Hansen 1999, fig. 1); labels in ``lang``.  γ is
        set in mathtext, which every font can show."""
        which = list(self.thresholds["threshold"]) if which is None else list(which)
        zh = lang == "zh"
        for j in which:
            c = self.lr[self.lr["threshold"] == j]
            ax.plot(c["gamma"], c["lr"], label=rf"LR($\gamma_{j}$)", **kw)
            est = float(self.thresholds.loc[self.thresholds["threshold"] == j, "estimate"].iloc[0])
            ax.axvline(est, color="grey", linewidth=0.6, linestyle=":")
        ax.axhline(self.crit, color="black", linestyle="--", linewidth=1,
                   label=(f"{round(self.level * 100)}% 临界值 {self.crit:.2f}" if zh
                          else f"{round(self.level * 100)} % critical value {self.crit:.2f}"))
        ax.set_xlabel(rf"门槛值 $\gamma$（{self.q}）" if zh else rf"threshold $\gamma$ ({self.q})")
        ax.set_ylabel(r"LR($\gamma$)")
        if len(which) == 1:
            ax.set_title(rf"$\gamma_{which[0]}$")
        ax.legend(fontsize="small")
        return ax


# ---------------------------------------------------------------------------------------------------
# numerical core


class _Design:
    """The data of one fit: demeaned regressors, the grid and each observation's grid bin."""

    def __init__(self, xr: np.ndarray, zt: np.ndarray, q: np.ndarray, grid: np.ndarray, N: int, T: int,
                 min_size: int):
        self.N, self.T = N, T
        self.xr = xr                        # NT × kr, raw regime regressors (unit-major order)
        self.xrt = _demean(xr, N, T)        # demeaned
        self.zt = zt                        # NT × kz, demeaned
        self.grid = grid
        self.G = len(grid)
        self.bins = np.searchsorted(grid, q, side="left")  # q ≤ grid[g]  ⇔  bin ≤ g
        self.cum = np.cumsum(np.bincount(self.bins, minlength=self.G + 1))  # obs with bin ≤ g
        self.unit = np.repeat(np.arange(N), T)
        self.min_size = min_size
        kr = xr.shape[1]
        sums = np.zeros((self.G + 1, kr, kr))
        np.add.at(sums, self.bins, xr[:, :, None] * xr[:, None, :])
        self.dd = np.cumsum(sums, axis=0)[: self.G]          # D'D per grid point
        us = np.zeros((N, self.G + 1, kr))
        np.add.at(us, (self.unit, self.bins), xr)
        us = np.cumsum(us, axis=1)[:, : self.G]              # unit sums of D per grid point
        self.ss = np.einsum("ngk,ngl->gkl", us, us) / T      # Σ_i s_i s_i' / T
        self._stages: dict[tuple[int, ...], _Stage] = {}

    def indicator(self, g: int) -> np.ndarray:
        return (self.bins <= g).astype(float)

    def stage(self, fixed: tuple[int, ...]) -> _Stage:
        st = self._stages.get(fixed)
        if st is None:
            if len(self._stages) >= _CACHE:
                self._stages.pop(next(iter(self._stages)))
            st = self._stages[fixed] = _Stage(self, fixed)
        return st

    def __getstate__(self):
        d = dict(self.__dict__)
        d["_stages"] = {}
        return d


class _Stage:
    """A search for one more threshold with the thresholds ``fixed`` (grid indices) held."""

    def __init__(self, d: _Design, fixed: tuple[int, ...]):
        self.d = d
        cols = [d.xrt] + [_demean(d.xr * d.indicator(f)[:, None], d.N, d.T) for f in fixed] + [d.zt]
        B = np.column_stack(cols)
        self.Q = np.linalg.qr(B)[0]
        kr = d.xr.shape[1]
        sums = np.zeros((d.G + 1, kr, self.Q.shape[1]))
        np.add.at(sums, d.bins, d.xr[:, :, None] * self.Q[:, None, :])
        qd = np.cumsum(sums, axis=0)[: d.G]                    # (Q'D)' per grid point
        H = d.dd - d.ss - np.einsum("gkp,glp->gkl", qd, qd)
        valid = np.ones(d.G, bool)
        valid[list(fixed)] = False
        for g in range(d.G):
            if valid[g]:
                cuts = sorted({*fixed, g})
                sizes = np.diff(np.concatenate([[0], d.cum[cuts], [len(d.bins)]]))
                valid[g] = sizes.min() >= d.min_size
        self.valid = valid
        self.Hinv = np.full_like(H, np.nan)
        for g in np.flatnonzero(valid):
            w = np.linalg.eigvalsh(H[g])
            if w[0] <= 1e-10 * max(w[-1], 1e-300):
                valid[g] = False
            else:
                self.Hinv[g] = np.linalg.inv(H[g])

    def curve(self, yt: np.ndarray) -> tuple[np.ndarray, float]:
        """S(γ) over the grid (inf where not allowed) and the SSR of the model without the candidate."""
        d = self.d
        e = yt - self.Q @ (self.Q.T @ yt)
        ee = float(e @ e)
        kr = d.xr.shape[1]
        r = np.empty((d.G + 1, kr))
        for j in range(kr):
            r[:, j] = np.bincount(d.bins, weights=d.xr[:, j] * e, minlength=d.G + 1)
        r = np.cumsum(r, axis=0)[: d.G]
        S = np.full(d.G, np.inf)
        v = self.valid
        S[v] = ee - np.einsum("gk,gkl,gl->g", r[v], self.Hinv[v], r[v])
        return S, ee


def _demean(a: np.ndarray, N: int, T: int) -> np.ndarray:
    a = np.asarray(a, float)
    A = a.reshape(N, T, -1)
    return (A - A.mean(axis=1, keepdims=True)).reshape(a.shape)


def _search(d: _Design, fixed: tuple[int, ...], yt: np.ndarray, what: str = ""):
    S, base = d.stage(tuple(sorted(fixed))).curve(yt)
    if not np.isfinite(S).any():
        raise InputError(f"threshold_panel: no candidate value of the threshold variable leaves every regime with "
                         f"at least {d.min_size} observations{what}; lower trim= or use fewer thresholds")
    g = int(np.argmin(S))
    return g, float(S[g]), S, base


def _sequence(d: _Design, yt: np.ndarray, k: int, curves: bool = False):
    """Hansen's sequential estimation up to k thresholds.

    Returns the grid indices, the SSRs used by the tests (S0, S1, S2 first stage, S2 refined, S3) and,
    with ``curves``, the LR stages."""
    out = {"S": {}, "curves": {}}
    g1, S1, c1, S0 = _search(d, (), yt)
    out["S"].update({0: S0, 1: S1})
    est = [g1]
    if curves:
        out["curves"][1] = (c1, S1, "single-threshold search")
    if k >= 2:
        g2, S2r, c2, _ = _search(d, (g1,), yt, " for the second threshold")
        g1r, S2, c1r, _ = _search(d, (g2,), yt, " for the refined first threshold")
        out["S"].update({"2r": S2r, 2: S2})
        est = [g1r, g2]
        if curves:
            out["curves"][1] = (c1r, S2, "refined, given γ2")
            out["curves"][2] = (c2, S2r, "given the first-stage γ1")
    if k >= 3:
        g3, S3, c3, _ = _search(d, tuple(est), yt, " for the third threshold")
        out["S"][3] = S3
        est = [*est, g3]
        if curves:
            out["curves"][3] = (c3, S3, "given γ1, γ2")
    out["est"] = est
    return out


def _f_pair(S: dict, k: int) -> tuple[float, float]:
    """(S under k − 1, S under k) as in Hansen: F2 uses the first-stage S2, F3 the refined double model."""
    if k == 1:
        return S[0], S[1]
    if k == 2:
        return S[1], S["2r"]
    return S[2], S[3]


def _replicates(d: _Design, fitted: np.ndarray, resid: np.ndarray, k: int, seeds) -> np.ndarray:
    """Bootstrap F statistics of k against k − 1 thresholds for the given seed sequences."""
    N, T = d.N, d.T
    E = resid.reshape(N, T)
    out = np.empty(len(seeds))
    for b, s in enumerate(seeds):
        rng = np.random.default_rng(s)
        ystar = fitted + E[rng.integers(0, N, N)].ravel()
        S = _sequence(d, ystar, k)["S"]
        s0, s1 = _f_pair(S, k)
        out[b] = (s0 - s1) / (s1 / (N * (T - 1)))
    return out


def _regime_design(d: _Design, est: Sequence[int], names: Sequence[str], znames: Sequence[str],
                   fmt) -> tuple[pd.DataFrame, list[str], list[str]]:
    cuts = sorted(est)
    bounds = [-1, *cuts, d.G]
    cols, terms, regimes = [], [], []
    gam = [d.grid[c] for c in cuts]
    for j in range(len(cuts) + 1):
        ind = ((d.bins > bounds[j]) & (d.bins <= bounds[j + 1])).astype(float)
        if j == 0:
            lab = f"q <= {fmt(gam[0])}"
        elif j == len(cuts):
            lab = f"q > {fmt(gam[-1])}"
        else:
            lab = f"{fmt(gam[j - 1])} < q <= {fmt(gam[j])}"
        for i, n in enumerate(names):
            cols.append(_demean(d.xr[:, i] * ind, d.N, d.T))
            terms.append(n)
            regimes.append(lab)
    for i, n in enumerate(znames):
        cols.append(d.zt[:, i])
        terms.append(n)
        regimes.append("")
    labels = [f"{t} [{r}]" if r else t for t, r in zip(terms, regimes)]
    return pd.DataFrame(np.column_stack(cols), columns=labels), terms, regimes


# ---------------------------------------------------------------------------------------------------
# public function


def _candidates(q: np.ndarray, trim: float, grid: int) -> np.ndarray:
    s = np.sort(q)
    n = len(s)
    lo, hi = math.floor(trim * n), math.ceil((1 - trim) * n) - 1
    inside = np.unique(s[lo: hi + 1])
    if len(inside) <= grid:
        return inside
    pos = np.round(np.linspace(lo, hi, grid)).astype(int)
    return np.unique(s[pos])


def threshold_panel(
    df: pd.DataFrame,
    y: str,
    x: Sequence[str],
    q: str,
    *,
    regime: Sequence[str] | None = None,
    thresholds: Literal[1, 2, 3] = 1,
    id: str = "adcode",
    time: str = "year",
    trim: float = 0.05,
    grid: int = 300,
    bootstrap: int = 300,
    level: float = 0.95,
    se: Literal["conventional", "cluster"] = "conventional",
    seed: int | None = 0,
    n_jobs: int = 1,
) -> ThresholdResult:
    """Fixed-effects panel threshold regression (Hansen 1999; Stata ``xthreg``, Wang 2015).

    ``y_it = μ_i + Σ_j β_j'x_it·1(γ_{j−1} < q_it ≤ γ_j) + θ'z_it + e_it`` (γ_0 = −∞, γ_{k+1} = +∞) on a
    balanced panel, unit effects removed by the within transformation.

    * **Estimation.** γ̂ minimises the within residual sum of squares S(γ) over the grid.  With two
      thresholds γ2 is searched given γ̂1 and then γ1 re-searched given γ̂2 (Hansen §3.3); with three,
      γ3 is searched given the refined pair.
    * **Tests.** F_k = (S_{k−1} − S_k)/σ̂²_k, σ̂²_k = S_k/(N(T − 1)), of k against k − 1 thresholds for
      k = 1 … ``thresholds`` (F2 uses the first-stage S2 as Hansen; F3 the refined double model).  The
      p-value is the share of bootstrap F* ≥ F: Hansen's residual bootstrap draws N units' within
      residual vectors of the (k − 1)-threshold model with replacement, adds them to its fitted values,
      keeps x, z and q fixed and repeats the whole (sequential) grid search in each replication.
    * **Confidence intervals.** LR(γ) = (S(γ) − S(γ̂))/σ̂² for the search in which the threshold was
      last estimated; the interval is the range of grid values with LR(γ) ≤ c(α) = −2 ln(1 − √(1 − α))
      (7.35 at 95 %; Hansen 2000).
    * **Coefficients** of the final model by within OLS on the regime-interacted regressors;
      ``se="conventional"`` (xthreg's default: σ²(X̃'X̃)⁻¹ with N(T − 1) − p degrees of freedom) or
      ``"cluster"`` (CR1 by unit, Stata ``areg`` small-sample factor; see :func:`spatialq._ols.ols`).

    Parameters
    ----------
    df : DataFrame
        Long balanced panel, one row per (id, time).  Not modified; row order does not matter.
    y : str
        Dependent variable.
    x : sequence of str
        Regressors (all of them; those not in ``regime`` have one slope).
    q : str
        Threshold variable (may also be a regressor).
    regime : sequence of str, optional
        The regressors whose slope changes at the thresholds; default all of ``x``.
    thresholds : {1, 2, 3}
        Number of thresholds estimated (and tested sequentially from 1).
    id, time : str
        Unit and period columns (``id`` may be the index).
    trim : float
        Share of observations cut from each end of the sorted q before building the grid; in the
        sequential searches a candidate is skipped if it leaves a regime with fewer than
        ⌊trim·NT⌋ observations (at least one more than the number of regime regressors).  Hansen (1999)
        trims 1 % (``trim=0.01``); 0.05 is a common, more conservative choice.
    grid : int
        Number of candidate values: quantiles (observed values) of q within the trimmed range, or all
        distinct values there if fewer.
    bootstrap : int
        Bootstrap replications for each F test (0: no p-values).
    level : float
        Confidence level of the threshold intervals.
    se : {"conventional", "cluster"}
        Standard errors of the coefficients.
    seed : int or None
        Seed of ``numpy.random.SeedSequence``; replication b uses its b-th spawned child, so results do
        not depend on ``n_jobs``.
    n_jobs : int
        Processes for the bootstrap (joblib; 1 runs in this process).

    Returns
    -------
    ThresholdResult
        ``.thresholds``, ``.tests``, ``.params`` (also ``.to_frame()``), ``.lr``; ``.plot()`` draws the
        LR curves.

    Raises
    ------
    spatialq._guards.InputError
        An unbalanced panel (names the units with missing periods), fewer than 5 units or 2 periods,
        a constant threshold variable, a regressor without within variation, too few observations
        per regime after trimming, unknown ``regime`` columns or bad options.
    KeyError
        A column that is not in ``df``.
    """
    method = "threshold_panel"
    if isinstance(x, str) or not list(x):
        raise InputError(f"{method}: x must be a non-empty list of column names, got {x!r}")
    x = list(x)
    regime = list(x) if regime is None else list(regime)
    unknown = [c for c in regime if c not in x]
    if unknown or not regime:
        raise InputError(f"{method}: regime columns {unknown or regime} must be a non-empty subset of x = {x}")
    if thresholds not in (1, 2, 3) or isinstance(thresholds, bool):
        raise InputError(f"{method}: thresholds must be 1, 2 or 3, got {thresholds!r}")
    if not (isinstance(trim, float | int) and 0 <= trim < 0.5):
        raise InputError(f"{method}: trim must be in [0, 0.5), got {trim!r}")
    if isinstance(grid, bool) or not isinstance(grid, int | np.integer) or grid < 1:
        raise InputError(f"{method}: grid must be a positive whole number, got {grid!r}")
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, int | np.integer) or bootstrap < 0:
        raise InputError(f"{method}: bootstrap must be a whole number ≥ 0, got {bootstrap!r}")
    if se not in ("conventional", "cluster"):
        raise InputError(f"{method}: se must be 'conventional' or 'cluster', got {se!r}")
    crit = critical_value(level)
    if y in x:
        raise InputError(f"{method}: the dependent variable {y!r} is also in x")
    data = long_frame(df, id=id, time=time, columns=list(dict.fromkeys([y, *x, q])))
    if "_time" in data.columns:
        raise KeyError(f"time column {time!r} not found (pass time=)")
    ids = list(pd.unique(data[id]))
    periods = sorted(pd.unique(data[time]))
    N, T = len(ids), len(periods)
    check_min_units(N, 5, method=method, why="the bootstrap resamples units")
    check_min_units(T, 2, method=method, what="periods", why="fixed effects need two periods per unit")
    counts = data.groupby(id, sort=False).size()
    short = counts[counts < T]
    if len(short):
        raise InputError(f"{method}: the panel is unbalanced: units {[str(u) for u in short.index[:8]]}"
                         f"{' and more' if len(short) > 8 else ''} lack some of the {T} periods {periods[:3]}…; "
                         "Hansen's estimator needs every unit in every period (drop those units or fill the gaps)")
    check_not_constant(data[q].to_numpy(), column=q, method=method)
    yt = _demean(data[y].to_numpy(float), N, T)
    zn = [c for c in x if c not in regime]
    xr = data[regime].to_numpy(float)
    zt = _demean(data[zn].to_numpy(float), N, T) if zn else np.empty((N * T, 0))
    xrt = _demean(xr, N, T)
    for c, col in zip([*regime, *zn], np.column_stack([xrt, zt]).T):
        if np.ptp(col) <= 1e-12 * (1 + np.ptp(data[c].to_numpy(float))):
            raise InputError(f"{method}: regressor {c!r} does not vary within units (time-invariant); the unit "
                             "fixed effects absorb it — drop it")
    if np.ptp(yt) <= 1e-12 * (1 + np.ptp(data[y].to_numpy(float))):
        raise InputError(f"{method}: {y!r} does not vary within units")
    check_condition(np.column_stack([xrt, zt]), [*regime, *zn], method=method)
    check_not_perfect_fit(yt, np.column_stack([xrt, zt]), response=y, method=method,
                          what="the regressors and unit effects explain")
    n = N * T
    min_size = max(math.floor(trim * n), len(regime) + 1)
    qv = data[q].to_numpy(float)
    cand = _candidates(qv, float(trim), int(grid))
    if len(cand) < 1:  # pragma: no cover - q not constant, so the trimmed range is not empty
        raise InputError(f"{method}: no candidate thresholds in {q!r} after trimming")
    d = _Design(xr, zt, qv, cand, N, T, min_size)
    main = _sequence(d, yt, thresholds, curves=True)
    est = main["est"]

    # tests
    rows = []
    root = np.random.SeedSequence(seed)
    streams = root.spawn(thresholds)
    for k in range(1, thresholds + 1):
        s0, s1 = _f_pair(main["S"], k)
        # F, t and the LR curves would divide by a residual variance of zero
        check_fit_ratio(s1, yt, response=y, method=method, what=f"the model with {k} threshold(s) in {q!r} explains")
        F = (s0 - s1) / (s1 / (N * (T - 1)))
        if bootstrap:
            null = _sequence(d, yt, k - 1)["est"] if k > 1 else []
            Xn = _regime_design(d, null, regime, zn, str)[0].to_numpy() if k > 1 else np.column_stack([xrt, zt])
            b = np.linalg.lstsq(Xn, yt, rcond=None)[0]
            fitted = Xn @ b
            resid = yt - fitted
            seeds = streams[k - 1].spawn(bootstrap)
            parts = pmap(partial(_replicates, d, fitted, resid, k), groups(seeds, n_jobs, per_worker=4),
                         n_jobs=n_jobs)
            Fs = np.concatenate(parts)
            p = float(np.mean(Fs >= F))
            c10, c5, c1 = np.quantile(Fs, [0.90, 0.95, 0.99])
        else:
            p = c10 = c5 = c1 = float("nan")
        rows.append({"model": _NAMES[k], "rss": s1, "mse": s1 / (N * (T - 1)), "F": float(F), "p": p,
                     "crit10": float(c10), "crit5": float(c5), "crit1": float(c1), "reps": int(bootstrap)})
    tests = pd.DataFrame(rows)

    # thresholds and LR curves
    lr_rows, th_rows = [], []
    for j in sorted(main["curves"]):
        S, Smin, stage = main["curves"][j]
        sig2 = Smin / (N * (T - 1))
        ok = np.isfinite(S)
        lr = (S[ok] - Smin) / sig2
        gam = cand[ok]
        inside = gam[lr <= crit]
        lr_rows.append(pd.DataFrame({"threshold": j, "gamma": gam, "lr": lr}))
        th_rows.append({"threshold": j, "estimate": float(cand[est[j - 1]]), "ci_low": float(inside.min()),
                        "ci_high": float(inside.max()), "stage": stage})
    th = pd.DataFrame(th_rows)
    order = np.argsort(th["estimate"].to_numpy(), kind="stable")
    th = th.iloc[order].reset_index(drop=True)
    lr_tab = pd.concat(lr_rows, ignore_index=True)
    relabel = {int(old): new for new, old in enumerate(th["threshold"], start=1)}
    th["threshold"] = th["threshold"].map(relabel)
    lr_tab["threshold"] = lr_tab["threshold"].map(relabel)

    # coefficients
    X, terms, regimes = _regime_design(d, est, regime, zn, lambda v: f"{v:.6g}")
    check_condition(X.to_numpy(), list(X.columns), method=method)
    fit = ols(yt, X, cov="classical" if se == "conventional" else "cluster",
              clusters=np.repeat(np.arange(N), T), absorbed=N)
    params = pd.DataFrame({"term": terms, "regime": regimes, "coef": fit.params.to_numpy(),
                           "se": fit.std_errors.to_numpy(), "t": fit.tvalues.to_numpy(),
                           "p": fit.pvalues.to_numpy()})
    rss = float(np.sum((yt - X.to_numpy() @ fit.params.to_numpy()) ** 2))
    meta = provenance("spatialq.panel.threshold_panel", seed=seed, n=n, y=y, x=x, q=q, regime=regime,
                      thresholds=thresholds, trim=trim, grid=grid, bootstrap=bootstrap, level=level, se=se)
    return ThresholdResult(meta=meta, thresholds=th, tests=tests, params=params, lr=lr_tab, level=float(level),
                           crit=crit, rss=rss, sigma2=rss / (N * (T - 1)), se=se, q=q, y=y, n_units=N,
                           n_periods=T, grid=cand)

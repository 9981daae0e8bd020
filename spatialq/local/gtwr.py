"""Geographically and temporally weighted regression (Huang, Wu & Barry 2010) for province / city panels.

Each observation (i, t) gets its own coefficients, estimated by weighted least squares with kernel weights of
the space-time distance (Huang et al. 2010, eq. 5–7)::

    (d^ST_ij)² = λ d_s(i, j)² + μ (t_i − t_j)² ,   i.e. with λ = 1:  d^ST = √(d_s² + τ Δt²),  τ = μ/λ,

so a panel of N units × T years is a GWR on N·T points in the space (x, y, √τ t).  The ratio τ (km² per
year², for the bundled geometry) and the bandwidth are chosen by AICc: for each τ the bandwidth by mgwr's
golden-section search, τ itself by a bounded search over log τ (or given).  Everything else is GWR's:
the same kernels, hat matrix S, AICc = n ln(2πσ̂²) + n (n + tr S)/(n − 2 − tr S), local t tests with the
da Silva & Fotheringham (2016) correction.

Conventions: adaptive bandwidths count the observation itself and are not inflated (GWmodel's convention; mgwr
multiplies by 1.0000001).  Past and future years both enter (Huang et al.); GWmodel's ``gtwr`` with its own
``st.dist`` looks only backwards in time and mixes linear distances — with the same space-time distance
matrix (``st.dMat``) it equals this function (tests/test_gtwr.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from .._guards import InputError
from .._results import Result, provenance
from . import _engine as E
from . import _fit as F

__all__ = ["GTWRResult", "gtwr"]

RATIO_GRID = 9  # log-spaced ratios tried before the refinement


@dataclass(frozen=True, eq=False, repr=False)
class GTWRResult(Result):
    """GTWR (see :func:`gtwr`): local estimates per unit and year.

    Attributes
    ----------
    params, bse, tvalues : DataFrame
        One row per (id, year) (MultiIndex), one column per term.
    ratio : float
        τ = μ/λ in (coordinate unit / time unit)².
    bandwidth : float
        Adaptive: number of nearest observations in space-time (itself counted); fixed: a space-time distance.
    diagnostics : dict
        rss, enp (tr S), edf (n − 2 tr S + tr S'S), llf, aic, aicc, bic, r2, adj_r2, sigma.
    ratio_search : DataFrame
        ``ratio``, ``bandwidth``, ``aicc`` of each ratio tried (empty if the ratio was given).
    """

    params: pd.DataFrame
    bse: pd.DataFrame
    tvalues: pd.DataFrame
    local_r2: pd.Series
    predicted: np.ndarray
    residuals: np.ndarray
    ratio: float
    bandwidth: float
    kernel: str
    fixed: bool
    diagnostics: dict
    ols: dict
    alpha: float
    adj_alpha: float
    critical_t: float
    ratio_search: pd.DataFrame
    y: str
    terms: tuple
    id: str
    time: str

    def _title(self) -> str:
        return "Geographically and temporally weighted regression (GTWR, Huang, Wu & Barry 2010)"

    def _summary_lines(self) -> list[str]:
        d, o = self.diagnostics, self.ols
        n = len(self.params)
        units = self.params.index.get_level_values(0).nunique()
        periods = self.params.index.get_level_values(1).nunique()
        bw = f"{self.bandwidth:.3f}" if self.fixed else f"{int(self.bandwidth)}"
        lines = ["=" * 75, f"{'Number of observations:':<45}{n} ({units} units × {periods} periods)",
                 f"{'Dependent variable:':<45}{self.y}", "", "Global Regression Results", "-" * 75,
                 f"{'AICc:':<45}{o['aicc']:>20.3f}", f"{'R2:':<45}{o['r2']:>20.3f}",
                 f"{'Adj. R2:':<45}{o['adj_r2']:>20.3f}", "", "GTWR Results", "-" * 75,
                 f"{'Spatio-temporal kernel:':<45}{('Fixed ' if self.fixed else 'Adaptive ') + self.kernel}",
                 f"{'Ratio tau = mu/lambda:':<45}{self.ratio:>20.6g}", f"{'Bandwidth used:':<45}{bw:>20}",
                 f"{'Residual sum of squares:':<45}{d['rss']:>20.3f}",
                 f"{'Effective number of parameters (trace(S)):':<45}{d['enp']:>20.3f}",
                 f"{'AICc:':<45}{d['aicc']:>20.3f}", f"{'R2:':<45}{d['r2']:>20.3f}",
                 f"{'Adj. R2:':<45}{d['adj_r2']:>20.3f}",
                 f"{f'Adj. critical t value ({1 - self.alpha:.0%}):':<45}{self.critical_t:>20.3f}", "",
                 "Summary Statistics For GTWR Parameter Estimates", "-" * 75,
                 *F.param_summary(self.terms, self.params.to_numpy()), "=" * 75]
        return lines

    def to_frame(self) -> pd.DataFrame:
        """One row per (id, year): ``<term>``, ``<term>_se``, ``<term>_t``, ``<term>_sig``, ``local_r2``,
        ``predicted``, ``residual``."""
        arrays = {"params": self.params.to_numpy(), "bse": self.bse.to_numpy(), "tvalues": self.tvalues.to_numpy(),
                  "local_r2": self.local_r2.to_numpy(), "predy": self.predicted, "resid": self.residuals}
        out = F.frame_of(self.params.index.get_level_values(0), list(self.terms), arrays, self.critical_t, self.id)
        out.insert(1, self.time, self.params.index.get_level_values(1))
        return out

    def _plot(self, ax, *, term: str | None = None, **kw):
        term = term or self.terms[-1]
        f = self.to_frame()
        g = f.groupby(self.time)[term]
        q = g.quantile([0.1, 0.5, 0.9]).unstack()
        ax.fill_between(q.index, q[0.1], q[0.9], alpha=0.3, label="10–90 %")
        ax.plot(q.index, q[0.5], marker="o", label="median")
        ax.set_xlabel(self.time)
        ax.set_ylabel(f"local coefficient of {term}")
        ax.legend()
        return ax


def _score(space, y, X, bw, kernel, fixed):
    return E.aicc(E.local_fit(space, y, X, bw, kernel=kernel, fixed=fixed), len(y))


def gtwr(
    data: pd.DataFrame,
    y: str,
    x: Sequence[str],
    *,
    id: str = "adcode",
    time: str = "year",
    coords: Sequence[str] | None = None,
    geometry=None,
    kernel: Literal["bisquare", "gaussian"] = "bisquare",
    fixed: bool = False,
    ratio: float | None = None,
    ratio_bounds: tuple[float, float] | None = None,
    bandwidth: float | None = None,
    bw_min: float | None = None,
    bw_max: float | None = None,
    sigma2: Literal["n-trS", "edf"] = "n-trS",
    alpha: float = 0.05,
) -> GTWRResult:
    """GTWR of ``y`` on ``x`` (with an intercept) over a panel; ratio τ = μ/λ and bandwidth by AICc.

    Parameters
    ----------
    data : DataFrame
        Long panel, one row per unit and period (ids in ``id``, numeric periods in ``time``; unbalanced allowed).
    y, x : str, list of str
        Explained variable and regressors.
    coords, geometry
        As :func:`spatialq.local.gwr` (projected coordinates; bundled geometry → China Albers km).
    kernel : {"bisquare", "gaussian"}
    fixed : bool
        False (default): adaptive, ``bandwidth`` nearest observations in space-time; True: a distance.
    ratio : float, optional
        τ = μ/λ (squared coordinate units per squared time unit: 100 means one year weighs as 10 km).  Default:
        chosen by AICc over ``ratio_bounds``.
    ratio_bounds : (float, float), optional
        Search interval of τ; default (τ₀/1000, τ₀·1000) with τ₀ = (median distance between units / time span)².
        AICc is evaluated on 9 log-spaced ratios, then refined by Brent's method next to the best (AICc need
        not be unimodal in τ).
    bandwidth, bw_min, bw_max : float, optional
        Given bandwidth, or the search interval (default adaptive [40 + 2p, n], as mgwr).
    sigma2 : {"n-trS", "edf"}
        σ̂² of the standard errors: RSS/(n − tr S) (mgwr) or RSS/(n − 2 tr S + tr S'S) (GWmodel's ``gtwr``).
    alpha : float
        Nominal level of the local t tests (corrected: α p / ENP).

    Returns
    -------
    GTWRResult

    Notes
    -----
    Equals GWmodel 2.3-2 ``gtwr`` (coefficients, standard errors with ``sigma2="edf"``, AICc, RSS) to 1e-8 when
    GWmodel is given the same space-time distance matrix; see tests/test_gtwr.py.
    """
    method = "gtwr"
    for name, val, allowed in (("kernel", kernel, F.KERNELS), ("sigma2", sigma2, F.SIGMA2)):
        if val not in allowed:
            raise InputError(f"{method}: {name} must be one of {allowed}, got {val!r}")
    if not 0 < alpha < 1:
        raise InputError(f"{method}: alpha must be between 0 and 1, got {alpha!r}")
    if ratio is not None and (not isinstance(ratio, (int, float)) or not math.isfinite(ratio) or ratio <= 0):
        raise InputError(f"{method}: ratio must be a positive number, got {ratio!r}")
    frame, yv, X, xy, terms = F.prepare(data, y, x, id=id, time=time, coords=coords, geometry=geometry,
                                        spherical=False, method=method)
    tv = pd.to_numeric(frame[time], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(tv).all():
        raise InputError(f"{method}: time column {time!r} must be numeric (years)")
    if len(np.unique(tv)) < 2:
        raise InputError(f"{method}: one period only ({tv[0]:g}); use gwr for a cross-section")
    n, p = X.shape
    ids = frame[id].to_numpy()
    if bandwidth is not None:
        bandwidth = F.check_bandwidth(bandwidth, n=n, p=p, fixed=fixed, method=method)
    elif not fixed:
        lo = 40 + 2 * p if bw_min is None else bw_min
        if lo > n:
            raise InputError(f"{method}: too few observations ({n}) for the adaptive search interval [{lo}, n]; pass "
                             "bw_min= or a bandwidth=")

    squares = None
    if n <= E.DENSE_MAX:  # d_s² and Δt² once; each ratio then costs one pass (d = √(d_s² + τ Δt²))
        squares = (E.distances(xy, xy, False) ** 2, (tv[:, None] - tv[None, :]) ** 2)

    def fit_for(tau: float):
        if squares is not None:
            d = squares[1] * tau
            d += squares[0]
            space = E.Space(xy, times=tv, tau=tau, eps=1.0, dense=np.sqrt(d, out=d))
        else:
            space = E.Space(xy, times=tv, tau=tau, eps=1.0)
        if bandwidth is not None:
            return space, bandwidth, _score(space, yv, X, bandwidth, kernel, fixed)
        bw, score, _ = E.search(space, yv, X, kernel=kernel, fixed=fixed, criterion="AICc", bw_min=bw_min,
                                bw_max=bw_max)
        return space, (float(bw) if fixed else int(bw)), float(np.ravel(score)[0])

    tried = []
    try:
        if ratio is None:
            from scipy.optimize import minimize_scalar

            if ratio_bounds is None:
                uxy = np.unique(xy, axis=0)
                sample = uxy[:: max(1, len(uxy) // 500)]
                dd = E.distances(sample, sample, False)
                tau0 = (float(np.median(dd[dd > 0])) / float(np.ptp(tv))) ** 2
                ratio_bounds = (tau0 / 1000, tau0 * 1000)
            lo_t, hi_t = ratio_bounds
            if not (0 < lo_t < hi_t):
                raise InputError(f"{method}: ratio_bounds must be 0 < low < high, got {ratio_bounds!r}")

            def objective(logtau):
                tau = float(math.exp(logtau))
                _, bw, score = fit_for(tau)
                tried.append((tau, bw, score))
                return score

            # AICc is not unimodal in τ: a coarse grid over log τ, then Brent's method between the best grid
            # point's neighbours
            grid = np.linspace(math.log(lo_t), math.log(hi_t), RATIO_GRID)
            scores = [objective(g) for g in grid]
            j = int(np.argmin(scores))
            lo_g, hi_g = grid[max(j - 1, 0)], grid[min(j + 1, len(grid) - 1)]
            opt = minimize_scalar(objective, bounds=(lo_g, hi_g), method="bounded", options={"xatol": 0.05})
            if opt.fun > scores[j]:
                opt.x = grid[j]
            ratio = float(math.exp(opt.x))
        space, bw, _ = fit_for(float(ratio))
        fit = E.local_fit(space, yv, X, bw, kernel=kernel, fixed=fixed, full=True)
    except np.linalg.LinAlgError:
        raise F.singular(method) from None
    rss = fit.resid_ss
    s2 = rss / (n - fit.tr_S) if sigma2 == "n-trS" else rss / (n - 2 * fit.tr_S + fit.tr_sts)
    bse = np.sqrt(fit.cct * s2)
    if not np.isfinite(bse).all() or (bse <= 0).any():
        bad = ~(np.isfinite(bse) & (bse > 0)).all(axis=1)
        raise F.singular(method, list(zip(ids[bad].tolist(), frame[time].to_numpy()[bad].tolist())))
    r2, _cn = F.local_r2_cn(space, yv, X, fit.resid, bw, kernel=kernel, fixed=fixed)
    arrays = {"params": fit.params, "bse": bse, "tvalues": fit.params / bse, "predy": fit.predy,
              "resid": fit.resid, "influ": fit.influ, "tr_S": fit.tr_S, "tr_STS": fit.tr_sts, "sigma2": s2}
    diag = F.diagnostics(yv, arrays, p, method=method, bandwidth=bw)
    diag["edf"] = n - 2 * fit.tr_S + fit.tr_sts
    adj_alpha, crit = F.corrected_t(diag["enp"], p, n, alpha)
    index = pd.MultiIndex.from_arrays([ids, frame[time].to_numpy()], names=[id, time])
    mk = lambda a: pd.DataFrame(a, index=index, columns=terms)  # noqa: E731
    return GTWRResult(
        meta=provenance("spatialq.local.gtwr", n=n, y=y, x=list(terms[1:]), kernel=kernel, fixed=fixed,
                        ratio=ratio if not tried else None, ratio_bounds=ratio_bounds, bandwidth=bandwidth,
                        bw_min=bw_min, bw_max=bw_max, sigma2=sigma2, alpha=alpha),
        params=mk(fit.params), bse=mk(bse), tvalues=mk(arrays["tvalues"]),
        local_r2=pd.Series(r2, index=index, name="local_r2"), predicted=fit.predy, residuals=fit.resid,
        ratio=float(ratio), bandwidth=bw, kernel=kernel, fixed=fixed, diagnostics=diag,
        ols=F.ols_diagnostics(yv, X), alpha=alpha, adj_alpha=adj_alpha, critical_t=crit,
        ratio_search=pd.DataFrame(sorted(tried), columns=["ratio", "bandwidth", "aicc"]), y=y, terms=tuple(terms),
        id=id, time=time)

"""Multiscale GWR (Fotheringham, Yang & Kang 2017), wrapping PySAL's mgwr (``Sel_BW(multi=True)`` and ``MGWR``).

Model: y_i = Σ_k β_k(u_i; h_k) x_ik + ε_i with one bandwidth h_k per coefficient surface, fitted by
backfitting (a GAM): each surface in turn is a one-regressor GWR of the partial residual on x_k, its bandwidth
chosen by AICc (or CV) at every iteration, until the score of change SOC < ``tol`` (mgwr's
``multi_bw``).  Inference (ENP_j, standard errors, corrected critical t per surface α/ENP_j) replays the
backfitting on the hat operators as ``mgwr.gwr.MGWR(...).fit()`` does (Li & Fotheringham 2020), with matrix
products in place of mgwr's loops over units (equal, tested; ``search="mgwr"`` calls mgwr's); bandwidth intervals
from Akaike weights of the last search (mgwr's ``get_bws_intervals``, Li et al. 2020).

``search="fast"`` runs mgwr's own backfitting routine (:func:`mgwr.search.multi_bw`) with the cached-distance
local fits and golden-section searches of :mod:`spatialq.local._engine` plugged in (same bandwidths, tested);
``search="mgwr"`` uses ``Sel_BW`` end to end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from .._guards import InputError
from .._results import Result, provenance
from . import _engine as E
from . import _fit as F

__all__ = ["MGWRResult", "mgwr"]


@dataclass(frozen=True, eq=False, repr=False)
class MGWRResult(Result):
    """Multiscale GWR (see :func:`mgwr`).

    Attributes
    ----------
    params, bse, tvalues : DataFrame
        Local estimates (standardised units if ``standardize=True``), one row per unit.
    bandwidths : DataFrame
        One row per term: ``bandwidth``, ``ci_low``, ``ci_high`` (Akaike-weight interval), ``enp`` (ENP_j),
        ``adj_alpha`` (α/ENP_j), ``critical_t``.
    diagnostics : dict
        rss, enp, df, llf, aic, aicc, bic, r2, adj_r2, sigma; ``iterations`` of backfitting.
    """

    params: pd.DataFrame
    bse: pd.DataFrame
    tvalues: pd.DataFrame
    bandwidths: pd.DataFrame
    predicted: np.ndarray
    residuals: np.ndarray
    kernel: str
    fixed: bool
    criterion: str
    standardize: bool
    diagnostics: dict
    ols: dict
    alpha: float
    y: str
    terms: tuple
    id: str

    @property
    def critical_t(self) -> np.ndarray:
        return self.bandwidths["critical_t"].to_numpy()

    def _title(self) -> str:
        return "Multiscale geographically weighted regression (MGWR)"

    def _summary_lines(self) -> list[str]:
        d, o = self.diagnostics, self.ols
        n = len(self.params)
        kind = ("Fixed " if self.fixed else "Adaptive ") + self.kernel
        lines = ["=" * 75, f"{'Number of observations:':<45}{n}", f"{'Number of covariates:':<45}{len(self.terms)}",
                 f"{'Dependent variable:':<45}{self.y}",
                 f"{'Variables standardized:':<45}{'yes' if self.standardize else 'no'}", "",
                 "Global Regression Results", "-" * 75, f"{'AICc:':<45}{o['aicc']:>20.3f}",
                 f"{'R2:':<45}{o['r2']:>20.3f}", f"{'Adj. R2:':<45}{o['adj_r2']:>20.3f}", "",
                 "Multiscale Geographically Weighted Regression (MGWR) Results", "-" * 75,
                 f"{'Spatial kernel:':<45}{kind}", f"{'Criterion for optimal bandwidth:':<45}{self.criterion}",
                 f"{'Score of change (SOC) type:':<45}Smoothing f",
                 f"{'Backfitting iterations:':<45}{d['iterations']:>20}", "",
                 "MGWR bandwidths", "-" * 75,
                 f"{'Variable':<20}{'Bandwidth':>12}{'ENP_j':>10}{'Adj t-val(95%)':>16}{'Adj alpha(95%)':>16}"]
        for t, r in self.bandwidths.iterrows():
            bw = f"{r.bandwidth:.3f}" if self.fixed else f"{int(r.bandwidth)}"
            lines.append(f"{t[:20]:<20}{bw:>12}{r.enp:>10.3f}{r.critical_t:>16.3f}{r.adj_alpha:>16.3f}")
        lines += ["", f"Bandwidth intervals ({0.95:.0%} Akaike weights)"]
        lines += [f"{t[:20]:<20}({r.ci_low:g}, {r.ci_high:g})" for t, r in self.bandwidths.iterrows()]
        lines += ["", "Diagnostic information", "-" * 75,
                  f"{'Residual sum of squares:':<45}{d['rss']:>20.3f}",
                  f"{'Effective number of parameters (trace(S)):':<45}{d['enp']:>20.3f}",
                  f"{'Degree of freedom (n - trace(S)):':<45}{d['df']:>20.3f}",
                  f"{'Sigma estimate:':<45}{d['sigma']:>20.3f}", f"{'Log-likelihood:':<45}{d['llf']:>20.3f}",
                  f"{'AIC:':<45}{d['aic']:>20.3f}", f"{'AICc:':<45}{d['aicc']:>20.3f}",
                  f"{'BIC:':<45}{d['bic']:>20.3f}", f"{'R2:':<45}{d['r2']:>20.3f}",
                  f"{'Adj. R2:':<45}{d['adj_r2']:>20.3f}", "",
                  "Summary Statistics For MGWR Parameter Estimates", "-" * 75,
                  *F.param_summary(self.terms, self.params.to_numpy()), "=" * 75]
        return lines

    def to_frame(self) -> pd.DataFrame:
        """One row per unit: ``<term>``, ``<term>_se``, ``<term>_t``, ``<term>_sig`` (|t| above that surface's
        corrected critical value), ``predicted``, ``residual``."""
        arrays = {"params": self.params.to_numpy(), "bse": self.bse.to_numpy(), "tvalues": self.tvalues.to_numpy(),
                  "predy": self.predicted, "resid": self.residuals}
        return F.frame_of(self.params.index, list(self.terms), arrays, self.critical_t, self.id)

    def _plot(self, ax, *, term: str | None = None, geometry=None, **kw):
        from ._plot import coefficient_map

        return coefficient_map(self, term or self.terms[-1], ax=ax, geometry=geometry, **kw)

    def maps(self, geometry="county", *, terms: Sequence[str] | None = None, **kw):
        """Small multiples of the local coefficients, non-significant units hatched (see :mod:`._plot`)."""
        from ._plot import coefficient_maps

        return coefficient_maps(self, geometry=geometry, terms=terms, **kw)


class _FastSelector:
    """What :func:`mgwr.search.multi_bw` needs from a selector: a search returning the bandwidth, ``sel_hist``."""

    def __init__(self, space, y, X, kernel, fixed, criterion):
        self.space, self.y, self.X = space, np.ravel(y), X
        self.kernel, self.fixed, self.criterion = kernel, fixed, criterion
        self.sel_hist = []

    def search(self, bw_min=None, bw_max=None):
        bw, _, hist = E.search(self.space, self.y, self.X, kernel=self.kernel, fixed=self.fixed,
                               criterion=self.criterion, bw_min=bw_min, bw_max=bw_max)
        self.sel_hist = hist
        return bw


class _Selector:
    """The attributes ``mgwr.gwr.MGWR`` reads from a ``Sel_BW`` after a multi search."""

    def __init__(self, bw):
        self.bw = bw
        self.params = bw[3]
        self.sel_hist = bw[-2]
        self.bw_init = bw[-1]


def _inference(space, X, bws_history, bw_init, *, kernel, fixed):
    """ENP_j and CCT (n × k) of mgwr's ``MGWR._chunk_compute_R`` (Li & Fotheringham 2020), with the loops over
    units replaced by matrix products: R_j, the n × n operator mapping y to surface j's fitted values, replayed
    through every backfitting iteration with the bandwidths mgwr used."""
    n, k = X.shape
    pR = np.empty((k, n, n))
    for start, stop in space.blocks():
        w = E.weights(space, start, stop, bw_init, kernel=kernel, fixed=fixed)  # m × n
        xw = X[None, :, :] * w[:, :, None]  # m × n × k
        c = np.linalg.inv(np.einsum("mnk,nl->mkl", xw, X))  # (X'W_iX)⁻¹
        p = np.einsum("mkl,mnl->mkn", c, xw)  # rows of (X'W_iX)⁻¹X'W_i
        pR[:, start:stop, :] = (p * X[start:stop, :, None]).transpose(1, 0, 2)
    err = np.eye(n) - pR.sum(axis=0)
    for it in range(bws_history.shape[0]):
        for j in range(k):
            old = pR[j] + err
            xj = X[:, j]
            aj = np.empty((n, n))
            for start, stop in space.blocks():
                w = E.weights(space, start, stop, bws_history[it, j], kernel=kernel, fixed=fixed)
                xw = w * xj[None, :]
                aj[start:stop] = xw * (xj[start:stop] / (xw @ xj))[:, None]
            pR[j] = aj @ old
            err = old - pR[j]
    cct = np.stack([((pR[j] / X[:, j][:, None]) ** 2).sum(axis=1) for j in range(k)], axis=1)
    enp = np.array([np.trace(pR[j]) for j in range(k)])
    return enp, cct


def _fast_multi(space, y, X, *, kernel, fixed, criterion, bw_min, bw_max, tol, max_iter, init=None):
    from mgwr.search import multi_bw

    n, k = X.shape

    def gwr_func(yy, XX, bw):
        return E.local_fit(space, np.ravel(yy), XX, bw, kernel=kernel, fixed=fixed)

    def bw_func(yy, XX):
        return _FastSelector(space, yy, XX, kernel, fixed, criterion)

    def sel_func(sel, lo=None, hi=None):
        return sel.search(bw_min=lo, bw_max=hi)

    return multi_bw(init, y[:, None], X, n, k, None, tol, max_iter, False, gwr_func, bw_func, sel_func,
                    bw_min, bw_max, 5, verbose=False)


def mgwr(
    data: pd.DataFrame,
    y: str,
    x: Sequence[str],
    *,
    id: str = "adcode",
    coords: Sequence[str] | None = None,
    geometry=None,
    kernel: Literal["bisquare", "gaussian"] = "bisquare",
    fixed: bool = False,
    criterion: Literal["AICc", "CV"] = "AICc",
    standardize: bool = True,
    bandwidths: Sequence[float] | None = None,
    bw_min: float | Sequence[float] | None = None,
    bw_max: float | Sequence[float] | None = None,
    spherical: bool = False,
    search: Literal["fast", "mgwr"] = "fast",
    tol: float = 1e-5,
    max_iter: int = 200,
    alpha: float = 0.05,
    level: float = 0.95,
) -> MGWRResult:
    """Multiscale GWR of ``y`` on ``x`` (with an intercept): one bandwidth per coefficient surface.

    Parameters
    ----------
    data, y, x, id, coords, geometry, kernel, fixed, criterion, spherical
        As :func:`spatialq.local.gwr`.
    standardize : bool
        z-score y and every regressor (mean 0, SD 1, ddof 0) first, as the MGWR 2.2 program and mgwr's
        documentation do, so bandwidths are comparable across surfaces.  False keeps the data's units
        (GWmodel's ``gwr.multiscale`` with ``predictor.centered = FALSE``).
    bandwidths : sequence of float, optional
        One bandwidth per term (intercept first): fit at these instead of searching.
    bw_min, bw_max : float or sequence, optional
        Search interval of each surface (default mgwr's: adaptive [42, n], fixed [min d / 2, 2 max d]).
    search : {"fast", "mgwr"}
        Backfitting with cached-distance searches (same results as mgwr) or mgwr's ``Sel_BW`` throughout.
    tol, max_iter : float, int
        Backfitting convergence: score of change SOC < ``tol`` (mgwr's ``tol_multi``), at most ``max_iter``.
    alpha, level : float
        Nominal level of the local t tests (corrected per surface α/ENP_j) and level of the bandwidth intervals.

    Returns
    -------
    MGWRResult

    Notes
    -----
    At given bandwidths the estimates and standard errors equal GWmodel 2.3-2 ``gwr.multiscale`` (no centring,
    tight threshold) to 1e-6; see tests/test_local.py.  Local R² and condition numbers are not reported for MGWR
    (each surface has its own kernel).
    """
    method = "mgwr"
    for name, val, allowed in (("kernel", kernel, F.KERNELS), ("criterion", criterion, F.CRITERIA),
                               ("search", search, ("fast", "mgwr"))):
        if val not in allowed:
            raise InputError(f"{method}: {name} must be one of {allowed}, got {val!r}")
    if not 0 < alpha < 1 or not 0 < level < 1:
        raise InputError(f"{method}: alpha and level must be between 0 and 1, got {alpha!r}, {level!r}")
    if not (isinstance(tol, float) and tol > 0) or not (isinstance(max_iter, int) and max_iter >= 1):
        raise InputError(f"{method}: tol must be a positive float and max_iter a positive integer")
    frame, yv, X, xy, terms = F.prepare(data, y, x, id=id, time=None, coords=coords, geometry=geometry,
                                        spherical=spherical, method=method)
    n, k = X.shape
    ids = frame[id].to_numpy()
    if standardize:
        yv = (yv - yv.mean()) / yv.std()
        X = np.column_stack([X[:, 0], (X[:, 1:] - X[:, 1:].mean(axis=0)) / X[:, 1:].std(axis=0)])

    def per_term(v, name):
        if v is None or np.ndim(v) == 0:
            return [v] * k
        v = list(v)
        if len(v) != k:
            raise InputError(f"{method}: {name} needs {k} values (intercept first: {terms}), got {len(v)}")
        return v

    if bandwidths is not None:
        bws = [F.check_bandwidth(b, n=n, p=1, fixed=fixed, method=method) for b in per_term(bandwidths, "bandwidths")]
        lo, hi = bws, bws
    else:
        lo, hi = per_term(bw_min, "bw_min"), per_term(bw_max, "bw_max")
        if not fixed:
            for b in lo:
                start = 42 if b is None else b
                if start > n:
                    raise InputError(f"{method}: too few units ({n}) for the adaptive search interval starting at "
                                     f"{start}; pass bw_min= or bandwidths=")
    if k * n * n * 8 > 6e9:
        raise InputError(f"{method}: MGWR inference keeps {k} operators of {n} × {n} ({k * n * n * 8 / 1e9:.0f} GB); "
                         "use fewer units or covariates, or gwr")
    space = E.Space(xy, spherical=spherical)
    try:
        if search == "fast":
            # starting values: mgwr's (a GWR at its AICc bandwidth); with given bandwidths, or too few units for
            # that search, a GWR at the largest bandwidth (the converged backfit does not depend on them)
            init = None if bandwidths is None and (fixed or 40 + 2 * k <= n) else max(lo[j] or n for j in range(k))
            bw = _fast_multi(space, yv, X, kernel=kernel, fixed=fixed, criterion=criterion, bw_min=lo, bw_max=hi,
                             tol=tol, max_iter=max_iter, init=init)
            selector = _Selector(bw)
        else:
            from mgwr.sel_bw import Sel_BW

            selector = Sel_BW(xy, yv[:, None], X[:, 1:], multi=True, kernel=kernel, fixed=fixed,
                              spherical=spherical, n_jobs=1)
            selector.search(criterion=criterion, multi_bw_min=lo, multi_bw_max=hi, tol_multi=tol,
                            max_iter_multi=max_iter)
        bws_used = np.asarray(selector.bw[0], dtype=float)
        iterations = len(selector.bw[1])
        scores = np.asarray(selector.bw[2], dtype=float).ravel()
        if scores.size and not scores[-1] < tol:
            raise InputError(f"{method}: backfitting did not converge: after {iterations} iterations (max_iter = "
                             f"{max_iter}) the change of the fit is {scores[-1]:.3g}, above tol = {tol:g}, with "
                             f"bandwidths {[float(b) for b in bws_used]}; raise max_iter or use larger bandwidths")
        params = np.asarray(selector.params)
        predy = (X * params).sum(axis=1)
        if search == "fast":
            enp_j, cct = _inference(space, X, np.asarray(selector.bw[1], dtype=float), selector.bw_init,
                                    kernel=kernel, fixed=fixed)
        else:
            from mgwr.gwr import MGWR

            res = MGWR(xy, yv[:, None], X[:, 1:], selector, kernel=kernel, fixed=fixed, spherical=spherical,
                       n_jobs=1).fit()
            enp_j = np.asarray(res.ENP_j, dtype=float)
            cct = np.asarray(res.CCT) / float(res.sigma2)
    except np.linalg.LinAlgError:
        raise F.singular(method) from None
    resid = yv - predy
    s2 = float(resid @ resid) / (n - enp_j.sum())  # mgwr's sigma2_v1: RSS/(n − tr S)
    bse = np.sqrt(cct * s2)
    arrays = {"params": params, "bse": bse, "tvalues": params / bse, "predy": predy, "resid": resid,
              "tr_S": float(enp_j.sum()), "sigma2": s2}
    if not np.isfinite(arrays["bse"]).all() or (arrays["bse"] <= 0).any():
        raise F.singular(method, ids[~(np.isfinite(arrays["bse"]) & (arrays["bse"] > 0)).all(axis=1)])
    diag = F.diagnostics(yv, arrays, k, method=method, bandwidth=[float(b) for b in bws_used])
    diag["iterations"] = iterations
    if bandwidths is None:
        from types import SimpleNamespace

        from mgwr.gwr import MGWRResults

        ivals = MGWRResults.get_bws_intervals(SimpleNamespace(k=k), selector, level=level)
    else:
        ivals = [(b, b) for b in bws_used]
    from scipy import stats

    adj = alpha / enp_j
    crit = stats.t.ppf(1 - adj / 2, n - 1)
    table = pd.DataFrame({"bandwidth": bws_used, "ci_low": [float(a) for a, _ in ivals],
                          "ci_high": [float(b) for _, b in ivals], "enp": enp_j, "adj_alpha": adj,
                          "critical_t": crit}, index=pd.Index(terms, name="term"))
    index = pd.Index(ids, name=id)
    mk = lambda a: pd.DataFrame(a, index=index, columns=terms)  # noqa: E731
    return MGWRResult(
        meta=provenance("spatialq.local.mgwr", n=n, y=y, x=list(terms[1:]), kernel=kernel, fixed=fixed,
                        criterion=criterion, standardize=standardize,
                        bandwidths=None if bandwidths is None else list(bandwidths), bw_min=bw_min, bw_max=bw_max,
                        spherical=spherical, search=search, tol=tol, max_iter=max_iter, alpha=alpha, level=level),
        params=mk(arrays["params"]), bse=mk(arrays["bse"]), tvalues=mk(arrays["tvalues"]), bandwidths=table,
        predicted=arrays["predy"], residuals=arrays["resid"], kernel=kernel, fixed=fixed, criterion=criterion,
        standardize=standardize, diagnostics=diag, ols=F.ols_diagnostics(yv, X), alpha=alpha, y=y,
        terms=tuple(terms), id=id)

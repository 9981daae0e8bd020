"""Geographically weighted regression (Fotheringham, Brunsdon & Charlton 2002), wrapping PySAL's mgwr.

Model at each unit i (coordinates u_i)::

    y_i = β_0(u_i) + Σ_k β_k(u_i) x_ik + ε_i,     β̂(u_i) = (X'W_iX)⁻¹ X'W_i y,

with W_i the kernel weights of every unit around i: bisquare w_ij = (1 − (d_ij/h_i)²)² for d_ij < h_i (else 0) or
Gaussian w_ij = exp(−½ (d_ij/h_i)²); h_i is the fixed bandwidth (a distance) or, adaptive, the distance to the
``bandwidth``-th nearest unit, the unit itself counted (mgwr and GWmodel agree on this, see docs/local.md).
The bandwidth minimises AICc = n ln(2πσ̂²) + n (n + tr S)/(n − 2 − tr S) or CV = Σ (e_i/(1 − S_ii))²/n by
mgwr's golden-section search (:func:`mgwr.search.golden_section`), evaluated on cached distances with batched
local fits (:mod:`spatialq.local._engine`, equal to mgwr's objective — tested) or by mgwr's own
``Sel_BW`` (``search="mgwr"``).  The final model is ``mgwr.gwr.GWR(...).fit()`` up to 6,000 units and the
batched engine beyond (tested equal).  Local t values are judged against the da Silva & Fotheringham (2016)
corrected critical value t_{1 − α p/(2 ENP), n − 1}.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from .._guards import InputError, check_permutations
from .._results import Result, provenance
from . import _engine as E
from . import _fit as F

__all__ = ["GWRResult", "gwr"]


@dataclass(frozen=True, eq=False, repr=False)
class GWRResult(Result):
    """Geographically weighted regression (see :func:`gwr`).

    Attributes
    ----------
    params, bse, tvalues : DataFrame
        Local coefficients, standard errors and t values, one row per unit (index: id), one column per term.
    local_r2, condition_number : Series
        Local R² and local condition number (Belsley: > 30 signals local collinearity) per unit.
    bandwidth : float
        Adaptive: number of nearest neighbours (the unit itself counted); fixed: distance in coordinate units
        (km for the bundled geometry).
    diagnostics : dict
        rss, enp (tr S), df (n − tr S), llf, aic, aicc, bic, r2, adj_r2, sigma.
    ols : dict
        The global OLS model's aicc, r2, adj_r2, rss, params.
    alpha, adj_alpha, critical_t : float
        Nominal level, corrected level α p/ENP and critical |t| (da Silva & Fotheringham 2016).
    variability : DataFrame or None
        Monte Carlo test of spatial variability: ``term``, ``sd`` (of the local estimates), ``p``.
    """

    params: pd.DataFrame
    bse: pd.DataFrame
    tvalues: pd.DataFrame
    local_r2: pd.Series
    condition_number: pd.Series
    predicted: np.ndarray
    residuals: np.ndarray
    influence: np.ndarray
    bandwidth: float
    kernel: str
    fixed: bool
    criterion: str | None
    spherical: bool
    diagnostics: dict
    ols: dict
    alpha: float
    adj_alpha: float
    critical_t: float
    variability: pd.DataFrame | None
    search_history: pd.DataFrame
    y: str
    terms: tuple
    id: str

    def _title(self) -> str:
        return "Geographically weighted regression (GWR)"

    def _summary_lines(self) -> list[str]:
        d, o = self.diagnostics, self.ols
        n = len(self.params)
        kind = ("Fixed " if self.fixed else "Adaptive ") + self.kernel
        bw = f"{self.bandwidth:.3f}" if self.fixed else f"{int(self.bandwidth)}"
        lines = ["=" * 75, f"{'Model type:':<45}Gaussian", f"{'Number of observations:':<45}{n}",
                 f"{'Number of covariates:':<45}{len(self.terms)}", f"{'Dependent variable:':<45}{self.y}", "",
                 "Global Regression Results", "-" * 75,
                 f"{'Residual sum of squares:':<45}{o['rss']:>20.3f}", f"{'AICc:':<45}{o['aicc']:>20.3f}",
                 f"{'R2:':<45}{o['r2']:>20.3f}", f"{'Adj. R2:':<45}{o['adj_r2']:>20.3f}", "",
                 "Geographically Weighted Regression (GWR) Results", "-" * 75,
                 f"{'Coordinates type:':<45}{'Spherical (km)' if self.spherical else 'Projected'}",
                 f"{'Spatial kernel:':<45}{kind}",
                 f"{'Criterion for optimal bandwidth:':<45}{self.criterion or 'given'}",
                 f"{'Bandwidth used:':<45}{bw:>20}", "", "Diagnostic information", "-" * 75,
                 f"{'Residual sum of squares:':<45}{d['rss']:>20.3f}",
                 f"{'Effective number of parameters (trace(S)):':<45}{d['enp']:>20.3f}",
                 f"{'Degree of freedom (n - trace(S)):':<45}{d['df']:>20.3f}",
                 f"{'Sigma estimate:':<45}{d['sigma']:>20.3f}", f"{'Log-likelihood:':<45}{d['llf']:>20.3f}",
                 f"{'AIC:':<45}{d['aic']:>20.3f}", f"{'AICc:':<45}{d['aicc']:>20.3f}",
                 f"{'BIC:':<45}{d['bic']:>20.3f}", f"{'R2:':<45}{d['r2']:>20.3f}",
                 f"{'Adj. R2:':<45}{d['adj_r2']:>20.3f}",
                 f"{f'Adj. alpha ({1 - self.alpha:.0%}):':<45}{self.adj_alpha:>20.3f}",
                 f"{f'Adj. critical t value ({1 - self.alpha:.0%}):':<45}{self.critical_t:>20.3f}", "",
                 "Summary Statistics For GWR Parameter Estimates", "-" * 75,
                 *F.param_summary(self.terms, self.params.to_numpy())]
        sig = (self.tvalues.abs() > self.critical_t).mean()
        lines += ["", "Share of units with |t| > corrected critical value: "
                  + ", ".join(f"{t} {sig[t]:.0%}" for t in self.terms)]
        high = int((self.condition_number > F.CN_LIMIT).sum())
        lines.append(f"Local condition number > {F.CN_LIMIT:.0f}: {high} units")
        if self.variability is not None:
            lines += ["", "Monte Carlo test of spatial variability (p)"]
            lines += [f"{r.term:<20}{r.p:>10.3f}" for r in self.variability.itertuples()]
        return [*lines, "=" * 75]

    def to_frame(self) -> pd.DataFrame:
        """One row per unit: ``<term>``, ``<term>_se``, ``<term>_t``, ``<term>_sig`` (|t| above the corrected
        critical value), ``local_r2``, ``condition_number``, ``predicted``, ``residual``, ``influence``."""
        arrays = {"params": self.params.to_numpy(), "bse": self.bse.to_numpy(), "tvalues": self.tvalues.to_numpy(),
                  "local_r2": self.local_r2.to_numpy(), "local_cn": self.condition_number.to_numpy(),
                  "predy": self.predicted, "resid": self.residuals, "influ": self.influence}
        return F.frame_of(self.params.index, list(self.terms), arrays, self.critical_t, self.id)

    def _plot(self, ax, *, term: str | None = None, geometry=None, **kw):
        from ._plot import coefficient_map

        return coefficient_map(self, term or self.terms[-1], ax=ax, geometry=geometry, **kw)

    def maps(self, geometry="county", *, terms: Sequence[str] | None = None, **kw):
        """Small multiples of the local coefficients, non-significant units hatched (see :mod:`._plot`)."""
        from ._plot import coefficient_maps

        return coefficient_maps(self, geometry=geometry, terms=terms, **kw)


def _knn(n: int, kernel: str, fixed: bool, bandwidth, bw_max) -> int | None:
    """Nearest neighbours to cache for sparse adaptive bisquare fits past the dense size (None: dense)."""
    top = bandwidth if bandwidth is not None else bw_max
    if n <= E.DENSE_MAX or fixed or kernel != "bisquare" or top is None or top + 64 >= n:
        return None
    return int(top) + 64


def _variability(xy, y, X, *, kernel, fixed, criterion, bw_min, bw_max, spherical, perms) -> np.ndarray:
    """Standard deviations of the local estimates with the coordinates permuted by each of ``perms``
    (bandwidth searched again on each, as mgwr's ``GWRResults.spatial_variability``)."""
    sds = []
    for perm in perms:
        sp = E.Space(xy[perm], spherical=spherical)
        bw = E.search(sp, y, X, kernel=kernel, fixed=fixed, criterion=criterion, bw_min=bw_min, bw_max=bw_max)[0]
        sds.append(E.local_fit(sp, y, X, bw, kernel=kernel, fixed=fixed).params.std(axis=0))
    return np.array(sds)


def gwr(
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
    bandwidth: float | None = None,
    bw_min: float | None = None,
    bw_max: float | None = None,
    spherical: bool = False,
    search: Literal["fast", "mgwr"] = "fast",
    sigma2: Literal["n-trS", "edf"] = "n-trS",
    alpha: float = 0.05,
    variability: int = 0,
    seed: int | None = None,
) -> GWRResult:
    """Geographically weighted regression of ``y`` on ``x`` (with an intercept), one cross-section.

    Parameters
    ----------
    data : DataFrame
        One row per unit; ids in ``id`` (column or index).  A GeoDataFrame supplies its own geometry.
    y, x : str, list of str
        Explained variable and regressors (an intercept is added).
    coords : (str, str), optional
        Columns with projected x, y (any unit; the fixed bandwidth is then in that unit).  Longitude/latitude
        are refused unless ``spherical=True`` (great-circle distances in km, R = 6371 as mgwr).
    geometry : {"province", "prefecture", "county"} or GeoDataFrame, optional
        Use each unit's centroid in China Albers equal-area, in km (bundled boundaries or a GeoDataFrame
        indexed by id).
    kernel : {"bisquare", "gaussian"}
        Bisquare (default, as mgwr and MGWR 2.2) or Gaussian.
    fixed : bool
        False (default): adaptive bandwidth = number of nearest neighbours, the unit itself counted; True: a
        distance.
    criterion : {"AICc", "CV"}
        Bandwidth criterion (AICc the usual one).  CV is mgwr's mean squared leave-one-out residual
        (GWmodel's ``bw.gwr`` sums them: same minimum).
    bandwidth : float, optional
        Use this bandwidth instead of searching.
    bw_min, bw_max : float, optional
        Search interval; default mgwr's: adaptive [40 + 2p, n], fixed [min distance / 2, 2 × max distance].
    search : {"fast", "mgwr"}
        "fast": mgwr's golden section on cached distances (same bandwidths as mgwr, far fewer seconds);
        "mgwr": ``mgwr.sel_bw.Sel_BW(...).search``.
    sigma2 : {"n-trS", "edf"}
        σ̂² of the standard errors: RSS/(n − tr S) (mgwr, MGWR 2.2 default) or RSS/(n − 2 tr S + tr S'S)
        (GWmodel's ``gwr.basic``).
    alpha : float
        Nominal level of the local t tests before the multiple-testing correction.
    variability : int
        Monte Carlo replications of the test of spatial variability (0: no test).  For each replication the
        coordinates are permuted, the bandwidth is searched again and the standard deviation of each
        coefficient surface recorded; p = share of replications with a larger SD (mgwr's definition).
    seed : int, optional
        Seed of the permutations (``numpy.random.SeedSequence(seed).spawn``).

    Returns
    -------
    GWRResult

    Notes
    -----
    Equals GWmodel 2.3-2 ``bw.gwr`` / ``gwr.basic`` (AICc and CV profiles, coefficients, standard errors with
    ``sigma2="edf"``, local R²) to 1e-6 and mgwr 2.2.1 (search, fit) to 1e-9; see tests/test_local.py.
    Units whose local condition number exceeds 30 are warned about (their coefficients are unreliable).
    """
    method = "gwr"
    for name, val, allowed in (("kernel", kernel, F.KERNELS), ("criterion", criterion, F.CRITERIA),
                               ("search", search, ("fast", "mgwr")), ("sigma2", sigma2, F.SIGMA2)):
        if val not in allowed:
            raise InputError(f"{method}: {name} must be one of {allowed}, got {val!r}")
    if not 0 < alpha < 1:
        raise InputError(f"{method}: alpha must be between 0 and 1, got {alpha!r}")
    variability = check_permutations(variability, name="variability") if variability else 0
    frame, yv, X, xy, terms = F.prepare(data, y, x, id=id, time=None, coords=coords, geometry=geometry,
                                        spherical=spherical, method=method)
    n, p = X.shape
    ids = frame[id].to_numpy()
    space = E.Space(xy, spherical=spherical, knn=_knn(n, kernel, fixed, bandwidth, bw_max))
    history = pd.DataFrame(columns=["bandwidth", "score"])
    if bandwidth is not None:
        bw = F.check_bandwidth(bandwidth, n=n, p=p, fixed=fixed, method=method)
        crit_used = None
    else:
        if not fixed:
            lo = 40 + 2 * p if bw_min is None else bw_min
            if lo > n:
                raise InputError(f"{method}: too few units ({n}) for mgwr's default adaptive search interval "
                                 f"[{40 + 2 * p}, n]; pass bw_min= (at least {p + 2}) or a bandwidth=")
            F.check_bandwidth(lo, n=n, p=p, fixed=False, method=method)
        try:
            if search == "fast":
                bw, _, hist = E.search(space, yv, X, kernel=kernel, fixed=fixed, criterion=criterion,
                                       bw_min=bw_min, bw_max=bw_max)
            else:
                from mgwr.sel_bw import Sel_BW

                sel = Sel_BW(xy, yv[:, None], X[:, 1:], kernel=kernel, fixed=fixed, spherical=spherical, n_jobs=1)
                bw = sel.search(criterion=criterion, bw_min=bw_min, bw_max=bw_max)
                hist = sel.sel_hist
        except np.linalg.LinAlgError:
            raise F.singular(method) from None
        bw = float(bw) if fixed else int(bw)
        history = pd.DataFrame([(float(b), float(np.ravel(s)[0])) for b, s in hist], columns=["bandwidth", "score"])
        crit_used = criterion
    try:
        arrays = F.fit_arrays(space, yv, X, bw, kernel=kernel, fixed=fixed, sigma2=sigma2)
    except np.linalg.LinAlgError:
        raise F.singular(method) from None
    if not np.all(np.isfinite(arrays["bse"])) or np.any(arrays["bse"] <= 0):
        raise F.singular(method, ids[~(np.isfinite(arrays["bse"]) & (arrays["bse"] > 0)).all(axis=1)])
    diag = F.diagnostics(yv, arrays, p, method=method, bandwidth=bw)
    adj_alpha, crit = F.corrected_t(diag["enp"], p, n, alpha)
    F.warn_collinear(arrays["local_cn"], ids, method)
    var_frame = None
    if variability:
        rng_perms = [np.random.default_rng(s).permutation(n)
                     for s in np.random.SeedSequence(seed).spawn(variability)]
        sds = _variability(xy, yv, X, kernel=kernel, fixed=fixed, criterion=criterion, bw_min=bw_min,
                           bw_max=bw_max, spherical=spherical, perms=rng_perms)
        obs = arrays["params"].std(axis=0)
        var_frame = pd.DataFrame({"term": terms, "sd": obs, "p": (sds > obs).mean(axis=0)})
    index = pd.Index(ids, name=id)
    mk = lambda a: pd.DataFrame(a, index=index, columns=terms)  # noqa: E731
    return GWRResult(
        meta=provenance("spatialq.local.gwr", seed=seed if variability else None, n=n, y=y, x=list(terms[1:]),
                        kernel=kernel, fixed=fixed, criterion=criterion, bandwidth=bandwidth, bw_min=bw_min,
                        bw_max=bw_max, spherical=spherical, search=search, sigma2=sigma2, alpha=alpha,
                        variability=variability),
        params=mk(arrays["params"]), bse=mk(arrays["bse"]), tvalues=mk(arrays["tvalues"]),
        local_r2=pd.Series(arrays["local_r2"], index=index, name="local_r2"),
        condition_number=pd.Series(arrays["local_cn"], index=index, name="condition_number"),
        predicted=arrays["predy"], residuals=arrays["resid"], influence=arrays["influ"], bandwidth=bw,
        kernel=kernel, fixed=fixed, criterion=crit_used, spherical=spherical, diagnostics=diag,
        ols=F.ols_diagnostics(yv, X), alpha=alpha, adj_alpha=adj_alpha, critical_t=crit, variability=var_frame,
        search_history=history, y=y, terms=tuple(terms), id=id)


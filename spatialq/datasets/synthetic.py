"""Synthetic province / prefecture panels with known spatial parameters (for teaching and tests).

**Synthetic data — not statistics of any real region.**  Units and ids are the bundled
boundaries, so the panels join the maps and weights; the numbers come from a two-way
fixed-effects spatial Durbin model with parameters stored in ``df.attrs["truth"]``:

    y_t = ρ W y_t + X_t β + W X_t θ + μ + α_t + ε_t,   ε ~ N(0, σ²)

with W the row-standardised queen contiguity of the bundled boundaries (islands joined to the
nearest unit).  The regressors trend upward over the years and correlate with the unit effects
(so pooled OLS is biased and fixed effects are needed), as in yearbook data.

* :func:`synthetic_panel` — y = ``ln_patents``, X = (ln_gdp_pc, rd_intensity, fdi_share, urban_rate).
* :func:`spatialq.datasets.synthetic_urbanisation` — a new-type urbanisation indicator system built
  on the same generator (see :mod:`spatialq.datasets.urbanisation`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

REGRESSORS = ("ln_gdp_pc", "rd_intensity", "fdi_share", "urban_rate")
DEFAULT_BETA = (0.8, 0.3, 0.5, 1.2)
DEFAULT_THETA = (0.2, 0.15, 0.0, -0.4)

# X_t from (unit effects mu, base level, period index t, rng) -> (n, k) array
Regressors = Callable[[np.ndarray, np.ndarray, int, np.random.Generator], np.ndarray]


def _units(level: str):
    from .. import geometry, weights

    loaders = {"province": geometry.provinces, "prefecture": geometry.prefectures, "county": geometry.counties}
    if level not in loaders:
        raise ValueError(f"level must be 'province', 'prefecture' or 'county', got {level!r}")
    gdf = loaders[level]()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # island links are reported by weights.contiguity
        w = weights.contiguity(gdf)
    ids = list(w.id_order)
    m = sp.csr_matrix(w.sparse, dtype=float)
    m = sp.csr_matrix(sp.diags(1 / np.asarray(m.sum(1)).ravel()) @ m)
    return gdf.reindex(ids), ids, m


def simulate_sdm(level: str, years: Sequence[int], *, names: Sequence[str], make_x: Regressors, rho: float,
                 beta: Sequence[float], theta: Sequence[float], sigma: float, y_name: str,
                 seed: int, east_gradient: float = 0.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draw a two-way FE SDM panel; returns (long frame, unit table with the province name).

    The random stream is fixed by ``seed``: unit effects μ ~ N(0, 0.25) (plus ``east_gradient`` times the
    standardised longitude of each unit's representative point, for an east–west gap), a common drift
    α_t = Σ N(0.05, 0.02²), base levels, then per year X_t = ``make_x(μ, base, t, rng)`` and ε_t.
    """
    if not -1 < rho < 1:
        raise ValueError(f"rho must be in (−1, 1), got {rho}")
    for name, v in (("beta", beta), ("theta", theta)):
        if len(v) != len(names):
            raise ValueError(f"{name} needs {len(names)} values (for {tuple(names)}), got {len(v)}")
    years = list(years)
    if len(years) < 2:
        raise ValueError("at least two years are needed")
    gdf, ids, m = _units(level)
    n, T = len(ids), len(years)
    lu = sp.linalg.splu(sp.csc_matrix(sp.identity(n) - rho * m))
    rng = np.random.default_rng(seed)
    mu = rng.normal(0, 0.5, n)  # unit effects
    if east_gradient:
        lon = gdf.geometry.representative_point().x.to_numpy()
        mu = mu + east_gradient * (lon - lon.mean()) / lon.std()
    alpha = np.cumsum(rng.normal(0.05, 0.02, T))  # common upward drift
    base = 10.3 + 0.6 * mu + rng.normal(0, 0.2, n)
    b, th = np.asarray(beta, float), np.asarray(theta, float)
    frames = []
    for t, year in enumerate(years):
        X = make_x(mu, base, t, rng)
        rhs = X @ b + (m @ X) @ th + mu + alpha[t] + rng.normal(0, sigma, n)
        frames.append(pd.DataFrame({"adcode": ids, "name": gdf["name_zh"].to_numpy(), "year": year,
                                    y_name: lu.solve(rhs), **dict(zip(names, X.T))}))
    return pd.concat(frames, ignore_index=True), gdf


def truth(model_names: Sequence[str], *, rho, beta, theta, sigma, seed, y_name: str) -> dict:
    return {"model": "sdm", "effects": "twoways", "dependent": y_name, "rho": rho, "sigma2": sigma**2,
            "beta": dict(zip(model_names, map(float, beta))), "theta": dict(zip(model_names, map(float, theta))),
            "weights": "queen, row-standardised", "seed": seed}


def _patents_x(mu, base, t, rng):
    n = len(mu)
    gdp = base + 0.07 * t + rng.normal(0, 0.15, n)
    rd = np.clip(1.2 + 0.8 * mu + 0.05 * t + rng.normal(0, 0.3, n), 0.1, None)
    fdi = np.clip(2.0 + 0.5 * mu + rng.normal(0, 0.6, n), 0.0, None)
    urban = 1 / (1 + np.exp(-(0.2 + 0.8 * mu + 0.06 * t + rng.normal(0, 0.5, n))))
    return np.column_stack([gdp, rd, fdi, urban])


def synthetic_panel(level: str = "province", years: Sequence[int] = tuple(range(2011, 2021)), *, rho: float = 0.35,
                    beta: Sequence[float] = DEFAULT_BETA, theta: Sequence[float] = DEFAULT_THETA,
                    sigma: float = 0.15, seed: int = 0) -> pd.DataFrame:
    """A balanced synthetic panel (long: one row per unit and year) with known SDM parameters.

    Parameters
    ----------
    level : {"province", "prefecture", "county"}
        31 provinces, the 367 prefecture-level units (337 prefectures + 30 direct county-level units) or the 2,848
        county-level units of the bundled boundaries (islands linked to their nearest unit, as
        ``weights.contiguity``'s default).
    years : sequence of int
    rho, beta, theta, sigma
        Spatial autoregressive parameter, coefficients of X and of WX (order of ``REGRESSORS``), and the
        standard deviation of ε.  |rho| < 1.
    seed : int
        ``numpy.random.default_rng(seed)``; the same seed gives the same panel.

    Returns
    -------
    DataFrame with ``adcode``, ``name``, ``year``, ``ln_patents`` (the dependent variable, log invention
    patents per 10,000 people), ``ln_gdp_pc`` (log GDP per capita, yuan), ``rd_intensity`` (R&D spending,
    % of GDP), ``fdi_share`` (FDI, % of GDP), ``urban_rate`` (urban population share, 0–1); ``attrs["truth"]``
    holds the parameters and ``attrs["synthetic"] = True``.
    """
    df, _ = simulate_sdm(level, years, names=REGRESSORS, make_x=_patents_x, rho=rho, beta=beta, theta=theta,
                         sigma=sigma, y_name="ln_patents", seed=seed)
    df.attrs["synthetic"] = True
    df.attrs["truth"] = truth(REGRESSORS, rho=rho, beta=beta, theta=theta, sigma=sigma, seed=seed,
                              y_name="ln_patents")
    return df

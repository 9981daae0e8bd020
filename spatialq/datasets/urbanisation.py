"""A synthetic new-type urbanisation (新型城镇化) panel for the replication example and the demo study.

**Synthetic data — not statistics of any real region.**  It has the shape of the yearbook panels
that urbanisation papers start from: nine indicators in four sub-systems (population, economic,
social, ecological; two of them cost indicators), five drivers, and the bundled units and names.

How it is made (``seed`` fixes everything):

1. A latent urbanisation level u follows a two-way fixed-effects spatial Durbin model on the
   row-standardised queen contiguity of the bundled boundaries,
   u_t = ρ W u_t + X_t β + W X_t θ + μ + α_t + ε_t, with X = the drivers below and the parameters
   in ``attrs["truth"]`` (see :func:`spatialq.datasets.synthetic.simulate_sdm`).
2. Each indicator is a monotone function of the standardised latent level z = (u − ū)/s_u plus its own
   noise: logistic shares for percentages, log-normal levels for money and counts, and negative
   loadings for the two cost indicators (PM2.5 and energy intensity).

So an entropy or TOPSIS index computed from the indicators recovers u up to noise and a monotone
transformation; regressions of the index on the drivers estimate the sign and significance of β, θ
and ρ but not their values on u's scale.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .synthetic import simulate_sdm, truth

DRIVERS = ("ln_gdp_pc", "industry_upgrade", "fiscal_spending", "openness", "innovation")
DRIVER_LABELS_ZH = {"ln_gdp_pc": "经济发展水平（人均 GDP 对数）", "industry_upgrade": "产业结构升级（三产/二产）",
                    "fiscal_spending": "财政支出（占 GDP %）", "openness": "对外开放（FDI 占 GDP %）",
                    "innovation": "科技创新（R&D 强度 %）"}
BETA = (0.30, 0.25, -0.02, 0.04, 0.20)
THETA = (0.10, 0.10, 0.0, 0.0, -0.10)

# indicator: (direction, sub-system, Chinese label with unit)
INDICATORS = {
    "urban_pop_share": (+1, "population", "常住人口城镇化率（%）"),
    "nonfarm_emp_share": (+1, "population", "非农就业占比（%）"),
    "urban_income": (+1, "economic", "城镇居民人均可支配收入（元）"),
    "tertiary_emp_share": (+1, "economic", "第三产业就业占比（%）"),
    "doctors_per_10k": (+1, "social", "每万人执业医师数（人）"),
    "internet_per_100": (+1, "social", "每百人互联网宽带用户（户）"),
    "green_coverage": (+1, "ecological", "建成区绿化覆盖率（%）"),
    "pm25": (-1, "ecological", "PM2.5 年均浓度（μg/m³）"),
    "energy_intensity": (-1, "ecological", "单位 GDP 能耗（吨标准煤/万元）"),
}
SUBSYSTEMS_ZH = {"population": "人口城镇化", "economic": "经济城镇化", "social": "社会城镇化",
                 "ecological": "生态城镇化"}


def _drivers_x(mu, base, t, rng):
    n = len(mu)
    gdp = base + 0.07 * t + rng.normal(0, 0.15, n)
    upgrade = np.clip(1.0 + 0.3 * mu + 0.04 * t + rng.normal(0, 0.15, n), 0.3, None)
    fiscal = np.clip(25 - 4 * mu + rng.normal(0, 4, n), 8, None)
    openness = np.clip(2.0 + 0.8 * mu + rng.normal(0, 0.7, n), 0.0, None)
    innovation = np.clip(1.4 + 0.8 * mu + 0.06 * t + rng.normal(0, 0.3, n), 0.1, None)
    return np.column_stack([gdp, upgrade, fiscal, openness, innovation])


def _logistic(x):
    return 1 / (1 + np.exp(-x))


def synthetic_urbanisation(level: str = "province", years: Sequence[int] = tuple(range(2011, 2023)), *,
                           rho: float = 0.4, sigma: float = 0.1, east_gradient: float = 0.35,
                           seed: int = 2025) -> pd.DataFrame:
    """Synthetic new-type urbanisation panel (long: one row per unit and year).

    Parameters
    ----------
    level : {"province", "prefecture", "county"}
        31 provinces, the 367 prefecture-level units or the 2,848 county-level units of the bundled boundaries
        (county names repeat, even within a province: match a county table by adcode).
    years : sequence of int, default 2011–2022
    rho, sigma
        Spatial autoregressive parameter and noise SD of the latent level (|rho| < 1).
    east_gradient : float, default 0.35
        Unit effects rise by this much per standard deviation of longitude (eastern units more
        urbanised, as in the yearbooks); 0 for no gradient.
    seed : int
        ``numpy.random.default_rng(seed)``; the same seed gives the same panel.

    Returns
    -------
    DataFrame with ``adcode``, ``province`` (Chinese name of the province), ``name`` (Chinese name of the
    unit), ``year``, the nine indicators of ``INDICATORS`` (units in their labels), the five drivers of
    ``DRIVERS`` and ``urbanisation_latent`` (u).  ``attrs["truth"]`` holds the SDM parameters of u,
    ``attrs["indicators"]`` the directions and sub-systems, ``attrs["synthetic"] = True``.
    """
    from .. import geometry

    df, _ = simulate_sdm(level, years, names=DRIVERS, make_x=_drivers_x, rho=rho, beta=BETA, theta=THETA,
                           sigma=sigma, y_name="urbanisation_latent", seed=seed,
                           east_gradient=east_gradient)
    rng = np.random.default_rng([seed, 1])  # indicator noise: its own stream
    u = df["urbanisation_latent"].to_numpy()
    z = (u - u.mean()) / u.std()
    n = len(z)

    def e(s):
        return rng.normal(0, s, n)

    df["urban_pop_share"] = 100 * _logistic(0.4 + 0.9 * z + e(0.25))
    df["nonfarm_emp_share"] = 100 * _logistic(0.9 + 0.8 * z + e(0.3))
    df["urban_income"] = np.exp(10.4 + 0.25 * z + e(0.08))
    df["tertiary_emp_share"] = 38 + 7 * z + e(3.0)
    df["doctors_per_10k"] = np.exp(3.0 + 0.2 * z + e(0.1))
    df["internet_per_100"] = 100 * _logistic(-0.6 + 0.8 * z + e(0.3))
    df["green_coverage"] = 38 + 2.5 * z + e(1.8)
    df["pm25"] = np.exp(3.6 - 0.15 * z + e(0.12))
    df["energy_intensity"] = np.exp(-0.4 - 0.25 * z + e(0.15))
    prov_names = geometry.provinces(include_sar=True)["name_zh"]
    df.insert(1, "province", prov_names.reindex(df["adcode"].str[:2] + "0000").to_numpy())
    cols = ["adcode", "province", "name", "year", *INDICATORS, *DRIVERS, "urbanisation_latent"]
    df = df[cols].copy()
    df.attrs["synthetic"] = True
    df.attrs["truth"] = truth(DRIVERS, rho=rho, beta=BETA, theta=THETA, sigma=sigma, seed=seed,
                              y_name="urbanisation_latent") | {"east_gradient": east_gradient}
    df.attrs["indicators"] = {k: {"direction": d, "subsystem": s, "label_zh": lab}
                              for k, (d, s, lab) in INDICATORS.items()}
    return df

"""Bad inputs to the measurement and pattern tools of issues 16 and 17: association networks and QAP,
efficiency, obstacle degree and grey relations, local regression, bivariate and space-time statistics.
Each error names the unit, year, column, label or option to fix."""

from __future__ import annotations

import warnings
from functools import cache

import numpy as np
import pandas as pd

from bad_inputs import Case
from spatialq import efficiency, hotspot, index, local, network
from spatialq._guards import InputError


@cache
def _data():
    from spatialq import geometry, weights
    from spatialq.datasets import synthetic_urbanisation

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = weights.contiguity(geometry.provinces())
    d = synthetic_urbanisation("province", years=range(2015, 2019))
    d = d.assign(gdp_pc=np.exp(d["ln_gdp_pc"]), c=1.0)
    return d, w


def _d(**assign):
    d, w = _data()
    return d.assign(**assign), w


def _at(frame, adcode, year, **values):
    out = frame.copy()
    mask = (out["adcode"] == adcode) & (out["year"] == year)
    for k, v in values.items():
        out.loc[mask, k] = v
    return out


def _quiet(fn):
    def call():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return fn()

    return call


def _square(n, seed=0, labels=None):
    rng = np.random.default_rng(seed)
    m = rng.uniform(size=(n, n))
    np.fill_diagonal(m, 0)
    labels = labels or [f"u{i}" for i in range(n)]
    return pd.DataFrame(m, index=labels, columns=labels)


IO = (["fiscal_spending", "energy_intensity"], ["urban_income"])
Y = "urbanisation_latent"
CASES = [
    # association networks
    Case("gravity-non-positive-mass", lambda: network.gravity(_at(_data()[0], "330000", 2016, gdp_pc=0.0),
                                                              ["innovation", "gdp_pc"]),
         InputError, ("'gdp_pc'", "330000", "2016")),
    Case("gravity-unit-missing-a-year", lambda: network.gravity(_data()[0].iloc[1:], ["innovation", "gdp_pc"]),
         InputError, ("110000", "2015")),
    Case("qap-mismatched-labels", lambda: network.qap_correlation(_square(6),
                                                                  _square(6, 1, [f"v{i}" for i in range(6)]),
                                                                  permutations=9),
         InputError, ("u0", "v0")),
    Case("qap-constant-matrix", lambda: network.qap_correlation(_square(6) * 0 + 1, _square(6, 1), permutations=9),
         InputError, ("constant",)),
    Case("qap-three-nodes", lambda: network.mrqap(_square(3), [_square(3, 1)], permutations=9), InputError, ("4",)),
    Case("qap-missing-cell", lambda: network.qap_correlation(_square(6).replace({_square(6).loc["u2", "u3"]: np.nan}),
                                                             _square(6, 1), permutations=9),
         InputError, ("u2",)),
    # efficiency
    Case("sbm-zero-input", lambda: efficiency.sbm(_at(_data()[0], "440000", 2017, energy_intensity=0.0), *IO),
         InputError, ("440000", "2017", "energy_intensity")),
    Case("dea-missing-output", lambda: efficiency.dea(_at(_data()[0], "510000", 2018, urban_income=np.nan), *IO),
         InputError, ("510000", "2018", "urban_income")),
    Case("ddf-negative-bad-output", _quiet(lambda: efficiency.ddf(_at(_data()[0], "420000", 2015, pm25=-1.0), *IO,
                                                                  ["pm25"])),
         InputError, ("420000", "2015", "pm25")),
    Case("malmquist-one-period", _quiet(lambda: efficiency.malmquist(_data()[0][_data()[0]["year"] == 2015], *IO)),
         InputError, ("period",)),
    # obstacle and grey relations
    Case("grey-minmax-constant-reference", lambda: index.grey_relation(_d()[0], reference="c", compare=["openness"],
                                                                       scaling="minmax"),
         InputError, ("'c'",)),
    Case("obstacle-unknown-indicator", lambda: index.obstacle(_d()[0], weights={"nope": 1.0}), (InputError, KeyError),
         ("nope",)),
    # local regression
    Case("gwr-degree-coordinates", lambda: local.gwr(_d(lon=np.linspace(100, 120, 124), lat=np.linspace(25, 40, 124))[0]
                                                     .query("year == 2018"), Y, ["openness"], coords=("lon", "lat")),
         InputError, ("spherical",)),
    Case("gwr-constant-regressor", lambda: local.gwr(_d()[0].query("year == 2018"), Y, ["c"], geometry="province"),
         InputError, ("'c'",)),
    # bivariate and space-time statistics
    Case("bivariate-constant-x", lambda: hotspot.bivariate_moran(_d()[0], "c", Y, _d()[1], permutations=9),
         InputError, ("'c'",)),
    Case("emerging-three-periods", lambda: hotspot.emerging_hotspots(_d()[0][_d()[0]["year"] <= 2017], Y, _d()[1]),
         InputError, ("4",)),
    Case("lisa-paths-one-period", lambda: hotspot.lisa_paths(_d()[0][_d()[0]["year"] == 2015], Y, _d()[1]),
         InputError, ("2",)),
]

"""Bad inputs to the drivers added with issue 15: random-effects and dynamic spatial panels, panel thresholds,
spatial DID and spatial β-convergence.  Each error names the response, column, unit or option."""

from __future__ import annotations

import warnings
from functools import cache

import numpy as np

from bad_inputs import Case
from spatialq import inequality, panel, policy
from spatialq._guards import InputError


@cache
def _data():
    from spatialq import geometry, weights
    from spatialq.datasets import synthetic_urbanisation

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = weights.contiguity(geometry.provinces())
    d = synthetic_urbanisation("province", years=range(2015, 2019))
    d = d.assign(c=1.0, D=((d["year"] >= 2017) & d["adcode"].isin(["330000", "320000"])).astype(int),
                 o2=d["openness"] * 2)
    return d, w


def _d(**assign):
    d, w = _data()
    return d.assign(**assign), w


def _quiet(fn):
    def call():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return fn()

    return call


Y = "urbanisation_latent"
CASES = [
    Case("re-constant-response", lambda: panel.spatial_panel_re(_d()[0], "c ~ openness", _d()[1], n_draws=5),
         InputError, ("'c'", "constant")),
    Case("re-collinear", lambda: panel.spatial_panel_re(_d()[0], f"{Y} ~ openness + o2", _d()[1], n_draws=5),
         InputError, ("collinear",)),
    Case("re-unbalanced", lambda: panel.spatial_panel_re(_d()[0].iloc[1:], f"{Y} ~ openness", _d()[1], n_draws=5),
         InputError, ("110000",)),
    Case("dynamic-constant-response", lambda: panel.dynamic_panel(_d()[0], "c ~ openness", _d()[1], n_draws=5),
         InputError, ("'c'", "constant")),
    Case("dynamic-two-periods", lambda: panel.dynamic_panel(_d()[0][_d()[0]["year"] <= 2016], f"{Y} ~ openness",
                                                            _d()[1], n_draws=5), ValueError, ("three periods",)),
    Case("threshold-constant-response", _quiet(lambda: panel.threshold_panel(_d()[0], "c", ["openness"], "ln_gdp_pc",
                                                                           bootstrap=5)), InputError, ("'c'",)),
    Case("threshold-infinite", lambda: panel.threshold_panel(_d(x=np.r_[np.inf, np.ones(123)])[0], Y, ["x"],
                                                             "ln_gdp_pc", bootstrap=5), InputError, ("'x'",
                                                                                                    "infinite")),
    Case("threshold-constant-q", lambda: panel.threshold_panel(_d()[0], Y, ["openness"], "c", bootstrap=5),
         InputError, ("'c'",)),
    Case("did-constant-response", lambda: policy.spatial_did(_d()[0], "c", "D", _d()[1], n_draws=5),
         InputError, ("'c'", "constant")),
    Case("did-treat-not-binary", lambda: policy.spatial_did(_d()[0], Y, "openness", _d()[1], n_draws=5),
         InputError, ("openness",)),
    Case("did-no-control", lambda: policy.spatial_did(_d(all1=1)[0], Y, "all1", _d()[1], n_draws=5),
         InputError, ("no control unit",)),
    Case("convergence-constant", lambda: inequality.spatial_convergence(_d()[0], "c", _d()[1], n_draws=5),
         InputError, ("'c'", "constant")),
    Case("convergence-nonpositive", lambda: inequality.spatial_convergence(
        _d(neg=lambda x: x["openness"] - x["openness"].median())[0], "neg", _d()[1], n_draws=5),
        InputError, ("neg",)),
]

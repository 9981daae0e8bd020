"""Bad inputs for inequality, density, indices, ellipses, natural breaks, the geographical detector, harmonize and
maps (issue 14): each gives the right number or an error naming the unit, column, period or option."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from bad_inputs import Case
from spatialq._guards import InputError

JENKS = Path(__file__).resolve().parents[1] / "reference" / "jenks"


# ----------------------------------------------------------------------------- data


def _ai():
    from spatialq.datasets import ai_index_provinces

    return ai_index_provinces()


def _three():
    from spatialq import geometry

    return geometry.regions("three")


def _panel(n_units=20, years=range(2010, 2020), seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame([(f"{11 + i:02d}0000", y, float(np.exp(rng.normal(8, 0.5)))) for i in range(n_units)
                         for y in years], columns=["adcode", "year", "v"])


def _indicators(n=30, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"adcode": [f"{i:06d}" for i in range(n)], "a": rng.normal(size=n),
                         "b": rng.lognormal(size=n), "c": rng.normal(size=n)})


def _points(xy, **cols):
    import geopandas as gpd

    from spatialq.geometry import ALBERS_CHINA

    return gpd.GeoDataFrame(cols, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=ALBERS_CHINA)


# ----------------------------------------------------------------------------- calls and checks


def _convergence(df, **kw):
    from spatialq import inequality

    return lambda: inequality.convergence(df() if callable(df) else df, "v", **kw)


def _cv_mean_zero():
    from spatialq import inequality

    x = np.random.default_rng(1).normal(size=31)
    return inequality.cv(pd.DataFrame({"adcode": range(31), "year": 2015, "v": (x - x.mean()) * 1e15}), "v")


def _scaled(func):
    """The statistic on the AI index and on the AI index × 1e200."""
    ai = _ai()
    return func(ai), func(ai.assign(ai_index=ai["ai_index"] * 1e200))


def _close(cols, rtol=1e-12):
    def check(pair):
        a, b = pair
        assert np.allclose(b[cols].to_numpy(float), a[cols].to_numpy(float), rtol=rtol, atol=0), (a[cols], b[cols])
    return check


def _dagum_table(d):
    from spatialq import inequality

    return inequality.dagum_gini(d, "ai_index", _three()).table


def _theil_table(d):
    from spatialq import inequality

    return inequality.theil(d, "ai_index", _three()).table


def _cv_table(d):
    from spatialq import inequality

    return inequality.cv(d, "ai_index")


def _one_region_2011():
    from spatialq import inequality

    ai = _ai()
    ai = ai[(ai.year != 2011) | (ai.adcode == "110000")]
    return inequality.dagum_gini(ai, "ai_index", _three())


def _shuffled(func):
    """The result on the data and on its rows shuffled (a text group column, not categorical)."""
    ai = _ai()
    ai = ai.assign(belt=ai["adcode"].map(_three()).astype(str))
    return func(ai), func(ai.sample(frac=1, random_state=7))


def _identical(*attrs):
    def check(pair):
        a, b = pair
        for name in attrs:
            pd.testing.assert_frame_equal(getattr(a, name) if name else a, getattr(b, name) if name else b)
    return check


def _kde_big():
    from spatialq import density

    ai = _ai()
    return density.kde(ai, "ai_index"), density.kde(ai.assign(ai_index=ai["ai_index"] * 1e200), "ai_index")


def _kde_big_check(pair):
    a, b = pair
    for col in ("bandwidth", "peak_x", "peak_width", "sd"):
        assert np.allclose(b.peaks[col] / 1e200, a.peaks[col], rtol=1e-12, atol=0), col
    assert np.allclose(b.peaks["peak_height"] * 1e200, a.peaks["peak_height"], rtol=1e-12, atol=0)


def _kde_one_member():
    from spatialq import density

    ai = _ai()
    return density.kde(ai.assign(g=np.where(ai["adcode"] == "110000", "北京", "其他")), "ai_index", group="g")


def _entropy_weights(df):
    from spatialq import index

    return index.entropy(df, {"a": 1, "b": -1, "c": 1}).weights["weight"].to_numpy()


def _entropy_huge():
    df = _indicators()
    u = df["a"] / df["a"].abs().max()
    return _entropy_weights(df.assign(a=np.where(u > 0, 1e308, -1e308) * u.abs())), _entropy_weights(df.assign(a=u))


def _equal_arrays(pair):
    a, b = pair
    assert np.allclose(a, b, rtol=1e-13, atol=0), (a, b)


def _entropy(df_func, dirs, **kw):
    from spatialq import index

    return lambda: index.entropy(df_func(), dirs, **kw)


def _coupling_shuffled():
    from spatialq import index

    rng = np.random.default_rng(3)
    d = pd.DataFrame({"adcode": np.repeat([f"{i:06d}" for i in range(10)], 3), "year": np.tile([2010, 2011, 2012], 10),
                      "u1": rng.uniform(size=30), "u2": rng.uniform(size=30)})
    return index.coupling(d, ["u1", "u2"]).table, index.coupling(d.sample(frac=1, random_state=1), ["u1", "u2"]).table


def _sorted_and_identical(pair):
    a, b = pair
    pd.testing.assert_frame_equal(a, b)
    assert list(zip(a["adcode"], a["year"])) == sorted(zip(a["adcode"], a["year"]))


def _sde_mercator():
    from spatialq import geometry
    from spatialq.ellipse import sde

    prov = geometry.provinces()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        merc = sde(prov.to_crs(3857)).to_frame().iloc[0]
    return caught, merc, sde(prov, project=True).to_frame().iloc[0], sde(prov.to_crs(3857), project=True)


def _sde_mercator_check(out):
    caught, merc, alb, projected = out
    msgs = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert any("Pseudo-Mercator" in m and "not equal-area" in m and "to_albers" in m for m in msgs), msgs
    assert merc["area"] / alb["area"] > 1.4  # what Web Mercator does to the area of China's ellipse
    assert math.isclose(projected.to_frame().iloc[0]["area"], alb["area"], rel_tol=1e-9)


def _sde_geographic():
    from spatialq import geometry
    from spatialq.ellipse import sde

    return sde(geometry.provinces())


def _sde_none_geometry():
    from spatialq import geometry
    from spatialq.ellipse import sde

    g = geometry.to_albers(geometry.provinces())
    g.loc["440000", "geometry"] = None
    return sde(g)


def _sde_aspace():
    from spatialq.ellipse import sde

    rng = np.random.default_rng(11)
    xy = rng.normal(0, 50_000, (30, 2)) @ np.array([[2.0, 0.6], [0.0, 1.0]]) + np.array([5e5, 3e6])
    w = rng.uniform(0.5, 3.0, 30)
    # aspace calc_sde(weighted=TRUE): Ebdon's tan θ, the CrimeStat axes, weighted sums over Σw − 2
    cx, cy = (xy * w[:, None]).sum(axis=0) / w.sum()
    dx, dy = xy[:, 0] - cx, xy[:, 1] - cy
    sxx, syy, sxy = np.sum(w * dx * dx), np.sum(w * dy * dy), np.sum(w * dx * dy)
    th = math.atan(((sxx - syy) + math.sqrt((sxx - syy) ** 2 + 4 * sxy ** 2)) / (2 * sxy))
    s, c = math.sin(th), math.cos(th)
    sx = math.sqrt(2) * math.sqrt((sxx * c * c - 2 * sxy * s * c + syy * s * s) / (w.sum() - 2))
    sy = math.sqrt(2) * math.sqrt((sxx * s * s + 2 * sxy * s * c + syy * c * c) / (w.sum() - 2))
    return sde(_points(xy, w=w), weights="w", method="aspace").to_frame().iloc[0], (max(sx, sy), min(sx, sy))


def _sde_aspace_check(out):
    row, (a, b) = out
    assert math.isclose(row["major_axis"], a / 1000, rel_tol=1e-10) and math.isclose(row["minor_axis"], b / 1000,
                                                                                      rel_tol=1e-10)


def _sde_two_points():
    from spatialq.ellipse import sde

    xy = np.array([[5e5, 3e6], [5.1e5, 3.02e6], [5.3e5, 3.01e6], [5e5, 3e6], [5.2e5, 3.1e6]])
    return sde(_points(xy, year=[2000, 2000, 2000, 2001, 2001]), by="year")


def _jenks_classint():
    from spatialq._jenks import fisher_jenks_bins

    ref = pd.read_csv(JENKS / "fisher_breaks.csv")
    part = ref[(ref.dataset == "lognormal_6000") & (ref.k == 7)]
    return fisher_jenks_bins(np.loadtxt(JENKS / "fisher_lognormal_6000.txt"), 7), part["upper"].to_numpy()


def _jenks_few():
    from spatialq._jenks import fisher_jenks_bins

    return fisher_jenks_bins([1.0, 1.0, 2.0, 2.0, 3.0], 4)


def _gd(**kw):
    from spatialq import detector

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"y": rng.normal(size=60), "x": rng.normal(size=60), "z": rng.integers(0, 3, 60)})
    scale = kw.pop("scale", 1.0)
    factors = kw.pop("factors", ["x"])
    return detector.geodetector(df.assign(y=df["y"] * scale), "y", factors, **kw)


def _gd_scaled():
    return _gd(factors=["z"]).factor, _gd(factors=["z"], scale=1e200).factor


def _harmonize_laiwu():
    from spatialq.geometry import harmonize

    df = pd.DataFrame({"adcode": ["370100", "371200"], "year": [2018, 2018], "gdp": [6100.0, np.nan]})
    return harmonize(df, ["gdp"]).set_index(["adcode", "year"]).loc[("370100", 2018)]


def _harmonize_laiwu_check(row):
    assert pd.isna(row["gdp"]) and row["n_source_units"] == 2


def _harmonize_zero_weights():
    from spatialq.geometry import harmonize

    df = pd.DataFrame({"adcode": ["370100", "371200"], "year": [2015, 2015], "rate": [0.5, 0.7], "pop": [0.0, 0.0]})
    return harmonize(df, ["rate"], how="weighted_mean", weight="pop")


def _china_map(values):
    """china_map of a column ``values(index)`` on the provinces."""
    from spatialq import geometry
    from spatialq.plot import china_map

    def call():
        prov = geometry.provinces()
        return china_map(prov.assign(v=values(prov.index)), "v")
    return call


def _dagum_belt(d):
    from spatialq import inequality

    return inequality.dagum_gini(d, "ai_index", "belt")


def _kde_belt(d):
    from spatialq import density

    return density.kde(d, "ai_index", group="belt")


def _coupling_one_system():
    from spatialq import index

    return index.coupling(pd.DataFrame({"adcode": ["a"], "u1": [0.3]}), ["u1"])


ISSUE_SILENT = "Silent numbers that look valid"
ISSUE_CRASH = "Crashes that do not name the problem"
ISSUE_ORDER = "Row order: kde, dagum and coupling tables follow input order"

CASES = [
    # inequality
    Case("convergence_beta_one_year", _convergence(lambda: _panel(years=[2015]), kind="beta"), error=InputError,
         names=("β-convergence", "in 2015", "later end year"), issue="convergence β on one year: a table of NaN"),
    Case("convergence_panel_beta_two_units",
         _convergence(lambda: _panel(2), kind="beta", panel=True), error=InputError,
         names=("panel β-convergence", "at least 3 regions", "there are 2"),
         issue="panel β with two units: se 0.0, p 0.0"),
    Case("convergence_sigma_two_years", _convergence(lambda: _panel(years=[2010, 2011])), error=InputError,
         names=("σ-convergence", "at least 3 years", "there are 2")),
    Case("convergence_equal_growth",
         _convergence(lambda: pd.concat([_panel(10, [2000]), _panel(10, [2000]).assign(year=2010,
                                                                                       v=lambda d: d.v * 1.5)]),
                      kind="beta"),
         error=InputError, names=("growth from 2000 to 2010", "same for every observation")),
    Case("cv_mean_zero", _cv_mean_zero, error=InputError, names=("'v'", "not positive in 2015", "zero up to rounding"),
         issue="cv of a mean-zero variable: ±2e15"),
    Case("cv_at_1e200", lambda: _scaled(_cv_table), check=_close(["cv"]), issue="Values around 1e200"),
    Case("dagum_at_1e200", lambda: _scaled(_dagum_table),
         check=_close(["gini", "within", "between", "transvariation"]), issue="Values around 1e200"),
    Case("theil_at_1e200", lambda: _scaled(_theil_table), check=_close(["theil_t", "theil_l"]),
         issue="Values around 1e200"),
    Case("dagum_one_region_in_a_year", _one_region_2011, error=InputError,
         names=("dagum_gini", "at least 2 regions", "in 2011")),
    Case("dagum_row_order", lambda: _shuffled(_dagum_belt),
         check=_identical("table", "group_gini", "pairwise"), issue=ISSUE_ORDER),
    # density
    Case("kde_at_1e200", _kde_big, check=_kde_big_check, issue="kde sd = inf with only an overflow warning"),
    Case("kde_one_member_group", _kde_one_member, error=InputError, names=("group '北京'", "in 2011", "two"),
         issue="kde on a group with one member"),
    Case("kde_row_order", lambda: _shuffled(_kde_belt),
         check=_identical("curves", "peaks", "movement"), issue=ISSUE_ORDER),
    # indices
    Case("entropy_pm_1e308", _entropy_huge, check=_equal_arrays,
         issue="entropy with −1e308/1e308 gives different weights"),
    Case("entropy_constant_indicator", _entropy(lambda: _indicators().assign(c=5.0), {"a": 1, "c": 1}),
         error=InputError, names=("indicator 'c'", "constant")),
    Case("entropy_constant_in_a_year",
         _entropy(lambda: pd.concat([_indicators().assign(year=2015), _indicators().assign(year=2016, c=2.0)]),
                  {"a": 1, "c": 1}, pooled=False),
         error=InputError, names=("'c'", "[2016]", "pooled=True")),
    Case("entropy_one_observation", _entropy(lambda: _indicators().iloc[:1], {"a": 1}), error=InputError,
         names=("entropy", "at least 2 observations")),
    Case("coupling_row_order", _coupling_shuffled, check=_sorted_and_identical, issue=ISSUE_ORDER),
    Case("coupling_one_system", _coupling_one_system, error=InputError, names=("at least 2 sub-systems",)),
    # ellipses
    Case("sde_web_mercator", _sde_mercator, check=_sde_mercator_check,
         issue="ellipse.sde on EPSG:3857 input: accepted; axes +27 %, area +48 %"),
    Case("sde_geographic", _sde_geographic, error=InputError, names=("geographic", "project=True")),
    Case("sde_none_geometry", _sde_none_geometry, error=InputError, names=("no geometry", "440000"),
         issue="A None geometry in sde: GEOSException"),
    Case("sde_aspace_weighted", _sde_aspace, check=_sde_aspace_check,
         issue="Weighted CrimeStat ellipses: aspace divides by Σw − 2"),
    Case("sde_two_points_in_a_year", _sde_two_points, error=InputError,
         names=("at least 3 points", "in 2001", "there are 2")),
    # natural breaks
    Case("jenks_beyond_5000_values", _jenks_classint, check=_equal_arrays,
         issue="Fisher–Jenks beyond 5,000 values is approximate"),
    Case("jenks_too_few_distinct_values", _jenks_few, error=ValueError,
         names=("4 classes", "at least 4 distinct values", "there are 3")),
    # geographical detector
    Case("geodetector_factor_twice", lambda: _gd(factors=["x", "x"], discretize="quantile"), error=InputError,
         names=("factor 'x'", "more than once"), issue="geodetector with the same factor twice"),
    Case("geodetector_impossible_k_optimal", lambda: _gd(discretize="optimal", k=[40]), error=InputError,
         names=("factor 'x'", "k = 40", "between 2 and 30"),
         issue="geodetector with an impossible k under discretize='optimal'"),
    Case("geodetector_y_at_1e200", _gd_scaled, check=_close(["q", "p", "F", "ncp"], rtol=1e-10),
         issue="Values around 1e200"),
    # harmonize
    Case("harmonize_laiwu_nan", _harmonize_laiwu, check=_harmonize_laiwu_check,
         issue="geometry.harmonize: a merged unit's NaN added as 0"),
    Case("harmonize_weights_sum_to_zero", _harmonize_zero_weights, error=InputError,
         names=("'pop'", "370100 in 2015", "sum to zero"), issue="weighted mean with weights summing to zero"),
    # maps
    Case("china_map_inf", _china_map(lambda idx: np.where(idx == "110000", np.inf, 1.0)), error=InputError,
         names=("'v'", "infinite", "110000 北京市"),
         issue="china_map with inf values draws them"),
    Case("china_map_all_nan", _china_map(lambda idx: np.full(len(idx), np.nan)), error=InputError,
         names=("'v'", "no values"), issue="china_map of an all-NaN column"),
]

"""GWR (spatialq.local.gwr) against R's GWmodel 2.3-2 and against mgwr 2.2.1, on the Columbus data.

References: tests/reference/local/gwmodel_columbus.R (script), gwmodel_columbus.json (its output),
versions.txt (R 4.2.2, GWmodel 2.3-2, sessionInfo).  Georgia is not shipped offline by libpysal (it needs a
download), so the Columbus data (libpysal's example = spData's columbus) is used: CRIME ~ INC + HOVAL on the
data's X, Y columns.

Conventions checked: a fixed bandwidth gives GWmodel's coefficients and standard errors exactly; an adaptive
bandwidth in mgwr is inflated by 1.0000001 (mgwr.kernels.Kernel eps) — with that factor set to 1 the batched
engine equals GWmodel to 1e-9, with it the public result equals mgwr and is within 2e-5 of GWmodel.
"""

import dataclasses
import json
import pathlib
import warnings

import libpysal
import matplotlib
import numpy as np
import pandas as pd
import pytest

from spatialq._guards import InputError
from spatialq.local import GWRResult, gwr, mgwr
from spatialq.local import _engine as E
from spatialq.local import _fit as F

matplotlib.use("Agg")

REF = json.loads((pathlib.Path(__file__).parent / "reference" / "local" / "gwmodel_columbus.json").read_text())
TERMS = ["Intercept", "INC", "HOVAL"]
CASES = ["bisquare_adaptive", "gaussian_adaptive", "bisquare_fixed", "gaussian_fixed"]


@pytest.fixture(scope="module")
def columbus():
    import geopandas as gpd

    g = gpd.read_file(libpysal.examples.get_path("columbus.shp"))
    return pd.DataFrame(g[["POLYID", "CRIME", "INC", "HOVAL", "X", "Y"]])


@pytest.fixture(scope="module")
def arrays(columbus):
    xy = columbus[["X", "Y"]].to_numpy(float)
    y = columbus["CRIME"].to_numpy(float)
    X = np.column_stack([np.ones(len(y)), columbus["INC"], columbus["HOVAL"]])
    return xy, y, X


def ref_mat(block, prefix=""):
    return np.column_stack([block[t + prefix] for t in TERMS])


def fit(df, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gwr(df, "CRIME", ["INC", "HOVAL"], id="POLYID", coords=("X", "Y"), **kw)


@pytest.mark.parametrize("case", CASES)
def test_aicc_and_cv_profiles_equal_gwmodel(arrays, case):
    """GWmodel's gwr.aic / gwr.cv at every bandwidth of a grid; CV: GWmodel sums, mgwr averages (× n)."""
    xy, y, X = arrays
    kernel, mode = case.split("_")
    fixed = mode == "fixed"
    space = E.Space(xy, eps=1.0)
    r = REF[case]
    compared = 0
    for bw, a, c in zip(r["grid"], r["aicc"], r["cv"]):
        w = E.weights(space, 0, len(y), bw, kernel=kernel, fixed=fixed)
        if ((w > 0).sum(axis=1) <= X.shape[1]).any():
            # some local design has no more points than coefficients: singular or an exact interpolation whose
            # hat value 1 is numerical noise (GWmodel's Armadillo inverse returns numbers, Inf or not); skipped
            continue
        f = E.local_fit(space, y, X, bw, kernel=kernel, fixed=fixed)
        assert E.aicc(f, len(y)) == pytest.approx(a, rel=1e-10, abs=1e-8)
        if c == "Inf":  # a leave-one-out design is singular: S_ii = 1
            assert not np.isfinite(E.cv(f, len(y))) or E.cv(f, len(y)) > 1e8
        else:
            assert E.cv(f, len(y)) * len(y) == pytest.approx(c, rel=1e-6)  # GWmodel refits without i
        compared += 1
    assert compared >= 25


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("which", ["fit_aicc", "fit_grid"])
def test_engine_equals_gwmodel_gwr_basic(arrays, case, which):
    """Coefficients, SEs (σ̂² = RSS/(n − 2trS + trS'S)), AICc, RSS, R² of gwr.basic to 1e-9 (eps = 1)."""
    xy, y, X = arrays
    kernel, mode = case.split("_")
    r = REF[case][which]
    f = E.local_fit(E.Space(xy, eps=1.0), y, X, r["bw"], kernel=kernel, fixed=mode == "fixed", full=True)
    n = len(y)
    s2 = f.resid_ss / (n - 2 * f.tr_S + f.tr_sts)
    np.testing.assert_allclose(f.params, ref_mat(r["beta"]), atol=1e-9)
    np.testing.assert_allclose(np.sqrt(f.cct * s2), ref_mat(r["se"], "_SE"), atol=1e-9)
    assert E.aicc(f, n) == pytest.approx(r["aicc"], abs=1e-8)
    assert f.resid_ss == pytest.approx(r["rss"], rel=1e-10)
    assert 2 * f.tr_S - f.tr_sts == pytest.approx(r["enp"], rel=1e-10)


@pytest.mark.parametrize("case", CASES)
def test_public_gwr_equals_gwmodel(columbus, case):
    """The public function at GWmodel's AICc bandwidth: fixed kernels to 1e-9; adaptive within 2e-5 (mgwr's
    1.0000001 bandwidth inflation); R² and GWmodel's adjusted R² (edf − 1 denominator) recomputed."""
    kernel, mode = case.split("_")
    fixed = mode == "fixed"
    r = REF[case]["fit_aicc"]
    res = fit(columbus, kernel=kernel, fixed=fixed, bandwidth=r["bw"], sigma2="edf")
    tol = 1e-9 if fixed else 2e-5
    np.testing.assert_allclose(res.params.to_numpy(), ref_mat(r["beta"]), atol=tol)
    np.testing.assert_allclose(res.bse.to_numpy(), ref_mat(r["se"], "_SE"), atol=tol)
    np.testing.assert_allclose(res.tvalues.to_numpy(), ref_mat(r["tv"], "_TV"), atol=1e-6 if fixed else 1e-4)
    assert res.diagnostics["aicc"] == pytest.approx(r["aicc"], abs=1e-8 if fixed else 1e-6)
    assert res.diagnostics["r2"] == pytest.approx(r["r2"], abs=1e-9 if fixed else 1e-6)
    n = len(columbus)
    edf = n - 2 * res.diagnostics["enp"] + F.fit_arrays(E.Space(columbus[["X", "Y"]].to_numpy(float)),
                                                         columbus["CRIME"].to_numpy(float),
                                                         np.column_stack([np.ones(n), columbus["INC"],
                                                                          columbus["HOVAL"]]),
                                                         r["bw"], kernel=kernel, fixed=fixed, sigma2="edf")["tr_STS"]
    assert 1 - (1 - res.diagnostics["r2"]) * (n - 1) / (edf - 1) == pytest.approx(r["adj_r2"], abs=1e-6)


def test_local_r2_conventions(columbus, arrays):
    """mgwr's local R² uses the locally weighted mean of y; GWmodel's the global mean (brute force of both)."""
    xy, y, _ = arrays
    r = REF["gaussian_fixed"]["fit_aicc"]
    res = fit(columbus, kernel="gaussian", fixed=True, bandwidth=r["bw"])
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1))
    w = np.exp(-0.5 * (d / r["bw"]) ** 2)
    e2 = res.residuals ** 2
    gwmodel = 1 - (w @ e2) / (w @ (y - y.mean()) ** 2)
    np.testing.assert_allclose(gwmodel, r["local_r2"], atol=1e-9)
    ybar = (w @ y) / w.sum(1)
    local = 1 - (w @ e2) / ((w * (y[None, :] - ybar[:, None]) ** 2).sum(1))
    np.testing.assert_allclose(res.local_r2.to_numpy(), local, atol=1e-10)


@pytest.mark.parametrize("kernel", ["bisquare", "gaussian"])
@pytest.mark.parametrize("fixed", [False, True])
@pytest.mark.parametrize("criterion", ["AICc", "CV"])
def test_fast_search_equals_mgwr_sel_bw(arrays, kernel, fixed, criterion):
    """The cached-distance search returns mgwr's Sel_BW bandwidth and visits the same scores."""
    from mgwr.sel_bw import Sel_BW

    xy, y, X = arrays
    bw_min = None if fixed else 10
    sel = Sel_BW(xy, y[:, None], X[:, 1:], kernel=kernel, fixed=fixed)
    bw = sel.search(criterion=criterion, bw_min=bw_min)
    fast = E.search(E.Space(xy), y, X, kernel=kernel, fixed=fixed, criterion=criterion, bw_min=bw_min, bw_max=None)
    assert fast[0] == bw
    assert len(fast[2]) == len(sel.sel_hist)
    for (b1, s1), (b2, s2) in zip(fast[2], sel.sel_hist):
        assert b1 == b2
        assert float(np.ravel(s1)[0]) == pytest.approx(float(np.ravel(s2)[0]), abs=1e-9)


def test_adaptive_profile_minimum_matches_gwmodel(columbus):
    """Over bandwidths 10..49 GWmodel's AICc is minimal at its bw.gwr choice (24) and so is ours."""
    r = REF["bisquare_adaptive"]
    assert r["grid"][int(np.argmin(r["aicc"]))] == r["bw_aicc"] == 24
    res = fit(columbus, bw_min=10)
    assert res.bandwidth == 24
    assert res.search_history["bandwidth"].isin([24.0]).any()


def test_public_fit_equals_mgwr_and_engine(columbus, arrays):
    """mgwr's GWR(...).fit() (n ≤ 6,000) and the batched engine (beyond) give the same arrays."""
    xy, y, X = arrays
    for kernel, fixed, bw in (("bisquare", False, 20), ("gaussian", True, 4.0)):
        a = F.fit_arrays(E.Space(xy), y, X, bw, kernel=kernel, fixed=fixed, sigma2="n-trS", use_mgwr=True)
        b = F.fit_arrays(E.Space(xy), y, X, bw, kernel=kernel, fixed=fixed, sigma2="n-trS", use_mgwr=False)
        for key in a:
            np.testing.assert_allclose(np.asarray(a[key], float), np.asarray(b[key], float), rtol=1e-8, atol=1e-10,
                                       err_msg=key)


def test_corrected_critical_t_and_search_mgwr(columbus, arrays):
    """adj. alpha and critical t equal mgwr's GWRResults (da Silva & Fotheringham 2016); search='mgwr' agrees."""
    from mgwr.gwr import GWR

    xy, y, X = arrays
    res = fit(columbus, bw_min=10, search="mgwr")
    m = GWR(xy, y[:, None], X[:, 1:], res.bandwidth).fit()
    assert res.bandwidth == 24
    assert res.adj_alpha == pytest.approx(m.adj_alpha[1])
    assert res.critical_t == pytest.approx(m.critical_tval())
    np.testing.assert_allclose(res.params.to_numpy(), m.params, atol=1e-12)
    np.testing.assert_allclose(res.condition_number.to_numpy(), m.local_collinearity()[2].ravel(), rtol=1e-9)
    assert res.diagnostics["aicc"] == pytest.approx(m.aicc)
    assert res.diagnostics["adj_r2"] == pytest.approx(m.adj_R2)
    frame = res.to_frame()
    assert (frame["INC_sig"] == (frame["INC_t"].abs() > m.critical_tval())).all()


def test_variability_equals_mgwr_with_the_same_permutations(columbus, arrays):
    """Monte Carlo test: with mgwr's own permutations (np.random.seed) our replications give mgwr's p values."""
    from mgwr.gwr import GWR
    from mgwr.sel_bw import Sel_BW

    from spatialq.local.gwr import _variability

    xy, y, X = arrays
    sel = Sel_BW(xy, y[:, None], X[:, 1:])
    bw = sel.search(bw_min=10)
    m = GWR(xy, y[:, None], X[:, 1:], bw).fit()
    p_mgwr = m.spatial_variability(sel, n_iters=2, seed=7)
    legacy = np.random.RandomState(7)  # mgwr's spatial_variability draws from the legacy global state
    perms = [legacy.permutation(len(y)) for _ in range(2)]
    sds = _variability(xy, y, X, kernel="bisquare", fixed=False, criterion="AICc", bw_min=10, bw_max=None,
                       spherical=False, perms=perms)
    np.testing.assert_allclose((sds > m.params.std(axis=0)).mean(axis=0), p_mgwr)
    res = fit(columbus, bw_min=10, variability=2, seed=3)
    again = fit(columbus.sample(frac=1, random_state=1), bw_min=10, variability=2, seed=3)
    pd.testing.assert_frame_equal(res.variability, again.variability)
    assert set(res.variability["term"]) == set(TERMS)


def test_result_convention(columbus):
    res = fit(columbus, bw_min=10)
    assert isinstance(res, GWRResult)
    frame = res.to_frame()
    assert list(frame.columns[:5]) == ["POLYID", "Intercept", "Intercept_se", "Intercept_t", "Intercept_sig"]
    frame.iloc[0, 1] = 1e9
    assert res.to_frame().iloc[0, 1] != 1e9
    text = res.summary()
    for needle in ("AICc:", "Adj. critical t value (95%):", "Bandwidth used:", "Adj. R2:"):
        assert needle in text
    assert "<strong>" in res._repr_html_()
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.bandwidth = 3
    shuffled = fit(columbus.sample(frac=1, random_state=2), bw_min=10)
    pd.testing.assert_frame_equal(res.to_frame(), shuffled.to_frame())
    assert res.meta.method == "spatialq.local.gwr" and res.meta.n == 49


def test_plot_and_maps(columbus):
    import geopandas as gpd

    g = gpd.read_file(libpysal.examples.get_path("columbus.shp")).set_index("POLYID").set_crs(3857,
                                                                                              allow_override=True)
    res = fit(columbus, bw_min=10)
    ax = res.plot(term="INC", geometry=g)
    assert len(ax.collections) >= 1
    fig = res.maps(geometry=g)
    assert len([a for a in fig.axes if a.get_title()]) == 3
    import matplotlib.pyplot as plt

    plt.close("all")


def test_errors(columbus):
    with pytest.raises(InputError, match="kernel"):
        fit(columbus, kernel="tricube")
    with pytest.raises(InputError, match="too few units"):
        fit(columbus.head(30))  # mgwr's default adaptive search starts at 40 + 2p = 46 neighbours
    with pytest.raises(InputError, match="exceeds the 49 units"):
        fit(columbus, bandwidth=60)
    with pytest.raises(InputError, match="integer"):
        fit(columbus, bandwidth=20.5)
    with pytest.raises(InputError, match="no coordinates"):
        gwr(columbus, "CRIME", ["INC"], id="POLYID")
    bad = columbus.assign(X=columbus["X"].where(columbus["POLYID"] != 5))
    with pytest.raises(InputError, match="X"):
        fit(bad)
    lonlat = columbus.assign(X=110 + columbus["X"] / 10, Y=30 + columbus["Y"] / 10)
    with pytest.raises(InputError, match="longitude/latitude"):
        fit(lonlat, bandwidth=20)
    res = fit(lonlat, bandwidth=20, spherical=True)
    assert res.spherical and np.isfinite(res.params.to_numpy()).all()
    collinear = columbus.assign(INC2=columbus["INC"] * 2)
    with pytest.raises(InputError, match=r"collinear|singular"):
        gwr(collinear, "CRIME", ["INC", "INC2"], id="POLYID", coords=("X", "Y"), bandwidth=20)
    with pytest.raises(InputError, match="at least"):
        fit(columbus.head(5), bandwidth=4)


def test_local_collinearity_warned(columbus):
    """A regressor nearly constant within neighbourhoods → local condition numbers > 30 → a warning."""
    rng = np.random.default_rng(0)
    df = columbus.assign(Z=columbus["X"] * 0.5 + rng.normal(scale=0.01, size=len(columbus)))
    with pytest.warns(UserWarning, match="condition number > 30"):
        res = gwr(df, "CRIME", ["INC", "Z"], id="POLYID", coords=("X", "Y"), bandwidth=15)
    assert (res.condition_number > 30).any()


# -- MGWR ---------------------------------------------------------------------------------------------------------


def mfit(df, **kw):
    return mgwr(df, "CRIME", ["INC", "HOVAL"], id="POLYID", coords=("X", "Y"), standardize=False, **kw)


def test_mgwr_equals_gwmodel_gwr_multiscale(columbus):
    """GWmodel's gwr.multiscale at given bandwidths (no centring, dCVR threshold 1e-12): Gaussian fixed kernel to
    1e-8 (coefficients, SEs, AICc, RSS); adaptive bisquare within 1e-5 (mgwr's 1.0000001 bandwidth inflation)."""
    for key, kernel, fixed, tol in (("mgwr_gaussian_fixed", "gaussian", True, 1e-8),
                                    ("mgwr_fixed_bws", "bisquare", False, 1e-5)):
        r = REF[key]
        res = mfit(columbus, kernel=kernel, fixed=fixed, bandwidths=r["bws"], tol=1e-14, max_iter=5000)
        np.testing.assert_allclose(res.params.to_numpy(), ref_mat(r["beta"]), atol=tol)
        np.testing.assert_allclose(res.bse.to_numpy(), ref_mat(r["se"], "_SE"), atol=tol)
        assert res.diagnostics["aicc"] == pytest.approx(r["aicc"], abs=100 * tol)
        assert res.diagnostics["rss"] == pytest.approx(r["rss"], rel=100 * tol)
        # (GWmodel's reported enp for MGWR is 2 tr S − tr S'S; AICc, which uses tr S, agrees above)
        assert list(res.bandwidths["bandwidth"]) == r["bws"]


def test_mgwr_fast_search_equals_mgwr(columbus):
    """The backfitting with cached-distance searches picks mgwr's bandwidths and gives its estimates, and the
    replayed inference gives mgwr's ENP_j and standard errors."""
    fast = mfit(columbus, bw_min=[10, 10, 10])
    slow = mfit(columbus, bw_min=[10, 10, 10], search="mgwr")
    pd.testing.assert_frame_equal(fast.bandwidths, slow.bandwidths)
    np.testing.assert_allclose(fast.params.to_numpy(), slow.params.to_numpy(), atol=1e-9)
    # inference: matrix-product replay (fast) against mgwr's MGWR(...).fit() (slow): ENP_j and SEs
    np.testing.assert_allclose(fast.bse.to_numpy(), slow.bse.to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(fast.bandwidths["enp"], slow.bandwidths["enp"], rtol=1e-10)
    assert fast.diagnostics["aicc"] == pytest.approx(slow.diagnostics["aicc"])
    # GWmodel's own backfitting search picks 15, 48, 42 (its AICc per surface differs); ours 11, 48, 42
    assert list(fast.bandwidths["bandwidth"]) == [11.0, 48.0, 42.0]
    b = fast.bandwidths
    assert (b["ci_low"] <= b["bandwidth"]).all() and (b["bandwidth"] <= b["ci_high"]).all()
    assert fast.critical_t == pytest.approx(
        [__import__("scipy").stats.t.ppf(1 - 0.05 / e / 2, 48) for e in b["enp"]])
    frame = fast.to_frame()
    assert (frame["INC_sig"] == (frame["INC_t"].abs() > b.loc["INC", "critical_t"])).all()
    text = fast.summary()
    assert "MGWR bandwidths" in text and "Bandwidth intervals" in text and "Adj t-val(95%)" in text


def test_mgwr_standardize_and_errors(columbus):
    z = mgwr(columbus, "CRIME", ["INC", "HOVAL"], id="POLYID", coords=("X", "Y"), bandwidths=[20, 30, 45],
             tol=1e-8)
    s = columbus.assign(**{c: (columbus[c] - columbus[c].mean()) / columbus[c].std(ddof=0)
                           for c in ("CRIME", "INC", "HOVAL")})
    raw = mfit(s, bandwidths=[20, 30, 45], tol=1e-8)
    np.testing.assert_allclose(z.params.to_numpy(), raw.params.to_numpy(), atol=1e-10)
    with pytest.raises(InputError, match="needs 3 values"):
        mfit(columbus, bandwidths=[20, 30])
    with pytest.raises(InputError, match="too few units"):
        mfit(columbus.head(30))
    with pytest.raises(InputError, match="criterion"):
        mfit(columbus, criterion="BIC")


def test_sparse_neighbours_equal_dense(arrays):
    """The cached-nearest-neighbour path (used past 6,000 units) equals the dense one: fits, diagnostics, search."""
    xy, y, X = arrays
    dense, sparse = E.Space(xy), E.Space(xy, knn=35)
    for bw in (10, 20, 34):
        assert E.sparse_ok(sparse, bw, kernel="bisquare", fixed=False)
        a = F.fit_arrays(dense, y, X, bw, kernel="bisquare", fixed=False, sigma2="edf", use_mgwr=False)
        b = F.fit_arrays(sparse, y, X, bw, kernel="bisquare", fixed=False, sigma2="edf", use_mgwr=False)
        for key in a:
            np.testing.assert_allclose(np.asarray(b[key], float), np.asarray(a[key], float), rtol=1e-9, atol=1e-10)
    assert not E.sparse_ok(sparse, 35, kernel="bisquare", fixed=False)  # needs the 35th neighbour's successor
    assert not E.sparse_ok(sparse, 20, kernel="gaussian", fixed=False)
    args = dict(kernel="bisquare", fixed=False, criterion="AICc", bw_min=10, bw_max=30)
    assert E.search(sparse, y, X, **args)[0] == E.search(dense, y, X, **args)[0] == 24


def test_bundled_geometry_coordinates():
    """geometry="province": centroids in China Albers km, matched by adcode whatever the row order; a
    GeoDataFrame as data gives the same; degrees with spherical=True use great-circle km."""
    from spatialq import geometry
    from spatialq.geometry import ALBERS_CHINA
    from spatialq.local._coords import unit_coords

    prov = geometry.provinces()
    rng = np.random.default_rng(5)
    d = pd.DataFrame({"adcode": prov.index, "x": rng.normal(size=len(prov))})
    d["y"] = 1 + 0.5 * d["x"] + rng.normal(scale=0.3, size=len(prov))
    d = d.sample(frac=1, random_state=3)
    xy = unit_coords(d.sort_values("adcode"), d.sort_values("adcode")["adcode"], coords=None, geometry="province",
                     spherical=False, method="t")
    cent = prov.to_crs(ALBERS_CHINA).geometry.centroid.sort_index()
    np.testing.assert_allclose(xy, np.column_stack([cent.x, cent.y]) / 1000)
    a = gwr(d, "y", ["x"], geometry="province", bandwidth=12)
    b = gwr(prov.join(d.set_index("adcode")), "y", ["x"], bandwidth=12)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    lonlat = prov.to_crs(ALBERS_CHINA).geometry.centroid.to_crs(4326)
    s = gwr(d, "y", ["x"], geometry="province", bandwidth=12, spherical=True)
    np.testing.assert_allclose(sorted(s.params["x"]), sorted(a.params["x"]), rtol=0.2)  # same neighbours, km
    with pytest.raises(InputError, match="no geometry"):
        gwr(d.assign(adcode=d["adcode"].str.replace("11", "99", n=1, regex=False)), "y", ["x"], geometry="province",
            bandwidth=12)
    assert len(lonlat) == len(prov)


def test_grey_maps(columbus):
    import geopandas as gpd
    import matplotlib.pyplot as plt

    from spatialq.local._plot import coefficient_map

    g = gpd.read_file(libpysal.examples.get_path("columbus.shp")).set_index("POLYID").set_crs(3857,
                                                                                              allow_override=True)
    res = fit(columbus, bw_min=10)
    ax = coefficient_map(res, "HOVAL", geometry=g, style="grey", inset=False)
    assert ax.get_title() == "HOVAL"
    with pytest.raises(InputError, match="term"):
        coefficient_map(res, "nope", geometry=g)
    plt.close("all")

"""Geographical detector on CollectData (geodetector 1.0-5 data), defended formula by formula."""

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from spatialq import detector
from spatialq.detector._q import ncf_sf_series

DATA = Path(__file__).resolve().parents[2] / "shared" / "reference-data" / "geodetector_collectdata.csv"
REF = Path(__file__).parent / "reference" / "detector"
FACTORS = ["soiltype", "watershed", "elevation"]
JENKS = Path(__file__).parent / "reference" / "jenks"


@pytest.fixture(scope="module")
def cd():
    if not DATA.exists():
        pytest.skip("shared reference data not beside the clone")
    return pd.read_csv(DATA)


@pytest.fixture(scope="module")
def res(cd):
    return detector.geodetector(cd, "incidence", FACTORS)


def q_definition(y, strata):
    """Wang et al. (2010): q = 1 − Σ_h N_h σ_h² / (N σ²), population variances."""
    d = pd.DataFrame({"y": y, "h": strata})
    within = d.groupby("h")["y"].agg(lambda v: len(v) * v.var(ddof=0)).sum()
    return 1 - within / (len(d) * d["y"].var(ddof=0))


def test_factor_q_by_definition_and_published(cd, res):
    for f in FACTORS:
        assert res.factor.loc[f, "q"] == pytest.approx(q_definition(cd["incidence"], cd[f]), rel=1e-12)
    # the values printed in the geodetector tutorial for CollectData
    assert res.factor["q"].round(4).to_dict() == {"soiltype": 0.3857, "watershed": 0.6378, "elevation": 0.6067}
    assert res.factor["rank"].to_dict() == {"watershed": 1, "elevation": 2, "soiltype": 3}


def test_noncentral_f_pvalues(cd, res):
    """λ and F by Wang, Zhang & Fu (2016); the tail checked against R's pf(ncp=) and a series."""
    y = cd["incidence"]
    n = len(y)
    for f in FACTORS:
        g = y.groupby(cd[f])
        L = g.ngroups
        lam = (np.sum(g.mean() ** 2) - np.sum(np.sqrt(g.size()) * g.mean()) ** 2 / n) / y.var(ddof=1)
        q = res.factor.loc[f, "q"]
        F = (n - L) / (L - 1) * q / (1 - q)
        assert res.factor.loc[f, "ncp"] == pytest.approx(lam, rel=1e-12)
        assert res.factor.loc[f, "F"] == pytest.approx(F, rel=1e-12)
        assert res.factor.loc[f, "p"] == pytest.approx(ncf_sf_series(F, L - 1, n - L, lam), rel=1e-10)
    ref = pd.read_csv(REF / "ncf_R.csv")  # R 4.2.2 pf(lower.tail = FALSE, ncp = λ), tests/reference/detector/
    for r in ref.itertuples():
        ours = stats.ncf.sf(r.F, r.df1, r.df2, r.ncp)
        # R's pnbeta has an absolute error bound of 1e-9 (errmax); far in the tail that is ~1e-5 relative
        # (watershed: R 1.16991385e-4, scipy 1.16990439e-4, series 1.16990439e-4)
        assert ours == pytest.approx(r.p_R, abs=2e-9)
        assert ours == pytest.approx(ncf_sf_series(r.F, r.df1, r.df2, r.ncp), rel=1e-11)
        if r.case in FACTORS:
            assert res.factor.loc[r.case, "p"] == pytest.approx(r.p_R, abs=2e-9)


def test_equals_py_geodetector(cd, res):
    from geodetector import GeoDetector

    g = GeoDetector(cd, "incidence", FACTORS)
    fd = g.factor_detector()
    inter = g.interaction_detector()
    for f in FACTORS:
        assert res.factor.loc[f, "q"] == pytest.approx(fd.loc["q statistic", f], rel=1e-12)
        assert res.factor.loc[f, "p"] == pytest.approx(fd.loc["p value", f], rel=1e-10)
    for r in res.interaction.itertuples():
        other = inter.loc[r.factor2, r.factor1]
        if pd.isna(other):
            other = inter.loc[r.factor1, r.factor2]
        assert r.q12 == pytest.approx(other, rel=1e-12)


def test_interaction(cd, res):
    for r in res.interaction.itertuples():
        assert r.q12 == pytest.approx(q_definition(cd["incidence"], cd[r.factor1].astype(str) + "|"
                                                   + cd[r.factor2].astype(str)), rel=1e-12)
        assert r.type == "bi_enhance" and r.q12 > max(r.q1, r.q2)
    assert res.interaction["q12"].round(4).tolist() == [0.7357, 0.6635, 0.7136]
    t = detector.interaction_type
    assert t(0.3, 0.4, 0.8) == "nonlinear_enhance"
    assert t(0.3, 0.4, 0.7) == "independent"
    assert t(0.3, 0.4, 0.5) == "bi_enhance"
    assert t(0.3, 0.4, 0.35) == "uni_weaken" and t(0.3, 0.4, 0.4) == "uni_weaken"
    assert t(0.3, 0.4, 0.2) == "nonlinear_weaken"


def test_risk_detector(cd, res):
    means = cd.groupby("watershed")["incidence"].mean()
    r = res.risk[res.risk.factor == "watershed"].set_index("stratum")
    assert np.allclose(r["mean"], means.reindex(r.index))
    tests = res.risk_tests[res.risk_tests.factor == "elevation"]
    assert len(tests) == 21  # 7 strata
    for row in tests.itertuples():
        a = cd.loc[cd.elevation == row.stratum_a, "incidence"]
        b = cd.loc[cd.elevation == row.stratum_b, "incidence"]
        ref = stats.ttest_ind(a, b, equal_var=False)
        assert row.t == pytest.approx(ref.statistic, rel=1e-10) and row.p == pytest.approx(ref.pvalue, rel=1e-8)
        assert row.significant == (ref.pvalue <= 0.05)


def test_ecological_detector(cd, res):
    ssw = {f: cd.groupby(f)["incidence"].agg(lambda v: ((v - v.mean()) ** 2).sum()).sum() for f in FACTORS}
    for row in res.ecological.itertuples():
        assert row.F == pytest.approx(ssw[row.factor1] / ssw[row.factor2], rel=1e-10)
        assert row.df1 == row.df2 == 184


def test_optimal_discretisation_finds_step_breaks():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 10, 2000)
    true = np.array([2.5, 5.0, 7.5])
    y = np.searchsorted(true, x) * 3.0 + rng.normal(0, 0.3, len(x))
    r = detector.geodetector(pd.DataFrame({"y": y, "x": x, "noise": rng.uniform(size=len(x))}), "y", ["x", "noise"],
                             discretize="optimal")
    chosen = r.breaks["x"]
    assert all(np.min(np.abs(chosen - b)) < 0.15 for b in true)
    d = r.discretization
    assert set(d["method"]) == {"equal", "quantile", "natural", "geometric", "sd"} and d["chosen"].sum() == 2
    assert r.factor.loc["x", "q"] > 0.95 and r.factor.loc["noise", "q"] < 0.05


def test_errors_and_singletons(cd):
    with pytest.raises(ValueError, match="single stratum"):
        detector.geodetector(cd.assign(c=1), "incidence", ["c"])
    with pytest.raises(ValueError, match="constant"):
        detector.geodetector(cd.assign(incidence=1.0), "incidence", ["soiltype"])
    bad = cd.copy()
    bad.loc[3, "soiltype"] = np.nan
    with pytest.raises(ValueError, match="missing values"):
        detector.geodetector(bad, "incidence", ["soiltype"])
    assert detector.geodetector(bad, "incidence", ["soiltype"], missing="drop").meta.n == 184
    with pytest.raises(ValueError, match="discretise it"):
        detector.geodetector(cd.assign(u=np.arange(185)), "incidence", ["u"])
    one = cd.copy()
    one.loc[0, "soiltype"] = 99  # a stratum with one observation
    r = detector.geodetector(one, "incidence", ["soiltype"])
    t = r.risk_tests[(r.risk_tests.stratum_a == 99) | (r.risk_tests.stratum_b == 99)]
    assert len(t) == 5 and t["p"].isna().all()
    assert r.factor.loc["soiltype", "q"] == pytest.approx(q_definition(one["incidence"], one["soiltype"]))


def test_result_convention(res):
    import matplotlib.pyplot as plt

    assert "watershed" in res.summary() and list(res.to_frame().columns[:2]) == ["q", "p"]
    ax = res.plot()
    assert len(ax.images) == 1
    plt.close("all")
    assert list(itertools.chain(res.interaction["type_zh"])) == ["双因子增强"] * 3


def test_forest_importance_recovers_drivers():
    pytest.importorskip("sklearn")
    rng = np.random.default_rng(1)
    x1, x2, x3 = rng.uniform(size=(3, 600))
    y = 5 * x1 + np.sin(6 * x2) + rng.normal(0, 0.1, 600)
    df = pd.DataFrame({"y": y, "x1": x1, "x2": x2, "x3": x3})
    r = detector.forest_importance(df, "y", ["x1", "x2", "x3"], n_estimators=100, permutation_repeats=3, seed=0)
    assert r.importance["rank"].to_dict() == {"x1": 1, "x2": 2, "x3": 3}
    assert r.oob_r2 > 0.9 and r.importance["impurity"].sum() == pytest.approx(1.0)
    again = detector.forest_importance(df, "y", ["x1", "x2", "x3"], n_estimators=100, permutation_repeats=3, seed=0)
    pd.testing.assert_frame_equal(r.importance, again.importance)
    pd1 = r.partial_dependence[r.partial_dependence.feature == "x1"]
    assert np.corrcoef(pd1["value"], pd1["prediction"])[0, 1] > 0.98  # linear driver: monotone PDP
    shuffled = detector.forest_importance(df.sample(frac=1, random_state=5), "y", ["x1", "x2", "x3"],
                                          n_estimators=100, permutation_repeats=3, seed=0)
    pd.testing.assert_frame_equal(r.importance, shuffled.importance)  # row order changes nothing
    assert shuffled.oob_r2 == r.oob_r2
    with pytest.raises(ValueError, match="feature 'x1' is listed more than once"):
        detector.forest_importance(df, "y", ["x1", "x1"], seed=0)
    with pytest.raises(ValueError, match="at least 10 rows; there are 5"):
        detector.forest_importance(df.head(5), "y", ["x1"], seed=0)
    with pytest.raises(ValueError, match="column 'y' is constant"):
        detector.forest_importance(df.assign(y=1.0), "y", ["x1"], seed=0)


def test_geodetector_refusals_name_the_factor_and_k():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"y": rng.normal(size=60), "x": rng.normal(size=60)})
    with pytest.raises(ValueError, match="factor 'x' is listed more than once"):
        detector.geodetector(df, "y", ["x", "x"], discretize="quantile")
    for kw, how in ((dict(discretize="optimal", k=[40]), "discretize='optimal'"),
                    (dict(discretize="quantile", k=40), "discretize='quantile'")):
        with pytest.raises(ValueError, match=rf"k = 40 with {how} gives more strata than half of the 60 rows.*"
                                             r"pass k between 2 and 30") as info:
            detector.geodetector(df, "y", ["x"], **kw)
        assert "(discretize='optimal')" not in str(info.value)  # the old, wrong advice
    ok = detector.geodetector(df, "y", ["x"], discretize="optimal", k=[3, 40])  # 40 skipped, 3 kept
    assert set(ok.discretization["k"]) == {3}
    big = detector.geodetector(df.assign(y=df["y"] * 1e200), "y", ["x"], discretize="quantile")
    small = detector.geodetector(df, "y", ["x"], discretize="quantile")
    assert np.allclose(big.factor[["q", "p", "F"]], small.factor[["q", "p", "F"]], rtol=1e-10)
    assert np.allclose(big.risk["mean"] / small.risk["mean"], 1e200, rtol=1e-10)


# --- Fisher–Jenks natural breaks (spatialq._jenks): exact at any n --------------------------------------------


def jenks_brute(v: np.ndarray, k: int) -> float:
    """The O(k·n²) dynamic programme of Fisher (1958) over the sorted values: the minimal within-class SSQ."""
    v = np.sort(v)
    n = len(v)
    s1, s2 = np.concatenate([[0], np.cumsum(v)]), np.concatenate([[0], np.cumsum(v * v)])

    def ssq(i, j):  # values i..j inclusive
        m = j - i + 1
        return s2[j + 1] - s2[i] - (s1[j + 1] - s1[i]) ** 2 / m

    cost = [ssq(0, j) for j in range(n)]
    for c in range(1, k):
        cost = [min((cost[i - 1] + ssq(i, j) for i in range(c, j + 1)), default=np.inf) for j in range(n)]
    return cost[n - 1]


def ssq_of(v, bins):
    from spatialq._jenks import classify

    c = classify(v, bins)
    return sum(float(np.sum((v[c == i] - v[c == i].mean()) ** 2)) for i in range(len(bins)))


@pytest.mark.parametrize("seed", range(12))
def test_jenks_equals_brute_force_dp(seed):
    from spatialq._jenks import fisher_jenks_bins

    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(8, 60)), int(rng.integers(2, 7))
    v = np.round(rng.lognormal(size=n) * 10, int(rng.integers(0, 3)))  # ties at 0 decimals
    if len(np.unique(v)) < k:
        k = 2
    bins = fisher_jenks_bins(v, k)
    assert len(bins) == k and bins[-1] == v.max() and np.all(np.diff(bins) > 0)
    assert ssq_of(v, bins) == pytest.approx(jenks_brute(v, k), rel=1e-10, abs=1e-9)


def test_jenks_equals_classint_exact_optimum():
    """Breaks (largest value of each class) and class sizes equal R classInt's style = "fisher" with its
    sampling switched off (``largeN`` above n): tests/reference/jenks/fisher_classint.R, R 4.2.2, classInt 0.4.9.
    The 6,000-value set is beyond the 5,000 values at which the previous version started sampling."""
    from spatialq._jenks import classify, fisher_jenks_bins

    ref = pd.read_csv(JENKS / "fisher_breaks.csv")
    for (name, k), part in ref.groupby(["dataset", "k"]):
        x = np.loadtxt(JENKS / f"fisher_{name}.txt")
        bins = fisher_jenks_bins(x, int(k))
        assert np.array_equal(bins, part["upper"].to_numpy()), (name, k)
        assert np.bincount(classify(x, bins), minlength=int(k)).tolist() == part["n"].tolist(), (name, k)


def test_jenks_large_n_exact_and_scale_free():
    """At 20,000 values the result is the exact optimum (no sampling): the brute-force DP on the distinct values
    is too slow, so check optimality locally — moving any break by one distinct value never lowers the SSQ —
    and that scaling by 1e250 (sums of squares would overflow) gives the same classes."""
    from spatialq._jenks import classify, fisher_jenks_bins

    rng = np.random.default_rng(7)
    v = np.round(rng.gamma(2.0, 3.0, 20_000), 3)
    bins = fisher_jenks_bins(v, 5)
    best = ssq_of(v, bins)
    u = np.unique(v)
    for i in range(4):
        pos = int(np.searchsorted(u, bins[i]))
        for step in (-1, 1):
            moved = bins.copy()
            moved[i] = u[pos + step]
            assert ssq_of(v, moved) >= best * (1 - 1e-12)
    big = fisher_jenks_bins(v * 1e250, 5)
    assert (classify(v * 1e250, big) == classify(v, bins)).all()


def test_jenks_refuses_too_few_distinct_values():
    from spatialq._jenks import fisher_jenks_bins

    with pytest.raises(ValueError, match="at least 5 distinct values; there are 3"):
        fisher_jenks_bins([1, 1, 2, 3, 3], 5)
    with pytest.raises(ValueError, match="missing or infinite"):
        fisher_jenks_bins([1, 2, np.inf, 4], 2)

"""Moran's I, local Moran and Gi* against spdep 1.2-7 on Columbus (tests/reference/hotspot/)."""

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from libpysal import examples

from spatialq import geometry, hotspot, weights
from spatialq._guards import InputError
from spatialq.hotspot._perm import conditional_pvalues, fdr

REF = Path(__file__).parent / "reference" / "hotspot"


@pytest.fixture(scope="module")
def columbus():
    col = gpd.read_file(examples.get_path("columbus.shp")).set_index("POLYID")
    w = weights.contiguity(col, islands="raise")
    return col, w


def test_queen_equals_spdep(columbus):
    _, w = columbus
    ref = pd.read_csv(REF / "columbus_queen_pairs.csv")
    assert {(int(a), int(b)) for a, nb in w.neighbors.items() for b in nb} == set(zip(ref.i, ref.j))


@pytest.mark.parametrize("variable", ["CRIME", "HOVAL"])
@pytest.mark.parametrize("style,transform", [("W", "r"), ("B", "b")])
def test_global_moran_equals_spdep(columbus, variable, style, transform):
    col, w = columbus
    ref = pd.read_csv(REF / "columbus_moran_global.csv")
    ref = ref[(ref.variable == variable) & (ref["style"] == style)].set_index("assumption")
    r = hotspot.moran(col, variable, w, by=None, id="POLYID", transform=transform, permutations=0).table.iloc[0]
    assert r["I"] == pytest.approx(ref.loc["randomization", "I"], abs=1e-10)
    assert r["expectation"] == pytest.approx(ref.loc["randomization", "expectation"], abs=1e-12)
    assert r["variance_rand"] == pytest.approx(ref.loc["randomization", "variance"], abs=1e-10)
    assert r["z_rand"] == pytest.approx(ref.loc["randomization", "z"], abs=1e-8)
    assert r["variance_norm"] == pytest.approx(ref.loc["normality", "variance"], abs=1e-10)
    assert r["z_norm"] == pytest.approx(ref.loc["normality", "z"], abs=1e-8)
    assert r["p_rand"] == pytest.approx(ref.loc["randomization", "p"], rel=1e-6)


@pytest.mark.parametrize("variable", ["CRIME", "HOVAL"])
def test_local_moran_equals_spdep(columbus, variable):
    col, w = columbus
    ref = pd.read_csv(REF / "columbus_local.csv")
    c = hotspot.local_moran(col, variable, w, by=None, id="POLYID", permutations=0).table
    assert np.max(np.abs(c["Ii"] - ref[f"{variable}_Ii"])) < 1e-10
    assert np.max(np.abs(c["expectation"] - ref[f"{variable}_E_cond"])) < 1e-10
    assert np.max(np.abs(c["variance"] - ref[f"{variable}_Var_cond"])) < 1e-10
    assert np.max(np.abs(c["z"] - ref[f"{variable}_Z_cond"])) < 1e-8
    t = hotspot.local_moran(col, variable, w, by=None, id="POLYID", permutations=0, variance="total").table
    assert np.max(np.abs(t["expectation"] - ref[f"{variable}_E_total"])) < 1e-10
    assert np.max(np.abs(t["z"] - ref[f"{variable}_Z_total"])) < 1e-8


@pytest.mark.parametrize("variable", ["CRIME", "HOVAL"])
def test_gi_star_equals_spdep_include_self(columbus, variable):
    col, w = columbus
    ref = pd.read_csv(REF / "columbus_local.csv")
    g = hotspot.gi_star(col, variable, w, by=None, id="POLYID").to_frame()
    assert np.max(np.abs(g["z"] - ref[f"{variable}_Gstar_B"])) < 1e-8
    # spdep: the same z with row-standardised weights (each row's scale cancels)
    assert np.max(np.abs(ref[f"{variable}_Gstar_W"] - ref[f"{variable}_Gstar_B"])) < 1e-12
    wr = weights.standardize(w, "r")
    g2 = hotspot.gi_star(col, variable, wr, by=None, id="POLYID", transform="o").to_frame()
    assert np.max(np.abs(g2["z"] - g["z"])) > 1e-3  # "o" with self weight 1 on a row-standardised W differs
    assert {"z", "p", "gi_bin", "bin_zh", "class_zh"} <= set(g.columns)


def test_gi_bins_and_breaks(columbus):
    col, w = columbus
    g = hotspot.gi_star(col, "CRIME", w, by=None, id="POLYID").to_frame()
    for r in g.itertuples():
        level = 3 if r.p <= 0.01 else 2 if r.p <= 0.05 else 1 if r.p <= 0.10 else 0
        assert r.gi_bin == (level if r.z > 0 else -level)
    assert sorted(g["class"].unique()) == [1, 2, 3, 4, 5]
    top = g.loc[g["z"].idxmax()]
    assert top["class_zh"] == "热点" and g.loc[g["z"].idxmin(), "class_zh"] == "冷点"
    f = hotspot.gi_star(col, "CRIME", w, by=None, id="POLYID", fdr_correction=True).to_frame()
    assert (f["gi_bin"].abs() <= g["gi_bin"].abs()).all()


def test_fdr_benjamini_hochberg():
    p = np.array([0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216])
    # BH at 0.05: thresholds 0.005, 0.010, 0.015, …: the largest k with p_(k) <= k·0.05/10 is k = 2
    assert fdr(p, 0.05).tolist() == [True, True] + [False] * 8
    assert fdr(np.array([0.5, 0.6]), 0.05).tolist() == [False, False]


def test_permutation_moments_equal_conditional_analytic(columbus):
    """Conditional permutation has exactly the conditional moments of spdep's localmoran."""
    col, w = columbus
    ref = pd.read_csv(REF / "columbus_local.csv")
    from spatialq._wmatrix import aligned

    x = col["CRIME"].to_numpy()
    z = x - x.mean()
    m2 = z @ z / len(z)
    m = aligned(w, list(col.index), transform="r")
    ii = z / m2 * (m @ z)
    perms = 20000
    _, mean, sd = conditional_pvalues(z, m, ii, z / m2, permutations=perms, seed=0)
    se = np.sqrt(ref["CRIME_Var_cond"].to_numpy() / perms)
    assert np.all(np.abs(mean - ref["CRIME_E_cond"].to_numpy()) < 5 * se)
    assert np.allclose(sd ** 2, ref["CRIME_Var_cond"], rtol=0.05)


def test_seeded_permutations_reproducible(columbus):
    col, w = columbus
    a = hotspot.local_moran(col, "CRIME", w, by=None, id="POLYID", seed=7).table
    b = hotspot.local_moran(col, "CRIME", w, by=None, id="POLYID", seed=7).table
    pd.testing.assert_frame_equal(a, b)
    g = hotspot.moran(col, "CRIME", w, by=None, id="POLYID", seed=7)
    assert g.table["p_sim"].iloc[0] == pytest.approx(0.001)
    lm = a.set_index("id")
    assert set(lm["cluster"]) <= {"HH", "LL", "LH", "HL", "ns"}
    assert (lm.loc[lm["cluster"] != "ns", "p_sim"] <= 0.05).all()


def test_panel_per_year_and_alignment(provinces, w_provinces):
    ids = list(provinces.index)
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"adcode": np.repeat(ids, 2), "year": np.tile([2020, 2021], 31), "v": rng.normal(size=62)})
    m = hotspot.moran(df, "v", w_provinces, permutations=99, seed=1)
    assert m.to_frame()["year"].tolist() == [2020, 2021]
    shuffled = hotspot.moran(df.sample(frac=1, random_state=2), "v", w_provinces, permutations=99, seed=1)
    pd.testing.assert_frame_equal(m.table, shuffled.table)
    with pytest.raises(ValueError, match="not in the data"):
        hotspot.moran(df[df.adcode != "110000"], "v", w_provinces)
    bad = df.copy()
    bad.loc[0, "adcode"] = "999999"
    with pytest.raises(ValueError, match="not in the weights"):
        hotspot.gi_star(bad, "v", w_provinces)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w_drop = weights.contiguity(provinces, islands="drop")
    with pytest.raises(ValueError, match=r"not in the data|not in the weights"):
        hotspot.local_moran(df, "v", w_drop)


def test_plots(columbus, provinces, w_provinces):
    import matplotlib.pyplot as plt

    col, w = columbus
    ax = hotspot.moran(col, "CRIME", w, by=None, id="POLYID", permutations=0).plot()
    assert len(ax.collections) == 1
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"adcode": provinces.index, "v": rng.normal(size=31)})
    g = hotspot.gi_star(df, "v", w_provinces, by=None)
    ax = g.plot(gdf=geometry.provinces())
    assert hasattr(ax, "spatialq_inset")
    labels = {t.get_text() for t in ax.get_legend().get_texts()}
    assert "无数据" not in labels and "不显著" in labels  # every province coloured
    lm = hotspot.local_moran(df, "v", w_provinces, by=None, seed=1)
    assert lm.plot(gdf=geometry.provinces()) is not None
    plt.close("all")


@pytest.mark.parametrize("n,seed", [(6, 0), (49, 1), (400, 2), (2000, 3)])
def test_fisher_jenks_equals_mapclassify(n, seed):
    import mapclassify

    from spatialq._jenks import classify, fisher_jenks_bins

    v = np.round(np.random.default_rng(seed).normal(size=n), 2)
    bins = fisher_jenks_bins(v, 5)
    ref = mapclassify.FisherJenks(v, k=5)
    assert np.allclose(bins, ref.bins)
    assert (classify(v, bins) == ref.yb).all()


# --- issue 14: degenerate inputs, scale, islands, row order ------------------------------------------------


def test_moran_and_gi_star_at_1e200_equal_spdep_at_scale_1(columbus):
    """I and Gi* z are scale-invariant: values around 1e200 (or 1e-200) give spdep's numbers for scale 1."""
    col, w = columbus
    ref = pd.read_csv(REF / "columbus_moran_global.csv")
    ref = ref[(ref.variable == "CRIME") & (ref["style"] == "W")].set_index("assumption")
    local = pd.read_csv(REF / "columbus_local.csv")
    for scale in (1e200, 1e-200):
        big = col.assign(CRIME=col["CRIME"] * scale)
        r = hotspot.moran(big, "CRIME", w, by=None, id="POLYID", permutations=0).table.iloc[0]
        assert r["I"] == pytest.approx(ref.loc["randomization", "I"], abs=1e-10)
        assert r["z_rand"] == pytest.approx(ref.loc["randomization", "z"], abs=1e-8)
        assert r["z_norm"] == pytest.approx(ref.loc["normality", "z"], abs=1e-8)
        g = hotspot.gi_star(big, "CRIME", w, by=None, id="POLYID").to_frame()
        assert np.max(np.abs(g["z"] - local["CRIME_Gstar_B"])) < 1e-8
        assert g["value"].iloc[0] == col["CRIME"].iloc[0] * scale  # the table reports the values as given
        lm = hotspot.local_moran(big, "CRIME", w, by=None, id="POLYID", permutations=0).table
        assert np.max(np.abs(lm["z"] - local["CRIME_Z_cond"])) < 1e-8


def test_minimum_units_per_statistic():
    from libpysal.weights import W

    from spatialq._guards import InputError

    w2 = W({"a": ["b"], "b": ["a"]})
    two = pd.DataFrame({"adcode": ["a", "b", "a", "b"], "year": [2015, 2015, 2016, 2016], "v": [1.0, 2, 3, 5]})
    with pytest.raises(InputError, match=r"moran needs at least 4 units; there are 2 in 2015"):
        hotspot.moran(two, "v", w2)
    with pytest.raises(InputError, match=r"local_moran needs at least 3 units; there are 2 in 2015"):
        hotspot.local_moran(two, "v", w2)
    with pytest.raises(InputError, match=r"gi_star needs at least 3 units; there are 2 in 2015"):
        hotspot.gi_star(two, "v", w2)


def test_degenerate_permutation_distributions_are_never_reported():
    from libpysal.weights import W

    from spatialq._guards import InputError

    ids = list("abcde")
    complete = W({i: [j for j in ids if j != i] for i in ids})  # every unit linked to every other
    df = pd.DataFrame({"adcode": ids, "v": [1.0, 3, 2, 5, 4]})
    with pytest.raises(InputError, match="every permutation of 'v' gives the same I"):
        hotspot.moran(df, "v", complete, by=None)
    ring = W({"a": ["b", "d"], "b": ["a", "c"], "c": ["b", "d"], "d": ["c", "a"]})
    with pytest.raises(InputError, match="same I"):  # one non-zero value on a symmetric ring: I is fixed
        hotspot.moran(pd.DataFrame({"adcode": list("abcd"), "v": [0.0, 0, 0, 1]}), "v", ring, by=None)
    lm = hotspot.local_moran(df, "v", complete, by=None, seed=1).table
    assert (lm["z"] == 0).all() and (lm["p"] == 1).all() and (lm["p_sim"] == 1).all() and (lm["cluster"] == "ns").all()
    gi = hotspot.gi_star(df, "v", complete, by=None, breaks=None, permutations=99, seed=1).table
    assert (gi["z"] == 0).all() and (gi["p"] == 1).all() and (gi["gi_bin"] == 0).all() and (gi["p_sim"] == 1).all()


def test_unit_at_the_mean_is_never_significant():
    """z_i = 0: I_i = 0 under every permutation; p_sim used to be 1/(P + 1) (all ties folded to one side)."""
    from libpysal.weights import W

    path = W({"a": ["b"], "b": ["a", "c"], "c": ["b", "d"], "d": ["c"]})
    # 0.1 + 0.2 + 0.3 + 0.2 averages to 0.2 only up to rounding: b and d are at the mean
    for v in ([1.0, 2, 3, 2], [0.1, 0.2, 0.3, 0.2]):
        t = hotspot.local_moran(pd.DataFrame({"adcode": list("abcd"), "v": v}), "v", path, by=None, seed=1).table
        at_mean = t.set_index("id").loc[["b", "d"]]
        assert (at_mean["Ii"] == 0).all() and (at_mean["z"] == 0).all()
        assert (at_mean["p"] == 1).all() and (at_mean["p_sim"] == 1).all() and (at_mean["cluster"] == "ns").all()


def test_folded_pvalue_counts_ties_on_both_sides():
    from spatialq.hotspot._perm import folded_pvalue

    rng = np.random.default_rng(0)
    sims = rng.normal(size=999)
    for obs in (-2.5, -0.3, 0.0, 0.4, 3.0):  # no ties: esda's rule
        larger = (sims >= obs).sum()
        esda = (min(larger, 999 - larger) + 1) / 1000
        assert folded_pvalue(sims, obs, 999) == pytest.approx(esda)
    assert folded_pvalue(np.full(999, 0.25), 0.25, 999) == 1.0  # degenerate: p = 1, not 0.001
    assert folded_pvalue(np.full(999, 0.25 + 1e-17), 0.25, 999) == 1.0  # ties up to rounding


def test_one_island_policy_for_every_statistic(provinces):
    """gi_star used to give an island a z and a class while moran refused it: now every statistic refuses,
    under every transform, with the same words (docs/weights.md, "Islands")."""
    from spatialq import markov
    from spatialq._wmatrix import ISLAND_FIX

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = weights.contiguity(provinces, islands="nearest")
    neighbors = {k: [j for j in v if j != "460000"] for k, v in w.neighbors.items()}
    neighbors["460000"] = []
    from libpysal.weights import W

    island = W(neighbors, silence_warnings=True)
    ids = list(provinces.index)
    df = pd.DataFrame({"adcode": np.repeat(ids, 2), "year": np.tile([2020, 2021], 31),
                       "v": np.random.default_rng(0).lognormal(size=62)})
    calls = [lambda tr: hotspot.moran(df, "v", island, transform=tr),
             lambda tr: hotspot.local_moran(df, "v", island, transform=tr),
             lambda tr: markov.spatial_markov(df, "v", island, classes=3, transform=tr),
             lambda tr: markov.lisa_markov(df, "v", island, transform=tr)]
    for call in calls:
        for tr in ("r", "b", "o"):
            with pytest.raises(weights.IslandError) as err:
                call(tr)
            assert "460000" in str(err.value) and "2020" in str(err.value) and ISLAND_FIX in str(err.value)
    for tr in ("b", "o"):
        with pytest.raises(weights.IslandError, match="460000") as err:
            hotspot.gi_star(df, "v", island, transform=tr)
        assert ISLAND_FIX in str(err.value)
    with pytest.raises(weights.IslandError) as err:
        weights.contiguity(provinces, islands="raise")
    assert ISLAND_FIX in str(err.value)


def test_row_order_and_tiny_perturbations_do_not_change_lisa():
    """Shuffled rows and a 1e-15 relative change of the values (as from an upstream index computed in another
    row order) give the identical LISA table, p_sim included; the old code changed p_sim in about 20 of 124
    rows per perturbation, because exact ties between permuted and observed lags fell on one side."""
    from spatialq.datasets import ai_index_provinces

    ai = ai_index_provinces()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = weights.contiguity(geometry.provinces())
    ref = hotspot.local_moran(ai, "ai_index", w, seed=1).table
    assert list(zip(ref["id"], ref["period"])) == sorted(zip(ref["id"], ref["period"]))  # sorted by (id, period)
    for s in range(5):
        rng = np.random.default_rng(s)
        other = ai.assign(ai_index=ai["ai_index"] * (1 + 1e-15 * rng.choice([-1, 1], len(ai))))
        got = hotspot.local_moran(other.sample(frac=1, random_state=s), "ai_index", w, seed=1).table
        assert (got["p_sim"] == ref["p_sim"]).all()
        pd.testing.assert_frame_equal(got.drop(columns=["value", "Ii", "expectation", "variance", "z", "p"]),
                                      ref.drop(columns=["value", "Ii", "expectation", "variance", "z", "p"]))
        assert np.allclose(got["z"], ref["z"], rtol=1e-12, atol=1e-12)
    g = hotspot.gi_star(ai, "ai_index", w, permutations=99, seed=3).table
    g2 = hotspot.gi_star(ai.sample(frac=1, random_state=9), "ai_index", w, permutations=99, seed=3).table
    pd.testing.assert_frame_equal(g, g2)
    assert list(zip(g["id"], g["period"])) == sorted(zip(g["id"], g["period"]))


def test_multiindex_and_years_in_any_form(provinces, w_provinces):
    ids = list(provinces.index)
    df = pd.DataFrame({"adcode": np.repeat(ids, 2), "year": np.tile([2020, 2021], 31),
                       "v": np.random.default_rng(4).normal(size=62)})
    ref = hotspot.local_moran(df, "v", w_provinces, seed=2).table
    for other in (df.set_index(["adcode", "year"]), df.assign(year=df["year"].astype(str) + "年"),
                  df.assign(year=pd.to_datetime(df["year"].astype(str))), df.assign(year=df["year"].astype(float))):
        pd.testing.assert_frame_equal(hotspot.local_moran(other, "v", w_provinces, seed=2).table, ref)
    assert hotspot.moran(df.set_index(["adcode", "year"]), "v", w_provinces, seed=2).to_frame()["year"].tolist() == [
        2020, 2021]


def test_sparse_weights_follow_the_input_rows():
    """A scipy sparse matrix has no ids: its rows are the data's rows as given, also after the sort."""
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 100, (60, 2))
    m = weights.knn_sparse(xy, k=4)
    df = pd.DataFrame({"id": [f"u{i:02d}" for i in range(60)], "y": rng.normal(size=60)})
    ref = hotspot.gi_star(df, "y", m, by=None, id="id", breaks=None).table.set_index("id")
    order = rng.permutation(60)
    got = hotspot.gi_star(df.iloc[order], "y", m[order][:, order], by=None, id="id", breaks=None).table
    assert got["id"].is_monotonic_increasing
    assert np.allclose(got.set_index("id").loc[ref.index, "z"], ref["z"], atol=1e-12)


def test_sorted_input_takes_no_shortcut_in_the_numbers():
    """Input already in (id, period) order skips the sort and the duplicate search (the 9.6M-cell grid path):
    the tables equal those of the same data shuffled, and a repeated key in sorted input is still an error."""
    rng = np.random.default_rng(4)
    xy = rng.uniform(0, 100, (80, 2))
    m = weights.knn_sparse(xy, k=5)
    df = pd.DataFrame({"id": np.arange(80), "y": rng.normal(size=80)})
    fast = hotspot.gi_star(df, "y", m, by=None, id="id", permutations=49, seed=3, breaks=None).table
    order = rng.permutation(80)
    slow = hotspot.gi_star(df.iloc[order], "y", m[order][:, order], by=None, id="id", permutations=49, seed=3,
                           breaks=None).table
    pd.testing.assert_frame_equal(fast, slow)
    assert fast["bin_zh"].dtype == "category" and fast["gi_bin"].dtype == np.int8
    assert fast["bin_zh"].tolist() == [hotspot.getis.BIN_LABELS_ZH[b] for b in fast["gi_bin"]]
    panel = pd.DataFrame({"id": np.repeat(np.arange(80), 2), "year": np.tile([2020, 2021], 80),
                          "y": rng.normal(size=160)})
    from libpysal.weights import KNN

    w = KNN(xy, k=5)
    sorted_panel = hotspot.local_moran(panel, "y", w, id="id", permutations=49, seed=2).table
    shuffled = hotspot.local_moran(panel.iloc[rng.permutation(160)], "y", w, id="id", permutations=49, seed=2).table
    pd.testing.assert_frame_equal(sorted_panel, shuffled)
    dup = panel.copy()
    dup.loc[1, "year"] = 2020  # (0, 2020) twice, still in sorted order
    with pytest.raises(InputError, match=r"2 rows share an \(id, year\) key"):
        hotspot.local_moran(dup, "y", w, id="id")


def test_increasing_in_blocks_equals_diff():
    from spatialq.hotspot.moran import _increasing

    for a in ([], [1], [1, 2], [2, 1], list(range(10)), [0, 1, 1, 2], [0, 1, 2, 3, 2], [5, 6, 7, 8, 9, 10, 11, 0]):
        for block in (1, 2, 3, 4, 1 << 20):
            assert _increasing(np.array(a), block=block) == bool(np.all(np.diff(a) > 0)), (a, block)

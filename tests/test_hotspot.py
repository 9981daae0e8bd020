"""Moran's I, local Moran and Gi* against spdep 1.2-7 on Columbus (tests/reference/hotspot/)."""

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from libpysal import examples

from spatialq import geometry, hotspot, weights
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
    _, mean, sd = conditional_pvalues(z, m, ii, lambda rows, lg: (z[rows] / m2)[:, None] * lg,
                                      permutations=perms, seed=0)
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

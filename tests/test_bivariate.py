"""Bivariate Moran / LISA and differential Moran against R spdep 1.2-7 (tests/reference/hotspot/bivariate.R,
bivariate_global.csv, bivariate_local.csv, bivariate_versions.txt) and esda 2.8 on Columbus; exact
permutation moments checked by enumerating every permutation."""

import dataclasses
import itertools
import warnings
from pathlib import Path

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from libpysal import examples

from spatialq import hotspot, weights
from spatialq._guards import InputError

REF = Path(__file__).parent / "reference" / "hotspot"
PAIRS = [("CRIME", "HOVAL"), ("HOVAL", "CRIME"), ("CRIME", "INC")]


@pytest.fixture(scope="module")
def columbus():
    col = gpd.read_file(examples.get_path("columbus.shp")).set_index("POLYID")
    w = weights.contiguity(col, islands="raise")
    return col, w


@pytest.mark.parametrize("x,y", PAIRS)
@pytest.mark.parametrize("style,transform", [("W", "r"), ("B", "b")])
def test_global_equals_spdep_and_esda(columbus, x, y, style, transform):
    col, w = columbus
    ref = pd.read_csv(REF / "bivariate_global.csv")
    want = ref[(ref.x == x) & (ref.y == y) & (ref["style"] == style)]["I"].item()
    r = hotspot.bivariate_moran(col, x, y, w, by=None, id="POLYID", transform=transform, permutations=0)
    assert r.table["I"].item() == pytest.approx(want, abs=1e-12)
    e = esda.Moran_BV(col[x].to_numpy(), col[y].to_numpy(), w, transformation=transform.upper(), permutations=0)
    assert r.table["I"].item() == pytest.approx(e.I, abs=1e-12)


@pytest.mark.parametrize("x,y", PAIRS)
@pytest.mark.parametrize("style,transform", [("W", "r"), ("B", "b")])
def test_local_equals_spdep_and_esda(columbus, x, y, style, transform):
    col, w = columbus
    ref = pd.read_csv(REF / "bivariate_local.csv")
    r = hotspot.bivariate_local_moran(col, x, y, w, by=None, id="POLYID", transform=transform, permutations=0)
    got = r.to_frame().set_index("POLYID").loc[ref.POLYID]
    assert np.max(np.abs(got["Ii"].to_numpy() - ref[f"{x}_{y}_{style}_Ibvi"].to_numpy())) < 1e-12
    e = esda.Moran_Local_BV(col[x].to_numpy(), col[y].to_numpy(), w, transformation=transform.upper(),
                            permutations=0)
    assert np.max(np.abs(r.table["Ii"].to_numpy() - e.Is)) < 1e-12
    # quadrants as esda's q (1 HH, 2 LH, 3 LL, 4 HL)
    assert list(r.table["quadrant"]) == [{1: "HH", 2: "LH", 3: "LL", 4: "HL"}[q] for q in e.q]
    # the global statistic is the mean of the local ones over n − 1
    g = hotspot.bivariate_moran(col, x, y, w, by=None, id="POLYID", transform=transform, permutations=0)
    assert r.table["Ii"].sum() / (len(col) - 1) == pytest.approx(g.table["I"].item(), abs=1e-12)


def test_local_pseudo_p_agrees_with_spdep(columbus):
    """spdep draws with replacement (and another random stream): agreement within Monte Carlo error."""
    col, w = columbus
    r = hotspot.bivariate_local_moran(col, "CRIME", "HOVAL", w, by=None, id="POLYID", permutations=9999, seed=1)
    ref = pd.read_csv(REF / "bivariate_local.csv")
    assert np.max(np.abs(r.table["p_sim"].to_numpy() - ref["CRIME_HOVAL_W_Psim"].to_numpy())) < 0.1
    # the normal approximation from the exact conditional moments is close to the permutation p-values
    one_sided = r.table["p"].to_numpy() / 2
    assert np.corrcoef(one_sided, r.table["p_sim"])[0, 1] > 0.9


def test_local_pseudo_p_equals_the_exact_conditional_distribution():
    """On a 3 × 3 queen lattice every draw of a unit's neighbours can be enumerated (row-standardised equal
    weights: combinations suffice); p_sim at 9,999 draws is within Monte Carlo error of the exact folded
    p-value min(P(I* ≥ I), P(I* ≤ I)) — esda's and GeoDa's null."""
    from libpysal.weights import lat2W

    w = lat2W(3, 3, rook=False)
    rng = np.random.default_rng(5)
    df = pd.DataFrame({"adcode": list(w.id_order), "x": rng.normal(size=9), "y": rng.normal(size=9)})
    r = hotspot.bivariate_local_moran(df, "x", "y", w, by=None, permutations=9999, seed=2).table
    zx = (df.x - df.x.mean()) / df.x.std(ddof=1)
    zy = ((df.y - df.y.mean()) / df.y.std(ddof=1)).to_numpy()
    for i in range(9):
        k = len(w.neighbors[i])
        others = [j for j in range(9) if j != i]
        sims = np.array([zx[i] * zy[list(c)].mean() for c in itertools.combinations(others, k)])
        obs = r["Ii"].iloc[i]
        tol = 1e-9 * max(abs(obs), 1e-12)
        exact = min((sims >= obs - tol).mean(), (sims <= obs + tol).mean())
        assert abs(r["p_sim"].iloc[i] - exact) < 0.02, (i, r["p_sim"].iloc[i], exact)


def _tiny():
    ids = [f"u{i}" for i in range(6)]
    nb = {ids[0]: [ids[1], ids[2]], ids[1]: [ids[0], ids[3]], ids[2]: [ids[0], ids[3], ids[4]],
          ids[3]: [ids[1], ids[2], ids[5]], ids[4]: [ids[2], ids[5]], ids[5]: [ids[3], ids[4]]}
    from libpysal.weights import W

    w = W(nb, id_order=ids)
    df = pd.DataFrame({"adcode": ids, "x": [3.0, 1.0, 4.0, 1.5, 5.0, 9.0], "y": [2.0, 7.0, 1.0, 8.0, 2.5, 0.5]})
    return df, w


def test_global_moments_equal_enumeration():
    df, w = _tiny()
    r = hotspot.bivariate_moran(df, "x", "y", w, by=None, permutations=0).table.iloc[0]
    x, y = df["x"].to_numpy(), df["y"].to_numpy()
    ws = weights.standardize(w, "r")
    m = np.asarray(ws.full()[0])
    zx = (x - x.mean()) / x.std(ddof=1)
    zy = (y - y.mean()) / y.std(ddof=1)
    vals = np.array([zx @ (m @ zy[list(p)]) / (zx @ zx) for p in itertools.permutations(range(6))])
    assert r["I"] == pytest.approx(zx @ m @ zy / (zx @ zx), abs=1e-14)
    assert vals.mean() == pytest.approx(0.0, abs=1e-12)
    assert r["variance_rand"] == pytest.approx(vals.var(), rel=1e-10)


def test_local_moments_equal_enumeration():
    df, w = _tiny()
    r = hotspot.bivariate_local_moran(df, "x", "y", w, by=None, permutations=0).table
    x, y = df["x"].to_numpy(), df["y"].to_numpy()
    zx = (x - x.mean()) / x.std(ddof=1)
    zy = (y - y.mean()) / y.std(ddof=1)
    ws = weights.standardize(w, "r")
    m = np.asarray(ws.full()[0])
    for i in range(6):
        nbrs = np.flatnonzero(m[i])
        others = [j for j in range(6) if j != i]
        vals = np.array([zx[i] * (m[i, nbrs] @ zy[list(c)]) for c in itertools.permutations(others, len(nbrs))])
        assert r["expectation"].iloc[i] == pytest.approx(vals.mean(), abs=1e-12)
        assert r["variance"].iloc[i] == pytest.approx(vals.var(), rel=1e-10)


def test_global_pseudo_p_and_seed(columbus):
    col, w = columbus
    a = hotspot.bivariate_moran(col, "CRIME", "INC", w, by=None, id="POLYID", permutations=999, seed=3).table
    b = hotspot.bivariate_moran(col.iloc[::-1], "CRIME", "INC", w, by=None, id="POLYID", permutations=999,
                                seed=3).table
    pd.testing.assert_frame_equal(a, b)
    assert a["p_sim"].item() == 0.001  # strong negative association (z_rand ≈ −5)
    assert a["z_rand"].item() < -4
    assert abs(a["mean_sim"].item()) < 0.02  # E = 0 exactly


def test_panel_by_year_and_row_order():
    rng = np.random.default_rng(0)
    df, w = _tiny()
    panel = pd.concat([df.assign(year=yr, x=rng.normal(size=6), y=rng.normal(size=6)) for yr in (2020, 2021)])
    before = panel.copy()
    a = hotspot.bivariate_local_moran(panel, "x", "y", w, seed=2, permutations=99).to_frame()
    pd.testing.assert_frame_equal(panel, before)  # the input is not modified
    b = hotspot.bivariate_local_moran(panel.sample(frac=1, random_state=1), "x", "y", w, seed=2,
                                      permutations=99).to_frame()
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns[:2]) == ["adcode", "year"] and len(a) == 12
    for yr, part in panel.groupby("year"):
        one = hotspot.bivariate_local_moran(part, "x", "y", w, by=None, permutations=0).table
        assert np.allclose(a.loc[a.year == yr, "Ii"], one["Ii"], atol=1e-14)
    g = hotspot.bivariate_moran(panel, "x", "y", w, permutations=0).to_frame()
    assert list(g["year"]) == [2020, 2021]


def test_errors():
    df, w = _tiny()
    with pytest.raises(InputError, match="same column"):
        hotspot.bivariate_moran(df, "x", "x", w, by=None)
    with pytest.raises(InputError, match="'y' is constant"):
        hotspot.bivariate_local_moran(df.assign(y=1.0), "x", "y", w, by=None)
    with pytest.raises(InputError, match="at least 4"):
        hotspot.bivariate_moran(df.iloc[:3], "x", "y", weights.standardize(w, "b"), by=None)
    with pytest.raises(InputError, match="alpha"):
        hotspot.bivariate_local_moran(df, "x", "y", w, by=None, alpha=2)
    with pytest.raises(InputError, match="bare sparse matrix"):
        hotspot.bivariate_moran(df, "x", "y", w.sparse, by=None)
    with pytest.raises(InputError, match="bare sparse matrix"):
        hotspot.differential_moran(df.assign(year=2000), "x", w.sparse)


def test_clusters_follow_p_sim(columbus):
    col, w = columbus
    r = hotspot.bivariate_local_moran(col, "CRIME", "INC", w, by=None, id="POLYID", permutations=499, seed=5,
                                      alpha=0.05).table
    sig = r["p_sim"] <= 0.05
    assert (r.loc[sig, "cluster"] == r.loc[sig, "quadrant"]).all() and (r.loc[~sig, "cluster"] == "ns").all()
    assert sig.sum() > 3
    assert {"cluster_zh", "cluster_en"} <= set(r.columns)


def test_differential_moran_equals_moran_of_change(columbus):
    col, w = columbus
    rng = np.random.default_rng(4)
    base = col[["CRIME"]].rename_axis("POLYID").reset_index()
    panel = pd.concat([base.assign(year=2000, v=base.CRIME), base.assign(year=2005, v=base.CRIME * 0 + 5),
                       base.assign(year=2010, v=base.CRIME + rng.normal(0, 10, len(base)) + 100)])
    r = hotspot.differential_moran(panel, "v", w, id="POLYID", seed=1, permutations=99)
    change = panel[panel.year == 2010].set_index("POLYID")["v"] - panel[panel.year == 2000].set_index("POLYID")["v"]
    e = esda.Moran(change.loc[list(w.id_order)].to_numpy(), w, permutations=0)
    assert r.global_.table["I"].item() == pytest.approx(e.I, abs=1e-12)
    assert r.global_.table["z_rand"].item() == pytest.approx(e.z_rand, abs=1e-9)
    f = r.to_frame()
    assert list(f.columns[:4]) == ["POLYID", "start", "end", "change"]
    assert np.allclose(f.set_index("POLYID")["change"].loc[change.index], change, atol=1e-12)
    lm = hotspot.local_moran(change.rename("c").reset_index(), "c", w, by=None, id="POLYID", seed=1,
                             permutations=99).table
    assert np.array_equal(f["cluster"].to_numpy(), lm["cluster"].to_numpy())
    with pytest.raises(InputError, match="not observed in both"):
        hotspot.differential_moran(panel[~((panel.year == 2010) & (panel.POLYID == 3))], "v", w, id="POLYID")
    with pytest.raises(InputError, match="start=1999"):
        hotspot.differential_moran(panel, "v", w, id="POLYID", start=1999)


def test_results_convention_and_maps(columbus):
    import matplotlib

    matplotlib.use("Agg")
    from spatialq import geometry

    col, w = columbus
    r = hotspot.bivariate_local_moran(col, "CRIME", "INC", w, by=None, id="POLYID", permutations=99, seed=1)
    assert "Bivariate LISA" in r.summary()
    f = r.to_frame()
    f.loc[:, "Ii"] = 0
    assert not (r.table["Ii"] == 0).all()
    assert r.meta.method == "spatialq.hotspot.bivariate_local_moran"
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.alpha = 0.1
    g = hotspot.bivariate_moran(col, "CRIME", "INC", w, by=None, id="POLYID", permutations=99, seed=1)
    assert "Bivariate Moran" in g.summary()
    ax = g.plot()
    assert ax.get_title().startswith("Moran's I = ") and ax.get_ylabel() == "spatial lag of INC (standardised)"
    gdf = geometry.provinces()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wp = weights.contiguity(gdf)
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"adcode": gdf.index, "a": rng.normal(size=len(gdf)), "b": rng.normal(size=len(gdf))})
    rp = hotspot.bivariate_local_moran(df, "a", "b", wp, by=None, permutations=99, seed=1)
    ax = rp.plot(gdf=gdf, lang="en")
    assert len(ax.patches) + len(ax.collections) >= 1

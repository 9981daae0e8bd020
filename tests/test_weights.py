"""Spatial weights: the issue's facts, spdep and libpysal as oracles, brute-force definitions."""

import dataclasses
import warnings
from pathlib import Path

import libpysal
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import pairs

from spatialq import geometry, weights

REF = Path(__file__).parent / "reference" / "contiguity" / "poly2nb_pairs.csv"


def quiet(fn, *a, **k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*a, **k)


def test_province_queen_facts(w_provinces):
    w = w_provinces
    assert w.id_order == list(geometry.provinces().index)
    mainland_pairs = pairs(w) - {("440000", "460000")}
    assert len(mainland_pairs) == 68
    assert sorted(w.neighbors["110000"]) == ["120000", "130000"]
    assert sorted(w.neighbors["310000"]) == ["320000", "330000"]
    assert w.cardinalities["150000"] == 8 and w.cardinalities["610000"] == 8
    assert w.neighbors["460000"] == ["440000"]


def test_hainan_is_the_only_island(provinces):
    with pytest.raises(weights.IslandError) as err:
        weights.contiguity(provinces, islands="raise")
    assert "海南省 (460000)" in str(err.value) and "广东" not in str(err.value).split("Pass")[0]
    with pytest.warns(UserWarning, match=r"海南省 \(460000\) -> 广东省 \(440000\)"):
        weights.contiguity(provinces)
    with pytest.warns(UserWarning, match="dropping"):
        w = weights.contiguity(provinces, islands="drop")
    assert "460000" not in w.id_order and len(w.id_order) == 30
    w = weights.contiguity(provinces, islands={"460000": ["440000", "450000"]})
    assert sorted(w.neighbors["460000"]) == ["440000", "450000"] and "460000" in w.neighbors["450000"]
    with pytest.raises(weights.IslandError, match="not an id"):
        weights.contiguity(provinces, islands={"460000": ["999999"]})


@pytest.mark.parametrize("level", ["provinces", "prefectures", "counties"])
@pytest.mark.parametrize("rule", ["queen", "rook"])
def test_contiguity_equals_spdep_poly2nb(level, rule, request):
    """Reference: spdep 1.2-7 poly2nb(snap = 0) on the same shapes, tests/reference/contiguity/."""
    ref = pd.read_csv(REF, dtype=str)
    ref = ref[(ref["level"] == level) & (ref["rule"] == rule)]
    expected = {tuple(sorted(p)) for p in zip(ref["a"], ref["b"])}
    gdf = request.getfixturevalue(level)
    got = pairs(quiet(weights.contiguity, gdf, rule=rule, islands="nearest"))
    islands_links = got - expected  # links added by the island policy, which spdep does not make
    if rule == "queen":
        assert expected <= got
        # every extra pair is an added island/group link: not touching at all
        geoms = gdf.geometry
        assert all(not geoms[a].intersects(geoms[b]) for a, b in islands_links)
    else:
        # spdep's rook counts shared *coordinates* (>= 2); ours needs a shared segment.  They
        # differ only where two polygons touch at one point that is the start/end vertex of a
        # ring (stored twice): 盘龙区-西山区 in Kunming.
        only_spdep = expected - got
        geoms = gdf.geometry
        for a, b in only_spdep:
            shared = shapely.intersection(geoms[a].boundary, geoms[b].boundary)
            assert shared.geom_type == "Point"
            for code in (a, b):
                xy = shapely.get_coordinates(geoms[code])
                assert (xy == [shared.x, shared.y]).all(axis=1).sum() >= 2
        assert len(only_spdep) <= 1
        assert all(not geoms[a].intersects(geoms[b]) for a, b in islands_links)


def test_queen_and_rook_equal_libpysal(prefectures):
    ours_q = quiet(weights.contiguity, prefectures, islands="drop")
    lib_q = quiet(libpysal.weights.Queen.from_dataframe, prefectures, use_index=True, silence_warnings=True)
    lib_q_pairs = pairs(lib_q)
    assert pairs(ours_q) == lib_q_pairs
    ours_r = quiet(weights.contiguity, prefectures, rule="rook", islands="drop")
    lib_r = quiet(libpysal.weights.Rook.from_dataframe, prefectures, use_index=True, silence_warnings=True)
    assert pairs(ours_r) == pairs(lib_r)


def test_knn_equals_brute_force(provinces):
    w = weights.knn(provinces, k=4)
    xy = geometry.to_albers(provinces).geometry.centroid
    pts = np.column_stack([xy.x, xy.y])
    d = np.hypot(pts[:, None, 0] - pts[None, :, 0], pts[:, None, 1] - pts[None, :, 1])
    np.fill_diagonal(d, np.inf)
    ids = list(provinces.index)
    for i, code in enumerate(ids):
        assert set(w.neighbors[code]) == {ids[j] for j in np.argsort(d[i])[:4]}
    with pytest.raises(ValueError, match="k must be an integer"):
        weights.knn(provinces, k=31)


def test_inverse_distance_brute_force(provinces):
    w = weights.distance(provinces, kind="inverse", power=2)
    xy = geometry.to_albers(provinces).geometry.centroid
    a, b = "110000", "310000"
    d_km = np.hypot(xy[a].x - xy[b].x, xy[a].y - xy[b].y) / 1000
    assert w[a][b] == pytest.approx(d_km ** -2, rel=1e-12)
    assert len(w.neighbors[a]) == 30


def test_distance_band_and_islands(provinces):
    with pytest.raises(weights.IslandError, match="新疆"):
        weights.distance(provinces, kind="band", threshold_km=700)
    with pytest.warns(UserWarning, match="新疆"):
        w = weights.distance(provinces, kind="band", threshold_km=700, islands="nearest")
    assert all(v == 1.0 for ws in w.weights.values() for v in ws)
    g = weights.distance(provinces, kind="gaussian", bandwidth_km=500, threshold_km=1500)
    xy = geometry.to_albers(provinces).geometry.centroid
    d = np.hypot(xy["110000"].x - xy["120000"].x, xy["110000"].y - xy["120000"].y) / 1000
    assert g["110000"]["120000"] == pytest.approx(np.exp(-0.5 * (d / 500) ** 2))
    with pytest.raises(ValueError, match="threshold_km"):
        weights.distance(provinces, kind="band")


def test_economic_and_nested(provinces):
    rng = np.random.default_rng(1)
    ids = list(provinces.index)
    df = pd.DataFrame({"adcode": np.repeat(ids, 3), "year": np.tile([2019, 2020, 2021], 31),
                       "gdp_pc": rng.uniform(3, 20, 93)})
    before = df.copy()
    we = weights.economic(df, "gdp_pc")
    pd.testing.assert_frame_equal(df, before)
    m = df.groupby("adcode")["gdp_pc"].mean()
    assert we["110000"]["120000"] == pytest.approx(1 / abs(m["110000"] - m["120000"]))
    we2 = weights.economic(df, "gdp_pc", period=[2019])
    m2 = df[df.year == 2019].set_index("adcode")["gdp_pc"]
    assert we2["110000"]["120000"] == pytest.approx(1 / abs(m2["110000"] - m2["120000"]))
    wd = weights.distance(provinces, kind="inverse")
    wn = weights.nested(wd, we, phi=0.3)
    dense = wn.full()[0]
    assert np.allclose(dense.sum(axis=1), 1.0)
    rd = weights.standardize(wd, "r").full()[0]
    re_ = weights.standardize(we, "r").full()[0]
    assert np.allclose(dense, 0.3 * rd + 0.7 * re_)
    dup = df.copy()
    dup.loc[dup.adcode == "120000", "gdp_pc"] = m["110000"]
    with pytest.raises(ValueError, match="same mean"):
        weights.economic(dup, "gdp_pc")


def test_standardize_returns_copy(w_provinces):
    r = weights.standardize(w_provinces, "r")
    assert np.allclose(r.sparse.sum(axis=1), 1.0)
    assert w_provinces.transform.upper() == "O"
    assert all(v == 1.0 for ws in w_provinces.weights.values() for v in ws)


def test_ids_from_column_and_row_order(provinces):
    shuffled = provinces.sample(frac=1.0, random_state=3).reset_index()
    w = quiet(weights.contiguity, shuffled, id="adcode")
    assert w.id_order == shuffled["adcode"].tolist()
    assert sorted(w.neighbors["110000"]) == ["120000", "130000"]


def test_gal_gwt_round_trip(tmp_path, w_provinces, provinces):
    path = weights.save(w_provinces, tmp_path / "prov.gal")
    back = weights.load(path)
    assert back.id_order == w_provinces.id_order and pairs(back) == pairs(w_provinces)
    assert isinstance(back.id_order[0], str)
    wd = weights.distance(provinces, kind="inverse")
    with pytest.raises(ValueError, match="binary"):
        weights.save(wd, tmp_path / "d.gal")
    back = weights.load(weights.save(wd, tmp_path / "d.gwt"))
    assert back["110000"]["310000"] == pytest.approx(wd["110000"]["310000"])


def test_describe_result(w_provinces):
    d = weights.describe(w_provinces)
    assert d.n_links == 138 and d.n_components == 1 and d.islands == () and d.symmetric
    text = d.summary()
    assert "units: 31" in text and repr(d) == text
    f = d.to_frame()
    assert list(f.columns) == ["id", "n_neighbors", "neighbors"] and f["n_neighbors"].sum() == 138
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.n_links = 3


def test_prefecture_and_county_groups_connected(prefectures):
    with pytest.warns(UserWarning, match=r"group of 19 units"):
        w = weights.contiguity(prefectures)
    assert weights.describe(w).n_components == 1


def test_bad_input():
    with pytest.raises(TypeError, match="GeoDataFrame"):
        weights.contiguity(pd.DataFrame({"a": [1]}))
    with pytest.raises(ValueError, match="rule must be"):
        weights.contiguity(geometry.provinces(), rule="bishop")


# --- issue 14 ---------------------------------------------------------------------------------------------


def test_economic_means_equal_up_to_rounding_are_refused():
    """Henan and Sichuan in the bundled AI index: 0.97 + 3.20 + 2.61 + 6.83 and 0.39 + 2.41 + 3.59 + 7.22
    both make 13.61, but their means differ by one unit in the last digit, escaped the `diff == 0` guard and
    got a weight of 2.25e15 (the whole row after row-standardisation)."""
    from spatialq._guards import InputError
    from spatialq.datasets import ai_index_provinces

    ai = ai_index_provinces()
    m = ai["ai_index"].groupby(ai["adcode"].to_numpy(), sort=False).mean()  # as the old code averaged
    assert m["410000"] != m["510000"] and m["410000"] == pytest.approx(m["510000"], rel=1e-15)
    with pytest.raises(InputError, match=r"'410000' and '510000' .* same mean of 'ai_index'"):
        weights.economic(ai, "ai_index")
    # one year is fine, and years in any form select it
    w = weights.economic(ai, "ai_index", period=[2022])
    assert w.id_order == list(dict.fromkeys(ai["adcode"]))  # the frame's order
    assert max(max(v) for v in w.weights.values()) < 100
    w2 = weights.economic(ai.assign(year=ai["year"].astype(str) + "年"), "ai_index", period=["2022"])
    assert pairs(w2) == pairs(w) and w2["110000"]["120000"] == pytest.approx(w["110000"]["120000"])
    shuffled = weights.economic(ai.sample(frac=1, random_state=0), "ai_index", period=[2022])
    assert shuffled["110000"]["120000"] == w["110000"]["120000"]


def test_builders_need_two_units(provinces):
    from spatialq._guards import InputError

    one = provinces.iloc[[0]]
    for call in (lambda: weights.contiguity(one), lambda: weights.contiguity(one, islands="drop"),
                 lambda: weights.knn(one, k=1), lambda: weights.distance(one),
                 lambda: weights.economic(pd.DataFrame({"adcode": ["110000"], "g": [1.0]}), "g")):
        with pytest.raises(InputError, match=r"needs at least 2 units; there is 1"):
            call()


@pytest.mark.parametrize("text,line,words", [
    ("3\n1 1\n2\n2 x\n1\n3 1\n2\n", 4, "expected 'id number_of_neighbours', got '2 x'"),
    ("3\n1 2\n2\n2 1\n1\n3 1\n2\n", 3, "unit '1' should have 2 neighbours"),
    ("3\n1 1\n2\n2 1\n1\n", None, "the header says 3 units but the file has 2"),
    ("three\n1 1\n2\n", 1, "expected a header with the number of units"),
    ("2\n1 1\n7\n2 1\n1\n", None, "not units of the file: ['7']"),
    ("", None, "the file is empty"),
])
def test_broken_gal_names_file_and_line(tmp_path, text, line, words):
    from spatialq._guards import InputError

    path = tmp_path / "broken.gal"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        weights.load(path)
    msg = str(err.value)
    assert str(path) in msg and words in msg and (line is None or f"line {line}:" in msg)


def test_broken_gwt_names_file_and_line(tmp_path):
    from spatialq._guards import InputError

    path = tmp_path / "broken.gwt"
    path.write_text("0 2 shp id\n1 2 0.5\n2 1 abc\n")
    with pytest.raises(InputError, match=r"broken.gwt, line 3: the weight 'abc' is not a number"):
        weights.load(path)
    path.write_text("0 2 shp id\n1 2 0.5\n2 1\n")
    with pytest.raises(InputError, match=r"line 3: expected 'origin destination weight'"):
        weights.load(path)


def test_load_reads_libpysal_example_files_as_libpysal_does():
    for name in ("columbus.gal", "states48.gal", "juvenile.gwt"):
        path = libpysal.examples.get_path(name)
        ours = weights.load(path)
        theirs = quiet(lambda p: libpysal.io.open(p).read(), path)
        assert {str(k): sorted(map(str, v)) for k, v in theirs.neighbors.items()} == \
            {k: sorted(v) for k, v in ours.neighbors.items()}
        for k, nb in theirs.neighbors.items():
            for j, wt in zip(nb, theirs.weights[k]):
                assert ours[str(k)][str(j)] == pytest.approx(wt)


def test_aligned_drops_the_diagonal_like_setdiag():
    """``_wmatrix._drop_diagonal`` (no CSR → COO round trip) equals ``setdiag(0)`` + ``eliminate_zeros`` with and
    without stored diagonal entries, duplicates and explicit zeros."""
    import scipy.sparse as sp

    from spatialq._wmatrix import _drop_diagonal

    rng = np.random.default_rng(3)
    for extra in (None, sp.eye(300, format="csr"), sp.diags(rng.uniform(size=300), format="csr")):
        a = sp.random(300, 300, density=0.02, format="csr", random_state=4)
        if extra is not None:
            a = a + extra
        a.data[::7] = 0.0
        ref = a.copy()
        ref.setdiag(0.0)
        ref.eliminate_zeros()
        got = a.copy()
        _drop_diagonal(got)
        assert got.nnz == ref.nnz and (got != ref).nnz == 0 and not got.diagonal().any()

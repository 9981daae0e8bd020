"""Write the statistics-bureau-layout fixtures in this folder (synthetic numbers, seeded).

Run ``python tests/data/nbs/make_fixtures.py [OUT_DIR]``; without an argument it writes next to
this script.  Every number is made up (a seeded random walk around rough magnitudes): the files
reproduce the *layout* of 国家统计局 分省年度数据 exports, not their data.  The output is
byte-identical on every run (the .xlsx has fixed zip timestamps and document dates).

Files
-----
gdp_nbs.csv
    UTF-8 with BOM, CRLF.  Two title lines (数据库：分省年度数据, 时间：最近10年), header
    ``地区,2024年,…,2015年`` (descending), 31 provinces with full names, every cell padded with
    a trailing tab, a trailing comma on every line, the 2024年 column empty (not yet published),
    a blank line, then two footnotes (注：…, 数据来源：国家统计局).
population_nbs_gb18030.csv
    GB18030, no BOM, CRLF.  Three title lines (数据库, 指标：年末常住人口(万人), 时间：2015-2023),
    header ``地区,2023年,…,2015年``, names padded with tabs, no trailing commas, one missing
    cell (西藏自治区 2015年), a blank line, footnotes with an ASCII colon (注:…) and 数据来源：….
    Many values lie between 1800 and 2199, so data rows look like rows of years.
gdp_nbs.xlsx
    The numbers of gdp_nbs.csv as a workbook: title rows 1-2 (merged across the table), header in
    row 3, data rows 4-34, 2024年 empty, a blank row, footnotes in rows 36-37.
urban_short_names.csv
    Plain wide layout, UTF-8 without BOM, LF: header ``省份,2015年,…,2023年`` (ascending), short
    names (上海, 内蒙古, 新疆 …) in shuffled order, urbanisation rate in per cent.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from datetime import datetime
from pathlib import Path

import numpy as np
import openpyxl

FULL = ["北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省", "上海市", "江苏省",
        "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "广西壮族自治区",
        "海南省", "重庆市", "四川省", "贵州省", "云南省", "西藏自治区", "陕西省", "甘肃省", "青海省",
        "宁夏回族自治区", "新疆维吾尔自治区"]
SHORT = ["北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江", "安徽", "福建",
         "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州", "云南", "西藏", "陕西",
         "甘肃", "青海", "宁夏", "新疆"]
# rough 2015 magnitudes, made up: GDP (亿元), population (万人), urbanisation rate (%)
GDP_2015 = [23000, 16500, 26000, 12000, 16000, 22000, 11000, 11500, 25000, 70000, 43000, 22000, 26000, 16700,
            55000, 37000, 29500, 28900, 72800, 16800, 3700, 15700, 30000, 10500, 13600, 1000, 18000, 6800, 2400,
            2900, 9300]
POP_2015 = [2170, 1550, 7420, 3660, 2510, 4380, 2750, 3810, 2415, 7980, 5540, 6140, 3840, 4570, 9850, 9530, 5850,
            6780, 10850, 4800, 910, 3020, 8200, 3530, 4740, 324, 3850, 2520, 590, 670, 2360]
URBAN_2015 = [86.5, 82.6, 51.3, 55.0, 60.3, 67.4, 55.3, 58.8, 87.6, 66.5, 65.8, 50.5, 62.6, 51.6, 57.0, 46.9, 56.9,
              50.9, 68.7, 47.1, 55.1, 60.9, 47.7, 42.0, 43.3, 27.7, 53.9, 43.2, 50.3, 55.2, 47.2]
YEARS = list(range(2015, 2024))
NOTES = ["注：地区生产总值按当年价格计算；2024年数据尚未发布。", "数据来源：国家统计局"]
FIXED = datetime(2024, 1, 1)


def _walk(rng: np.random.Generator, base: list[float], mean: float, sd: float) -> np.ndarray:
    """Values for YEARS (columns) per province (rows): a jittered base times cumulative random growth."""
    growth = 1 + rng.normal(mean, sd, size=(len(base), len(YEARS)))
    growth[:, 0] = 1 + rng.normal(0, 0.02, size=len(base))  # the base year itself is not round
    return np.asarray(base, float)[:, None] * np.cumprod(growth, axis=1)


def tables() -> dict[str, np.ndarray]:
    """The synthetic values, provinces in FULL order, years in YEARS order."""
    rng = np.random.default_rng(20240101)
    gdp = np.round(_walk(rng, GDP_2015, 0.065, 0.02), 1)
    pop = np.round(_walk(rng, POP_2015, 0.003, 0.004)).astype(int)
    urban = np.minimum(np.round(np.asarray(URBAN_2015)[:, None] + np.cumsum(
        np.hstack([np.zeros((31, 1)), rng.normal(1.0, 0.3, size=(31, len(YEARS) - 1))]), axis=1), 1), 95.0)
    order = rng.permutation(31)
    return {"gdp": gdp, "population": pop, "urban": urban, "urban_order": order}


def gdp_csv(t: dict[str, np.ndarray]) -> bytes:
    desc = YEARS[::-1]
    lines = ["数据库：分省年度数据,", "时间：最近10年,", ",".join(f"{c}\t" for c in ["地区", "2024年"] +
                                                           [f"{y}年" for y in desc]) + ","]
    for i, name in enumerate(FULL):
        cells = [f"{name}\t", ""] + [f"{t['gdp'][i, YEARS.index(y)]:.1f}\t" for y in desc]
        lines.append(",".join(cells) + ",")
    lines += ["", *(f"{n}," for n in NOTES)]
    return "\ufeff".encode() + "\r\n".join(lines).encode("utf-8") + b"\r\n"


def population_csv(t: dict[str, np.ndarray]) -> bytes:
    desc = YEARS[::-1]
    lines = ["数据库：分省年度数据", "指标：年末常住人口(万人)", "时间：2015-2023",
             ",".join(["地区"] + [f"{y}年" for y in desc])]
    for i, name in enumerate(FULL):
        cells = [f"{name}\t"] + [str(t["population"][i, YEARS.index(y)]) for y in desc]
        if name == "西藏自治区":
            cells[-1] = ""
        lines.append(",".join(cells))
    lines += ["", "注:1. 年末常住人口为抽样调查推算数。", "数据来源：国家统计局"]
    return "\r\n".join(lines).encode("gb18030") + b"\r\n"


def urban_csv(t: dict[str, np.ndarray]) -> bytes:
    lines = [",".join(["省份"] + [f"{y}年" for y in YEARS])]
    for i in t["urban_order"]:
        lines.append(",".join([SHORT[i]] + [f"{v:.1f}" for v in t["urban"][i]]))
    return ("\n".join(lines) + "\n").encode("utf-8")


def gdp_xlsx(t: dict[str, np.ndarray]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    desc = YEARS[::-1]
    ws.append(["数据库：分省年度数据"])
    ws.append(["时间：最近10年"])
    ws.merge_cells("A1:K1")
    ws.merge_cells("A2:K2")
    ws.append(["地区", "2024年"] + [f"{y}年" for y in desc])
    for i, name in enumerate(FULL):
        ws.append([name, None] + [float(t["gdp"][i, YEARS.index(y)]) for y in desc])
    ws.append([])
    for n in NOTES:
        ws.append([n])
    wb.properties.created = FIXED
    buf = io.BytesIO()
    wb.save(buf)
    return _fixed_zip(buf.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The same workbook with fixed timestamps, so the bytes do not depend on the day."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2024-01-01T00:00:00Z", body)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0)), body,
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def write(out: Path) -> list[Path]:
    """Write every fixture into ``out``; return the paths."""
    t = tables()
    files = {"gdp_nbs.csv": gdp_csv(t), "population_nbs_gb18030.csv": population_csv(t),
             "gdp_nbs.xlsx": gdp_xlsx(t), "urban_short_names.csv": urban_csv(t)}
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in files.items():
        (out / name).write_bytes(data)
        paths.append(out / name)
    return paths


if __name__ == "__main__":
    for p in write(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent):
        print(p)

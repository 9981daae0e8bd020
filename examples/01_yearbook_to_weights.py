"""From a messy yearbook table to adcodes, a checked panel, a map and a weights matrix.

Run: python examples/01_yearbook_to_weights.py   (outputs in ./example-out or $SPATIALQ_EXAMPLE_OUT)
"""

import os
import warnings
from pathlib import Path

import pandas as pd

from spatialq import geometry, weights
from spatialq.paneldata import check_panel, wide_to_long
from spatialq.plot import china_map

out = Path(os.environ.get("SPATIALQ_EXAMPLE_OUT", "example-out"))
out.mkdir(parents=True, exist_ok=True)

# A wide yearbook-style table as it is typed: mixed spellings, traditional characters, a year per column.
# The numbers are illustrative (roughly the size of per-capita GDP in 10,000 yuan), not official statistics.
wide = pd.DataFrame({
    "地区": ["北京市", "天津", "河北省", "山西", "内蒙古自治区", "辽宁省", "吉林", "黑龙江省", "上海", "江苏省",
           "浙江", "安徽省", "福建", "江西省", "山東", "河南省", "湖北", "湖南省", "广东", "广西壮族自治区",
           "海南", "重庆市", "四川", "贵州省", "云南", "西藏", "陕西省", "甘肃", "青海省", "宁夏", "新疆维吾尔自治区"],
    "2019年": [16.4, 14.1, 4.6, 4.5, 6.8, 5.8, 4.3, 3.6, 15.8, 12.4, 10.8, 5.8, 10.7, 5.3, 7.0, 5.6, 7.7, 5.8,
              9.4, 4.3, 5.7, 7.6, 5.6, 4.6, 4.8, 4.8, 6.7, 3.3, 4.9, 5.4, 5.4],
    "2020年": [16.5, 10.2, 4.8, 5.1, 7.2, 5.9, 5.15, 4.3, 15.6, 12.5, 10.1, 6.3, 10.6, 5.7, 7.2, 5.5, 7.4, 6.35,
              8.8, 4.4, 5.5, 7.8, 5.8, 4.6, 5.2, 5.3, 6.6, 3.6, 5.15, 5.5, 5.3],
})
long = wide_to_long(wide, id="地区", value_name="gdp_per_capita_10k_yuan")
long["adcode"] = geometry.match(long["地区"], level="province")
print(check_panel(long).summary())

# Join onto the boundaries and map the latest year with the four NBS regions as context.
prov = geometry.provinces()
latest = long[long["year"] == 2020].set_index("adcode")["gdp_per_capita_10k_yuan"]
prov["gdp_pc_2020"] = latest
ax = china_map(prov, "gdp_pc_2020", scheme="quantiles", k=5, labels="short", title="人均GDP（万元，2020，五分位）")
ax.figure.savefig(out / "gdp_pc_2020.png", dpi=150, bbox_inches="tight")

# Weights: queen contiguity (Hainan linked to Guangdong), economic distance, and their nest.
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    w_queen = weights.contiguity(prov)
print(*(str(c.message) for c in caught), sep="\n")
w_econ = weights.economic(long, "gdp_per_capita_10k_yuan")
w_dist = weights.distance(prov, kind="inverse")
w_nest = weights.nested(w_dist, w_econ, phi=0.5)
print(weights.describe(w_queen).summary())
weights.save(w_queen, out / "provinces_queen.gal")
weights.save(w_nest, out / "provinces_nested.gwt")
print("written to", out)

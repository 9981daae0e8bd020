"""Exercise 1 — From a messy yearbook table to a spatial weights matrix.

题目：下面这张"年鉴表"里的省份名称写法五花八门（简称、全称、繁体、英文）。
(1) 把名称匹配到行政区划代码；(2) 构造 Queen 邻接权重，海南没有陆地邻居，看看 spatialq 把它连到了哪里；
(3) 行标准化后检查每行之和；(4) 与 k = 4 最近邻权重比较：哪些省份的邻居数变化最大？

Task: match the messy province names to adcodes, build queen contiguity (what happens to Hainan?),
row-standardise, and compare with 4-nearest-neighbour weights.

Solution below; run: python examples/exercises/ex01_names_and_weights.py
"""

import warnings

import numpy as np
import pandas as pd

from spatialq import geometry, weights

table = pd.DataFrame({"地区": ["北京", "天津市", "河北省", "山西", "內蒙古自治區", "Liaoning", "吉林", "黑龙江省",
                             "上海",
                             "江苏", "浙江省", "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东",
                             "广西壮族自治区", "海南省", "重庆", "四川", "贵州", "云南", "西藏", "Shaanxi", "甘肃",
                             "青海", "宁夏", "新疆"]})

# (1) names -> adcodes
table["adcode"] = geometry.match(table["地区"], level="province")
assert table["adcode"].str.fullmatch(r"\d{6}").all() and table["adcode"].is_unique
assert table.loc[table["地区"] == "Shaanxi", "adcode"].item() == "610000"  # 陕西, not 山西 (140000)

# (2) queen contiguity; Hainan is linked to the nearest province by boundary distance, with a warning
prov = geometry.provinces()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    w = weights.contiguity(prov)
print("warning:", caught[0].message)
assert w.neighbors["460000"] == ["440000"]  # Hainan -> Guangdong

# (3) row-standardised copy; the original stays binary
wr = weights.standardize(w, "r")
sums = np.asarray(wr.sparse.sum(axis=1)).ravel()
assert np.allclose(sums, 1.0)
assert set(np.unique(w.sparse.data)) == {1.0}  # the original W is still binary

# (4) compare with k = 4 nearest neighbours (centroids)
k4 = weights.knn(prov, k=4)
diff = pd.Series({i: len(w.neighbors[i]) - 4 for i in w.id_order}).sort_values()
names = prov["name_zh"]
print("most neighbours lost by knn (queen − 4):", [(names[i], int(d)) for i, d in diff.tail(3).items()])
assert diff.max() == 4  # Inner Mongolia and Shaanxi have 8 queen neighbours
assert set(k4.cardinalities.values()) == {4}

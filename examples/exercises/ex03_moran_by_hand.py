"""Exercise 3 — Moran's I by hand, LISA clusters and Gi* hot spots.

题目：以人工智能发展指数（王佳婷等，区域经济评论 2025(3)，表 2）为例：(1) 用行标准化的 Queen 权重手算
2022 年全局 Moran's I = (n/S0)·z'Wz/z'z，与 hotspot.moran 对照；(2) 做 LISA，列出"低-低"集聚的省份；
(3) 做 Gi*（spdep include.self 口径）：按 ArcGIS 置信度分箱有没有显著冷点？按自然断点分五类
（冷点…热点，很多论文的做法）时，LISA 的低-低区是否都落在"冷点"类？这两种口径的差别说明了什么？

Task: compute global Moran's I by hand, then LISA and Gi* for 2022, and compare the clusters.
"""

import os
import warnings
from pathlib import Path

import numpy as np

from spatialq import geometry, hotspot, weights
from spatialq.datasets import ai_index_provinces

out = Path(os.environ.get("SPATIALQ_EXAMPLE_OUT", "example-out"))
out.mkdir(parents=True, exist_ok=True)
ai = ai_index_provinces()
prov = geometry.provinces()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    w = weights.contiguity(prov)

# (1) by hand, rows in the order of w.id_order
y = ai[ai.year == 2022].set_index("adcode").loc[w.id_order, "ai_index"].to_numpy()
W = weights.standardize(w, "r").sparse.toarray()
z = y - y.mean()
i_hand = len(y) / W.sum() * (z @ W @ z) / (z @ z)
mi = hotspot.moran(ai, "ai_index", w, seed=1).to_frame().set_index("year")
print(f"Moran's I 2022: by hand {i_hand:.6f}, spatialq {mi.loc[2022, 'I']:.6f}, p_sim {mi.loc[2022, 'p_sim']:.3f}")
assert np.isclose(i_hand, mi.loc[2022, "I"], atol=1e-12)

# (2) LISA clusters (conditional permutation, 999 draws, seeded)
lisa = hotspot.local_moran(ai, "ai_index", w, seed=1).to_frame()
ll = lisa[(lisa.year == 2022) & (lisa.cluster == "LL")]["adcode"]
print("低-低:", list(prov.loc[ll, "name_zh"]))
assert len(ll) > 0

# (3) Gi*: significance bins (ArcGIS) versus natural-breaks classes (冷点 … 热点)
gi = hotspot.gi_star(ai, "ai_index", w).to_frame()
g22 = gi[gi.year == 2022].set_index("adcode")
print("significant cold spots (90 %+):", list(prov.loc[g22.index[g22.gi_bin < 0], "name_zh"]))
print("natural-breaks 冷点:", list(prov.loc[g22.index[g22["class"] == 1], "name_zh"]))
assert (g22.loc[ll, "class"] == 1).all()
# Natural breaks always produce a 冷点 class, significant or not: say which convention a map uses.
ax = hotspot.gi_star(ai, "ai_index", w).plot(gdf=prov, period=2022, title="Gi*（2022）")
ax.figure.savefig(out / "ex03_gi_star.png", dpi=100)

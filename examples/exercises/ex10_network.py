"""Exercise 10 — A spatial association network of innovation: gravity model, measures by hand, blocks, QAP.

题目：用修正引力模型构建 31 个省份创新的空间关联网络（合成数据）。
(1) 质量取创新产出与人均 GDP 的几何平均，距离取"经济距离"（地理距离 ÷ 人均 GDP 之差），
    k_ij = 创新_i /(创新_i + 创新_j)；按行均值二值化；
(2) 手工计算 2022 年的网络密度 L/(n(n−1))、各省点出度/点入度、接近中心度 (n−1)/Σd，与 network.measures 对照；
(3) CONCOR 块模型：四个板块各是什么角色（净溢出、净受益、双向溢出、经纪人）？期望内部关系比例 (g_k−1)/(g−1) 是多少？
(4) QAP：创新关联网络与地理邻接矩阵、人均 GDP 差异矩阵相关吗？用 MRQAP（双重半偏）回归并解释置换 p 值。

Task: build an innovation association network with the modified gravity model, recompute its density,
degrees and closeness by hand, read the CONCOR block roles, and explain it by geographic adjacency and
income gaps with QAP regression.
"""

import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import shortest_path

from spatialq import geometry, network, weights
from spatialq.datasets import synthetic_urbanisation

out = Path(os.environ.get("SPATIALQ_EXAMPLE_OUT", "example-out"))
out.mkdir(parents=True, exist_ok=True)

df = synthetic_urbanisation("province")
df["gdp_pc"] = np.exp(df["ln_gdp_pc"])  # 10^4 yuan per person (synthetic)

# (1) the network, one per year
net = network.gravity(df, ["innovation", "gdp_pc"], share="innovation", distance="economic",
                      gdp_per_capita="gdp_pc")
k = net.periods.index(2022)
a = np.asarray(net.adjacency[k])
n = len(net.ids)

# (2) by hand
L = int(a.sum())
density = L / (n * (n - 1))
out_deg, in_deg = a.sum(axis=1), a.sum(axis=0)
d = shortest_path(a, method="D", unweighted=True)          # directed geodesic distances i -> j
with np.errstate(divide="ignore"):
    closeness_out = np.where(np.isfinite(d).all(axis=1), (n - 1) / d.sum(axis=1), 0.0)  # 0 if some unit unreachable
m = network.measures(net)
whole = m.network.set_index("year").loc[2022]
nodes = m.to_frame().query("year == 2022").set_index("adcode").loc[list(net.ids)]
assert whole["edges"] == L and abs(whole["density"] - density) < 1e-12
assert (nodes["out_degree"].to_numpy() == out_deg).all() and (nodes["in_degree"].to_numpy() == in_deg).all()
assert np.allclose(nodes["closeness_out"].to_numpy(), closeness_out, atol=1e-12)
names = df.drop_duplicates("adcode").set_index("adcode")["name"]
print(f"2022: {L} arcs, density {density:.4f}; Krackhardt connectedness {whole['connectedness']:.3f}, "
      f"hierarchy {whole['hierarchy']:.3f}, efficiency {whole['efficiency']:.3f}")
top = nodes.assign(name=[names.get(i, i) for i in nodes.index]).sort_values("out_degree", ascending=False)
print("most outgoing links:", ", ".join(f"{r.name} {r.out_degree}" for r in top.head(5).itertuples()))
m.network.to_csv(out / "ex10_network_measures.csv", index=False, encoding="utf-8-sig")

# (3) CONCOR blocks and their roles
b = network.blocks(net, period=2022)
g = b.roles["size"].to_numpy()
assert np.allclose(b.roles["expected_internal_ratio"], (g - 1) / (n - 1))
assert g.sum() == n
print(b.roles[["block", "size", "expected_internal_ratio", "actual_internal_ratio", "role_zh"]].to_string(index=False))

# (4) QAP: the network against geographic adjacency and the income gap
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Hainan is linked to Guangdong
    w = weights.contiguity(geometry.provinces())
ids = list(net.ids)
adj = pd.DataFrame(0.0, index=ids, columns=ids)
for i, nbrs in w.neighbors.items():
    adj.loc[i, list(nbrs)] = 1.0
g22 = df[df["year"] == 2022].set_index("adcode").loc[ids, "gdp_pc"].to_numpy()
gap = pd.DataFrame(np.abs(g22[:, None] - g22[None, :]), index=ids, columns=ids)
y = pd.DataFrame(a, index=ids, columns=ids)
q = network.mrqap(y, {"adjacent": adj, "gdp_pc_gap": gap}, permutations=999, seed=2022)
print(q.summary())
r = q.params.set_index("term")
# the coefficients are plain OLS on the off-diagonal cells: check by hand
off = ~np.eye(n, dtype=bool)
X = np.column_stack([np.ones(off.sum()), adj.to_numpy()[off], gap.to_numpy()[off]])
beta = np.linalg.lstsq(X, a[off], rcond=None)[0]
assert np.allclose(r.loc[["adjacent", "gdp_pc_gap"], "coef"].to_numpy(), beta[1:], atol=1e-10)
q.to_frame().to_csv(out / "ex10_mrqap.csv", index=False, encoding="utf-8-sig")

"""Regional gaps in the AI development index of 31 provinces (2011–2022), as a paper would show them.

Data: spatialq.datasets.ai_index_provinces() — Wang Jiating et al., 区域经济评论 2025(3), Table 2
(entropy score × 100). Regions: the three belts with Tibet (East 11 / Central 8 / West 12), as in
the paper. Produces the Dagum Gini table (overall, within, between, contribution shares), Theil
indices, σ- and β-convergence, and kernel-density curves and surface.

Run: python examples/02_ai_index_inequality.py   (outputs in ./example-out or $SPATIALQ_EXAMPLE_OUT)
"""

import os
from pathlib import Path

import matplotlib.pyplot as plt

from spatialq import density, geometry, inequality
from spatialq.datasets import ai_index_provinces

out = Path(os.environ.get("SPATIALQ_EXAMPLE_OUT", "example-out"))
out.mkdir(parents=True, exist_ok=True)

ai = ai_index_provinces()
belts = geometry.regions("three")  # 东部 11, 中部 8, 西部 12

# 1. Dagum Gini decomposition: the table papers print
dagum = inequality.dagum_gini(ai, "ai_index", belts)
print(dagum.summary())
table = dagum.paper_table()
print(table.round(4).to_string(index=False))
table.round(4).to_csv(out / "dagum_gini_ai_index.csv", index=False, encoding="utf-8-sig")
ax = dagum.plot()
ax.set_title("AI 发展指数的基尼系数")
ax.figure.savefig(out / "dagum_gini.png", dpi=150, bbox_inches="tight")
plt.close(ax.figure)

# 2. Theil T with the belt decomposition, and the coefficient of variation
print(inequality.theil(ai, "ai_index", belts).summary())
print(inequality.cv(ai, "ai_index").round(4).to_string(index=False))

# 3. Convergence (four unevenly spaced years: the β regression uses 2011 -> 2022)
print(inequality.convergence(ai, "ai_index", kind="sigma").summary())
print(inequality.convergence(ai, "ai_index", kind="beta").summary())

# 4. Kernel density dynamics, national and per belt
kd = density.kde(ai, "ai_index", group=belts)
print(kd.summary())
ax = kd.plot()
ax.set_title("全国 AI 发展指数核密度")
ax.figure.savefig(out / "kde_national.png", dpi=150, bbox_inches="tight")
plt.close(ax.figure)
ax = kd.plot(kind="surface")
ax.figure.savefig(out / "kde_surface.png", dpi=150, bbox_inches="tight")
plt.close(ax.figure)
print("written to", out)

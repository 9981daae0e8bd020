"""Which regional divisions explain the AI index? The geographical detector on bundled data.

y: the AI development index of 31 provinces in 2022 (spatialq.datasets.ai_index_provinces()).
Factors: region schemes as strata (four regions, coastal/inland, north/south, Yangtze belt) and the
2011 index discretised by the optimal-parameter search.

Run: python examples/05_geodetector.py   (outputs in ./example-out or $SPATIALQ_EXAMPLE_OUT)
"""

import os
from pathlib import Path

import matplotlib.pyplot as plt

from spatialq import detector, geometry
from spatialq.datasets import ai_index_provinces

out = Path(os.environ.get("SPATIALQ_EXAMPLE_OUT", "example-out"))
out.mkdir(parents=True, exist_ok=True)

ai = ai_index_provinces()
wide = ai.pivot(index="adcode", columns="year", values="ai_index")
df = wide[[2011, 2022]].rename(columns={2011: "ai_2011", 2022: "ai_2022"})
for scheme in ("four", "coastal", "north_south"):
    df[scheme] = geometry.regions(scheme).reindex(df.index).astype(str)
df["yreb"] = geometry.regions("yreb").reindex(df.index).notna().map({True: "长江经济带", False: "其他"})

gd = detector.geodetector(df, "ai_2022", ["four", "coastal", "north_south", "yreb", "ai_2011"],
                          discretize={"ai_2011": "optimal"}, k=[3, 4, 5])
print(gd.summary())
gd.to_frame().round(4).to_csv(out / "geodetector_factor.csv", encoding="utf-8-sig")
gd.interaction.round(4).to_csv(out / "geodetector_interaction.csv", index=False, encoding="utf-8-sig")
ax = gd.plot()
ax.set_title("因子与交互作用 q 值")
ax.figure.savefig(out / "geodetector_interaction.png", dpi=150, bbox_inches="tight")
plt.close(ax.figure)
print("written to", out)

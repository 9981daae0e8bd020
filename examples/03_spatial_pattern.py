"""Spatial pattern of the AI development index: Moran's I per year, LISA and Gi* maps, ellipses.

Data: spatialq.datasets.ai_index_provinces() (Wang Jiating et al., 区域经济评论 2025(3), Table 2).
Weights: queen contiguity of the 31 provinces, Hainan linked to Guangdong.

Run: python examples/03_spatial_pattern.py   (outputs in ./example-out or $SPATIALQ_EXAMPLE_OUT)
"""

import os
import warnings
from pathlib import Path

import matplotlib.pyplot as plt

from spatialq import geometry, hotspot, weights
from spatialq.datasets import ai_index_provinces
from spatialq.ellipse import sde

out = Path(os.environ.get("SPATIALQ_EXAMPLE_OUT", "example-out"))
out.mkdir(parents=True, exist_ok=True)

ai = ai_index_provinces()
prov = geometry.provinces()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the Hainan -> Guangdong link is expected
    w = weights.contiguity(prov)

# Global Moran's I per year (row-standardised weights, 999 permutations)
mi = hotspot.moran(ai, "ai_index", w, seed=2025)
print(mi.summary())
mi.to_frame().round(4).to_csv(out / "moran_ai_index.csv", index=False)
ax = mi.plot()
ax.figure.savefig(out / "moran_scatter_2022.png", dpi=150, bbox_inches="tight")
plt.close(ax.figure)

# LISA clusters and Gi* hot spots for 2022
lisa = hotspot.local_moran(ai, "ai_index", w, seed=2025)
print(lisa.summary())
ax = lisa.plot(gdf=prov, period=2022, title="AI 发展指数 LISA 聚类（2022）")
ax.figure.savefig(out / "lisa_2022.png", dpi=150, bbox_inches="tight")
plt.close(ax.figure)
gi = hotspot.gi_star(ai, "ai_index", w)
print(gi.summary())
for scheme in ("bins", "breaks"):
    ax = gi.plot(gdf=prov, period=2022, scheme=scheme, title=f"Gi* 冷热点（2022，{scheme}）")
    ax.figure.savefig(out / f"gi_star_2022_{scheme}.png", dpi=150, bbox_inches="tight")
    plt.close(ax.figure)

# Standard deviational ellipses weighted by the index, with the migration of the centre
g = geometry.to_albers(prov)[["geometry"]].join(ai.set_index("adcode"), how="inner").reset_index()
ell = sde(g, weights="ai_index", by="year")
print(ell.summary())
ell.to_frame().round(4).to_csv(out / "sde_ai_index.csv", index=False)
ell.migration.round(4).to_csv(out / "sde_migration.csv", index=False)
ax = ell.plot()
ax.figure.savefig(out / "sde_ai_index.png", dpi=150, bbox_inches="tight")
plt.close(ax.figure)
print("written to", out)

"""Elhorst's specification search on a cross-section: OLS + LM tests → SDM → Wald/LR tests →
LeSage–Pace effects, and a journal comparison table.

Part 1 — Columbus crime (Anselin 1988; shipped with libpysal): CRIME ~ INC + HOVAL, queen W.
Part 2 — bundled provinces: does AI development spill over?  log AI index 2022 on log AI index
2011 with queen contiguity (Hainan linked to Guangdong by the "nearest" island policy).

Run: python examples/06_spatial_regression.py   (outputs in ./example-out or $SPATIALQ_EXAMPLE_OUT)
"""

import os
import warnings
from pathlib import Path

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
from libpysal import examples

from spatialq import geometry, regression, weights
from spatialq.datasets import ai_index_provinces

out = Path(os.environ.get("SPATIALQ_EXAMPLE_OUT", "example-out"))
out.mkdir(parents=True, exist_ok=True)

# -- Part 1: Columbus ---------------------------------------------------------------------
col = gpd.read_file(examples.get_path("columbus.shp")).set_index("POLYID")
w = weights.contiguity(col, islands="raise")
f = "CRIME ~ INC + HOVAL"
print(regression.lm_tests(col, f, w, id="POLYID").round(4).to_string(index=False))
fits = [regression.spatial_model(col, f, w, model=m, id="POLYID", seed=1) for m in ("ols", "sar", "sem", "sdm")]
sdm = fits[-1]
print(sdm.summary())
table = regression.compare(fits, names=["OLS", "SAR", "SEM", "SDM"])
print(table.to_string())
table.to_csv(out / "columbus_models.csv", encoding="utf-8-sig")
sdm.effects_inference.round(4).to_csv(out / "columbus_sdm_effects.csv", index=False, encoding="utf-8-sig")
ax = sdm.plot()
ax.figure.savefig(out / "columbus_sdm_effects.png", dpi=150, bbox_inches="tight")
plt.close(ax.figure)

# -- Part 2: provinces ----------------------------------------------------------------------
ai = ai_index_provinces().pivot(index="adcode", columns="year", values="ai_index")
df = np.log(ai[[2011, 2022]]).set_axis(["log_ai_2011", "log_ai_2022"], axis=1)
prov = geometry.provinces()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the island link 460000 → 440000 is reported as a warning
    wp = weights.contiguity(prov)
sar = regression.spatial_model(df, "log_ai_2022 ~ log_ai_2011", wp, model="sar", seed=1)
print(sar.summary())
sar.to_frame().round(4).to_csv(out / "provinces_ai_sar.csv", encoding="utf-8-sig")
print("written to", out)

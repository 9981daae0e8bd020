"""Distribution dynamics of the AI index: classic and spatial Markov chains, LISA Markov.

The four observed years (2011, 2015, 2019, 2022) are 3–4 years apart; relabelling them as
observation rounds 1..4 makes each transition one step (2011→2015, 2015→2019, 2019→2022).

Run: python examples/04_markov_dynamics.py   (outputs in ./example-out or $SPATIALQ_EXAMPLE_OUT)
"""

import os
import warnings
from pathlib import Path

import matplotlib.pyplot as plt

from spatialq import geometry, markov, weights
from spatialq.datasets import ai_index_provinces

out = Path(os.environ.get("SPATIALQ_EXAMPLE_OUT", "example-out"))
out.mkdir(parents=True, exist_ok=True)

ai = ai_index_provinces()
ai["round"] = ai["year"].rank(method="dense").astype(int)  # 2011 -> 1 … 2022 -> 4
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    w = weights.contiguity(geometry.provinces())

# Classic chain of pooled quartiles (31 provinces × 3 transitions = 93)
mk = markov.markov(ai, "ai_index", classes=4, time="round")
print(mk.summary())
mk.paper_table().to_csv(out / "markov_classic.csv", encoding="utf-8-sig")
ax = mk.plot()
ax.figure.savefig(out / "markov_classic.png", dpi=150, bbox_inches="tight")
plt.close(ax.figure)

# Spatial chain conditioned on the neighbours' class (lag classes: pooled terciles of the lag)
sm = markov.spatial_markov(ai, "ai_index", w, classes=4, lag_classes=3, time="round")
print(sm.summary())
sm.paper_table().to_csv(out / "markov_spatial.csv", index=False, encoding="utf-8-sig")
fig, ax = plt.subplots(figsize=(12, 4))
sm.plot(ax=ax)
fig.savefig(out / "markov_spatial.png", dpi=150, bbox_inches="tight")
plt.close(fig)

# Quadrant transitions of the Moran scatter plot
lm = markov.lisa_markov(ai, "ai_index", w, time="round")
print(lm.summary())
print("written to", out)

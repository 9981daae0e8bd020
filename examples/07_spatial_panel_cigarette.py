"""Worked example: Elhorst's cigarette demand panel (46 US states × 30 years, 1963–1992).

ln C = f(ln P, ln Y) with two-way fixed effects, W = row-standardised binary contiguity —
the specification of Elhorst (2014, ch. 3).  Steps: LM tests on the within residuals, LR tests of
the fixed effects, SDM by the direct approach and by the Lee–Yu transformation, Wald/LR tests of
SDM against SAR and SEM, direct/indirect/total effects with simulated t-statistics.

Data: ../shared/reference-data/cigarette.csv and cigarette_w.csv (not redistributed with
spatialq; set SPATIALQ_REFERENCE_DATA to their folder).  Without them the script says so and stops.

Run: python examples/07_spatial_panel_cigarette.py   (outputs in ./example-out or $SPATIALQ_EXAMPLE_OUT)
"""

import os
import sys
from pathlib import Path

import pandas as pd
from libpysal.weights import full2W

from spatialq import panel

out = Path(os.environ.get("SPATIALQ_EXAMPLE_OUT", "example-out"))
out.mkdir(parents=True, exist_ok=True)
ref = Path(os.environ.get("SPATIALQ_REFERENCE_DATA",
                          Path(__file__).resolve().parents[2] / "shared" / "reference-data"))
if not (ref / "cigarette.csv").exists():
    print(f"cigarette.csv not found in {ref}; set SPATIALQ_REFERENCE_DATA to run this example")
    sys.exit(0)

cig = pd.read_csv(ref / "cigarette.csv")
wm = pd.read_csv(ref / "cigarette_w.csv", index_col=0)
w = full2W(wm.to_numpy(), ids=list(wm.index))  # binary; row-standardised (on a copy) by spatial_panel
f = "logc ~ logp + logy"
kw = dict(id="state_abbr", time="year", seed=2014)

print("LM tests on the two-way within residuals")
print(panel.lm_tests(cig, f, w, id="state_abbr", time="year").round(4).to_string(index=False))
print("\nLR tests of the fixed effects (SDM, direct approach)")
print(panel.fixed_effects_tests(cig, f, w, model="sdm", id="state_abbr", time="year").round(3).to_string(index=False))

fits = {name: panel.spatial_panel(cig, f, w, model=m, lee_yu=ly, **kw)
        for name, m, ly in [("FE", "ols", False), ("SAR", "sar", False), ("SEM", "sem", False),
                            ("SDM", "sdm", False), ("SDM Lee–Yu", "sdm", True)]}
sdm = fits["SDM Lee–Yu"]
print(sdm.summary())
table = panel.compare(fits.values(), names=fits.keys())
print(table.to_string())
table.to_csv(out / "cigarette_models.csv", encoding="utf-8-sig")
sdm.effects_inference.round(4).to_csv(out / "cigarette_sdm_effects.csv", index=False, encoding="utf-8-sig")
print("written to", out)

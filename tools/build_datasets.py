"""Copy the published example tables from ../shared/data into the package, with adcodes (build time only)."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from spatialq.geometry import match  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "spatialq" / "datasets"


def main() -> None:
    ai = pd.read_csv(SHARED / "ai_index_provinces.csv", dtype={"province": str})
    ai.insert(0, "adcode", match(ai["province"], level="province").to_numpy())
    ai.to_csv(OUT / "ai_index_provinces.csv", index=False)
    bth = pd.read_csv(SHARED / "bth_chains_cities.csv")
    name_col = next(c for c in bth.columns if "city" in c.lower() or "城市" in c)
    bth.insert(0, "adcode", match(bth[name_col], level="prefecture").to_numpy())
    bth.to_csv(OUT / "bth_chains_cities.csv", index=False)
    print(len(ai), len(bth))


if __name__ == "__main__":
    main()

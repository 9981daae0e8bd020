"""Space-time exploratory statistics: spatialq against esda / giddy (the anchors) in the same run.

Each case runs in its own Python process (benchmarks/_subprocess.py) so that wall time and peak memory (max RSS)
are measured separately; weights and data are built before the clock starts.  Timings are printed, never
asserted.

    python benchmarks/bench_spacetime.py            # counties (2,848 units), 10 years
    python benchmarks/bench_spacetime.py --small    # provinces (31 units) only

Cases (spatialq / anchor):
  bv_local      bivariate LISA, 999 permutations            / esda Moran_Local_BV (numba, warmed up first)
  bv_global     bivariate Moran, 999 permutations           / esda Moran_BV
  emerging      emerging_hotspots (space-time Gi*, MK, 17)  / esda G_Local (star, binary, analytic) on the same
                                                              space-time weights: the Gi* step alone
  rose          lisa_paths (paths, transitions, rose, 99 p) / giddy Rose + permute(99)
  robustness    moran_robustness, 4 matrices × 10 years, 99 / esda Moran, the same 40 fits
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

CASES = ("bv_local", "bv_global", "emerging", "rose", "robustness")
YEARS = 10


def _setup(level: str):
    import numpy as np
    import pandas as pd

    from spatialq import geometry, weights

    warnings.simplefilter("ignore")
    gdf = geometry.counties() if level == "county" else geometry.provinces()
    w = weights.contiguity(gdf)
    rng = np.random.default_rng(0)
    east = gdf.geometry.representative_point().x.to_numpy()
    ids = list(gdf.index)
    rows = []
    base = rng.normal(size=len(ids)) + (east > 110)
    for t in range(YEARS):
        rows.append(pd.DataFrame({"adcode": ids, "year": 2010 + t, "x": base + 0.1 * t * (east > 115)
                                  + rng.normal(0, 0.5, len(ids)), "y": base + rng.normal(0, 1, len(ids))}))
    return gdf, w, pd.concat(rows, ignore_index=True)


def run(case: str, engine: str, level: str) -> dict:
    import numpy as np

    gdf, w, df = _setup(level)
    last = df[df.year == df.year.max()].set_index("adcode").loc[list(w.id_order)]
    x, y = last["x"].to_numpy(), last["y"].to_numpy()
    from spatialq import hotspot, weights

    if case == "bv_local":
        if engine != "spatialq":  # compile esda's numba kernels first: the timed call is a warm one
            import esda

            esda.Moran_Local_BV(x, y, w, permutations=9, seed=1)
        t0 = time.perf_counter()
        if engine == "spatialq":
            v = hotspot.bivariate_local_moran(last.reset_index(), "x", "y", w, by=None, seed=1).table["Ii"].sum()
        else:
            import esda

            v = esda.Moran_Local_BV(x, y, w, permutations=999, seed=1).Is.sum()
    elif case == "bv_global":
        t0 = time.perf_counter()
        if engine == "spatialq":
            v = hotspot.bivariate_moran(last.reset_index(), "x", "y", w, by=None, seed=1).table["I"].item()
        else:
            import esda

            v = esda.Moran_BV(x, y, w, permutations=999).I
    elif case == "emerging":
        if engine == "spatialq":
            t0 = time.perf_counter()
            v = float((hotspot.emerging_hotspots(df, "x", w).table["category"] != "no_pattern").sum())
        else:
            import esda
            from libpysal.weights import WSP

            from spatialq._wmatrix import aligned
            from spatialq.hotspot.emerging import _space_time_weights

            ids = sorted(df.adcode.unique())
            m = _space_time_weights(aligned(w, ids, transform="b"), YEARS, 1)
            cube = df.sort_values(["adcode", "year"])["x"].to_numpy()
            wst = WSP(m).to_W(silence_warnings=True)
            t0 = time.perf_counter()
            v = float(np.abs(esda.G_Local(cube, wst, transform="B", star=True, permutations=0).Zs).sum())
    elif case == "rose":
        if engine == "spatialq":
            t0 = time.perf_counter()
            v = float(hotspot.lisa_paths(df, "x", w, permutations=99, seed=1).rose["count"].iloc[0])
        else:
            from giddy.directional import Rose

            wide = df.pivot(index="adcode", columns="year", values="x").loc[list(w.id_order)].to_numpy()
            z = (wide - wide.mean(axis=0)) / wide.std(axis=0)
            wr = weights.standardize(w, "r")
            t0 = time.perf_counter()
            r = Rose(z[:, [0, -1]], wr, k=8)
            r.permute(permutations=99)
            v = float(r.counts[0])
    else:  # robustness
        ws = {"queen": w, "knn4": weights.knn(gdf, k=4), "knn8": weights.knn(gdf, k=8),
              "band": weights.distance(gdf, kind="inverse", islands="nearest")}
        if engine == "spatialq":
            t0 = time.perf_counter()
            v = float(hotspot.moran_robustness(df, "x", ws, permutations=99, seed=1).table["I"].sum())
        else:
            import esda

            t0 = time.perf_counter()
            v = 0.0
            for ww in ws.values():
                wr = weights.standardize(ww, "r")
                for _, part in df.groupby("year"):
                    v += esda.Moran(part.set_index("adcode").loc[list(ww.id_order), "x"].to_numpy(), wr,
                                    permutations=99).I
    return {"seconds": time.perf_counter() - t0,
            "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "value": float(v)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--case")
    ap.add_argument("--repeat", default="1")
    ap.add_argument("--small", action="store_true")
    args = ap.parse_args()
    if args.case:
        case, engine, level = args.case.split(":")
        print(json.dumps(run(case, engine, level)))
        return
    from _subprocess import in_subprocess

    level = "province" if args.small else "county"
    print(f"{'case':<12}{'spatialq s':>12}{'anchor s':>10}{'ratio':>8}{'sq MB':>9}{'anchor MB':>11}  same value")
    for case in CASES:
        res = {e: in_subprocess(__file__, f"{case}:{e}:{level}", 1, ("seconds", "maxrss_mb", "value"))
               for e in ("spatialq", "anchor")}
        a, b = res["spatialq"], res["anchor"]
        same = abs(a["value"] - b["value"]) <= 1e-6 * max(1.0, abs(b["value"]))
        note = "yes" if same else ("n/a" if case == "emerging" else "no")
        print(f"{case:<12}{a['seconds']:>12.3f}{b['seconds']:>10.3f}{a['seconds'] / b['seconds']:>8.2f}"
              f"{a['maxrss_mb']:>9.0f}{b['maxrss_mb']:>11.0f}  {note} {a.get('error', '')}{b.get('error', '')}")


if __name__ == "__main__":
    main()

"""Factor + interaction detectors for 20 factors on 1,000,000 rows: spatialq against py-geodetector.

    python benchmarks/bench_detector.py [--rows 1000000] [--factors 20]

Both in the same process on the same data; q must be identical (max abs difference printed).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--factors", type=int, default=20)
    args = ap.parse_args()
    from geodetector import GeoDetector

    from spatialq import detector

    rng = np.random.default_rng(0)
    n, k = args.rows, args.factors
    cols = {f"x{i}": rng.integers(0, 3 + i % 6, n) for i in range(k)}
    y = sum(c * (0.3 + 0.1 * i) for i, c in enumerate(cols.values())) + rng.normal(0, 3, n)
    df = pd.DataFrame({"y": y, **cols})
    names = list(cols)
    t = time.perf_counter()
    ours = detector.geodetector(df, "y", names, risk=False, ecological=False)
    t_ours = time.perf_counter() - t
    t = time.perf_counter()
    g = GeoDetector(df, "y", names)
    fd = g.factor_detector()
    inter = g.interaction_detector()
    t_theirs = time.perf_counter() - t
    dq = max(abs(ours.factor.loc[f, "q"] - fd.loc["q statistic", f]) for f in names)
    di = 0.0
    for r in ours.interaction.itertuples():
        v = inter.loc[r.factor2, r.factor1]
        di = max(di, abs(r.q12 - (v if pd.notna(v) else inter.loc[r.factor1, r.factor2])))
    task = f"factor + interaction, {k} factors, {n:,} rows ({k * (k - 1) // 2} pairs)"
    print(f"{'task':<58}{'spatialq s':>11}{'py-geodetector s':>18}{'ratio':>8}  max |Δq|")
    print(f"{task:<58}{t_ours:>11.2f}{t_theirs:>18.2f}{t_theirs / t_ours:>7.1f}x  {max(dq, di):.1e}")


if __name__ == "__main__":
    main()

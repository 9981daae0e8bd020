"""Dagum Gini decomposition: spatialq's O(n log n) computation against the O(n²) definition.

    python benchmarks/bench_inequality.py [--repeat 3]

Prints median wall times and the ratio to the O(n²) baseline run in the same process (the
baseline is only feasible at small n; at n = 100,000 the O(n²) definition would need 10^10
pairs, so its time there is extrapolated from n = 5,000 by n² and marked as such).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd


def timeit(fn, repeat):
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from spatialq.inequality import dagum_gini
    from spatialq.inequality.dagum import dagum_gini_bruteforce

    rng = np.random.default_rng(0)
    rows = []
    base_small = None
    for n in (5_000, 100_000):
        v = rng.lognormal(0, 0.8, n)
        g = rng.integers(0, 4, n).astype(str)
        df = pd.DataFrame({"adcode": np.arange(n), "v": v, "g": g})
        fast = timeit(lambda df=df: dagum_gini(df, "v", "g", by=None), args.repeat)
        if n == 5_000:
            base_small = timeit(lambda v=v, g=g: dagum_gini_bruteforce(v, g), args.repeat)
            base, note = base_small, "measured"
        else:
            base, note = base_small * (n / 5_000) ** 2, "extrapolated n²"
        rows.append((n, fast, base, note))
    print(f"{'task':<40}{'spatialq s':>12}{'O(n²) s':>12}{'':>18}{'ratio':>10}{'aim s':>7}")
    for n, fast, base, note in rows:
        aim = "2.0" if n == 100_000 else ""
        task = f"Dagum Gini, 4 groups, n = {n:,}"
        print(f"{task:<40}{fast:>12.3f}{base:>12.2f}{note:>18}{base / fast:>9.0f}x{aim:>7}")


if __name__ == "__main__":
    main()

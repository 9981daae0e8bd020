"""Spatial Markov chain on 2,848 counties × 20 years: spatialq against giddy in the same run.

    python benchmarks/bench_markov.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    import libpysal
    import numpy as np
    import pandas as pd
    from giddy.markov import Spatial_Markov

    from spatialq import geometry, markov, weights

    c = geometry.counties()
    w = weights.contiguity(c)
    ids = list(c.index)
    rng = np.random.default_rng(0)
    years = list(range(2001, 2021))
    base = rng.lognormal(size=len(ids))
    y = np.column_stack([base * np.exp(rng.normal(0, 0.1, len(ids))) for _ in years])
    df = pd.DataFrame({"adcode": np.repeat(ids, len(years)), "year": np.tile(years, len(ids)), "v": y.ravel()})

    def ours():
        return markov.spatial_markov(df, "v", w)

    def theirs():
        wg = libpysal.weights.W(w.neighbors, w.weights, id_order=w.id_order)
        wg.transform = "r"
        return Spatial_Markov(y, wg, fixed=True, k=5, m=5)

    times = {}
    for name, fn in (("spatialq", ours), ("giddy", theirs)):
        out = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            res = fn()
            out.append(time.perf_counter() - t)
        times[name] = (statistics.median(out), res)
    same = np.array_equal(times["spatialq"][1].counts, times["giddy"][1].T)
    print(f"{'task':<52}{'spatialq s':>11}{'giddy s':>9}{'ratio':>8}  same counts")
    print(f"{'spatial Markov, 2,848 counties x 20 years, k = m = 5':<52}{times['spatialq'][0]:>11.3f}"
          f"{times['giddy'][0]:>9.3f}{times['giddy'][0] / times['spatialq'][0]:>7.1f}x  {same}")


if __name__ == "__main__":
    main()

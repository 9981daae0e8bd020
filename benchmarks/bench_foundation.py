"""Foundation benchmarks: loading boundaries and building contiguity weights.

Prints a table of median wall times over repeats and the ratio to a baseline measured in the same
run (libpysal's vertex-based ``Queen.from_dataframe`` for weights; ``geopandas.read_parquet`` of
the same file for loading).  Not part of the test suite: timings are reported, never asserted.

    python benchmarks/bench_foundation.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import warnings
from importlib import resources


def timeit(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def fresh_process_load() -> float:
    """Seconds to load the provinces after ``import spatialq.geometry`` in a new interpreter."""
    code = ("import time, spatialq.geometry as g; t = time.perf_counter(); g.provinces(); "
            "print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    import geopandas as gpd
    import libpysal

    from spatialq import geometry, weights

    rows = []
    load = statistics.median(fresh_process_load() for _ in range(args.repeat))
    with resources.as_file(resources.files("spatialq.shapes").joinpath("provinces.parquet")) as p:
        base = timeit(lambda: gpd.read_parquet(p), args.repeat)
    rows.append(("load provinces after import (fresh process)", load, "gpd.read_parquet", base, 0.3))
    for name, frame, aim in (("prefectures", geometry.prefectures(), 1.0), ("counties", geometry.counties(), 5.0)):
        ours = timeit(lambda f=frame: weights.contiguity(f), args.repeat)
        lib = timeit(lambda f=frame: libpysal.weights.Queen.from_dataframe(f, use_index=True,
                                                                           silence_warnings=True), args.repeat)
        rows.append((f"{name} queen weights (n = {len(frame)}, islands linked)", ours, "libpysal Queen", lib, aim))
    print(f"{'task':<58}{'spatialq s':>11}{'baseline':>20}{'base s':>9}{'ratio':>8}{'aim s':>7}")
    for task, t, bname, b, aim in rows:
        print(f"{task:<58}{t:>11.3f}{bname:>20}{b:>9.3f}{b / t:>7.1f}x{aim:>7.1f}")


if __name__ == "__main__":
    main()

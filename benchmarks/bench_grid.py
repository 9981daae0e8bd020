"""The weights path at grid scale (issue 18): ``weights.knn(gdf)`` against libpysal's KNN and ``knn_sparse`` at
1M points, and Gi* analytic on China's 1-km grid (9.6M cells) against its floor, in the same run.

Each case runs in a fresh Python process (benchmarks/_subprocess.py), so peak memory (max RSS) is that case's
alone.  Wall and CPU seconds are both reported: on a shared machine wall time moves with the other jobs, CPU
time much less.  Timings are printed, never asserted.

    python benchmarks/bench_grid.py              # all cases (several minutes)
    python benchmarks/bench_grid.py --small      # the 1M cases only
    python benchmarks/bench_grid.py --shuffled   # also the grid in random row order (the curve sort's case)

The grid: a 3,200 × 3,000 lattice of 1-km cells (9.6 million, the number of 1-km cells in China), in raster
order, k = 8 nearest neighbours (queen contiguity inside the lattice), or queen contiguity by index arithmetic
(``weights.lattice_sparse``: the same links inside the lattice, fewer at its edge).  The KD-tree floor is what
any k-NN implementation must do: one KD-tree query of the 9 nearest points (self included) and one sparse
matrix-vector product; the lattice path does not search at all.  The ``_n2`` rows query the KD-tree in two
threads, spatialq (``knn_sparse(n_jobs=2)``) and the floor (``cKDTree.query(workers=2)``) alike.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _subprocess import in_subprocess

N_POINTS = 1_000_000
GRID = (3200, 3000)
K = 8

CASES = {
    "knn_w": f"weights.knn(gdf, k={K}) -> W, {N_POINTS:,} points",
    "pysal_knn": f"libpysal KNN.from_dataframe(gdf, k={K}), {N_POINTS:,} points",
    "knn_sparse": f"weights.knn_sparse(xy, k={K}) -> CSR, {N_POINTS:,} points",
    "gi_grid": "Gi* analytic, 9.6M-cell grid, weights included",
    "gi_grid_n2": "Gi* analytic, 9.6M grid, knn_sparse(n_jobs=2)",
    "gi_lattice": "Gi* analytic, 9.6M grid, queen lattice_sparse weights included",
    "floor_grid": "floor: KD-tree query (k = 9) + one sparse matvec, 9.6M grid",
    "floor_grid_n2": "floor with the query in 2 threads (cKDTree workers=2)",
    "gi_grid_shuffled": "Gi* analytic, 9.6M grid in random row order",
    "gi_lattice_shuffled": "Gi* analytic, lattice_sparse, 9.6M grid in random order",
    "floor_grid_shuffled": "floor, 9.6M grid in random row order",
}


def _points():
    import geopandas as gpd
    import numpy as np

    xy = np.random.default_rng(0).uniform(0, 1e6, (N_POINTS, 2))
    gdf = gpd.GeoDataFrame({"v": np.arange(N_POINTS)}, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=3857)
    return xy, gdf


def _grid(shuffled: bool):
    import numpy as np

    nx, ny = GRID
    gx, gy = np.meshgrid(np.arange(nx, dtype=float) * 1000.0, np.arange(ny, dtype=float) * 1000.0)
    xy = np.column_stack([gx.ravel(), gy.ravel()])
    del gx, gy
    rng = np.random.default_rng(0)
    if shuffled:
        xy = xy[rng.permutation(len(xy))]
    y = np.sin(xy[:, 0] / 5e4) + np.cos(xy[:, 1] / 7e4) + rng.normal(0, 1, len(xy))
    return xy, y


def _once(case: str) -> tuple[float, float, dict]:
    import numpy as np

    extra: dict = {}
    if case in ("knn_w", "pysal_knn", "knn_sparse"):
        xy, gdf = _points()
        w0, c0 = time.perf_counter(), time.process_time()
        if case == "knn_w":
            from spatialq import weights

            w = weights.knn(gdf, k=K)
            extra["nnz"] = int(w.sparse.nnz)
        elif case == "pysal_knn":
            import warnings

            from libpysal.weights import KNN

            warnings.simplefilter("ignore")
            w = KNN.from_dataframe(gdf, k=K)
            extra["nnz"] = int(w.sparse.nnz)
        else:
            from spatialq import weights

            m = weights.knn_sparse(xy, k=K)
            extra["nnz"], extra["index_dtype"] = int(m.nnz), str(m.indices.dtype)
    else:
        import pandas as pd

        xy, y = _grid(case.endswith("shuffled"))
        jobs = 2 if case.endswith("_n2") else 1
        n = len(y)
        w0, c0 = time.perf_counter(), time.process_time()
        if case.startswith("gi_"):
            from spatialq import hotspot, weights

            m = weights.lattice_sparse(xy) if case.startswith("gi_lattice") else weights.knn_sparse(xy, k=K,
                                                                                                  n_jobs=jobs)
            extra["index_dtype"] = str(m.indices.dtype)
            df = pd.DataFrame({"id": np.arange(n), "y": y})
            z = hotspot.gi_star(df, "y", m, by=None, id="id", breaks=None).table["z"].to_numpy()
            extra["z_sum"] = float(np.sum(z))
        else:
            import scipy.sparse as sp
            from scipy.spatial import cKDTree

            _, nn = cKDTree(xy).query(xy, k=K + 1, workers=jobs)
            m = sp.csr_matrix((np.ones(n * K), nn[:, 1:].ravel(), np.arange(0, n * K + 1, K)), shape=(n, n))
            del nn
            extra["lag_sum"] = float((m @ y).sum())
    return time.perf_counter() - w0, time.process_time() - c0, extra


def run_case(case: str, repeat: int) -> dict:
    walls, cpus, extra = [], [], {}
    for _ in range(repeat):
        wall, cpu, extra = _once(case)
        walls.append(wall)
        cpus.append(cpu)
    return {"seconds": statistics.median(walls), "cpu": statistics.median(cpus),
            "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, **extra}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--case")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--small", action="store_true")
    ap.add_argument("--shuffled", action="store_true")
    args = ap.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.repeat)))
        return
    cases = [c for c in CASES if not (args.small and "grid" in c) and (args.shuffled or "shuffled" not in c)]
    res = {}
    for case in cases:
        res[case] = in_subprocess(__file__, case, args.repeat, ("seconds", "cpu", "maxrss_mb"))
        print(f"  done {case}: {res[case]}", file=sys.stderr, flush=True)
    print(f"{'case':<62}{'wall s':>9}{'cpu s':>9}{'peak MB':>9}")
    for case in cases:
        r = res[case]
        print(f"{CASES[case]:<62}{r['seconds']:>9.2f}{r['cpu']:>9.2f}{r['maxrss_mb']:>9.0f}"
              + (f"   failed: {r['error']}" if "error" in r else ""))
    print()

    def ratio(a: str, b: str, key: str) -> str:
        if a not in res or b not in res:
            return "—"
        return f"{res[a][key] / res[b][key]:.2f}×"

    print("ratios (wall / cpu):")
    print(f"  libpysal KNN / weights.knn(gdf):      {ratio('pysal_knn', 'knn_w', 'seconds')} / "
          f"{ratio('pysal_knn', 'knn_w', 'cpu')}   (aim ≥ 5×)")
    print(f"  libpysal KNN / knn_sparse:            {ratio('pysal_knn', 'knn_sparse', 'seconds')} / "
          f"{ratio('pysal_knn', 'knn_sparse', 'cpu')}")
    print(f"  weights.knn(gdf) / knn_sparse:        {ratio('knn_w', 'knn_sparse', 'seconds')} / "
          f"{ratio('knn_w', 'knn_sparse', 'cpu')}   (aim ≈ 1)")
    for kind in ("grid", "lattice"):
        for sfx in ("", "_shuffled", "_n2"):
            if f"gi_{kind}{sfx}" in res:
                print(f"  Gi* {kind}{sfx} / KD-tree floor{sfx}: time "
                      f"{ratio(f'gi_{kind}{sfx}', 'floor_grid' + sfx, 'seconds')} / "
                      f"{ratio(f'gi_{kind}{sfx}', 'floor_grid' + sfx, 'cpu')}, peak memory "
                      f"{ratio(f'gi_{kind}{sfx}', 'floor_grid' + sfx, 'maxrss_mb')}   (aim ≤ 15 s / 2.5 GB quiet)")


if __name__ == "__main__":
    main()

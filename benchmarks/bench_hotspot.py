"""Gi* and local Moran: spatialq against esda (the oracle) in the same run.

Each task runs in its own Python process so that wall time and peak memory (max RSS) are
measured separately.  Timings are reported, never asserted.

    python benchmarks/bench_hotspot.py            # all tasks (a few minutes; esda at 1M units ≈ 1 min)
    python benchmarks/bench_hotspot.py --small    # skip the million-unit task

Permutation tasks run spatialq with n_jobs = 1 and n_jobs = 2 (same numbers, tested); esda is warmed up (its
numba functions compiled on a small problem) before the clock starts, spatialq likewise ("first call" shows
the cold start).  The statistic itself (z or I) must agree ("same" column); p-values differ by Monte Carlo
error only (different random draws).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

TASKS = {
    "gi_1m_analytic": "Gi* analytic, 1,000,000 units, k = 8 (weights included)",
    "moran_100k_perm": "global Moran 999 permutations, 100,000 units, k = 8",
    "local_100k_perm": "local Moran 999 permutations, 100,000 units, k = 8 (esda warm)",
    "gi_100k_perm": "Gi* 999 permutations, 100,000 units, k = 8 (esda warm)",
    "gi_counties_perm": "Gi* 999 permutations, 2,848 counties (queen)",
    "first_call": "first call in a fresh process (imports + Gi* 999 perms, counties)",
}


def _data(n: int, seed: int = 0):
    import numpy as np

    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 1e6, (n, 2))
    y = np.sin(xy[:, 0] / 5e4) + rng.normal(0, 1, n)
    return xy, y


def run(task: str, engine: str) -> dict:
    t0 = time.perf_counter()
    import numpy as np
    import pandas as pd

    if task in ("gi_1m_analytic", "gi_100k_perm", "moran_100k_perm", "local_100k_perm"):
        n = 1_000_000 if task == "gi_1m_analytic" else 100_000
        perms = 0 if task == "gi_1m_analytic" else 999
        n_jobs = 2 if engine == "spatialq2" else 1
        xy, y = _data(n)
        if engine.startswith("spatialq"):
            from spatialq import hotspot, weights

            def call(df, m, p):
                if task == "moran_100k_perm":
                    return hotspot.moran(df, "y", m, by=None, id="id", permutations=p, seed=1,
                                         n_jobs=n_jobs).table["I"].to_numpy()
                if task == "local_100k_perm":
                    return hotspot.local_moran(df, "y", m, by=None, id="id", permutations=p, seed=1,
                                               n_jobs=n_jobs).table["Ii"].to_numpy()
                return hotspot.gi_star(df, "y", m, by=None, id="id", permutations=p, seed=1, breaks=None,
                                       n_jobs=n_jobs).table["z"].to_numpy()

            if perms:  # warm: compile (or load) the kernels on a small problem
                call(pd.DataFrame({"id": np.arange(200), "y": y[:200]}), weights.knn_sparse(xy[:200], k=8), 9)
            t0 = time.perf_counter()  # data generation not timed
            m = weights.knn_sparse(xy, k=8)
            z = call(pd.DataFrame({"id": np.arange(n), "y": y}), m, perms)
        else:
            import esda
            import libpysal

            def call(w, v, p):
                if task == "moran_100k_perm":  # esda's Moran takes no seed: numpy's global one
                    np.random.seed(1)  # noqa: NPY002 - esda draws from numpy's legacy global state
                    return np.array([esda.Moran(v, w, transformation="r", permutations=p).I])
                if task == "local_100k_perm":  # esda: I_i = (n − 1) z_i lag_i / Σz²; spatialq (spdep): m₂ = Σz²/n
                    k = len(v)
                    return esda.Moran_Local(v, w, transformation="r", permutations=p, seed=1).Is * k / (k - 1)
                return esda.G_Local(v, w, transform="B", star=True, permutations=p, seed=1).Zs

            if perms:
                call(libpysal.weights.KNN.from_array(xy[:200], k=8), y[:200], 9)
            t0 = time.perf_counter()
            w = libpysal.weights.KNN.from_array(xy, k=8)
            z = call(w, y, perms)
    else:
        import warnings

        warnings.simplefilter("ignore")
        from spatialq import geometry

        c = geometry.counties()
        rng = np.random.default_rng(0)
        y = rng.normal(size=len(c)) + (c.geometry.representative_point().x.to_numpy() > 110)
        if engine.startswith("spatialq"):
            from spatialq import hotspot, weights

            if task != "first_call":
                w = weights.contiguity(c)
                t0 = time.perf_counter()
            else:
                w = weights.contiguity(c)
            df = pd.DataFrame({"adcode": c.index, "y": y})
            z = hotspot.gi_star(df, "y", w, by=None, permutations=999, seed=1,
                                n_jobs=2 if engine == "spatialq2" else 1).table["z"].to_numpy()
        else:
            import esda

            from spatialq import weights  # the same weights (islands linked) for a like-for-like z

            w = weights.contiguity(c)
            if task != "first_call":
                t0 = time.perf_counter()
            g = esda.G_Local(y, w, transform="B", star=True, permutations=999, seed=1)
            z = g.Zs
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "z_head": [float(v) for v in np.asarray(z)[:5]], "z_sum": float(np.nansum(z))}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--task")
    ap.add_argument("--engine")
    ap.add_argument("--small", action="store_true")
    args = ap.parse_args()
    if args.task:
        print(json.dumps(run(args.task, args.engine)))
        return
    rows = []
    for task, label in TASKS.items():
        if args.small and task == "gi_1m_analytic":
            continue
        res = {}
        engines = ("spatialq", "spatialq2", "esda") if task.endswith("_perm") else ("spatialq", "esda")
        for engine in engines:
            t = time.perf_counter()
            out = subprocess.run([sys.executable, __file__, "--task", task, "--engine", engine],
                                 capture_output=True, text=True)
            if out.returncode != 0:
                res[engine] = {"seconds": float("nan"), "maxrss_mb": float("nan"), "error": out.stderr[-300:]}
            else:
                res[engine] = json.loads(out.stdout.strip().splitlines()[-1])
            if task == "first_call":
                res[engine]["seconds"] = time.perf_counter() - t  # whole process, imports included
        zs, ze = res["spatialq"].get("z_sum", 0.0), res["esda"].get("z_sum", 1.0)
        same = (abs(zs - ze) <= 1e-8 * (1 + abs(ze))
                and all(abs(a - b) <= 1e-9 * (1 + abs(b)) for a, b in zip(res["spatialq"].get("z_head", []),
                                                                       res["esda"].get("z_head", []))))
        rows.append((label, res, same))
    print(f"{'task':<66}{'spatialq s':>11}{'MB':>7}{'n_jobs=2 s':>11}{'esda s':>9}{'MB':>7}{'ratio':>8}"
          f"{'ratio 2':>8}  same")
    for label, res, same in rows:
        s, e = res["spatialq"], res["esda"]
        s2 = res.get("spatialq2", {"seconds": float("nan")})
        print(f"{label:<66}{s['seconds']:>11.2f}{s['maxrss_mb']:>7.0f}{s2['seconds']:>11.2f}{e['seconds']:>9.2f}"
              f"{e['maxrss_mb']:>7.0f}{e['seconds'] / s['seconds']:>7.1f}x{e['seconds'] / s2['seconds']:>7.1f}x"
              f"  {same}")
        for engine in res:
            if "error" in res[engine]:
                print(f"    {engine} failed: {res[engine]['error']}")


if __name__ == "__main__":
    main()

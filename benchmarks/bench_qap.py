"""QAP correlation and MRQAP on a prefecture-scale network: 337 nodes (113,232 off-diagonal cells).

    python benchmarks/bench_qap.py [--nodes 337] [--permutations 2000] [--repeat 1]

Data: a binary association network binarised at each row's mean from a gravity model, explained by five
matrices (adjacency, GDP gap, distance, population gap, an asymmetric flow).  Each case runs in a fresh
process (as benchmarks/_subprocess.py, with the size options passed on) so its peak memory is its own.
Anchor: one OLS fit of the same model on the vectorised cells (numpy lstsq) in the same run; MRQAP with
double semi-partialling refits six terms per permutation (12,000 permuted statistics for 2,000
permutations), so the ratio says what they cost in units of one fit.
Issue 16 aims at ≤ 30 s for MRQAP with 2,000 permutations on 337 nodes.
"""

from __future__ import annotations

import argparse
import json
import resource
import time

CASES = {
    "anchor": "one OLS fit (numpy lstsq), 6 columns",
    "corr": "qap_correlation, 5 matrices",
    "dsp": "mrqap method='dsp' (t), 5 matrices",
    "dsp_jobs2": "mrqap method='dsp', n_jobs=2",
    "y": "mrqap method='y' (t), 5 matrices",
}


def network(n: int, seed: int = 0):
    import numpy as np

    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 40, (n, 2))
    dist = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    gdp, pop = rng.lognormal(0, 0.7, n), rng.lognormal(0, 0.5, n)
    near = np.argsort(dist, axis=1)[:, 1:6]
    adj = np.zeros((n, n))
    adj[np.repeat(np.arange(n), 5), near.ravel()] = 1
    adj = np.maximum(adj, adj.T)
    off = ~np.eye(n, dtype=bool)
    grav = np.where(off, np.sqrt(np.outer(gdp * pop, gdp * pop)) / np.where(off, dist, 1) ** 2, 0)
    grav *= rng.lognormal(0, 1, (n, n))
    y = (grav > np.nanmean(np.where(off, grav, np.nan), axis=1, keepdims=True)) * off * 1.0
    xs = {"adjacent": adj, "gdp_gap": np.abs(gdp[:, None] - gdp[None, :]), "distance": dist,
          "pop_gap": np.abs(pop[:, None] - pop[None, :]), "flow": rng.exponential(1, (n, n))}
    return y, xs


def run_case(name: str, n: int, permutations: int, repeat: int) -> dict:
    import numpy as np

    from spatialq.network.qap import mrqap, qap_correlation

    y, xs = network(n)
    off = ~np.eye(n, dtype=bool)
    if name == "anchor":
        X = np.column_stack([np.ones(off.sum())] + [v[off] for v in xs.values()])

        def fn():
            return np.linalg.lstsq(X, y[off], rcond=None)
    elif name == "corr":
        def fn():
            return qap_correlation(y, xs, permutations=permutations, seed=1)
    else:
        method = "y" if name == "y" else "dsp"
        jobs = 2 if name.endswith("jobs2") else 1

        def fn():
            return mrqap(y, xs, permutations=permutations, method=method, seed=1, n_jobs=jobs)
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return {"seconds": best, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=337)
    ap.add_argument("--permutations", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--case", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.nodes, args.permutations, args.repeat)))
        return
    extra = ["--nodes", str(args.nodes), "--permutations", str(args.permutations)]
    results = {case: in_subprocess_args(case, args.repeat, extra) for case in CASES}
    anchor = results["anchor"]["seconds"]
    print(f"{args.nodes} nodes, {args.nodes * (args.nodes - 1):,} cells, {args.permutations:,} permutations")
    print(f"{'case':<42}{'seconds':>10}{'ratio':>10}{'peak MB':>10}{'aim s':>8}")
    for case, label in CASES.items():
        r = results[case]
        aim = "30" if case == "dsp" else ""
        note = f"  ({r['error']})" if "error" in r else ""
        print(f"{label:<42}{r['seconds']:>10.2f}{r['seconds'] / anchor:>9.0f}x{r['peak_mb']:>10.0f}{aim:>8}{note}")


def in_subprocess_args(case: str, repeat: int, extra: list[str]) -> dict:
    """As benchmarks/_subprocess.in_subprocess, with this script's size options passed on."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, __file__, "--case", case, "--repeat", str(repeat), *extra],
                         capture_output=True, text=True, timeout=3600)
    if out.returncode:
        return {"seconds": float("nan"), "peak_mb": float("nan"), "error": out.stderr.strip().splitlines()[-1][:60]}
    return json.loads(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()

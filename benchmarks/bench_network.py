"""Gravity association network and all its measures for the 337 prefecture-level units × 20 years.

    python benchmarks/bench_network.py [--years 20]

Synthetic masses (population, GDP, per-capita GDP growing at random rates) on the bundled prefecture geometry
(spatialq.geometry.prefectures(include_direct=False): 333 prefectures and 4 municipalities).  Anchor: the
directed breadth-first shortest paths of the same 20 networks (scipy.sparse.csgraph) in the same process; the
measures need them once per year plus path counts and Brandes accumulation.  Issue 16 aims at ≤ 10 s for
gravity + all measures.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd


def panel(years: int, seed: int = 0):
    from spatialq import geometry

    g = geometry.prefectures(include_direct=False)
    ids = g.index.tolist()
    rng = np.random.default_rng(seed)
    pop, gdp = rng.lognormal(5, 0.8, len(ids)), rng.lognormal(7, 1, len(ids))
    rows = []
    for y in range(2001, 2001 + years):
        gdp = gdp * (1 + rng.normal(0.08, 0.03, len(ids)))
        pop = pop * (1 + rng.normal(0.005, 0.01, len(ids)))
        rows.append(pd.DataFrame({"adcode": ids, "year": y, "population": pop, "gdp": gdp, "gdp_pc": gdp / pop}))
    return pd.concat(rows, ignore_index=True), g


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--years", type=int, default=20)
    args = ap.parse_args()
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import shortest_path

    from spatialq import network

    d, g = panel(args.years)
    rows = []
    t = time.perf_counter()
    net = network.gravity(d, ["population", "gdp"], geometry=g)
    rows.append(("gravity (geographic distance)", time.perf_counter() - t))
    t = time.perf_counter()
    for a in net.adjacency:
        shortest_path(csr_matrix(a), directed=True, unweighted=True)
    anchor = time.perf_counter() - t
    t = time.perf_counter()
    res = network.measures(net)
    rows.append(("measures (whole network + nodes)", time.perf_counter() - t))
    t = time.perf_counter()
    network.gravity(d, ["population", "gdp"], geometry=g, distance="economic", gdp_per_capita="gdp_pc")
    rows.append(("gravity (economic distance)", time.perf_counter() - t))
    last = net.periods[-1]
    t = time.perf_counter()
    network.blocks(net, period=last)
    rows.append((f"CONCOR blocks + roles, {last}", time.perf_counter() - t))
    total = rows[0][1] + rows[1][1]
    n = len(net.ids)
    print(f"{n} units × {args.years} years; mean density {res.network['density'].mean():.3f}")
    print(f"{'task':<44}{'seconds':>10}{'ratio':>10}{'aim s':>8}")
    print(f"{'shortest paths only (anchor)':<44}{anchor:>10.3f}{1:>9.0f}x{'':>8}")
    for task, s in rows:
        print(f"{task:<44}{s:>10.3f}{s / anchor:>9.1f}x{'':>8}")
    print(f"{'gravity + all measures':<44}{total:>10.3f}{total / anchor:>9.1f}x{'10':>8}")


if __name__ == "__main__":
    main()

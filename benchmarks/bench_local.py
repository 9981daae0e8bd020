"""Local regression at county scale: GWR and MGWR on the 2,848 counties, GTWR on 337 prefectures × 15 years,
GWR on 20,000 synthetic points.

    python benchmarks/bench_local.py [--skip-anchor] [--points 20000]

Anchor: PySAL's mgwr 2.2.1 in the same process — one evaluation of its bandwidth objective
(``GWR(...).fit(lite=True)``, what ``Sel_BW`` calls at every step of the search) and, at 2,848 units, its whole
``Sel_BW.search``; the ratio says how much the cached-distance search saves.  Aims (issue 17): GWR with bandwidth
search on 2,848 ≤ 10 s, MGWR with 5 covariates on 2,848 ≤ 120 s, GTWR 337 × 15 ≤ 60 s, GWR at 20,000 ≤ 120 s.
Data: synthetic coefficients varying smoothly over the county (prefecture) centroids in China Albers km.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd


def surface(xy: np.ndarray, k: int, seed: int = 0) -> tuple[pd.DataFrame, list[str]]:
    rng = np.random.default_rng(seed)
    n = len(xy)
    u = (xy - xy.mean(0)) / xy.std(0)
    xs = rng.normal(size=(n, k))
    y = 1 + u[:, 0] + (0.5 + 0.3 * u[:, 0]) * xs[:, 0] + rng.normal(0, 0.5, n)
    if k > 1:
        y += 0.2 * u[:, 1] * xs[:, 1] + 0.3 * xs[:, 2:].sum(axis=1)
    names = [f"x{j + 1}" for j in range(k)]
    d = pd.DataFrame(xs, columns=names)
    d["y"], d["px"], d["py"] = y, xy[:, 0], xy[:, 1]
    d["adcode"] = np.arange(n)
    return d, names


def timed(f):
    t = time.perf_counter()
    out = f()
    return time.perf_counter() - t, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-anchor", action="store_true", help="skip mgwr's full Sel_BW search at 2,848")
    ap.add_argument("--points", type=int, default=20000)
    args = ap.parse_args()
    from mgwr.gwr import GWR
    from mgwr.sel_bw import Sel_BW

    from spatialq import geometry
    from spatialq.local import gtwr, gwr, mgwr

    warnings.simplefilter("ignore")
    cent = geometry.counties(crs="albers").geometry.centroid
    xy = np.column_stack([cent.x, cent.y]) / 1000
    d, names = surface(xy, 2)
    rows = []
    GWR(xy[:60], d[["y"]].to_numpy()[:60], d[names].to_numpy()[:60], 30).fit(lite=True)  # numba JIT warm-up
    s, res = timed(lambda: gwr(d, "y", names, id="adcode", coords=("px", "py")))
    X = d[names].to_numpy()
    yv = d[["y"]].to_numpy()
    one, _ = timed(lambda: GWR(xy, yv, X, res.bandwidth).fit(lite=True))
    rows.append(("mgwr: one bandwidth evaluation, 2,848 (anchor)", one, ""))
    rows.append((f"gwr, AICc search, 2,848 (bw {res.bandwidth}, {len(res.search_history)} evals)", s, "10"))
    if not args.skip_anchor:
        sm, bw = timed(lambda: Sel_BW(xy, yv, X).search())
        rows.append((f"mgwr Sel_BW.search, 2,848 (bw {bw})", sm, ""))
    d5, names5 = surface(xy, 5)
    s, res5 = timed(lambda: mgwr(d5, "y", names5, id="adcode", coords=("px", "py")))
    bws = ",".join(str(int(b)) for b in res5.bandwidths["bandwidth"])
    rows.append((f"mgwr (spatialq), 5 covariates, 2,848 (bws {bws})", s, "120"))
    pref = geometry.prefectures(crs="albers")
    pref = pref[pref["kind"] != "direct_county"]  # the 337 prefecture-level units
    pc = pref.geometry.centroid
    pxy = np.column_stack([pc.x, pc.y]) / 1000
    years = 15
    pan, pnames = surface(np.repeat(pxy, years, axis=0), 3, seed=1)
    pan["adcode"] = np.repeat(np.arange(len(pxy)), years)
    pan["year"] = np.tile(np.arange(2008, 2008 + years), len(pxy))
    pan["y"] += 0.05 * (pan["year"] - 2008) * pan["x1"]
    s, rg = timed(lambda: gtwr(pan, "y", pnames, id="adcode", time="year", coords=("px", "py")))
    rows.append((f"gtwr, {len(pxy)} × {years} (ratio {rg.ratio:.3g}, bw {rg.bandwidth})", s, "60"))
    rng = np.random.default_rng(2)
    big = np.column_stack([rng.uniform(-2000, 2000, args.points), rng.uniform(2000, 5500, args.points)])
    db, nb = surface(big, 2, seed=3)
    one_big, _ = timed(lambda: GWR(big, db[["y"]].to_numpy(), db[nb].to_numpy(), 200).fit(lite=True))
    rows.append((f"mgwr: one bandwidth evaluation, {args.points:,} (anchor)", one_big, ""))
    s, rb = timed(lambda: gwr(db, "y", nb, id="adcode", coords=("px", "py"), bw_max=2000))
    rows.append((f"gwr, AICc search in [46, 2000], {args.points:,} (bw {rb.bandwidth})", s, "120"))
    print(f"{'task':<66}{'seconds':>10}{'ratio':>10}{'aim s':>8}")
    for task, sec, aim in rows:
        print(f"{task:<66}{sec:>10.2f}{sec / one:>9.1f}x{aim:>8}")


if __name__ == "__main__":
    main()

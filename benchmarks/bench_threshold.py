"""Hansen panel threshold regression at county scale: 2,848 units × 10 years, 300 bootstrap replications.

    python benchmarks/bench_threshold.py [--units 2848] [--years 10] [--bootstrap 300]

Anchor: one within (fixed-effects) OLS of the same model through ``spatialq._ols`` in the same process; the
threshold model costs a grid of such fits per replication, so the ratio says what the bootstrap costs.
Prints seconds and ratios (issue 15 aims at ≤ 60 s for the single-threshold model).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd


def panel(units: int, years: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = units * years
    d = pd.DataFrame({"adcode": np.repeat(np.arange(units), years), "year": np.tile(np.arange(2011, 2011 + years),
                                                                                    units)})
    mu = np.repeat(rng.normal(0, 1, units), years)
    d["x1"], d["x2"], d["q"] = rng.normal(size=n), rng.normal(size=n), rng.uniform(0, 10, n)
    d["y"] = mu + 0.5 * d["x1"] + np.where(d["q"] <= 4, 0.3, 0.8) * d["x2"] + rng.normal(0, 1, n)
    return d


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=2848)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--bootstrap", type=int, default=300)
    args = ap.parse_args()
    from spatialq.panel import threshold_panel

    d = panel(args.units, args.years)
    t = time.perf_counter()
    dm = d[["y", "x1", "x2"]] - d.groupby("adcode")[["y", "x1", "x2"]].transform("mean")
    np.linalg.lstsq(dm[["x1", "x2"]].to_numpy(), dm["y"].to_numpy(), rcond=None)
    anchor = time.perf_counter() - t
    rows = []
    for k in (1, 2):
        t = time.perf_counter()
        res = threshold_panel(d, "y", ["x1", "x2"], "q", regime=["x2"], thresholds=k, bootstrap=args.bootstrap,
                              seed=0)
        rows.append((k, time.perf_counter() - t, float(res.thresholds["estimate"].iloc[0])))
    print(f"{'task':<58}{'seconds':>10}{'ratio':>12}{'aim s':>8}")
    print(f"{'within OLS (anchor), ' + f'{args.units:,} × {args.years}':<58}{anchor:>10.3f}{1:>11.0f}x{'':>8}")
    for k, s, g in rows:
        task = f"threshold_panel, {k} threshold(s), {args.bootstrap} bootstrap (γ̂1 = {g:.2f})"
        print(f"{task:<58}{s:>10.2f}{s / anchor:>11.0f}x{'60' if k == 1 else '':>8}")


if __name__ == "__main__":
    main()

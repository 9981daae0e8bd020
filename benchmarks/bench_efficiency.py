"""Efficiency at prefecture scale: 337 units × 15 years (5,055 LPs per model), three inputs, one desirable and
two undesirable outputs.

    python benchmarks/bench_efficiency.py [--units 337] [--years 15] [--jobs 1 2]

Anchor: the input-oriented CCR model of the same panel (radial DEA, two phases) in the same process.  Issue 16
aims at ≤ 60 s for SBM with undesirable outputs and ≤ 120 s for GML.  Prints seconds and ratios.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd


def panel(units: int, years: int, seed: int = 0) -> pd.DataFrame:
    """Cobb–Douglas outputs with inefficiency and technical progress; bads proportional to output with noise."""
    rng = np.random.default_rng(seed)
    n = units * years
    d = pd.DataFrame({"adcode": np.repeat([f"{100000 + i}" for i in range(units)], years),
                      "year": np.tile(np.arange(2008, 2008 + years), units)})
    k, lab, en = rng.lognormal(6, 1, n), rng.lognormal(4, .8, n), rng.lognormal(5, .9, n)
    tfp = np.exp(0.02 * (d["year"].to_numpy() - 2008))
    d["capital"], d["labour"], d["energy"] = k, lab, en
    d["gdp"] = tfp * k ** .35 * lab ** .45 * en ** .2 * np.exp(-np.abs(rng.normal(0, .3, n)))
    d["so2"] = d["gdp"] * rng.lognormal(-2, .5, n)
    d["cod"] = d["gdp"] * rng.lognormal(-3, .5, n)
    return d


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=337)
    ap.add_argument("--years", type=int, default=15)
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    from spatialq import efficiency as ef

    d = panel(args.units, args.years)
    io = (["capital", "labour", "energy"], ["gdp"], ["so2", "cod"])
    warnings.simplefilter("ignore", UserWarning)
    t = time.perf_counter()
    ef.dea(d, io[0], io[1])
    anchor = time.perf_counter() - t
    cases = [("SBM, undesirable outputs, CRS", 60, lambda j: ef.sbm(d, *io, n_jobs=j)),
             ("SBM, undesirable outputs, CRS, global frontier", None,
              lambda j: ef.sbm(d, *io, frontier="global", n_jobs=j)),
             ("super-SBM, undesirable outputs, CRS", None, lambda j: ef.sbm(d, *io, super=True, n_jobs=j)),
             ("GML (DDF, global frontier)", 120, lambda j: ef.malmquist(d, *io, n_jobs=j)),
             ("GML (SBM, global frontier)", 120, lambda j: ef.malmquist(d, *io, model="sbm", n_jobs=j)),
             ("ML (DDF, contemporaneous frontiers)", None, lambda j: ef.malmquist(d, *io, kind="ml", n_jobs=j))]
    print(f"{'task':<52}{'n_jobs':>7}{'seconds':>10}{'ratio':>9}{'aim s':>7}")
    print(f"{'CCR input-oriented (anchor), ' + f'{args.units} × {args.years}':<52}{1:>7}{anchor:>10.2f}{1:>8.1f}x")
    for name, aim, run in cases:
        for j in args.jobs:
            t = time.perf_counter()
            run(j)
            s = time.perf_counter() - t
            print(f"{name:<52}{j:>7}{s:>10.2f}{s / anchor:>8.1f}x{aim or '':>7}", flush=True)


if __name__ == "__main__":
    main()

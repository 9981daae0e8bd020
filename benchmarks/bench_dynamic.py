"""Dynamic spatial panel speed and memory: ``spatialq.panel.dynamic_panel`` against the static SDM panel.

Each case runs in a fresh subprocess; the table gives wall time (median of --repeat runs, inside the process,
after data set-up) and the peak resident memory of that process.  The anchor is the static two-way SDM
(``spatialq.panel.spatial_panel``) on the same data in the same run; "ratio" is dynamic / static seconds.

    python benchmarks/bench_dynamic.py [--repeat 1] [--only counties|prefectures]

Data: a synthetic dynamic SDM panel, y_t = 0.4 y_{t-1} + 0.1 W y_{t-1} + 0.3 W y_t + x β + W x θ + μ + α_t + ε
on the bundled counties (2,848 units, queen contiguity, islands joined to their nearest neighbour) and
prefectures, T = 10 years (the first supplies y(t-1)).  The dynamic SDM is fitted with unit and with two-way
effects, bias-corrected, with short- and long-run effects from 1,000 draws.  Issue 15 target: the county case
in <= 30 s and <= 2 GB.

Recorded (2 shared cores, 2026-12-01), counties, seconds / peak MB: dense code (commit 44fbf3c) unit effects
29.5 / 1,175, two-way 27.8 / 1,296; large-N path (N > 500; > 2,000 before 2026-12-01) unit effects
3.4 / 668, two-way 4.0 / 731; static anchor 0.6 / 446.  Prefectures (N = 337 < 500, dense path):
0.2 s / 365 MB either way.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
import warnings

from _subprocess import in_subprocess  # benchmarks/ is on the path when a script is run


def _panel(level: str, T: int = 10, seed: int = 0):
    import numpy as np
    import pandas as pd
    import scipy.sparse as sp

    from spatialq import geometry, weights

    g = geometry.counties() if level == "counties" else geometry.prefectures()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = weights.contiguity(g, islands="nearest")
    ids = list(w.id_order)
    n = len(ids)
    m = sp.csr_matrix(w.sparse, dtype=float)
    m = sp.diags(1 / np.asarray(m.sum(1)).ravel()) @ m
    rng = np.random.default_rng(seed)
    mu = rng.normal(size=n)
    lu = sp.linalg.splu(sp.csc_matrix(sp.identity(n) - 0.3 * m))
    y = lu.solve(mu + rng.normal(size=n))
    frames = []
    for t in range(T):
        x = rng.normal(size=(n, 2))
        rhs = 0.4 * y + 0.1 * (m @ y) + x @ [1.0, -0.5] + m @ x[:, 0] * 0.3 + mu + rng.normal(size=n)
        y = lu.solve(rhs)
        frames.append(pd.DataFrame({"adcode": ids, "year": 2011 + t, "y": y, "x1": x[:, 0], "x2": x[:, 1]}))
    return pd.concat(frames, ignore_index=True), w


def run_case(name: str, repeat: int) -> dict:
    warnings.simplefilter("ignore")
    from spatialq import panel

    level, kind = name.split(":")
    df, w = _panel(level)
    if kind == "static":
        def fn():
            return panel.spatial_panel(df, "y ~ x1 + x2", w, model="sdm", effects="twoways", n_draws=1000)
    else:
        def fn():
            return panel.dynamic_panel(df, "y ~ x1 + x2", w, model="sdm", effects=kind, n_draws=1000)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        res = fn()
        times.append(time.perf_counter() - t)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = {"seconds": statistics.median(times), "peak_mb": peak_mb, "rho": float(res.rho)}
    if kind != "static":
        out["tau"] = float(res.tau)
    return out


CASES = [("individual", "dynamic SDM, unit effects"), ("twoways", "dynamic SDM, two-way effects")]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--only", choices=["counties", "prefectures"])
    ap.add_argument("--case", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.repeat)))
        return

    def sub(case):
        return in_subprocess(__file__, case, args.repeat, ("seconds", "peak_mb", "rho", "tau"))

    levels = [args.only] if args.only else ["prefectures", "counties"]
    print(f"{'case':44s} {'seconds':>8s} {'MB':>7s} {'ratio':>6s}  estimates")
    for level in levels:
        anchor = sub(f"{level}:static")
        print(f"{level + ': static two-way SDM (anchor)':44s} {anchor['seconds']:8.2f} {anchor['peak_mb']:7.0f} "
              f"{1.0:6.1f}  rho = {anchor['rho']:.4f} {anchor.get('error', '')}")
        for kind, label in CASES:
            a = sub(f"{level}:{kind}")
            print(f"{level + ': ' + label:44s} {a['seconds']:8.2f} {a['peak_mb']:7.0f} "
                  f"{a['seconds'] / anchor['seconds']:6.1f}  rho = {a['rho']:.4f}, tau = {a['tau']:.4f} "
                  f"{a.get('error', '')}", flush=True)


if __name__ == "__main__":
    main()

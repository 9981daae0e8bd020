"""Spatial regression speed and memory: spatialq against spreg 1.9 in the same run.

Each case runs in a fresh subprocess; the table gives wall time (median of --repeat runs, inside
the process, after data set-up) and the peak resident memory of that process.

    python benchmarks/bench_regression.py [--repeat 1] [--spreg-large]

Cases: cross-section SAR and SDM with standard errors (default: expected information, stochastic traces
above 2,000 units; one case with ``se="exact"``) and effects on a queen lattice of
N = 3,000 and N = 20,022 units (spreg's ML_Lag at N = 20,022 only with --spreg-large: it needs a
dense N × N eigen-decomposition), and a two-way fixed-effects SDM panel on the 2,848 bundled
counties × 10 years with effects from 1,000 draws (spreg's Panel_FE_Lag has unit effects only; it
is timed on the same data as the nearest baseline).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
import warnings

from _subprocess import in_subprocess  # benchmarks/ is on the path when a script is run


def _lattice(n_rows, n_cols, seed=0):
    import numpy as np
    import pandas as pd
    import scipy.sparse as sp
    from libpysal.weights import lat2W

    w = lat2W(n_rows, n_cols, rook=False)
    n = n_rows * n_cols
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n)}, index=pd.Index(range(n), name="adcode"))
    m = sp.csr_matrix(w.sparse, dtype=float)
    m = sp.diags(1 / np.asarray(m.sum(1)).ravel()) @ m
    rhs = 1 + df.x1 - df.x2 + m @ (0.5 * df.x1.to_numpy()) + rng.normal(size=n)
    df["y"] = sp.linalg.spsolve(sp.csc_matrix(sp.identity(n) - 0.45 * m), rhs)
    return df, w


def _counties_panel(T=10, seed=0):
    import numpy as np
    import pandas as pd
    import scipy.sparse as sp

    from spatialq import geometry, weights

    c = geometry.counties()
    w = weights.contiguity(c)
    ids = list(w.id_order)
    n = len(ids)
    m = sp.csr_matrix(w.sparse, dtype=float)
    m = sp.diags(1 / np.asarray(m.sum(1)).ravel()) @ m
    rng = np.random.default_rng(seed)
    mu = rng.normal(size=n)
    lu = sp.linalg.splu(sp.csc_matrix(sp.identity(n) - 0.4 * m))
    frames = []
    for t in range(T):
        x = rng.normal(size=(n, 2))
        y = lu.solve(x @ [1.0, -0.5] + m @ x[:, 0] * 0.3 + mu + 0.2 * t + rng.normal(size=n))
        frames.append(pd.DataFrame({"adcode": ids, "year": 2011 + t, "y": y, "x1": x[:, 0], "x2": x[:, 1]}))
    return pd.concat(frames, ignore_index=True), w


def run_case(name: str, repeat: int) -> dict:
    warnings.simplefilter("ignore")
    import numpy as np

    from spatialq import panel, regression

    if name.startswith(("sq_cs", "spreg_cs")):
        size = name.rsplit("_", 1)[1]
        df, w = _lattice(50, 60) if size == "3000" else _lattice(141, 142)
    else:
        df, w = _counties_panel()
    if name.startswith("sq_cs_sar"):
        def fn():
            return regression.spatial_model(df, "y ~ x1 + x2", w, model="sar", n_draws=1000)
    elif name.startswith("sq_cs_sdm"):
        se = "exact" if "exact" in name else "auto"

        def fn():
            return regression.spatial_model(df, "y ~ x1 + x2", w, model="sdm", n_draws=1000, se=se)
    elif name.startswith("spreg_cs"):
        import spreg

        wr = w
        wr.transform = "r"
        y, X = df[["y"]].to_numpy(), df[["x1", "x2"]].to_numpy()
        lags = 1 if "sdm" in name else 0

        def fn():
            return spreg.ML_Lag(y, X, wr, slx_lags=lags, method="full")
    elif name == "sq_panel_sdm":
        def fn():
            return panel.spatial_panel(df, "y ~ x1 + x2", w, model="sdm", effects="twoways", n_draws=1000)
    elif name == "spreg_panel_lag":
        import spreg

        d = df.sort_values(["year", "adcode"])
        w.transform = "r"

        def fn():
            return spreg.Panel_FE_Lag(d[["y"]].to_numpy(), d[["x1", "x2"]].to_numpy(), w)
    else:
        raise SystemExit(f"unknown case {name}")
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        res = fn()
        times.append(time.perf_counter() - t)
    rho = getattr(res, "rho", None)
    if rho is None:
        rho = float(np.ravel(res.rho)[0]) if hasattr(res, "rho") else float("nan")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": statistics.median(times), "peak_mb": peak_mb, "rho": float(rho)}


CASES = [("cross-section SAR, N = 3,000", "sq_cs_sar_3000", "spreg_cs_sar_3000"),
         ("cross-section SDM, N = 3,000", "sq_cs_sdm_3000", "spreg_cs_sdm_3000"),
         ("cross-section SDM, N = 3,000, exact information matrix", "sq_cs_sdm_exact_3000", "spreg_cs_sdm_3000"),
         ("cross-section SAR, N = 20,022", "sq_cs_sar_20022", "spreg_cs_sar_20022"),
         ("cross-section SDM, N = 20,022", "sq_cs_sdm_20022", "spreg_cs_sdm_20022"),
         ("panel two-way SDM, N = 2,848, T = 10 (spreg: unit-FE SAR)", "sq_panel_sdm", "spreg_panel_lag")]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--spreg-large", action="store_true", help="also run spreg at N = 20,022 (very slow)")
    ap.add_argument("--case", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.repeat)))
        return

    def sub(case):
        return in_subprocess(__file__, case, args.repeat, ("seconds", "peak_mb", "rho"))

    print(f"{'case':58s} {'spatialq s':>10s} {'MB':>7s} {'spreg s':>9s} {'MB':>7s} {'ratio':>6s}  rho (sq / spreg)")
    for label, ours, theirs in CASES:
        a = sub(ours)
        if "20022" in theirs and not args.spreg_large:
            b = {"seconds": float("nan"), "peak_mb": float("nan"), "rho": float("nan")}
        else:
            b = sub(theirs)
        ratio = b["seconds"] / a["seconds"]
        print(f"{label:58s} {a['seconds']:10.2f} {a['peak_mb']:7.0f} {b['seconds']:9.2f} {b['peak_mb']:7.0f} "
              f"{ratio:6.1f}  {a['rho']:.4f} / {b['rho']:.4f} {b.get('error', '')}")


if __name__ == "__main__":
    main()

"""Geographical detector on 20 factors × 1,000,000 rows: spatialq against py-geodetector (the anchor).

    python benchmarks/bench_detector.py [--rows 1000000] [--factors 20] [--repeat 3] [--no-risk]

Every measurement runs in its own Python process (so peak memory is that run's alone); the engines and tasks are
interleaved and each row reports the median of ``--repeat`` runs.  Tasks:

* ``fi``    factor + interaction detectors (q of every factor and of every pair), warm: both libraries have
            been imported and called once on 2,000 rows first;
* ``all``   the four detectors (factor, interaction, risk, ecological), warm (py-geodetector's risk detector
            runs Levene + a t-test per pair of strata; its conventions differ, only q is compared);
* ``first`` factor + interaction as the first call in a fresh process, import of the library included.

Peak RSS is the process's maximum resident set during the timed call (Linux: the high-water mark is reset after
the data are made, so it is the call's peak; the data frame, ~170 MB, is resident in both; "base" is the RSS
before the call).
max |Δq| is over the 20 factor q and the 190 interaction q of the same run.  Timings are reported, never
asserted; the machine may be shared, so read the ratio.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

TASKS = {
    "fi": "factor + interaction, warm",
    "all": "factor + interaction + risk + ecological, warm",
    "first": "factor + interaction, first call (import included)",
}


def _data(n: int, k: int):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    cols = {f"x{i}": rng.integers(0, 3 + i % 6, n) for i in range(k)}
    y = sum(c * (0.3 + 0.1 * i) for i, c in enumerate(cols.values())) + rng.normal(0, 3, n)
    return pd.DataFrame({"y": y, **cols}), list(cols)  # the frame holds its own copy: the arrays are freed


def _reset_peak() -> float:
    """Reset the peak resident set of this process (Linux ``clear_refs`` 5) and return the current RSS (MB), so
    that the peak read later is the call's, not the data generation's; NaN where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return _status("VmRSS")
    except OSError:
        return float("nan")


def _status(key: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _ours(df, names, full: bool):
    from spatialq import detector

    r = detector.geodetector(df, "y", names, risk=full, ecological=full)
    q = {f: float(r.factor.loc[f, "q"]) for f in names}
    q12 = {f"{a}|{b}": float(v) for a, b, v in zip(r.interaction["factor1"], r.interaction["factor2"],
                                                   r.interaction["q12"])}
    return q, q12


def _theirs(df, names, full: bool):
    import pandas as pd
    from geodetector import GeoDetector

    g = GeoDetector(df, "y", names)
    fd = g.factor_detector()
    inter = g.interaction_detector()
    if full:
        g.ecological_detector()
        g.risk_detector()
    q = {f: float(fd.loc["q statistic", f]) for f in names}
    q12 = {}
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            v = inter.loc[b, a]
            q12[f"{a}|{b}"] = float(v if pd.notna(v) else inter.loc[a, b])
    return q, q12


def run(task: str, engine: str, n: int, k: int) -> dict:
    import warnings

    warnings.simplefilter("ignore")
    import gc

    df, names = _data(n, k)
    fn = _ours if engine == "spatialq" else _theirs
    full = task == "all"
    if task != "first":
        fn(df.head(2000), names, full)  # imports and lazy initialisation out of the timing
    gc.collect()
    base = _reset_peak()
    t0 = time.perf_counter()
    q, q12 = fn(df, names, full)
    seconds = time.perf_counter() - t0
    peak = _status("VmHWM") if base == base else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "maxrss_mb": peak, "base_mb": base, "q": q, "q12": q12}


def _once(task: str, engine: str, n: int, k: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--task", task, "--engine", engine, "--rows", str(n),
                          "--factors", str(k)], capture_output=True, text=True, timeout=3600)
    if out.returncode:
        return {"seconds": float("nan"), "maxrss_mb": float("nan"), "error": out.stderr.strip().splitlines()[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--task")
    ap.add_argument("--engine")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--factors", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-risk", action="store_true", help="skip the four-detector task")
    args = ap.parse_args()
    n, k = args.rows, args.factors
    if args.task:
        print(json.dumps(run(args.task, args.engine, n, k)))
        return
    tasks = [t for t in TASKS if not (args.no_risk and t == "all")]
    runs: dict = {(t, e): [] for t in tasks for e in ("spatialq", "py-geodetector")}
    for rep in range(args.repeat):  # interleaved: every task and engine once per round, engine order alternating
        for t in tasks:
            engines = ("spatialq", "py-geodetector") if rep % 2 == 0 else ("py-geodetector", "spatialq")
            for e in engines:
                runs[t, e].append(_once(t, e, n, k))
    print(f"geographical detector, {k} factors × {n:,} rows ({k * (k - 1) // 2} pairs); "
          f"median of {args.repeat} runs, each in a fresh process")
    print(f"{'task':<52}{'spatialq s':>11}{'py-geodetector s':>18}{'ratio':>8}{'max |Δq|':>10}"
          f"{'spatialq MB':>13}{'anchor MB':>11}{'base MB':>9}")
    for t in tasks:
        ours, theirs = runs[t, "spatialq"], runs[t, "py-geodetector"]
        med = {e: statistics.median(r["seconds"] for r in runs[t, e]) for e in ("spatialq", "py-geodetector")}
        mb = {e: statistics.median(r["maxrss_mb"] for r in runs[t, e]) for e in ("spatialq", "py-geodetector")}
        dq = float("nan")
        pairs = [(a, b) for a, b in zip(ours, theirs) if "q" in a and "q" in b]
        if pairs:
            dq = max(max(abs(a[key][f] - b[key][f]) for key in ("q", "q12") for f in a[key]) for a, b in pairs)
        ratio = med["py-geodetector"] / med["spatialq"]
        print(f"{TASKS[t]:<52}{med['spatialq']:>11.2f}{med['py-geodetector']:>18.2f}{ratio:>7.1f}x{dq:>10.1e}"
              f"{mb['spatialq']:>13.0f}{mb['py-geodetector']:>11.0f}"
              f"{statistics.median(r.get('base_mb', float('nan')) for r in ours):>9.0f}")
        for e in ("spatialq", "py-geodetector"):
            for r in runs[t, e]:
                if "error" in r:
                    print(f"    {e} failed: {r['error']}")
        print(f"    runs (s): spatialq {[round(r['seconds'], 2) for r in ours]}, "
              f"py-geodetector {[round(r['seconds'], 2) for r in theirs]}")


if __name__ == "__main__":
    main()

"""Writing a formatted 1,000-row × 12-column table to CSV (the anchor), XLSX and DOCX in the same run.

    python benchmarks/bench_report.py [--repeat 3] [--rows 1000]   # e.g. --rows 40 160 320 1000

The Word writer used to grow with the square of the rows (python-docx's ``table.cell(i, j)`` walks
the whole grid on every call); the ratio against CSV shows whether it is linear again.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--rows", type=int, nargs="+", default=[1000])
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    import numpy as np
    import pandas as pd

    from spatialq import report

    rng = np.random.default_rng(0)
    print(f"{'rows x 12 columns':<20}{'format':<8}{'seconds':>9}{'vs csv':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.rows:
            frame = pd.DataFrame(rng.normal(size=(n, 11)), columns=[f"x{j}" for j in range(11)])
            frame.insert(0, "region", [f"地区{i}" for i in range(n)])
            t = report.table(frame, index=False)  # formatted once: the writers alone are timed
            times = {}
            for ext in ("csv", "xlsx", "docx"):
                out = []
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    report.write(t, Path(tmp) / f"t.{ext}", caption="表 1 基准", note="注：基准")
                    out.append(time.perf_counter() - start)
                times[ext] = statistics.median(out)
            for ext, sec in times.items():
                print(f"{f'{n:,} x 12':<20}{ext:<8}{sec:>9.3f}{sec / times['csv']:>8.1f}x")


if __name__ == "__main__":
    main()

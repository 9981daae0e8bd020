"""Benchmark: the study pipeline (`spatialq run`) against the same analyses called through the API.

Baseline (same process, same data): the demo study's computations called directly — entropy index,
weights, KDE, Moran, LISA, Gi*, ellipses, Dagum, Theil, convergence, Markov, spatial Markov, coupling,
detector, three panel models — without writing anything. The study run adds validation, tables in three
formats, ~20 figures, 2 interactive maps and the index page; the ratio is the cost of the publication output.
Also: the demo study at prefecture level (367 units) to show how the maps scale (``--levels county`` adds the
2,848 counties, matched by adcode since county names repeat), and the same study with
``n_jobs=2`` (analyses drawn and written in two loky worker processes; the files are byte-identical).

Every case runs in a fresh Python process (benchmarks/_subprocess.py) after a warm-up (the province study,
serial: imports, font cache), so its peak RSS is its own; for ``n_jobs=2`` the workers start inside the timed
run (as they do for ``spatialq run --n-jobs 2``) and the peak RSS of the largest worker is shown too.

A second line splits the serial run by the study's own timings: the analyses (with building their figures), writing
tables and figures, and the rest — the study machinery itself (validation, reading and matching the data,
scheduling, the index page).

CPU seconds are printed next to the wall times (this process, its loky workers and any reaped child): on a
shared machine a wall time far above the CPU time means the run waited for the cores, and the CPU time of
``n_jobs=2`` against the serial one is the cost of the workers (start-up, imports, cold caches).

Run: python benchmarks/bench_study.py [--repeat 3] [--levels province,prefecture]
(prints a table of medians; nothing is asserted)
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")


def api_baseline(level: str) -> float:
    from spatialq import density, detector, geometry, hotspot, index, inequality, markov, panel, weights
    from spatialq.datasets import synthetic_urbanisation
    from spatialq.datasets.urbanisation import DRIVERS, INDICATORS
    from spatialq.ellipse import sde

    t0 = time.perf_counter()
    df = synthetic_urbanisation(level)
    gdf = {"province": geometry.provinces, "prefecture": geometry.prefectures, "county": geometry.counties}[level]()
    df["region"] = df["adcode"].map(geometry.regions("four", level=level))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = weights.contiguity(gdf)
    ent = index.entropy(df, {k: v[0] for k, v in INDICATORS.items()},
                        subsystems={k: v[1] for k, v in INDICATORS.items()})
    d = df.merge(ent.to_frame().rename(columns={"score": "u"}), on=["adcode", "year"])
    density.kde(d, "u", group="region")
    hotspot.moran(d, "u", w, seed=1)
    hotspot.local_moran(d, "u", w, seed=1)
    hotspot.gi_star(d, "u", w)
    g = geometry.to_albers(gdf)[["geometry"]].join(d[d.year.isin([2011, 2014, 2018, 2022])].set_index("adcode"))
    sde(g.reset_index(), weights="u", by="year")
    inequality.dagum_gini(d, "u", "region")
    inequality.theil(d, "u", "region")
    inequality.convergence(d, "u", kind="sigma")
    inequality.convergence(d, "u", kind="beta", panel=True)
    markov.markov(d, "u", classes=4)
    markov.spatial_markov(d, "u", w, classes=4)
    index.coupling(d, ["economic", "ecological"])
    detector.geodetector(d[d.year == 2022], "u", list(DRIVERS), discretize="optimal", k=[3, 4, 5])
    f = "u ~ " + " + ".join(DRIVERS)
    panel.lm_tests(d, f, w)
    for m in ("sar", "sem", "sdm"):
        panel.spatial_panel(d, f, w, model=m, lee_yu=True, n_draws=500, seed=1)
    return time.perf_counter() - t0


def study_run(level: str, tmp: Path, n_jobs: int = 1) -> tuple[float, object]:
    from spatialq import study
    from spatialq.datasets import synthetic_urbanisation
    from spatialq.demo import write_demo_input

    path = write_demo_input(tmp / level / "input")
    if level != "province":  # prefectures by name within their province; counties (names repeat) by adcode
        df = synthetic_urbanisation(level).drop(columns=["urbanisation_latent"]
                                                + (["adcode"] if level == "prefecture" else []))
        df.to_csv(path.parent / "urbanisation_provinces.csv", index=False, encoding="utf-8-sig")
        ids = 'id = "name"\nprovince = "province"' if level == "prefecture" else 'id = "adcode"'
        text = path.read_text(encoding="utf-8").replace('id = "province"', ids)
        text = text.replace('level = "province"', f'level = "{level}"').replace("k = [3, 4, 5]", "k = [4, 5, 6]")
        path.write_text(text, encoding="utf-8")
    t0 = time.perf_counter()
    res = study.run(path, out=tmp / level / f"out{n_jobs}", progress=False, n_jobs=n_jobs)
    return time.perf_counter() - t0, res


def cpu_seconds() -> float:
    """CPU time (user + system) of this process, its live child processes (loky workers) and reaped children."""
    own = time.process_time()
    done = resource.getrusage(resource.RUSAGE_CHILDREN)
    live = 0.0
    try:
        import psutil

        for child in psutil.Process().children(recursive=True):
            try:
                t = child.cpu_times()
                live += t.user + t.system
            except psutil.Error:  # ended meanwhile (then counted as reaped, or lost: a small undercount)
                pass
    except ImportError:  # pragma: no cover - psutil is optional here
        pass
    return own + done.ru_utime + done.ru_stime + live


def worker_peak_mb() -> float:
    """Largest peak RSS (MB) of this process's children: reaped ones (``RUSAGE_CHILDREN``) and live ones (loky
    keeps its workers; Linux ``VmHWM``)."""
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    try:
        import psutil

        children = psutil.Process().children(recursive=True)
    except ImportError:  # pragma: no cover - psutil is optional here
        return peak
    for child in children:
        try:
            status = Path(f"/proc/{child.pid}/status").read_text()
        except OSError:  # not Linux, or ended meanwhile
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]) / 1024)
    return peak


def case(name: str, repeat: int) -> dict:
    """One case (``<level>:api`` or ``<level>:<n_jobs>``) in this process: median seconds and CPU seconds, peak
    RSS (MB)."""
    level, what = name.split(":")
    times, cpus, extra = [], [], {}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        study_run("province", tmp / "warm")  # warm-up: imports, mapclassify, font cache
        for _ in range(repeat):
            c0 = cpu_seconds()
            if what == "api":
                times.append(api_baseline(level))
                cpus.append(cpu_seconds() - c0)
                continue
            secs, res = study_run(level, tmp, n_jobs=int(what))
            cpus.append(cpu_seconds() - c0)
            times.append(secs)
            tm = res.timings
            extra = {"computing": float(tm["computing"].sum()), "writing": float(tm["writing"].sum()),
                     "machinery": secs - float(tm["seconds"].sum()),
                     "tables": sum(o.kind == "table" for o in res.outputs),
                     "figures": sum(o.kind == "figure" for o in res.outputs),
                     "slowest": ", ".join(f"{r.step} {r.seconds:.1f}s" for r in
                                          res.timings.sort_values("seconds", ascending=False).head(3).itertuples())}
    return {"seconds": statistics.median(times), "first": times[0], "cpu": statistics.median(cpus),
            "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "child_mb": worker_peak_mb(), **extra}


def main() -> None:
    from _subprocess import in_subprocess

    ap = argparse.ArgumentParser()
    ap.add_argument("--case")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--levels", default="province,prefecture")
    args = ap.parse_args()
    if args.case:
        print(json.dumps(case(args.case, args.repeat)))
        return
    keys = ("seconds", "first", "cpu", "maxrss_mb", "child_mb")
    print(f"median of {args.repeat} run(s) per case, each case in a fresh process; the machine may be shared "
          "(timings noisy)")
    print(f"{'level':<11}{'API s':>7}{'study s':>9}{'n_jobs=2 s':>11}{'study/API':>10}{'n2/API':>8}{'n1/n2':>7}"
          f"{'CPU API':>9}{'CPU n1':>8}{'CPU n2':>8}"
          f"{'MB API':>8}{'MB n1':>7}{'MB n2':>7}{'MB worker':>10}  outputs; slowest steps (serial)")
    for level in args.levels.split(","):
        r = {w: in_subprocess(__file__, f"{level}:{w}", args.repeat, keys) for w in ("api", "1", "2")}
        a, s1, s2 = r["api"]["seconds"], r["1"]["seconds"], r["2"]["seconds"]
        print(f"{level:<11}{a:>7.2f}{s1:>9.2f}{s2:>11.2f}{s1 / a:>10.1f}{s2 / a:>8.1f}{s1 / s2:>7.2f}"
              f"{r['api']['cpu']:>9.2f}{r['1']['cpu']:>8.2f}{r['2']['cpu']:>8.2f}"
              f"{r['api']['maxrss_mb']:>8.0f}{r['1']['maxrss_mb']:>7.0f}{r['2']['maxrss_mb']:>7.0f}"
              f"{r['2']['child_mb']:>10.0f}  {r['1'].get('tables', '?')} tables, {r['1'].get('figures', '?')} "
              f"figures; {r['1'].get('slowest', r['1'].get('error', ''))}")
        if "writing" in r["1"]:
            s = r["1"]
            print(f"{'':<11}serial run: analyses with figure building {s['computing']:.2f} s, writing tables and "
                  f"figures {s['writing']:.2f} s, the study's own work (validation, data, schedule, index page) "
                  f"{s['machinery']:.2f} s ({s['machinery'] / s1:.0%})")
        for w, v in r.items():
            if "error" in v:
                print(f"    {level}:{w} failed: {v['error']}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()

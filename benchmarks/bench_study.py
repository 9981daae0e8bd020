"""Benchmark: the study pipeline (`spatialq run`) against the same analyses called through the API.

Baseline (same process, same data): the demo study's computations called directly — entropy index,
weights, KDE, Moran, LISA, Gi*, ellipses, Dagum, Theil, convergence, Markov, spatial Markov, coupling,
detector, three panel models — without writing anything. The study run adds validation, tables in three
formats, 18 figures and the index page; the ratio is the cost of the publication output.
Also: the demo study at prefecture level (367 units) to show how the maps scale.

Run: python benchmarks/bench_study.py   (prints a table; nothing is asserted)
"""

from __future__ import annotations

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
    gdf = geometry.provinces() if level == "province" else geometry.prefectures()
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


def study_run(level: str, tmp: Path) -> tuple[float, object]:
    from spatialq import study
    from spatialq.datasets import synthetic_urbanisation
    from spatialq.demo import write_demo_input

    path = write_demo_input(tmp / level / "input")
    if level == "prefecture":
        df = synthetic_urbanisation("prefecture").drop(columns=["adcode", "urbanisation_latent"])
        df.to_csv(path.parent / "urbanisation_provinces.csv", index=False, encoding="utf-8-sig")
        text = path.read_text(encoding="utf-8").replace('id = "province"', 'id = "name"\nprovince = "province"')
        text = text.replace('level = "province"', 'level = "prefecture"').replace("k = [3, 4, 5]", "k = [4, 5, 6]")
        path.write_text(text, encoding="utf-8")
    t0 = time.perf_counter()
    res = study.run(path, out=tmp / level / "out", progress=False)
    return time.perf_counter() - t0, res


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        study_run("province", tmp)  # warm-up: imports, mapclassify, font cache
        for level in ("province", "prefecture"):
            base = api_baseline(level)
            secs, res = study_run(level, tmp)
            nt = sum(o.kind == "table" for o in res.outputs)
            nf = sum(o.kind == "figure" for o in res.outputs)
            slow = res.timings.sort_values("seconds", ascending=False).head(3)
            rows.append((level, base, secs, nt, nf, ", ".join(f"{r.step} {r.seconds:.1f}s" for r in slow.itertuples())))
    print(f"{'level':<11}{'API only s':>11}{'study s':>9}{'ratio':>7}{'tables':>8}{'figures':>8}  slowest steps")
    for level, base, secs, nt, nf, slow in rows:
        print(f"{level:<11}{base:>11.2f}{secs:>9.2f}{secs / base:>7.1f}{nt:>8}{nf:>8}  {slow}")


if __name__ == "__main__":
    main()

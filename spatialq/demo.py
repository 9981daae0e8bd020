"""The demo job behind ``spatialq demo --out DIR``: a whole study on synthetic data.

It writes a yearbook-style table of the synthetic new-type urbanisation panel of the 31
provinces (:func:`spatialq.datasets.synthetic_urbanisation`, provinces by their Chinese names as
yearbooks print them) and the bundled study file ``demo_urbanisation.toml`` into ``DIR/input``, runs
the study (index → kernel density → Moran / LISA / Gi* → ellipses → Dagum / Theil / convergence →
Markov chains → coupling coordination → geographical detector → two-way fixed-effects spatial
panels) and adds a map of the four regions and the contiguity weights as GeoDa/R files.
**The data are synthetic**; the demo shows the workflow, not findings about China.
"""

from __future__ import annotations

import os
import shutil
import warnings
from importlib import resources
from pathlib import Path

from . import geometry, weights
from .datasets import synthetic_urbanisation

DEMO_STUDY = "demo_urbanisation.toml"


def demo_study_path() -> Path:
    """Path of the bundled demo study file."""
    return Path(str(resources.files("spatialq.studies").joinpath(DEMO_STUDY)))


def write_demo_input(folder: str | os.PathLike) -> Path:
    """Write the demo data (CSV, names instead of adcodes) and the study file; returns the study path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    df = synthetic_urbanisation("province")
    table = df.drop(columns=["adcode", "name", "urbanisation_latent"])
    table.to_csv(folder / "urbanisation_provinces.csv", index=False, encoding="utf-8-sig")
    target = folder / DEMO_STUDY
    shutil.copyfile(demo_study_path(), target)
    return target


def run_demo(out: str | os.PathLike, *, progress: bool = True) -> list[Path]:
    """Run the demo study into ``out`` (created if needed); returns the files written."""
    from . import study

    out = Path(out)
    result = study.run(write_demo_input(out / "input"), out=out, progress=progress)
    written = [p for o in result.outputs for p in o.files]

    prov = geometry.provinces()  # every figure is the study's own, on its index page; the weights for reuse
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the Hainan link is listed in the study's notes
        w_prov = weights.contiguity(prov)
    written.append(weights.save(w_prov, out / "data" / "provinces_queen.gal"))
    written += [result.index, out / "index.md", out / "provenance.json", out / "data" / "analysis_data.csv"]
    return written

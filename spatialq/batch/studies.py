"""Many study files at once: each runs :func:`spatialq.study.run` into its own output folder, fanned out
through joblib (:func:`spatialq._parallel.pmap`) — local processes or, inside
``joblib.parallel_config(backend="dask")``, the workers of a Dask cluster."""

from __future__ import annotations

import os
import time as _time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from .._guards import InputError
from .._parallel import check_n_jobs, pmap
from .._results import Result, provenance
from .robustness import _backend

__all__ = ["StudiesResult", "run_studies"]


@dataclass(frozen=True, eq=False, repr=False)
class StudiesResult(Result):
    """One row per study in the order given: ``name``, ``study`` (the file), ``out`` (its folder), ``status``
    ("ok" / "failed"), ``tables``, ``figures``, ``index`` (its index page), ``notes``, ``seconds``,
    ``error_type``, ``error``."""

    runs: pd.DataFrame

    @property
    def failures(self) -> pd.DataFrame:
        return self.runs[self.runs["status"] == "failed"].reset_index(drop=True)

    def _title(self) -> str:
        return "Batch of studies"

    def _summary_lines(self) -> list[str]:
        r = self.runs
        ok = int((r["status"] == "ok").sum())
        lines = [f"{len(r)} studies: {ok} finished, {len(r) - ok} failed"]
        for row in r.itertuples():
            what = (f"{row.tables} tables, {row.figures} figures → {row.out}" if row.status == "ok"
                    else f"FAILED {row.error_type}: {str(row.error).splitlines()[0][:160]}")
            lines.append(f"  {row.name:<24}{row.seconds:>7.1f} s  {what}")
        return lines

    def to_frame(self) -> pd.DataFrame:
        return self.runs.copy()


def _names(paths) -> dict[str, Path]:
    from ..study.output import slug

    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    if isinstance(paths, Mapping):
        named = {str(k): Path(v) for k, v in paths.items()}
        bad = [k for k in named if slug(k) != k]
        if bad:
            raise InputError(f"run_studies: study names become folder names and must be plain (letters, digits, _ "
                             f"and -): {bad}; e.g. {[slug(k) for k in bad]}")
    elif isinstance(paths, Sequence) and paths:
        files = [Path(p) for p in paths]
        named = {}
        for p in files:
            named.setdefault(slug(p.stem), []).append(p)
        clash = {k: v for k, v in named.items() if len(v) > 1}
        if clash:
            raise InputError(f"run_studies: several study files would write to the same folder: "
                             f"{ {k: [str(p) for p in v] for k, v in clash.items()} }; pass a dict "
                             "{'folder_name': path, ...} to name them")
        named = {k: v[0] for k, v in named.items()}
    else:
        raise InputError(f"run_studies: paths must be a list of study files or a dict of name to file, got {paths!r}")
    if not named:
        raise InputError("run_studies: no study files given")
    missing = [str(p) for p in named.values() if not p.is_file()]
    if missing:
        raise InputError(f"run_studies: study files not found: {missing[:10]}")
    return named


def _run_one(task: tuple[str, str, str, bool, int]) -> dict:
    """The worker: run one study; any exception (but an interrupt) is recorded, not raised."""
    name, path, out, allow_outside, parent = task
    if os.getpid() != parent:  # a worker process: draw off-screen whatever its default backend
        import matplotlib

        matplotlib.use("Agg")
    from ..study import run

    t0 = _time.perf_counter()
    row = {"name": name, "study": path, "out": out}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a study records its warnings in its notes
            res = run(path, out=out, progress=False, allow_outside=allow_outside)
    except Exception as err:
        return {**row, "status": "failed", "tables": 0, "figures": 0, "index": "", "notes": 0,
                "seconds": _time.perf_counter() - t0, "error_type": type(err).__name__, "error": str(err)}
    return {**row, "status": "ok", "tables": sum(o.kind == "table" for o in res.outputs),
            "figures": sum(o.kind == "figure" for o in res.outputs), "index": str(res.index),
            "notes": len(res.notes), "seconds": _time.perf_counter() - t0, "error_type": "", "error": ""}


def run_studies(
    paths: Sequence[str | os.PathLike] | Mapping[str, str | os.PathLike],
    out_root: str | os.PathLike,
    *,
    n_jobs: int = 1,
    backend: str | None = None,
    errors: Literal["record", "raise"] = "record",
    allow_outside: bool = False,
) -> StudiesResult:
    """Run many study files, each into ``out_root/<name>`` (``name`` the file's stem, or the dict's key).

    Each study is one :func:`spatialq.study.run` — validated, transactional, with its own index page — in a
    worker (a process of this machine, or a Dask worker inside ``joblib.parallel_config(backend="dask")``);
    the studies do not share anything, so any number run side by side.  Worker processes draw with
    matplotlib's Agg backend.  On a cluster, ``out_root`` and the studies' data files must be on a file
    system every worker sees (docs/batch.md).

    Parameters
    ----------
    paths : list of study files, or dict of folder name to study file
        Two files with the same stem are refused (name them with a dict).
    out_root : path
        Created if needed; ``out_root/<name>`` is each study's ``out``.
    n_jobs, backend
        As in :func:`spatialq.batch.robustness` (1 = serial; −1 every core or every Dask worker thread).
    errors : {"record", "raise"}
        "record" (default): a study that fails is a row with ``status == "failed"`` and its error (and one
        ``UserWarning``), the others run to the end; its folder keeps its previous outputs (study runs are
        transactional).  "raise": after the batch, raise an :class:`~spatialq._guards.InputError` naming every
        failed study and its error.
    allow_outside : bool
        Let study files name data outside their folder (``spatialq run --allow-outside``).

    Returns
    -------
    StudiesResult
        ``.runs`` / ``.to_frame()``: one row per study, in the order given.
    """
    n_jobs = check_n_jobs(n_jobs, method="run_studies")
    if errors not in ("record", "raise"):
        raise InputError(f"run_studies: errors must be 'record' or 'raise', got {errors!r}")
    named = _names(paths)
    root = Path(out_root)
    if root.exists() and not root.is_dir():
        raise InputError(f"run_studies: out_root {str(root)!r} exists and is not a folder")
    root.mkdir(parents=True, exist_ok=True)
    parent = os.getpid()
    tasks = [(name, str(p.resolve()), str((root / name).resolve()), bool(allow_outside), parent)
             for name, p in named.items()]
    with _backend(backend, n_jobs, "run_studies"):
        rows = pmap(_run_one, tasks, n_jobs=n_jobs)
    runs = pd.DataFrame(rows, columns=["name", "study", "out", "status", "tables", "figures", "index", "notes",
                                       "seconds", "error_type", "error"])
    bad = runs[runs["status"] == "failed"]
    if len(bad) and errors == "raise":
        raise InputError("run_studies: " + "; ".join(f"{r.name} ({r.study}): {r.error_type}: {r.error}"
                                                     for r in bad.itertuples()))
    if len(bad):
        warnings.warn(f"run_studies: {len(bad)} of {len(runs)} studies failed ({', '.join(bad['name'])}); see "
                      "result.failures", UserWarning, stacklevel=2)
    meta = provenance("spatialq.batch.run_studies", n=len(runs), out_root=str(root), n_jobs=n_jobs)
    return StudiesResult(meta=meta, runs=runs)

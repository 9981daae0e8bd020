"""Running a study's analyses in worker processes, with outputs identical to a serial run.

The set-up steps (index, regions, weights) run in the main process, in order.  The analyses are then
cut into *levels* by their data dependencies (:func:`levels`): an analysis that reads a column another
analysis creates (``Analysis.creates``), or creates the same column, runs in a later level than it; all
analyses of one level run concurrently (:func:`spatialq._parallel.pmap`, joblib's loky processes), handed
to joblib longest first (:func:`dispatch_order`, by :data:`COST_HINT`) so that a long analysis does not start
last and leave the other workers idle; joblib does the scheduling.

Each analysis runs in :func:`run_one` on a private :class:`~spatialq.study.runner.Context` that writes
into its own scratch folder inside the staging folder, numbering its tables and figures from 1.  Back in
the main process :func:`adopt` takes the results **in the order of the study file**: it renames the
files to their study-wide numbers (``tables/tableNN_…``, ``figures/figNN_…``), appends the analysis's
notes and warnings and adds the columns it created.  A serial run (``n_jobs = 1``) goes through the
same two functions in the main process, so numbering, notes, warnings and column order cannot depend
on the number of workers.  Nothing in a file depends on its number (captions, sheets and previews
carry the output's name), so renaming keeps the bytes.

A worker gets what the main process has that bears on the bytes it writes: matplotlib's ``rcParams``
(after the bundled font is registered; ``backend`` aside: workers draw with Agg), the warning filters,
and ``SOURCE_DATE_EPOCH`` (the PDF/SVG/XLSX/DOCX dates).  An error inside an analysis comes back as a
value and is raised in the main process for the first failing analysis in study-file order — the error
a serial run raises.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import shutil
import sys
import threading
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

from .analyses import REGISTRY
from .output import slug
from .spec import Study

__all__ = ["COST_HINT", "Done", "Job", "Shared", "adopt", "dispatch_order", "levels", "pack", "plain_study", "run_one",
           "warm_workers"]

_RC_SKIP = frozenset({"backend", "backend_fallback", "interactive"})


def reads(name: str, opts: Mapping) -> set[str]:
    """Columns the analysis ``name`` reads: its ``column``, ``Analysis.columns`` and ``text_columns``
    (what :func:`spatialq.study.data._needed_columns` checks)."""
    a = REGISTRY[name]
    return {*([opts["column"]] if opts.get("column") else []), *a.columns(opts), *a.text_columns(opts)}


def levels(analyses: Sequence[tuple[str, Mapping]]) -> list[list[int]]:
    """Positions of the analyses grouped into levels that can run concurrently.

    Analysis *j* is one level after every earlier analysis *i* whose created columns it reads or also
    creates; otherwise it is in level 0.  Concatenating the levels does not give the study-file order
    in general; results are always adopted in study-file order."""
    made = [set(REGISTRY[n].creates(o)) for n, o in analyses]
    lv: list[int] = []
    for j, (name, opts) in enumerate(analyses):
        touch = reads(name, opts) | made[j]
        lv.append(max((lv[i] + 1 for i in range(j) if made[i] & touch), default=0))
    return [[j for j, v in enumerate(lv) if v == k] for k in range(max(lv, default=-1) + 1)]


COST_HINT = MappingProxyType({name: a.cost for name, a in REGISTRY.items()})
"""Rough relative cost of each analysis (``Analysis.cost``, declared in its module: serial seconds of the demo
study at prefecture level, measured with ``benchmarks/bench_study.py``).  Only the order in which a level's
analyses are handed to the workers depends on it, never an output."""

PANEL_HINT = 0.5
"""Added to :data:`COST_HINT` for each year of an analysis's ``years`` (one more map panel to draw)."""


def dispatch_order(analyses: Sequence[tuple[str, Mapping]], level: Sequence[int]) -> list[int]:
    """The positions of ``level`` longest first (:data:`COST_HINT` plus :data:`PANEL_HINT` per year of
    ``years``), ties in study-file order.

    joblib hands tasks to free workers in the order given; starting the longest first keeps a long analysis
    from running alone at the end (longest-processing-time-first).  The results are adopted in study-file
    order whatever this order is (:func:`adopt`).

    Parameters
    ----------
    analyses : sequence of (name, options)
        The study's analyses.
    level : sequence of int
        Positions in ``analyses`` (one level of :func:`levels`).

    Returns
    -------
    list of int
        ``level`` reordered.
    """
    def cost(pos: int) -> float:
        name, opts = analyses[pos]
        years = opts.get("years") or ()
        return COST_HINT.get(name, 1.0) + PANEL_HINT * (len(years) if isinstance(years, list | tuple) else 0)

    return sorted(level, key=lambda pos: (-cost(pos), pos))


def plain_study(spec: Study) -> Study:
    """The study with plain dicts instead of read-only mappings (which cannot be pickled)."""
    def d(m: Mapping | None) -> dict | None:
        return None if m is None else dict(m)

    return replace(spec, study=d(spec.study), data=d(spec.data), index=d(spec.index), regions=d(spec.regions),
                   weights=d(spec.weights), analyses=tuple((n, dict(o)) for n, o in spec.analyses),
                   labels=dict(spec.labels))


def _frozen_study(spec: Study) -> Study:
    def f(m: Mapping | None) -> Mapping | None:
        return None if m is None else MappingProxyType(dict(m))

    return replace(spec, study=f(spec.study), data=f(spec.data), index=f(spec.index), regions=f(spec.regions),
                   weights=f(spec.weights), analyses=tuple((n, MappingProxyType(dict(o))) for n, o in spec.analyses),
                   labels=MappingProxyType(dict(spec.labels)))


@dataclass(frozen=True)
class Shared:
    """What every analysis gets from the main process (picklable)."""

    study: Study  # as :func:`plain_study`
    prepared: Any
    folder: Any  # the OutputFolder, staging set
    lang: str
    seed: int
    w: Any
    index_name: str | None
    indicators: tuple[str, ...]
    labels: dict
    region_col: str | None
    islands: tuple[str, ...]
    rc: dict
    filters: tuple
    source_date: str | None
    parent: int = field(default_factory=os.getpid)


@dataclass(frozen=True)
class Job:
    """One analysis: its position in the study file, name, options and the data it starts from.

    ``shared`` goes to an analysis run in the main process as it is; to a worker as ``blob`` (the pickle of
    :class:`Shared`, made once per level): a worker unpickles it once and keeps it while ``token`` is the
    same, so the boundaries, weights and data cross once per worker rather than once per analysis."""

    pos: int
    name: str
    opts: dict
    data: pd.DataFrame
    shared: Shared | None = None
    blob: bytes | None = None
    token: str = ""


#: A worker's copy of the last :class:`Shared` it received (token, object).
_SHARED: list = []


def pack(jobs: list[Job]) -> list[Job]:
    """The jobs with ``Shared`` replaced by one pickle of it, for worker processes."""
    if not jobs:
        return jobs
    blob = pickle.dumps(jobs[0].shared, protocol=pickle.HIGHEST_PROTOCOL)
    token = f"{os.getpid()}-{time.monotonic_ns()}"
    return [replace(j, shared=None, blob=blob, token=token) for j in jobs]


def _shared(job: Job) -> Shared:
    if job.shared is not None:
        return job.shared
    if not _SHARED or _SHARED[0] != job.token:
        _SHARED[:] = [job.token, pickle.loads(job.blob)]
    return _SHARED[1]


@dataclass
class Done:
    """What an analysis made: outputs (files in its scratch folder), notes, warning messages, the columns
    it added, its times, or the error it raised."""

    pos: int
    name: str
    scratch: Path
    outputs: list = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warned: list[str] = field(default_factory=list)
    new: pd.DataFrame | None = None
    seconds: float = 0.0
    writing: float = 0.0
    error: BaseException | None = None


def rc_snapshot() -> dict:
    """The matplotlib settings a worker must share (everything but the backend)."""
    import matplotlib

    return {k: v for k, v in matplotlib.rcParams.items() if k not in _RC_SKIP}


@contextlib.contextmanager
def _worker_state(sh: Shared) -> Iterator[None]:
    """In a worker process: Agg, the bundled font, the main process's rcParams and SOURCE_DATE_EPOCH;
    restored afterwards (loky workers are reused by other spatialq calls)."""
    import matplotlib

    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    from ..plot._mpl import pyplot

    if matplotlib.get_backend().lower() != "agg":
        pyplot().switch_backend("Agg")
    old_rc, old_env = rc_snapshot(), os.environ.get("SOURCE_DATE_EPOCH")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        matplotlib.rcParams.update(sh.rc)
    if sh.source_date is None:
        os.environ.pop("SOURCE_DATE_EPOCH", None)
    else:
        os.environ["SOURCE_DATE_EPOCH"] = sh.source_date
    try:
        yield
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            matplotlib.rcParams.update(old_rc)
        if old_env is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old_env


def _set_filters(filters: tuple) -> None:
    warnings.resetwarnings()
    for action, message, category, module, lineno in reversed(filters):
        warnings.filterwarnings(action, getattr(message, "pattern", message) or "", category,
                                getattr(module, "pattern", module) or "", lineno)


def run_one(job: Job) -> Done:
    """Run one analysis on a private context writing into ``<staging>/.step<NNN>-<name>/``.

    In the main process an error propagates as it is; in a worker it is returned in ``Done.error``
    (so that the main process raises the first one in study-file order)."""
    from .runner import Context

    sh = _shared(job)
    in_worker = os.getpid() != sh.parent
    if in_worker:
        keep_worker()
    scratch = sh.folder.inside(sh.folder.staging / f".step{job.pos:03d}-{slug(job.name)}")
    scratch.mkdir()
    done = Done(job.pos, job.name, scratch)
    ctx = Context(study=_frozen_study(sh.study), prepared=sh.prepared, out=scratch, data=job.data, lang=sh.lang,
                  seed=sh.seed, folder=sh.folder, w=sh.w, index_name=sh.index_name,
                  indicators=list(sh.indicators), labels=dict(sh.labels), region_col=sh.region_col,
                  islands=list(sh.islands), current=job.name)
    before = list(job.data.columns)
    state = _worker_state(sh) if in_worker else contextlib.nullcontext()
    with state, warnings.catch_warnings(record=True) as caught:
        if in_worker:
            _set_filters(sh.filters)
        warnings.simplefilter("always", UserWarning)
        t0 = time.perf_counter()
        try:
            REGISTRY[job.name].step(ctx, MappingProxyType(dict(job.opts)))
        except Exception as err:
            if not in_worker:
                raise
            try:
                pickle.loads(pickle.dumps(err))
            except Exception:  # an error that cannot travel: let joblib report it as it can
                raise err from None
            done.error = err
            return done
        finally:
            done.seconds = time.perf_counter() - t0
    done.writing = ctx.write_seconds
    done.outputs, done.notes = list(ctx.outputs), list(ctx.notes)
    done.warned = [str(c.message) for c in caught]
    after = ctx.data
    if list(after.columns) != before:
        same_rows = (len(after) == len(job.data) and list(after.columns[:len(before)]) == before
                     and after["adcode"].to_numpy().tolist() == job.data["adcode"].to_numpy().tolist()
                     and after["year"].to_numpy().tolist() == job.data["year"].to_numpy().tolist())
        if not same_rows:
            raise RuntimeError(f"[analyses.{job.name}] changed the rows or reordered the columns of the study data; "
                               "an analysis may only add columns")
        done.new = after.iloc[:, len(before):].reset_index(drop=True)
    return done


def adopt(ctx, done: Done) -> None:
    """Take an analysis's results into the main context: its files renamed to their study-wide numbers,
    its notes, its new columns (the caller takes ``done.warned``)."""
    if done.error is not None:
        raise done.error
    staging = ctx.folder.staging
    for o in done.outputs:
        sub, prefix = {"table": ("tables", "table"), "figure": ("figures", "fig")}[o.kind]
        n = ctx._next(o.kind)
        (staging / sub).mkdir(exist_ok=True)
        files = []
        for p in o.files:
            target = ctx.folder.inside(staging / sub / f"{prefix}{n:02d}_{p.name.split('_', 1)[1]}")
            os.rename(ctx.folder.inside(p), target)  # a new name inside the staging folder: nothing is replaced
            files.append(target)
        ctx.outputs.append(replace(o, files=tuple(files)))
    ctx.notes += done.notes
    if done.new is not None:
        ctx.data = pd.concat([ctx.data.reset_index(drop=True), done.new], axis=1)
    shutil.rmtree(done.scratch, ignore_errors=True)


def warm_workers(n_jobs: int) -> threading.Thread | None:
    """Start joblib's loky workers for a parallel study while the main process reads, checks and sets up the data:
    each imports what an analysis needs (the analyses, matplotlib with the bundled font, geopandas), ~2 s of a
    worker's first analysis otherwise.  Returns the thread to join before the analyses are handed out (None when
    the study runs serially or joblib's active backend is not loky: threads, or a Dask cluster).  Nothing a worker
    writes depends on it; a failure here is ignored (the analyses then start cold workers, as before)."""
    from joblib.parallel import LokyBackend, get_active_backend

    from .._parallel import effective, pmap

    if n_jobs == 1 or not isinstance(get_active_backend()[0], LokyBackend):
        return None

    def start() -> None:
        try:
            pmap(_warm, range(effective(n_jobs)), n_jobs=n_jobs, prefer="processes")
        except Exception:  # pragma: no cover - only a warm-up
            pass

    thread = threading.Thread(target=start, name="spatialq-warm-workers", daemon=True)
    thread.start()
    return thread


WORKER_GROWTH = 8 * 2**30
"""Bytes a loky worker's memory may grow by after its first task before loky replaces it (see :func:`keep_worker`)."""


def keep_worker() -> None:
    """Keep this loky worker for the study's later analyses although its memory has grown.

    loky replaces a worker whose resident memory has grown by 300 MB since its first task (its guard against leaks:
    ``joblib.externals.loky.process_executor._MAX_MEMORY_LEAK_SIZE``).  A study worker grows by design: it keeps
    the study's shared data (unpickled once per level) and the maps' projected boundaries and paths.  At county
    level (2,848 units) one analysis grows a worker past 300 MB, so loky replaced each worker after its first
    analysis and the new one imported everything, unpickled the data and rebuilt the caches again: the county
    demo study with ``n_jobs=2`` spent 54 CPU-seconds against 35 serial.  Inside a study worker the limit is
    raised to :data:`WORKER_GROWTH`.  joblib keeps its loky workers for later jobs of the same Python session
    (until they are idle for 300 s): those jobs run in them with the raised limit too.  A no-op outside loky's
    workers or if that name is gone from a later joblib."""
    pe = sys.modules.get("joblib.externals.loky.process_executor")
    if pe is not None and isinstance(getattr(pe, "_MAX_MEMORY_LEAK_SIZE", None), int):
        pe._MAX_MEMORY_LEAK_SIZE = max(pe._MAX_MEMORY_LEAK_SIZE, WORKER_GROWTH)


def _warm(_) -> int:
    """The imports of a worker's first analysis (see :func:`warm_workers`)."""
    import geopandas  # noqa: F401

    keep_worker()

    from ..plot._mpl import pyplot
    from . import analyses  # noqa: F401

    pyplot()
    return os.getpid()

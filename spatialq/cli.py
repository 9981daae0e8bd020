"""The ``spatialq`` command.

``spatialq --version``; ``spatialq shapes`` lists the bundled boundary levels, counts and
sources; ``spatialq run STUDY.toml [--out DIR] [--n-jobs N]`` runs a study file (see ``docs/study.md``);
``spatialq template [--out FILE]`` writes an annotated study file with every key;
``spatialq demo --out DIR`` runs the bundled demo study on synthetic data (tables, maps and an
index page).  Errors print one paragraph naming the problem and exit with status 1
(``--debug`` shows the traceback).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
import warnings
from importlib import resources
from pathlib import Path

from . import __version__


class CliError(Exception):
    """An error with a message meant for the user (no traceback)."""


def _shapes(_: argparse.Namespace) -> int:
    from . import geometry

    meta = json.loads(resources.files("spatialq.shapes").joinpath("SOURCES.json").read_text(encoding="utf-8"))
    src = meta["source"]
    print(f"Bundled boundaries: {src['package']} {src['version']} ({src['license']}), {src['dataset']}")
    print(f"Datum: {meta['transformation']['datum'].split(';')[0]}")
    print(f"Simplified with shapely.coverage_simplify, tolerance (degrees): {meta['transformation']['tolerance_deg']}")
    print(meta["official_status"])
    rows = [
        ("province", geometry.provinces(), geometry.provinces(include_sar=True)),
        ("prefecture", geometry.prefectures(), geometry.prefectures(include_sar=True)),
        ("county", geometry.counties(), geometry.counties(include_sar=True)),
    ]
    print(f"\n{'level':<11}{'mainland':>9}{'with HK/MO/TW':>15}  kinds")
    for name, mainland, allunits in rows:
        kinds = ", ".join(f"{k} {v}" for k, v in mainland["kind"].value_counts().items())
        print(f"{name:<11}{len(mainland):>9}{len(allunits):>15}  {kinds}")
    print("\nFiles:")
    for fname, info in meta["files"].items():
        print(f"  {fname:<28} sha256 {info['sha256'][:16]}…")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    out = Path(args.out)
    written = run_demo(out, progress=not args.quiet)
    figures = sum(p.suffix == ".png" for p in written)
    tables = sum(p.suffix == ".csv" and p.parent.name == "tables" for p in written)
    print(f"demo study written to {out}/: {tables} tables, {figures} figures, {len(written)} files; "
          f"open {out / 'index.html'}")
    print("(synthetic data: the numbers illustrate the workflow, not findings about China)")
    return 0


def _template(args: argparse.Namespace) -> int:
    from .study.template import template

    text = template()
    if args.out is None:
        print(text)
        return 0
    path = Path(args.out)
    if path.exists() and not args.force:
        raise FileExistsError(f"{path} exists; choose another name or add --force to overwrite it")
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}: edit [data] and [index], then run: spatialq run {path}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from . import study

    res = study.run(args.study, out=args.out, progress=not args.quiet, allow_outside=args.allow_outside,
                    n_jobs=args.n_jobs)
    nt = sum(o.kind == "table" for o in res.outputs)
    nf = sum(o.kind == "figure" for o in res.outputs)
    print(f"{nt} tables and {nf} figures written to {res.out}/; open {res.index}")
    for note in res.notes:
        print(textwrap.fill(f"note: {note}", width=100, subsequent_indent="  "))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="spatialq", description="Spatial econometrics of Chinese regional development.")
    p.add_argument("--version", action="version", version=f"spatialq {__version__}")
    p.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    s = sub.add_parser("shapes", help="list the bundled boundary levels, counts and sources")
    s.set_defaults(func=_shapes)
    r = sub.add_parser("run", help="run a study file (TOML): every table and figure plus an index page")
    r.add_argument("study", help="the study file, e.g. study.toml")
    r.add_argument("--out", default=None, help="output folder (default: <study>-out next to the file)")
    r.add_argument("--quiet", action="store_true", help="no progress lines")
    r.add_argument("--allow-outside", action="store_true",
                   help="let the study read data files outside its own folder")
    r.add_argument("--n-jobs", type=int, default=None, metavar="N",
                   help="worker processes for the analyses (1 = serial, -1 = all cores; default: [study] n_jobs, "
                        "1); the files written do not depend on it")
    r.set_defaults(func=_run)
    t = sub.add_parser("template", help="write an annotated study file with every key and its default")
    t.add_argument("--out", default=None, help="file to write (default: print to standard output)")
    t.add_argument("--force", action="store_true", help="overwrite an existing file")
    t.set_defaults(func=_template)
    d = sub.add_parser("demo", help="run the demo study (synthetic data) into a folder")
    d.add_argument("--out", default="spatialq-demo", help="output folder (created if missing)")
    d.add_argument("--quiet", action="store_true", help="no progress lines")
    d.set_defaults(func=_demo)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    if args.command in ("run", "demo") and os.environ.get("MPLBACKEND") is None:
        import matplotlib

        matplotlib.use("Agg")  # files only, no windows
    try:
        with warnings.catch_warnings():
            if not args.debug:
                warnings.simplefilter("ignore", UserWarning)
            return int(args.func(args) or 0)
    except KeyboardInterrupt as exc:
        print("interrupted", *getattr(exc, "__notes__", []), file=sys.stderr)
        return 130
    except Exception as exc:  # one paragraph for the user; --debug shows the traceback
        if args.debug:
            raise
        msg = " ".join([str(exc) or type(exc).__name__, *getattr(exc, "__notes__", [])])
        kind = "" if type(exc).__name__ == "StudyError" else f"{type(exc).__name__}: "
        print(textwrap.fill(f"spatialq {args.command}: {kind}{msg}", width=100), file=sys.stderr)
        print("(run with --debug for the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

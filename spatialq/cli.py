"""The ``spatialq`` command.

``spatialq --version``; ``spatialq shapes`` lists the bundled boundary levels, counts and
sources; ``spatialq demo --out DIR`` writes the demo outputs (maps with Chinese labels and a
South China Sea inset, weights tables and files).  Errors print one paragraph naming the
problem and exit with status 1 (``--debug`` shows the traceback).
"""

from __future__ import annotations

import argparse
import json
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
    written = run_demo(out)
    print(f"demo written to {out}/ ({len(written)} files):")
    for p in written:
        print(f"  {p.relative_to(out)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="spatialq", description="Spatial econometrics of Chinese regional development.")
    p.add_argument("--version", action="version", version=f"spatialq {__version__}")
    p.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    s = sub.add_parser("shapes", help="list the bundled boundary levels, counts and sources")
    s.set_defaults(func=_shapes)
    d = sub.add_parser("demo", help="write the demo maps and tables to a folder")
    d.add_argument("--out", default="spatialq-demo", help="output folder (created if missing)")
    d.set_defaults(func=_demo)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        with warnings.catch_warnings():
            if not args.debug:
                warnings.simplefilter("ignore", UserWarning)
            return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one paragraph for the user; --debug shows the traceback
        if args.debug:
            raise
        msg = str(exc) or type(exc).__name__
        print(textwrap.fill(f"spatialq {args.command}: {type(exc).__name__}: {msg}", width=100), file=sys.stderr)
        print("(run with --debug for the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""Where a study writes: safe names, a staging folder, and a transactional hand-over to ``--out``.

A study run never writes straight into the output folder.  It writes every table, figure, page and
data file into a fresh staging folder inside it (``.spatialq-staging-<time>-<pid>/``) and, only when
every step has succeeded, moves the files into place one by one with ``os.replace`` (atomic on one
file system), removes the files of the previous run that this run did not write again, and records
what it wrote in a manifest (``.spatialq-manifest.json``).  The rules:

- every file name made from a user string (index name, column names, analysis names) is a safe slug
  (:func:`slug`): letters (CJK included), digits, ``_`` and ``-``; never ``..``, never a separator;
- every path is resolved and checked to lie inside the output folder;
- a symlink anywhere inside the output folder (or the folder itself being one) is an error naming it:
  symlinks are never followed for writing and never unlinked through;
- only files listed in the previous run's manifest are replaced or deleted; a file that spatialq did
  not write is never overwritten or deleted (a clash is an error naming it, with the finished run
  left in its staging folder);
- a failed or interrupted run leaves the previous outputs as they were; its partial outputs stay in
  ``partial-run-<time>/`` with a ``RUN_FAILED.txt`` saying what happened.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import unicodedata
from pathlib import Path

__all__ = ["MANIFEST", "OutputError", "OutputFolder", "atomic_write_text", "slug"]

MANIFEST = ".spatialq-manifest.json"
STAGING_PREFIX = ".spatialq-staging-"
PARTIAL_PREFIX = "partial-run-"
FAILED_MARKER = "RUN_FAILED.txt"
MAX_ENTRIES = 100_000
_UNSAFE = re.compile(r"[^\w\-]+", re.UNICODE)


class OutputError(ValueError):
    """The output folder cannot be written safely (a symlink, a file spatialq did not write, …)."""


def slug(text: str, *, max_len: int = 60) -> str:
    """A safe file-name component from any string.

    NFKC-normalised; every run of characters other than letters (any script), digits, ``_`` and ``-``
    becomes ``_``; leading and trailing ``_``, ``-`` and ``.`` are stripped; at most ``max_len``
    characters; ``"x"`` if nothing is left.  The result never contains a path separator, never is
    ``.`` or ``..`` and never starts with ``-`` or ``.``.

    >>> slug("x/../../../../NAME")
    'x_NAME'
    >>> slug("人均GDP（元）")
    '人均GDP_元'
    """
    s = _UNSAFE.sub("_", unicodedata.normalize("NFKC", str(text)))
    s = re.sub(r"_+", "_", s).strip("_-.")[:max_len].strip("_-.")
    return s or "x"


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file in the same folder and a rename.

    The temporary file is created with ``O_EXCL | O_NOFOLLOW``; an existing symlink at ``path`` is an
    error (``os.replace`` would replace the link itself, but we refuse to touch links at all).
    """
    path = Path(path)
    if path.is_symlink():
        raise OutputError(f"{path} is a symbolic link; spatialq does not write through links")
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{time.monotonic_ns()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class OutputFolder:
    """The output folder of a study run: checks, staging, hand-over (see the module docstring)."""

    def __init__(self, out: Path | str):
        raw = Path(out)
        if raw.is_symlink():
            raise OutputError(f"the output folder {raw} is a symbolic link; give the real folder")
        self.root = raw.resolve()
        if self.root.exists() and not self.root.is_dir():
            raise OutputError(f"the output folder {self.root} exists and is not a folder")
        self.staging: Path | None = None

    # ------------------------------------------------------------------ checks

    def check(self) -> None:
        """Refuse a folder holding symlinks (named), or one too large to check."""
        if not self.root.exists():
            return
        links, n = [], 0
        for dirpath, dirnames, filenames in os.walk(self.root, followlinks=False):
            for name in dirnames + filenames:
                n += 1
                p = Path(dirpath) / name
                if p.is_symlink():
                    links.append(p)
            if n > MAX_ENTRIES:
                raise OutputError(f"the output folder {self.root} holds more than {MAX_ENTRIES:,} entries; give "
                                  "a folder of its own for the study's outputs")
        if links:
            shown = ", ".join(str(p.relative_to(self.root)) for p in links[:10])
            raise OutputError(f"the output folder {self.root} contains {len(links)} symbolic link(s): {shown}. "
                              "spatialq never writes or deletes through links: remove them or choose another "
                              "output folder")

    def previous(self) -> list[str]:
        """Relative paths written by the previous run (its manifest), or [] if there was none."""
        path = self.root / MANIFEST
        if not path.exists() or path.is_symlink():
            return []
        try:
            files = json.loads(path.read_text(encoding="utf-8")).get("files", [])
        except (ValueError, OSError, AttributeError):
            return []
        return [f for f in files if isinstance(f, str) and self._inside(self.root / f, self.root)]

    @staticmethod
    def _inside(path: Path, root: Path) -> bool:
        try:
            Path(os.path.normpath(path)).relative_to(root)
        except ValueError:
            return False
        return ".." not in Path(os.path.relpath(os.path.normpath(path), root)).parts

    def inside(self, path: Path) -> Path:
        """``path`` if it lies inside the staging folder (or the output folder before staging), resolved
        without following links and with no link on the way; else an :class:`OutputError`."""
        return self._checked(path, self.staging or self.root)

    def _checked(self, path: Path, base: Path) -> Path:
        p = Path(os.path.normpath(path))
        if not self._inside(p, base):
            raise OutputError(f"refusing to write {path}: outside the output folder {base}")
        cur = p
        while cur != base and cur != cur.parent:
            if cur.is_symlink():
                raise OutputError(f"refusing to write through the symbolic link {cur}")
            cur = cur.parent
        return p

    # ------------------------------------------------------------------ staging

    def _stale(self) -> None:
        """Staging folders of runs whose process has ended (killed, power cut) become partial runs."""
        for old in self.root.glob(STAGING_PREFIX + "*"):
            pid = old.name.rsplit("-", 1)[-1]
            if not old.is_dir() or old.is_symlink() or not pid.isdigit():
                continue
            try:
                os.kill(int(pid), 0)
                continue  # still running (another run into the same folder)
            except ProcessLookupError:
                pass
            except (PermissionError, OSError):
                continue
            (old / FAILED_MARKER).write_text("This run of spatialq ended before it finished (its process is gone).\n",
                                             encoding="utf-8")
            os.replace(old, self.root / old.name.replace(STAGING_PREFIX, PARTIAL_PREFIX))

    def begin(self) -> Path:
        """Create the output folder (if needed) and a fresh staging folder inside it."""
        self.check()
        self.root.mkdir(parents=True, exist_ok=True)
        self._stale()
        stamp = time.strftime("%Y%m%d-%H%M%S")
        self.staging = self.root / f"{STAGING_PREFIX}{stamp}-{os.getpid()}"
        self.staging.mkdir()
        return self.staging

    def fail(self, err: BaseException) -> Path | None:
        """Keep the partial run as ``partial-run-<time>/`` with a note; the previous outputs are untouched."""
        if self.staging is None or not self.staging.exists():
            return None
        target = self.root / self.staging.name.replace(STAGING_PREFIX, PARTIAL_PREFIX)
        what = type(err).__name__ + (f": {err}" if str(err) else "")
        try:
            (self.staging / FAILED_MARKER).write_text(
                f"This run of spatialq did not finish ({what}).\nThe files here are what it wrote before it "
                "stopped. The outputs of the previous complete run, if any, are unchanged in the folder above.\n",
                encoding="utf-8")
            os.replace(self.staging, target)
        except OSError:  # pragma: no cover - leave the staging folder where it is
            return self.staging
        self.staging = None
        return target

    def commit(self) -> list[str]:
        """Move the staged files into the output folder; returns the relative paths written.

        Checks first, then moves: a symlink in the folder or a file at a target path that the previous
        run did not write stops the hand-over before anything is replaced (the staged run stays where
        it is, named in the error).
        """
        assert self.staging is not None
        self.check()
        prev = set(self.previous())
        new = sorted(p.relative_to(self.staging).as_posix() for p in self.staging.rglob("*") if p.is_file())
        clash = [rel for rel in new if (self.root / rel).exists() and rel not in prev]
        clash += [rel for rel in new for parent in Path(rel).parents if parent != Path(".")
                  and (self.root / parent).exists() and not (self.root / parent).is_dir()]
        if clash:
            raise OutputError(f"{len(clash)} file(s) in {self.root} were not written by spatialq and would be "
                              f"replaced: {', '.join(sorted(set(clash))[:8])}. Move them or choose another output "
                              f"folder; the finished run is in {self.staging}")
        last = ("provenance.json", "index.md", "index.html")  # pages last: their links resolve once they land
        for rel in sorted(new, key=lambda r: (r in last, last.index(r) if r in last else 0, r)):
            target = self._checked(self.root / rel, self.root)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.staging / rel, target)
        for rel in sorted(prev - set(new)):
            old = self.root / rel
            if old.is_file() and not old.is_symlink():
                old.unlink()
        atomic_write_text(self.root / MANIFEST, json.dumps({"written_by": "spatialq", "files": new}, indent=1))
        _fsync_dir(self.root)
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging = None
        return new

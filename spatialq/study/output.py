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
- only files listed in the previous run's manifest — with the shape of a study output and the content
  recorded there (sha256) — are replaced or deleted; a file that spatialq did not write, or that was
  edited since, is never overwritten or deleted (a clash is an error naming it, with the finished run
  left in its staging folder); a manifest shipped with a study cannot name its data or study file;
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


_OUTPUT_PATH = re.compile(r"(tables/table\d{2,}_[^/]+|figures/fig\d{2,}_[^/]+|data/analysis_data\.csv|"
                          r"index\.html|index\.md|provenance\.json)")


def is_output_path(rel: str) -> bool:
    """Whether ``rel`` (relative, POSIX) has the shape of a file a study writes: ``tables/tableNN_*``,
    ``figures/figNN_*``, ``data/analysis_data.csv``, ``index.html``, ``index.md``, ``provenance.json``."""
    return _OUTPUT_PATH.fullmatch(rel) is not None and ".." not in rel.split("/")


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes (hex), read in 1 MiB blocks."""
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


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
        self.committing = False

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

    def previous(self) -> dict[str, set[str]]:
        """What the previous run wrote: relative path → the sha256 digests it may have (its manifest).

        Only paths of the shapes a study writes (:func:`is_output_path`) inside the folder are taken, so a
        manifest shipped with someone else's files cannot make spatialq delete a study file, its data or
        anything else; and a file is only the previous run's while its content still has a recorded digest
        (a table you edited since is yours)."""
        path = self.root / MANIFEST
        if not path.is_file() or path.is_symlink():
            return {}
        try:
            raw = json.loads(path.read_text(encoding="utf-8")).get("files", {})
        except (ValueError, OSError, AttributeError, UnicodeDecodeError):
            return {}
        if not isinstance(raw, dict):
            return {}
        out = {}
        for rel, digests in raw.items():
            if not (isinstance(rel, str) and is_output_path(rel) and self._inside(self.root / rel, self.root)):
                continue
            digests = [digests] if isinstance(digests, str) else digests
            if isinstance(digests, list):
                out[rel] = {d for d in digests if isinstance(d, str)}
        return out

    def _ours(self, rel: str, prev: dict[str, set[str]]) -> bool:
        """The file at ``rel`` is one the previous run wrote, unchanged since."""
        p = self.root / rel
        return rel in prev and p.is_file() and not p.is_symlink() and file_sha256(p) in prev[rel]

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
            if not old.is_dir() or old.is_symlink() or not pid.isdigit() or len(pid) > 9:
                continue
            try:
                os.kill(int(pid), 0)
                continue  # still running (another run into the same folder)
            except ProcessLookupError:
                pass
            except (PermissionError, OSError, OverflowError, ValueError):
                continue
            if (self.root / old.name.replace(STAGING_PREFIX, PARTIAL_PREFIX)).exists():
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
        text = (f"This run of spatialq did not finish ({what}).\nThe files here are what it wrote before it "
                "stopped. The outputs of the previous complete run, if any, are unchanged in the folder above.\n")
        if self.committing:
            text = (f"This run of spatialq finished its analyses but was stopped ({what}) while moving its files "
                    "into the folder above, which now holds some new and some old files; the files here are "
                    "the ones not yet moved. Run the study again to complete the folder.\n")
        try:
            (self.staging / FAILED_MARKER).write_text(text, encoding="utf-8")
            os.replace(self.staging, target)
        except OSError:  # pragma: no cover - leave the staging folder where it is
            return self.staging
        self.staging = None
        return target

    def commit(self) -> list[str]:
        """Move the staged files into the output folder; returns the relative paths written.

        Checks first, then moves: a symlink in the folder, or a file at a target path that the previous run
        did not write (or that was edited since), stops the hand-over before anything is replaced (the staged
        run stays where it is, named in the error).  Before the first move the manifest is rewritten to
        accept both the old and the new content of every path (a journal), so a hand-over cut short
        leaves a folder the next run still recognises as its own; the final manifest lists the new files.
        """
        assert self.staging is not None
        self.check()
        prev = self.previous()
        new = {p.relative_to(self.staging).as_posix(): file_sha256(p) for p in sorted(self.staging.rglob("*"))
               if p.is_file()}
        clash = [rel for rel in new if (self.root / rel).exists() and not self._ours(rel, prev)]
        clash += [rel for rel in new for parent in Path(rel).parents if parent != Path(".")
                  and (self.root / parent).exists() and not (self.root / parent).is_dir()]
        if clash:
            raise OutputError(f"{len(clash)} file(s) in {self.root} were not written by spatialq (or were edited "
                              f"since) and would be replaced: {', '.join(sorted(set(clash))[:8])}. Move them or "
                              f"choose another output folder; the finished run is in {self.staging}")
        stale = sorted(rel for rel in prev if rel not in new and self._ours(rel, prev))
        journal = {rel: sorted(prev.get(rel, set()) | ({new[rel]} if rel in new else set()))
                   for rel in {*prev, *new}}
        self.committing = True
        atomic_write_text(self.root / MANIFEST, json.dumps({"written_by": "spatialq", "complete": False,
                                                            "files": journal}, indent=1))
        last = ("provenance.json", "index.md", "index.html")  # pages last: their links resolve once they land
        for rel in sorted(new, key=lambda r: (r in last, last.index(r) if r in last else 0, r)):
            target = self._checked(self.root / rel, self.root)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.staging / rel, target)
        for rel in stale:
            old = self._checked(self.root / rel, self.root)
            if old.is_file() and not old.is_symlink():
                old.unlink()
        atomic_write_text(self.root / MANIFEST, json.dumps({"written_by": "spatialq", "complete": True,
                                                            "files": {rel: [d] for rel, d in new.items()}},
                                                           indent=1))
        self.committing = False
        _fsync_dir(self.root)
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging = None
        return sorted(new)

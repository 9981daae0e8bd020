"""Running one benchmark case in a fresh Python process (so peak memory is that case's alone)."""

from __future__ import annotations

import json
import subprocess
import sys


def in_subprocess(script: str, case: str, repeat: int, keys: tuple[str, ...]) -> dict:
    """``python script --case case --repeat repeat``; its last stdout line is the case's JSON result.  A case
    that fails gives NaN for ``keys`` and the last line of its error."""
    out = subprocess.run([sys.executable, script, "--case", case, "--repeat", str(repeat)],
                         capture_output=True, text=True, timeout=3600)
    if out.returncode:
        return {**{k: float("nan") for k in keys}, "error": out.stderr.strip().splitlines()[-1][:60]}
    return json.loads(out.stdout.strip().splitlines()[-1])

"""Reading and writing weights as GeoDa/R files (GAL for binary, GWT for weighted)."""

from __future__ import annotations

import math
import os
import warnings
from pathlib import Path

import libpysal
from libpysal.weights import W

from .._guards import InputError

__all__ = ["load", "save"]


def save(w: W, path: str | os.PathLike) -> Path:
    """Write ``w`` to ``.gal`` (binary contiguity; GeoDa, R ``read.gal``) or ``.gwt`` (weighted).

    A GAL file has no weights: writing non-binary weights to ``.gal`` is an error (use
    ``.gwt``).  Ids are written as they are (adcodes as 6-digit text).
    """
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in (".gal", ".gwt"):
        raise ValueError(f"file must end in .gal or .gwt, got {path.name!r}")
    if ext == ".gal":
        values = {float(v) for ws in w.weights.values() for v in ws}
        if values - {1.0}:
            raise ValueError("GAL files hold binary weights only; these weights have other values: use .gwt "
                             "(or save the binary version before transforming)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = libpysal.io.open(str(path), "w")
        if ext == ".gwt":
            f.shpName = getattr(w, "_shpName", "spatialq")
            f.varName = getattr(w, "_varName", "id")
        f.write(w)
        f.close()
    return path


def load(path: str | os.PathLike) -> W:
    """Read a ``.gal`` or ``.gwt`` file; ids come back as text (adcodes stay 6-digit strings).

    GAL: a header line (``n``, or ``0 n shapefile id``), then per unit a line ``id k`` and a line
    with its k neighbours.  GWT: a header line, then one line ``origin destination weight`` per link.
    A file that does not follow the format is an error naming the file and the line, and saying
    what was expected there.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no weights file at {path}")
    ext = path.suffix.lower()
    if ext not in (".gal", ".gwt"):
        raise InputError(f"{path}: a weights file must end in .gal or .gwt, got {path.name!r}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not a text file ({e.reason} at byte {e.start}); is it a GAL/GWT file?") from None
    lines = [(k + 1, line.split()) for k, line in enumerate(text.splitlines())]
    lines = [(k, tokens) for k, tokens in lines if tokens]
    if not lines:
        raise InputError(f"{path}: the file is empty; expected a header line with the number of units")
    header_line, header = lines[0]
    n = _header_n(path, header_line, header)
    neighbors, weights, ids = (_read_gal if ext == ".gal" else _read_gwt)(path, lines[1:], n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return W(neighbors, weights, id_order=ids, silence_warnings=True)


def _fail(path: Path, line: int, what: str) -> InputError:
    return InputError(f"{path}, line {line}: {what}")


def _header_n(path: Path, line: int, header: list[str]) -> int:
    """Number of units from a header ``n`` or ``flag n [shapefile id]`` (GeoDa, R spdep, libpysal)."""
    cand = header[1] if len(header) > 1 else header[0]
    if len(header) > 4 or not cand.isdigit():
        raise _fail(path, line, f"expected a header with the number of units ('n' or '0 n shapefile id'), got "
                                f"{' '.join(header)!r}")
    return int(cand)


def _read_gal(path: Path, body: list, n: int):
    neighbors: dict = {}
    ids: list = []
    k = 0
    while k < len(body):
        line, head = body[k]
        if len(head) != 2 or not head[1].isdigit():
            raise _fail(path, line, f"expected 'id number_of_neighbours', got {' '.join(head)!r}")
        unit, card = head[0], int(head[1])
        if unit in neighbors:
            raise _fail(path, line, f"unit {unit!r} appears twice")
        if card == 0:  # an island: GeoDa writes an empty line (blank lines are skipped) or nothing
            nb = []
            k += 1
        else:
            if k + 1 >= len(body):
                raise _fail(path, line, f"unit {unit!r} has {card} neighbours but the file ends before their line")
            nline, nb = body[k + 1]
            if len(nb) != card:
                raise _fail(path, nline, f"unit {unit!r} should have {card} neighbours (line {line}), this line "
                                         f"lists {len(nb)}: {' '.join(nb[:10])!r}")
            k += 2
        neighbors[unit] = nb
        ids.append(unit)
    _check_units(path, ids, neighbors, n)
    return neighbors, {u: [1.0] * len(v) for u, v in neighbors.items()}, ids


def _read_gwt(path: Path, body: list, n: int):
    neighbors: dict = {}
    weights: dict = {}
    for line, tokens in body:
        if len(tokens) != 3:
            raise _fail(path, line, f"expected 'origin destination weight', got {' '.join(tokens)!r}")
        a, b, v = tokens
        try:
            value = float(v)
        except ValueError:
            raise _fail(path, line, f"the weight {v!r} is not a number") from None
        if not math.isfinite(value):
            raise _fail(path, line, f"the weight {v!r} is not finite")
        nb = neighbors.setdefault(a, [])
        if b in nb:
            raise _fail(path, line, f"the link {a} -> {b} appears twice")
        nb.append(b)
        weights.setdefault(a, []).append(value)
    ids = list(neighbors)
    for targets in list(neighbors.values()):
        for b in targets:
            if b not in neighbors:  # a destination that is never an origin: a unit without outgoing links
                neighbors[b], weights[b] = [], []
                ids.append(b)
    _check_units(path, ids, neighbors, n)
    return neighbors, weights, ids


def _check_units(path: Path, ids: list, neighbors: dict, n: int) -> None:
    if len(ids) != n:
        raise InputError(f"{path}: the header says {n} units but the file has {len(ids)}; the file is truncated "
                         "or its header is wrong")
    known = set(ids)
    for unit, nb in neighbors.items():
        unknown = [b for b in nb if b not in known]
        if unknown:
            raise InputError(f"{path}: unit {unit!r} lists neighbours that are not units of the file: {unknown[:5]}")
        if unit in nb:
            raise InputError(f"{path}: unit {unit!r} lists itself as a neighbour")

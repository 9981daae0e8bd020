"""Reading and writing weights as GeoDa/R files (GAL for binary, GWT for weighted)."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import libpysal
from libpysal.weights import W

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
    """Read a ``.gal`` or ``.gwt`` file; ids come back as text (adcodes stay 6-digit strings)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no weights file at {path}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = libpysal.io.open(str(path), "r")
        w = f.read()
        f.close()
        ids = [str(i) for i in w.id_order]
        neighbors = {str(k): [str(j) for j in v] for k, v in w.neighbors.items()}
        weights = {str(k): list(v) for k, v in w.weights.items()}
        return W(neighbors, weights, id_order=ids, silence_warnings=True)

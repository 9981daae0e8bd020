"""Spatial weights built from the bundled boundaries (or any GeoDataFrame) and from data.

All builders return a libpysal ``W`` (``w.to_graph()`` gives a ``Graph``) whose ids are the
frame's ids, untransformed unless ``transform=`` is given.  See :mod:`spatialq.weights.build`.
"""

from ._common import IslandError
from .build import contiguity, distance, economic, knn, knn_sparse, lattice_sparse, nested, standardize
from .describe import WeightsSummary, describe
from .io import load, save

__all__ = [
    "IslandError",
    "WeightsSummary",
    "contiguity",
    "describe",
    "distance",
    "economic",
    "knn",
    "knn_sparse",
    "lattice_sparse",
    "load",
    "nested",
    "save",
    "standardize",
]

"""A summary of a weights object, as a result in the package's convention."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from libpysal.weights import W
from scipy.sparse.csgraph import connected_components

from .._results import Result, provenance

__all__ = ["WeightsSummary", "describe"]


@dataclass(frozen=True, eq=False, repr=False)
class WeightsSummary(Result):
    """Connectivity summary of a spatial weights object (see :func:`describe`)."""

    ids: tuple
    cardinalities: pd.Series
    neighbors: dict
    n_links: int
    n_components: int
    islands: tuple
    symmetric: bool
    transform: str

    def _title(self) -> str:
        return "Spatial weights"

    def _summary_lines(self) -> list[str]:
        c = self.cardinalities
        lines = [
            f"units: {len(self.ids)}   directed links: {self.n_links}   pairs: {self.n_links / 2:g}" if self.symmetric
            else f"units: {len(self.ids)}   directed links: {self.n_links}",
            f"neighbours per unit: mean {c.mean():.2f}, min {c.min()}, max {c.max()}",
            f"density: {self.n_links / max(len(self.ids) * (len(self.ids) - 1), 1):.4f}   "
            f"connected components: {self.n_components}   symmetric: {self.symmetric}   transform: {self.transform}",
            f"islands: {', '.join(map(str, self.islands)) or 'none'}",
        ]
        return lines

    def to_frame(self) -> pd.DataFrame:
        """One row per unit: ``id``, ``n_neighbors`` and ``neighbors`` (comma-separated ids)."""
        return pd.DataFrame({
            "id": list(self.ids),
            "n_neighbors": self.cardinalities.to_numpy(),
            "neighbors": [",".join(map(str, self.neighbors[i])) for i in self.ids],
        })

    def _plot(self, ax, **kw):
        counts = self.cardinalities.value_counts().sort_index()
        ax.bar(counts.index.astype(int), counts.to_numpy(), color=kw.pop("color", "#4477aa"), **kw)
        ax.set_xlabel("number of neighbours")
        ax.set_ylabel("units")
        return ax


def describe(w: W) -> WeightsSummary:
    """Summarise a libpysal ``W``: links, neighbour counts, islands, connected components."""
    if not isinstance(w, W):
        if hasattr(w, "to_W"):
            w = w.to_W()
        else:
            raise TypeError(f"expected a libpysal W or Graph, got {type(w).__name__}")
    ids = tuple(w.id_order)
    card = pd.Series([w.cardinalities[i] for i in ids], index=list(ids), name="n_neighbors")
    s = w.sparse
    if not np.isfinite(s.data).all():
        raise ValueError("weights contain non-finite values")
    n_comp = int(connected_components(s, directed=True, connection="weak")[0])
    sym = bool(abs(s - s.T).sum() == 0) if s.nnz else True
    return WeightsSummary(
        meta=provenance("spatialq.weights.describe", n=len(ids)),
        ids=ids,
        cardinalities=card,
        neighbors={i: list(w.neighbors[i]) for i in ids},
        n_links=int(s.nnz),
        n_components=n_comp,
        islands=tuple(i for i in ids if w.cardinalities[i] == 0),
        symmetric=sym,
        transform=str(w.transform),
    )

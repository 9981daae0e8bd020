"""Spatial autocorrelation and hot spots: global Moran's I, local Moran (LISA), Getis-Ord Gi*."""

from .getis import GiStarResult, gi_star
from .moran import LocalMoranResult, MoranResult, local_moran, moran

__all__ = ["GiStarResult", "LocalMoranResult", "MoranResult", "gi_star", "local_moran", "moran"]

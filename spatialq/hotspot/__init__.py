"""Spatial autocorrelation and hot spots: global Moran's I, local Moran (LISA), Getis-Ord Gi*; bivariate and
differential Moran; emerging hot spots."""

from .bivariate import (
    BivariateLocalMoranResult,
    BivariateMoranResult,
    DifferentialMoranResult,
    bivariate_local_moran,
    bivariate_moran,
    differential_moran,
)
from .emerging import EmergingHotSpotResult, emerging_hotspots
from .getis import GiStarResult, gi_star
from .moran import LocalMoranResult, MoranResult, local_moran, moran

__all__ = ["BivariateLocalMoranResult", "BivariateMoranResult", "DifferentialMoranResult", "EmergingHotSpotResult",
           "GiStarResult", "LocalMoranResult", "MoranResult", "bivariate_local_moran", "bivariate_moran",
           "differential_moran", "emerging_hotspots", "gi_star", "local_moran", "moran"]

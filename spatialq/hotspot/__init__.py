"""Spatial autocorrelation and hot spots: global Moran's I, local Moran (LISA), Getis-Ord Gi*; bivariate and
differential Moran."""

from .bivariate import (
    BivariateLocalMoranResult,
    BivariateMoranResult,
    DifferentialMoranResult,
    bivariate_local_moran,
    bivariate_moran,
    differential_moran,
)
from .getis import GiStarResult, gi_star
from .moran import LocalMoranResult, MoranResult, local_moran, moran

__all__ = ["BivariateLocalMoranResult", "BivariateMoranResult", "DifferentialMoranResult", "GiStarResult",
           "LocalMoranResult", "MoranResult", "bivariate_local_moran", "bivariate_moran", "differential_moran",
           "gi_star", "local_moran", "moran"]

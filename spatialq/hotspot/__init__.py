"""Spatial autocorrelation and hot spots: global Moran's I, local Moran (LISA), Getis-Ord Gi*; bivariate and
differential Moran; emerging hot spots; LISA time paths and rose; Moran's I under several weight matrices."""

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
from .global_stats import GlobalStatResult, geary, general_g, join_counts
from .moran import LocalMoranResult, MoranResult, local_moran, moran
from .paths import LisaPathResult, lisa_paths
from .robustness import MoranRobustnessResult, moran_robustness

__all__ = ["BivariateLocalMoranResult", "BivariateMoranResult", "DifferentialMoranResult", "EmergingHotSpotResult",
           "GiStarResult", "GlobalStatResult", "LisaPathResult", "LocalMoranResult", "MoranResult",
           "MoranRobustnessResult", "bivariate_local_moran", "bivariate_moran", "differential_moran",
           "emerging_hotspots", "geary", "general_g", "gi_star", "join_counts", "lisa_paths", "local_moran", "moran",
           "moran_robustness"]

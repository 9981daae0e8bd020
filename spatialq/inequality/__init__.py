"""Regional inequality: Dagum Gini decomposition, Theil indices, coefficient of variation, convergence, spatial
β-convergence."""

from .convergence import ConvergenceResult, convergence
from .dagum import DagumResult, dagum_gini
from .spatial_convergence import SpatialConvergenceResult, spatial_convergence
from .theil import TheilResult, cv, theil

__all__ = ["ConvergenceResult", "DagumResult", "SpatialConvergenceResult", "TheilResult", "convergence", "cv",
           "dagum_gini", "spatial_convergence", "theil"]

"""Regional inequality: Dagum Gini decomposition, Theil indices, coefficient of variation, convergence."""

from .convergence import ConvergenceResult, convergence
from .dagum import DagumResult, dagum_gini
from .theil import TheilResult, cv, theil

__all__ = ["ConvergenceResult", "DagumResult", "TheilResult", "convergence", "cv", "dagum_gini", "theil"]

"""Composite indices: entropy weights, TOPSIS, weighted sums, coupling coordination, Tapio decoupling,
obstacle degrees, grey relational analysis and grey relational TOPSIS."""

from .coupling import GRADES_EN, GRADES_ZH, CouplingResult, coupling, grade
from .entropy import EntropyResult, TopsisResult, entropy, normalize, topsis, weighted_sum
from .grey import GreyResult, GreyTopsisResult, grey_coefficients, grey_relation, grey_topsis
from .obstacle import ObstacleResult, obstacle
from .tapio import STATES, TapioResult, tapio

__all__ = [
    "GRADES_EN",
    "GRADES_ZH",
    "STATES",
    "CouplingResult",
    "EntropyResult",
    "GreyResult",
    "GreyTopsisResult",
    "ObstacleResult",
    "TapioResult",
    "TopsisResult",
    "coupling",
    "entropy",
    "grade",
    "grey_coefficients",
    "grey_relation",
    "grey_topsis",
    "normalize",
    "obstacle",
    "tapio",
    "topsis",
    "weighted_sum",
]

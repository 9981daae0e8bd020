"""Composite indices: entropy weights, TOPSIS, weighted sums, coupling coordination, Tapio decoupling."""

from .coupling import GRADES_EN, GRADES_ZH, CouplingResult, coupling, grade
from .entropy import EntropyResult, TopsisResult, entropy, normalize, topsis, weighted_sum
from .tapio import STATES, TapioResult, tapio

__all__ = [
    "GRADES_EN",
    "GRADES_ZH",
    "STATES",
    "CouplingResult",
    "EntropyResult",
    "TapioResult",
    "TopsisResult",
    "coupling",
    "entropy",
    "grade",
    "normalize",
    "tapio",
    "topsis",
    "weighted_sum",
]

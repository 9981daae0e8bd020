"""Efficiency and green total factor productivity: radial DEA (CCR/BCC), SBM with undesirable outputs and
super-SBM, directional distance functions, Malmquist–Luenberger and global Malmquist–Luenberger indices.

Every model is a set of small linear programs solved by HiGHS (``scipy.optimize.linprog``); see
``docs/efficiency.md`` for the formulas, conventions and references.  Score tables are keyed by id and
period, so a column such as ``sbm`` or ``gml`` feeds Moran's I, Dagum, Markov chains and regressions.
"""

from ._lp import EfficiencyResult
from .ddf import ddf
from .dea import dea
from .malmquist import MalmquistResult, malmquist
from .sbm import sbm

__all__ = ["EfficiencyResult", "MalmquistResult", "ddf", "dea", "malmquist", "sbm"]

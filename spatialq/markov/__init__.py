"""Distribution dynamics: classic, spatial and LISA Markov chains."""

from .chains import MarkovResult, SpatialMarkovResult, markov, spatial_markov
from .lisa import QUADRANTS, LisaMarkovResult, lisa_markov
from .rank import RankMarkovResult, rank_markov

__all__ = ["QUADRANTS", "LisaMarkovResult", "MarkovResult", "RankMarkovResult", "SpatialMarkovResult", "lisa_markov",
           "markov", "rank_markov", "spatial_markov"]

"""Distribution dynamics: classic, spatial and LISA Markov chains."""

from .chains import MarkovResult, SpatialMarkovResult, markov, spatial_markov
from .lisa import QUADRANTS, LisaMarkovResult, lisa_markov

__all__ = ["QUADRANTS", "LisaMarkovResult", "MarkovResult", "SpatialMarkovResult", "lisa_markov", "markov",
           "spatial_markov"]

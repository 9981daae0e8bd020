"""Local regression: GWR and MGWR (wrapping PySAL's mgwr) and GTWR (Huang, Wu & Barry 2010).

>>> from spatialq import local
>>> callable(local.gwr)
True
"""

from .gtwr import GTWRResult, gtwr
from .gwr import GWRResult, gwr
from .multiscale import MGWRResult, mgwr

__all__ = ["GTWRResult", "GWRResult", "MGWRResult", "gtwr", "gwr", "mgwr"]

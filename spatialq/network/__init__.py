"""Spatial association networks: gravity networks, whole-network and node measures, block models.

>>> from spatialq import network                                             # doctest: +SKIP
>>> net = network.gravity(df, ["population", "gdp"])                         # doctest: +SKIP
>>> network.measures(net).network                                             # doctest: +SKIP
"""

from .blocks import BlockModel, CorePeriphery, blocks, concor, core_periphery
from .gravity import Network, from_edges, gravity, great_circle_km, unit_coords
from .measures import NetworkMeasures, measures
from .qap import MRQAPResult, QAPCorrelationResult, mrqap, qap_correlation

__all__ = ["BlockModel", "CorePeriphery", "MRQAPResult", "Network", "NetworkMeasures", "QAPCorrelationResult", "blocks",
           "concor", "core_periphery", "from_edges", "gravity", "great_circle_km", "measures", "mrqap",
           "qap_correlation", "unit_coords"]

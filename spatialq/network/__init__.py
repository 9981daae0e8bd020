"""Spatial association networks: gravity networks, whole-network and node measures, block models.

>>> from spatialq import network                                             # doctest: +SKIP
>>> net = network.gravity(df, ["population", "gdp"])                         # doctest: +SKIP
>>> network.measures(net).network                                             # doctest: +SKIP
"""

from .blocks import BlockModel, CorePeriphery, blocks, concor, core_periphery
from .gravity import Network, from_edges, gravity, great_circle_km, unit_coords
from .measures import NetworkMeasures, measures

# QAP correlation and regression (spatialq/network/qap.py) are added by the lead; not imported here.

__all__ = ["BlockModel", "CorePeriphery", "Network", "NetworkMeasures", "blocks", "concor", "core_periphery",
           "from_edges", "gravity", "great_circle_km", "measures", "unit_coords"]

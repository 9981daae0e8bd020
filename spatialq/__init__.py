"""spatialq: spatial econometrics of Chinese regional development."""

__version__ = "0.1.0"


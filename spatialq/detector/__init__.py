"""Drivers I: the geographical detector and random-forest importance."""

from .geodetector import INTERACTION_TYPES, GeoDetectorResult, geodetector, interaction_type

__all__ = ["INTERACTION_TYPES", "GeoDetectorResult", "forest_importance", "geodetector", "interaction_type"]


def forest_importance(*args, **kwargs):
    """Random-forest importance (needs scikit-learn); see :func:`spatialq.detector.forest.forest_importance`."""
    from .forest import forest_importance as _fi

    return _fi(*args, **kwargs)

"""Maps and charts (matplotlib is imported lazily, on the first plot)."""

from .fonts import FAMILY, font_path, register_font


def china_map(*args, **kwargs):
    """Map of China with a South China Sea inset; see :func:`spatialq.plot.maps.china_map`."""
    from .maps import china_map as _china_map

    return _china_map(*args, **kwargs)


__all__ = ["FAMILY", "china_map", "font_path", "register_font"]

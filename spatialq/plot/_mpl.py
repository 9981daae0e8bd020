"""Lazy matplotlib access with the bundled CJK font registered."""

from __future__ import annotations

import functools


@functools.cache
def pyplot():
    import matplotlib.pyplot as plt

    from .fonts import register_font

    register_font()
    return plt


def new_axes(figsize=(6.4, 4.8)):
    plt = pyplot()
    _, ax = plt.subplots(figsize=figsize)
    return ax

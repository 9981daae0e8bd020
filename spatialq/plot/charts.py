"""Charts shared by results: transition-matrix and interaction heat maps."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def heatmap(ax, values: np.ndarray, row_labels: Sequence[str], col_labels: Sequence[str], *, title: str | None = None,
            fmt: str = "{:.3f}", cmap: str = "Blues", row_note: Sequence[str] | None = None, vmin=0.0, vmax=None):
    """Annotated heat map; NaN cells (e.g. rows with no transitions) are left blank and grey."""
    from .fonts import register_font

    register_font()
    v = np.asarray(values, dtype=float)
    masked = np.ma.masked_invalid(v)
    import matplotlib as mpl

    cm = mpl.colormaps[cmap].with_extremes(bad="#eeeeee")
    im = ax.imshow(masked, cmap=cm, vmin=vmin, vmax=vmax if vmax is not None else np.nanmax(v) if np.isfinite(v).any()
                   else 1.0, aspect="auto")
    ax.set_xticks(range(v.shape[1]), labels=list(col_labels))
    ylabels = [f"{r}\n(n={n})" for r, n in zip(row_labels, row_note)] if row_note is not None else list(row_labels)
    ax.set_yticks(range(v.shape[0]), labels=ylabels)
    top = np.nanmax(v) if np.isfinite(v).any() else 1.0
    for i in range(v.shape[0]):
        for j in range(v.shape[1]):
            if np.isfinite(v[i, j]):
                ax.text(j, i, fmt.format(v[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if v[i, j] > 0.6 * top else "black")
    if title:
        ax.set_title(title, fontsize=9)
    return im


def legend(ax, *, outside: str = "right", **kw):
    """A chart legend on a white, slightly transparent frame where it covers no bar, line or point.

    Tries the inside locations (upper right first); when each covers data (stacked bars filling the
    axes, for instance) the legend goes outside, right of the axes (``outside="right"``) or above it
    (``"top"``).  Existing legend entries are kept; ``kw`` go to ``ax.legend``.  Returns the Legend.
    """
    from ._layout import chart_legend

    return chart_legend(ax, outside=outside, **kw)


def tidy_legends(fig) -> int:
    """Move every chart legend of ``fig`` that covers data (see :func:`legend`); maps and 3-D axes are left
    alone (maps place their own).  Called by :func:`spatialq.plot.save`; returns how many legends moved."""
    from ._layout import _data_boxes, hits

    renderer = fig.canvas.get_renderer()
    moved = 0
    for ax in list(fig.axes):
        leg = ax.get_legend()
        if leg is None or getattr(ax, "spatialq_layout", None) is not None or ax.name != "rectilinear":
            continue
        if hits(leg.get_window_extent(renderer), _data_boxes(ax, renderer)):
            legend(ax)
            moved += 1
    return moved

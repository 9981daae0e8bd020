"""The bundled CJK font (Noto Sans CJK SC subset, SIL OFL 1.1) for Chinese labels.

:func:`register_font` adds the font to matplotlib and puts it first in
``font.sans-serif`` (DejaVu Sans stays as fallback for other scripts), turns off the
Unicode minus (the subset has no U+2212 in every weight) and keeps ``pdf.fonttype = 3``:
Noto Sans CJK has CFF outlines, which matplotlib embeds correctly as Type 3 (checked with
``pdffonts`` in the tests).  It is called by every spatialq plotting function; call it
yourself before your own matplotlib figures with Chinese text.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

FAMILY = "Noto Sans CJK SC Subset"
FONT_FILE = "NotoSansCJKsc-Subset.otf"

__all__ = ["FAMILY", "font_path", "register_font"]


def font_path() -> Path:
    """Path of the bundled font file inside the installed package."""
    return Path(str(resources.files("spatialq.fonts").joinpath(FONT_FILE)))


@functools.cache
def _add() -> None:
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(font_path()))


def register_font() -> str:
    """Register the bundled font with matplotlib and make it the first sans-serif font."""
    import matplotlib as mpl

    _add()
    families = list(mpl.rcParams["font.sans-serif"])
    if not families or families[0] != FAMILY:
        mpl.rcParams["font.sans-serif"] = [FAMILY] + [f for f in families if f != FAMILY]
    mpl.rcParams["font.family"] = "sans-serif"
    mpl.rcParams["axes.unicode_minus"] = False
    mpl.rcParams["pdf.fonttype"] = 3
    return FAMILY

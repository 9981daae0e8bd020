"""How numbers are printed in journal tables: one place for every table writer.

* :func:`number` — ``digits`` decimals, except where fixed decimals would underflow: a non-zero value that
  rounds to ``0.000`` is printed with ``digits`` significant digits instead (σ² = 0.000123, not 0.000; a
  standard error of 0.00004 is ``(0.0000400)``, not ``(0.000)``), and below 1e-5 in scientific notation.  A
  negative zero is printed as ``0.000`` (never ``-0.000``).
* :func:`pvalue` — one style for every p-value: ``digits`` decimals, ``<0.001`` below the last one (never
  ``9.48e-04`` next to ``0.001``).
* :func:`is_pvalue_column` — which columns hold p-values: ``p``, ``p_*`` and ``*_p`` (``p_sim``, ``p_norm``,
  ``p_value``, ``lr_p`` …), ``pvalue``.
"""

from __future__ import annotations

import math

__all__ = ["is_pvalue_column", "number", "pvalue"]


def number(v: float, digits: int = 3) -> str:
    """``v`` with ``digits`` decimals, or ``digits`` significant digits where the decimals would show 0.

    Parameters
    ----------
    v : float
        The number (NaN gives ``""``, ±inf ``"inf"`` / ``"-inf"``).
    digits : int
        Decimal places.

    Returns
    -------
    str
        e.g. ``number(0.12345) == "0.123"``, ``number(0.000123) == "0.000123"``, ``number(-0.0) == "0.000"``,
        ``number(3.2e-12) == "3.20e-12"``.
    """
    v = float(v)
    if math.isnan(v):
        return ""
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0:
        return f"{0.0:.{digits}f}"
    fixed = f"{v:.{digits}f}"
    if float(fixed) != 0:
        return fixed
    exponent = math.floor(math.log10(abs(v)))
    decimals = digits - 1 - exponent
    if exponent >= -5:
        return f"{v:.{decimals}f}"
    return f"{v:.{max(digits - 1, 0)}e}"


def pvalue(p: float, digits: int = 3) -> str:
    """A p-value with ``digits`` decimals, ``"<0.001"`` (for ``digits=3``) below the last decimal, ``""`` for NaN."""
    p = float(p)
    if math.isnan(p):
        return ""
    floor = 10.0 ** -digits
    if p < floor:
        return f"<{floor:.{digits}f}"
    return f"{min(p, 1.0):.{digits}f}"


def is_pvalue_column(name) -> bool:
    """Whether a column named ``name`` holds p-values (``p``, ``p_sim``, ``lr_p``, ``pvalue`` …)."""
    n = str(name).strip().lower()
    return n in {"p", "pvalue", "p-value", "p_value", "p 值", "p值"} or n.startswith("p_") or n.endswith("_p")

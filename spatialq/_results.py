"""The result convention shared by every analysis in spatialq.

Each analysis function returns a frozen dataclass (``eq=False, repr=False``) deriving from
:class:`Result`.  A result

* records what produced it in ``meta`` (:class:`Provenance`: method, options, seed, n,
  spatialq version; no timestamps, so reruns compare equal);
* renders as text with ``summary()`` (also its ``repr``) and as HTML in notebooks
  (``_repr_html_``);
* gives a tidy table with ``to_frame()`` (a fresh copy; per-unit results keyed by id
  and year so they merge onto the geometry, per-year or per-term results keyed by year
  or term);
* draws itself with ``plot(ax=None, **kw)`` and returns the Axes (matplotlib is
  imported only then).

Subclasses implement ``_title()``, ``_summary_lines()``, ``to_frame()`` and ``_plot(ax, **kw)``.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pandas as pd

__all__ = ["Provenance", "Result", "provenance"]


@dataclass(frozen=True)
class Provenance:
    """What produced a result: method name, options, seed, number of observations, version."""

    method: str
    options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    seed: int | None = None
    n: int | None = None
    version: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"method": self.method, "options": dict(self.options), "seed": self.seed, "n": self.n,
                "version": self.version}


def provenance(method: str, *, seed: int | None = None, n: int | None = None, **options: Any) -> Provenance:
    """Build a :class:`Provenance` with read-only options."""
    from . import __version__

    return Provenance(method=method, options=MappingProxyType(dict(options)), seed=seed, n=n, version=__version__)


@dataclass(frozen=True, eq=False, repr=False)
class Result:
    """Base class of all results (see the module documentation)."""

    meta: Provenance

    # -- to implement -------------------------------------------------------------
    def _title(self) -> str:  # pragma: no cover - overridden
        return self.meta.method

    def _summary_lines(self) -> list[str]:  # pragma: no cover - overridden
        return []

    def to_frame(self) -> pd.DataFrame:  # pragma: no cover - overridden
        raise TypeError(f"{type(self).__name__} does not define to_frame()")

    def _plot(self, ax, **kw):  # pragma: no cover - overridden
        raise TypeError(f"{type(self).__name__} has no plot")

    # -- shared -----------------------------------------------------------------
    def summary(self) -> str:
        """Text summary: title, provenance and the result's key numbers."""
        opts = ", ".join(f"{k}={v!r}" for k, v in self.meta.options.items())
        head = [self._title(), "=" * len(self._title())]
        info = f"method: {self.meta.method}" + (f"  n = {self.meta.n}" if self.meta.n is not None else "")
        if self.meta.seed is not None:
            info += f"  seed = {self.meta.seed}"
        lines = [*head, info]
        if opts:
            lines.append(f"options: {opts}")
        return "\n".join([*lines, "", *self._summary_lines()]).rstrip()

    def __repr__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        try:
            table = self.to_frame().head(50).to_html(border=0)
        except TypeError:
            table = ""
        body = "<br>".join(html.escape(line) for line in self.summary().splitlines()[2:12])
        return f"<div><strong>{html.escape(self._title())}</strong><br><small>{body}</small>{table}</div>"

    def plot(self, ax=None, **kw):
        """Draw the result on ``ax`` (a new figure if None); returns the matplotlib Axes."""
        from .plot._mpl import new_axes

        if ax is None:
            ax = new_axes()
        drawn = self._plot(ax, **kw)
        return drawn if drawn is not None else ax

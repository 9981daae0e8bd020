"""The registry of study analyses: one module per analysis, discovered from this package.

Each module ``spatialq/study/analyses/<name>.py`` defines ``ANALYSIS = Analysis(...)``: its options
(types, defaults, choices, bounds, documentation), the data columns it reads, its up-front checks
(of the study's structure and of its data) and its step.  The validator
(:mod:`spatialq.study.spec`, :mod:`spatialq.study.data`), the runner, ``spatialq template`` and the
reference section of ``docs/study.md`` read :data:`REGISTRY`; adding an analysis is one new module
and its test.

Discovery lists the modules of this package (``pkgutil``); no name from a study file is ever used
to import or look up code — a study's analysis names are checked against :data:`REGISTRY`'s keys.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .._schema import Opt

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..runner import Context
    from ..spec import Study

__all__ = ["REGISTRY", "Analysis", "DataView"]


@dataclass(frozen=True)
class DataView:
    """What an analysis's data check sees: the matched long frame (``adcode``, ``year``), the years
    present, the unit names (adcode → name) and the study."""

    data: pd.DataFrame
    years: tuple[int, ...]
    names: Mapping[str, str]
    study: Study

    @property
    def target(self) -> str | None:
        """The index column if the study builds one."""
        return self.study.index["name"] if self.study.index is not None else None


def _none(*_: Any) -> list:
    return []


def _no_years(*_: Any) -> None:
    return None


@dataclass(frozen=True)
class Analysis:
    """One study analysis.

    Attributes
    ----------
    name : str
        The key in ``[analyses.<name>]``.
    order : int
        Position in the template and the documentation.
    summary : str
        One line for ``docs/study.md`` and the template.
    options : mapping of str to Opt
        The keys of ``[analyses.<name>]``.
    step : callable ``(ctx, opts) -> None``
        Computes through the public API and writes tables and figures through ``ctx``.
    columns : callable ``(opts) -> list[str]``
        Data columns read besides the default ``column`` (e.g. factors, formula variables).
    check : callable ``(opts, sections) -> list[str]``
        Structural problems (before any file is read); ``sections`` maps section names to their
        options (``None`` if absent).
    text_columns : callable ``(opts) -> list[str]``
        Columns read as categories (e.g. inside ``C()`` of a formula): text is accepted, gaps are not.
    check_data : callable ``(opts, view) -> list[str]``
        Data problems (before any computation), given a :class:`DataView`.
    uses_weights : bool
        The analysis uses the spatial weights period by period, so every unit must be present in
        every year it uses (checked up front, naming the regions and the missing years).
    weight_years : callable ``(opts, view) -> tuple[int, ...] | None``
        The years in which the analysis uses the weights (e.g. the year of a cross-section);
        ``None`` (the default) means every year of the data.
    creates : callable ``(opts) -> list[str]``
        Columns the step adds to the data (e.g. efficiency scores); analyses listed after it in the study
        file may read them (checked up front: a column read before it is created is a problem).
    template_off : bool
        Commented out in ``spatialq template`` (needs an optional extra or sub-systems).
    cost : float
        Rough serial seconds of the step on the demo study at prefecture level (measured with
        ``benchmarks/bench_study.py``; 1 when not measured).  Only the order in which a parallel run hands the
        analyses of one level to its workers depends on it (:func:`spatialq.study.schedule.dispatch_order`),
        never an output.
    """

    name: str
    order: int
    summary: str
    options: Mapping[str, Opt]
    step: Callable[[Context, Mapping], None]
    columns: Callable[[Mapping], list[str]] = _none
    check: Callable[[Mapping, Mapping], list[str]] = _none
    check_data: Callable[[Mapping, DataView], list[str]] = _none
    text_columns: Callable[[Mapping], list[str]] = _none
    uses_weights: bool = False
    weight_years: Callable[[Mapping, DataView], tuple[int, ...] | None] = _no_years
    template_off: bool = False
    creates: Callable[[Mapping], list[str]] = _none
    examples: Mapping[str, str] = field(default_factory=dict)
    cost: float = 1.0


def _discover() -> Mapping[str, Analysis]:
    found = []
    for mod in pkgutil.iter_modules(__path__):
        if mod.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{mod.name}")
        a = getattr(module, "ANALYSIS", None)
        if not isinstance(a, Analysis):  # pragma: no cover - a developer error
            raise TypeError(f"{module.__name__} must define ANALYSIS = Analysis(...)")
        if a.name != mod.name:  # pragma: no cover
            raise ValueError(f"{module.__name__}: ANALYSIS.name {a.name!r} differs from the module name")
        found.append(a)
    return MappingProxyType({a.name: a for a in sorted(found, key=lambda a: (a.order, a.name))})


REGISTRY: Mapping[str, Analysis] = _discover()

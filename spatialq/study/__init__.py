"""A whole study from one TOML file: data → index → analyses → tables, figures and an index page.

>>> from spatialq import study
>>> res = study.run("urbanisation.toml", out="results")      # doctest: +SKIP

or from the shell: ``spatialq run urbanisation.toml --out results``.  The file format is
documented in ``docs/study.md``; :data:`spatialq.study.spec.SECTIONS` and
:data:`spatialq.study.spec.ANALYSES` list every key with its default.  The file is validated in
two stages before any computation: its structure (:func:`load`: unknown sections, keys or
analyses, wrong types or choices) and its data (:func:`prepare`: files, columns, names that do
not match a region, years, repeated rows).  Every problem found is reported in one
:class:`StudyError`.
"""

from .data import Prepared, prepare, read_table
from .runner import Output, StudyResult, run
from .spec import ANALYSES, SECTIONS, Study, StudyError, load, parse
from .template import template

__all__ = ["ANALYSES", "SECTIONS", "Output", "Prepared", "Study", "StudyError", "StudyResult", "load", "parse",
           "prepare", "read_table", "run", "template"]

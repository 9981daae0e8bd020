"""Shared helpers of the study-analysis tests: write a study file and its data, run it, read its tables."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from spatialq import study

HEAD = """
[study]
table_formats = ["csv"]
dpi = 50
seed = 7
[data]
path = "data.csv"
id = "province"
"""


def run(tmp_path: Path, body: str, data: pd.DataFrame, *, head: str = HEAD, **kw):
    """Write ``data.csv`` and ``s.toml`` (``head`` + ``body``) in ``tmp_path`` and run the study into ``out``."""
    data.to_csv(tmp_path / "data.csv", index=False)
    (tmp_path / "s.toml").write_text(head + body, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return study.run(tmp_path / "s.toml", out=tmp_path / "out", progress=False, **kw)


def table(res, name: str, **read) -> pd.DataFrame:
    """The CSV of the output ``name`` of a study result."""
    out = next(o for o in res.outputs if o.name == name)
    return pd.read_csv(next(p for p in out.files if p.suffix == ".csv"), encoding="utf-8-sig", **read)

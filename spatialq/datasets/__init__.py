"""Example data shipped with spatialq.

Published tables (transcribed from the journals; see each function for the citation), with
adcodes added by :func:`spatialq.geometry.match`.  Built by ``tools/build_datasets.py``.
:func:`synthetic_panel` and :func:`synthetic_urbanisation` generate synthetic panels with known spatial
parameters (teaching, tests, the demo study); they are labelled synthetic wherever they are used.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

from .synthetic import synthetic_panel
from .urbanisation import synthetic_urbanisation

__all__ = ["ai_index_provinces", "bth_chains_cities", "synthetic_panel", "synthetic_urbanisation"]


def _read(name: str) -> pd.DataFrame:
    with resources.files("spatialq.datasets").joinpath(name).open(encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype={"adcode": str})


def ai_index_provinces() -> pd.DataFrame:
    """AI development index (entropy score × 100) and rank of the 31 provinces in 2011, 2015, 2019, 2022.

    Source: Wang Jiating et al. (2025), 区域经济评论 (Regional Economic Review) 2025(3), Table 2.
    The paper groups provinces into the three belts with Tibet (East 11, Central 8, West 12):
    ``geometry.regions("three")``.

    Columns: ``adcode``, ``province`` (as printed), ``year``, ``ai_index``, ``rank``.
    """
    return _read("ai_index_provinces.csv")


def bth_chains_cities() -> pd.DataFrame:
    """Industrial-chain and innovation-chain indicators of the 13 Beijing–Tianjin–Hebei cities,
    2014, 2017, 2020, 2023.

    Source: Jiang Cheng, Nie Lijun, Li Kaishuai (2025), 京津冀产业链与创新链的发展趋势与融合成效研究,
    区域经济评论 2025(3), Tables 2–5.  Known errata in the source: the 2020 innovation weighted-degree
    total printed (7457) is not the sum of the cities (7312); Chengde's cumulative manufacturing
    patents fall from 871 (2014) to 544 (2017).
    """
    return _read("bth_chains_cities.csv")

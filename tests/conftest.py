import os
import warnings
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def provinces():
    from spatialq import geometry

    return geometry.provinces()


@pytest.fixture(scope="session")
def prefectures():
    from spatialq import geometry

    return geometry.prefectures()


@pytest.fixture(scope="session")
def counties():
    from spatialq import geometry

    return geometry.counties()


@pytest.fixture(scope="session")
def w_provinces(provinces):
    from spatialq import weights

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return weights.contiguity(provinces)


def pairs(w):
    """Undirected neighbour pairs of a W as a set of sorted tuples."""
    return {tuple(sorted((a, b))) for a, nb in w.neighbors.items() for b in nb}

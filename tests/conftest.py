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


@pytest.fixture(scope="session")
def study_raw():
    """The synthetic urbanisation panel of the 31 provinces, 2015–2018, with provinces by Chinese name (no
    adcodes): the long table a study file reads."""
    from spatialq.datasets import synthetic_urbanisation

    d = synthetic_urbanisation("province", years=range(2015, 2019))
    return d.drop(columns=["adcode", "name"])


@pytest.fixture
def no_compute(monkeypatch):
    """Any analysis function called before a study was validated fails the test loudly."""
    import spatialq.hotspot as hotspot
    import spatialq.index as ix

    def boom(*a, **k):
        raise AssertionError("computation started before the study was validated")

    monkeypatch.setattr(ix, "entropy", boom)
    monkeypatch.setattr(hotspot, "moran", boom)


@pytest.fixture(scope="session")
def page_links():
    """A function: the ``href`` and ``src`` targets of an HTML page (a study's index.html)."""
    from html.parser import HTMLParser

    class Links(HTMLParser):
        def __init__(self):
            super().__init__()
            self.refs = []

        def handle_starttag(self, tag, attrs):
            self.refs += [v for k, v in attrs if k in ("href", "src")]

    def links(path: Path) -> list[str]:
        parser = Links()
        parser.feed(Path(path).read_text(encoding="utf-8"))
        return parser.refs

    return links


@pytest.fixture(scope="session")
def cigarette():
    """Elhorst's cigarette panel (46 states × 30 years) and its contiguity W from ../shared/reference-data
    (skipped where shared/ is absent): the worked example of splm and SDPDmod references."""
    import pandas as pd
    from libpysal.weights import full2W

    ref = SHARED / "reference-data"
    if not (ref / "cigarette.csv").exists():
        pytest.skip("../shared/reference-data/cigarette.csv not available")
    wm = pd.read_csv(ref / "cigarette_w.csv", index_col=0)
    return pd.read_csv(ref / "cigarette.csv"), full2W(wm.to_numpy(), ids=list(wm.index))

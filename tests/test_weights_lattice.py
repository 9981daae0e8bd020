"""weights.lattice_sparse: contiguity of grid cells by index arithmetic (issue 18, the grid path).

References no one here wrote: libpysal's ``lat2SW`` (full rectangles) and libpysal's ``Queen``/``Rook`` on the
square cells as polygons (masked grids with holes, any row order).  Inside the lattice queen contiguity is the
8 nearest neighbours, so interior rows also equal ``knn_sparse(k=8)``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import shapely
from libpysal.weights import Queen, Rook, lat2SW

from spatialq import hotspot, weights
from spatialq._guards import InputError
from spatialq.weights import _lattice


def _centres(nrow: int, ncol: int, *, dx: float = 1000.0, dy: float = 1000.0, x0: float = 0.0,
             y0: float = 0.0) -> np.ndarray:
    """Cell centres in raster order (row-major, rows along y): position r * ncol + c."""
    gx, gy = np.meshgrid(x0 + dx * np.arange(ncol), y0 + dy * np.arange(nrow))
    return np.column_stack([gx.ravel(), gy.ravel()])


def _same(a: sp.spmatrix, b: sp.spmatrix) -> bool:
    a, b = sp.csr_matrix(a, dtype=float), sp.csr_matrix(b, dtype=float)
    return a.shape == b.shape and (a != b).nnz == 0


@pytest.mark.parametrize("criterion", ["queen", "rook"])
@pytest.mark.parametrize("shape", [(7, 5), (1, 9), (2, 9), (4, 3), (40, 33)])  # lat2SW fails on n × 1 and n × 2
def test_full_rectangle_equals_libpysal_lat2sw(criterion, shape):
    nrow, ncol = shape
    m = weights.lattice_sparse(_centres(nrow, ncol, x0=500.0, y0=250.0), criterion=criterion)
    ref = lat2SW(nrow, ncol, criterion=criterion, row_st=False)
    assert _same(m, ref)
    assert m.has_sorted_indices and m.indices.dtype == np.int32
    assert np.all(m.data == 1.0)


@pytest.mark.parametrize("criterion,builder", [("queen", Queen), ("rook", Rook)])
def test_masked_grid_in_any_order_equals_polygon_contiguity(criterion, builder):
    """A national-mask-like grid: 30 % of cells missing, rectangular cells, offset origin, rows shuffled."""
    rng = np.random.default_rng(3)
    nrow, ncol, dx, dy = 14, 11, 1000.0, 500.0
    xy = _centres(nrow, ncol, dx=dx, dy=dy, x0=73_412.5, y0=-3_001_250.0)
    xy = xy[rng.random(len(xy)) > 0.3]
    xy = xy[rng.permutation(len(xy))]
    cells = shapely.box(xy[:, 0] - dx / 2, xy[:, 1] - dy / 2, xy[:, 0] + dx / 2, xy[:, 1] + dy / 2)
    gdf = gpd.GeoDataFrame({"id": np.arange(len(xy))}, geometry=cells, crs=3857)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # islands among the masked cells
        ref = builder.from_dataframe(gdf, use_index=False, ids=list(range(len(xy))))
    ref_m, _ = ref.full()
    assert _same(weights.lattice_sparse(xy, criterion=criterion), ref_m)
    assert weights.lattice_sparse(xy, criterion=criterion).nnz > 0


def test_rows_follow_the_callers_order():
    xy = _centres(9, 8)
    perm = np.random.default_rng(0).permutation(len(xy))
    m, mp = weights.lattice_sparse(xy), weights.lattice_sparse(xy[perm])
    assert _same(mp, m[perm][:, perm])


def test_interior_rows_equal_eight_nearest_neighbours():
    nrow, ncol = 30, 25
    xy = _centres(nrow, ncol)
    lat, knn = weights.lattice_sparse(xy), weights.knn_sparse(xy, k=8)
    r, c = np.divmod(np.arange(len(xy)), ncol)
    inner = np.flatnonzero((r > 0) & (r < nrow - 1) & (c > 0) & (c < ncol - 1))
    assert _same(lat[inner], knn[inner])
    edge = np.setdiff1d(np.arange(len(xy)), inner)
    assert np.all(np.diff(lat.indptr)[edge] < 8)  # k-NN reaches past the edge, contiguity does not


def test_dense_and_sorted_tables_give_the_same_matrix(monkeypatch):
    """The sparse-key path (a few scattered cells in a huge bounding box) equals the dense table."""
    rng = np.random.default_rng(7)
    xy = _centres(60, 70, dx=30.0, dy=30.0)
    xy = xy[rng.random(len(xy)) > 0.5]
    dense = weights.lattice_sparse(xy)
    monkeypatch.setattr(_lattice, "DENSE_FACTOR", 0)
    monkeypatch.setattr(_lattice, "DENSE_ALLOWANCE", 0)
    assert _same(weights.lattice_sparse(xy), dense)
    # two distant clusters: the bounding box is 10^10 cells, the dense table is never built
    far = np.vstack([_centres(3, 3), _centres(3, 3, x0=1e8, y0=1e8)])
    m = weights.lattice_sparse(far, cell_size=1000.0)
    assert _same(m, sp.block_diag([lat2SW(3, 3, criterion="queen")] * 2))


def test_rounded_coordinates_far_from_the_origin_are_placed_on_their_cells():
    """Centres exported rounded (30-arc-second cells, 1/120°, written with 6 decimals; 3,000 columns): the
    inferred step is made exact by the range and refined by least squares, so cells at the far end still land
    on their own column.  Noise on every point needs the nominal cell_size."""
    xy = _centres(4, 3000, dx=1 / 120, dy=1 / 120, x0=73.5 + 1 / 240, y0=18.0)
    rounded = np.round(xy, 6)
    ref = lat2SW(4, 3000, criterion="queen", row_st=False)
    assert _same(weights.lattice_sparse(rounded), ref)
    noisy = _centres(4, 3000, x0=-2_500_000.0, y0=1_000_000.0)
    noisy = np.round(noisy + np.random.default_rng(1).uniform(-3, 3, noisy.shape), 1)
    assert _same(weights.lattice_sparse(noisy, cell_size=1000.0), ref)
    assert _same(weights.lattice_sparse(noisy, cell_size=(1000.0, 1000.0)), ref)
    # a stray point off its node does not change the inferred step: it is named
    stray = rounded.copy()
    stray[5, 0] += 0.3 / 120
    with pytest.raises(InputError, match=r"1 point\(s\) are not on a regular lattice of step 0\.00833333 along x: "
                                         r"row 5 "):
        weights.lattice_sparse(stray)


def test_bad_input_is_named():
    xy = _centres(8, 8)
    off = xy.copy()
    off[10, 0] += 400.0  # 0.4 of a cell away from its node
    with pytest.raises(InputError, match=r"1 point\(s\) are not on a regular lattice of step 1000 along x: "
                                         r"row 10 \(x = 2400\.0, 0\.40 of a cell off\)"):
        weights.lattice_sparse(off)
    dup = np.vstack([xy, xy[[5]]])
    with pytest.raises(InputError, match=r"1 point\(s\) fall on a cell another point already occupies.*row 5"):
        weights.lattice_sparse(dup)
    with pytest.raises(InputError, match="criterion must be 'queen' or 'rook'"):
        weights.lattice_sparse(xy, criterion="bishop")
    with pytest.raises(InputError, match="cell size along x must be a positive number"):
        weights.lattice_sparse(xy, cell_size=-1.0)
    with pytest.raises(InputError, match=r"cell_size must be one number or \(dx, dy\)"):
        weights.lattice_sparse(xy, cell_size=(1.0, 2.0, 3.0))
    bad = xy.copy()
    bad[2, 1] = np.nan
    with pytest.raises(InputError, match="lattice_sparse"):
        weights.lattice_sparse(bad)
    with pytest.raises(ValueError, match=r"\(n, 2\) array"):
        weights.lattice_sparse(xy[:, :1])


def test_gi_star_on_lattice_weights_equals_gi_star_on_the_polygon_w():
    """The statistic reads the matrix as it reads a libpysal W of the same cells (rows in data order)."""
    rng = np.random.default_rng(2)
    xy = _centres(12, 10)
    df = pd.DataFrame({"id": np.arange(len(xy)), "y": rng.normal(size=len(xy))})
    cells = shapely.box(xy[:, 0] - 500, xy[:, 1] - 500, xy[:, 0] + 500, xy[:, 1] + 500)
    w = Queen.from_dataframe(gpd.GeoDataFrame(df, geometry=cells, crs=3857), ids=list(df["id"]), use_index=False)
    a = hotspot.gi_star(df, "y", weights.lattice_sparse(xy), by=None, id="id").table
    b = hotspot.gi_star(df, "y", w, by=None, id="id").table
    np.testing.assert_allclose(a["z"], b["z"], rtol=1e-12, atol=1e-12)
    assert (a["gi_bin"] == b["gi_bin"]).all()


def test_few_cells_an_isolated_cell_and_a_single_cell():
    """Degenerate lattices: a 2 × 2 block and a far cell (the median gap, 2,500, is no cell size: the smallest
    gap is tried next and places every point); the far cell has no neighbour, which Gi* refuses as an island
    naming it; one cell is too few units."""
    from spatialq.weights import IslandError

    xy = np.array([[0.0, 0.0], [1000.0, 0.0], [0.0, 1000.0], [1000.0, 1000.0], [5000.0, 5000.0]])
    m = weights.lattice_sparse(xy)
    assert np.diff(m.indptr).tolist() == [3, 3, 3, 3, 0]
    assert _same(m[:4, :4], lat2SW(2, 2, criterion="rook", row_st=False) + sp.csr_matrix(np.fliplr(np.eye(4))))
    df = pd.DataFrame({"id": np.arange(5), "y": [1.0, 2.0, 3.0, 4.0, 5.0]})
    with pytest.raises(IslandError, match="unit without neighbours in the weights: 4"):
        hotspot.gi_star(df, "y", m, by=None, id="id", breaks=None)
    with pytest.raises(InputError, match="lattice_sparse needs at least 2 units; there is 1"):
        weights.lattice_sparse(np.array([[0.0, 0.0]]))

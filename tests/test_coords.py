"""GCJ-02 <-> WGS84."""

import numpy as np

from spatialq.geometry import gcj02_to_wgs84, wgs84_to_gcj02


def test_round_trip_and_offset_size():
    rng = np.random.default_rng(0)
    lon = rng.uniform(75, 134, 2000)
    lat = rng.uniform(18, 53, 2000)
    glon, glat = wgs84_to_gcj02(lon, lat)
    # the GCJ-02 offset is a few hundred metres: 1e-4 .. 1e-2 degrees
    off = np.hypot(glon - lon, glat - lat)
    assert off.min() > 1e-4 and off.max() < 1.5e-2
    wlon, wlat = gcj02_to_wgs84(glon, glat)
    assert np.max(np.abs(wlon - lon)) < 1e-9 and np.max(np.abs(wlat - lat)) < 1e-9


def test_offset_at_beijing():
    # In central Beijing GCJ-02 lies about 0.006° east and 0.0013° north of WGS84
    # (≈ 520 m and 140 m), the well-known size of the offset there.
    glon, glat = wgs84_to_gcj02(116.391, 39.907)
    assert 0.005 < glon - 116.391 < 0.0075
    assert 0.0005 < glat - 39.907 < 0.002


def test_result_does_not_depend_on_batch():
    pts = np.array([[113.2, 23.1], [116.4, 39.9], [121.5, 31.2]])
    one = np.column_stack(gcj02_to_wgs84(pts[:1, 0], pts[:1, 1]))
    many = np.column_stack(gcj02_to_wgs84(pts[:, 0], pts[:, 1]))
    assert np.array_equal(one[0], many[0])


def test_outside_china_unchanged():
    lon, lat = gcj02_to_wgs84([2.35, -74.0], [48.85, 40.7])
    assert np.allclose(lon, [2.35, -74.0]) and np.allclose(lat, [48.85, 40.7])

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from ruralnet.geo.coords import gcj02_to_wgs84, wgs84_to_gcj02

# Published reference pairs (wgs_lat, wgs_lon, gcj_lat, gcj_lon) from the eviltransform test suite.
REFERENCE = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]


def test_wgs84_to_gcj02_matches_published_reference_points():
    """The forward transform reproduces published GCJ-02 coordinates to 1e-9 degrees."""
    for wlat, wlon, glat, glon in REFERENCE:
        lon, lat = wgs84_to_gcj02(wlon, wlat)
        assert abs(lon - glon) < 1e-9 and abs(lat - glat) < 1e-9


def test_gcj02_to_wgs84_recovers_published_wgs84_points():
    """The iterative inverse recovers the WGS-84 reference points to ~1 mm."""
    for wlat, wlon, glat, glon in REFERENCE:
        lon, lat = gcj02_to_wgs84(glon, glat)
        assert abs(lon - wlon) < 1e-8 and abs(lat - wlat) < 1e-8


def test_points_outside_china_are_unchanged():
    """GCJ-02 only applies inside China; elsewhere both transforms are the identity."""
    lon, lat = wgs84_to_gcj02(np.array([2.35, -74.0]), np.array([48.85, 40.7]))
    assert np.allclose(lon, [2.35, -74.0]) and np.allclose(lat, [48.85, 40.7])


@given(st.floats(97, 125), st.floats(20, 45))
def test_round_trip_is_within_a_millimetre(lon, lat):
    """gcj02_to_wgs84(wgs84_to_gcj02(p)) == p within 1e-8 degrees anywhere in China."""
    g = wgs84_to_gcj02(lon, lat)
    back = gcj02_to_wgs84(*g)
    assert abs(back[0] - lon) < 1e-8 and abs(back[1] - lat) < 1e-8

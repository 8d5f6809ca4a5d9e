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


# Published BD-09 fixtures of the coordtransform project (wandergis/coordtransform test/app.js),
# reproduced by its ports: GCJ-02 (116.404, 39.915) -> BD-09, and BD-09 (116.404, 39.915) -> GCJ-02.
GCJ_TO_BD = ((116.404, 39.915), (116.41036949371029, 39.92133699351021))
BD_TO_GCJ = ((116.404, 39.915), (116.39762729119315, 39.90865673957631))
# The same suite's BD-09 -> WGS-84 value, computed with the one-step approximate GCJ inverse.
BD_TO_WGS_APPROX = ((116.404, 39.915), (116.3913836995125, 39.907253214522164))


def test_bd09_conversions_match_published_reference_points():
    """BD-09 <-> GCJ-02 reproduce the published fixtures to 1e-9 degrees."""
    from ruralnet.geo.coords import bd09_to_gcj02, gcj02_to_bd09

    (x, y), (bx, by) = GCJ_TO_BD
    lon, lat = gcj02_to_bd09(x, y)
    assert abs(lon - bx) < 1e-9 and abs(lat - by) < 1e-9
    (x, y), (gx, gy) = BD_TO_GCJ
    lon, lat = bd09_to_gcj02(x, y)
    assert abs(lon - gx) < 1e-9 and abs(lat - gy) < 1e-9


def test_bd09_to_wgs84_is_within_metres_of_the_published_approximation_and_round_trips():
    """BD-09 -> WGS-84 lands within 3 m of the published one-step value and inverts exactly."""
    import coordTransform

    from ruralnet.geo.coords import bd09_to_wgs84, haversine_m

    (x, y), (wx, wy) = BD_TO_WGS_APPROX
    lon, lat = bd09_to_wgs84(x, y)
    assert 0 < haversine_m(lon, lat, wx, wy) < 3.0
    bx, by = coordTransform.wgs84_to_bd09(float(lon), float(lat))
    assert abs(bx - x) < 1e-6 and abs(by - y) < 1e-6


def test_datum_names_cover_chinese_and_english_spellings():
    """高德/GCJ-02, 百度/BD-09 and WGS84/EPSG:4326 are recognised; UTM is not a datum here."""
    from ruralnet.geo.coords import parse_datum

    assert [parse_datum(s) for s in ("GCJ-02", "高德", "bd09ll", "百度", "EPSG:4326", "utm")] == [
        "gcj02", "gcj02", "bd09", "bd09", "wgs84", None]

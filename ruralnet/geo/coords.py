"""Coordinate conversion between WGS-84, GCJ-02 and BD-09 (the datums of Chinese web maps).

GCJ-02 is WGS-84 plus a published-by-reverse-engineering nonlinear offset of a
few hundred metres inside mainland China. Positions copied from Amap (高德),
Tencent or Google China maps are GCJ-02; Baidu maps (百度) add a second
offset on top of GCJ-02 (BD-09); GPS readings, OSM, Google Earth and most
KML are WGS-84. pyproj knows none of these, so the forward transforms come
from PyPI ``coordTransform`` (the C-accelerated port of the widely used
coordtransform formulas). Its GCJ-02 → WGS-84 inverse is a one-step
approximation (errors of 1–2 m); :func:`gcj02_to_wgs84` instead iterates
the library's forward transform to sub-millimetre accuracy.

Examples
--------
>>> lon, lat = wgs84_to_gcj02(121.5272106, 31.1774276)
>>> round(float(lon), 6), round(float(lat), 6)
(121.531542, 31.175304)
>>> lon2, lat2 = gcj02_to_wgs84(lon, lat)
>>> round(float(lon2), 7), round(float(lat2), 7)
(121.5272106, 31.1774276)
>>> [round(float(x), 6) for x in bd09_to_gcj02(116.404, 39.915)]
[116.397627, 39.908657]
"""

from __future__ import annotations

from typing import Literal

import coordTransform as ct
import numpy as np
from numpy.typing import ArrayLike, NDArray

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)

Datum = Literal["wgs84", "gcj02", "bd09"]

DATUM_NAMES: dict[str, Datum] = {
    "wgs84": "wgs84", "wgs": "wgs84", "4326": "wgs84", "epsg:4326": "wgs84", "gps": "wgs84",
    "cgcs2000": "wgs84", "4490": "wgs84", "epsg:4490": "wgs84", "地球坐标": "wgs84",
    "gcj02": "gcj02", "gcj": "gcj02", "高德": "gcj02", "腾讯": "gcj02", "火星坐标": "gcj02",
    "amap": "gcj02", "bd09": "bd09", "bd09ll": "bd09", "baidu": "bd09", "百度": "bd09",
}
"""Spellings of the datums accepted in a ``crs`` column or ``--crs`` (after lower-casing and
removing ``-``, ``_`` and spaces). CGCS2000 differs from WGS-84 by centimetres."""


def parse_datum(text: str) -> Datum | None:
    """Return the datum named by ``text`` (``None`` if unknown); an empty text is WGS-84.

    Examples
    --------
    >>> parse_datum("BD-09"), parse_datum("高德"), parse_datum(""), parse_datum("UTM50")
    ('bd09', 'gcj02', 'wgs84', None)
    """
    key = str(text).strip().lower().replace("-", "").replace("_", "").replace(" ", "")
    return "wgs84" if key in ("", "nan", "none") else DATUM_NAMES.get(key)


def _apply(fn, lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray, NDArray]:
    lon_a, lat_a = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    flat_lon, flat_lat = np.ravel(lon_a), np.ravel(lat_a)
    out_lon, out_lat = fn(np.ascontiguousarray(flat_lon), np.ascontiguousarray(flat_lat))
    return (np.asarray(out_lon, dtype=float).reshape(lon_a.shape),
            np.asarray(out_lat, dtype=float).reshape(lat_a.shape))


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray, NDArray]:
    """Convert WGS-84 longitude/latitude to GCJ-02 (unchanged outside China).

    Parameters
    ----------
    lon, lat
        Degrees, scalars or arrays of the same shape.

    Returns
    -------
    tuple of numpy.ndarray
        GCJ-02 longitude and latitude.
    """
    return _apply(ct.wgs84_to_gcj02, lon, lat)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray, NDArray]:
    """Convert GCJ-02 longitude/latitude to BD-09 (Baidu), with ``coordTransform``."""
    return _apply(ct.gcj02_to_bd09, lon, lat)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray, NDArray]:
    """Convert BD-09 (Baidu) longitude/latitude to GCJ-02, with ``coordTransform``.

    The BD-09 layer is a closed-form rotation and shift, so this inverse is
    exact (round trip within 1e-6 degrees, ~0.1 m).
    """
    return _apply(ct.bd09_to_gcj02, lon, lat)


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray, NDArray]:
    """Convert BD-09 (Baidu) longitude/latitude to WGS-84 (via GCJ-02)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def to_wgs84(lon: ArrayLike, lat: ArrayLike, datum: Datum) -> tuple[NDArray, NDArray]:
    """Convert positions given in ``datum`` (``"wgs84"``, ``"gcj02"``, ``"bd09"``) to WGS-84.

    Examples
    --------
    >>> lon, lat = to_wgs84([118.1], [25.0], "wgs84")
    >>> float(lon[0]), float(lat[0])
    (118.1, 25.0)
    """
    if datum == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    if datum == "bd09":
        return bd09_to_wgs84(lon, lat)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike, *, tol_deg: float = 1e-10,
                   max_iter: int = 30) -> tuple[NDArray, NDArray]:
    """Convert GCJ-02 longitude/latitude to WGS-84 by fixed-point iteration.

    Parameters
    ----------
    lon, lat
        GCJ-02 degrees, scalars or arrays of the same shape.
    tol_deg
        Stop when the forward transform of the estimate is within this many
        degrees of the input (1e-10° ≈ 0.01 mm).
    max_iter
        Iteration cap; convergence normally takes 3–6 steps.

    Returns
    -------
    tuple of numpy.ndarray
        WGS-84 longitude and latitude.
    """
    g_lon, g_lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    for _ in range(max_iter):
        f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
        e_lon, e_lat = f_lon - g_lon, f_lat - g_lat
        w_lon, w_lat = w_lon - e_lon, w_lat - e_lat
        if np.all(np.abs(e_lon) < tol_deg) and np.all(np.abs(e_lat) < tol_deg):
            break
    return w_lon, w_lat


def haversine_m(lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike,
                lat2: ArrayLike) -> NDArray:
    """Great-circle distance in metres between lon/lat points (numpy broadcasting).

    Examples
    --------
    >>> round(float(haversine_m(118.0, 25.0, 118.0, 26.0)))
    111195
    """
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(a, dtype=float)) for a in
                              (lon1, lat1, lon2, lat2))
    a = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))

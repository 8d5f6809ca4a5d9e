"""Coordinate conversion between WGS-84 and GCJ-02 (the "Mars" datum of Chinese web maps).

GCJ-02 is WGS-84 plus a published-by-reverse-engineering nonlinear offset of a
few hundred metres inside mainland China. Positions copied from Amap (高德),
Tencent or Google China maps are GCJ-02; GPS readings and OSM are WGS-84.
The inverse has no closed form; :func:`gcj02_to_wgs84` iterates the forward
transform to sub-millimetre accuracy.

Examples
--------
>>> lon, lat = wgs84_to_gcj02(121.5272106, 31.1774276)
>>> round(float(lon), 6), round(float(lat), 6)
(121.531542, 31.175304)
>>> lon2, lat2 = gcj02_to_wgs84(lon, lat)
>>> round(float(lon2), 7), round(float(lat2), 7)
(121.5272106, 31.1774276)
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)
_A = 6378245.0  # Krasovsky 1940 semi-major axis used by the GCJ-02 algorithm
_EE = 0.00669342162296594323  # its first eccentricity squared


def _out_of_china(lon: NDArray, lat: NDArray) -> NDArray:
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _delta(lon: NDArray, lat: NDArray) -> tuple[NDArray, NDArray]:
    x, y = lon - 105.0, lat - 35.0
    d_lat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y
             + 0.2 * np.sqrt(np.abs(x)))
    d_lat += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    d_lat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    d_lat += (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    d_lon += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    d_lon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    d_lon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad_lat = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return d_lon, d_lat


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
    lon_a, lat_a = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    d_lon, d_lat = _delta(lon_a, lat_a)
    outside = _out_of_china(lon_a, lat_a)
    return np.where(outside, lon_a, lon_a + d_lon), np.where(outside, lat_a, lat_a + d_lat)


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

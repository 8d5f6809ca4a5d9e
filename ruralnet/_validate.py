"""Shared input checks on boundaries, point tables, road graphs and matrices.

Small and generic, like OSMnx's ``_validate``: each function either returns a
normalised value or raises a :class:`~ruralnet.exceptions.RuralnetError`
subclass whose message names the offending field, its value and the allowed
range, in Chinese and English.
"""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from ruralnet.exceptions import NetworkError, ParameterError, RuralnetError

WGS84 = "EPSG:4326"


def check_range(
    name: str,
    value: Any,
    low: float,
    high: float,
    *,
    error: type[RuralnetError] = RuralnetError,
) -> float:
    """Return ``value`` as a float if ``low <= value <= high``, else raise ``error``.

    Examples
    --------
    >>> check_range("detour", 1.3, 1.0, 3.0)
    1.3
    >>> check_range("detour", 0.5, 1.0, 3.0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ruralnet.exceptions.RuralnetError: 参数 detour ... | detour must be in [1.0, 3.0], got 0.5
    """
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or not low <= value <= high:
        raise error(
            f"参数 {name} 必须在 [{low}, {high}] 之间，实际为 {value!r}",
            f"{name} must be in [{low}, {high}], got {value!r}",
            field=name,
            value=value,
        )
    return float(value)


def boundary_polygon(boundary: Any) -> Polygon | MultiPolygon:
    """Return a boundary (GeoDataFrame, GeoSeries or shapely polygon) as one WGS-84 polygon.

    GeoDataFrames in another CRS are reprojected; a shapely geometry is taken
    to be in lon/lat degrees already.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> boundary_polygon(box(118.0, 25.0, 118.1, 25.1)).bounds
    (118.0, 25.0, 118.1, 25.1)
    """
    if isinstance(boundary, gpd.GeoDataFrame | gpd.GeoSeries):
        if boundary.crs is None:
            raise NetworkError(
                "边界图层没有坐标参考系 (CRS)，请先设置 CRS（如 EPSG:4326）",
                "the boundary layer has no CRS; set one (e.g. EPSG:4326) first",
            )
        geom = boundary.to_crs(WGS84).union_all()
    elif isinstance(boundary, BaseGeometry):
        geom = boundary
    else:
        raise NetworkError(
            f"边界必须是 GeoDataFrame 或 shapely 多边形，实际为 {type(boundary).__name__}",
            f"boundary must be a GeoDataFrame or a shapely polygon, got {type(boundary).__name__}",
        )
    if not isinstance(geom, Polygon | MultiPolygon) or geom.is_empty:
        raise NetworkError(
            f"边界必须是非空多边形，实际为 {geom.geom_type}",
            f"boundary must be a non-empty (multi)polygon, got {geom.geom_type}",
        )
    if not geom.is_valid:
        geom = geom.buffer(0)
    return geom


def point_table(
    points: gpd.GeoDataFrame, *, id_column: str | None = None
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...], tuple[str, ...] | None]:
    """Check a point layer and return ``(lon, lat, ids, names)``.

    Parameters
    ----------
    points
        Point GeoDataFrame with a CRS (reprojected to EPSG:4326 if needed).
    id_column
        Column holding unique point ids; ``None`` uses ``village_id`` when the
        layer has one, else the index. Ids are returned as strings.

    Returns
    -------
    lon, lat, ids, names
        Coordinate arrays, ids, and the ``name`` column if there is one.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> gdf = gpd.GeoDataFrame({"village_id": ["a", "b"]},
    ...                        geometry=[Point(118, 25), Point(118.1, 25)], crs=4326)
    >>> point_table(gdf)[2]
    ('a', 'b')
    """
    if not isinstance(points, gpd.GeoDataFrame):
        raise NetworkError(
            f"点图层必须是 GeoDataFrame，实际为 {type(points).__name__}",
            f"points must be a GeoDataFrame, got {type(points).__name__}",
        )
    if points.crs is None:
        raise NetworkError(
            "点图层没有坐标参考系 (CRS)，请先设置 CRS（如 EPSG:4326）",
            "the point layer has no CRS; set one (e.g. EPSG:4326) first",
        )
    if len(points) == 0:
        raise NetworkError("点图层为空", "the point layer is empty")
    gdf = points.to_crs(WGS84)
    geom = gdf.geometry
    bad = geom.isna() | geom.is_empty | (geom.geom_type != "Point")
    if bad.any():
        rows = [str(i) for i in gdf.index[bad][:10]]
        raise NetworkError(
            f"点图层第 {', '.join(rows)} 行的几何不是有效的点",
            f"rows {', '.join(rows)} of the point layer are not valid points",
            rows=rows,
        )
    if id_column is None:
        id_column = "village_id" if "village_id" in gdf.columns else None
    raw = gdf.index if id_column is None else gdf[id_column]
    ids = tuple(str(v) for v in raw)
    if len(set(ids)) != len(ids):
        dupes = sorted({i for i in ids if ids.count(i) > 1})[:10]
        raise NetworkError(
            f"点编号重复：{', '.join(dupes)}",
            f"point ids must be unique; repeated: {', '.join(dupes)}",
            duplicates=dupes,
        )
    names = tuple(str(v) for v in gdf["name"]) if "name" in gdf.columns else None
    return geom.x.to_numpy(float), geom.y.to_numpy(float), ids, names


def check_graph(G: Any) -> None:
    """Check that ``G`` is an osmnx-style road graph ready for routing.

    Requires a :class:`networkx.MultiDiGraph` with at least one node, integer
    node ids with finite lon/lat ``x``/``y``, and on every edge a finite
    ``length`` >= 0 (m), ``speed_kph`` > 0 and ``travel_time`` >= 0 (s).

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_node(1, x=118.0, y=25.0)
    >>> check_graph(G)
    >>> G.add_edge(1, 1, length=-1.0, speed_kph=30.0, travel_time=1.0)
    0
    >>> check_graph(G)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ruralnet.exceptions.NetworkError: ... | edge (1, 1) has length -1.0; allowed range [0, inf)
    """
    if not isinstance(G, nx.MultiDiGraph):
        raise NetworkError(
            f"路网必须是 networkx.MultiDiGraph，实际为 {type(G).__name__}",
            f"the road graph must be a networkx.MultiDiGraph, got {type(G).__name__}",
        )
    if len(G) == 0:
        raise NetworkError("路网没有节点", "the road graph has no nodes")
    crs = G.graph.get("crs")
    if crs is not None and str(crs).upper() not in ("EPSG:4326", "WGS84", "OGC:CRS84"):
        raise NetworkError(
            f"路网坐标系必须是 EPSG:4326，实际为 {crs}；"
            "请先用 osmnx.project_graph(G, to_latlong=True)",
            f"the road graph must be in EPSG:4326, got {crs}; "
            "use osmnx.project_graph(G, to_latlong=True) first",
        )
    for node, data in G.nodes(data=True):
        if not isinstance(node, int | np.integer):
            raise NetworkError(
                f"路网节点编号必须是整数，实际为 {node!r}；"
                "可用 networkx.convert_node_labels_to_integers",
                f"road graph node ids must be integers, got {node!r}; "
                "use networkx.convert_node_labels_to_integers",
            )
        x, y = data.get("x"), data.get("y")
        if not (_finite(x) and _finite(y) and -180 <= x <= 180 and -90 <= y <= 90):
            raise NetworkError(
                f"路网节点 {node} 的经纬度 x={x!r}, y={y!r} 无效（须 -180..180, -90..90）",
                f"road graph node {node} has invalid lon/lat x={x!r}, y={y!r} "
                "(need -180..180, -90..90)",
            )
    for u, v, data in G.edges(data=True):
        for attr, low, strict in (("length", 0.0, False), ("speed_kph", 0.0, True),
                                  ("travel_time", 0.0, False)):
            val = data.get(attr)
            if not _finite(val) or val < low or (strict and val == low):
                rng = f"({low}, inf)" if strict else f"[{low:g}, inf)"
                raise NetworkError(
                    f"路网边 ({u}, {v}) 的 {attr} 必须在 {rng} 之间，实际为 {val!r}",
                    f"edge ({u}, {v}) has {attr} {val!r}; allowed range {rng}",
                    edge=(u, v),
                    field=attr,
                )


def bad_value(name: str, allowed: str, value: Any) -> ParameterError:
    """Return the one error for a parameter outside its allowed range (raise it).

    Examples
    --------
    >>> str(bad_value("max_open", ">= 1", 0))
    '参数 max_open 必须满足 >= 1，实际为 0 | max_open must be >= 1, got 0'
    """
    return ParameterError(f"参数 {name} 必须满足 {allowed}，实际为 {value!r}",
                          f"{name} must be {allowed}, got {value!r}",
                          field=name, allowed=allowed, value=value)


def int_matrix(name: str, value: Any, n: int) -> np.ndarray:
    """Return a read-only int64 copy of an ``n``-by-``n`` non-negative integer matrix.

    Examples
    --------
    >>> int_matrix("distance", [[0, 3], [4, 0]], 2).dtype
    dtype('int64')
    """
    arr = np.asarray(value)
    if arr.shape != (n, n):
        raise bad_value(name, f"a square ({n}, {n}) matrix (depots then clients)", arr.shape)
    if not np.issubdtype(arr.dtype, np.integer):
        raise bad_value(name, "integer-valued (round it first)", arr.dtype)
    if (arr < 0).any():
        raise bad_value(name, ">= 0 everywhere", int(arr.min()))
    out = arr.astype(np.int64, copy=True)
    out.flags.writeable = False
    return out


def cost_matrix(cost: Any) -> np.ndarray:
    """Return a non-empty 2-D float matrix free of NaN and negatives (``inf`` forbids a pair).

    Examples
    --------
    >>> cost_matrix([[1, 2]]).shape
    (1, 2)
    """
    c = np.asarray(cost, dtype=float)
    if c.ndim != 2 or c.shape[0] == 0 or c.shape[1] == 0:
        raise bad_value("cost", "a non-empty 2-D matrix (clients × candidates)", c.shape)
    if np.isnan(c).any() or (c < 0).any():
        raise bad_value("cost", "free of NaN and >= 0 (np.inf forbids a pair)", "NaN or negative")
    return c


def nonneg_vector(x: Any, n: int, name: str, default: float) -> np.ndarray:
    """Return ``x`` broadcast to ``n`` finite values >= 0 (``default`` when ``None``).

    Examples
    --------
    >>> nonneg_vector(None, 2, "demand", 1.0).tolist()
    [1.0, 1.0]
    """
    if x is None:
        return np.full(n, default)
    v = np.broadcast_to(np.asarray(x, dtype=float), (n,)).copy()
    if not np.isfinite(v).all() or (v < 0).any():
        raise bad_value(name, f"{n} finite values >= 0", x)
    return v


def check_square_matrix(name: str, matrix: Any, n: int) -> np.ndarray:
    """Check an integer ``n``-by-``n`` cost matrix with a zero diagonal and no negative entry.

    Examples
    --------
    >>> check_square_matrix("duration_s", np.array([[0, 5], [7, 0]]), 2).shape
    (2, 2)
    """
    arr = np.asarray(matrix)
    if arr.shape != (n, n):
        raise ParameterError(
            f"{name} 的形状必须是 ({n}, {n})，实际为 {arr.shape}",
            f"{name} must have shape ({n}, {n}), got {arr.shape}",
        )
    if not np.issubdtype(arr.dtype, np.integer):
        raise ParameterError(
            f"{name} 必须是整数数组，实际为 {arr.dtype}",
            f"{name} must be an integer array, got {arr.dtype}",
        )
    if n and arr.min() < 0:
        raise ParameterError(
            f"{name} 不能有负数，最小值为 {arr.min()}",
            f"{name} must be >= 0, found {arr.min()}",
        )
    if np.any(np.diagonal(arr) != 0):
        raise ParameterError(f"{name} 的对角线必须为 0", f"{name} must have a zero diagonal")
    return arr


def _finite(value: Any) -> bool:
    return isinstance(value, int | float | np.number) and not isinstance(value, bool) and (
        math.isfinite(value)
    )

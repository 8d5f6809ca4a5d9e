"""Snapping points to roads and many-to-many travel distance/duration matrices.

How a matrix is computed
------------------------
1. **Snap** every point to its nearest road node by great-circle distance
   (a k-d tree on unit-sphere coordinates, exact for the nearest node). Points
   farther than ``max_snap_m`` (default 2 km) are listed in a warning, never
   dropped silently.
2. **Shortest paths.** By default (``search="auto"``) from 256 distinct
   snapped nodes on a graph of 20,000 nodes or more, or whenever the network already holds one, a
   contraction hierarchy is built once per network and weight and kept on it
   (:mod:`ruralnet.roads.hierarchy`); the matrix then comes from bucket
   many-to-many queries, exact on the same integer weights, hence identical
   to the Dijkstra path below (tests check it). ``search="dijkstra"`` forces,
   and numba missing implies, the Dijkstra path: searches run once per
   distinct snapped node with
   :func:`scipy.sparse.csgraph.dijkstra` on a CSR matrix that is built once
   per network (and kept on the :class:`~ruralnet.roads.network.Network`). One-way
   edges stay one-way: the matrix is asymmetric where the roads are. With
   many sources (>= 32) the graph is first contracted: low-degree nodes that
   no point uses are replaced by shortcuts between their neighbours, which
   keeps every distance between points exact and halves each search on
   grid-like road graphs (see :func:`_contract`). From 128 sources on (by
   default; see ``workers``) the searches are shared among processes, one
   slice of the sources each, the calling process searching one slice itself;
   the others are forked, so they inherit the graph instead of receiving a
   pickled copy. Each search is the same whichever process runs it, so the
   matrix is bit-identical to the single-process one. Where ``fork`` is
   unavailable or unsafe (Windows, macOS), inside a daemonic worker process,
   or if a worker dies, the searches run in the calling process.
3. **Both figures from one search.** Each edge weight packs the optimised
   quantity (travel time in 0.01 s by default) into the high bits and the
   other one (length in 0.1 m) into the low bits of an exactly representable
   float64 integer. Dijkstra then finds the duration-optimal path, breaks
   ties by length, and the sum along that very path decodes into its duration
   and its length. The split point is chosen from the data so that neither
   part can overflow into the other, and a result beyond 2**53 raises. Per
   edge rounding is at most 0.005 s and 0.05 m.
4. **Access legs.** A point off the road reaches its snapped node by a slow
   leg (on foot, tricycle or along a track that the map lacks): its snap
   distance is added to distance and, at ``access_speed_kph`` (default
   15 km/h), to duration, at both ends of each trip. ``access_speed_kph=None``
   leaves the legs out (snap distances are still reported).
5. **Unreachable pairs** raise :class:`~ruralnet.exceptions.NetworkError`
   naming the points cut off from the largest group of mutually reachable
   points.
6. **Cache.** The result is stored as ``.npz`` under
   ``settings.cache_dir / "matrix"``, keyed by the graph hash, the options and
   the points (ids and coordinates); ``cache_dir=None`` disables it.

Why this module is long: snapping, graph contraction, the worker-process searches and the
disk cache of one matrix call share the compiled graph arrays.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import multiprocessing
import os
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree
from shapely.geometry import LineString

from ruralnet._io import atomic_path
from ruralnet._procs import can_fork, usable_cores
from ruralnet._validate import check_range, check_square_matrix, point_table
from ruralnet.exceptions import DataQualityWarning, NetworkError, RuralnetError
from ruralnet.roads.network import EARTH_RADIUS_M, Network, haversine_m

logger = logging.getLogger(__name__)

Optimise = Literal["duration", "distance"]
SnapTo = Literal["any", "main"]
Search = Literal["auto", "hierarchy", "dijkstra"]

_TIME_UNIT_S: Final = 0.01
_LENGTH_UNIT_M: Final = 0.1
_EXACT: Final = 2.0**53
_CACHE_VERSION: Final = 1
_SOURCE_CHUNK: Final = 32  # rows of the dense Dijkstra output kept at once
#: Contract the graph first when there are at least this many distinct sources
#: (contraction costs about as much as 15 full searches and halves each one).
_CONTRACT_MIN_SOURCES = 32
_CONTRACT_MAX_DEGREE: Final = 8
#: ``workers=None`` uses one process per this many distinct sources (a fork and
#: the result's return cost about as much as 5 searches on a 100k-node graph) ...
_SOURCES_PER_WORKER: Final = 64
#: ... and at most this many processes, so that a shared machine keeps cores free.
_MAX_DEFAULT_WORKERS: Final = 2
#: ``search="auto"`` builds a contraction hierarchy from this many distinct road
#: nodes on (its build costs about as much as 250-500 Dijkstra searches; once built
#: and kept on the network it is used for every later matrix, whatever the size).
_HIERARCHY_MIN_SOURCES = 256
#: ... on a graph of at least this many nodes: below it a Dijkstra search takes
#: well under a millisecond (安溪's synthetic roads: 847 nodes, 0.08 s for the
#: whole matrix in one process), so neither the build nor loading numba pays.
_HIERARCHY_MIN_NODES = 20_000
#: Arrays a forked worker inherits from the parent (set by the pool initializer).
_WORKER_GRAPH: dict[str, Any] = {}


class _FromSettings:
    def __repr__(self) -> str:
        return "FROM_SETTINGS"


#: Default ``cache_dir``: ``settings.cache_dir`` when ``settings.use_cache``.
FROM_SETTINGS: Final = _FromSettings()


@dataclass(frozen=True, eq=False)
class TravelMatrix:
    """Road distances and durations between a set of points.

    Attributes
    ----------
    point_ids
        Ids of the points, in row/column order.
    distance_m, duration_s
        ``(n, n)`` int64 arrays, row = origin, column = destination, rounded
        to whole metres and seconds; zero diagonal. Read-only.
    snap_distance_m
        Great-circle distance from each point to its road node (m).
    node_ids
        Road node of each point (``-1`` for a straight-line matrix).
    method
        ``"network"`` or ``"straight_line"``.
    graph_hash
        Hash of the road graph used, ``None`` for straight lines.
    access_speed_kph
        Speed of the access legs added for snap distances (``None``: none).
    point_names
        Point names when the layer had a ``name`` column.

    Examples
    --------
    >>> m = TravelMatrix(("a", "b"), np.array([[0, 900], [950, 0]]),
    ...                  np.array([[0, 60], [65, 0]]), np.zeros(2), np.array([7, 8]))
    >>> m.duration("a", "b")
    60
    """

    point_ids: tuple[str, ...]
    distance_m: np.ndarray
    duration_s: np.ndarray
    snap_distance_m: np.ndarray
    node_ids: np.ndarray
    method: Literal["network", "straight_line"] = "network"
    graph_hash: str | None = None
    access_speed_kph: float | None = None
    point_names: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        ids = tuple(str(i) for i in self.point_ids)
        n = len(ids)
        if len(set(ids)) != n:
            raise RuralnetError("点编号重复", "point_ids must be unique")
        object.__setattr__(self, "point_ids", ids)
        for name in ("distance_m", "duration_s"):
            arr = check_square_matrix(name, getattr(self, name), n).astype(np.int64)
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        for name, dtype in (("snap_distance_m", np.float64), ("node_ids", np.int64)):
            arr = np.array(getattr(self, name), dtype=dtype)
            if arr.shape != (n,):
                raise RuralnetError(f"{name} 的长度必须是 {n}，实际为 {arr.shape}",
                                    f"{name} must have shape ({n},), got {arr.shape}")
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        if self.point_names is not None and len(self.point_names) != n:
            raise RuralnetError(f"point_names 的长度必须是 {n}",
                                f"point_names must have {n} entries")
        if self.method not in ("network", "straight_line"):
            raise RuralnetError(f"method 必须是 network 或 straight_line，实际为 {self.method!r}",
                                f"method must be 'network' or 'straight_line', got {self.method!r}")

    @property
    def n(self) -> int:
        """Number of points."""
        return len(self.point_ids)

    def index(self, point_id: str) -> int:
        """Return the row/column of a point id."""
        try:
            return self.point_ids.index(str(point_id))
        except ValueError:
            raise RuralnetError(f"矩阵中没有点 {point_id}", f"no point {point_id!r} in the matrix",
                                point_id=point_id) from None

    def duration(self, origin: str, destination: str) -> int:
        """Travel time in seconds from one point id to another."""
        return int(self.duration_s[self.index(origin), self.index(destination)])

    def distance(self, origin: str, destination: str) -> int:
        """Road distance in metres from one point id to another."""
        return int(self.distance_m[self.index(origin), self.index(destination)])

    def far_points(self, threshold_m: float = 2000.0) -> tuple[str, ...]:
        """Ids of the points snapped farther than ``threshold_m`` from their road node."""
        return tuple(i for i, d in zip(self.point_ids, self.snap_distance_m, strict=True)
                     if d > threshold_m)

    def to_dataframe(self, which: Literal["duration_s", "distance_m"] = "duration_s"
                     ) -> pd.DataFrame:
        """Return one matrix as a DataFrame labelled by point id."""
        return pd.DataFrame(getattr(self, which), index=list(self.point_ids),
                            columns=list(self.point_ids))

    def summary(self) -> str:
        """Return a short human-readable description of the matrix."""
        off = ~np.eye(self.n, dtype=bool)
        how = (f"road network {self.graph_hash[:12]}…" if self.method == "network"
               else "STRAIGHT LINES (not roads)")
        legs = (f"access legs at {self.access_speed_kph:g} km/h" if self.access_speed_kph
                else "no access legs")
        lines = [f"Travel matrix: {self.n} points, {how}, {legs}"]
        if off.any():
            dur, dist = self.duration_s[off], self.distance_m[off]
            lines.append(f"  duration median {np.median(dur) / 60:.1f} min, "
                         f"max {dur.max() / 60:.1f} min; distance median "
                         f"{np.median(dist) / 1000:.1f} km, max {dist.max() / 1000:.1f} km")
            asym = np.abs(self.duration_s - self.duration_s.T)[off].max()
            lines.append(f"  largest duration asymmetry {asym} s")
        if self.method == "network":
            k = int(np.argmax(self.snap_distance_m))
            lines.append(f"  snapping: max {self.snap_distance_m[k]:.0f} m "
                         f"({self._label(k)}), {len(self.far_points())} point(s) beyond 2 km")
        return "\n".join(lines)

    def _label(self, k: int) -> str:
        if self.point_names and self.point_names[k]:
            return f"{self.point_names[k]} ({self.point_ids[k]})"
        return self.point_ids[k]


@dataclass(frozen=True)
class Snap:
    """Nearest road node of each point.

    Attributes
    ----------
    point_ids
        Point ids, in input order.
    node_ids
        Road node id per point.
    snap_distance_m
        Great-circle distance from each point to its node (m).
    max_snap_m
        Threshold beyond which points are reported in :attr:`far_ids`.
    point_xy, node_xy
        Lon/lat of each point and of its node, shape (n, 2).
    """

    point_ids: tuple[str, ...]
    node_ids: np.ndarray
    snap_distance_m: np.ndarray
    max_snap_m: float
    point_xy: np.ndarray
    node_xy: np.ndarray

    @property
    def far_ids(self) -> tuple[str, ...]:
        """Ids of the points farther than ``max_snap_m`` from any road node."""
        return tuple(i for i, d in zip(self.point_ids, self.snap_distance_m, strict=True)
                     if d > self.max_snap_m)

    def to_geodataframe(self) -> gpd.GeoDataFrame:
        """Return the access legs as lines from each point to its road node (EPSG:4326)."""
        legs = [LineString([p, q]) for p, q in zip(self.point_xy, self.node_xy, strict=True)]
        return gpd.GeoDataFrame(
            {"point_id": list(self.point_ids), "node_id": self.node_ids,
             "snap_distance_m": self.snap_distance_m,
             "far": self.snap_distance_m > self.max_snap_m},
            geometry=legs, crs="EPSG:4326",
        )

    def summary(self) -> str:
        """Return a one-line description of the snapping."""
        return (f"{len(self.point_ids)} points snapped: median "
                f"{np.median(self.snap_distance_m):.0f} m, max {self.snap_distance_m.max():.0f} m, "
                f"{len(self.far_ids)} beyond {self.max_snap_m:g} m")


def snap_points(
    network: Network,
    points: gpd.GeoDataFrame,
    *,
    max_snap_m: float = 2000.0,
    snap_to: SnapTo = "any",
    id_column: str | None = None,
) -> Snap:
    """Snap points to their nearest road node; warn about points far from any road.

    Parameters
    ----------
    network
        Road network.
    points
        Point layer (any CRS; reprojected to EPSG:4326).
    max_snap_m
        Points farther than this from every road node are listed in a
        ``UserWarning`` (they are still snapped).
    snap_to
        ``"any"`` node, or only nodes of the ``"main"`` network (its largest
        strongly connected component), which avoids snapping to an isolated
        fragment at the cost of a longer access leg.
    id_column
        Id column (default ``village_id`` if present, else the index).

    Returns
    -------
    Snap
    """
    lon, lat, ids, names = point_table(points, id_column=id_column)
    snap = _snap(network, lon, lat, ids, max_snap_m, snap_to, names)
    _warn_far(snap.far_ids, snap.snap_distance_m, ids, names, snap.max_snap_m)
    return snap


def travel_matrix(
    network: Network,
    points: gpd.GeoDataFrame,
    *,
    optimise: Optimise = "duration",
    access_speed_kph: float | None = 15.0,
    max_snap_m: float = 2000.0,
    snap_to: SnapTo = "any",
    id_column: str | None = None,
    cache_dir: str | os.PathLike[str] | None | _FromSettings = FROM_SETTINGS,
    workers: int | None = None,
    search: Search = "auto",
) -> TravelMatrix:
    """Compute the road distance and duration matrix between points.

    See the module docstring for the method. Paths minimise duration
    (``optimise="duration"``, ties broken by length) or distance (ties broken
    by duration); both figures are reported for the chosen paths.

    Parameters
    ----------
    network
        Road network (``speed_kph``/``travel_time`` on every edge).
    points
        Point layer with unique ids (see ``id_column``).
    optimise
        ``"duration"`` or ``"distance"``.
    access_speed_kph
        Speed of the off-road access legs, or ``None`` to leave them out.
    max_snap_m
        Snap distance beyond which points are listed in a warning.
    snap_to
        ``"any"`` or ``"main"`` (see :func:`snap_points`).
    id_column
        Id column (default ``village_id`` if present, else the index).
    cache_dir
        Folder of the on-disk cache; default ``settings.cache_dir`` (when
        ``settings.use_cache``), ``None`` to disable.
    workers
        Processes sharing the shortest-path searches (the calling one
        included). ``None``: one per 64 distinct road nodes, at most 2 and at
        most the CPUs available, so a county-sized matrix (< 128 nodes) stays
        in one process. The result does not depend on it. With the
        contraction hierarchy: threads (its build and searches).
    search
        ``"auto"`` (the contraction hierarchy from 256 distinct road nodes on
        a graph of 20,000 nodes or more, or once built; else Dijkstra),
        ``"hierarchy"`` or ``"dijkstra"``. The result does not depend on it.

    Returns
    -------
    TravelMatrix

    Raises
    ------
    NetworkError
        Some points cannot reach, or cannot be reached from, the others; the
        message and ``details["cut_off"]`` name them. Also for a bad option.

    Warns
    -----
    UserWarning
        Points farther than ``max_snap_m`` from the road network.

    Examples
    --------
    A one-way street 1 km long at 36 km/h, driven back by a 2 km loop:

    >>> import networkx as nx
    >>> from shapely.geometry import Point
    >>> from ruralnet.geo.county import LayerProvenance
    >>> G = nx.MultiDiGraph(crs="EPSG:4326")
    >>> G.add_nodes_from([(1, {"x": 118.0, "y": 25.0}), (2, {"x": 118.0, "y": 25.009})])
    >>> _ = G.add_edge(1, 2, length=1000.0, speed_kph=36.0, travel_time=100.0)
    >>> _ = G.add_edge(2, 1, length=2000.0, speed_kph=36.0, travel_time=200.0)
    >>> net = Network(G, LayerProvenance("user", "example"))
    >>> pts = gpd.GeoDataFrame({"village_id": ["a", "b"]}, crs=4326,
    ...                        geometry=[Point(118.0, 25.0), Point(118.0, 25.009)])
    >>> m = travel_matrix(net, pts, cache_dir=None)
    >>> m.duration_s.tolist(), m.distance_m.tolist()
    ([[0, 100], [200, 0]], [[0, 1000], [2000, 0]])
    """
    if optimise not in ("duration", "distance"):
        raise NetworkError(f"optimise 必须是 duration 或 distance，实际为 {optimise!r}",
                           f"optimise must be 'duration' or 'distance', got {optimise!r}")
    if access_speed_kph is not None:
        access_speed_kph = check_range("access_speed_kph", access_speed_kph, 1.0, 100.0,
                                       error=NetworkError)
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):
        raise NetworkError(f"workers 必须是正整数或 None，实际为 {workers!r}",
                           f"workers must be a positive integer or None, got {workers!r}")
    if search not in ("auto", "hierarchy", "dijkstra"):
        raise NetworkError(f"search 必须是 auto、hierarchy 或 dijkstra，实际为 {search!r}",
                           f"search must be 'auto', 'hierarchy' or 'dijkstra', got {search!r}")
    lon, lat, ids, names = point_table(points, id_column=id_column)
    folder = _cache_folder(cache_dir)
    key = _cache_key(network, lon, lat, ids, optimise, access_speed_kph, snap_to)
    cached = _load(folder, key, ids, names, network.graph_hash, access_speed_kph)
    if cached is not None:
        far = cached.far_points(check_range("max_snap_m", max_snap_m, 0.0, math.inf,
                                            error=NetworkError))
        _warn_far(far, cached.snap_distance_m, ids, names, max_snap_m)
        if snap_to == "main":  # the fragment warning again (a k-d tree query, no search)
            _snap(network, lon, lat, ids, max_snap_m, snap_to, names)
        return cached
    snap = _snap(network, lon, lat, ids, max_snap_m, snap_to, names)
    _warn_far(snap.far_ids, snap.snap_distance_m, ids, names, snap.max_snap_m)
    start = time.perf_counter()
    dist_m, dur_s = _node_matrices(network, snap.node_ids, optimise, workers=workers,
                                   search=search, folder=folder)
    _raise_unreachable(np.isfinite(dur_s), ids, names)
    s = snap.snap_distance_m
    if access_speed_kph is not None:
        legs = s[:, None] + s[None, :]
        dist_m = dist_m + legs
        dur_s = dur_s + legs / (access_speed_kph / 3.6)
    np.fill_diagonal(dist_m, 0.0)
    np.fill_diagonal(dur_s, 0.0)
    result = TravelMatrix(
        ids, np.rint(dist_m).astype(np.int64), np.rint(dur_s).astype(np.int64), s,
        snap.node_ids, "network", network.graph_hash, access_speed_kph, names,
    )
    logger.info("travel matrix %d x %d on a %d-node network in %.2f s", len(ids), len(ids),
                network.n_nodes, time.perf_counter() - start)
    if folder is not None:
        try:
            _save(folder, key, result)
        except OSError as exc:  # a full or read-only disk must not lose the result
            logger.warning("could not cache the travel matrix in %s: %s", folder, exc)
    return result


def straight_line_matrix(
    points: gpd.GeoDataFrame,
    *,
    detour: float,
    speed_kph: float,
    id_column: str | None = None,
) -> TravelMatrix:
    """Fallback matrix from great-circle distances times ``detour`` (always warns).

    Use only when no road network is available: it ignores rivers, hills and
    one-way streets, and the warning says so.

    Parameters
    ----------
    points
        Point layer with unique ids.
    detour
        Road distance over straight-line distance, in [1, 3].
    speed_kph
        Average travel speed, in [1, 150].
    id_column
        Id column (default ``village_id`` if present, else the index).

    Returns
    -------
    TravelMatrix
        With ``method="straight_line"``.

    Examples
    --------
    >>> import warnings
    >>> from shapely.geometry import Point
    >>> pts = gpd.GeoDataFrame({"village_id": ["a", "b"]},
    ...                        geometry=[Point(118, 25), Point(118, 25.01)], crs=4326)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     m = straight_line_matrix(pts, detour=1.0, speed_kph=36.0)
    >>> m.distance("a", "b"), m.duration("a", "b")
    (1112, 111)
    """
    detour = check_range("detour", detour, 1.0, 3.0, error=NetworkError)
    speed_kph = check_range("speed_kph", speed_kph, 1.0, 150.0, error=NetworkError)
    lon, lat, ids, names = point_table(points, id_column=id_column)
    warnings.warn(
        f"直线距离矩阵（大圆距离 × {detour:g}，时速 {speed_kph:g} km）不是道路距离，规划请用路网的 "
        f"travel_matrix | straight-line matrix (great circle x {detour:g} at {speed_kph:g} "
        "km/h): not road distances; use travel_matrix with a road network for planning",
        UserWarning,
        stacklevel=2,
    )
    d = haversine_m(lon[:, None], lat[:, None], lon[None, :], lat[None, :]) * detour
    n = len(ids)
    return TravelMatrix(ids, np.rint(d).astype(np.int64),
                        np.rint(d / (speed_kph / 3.6)).astype(np.int64), np.zeros(n),
                        np.full(n, -1), "straight_line", None, None, names)


# --------------------------------------------------------------------------
# snapping
# --------------------------------------------------------------------------


def _unit_xyz(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lo, la = np.radians(lon), np.radians(lat)
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


def _snap(network: Network, lon: np.ndarray, lat: np.ndarray, ids: tuple[str, ...],
          max_snap_m: float, snap_to: SnapTo, names: tuple[str, ...] | None = None) -> Snap:
    max_snap_m = check_range("max_snap_m", max_snap_m, 0.0, math.inf, error=NetworkError)
    if snap_to not in ("any", "main"):
        raise NetworkError(f"snap_to 必须是 any 或 main，实际为 {snap_to!r}",
                           f"snap_to must be 'any' or 'main', got {snap_to!r}")
    key = ("snap_tree", snap_to)
    if key not in network._cache:
        g = _graph_arrays(network)
        cand = np.arange(len(g["node_ids"]))
        if snap_to == "main":
            _, labels = connected_components(g["adjacency"], directed=True, connection="strong")
            cand = np.flatnonzero(labels == np.bincount(labels).argmax())
        xyz = _unit_xyz(g["lon"][cand], g["lat"][cand])
        network._cache[key] = (cKDTree(xyz), cand)
    tree, cand = network._cache[key]
    chord, k = tree.query(_unit_xyz(lon, lat))
    snap_m = 2 * EARTH_RADIUS_M * np.arcsin(np.clip(chord / 2, 0.0, 1.0))
    g = _graph_arrays(network)
    at = cand[k]
    if snap_to == "main" and len(cand) < len(g["node_ids"]):
        nearest = _snap(network, lon, lat, ids, max_snap_m, "any")
        _warn_fragment(np.flatnonzero(nearest.node_ids != g["node_ids"][at]), ids, names,
                       nearest.snap_distance_m, snap_m)
    return Snap(ids, g["node_ids"][at], snap_m, max_snap_m, np.column_stack([lon, lat]),
                np.column_stack([g["lon"][at], g["lat"][at]]))


def _warn_fragment(moved: np.ndarray, ids: tuple[str, ...], names: tuple[str, ...] | None,
                   near_m: np.ndarray, main_m: np.ndarray) -> None:
    """Warn about points whose nearest road node lies on a piece cut off from the main network."""
    if not len(moved):
        return
    listed = ", ".join(f"{_name(ids, names, k)} {near_m[k]:.0f}→{main_m[k]:.0f} m"
                       for k in moved[:20])
    more = f" …(+{len(moved) - 20})" if len(moved) > 20 else ""
    warnings.warn(
        f"{len(moved)} 个点最近的道路与主路网不连通（孤立路段），已改接主路网"
        f"（接入距离 原→现）：{listed}{more}。请核对路网数据 | "
        f"{len(moved)} point(s) lie nearest to a road piece not linked to the main network; "
        f"they are joined to the main network instead (access distance nearest→used): "
        f"{listed}{more}. Check the road data.",
        DataQualityWarning,
        stacklevel=4,
    )


def _warn_far(far: tuple[str, ...], snap_m: np.ndarray, ids: tuple[str, ...],
              names: tuple[str, ...] | None, threshold: float) -> None:
    if not far:
        return
    pos = {p: i for i, p in enumerate(ids)}
    listed = ", ".join(f"{_name(ids, names, pos[p])} {snap_m[pos[p]]:.0f} m" for p in far[:20])
    more = f" and {len(far) - 20} more" if len(far) > 20 else ""
    warnings.warn(
        f"{len(far)} 个点距路网超过 {threshold:g} m，以接入段连接：{listed}{more}。"
        "请核对位置或路网 | "
        f"{len(far)} point(s) lie more than {threshold:g} m from the road network and are "
        f"joined by an access leg: {listed}{more}. Check their positions or the road data.",
        UserWarning,
        stacklevel=3,
    )


def _name(ids: tuple[str, ...], names: tuple[str, ...] | None, k: int) -> str:
    return f"{names[k]} ({ids[k]})" if names and names[k] else ids[k]


# --------------------------------------------------------------------------
# shortest paths
# --------------------------------------------------------------------------


def _graph_arrays(network: Network) -> dict[str, Any]:
    """Edge and node arrays of the network, built once and kept on it."""
    if "arrays" in network._cache:
        return network._cache["arrays"]
    G = network.graph
    node_ids = np.array(sorted(G.nodes), dtype=np.int64)
    pos = {n: i for i, n in enumerate(node_ids.tolist())}
    lon = np.array([G.nodes[n]["x"] for n in node_ids.tolist()], dtype=float)
    lat = np.array([G.nodes[n]["y"] for n in node_ids.tolist()], dtype=float)
    # one flat list straight from the adjacency dicts, then one array: about
    # twice as fast as filling four arrays edge by edge from G.edges(data=True)
    flat = [x for a, nbrs in G.adjacency() for i in (pos[a],) for b, keyed in nbrs.items()
            for d in keyed.values() for x in (i, pos[b], d["length"], d["travel_time"])]
    table = np.array(flat, dtype=float).reshape(-1, 4)  # positions < 2**53: exact
    u, v = table[:, 0].astype(np.int64), table[:, 1].astype(np.int64)
    length, ttime = table[:, 2].copy(), table[:, 3].copy()
    keep = u != v  # self-loops never lie on a shortest path
    u, v, length, ttime = u[keep], v[keep], length[keep], ttime[keep]
    n = len(node_ids)
    adjacency = csr_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
    out = dict(node_ids=node_ids, lon=lon, lat=lat, u=u, v=v, length=length, ttime=ttime,
               adjacency=adjacency)
    network._cache["arrays"] = out
    return out


def _packed_csr(network: Network, optimise: Optimise) -> tuple[csr_matrix, float]:
    """CSR matrix of packed weights (primary * 2**b + secondary) and the split 2**b.

    With ``r`` = max secondary/primary over the edges (primary >= 1 unit), a
    path whose packed sum is below 2**53 has primary < 2**(53-b), hence
    secondary <= r * primary < 2**b when 2b >= 53 + log2(r): the two parts
    never mix.
    """
    key = ("csr", optimise)
    if key in network._cache:
        return network._cache[key]
    g = _graph_arrays(network)
    tq = np.rint(g["ttime"] / _TIME_UNIT_S)
    lq = np.rint(g["length"] / _LENGTH_UNIT_M)
    primary, secondary = (tq, lq) if optimise == "duration" else (lq, tq)
    primary = np.maximum(primary, 1.0)
    ratio = float((secondary / primary).max()) if len(primary) else 1.0
    bits = math.ceil((53 + math.log2(max(ratio, 1.0))) / 2)
    split = float(2**bits)
    w = primary * split + secondary
    n = len(g["node_ids"])
    u, v, w = _lightest(g["u"], g["v"], w, n)
    csr = csr_matrix((w, (u, v)), shape=(n, n))
    network._cache[key] = (csr, split)
    return csr, split


def _node_matrices(network: Network, nodes: np.ndarray, optimise: Optimise, *,
                   workers: int | None = 1, search: Search = "dijkstra",
                   folder: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Distance (m) and duration (s) between road nodes, inf where unreachable."""
    g = _graph_arrays(network)
    idx = np.searchsorted(g["node_ids"], nodes)
    csr, split = _packed_csr(network, optimise)
    sources, row_of = np.unique(idx, return_inverse=True)
    if _use_hierarchy(network, optimise, len(sources), search):
        threads = _default_workers(len(sources)) if workers is None else workers
        packed = _hierarchy_module().many_to_many(_hierarchy(network, optimise, folder, threads),
                                                  idx, idx, threads=threads)
        return _decode(packed, split, optimise)
    if len(sources) >= _CONTRACT_MIN_SOURCES:
        csr, alive = _contract(csr, sources)
        core = np.full(csr.shape[0], -1)
        core[alive] = np.arange(len(alive))
        csr = csr[alive][:, alive]
        sources, idx = core[sources], core[idx]
    n_proc = _default_workers(len(sources)) if workers is None else workers
    packed = _search(csr, sources, idx, min(n_proc, len(sources)))[row_of.reshape(-1)]
    return _decode(packed, split, optimise)


def _use_hierarchy(network: Network, optimise: Optimise, n_sources: int, search: Search
                   ) -> bool:
    """Tell whether a matrix comes from the contraction hierarchy (see ``search``)."""
    if search == "dijkstra" or (search == "auto" and not (
            ("hierarchy", optimise) in network._cache
            or (n_sources >= _HIERARCHY_MIN_SOURCES
                and network.n_nodes >= _HIERARCHY_MIN_NODES))):
        return False
    hierarchy = _hierarchy_module()
    if not hierarchy.available():
        if search == "hierarchy":
            raise NetworkError("未安装 numba，无法使用收缩层次（search='hierarchy'）",
                               "search='hierarchy' needs numba, which is not installed")
        return False
    return True


def _hierarchy_module():
    """Import the compiled hierarchy module on first use (numba loads in ~0.5-2 s)."""
    from ruralnet.roads import hierarchy
    return hierarchy


def _hierarchy(network: Network, optimise: Optimise, folder: Path | None = None,
               threads: int = 1) -> Any:
    """Contraction hierarchy of the packed weights, built once and kept on the network.

    With a cache ``folder`` it is also read from, or written to, a ``.npz``
    file keyed by the graph hash, the weight and the hierarchy format.
    """
    hierarchy = _hierarchy_module()
    key = ("hierarchy", optimise)
    if key in network._cache:
        return network._cache[key]
    path = None
    if folder is not None:
        name = hashlib.sha256(json.dumps([hierarchy.FORMAT, network.graph_hash, optimise,
                                          _TIME_UNIT_S, _LENGTH_UNIT_M]).encode()).hexdigest()
        path = folder / f"hierarchy-{name}.npz"
        loaded = hierarchy.load_hierarchy(path, network.n_nodes)
        if loaded is not None:
            network._cache[key] = loaded
            return loaded
    csr, _ = _packed_csr(network, optimise)
    network._cache[key] = hierarchy.build_hierarchy(csr, threads=threads)
    if path is not None:
        try:
            hierarchy.save_hierarchy(network._cache[key], path)
        except OSError as exc:  # a full or read-only disk must not lose the result
            logger.warning("could not cache the contraction hierarchy in %s: %s", folder, exc)
    logger.info("contraction hierarchy of %d nodes built in %.2f s (%d shortcuts)",
                csr.shape[0], network._cache[key].build_s, network._cache[key].n_shortcuts)
    return network._cache[key]


def _decode(packed: np.ndarray, split: float, optimise: Optimise
            ) -> tuple[np.ndarray, np.ndarray]:
    """Distance (m) and duration (s) from packed path weights (inf stays inf)."""
    finite = np.isfinite(packed)
    if finite.any() and packed[finite].max() >= _EXACT:
        raise NetworkError("路径过长，无法精确计算", "paths too long to compute exactly")
    hi, lo = np.divmod(np.where(finite, packed, 0.0), split)
    t, length = (hi, lo) if optimise == "duration" else (lo, hi)
    dur = np.where(finite, t * _TIME_UNIT_S, np.inf)
    dist = np.where(finite, length * _LENGTH_UNIT_M, np.inf)
    return dist, dur


def _default_workers(n_sources: int) -> int:
    """Return the process count for ``workers=None``: one per 64 sources, capped."""
    return max(1, min(n_sources // _SOURCES_PER_WORKER, _MAX_DEFAULT_WORKERS, usable_cores()))


_can_fork = can_fork  # the module's name for it (tests switch it off here)


def _search(csr: csr_matrix, sources: np.ndarray, targets: np.ndarray, workers: int
            ) -> np.ndarray:
    """Packed path weights from each source (rows) to each target (columns).

    With ``workers > 1`` the sources are cut into that many consecutive
    slices; forked children search all slices but the first, which the
    calling process searches meanwhile. The children inherit ``csr`` through
    the pool initializer's arguments (never pickled under ``fork``) and send
    back only their rows. scipy's Dijkstra holds the GIL, hence processes,
    not threads.
    """
    if workers <= 1 or not _can_fork():
        return _search_slice(csr, sources, targets)
    slices = np.array_split(sources, workers)
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            # Python >= 3.12 warns when forking a process that has threads (BLAS
            # pools, say); the children only run scipy's Dijkstra on inherited
            # arrays and take none of those threads' locks.
            warnings.filterwarnings("ignore", message=r".*fork\(\) may lead to deadlocks",
                                    category=DeprecationWarning)
            with ProcessPoolExecutor(workers - 1, mp_context=multiprocessing.get_context("fork"),
                                     initializer=_init_worker, initargs=(csr, targets)) as pool:
                futures = [pool.submit(_search_in_worker, part) for part in slices[1:]]
                rows = [_search_slice(csr, slices[0], targets)]
                rows += [f.result() for f in futures]
    except (BrokenProcessPool, OSError) as exc:  # a child killed (memory) or fork refused
        logger.warning("worker processes failed (%s: %s); searching in this process instead",
                       type(exc).__name__, exc)
        return _search_slice(csr, sources, targets)
    logger.debug("%d searches in %d processes in %.2f s", len(sources), workers,
                 time.perf_counter() - start)
    return np.vstack(rows)


def _search_slice(csr: csr_matrix, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Dijkstra from ``sources``, ``_SOURCE_CHUNK`` at a time to bound the dense output."""
    packed = np.empty((len(sources), len(targets)))
    for start in range(0, len(sources), _SOURCE_CHUNK):
        block = sources[start:start + _SOURCE_CHUNK]
        packed[start:start + len(block)] = dijkstra(csr, directed=True,
                                                    indices=block)[:, targets]
    return packed


def _init_worker(csr: csr_matrix, targets: np.ndarray) -> None:
    """Keep the inherited graph and targets in the forked worker."""
    _WORKER_GRAPH.update(csr=csr, targets=targets)


def _search_in_worker(sources: np.ndarray) -> np.ndarray:
    return _search_slice(_WORKER_GRAPH["csr"], sources, _WORKER_GRAPH["targets"])


def _contract(csr: csr_matrix, keep: np.ndarray) -> tuple[csr_matrix, np.ndarray]:
    """Contract low-degree nodes away, keeping shortest paths between ``keep`` nodes exact.

    In rounds, an independent set of nodes with at most ``2 * _CONTRACT_MAX_DEGREE``
    edges in and out (never a ``keep`` node) is removed, and every two-edge path
    a -> v -> b through a removed node v becomes a shortcut a -> b of weight
    w(a, v) + w(v, b) (the lighter of parallel edges kept). Every path between
    kept nodes survives with the same weight, and no path is created, so
    Dijkstra on the remaining core gives the same distances on far fewer nodes
    (a contraction hierarchy's first levels, without witness searches).
    Rounds stop when fewer than 1 % of the nodes are removable.

    Returns
    -------
    csr, alive
        The contracted graph (same shape, removed nodes edgeless) and the
        sorted indices of the nodes still alive.
    """
    n = csr.shape[0]
    coo = csr.tocoo()
    u, v, w = coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data
    protected = np.zeros(n, dtype=bool)
    protected[keep] = True
    alive = np.zeros(n, dtype=bool)
    alive[u] = alive[v] = True
    alive |= protected
    # a fixed tie-break makes the contraction, hence the matrix, deterministic
    tiebreak = np.random.default_rng(0).random(n)
    while True:
        # edges in + out: twice the neighbours on two-way roads
        degree = np.bincount(u, minlength=n) + np.bincount(v, minlength=n)
        cand = alive & ~protected & (degree <= 2 * _CONTRACT_MAX_DEGREE)
        priority = degree + tiebreak
        both = cand[u] & cand[v]
        cand[np.where(priority[u] > priority[v], u, v)[both]] = False
        if cand.sum() <= 0.01 * alive.sum():
            break
        su, sv, sw = _shortcuts(u, v, w, cand)
        rest = ~(cand[u] | cand[v])
        u, v, w = _lightest(np.concatenate([u[rest], su]), np.concatenate([v[rest], sv]),
                            np.concatenate([w[rest], sw]), n)
        alive &= ~cand
    logger.debug("contracted %d of %d nodes", n - int(alive.sum()), n)
    return csr_matrix((w, (u, v)), shape=(n, n)), np.flatnonzero(alive)


def _shortcuts(u: np.ndarray, v: np.ndarray, w: np.ndarray, gone: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edges a -> b replacing each path a -> x -> b through a node x marked ``gone``."""
    into, out = gone[v], gone[u]
    iu, iv, iw = u[into], v[into], w[into]
    order = np.argsort(u[out], kind="stable")
    ou, ov, ow = u[out][order], v[out][order], w[out][order]
    lo, hi = np.searchsorted(ou, iv, "left"), np.searchsorted(ou, iv, "right")
    count = hi - lo
    first = np.repeat(np.arange(len(iv)), count)
    second = np.repeat(lo, count) + np.arange(count.sum()) - np.repeat(np.cumsum(count) - count,
                                                                        count)
    su, sv, sw = iu[first], ov[second], iw[first] + ow[second]
    loop = su == sv
    return su[~loop], sv[~loop], sw[~loop]


def _lightest(u: np.ndarray, v: np.ndarray, w: np.ndarray, n: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sort edges by (u, v) and keep the lightest of parallel ones (csr_matrix would add them)."""
    if len(u) == 0:
        return u, v, w
    key = u * n + v
    order = np.argsort(key, kind="stable")
    key, w = key[order], w[order]
    start = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    return key[start] // n, key[start] % n, np.minimum.reduceat(w, start)


def _raise_unreachable(reach: np.ndarray, ids: tuple[str, ...],
                       names: tuple[str, ...] | None) -> None:
    """Raise NetworkError naming the points outside the largest mutually reachable group."""
    if reach.all():
        return
    _, labels = connected_components(csr_matrix(reach), directed=True, connection="strong")
    main = np.bincount(labels).argmax()
    cut = np.flatnonzero(labels != main)
    listed = ", ".join(_name(ids, names, k) for k in cut[:20])
    more = f" …(+{len(cut) - 20})" if len(cut) > 20 else ""
    n_pairs = int((~reach).sum())
    raise NetworkError(
        f"路网不连通：{len(cut)} 个点与其余点不能互相到达：{listed}{more}。"
        "请检查路网数据（单行道、缺失路段），或用 snap_to='main' 吸附到主路网。",
        f"road network is disconnected: {len(cut)} point(s) cannot reach or be reached "
        f"from the others: {listed}{more}. Check the road data (one-way streets, missing "
        "links) or pass snap_to='main' to snap to the main network.",
        cut_off=[ids[k] for k in cut],
        n_unreachable_pairs=n_pairs,
    )


# --------------------------------------------------------------------------
# cache
# --------------------------------------------------------------------------


def _cache_folder(cache_dir: Any) -> Path | None:
    if isinstance(cache_dir, _FromSettings):
        from ruralnet.settings import settings

        return settings.cache_dir / "matrix" if settings.use_cache else None
    return None if cache_dir is None else Path(cache_dir) / "matrix"


def _cache_key(network: Network, lon: np.ndarray, lat: np.ndarray, ids: tuple[str, ...],
               optimise: str, access_speed_kph: float | None, snap_to: str) -> str:
    h = hashlib.sha256()
    h.update(json.dumps([_CACHE_VERSION, network.graph_hash, optimise, access_speed_kph,
                         snap_to, list(ids)], ensure_ascii=False).encode())
    h.update(np.rint(np.column_stack([lon, lat]) * 1e7).astype("<i8").tobytes())
    return h.hexdigest()


def _save(folder: Path, key: str, m: TravelMatrix) -> None:
    """Write the cache file atomically: a unique temporary name, renamed when complete.

    Two runs (processes or threads) sharing the cache never see half a file
    and never write into each other's temporary file.
    """
    with atomic_path(folder / f"{key}.npz") as tmp:
        np.savez(tmp, distance_m=m.distance_m, duration_s=m.duration_s,
                 snap_distance_m=m.snap_distance_m, node_ids=m.node_ids)


def _load(folder: Path | None, key: str, ids: tuple[str, ...], names: tuple[str, ...] | None,
          graph: str, access: float | None) -> TravelMatrix | None:
    if folder is None or not (folder / f"{key}.npz").is_file():
        return None
    try:
        with np.load(folder / f"{key}.npz", allow_pickle=False) as z:
            m = TravelMatrix(ids, z["distance_m"], z["duration_s"], z["snap_distance_m"],
                             z["node_ids"], "network", graph, access, names)
    except (OSError, ValueError, KeyError, RuralnetError) as exc:
        logger.warning("ignoring unreadable matrix cache %s: %s", key[:12], exc)
        return None
    logger.info("travel matrix %d x %d read from cache %s", len(ids), len(ids), key[:12])
    return m

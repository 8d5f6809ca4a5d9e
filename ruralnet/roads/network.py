"""Road networks: a planner's OSM extract, an osmnx download, or a synthetic graph.

Every network is an osmnx-style :class:`networkx.MultiDiGraph` in lon/lat
(EPSG:4326): nodes carry ``x`` and ``y``; each directed edge carries
``length`` (m), ``highway`` (road class), ``speed_kph``, ``travel_time`` (s)
and ``oneway``. Two-way roads are two edges, one per direction, so one-way
streets are respected by every shortest-path computation downstream
(:mod:`ruralnet.roads.matrix`).

Speeds are set per road class from :data:`DEFAULT_SPEEDS_KPH`, rural figures
for a light delivery van on Chinese roads: national/provincial trunk and
primary roads 70-80 km/h, class II (secondary) 60, class III (tertiary) 40,
class IV (unclassified, residential) 25, tracks 15. A tagged ``maxspeed``
lower than the class speed wins (it is the legal limit); a higher one is
ignored, because vans on rural roads rarely reach the posted limit.

Three doors, one post-processing path:

* :func:`ruralnet.roads.osm.network_from_osm_file` reads a planner's ``.osm``,
  ``.osm.bz2`` or ``.osm.pbf`` extract (in :mod:`ruralnet.roads.osm`, which
  also reads the extract's settlement places);
* :func:`network_from_osmnx_online` downloads the same roads with osmnx
  (cached by osmnx; a thin wrapper over the same post-processing);
* :func:`synthetic_network` builds a plausible graph over a synthetic county
  and labels it ``synthetic``.

Why this module is long: the network model, the shared OSM post-processing and the synthetic
graph must produce the same attribute set; keeping them together keeps that contract in one
place (the OSM file reader lives in :mod:`ruralnet.roads.osm`).
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import Delaunay, QhullError, cKDTree
from shapely.geometry import MultiPolygon, Polygon

from ruralnet._validate import WGS84, boundary_polygon, check_graph, check_range
from ruralnet.exceptions import NetworkError
from ruralnet.geo.coords import EARTH_RADIUS_M, haversine_m
from ruralnet.geo.county import County, LayerProvenance

logger = logging.getLogger(__name__)

#: Mean Earth radius used for great-circle distances, as in OSMnx (m).

#: Default speed per OSM ``highway`` class, km/h (``*_link`` roads use their
#: base class). Classes missing here are not drivable and are dropped.
DEFAULT_SPEEDS_KPH: Mapping[str, float] = MappingProxyType(
    {
        "motorway": 90.0,
        "trunk": 80.0,
        "primary": 70.0,
        "secondary": 60.0,
        "tertiary": 40.0,
        "unclassified": 25.0,
        "residential": 25.0,
        "road": 25.0,
        "living_street": 15.0,
        "service": 15.0,
        "track": 15.0,
    }
)

NetworkSource = Literal["synthetic", "osm", "user"]


@dataclass(frozen=True, eq=False)
class Network:
    """A routable road network with its provenance.

    Attributes
    ----------
    graph
        osmnx-style ``MultiDiGraph`` (see module docstring). Treat it as
        read-only: :attr:`graph_hash` is computed once, at construction.
    provenance
        Where the roads come from: ``source`` is ``"synthetic"``, ``"osm"``
        or ``"user"``; ``sha256`` is the extract's hash when read from a file.
    graph_hash
        SHA-256 of the nodes, edges and their routing attributes; equal
        graphs have equal hashes (used as the matrix cache key).

    Examples
    --------
    >>> G = nx.MultiDiGraph(crs="EPSG:4326")
    >>> G.add_node(1, x=118.0, y=25.0)
    >>> G.add_node(2, x=118.01, y=25.0)
    >>> _ = G.add_edge(1, 2, length=1009.0, highway="tertiary", speed_kph=40.0,
    ...                travel_time=90.8, oneway=True)
    >>> net = Network(G, LayerProvenance("user", "hand-made"))
    >>> net.n_nodes, net.n_edges, len(net.graph_hash)
    (2, 1, 64)
    """

    graph: nx.MultiDiGraph
    provenance: LayerProvenance
    graph_hash: str = field(init=False)
    _cache: dict[Any, Any] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        check_graph(self.graph)
        if not isinstance(self.provenance, LayerProvenance):
            raise NetworkError(
                "provenance 必须是 LayerProvenance",
                f"provenance must be a LayerProvenance, got {type(self.provenance).__name__}",
            )
        if self.provenance.source not in ("synthetic", "osm", "user"):
            raise NetworkError(
                "路网来源 provenance.source 必须是 synthetic/osm/user，"
                f"实际为 {self.provenance.source!r}",
                "provenance.source must be one of 'synthetic', 'osm', 'user', "
                f"got {self.provenance.source!r}",
            )
        object.__setattr__(self, "graph_hash", graph_hash(self.graph))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Network):
            return NotImplemented
        return self.graph_hash == other.graph_hash and self.provenance == other.provenance

    def __hash__(self) -> int:
        return hash(self.graph_hash)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return self.graph.number_of_nodes()

    @property
    def n_edges(self) -> int:
        """Number of directed edges (a two-way road counts twice)."""
        return self.graph.number_of_edges()

    @property
    def synthetic(self) -> bool:
        """Whether the roads are generated rather than observed."""
        return self.provenance.synthetic

    def road_length_km(self) -> dict[str, float]:
        """Road length per ``highway`` class, counting each two-way road once (km)."""
        out: dict[str, float] = {}
        for _, _, d in self.graph.edges(data=True):
            cls = road_class(d.get("highway"))
            share = 1.0 if d.get("oneway") else 0.5
            out[cls] = out.get(cls, 0.0) + share * d["length"] / 1000.0
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))

    def summary(self) -> str:
        """Return a short human-readable description of the network."""
        pieces = nx.number_weakly_connected_components(self.graph)
        by_class = self.road_length_km()
        speeds: dict[str, list[float]] = {}
        for _, _, d in self.graph.edges(data=True):
            speeds.setdefault(road_class(d.get("highway")), []).append(d["speed_kph"])
        p = self.provenance
        lines = [
            f"Road network [{p.source}{' (SYNTHETIC, not real roads)' if p.synthetic else ''}]"
            f" {p.description}",
            f"  {self.n_nodes:,} nodes, {self.n_edges:,} directed edges, "
            f"{sum(by_class.values()):,.1f} km of road, {pieces} weakly connected piece(s)",
        ]
        for cls, km in by_class.items():
            lines.append(f"  {cls:<14} {km:9.1f} km  ~{np.median(speeds[cls]):.0f} km/h")
        if p.sha256:
            lines.append(f"  extract sha256 {p.sha256[:16]}…")
        lines.append(f"  graph hash {self.graph_hash[:16]}…")
        return "\n".join(lines)

    def to_geodataframes(self) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
        """Return ``(nodes, edges)`` GeoDataFrames ready to write as GeoJSON/GeoPackage.

        List-valued OSM attributes (merged by simplification) are joined into
        ``"; "``-separated strings so that every column has a simple type;
        both layers carry a ``source`` column with the provenance label.
        """
        import osmnx as ox

        G = self.graph
        if "crs" not in G.graph:
            G = G.copy()
            G.graph["crs"] = WGS84
        nodes, edges = ox.convert.graph_to_gdfs(G)
        nodes, edges = nodes.reset_index(), edges.reset_index()
        for gdf in (nodes, edges):
            for col in gdf.columns:
                if col != "geometry" and gdf[col].dtype == object:
                    gdf[col] = gdf[col].map(_plain)
            gdf["source"] = self.provenance.source
        return nodes, edges


def graph_hash(G: nx.MultiDiGraph) -> str:
    """Return a SHA-256 over a graph's node positions and edge routing attributes.

    Node positions are rounded to 1e-7 degrees, lengths to 1 mm and travel
    times to 1 ms; edge keys and other attributes are ignored, so a graph and
    its round trip through a file hash the same.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_node(1, x=118.0, y=25.0)
    >>> graph_hash(G) == graph_hash(G.copy())
    True
    """
    h = hashlib.sha256()
    ids = np.fromiter(G.nodes, dtype=np.int64, count=len(G))
    xy = np.array([(d["x"], d["y"]) for _, d in G.nodes(data=True)], dtype=float)
    order = np.argsort(ids, kind="stable")
    h.update(ids[order].astype("<i8").tobytes())
    h.update(np.rint(xy[order] * 1e7).astype("<i8").tobytes())
    rows = sorted(
        (
            int(u),
            int(v),
            round(d["length"] * 1000),
            round(d["travel_time"] * 1000),
            bool(d.get("oneway", False)),
            _plain(d.get("highway", "")),
        )
        for u, v, d in G.edges(data=True)
    )
    h.update(repr(rows).encode())
    return h.hexdigest()


# --------------------------------------------------------------------------
# speeds and travel times
# --------------------------------------------------------------------------


def road_class(highway: Any) -> str:
    """Return the base class of an OSM ``highway`` value (first of a list, ``_link`` dropped).

    Examples
    --------
    >>> road_class("primary_link"), road_class(["track", "service"])
    ('primary', 'track')
    """
    if isinstance(highway, list | tuple):
        highway = highway[0] if highway else ""
    return str(highway or "").removesuffix("_link")


def _maxspeed_kph(value: Any) -> float | None:
    """Parse an OSM ``maxspeed`` tag ("60", "40 mph", ["60", "80"]) to km/h, lowest wins."""
    values = value if isinstance(value, list | tuple) else [value]
    found = []
    for v in values:
        m = re.match(r"^\s*(\d+(?:\.\d+)?)\s*(mph)?\s*$", str(v))
        if m:
            found.append(float(m.group(1)) * (1.609344 if m.group(2) else 1.0))
    return min(found) if found else None


def add_speeds(G: nx.MultiDiGraph, speeds: Mapping[str, float] | None = None) -> nx.MultiDiGraph:
    """Set ``speed_kph`` and ``travel_time`` on every edge from its road class, in place.

    Parameters
    ----------
    G
        Graph whose edges have ``length`` (m) and ``highway``.
    speeds
        km/h per ``highway`` class; defaults to :data:`DEFAULT_SPEEDS_KPH`.
        Classes missing from it get the speed of ``"road"`` (unknown road).
        A lower tagged ``maxspeed`` wins.

    Returns
    -------
    networkx.MultiDiGraph
        The same graph, for chaining.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> _ = G.add_edge(1, 2, length=1000.0, highway="tertiary")
    >>> _ = G.add_edge(2, 1, length=1000.0, highway="secondary", maxspeed="30")
    >>> _ = add_speeds(G)
    >>> G[1][2][0]["travel_time"], G[2][1][0]["speed_kph"]
    (90.0, 30.0)
    """
    speeds = _check_speeds(speeds)
    fallback = speeds.get("road", DEFAULT_SPEEDS_KPH["road"])
    for _, _, d in G.edges(data=True):
        kph = speeds.get(road_class(d.get("highway")), fallback)
        legal = _maxspeed_kph(d.get("maxspeed"))
        if legal is not None and 0 < legal < kph:
            kph = legal
        d["speed_kph"] = float(kph)
        d["travel_time"] = float(d["length"]) / (kph / 3.6)
    return G


def _check_speeds(speeds: Mapping[str, float] | None) -> dict[str, float]:
    out = dict(DEFAULT_SPEEDS_KPH if speeds is None else speeds)
    if not out:
        raise NetworkError("speeds 不能为空", "speeds must name at least one road class")
    for cls, kph in out.items():
        check_range(f"speeds[{cls!r}]", kph, 1.0, 200.0, error=NetworkError)
    return out


# --------------------------------------------------------------------------
# OpenStreetMap: file and online
# --------------------------------------------------------------------------


def network_from_osmnx_online(
    boundary: Any,
    *,
    buffer_m: float = 3000.0,
    speeds: Mapping[str, float] | None = None,
    cache_folder: str | Path | None = None,
) -> Network:
    """Download the county's roads from OpenStreetMap with osmnx (needs internet).

    Same road classes, clipping and speeds as
    :func:`ruralnet.roads.osm.network_from_osm_file`;
    osmnx caches the Overpass responses under ``cache_folder`` (default
    ``settings.cache_dir / "osmnx"``), so a second call works offline.

    Parameters
    ----------
    boundary
        County boundary (``County.boundary`` or a lon/lat polygon).
    buffer_m
        Roads up to this distance outside the boundary are kept.
    speeds
        km/h per ``highway`` class; its keys also form the Overpass filter.
    cache_folder
        Folder for osmnx's HTTP cache.

    Returns
    -------
    Network
        Labelled ``osm``, with the download date as vintage.
    """
    import osmnx as ox

    from ruralnet.settings import settings

    speeds_ = _check_speeds(speeds)
    polygon = boundary_polygon(boundary)
    classes = "|".join(sorted(speeds_))
    flt = f'["highway"~"^({classes})(_link)?$"]["area"!~"yes"]["access"!~"^(no|private)$"]'
    folder = Path(cache_folder) if cache_folder else settings.cache_dir / "osmnx"
    saved = (ox.settings.use_cache, ox.settings.cache_folder)
    ox.settings.use_cache, ox.settings.cache_folder = True, str(folder)
    try:
        G = ox.graph_from_polygon(
            buffered_polygon(polygon, buffer_m), custom_filter=flt, simplify=False, retain_all=True
        )
    finally:
        ox.settings.use_cache, ox.settings.cache_folder = saved
    G = prepare_osm_graph(G, polygon, buffer_m, speeds_)
    today = pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d")
    prov = LayerProvenance("osm", f"OpenStreetMap via osmnx (Overpass), {today}", vintage=today)
    return Network(G, prov)


def prepare_osm_graph(
    G: nx.MultiDiGraph,
    polygon: Polygon | MultiPolygon,
    buffer_m: float,
    speeds: Mapping[str, float] | None,
) -> nx.MultiDiGraph:
    """Keep drivable roads inside the buffered boundary, simplify, add speeds and times.

    The one post-processing path of every OSM source: ``G`` is an
    unsimplified osmnx-style graph with ``length`` on each edge.
    """
    import osmnx as ox

    speeds_ = _check_speeds(speeds)
    drop = [
        (u, v, k)
        for u, v, k, d in G.edges(keys=True, data=True)
        if not _drivable(d, speeds_)
    ]
    G.remove_edges_from(drop)
    G.remove_nodes_from(list(nx.isolates(G)))
    if len(G) == 0:
        raise NetworkError(
            "OSM 数据中没有可通行的道路（highway 类别不在 speeds 中）",
            "the OSM data hold no drivable road (no highway class listed in speeds)",
        )
    try:
        G = ox.truncate.truncate_graph_polygon(G, buffered_polygon(polygon, buffer_m),
                                               truncate_by_edge=True)
    except ValueError as exc:
        raise NetworkError(
            "OSM 数据与县域边界（含缓冲区）没有交集：文件是否覆盖了本县？",
            "no road of the OSM data lies within the county boundary plus buffer: "
            "does the extract cover this county?",
        ) from exc
    G.remove_nodes_from(list(nx.isolates(G)))
    G = ox.simplify_graph(G, edge_attrs_differ=["highway", "oneway"])
    G.graph["crs"] = WGS84
    return add_speeds(G, speeds_)


def _drivable(d: Mapping[str, Any], speeds: Mapping[str, float]) -> bool:
    highway = d.get("highway")
    classes = highway if isinstance(highway, list) else [highway]
    if not any(road_class(c) in speeds for c in classes if c):
        return False
    return d.get("area") != "yes" and d.get("access") not in ("no", "private")


def buffered_polygon(polygon: Polygon | MultiPolygon, buffer_m: float) -> Polygon | MultiPolygon:
    """Buffer a lon/lat polygon by metres in its UTM zone.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> b = buffered_polygon(box(118.0, 25.0, 118.1, 25.1), 1000).bounds
    >>> round(b[1], 3), round(b[3], 3)
    (24.991, 25.109)
    """
    import osmnx as ox

    if buffer_m == 0:
        return polygon
    proj, crs = ox.projection.project_geometry(polygon)
    out, _ = ox.projection.project_geometry(proj.buffer(buffer_m), crs=crs, to_latlong=True)
    return out


def file_sha256(path: Path) -> str:
    """Return the SHA-256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, list | tuple | set):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}={v}" for k, v in value.items())
    return value


# --------------------------------------------------------------------------
# great-circle helpers
# --------------------------------------------------------------------------


# --------------------------------------------------------------------------
# synthetic network
# --------------------------------------------------------------------------


def synthetic_network(
    county: County,
    *,
    seed: int = 0,
    detour: float = 1.3,
    county_road_kph: float = 55.0,
    village_road_kph: float = 30.0,
    node_spacing_m: float = 1500.0,
) -> Network:
    """Build a plausible road graph over a (synthetic) county, labelled ``synthetic``.

    Method:

    1. **County roads** (``tertiary``, ``county_road_kph``) join the county
       seat and the township seats: the Euclidean minimum spanning tree of
       their Gabriel graph, plus each other Gabriel link no longer than 1.5x
       the median tree link with probability 0.4 (loops, as real county road
       networks have).
    2. **Village roads** (``unclassified``, ``village_road_kph``) join each
       township's villages to one another and to their seat the same way
       (tree plus short Gabriel links with probability 0.15), and a few short
       Gabriel links cross township borders (probability 0.2). Villages of
       an unknown township join the nearest seat.
    3. Every link becomes a chain of edges with an intermediate node about
       every ``node_spacing_m``, jittered sideways, and each edge's length is
       its great-circle length times one factor per link so that the link is
       ``detour`` times its straight line (or longer, if the jitter already
       makes it so). No edge is shorter than its great circle, hence no path
       is shorter than the straight line between its ends.

    Every village, township seat and the county seat is a node (``kind``
    ``village``/``township_seat``/``county_seat``, ``ref`` its code), so they
    snap at zero distance. The graph is connected and two-way, and depends
    only on the county (its code and tables) and ``seed``.

    Parameters
    ----------
    county
        County with ``townships`` (``township_id``, ``seat_lon``,
        ``seat_lat``) and ``villages`` (points with ``village_id``,
        ``township_id``).
    seed
        Random seed; with the county code it fixes every random choice.
    detour
        Road length over straight-line distance per link: about 1.1-1.2 in
        plains, 1.2-1.5 in hill and mountain counties. Range [1, 3].
    county_road_kph, village_road_kph
        Travel speeds of the two road layers (km/h).
    node_spacing_m
        Typical distance between intermediate nodes (m).

    Returns
    -------
    Network
        With ``provenance.source == "synthetic"``.

    Examples
    --------
    >>> from ruralnet.geo.county import load_county
    >>> net = synthetic_network(load_county("安溪"), seed=0)
    >>> net.provenance.source, nx.is_strongly_connected(net.graph)
    ('synthetic', True)
    """
    if not isinstance(county, County):
        raise NetworkError(
            f"synthetic_network 需要 County，实际为 {type(county).__name__}",
            f"synthetic_network needs a County, got {type(county).__name__}",
        )
    detour = check_range("detour", detour, 1.0, 3.0, error=NetworkError)
    county_kph = check_range("county_road_kph", county_road_kph, 5.0, 120.0, error=NetworkError)
    village_kph = check_range("village_road_kph", village_road_kph, 5.0, 120.0,
                              error=NetworkError)
    spacing = check_range("node_spacing_m", node_spacing_m, 100.0, 50_000.0, error=NetworkError)
    if not isinstance(seed, int) or seed < 0:
        raise NetworkError(f"seed 必须是非负整数，实际为 {seed!r}",
                           f"seed must be an integer >= 0, got {seed!r}")
    digest = hashlib.sha256(f"network|{county.code}|{seed}".encode()).digest()
    rng = np.random.default_rng(int.from_bytes(digest[:8], "little"))

    anchors = _anchors(county)
    xy = _local_xy(anchors["lon"].to_numpy(), anchors["lat"].to_numpy(),
                   county.seat_lon, county.seat_lat)
    G = nx.MultiDiGraph(crs=WGS84)
    for i, row in anchors.iterrows():
        G.add_node(int(i), x=float(row.lon), y=float(row.lat), kind=row.kind, ref=row.ref,
                   name=row["name"])
    county_layer = ("tertiary", county_kph)
    village_layer = ("unclassified", village_kph)
    road = _RoadBuilder(G, rng, detour, spacing, next_id=len(anchors))
    seats = np.flatnonzero(anchors["kind"].isin(["county_seat", "township_seat"]).to_numpy())
    for a, b in _skeleton(xy[seats], rng, extra_prob=0.4):
        road.add(seats[a], seats[b], *county_layer)
    for _, members in anchors.groupby("group", sort=True).groups.items():
        members = np.sort(np.asarray(members))
        for a, b in _skeleton(xy[members], rng, extra_prob=0.15):
            road.add(members[a], members[b], *village_layer)
    villages = np.flatnonzero((anchors["kind"] == "village").to_numpy())
    groups = anchors["group"].to_numpy()
    for a, b in _skeleton(xy[villages], rng, extra_prob=0.2, tree=False):
        if groups[villages[a]] != groups[villages[b]]:
            road.add(villages[a], villages[b], *village_layer)
    _connect_pieces(G, road, village_layer, county.seat_lon, county.seat_lat)
    prov = LayerProvenance(
        "synthetic",
        f"synthetic roads for {county.name} ({county.code}), seed={seed}, detour={detour:g}; "
        "not real roads",
    )
    network = Network(G, prov)
    logger.info("synthetic road network for %s: %d nodes, %d edges",
                county.code, network.n_nodes, network.n_edges)
    return network


def _anchors(county: County) -> pd.DataFrame:
    """Return the county seat, township seats and villages as one table (index = node id)."""
    rows = [dict(lon=county.seat_lon, lat=county.seat_lat, kind="county_seat",
                 ref=county.code, name=county.name, group="")]
    tw = county.townships.sort_values("township_id") if len(county.townships) else \
        county.townships
    vil = county.villages.sort_values("village_id") if len(county.villages) else county.villages
    for _, t in tw.iterrows():
        lon, lat = t.get("seat_lon"), t.get("seat_lat")
        if not (_is_number(lon) and _is_number(lat)):
            geom = t.geometry if t.geometry is not None and not t.geometry.is_empty else None
            if geom is None:
                continue
            lon, lat = geom.representative_point().x, geom.representative_point().y
        rows.append(dict(lon=float(lon), lat=float(lat), kind="township_seat",
                         ref=str(t["township_id"]), name=str(t.get("name", "")),
                         group=str(t["township_id"])))
    seats = pd.DataFrame(rows)
    groups = set(seats["group"]) - {""}
    for _, v in vil.iterrows():
        rows.append(dict(lon=float(v.geometry.x), lat=float(v.geometry.y), kind="village",
                         ref=str(v["village_id"]), name=str(v.get("name", "")),
                         group=str(v.get("township_id", ""))))
    table = pd.DataFrame(rows)
    # villages of an unknown township hang on the nearest seat (county seat included)
    lost = (table["kind"] == "village") & ~table["group"].isin(groups)
    if lost.any():
        sxy = _local_xy(seats["lon"].to_numpy(), seats["lat"].to_numpy(),
                        county.seat_lon, county.seat_lat)
        vxy = _local_xy(table.loc[lost, "lon"].to_numpy(), table.loc[lost, "lat"].to_numpy(),
                        county.seat_lon, county.seat_lat)
        _, nearest = cKDTree(sxy).query(vxy)
        table.loc[lost, "group"] = seats["group"].to_numpy()[nearest]
    return table


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.number) and math.isfinite(float(value))


def _local_xy(lon: np.ndarray, lat: np.ndarray, lon0: float, lat0: float) -> np.ndarray:
    """Equirectangular metres around (lon0, lat0): good enough to lay out a county."""
    k = math.pi / 180 * EARTH_RADIUS_M
    return np.column_stack([(np.asarray(lon) - lon0) * k * math.cos(math.radians(lat0)),
                            (np.asarray(lat) - lat0) * k])


def _gabriel_edges(P: np.ndarray) -> np.ndarray:
    """Return the Gabriel graph of distinct points ``P`` as an (m, 2) array of index pairs."""
    n = len(P)
    if n < 2:
        return np.empty((0, 2), dtype=int)
    try:
        simp = Delaunay(P).simplices
        e = np.concatenate([simp[:, [0, 1]], simp[:, [1, 2]], simp[:, [0, 2]]])
    except (QhullError, ValueError):  # fewer than 3 points, or all on one line
        e = np.array([(i, j) for i in range(n) for j in range(i + 1, n)])
    e = np.unique(np.sort(e, axis=1), axis=0)
    mid = (P[e[:, 0]] + P[e[:, 1]]) / 2
    radius = np.linalg.norm(P[e[:, 0]] - P[e[:, 1]], axis=1) / 2
    inside = cKDTree(P).query_ball_point(mid, radius * (1 - 1e-9))
    keep = [all(k in (a, b) for k in idx) for idx, (a, b) in zip(inside, e, strict=True)]
    return e[np.asarray(keep, dtype=bool)]


def _skeleton(xy: np.ndarray, rng: np.random.Generator, *, extra_prob: float,
              tree: bool = True) -> list[tuple[int, int]]:
    """Links among points: Euclidean MST plus random short Gabriel links.

    With ``tree=False`` only the random extra links are returned. Points
    closer than 1 m are merged and joined to their twin by a link.
    """
    if len(xy) < 2:
        return []
    _, first, inv = np.unique(np.round(xy), axis=0, return_index=True, return_inverse=True)
    inv = inv.reshape(-1)
    links = [(int(first[inv[i]]), i) for i in range(len(xy)) if first[inv[i]] != i]
    P = xy[first]
    e = _gabriel_edges(P)
    if len(e) == 0:
        return links if tree else []
    w = np.linalg.norm(P[e[:, 0]] - P[e[:, 1]], axis=1)
    mst = minimum_spanning_tree(coo_matrix((w + 1e-6, (e[:, 0], e[:, 1])),
                                           shape=(len(P), len(P)))).tocoo()
    in_tree = {(min(a, b), max(a, b)) for a, b in zip(mst.row, mst.col, strict=True)}
    cap = 1.5 * float(np.median(mst.data)) if mst.nnz else 0.0
    draws = rng.random(len(e))
    chosen = [(int(a), int(b)) for (a, b), length, r in zip(e, w, draws, strict=True)
              if (a, b) not in in_tree and length <= cap and r < extra_prob]
    if tree:
        chosen = sorted(in_tree) + chosen
        out = links
    else:
        out = []
    return out + [(int(first[a]), int(first[b])) for a, b in chosen]


class _RoadBuilder:
    """Add synthetic roads as two-way chains of edges with intermediate nodes."""

    def __init__(self, G: nx.MultiDiGraph, rng: np.random.Generator, detour: float,
                 spacing_m: float, next_id: int) -> None:
        self.G, self.rng, self.detour, self.spacing = G, rng, detour, spacing_m
        self.next_id = next_id

    def add(self, a: int, b: int, highway: str, speed_kph: float) -> None:
        """Add a road from node ``a`` to node ``b`` (both directions)."""
        G = self.G
        lon_a, lat_a, lon_b, lat_b = G.nodes[a]["x"], G.nodes[a]["y"], G.nodes[b]["x"], \
            G.nodes[b]["y"]
        chord = float(haversine_m(lon_a, lat_a, lon_b, lat_b))
        k = max(1, round(chord / self.spacing))
        t = np.arange(1, k) / k
        lon, lat = lon_a + t * (lon_b - lon_a), lat_a + t * (lat_b - lat_a)
        if k > 1:  # sideways jitter, metres converted to degrees
            d = _local_xy(np.array([lon_b]), np.array([lat_b]), lon_a, lat_a)[0]
            normal = np.array([-d[1], d[0]]) / np.linalg.norm(d)
            off = self.rng.normal(0.0, 0.12 * chord / k, k - 1)
            deg = 180 / (math.pi * EARTH_RADIUS_M)
            lon = lon + off * normal[0] * deg / math.cos(math.radians(lat_a))
            lat = lat + off * normal[1] * deg
        chain = [a]
        for x, y in zip(lon, lat, strict=True):
            G.add_node(self.next_id, x=float(x), y=float(y), kind="road", ref="", name="")
            chain.append(self.next_id)
            self.next_id += 1
        chain.append(b)
        xs = np.array([G.nodes[n]["x"] for n in chain])
        ys = np.array([G.nodes[n]["y"] for n in chain])
        seg = haversine_m(xs[:-1], ys[:-1], xs[1:], ys[1:])
        factor = max(1.0, self.detour * chord / seg.sum()) if seg.sum() > 0 else 1.0
        for u, v, s in zip(chain[:-1], chain[1:], seg, strict=True):
            # rounded up to the mm so float noise never puts an edge under its great circle
            length = math.ceil(float(s) * factor * 1000.0) / 1000.0
            attrs = dict(length=length, highway=highway, speed_kph=speed_kph,
                         travel_time=length / (speed_kph / 3.6), oneway=False)
            G.add_edge(u, v, reversed=False, **attrs)
            G.add_edge(v, u, reversed=True, **attrs)


def _connect_pieces(G: nx.MultiDiGraph, road: _RoadBuilder, layer: tuple[str, float],
                    lon0: float, lat0: float) -> None:
    """Join any piece not linked to the county seat (node 0) by its shortest link."""
    pieces = sorted(nx.weakly_connected_components(G), key=min)
    main = set(pieces[0])
    for piece in pieces[1:]:
        a_ids, b_ids = np.array(sorted(main)), np.array(sorted(piece))
        pos = {n: (G.nodes[n]["x"], G.nodes[n]["y"]) for n in np.concatenate([a_ids, b_ids])}
        axy = _local_xy(*np.array([pos[n] for n in a_ids]).T, lon0, lat0)
        bxy = _local_xy(*np.array([pos[n] for n in b_ids]).T, lon0, lat0)
        dist, idx = cKDTree(axy).query(bxy)
        j = int(np.argmin(dist))
        road.add(int(a_ids[idx[j]]), int(b_ids[j]), *layer)
        main |= piece

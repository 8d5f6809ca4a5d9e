"""Read a planner's OpenStreetMap extract: roads and settlement places in one streaming pass.

Planners have OSM data as ``.osm`` XML (JOSM, Overpass), ``.osm.bz2`` and,
above all, Geofabrik's provincial ``.osm.pbf``. :func:`read_osm_extract`
reads all three with pyosmium (PyPI ``osmium``, libosmium underneath) and
keeps only what lies in the county's buffered bounding box:

* libosmium decodes the file block by block (streaming) and keeps one node
  location index in C++ (``flex_mem``: about 16 bytes per node of the file);
* a C++ key filter hands Python only the tagged objects it needs (``highway``
  ways, ``place`` nodes, ``place``/``landuse``/``boundary`` ways), so the
  Python side is bounded by what lies near the county;
* roads are cut where they reference nodes missing from the file (normal for
  JOSM downloads, Overpass bounding-box queries and ``osmium extract
  --strategy simple``) and dropped when nothing routable is left, with a
  :class:`~ruralnet.exceptions.DataQualityWarning` giving the counts.

Memory and time, measured by ``benchmarks/bench_osm.py`` on a generated
10-million-node, 51 MB ``.pbf`` over Fujian (2 shared cores, load ~8): the
streaming pass (node index and buffers) grows by about 28 bytes per node of
the file (+267 MB, 10 s); reading 安溪 out of it took 85 s at 891 MB peak,
the rest being the county's own road graph (about 200,000 raw nodes). For a
500 MB Geofabrik extract, assuming ~8 bytes per node (~65 million nodes),
that extrapolates to ~1.7 GB for the pass plus the county's graph; the
roads and places kept in Python are those of the county's box only.
Ways whose two ends both lie more than 0.25 degree beyond the same side of
the box are skipped without reading their nodes.

Files that cannot be read are refused with :class:`InputFileError` naming the
file, the format and, for XML, the line. XML with entity declarations (the
"billion laughs" expansion attack) is refused before parsing. An extract
whose data lie elsewhere is refused with both bounding boxes.
"""

from __future__ import annotations

import bz2
import gzip
import logging
import math
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import networkx as nx
import numpy as np
import osmium
import pandas as pd
import shapely
from shapely.geometry import Polygon

from ruralnet._validate import WGS84, boundary_polygon, check_range
from ruralnet.exceptions import DataQualityWarning, InputFileError, NetworkError
from ruralnet.geo.provenance import LayerProvenance
from ruralnet.roads.network import (
    DEFAULT_SPEEDS_KPH,
    Network,
    buffered_polygon,
    file_sha256,
    prepare_osm_graph,
    road_class,
)

logger = logging.getLogger(__name__)

__all__ = ["OsmExtract", "PLACE_VALUES", "ReadStats", "network_from_osm_file",
           "read_osm_extract"]

#: ``place`` values read as settlements (villages, hamlets, towns and the
#: urban units that 社区 communities are mapped as).
PLACE_VALUES = frozenset({"village", "hamlet", "town", "isolated_dwelling", "neighbourhood",
                          "suburb", "quarter"})
#: Name tags read from places, in the order they are tried.
NAME_TAGS = ("name", "name:zh", "name:zh-Hans", "official_name", "alt_name", "short_name")
#: Edge attributes copied from a road's tags.
ROAD_TAGS = ("highway", "name", "ref", "maxspeed", "access", "area", "junction", "service")
#: Suffixes of the forms the reader accepts, and what they are.
FORMATS = {".osm": "OSM XML", ".osm.bz2": "OSM XML (bzip2)", ".osm.gz": "OSM XML (gzip)",
           ".osm.pbf": "OSM PBF", ".pbf": "OSM PBF"}
_SCALE = 1e-7  # libosmium stores coordinates as integers of 1e-7 degree
_FAR = int(0.25 / _SCALE)  # ways with both ends 0.25 degree beyond one side are skipped
_ONEWAY = {"yes", "true", "1", "-1", "reverse"}
_REVERSED = {"-1", "reverse"}


@dataclass(frozen=True)
class ReadStats:
    """What reading an extract found and repaired.

    Attributes
    ----------
    roads_kept
        Road ways (or pieces of them) kept inside the county's box.
    ways_cut
        Roads cut where they reference nodes missing from the file.
    ways_dropped
        Roads dropped because fewer than two of their nodes are in the file.
    refs_missing
        Node references of kept or dropped roads that the file does not hold.
    places
        Settlement places read inside the box.
    read_box
        ``(west, south, east, north)`` read: the county boundary plus buffer.
    file_box
        The file's own bounding box from its header, or the extent of its
        roads when the header states none; ``None`` when the file has neither.
    """

    roads_kept: int
    ways_cut: int
    ways_dropped: int
    refs_missing: int
    places: int
    read_box: tuple[float, float, float, float]
    file_box: tuple[float, float, float, float] | None


@dataclass(frozen=True)
class OsmExtract:
    """The roads and the settlement places of one extract, for one county.

    Attributes
    ----------
    network
        The routable road network (labelled ``osm`` or ``user``).
    places
        One row per settlement place in the box: ``osm_ref``
        (``"node/123"``, ``"way/45"``), ``place``, ``name`` and the other
        :data:`NAME_TAGS` (empty string when untagged), ``lon``, ``lat``
        (a node's position, an area's centroid) and ``is_area``.
    stats
        :class:`ReadStats` of the pass.
    """

    network: Network
    places: pd.DataFrame
    stats: ReadStats = field(repr=False)


def network_from_osm_file(path: str | Path, boundary: Any, *, buffer_m: float = 3000.0,
                          speeds: Mapping[str, float] | None = None,
                          source: Literal["osm", "user"] = "osm") -> Network:
    """Read the road network of a county from an OSM extract (``.osm``, ``.osm.bz2``, ``.osm.pbf``).

    A shortcut for ``read_osm_extract(...).network``; see :func:`read_osm_extract`.

    Examples
    --------
    Two nodes 1 km apart on a tertiary road:

    >>> import tempfile
    >>> from shapely.geometry import box
    >>> xml = ('<?xml version="1.0"?><osm version="0.6">'
    ...        '<node id="1" version="1" lat="25.0" lon="118.0"/>'
    ...        '<node id="2" version="1" lat="25.009" lon="118.0"/>'
    ...        '<way id="1" version="1"><nd ref="1"/><nd ref="2"/>'
    ...        '<tag k="highway" v="tertiary"/></way></osm>')
    >>> path = Path(tempfile.mkdtemp()) / "two.osm"
    >>> _ = path.write_text(xml)
    >>> net = network_from_osm_file(path, box(117.99, 24.99, 118.01, 25.01), buffer_m=0)
    >>> net.provenance.source, net.n_nodes, round(net.graph[1][2][0]["length"])
    ('osm', 2, 1001)
    """
    return read_osm_extract(path, boundary, buffer_m=buffer_m, speeds=speeds,
                            source=source).network


def read_osm_extract(path: str | Path, boundary: Any, *, buffer_m: float = 3000.0,
                     speeds: Mapping[str, float] | None = None,
                     source: Literal["osm", "user"] = "osm") -> OsmExtract:
    """Read the roads and settlement places of a county from an OpenStreetMap extract.

    Parameters
    ----------
    path
        ``.osm``, ``.osm.bz2``, ``.osm.gz`` or ``.osm.pbf`` file: a JOSM or
        Overpass download, an ``osmium extract`` cut, or a whole Geofabrik
        provincial extract.
    boundary
        County boundary: ``County.boundary`` or a shapely polygon (lon/lat).
    buffer_m
        Roads up to this distance outside the boundary are kept, because the
        shortest road between two villages often crosses a neighbour county.
    speeds
        km/h per ``highway`` class; the keys also decide which classes are
        drivable (footways, paths, steps... are dropped unless listed).
    source
        Provenance label: ``"osm"`` for an unedited extract, ``"user"`` for
        a planner's edited file.

    Returns
    -------
    OsmExtract
        Roads (disconnected pieces kept: a village road OSM does not link to
        the rest still serves its village) and places inside the box.

    Raises
    ------
    InputFileError
        The file is missing, of an unknown kind, unreadable (with the XML
        line when known), holds XML entity declarations, or lies elsewhere
        than the county (both bounding boxes in the message).
    NetworkError
        No drivable road lies within the buffered boundary.

    Warns
    -----
    DataQualityWarning
        When roads were cut or dropped because the file lacks their nodes.
    """
    path = Path(path)
    kind = _check_file(path)
    check_range("buffer_m", buffer_m, 0.0, 100_000.0, error=NetworkError)
    speeds_ = dict(DEFAULT_SPEEDS_KPH if speeds is None else speeds)
    polygon = boundary_polygon(boundary)
    area = buffered_polygon(polygon, buffer_m)
    read_box = tuple(float(b) for b in area.bounds)
    header_box, vintage = _header(path, kind)
    if header_box is not None and not _overlap(header_box, read_box):
        _refuse_elsewhere(path, read_box, header_box)
    handler = _ExtractHandler(read_box, set(speeds_))
    filters = [osmium.filter.KeyFilter("place").enable_for(osmium.osm.NODE),
               osmium.filter.KeyFilter("highway", "place", "landuse", "boundary")
               .enable_for(osmium.osm.WAY)]
    try:
        handler.apply_file(str(path), locations=True, idx="flex_mem", filters=filters)
    except RuntimeError as exc:
        _refuse_unreadable(path, kind, exc)
    file_box = header_box or handler.extent()
    stats = ReadStats(len(handler.roads), handler.ways_cut, handler.ways_dropped,
                      handler.refs_missing, len(handler.places), read_box, file_box)
    if not handler.roads and file_box is not None and not _overlap(file_box, read_box):
        _refuse_elsewhere(path, read_box, file_box)
    G = _road_graph(handler, area) if handler.roads else nx.MultiDiGraph()
    if len(G) == 0:
        raise NetworkError(
            f"OSM 文件 {path.name} 在县域边界（含 {buffer_m:g} m 缓冲区）内没有道路；"
            f"县域范围 {_fmt(read_box)}，文件范围 {_fmt(file_box)}：文件是否覆盖了本县？",
            f"no road of {path.name} lies within the county boundary plus {buffer_m:g} m "
            f"(county box {_fmt(read_box)}, file box {_fmt(file_box)}): "
            "does the extract cover this county?")
    _warn_repairs(path, stats)
    G = prepare_osm_graph(G, polygon, buffer_m, speeds_)
    desc = f"OpenStreetMap extract {path.name} ({FORMATS[kind]})"
    prov = LayerProvenance(source, desc, sha256=file_sha256(path), vintage=vintage)
    network = Network(G, prov)
    logger.info("road network from %s: %d nodes, %d edges; %d places; %d roads cut, %d dropped",
                path.name, len(G), len(G.edges), stats.places, stats.ways_cut, stats.ways_dropped)
    return OsmExtract(network, handler.place_table(), stats)


# --------------------------------------------------------------------------
# the streaming pass
# --------------------------------------------------------------------------


class _ExtractHandler(osmium.SimpleHandler):
    """Collect the roads and places inside a box from libosmium's stream."""

    def __init__(self, box: tuple[float, float, float, float], classes: set[str]) -> None:
        super().__init__()
        self.x0, self.y0, self.x1, self.y1 = (round(b / _SCALE) for b in box)
        self.classes = classes
        self.coords: dict[int, tuple[int, int]] = {}
        self.roads: list[tuple[int, list[int], dict[str, str]]] = []
        self.places: list[dict[str, Any]] = []
        self.ways_cut = self.ways_dropped = self.refs_missing = 0
        self.ext = [math.inf, math.inf, -math.inf, -math.inf]

    def _inside(self, x: int, y: int) -> bool:
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1

    def node(self, n: Any) -> None:
        """Keep a named settlement node inside the box."""
        loc = n.location
        if n.tags.get("place") in PLACE_VALUES and loc.valid() and self._inside(loc.x, loc.y):
            self._add_place("node", n.id, n.tags, loc.x * _SCALE, loc.y * _SCALE, False)

    def way(self, w: Any) -> None:
        """Keep a road near the box (cut at missing nodes) or a named settlement area."""
        nodes = w.nodes
        if len(nodes) < 2:
            return
        a, b = nodes[0].location, nodes[len(nodes) - 1].location
        if a.valid():
            self._extend(a.x, a.y)
            if b.valid() and self._far(a.x, a.y, b.x, b.y):
                return  # most of a provincial extract: decided without touching its nodes
        tags = w.tags
        highway = tags.get("highway")
        if highway is not None:
            if road_class(highway) in self.classes:
                self._road(nodes, w.id, tags)
        elif w.is_closed() and _is_settlement_area(tags):
            self._area(w, tags)

    def _far(self, ax: int, ay: int, bx: int, by: int) -> bool:
        """Whether both ends lie more than ``_FAR`` beyond the same side of the box.

        Such a way could reach the box only by running more than twice
        ``_FAR`` (about 50 km) in and out again in one piece; OSM splits roads
        far more often than that.
        """
        return ((ax < self.x0 - _FAR and bx < self.x0 - _FAR)
                or (ax > self.x1 + _FAR and bx > self.x1 + _FAR)
                or (ay < self.y0 - _FAR and by < self.y0 - _FAR)
                or (ay > self.y1 + _FAR and by > self.y1 + _FAR))

    def _road(self, nodes: Any, way_id: int, tags: Any) -> None:
        runs: list[list[int]] = [[]]
        seen: list[tuple[int, int, int]] = []
        near = False
        missing = 0
        x0, y0, x1, y1 = self.x0, self.y0, self.x1, self.y1
        for nd in nodes:
            loc = nd.location
            if not loc.valid():
                missing += 1
                if runs[-1]:
                    runs.append([])
                continue
            x, y = loc.x, loc.y
            if not near and x0 <= x <= x1 and y0 <= y <= y1:
                near = True
            seen.append((nd.ref, x, y))
            runs[-1].append(nd.ref)
        if not near and missing < len(nodes):
            return  # a road elsewhere in a bigger extract
        kept = [r for r in runs if len(r) >= 2]
        if missing:
            self.refs_missing += missing
            if kept:
                self.ways_cut += 1
            else:
                self.ways_dropped += 1
        for ref, x, y in seen:
            self.coords[ref] = (x, y)
        attrs = {k: tags.get(k) for k in ROAD_TAGS if k in tags}
        attrs["oneway"] = tags.get("oneway", "")
        for run in kept:
            self.roads.append((way_id, run, attrs))

    def _area(self, w: Any, tags: Any) -> None:
        xy = []
        for nd in w.nodes:
            loc = nd.location
            if not loc.valid():
                return
            xy.append((loc.x * _SCALE, loc.y * _SCALE))
        if len(xy) < 4:
            return
        centre = Polygon(xy).centroid
        if centre.is_empty or not self._inside(round(centre.x / _SCALE), round(centre.y / _SCALE)):
            return
        self._add_place("way", w.id, tags, centre.x, centre.y, True)

    def _add_place(self, kind: str, osm_id: int, tags: Any, lon: float, lat: float,
                   is_area: bool) -> None:
        names = {t: tags.get(t, "").strip() for t in NAME_TAGS}
        if not any(names.values()):
            return
        place = tags.get("place") or (f"landuse={tags.get('landuse')}" if "landuse" in tags
                                      else f"boundary={tags.get('boundary')}")
        self.places.append({"osm_ref": f"{kind}/{osm_id}", "place": place, **names,
                            "lon": lon, "lat": lat, "is_area": is_area})

    def _extend(self, x: int, y: int) -> None:
        e = self.ext
        if x < e[0]:
            e[0] = x
        if y < e[1]:
            e[1] = y
        if x > e[2]:
            e[2] = x
        if y > e[3]:
            e[3] = y

    def extent(self) -> tuple[float, float, float, float] | None:
        """Extent of the roads seen (their first nodes), or None when there were none."""
        if not math.isfinite(self.ext[0]):
            return None
        return tuple(float(v) * _SCALE for v in self.ext)  # type: ignore[return-value]

    def place_table(self) -> pd.DataFrame:
        """Return the places read as a table (columns as in :class:`OsmExtract`)."""
        cols = ["osm_ref", "place", *NAME_TAGS, "lon", "lat", "is_area"]
        return pd.DataFrame(self.places, columns=cols)


def _is_settlement_area(tags: Any) -> bool:
    if tags.get("place") in PLACE_VALUES:
        return True
    if "name" not in tags:
        return False
    return (tags.get("landuse") == "residential"
            or (tags.get("boundary") == "administrative"
                and tags.get("admin_level", "") in ("9", "10", "11")))


def _road_graph(h: _ExtractHandler, area: Any) -> nx.MultiDiGraph:
    """osmnx-style graph of the kept roads inside ``area`` (unsimplified, great-circle lengths).

    Cut as osmnx's ``truncate_graph_polygon(truncate_by_edge=True)`` cuts:
    the nodes inside ``area``, their neighbours along a road, and every road
    segment between two such nodes. Doing it here, on arrays, spares building
    the networkx graph of the box's corners (osmnx's own truncation, run
    afterwards by :func:`~ruralnet.roads.network.prepare_osm_graph`, then
    finds nothing left to cut).
    """
    import osmnx as ox

    refs = np.fromiter(h.coords.keys(), dtype=np.int64, count=len(h.coords))
    xy = np.array(list(h.coords.values()), dtype=float).reshape(-1, 2) * _SCALE
    inside = dict(zip(refs.tolist(), shapely.contains_xy(area, xy[:, 0], xy[:, 1]).tolist(),
                      strict=True))
    keep = {r for r, flag in inside.items() if flag}
    for _, run, _ in h.roads:
        for a, b in zip(run[:-1], run[1:], strict=True):
            if inside[a] or inside[b]:
                keep.add(a)
                keep.add(b)
    G = nx.MultiDiGraph(crs=WGS84)
    G.add_nodes_from((ref, {"x": h.coords[ref][0] * _SCALE, "y": h.coords[ref][1] * _SCALE})
                     for ref in sorted(keep))
    for way_id, run, attrs in h.roads:
        oneway_tag = str(attrs.get("oneway", "")).lower()
        oneway = oneway_tag in _ONEWAY or attrs.get("junction") == "roundabout"
        if oneway_tag in _REVERSED:
            run = run[::-1]
        pairs = [(u, v) for u, v in zip(run[:-1], run[1:], strict=True)
                 if u in keep and v in keep]
        if not pairs:
            continue
        edge = {k: v for k, v in attrs.items() if k != "oneway" and v is not None}
        a = np.array([h.coords[u] for u, _ in pairs], dtype=float) * _SCALE
        b = np.array([h.coords[v] for _, v in pairs], dtype=float) * _SCALE
        lengths = np.atleast_1d(ox.distance.great_circle(a[:, 1], a[:, 0], b[:, 1], b[:, 0]))
        for (u, v), length in zip(pairs, lengths, strict=True):
            G.add_edge(u, v, osmid=way_id, oneway=oneway, reversed=False,
                       length=float(length), **edge)
            if not oneway:
                G.add_edge(v, u, osmid=way_id, oneway=False, reversed=True,
                           length=float(length), **edge)
    return G


# --------------------------------------------------------------------------
# the file: kind, header, refusals
# --------------------------------------------------------------------------


def _check_file(path: Path) -> str:
    if not path.is_file():
        raise InputFileError(f"找不到 OSM 文件 {path}", f"OSM file not found: {path}",
                             path=str(path))
    name = path.name.lower()
    kind = next((s for s in sorted(FORMATS, key=len, reverse=True) if name.endswith(s)), None)
    if kind is None:
        accepted = ", ".join(FORMATS)
        raise InputFileError(
            f"无法识别的 OSM 文件类型 {path.name}；可用的类型：{accepted}",
            f"unknown OSM file kind {path.name}; accepted: {accepted}", path=str(path))
    if kind != ".pbf" and kind != ".osm.pbf":
        _refuse_entities(path, kind)
    return kind


def _refuse_entities(path: Path, kind: str) -> None:
    """Refuse XML that declares entities (entity-expansion attacks) before parsing."""
    opener = {".osm.bz2": bz2.open, ".osm.gz": gzip.open}.get(kind, open)
    try:
        with opener(path, "rb") as f:
            head = f.read(1 << 16)
    except (OSError, EOFError) as exc:
        raise InputFileError(
            f"无法读取 OSM 文件 {path.name}（{FORMATS[kind]}）：{exc}",
            f"cannot read OSM file {path.name} ({FORMATS[kind]}): {exc}", path=str(path)) from exc
    if b"OSMHeader" in head[:32]:
        raise InputFileError(
            f"OSM 文件 {path.name} 实为 PBF 格式，请改名为 .osm.pbf 后再读。",
            f"OSM file {path.name} is a PBF file, not XML: rename it to .osm.pbf.",
            path=str(path))
    if re.search(rb"<!(DOCTYPE|ENTITY)", head):
        raise InputFileError(
            f"OSM 文件 {path.name} 含有 XML 实体声明（<!DOCTYPE>/<!ENTITY>），为安全起见拒绝读取；"
            "正常的 OSM 导出不含实体声明。",
            f"OSM file {path.name} declares XML entities (<!DOCTYPE>/<!ENTITY>) and is refused "
            "for safety (entity expansion); genuine OSM exports declare none.", path=str(path))


def _header(path: Path, kind: str) -> tuple[tuple[float, float, float, float] | None,
                                            str | None]:
    """Return the file's bounding box and data date, when its header states them."""
    try:
        reader = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING)
        try:
            header = reader.header()
        finally:
            reader.close()
    except RuntimeError as exc:
        _refuse_unreadable(path, kind, exc)
    b = header.box()
    box = ((b.bottom_left.lon, b.bottom_left.lat, b.top_right.lon, b.top_right.lat)
           if b.valid() else None)
    stamp = header.get("osmosis_replication_timestamp") or header.get("timestamp")
    if not stamp and kind == ".osm":
        with path.open("r", encoding="utf-8", errors="replace") as f:
            m = re.search(r'(?:osm_base|timestamp)="(\d{4}-\d{2}-\d{2})', f.read(4096))
        stamp = m.group(1) if m else None
    return box, (stamp[:10] if stamp else None)


def _refuse_unreadable(path: Path, kind: str, exc: Exception) -> None:
    text = str(exc)
    m = re.search(r"line (\d+)", text)
    line = int(m.group(1)) if m and "XML" in FORMATS[kind] else None
    if "entities" in text.lower():
        raise InputFileError(
            f"OSM 文件 {path.name} 含有 XML 实体声明，为安全起见拒绝读取。",
            f"OSM file {path.name} uses XML entities and is refused for safety: {text}",
            path=str(path)) from exc
    where_zh = f"第 {line} 行" if line else ""
    where_en = f" at line {line}" if line else ""
    fix = ("（PBF 文件可用 osmium fileinfo 检查是否完整下载）" if "PBF" in FORMATS[kind]
           else "（请检查文件是否完整，或用 JOSM/osmium 重新导出）")
    fix_en = (" (check the download is complete: osmium fileinfo FILE)" if "PBF" in FORMATS[kind]
              else " (check the file is complete, or export it again from JOSM/osmium)")
    raise InputFileError(
        f"OSM 文件 {path.name}{where_zh}不是有效的 {FORMATS[kind]}：{text}{fix}",
        f"OSM file {path.name} is not valid {FORMATS[kind]}{where_en}: {text}{fix_en}",
        path=str(path), line=line) from exc


def _refuse_elsewhere(path: Path, read_box: tuple[float, ...],
                      file_box: tuple[float, ...]) -> None:
    raise InputFileError(
        f"OSM 文件 {path.name} 与本县不重叠：文件范围 {_fmt(file_box)}，"
        f"县域（含缓冲区）范围 {_fmt(read_box)}。请下载覆盖本县的省级或县级数据。",
        f"OSM file {path.name} does not overlap the county: file box {_fmt(file_box)}, "
        f"county box (with buffer) {_fmt(read_box)}; get an extract that covers the county.",
        path=str(path), file_box=file_box, county_box=read_box)


def _warn_repairs(path: Path, stats: ReadStats) -> None:
    if not (stats.ways_cut or stats.ways_dropped):
        return
    warnings.warn(DataQualityWarning(
        f"OSM 文件 {path.name} 缺少 {stats.refs_missing} 个被道路引用的节点"
        "（按范围裁剪的导出很常见）："
        f"{stats.ways_cut} 条道路在文件边缘被截断，{stats.ways_dropped} 条道路被舍弃。"
        f" | OSM file {path.name} lacks {stats.refs_missing} node(s) its roads reference "
        f"(normal for a bounding-box cut): {stats.ways_cut} road(s) cut at the file's edge, "
        f"{stats.ways_dropped} dropped.{_unsorted_hint(stats)}"), stacklevel=3)


def _unsorted_hint(stats: ReadStats) -> str:
    """Return a hint when most roads lost their nodes: the file may list ways before nodes."""
    if stats.ways_dropped <= stats.roads_kept:
        return ""
    return (" 大多数道路缺少节点：若文件未排序（节点应在道路之前），请先运行 osmium sort。"
            " | Most roads lack their nodes: if the file is not sorted (nodes before ways), "
            "run `osmium sort IN -o OUT.osm.pbf` first.")


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _fmt(box: tuple[float, ...] | None) -> str:
    if box is None:
        return "未知 unknown"
    return "[{:.4f}, {:.4f}, {:.4f}, {:.4f}]".format(*box)


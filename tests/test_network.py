"""Tests of ruralnet.roads.network: OSM extracts, speeds, the Network class, synthetic roads."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from ruralnet.exceptions import InputFileError, NetworkError
from ruralnet.geo.county import County, LayerProvenance
from ruralnet.roads.network import (
    Network,
    add_speeds,
    graph_hash,
    haversine_m,
    network_from_osmnx_online,
    synthetic_network,
)
from ruralnet.roads.osm import network_from_osm_file

DATA = Path(__file__).parent / "data"
TINY_OSM = DATA / "tiny_county.osm"
TINY_BOUNDARY = box(117.99, 24.99, 118.06, 25.03)
R = 6_371_009.0
TERTIARY_M = R * math.radians(0.02)  # n1 -> n2 -> n3, straight north
TRUNK_M = (R * math.radians(0.01) * (math.cos(math.radians(25.0)) + math.cos(math.radians(25.02)))
           + TERTIARY_M)  # n1 -> n4 -> n5 -> n3


@pytest.fixture(scope="module")
def tiny() -> Network:
    return network_from_osm_file(TINY_OSM, TINY_BOUNDARY, buffer_m=1000)


def make_county(n_villages: int = 12, *, code: str = "350000", lost: bool = False) -> County:
    """Three townships, villages scattered round their seats (hand-made, not loaded)."""
    seats = {"t1": (118.05, 25.05), "t2": (118.15, 25.05), "t3": (118.10, 25.15)}
    rng = np.random.default_rng(7)
    rows = []
    for i in range(n_villages):
        t = f"t{i % 3 + 1}"
        lon, lat = seats[t]
        rows.append(dict(village_id=f"v{i:02d}", name=f"村{i}", township_id=t, kind="village",
                         geometry=Point(lon + rng.uniform(-0.04, 0.04),
                                        lat + rng.uniform(-0.04, 0.04))))
    if lost:
        rows.append(dict(village_id="v99", name="飞地村", township_id="t9", kind="village",
                         geometry=Point(118.19, 25.19)))
    townships = gpd.GeoDataFrame(
        {"township_id": list(seats), "name": ["甲镇", "乙乡", "丙乡"],
         "seat_lon": [s[0] for s in seats.values()], "seat_lat": [s[1] for s in seats.values()]},
        geometry=[box(118.0, 25.0, 118.1, 25.1), box(118.1, 25.0, 118.2, 25.1),
                  box(118.0, 25.1, 118.2, 25.2)],
        crs=4326,
    )
    return County(code, "测试县", "福建省", "测试市",
                  gpd.GeoDataFrame(geometry=[box(118.0, 25.0, 118.2, 25.2)], crs=4326),
                  townships, gpd.GeoDataFrame(rows, crs=4326), 118.05, 25.05,
                  {"positions": LayerProvenance("synthetic", "test")})


# ---------------------------------------------------------------- OSM file


def test_osm_file_keeps_only_drivable_roads_inside_the_buffered_boundary(tiny):
    """Footway, building and the far-away road are dropped; simplification merges n2, n4, n5."""
    assert sorted(tiny.graph.nodes) == [1, 3, 6, 7]
    assert {d["highway"] for _, _, d in tiny.graph.edges(data=True)} == {
        "tertiary", "trunk", "unclassified"}


def test_osm_file_edge_lengths_and_times_match_hand_computation(tiny):
    """Lengths are great-circle sums; times follow the class speeds (40 and 80 km/h)."""
    edges = {d["highway"]: d for _, _, d in tiny.graph.edges(1, data=True)}
    assert edges["tertiary"]["length"] == pytest.approx(TERTIARY_M, abs=0.01)
    assert edges["tertiary"]["travel_time"] == pytest.approx(TERTIARY_M / (40 / 3.6), abs=0.01)
    assert edges["trunk"]["length"] == pytest.approx(TRUNK_M, abs=0.01)
    assert edges["trunk"]["travel_time"] == pytest.approx(190.77, abs=0.01)


def test_osm_file_keeps_one_way_trunk_in_one_direction_only(tiny):
    """The one-way trunk runs n1 -> n3; the way back is only the two-way tertiary."""
    back = [d["highway"] for d in tiny.graph[3][1].values()]
    forth = sorted(d["highway"] for d in tiny.graph[1][3].values())
    assert back == ["tertiary"]
    assert forth == ["tertiary", "trunk"]
    assert next(d for d in tiny.graph[1][3].values() if d["highway"] == "trunk")["oneway"]


def test_osm_file_provenance_records_the_extract_hash_and_date(tiny):
    """Provenance is 'osm' with the file's sha256 and the header timestamp."""
    assert tiny.provenance.source == "osm"
    assert tiny.provenance.sha256 == hashlib.sha256(TINY_OSM.read_bytes()).hexdigest()
    assert tiny.provenance.vintage == "2025-06-01"
    assert not tiny.synthetic


def test_osm_file_keeps_disconnected_pieces(tiny):
    """The n6-n7 road is not linked to the rest but is kept (retain_all)."""
    assert nx.number_weakly_connected_components(tiny.graph) == 2
    assert "2 weakly connected piece(s)" in tiny.summary()


def test_osm_file_speeds_are_configurable():
    """A custom speed table changes travel times and decides which classes are drivable."""
    net = network_from_osm_file(TINY_OSM, TINY_BOUNDARY, buffer_m=1000,
                                speeds={"tertiary": 30.0, "trunk": 40.0})
    times = {d["highway"]: d["travel_time"] for _, _, d in net.graph.edges(data=True)}
    assert times == {"tertiary": pytest.approx(TERTIARY_M / (30 / 3.6)),
                     "trunk": pytest.approx(TRUNK_M / (40 / 3.6))}


def test_osm_file_raises_when_file_is_missing(tmp_path):
    """A missing extract raises InputFileError naming the path."""
    with pytest.raises(InputFileError, match="OSM file not found: .*nowhere.osm"):
        network_from_osm_file(tmp_path / "nowhere.osm", TINY_BOUNDARY)


def test_osm_file_raises_with_line_number_when_xml_is_broken(tmp_path):
    """A truncated XML file raises InputFileError with the line of the defect."""
    bad = tmp_path / "broken.osm"
    bad.write_text('<?xml version="1.0"?>\n<osm version="0.6">\n<node id="1" lat="25" lon="118">'
                   '\n</osm>\n')
    with pytest.raises(InputFileError, match="not valid OSM XML at line 4") as info:
        network_from_osm_file(bad, TINY_BOUNDARY)
    assert info.value.details["line"] == 4


def test_osm_file_raises_when_extract_does_not_cover_the_county():
    """A boundary far from every road is refused with both bounding boxes."""
    with pytest.raises(InputFileError, match=r"does not overlap the county: file box \[118.0000, "
                       r"25.0000, .*\], county box \(with buffer\) \[99.98\d\d, 29.99\d\d") as info:
        network_from_osm_file(TINY_OSM, box(100.0, 30.0, 100.1, 30.1), buffer_m=1000)
    assert info.value.details["file_box"][0] == 118.0


def test_osm_file_rejects_negative_buffer():
    """buffer_m out of range is refused with the allowed range."""
    with pytest.raises(NetworkError, match=r"buffer_m must be in \[0.0, 100000.0\], got -5"):
        network_from_osm_file(TINY_OSM, TINY_BOUNDARY, buffer_m=-5)


# ---------------------------------------------------------------- speeds


def test_add_speeds_uses_base_class_for_links_and_lower_maxspeed():
    """primary_link drives at primary speed; a lower maxspeed wins, a higher one does not."""
    G = nx.MultiDiGraph()
    G.add_edge(1, 2, length=700.0, highway="primary_link")
    G.add_edge(2, 3, length=100.0, highway="tertiary", maxspeed="20")
    G.add_edge(3, 4, length=100.0, highway="tertiary", maxspeed=["120", "100"])
    G.add_edge(4, 5, length=100.0, highway="mystery")
    add_speeds(G)
    assert G[1][2][0]["speed_kph"] == 70.0
    assert G[1][2][0]["travel_time"] == pytest.approx(36.0)
    assert G[2][3][0]["speed_kph"] == 20.0
    assert G[3][4][0]["speed_kph"] == 40.0
    assert G[4][5][0]["speed_kph"] == 25.0  # unknown class: speed of "road"


def test_add_speeds_rejects_zero_speed():
    """A speed of 0 km/h is refused with the allowed range."""
    G = nx.MultiDiGraph()
    G.add_edge(1, 2, length=1.0, highway="track")
    with pytest.raises(NetworkError, match=r"speeds\['track'\] must be in \[1.0, 200.0\], got 0"):
        add_speeds(G, {"track": 0})


# ---------------------------------------------------------------- Network


def _two_node_graph(**edge) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(crs="EPSG:4326")
    G.add_node(1, x=118.0, y=25.0)
    G.add_node(2, x=118.01, y=25.0)
    G.add_edge(1, 2, **edge)
    return G


def test_network_rejects_edge_without_travel_time():
    """An edge lacking travel_time is refused, naming the edge and field."""
    G = _two_node_graph(length=10.0, speed_kph=30.0, highway="track")
    with pytest.raises(NetworkError, match=r"edge \(1, 2\) has travel_time None"):
        Network(G, LayerProvenance("user", "test"))


def test_network_rejects_projected_graph():
    """A graph in a metric CRS is refused with the fix."""
    G = _two_node_graph(length=10.0, speed_kph=30.0, travel_time=1.2)
    G.graph["crs"] = "EPSG:32650"
    with pytest.raises(NetworkError, match="must be in EPSG:4326, got EPSG:32650"):
        Network(G, LayerProvenance("user", "test"))


def test_network_rejects_official_source_label():
    """Road networks are synthetic, osm or user; 'official' is refused."""
    G = _two_node_graph(length=10.0, speed_kph=30.0, travel_time=1.2)
    with pytest.raises(NetworkError, match="must be one of 'synthetic', 'osm', 'user'"):
        Network(G, LayerProvenance("official", "test"))


def test_graph_hash_sees_lengths_but_not_edge_keys():
    """Renumbered edge keys keep the hash; a changed length changes it."""
    G = _two_node_graph(length=10.0, speed_kph=30.0, travel_time=1.2)
    H = nx.MultiDiGraph(crs="EPSG:4326")
    H.add_nodes_from(G.nodes(data=True))
    H.add_edge(1, 2, key="k", length=10.0, speed_kph=30.0, travel_time=1.2)
    assert graph_hash(G) == graph_hash(H)
    H[1][2]["k"]["length"] = 10.5
    assert graph_hash(G) != graph_hash(H)


def test_to_geodataframes_round_trips_through_a_geopackage(tiny, tmp_path):
    """Nodes and edges write to a GeoPackage and read back with their source label."""
    nodes, edges = tiny.to_geodataframes()
    path = tmp_path / "roads.gpkg"
    nodes.to_file(path, layer="nodes")
    edges.to_file(path, layer="edges")
    back = gpd.read_file(path, layer="edges")
    assert len(back) == tiny.n_edges
    assert set(back["source"]) == {"osm"}
    assert back.crs.to_epsg() == 4326
    assert len(gpd.read_file(path, layer="nodes")) == 4


# ---------------------------------------------------------------- synthetic


def test_synthetic_network_is_connected_and_holds_every_village():
    """Every village and seat is a node, reachable from every other node both ways."""
    county = make_county(30, lost=True)
    net = synthetic_network(county)
    assert nx.is_strongly_connected(net.graph)
    refs = {d["ref"] for _, d in net.graph.nodes(data=True) if d["kind"] == "village"}
    assert refs == set(county.villages["village_id"])
    assert net.provenance.source == "synthetic"
    assert "SYNTHETIC, not real roads" in net.summary()


def test_synthetic_network_same_seed_gives_same_graph_hash():
    """Same county and seed: identical hash; another seed or county code: another graph."""
    county = make_county(20)
    first = synthetic_network(county, seed=3)
    assert synthetic_network(county, seed=3).graph_hash == first.graph_hash
    assert synthetic_network(county, seed=4).graph_hash != first.graph_hash
    assert synthetic_network(make_county(20, code="350001"), seed=3).graph_hash != \
        first.graph_hash


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), detour=st.floats(1.0, 1.6))
def test_synthetic_network_is_never_shorter_than_the_straight_line(seed, detour):
    """No edge, hence no path between villages, is shorter than its great circle."""
    net = synthetic_network(make_county(9), seed=seed, detour=detour)
    G = net.graph
    for u, v, d in G.edges(data=True):
        chord = haversine_m(G.nodes[u]["x"], G.nodes[u]["y"], G.nodes[v]["x"], G.nodes[v]["y"])
        assert d["length"] >= chord
    villages = [n for n, d in G.nodes(data=True) if d["kind"] == "village"]
    for s in villages[:3]:
        dist = nx.single_source_dijkstra_path_length(G, s, weight="length")
        for t in villages:
            chord = haversine_m(G.nodes[s]["x"], G.nodes[s]["y"], G.nodes[t]["x"], G.nodes[t]["y"])
            assert dist[t] >= chord


def test_synthetic_network_detour_stretches_roads():
    """detour=1.5 makes the roads close to 1.5x as long as detour=1.0 on the same layout."""
    county = make_county(24)
    flat = sum(synthetic_network(county, detour=1.0).road_length_km().values())
    hilly = sum(synthetic_network(county, detour=1.5).road_length_km().values())
    assert 1.35 < hilly / flat <= 1.5 + 1e-9


def test_synthetic_network_roads_have_layer_speeds():
    """County roads run at county_road_kph and village roads at village_road_kph."""
    net = synthetic_network(make_county(12), county_road_kph=60.0, village_road_kph=30.0)
    speeds = {(d["highway"], d["speed_kph"]) for _, _, d in net.graph.edges(data=True)}
    assert speeds == {("tertiary", 60.0), ("unclassified", 30.0)}


def test_synthetic_network_rejects_detour_below_one():
    """A detour under 1 would put roads shorter than straight lines; refused with the range."""
    with pytest.raises(NetworkError, match=r"detour must be in \[1.0, 3.0\], got 0.9"):
        synthetic_network(make_county(3), detour=0.9)


# ---------------------------------------------------------------- osmnx online (offline stand-in)


def test_online_door_filters_roads_caches_and_shares_post_processing(monkeypatch, tmp_path):
    """The download call gets a highway filter and cache folder; results match the file door."""
    import osmnx as ox

    calls = {}

    def fake_graph_from_polygon(polygon, **kwargs):
        calls.update(kwargs, polygon=polygon, cache=(ox.settings.use_cache,
                                                     ox.settings.cache_folder))
        return ox.graph_from_xml(TINY_OSM, simplify=False, retain_all=True)

    before = (ox.settings.use_cache, ox.settings.cache_folder)
    monkeypatch.setattr(ox, "graph_from_polygon", fake_graph_from_polygon)
    net = network_from_osmnx_online(TINY_BOUNDARY, buffer_m=1000, cache_folder=tmp_path)
    assert calls["custom_filter"].startswith('["highway"~"^(living_street|motorway|')
    assert "track" in calls["custom_filter"] and "footway" not in calls["custom_filter"]
    assert calls["retain_all"] is True
    assert calls["cache"] == (True, str(tmp_path))
    assert calls["polygon"].contains(TINY_BOUNDARY)
    assert (ox.settings.use_cache, ox.settings.cache_folder) == before
    offline = network_from_osm_file(TINY_OSM, TINY_BOUNDARY, buffer_m=1000)
    assert net.graph_hash == offline.graph_hash
    assert net.provenance.source == "osm" and "Overpass" in net.provenance.description


def test_synthetic_network_of_an_embedded_county_serves_every_village():
    """安溪's 24 townships and all its villages get one connected synthetic graph."""
    from ruralnet.geo.county import load_county

    county = load_county("安溪")
    net = synthetic_network(county, detour=1.4)
    assert nx.is_strongly_connected(net.graph)
    kinds = [d["kind"] for _, d in net.graph.nodes(data=True)]
    assert kinds.count("village") == len(county.villages)
    assert kinds.count("township_seat") == len(county.townships)
    assert net.provenance.synthetic

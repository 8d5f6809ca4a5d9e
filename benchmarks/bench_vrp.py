"""Benchmark ruralnet's routing engines on CVRPLIB X and Solomon VRPTW.

Each instance is built as a :class:`ruralnet.routing.RoutingProblem` on the
convention's own integer matrix (X: nint(euclid); Solomon: floor(10 euclid)
tenths, travel time = distance, fleet <= NUMBER, distance-only objective),
solved by each engine at the same time limit, and every solution is
re-evaluated from scratch by ``_vrp_readers.evaluate`` (not the engine's
objective). The best-known solutions are re-evaluated too, as a check on the
evaluator. Gap % = 100 (cost - bks) / bks. The ratio column is the
OR-Tools cost divided by the PyVRP cost on the same instance, same run.

X instances have an unlimited fleet; both engines get K + max(2, ceil(K/5))
vehicles (the bound is checked against the BKS route count).

Usage::

    OMP_NUM_THREADS=1 nice python benchmarks/bench_vrp.py --time-limit 10 \
        --instances X-n101-k25 R101

Figures measured on a 2-core machine shared with other jobs (seed 0, one
run, costs re-evaluated by ``evaluate``; 2026-11-25), 10 s per instance and
engine on a subset of 9 of the 20 instances; the full 60 s run (20 x 2 x 60 s
= 40 min) was not done::

    instance        bks   pyvrp   gap%  ortools   gap%
    X-n101-k25    27591   27653   0.22    29159   5.68
    X-n200-k36    58578   59547   1.65    60591   3.44
    X-n303-k21    21736   21974   1.09    23557   8.38
    X-n502-k39    69226   69493   0.39    70294   1.54
    C101          827.3   827.3   0.00    827.3   0.00
    R101         1637.7  1637.7   0.00   1654.2   1.01
    R201         1143.2  1143.2   0.00   1158.4   1.33
    RC101        1619.8  1619.8   0.00   1682.1   3.85
    RC205        1154.0  1154.0   0.00   1177.8   2.06
    mean gap X: pyvrp 0.84%, ortools 4.76% (cost ratio ortools/pyvrp 1.039)
    mean gap Solomon: pyvrp 0.00%, ortools 1.65% (ratio 1.017), all feasible

An earlier run the same day with OR-Tools' SAVINGS first solution gave
X-n101 3.29%, X-n200 3.64%, X-n303 16.88%, X-n502 4.40% (PyVRP 0.22, 1.14,
1.04, 0.30%): PyVRP's time-limited runs move by ~0.5 point between runs on
this loaded machine.
"""

from __future__ import annotations

import argparse
import logging
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _vrp_readers import Instance, evaluate, read_bks, read_sol, read_solomon, read_x  # noqa: E402

from ruralnet.exceptions import InfeasibleError  # noqa: E402
from ruralnet.routing import (  # noqa: E402
    Client,
    Depot,
    RoutingParams,
    RoutingProblem,
    VehicleType,
    solve_routes,
)
from ruralnet.settings import benchmarks_dir  # noqa: E402

ROOT = benchmarks_dir()  # $RURALNET_BENCHMARKS or ../shared/benchmarks


def to_problem(inst: Instance) -> RoutingProblem:
    """Build the routing problem; cost_per_km=1 gives 100 cost units per matrix unit."""
    n = len(inst.demand)
    if inst.family == "solomon":
        depot = Depot(tw_early_s=int(inst.ready[0]), tw_late_s=int(inst.due[0]))
        clients = [Client(delivery_kg=int(inst.demand[i]), service_s=int(inst.service[i]),
                          tw_early_s=int(inst.ready[i]), tw_late_s=int(inst.due[i]))
                   for i in range(1, n)]
        fleet = inst.num_vehicles
    else:
        depot = Depot()
        clients = [Client(delivery_kg=int(inst.demand[i])) for i in range(1, n)]
        fleet = inst.num_vehicles + max(2, math.ceil(inst.num_vehicles / 5))
    vt = VehicleType(capacity_kg=inst.capacity, num_available=fleet, cost_per_km=1.0)
    return RoutingProblem((depot,), tuple(clients), (vt,), inst.distance, inst.distance)


def load(names: list[str] | None) -> list[tuple[Instance, float, int]]:
    out = []
    for folder, reader, ext in (("cvrp-x", read_x, ".vrp"), ("solomon", read_solomon, ".txt")):
        bks = read_bks(ROOT / folder)
        for name in bks:
            if names and name not in names:
                continue
            inst = reader(ROOT / folder / f"{name}{ext}")
            sol = read_sol(ROOT / folder / f"{name}.sol")
            cost, problems = evaluate(inst, sol)
            if problems or abs(cost - bks[name]) > 1e-6:
                raise SystemExit(f"evaluator disagrees with BKS on {name}: {cost} {problems}")
            if inst.family == "x" and len(sol) > to_problem(inst).vehicle_types[0].num_available:
                raise SystemExit(f"fleet bound below the BKS route count on {name}")
            out.append((inst, bks[name], len(sol)))
    return out


def run(inst: Instance, engine: str, limit: float, first: str) -> tuple[float | None, str, float]:
    params = RoutingParams(engine=engine, time_limit_s=limit, first_solution=first)
    started = time.perf_counter()
    try:
        res = solve_routes(to_problem(inst), params, seed=0)
    except InfeasibleError:
        return None, "no feasible solution", time.perf_counter() - started
    routes = [[s.client + 1 for s in r.stops] for r in res.routes]
    cost, problems = evaluate(inst, routes)
    return cost, "; ".join(problems) or "ok", time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--instances", nargs="*", help="instance names (default: all 20)")
    ap.add_argument("--engines", nargs="*", default=["pyvrp", "ortools"])
    ap.add_argument("--first-solution", default="auto", help="OR-Tools first solution")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    rows = load(args.instances)
    print(f"time limit {args.time_limit:g} s per instance and engine, seed 0, "
          f"{len(rows)} instances; OR-Tools first solution {args.first_solution}")
    print(f"{'instance':12} {'bks':>9} " + " ".join(f"{e + ' cost':>14} {'gap%':>7}"
                                                 for e in args.engines) + "  status")
    gaps: dict[tuple[str, str], list[float]] = {}
    ratios: dict[str, list[float]] = {}
    for inst, bks, _ in rows:
        line, costs, notes = f"{inst.name:12} {bks:9.1f} ", {}, []
        for engine in args.engines:
            cost, status, secs = run(inst, engine, args.time_limit, args.first_solution)
            if cost is None or status != "ok":
                line += f"{'-':>14} {'-':>7} "
                notes.append(f"{engine}: {status}")
                gaps.setdefault((inst.family, engine), []).append(math.inf)
                continue
            gap = 100 * (cost - bks) / bks
            gaps.setdefault((inst.family, engine), []).append(gap)
            costs[engine] = cost
            line += f"{cost:14.1f} {gap:7.2f} "
            notes.append(f"{engine} {secs:.0f}s")
        if len(costs) == 2 and "pyvrp" in costs:
            ratios.setdefault(inst.family, []).append(costs["ortools"] / costs["pyvrp"])
        print(line + " " + ", ".join(notes), flush=True)
    print()
    for (family, engine), values in sorted(gaps.items()):
        ok = [g for g in values if math.isfinite(g)]
        mean = statistics.mean(ok) if ok else math.nan
        print(f"{family:8} {engine:8} mean gap {mean:6.2f}% over {len(ok)}/{len(values)} "
              f"feasible, max {max(values):.2f}%")
    for family, values in sorted(ratios.items()):
        print(f"{family:8} cost ratio ortools/pyvrp: mean {statistics.mean(values):.4f} "
              f"over {len(values)} instances")


if __name__ == "__main__":
    main()

"""Vehicle routes with two-way loads (县—乡—村 配送与农产品上行): the single-tier API.

:func:`solve_routes` solves one routing problem (:class:`RoutingProblem`):
depots, clients with delivery and pickup, time windows, optional clients with
prizes or a hard coverage target, heterogeneous vehicle types with fixed and
per-km costs, speed profiles, shift windows and maximum route durations. It
is a pure function over integer arrays, with two engines behind one
interface: PyVRP and OR-Tools. :class:`RoutingModel` builds a problem step by
step; :func:`export_vrplib` writes one for other solvers.

Where things live in :mod:`ruralnet.routing` (imports run one way,
``model → compiled → engines → search → solve → daily``):

* :mod:`~ruralnet.routing.model`: the problem model (:class:`Depot`,
  :class:`Client`, :class:`VehicleType`, :class:`RoutingProblem`),
  :class:`RoutingParams` and the results (:class:`Stop`, :class:`Route`,
  :class:`RoutingResult`);
* :mod:`~ruralnet.routing.compiled`: compilation to integer arrays,
  scheduling, route checks and costs;
* :mod:`~ruralnet.routing.ortools_engine`, :mod:`~ruralnet.routing.pyvrp_engine`: the engines;
* :mod:`~ruralnet.routing.search`: running the engines, feasibility
  pre-checks and the coverage search;
* this module: :func:`solve_routes`, the builder :class:`RoutingModel` and
  :func:`export_vrplib`;
* :mod:`~ruralnet.routing.daily`: :func:`~ruralnet.routing.daily.plan_daily_routes`, a
  county's working day (trunk and feeder tiers, or direct routes) and the
  fleet-versus-coverage curve; its vocabulary (fleets, options, results) in
  :mod:`~ruralnet.routing.daily_model`, its checked inputs in
  :mod:`~ruralnet.routing.day_inputs` and the trunk tier in
  :mod:`~ruralnet.routing.trunk`.

Units inside: distances in metres, durations in seconds, loads in kg at the
interface (integer grams inside the engines), costs in yuan at the interface
(integer 1e-5 yuan inside).

Engine default: ``engine="auto"`` picks PyVRP when it is installed and falls
back to OR-Tools. ``benchmarks/bench_vrp.py`` decided it: at 10 s per instance
on a 2-core shared machine (one seed; subset of 9 of the 20 instances) PyVRP's
mean gap to the best-known values was 0.84% on 4 CVRPLIB X instances and
0.00% on 5 Solomon instances, OR-Tools' 4.76% and 1.65% (OR-Tools cost /
PyVRP cost 1.039 and 1.017 in the same run).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ruralnet._validate import bad_value
from ruralnet.exceptions import RuralnetError
from ruralnet.routing.compiled import Compiled, compile_problem, trip_schedule
from ruralnet.routing.model import (
    Client,
    Depot,
    Route,
    RoutingParams,
    RoutingProblem,
    RoutingResult,
    Stop,
    VehicleType,
)
from ruralnet.routing.search import (
    CoverageSearch,
    Part,
    Routes,
    no_solution_error,
    resolve_engine,
    run_engine,
)
from ruralnet.routing.trips import trips_of

log = logging.getLogger(__name__)

__all__ = ["RoutingModel", "export_vrplib", "solve_routes"]


class RoutingModel:
    """Build a :class:`RoutingProblem` step by step, as PyVRP's ``Model`` does.

    Locations are numbered in the order they are added (depots and clients
    may be interleaved); :meth:`set_matrices` takes matrices in that order.

    Examples
    --------
    >>> m = RoutingModel()
    >>> depot = m.add_depot(name="仓")
    >>> village = m.add_client(delivery_kg=30, pickup_kg=5, service_s=300)
    >>> m.add_vehicle_type(capacity_kg=800, depot=depot, cost_per_km=1.2)
    >>> m.set_matrices([[0, 5000], [5000, 0]], [[0, 600], [600, 0]])
    >>> result = m.solve(RoutingParams(engine="ortools", time_limit_s=1), seed=0)
    >>> result.routes[0].distance_m, result.routes[0].stops[0].arrive_s
    (10000, 600)
    """

    def __init__(self) -> None:
        self._depots: list[Depot] = []
        self._clients: list[Client] = []
        self._order: list[tuple[str, int]] = []
        self._types: list[dict] = []
        self._matrices: tuple[np.ndarray, np.ndarray] | None = None

    def add_depot(self, **kwargs) -> int:
        """Add a :class:`Depot` (keyword arguments as its fields); return its depot index."""
        self._depots.append(Depot(**kwargs))
        self._order.append(("depot", len(self._depots) - 1))
        return len(self._depots) - 1

    def add_client(self, **kwargs) -> int:
        """Add a :class:`Client` (keyword arguments as its fields); return its client index."""
        self._clients.append(Client(**kwargs))
        self._order.append(("client", len(self._clients) - 1))
        return len(self._clients) - 1

    def add_vehicle_type(self, **kwargs) -> None:
        """Add a :class:`VehicleType` (keyword arguments as its fields)."""
        VehicleType(**kwargs)  # validate now, where the mistake is made
        self._types.append(kwargs)

    def set_matrices(self, distance_m, duration_s) -> None:
        """Set the integer matrices, rows and columns in the order locations were added."""
        self._matrices = (np.asarray(distance_m), np.asarray(duration_s))

    def problem(self) -> RoutingProblem:
        """Return the frozen :class:`RoutingProblem` (depots first)."""
        if self._matrices is None:
            raise RuralnetError("尚未设置距离和时间矩阵", "call set_matrices() before solving")
        dep = [pos for pos, (kind, _) in enumerate(self._order) if kind == "depot"]
        cli = [pos for pos, (kind, _) in enumerate(self._order) if kind == "client"]
        perm = np.array(dep + cli)
        dist, dur = self._matrices
        if dist.shape != (len(perm), len(perm)):
            size = f"({len(perm)}, {len(perm)}) for the locations added"
            raise bad_value("distance_m", size, dist.shape)
        return RoutingProblem(
            depots=tuple(self._depots),
            clients=tuple(self._clients),
            vehicle_types=tuple(VehicleType(**kw) for kw in self._types),
            distance_m=dist[np.ix_(perm, perm)],
            duration_s=dur[np.ix_(perm, perm)],
        )

    def solve(self, params: RoutingParams | None = None, *, seed: int = 0) -> RoutingResult:
        """Solve with :func:`solve_routes`."""
        return solve_routes(self.problem(), params, seed=seed)




# --------------------------------------------------------------------------
# Results: public records of checked routes
# --------------------------------------------------------------------------


def route_records(p: RoutingProblem, c: Compiled, t: int, clients: Sequence[int],
                  vehicle: int = 0) -> list[Route]:
    """Build the public :class:`Route` of each trip of a checked sequence.

    The vehicle's fixed cost is in its first trip's ``cost``.
    """
    vt = p.vehicle_types[t]
    d = vt.depot
    travel = c.profiles[c.vt_profile[t]]
    out = []
    for i, (trip, (t0, arrive, start, end)) in enumerate(
            zip(trips_of(clients), trip_schedule(c, t, clients), strict=True)):
        nodes = [d] + [c.n_depots + j for j in trip] + [d]
        dist = c.distance[nodes[:-1], nodes[1:]]
        legs = travel[nodes[:-1], nodes[1:]]
        load = float(sum(p.clients[j].delivery_kg for j in trip))
        load_start, stops = load, []
        for k, j in enumerate(trip):
            cl = p.clients[j]
            load += cl.pickup_kg - cl.delivery_kg
            stops.append(Stop(j, int(dist[k]), int(legs[k]), arrive[k], start[k],
                              start[k] + cl.service_s, cl.delivery_kg, cl.pickup_kg,
                              round(load, 6)))
        total = int(dist.sum())
        out.append(Route(
            vehicle_type=t, depot=d, start_s=t0, end_s=end, stops=tuple(stops),
            distance_m=total, duration_s=end - t0, load_start_kg=load_start,
            return_distance_m=int(dist[-1]), return_travel_s=int(legs[-1]),
            cost=(vt.fixed_cost if i == 0 else 0.0) + vt.cost_per_km * total / 1000,
            vehicle=vehicle, trip=i,
        ))
    return out


def route_record(p: RoutingProblem, c: Compiled, t: int, clients: Sequence[int]) -> Route:
    """Build the public :class:`Route` of a checked one-trip sequence."""
    (rec,) = route_records(p, c, t, clients)
    return rec


def routing_result(p: RoutingProblem, c: Compiled, routes: Routes, engine: str,
            t0: float) -> RoutingResult:
    records = tuple(rec for v, (t, cl) in enumerate(routes)
                    for rec in route_records(p, c, t, cl, v))
    visited = {j for _, cl in routes for j in cl}
    unvisited = tuple(j for j in range(c.n_clients) if j not in visited)
    counted = int(c.counted.sum())
    coverage = sum(int(c.counted[j]) for j in visited) / counted if counted else None
    return RoutingResult(records, round(sum(r.cost for r in records), 6), "feasible", engine,
                         unvisited, coverage, time.perf_counter() - t0)


def run_with_fallback(c: Any, prizes: np.ndarray, engine: str, params: RoutingParams,
                       seconds: float, seed: int, start: Routes | None = None,
                       ) -> tuple[Any, str]:
    """Run ``engine``; with ``engine="auto"``, try the other engine if it finds nothing.

    PyVRP's penalty search can miss feasibility when every vehicle of a small
    fleet is needed under tight windows (seen on long mountain trunks), where
    OR-Tools' insertion heuristic finds a plan, and vice versa.
    """
    extra = {} if start is None else {"start": start}  # a warm start, for PyVRP only
    routes = run_engine(c, prizes, engine, params, seconds, seed, **extra)
    if routes is not None or params.engine != "auto":
        return routes, engine
    other = "ortools" if engine == "pyvrp" else "pyvrp"
    if other == "pyvrp":
        from ruralnet.routing.pyvrp_engine import pyvrp_available

        if not pyvrp_available():
            return None, engine
    if params.max_iterations is None:
        log.warning("%s found no feasible plan in %.1f s; trying %s", engine, seconds, other)
    else:  # the iterations ended the search; the seconds are only its safety limit
        log.warning("%s found no feasible plan in %d iterations (%.1f s limit); trying %s",
                    engine, params.max_iterations, seconds, other)
    return run_engine(c, prizes, other, params, seconds, seed), other


def solve_routes(problem: RoutingProblem, params: RoutingParams | None = None, *,
                 seed: int = 0) -> RoutingResult:
    """Solve a routing problem with two-way loads; return checked routes.

    Formulation: minimise fixed vehicle costs plus per-km costs minus prizes
    of optional clients visited, subject to every required client visited
    once, the on-board load (all deliveries of the route on departure, minus
    deliveries made, plus pickups made) within capacity at every point, start
    of service inside each client's window, routes inside the vehicle shift
    and the depot window and no longer than the maximum duration.

    With ``params.coverage_target`` the prizes of counted optional clients
    are replaced by a common prize found by bisection (see
    ``CoverageSearch``): the result is the cheapest plan found that visits
    at least that share.

    Parameters
    ----------
    problem
        The problem.
    params
        Engine, time limit, coverage target; defaults to ``RoutingParams()``.
    seed
        Random seed (PyVRP; OR-Tools has none and is deterministic under
        ``max_iterations``).

    Returns
    -------
    RoutingResult

    Raises
    ------
    InfeasibleError
        When required clients cannot be served, or the coverage target cannot
        be met with the fleet and shifts (the message gives the figures).

    Examples
    --------
    >>> p = RoutingProblem(
    ...     depots=(Depot(),),
    ...     clients=(Client(delivery_kg=6, pickup_kg=2), Client(delivery_kg=2, pickup_kg=7)),
    ...     vehicle_types=(VehicleType(capacity_kg=10),),
    ...     distance_m=[[0, 1000, 2000], [1000, 0, 1000], [2000, 1000, 0]],
    ...     duration_s=[[0, 60, 120], [60, 0, 60], [120, 60, 0]])
    >>> r = solve_routes(p, RoutingParams(engine="ortools", time_limit_s=1))
    >>> [s.client for s in r.routes[0].stops], r.routes[0].max_load_kg
    ([0, 1], 9.0)
    """
    params = params or RoutingParams()
    started = time.perf_counter()
    engine = resolve_engine(params.engine)
    part = Part.of(problem)
    log.info("routing %d clients, %d depots, %d vehicle types with %s", part.c.n_clients,
             part.c.n_depots, len(problem.vehicle_types), engine)
    if params.coverage_target is None:
        routes, used = run_with_fallback(part.c, part.c.base_prize, engine, params,
                                          params.time_limit_s, seed)
        if routes is None:
            raise no_solution_error(engine, params.time_limit_s, params.max_iterations)
        return routing_result(problem, part.c, routes, used, started)
    share = params.time_limit_s / (params.coverage_steps + 2)  # λ_hi, bisection, polish

    def solve(pt: Part, prizes: np.ndarray) -> Routes:
        found, _ = run_with_fallback(pt.c, prizes, engine, params, share, seed)
        if found is None:
            raise no_solution_error(engine, share, params.max_iterations)
        return found

    search = CoverageSearch([part], solve)
    routes = search.meet(params.coverage_target, params.coverage_steps, ("点", "clients"))[0]
    return routing_result(problem, part.c, routes, engine, started)


# --------------------------------------------------------------------------
# VRPLIB export
# --------------------------------------------------------------------------


def export_vrplib(problem: RoutingProblem, path: str | Path) -> Path:
    """Write the problem as a VRPLIB file that ``pyvrp.read`` and ``vrplib`` accept.

    Units are the engines' integers: distance in metres (explicit full
    matrix), time in seconds, loads in grams, costs in 1e-5 yuan. VRPLIB
    has no separate duration matrix (readers take duration = distance) nor
    per-vehicle speed profiles, so those are not written; optional clients
    get a prize of at least 1 because readers treat prize 0 as required.

    Parameters
    ----------
    problem
        The problem.
    path
        Output file.

    Returns
    -------
    Path
        The path written.
    """
    c = compile_problem(problem)
    path = Path(path)
    n = c.n_depots + c.n_clients
    vehicles = [t for t in range(len(c.vt_num)) for _ in range(c.vt_num[t])]
    zeros = [0] * c.n_depots
    early = list(c.depot_early) + list(c.tw_early)
    late = list(c.depot_late) + list(c.tw_late)
    prize = zeros + [0 if r else max(1, int(x)) for r, x in zip(c.required, c.base_prize,
                                                                 strict=True)]
    lines = [
        "NAME : ruralnet", "TYPE : VRPSPDTW",
        "COMMENT : ruralnet export; distance m, time s, load g, cost 1e-5 yuan",
        f"DIMENSION : {n}", f"VEHICLES : {len(vehicles)}",
        "EDGE_WEIGHT_TYPE : EXPLICIT", "EDGE_WEIGHT_FORMAT : FULL_MATRIX", "EDGE_WEIGHT_SECTION",
    ]
    lines += [" ".join(map(str, row)) for row in c.distance.tolist()]

    def section(name: str, values: Sequence[int]) -> None:
        lines.append(f"{name}_SECTION")
        lines.extend(f"{i + 1} {int(v)}" for i, v in enumerate(values))

    section("LINEHAUL", zeros + list(c.delivery))
    section("BACKHAUL", zeros + list(c.pickup))
    section("SERVICE_TIME", zeros + list(c.service))
    lines.append("TIME_WINDOW_SECTION")
    lines.extend(f"{i + 1} {int(a)} {int(b)}" for i, (a, b) in enumerate(zip(early, late,
                                                                             strict=True)))
    section("PRIZE", prize)
    section("CAPACITY", [c.vt_capacity[t] for t in vehicles])
    section("VEHICLES_DEPOT", [c.vt_depot[t] + 1 for t in vehicles])
    section("VEHICLES_FIXED_COST", [c.vt_fixed[t] for t in vehicles])
    section("VEHICLES_UNIT_DISTANCE_COST", [c.vt_unit_cost[t] for t in vehicles])
    section("VEHICLES_MAX_DURATION", [c.vt_max_duration[t] for t in vehicles])
    lines.append("DEPOT_SECTION")
    lines += [str(d + 1) for d in range(c.n_depots)] + ["-1", "EOF"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path

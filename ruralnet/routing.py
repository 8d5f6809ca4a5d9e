"""Vehicle routes with two-way loads (县—乡—村 配送与农产品上行): the single-tier API.

:func:`solve_routes` solves one routing problem (:class:`RoutingProblem`):
depots, clients with delivery and pickup, time windows, optional clients with
prizes or a hard coverage target, heterogeneous vehicle types with fixed and
per-km costs, speed profiles, shift windows and maximum route durations. It
is a pure function over integer arrays, with two engines behind one
interface: PyVRP and OR-Tools. :class:`RoutingModel` builds a problem step by
step; :func:`export_vrplib` writes one for other solvers.

Where things live:

* this module: the problem model (:class:`Depot`, :class:`Client`,
  :class:`VehicleType`, :class:`RoutingProblem`, :class:`RoutingModel`),
  :class:`RoutingParams`, the results (:class:`Stop`, :class:`Route`,
  :class:`RoutingResult`), :func:`solve_routes` and :func:`export_vrplib`;
* :mod:`ruralnet._route_eval` (private): compilation to integer arrays,
  scheduling, route checks and costs, feasibility pre-checks, running the
  engines and the coverage search;
* :mod:`ruralnet._ortools_vrp`, :mod:`ruralnet._pyvrp_vrp`: the engines;
* :mod:`ruralnet.daily`: :func:`~ruralnet.daily.plan_daily_routes`, a
  county's working day (trunk and feeder tiers, or direct routes) and the
  fleet-versus-coverage curve. Its public names (:class:`FleetType`,
  :class:`DailyRoutingParams`, :class:`DailyRoutingResult`, ...) are also
  importable from here, loaded on first use so that imports run one way:
  ``daily → routing → _route_eval → engines``.

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
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ruralnet._route_eval import (  # the unit constants are re-exported here
    COST_UNITS_PER_YUAN,  # noqa: F401
    LOAD_UNITS_PER_KG,  # noqa: F401
    UNBOUNDED_S,
    _compile,
    _Compiled,
    _CoverageSearch,
    _no_solution,
    _Part,
    _resolve_engine,
    _Routes,
    _run_engine,
    _schedule,
)
from ruralnet.exceptions import RuralnetError

if TYPE_CHECKING:  # for type checkers; at run time __getattr__ loads them
    from ruralnet.daily import (
        CoveragePoint,
        DailyRoute,
        DailyRoutingParams,
        DailyRoutingResult,
        DailyStop,
        FleetType,
        UnservedVillage,
        plan_daily_routes,
    )

log = logging.getLogger(__name__)

__all__ = [
    "Client", "CoveragePoint", "DailyRoute", "DailyRoutingParams", "DailyRoutingResult",
    "DailyStop", "Depot", "FleetType", "Route", "RoutingModel", "RoutingParams",
    "RoutingProblem", "RoutingResult", "Stop", "UnservedVillage", "VehicleType",
    "export_vrplib", "plan_daily_routes", "solve_routes",
]

ENGINES = ("auto", "ortools", "pyvrp")
FIRST_SOLUTIONS = (
    "auto",
    "parallel_cheapest_insertion",
    "path_cheapest_arc",
    "savings",
    "local_cheapest_insertion",
)


def _bad(field_name: str, allowed: str, value: object) -> ValueError:
    return ValueError(f"{field_name} must be {allowed}, got {value!r}")


def _check_window(owner: str, early: int, late: int) -> None:
    if not 0 <= early <= late:
        raise _bad(f"{owner} window", "0 <= early <= late", (early, late))


# --------------------------------------------------------------------------
# Problem model
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Depot:
    """A place where vehicles start and end (warehouse or transfer station).

    Parameters
    ----------
    name
        Label for people.
    tw_early_s, tw_late_s
        Opening window: vehicles may leave from ``tw_early_s`` and must be back
        by ``tw_late_s`` (seconds).
    """

    name: str = ""
    tw_early_s: int = 0
    tw_late_s: int = UNBOUNDED_S

    def __post_init__(self) -> None:
        _check_window("Depot", self.tw_early_s, self.tw_late_s)


@dataclass(frozen=True)
class Client:
    """A stop to serve: a village service station, or a township station for trunks.

    Parameters
    ----------
    delivery_kg
        Parcels brought from the depot (下行), kg.
    pickup_kg
        Goods collected and carried back to the depot (上行, farm products), kg.
    service_s
        Time spent at the stop, seconds.
    tw_early_s, tw_late_s
        Window on the start of service, seconds.
    required
        Whether the stop must be visited.
    prize
        Value in yuan of visiting an optional stop (ignored when required).
    counts_toward_coverage
        Whether the stop counts toward a coverage target (villages do,
        urban communities do not).
    name
        Label for people.
    """

    delivery_kg: float = 0.0
    pickup_kg: float = 0.0
    service_s: int = 0
    tw_early_s: int = 0
    tw_late_s: int = UNBOUNDED_S
    required: bool = True
    prize: float = 0.0
    counts_toward_coverage: bool = True
    name: str = ""

    def __post_init__(self) -> None:
        for name in ("delivery_kg", "pickup_kg", "prize"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise _bad(f"Client.{name}", ">= 0", value)
        if self.service_s < 0:
            raise _bad("Client.service_s", ">= 0", self.service_s)
        _check_window("Client", self.tw_early_s, self.tw_late_s)


@dataclass(frozen=True)
class VehicleType:
    """A kind of vehicle based at one depot.

    Parameters
    ----------
    capacity_kg
        Load limit, kg; the on-board load must stay within it at every point.
    num_available
        Vehicles of this type at the depot.
    depot
        Index of the home depot in ``RoutingProblem.depots``.
    fixed_cost
        Cost in yuan of using one vehicle for the day.
    cost_per_km
        Cost in yuan per km driven.
    speed_factor
        Speed relative to the duration matrix: travel time is
        ``duration_s / speed_factor`` (0.5 = half as fast).
    max_speed_kph
        Optional speed cap, e.g. 15 for electric tricycles: travel time is at
        least ``distance / max_speed``.
    shift_start_s, shift_end_s
        The vehicle leaves no earlier than ``shift_start_s`` and is back by
        ``shift_end_s``.
    max_duration_s
        Optional cap on the route duration (return minus departure).
    name
        Label for people, e.g. "4.2 m 厢式轻卡".
    """

    capacity_kg: float
    num_available: int = 1
    depot: int = 0
    fixed_cost: float = 0.0
    cost_per_km: float = 1.0
    speed_factor: float = 1.0
    max_speed_kph: float | None = None
    shift_start_s: int = 0
    shift_end_s: int = UNBOUNDED_S
    max_duration_s: int | None = None
    name: str = ""

    def __post_init__(self) -> None:
        if not self.capacity_kg > 0:
            raise _bad("VehicleType.capacity_kg", "> 0", self.capacity_kg)
        if self.num_available < 1:
            raise _bad("VehicleType.num_available", ">= 1", self.num_available)
        if self.depot < 0:
            raise _bad("VehicleType.depot", ">= 0", self.depot)
        if self.fixed_cost < 0 or self.cost_per_km < 0:
            raise _bad("VehicleType costs", ">= 0", (self.fixed_cost, self.cost_per_km))
        if not self.speed_factor > 0:
            raise _bad("VehicleType.speed_factor", "> 0", self.speed_factor)
        if self.max_speed_kph is not None and not self.max_speed_kph > 0:
            raise _bad("VehicleType.max_speed_kph", "> 0 or None", self.max_speed_kph)
        _check_window("VehicleType shift", self.shift_start_s, self.shift_end_s)
        if self.max_duration_s is not None and self.max_duration_s <= 0:
            raise _bad("VehicleType.max_duration_s", "> 0 or None", self.max_duration_s)


def _int_matrix(name: str, value: object, n: int) -> np.ndarray:
    arr = np.asarray(value)
    if arr.shape != (n, n):
        raise _bad(name, f"a square ({n}, {n}) matrix (depots then clients)", arr.shape)
    if not np.issubdtype(arr.dtype, np.integer):
        raise _bad(name, "integer-valued (round it first)", arr.dtype)
    if (arr < 0).any():
        raise _bad(name, ">= 0 everywhere", int(arr.min()))
    out = arr.astype(np.int64, copy=True)
    out.flags.writeable = False
    return out


@dataclass(frozen=True, eq=False)
class RoutingProblem:
    """One vehicle routing problem: depots, clients, vehicle types and matrices.

    Parameters
    ----------
    depots
        At least one depot.
    clients
        Stops to serve.
    vehicle_types
        At least one vehicle type.
    distance_m, duration_s
        Integer ``(n, n)`` matrices over the depots followed by the clients,
        ``n = len(depots) + len(clients)``.

    Examples
    --------
    >>> p = RoutingProblem(
    ...     depots=(Depot(),), clients=(Client(delivery_kg=5),),
    ...     vehicle_types=(VehicleType(capacity_kg=10),),
    ...     distance_m=[[0, 1000], [1000, 0]], duration_s=[[0, 60], [60, 0]])
    >>> p.num_locations
    2
    """

    depots: tuple[Depot, ...]
    clients: tuple[Client, ...]
    vehicle_types: tuple[VehicleType, ...]
    distance_m: np.ndarray
    duration_s: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "depots", tuple(self.depots))
        object.__setattr__(self, "clients", tuple(self.clients))
        object.__setattr__(self, "vehicle_types", tuple(self.vehicle_types))
        if not self.depots:
            raise _bad("depots", "at least one Depot", self.depots)
        if not self.vehicle_types:
            raise _bad("vehicle_types", "at least one VehicleType", self.vehicle_types)
        for t in self.vehicle_types:
            if t.depot >= len(self.depots):
                raise _bad("VehicleType.depot", f"< {len(self.depots)} depots", t.depot)
        n = self.num_locations
        object.__setattr__(self, "distance_m", _int_matrix("distance_m", self.distance_m, n))
        object.__setattr__(self, "duration_s", _int_matrix("duration_s", self.duration_s, n))

    @property
    def num_locations(self) -> int:
        """Depots plus clients."""
        return len(self.depots) + len(self.clients)


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
            raise _bad("distance_m", size, dist.shape)
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


@dataclass(frozen=True)
class RoutingParams:
    """How to solve a :class:`RoutingProblem`.

    Parameters
    ----------
    engine
        ``"pyvrp"``, ``"ortools"`` or ``"auto"`` (PyVRP when installed).
    time_limit_s
        Total search time, > 0. With a coverage target it is shared by the
        ``coverage_steps + 2`` solves (top prize, bisection, final polish).
    max_iterations
        Optional deterministic stop (PyVRP iterations, OR-Tools solutions),
        whichever of it and the time limit comes first.
    coverage_target
        Share in (0, 1] of the clients with ``counts_toward_coverage`` that
        must be visited; the cheapest plan meeting it is sought. ``None``:
        optional clients are visited when their prize pays for it.
    coverage_steps
        Bisection steps on the visit prize, >= 1.
    first_solution
        OR-Tools first-solution strategy, or ``"auto"`` (parallel cheapest
        insertion when time windows or durations bind, path cheapest arc
        otherwise).
    """

    engine: str = "auto"
    time_limit_s: float = 5.0
    max_iterations: int | None = None
    coverage_target: float | None = None
    coverage_steps: int = 5
    first_solution: str = "auto"

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise _bad("engine", f"one of {ENGINES}", self.engine)
        if not self.time_limit_s > 0:
            raise _bad("time_limit_s", "> 0", self.time_limit_s)
        if self.max_iterations is not None and self.max_iterations < 1:
            raise _bad("max_iterations", ">= 1 or None", self.max_iterations)
        if self.coverage_target is not None and not 0 < self.coverage_target <= 1:
            raise _bad("coverage_target", "in (0, 1] or None", self.coverage_target)
        if self.coverage_steps < 1:
            raise _bad("coverage_steps", ">= 1", self.coverage_steps)
        if self.first_solution not in FIRST_SOLUTIONS:
            raise _bad("first_solution", f"one of {FIRST_SOLUTIONS}", self.first_solution)


@dataclass(frozen=True)
class Stop:
    """One client visit on a route (times in seconds, loads in kg)."""

    client: int
    distance_from_prev_m: int
    travel_from_prev_s: int
    arrive_s: int
    start_s: int
    depart_s: int
    delivered_kg: float
    picked_kg: float
    load_after_kg: float


@dataclass(frozen=True)
class Route:
    """One vehicle's route: depot → stops → depot.

    ``load_start_kg`` is what the vehicle carries out of the depot (all the
    deliveries of the route); ``distance_m`` and ``duration_s`` include the
    return leg, whose figures are ``return_distance_m`` and ``return_travel_s``.
    """

    vehicle_type: int
    depot: int
    start_s: int
    end_s: int
    stops: tuple[Stop, ...]
    distance_m: int
    duration_s: int
    load_start_kg: float
    return_distance_m: int
    return_travel_s: int
    cost: float

    @property
    def max_load_kg(self) -> float:
        """Largest on-board load along the route."""
        return max([self.load_start_kg] + [s.load_after_kg for s in self.stops])


@dataclass(frozen=True)
class RoutingResult:
    """Solution of :func:`solve_routes`.

    Attributes
    ----------
    routes
        Non-empty routes.
    cost
        Fixed plus distance costs in yuan (prizes not included).
    status
        ``"feasible"``: every route was re-checked (loads, windows, shifts).
    engine
        The engine that produced it.
    unvisited
        Indices of clients left out.
    coverage
        Share of ``counts_toward_coverage`` clients visited (``None`` if none).
    runtime_s
        Wall time.
    """

    routes: tuple[Route, ...]
    cost: float
    status: str
    engine: str
    unvisited: tuple[int, ...]
    coverage: float | None
    runtime_s: float

    def summary(self) -> str:
        """Return a short text report."""
        dist = sum(r.distance_m for r in self.routes) / 1000
        cov = "n/a" if self.coverage is None else f"{self.coverage:.1%}"
        lines = [
            f"engine {self.engine}, status {self.status}, {self.runtime_s:.1f} s",
            f"routes {len(self.routes)}, distance {dist:.1f} km, cost {self.cost:.2f} yuan",
            f"coverage {cov}, clients left out {len(self.unvisited)}",
        ]
        return "\n".join(lines)

# --------------------------------------------------------------------------
# Results: public records of checked routes
# --------------------------------------------------------------------------


def _route_record(p: RoutingProblem, c: _Compiled, t: int, clients: Sequence[int]) -> Route:
    """Build the public :class:`Route` for a checked sequence."""
    vt = p.vehicle_types[t]
    d = vt.depot
    travel = c.profiles[c.vt_profile[t]]
    nodes = [d] + [c.n_depots + j for j in clients] + [d]
    dist = c.distance[nodes[:-1], nodes[1:]]
    legs = travel[nodes[:-1], nodes[1:]]
    t0, arrive, start, end = _schedule(c, t, clients)
    load = float(sum(p.clients[j].delivery_kg for j in clients))
    load_start, stops = load, []
    for k, j in enumerate(clients):
        cl = p.clients[j]
        load += cl.pickup_kg - cl.delivery_kg
        stops.append(Stop(j, int(dist[k]), int(legs[k]), arrive[k], start[k],
                          start[k] + cl.service_s, cl.delivery_kg, cl.pickup_kg, round(load, 6)))
    total = int(dist.sum())
    return Route(
        vehicle_type=t, depot=d, start_s=t0, end_s=end, stops=tuple(stops),
        distance_m=total, duration_s=end - t0, load_start_kg=load_start,
        return_distance_m=int(dist[-1]), return_travel_s=int(legs[-1]),
        cost=vt.fixed_cost + vt.cost_per_km * total / 1000,
    )



def _result(p: RoutingProblem, c: _Compiled, routes: _Routes, engine: str,
            t0: float) -> RoutingResult:
    records = tuple(_route_record(p, c, t, cl) for t, cl in routes)
    visited = {j for _, cl in routes for j in cl}
    unvisited = tuple(j for j in range(c.n_clients) if j not in visited)
    counted = int(c.counted.sum())
    coverage = sum(int(c.counted[j]) for j in visited) / counted if counted else None
    return RoutingResult(records, round(sum(r.cost for r in records), 6), "feasible", engine,
                         unvisited, coverage, time.perf_counter() - t0)


def _run_with_fallback(c: Any, prizes: np.ndarray, engine: str, params: RoutingParams,
                       seconds: float, seed: int) -> tuple[Any, str]:
    """Run ``engine``; with ``engine="auto"``, try the other engine if it finds nothing.

    PyVRP's penalty search can miss feasibility when every vehicle of a small
    fleet is needed under tight windows (seen on long mountain trunks), where
    OR-Tools' insertion heuristic finds a plan, and vice versa.
    """
    routes = _run_engine(c, prizes, engine, params, seconds, seed)
    if routes is not None or params.engine != "auto":
        return routes, engine
    other = "ortools" if engine == "pyvrp" else "pyvrp"
    if other == "pyvrp":
        from ruralnet._pyvrp_vrp import pyvrp_available

        if not pyvrp_available():
            return None, engine
    log.warning("%s found no feasible plan in %.1f s; trying %s", engine, seconds, other)
    return _run_engine(c, prizes, other, params, seconds, seed), other


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
    ``_CoverageSearch``): the result is the cheapest plan found that visits
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
    engine = _resolve_engine(params.engine)
    part = _Part.of(problem)
    log.info("routing %d clients, %d depots, %d vehicle types with %s", part.c.n_clients,
             part.c.n_depots, len(problem.vehicle_types), engine)
    if params.coverage_target is None:
        routes, used = _run_with_fallback(part.c, part.c.base_prize, engine, params,
                                          params.time_limit_s, seed)
        if routes is None:
            raise _no_solution(engine, params.time_limit_s)
        return _result(problem, part.c, routes, used, started)
    share = params.time_limit_s / (params.coverage_steps + 2)  # λ_hi, bisection, polish

    def solve(pt: _Part, prizes: np.ndarray) -> _Routes:
        found, _ = _run_with_fallback(pt.c, prizes, engine, params, share, seed)
        if found is None:
            raise _no_solution(engine, share)
        return found

    search = _CoverageSearch([part], solve)
    routes = search.meet(params.coverage_target, params.coverage_steps, ("点", "clients"))[0]
    return _result(problem, part.c, routes, engine, started)


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
    c = _compile(problem)
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


# --------------------------------------------------------------------------
# The daily plan's names, re-exported from ruralnet.daily on first use
# --------------------------------------------------------------------------

_DAILY_NAMES = frozenset({
    "MODES", "CoveragePoint", "DailyRoute", "DailyRoutingParams", "DailyRoutingResult",
    "DailyStop", "FleetType", "UnservedVillage", "plan_daily_routes",
})


def __getattr__(name: str):
    """Load the daily plan's names from :mod:`ruralnet.daily` (PEP 562).

    Lazy because :mod:`ruralnet.daily` imports this module; ``from
    ruralnet.routing import FleetType`` keeps working.
    """
    if name in _DAILY_NAMES:
        from ruralnet import daily

        return getattr(daily, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _DAILY_NAMES)

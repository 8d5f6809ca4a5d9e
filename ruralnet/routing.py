"""Daily vehicle routes with two-way loads (县—乡—村 每日配送与农产品上行).

Two layers, both pure functions over integer arrays:

* :func:`solve_routes` solves one routing problem (:class:`RoutingProblem`):
  depots, clients with delivery and pickup, time windows, optional clients
  with prizes or a hard coverage target, heterogeneous vehicle types with
  fixed and per-km costs, speed profiles, shift windows and maximum route
  durations. Two engines sit behind one interface: PyVRP and OR-Tools.
* :func:`plan_daily_routes` plans a county's working day: trunk routes from
  the county warehouse(s) to every township transfer station, then feeder
  routes from each station to the villages of its catchment (leaving only
  after the trunk has arrived plus a handling time), or direct warehouse →
  village routes, and the fleet-versus-coverage curve.

Units inside: distances in metres, durations in seconds, loads in kg at the
interface (integer grams inside the engines), costs in yuan at the interface
(integer 1e-5 yuan inside). Daily results give times in minutes after
midnight, distances in km.

Engine default: ``engine="auto"`` picks PyVRP when it is installed and falls
back to OR-Tools. ``benchmarks/bench_vrp.py`` measured PyVRP markedly closer to
the best-known values than OR-Tools at the same time limit on CVRPLIB X and
Solomon (see that script's docstring for the figures).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ruralnet.exceptions import InfeasibleError, RuralnetError

log = logging.getLogger(__name__)

COST_UNITS_PER_YUAN = 100_000
"""Integer cost units per yuan inside the engines (1e-5 yuan)."""
LOAD_UNITS_PER_KG = 1_000
"""Integer load units per kg inside the engines (grams)."""
UNBOUNDED_S = 7 * 86_400
"""Latest time used when no window is given (one week, in seconds)."""

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
            raise _bad("distance_m", f"({len(perm)}, {len(perm)}) for the locations added", dist.shape)
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
        ``coverage_steps + 1`` solves.
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
        insertion when time windows or durations bind, savings otherwise).
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
# Compilation to integer arrays, shared by both engines
# --------------------------------------------------------------------------


@dataclass(eq=False)
class _Compiled:
    n_depots: int
    n_clients: int
    distance: np.ndarray
    profiles: list[np.ndarray]
    vt_profile: list[int]
    vt_unit_cost: list[int]
    vt_fixed: list[int]
    vt_capacity: list[int]
    vt_num: list[int]
    vt_depot: list[int]
    vt_early: list[int]
    vt_late: list[int]
    vt_max_duration: list[int]
    delivery: np.ndarray
    pickup: np.ndarray
    service: np.ndarray
    tw_early: np.ndarray
    tw_late: np.ndarray
    depot_early: np.ndarray
    depot_late: np.ndarray
    required: np.ndarray
    counted: np.ndarray
    base_prize: np.ndarray
    horizon: int
    time_binds: bool
    service_at_node: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.service_at_node = np.concatenate(
            [np.zeros(self.n_depots, dtype=np.int64), self.service]
        )


def _travel(p: RoutingProblem, t: VehicleType) -> np.ndarray:
    travel = p.duration_s
    if t.speed_factor != 1:
        travel = np.ceil(travel / t.speed_factor).astype(np.int64)
    if t.max_speed_kph is not None:
        capped = np.ceil(p.distance_m * 3.6 / t.max_speed_kph).astype(np.int64)
        travel = np.maximum(travel, capped)
    return travel


def _compile(p: RoutingProblem) -> _Compiled:
    """Turn the problem into the integer arrays both engines read."""
    keys: dict[tuple, int] = {}
    profiles, vt_profile = [], []
    for t in p.vehicle_types:
        key = (t.speed_factor, t.max_speed_kph)
        if key not in keys:
            keys[key] = len(profiles)
            profiles.append(_travel(p, t))
        vt_profile.append(keys[key])
    cl = p.clients
    arr = lambda f, dt=np.int64: np.array([f(c) for c in cl], dtype=dt)  # noqa: E731
    tw_late = arr(lambda c: c.tw_late_s)
    lates = [int(tw_late.max(initial=0))] + [d.tw_late_s for d in p.depots]
    lates += [t.shift_end_s for t in p.vehicle_types]
    horizon = min(UNBOUNDED_S, max(lates))
    vt = p.vehicle_types
    max_dur = [horizon if t.max_duration_s is None else min(t.max_duration_s, horizon) for t in vt]
    time_binds = (
        bool((tw_late < horizon).any() or arr(lambda c: c.tw_early_s).any())
        or any(d < horizon for d in max_dur)
        or any(t.shift_start_s > 0 or t.shift_end_s < horizon for t in vt)
    )
    return _Compiled(
        n_depots=len(p.depots),
        n_clients=len(cl),
        distance=np.asarray(p.distance_m),
        profiles=profiles,
        vt_profile=vt_profile,
        vt_unit_cost=[round(t.cost_per_km * COST_UNITS_PER_YUAN / 1000) for t in vt],
        vt_fixed=[round(t.fixed_cost * COST_UNITS_PER_YUAN) for t in vt],
        vt_capacity=[round(t.capacity_kg * LOAD_UNITS_PER_KG) for t in vt],
        vt_num=[t.num_available for t in vt],
        vt_depot=[t.depot for t in vt],
        vt_early=[t.shift_start_s for t in vt],
        vt_late=[min(t.shift_end_s, horizon) for t in vt],
        vt_max_duration=max_dur,
        delivery=arr(lambda c: round(c.delivery_kg * LOAD_UNITS_PER_KG)),
        pickup=arr(lambda c: round(c.pickup_kg * LOAD_UNITS_PER_KG)),
        service=arr(lambda c: c.service_s),
        tw_early=arr(lambda c: c.tw_early_s),
        tw_late=np.minimum(tw_late, horizon),
        depot_early=np.array([d.tw_early_s for d in p.depots], dtype=np.int64),
        depot_late=np.array([min(d.tw_late_s, horizon) for d in p.depots], dtype=np.int64),
        required=arr(lambda c: c.required, bool),
        counted=arr(lambda c: c.counts_toward_coverage, bool),
        base_prize=arr(lambda c: round(c.prize * COST_UNITS_PER_YUAN)),
        horizon=horizon,
        time_binds=time_binds,
    )


# --------------------------------------------------------------------------
# Route evaluation: schedule, loads, checks (the engines only give sequences)
# --------------------------------------------------------------------------


def _times(c: _Compiled, t: int, clients: Sequence[int], t0: int):
    """Forward pass from departure ``t0``: arrival, start and waiting per stop, end time."""
    travel = c.profiles[c.vt_profile[t]]
    d = c.vt_depot[t]
    nodes = [d] + [c.n_depots + j for j in clients] + [d]
    legs = travel[nodes[:-1], nodes[1:]]
    arrive, start, now = [], [], t0
    for k, j in enumerate(clients):
        a = now + int(legs[k])
        s = max(a, int(c.tw_early[j]))
        arrive.append(a)
        start.append(s)
        now = s + int(c.service[j])
    return arrive, start, now + int(legs[-1])


def _schedule(c: _Compiled, t: int, clients: Sequence[int]):
    """Earliest feasible schedule, then leave as late as waiting allows.

    Delaying departure by ``δ`` moves stop ``k`` by ``max(0, δ - W_k)``, where
    ``W_k`` is the waiting up to and including ``k``; the largest ``δ`` that
    keeps every window and removes waiting is
    ``min(W_total, min_k(W_k + late_k - start_k))``. This minimises the route
    duration for the sequence.
    """
    d = c.vt_depot[t]
    t0 = max(c.vt_early[t], int(c.depot_early[d]))
    arrive, start, end = _times(c, t, clients, t0)
    waits = np.cumsum([s - a for a, s in zip(arrive, start, strict=True)] or [0])
    slack = [int(waits[k]) + int(c.tw_late[j]) - start[k] for k, j in enumerate(clients)]
    delay = max(0, min([int(waits[-1])] + slack))
    if delay:
        t0 += delay
        arrive, start, end = _times(c, t, clients, t0)
    return t0, arrive, start, end


def _violations(c: _Compiled, t: int, clients: Sequence[int]) -> list[str]:
    """Return what the route breaks (empty when feasible)."""
    t0, _, start, end = _schedule(c, t, clients)
    d = c.vt_depot[t]
    out = [f"client {j} starts at {s} > {c.tw_late[j]}" for j, s in zip(clients, start, strict=True)
           if s > c.tw_late[j]]
    if end > min(c.vt_late[t], int(c.depot_late[d])):
        out.append(f"returns at {end} after the shift/depot end")
    if end - t0 > c.vt_max_duration[t]:
        out.append(f"lasts {end - t0} s > {c.vt_max_duration[t]}")
    idx = np.asarray(clients, dtype=np.int64)
    load = c.delivery[idx].sum() + np.cumsum(c.pickup[idx] - c.delivery[idx])
    peak = max(int(c.delivery[idx].sum()), int(load.max(initial=0)))
    if peak > c.vt_capacity[t]:
        out.append(f"load {peak / LOAD_UNITS_PER_KG} kg > capacity")
    return out


def _route_cost(c: _Compiled, t: int, clients: Sequence[int]) -> int:
    """Fixed plus distance cost in integer units."""
    d = c.vt_depot[t]
    nodes = [d] + [c.n_depots + j for j in clients] + [d]
    return c.vt_fixed[t] + c.vt_unit_cost[t] * int(c.distance[nodes[:-1], nodes[1:]].sum())


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


# --------------------------------------------------------------------------
# Engines, feasibility pre-checks, coverage search
# --------------------------------------------------------------------------

_Routes = list[tuple[int, list[int]]]


def _resolve_engine(name: str) -> str:
    if name != "auto":
        return name
    from ruralnet._pyvrp_vrp import pyvrp_available

    return "pyvrp" if pyvrp_available() else "ortools"


def _run_engine(c: _Compiled, prizes: np.ndarray, engine: str, params: RoutingParams,
                time_limit_s: float, seed: int) -> _Routes | None:
    """Run one engine; return checked routes, or ``None`` when it found nothing feasible."""
    if engine == "pyvrp":
        from ruralnet._pyvrp_vrp import solve_pyvrp

        routes, status = solve_pyvrp(c, prizes, time_limit_s=time_limit_s,
                                     max_iterations=params.max_iterations, seed=seed)
    else:
        from ruralnet._ortools_vrp import solve_ortools

        routes, status = solve_ortools(c, prizes, time_limit_s=time_limit_s,
                                       max_iterations=params.max_iterations,
                                       first_solution=params.first_solution)
    if status != "feasible":
        return None
    for t, clients in routes:
        broken = _violations(c, t, clients)
        if broken:  # an engine result we cannot trust is a bug, not a plan
            raise RuralnetError("求解器返回了不可行的路线", f"{engine} returned an infeasible "
                                f"route: {'; '.join(broken)}", engine=engine)
    return routes


def _reachable(c: _Compiled) -> tuple[np.ndarray, np.ndarray]:
    """Per client: can some vehicle serve it alone within windows and capacity?

    Also return the shortest one-way travel time from any vehicle's depot.
    """
    ok = np.zeros(c.n_clients, dtype=bool)
    one_way = np.full(c.n_clients, np.iinfo(np.int64).max)
    cols = c.n_depots + np.arange(c.n_clients)
    for t in range(len(c.vt_capacity)):
        d, travel = c.vt_depot[t], c.profiles[c.vt_profile[t]]
        out, back = travel[d, cols], travel[cols, d]
        t0 = max(c.vt_early[t], int(c.depot_early[d]))
        start = np.maximum(t0 + out, c.tw_early)
        end = start + c.service + back
        fits = (
            (start <= c.tw_late)
            & (end <= min(c.vt_late[t], int(c.depot_late[d])))
            & (out + c.service + back <= c.vt_max_duration[t])
            & (np.maximum(c.delivery, c.pickup) <= c.vt_capacity[t])
        )
        ok |= fits
        one_way = np.minimum(one_way, out)
    return ok, one_way


def _check_required(c: _Compiled, reachable: np.ndarray, one_way: np.ndarray) -> None:
    """Raise before solving when required clients cannot be served at all."""
    bad = np.flatnonzero(c.required & ~reachable)
    if bad.size:
        hours = one_way[bad].max() / 3600
        raise InfeasibleError(
            f"{bad.size} 个必访点无法在班次/时间窗/载重内单独往返（最远单程 {hours:.1f} 小时），"
            "请延长班次或换更大的车",
            f"{bad.size} required stops cannot be served even alone within the shift, windows "
            f"and capacity (farthest one-way {hours:.1f} h); lengthen the shift or use larger "
            "vehicles", constraint="reachability", clients=bad.tolist(),
        )
    need = c.delivery[c.required].sum(), c.pickup[c.required].sum()
    fleet = sum(n * cap for n, cap in zip(c.vt_num, c.vt_capacity, strict=True))
    if max(need) > fleet:
        kg = max(need) / LOAD_UNITS_PER_KG
        raise InfeasibleError(
            f"必访点货量 {kg:.0f} kg 超过车队总载重 {fleet / LOAD_UNITS_PER_KG:.0f} kg",
            f"required stops need {kg:.0f} kg but the fleet carries "
            f"{fleet / LOAD_UNITS_PER_KG:.0f} kg a day", constraint="capacity",
        )


@dataclass(eq=False)
class _Part:
    """One sub-problem of a coverage search (a whole problem, or one station's catchment)."""

    problem: RoutingProblem
    c: _Compiled
    reachable: np.ndarray
    one_way: np.ndarray

    @classmethod
    def of(cls, problem: RoutingProblem) -> _Part:
        c = _compile(problem)
        ok, one_way = _reachable(c)
        _check_required(c, ok, one_way)
        return cls(problem, c, ok, one_way)

    def covered(self, routes: _Routes) -> int:
        return sum(int(self.c.counted[j]) for _, cl in routes for j in cl)


def _shortfall_error(parts: list[_Part], routes: list[_Routes], need: int, total: int,
                     target: float, what: tuple[str, str]) -> InfeasibleError:
    """Explain, with figures, why the coverage target cannot be met."""
    zh_what, en_what = what
    unreach = sum(int((p.c.counted & ~p.reachable).sum()) for p in parts)
    covered = sum(p.covered(r) for p, r in zip(parts, routes, strict=True))
    n_routes = sum(len(r) for r in routes)
    fleet = sum(sum(p.c.vt_num) for p in parts)
    if total - unreach < need:
        far = [p.one_way[p.c.counted & ~p.reachable] for p in parts]
        hours = min(int(f.min()) for f in far if f.size) / 3600
        return InfeasibleError(
            f"覆盖率 {target:.0%} 需服务 {need}/{total} 个{zh_what}，但有 {unreach} 个在班次内"
            f"无法往返（单程至少 {hours:.1f} 小时），最多只能覆盖 {total - unreach} 个；"
            "请延长班次、增设站点或降低目标",
            f"coverage {target:.0%} needs {need} of {total} {en_what}, but {unreach} cannot be "
            f"reached and brought back within the shift (each at least {hours:.1f} h one way), "
            f"so at most {total - unreach} can be served; lengthen the shift, add stations or "
            "lower the target", constraint="reachability", unreachable=unreach, need=need,
        )
    per_route = covered / n_routes if n_routes else 1.0
    more = max(1, math.ceil((need - covered) / max(per_route, 1.0)))
    return InfeasibleError(
        f"覆盖率 {target:.0%} 需服务 {need}/{total} 个{zh_what}，现有车队（{fleet} 辆）和班次"
        f"最多服务 {covered} 个（出车 {n_routes} 辆）；约需再增加 {more} 辆车",
        f"coverage {target:.0%} needs {need} of {total} {en_what}; the fleet ({fleet} "
        f"vehicles) and shift served at most {covered} ({n_routes} routes); about {more} more "
        "vehicles are needed", constraint="fleet", need=need, covered=covered, more_vehicles=more,
    )


def _trim(parts: list[_Part], routes: list[_Routes], need: int) -> list[_Routes]:
    """Drop the counted optional visits that save most while coverage stays >= need."""
    routes = [[(t, list(cl)) for t, cl in r] for r in routes]
    covered = sum(p.covered(r) for p, r in zip(parts, routes, strict=True))
    while covered > need:
        best = None
        for pi, (p, rs) in enumerate(zip(parts, routes, strict=True)):
            for ri, (t, cl) in enumerate(rs):
                base = _route_cost(p.c, t, cl)
                for k, j in enumerate(cl):
                    if p.c.required[j] or not p.c.counted[j]:
                        continue
                    rest = cl[:k] + cl[k + 1:]
                    saving = base - (_route_cost(p.c, t, rest) if rest else 0)
                    if saving > 0 and (best is None or saving > best[0]):
                        if not rest or not _violations(p.c, t, rest):
                            best = (saving, pi, ri, k)
        if best is None:
            break
        _, pi, ri, k = best
        t, cl = routes[pi][ri]
        del cl[k]
        if not cl:
            del routes[pi][ri]
        covered -= 1
    return routes


class _CoverageSearch:
    """Bisection on a uniform visit prize λ shared by all parts (Lagrangian coverage).

    At prize λ each part maximises ``λ × visits − cost``; coverage grows with
    λ. The smallest λ meeting the target gives (up to the duality gap and
    search error) the cheapest plan with that coverage; a greedy trim then
    removes surplus visits. Solutions are cached by λ so that a curve over
    several targets reuses them.
    """

    def __init__(self, parts: list[_Part], solve: Callable[[_Part, np.ndarray], _Routes]):
        self.parts, self.solve, self.cache = parts, solve, {}
        self.total = sum(int(p.c.counted.sum()) for p in parts)
        self.required = sum(int((p.c.counted & p.c.required).sum()) for p in parts)
        span = max(int(p.c.distance.max(initial=0)) for p in parts)
        unit = max(max(p.c.vt_unit_cost) for p in parts)
        fixed = max(max(p.c.vt_fixed) for p in parts)
        self.lam_hi = fixed + 2 * unit * span + 1

    def at(self, lam: int) -> list[_Routes]:
        if lam not in self.cache:
            self.cache[lam] = [
                self.solve(p, p.c.base_prize + lam * (p.c.counted & ~p.c.required))
                for p in self.parts
            ]
        return self.cache[lam]

    def cost(self, routes: list[_Routes]) -> int:
        return sum(_route_cost(p.c, t, cl) for p, r in zip(self.parts, routes, strict=True)
                   for t, cl in r)

    def covered(self, routes: list[_Routes]) -> int:
        return sum(p.covered(r) for p, r in zip(self.parts, routes, strict=True))

    def need(self, target: float) -> int:
        return math.ceil(target * self.total - 1e-9)

    def meet(self, target: float, steps: int, what: tuple[str, str]) -> list[_Routes]:
        """Return the cheapest routes found with coverage >= target, or raise."""
        need = self.need(target)
        hi_routes = self.at(self.lam_hi)
        if self.covered(hi_routes) < need:
            raise _shortfall_error(self.parts, hi_routes, need, self.total, target, what)
        best, lo, hi = hi_routes, 0, self.lam_hi
        for _ in range(steps):
            mid = (lo + hi) // 2
            routes = self.at(mid)
            if self.covered(routes) >= need:
                hi = mid
                best = min(best, routes, key=self.cost)
            else:
                lo = mid
        return _trim(self.parts, best, need)


def _result(p: RoutingProblem, c: _Compiled, routes: _Routes, engine: str, t0: float) -> RoutingResult:
    records = tuple(_route_record(p, c, t, cl) for t, cl in routes)
    visited = {j for _, cl in routes for j in cl}
    unvisited = tuple(j for j in range(c.n_clients) if j not in visited)
    counted = int(c.counted.sum())
    coverage = sum(int(c.counted[j]) for j in visited) / counted if counted else None
    return RoutingResult(records, round(sum(r.cost for r in records), 6), "feasible", engine,
                         unvisited, coverage, time.perf_counter() - t0)


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
        routes = _run_engine(part.c, part.c.base_prize, engine, params, params.time_limit_s, seed)
        if routes is None:
            raise _no_solution(engine, params.time_limit_s)
        return _result(problem, part.c, routes, engine, started)
    share = params.time_limit_s / (params.coverage_steps + 1)

    def solve(pt: _Part, prizes: np.ndarray) -> _Routes:
        found = _run_engine(pt.c, prizes, engine, params, share, seed)
        if found is None:
            raise _no_solution(engine, share)
        return found

    search = _CoverageSearch([part], solve)
    routes = search.meet(params.coverage_target, params.coverage_steps, ("点", "clients"))[0]
    return _result(problem, part.c, routes, engine, started)


def _no_solution(engine: str, seconds: float) -> InfeasibleError:
    return InfeasibleError(
        f"{engine} 在 {seconds:.1f} 秒内未找到满足所有必访点、时间窗和载重的方案；"
        "请增加车辆、放宽时间窗或延长求解时间",
        f"{engine} found no plan serving every required stop within windows and capacity in "
        f"{seconds:.1f} s; add vehicles, widen windows or allow more time",
        constraint="required", engine=engine,
    )


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

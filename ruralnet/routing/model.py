"""The routing problem model: depots, clients, vehicle types, parameters and results.

:class:`RoutingProblem` (or the step-by-step :class:`RoutingModel`) describes
one vehicle routing problem with two-way loads; :class:`RoutingParams` says
how to solve it; :class:`RoutingResult` holds checked :class:`Route` records
of :class:`Stop` visits. Solved by :func:`ruralnet.routing.solve.solve_routes`.

Units: distances in metres, durations in seconds, loads in kg, costs in yuan.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ruralnet._validate import bad_value, int_matrix

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



def _check_window(owner: str, early: int, late: int) -> None:
    if not 0 <= early <= late:
        raise bad_value(f"{owner} window", "0 <= early <= late", (early, late))


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
                raise bad_value(f"Client.{name}", ">= 0", value)
        if self.service_s < 0:
            raise bad_value("Client.service_s", ">= 0", self.service_s)
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
        Optional cap on the route duration (return minus departure); with
        ``max_trips > 1`` it caps the vehicle's whole working span (first
        departure to last return), as PyVRP's ``shift_duration`` does.
    name
        Label for people, e.g. "4.2 m 厢式轻卡".
    max_trips
        Trips the vehicle may make in its shift, >= 1 (1: one route a day).
        Between trips it returns to its depot, unloads the goods collected
        and loads the next trip's parcels; the load limit holds on every
        trip in both directions. PyVRP models it with reload depots, OR-Tools
        with one chained vehicle per trip.
    reload_s
        Time at the depot between two trips (unloading and reloading), s.
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
    max_trips: int = 1
    reload_s: int = 0

    def __post_init__(self) -> None:
        if self.max_trips < 1:
            raise bad_value("VehicleType.max_trips", ">= 1", self.max_trips)
        if self.reload_s < 0:
            raise bad_value("VehicleType.reload_s", ">= 0", self.reload_s)
        if not self.capacity_kg > 0:
            raise bad_value("VehicleType.capacity_kg", "> 0", self.capacity_kg)
        if self.num_available < 1:
            raise bad_value("VehicleType.num_available", ">= 1", self.num_available)
        if self.depot < 0:
            raise bad_value("VehicleType.depot", ">= 0", self.depot)
        if self.fixed_cost < 0 or self.cost_per_km < 0:
            raise bad_value("VehicleType costs", ">= 0", (self.fixed_cost, self.cost_per_km))
        if not self.speed_factor > 0:
            raise bad_value("VehicleType.speed_factor", "> 0", self.speed_factor)
        if self.max_speed_kph is not None and not self.max_speed_kph > 0:
            raise bad_value("VehicleType.max_speed_kph", "> 0 or None", self.max_speed_kph)
        _check_window("VehicleType shift", self.shift_start_s, self.shift_end_s)
        if self.max_duration_s is not None and self.max_duration_s <= 0:
            raise bad_value("VehicleType.max_duration_s", "> 0 or None", self.max_duration_s)


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
            raise bad_value("depots", "at least one Depot", self.depots)
        if not self.vehicle_types:
            raise bad_value("vehicle_types", "at least one VehicleType", self.vehicle_types)
        for t in self.vehicle_types:
            if t.depot >= len(self.depots):
                raise bad_value("VehicleType.depot", f"< {len(self.depots)} depots", t.depot)
        n = self.num_locations
        object.__setattr__(self, "distance_m", int_matrix("distance_m", self.distance_m, n))
        object.__setattr__(self, "duration_s", int_matrix("duration_s", self.duration_s, n))

    @property
    def num_locations(self) -> int:
        """Depots plus clients."""
        return len(self.depots) + len(self.clients)


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
    no_improvement
        Optional deterministic stop of PyVRP after this many iterations
        without a better solution (``pyvrp.stop.NoImprovement``), >= 1.
    """

    engine: str = "auto"
    time_limit_s: float = 5.0
    max_iterations: int | None = None
    coverage_target: float | None = None
    coverage_steps: int = 5
    first_solution: str = "auto"
    no_improvement: int | None = None

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise bad_value("engine", f"one of {ENGINES}", self.engine)
        if not self.time_limit_s > 0:
            raise bad_value("time_limit_s", "> 0", self.time_limit_s)
        if self.max_iterations is not None and self.max_iterations < 1:
            raise bad_value("max_iterations", ">= 1 or None", self.max_iterations)
        if self.coverage_target is not None and not 0 < self.coverage_target <= 1:
            raise bad_value("coverage_target", "in (0, 1] or None", self.coverage_target)
        if self.coverage_steps < 1:
            raise bad_value("coverage_steps", ">= 1", self.coverage_steps)
        if self.first_solution not in FIRST_SOLUTIONS:
            raise bad_value("first_solution", f"one of {FIRST_SOLUTIONS}", self.first_solution)
        if self.no_improvement is not None and self.no_improvement < 1:
            raise bad_value("no_improvement", ">= 1 or None", self.no_improvement)


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
    """One trip of a vehicle: depot → stops → depot.

    ``load_start_kg`` is what the vehicle carries out of the depot (all the
    deliveries of the trip); ``distance_m`` and ``duration_s`` include the
    return leg, whose figures are ``return_distance_m`` and ``return_travel_s``.
    A vehicle with several trips (``VehicleType.max_trips > 1``) gives one
    :class:`Route` per trip, with the same ``vehicle`` and ``trip`` 0, 1, …;
    the vehicle's fixed cost is in the ``cost`` of its trip 0 only.
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
    vehicle: int = 0
    trip: int = 0

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
        Non-empty routes, one per trip (see :class:`Route`).
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

    @property
    def vehicles(self) -> int:
        """Vehicles used (a vehicle with several trips counts once)."""
        return len({r.vehicle for r in self.routes})

    def summary(self) -> str:
        """Return a short text report."""
        dist = sum(r.distance_m for r in self.routes) / 1000
        cov = "n/a" if self.coverage is None else f"{self.coverage:.1%}"
        lines = [
            f"engine {self.engine}, status {self.status}, {self.runtime_s:.1f} s",
            f"routes {len(self.routes)} ({self.vehicles} vehicles), distance {dist:.1f} km, "
            f"cost {self.cost:.2f} yuan",
            f"coverage {cov}, clients left out {len(self.unvisited)}",
        ]
        return "\n".join(lines)


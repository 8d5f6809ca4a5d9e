"""A county's working day of two-way routes (县—乡—村 每日配送与农产品上行).

:func:`plan_daily_routes` plans the day: trunk routes from the county
warehouse(s) to every township transfer station, then feeder routes from each
station to the villages of its catchment (leaving only after the trunk has
arrived plus a handling time), or direct warehouse → village routes, and the
fleet-versus-coverage curve. Each tier is a :class:`~ruralnet.routing.solve.RoutingProblem`
solved with the machinery of :mod:`ruralnet.routing.solve` and
:mod:`ruralnet.routing.compiled` (the feeder tier's coverage target is met by its
:class:`~ruralnet.routing.compiled._CoverageSearch` over all stations at once).

Here: :class:`FleetType`, :class:`DailyRoutingParams`, the results
(:class:`DailyStop`, :class:`DailyRoute`, :class:`UnservedVillage`,
:class:`CoveragePoint`, :class:`DailyRoutingResult`) and
:func:`plan_daily_routes`. :mod:`ruralnet.routing.solve` re-exports them all, so
``from ruralnet.routing.solve import FleetType`` works as before.

Units: inputs as in :mod:`ruralnet.routing.solve` (integer metres and seconds,
kg); daily results give times in minutes after midnight, distances in km,
costs in yuan.

Why this module is long: the trunk and feeder tiers are synchronised (feeders leave after
the trunk arrives): both tiers, the direct mode and the fleet curve share the county's
compiled arrays.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from ruralnet._validate import bad_value, int_matrix
from ruralnet.exceptions import InfeasibleError
from ruralnet.routing.model import (
    COST_UNITS_PER_YUAN,
    ENGINES,
    Client,
    Depot,
    Route,
    RoutingParams,
    RoutingProblem,
    RoutingResult,
    VehicleType,
)
from ruralnet.routing.search import (
    CoverageSearch,
    Part,
    Routes,
    no_solution_error,
    resolve_engine,
)
from ruralnet.routing.solve import route_records, run_with_fallback, solve_routes
from ruralnet.routing.split import split_loads

log = logging.getLogger(__name__)

__all__ = [
    "CoveragePoint", "DailyRoute", "DailyRoutingParams", "DailyRoutingResult", "DailyStop",
    "FleetType", "UnservedVillage", "plan_daily_routes",
]

MODES = ("two_tier", "direct", "auto")


@dataclass(frozen=True)
class FleetType:
    """A vehicle kind available at every depot of a tier.

    Parameters
    ----------
    name
        E.g. "4.2 m 厢式轻卡", "面包车", "电动三轮", "客车带货".
    capacity_kg
        Load limit, kg.
    num_available
        Vehicles per depot (per warehouse for trunks, per station for feeders).
    fixed_cost_yuan
        Daily cost of using one vehicle (driver, depreciation).
    cost_per_km_yuan
        Running cost per km.
    speed_factor, max_speed_kph
        As in :class:`VehicleType` (an electric tricycle: ``max_speed_kph=15``;
        a passenger bus carrying parcels: its own, lower ``cost_per_km_yuan``).
    max_duration_min
        Optional cap on one route's duration (with ``max_trips > 1``, on the
        vehicle's whole working span).
    max_trips
        Trips one vehicle may make in the day, >= 1 (default 1: one route a
        day). A feeder returns to its station, unloads the farm products,
        loads the next trip's parcels and goes out again within the shift;
        the load limit holds on every trip both ways. Both engines.
    reload_min
        Time at the depot between two trips. The default 15 min is an
        assumption (unloading ~20–60 kg of products and loading ~180 kg of
        sorted parcels by hand), not a measured figure.
    """

    name: str
    capacity_kg: float
    num_available: int = 1
    fixed_cost_yuan: float = 0.0
    cost_per_km_yuan: float = 1.0
    speed_factor: float = 1.0
    max_speed_kph: float | None = None
    max_duration_min: float | None = None
    max_trips: int = 1
    reload_min: float = 15.0

    def __post_init__(self) -> None:
        self.vehicle_type(0, 0, 60)  # validates through VehicleType

    def vehicle_type(self, depot: int, shift_start_s: int, shift_end_s: int) -> VehicleType:
        """Return the :class:`VehicleType` of this fleet at one depot."""
        return VehicleType(
            capacity_kg=self.capacity_kg, num_available=self.num_available, depot=depot,
            fixed_cost=self.fixed_cost_yuan, cost_per_km=self.cost_per_km_yuan,
            speed_factor=self.speed_factor, max_speed_kph=self.max_speed_kph,
            shift_start_s=shift_start_s, shift_end_s=shift_end_s,
            max_duration_s=None if self.max_duration_min is None
            else round(self.max_duration_min * 60), name=self.name,
            max_trips=self.max_trips, reload_s=round(self.reload_min * 60),
        )


@dataclass(frozen=True)
class DailyRoutingParams:
    """Options of :func:`plan_daily_routes` (times in minutes after midnight).

    Parameters
    ----------
    mode
        ``"two_tier"`` (warehouse → stations → villages), ``"direct"``
        (warehouse → villages, for plains counties such as 灌云) or ``"auto"``
        (both, keep the cheaper).
    day_start_min, day_end_min
        Working day; every route of both tiers lies inside it (07:00–18:00).
    handling_min
        Sorting time at a station between the trunk's arrival and the first
        feeder departure.
    station_service_min, village_service_min
        Stop times of a trunk at a station and of a feeder at a village.
    trunk_arrival_by_min
        Latest trunk arrival at every station (``None``: no limit), so that
        feeders keep enough of the day.
    coverage_target
        Share of villages (``kind == "village"``) to serve, in (0, 1].
    curve_targets
        Targets of the fleet-versus-coverage curve.
    engine
        As in :class:`RoutingParams`.
    trunk_time_limit_s, feeder_time_limit_s, direct_time_limit_s
        Wall-clock safety limits of the trunk solve; of one station's feeder
        solve at one prize; of the whole direct search (split over its
        solves). Set far above what the iteration caps need, so that the
        caps decide and the plan is reproducible on any machine load; a limit
        that bites is recorded (:func:`ruralnet._clock.clock_bit`).
    max_iterations, direct_max_iterations
        Iteration budget per trunk/feeder solve and per direct solve (the
        stop that decides; ``None`` leaves only the clock, not reproducible).
    coverage_steps, curve_steps
        Bisection steps for the target and for each curve point.
    community_prize_yuan
        Value of serving a community (not counted toward coverage).
    workers
        Processes solving the feeder tier's independent station problems of
        the coverage search at the same time (``1``: all in this process).
        The plan does not depend on it (every solve has its own seed and
        iteration budget).
    grow_trunk_fleet
        When the trunk tier is infeasible with the listed trucks, retry with
        up to one truck per station delivery (far-apart stations that must
        each be reached by the cut-off, e.g. 阿勒泰市). ``False`` (a fleet the
        planner listed is a limit: the plan stops and says so); the planner
        sets it for the package's default fleet, whose size is an assumption.

    Notes
    -----
    Time, measured on a synthetic county of 安溪's size (1 warehouse, 24
    stations, 490 villages, 30 kg down and 8 kg up per village, vans and
    electric tricycles, 2-core machine shared with other jobs): two-tier
    with the default curve 14 s with PyVRP, 62 s with OR-Tools (whose
    iterations are slower: use ``max_iterations=100`` with it). Direct mode
    over 490 villages took 33 s with PyVRP; ``"auto"`` runs both modes.
    ``curve_targets=()`` skips the curve.

    Budget calibration (2026-12, 2-core machine under a load average of 8):
    the 安溪 default plan makes 471 PyVRP solves; 300 iterations need
    0.048 CPU s per solve at the median and 0.16 s at most, so the former
    0.5 s feeder limit bit on 3–11 solves per run under that load. The
    safety limits are now 10 s (feeder) and 60 s (trunk), > 60x the CPU
    need, and the run takes the same time as before. Direct mode: 200
    iterations on 500 clients take 0.5 CPU s, so 2000 iterations never fit
    the former 2.9 s per solve (the clock decided); the budget is now 1000
    iterations (about the former time) under a 300 s safety limit.

    Solve re-use (2026-12): the coverage search no longer solves a station
    whose answer its neighbouring prizes already imply, nor polishes a
    station the trim left alone (see ``CoverageSearch``): the 安溪 default
    now makes 190 feeder solves instead of about 456, with the same plan
    (19,864.66 yuan/day, 80.14 % of 443 行政村); ``workers=2`` solves the
    stations in two processes.
    """

    mode: str = "two_tier"
    day_start_min: int = 420
    day_end_min: int = 1080
    handling_min: int = 30
    station_service_min: int = 15
    village_service_min: int = 5
    trunk_arrival_by_min: int | None = 600
    coverage_target: float = 0.8
    curve_targets: tuple[float, ...] = (0.8, 0.9, 0.95, 1.0)
    engine: str = "auto"
    trunk_time_limit_s: float = 60.0
    feeder_time_limit_s: float = 10.0
    direct_time_limit_s: float = 300.0
    max_iterations: int | None = 300
    direct_max_iterations: int | None = 1000
    coverage_steps: int = 5
    curve_steps: int = 3
    community_prize_yuan: float = 0.0
    workers: int = 1
    grow_trunk_fleet: bool = False

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise bad_value("mode", f"one of {MODES}", self.mode)
        if not 0 <= self.day_start_min < self.day_end_min <= 1440:
            raise bad_value("day_start_min, day_end_min", "0 <= start < end <= 1440",
                       (self.day_start_min, self.day_end_min))
        for name in ("handling_min", "station_service_min", "village_service_min"):
            if getattr(self, name) < 0:
                raise bad_value(name, ">= 0", getattr(self, name))
        by = self.trunk_arrival_by_min
        if by is not None and not self.day_start_min <= by <= self.day_end_min:
            raise bad_value("trunk_arrival_by_min", "inside the working day or None", by)
        for t in (self.coverage_target, *self.curve_targets):
            if not 0 < t <= 1:
                raise bad_value("coverage_target/curve_targets", "in (0, 1]", t)
        if self.engine not in ENGINES:
            raise bad_value("engine", f"one of {ENGINES}", self.engine)
        for name in ("trunk_time_limit_s", "feeder_time_limit_s", "direct_time_limit_s"):
            if not getattr(self, name) > 0:
                raise bad_value(name, "> 0", getattr(self, name))
        for name in ("max_iterations", "direct_max_iterations"):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                raise bad_value(name, ">= 1 or None", getattr(self, name))
        if self.coverage_steps < 1 or self.curve_steps < 1:
            raise bad_value("coverage_steps/curve_steps", ">= 1", (self.coverage_steps,
                                                              self.curve_steps))
        if self.community_prize_yuan < 0:
            raise bad_value("community_prize_yuan", ">= 0", self.community_prize_yuan)
        if not 1 <= self.workers <= 64:
            raise bad_value("workers", "1..64", self.workers)


@dataclass(frozen=True)
class DailyStop:
    """A stop of a daily route; ``point`` indexes the input point list."""

    point: int
    km_from_prev: float
    travel_min_from_prev: float
    arrive_min: float
    depart_min: float
    deliver_kg: float
    pickup_kg: float
    load_after_kg: float


@dataclass(frozen=True)
class DailyRoute:
    """One trip of a vehicle: everything plan.json's route record needs.

    ``depart_min``/``return_min`` are at the depot; ``distance_km`` and
    ``duration_min`` include the return leg (``return_km``,
    ``return_travel_min``); ``load_out_kg`` is the load leaving the depot.
    ``vehicle`` names the vehicle and ``trip`` (1, 2, …) the trip: a vehicle
    with one trip has ``id == vehicle``; one with several has ids
    ``<vehicle>.1``, ``<vehicle>.2``, … and its fixed cost in trip 1.
    """

    id: str
    tier: str
    vehicle_type: str
    capacity_kg: float
    depot_point: int
    depart_min: float
    return_min: float
    distance_km: float
    duration_min: float
    load_out_kg: float
    return_km: float
    return_travel_min: float
    cost_yuan: float
    stops: tuple[DailyStop, ...]
    vehicle: str = ""
    trip: int = 1

    def __post_init__(self) -> None:
        if not self.vehicle:
            object.__setattr__(self, "vehicle", self.id)


@dataclass(frozen=True)
class UnservedVillage:
    """A village or community without a route, and why (``reason`` is a code)."""

    point: int
    reason: str
    zh: str
    en: str


@dataclass(frozen=True)
class CoveragePoint:
    """One point of the fleet-versus-coverage curve (``None`` when unreachable)."""

    target: float
    reached: bool
    coverage: float | None
    cost_yuan: float | None
    vehicles: int | None


@dataclass(frozen=True)
class DailyRoutingResult:
    """The day's routes of both tiers, coverage, cost and the coverage curve.

    ``station_ready_min`` maps each station point to the earliest feeder
    departure (trunk arrival + handling); empty in direct mode.
    """

    mode: str
    engine: str
    routes: tuple[DailyRoute, ...]
    villages_total: int
    villages_served: int
    communities_served: int
    coverage: float
    cost_yuan: float
    vehicles_by_type: dict[str, int]
    unserved: tuple[UnservedVillage, ...]
    curve: tuple[CoveragePoint, ...]
    station_ready_min: dict[int, float]
    runtime_s: float

    def to_geodataframe(self, xy: Sequence[Sequence[float]], *, crs: str = "EPSG:4326"):
        """Return one row per route with a straight-line ``LineString`` through its stops.

        Parameters
        ----------
        xy
            ``(x, y)`` (longitude, latitude for EPSG:4326) of every point of
            the county's point list, in the order the matrices use.
        crs
            CRS of ``xy``.

        Returns
        -------
        geopandas.GeoDataFrame
            Columns id, tier, vehicle_type, capacity_kg, depot_point,
            depart_min, return_min, distance_km, duration_min, cost_yuan,
            n_stops, geometry (the line joins stops, it does not follow roads).
        """
        import geopandas as gpd
        from shapely.geometry import LineString

        rows = []
        for r in self.routes:
            path = [r.depot_point] + [s.point for s in r.stops] + [r.depot_point]
            rows.append({
                "id": r.id, "tier": r.tier, "vehicle_type": r.vehicle_type,
                "capacity_kg": r.capacity_kg, "depot_point": r.depot_point,
                "depart_min": r.depart_min, "return_min": r.return_min,
                "distance_km": r.distance_km, "duration_min": r.duration_min,
                "cost_yuan": r.cost_yuan, "n_stops": len(r.stops),
                "geometry": LineString([tuple(xy[q]) for q in path]),
            })
        return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)

    def summary(self) -> str:
        """Return a short text report."""
        tiers = {t: sum(r.tier == t for r in self.routes) for t in ("trunk", "feeder", "direct")}
        lines = [
            f"mode {self.mode} ({self.engine}), {self.runtime_s:.1f} s",
            f"routes: {tiers['trunk']} trunk, {tiers['feeder']} feeder, {tiers['direct']} direct",
            f"villages served {self.villages_served}/{self.villages_total} "
            f"({self.coverage:.1%}), communities {self.communities_served}",
            f"cost {self.cost_yuan:.2f} yuan/day, vehicles "
            + ", ".join(f"{k} {v}" for k, v in self.vehicles_by_type.items()),
        ]
        for p in self.curve:
            fig = (f"{p.coverage:.1%}, {p.cost_yuan:.2f} yuan, {p.vehicles} vehicles"
                   if p.reached else "not reachable with this fleet")
            lines.append(f"  target {p.target:.0%}: {fig}")
        return "\n".join(lines)


@dataclass(eq=False)
class _County:
    """Validated inputs of :func:`plan_daily_routes`."""

    distance: np.ndarray
    duration: np.ndarray
    warehouses: list[int]
    stations: list[int]
    villages: list[int]
    delivery: np.ndarray
    pickup: np.ndarray
    catchments: list[list[int]]
    counted: np.ndarray
    station_delivery: np.ndarray
    station_pickup: np.ndarray
    required: np.ndarray
    names: tuple[str, ...] = ()

    def name(self, q: int) -> str:
        """Label of point ``q`` for messages (its name when given, else ``#q``)."""
        return self.names[q] if self.names else f"#{q}"

    def sub(self, points: list[int]) -> tuple[np.ndarray, np.ndarray]:
        ix = np.ix_(points, points)
        return self.distance[ix], self.duration[ix]


def _county(distance_m, duration_s, warehouses, stations, villages, delivery_kg, pickup_kg,
            catchments, village_kinds, station_delivery_kg, station_pickup_kg,
            required_villages=None, point_names=None) -> _County:
    n = np.asarray(distance_m).shape[0] if np.ndim(distance_m) == 2 else -1
    dist = int_matrix("distance_m", distance_m, n)
    dur = int_matrix("duration_s", duration_s, n)
    wh, st, vi = (list(map(int, x)) for x in (warehouses, stations, villages))
    for name, pts in (("warehouses", wh), ("stations", st), ("villages", vi)):
        if any(not 0 <= q < n for q in pts):
            raise bad_value(name, f"point indices in [0, {n})", pts)
    if not wh:
        raise bad_value("warehouses", "at least one point", wh)
    if len(set(wh + st + vi)) != len(wh) + len(st) + len(vi):
        raise bad_value("warehouses/stations/villages", "disjoint point sets", "overlap")

    def per(name, values, size, default=0.0):
        arr = np.full(size, default, float) if values is None else np.asarray(values, float)
        if arr.shape != (size,) or (arr < 0).any() or not np.isfinite(arr).all():
            raise bad_value(name, f"{size} finite values >= 0", arr.shape)
        return arr

    kinds = ["village"] * len(vi) if village_kinds is None else list(village_kinds)
    if len(kinds) != len(vi):
        raise bad_value("village_kinds", f"{len(vi)} entries", len(kinds))
    if len(catchments) != len(st):
        raise bad_value("catchments", f"one list per station ({len(st)})", len(catchments))
    pos = {q: i for i, q in enumerate(vi)}
    members = [[pos.get(int(q), -1) for q in cat] for cat in catchments]
    flat = [m for cat in members for m in cat]
    if -1 in flat or len(set(flat)) != len(flat):
        raise bad_value("catchments", "village points, each in at most one catchment", catchments)
    required = np.zeros(len(vi), dtype=bool)
    for q in required_villages or ():
        if int(q) not in pos:
            raise bad_value("required_villages", "village point indices", q)
        required[pos[int(q)]] = True
    return _County(dist, dur, wh, st, vi, per("delivery_kg", delivery_kg, len(vi)),
                   per("pickup_kg", pickup_kg, len(vi)), members,
                   np.array([k == "village" for k in kinds], dtype=bool),
                   per("station_delivery_kg", station_delivery_kg, len(st)),
                   per("station_pickup_kg", station_pickup_kg, len(st)), required,
                   _names(point_names, n))


def _names(point_names, n: int) -> tuple[str, ...]:
    names = tuple(str(x) for x in point_names or ())
    if names and len(names) != n:
        raise bad_value("point_names", f"empty or one label per point ({n})", len(names))
    return names


def _daily_route(route: Route, rid: str, tier: str, vt: VehicleType, points: list[int],
                 n_depots: int, vehicle: str = "", trip: int = 1) -> DailyRoute:
    """Convert a sub-problem :class:`Route` to minutes, km and point indices.

    ``points`` lists the sub-problem's locations (depots first) as indices
    into the county's point list.
    """
    m = lambda s: round(s / 60, 2)  # noqa: E731
    stops = tuple(
        DailyStop(points[n_depots + s.client], s.distance_from_prev_m / 1000,
                  m(s.travel_from_prev_s), m(s.arrive_s), m(s.depart_s), s.delivered_kg,
                  s.picked_kg, s.load_after_kg)
        for s in route.stops
    )
    return DailyRoute(rid, tier, vt.name, vt.capacity_kg, points[route.depot], m(route.start_s),
                      m(route.end_s), route.distance_m / 1000, m(route.duration_s),
                      route.load_start_kg, route.return_distance_m / 1000,
                      m(route.return_travel_s), round(route.cost, 6), stops, vehicle or rid,
                      trip)


def _trip_routes(records: Sequence[Route], vid: str, tier: str, vt: VehicleType,
                 points: list[int], n_depots: int) -> list[DailyRoute]:
    """Daily routes of one vehicle's trips (ids ``vid`` or ``vid.1``, ``vid.2``, …)."""
    many = len(records) > 1
    return [_daily_route(rec, f"{vid}.{rec.trip + 1}" if many else vid, tier, vt, points,
                         n_depots, vid, rec.trip + 1) for rec in records]


def _part_solver(engine: str, time_limit_s: float, max_iterations: int | None, seed: int,
                 requested: str = "auto"):
    """Return a solve function for the coverage search (``requested="auto"``: engine fallback)."""
    params = RoutingParams(engine=requested, time_limit_s=time_limit_s,
                           max_iterations=max_iterations)

    def solve(part: Part, prizes: np.ndarray) -> Routes:
        found, _ = run_with_fallback(part.c, prizes, engine, params, time_limit_s, seed)
        if found is None:
            raise no_solution_error(engine, time_limit_s)
        return found

    return solve


@dataclass(eq=False)
class _TierPlan:
    """A mode's plan before assembly: fixed routes, a coverage search, its parts' points."""

    mode: str
    fixed: list[DailyRoute]
    search: CoverageSearch
    points: list[list[int]]
    n_depots: int
    ids: list[str]
    tier: str
    village_of: list[list[int]]  # per part: client index -> village position (-1: station)
    ready: dict[int, float]


def _village_client(county: _County, m: int, params: DailyRoutingParams) -> Client:
    day0, day1 = params.day_start_min * 60, params.day_end_min * 60
    counted = bool(county.counted[m])
    return Client(delivery_kg=float(county.delivery[m]), pickup_kg=float(county.pickup[m]),
                  service_s=params.village_service_min * 60, tw_early_s=day0, tw_late_s=day1,
                  required=bool(county.required[m]),
                  prize=0.0 if counted else params.community_prize_yuan,
                  counts_toward_coverage=counted)


def _village_clients(county: _County, members: Sequence[int], params: DailyRoutingParams,
                     fleet: Sequence[FleetType], n_depots: int = 1,
                     ) -> tuple[list[Client], list[int]]:
    """Clients of these villages, with split deliveries for a village over the largest vehicle.

    A village needing more than the largest vehicle of ``fleet`` but no more
    than the whole fleet (``n_depots`` depots) carries gets copies (see
    :func:`~ruralnet.routing.split.split_loads`), all required so that it is
    served whole; only the first copy counts toward coverage. A heavier one
    stays whole and is reported unserved. Return the clients and, per
    client, its village position.
    """
    pieces = split_loads(county.delivery[list(members)], county.pickup[list(members)],
                         max(f.capacity_kg for f in fleet), whole_above_kg=n_depots * sum(
                             f.capacity_kg * f.num_available for f in fleet))
    copies = np.bincount([pc.origin for pc in pieces], minlength=len(members))
    clients, village_of = [], []
    for pc in pieces:
        m = members[pc.origin]
        c = _village_client(county, m, params)
        if copies[pc.origin] > 1:
            c = Client(delivery_kg=pc.delivery_kg, pickup_kg=pc.pickup_kg, service_s=c.service_s,
                       tw_early_s=c.tw_early_s, tw_late_s=c.tw_late_s, required=True,
                       prize=c.prize if pc.index == 0 else 0.0,
                       counts_toward_coverage=c.counts_toward_coverage and pc.index == 0)
        clients.append(c)
        village_of.append(m)
    return clients, village_of


def _trunk(county: _County, trunk_fleet, params: DailyRoutingParams, engine: str,
           seed: int) -> tuple[list[DailyRoute], dict[int, int]]:
    """Solve the trunk tier (warehouses → every station, all required).

    Return the trunk routes and, per station (index in ``county.stations``),
    the earliest feeder departure in seconds: trunk service start plus
    handling.
    """
    day0, day1 = params.day_start_min * 60, params.day_end_min * 60
    late = day1 if params.trunk_arrival_by_min is None else params.trunk_arrival_by_min * 60
    trunk_dist, trunk_dur = county.sub(county.warehouses + county.stations)
    loads = [(county.delivery[m].sum() + county.station_delivery[k],
              county.pickup[m].sum() + county.station_pickup[k])
             for k, m in enumerate(county.catchments)]
    # split deliveries: a station needing more than the largest truck gets client copies
    pieces = split_loads([d for d, _ in loads], [p for _, p in loads],
                         max(f.capacity_kg for f in trunk_fleet))
    n_w = len(county.warehouses)
    copy = [n_w + pc.origin for pc in pieces]
    trunk_dist, trunk_dur = (a[np.ix_(list(range(n_w)) + copy, list(range(n_w)) + copy)]
                             for a in (trunk_dist, trunk_dur))
    trunk = RoutingProblem(
        depots=tuple(Depot(tw_early_s=day0, tw_late_s=day1) for _ in county.warehouses),
        clients=tuple(Client(delivery_kg=pc.delivery_kg, pickup_kg=pc.pickup_kg,
                             service_s=params.station_service_min * 60, tw_early_s=day0,
                             tw_late_s=late, counts_toward_coverage=False) for pc in pieces),
        vehicle_types=tuple(f.vehicle_type(w, day0, day1)
                            for w in range(len(county.warehouses)) for f in trunk_fleet),
        distance_m=trunk_dist, duration_s=trunk_dur,
    )
    if len(pieces) > len(loads):
        split = {pc.origin for pc in pieces if pc.index}
        log.info("trunk: %d stations need more than one truck; %d deliveries for %d stations",
                 len(split), len(pieces), len(loads))
    trunk_params = RoutingParams(engine=params.engine, time_limit_s=params.trunk_time_limit_s,
                                 max_iterations=params.max_iterations)
    try:
        result = solve_routes(trunk, trunk_params, seed=seed)
    except InfeasibleError as first:
        result, err = None, first
        if params.grow_trunk_fleet:
            result, trunk, err = _trunk_with_more_trucks(trunk, trunk_params, seed, first)
    if result is None:  # say which tier, the heaviest stations and the knobs
        top = sorted(range(len(loads)), key=lambda k: -loads[k][0])[:3]
        zh = "、".join(f"{county.name(county.stations[k])} {loads[k][0]:.0f} kg" for k in top)
        en = ", ".join(f"{county.name(county.stations[k])} {loads[k][0]:.0f} kg" for k in top)
        raise InfeasibleError(
            f"干线（县仓→乡镇站）无解：{err.zh}（全县日配送 {sum(d for d, _ in loads):.0f} kg，"
            f"最大乡镇站 {zh}）；也可放宽 trunk_arrival_by_min 或增加干线车辆",
            f"trunk tier (warehouse → stations) infeasible: {err.en} (county "
            f"{sum(d for d, _ in loads):.0f} kg a day; largest stations {en}); or relax "
            "trunk_arrival_by_min or add trunk vehicles", **{**err.details, "tier": "trunk"},
        ) from err
    pts = county.warehouses + [county.stations[pc.origin] for pc in pieces]
    fixed = []
    for v in sorted({r.vehicle for r in result.routes}):
        recs = [r for r in result.routes if r.vehicle == v]
        fixed += _trip_routes(recs, f"T{v + 1:02d}", "trunk",
                              trunk.vehicle_types[recs[0].vehicle_type], pts,
                              len(county.warehouses))
    ready_s: dict[int, int] = {}  # a split station is ready when its last truck has arrived
    for r in result.routes:
        for s in r.stops:
            k = pieces[s.client].origin
            ready_s[k] = max(ready_s.get(k, 0), s.start_s + params.handling_min * 60)
    return fixed, ready_s


def _trunk_with_more_trucks(trunk: RoutingProblem, params: RoutingParams, seed: int,
                            err: InfeasibleError
                            ) -> tuple[RoutingResult | None, RoutingProblem, InfeasibleError]:
    """Retry an infeasible trunk tier with one truck of each type per delivery allowed.

    Far-apart stations (阿勒泰市: 18 stations, 10 trucks needed to arrive by
    the cut-off) may each need their own truck, more than a warehouse's
    ``num_available``. Only tried after a failure, so plans that solved
    before are unchanged. Returns ``(result, problem solved, err)``; ``result`` is
    ``None`` (and ``err`` the last error) when it stays infeasible.
    """
    n = len(trunk.clients)
    if all(v.num_available >= n for v in trunk.vehicle_types):
        return None, trunk, err
    wider = replace(trunk, vehicle_types=tuple(
        replace(v, num_available=max(v.num_available, n)) for v in trunk.vehicle_types))
    try:
        result = solve_routes(wider, params, seed=seed)
    except InfeasibleError as again:
        return None, trunk, again
    log.warning("trunk: infeasible with %s trucks per warehouse; solved with up to %d (%d used)",
                [v.num_available for v in trunk.vehicle_types], n, len(result.routes))
    return result, wider, err


def _two_tier(county: _County, trunk_fleet, feeder_fleet, params: DailyRoutingParams,
              engine: str, seed: int) -> _TierPlan:
    """Trunk routes to every station, then the feeder coverage search per catchment."""
    day0, day1 = params.day_start_min * 60, params.day_end_min * 60
    fixed, ready_s = _trunk(county, trunk_fleet, params, engine, seed)
    parts, points, ids, village_of = [], [], [], []
    for k, members in enumerate(county.catchments):
        if not members:
            continue
        clients, vof = _village_clients(county, members, params, feeder_fleet)
        pts_k = [county.stations[k]] + [county.villages[m] for m in vof]
        problem = RoutingProblem(
            depots=(Depot(tw_early_s=min(ready_s[k], day1), tw_late_s=day1),),
            clients=tuple(clients),
            vehicle_types=tuple(f.vehicle_type(0, day0, day1) for f in feeder_fleet),
            distance_m=county.sub(pts_k)[0], duration_s=county.sub(pts_k)[1],
        )
        try:
            parts.append(Part.of(problem))
        except InfeasibleError as err:  # name the station and its load
            kg = county.delivery[members].sum()
            raise InfeasibleError(
                f"乡镇站 {county.name(county.stations[k])}（本站村级日配送 {kg:.0f} kg）："
                f"{err.zh}", f"township station {county.name(county.stations[k])} "
                f"({kg:.0f} kg a day to its villages): {err.en}",
                **{**err.details, "tier": "feeder"}) from err
        points.append(pts_k)
        ids.append(f"F{k + 1:02d}")
        village_of.append(vof)
    solve = _part_solver(engine, params.feeder_time_limit_s, params.max_iterations, seed,
                         params.engine)
    search = CoverageSearch(parts, solve, total=int(county.counted.sum()),
                            workers=params.workers)
    ready = {county.stations[k]: round(s / 60, 2) for k, s in ready_s.items()}
    return _TierPlan("two_tier", fixed, search, points, 1, ids, "feeder", village_of, ready)


def _direct(county: _County, fleet, params: DailyRoutingParams, engine: str,
            seed: int) -> _TierPlan:
    """Warehouse → stations (required) and villages (coverage search), no transfer."""
    day0, day1 = params.day_start_min * 60, params.day_end_min * 60
    stations = [Client(delivery_kg=float(d), pickup_kg=float(p),
                       service_s=params.station_service_min * 60, tw_early_s=day0, tw_late_s=day1,
                       counts_toward_coverage=False)
                for d, p in zip(county.station_delivery, county.station_pickup, strict=True)]
    villages, vof = _village_clients(county, list(range(len(county.villages))), params, fleet,
                                     len(county.warehouses))
    points = county.warehouses + county.stations + [county.villages[m] for m in vof]
    problem = RoutingProblem(
        depots=tuple(Depot(tw_early_s=day0, tw_late_s=day1) for _ in county.warehouses),
        clients=tuple(stations + villages),
        vehicle_types=tuple(f.vehicle_type(w, day0, day1)
                            for w in range(len(county.warehouses)) for f in fleet),
        distance_m=county.sub(points)[0], duration_s=county.sub(points)[1],
    )
    per_solve = params.direct_time_limit_s / (params.coverage_steps + 2)
    solve = _part_solver(engine, per_solve, params.direct_max_iterations, seed, params.engine)
    search = CoverageSearch([Part.of(problem)], solve, total=int(county.counted.sum()))
    village_of = [[-1] * len(stations) + vof]
    return _TierPlan("direct", [], search, [points], len(county.warehouses), ["D"], "direct",
                     village_of, {})


def _unserved(county: _County, plan: _TierPlan, routes: list[Routes]) -> list[UnservedVillage]:
    """Name every village without a route and say why."""
    where: dict[int, tuple[Part, int]] = {}
    for part, vof in zip(plan.search.parts, plan.village_of, strict=True):
        for j, m in enumerate(vof):
            if m >= 0:
                where[m] = (part, j)
    served = {plan.village_of[pi][j] for pi, r in enumerate(routes) for _, cl in r for j in cl}
    out = []
    for m, q in enumerate(county.villages):
        if m in served:
            continue
        if m not in where:
            out.append(UnservedVillage(q, "no_catchment", "不属于任何乡镇站的服务范围",
                                       "not in any station's catchment"))
        elif not where[m][0].reachable[where[m][1]]:
            out.append(UnservedVillage(q, "unreachable",
                                       "在工作日内无法从站点往返或货量超过车辆载重",
                                       "cannot be reached and brought back within the working "
                                       "day, or its load exceeds every vehicle"))
        elif not county.counted[m]:
            out.append(UnservedVillage(q, "community", "社区不计入覆盖率，未安排",
                                       "community, does not count toward coverage; not routed"))
        else:
            out.append(UnservedVillage(q, "not_selected", "为以最低成本达到覆盖率目标而未安排",
                                       "left out to meet the coverage target at the lowest cost"))
    return out


def _assemble(county: _County, plan: _TierPlan, routes: list[Routes], curve, engine: str,
              started: float) -> DailyRoutingResult:
    out = list(plan.fixed)
    for pi, (part, r) in enumerate(zip(plan.search.parts, routes, strict=True)):
        for i, (t, cl) in enumerate(r):
            recs = route_records(part.problem, part.c, t, cl, i)
            sep = "" if plan.tier == "direct" else "-"
            vid = f"{plan.ids[pi]}{sep}{i + 1:02d}"
            out += _trip_routes(recs, vid, plan.tier, part.problem.vehicle_types[t],
                                plan.points[pi], plan.n_depots)
    served = [plan.village_of[pi][j] for pi, r in enumerate(routes) for _, cl in r for j in cl]
    served = sorted({m for m in served if m >= 0})  # copies of a split village count once
    n_villages = int(county.counted.sum())
    v_served = int(sum(county.counted[m] for m in served))
    by_type: dict[str, int] = {}  # vehicles, not trips
    for r in out:
        if r.trip == 1:
            by_type[r.vehicle_type] = by_type.get(r.vehicle_type, 0) + 1
    return DailyRoutingResult(
        mode=plan.mode, engine=engine, routes=tuple(out), villages_total=n_villages,
        villages_served=v_served, communities_served=len(served) - v_served,
        coverage=v_served / n_villages if n_villages else 1.0,
        cost_yuan=round(sum(r.cost_yuan for r in out), 2), vehicles_by_type=by_type,
        unserved=tuple(_unserved(county, plan, routes)), curve=tuple(curve),
        station_ready_min=plan.ready, runtime_s=time.perf_counter() - started,
    )


def _solve_mode(plan: _TierPlan, params: DailyRoutingParams):
    """Meet the coverage target, then trace the curve with the same cached solves."""
    try:
        return _meet_and_curve(plan, params)
    finally:
        plan.search.close()


def _meet_and_curve(plan: _TierPlan, params: DailyRoutingParams):
    what = ("村", "villages")
    main = plan.search.meet(params.coverage_target, params.coverage_steps, what)
    fixed_cost = sum(r.cost_yuan for r in plan.fixed)
    fixed_n = sum(r.trip == 1 for r in plan.fixed)  # vehicles, not trips
    curve = []
    for target in params.curve_targets:
        try:
            routes = (main if target == params.coverage_target
                      else plan.search.meet(target, params.curve_steps, what))
        except InfeasibleError:
            curve.append(CoveragePoint(target, False, None, None, None))
            continue
        cost = fixed_cost + plan.search.cost(routes) / COST_UNITS_PER_YUAN
        n = plan.search.total
        cov = plan.search.covered(routes) / n if n else 1.0
        curve.append(CoveragePoint(target, True, cov, round(cost, 2),
                                   fixed_n + sum(len(r) for r in routes)))
    return main, curve


def plan_daily_routes(
    distance_m: np.ndarray,
    duration_s: np.ndarray,
    *,
    warehouses: Sequence[int],
    stations: Sequence[int],
    villages: Sequence[int],
    delivery_kg: Sequence[float],
    pickup_kg: Sequence[float],
    catchments: Sequence[Sequence[int]],
    trunk_fleet: Sequence[FleetType],
    feeder_fleet: Sequence[FleetType],
    direct_fleet: Sequence[FleetType] | None = None,
    village_kinds: Sequence[str] | None = None,
    station_delivery_kg: Sequence[float] | None = None,
    station_pickup_kg: Sequence[float] | None = None,
    required_villages: Sequence[int] | None = None,
    point_names: Sequence[str] | None = None,
    params: DailyRoutingParams | None = None,
    seed: int = 0,
) -> DailyRoutingResult:
    """Plan one working day of the county's two-way logistics.

    Two-tier mode: trunk vehicles leave the warehouse(s) and visit every
    township station (mandatory) carrying the parcels of its whole catchment
    and bringing back its farm products (steady state: what feeders collected
    the day before); each station's feeder vehicles leave no earlier than the
    trunk's arrival plus ``handling_min`` and serve villages of its catchment
    with simultaneous delivery and pickup. Parcels of villages left out wait
    at the station. Split deliveries: a station needing more than the
    largest trunk gets several trucks (client copies, its feeders leave after
    the last one), and a village needing more than the largest feeder gets
    several feeder visits, all required (see :mod:`ruralnet.routing.split`).
    Feeder coverage is global: one visit prize shared by all stations is
    bisected until at least ``coverage_target`` of the villages
    (``kind == "village"``; communities never count) are served, then surplus
    visits are trimmed (see ``CoverageSearch``). Direct mode routes
    warehouse → stations and villages with ``direct_fleet`` (default the
    feeder fleet, per warehouse); ``"auto"`` plans both and keeps the cheaper.

    Parameters
    ----------
    distance_m, duration_s
        Integer ``(n, n)`` matrices over the county's point list.
    warehouses, stations, villages
        Point indices of each kind (disjoint).
    delivery_kg, pickup_kg
        Per village (in ``villages`` order): parcels down, products up, kg/day.
    catchments
        Per station, the village *point indices* it serves.
    trunk_fleet, feeder_fleet
        Vehicle kinds per warehouse and per station.
    direct_fleet
        Vehicle kinds per warehouse for direct mode.
    village_kinds
        Per village ``"village"`` or ``"community"`` (default all villages).
    station_delivery_kg, station_pickup_kg
        The township seat's own parcels at each station (default 0).
    required_villages
        Village point indices that must be visited every day (e.g. villages
        hosting a service station); the coverage search adds others to them.
    point_names
        Optional label per point (township and village names) used in error messages.
    params
        Options; defaults to ``DailyRoutingParams()``.
    seed
        Random seed; with ``params.max_iterations`` the same seed gives the
        same plan.

    Returns
    -------
    DailyRoutingResult

    Raises
    ------
    InfeasibleError
        When stations cannot all be served, or the coverage target is out of
        reach (the message gives the figures and the likely fix).

    Examples
    --------
    >>> d = [[0, 10000, 12000, 11000], [10000, 0, 2000, 1000],
    ...      [12000, 2000, 0, 3000], [11000, 1000, 3000, 0]]
    >>> t = [[v // 10 for v in row] for row in d]  # 36 km/h
    >>> res = plan_daily_routes(
    ...     d, t, warehouses=[0], stations=[1], villages=[2, 3],
    ...     delivery_kg=[30, 20], pickup_kg=[5, 10], catchments=[[2, 3]],
    ...     trunk_fleet=[FleetType("轻卡", 2000)], feeder_fleet=[FleetType("面包车", 800)],
    ...     params=DailyRoutingParams(engine="ortools", coverage_target=1.0, curve_targets=()))
    >>> trunk, feeder = res.routes
    >>> trunk.stops[0].arrive_min, trunk.stops[0].deliver_kg
    (436.67, 50.0)
    >>> feeder.depart_min >= trunk.stops[0].arrive_min + 30, res.coverage
    (True, 1.0)
    """
    params = params or DailyRoutingParams()
    started = time.perf_counter()
    county = _county(distance_m, duration_s, warehouses, stations, villages, delivery_kg,
                     pickup_kg, catchments, village_kinds, station_delivery_kg, station_pickup_kg,
                     required_villages, point_names)
    engine = resolve_engine(params.engine)
    log.info("daily routes: %d warehouses, %d stations, %d villages, mode %s, engine %s",
             len(county.warehouses), len(county.stations), len(county.villages), params.mode,
             engine)
    modes = ["two_tier", "direct"] if params.mode == "auto" else [params.mode]
    results, errors = [], []
    for mode in modes:
        try:
            if mode == "two_tier":
                plan = _two_tier(county, trunk_fleet, feeder_fleet, params, engine, seed)
            else:
                plan = _direct(county, direct_fleet or feeder_fleet, params, engine, seed)
            main, curve = _solve_mode(plan, params)
        except InfeasibleError as err:
            if params.mode != "auto":
                raise
            log.info("mode %s infeasible: %s", mode, err.message("en"))
            errors.append(err)
            continue
        results.append(_assemble(county, plan, main, curve, engine, started))
    if not results:
        raise errors[0]
    best = min(results, key=lambda r: r.cost_yuan)
    log.info("daily routes: %s", best.summary().replace("\n", "; "))
    return best

"""The daily plan's vocabulary: fleets, options and results (县—乡—村 每日配送).

:class:`FleetType` (a vehicle kind at every depot of a tier),
:class:`DailyRoutingParams` (the options of
:func:`~ruralnet.routing.daily.plan_daily_routes`) and its results
(:class:`DailyStop`, :class:`DailyRoute`, :class:`UnservedVillage`,
:class:`CoveragePoint`, :class:`DailyRoutingResult`). Split out of
:mod:`ruralnet.routing.daily`, which re-exports every name, so
``from ruralnet.routing.daily import FleetType`` works as before.

Units: daily results give times in minutes after midnight, distances in km,
costs in yuan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ruralnet._procs import usable_cores
from ruralnet._validate import bad_value
from ruralnet.routing.model import ENGINES, VehicleType

__all__ = [
    "MODES", "CoveragePoint", "DailyRoute", "DailyRoutingParams", "DailyRoutingResult",
    "DailyStop", "FleetType", "UnservedVillage", "default_workers",
]

MODES = ("two_tier", "direct", "auto")

#: The default ``workers``: at most this many processes (a plan does not depend on it).
DEFAULT_WORKERS_MAX = 2


def default_workers() -> int:
    """Return the default solver processes: the cores this process may use, at most 2.

    Two, since the issue's target machine has two cores (and the coverage
    search's station problems are small: more processes mostly add forks).

    Examples
    --------
    >>> 1 <= default_workers() <= DEFAULT_WORKERS_MAX
    True
    """
    return min(DEFAULT_WORKERS_MAX, usable_cores())


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
        iteration budget). Default :func:`default_workers`: the cores this
        process may use, at most 2 (``1`` on a one-core machine); the plan's
        location-routing comparison prices then also run beside its joint
        search. Inside a daemon process (a Dask or multiprocessing worker,
        e.g. a regional run) everything runs in that process.
    curve_warm_start
        Once the coverage target is met, start each further solve of the
        fleet-versus-coverage curve (feeder and direct tiers, PyVRP) from the
        part's solution at the nearest prize already solved, and each curve
        polish from the trimmed routes, instead of from a random solution.
        The plan's own routes (the target's solves) are unaffected.
    curve_no_improvement
        With ``curve_warm_start``: also stop each warm-started curve solve
        after this many iterations without a better solution
        (deterministic; ``None``: only ``max_iterations``); the curve's polish
        keeps the whole ``max_iterations``.
    grow_trunk_fleet
        Allow up to one truck per station delivery (far-apart stations that
        must each be reached by the cut-off, e.g. 阿勒泰市): up front when a
        lower bound on the trucks needed
        (:func:`ruralnet.routing.trunk.trucks_needed`) exceeds the listed
        ones, else when the trunk tier is infeasible with them. ``False`` (a
        fleet the planner listed is a limit: the plan stops and says so); the
        planner sets it for the package's default fleet, whose size is an
        assumption; the result's ``notes`` say when a warehouse uses more.

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
    workers: int = field(default_factory=default_workers)
    grow_trunk_fleet: bool = False
    curve_warm_start: bool = False
    curve_no_improvement: int | None = None

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
        for name in ("max_iterations", "direct_max_iterations", "curve_no_improvement"):
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
    departure (trunk arrival + handling); empty in direct mode. ``notes``
    are bilingual lines for the plan (e.g. that the assumed default trunk
    fleet had to grow: :func:`ruralnet.routing.trunk.grown_fleet_notes`).
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
    notes: tuple[str, ...] = ()

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


"""A county's working day of two-way routes (县—乡—村 每日配送与农产品上行).

:func:`plan_daily_routes` plans the day: trunk routes from the county
warehouse(s) to every township transfer station (:mod:`ruralnet.routing.trunk`),
then feeder routes from each station to the villages of its catchment
(leaving only after the trunk has arrived plus a handling time), or direct
warehouse → village routes, and the fleet-versus-coverage curve. Each tier is
a :class:`~ruralnet.routing.solve.RoutingProblem` solved with the machinery of
:mod:`ruralnet.routing.solve` and :mod:`ruralnet.routing.compiled` (the feeder
tier's coverage target is met by its
:class:`~ruralnet.routing.search.CoverageSearch` over all stations at once).

The fleets, options and results (:class:`FleetType`,
:class:`DailyRoutingParams`, :class:`DailyStop`, :class:`DailyRoute`,
:class:`UnservedVillage`, :class:`CoveragePoint`, :class:`DailyRoutingResult`)
live in :mod:`ruralnet.routing.daily_model` and are re-exported here and by
:mod:`ruralnet.routing.solve`, so ``from ruralnet.routing.daily import
FleetType`` works as before.

Units: inputs as in :mod:`ruralnet.routing.solve` (integer metres and seconds,
kg); daily results give times in minutes after midnight, distances in km,
costs in yuan.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ruralnet.exceptions import InfeasibleError
from ruralnet.routing.daily_model import (
    MODES,
    CoveragePoint,
    DailyRoute,
    DailyRoutingParams,
    DailyRoutingResult,
    DailyStop,
    FleetType,
    UnservedVillage,
)
from ruralnet.routing.day_inputs import DayInputs, day_inputs, trip_routes
from ruralnet.routing.model import (
    COST_UNITS_PER_YUAN,
    Client,
    Depot,
    RoutingParams,
    RoutingProblem,
)
from ruralnet.routing.search import (
    CoverageSearch,
    Part,
    Routes,
    no_solution_error,
    resolve_engine,
)
from ruralnet.routing.solve import route_records, run_with_fallback
from ruralnet.routing.split import split_loads
from ruralnet.routing.trunk import plan_trunk

log = logging.getLogger(__name__)

__all__ = [
    "MODES", "CoveragePoint", "DailyRoute", "DailyRoutingParams", "DailyRoutingResult",
    "DailyStop", "FleetType", "UnservedVillage", "plan_daily_routes",
]


def _part_solver(engine: str, time_limit_s: float, max_iterations: int | None, seed: int,
                 requested: str = "auto", no_improvement: int | None = None):
    """Return a solve function for the coverage search (``requested="auto"``: engine fallback)."""
    params = RoutingParams(engine=requested, time_limit_s=time_limit_s,
                           max_iterations=max_iterations, no_improvement=no_improvement)

    def solve(part: Part, prizes: np.ndarray, start: Routes | None = None) -> Routes:
        extra = {} if start is None else {"start": start}
        found, _ = run_with_fallback(part.c, prizes, engine, params, time_limit_s, seed, **extra)
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
    notes: tuple[str, ...] = ()


def _village_client(county: DayInputs, m: int, params: DailyRoutingParams) -> Client:
    day0, day1 = params.day_start_min * 60, params.day_end_min * 60
    counted = bool(county.counted[m])
    return Client(delivery_kg=float(county.delivery[m]), pickup_kg=float(county.pickup[m]),
                  service_s=params.village_service_min * 60, tw_early_s=day0, tw_late_s=day1,
                  required=bool(county.required[m]),
                  prize=0.0 if counted else params.community_prize_yuan,
                  counts_toward_coverage=counted)


def _village_clients(county: DayInputs, members: Sequence[int], params: DailyRoutingParams,
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


def _two_tier(county: DayInputs, trunk_fleet, feeder_fleet, params: DailyRoutingParams,
              engine: str, seed: int) -> _TierPlan:
    """Trunk routes to every station, then the feeder coverage search per catchment."""
    day0, day1 = params.day_start_min * 60, params.day_end_min * 60
    trunk = plan_trunk(county, trunk_fleet, params, engine, seed)
    fixed, ready_s = trunk.routes, trunk.ready_s
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
                         params.engine, params.curve_no_improvement)
    full = _part_solver(engine, params.feeder_time_limit_s, params.max_iterations, seed,
                        params.engine)
    search = CoverageSearch(parts, solve, total=int(county.counted.sum()),
                            workers=params.workers, polish_solve=full)
    ready = {county.stations[k]: round(s / 60, 2) for k, s in ready_s.items()}
    return _TierPlan("two_tier", fixed, search, points, 1, ids, "feeder", village_of, ready,
                     trunk.notes)


def _direct(county: DayInputs, fleet, params: DailyRoutingParams, engine: str,
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
    solve = _part_solver(engine, per_solve, params.direct_max_iterations, seed, params.engine,
                         params.curve_no_improvement)
    full = _part_solver(engine, per_solve, params.direct_max_iterations, seed, params.engine)
    search = CoverageSearch([Part.of(problem)], solve, total=int(county.counted.sum()),
                            polish_solve=full)
    village_of = [[-1] * len(stations) + vof]
    return _TierPlan("direct", [], search, [points], len(county.warehouses), ["D"], "direct",
                     village_of, {})


def _unserved(county: DayInputs, plan: _TierPlan, routes: list[Routes]) -> list[UnservedVillage]:
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


def _assemble(county: DayInputs, plan: _TierPlan, routes: list[Routes], curve, engine: str,
              started: float) -> DailyRoutingResult:
    out = list(plan.fixed)
    for pi, (part, r) in enumerate(zip(plan.search.parts, routes, strict=True)):
        for i, (t, cl) in enumerate(r):
            recs = route_records(part.problem, part.c, t, cl, i)
            sep = "" if plan.tier == "direct" else "-"
            vid = f"{plan.ids[pi]}{sep}{i + 1:02d}"
            out += trip_routes(recs, vid, plan.tier, part.problem.vehicle_types[t],
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
        notes=plan.notes,
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
    plan.search.warm_start = params.curve_warm_start  # the curve's solves start warm
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
    county = day_inputs(distance_m, duration_s, warehouses, stations, villages, delivery_kg,
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

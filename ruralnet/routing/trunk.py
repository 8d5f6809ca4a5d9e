"""The trunk tier of a daily plan: county warehouse(s) → every township station (干线).

:func:`plan_trunk` routes the trunks (every station required, split over
several trucks when it needs more than the largest one, arrival by the
cut-off ``trunk_arrival_by_min``) and returns the trunk routes and each
station's earliest feeder departure. :func:`trucks_needed` is a lower bound
on the trucks any feasible trunk plan uses: when the package's *assumed*
default fleet (``grow_trunk_fleet``) is provably too small, the first solve
already allows one truck per delivery, instead of running the engine on a
fleet that cannot work (which PyVRP and the OR-Tools fallback do until their
stopping rules) and retrying. The retry after a failed solve stays as a
safety net, since the bound is not always tight. A planner's fleet is never
grown.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace

import numpy as np

from ruralnet.exceptions import InfeasibleError
from ruralnet.routing.compiled import Compiled, compile_problem
from ruralnet.routing.daily_model import DailyRoute, DailyRoutingParams
from ruralnet.routing.day_inputs import DayInputs, trip_routes
from ruralnet.routing.model import (
    Client,
    Depot,
    RoutingParams,
    RoutingProblem,
    RoutingResult,
)
from ruralnet.routing.solve import solve_routes
from ruralnet.routing.split import split_loads

log = logging.getLogger(__name__)

__all__ = ["TruckBound", "TrunkTier", "grown_fleet_notes", "plan_trunk", "trucks_needed"]


@dataclass(frozen=True)
class TruckBound:
    """A lower bound on the vehicles of any feasible plan, and what binds.

    ``by_capacity``: total load over the largest vehicle's day (capacity ×
    trips); ``by_time``: the stops' least inbound travel plus service, summed,
    over what one vehicle has between leaving and the latest window;
    ``by_conflicts``: stops no single vehicle can serve both of in time
    (a clique of pairwise conflicts). ``trucks`` is the largest of the three.
    """

    by_capacity: int
    by_time: int
    by_conflicts: int

    @property
    def trucks(self) -> int:
        """The bound: the largest of the three."""
        return max(self.by_capacity, self.by_time, self.by_conflicts)


@dataclass(frozen=True)
class TrunkTier:
    """The trunk routes, each station's feeder ready time (s) and notes for the plan."""

    routes: list[DailyRoute]
    ready_s: dict[int, int]
    notes: tuple[str, ...] = ()


def trucks_needed(c: Compiled) -> TruckBound:
    """Return a lower bound on the vehicles serving every client of a problem.

    Valid when every client is required (a trunk tier): each client lies on
    exactly one vehicle's route. Travel times are the fastest vehicle type's
    shortest paths; a client's inbound leg is its shortest from any depot or
    other client.

    Parameters
    ----------
    c
        The compiled problem.

    Returns
    -------
    TruckBound

    Examples
    --------
    Three stations 2 h from the warehouse and 3 h apart, each to be reached
    within 2.5 h: each needs its own truck.

    >>> from ruralnet.routing.model import Client, Depot, RoutingProblem, VehicleType
    >>> h = 3600
    >>> t = [[0, 2 * h, 2 * h, 2 * h], [2 * h, 0, 3 * h, 3 * h],
    ...      [2 * h, 3 * h, 0, 3 * h], [2 * h, 3 * h, 3 * h, 0]]
    >>> p = RoutingProblem(depots=(Depot(),), clients=tuple(
    ...     Client(delivery_kg=100, tw_late_s=int(2.5 * h)) for _ in range(3)),
    ...     vehicle_types=(VehicleType(capacity_kg=2000, num_available=2),),
    ...     distance_m=t, duration_s=t)
    >>> trucks_needed(compile_problem(p))
    TruckBound(by_capacity=1, by_time=3, by_conflicts=3)
    """
    n, nd = c.n_clients, c.n_depots
    if n == 0:
        return TruckBound(0, 0, 0)
    day = [c.vt_capacity[t] * c.vt_max_trips[t] for t in range(len(c.vt_capacity))]
    load = max(int(c.delivery.sum()), int(c.pickup.sum()))
    by_capacity = math.ceil(load / max(day)) if max(day) > 0 else n
    travel = np.minimum.reduce([np.asarray(c.profiles[p], dtype=np.int64)
                                for p in sorted(set(c.vt_profile))])
    for k in range(len(travel)):  # shortest paths, so that a matrix without the triangle
        travel = np.minimum(travel, travel[:, k, None] + travel[None, k, :])  # inequality holds
    start0 = min(max(int(c.vt_early[t]), int(c.depot_early[c.vt_depot[t]]))
                 for t in range(len(c.vt_capacity)))
    cl = nd + np.arange(n)
    between = travel[np.ix_(cl, cl)].astype(float)
    np.fill_diagonal(between, np.inf)
    inbound = np.minimum(travel[:nd][:, cl].min(axis=0), between.min(axis=0))
    late = int(c.tw_late.max())
    window = late - start0 + int(c.service.max())
    work = float((inbound + c.service).sum())
    by_time = max(1, math.ceil(work / window)) if window > 0 else n
    # earliest service start of each client, then: can one vehicle serve i and then j?
    first = np.maximum(start0 + travel[:nd][:, cl].min(axis=0), c.tw_early)
    then = first[:, None] + c.service[:, None] + travel[np.ix_(cl, cl)]
    fits = then <= c.tw_late[None, :]
    if max(c.vt_max_trips) == 1:
        both = np.maximum(c.delivery[:, None] + c.delivery[None, :],
                          c.pickup[:, None] + c.pickup[None, :])
        fits &= both <= max(c.vt_capacity)
    conflict = ~(fits | fits.T)
    np.fill_diagonal(conflict, False)
    by_conflicts = max(_greedy_clique(conflict, order) for order in (
        np.argsort(-first, kind="stable"), np.argsort(-conflict.sum(axis=1), kind="stable")))
    return TruckBound(int(by_capacity), int(by_time), int(by_conflicts))


def _greedy_clique(conflict: np.ndarray, order: np.ndarray) -> int:
    """Size of a clique of the conflict graph built greedily in ``order``."""
    clique: list[int] = []
    for i in order:
        if all(conflict[i, j] for j in clique):
            clique.append(int(i))
    return len(clique)


def plan_trunk(county: DayInputs, trunk_fleet, params: DailyRoutingParams, engine: str,
               seed: int) -> TrunkTier:
    """Solve the trunk tier (warehouses → every station, all required).

    Return the trunk routes and, per station (index in ``county.stations``),
    the earliest feeder departure in seconds: trunk service start plus
    handling. With ``params.grow_trunk_fleet`` (an assumed fleet) the fleet
    allows one truck per delivery up front when :func:`trucks_needed` shows
    the listed trucks cannot serve every station, and after a failed solve;
    the plan's notes say when a warehouse uses more trucks than listed. With an
    assumed fleet the first solve runs ``engine`` alone (no fallback to the
    other engine): a miss grows the fleet, whose solve has the fallback.
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
    listed = sum(f.num_available for f in trunk_fleet)  # per warehouse
    bound = trucks_needed(compile_problem(trunk))
    too_few = bound.trucks > listed * n_w
    if too_few and params.grow_trunk_fleet:
        log.info("trunk: at least %d trucks needed (%s), %d listed: one truck per delivery "
                 "allowed up front", bound.trucks, bound, listed * n_w)
        trunk = _one_truck_per_delivery(trunk)
    trunk_params = RoutingParams(engine=params.engine, time_limit_s=params.trunk_time_limit_s,
                                 max_iterations=params.max_iterations)
    # an assumed fleet the bound did not rule out: one engine only, since on a miss the fleet
    # is grown anyway (the other engine on the same too-small fleet was a wasted run)
    first_params = (replace(trunk_params, engine=engine)
                    if params.grow_trunk_fleet and not too_few else trunk_params)
    if too_few and not params.grow_trunk_fleet:  # a listed fleet that cannot work: no solve
        result, err = None, _too_few_error(bound, listed * n_w)
    else:
        try:
            result = solve_routes(trunk, first_params, seed=seed)
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
        fixed += trip_routes(recs, f"T{v + 1:02d}", "trunk",
                             trunk.vehicle_types[recs[0].vehicle_type], pts,
                             len(county.warehouses))
    ready_s: dict[int, int] = {}  # a split station is ready when its last truck has arrived
    for r in result.routes:
        for s in r.stops:
            k = pieces[s.client].origin
            ready_s[k] = max(ready_s.get(k, 0), s.start_s + params.handling_min * 60)
    notes = grown_fleet_notes(fixed, listed) if params.grow_trunk_fleet else ()
    return TrunkTier(fixed, ready_s, notes)


def grown_fleet_notes(routes: list[DailyRoute], listed: int) -> tuple[str, ...]:
    """Say so when a warehouse uses more trunk vehicles than the assumed fleet lists.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> r = [NS(tier="trunk", depot_point=0, vehicle=f"T{i}") for i in range(9)]
    >>> grown_fleet_notes(r, 8)[0][:23]
    '默认干线车队（每个县级仓 8 辆，为假设）不足'
    >>> grown_fleet_notes(r, 9)
    ()
    """
    used: dict[int, set[str]] = {}
    for r in routes:
        if r.tier == "trunk":
            used.setdefault(r.depot_point, set()).add(r.vehicle)
    most = max((len(v) for v in used.values()), default=0)
    if most <= listed:
        return ()
    return (f"默认干线车队（每个县级仓 {listed} 辆，为假设）不足以在截止时间前到达每个乡镇站；"
            f"本方案最多一个县级仓用 {most} 辆干线车 | the assumed default trunk fleet "
            f"({listed} per warehouse) cannot reach every station by the cut-off; this plan "
            f"uses up to {most} trunk vehicles at one warehouse",)


def _too_few_error(bound: TruckBound, listed: int) -> InfeasibleError:
    """Return the error of a listed trunk fleet smaller than the bound on the trucks needed."""
    why_zh = {"by_capacity": "全县货量", "by_time": "截止时间前的行驶与装卸时间",
              "by_conflicts": "彼此相距太远、不能由同一辆车按时送达的乡镇站"}
    why_en = {"by_capacity": "the county's load", "by_time": "the driving and stop time "
              "before the cut-off", "by_conflicts": "stations too far apart for one truck to "
              "reach both in time"}
    key = max(("by_conflicts", "by_time", "by_capacity"),  # on a tie, the most telling
              key=lambda k: getattr(bound, k))
    return InfeasibleError(
        f"列出的干线车辆 {listed} 辆，但按{why_zh[key]}至少需要 {bound.trucks} 辆",
        f"{listed} trunk vehicles are listed but {why_en[key]} needs at least {bound.trucks}",
        constraint="fleet", trucks_needed=bound.trucks, trucks_listed=listed)


def _one_truck_per_delivery(trunk: RoutingProblem) -> RoutingProblem:
    """Return the trunk problem with at least one truck of each type per delivery allowed."""
    n = len(trunk.clients)
    return replace(trunk, vehicle_types=tuple(
        replace(v, num_available=max(v.num_available, n)) for v in trunk.vehicle_types))


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
    wider = _one_truck_per_delivery(trunk)
    try:
        result = solve_routes(wider, params, seed=seed)
    except InfeasibleError as again:
        return None, trunk, again
    # expected with an assumed fleet (the only caller); the plan's notes tell the planner
    log.info("trunk: infeasible with %s trucks per warehouse; solved with up to %d (%d used)",
             [v.num_available for v in trunk.vehicle_types], n, len(result.routes))
    return result, wider, err

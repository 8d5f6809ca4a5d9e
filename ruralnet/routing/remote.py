"""Stations no daily trunk can serve: an overnight loop instead of no plan (偏远乡镇隔日班次).

In a remote county (改则县, 墨脱县) some township stations cannot get a
trunk delivery within the county's daily rules: the truck leaving the
warehouse at the start of the day arrives after the latest trunk arrival
(``trunk_arrival_by_min``, which keeps the feeders their day), or cannot
drive there, unload and come back within the shift. Such a station gets a
**multi-day loop** instead of stopping the whole plan:

* day A: a trunk leaves the warehouse at the start of the day, drives to the
  station (over ``days_out`` working days when one shift is not enough),
  unloads what has accumulated for the station's catchment since its last
  visit, and the driver stays overnight at the township station;
* day B (the *service day*): the station's feeders serve its villages over
  the whole working day (the parcels were sorted on the evening of day A);
  the trunk drives back with the farm products the previous service day
  collected (steady state), arriving ``days_back`` working days later;
* the loop repeats every ``cycle_days = days_out + days_back`` days with one
  dedicated truck, so the station and its villages are served on the days
  ``pattern`` of the horizon (二四六 for a two-day loop over a 7-day week).

Demand on the service day is what accumulated over the cycle: parcels wait
at the township station, or at the warehouse, until the loop brings them.

:func:`plan_remote_days` splits the stations (:func:`classify_stations`,
with the binding figure of each: one-way hours against the arrival
cut-off or the shift), runs the usual daily plan on the others with
:func:`ruralnet.routing.daily.plan_daily_routes`, and plans each remote
station's loop and service-day feeder routes with
:func:`ruralnet.routing.service_day.plan_service_day` (numbered per vehicle
and trip like the daily routes).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from ruralnet._validate import bad_value
from ruralnet.exceptions import InfeasibleError
from ruralnet.routing.compiled import compile_problem
from ruralnet.routing.daily import (
    DailyRoute,
    DailyRoutingParams,
    DailyRoutingResult,
    FleetType,
    plan_daily_routes,
)
from ruralnet.routing.far_villages import shift_reach
from ruralnet.routing.model import Client, Depot, RoutingProblem
from ruralnet.routing.search import reachable
from ruralnet.routing.service_day import plan_service_day

log = logging.getLogger(__name__)

__all__ = ["RemoteLoop", "RemotePlan", "StationReach", "classify_stations", "plan_remote_days"]

DAY_NAMES_ZH = "一二三四五六日"


@dataclass(frozen=True)
class StationReach:
    """Whether a trunk can serve a station within the daily rules, and the binding figure.

    ``one_way_min`` and ``back_min`` are the fastest trunk's driving times
    from and to the nearest warehouse (``warehouse`` is its point index);
    ``reason`` is ``"daily"``, ``"late_arrival"`` (arrives after the cut-off
    ``arrive_by_min``), ``"round_trip_over_shift"`` or
    ``"one_way_over_shift"``; times are minutes (``day_start_min`` after midnight).
    """

    station: int
    point: int
    warehouse: int
    vehicle: int
    one_way_min: float
    back_min: float
    shift_min: float
    arrive_by_min: float | None
    reason: str
    day_start_min: float = 0.0

    @property
    def daily(self) -> bool:
        """Whether the station gets a daily trunk."""
        return self.reason == "daily"

    def figures(self) -> tuple[str, str]:
        """Return the binding figure in Chinese and English."""
        h = self.one_way_min / 60
        shift_h = self.shift_min / 60
        if self.reason == "late_arrival":
            at = _clock(self.day_start_min + self.one_way_min)
            by = _clock(self.arrive_by_min)
            return (f"单程 {h:.1f} 小时，{at} 才到站，晚于干线最晚到站时间 {by}",
                    f"one-way {h:.1f} h: arrives {at}, after the trunk cut-off {by}")
        if self.reason == "round_trip_over_shift":
            rt = (self.one_way_min + self.back_min) / 60
            return (f"单程 {h:.1f} 小时，往返 {rt:.1f} 小时超过班次 {shift_h:.1f} 小时",
                    f"one-way {h:.1f} h, round trip {rt:.1f} h > shift {shift_h:.1f} h")
        if self.reason == "one_way_over_shift":
            return (f"单程 {h:.1f} 小时超过班次 {shift_h:.1f} 小时",
                    f"one-way {h:.1f} h > shift {shift_h:.1f} h")
        return (f"单程 {h:.1f} 小时，每日可达", f"one-way {h:.1f} h, daily service possible")


@dataclass(frozen=True)
class RemoteLoop:
    """A remote station's multi-day trunk loop and its service day.

    ``pattern`` lists the service days (1-based) within the horizon;
    ``deliver_kg``/``pickup_kg`` are the loads of one loop (``cycle_days``
    days of accumulated demand); ``feeder_routes`` are the service day's
    routes from the station (a vehicle's working day, the daily rules hold).
    """

    id: str
    reach: StationReach
    vehicle_type: str
    trucks: int
    cycle_days: int
    days_out: int
    days_back: int
    pattern: tuple[int, ...]
    out_km: float
    back_km: float
    deliver_kg: float
    pickup_kg: float
    cost_per_day_yuan: float
    feeder_routes: tuple[DailyRoute, ...]

    def pattern_zh(self) -> str:
        """Return the service days as 周一..周日 characters, e.g. ``"二四六"``."""
        return "".join(DAY_NAMES_ZH[(d - 1) % 7] for d in self.pattern)


@dataclass(frozen=True)
class RemotePlan:
    """Remote stations' loops, and the villages not served daily with the binding figure.

    ``not_daily`` holds ``(kind, point, reason, zh, en)`` rows for every
    station and village without daily service: a remote station and its
    villages (``"remote_station"``), or a village of a daily station that no
    feeder can reach and bring back within the working day
    (``"village_unreachable"``). ``relaxed_cutoff_min`` is the trunk cut-off
    used when it was moved for late stations (``None``: unchanged).
    """

    horizon_days: int
    loops: tuple[RemoteLoop, ...]
    not_daily: tuple[tuple[str, int, str, str, str], ...]
    relaxed_cutoff_min: int | None = None

    def summary(self) -> str:
        """Return one line per loop."""
        lines = [f"{len(self.loops)} remote station(s) on multi-day loops, "
                 f"{len(self.not_daily)} station/village rows not served daily"]
        for lp in self.loops:
            lines.append(f"  {lp.id}: every {lp.cycle_days} days, service days "
                         f"{list(lp.pattern)} ({lp.pattern_zh()}), {lp.reach.figures()[1]}")
        return "\n".join(lines)


def _clock(minutes: float | None) -> str:
    if minutes is None:
        return "—"
    return f"{int(minutes) // 60:02d}:{int(minutes) % 60:02d}"


def _trunk_problem(distance, duration, warehouses, stations, loads, trunk_fleet,
                   params: DailyRoutingParams) -> RoutingProblem:
    day0, day1 = params.day_start_min * 60, params.day_end_min * 60
    late = day1 if params.trunk_arrival_by_min is None else params.trunk_arrival_by_min * 60
    pts = list(warehouses) + list(stations)
    ix = np.ix_(pts, pts)
    return RoutingProblem(
        depots=tuple(Depot(tw_early_s=day0, tw_late_s=day1) for _ in warehouses),
        clients=tuple(Client(delivery_kg=float(d), pickup_kg=float(p),
                             service_s=params.station_service_min * 60, tw_early_s=day0,
                             tw_late_s=late, counts_toward_coverage=False) for d, p in loads),
        vehicle_types=tuple(f.vehicle_type(w, day0, day1)
                            for w in range(len(warehouses)) for f in trunk_fleet),
        distance_m=np.asarray(distance)[ix], duration_s=np.asarray(duration)[ix],
    )


def classify_stations(distance_m: np.ndarray, duration_s: np.ndarray, *,
                      warehouses: Sequence[int], stations: Sequence[int],
                      loads: Sequence[tuple[float, float]], trunk_fleet: Sequence[FleetType],
                      params: DailyRoutingParams) -> list[StationReach]:
    """Tell for every station whether a trunk can serve it alone within the daily rules.

    A station is daily when some trunk leaving a warehouse at the start of
    the day reaches it by ``trunk_arrival_by_min``, unloads and is back by
    the end of the day (the rules of the trunk tier of
    :func:`~ruralnet.routing.daily.plan_daily_routes`). Otherwise the
    binding rule is named with the fastest trunk's figures.

    Parameters
    ----------
    distance_m, duration_s
        County matrices over the point list.
    warehouses, stations
        Point indices.
    loads
        Per station ``(delivery_kg, pickup_kg)`` of one day.
    trunk_fleet
        Trunk vehicle kinds (per warehouse).
    params
        The daily rules.

    Returns
    -------
    list of StationReach
        In ``stations`` order.

    Examples
    --------
    >>> d = [[0, 36000, 300000], [36000, 0, 300000], [300000, 300000, 0]]
    >>> t = [[x // 10 for x in row] for row in d]   # 36 km/h: 1 h and 8.3 h
    >>> r = classify_stations(d, t, warehouses=[0], stations=[1, 2], loads=[(10, 0), (10, 0)],
    ...                       trunk_fleet=[FleetType("轻卡", 2000)], params=DailyRoutingParams())
    >>> [x.reason for x in r], round(r[1].one_way_min)
    (['daily', 'round_trip_over_shift'], 500)
    """
    if len(loads) != len(stations):
        raise bad_value("loads", f"{len(stations)} (delivery, pickup) pairs", len(loads))
    problem = _trunk_problem(distance_m, duration_s, warehouses, stations, loads, trunk_fleet,
                             params)
    c = compile_problem(problem)
    ok, _ = reachable(c)
    shift = float(params.day_end_min - params.day_start_min)
    service = params.station_service_min
    out = []
    n_w = len(warehouses)
    for k, q in enumerate(stations):
        best = None
        for t in range(len(c.vt_capacity)):
            travel = c.profiles[c.vt_profile[t]]
            d = c.vt_depot[t]
            go, back = travel[d, n_w + k] / 60, travel[n_w + k, d] / 60
            if best is None or go < best[0]:
                best = (go, back, t, d)
        go, back, t, d = best
        fits = max(c.delivery[k], c.pickup[k]) <= max(c.vt_capacity)
        reason = shift_reach(go, back, service, shift)[0]
        if ok[k] or not fits:  # a load no truck carries is not a time problem: the trunk
            reason = "daily"   # tier reports it with its own figures
        elif reason == "same_day":
            reason = "late_arrival"
        out.append(StationReach(k, int(q), int(warehouses[d]), t, round(float(go), 2),
                                round(float(back), 2), shift, params.trunk_arrival_by_min,
                                reason, params.day_start_min))
    return out


def service_pattern(cycle_days: int, horizon_days: int, *, first: int) -> tuple[int, ...]:
    """Return the 1-based service days of a loop repeating every ``cycle_days`` days.

    Examples
    --------
    >>> service_pattern(2, 7, first=2)
    (2, 4, 6)
    >>> service_pattern(4, 7, first=3)
    (3, 7)
    """
    if cycle_days < 1 or horizon_days < 1:
        raise bad_value("cycle_days/horizon_days", ">= 1", (cycle_days, horizon_days))
    return tuple(range(first, horizon_days + 1, cycle_days))


def _loop(reach: StationReach, k: int, members: list[int], load: tuple[float, float], *,
          distance, duration, villages, delivery, pickup, trunk_fleet, feeder_fleet,
          params: DailyRoutingParams, horizon_days: int, seed: int):
    """Plan one remote station's loop; return it and the villages its feeders cannot reach."""
    _, days_out, days_back = shift_reach(reach.one_way_min, reach.back_min,
                                         params.station_service_min, reach.shift_min)
    days_back = max(1, days_back)  # a late station's loop too waits overnight at the station
    cycle = days_out + days_back
    need = max(load) * cycle
    fleet = sorted(trunk_fleet, key=lambda f: f.fixed_cost_yuan)
    largest = max(fleet, key=lambda f: f.capacity_kg)
    kind = next((f for f in fleet if f.capacity_kg >= need), largest)
    trucks = max(1, math.ceil(need / kind.capacity_kg))
    w, q = reach.warehouse, reach.point
    out_km, back_km = distance[w, q] / 1000, distance[q, w] / 1000
    cost = trucks * (kind.fixed_cost_yuan + kind.cost_per_km_yuan * (out_km + back_km) / cycle)
    rid = f"M{k + 1:02d}"
    feeders, left = plan_service_day(distance, duration, q, members, villages, delivery, pickup,
                                     cycle, feeder_fleet, params, rid, seed)
    loop = RemoteLoop(rid, reach, kind.name, trucks, cycle, days_out, days_back,
                      service_pattern(cycle, horizon_days, first=days_out + 1),
                      round(float(out_km), 2), round(float(back_km), 2),
                      round(float(load[0] * cycle), 2), round(float(load[1] * cycle), 2),
                      round(cost, 2), tuple(feeders))
    return loop, left


def _relaxed_cutoff(reach: list[StationReach], params: DailyRoutingParams,
                    max_delay_min: int) -> int | None:
    """Return a later trunk cut-off that gives late stations a daily trunk, or ``None``.

    Only stations whose trunk arrives at most ``max_delay_min`` after the
    cut-off count (their round trip fits the shift, else they would not be
    ``late_arrival``); the new cut-off is the latest of their arrivals.
    """
    by = params.trunk_arrival_by_min
    if by is None or max_delay_min <= 0:
        return None
    arrive = [params.day_start_min + r.one_way_min for r in reach if r.reason == "late_arrival"]
    arrive = [a for a in arrive if a <= by + max_delay_min]
    if not arrive:
        return None
    return min(params.day_end_min, math.ceil(max(arrive)) + 1)


def _reachable_target(err: InfeasibleError, total: int) -> float | None:
    """Return the share of ``total`` villages that can be reached, from a reachability error."""
    d = err.details
    if d.get("constraint") != "reachability" or "unreachable" not in d or not total:
        return None
    servable = total - int(d["unreachable"]) - int(d.get("outside", 0))
    return servable / total if servable > 0 else None


def _unreachable_required(dist, dur, required, reach, members, vi, dlv, pck, feeder_fleet,
                         params: DailyRoutingParams) -> set[int]:
    """Return the required villages (points) no feeder can serve alone in its station's day.

    The feeders' day starts when the trunk has arrived and been unloaded. The
    trunk solve has not run yet, so the latest arrival it may choose is
    assumed: the cut-off ``trunk_arrival_by_min`` (a trunk serving several
    stations arrives after the station's own one-way time), else the direct
    one-way time. A required village the feeders cannot reach and leave
    within that day would make the whole day infeasible, so it is planned as
    optional instead: the search still serves it when the actual trunk comes
    early enough, else it is listed unserved with its figures (and gets a
    far-village run, :mod:`ruralnet.routing.far_villages`).
    """
    day0, day1 = params.day_start_min * 60, params.day_end_min * 60
    cutoff = params.trunk_arrival_by_min
    req = set(map(int, required))
    out: set[int] = set()
    for r in reach:
        if not r.daily:
            continue
        mine = [m for m in members[r.station] if vi[m] in req]
        if not mine:
            continue
        ready = day0 + round((r.one_way_min + params.station_service_min
                              + params.handling_min) * 60)
        if cutoff is not None:
            ready = max(ready, (cutoff + params.handling_min) * 60)
        pts = [r.point] + [vi[m] for m in mine]
        ix = np.ix_(pts, pts)
        problem = RoutingProblem(
            depots=(Depot(tw_early_s=min(ready, day1), tw_late_s=day1),),
            clients=tuple(Client(delivery_kg=float(dlv[m]), pickup_kg=float(pck[m]),
                                 service_s=params.village_service_min * 60, tw_early_s=day0,
                                 tw_late_s=day1) for m in mine),
            vehicle_types=tuple(f.vehicle_type(0, day0, day1) for f in feeder_fleet),
            distance_m=dist[ix], duration_s=dur[ix])
        ok, _ = reachable(compile_problem(problem))
        out |= {vi[m] for m, fine in zip(mine, ok, strict=True) if not fine}
    if out:
        log.info("%d required villages cannot be served within their station's day; "
                 "planned as optional", len(out))
    return out


def _empty_daily(mode: str, engine: str, villages_total: int,
                 started: float) -> DailyRoutingResult:
    """Return the daily result of a county whose every station is on a multi-day loop."""
    return DailyRoutingResult(mode=mode, engine=engine, routes=(), villages_total=villages_total,
                              villages_served=0, communities_served=0, coverage=0.0,
                              cost_yuan=0.0, vehicles_by_type={}, unserved=(), curve=(),
                              station_ready_min={}, runtime_s=time.perf_counter() - started)


def plan_remote_days(
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
    village_kinds: Sequence[str] | None = None,
    station_delivery_kg: Sequence[float] | None = None,
    station_pickup_kg: Sequence[float] | None = None,
    required_villages: Sequence[int] | None = None,
    params: DailyRoutingParams | None = None,
    horizon_days: int = 7,
    max_cutoff_delay_min: int = 60,
    seed: int = 0,
    **daily_kwargs,
) -> tuple[DailyRoutingResult, RemotePlan]:
    """Plan the daily routes of the stations a trunk reaches daily, and loops for the others.

    Arguments as for :func:`~ruralnet.routing.daily.plan_daily_routes`
    (extra keyword arguments are passed to it). The daily plan covers the
    daily stations and their villages; its coverage target is rescaled so
    that the share of *all* the county's villages stays the same where the
    daily villages allow it (else all daily villages are aimed for). Each
    remote station gets a :class:`RemoteLoop`.

    Parameters
    ----------
    horizon_days
        Working days of the service pattern (7: 一 .. 日).
    max_cutoff_delay_min
        A station whose trunk could come back within the shift but arrives
        after ``trunk_arrival_by_min`` by at most this much moves the county's
        cut-off (recorded in the result) rather than losing its daily trunk;
        0 keeps the cut-off.

    Returns
    -------
    tuple
        ``(daily_result, remote_plan)``; ``daily_result.villages_total``
        counts the daily stations' villages only.

    Raises
    ------
    InfeasibleError
        As :func:`~ruralnet.routing.daily.plan_daily_routes`, for the daily part.
    """
    params = params or DailyRoutingParams()
    started = time.perf_counter()
    if horizon_days < 1:
        raise bad_value("horizon_days", ">= 1", horizon_days)
    vi = list(map(int, villages))
    pos = {q: m for m, q in enumerate(vi)}
    members = [[pos[int(q)] for q in c] for c in catchments]
    dlv, pck = np.asarray(delivery_kg, float), np.asarray(pickup_kg, float)
    s_dlv = np.zeros(len(stations)) if station_delivery_kg is None else np.asarray(
        station_delivery_kg, float)
    s_pck = np.zeros(len(stations)) if station_pickup_kg is None else np.asarray(
        station_pickup_kg, float)
    kinds = ["village"] * len(vi) if village_kinds is None else list(village_kinds)
    loads = [(float(dlv[m].sum() + s_dlv[k]), float(pck[m].sum() + s_pck[k]))
             for k, m in enumerate(members)]
    dist, dur = np.asarray(distance_m), np.asarray(duration_s)
    reach = classify_stations(dist, dur, warehouses=warehouses, stations=stations, loads=loads,
                              trunk_fleet=trunk_fleet, params=params)
    relaxed = _relaxed_cutoff(reach, params, max_cutoff_delay_min)
    if relaxed is not None:
        log.info("trunk cut-off relaxed from %s to %s min so that %d stations get a daily trunk",
                 params.trunk_arrival_by_min, relaxed,
                 sum(r.reason == "late_arrival" for r in reach))
        params = replace(params, trunk_arrival_by_min=relaxed)
        reach = classify_stations(dist, dur, warehouses=warehouses, stations=stations,
                                  loads=loads, trunk_fleet=trunk_fleet, params=params)
    daily_k = [r.station for r in reach if r.daily]
    remote_k = [r.station for r in reach if not r.daily]
    if remote_k:
        log.info("remote stations (no daily trunk): %s", ", ".join(
            f"{stations[k]} ({reach[k].figures()[1]})" for k in remote_k))
    keep = sorted(m for k in daily_k for m in members[k])
    counted_all = sum(1 for x in kinds if x == "village")
    counted_daily = sum(1 for m in keep if kinds[m] == "village")
    daily_params = params
    if remote_k and counted_daily:
        scaled = min(1.0, params.coverage_target * counted_all / counted_daily)
        curve = tuple(t for t in params.curve_targets if t >= scaled)
        daily_params = replace(params, coverage_target=round(scaled, 6),
                               curve_targets=curve or ((scaled,) if params.curve_targets else ()))
    required = [q for q in (required_villages or ()) if pos[int(q)] in set(keep)]
    dropped = _unreachable_required(dist, dur, required, reach, members, vi, dlv, pck,
                                    feeder_fleet, params)
    required = [q for q in required if q not in dropped]
    if daily_k:
        def run(p: DailyRoutingParams) -> DailyRoutingResult:
            return plan_daily_routes(
                dist, dur, warehouses=warehouses, stations=[stations[k] for k in daily_k],
                villages=[vi[m] for m in keep], delivery_kg=dlv[keep], pickup_kg=pck[keep],
                catchments=[[vi[m] for m in members[k]] for k in daily_k],
                trunk_fleet=trunk_fleet, feeder_fleet=feeder_fleet,
                village_kinds=[kinds[m] for m in keep],
                station_delivery_kg=s_dlv[daily_k], station_pickup_kg=s_pck[daily_k],
                required_villages=required or None, params=p, seed=seed, **daily_kwargs)

        try:
            daily = run(daily_params)
        except InfeasibleError as err:
            lower = _reachable_target(err, counted_daily) if remote_k else None
            if lower is None or lower >= daily_params.coverage_target:
                raise
            log.info("remote county: daily coverage lowered to the %.1f%% of the daily "
                     "stations' villages a feeder can reach", 100 * lower)
            daily = run(replace(daily_params, coverage_target=lower,
                                curve_targets=(lower,) if params.curve_targets else ()))
    else:
        daily = _empty_daily(params.mode, params.engine, 0, started)
    not_daily: list[tuple[str, int, str, str, str]] = []
    loops = []
    for k in remote_k:
        loop, left = _loop(reach[k], k, members[k], loads[k], distance=dist, duration=dur,
                           villages=vi, delivery=dlv, pickup=pck, trunk_fleet=trunk_fleet,
                           feeder_fleet=feeder_fleet, params=params,
                           horizon_days=horizon_days, seed=seed)
        loops.append(loop)
        zh, en = reach[k].figures()
        not_daily.append(("station", int(stations[k]), reach[k].reason,
                          f"乡镇站无每日干线：{zh}；改为每 {loop.cycle_days} 天一次的过夜干线，"
                          f"服务日 周{loop.pattern_zh()}",
                          f"no daily trunk: {en}; served by an overnight loop every "
                          f"{loop.cycle_days} days, service days {list(loop.pattern)}"))
        served = {s.point for r in loop.feeder_routes for s in r.stops}
        for m in members[k]:
            if vi[m] in served:
                not_daily.append(("village", vi[m], "remote_station",
                                  f"所属乡镇站无每日干线（{zh}）；周{loop.pattern_zh()}配送，"
                                  f"每次送 {loop.cycle_days} 天累计的货量",
                                  f"its station has no daily trunk ({en}); served on days "
                                  f"{list(loop.pattern)} with {loop.cycle_days} days of "
                                  "accumulated parcels"))
        for m in left:
            not_daily.append(("village", vi[m], "village_unreachable",
                              "服务日内支线车辆无法往返或载重不足", "no feeder can reach it and "
                              "come back within the service day, or its load exceeds every "
                              "feeder"))
    station_of = {vi[m]: int(stations[k]) for k in daily_k for m in members[k]}
    not_daily += _unreachable_daily(daily, dur, station_of, params)
    return daily, RemotePlan(horizon_days, tuple(loops), tuple(not_daily),
                             params.trunk_arrival_by_min if relaxed is not None else None)


def _unreachable_daily(daily: DailyRoutingResult, dur: np.ndarray, station_of: dict[int, int],
                       params: DailyRoutingParams):
    """Rows for villages of daily stations that no feeder reaches within the day, with figures.

    The figure is the road time from the village's station (free-flow, before
    any vehicle's speed cap) against the feeders' part of the day: from the
    station's ready time to the end of the day.
    """
    rows = []
    for u in daily.unserved:
        if u.reason != "unreachable":
            continue
        q = station_of[u.point]
        h = dur[q, u.point] / 3600
        ready = daily.station_ready_min.get(q, params.day_start_min)
        left_h = (params.day_end_min - ready) / 60
        rows.append(("village", u.point, "village_unreachable",
                     f"{u.zh}：单程 {h:.1f} 小时，支线可用 {left_h:.1f} 小时",
                     f"{u.en}: one-way {h:.1f} h, feeders have {left_h:.1f} h"))
    return rows

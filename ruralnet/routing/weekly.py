"""A county's week (每周班次): daily villages every day, every other 行政村 on a day pattern.

:func:`plan_weekly_feeders` takes a day plan of
:func:`ruralnet.routing.daily.plan_daily_routes` and plans the feeders of
every working day of a horizon (default 7): the villages the daily plan
serves (≥ the coverage target) keep a daily visit; every other
administrative village a feeder can reach gets at least
``min_visits_per_week`` visits on a fixed, evenly spaced pattern of days
(一四 / 二五 / 三六 …, :func:`ruralnet.routing.periodic.day_patterns`),
the pattern chosen together with the routes by
:func:`ruralnet.routing.periodic.solve_periodic`, one periodic problem per
township station. A village visited ``k`` times gets, on each visit, the
parcels (and gives the farm products) accumulated since its previous visit:
parcels wait at the township station. The trunk tier is the same every day
(every station gets its catchment's daily parcels by trunk), so each day's
feeders leave the station no earlier than the daily plan's trunk arrival
plus handling.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ruralnet._validate import bad_value
from ruralnet.exceptions import InfeasibleError
from ruralnet.routing.daily import (
    DailyRoute,
    DailyRoutingParams,
    DailyRoutingResult,
    DailyStop,
    FleetType,
)
from ruralnet.routing.model import RoutingParams
from ruralnet.routing.periodic import (
    PeriodicProblem,
    accumulated_loads,
    day_patterns,
    solve_periodic,
)

log = logging.getLogger(__name__)

__all__ = ["WeeklyParams", "WeeklyResult", "plan_weekly_feeders"]


@dataclass(frozen=True)
class WeeklyParams:
    """Options of the weekly plan.

    Parameters
    ----------
    horizon_days
        Working days of the week (7: 一 .. 日; 6: 一 .. 六).
    min_visits_per_week
        Visits of each administrative village not served daily, >= 1.
    time_limit_s
        Search budget per township station.
    day_time_limit_s
        Time of one day's routing solve inside the search.
    """

    horizon_days: int = 7
    min_visits_per_week: int = 2
    time_limit_s: float = 4.0
    day_time_limit_s: float = 0.3

    def __post_init__(self) -> None:
        if not 1 <= self.horizon_days <= 14:
            raise bad_value("horizon_days", "in [1, 14]", self.horizon_days)
        if not 1 <= self.min_visits_per_week <= self.horizon_days:
            raise bad_value("min_visits_per_week", f"in [1, {self.horizon_days}]",
                            self.min_visits_per_week)
        for name in ("time_limit_s", "day_time_limit_s"):
            if not getattr(self, name) > 0:
                raise bad_value(name, "> 0", getattr(self, name))


@dataclass(frozen=True)
class WeeklyResult:
    """Each village's visit days and each day's feeder routes.

    ``pattern`` maps a village point to its 0-based visit days; ``days[d]``
    are day ``d``'s feeder routes, one per trip (ids ``D{d+1}-F..``, as
    in :class:`~ruralnet.routing.daily.DailyRoute`); ``cost_yuan`` is
    the week's feeder cost; ``unreachable`` lists village points no feeder
    reaches within the day (no pattern).
    """

    horizon_days: int
    min_visits_per_week: int
    pattern: dict[int, tuple[int, ...]]
    days: tuple[tuple[DailyRoute, ...], ...]
    cost_yuan: float
    unreachable: tuple[int, ...]
    runtime_s: float

    def visits(self, point: int) -> int:
        """Return the visits a week of a village point (0 when it has no pattern)."""
        return len(self.pattern.get(point, ()))


def _route(route, rid: str, vt, points: list[int], vehicle: str = "",
           trip: int = 1) -> DailyRoute:
    """Convert a scheduled route of a day problem (depot 0 = station) to a :class:`DailyRoute`."""
    m = lambda s: round(s / 60, 2)  # noqa: E731
    stops = tuple(DailyStop(points[s.client], s.distance_from_prev_m / 1000,
                            m(s.travel_from_prev_s), m(s.arrive_s), m(s.depart_s), s.delivered_kg,
                            s.picked_kg, s.load_after_kg) for s in route.stops)
    return DailyRoute(rid, "feeder", vt.name, vt.capacity_kg, points[-1], m(route.start_s),
                      m(route.end_s), route.distance_m / 1000, m(route.duration_s),
                      route.load_start_kg, route.return_distance_m / 1000,
                      m(route.return_travel_s), round(route.cost, 6), stops, vehicle or rid,
                      trip)


def plan_weekly_feeders(daily: DailyRoutingResult, distance_m: np.ndarray, duration_s: np.ndarray,
                        *, stations: Sequence[int], villages: Sequence[int],
                        delivery_kg: Sequence[float], pickup_kg: Sequence[float],
                        catchments: Sequence[Sequence[int]], feeder_fleet: Sequence[FleetType],
                        village_kinds: Sequence[str] | None = None,
                        params: DailyRoutingParams | None = None,
                        weekly: WeeklyParams | None = None, seed: int = 0) -> WeeklyResult:
    """Plan every day's feeders of a week around a two-tier day plan.

    Parameters
    ----------
    daily
        The two-tier day plan (its trunk arrivals fix each station's
        feeder start; its feeder villages are the daily villages).
    distance_m, duration_s, stations, villages, delivery_kg, pickup_kg, catchments, feeder_fleet
        As for :func:`~ruralnet.routing.daily.plan_daily_routes` (only the
        stations in ``daily.station_ready_min`` are planned).
    village_kinds
        ``"village"`` or ``"community"`` per village; communities keep
        their daily status only (the programme counts 行政村).
    params
        The day's rules (working day, service time, engine).
    weekly
        Options of the week.
    seed
        Random seed.

    Returns
    -------
    WeeklyResult

    Raises
    ------
    InfeasibleError
        When a day of some station cannot be routed with its fleet.
    """
    params = params or DailyRoutingParams()
    weekly = weekly or WeeklyParams()
    started = time.perf_counter()
    H = weekly.horizon_days
    day0, day1 = params.day_start_min * 60, params.day_end_min * 60
    vi = list(map(int, villages))
    pos = {q: m for m, q in enumerate(vi)}
    kinds = list(village_kinds) if village_kinds is not None else ["village"] * len(vi)
    served = {s.point for r in daily.routes if r.tier == "feeder" for s in r.stops}
    unreachable = {u.point for u in daily.unserved if u.reason == "unreachable"}
    every_day = tuple(range(H))
    weekly_pats = day_patterns(H, weekly.min_visits_per_week)
    dist, dur = np.asarray(distance_m), np.asarray(duration_s)
    pattern: dict[int, tuple[int, ...]] = {}
    days: list[list[DailyRoute]] = [[] for _ in range(H)]
    cost = 0.0
    rp = RoutingParams(engine=params.engine, time_limit_s=weekly.day_time_limit_s,
                       max_iterations=params.max_iterations)
    for k, st in enumerate(stations):
        if st not in daily.station_ready_min:
            continue
        members = [int(q) for q in catchments[k]
                   if int(q) in served or (kinds[pos[int(q)]] == "village"
                                           and int(q) not in unreachable)]
        if not members:
            continue
        pats, loads = [], []
        for q in members:
            m = pos[q]
            opts = (every_day,) if q in served else weekly_pats
            pats.append(opts)
            loads.append(tuple(accumulated_loads(p, H, float(delivery_kg[m]), float(pickup_kg[m]))
                               for p in opts))
        pts = members + [int(st)]  # depot last in ``pts``, first in the matrices
        order = [len(pts) - 1] + list(range(len(members)))
        ix = np.ix_([pts[i] for i in order], [pts[i] for i in order])
        ready = round(daily.station_ready_min[st] * 60)
        problem = PeriodicProblem(
            dist[ix].astype(np.int64), dur[ix].astype(np.int64),
            tuple(params.village_service_min * 60 for _ in members), tuple(pats), tuple(loads),
            tuple(f.vehicle_type(0, day0, day1) for f in feeder_fleet), H,
            depot_early_s=min(ready, day1), depot_late_s=day1)
        try:
            res = solve_periodic(problem, rp, time_limit_s=weekly.time_limit_s, seed=seed + k)
        except InfeasibleError as err:
            raise InfeasibleError(
                f"乡镇站（点 {st}）的每周支线无解：{err.zh}；可减少每周次数或增加支线车辆",
                f"the weekly feeders of the station at point {st} are infeasible: {err.en}; "
                "lower min_visits_per_week or add feeder vehicles", station=int(st),
                **err.details) from err
        for c, q in enumerate(members):
            pattern[q] = pats[c][res.pattern[c]]
        for d in range(H):
            local = [members[c] for c in res.day_clients[d]] + [int(st)]
            trips = {r.vehicle: 0 for r in res.day_routes[d]}
            for r in res.day_routes[d]:
                trips[r.vehicle] += 1
            for r in res.day_routes[d]:  # one record per trip; vehicle ids count vehicles
                vt = res.day_problems[d].vehicle_types[r.vehicle_type]
                vid = f"D{d + 1}-F{k + 1:02d}-{r.vehicle + 1:02d}"
                rid = f"{vid}.{r.trip + 1}" if trips[r.vehicle] > 1 else vid
                days[d].append(_route(r, rid, vt, local, vid, r.trip + 1))
        cost += res.cost
    log.info("weekly feeders: %d villages on patterns, %.0f yuan a week, %.1f s", len(pattern),
             cost, time.perf_counter() - started)
    return WeeklyResult(H, weekly.min_visits_per_week, pattern, tuple(tuple(d) for d in days),
                        round(cost, 2), tuple(sorted(unreachable)), time.perf_counter() - started)

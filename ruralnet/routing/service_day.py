"""A remote station's service day: its feeders' routes, numbered per vehicle and trip.

On the service day of a multi-day trunk loop (:mod:`ruralnet.routing.remote`)
the parcels of ``cycle_days`` days are at the township station and its
feeders have the whole working day. :func:`plan_service_day` routes them
with :func:`ruralnet.routing.solve.solve_routes`; :func:`vehicle_routes`
names the routes as the daily plan does (vehicle ``M01-0k``; with several
trips of one vehicle, ``M01-0k.1``, ``M01-0k.2``, … sharing that vehicle id),
so that ``ruralnet validate`` checks their trips like every other route's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from ruralnet.routing.daily import DailyRoute, DailyRoutingParams, DailyStop, FleetType
from ruralnet.routing.model import Client, Depot, RoutingParams, RoutingProblem
from ruralnet.routing.solve import solve_routes

__all__ = ["SERVICE_DAY_PRIZE_YUAN", "plan_service_day", "vehicle_routes"]

#: Prize (yuan) of a village on a remote station's service day: high enough
#: that every village a feeder can reach is served.
SERVICE_DAY_PRIZE_YUAN = 10_000.0


def _to_daily_route(route, rid: str, vt, points: list[int], vehicle: str,
                    trip: int) -> DailyRoute:
    """Convert a service-day route to minutes, km and point indices."""
    m = lambda s: round(s / 60, 2)  # noqa: E731
    stops = tuple(DailyStop(points[1 + s.client], s.distance_from_prev_m / 1000,
                            m(s.travel_from_prev_s), m(s.arrive_s), m(s.depart_s),
                            s.delivered_kg, s.picked_kg, s.load_after_kg) for s in route.stops)
    return DailyRoute(rid, "feeder", vt.name, vt.capacity_kg, points[0], m(route.start_s),
                      m(route.end_s), route.distance_m / 1000, m(route.duration_s),
                      route.load_start_kg, route.return_distance_m / 1000,
                      m(route.return_travel_s), round(route.cost, 6), stops, vehicle, trip)


def vehicle_routes(records, rid: str, vehicle_types, points: list[int]) -> list[DailyRoute]:
    """Return service-day routes numbered as the daily ones (vehicle, then trip).

    ``records`` are the :class:`~ruralnet.routing.model.Route` records of
    one solve. A vehicle with one trip gets the id ``<rid>-0k`` (k in order
    of first appearance), also its ``vehicle``; one with several trips
    (``max_trips > 1``) one route per trip, ids ``<rid>-0k.1``, ``.2``, …,
    all with ``vehicle = "<rid>-0k"`` and ``trip`` 1, 2, ….
    """
    order = {v: i for i, v in enumerate(dict.fromkeys(r.vehicle for r in records))}
    trips = Counter(r.vehicle for r in records)
    out = []
    for r in records:
        vid = f"{rid}-{order[r.vehicle] + 1:02d}"
        out.append(_to_daily_route(r, f"{vid}.{r.trip + 1}" if trips[r.vehicle] > 1 else vid,
                                   vehicle_types[r.vehicle_type], points, vid, r.trip + 1))
    return out


def plan_service_day(distance, duration, station: int, members: list[int],
                     villages: list[int], delivery: np.ndarray, pickup: np.ndarray,
                     cycle_days: int, feeder_fleet: Sequence[FleetType],
                     params: DailyRoutingParams, rid: str,
                     seed: int) -> tuple[list[DailyRoute], list[int]]:
    """Feeder routes of a remote station's service day; return them and the villages left out.

    The trunk arrived the evening before, so feeders have the whole working
    day; each village's load is ``cycle_days`` days of its demand (``members``
    index ``villages``, ``delivery`` and ``pickup``); every village a feeder
    can reach is served (a high prize). Route ids start with ``rid`` and
    are numbered per vehicle and trip by :func:`vehicle_routes`.
    """
    if not members:
        return [], []
    day0, day1 = params.day_start_min * 60, params.day_end_min * 60
    pts = [station] + [villages[m] for m in members]
    ix = np.ix_(pts, pts)
    problem = RoutingProblem(
        depots=(Depot(tw_early_s=day0, tw_late_s=day1),),
        clients=tuple(Client(delivery_kg=float(delivery[m] * cycle_days),
                             pickup_kg=float(pickup[m] * cycle_days),
                             service_s=params.village_service_min * 60, tw_early_s=day0,
                             tw_late_s=day1, required=False, prize=SERVICE_DAY_PRIZE_YUAN,
                             counts_toward_coverage=False) for m in members),
        vehicle_types=tuple(f.vehicle_type(0, day0, day1) for f in feeder_fleet),
        distance_m=np.asarray(distance)[ix], duration_s=np.asarray(duration)[ix],
    )
    rp = RoutingParams(engine=params.engine, time_limit_s=params.trunk_time_limit_s,
                       max_iterations=params.max_iterations)
    res = solve_routes(problem, rp, seed=seed)
    return (vehicle_routes(res.routes, rid, problem.vehicle_types, pts),
            [members[j] for j in res.unvisited])

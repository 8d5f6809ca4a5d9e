"""The validated inputs of a daily plan and the conversion of engine routes to daily routes.

:class:`DayInputs` holds the county's matrices, point kinds, loads and
catchments as :func:`~ruralnet.routing.daily.plan_daily_routes` received
them, checked once by :func:`day_inputs`; :func:`trip_routes` turns the
routes of a sub-problem into :class:`~ruralnet.routing.daily_model.DailyRoute`
records (minutes, km, county point indices). Shared by the trunk tier
(:mod:`ruralnet.routing.trunk`) and the feeder and direct tiers
(:mod:`ruralnet.routing.daily`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ruralnet._validate import bad_value, int_matrix
from ruralnet.routing.daily_model import DailyRoute, DailyStop
from ruralnet.routing.model import Route, VehicleType

__all__ = ["DayInputs", "day_inputs", "trip_routes"]


@dataclass(eq=False)
class DayInputs:
    """Validated inputs of :func:`~ruralnet.routing.daily.plan_daily_routes`."""

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
        """Return the distance and duration sub-matrices over ``points``."""
        ix = np.ix_(points, points)
        return self.distance[ix], self.duration[ix]


def day_inputs(distance_m, duration_s, warehouses, stations, villages, delivery_kg, pickup_kg,
               catchments, village_kinds, station_delivery_kg, station_pickup_kg,
               required_villages=None, point_names=None) -> DayInputs:
    """Check the arguments of :func:`~ruralnet.routing.daily.plan_daily_routes` once.

    Raises
    ------
    ParameterError
        Naming the argument, the allowed range and the value given.
    """
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
    return DayInputs(dist, dur, wh, st, vi, per("delivery_kg", delivery_kg, len(vi)),
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


def daily_route(route: Route, rid: str, tier: str, vt: VehicleType, points: list[int],
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


def trip_routes(records: Sequence[Route], vid: str, tier: str, vt: VehicleType,
                points: list[int], n_depots: int) -> list[DailyRoute]:
    """Daily routes of one vehicle's trips (ids ``vid`` or ``vid.1``, ``vid.2``, …)."""
    many = len(records) > 1
    return [daily_route(rec, f"{vid}.{rec.trip + 1}" if many else vid, tier, vt, points,
                        n_depots, vid, rec.trip + 1) for rec in records]


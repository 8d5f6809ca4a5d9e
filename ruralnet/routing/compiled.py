"""Route compilation, evaluation and the coverage search behind :mod:`ruralnet.routing.solve`.

Private: the engines only return client sequences; everything that gives a
sequence its meaning lives here, shared by :func:`ruralnet.routing.solve.solve_routes`
and :func:`ruralnet.routing.daily.plan_daily_routes`:

* :func:`compile_problem` turns a :class:`~ruralnet.routing.solve.RoutingProblem` into the
  integer arrays (:class:`Compiled`) that both engines
  (:mod:`ruralnet.routing.ortools_engine`, :mod:`ruralnet.routing.pyvrp_engine`) read;
* :func:`schedule`, :func:`violations` and :func:`route_cost` time, check
  and price one route;
* :func:`run_engine` runs an engine and re-checks what it returns;
  :func:`reachable` and :func:`check_required` refuse hopeless problems
  before solving;
* :class:`CoverageSearch` meets a coverage target by bisection on a shared
  visit prize over one or several :class:`Part` sub-problems, then
  :func:`trim_routes` and :meth:`CoverageSearch.polish` remove surplus; shortfalls
  are explained by :func:`shortfall_error`.

Imports: the engines (lazily, inside :func:`resolve_engine` and
:func:`run_engine`); :mod:`ruralnet.routing.solve` only for type annotations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ruralnet.routing.model import (
    COST_UNITS_PER_YUAN,
    LOAD_UNITS_PER_KG,
    UNBOUNDED_S,
    RoutingProblem,
    VehicleType,
)
from ruralnet.routing.trips import trips_of

# --------------------------------------------------------------------------
# Compilation to integer arrays, shared by both engines
# --------------------------------------------------------------------------


@dataclass(eq=False)
class Compiled:
    """A routing problem compiled to the integer arrays both engines read."""

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
    vt_max_trips: list[int]
    vt_reload: list[int]
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


def travel_matrix_of(p: RoutingProblem, t: VehicleType) -> np.ndarray:
    """Return the travel-time matrix of a vehicle type (its speed factor applied)."""
    travel = p.duration_s
    if t.speed_factor != 1:
        travel = np.ceil(travel / t.speed_factor).astype(np.int64)
    if t.max_speed_kph is not None:
        capped = np.ceil(p.distance_m * 3.6 / t.max_speed_kph).astype(np.int64)
        travel = np.maximum(travel, capped)
    return travel


def speed_profiles(p: RoutingProblem) -> tuple[list[np.ndarray], list[int]]:
    """Return one travel-time matrix per distinct speed, and each vehicle type's profile."""
    keys: dict[tuple, int] = {}
    profiles, vt_profile = [], []
    for t in p.vehicle_types:
        key = (t.speed_factor, t.max_speed_kph)
        if key not in keys:
            keys[key] = len(profiles)
            profiles.append(travel_matrix_of(p, t))
        vt_profile.append(keys[key])
    return profiles, vt_profile


def compile_problem(p: RoutingProblem) -> Compiled:
    """Turn the problem into the integer arrays both engines read."""
    profiles, vt_profile = speed_profiles(p)
    cl = p.clients
    arr = lambda f, dt=np.int64: np.array([f(c) for c in cl], dtype=dt)  # noqa: E731
    tw_late = arr(lambda c: c.tw_late_s)
    lates = [int(tw_late.max(initial=0))] + [d.tw_late_s for d in p.depots]
    lates += [t.shift_end_s for t in p.vehicle_types]
    horizon = min(UNBOUNDED_S, max(lates))
    vt = p.vehicle_types
    max_dur = [horizon if t.max_duration_s is None else min(t.max_duration_s, horizon) for t in vt]
    time_binds = (
        any(t.max_trips > 1 for t in vt)  # trips are chained in time
        or bool((tw_late < horizon).any() or arr(lambda c: c.tw_early_s).any())
        or any(d < horizon for d in max_dur)
        or any(t.shift_start_s > 0 or t.shift_end_s < horizon for t in vt)
    )
    return Compiled(
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
        vt_max_trips=[t.max_trips for t in vt],
        vt_reload=[t.reload_s for t in vt],
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


def trip_times(c: Compiled, t: int, clients: Sequence[int], t0: int):
    """Forward pass from departure ``t0`` over all trips of a vehicle.

    Return per trip ``(departure, arrivals, service starts, return)``; a trip
    after the first leaves ``reload`` seconds after the previous return.
    """
    travel = c.profiles[c.vt_profile[t]]
    d = c.vt_depot[t]
    out, now = [], t0
    for i, trip in enumerate(trips_of(clients)):
        if i:
            now += c.vt_reload[t]
        nodes = [d] + [c.n_depots + j for j in trip] + [d]
        legs = travel[nodes[:-1], nodes[1:]].tolist()
        leave, arrive, start = now, [], []
        for k, j in enumerate(trip):
            a = now + legs[k]
            s = max(a, int(c.tw_early[j]))
            arrive.append(a)
            start.append(s)
            now = s + int(c.service[j])
        now += legs[-1]
        out.append((leave, arrive, start, now))
    return out


def trip_schedule(c: Compiled, t: int, clients: Sequence[int]):
    """Earliest feasible schedule of every trip, then leave as late as waiting allows.

    Delaying the first departure by ``δ`` moves stop ``k`` (over all trips,
    in order) by ``max(0, δ - W_k)``, where ``W_k`` is the waiting up to and
    including ``k``; the largest ``δ`` that keeps every window and removes
    waiting is ``min(W_total, min_k(W_k + late_k - start_k))``. This
    minimises the vehicle's working span for the sequence. Return per trip
    ``(departure, arrivals, service starts, return)``.
    """
    d = c.vt_depot[t]
    t0 = max(c.vt_early[t], int(c.depot_early[d]))
    trips = trip_times(c, t, clients, t0)
    arrive = [a for tr in trips for a in tr[1]]
    start = [s for tr in trips for s in tr[2]]
    flat = list(clients)
    waits = np.cumsum([s - a for a, s in zip(arrive, start, strict=True)] or [0])
    slack = [int(waits[k]) + int(c.tw_late[j]) - start[k] for k, j in enumerate(flat)]
    delay = max(0, min([int(waits[-1])] + slack))
    if delay:
        trips = trip_times(c, t, clients, t0 + delay)
    return trips


def schedule(c: Compiled, t: int, clients: Sequence[int]):
    """Return ``(departure, arrivals, service starts, return)`` of the whole vehicle day.

    Arrivals and starts run over all trips in order (see :func:`trip_schedule`).
    """
    trips = trip_schedule(c, t, clients)
    arrive = [a for tr in trips for a in tr[1]]
    start = [s for tr in trips for s in tr[2]]
    return trips[0][0], arrive, start, trips[-1][3]


def trip_peak_load(c: Compiled, trip: Sequence[int]) -> int:
    """Largest on-board load of one trip (integer units), deliveries out and pickups back."""
    idx = np.asarray(trip, dtype=np.int64)
    load = c.delivery[idx].sum() + np.cumsum(c.pickup[idx] - c.delivery[idx])
    return max(int(c.delivery[idx].sum()), int(load.max(initial=0)))


def violations(c: Compiled, t: int, clients: Sequence[int]) -> list[str]:
    """Return what the route breaks (empty when feasible)."""
    t0, _, start, end = schedule(c, t, clients)
    d = c.vt_depot[t]
    out = [f"client {j} starts at {s} > {c.tw_late[j]}" for j, s in zip(clients, start, strict=True)
           if s > c.tw_late[j]]
    if end > min(c.vt_late[t], int(c.depot_late[d])):
        out.append(f"returns at {end} after the shift/depot end")
    if end - t0 > c.vt_max_duration[t]:
        out.append(f"lasts {end - t0} s > {c.vt_max_duration[t]}")
    trips = trips_of(clients)
    if len(trips) > c.vt_max_trips[t]:
        out.append(f"{len(trips)} trips > max_trips {c.vt_max_trips[t]}")
    for i, trip in enumerate(trips):
        peak = trip_peak_load(c, trip)
        if peak > c.vt_capacity[t]:
            out.append(f"trip {i + 1}: load {peak / LOAD_UNITS_PER_KG} kg > capacity")
    return out


def route_cost(c: Compiled, t: int, clients: Sequence[int]) -> int:
    """Return the fixed (once per vehicle) plus distance cost of all its trips, integer units."""
    d = c.vt_depot[t]
    dist = 0
    for trip in trips_of(clients):
        nodes = [d] + [c.n_depots + j for j in trip] + [d]
        dist += int(c.distance[nodes[:-1], nodes[1:]].sum())
    return c.vt_fixed[t] + c.vt_unit_cost[t] * dist




"""Periodic vehicle routing with visit-day patterns (PVRP): a week of routes from one depot.

Formulation. A horizon of ``days`` working days; clients ``c`` with a list
of allowed **patterns** (sets of days, e.g. 一三五 = ``(0, 2, 4)``) and, for
each pattern and each of its days, the delivery and pick-up of that visit
(for a village visited ``k`` times a week, what accumulated since the last
visit). Choose one pattern per client and every day's routes (each day: the
vehicle types of :class:`~ruralnet.routing.model.RoutingProblem`, two-way
loads, shift and duration limits) so that each client is visited exactly on
the days of its pattern, minimising fixed plus distance costs over the
horizon.

Method (assign, route, improve — in the spirit of Chao, Golden & Wasil
1995 and Cordeau, Gendreau & Laporte 1997, much simpler than the hybrid
genetic search of Vidal et al. 2012):

1. **assign**: clients with the fewest patterns first, each takes the
   pattern whose days it is nearest to (distance to the closest client
   already on that day, or the depot), preferring days with spare capacity;
2. **route**: each day is an ordinary VRP solved with
   :func:`ruralnet.routing.solve.solve_routes` (PyVRP or OR-Tools);
3. **improve**: a large-neighbourhood search over patterns
   (:mod:`ruralnet.routing.periodic_lns`: remove k clients from all their
   days, reinsert each on the pattern of least total insertion cost,
   record-to-record acceptance; with one trip per vehicle, insertions may
   overload a route at an adaptive penalty per kg and per second over the
   limit, and an overloaded week that would be the best is re-routed day by
   day by the day solver and counts only once it fits — the penalised
   search of Cordeau et al. 1997 and Vidal et al. 2012, which a day filled to
   its last kilo needs), then the changed days are re-solved and the
   better routes kept; repeated until the budget ends. ``search="moves"``
   keeps the earlier single-client pattern moves with random perturbations.

The result is the best week found; every day's routes are re-checked by
:mod:`ruralnet.routing.compiled` (loads, shift, duration).

Why this module is long: the week's state (``_Week``), the first assignment,
the single-client moves and the final week check share the per-day route
sequences, which may hold several trips of one vehicle
(:mod:`ruralnet.routing.trips`); the LNS lives in its own module.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from ruralnet._validate import bad_value
from ruralnet.exceptions import InfeasibleError
from ruralnet.routing.compiled import compile_problem, violations
from ruralnet.routing.model import (
    Client,
    Depot,
    Route,
    RoutingParams,
    RoutingProblem,
    VehicleType,
)
from ruralnet.routing.periodic_joint import joint_applies, solve_week_jointly
from ruralnet.routing.periodic_lns import lns_patterns
from ruralnet.routing.solve import route_records, solve_routes
from ruralnet.routing.trips import (
    copy_seq,
    drop_client,
    grouped_trips,
    insert_client,
    mapped,
    single,
    trips_of,
    without_client,
)

log = logging.getLogger(__name__)

__all__ = ["PeriodicProblem", "PeriodicResult", "day_patterns", "solve_periodic"]

Load = tuple[float, float]
REPAIR_ITERATIONS = 300  # day-solver iterations to re-route an overloaded day of the LNS


def day_patterns(horizon_days: int, visits: int) -> tuple[tuple[int, ...], ...]:
    """Return evenly spaced visit-day patterns (0-based days) of ``visits`` days in the horizon.

    Spacing is ``horizon_days // visits`` days, as planners set them:
    three a week 一三五 / 二四六 / 三五日, twice 一四 / 二五 / 三六 / 四日.

    Examples
    --------
    >>> day_patterns(7, 3)
    ((0, 2, 4), (1, 3, 5), (2, 4, 6))
    >>> day_patterns(6, 2)
    ((0, 3), (1, 4), (2, 5))
    >>> day_patterns(5, 5)
    ((0, 1, 2, 3, 4),)
    """
    if not 1 <= visits <= horizon_days:
        raise bad_value("visits", f"in [1, {horizon_days}]", visits)
    step = horizon_days // visits
    span = step * (visits - 1)
    return tuple(tuple(s + i * step for i in range(visits)) for s in range(horizon_days - span))


def accumulated_loads(pattern: Sequence[int], horizon_days: int, delivery_kg: float,
                      pickup_kg: float) -> tuple[Load, ...]:
    """Return each visit's load: the days since the previous visit (cyclic week) × the daily load.

    Examples
    --------
    >>> accumulated_loads((0, 3), 7, 10.0, 2.0)   # Mon carries Fri..Mon (4 days), Thu 3
    ((40.0, 8.0), (30.0, 6.0))
    """
    days = sorted(pattern)
    gaps = [(d - days[i - 1]) % horizon_days or horizon_days for i, d in enumerate(days)]
    return tuple((delivery_kg * g, pickup_kg * g) for g in gaps)


@dataclass(frozen=True)
class PeriodicProblem:
    """A periodic routing problem from one depot (index 0 of the matrices).

    Parameters
    ----------
    distance_m, duration_s
        Integer ``(n + 1, n + 1)`` matrices, depot first.
    service_s
        Service time of each of the ``n`` clients.
    patterns
        Per client, the allowed patterns (tuples of 0-based days).
    loads
        Per client, per pattern, per day of the pattern: ``(delivery, pickup)`` kg.
    vehicle_types
        The fleet available every day (``depot`` must be 0).
    days
        Horizon in working days.
    depot_early_s, depot_late_s
        Depot window (e.g. trunk arrival plus handling to the end of the day).
    """

    distance_m: np.ndarray
    duration_s: np.ndarray
    service_s: tuple[int, ...]
    patterns: tuple[tuple[tuple[int, ...], ...], ...]
    loads: tuple[tuple[tuple[Load, ...], ...], ...]
    vehicle_types: tuple[VehicleType, ...]
    days: int
    depot_early_s: int = 0
    depot_late_s: int = 7 * 86_400

    def __post_init__(self) -> None:
        n = len(self.service_s)
        if np.shape(self.distance_m) != (n + 1, n + 1) or np.shape(self.duration_s) != (
                n + 1, n + 1):
            raise bad_value("distance_m/duration_s", f"({n + 1}, {n + 1}) matrices",
                            np.shape(self.distance_m))
        if len(self.patterns) != n or len(self.loads) != n:
            raise bad_value("patterns/loads", f"{n} entries", (len(self.patterns), len(self.loads)))
        for c, (pats, lds) in enumerate(zip(self.patterns, self.loads, strict=True)):
            if not pats or len(pats) != len(lds):
                raise bad_value(f"patterns[{c}]", "at least one, one load list each", len(pats))
            for p, ld in zip(pats, lds, strict=True):
                if len(p) != len(ld) or any(not 0 <= d < self.days for d in p) or len(
                        set(p)) != len(p):
                    raise bad_value(f"patterns[{c}]", f"distinct days in [0, {self.days})", p)
        if not self.vehicle_types or any(t.depot != 0 for t in self.vehicle_types):
            raise bad_value("vehicle_types", "at least one, all at depot 0", self.vehicle_types)


@dataclass(frozen=True)
class PeriodicResult:
    """The week: chosen pattern per client and each day's routes.

    ``routes[d]`` lists ``(vehicle_type, clients)`` of day ``d`` per vehicle
    (clients 0..n-1 in visiting order, all trips in turn); ``day_problems[d]``
    is the day's :class:`RoutingProblem` (clients ``day_clients[d]``, in that
    order) and ``day_routes[d]`` its checked, scheduled routes, one per
    trip with ``vehicle``/``trip`` set (stop ``client`` indexes
    ``day_clients[d]``); ``cost`` is in yuan over the
    horizon.
    """

    pattern: tuple[int, ...]
    routes: tuple[tuple[tuple[int, tuple[int, ...]], ...], ...]
    cost: float
    day_costs: tuple[float, ...]
    iterations: int
    runtime_s: float
    day_problems: tuple[RoutingProblem, ...] = ()
    day_routes: tuple[tuple[Route, ...], ...] = ()
    day_clients: tuple[tuple[int, ...], ...] = ()


class _Week:
    """Mutable state of the search: pattern choice and per-day route sequences."""

    def __init__(self, p: PeriodicProblem):
        self.p = p
        self.n = len(p.service_s)
        self.dist = np.asarray(p.distance_m, dtype=np.int64)
        probe = RoutingProblem(depots=(Depot(),), clients=tuple(Client() for _ in range(self.n)),
                               vehicle_types=p.vehicle_types, distance_m=self.dist,
                               duration_s=np.asarray(p.duration_s, dtype=np.int64))
        c = compile_problem(probe)
        self.travel = [c.profiles[c.vt_profile[t]] for t in range(len(p.vehicle_types))]
        self.travel_keys = [c.profiles[k] for k in set(c.vt_profile)]
        self.unit = [t.cost_per_km / 1000 for t in p.vehicle_types]
        self.fixed = [t.fixed_cost for t in p.vehicle_types]
        self.cap = [t.capacity_kg for t in p.vehicle_types]
        self.num = [t.num_available for t in p.vehicle_types]
        self.limit = []
        for t in p.vehicle_types:
            start = max(t.shift_start_s, p.depot_early_s)
            end = min(t.shift_end_s, p.depot_late_s)
            dur = end - start if t.max_duration_s is None else min(end - start, t.max_duration_s)
            self.limit.append(dur)
        self.service = np.concatenate([[0], np.asarray(p.service_s, dtype=np.int64)])
        self.reload = [t.reload_s for t in p.vehicle_types]
        self.max_trips = [t.max_trips for t in p.vehicle_types]

    def load(self, c: int, pat: int, day: int) -> Load:
        pattern = self.p.patterns[c][pat]
        return self.p.loads[c][pat][pattern.index(day)]

    def route_ok(self, t: int, seq: Sequence[int], loads: dict[int, Load]) -> bool:
        """Tell whether a vehicle's trips fit its shift (with reloads) and each trip its load."""
        if not seq:
            return True
        trips = trips_of(seq)
        if len(trips) > self.max_trips[t]:
            return False
        dur = self.reload[t] * (len(trips) - 1)
        for trip in trips:
            nodes = [0] + [c + 1 for c in trip] + [0]
            dur += int(self.travel[t][nodes[:-1], nodes[1:]].sum() + self.service[nodes].sum())
            on = sum(loads[c][0] for c in trip)
            if on > self.cap[t] + 1e-9:
                return False
            for c in trip:
                on += loads[c][1] - loads[c][0]
                if on > self.cap[t] + 1e-9:
                    return False
        return dur <= self.limit[t]

    def route_cost(self, t: int, seq: Sequence[int]) -> float:
        """Return the fixed cost (once per vehicle) plus the distance cost of all its trips."""
        if not seq:
            return 0.0
        km = 0.0
        for trip in trips_of(seq):
            nodes = [0] + [c + 1 for c in trip] + [0]
            km += float(self.dist[nodes[:-1], nodes[1:]].sum())
        return self.fixed[t] + self.unit[t] * km


def _initial_patterns(w: _Week, rng: np.random.Generator) -> list[int]:
    """Least flexible clients first; each takes the pattern nearest to its days' clients."""
    p = w.p
    on_day: list[list[int]] = [[] for _ in range(p.days)]
    kg = np.zeros(p.days)
    room = sum(n * c * k for n, c, k in zip(w.num, w.cap, w.max_trips, strict=True))
    order = sorted(range(w.n), key=lambda c: (len(p.patterns[c]), -len(p.patterns[c][0]),
                                              rng.random()))
    choice = [0] * w.n
    for c in order:
        best, best_score = 0, np.inf
        for k, pat in enumerate(p.patterns[c]):
            score = 0.0
            for d, (dl, pk) in zip(pat, p.loads[c][k], strict=True):
                near = [0] + [x + 1 for x in on_day[d]]
                score += float(w.dist[c + 1, near].min() + w.dist[near, c + 1].min())
                if kg[d] + max(dl, pk) > room:
                    score += 1e12
                score += 1e-6 * kg[d]  # ties: the lighter days
            if score < best_score:
                best, best_score = k, score
        choice[c] = best
        for d, (dl, pk) in zip(p.patterns[c][best], p.loads[c][best], strict=True):
            on_day[d].append(c)
            kg[d] += max(dl, pk)
    return choice


def _day_problem(w: _Week, choice: Sequence[int], day: int) -> tuple[RoutingProblem, list[int]]:
    p = w.p
    members = [c for c in range(w.n) if day in p.patterns[c][choice[c]]]
    pts = [0] + [c + 1 for c in members]
    ix = np.ix_(pts, pts)
    clients = tuple(Client(delivery_kg=w.load(c, choice[c], day)[0],
                           pickup_kg=w.load(c, choice[c], day)[1], service_s=int(p.service_s[c]))
                    for c in members)
    return RoutingProblem(depots=(Depot(tw_early_s=p.depot_early_s, tw_late_s=p.depot_late_s),),
                          clients=clients, vehicle_types=p.vehicle_types,
                          distance_m=w.dist[ix], duration_s=np.asarray(p.duration_s)[ix]), members


def _solve_day(w: _Week, choice: Sequence[int], day: int, params: RoutingParams,
               seed: int) -> list[tuple[int, list[int]]]:
    problem, members = _day_problem(w, choice, day)
    if not members:
        return []
    res = solve_routes(problem, params, seed=seed)
    return grouped_trips(res.routes, problem.vehicle_types, lambda j: members[j])


def _solve_all(w: _Week, choice: list[int], params: RoutingParams, seed: int,
               joint: bool) -> list[list[tuple[int, list[int]]]]:
    """Route every day; with ``joint``, the whole week in one model (it may change ``choice``)."""
    if all(len(x) == 1 for pats in w.p.patterns for x in pats):
        pooled = _solve_pooled(w, choice, params, seed)
        if pooled is not None:
            return pooled
    if joint:
        found = solve_week_jointly(w, choice, time_limit_s=params.time_limit_s * w.p.days,
                                   seed=seed)
        if found is not None:
            choice[:] = found[0]
            return found[1]
    return [_solve_day(w, choice, d, params, seed) for d in range(w.p.days)]


def _solve_pooled(w: _Week, choice: list[int], params: RoutingParams,
                  seed: int) -> list[list[tuple[int, list[int]]]] | None:
    """Clients visited once: one VRP with every day's fleet, routes dealt to days.

    A route can run on any day all its clients allow, so the week is a
    single VRP with ``days`` × the fleet; its routes are dealt to allowed
    days, most constrained first (at most ``num_available`` of a type a
    day). ``None`` when some route has no day left.
    """
    p = w.p
    if any(len(set(p.loads[c])) > 1 for c in range(w.n)):
        return None  # a client's load depends on its day: not one VRP
    types = tuple(VehicleType(**{**t.__dict__, "num_available": t.num_available * p.days})
                  for t in p.vehicle_types)
    all_clients = tuple(Client(delivery_kg=p.loads[c][0][0][0], pickup_kg=p.loads[c][0][0][1],
                               service_s=int(p.service_s[c])) for c in range(w.n))
    depot = Depot(tw_early_s=p.depot_early_s, tw_late_s=p.depot_late_s)
    problem = RoutingProblem(depots=(depot,), clients=all_clients, vehicle_types=types,
                             distance_m=w.dist, duration_s=np.asarray(p.duration_s))
    res = solve_routes(problem, replace(params, time_limit_s=params.time_limit_s * p.days),
                       seed=seed)
    routes: list[list[tuple[int, list[int]]]] = [[] for _ in range(p.days)]
    used = np.zeros((p.days, len(types)), dtype=int)
    found = []
    for vt, seq in grouped_trips(res.routes, types):
        allowed = set(range(p.days))
        for c in seq:
            allowed &= {x[0] for x in p.patterns[c]}
        found.append((sorted(allowed), vt, seq))
    for allowed, t, seq in sorted(found, key=lambda f: len(f[0])):
        free = [d for d in allowed if used[d, t] < p.vehicle_types[t].num_available]
        if not free:
            return None  # the routes cannot be dealt to days: route day by day instead
        d = min(free, key=lambda x: (used[x].sum(), x))
        used[d, t] += 1
        routes[d].append((t, seq))
    new = list(choice)
    for d, day in enumerate(routes):
        for _, seq in day:
            for c in seq:
                new[c] = p.patterns[c].index((d,))
    choice[:] = new
    return routes


def _day_cost(w: _Week, routes: list[tuple[int, list[int]]]) -> float:
    return sum(w.route_cost(t, seq) for t, seq in routes)


def _day_loads(w: _Week, choice: Sequence[int], day: int) -> dict[int, Load]:
    return {c: w.load(c, choice[c], day) for c in range(w.n) if day in w.p.patterns[c][choice[c]]}


def _removal(w: _Week, routes, c: int) -> tuple[int, int, float]:
    """Return (route index, position, saving) of removing ``c`` from a day's routes."""
    for i, (t, seq) in enumerate(routes):
        if c in seq:
            k = list(seq).index(c)
            rest = drop_client(seq, k)
            return i, k, w.route_cost(t, seq) - w.route_cost(t, rest)
    raise AssertionError(f"client {c} not on its day")  # the week's invariant


def _insertion(w: _Week, routes, c: int, loads: dict[int, Load]) -> tuple[int, int, int, float]:
    """Return (route index or -1 for a new vehicle, vehicle type, position, added cost)."""
    best = (-2, -1, -1, np.inf)
    used = [0] * len(w.num)
    for t, _ in routes:
        used[t] += 1
    for i, (t, seq) in enumerate(routes):
        base = w.route_cost(t, seq)
        for k in range(len(seq) + 1):
            new = insert_client(seq, k, c)
            add = w.route_cost(t, new) - base
            if add < best[3] and w.route_ok(t, new, loads):
                best = (i, t, k, add)
    for t in range(len(w.num)):
        if used[t] < w.num[t]:
            add = w.route_cost(t, [c])
            if add < best[3] and w.route_ok(t, [c], loads):
                best = (-1, t, 0, add)
    return best


def _try_move(w: _Week, choice: list[int], routes: list[list], c: int, k_new: int) -> float:
    """Move ``c`` to pattern ``k_new`` if the week gets cheaper; return the change (<= 0)."""
    p = w.p
    old, new = p.patterns[c][choice[c]], p.patterns[c][k_new]
    trial_choice = list(choice)
    trial_choice[c] = k_new
    delta, plan = 0.0, {}
    for d in sorted(set(old) | set(new)):
        day = [(t, copy_seq(seq)) for t, seq in routes[d]]
        if d in old:
            i, k, saving = _removal(w, day, c)
            day[i] = (day[i][0], drop_client(day[i][1], k))
            delta -= saving
            day = [(t, s) for t, s in day if s]
        if d in new:
            loads = _day_loads(w, trial_choice, d)
            i, t, k, add = _insertion(w, day, c, loads)
            if i == -2:
                return 0.0
            if i == -1:
                day.append((t, single(w.max_trips[t], c)))
            else:
                day[i] = (day[i][0], insert_client(day[i][1], k, c))
            delta += add
        elif d in old:
            loads = _day_loads(w, trial_choice, d)
            if not all(w.route_ok(t, s, loads) for t, s in day):
                return 0.0
        plan[d] = day
    if delta >= -1e-9:
        return 0.0
    choice[c] = k_new
    for d, day in plan.items():
        routes[d] = day
    return delta


def _improve(w: _Week, choice: list[int], routes: list[list], rng: np.random.Generator,
             deadline: float) -> set[int]:
    """Apply improving pattern moves until none is left; return the days changed."""
    changed: set[int] = set()
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for c in rng.permutation(w.n):
            pats = w.p.patterns[c]
            if len(pats) == 1:
                continue
            before = pats[choice[c]]
            for k in rng.permutation(len(pats)):
                if k != choice[c] and _try_move(w, choice, routes, int(c), int(k)) < 0:
                    changed |= set(before) | set(pats[choice[c]])
                    improved = True
                    break
            if time.perf_counter() > deadline:
                break
    return changed


def solve_periodic(problem: PeriodicProblem, params: RoutingParams | None = None, *,
                   time_limit_s: float = 10.0, seed: int = 0, perturb: int = 3,
                   joint_every: int = 1, resolve_share: float = 1.0, search: str = "lns",
                   lns_share: float = 0.5, overload: bool = True) -> PeriodicResult:
    """Choose a pattern per client and route every day; return the cheapest week found.

    Parameters
    ----------
    problem
        The periodic problem.
    params
        Options of each day's solve (engine, its time limit and iterations).
    time_limit_s
        Budget of the whole search (the first assignment and its routes are
        always completed).
    seed
        Random seed (pattern order, perturbations, the day solves).
    perturb
        Clients given a random other pattern at each restart of the local search.
    joint_every
        Re-solve the whole week in one model (when it applies) every this
        many rounds of the local search (0: only the first week), until one
        such re-solve is no cheaper than the week it started from.
    resolve_share
        Time of a changed day's re-solve, as a share of ``params.time_limit_s``.
    search
        ``"lns"`` (large-neighbourhood search over patterns, trip-aware when a
        fleet makes several trips a day) or ``"moves"``.
    lns_share
        One LNS phase as a share of ``time_limit_s`` (at most half the time left).
    overload
        Let the LNS overload routes at a penalty (one trip per vehicle only);
        an overloaded week that would be the best so far has its overloaded
        days re-routed by the day solver (``params`` with at most 2 % of
        ``time_limit_s`` and ``REPAIR_ITERATIONS`` iterations) and is kept
        only when they then fit.

    Returns
    -------
    PeriodicResult

    Raises
    ------
    InfeasibleError
        When some day cannot be routed with the fleet (from the day's solve).

    Examples
    --------
    >>> d = [[0, 10, 10], [10, 0, 14], [10, 14, 0]]
    >>> pats = (((0,), (1,)), ((0,), (1,)))
    >>> loads = tuple(tuple(((5.0, 0.0),) for _ in range(2)) for _ in range(2))
    >>> van = VehicleType(10, 1, cost_per_km=1000)   # 1 yuan per matrix unit
    >>> prob = PeriodicProblem(d, d, (0, 0), pats, loads, (van,), days=2)
    >>> res = solve_periodic(prob, RoutingParams(engine="ortools", time_limit_s=0.2),
    ...                      time_limit_s=1)
    >>> res.cost  # both on one day: 10 + 14 + 10 = 34 < 2 * 20
    34.0
    """
    params = params or RoutingParams(time_limit_s=1.0)
    started = time.perf_counter()
    deadline = started + time_limit_s
    rng = np.random.default_rng(seed)
    resolve = replace(params, time_limit_s=params.time_limit_s * resolve_share)
    w = _Week(problem)
    fix = replace(params, time_limit_s=min(params.time_limit_s, max(0.1, 0.02 * time_limit_s)),
                  max_iterations=min(params.max_iterations or REPAIR_ITERATIONS, REPAIR_ITERATIONS))

    def repair(ch: list[int], d: int) -> list[tuple[int, list[int]]] | None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return _solve_day(w, ch, d, fix, seed + d)
        except InfeasibleError:
            return None

    choice = _initial_patterns(w, rng)
    joint = joint_applies(problem.patterns, len({id(x) for x in w.travel_keys})) and max(
        w.max_trips) == 1  # the joint week model has no reload depots
    routes = _solve_all(w, choice, params, seed, joint)
    best = (sum(_day_cost(w, r) for r in routes), list(choice), [list(r) for r in routes])
    log.info("periodic: %d clients, %d days, first week %.2f", w.n, problem.days, best[0])
    it = 0
    if search not in ("lns", "moves"):
        raise bad_value("search", "'lns' or 'moves'", search)
    while time.perf_counter() < deadline:
        it += 1
        if search == "lns":
            left = deadline - time.perf_counter()
            before = [_day_key(r) for r in routes]
            choice, routes, _, n_lns = lns_patterns(
                w, choice, routes, rng, time.perf_counter() + min(lns_share * time_limit_s,
                                                                  0.5 * left),
                repair=repair if overload else None)
            changed = {d for d, r in enumerate(routes) if _day_key(r) != before[d]}
            log.info("periodic: LNS round %d, %d iterations, week %.2f", it, n_lns,
                     sum(_day_cost(w, r) for r in routes))
        else:
            changed = _improve(w, choice, routes, rng, deadline)
        if (joint and joint_every > 0 and it % joint_every == 0
                and time.perf_counter() + params.time_limit_s * problem.days < deadline):
            found = solve_week_jointly(w, choice, time_limit_s=params.time_limit_s * problem.days,
                                       seed=seed + it)
            if found is not None and sum(_day_cost(w, r) for r in found[1]) < sum(
                    _day_cost(w, r) for r in routes) - 1e-9:
                choice, routes = list(found[0]), found[1]
                changed = set()
            else:
                joint = False  # the pattern search does better: give it the time
        for d in sorted(changed):
            if time.perf_counter() > deadline:
                break
            fresh = _solve_day(w, choice, d, resolve, seed + it)
            if _day_cost(w, fresh) < _day_cost(w, routes[d]) - 1e-9:
                routes[d] = fresh
        cost = sum(_day_cost(w, r) for r in routes)
        if cost < best[0] - 1e-9:
            best = (cost, list(choice), [[(t, copy_seq(s)) for t, s in r] for r in routes])
        elif not changed and perturb <= 0:
            break
        choice, routes = list(best[1]), [[(t, copy_seq(s)) for t, s in r] for r in best[2]]
        if search == "moves" and perturb > 0 and time.perf_counter() < deadline:
            _perturb(w, choice, routes, rng, perturb)
    cost, choice, routes = best
    probs, scheduled, members = _check_week(w, choice, routes)
    return PeriodicResult(tuple(choice), tuple(tuple((t, tuple(s)) for t, s in r) for r in routes),
                          round(cost, 6), tuple(_day_cost(w, r) for r in routes), it,
                          time.perf_counter() - started, probs, scheduled, members)


def _day_key(routes) -> list:
    """Return a day's routes as a comparable value, trips told apart."""
    return sorted((t, tuple(map(tuple, trips_of(s)))) for t, s in routes)


def _perturb(w: _Week, choice: list[int], routes: list[list], rng: np.random.Generator,
             k: int) -> None:
    """Give ``k`` random flexible clients another pattern (cheapest feasible insertion)."""
    flexible = [c for c in range(w.n) if len(w.p.patterns[c]) > 1]
    for c in rng.permutation(flexible)[:k]:
        for k_new in rng.permutation(len(w.p.patterns[c])):
            if k_new != choice[c] and _force_move(w, choice, routes, int(c), int(k_new)):
                break


def _force_move(w: _Week, choice: list[int], routes: list[list], c: int, k_new: int) -> bool:
    """Move ``c`` to pattern ``k_new`` whatever the cost, if feasible."""
    trial = list(choice)
    trial[c] = k_new
    old, new = w.p.patterns[c][choice[c]], w.p.patterns[c][k_new]
    plan = {}
    for d in sorted(set(old) | set(new)):
        day = [(t, without_client(s, c)) for t, s in routes[d]]
        day = [(t, s) for t, s in day if s]
        if d in new:
            i, t, k, _ = _insertion(w, day, c, _day_loads(w, trial, d))
            if i == -2:
                return False
            if i == -1:
                day.append((t, single(w.max_trips[t], c)))
            else:
                day[i] = (day[i][0], insert_client(day[i][1], k, c))
        plan[d] = day
    choice[c] = k_new
    for d, day in plan.items():
        routes[d] = day
    return True


def _check_week(w: _Week, choice: Sequence[int], routes):
    """Re-check and schedule every day with the compiled evaluator; a broken week is a bug."""
    probs, scheduled, members_all = [], [], []
    for d in range(w.p.days):
        problem, members = _day_problem(w, choice, d)
        pos = {c: j for j, c in enumerate(members)}
        seen = sorted(c for _, s in routes[d] for c in s)
        if seen != members:
            raise AssertionError(f"day {d}: visits {seen} differ from the patterns {members}")
        c = compile_problem(problem)
        day = []
        for v, (t, s) in enumerate(routes[d]):
            seq = mapped(s, pos.__getitem__)
            broken = violations(c, t, seq)
            if broken:
                raise AssertionError(f"day {d}: route breaks {broken}")
            day.extend(route_records(problem, c, t, seq, v))
        probs.append(problem)
        scheduled.append(tuple(day))
        members_all.append(tuple(members))
    return tuple(probs), tuple(scheduled), tuple(members_all)

"""The large-neighbourhood search over visit-day patterns (ruralnet.routing.periodic_lns)."""

from __future__ import annotations

import itertools
import time

import numpy as np

from ruralnet.routing.model import VehicleType
from ruralnet.routing.periodic import PeriodicProblem, _Week
from ruralnet.routing.periodic_lns import lns_patterns


def _matrix(xy) -> np.ndarray:
    xy = np.asarray(xy, float)
    return np.rint(10 * np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1))).astype(np.int64)


def _tour(d, seq) -> int:
    nodes = [0] + [c + 1 for c in seq] + [0]
    return int(sum(d[a, b] for a, b in zip(nodes[:-1], nodes[1:], strict=True)))


def test_lns_regroups_two_pairs_from_a_crossed_start_to_the_brute_force_optimum():
    """Two clients east, two west, each twice in 4 days on 一三 or 二四, one van of 2 a day.

    Started with each day serving one east and one west client (both far
    apart), the search must put each pair on its own pattern; the optimum is
    found by enumerating all 16 pattern choices (each day: one route, both
    orders tried).
    """
    d = _matrix([(0, 0), (50, 0), (52, 3), (-50, 0), (-51, -4)])
    pats = (((0, 2), (1, 3)),) * 4
    loads = tuple(((((1.0, 0.0),) * 2), (((1.0, 0.0),) * 2)) for _ in range(4))
    van = VehicleType(capacity_kg=2, num_available=1, cost_per_km=1000)
    prob = PeriodicProblem(d, d, (0,) * 4, pats, loads, (van,), days=4)
    w = _Week(prob)
    choice = [0, 1, 0, 1]  # east 0 + west 2 on 一三, east 1 + west 3 on 二四
    routes = [[(0, [0, 2])], [(0, [1, 3])], [(0, [0, 2])], [(0, [1, 3])]]
    start = sum(_tour(d, s) for day in routes for _, s in day)
    best = np.inf
    for ch in itertools.product(range(2), repeat=4):
        days = [[c for c in range(4) if day in pats[c][ch[c]]] for day in range(4)]
        if all(len(x) <= 2 for x in days):
            best = min(best, sum(min(_tour(d, p) for p in itertools.permutations(x))
                                 for x in days))
    new_choice, new_routes, cost, its = lns_patterns(
        w, choice, routes, np.random.default_rng(0), time.perf_counter() + 1.0)
    assert cost == best < 0.6 * start and its > 0
    assert new_choice[0] == new_choice[1] != new_choice[2] == new_choice[3]
    for day, r in enumerate(new_routes):  # each client exactly on its pattern's days
        on = sorted(c for _, s in r for c in s)
        assert on == [c for c in range(4) if day in pats[c][new_choice[c]]]
        assert len(r) <= 1 and sum(_tour(d, s) for _, s in r) == w.route_cost(0, r[0][1])


def test_lns_merges_two_way_loads_only_in_the_feasible_order():
    """E delivers 8, F picks up 8, Q = 10: E then F peaks at 8, F then E at 16.

    Started on two vehicles (two out-and-backs), the search merges them into
    one route and must visit E first, although both orders cost the same.
    """
    d = _matrix([(0, 0), (40, 0), (40, 2)])
    pats = (((0,),), ((0,),))
    loads = ((((8.0, 0.0),),), (((0.0, 8.0),),))
    van = VehicleType(capacity_kg=10, num_available=2, cost_per_km=1000)
    w = _Week(PeriodicProblem(d, d, (0, 0), pats, loads, (van,), days=1))
    _, routes, cost, _ = lns_patterns(w, [0, 0], [[(0, [0]), (0, [1])]],
                                      np.random.default_rng(1), time.perf_counter() + 0.5)
    assert routes == [[(0, [0, 1])]] and cost == _tour(d, [0, 1])
    day_loads = {0: (8.0, 0.0), 1: (0.0, 8.0)}
    assert w.route_ok(0, [0, 1], day_loads) and not w.route_ok(0, [1, 0], day_loads)


def test_lns_regroups_trips_of_one_vehicle_to_the_brute_force_optimum():
    """One tricycle (Q = 2 clients' load) making two trips, 2 clients east, 2 west, one day.

    Started with each trip serving one east and one west client, the search
    must make one trip east and one west: the optimum over all splits of the
    four clients into two trips (both orders of each) — only insertion into a
    chosen trip, or a new trip of the same vehicle, reaches it (no second
    vehicle is available).
    """
    from ruralnet.routing.trips import Trips

    d = _matrix([(0, 0), (50, 0), (52, 3), (-50, 0), (-51, -4)])
    pats = (((0,),),) * 4
    loads = ((((1.0, 0.0),),),) * 4
    trike = VehicleType(capacity_kg=2, num_available=1, cost_per_km=1000, max_trips=2)
    w = _Week(PeriodicProblem(d, d, (0,) * 4, pats, loads, (trike,), days=1))
    start = [[(0, Trips([[0, 2], [1, 3]]))]]
    best = min(min(_tour(d, p) for p in itertools.permutations(a))
               + min(_tour(d, p) for p in itertools.permutations([c for c in range(4)
                                                                   if c not in a]))
               for a in itertools.combinations(range(4), 2))
    _, routes, cost, its = lns_patterns(w, [0] * 4, start, np.random.default_rng(0),
                                        time.perf_counter() + 1.0)
    ((t, seq),) = routes[0]
    assert isinstance(seq, Trips) and sorted(map(sorted, seq.split())) == [[0, 1], [2, 3]]
    assert cost == best == w.route_cost(0, seq) < w.route_cost(0, start[0][0][1]) and its > 0
    day_loads = {c: (1.0, 0.0) for c in range(4)}
    assert w.route_ok(t, seq, day_loads)


def _trike_week() -> PeriodicProblem:
    """Twelve villages within 4 km (seeded), each twice in a 6-day week (一四, 二五 or 三六),
    20-50 kg a day down and a quarter of it up, three days accumulated a visit; two 180 kg
    tricycles at 15 km/h that may each go out twice a day (15 min reload), 50 yuan a day each."""
    from ruralnet.routing.periodic import accumulated_loads, day_patterns

    rng = np.random.default_rng(1)
    xy = np.vstack([[0, 0], rng.uniform(-4000, 4000, size=(12, 2))])
    dist = np.rint(np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))).astype(np.int64)
    dur = np.rint(dist * 3.6 / 15).astype(np.int64)
    pats = day_patterns(6, 2)
    daily = rng.uniform(20, 50, size=12)
    loads = tuple(tuple(accumulated_loads(p, 6, float(kg), float(kg) / 4) for p in pats)
                  for kg in daily)
    trike = VehicleType(180, 2, fixed_cost=50, cost_per_km=0.3, shift_start_s=8 * 3600,
                        shift_end_s=12 * 3600, max_trips=2, reload_s=900)
    return PeriodicProblem(dist, dur, (300,) * 12, (pats,) * 12, loads, (trike,), 6)


def test_weekly_lns_with_two_trips_is_used_validates_and_is_not_worse_than_moves(monkeypatch):
    """max_trips = 2: the LNS runs (it was switched off), every day's routes are checked (each
    trip within 180 kg both ways, trips of a vehicle numbered 1, 2 and apart by the reload, no
    overlap, by the plan validator's trip rule), and the week costs no more than the old
    single-client moves with the same seed and budget (same run)."""
    from ruralnet.plan.trip_checks import trip_problems
    from ruralnet.routing import periodic
    from ruralnet.routing.model import RoutingParams
    from ruralnet.routing.periodic import solve_periodic

    calls = []
    inner = periodic.lns_patterns

    def spy(*args, **kwargs):
        out = inner(*args, **kwargs)
        calls.append(out[3])
        return out

    monkeypatch.setattr(periodic, "lns_patterns", spy)
    prob = _trike_week()
    day = RoutingParams(engine="auto", time_limit_s=30, max_iterations=200)
    res = {s: solve_periodic(prob, day, time_limit_s=2, seed=0, search=s)
           for s in ("lns", "moves")}
    assert calls and sum(calls) > 0  # the LNS ran, with iterations
    for r in res.values():
        for routes in r.day_routes:
            records = []
            for x in routes:
                assert x.load_start_kg <= 180 + 1e-9 and x.max_load_kg <= 180 + 1e-9
                records.append({"id": f"{x.vehicle}.{x.trip + 1}", "vehicle": str(x.vehicle),
                                "trip": x.trip + 1, "tier": "feeder", "vehicle_type": "trike",
                                "depot_site_id": "S", "depart_min": x.start_s / 60,
                                "return_min": x.end_s / 60})
            assert trip_problems(records) == []
            by_vehicle: dict[int, list] = {}
            for x in routes:
                by_vehicle.setdefault(x.vehicle, []).append(x)
            for trips in by_vehicle.values():
                trips.sort(key=lambda x: x.trip)
                assert len(trips) <= 2
                assert all(b.start_s >= a.end_s + 900 for a, b in zip(trips, trips[1:],
                                                                      strict=False))
        for d, routes in enumerate(r.day_routes):  # every village on its pattern's days
            on = sorted(r.day_clients[d][s.client] for x in routes for s in x.stops)
            assert on == [c for c in range(12) if d in prob.patterns[c][r.pattern[c]]]
    # measured 2026-12-01 (1, 2 and 3 s budgets alike): 538.87 against 638.87 yuan, two
    # tricycle-days fewer; the assertion only asks for "not worse"
    assert res["lns"].cost <= res["moves"].cost + 1e-6


def test_penalised_insertion_prices_the_overload_and_the_lateness():
    """A route 0 → E(8 kg) → 0 with Q = 10: a 4 kg client next to E does not fit strictly
    (a second van is then the only way), but with a penalty it goes on the route at its
    detour plus λ × 2 kg over, and with a time limit just above the route's time also at
    λ_t × the seconds over."""
    from ruralnet.routing.periodic_lns import _Arcs, _best_insertion, _RouteInfo

    d = _matrix([(0, 0), (40, 0), (40, 2)])
    loads = ((((8.0, 0.0),),), (((4.0, 0.0),),))
    for limit, late in ((None, 0), (800, 20)):  # the route takes 800 s, the client +20 s
        van = VehicleType(capacity_kg=10, num_available=2, cost_per_km=1000,
                          max_duration_s=limit)
        w = _Week(PeriodicProblem(d, d, (0, 0), (((0,),),) * 2, loads, (van,), days=1))
        day_loads = {0: (8.0, 0.0), 1: (4.0, 0.0)}
        day = [(0, [0])]
        arcs = _Arcs(w, day, [_RouteInfo(w, 0, [0], day_loads)])
        strict = _best_insertion(w, arcs, 1, (4.0, 0.0))
        assert strict[1] == -1 and strict[0] == 2 * d[0, 2]  # a new van, out and back
        detour = min(d[0, 2] + d[2, 1] - d[0, 1], d[1, 2] + d[2, 0] - d[1, 0])
        cost, i, *_ = _best_insertion(w, arcs, 1, (4.0, 0.0), lam=3.0, lam_t=0.5)
        assert detour == 20 and i == 0 and cost == detour + 3.0 * 2 + 0.5 * late


def _tight_week(n: int = 14) -> PeriodicProblem:
    """Fourteen clients (seeded) on 2 days, each once (any day) or on both; two vans of
    Q = 100 a day, 85 % of the fleet's capacity used over the two days."""
    rng = np.random.default_rng(3)
    d = _matrix(np.vstack([[0, 0], rng.uniform(-50, 50, size=(n, 2))]))
    pats = tuple((((0,), (1,)) if c % 3 else ((0, 1),)) for c in range(n))
    kg = rng.uniform(10, 30, size=n)
    kg *= 0.85 * 400 / sum(k * (2 if c % 3 == 0 else 1) for c, k in enumerate(kg))
    loads = tuple(tuple(tuple((float(kg[c]), 0.0) for _ in p) for p in pats[c])
                  for c in range(n))
    van = VehicleType(capacity_kg=100, num_available=2, cost_per_km=1000)
    return PeriodicProblem(d, d, (0,) * n, pats, loads, (van,), days=2)


def test_lns_with_repair_calls_it_and_returns_a_feasible_week_no_dearer_than_the_start():
    """With overloads allowed, every week returned must still fit (loads, ≤ 2 vans a day) and
    visit each client on its pattern; the repair (here: each day by the day solver) is used."""
    from ruralnet.exceptions import InfeasibleError
    from ruralnet.routing.model import RoutingParams
    from ruralnet.routing.periodic import _day_cost, _initial_patterns, _solve_day

    prob = _tight_week()
    w = _Week(prob)
    rng = np.random.default_rng(0)
    choice = _initial_patterns(w, rng)
    fast = RoutingParams(engine="pyvrp", time_limit_s=0.5, max_iterations=200)
    routes = [_solve_day(w, choice, d, fast, 0) for d in range(2)]
    start = sum(_day_cost(w, r) for r in routes)
    calls = []

    def repair(ch, d):  # as solve_periodic's: None when the day's load exceeds the fleet's
        calls.append(d)
        try:
            return _solve_day(w, ch, d, fast, 1)
        except InfeasibleError:
            return None

    new_choice, new_routes, cost, _ = lns_patterns(w, choice, routes, rng,
                                                   time.perf_counter() + 2.0, repair=repair)
    assert calls and cost <= start + 1e-9
    assert cost == sum(_day_cost(w, r) for r in new_routes)
    for day, r in enumerate(new_routes):
        loads = {c: w.load(c, new_choice[c], day) for c in range(w.n)
                 if day in prob.patterns[c][new_choice[c]]}
        assert sorted(c for _, s in r for c in s) == sorted(loads)
        assert len(r) <= 2 and all(w.route_ok(t, s, loads) for t, s in r)

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

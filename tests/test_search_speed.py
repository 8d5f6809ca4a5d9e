"""Tests of the coverage search's savings: bracket re-use, untrimmed parts, worker processes."""

from __future__ import annotations

import numpy as np
import pytest

import ruralnet.routing.search as search
from ruralnet.routing.daily import DailyRoutingParams, FleetType, plan_daily_routes
from ruralnet.routing.model import Client, Depot, RoutingProblem, VehicleType
from ruralnet.routing.search import CoverageSearch, Part


def _part(n: int, spacing_m: int) -> Part:
    """A station with ``n`` villages on a line, every one optional and counted."""
    xs = np.arange(n + 1) * spacing_m
    dist = np.abs(xs[:, None] - xs[None]).astype(np.int64)
    problem = RoutingProblem(
        depots=(Depot(),),
        clients=tuple(Client(delivery_kg=10, pickup_kg=2, required=False) for _ in range(n)),
        vehicle_types=(VehicleType(capacity_kg=1000, fixed_cost=100, cost_per_km=1.0),),
        distance_m=dist, duration_s=dist // 10)
    return Part.of(problem)


def _threshold_solver(calls: list):
    """An exact solver of these line problems: visit a prefix when its prize pays for it."""

    def solve(part: Part, prizes: np.ndarray) -> list:
        calls.append(part)
        c = part.c
        must = int(np.flatnonzero(c.required).max(initial=-1)) + 1  # required: a prefix here
        best, best_k = None, 0
        for k in range(must, c.n_clients + 1):
            value = int(prizes[:k].sum()) - (c.vt_fixed[0] + c.vt_unit_cost[0] * 2 * int(
                c.distance[0, k]) if k else 0)
            if best is None or value > best:
                best, best_k = value, k
        return [(0, list(range(best_k)))] if best_k else []

    return solve


def test_bracket_reuse_gives_the_same_plan_with_fewer_solves(monkeypatch):
    """A part equal at both ends of a prize interval is not solved inside it; same answer."""
    parts = [_part(5, 1000), _part(5, 4000), _part(4, 9000)]
    calls: list = []
    fast = CoverageSearch(parts, _threshold_solver(calls))
    routes = fast.meet(0.5, 8, ("村", "villages"))
    assert fast.reused > 0 and fast.solves == len(calls)
    monkeypatch.setattr(search, "_known", lambda *a: None)
    slow_calls: list = []
    slow = CoverageSearch(parts, _threshold_solver(slow_calls))
    assert slow.meet(0.5, 8, ("村", "villages")) == routes
    assert slow.reused == 0 and len(calls) < len(slow_calls)
    assert fast.covered(routes) >= fast.need(0.5)


def test_one_sided_rules_reuse_an_empty_higher_or_a_full_lower_solution():
    """No optional visit at a higher prize, or every reachable one at a lower: reused."""
    p = _part(3, 1000)
    empty, full, some = [], [(0, [0, 1, 2])], [(0, [0, 1])]
    assert search._known(p, None, empty) is empty
    assert search._known(p, full, None) is full
    assert search._known(p, some, None) is None and search._known(p, None, some) is None
    assert search._known(p, some, [(0, [0, 1])]) is some  # same at both ends
    assert search._known(p, some, full) is None


def test_polish_skips_parts_that_trimming_left_alone():
    """Only the parts whose routes the trim changed are solved again."""
    parts = [_part(3, 1000), _part(3, 2000)]
    calls: list = []
    s = CoverageSearch(parts, _threshold_solver(calls))
    full = [[(0, [0, 1, 2])], [(0, [0, 1, 2])]]
    trimmed = [[(0, [0, 1, 2])], [(0, [0, 1])]]
    out = s.polish(trimmed, full)
    assert [p.c for p in calls] != [] and len(calls) == 1
    assert out[0] == trimmed[0]
    calls.clear()
    s.polish(trimmed)  # without the untrimmed routes every part is solved
    assert len(calls) == 2


TOWN = [(0, 0), (10, 0), (0, 10), (-10, 0),
        (12, 0), (10, 2), (11, 1), (13, 3), (9, -2),
        (0, 12), (2, 10), (1, 11), (-1, 13), (3, 12),
        (-12, 0), (-10, 2), (-11, -1), (-13, 2)]


def _town_plan(workers: int):
    xy = np.asarray(TOWN, dtype=float) * 1000
    dist = np.rint(np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))).astype(np.int64)
    dur = np.rint(dist * 0.1).astype(np.int64)
    villages = list(range(4, len(TOWN)))
    return plan_daily_routes(
        dist, dur, warehouses=[0], stations=[1, 2, 3], villages=villages,
        delivery_kg=[40.0] * len(villages), pickup_kg=[10.0] * len(villages),
        catchments=[villages[:5], villages[5:10], villages[10:]],
        trunk_fleet=[FleetType("轻卡", 2000, 2, fixed_cost_yuan=300, cost_per_km_yuan=2.5)],
        feeder_fleet=[FleetType("面包车", 800, 2, fixed_cost_yuan=150, cost_per_km_yuan=1.2)],
        params=DailyRoutingParams(engine="pyvrp", max_iterations=100, coverage_target=0.7,
                                  curve_targets=(0.7, 1.0), workers=workers), seed=3)


def test_worker_processes_give_the_same_plan():
    """Solving the stations in two processes changes nothing in the plan."""
    pytest.importorskip("pyvrp")
    one, two = _town_plan(1), _town_plan(2)
    assert one.routes == two.routes and one.cost_yuan == two.cost_yuan
    assert one.curve == two.curve and one.coverage >= 0.7


def test_workers_must_be_positive():
    with pytest.raises(ValueError, match="workers"):
        DailyRoutingParams(workers=0)


def test_a_safety_limit_hit_in_a_worker_is_recorded_here():
    """A clock note made in a worker process reaches the plan's watch_clock."""
    pytest.importorskip("pyvrp")
    from ruralnet._clock import watch_clock

    xy = np.asarray(TOWN, dtype=float) * 1000
    dist = np.rint(np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))).astype(np.int64)
    villages = list(range(4, len(TOWN)))
    params = DailyRoutingParams(engine="pyvrp", max_iterations=10**6, feeder_time_limit_s=1e-4,
                                trunk_time_limit_s=1.0,
                                coverage_target=0.5, curve_targets=(), workers=2)
    with watch_clock() as hits:
        plan_daily_routes(
            dist, dist // 10, warehouses=[0], stations=[1, 2, 3], villages=villages,
            delivery_kg=[40.0] * len(villages), pickup_kg=[10.0] * len(villages),
            catchments=[villages[:5], villages[5:10], villages[10:]],
            trunk_fleet=[FleetType("轻卡", 2000, 2)], feeder_fleet=[FleetType("面包车", 800, 2)],
            params=params, seed=0)
    feeder = [h for h in hits if h["search"] == "pyvrp" and h["limit_s"] < 0.001]
    assert len(feeder) >= 3 and all(h["done"] < h["budget"] for h in feeder)


def test_default_workers_are_the_usable_cores_at_most_two(monkeypatch):
    """The default solves in the cores this process may use, at most two; one core: one."""
    import os

    from ruralnet.routing import daily_model

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert daily_model.default_workers() == 1 and DailyRoutingParams().workers == 1
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(16)), raising=False)
    assert daily_model.default_workers() == 2 and DailyRoutingParams().workers == 2
    assert DailyRoutingParams(workers=1).workers == 1

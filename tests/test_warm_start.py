"""Warm starts and the no-improvement stop of the coverage search (issue 19, plan speed)."""

from __future__ import annotations

import numpy as np
import pytest

import ruralnet.routing.daily as daily_mod
from ruralnet._clock import watch_clock
from ruralnet.routing.compiled import compile_problem, route_cost
from ruralnet.routing.daily import DailyRoutingParams, FleetType, plan_daily_routes
from ruralnet.routing.model import Client, Depot, RoutingParams, RoutingProblem, VehicleType
from ruralnet.routing.pyvrp_engine import solve_pyvrp


def _plane(xy_km, kph: float = 36.0):
    xy = np.asarray(xy_km, dtype=float) * 1000
    dist = np.rint(np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))).astype(np.int64)
    return dist, np.rint(dist * 3.6 / kph).astype(np.int64)


def _ring(n: int = 12, seed: int = 3):
    rng = np.random.default_rng(seed)
    xy = np.vstack([[0, 0], rng.uniform(-15, 15, size=(n, 2))])
    dist, dur = _plane(xy)
    return compile_problem(RoutingProblem(
        depots=(Depot(),),
        clients=tuple(Client(delivery_kg=30, pickup_kg=10, service_s=300, required=False,
                             prize=40.0) for _ in range(n)),
        vehicle_types=(VehicleType(capacity_kg=200, num_available=3, fixed_cost=50,
                                   cost_per_km=1.0),),
        distance_m=dist, duration_s=dur))


def _value(c, prizes, routes) -> int:
    return sum(route_cost(c, t, cl) - int(prizes[cl].sum()) for t, cl in routes)


def test_a_warm_started_solve_is_never_worse_than_its_start():
    """PyVRP started from a feasible solution returns one worth at least as much."""
    c = _ring()
    prizes = c.base_prize
    start = [(0, [0, 1, 2]), (0, [3, 4])]
    routes, status = solve_pyvrp(c, prizes, time_limit_s=10, max_iterations=30, seed=0,
                                 start=start)
    assert status == "feasible"
    assert _value(c, prizes, routes) <= _value(c, prizes, start)


def test_no_improvement_stops_early_without_counting_as_a_safety_limit_hit():
    """A no-improvement stop ends the run before max_iterations; the plan's clock record stays
    empty, since the budget, not the clock, decided."""
    import pyvrp

    c = _ring()
    runs = []
    real = pyvrp.solve

    def spy(*a, **kw):
        res = real(*a, **kw)
        runs.append(res.num_iterations)
        return res

    pyvrp.solve = spy
    try:
        with watch_clock() as hits:
            _, status = solve_pyvrp(c, c.base_prize, time_limit_s=60, max_iterations=5000,
                                    seed=0, no_improvement=20)
    finally:
        pyvrp.solve = real
    assert status == "feasible" and runs and runs[0] < 5000
    assert hits == []


def test_no_improvement_must_be_positive():
    """A zero no-improvement budget is refused with the field's name."""
    with pytest.raises(ValueError, match="no_improvement"):
        RoutingParams(no_improvement=0)
    with pytest.raises(ValueError, match="no_improvement"):
        DailyRoutingParams(curve_no_improvement=0)


def _county_plan(**params):
    """Two stations, twelve villages; the feeder coverage search runs over both."""
    pts = [(0, 0), (10, 0), (0, 10)] + [(10 + dx, dy) for dx, dy in
                                         ((2, 0), (0, 2), (1, 1), (3, 1), (2, 3), (-1, 2))] + [
        (dx, 10 + dy) for dx, dy in ((0, 2), (2, 0), (1, 1), (1, 3), (3, 2), (-2, 1))]
    dist, dur = _plane(pts)
    villages = list(range(3, len(pts)))
    return plan_daily_routes(
        dist, dur, warehouses=[0], stations=[1, 2], villages=villages,
        delivery_kg=[30.0] * 12, pickup_kg=[10.0] * 12,
        catchments=[villages[:6], villages[6:]],
        trunk_fleet=[FleetType("4.2m 轻卡", 2000, 2, fixed_cost_yuan=300, cost_per_km_yuan=2.5)],
        feeder_fleet=[FleetType("面包车", 200, 3, fixed_cost_yuan=150, cost_per_km_yuan=1.2)],
        # one process: the spies below see only this process's solves (workers=2 would
        # send the coverage search's station solves to a forked pool)
        params=DailyRoutingParams(engine="pyvrp", max_iterations=200, coverage_target=0.6,
                                  curve_targets=(0.6, 1.0), **{"workers": 1, **params}),
        seed=0)


def test_warm_started_curve_leaves_the_plan_and_starts_from_neighbours(monkeypatch):
    """With curve warm starts the target's solves (the plan's routes) are as without them;
    the curve's solves start from cached solutions and only those stop on no-improvement."""
    calls = []
    real = daily_mod.run_with_fallback

    def spy(c, prizes, engine, params, seconds, seed, start=None):
        calls.append((start is not None, params.no_improvement))
        return real(c, prizes, engine, params, seconds, seed, start)

    monkeypatch.setattr(daily_mod, "run_with_fallback", spy)
    res = _county_plan(curve_warm_start=True, curve_no_improvement=25)
    n_cold = len(calls)
    cold = _county_plan()
    assert calls[n_cold:] == [(False, None)] * (len(calls) - n_cold)
    assert [(r.id, [s.point for s in r.stops]) for r in res.routes] == [
        (r.id, [s.point for s in r.stops]) for r in cold.routes]
    assert res.coverage >= 0.6 and [p.reached for p in res.curve] == [True, True]
    warm = calls[:n_cold]
    assert warm[:2] == [(False, None), (False, None)]  # the top prize: full budget, cold
    assert any(s for s, _ in warm) and any(ni == 25 for _, ni in warm)
    assert all(ni is None for s, ni in warm if not s)


def test_a_warm_started_plan_is_the_same_on_every_run():
    """Warm starts come from the search's own cache: the same inputs give the same curve."""
    a = _county_plan(curve_warm_start=True, curve_no_improvement=25)
    b = _county_plan(curve_warm_start=True, curve_no_improvement=25)
    assert [(r.id, [s.point for s in r.stops]) for r in a.routes] == [
        (r.id, [s.point for s in r.stops]) for r in b.routes]
    assert a.curve == b.curve

"""Tests of ruralnet.routing.trunk: the trunk tier, its truck lower bound and fleet growth."""

from __future__ import annotations

import numpy as np
import pytest

import ruralnet.routing.trunk as trunk_mod
from ruralnet.exceptions import InfeasibleError
from ruralnet.routing.compiled import compile_problem
from ruralnet.routing.daily import DailyRoutingParams, FleetType, plan_daily_routes
from ruralnet.routing.model import Client, Depot, RoutingParams, RoutingProblem, VehicleType
from ruralnet.routing.solve import solve_routes
from ruralnet.routing.trunk import trucks_needed


def _matrices(xy_km, kph: float = 36.0):
    xy = np.asarray(xy_km, dtype=float) * 1000
    dist = np.rint(np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))).astype(np.int64)
    return dist, np.rint(dist * 3.6 / kph).astype(np.int64)


@pytest.mark.parametrize("seed", range(6))
def test_truck_bound_never_exceeds_the_trucks_of_a_solved_trunk_plan(seed):
    """On random trunk tiers (tight cut-off, heavy stations), a plan never uses fewer trucks
    than the bound says any plan needs."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 9))
    xy = np.vstack([[0, 0], rng.uniform(-60, 60, size=(n, 2))])
    dist, dur = _matrices(xy)
    late = int(rng.integers(2 * 3600, 4 * 3600))
    problem = RoutingProblem(
        depots=(Depot(tw_early_s=0, tw_late_s=11 * 3600),),
        clients=tuple(Client(delivery_kg=float(rng.uniform(200, 1500)),
                             pickup_kg=float(rng.uniform(0, 400)), service_s=900,
                             tw_late_s=late) for _ in range(n)),
        vehicle_types=(VehicleType(capacity_kg=2000, num_available=n, fixed_cost=300,
                                   cost_per_km=1.2, shift_start_s=0, shift_end_s=11 * 3600),),
        distance_m=dist, duration_s=dur)
    bound = trucks_needed(compile_problem(problem))
    try:
        result = solve_routes(problem, RoutingParams(engine="ortools", time_limit_s=5,
                                                     max_iterations=200))
    except InfeasibleError:
        return  # nothing to compare with (one truck per station can still be too slow)
    assert 1 <= bound.trucks <= len(result.routes)


def _far_apart(grow: bool, **kw):
    """Two stations 90 km apart on opposite sides of the warehouse, one truck listed."""
    dist, dur = _matrices([(0, 0), (90, 0), (-90, 0), (92, 0), (90, 2), (-92, 0), (-90, 2)])
    truck = FleetType("4.2m 轻卡", 2000, 1, fixed_cost_yuan=300, cost_per_km_yuan=2.5)
    van = FleetType("面包车", 800, 1, fixed_cost_yuan=150, cost_per_km_yuan=1.2)
    return plan_daily_routes(
        dist, dur, warehouses=[0], stations=[1, 2], villages=[3, 4, 5, 6],
        delivery_kg=[30.0] * 4, pickup_kg=[10.0] * 4, catchments=[[3, 4], [5, 6]],
        trunk_fleet=[truck], feeder_fleet=[van],
        params=DailyRoutingParams(**{"engine": "pyvrp", "max_iterations": 200,
                                     "curve_targets": (), "grow_trunk_fleet": grow, **kw}),
        seed=0)


def test_an_assumed_fleet_the_bound_shows_too_small_is_grown_before_the_first_solve(
        monkeypatch):
    """No engine run on a fleet that cannot work: one trunk solve, and the result's notes say
    the assumed fleet grew."""
    calls = []
    real = trunk_mod.solve_routes

    def counting(problem, params=None, *, seed=0):
        calls.append(max(v.num_available for v in problem.vehicle_types))
        return real(problem, params, seed=seed)

    monkeypatch.setattr(trunk_mod, "solve_routes", counting)
    res = _far_apart(True)
    assert calls == [2]  # one solve, already with one truck per delivery
    assert len([r for r in res.routes if r.tier == "trunk"]) == 2
    assert len(res.notes) == 1 and "每个县级仓 1 辆" in res.notes[0]
    assert "uses up to 2 trunk vehicles" in res.notes[0]


def test_a_listed_fleet_is_never_grown_and_a_feasible_one_gets_no_note(monkeypatch):
    """grow_trunk_fleet=False stops with the trunk error, naming the bound, without running an
    engine on a fleet the bound rules out; a fleet that suffices gives no note."""
    calls = []
    real = trunk_mod.solve_routes

    def counting(problem, params=None, *, seed=0):
        calls.append(max(v.num_available for v in problem.vehicle_types))
        return real(problem, params, seed=seed)

    monkeypatch.setattr(trunk_mod, "solve_routes", counting)
    with pytest.raises(InfeasibleError, match="trunk tier") as err:
        _far_apart(False, trunk_time_limit_s=5)
    assert calls == []  # the bound already shows one listed truck cannot work: no engine run
    assert "1 trunk vehicles are listed but stations too far apart" in err.value.en
    assert "至少需要 2 辆" in err.value.zh and err.value.details["trucks_needed"] == 2
    res = _far_apart(True, trunk_arrival_by_min=None, day_end_min=1440, day_start_min=0)
    assert res.notes == ()


def test_an_assumed_fleet_missed_by_the_bound_grows_without_the_other_engines_run(
        monkeypatch, caplog):
    """When the bound does not catch a too-small assumed fleet (安溪: bound 8, 9 needed), the
    first solve runs the resolved engine alone, then the grown fleet is solved (with the
    fallback); no 'trying ortools' warning, and the plan's note says the fleet grew."""
    import logging

    calls = []
    real = trunk_mod.solve_routes

    def counting(problem, params=None, *, seed=0):
        calls.append((max(v.num_available for v in problem.vehicle_types), params.engine))
        return real(problem, params, seed=seed)

    monkeypatch.setattr(trunk_mod, "solve_routes", counting)
    monkeypatch.setattr(trunk_mod, "trucks_needed", lambda c: trunk_mod.TruckBound(1, 1, 1))
    with caplog.at_level(logging.INFO):
        res = _far_apart(True, engine="auto")
    assert calls == [(1, "pyvrp"), (2, "auto")]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len([r for r in res.routes if r.tier == "trunk"]) == 2
    assert len(res.notes) == 1 and "uses up to 2 trunk vehicles" in res.notes[0]

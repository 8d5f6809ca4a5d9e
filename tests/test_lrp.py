"""Tests for ruralnet.lrp.solve: location-routing, the Prodhon reader, fixed sites."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shared_instances import instances

from ruralnet.exceptions import InfeasibleError, InputFileError
from ruralnet.lrp.solve import (
    LRPInstance,
    LRPParams,
    prodhon_arc_costs,
    read_prodhon,
    solve_lrp,
)
from ruralnet.routing import VehicleType


@pytest.fixture(scope="module")
def prodhon() -> Path:
    """The Prodhon LRP instances (skipped when missing, failed in CI)."""
    return instances("lrp-prodhon")


# Deterministic and fast: PyVRP stops on iterations, the loop on rounds.
FAST = LRPParams(time_limit_s=60, max_rounds=8, route_max_iterations=500)

# A 1-D county: candidate depots at km 0 and km 30, villages at km 10, 12, 28.
LINE_KM = np.array([0, 30, 10, 12, 28])


def line_instance(opening=(10, 10), capacity=(100, 100), demand=(4, 4, 4), vehicle_kg=8.0):
    """Two candidates and three clients on a line, metres, 1 yuan/km, 5 yuan per route."""
    d = (np.abs(LINE_KM[:, None] - LINE_KM[None, :]) * 1000).astype(np.int64)
    return LRPInstance(opening_cost=opening, depot_capacity_kg=capacity, demand_kg=demand,
                       distance_m=d, duration_s=np.zeros_like(d),
                       vehicle=VehicleType(capacity_kg=vehicle_kg, fixed_cost=5, cost_per_km=1))


def route_length(inst: LRPInstance, depot: int, clients) -> int:
    """Length of depot → clients → depot, summed arc by arc from the matrix."""
    nodes = [depot] + [inst.num_candidates + i for i in clients] + [depot]
    return int(sum(inst.distance_m[a, b] for a, b in zip(nodes[:-1], nodes[1:], strict=True)))


def plan_cost(inst: LRPInstance, open_depots, routes) -> float:
    """Opening + fixed per route + distance cost, recomputed independently of lrp.py."""
    dist = sum(route_length(inst, r.depot, r.clients) for r in routes)
    return (float(inst.opening_cost[list(open_depots)].sum())
            + inst.vehicle.fixed_cost * len(routes) + inst.vehicle.cost_per_km * dist / 1000)


def assert_feasible(inst: LRPInstance, res) -> None:
    """Each client once, vehicle and depot capacities, routes only at open depots."""
    served = sorted(i for r in res.routes for i in r.clients)
    assert served == list(range(inst.num_clients))
    load: dict[int, float] = {}
    for r in res.routes:
        assert r.depot in res.open_depots
        q = float(inst.demand_kg[list(r.clients)].sum())
        assert q <= inst.vehicle.capacity_kg + 1e-9
        load[r.depot] = load.get(r.depot, 0.0) + q
    for j, q in load.items():
        assert q <= inst.depot_capacity_kg[j] + 1e-9


@pytest.fixture(scope="module")
def coord20_5_1(prodhon) -> LRPInstance:
    return read_prodhon(prodhon / "coord20-5-1.dat")


@pytest.fixture(scope="module")
def coord20_5_1_result(coord20_5_1):
    return solve_lrp(coord20_5_1, FAST, seed=0)


# ---------------------------------------------------------------- reader


def test_prodhon_arc_cost_is_ceiling_of_hundred_times_distance():
    """(6, 7) → (20, 35) is 100·√980 = 3130.49…, so 3131 (truncation would give 3130)."""
    arcs = prodhon_arc_costs(np.array([[6, 7], [20, 35], [0, 0], [3, 4]]))
    assert arcs[0, 1] == arcs[1, 0] == 3131
    assert arcs[2, 3] == 500  # exact distance 5: no rounding up past the integer


def test_prodhon_arc_cost_rounds_up_with_real_coordinates():
    """Non-integer coordinates take the float path and still round up."""
    arcs = prodhon_arc_costs(np.array([[0.0, 0.0], [0.5, 0.0], [1.001, 0.0]]))
    assert arcs[0, 1] == 50 and arcs[0, 2] == 101


def test_read_prodhon_reads_every_block_of_coord20_5_1(coord20_5_1):
    """Sizes, capacities, costs and the hand-computed first depot → first client arc."""
    inst = coord20_5_1
    assert (inst.num_candidates, inst.num_clients) == (5, 20)
    assert inst.vehicle.capacity_kg == 70 and inst.vehicle.fixed_cost == 1000
    assert inst.depot_capacity_kg.tolist() == [140] * 5
    assert inst.opening_cost.tolist() == [10841, 11961, 6091, 7570, 7497]
    assert inst.demand_kg[:3].tolist() == [17, 18, 13] and inst.demand_kg.sum() == 315
    assert inst.distance_m[0, 5] == 3131  # depot (6, 7) to client (20, 35)
    assert inst.name == "coord20-5-1"


def test_read_prodhon_rejects_a_truncated_file(tmp_path):
    """A file that stops before the fixed cost names the count it needed."""
    path = tmp_path / "short.dat"
    path.write_text("2\r\n1\r\n\r\n0 0\r\n1 1\r\n2 2\r\n10\r\n")
    with pytest.raises(InputFileError, match="has 9 numbers; 2 clients and 1 depots need"):
        read_prodhon(path)


def test_read_prodhon_rejects_a_missing_file(tmp_path):
    """A missing file raises InputFileError with its path."""
    with pytest.raises(InputFileError, match="cannot read Prodhon instance"):
        read_prodhon(tmp_path / "nope.dat")


def test_read_prodhon_reads_a_tiny_hand_made_file(tmp_path):
    """One depot at (0, 0), clients at (3, 4) and (0, 1): arcs 500, 100 and ⌈100·√18⌉ = 425."""
    path = tmp_path / "tiny.dat"
    path.write_text("2\n1\n\n0 0\n\n3 4\n0 1\n\n10\n\n20\n\n4\n5\n\n100\n\n7\n\n0\n")
    inst = read_prodhon(path)
    assert inst.distance_m.tolist() == [[0, 500, 100], [500, 0, 425], [100, 425, 0]]
    assert inst.demand_kg.tolist() == [4, 5] and inst.opening_cost.tolist() == [100]
    res = solve_lrp(inst, FAST)
    assert res.cost == 100 + 7 + 500 + 425 + 100


# ---------------------------------------------------------------- the solver


def test_solve_lrp_reaches_the_optimum_of_coord20_5_1(coord20_5_1, coord20_5_1_result):
    """coord20-5-1 has the proven optimum 54793 under the ceiling convention."""
    assert_feasible(coord20_5_1, coord20_5_1_result)
    assert coord20_5_1_result.cost == 54793


def test_solve_lrp_reaches_the_optimum_of_coord20_5_2(prodhon):
    """coord20-5-2 has the proven optimum 48908 under the ceiling convention."""
    inst = read_prodhon(prodhon / "coord20-5-2.dat")
    res = solve_lrp(inst, FAST, seed=0)
    assert_feasible(inst, res)
    assert res.cost == 48908


def test_two_step_baseline_sites_once_and_routes_once(coord20_5_1, coord20_5_1_result):
    """The baseline logs one plan, feasible, and (here) dearer than the iterated search."""
    res = solve_lrp(coord20_5_1, LRPParams(method="two_step", route_max_iterations=500))
    assert [it.step for it in res.iterations] == ["initial"]
    assert_feasible(coord20_5_1, res)
    assert res.cost == res.iterations[0].cost > coord20_5_1_result.cost


def test_iteration_log_costs_match_their_routes_and_best_is_the_minimum(
        coord20_5_1, coord20_5_1_result):
    """Each logged cost equals its routes re-priced; the plan returned is the cheapest."""
    res = coord20_5_1_result
    for it in res.iterations:
        assert it.cost == pytest.approx(plan_cost(coord20_5_1, it.open_depots, it.routes))
        assert it.cost == pytest.approx(it.opening_cost + it.vehicle_fixed_cost + it.routing_cost)
        assert set(it.open_depots) == {r.depot for r in it.routes}
    costs = [it.cost for it in res.iterations]
    assert res.cost == min(costs) == res.iterations[res.best_iteration].cost
    assert res.routes == res.iterations[res.best_iteration].routes
    running = np.minimum.accumulate(costs)
    flags = [it.best_so_far for it in res.iterations]
    assert flags == [k == 0 or costs[k] < running[k - 1] for k in range(len(costs))]
    # a polish re-routes the best assignment and keeps, per depot, the better routes
    assert all(costs[k] <= running[k - 1] for k, it in enumerate(res.iterations)
               if it.step == "polish")
    assert "polish" in [it.step for it in res.iterations]


def test_depot_capacities_bind_and_hold_on_coord20_5_1(coord20_5_1, coord20_5_1_result):
    """315 kg of demand on 140 kg depots needs three depots, each within 140 kg."""
    res = coord20_5_1_result
    assert len(res.open_depots) >= 3
    assert max(res.depot_load_kg) <= 140
    assert sum(res.depot_load_kg) == 315
    for it in res.iterations:
        for j in it.open_depots:
            assert sum(r.load_kg for r in it.routes if r.depot == j) <= 140


def test_time_budget_stops_the_search_on_coord50_5_1(prodhon):
    """A 3 s budget with 0.5 s routing steps ends within a few seconds, after several plans."""
    inst = read_prodhon(prodhon / "coord50-5-1.dat")
    res = solve_lrp(inst, LRPParams(time_limit_s=3, route_time_limit_s=0.5,
                                    siting_time_limit_s=1))
    assert_feasible(inst, res)
    assert res.runtime_s < 8 and len(res.iterations) >= 2
    assert res.cost <= res.iterations[0].cost


def test_solve_lrp_opens_the_dearer_depot_when_routing_pays_for_it():
    """Hand-checked: depot 1 (km 30) serves km 28 cheaply; depot 0 serves km 10 and 12.

    Both open: 10 + 10 + 2 routes × 5 + (0→10→12→0: 24 km) + (30→28→30: 4 km) = 58;
    depot 0 alone: 10 + 2 × 5 + 24 + 56 = 90; depot 1 alone: 10 + 10 + 40 + 4 = 64.
    """
    res = solve_lrp(line_instance(), FAST)
    assert res.open_depots == (0, 1)
    assert res.cost == 58
    assert (res.opening_cost, res.vehicle_fixed_cost, res.routing_cost) == (20, 10, 28)
    assert res.assignment == {0: 0, 1: 0, 2: 1}


def test_depot_capacity_changes_the_plan_when_it_binds():
    """Depot 0 holding only 4 kg makes the 58-yuan two-depot plan impossible.

    Depot 1 alone: 10 + 2 routes × 5 + (30→28→30: 4 km) + (30→12→10→30: 40 km) = 64;
    the best split (depot 0 serves km 10 alone) costs 20 + 10 + 20 + 36 = 86.
    """
    inst = line_instance(capacity=(4, 100))
    res = solve_lrp(inst, FAST)
    assert_feasible(inst, res)
    assert res.open_depots == (1,) and res.cost == 64


def test_fixed_sites_keep_exactly_the_given_depots_open():
    """With depot 0 fixed, every plan logged uses depot 0 only and pays its opening cost."""
    inst = line_instance()
    res = solve_lrp(inst, FAST, fixed_sites=[0])
    assert res.fixed_sites and res.open_depots == (0,)
    assert all(it.open_depots == (0,) for it in res.iterations)
    # 10 + 2 routes × 5 + (0→10→0: 20 km) + (0→12→28→0: 56 km) = 96
    # (pairing 10 with 12 instead: 24 + 56 km, 100 yuan)
    assert res.cost == 96 and res.opening_cost == 10


def test_fixed_sites_on_coord20_5_1_leave_the_sites_untouched(coord20_5_1):
    """Depots 0, 1 and 3 (not the optimum's) stay open in every plan, within capacity."""
    res = solve_lrp(coord20_5_1, FAST, fixed_sites=[3, 0, 1])
    assert res.open_depots == (0, 1, 3)
    assert all(it.open_depots == (0, 1, 3) for it in res.iterations)
    assert_feasible(coord20_5_1, res)
    assert res.opening_cost == 10841 + 11961 + 7570
    assert res.cost > 54793


def test_fixed_sites_count_their_opening_cost_even_when_unused():
    """A fixed depot with no room (capacity 0) gets no route but is still open and paid for."""
    res = solve_lrp(line_instance(opening=(10, 3), capacity=(0, 100)), FAST, fixed_sites=[0, 1])
    assert res.open_depots == (0, 1) and res.opening_cost == 13
    assert {r.depot for r in res.routes} == {1}
    assert res.depot_load_kg == (0.0, 12.0)


def test_maximum_route_duration_splits_a_route():
    """At 36 km/h with 300 s per stop, 0→10→12→0 lasts 2400 + 600 s > 2800 s: two routes.

    Without the cap one route costs 10 + 5 + 24 = 39; with it 10 + 2 × 5 + 20 + 24 = 64.
    """
    d = (np.abs(LINE_KM[:, None] - LINE_KM[None, :]) * 1000).astype(np.int64)
    common = dict(candidates=[0], clients=[2, 3], opening_cost=[10], depot_capacity_kg=[50],
                  demand_kg=[4, 4], service_s=[300, 300])
    vt = VehicleType(capacity_kg=12, fixed_cost=5, cost_per_km=1)
    free = LRPInstance.from_points(d, d // 10, vehicle=vt, **common)
    capped = LRPInstance.from_points(d, d // 10, vehicle=replace(vt, max_duration_s=2800), **common)
    assert solve_lrp(free, FAST).cost == 39
    res = solve_lrp(capped, FAST)
    assert res.cost == 64 and sorted(r.clients for r in res.routes) == [(0,), (1,)]


def test_short_shift_keeps_far_clients_off_a_far_depot():
    """A 3000 s day at 36 km/h: depot 0 (km 0) cannot serve km 28 (5600 s there and back)."""
    d = (np.abs(LINE_KM[:, None] - LINE_KM[None, :]) * 1000).astype(np.int64)
    inst = LRPInstance(opening_cost=[1, 50], depot_capacity_kg=[100, 100], demand_kg=[4, 4, 4],
                       distance_m=d, duration_s=d // 10,
                       vehicle=VehicleType(capacity_kg=12, fixed_cost=5, cost_per_km=1,
                                           shift_end_s=3000))
    res = solve_lrp(inst, FAST)
    assert_feasible(inst, res)
    assert res.assignment[2] == 1
    with pytest.raises(InfeasibleError, match="1 clients cannot be served and brought back"):
        solve_lrp(inst, FAST, fixed_sites=[0])


def test_same_seed_gives_the_same_plan():
    """Deterministic parameters and the same seed reproduce the plan."""
    inst = line_instance(capacity=(8, 8), demand=(3, 4, 5), vehicle_kg=9)
    a, b = solve_lrp(inst, FAST, seed=3), solve_lrp(inst, FAST, seed=3)
    assert a.routes == b.routes and a.cost == b.cost


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000))
def test_random_tight_instances_respect_every_capacity(seed):
    """Random 3-candidate, 6-client instances with tight depot capacities stay feasible."""
    rng = np.random.default_rng(seed)
    xy = rng.integers(0, 50, size=(9, 2))
    demand = rng.integers(1, 10, size=6)
    capacity = rng.integers(5, 25, size=3)
    capacity[0] = max(capacity[0], demand.max())
    capacity[1] = max(capacity[1], demand.sum() - capacity[0] - capacity[2] + 1)
    inst = LRPInstance(opening_cost=rng.integers(0, 100, size=3), depot_capacity_kg=capacity,
                       demand_kg=demand, distance_m=prodhon_arc_costs(xy),
                       duration_s=np.zeros((9, 9), dtype=np.int64),
                       vehicle=VehicleType(capacity_kg=12, fixed_cost=50, cost_per_km=1000))
    params = LRPParams(time_limit_s=30, max_rounds=3, route_max_iterations=100)
    try:
        res = solve_lrp(inst, params, seed=0)
    except InfeasibleError as err:  # single sourcing can be impossible: bin packing
        assert "fits the depot capacities" in str(err)
        return
    assert_feasible(inst, res)
    assert res.cost == pytest.approx(plan_cost(inst, res.open_depots, res.routes))


def test_summary_names_the_cost_split_and_the_improving_plans():
    """summary() shows the cost split, the open depots and each improving plan."""
    text = solve_lrp(line_instance(), FAST).summary()
    assert "cost 58.00 = opening 20.00 + vehicles 10.00 + routing 28.00" in text
    assert "open depots [0, 1]" in text and "#0 initial" in text


def test_summary_lists_the_other_depot_sets_with_their_excess(coord20_5_1_result):
    """Each other depot set tried appears with its best cost and excess over the plan."""
    res = coord20_5_1_result
    text = res.summary()
    tried = {it.open_depots for it in res.iterations} - {res.open_depots}
    assert tried and "other depot sets" in text
    cheapest = min(tried, key=lambda s: min(it.cost for it in res.iterations
                                            if it.open_depots == s))
    cost = min(it.cost for it in res.iterations if it.open_depots == cheapest)
    assert f"{list(cheapest)}: {cost:.2f} (+{100 * (cost / res.cost - 1):.2f}%)" in text


# ---------------------------------------------------------------- inputs and errors


def test_from_points_takes_the_candidate_and_client_rows_of_a_county_matrix():
    """Candidates first, then clients, both picked out of the full matrix."""
    d = np.arange(16).reshape(4, 4) * 10
    inst = LRPInstance.from_points(d, d, candidates=[3], clients=[1, 0], opening_cost=[1],
                                   depot_capacity_kg=[9], demand_kg=[2, 2],
                                   vehicle=VehicleType(capacity_kg=5))
    assert inst.distance_m.tolist() == [[150, 130, 120], [70, 50, 40], [30, 10, 0]]


def test_solve_lrp_refuses_demand_above_all_depot_capacity():
    """Total demand over the candidates' capacity is refused before solving, with figures."""
    with pytest.raises(InfeasibleError, match="total demand 12 kg exceeds the capacity 10 kg"):
        solve_lrp(line_instance(capacity=(5, 5)), FAST)


def test_solve_lrp_refuses_demand_above_the_fixed_sites_capacity():
    """With fixed sites only their capacity counts."""
    with pytest.raises(InfeasibleError, match="capacity 5 kg of the fixed sites"):
        solve_lrp(line_instance(capacity=(5, 100)), FAST, fixed_sites=[0])


def test_solve_lrp_refuses_a_client_larger_than_the_vehicle():
    """A client heavier than the vehicle cannot be served by any route."""
    with pytest.raises(InfeasibleError, match="client 2 needs 9 kg, more than the vehicle"):
        solve_lrp(line_instance(demand=(4, 4, 9)), FAST)


def test_solve_lrp_names_the_heavy_client_when_clients_have_names():
    """With client names (townships), the capacity message names the township and its kg."""
    inst = replace(line_instance(demand=(4, 4, 9)), client_names=("甲镇", "乙镇", "丙镇"))
    with pytest.raises(InfeasibleError, match="丙镇 needs 9 kg, more than the vehicle") as err:
        solve_lrp(inst, FAST)
    assert "丙镇 的需求 9 kg" in err.value.zh


def test_solve_lrp_rejects_unknown_fixed_sites():
    """A fixed site outside the candidates is a ValueError naming the range."""
    with pytest.raises(ValueError, match=r"fixed_sites must be non-empty, candidates in \[0, 2\)"):
        solve_lrp(line_instance(), FAST, fixed_sites=[2])


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"demand": (4, 0, 4)}, "demand_kg must be > 0 for every client"),
    ({"capacity": (5, -1)}, "depot_capacity_kg must be finite and >= 0"),
    ({"opening": (1, 2, 3)}, r"depot_capacity_kg must be a vector of length 3"),
])
def test_instance_checks_its_vectors(kwargs, message):
    """Bad vectors are refused with the field and the allowed range."""
    with pytest.raises(ValueError, match=message):
        line_instance(**kwargs)


def test_instance_rejects_a_float_matrix():
    """Distances must be integers, as in ruralnet.routing."""
    with pytest.raises(ValueError, match="distance_m must be integer-valued"):
        LRPInstance(opening_cost=[1], depot_capacity_kg=[5], demand_kg=[1],
                    distance_m=np.zeros((2, 2)), duration_s=np.zeros((2, 2), dtype=int),
                    vehicle=VehicleType(capacity_kg=5))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"method": "greedy"}, "method must be one of"),
    ({"time_limit_s": 0}, "time_limit_s must be > 0"),
    ({"polish_share": 1.0}, r"polish_share must be in \[0, 1\)"),
    ({"route_max_iterations": 0}, "route_max_iterations must be >= 1 or None"),
    ({"engine": "gurobi"}, "engine must be one of"),
])
def test_params_check_their_fields(kwargs, message):
    """LRPParams names the field and its allowed values."""
    with pytest.raises(ValueError, match=message):
        LRPParams(**kwargs)


def test_joint_routing_of_one_depot_whose_routes_are_known_is_not_solved(monkeypatch):
    """One depot serving every client: the joint move would route the same clients again
    (under a tighter fleet); with that routing cached, no engine run and the same result."""
    import ruralnet.lrp.solve as lrp_solve

    d = np.array([[0, 90, 10, 12, 11], [90, 0, 95, 96, 94], [10, 95, 0, 5, 4],
                  [12, 96, 5, 0, 3], [11, 94, 4, 3, 0]]) * 1000
    inst = LRPInstance(opening_cost=[10, 500], depot_capacity_kg=[30, 30],
                       demand_kg=[5, 5, 5], distance_m=d, duration_s=np.zeros_like(d),
                       vehicle=VehicleType(capacity_kg=10, fixed_cost=5, cost_per_km=1))
    runs = []
    real = lrp_solve.solve_routes

    def counting(problem, params=None, *, seed=0):
        runs.append(len(problem.depots))
        return real(problem, params, seed=seed)

    monkeypatch.setattr(lrp_solve, "solve_routes", counting)
    res = solve_lrp(inst, LRPParams(time_limit_s=30, max_rounds=3, route_max_iterations=50))
    assert res.open_depots == (0,)
    assert res.cost == pytest.approx(10 + res.vehicle_fixed_cost + res.routing_cost)
    s = lrp_solve._Search(inst, LRPParams(route_max_iterations=50), 0, None, 0.0)
    s.route({0: [0, 1, 2]})
    before = len(runs)
    assert s.route_joint((0,)) is None and len(runs) == before  # known: no solve
    assert s.route_joint((1,)) is not None and len(runs) == before + 1  # unknown: solved

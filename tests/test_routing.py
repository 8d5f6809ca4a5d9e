"""Tests of ruralnet.routing: hand-checked tiny instances on both engines."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ruralnet.exceptions import InfeasibleError
from ruralnet.routing import (
    Client,
    DailyRoutingParams,
    Depot,
    FleetType,
    RoutingModel,
    RoutingParams,
    RoutingProblem,
    VehicleType,
    export_vrplib,
    plan_daily_routes,
    solve_routes,
)

ENGINES = ["ortools", "pyvrp"]
FAST = {"time_limit_s": 0.3, "max_iterations": 200}


def line_matrices(xs_km: list[float], kph: float = 36.0):
    """Distances (m) and durations (s) between points on a line."""
    x = np.asarray(xs_km, dtype=float) * 1000
    dist = np.rint(np.abs(x[:, None] - x[None, :])).astype(np.int64)
    return dist, np.rint(dist * 3.6 / kph).astype(np.int64)


def plane_matrices(xy_km: list[tuple[float, float]], kph: float = 36.0):
    """Distances (m) and durations (s) between points on a plane."""
    xy = np.asarray(xy_km, dtype=float) * 1000
    dist = np.rint(np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))).astype(np.int64)
    return dist, np.rint(dist * 3.6 / kph).astype(np.int64)


def two_way_problem(cap: float = 10.0) -> RoutingProblem:
    """Depot at 0 km, clients at 1 and 2 km; only the order 0 → 1 fits the load."""
    dist, dur = line_matrices([0, 1, 2], kph=60)  # 1 km = 60 s
    return RoutingProblem(
        depots=(Depot(),),
        clients=(
            Client(delivery_kg=6, pickup_kg=2, service_s=300),
            Client(delivery_kg=2, pickup_kg=7, service_s=300),
        ),
        vehicle_types=(VehicleType(capacity_kg=cap, fixed_cost=50, cost_per_km=2),),
        distance_m=dist,
        duration_s=dur,
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_route_times_and_loads_match_hand_calculation(engine):
    """Arrivals, departures, loads and cost equal the figures worked out by hand."""
    res = solve_routes(two_way_problem(), RoutingParams(engine=engine, **FAST), seed=1)
    (route,) = res.routes
    assert [s.client for s in route.stops] == [0, 1]
    # leave 0, 60 s to client 0, serve 300 s, 60 s on, serve 300 s, 120 s back
    assert [(s.arrive_s, s.depart_s) for s in route.stops] == [(60, 360), (420, 720)]
    assert (route.start_s, route.end_s, route.duration_s) == (0, 840, 840)
    # leaves with 6 + 2 kg, then 8 - 6 + 2 = 4, then 4 - 2 + 7 = 9
    assert route.load_start_kg == 8
    assert [s.load_after_kg for s in route.stops] == [4, 9]
    assert route.distance_m == 4000
    assert res.cost == pytest.approx(50 + 2 * 4.0)


@pytest.mark.parametrize("engine", ENGINES)
def test_two_way_load_makes_the_reverse_order_infeasible(engine):
    """9 kg is the least peak load (the reverse order peaks at 13 kg); 8.5 kg cannot work."""
    res = solve_routes(two_way_problem(cap=9), RoutingParams(engine=engine, **FAST), seed=0)
    assert res.routes[0].max_load_kg == 9
    with pytest.raises(InfeasibleError, match="required stops need 9 kg but the fleet carries 8"):
        solve_routes(two_way_problem(cap=8.5), RoutingParams(engine=engine, **FAST), seed=0)


@pytest.mark.parametrize("engine", ENGINES)
def test_solve_raises_when_windows_clash_for_the_only_vehicle(engine):
    """Two clients 2 km apart both due at minute 1: each fits alone, not both."""
    dist, dur = line_matrices([0, 1, -1], kph=60)
    clients = (Client(tw_early_s=60, tw_late_s=60), Client(tw_early_s=60, tw_late_s=60))
    problem = RoutingProblem((Depot(),), clients, (VehicleType(10),), dist, dur)
    with pytest.raises(InfeasibleError, match="found no plan serving every required stop"):
        solve_routes(problem, RoutingParams(engine=engine, **FAST))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    loads=st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), min_size=3, max_size=7),
    engine=st.sampled_from(ENGINES),
)
def test_load_stays_within_capacity_at_every_point(loads, engine):
    """Recomputed from the stops, the on-board load never exceeds capacity (VRPSPD)."""
    xs = [0] + [1 + 2 * k for k in range(len(loads))]
    dist, dur = line_matrices(xs)
    clients = tuple(Client(delivery_kg=d, pickup_kg=p) for d, p in loads)
    problem = RoutingProblem((Depot(),), clients, (VehicleType(10, len(loads)),), dist, dur)
    res = solve_routes(problem, RoutingParams(engine=engine, **FAST), seed=0)
    seen = []
    for route in res.routes:
        load = sum(loads[s.client][0] for s in route.stops)
        assert load <= 10
        for s in route.stops:
            load += loads[s.client][1] - loads[s.client][0]
            assert load == s.load_after_kg <= 10
        seen += [s.client for s in route.stops]
    assert sorted(seen) == list(range(len(loads)))


@pytest.mark.parametrize("engine", ENGINES)
def test_time_window_is_met_and_departure_delayed_instead_of_waiting(engine):
    """A client opening at 600 s, 60 s away: leave at 540 s and start service at 600 s."""
    dist, dur = line_matrices([0, 1], kph=60)
    problem = RoutingProblem((Depot(),), (Client(tw_early_s=600, tw_late_s=900),),
                             (VehicleType(10),), dist, dur)
    (route,) = solve_routes(problem, RoutingParams(engine=engine, **FAST)).routes
    assert (route.start_s, route.stops[0].arrive_s, route.stops[0].start_s) == (540, 600, 600)


@pytest.mark.parametrize("engine", ENGINES)
def test_time_windows_force_the_longer_order(engine):
    """The far client closes early, so it is served first although that costs more."""
    dist, dur = line_matrices([0, 1, 2], kph=60)
    problem = RoutingProblem(
        (Depot(),),
        (Client(tw_early_s=300, tw_late_s=10_000), Client(tw_late_s=150)),
        (VehicleType(10),), dist, dur)
    (route,) = solve_routes(problem, RoutingParams(engine=engine, **FAST)).routes
    assert [s.client for s in route.stops] == [1, 0]
    assert route.stops[0].start_s <= 150 and route.stops[1].start_s >= 300


def test_pyvrp_penalty_warning_is_logged_not_raised(caplog):
    """On an infeasible instance PyVRP's penalty warning becomes a log line, not an error."""
    dist, dur = line_matrices([0, 1, -1], kph=60)
    clients = (Client(tw_early_s=60, tw_late_s=60), Client(tw_early_s=60, tw_late_s=60))
    problem = RoutingProblem((Depot(),), clients, (VehicleType(10),), dist, dur)
    params = RoutingParams(engine="pyvrp", time_limit_s=3, max_iterations=5000)
    with caplog.at_level("INFO", logger="ruralnet._pyvrp_vrp"):
        with pytest.raises(InfeasibleError, match="pyvrp found no plan"):
            solve_routes(problem, params)
    assert "penalty parameter has reached its maximum" in caplog.text


def test_solve_raises_when_a_required_client_is_beyond_the_shift():
    """A client 2 h away cannot be served in a 3 h shift; the message says so with figures."""
    dist, dur = line_matrices([0, 72], kph=36)  # 72 km at 36 km/h = 2 h
    problem = RoutingProblem((Depot(),), (Client(),),
                             (VehicleType(10, shift_end_s=3 * 3600),), dist, dur)
    with pytest.raises(InfeasibleError, match=r"1 required stops .*farthest one-way 2\.0 h"):
        solve_routes(problem, RoutingParams(engine="ortools", **FAST))


def coverage_problem(**vehicle) -> RoutingProblem:
    """Optional villages at 1, 2, 3, 4 km and one at 20 km; one van."""
    dist, dur = line_matrices([0, 1, 2, 3, 4, 20])
    clients = tuple(Client(delivery_kg=1, required=False) for _ in range(5))
    return RoutingProblem((Depot(),), clients, (VehicleType(100, **vehicle),), dist, dur)


@pytest.mark.parametrize("engine", ENGINES)
def test_coverage_target_is_met_at_the_lowest_cost(engine):
    """80% of 5 villages is 4: the far one at 20 km is the one left out (8 km, not 40)."""
    params = RoutingParams(engine=engine, coverage_target=0.8, **FAST)
    res = solve_routes(coverage_problem(), params, seed=0)
    assert res.unvisited == (4,)
    assert res.coverage == pytest.approx(0.8)
    assert res.cost == pytest.approx(8.0)
    assert "coverage 80.0%, clients left out 1" in res.summary()


def test_coverage_target_beyond_the_shift_explains_with_figures():
    """With a 30 min shift the 20 km village is unreachable, so 100% fails, naming it."""
    params = RoutingParams(engine="ortools", coverage_target=1.0, **FAST)
    with pytest.raises(InfeasibleError, match=r"1 cannot be reached .* at least 0\.6 h one way"):
        solve_routes(coverage_problem(shift_end_s=1800), params)


def test_coverage_target_short_of_fleet_says_how_many_more_vehicles():
    """One 10 kg van and four 6 kg villages: 100% needs about 3 more vehicles."""
    dist, dur = line_matrices([0, 1, 2, 3, 4])
    clients = tuple(Client(delivery_kg=6, required=False) for _ in range(4))
    problem = RoutingProblem((Depot(),), clients, (VehicleType(10),), dist, dur)
    params = RoutingParams(engine="pyvrp", coverage_target=1.0, **FAST)
    with pytest.raises(InfeasibleError, match="served at most 1 .* about 3 more vehicles"):
        solve_routes(problem, params)


def test_engines_find_the_same_cost_on_a_tiny_instance():
    """Both engines find the 2-van optimum of a 6-village star (checked by hand: 2 × 8 km)."""
    dist, dur = plane_matrices([(0, 0), (1, 0), (2, 0), (3, 0), (0, 1), (0, 2), (0, 3)])
    clients = tuple(Client(delivery_kg=5) for _ in range(6))
    problem = RoutingProblem((Depot(),), clients, (VehicleType(15, 3, fixed_cost=10),), dist,
                             dur)
    costs = {e: solve_routes(problem, RoutingParams(engine=e, **FAST)).cost for e in ENGINES}
    assert costs == {"ortools": pytest.approx(2 * (10 + 6)), "pyvrp": pytest.approx(32)}


@pytest.mark.parametrize("engine", ENGINES)
def test_same_seed_gives_the_same_routes(engine):
    """Under an iteration cap both engines return identical routes for the same seed."""
    rng = np.random.default_rng(3)
    xy = [(0.0, 0.0)] + [tuple(p) for p in rng.uniform(0, 10, (25, 2))]
    dist, dur = plane_matrices(xy)
    clients = tuple(Client(delivery_kg=3, pickup_kg=1) for _ in range(25))
    problem = RoutingProblem((Depot(),), clients, (VehicleType(20, 10),), dist, dur)
    params = RoutingParams(engine=engine, time_limit_s=30, max_iterations=300)
    first, second = (solve_routes(problem, params, seed=7) for _ in range(2))
    assert [[s.client for s in r.stops] for r in first.routes] == [
        [s.client for s in r.stops] for r in second.routes]


def test_builder_accepts_locations_in_any_order():
    """A client added before the depot is reordered; matrices follow insertion order."""
    m = RoutingModel()
    village = m.add_client(delivery_kg=3)
    depot = m.add_depot()
    m.add_vehicle_type(capacity_kg=5, depot=depot)
    m.set_matrices([[0, 2500], [2500, 0]], [[0, 250], [250, 0]])
    res = m.solve(RoutingParams(engine="ortools", **FAST))
    assert res.routes[0].stops[0].client == village
    assert res.routes[0].distance_m == 5000


def test_params_and_problem_reject_bad_values_with_the_allowed_range():
    """Validation names the field and its allowed range."""
    with pytest.raises(ValueError, match=r"coverage_target must be in \(0, 1\] or None"):
        RoutingParams(coverage_target=1.5)
    with pytest.raises(ValueError, match="distance_m must be integer-valued"):
        RoutingProblem((Depot(),), (Client(),), (VehicleType(1),), [[0, 1.5], [1.5, 0]],
                       [[0, 1], [1, 0]])
    with pytest.raises(ValueError, match="VehicleType.capacity_kg must be > 0"):
        VehicleType(0)


def test_export_vrplib_reads_back_in_pyvrp(tmp_path):
    """PyVRP reads the exported file with the same loads, windows, capacity and costs."""
    pyvrp = pytest.importorskip("pyvrp")
    problem = two_way_problem()
    path = export_vrplib(problem, tmp_path / "two_way.vrp")
    data = pyvrp.read(path)
    assert (data.num_depots, data.num_clients) == (1, 2)
    assert [list(c.delivery) for c in data.clients()] == [[6000], [2000]]
    assert [list(c.pickup) for c in data.clients()] == [[2000], [7000]]
    assert [c.service_duration for c in data.clients()] == [300, 300]
    vt = data.vehicle_type(0)
    assert (list(vt.capacity), vt.fixed_cost, vt.unit_distance_cost) == ([10000], 5_000_000, 200)
    assert data.distance_matrix(0)[1, 2] == 1000
    # cross-check: PyVRP on the file finds our optimum, 50 yuan + 2 yuan/km x 4 km, in 1e-5 yuan
    found = pyvrp.solve(data, pyvrp.stop.MaxIterations(100), seed=0, display=False)
    assert found.is_feasible() and found.cost() == 58 * 100_000


# --------------------------------------------------------------------------
# Daily two-tier plans on a toy county (distances in km on a plane)
# --------------------------------------------------------------------------

TOY = [(0, 0), (10, 0), (0, 10),          # warehouse 0, stations 1 and 2
       (12, 0), (10, 2), (11, 1),         # villages 3-5 near station 1
       (0, 12), (2, 10), (1, 11)]         # villages 6-8 near station 2
TRUCK = FleetType("4.2m 轻卡", 2000, 2, fixed_cost_yuan=300, cost_per_km_yuan=2.5)
VAN = FleetType("面包车", 800, 1, fixed_cost_yuan=150, cost_per_km_yuan=1.2)


def toy_plan(extra_points=(), kinds=None, **params):
    pts = TOY + list(extra_points)
    dist, dur = plane_matrices(pts)
    villages = list(range(3, len(pts)))
    defaults = {"engine": "ortools", "feeder_time_limit_s": 0.5, "max_iterations": 100,
                "trunk_time_limit_s": 1.0, "curve_targets": ()}
    return plan_daily_routes(
        dist, dur, warehouses=[0], stations=[1, 2], villages=villages,
        delivery_kg=[30.0] * len(villages), pickup_kg=[10.0] * len(villages),
        catchments=[[3, 4, 5] + villages[6:], [6, 7, 8]], trunk_fleet=[TRUCK],
        feeder_fleet=[VAN], village_kinds=kinds,
        params=DailyRoutingParams(**(defaults | params)), seed=0)


def test_daily_feeders_leave_after_trunk_arrival_plus_handling():
    """Each feeder departs no earlier than its station's trunk arrival + 30 min."""
    res = toy_plan(coverage_target=1.0)
    arrival = {s.point: s.arrive_min for r in res.routes if r.tier == "trunk" for s in r.stops}
    assert set(arrival) == {1, 2}
    feeders = [r for r in res.routes if r.tier == "feeder"]
    assert feeders and {r.depot_point for r in feeders} == {1, 2}
    for r in feeders:
        assert res.station_ready_min[r.depot_point] == pytest.approx(arrival[r.depot_point] + 30)
        assert r.depart_min >= arrival[r.depot_point] + 30
        assert r.return_min <= 1080


def test_daily_trunk_carries_each_catchment_and_times_add_up():
    """The trunk drops 90 kg and picks 30 kg per station; 10 km at 36 km/h is 16.67 min."""
    res = toy_plan(coverage_target=1.0)
    trunk = [r for r in res.routes if r.tier == "trunk"]
    stops = {s.point: s for r in trunk for s in r.stops}
    assert {p: (s.deliver_kg, s.pickup_kg) for p, s in stops.items()} == {
        1: (90.0, 30.0), 2: (90.0, 30.0)}
    first = trunk[0].stops[0]
    assert (trunk[0].depart_min, first.km_from_prev, first.arrive_min) == (420.0, 10.0, 436.67)
    assert first.depart_min == first.arrive_min + 15
    for r in res.routes:
        assert r.distance_km == pytest.approx(sum(s.km_from_prev for s in r.stops) + r.return_km)


def test_daily_routes_leave_as_a_geodataframe_of_lines():
    """One row per route; a trunk line starts and ends at the warehouse's coordinates."""
    res = toy_plan(coverage_target=1.0)
    gdf = res.to_geodataframe(TOY, crs="EPSG:32650")
    assert len(gdf) == len(res.routes) and str(gdf.crs) == "EPSG:32650"
    trunk = gdf[gdf.tier == "trunk"].iloc[0]
    coords = list(trunk.geometry.coords)
    assert coords[0] == coords[-1] == (0.0, 0.0)
    assert trunk.n_stops == len(coords) - 2


def test_daily_coverage_counts_villages_only():
    """A community near station 1 neither counts toward coverage nor gets routed for free."""
    kinds = ["village"] * 6 + ["community"]
    res = toy_plan(extra_points=[(11, -1)], kinds=kinds, coverage_target=1.0)
    assert (res.villages_total, res.villages_served, res.coverage) == (6, 6, 1.0)
    assert [(u.point, u.reason) for u in res.unserved] == [(9, "community")]


def test_daily_unreachable_village_is_reported_and_blocks_full_coverage():
    """A village 200 km out cannot be served in the day: 100% raises, 80% lists it."""
    far = [(210, 0)]
    with pytest.raises(InfeasibleError, match=r"1 cannot be reached .* lower the target"):
        toy_plan(extra_points=far, coverage_target=1.0)
    res = toy_plan(extra_points=far, coverage_target=0.8)
    assert (9, "unreachable") in [(u.point, u.reason) for u in res.unserved]
    assert res.villages_served >= math.ceil(0.8 * 7)


def test_daily_shortfall_counts_heavy_and_orphan_villages():
    """A 1,000 kg village and one outside every catchment make 100% fail, both counted."""
    dist, dur = plane_matrices(TOY + [(11, -1), (1, 9)])
    villages = list(range(3, 11))
    with pytest.raises(InfeasibleError, match=r"at most 6 can be served: 0 cannot .*"
                       r"1 have more load than the largest vehicle carries, "
                       r"1 are in no station's catchment"):
        plan_daily_routes(
            dist, dur, warehouses=[0], stations=[1, 2], villages=villages,
            delivery_kg=[30.0] * 6 + [1000.0, 30.0], pickup_kg=[0.0] * 8,
            catchments=[[3, 4, 5, 9], [6, 7, 8]], trunk_fleet=[TRUCK], feeder_fleet=[VAN],
            params=DailyRoutingParams(engine="ortools", coverage_target=1.0, curve_targets=(),
                                      max_iterations=50, trunk_time_limit_s=0.3,
                                      feeder_time_limit_s=0.3))


def test_daily_curve_reports_reachable_targets_only():
    """With one unreachable village of 7, 80% and 85% are reached and 100% is not."""
    res = toy_plan(extra_points=[(210, 0)], coverage_target=0.8, curve_targets=(0.8, 0.85, 1.0))
    assert [p.reached for p in res.curve] == [True, True, False]
    assert res.curve[0].coverage >= 0.8 and res.curve[1].coverage >= 0.85
    assert res.curve[0].cost_yuan <= res.curve[1].cost_yuan


def test_daily_direct_mode_routes_from_the_warehouse_without_transfer():
    """Direct mode has no trunk; routes start at the warehouse and still visit both stations."""
    res = toy_plan(mode="direct", coverage_target=1.0, direct_time_limit_s=2.0,
                   direct_max_iterations=200)
    assert {r.tier for r in res.routes} == {"direct"}
    assert {r.depot_point for r in res.routes} == {0}
    visited = {s.point for r in res.routes for s in r.stops}
    assert visited == set(range(1, 9))
    assert res.station_ready_min == {}


def test_daily_auto_keeps_the_cheaper_mode():
    """Auto returns whichever of two-tier and direct costs less."""
    opts = {"coverage_target": 1.0, "direct_time_limit_s": 2.0, "direct_max_iterations": 200}
    costs = {m: toy_plan(mode=m, **opts).cost_yuan for m in ("two_tier", "direct")}
    auto = toy_plan(mode="auto", **opts)
    assert auto.cost_yuan == pytest.approx(min(costs.values()))
    assert auto.mode == min(costs, key=costs.get)


def test_daily_plan_is_the_same_for_the_same_seed():
    """Same seed and iteration cap, same routes (PyVRP engine)."""
    first, second = (toy_plan(engine="pyvrp", coverage_target=0.8) for _ in range(2))
    key = lambda r: [(x.id, [s.point for s in x.stops], x.depart_min) for x in r.routes]  # noqa: E731
    assert key(first) == key(second)


def test_daily_trunk_that_cannot_arrive_in_time_names_the_tier():
    """Trunks due by 07:10 cannot drive the 10 km (16.7 min) to a station: the error says trunk."""
    with pytest.raises(InfeasibleError, match="trunk tier .* relax trunk_arrival_by_min"):
        toy_plan(trunk_arrival_by_min=430)


def test_daily_params_reject_a_day_that_ends_before_it_starts():
    """The working-day check names both fields and the allowed order."""
    with pytest.raises(ValueError, match=r"day_start_min, day_end_min must be 0 <= start < end"):
        DailyRoutingParams(day_start_min=600, day_end_min=500)
    with pytest.raises(ValueError, match="feeder_time_limit_s must be > 0, got 0"):
        DailyRoutingParams(feeder_time_limit_s=0)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    xy=st.lists(st.tuples(st.integers(-15, 15), st.integers(-15, 15)), min_size=2, max_size=8,
                unique=True),
    target=st.sampled_from([0.5, 0.8, 1.0]),
)
def test_daily_plan_invariants_hold_on_random_villages(xy, target):
    """Each village at most once, coverage >= target, routes at their depot inside the day."""
    pts = [(0, 0), (5, 0)] + [(5 + x / 3, y / 3) for x, y in xy]
    dist, dur = plane_matrices(pts)
    villages = list(range(2, len(pts)))
    res = plan_daily_routes(
        dist, dur, warehouses=[0], stations=[1], villages=villages,
        delivery_kg=[40.0] * len(villages), pickup_kg=[15.0] * len(villages),
        catchments=[villages], trunk_fleet=[TRUCK], feeder_fleet=[VAN],
        params=DailyRoutingParams(engine="ortools", coverage_target=target, curve_targets=(),
                                  feeder_time_limit_s=0.3, max_iterations=50,
                                  trunk_time_limit_s=0.3), seed=0)
    served = [s.point for r in res.routes if r.tier == "feeder" for s in r.stops]
    assert len(served) == len(set(served)) and set(served) <= set(villages)
    assert 0 <= res.coverage <= 1 and res.coverage >= target - 1e-9
    assert res.villages_served + len(res.unserved) == len(villages)
    for r in res.routes:
        assert r.depot_point == (0 if r.tier == "trunk" else 1)
        assert 420 <= r.depart_min <= r.return_min <= 1080
        assert max([r.load_out_kg] + [s.load_after_kg for s in r.stops]) <= r.capacity_kg


def test_required_villages_are_visited_even_when_the_target_needs_fewer():
    """A village listed in required_villages is served although 50% coverage needs only one."""
    from ruralnet.routing import DailyRoutingParams, FleetType, plan_daily_routes

    # warehouse 0, station 1, villages 2 (near) and 3 (far): the target alone would pick 2.
    d = [[0, 10000, 11000, 30000], [10000, 0, 1000, 20000],
         [11000, 1000, 0, 21000], [30000, 20000, 21000, 0]]
    t = [[v // 10 for v in row] for row in d]
    common = dict(warehouses=[0], stations=[1], villages=[2, 3], delivery_kg=[10, 10],
                  pickup_kg=[0, 0], catchments=[[2, 3]],
                  trunk_fleet=[FleetType("轻卡", 2000)],
                  feeder_fleet=[FleetType("面包车", 800, fixed_cost_yuan=10)],
                  params=DailyRoutingParams(engine="ortools", coverage_target=0.5,
                                            curve_targets=()))
    free = plan_daily_routes(d, t, **common)
    served = {s.point for r in free.routes if r.tier == "feeder" for s in r.stops}
    assert served == {2}
    forced = plan_daily_routes(d, t, required_villages=[3], **common)
    served = {s.point for r in forced.routes if r.tier == "feeder" for s in r.stops}
    assert 3 in served and forced.coverage >= 0.5

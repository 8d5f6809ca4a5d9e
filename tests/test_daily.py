"""Tests of ruralnet.routing.daily: two-tier and direct daily plans on a toy county."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ruralnet.routing
import ruralnet.routing.daily
from ruralnet.exceptions import InfeasibleError
from ruralnet.routing.daily import DailyRoutingParams, FleetType, plan_daily_routes


def plane_matrices(xy_km: list[tuple[float, float]], kph: float = 36.0):
    """Distances (m) and durations (s) between points on a plane."""
    xy = np.asarray(xy_km, dtype=float) * 1000
    dist = np.rint(np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))).astype(np.int64)
    return dist, np.rint(dist * 3.6 / kph).astype(np.int64)


def test_routing_still_exports_every_daily_name():
    """Names of ruralnet.routing.daily resolve from ruralnet.routing to the same objects."""
    for name in ruralnet.routing.__all__:
        assert getattr(ruralnet.routing, name) is not None
    for name in ruralnet.routing.daily.__all__:
        assert name in ruralnet.routing.__all__
        assert getattr(ruralnet.routing, name) is getattr(ruralnet.routing.daily, name)
    from ruralnet.routing import FleetType as Reexported

    assert Reexported is FleetType
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        ruralnet.routing.no_such_name  # noqa: B018


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


# --------------------------------------------------------------------------
# Split deliveries (a station or village needing more than one vehicle)
# --------------------------------------------------------------------------


def test_daily_trunk_splits_a_station_over_one_truck_into_several_trucks():
    """4,530 kg at one station, 2,000 kg trucks: three trucks of 1,510 kg, 350 yuan each.

    By hand: ceil(4530 / 2000) = 3 equal pieces; each truck drives 10 km out
    and back at 36 km/h (arrives 07:16.67) and costs 300 + 20 km × 2.5 = 350.
    """
    dist, dur = plane_matrices([(0, 0), (10, 0), (11, 0)])
    res = plan_daily_routes(
        dist, dur, warehouses=[0], stations=[1], villages=[2], delivery_kg=[30.0],
        pickup_kg=[0.0], catchments=[[2]], station_delivery_kg=[4500.0],
        trunk_fleet=[FleetType("4.2m 轻卡", 2000, 3, fixed_cost_yuan=300, cost_per_km_yuan=2.5)],
        feeder_fleet=[VAN], params=DailyRoutingParams(
            engine="ortools", coverage_target=1.0, curve_targets=(), max_iterations=50,
            trunk_time_limit_s=0.5, feeder_time_limit_s=0.3))
    trunk = [r for r in res.routes if r.tier == "trunk"]
    assert len(trunk) == 3
    assert [[(s.point, s.deliver_kg) for s in r.stops] for r in trunk] == [[(1, 1510.0)]] * 3
    assert [(r.stops[0].arrive_min, r.cost_yuan) for r in trunk] == [
        (436.67, 350.0)] * 3
    assert res.station_ready_min[1] == pytest.approx(436.67 + 30)
    assert res.coverage == 1.0


def test_daily_trunk_names_the_heaviest_station_when_the_fleet_is_too_small():
    """5,000 kg at station 遥远镇 and one 2,000 kg truck: the message names it and its kg."""
    dist, dur = plane_matrices([(0, 0), (10, 0), (11, 0)])
    with pytest.raises(InfeasibleError, match=r"遥远镇 5030 kg") as err:
        plan_daily_routes(
            dist, dur, warehouses=[0], stations=[1], villages=[2], delivery_kg=[30.0],
            pickup_kg=[0.0], catchments=[[2]], station_delivery_kg=[5000.0],
            trunk_fleet=[FleetType("4.2m 轻卡", 2000, 1)],
            feeder_fleet=[VAN], point_names=["县仓", "遥远镇", "甲村"],
            params=DailyRoutingParams(engine="ortools", coverage_target=1.0, curve_targets=(),
                                      max_iterations=50, trunk_time_limit_s=0.3))
    assert "largest stations 遥远镇 5030 kg" in err.value.message("en")


def test_daily_feeder_splits_a_village_over_one_van_and_counts_it_once():
    """A 1,000 kg village with two 800 kg vans gets two 500 kg visits; coverage counts it once."""
    dist, dur = plane_matrices([(0, 0), (10, 0), (12, 0), (10, 2)])
    res = plan_daily_routes(
        dist, dur, warehouses=[0], stations=[1], villages=[2, 3], delivery_kg=[1000.0, 30.0],
        pickup_kg=[0.0, 0.0], catchments=[[2, 3]], trunk_fleet=[TRUCK],
        feeder_fleet=[FleetType("面包车", 800, 2, fixed_cost_yuan=150, cost_per_km_yuan=1.2)],
        params=DailyRoutingParams(engine="ortools", coverage_target=1.0, curve_targets=(),
                                  max_iterations=50, trunk_time_limit_s=0.3,
                                  feeder_time_limit_s=0.3))
    visits = sorted(s.deliver_kg for r in res.routes if r.tier == "feeder" for s in r.stops
                    if s.point == 2)
    assert visits == [500.0, 500.0]
    assert (res.villages_total, res.villages_served, res.coverage) == (2, 2, 1.0)
    assert not res.unserved

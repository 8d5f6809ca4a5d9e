"""Remote stations: multi-day loops instead of no plan (routing/remote.py, plan/multi_day.py).

The hand-checked line county: warehouse W at km 0, station S1 at km 30, its
village V3 at km 35; station S2 at km 300 with villages V4 (km 305) and V5
(km 294). Everything drives at 36 km/h, so S2 is 500 min away: a trunk
could get there within an 11-hour shift (500 + 15 min service) but not come
back (round trip 16.7 h), so S2 gets a two-day loop: out on day 1, overnight,
feeders on day 2, back on day 2; service days 2, 4, 6 of a week, each
delivering two days of parcels.
"""

import copy
import json

import numpy as np
import pytest

from ruralnet.plan.multi_day import multi_day_problems
from ruralnet.routing import DailyRoutingParams, FleetType
from ruralnet.routing.remote import classify_stations, plan_remote_days, service_pattern

KM = [0, 30, 300, 35, 305, 294]  # W, S1, S2, V3, V4, V5
TRUCK = FleetType("轻卡", 2000, num_available=2, fixed_cost_yuan=300.0, cost_per_km_yuan=1.2)
VAN = FleetType("面包车", 800, num_available=2, fixed_cost_yuan=100.0)


def _line(km):
    d = np.abs(np.subtract.outer(km, km)) * 1000
    return d.astype(np.int64), (d // 10).astype(np.int64)  # 36 km/h


def _plan(km=KM, **kw):
    d, t = _line(km)
    params = DailyRoutingParams(engine="ortools", coverage_target=0.3, curve_targets=(),
                                trunk_time_limit_s=1.0, feeder_time_limit_s=0.5)
    return plan_remote_days(d, t, warehouses=[0], stations=[1, 2], villages=[3, 4, 5],
                            delivery_kg=[30, 20, 10], pickup_kg=[5, 4, 2],
                            catchments=[[3], [4, 5]], trunk_fleet=[TRUCK], feeder_fleet=[VAN],
                            params=params, **kw)


def test_classify_stations_names_the_binding_rule_with_figures():
    """S1 is daily; S2's round trip (1000 min) exceeds the 660-min shift."""
    d, t = _line(KM)
    reach = classify_stations(d, t, warehouses=[0], stations=[1, 2], loads=[(30, 5), (30, 6)],
                              trunk_fleet=[TRUCK], params=DailyRoutingParams())
    assert [r.reason for r in reach] == ["daily", "round_trip_over_shift"]
    assert reach[1].one_way_min == 500 and reach[1].shift_min == 660
    assert "round trip 16.7 h > shift 11.0 h" in reach[1].figures()[1]


def test_classify_stations_tells_late_arrival_from_a_long_round_trip():
    """At km 180 (300 min) a trunk arrives 12:00, after the 10:00 cut-off, back by 17:15."""
    d, t = _line([0, 180])
    (r,) = classify_stations(d, t, warehouses=[0], stations=[1], loads=[(10, 0)],
                             trunk_fleet=[TRUCK], params=DailyRoutingParams())
    assert r.reason == "late_arrival"
    assert "arrives 12:00, after the trunk cut-off 10:00" in r.figures()[1]


def test_service_pattern_repeats_every_cycle_over_the_horizon():
    """A two-day loop serves 二四六; a four-day loop from day 3 serves day 3 (6 days) or 3 and 7."""
    assert service_pattern(2, 7, first=2) == (2, 4, 6)
    assert service_pattern(2, 6, first=2) == (2, 4, 6)
    assert service_pattern(4, 6, first=3) == (3,)
    assert service_pattern(4, 7, first=3) == (3, 7)


def test_remote_station_gets_a_two_day_loop_with_accumulated_loads():
    """S2: cycle 2 days, days 2/4/6, 2 × (20 + 10) kg down, feeders carry each village's 2 days."""
    daily, remote = _plan()
    assert {r.depot_point for r in daily.routes if r.tier == "feeder"} == {1}
    assert daily.villages_served == 1 and daily.villages_total == 1
    (loop,) = remote.loops
    assert (loop.reach.point, loop.cycle_days, loop.days_out, loop.days_back) == (2, 2, 1, 1)
    assert loop.pattern == (2, 4, 6) and loop.pattern_zh() == "二四六"
    assert (loop.deliver_kg, loop.pickup_kg) == (60.0, 12.0)
    assert loop.cost_per_day_yuan == pytest.approx(300 + 1.2 * 600 / 2)
    stops = {s.point: s for r in loop.feeder_routes for s in r.stops}
    assert {q: (s.deliver_kg, s.pickup_kg) for q, s in stops.items()} == {
        4: (40.0, 8.0), 5: (20.0, 4.0)}
    assert all(420 <= r.depart_min and r.return_min <= 1080 for r in loop.feeder_routes)
    rows = {(kind, q): reason for kind, q, reason, _, _ in remote.not_daily}
    assert rows == {("station", 2): "round_trip_over_shift", ("village", 4): "remote_station",
                    ("village", 5): "remote_station"}


def test_late_station_moves_the_cut_off_when_allowed_instead_of_a_loop():
    """S2 at km 180 arrives 12:00: a 180-min allowance moves the cut-off to 12:01 (721)."""
    km = [0, 30, 180, 35, 185, 174]
    _, kept = _plan(km, max_cutoff_delay_min=60)
    assert [lp.reach.reason for lp in kept.loops] == ["late_arrival"]
    daily, moved = _plan(km, max_cutoff_delay_min=180)
    assert moved.loops == () and moved.relaxed_cutoff_min == 721
    assert {s.point for r in daily.routes if r.tier == "trunk" for s in r.stops} == {1, 2}
    assert max(s.arrive_min for r in daily.routes if r.tier == "trunk" for s in r.stops) <= 721


def _md_doc():
    """A minimal plan with one two-day loop at S2 and its service-day feeder route."""
    stop = lambda ref, key, arrive, dlv, pck, load: {  # noqa: E731
        key: ref, "km_from_prev": 0.0, "travel_min_from_prev": 0.0, "arrive_min": arrive,
        "depart_min": arrive, "deliver_kg": dlv, "pickup_kg": pck, "load_after_kg": load}
    feeder = {"id": "M01-01", "tier": "feeder", "depot_site_id": "S2", "depart_min": 420.0,
              "return_min": 500.0, "capacity_kg": 800, "stops": [
                  stop("S2", "site_id", 420.0, 0.0, 0.0, 60.0),
                  stop("V4", "village_id", 440.0, 40.0, 8.0, 28.0),
                  stop("V5", "village_id", 470.0, 20.0, 4.0, 12.0),
                  stop("S2", "site_id", 500.0, 0.0, 0.0, 12.0)]}
    loop = {"id": "M01", "station_site_id": "S2", "warehouse_site_id": "W1", "cycle_days": 2,
            "days_out": 1, "days_back": 1, "service_days": [2, 4, 6], "one_way_min": 500.0,
            "back_min": 500.0, "shift_min": 660.0, "deliver_kg": 60.0, "pickup_kg": 12.0,
            "feeder_route_ids": ["M01-01"], "reason": "round_trip_over_shift"}
    return {
        "parameters": {"all": {"routing": {"station_service_min": 15}}},
        "sites": [{"id": "W1", "kind": "county_warehouse", "township_id": None},
                  {"id": "S2", "kind": "township_station", "township_id": "T2"}],
        "villages": [{"id": "V4", "township_id": "T2", "deliver_kg": 20.0, "pickup_kg": 4.0},
                     {"id": "V5", "township_id": "T2", "deliver_kg": 10.0, "pickup_kg": 2.0}],
        "routes": [],
        "multi_day": {"horizon_days": 7, "loops": [loop], "feeder_routes": [feeder],
                      "not_daily": [{"kind": "station", "id": "S2"},
                                    {"kind": "village", "id": "V4"}]},
    }


def test_multi_day_checks_pass_a_consistent_loop():
    """The hand-made loop is consistent: no problem."""
    assert multi_day_problems(_md_doc(), lambda r: []) == []


@pytest.mark.parametrize(("change", "expect"), [
    (lambda d: d["multi_day"]["loops"][0].update(service_days=[1, 3, 5]), "do not follow"),
    (lambda d: d["multi_day"]["loops"][0].update(days_out=0, cycle_days=1), "cannot cover"),
    (lambda d: d["multi_day"]["feeder_routes"][0]["stops"][1].update(deliver_kg=20.0),
     "accumulated"),
    (lambda d: d["multi_day"]["loops"][0].update(deliver_kg=30.0), "township demand"),
    (lambda d: d["routes"].append({"tier": "trunk", "stops": [{"site_id": "S2"}]}),
     "also gets a daily trunk"),
    (lambda d: d["routes"].append({"tier": "feeder", "stops": [{"village_id": "V4"}]}),
     "is served daily"),
])
def test_multi_day_checks_catch_a_broken_loop(change, expect):
    """Off-pattern days, too few days, loads not accumulated, false not-daily claims are caught."""
    d = copy.deepcopy(_md_doc())
    change(d)
    problems = multi_day_problems(d, lambda r: [])
    assert any(expect in p for p in problems), problems


def test_multi_day_checks_apply_the_daily_route_rules():
    """Each service-day route goes through the daily route checker."""
    seen = []
    multi_day_problems(_md_doc(), lambda r: seen.append(r["id"]) or [])
    assert seen == ["M01-01"]


@pytest.mark.slow
def test_gaize_gets_a_plan_listing_its_stations_without_a_daily_trunk():
    """改则县 plans: every township station is daily or on a loop, and the plan validates."""
    from ruralnet.pipeline import plan_county
    from ruralnet.plan.document import validate_plan

    plan = plan_county("改则县")
    d = plan.data
    md = d["multi_day"]
    loops = {lp["station_site_id"] for lp in md["loops"]}
    assert loops and all(lp["one_way_min"] > 0 for lp in md["loops"])
    daily = {s.get("site_id") for r in d["routes"] if r["tier"] == "trunk" for s in r["stops"]}
    stations = {s["id"] for s in d["sites"] if s["kind"] == "township_station"}
    assert stations == (daily & stations) | loops and not (daily & loops)
    listed = {x["id"] for x in md["not_daily"] if x["kind"] == "station"}
    assert listed == loops
    assert all("h" in x["en"] for x in md["not_daily"])
    # each loop records its total (loop + feeders' share), which the county's figure sums
    assert all(lp["total_cost_per_day"] >= lp["cost_per_day"] > 0 for lp in md["loops"])
    # ... plus the far villages' own runs (plan/village_runs.py)
    assert md["cost_per_day"] == pytest.approx(sum(lp["total_cost_per_day"]
                                                   for lp in md["loops"])
                                               + md.get("village_runs_cost_per_day", 0.0),
                                               abs=0.01)
    assert validate_plan(plan) == []
    bad = copy.deepcopy(d)
    bad["multi_day"]["feeder_routes"][0]["return_min"] = 1200.0
    assert any("after the day ends" in p for p in validate_plan(bad))


@pytest.mark.slow
def test_cli_plans_gaize_and_strict_exits_3_on_targets_not_met(tmp_path):
    """``ruralnet plan --county 改则县 --strict`` writes the plan, prints the misses, exits 3."""
    from click.testing import CliRunner

    from ruralnet.cli.main import main

    res = CliRunner().invoke(main, ["plan", "--county", "改则县", "--strict",
                                    "--out", str(tmp_path / "gaize")])
    assert res.exit_code == 3, res.output
    assert (tmp_path / "gaize" / "plan.json").exists()
    assert "not daily" in res.output and "not met" in res.output
    # stations are named by their township, not only by site id, in the lines and the evidence
    doc = json.loads((tmp_path / "gaize" / "plan.json").read_text(encoding="utf-8"))
    town = {t["id"]: t["name"] for t in doc["townships"]}
    site = {s["id"]: s for s in doc["sites"]}
    for lp in doc["multi_day"]["loops"]:
        label = f"{town[site[lp['station_site_id']]['township_id']]} ({lp['station_site_id']})"
        assert label in res.output


def test_multi_day_checks_catch_a_loop_total_cost_that_is_not_loop_plus_feeders():
    """total_cost_per_day must be the loop's cost plus its feeders' cost on its service days."""
    d = copy.deepcopy(_md_doc())
    lp = d["multi_day"]["loops"][0]
    d["multi_day"]["feeder_routes"][0]["cost"] = 70.0
    lp.update(cost_per_day=300.0, total_cost_per_day=300.0 + 70.0 * 3 / 7)
    assert multi_day_problems(d, lambda r: []) == []
    lp["total_cost_per_day"] = 300.0  # the feeders' share forgotten
    assert any("total_cost_per_day 300.0" in p for p in multi_day_problems(d, lambda r: []))


def test_parcel_costs_split_the_loop_total_recorded_by_multi_day():
    """allocate_parcel_costs reads each loop's total_cost_per_day, split by kg down / up."""
    from tiny import tiny_week_dict

    from ruralnet.plan.parcel_costs import allocate_parcel_costs

    d = tiny_week_dict()
    lp = d["multi_day"]["loops"][0]  # 40 kg down, 6 kg up
    before = allocate_parcel_costs(d).by_tier["multi_day"]
    assert before["down_yuan"] == before["up_yuan"] == 0.0
    lp["total_cost_per_day"] = 92.0
    tier = allocate_parcel_costs(d).by_tier["multi_day"]
    assert tier["down_yuan"] == pytest.approx(80.0) and tier["up_yuan"] == pytest.approx(12.0)
    v5 = allocate_parcel_costs(d).route_down_yuan["V5"]  # S2's township has one village
    assert v5 - allocate_parcel_costs(tiny_week_dict()).route_down_yuan["V5"] == pytest.approx(80)


def test_required_village_beyond_the_day_after_a_multi_stop_trunk_is_made_optional():
    """One truck serves S1 (km −5) then S2 (km 80): it reaches S2 at 09:45, 17 min later
    than S2's own one-way time. The village station V (km 221, 235 min from S2) fits the
    day on that one-way estimate but not after the real trunk: it is no longer required
    (which made the whole day infeasible) but listed unserved with its figures."""
    d, t = _line([0, -5, 80, -6, 221])  # W, S1, S2, V1, V
    truck = FleetType("轻卡", 2000, num_available=1, fixed_cost_yuan=300.0, cost_per_km_yuan=1.2)
    params = DailyRoutingParams(engine="ortools", coverage_target=0.5, curve_targets=(),
                                trunk_time_limit_s=1.0, feeder_time_limit_s=0.5)
    daily, remote = plan_remote_days(
        d, t, warehouses=[0], stations=[1, 2], villages=[3, 4], delivery_kg=[30, 20],
        pickup_kg=[5, 4], catchments=[[3], [4]], trunk_fleet=[truck], feeder_fleet=[VAN],
        required_villages=[4], params=params)
    assert remote.loops == ()
    arrive = {s.point: s.arrive_min for r in daily.routes if r.tier == "trunk" for s in r.stops}
    assert arrive[2] > 420 + 800 / 6  # later than S2's own one-way time (133 min)
    assert 4 not in {s.point for r in daily.routes for s in r.stops}
    rows = {(kind, q): reason for kind, q, reason, _, _ in remote.not_daily}
    assert rows[("village", 4)] == "village_unreachable"


TRIKE = FleetType("电动三轮 e-tricycle", 50, num_available=1, fixed_cost_yuan=50.0,
                  max_trips=2, reload_min=15)


def test_service_day_trips_of_one_vehicle_are_numbered_like_the_daily_routes():
    """One 50 kg tricycle with two trips at S2: V4's 40 kg and V5's 20 kg (two days each) do
    not fit one trip, so it goes out twice: M01-01.1 and M01-01.2, vehicle M01-01, trips 1, 2,
    each within 50 kg both ways, the second leaving 15 min (reload) after the first is back;
    the routes pass the validator's trip checks and one vehicle's fixed cost is paid once."""
    from ruralnet.plan.trip_checks import trip_problems

    d, t = _line(KM)
    params = DailyRoutingParams(engine="pyvrp", coverage_target=0.3, curve_targets=(),
                                max_iterations=200, trunk_time_limit_s=60.0,
                                feeder_time_limit_s=60.0)
    _, remote = plan_remote_days(d, t, warehouses=[0], stations=[1, 2], villages=[3, 4, 5],
                                 delivery_kg=[30, 20, 10], pickup_kg=[5, 4, 2],
                                 catchments=[[3], [4, 5]], trunk_fleet=[TRUCK],
                                 feeder_fleet=[TRIKE], params=params)
    (loop,) = remote.loops
    routes = sorted(loop.feeder_routes, key=lambda r: r.trip)
    assert [(r.id, r.vehicle, r.trip) for r in routes] == [("M02-01.1", "M02-01", 1),
                                                            ("M02-01.2", "M02-01", 2)]
    assert sorted(s.point for r in routes for s in r.stops) == [4, 5]
    for r in routes:
        assert r.load_out_kg <= 50 and max(s.load_after_kg for s in r.stops) <= 50
    assert routes[1].depart_min >= routes[0].return_min + 15 - 1e-6
    assert routes[0].cost_yuan >= 50 > routes[1].cost_yuan  # the fixed cost in trip 1 only
    records = [{"id": r.id, "vehicle": r.vehicle, "trip": r.trip, "tier": r.tier,
                "vehicle_type": r.vehicle_type, "depot_site_id": "S2",
                "depart_min": r.depart_min, "return_min": r.return_min} for r in routes]
    assert trip_problems(records, "multi-day: ") == []
    records[1]["depart_min"] = records[0]["return_min"] - 5
    assert any("leaves at" in p for p in trip_problems(records, "multi-day: "))


def test_validate_checks_the_trip_numbering_of_multi_day_feeders(tiny_plan_doc):
    """plan.json: a service-day feeder recorded as trip 2 of a vehicle with no trip 1 is caught."""
    from ruralnet.plan.document import validate_plan

    d = copy.deepcopy(tiny_plan_doc)
    feeder = {**copy.deepcopy(d["routes"][1]), "id": "M01-01", "vehicle": "M01-01", "trip": 1}
    d["multi_day"] = {"horizon_days": 7, "loops": [], "feeder_routes": [feeder],
                      "not_daily": []}
    assert not any("multi-day: vehicle" in p for p in validate_plan(d))
    feeder["trip"] = 2
    assert "multi-day: vehicle M01-01: trips numbered [2], expected 1..1" in validate_plan(d)

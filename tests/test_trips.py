"""Several trips per vehicle and day (``max_trips``): routing, daily and weekly plans, plan.json.

The hand-checkable instance: one station, six villages 2 km around it with
60, 70, 80, 90, 60 and 70 kg of parcels (430 kg) and 20 kg of farm products
each, served by 180 kg e-tricycles at 15 km/h costing 50 yuan a day each.
One trip a vehicle: 430 kg > 2 × 180 kg, so at least three tricycles; two
trips a vehicle: one tricycle carries at most 2 × 180 = 360 kg < 430 kg, so
two tricycles are needed and (fixed cost dominating) used, with three trips
in all.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from ruralnet._clock import watch_clock
from ruralnet.exceptions import ParameterError
from ruralnet.plan.document import validate_plan
from ruralnet.routing.daily import DailyRoutingParams, FleetType, plan_daily_routes
from ruralnet.routing.model import Client, Depot, RoutingParams, RoutingProblem, VehicleType
from ruralnet.routing.periodic import PeriodicProblem, solve_periodic
from ruralnet.routing.solve import solve_routes
from ruralnet.routing.trips import Trips, drop_client, insert_client

LOADS = [60.0, 70.0, 80.0, 90.0, 60.0, 70.0]
PICKUP = 20.0
CAP = 180.0


def ring(n: int = 6, radius_m: float = 2000.0, centre=(0.0, 0.0)):
    """Station (point 0) and ``n`` villages on a circle around it; metres and seconds at 15 km/h."""
    ang = np.linspace(0, 2 * np.pi, n + 1)[:-1]
    xy = np.vstack([[centre], np.c_[centre[0] + radius_m * np.cos(ang),
                                    centre[1] + radius_m * np.sin(ang)]])
    dist = np.rint(np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))).astype(np.int64)
    return dist, np.rint(dist * 3.6 / 15).astype(np.int64)


def tricycle_problem(max_trips: int, reload_s: int = 900) -> RoutingProblem:
    dist, dur = ring()
    trike = VehicleType(capacity_kg=CAP, num_available=4, fixed_cost=50, cost_per_km=0.3,
                        shift_start_s=8 * 3600, shift_end_s=12 * 3600, max_trips=max_trips,
                        reload_s=reload_s, name="电动三轮")
    clients = tuple(Client(delivery_kg=kg, pickup_kg=PICKUP, service_s=300) for kg in LOADS)
    return RoutingProblem((Depot(),), clients, (trike,), dist, dur)


def check_trips(routes, cap: float, reload_s: int) -> None:
    """Every trip within capacity both ways; one vehicle's trips in order, apart by the reload."""
    by_vehicle: dict[int, list] = {}
    for r in routes:
        out = sum(s.delivered_kg for s in r.stops)
        assert out == r.load_start_kg <= cap + 1e-9
        assert r.max_load_kg <= cap + 1e-9
        by_vehicle.setdefault(r.vehicle, []).append(r)
    for trips in by_vehicle.values():
        trips.sort(key=lambda r: r.trip)
        assert [r.trip for r in trips] == list(range(len(trips)))
        for a, b in zip(trips, trips[1:], strict=False):
            assert b.start_s >= a.end_s + reload_s


@pytest.mark.parametrize("engine", ["pyvrp", "ortools", "auto"])
def test_two_trips_need_fewer_tricycles_than_one(engine):
    """Hand check: one trip each needs 3 tricycles, two trips each 2 (3 trips in all)."""
    params = RoutingParams(engine=engine, time_limit_s=10, max_iterations=500)
    one = solve_routes(tricycle_problem(1), params, seed=0)
    two = solve_routes(tricycle_problem(2), params, seed=0)
    assert one.vehicles == 3 and len(one.routes) == 3
    assert two.vehicles == 2 and len(two.routes) == 3
    assert one.unvisited == two.unvisited == ()
    check_trips(two.routes, CAP, 900)
    # the fixed cost is paid once per vehicle: two vehicles' worth, in their first trips
    assert sum(r.cost for r in two.routes if r.trip == 0) > 2 * 50
    assert all(r.cost < 50 for r in two.routes if r.trip > 0)
    assert two.cost < one.cost - 49


@pytest.mark.parametrize("engine", ["pyvrp", "ortools"])
@pytest.mark.parametrize(("reload_s", "vehicles", "trips"), [(0, 2, 4), (900, 3, 3)])
def test_trips_fit_the_shift_with_the_reload_time(reload_s, vehicles, trips, engine):
    """A 56 min shift. Loops: one village 21 min (2 legs of 8, a 5 min stop), two villages
    34 min (3 legs, 2 stops). Without reload time a tricycle fits 21 + 34 = 55 min, so two
    tricycles serve the six villages in four trips; with a 15 min reload even
    21 + 15 + 21 = 57 min does not fit, so each makes one trip of at most two villages:
    three tricycles."""
    p = tricycle_problem(2, reload_s=reload_s)
    short = [VehicleType(**{**p.vehicle_types[0].__dict__, "shift_end_s": 8 * 3600 + 3360})]
    p2 = RoutingProblem(p.depots, p.clients, tuple(short), p.distance_m, p.duration_s)
    # Deterministic: the iteration / solution limit stops the search, the 120 s wall limit
    # is only a safety net (checked below). OR-Tools starts from arcs: its insertion start
    # does not see the trip chains and, with the 15 min reload, searches until the wall
    # limit before "auto" falls back to arcs (a result that depended on the load).
    first = "path_cheapest_arc" if engine == "ortools" else "auto"
    with watch_clock() as clock:
        res = solve_routes(p2, RoutingParams(engine=engine, time_limit_s=120, max_iterations=100,
                                             first_solution=first))
    assert clock == [], clock
    assert res.vehicles == vehicles and len(res.routes) == trips
    check_trips(res.routes, CAP, reload_s)
    assert all(r.end_s <= 8 * 3600 + 3360 for r in res.routes)


def test_max_trips_is_validated():
    with pytest.raises(ParameterError, match="max_trips"):
        VehicleType(capacity_kg=100, max_trips=0)
    with pytest.raises(ParameterError, match="reload_s"):
        FleetType("t", 100, max_trips=2, reload_min=-1)


def test_trip_sequences_keep_their_trips_under_edits():
    """Removing or inserting a visit keeps the trip split; an emptied trip disappears."""
    seq = Trips([[3, 4], [5]])
    assert list(seq) == [3, 4, 5] and seq.split() == [[3, 4], [5]]
    assert drop_client(seq, 2).split() == [[3, 4]]
    assert insert_client(seq, 2, 9).split() == [[3, 4], [9, 5]]
    assert insert_client(seq, 3, 9).split() == [[3, 4], [5, 9]]
    assert drop_client([1, 2, 3], 1) == [1, 3]


# --------------------------------------------------------------------------
# Daily plan: the feeder tier with two-trip tricycles
# --------------------------------------------------------------------------


def daily_plan(max_trips: int, engine: str = "auto"):
    dist, dur = ring()
    # warehouse 8 km west of the station: append it as point 7
    xy_w = np.array([-8000.0, 0.0])
    ang = np.linspace(0, 2 * np.pi, 7)[:-1]
    pts = np.vstack([[0, 0], np.c_[2000 * np.cos(ang), 2000 * np.sin(ang)], [xy_w]])
    dist = np.rint(np.hypot(*(pts[:, None] - pts[None]).transpose(2, 0, 1))).astype(np.int64)
    dur = np.rint(dist * 3.6 / 15).astype(np.int64)
    trike = FleetType("电动三轮 e-tricycle", CAP, num_available=4, fixed_cost_yuan=50,
                      cost_per_km_yuan=0.3, max_speed_kph=15, max_trips=max_trips)
    params = DailyRoutingParams(engine=engine, coverage_target=1.0, curve_targets=(1.0,),
                                max_iterations=300)
    return plan_daily_routes(
        dist, dur, warehouses=[7], stations=[0], villages=[1, 2, 3, 4, 5, 6],
        delivery_kg=LOADS, pickup_kg=[PICKUP] * 6, catchments=[[1, 2, 3, 4, 5, 6]],
        trunk_fleet=[FleetType("轻卡", 2000)], feeder_fleet=[trike], params=params, seed=0)


@pytest.mark.parametrize("engine", ["auto", "ortools"])
def test_daily_plan_counts_vehicles_not_trips(engine):
    """Feeders: 3 tricycles with one trip, 2 with two trips (ids F01-0k.1/.2); curve agrees."""
    one, two = daily_plan(1, engine), daily_plan(2, engine)
    name = "电动三轮 e-tricycle"
    assert one.vehicles_by_type[name] == 3 and two.vehicles_by_type[name] == 2
    feeders = [r for r in two.routes if r.tier == "feeder"]
    assert len(feeders) == 3 and len({r.vehicle for r in feeders}) == 2
    assert two.coverage == 1.0
    for r in feeders:
        assert r.load_out_kg <= CAP and max(s.load_after_kg for s in r.stops) <= CAP
        assert r.id == (f"{r.vehicle}.{r.trip}" if sum(x.vehicle == r.vehicle
                                                       for x in feeders) > 1 else r.vehicle)
    twice = [r for r in feeders if r.trip == 2]
    assert twice, "one tricycle must go out twice"
    first = next(r for r in feeders if r.vehicle == twice[0].vehicle and r.trip == 1)
    assert twice[0].depart_min >= first.return_min + 15 - 1e-6  # default reload 15 min
    assert two.curve[0].vehicles == 1 + 2  # one truck + two tricycles
    assert one.curve[0].vehicles == 1 + 3


# --------------------------------------------------------------------------
# Weekly plan with trips
# --------------------------------------------------------------------------


def test_weekly_plan_uses_second_trips():
    """Two days, four villages of 80 kg every day, one 180 kg tricycle: only two trips fit."""
    dist, dur = ring(4)
    pats = tuple(((0, 1),) for _ in range(4))
    loads = tuple((((80.0, 10.0), (80.0, 10.0)),) for _ in range(4))
    trike = VehicleType(CAP, 1, fixed_cost=50, cost_per_km=0.3, shift_start_s=8 * 3600,
                        shift_end_s=12 * 3600, max_trips=2, reload_s=900)
    prob = PeriodicProblem(dist, dur, (300,) * 4, pats, loads, (trike,), 2)
    res = solve_periodic(prob, RoutingParams(engine="pyvrp", time_limit_s=2, max_iterations=200),
                         time_limit_s=3, seed=0)
    for day in res.day_routes:
        assert len(day) == 2 and {r.vehicle for r in day} == {0}
        check_trips(day, CAP, 900)
        assert sorted(s.client for r in day for s in r.stops) == [0, 1, 2, 3]
    # one vehicle a day: the fixed cost twice over the week
    assert res.cost == pytest.approx(2 * 50 + sum(r.distance_m for d in res.day_routes
                                                  for r in d) * 0.3 / 1000)


def test_weekly_feeders_record_vehicle_and_trip():
    """plan_weekly_feeders turns a vehicle's trips into D{d}-F01-0k.1/.2 with the vehicle id."""
    from ruralnet.routing.weekly import WeeklyParams, plan_weekly_feeders

    daily = daily_plan(2)
    ang = np.linspace(0, 2 * np.pi, 7)[:-1]
    pts = np.vstack([[0, 0], np.c_[2000 * np.cos(ang), 2000 * np.sin(ang)], [[-8000.0, 0.0]]])
    dist = np.rint(np.hypot(*(pts[:, None] - pts[None]).transpose(2, 0, 1))).astype(np.int64)
    dur = np.rint(dist * 3.6 / 15).astype(np.int64)
    trike = FleetType("电动三轮 e-tricycle", CAP, num_available=4, fixed_cost_yuan=50,
                      cost_per_km_yuan=0.3, max_speed_kph=15, max_trips=2)
    wk = plan_weekly_feeders(daily, dist, dur, stations=[0], villages=[1, 2, 3, 4, 5, 6],
                             delivery_kg=LOADS, pickup_kg=[PICKUP] * 6,
                             catchments=[[1, 2, 3, 4, 5, 6]], feeder_fleet=[trike],
                             params=DailyRoutingParams(engine="auto", max_iterations=200),
                             weekly=WeeklyParams(horizon_days=2, time_limit_s=2.0,
                                                 day_time_limit_s=0.5))
    for routes in wk.days:  # every village daily (all served daily): 430 kg → 3 trips, 2 trikes
        assert len(routes) == 3 and len({r.vehicle for r in routes}) == 2
        assert all(r.load_out_kg <= CAP for r in routes)
        multi = [r for r in routes if r.trip == 2]
        assert multi and multi[0].id == f"{multi[0].vehicle}.2"


# --------------------------------------------------------------------------
# plan.json: trips recorded and validated
# --------------------------------------------------------------------------


def _trip_doc(tiny_plan_doc):
    """The tiny plan's feeder as a 40 kg e-tricycle: trip 1 to V1, trip 2 to V2 after 15 min."""
    from tiny import _stop

    d = copy.deepcopy(tiny_plan_doc)
    base = d["routes"][1]
    common = {"tier": "feeder", "vehicle_type": "e-trike", "capacity_kg": 40,
              "depot_site_id": "S1", "vehicle": "F01-01"}
    t1 = {**common, "id": "F01-01.1", "trip": 1, "depart_min": 463, "return_min": 475,
          "distance_km": 5.2, "duration_min": 12, "stops": [
              _stop("S1", "site", 0, 0, 463, 463, 0, 0, 30),
              _stop("V1", "village", 2.6, 6, 469, 469, 30, 9, 9),
              _stop("S1", "site", 2.6, 6, 475, 475, 0, 0, 9)]}
    t2 = {**common, "id": "F01-01.2", "trip": 2, "depart_min": 490, "return_min": 508,
          "distance_km": 7.8, "duration_min": 18, "stops": [
              _stop("S1", "site", 0, 0, 490, 490, 0, 0, 30),
              _stop("V2", "village", 3.9, 9, 499, 499, 30, 9, 9),
              _stop("S1", "site", 3.9, 9, 508, 508, 0, 0, 9)]}
    assert base["id"] == "feeder-1"
    d["routes"][1:] = [t1, t2]
    return d


def test_validate_accepts_two_trips_of_one_vehicle(tiny_plan_doc):
    assert validate_plan(_trip_doc(tiny_plan_doc)) == []


def _overlap(d):
    t2 = d["routes"][2]
    shift = -25  # trip 2 leaves at 465, before trip 1 is back at 475
    t2["depart_min"] += shift
    t2["return_min"] += shift
    for s in t2["stops"]:
        s["arrive_min"] += shift
        s["depart_min"] += shift


def _one_trip_too_heavy(d):
    """Both villages' parcels on trip 1: it leaves with 60 kg on a 40 kg tricycle."""
    t1, t2 = d["routes"][1], d["routes"][2]
    for s, load in zip(t1["stops"], (60, 9, 9), strict=True):
        s["load_after_kg"] = load
    t1["stops"][1]["deliver_kg"] = 60
    t2["stops"][1].update(deliver_kg=0, pickup_kg=0)
    for s in t2["stops"]:
        s["load_after_kg"] = 0


@pytest.mark.parametrize(("change", "expect"), [
    (_overlap, "trip 2 leaves at 465 before trip 1 is back (475)"),
    (_one_trip_too_heavy, "route F01-01.1: leaves with 60.0 kg > capacity 40 kg"),
    (lambda d: d["routes"][2].update(trip=3), "trips numbered [1, 3]"),
    (lambda d: d["routes"][2].update(depot_site_id="W") or
     [s.update(site_id="W") for s in (d["routes"][2]["stops"][0], d["routes"][2]["stops"][-1])],
     "different depot_site_id"),
])
def test_validate_catches_broken_trips(tiny_plan_doc, change, expect):
    """Overlapping trips, an over-capacity trip, trip numbering, trips from two depots."""
    d = _trip_doc(tiny_plan_doc)
    change(d)
    problems = validate_plan(d)
    assert any(expect in p for p in problems), problems


def test_plan_records_read_vehicle_and_trip(tiny_plan_doc):
    from ruralnet.plan.records import PlanDocument

    d = _trip_doc(tiny_plan_doc)
    doc = PlanDocument.from_dict(d)
    feeders = doc.routes_of("feeder")
    assert [(r.vehicle_id, r.trip_no) for r in feeders] == [("F01-01", 1), ("F01-01", 2)]
    assert doc.routes_of("trunk")[0].vehicle_id == "trunk-1"  # older plans: the route id
    assert doc.to_dict() == d


def test_timetable_lists_vehicle_and_trip(tiny_plan_doc):
    from ruralnet.outputs.timetable import timetables

    d = _trip_doc(tiny_plan_doc)
    d["multi_day"] = {"horizon_days": 2, "feeder_routes": [], "loops": []}
    _, vehicles = timetables(d)
    rows = vehicles[vehicles["day"] == 1]
    assert list(zip(rows["vehicle"], rows["trip"], rows["depart"], strict=True)) == [
        ("F01-01", 1, "07:43"), ("F01-01", 2, "08:10")]


def test_scenario_file_sets_max_trips(tmp_path):
    """[[fleet.feeder]] max_trips / reload_min reach the plan parameters."""
    from ruralnet.plan.build import Scenario

    path = tmp_path / "trips.toml"
    path.write_text('[county]\nname = "安溪县"\n\n[[fleet.feeder]]\nname = "电动三轮 e-tricycle"\n'
                    'capacity_kg = 180\nnum_available = 2\nmax_speed_kph = 15\nmax_trips = 2\n'
                    'reload_min = 20\n', encoding="utf-8")
    sc = Scenario.from_file(path)
    (trike,) = sc.params.feeder_fleet
    assert trike.max_trips == 2 and trike.reload_min == 20
    vt = trike.vehicle_type(0, 0, 3600)
    assert vt.max_trips == 2 and vt.reload_s == 1200
    path.write_text(path.read_text(encoding="utf-8").replace("max_trips = 2", "max_trips = 0"),
                    encoding="utf-8")
    from ruralnet.exceptions import InputFileError

    with pytest.raises(InputFileError, match="max_trips"):
        Scenario.from_file(path)


def test_routes_csv_and_excel_rows_name_vehicle_and_trip(tiny_plan_doc, tmp_path):
    """routes.csv (and the Excel 线路 sheet, the same table) carry 车辆 vehicle / 趟次 trip."""
    import pandas as pd

    from ruralnet.outputs.exports import stop_table, write_route_csv
    from ruralnet.plan.document import Plan

    plan = Plan(_trip_doc(tiny_plan_doc))
    t = stop_table(plan)
    assert sorted(set(zip(t["route_id"], t["vehicle"], t["trip"], strict=True))) == [
        ("F01-01.1", "F01-01", 1), ("F01-01.2", "F01-01", 2), ("trunk-1", "trunk-1", 1)]
    back = pd.read_csv(write_route_csv(plan, tmp_path / "routes.csv"), encoding="utf-8-sig")
    assert list(back["趟次 trip"]) == list(t["trip"])


def test_trunk_with_two_trips_feeds_each_station_after_its_own_trip():
    """One 200 kg truck, two stations of 150 kg each: trips T01.1 and T01.2, and each
    station's feeders leave after the trip that brought its parcels plus handling."""
    # warehouse 0, stations 1 (5 km east) and 2 (5 km north), one village 1 km beyond each
    km = np.array([[0, 0], [5, 0], [0, 5], [6, 0], [0, 6]], dtype=float) * 1000
    dist = np.rint(np.hypot(*(km[:, None] - km[None]).transpose(2, 0, 1))).astype(np.int64)
    dur = np.rint(dist * 3.6 / 36).astype(np.int64)
    truck = FleetType("轻卡", 200, num_available=1, fixed_cost_yuan=300, max_trips=2,
                      reload_min=15)
    res = plan_daily_routes(
        dist, dur, warehouses=[0], stations=[1, 2], villages=[3, 4], delivery_kg=[150, 150],
        pickup_kg=[30, 30], catchments=[[3], [4]], trunk_fleet=[truck],
        feeder_fleet=[FleetType("面包车", 800)],
        params=DailyRoutingParams(engine="auto", coverage_target=1.0, curve_targets=(1.0,)))
    trunk = [r for r in res.routes if r.tier == "trunk"]
    assert [(r.id, r.vehicle, r.trip) for r in trunk] == [("T01.1", "T01", 1), ("T01.2", "T01", 2)]
    assert trunk[1].depart_min >= trunk[0].return_min + 15 - 1e-6
    assert all(r.load_out_kg <= 200 for r in trunk)
    assert res.vehicles_by_type["轻卡"] == 1 and res.curve[0].vehicles == 1 + 2
    for r in trunk:
        (stop,) = r.stops
        assert res.station_ready_min[stop.point] >= stop.arrive_min + 30 - 1e-6
        feeder = next(f for f in res.routes if f.tier == "feeder" and f.depot_point == stop.point)
        assert feeder.depart_min >= stop.arrive_min + 30 - 1e-6

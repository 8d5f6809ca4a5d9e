"""The week: periodic routing with day patterns (routing/periodic.py, routing/weekly.py) and
the weekly checks of plan.json (plan/weekly_checks.py).
"""

import copy

import numpy as np
import pytest

from ruralnet.plan.document import validate_plan
from ruralnet.routing import DailyRoutingParams, FleetType, plan_daily_routes
from ruralnet.routing.model import RoutingParams, VehicleType
from ruralnet.routing.periodic import (
    PeriodicProblem,
    accumulated_loads,
    day_patterns,
    solve_periodic,
)
from ruralnet.routing.weekly import WeeklyParams, plan_weekly_feeders


def test_day_patterns_are_evenly_spaced_planners_patterns():
    """Twice over 6 days: 一四 / 二五 / 三六; three times over 7: 一三五 / 二四六 / 三五日."""
    assert day_patterns(6, 2) == ((0, 3), (1, 4), (2, 5))
    assert day_patterns(7, 3) == ((0, 2, 4), (1, 3, 5), (2, 4, 6))
    assert day_patterns(7, 7) == (tuple(range(7)),)


def test_accumulated_loads_carry_the_days_since_the_previous_visit():
    """一四 over 7 days: Monday brings Fri..Mon (4 days), Thursday Tue..Thu (3 days)."""
    assert accumulated_loads((0, 3), 7, 10.0, 1.0) == ((40.0, 4.0), (30.0, 3.0))
    assert accumulated_loads(tuple(range(7)), 7, 10.0, 1.0) == ((10.0, 1.0),) * 7


def test_periodic_search_puts_neighbours_on_the_same_day():
    """Two clients 10 from the depot, 14 apart, day 1 or 2: one route (34) beats two (40)."""
    d = np.array([[0, 10, 10], [10, 0, 14], [10, 14, 0]])
    pats = (((0,), (1,)), ((0,), (1,)))
    loads = tuple(tuple(((5.0, 0.0),) for _ in range(2)) for _ in range(2))
    van = VehicleType(10, 1, cost_per_km=1000)
    res = solve_periodic(PeriodicProblem(d, d, (0, 0), pats, loads, (van,), 2),
                         RoutingParams(engine="ortools", time_limit_s=0.2), time_limit_s=1)
    assert res.cost == 34.0 and res.pattern[0] == res.pattern[1]
    assert sum(len(day) for day in res.routes) == 1


def test_periodic_search_respects_capacity_across_days():
    """Capacity 5 fits one client a route; the one vehicle a day forces one client per day."""
    d = np.array([[0, 10, 10], [10, 0, 14], [10, 14, 0]])
    pats = (((0,), (1,)), ((0,), (1,)))
    loads = tuple(tuple(((5.0, 0.0),) for _ in range(2)) for _ in range(2))
    van = VehicleType(5, 1, cost_per_km=1000)
    res = solve_periodic(PeriodicProblem(d, d, (0, 0), pats, loads, (van,), 2),
                         RoutingParams(engine="ortools", time_limit_s=0.2), time_limit_s=1)
    assert res.cost == 40.0 and res.pattern[0] != res.pattern[1]


# Line county: W at km 0, station S at km 10, villages at km 12, 18 and 4, 36 km/h.
KM = [0, 10, 12, 18, 4]


@pytest.fixture(scope="module")
def week():
    """The day plan serving one of three villages, and the week around it."""
    dist = (np.abs(np.subtract.outer(KM, KM)) * 1000).astype(np.int64)
    dur = dist // 10
    params = DailyRoutingParams(engine="ortools", coverage_target=0.34, curve_targets=(),
                                trunk_time_limit_s=0.5, feeder_time_limit_s=0.3)
    kw = dict(stations=[1], villages=[2, 3, 4], delivery_kg=[10.0, 20.0, 30.0],
              pickup_kg=[1.0, 2.0, 3.0], catchments=[[2, 3, 4]])
    daily = plan_daily_routes(dist, dur, warehouses=[0], trunk_fleet=[FleetType("轻卡", 2000)],
                              feeder_fleet=[FleetType("面包车", 800, num_available=2)],
                              params=params, **kw)
    wk = plan_weekly_feeders(daily, dist, dur, feeder_fleet=[FleetType("面包车", 800,
                                                                        num_available=2)],
                             params=params, weekly=WeeklyParams(time_limit_s=1.0,
                                                                day_time_limit_s=0.2), **kw)
    return daily, wk


def test_weekly_plan_keeps_daily_villages_and_patterns_the_others(week):
    """Daily villages are visited 7 days; the others on a twice-a-week pattern."""
    daily, wk = week
    served = {s.point for r in daily.routes if r.tier == "feeder" for s in r.stops}
    assert 1 <= len(served) < 3
    for q, days in wk.pattern.items():
        assert days == tuple(range(7)) if q in served else days in day_patterns(7, 2)
    assert set(wk.pattern) == {2, 3, 4}


def test_weekly_plan_visits_follow_patterns_with_accumulated_loads(week):
    """Each day's stops are exactly the villages whose pattern has that day, with gap × load."""
    _, wk = week
    kg = {2: (10.0, 1.0), 3: (20.0, 2.0), 4: (30.0, 3.0)}
    for d, routes in enumerate(wk.days):
        stops = {s.point: s for r in routes for s in r.stops}
        assert set(stops) == {q for q, days in wk.pattern.items() if d in days}
        for q, s in stops.items():
            days = wk.pattern[q]
            gap = accumulated_loads(days, 7, *kg[q])[days.index(d)]
            assert (s.deliver_kg, s.pickup_kg) == pytest.approx(gap)


def test_weekly_plan_feeders_leave_after_the_trunk_every_day(week):
    """Every day's feeders leave the station no earlier than trunk arrival plus handling."""
    daily, wk = week
    ready = daily.station_ready_min[1]
    assert all(r.depart_min >= ready - 1e-6 and r.return_min <= 1080
               for routes in wk.days for r in routes)


def _weekly_doc(tiny_plan_doc):
    """The tiny plan with a hand-made two-day week: V1 daily, V2 on day 1 with two days' load."""
    d = copy.deepcopy(tiny_plan_doc)
    for v, (dl, pk) in zip(d["villages"], [(30.0, 9.0), (15.0, 4.5), (10.0, 3.0)], strict=True):
        v.update(deliver_kg=dl, pickup_kg=pk)
    day1 = copy.deepcopy(d["routes"][1])
    day1["id"] = "D1-F01-01"
    stop = lambda ref, km, tmin, t, dl, pk, load: {  # noqa: E731
        ("site_id" if ref == "S1" else "village_id"): ref, "km_from_prev": km,
        "travel_min_from_prev": tmin, "arrive_min": t, "depart_min": t, "deliver_kg": dl,
        "pickup_kg": pk, "load_after_kg": load}
    day2 = {"id": "D2-F01-01", "tier": "feeder", "vehicle_type": "van", "capacity_kg": 800,
            "depot_site_id": "S1", "depart_min": 463, "return_min": 475, "distance_km": 5.2,
            "duration_min": 12, "stops": [stop("S1", 0, 0, 463, 0, 0, 30),
                                          stop("V1", 2.6, 6, 469, 30, 9, 9),
                                          stop("S1", 2.6, 6, 475, 0, 0, 9)]}
    d["weekly"] = {
        "horizon_days": 2, "min_visits_per_week": 1,
        "patterns": [{"village_id": "V1", "days": [1, 2], "days_zh": "一二", "visits": 2,
                      "daily": True, "via": "feeder"},
                     {"village_id": "V2", "days": [1], "days_zh": "一", "visits": 1,
                      "daily": False, "via": "feeder"}],
        "days": [{"day": 1, "routes": [day1]}, {"day": 2, "routes": [day2]}],
        "coverage": {"villages_total": 2, "villages_daily": 1, "villages_min_visits": 2,
                     "villages_unvisited": 0, "daily_share": 0.5, "weekly_share": 1.0,
                     "visits_per_week_mean": 1.5}}
    return d


def test_validate_accepts_a_consistent_week(tiny_plan_doc):
    """V2 visited once in two days brings 2 × 15 kg: the hand-made week passes."""
    assert validate_plan(_weekly_doc(tiny_plan_doc)) == []


def _late(d):
    r = d["weekly"]["days"][1]["routes"][0]
    r["stops"][-1].update(arrive_min=1100, depart_min=1100)
    r["return_min"] = 1100


@pytest.mark.parametrize(("change", "expect"), [
    (lambda d: d["weekly"]["patterns"][1].update(days=[2], days_zh="二"),
     "visited on days [1], its pattern is [2]"),
    (_late, "after the day ends"),
    (lambda d: d["weekly"]["coverage"].update(villages_min_visits=2, villages_daily=2),
     "villages_daily claims 2"),
    (lambda d: d["weekly"]["coverage"].update(weekly_share=1.0, villages_min_visits=3),
     "villages_min_visits claims 3"),
    (lambda d: d["weekly"]["days"][0]["routes"][0]["stops"][2].update(deliver_kg=15.0),
     "accumulated since the previous visit"),
    (lambda d: d["weekly"]["days"][1]["routes"][0].update(depart_min=440) or
     d["weekly"]["days"][1]["routes"][0]["stops"][0].update(arrive_min=440, depart_min=440),
     "before the trunk"),
])
def test_validate_catches_a_broken_week(tiny_plan_doc, change, expect):
    """Off-pattern visits, a day past the shift, false coverage claims, loads not carried over."""
    d = _weekly_doc(tiny_plan_doc)
    change(d)
    problems = validate_plan(d)
    assert any(expect in p for p in problems), problems


def test_timetables_list_each_village_days_and_arrivals(tiny_plan_doc, tmp_path):
    """V1 every day at 07:49, V2 on 周一 at 07:56 with two days' parcels; one row per route-day."""
    from ruralnet.outputs.timetable import timetables, write_timetables

    d = _weekly_doc(tiny_plan_doc)
    villages, vehicles = timetables(d)
    rows = villages.set_index("village_id")
    assert rows.loc["V1", "days"] == "每日 daily" and rows.loc["V1", "arrival_earliest"] == "07:49"
    assert rows.loc["V2", "days"] == "一" and rows.loc["V2", "visits_per_week"] == 1
    assert rows.loc["V2", "deliver_kg_per_visit_max"] == 30.0
    assert list(vehicles["day_zh"]) == ["周一", "周二"]
    assert write_timetables(d, tmp_path) == ["timetable_villages.csv", "timetable_vehicles.csv"]
    assert "乙村委会" in (tmp_path / "timetable_villages.csv").read_text(encoding="utf-8-sig")
    assert write_timetables(tiny_plan_doc, tmp_path / "none") == []


@pytest.mark.slow
def test_weekly_plan_of_a_county_validates_and_visits_every_village_twice():
    """双柏县 with ``week=True``: ≥ 80 % daily, every reachable 行政村 ≥ twice, plan validates."""
    from ruralnet.geo.county import load_county
    from ruralnet.plan.build import PlanParams, make_plan

    plan = make_plan(load_county("双柏县"), PlanParams(week=True), seed=0)
    wk = plan.data["weekly"]
    cov = wk["coverage"]
    unreachable = {u["village_id"] for u in plan.data["unserved"] if u["reason"] == "unreachable"}
    assert cov["daily_share"] >= 0.8
    assert cov["villages_min_visits"] == cov["villages_total"] - len(unreachable)
    assert validate_plan(plan) == []
    assert wk["costs"]["daily_plan_repeated_per_week"] > 0

"""Far villages get multi-day runs, the frequency curve, and their plan.json checks.

Line county (km, 36 km/h, so 1 km = 100 s): warehouse W at 0, station S at
10, villages at 12, 18 and 4 (close) and, for the far-village tests, one at
km 400: 390 km from S is 10.8 h one way, so no day feeder reaches it, an
early same-day run does not fit the 11 h day (07:00–18:00), and an
overnight run (out day 1, back day 2: a 2-day cycle) does.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from ruralnet.plan.document import validate_plan
from ruralnet.plan.weekly_checks import weekly_coverage
from ruralnet.routing import DailyRoutingParams, FleetType, plan_daily_routes
from ruralnet.routing.far_villages import plan_far_villages, run_gaps, shift_reach
from ruralnet.routing.frequency import frequency_curve
from ruralnet.routing.weekly import WeeklyParams, plan_weekly_feeders

VAN = FleetType("面包车", 800, num_available=2, fixed_cost_yuan=100.0, cost_per_km_yuan=1.0)


def _line(km):
    dist = (np.abs(np.subtract.outer(km, km)) * 1000).astype(np.int64)
    return dist, dist // 10


def test_run_gaps_count_the_days_since_the_previous_visit_cyclically():
    """Days 1 and 4 of 7 (0-based 0, 3): 4 days accumulate before day 1, 3 before day 4."""
    assert run_gaps([0, 3], 7) == [4, 3]
    assert run_gaps([2], 7) == [7]


def test_shift_reach_decides_remote_stations_and_far_village_runs_alike():
    """One rule for both: the same one-way/back minutes give the same kind and days each way.

    300 min each way fits a 660-min shift with 15 min service (same day); 500
    min each way is a round trip over the shift (1 + 1 days); 700 min out is
    over the shift one way (2 + 2 days). Stations 300 and 420 km from the
    warehouse (36 km/h) are classified, and villages as far from their
    station get their runs, by that rule.
    """
    from ruralnet.routing.remote import classify_stations

    assert shift_reach(300, 300, 15, 660) == ("same_day", 1, 0)
    assert shift_reach(500, 500, 15, 660) == ("round_trip_over_shift", 1, 1)
    assert shift_reach(700, 700, 15, 660) == ("one_way_over_shift", 2, 2)
    assert shift_reach(640, 10, 30, 660) == ("one_way_over_shift", 2, 1)
    km = [0, 300, 420]  # 500 and 700 min from the warehouse at 36 km/h
    dist, dur = _line(km)
    truck = FleetType("轻卡", 2000, num_available=2)
    reach = classify_stations(dist, dur, warehouses=[0], stations=[1, 2],
                              loads=[(10, 0), (10, 0)], trunk_fleet=[truck],
                              params=DailyRoutingParams())
    assert [r.reason for r in reach] == ["round_trip_over_shift", "one_way_over_shift"]
    far = plan_far_villages(dist, dur, [(1, 0, None, 5.0, 1.0), (2, 0, None, 5.0, 1.0)],
                            feeder_fleet=[VAN], params=DailyRoutingParams(), horizon_days=7,
                            min_visits_per_week=1)
    assert len(far.runs) == 2
    service = DailyRoutingParams().village_service_min
    for run in far.runs:
        kind, out_d, back_d = shift_reach(run.one_way_min, run.back_min, service, run.shift_min)
        assert (run.days_out, run.days_back) == (out_d, back_d) and kind != "same_day"


def test_far_village_runs_same_day_overnight_or_impossible_with_figures():
    """5 h away: same-day run twice a week; 10.8 h: 2-day overnight; 111 h: impossible."""
    dist, dur = _line([0, 180, 390, 4000])
    far = plan_far_villages(dist, dur, [(1, 0, None, 30.0, 9.0), (2, 0, None, 20.0, 6.0),
                                        (3, 0, None, 10.0, 3.0)],
                            feeder_fleet=[VAN], params=DailyRoutingParams(), horizon_days=7,
                            min_visits_per_week=2)
    near, mid = far.runs
    assert (near.kind, near.cycle_days, near.one_way_min) == ("same_day", 1, 300.0)
    assert near.days == (0, 3) and near.deliver_kg == (120.0, 90.0)
    assert near.pickup_kg == (36.0, 27.0)
    # 2 visits × (fixed 100 yuan × 1 day + 1 yuan/km × 360 km)
    assert near.cost_per_week_yuan == pytest.approx(2 * (100 + 360))
    assert (mid.kind, mid.days_out, mid.days_back, mid.cycle_days) == ("overnight", 1, 1, 2)
    assert min(run_gaps(mid.days, 7)) >= 2 and len(mid.days) == 2
    assert mid.cost_per_week_yuan == pytest.approx(2 * (100 * 2 + 780))
    assert "10.8 h" in mid.figures()[1]
    # 4000 km from the station: 111.1 h one way, an 11 + 11-day run longer than the week
    ((q, st, reason, zh, en),) = far.impossible
    assert (q, st, reason) == (3, 0, "cycle_over_horizon")
    assert "111.1 h" in en and "22 days" in en and "111.1 小时" in zh


def test_far_village_of_a_loop_station_is_visited_only_on_the_loop_days():
    """A station whose trunk loop brings parcels on 周二四六 gives its far village those days."""
    dist, dur = _line([0, 180])
    far = plan_far_villages(dist, dur, [(1, 0, (1, 3, 5), 30.0, 9.0)], feeder_fleet=[VAN],
                            params=DailyRoutingParams(), min_visits_per_week=2)
    (run,) = far.runs
    assert set(run.days) <= {1, 3, 5} and len(run.days) == 2


def _run_doc(tiny_plan_doc):
    """The tiny plan with V3 (township T1) too far for the day: an overnight run 周一、周四.

    V3 needs 20 kg down / 6 kg up a day; days 1 and 4 of 7 bring 4 and 3 days' worth.
    """
    d = copy.deepcopy(tiny_plan_doc)
    for v, (dl, pk) in zip(d["villages"], [(30.0, 9.0), (30.0, 9.0), (10.0, 3.0)], strict=True):
        v.update(deliver_kg=dl, pickup_kg=pk)
    d["villages"].append({"id": "V3", "name": "丁村委会", "township_id": "T1", "lon": 118.3,
                          "lat": 25.2, "kind": "village", "poor": False, "deliver_kg": 20.0,
                          "pickup_kg": 6.0})
    d["coverage"].update(villages_total=3, village_share=round(2 / 3, 4))
    d["multi_day"] = {
        "horizon_days": 7, "loops": [], "feeder_routes": [],
        "not_daily": [{"kind": "village", "id": "V3", "reason": "multi_day_run",
                       "zh": "单程 10.8 小时", "en": "one-way 10.8 h"}],
        "village_runs": [{
            "id": "R01", "village_id": "V3", "station_site_id": "S1", "kind": "overnight",
            "vehicle_type": "van", "capacity_kg": 800, "one_way_min": 650.0, "back_min": 650.0,
            "shift_min": 660.0, "days_out": 1, "days_back": 1, "cycle_days": 2, "days": [1, 4],
            "days_zh": "一四", "visits": 2, "deliver_kg": [80.0, 60.0], "pickup_kg": [24.0, 18.0],
            "out_km": 390.0, "back_km": 390.0, "cost_per_week": 1960.0,
            "short_of_target": False, "zh": "单程 10.8 小时", "en": "one-way 10.8 h"}],
        "villages_impossible": []}
    return d


def test_validate_accepts_a_consistent_village_run(tiny_plan_doc):
    """4 + 3 days of 20 kg on 周一、周四, 2-day overnight cycle: no problem."""
    d = _run_doc(tiny_plan_doc)
    problems = validate_plan(d)
    assert not [p for p in problems if "village run" in p or "weekly" in p], problems


def _claim_week(d, days, via="multi_day_run"):
    """Add a week whose patterns claim V3 visited on ``days``."""
    d["weekly"] = {"horizon_days": 7, "min_visits_per_week": 2, "days": [],
                   "patterns": [{"village_id": "V3", "days": days, "days_zh": "", "via": via,
                                 "visits": len(days), "daily": False}]}
    d["weekly"]["coverage"] = weekly_coverage(d["villages"], d["weekly"]["patterns"], 7, 2)
    return d


@pytest.mark.parametrize(("change", "expect"), [
    (lambda d: d["multi_day"]["village_runs"][0].update(days=[1, 2]),
     "closer than its 2-day cycle"),
    (lambda d: d["multi_day"]["village_runs"][0].update(days_out=0, cycle_days=1),
     "cannot cover 650.0 + 650.0 min"),
    (lambda d: d["multi_day"]["village_runs"][0].update(deliver_kg=[20.0, 20.0]),
     "days since the previous visit"),
    (lambda d: d["multi_day"]["village_runs"][0].update(kind="same_day", cycle_days=1),
     "does not fit the 660.0 min shift"),
    (lambda d: d["multi_day"]["not_daily"].clear(), "not listed not daily"),
    (lambda d: d["routes"][1]["stops"].insert(2, dict(d["routes"][1]["stops"][1],
                                                      village_id="V3")),
     "also on a feeder route"),
    # a false "visited" claim: the week says V3 comes 周一、周三、周五, its run only 周一、周四
    (lambda d: _claim_week(d, [1, 3, 5]), "claims run days [1, 3, 5], its run has [1, 4]"),
    # … or says a loop's feeders visit it, though no loop feeder route stops there
    (lambda d: _claim_week(d, [1, 4], via="multi_day"), "the loops' feeders visit it on []"),
    # … or the run is gone but the week still claims it
    (lambda d: _claim_week(d, [1, 4]) and d["multi_day"]["village_runs"].clear(),
     "its run has None"),
])
def test_validate_catches_a_broken_village_run_or_a_false_visit_claim(tiny_plan_doc, change,
                                                                     expect):
    """Runs closer than their cycle, too short, wrong loads, unlisted, or claimed falsely."""
    d = _run_doc(tiny_plan_doc)
    change(d)
    problems = validate_plan(d)
    assert any(expect in p for p in problems), problems


TRUCK = FleetType("轻卡", 2000)
QUICK = DailyRoutingParams(engine="ortools", curve_targets=(), trunk_time_limit_s=0.5,
                           feeder_time_limit_s=0.3)


def _curve(km, shares, visits, far_plan=None):
    """The frequency curve of a one-station line county (villages = points 2..)."""
    dist, dur = _line(km)
    vill = list(range(2, len(km)))
    kw = dict(stations=[1], villages=vill, delivery_kg=[10.0] * len(vill),
              pickup_kg=[3.0] * len(vill), catchments=[vill])

    def day_plan(share):
        p = DailyRoutingParams(**{**QUICK.__dict__, "coverage_target": share})
        return plan_daily_routes(dist, dur, warehouses=[0], trunk_fleet=[TRUCK],
                                 feeder_fleet=[VAN], params=p, **kw), None

    def week_plan(daily, k):
        return plan_weekly_feeders(daily, dist, dur, feeder_fleet=[VAN], params=QUICK,
                                   weekly=WeeklyParams(min_visits_per_week=k, time_limit_s=0.3,
                                                       day_time_limit_s=0.1), **kw)

    return frequency_curve(day_plan, week_plan, far_plan, admin=set(vill), horizon_days=7,
                           shares=shares, visits=visits)


def test_frequency_curve_costs_more_for_more_daily_villages_and_visits():
    """Station at km 10, villages at 12, 18, 4; a van costs 100 yuan a day + 1 yuan/km.

    All three daily: one van, S→4→12→18→S = 28 km, 128 yuan a day, and the trunk
    W→S→W 20 km at 1 yuan/km: 7 × 148 = 1036 yuan a week (hand check). Fewer daily
    villages or visits never cost more.
    """
    cells = _curve([0, 10, 12, 18, 4], (0.34, 0.67, 1.0), (1, 2, 3))
    grid = {(c.daily_share_target, c.min_visits): c for c in cells}
    assert len(grid) == 9 and all(c.feasible for c in cells), cells
    assert grid[(1.0, 1)].cost_per_week_yuan == pytest.approx(7 * (128 + 20))
    assert grid[(1.0, 1)].vehicles == 2 and grid[(1.0, 1)].daily_share == 1.0  # truck + van
    for s in (0.34, 0.67, 1.0):
        costs = [grid[(s, k)].cost_per_week_yuan for k in (1, 2, 3)]
        assert costs == sorted(costs), (s, costs)
    for k in (1, 2, 3):
        costs = [grid[(s, k)].cost_per_week_yuan for s in (0.34, 0.67, 1.0)]
        assert costs == sorted(costs), (k, costs)
    assert grid[(0.34, 1)].cost_per_week_yuan < grid[(1.0, 1)].cost_per_week_yuan


def test_week_figures_count_vehicles_not_trips():
    """A trunk, a feeder and a loop feeder each making two trips count as one vehicle each:
    1 trunk + 1 feeder (the most of any day) + the loop's truck and its one feeder = 4."""
    from types import SimpleNamespace as NS

    from ruralnet.routing.frequency import week_figures

    def route(tier, vid, trip, kind="van", points=()):
        return NS(id=f"{vid}.{trip}", vehicle=vid, trip=trip, tier=tier, vehicle_type=kind,
                  cost_yuan=10.0, stops=tuple(NS(point=q) for q in points))

    daily = NS(routes=[route("trunk", "T01", 1, "truck"), route("trunk", "T01", 2, "truck")])
    day = [route("feeder", "F01-01", 1, points=[2]), route("feeder", "F01-01", 2, points=[3])]
    week = NS(pattern={2: (0, 1), 3: (0, 1)}, days=[day, day], cost_yuan=40.0)
    loop = NS(trucks=1, pattern=(2,), cost_per_day_yuan=5.0,
              feeder_routes=(route("feeder", "M02-01", 1, points=[4]),
                             route("feeder", "M02-01", 2, points=[5])))
    fig = week_figures(daily, week, NS(loops=(loop,)), None, admin={2, 3, 4, 5}, horizon_days=2)
    assert fig["vehicles"] == 4
    assert fig["visited_share"] == 1.0 and fig["daily_share"] == 0.5


def test_frequency_curve_says_why_a_cell_is_infeasible():
    """A village 390 km away: no day plan serves it daily (100 % cell says why); its
    overnight run gives it its weekly visit."""
    km = [0, 10, 12, 18, 400]

    def far_plan(remote, k):
        dist, dur = _line(km)
        return plan_far_villages(dist, dur, [(4, 1, None, 10.0, 3.0)], feeder_fleet=[VAN],
                                 params=QUICK, min_visits_per_week=k)

    cells = _curve(km, (0.5, 1.0), (1,), far_plan=lambda r, k: far_plan(r, k))
    half, full = cells
    assert not full.feasible and "100% daily" in full.reason_en and full.cost_per_week_yuan is None
    assert "每日 100%" in full.reason_zh
    assert half.feasible and half.weekly_share == 1.0, half


def test_outputs_list_the_runs_the_frequency_cells_and_the_daily_comparison(tiny_plan_doc,
                                                                           tmp_path):
    """village_runs.csv and frequency.csv, the 频次 table with reasons, the report's lines."""
    import pandas as pd

    from ruralnet.outputs.frequency_view import (
        comparison_blocks,
        frequency_blocks,
        frequency_frame,
        write_week_csv,
    )
    from ruralnet.outputs.weekly_view import run_blocks
    from ruralnet.routing.frequency import FrequencyCell

    d = _claim_week(_run_doc(tiny_plan_doc), [1, 4])
    d["weekly"]["costs"] = {"total_per_week": 4200.0, "daily_plan_repeated_per_week": 3500.0,
                            "ratio_to_daily_repeated": 1.2}
    cells = [FrequencyCell(0.8, 2, True, 0.8, 1.0, 4200.0, 3, "", "", 1.0),
             FrequencyCell(1.0, 2, False, None, None, None, None, "每日 100% 无解：不可达",
                           "100% daily is infeasible: unreachable", 0.5)]
    d["weekly"]["frequency"] = {"cells": [c.to_dict() for c in cells]}
    assert not [p for p in validate_plan(d) if "frequency" in p or "weekly" in p]
    f = frequency_frame(d)
    assert list(f["可行 feasible"]) == ["是 yes", "否 no"]
    assert "unreachable" in f.iloc[1]["原因 reason"] and f.iloc[0]["车辆 vehicles"] == 3
    assert write_week_csv(d, tmp_path) == ["frequency.csv", "village_runs.csv"]
    runs = pd.read_csv(tmp_path / "village_runs.csv", encoding="utf-8-sig")
    assert list(runs["village"]) == ["丁村委会"] and runs.loc[0, "visits"] == 2
    text = " ".join(str(b.frame.to_string()) if b.frame is not None else (b.text or "")
                    for b in frequency_blocks(d, "en") + run_blocks(d, "en"))
    assert "100% daily is infeasible: unreachable" in text and "丁村委会" in text
    (line,) = comparison_blocks(d, "en")
    assert "4,200" in line.text and "3,500" in line.text and "ratio 1.2" in line.text
    d["weekly"]["frequency"]["cells"][1]["feasible"] = True
    assert any("claims feasible" in p for p in validate_plan(d))


@pytest.mark.slow
@pytest.mark.parametrize("county", ["改则县", "墨脱县"])
def test_remote_county_week_visits_every_village_or_lists_it_with_its_figure(county):
    """Every 行政村 of 改则县 / 墨脱县 is on a pattern, or listed impossible with its figure;
    plan.json, the report's table and validate agree."""
    from ruralnet.geo.county import load_county
    from ruralnet.outputs.weekly_view import run_blocks, run_rows
    from ruralnet.plan.build import PlanParams, make_plan

    plan = make_plan(load_county(county), PlanParams(week=True), seed=0)
    d = plan.data
    md, wk = d["multi_day"], d["weekly"]
    admin = {v["id"] for v in d["villages"] if v["kind"] == "village"}
    visited = {p["village_id"] for p in wk["patterns"] if p["visits"] >= 1}
    impossible = {x["village_id"] for x in md.get("villages_impossible", [])}
    assert admin <= visited | impossible and not (visited & impossible)
    assert all(" h" in x["en"] for x in md.get("villages_impossible", []))
    runs = md["village_runs"]
    assert wk["coverage"]["villages_unvisited"] == len(admin & impossible)
    assert {r["village_id"] for r in runs} <= visited
    assert all(r["one_way_min"] > 0 and " h" in r["en"] for r in runs)
    assert len(run_rows(plan)) == len(runs) + len(impossible)
    table = next(b for b in run_blocks(plan, "en") if b.kind == "table") if runs else None
    assert table is None or len(table.frame) == len(runs) + len(impossible)
    assert validate_plan(plan) == []
    if runs:  # a false "visited" claim: the week keeps the pattern, the run is gone
        bad = copy.deepcopy(d)
        bad["multi_day"]["village_runs"].pop(0)
        assert any("its run has None" in p for p in validate_plan(bad))

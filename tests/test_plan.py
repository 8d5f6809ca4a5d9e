import copy
import json

import pytest

from ruralnet.exceptions import InputFileError, PlanValidationError
from ruralnet.plan import Plan, check_plan, haversine_km, validate_plan


def _stop(ref, kind, km, tmin, arrive, depart, deliver, pickup, load):
    key = "site_id" if kind == "site" else "village_id"
    return {key: ref, "km_from_prev": km, "travel_min_from_prev": tmin, "arrive_min": arrive,
            "depart_min": depart, "deliver_kg": deliver, "pickup_kg": pickup,
            "load_after_kg": load}


@pytest.fixture
def tiny_plan():
    """A hand-checked plan: one warehouse, one station, two villages and a community.

    Trunk: W → S1 (13 km, 13 min at 60 km/h) → W; leaves 07:00 (420), reaches S1 at 433,
    unloads 10 min, back at 456. Feeder leaves S1 at 433 + 30 handling = 463:
    S1 → V1 (2.6 km, 6 min) → V2 (2.9 km, 7 min) → S1 (3.9 km, 9 min).
    Loads: leaves with 30 + 30 = 60 kg; V1 delivers 30, picks 9 → 39; V2 → 18.
    """
    return {
        "schema_version": "1.0",
        "county": {"name": "测试县", "code": "999999", "province": "测试省"},
        "provenance": {
            "geography": {"source": "synthetic", "description": "hand-made"},
            "network": {"source": "synthetic", "description": "hand-made"},
            "demand": {"source": "synthetic", "description": "30 parcels"},
            "synthetic_layers": ["geography", "network", "demand"],
        },
        "parameters": {"day_start_min": 420, "day_end_min": 1080, "handling_min": 30,
                       "coverage_target": 0.8, "mode": "two_tier", "seed": 0},
        "townships": [{"id": "T1", "name": "一镇"}],
        "villages": [
            {"id": "V1", "name": "甲村委会", "township_id": "T1", "lon": 118.12, "lat": 25.0,
             "kind": "village", "poor": True},
            {"id": "V2", "name": "乙村委会", "township_id": "T1", "lon": 118.12, "lat": 25.02,
             "kind": "village", "poor": False},
            {"id": "C1", "name": "丙社区居委会", "township_id": "T1", "lon": 118.1, "lat": 25.001,
             "kind": "community", "poor": False},
        ],
        "sites": [
            {"id": "W", "kind": "county_warehouse", "name": "县仓", "lon": 118.0, "lat": 25.0,
             "township_id": None, "village_id": None},
            {"id": "S1", "kind": "township_station", "name": "一镇站", "lon": 118.1, "lat": 25.0,
             "township_id": "T1", "village_id": None},
            {"id": "VS1", "kind": "village_station", "name": "甲村站", "lon": 118.12, "lat": 25.0,
             "township_id": "T1", "village_id": "V1"},
        ],
        "routes": [
            {"id": "trunk-1", "tier": "trunk", "vehicle_type": "light_truck", "capacity_kg": 2000,
             "depot_site_id": "W", "depart_min": 420, "return_min": 456, "distance_km": 26.0,
             "duration_min": 36, "stops": [
                 _stop("W", "site", 0, 0, 420, 420, 0, 0, 60),
                 _stop("S1", "site", 13.0, 13, 433, 443, 60, 18, 18),
                 _stop("W", "site", 13.0, 13, 456, 456, 0, 0, 18)]},
            {"id": "feeder-1", "tier": "feeder", "vehicle_type": "van", "capacity_kg": 800,
             "depot_site_id": "S1", "depart_min": 463, "return_min": 485, "distance_km": 9.4,
             "duration_min": 22, "stops": [
                 _stop("S1", "site", 0, 0, 463, 463, 0, 0, 60),
                 _stop("V1", "village", 2.6, 6, 469, 469, 30, 9, 39),
                 _stop("V2", "village", 2.9, 7, 476, 476, 30, 9, 18),
                 _stop("S1", "site", 3.9, 9, 485, 485, 0, 0, 18)]},
        ],
        "coverage": {"townships_daily": 1, "townships_total": 1, "villages_daily": 2,
                     "villages_total": 2, "village_share": 1.0},
        "costs": {"total_per_day": 500.0},
    }


def test_hand_checked_plan_is_valid(tiny_plan):
    """The hand-made plan passes every check."""
    assert validate_plan(tiny_plan) == []
    check_plan(Plan(tiny_plan))


def test_fixture_distances_are_not_shorter_than_straight_lines():
    """The fixture's road km exceed the haversine distance (sanity of the fixture)."""
    assert haversine_km(118.0, 25.0, 118.1, 25.0) < 13.0
    assert haversine_km(118.12, 25.02, 118.1, 25.0) < 3.9


CORRUPTIONS = [
    ("times do not add up", lambda p: p["routes"][1]["stops"][2].update(arrive_min=490),
     "arrives 490"),
    ("load over capacity", lambda p: p["routes"][1].update(capacity_kg=50),
     "leaves with 60.0 kg > capacity 50"),
    ("load_after wrong", lambda p: p["routes"][1]["stops"][1].update(load_after_kg=45),
     "load_after_kg 45"),
    ("feeder before trunk", lambda p: p["routes"][1].update(depart_min=440) or
     p["routes"][1]["stops"][0].update(depart_min=440, arrive_min=440),
     "before the trunk arrives"),
    ("coverage claim false", lambda p: p["coverage"].update(villages_daily=3),
     "villages_daily claims 3 but the plan gives 2"),
    ("road shorter than crow", lambda p: p["routes"][0]["stops"][1].update(km_from_prev=5.0),
     "shorter than the straight line"),
    ("after end of day", lambda p: p["parameters"].update(day_end_min=480),
     "after the day ends"),
    ("unknown stop", lambda p: p["routes"][1]["stops"][1].update(village_id="V9"),
     "unknown stop id"),
    ("schema", lambda p: p["routes"][0].update(tier="air"), "schema: routes/0/tier"),
    ("distance total", lambda p: p["routes"][0].update(distance_km=20.0),
     "distance_km 20.0"),
    ("not back at depot", lambda p: p["routes"][1]["stops"][3].update(site_id="W"),
     "must start and end at its depot"),
]


@pytest.mark.parametrize("name,corrupt,message", CORRUPTIONS, ids=[c[0] for c in CORRUPTIONS])
def test_validate_catches_each_kind_of_corruption(tiny_plan, name, corrupt, message):
    """Each corrupted copy of the valid plan is caught with a specific message."""
    bad = copy.deepcopy(tiny_plan)
    corrupt(bad)
    problems = validate_plan(bad)
    assert any(message in p for p in problems), problems


def test_check_plan_raises_with_all_problems(tiny_plan):
    """check_plan raises PlanValidationError listing the problems."""
    tiny_plan["coverage"].update(villages_daily=0, village_share=0.0)
    with pytest.raises(PlanValidationError, match="共 2 项问题"):
        check_plan(tiny_plan)


def test_plan_round_trips_through_json(tiny_plan, tmp_path):
    """to_json then from_json gives the same document, written atomically."""
    path = Plan(tiny_plan).to_json(tmp_path / "plan.json")
    assert Plan.from_json(path).data == tiny_plan
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]


def test_broken_json_reports_its_line(tmp_path):
    """A truncated plan.json is reported with the line of the JSON error."""
    p = tmp_path / "plan.json"
    p.write_text('{\n "routes": [\n', encoding="utf-8")
    with pytest.raises(InputFileError, match="第 3 行"):
        Plan.from_json(p)


def test_plan_summary_and_geodataframes(tiny_plan):
    """summary() names the tiers and the synthetic flag; routes become lines."""
    plan = Plan(tiny_plan)
    assert "SYNTHETIC" in plan.summary() and "trunk 1" in plan.summary()
    gdfs = plan.to_geodataframes()
    assert len(gdfs["routes"]) == 2 and gdfs["routes"].geometry.iloc[1].coords[1] == (118.12, 25.0)
    assert "合成数据" in plan._repr_html_()
    json.dumps(tiny_plan)

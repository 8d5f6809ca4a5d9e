import copy
import json

import pytest

from ruralnet.exceptions import InputFileError, PlanValidationError
from ruralnet.plan.document import Plan, check_plan, haversine_km, validate_plan


@pytest.fixture
def tiny_plan(tiny_plan_doc):
    """The hand-checked tiny plan document (tests/tiny.py)."""
    return tiny_plan_doc


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

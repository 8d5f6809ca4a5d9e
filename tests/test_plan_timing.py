"""The plan's timing section says where the time went (issue 19, plan speed)."""

from __future__ import annotations

from ruralnet.pipeline import plan_county
from ruralnet.plan.build import PlanParams


def test_timing_names_every_stage_of_the_plan(tiny_county):
    """timing_s.stages has the wall seconds of each step (economics from the pipeline), and
    timing_s.siting the location-routing step's; the stages add up to at most the total."""
    plan = plan_county(tiny_county, PlanParams(), seed=0)
    timing = plan.data["timing_s"]
    stages = timing["stages"]
    assert list(stages) == ["network_and_matrix", "siting", "routing", "week_and_far_villages",
                            "road_paths", "economics"]
    assert all(v >= 0 for v in stages.values())
    made = sum(v for k, v in stages.items() if k != "economics")
    assert made <= timing["total"] + 0.05 * len(stages)
    assert timing["siting"]["lrp"] >= 0 and stages["siting"] >= timing["siting"]["lrp"] - 0.01
    assert stages["routing"] >= timing["routing"] - 0.06  # the latter has one decimal


def test_two_workers_give_the_same_plan_as_one(tiny_county):
    """With workers=2 the location-routing comparison prices run beside the joint search and
    the feeder stations in two processes; plan.json is the same but for its timing."""
    from dataclasses import replace

    one = plan_county(tiny_county, PlanParams(), seed=0)
    p = PlanParams()
    two = plan_county(tiny_county, replace(p, routing=replace(p.routing, workers=2)), seed=0)
    a = {k: v for k, v in one.data.items() if k != "timing_s"}
    b = {k: v for k, v in two.data.items() if k != "timing_s"}
    assert a == b
    assert a["lrp"]["county_seat_only_cost"] is not None
    assert two.data["timing_s"]["safety_limits_hit"] == []

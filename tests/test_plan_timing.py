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
    assert stages["routing"] >= timing["routing"] - 0.01

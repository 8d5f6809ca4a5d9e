import pytest

from ruralnet.programme.requirements import plan_requirements
from ruralnet.programme.targets import load_system


@pytest.mark.parametrize("system,expected", [
    ("anxi_2018", {"min_village_stations": 237, "max_warehouses": 2,
                   "village_station_share": 0.5, "service_centre": True}),
    ("guizhou_2017", {"coverage_target": 0.8, "village_station_share": 0.5,
                      "poor_village_station_share": 0.5, "service_centre": True}),
    ("guanyun_2020", {"coverage_target": 1.0, "poor_village_station_share": 0.5,
                      "service_centre": True}),
])
def test_plan_targets_become_plan_parameters(system, expected):
    """Each seed system's plan targets map to the PlanParams fields that enforce them."""
    req = plan_requirements(load_system(system))
    assert req.overrides == expected
    assert all(req.sources[k] for k in expected)


def test_the_strictest_of_several_rows_wins():
    """灌云 asks 100% both for villages served and same-day delivery: coverage 1.0, two sources."""
    req = plan_requirements(load_system("guanyun_2020"))
    assert req.sources["coverage_target"] == ["logistics_village_coverage",
                                              "same_day_village_delivery",
                                              "logistics_routes_village_2020"]
    assert "coverage_target = 1.0" in req.summary()

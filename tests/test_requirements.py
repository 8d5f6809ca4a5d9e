from pathlib import Path

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


def test_basic_and_stretch_rows_never_raise_the_plan():
    """安溪's 基本实现…配送到村组 (no figure) does not push coverage to 100 %."""
    req = plan_requirements(load_system("anxi_2018"))
    assert "coverage_target" not in req.overrides
    assert req.overrides["min_village_stations"] == 237


def test_a_scenario_weakening_its_own_target_is_named():
    """灌云's shipped 0.8 (before this fix) would weaken the 100 % same-day target; 1.0 does not."""
    from ruralnet.plan.build import PlanParams
    from ruralnet.programme.requirements import weakened_targets

    system = load_system("guanyun_2020")
    [(zh, en)] = weakened_targets(system, PlanParams(coverage_target=0.8), {"coverage_target"})
    assert "coverage_target = 0.8" in zh and "same_day_village_delivery" in zh
    assert en.startswith("the scenario sets coverage_target = 0.8, weaker than guanyun_2020")
    assert weakened_targets(system, PlanParams(coverage_target=1.0), {"coverage_target"}) == []
    assert weakened_targets(system, PlanParams(coverage_target=0.8), set()) == []


@pytest.mark.parametrize("name", ["anxi_2018_one_warehouse", "anxi_2018_two_warehouses",
                                  "guanyun_2020_direct", "shuangbai_yunnan_2018",
                                  "songtao_guizhou_2017"])
def test_shipped_scenarios_do_not_weaken_their_own_county_targets(name):
    """Every scenario sets nothing weaker than its county's own system asks (灌云: 100 %)."""
    from ruralnet.plan.build import Scenario
    from ruralnet.programme.requirements import weakened_targets
    from ruralnet.programme.targets import default_system_id
    sc = Scenario.from_file(Path(__file__).parent.parent / "scenarios" / f"{name}.toml")
    sid, _ = default_system_id(sc.county, sc.province, sc.prefecture)
    assert sid != "design_card"
    assert weakened_targets(load_system(sid), sc.params, sc.explicit_keys) == []

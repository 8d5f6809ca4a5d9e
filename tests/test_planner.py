import json

import pytest

from ruralnet.exceptions import InputFileError
from ruralnet.geo.county import load_county
from ruralnet.plan.build import PlanParams, Scenario, fixed_sites, make_plan
from ruralnet.plan.document import validate_plan

SMALL = "双柏县"  # 8 townships, 77 administrative villages: quick to plan


@pytest.fixture(scope="module")
def small_county():
    """双柏县 with synthetic positions (seed 0)."""
    return load_county(SMALL)


@pytest.fixture(scope="module")
def small_plan(small_county):
    """The default plan of 双柏县."""
    return make_plan(small_county, seed=0)


def test_default_plan_reaches_every_township_and_the_village_target(small_plan):
    """Every township is served daily and at least 80% of administrative villages."""
    cov = small_plan.coverage
    assert cov["townships_daily"] == cov["townships_total"] == 8
    assert cov["villages_total"] == 77
    assert cov["village_share"] >= 0.8
    assert cov["villages_daily"] >= 0.8 * 77


def test_default_plan_passes_its_own_validation(small_plan):
    """The plan written by make_plan passes every invariant of validate_plan."""
    assert validate_plan(small_plan) == []


def test_plan_has_one_station_per_township_and_labels_synthetic_layers(small_plan):
    """24-style rule: exactly one station per township; synthetic layers are listed."""
    sites = small_plan.data["sites"]
    stations = [s for s in sites if s["kind"] == "township_station"]
    assert sorted(s["township_id"] for s in stations) == sorted(
        t["id"] for t in small_plan.data["townships"])
    assert 1 <= sum(s["kind"] == "county_warehouse" for s in sites) <= 2
    prov = small_plan.data["provenance"]
    assert {"geography", "network", "demand"} <= set(prov["synthetic_layers"])
    assert "合成" in prov["notice"] and "SYNTHETIC" in prov["notice"]


def test_communities_are_not_counted_as_villages(small_plan):
    """社区 served daily do not add to villages_daily."""
    kinds = {v["id"]: v["kind"] for v in small_plan.data["villages"]}
    daily_villages = {v["id"] for v in small_plan.data["villages"]
                      if v["daily"] and v["kind"] == "village"}
    assert small_plan.coverage["villages_daily"] == len(daily_villages)
    assert "community" in set(kinds.values())


def test_same_seed_gives_the_same_plan(small_county, small_plan):
    """Planning twice with seed 0 gives an identical document (timings aside)."""
    again = make_plan(small_county, seed=0)
    a = {k: v for k, v in small_plan.data.items() if k != "timing_s"}
    b = {k: v for k, v in again.data.items() if k != "timing_s"}
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_fixed_sites_put_the_warehouse_at_the_county_seat(small_county):
    """Fixed mode: one warehouse at the county seat, stations at the township seats."""
    p = make_plan(small_county, sites=fixed_sites(small_county))
    wh = [s for s in p.data["sites"] if s["kind"] == "county_warehouse"]
    assert len(wh) == 1
    assert (wh[0]["lon"], wh[0]["lat"]) == (round(small_county.seat_lon, 6),
                                             round(small_county.seat_lat, 6))
    assert p.data["parameters"]["sites"] == "fixed"


def test_plan_params_reject_out_of_range_values():
    """PlanParams names the field and range."""
    with pytest.raises(ValueError, match="coverage_target must be in \\[0, 1\\]"):
        PlanParams(coverage_target=1.5)
    with pytest.raises(ValueError, match="max_warehouses must be in \\[1, 5\\]"):
        PlanParams(max_warehouses=0)


def test_every_shipped_scenario_loads():
    """All scenarios/*.toml parse into PlanParams."""
    from pathlib import Path

    files = sorted(Path(__file__).parent.parent.glob("scenarios/*.toml"))
    assert len(files) >= 5
    modes = {Scenario.from_file(f).params.mode for f in files}
    assert {"two_tier", "direct"} <= modes


def test_scenario_with_unknown_key_names_it(tmp_path):
    """A typo in a scenario file is reported with the allowed keys."""
    p = tmp_path / "s.toml"
    p.write_text('[county]\nname = "安溪"\n[plan]\ncoverage_targett = 0.9\n', encoding="utf-8")
    with pytest.raises(InputFileError, match="unknown key\\(s\\) in \\[plan\\]: coverage_targett"):
        Scenario.from_file(p)


def test_every_scenario_parameter_is_documented():
    """scenarios/README.md names every field of the scenario tables (docs cannot go stale)."""
    import dataclasses
    from pathlib import Path

    from ruralnet.geo.county import DemandParams
    from ruralnet.routing import DailyRoutingParams, FleetType

    text = (Path(__file__).parent.parent / "scenarios" / "README.md").read_text(encoding="utf-8")
    skip = {"trunk_fleet", "feeder_fleet", "direct_fleet", "routing", "demand"}
    for cls in (PlanParams, DailyRoutingParams, FleetType, DemandParams):
        for f in dataclasses.fields(cls):
            if f.name not in skip:
                assert f"`{f.name}`" in text, f"{cls.__name__}.{f.name} is not documented"


def test_min_village_stations_raises_the_station_count(small_county):
    """A count target above the 50% quota (45 of 77) is met exactly."""
    p = make_plan(small_county, PlanParams(min_village_stations=45))
    assert sum(s["kind"] == "village_station" for s in p.data["sites"]) == 45
    assert validate_plan(p) == []


def test_plan_proposes_one_county_service_centre_at_the_seat(small_plan, small_county):
    """The default plan has one 县级公共服务中心 at the county seat."""
    centres = [s for s in small_plan.data["sites"] if s["kind"] == "county_service_centre"]
    assert len(centres) == 1
    assert (centres[0]["lon"], centres[0]["lat"]) == (round(small_county.seat_lon, 6),
                                                       round(small_county.seat_lat, 6))


def test_infeasible_targets_are_relaxed_and_the_reason_recorded(small_county):
    """Asking more village stations than villages exist plans with the base parameters, noted."""
    from ruralnet.plan.build import make_plan_for_targets

    p = make_plan_for_targets(small_county, PlanParams(), {"min_village_stations": 500},
                              source="test_system")
    applied = p.data["parameters"]["targets_applied"]
    assert applied["wanted"] == {"min_village_stations": 500} and applied["applied"] == {}
    assert "全县只有 77 个行政村" in applied["infeasible_zh"]  # stations count 行政村 only
    assert any("test_system" in n for n in p.data["notes"])
    assert validate_plan(p) == []


def test_warehouses_come_from_location_routing_and_the_gain_is_recorded(small_plan):
    """The plan records the joint (location-routing) and two-step trunk costs; joint ≤ two-step."""
    lrp = small_plan.data["lrp"]
    assert lrp["joint_cost"] <= lrp["two_step_cost"] + 1e-6
    assert lrp["gain_yuan_per_day"] == round(lrp["two_step_cost"] - lrp["joint_cost"], 2)
    assert lrp["used"] == "joint"
    warehouses = [s for s in small_plan.data["sites"] if s["kind"] == "county_warehouse"]
    assert len(warehouses) == len(lrp["joint_warehouses"])
    costs = [it["cost"] for it in lrp["iterations"]]
    assert min(costs) == lrp["joint_cost"]


def test_joint_warehouses_failing_the_day_fall_back_to_facility_location():
    """When the joint warehouses fail the daily routing, the facility-location ones are used."""
    from ruralnet.exceptions import InfeasibleError
    from ruralnet.plan.sites import Sites, facility_fallback

    sites = Sites((3,), (1, 2), (), {"lrp": {"used": "joint",
                                            "facility_location_warehouses": [1, 5]}})
    err = InfeasibleError("干线无解", "trunk infeasible")
    fb = facility_fallback(sites, err)
    assert fb.warehouses == (1, 5) and fb.how["lrp"]["used"] == "facility_location"
    assert fb.how["lrp"]["joint_infeasible_en"] == "trunk infeasible"
    assert facility_fallback(fb, err) is None  # nothing left to try: the error stands


def test_siting_record_says_which_warehouse_count_the_plan_uses(small_plan):
    """The facility-location model's count and the plan's count are told apart; the covering
    model's bound is on population, not on yuan."""
    siting = small_plan.data["siting"]
    n_plan = sum(s["kind"] == "county_warehouse" for s in small_plan.data["sites"])
    assert siting["county_warehouse"]["metrics"]["n_warehouses_plan"] == n_plan
    assert "n_warehouses" not in siting["county_warehouse"]["metrics"]
    vs = siting["village_station"]
    assert "bound" not in vs
    assert vs["bound_population_covered"] <= vs["metrics"]["population_covered"] + 1e-6

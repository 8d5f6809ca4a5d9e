"""Tests of ruralnet.pipeline: one path from a county to a plan, shared by CLI and Python."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import ruralnet
from ruralnet.cli import main
from ruralnet.pipeline import plan_county, target_overrides
from ruralnet.plan.build import PlanParams, Scenario
from ruralnet.plan.records import PlanDocument


@pytest.mark.slow
def test_cli_and_python_api_give_the_same_anxi_plan(tmp_path, anxi_plan):
    """`ruralnet plan --county 安溪` and the README's `plan_county(load_county("安溪"))` agree."""
    out = tmp_path / "anxi"
    result = CliRunner().invoke(main, ["plan", "--county", "安溪", "--out", str(out)])
    assert result.exit_code == 0, result.output
    cli = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    api = anxi_plan.data  # ruralnet.plan_county(ruralnet.load_county("安溪")), planned once
    assert cli["sites"] == api["sites"]
    assert cli["routes"] == api["routes"]
    assert cli["parameters"]["targets_applied"] == api["parameters"]["targets_applied"]
    # the typed plan reads and writes the real document losslessly
    assert PlanDocument.from_dict(api).to_dict() == api
    # designed for 安溪 2018: at least 237 village stations, as the CLI always did
    assert sum(s["kind"] == "village_station" for s in api["sites"]) >= 237


def test_target_overrides_come_from_the_countys_own_system(anxi):
    """安溪 is designed for 安溪2018; explicit keys and design_for_targets=False are respected."""
    system, over = target_overrides(anxi, PlanParams())
    assert system == "anxi_2018"
    assert over.get("min_village_stations", 0) >= 237
    _, none = target_overrides(anxi, PlanParams(), design=False)
    assert none == {}
    _, kept = target_overrides(anxi, PlanParams(), explicit={"min_village_stations"})
    assert "min_village_stations" not in kept


def test_plan_county_takes_a_scenario_and_its_seed(tmp_path, tiny_county, tiny_plan, monkeypatch):
    """A Scenario's county, params, seed and explicit keys reach the planner."""
    seen = {}

    def fake(county, params, overrides, *, source, network, sites, seed):
        seen.update(county=county, params=params, overrides=overrides, seed=seed, sites=sites)
        return tiny_plan

    monkeypatch.setattr("ruralnet.pipeline.make_plan_for_targets", fake)
    monkeypatch.setattr("ruralnet.pipeline.load_network", lambda *a, **k: "net")
    sc = Scenario(name="s", county="安溪", params=PlanParams(max_warehouses=1), seed=7,
                  explicit_keys=frozenset({"coverage_target"}))
    monkeypatch.setattr("ruralnet.pipeline.load_county", lambda *a, **k: tiny_county)
    assert plan_county(sc) is tiny_plan
    assert "parcel_costs" in tiny_plan.data["economics"]  # the money section is always added
    assert seen["seed"] == 7 and seen["params"].max_warehouses == 1
    assert "coverage_target" not in seen["overrides"]


def test_plan_county_reports_each_stage_as_it_starts(tiny_county, tiny_plan, monkeypatch):
    """progress hears county, roads, plan in that order, each when its work begins."""
    heard = []

    def fake_plan(*a, **k):
        heard.append("planning")
        return tiny_plan

    def fake_network(*a, **k):
        heard.append("building roads")
        return "net"

    monkeypatch.setattr("ruralnet.pipeline.make_plan_for_targets", fake_plan)
    monkeypatch.setattr("ruralnet.pipeline.load_network", fake_network)
    plan_county(tiny_county, progress=heard.append)
    assert heard == ["county", "roads", "building roads", "plan", "planning"]


def test_plan_county_refuses_an_unknown_kind_of_county():
    """A number is neither a county nor a scenario: a bilingual error, not a traceback."""
    with pytest.raises(ruralnet.RuralnetError, match="county must be a name"):
        plan_county(3.5)  # type: ignore[arg-type]

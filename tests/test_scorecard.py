"""Tests for ruralnet.programme.scorecard: scoring a plan and actuals against a system."""

from __future__ import annotations

import copy
import json
from datetime import date

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ruralnet.exceptions import PlanValidationError, TargetsError
from ruralnet.plan.figures import plan_figures
from ruralnet.programme.scorecard import plan_metrics, score_plan
from ruralnet.programme.targets import load_system


@pytest.fixture(scope="session")
def tiny_plan():
    """Two townships, four administrative villages (two poor) and one community.

    Village stations stand in 甲村 (poor) and 丙村; 丁村 (poor) has none.
    Routes reach both township stations, 甲村, 乙村 and 丙村's station.
    """
    return {
        "county": {"name": "示例县", "code": "520000", "province": "贵州省"},
        "provenance": {"geography": {"source": "synthetic"}, "network": {"source": "osm"},
                       "demand": {"source": "synthetic"}},
        "parameters": {},
        "townships": [{"id": "t1", "name": "一镇"}, {"id": "t2", "name": "二乡"}],
        "villages": [
            {"id": "v1", "name": "甲村", "township_id": "t1", "kind": "village", "poor": True},
            {"id": "v2", "name": "乙村", "township_id": "t1", "kind": "village", "poor": False},
            {"id": "v3", "name": "丙村", "township_id": "t2", "kind": "village", "poor": False},
            {"id": "v4", "name": "丁村", "township_id": "t2", "kind": "village", "poor": True},
            {"id": "v5", "name": "戊社区", "township_id": "t2", "kind": "community",
             "poor": False},
        ],
        "sites": [
            {"id": "W", "kind": "county_warehouse", "township_id": "t1"},
            {"id": "T1", "kind": "township_station", "township_id": "t1"},
            {"id": "T2", "kind": "township_station", "township_id": "t2"},
            {"id": "S1", "kind": "village_station", "township_id": "t1", "village_id": "v1"},
            {"id": "S3", "kind": "village_station", "township_id": "t2", "village_id": "v3"},
        ],
        "routes": [
            {"id": "r1", "tier": "trunk", "stops": [{"site_id": "W"}, {"site_id": "T1"},
                                                    {"site_id": "T2"}, {"site_id": "W"}]},
            {"id": "r2", "tier": "feeder", "stops": [{"site_id": "T1"}, {"village_id": "v1"},
                                                     {"village_id": "v2"}, {"site_id": "T1"}]},
            {"id": "r3", "tier": "feeder", "stops": [{"site_id": "T2"}, {"site_id": "S3"},
                                                     {"site_id": "T2"}]},
        ],
        "coverage": {"townships_daily": 2, "townships_total": 2, "villages_daily": 3,
                     "villages_total": 5, "village_share": 0.6},  # taken as given, not recomputed
        "costs": {},
    }


def row_of(card, indicator_id):
    return card.table.set_index("id").loc[indicator_id]


def test_plan_metrics_count_sites_and_coverage_by_hand(tiny_plan):
    """Counts and shares of the tiny plan match the hand count."""
    m = {k: v.value for k, v in plan_metrics(tiny_plan).items()}
    assert (m["county_warehouses"], m["township_stations"], m["village_stations"]) == (1, 2, 2)
    assert m["village_station_coverage"] == 50.0  # 甲, 丙 of 甲乙丙丁 (community excluded)
    assert m["poor_village_station_coverage"] == 50.0  # 甲 of 甲, 丁
    assert m["township_station_coverage"] == 100.0
    # 甲, 乙 as stops and 丙 at its station S3 of 甲乙丙丁; plan.coverage (3/5) is not used
    assert m["villages_daily_share"] == m["villages_served_share"] == 75.0
    assert m["townships_served_share"] == 100.0
    assert m["county_service_centres"] is None


def test_uncovered_poor_village_is_named_in_the_evidence(tiny_plan):
    """The evidence column lists which poor villages lack a station."""
    card = score_plan(tiny_plan, "guizhou_2017")
    evidence = row_of(card, "poor_village_station_coverage")["evidence"]
    assert "1/2 (50.0%) poor 行政村 host a village_station; uncovered: 丁村" in evidence


def test_guizhou_scorecard_statuses_by_hand(tiny_plan):
    """50 % coverage is designed to meet ≥50 %; 75 % of villages reached is 5 points short."""
    card = score_plan(tiny_plan, "guizhou_2017")
    assert row_of(card, "village_station_coverage")["status"] == "designed to meet"
    assert row_of(card, "village_station_coverage")["status_zh"] == "规划达标"
    village = row_of(card, "logistics_village_coverage")
    assert (village["status"], village["status_zh"], village["margin"]) == (
        "designed short", "规划未达", -5.0)
    assert row_of(card, "logistics_township_coverage")["status"] == "designed to meet"
    assert row_of(card, "trainees")["status"] == "awaiting data"
    assert row_of(card, "county_service_centre")["status"] == "awaiting data"


def test_synthetic_geography_is_stated_in_evidence_and_notes(tiny_plan):
    """Plan rows built on synthetic layers say so, as do the notes and the HTML."""
    card = score_plan(tiny_plan, "guizhou_2017")
    assert card.synthetic_layers == ("geography", "demand")
    assert "[synthetic: geography, demand]" in row_of(card, "village_station_coverage")["evidence"]
    assert any("synthetic layers: geography, demand" in n for n in card.notes)
    assert "合成数据 synthetic" in card._repr_html_()


def test_real_layers_carry_no_synthetic_label(tiny_plan):
    """A plan with user geography carries no synthetic label."""
    plan = copy.deepcopy(tiny_plan)
    plan["provenance"] = {"geography": {"source": "user"}}
    card = score_plan(plan, "guizhou_2017")
    assert card.synthetic_layers == ()
    assert "synthetic" not in row_of(card, "village_station_coverage")["evidence"]


def actuals(rows):
    return pd.DataFrame(rows, columns=["date", "indicator", "value"])


def test_entered_value_short_before_deadline_is_at_risk(tiny_plan):
    """2500 trainees in mid-2019 against 安溪's ≥5000 by end-2020 is at risk (有风险)."""
    card = score_plan(tiny_plan, "anxi_2018",
                      actuals=actuals([["2019-06-30", "trainees", "2500"]]))
    got = row_of(card, "trainees")
    assert (got["status"], got["status_zh"], got["value"], got["margin"]) == (
        "at risk", "有风险", 2500.0, -2500.0)


def test_entered_value_short_at_deadline_is_not_met(tiny_plan):
    """The same shortfall on the deadline is not met (未达标)."""
    card = score_plan(tiny_plan, "anxi_2018",
                      actuals=actuals([["2019-06-30", "trainees", "2500"]]),
                      as_of=date(2020, 12, 31))
    assert row_of(card, "trainees")[["status", "status_zh"]].tolist() == ["not met", "未达标"]


def test_latest_entry_counts_and_as_of_ignores_later_rows(tiny_plan):
    """The latest row up to as_of is scored."""
    rows = actuals([["2019-06-30", "trainees", "2500"], ["2020-11-30", "trainees", "5100"]])
    assert row_of(score_plan(tiny_plan, "anxi_2018", actuals=rows),
                  "trainees")[["status", "status_zh"]].tolist() == ["met", "已达标"]
    early = score_plan(tiny_plan, "anxi_2018", actuals=rows, as_of=date(2019, 7, 1))
    assert row_of(early, "trainees")["value"] == 2500.0


def test_a_plan_metric_the_planner_lacks_falls_back_to_actuals(tiny_plan):
    """The county service centre, not sited by the planner, is read from actuals."""
    card = score_plan(tiny_plan, "guizhou_2017",
                      actuals=actuals([["2018-12-31", "county_service_centre", "1"]]))
    assert row_of(card, "county_service_centre")["status"] == "met"


def test_yunnan_growth_needs_the_national_average(tiny_plan):
    """Growth is awaiting data without the national average and met once it is given."""
    rows = actuals([["2019-12-31", "rural_online_retail_growth", "15"]])
    card = score_plan(tiny_plan, "yunnan_2018", actuals=rows)
    got = row_of(card, "rural_online_retail_growth")
    assert got["status"] == "awaiting data"
    assert "target needs input national_rural_online_retail_growth" in got["evidence"]
    card = score_plan(tiny_plan, "yunnan_2018", actuals=rows,
                      inputs={"national_rural_online_retail_growth": 12.5})
    got = row_of(card, "rural_online_retail_growth")
    assert (got["status"], got["margin"], got["target"]) == ("met", 2.5, "> 12.5%")


def test_listed_synthetic_layers_are_reported(tiny_plan):
    """Layers named in provenance.synthetic_layers count as synthetic too."""
    plan = copy.deepcopy(tiny_plan)
    plan["provenance"] = {"network": {"source": "osm"}, "synthetic_layers": ["network"]}
    assert score_plan(plan, "guizhou_2017").synthetic_layers == ("network",)


def test_guanyun_full_coverage_names_the_unserved_village(tiny_plan):
    """灌云 wants every village served: 3 of 4 is designed 25 points short and names 丁村."""
    card = score_plan(tiny_plan, "guanyun_2020")
    got = row_of(card, "logistics_village_coverage")
    assert (got["status"], got["value"], got["margin"]) == ("designed short", 75.0, -25.0)
    assert "not served: 1 (丁村)" in got["evidence"]
    assert row_of(card, "logistics_township_coverage")["status"] == "designed to meet"


def test_guanyun_stretch_target_is_reported(tiny_plan):
    """灌云 growth of 22 % meets >20 % and says the 25 % aim is not reached."""
    card = score_plan(tiny_plan, "guanyun_2020",
                      actuals=actuals([["2021-12-31", "rural_online_retail_growth", "22"]]))
    got = row_of(card, "rural_online_retail_growth")
    assert got["status"] == "met"
    assert "力争 25: not reached" in got["evidence"]


def test_default_system_follows_the_plan_county(tiny_plan):
    """Without a system a listed 贵州 county is scored on 贵州 2017, 安溪 on 安溪 2018."""
    plan = copy.deepcopy(tiny_plan)
    plan["county"] = {"name": "松桃苗族自治县", "province": "贵州省", "prefecture": "铜仁市"}
    card = score_plan(plan)
    assert (card.system_id, card.scope, card.borrowed) == ("guizhou_2017", "", False)
    plan["county"] = {"name": "安溪县", "province": "福建省"}
    card = score_plan(plan)
    assert card.system_id == "anxi_2018"
    assert any("the anxi_2018 document names 安溪县" in n for n in card.notes)


def test_a_county_no_document_names_gets_the_design_card_not_another_system(tiny_plan):
    """示例县 of 贵州 is not among 贵州 2017's 24 counties: design card rows only, noted."""
    card = score_plan(tiny_plan)
    assert card.system_id == "design_card"
    assert card.table["id"].tolist() == ["townships_daily", "villages_daily"]
    assert card.table["status"].tolist() == ["designed to meet", "designed short"]
    assert "no programme system selected for 示例县" in card.summary()
    plan = copy.deepcopy(tiny_plan)
    plan["county"] = {"name": "某县", "province": "河北省"}
    assert "no programme system names 某县 (河北省)" in score_plan(plan).summary()


def test_a_borrowed_system_says_so_on_every_row_and_in_the_summary(tiny_plan):
    """安溪's plan scored on 灌云 2020 carries the 参照 borrowed line everywhere."""
    plan = copy.deepcopy(tiny_plan)
    plan["county"] = {"name": "安溪县", "province": "福建省"}
    card = score_plan(plan, "guanyun_2020")
    line = "参照 borrowed: this system does not apply to 安溪县"
    assert card.borrowed and card.scope == line
    assert set(card.table["scope"]) == {line}
    assert card.summary().splitlines()[1] == f"*** {line} ***"
    assert card.verdict_lines()[0] == line
    assert line in card._repr_html_()
    assert score_plan(plan, "anxi_2018").scope == ""


def test_anxi_warehouse_range_and_township_count(tiny_plan):
    """One warehouse sits in 安溪's 1–2 range; two township stations miss ≥24."""
    card = score_plan(tiny_plan, load_system("anxi_2018"))
    assert row_of(card, "county_warehouses")["status"] == "designed to meet"
    stations = row_of(card, "township_stations")
    assert (stations["status"], stations["margin"]) == ("designed short", -22.0)


def test_incomplete_plan_is_refused_with_the_problems(tiny_plan):
    """A plan without sites or village kinds is refused listing what is missing."""
    plan = copy.deepcopy(tiny_plan)
    del plan["sites"]
    del plan["villages"][0]["kind"]
    with pytest.raises(PlanValidationError, match=r"missing key 'sites'; villages\[0\] lacks "
                       r"\['kind'\]"):
        score_plan(plan, "guizhou_2017")


def test_actuals_with_unknown_indicator_are_refused(tiny_plan):
    """Scoring with an actuals row for an unknown id raises TargetsError."""
    with pytest.raises(TargetsError, match="has no indicator 'brands'"):
        score_plan(tiny_plan, "guizhou_2017",
                   actuals=actuals([["2019-06-30", "brands", "1"]]))


def test_summary_lists_every_indicator_with_its_status(tiny_plan):
    """summary() has a line per indicator and the status counts."""
    card = score_plan(tiny_plan, "guizhou_2017")
    text = card.summary()
    assert text.count("\n[") == len(card.table)
    assert ("规划达标 designed to meet: 4, 规划未达 designed short: 1, "
            "待填报 awaiting data: 5") in text


def test_score_command_writes_csv_and_prints_summary(tiny_plan, tmp_path):
    """`score` prints the scorecard and writes the table to --out."""
    from click.testing import CliRunner

    from ruralnet.cli.targets import score

    plan_path = tmp_path / "plan.json"
    plan_path.write_text(json.dumps(tiny_plan, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "card.csv"
    result = CliRunner().invoke(score, [str(plan_path), "--system", "guizhou_2017",
                                        "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "logistics_village_coverage" in result.output
    written = pd.read_csv(out)
    written = written.set_index("id")
    assert written.loc["village_station_coverage", "status"] == "designed to meet"
    assert written.loc["village_station_coverage", "value_text"] == "50.0%"
    assert written.loc["village_station_coverage", "scope"] == (
        "参照 borrowed: this system does not apply to 示例县")


def test_score_command_reports_errors_without_traceback(tiny_plan, tmp_path):
    """A bad system name exits non-zero with the bilingual message, no traceback."""
    from click.testing import CliRunner

    from ruralnet.cli.targets import score

    plan_path = tmp_path / "plan.json"
    plan_path.write_text(json.dumps(tiny_plan), encoding="utf-8")
    result = CliRunner().invoke(score, [str(plan_path), "--system", "nowhere"])
    assert result.exit_code == 1
    assert "未知的指标体系 'nowhere'" in result.output
    assert "Traceback" not in result.output


villages_strategy = st.lists(
    st.tuples(st.sampled_from(["village", "community", "other"]), st.booleans(), st.booleans()),
    min_size=0, max_size=12)


@settings(max_examples=60, deadline=None)
@given(villages_strategy)
def test_station_coverage_stays_between_0_and_100_and_matches_a_count(rows):
    """Coverage is a percentage of administrative villages hosting a station."""
    villages = [{"id": f"v{i}", "name": f"v{i}", "township_id": "t1", "kind": kind, "poor": poor}
                for i, (kind, poor, _) in enumerate(rows)]
    sites = [{"id": f"s{i}", "kind": "village_station", "township_id": "t1",
              "village_id": f"v{i}"} for i, (_, _, station) in enumerate(rows) if station]
    plan = {"county": {}, "villages": villages, "townships": [{"id": "t1", "name": "t"}],
            "sites": sites, "routes": [], "coverage": {}}
    got = plan_metrics(plan)["village_station_coverage"].value
    admin = [r for r in rows if r[0] == "village"]
    if not admin:
        assert got is None
    else:
        assert 0.0 <= got <= 100.0
        assert got == pytest.approx(100.0 * sum(r[2] for r in admin) / len(admin))


def test_complaints_within_the_limit_before_the_deadline_say_so_far(tiny_plan):
    """Four complaints by mid-2019 meet ≤ 10 so far, and the evidence says the limit still runs."""
    card = score_plan(tiny_plan, "yunnan_2018",
                      actuals=actuals([["2019-06-30", "disclosure_complaints", "4"]]))
    got = row_of(card, "disclosure_complaints")
    assert (got["status"], got["margin"]) == ("met", 6.0)
    assert "so far — the limit holds until 2019-12-31" in got["evidence"]


def test_score_command_refuses_a_broken_plan_file(tmp_path):
    """A plan file that is not JSON is refused with its line."""
    from click.testing import CliRunner

    from ruralnet.cli.targets import score

    plan_path = tmp_path / "plan.json"
    plan_path.write_text('{"county": {\n  "name": }', encoding="utf-8")
    result = CliRunner().invoke(score, [str(plan_path)])
    assert result.exit_code == 1
    assert "is not valid JSON (line 2)" in result.output


def test_scorecard_docstring_examples_run():
    """The Examples blocks of ruralnet.programme.scorecard pass as doctests."""
    import doctest

    import ruralnet.programme.scorecard

    result = doctest.testmod(ruralnet.programme.scorecard, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_score_command_takes_actuals_and_inputs(tiny_plan, tmp_path):
    """`score --actuals --input` scores entered growth against the given national average."""
    from click.testing import CliRunner

    from ruralnet.cli.targets import score

    plan_path = tmp_path / "plan.json"
    plan_path.write_text(json.dumps(tiny_plan), encoding="utf-8")
    actuals_path = tmp_path / "actuals.csv"
    actuals_path.write_text("date,indicator,value\n2019-12-31,rural_online_retail_growth,15\n",
                            encoding="utf-8")
    args = [str(plan_path), "--system", "yunnan_2018", "--actuals", str(actuals_path)]
    result = CliRunner().invoke(score, [*args, "--input",
                                        "national_rural_online_retail_growth=12.5"])
    assert result.exit_code == 0, result.output
    assert "[已达标 met] 示范县县域农村网络零售额同比增长" in result.output
    bad = CliRunner().invoke(score, [*args, "--input", "national_rural_online_retail_growth"])
    assert bad.exit_code == 2
    assert "expected NAME=NUMBER" in bad.output


def test_atomic_path_leaves_nothing_behind_when_writing_fails(tmp_path):
    """A failed write keeps the old file and removes the temporary one."""
    from ruralnet.cli.targets import atomic_path

    target = tmp_path / "card.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError("disk full")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["card.csv"]
    with atomic_path(target) as tmp:
        tmp.write_text("new", encoding="utf-8")
    assert target.read_text(encoding="utf-8") == "new"
    assert target.stat().st_mode & 0o777 == 0o644


def test_an_entered_actual_takes_precedence_over_the_plan_value_and_both_are_shown(tiny_plan):
    """An official's entered 40 % station coverage overrides the design's 50 %, both in the row."""
    rows = actuals([["2019-06-30", "village_station_coverage", "40"]])
    got = row_of(score_plan(tiny_plan, "guizhou_2017", actuals=rows), "village_station_coverage")
    assert (got["value"], got["plan_value"], got["actual_value"]) == (40.0, 50.0, 40.0)
    assert (got["status"], got["status_zh"]) == ("at risk", "有风险")
    assert got["evidence"].startswith("entered 2019-06-30: 40 (1 rows) — takes precedence")
    assert "plan: 2/4 (50.0%) 行政村 host a village_station" in got["evidence"]


def test_a_stretch_target_not_reached_does_not_fail_the_system(tiny_plan):
    """贵州 2017 力争 3000 trainees: 2500 at the deadline is stretch not reached, not "not met"."""
    card = score_plan(tiny_plan, "guizhou_2017",
                      actuals=actuals([["2019-12-31", "trainees", "2500"]]))
    got = row_of(card, "trainees")
    assert (got["status"], got["status_zh"], got["level"]) == (
        "stretch not reached", "力争目标未达", "stretch")
    assert "not met" not in card.verdict()
    assert card.verdict()["stretch not reached"] == 1


def test_a_placeholder_service_centre_is_proposed_not_met(tiny_plan):
    """The planner's zero-cost centre at the seat reads 拟建 proposed; an entered 1 reads met."""
    plan = copy.deepcopy(tiny_plan)
    plan["sites"].append({"id": "C1", "kind": "county_service_centre", "township_id": None,
                          "village_id": None, "fixed_cost_yuan": 0.0,
                          "note": "proposed at the county seat; funded and costed outside "
                                  "logistics"})
    got = row_of(score_plan(plan, "anxi_2018"), "county_service_centre")
    assert (got["status"], got["status_zh"], got["value"]) == ("proposed", "拟建", 1.0)
    built = score_plan(plan, "anxi_2018",
                       actuals=actuals([["2019-06-30", "county_service_centre", "1"]]))
    assert row_of(built, "county_service_centre")["status"] == "met"


def test_village_points_count_stations_in_administrative_villages_only(tiny_plan):
    """A station in 戊社区 is named in the evidence and not counted toward 村级服务点."""
    plan = copy.deepcopy(tiny_plan)
    plan["sites"].append({"id": "S5", "kind": "village_station", "township_id": "t2",
                          "village_id": "v5"})
    got = row_of(score_plan(plan, "anxi_2018"), "village_points")
    assert got["value"] == 2.0
    assert got["evidence"].startswith("2 village_station sites in 行政村; not counted: 1 in 社区")


def test_verdict_lines_give_one_line_per_target_group(tiny_plan):
    """灌云's rows fall in two groups (2020 and 2021 deadlines), one verdict line each."""
    lines = score_plan(tiny_plan, "guanyun_2020").verdict_lines()
    assert lines[0] == "参照 borrowed: this system does not apply to 示例县"
    assert lines[1].startswith("guanyun_2020 目标 targets due 2020-12-31: ")
    assert lines[2].startswith("guanyun_2020 目标 targets due 2021-12-31: ")
    assert len(lines) == 3


# ------------------------------------------------- the 安溪 and 灌云 default plans (slow)


@pytest.fixture(scope="session")
def anxi_default_plan(anxi_plan):
    """`ruralnet plan --county 安溪` as a plan dict (conftest's anxi_plan, planned once)."""
    return anxi_plan.data


@pytest.fixture(scope="session")
def guanyun_default_plan():
    """`ruralnet plan --county 灌云` as a plan dict (planned once per session)."""
    import ruralnet

    return ruralnet.plan_county(ruralnet.load_county("灌云")).data


@pytest.mark.slow
def test_anxi_default_plan_figures_by_hand(anxi_default_plan):
    """安溪: daily-served 行政村 recomputed from plan.json by hand; stations all in 行政村."""
    from ruralnet.plan.figures import plan_figures

    d = anxi_default_plan
    f = plan_figures(d)
    assert (f.villages_total, f.communities_total, f.other_total) == (443, 45, 4)
    admin = {v["id"] for v in d["villages"] if v["kind"] == "village"}
    stops = {s["village_id"] for r in d["routes"] for s in r["stops"] if s.get("village_id")}
    served_sites = {s["site_id"] for r in d["routes"] for s in r["stops"] if s.get("site_id")}
    hosts = {s["village_id"] for s in d["sites"] if s.get("village_id") and s["id"] in served_sites}
    by_hand = len(admin & (stops | hosts))
    assert f.count("daily_by_stop") == d["coverage"]["villages_daily"] == len(admin & stops)
    assert f.format("daily_served") == f"{by_hand}/443 ({by_hand / 443:.1%})"
    assert by_hand / 443 >= 0.8  # the design card's ≥ 80 % of 行政村 daily
    assert f.count("daily_served") + f.count("passed_not_stopped") + f.count("not_served") == 443
    n_st = sum(s["kind"] == "village_station" for s in d["sites"])
    assert n_st >= 237 and f.format("station_hosting") == f"{n_st}/443 ({n_st / 443:.1%})"
    assert f.stations_by_village_kind == {"village": n_st, "community": 0, "other": 0, "none": 0}
    assert f.format("townships_daily") == "24/24 (100.0%)"


@pytest.mark.slow
def test_anxi_default_plan_scorecard_by_hand(anxi_default_plan):
    """安溪 2018: 237 村级服务点 in 行政村 designed to meet, centre proposed, 配送到村组 short."""
    card = score_plan(anxi_default_plan)
    assert (card.system_id, card.scope) == ("anxi_2018", "")
    points = row_of(card, "village_points")
    assert (points["status"], points["value"]) == ("designed to meet", 237.0)
    assert points["evidence"].startswith("237 village_station sites in 行政村 [synthetic")
    coverage = row_of(card, "village_station_coverage")
    assert (coverage["value_text"], coverage["status_zh"]) == ("53.5%", "规划达标")
    assert coverage["value"] == pytest.approx(100 * 237 / 443)
    assert row_of(card, "county_service_centre")["status"] == "proposed"
    villages = row_of(card, "delivery_to_villages")
    share = plan_figures(anxi_default_plan).share("daily_served")
    assert (villages["status"], villages["status_zh"], villages["value_text"]) == (
        "stretch not reached", "基本实现目标未达", f"{share:.1f}%")
    assert card.verdict() == {"designed": 5, "proposed": 1, "stretch reached": 1,
                              "stretch not reached": 1, "awaiting data": 5}


@pytest.mark.slow
def test_anxi_default_plan_on_another_countys_system_is_borrowed(anxi_default_plan):
    """Scored on 灌云 2020 the 安溪 plan says 参照 borrowed and is short of 灌云's 100 % rows."""
    card = score_plan(anxi_default_plan, "guanyun_2020")
    assert card.scope == "参照 borrowed: this system does not apply to 安溪县"
    assert card.verdict()["designed short"] == 3
    daily = row_of(card, "same_day_village_delivery")
    share = plan_figures(anxi_default_plan).share("daily_served")
    assert daily["value_text"] == f"{share:.1f}%"
    assert daily["margin"] == pytest.approx(share - 100)


@pytest.mark.slow
def test_plan_command_ends_with_figures_verdicts_and_a_weakened_target_warning(
        guanyun_default_plan, capsys):
    """`ruralnet plan` for 灌云 prints the figures, a verdict per deadline, and warns at 0.8."""
    from ruralnet.cli.main import echo_verdicts
    from ruralnet.plan.build import PlanParams
    from ruralnet.plan.document import Plan

    echo_verdicts(Plan(guanyun_default_plan), "guanyun_2020", PlanParams(coverage_target=0.8),
                  {"coverage_target"})
    out, err = capsys.readouterr()
    assert "每日配送行政村 daily-served administrative villages: " in out
    assert "目标 targets: guanyun_2020 目标 targets due 2020-12-31: " in out
    assert "目标 targets: guanyun_2020 目标 targets due 2021-12-31: " in out
    assert "the scenario sets coverage_target = 0.8, weaker than guanyun_2020 asks (1.0)" in err


@pytest.mark.slow
def test_guanyun_default_plan_meets_its_own_100_percent_rows_by_design(guanyun_default_plan):
    """灌云: 302/302 行政村 same day and on the routes, 17/17 towns; weak villages lack data."""
    from ruralnet.plan.figures import plan_figures

    f = plan_figures(guanyun_default_plan)
    assert f.format("daily_served") == "302/302 (100.0%)"
    assert f.format("townships_daily") == "17/17 (100.0%)"
    assert f.format("station_hosting") == "151/302 (50.0%)"
    assert (f.count("passed_not_stopped"), f.count("not_served")) == (0, 0)
    card = score_plan(guanyun_default_plan)
    assert (card.system_id, card.scope) == ("guanyun_2020", "")
    for ind_id in ("same_day_village_delivery", "logistics_village_coverage",
                   "logistics_routes_village_2020", "logistics_routes_township_2020"):
        assert row_of(card, ind_id)[["status", "value_text"]].tolist() == [
            "designed to meet", "100.0%"]
    weak = row_of(card, "weak_village_service_coverage")
    assert weak["status"] == "awaiting data" and "无贫困村数据 no poor-village data" in weak[
        "evidence"]
    assert card.verdict_lines() == [
        "guanyun_2020 目标 targets due 2020-12-31: 3 designed, 1 proposed, 5 awaiting data",
        "guanyun_2020 目标 targets due 2021-12-31: 3 designed, 11 awaiting data"]

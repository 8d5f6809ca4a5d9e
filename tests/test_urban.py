"""Urban districts: classification from the admin table, their plans, scorecards and outputs."""

from __future__ import annotations

import json

import pytest

import ruralnet
from ruralnet.geo.admin import counties_table
from ruralnet.geo.urban import classify, county_status, rural_part, urban_status
from ruralnet.plan.document import validate_plan
from ruralnet.programme.scorecard import score_plan


def test_downtown_beijing_and_shanghai_districts_with_no_village_are_urban():
    """东城区 (北京) and 黄浦区 (上海): only 社区 and 街道 in NBS 2023, so urban, no 行政村."""
    for code, n_comm, n_sub in (("110101", 169, 17), ("310101", 170, 10)):
        s = urban_status(code)
        assert s.urban
        assert (s.village_committees, s.communities, s.subdistricts) == (0, n_comm, n_sub)
        zh, en = s.reason()
        assert zh.startswith("城区") and "快递" in zh and f"社区 {n_comm} 个" in zh
        assert "city's couriers" in en and "no rural route" in en


def test_pudong_is_urban_with_its_villages_and_rural_counties_stay_rural():
    """浦东新区: 1,165 社区, 355 行政村, 12 街道 → urban; 安溪 and 昆山市 (no 街道) are rural."""
    s = urban_status("浦东新区")
    assert s.urban and s.village_committees == 355 and s.communities == 1165
    assert s.subdistricts == 12 and s.towns == 24
    assert "355 个行政村" in s.reason()[0]
    assert not urban_status("安溪").urban
    kunshan = urban_status("320583")
    assert kunshan.communities > kunshan.village_committees and not kunshan.urban
    assert kunshan.reason()[0].startswith("按农村县规划")


def test_rule_thresholds_and_the_no_village_case():
    """Half 社区 and one 街道 make it urban; no 行政村 at all is urban without a 街道."""
    base = dict(other_units=0, towns=3, townships=0, other_townships=0)
    assert classify("x", "a", village_committees=50, communities=50, subdistricts=1, **base).urban
    assert not classify("x", "a", village_committees=51, communities=49, subdistricts=5,
                        **base).urban
    assert not classify("x", "a", village_committees=10, communities=90, subdistricts=0,
                        **base).urban
    assert classify("x", "a", village_committees=0, communities=9, subdistricts=0, **base).urban
    empty = classify("x", "a", village_committees=0, communities=0, subdistricts=0, **base)
    assert not empty.urban and empty.community_share == 0.0


def test_the_rule_over_the_whole_table_picks_mostly_districts():
    """Embedded table: 454 of 2,859 divisions urban, 428 of them 区; every all-社区 one is urban."""
    t = counties_table()
    t = t[t["kind"] != "zone"]
    towns = townships_of_all()
    urban = {}
    for r in t.itertuples():
        k = towns.get(r.code, {})
        urban[r.code] = classify(
            r.code, r.name, village_committees=int(r.village_committees),
            communities=int(r.communities), other_units=int(r.other_village_units),
            subdistricts=k.get("subdistrict", 0), towns=k.get("town", 0),
            townships=k.get("township", 0), other_townships=k.get("other", 0)).urban
    t = t.assign(urban=t["code"].map(urban))
    assert (len(t), int(t["urban"].sum())) == (2859, 454)
    assert int((t["urban"] & (t["kind"] == "district")).sum()) == 428
    only_communities = (t["village_committees"] == "0") & (t["other_village_units"] == "0") & (
        t["communities"] != "0")
    assert t.loc[only_communities, "urban"].all()
    assert urban_status("659004").urban is False  # 五家渠市: 27 兵团 连队 beside 25 社区


def townships_of_all() -> dict[str, dict[str, int]]:
    """Township-level units by county code and NBS kind (the embedded table)."""
    from ruralnet.geo.admin import townships_of

    t = counties_table()
    return {c: townships_of(c)["kind"].value_counts().to_dict() for c in t["code"]}


def test_rural_part_keeps_only_administrative_villages_and_their_townships():
    """浦东新区: the rural part has the 355 行政村 and only township-level units hosting them."""
    county = ruralnet.load_county("310115")
    assert county_status(county).urban
    part = rural_part(county)
    assert len(part.villages) == 355 and set(part.villages["kind"]) == {"village"}
    assert set(part.townships["township_id"]) == set(part.villages["township_id"])
    assert part.townships["n_villages"].sum() == 355
    counts = part.provenance["positions"].counts
    assert sum(counts["villages"].values()) == 355
    assert sum(counts["township_seats"].values()) == len(part.townships)
    assert sum(part.provenance["demand"].counts["villages"].values()) == 355


def test_district_with_no_village_gets_a_valid_plan_without_routes():
    """东城区: a valid plan with no site or route, coverage 0/0, the urban reason everywhere."""
    plan = ruralnet.plan_county("东城区")
    d = plan.data
    assert validate_plan(plan) == []
    assert d["routes"] == [] and d["sites"] == [] and d["villages"] == []
    assert d["costs"]["total_per_day"] == 0
    assert d["urban"]["urban"] and d["urban"]["communities"] == 169
    assert d["notes"][0].startswith("城区")
    assert not plan.synthetic  # nothing synthetic is used: no position, no road
    card = score_plan(d, None)
    assert card.notes[0].startswith("城区") and "快递" in card.notes[0]
    json.dumps(d, ensure_ascii=False)  # plan.json can be written


@pytest.mark.slow
def test_pudong_plans_its_villages_only_and_says_it_is_urban():
    """浦东新区 plans on the normal network over its 355 行政村; the plan is marked urban."""
    plan = ruralnet.plan_county("浦东新区")
    d = plan.data
    assert validate_plan(plan) == []
    assert {v["kind"] for v in d["villages"]} == {"village"} and len(d["villages"]) == 355
    assert d["coverage"]["villages_total"] == 355 and d["coverage"]["village_share"] >= 0.8
    assert d["routes"] and d["urban"]["urban"] and d["urban"]["village_committees"] == 355
    assert any(n.startswith("城区") for n in d["notes"])


@pytest.mark.slow
def test_cli_plans_a_district_with_no_village_and_exits_0(tmp_path):
    """`ruralnet plan --county 黄浦区`: exit 0, every output written, the report says urban."""
    from click.testing import CliRunner

    from ruralnet.cli.main import main

    out = tmp_path / "huangpu"
    r = CliRunner().invoke(main, ["plan", "--county", "黄浦区", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "城区" in r.output and "快递" in r.output
    d = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert d["urban"]["urban"] and d["routes"] == [] and validate_plan(d) == []
    assert "城区" in (out / "report.html").read_text(encoding="utf-8")
    assert (out / "plan.gpkg").exists() and (out / "map.html").exists()

"""Tests of the money side: cost per parcel, 共同配送 vs carriers alone, investment, parity."""

from __future__ import annotations

import copy
import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ruralnet.economics.analysis import parity_rows
from ruralnet.economics.carriers import CarrierShare, compare_carriers, read_carriers
from ruralnet.economics.options import EconomicsOptions
from ruralnet.economics.sharing import proportional_shares, shapley_shares
from ruralnet.exceptions import InputFileError, ParameterError
from ruralnet.plan.build import PlanParams
from ruralnet.plan.document import Plan
from ruralnet.plan.economics_checks import check_economics
from ruralnet.plan.investment import UnitCosts, check_against_budget, plan_investment
from ruralnet.plan.parcel_costs import allocate_parcel_costs
from ruralnet.routing import Client, Depot, RoutingProblem, VehicleType, solve_routes


def _stop(ref, km, down=0.0, up=0.0, site=False):
    return {("site_id" if site else "village_id"): ref, "km_from_prev": km,
            "deliver_kg": down, "pickup_kg": up}


@pytest.fixture
def two_tier_doc():
    """W → S (trunk, 120 yuan) and S → A → B → S (feeder, 60 yuan); sites W 100, S 20, VS@A 10.

    Parcels: A 10 down / 0 up, B 30 down / 10 up (kg = parcels).
    """
    return {
        "villages": [{"id": "A", "township_id": "T", "parcels_down": 10, "parcels_up": 0},
                     {"id": "B", "township_id": "T", "parcels_down": 30, "parcels_up": 10}],
        "townships": [{"id": "T"}],
        "sites": [{"id": "W", "kind": "county_warehouse", "fixed_cost_yuan": 100.0},
                  {"id": "S", "kind": "township_station", "township_id": "T",
                   "fixed_cost_yuan": 20.0},
                  {"id": "VS", "kind": "village_station", "village_id": "A",
                   "township_id": "T", "fixed_cost_yuan": 10.0},
                  {"id": "C1", "kind": "county_service_centre", "fixed_cost_yuan": 0.0}],
        "routes": [
            {"id": "t", "tier": "trunk", "cost": 120.0, "depot_site_id": "W", "distance_km": 20,
             "stops": [_stop("W", 0, site=True), _stop("S", 10, 40, 10, site=True),
                       _stop("W", 10, site=True)]},
            {"id": "f", "tier": "feeder", "cost": 60.0, "depot_site_id": "S", "distance_km": 6,
             "stops": [_stop("S", 0, site=True), _stop("A", 2, 10), _stop("B", 2, 30, 10),
                       _stop("S", 2, site=True)]}],
        "costs": {"total_per_day": 310.0, "vehicles": {"4.2米厢式轻卡 light truck": 1,
                                                       "面包车 van": 1}},
    }


def test_parcel_costs_follow_the_leg_load_rule_by_hand(two_tier_doc):
    """Every yuan is allocated; the hand-computed down/up shares come out."""
    c = allocate_parcel_costs(two_tier_doc)
    # trunk: leg 1 carries 40 down → 60 down; leg 2 carries 10 up → 60 up.
    assert c.by_tier["trunk"]["down_yuan"] == pytest.approx(60.0)
    assert c.by_tier["trunk"]["up_yuan"] == pytest.approx(60.0)
    # feeder: leg S→A (20 yuan) 10+30 down → A 5, B 15; leg A→B (20) B 30 down → B 20;
    # leg B→S (20) B 10 up → B up 20.
    assert c.route_down_yuan["A"] == pytest.approx(5 + 60 * 10 / 40)
    assert c.route_down_yuan["B"] == pytest.approx(15 + 20 + 60 * 30 / 40)
    assert c.route_up_yuan["B"] == pytest.approx(20 + 60)
    # sites: W 100 over 50 parcels; S 20 over the same; VS 10 on A alone
    assert c.by_tier["sites"]["down_yuan"] == pytest.approx(120 * 40 / 50 + 10)
    assert c.total_yuan == pytest.approx(310.0)
    assert c.down_per_parcel == pytest.approx((60 + 40 + 96 + 10) / 40)
    assert c.up_per_parcel == pytest.approx((60 + 20 + 24) / 10)
    assert c.by_township["T"]["parcels_down"] == 40


def test_validate_catches_a_tampered_parcel_cost(two_tier_doc):
    """check_economics recomputes the section and names what disagrees."""
    doc = copy.deepcopy(two_tier_doc)
    doc["economics"] = {"parcel_costs": allocate_parcel_costs(doc).to_dict(),
                        "investment": plan_investment(doc)}
    assert check_economics(doc) == []
    doc["economics"]["parcel_costs"]["down_per_parcel"] += 1
    doc["economics"]["investment"]["capital_wan"] += 5
    problems = check_economics(doc)
    assert any("down_per_parcel" in p for p in problems)
    assert any("investment" in p for p in problems)


def test_investment_counts_sites_and_vehicles_by_fund_category(two_tier_doc):
    """1 warehouse 200 + 1 station 15 + trucks 12 + van 6 = 233 logistics; 1 station 1.5."""
    inv = plan_investment(two_tier_doc)
    assert inv["by_category_wan"] == {"logistics": 233.0, "service_stations": 1.5}
    assert inv["capital_wan"] == 234.5
    assert inv["operating_per_year_wan"] == round(310 * 365 / 1e4, 2)
    assert inv["source"].startswith("ASSUMED")
    cheaper = plan_investment(two_tier_doc, UnitCosts(warehouse_wan=100, source="quotes"))
    assert cheaper["by_category_wan"]["logistics"] == 133.0


def test_a_budget_moved_between_lines_is_flagged_by_category():
    """Moving 450 万 out of logistics makes the plan's logistics spend not fit."""
    inv = {"by_category_wan": {"logistics": 233.0, "service_stations": 355.5}}
    ok = check_against_budget(inv, {"logistics": 450, "service_stations": 350})
    assert [(r["category"], r["fits"]) for r in ok] == [("logistics", True),
                                                        ("service_stations", False)]
    moved = check_against_budget(inv, {"logistics": 0, "service_stations": 800})
    assert moved[0]["fits"] is False and moved[0]["gap_wan"] == -233.0


def test_cost_parity_rows_give_the_gap():
    """A cost above the reference is not at parity; the gap is signed."""
    rows = parity_rows({"down_per_parcel": 2.0, "up_per_parcel": None}, 2.5)
    assert rows[0]["gap_yuan"] == -0.5 and rows[0]["at_parity"] is True
    assert rows[1]["at_parity"] is None


@given(st.lists(st.floats(1, 1e4), min_size=1, max_size=6), st.floats(0.3, 1.0))
def test_proportional_shares_add_up_and_no_carrier_pays_more_than_alone(alone, ratio):
    """Shares sum to the pooled cost; with a saving each share ≤ standalone cost."""
    standalone = {f"c{i}": v for i, v in enumerate(alone)}
    pooled = ratio * sum(alone)
    shares = proportional_shares(pooled, standalone)
    assert math.isclose(sum(shares.values()), pooled, rel_tol=1e-9)
    assert all(shares[k] <= standalone[k] + 1e-9 for k in standalone)


def test_shapley_of_a_three_carrier_game_is_efficient_and_symmetric():
    """Symmetric carriers pay the same; the shares add up to the grand coalition."""
    cost = lambda s: 100 + 10 * len(list(s))  # noqa: E731
    shares = shapley_shares(["a", "b", "c"], cost)
    assert shares == pytest.approx({"a": 130 / 3, "b": 130 / 3, "c": 130 / 3})
    with pytest.raises(ParameterError, match="at most 4"):
        shapley_shares(list("abcde"), cost)


def _line_planner(county, params, *, network, sites, seed):
    """Route the county's villages on a line (10 and 20 km from the depot), for real."""
    v = county.villages
    xs = [10_000 * (i + 1) for i in range(len(v))]
    pts = [0] + xs
    dist = np.abs(np.subtract.outer(pts, pts)).astype(np.int64)
    problem = RoutingProblem(
        depots=(Depot(),),
        clients=tuple(Client(delivery_kg=float(d), pickup_kg=float(u), service_s=0)
                      for d, u in zip(v["parcels_down"], v["parcels_up"], strict=True)),
        vehicle_types=(VehicleType(num_available=4, capacity_kg=1000, fixed_cost=100,
                                   cost_per_km=1.0),),
        distance_m=dist, duration_s=dist // 10)
    res = solve_routes(problem, seed=seed)
    return Plan({"costs": {"total_per_day": res.cost, "vehicles": {"van": len(res.routes)}},
                 "routes": [{"distance_km": r.distance_m / 1000} for r in res.routes]})


def test_two_carriers_on_a_line_save_one_vehicle_by_pooling(tiny_county):
    """Alone each carrier runs 100 + 40 km = 140 yuan; pooled 140: saving 140 (50 %)."""
    v = tiny_county.villages
    two = dataclasses.replace(tiny_county, villages=v.loc[v.index.repeat(2)].reset_index(
        drop=True).assign(village_id=["V1", "V2"]))
    comp = compare_carriers(two, PlanParams(), [CarrierShare("邮政", 0.6),
                                                CarrierShare("中通", 0.4)],
                            source="test", planner=_line_planner)
    assert comp.alone["邮政"]["cost_per_day"] == pytest.approx(140)
    assert comp.pooled["cost_per_day"] == pytest.approx(140)
    assert comp.saving_per_day == pytest.approx(140)
    d = comp.to_dict()
    assert d["saving_share"] == 0.5
    assert d["sharing"]["proportional"] == {"邮政": 70.0, "中通": 70.0}
    assert d["sharing"]["shapley"] == {"邮政": 70.0, "中通": 70.0}


def test_carriers_table_is_read_and_bad_shares_are_refused(tmp_path):
    """Percentages are accepted; a share that is not a number names the line."""
    good = tmp_path / "c.csv"
    good.write_text("快递公司,份额\n邮政,60%\n中通,40%\n", encoding="utf-8")
    carriers, source = read_carriers(good)
    assert [(c.name, c.share) for c in carriers] == [("邮政", 0.6), ("中通", 0.4)]
    bad = tmp_path / "bad.csv"
    bad.write_text("carrier,share\n邮政,lots\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="line 2"):
        read_carriers(bad)
    short = tmp_path / "short.csv"
    short.write_text("carrier,share\n邮政,0.5\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="add up to 0.5"):
        read_carriers(short)


def test_shipped_guanyun_carriers_example_is_labelled_illustrative():
    """The example table reads, and says it is not 灌云 data."""
    path = Path(__file__).parent.parent / "data" / "examples" / "guanyun_carriers.csv"
    carriers, _ = read_carriers(path)
    assert math.isclose(sum(c.share for c in carriers), 1.0)
    assert "ILLUSTRATIVE" in path.read_text(encoding="utf-8")


def test_economics_options_refuse_unknown_keys_and_bad_prices():
    """A typo in [economics] and a negative price are clear errors."""
    with pytest.raises(InputFileError, match="carrier_file"):
        EconomicsOptions.from_table({"carrier_file": "x.csv"})
    with pytest.raises(ParameterError, match="positive price"):
        EconomicsOptions(reference_price_yuan=-1)


@pytest.mark.slow
def test_plan_with_carriers_writes_an_economics_section_that_validates(tmp_path):
    """`ruralnet plan --carriers ... --reference-price ...` end to end on 双柏."""
    import json

    from click.testing import CliRunner

    from ruralnet.cli import main
    from ruralnet.plan.document import validate_plan

    carriers = tmp_path / "carriers.csv"
    carriers.write_text("carrier,share\n邮政,0.6\n中通,0.4\n", encoding="utf-8")
    out = tmp_path / "sb"
    r = CliRunner().invoke(main, ["plan", "--county", "双柏", "--carriers", str(carriers),
                                  "--reference-price", "3", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "共同配送 pooled" in r.output and "每件成本 cost per parcel" in r.output
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    econ = doc["economics"]
    assert validate_plan(doc) == []
    car = econ["carriers"]
    assert car["saving_per_day"] >= 0
    assert sum(car["sharing"]["proportional"].values()) == pytest.approx(
        car["pooled"]["cost_per_day"], abs=0.05)
    assert set(car["sharing"]) == {"proportional", "shapley"}
    assert all(car["sharing"]["proportional"][k] <= car["alone"][k]["cost_per_day"] + 0.01
               for k in car["alone"])
    assert [p["direction"] for p in econ["parity"]] == ["down", "up"]
    assert econ["investment"]["capital_wan"] == pytest.approx(
        sum(ln["amount_wan"] for ln in econ["investment"]["lines"]))


def test_plan_capital_is_checked_against_anxi_fund_table_lines():
    """237 village stations at 1.5 万 = 355.5 万 exceed 安溪's 350 万 服务站体系 line."""
    from ruralnet.programme.plan_spend import plan_against_fund_table
    from ruralnet.programme.targets import load_system

    inv = {"by_category_wan": {"logistics": 376.0, "service_stations": 237 * 1.5}}
    rows = {r["category"]: r for r in plan_against_fund_table(inv, load_system("anxi_2018"))}
    stations = rows["service_stations"]
    assert stations["budget_wan"] == 350 and stations["fits"] is False
    assert rows["service_stations"]["gap_wan"] == -5.5
    assert rows["logistics"]["fits"] is True
    assert "物流" in rows["logistics"]["lines"][0]["line_item"]
    assert "安政综〔2018〕30号" in rows["logistics"]["citation"]


def test_budget_command_checks_a_plan_against_its_fund_table(tmp_path, two_tier_doc):
    """`ruralnet budget --system 安溪2018 --plan plan.json` names the lines; exit 1 when over."""
    import json

    from click.testing import CliRunner

    from ruralnet.cli import main

    doc = dict(two_tier_doc, economics={"investment": plan_investment(two_tier_doc)})
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc | {"schema_version": "1.0"}, ensure_ascii=False),
                    encoding="utf-8")
    r = CliRunner().invoke(main, ["budget", "--system", "安溪2018", "--plan", str(path)])
    assert r.exit_code == 0, r.output  # 233 万 logistics ≤ 450, 1.5 万 stations ≤ 350
    assert "logistics: 计划 planned 233.0 / 450.0 万元" in r.output and "fits" in r.output
    doc["economics"]["investment"]["by_category_wan"]["logistics"] = 500.0
    path.write_text(json.dumps(doc | {"schema_version": "1.0"}, ensure_ascii=False),
                    encoding="utf-8")
    r = CliRunner().invoke(main, ["budget", "--system", "安溪2018", "--plan", str(path)])
    assert r.exit_code == 1 and "超出 over" in r.output
    r = CliRunner().invoke(main, ["budget", "--system", "安溪2018"])
    assert r.exit_code == 2 and "BUDGET_CSV" in r.output

"""Hand-checked tiny fixtures shared by the plan, map, report and export tests.

The plan: trunk W → S1 (13 km, 13 min at 60 km/h) → W leaving 07:00 (420), at S1 at
433, unloading 10 min, back at 456; feeder leaves S1 at 433 + 30 handling = 463:
S1 → V1 (2.6 km, 6 min) → V2 (2.9 km, 7 min) → S1 (3.9 km, 9 min). Loads: leaves with
30 + 30 = 60 kg; V1 delivers 30 and picks up 9 → 39; V2 → 18. V1 is poor and hosts
station VS1; C1 (a community) is not served daily.
"""

import geopandas as gpd
from shapely.geometry import Point, box

from ruralnet.geo.county import County, LayerProvenance

HOSTILE = "<script>alert(1)</script>"
HOSTILE_IMG = "<img src=x onerror=alert(2)>"


def _stop(ref, kind, km, tmin, arrive, depart, deliver, pickup, load):
    key = "site_id" if kind == "site" else "village_id"
    return {key: ref, "km_from_prev": km, "travel_min_from_prev": tmin, "arrive_min": arrive,
            "depart_min": depart, "deliver_kg": deliver, "pickup_kg": pickup,
            "load_after_kg": load}


def tiny_plan_dict():
    """The hand-checked tiny plan document (see the module docstring)."""
    return {
        "schema_version": "1.0",
        "county": {"name": "测试县", "code": "999999", "province": "测试省"},
        "provenance": {
            "geography": {"source": "synthetic", "description": "hand-made"},
            "network": {"source": "synthetic", "description": "hand-made"},
            "demand": {"source": "synthetic", "description": "30 parcels"},
            "synthetic_layers": ["geography", "network", "demand"],
        },
        "parameters": {"day_start_min": 420, "day_end_min": 1080, "handling_min": 30,
                       "coverage_target": 0.8, "mode": "two_tier", "seed": 0},
        "townships": [{"id": "T1", "name": "一镇"}],
        "villages": [
            {"id": "V1", "name": "甲村委会", "township_id": "T1", "lon": 118.12, "lat": 25.0,
             "kind": "village", "poor": True},
            {"id": "V2", "name": "乙村委会", "township_id": "T1", "lon": 118.12, "lat": 25.02,
             "kind": "village", "poor": False},
            {"id": "C1", "name": "丙社区居委会", "township_id": "T1", "lon": 118.1, "lat": 25.001,
             "kind": "community", "poor": False},
        ],
        "sites": [
            {"id": "W", "kind": "county_warehouse", "name": "县仓", "lon": 118.0, "lat": 25.0,
             "township_id": None, "village_id": None},
            {"id": "S1", "kind": "township_station", "name": "一镇站", "lon": 118.1, "lat": 25.0,
             "township_id": "T1", "village_id": None},
            {"id": "VS1", "kind": "village_station", "name": "甲村站", "lon": 118.12, "lat": 25.0,
             "township_id": "T1", "village_id": "V1"},
        ],
        "routes": [
            {"id": "trunk-1", "tier": "trunk", "vehicle_type": "light_truck", "capacity_kg": 2000,
             "depot_site_id": "W", "depart_min": 420, "return_min": 456, "distance_km": 26.0,
             "duration_min": 36, "stops": [
                 _stop("W", "site", 0, 0, 420, 420, 0, 0, 60),
                 _stop("S1", "site", 13.0, 13, 433, 443, 60, 18, 18),
                 _stop("W", "site", 13.0, 13, 456, 456, 0, 0, 18)]},
            {"id": "feeder-1", "tier": "feeder", "vehicle_type": "van", "capacity_kg": 800,
             "depot_site_id": "S1", "depart_min": 463, "return_min": 485, "distance_km": 9.4,
             "duration_min": 22, "stops": [
                 _stop("S1", "site", 0, 0, 463, 463, 0, 0, 60),
                 _stop("V1", "village", 2.6, 6, 469, 469, 30, 9, 39),
                 _stop("V2", "village", 2.9, 7, 476, 476, 30, 9, 18),
                 _stop("S1", "site", 3.9, 9, 485, 485, 0, 0, 18)]},
        ],
        "coverage": {"townships_daily": 1, "townships_total": 1, "villages_daily": 2,
                     "villages_total": 2, "village_share": 1.0},
        "costs": {"total_per_day": 500.0},
    }


def make_tiny_county():
    """A one-township county around the tiny plan (box boundary, code 999999)."""
    poly = box(117.95, 24.95, 118.2, 25.05)
    boundary = gpd.GeoDataFrame({"code": ["999999"], "name": ["测试县"]}, geometry=[poly],
                                crs="EPSG:4326")
    towns = gpd.GeoDataFrame(
        {"township_id": ["T1"], "name": ["一镇"], "kind": ["town"], "in_mca_2025": [True],
         "n_villages": [3], "seat_lon": [118.1], "seat_lat": [25.0]},
        geometry=[box(118.05, 24.95, 118.2, 25.05)], crs="EPSG:4326")
    villages = gpd.GeoDataFrame(
        {"village_id": ["V1"], "name": ["甲村委会"], "township_id": ["T1"], "kind": ["village"],
         "poor": [True], "population": [float("nan")], "existing_site": [""],
         "parcels_down": [30.0], "parcels_up": [9.0], "position_source": ["synthetic"]},
        geometry=[Point(118.12, 25.0)], crs="EPSG:4326")
    prov = {"boundary": LayerProvenance("official", "hand-made box"),
            "positions": LayerProvenance("synthetic", "hand-made")}
    return County(code="999999", name="测试县", province="测试省", prefecture="测试市",
                  boundary=boundary, townships=towns, villages=villages, seat_lon=118.0,
                  seat_lat=25.0, provenance=prov)


def tiny_week_dict():
    """The tiny plan with a 7-day week and a multi-day loop, checked by hand.

    Week: V1 daily (days 1–7) by the daily feeder; V2 on 周一、周四 (days 1, 4) by
    feeder routes of those days. Loop M01: a remote station S2 (township T2, village
    V5 on 周二、周五) out on day 1, served days 2 and 5, with its binding figure.
    """
    import copy

    d = tiny_plan_dict()
    d["townships"].append({"id": "T2", "name": "二乡"})
    d["villages"].append({"id": "V5", "name": "己村委会", "township_id": "T2", "lon": 118.18,
                          "lat": 25.04, "kind": "village", "poor": False})
    d["sites"].append({"id": "S2", "kind": "township_station", "name": "二乡站", "lon": 118.17,
                       "lat": 25.04, "township_id": "T2", "village_id": None})
    only_v1 = copy.deepcopy(d["routes"][1])
    only_v1["stops"] = [only_v1["stops"][0], only_v1["stops"][1], only_v1["stops"][3]]
    days = []
    for day in range(1, 8):
        r = copy.deepcopy(d["routes"][1] if day in (1, 4) else only_v1)
        r["id"] = f"D{day}-F01"
        days.append({"day": day, "routes": [r]})
    d["weekly"] = {
        "horizon_days": 7, "min_visits_per_week": 2,
        "patterns": [{"village_id": "V1", "days": list(range(1, 8)), "days_zh": "每日",
                      "visits": 7, "daily": True, "via": "feeder"},
                     {"village_id": "V2", "days": [1, 4], "days_zh": "一四", "visits": 2,
                      "daily": False, "via": "feeder"},
                     {"village_id": "V5", "days": [2, 5], "days_zh": "二五", "visits": 2,
                      "daily": False, "via": "multi_day"}],
        "days": days,
        "coverage": {"villages_total": 3, "villages_daily": 1, "villages_min_visits": 3,
                     "villages_unvisited": 0, "daily_share": 1 / 3, "weekly_share": 1.0}}
    feeder = {"id": "M01-01", "tier": "feeder", "vehicle_type": "van", "capacity_kg": 800,
              "depot_site_id": "S2", "depart_min": 420, "return_min": 440, "distance_km": 4.0,
              "duration_min": 20, "stops": [
                  _stop("S2", "site", 0, 0, 420, 420, 0, 0, 40),
                  _stop("V5", "village", 2.0, 10, 430, 430, 40, 6, 6),
                  _stop("S2", "site", 2.0, 10, 440, 440, 0, 0, 6)]}
    d["multi_day"] = {
        "horizon_days": 7, "feeder_routes": [feeder],
        "loops": [{"id": "M01", "station_site_id": "S2", "warehouse_site_id": "W",
                   "cycle_days": 3, "days_out": 1, "days_back": 1, "service_days": [2, 5],
                   "one_way_min": 500.0, "back_min": 500.0, "shift_min": 660.0,
                   "deliver_kg": 40.0, "pickup_kg": 6.0, "feeder_route_ids": ["M01-01"],
                   "reason": "round_trip_over_shift"}],
        "not_daily": [{"kind": "station", "id": "S2", "reason": "round_trip_over_shift",
                       "zh": "往返1000分钟超过单班660分钟", "en": "round trip 1000 min > 660"},
                      {"kind": "village", "id": "V5", "reason": "station_not_daily",
                       "zh": "所在乡镇中转站非每日", "en": "its station is not daily"}]}
    return d


def tiny_economics_dict():
    """The tiny plan with an ``economics`` section.

    Parcel costs, parity (reference 2.00 元/件), investment and its 安溪 fund-table
    check come from the producers themselves on the tiny plan (30 + 30 parcels
    down, 9 + 9 up, 1 kg each; cost 500 元/日 = trunk 200 + feeder 100 + sites 200);
    the carrier comparison and the sensitivity rows are hand-made in the shape of
    ``CarrierComparison.to_dict`` and ``_sensitivity`` (they need re-planning).
    """
    from ruralnet.economics.analysis import parity_rows
    from ruralnet.plan.investment import plan_investment
    from ruralnet.plan.parcel_costs import allocate_parcel_costs
    from ruralnet.programme.plan_spend import plan_against_fund_table
    from ruralnet.programme.targets import load_system

    d = tiny_plan_dict()
    d["parameters"]["all"] = {"demand": {"kg_per_parcel": 1.0}}
    for v, (down, up) in zip(d["villages"], [(30, 9), (30, 9), (0, 0)], strict=True):
        v.update(parcels_down=down, parcels_up=up)
    d["routes"][0]["cost"], d["routes"][1]["cost"] = 200.0, 100.0
    for s, cost in zip(d["sites"], [150.0, 40.0, 10.0], strict=True):
        s["fixed_cost_yuan"] = cost
    d["costs"]["vehicles"] = {"light_truck": 1, "van": 1}
    pc = allocate_parcel_costs(d).to_dict()
    inv = plan_investment(d)
    inv["fund_table"] = {"system": "anxi_2018",
                         "rows": plan_against_fund_table(inv, load_system("anxi_2018"))}
    d["economics"] = {
        "parcel_costs": pc, "parity": parity_rows(pc, 2.0), "investment": inv,
        "carriers": {
            "source": "示例份额 illustrative shares (hand-made)", "sites": "fixed",
            "carriers": [{"name": "邮政", "share": 0.6}, {"name": "中通", "share": 0.4}],
            "alone": {"邮政": {"cost_per_day": 420.0, "sites_per_day": 200.0, "vehicles": 2,
                               "km": 35.4, "routes": 2},
                      "中通": {"cost_per_day": 380.0, "sites_per_day": 200.0, "vehicles": 2,
                               "km": 35.4, "routes": 2}},
            "pooled": {"cost_per_day": 500.0, "sites_per_day": 200.0, "vehicles": 2,
                       "km": 35.4, "routes": 2},
            "alone_total_per_day": 800.0, "saving_per_day": 300.0, "saving_share": 0.375,
            "saving_per_year": 109500.0, "saving_sites_per_day": 200.0, "days_per_year": 365,
            "sharing": {"proportional": {"邮政": 262.5, "中通": 237.5},
                        "shapley": {"邮政": 270.0, "中通": 230.0}},
            "sharing_rule": "proportional to standalone cost (default); Shapley when ≤ 6"},
        "sensitivity": [
            {"volume_factor": f, "parcels_down": 60 * f, "parcels_up": 18 * f,
             "cost_per_day": c, "vehicles": 2, "down_per_parcel": dp, "up_per_parcel": up}
            for f, c, dp, up in [(0.5, 420.0, 10.5, 11.7), (1.0, 500.0, 6.41, 6.41),
                                 (2.0, 700.0, 4.49, 4.49)]]}
    return d

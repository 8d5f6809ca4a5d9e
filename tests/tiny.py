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

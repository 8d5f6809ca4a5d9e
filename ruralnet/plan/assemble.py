"""The plan document: the county's point list, site and route records, ``plan.json``'s body.

:func:`county_points` orders the county's points (county seat, township
seats, villages) as the matrices and the routing use them;
:func:`plan_document` turns the chosen sites and the daily routing into the
plan's dictionary (sites, routes, villages, coverage, costs, provenance);
:func:`add_road_paths` gives each route its road geometry for maps. Split out
of :mod:`ruralnet.plan.build`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np

from ruralnet.geo.county import County
from ruralnet.geo.seats import GEONAMES_ATTRIBUTION, seat_sentence
from ruralnet.plan.document import SYNTHETIC_NOTICE_EN, SYNTHETIC_NOTICE_ZH
from ruralnet.plan.params import PlanParams
from ruralnet.plan.sites import Sites
from ruralnet.routing import DailyRoutingResult
from ruralnet.settings import VERSION as __version__

__all__ = ["CountyPoints", "add_road_paths", "county_points", "plan_document",
           "plan_route_records", "site_records"]


@dataclass(frozen=True)
class CountyPoints:
    """The county's point list: county seat, township seats, then villages."""

    gdf: gpd.GeoDataFrame
    n_towns: int
    n_villages: int

    @property
    def seat_index(self) -> int:
        """Index of the county seat."""
        return 0

    def town_index(self, t: int) -> int:
        """Index of township ``t``'s seat."""
        return 1 + t

    def village_index(self, v: int) -> int:
        """Index of village row ``v``."""
        return 1 + self.n_towns + v


def county_points(county: County) -> CountyPoints:
    """Return the county's points in matrix order: county seat, township seats, villages."""
    t, v = county.townships, county.villages
    ids = ["county_seat"] + [f"seat-{x}" for x in t["township_id"]] + list(v["village_id"])
    names = ([f"{county.name}县城"] + [f"{n}驻地" for n in t["name"]] + list(v["name"]))
    lon = np.concatenate([[county.seat_lon], t["seat_lon"].to_numpy(), v.geometry.x.to_numpy()])
    lat = np.concatenate([[county.seat_lat], t["seat_lat"].to_numpy(), v.geometry.y.to_numpy()])
    gdf = gpd.GeoDataFrame({"id": ids, "name": names}, geometry=gpd.points_from_xy(lon, lat),
                           crs="EPSG:4326")
    return CountyPoints(gdf, len(t), len(v))


def _layer(p: Any) -> dict[str, Any]:
    out = {"source": p.source, "description": p.description, "sha256": p.sha256,
           "vintage": p.vintage}
    if getattr(p, "counts", None):
        out["counts"] = p.counts
    return out


def _round(x: float, nd: int = 2) -> float:
    return float(round(float(x), nd))



def site_records(county: County, pts: CountyPoints, sites: Sites,
                 params: PlanParams) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """Site records of plan.json and the plan ids of the warehouse and station points."""
    g, t, v = pts.gdf, county.townships, county.villages
    recs: list[dict[str, Any]] = []
    wh_ids, st_ids = [], []
    if params.service_centre:
        recs.append({"id": "C1", "kind": "county_service_centre",
                     "name": f"县级电子商务公共服务中心（{g['name'].iloc[0]}）",
                     "lon": _round(g.geometry.x.iloc[0], 6), "lat": _round(g.geometry.y.iloc[0], 6),
                     "township_id": None, "village_id": None, "fixed_cost_yuan": 0.0,
                     "note": "proposed at the county seat; funded and costed outside logistics"})

    def town_of_point(i: int) -> str | None:
        if 1 <= i <= pts.n_towns:
            return str(t["township_id"].iloc[i - 1])
        if i > pts.n_towns:
            return str(v["township_id"].iloc[i - 1 - pts.n_towns])
        return None

    def village_of_point(i: int) -> str | None:
        return str(v["village_id"].iloc[i - 1 - pts.n_towns]) if i > pts.n_towns else None

    for k, i in enumerate(sites.warehouses, start=1):
        sid = f"W{k}"
        wh_ids.append(sid)
        recs.append({"id": sid, "kind": "county_warehouse",
                     "name": f"县级仓储配送中心{k}（{g['name'].iloc[i]}）",
                     "lon": _round(g.geometry.x.iloc[i], 6), "lat": _round(g.geometry.y.iloc[i], 6),
                     "township_id": town_of_point(i), "village_id": village_of_point(i),
                     "fixed_cost_yuan": params.warehouse_fixed_yuan})
    for tpos, i in enumerate(sites.stations):
        tid = str(t["township_id"].iloc[tpos])
        sid = f"S{tid}"
        st_ids.append(sid)
        recs.append({"id": sid, "kind": "township_station",
                     "name": f"{t['name'].iloc[tpos]}乡镇中转站（{g['name'].iloc[i]}）",
                     "lon": _round(g.geometry.x.iloc[i], 6), "lat": _round(g.geometry.y.iloc[i], 6),
                     "township_id": tid, "village_id": village_of_point(i),
                     "fixed_cost_yuan": params.station_fixed_yuan})
    for r in sites.village_stations:
        row = v.iloc[r]
        existing = str(row["existing_site"] or "")
        cost = params.village_station_fixed_yuan * (
            1 - params.existing_site_discount if existing else 1.0)
        recs.append({"id": f"VS{row['village_id']}", "kind": "village_station",
                     "name": f"{row['name']}村级服务站", "lon": _round(row.geometry.x, 6),
                     "lat": _round(row.geometry.y, 6), "township_id": str(row["township_id"]),
                     "village_id": str(row["village_id"]), "existing_site": existing,
                     "fixed_cost_yuan": _round(cost)})
    return recs, wh_ids, st_ids


def plan_route_records(routing: DailyRoutingResult, point_ids: list[str]) -> list[dict[str, Any]]:
    """Return plan.json's route records (stops with site or village ids, depot legs included)."""
    out = []
    for r in routing.routes:
        depot = point_ids[r.depot_point]
        stops = [{"site_id": depot, "km_from_prev": 0.0, "travel_min_from_prev": 0.0,
                  "arrive_min": _round(r.depart_min, 1), "depart_min": _round(r.depart_min, 1),
                  "deliver_kg": 0.0, "pickup_kg": 0.0, "load_after_kg": _round(r.load_out_kg, 1)}]
        for s in r.stops:
            ref = point_ids[s.point]
            key = "village_id" if not ref.startswith(("W", "S")) else "site_id"
            stops.append({key: ref, "km_from_prev": _round(s.km_from_prev),
                          "travel_min_from_prev": _round(s.travel_min_from_prev, 1),
                          "arrive_min": _round(s.arrive_min, 1),
                          "depart_min": _round(s.depart_min, 1),
                          "deliver_kg": _round(s.deliver_kg, 1),
                          "pickup_kg": _round(s.pickup_kg, 1),
                          "load_after_kg": _round(s.load_after_kg, 1)})
        last = r.stops[-1].load_after_kg if r.stops else r.load_out_kg
        stops.append({"site_id": depot, "km_from_prev": _round(r.return_km),
                      "travel_min_from_prev": _round(r.return_travel_min, 1),
                      "arrive_min": _round(r.return_min, 1), "depart_min": _round(r.return_min, 1),
                      "deliver_kg": 0.0, "pickup_kg": 0.0, "load_after_kg": _round(last, 1)})
        out.append({"id": r.id, "vehicle": r.vehicle, "trip": r.trip, "tier": r.tier,
                    "vehicle_type": r.vehicle_type,
                    "capacity_kg": r.capacity_kg, "depot_site_id": depot,
                    "depart_min": _round(r.depart_min, 1), "return_min": _round(r.return_min, 1),
                    "distance_km": _round(sum(s["km_from_prev"] for s in stops)),
                    "duration_min": _round(r.return_min - r.depart_min, 1),
                    "cost": _round(r.cost_yuan), "stops": stops})
    return out


def plan_document(county: County, network: Any, pts: CountyPoints, sites: Sites,
                  routing: DailyRoutingResult, params: PlanParams, seed: int) -> dict[str, Any]:
    """Return the plan's dictionary: provenance, parameters, sites, routes, coverage, costs."""
    v, t = county.villages, county.townships
    site_recs, wh_ids, st_ids = site_records(county, pts, sites, params)
    point_ids = wh_ids + st_ids + [str(x) for x in v["village_id"]]
    routes = plan_route_records(routing, point_ids)
    visited = {s["village_id"] for r in routes for s in r["stops"] if "village_id" in s}
    hosts = {s["village_id"] for s in site_recs if s["kind"] == "village_station"}
    villages = []
    for row in v.itertuples():
        pop = float(row.population)
        villages.append({
            "id": str(row.village_id), "name": str(row.name), "township_id": str(row.township_id),
            "lon": _round(row.geometry.x, 6), "lat": _round(row.geometry.y, 6), "kind": row.kind,
            "poor": bool(row.poor), "population": None if np.isnan(pop) else pop,
            "existing_site": str(row.existing_site or ""),
            "parcels_down": float(row.parcels_down), "parcels_up": float(row.parcels_up),
            "deliver_kg": _round(row.parcels_down * params.demand.kg_per_parcel, 2),
            "pickup_kg": _round(row.parcels_up * params.demand.kg_per_parcel, 2),
            "position_source": row.position_source,
            "demand_source": str(getattr(row, "demand_source", "assumed")),
            "daily": str(row.village_id) in visited,
            "has_station": str(row.village_id) in hosts,
            **({"position_ref": row.position_ref} if getattr(row, "position_ref", "") else {})})
    prov = {k: _layer(p) for k, p in county.provenance.items()}
    prov["geography"] = prov.pop("positions")
    prov["network"] = _layer(network.provenance)
    synthetic = sorted(k for k, p in prov.items() if p["source"] == "synthetic"
                       or any(c.get("synthetic") for c in p.get("counts", {}).values()))
    prov["synthetic_layers"] = synthetic
    prov["geography"]["village_positions"] = {
        str(k): int(n) for k, n in v["position_source"].value_counts().sort_index().items()}
    if synthetic:
        prov["notice"] = f"{SYNTHETIC_NOTICE_ZH} {SYNTHETIC_NOTICE_EN}"
    counts = prov["geography"].get("counts")
    if counts:
        prov["positions_summary"] = seat_sentence(counts)
        if "geonames" in counts.get("township_seats", {}) or "geonames" in counts.get(
                "county_seat", {}):
            prov["attribution"] = f"乡镇与县城驻地 seats: {GEONAMES_ATTRIBUTION}"
    n_vill = int((v["kind"] == "village").sum())
    daily = sum(1 for x in villages if x["kind"] == "village" and x["daily"])
    station_set = set(st_ids)
    towns_daily = len({s["site_id"] for r in routes if r["tier"] in ("trunk", "direct")
                       for s in r["stops"] if s.get("site_id") in station_set})
    route_cost = {tier: _round(sum(r["cost"] for r in routes if r["tier"] == tier))
                  for tier in ("trunk", "feeder", "direct")}
    site_cost = _round(sum(s["fixed_cost_yuan"] for s in site_recs))
    return {
        "schema_version": "1.0",
        "generated_by": f"ruralnet {__version__}",
        "county": {"name": county.name, "code": county.code, "province": county.province,
                   "prefecture": county.prefecture,
                   "seat_source": getattr(county, "seat_source", "synthetic")},
        "provenance": prov,
        "parameters": {"day_start_min": params.day_start_min, "day_end_min": params.day_end_min,
                       "handling_min": params.handling_min,
                       "coverage_target": params.coverage_target, "mode": routing.mode,
                       "mode_requested": params.mode, "seed": seed, "engine": routing.engine,
                       "sites": sites.how.get("mode", "optimised"), "all": params.to_dict()},
        "townships": [{"id": str(r.township_id), "name": str(r.name), "kind": str(r.kind),
                       "seat_lon": _round(r.seat_lon, 6), "seat_lat": _round(r.seat_lat, 6),
                       "seat_source": str(getattr(r, "seat_source", "synthetic")),
                       "n_villages": int(r.n_villages)} for r in t.itertuples()],
        "villages": villages,
        "sites": site_recs,
        "routes": routes,
        "coverage": {"townships_daily": towns_daily, "townships_total": len(t),
                     "villages_daily": daily, "villages_total": n_vill,
                     "village_share": _round(daily / n_vill if n_vill else 0.0, 4),
                     "communities_daily": routing.communities_served,
                     "village_stations": len(hosts)},
        "costs": {"total_per_day": _round(sum(route_cost.values()) + site_cost),
                  "routes_per_day": route_cost, "sites_per_day": site_cost, "currency": "CNY",
                  "vehicles": dict(routing.vehicles_by_type),
                  "note": "costs are planning assumptions (see parameters), not quotes"},
        "unserved": [{"village_id": point_ids[u.point], "reason": u.reason, "zh": u.zh,
                      "en": u.en} for u in routing.unserved],
        "fleet_curve": [{"target": c.target, "feasible": c.reached, "coverage": c.coverage,
                         "cost": c.cost_yuan, "vehicles": c.vehicles} for c in routing.curve],
        "siting": {k: v for k, v in sites.how.items()
                   if k not in ("mode", "notes", "solve_time_s", "lrp")},
        "lrp": sites.how.get("lrp"),
        "notes": list(sites.how.get("notes", [])),
    }


def add_road_paths(data: dict[str, Any], network: Any, node_ids: np.ndarray,
                   pts: CountyPoints, sites: Sites) -> None:
    """Give each route a ``path`` of [lon, lat] along the roads it drives (for maps).

    Each leg follows the fastest road path between the stops' snapped nodes
    (edge geometries where the network has them, e.g. simplified OSM ways).
    """
    import networkx as nx

    node_of = {f"W{k}": node_ids[i] for k, i in enumerate(sites.warehouses, start=1)}
    node_of.update({f"S{t['id']}": node_ids[i]
                    for t, i in zip(data["townships"], sites.stations, strict=True)})
    node_of.update({v["id"]: node_ids[pts.village_index(i)]
                    for i, v in enumerate(data["villages"])})
    G = network.graph
    legs: dict[tuple[Any, Any], list[list[float]]] = {}

    def leg(u: Any, v: Any) -> list[list[float]]:
        if (u, v) not in legs:
            nodes = nx.bidirectional_dijkstra(G, u, v, weight="travel_time")[1] if u != v else [u]
            coords: list[list[float]] = []
            for a, b in zip(nodes[:-1], nodes[1:], strict=True):
                data_ab = min(G[a][b].values(), key=lambda d: d.get("travel_time", 0.0))
                geom = data_ab.get("geometry")
                seg = (list(geom.coords) if geom is not None else
                       [(G.nodes[a]["x"], G.nodes[a]["y"]), (G.nodes[b]["x"], G.nodes[b]["y"])])
                if geom is not None and seg and (round(seg[0][0], 7), round(seg[0][1], 7)) != (
                        round(G.nodes[a]["x"], 7), round(G.nodes[a]["y"], 7)):
                    seg = seg[::-1]
                coords.extend([[round(x, 5), round(y, 5)] for x, y in seg])
            if not coords:
                coords = [[round(G.nodes[u]["x"], 5), round(G.nodes[u]["y"], 5)]]
            legs[(u, v)] = coords
        return legs[(u, v)]

    for r in data["routes"]:
        refs = [s.get("site_id") or s.get("village_id") for s in r["stops"]]
        path: list[list[float]] = []
        for a, b in zip(refs[:-1], refs[1:], strict=True):
            seg = leg(node_of[a], node_of[b])
            path.extend(seg if not path or seg[0] != path[-1] else seg[1:])
        r["path"] = path

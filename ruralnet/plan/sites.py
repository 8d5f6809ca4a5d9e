"""Where the sites go: warehouses, township stations and village stations of a plan.

:func:`choose_sites` runs the exact siting models (one station per township,
1..``max_warehouses`` warehouses by facility location, village service
stations by maximal covering with quotas) and the joint warehouse choice of
the location-routing model; :func:`fixed_sites` is the planner's existing
network (县城仓 + 乡镇驻地站); :func:`facility_fallback` swaps the joint
warehouses for the facility-location ones when the daily routing refuses
them. Split out of :mod:`ruralnet.plan.build`, which re-exports
:class:`Sites`, :func:`fixed_sites` and :func:`choose_sites`.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ruralnet._clock import clock_bit, watch_clock
from ruralnet._procs import can_fork
from ruralnet.exceptions import InfeasibleError
from ruralnet.geo.county import County
from ruralnet.plan.params import PlanParams
from ruralnet.routing.split import split_loads

logger = logging.getLogger(__name__)

__all__ = ["Sites", "choose_sites", "facility_fallback", "fixed_sites"]


def _round(x: float, nd: int = 2) -> float:
    return float(round(float(x), nd))


@dataclass(frozen=True)
class Sites:
    """Chosen sites as indices into the county point list (see ``_points``).

    Attributes
    ----------
    warehouses
        Point indices of the county warehouse(s).
    stations
        One point index per township (same order as ``county.townships``).
    village_stations
        Village row indices (into ``county.villages``) hosting a service station.
    how
        ``"optimised"`` or ``"fixed"``, and per model the solver figures.
    """

    warehouses: tuple[int, ...]
    stations: tuple[int, ...]
    village_stations: tuple[int, ...]
    how: dict[str, Any]


def fixed_sites(county: County) -> Sites:
    """Sites without optimisation: the warehouse at the county seat, stations at township seats.

    This is the planner's existing network (县城仓 + 乡镇驻地站) and the
    baseline against which optimised siting is compared. No village stations.
    """
    n_t = len(county.townships)
    return Sites((0,), tuple(1 + t for t in range(n_t)), (), {"mode": "fixed"})



def facility_fallback(sites: Sites, err: InfeasibleError) -> Sites | None:
    """Sites with the facility-location warehouses when the joint ones fail the daily routing.

    The location-routing model has no trunk time windows; if its warehouses
    cannot reach every station in time, the exact facility-location choice
    (often more, nearer warehouses) is tried, and the reason is recorded.
    """
    lrp = dict(sites.how.get("lrp") or {})
    fl = tuple(lrp.get("facility_location_warehouses", ()))
    if lrp.get("used") != "joint" or not fl or fl == sites.warehouses:
        return None
    logger.warning("joint warehouses infeasible in the daily routing (%s); using the "
                   "facility-location warehouses", err.en)
    lrp.update(used="facility_location", joint_infeasible_zh=err.zh, joint_infeasible_en=err.en)
    return replace(sites, warehouses=fl, how={**sites.how, "lrp": lrp})


def choose_sites(county: County, distance_m: np.ndarray, duration_s: np.ndarray,
                 params: PlanParams) -> Sites:
    """Choose warehouses, township stations and village stations with the exact siting models.

    Order: one station per township first (a 1-median with fixed costs in
    each township), then 1..``max_warehouses`` warehouses supplying those
    stations (facility location), then village service stations meeting the
    coverage quotas (maximal covering with hard quotas). Each model's status,
    bound and gap go into the plan's ``siting`` record.

    Raises
    ------
    InfeasibleError
        When a village-station quota cannot be met (names the quota and figures).
    """
    from ruralnet.siting import county as siting

    inp = siting.SitingInput.from_county(county, distance_m)
    st = siting.site_township_stations(inp, fixed_cost_per_day=params.station_fixed_yuan,
                                       existing_discount=params.existing_site_discount)
    town_pos = {tid: k for k, tid in enumerate(county.townships["township_id"])}
    stations = [0] * len(town_pos)
    for idx in st.sites:
        stations[town_pos[inp.township_ids[idx]]] = int(idx)
    wh = siting.site_county_warehouses(inp, stations=stations,
                                       max_warehouses=params.max_warehouses,
                                       fixed_cost_per_day=params.warehouse_fixed_yuan)
    lrp_started = time.perf_counter()
    warehouses, lrp_record = _joint_warehouses(county, distance_m, duration_s, stations,
                                               tuple(int(i) for i in wh.sites), params)
    lrp_s = time.perf_counter() - lrp_started
    n_stations = None
    village_share = params.village_station_share
    if params.min_village_stations:
        # The count quota (安溪: 237 村级服务点) counts 行政村 only, as the programme does:
        # it becomes a share of administrative villages, so 社区 stations never fill it.
        kinds = np.asarray(inp.kinds)
        n_vill = int((kinds == "village").sum())
        n_poor = int(((kinds == "village") & inp.poor).sum())
        if params.min_village_stations > n_vill:
            raise InfeasibleError(
                f"要求至少 {params.min_village_stations} 个村级服务站（行政村），但全县只有 "
                f"{n_vill} 个行政村",
                f"at least {params.min_village_stations} village stations in administrative "
                f"villages are required but the county has only {n_vill}",
                constraint="min_village_stations")
        need_admin = max(math.ceil(village_share * n_vill - 1e-9), params.min_village_stations)
        village_share = need_admin / n_vill
        n_stations = max(need_admin, math.ceil(params.poor_village_station_share * n_poor - 1e-9))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vs = siting.site_village_stations(
            inp, min_share_villages=village_share,
            min_share_poor=params.poor_village_station_share, radius_m=params.service_radius_m,
            cost_per_day=params.village_station_fixed_yuan, n_stations=n_stations,
            existing_discount=params.existing_site_discount)
    notes = [str(w.message) for w in caught]
    first_village = 1 + len(town_pos)
    how: dict[str, Any] = {"mode": "optimised", "notes": notes,
                           "solve_time_s": {k: _round(c.solve_time_s, 2) for k, c in
                                            (("county_warehouse", wh), ("township_station", st),
                                             ("village_station", vs))} | {"lrp": _round(lrp_s)}}
    for key, ch in (("county_warehouse", wh), ("township_station", st), ("village_station", vs)):
        how[key] = {"status": ch.status, "objective_yuan_per_day": _round(ch.daily_cost_yuan),
                    "bound": _round(ch.bound), "gap": _round(ch.gap, 6),
                    "metrics": {k: (_round(v, 4) if isinstance(v, float) else v)
                                for k, v in ch.metrics.items()}}
        if key == "village_station":  # a covering model: its bound is on population, not yuan
            how[key]["bound_population_covered"] = how[key].pop("bound")
    how["lrp"] = lrp_record
    wh_metrics = how["county_warehouse"]["metrics"]
    if "n_warehouses" in wh_metrics:  # the model's count, not necessarily the plan's
        wh_metrics["n_warehouses_facility_location"] = wh_metrics.pop("n_warehouses")
    wh_metrics["n_warehouses_plan"] = len(warehouses)
    return Sites(warehouses, tuple(stations), tuple(int(i) - first_village for i in vs.sites),
                 how)


def _joint_warehouses(county: County, distance_m: np.ndarray, duration_s: np.ndarray,
                      stations: list[int], facility_choice: tuple[int, ...],
                      params: PlanParams) -> tuple[tuple[int, ...], dict[str, Any]]:
    """Choose the warehouse(s) jointly with the trunk routes (location-routing).

    Candidates are the county seat and the township seats; clients are the
    township stations with their catchments' daily loads; the vehicle is the
    first trunk fleet type. The two-step baseline (exact capacitated siting,
    then routing) and the iterated location-routing search of
    :func:`ruralnet.lrp.solve.solve_lrp` are both run, deterministic for the seed
    (bounded rounds and routing iterations), and the warehouse at the county
    seat alone and the facility-location choice (the plan's siting-first
    two-step) are priced for comparison. The joint choice is used when it
    respects ``max_warehouses``; otherwise the facility-location choice is kept.
    Trunk time windows are not part of this model; the daily routing checks them.
    """
    from ruralnet.lrp.solve import LRPInstance, LRPParams, solve_lrp
    from ruralnet.routing import VehicleType

    n_t = len(county.townships)
    cands = list(range(1 + n_t))
    v = county.villages
    town_pos = {tid: k for k, tid in enumerate(county.townships["township_id"])}
    load = np.zeros(n_t)
    for tid, down in zip(v["township_id"], v["parcels_down"], strict=True):
        load[town_pos[tid]] += float(down) * params.demand.kg_per_parcel
    load = np.maximum(load, 1.0)  # every station gets a daily trunk stop
    # the first trunk type that carries the largest station, else the largest with split loads
    fits = [t for t in params.trunk_fleet if t.capacity_kg >= load.max()]
    f = fits[0] if fits else max(params.trunk_fleet, key=lambda t: t.capacity_kg)
    pieces = split_loads(load, np.zeros(n_t), f.capacity_kg)
    town_names = list(county.townships["name"])
    load = np.array([pc.delivery_kg for pc in pieces])
    pts = np.asarray(cands + [stations[pc.origin] for pc in pieces])
    # a warehouse dispatches at most its own trunk fleet's load in one daily trip each
    fleet_kg = float(sum(t.capacity_kg * t.num_available for t in params.trunk_fleet))
    inst = LRPInstance(
        opening_cost=[params.warehouse_fixed_yuan] * len(cands),
        depot_capacity_kg=[min(fleet_kg, float(load.sum()))] * len(cands), demand_kg=load,
        distance_m=np.asarray(distance_m)[np.ix_(pts, pts)],
        duration_s=np.asarray(duration_s)[np.ix_(pts, pts)],
        vehicle=VehicleType(capacity_kg=f.capacity_kg, fixed_cost=f.fixed_cost_yuan,
                            cost_per_km=f.cost_per_km_yuan, speed_factor=f.speed_factor,
                            max_speed_kph=f.max_speed_kph),
        service_s=[params.routing.station_service_min * 60] * len(pieces), name=county.name,
        client_names=tuple(town_names[pc.origin] for pc in pieces))
    # rounds and iterations decide; 300 s is only a safety net (recorded when it bites)
    lp = LRPParams(time_limit_s=300.0, max_rounds=6, route_max_iterations=500)
    # the comparison prices (the same model and seed: one call when both sets are the seat)
    sets = [[0]] + ([] if list(facility_choice) == [0] else [list(facility_choice)])
    pool = _fork_pool(params.routing.workers)
    pending = [pool.submit(_price, inst, lp, fixed) for fixed in sets] if pool else []
    joint = solve_lrp(inst, lp)  # its "initial" iteration is the LRP's own two-step plan
    two = next(it for it in joint.iterations if it.step == "initial")
    prices = [_noted(job.result()) for job in pending] if pool else [
        _price(inst, lp, fixed)[0] for fixed in sets]
    if pool:
        pool.shutdown()
    at_seat, first = prices[0], prices[-1]
    use_joint = len(joint.open_depots) <= params.max_warehouses
    chosen = tuple(int(d) for d in joint.open_depots) if use_joint else facility_choice
    record = {
        "model": "location-routing of the trunk tier (ruralnet.lrp.solve), stations as clients",
        "two_step_cost": first, "joint_cost": _round(joint.cost),
        "gain_yuan_per_day": None if first is None else _round(first - joint.cost),
        "two_step": "exact facility location (star trunk costs), then trunk routing",
        "lrp_two_step_cost": _round(two.cost),
        "county_seat_only_cost": at_seat,
        "facility_location_warehouses": [int(i) for i in facility_choice],
        "joint_warehouses": [int(d) for d in joint.open_depots],
        "used": "joint" if use_joint else "facility_location",
        "iterations": [{"index": it.index, "step": it.step, "open_depots": list(it.open_depots),
                        "cost": _round(it.cost)} for it in joint.iterations],
    }
    return chosen, record


def _price(inst: Any, lp: Any, fixed: list[int]) -> tuple[float | None, list[dict[str, Any]]]:
    """Cost of the location-routing plan with these warehouses open, and its clock notes.

    ``None`` when they cannot carry the load. Module-level so that a forked
    worker can run it beside the joint search.
    """
    from ruralnet.lrp.solve import solve_lrp

    with watch_clock() as hits:
        try:
            cost = _round(solve_lrp(inst, replace(lp, max_rounds=0), fixed_sites=fixed).cost)
        except InfeasibleError:
            cost = None
    return cost, hits


def _noted(result: tuple[float | None, list[dict[str, Any]]]) -> float | None:
    """Record a worker's safety-limit notes here (for the plan's timing record)."""
    cost, hits = result
    for h in hits:
        clock_bit(h["search"], h["limit_s"], done=h["done"], budget=h["budget"])
    return cost


def _fork_pool(workers: int):
    """Return a one-process fork pool for the comparison prices (``None``: workers <= 1).

    The prices are deterministic for the seed, so the plan does not depend on it.
    """
    if workers < 2 or not can_fork():
        return None
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))

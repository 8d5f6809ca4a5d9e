"""From a county to a plan: geography → network → matrix → siting → routing → ``plan.json``.

:func:`make_plan` is what ``ruralnet plan --county 安溪`` runs. Every step is
a pure function of its inputs and the seed, so the same county, parameters
and seed give the same plan. Parameters come from :class:`PlanParams`
(defaults documented there) or a scenario file (:meth:`Scenario.from_file`).

Cost figures in the defaults (vehicle and site costs per day) are planning
assumptions of typical magnitude, not quotes; change them in a scenario.

The parameters live in :mod:`ruralnet.plan.params`, the siting step in
:mod:`ruralnet.plan.sites`, the document's records in
:mod:`ruralnet.plan.assemble` and the default fleets' sizing in
:mod:`ruralnet.plan.fleet`; :class:`PlanParams`, :class:`Scenario`,
:class:`Sites`, :func:`fixed_sites`, :func:`choose_sites` and the default
fleets are re-exported here, so ``from ruralnet.plan.build import PlanParams``
works as before.
"""


from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

import numpy as np

from ruralnet._clock import watch_clock
from ruralnet.exceptions import InfeasibleError
from ruralnet.geo.county import County
from ruralnet.plan.assemble import (
    CountyPoints,
    add_road_paths,
    county_points,
    plan_document,
    plan_route_records,
)
from ruralnet.plan.document import Plan
from ruralnet.plan.fleet import size_fleets_for
from ruralnet.plan.multi_day import add_multi_day
from ruralnet.plan.params import DEFAULT_FEEDER, DEFAULT_TRUNK, PlanParams, Scenario
from ruralnet.plan.sites import Sites, choose_sites, facility_fallback, fixed_sites
from ruralnet.plan.village_runs import add_village_runs
from ruralnet.plan.weekly_checks import add_frequency, add_weekly
from ruralnet.routing import DailyRoutingResult, plan_daily_routes
from ruralnet.routing.far_villages import far_items, plan_far_villages
from ruralnet.routing.frequency import frequency_curve
from ruralnet.routing.remote import RemotePlan, plan_remote_days
from ruralnet.routing.weekly import WeeklyParams, WeeklyResult, plan_weekly_feeders

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_FEEDER", "DEFAULT_TRUNK", "PlanParams", "Scenario", "Sites", "choose_sites",
           "fixed_sites", "make_plan", "make_plan_for_targets"]


def _round(x: float, nd: int = 2) -> float:
    return float(round(float(x), nd))


def make_plan(county: County, params: PlanParams | None = None, *, network: Any = None,
              sites: Sites | None = None, seed: int = 0) -> Plan:
    """Plan a county's three-tier daily logistics and return the plan.

    Parameters
    ----------
    county
        From :func:`ruralnet.geo.county.load_county`.
    params
        Plan parameters (defaults: :class:`PlanParams`).
    network
        A :class:`ruralnet.roads.network.Network`; default the synthetic network of the county.
    sites
        Fixed sites; default: chosen by the siting models.
    seed
        Seed of the search (and of the synthetic network).

    Returns
    -------
    Plan

    Raises
    ------
    InfeasibleError
        When the targets cannot be met with the fleet and the working day;
        the message gives the binding reason and figures.
    NetworkError
        When villages cannot be reached by road (named in the message).

    Notes
    -----
    Every search stops on a deterministic budget, so the same inputs,
    parameters and seed give a byte-identical ``plan.json`` on any machine
    load, apart from ``timing_s`` (the one section of wall-clock figures).
    When a search's wall-clock safety limit bites before its budget, the
    plan says so: ``timing_s["safety_limits_hit"]`` lists them and a note
    is added.
    """
    with watch_clock() as hits:
        plan = _make_plan(county, params, network=network, sites=sites, seed=seed)
    _record_clock(plan.data, hits)
    return plan


def _record_clock(data: dict[str, Any], hits: list[dict[str, Any]]) -> None:
    """Put the searches stopped by their wall-clock safety limit into the plan."""
    data["timing_s"]["safety_limits_hit"] = hits
    if hits:
        names = ", ".join(sorted({h["search"] for h in hits}))
        data["notes"].append(
            f"{len(hits)} 次搜索因时间安全上限而提前停止（{names}），本方案可能随机器负载而不同；"
            "请在较空闲的机器上重新运行 | "
            f"{len(hits)} searches stopped on their wall-clock safety limit ({names}) before "
            "their iteration budget: this plan may depend on the machine's load; rerun it on "
            "a less busy machine")


def _make_plan(county: County, params: PlanParams | None, *, network: Any,
               sites: Sites | None, seed: int) -> Plan:
    from ruralnet.roads.matrix import travel_matrix
    from ruralnet.roads.network import synthetic_network

    params = params or PlanParams()
    params, fleet_notes = size_fleets_for(county, params)
    t0 = time.perf_counter()
    if network is None:
        network = synthetic_network(county, seed=seed)
    pts = county_points(county)
    # the main (largest strongly connected) network: a real extract always has pieces
    # cut off from it, and a point snapped to one could reach nothing (warned, not failed)
    tm = travel_matrix(network, pts.gdf, id_column="id", snap_to="main")
    logger.info("matrix %d points in %.1f s", len(pts.gdf), time.perf_counter() - t0)
    stages = {"network_and_matrix": time.perf_counter() - t0}  # wall seconds per step
    chosen = sites is None
    if sites is None:
        sites = choose_sites(county, tm.distance_m, tm.duration_s, params)
    stages["siting"] = time.perf_counter() - t0 - sum(stages.values())
    try:
        routing, remote = _route(county, pts, tm.distance_m, tm.duration_s, sites, params, seed)
    except InfeasibleError as err:
        fallback = facility_fallback(sites, err) if chosen else None
        if fallback is None:
            raise
        sites = fallback
        routing, remote = _route(county, pts, tm.distance_m, tm.duration_s, sites, params, seed)
    if chosen and remote is not None and remote.loops:
        sites, routing, remote = _fewer_loops(county, pts, tm, sites, params, seed,
                                              (routing, remote))
    stages["routing"] = time.perf_counter() - t0 - sum(stages.values())
    data = plan_document(county, network, pts, sites, routing, params, seed)
    data["notes"].extend(fleet_notes + list(routing.notes))
    week = (_weekly(county, pts, tm.distance_m, tm.duration_s, sites, params, routing, seed)
            if params.week and routing.mode == "two_tier" else None)
    kinds = ("county_warehouse", "township_station")  # the routing point order
    point_ids = [s["id"] for k in kinds for s in data["sites"] if s["kind"] == k]
    point_ids += [v["id"] for v in data["villages"]]
    if remote is not None and (remote.not_daily or remote.relaxed_cutoff_min is not None):
        feeders = tuple(r for lp in remote.loops for r in lp.feeder_routes)
        add_multi_day(data, remote, point_ids,
                      plan_route_records(replace(routing, routes=feeders), point_ids))
        ix, a = _routing_inputs(county, pts, sites, params, seed)  # far villages' runs
        items = far_items(remote, **{k: a[k] for k in ("stations", "villages", "catchments",
                                                       "delivery_kg", "pickup_kg")})
        add_village_runs(data, plan_far_villages(
            tm.distance_m[ix], tm.duration_s[ix], items, feeder_fleet=params.feeder_fleet,
            params=a["params"], horizon_days=params.horizon_days,
            min_visits_per_week=params.min_visits_per_week), point_ids)
    if week is not None:
        add_weekly(data, week, point_ids, [plan_route_records(replace(routing, routes=day),
                                                              point_ids) for day in week.days])
    if week is not None and params.frequency_curve:
        _frequency(county, pts, tm, sites, params, seed, data)
    stages["week_and_far_villages"] = time.perf_counter() - t0 - sum(stages.values())
    add_road_paths(data, network, tm.node_ids, pts, sites)
    stages["road_paths"] = time.perf_counter() - t0 - sum(stages.values())
    data["timing_s"] = {"total": _round(time.perf_counter() - t0, 1),
                        "routing": _round(routing.runtime_s, 1),
                        "siting": sites.how.get("solve_time_s", {}),
                        "stages": {k: _round(v, 2) for k, v in stages.items()}}
    return Plan(data)


def _fewer_loops(county: County, pts: CountyPoints, tm: Any, sites: Sites,
                 params: PlanParams, seed: int, first: tuple[DailyRoutingResult, RemotePlan]):
    """Keep the joint warehouses, or the facility-location ones when fewer stations need loops.

    The location-routing model knows no trunk time windows, so its
    warehouses may leave more stations without a daily trunk than the
    facility-location choice; the one with fewer multi-day loops (then the
    lower cost) is kept, and the reason recorded.
    """
    n = len(first[1].loops)
    err = InfeasibleError(f"{n} 个乡镇站无每日干线", f"{n} stations get no daily trunk")
    alt = facility_fallback(sites, err)
    if alt is None:
        return sites, *first
    try:
        second = _route(county, pts, tm.distance_m, tm.duration_s, alt, params, seed)
    except InfeasibleError:
        return sites, *first

    def key(r):
        daily, remote = r
        loops = remote.loops if remote is not None else ()
        return len(loops), daily.cost_yuan + sum(lp.cost_per_day_yuan for lp in loops)

    return (alt, *second) if key(second) < key(first) else (sites, *first)


def _route(county: County, pts: CountyPoints, dist: np.ndarray, dur: np.ndarray,
           sites: Sites, params: PlanParams,
           seed: int) -> tuple[DailyRoutingResult, RemotePlan | None]:
    """Run the daily routing on the sub-matrix [warehouses, stations, villages].

    In two-tier mode, stations no trunk reaches within the daily rules get
    multi-day loops (:func:`ruralnet.routing.remote.plan_remote_days`).
    """
    ix, args = _routing_inputs(county, pts, sites, params, seed)
    if params.mode == "two_tier":  # stations no daily trunk reaches get multi-day loops
        return plan_remote_days(dist[ix], dur[ix], horizon_days=params.horizon_days, **args)
    return plan_daily_routes(dist[ix], dur[ix], direct_fleet=params.direct_fleet, **args), None


def _weekly(county: County, pts: CountyPoints, dist: np.ndarray, dur: np.ndarray,
            sites: Sites, params: PlanParams, routing: DailyRoutingResult,
            seed: int) -> WeeklyResult:
    """Plan the week's feeders around the day plan (:mod:`ruralnet.routing.weekly`)."""
    ix, a = _routing_inputs(county, pts, sites, params, seed)
    return plan_weekly_feeders(
        routing, dist[ix], dur[ix], stations=a["stations"], villages=a["villages"],
        delivery_kg=a["delivery_kg"], pickup_kg=a["pickup_kg"], catchments=a["catchments"],
        feeder_fleet=params.feeder_fleet, village_kinds=a["village_kinds"],
        params=a["params"], seed=seed,
        weekly=WeeklyParams(horizon_days=params.horizon_days,
                            min_visits_per_week=params.min_visits_per_week))


def _frequency(county: County, pts: CountyPoints, tm: Any, sites: Sites,
               params: PlanParams, seed: int, data: dict[str, Any]) -> None:
    """Add ``weekly.frequency``: the week re-planned per daily share × visits a week."""
    ix, a = _routing_inputs(county, pts, sites, params, seed)
    dist, dur = tm.distance_m[ix], tm.duration_s[ix]
    keys = ("stations", "villages", "catchments", "delivery_kg", "pickup_kg")

    def day_plan(share: float):
        p = replace(params, coverage_target=share,
                    routing=replace(params.routing, curve_targets=()))
        return _route(county, pts, tm.distance_m, tm.duration_s, sites, p, seed)

    def week_plan(daily: DailyRoutingResult, k: int) -> WeeklyResult:
        return plan_weekly_feeders(
            daily, dist, dur, **{x: a[x] for x in keys}, feeder_fleet=params.feeder_fleet,
            village_kinds=a["village_kinds"], params=a["params"], seed=seed,
            weekly=WeeklyParams(horizon_days=params.horizon_days, min_visits_per_week=k,
                                time_limit_s=params.frequency_time_limit_s))

    def far_plan(remote: RemotePlan | None, k: int):
        if remote is None:
            return None
        return plan_far_villages(dist, dur, far_items(remote, **{x: a[x] for x in keys}),
                                 feeder_fleet=params.feeder_fleet, params=a["params"],
                                 horizon_days=params.horizon_days, min_visits_per_week=k)

    admin = {q for q, kind in zip(a["villages"], a["village_kinds"], strict=True)
             if kind == "village"}
    cells = frequency_curve(day_plan, week_plan, far_plan, admin=admin,
                            horizon_days=params.horizon_days,
                            fixed_per_day=data["costs"]["sites_per_day"])
    add_frequency(data, cells)


def _routing_inputs(county: County, pts: CountyPoints, sites: Sites,
                    params: PlanParams, seed: int) -> tuple[Any, dict[str, Any]]:
    """Return the sub-matrix index and the keyword arguments of the routing calls."""
    v = county.villages
    n_w, n_s = len(sites.warehouses), len(sites.stations)
    master = list(sites.warehouses) + list(sites.stations) + [pts.village_index(i)
                                                              for i in range(len(v))]
    ix = np.ix_(master, master)
    town_pos = {tid: k for k, tid in enumerate(county.townships["township_id"])}
    catch: list[list[int]] = [[] for _ in range(n_s)]
    for i, tid in enumerate(v["township_id"]):
        catch[town_pos[tid]].append(n_w + n_s + i)
    kg = county.villages
    deliver = (kg["parcels_down"].to_numpy(float) * params.demand.kg_per_parcel).round(2)
    pickup = (kg["parcels_up"].to_numpy(float) * params.demand.kg_per_parcel).round(2)
    kinds = ["village" if k == "village" else "community" for k in v["kind"]]
    args = dict(warehouses=list(range(n_w)), stations=list(range(n_w, n_w + n_s)),
                villages=list(range(n_w + n_s, n_w + n_s + len(v))), delivery_kg=deliver,
                pickup_kg=pickup, catchments=catch, trunk_fleet=params.trunk_fleet,
                feeder_fleet=params.feeder_fleet, village_kinds=kinds,
                params=params.routing_params(), seed=seed,
                point_names=[f"{county.name}仓"] * n_w + list(county.townships["name"])
                + list(v["name"]),
                required_villages=[n_w + n_s + r for r in sites.village_stations]
                if params.stations_daily else None)
    return ix, args


def make_plan_for_targets(county: County, params: PlanParams, overrides: dict[str, Any], *,
                          source: str, network: Any = None, sites: Sites | None = None,
                          seed: int = 0) -> Plan:
    """Plan with parameters raised to an indicator system's targets, relaxing if infeasible.

    The plan first tries ``params`` with ``overrides`` (e.g. from
    :func:`ruralnet.programme.requirements.plan_requirements`). If that is infeasible
    (say 100 % same-day coverage with the fleet given), it plans with
    ``params`` alone and records, in ``parameters.targets_applied`` and the
    plan's notes, what was wanted and why it could not be met — the
    scorecard then shows the target as not met, with the reason.

    Parameters
    ----------
    county, params, network, sites, seed
        As for :func:`make_plan`.
    overrides
        ``PlanParams`` fields to set.
    source
        Where the overrides come from (the indicator system id), for the record.

    Returns
    -------
    Plan
    """
    wanted = {k: v for k, v in overrides.items() if getattr(params, k) != v}
    try:
        plan = make_plan(county, replace(params, **wanted), network=network, sites=sites,
                         seed=seed)
        plan.data["parameters"]["targets_applied"] = {"system": source, "applied": wanted}
        return plan
    except InfeasibleError as err:
        if not wanted:
            raise
        logger.warning("targets of %s infeasible, planning with the base parameters: %s",
                       source, err.en)
        plan = make_plan(county, params, network=network, sites=sites, seed=seed)
        plan.data["parameters"]["targets_applied"] = {
            "system": source, "applied": {}, "wanted": wanted,
            "infeasible_zh": err.zh, "infeasible_en": err.en}
        plan.data["notes"].append(
            f"{source} 的目标 {wanted} 无法满足：{err.zh}；已按基础参数规划 | the {source} targets "
            f"{wanted} cannot be met: {err.en}; planned with the base parameters instead")
        return plan

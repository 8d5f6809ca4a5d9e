"""The ``multi_day`` part of plan.json: remote stations' loops, and its checks.

:func:`add_multi_day` records a :class:`~ruralnet.routing.remote.RemotePlan`
in the plan document (loops, their service-day feeder routes, every station
and village not served daily with the binding figure, and the average cost
per day); :func:`multi_day_problems` re-checks it from the file alone for
``ruralnet validate``. It imports nothing from :mod:`ruralnet.plan.document`
(which calls it), so the route checker is passed in.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ruralnet.plan.village_runs import village_run_problems

__all__ = ["ACCUMULATION_NOTE", "add_multi_day", "loop_feeder_cost", "multi_day_problems"]

ACCUMULATION_NOTE = (
    "非每日配送的村，每次送达自上次配送以来累计的包裹（包裹在乡镇站等候）。 "
    "A village not served daily gets, on each visit, the parcels accumulated since its last "
    "visit (they wait at the township station).")
KG_TOL = 0.2


def _clock(minutes: float) -> str:
    return f"{int(minutes) // 60:02d}:{int(minutes) % 60:02d}"


def _r(x: float, nd: int = 2) -> float:
    return round(float(x), nd)


def loop_feeder_cost(loop: dict[str, Any], feeder_routes: list[dict[str, Any]],
                     horizon_days: int) -> float:
    """Average daily cost of a loop's feeder routes: they run on its service days only.

    Their cost counts ``len(service_days) / horizon_days`` per day.
    """
    ids = set(loop.get("feeder_route_ids", []))
    return (sum(float(r.get("cost", 0.0)) for r in feeder_routes if r["id"] in ids)
            * len(loop.get("service_days", [])) / (horizon_days or 1))


def add_multi_day(data: dict[str, Any], remote: Any, point_ids: list[str],
                  feeder_records: list[dict[str, Any]]) -> None:
    """Add ``data["multi_day"]``, the remote villages to ``unserved`` and loop costs to ``costs``.

    Parameters
    ----------
    data
        The plan document being built (changed in place).
    remote
        A :class:`~ruralnet.routing.remote.RemotePlan`.
    point_ids
        Plan ids of the county's points in the routing's order.
    feeder_records
        plan.json route records of every loop's service-day feeder routes
        (in loop order).
    """
    by_depot: dict[str, list[str]] = {}
    for r in feeder_records:
        by_depot.setdefault(r["depot_site_id"], []).append(r["id"])
    loops = []
    for lp in remote.loops:
        st = point_ids[lp.reach.point]
        zh, en = lp.reach.figures()
        loops.append({
            "id": lp.id, "station_site_id": st, "warehouse_site_id": point_ids[lp.reach.warehouse],
            "vehicle_type": lp.vehicle_type, "trucks": lp.trucks, "cycle_days": lp.cycle_days,
            "days_out": lp.days_out, "days_back": lp.days_back,
            "service_days": list(lp.pattern), "service_days_zh": lp.pattern_zh(),
            "one_way_min": _r(lp.reach.one_way_min, 1), "back_min": _r(lp.reach.back_min, 1),
            "shift_min": _r(lp.reach.shift_min, 1), "out_km": lp.out_km, "back_km": lp.back_km,
            "deliver_kg": lp.deliver_kg, "pickup_kg": lp.pickup_kg,
            "cost_per_day": lp.cost_per_day_yuan, "reason": lp.reach.reason, "zh": zh, "en": en,
            "overnight_at": st, "feeder_route_ids": by_depot.get(st, [])})
    not_daily = [{"kind": kind, "id": point_ids[q], "reason": reason, "zh": zh, "en": en}
                 for kind, q, reason, zh, en in remote.not_daily]
    horizon = remote.horizon_days
    for rec in loops:  # the loop itself plus its feeders, which run on its service days only
        rec["total_cost_per_day"] = rec["cost_per_day"] + loop_feeder_cost(
            rec, feeder_records, horizon)
    per_day = _r(sum(rec["total_cost_per_day"] for rec in loops))
    if remote.relaxed_cutoff_min is not None:
        data["notes"].append(
            f"干线最晚到站时间放宽至 {_clock(remote.relaxed_cutoff_min)}，使稍远的乡镇站仍每日配送"
            f" | trunk cut-off relaxed to {remote.relaxed_cutoff_min} min "
            f"({_clock(remote.relaxed_cutoff_min)}) so that slightly farther stations keep a "
            "daily trunk")
    data["multi_day"] = {"horizon_days": horizon, "loops": loops,
                         "trunk_arrival_by_min": remote.relaxed_cutoff_min,
                         "feeder_routes": feeder_records, "not_daily": not_daily,
                         "cost_per_day": per_day, "note": ACCUMULATION_NOTE}
    listed = {u["village_id"] for u in data["unserved"]}
    data["unserved"] += [{"village_id": x["id"], "reason": x["reason"], "zh": x["zh"],
                          "en": x["en"]} for x in not_daily
                         if x["kind"] == "village" and x["id"] not in listed]
    costs = data["costs"]
    costs["multi_day_per_day"] = per_day
    costs["total_per_day"] = _r(costs["total_per_day"] + per_day)
    if loops:
        data["notes"].append(
            f"{len(loops)} 个乡镇站无法每日干线配送，改为多日过夜干线（见 multi_day）；"
            f"{ACCUMULATION_NOTE}")


def multi_day_problems(d: dict[str, Any],
                       check_route: Callable[[dict[str, Any]], list[str]]) -> list[str]:
    """Re-check the ``multi_day`` part of a plan; one line per problem.

    Checks: every loop's station and warehouse exist and the station gets no
    daily trunk; its days out and back fit its one-way and return times in
    whole shifts, its cycle is their sum and its service days repeat every
    cycle over the horizon; its loads are ``cycle_days`` days of the
    township's demand; its feeder routes obey every daily rule
    (``check_route``), leave from its station, visit only its township's
    villages, none served daily, each at most once, delivering
    ``cycle_days`` days of the village's demand; every station and village
    listed as not daily is indeed not served daily; far villages' runs
    (:func:`ruralnet.plan.village_runs.village_run_problems`).

    Parameters
    ----------
    d
        The parsed plan.json.
    check_route
        The daily route checker of :func:`ruralnet.plan.document.validate_plan`.
    """
    md = d.get("multi_day")
    if not md:
        return []
    out: list[str] = []
    sites = {s["id"]: s for s in d["sites"]}
    vill = {v["id"]: v for v in d["villages"]}
    daily_trunk = {s.get("site_id") for r in d["routes"] if r["tier"] in ("trunk", "direct")
                   for s in r["stops"]}
    daily_vill = {s.get("village_id") for r in d["routes"] for s in r["stops"]}
    service = d["parameters"].get("all", {}).get("routing", {}).get("station_service_min", 0)
    horizon = md["horizon_days"]
    feeders = {r["id"]: r for r in md["feeder_routes"]}
    seen: set[str] = set()
    claimed: set[str] = set()
    for lp in md["loops"]:
        lid, st = lp["id"], lp["station_site_id"]
        if sites.get(st, {}).get("kind") != "township_station":
            out.append(f"loop {lid}: {st} is not a township station")
            continue
        if lp["warehouse_site_id"] not in sites:
            out.append(f"loop {lid}: unknown warehouse {lp['warehouse_site_id']}")
        if st in daily_trunk:
            out.append(f"loop {lid}: station {st} also gets a daily trunk")
        shift = lp["shift_min"]
        need_out = max(1, math.ceil((lp["one_way_min"] + service - 0.05) / shift))
        need_back = max(1, math.ceil((lp["back_min"] - 0.05) / shift))
        if lp["days_out"] < need_out or lp["days_back"] < need_back:
            out.append(f"loop {lid}: {lp['days_out']}+{lp['days_back']} days cannot cover "
                       f"{lp['one_way_min']} + {lp['back_min']} min at {shift} min a shift")
        if lp["cycle_days"] != lp["days_out"] + lp["days_back"]:
            out.append(f"loop {lid}: cycle_days {lp['cycle_days']} ≠ days out + back")
        expect = list(range(lp["days_out"] + 1, horizon + 1, lp["cycle_days"]))
        if lp["service_days"] != expect:
            out.append(f"loop {lid}: service days {lp['service_days']} do not follow its "
                       f"{lp['cycle_days']}-day cycle over {horizon} days ({expect})")
        town = sites[st]["township_id"]
        members = [v for v in vill.values() if v["township_id"] == town]
        for key in ("deliver_kg", "pickup_kg"):
            want = lp["cycle_days"] * sum(v[key] for v in members)
            if abs(lp[key] - want) > KG_TOL * max(1, len(members)):
                out.append(f"loop {lid}: {key} {lp[key]} ≠ {lp['cycle_days']} days × "
                           f"township demand ({want:.1f})")
        if "total_cost_per_day" in lp:
            want_cost = lp.get("cost_per_day", 0.0) + loop_feeder_cost(
                lp, md["feeder_routes"], horizon)
            if abs(lp["total_cost_per_day"] - want_cost) > 0.01:
                out.append(f"loop {lid}: total_cost_per_day {lp['total_cost_per_day']} ≠ loop "
                           f"{lp.get('cost_per_day', 0.0)} + feeders' share ({want_cost:.2f})")
        for rid in lp["feeder_route_ids"]:
            r = feeders.get(rid)
            if r is None:
                out.append(f"loop {lid}: unknown feeder route {rid}")
                continue
            seen.add(rid)
            out += _feeder_problems(r, st, town, lp["cycle_days"], vill, daily_vill, claimed,
                                    check_route)
    out += [f"multi-day feeder route {rid} belongs to no loop" for rid in feeders
            if rid not in seen]
    loop_vill = {s.get("village_id") for r in md["feeder_routes"] for s in r["stops"]}
    out += village_run_problems(d, daily_vill, loop_vill)
    for x in md["not_daily"]:
        if (x["kind"] == "station" and x["id"] in daily_trunk) or (
                x["kind"] == "village" and x["id"] in daily_vill):
            out.append(f"not_daily: {x['kind']} {x['id']} is served daily")
    return out


def _feeder_problems(r: dict[str, Any], station: str, town: str, cycle: int,
                     vill: dict[str, Any], daily_vill: set[Any], claimed: set[str],
                     check_route: Callable[[dict[str, Any]], list[str]]) -> list[str]:
    out = check_route(r)
    rid = r["id"]
    if r["depot_site_id"] != station:
        out.append(f"multi-day route {rid}: leaves {r['depot_site_id']}, not its loop's {station}")
    for s in r["stops"]:
        v = s.get("village_id")
        if v is None:
            continue
        if v not in vill or vill[v]["township_id"] != town:
            out.append(f"multi-day route {rid}: village {v} is not of township {town}")
            continue
        if v in daily_vill:
            out.append(f"multi-day route {rid}: village {v} is also served daily")
        if v in claimed:
            out.append(f"multi-day route {rid}: village {v} visited twice on its service day")
        claimed.add(v)
        for key, got in (("deliver_kg", s["deliver_kg"]), ("pickup_kg", s["pickup_kg"])):
            want = cycle * vill[v][key]
            if abs(got - want) > KG_TOL:
                out.append(f"multi-day route {rid}: {v} {key} {got} ≠ {cycle} days × "
                           f"{vill[v][key]} accumulated")
    return out

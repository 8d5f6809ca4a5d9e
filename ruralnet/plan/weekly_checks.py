"""The ``weekly`` part of plan.json (每周班次): patterns, per-day routes, coverage; its checks.

:func:`add_weekly` records a :class:`~ruralnet.routing.weekly.WeeklyResult`
(and the service days of remote stations' loops from ``multi_day``) in the
plan document; :func:`weekly_problems` re-checks it from the file alone for
``ruralnet validate``: each village's visits match its pattern, each day's
routes obey every daily rule and leave after the trunk, loads are what
accumulated since the previous visit, and the weekly coverage claims are
true. Days are 1-based in the file (1 = 周一).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ruralnet.plan.multi_day import ACCUMULATION_NOTE

__all__ = ["DAY_ZH", "add_frequency", "add_weekly", "weekly_problems"]

DAY_ZH = "一二三四五六日"
KG_TOL = 0.2
TIME_TOL_MIN = 0.05


def days_zh(days: list[int]) -> str:
    """Return 1-based days as 周 characters, e.g. ``[1, 4]`` → ``"一四"``."""
    return "".join(DAY_ZH[(d - 1) % 7] for d in days)


def gaps(days: list[int], horizon: int) -> list[int]:
    """Return, per visit day, the days since the previous visit (cyclic horizon)."""
    s = sorted(days)
    return [(d - s[i - 1]) % horizon or horizon for i, d in enumerate(s)]


def add_weekly(data: dict[str, Any], week: Any, point_ids: list[str],
               day_records: list[list[dict[str, Any]]]) -> None:
    """Add ``data["weekly"]``: patterns, each day's feeder routes, weekly coverage and costs.

    Parameters
    ----------
    data
        The plan document being built (changed in place); its ``multi_day``
        loops, if any, give their villages' service days.
    week
        A :class:`~ruralnet.routing.weekly.WeeklyResult`.
    point_ids
        Plan ids of the county's points in the routing's order.
    day_records
        plan.json route records of each day's feeder routes.
    """
    H = week.horizon_days
    pats: dict[str, tuple[list[int], str]] = {
        point_ids[q]: ([d + 1 for d in days], "feeder") for q, days in week.pattern.items()}
    md = data.get("multi_day") or {}
    town_of = {s["id"]: s["township_id"] for s in data["sites"]}
    for lp in md.get("loops", []):
        on_loop = {s["village_id"] for r in md["feeder_routes"]
                   if r["id"] in set(lp["feeder_route_ids"]) for s in r["stops"]
                   if s.get("village_id")}
        for v in data["villages"]:
            if v["id"] in on_loop and v["township_id"] == town_of[lp["station_site_id"]]:
                pats[v["id"]] = (list(lp["service_days"]), "multi_day")
    for run in md.get("village_runs", []):
        pats[run["village_id"]] = (list(run["days"]), "multi_day_run")
    patterns = [{"village_id": vid, "days": days, "days_zh": days_zh(days), "visits": len(days),
                 "daily": len(days) == H, "via": via} for vid, (days, via) in sorted(pats.items())]
    data["weekly"] = {
        "horizon_days": H, "min_visits_per_week": week.min_visits_per_week,
        "patterns": patterns,
        "days": [{"day": d + 1, "routes": recs} for d, recs in enumerate(day_records)],
        "coverage": weekly_coverage(data["villages"], patterns, H, week.min_visits_per_week),
        "costs": _weekly_costs(data, week, H), "note": ACCUMULATION_NOTE}


def add_frequency(data: dict[str, Any], cells: Any) -> None:
    """Add ``weekly["frequency"]``: cells of :func:`ruralnet.routing.frequency.frequency_curve`."""
    data["weekly"]["frequency"] = {
        "cells": [c.to_dict() for c in cells],
        "note": "每格重新规划：每日配送比例 × 每周最少次数；周成本含线路、多日干线、专线与站点"
                "固定成本 | each cell re-planned: daily share × minimum visits a week; the "
                "week's cost counts routes, multi-day loops, far villages' runs and the sites' "
                "fixed cost"}


def weekly_coverage(villages: list[dict[str, Any]], patterns: list[dict[str, Any]], H: int,
                    k: int) -> dict[str, Any]:
    """Return the weekly coverage figures of administrative villages (行政村)."""
    visits = {p["village_id"]: p["visits"] for p in patterns}
    admin = [v["id"] for v in villages if v["kind"] == "village"]
    n = len(admin)
    daily = sum(1 for v in admin if visits.get(v, 0) >= H)
    enough = sum(1 for v in admin if visits.get(v, 0) >= k)
    return {"villages_total": n, "villages_daily": daily, "villages_min_visits": enough,
            "villages_unvisited": sum(1 for v in admin if not visits.get(v)),
            "daily_share": round(daily / n, 4) if n else 0.0,
            "weekly_share": round(enough / n, 4) if n else 0.0,
            "visits_per_week_mean": round(sum(visits.get(v, 0) for v in admin) / n, 3)
            if n else 0.0}


def _weekly_costs(data: dict[str, Any], week: Any, H: int) -> dict[str, float]:
    c = data["costs"]
    trunk = c["routes_per_day"].get("trunk", 0.0)
    fixed = c["sites_per_day"] + c.get("multi_day_per_day", 0.0)
    week_cost = round(week.cost_yuan + H * (trunk + fixed), 2)
    return {"feeders_per_week": week.cost_yuan, "trunk_per_week": round(H * trunk, 2),
            "sites_and_loops_per_week": round(H * fixed, 2), "total_per_week": week_cost,
            "daily_plan_repeated_per_week": round(H * c["total_per_day"], 2),
            "ratio_to_daily_repeated": round(week_cost / (H * c["total_per_day"]), 4)
            if c["total_per_day"] else None}


def weekly_problems(d: dict[str, Any],
                    check_route: Callable[[dict[str, Any]], list[str]]) -> list[str]:
    """Re-check the ``weekly`` part of a plan; one line per problem.

    Parameters
    ----------
    d
        The parsed plan.json.
    check_route
        The daily route checker of :func:`ruralnet.plan.document.validate_plan`.
    """
    wk = d.get("weekly")
    if not wk:
        return []
    out: list[str] = []
    H = wk["horizon_days"]
    vill = {v["id"]: v for v in d["villages"]}
    pats = {p["village_id"]: p for p in wk["patterns"]}
    handling = d["parameters"].get("handling_min", 0)
    arrival: dict[str, float] = {}
    for r in d["routes"]:
        if r["tier"] == "trunk":
            for s in r["stops"][1:-1]:
                ref = s.get("site_id")
                arrival[ref] = min(arrival.get(ref, math.inf), s["arrive_min"])
    seen: dict[str, list[int]] = {}
    for day in wk["days"]:
        n = day["day"]
        if not 1 <= n <= H:
            out.append(f"weekly: day {n} outside the horizon 1..{H}")
        for r in day["routes"]:
            out += [f"day {n}: {p}" for p in check_route(r)]
            st = r["depot_site_id"]
            if st not in arrival:
                out.append(f"day {n} route {r['id']}: station {st} gets no trunk delivery")
            elif r["depart_min"] + TIME_TOL_MIN < arrival[st] + handling:
                out.append(f"day {n} route {r['id']}: leaves {st} at {r['depart_min']} before "
                           f"the trunk ({arrival[st]}) plus handling {handling} min")
            for s in r["stops"]:
                v = s.get("village_id")
                if v is None:
                    continue
                seen.setdefault(v, []).append(n)
                out += _load_problems(n, r["id"], v, s, pats, vill, H)
    out += _multi_day_claims(d, pats)
    for v, p in pats.items():
        if p["via"] != "feeder":
            continue
        got = sorted(seen.get(v, []))
        if got != sorted(p["days"]):
            out.append(f"weekly: village {v} visited on days {got}, its pattern is {p['days']}")
        if p["visits"] != len(p["days"]) or p["daily"] != (len(p["days"]) == H):
            out.append(f"weekly: village {v} pattern claims {p['visits']} visits/daily "
                       f"{p['daily']} for days {p['days']}")
    out += [f"weekly: village {v} visited on days {sorted(ds)} without a pattern"
            for v, ds in seen.items() if v not in pats]
    for c in (wk.get("frequency") or {}).get("cells", []):
        if c["feasible"] and ((c["daily_share"] or 0) < c["daily_share_target"] - 1e-6
                              or (c["weekly_share"] or 0) < 1 - 1e-6 or not c["cost_per_week"]):
            out.append(f"frequency: cell {c['daily_share_target']} × {c['min_visits']} claims "
                       f"feasible with daily {c['daily_share']}, weekly {c['weekly_share']}")
    truth = weekly_coverage(d["villages"], wk["patterns"], H, wk["min_visits_per_week"])
    for key, value in truth.items():
        claim = wk["coverage"].get(key)
        if claim is None or abs(claim - value) > 1e-3:
            out.append(f"weekly coverage: {key} claims {claim} but the patterns give {value}")
    return out


def _multi_day_claims(d: dict[str, Any], pats: dict[str, Any]) -> list[str]:
    """Patterns not on a day's feeders must be backed by a loop's feeders or a village run."""
    md = d.get("multi_day") or {}
    runs = {r["village_id"]: sorted(r["days"]) for r in md.get("village_runs", [])}
    feeders = {r["id"]: r for r in md.get("feeder_routes", [])}
    loop_days: dict[str, set[int]] = {}
    for lp in md.get("loops", []):
        for rid in lp["feeder_route_ids"]:
            for s in feeders.get(rid, {}).get("stops", []):
                if s.get("village_id"):
                    loop_days.setdefault(s["village_id"], set()).update(lp["service_days"])
    out = []
    for v, p in pats.items():
        if p["via"] == "multi_day_run":
            if runs.get(v) != sorted(p["days"]):
                out.append(f"weekly: village {v} claims run days {p['days']}, its run has "
                           f"{runs.get(v)}")
        elif p["via"] == "multi_day":
            if sorted(loop_days.get(v, ())) != sorted(p["days"]):
                out.append(f"weekly: village {v} claims loop days {p['days']}, the loops' "
                           f"feeders visit it on {sorted(loop_days.get(v, ()))}")
        elif p["via"] != "feeder":
            out.append(f"weekly: village {v} pattern via {p['via']!r} is unknown")
        if p["via"] != "feeder" and (p["visits"] != len(p["days"])
                                     or p["daily"] != (len(p["days"]) == d["weekly"]
                                                       ["horizon_days"])):
            out.append(f"weekly: village {v} pattern claims {p['visits']} visits/daily "
                       f"{p['daily']} for days {p['days']}")
    return out


def _load_problems(day: int, rid: str, v: str, s: dict[str, Any], pats: dict[str, Any],
                   vill: dict[str, Any], H: int) -> list[str]:
    p = pats.get(v)
    if p is None or v not in vill or day not in p["days"]:
        return [f"day {day} route {rid}: village {v} visited off its pattern "
                f"{None if p is None else p['days']}"]
    days = sorted(p["days"])
    g = gaps(days, H)[days.index(day)]
    out = []
    for key in ("deliver_kg", "pickup_kg"):
        want = g * vill[v][key]
        if abs(s[key] - want) > KG_TOL:
            out.append(f"day {day} route {rid}: {v} {key} {s[key]} ≠ {g} days × {vill[v][key]} "
                       "accumulated since the previous visit")
    return out

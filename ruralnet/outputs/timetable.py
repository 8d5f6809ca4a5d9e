"""Weekly timetables (班次表): per village, days and expected arrival; per vehicle per day.

Read from plan.json's ``weekly`` part (every day's feeder routes) and its
``multi_day`` part (remote stations' service days). Without a ``weekly``
part, daily villages are on every day of ``multi_day``'s horizon (7 by
default) and remote villages on their loop's service days. Times are the
planned arrivals (HH:MM); a village visited on several days gets the
earliest and latest of them, the window a station keeper can post.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ruralnet._io import atomic_path

__all__ = ["timetables", "write_timetables"]

DAY_ZH = "一二三四五六日"


def _hhmm(minutes: float) -> str:
    m = int(round(minutes))
    return f"{m // 60:02d}:{m % 60:02d}"


def _day_routes(d: dict[str, Any]) -> tuple[int, list[tuple[int, dict[str, Any]]]]:
    """Return the horizon and ``(day, route)`` pairs of every planned feeder day."""
    wk, md = d.get("weekly"), d.get("multi_day") or {}
    if wk:
        H = wk["horizon_days"]
        pairs = [(day["day"], r) for day in wk["days"] for r in day["routes"]]
    else:
        H = md.get("horizon_days", 7)
        daily = [r for r in d["routes"] if r["tier"] in ("feeder", "direct")]
        pairs = [(day, r) for day in range(1, H + 1) for r in daily]
    by_id = {r["id"]: r for r in md.get("feeder_routes", [])}
    for lp in md.get("loops", []):
        pairs += [(day, by_id[rid]) for day in lp["service_days"] for rid in lp["feeder_route_ids"]
                  if rid in by_id]
    return H, pairs


def timetables(plan: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the village timetable and the vehicle timetable of a plan.

    Returns
    -------
    tuple of pandas.DataFrame
        Villages: one row per village visited at least once a week, with
        its visit days, visits a week, earliest/latest planned arrival and
        the parcels (kg) of a visit. Vehicles: one row per route (trip) per
        day, with the vehicle and its trip number (班次: a vehicle with
        several trips a day has one row per trip).
    """
    d = plan.data if hasattr(plan, "data") else plan
    H, pairs = _day_routes(d)
    names = {v["id"]: v for v in d["villages"]}
    town = {t["id"]: t["name"] for t in d["townships"]}
    visits: dict[str, list[tuple[int, float, float, str]]] = {}
    rows_v = []
    for day, r in sorted(pairs, key=lambda p: (p[0], p[1].get("vehicle") or p[1]["id"],
                                               p[1].get("trip", 1), p[1]["id"])):
        stops = [s for s in r["stops"] if s.get("village_id")]
        for s in stops:
            visits.setdefault(s["village_id"], []).append(
                (day, s["arrive_min"], s["deliver_kg"], r["depot_site_id"]))
        rows_v.append({
            "day": day, "day_zh": f"周{DAY_ZH[(day - 1) % 7]}", "route_id": r["id"],
            "vehicle": r.get("vehicle") or r["id"], "trip": r.get("trip", 1),
            "station": r["depot_site_id"], "vehicle_type": r["vehicle_type"],
            "depart": _hhmm(r["depart_min"]), "return": _hhmm(r["return_min"]),
            "stops": " → ".join(f"{names[s['village_id']]['name']} {_hhmm(s['arrive_min'])}"
                                for s in stops),
            "deliver_kg": round(sum(s["deliver_kg"] for s in stops), 1),
            "pickup_kg": round(sum(s["pickup_kg"] for s in stops), 1),
            "distance_km": r["distance_km"]})
    rows = []
    for vid, vs in visits.items():
        v = names[vid]
        days = sorted({x[0] for x in vs})
        rows.append({
            "village_id": vid, "name": v["name"], "township": town.get(v["township_id"], ""),
            "kind": v["kind"], "station": vs[0][3], "has_station": bool(v.get("has_station")),
            "visits_per_week": len(days), "horizon_days": H,
            "days": "每日 daily" if len(days) == H else "".join(DAY_ZH[(x - 1) % 7]
                                                              for x in days),
            "arrival_earliest": _hhmm(min(x[1] for x in vs)),
            "arrival_latest": _hhmm(max(x[1] for x in vs)),
            "deliver_kg_per_visit_max": round(max(x[2] for x in vs), 1),
            "note": "每次送达自上次配送以来累计的包裹 parcels accumulated since the last visit"
            if len(days) < H else ""})
    villages = pd.DataFrame(rows).sort_values(["township", "village_id"]) if rows else (
        pd.DataFrame(rows))
    return villages, pd.DataFrame(rows_v)


def write_timetables(plan: Any, folder: Path) -> list[str]:
    """Write ``timetable_villages.csv`` and ``timetable_vehicles.csv``; return their names.

    Nothing is written (``[]``) for a plan with neither a ``weekly`` nor a
    ``multi_day`` part: its daily routes are the timetable.
    """
    d = plan.data if hasattr(plan, "data") else plan
    if not d.get("weekly") and not d.get("multi_day"):
        return []
    villages, vehicles = timetables(d)
    out = []
    for name, table in (("timetable_villages.csv", villages),
                        ("timetable_vehicles.csv", vehicles)):
        with atomic_path(folder / name) as tmp:
            table.to_csv(tmp, index=False, encoding="utf-8-sig")
        out.append(name)
    return out

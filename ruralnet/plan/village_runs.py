"""``multi_day.village_runs`` of plan.json: far villages' dedicated runs, and their checks.

:func:`add_village_runs` records a
:class:`~ruralnet.routing.far_villages.FarVillages` (each village no day
feeder reaches gets a same-day early run or an overnight run from its
station on fixed days, or is listed as impossible with the binding figure);
:func:`village_run_problems` re-checks it from the file alone for
``ruralnet validate``. Days are 1-based in the file (1 = 周一).
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["RUN_NOTE", "add_village_runs", "village_run_problems"]

KG_TOL = 0.2
TIME_TOL_MIN = 0.05
RUN_NOTE = (
    "日间支线到不了的村：从所属乡镇站开专线（早班当日往返，或过夜多日往返），按固定配送日，"
    "每次送达自上次配送以来累计的包裹；每条专线一辆车（未合并）。 "
    "Villages no day feeder reaches get a dedicated run from their township station (an early "
    "same-day round trip, or an overnight multi-day one) on fixed days, each visit bringing "
    "what accumulated since the previous one; one vehicle per run (not pooled).")


def _r(x: float, nd: int = 2) -> float:
    return round(float(x), nd)


def _days_zh(days: list[int]) -> str:
    return "".join("一二三四五六日"[(d - 1) % 7] for d in days)


def add_village_runs(data: dict[str, Any], far: Any, point_ids: list[str]) -> None:
    """Add ``multi_day["village_runs"]`` and ``["villages_impossible"]``; update the lists.

    The ``not_daily`` and ``unserved`` rows of each village get the run (or
    the reason it is impossible) with its figures, and the runs' cost per
    day is added to ``costs``. ``data["multi_day"]`` must exist.
    """
    md = data["multi_day"]
    H = far.horizon_days
    runs = []
    for k, r in enumerate(far.runs):
        zh, en = r.figures()
        days = [d + 1 for d in r.days]
        runs.append({
            "id": f"R{k + 1:02d}", "village_id": point_ids[r.village],
            "station_site_id": point_ids[r.station], "kind": r.kind,
            "vehicle_type": r.vehicle_type, "capacity_kg": r.capacity_kg,
            "one_way_min": r.one_way_min, "back_min": r.back_min, "shift_min": _r(r.shift_min, 1),
            "days_out": r.days_out, "days_back": r.days_back, "cycle_days": r.cycle_days,
            "days": days, "days_zh": _days_zh(days), "visits": len(days),
            "deliver_kg": list(r.deliver_kg), "pickup_kg": list(r.pickup_kg),
            "out_km": r.out_km, "back_km": r.back_km, "cost_per_week": r.cost_per_week_yuan,
            "short_of_target": r.short_of_target, "zh": zh, "en": en})
    impossible = [{"village_id": point_ids[q], "station_site_id": point_ids[st],
                   "reason": reason, "zh": zh, "en": en}
                  for q, st, reason, zh, en in far.impossible]
    md["village_runs"] = runs
    md["villages_impossible"] = impossible
    md["village_runs_note"] = RUN_NOTE
    text = {x["village_id"]: ("multi_day_run", x["zh"], x["en"]) for x in runs}
    text.update({x["village_id"]: (x["reason"], "多日专线也无法配送：" + x["zh"],
                                   "not even a multi-day run: " + x["en"]) for x in impossible})
    for row in md["not_daily"]:
        if row["kind"] == "village" and row["id"] in text:
            row["reason"], row["zh"], row["en"] = text[row["id"]]
    for row in data["unserved"]:  # its daily reason stays; the text says what it gets instead
        if row["village_id"] in text:
            _, zh, en = text[row["village_id"]]
            row["zh"], row["en"] = f"{row['zh']}；{zh}", f"{row['en']}; {en}"
    per_day = _r(far.cost_per_week_yuan / H)
    md["village_runs_cost_per_day"] = per_day
    md["cost_per_day"] = _r(md.get("cost_per_day", 0.0) + per_day)
    costs = data["costs"]
    costs["multi_day_per_day"] = _r(costs.get("multi_day_per_day", 0.0) + per_day)
    costs["total_per_day"] = _r(costs["total_per_day"] + per_day)
    if runs or impossible:
        data["notes"].append(
            f"{len(runs)} 个日间支线到不了的村改为多日/早班专线，{len(impossible)} 个村连专线也"
            f"无法配送（见 multi_day.village_runs） | {len(runs)} villages no day feeder reaches "
            f"get dedicated multi-day or early runs, {len(impossible)} cannot be served even so "
            "(see multi_day.village_runs)")


def village_run_problems(d: dict[str, Any], daily_vill: set[Any],
                         loop_vill: set[Any]) -> list[str]:
    """Re-check ``multi_day.village_runs``; one line per problem.

    Checks: the village exists, belongs to its station's township and is
    served neither daily nor by a loop's feeders; the run's days out and
    back cover its one-way and return times in whole shifts (a same-day run
    fits one shift), its cycle is their sum; its days lie in the horizon, at
    least a cycle apart, and on a loop's service days when its station has
    a loop; each visit brings the days accumulated since the previous one;
    the village's ``not_daily`` row names the run; every impossible village
    is listed not daily and has no run.
    """
    md = d.get("multi_day") or {}
    runs = md.get("village_runs") or []
    out: list[str] = []
    H = md.get("horizon_days", 7)
    sites = {s["id"]: s for s in d["sites"]}
    vill = {v["id"]: v for v in d["villages"]}
    service = d["parameters"].get("all", {}).get("routing", {}).get("village_service_min", 0)
    loops = {lp["station_site_id"]: set(lp["service_days"]) for lp in md.get("loops", [])}
    rows = {x["id"]: x for x in md.get("not_daily", []) if x["kind"] == "village"}
    seen: set[str] = set()
    for r in runs:
        rid, v, st = r["id"], r["village_id"], r["station_site_id"]
        if v in seen:
            out.append(f"village run {rid}: village {v} has another run")
        seen.add(v)
        if v not in vill or sites.get(st, {}).get("kind") != "township_station":
            out.append(f"village run {rid}: unknown village {v} or station {st}")
            continue
        if vill[v]["township_id"] != sites[st]["township_id"]:
            out.append(f"village run {rid}: {v} is not of {st}'s township")
        if v in daily_vill or v in loop_vill:
            out.append(f"village run {rid}: village {v} is also on a feeder route")
        shift, go, back = r["shift_min"], r["one_way_min"], r["back_min"]
        if r["kind"] == "same_day":
            if go + service + back > shift + TIME_TOL_MIN or r["cycle_days"] != 1:
                out.append(f"village run {rid}: same-day run {go} + {service} + {back} min "
                           f"does not fit the {shift} min shift")
        else:
            need_out = max(1, math.ceil((go + service - TIME_TOL_MIN) / shift))
            need_back = max(1, math.ceil((back - TIME_TOL_MIN) / shift))
            if r["days_out"] < need_out or r["days_back"] < need_back:
                out.append(f"village run {rid}: {r['days_out']}+{r['days_back']} days cannot "
                           f"cover {go} + {back} min at {shift} min a shift")
            if r["cycle_days"] != r["days_out"] + r["days_back"]:
                out.append(f"village run {rid}: cycle_days {r['cycle_days']} ≠ days out + back")
        days = sorted(r["days"])
        if not days or days[0] < 1 or days[-1] > H or len(set(days)) != len(days):
            out.append(f"village run {rid}: days {r['days']} outside 1..{H}")
            continue
        gaps = [(x - days[i - 1]) % H or H for i, x in enumerate(days)]
        if min(gaps) < r["cycle_days"]:
            out.append(f"village run {rid}: days {days} closer than its {r['cycle_days']}-day "
                       "cycle (one vehicle)")
        if st in loops and not set(days) <= loops[st]:
            out.append(f"village run {rid}: days {days} are not service days of {st}'s loop "
                       f"{sorted(loops[st])}")
        if r["visits"] != len(days):
            out.append(f"village run {rid}: claims {r['visits']} visits for days {days}")
        for key in ("deliver_kg", "pickup_kg"):
            want = [g * vill[v][key] for g in gaps]
            if len(r[key]) != len(want) or any(abs(a - b) > KG_TOL
                                               for a, b in zip(r[key], want, strict=False)):
                out.append(f"village run {rid}: {key} {r[key]} ≠ days since the previous visit "
                           f"× {vill[v][key]} ({[round(x, 2) for x in want]})")
        if rows.get(v, {}).get("reason") != "multi_day_run":
            out.append(f"village run {rid}: village {v} is not listed not daily with its run")
    for x in md.get("villages_impossible") or []:
        if x["village_id"] in seen:
            out.append(f"village {x['village_id']} listed impossible but has a run")
        if x["village_id"] not in rows:
            out.append(f"village {x['village_id']} listed impossible but not in not_daily")
    return out

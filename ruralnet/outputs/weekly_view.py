"""The week in the outputs: visits per week per village, the 班次表 section and sheet.

Read from plan.json's ``weekly`` part (visit-day patterns and every day's
feeder routes) and ``multi_day`` part (loops to remote stations and the
stations and villages not served daily with their binding figure), through
:func:`ruralnet.outputs.timetable.timetables`. A plan with neither runs every
route every day: its daily-served villages (:mod:`ruralnet.outputs.served`)
are visited 7 times a week, the others not at all.

A village that hosts a township station gets its parcels at the station on
every day of the week (the trunk runs daily), so it counts the whole horizon
even when no feeder stops at it.

Examples
--------
>>> days_text([1, 4], 7), days_text([1, 2, 3, 4, 5, 6, 7], 7)
('周一、周四', '每日')
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ruralnet.outputs.blocks import Block, frame_of, h2
from ruralnet.outputs.served import village_status
from ruralnet.outputs.timetable import DAY_ZH, timetables
from ruralnet.outputs.words import pick

__all__ = ["has_week", "not_daily_places", "run_blocks", "run_rows", "schedule_blocks",
           "schedule_frame", "days_text", "visits_per_week", "weekly_text"]

LOOP_REASON = {"late_arrival": ("干线到站晚于截止时间", "trunk arrives after the cut-off"),
               "round_trip_over_shift": ("往返超出单班时长", "round trip longer than a shift"),
               "one_way_over_shift": ("单程超出单班时长", "one way longer than a shift")}


def has_week(plan: Any) -> bool:
    """Return whether the plan has a ``weekly`` or ``multi_day`` part."""
    d = getattr(plan, "data", plan)
    return bool(d.get("weekly") or d.get("multi_day"))


def horizon(plan: Any) -> int:
    """Return the days of the plan's week (``weekly``, else ``multi_day``, else 7)."""
    d = getattr(plan, "data", plan)
    return int((d.get("weekly") or d.get("multi_day") or {}).get("horizon_days", 7))


def days_text(days: list[int], horizon_days: int) -> str:
    """Return visit days as 周一、周四, or 每日 when every day of the horizon."""
    if len(set(days)) >= horizon_days:
        return "每日"
    return "、".join(f"周{DAY_ZH[(x - 1) % 7]}" for x in sorted(set(days)))


def _visits(plan: Any) -> dict[str, tuple[int, list[int], str]]:
    """Village id → (visits a week, days, station site id) from the timetable."""
    d = getattr(plan, "data", plan)
    H = horizon(plan)
    status = village_status(d)
    at_station = {s["village_id"]: s["id"] for s in d["sites"]
                  if s["kind"] == "township_station" and s.get("village_id")}
    out: dict[str, tuple[int, list[int], str]] = {}
    if has_week(d):
        villages, _ = timetables(d)
        days_of = _days_of(d)
        for r in villages.itertuples(index=False):
            out[r.village_id] = (int(r.visits_per_week), days_of.get(r.village_id, []),
                                 str(r.station))
    else:
        for r in d["routes"]:
            for s in r["stops"]:
                if s.get("village_id") and r["tier"] in ("feeder", "direct"):
                    out.setdefault(s["village_id"], (H, list(range(1, H + 1)),
                                                     r["depot_site_id"]))
    for run in (d.get("multi_day") or {}).get("village_runs", []):
        out[run["village_id"]] = (len(run["days"]), sorted(run["days"]), run["station_site_id"])
    for vid, site in at_station.items():
        if status.get(vid) == "daily" and out.get(vid, (0,))[0] < H:
            out[vid] = (H, list(range(1, H + 1)), site)
    return out


def _days_of(d: dict[str, Any]) -> dict[str, list[int]]:
    """Village id → its visit days (weekly patterns, then multi-day loops, then daily routes)."""
    wk, md = d.get("weekly") or {}, d.get("multi_day") or {}
    H = horizon(d)
    out: dict[str, list[int]] = {}
    if wk:
        for p in wk.get("patterns", []):
            out[p["village_id"]] = sorted(p["days"])
    else:
        for r in d["routes"]:
            if r["tier"] in ("feeder", "direct"):
                for s in r["stops"]:
                    if s.get("village_id"):
                        out[s["village_id"]] = list(range(1, H + 1))
    feeders = {r["id"]: r for r in md.get("feeder_routes", [])}
    for lp in md.get("loops", []):
        for rid in lp["feeder_route_ids"]:
            for s in feeders.get(rid, {}).get("stops", []):
                if not s.get("village_id") or (wk and s["village_id"] in out):
                    continue  # the week's patterns already give its days
                out[s["village_id"]] = sorted(set(out.get(s["village_id"], []))
                                                  | set(lp["service_days"]))
    for run in md.get("village_runs", []):
        out[run["village_id"]] = sorted(run["days"])
    return out


def visits_per_week(plan: Any) -> dict[str, int]:
    """Return every village's visits a week (0 when never visited)."""
    d = getattr(plan, "data", plan)
    got = _visits(d)
    return {v["id"]: got.get(v["id"], (0,))[0] for v in d["villages"]}


def weekly_text(plan: Any) -> dict[str, str]:
    """Village id → ``'2 次/周（周一、周四）'`` for a plan with a week; ``{}`` without one."""
    d = getattr(plan, "data", plan)
    if not has_week(d):
        return {}
    H = horizon(d)
    out = {}
    for vid, (n, days, _) in _visits(d).items():
        out[vid] = f"{n} 次/周（{days_text(days, H) if days else '—'}）"
    return out


def not_daily_places(plan: Any) -> list[dict[str, Any]]:
    """Stations and villages not served daily, for the map layer.

    Each is ``{"id", "kind" ("station"/"village"), "lon", "lat", "name", "text"}``:
    ``multi_day.not_daily`` entries with their binding figure, then villages of
    the week visited on fewer days than the horizon.
    """
    d = getattr(plan, "data", plan)
    if not has_week(d):
        return []
    where = {s["id"]: s for s in d["sites"]}
    where.update({v["id"]: v for v in d["villages"]})
    out, seen = [], set()
    for e in (d.get("multi_day") or {}).get("not_daily", []):
        p = where.get(e["id"])
        if p is None or e["id"] in seen:
            continue
        seen.add(e["id"])
        out.append({"id": e["id"], "kind": e["kind"], "lon": p["lon"], "lat": p["lat"],
                    "name": p.get("name", e["id"]), "text": e.get("zh") or e.get("reason", "")})
    H = horizon(d)
    for vid, (n, days, _) in _visits(d).items():
        if n < H and vid not in seen and vid in where:
            p = where[vid]
            out.append({"id": vid, "kind": "village", "lon": p["lon"], "lat": p["lat"],
                        "name": p.get("name", vid),
                        "text": f"每周 {n} 次（{days_text(days, H)}）"})
    return out


def _groups(d: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows (station, days) → villages, in township then station order, most visits first."""
    H = horizon(d)
    site = {s["id"]: s for s in d["sites"]}
    town = {t["id"]: t["name"] for t in d["townships"]}
    names = {v["id"]: v["name"] for v in d["villages"]}
    groups: dict[tuple[str, tuple[int, ...], int], list[str]] = {}
    for vid, (n, days, st) in _visits(d).items():
        groups.setdefault((st, tuple(days), n), []).append(vid)
    rows = []
    for (st, days, n), vids in groups.items():
        s = site.get(st, {})
        rows.append({"town": town.get(s.get("township_id") or "", ""),
                     "station": s.get("name", st), "visits": n,
                     "days": days_text(list(days), H) if days else "—",
                     "villages": [names.get(v, v) for v in sorted(vids)]})
    return sorted(rows, key=lambda r: (r["town"], r["station"], -r["visits"], r["days"]))


def run_rows(plan: Any) -> list[dict[str, Any]]:
    """Far villages' dedicated runs and the villages even a run cannot serve, one row each."""
    d = getattr(plan, "data", plan)
    md = d.get("multi_day") or {}
    H = horizon(d)
    site = {s["id"]: s.get("name", s["id"]) for s in d["sites"]}
    names = {v["id"]: v["name"] for v in d["villages"]}
    rows = [{"village": names.get(r["village_id"], r["village_id"]),
             "station": site.get(r["station_site_id"], r["station_site_id"]),
             "run": ("早班当日往返 same-day" if r["kind"] == "same_day"
                     else f"{r['cycle_days']} 天过夜 {r['cycle_days']}-day overnight"),
             "visits": r["visits"], "days": days_text(r["days"], H),
             "one_way_h": round(r["one_way_min"] / 60, 1), "shift_h": round(r["shift_min"] / 60, 1),
             "cost_per_week": r["cost_per_week"], "zh": r["zh"], "en": r["en"]}
            for r in md.get("village_runs", [])]
    rows += [{"village": names.get(x["village_id"], x["village_id"]),
              "station": site.get(x["station_site_id"], x["station_site_id"]),
              "run": "无法配送 none", "visits": 0, "days": "—", "one_way_h": None,
              "shift_h": None, "cost_per_week": 0.0, "zh": x["zh"], "en": x["en"]}
             for x in md.get("villages_impossible", [])]
    return rows


def run_blocks(plan: Any, lang: str) -> list[Block]:
    """Return the report's table of far villages' runs (nothing when there are none)."""
    rows = run_rows(plan)
    if not rows:
        return []
    table = [{"村": r["village"], "中转站": r["station"], "专线": r["run"],
              "次/周": str(r["visits"]), "配送日": r["days"],
              "约束": pick(r["zh"], r["en"], lang)} for r in rows]
    cols = [("村", "village"), ("中转站", "station"), ("专线", "run"), ("次/周", "visits/week"),
            ("配送日", "days"), ("约束", "binding figure")]
    n_imp = sum(1 for r in rows if r["visits"] == 0)
    return [Block("h3", pick("日间支线到不了的村：专线", "Villages no day feeder reaches: "
                             "dedicated runs", lang)),
            Block("p", pick(f"{len(rows) - n_imp} 个村改为专线配送，{n_imp} 个村连专线也无法配送。"
                            "每条专线一辆车（未合并）。",
                            f"{len(rows) - n_imp} villages get a dedicated run, {n_imp} cannot be "
                            "served even so; one vehicle per run (not pooled).", lang)),
            Block("table", frame=frame_of(table, cols, lang), cls="village_runs")]


def schedule_frame(plan: Any) -> pd.DataFrame:
    """Return the 班次 sheet: one row per (station, visit days) with its villages."""
    d = getattr(plan, "data", plan)
    return pd.DataFrame([{"乡镇 township": r["town"], "中转站 station": r["station"],
                          "班次/周 visits per week": r["visits"], "配送日 days": r["days"],
                          "村数 villages": len(r["villages"]),
                          "村 village names": "、".join(r["villages"])} for r in _groups(d)],
                        columns=["乡镇 township", "中转站 station", "班次/周 visits per week",
                                 "配送日 days", "村数 villages", "村 village names"])


def schedule_blocks(plan: Any, lang: str) -> list[Block]:
    """Return the 班次表 section of the annex (nothing for a plan without a week)."""
    d = getattr(plan, "data", plan)
    if not has_week(d):
        return []
    H = horizon(d)
    out = [h2("schedule", "五、班次表", "5. Weekly schedule", lang)]
    wk, md = d.get("weekly"), d.get("multi_day") or {}
    if wk:
        c = wk["coverage"]
        out.append(Block("p", pick(
            f"按{H}天为一周安排班次：行政村{c['villages_total']}个中，每日配送"
            f"{c['villages_daily']}个，每周至少{wk['min_visits_per_week']}次"
            f"{c['villages_min_visits']}个（{100 * c['weekly_share']:.1f}%）。"
            "非每日配送的村，每次送达自上次配送以来累计的包裹。",
            f"A {H}-day week: of {c['villages_total']} administrative villages, "
            f"{c['villages_daily']} are served daily and {c['villages_min_visits']} at least "
            f"{wk['min_visits_per_week']} times a week ({100 * c['weekly_share']:.1f}%); a "
            "village not served daily gets what accumulated since its previous visit.", lang)))
    rows = [{"乡镇": r["town"], "中转站": r["station"], "班次/周": str(r["visits"]),
             "配送日": r["days"], "村": f"{len(r['villages'])}个：" + "、".join(r["villages"])}
            for r in _groups(d)]
    cols = [("乡镇", "township"), ("中转站", "station"), ("班次/周", "visits/week"),
            ("配送日", "days"), ("村", "villages")]
    out.append(Block("table", frame=frame_of(rows, cols, lang), cls="schedule"))
    loops = md.get("loops", [])
    if loops:
        site = {s["id"]: s.get("name", s["id"]) for s in d["sites"]}
        binding = {e["id"]: e.get("zh", "") for e in md.get("not_daily", [])
                   if e["kind"] == "station"}
        rows = [{"中转站": site.get(lp["station_site_id"], lp["station_site_id"]),
                 "周期": f"{lp['cycle_days']}天", "配送日": days_text(lp["service_days"], H),
                 "原因": binding.get(lp["station_site_id"]) or
                 pick(*LOOP_REASON.get(lp["reason"], (lp["reason"], lp["reason"])), lang)}
                for lp in loops]
        out += [Block("h3", pick("多日循环（偏远乡镇中转站）", "Multi-day loops (remote stations)",
                                 lang)),
                Block("table", frame=frame_of(rows, [("中转站", "station"), ("周期", "cycle"),
                                                    ("配送日", "days"), ("原因", "reason")],
                                              lang), cls="loops")]
    out += run_blocks(d, lang)
    out.append(Block("note", pick("逐车逐日线路见 timetable_vehicles.csv，各村到达时间见 "
                                  "timetable_villages.csv。", "Per-vehicle per-day routes: "
                                  "timetable_vehicles.csv; arrivals per village: "
                                  "timetable_villages.csv.", lang)))
    return out

"""The map's villages: circles by service status, and the layer of places not served daily.

:func:`add_villages` draws every village filled by its status
(:func:`ruralnet.outputs.served.village_status`: daily, passed not stopped,
not served), edged purple when poor, with a popup naming its township,
station, loads and — for a plan with a week — its visits a week.
:func:`add_not_daily_layer` rings each place of
:func:`ruralnet.outputs.weekly_view.not_daily_places` — a remote township
station on a multi-day loop, a village visited on some days of the week —
in one layer a planner can switch off; its popup gives the visit days or
the binding figure. :func:`not_daily_legend` adds the ring to the legend.
Nothing is drawn for a plan whose routes all run daily.
"""

from __future__ import annotations

import html
from typing import Any

from ruralnet.outputs.exports import daily_villages
from ruralnet.outputs.served import STATUS_TEXT, village_status
from ruralnet.outputs.weekly_view import not_daily_places, weekly_text

__all__ = ["NOT_DAILY_RING", "PLAIN_EDGE", "POOR_EDGE", "STATUS_FILL", "VILLAGE_FILL",
           "add_not_daily_layer", "add_villages", "not_daily_legend"]

NOT_DAILY_RING = "#7c3aed"
VILLAGE_FILL = {True: "#16a34a", False: "#f97316"}  # daily / not daily
#: fill per service status of ruralnet.outputs.served.village_status
STATUS_FILL = {"daily": VILLAGE_FILL[True], "passed": "#eab308", "not_served": VILLAGE_FILL[False]}
POOR_EDGE, PLAIN_EDGE = "#6b21a8", "#ffffff"


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _village_popup(v: dict[str, Any], town: str, route: str | None, station: str | None,
                   status: str = "", weekly: str = "") -> str:
    kind = {"village": "行政村", "community": "社区", "other": "其他"}.get(v["kind"], v["kind"])
    parts = [f"<b>{_esc(v['name'])}</b>（{_esc(kind)}）",
             f"乡镇 township: {_esc(town)}",
             f"每日配送 daily: {'是 yes（' + _esc(route) + '）' if route else '否 no'}"]
    if status == "daily" and not route:
        parts[-1] = "每日配送 daily: 是 yes（在所在站点 at the site it hosts）"
    if status and status != "daily":
        parts.append(_esc(" ".join(STATUS_TEXT[status])))
    if weekly:
        parts.append(f"班次 visits: {_esc(weekly)}")
    if v.get("poor"):
        parts.append("贫困村 poor village")
    if station:
        parts.append(f"村级服务站 station: {_esc(station)}")
    if "deliver_kg" in v or "pickup_kg" in v:
        parts.append(f"送 {v.get('deliver_kg', 0):g} kg / 取 {v.get('pickup_kg', 0):g} kg")
    if v.get("position_source"):
        parts.append(f"位置来源 position: {_esc(v['position_source'])}")
    return "<br>".join(parts)


def add_villages(m: Any, plan: Any, proj: Any, folium: Any, bind: type) -> None:
    """Add the village circles (status fill, poor edge, popup) and the not-daily layer."""
    daily = daily_villages(plan)
    served_as = village_status(plan)
    weekly = weekly_text(plan)
    town = {t["id"]: t["name"] for t in plan.data["townships"]}
    station = {s["village_id"]: s["name"] for s in plan.data["sites"]
               if s["kind"] == "village_station" and s.get("village_id")}
    group = folium.FeatureGroup(name=f"村庄 villages ({len(plan.data['villages'])})").add_to(m)
    for v in plan.data["villages"]:
        st = served_as[v["id"]]
        status = (("daily" if st == "daily" else "not-daily")
                  + (" rn-passed" if st == "passed" else "")
                  + (" rn-poor" if v.get("poor") else "")
                  + (" rn-has-station" if v["id"] in station else ""))
        folium.CircleMarker(
            proj.latlon(v["lon"], v["lat"]), radius=6 if v["kind"] == "village" else 4,
            color=POOR_EDGE if v.get("poor") else PLAIN_EDGE, weight=3 if v.get("poor") else 1,
            fill=True, fill_color=STATUS_FILL[st], fill_opacity=0.9,
            class_name=f"rn-village rn-{status}",
        ).add_child(bind(_village_popup(v, town.get(v["township_id"], ""), daily.get(v["id"]),
                                        station.get(v["id"]), st, weekly.get(v["id"], "")),
                         _esc(v["name"]))).add_to(group)
    add_not_daily_layer(m, plan, proj, folium, bind)




def add_not_daily_layer(m: Any, plan: Any, proj: Any, folium: Any, bind: type) -> int:
    """Add the layer "非每日配送 not daily (n)" to ``m``; return n (0: no layer)."""
    places = not_daily_places(plan)
    if not places:
        return 0
    group = folium.FeatureGroup(name=f"非每日配送 not daily ({len(places)})").add_to(m)
    for p in places:
        word = "乡镇中转站 station" if p["kind"] == "station" else "村 village"
        popup = (f"<b>{_esc(p['name'])}</b>（{word}）<br>非每日配送 not daily: "
                 f"{_esc(p['text'])}")
        folium.CircleMarker(
            proj.latlon(p["lon"], p["lat"]), radius=12 if p["kind"] == "station" else 9,
            color=NOT_DAILY_RING, weight=2, dash_array="4 3", fill=False,
            class_name=f"rn-not-daily-ring rn-not-daily-{p['kind']}",
        ).add_child(bind(popup, _esc(p["name"]))).add_to(group)
    return len(places)


def not_daily_legend(plan: Any) -> list[tuple[str, str]]:
    """Legend rows (symbol SVG, text) for the ring, when the plan has places not daily."""
    places = not_daily_places(plan)
    if not places:
        return []
    n_st = sum(p["kind"] == "station" for p in places)
    ring = (f'<svg width="20" height="20"><circle cx="10" cy="10" r="8" fill="none" '
            f'stroke="{NOT_DAILY_RING}" stroke-width="2" stroke-dasharray="4 3"/></svg>')
    return [(ring, f"虚线圈：非每日配送（站 {n_st}、村 {len(places) - n_st}）"
                   " dashed ring: not served daily")]

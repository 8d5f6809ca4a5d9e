"""Driver manifests (司机线路单): one printed sheet per route, in a file of their own.

:func:`write_manifests` writes ``manifests.html``: for each route its vehicle,
times, distance, and every stop with arrival, departure, parcels delivered and
picked up and the load after the stop, then a line for the driver's
signature. Each sheet starts on a new printed page. Names are HTML-escaped.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from ruralnet._io import atomic_path
from ruralnet.outputs.exports import STOP_COLUMNS, TIER_ZH, minutes_to_hhmm, stop_table
from ruralnet.outputs.words import num, pick
from ruralnet.plan.document import SYNTHETIC_NOTICE_ZH, Plan

MANIFEST_COLUMNS = ("stop_order", "name", "township", "arrive", "depart", "deliver_kg",
                    "pickup_kg", "load_after_kg")


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _cell(value: Any) -> str:
    return num(value, 1) if isinstance(value, float) else _esc(value)


def render_manifests(plan: Plan, *, lang: str = "zh") -> str:
    """Return the driver manifests of every route as one HTML page."""
    stops = stop_table(plan)
    head = "".join(f"<th>{_esc(STOP_COLUMNS[c] if lang != 'zh' else STOP_COLUMNS[c].split()[0])}"
                   "</th>" for c in MANIFEST_COLUMNS)
    sheets = []
    for r in plan.routes():
        rows = stops[stops["route_id"] == r["id"]][list(MANIFEST_COLUMNS)]
        body = "".join("<tr>" + "".join(f"<td>{_cell(x)}</td>" for x in row) + "</tr>"
                       for row in rows.itertuples(index=False))
        tier = TIER_ZH[r["tier"]] if lang != "zh" else TIER_ZH[r["tier"]].split()[0]
        sheets.append(
            f'<div class="sheet"><h2>{_esc(pick("线路", "route", lang))} {_esc(r["id"])} · '
            f"{_esc(tier)}</h2><p>车型 {_esc(r['vehicle_type'])}；核载 {num(r['capacity_kg'])} kg；"
            f"出车 {minutes_to_hhmm(r['depart_min'])}，回场 {minutes_to_hhmm(r['return_min'])}；"
            f"里程 {r['distance_km']:.1f} km；用时 {r['duration_min']:.0f} 分钟</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            "<p class='sign'>司机签字：__________　　日期：__________　　"
            "站点签收：__________</p></div>")
    notice = (f"<p class='notice'>⚠ {_esc(SYNTHETIC_NOTICE_ZH)}</p>" if plan.synthetic else "")
    title = f"{plan.county['name']} 司机线路单"
    content = "".join(sheets) or "<p>本方案没有线路。The plan has no routes.</p>"
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>'
            f"{_esc(title)}</title><style>{CSS}</style></head><body><h1>{_esc(title)}</h1>"
            f"{notice}{content}</body></html>")


def write_manifests(plan: Plan, path: str | Path, *, lang: str = "zh") -> Path:
    """Write :func:`render_manifests` to ``path`` (UTF-8, atomically) and return it."""
    text = render_manifests(plan, lang=lang)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em;color:#111}
table{border-collapse:collapse;font-size:.9em}
th,td{border:1px solid #888;padding:2px 6px;text-align:left}
th{background:#eee}
.notice{border:2px solid #b45309;background:#fde68a;padding:.3em 1em}
.sign{margin-top:2em}
@page{size:A4;margin:15mm}
@media print{body{margin:0}.sheet~.sheet{break-before:page}tr{break-inside:avoid}
 .notice{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""

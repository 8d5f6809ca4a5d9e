"""The printable plan report: one self-contained HTML file for the implementation plan.

:func:`write_report` writes the summary, the synthetic-data notice, the
scorecard, an overview map and a fleet-versus-coverage chart (PNG images
embedded as base64), one driver manifest per vehicle, the villages left
without daily service and why, the siting and location-routing figures when the
plan has them, and the provenance and parameters. Every name is HTML-escaped.

Charts use matplotlib's Agg canvas without pyplot. Their labels are Chinese
when a CJK font is installed (``fc-list :lang=zh``) and English otherwise, so a
server without CJK fonts prints no empty boxes.

Examples
--------
>>> _fmt(0.83456), _fmt(None), _fmt(12.0)
('0.835', '—', '12')
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import logging
from pathlib import Path
from typing import Any

import pandas as pd

from ruralnet._io import atomic_path, cjk_font
from ruralnet.geo.county import County
from ruralnet.outputs.exports import (
    SCORECARD_COLUMNS,
    STOP_COLUMNS,
    TIER_ZH,
    check_county_matches,
    daily_villages,
    minutes_to_hhmm,
    scorecard_table,
    stop_table,
    summary_rows,
    visible_text,
)
from ruralnet.plan.document import SYNTHETIC_NOTICE_EN, SYNTHETIC_NOTICE_ZH, Plan

logger = logging.getLogger(__name__)

STATUS_COLOURS = {"met": "#d4edda", "not met": "#f8d7da", "at risk": "#fff3cd",
                  "awaiting data": "#e2e3e5"}
MANIFEST_COLUMNS = ("stop_order", "name", "township", "arrive", "depart", "deliver_kg",
                    "pickup_kg", "load_after_kg")
TIER_COLOURS = {"trunk": "#7f1d1d", "feeder": "#2563eb", "direct": "#0d9488"}


def _esc(value: Any) -> str:
    """HTML-escape a value; control characters and bidi overrides become ``�``."""
    return html.escape(visible_text("" if value is None else str(value)), quote=True)


def _fmt(value: Any) -> str:
    """Format numbers as short text (3 significant decimals), missing values to a dash."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".")
    return str(value)



def _label(zh: str, en: str, font: str | None) -> str:
    return f"{zh} {en}" if font else en


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _fonts(font: str | None) -> Any:
    """Return a context in which matplotlib draws with ``font`` first (no global change)."""
    import matplotlib

    if not font:
        return contextlib.nullcontext()
    return matplotlib.rc_context({"font.sans-serif": [font, *matplotlib.rcParams[
        "font.sans-serif"]], "font.family": "sans-serif", "axes.unicode_minus": False})


def _figure(size: tuple[float, float]) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=size)


def fleet_chart(plan: Plan, *, font: str | None = None) -> str | None:
    """Draw the fleet-versus-coverage chart as base64 PNG, or None when the plan has no curve.

    Vehicles (left axis) and daily cost (right axis) against the coverage
    target; infeasible targets are marked ×; the plan's own point is a star.
    """
    curve = plan.data.get("fleet_curve") or []
    if not curve:
        return None
    with _fonts(font):
        return _draw_fleet(plan, curve, font)


def _draw_fleet(plan: Plan, curve: list[dict[str, Any]], font: str | None) -> str:
    from matplotlib.ticker import MaxNLocator

    fig = _figure((6.5, 3.4))
    ax = fig.subplots()
    ok = [c for c in curve if c.get("feasible", True)]
    bad = [c for c in curve if not c.get("feasible", True)]
    ax.plot([100 * c["target"] for c in ok], [c["vehicles"] for c in ok], "o-", color="#2563eb",
            label=_label("车辆数", "vehicles", font))
    if bad:  # no vehicle count for an infeasible target: mark it on the x axis
        ax.plot([100 * c["target"] for c in bad], [0.03] * len(bad), "x", color="#b91c1c",
                ms=10, mew=2, transform=ax.get_xaxis_transform(), clip_on=False,
                label=_label("不可行", "infeasible", font))
    ax.plot([100 * plan.coverage["village_share"]], [len(plan.routes())], "*", ms=14,
            color="#ca8a04", label=_label("本方案线路数", "this plan (routes)", font))
    ax.set_xlabel(_label("行政村每日覆盖目标 (%)", "daily village coverage target (%)", font))
    ax.set_ylabel(_label("车辆", "vehicles", font))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    handles, labels = ax.get_legend_handles_labels()
    costs = [(100 * c["target"], c["cost"]) for c in ok if c.get("cost") is not None]
    if costs:
        ax2 = ax.twinx()
        ax2.plot(*zip(*costs, strict=True), "s--", color="#16a34a", ms=4,
                 label=_label("日成本", "cost / day", font))
        ax2.set_ylabel(_label("日成本 (元)", "cost per day (CNY)", font))
        h2, l2 = ax2.get_legend_handles_labels()
        handles, labels = handles + h2, labels + l2
    ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=4,
              fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    return _png(fig)


def overview_chart(plan: Plan, county: County | None = None, *,
                   font: str | None = None) -> str:
    """Draw a static overview map (base64 PNG) for print: boundary, routes, sites, villages."""
    with _fonts(font):
        return _draw_overview(plan, county, font)


def _draw_overview(plan: Plan, county: County | None, font: str | None) -> str:
    fig = _figure((6.5, 5.5))
    ax = fig.subplots()
    if county is not None:
        county.townships.boundary.plot(ax=ax, color="#94a3b8", linewidth=0.5, linestyle="--")
        county.boundary.boundary.plot(ax=ax, color="#111827", linewidth=1.5)
    pos = {v["id"]: (v["lon"], v["lat"]) for v in plan.data["villages"]}
    pos.update({s["id"]: (s["lon"], s["lat"]) for s in plan.data["sites"]})
    for tier, colour in TIER_COLOURS.items():
        for i, r in enumerate(plan.routes(tier)):
            xy = [pos[x] for x in (s.get("site_id") or s.get("village_id") for s in r["stops"])
                  if x in pos]
            ax.plot(*zip(*xy, strict=True), color=colour, lw=2.2 if tier == "trunk" else 1.2,
                    ls="--" if tier == "direct" else "-",
                    label=_label(TIER_ZH[tier].split()[0], tier, font) if i == 0 else None)
    daily = daily_villages(plan)
    for served, colour, zh, en in ((True, "#16a34a", "每日配送村", "village served daily"),
                                   (False, "#f97316", "非每日配送", "not served daily")):
        vs = [v for v in plan.data["villages"] if (v["id"] in daily) == served]
        if vs:
            ax.scatter([v["lon"] for v in vs], [v["lat"] for v in vs], s=14, color=colour,
                       zorder=3, label=_label(zh, en, font))
    for kind, marker, colour, zh in (("county_warehouse", "s", "#b91c1c", "县级仓储中心"),
                                     ("township_station", "^", "#1d4ed8", "乡镇中转站"),
                                     ("village_station", "D", "#0f766e", "村级服务站")):
        ss = [s for s in plan.data["sites"] if s["kind"] == kind]
        if ss:
            ax.scatter([s["lon"] for s in ss], [s["lat"] for s in ss], marker=marker,
                       s=70 if kind != "village_station" else 25, color=colour, zorder=4,
                       edgecolor="white", label=_label(zh, kind.replace("_", " "), font))
    ax.set_aspect("equal", adjustable="datalim")
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, loc="best")
    return _png(fig)


def _table(frame: pd.DataFrame, *, row_colours: list[str] | None = None,
           cls: str = "") -> str:
    head = "".join(f"<th>{_esc(c)}</th>" for c in frame.columns)
    body = []
    for i, row in enumerate(frame.itertuples(index=False)):
        style = f' style="background:{row_colours[i]}"' if row_colours else ""
        body.append(f"<tr{style}>" + "".join(f"<td>{_esc(_fmt(x))}</td>" for x in row)
                    + "</tr>")
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody>' \
           "</table>"


def _section(sid: str, title: str, body: str, cls: str = "") -> str:
    return f'<section id="{sid}" class="{cls}"><h2>{_esc(title)}</h2>{body}</section>'


def _summary_section(plan: Plan) -> str:
    frame = pd.DataFrame(summary_rows(plan), columns=["项目 item", "值 value"])
    return _section("summary", "方案概要 Plan summary", _table(frame, cls="kv"))


def _synthetic_section(plan: Plan) -> str:
    if not plan.synthetic:
        return ""
    layers = ", ".join(plan.data["provenance"].get("synthetic_layers", []))
    return (f'<section id="synthetic-notice" class="notice" role="alert">'
            f"<h2>⚠ 合成数据 SYNTHETIC DATA</h2><p>合成图层 synthetic layers: "
            f"<b>{_esc(layers)}</b></p><p>{_esc(SYNTHETIC_NOTICE_ZH)}</p>"
            f"<p>{_esc(SYNTHETIC_NOTICE_EN)}</p></section>")


def _scorecard_section(scorecard: Any) -> str:
    table = scorecard_table(scorecard)
    if table is None:
        body = "<p>未提供指标评分。No scorecard was given.</p>"
    else:
        colours = [STATUS_COLOURS.get(s, "#ffffff") for s in table["status"]]
        body = _table(table[list(SCORECARD_COLUMNS)], row_colours=colours, cls="scorecard")
    return _section("scorecard", "考核指标 Scorecard", body)


def _fleet_section(plan: Plan, font: str | None) -> str:
    png = fleet_chart(plan, font=font)
    if png is None:
        body = ("<p>规划文件中没有车队—覆盖率曲线。The plan file has no fleet-versus-coverage "
                "curve (fleet_curve).</p>")
    else:
        curve = pd.DataFrame(plan.data["fleet_curve"])
        body = (f'<img alt="fleet versus coverage" src="data:image/png;base64,{png}">'
                + _table(curve, cls="curve"))
    return _section("fleet-curve", "车队与覆盖率 Fleet versus coverage", body)


def _route_sheets(plan: Plan) -> str:
    stops = stop_table(plan)
    sheets = []
    for r in plan.routes():
        rows = stops[stops["route_id"] == r["id"]][list(MANIFEST_COLUMNS)]
        rows = rows.rename(columns=STOP_COLUMNS)
        sheets.append(
            f'<div class="sheet"><h3>线路 {_esc(r["id"])} · {_esc(TIER_ZH[r["tier"]])}</h3>'
            f"<p>车型 vehicle: {_esc(r['vehicle_type'])}；核载 capacity {_fmt(r['capacity_kg'])} "
            f"kg；出车 {minutes_to_hhmm(r['depart_min'])}，"
            f"回场 {minutes_to_hhmm(r['return_min'])}；"
            f"里程 {r['distance_km']:.1f} km；用时 {r['duration_min']:.0f} min</p>"
            f"{_table(rows, cls='manifest')}"
            "<p class='sign'>司机签字 driver: ________ 日期 date: ________</p></div>")
    body = "".join(sheets) or "<p>本方案没有线路。The plan has no routes.</p>"
    return _section("route-sheets", "线路单 Route sheets (driver manifests)", body)


def _unserved_section(plan: Plan) -> str:
    reasons = {u["village_id"]: u.get("reason", "") for u in plan.data.get("unserved", [])}
    daily = daily_villages(plan)
    town = {t["id"]: t["name"] for t in plan.data["townships"]}
    rows = [{"编号 id": v["id"], "村 village": v["name"],
             "乡镇 township": town.get(v["township_id"], ""),
             "贫困村 poor": "是 yes" if v.get("poor") else "",
             "原因 reason": reasons.get(v["id"]) or "规划文件未给出原因 no reason recorded"}
            for v in plan.data["villages"]
            if v["id"] not in daily and (v["kind"] == "village" or v["id"] in reasons)]
    if not rows:
        body = "<p>全部行政村每日配送。Every administrative village is served daily.</p>"
    else:
        body = (f"<p>{len(rows)} 个行政村未每日配送 administrative villages not served daily."
                f"</p>{_table(pd.DataFrame(rows), cls='unserved')}")
    return _section("unserved", "未覆盖村庄 Villages not served daily", body)


def _models_section(plan: Plan) -> str:
    parts = []
    siting = plan.data.get("siting") or {}
    if siting:
        frame = pd.DataFrame([{"模型 model": k, **v} for k, v in siting.items()])
        parts.append("<h3>选址模型 Siting models</h3>" + _table(frame, cls="siting"))
    lrp = plan.data.get("lrp")
    if lrp:
        two, joint = lrp.get("two_step_cost"), lrp.get("joint_cost")
        saving = (f"；节省 saving {100 * (two - joint) / two:.1f}%" if two and joint is not None
                  else "")
        parts.append(f"<h3>选址—路径联合优化 Location-routing</h3><p>两步法 two-step "
                     f"{_esc(_fmt(two))} 元/日；联合 joint {_esc(_fmt(joint))} 元/日{saving}；"
                     f"迭代 iterations: {len(lrp.get('iterations', []))}</p>")
    if not parts:
        return ""
    return _section("models", "优化模型 Optimisation models", "".join(parts))


def _provenance_section(plan: Plan, county: County | None) -> str:
    rows = [{"图层 layer": k, "来源 source": v.get("source"), "说明 description":
             v.get("description"), "年份 vintage": v.get("vintage"), "sha256": v.get("sha256")}
            for k, v in plan.data["provenance"].items() if isinstance(v, dict)]
    if county is not None:
        rows += [{"图层 layer": f"county.{k}", "来源 source": p.source,
                  "说明 description": p.description, "年份 vintage": p.vintage,
                  "sha256": p.sha256} for k, p in county.provenance.items()]
    params = pd.DataFrame([{"参数 parameter": k, "值 value": v}
                           for k, v in plan.data["parameters"].items()])
    body = (_table(pd.DataFrame(rows), cls="provenance") + "<h3>参数 Parameters</h3>"
            + _table(params, cls="kv") + f"<p>生成 generated by: "
            f"{_esc(plan.data.get('generated_by', '—'))}；plan.json schema "
            f"{_esc(plan.data['schema_version'])}</p>")
    return _section("provenance", "数据来源与参数 Provenance and parameters", body)


def render_report(plan: Plan, *, scorecard: Any = None, county: County | None = None) -> str:
    """Return the report as one HTML string (see :func:`write_report`)."""
    check_county_matches(plan, county)
    font = cjk_font()
    title = f"{plan.county['name']} 农村电商物流规划 Rural e-commerce logistics plan"
    overview = overview_chart(plan, county, font=font)
    parts = [
        _synthetic_section(plan),
        _summary_section(plan),
        _section("overview", "总览图 Overview map",
                 f'<img alt="overview map" src="data:image/png;base64,{overview}">'
                 "<p class='note'>线路按站点间直线绘制。Routes drawn as straight lines between "
                 "stops.</p>"),
        _scorecard_section(scorecard),
        _fleet_section(plan, font),
        _unserved_section(plan),
        _models_section(plan),
        _route_sheets(plan),
        _provenance_section(plan, county),
    ]
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
            f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>"
            f"<h1>{_esc(title)}</h1>{''.join(parts)}</body></html>")


def write_report(plan: Plan, path: str | Path, *, scorecard: Any = None,
                 county: County | None = None) -> Path:
    """Write the print-friendly plan report as one self-contained HTML file.

    Parameters
    ----------
    plan
        The plan.
    path
        Destination ``.html`` file; replaced atomically.
    scorecard
        A :class:`ruralnet.programme.scorecard.Scorecard` or its ``table`` DataFrame
        (columns indicator, target, value, status, margin, evidence).
    county
        The plan's county: adds its boundary and territories to the overview
        map and its layers to the provenance table.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    RuralnetError
        When the scorecard lacks a column or the county is not the plan's.
    """
    text = render_report(plan, scorecard=scorecard, county=county)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    logger.info("report of %s: %d routes, %d kB", plan.county["name"], len(plan.routes()),
                len(text) // 1024)
    return Path(path)


_CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:2em;
 color:#111;max-width:60em}
h1{font-size:1.5em;border-bottom:2px solid #333}
h2{font-size:1.2em;margin-top:1.5em;border-bottom:1px solid #999}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
th,td{border:1px solid #888;padding:2px 6px;text-align:left;vertical-align:top}
th{background:#eee}
img{max-width:100%}
.notice{border:3px solid #b45309;background:#fde68a;padding:.5em 1em}
.sheet{margin-top:1em}
.sign{margin-top:1.5em}
.note{color:#555;font-size:.85em}
@page{size:A4;margin:15mm}
@media print{body{margin:0;max-width:none}.sheet{break-before:page}
 .notice{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 tr{break-inside:avoid}}
"""

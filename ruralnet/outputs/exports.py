"""Plan exports for desktop tools: GeoPackage for QGIS, CSV and Excel for the bureau.

Every file is written atomically: to a temporary file in the destination
folder, then renamed over the target with :func:`os.replace`, so a reader never
sees half a file and a failed write leaves the old one in place.

A village file is untrusted input and a spreadsheet would run a name such as
``=HYPERLINK(...)`` as a formula. In CSV, cells that start with ``=``, ``+``,
``-``, ``@`` or a tab are prefixed with an apostrophe; in Excel every text cell
is stored as a string cell (never a formula), so a target such as ``= 1`` reads
as written. Numbers stay numbers, rounded for reading.

Examples
--------
>>> minutes_to_hhmm(463)
'07:43'
>>> excel_safe("=1+1")
"'=1+1"
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ruralnet._io import atomic_path
from ruralnet.exceptions import RuralnetError
from ruralnet.outputs.costs_view import economics_sheets
from ruralnet.outputs.frequency_view import frequency_frame
from ruralnet.outputs.served import STATUS_TEXT, figures_of, village_status
from ruralnet.outputs.weekly_view import has_week, schedule_frame, visits_per_week
from ruralnet.plan.document import SYNTHETIC_NOTICE_EN, SYNTHETIC_NOTICE_ZH, Plan
from ruralnet.plan.figures import format_percent

if TYPE_CHECKING:
    from ruralnet.geo.county import County

logger = logging.getLogger(__name__)

TIER_ZH = {"trunk": "干线 trunk", "feeder": "支线 feeder", "direct": "直达 direct"}
SITE_KIND_ZH = {"county_service_centre": "县级电子商务公共服务中心 county service centre",
                "county_warehouse": "县级仓储中心 county warehouse",
                "township_station": "乡镇中转站 township station",
                "village_station": "村级服务站 village station"}
#: Column headers of the per-stop table (CSV and the 线路 sheet), Chinese then English.
STOP_COLUMNS = {
    "route_id": "线路 route_id", "vehicle": "车辆 vehicle", "trip": "趟次 trip",
    "tier": "层级 tier", "vehicle_type": "车型 vehicle_type",
    "capacity_kg": "核载kg capacity_kg", "stop_order": "序号 stop_order",
    "stop_id": "站点编号 stop_id", "stop_kind": "类型 stop_kind", "name": "名称 name",
    "township": "乡镇 township", "arrive": "到达 arrive", "depart": "离开 depart",
    "km_from_prev": "距上站km km_from_prev", "deliver_kg": "送货kg deliver_kg",
    "pickup_kg": "揽收kg pickup_kg", "load_after_kg": "车上kg load_after_kg",
    "arrive_min": "到达(分) arrive_min", "depart_min": "离开(分) depart_min",
}
SCORECARD_COLUMNS = ("indicator", "target", "value", "status", "margin", "evidence")


def minutes_to_hhmm(minutes: float) -> str:
    """Format minutes after midnight as ``HH:MM`` (rounded to the minute).

    Examples
    --------
    >>> minutes_to_hhmm(420), minutes_to_hhmm(1439.6)
    ('07:00', '24:00')
    """
    total = int(round(float(minutes)))
    return f"{total // 60:02d}:{total % 60:02d}"


_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e"
                        "\u2066-\u2069\ufeff]")
"""Control characters and bidirectional overrides: invisible or spoofing in a name."""


def visible_text(text: str) -> str:
    r"""Replace control characters and bidi overrides with U+FFFD ``�`` (tab and newlines stay).

    A name from a planner's file may hold bytes that HTML and Excel cannot
    carry (openpyxl refuses ``\x00``–``\x1f``) or that reorder what a reader
    sees (U+202E); the replacement character shows that something was there.

    Examples
    --------
    >>> visible_text("甲村\x1b[31m\u202e"), visible_text("a\tb")
    ('甲村�[31m�', 'a\tb')
    """
    return _INVISIBLE.sub("\ufffd", text)


def excel_safe(value: Any) -> Any:
    r"""Neutralise a text cell Excel would read as a formula or cannot hold; other values pass.

    Control characters are replaced (:func:`visible_text`), then a leading
    ``= + - @`` (or tab, carriage return) is quoted.

    Examples
    --------
    >>> excel_safe("@SUM(A1)"), excel_safe("甲村"), excel_safe(-3), excel_safe("\x00=1")
    ("'@SUM(A1)", '甲村', -3, '�=1')
    """
    if not isinstance(value, str):
        return value
    value = visible_text(value)
    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value




def check_county_matches(plan: Plan, county: County | None) -> None:
    """Refuse a county other than the plan's (its boundary would be drawn over the wrong plan).

    Raises
    ------
    RuralnetError
        When ``county.code`` differs from the plan's county code.
    """
    if county is not None and county.code != plan.county["code"]:
        raise RuralnetError(
            f"县不一致：规划属于 {plan.county['name']}（{plan.county['code']}），"
            f"但提供的县是 {county.name}（{county.code}）。请提供同一个县。",
            f"county mismatch: the plan is for {plan.county['name']} ({plan.county['code']}) "
            f"but the county given is {county.name} ({county.code}); pass the same county.",
            plan_code=plan.county["code"], county_code=county.code)


def place_names(plan: Plan) -> dict[str, str]:
    """Map every village and site id of the plan to its name."""
    names = {v["id"]: v["name"] for v in plan.data["villages"]}
    names.update({s["id"]: s["name"] for s in plan.data["sites"]})
    return names


def daily_villages(plan: Plan) -> dict[str, str]:
    """Villages visited by a feeder or direct route, mapped to the first such route id."""
    out: dict[str, str] = {}
    for r in plan.routes():
        if r["tier"] in ("feeder", "direct"):
            for s in r["stops"]:
                if s.get("village_id"):
                    out.setdefault(s["village_id"], r["id"])
    return out


def stop_table(plan: Plan) -> pd.DataFrame:
    """One row per route stop: the driver's manifest of the whole plan.

    Columns are the keys of :data:`STOP_COLUMNS` (English); ``stop_order``
    starts at 0 for the departure from the depot; ``vehicle`` and ``trip``
    say which vehicle drives the route and which of its trips of the day it
    is (a plan without trips: the route id and 1).
    """
    names = place_names(plan)
    town_name = {t["id"]: t["name"] for t in plan.data["townships"]}
    town_of = {v["id"]: v["township_id"] for v in plan.data["villages"]}
    town_of.update({s["id"]: s["township_id"] for s in plan.data["sites"]})
    rows = []
    for r in plan.routes():
        for k, s in enumerate(r["stops"]):
            ref = s.get("site_id") or s.get("village_id") or ""
            rows.append({
                "route_id": r["id"], "vehicle": r.get("vehicle") or r["id"],
                "trip": r.get("trip", 1), "tier": r["tier"], "vehicle_type": r["vehicle_type"],
                "capacity_kg": r["capacity_kg"], "stop_order": k, "stop_id": ref,
                "stop_kind": "site" if s.get("site_id") else "village",
                "name": names.get(ref, ""), "township": town_name.get(town_of.get(ref) or "", ""),
                "arrive": minutes_to_hhmm(s["arrive_min"]),
                "depart": minutes_to_hhmm(s["depart_min"]), "km_from_prev": s["km_from_prev"],
                "deliver_kg": s["deliver_kg"], "pickup_kg": s["pickup_kg"],
                "load_after_kg": s["load_after_kg"], "arrive_min": s["arrive_min"],
                "depart_min": s["depart_min"]})
    return pd.DataFrame(rows, columns=list(STOP_COLUMNS))


def scorecard_table(scorecard: Any) -> pd.DataFrame | None:
    """Return the scorecard rows (``Scorecard`` or its ``.table`` DataFrame), or None.

    Raises
    ------
    RuralnetError
        When the table lacks one of the columns in :data:`SCORECARD_COLUMNS`.
    """
    if scorecard is None:
        return None
    table = getattr(scorecard, "table", scorecard)
    missing = [c for c in SCORECARD_COLUMNS if c not in getattr(table, "columns", ())]
    if missing:
        raise RuralnetError(f"指标评分表缺少列 {missing}，应含 {list(SCORECARD_COLUMNS)}。",
                            f"the scorecard table lacks column(s) {missing}; expected "
                            f"{list(SCORECARD_COLUMNS)}.", missing=missing)
    return table


def summary_rows(plan: Plan) -> list[tuple[str, Any]]:
    """Label/value pairs summarising a plan (the 概要 sheet and the report header)."""
    d = plan.data
    kinds = [s["kind"] for s in d["sites"]]
    rows: list[tuple[str, Any]] = [
        ("县 county", d["county"]["name"]), ("代码 code", d["county"]["code"]),
        ("省 province", d["county"].get("province", "")),
        ("地市 prefecture", d["county"].get("prefecture", "")),
        ("生成 generated by", d.get("generated_by", "")),
        ("模式 mode", d["parameters"]["mode"]),
        ("覆盖目标 coverage target", d["parameters"]["coverage_target"]),
    ]
    rows += [(SITE_KIND_ZH[k], kinds.count(k)) for k in SITE_KIND_ZH]
    f = figures_of(plan)
    rows += [
        ("每日配送乡镇 townships served daily", f.format("townships_daily")),
        ("每日配送行政村 villages served daily", f.format("daily_served")),
        ("行政村覆盖率 village share", format_percent(f.share("daily_served"))),
        ("设村级服务站的行政村 villages with a station", f.format("station_hosting")),
        ("途经未停靠行政村 passed, not stopped", f.format("passed_not_stopped")),
        ("未服务行政村 villages not served", f.format("not_served")),
        ("每日配送社区 communities served daily", f"{f.communities_daily}/{f.communities_total}"),
    ]
    rows += [(f"线路 routes {TIER_ZH[t]}", len(plan.routes(t))) for t in TIER_ZH]
    rows.append(("日成本 daily cost (元 CNY)", d["costs"]["total_per_day"]))
    for layer, p in d["provenance"].items():
        if isinstance(p, dict):
            tag = "【合成 SYNTHETIC】" if p.get("source") == "synthetic" else p.get("source")
            rows.append((f"数据来源 source: {layer}", f"{tag} {p.get('description', '')}"))
    return rows


def plan_layers(plan: Plan, county: County | None = None) -> dict[str, Any]:
    """GeoDataFrames of the plan (and county) with a ``data_source`` column on each.

    Villages get ``daily`` (served by a daily route) and ``station_id`` (their
    village service station, empty if none); their ``data_source`` is the
    village's ``position_source`` when given, else the geography layer's
    source. Sites follow the geography layer, routes the network layer.
    """
    check_county_matches(plan, county)
    prov = plan.data["provenance"]
    layers = plan.to_geodataframes()
    v = layers["villages"]
    if "id" not in v:  # no village at all (an urban district without 行政村)
        v["id"] = pd.Series(dtype=str)
    station = {s["village_id"]: s["id"] for s in plan.data["sites"]
               if s["kind"] == "village_station" and s.get("village_id")}
    status = village_status(plan)
    v["daily"] = v["id"].map(lambda i: status.get(i) == "daily").astype(bool)
    v["service"] = v["id"].map(status)
    v["station_id"] = v["id"].map(lambda i: station.get(i, ""))
    geo_src = prov["geography"]["source"]
    if "position_source" in v:
        v["data_source"] = v["position_source"].fillna(geo_src)
    else:
        v["data_source"] = geo_src
    layers["sites"]["data_source"] = geo_src
    layers["routes"]["data_source"] = prov["network"]["source"]
    if county is not None:
        b_src = county.provenance.get("boundary")
        t_src = county.provenance.get("positions")
        layers["boundary"] = county.boundary.assign(
            data_source=b_src.source if b_src else "unknown")
        layers["townships"] = county.townships.assign(
            data_source=t_src.source if t_src else "unknown")
    return layers


def write_geopackage(plan: Plan, path: str | Path, county: County | None = None) -> Path:
    """Write the plan as a GeoPackage with layers villages, sites, routes (+ boundary, townships).

    Parameters
    ----------
    plan
        The plan.
    path
        Destination ``.gpkg`` file; replaced atomically if it exists.
    county
        When given, its ``boundary`` and ``townships`` layers are added.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    RuralnetError
        When ``county`` is not the plan's county.
    """
    layers = plan_layers(plan, county)
    with atomic_path(path) as tmp:
        for name, gdf in layers.items():
            gdf.to_file(tmp, layer=name, driver="GPKG")
    return Path(path)


def write_route_csv(plan: Plan, path: str | Path) -> Path:
    """Write one row per route stop as CSV in UTF-8 with BOM (Excel reads the Chinese).

    Headers are the values of :data:`STOP_COLUMNS` (``"名称 name"`` …).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    table = stop_table(plan).map(excel_safe).rename(columns=STOP_COLUMNS)
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False, encoding="utf-8-sig")
    return Path(path)


#: scorecard column → Excel / CSV header (Chinese then English)
SCORECARD_HEADERS = {"indicator": "指标 indicator", "target": "目标 target",
                     "value": "值 value", "unit": "单位 unit", "status": "状态 status",
                     "margin": "差额 margin", "evidence": "依据 evidence",
                     "value_text": "值（文字） value text", "plan_value": "规划值 plan value",
                     "actual_value": "实际值 actual value", "scope": "适用范围 scope"}


def scorecard_scope(scorecard: Any) -> str:
    """Return the scorecard's scope line (e.g. 参照 borrowed: …), or ``""``.

    From :attr:`ruralnet.programme.scorecard.Scorecard.scope`, else the first
    non-empty ``scope`` cell of its table.

    Examples
    --------
    >>> scorecard_scope(pd.DataFrame({"scope": ["", "参照 borrowed: x"]}))
    '参照 borrowed: x'
    """
    if scorecard is None:
        return ""
    own = getattr(scorecard, "scope", None)
    if isinstance(own, str):
        return own
    table = getattr(scorecard, "table", scorecard)
    if "scope" not in getattr(table, "columns", ()):
        return ""
    return next((str(x) for x in table["scope"] if isinstance(x, str) and x.strip()), "")


def readable_scorecard(scorecard: Any) -> pd.DataFrame:
    """Return the scorecard with values and margins rounded to 2 decimals and a 状态 column.

    Every column is kept (numbers stay numbers); ``status_zh`` follows
    ``status`` with the Chinese word of :data:`ruralnet.outputs.words.STATUS_WORDS`
    unless the table already has one.
    """
    from ruralnet.outputs.words import status_word

    table = scorecard_table(scorecard)
    if table is None:
        return pd.DataFrame(columns=list(SCORECARD_COLUMNS))
    out = table.copy()
    for col in ("value", "margin"):
        out[col] = pd.to_numeric(out[col], errors="coerce").round(2)
    words = out["status"].map(status_word)
    if "status_zh" in out:  # the scorecard's own word wins; fill only what it lacks
        out["status_zh"] = out["status_zh"].where(out["status_zh"].notna(), words)
    else:
        out.insert(list(out.columns).index("status") + 1, "status_zh", words)
    return out


def village_table(plan: Plan) -> pd.DataFrame:
    """One row per village: township, kind, station, daily service, route and reason if not.

    Columns are Chinese-then-English headers; yes/no as 是/否; positions and
    loads as numbers.
    """
    from ruralnet.outputs.words import KIND_WORDS, reason_text

    d = plan.data
    town = {t["id"]: t["name"] for t in d["townships"]}
    daily = daily_villages(plan)
    station = {s["village_id"]: s["name"] for s in d["sites"]
               if s["kind"] == "village_station" and s.get("village_id")}
    unserved = {u["village_id"]: u for u in d.get("unserved", [])}
    geo = d["provenance"].get("geography", {}).get("source", "")
    status = village_status(plan)
    freq = visits_per_week(plan)
    rows = []
    for v in d["villages"]:
        served = status[v["id"]] == "daily"
        rows.append({
            "编号 id": v["id"], "村 village": v["name"],
            "乡镇 township": town.get(v["township_id"], ""),
            "类型 kind": KIND_WORDS.get(v["kind"], (v["kind"],))[0],
            "贫困村 poor": "是" if v.get("poor") else "否",
            "村级服务站 station": "是" if v["id"] in station else "否",
            "服务站名称 station name": station.get(v["id"], ""),
            "每日配送 daily": "是" if served else "否",
            "班次/周 visits per week": freq.get(v["id"], 0),
            "配送状态 service": " ".join(STATUS_TEXT[status[v["id"]]]),
            "线路 route": daily.get(v["id"], ""),
            "未每日配送原因 reason": "" if served else
            reason_text(unserved[v["id"]]) if v["id"] in unserved else
            "途经未停靠 passed, not stopped" if status[v["id"]] == "passed" else "未记录原因",
            "送货kg deliver_kg": v.get("deliver_kg"), "揽收kg pickup_kg": v.get("pickup_kg"),
            "经度 lon": v["lon"], "纬度 lat": v["lat"],
            "位置来源 position source": v.get("position_source") or geo})
    return pd.DataFrame(rows)


def write_excel(plan: Plan, path: str | Path, scorecard: Any = None) -> Path:
    """Write an Excel workbook with sheets 概要, 指标, 村庄, (班次,) 线路, 站点 (and 成本).

    班次 is written for a plan with a week (``weekly``/``multi_day``), 成本 for
    one with ``economics``; a borrowed scorecard's scope line heads 指标.

    Parameters
    ----------
    plan
        The plan.
    path
        Destination ``.xlsx`` file; replaced atomically.
    scorecard
        A :class:`ruralnet.programme.scorecard.Scorecard` or its ``table`` DataFrame;
        without it the 指标 sheet says none was given.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    table = scorecard_table(scorecard)
    wb = Workbook()
    ws = wb.active
    ws.title = "概要"
    if plan.synthetic:
        ws.append(["【合成数据 SYNTHETIC】", SYNTHETIC_NOTICE_ZH, SYNTHETIC_NOTICE_EN])
        for cell in ws[1]:
            cell.font = Font(bold=True, color="9C0006")
            cell.fill = PatternFill("solid", fgColor="FFEB9C")
    scope = scorecard_scope(scorecard)
    for label, value in summary_rows(plan) + ([("考核体系适用范围 scorecard scope", scope)]
                                              if scope else []):
        ws.append([label, value])
        _as_text(ws[ws.max_row])
    if table is not None:
        card = readable_scorecard(table)
        cols = [c for c in SCORECARD_HEADERS if c in card and (c != "scope" or scope)]
        card = card[cols].assign(status=card["status_zh"]).rename(columns=SCORECARD_HEADERS)
    sheets = {
        "指标": card if table is not None
        else pd.DataFrame({"说明 note": ["未提供指标评分 no scorecard given"]}),
        "村庄": village_table(plan),
        **({"班次": schedule_frame(plan)} if has_week(plan) else {}),
        **({"频次": frequency_frame(plan)} if not frequency_frame(plan).empty else {}),
        "线路": stop_table(plan).rename(columns=STOP_COLUMNS),
        "站点": _site_table(plan),
    }
    for title, frame in sheets.items():
        sheet = wb.create_sheet(title)
        if title == "指标" and scope:
            sheet.append([f"⚠ {scope}"])
            _as_text(sheet[1])
            sheet["A1"].font = Font(bold=True, color="9C0006")
            sheet["A1"].fill = PatternFill("solid", fgColor="FFEB9C")
        _append_frame(sheet, frame, Font(bold=True))
    for name, tables in economics_sheets(plan).items():
        sheet = wb.create_sheet(name)
        for title, frame, note in tables:
            sheet.append([title, note])
            _as_text(sheet[sheet.max_row])
            sheet.cell(sheet.max_row, 1).font = Font(bold=True, size=12)
            _append_frame(sheet, frame, Font(bold=True))
            sheet.append([])
        sheet.freeze_panes = None
    for sheet in wb.worksheets:
        for col in sheet.columns:
            width = max(len(str(c.value or "")) for c in col)
            sheet.column_dimensions[col[0].column_letter].width = min(60, max(8, width * 1.6))
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)


def _site_table(plan: Plan) -> pd.DataFrame:
    town = {t["id"]: t["name"] for t in plan.data["townships"]}
    vill = {v["id"]: v["name"] for v in plan.data["villages"]}
    return pd.DataFrame([{
        "编号 id": s["id"], "类型 kind": SITE_KIND_ZH.get(s["kind"], s["kind"]),
        "名称 name": s["name"], "乡镇 township": town.get(s["township_id"] or "", ""),
        "村 village": vill.get(s["village_id"] or "", ""), "经度 lon": s["lon"],
        "纬度 lat": s["lat"]} for s in plan.data["sites"]])


def _append_frame(ws: Any, frame: pd.DataFrame, header_font: Any) -> None:
    head = _append(ws, [str(c) for c in frame.columns])
    for cell in head:
        cell.font = header_font
    for row in frame.itertuples(index=False):
        _append(ws, [visible_text(x) if isinstance(x, str) else
                     None if pd.isna(x) else round(x, 4) if isinstance(x, float) else x
                     for x in row])
    if head:  # a frame with no columns (e.g. no route in a district without 行政村) has none
        ws.freeze_panes = f"A{head[0].row + 1}"


def _append(ws: Any, values: list[Any]) -> list[Any]:
    """Append one row of text-safe cells and return them.

    Building the cells here spares ``ws[ws.max_row]``, which scans every
    cell of the sheet (quadratic in the rows of the 村庄 and 线路 sheets).
    """
    from openpyxl.cell import Cell

    cells = [Cell(ws, value=v) for v in values]
    _as_text(cells)
    ws.append(cells)
    return cells


def _as_text(cells: Any) -> None:
    """Store every text cell as a string, never a formula (untrusted names, ``= 1`` targets)."""
    for cell in cells:
        if isinstance(cell.value, str) and cell.data_type == "f":
            cell.data_type = "s"

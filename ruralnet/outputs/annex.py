"""The content of the plan annex, once, for every format (HTML report, Word document).

:func:`build_annex` returns the title and a list of :class:`Block` — headings,
paragraphs, tables (pandas DataFrames of display text), images (PNG bytes) and
notices — in reading order. :mod:`ruralnet.outputs.report` renders them to
HTML and :mod:`ruralnet.outputs.docx_report` to Word, so both say the same.

Tables hold text as it is printed: Chinese status words, percentages with %,
numbers rounded for reading. Driver manifests are not part of the annex (see
:mod:`ruralnet.outputs.manifests`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pandas as pd

from ruralnet._io import cjk_font
from ruralnet.outputs import charts
from ruralnet.outputs.blocks import Block, frame_of, h2
from ruralnet.outputs.costs_view import cost_blocks
from ruralnet.outputs.exports import (
    SITE_KIND_ZH,
    TIER_ZH,
    check_county_matches,
    minutes_to_hhmm,
    scorecard_scope,
    scorecard_table,
)
from ruralnet.outputs.frequency_view import comparison_blocks, frequency_blocks
from ruralnet.outputs.prose import plan_paragraphs
from ruralnet.outputs.served import figures_of, village_status
from ruralnet.outputs.weekly_view import schedule_blocks
from ruralnet.outputs.words import (
    KIND_WORDS,
    MODE_WORDS,
    SOURCE_WORDS,
    STATUS_FILL,
    YES_NO,
    num,
    pct,
    pick,
    reason_text,
    status_word,
    words,
)
from ruralnet.plan.document import SYNTHETIC_NOTICE_EN, SYNTHETIC_NOTICE_ZH, Plan

if TYPE_CHECKING:
    from ruralnet.geo.county import County

_SECTION = re.compile(r"([一二三四五六七八九十]+)\s*[(（]([一二三四五六七八九十]+)[)）]")
_PART = re.compile(r"([一二三四五六七八九十]+)、([^:：;；\s]+)")
PARAM_WORDS = {
    "mode": ("配送模式", "mode"), "coverage_target": ("每日覆盖目标", "coverage target"),
    "day_start_min": ("出车时间", "day start"), "day_end_min": ("收车时间", "day end"),
    "handling_min": ("中转站装卸（分钟）", "handling (min)"), "seed": ("随机种子", "seed"),
    "max_warehouses": ("县仓上限（个）", "max warehouses"),
    "mode_requested": ("要求的配送模式", "mode requested"), "engine": ("路径求解器", "engine"),
    "sites": ("站点选址方式", "siting"),
}
VALUE_WORDS = {"optimised": ("优化选址", "optimised"),
               "fixed": ("固定在乡镇驻地", "fixed at seats")}
LAYER_WORDS = {"admin": ("行政区划", "admin"), "boundary": ("县界", "boundary"),
               "geography": ("村庄位置", "geography"), "positions": ("村庄位置", "positions"),
               "network": ("道路", "network"), "demand": ("需求", "demand")}

MODEL_COLUMNS = {"status": ("求解状态", "status"), "objective_yuan_per_day": ("目标值（元/日）",
                 "objective (CNY/day)"), "objective": ("目标值", "objective"),
                 "bound": ("下界", "bound"), "gap": ("差距", "gap")}
SOLVER_WORDS = {"optimal": ("最优", "optimal"), "feasible": ("可行", "feasible"),
                "time_limit": ("达到时限", "time limit")}
_KIND_PAIRS = {k: tuple(v.split(" ", 1)) for k, v in SITE_KIND_ZH.items()}


_h2, _frame = h2, frame_of


def title_of(plan: Plan, lang: str) -> str:
    """Return the annex title: 县名 + 农村电商物流体系规划."""
    return pick(f"{plan.county['name']}农村电商物流体系规划", "rural e-commerce logistics plan",
                lang) if lang != "en" else f"{plan.county['name']} rural e-commerce logistics plan"


def build_annex(plan: Plan, *, scorecard: Any = None, county: County | None = None,
                lang: str = "zh", map_png: bytes | None = None) -> tuple[str, list[Block]]:
    """Return the title and blocks of the annex (see the module docstring).

    ``map_png`` is the print map to embed (drawn by the caller, e.g. with
    :func:`ruralnet.outputs.print_map.print_map`); without it the map section
    says where the map is.
    """
    check_county_matches(plan, county)
    card = scorecard_table(scorecard)
    blocks: list[Block] = []
    if plan.synthetic:
        layers = ", ".join(plan.data["provenance"].get("synthetic_layers", []))
        text = {"zh": f"⚠ 合成数据（{layers}）：{SYNTHETIC_NOTICE_ZH}",
                "en": f"⚠ SYNTHETIC DATA ({layers}): {SYNTHETIC_NOTICE_EN}"}
        text["both"] = f"{text['zh']}\n{text['en']}"
        blocks.append(Block("notice", text[lang], sid="synthetic-notice"))
    blocks.append(_h2("summary", "一、方案概要", "1. Summary", lang))
    blocks += [Block("p", p) for p in plan_paragraphs(plan, lang, card=card)]
    blocks.append(Block("table", frame=_summary_frame(plan, lang), cls="kv"))
    blocks.append(_h2("overview", "二、物流网络规划图", "2. Network map", lang))
    if map_png:
        blocks.append(Block("image", image=map_png, text=pick("物流网络规划图", "network map",
                                                              lang), width_cm=16.5))
    blocks.append(Block("note", pick("A4/A3 打印图见 map_print.pdf、map_print_A3.pdf；"
                                     "各乡镇配送图见 map_townships.pdf。",
                                     "Print maps: map_print.pdf, map_print_A3.pdf; township "
                                     "maps: map_townships.pdf.", lang)))
    blocks.append(_h2("townships", "三、乡镇配送汇总", "3. Townships", lang))
    blocks.append(Block("table", frame=_township_frame(plan, lang), cls="towns"))
    blocks.append(_h2("routes", "四、每日配送线路", "4. Daily routes", lang))
    blocks.append(Block("note", pick("各线路的司机线路单（逐站时间与装卸量）见 manifests.html。",
                                     "Driver manifests (stop by stop): manifests.html.", lang)))
    blocks.append(Block("table", frame=_route_frame(plan, lang), cls="routes"))
    blocks += schedule_blocks(plan, lang) + comparison_blocks(plan, lang)
    blocks += _scorecard_blocks(card, lang, scorecard_scope(scorecard))
    blocks += _fleet_blocks(plan, lang) + frequency_blocks(plan, lang)
    blocks += cost_blocks(plan, lang)
    blocks += _unserved_blocks(plan, lang)
    blocks += _model_blocks(plan, lang)
    blocks += _provenance_blocks(plan, county, lang)
    return title_of(plan, lang), renumber(blocks)


_ZH_NUM = "一二三四五六七八九十"


def renumber(blocks: list[Block]) -> list[Block]:
    """Renumber the ``h2`` sections in order (一、 and 1.), whichever optional ones are present.

    Examples
    --------
    >>> [b.text for b in renumber([Block("h2", "一、甲 1. A"), Block("h2", "五、乙 5. B")])]
    ['一、甲 1. A', '二、乙 2. B']
    """
    n = 0
    for b in blocks:
        if b.kind != "h2":
            continue
        n += 1
        zh = _ZH_NUM[n - 1] if n <= 10 else "十" + _ZH_NUM[n - 11]
        b.text = re.sub(r"^[一二三四五六七八九十]+、", f"{zh}、", b.text)
        b.text = re.sub(r"(^|\s)\d+\. ", rf"\g<1>{n}. ", b.text, count=1)
    return blocks


def _summary_frame(plan: Plan, lang: str) -> pd.DataFrame:
    d = plan.data
    f = figures_of(plan)
    kinds = [s["kind"] for s in d["sites"]]
    c = d["county"]
    rows = [(("县", "county"), f"{c.get('province', '')}{c.get('prefecture', '')}{c['name']}"
             f"（{c['code']}）"),
            (("配送模式", "mode"), words(MODE_WORDS, d["parameters"].get("mode"), lang)),
            (("每日覆盖目标", "coverage target"), pct(d["parameters"].get("coverage_target"), 0))]
    rows += [((SITE_KIND_ZH[k].split()[0], SITE_KIND_ZH[k].split(" ", 1)[1]), f"{kinds.count(k)}")
             for k in SITE_KIND_ZH if kinds.count(k)]
    rows += [(("每日配送乡镇", "townships served daily"), f.format("townships_daily")),
             (("每日配送行政村", "administrative villages served daily"),
              f.format("daily_served")),
             (("设村级服务站的行政村", "administrative villages with a station"),
              f.format("station_hosting"))]
    if f.passed_not_stopped:
        rows.append((("途经未停靠行政村", "passed, not stopped"), f.format("passed_not_stopped")))
    rows.append((("未服务行政村", "administrative villages not served"), f.format("not_served")))
    if f.communities_total:
        rows.append((("每日配送社区", "communities served daily"),
                     f"{f.communities_daily}/{f.communities_total}"))
    rows += [((TIER_ZH[t].split()[0], TIER_ZH[t].split()[1]), f"{len(plan.routes(t))}")
             for t in TIER_ZH if plan.routes(t)]
    rows.append((("日运行成本（元）", "cost per day (CNY)"), num(d["costs"]["total_per_day"])))
    return pd.DataFrame([[pick(*k, lang), v] for k, v in rows],
                        columns=[pick("项目", "item", lang), pick("内容", "value", lang)])


def _township_frame(plan: Plan, lang: str) -> pd.DataFrame:
    d = plan.data
    f = figures_of(plan)
    daily, passed = set(f.daily_served), set(f.passed_not_stopped)
    rows = []
    for t in d["townships"]:
        vs = [v for v in d["villages"] if v["township_id"] == t["id"] and v["kind"] == "village"]
        st = [s for s in d["sites"] if s.get("township_id") == t["id"]]
        station = next((s["name"] for s in st if s["kind"] == "township_station"), "—")
        served = sum(1 for v in vs if v["id"] in daily)
        rows.append({"乡镇": t["name"], "乡镇中转站": station,
                     "村级服务站": str(sum(1 for s in st if s["kind"] == "village_station")),
                     "行政村": str(len(vs)), "每日配送": str(served),
                     "途经未停靠": str(sum(1 for v in vs if v["id"] in passed)),
                     "覆盖率": pct(served / len(vs)) if vs else "—"})
    cols = [("乡镇", "township"), ("乡镇中转站", "station"), ("村级服务站", "village stations"),
            ("行政村", "villages"), ("每日配送", "daily"), ("途经未停靠", "passed"),
            ("覆盖率", "share")]
    return _frame(rows, cols, lang)


def _route_frame(plan: Plan, lang: str) -> pd.DataFrame:
    rows = [{"线路": r["id"], "层级": pick(*TIER_ZH[r["tier"]].split(), lang),
             "车型": r["vehicle_type"], "核载kg": num(r["capacity_kg"]),
             "停靠站": str(len(r["stops"]) - 2), "出车": minutes_to_hhmm(r["depart_min"]),
             "回场": minutes_to_hhmm(r["return_min"]), "里程km": f"{r['distance_km']:,.1f}",
             "送货kg": num(sum(s["deliver_kg"] for s in r["stops"]))}
            for r in plan.routes()]
    cols = [("线路", "route"), ("层级", "tier"), ("车型", "vehicle"), ("核载kg", "capacity kg"),
            ("停靠站", "stops"), ("出车", "depart"), ("回场", "return"), ("里程km", "km"),
            ("送货kg", "delivered kg")]
    return _frame(rows, cols, lang)


def scorecard_section_of(citation: Any) -> str:
    """Return the section of the programme document an indicator is quoted from.

    The last ``四(一)``-style reference wins; else the first ``三、发展目标``
    part; else ``其他``.

    Examples
    --------
    >>> scorecard_section_of("安政综〔2018〕30号 三、发展目标: 24个乡（镇）电商服务站; 四(三)")
    '安政综〔2018〕30号 四(三)'
    >>> scorecard_section_of("安政综〔2018〕30号 三、发展目标: 农村网络零售额增长20%")
    '安政综〔2018〕30号 三、发展目标'
    """
    text = "" if citation is None or (isinstance(citation, float)) else str(citation)
    doc = text.split()[0] if text.split() and not _PART.match(text.split()[0]) else ""
    found = _SECTION.findall(text)
    if found:
        a, b = found[-1]
        return f"{doc} {a}({b})".strip()
    part = _PART.search(text)
    if part:
        return f"{doc} {part.group(1)}、{part.group(2)}".strip()
    return "其他"


def _value_text(value: Any, unit: Any) -> str:
    if unit == "%":
        return "—" if value is None or pd.isna(value) else f"{num(value, 1)}%"
    return num(value, 1) if isinstance(value, float) and not pd.isna(value) and \
        value != int(value) else num(value)


def _scorecard_blocks(card: pd.DataFrame | None, lang: str, scope: str = "") -> list[Block]:
    out = [_h2("scorecard", "五、考核指标", "5. Scorecard", lang)]
    if scope:
        out.append(Block("alert", f"⚠ {scope}", cls="scope"))
    if card is None:
        return out + [Block("p", pick("未提供指标评分。", "No scorecard was given.", lang))]
    groups = card["citation"].map(scorecard_section_of) if "citation" in card else \
        pd.Series(["考核指标"] * len(card), index=card.index)
    unit = card["unit"] if "unit" in card else pd.Series([None] * len(card), index=card.index)
    cols = [("指标", "indicator"), ("目标", "target"), ("规划/实际", "value"), ("状态", "status"),
            ("差额", "margin"), ("依据", "evidence")]
    for group in dict.fromkeys(groups):
        sel = card[groups == group]
        rows = [{"指标": r["indicator"], "目标": r["target"],
                 "规划/实际": _card_value(r, unit[i]), "状态": _card_status(r, lang),
                 "差额": _value_text(r["margin"], unit[i]), "依据": _evidence(r["evidence"])}
                for i, r in sel.iterrows()]
        if len(groups.unique()) > 1:
            out.append(Block("h3", group))
        out.append(Block("table", frame=_frame(rows, cols, lang), cls="scorecard",
                         fills=[STATUS_FILL.get(s, "#ffffff") for s in sel["status"]]))
    return out


def _given(row: Any, key: str) -> bool:
    value = row.get(key) if hasattr(row, "get") else None
    return value is not None and not (isinstance(value, float) and pd.isna(value)) and \
        value != ""


def _card_value(row: Any, unit: Any) -> str:
    """Return the scorecard's own ``value_text``; with both a planned and an entered value, both."""
    text = str(row["value_text"]) if _given(row, "value_text") else _value_text(row["value"], unit)
    if _given(row, "plan_value") and _given(row, "actual_value"):
        return f"实际 {_value_text(row['actual_value'], unit)}；规划 " \
               f"{_value_text(row['plan_value'], unit)}"
    return text


def _card_status(row: Any, lang: str) -> str:
    """Return the scorecard's own ``status_zh`` (Chinese, or both), else the word table's."""
    if lang != "en" and _given(row, "status_zh"):
        zh = str(row["status_zh"])
        return zh if lang == "zh" else f"{zh} {status_word(row['status'], 'en')}"
    return status_word(row["status"], lang)


def _evidence(text: Any) -> str:
    """Evidence without the trailing synthetic-layer tag (the notice says it once)."""
    s = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
    return re.sub(r"\s*\[synthetic:[^\]]*\]\s*$", "", s)


def _fleet_blocks(plan: Plan, lang: str) -> list[Block]:
    out = [_h2("fleet-curve", "六、车队与覆盖率", "6. Fleet versus coverage", lang)]
    png = charts.fleet_chart(plan, font=cjk_font())
    if png is None:
        return out + [Block("p", pick("规划文件中没有车队—覆盖率曲线。",
                                      "The plan file has no fleet-versus-coverage curve "
                                      "(fleet_curve).", lang))]
    rows = [{"目标": pct(c["target"], 0), "日成本（元）": num(c.get("cost")),
             "车辆": num(c.get("vehicles")),
             "可行": pick(*YES_NO[bool(c.get("feasible", True))], lang)}
            for c in plan.data["fleet_curve"]]
    cols = [("目标", "target"), ("日成本（元）", "cost per day"), ("车辆", "vehicles"),
            ("可行", "feasible")]
    return out + [Block("image", image=png, text="fleet versus coverage", width_cm=14.0),
                  Block("table", frame=_frame(rows, cols, lang), cls="curve")]


def _unserved_blocks(plan: Plan, lang: str) -> list[Block]:
    """Villages not served daily: 行政村 passed (not stopped), then by reason; 社区 apart."""
    out = [_h2("unserved", "七、未每日配送村庄", "7. Villages not served daily", lang)]
    f = figures_of(plan)
    status = village_status(plan)
    reasons = {u["village_id"]: reason_text(u, lang) for u in plan.data.get("unserved", [])}
    town = {t["id"]: t["name"] for t in plan.data["townships"]}
    passed_word = pick(f"途经未停靠（每日有车途经，距线路≤{f.tolerance_m:g}米，可增设停靠点）",
                       f"passed, not stopped (a daily route drives within {f.tolerance_m:g} m;"
                       " a stop could be added)", lang)
    groups: dict[tuple[int, str, str], list[str]] = {}
    for v in plan.data["villages"]:
        st = status[v["id"]]
        admin = v["kind"] == "village"
        if st == "daily" or not (admin or v["id"] in reasons):
            continue
        if admin and st == "passed":
            order, reason = 0, passed_word
        else:
            reason = reasons.get(v["id"]) or pick("规划文件未给出原因", "no reason recorded", lang)
            order = 1 if admin else 2
            if not admin:
                reason = f"{words(KIND_WORDS, v['kind'], lang)}：{reason}"
        name = v["name"] + ("（贫困村）" if v.get("poor") and lang != "en" else
                            " (poor)" if v.get("poor") else "")
        groups.setdefault((order, reason, town.get(v["township_id"], "")), []).append(name)
    if not groups:
        return out + [Block("p", pick("全部行政村每日配送。", "Every administrative village is "
                                      "served daily.", lang))]
    n_admin = f.count("passed_not_stopped") + f.count("not_served")
    others = sum(len(vs) for (o, _, _), vs in groups.items() if o == 2)
    zh = (f"未每日配送的行政村{n_admin}个（共{f.villages_total}个），其中途经未停靠"
          f"{f.count('passed_not_stopped')}个、未服务{f.count('not_served')}个"
          + (f"；另列社区等{others}个" if others else "") + "。可安排隔日或每周配送。")
    en = (f"{n_admin} of {f.villages_total} administrative villages are not served daily: "
          f"{f.count('passed_not_stopped')} passed, not stopped; {f.count('not_served')} not "
          "served" + (f"; {others} communities and other units listed apart" if others else "")
          + ".")
    out.append(Block("p", pick(zh, en, lang) if lang != "both" else f"{zh} {en}"))
    cols = [("乡镇", "township"), ("个数", "count"), ("村", "villages")]
    for key in sorted(dict.fromkeys((o, r) for o, r, _ in groups)):
        rows = [{"乡镇": t, "个数": str(len(vs)), "村": "、".join(vs)}
                for (o, r, t), vs in groups.items() if (o, r) == key]
        total = sum(int(r["个数"]) for r in rows)
        out += [Block("h3", f"{pick('原因', 'reason', lang)}：{key[1]}（{total}）"),
                Block("table", frame=_frame(rows, cols, lang), cls="unserved")]
    return out


def _model_blocks(plan: Plan, lang: str) -> list[Block]:
    siting = plan.data.get("siting") or {}
    lrp = plan.data.get("lrp")
    if not siting and not lrp:
        return []
    out = [_h2("models", "八、优化模型", "8. Optimisation models", lang)]
    if siting:
        keys = [k for k in dict.fromkeys(k for v in siting.values() for k in v)
                if all(not isinstance(v.get(k), dict | list) for v in siting.values())]
        rows = [[words(_KIND_PAIRS, m, lang)]
                 + [words(SOLVER_WORDS, v.get(k), lang) if k == "status" else _cell(v.get(k))
                    for k in keys] for m, v in siting.items()]
        heads = [pick("模型", "model", lang), *(words(MODEL_COLUMNS, k, lang) for k in keys)]
        out += [Block("h3", pick("选址模型", "Siting models", lang)),
                Block("table", frame=pd.DataFrame(rows, columns=heads), cls="siting")]
    if lrp:
        two, joint = lrp.get("two_step_cost"), lrp.get("joint_cost")
        used = lrp.get("used", "joint")
        if used == "joint":
            saving = (f"；节省 {pct((two - joint) / two)}" if two and joint is not None else "")
            text = (f"两步法 {num(two)} 元/日；联合优化 {num(joint)} 元/日{saving}；"
                    f"迭代 {len(lrp.get('iterations', []))} 次。")
        else:  # the joint warehouses failed the day's routing: no saving to claim
            why = lrp.get("joint_infeasible_zh") if lang != "en" else lrp.get(
                "joint_infeasible_en")
            text = pick(f"联合优化的县级仓在每日线路中不可行，本方案采用设施选址的县级仓"
                        f"（干线估算 {num(two)} 元/日）；原因：{why or '—'}",
                        f"The jointly chosen warehouses failed the day's routing; the plan uses "
                        f"the facility-location warehouses (trunk estimate {num(two)} CNY a "
                        f"day); reason: {why or '—'}", lang)
        out += [Block("h3", pick("选址—路径联合优化", "Location-routing", lang)),
                Block("p", text)]
    return out


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return num(value, 3 if abs(value) < 1 else 1)
    return num(value) if isinstance(value, int) and not isinstance(value, bool) else \
        ("—" if value is None else str(value))


def _provenance_blocks(plan: Plan, county: County | None, lang: str) -> list[Block]:
    rows = [{"图层": words(LAYER_WORDS, k, lang),
             "来源": words(SOURCE_WORDS, v.get("source"), lang),
             "说明": v.get("description") or "", "年份": v.get("vintage") or "—"}
            for k, v in plan.data["provenance"].items() if isinstance(v, dict)]
    if county is not None:
        rows += [{"图层": pick("县域", "county", lang) + "·" + words(LAYER_WORDS, k, lang),
                  "来源": words(SOURCE_WORDS, p.source, lang),
                  "说明": p.description, "年份": p.vintage or "—"}
                 for k, p in county.provenance.items()]
    cols = [("图层", "layer"), ("来源", "source"), ("说明", "description"), ("年份", "vintage")]
    params = [{"参数": words(PARAM_WORDS, k, lang), "值": _param(k, v)}
              for k, v in plan.data["parameters"].items() if not isinstance(v, dict | list)]
    return [_h2("provenance", "九、数据来源与参数", "9. Data sources and parameters", lang),
            Block("table", frame=_frame(rows, cols, lang), cls="provenance"),
            Block("h3", pick("规划参数", "Parameters", lang)),
            Block("table", frame=_frame(params, [("参数", "parameter"), ("值", "value")], lang),
                  cls="kv"),
            Block("note", f"{pick('生成', 'generated by', lang)}："
                          f"{plan.data.get('generated_by', '—')}；plan.json schema "
                          f"{plan.data['schema_version']}")]


def _param(key: str, value: Any) -> str:
    if key.endswith("_min") and key.startswith("day_") and isinstance(value, int | float):
        return minutes_to_hhmm(value)
    if key in ("coverage_target",) and isinstance(value, int | float):
        return pct(value, 0)
    if key in ("mode", "mode_requested"):
        return words(MODE_WORDS, value, "zh")
    if value in VALUE_WORDS:
        return words(VALUE_WORDS, value, "zh")
    return _cell(value)


__all__ = ["Block", "KIND_WORDS", "build_annex", "scorecard_section_of", "title_of"]

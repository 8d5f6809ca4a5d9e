"""Chinese sentences an official can quote, for the opening of the annex.

:func:`plan_paragraphs` writes "本方案在安溪县设县级仓储配送中心1个，位于……；
每日配送覆盖乡镇24个、行政村355个（80.1%）……" in Chinese, English or both,
from the plan's own figures (:func:`plan_facts`). Words and number formats
come from :mod:`ruralnet.outputs.words`.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ruralnet.outputs.served import figures_of
from ruralnet.outputs.words import MODE_WORDS, num, pct, reason_text, status_word
from ruralnet.plan.document import SYNTHETIC_NOTICE_EN, SYNTHETIC_NOTICE_ZH, Plan


def _names(items: list[str], limit: int = 6, sep: str = "、") -> str:
    more = f"等{len(items)}处" if len(items) > limit else ""
    return sep.join(items[:limit]) + more


def plan_facts(plan: Plan) -> dict[str, Any]:
    """Figures the prose quotes: sites per kind, coverage, routes, km, cost, unserved reasons.

    Village and township counts are those of :func:`ruralnet.plan.figures.plan_figures`
    (行政村 only; "passed, not stopped" apart from "not served").
    """
    d = plan.data
    fig = figures_of(plan)
    town = {t["id"]: t["name"] for t in d["townships"]}
    kinds = Counter(s["kind"] for s in d["sites"])
    wh = [s for s in d["sites"] if s["kind"] == "county_warehouse"]
    reasons = {u["village_id"]: u for u in d.get("unserved", [])}
    return {
        "county": d["county"]["name"], "kinds": kinds,
        "warehouses": [(s["name"], town.get(s.get("township_id") or "", "")) for s in wh],
        "towns_daily": fig.count("townships_daily"), "towns_total": fig.townships_total,
        "villages_daily": fig.count("daily_served"), "villages_total": fig.villages_total,
        "share": _share(fig.count("daily_served"), fig.villages_total),
        "station_villages": fig.count("station_hosting"),
        "admin_total": fig.villages_total,
        "routes": {t: len(plan.routes(t)) for t in ("trunk", "feeder", "direct")},
        "km": sum(r["distance_km"] for r in d["routes"]),
        "cost": d["costs"]["total_per_day"],
        "mode": d["parameters"].get("mode"), "target": d["parameters"].get("coverage_target"),
        "not_daily": fig.count("passed_not_stopped") + fig.count("not_served"),
        "passed": fig.count("passed_not_stopped"), "not_served": fig.count("not_served"),
        "reasons": Counter(reason_text(reasons.get(v, {})) for v in fig.not_served),
        "vehicles": sum((d["costs"].get("vehicles") or {}).values()),
    }


def plan_paragraphs(plan: Plan, lang: str = "zh", *, card: Any = None) -> list[str]:
    """Return the opening paragraphs of the annex, Chinese first.

    ``card`` is the scorecard table (optional): adds the count of indicators
    per status.
    """
    f = plan_facts(plan)
    zh, en = _zh(f, card), _en(f, card)
    if plan.synthetic:
        layers = ", ".join(plan.data["provenance"].get("synthetic_layers", []))
        zh.append(f"注意：{SYNTHETIC_NOTICE_ZH}（合成图层：{layers}）")
        en.append(f"Note: {SYNTHETIC_NOTICE_EN} (synthetic layers: {layers})")
    if lang == "zh":
        return zh
    if lang == "en":
        return en
    return [p for pair in zip(zh, en, strict=True) for p in pair]


def _zh(f: dict[str, Any], card: Any) -> list[str]:
    k = f["kinds"]
    where = "；".join(f"{town or '县城'}，即“{name}”" for name, town in f["warehouses"]) or "—"
    first = (f"本方案在{f['county']}设县级仓储配送中心{k.get('county_warehouse', 0)}个，"
             f"位于{where}")
    if k.get("county_service_centre"):
        first += f"；县级电子商务公共服务中心{k['county_service_centre']}个"
    first += (f"；设乡镇中转站{k.get('township_station', 0)}个、村级服务站"
              f"{k.get('village_station', 0)}个，村级服务站覆盖行政村{f['station_villages']}个"
              f"（占{f['admin_total']}个行政村的"
              f"{pct(_share(f['station_villages'], f['admin_total']))}）。")
    r = f["routes"]
    second = (f"每日配送覆盖乡镇{f['towns_daily']}个（共{f['towns_total']}个）、行政村"
              f"{f['villages_daily']}个（{pct(f['share'])}，目标{pct(f['target'], 0)}）。"
              f"配送模式为{MODE_WORDS.get(f['mode'], (f['mode'], ''))[0]}，每日开行")
    second += "、".join(f"{n}{c}条" for n, c in (("干线", r["trunk"]), ("支线", r["feeder"]),
                                                ("直达线", r["direct"])) if c) or "线路0条"
    fleet = f"，用车{f['vehicles']}辆" if f["vehicles"] else ""
    second += f"{fleet}，合计行驶约{num(f['km'])}公里，日运行成本约{num(f['cost'])}元。"
    out = [first, second]
    if f["not_daily"]:
        text = f"未每日配送的行政村{f['not_daily']}个"
        if f["passed"]:
            text += (f"，其中{f['passed']}个每日有配送车辆途经但未停靠（可增设停靠点），"
                     f"{f['not_served']}个未服务")
        if f["not_served"]:
            top = "；".join(f"{reason}（{n}个）" for reason, n in f["reasons"].most_common(3))
            text += f"，{'未服务' if f['passed'] else ''}原因：{top}"
        out.append(text + "。名单见“未每日配送村庄”表。")
    else:
        out.append("全部行政村每日配送。")
    if card is not None and len(card):
        words_zh = card["status_zh"] if "status_zh" in card else card["status"].map(status_word)
        counts = Counter(w if isinstance(w, str) and w else status_word(s)
                         for w, s in zip(words_zh, card["status"], strict=True))
        parts = "，".join(f"{w}{n}项" for w, n in counts.most_common())
        scope = next((x for x in card.get("scope", []) if isinstance(x, str) and x), "")
        borrowed = f"（{scope}）" if scope.startswith("参照") else ""
        out.append(f"对照考核指标{len(card)}项{borrowed}：{parts}。")
    return out


def _en(f: dict[str, Any], card: Any) -> list[str]:
    k = f["kinds"]
    where = "; ".join(f"{name} ({town or 'county seat'})" for name, town in f["warehouses"])
    first = (f"The plan sets up {k.get('county_warehouse', 0)} county warehouse(s) in "
             f"{f['county']}: {where or '—'}; {k.get('township_station', 0)} township stations "
             f"and {k.get('village_station', 0)} village stations, which cover "
             f"{f['station_villages']} of {f['admin_total']} administrative villages "
             f"({pct(_share(f['station_villages'], f['admin_total']))}).")
    r = f["routes"]
    second = (f"Daily delivery reaches {f['towns_daily']} of {f['towns_total']} townships and "
              f"{f['villages_daily']} administrative villages ({pct(f['share'])}; target "
              f"{pct(f['target'], 0)}) with {r['trunk']} trunk, {r['feeder']} feeder and "
              f"{r['direct']} direct routes a day, about {num(f['km'])} km and "
              f"{num(f['cost'])} CNY per day.")
    out = [first, second]
    passed = (f" ({f['passed']} passed, not stopped: a daily route drives through; "
              f"{f['not_served']} not served)" if f["passed"] else "")
    out.append(f"{f['not_daily']} administrative villages are not served daily{passed} "
               "(see the table)." if f["not_daily"] else
               "Every administrative village is served daily.")
    if card is not None and len(card):
        counts = Counter(card["status"])
        parts = ", ".join(f"{n} {status_word(s, 'en')}" for s, n in counts.most_common())
        out.append(f"Against {len(card)} indicators: {parts}.")
    return out


def _share(a: float, b: float) -> float | None:
    return a / b if b else None

"""The plan's ``economics`` section in the outputs: the annex's 成本 section and the 成本 sheet.

:func:`cost_tables` turns plan.json's ``economics`` (made by
:func:`ruralnet.economics.analysis.economic_analysis`) into titled tables of
display text: cost per parcel down/up per tier (leg-load rule,
:mod:`ruralnet.plan.parcel_costs`) and per township, parity with a reference
price, 共同配送 pooled against each carrier alone with the sharing of the
pooled cost, investment per fund-table category
(:mod:`ruralnet.plan.investment`) with the fund-table check
(``economics.investment.fund_table``) and the budget file's check, and the
parcel-volume sensitivity. :func:`cost_blocks` renders them as annex blocks
(with a small chart of the sensitivity) and :func:`economics_sheets` as the
rows of the Excel sheet 成本. Assumptions are labelled where they are: unit
build costs carry their ``source`` (``ASSUMED …`` unless a scenario gave
quotes) and carrier shares carry theirs.

Examples
--------
>>> tables = cost_tables({"economics": {"parcel_costs": {
...     "down_per_parcel": 1.5, "up_per_parcel": 2.25, "parcels_down": 100, "parcels_up": 20,
...     "by_tier": {"trunk": {"down_yuan": 150.0, "up_yuan": 45.0, "down_per_parcel": 1.5,
...                           "up_per_parcel": 2.25}}, "by_township": {}}},
...     "townships": []}, "zh")
>>> tables[0][1].values.tolist()
[['干线', '150', '45', '1.50', '2.25'], ['合计', '150', '45', '1.50', '2.25']]
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ruralnet._io import cjk_font
from ruralnet.outputs import charts
from ruralnet.outputs.blocks import Block, frame_of, h2
from ruralnet.outputs.words import YES_NO, num, pick

__all__ = ["CATEGORY_ZH", "cost_blocks", "cost_tables", "economics_sheets"]

TIER_WORDS = {"trunk": ("干线", "trunk"), "feeder": ("支线", "feeder"),
              "direct": ("直达", "direct"), "sites": ("站点运营", "sites")}
CATEGORY_ZH = {"logistics": ("县乡村三级物流配送体系", "logistics"),
               "service_stations": ("乡村电子商务服务站体系", "service stations")}
DIRECTION = {"down": ("下行（工业品下乡）", "down"), "up": ("上行（农产品进城）", "up")}


def _yuan(x: Any) -> str:
    return "—" if x is None else f"{float(x):,.2f}"


def _word(table: Mapping[str, tuple[str, str]], key: Any, lang: str) -> str:
    return pick(*table[key], lang) if key in table else str(key)


def _fits(value: Any, lang: str) -> str:
    return "—" if value is None else pick(*YES_NO[bool(value)], lang)


def cost_tables(plan: Any, lang: str = "zh") -> list[tuple[str, pd.DataFrame, str]]:
    """Return ``(title, table, note)`` triples of the plan's economics ([] without any)."""
    d = getattr(plan, "data", plan)
    econ = d.get("economics") or {}
    town = {t["id"]: t["name"] for t in d.get("townships", [])}
    out: list[tuple[str, pd.DataFrame, str]] = []
    pc = econ.get("parcel_costs")
    if pc:
        rows = [{"层级": _word(TIER_WORDS, t, lang), "下行元/日": num(v.get("down_yuan")),
                 "上行元/日": num(v.get("up_yuan")), "下行元/件": _yuan(v.get("down_per_parcel")),
                 "上行元/件": _yuan(v.get("up_per_parcel"))} for t, v in pc["by_tier"].items()
                if v.get("down_yuan") or v.get("up_yuan")]  # a tier the plan does not run: out
        rows.append({"层级": pick("合计", "total", lang),
                     "下行元/日": num(sum(v.get("down_yuan") or 0 for v in pc["by_tier"].values())),
                     "上行元/日": num(sum(v.get("up_yuan") or 0 for v in pc["by_tier"].values())),
                     "下行元/件": _yuan(pc["down_per_parcel"]),
                     "上行元/件": _yuan(pc["up_per_parcel"])})
        cols = [("层级", "tier"), ("下行元/日", "down CNY/day"), ("上行元/日", "up CNY/day"),
                ("下行元/件", "down CNY/parcel"), ("上行元/件", "up CNY/parcel")]
        note = pick(f"每日包裹：下行{num(pc.get('parcels_down'))}件、"
                    f"上行{num(pc.get('parcels_up'))}件；"
                    "按“分段载重”规则分摊（见 ruralnet.plan.parcel_costs）。",
                    f"Parcels a day: {num(pc.get('parcels_down'))} down, "
                    f"{num(pc.get('parcels_up'))} up; allocated by the leg-load rule.", lang)
        out.append((pick("每件成本（按层级）", "Cost per parcel by tier", lang),
                    frame_of(rows, cols, lang), note))
        rows = [{"乡镇": town.get(t, t), "下行件/日": num(v.get("parcels_down")),
                 "上行件/日": num(v.get("parcels_up")),
                 "下行元/件": _yuan(v.get("down_per_parcel")),
                 "上行元/件": _yuan(v.get("up_per_parcel"))} for t, v in pc["by_township"].items()]
        if rows:
            cols = [("乡镇", "township"), ("下行件/日", "down parcels/day"),
                    ("上行件/日", "up parcels/day"), ("下行元/件", "down CNY/parcel"),
                    ("上行元/件", "up CNY/parcel")]
            out.append((pick("每件成本（按乡镇）", "Cost per parcel by township", lang),
                        frame_of(rows, cols, lang), ""))
    if econ.get("parity"):
        rows = [{"方向": _word(DIRECTION, r["direction"], lang),
                 "本方案元/件": _yuan(r["cost_per_parcel"]),
                 "参考价元/件": _yuan(r["reference_yuan"]),
                 "差额元/件": _yuan(r["gap_yuan"]), "持平": _fits(r["at_parity"], lang)}
                for r in econ["parity"]]
        cols = [("方向", "direction"), ("本方案元/件", "plan CNY/parcel"),
                ("参考价元/件", "reference"), ("差额元/件", "gap"), ("持平", "at parity")]
        out.append((pick("与参考价对比（基本与省会城市持平）", "Parity with the reference price",
                         lang), frame_of(rows, cols, lang), ""))
    out += _carrier_tables(econ.get("carriers"), lang)
    out += _investment_tables(econ.get("investment"), lang)
    if econ.get("sensitivity"):
        rows = [{"件量倍数": f"×{r['volume_factor']:g}",
                 "包裹件/日": num((r.get("parcels_down") or 0) + (r.get("parcels_up") or 0)),
                 "日成本元": num(r["cost_per_day"]), "车辆": num(r.get("vehicles")),
                 "下行元/件": _yuan(r.get("down_per_parcel")),
                 "上行元/件": _yuan(r.get("up_per_parcel"))} for r in econ["sensitivity"]]
        cols = [("件量倍数", "volume"), ("包裹件/日", "parcels/day"), ("日成本元", "CNY/day"),
                ("车辆", "vehicles"), ("下行元/件", "down CNY/parcel"),
                ("上行元/件", "up CNY/parcel")]
        out.append((pick("件量敏感性（按本方案参数重新规划）", "Sensitivity to parcel volume "
                         "(re-planned)", lang), frame_of(rows, cols, lang), ""))
    return out


def _carrier_tables(car: Mapping[str, Any] | None,
                    lang: str) -> list[tuple[str, pd.DataFrame, str]]:
    if not car:
        return []
    share = {c["name"]: c["share"] for c in car.get("carriers", [])}
    rows = [{"方案": f"{name} {pick('单独配送', 'alone', lang)}",
             "件量份额": f"{100 * share.get(name, 0):.1f}%", "日成本元": num(a["cost_per_day"]),
             "车辆": num(a.get("vehicles")), "里程km": num(a.get("km"))}
            for name, a in car["alone"].items()]
    p = car["pooled"]
    rows += [{"方案": pick("各自配送合计", "carriers alone, total", lang), "件量份额": "100.0%",
              "日成本元": num(car["alone_total_per_day"]),
              "车辆": num(sum(a.get("vehicles", 0) for a in car["alone"].values())),
              "里程km": num(sum(a.get("km", 0) for a in car["alone"].values()))},
             {"方案": pick("共同配送", "pooled", lang), "件量份额": "100.0%",
              "日成本元": num(p["cost_per_day"]), "车辆": num(p.get("vehicles")),
              "里程km": num(p.get("km"))}]
    cols = [("方案", "scheme"), ("件量份额", "share"), ("日成本元", "CNY/day"),
            ("车辆", "vehicles"), ("里程km", "km")]
    saving = car.get("saving_share")
    note = pick(f"共同配送每日节省{num(car['saving_per_day'])}元"
                f"（{'—' if saving is None else f'{100 * saving:.1f}%'}），"
                f"每年约{car['saving_per_year'] / 1e4:,.1f}万元。承运商份额来源：{car['source']}",
                f"Pooling saves {num(car['saving_per_day'])} CNY a day "
                f"({'—' if saving is None else f'{100 * saving:.1f}%'}), about "
                f"{car['saving_per_year'] / 1e4:,.1f} 万元 a year. Carrier split source: "
                f"{car['source']}", lang)
    out = [(pick("共同配送与各自配送", "Pooled versus carriers alone", lang),
            frame_of(rows, cols, lang), note)]
    sharing = car.get("sharing") or {}
    if sharing:
        rules = list(sharing)
        names = list(dict.fromkeys(n for s in sharing.values() for n in s))
        rows = [{"承运商": n, **{r: num(sharing[r].get(n)) for r in rules}} for n in names]
        out.append((pick("共同配送成本分摊（元/日）", "Sharing of the pooled cost (CNY/day)",
                         lang), frame_of(rows, [("承运商", "carrier")] + [(r, r) for r in rules],
                                         lang), car.get("sharing_rule", "")))
    return out


def _investment_tables(inv: Mapping[str, Any] | None,
                       lang: str) -> list[tuple[str, pd.DataFrame, str]]:
    if not inv:
        return []
    rows = [{"类别": _word(CATEGORY_ZH, ln["category"], lang), "项目": ln["item"],
             "数量": num(ln["count"]), "单价万元": num(ln["unit_wan"], 2),
             "金额万元": num(ln["amount_wan"], 1)} for ln in inv["lines"]]
    rows.append({"类别": pick("合计", "total", lang), "项目": "", "数量": "",
                 "单价万元": "", "金额万元": num(inv["capital_wan"], 1)})
    cols = [("类别", "category"), ("项目", "item"), ("数量", "count"), ("单价万元", "unit 万元"),
            ("金额万元", "amount 万元")]
    note = pick(f"单位造价为假设值，非报价（{inv.get('source', '')}）；运营成本约"
                f"{num(inv.get('operating_per_year_wan'), 1)}万元/年。",
                f"Unit costs: {inv.get('source', '')}; operating about "
                f"{num(inv.get('operating_per_year_wan'), 1)} 万元 a year.", lang) \
        if str(inv.get("source", "")).startswith("ASSUMED") else \
        pick(f"单位造价来源：{inv.get('source', '')}；运营成本约"
             f"{num(inv.get('operating_per_year_wan'), 1)}万元/年。",
             f"Unit costs: {inv.get('source', '')}; operating about "
             f"{num(inv.get('operating_per_year_wan'), 1)} 万元 a year.", lang)
    out = [(pick("投资估算（按资金表类别）", "Investment by fund-table category", lang),
            frame_of(rows, cols, lang), note)]
    fund = inv.get("fund_table") or {}
    checks = [(r, "fund") for r in fund.get("rows", [])] + \
        [(r, "budget") for r in inv.get("budget_check", [])]
    if checks:
        rows = [{"类别": _word(CATEGORY_ZH, r["category"], lang),
                 "对照": (f"{fund.get('system', '')} " + pick("资金表", "fund table", lang))
                 if kind == "fund" else pick("预算文件", "budget file", lang),
                 "规划万元": num(r["planned_wan"], 1), "资金表万元": num(r["budget_wan"], 1),
                 "余额万元": num(r["gap_wan"], 1), "在资金表内": _fits(r["fits"], lang),
                 "依据": (r.get("citation") or "—").split(" — ")[0]} for r, kind in checks]
        cols = [("类别", "category"), ("对照", "against"), ("规划万元", "planned 万元"),
                ("资金表万元", "budget 万元"), ("余额万元", "left 万元"), ("在资金表内", "fits"),
                ("依据", "citation")]
        out.append((pick("投资与资金表核对", "Investment against the fund table", lang),
                    frame_of(rows, cols, lang), ""))
    return out


def cost_blocks(plan: Any, lang: str) -> list[Block]:
    """Return the 成本 section of the annex (nothing for a plan without ``economics``)."""
    tables = cost_tables(plan, lang)
    if not tables:
        return []
    out = [h2("costs", "十、成本与投资", "10. Costs and investment", lang)]
    sens = (getattr(plan, "data", plan).get("economics") or {}).get("sensitivity")
    for title, frame, note in tables:
        out += [Block("h3", title), Block("table", frame=frame, cls="costs")]
        if note:
            out.append(Block("note", note))
        if sens and title.startswith(pick("件量敏感性", "Sensitivity", lang)[:4]):
            png = sensitivity_chart(sens, font=cjk_font())
            out.append(Block("image", image=png, text="sensitivity", width_cm=11.0))
    return out


def sensitivity_chart(rows: list[Mapping[str, Any]], *, font: str | None = None) -> bytes:
    """Draw 元/件 down and up against the parcel-volume factor as PNG bytes."""
    from matplotlib.figure import Figure

    with charts.fonts(font):
        fig = Figure(figsize=(5.0, 2.4))
        ax = fig.subplots()
        x = [r["volume_factor"] for r in rows]
        for key, zh, en, colour in (("down_per_parcel", "下行", "down", "#2563eb"),
                                    ("up_per_parcel", "上行", "up", "#16a34a")):
            pts = [(a, r[key]) for a, r in zip(x, rows, strict=True) if r.get(key) is not None]
            if pts:
                ax.plot(*zip(*pts, strict=True), "o-", color=colour,
                        label=charts.label(zh, en, font))
        ax.set_xlabel(charts.label("件量倍数", "parcel volume ×", font))
        ax.set_ylabel(charts.label("元/件", "CNY per parcel", font))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, frameon=False)
        return charts.png_bytes(fig)


def economics_sheets(plan: Any) -> dict[str, list[tuple[str, pd.DataFrame, str]]]:
    """Return ``{"成本": tables}`` for the workbook (bilingual headers), or ``{}``."""
    tables = [(t, f.map(_as_number), n) for t, f, n in cost_tables(plan, "both")]
    return {"成本": tables} if tables else {}


def _as_number(text: Any) -> Any:
    """``'1,234.50'`` → 1234.5 for the workbook (numbers stay numbers); other text as it is."""
    if isinstance(text, str) and _NUMBER.match(text):
        return float(text.replace(",", ""))
    return text


_NUMBER = re.compile(r"^-?\d{1,3}(,\d{3})*(\.\d+)?$|^-?\d+(\.\d+)?$")

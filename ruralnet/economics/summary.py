"""Bilingual text of a plan's ``economics`` section, for the CLI and notebooks.

Examples
--------
>>> print(economics_summary({"parcel_costs": {"down_per_parcel": 1.234, "up_per_parcel": 2.5,
...                                           "parcels_down": 100, "parcels_up": 30}}))
  每件成本 cost per parcel: 下行 down 1.23 元/件, 上行 up 2.50 元/件 (100 + 30 件/日 parcels/day)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["economics_summary"]


def _yuan(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def economics_summary(econ: Mapping[str, Any]) -> str:
    """Return a few lines a planner reads at the end of ``ruralnet plan``."""
    lines = []
    pc = econ.get("parcel_costs")
    if pc:
        lines.append(f"  每件成本 cost per parcel: 下行 down {_yuan(pc['down_per_parcel'])} 元/件, "
                     f"上行 up {_yuan(pc['up_per_parcel'])} 元/件 ({pc['parcels_down']:g} + "
                     f"{pc['parcels_up']:g} 件/日 parcels/day)")
    for row in econ.get("parity", []):
        word = {True: "持平 at parity", False: "高于参考价 above the reference",
                None: "无数据 no data"}[row["at_parity"]]
        lines.append(f"  与参考价对比 vs reference {row['reference_yuan']:g} 元/件 "
                     f"({row['direction']}): {_yuan(row['cost_per_parcel'])} → {word}")
    car = econ.get("carriers")
    if car:
        lines.append(f"  共同配送 pooled: {car['pooled']['cost_per_day']:,.0f} 元/日, "
                     f"{car['pooled']['vehicles']} 辆 vehicles; 各自配送 carriers alone: "
                     f"{car['alone_total_per_day']:,.0f} 元/日; 节省 saving "
                     f"{car['saving_per_day']:,.0f} 元/日 ({(car['saving_share'] or 0):.1%}), "
                     f"{car['saving_per_year'] / 1e4:,.1f} 万元/年 per year")
        lines.append(f"    其中站点固定成本 of which site fixed costs: "
                     f"{car.get('saving_sites_per_day', 0):,.0f} 元/日 (each carrier alone runs "
                     "its own depot and township points); 份额来源 shares: " + car["source"])
    inv = econ.get("investment")
    if inv:
        cats = ", ".join(f"{k} {v:,.1f}" for k, v in inv["by_category_wan"].items())
        lines.append(f"  投资 investment: {inv['capital_wan']:,.1f} 万元 ({cats}); 运营 "
                     f"operating {inv['operating_per_year_wan']:,.1f} 万元/年; {inv['source']}")
        for row in inv.get("budget_check", []):
            if row["fits"] is False:
                lines.append(f"    超出预算 over the budget file: {row['category']} 计划 planned "
                             f"{row['planned_wan']:,.1f} > 预算 {row['budget_wan']:,.1f} 万元")
    fund = (inv or {}).get("fund_table")
    for row in (fund or {}).get("rows", []):
        if row["budget_wan"] is None:
            continue
        word = "在资金表内 fits" if row["fits"] else "超出资金表 over the fund table"
        lines.append(f"    {fund['system']} 资金表 fund table, {row['category']}: 计划 planned "
                     f"{row['planned_wan']:,.1f} / 资金表 {row['budget_wan']:,.1f} 万元 → {word}")
    for row in econ.get("sensitivity", []):
        lines.append(f"  件量 × {row['volume_factor']:g}: {row['cost_per_day']:,.0f} 元/日, "
                     f"下行 {_yuan(row['down_per_parcel'])} / 上行 {_yuan(row['up_per_parcel'])} "
                     "元/件")
    return "\n".join(lines)

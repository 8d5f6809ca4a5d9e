"""A plan's capital cost against the fund table of its indicator system, line by line.

The plan's investment (:func:`ruralnet.plan.investment.plan_investment`) is
grouped by budget category; each category is matched to the document's
fund-table lines (``kind = "line"`` rules) whose line item names it:

==================  ====================================================
category            fund-table lines (by the words in the line item)
==================  ====================================================
``logistics``       物流 (e.g. 安溪 县乡村三级物流配送体系, 450 万元)
``service_stations`` 服务站 (e.g. 安溪 乡（镇）村电子商务服务站体系, 350 万元)
==================  ====================================================

A plan whose capital on a category exceeds the matched lines (all funding
sources together) does not fit its fund table; the rows say by how much.

Examples
--------
>>> from ruralnet.programme.targets import load_system
>>> inv = {"by_category_wan": {"logistics": 500.0, "service_stations": 300.0}}
>>> rows = plan_against_fund_table(inv, load_system("anxi_2018"))
>>> [(r["category"], r["budget_wan"], r["fits"]) for r in rows]
[('logistics', 450.0, False), ('service_stations', 350.0, True)]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ruralnet.programme.targets import IndicatorSystem

__all__ = ["CATEGORY_WORDS", "plan_against_fund_table"]

CATEGORY_WORDS = {"logistics": ("物流",), "service_stations": ("服务站",)}
"""Words of a fund-table line item that put it in a plan spending category."""


def plan_against_fund_table(investment: Mapping[str, Any],
                            system: IndicatorSystem) -> list[dict[str, Any]]:
    """Planned capital per category against the system's fund-table lines of that category.

    Parameters
    ----------
    investment
        A plan's investment (``economics.investment`` of plan.json).
    system
        The indicator system whose ``line`` fund rules are the fund table.

    Returns
    -------
    list of dict
        ``category``, ``planned_wan``, ``lines`` (the matched line items with
        source and amount), ``budget_wan`` (``None`` when the table has no
        such line), ``fits``, ``gap_wan`` and ``citation``.
    """
    lines = [r for r in system.fund_rules if r.kind == "line" and r.line_item]
    rows = []
    for cat, planned in sorted(investment["by_category_wan"].items()):
        words = CATEGORY_WORDS.get(cat, ())
        hit = [r for r in lines if any(w in r.line_item for w in words)]
        budget = sum(float(r.amount_wan or 0) for r in hit) if hit else None
        rows.append({
            "category": cat, "planned_wan": round(float(planned), 2),
            "lines": [{"line_item": r.line_item, "funding_sources": list(r.funding_sources),
                       "amount_wan": r.amount_wan} for r in hit],
            "budget_wan": budget, "fits": None if budget is None else planned <= budget + 1e-9,
            "gap_wan": None if budget is None else round(budget - float(planned), 2),
            "citation": "; ".join(r.citation for r in hit)})
    return rows

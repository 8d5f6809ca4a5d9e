"""Re-check a plan's ``economics`` section from the rest of plan.json (used by ``validate``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ruralnet.plan.investment import UnitCosts, plan_investment
from ruralnet.plan.parcel_costs import allocate_parcel_costs

__all__ = ["check_economics"]


def check_economics(doc: Mapping[str, Any], tol_yuan: float = 0.05) -> list[str]:
    """Re-check an ``economics`` section against the rest of the plan (for ``validate``).

    Returns
    -------
    list of str
        Problems found (empty when the sums agree).
    """
    econ = doc.get("economics")
    if not econ:
        return []
    problems = []
    again = allocate_parcel_costs(doc)
    pc = econ.get("parcel_costs", {})
    allocated = again.total_yuan + again.unallocated_yuan
    plan_cost = float(doc["costs"]["total_per_day"])
    if abs(allocated - plan_cost) > tol_yuan * max(1, len(doc["routes"])):
        problems.append(f"economics: allocated {allocated:.2f} yuan/day ≠ plan cost "
                        f"{doc['costs']['total_per_day']:.2f}")
    for key, value in (("down_per_parcel", again.down_per_parcel),
                       ("up_per_parcel", again.up_per_parcel)):
        stored = pc.get(key)
        if (stored is None) != (value is None) or (
                value is not None and abs(stored - value) > 1e-3):
            problems.append(f"economics.parcel_costs.{key} {stored} ≠ recomputed {value}")
    inv = econ.get("investment")
    if inv:
        total = sum(ln["amount_wan"] for ln in inv["lines"])
        if abs(total - inv["capital_wan"]) > 1e-3:
            problems.append(f"economics.investment: lines add up to {total} 万元, "
                            f"capital_wan says {inv['capital_wan']}")
        again_inv = plan_investment(doc, _unit_costs_of(inv))
        if abs(again_inv["capital_wan"] - inv["capital_wan"]) > 1e-3:
            problems.append(f"economics.investment: recomputed capital "
                            f"{again_inv['capital_wan']} 万元 ≠ {inv['capital_wan']}")
    car = econ.get("carriers")
    if car:
        shares = car["sharing"].get("proportional", {})
        if abs(sum(shares.values()) - car["pooled"]["cost_per_day"]) > 0.05:
            problems.append("economics.carriers: proportional shares do not add up to the "
                            "pooled cost")
    return problems


def _unit_costs_of(inv: Mapping[str, Any]) -> UnitCosts:
    """Return the unit costs an investment section used (recorded beside it)."""
    return UnitCosts.from_dict(inv["unit_costs"])

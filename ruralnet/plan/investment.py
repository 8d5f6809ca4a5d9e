"""The plan's investment (capital cost) per fund-table line, and its yearly operating cost.

Capital cost = sites built × unit build cost + vehicles bought × unit price.
Each kind of spend belongs to one category of the programme's fund table
(the ``category`` column of a budget file, e.g. ``data/examples/anxi_budget_2018.csv``):

================================  ====================  =============================
plan item                         unit cost key         fund-table category
================================  ====================  =============================
county warehouse (县级仓储配送中心)   ``warehouse``           ``logistics`` (县乡村三级物流配送体系)
township station (乡镇中转站)        ``township_station``    ``logistics``
vehicles of every tier             ``vehicle:<name>``      ``logistics``
village station (村级服务站)         ``village_station``     ``service_stations`` (服务站体系)
================================  ====================  =============================

A village station that reuses an existing post / co-op / courier point
(多站合一) costs ``existing_site_discount`` less. The default unit costs
(:data:`DEFAULT_UNIT_COSTS_WAN`) are **assumptions** of typical magnitude,
not quotes; a scenario's ``[unit_costs]`` table replaces them.

Examples
--------
>>> u = UnitCosts()
>>> u.warehouse_wan, u.source.startswith("ASSUMED")
(200.0, True)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ruralnet._validate import bad_value

__all__ = ["DEFAULT_UNIT_COSTS_WAN", "UnitCosts", "check_against_budget", "plan_investment"]

DEFAULT_UNIT_COSTS_WAN = {
    "warehouse": 200.0,         # 县级仓储配送中心: building fit-out, racking, a sorting line
    "township_station": 15.0,   # 乡镇中转站: premises fit-out, shelving, scanners
    "village_station": 1.5,     # 村级服务站: counter, shelves, terminal, signage
    "vehicle": 8.0,             # per vehicle when its type has no price below
}
"""Assumed unit build costs in 万元 (10,000 yuan). Replace with local quotes."""

DEFAULT_VEHICLE_PRICES_WAN = {"轻卡": 12.0, "truck": 12.0, "面包车": 6.0, "van": 6.0,
                              "三轮": 1.2, "tricycle": 1.2, "客车": 0.0, "bus": 0.0}
"""Assumed vehicle prices in 万元 by a word of the vehicle's name (客车带货: existing buses)."""


@dataclass(frozen=True)
class UnitCosts:
    """Unit build costs in 万元 (defaults are assumptions; ``source`` says so)."""

    warehouse_wan: float = DEFAULT_UNIT_COSTS_WAN["warehouse"]
    township_station_wan: float = DEFAULT_UNIT_COSTS_WAN["township_station"]
    village_station_wan: float = DEFAULT_UNIT_COSTS_WAN["village_station"]
    vehicle_wan: float = DEFAULT_UNIT_COSTS_WAN["vehicle"]
    vehicle_prices_wan: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_VEHICLE_PRICES_WAN))
    existing_site_discount: float = 0.5
    days_per_year: int = 365
    source: str = "ASSUMED unit costs of typical magnitude (not quotes)"

    def __post_init__(self) -> None:
        for name in ("warehouse_wan", "township_station_wan", "village_station_wan",
                     "vehicle_wan"):
            if not getattr(self, name) >= 0:
                raise bad_value(name, ">= 0 (万元)", getattr(self, name))
        if not 0 <= self.existing_site_discount <= 1:
            raise bad_value("existing_site_discount", "in [0, 1]", self.existing_site_discount)
        if not 1 <= self.days_per_year <= 366:
            raise bad_value("days_per_year", "in [1, 366]", self.days_per_year)

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary (recorded in plan.json so that the sums can be re-checked)."""
        return {"warehouse_wan": self.warehouse_wan,
                "township_station_wan": self.township_station_wan,
                "village_station_wan": self.village_station_wan, "vehicle_wan": self.vehicle_wan,
                "vehicle_prices_wan": dict(self.vehicle_prices_wan),
                "existing_site_discount": self.existing_site_discount,
                "days_per_year": self.days_per_year, "source": self.source}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> UnitCosts:
        """Read unit costs back (from plan.json or a scenario's ``[unit_costs]`` table)."""
        known = {k: d[k] for k in ("warehouse_wan", "township_station_wan",
                                   "village_station_wan", "vehicle_wan", "vehicle_prices_wan",
                                   "existing_site_discount", "days_per_year", "source") if k in d}
        unknown = sorted(set(d) - set(known))
        if unknown:
            raise bad_value("unit_costs", "keys of UnitCosts", unknown)
        return cls(**known)

    def vehicle_price(self, vehicle_type: str) -> float:
        """Price of one vehicle in 万元, by the first word of the table found in its name."""
        for word, price in self.vehicle_prices_wan.items():
            if word in vehicle_type:
                return float(price)
        return self.vehicle_wan


def plan_investment(doc: Mapping[str, Any], unit: UnitCosts | None = None) -> dict[str, Any]:
    """Capital cost per fund-table category, and the yearly operating cost, of a plan.

    Parameters
    ----------
    doc
        A plan document (``Plan.data``).
    unit
        Unit build costs (default: the assumed :class:`UnitCosts`).

    Returns
    -------
    dict
        ``{"lines": [{"category", "item", "count", "unit_wan", "amount_wan"}],
        "by_category_wan", "capital_wan", "operating_per_year_wan", "source"}``.
    """
    unit = unit or UnitCosts()
    kinds = Counter(s["kind"] for s in doc["sites"])
    existing = {v["id"] for v in doc["villages"] if v.get("existing_site")}
    stations = [s for s in doc["sites"] if s["kind"] == "village_station"]
    reuse = sum(1 for s in stations if s.get("village_id") in existing)
    lines = [
        _line("logistics", "county_warehouse 县级仓储配送中心", kinds["county_warehouse"],
              unit.warehouse_wan),
        _line("logistics", "township_station 乡镇中转站", kinds["township_station"],
              unit.township_station_wan),
        _line("service_stations", "village_station 村级服务站（新建）", len(stations) - reuse,
              unit.village_station_wan),
        _line("service_stations", "village_station 村级服务站（利用现有网点）", reuse,
              unit.village_station_wan * (1 - unit.existing_site_discount)),
    ]
    for vtype, n in sorted(doc["costs"].get("vehicles", {}).items()):
        lines.append(_line("logistics", f"vehicle 车辆 {vtype}", int(n), unit.vehicle_price(vtype)))
    lines = [ln for ln in lines if ln["count"]]
    by_cat: dict[str, float] = {}
    for ln in lines:
        by_cat[ln["category"]] = round(by_cat.get(ln["category"], 0.0) + ln["amount_wan"], 4)
    per_day = float(doc["costs"]["total_per_day"])
    return {"lines": lines, "by_category_wan": by_cat,
            "capital_wan": round(sum(by_cat.values()), 4),
            "operating_per_day_yuan": round(per_day, 2),
            "operating_per_year_wan": round(per_day * unit.days_per_year / 1e4, 2),
            "days_per_year": unit.days_per_year, "source": unit.source,
            "unit_costs": unit.to_dict()}


def _line(category: str, item: str, count: int, unit_wan: float) -> dict[str, Any]:
    return {"category": category, "item": item, "count": int(count),
            "unit_wan": round(unit_wan, 4), "amount_wan": round(count * unit_wan, 4)}


def check_against_budget(investment: Mapping[str, Any],
                         budget_by_category_wan: Mapping[str, float]) -> list[dict[str, Any]]:
    """Planned capital per fund-table category against the budget's lines of that category.

    Parameters
    ----------
    investment
        From :func:`plan_investment`.
    budget_by_category_wan
        Category → budgeted 万元 (the sum of the fund table's lines of that category).

    Returns
    -------
    list of dict
        One row per category the plan spends on: ``planned_wan``, ``budget_wan``,
        ``fits`` (planned ≤ budget), ``gap_wan`` (budget − planned).

    Examples
    --------
    >>> inv = {"by_category_wan": {"logistics": 500.0, "service_stations": 300.0}}
    >>> [r["fits"] for r in check_against_budget(inv, {"logistics": 450, "service_stations": 350})]
    [False, True]
    """
    rows = []
    for cat, planned in sorted(investment["by_category_wan"].items()):
        budget = budget_by_category_wan.get(cat)
        rows.append({"category": cat, "planned_wan": round(planned, 2),
                     "budget_wan": None if budget is None else round(float(budget), 2),
                     "fits": None if budget is None else planned <= float(budget) + 1e-9,
                     "gap_wan": None if budget is None else round(float(budget) - planned, 2)})
    return rows

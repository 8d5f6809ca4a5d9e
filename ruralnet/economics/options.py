"""What money analysis to run with a plan: from the CLI options or a scenario's ``[economics]``.

Scenario keys (all optional)::

    [economics]
    carriers_file = "guanyun_carriers.csv"   # or carriers = "default" (assumed split)
    reference_price_yuan = 3.0               # e.g. the provincial capital's express price
    budget_file = "../data/examples/anxi_budget_2018.csv"
    sensitivity = true                       # re-plan at 0.5×, 1×, 1.5×, 2× the parcels

    [economics.unit_costs]                   # 万元; defaults are assumptions
    warehouse_wan = 200
    village_station_wan = 1.5
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruralnet.economics.analysis import economic_analysis
from ruralnet.economics.carriers import CarrierShare, default_carriers, read_carriers
from ruralnet.exceptions import InputFileError, ParameterError
from ruralnet.geo.county import County
from ruralnet.plan.build import PlanParams
from ruralnet.plan.document import Plan
from ruralnet.plan.investment import UnitCosts
from ruralnet.programme.budget import read_budget

__all__ = ["EconomicsOptions"]

KEYS = ("carriers", "carriers_file", "reference_price_yuan", "budget_file", "sensitivity",
        "unit_costs")


@dataclass(frozen=True)
class EconomicsOptions:
    """Money analysis to run with a plan.

    Attributes
    ----------
    carriers
        ``None`` (no carrier comparison), ``"default"`` (the assumed split) or
        the path of a carriers table.
    reference_price_yuan
        Reference price per parcel for the cost-parity rows.
    budget_file
        A budget (fund table) CSV to check the investment against, by category.
    sensitivity
        Re-plan at other parcel volumes.
    unit_costs
        Unit build costs.
    """

    carriers: str | Path | None = None
    reference_price_yuan: float | None = None
    budget_file: str | Path | None = None
    sensitivity: bool = False
    unit_costs: UnitCosts | None = None

    def __post_init__(self) -> None:
        price = self.reference_price_yuan
        if price is not None and not (isinstance(price, int | float) and price > 0):
            raise ParameterError(f"参考价格必须为正数（元/件），实际为 {price!r}",
                                 f"reference_price_yuan must be a positive price per parcel, "
                                 f"got {price!r}", field="reference_price_yuan", value=price)

    @classmethod
    def from_table(cls, table: Mapping[str, Any], where: str = "[economics]") -> EconomicsOptions:
        """Read a scenario's ``[economics]`` table (paths already resolved)."""
        unknown = sorted(set(table) - set(KEYS))
        if unknown:
            raise InputFileError(f"{where} 中有未知的键 {unknown}；可用的键：{list(KEYS)}",
                                 f"unknown key(s) {unknown} in {where}; allowed: {list(KEYS)}")
        carriers = table.get("carriers_file") or table.get("carriers")
        unit = table.get("unit_costs")
        return cls(carriers=carriers, reference_price_yuan=table.get("reference_price_yuan"),
                   budget_file=table.get("budget_file"),
                   sensitivity=bool(table.get("sensitivity", False)),
                   unit_costs=None if unit is None else UnitCosts.from_dict(
                       {"source": f"scenario {where}"} | dict(unit)))

    @property
    def wanted(self) -> bool:
        """Whether any analysis beyond the always-on parcel costs and investment is asked."""
        return bool(self.carriers or self.reference_price_yuan or self.budget_file
                    or self.sensitivity or self.unit_costs)

    def carrier_list(self) -> tuple[tuple[CarrierShare, ...] | None, str]:
        """Return the carriers to compare and where their shares come from."""
        if self.carriers is None:
            return None, ""
        if str(self.carriers) == "default":
            return default_carriers()
        return read_carriers(self.carriers)

    def budget_by_category(self) -> dict[str, float] | None:
        """Return the budget file's amounts summed per category (万元), or ``None``."""
        if self.budget_file is None:
            return None
        frame = read_budget(self.budget_file)
        sums = frame.groupby("category")["amount_wan"].sum()
        return {str(k): float(v) for k, v in sums.items()}

    def run(self, plan: Plan, county: County, params: PlanParams, *, network: Any = None,
            seed: int = 0) -> dict[str, Any]:
        """Return the plan's ``economics`` section for these options."""
        carriers, source = self.carrier_list()
        section = economic_analysis(
            plan, county, params, network=network, seed=seed, carriers=carriers,
            carriers_source=source, unit_costs=self.unit_costs,
            budget_by_category_wan=self.budget_by_category(),
            reference_price_yuan=self.reference_price_yuan, sensitivity=self.sensitivity)
        if self.budget_file is not None:
            section["investment"]["budget_file"] = Path(self.budget_file).name
        return section

"""The money side of a plan, in one section of plan.json (``economics``).

:func:`economic_analysis` gathers, for a plan already made:

* ``parcel_costs`` — 元/件 down and up, per tier and per township
  (:func:`ruralnet.plan.parcel_costs.allocate_parcel_costs`, the leg-load rule);
* ``parity`` — against a reference price per parcel the planner enters (e.g.
  the provincial capital's express price): 灌云 2020 asks that 农产品上行成本
  and 快递发货价格 be 基本与省会城市持平;
* ``carriers`` — 共同配送 against each carrier alone
  (:func:`ruralnet.economics.carriers.compare_carriers`), when asked;
* ``investment`` — capital per fund-table category and yearly operating cost
  (:func:`ruralnet.economics.investment.plan_investment`), checked against a
  budget file's lines when one is given;
* ``sensitivity`` — daily cost and 元/件 at parcel volumes 0.5×, 1×, 1.5×, 2×
  (each re-planned with the plan's own parameters), when asked.

Every figure can be recomputed from plan.json: the parcel costs from routes,
stops and sites; the investment from site counts, vehicles and unit costs.
``ruralnet validate`` re-checks the sums
(:func:`ruralnet.plan.economics_checks.check_economics`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from ruralnet.economics.carriers import (
    CarrierShare,
    compare_carriers,
    plan_cost_figures,
    scale_demand,
)
from ruralnet.geo.county import County
from ruralnet.plan.build import PlanParams, make_plan
from ruralnet.plan.document import Plan
from ruralnet.plan.investment import UnitCosts, check_against_budget, plan_investment
from ruralnet.plan.parcel_costs import allocate_parcel_costs

logger = logging.getLogger(__name__)

__all__ = ["VOLUME_FACTORS", "economic_analysis", "parity_rows"]

VOLUME_FACTORS = (0.5, 1.0, 1.5, 2.0)
"""Parcel-volume multipliers of the sensitivity table."""


def parity_rows(parcel_costs: Mapping[str, Any], reference_yuan: float) -> list[dict[str, Any]]:
    """Cost per parcel down and up against a reference price per parcel.

    Examples
    --------
    >>> rows = parity_rows({"down_per_parcel": 2.5, "up_per_parcel": 3.0}, 2.8)
    >>> [(r["direction"], r["gap_yuan"], r["at_parity"]) for r in rows]
    [('down', -0.3, True), ('up', 0.2, False)]
    """
    out = []
    for direction in ("down", "up"):
        value = parcel_costs.get(f"{direction}_per_parcel")
        gap = None if value is None else round(value - reference_yuan, 4)
        out.append({"direction": direction, "cost_per_parcel": value,
                    "reference_yuan": reference_yuan, "gap_yuan": gap,
                    "at_parity": None if gap is None else gap <= 0})
    return out


def economic_analysis(plan: Plan, county: County, params: PlanParams, *, network: Any = None,
                      seed: int = 0, carriers: Sequence[CarrierShare] | None = None,
                      carriers_source: str = "", unit_costs: UnitCosts | None = None,
                      budget_by_category_wan: Mapping[str, float] | None = None,
                      reference_price_yuan: float | None = None,
                      sensitivity: bool = False) -> dict[str, Any]:
    """Return the ``economics`` section of a plan (and do not change the plan).

    Parameters
    ----------
    plan
        The plan (made with ``params`` on ``county`` and ``network``).
    county, params, network, seed
        What the plan was made with; carrier and sensitivity plans use the same.
    carriers, carriers_source
        Carriers and shares for the pooled-versus-separate comparison, and
        where they came from; ``None`` skips it.
    unit_costs
        Unit build costs (default: assumed :class:`UnitCosts`).
    budget_by_category_wan
        The fund table's amounts per category, to check the investment against.
    reference_price_yuan
        A reference price per parcel (e.g. the provincial capital's).
    sensitivity
        Re-plan at :data:`VOLUME_FACTORS` × the parcel volume.

    Returns
    -------
    dict
    """
    costs = allocate_parcel_costs(plan.data).to_dict()
    out: dict[str, Any] = {"parcel_costs": costs}
    if reference_price_yuan is not None:
        out["parity"] = parity_rows(costs, reference_price_yuan)
    inv = plan_investment(plan.data, unit_costs)
    if budget_by_category_wan is not None:
        inv["budget_check"] = check_against_budget(inv, budget_by_category_wan)
    out["investment"] = inv
    if carriers:
        out["carriers"] = compare_carriers(county, params, carriers, source=carriers_source,
                                           network=network, seed=seed).to_dict()
    if sensitivity:
        out["sensitivity"] = _sensitivity(plan, county, params, network, seed)
    return out


def _sensitivity(plan: Plan, county: County, params: PlanParams, network: Any,
                 seed: int) -> list[dict[str, Any]]:
    rows = []
    for factor in VOLUME_FACTORS:
        logger.info("sensitivity: parcel volume × %.1f", factor)
        p = plan if factor == 1.0 else make_plan(scale_demand(county, factor), params,
                                                 network=network, seed=seed)
        pc = allocate_parcel_costs(p.data)
        fig = plan_cost_figures(p)
        rows.append({"volume_factor": factor, "parcels_down": pc.parcels_down,
                     "parcels_up": pc.parcels_up,
                     "cost_per_day": fig["cost_per_day"], "vehicles": fig["vehicles"],
                     "down_per_parcel": None if pc.down_per_parcel is None
                     else round(pc.down_per_parcel, 4),
                     "up_per_parcel": None if pc.up_per_parcel is None
                     else round(pc.up_per_parcel, 4)})
    return rows

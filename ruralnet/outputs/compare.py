"""Compare plans side by side: cost, vehicles, coverage and targets met.

Used by ``ruralnet compare`` and the scenario-comparison notebook.

Examples
--------
>>> compare_plans({}).empty
True
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ruralnet.plan.document import Plan
from ruralnet.programme.scorecard import score_plan

COLUMNS = ["plan", "county", "mode", "warehouses", "township_stations", "village_stations",
           "townships_daily", "villages_daily", "village_share", "routes", "vehicles",
           "cost_per_day", "down_yuan_per_parcel", "up_yuan_per_parcel", "capital_wan",
           "pooling_saving_per_day", "targets_designed", "targets_designed_short", "targets_met",
           "targets_not_met", "targets_awaiting",
           "synthetic"]


def plan_row(name: str, plan: Plan, *, system: str | None = None) -> dict[str, object]:
    """One comparison row for a plan (scored against ``system`` or its province default)."""
    doc = plan.document
    card = score_plan(plan, system).table["status"].value_counts()
    cov = doc.coverage
    vehicles = doc.costs.extra.get("vehicles", {})
    econ = doc.extra.get("economics", {})
    return {
        "plan": name, "county": doc.county.name, "mode": doc.extra["parameters"]["mode"],
        "warehouses": len(doc.sites_of("county_warehouse")),
        "township_stations": len(doc.sites_of("township_station")),
        "village_stations": len(doc.sites_of("village_station")),
        "townships_daily": f"{cov.townships_daily}/{cov.townships_total}",
        "villages_daily": f"{cov.villages_daily}/{cov.villages_total}",
        "village_share": cov.village_share, "routes": len(doc.routes),
        "vehicles": int(sum(vehicles.values())),
        "cost_per_day": doc.costs.total_per_day,
        "down_yuan_per_parcel": econ.get("parcel_costs", {}).get("down_per_parcel"),
        "up_yuan_per_parcel": econ.get("parcel_costs", {}).get("up_per_parcel"),
        "capital_wan": econ.get("investment", {}).get("capital_wan"),
        "pooling_saving_per_day": econ.get("carriers", {}).get("saving_per_day"),
        "targets_designed": int(card.get("designed to meet", 0)),
        "targets_designed_short": int(card.get("designed short", 0)),
        "targets_met": int(card.get("met", 0)), "targets_not_met": int(card.get("not met", 0)),
        "targets_awaiting": int(card.get("awaiting data", 0)),
        "synthetic": ", ".join(doc.extra["provenance"].get("synthetic_layers", [])),
    }


def compare_plans(plans: Mapping[str, Plan], *, system: str | None = None) -> pd.DataFrame:
    """Return one row per plan with the figures a bureau compares.

    Parameters
    ----------
    plans
        Name → plan, in display order.
    system
        Indicator system for the targets columns (default: each plan's province system).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`.
    """
    rows = [plan_row(n, p, system=system) for n, p in plans.items()]
    return pd.DataFrame(rows, columns=COLUMNS)

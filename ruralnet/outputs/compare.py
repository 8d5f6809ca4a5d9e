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

COLUMNS = ["plan", "county", "mode", "warehouses", "township_stations", "village_stations",
           "townships_daily", "villages_daily", "village_share", "routes", "vehicles",
           "cost_per_day", "targets_met", "targets_not_met", "targets_awaiting", "synthetic"]


def plan_row(name: str, plan: Plan, *, system: str | None = None) -> dict[str, object]:
    """One comparison row for a plan (scored against ``system`` or its province default)."""
    from ruralnet.programme.scorecard import score_plan

    d = plan.data
    kinds = pd.Series([s["kind"] for s in d["sites"]], dtype=object).value_counts()
    card = score_plan(d, system).table["status"].value_counts()
    cov = d["coverage"]
    return {
        "plan": name, "county": d["county"]["name"], "mode": d["parameters"]["mode"],
        "warehouses": int(kinds.get("county_warehouse", 0)),
        "township_stations": int(kinds.get("township_station", 0)),
        "village_stations": int(kinds.get("village_station", 0)),
        "townships_daily": f"{cov['townships_daily']}/{cov['townships_total']}",
        "villages_daily": f"{cov['villages_daily']}/{cov['villages_total']}",
        "village_share": cov["village_share"], "routes": len(d["routes"]),
        "vehicles": int(sum(d["costs"].get("vehicles", {}).values())),
        "cost_per_day": d["costs"]["total_per_day"],
        "targets_met": int(card.get("met", 0)), "targets_not_met": int(card.get("not met", 0)),
        "targets_awaiting": int(card.get("awaiting data", 0)),
        "synthetic": ", ".join(d["provenance"].get("synthetic_layers", [])),
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

"""Each village's service status for the outputs, from the one definition of the figures.

:func:`ruralnet.plan.figures.plan_figures` defines daily-served, "passed, not
stopped" and not-served for administrative villages (行政村). The outputs
also mark 社区 and other units on maps and in tables; :func:`village_status`
applies the same definition to every unit (each village's status depends on
the routes and its own position only), so a 行政村's status here is the one
the figures count.

Examples
--------
>>> from ruralnet.plan.figures import plan_figures
>>> plan = {"villages": [
...     {"id": "v1", "name": "甲村", "kind": "village", "lon": 118.0, "lat": 25.0},
...     {"id": "v2", "name": "乙村", "kind": "village", "lon": 118.1, "lat": 25.0},
...     {"id": "c1", "name": "一社区", "kind": "community", "lon": 118.0, "lat": 25.2}],
...   "townships": [], "sites": [],
...   "routes": [{"tier": "direct", "stops": [{"village_id": "v1"}],
...               "path": [[118.0, 25.0], [118.1, 25.0]]}]}
>>> village_status(plan)
{'v1': 'daily', 'v2': 'passed', 'c1': 'not_served'}
"""

from __future__ import annotations

from typing import Any

from ruralnet.plan.figures import PlanFigures, plan_figures

__all__ = ["STATUS_TEXT", "figures_of", "village_status"]

#: status → (中文, English) as printed in tables, popups and legends
STATUS_TEXT = {"daily": ("每日配送", "served daily"),
               "passed": ("途经未停靠", "passed, not stopped"),
               "not_served": ("未服务", "not served")}


def figures_of(plan: Any) -> PlanFigures:
    """Return the plan's figures (:func:`ruralnet.plan.figures.plan_figures`) of a Plan or dict."""
    return plan_figures(plan)  # a Plan's figures are computed once (Plan.figures)


def village_status(plan: Any) -> dict[str, str]:
    """Map every village id (行政村, 社区, other) to ``daily``, ``passed`` or ``not_served``."""
    d = getattr(plan, "data", plan)
    as_admin = {**d, "villages": [dict(v, kind="village") for v in d["villages"]]}
    f = plan_figures(as_admin)
    out = dict.fromkeys(f.daily_served, "daily")
    out.update(dict.fromkeys(f.passed_not_stopped, "passed"))
    out.update(dict.fromkeys(f.not_served, "not_served"))
    return {v["id"]: out[v["id"]] for v in d["villages"]}

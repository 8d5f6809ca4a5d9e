"""Plans of urban districts: the ``urban`` section, and the plan of a district with no 行政村.

An urban district (:func:`ruralnet.geo.urban.urban_status`) is planned on
its 行政村 only (:func:`ruralnet.geo.urban.rural_part`); its 社区 are served
by the city's couriers and their last-mile points (快递末端). Every plan of
such a district carries an ``urban`` section (the decision, its reason and
figures) and a note. A district with no 行政村 at all gets
:func:`urban_plan`: a valid plan with no site and no route that says so.

Examples
--------
>>> from ruralnet.geo.urban import classify
>>> s = classify("110101", "东城区", village_committees=0, communities=169, other_units=0,
...              subdistricts=17, towns=0, townships=0, other_townships=0)
>>> doc = {"notes": []}
>>> mark_urban(doc, s)
>>> doc["urban"]["urban"], doc["notes"][0][:3]
(True, '城区：')
"""

from __future__ import annotations

from typing import Any

from ruralnet.geo.county import County
from ruralnet.geo.urban import UrbanStatus
from ruralnet.plan.build import PlanParams
from ruralnet.plan.document import Plan
from ruralnet.settings import VERSION

__all__ = ["mark_urban", "urban_plan"]


def mark_urban(data: dict[str, Any], status: UrbanStatus) -> None:
    """Add the ``urban`` section and, for an urban district, a bilingual note to a plan dict."""
    data["urban"] = status.to_dict()
    if status.urban:
        zh, en = status.reason()
        data.setdefault("notes", []).insert(0, f"{zh} | {en}")


def _layer(p: Any) -> dict[str, Any]:
    out = {"source": p.source, "description": p.description, "sha256": p.sha256,
           "vintage": p.vintage}
    if p.counts:
        out["counts"] = p.counts
    return out


def urban_plan(county: County, status: UrbanStatus, params: PlanParams | None = None, *,
               seed: int = 0) -> Plan:
    """Return the plan of an urban district with no 行政村: no site, no route, the reason.

    Parameters
    ----------
    county
        The district's rural part (:func:`ruralnet.geo.urban.rural_part`),
        with no village.
    status
        Its urban classification (must be urban).
    params
        The plan parameters (recorded; nothing is routed).
    seed
        Recorded in the parameters.

    Returns
    -------
    Plan
        Valid by :func:`ruralnet.plan.document.validate_plan`; coverage 0 of 0
        行政村, daily cost 0.

    Raises
    ------
    ValueError
        When the district is not urban or still has villages to plan.
    """
    if not status.urban or len(county.villages):
        raise ValueError(f"urban_plan needs an urban district with no village to plan, got "
                         f"urban={status.urban}, {len(county.villages)} villages")
    params = params or PlanParams()
    zh, en = status.reason()
    prov = {k: _layer(p) for k, p in county.provenance.items() if k in ("admin", "boundary")}
    seat = county.seat_source
    prov["geography"] = {"source": "none", "description": (
        f"未使用村庄或乡镇位置：城区无行政村（县城驻地来源 {seat}，未用于规划） | no village or "
        f"township position is used: the urban district has no administrative village (county "
        f"seat source {seat}, not used)")}
    prov["network"] = {"source": "none", "description": (
        "未使用路网：城区无行政村，不需农村物流线路 | no road network used: the urban district "
        "has no administrative village, so no rural route is planned")}
    prov["demand"] = {"source": "none", "description": (
        "未估算需求：社区由城市快递服务 | no demand estimated: the communities are served by the "
        "city's couriers")}
    prov["synthetic_layers"] = sorted(k for k, p in prov.items() if isinstance(p, dict)
                                      and p.get("source") == "synthetic")
    prov["positions_summary"] = ("城区无行政村，方案不含任何位置 | no position: no "
                                 "administrative village")
    data: dict[str, Any] = {
        "schema_version": "1.0", "generated_by": f"ruralnet {VERSION}",
        "county": {"name": county.name, "code": county.code, "province": county.province,
                   "prefecture": county.prefecture, "seat_source": county.seat_source},
        "provenance": prov,
        "parameters": {"day_start_min": params.day_start_min, "day_end_min": params.day_end_min,
                       "handling_min": params.handling_min,
                       "coverage_target": params.coverage_target, "mode": "two_tier",
                       "mode_requested": params.mode, "seed": seed, "engine": "none",
                       "sites": "none (urban district without administrative villages)",
                       "all": params.to_dict()},
        "townships": [], "villages": [], "sites": [], "routes": [],
        "coverage": {"townships_daily": 0, "townships_total": 0, "villages_daily": 0,
                     "villages_total": 0, "village_share": 0.0, "communities_daily": 0,
                     "village_stations": 0},
        "costs": {"total_per_day": 0.0, "routes_per_day": {"trunk": 0.0, "feeder": 0.0,
                                                           "direct": 0.0},
                  "sites_per_day": 0.0, "currency": "CNY", "vehicles": {},
                  "note": "no rural logistics cost: the district has no administrative village"},
        "unserved": [], "fleet_curve": [], "siting": {}, "lrp": None,
        "notes": [f"{zh} | {en}"],
        "timing_s": {"total": 0.0, "routing": 0.0, "siting": {}, "safety_limits_hit": []},
    }
    data["urban"] = status.to_dict()
    return Plan(data)

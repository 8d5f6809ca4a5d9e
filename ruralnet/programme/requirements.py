"""Turn an indicator system's plan targets into planning parameters.

A county's own indicator system says what its network must achieve (安溪
2018: ≥ 237 village points, 1–2 warehouses; 贵州 2017: ≥ 80 % of villages
served daily, ≥ 50 % of poor villages with a station; 灌云 2020: same-day
delivery to every village). :func:`plan_requirements` reads those targets so
that ``ruralnet plan`` designs for them by default, and the scorecard then
scores a plan that tried.

Examples
--------
>>> from ruralnet.programme.targets import load_system
>>> req = plan_requirements(load_system("anxi_2018"))
>>> req.overrides["min_village_stations"], req.overrides["max_warehouses"]
(237, 2)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

#: Plan metric → (PlanParams field, how the target converts).
_SHARE = {"village_station_coverage": "village_station_share",
          "poor_village_station_coverage": "poor_village_station_share",
          "villages_daily_share": "coverage_target",
          "villages_served_share": "coverage_target"}


@dataclass(frozen=True)
class PlanRequirements:
    """Planning parameters implied by a system's plan targets.

    Attributes
    ----------
    system
        The indicator system's id.
    overrides
        ``PlanParams`` field → value (e.g. ``{"coverage_target": 0.8}``).
    sources
        ``PlanParams`` field → the indicator ids it comes from.
    """

    system: str
    overrides: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, list[str]] = field(default_factory=dict)

    def summary(self) -> str:
        """One line per parameter: value and the indicators behind it."""
        return "\n".join(f"{k} = {v} ← {self.system}: {', '.join(self.sources[k])}"
                         for k, v in self.overrides.items())


def plan_requirements(system: Any) -> PlanRequirements:
    """Read the plan-computed targets of an indicator system as plan parameters.

    Shares (%) become quotas or the daily coverage target (the strictest of
    several rows wins); a count of village stations becomes a minimum of
    stations in 行政村 (the planner turns it into a share of administrative
    villages, so 社区 stations never count toward it); a
    range of county warehouses caps their number; a county service centre
    target asks the plan to propose one.

    Parameters
    ----------
    system
        A :class:`ruralnet.programme.targets.IndicatorSystem`.

    Returns
    -------
    PlanRequirements
    """
    out: dict[str, Any] = {}
    src: dict[str, list[str]] = {}

    def put(name: str, value: Any, ind_id: str, stricter=max) -> None:
        out[name] = value if name not in out else stricter(out[name], value)
        src.setdefault(name, []).append(ind_id)

    for ind in system.indicators:
        if ind.source != "plan" or ind.target is None or getattr(ind, "level", "floor") != "floor":
            continue  # aims (力争, 基本实现) are reported, never designed for
        metric = getattr(ind, "metric", None)
        if metric in _SHARE and ind.comparator in (">=", ">"):
            put(_SHARE[metric], min(1.0, float(ind.target) / 100.0), ind.id)
        elif metric == "village_stations" and ind.comparator in (">=", ">"):
            put("min_village_stations", int(math.ceil(ind.target)), ind.id)
        elif metric == "county_warehouses" and ind.comparator == "range" and ind.target_high:
            put("max_warehouses", int(ind.target_high), ind.id, stricter=min)
        elif metric == "county_service_centres" and float(ind.target) >= 1:
            put("service_centre", True, ind.id, stricter=lambda a, b: a or b)
    return PlanRequirements(system.id, out, src)


def weakened_targets(system: Any, params: Any, explicit: Any = ()) -> list[tuple[str, str]]:
    """Name the plan targets of ``system`` that parameters set by the caller fall short of.

    A scenario (or a command-line option) that sets a parameter itself is
    never overridden by the targets, so 灌云's ``coverage_target = 0.8``
    would silently skip its 100 % same-day target. This lists each such
    parameter with the target it weakens, for a warning.

    Parameters
    ----------
    system
        The county's own :class:`~ruralnet.programme.targets.IndicatorSystem`.
    params
        The ``PlanParams`` planned with.
    explicit
        Names of the parameters the caller set itself.

    Returns
    -------
    list of (str, str)
        Chinese and English messages, one per weakened parameter.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from ruralnet.programme.targets import load_system
    >>> params = SimpleNamespace(coverage_target=0.8, max_warehouses=1, service_centre=True,
    ...                          poor_village_station_share=0.5)
    >>> zh, en = weakened_targets(load_system("guanyun_2020"), params, {"coverage_target"})[0]
    >>> en.split(":")[0]
    'the scenario sets coverage_target = 0.8, weaker than guanyun_2020 asks (1.0)'
    """
    req = plan_requirements(system)
    out = []
    for name, wanted in req.overrides.items():
        if name not in set(explicit):
            continue
        have = getattr(params, name)
        weaker = (have > wanted if name == "max_warehouses" else
                  (not have and wanted) if name == "service_centre" else have < wanted)
        if not weaker:
            continue
        rows = ", ".join(req.sources[name])
        out.append((
            f"情景设定 {name} = {have}, 弱于 {system.id} 的目标要求 ({wanted}; {rows}): "
            "规划不按该目标设计, 记分卡将显示规划未达",
            f"the scenario sets {name} = {have}, weaker than {system.id} asks ({wanted}): "
            f"the plan is not designed for {rows} and the scorecard will show it short"))
    return out

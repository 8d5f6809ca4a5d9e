"""The plan metrics an indicator system can score (``PLAN_METRICS``), from the plan alone.

Every village and township figure comes from
:func:`ruralnet.plan.figures.plan_figures`, so the scorecard quotes the same
numbers as the summary, the report and the workbook. Programme targets
count administrative villages (行政村) only; stations and served units in
社区 and other units are named in the evidence, never counted.

Examples
--------
>>> plan = {"county": {"name": "示例县"},
...         "villages": [{"id": "v1", "name": "甲村", "township_id": "t1", "kind": "village",
...                       "poor": False, "lon": 118.0, "lat": 25.0},
...                      {"id": "c1", "name": "一社区", "township_id": "t1",
...                       "kind": "community", "poor": False, "lon": 118.1, "lat": 25.0}],
...         "townships": [{"id": "t1", "name": "一镇"}],
...         "sites": [{"id": "P1", "kind": "village_station", "village_id": "c1",
...                    "township_id": "t1"}],
...         "routes": [], "coverage": {}}
>>> m = plan_metrics(plan)
>>> m["village_stations"].value, m["village_stations"].evidence
(0.0, '0 village_station sites in 行政村; not counted: 1 in 社区')
>>> m["poor_village_station_coverage"].value is None
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ruralnet.exceptions import PlanValidationError
from ruralnet.plan.figures import PlanFigures, format_share, percent, plan_figures

__all__ = ["MetricValue", "plan_metrics", "synthetic_layers"]

_MAX_LISTED = 8


@dataclass(frozen=True)
class MetricValue:
    """A metric computed from a plan, with the evidence behind it.

    ``value`` is ``None`` when the plan cannot compute the metric;
    ``proposed`` marks a value that rests only on a placeholder site (the
    county service centre the planner proposes at the seat, at no cost).
    """

    value: float | None
    evidence: str
    proposed: bool = False


def check_plan_keys(plan: Mapping[str, Any]) -> None:
    """Raise :class:`PlanValidationError` listing the keys the metrics need and lack."""
    problems = [f"missing key {k!r}" for k in
                ("county", "villages", "townships", "sites", "routes")
                if k not in plan]
    for i, v in enumerate(plan.get("villages", [])):
        missing = {"id", "kind", "poor"} - set(v)
        if missing:
            problems.append(f"villages[{i}] lacks {sorted(missing)}")
    for i, s in enumerate(plan.get("sites", [])):
        if "kind" not in s:
            problems.append(f"sites[{i}] lacks 'kind'")
    if problems:
        raise PlanValidationError(
            "计划文件不完整: " + "; ".join(problems),
            "plan is incomplete: " + "; ".join(problems),
            problems=problems,
        )


def _names(items: list[Mapping[str, Any]]) -> str:
    listed = [str(i.get("name") or i.get("id")) for i in items[:_MAX_LISTED]]
    more = len(items) - len(listed)
    return "、".join(listed) + (f" …(+{more})" if more > 0 else "")


def plan_metrics(plan: Mapping[str, Any]) -> dict[str, MetricValue]:
    """Compute every metric of :data:`ruralnet.programme.targets.PLAN_METRICS` from a plan dict.

    Raises
    ------
    PlanValidationError
        When a key the metrics need is missing.
    """
    check_plan_keys(plan)
    fig = plan_figures(plan)
    by_kind: dict[str, list[Mapping[str, Any]]] = {}
    for s in plan["sites"]:
        by_kind.setdefault(s["kind"], []).append(s)
    out: dict[str, MetricValue] = {}
    for metric, kind in (("county_warehouses", "county_warehouse"),
                         ("township_stations", "township_station")):
        n = len(by_kind.get(kind, []))
        out[metric] = MetricValue(float(n), f"{n} sites of kind {kind}")
    st = fig.stations_by_village_kind
    apart = [f"{st[k]} in {label}" for k, label in
             (("community", "社区"), ("other", "other units"), ("none", "no village"))
             if st[k]]
    out["village_stations"] = MetricValue(
        float(st["village"]), f"{st['village']} village_station sites in 行政村"
        + (f"; not counted: {', '.join(apart)}" if apart else ""))
    out["county_service_centres"] = _centres(by_kind.get("county_service_centre", []))
    out.update(_station_coverage(plan, fig))
    out.update(_village_service(fig))
    out.update(_township_service(plan, fig))
    out.update(_multi_day_evidence(plan, out))
    return out


def _centres(centres: list[Mapping[str, Any]]) -> MetricValue:
    if not centres:
        return MetricValue(None, "计划未设县级公共服务中心 (planner sites warehouses and stations "
                                 "only); enter it in the actuals file")
    placeholders = [c for c in centres if "proposed" in str(c.get("note", ""))
                    or c.get("proposed")]
    if len(placeholders) == len(centres):
        return MetricValue(float(len(centres)),
                           f"拟建 proposed: {len(centres)} placeholder site(s) at the county seat "
                           "(no cost, nothing built); enter the built centre in the actuals file",
                           proposed=True)
    return MetricValue(float(len(centres)), f"{len(centres)} sites of kind county_service_centre")


def _station_coverage(plan: Mapping[str, Any], fig: PlanFigures) -> dict[str, MetricValue]:
    hosting = set(fig.station_hosting)
    admin = [v for v in plan["villages"] if v["kind"] == "village"]
    out = {}
    uncovered = [v for v in admin if v["id"] not in hosting]
    evidence = f"{format_share(len(hosting), len(admin))} 行政村 host a village_station"
    if uncovered:
        evidence += f"; uncovered: {_names(uncovered)}"
    out["village_station_coverage"] = MetricValue(fig.share("station_hosting"), evidence)
    poor = [v for v in admin if v["poor"]]
    if not poor:
        out["poor_village_station_coverage"] = MetricValue(
            None, "无贫困村数据 no poor-village data: no 行政村 is marked poor in the plan "
                  "(give the poor flag in the village file); this is not 'no village is poor'")
    else:
        missing = [v for v in poor if v["id"] not in hosting]
        covered = len(poor) - len(missing)
        evidence = f"{format_share(covered, len(poor))} poor 行政村 host a village_station"
        if missing:
            evidence += f"; uncovered: {_names(missing)}"
        out["poor_village_station_coverage"] = MetricValue(percent(covered, len(poor)), evidence)
    return out


def _village_service(fig: PlanFigures) -> dict[str, MetricValue]:
    detail = (f"{fig.count('daily_by_stop')} as route stops, {fig.count('daily_at_site')} "
              f"hosting a station or warehouse a route serves; passed, not stopped (a route "
              f"drives through): {fig.count('passed_not_stopped')}; not served: "
              f"{fig.count('not_served')}")
    if fig.not_served:
        detail += f" ({fig.listed('not_served')})"
    daily = f"{fig.format('daily_served')} 行政村 served daily ({detail})"
    reach = (f"{fig.format('routes_visited')} 行政村 reached by a route; daily share beside it "
             f"(every route runs daily): {fig.format('daily_served')} ({detail})")
    return {"villages_daily_share": MetricValue(fig.share("daily_served"), daily),
            "villages_served_share": MetricValue(fig.share("routes_visited"), reach)}


def _township_service(plan: Mapping[str, Any], fig: PlanFigures) -> dict[str, MetricValue]:
    out = {"townships_daily_share": MetricValue(
        fig.share("townships_daily"),
        f"{fig.format('townships_daily')} townships' stations served daily by a trunk or "
        "direct route")}
    by_kind = [s for s in plan["sites"] if s["kind"] == "township_station"]
    with_station = {s.get("township_id") for s in by_kind}
    towns = plan["townships"]
    missing = [t for t in towns if t["id"] not in with_station]
    evidence = f"{format_share(len(towns) - len(missing), len(towns))} townships host a station"
    if missing:
        evidence += f"; without: {_names(missing)}"
    out["township_station_coverage"] = MetricValue(
        percent(len(towns) - len(missing), len(towns)), evidence)
    village_town = {v["id"]: v.get("township_id") for v in plan["villages"]}
    reached = set(fig.townships_daily) | {village_town.get(v) for v in fig.routes_visited}
    missing = [t for t in towns if t["id"] not in reached]
    evidence = f"{format_share(len(towns) - len(missing), len(towns))} townships on a route"
    if missing:
        evidence += f"; not reached: {_names(missing)}"
    out["townships_served_share"] = MetricValue(percent(len(towns) - len(missing), len(towns)),
                                                evidence)
    return out


def synthetic_layers(plan: Mapping[str, Any]) -> tuple[str, ...]:
    """Name the plan's synthetic layers (source ``synthetic`` or listed in ``synthetic_layers``)."""
    prov = plan.get("provenance", {}) or {}
    layers = [k for k, v in prov.items()
              if isinstance(v, Mapping) and v.get("source") == "synthetic"]
    listed = prov.get("synthetic_layers") or []
    return tuple(layers + [k for k in listed if k not in layers])


def station_towns(plan: Mapping[str, Any]) -> dict[str, str]:
    """Label each site by its township: ``{"S653225101": "固拉合玛镇 (S653225101)"}``.

    A site with no township keeps its bare id.
    """
    names = {t["id"]: t["name"] for t in plan.get("townships", [])}
    return {s["id"]: (f"{names[s['township_id']]} ({s['id']})"
                      if s.get("township_id") in names else s["id"])
            for s in plan.get("sites", [])}


def _multi_day_evidence(plan: Mapping[str, Any],
                        out: Mapping[str, MetricValue]) -> dict[str, MetricValue]:
    """Add to the daily shares' evidence the stations on multi-day loops and their figures."""
    md = plan.get("multi_day") or {}
    loops = md.get("loops", [])
    runs, impossible = md.get("village_runs") or [], md.get("villages_impossible") or []
    if not (loops or runs or impossible):
        return {}
    why = ""
    if loops:
        label = station_towns(plan)
        hours = [lp["one_way_min"] / 60 for lp in loops]
        shift = loops[0]["shift_min"] / 60
        why = (f"; {len(loops)} township stations on multi-day loops (one-way "
               f"{min(hours):.1f}–{max(hours):.1f} h vs shift {shift:.1f} h"
               + ("" if all(lp["reason"] != "late_arrival" for lp in loops)
                  else " or the trunk cut-off") + "): "
               + ", ".join(f"{label.get(lp['station_site_id'], lp['station_site_id'])} "
                           f"周{lp['service_days_zh']}" for lp in loops))
    if runs:
        hours = [r["one_way_min"] / 60 for r in runs]
        why += (f"; {len(runs)} villages no day feeder reaches on dedicated runs (one-way "
                f"{min(hours):.1f}–{max(hours):.1f} h vs shift {runs[0]['shift_min'] / 60:.1f} h; "
                f"{sum(r['kind'] == 'overnight' for r in runs)} overnight)")
    if impossible:
        why += (f"; {len(impossible)} villages not even a run can serve: "
                + ", ".join(f"{x['village_id']} ({x['en']})" for x in impossible[:5]))
    return {k: MetricValue(out[k].value, out[k].evidence + why)
            for k in ("townships_daily_share", "villages_daily_share") if k in out}

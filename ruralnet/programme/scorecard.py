"""Score a plan (and entered actuals) against a programme indicator system.

A plan computes the network indicators (sites by kind, station coverage of
administrative and poor villages, daily township and village service); the
actuals file supplies the rest (training, growth, brands, jobs, ...). Each
indicator gets one of four statuses:

``met``
    The value satisfies the target.
``not met``
    It does not, and either it comes from the plan (a design either meets
    its target or not) or the deadline has passed.
``at risk``
    An entered value is short of the target while the deadline is still
    ahead (see :mod:`ruralnet.programme.tracking` for the projection).
``awaiting data``
    No value yet (no actuals row, or the target depends on an input that
    was not given).

Examples
--------
>>> from ruralnet.programme.targets import load_system
>>> plan = {"county": {"name": "示例县", "province": "贵州省"},
...         "provenance": {"geography": {"source": "synthetic"}},
...         "villages": [{"id": "v1", "name": "甲村", "township_id": "t1",
...                       "kind": "village", "poor": True},
...                      {"id": "v2", "name": "乙村", "township_id": "t1",
...                       "kind": "village", "poor": False}],
...         "townships": [{"id": "t1", "name": "一镇"}],
...         "sites": [{"id": "s1", "kind": "village_station", "township_id": "t1",
...                    "village_id": "v1"}],
...         "routes": [],
...         "coverage": {"townships_daily": 1, "townships_total": 1,
...                      "villages_daily": 2, "villages_total": 2}}
>>> card = score_plan(plan, load_system("guizhou_2017"))
>>> row = card.table.set_index("id").loc["village_station_coverage"]
>>> float(row["value"]), row["status"]
(50.0, 'met')
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from ruralnet.exceptions import PlanValidationError
from ruralnet.plan.document import Plan
from ruralnet.programme.targets import Indicator, IndicatorSystem, default_system_id, load_system
from ruralnet.programme.tracking import input_values, read_actuals

logger = logging.getLogger(__name__)

STATUSES = ("met", "not met", "at risk", "awaiting data")
COLUMNS = [
    "id", "indicator", "indicator_en", "unit", "source", "target", "value", "status",
    "margin", "deadline", "evidence", "citation",
]
_MAX_LISTED = 8


@dataclass(frozen=True)
class MetricValue:
    """A metric computed from a plan, with the evidence behind it.

    ``value`` is ``None`` when the plan cannot compute the metric.
    """

    value: float | None
    evidence: str


@dataclass(frozen=True, eq=False)
class Scorecard:
    """Scores of one plan against one indicator system.

    Attributes
    ----------
    system_id, system_name
        The indicator system used.
    county
        County name from the plan.
    table
        One row per indicator with columns ``id, indicator, indicator_en,
        unit, source, target, value, status, margin, deadline, evidence,
        citation``; ``margin`` is in the indicator's unit (percentage points
        for ``%``) and is >= 0 on the right side of the target.
    notes
        How the system was chosen, synthetic layers, assumptions.
    synthetic_layers
        Plan layers whose provenance is ``synthetic``.
    """

    system_id: str
    system_name: str
    county: str
    table: pd.DataFrame
    notes: tuple[str, ...] = ()
    synthetic_layers: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        bad = set(self.table["status"]) - set(STATUSES)
        if bad:
            raise ValueError(f"status must be one of {STATUSES}, got {sorted(bad)}")

    def status_counts(self) -> dict[str, int]:
        """Count indicators per status, in :data:`STATUSES` order."""
        counts = self.table["status"].value_counts()
        return {s: int(counts.get(s, 0)) for s in STATUSES}

    def summary(self) -> str:
        """Render the scorecard as text for people, one line per indicator."""
        counts = self.status_counts()
        lines = [
            f"{self.county} — {self.system_name} ({self.system_id})",
            ", ".join(f"{k}: {v}" for k, v in counts.items()),
        ]
        lines += [f"注 note: {n}" for n in self.notes]
        for row in self.table.itertuples():
            unit = "%" if row.unit == "%" else ""
            value = "—" if pd.isna(row.value) else f"{row.value:,.4g}{unit}"
            lines.append(
                f"[{row.status:>13}] {row.indicator} ({row.id}): {value} vs {row.target}"
                + (f" — {row.evidence}" if row.evidence else "")
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        colours = {"met": "#d4edda", "not met": "#f8d7da", "at risk": "#fff3cd",
                   "awaiting data": "#e2e3e5"}
        head = (f"<h4>{html.escape(self.county)} — {html.escape(self.system_name)} "
                f"({html.escape(self.system_id)})</h4>")
        if self.synthetic_layers:
            head += ("<p><b>合成数据 synthetic:</b> "
                     f"{html.escape(', '.join(self.synthetic_layers))}</p>")
        rows = []
        for rec in self.table.to_dict("records"):
            cells = "".join(
                f"<td>{html.escape('' if pd.isna(rec[c]) else str(rec[c]))}</td>"
                for c in ("indicator", "target", "value", "status", "margin", "evidence")
            )
            rows.append(f'<tr style="background:{colours[rec["status"]]}">{cells}</tr>')
        header = "".join(f"<th>{c}</th>" for c in
                         ("indicator", "target", "value", "status", "margin", "evidence"))
        return f"{head}<table><tr>{header}</tr>{''.join(rows)}</table>"


# ---------------------------------------------------------------- plan metrics


def _check_plan(plan: Mapping[str, Any]) -> None:
    problems = [f"missing key {k!r}" for k in
                ("county", "villages", "townships", "sites", "routes", "coverage")
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


def _share(covered: int, total: int) -> float | None:
    return None if total == 0 else 100.0 * covered / total


def plan_metrics(plan: Mapping[str, Any]) -> dict[str, MetricValue]:
    """Compute every metric of :data:`ruralnet.programme.targets.PLAN_METRICS` from a plan dict.

    Village-station coverage counts administrative villages
    (``kind == "village"``) hosting a ``village_station`` site over all of
    them; the poor-village share does the same over poor ones. Daily
    shares come from the plan's ``coverage``; "served" shares from the
    route stops (administrative villages only, as the programme counts).

    Raises
    ------
    PlanValidationError
        When a key the metrics need is missing.
    """
    _check_plan(plan)
    sites = plan["sites"]
    by_kind: dict[str, list[Mapping[str, Any]]] = {}
    for s in sites:
        by_kind.setdefault(s["kind"], []).append(s)
    out: dict[str, MetricValue] = {}
    for metric, kind in (("county_warehouses", "county_warehouse"),
                         ("township_stations", "township_station"),
                         ("village_stations", "village_station")):
        out[metric] = MetricValue(float(len(by_kind.get(kind, []))),
                                  f"{len(by_kind.get(kind, []))} sites of kind {kind}")
    centres = by_kind.get("county_service_centre", [])
    out["county_service_centres"] = (
        MetricValue(float(len(centres)), f"{len(centres)} sites of kind county_service_centre")
        if centres else MetricValue(
            None, "计划未设县级公共服务中心 (planner sites warehouses and stations only); "
                  "enter it in the actuals file")
    )
    out.update(_station_coverage(plan, by_kind))
    out.update(_daily_shares(plan["coverage"]))
    out.update(_multi_day_evidence(plan, out))
    out.update(_served_shares(plan))
    return out


def _multi_day_evidence(plan: Mapping[str, Any],
                        out: Mapping[str, MetricValue]) -> dict[str, MetricValue]:
    """Add to the daily shares' evidence the stations on multi-day loops and their figures."""
    loops = (plan.get("multi_day") or {}).get("loops", [])
    if not loops:
        return {}
    hours = [lp["one_way_min"] / 60 for lp in loops]
    shift = loops[0]["shift_min"] / 60
    why = (f"; {len(loops)} township stations on multi-day loops (one-way "
           f"{min(hours):.1f}–{max(hours):.1f} h vs shift {shift:.1f} h"
           + ("" if all(lp["reason"] != "late_arrival" for lp in loops)
              else " or the trunk cut-off") + "): "
           + ", ".join(f"{lp['station_site_id']} 周{lp['service_days_zh']}" for lp in loops))
    return {k: MetricValue(out[k].value, out[k].evidence + why)
            for k in ("townships_daily_share", "villages_daily_share") if k in out}


def _station_coverage(
    plan: Mapping[str, Any], by_kind: Mapping[str, list]
) -> dict[str, MetricValue]:
    hosting = {s.get("village_id") for s in by_kind.get("village_station", [])}
    admin = [v for v in plan["villages"] if v["kind"] == "village"]
    poor = [v for v in admin if v["poor"]]
    out = {}
    for metric, group, label in (("village_station_coverage", admin, "administrative villages"),
                                 ("poor_village_station_coverage", poor, "poor villages")):
        uncovered = [v for v in group if v["id"] not in hosting]
        covered = len(group) - len(uncovered)
        evidence = f"{covered}/{len(group)} {label} host a village_station"
        if uncovered:
            evidence += f"; uncovered: {_names(uncovered)}"
        out[metric] = MetricValue(_share(covered, len(group)), evidence)
    towns = plan["townships"]
    with_station = {s.get("township_id") for s in by_kind.get("township_station", [])}
    missing = [t for t in towns if t["id"] not in with_station]
    evidence = f"{len(towns) - len(missing)}/{len(towns)} townships host a township_station"
    if missing:
        evidence += f"; without: {_names(missing)}"
    out["township_station_coverage"] = MetricValue(
        _share(len(towns) - len(missing), len(towns)), evidence)
    return out


def _daily_shares(coverage: Mapping[str, Any]) -> dict[str, MetricValue]:
    out = {}
    for metric, daily, total, label in (
        ("townships_daily_share", "townships_daily", "townships_total", "townships"),
        ("villages_daily_share", "villages_daily", "villages_total",
         "administrative villages"),
    ):
        d, t = coverage.get(daily), coverage.get(total)
        if d is None or t is None:
            out[metric] = MetricValue(None, f"plan.coverage lacks {daily}/{total}")
        else:
            out[metric] = MetricValue(
                _share(int(d), int(t)), f"{d}/{t} {label} served daily (plan.coverage)")
    return out


def _served_shares(plan: Mapping[str, Any]) -> dict[str, MetricValue]:
    sites = {s["id"]: s for s in plan["sites"] if "id" in s}
    villages = {v["id"]: v for v in plan["villages"]}
    admin = [v for v in plan["villages"] if v["kind"] == "village"]
    served_v: set[str] = set()
    served_t: set[str] = set()
    for route in plan["routes"]:
        for stop in route.get("stops", []):
            site = sites.get(stop.get("site_id"), {})
            vid = stop.get("village_id") or site.get("village_id")
            if vid:
                served_v.add(vid)
                served_t.add(villages.get(vid, {}).get("township_id"))
            if site.get("township_id"):
                served_t.add(site["township_id"])
    out = {}
    for metric, items, served, label in (
        ("villages_served_share", admin, served_v, "administrative villages"),
        ("townships_served_share", plan["townships"], served_t, "townships"),
    ):
        missing = [i for i in items if i["id"] not in served]
        evidence = f"{len(items) - len(missing)}/{len(items)} {label} on a route"
        if missing:
            evidence += f"; not served: {_names(missing)}"
        out[metric] = MetricValue(_share(len(items) - len(missing), len(items)), evidence)
    return out


def synthetic_layers(plan: Mapping[str, Any]) -> tuple[str, ...]:
    """Name the plan's synthetic layers (source ``synthetic`` or listed in ``synthetic_layers``)."""
    prov = plan.get("provenance", {}) or {}
    layers = [k for k, v in prov.items()
              if isinstance(v, Mapping) and v.get("source") == "synthetic"]
    listed = prov.get("synthetic_layers") or []
    return tuple(layers + [k for k in listed if k not in layers])


# --------------------------------------------------------------------- scoring


def score_plan(
    plan: Plan | Mapping[str, Any],
    system: IndicatorSystem | str | None = None,
    *,
    actuals: pd.DataFrame | str | Path | None = None,
    inputs: Mapping[str, float] | None = None,
    as_of: date | None = None,
) -> Scorecard:
    """Score a plan, and optionally entered actuals, against an indicator system.

    Parameters
    ----------
    plan
        The parsed ``plan.json`` dict.
    system
        An :class:`IndicatorSystem`, a system id or alias, or ``None`` for
        the county's own or province's system (else ``guizhou_2017``, noted).
    actuals
        Entered values (``date, indicator, value``) as a path or DataFrame;
        see :func:`ruralnet.programme.tracking.read_actuals`.
    inputs
        Values of the system's inputs, e.g.
        ``{"national_rural_online_retail_growth": 12.4}``; an actuals row
        with the input's id serves too.
    as_of
        Scoring date for entered values; the latest actuals date by default.

    Returns
    -------
    Scorecard

    Raises
    ------
    PlanValidationError
        The plan lacks a key the metrics need.
    TargetsError
        Unknown system, or malformed actuals.
    """
    if isinstance(plan, Plan):
        plan = plan.data
    notes: list[str] = []
    county = plan.get("county", {}) or {}
    if not isinstance(system, IndicatorSystem):
        if system is None:
            sid, why = default_system_id(county.get("name"), county.get("province"))
            notes.append(why)
            system = sid
        system = load_system(system)
    metrics = plan_metrics(plan)
    frame = None
    if actuals is not None:
        frame = actuals if isinstance(actuals, pd.DataFrame) and "line" in actuals else (
            read_actuals(actuals, system))
    values = input_values(frame, system, inputs)
    if as_of is None and frame is not None and len(frame):
        as_of = frame["date"].max().date()
    layers = synthetic_layers(plan)
    if layers:
        notes.append(f"合成数据层 synthetic layers: {', '.join(layers)} — plan figures are "
                     "illustrative, not observed")
    rows = [_score(ind, metrics, frame, values, as_of, layers) for ind in system.indicators]
    table = pd.DataFrame(rows, columns=COLUMNS)
    card = Scorecard(system.id, system.name_zh, str(county.get("name", "?")), table,
                     tuple(notes), layers)
    logger.info("scored %s against %s: %s", card.county, system.id, card.status_counts())
    return card


def _score(ind: Indicator, metrics: Mapping[str, MetricValue], actuals: pd.DataFrame | None,
           inputs: Mapping[str, float], as_of: date | None,
           layers: tuple[str, ...]) -> dict[str, Any]:
    row: dict[str, Any] = {"id": ind.id, "indicator": ind.name_zh, "indicator_en": ind.name_en,
                           "unit": ind.unit, "source": ind.source,
                           "target": ind.target_text(inputs=inputs), "value": float("nan"),
                           "status": "awaiting data", "margin": float("nan"),
                           "deadline": ind.deadline, "evidence": "", "citation": ind.citation}
    value, evidence, from_plan = None, "", False
    if ind.source == "plan":
        mv = metrics[ind.metric]  # type: ignore[index]
        value, evidence, from_plan = mv.value, mv.evidence, mv.value is not None
        if layers and from_plan:
            evidence += f" [synthetic: {', '.join(layers)}]"
    if value is None:
        value, entered = _latest(ind.id, actuals, as_of)
        evidence = "; ".join(e for e in (evidence, entered) if e)
    goal = ind.resolve_target(inputs)
    row["evidence"] = evidence
    if goal is None:
        row["evidence"] = "; ".join(e for e in (
            evidence, f"target needs input {ind.target_input} (not given)") if e)
        if value is not None:
            row["value"] = value
        return row
    if value is None:
        return row
    met = ind.is_met(value, goal)
    row.update(value=value, margin=ind.margin(value, goal))
    if met:
        row["status"] = "met"
    elif from_plan or (as_of is not None and as_of >= ind.deadline):
        row["status"] = "not met"
    else:
        row["status"] = "at risk"
    if met and not from_plan and ind.comparator in ("<=", "<") and (
            as_of is None or as_of < ind.deadline):
        row["evidence"] += f"; so far — the limit holds until {ind.deadline}"
    if ind.stretch is not None:
        reached = ind.margin(value, ind.stretch) >= 0  # 力争 X 以上 includes X
        row["evidence"] += f"; 力争 {ind.stretch:g}: {'reached' if reached else 'not reached'}"
    return row


def _latest(ind_id: str, actuals: pd.DataFrame | None, as_of: date | None
            ) -> tuple[float | None, str]:
    if actuals is None:
        return None, "no actuals file"
    rows = actuals[actuals["indicator"] == ind_id].sort_values("date", kind="stable")
    if as_of is not None:
        rows = rows[rows["date"].dt.date <= as_of]
    if not len(rows):
        return None, "no actuals row"
    last = rows.iloc[-1]
    return float(last["value"]), (
        f"entered {last['date'].date()}: {last['value']:,.4g} ({len(rows)} rows)")

"""Score a plan (and entered actuals) against a programme indicator system.

A plan computes the network indicators (sites by kind, station coverage of
administrative and poor villages, daily township and village service; see
:mod:`ruralnet.programme.metrics`); the actuals file supplies the rest
(training, growth, brands, jobs, ...) and, when entered, **takes precedence**
over the plan's value of the same indicator (both are shown). Verdicts say
what is known:

``规划达标 designed to meet`` / ``规划未达 designed short``
    A plan-derived value: the design meets the target or not. Nothing is
    built yet.
``已达标 met`` / ``未达标 not met`` / ``有风险 at risk``
    An entered value: it meets the target; it does not and the deadline
    has passed; it does not yet, with the deadline still ahead.
``拟建 proposed``
    The value rests only on a placeholder site (the county service centre
    the planner proposes at the seat at no cost).
``力争目标已达 stretch reached`` / ``力争目标未达 stretch not reached``
    A 力争 (aim) row, or a 基本实现 row without a figure (its Chinese word
    then reads 基本实现目标已达/未达): reported, never failing the system.
``待填报 awaiting data``
    No value yet, or the target depends on an input not given.

A system that does not name the plan's county may still be used, but every
row and the summary carry ``参照 borrowed: this system does not apply to
<county>``; with no system given, a county no system names is scored on the
design card only (:data:`ruralnet.programme.targets.DESIGN_CARD`), noted.

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
...         "routes": []}
>>> card = score_plan(plan, load_system("guizhou_2017"))
>>> row = card.table.set_index("id").loc["village_station_coverage"]
>>> float(row["value"]), row["status"], row["status_zh"]
(50.0, 'designed to meet', '规划达标')
>>> card.scope
'参照 borrowed: this system does not apply to 示例县'
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

from ruralnet.plan.document import Plan
from ruralnet.plan.figures import format_percent
from ruralnet.programme.metrics import MetricValue, plan_metrics, synthetic_layers
from ruralnet.programme.targets import Indicator, IndicatorSystem, default_system_id, load_system
from ruralnet.programme.tracking import input_values, read_actuals

logger = logging.getLogger(__name__)

__all__ = ["COLUMNS", "STATUSES", "STATUS_ZH", "VERDICT_GROUPS", "MetricValue", "Scorecard",
           "plan_metrics", "score_plan", "synthetic_layers"]

STATUS_ZH = {
    "designed to meet": "规划达标", "designed short": "规划未达",
    "met": "已达标", "not met": "未达标", "at risk": "有风险",
    "proposed": "拟建",
    "stretch reached": "力争目标已达", "stretch not reached": "力争目标未达",
    "awaiting data": "待填报",
}
"""Status → Chinese verdict word."""
STATUSES = tuple(STATUS_ZH)
VERDICT_GROUPS = {"met": ("met",), "designed": ("designed to meet",),
                  "not met": ("not met",), "designed short": ("designed short",),
                  "at risk": ("at risk",), "proposed": ("proposed",),
                  "stretch reached": ("stretch reached",),
                  "stretch not reached": ("stretch not reached",),
                  "awaiting data": ("awaiting data",)}
"""The verdict groups of :meth:`Scorecard.verdict`: group → statuses."""
COLUMNS = [
    "id", "indicator", "indicator_en", "unit", "source", "level", "target", "value",
    "value_text", "status", "status_zh", "margin", "plan_value", "actual_value", "deadline",
    "evidence", "scope", "citation",
]
_COLOURS = {"met": "#d4edda", "designed to meet": "#e3f2e8", "not met": "#f8d7da",
            "designed short": "#fbe3e5", "at risk": "#fff3cd", "proposed": "#e0ecff",
            "stretch reached": "#d4edda", "stretch not reached": "#f3f4f6",
            "awaiting data": "#e2e3e5"}


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
        One row per indicator (:data:`COLUMNS`): ``value`` is the value
        scored (the entered one when there is one), ``plan_value`` and
        ``actual_value`` both sources, ``value_text`` the value for people
        (``'51.5%'``), ``margin`` in the indicator's unit (percentage points
        for ``%``, >= 0 on the right side), ``scope`` the borrowed line.
    notes
        How the system was chosen, synthetic layers, assumptions.
    synthetic_layers
        Plan layers whose provenance is ``synthetic``.
    scope
        ``""`` when the system names the county; else the prominent
        ``参照 borrowed: …`` line, or the design-card line.
    """

    system_id: str
    system_name: str
    county: str
    table: pd.DataFrame
    notes: tuple[str, ...] = ()
    synthetic_layers: tuple[str, ...] = field(default=())
    scope: str = ""

    def __post_init__(self) -> None:
        bad = set(self.table["status"]) - set(STATUSES)
        if bad:
            raise ValueError(f"status must be one of {STATUSES}, got {sorted(bad)}")

    @property
    def borrowed(self) -> bool:
        """Whether the system was written for other divisions than this county."""
        return self.scope.startswith("参照")

    def status_counts(self) -> dict[str, int]:
        """Count indicators per status, in :data:`STATUSES` order."""
        counts = self.table["status"].value_counts()
        return {s: int(counts.get(s, 0)) for s in STATUSES}

    def verdict(self, rows: pd.DataFrame | None = None) -> dict[str, int]:
        """Count rows per verdict group (:data:`VERDICT_GROUPS`), omitting empty groups."""
        counts = (self.table if rows is None else rows)["status"].value_counts()
        out = {g: int(sum(counts.get(s, 0) for s in ss)) for g, ss in VERDICT_GROUPS.items()}
        return {g: n for g, n in out.items() if n}

    def verdict_lines(self) -> list[str]:
        """One line per target group (the rows due by one deadline), for the console."""
        lines = [self.scope] if self.scope else []
        for deadline, rows in self.table.groupby("deadline", sort=True):
            parts = ", ".join(f"{n} {g}" for g, n in self.verdict(rows).items())
            lines.append(f"{self.system_id} 目标 targets due {deadline}: {parts}")
        return lines

    def summary(self) -> str:
        """Render the scorecard as text for people, one line per indicator."""
        counts = {k: v for k, v in self.status_counts().items() if v}
        lines = [f"{self.county} — {self.system_name} ({self.system_id})"]
        if self.scope:
            lines.append(f"*** {self.scope} ***")
        lines.append(", ".join(f"{STATUS_ZH[k]} {k}: {v}" for k, v in counts.items()))
        lines += [f"注 note: {n}" for n in self.notes]
        for row in self.table.itertuples():
            lines.append(
                f"[{row.status_zh} {row.status}] {row.indicator} ({row.id}): {row.value_text} "
                f"vs {row.target}" + (f" — {row.evidence}" if row.evidence else "")
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = (f"<h4>{html.escape(self.county)} — {html.escape(self.system_name)} "
                f"({html.escape(self.system_id)})</h4>")
        if self.scope:
            head += f"<p><b>{html.escape(self.scope)}</b></p>"
        if self.synthetic_layers:
            head += ("<p><b>合成数据 synthetic:</b> "
                     f"{html.escape(', '.join(self.synthetic_layers))}</p>")
        cols = ("indicator", "target", "value_text", "status_zh", "status", "margin", "evidence")
        rows = []
        for rec in self.table.to_dict("records"):
            cells = "".join(
                f"<td>{html.escape('' if pd.isna(rec[c]) else str(rec[c]))}</td>" for c in cols)
            rows.append(f'<tr style="background:{_COLOURS[rec["status"]]}">{cells}</tr>')
        header = "".join(f"<th>{c}</th>" for c in cols)
        return f"{head}<table><tr>{header}</tr>{''.join(rows)}</table>"


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
        the system whose document names the county (else the design card,
        noted). A system that does not name the county is scored as
        borrowed (:attr:`Scorecard.scope`).
    actuals
        Entered values (``date, indicator, value``) as a path or DataFrame;
        see :func:`ruralnet.programme.tracking.read_actuals`. An entered
        value of a plan indicator takes precedence over the plan's.
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
    name = str(county.get("name", "?"))
    if not isinstance(system, IndicatorSystem):
        if system is None:
            sid, why = default_system_id(county.get("name"), county.get("province"),
                                         county.get("prefecture"))
            notes.append(why)
            system = sid
        system = load_system(system)
    scope = _scope(system, county)
    if scope:
        notes.insert(0, scope)
    if (plan.get("urban") or {}).get("urban"):  # ruralnet.geo.urban: 社区 left to the city
        notes.insert(0, f"{plan['urban']['reason_zh']} | {plan['urban']['reason_en']}")
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
    rows = [_score(ind, metrics, frame, values, as_of, layers) | {"scope": scope}
            for ind in system.indicators]
    table = pd.DataFrame(rows, columns=COLUMNS)
    card = Scorecard(system.id, system.name_zh, name, table, tuple(notes), layers, scope)
    logger.info("scored %s against %s: %s", card.county, system.id, card.verdict())
    return card


def _scope(system: IndicatorSystem, county: Mapping[str, Any]) -> str:
    name = str(county.get("name") or "该县")
    if system.design:
        return (f"设计卡 design card: 未选用示范体系 no programme system selected for {name}; "
                "network design rows only")
    if system.applies_to(county.get("name"), county.get("prefecture"), county.get("province")):
        return ""
    return f"参照 borrowed: this system does not apply to {name}"


def _blank_row(ind: Indicator, inputs: Mapping[str, float]) -> dict[str, Any]:
    return {"id": ind.id, "indicator": ind.name_zh, "indicator_en": ind.name_en,
            "unit": ind.unit, "source": ind.source, "level": ind.level,
            "target": ind.target_text(inputs=inputs), "value": float("nan"), "value_text": "—",
            "status": "awaiting data", "status_zh": STATUS_ZH["awaiting data"],
            "margin": float("nan"), "plan_value": float("nan"),
            "actual_value": float("nan"), "deadline": ind.deadline, "evidence": "",
            "citation": ind.citation}


def _score(ind: Indicator, metrics: Mapping[str, MetricValue], actuals: pd.DataFrame | None,
           inputs: Mapping[str, float], as_of: date | None,
           layers: tuple[str, ...]) -> dict[str, Any]:
    row = _blank_row(ind, inputs)
    planned = metrics[ind.metric] if ind.source == "plan" else None  # type: ignore[index]
    entered, entered_text = _latest(ind.id, actuals, as_of)
    evidence = []
    if planned is not None:
        plan_text = planned.evidence + (f" [synthetic: {', '.join(layers)}]"
                                        if layers and planned.value is not None else "")
        evidence.append(("plan: " if entered is not None else "") + plan_text)
        if planned.value is not None:
            row["plan_value"] = planned.value
    if entered is not None:
        row["actual_value"] = entered
        evidence.insert(0, entered_text + (" — takes precedence over the plan value"
                                           if planned is not None else ""))
    elif ind.source == "actual" or (planned is not None and planned.value is None):
        evidence.append(entered_text)
    from_plan = entered is None
    value = entered if entered is not None else (planned.value if planned else None)
    goal = ind.resolve_target(inputs)
    if goal is None:
        evidence.append(f"target needs input {ind.target_input} (not given)")
    row["evidence"] = "; ".join(e for e in evidence if e)
    if value is None:
        return row
    row.update(value=value, value_text=_value_text(value, ind.unit))
    if goal is None:
        return row
    row["margin"] = ind.margin(value, goal)
    row["status"] = _status(ind, value, goal, from_plan, planned, as_of)
    if row["status"] == "met" and ind.comparator in ("<=", "<") and (
            as_of is None or as_of < ind.deadline):
        row["evidence"] += f"; so far — the limit holds until {ind.deadline}"
    if ind.stretch is not None:
        reached = ind.margin(value, ind.stretch) >= 0  # 力争 X 以上 includes X
        row["evidence"] += f"; 力争 {ind.stretch:g}: {'reached' if reached else 'not reached'}"
    row["status_zh"] = STATUS_ZH[row["status"]]
    if ind.level == "basic" and row["status"].startswith("stretch"):
        row["status_zh"] = row["status_zh"].replace("力争", "基本实现")
    return row


def _status(ind: Indicator, value: float, goal: float, from_plan: bool,
            planned: MetricValue | None, as_of: date | None) -> str:
    met = ind.is_met(value, goal)
    if ind.is_stretch:
        return "stretch reached" if met else "stretch not reached"
    if from_plan:
        if planned is not None and planned.proposed:
            return "proposed"
        return "designed to meet" if met else "designed short"
    if met:
        return "met"
    return "not met" if as_of is not None and as_of >= ind.deadline else "at risk"


def _value_text(value: float, unit: str) -> str:
    if unit == "%":
        return format_percent(value)
    if unit == "bool":
        return "是 yes" if value == 1.0 else "否 no"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


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

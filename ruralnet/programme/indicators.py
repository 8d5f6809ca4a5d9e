"""The indicator-system model: indicators, fund rules, inputs and the system itself.

The TOML files in ``data/targets/`` are read into these frozen dataclasses by
:mod:`ruralnet.programme.targets` (which re-exports every name here). Each
field's check sits in ``__post_init__`` next to its definition, with the
bilingual message a bureau sees when a file is wrong.

Examples
--------
>>> ind = Indicator("x", "培训", "training", "persons", ">=", 3000.0,
...                 date(2019, 12, 31), "actual", "doc §2", level="stretch")
>>> ind.is_stretch, ind.target_text()
(True, '力争 ≥ 3,000 人')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from ruralnet.exceptions import TargetsError

UNITS: dict[str, tuple[str, str]] = {
    "%": ("%", "%"),
    "count": ("个", "count"),
    "persons": ("人", "persons"),
    "person_times": ("人次", "person-times"),
    "yuan": ("元", "yuan"),
    "bool": ("是/否", "yes/no"),
}
"""Allowed units: id -> (Chinese label, English label)."""

COMPARATORS = (">=", ">", "<=", "<", "==", "range")
SOURCES = ("plan", "actual")
PROJECTIONS = ("linear", "rate", "compound", "none")
LEVELS = ("floor", "stretch", "basic")
"""``floor``: a target the system is scored on; ``stretch``: a 力争 (aim) row; ``basic``: a
基本实现 ("basically achieve") aim the document gives no figure for. Stretch and basic rows
are reported as reached / not reached without failing the system, and never raise the
plan's parameters."""

PLAN_METRICS: dict[str, tuple[str, str]] = {
    "county_warehouses": ("count", "sites of kind county_warehouse"),
    "county_service_centres": ("count", "sites of kind county_service_centre"),
    "township_stations": ("count", "sites of kind township_station"),
    "village_stations": ("count", "sites of kind village_station"),
    "township_station_coverage": ("%", "townships hosting a township_station / all townships"),
    "village_station_coverage": (
        "%",
        "administrative villages (kind village) hosting a village_station / all of them",
    ),
    "poor_village_station_coverage": (
        "%",
        "poor administrative villages hosting a village_station / all poor ones",
    ),
    "townships_daily_share": ("%", "coverage.townships_daily / coverage.townships_total"),
    "villages_daily_share": ("%", "coverage.villages_daily / coverage.villages_total"),
    "townships_served_share": ("%", "townships with a route stop / all townships"),
    "villages_served_share": (
        "%", "administrative villages with a route stop / all administrative villages"),
}
"""Metrics a plan can compute: id -> (unit, definition)."""

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_SYMBOL = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}



def _err(zh: str, en: str, **details: Any) -> TargetsError:
    return TargetsError(zh, en, **details)


@dataclass(frozen=True)
class Indicator:
    """One programme indicator and its target.

    Attributes
    ----------
    id
        Snake-case identifier used in actuals files, e.g. ``"trainees"``.
    name_zh, name_en
        Names in Chinese (as in the document) and English.
    unit
        One of :data:`UNITS`.
    comparator
        One of ``>=``, ``>``, ``<=``, ``<``, ``==`` or ``range``.
    target
        Target value (the lower bound for ``range``); ``None`` when the
        target is an input given at scoring time (see ``target_input``).
    deadline
        Date by which the target is due.
    source
        ``"plan"`` (computed from a plan's ``metric``) or ``"actual"``
        (entered in an actuals file).
    citation
        Document and section the target is quoted from.
    target_high
        Upper bound of a ``range`` target.
    target_input
        Name of a system input (e.g. the national rural average growth)
        whose value is the target.
    stretch
        Aspirational value (力争) beside a hard target, reported but not scored.
    metric
        For plan indicators, one of :data:`PLAN_METRICS`.
    counted_from
        For yearly targets, the first date counted (actuals before it are
        refused).
    projection
        Tracking method: ``"linear"`` (least squares), ``"rate"`` (a rate
        is not accumulated: the latest reported rate is held to the
        deadline) or ``"compound"`` (log-linear growth, on request only); by
        default rate for ``%``, linear otherwise.
    level
        ``"floor"`` (scored), ``"stretch"`` (the whole target is a 力争
        aim) or ``"basic"`` (基本实现, no figure in the document): the last
        two are reported as reached / not reached, never as failing.
    note
        How the document's wording was interpreted, if it needed to be.

    Examples
    --------
    >>> ind = Indicator("x", "培训", "training", "persons", ">=", 3000.0,
    ...                 date(2019, 12, 31), "actual", "doc §2")
    >>> ind.is_met(3100), ind.margin(2500)
    (True, -500.0)
    >>> Indicator("x", "培训", "training", "persons", "=>", 3000.0,  # doctest: +ELLIPSIS
    ...           date(2019, 12, 31), "actual", "doc §2")
    Traceback (most recent call last):
    ...
    ruralnet.exceptions.TargetsError: 比较符 '=>' 无效...
    """

    id: str
    name_zh: str
    name_en: str
    unit: str
    comparator: str
    target: float | None
    deadline: date
    source: str
    citation: str
    target_high: float | None = None
    target_input: str | None = None
    stretch: float | None = None
    metric: str | None = None
    counted_from: date | None = None
    projection: str = ""
    note: str = ""
    level: str = "floor"

    def __post_init__(self) -> None:
        self._check_names()
        if self.comparator not in COMPARATORS:
            raise _err(
                f"比较符 {self.comparator!r} 无效, 应为 {', '.join(COMPARATORS)} 之一",
                f"comparator {self.comparator!r} is invalid; use one of {', '.join(COMPARATORS)}",
                field="comparator",
                value=self.comparator,
            )
        if self.unit not in UNITS:
            raise _err(
                f"单位 {self.unit!r} 无效, 应为 {', '.join(UNITS)} 之一",
                f"unit {self.unit!r} is invalid; use one of {', '.join(UNITS)}",
                field="unit",
                value=self.unit,
            )
        self._check_target()
        self._check_source()
        if not self.projection:
            object.__setattr__(self, "projection", "rate" if self.unit == "%" else "linear")
        if self.level not in LEVELS:
            raise _err(
                f"指标 {self.id}: level {self.level!r} 无效, 应为 {', '.join(LEVELS)} 之一",
                f"indicator {self.id}: level {self.level!r} is invalid; use one of "
                f"{', '.join(LEVELS)}",
                field="level",
            )
        if self.projection not in PROJECTIONS:
            raise _err(
                f"projection {self.projection!r} 无效, 应为 {', '.join(PROJECTIONS)} 之一",
                f"projection {self.projection!r} is invalid; use one of {', '.join(PROJECTIONS)}",
                field="projection",
            )
        if self.counted_from is not None and self.counted_from > self.deadline:
            raise _err(
                f"counted_from {self.counted_from} 晚于截止日 {self.deadline}",
                f"counted_from {self.counted_from} is after the deadline {self.deadline}",
                field="counted_from",
            )

    def _check_names(self) -> None:
        if not isinstance(self.id, str) or not _ID.match(self.id):
            raise _err(
                f"指标 id {self.id!r} 无效: 只能用小写字母、数字和下划线",
                f"indicator id {self.id!r} is invalid: use lower-case letters, digits, '_'",
                field="id",
            )
        for name in ("name_zh", "name_en", "citation"):
            if not str(getattr(self, name) or "").strip():
                raise _err(f"指标 {self.id} 缺少 {name}", f"indicator {self.id} lacks {name}")

    def _check_target(self) -> None:
        if self.comparator == "range":
            if self.target is None or self.target_high is None or self.target > self.target_high:
                raise _err(
                    f"指标 {self.id}: range 需要目标区间 '低–高' (低 ≤ 高)",
                    f"indicator {self.id}: comparator 'range' needs a target 'low–high' "
                    "with low <= high",
                    field="target",
                )
        elif self.target_high is not None:
            raise _err(
                f"指标 {self.id}: 目标是区间, 比较符应为 'range' 而非 {self.comparator!r}",
                f"indicator {self.id}: the target is a range, so the comparator must be "
                f"'range', not {self.comparator!r}",
                field="comparator",
            )
        if self.target is None and self.target_input is None:
            raise _err(f"指标 {self.id} 缺少目标值", f"indicator {self.id} has no target")
        if self.unit == "bool" and (self.comparator != "==" or self.target not in (0.0, 1.0)):
            raise _err(
                f"指标 {self.id}: 是/否指标须用 '==' 和 true/false",
                f"indicator {self.id}: a yes/no indicator needs '==' and true/false",
                field="comparator",
            )

    def _check_source(self) -> None:
        if self.source not in SOURCES:
            raise _err(
                f"指标 {self.id}: source {self.source!r} 无效, 应为 plan 或 actual",
                f"indicator {self.id}: source {self.source!r} is invalid; use plan or actual",
                field="source",
            )
        if self.source == "actual":
            if self.metric is not None:
                raise _err(
                    f"指标 {self.id}: source=actual 不能有 metric",
                    f"indicator {self.id}: an actual indicator takes no metric",
                    field="metric",
                )
            return
        if self.metric not in PLAN_METRICS:
            raise _err(
                f"指标 {self.id}: 计划指标 metric {self.metric!r} 未知, 可用: "
                f"{', '.join(PLAN_METRICS)}",
                f"indicator {self.id}: plan metric {self.metric!r} is unknown; known: "
                f"{', '.join(PLAN_METRICS)}",
                field="metric",
            )
        metric_unit = PLAN_METRICS[self.metric][0]
        if metric_unit != self.unit:
            raise _err(
                f"指标 {self.id}: 单位不符, metric {self.metric} 的单位是 {metric_unit!r}, "
                f"指标写的是 {self.unit!r}",
                f"indicator {self.id}: unit mismatch, metric {self.metric} is in "
                f"{metric_unit!r} but the indicator says {self.unit!r}",
                field="unit",
            )

    @property
    def is_stretch(self) -> bool:
        """Whether the whole target is an aim (力争 or 基本实现) that cannot fail the system."""
        return self.level in ("stretch", "basic")

    def resolve_target(self, inputs: Mapping[str, float] | None = None) -> float | None:
        """Return the numeric target, looking up ``target_input`` in ``inputs``."""
        if self.target_input is None:
            return self.target
        value = (inputs or {}).get(self.target_input)
        return None if value is None else float(value)

    def is_met(self, value: float, target: float | None = None) -> bool:
        """Whether ``value`` satisfies the comparator (``target`` overrides an input target)."""
        return self.margin(value, target) >= 0 and not (
            self.comparator in (">", "<") and self.margin(value, target) == 0
        )

    def margin(self, value: float, target: float | None = None) -> float:
        """Signed distance to the target in the indicator's unit; >= 0 means on the right side.

        For ``range`` it is the distance to the nearer bound, for ``==`` minus
        the absolute difference.
        """
        goal = self.target if target is None else target
        if goal is None:
            raise _err(
                f"指标 {self.id} 的目标取决于输入 {self.target_input}, 未提供",
                f"indicator {self.id}: its target is input {self.target_input}, not given",
            )
        if self.comparator in (">=", ">"):
            return float(value - goal)
        if self.comparator in ("<=", "<"):
            return float(goal - value)
        if self.comparator == "==":
            return -abs(float(value - goal))
        return float(min(value - goal, self.target_high - value))  # type: ignore[operator]

    def target_text(self, lang: str = "zh", inputs: Mapping[str, float] | None = None) -> str:
        """Human-readable target such as ``'≥ 50%'``, ``'1–2'`` or ``'= 是'``."""
        unit = "" if self.unit in ("count", "bool") else UNITS[self.unit][0 if lang == "zh" else 1]
        unit = unit if unit == "%" or not unit else f" {unit}"
        if self.comparator == "range":
            return f"{_fmt(self.target)}–{_fmt(self.target_high)}{unit}"
        if self.unit == "bool":
            yes = self.target == 1.0
            return ("是" if yes else "否") if lang == "zh" else ("yes" if yes else "no")
        goal = self.resolve_target(inputs)
        if goal is None:
            return f"{_SYMBOL[self.comparator]} [{self.target_input}]"
        text = f"{_SYMBOL[self.comparator]} {_fmt(goal)}{unit}"
        if self.is_stretch:
            word = {"stretch": ("力争", "aim"), "basic": ("基本实现", "basically")}[self.level]
            text = f"{word[0 if lang == 'zh' else 1]} {text}"
        if self.stretch is not None:
            text += f" (力争 {_fmt(self.stretch)}{unit})" if lang == "zh" else (
                f" (aim {_fmt(self.stretch)}{unit})"
            )
        return text


def _fmt(x: float | None) -> str:
    if x is None:
        return "?"
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.4g}"


@dataclass(frozen=True)
class FundRule:
    """One rule on how programme funds may be spent.

    Attributes
    ----------
    id, name_zh, name_en
        Identifier and names, e.g. ``"县级公共服务中心"``.
    kind
        ``"max_share"`` / ``"min_share"`` (share of the funds from
        ``funding_sources`` spent on ``categories``, against ``limit_pct``),
        ``"forbidden"`` (no money from ``funding_sources`` on
        ``categories``) or ``"total"`` (the funds from ``funding_sources``
        add up to ``amount_wan``), ``"line"`` (the document's table puts
        ``amount_wan`` on ``line_item`` from the one source in
        ``funding_sources``) or ``"table"`` (every budget line from
        ``funding_sources`` is one of the system's ``line`` rules).
    categories
        Budget categories the rule is about (see ``ruralnet.programme.budget``).
    funding_sources
        Funding sources the rule is about: ``central``, ``county``, ``other``.
    citation
        Document and section.
    limit_pct, amount_wan
        The figure of the rule, in percent or in 万元.
    line_item
        For ``line`` rules, the line item as the budget names it.
    """

    id: str
    name_zh: str
    name_en: str
    kind: str
    categories: tuple[str, ...]
    funding_sources: tuple[str, ...]
    citation: str
    limit_pct: float | None = None
    amount_wan: float | None = None
    line_item: str | None = None

    def __post_init__(self) -> None:
        kinds = ("max_share", "min_share", "forbidden", "total", "line", "table")
        if self.kind not in kinds:
            raise _err(
                f"资金规则 {self.id}: kind {self.kind!r} 无效, 应为 {', '.join(kinds)} 之一",
                f"fund rule {self.id}: kind {self.kind!r} is invalid; use one of "
                f"{', '.join(kinds)}",
                field="kind",
            )
        bad = set(self.funding_sources) - {"central", "county", "other"}
        if bad or not self.funding_sources:
            raise _err(
                f"资金规则 {self.id}: 资金来源 {sorted(bad)} 无效, 应为 central/county/other",
                f"fund rule {self.id}: funding sources {sorted(bad)} are invalid; use "
                "central, county or other",
                field="funding_sources",
            )
        if self.kind in ("max_share", "min_share"):
            if self.limit_pct is None or not 0 <= self.limit_pct <= 100:
                raise _err(
                    f"资金规则 {self.id}: limit_pct 须在 0–100 之间, 实为 {self.limit_pct}",
                    f"fund rule {self.id}: limit_pct must be in [0, 100], got {self.limit_pct}",
                    field="limit_pct",
                )
        if self.kind == "line" and (not self.line_item or len(self.funding_sources) != 1):
            raise _err(
                f"资金规则 {self.id}: line 需要 line_item 和唯一的资金来源",
                f"fund rule {self.id}: a line rule needs line_item and exactly one funding source",
                field="line_item",
            )
        if self.kind not in ("total", "line", "table") and not self.categories:
            raise _err(
                f"资金规则 {self.id}: 缺少 categories", f"fund rule {self.id}: no categories"
            )
        if self.kind in ("total", "line") and (self.amount_wan is None or self.amount_wan < 0):
            raise _err(
                f"资金规则 {self.id}: {self.kind} 需要 amount_wan ≥ 0",
                f"fund rule {self.id}: a {self.kind} rule needs amount_wan >= 0",
                field="amount_wan",
            )


@dataclass(frozen=True)
class SystemInput:
    """A figure the system's targets depend on, given at scoring time."""

    id: str
    name_zh: str
    name_en: str
    unit: str


@dataclass(frozen=True)
class IndicatorSystem:
    """The indicator system of one seed document.

    Attributes
    ----------
    id, name_zh, name_en, document
        Identifier (file stem), names and the full document reference.
    programme_start, programme_end
        Dates of the programme; deadlines and actuals must fall inside.
    indicators
        The indicators, in document order.
    fund_rules
        Rules for budgets (may be empty when the document gives none).
    inputs
        Figures some targets depend on (e.g. national averages).
    provinces, prefectures, counties
        Where the system applies: the province the document's divisions lie
        in, and the prefectures (市、州) and counties it names. A county is
        covered when it is named or lies in a named prefecture (see
        :meth:`applies_to`).
    design
        ``True`` for the design card (``kind = "design"``): not a programme
        system, used when no system names the county.
    aliases
        Other names :func:`load_system` accepts, e.g. ``"安溪2018"``.
    note, issued, path
        Interpretation notes, issue date and the file it came from.
    """

    id: str
    name_zh: str
    name_en: str
    document: str
    programme_start: date
    programme_end: date
    indicators: tuple[Indicator, ...]
    fund_rules: tuple[FundRule, ...] = ()
    inputs: tuple[SystemInput, ...] = ()
    provinces: tuple[str, ...] = ()
    counties: tuple[str, ...] = ()
    prefectures: tuple[str, ...] = ()
    design: bool = False
    aliases: tuple[str, ...] = ()
    note: str = ""
    issued: date | None = None
    path: Path | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.programme_start > self.programme_end:
            raise _err(
                f"体系 {self.id}: programme_start {self.programme_start} 晚于 "
                f"programme_end {self.programme_end}",
                f"system {self.id}: programme_start {self.programme_start} is after "
                f"programme_end {self.programme_end}",
            )
        seen: set[str] = set()
        for ind in self.indicators:
            if ind.id in seen:
                raise _err(
                    f"体系 {self.id}: 指标 id {ind.id} 重复",
                    f"system {self.id}: duplicate indicator id {ind.id}",
                )
            seen.add(ind.id)
            if not self.programme_start <= ind.deadline <= self.programme_end:
                raise _err(
                    f"体系 {self.id}: 指标 {ind.id} 的截止日 {ind.deadline} 不在示范期 "
                    f"{self.programme_start}–{self.programme_end} 内",
                    f"system {self.id}: indicator {ind.id} deadline {ind.deadline} is "
                    f"outside the programme {self.programme_start}–{self.programme_end}",
                    indicator=ind.id,
                )
            known = {i.id for i in self.inputs}
            if ind.target_input is not None and ind.target_input not in known:
                raise _err(
                    f"体系 {self.id}: 指标 {ind.id} 引用了未声明的输入 {ind.target_input}",
                    f"system {self.id}: indicator {ind.id} uses undeclared input "
                    f"{ind.target_input}",
                )

    def applies_to(self, county: str | None, prefecture: str | None = None,
                   province: str | None = None) -> bool:
        """Whether the document names ``county`` or its prefecture (in its province).

        Names match the way documents shorten them: ``松桃县`` names
        松桃苗族自治县, ``楚雄州`` names 楚雄彝族自治州. The province must
        match when both are known (白云区 is in 贵阳 and in 广州).

        Examples
        --------
        >>> s = IndicatorSystem("x", "x", "x", "doc", date(2018, 1, 1), date(2019, 1, 1), (),
        ...                     provinces=("贵州省",), prefectures=("铜仁市",),
        ...                     counties=("松桃县", "白云区"))
        >>> s.applies_to("松桃苗族自治县", "铜仁市", "贵州省")
        True
        >>> s.applies_to("白云区", "广州市", "广东省")
        False
        >>> s.applies_to("江口县", "铜仁市", "贵州省")
        True
        """
        if self.design or not county:
            return False
        if province and self.provinces and not any(
                same_division(province, p) for p in self.provinces):
            return False
        if any(same_division(county, c) for c in self.counties):
            return True
        return bool(prefecture) and any(same_division(prefecture, p) for p in self.prefectures)

    def indicator(self, indicator_id: str) -> Indicator:
        """Return the indicator ``indicator_id``; raise :class:`TargetsError` if unknown."""
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise _err(
            f"体系 {self.id} 没有指标 {indicator_id!r}; 可用: "
            f"{', '.join(i.id for i in self.indicators)}",
            f"system {self.id} has no indicator {indicator_id!r}; known: "
            f"{', '.join(i.id for i in self.indicators)}",
            indicator=indicator_id,
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per indicator: id, names, unit, target text, deadline, source, citation."""
        return pd.DataFrame([
            {"id": i.id, "name_zh": i.name_zh, "name_en": i.name_en, "unit": i.unit,
             "target": i.target_text(), "deadline": i.deadline, "source": i.source,
             "metric": i.metric, "citation": i.citation}
            for i in self.indicators
        ])

    def summary(self) -> str:
        """Describe the system in a few lines for people."""
        n_plan = sum(i.source == "plan" for i in self.indicators)
        return (
            f"{self.name_zh} ({self.id}): {len(self.indicators)} indicators "
            f"({n_plan} from the plan, {len(self.indicators) - n_plan} entered), "
            f"{len(self.fund_rules)} fund rules, programme {self.programme_start} to "
            f"{self.programme_end}\n{self.document}"
        )


_SUFFIX = re.compile(r"(省|市|州|县|区|旗|自治区|自治州|自治县|自治旗|特区|林区)$")


def same_division(official: str, named: str) -> bool:
    """Whether a division's ``official`` name is the one a document calls ``named``.

    Drops the suffix of both, then compares the document's short stem with
    the start of the official one (``松桃县`` → 松桃 names 松桃苗族自治县;
    ``三都县`` names 三都水族自治县; ``福建`` names 福建省).

    Examples
    --------
    >>> same_division("松桃苗族自治县", "松桃县"), same_division("安溪县", "安溪县")
    (True, True)
    >>> same_division("楚雄彝族自治州", "楚雄州"), same_division("永定区", "安定区")
    (True, False)
    """
    a, b = official.strip(), named.strip()
    if a == b:
        return True
    stem_a, stem_b = _SUFFIX.sub("", a), _SUFFIX.sub("", b)
    if len(stem_b) < 2:
        return False
    return stem_a == stem_b or (a.endswith(b[-1]) and stem_a.startswith(stem_b))

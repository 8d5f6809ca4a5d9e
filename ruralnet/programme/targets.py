"""Programme indicator systems as data (电子商务进农村综合示范 绩效指标).

Each seed document's targets live in ``data/targets/<id>.toml``: one
indicator per table, with its Chinese and English name, unit, comparator,
target, deadline, whether a plan can compute it (``source = "plan"``) or it
must be entered (``source = "actual"``), and the citation (document and
section). This module loads and validates those files; actuals files are
read against them by :func:`ruralnet.programme.tracking.read_actuals`.

File format (``schema = "ruralnet.programme.targets/1"``, ``kind = "indicators"``):
top-level ``id, name_zh, name_en, document, programme_start,
programme_end`` (TOML dates), optional ``aliases, issued, note``,
``[applies_to] provinces/counties`` and ``[inputs.<name>]``; then one
``[[indicators]]`` table each with ``id, name_zh, name_en, unit,
comparator, target, deadline, source, citation`` and, as needed,
``metric`` (plan indicators), ``stretch``, ``counted_from``,
``projection``, ``note``; and ``[[fund_rules]]`` (see :class:`FundRule`).
Units are ``"%"`` (percent, so ``50`` means 50 %), ``"count"``,
``"persons"``, ``"person_times"`` (人次), ``"yuan"`` and ``"bool"``.

Examples
--------
>>> system = load_system("anxi_2018")
>>> system.indicator("village_points").target
237.0
>>> system.indicator("county_warehouses").target_text()
'1–2'

Why this module is long: the indicator-system model and its TOML reader/validator are one schema: each field's check sits next to its definition.
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from ruralnet._io import read_table as read_any_table
from ruralnet.exceptions import InputFileError, TargetsError

logger = logging.getLogger(__name__)

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
PROJECTIONS = ("linear", "compound", "none")

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
_RANGE = re.compile(r"^\s*(-?[\d.]+)\s*[-–~—]\s*(-?[\d.]+)\s*$")
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
        Aspirational value (力争) reported but not scored.
    metric
        For plan indicators, one of :data:`PLAN_METRICS`.
    counted_from
        For yearly targets, the first date counted (actuals before it are
        refused).
    projection
        Tracking method: ``"linear"`` (least squares) or ``"compound"``
        (log-linear growth); by default compound for ``%``, linear otherwise.
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
            object.__setattr__(self, "projection", "compound" if self.unit == "%" else "linear")
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
        add up to ``amount_wan``).
    categories
        Budget categories the rule is about (see ``ruralnet.programme.budget``).
    funding_sources
        Funding sources the rule is about: ``central``, ``county``, ``other``.
    citation
        Document and section.
    limit_pct, amount_wan
        The figure of the rule, in percent or in 万元.
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

    def __post_init__(self) -> None:
        kinds = ("max_share", "min_share", "forbidden", "total")
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
        if self.kind != "total" and not self.categories:
            raise _err(
                f"资金规则 {self.id}: 缺少 categories", f"fund rule {self.id}: no categories"
            )
        if self.kind == "total" and (self.amount_wan is None or self.amount_wan < 0):
            raise _err(
                f"资金规则 {self.id}: total 需要 amount_wan ≥ 0",
                f"fund rule {self.id}: a total rule needs amount_wan >= 0",
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
    provinces, counties
        Where the system applies, used to pick a default.
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


# --------------------------------------------------------------------- loading


def targets_dir(data_dir: Path | str | None = None) -> Path:
    """Folder of the indicator files (``settings.data_dir / "targets"`` by default)."""
    if data_dir is None:
        from ruralnet.settings import settings

        data_dir = settings.data_dir
    return Path(data_dir) / "targets"


def read_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file, raising :class:`TargetsError` naming the file when malformed."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise _err(f"找不到文件 {path}", f"file not found: {path}", path=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise _err(
            f"{path} 不是有效的 TOML: {exc}", f"{path} is not valid TOML: {exc}", path=str(path)
        ) from exc


def read_table(source: str | Path | pd.DataFrame) -> tuple[str, pd.DataFrame]:
    """Read a planner's table (CSV/TSV in UTF-8 or GBK, or .xlsx) as strings.

    Uses the package's one table reader, :func:`ruralnet._io.read_table`
    (separator sniffed, title rows skipped, size bounded). Returns the name
    to use in messages and the frame with stripped column names; a
    DataFrame passes through as strings.

    Raises
    ------
    TargetsError
        Missing, empty or unparsable file, naming it.
    """
    if isinstance(source, pd.DataFrame):
        frame, name = source.astype(str), "<DataFrame>"
    else:
        name = str(source)
        try:
            frame, _ = read_any_table(source)
        except InputFileError as exc:
            raise _err(exc.zh, exc.en or exc.zh, **exc.details) from exc
        frame = frame.drop(columns="_line")
    frame.columns = [str(c).strip() for c in frame.columns]
    return name, frame


def list_systems(
    kind: str | None = "indicators", *, data_dir: Path | str | None = None
) -> list[str]:
    """Ids of the systems in ``data/targets/`` (``kind=None`` lists selection rules too).

    Examples
    --------
    >>> list_systems()
    ['anxi_2018', 'guanyun_2020', 'guizhou_2017', 'yunnan_2018']
    """
    out = []
    for path in sorted(targets_dir(data_dir).glob("*.toml")):
        if kind is None or read_toml(path).get("kind") == kind:
            out.append(path.stem)
    return out


def resolve_system_path(name_or_path: str | Path, *, data_dir: Path | str | None = None) -> Path:
    """Find the file for an id, an alias (e.g. ``"安溪2018"``) or a path."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        if not path.exists():
            raise _err(f"找不到文件 {path}", f"file not found: {path}", path=str(path))
        return path
    folder = targets_dir(data_dir)
    candidate = folder / f"{name_or_path}.toml"
    if candidate.exists():
        return candidate
    for other in sorted(folder.glob("*.toml")):
        if str(name_or_path) in read_toml(other).get("aliases", []):
            return other
    known = ", ".join(p.stem for p in sorted(folder.glob("*.toml")))
    raise _err(
        f"未知的指标体系 {name_or_path!r}; 可用: {known}",
        f"unknown indicator system {name_or_path!r}; known: {known}",
        query=str(name_or_path),
    )


def load_system(name_or_path: str | Path, *, data_dir: Path | str | None = None) -> IndicatorSystem:
    """Load and validate an indicator system by id, alias or file path.

    Parameters
    ----------
    name_or_path
        ``"anxi_2018"``, an alias such as ``"安溪2018"``, or a ``.toml`` path.
    data_dir
        Data folder; ``settings.data_dir`` by default.

    Returns
    -------
    IndicatorSystem

    Raises
    ------
    TargetsError
        Unknown name, malformed file, or an invalid indicator (the message
        names the file and the indicator's position and id).

    Examples
    --------
    >>> load_system("贵州2017").id
    'guizhou_2017'
    """
    path = resolve_system_path(name_or_path, data_dir=data_dir)
    data = read_toml(path)
    if data.get("kind") != "indicators":
        raise _err(
            f"{path} 不是指标体系 (kind={data.get('kind')!r})",
            f"{path} is not an indicator system (kind={data.get('kind')!r})",
            path=str(path),
        )
    system = system_from_dict(data, origin=str(path))
    object.__setattr__(system, "path", path)
    logger.info("loaded %s: %d indicators from %s", system.id, len(system.indicators), path)
    return system


def system_from_dict(data: Mapping[str, Any], *, origin: str = "<dict>") -> IndicatorSystem:
    """Build an :class:`IndicatorSystem` from parsed TOML; errors name ``origin`` and the row."""
    try:
        head = {
            k: data[k]
            for k in ("id", "name_zh", "name_en", "document", "programme_start", "programme_end")
        }
    except KeyError as exc:
        raise _err(
            f"{origin} 缺少字段 {exc.args[0]}", f"{origin} lacks field {exc.args[0]}", path=origin
        ) from None
    for key in ("programme_start", "programme_end"):
        if not isinstance(head[key], date):
            raise _err(
                f"{origin}: {key} 须为日期 (如 2019-12-31), 实为 {head[key]!r}",
                f"{origin}: {key} must be a date such as 2019-12-31, got {head[key]!r}",
                path=origin,
            )
    window = (head["programme_start"], head["programme_end"])
    indicators = tuple(
        _row(origin, "indicators", i, row, lambda r: _indicator_from_row(r, window))
        for i, row in enumerate(data.get("indicators", []))
    )
    rules = tuple(
        _row(origin, "fund_rules", i, row, _rule_from_row)
        for i, row in enumerate(data.get("fund_rules", []))
    )
    inputs = tuple(
        SystemInput(k, v.get("name_zh", k), v.get("name_en", k), v.get("unit", "%"))
        for k, v in data.get("inputs", {}).items()
    )
    applies = data.get("applies_to", {})
    try:
        return IndicatorSystem(
            **head,
            indicators=indicators,
            fund_rules=rules,
            inputs=inputs,
            provinces=tuple(applies.get("provinces", ())),
            counties=tuple(applies.get("counties", ())),
            aliases=tuple(data.get("aliases", ())),
            note=data.get("note", ""),
            issued=data.get("issued"),
        )
    except TargetsError as exc:
        raise _err(
            f"{origin}: {exc.zh}", f"{origin}: {exc.en}", path=origin, **exc.details
        ) from exc


def _row(origin: str, table: str, i: int, row: Mapping[str, Any], build: Any) -> Any:
    """Build one row, re-raising errors with the file, table position and id."""
    where_zh = f"{origin} 第{i + 1}个 [[{table}]] (id={row.get('id')!r})"
    where_en = f"{origin} [[{table}]] #{i + 1} (id={row.get('id')!r})"
    try:
        return build(row)
    except TargetsError as exc:
        raise _err(
            f"{where_zh}: {exc.zh}", f"{where_en}: {exc.en}", path=origin, row=i + 1, **exc.details
        ) from exc
    except (KeyError, TypeError, ValueError) as exc:
        raise _err(
            f"{where_zh}: 字段缺失或类型错误 ({exc})",
            f"{where_en}: missing or mistyped field ({exc})",
            path=origin,
            row=i + 1,
        ) from exc


def _indicator_from_row(row: Mapping[str, Any], window: tuple[date, date]) -> Indicator:
    target, high, target_input = parse_target(row["target"], row["comparator"])
    deadline = row["deadline"]
    if not isinstance(deadline, date):
        raise _err(
            f"截止日 {deadline!r} 须为日期 (如 2019-12-31)",
            f"deadline {deadline!r} must be a date such as 2019-12-31",
        )
    if not window[0] <= deadline <= window[1]:
        raise _err(
            f"截止日 {deadline} 不在示范期 {window[0]}–{window[1]} 内",
            f"deadline {deadline} is outside the programme {window[0]}–{window[1]}",
            field="deadline",
        )
    return Indicator(
        id=row["id"],
        name_zh=row["name_zh"],
        name_en=row["name_en"],
        unit=row["unit"],
        comparator=row["comparator"],
        target=target,
        target_high=high,
        target_input=target_input,
        deadline=deadline,
        source=row["source"],
        citation=row["citation"],
        stretch=None if row.get("stretch") is None else float(row["stretch"]),
        metric=row.get("metric"),
        counted_from=row.get("counted_from"),
        projection=row.get("projection", ""),
        note=row.get("note", ""),
    )


def _rule_from_row(row: Mapping[str, Any]) -> FundRule:
    return FundRule(
        id=row["id"],
        name_zh=row["name_zh"],
        name_en=row["name_en"],
        kind=row["kind"],
        categories=tuple(row.get("categories", ())),
        funding_sources=tuple(row["funding_sources"]),
        citation=row["citation"],
        limit_pct=None if row.get("limit_pct") is None else float(row["limit_pct"]),
        amount_wan=None if row.get("amount_wan") is None else float(row["amount_wan"]),
    )


def parse_target(raw: Any, comparator: str) -> tuple[float | None, float | None, str | None]:
    """Parse a TOML target into ``(value_or_low, high, input_name)``.

    Accepts a number, ``true``/``false``, a range ``"1–2"`` or ``[1, 2]``,
    or ``{input = "name"}``.

    Examples
    --------
    >>> parse_target("1–2", "range")
    (1.0, 2.0, None)
    >>> parse_target(50, ">=")
    (50.0, None, None)
    """
    if isinstance(raw, bool):
        return float(raw), None, None
    if isinstance(raw, int | float):
        return float(raw), None, None
    if isinstance(raw, Mapping) and set(raw) == {"input"}:
        return None, None, str(raw["input"])
    if isinstance(raw, list) and len(raw) == 2:
        return float(raw[0]), float(raw[1]), None
    if isinstance(raw, str):
        match = _RANGE.match(raw)
        if match:
            return float(match.group(1)), float(match.group(2)), None
        try:
            return float(raw), None, None
        except ValueError:
            pass
    raise _err(
        f"目标 {raw!r} 无法解析; 应为数字、true/false、区间 '1–2' 或 {{input = \"名称\"}}",
        f"target {raw!r} cannot be parsed; use a number, true/false, a range '1–2' or "
        '{input = "name"}',
        value=repr(raw),
    )


def default_system_id(
    county: str | None, province: str | None, *, data_dir: Path | str | None = None
) -> tuple[str, str]:
    """Pick the system for a county: its own, else its province's, else ``guizhou_2017``.

    Returns
    -------
    tuple of str
        The system id and a note saying why it was chosen.

    Examples
    --------
    >>> default_system_id("安溪县", "福建省")[0]
    'anxi_2018'
    >>> default_system_id("某县", "河北省")[1].split(" | ")[1]
    'no indicator system for 河北省; using guizhou_2017 by default'
    """
    systems = {sid: read_toml(targets_dir(data_dir) / f"{sid}.toml") for sid in list_systems(
        data_dir=data_dir
    )}
    for sid, data in systems.items():
        if county and _norm(county) in {_norm(c) for c in data.get("applies_to", {}).get(
            "counties", []
        )}:
            return sid, f"按县选用 {sid} | chosen for county {county}"
    for sid, data in systems.items():
        provinces = {_norm(p) for p in data.get("applies_to", {}).get("provinces", [])}
        if province and _norm(province) in provinces:
            return sid, f"按省选用 {sid} | chosen for province {province}"
    where = province or county or "该县"
    return "guizhou_2017", (
        f"{where} 无本省指标体系, 默认采用 guizhou_2017 | no indicator system for {where}; "
        "using guizhou_2017 by default"
    )


def _norm(name: str) -> str:
    """Drop the administrative suffix so that 福建 and 福建省 match."""
    return re.sub(r"(省|市|自治区|壮族自治区|回族自治区|维吾尔自治区|县|区)$", "", name.strip())

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
``[applies_to] provinces/prefectures/counties`` (the divisions the document
names) and ``[inputs.<name>]``; then one ``[[indicators]]`` table each with
``id, name_zh, name_en, unit, comparator, target, deadline, source,
citation`` and, as needed, ``metric`` (plan indicators), ``level``
(``"stretch"`` for a 力争 row), ``stretch``, ``counted_from``,
``projection``, ``note``; and ``[[fund_rules]]`` (see :class:`FundRule`;
``line`` rules carry ``line_item``). ``kind = "design"`` marks the design
card (``design_card.toml``): the network rows used when no programme system
names the county. The model classes live in
:mod:`ruralnet.programme.indicators` and are re-exported here.
Units are ``"%"`` (percent, so ``50`` means 50 %), ``"count"``,
``"persons"``, ``"person_times"`` (人次), ``"yuan"`` and ``"bool"``.

Examples
--------
>>> system = load_system("anxi_2018")
>>> system.indicator("village_points").target
237.0
>>> system.indicator("county_warehouses").target_text()
'1–2'
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from ruralnet._tables import read_table as read_any_table
from ruralnet.exceptions import InputFileError, TargetsError
from ruralnet.programme.indicators import (
    COMPARATORS,
    LEVELS,
    PLAN_METRICS,
    PROJECTIONS,
    SOURCES,
    UNITS,
    FundRule,
    Indicator,
    IndicatorSystem,
    SystemInput,
)

logger = logging.getLogger(__name__)

_RANGE = re.compile(r"^\s*(-?[\d.]+)\s*[-–~—]\s*(-?[\d.]+)\s*$")

__all__ = [
    "COMPARATORS", "LEVELS", "PLAN_METRICS", "PROJECTIONS", "SOURCES", "UNITS", "FundRule",
    "Indicator", "IndicatorSystem", "SystemInput", "default_system_id", "list_systems",
    "load_system", "parse_target", "read_table", "read_toml", "resolve_system_path",
    "system_from_dict", "targets_dir",
]


def _err(zh: str, en: str, **details: Any) -> TargetsError:
    return TargetsError(zh, en, **details)


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

    Uses the package's one table reader, :func:`ruralnet._tables.read_table`
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
    if data.get("kind") not in ("indicators", "design"):
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
            prefectures=tuple(applies.get("prefectures", ())),
            design=data.get("kind") == "design",
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
        level=row.get("level", "floor"),
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
        line_item=row.get("line_item"),
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


DESIGN_CARD = "design_card"
"""Id of the design card: the network rows used when no programme system names the county."""


def default_system_id(
    county: str | None, province: str | None, prefecture: str | None = None, *,
    data_dir: Path | str | None = None,
) -> tuple[str, str]:
    """Pick the system whose document names the county (or its prefecture), else the design card.

    There is no fallback to another county's or province's rules: a county
    outside every system gets :data:`DESIGN_CARD` (every township and
    ≥ 80 % of 行政村 served daily) and a note that no programme system is
    selected.

    Returns
    -------
    tuple of str
        The system id and a note saying why it was chosen.

    Examples
    --------
    >>> default_system_id("安溪县", "福建省")[0]
    'anxi_2018'
    >>> default_system_id("松桃苗族自治县", "贵州省", "铜仁市")[0]
    'guizhou_2017'
    >>> sid, why = default_system_id("某县", "河北省")
    >>> sid, why.split(" | ")[1]
    ('design_card', 'no programme system names 某县 (河北省); scored on the design card only')
    """
    for sid in list_systems(data_dir=data_dir):
        system = load_system(sid, data_dir=data_dir)
        if system.applies_to(county, prefecture, province):
            return sid, f"{sid} 的文件点名了 {county} | chosen: the {sid} document names {county}"
    where = f"{county or '该县'} ({province})" if province else (county or "该县")
    return DESIGN_CARD, (
        f"没有任何示范体系点名 {where}, 未选用示范体系, 只按设计卡评分 | "
        f"no programme system names {where}; scored on the design card only"
    )

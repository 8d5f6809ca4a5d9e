"""Check a programme budget against the fund rules of an indicator system.

A budget is a CSV with one line item per row::

    line_item,amount_wan,category,funding_source[,content]

``amount_wan`` is in 万元 (10,000 yuan), ``funding_source`` is ``central``
(中央财政资金), ``county`` (县级配套) or ``other``, and ``category`` is one
of :data:`CATEGORIES`. The rules come from the system's ``[[fund_rules]]``
(e.g. 云南 2018: the county public service centre may take at most 15 % of
central funds, the supply chain at least 50 %, and central funds may not pay
for platforms, buildings, operating costs or traffic). A document's fund
table becomes one ``line`` rule per line item and source (安溪 2018: 450 万元
central funds on 县乡村三级物流配送体系) and a ``table`` rule (no line outside
the table), so money moved between lines is flagged with the budget line, not
only when a total changes.

Examples
--------
>>> import pandas as pd
>>> from ruralnet.programme.targets import load_system
>>> budget = pd.DataFrame({
...     "line_item": ["中心", "供应链", "物流"], "amount_wan": [180, 500, 320],
...     "category": ["public_service_centre", "supply_chain", "logistics"],
...     "funding_source": ["central"] * 3})
>>> check = check_budget(read_budget(budget), load_system("yunnan_2018"))
>>> check.passed
False
>>> print(check.violations[0].message_zh)
县级公共服务中心 占中央资金 18.0% > 15%
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ruralnet.exceptions import TargetsError
from ruralnet.programme.targets import FundRule, IndicatorSystem, read_table

logger = logging.getLogger(__name__)

CATEGORIES: dict[str, tuple[str, str]] = {
    "public_service_centre": ("县级公共服务中心", "county public service centre"),
    "service_stations": ("乡村服务站点", "township and village service stations"),
    "logistics": ("物流配送体系", "logistics and distribution"),
    "supply_chain": ("供应链 (分级包装预冷等流通设施)", "supply-chain facilities"),
    "branding": ("品牌培育", "branding"),
    "traceability": ("质量追溯", "quality traceability"),
    "marketing": ("营销服务", "marketing services"),
    "training": ("电商培训", "training"),
    "statistics": ("统计体系", "statistics"),
    "poverty_alleviation": ("电商扶贫", "poverty alleviation"),
    "publicity": ("宣传", "publicity"),
    "trading_platform": ("网络交易平台", "online trading platform"),
    "buildings": ("楼堂馆所", "office buildings"),
    "operating_costs": ("工作经费", "administrative operating costs"),
    "traffic_purchase": ("购买流量", "buying online traffic"),
    "other": ("其他", "other"),
}
"""Budget categories: id -> (Chinese, English)."""

FUNDING_SOURCES: dict[str, tuple[str, str]] = {
    "central": ("中央", "central"),
    "county": ("县级", "county"),
    "other": ("其他", "other"),
}
BUDGET_COLUMNS = ("line_item", "amount_wan", "category", "funding_source")


@dataclass(frozen=True)
class RuleCheck:
    """The outcome of one fund rule.

    Attributes
    ----------
    rule
        The rule checked.
    passed
        Whether the budget complies.
    figure
        The budget's figure: a share in percent, or an amount in 万元.
    message_zh, message_en
        The finding with its figures, e.g. ``县级公共服务中心 占中央资金 18.0% > 15%``.
    line_items
        Line items behind a forbidden-use, line or table finding.
    """

    rule: FundRule
    passed: bool
    figure: float
    message_zh: str
    message_en: str
    line_items: tuple[str, ...] = ()


@dataclass(frozen=True)
class BudgetCheck:
    """All fund-rule findings for one budget.

    Attributes
    ----------
    system_id
        The system whose rules were applied.
    checks
        One :class:`RuleCheck` per rule, in file order.
    totals_wan
        Total per funding source, in 万元.
    """

    system_id: str
    checks: tuple[RuleCheck, ...]
    totals_wan: tuple[tuple[str, float], ...]

    @property
    def passed(self) -> bool:
        """Whether every rule passed."""
        return all(c.passed for c in self.checks)

    @property
    def violations(self) -> tuple[RuleCheck, ...]:
        """The rules the budget breaks."""
        return tuple(c for c in self.checks if not c.passed)

    def to_frame(self) -> pd.DataFrame:
        """One row per rule: rule, kind, passed, figure, message, citation."""
        return pd.DataFrame([
            {"rule": c.rule.id, "kind": c.rule.kind, "passed": c.passed, "figure": c.figure,
             "message_zh": c.message_zh, "message_en": c.message_en,
             "citation": c.rule.citation} for c in self.checks
        ])

    def summary(self) -> str:
        """Text report: totals, then one PASS/FAIL line per rule with its figures."""
        totals = ", ".join(f"{FUNDING_SOURCES[k][0]} {v:,.1f} 万元" for k, v in self.totals_wan)
        lines = [f"资金规则 fund rules of {self.system_id}: {totals}"]
        for c in self.checks:
            flag = "PASS" if c.passed else "FAIL"
            lines.append(f"[{flag}] {c.message_zh} | {c.message_en}")
            if not c.passed:
                lines.append(f"       依据 rule: {c.rule.citation}")
        verdict = ("全部通过 all rules pass" if self.passed
                   else f"{len(self.violations)} 条违规 rule(s) broken")
        return "\n".join([*lines, verdict])


def read_budget(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Read and validate a budget CSV (or DataFrame).

    Returns
    -------
    pandas.DataFrame
        Columns of :data:`BUDGET_COLUMNS` (``amount_wan`` as float), any
        extra columns, and ``line`` (the file line of each row).

    Raises
    ------
    TargetsError
        Missing columns, empty file, non-numeric or negative amounts,
        unknown categories or funding sources, naming file and line.
    """
    name, frame = read_table(source)
    missing = [c for c in BUDGET_COLUMNS if c not in frame.columns]
    if missing:
        raise TargetsError(
            f"{name} 缺少列 {', '.join(missing)}; 需要 {', '.join(BUDGET_COLUMNS)}",
            f"{name} lacks column(s) {', '.join(missing)}; need {', '.join(BUDGET_COLUMNS)}",
            path=name,
        )
    if frame.empty:
        raise TargetsError(f"{name} 没有预算行", f"{name} has no budget lines", path=name)
    amounts = []
    for pos, rec in enumerate(frame.to_dict("records")):
        amounts.append(_check_line(name, pos + 2, rec))
    out = frame.copy()
    out["amount_wan"] = amounts
    out["category"] = out["category"].str.strip()
    out["funding_source"] = out["funding_source"].str.strip()
    out["line"] = range(2, len(out) + 2)
    logger.info("read %d budget lines (%.1f 万元) from %s", len(out), sum(amounts), name)
    return out


def _check_line(name: str, line: int, rec: dict[str, Any]) -> float:
    where_zh, where_en = f"{name} 第{line}行", f"{name} line {line}"
    text = str(rec["amount_wan"]).replace(",", "").strip()
    try:
        amount = float(text)
    except ValueError:
        amount = float("nan")
    if not amount >= 0:  # also catches NaN
        raise TargetsError(
            f"{where_zh}: 金额 {rec['amount_wan']!r} 须为 ≥ 0 的数 (万元)",
            f"{where_en}: amount_wan {rec['amount_wan']!r} must be a number >= 0 (万元)",
            path=name, line=line,
        )
    category = str(rec["category"]).strip()
    if category not in CATEGORIES:
        raise TargetsError(
            f"{where_zh}: 类别 {category!r} 未知; 可用: {', '.join(CATEGORIES)}",
            f"{where_en}: category {category!r} is unknown; use one of {', '.join(CATEGORIES)}",
            path=name, line=line,
        )
    source = str(rec["funding_source"]).strip()
    if source not in FUNDING_SOURCES:
        raise TargetsError(
            f"{where_zh}: 资金来源 {source!r} 无效, 应为 central, county 或 other",
            f"{where_en}: funding_source {source!r} is invalid; use central, county or other",
            path=name, line=line,
        )
    return amount


def check_budget(budget: pd.DataFrame | str | Path, system: IndicatorSystem) -> BudgetCheck:
    """Check a budget against every fund rule of ``system``.

    Shares are of the funds from the rule's sources only (central-fund
    rules ignore county money).

    Parameters
    ----------
    budget
        A budget from :func:`read_budget`, or a path to read.
    system
        The indicator system whose ``fund_rules`` apply.

    Returns
    -------
    BudgetCheck

    Raises
    ------
    TargetsError
        The system has no fund rules, or the budget is malformed.
    """
    if not system.fund_rules:
        raise TargetsError(
            f"指标体系 {system.id} 没有资金规则 (其文件未给出定量规则); 可用 yunnan_2018 或 "
            "anxi_2018",
            f"indicator system {system.id} has no fund rules (its document gives none "
            "that can be checked); try yunnan_2018 or anxi_2018",
            system=system.id,
        )
    if not (isinstance(budget, pd.DataFrame) and "line" in budget):
        budget = read_budget(budget)
    totals = budget.groupby("funding_source")["amount_wan"].sum()
    checks = tuple(_apply(rule, budget, system.fund_rules) for rule in system.fund_rules)
    for c in checks:
        logger.info("fund rule %s: %s", c.rule.id, c.message_en)
    return BudgetCheck(system.id, checks,
                       tuple((k, float(totals[k])) for k in FUNDING_SOURCES if k in totals))


def _source_label(rule: FundRule, lang: int) -> str:
    return "+".join(FUNDING_SOURCES[s][lang] for s in rule.funding_sources)


def _apply(rule: FundRule, budget: pd.DataFrame, rules: tuple[FundRule, ...] = ()) -> RuleCheck:
    pool = budget[budget["funding_source"].isin(rule.funding_sources)]
    total = float(pool["amount_wan"].sum())
    src_zh, src_en = _source_label(rule, 0), _source_label(rule, 1)
    if rule.kind == "line":
        return _line(rule, pool, src_zh, src_en)
    if rule.kind == "table":
        return _table(rule, pool, rules, src_zh, src_en)
    if rule.kind == "total":
        ok = abs(total - rule.amount_wan) < 1e-6  # type: ignore[operator]
        sign = "=" if ok else "≠"
        return RuleCheck(
            rule, ok, total,
            f"{rule.name_zh} {total:,.1f} 万元 {sign} {rule.amount_wan:,.1f} 万元",
            f"{rule.name_en}: {total:,.1f} wan yuan {sign} {rule.amount_wan:,.1f} wan yuan",
        )
    chosen = pool[pool["category"].isin(rule.categories)]
    amount = float(chosen["amount_wan"].sum())
    if rule.kind == "forbidden":
        items = tuple(chosen.loc[chosen["amount_wan"] > 0, "line_item"])
        if not items:
            return RuleCheck(rule, True, 0.0, f"{rule.name_zh}: 无 (0 万元)",
                             f"{rule.name_en}: none (0 wan yuan)")
        listed = "、".join(f"{i} (line {n})" for i, n in zip(
            chosen.loc[chosen["amount_wan"] > 0, "line_item"],
            chosen.loc[chosen["amount_wan"] > 0, "line"], strict=True))
        return RuleCheck(rule, False, amount,
                         f"{rule.name_zh}: {src_zh}资金 {amount:,.1f} 万元用于 {listed}",
                         f"{rule.name_en}: {amount:,.1f} wan yuan of {src_en} funds on "
                         f"{listed}", items)
    if total <= 0:
        return RuleCheck(rule, False, float("nan"),
                         f"{rule.name_zh}: 预算中没有{src_zh}资金, 无法计算占比",
                         f"{rule.name_en}: the budget has no {src_en} funds to take a share of")
    share = 100.0 * amount / total
    limit = rule.limit_pct
    ok = share <= limit + 1e-9 if rule.kind == "max_share" else share >= limit - 1e-9  # type: ignore[operator]
    if rule.kind == "max_share":
        sign = "≤" if ok else ">"
    else:
        sign = "≥" if ok else "<"
    return RuleCheck(
        rule, ok, share,
        f"{rule.name_zh} 占{src_zh}资金 {share:.1f}% {sign} {limit:g}%",
        f"{rule.name_en} takes {share:.1f}% of {src_en} funds {sign} {limit:g}%",
    )


def _where(rows: pd.DataFrame) -> str:
    return ", ".join(f"line {n}" for n in rows["line"])


def _line(rule: FundRule, pool: pd.DataFrame, src_zh: str, src_en: str) -> RuleCheck:
    """Check the document's amount on one line item from one source against the budget's."""
    rows = pool[pool["line_item"].str.strip() == rule.line_item]
    amount = float(rows["amount_wan"].sum())
    ok = abs(amount - rule.amount_wan) < 1e-6  # type: ignore[operator]
    where = f" ({_where(rows)})" if len(rows) else " (不在预算中 not in the budget)"
    sign = "=" if ok else "≠"
    return RuleCheck(
        rule, ok, amount,
        f"{rule.line_item} [{src_zh}] {amount:,.1f} 万元 {sign} 文件 {rule.amount_wan:,.1f} 万元"
        f"{where}",
        f"{rule.line_item} [{src_en}]: {amount:,.1f} wan yuan {sign} the document's "
        f"{rule.amount_wan:,.1f}{where}",
        tuple(rows["line_item"]))


def _table(rule: FundRule, pool: pd.DataFrame, rules: tuple[FundRule, ...], src_zh: str,
           src_en: str) -> RuleCheck:
    """Check that every budget line from the rule's sources is a line of the document's table."""
    known = {(r.line_item, r.funding_sources[0]) for r in rules if r.kind == "line"}
    unlisted = pd.Series([(str(i).strip(), f) not in known for i, f in
                          zip(pool["line_item"], pool["funding_source"], strict=True)],
                         index=pool.index, dtype=bool)
    extra = pool[unlisted & (pool["amount_wan"] > 0)]
    if not len(extra):
        return RuleCheck(rule, True, 0.0, f"{rule.name_zh}: {src_zh}资金各行均在文件资金表内",
                         f"{rule.name_en}: every {src_en} line is in the document's table")
    listed = "、".join(f"{i} {a:,.1f} 万元 (line {n})" for i, a, n in zip(
        extra["line_item"], extra["amount_wan"], extra["line"], strict=True))
    amount = float(extra["amount_wan"].sum())
    return RuleCheck(rule, False, amount,
                     f"{rule.name_zh}: 文件资金表没有的{src_zh}资金行: {listed}",
                     f"{rule.name_en}: {src_en} lines not in the document's table: {listed}",
                     tuple(extra["line_item"]))

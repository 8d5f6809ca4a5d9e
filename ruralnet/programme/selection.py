"""Rank candidate counties for the 贵州 2016 provincial demonstration selection.

The notice (``data/targets/guizhou_2016_selection.toml``) sets the rules:
each prefecture (市州) recommends at most 2 counties, directly administered
counties (省直管) apply themselves, counties already chosen (2015 national
or provincial, 2016 national) may not take part, and 12 are selected. It
names the criteria (rural logistics first: county→township and
township→village dispatch frequency; road and broadband reach; firms;
online sales; the 2016 national competitive-selection score) but gives no
weights, so the weights are ruralnet's documented default, changeable with
:meth:`SelectionRules.with_weights`.

Recommendation: when the facts carry each prefecture's own list
(``prefecture_order``), that list is used and a prefecture naming more than
2 forfeits all its places (一(四)); otherwise each prefecture's two best
scores stand in for its choice.

Scoring: each criterion is min–max normalised over the eligible counties
(all equal → 0), and a county's score is the weighted mean of its
normalised values over the criteria it has (an optional criterion left
blank drops out of that county's weights). Ties break by county name.

Examples
--------
>>> rules = load_rules()
>>> rules.n_selected, rules.max_per_prefecture
(12, 2)
>>> [c.column for c in rules.criteria][:2]
['county_to_township_trips_per_week', 'township_to_village_trips_per_week']
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from ruralnet.exceptions import InfeasibleError, TargetsError
from ruralnet.programme.targets import read_table, read_toml, resolve_system_path

logger = logging.getLogger(__name__)

FACT_COLUMNS = ("county", "prefecture", "already_selected")
ORDER_COLUMN = "prefecture_order"


@dataclass(frozen=True)
class Criterion:
    """One weighted selection criterion, a numeric column of the facts file.

    Attributes
    ----------
    column
        Column name in the county-facts CSV; ``*_share`` columns are
        percentages in [0, 100].
    name_zh, name_en
        Names for people.
    weight
        Non-negative weight (weights are normalised, so only ratios matter).
    citation
        Section of the notice the criterion comes from.
    optional
        Whether counties may leave it blank (e.g. no 2016 national score).
    """

    column: str
    name_zh: str
    name_en: str
    weight: float
    citation: str
    optional: bool = False

    def __post_init__(self) -> None:
        if not (isinstance(self.weight, int | float) and math.isfinite(self.weight)
                and self.weight >= 0):
            raise TargetsError(
                f"准则 {self.column} 的权重须 ≥ 0, 实为 {self.weight!r}",
                f"criterion {self.column}: weight must be >= 0, got {self.weight!r}",
                field="weight",
            )


@dataclass(frozen=True)
class SelectionRules:
    """Rules of a county selection.

    Attributes
    ----------
    id, name_zh, document
        Identifier, name and the notice they come from.
    criteria
        Weighted criteria.
    n_selected
        How many counties are selected (12 in 2016), >= 1.
    max_per_prefecture
        Recommendation cap per prefecture (2 in 2016), >= 1.
    excluded_labels
        ``already_selected`` values that bar a county.
    direct_label
        ``prefecture`` value of directly administered counties, which apply
        themselves and are outside the cap.
    order_weight, citation_order
        Weight of the prefecture's nomination order (推荐顺序) in the score,
        as a reference basis for the ranking: first nominee 1, last 0 (a
        county without an order drops the term, like a blank optional
        criterion); the section of the notice it comes from.
    """

    id: str
    name_zh: str
    document: str
    criteria: tuple[Criterion, ...]
    n_selected: int = 12
    max_per_prefecture: int = 2
    excluded_labels: tuple[str, ...] = ()
    direct_label: str = "省直管"
    order_weight: float = 0.0
    citation_order: str = ""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.order_weight) and self.order_weight >= 0):
            raise TargetsError(f"order_weight 须 ≥ 0, 实为 {self.order_weight!r}",
                               f"order_weight must be >= 0, got {self.order_weight!r}",
                               field="order_weight")
        for name in ("n_selected", "max_per_prefecture"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise TargetsError(f"{name} 须为 ≥ 1 的整数, 实为 {value!r}",
                                   f"{name} must be an integer >= 1, got {value!r}", field=name)
        if not self.criteria or sum(c.weight for c in self.criteria) <= 0:
            raise TargetsError("至少一个准则的权重须 > 0",
                               "at least one criterion needs a weight > 0", field="criteria")

    def with_weights(self, weights: Mapping[str, float]) -> SelectionRules:
        """Return rules with the given ``{column: weight}`` changed.

        Raises
        ------
        TargetsError
            A column that is not a criterion.
        """
        known = {c.column for c in self.criteria} | {ORDER_COLUMN}
        unknown = sorted(set(weights) - known)
        if unknown:
            raise TargetsError(f"未知准则 {unknown}; 可用: {', '.join(sorted(known))}",
                               f"unknown criteria {unknown}; known: {', '.join(sorted(known))}")
        criteria = tuple(replace(c, weight=float(weights.get(c.column, c.weight)))
                         for c in self.criteria)
        return replace(self, criteria=criteria,
                       order_weight=float(weights.get(ORDER_COLUMN, self.order_weight)))


def load_rules(name_or_path: str | Path = "guizhou_2016_selection", *,
               data_dir: Path | str | None = None) -> SelectionRules:
    """Load selection rules by id, alias or path (default: 贵州 2016).

    Raises
    ------
    TargetsError
        Unknown name or malformed file, naming the file.
    """
    path = resolve_system_path(name_or_path, data_dir=data_dir)
    data = read_toml(path)
    if data.get("kind") != "selection":
        raise TargetsError(f"{path} 不是评选规则 (kind={data.get('kind')!r})",
                           f"{path} is not a selection rule file (kind={data.get('kind')!r})",
                           path=str(path))
    try:
        criteria = tuple(
            Criterion(c["column"], c["name_zh"], c["name_en"], c["weight"], c["citation"],
                      bool(c.get("optional", False)))
            for c in data["criteria"])
        return SelectionRules(
            id=data["id"], name_zh=data["name_zh"], document=data["document"],
            criteria=criteria, n_selected=data["n_selected"],
            max_per_prefecture=data["max_per_prefecture"],
            excluded_labels=tuple(data.get("excluded_labels", ())),
            direct_label=data.get("direct_label", "省直管"),
            order_weight=float(data.get("order_weight", 0.0)),
            citation_order=data.get("citation_order", ""),
        )
    except KeyError as exc:
        raise TargetsError(f"{path} 缺少字段 {exc.args[0]}", f"{path} lacks field {exc.args[0]}",
                           path=str(path)) from None
    except TargetsError as exc:
        raise TargetsError(f"{path}: {exc.zh}", f"{path}: {exc.en}", path=str(path)) from exc


def read_county_facts(source: str | Path | pd.DataFrame, rules: SelectionRules) -> pd.DataFrame:
    """Read and validate a county-facts CSV for ``rules``.

    Needs ``county, prefecture, already_selected`` and one numeric column
    per criterion (non-negative; ``*_share`` in [0, 100]; blank allowed
    only for optional criteria). An optional ``prefecture_order`` column
    holds each prefecture's own recommendation (1, 2, or blank).

    Raises
    ------
    TargetsError
        Missing columns, duplicate counties, unknown ``already_selected``
        labels, or bad numbers, naming file and line.
    """
    name, frame = read_table(source)
    needed = [*FACT_COLUMNS, *(c.column for c in rules.criteria)]
    missing = [c for c in needed if c not in frame.columns]
    if ORDER_COLUMN in frame.columns:
        needed.append(ORDER_COLUMN)
    if missing:
        raise TargetsError(f"{name} 缺少列 {', '.join(missing)}",
                           f"{name} lacks column(s) {', '.join(missing)}", path=name)
    out = frame[needed].copy()
    for col in FACT_COLUMNS:
        out[col] = out[col].str.strip()
    dup = out["county"][out["county"].duplicated()].tolist()
    if dup:
        raise TargetsError(f"{name}: 县名重复 {dup}", f"{name}: duplicate counties {dup}",
                           path=name)
    allowed = {"", *rules.excluded_labels}
    for pos, label in enumerate(out["already_selected"]):
        if label not in allowed:
            raise TargetsError(
                f"{name} 第{pos + 2}行: already_selected {label!r} 无效; 可用: 空, "
                f"{', '.join(rules.excluded_labels)}",
                f"{name} line {pos + 2}: already_selected {label!r} is invalid; use blank or "
                f"{', '.join(rules.excluded_labels)}", path=name, line=pos + 2)
    for crit in rules.criteria:
        out[crit.column] = [_number(name, pos + 2, crit, v)
                            for pos, v in enumerate(out[crit.column])]
    if ORDER_COLUMN in out:
        out[ORDER_COLUMN] = [_order(name, pos + 2, v) for pos, v in enumerate(out[ORDER_COLUMN])]
    return out


def _order(name: str, line: int, raw: str) -> float:
    text = str(raw).strip()
    if text in ("", "nan"):
        return float("nan")
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not (value >= 1 and value.is_integer()):
        raise TargetsError(f"{name} 第{line}行: {ORDER_COLUMN} = {raw!r} 须为空或正整数",
                           f"{name} line {line}: {ORDER_COLUMN} = {raw!r} must be blank or a "
                           "whole number >= 1", path=name, line=line)
    return value


def _number(name: str, line: int, crit: Criterion, raw: str) -> float:
    text = str(raw).strip()
    if text in ("", "nan") and crit.optional:
        return float("nan")
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    high = 100.0 if crit.column.endswith("_share") else math.inf
    if not 0 <= value <= high:
        rng = "0–100" if high == 100.0 else "≥ 0"
        raise TargetsError(f"{name} 第{line}行: {crit.column} = {raw!r} 须在 {rng}",
                           f"{name} line {line}: {crit.column} = {raw!r} must be {rng}",
                           path=name, line=line)
    return value


@dataclass(frozen=True, eq=False)
class Selection:
    """Result of a county selection.

    Attributes
    ----------
    rules
        The rules applied (with the weights used).
    table
        One row per county: ``county, prefecture, eligible, score,
        prefecture_rank, recommended, rank, selected, reason`` and the
        normalised criteria (``n_<column>``), best first.
    selected
        Names of the selected counties, best first.
    """

    rules: SelectionRules
    table: pd.DataFrame
    selected: tuple[str, ...]

    def summary(self) -> str:
        """List the selected counties with scores, then the rest with the reason."""
        lines = [f"{self.rules.name_zh}: {len(self.selected)} selected"]
        for r in self.table.itertuples():
            score = "—" if pd.isna(r.score) else f"{r.score:.3f}"
            mark = "✓" if r.selected else " "
            lines.append(f"{mark} {r.county} ({r.prefecture}) score {score}: {r.reason}")
        return "\n".join(lines)


def select_counties(facts: pd.DataFrame | str | Path, rules: SelectionRules | None = None, *,
                    n_selected: int | None = None) -> Selection:
    """Rank candidates, apply the per-prefecture cap and the exclusions, select the best.

    Parameters
    ----------
    facts
        County facts (path or DataFrame, see :func:`read_county_facts`).
    rules
        Selection rules; 贵州 2016 by default.
    n_selected
        Override ``rules.n_selected``.

    Returns
    -------
    Selection

    Raises
    ------
    InfeasibleError
        Fewer eligible recommended counties than places, with the figures.
    TargetsError
        Malformed facts.
    """
    rules = rules or load_rules()
    if n_selected is not None:
        rules = replace(rules, n_selected=n_selected)
    table = read_county_facts(facts, rules)
    table["eligible"] = ~table["already_selected"].isin(rules.excluded_labels)
    table["score"] = _scores(table, rules)
    table = table.sort_values(["score", "county"], ascending=[False, True], na_position="last")
    table = _recommend(table, rules)
    recommended = table[table["recommended"]]
    if len(recommended) < rules.n_selected:
        raise InfeasibleError(
            f"只有 {len(recommended)} 个县可被推荐 (每市州至多 {rules.max_per_prefecture} 个, "
            f"排除已入选 {int((~table['eligible']).sum())} 个), 少于 {rules.n_selected} 个名额",
            f"only {len(recommended)} counties can be recommended (at most "
            f"{rules.max_per_prefecture} per prefecture, {int((~table['eligible']).sum())} "
            f"already selected), fewer than the {rules.n_selected} places",
            binding="n_selected", recommended=len(recommended), places=rules.n_selected,
        )
    ranks = {c: i + 1 for i, c in enumerate(recommended["county"])}
    table["rank"] = table["county"].map(ranks).astype("Int64")
    table["selected"] = table["rank"].le(rules.n_selected).fillna(False).astype(bool)
    table.loc[table["selected"], "reason"] = [
        f"入选 selected, rank {r}" for r in table.loc[table["selected"], "rank"]]
    table.loc[table["recommended"] & ~table["selected"], "reason"] = [
        f"推荐未入选 recommended, rank {r} > {rules.n_selected}"
        for r in table.loc[table["recommended"] & ~table["selected"], "rank"]]
    selected = tuple(table.loc[table["selected"], "county"])
    logger.info("selected %d of %d counties (%d eligible)", len(selected), len(table),
                int(table["eligible"].sum()))
    columns = ["county", "prefecture", "already_selected", "eligible", "score",
               "prefecture_rank", "recommended", "rank", "selected", "reason"]
    extra = [c for c in table.columns if c.startswith("n_")]
    return Selection(rules, table[columns + extra].reset_index(drop=True), selected)


def _scores(table: pd.DataFrame, rules: SelectionRules) -> pd.Series:
    eligible = table[table["eligible"]]
    weighted = pd.Series(0.0, index=table.index)
    weights = pd.Series(0.0, index=table.index)
    for crit in rules.criteria:
        col = table[crit.column]
        lo, hi = eligible[crit.column].min(), eligible[crit.column].max()
        norm = (col - lo) / (hi - lo) if hi > lo else col * 0.0
        table[f"n_{crit.column}"] = norm.round(6)
        have = col.notna()
        weighted[have] += crit.weight * norm[have]
        weights[have] += crit.weight
    if rules.order_weight > 0 and ORDER_COLUMN in table:
        order = table[ORDER_COLUMN].where(table["eligible"])
        lo, hi = order.min(), order.max()
        norm = (hi - order) / (hi - lo) if hi > lo else order * 0.0 + 1.0
        table[f"n_{ORDER_COLUMN}"] = norm.round(6)
        have = order.notna()
        weighted[have] += rules.order_weight * norm[have]
        weights[have] += rules.order_weight
    score = (weighted / weights.where(weights > 0)).round(6)
    return score.where(table["eligible"])


def _recommend(table: pd.DataFrame, rules: SelectionRules) -> pd.DataFrame:
    """Mark the recommended counties: the prefectures' own list, else their best two."""
    table = table.copy()
    cap = rules.max_per_prefecture
    direct = table["prefecture"] == rules.direct_label
    table["reason"] = ""
    if ORDER_COLUMN in table and table[ORDER_COLUMN].notna().any():
        nominated = table[ORDER_COLUMN].notna()
        counts = table[nominated & ~direct].groupby("prefecture").size()
        forfeit = table["prefecture"].isin(counts[counts > cap].index)
        table["prefecture_rank"] = table[ORDER_COLUMN].astype("Int64")
        table["recommended"] = table["eligible"] & (direct | (nominated & ~forfeit))
        table.loc[~nominated & ~direct, "reason"] = "市州未推荐 not nominated by its prefecture"
        table.loc[forfeit, "reason"] = [
            f"市州推荐 {counts[p]} 个 > {cap}, 视为放弃 (prefecture nominated {counts[p]} > "
            f"{cap}: forfeits)" for p in table.loc[forfeit, "prefecture"]]
    else:
        table["prefecture_rank"] = (
            table[table["eligible"]].groupby("prefecture").cumcount() + 1).astype("Int64")
        within_cap = table["prefecture_rank"].le(cap).fillna(False).astype(bool)
        table["recommended"] = table["eligible"] & (direct | within_cap)
        over = table["eligible"] & ~table["recommended"]
        table.loc[over, "reason"] = [
            f"市州内第{r}名, 超过推荐名额 {cap} (prefecture rank {r} > cap {cap})"
            for r in table.loc[over, "prefecture_rank"]]
    table.loc[~table["eligible"], "reason"] = [
        f"已入选 {label}, 不参与评选 excluded (already selected)"
        for label in table.loc[~table["eligible"], "already_selected"]]
    return table

"""Match the villages of a planner's file to the official list, with "did you mean" suggestions.

A row is matched by its official 12-digit code when the file has one;
otherwise by name inside its township (or in the whole county when the
file names no township or a township that is not on the list). Names are
compared without the suffixes bureaus add or leave out — 村民委员会, 居民委员会,
村委会, 居委会, 社区, 村 — so ``下西``, ``下西社区`` and ``下西社区居委会`` are one
place; when a village and a community share a base name the suffix the file
wrote decides. Rows that match nothing get the closest official names as
suggestions.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

_VILLAGE_SUFFIXES = ("村民委员会", "居民委员会", "村委会", "居委会", "村民委会", "委会", "社区",
                     "村")
SUGGEST_ROWS = 20
"""Unmatched rows that get "did you mean" suggestions (the messages show the first 10)."""

_TOWN_SUFFIXES = ("街道办事处", "街道", "民族乡", "镇", "乡")


def village_key(name: str) -> str:
    """Return a village name without spaces, brackets and administrative suffixes.

    Examples
    --------
    >>> village_key("下西社区居委会"), village_key("下西社区"), village_key(" 城东村 ")
    ('下西', '下西', '城东')
    >>> village_key("新村")  # a two-character name keeps its 村
    '新村'
    """
    s = re.sub(r"[\s（）()]", "", str(name))
    changed = True
    while changed:
        changed = False
        for suffix in _VILLAGE_SUFFIXES:
            if s.endswith(suffix) and len(s) - len(suffix) >= 2:
                s, changed = s[: -len(suffix)], True
                break
    return s


def town_key(name: str) -> str:
    """Return a township name without its 镇/乡/街道 suffix ("凤城镇" → "凤城")."""
    s = re.sub(r"\s", "", str(name))
    for suffix in _TOWN_SUFFIXES:
        if s.endswith(suffix) and len(s) - len(suffix) >= 2:
            return s[: -len(suffix)]
    return s


def _kind_hint(name: str) -> str | None:
    s = re.sub(r"\s", "", str(name))
    if "社区" in s or "居委" in s or "居民委员会" in s:
        return "community"
    if s.endswith(("村", "村委会", "村民委员会")):
        return "village"
    return None


@dataclass(frozen=True)
class NameMatch:
    """The result of matching a file's rows to the official village list.

    Attributes
    ----------
    index
        Per file row, the position in the official list (-1 when unmatched).
    problems
        Per unmatched row: ``(line, township, village, reason, suggestions)``.
    town_unknown
        Rows whose township is not on the list but whose village name is
        unique in the county (matched by it): ``(line, file's township,
        official township)``.
    """

    index: np.ndarray
    problems: list[tuple[int, str, str, str, list[str]]]
    town_unknown: list[tuple[int, str, str]]


def match_villages(df: pd.DataFrame, official: pd.DataFrame,
                   townships: pd.DataFrame) -> NameMatch:
    """Match each row of ``df`` (``township``, ``village``, ``village_id``) to ``official``.

    Parameters
    ----------
    df
        The file's rows with canonical column names and ``_line``.
    official
        Official villages: ``village_id``, ``name``, ``township_id``, ``kind``.
    townships
        Official townships: ``township_id``, ``name``.

    Returns
    -------
    NameMatch
    """
    town_of: dict[str, str] = {}
    for r in townships.itertuples():
        town_of.setdefault(str(r.name), r.township_id)
        town_of.setdefault(town_key(r.name), r.township_id)
    by_code = {str(c): i for i, c in enumerate(official["village_id"])}
    by_key: dict[tuple[str, str], list[int]] = {}
    county_key: dict[str, list[int]] = {}
    for i, r in enumerate(official.itertuples()):
        by_key.setdefault((r.township_id, village_key(r.name)), []).append(i)
        county_key.setdefault(village_key(r.name), []).append(i)
    names = official["name"].astype(str).to_numpy()
    kinds = official["kind"].astype(str).to_numpy()
    town_ids = official["township_id"].to_numpy()
    n = len(df)
    col = {c: (df[c].astype(str).to_numpy() if c in df.columns else np.full(n, ""))
           for c in ("township", "village", "village_id")}
    lines = df["_line"].to_numpy()
    out = np.full(n, -1)
    problems, unknown = [], []
    for i in range(n):
        code, town, vill = col["village_id"][i].strip(), col["township"][i].strip(), \
            col["village"][i].strip()
        if code in by_code:
            out[i] = by_code[code]
            continue
        if not vill and not code:
            problems.append((int(lines[i]), town, vill, "empty village name", []))
            continue
        tid = town_of.get(town) or town_of.get(town_key(town)) if town else None
        pool = by_key.get((tid, village_key(vill)), []) if tid else \
            county_key.get(village_key(vill), [])
        exact = [j for j in pool if names[j] == vill]
        hint = _kind_hint(vill)
        if len(pool) > 1 and not exact and hint:
            pool = [j for j in pool if kinds[j] == hint] or pool
        pool = exact or pool
        if len(pool) == 1:
            out[i] = pool[0]
            if town and not tid:
                unknown.append((int(lines[i]), town, _town_name(townships, town_ids[pool[0]])))
            continue
        line = int(lines[i])
        if len(pool) > 1:
            opts = [f"{names[j]}（{_town_name(townships, town_ids[j])}）" for j in pool]
            problems.append((line, town, vill, "ambiguous", opts))
            continue
        reason = "no such village" if tid or not town else "unknown township"
        if len(problems) >= SUGGEST_ROWS:  # only the first rows are shown: keep time bounded
            problems.append((line, town, vill, reason, []))
            continue
        scope = np.flatnonzero(town_ids == tid) if tid else np.arange(len(names))
        keys = [village_key(names[j]) for j in scope]
        close = difflib.get_close_matches(village_key(vill), keys, n=3, cutoff=0.5)
        sugg = [names[scope[keys.index(k)]] for k in close]
        if not sugg and tid:  # maybe the township is wrong: look county-wide
            sugg = [f"{names[j]}（{_town_name(townships, town_ids[j])}）"
                    for j in county_key.get(village_key(vill), [])]
        problems.append((line, town, vill, reason, sugg))
    return NameMatch(out, problems, unknown)


def _town_name(townships: pd.DataFrame, tid: str) -> str:
    hit = townships.loc[townships["township_id"] == tid, "name"]
    return str(hit.iloc[0]) if len(hit) else str(tid)


def describe_problems(problems: list[tuple[int, str, str, str, list[str]]],
                      unit: str = "line", limit: int = 10) -> tuple[str, str]:
    """Chinese and English lists of unmatched rows with their suggestions."""
    zh, en = [], []
    label_zh = "行" if unit == "line" else "个要素"
    for line, town, vill, reason, sugg in problems[:limit]:
        where = f"{town}/{vill}" if town else vill
        if reason == "ambiguous":
            zh.append(f"第 {line} {label_zh} {where}：有多个同名村 {'、'.join(sugg)}，请填写乡镇")
            en.append(f"{unit} {line} {where}: several villages of that name "
                      f"({', '.join(sugg)}); add the township")
            continue
        guess_zh = f"，是否指 {'、'.join(sugg)}？" if sugg else ""
        guess_en = f"; did you mean {', '.join(sugg)}?" if sugg else ""
        what_zh = {"unknown township": "乡镇不在官方名单中", "empty village name": "村名为空"}.get(
            reason, "不在官方名单中")
        zh.append(f"第 {line} {label_zh} {where}{what_zh}{guess_zh}")
        en.append(f"{unit} {line} {where}: {reason}{guess_en}")
    more = len(problems) - limit
    if more > 0:
        zh.append(f"另有 {more} 行")
        en.append(f"and {more} more")
    return "；".join(zh), "; ".join(en)

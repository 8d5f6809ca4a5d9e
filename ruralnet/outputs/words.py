"""Printed words of the outputs: status words, yes/no, kinds, sources, readable numbers.

:data:`STATUS_WORDS` maps the scorecard's status values to the words printed;
a status it does not know is printed as it is, so a new verdict word never
breaks the report (add it to the table).

Examples
--------
>>> pct(0.80135), pct(None), num(1234.56), num(12.0), num(0.4567, 2)
('80.1%', '—', '1,235', '12', '0.46')
>>> status_word("met", "zh"), status_word("met", "both"), status_word("unheard of", "zh")
('已达标', '已达标 met', 'unheard of')
>>> pick("甲", "A", "both"), pick("甲", "A", "en")
('甲 A', 'A')
"""

from __future__ import annotations

import math
from typing import Any

LANGS = ("zh", "en", "both")
#: scorecard status value → (中文, English); extend when the scorecard gains a verdict word
#: (the words match ruralnet.programme.scorecard.STATUS_ZH where both name a status)
STATUS_WORDS: dict[str, tuple[str, str]] = {
    "met": ("已达标", "met"),
    "not met": ("未达标", "not met"),
    "at risk": ("有风险", "at risk"),
    "awaiting data": ("待填报", "awaiting data"),
    "designed to meet": ("规划达标", "designed to meet"),
    "designed short": ("规划未达", "designed short"),
    "proposed": ("拟建", "proposed"),
    "stretch reached": ("力争目标已达", "stretch reached"),
    "stretch not reached": ("力争目标未达", "stretch not reached"),
    "on track": ("按计划推进", "on track"),
    "behind": ("进度滞后", "behind"),
    "not applicable": ("不适用", "not applicable"),
}
STATUS_FILL = {"met": "#d4edda", "designed to meet": "#e3f2e8", "stretch reached": "#d4edda",
               "on track": "#d4edda", "not met": "#f8d7da", "designed short": "#fbe3e5",
               "behind": "#f8d7da", "at risk": "#fff3cd", "proposed": "#e0ecff",
               "stretch not reached": "#f3f4f6", "awaiting data": "#e2e3e5"}
MODE_WORDS = {"two_tier": ("县—乡—村两级配送（干线到乡镇站，支线到村）",
                           "two tiers (trunk to township stations, feeders to villages)"),
              "direct": ("县仓直达到村", "direct from the county warehouse to villages"),
              "auto": ("自动选择配送模式", "mode chosen automatically")}
KIND_WORDS = {"village": ("行政村", "village"), "community": ("社区", "community"),
              "other": ("其他", "other")}
SOURCE_WORDS = {"synthetic": ("合成", "synthetic"), "user": ("规划单位提供", "planner's file"),
                "osm": ("OpenStreetMap", "OpenStreetMap"), "official": ("官方资料", "official"),
                "geonames": ("GeoNames", "GeoNames")}
YES_NO = {True: ("是", "yes"), False: ("否", "no")}


def pick(zh: str, en: str, lang: str) -> str:
    """Return the text for ``lang``: Chinese, English or ``"中文 English"``."""
    return zh if lang == "zh" else en if lang == "en" else f"{zh} {en}"


def words(table: dict[Any, tuple[str, str]], key: Any, lang: str) -> str:
    """Look ``key`` up in a (中文, English) table; unknown keys are printed as they are."""
    if key not in table:
        return "" if key is None else str(key)
    return pick(*table[key], lang)


def status_word(status: Any, lang: str = "zh") -> str:
    """Return the printed word of a scorecard status (see :data:`STATUS_WORDS`)."""
    return words(STATUS_WORDS, status, lang)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def pct(share: Any, digits: int = 1) -> str:
    """Format a share (0.801) as a percentage (``80.1%``); missing values as a dash."""
    if _missing(share):
        return "—"
    return f"{100 * float(share):.{digits}f}%"


def num(value: Any, digits: int = 0) -> str:
    """Format a number for reading: thousands separators, ``digits`` decimals, no ``.0``."""
    if _missing(value):
        return "—"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    text = f"{float(value):,.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text




def reason_text(entry: dict[str, Any], lang: str = "zh") -> str:
    """Return the printed reason of an ``unserved`` entry: its ``zh``/``en`` text or code."""
    zh = entry.get("zh") or entry.get("reason") or "未记录原因"
    en = entry.get("en") or entry.get("reason") or "no reason recorded"
    return pick(zh, en, lang)

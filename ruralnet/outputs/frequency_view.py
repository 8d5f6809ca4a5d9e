"""The week's cost in the outputs: the frequency curve (频次), the daily plan repeated, far runs.

Read from plan.json's ``weekly.frequency`` (cells of daily share × minimum
visits a week, :mod:`ruralnet.routing.frequency`), ``weekly.costs`` (the
week against running the daily plan every day, same run) and
``multi_day.village_runs`` (far villages' runs). :func:`frequency_frame` is
the Excel sheet 频次 and ``frequency.csv``; :func:`frequency_blocks` the
report's table beside the fleet-versus-coverage curve; :func:`write_week_csv`
writes ``frequency.csv`` and ``village_runs.csv`` when there is something to
write.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ruralnet._io import atomic_path
from ruralnet.outputs.blocks import Block, frame_of
from ruralnet.outputs.weekly_view import run_rows
from ruralnet.outputs.words import pick

__all__ = ["comparison_blocks", "frequency_blocks", "frequency_frame", "write_week_csv"]

FREQ_COLUMNS = ["每日比例目标 daily share target", "每周最少次数 min visits a week",
                "可行 feasible", "每日比例 daily share", "达到次数比例 share with min visits",
                "周成本（元） cost a week (yuan)", "车辆 vehicles", "原因 reason"]


def _cells(plan: Any) -> list[dict[str, Any]]:
    d = getattr(plan, "data", plan)
    return ((d.get("weekly") or {}).get("frequency") or {}).get("cells", [])


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def frequency_frame(plan: Any) -> pd.DataFrame:
    """Return the 频次 table: one row per cell (empty without a frequency curve)."""
    rows = [[f"{100 * c['daily_share_target']:.0f}%", c["min_visits"],
             "是 yes" if c["feasible"] else "否 no", _pct(c["daily_share"]),
             _pct(c["weekly_share"]), c["cost_per_week"], c["vehicles"],
             " | ".join(x for x in (c["zh"], c["en"]) if x)] for c in _cells(plan)]
    return pd.DataFrame(rows, columns=FREQ_COLUMNS)


def frequency_blocks(plan: Any, lang: str) -> list[Block]:
    """Return the report's frequency table (nothing without a frequency curve)."""
    cells = _cells(plan)
    if not cells:
        return []
    rows = [{"每日": f"{100 * c['daily_share_target']:.0f}%", "次/周": str(c["min_visits"]),
             "周成本（元）": "—" if c["cost_per_week"] is None else f"{c['cost_per_week']:,.0f}",
             "车辆": "—" if c["vehicles"] is None else str(c["vehicles"]),
             "说明": pick(c["zh"], c["en"], lang) if not c["feasible"] else pick("可行", "feasible",
                                                                               lang)}
            for c in cells]
    cols = [("每日", "daily share"), ("次/周", "min visits/week"), ("周成本（元）", "cost a week"),
            ("车辆", "vehicles"), ("说明", "note")]
    return [Block("h3", pick("频次曲线：每日比例 × 每周最少次数", "Frequency curve: daily share "
                             "× minimum visits a week", lang)),
            Block("p", pick("每格重新规划一周（同一次运行）；周成本含线路、多日干线、专线与站点"
                            "固定成本。不可行的格子写明原因。",
                            "Each cell is the week re-planned (same run); the week's cost "
                            "counts routes, multi-day loops, far villages' runs and the sites' "
                            "fixed cost. Infeasible cells say why.", lang)),
            Block("table", frame=frame_of(rows, cols, lang), cls="frequency")]


def comparison_blocks(plan: Any, lang: str) -> list[Block]:
    """Return the line comparing the week with the daily plan run every day."""
    d = getattr(plan, "data", plan)
    c = (d.get("weekly") or {}).get("costs") or {}
    if not c.get("daily_plan_repeated_per_week"):
        return []
    week, rep, ratio = c["total_per_week"], c["daily_plan_repeated_per_week"], \
        c.get("ratio_to_daily_repeated")
    return [Block("p", pick(
        f"周计划成本 {week:,.0f} 元/周，每日方案每天照跑 {rep:,.0f} 元/周（同一次运行），"
        f"比值 {ratio}。每日方案只服务每日村；周计划另外按班次服务其余行政村。",
        f"The week costs {week:,.0f} yuan against {rep:,.0f} yuan for the daily plan run "
        f"every day (same run): ratio {ratio}. The daily plan serves the daily villages only; "
        "the week also serves every other 行政村 on its pattern.", lang))]


def write_week_csv(plan: Any, folder: Path) -> list[str]:
    """Write ``frequency.csv`` and ``village_runs.csv`` where the plan has them; return names."""
    out = []
    tables = [("frequency.csv", frequency_frame(plan)),
              ("village_runs.csv", pd.DataFrame(run_rows(plan)))]
    for name, table in tables:
        if table.empty:
            continue
        with atomic_path(folder / name) as tmp:
            table.to_csv(tmp, index=False, encoding="utf-8-sig")
        out.append(name)
    return out

"""What 较高频 costs: the week's cost and vehicles per daily share × minimum visits a week.

:func:`frequency_curve` re-runs the planner for each cell of a grid, daily
share of 行政村 (default 80 / 90 / 100 %) × minimum visits a week of every
other 行政村 (default 1 / 2 / 3): the day plan at that coverage target, the
week's feeders around it (:func:`ruralnet.routing.weekly.plan_weekly_feeders`)
and, in a remote county, the loops and far villages' runs. The planners are
passed in as callables (the plan layer binds them to its county), so this
module only assembles the figures. A cell whose day plan is infeasible, or
reaches less than its daily share, is marked infeasible with the reason
(e.g. 100 % daily is impossible when a village cannot be reached in a day).

The week's cost of a cell is: the week's feeders + horizon × (trunk and
direct routes, remote loops, sites' fixed cost a day) + the loops'
service-day feeders + the far villages' runs. Vehicles are the trunk and
direct vehicles of the day plan, the most feeders of any day per kind, the
loops' trucks and one per far-village run. Heuristic searches: a cell's
cost is the plan found within its budget, not a proven optimum, so a
tighter cell may now and then come out cheaper.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ruralnet._validate import bad_value
from ruralnet.exceptions import InfeasibleError

__all__ = ["FrequencyCell", "frequency_curve", "week_figures"]


@dataclass(frozen=True)
class FrequencyCell:
    """One cell of the frequency curve; ``reason_zh``/``reason_en`` say why it is infeasible."""

    daily_share_target: float
    min_visits: int
    feasible: bool
    daily_share: float | None
    weekly_share: float | None
    cost_per_week_yuan: float | None
    vehicles: int | None
    reason_zh: str
    reason_en: str
    runtime_s: float

    def to_dict(self) -> dict[str, Any]:
        """Return the plan.json record of the cell."""
        return {"daily_share_target": self.daily_share_target, "min_visits": self.min_visits,
                "feasible": self.feasible, "daily_share": self.daily_share,
                "weekly_share": self.weekly_share, "cost_per_week": self.cost_per_week_yuan,
                "vehicles": self.vehicles, "zh": self.reason_zh, "en": self.reason_en,
                "runtime_s": round(self.runtime_s, 1)}


def _vehicles(routes) -> dict[tuple[str, str], int]:
    """Count the distinct vehicles per (tier, vehicle kind) of one day's routes."""
    seen: dict[tuple[str, str], set[str]] = {}
    for r in routes:
        seen.setdefault((r.tier, r.vehicle_type), set()).add(r.vehicle or r.id)
    return {k: len(v) for k, v in seen.items()}


def week_figures(daily: Any, week: Any, remote: Any, far: Any, *, admin: set[int],
                 horizon_days: int, fixed_per_day: float = 0.0) -> dict[str, float]:
    """Return a week's daily and visited shares, ``min_share(k)``, cost and vehicles.

    A village counts by its visits in the week's patterns, the loops'
    service days and its run (a village hosting a station but on no route
    is not counted daily here).

    Parameters
    ----------
    daily, week
        The day plan and its :class:`~ruralnet.routing.weekly.WeeklyResult`.
    remote, far
        The :class:`~ruralnet.routing.remote.RemotePlan` and
        :class:`~ruralnet.routing.far_villages.FarVillages`, or ``None``.
    admin
        Points of the administrative villages (行政村) counted in the shares.
    horizon_days
        Days of the week.
    fixed_per_day
        Sites' fixed cost a day.
    """
    H = horizon_days
    visits = {q: len(days) for q, days in week.pattern.items()}
    loops = remote.loops if remote is not None else ()
    for lp in loops:
        for r in lp.feeder_routes:
            for s in r.stops:
                visits[s.point] = max(visits.get(s.point, 0), len(lp.pattern))
    for run in far.runs if far is not None else ():
        visits[run.village] = max(visits.get(run.village, 0), len(run.days))
    n = len(admin) or 1
    tiers: dict[str, float] = {}
    kinds: dict[tuple[str, str], int] = {}
    for r in daily.routes:
        tiers[r.tier] = tiers.get(r.tier, 0.0) + r.cost_yuan
    for (tier, kind), count in _vehicles(daily.routes).items():
        if tier != "feeder":
            kinds[(tier, kind)] = count
    for day in week.days:  # vehicles, not trips (a vehicle with max_trips > 1: one route a trip)
        for (_, k), c in _vehicles(day).items():
            kinds[("feeder", k)] = max(kinds.get(("feeder", k), 0), c)
    loop_feeders = sum(len(lp.pattern) * sum(r.cost_yuan for r in lp.feeder_routes)
                       for lp in loops)
    cost = (week.cost_yuan + H * (tiers.get("trunk", 0.0) + tiers.get("direct", 0.0)
                                  + sum(lp.cost_per_day_yuan for lp in loops) + fixed_per_day)
            + loop_feeders + (far.cost_per_week_yuan if far is not None else 0.0))
    vehicles = (sum(kinds.values()) + sum(lp.trucks + len({r.vehicle for r in lp.feeder_routes})
                                          for lp in loops)
                + (len(far.runs) if far is not None else 0))
    return {"daily_share": round(sum(1 for q in admin if visits.get(q, 0) >= H) / n, 4),
            "visited_share": round(sum(1 for q in admin if visits.get(q, 0) >= 1) / n, 4),
            "min_share": lambda k: sum(1 for q in admin if visits.get(q, 0) >= k) / n,
            "cost_per_week": round(cost, 2), "vehicles": vehicles}


def frequency_curve(day_plan: Callable[[float], tuple[Any, Any]],
                    week_plan: Callable[[Any, int], Any],
                    far_plan: Callable[[Any, int], Any] | None = None, *,
                    admin: set[int], horizon_days: int = 7, fixed_per_day: float = 0.0,
                    shares: Sequence[float] = (0.8, 0.9, 1.0),
                    visits: Sequence[int] = (1, 2, 3)) -> tuple[FrequencyCell, ...]:
    """Plan each cell of daily share × minimum visits a week; return the cells.

    Parameters
    ----------
    day_plan
        ``share → (daily result, remote plan or None)``: the day plan at
        coverage target ``share``; may raise :class:`InfeasibleError`.
    week_plan
        ``(daily result, visits) → WeeklyResult``.
    far_plan
        ``(remote plan or None, visits) → FarVillages or None`` (``None``:
        no far villages).
    admin, horizon_days, fixed_per_day
        As for :func:`week_figures`.
    shares, visits
        The grid, in increasing order.

    Returns
    -------
    tuple of FrequencyCell
        Share-major order.
    """
    if any(not 0 < s <= 1 for s in shares):
        raise bad_value("shares", "in (0, 1]", tuple(shares))
    if any(not 1 <= k <= horizon_days for k in visits):
        raise bad_value("visits", f"in [1, {horizon_days}]", tuple(visits))
    out = []
    for share in shares:
        t0 = time.perf_counter()
        try:
            daily, remote = day_plan(share)
        except InfeasibleError as err:
            out += [FrequencyCell(share, k, False, None, None, None, None,
                                  f"每日 {100 * share:.0f}% 无解：{err.zh}",
                                  f"{100 * share:.0f}% daily is infeasible: {err.en}",
                                  time.perf_counter() - t0) for k in visits]
            continue
        for k in visits:
            t1 = time.perf_counter()
            try:
                week = week_plan(daily, k)
            except InfeasibleError as err:
                out.append(FrequencyCell(share, k, False, None, None, None, None,
                                         f"每周 {k} 次无解：{err.zh}",
                                         f"{k} visits a week infeasible: {err.en}",
                                         time.perf_counter() - t1))
                continue
            far = far_plan(remote, k) if far_plan is not None else None
            f = week_figures(daily, week, remote, far, admin=admin, horizon_days=horizon_days,
                             fixed_per_day=fixed_per_day)
            short_daily = f["daily_share"] < share - 1e-6
            short_week = f["min_share"](k) < 1 - 1e-6
            zh, en = [], []
            if short_daily:
                zh.append(f"每日配送仅达 {100 * f['daily_share']:.1f}%（目标 {100 * share:.0f}%）")
                en.append(f"only {100 * f['daily_share']:.1f}% daily (target {100 * share:.0f}%)")
                n_loops = len(remote.loops) if remote is not None else 0
                n_runs = len(far.runs) + len(far.impossible) if far is not None else 0
                if n_loops or n_runs:  # the binding figure: what no day can reach
                    zh.append(f"{n_loops} 个乡镇站无每日干线，{n_runs} 个村日间支线到不了")
                    en.append(f"{n_loops} stations get no daily trunk, {n_runs} villages no "
                              "day feeder reaches")
            if short_week:
                zh.append(f"每周至少 {k} 次的行政村仅 {100 * f['min_share'](k):.1f}%")
                en.append(f"only {100 * f['min_share'](k):.1f}% of 行政村 get {k} visits a week")
            out.append(FrequencyCell(share, k, not (short_daily or short_week),
                                     f["daily_share"], round(f["min_share"](k), 4),
                                     f["cost_per_week"], f["vehicles"], "；".join(zh),
                                     "; ".join(en), time.perf_counter() - t1))
    return tuple(out)

"""Villages no day feeder reaches: a multi-day run instead of no visit (偏远村多日支线).

A feeder of a daily station leaves after the trunk has arrived and been
unloaded, and must be back by the end of the day; in a remote county
(改则县, 墨脱县) many villages are farther than that. Each such village gets
a **dedicated run** from its township station on a fixed pattern of days:

* ``same_day``: the round trip fits one shift when the vehicle leaves at
  the start of the day (it carries the parcels that reached the station up
  to the previous evening, so it need not wait for the day's trunk);
* ``overnight``: the vehicle drives out ``days_out`` shifts, serves the
  village, stays overnight, and drives back ``days_back`` shifts; one
  vehicle repeats the run every ``cycle_days = days_out + days_back`` days.

Visit days are evenly spaced (:func:`ruralnet.routing.periodic.day_patterns`),
as many as ``min_visits_per_week`` when the cycle allows (fewer otherwise),
and, for a station served by a multi-day trunk loop, only on the loop's
service days (parcels reach the station only then). Each visit brings what
accumulated since the previous one. A village even this cannot serve (no
road, a cycle longer than the horizon, a load no feeder carries) is listed
with the binding figure. Runs are not pooled: one vehicle per run.

Examples
--------
>>> import numpy as np
>>> d = np.array([[0, 200_000], [200_000, 0]])        # 200 km, 40 km/h: 5 h each way
>>> r = plan_far_villages(d, d // 11, [(1, 0, None, 30.0, 9.0)],
...                       feeder_fleet=[FleetType("面包车", 800)], params=DailyRoutingParams())
>>> run = r.runs[0]
>>> run.kind, run.cycle_days, run.days, run.deliver_kg
('same_day', 1, (0, 3), (120.0, 90.0))
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ruralnet._validate import bad_value
from ruralnet.routing.compiled import travel_matrix_of
from ruralnet.routing.daily import DailyRoutingParams, FleetType
from ruralnet.routing.model import Client, Depot, RoutingProblem
from ruralnet.routing.periodic import day_patterns

__all__ = ["FarRun", "FarVillages", "plan_far_villages", "run_gaps", "shift_reach"]

#: Travel times at or above this (seconds) mean no road.
NO_ROAD_S = 10**8


@dataclass(frozen=True)
class FarRun:
    """A village's dedicated multi-day (or early same-day) run from its station.

    ``days`` are 0-based start days in the horizon; ``deliver_kg`` and
    ``pickup_kg`` are per visit (days accumulated since the previous visit);
    times are minutes of the chosen vehicle.
    """

    village: int
    station: int
    kind: str
    vehicle_type: str
    capacity_kg: float
    one_way_min: float
    back_min: float
    shift_min: float
    days_out: int
    days_back: int
    cycle_days: int
    days: tuple[int, ...]
    deliver_kg: tuple[float, ...]
    pickup_kg: tuple[float, ...]
    out_km: float
    back_km: float
    cost_per_week_yuan: float
    short_of_target: bool

    def figures(self) -> tuple[str, str]:
        """Return the binding figure and the run in Chinese and English."""
        h, b, s = self.one_way_min / 60, self.back_min / 60, self.shift_min / 60
        if self.kind == "same_day":
            return (f"单程 {h:.1f} 小时，日间支线时间不足；早班专线往返 {h + b:.1f} 小时 ≤ 班次 "
                    f"{s:.1f} 小时，每周 {len(self.days)} 次",
                    f"one-way {h:.1f} h, too far for the day's feeders; an early dedicated run, "
                    f"round trip {h + b:.1f} h ≤ shift {s:.1f} h, {len(self.days)} a week")
        return (f"单程 {h:.1f} 小时，往返 {h + b:.1f} 小时 > 班次 {s:.1f} 小时；"
                f"{self.cycle_days} 天过夜专线，每周 {len(self.days)} 次",
                f"one-way {h:.1f} h, round trip {h + b:.1f} h > shift {s:.1f} h; "
                f"a {self.cycle_days}-day overnight run, {len(self.days)} a week")


@dataclass(frozen=True)
class FarVillages:
    """The runs, and the villages even a multi-day run cannot serve.

    ``impossible`` holds ``(village, station, reason, zh, en)`` rows.
    """

    horizon_days: int
    min_visits_per_week: int
    runs: tuple[FarRun, ...]
    impossible: tuple[tuple[int, int, str, str, str], ...]

    @property
    def cost_per_week_yuan(self) -> float:
        """Return the runs' cost of a week."""
        return round(sum(r.cost_per_week_yuan for r in self.runs), 2)


def shift_reach(one_way_min: float, back_min: float, service_min: float,
                shift_min: float) -> tuple[str, int, int]:
    """Tell whether out, service and back fit one shift; else the whole shifts each way takes.

    The one rule of "reach against the shift" of remote stations
    (:mod:`ruralnet.routing.remote`) and far villages' runs: ``("same_day",
    1, 0)`` when ``one_way + service + back <= shift``; otherwise
    ``"one_way_over_shift"`` (driving out and serving already exceed a
    shift) or ``"round_trip_over_shift"``, with ``days_out = ⌈(one_way +
    service) / shift⌉`` and ``days_back = ⌈back / shift⌉`` (an overnight stay
    at the far end between them).

    >>> shift_reach(500, 500, 15, 660)
    ('round_trip_over_shift', 1, 1)
    >>> shift_reach(700, 700, 15, 660)
    ('one_way_over_shift', 2, 2)
    >>> shift_reach(300, 300, 15, 660)
    ('same_day', 1, 0)
    """
    if one_way_min + service_min + back_min <= shift_min:
        return "same_day", 1, 0
    kind = "one_way_over_shift" if one_way_min + service_min > shift_min else \
        "round_trip_over_shift"
    return (kind, max(1, math.ceil((one_way_min + service_min) / shift_min)),
            max(1, math.ceil(back_min / shift_min)))


def run_gaps(days: Sequence[int], horizon_days: int) -> list[int]:
    """Return, per visit day, the days since the previous visit (cyclic horizon).

    >>> run_gaps([0, 3], 7)
    [4, 3]
    """
    s = sorted(days)
    return [(d - s[i - 1]) % horizon_days or horizon_days for i, d in enumerate(s)]


def _pick_days(horizon: int, want: int, cycle: int,
               allowed: Sequence[int] | None) -> tuple[int, ...]:
    """Return evenly spaced start days, at least ``cycle`` apart, within ``allowed``."""
    if cycle > horizon:
        return ()
    ok = set(range(horizon)) if allowed is None else set(allowed)
    even: tuple[int, ...] = ()
    for n in range(min(want, horizon // cycle), 0, -1):
        even = next((tuple(p) for p in day_patterns(horizon, n)
                     if set(p) <= ok and min(run_gaps(p, horizon)) >= cycle), ())
        if even:
            break
    # allowed days not evenly spaced (a loop's service days): greedy, ``cycle`` apart
    picked: list[int] = []
    for d in sorted(ok):
        if len(picked) < want and (not picked or d - picked[-1] >= cycle) and (
                not picked or picked[0] + horizon - d >= cycle):
            picked.append(d)
    return even if len(even) >= len(picked) else tuple(picked)


def _times(dist: np.ndarray, dur: np.ndarray, station: int, village: int,
           fleet: Sequence[FleetType], params: DailyRoutingParams) -> list[tuple[float, float]]:
    """Return each feeder kind's (one-way, back) minutes between station and village."""
    ix = np.ix_([station, village], [station, village])
    day0, day1 = params.day_start_min * 60, params.day_end_min * 60
    p = RoutingProblem(depots=(Depot(tw_early_s=day0, tw_late_s=day1),),
                       clients=(Client(),),
                       vehicle_types=tuple(f.vehicle_type(0, day0, day1) for f in fleet),
                       distance_m=np.asarray(dist)[ix].astype(np.int64),
                       duration_s=np.asarray(dur)[ix].astype(np.int64))
    out = []
    for t in p.vehicle_types:
        m = travel_matrix_of(p, t)
        out.append((float(m[0, 1]) / 60, float(m[1, 0]) / 60))
    return out


def plan_far_villages(distance_m: np.ndarray, duration_s: np.ndarray,
                      items: Sequence[tuple[int, int, Sequence[int] | None, float, float]], *,
                      feeder_fleet: Sequence[FleetType], params: DailyRoutingParams | None = None,
                      horizon_days: int = 7, min_visits_per_week: int = 2) -> FarVillages:
    """Plan a dedicated run for each village no day feeder reaches.

    Parameters
    ----------
    distance_m, duration_s
        Matrices over the routing's points.
    items
        ``(village, station, allowed_days, delivery_kg, pickup_kg)`` per
        village: points, the 0-based days its station has parcels (``None``:
        every day), and its daily demand.
    feeder_fleet
        The feeder kinds; the cheapest one a week that fits is used.
    params
        The day's rules (working day, village service time).
    horizon_days, min_visits_per_week
        The week and the visits aimed for.

    Returns
    -------
    FarVillages
    """
    params = params or DailyRoutingParams()
    if not 1 <= min_visits_per_week <= horizon_days:
        raise bad_value("min_visits_per_week", f"in [1, {horizon_days}]", min_visits_per_week)
    day = float(params.day_end_min - params.day_start_min)
    service = float(params.village_service_min)
    dist = np.asarray(distance_m)
    runs, impossible = [], []
    for village, station, allowed, dlv, pck in items:
        best: FarRun | None = None
        why: tuple[str, str, str] | None = None
        for f, (go, back) in zip(feeder_fleet, _times(dist, duration_s, station, village,
                                                      feeder_fleet, params), strict=True):
            shift = min(day, f.max_duration_min or day)
            if max(go, back) * 60 >= NO_ROAD_S:
                why = ("no_road", "无道路可达", "no road reaches it")
                continue
            reach, out_d, back_d = shift_reach(go, back, service, shift)
            kind = "same_day" if reach == "same_day" else "overnight"
            cycle = out_d + back_d
            days = _pick_days(horizon_days, min_visits_per_week, cycle, allowed)
            if not days:
                why = ("cycle_over_horizon",
                       f"单程 {go / 60:.1f} 小时，专线需 {cycle} 天，超过 {horizon_days} 天周期"
                       "（或所属站无可用配送日）",
                       f"one-way {go / 60:.1f} h: a run takes {cycle} days, more than the "
                       f"{horizon_days}-day horizon (or its station has no usable day)")
                continue
            g = run_gaps(days, horizon_days)
            loads = [round(x * dlv, 2) for x in g], [round(x * pck, 2) for x in g]
            if max(max(loads[0]), max(loads[1])) > f.capacity_kg:
                why = ("capacity", f"每次累计货量 {max(max(loads[0]), max(loads[1])):.0f} kg "
                       f"超过 {f.name} 载重 {f.capacity_kg:.0f} kg",
                       f"{max(max(loads[0]), max(loads[1])):.0f} kg accumulated per visit "
                       f"exceeds the {f.name}'s {f.capacity_kg:.0f} kg")
                continue
            out_km, back_km = dist[station, village] / 1000, dist[village, station] / 1000
            cost = len(days) * (f.fixed_cost_yuan * cycle
                                + f.cost_per_km_yuan * (out_km + back_km))
            run = FarRun(int(village), int(station), kind, f.name, float(f.capacity_kg),
                         round(go, 1), round(back, 1), shift, out_d, back_d, cycle, days,
                         tuple(loads[0]), tuple(loads[1]), round(float(out_km), 2),
                         round(float(back_km), 2), round(float(cost), 2),
                         len(days) < min_visits_per_week)
            if best is None or (len(run.days), -run.cost_per_week_yuan) > (
                    len(best.days), -best.cost_per_week_yuan):
                best = run
        if best is not None:
            runs.append(best)
        else:
            reason, zh, en = why or ("no_feeder", "无支线车型", "no feeder kind")
            impossible.append((int(village), int(station), reason, zh, en))
    return FarVillages(horizon_days, min_visits_per_week, tuple(runs), tuple(impossible))


def far_items(remote, *, stations: Sequence[int], villages: Sequence[int],
              catchments: Sequence[Sequence[int]], delivery_kg: Sequence[float],
              pickup_kg: Sequence[float]) -> list[tuple[int, int, tuple[int, ...] | None,
                                                        float, float]]:
    """Return the :func:`plan_far_villages` items of a :class:`~ruralnet.routing.remote.RemotePlan`.

    Every village it lists as ``village_unreachable`` (no feeder of its
    station reaches it within the day, or within a loop's service day), with
    its station, the days its station has parcels (a loop's service days;
    ``None`` for a daily station) and its daily demand.
    """
    pos = {int(q): m for m, q in enumerate(villages)}
    station_of = {int(q): int(stations[k]) for k, c in enumerate(catchments) for q in c}
    loop_days = {lp.reach.point: tuple(d - 1 for d in lp.pattern) for lp in remote.loops}
    out = []
    for kind, q, reason, _, _ in remote.not_daily:
        if kind != "village" or reason != "village_unreachable" or q not in station_of:
            continue
        st = station_of[q]
        out.append((int(q), st, loop_days.get(st), float(delivery_kg[pos[q]]),
                    float(pickup_kg[pos[q]])))
    return out

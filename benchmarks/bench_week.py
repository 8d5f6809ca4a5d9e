"""The week against the daily plan run every day, on one county (default 安溪), same run.

Plans the county with ``week=True`` (:func:`ruralnet.pipeline.plan_county`),
then prints the week's cost (feeders of every day, the trunk every day,
sites, multi-day loops and far villages' runs), the daily plan repeated
over the horizon (``horizon × costs.total_per_day``) and their ratio, both
from the same plan, with the weekly coverage figures, the runtime and the
load average. ``--frequency`` also re-plans the frequency curve (daily share
80/90/100 % × minimum visits 1/2/3 a week) and prints its cells.

Usage::

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/bench_week.py --county 安溪
    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/bench_week.py --county 改则县 --frequency

Measured on the project's 2-core machine shared with other jobs (load
average 17–24, seed 0, 2026-12-01)::

    安溪: 7-day week, ≥ 2 visits, seed 0, 293 s, load 17.5 → 24.0
      行政村 443: daily 355 (80.1%), ≥ 2/week 443 (100.0%), unvisited 0; far-village runs 0
      week 147216 yuan vs daily plan repeated 139053 yuan: ratio 1.0587
      validate: OK

With ``--frequency`` (same day, load 21 → 12, 774 s in all; each cell's
week at 1 s per station)::

      frequency  80% × 1/week:   146680 yuan, 53 vehicles
      frequency  80% × 2/week:   147402 yuan, 49 vehicles
      frequency  80% × 3/week:   147631 yuan, 51 vehicles
      frequency  90% × 1/week:   146478 yuan, 52 vehicles
      frequency  90% × 2/week:   147280 yuan, 48 vehicles
      frequency  90% × 3/week:   147560 yuan, 47 vehicles
      frequency 100% × 1/week:   148136 yuan, 43 vehicles
      frequency 100% × 2/week:   148136 yuan, 43 vehicles
      frequency 100% × 3/week:   148136 yuan, 43 vehicles

More visits cost more at each share; across shares the heuristic is not
monotone (90 % came out 0.1 % cheaper than 80 %), and the vehicle count
(most feeders on any day per kind, plus trunks) falls with the share
because the weekly days are solved separately. The whole grid spans
1.0 % (146 478 – 148 136 yuan a week).

and, from ``make_plan(..., PlanParams(week=True))``: 改则县 46 行政村, 14 daily,
46 ≥ 2 a week (3 stations on overnight loops, 17 villages on overnight
runs, none impossible), 98 639 yuan a week; 墨脱县 45 行政村, 29 daily, 45 ≥ 2
a week (2 loops, 3 overnight runs), 54 876 yuan a week. There the ratio is
1.0: every village the day's feeders can reach is already daily, the rest
are on loops and runs that the daily plan's cost a day already counts.

Positions, roads and demand are the package's synthetic defaults for the
county (labelled so in the plan's provenance): the figures compare plans,
they are not real costs.
"""

from __future__ import annotations

import argparse
import os
import time


def main() -> None:
    """Run the comparison and print it."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--county", default="安溪")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--min-visits", type=int, default=2)
    ap.add_argument("--frequency", action="store_true", help="also the frequency curve")
    a = ap.parse_args()

    from ruralnet.pipeline import plan_county
    from ruralnet.plan.build import PlanParams
    from ruralnet.plan.document import validate_plan

    load0 = os.getloadavg()
    t0 = time.perf_counter()
    plan = plan_county(a.county, PlanParams(week=True, min_visits_per_week=a.min_visits,
                                            frequency_curve=a.frequency), seed=a.seed)
    dt = time.perf_counter() - t0
    wk = plan.data["weekly"]
    cov, c = wk["coverage"], wk["costs"]
    problems = validate_plan(plan)
    md = plan.data.get("multi_day") or {}
    print(f"{a.county}: {wk['horizon_days']}-day week, ≥ {wk['min_visits_per_week']} visits, "
          f"seed {a.seed}, {dt:.0f} s, load {load0[0]:.1f} → {os.getloadavg()[0]:.1f}")
    print(f"  行政村 {cov['villages_total']}: daily {cov['villages_daily']} "
          f"({100 * cov['daily_share']:.1f}%), ≥ {wk['min_visits_per_week']}/week "
          f"{cov['villages_min_visits']} ({100 * cov['weekly_share']:.1f}%), unvisited "
          f"{cov['villages_unvisited']}; far-village runs {len(md.get('village_runs', []))}, "
          f"impossible {len(md.get('villages_impossible', []))}")
    print(f"  week {c['total_per_week']:.0f} yuan vs daily plan repeated "
          f"{c['daily_plan_repeated_per_week']:.0f} yuan: ratio {c['ratio_to_daily_repeated']}")
    print(f"  validate: {'OK' if not problems else problems[:3]}")
    for cell in (wk.get("frequency") or {}).get("cells", []):
        cost = "—" if cell["cost_per_week"] is None else f"{cell['cost_per_week']:.0f}"
        print(f"  frequency {100 * cell['daily_share_target']:3.0f}% × {cell['min_visits']}/week: "
              f"{cost:>8} yuan, {cell['vehicles']} vehicles"
              + ("" if cell["feasible"] else f"  infeasible: {cell['en']}"))


if __name__ == "__main__":
    main()

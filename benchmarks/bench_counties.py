"""Benchmark: a national sweep — plan a stratified random sample of county-level divisions.

The sample is drawn from the embedded admin table (``ruralnet.geo.admin``,
NBS 2023 codes) stratified by province and kind (county, county-level city,
district, banner, …): every province gets at least one county when the
sample is at least the number of provinces, the rest is spread in
proportion to each (province, kind) stratum's size. The seed is fixed and
printed. Every county is planned on the embedded default (synthetic
positions and roads where nothing real is known) through
:func:`ruralnet.regional.run.plan_region` on Dask, with the reproducible
iteration budgets of :func:`ruralnet.regional.run.reproducible`.

Printed: the share of counties that produce a plan, seconds per county
(median, p90, max), peak resident memory per worker, every failure with its
message, and a projection of the whole country's run time (sample mean ×
number of divisions, divided by the workers; and on a cluster of
``--cluster-cores`` cores).

Run: ``nice python benchmarks/bench_counties.py --sample 300 [--seed 19] [--workers 2]``
(a small check: ``--sample 20``). Guarded by ``if __name__ == "__main__"``:
Dask workers re-import this script.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd


def stratified_sample(table: pd.DataFrame, size: int, seed: int) -> pd.DataFrame:
    """Draw ``size`` rows: one per province first (when room), the rest by stratum share."""
    rng = np.random.default_rng(seed)
    size = min(size, len(table))
    provinces = table["province"].unique()
    picked: list[int] = []
    if size >= len(provinces):
        for prov in provinces:
            rows = table.index[table["province"] == prov].to_numpy()
            picked.append(int(rng.choice(rows)))
    else:
        for prov in rng.choice(provinces, size=size, replace=False):
            rows = table.index[table["province"] == prov].to_numpy()
            picked.append(int(rng.choice(rows)))
    rest = table.drop(index=picked)
    left = size - len(picked)
    if left > 0:
        strata = rest.groupby(["province", "kind"]).groups
        quota = {k: len(v) * left / len(rest) for k, v in strata.items()}
        counts = {k: int(q) for k, q in quota.items()}
        by_remainder = sorted(quota, key=lambda k: quota[k] - counts[k], reverse=True)
        for k in by_remainder[: left - sum(counts.values())]:
            counts[k] += 1
        for k, n in counts.items():
            if n:
                picked.extend(int(i) for i in rng.choice(np.asarray(strata[k]), size=n,
                                                         replace=False))
    return table.loc[sorted(picked)]


def main(argv: list[str] | None = None) -> int:
    from ruralnet.geo.admin import counties_table, county_record
    from ruralnet.regional.run import plan_region, reproducible

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=int, default=300, help="counties to plan (default 300)")
    ap.add_argument("--seed", type=int, default=19, help="sampling and planning seed")
    ap.add_argument("--workers", type=int, default=2, help="Dask worker processes")
    ap.add_argument("--cluster-cores", type=int, default=64,
                    help="cores of the cluster in the projection")
    args = ap.parse_args(argv)
    table = counties_table().reset_index(drop=True)
    sample = stratified_sample(table, args.sample, args.seed)
    print(f"# national sweep: {len(sample)} of {len(table)} county-level divisions, seed "
          f"{args.seed}, {sample['province'].nunique()} of {table['province'].nunique()} "
          f"provinces; kinds: {sample['kind'].value_counts().to_dict()}")
    print(f"# embedded default (synthetic where nothing real is known), Dask "
          f"{args.workers} workers, machine {os.cpu_count()} cores (shared)")
    t0 = time.perf_counter()
    res = plan_region([county_record(r) for _, r in sample.iterrows()],
                      params=reproducible(), workers=args.workers, seed=args.seed,
                      keep_plans=False)
    wall = time.perf_counter() - t0
    t = res.table
    ok = t["status"] == "ok"
    secs = t["seconds"].astype(float)
    print(f"{'code':>6} {'county':20} {'province':10} {'villages':>8} {'status':>7} "
          f"{'seconds':>8} {'rss_mb':>7}")
    for row in t.itertuples():
        print(f"{row.code:>6} {row.county:20} {row.province:10} {row.villages_total or 0:>8} "
              f"{row.status:>7} {row.seconds or 0:>8.1f} {row.peak_rss_mb or 0:>7.0f}")
    print(f"# planned {int(ok.sum())}/{len(t)} ({ok.mean():.1%}); seconds per county: median "
          f"{secs.median():.1f}, p90 {secs.quantile(0.9):.1f}, max {secs.max():.1f}; "
          f"peak RSS per worker max {t['peak_rss_mb'].astype(float).max():.0f} MB; "
          f"sweep wall {wall:.0f} s")
    for row in t[~ok].itertuples():
        print(f"# FAILED {row.code} {row.county} ({row.province}): {row.error}")
    total_cpu = secs.mean() * len(table)
    print(f"# projection for all {len(table)} divisions: {total_cpu / 3600:.1f} h of county "
          f"time; {total_cpu / args.workers / 3600:.1f} h on {args.workers} workers here, "
          f"{total_cpu / args.cluster_cores / 3600:.2f} h on {args.cluster_cores} cores "
          f"(seconds measured under this machine's load)")
    return 0 if ok.all() else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark: a national sweep — plan a stratified random sample of county-level divisions.

The sample is drawn from the embedded admin table (``ruralnet.geo.admin``,
NBS 2023 codes; functional zones excluded, they are not county-level
divisions) stratified by province and kind (county, county-level city,
district, banner, …): every province gets at least one division when the
sample is at least the number of provinces, the rest is spread in
proportion to each (province, kind) stratum's size. The seed is fixed and
printed. Every division is planned on the embedded default (synthetic
positions and roads where nothing real is known) through
:func:`ruralnet.regional.run.plan_region` on Dask, with the reproducible
iteration budgets of :func:`ruralnet.regional.run.reproducible`.

**Resumable and incremental.** Each division's result (code, name,
province, kind, 行政村, 社区, urban, planned?, seconds, CPU seconds of the
planning, peak RSS, daily cost, coverage, how many RuralnetWarnings and the
first one, failure message, budget, git commit, load average) is
appended to the ``--results`` CSV as soon as it finishes (default under
the system temp dir, never in the repository). A rerun with the same file
skips the divisions already there (``--retry-failed`` plans the failed ones
again; the last row of a code wins). ``--report`` prints every figure from
the CSV alone: the share planned, seconds per division (median, p90, max),
peak memory, every failure with its message, the growth curve (villages
against seconds and against peak memory) and a projection of the whole
country's run time on this machine's cores and on a cluster.

``--quick`` plans with small iteration budgets to find failure modes fast;
its rows say ``budget=quick`` and are kept in their own file: its figures
are never the default's.

Run: ``nice -n 10 python benchmarks/bench_counties.py --sample 300 [--seed 19]
[--workers 2] [--results FILE] [--retry-failed] [--quick]``, then
``python benchmarks/bench_counties.py --report FILE``. Guarded by
``if __name__ == "__main__"``: Dask workers re-import this script.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import load_average  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FIELDS = ["code", "name", "province", "prefecture", "kind", "villages", "communities",
          "other_units", "urban", "planned", "status", "seconds", "cpu_seconds", "peak_rss_mb",
          "daily_cost_yuan", "villages_served", "villages_total", "village_share", "vehicles",
          "warnings", "first_warning", "error", "budget", "commit", "finished_utc", "load_avg",
          "workers", "seed", "sample"]
#: Numeric columns; a file written before a column existed reads it as empty (unknown).
NUMERIC = ("seconds", "cpu_seconds", "peak_rss_mb", "daily_cost_yuan", "village_share",
           "warnings")


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


def divisions() -> pd.DataFrame:
    """The county-level divisions of the embedded table, functional zones excluded."""
    from ruralnet.geo.admin import counties_table

    t = counties_table()
    t = t[t["kind"] != "zone"].reset_index(drop=True)
    for c in ("village_committees", "communities", "other_village_units"):
        t[c] = t[c].astype(int)
    return t


def git_commit() -> str:
    """Short commit of the repository, ``+dirty`` when tracked files differ from it."""
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "-uno"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def read_results(path: Path) -> pd.DataFrame:
    """The results CSV, last row per code (a retried division replaces its old row).

    Columns a file predates (``cpu_seconds``, ``first_warning``; ``warnings``
    held the messages, always empty, before it held their count) read as empty.
    """
    if not path.exists() or path.stat().st_size == 0:
        return pd.DataFrame(columns=FIELDS)
    df = pd.read_csv(path, dtype={"code": str, "commit": str, "first_warning": str},
                     keep_default_na=False, na_values={c: [""] for c in NUMERIC})
    for c in FIELDS:
        if c not in df:
            df[c] = np.nan if c in NUMERIC else ""
    df["warnings"] = pd.to_numeric(df["warnings"], errors="coerce")
    return df.drop_duplicates("code", keep="last").reset_index(drop=True)


def _upgrade_header(path: Path) -> None:
    """Rewrite a results file of an older column set with :data:`FIELDS` (new cells empty).

    Atomic (a temporary file renamed over it), so a resumed sweep appends rows
    whose columns match the header.
    """
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    tmp = path.with_name(path.name + ".upgrading")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS, extrasaction="ignore", restval="")
        w.writeheader()
        w.writerows(rows)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def append_row(path: Path, row: dict[str, Any]) -> None:
    """Append one result row and flush it to disk (a killed run loses at most this row)."""
    new = not path.exists() or path.stat().st_size == 0
    if not new:
        with path.open(newline="", encoding="utf-8") as fh:
            header = next(csv.reader(fh), [])
        if header != FIELDS:
            _upgrade_header(path)
    with path.open("a", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS, extrasaction="ignore")
        if new:
            w.writeheader()
        w.writerow(row)
        fh.flush()
        os.fsync(fh.fileno())


def to_do(sample: pd.DataFrame, done: pd.DataFrame, *, retry_failed: bool) -> pd.DataFrame:
    """Rows of the sample still to plan: not in ``done``, or failed there with ``retry_failed``."""
    if done.empty:
        return sample
    keep = done if not retry_failed else done[done["status"] == "ok"]
    return sample[~sample["code"].isin(set(keep["code"]))]


def quick_params(params: Any) -> Any:
    """Small iteration budgets, to find failure modes fast (never reported as the default)."""
    r = replace(params.routing, max_iterations=30, direct_max_iterations=100,
                coverage_steps=2, curve_targets=(), curve_steps=1)
    return replace(params, routing=r)


def result_row(county: dict[str, Any], info: pd.Series, urban: bool, *, budget: str,
               commit: str, workers: int, seed: int, sample: int) -> dict[str, Any]:
    """One CSV row from a :func:`plan_region` roll-up row and the division's admin row."""
    ok = county.get("status") == "ok"
    return {
        "code": info["code"], "name": info["name"], "province": info["province"],
        "prefecture": info["prefecture"], "kind": info["kind"],
        "villages": int(info["village_committees"]), "communities": int(info["communities"]),
        "other_units": int(info["other_village_units"]), "urban": bool(urban), "planned": ok,
        "status": county.get("status") or "failed", "seconds": county.get("seconds"),
        "cpu_seconds": county.get("cpu_seconds"), "peak_rss_mb": county.get("peak_rss_mb"),
        "daily_cost_yuan": county.get("daily_cost_yuan") if ok else "",
        "villages_served": county.get("villages_served") if ok else "",
        "villages_total": county.get("villages_total") if ok else "",
        "village_share": county.get("village_share") if ok else "",
        "vehicles": county.get("vehicles") if ok else "",
        "warnings": county.get("ruralnet_warnings"),
        "first_warning": (county.get("first_warning") or "").replace("\n", " "),
        "error": (county.get("error") or "").replace("\n", " "), "budget": budget,
        "commit": commit, "finished_utc": dt.datetime.now(dt.UTC).strftime(
            "%Y-%m-%dT%H:%M:%SZ"), "load_avg": round(os.getloadavg()[0], 2),
        "workers": workers, "seed": seed, "sample": sample}


def default_results(sample: int, seed: int, quick: bool) -> Path:
    """Results file under the system temp dir (outside the repository)."""
    folder = Path(tempfile.gettempdir()) / "ruralnet-sweep"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"sweep_n{sample}_seed{seed}{'_quick' if quick else ''}.csv"


def run(args: argparse.Namespace) -> int:
    from ruralnet.geo.urban import urban_status
    from ruralnet.plan.build import PlanParams
    from ruralnet.regional.run import plan_region, reproducible

    table = divisions()
    sample = stratified_sample(table, args.sample, args.seed)
    path = Path(args.results) if args.results else default_results(args.sample, args.seed,
                                                                    args.quick)
    if path.resolve().is_relative_to(ROOT):
        raise SystemExit(f"--results must be outside the repository, got {path}")
    budget = "quick" if args.quick else "default"
    done = read_results(path)
    if len(done) and set(done["budget"]) != {budget}:
        raise SystemExit(f"{path} holds {sorted(set(done['budget']))} rows; this run is "
                         f"{budget}: use another --results file")
    todo = to_do(sample, done, retry_failed=args.retry_failed)
    # A seeded random order: all tasks get the same Dask priority and run roughly in this
    # order, so the divisions finished so far (or the --limit first) are a random subsample.
    todo = todo.iloc[np.random.default_rng(args.seed).permutation(len(todo))]
    if args.codes:
        todo = todo[todo["code"].isin(args.codes.split(","))]
    if args.limit is not None:
        todo = todo.head(args.limit)
    commit = git_commit()
    print(f"# national sweep: {len(sample)} of {len(table)} county-level divisions (zones "
          f"excluded), seed {args.seed}, {sample['province'].nunique()} of "
          f"{table['province'].nunique()} provinces; kinds: "
          f"{sample['kind'].value_counts().to_dict()}")
    note = " (SMALL iteration budgets: not the default figures)" if args.quick else ""
    print(f"# budget {budget}{note}; "
          f"results {path}; {len(done)} rows already there, {len(todo)} to plan now; commit "
          f"{commit}; Dask {args.workers} workers, machine {os.cpu_count()} cores (shared), "
          f"load {load_average()}", flush=True)
    if todo.empty:
        return report(path)
    info = todo.set_index("code", drop=False)
    urban = {c: urban_status(c).urban for c in todo["code"]}

    def save(county: dict[str, Any]) -> None:
        code = county.get("code") or county.get("query")
        row = result_row(county, info.loc[code], urban[code], budget=budget, commit=commit,
                         workers=args.workers, seed=args.seed, sample=args.sample)
        append_row(path, row)
        print(f"{row['code']} {row['name']} {row['status']} {row['seconds']} s "
              f"{row['peak_rss_mb']} MB {row['error'][:200]}", flush=True)

    params = reproducible(quick_params(PlanParams()) if args.quick else PlanParams())
    # Codes, not records: records would give the big divisions a higher Dask priority.
    plan_region([str(c) for c in todo["code"]], params=params, workers=args.workers,
                seed=args.seed, keep_plans=False, on_county=save)
    return report(path)


def growth(df: pd.DataFrame, bins: int = 6) -> list[str]:
    """Lines of the growth curve: village-level units planned against seconds and peak RSS.

    Units planned: 行政村 + 社区 + other units of a rural division, the 行政村
    only of an urban one (its 社区 are left to the city's couriers).
    """
    ok = df[df["status"] == "ok"].copy()
    if ok.empty:
        return ["# growth curve: nothing planned"]
    urban = ok["urban"].astype(str).eq("True")
    ok["units"] = ok["villages"].astype(int) + (~urban) * (
        ok["communities"].astype(int) + ok["other_units"].astype(int))
    edges = sorted(set(np.quantile(ok["units"], np.linspace(0, 1, bins + 1)).round()))
    cut = pd.cut(ok["units"], edges, include_lowest=True, duplicates="drop")
    g = ok.groupby(cut, observed=True).agg(n=("code", "size"), s_med=("seconds", "median"),
                                            s_max=("seconds", "max"),
                                            mb_med=("peak_rss_mb", "median"),
                                            mb_max=("peak_rss_mb", "max"))
    lines = ["# growth curve (village-level units planned; planned divisions only)",
             f"# {'units':>14} {'n':>4} {'s median':>9} {'s max':>7} {'MB median':>10} "
             f"{'MB max':>7}"]
    for k, r in g.iterrows():
        lines.append(f"# {str(k):>14} {int(r.n):>4} {r.s_med:>9.1f} {r.s_max:>7.1f} "
                     f"{r.mb_med:>10.0f} {r.mb_max:>7.0f}")
    fit = ok[ok["units"] > 0]
    if len(fit) >= 3:
        b, a = np.polyfit(np.log(fit["units"]), np.log(fit["seconds"].astype(float)), 1)
        lines.append(f"# fit: seconds ≈ {np.exp(a):.3g} × units^{b:.2f} (log-log least squares, "
                     f"{len(fit)} divisions with units to plan)")
    return lines


def report(path: Path, *, cluster_cores: int = 64, cores: int = 2) -> int:
    """Print every figure of the sweep from the results CSV alone; 0 when all planned."""
    df = read_results(Path(path))
    if df.empty:
        print(f"# no results in {path}")
        return 1
    n_all = len(divisions())
    ok = df["status"] == "ok"
    secs = df["seconds"].astype(float)
    rss = df["peak_rss_mb"].astype(float)
    budgets = sorted(set(df["budget"]))
    print(f"# sweep report from {path}: {len(df)} divisions finished of a sample of "
          f"{int(df['sample'].max())} (seed {sorted(set(df['seed']))}); budget {budgets}"
          f"{' — QUICK budgets, not the default figures' if 'quick' in budgets else ''}")
    print(f"# commits: {df['commit'].value_counts().to_dict()}; load average at finish: "
          f"median {df['load_avg'].astype(float).median():.1f}, max "
          f"{df['load_avg'].astype(float).max():.1f}; workers {sorted(set(df['workers']))}")
    print(f"# provinces {df['province'].nunique()}; kinds {df['kind'].value_counts().to_dict()}; "
          f"urban {int(df['urban'].astype(str).eq('True').sum())}")
    print(f"# planned {int(ok.sum())}/{len(df)} ({ok.mean():.1%}); seconds per division: "
          f"median {secs.median():.1f}, p90 {secs.quantile(0.9):.1f}, max {secs.max():.1f}; "
          f"peak RSS per division: median {rss.median():.0f} MB, p90 {rss.quantile(0.9):.0f} "
          f"MB, max {rss.max():.0f} MB")
    okdf = df[ok]
    if len(okdf):
        with_v = okdf["villages_total"].astype(float) > 0
        share = okdf.loc[with_v, "village_share"].astype(float)
        cost = okdf["daily_cost_yuan"].astype(float)
        print(f"# planned divisions: daily cost median {cost.median():,.0f} 元; 行政村 served "
              f"daily (the {int(with_v.sum())} with 行政村) median {share.median():.1%}, min "
              f"{share.min():.1%}; {int((~with_v).sum())} planned with no 行政村 (no route)")
    known = df["warnings"].notna()
    warned = df[df["warnings"].fillna(0) > 0]
    print(f"# divisions with RuralnetWarnings: {len(warned)} of the {int(known.sum())} that "
          f"counted them ({int(df['warnings'].fillna(0).sum())} warnings)")
    for row in warned.head(10).itertuples():
        print(f"#   {row.code} {row.name}: {int(row.warnings)}, first: {row.first_warning}")
    cpu = df["cpu_seconds"].astype(float).dropna()
    if len(cpu):
        print(f"# CPU seconds per division ({len(cpu)} recorded): median {cpu.median():.1f}, "
              f"p90 {cpu.quantile(0.9):.1f}, max {cpu.max():.1f}; sum {cpu.sum() / 3600:.2f} h "
              f"(wall sum of the same divisions {secs[cpu.index].sum() / 3600:.2f} h)")
    for row in df[~ok].itertuples():
        print(f"# FAILED {row.code} {row.name} ({row.province}, {row.kind}, {row.villages} 行政村)"
              f" [{row.commit}]: {row.error}")
    for line in growth(df):
        print(line)
    total = secs.mean() * n_all
    print(f"# projection for all {n_all} divisions (sample mean {secs.mean():.1f} s × {n_all}): "
          f"{total / 3600:.1f} h of division time; {total / cores / 3600:.1f} h on {cores} "
          f"cores like this machine, {max(total / cluster_cores, secs.max()) / 3600:.2f} h on "
          f"{cluster_cores} cores (no faster than the slowest division, {secs.max():.0f} s); "
          f"seconds measured under this machine's load")
    return 0 if ok.all() else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=int, default=300, help="divisions to plan (default 300)")
    ap.add_argument("--seed", type=int, default=19, help="sampling and planning seed")
    ap.add_argument("--workers", type=int, default=2, help="Dask worker processes (0: serial)")
    ap.add_argument("--cluster-cores", type=int, default=64,
                    help="cores of the cluster in the projection")
    ap.add_argument("--results", help="results CSV (appended; default under the temp dir)")
    ap.add_argument("--retry-failed", action="store_true", help="plan failed rows again")
    ap.add_argument("--quick", action="store_true",
                    help="small iteration budgets to find failures fast (not default figures)")
    ap.add_argument("--limit", type=int, help="plan at most this many divisions in this run")
    ap.add_argument("--codes", help="plan only these sampled codes (comma-separated), e.g. to "
                    "retry one failure beside a running sweep")
    ap.add_argument("--report", metavar="FILE", help="only print the figures of a results CSV")
    args = ap.parse_args(argv)
    if args.report:
        return report(Path(args.report), cluster_cores=args.cluster_cores)
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())

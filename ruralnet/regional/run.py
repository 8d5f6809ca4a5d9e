"""Whole prefectures and provinces: plan county by county on Dask, roll up, pool warehouses.

:func:`plan_region` plans every county of a list (``load_county`` →
``make_plan`` → optional ``write_outputs`` into ``out_dir/<code>_<name>/``),
one task per county, on a :mod:`dask.distributed` cluster (a ``LocalCluster``
of single-threaded worker processes by default, or an existing scheduler) or
serially (``workers=0`` or ``1``). Each task returns a small record (the
plan dict, the roll-up row, the township stations), never a ``County``, and
the parent holds one record per county: memory grows with the number of
counties, not with their product. A county that fails (unknown name, bad
village file, infeasible fleet) is recorded with its message and does not
stop the others.

Reproducibility: planning is a pure function of the county, parameters and
seed: every search stops on its iteration cap, and the default wall-clock
limits are safety nets far above what the caps need, so parallel and serial
runs give the same plans. A safety limit that bites is recorded in the plan
(``timing_s["safety_limits_hit"]`` and a note). :func:`reproducible` raises
the safety nets further, for very slow or overloaded workers.

:func:`compare_pooled_warehouses` sites 1..k shared regional warehouses per
prefecture over the township stations of its counties (p-median over the
county seats as candidates) and routes trunks across county lines, against
one warehouse per county, on an *estimated* matrix (great circle × detour at
an assumed speed, not roads).

Examples
--------
>>> [r.name for r in counties_of_prefecture("迪庆")]
['香格里拉市', '德钦县', '维西傈僳族自治县']

Why this module is long: the Dask task, its serial twin, the roll-up and the pooled-
warehouse comparison share one task/record format.
"""

from __future__ import annotations

import logging
import os
import resource
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from html import escape
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ruralnet._io import output_folder
from ruralnet.exceptions import RuralnetError, RuralnetWarning, UnknownCountyError
from ruralnet.geo.admin import (
    CountyRecord,
    counties_table,
    county_record,
    prefecture_counties,
    short_region,
)
from ruralnet.plan.build import DEFAULT_TRUNK, PlanParams
from ruralnet.plan.document import SYNTHETIC_NOTICE_EN, SYNTHETIC_NOTICE_ZH
from ruralnet.routing import (
    Client,
    Depot,
    FleetType,
    RoutingParams,
    RoutingProblem,
    solve_routes,
)
from ruralnet.settings import Settings, settings

logger = logging.getLogger(__name__)

__all__ = [
    "PoolingComparison", "PoolingParams", "RegionResult", "compare_pooled_warehouses",
    "counties_of_prefecture", "counties_of_province", "plan_region", "region_map",
    "reproducible", "write_rollup",
]

ROLLUP_COLUMNS = [
    "county", "code", "prefecture", "province", "status", "error", "townships_served",
    "townships_total", "villages_served", "villages_total", "village_share", "village_stations",
    "daily_cost_yuan", "vehicles", "targets_designed", "targets_designed_short", "targets_met",
    "targets_not_met", "targets_at_risk", "targets_awaiting", "system", "synthetic", "seconds",
    "peak_rss_mb",
]
#: Columns that depend on the machine and its load, not on the plan: seconds spent on the
#: county and the peak resident memory of the process while it planned the county (Linux;
#: elsewhere the process's peak so far).
RUN_COLUMNS = ("seconds", "peak_rss_mb")
_INT_COLUMNS = ("townships_served", "townships_total", "villages_served", "villages_total",
                "village_stations", "vehicles", "targets_designed", "targets_designed_short",
                "targets_met", "targets_not_met", "targets_at_risk", "targets_awaiting")


# ------------------------------------------------------------------ which counties


def counties_of_prefecture(name: str, province: str | None = None) -> list[CountyRecord]:
    """County-level divisions of a prefecture, functional zones excluded, in code order.

    Raises
    ------
    UnknownCountyError
        When no prefecture has that name.
    """
    df = prefecture_counties(name, province=province).sort_values("code")
    return [county_record(row) for _, row in df.iterrows()]


def counties_of_province(name: str) -> list[CountyRecord]:
    """County-level divisions of a province (full or short name), zones excluded, in code order.

    Raises
    ------
    UnknownCountyError
        When no province has that name.

    Examples
    --------
    >>> len(counties_of_province("贵州")), len(counties_of_province("广西"))
    (88, 111)
    """
    df = counties_table()
    q = name.strip()
    hit = df[((df["province"] == q) | (df["province"].map(short_region) == short_region(q)))
             & (df["kind"] != "zone")]
    if hit.empty:
        raise UnknownCountyError(f"未找到省级区划“{name}”", f"no province named '{name}'")
    return [county_record(row) for _, row in hit.sort_values("code").iterrows()]


def reproducible(params: PlanParams | None = None, *, time_limit_s: float = 600.0) -> PlanParams:
    """Return ``params`` with routing time limits so long that the iteration caps bind.

    Same county, parameters and seed then give the same plan on any load,
    serial or parallel (the default limits can bind first on a busy machine).

    Raises
    ------
    ValueError
        When ``max_iterations`` or ``direct_max_iterations`` is ``None`` (no cap to bind).

    Examples
    --------
    >>> reproducible().routing.feeder_time_limit_s
    600.0
    """
    params = params or PlanParams()
    r = params.routing
    if r.max_iterations is None or r.direct_max_iterations is None:
        caps = (r.max_iterations, r.direct_max_iterations)
        raise ValueError("routing.max_iterations and direct_max_iterations must be set (>= 1) "
                         f"for a reproducible plan, got {caps}")
    return replace(params, routing=replace(r, trunk_time_limit_s=time_limit_s,
                                           feeder_time_limit_s=time_limit_s,
                                           direct_time_limit_s=time_limit_s))


# ------------------------------------------------------------------ one county (a task)


@dataclass(frozen=True)
class _Task:
    """Everything a worker needs to plan one county (pickled to the worker)."""

    index: int
    query: str
    province: str | None
    village_file: str | None
    params: PlanParams
    seed: int
    out_dir: str | None
    system: str | None
    settings: dict[str, Any]
    size: int = 0  # village count, to start big counties first


def _plan_one(task: _Task) -> dict[str, Any]:
    """Plan one county and return its small record; errors are recorded, not raised."""
    saved = {f.name: getattr(settings, f.name) for f in fields(Settings)}
    for k, v in task.settings.items():
        setattr(settings, k, v)
    reset = _reset_peak_rss()
    t0, cpu0 = time.perf_counter(), _cpu_s()
    rec: dict[str, Any] = {"index": task.index, "query": task.query, "row": {
        "county": task.query, "code": "", "prefecture": "", "province": task.province or ""}}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuralnetWarning)
        try:
            _plan_into(task, rec)
        except Exception as exc:  # one county's failure must not lose the others
            msg = (exc.message() if isinstance(exc, RuralnetError)
                   else f"{type(exc).__name__}: {exc}")
            if not isinstance(exc, RuralnetError):
                logger.exception("internal error planning %s", task.query)
            logger.warning("%s failed: %s", task.query, msg)
            rec.update(plan=None, stations=[], warehouses=[])
            rec["row"].update(status="failed", error=msg)
        finally:
            for k, v in saved.items():
                setattr(settings, k, v)
    rec["warnings"] = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    ours = [w for w in caught if issubclass(w.category, RuralnetWarning)]  # in the order raised
    rec["ruralnet_warnings"] = len(ours)
    rec["first_warning"] = f"{ours[0].category.__name__}: {ours[0].message}" if ours else ""
    rec["cpu_seconds"] = round(_cpu_s() - cpu0, 2)
    rec["row"]["seconds"] = round(time.perf_counter() - t0, 2)
    rec["row"]["peak_rss_mb"] = round(_peak_rss_kb(reset) / 1024, 1)
    return rec


def _cpu_s() -> float:
    """CPU seconds (user + system) of this process and of its children that have ended."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


def _reset_peak_rss() -> bool:
    """Reset this process's peak resident memory (Linux ``clear_refs``); ``False`` if it can't."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _peak_rss_kb(reset: bool) -> float:
    """Peak RSS in kB: since :func:`_reset_peak_rss` when it worked, else of the whole process."""
    if reset:
        try:
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return float(line.split()[1])
        except OSError:
            pass
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _plan_into(task: _Task, rec: dict[str, Any]) -> None:
    from ruralnet.geo.admin import resolve_county
    from ruralnet.geo.county import county_boundary, load_county
    from ruralnet.pipeline import plan_county
    from ruralnet.programme.scorecard import score_plan

    record = resolve_county(task.query, province=task.province)
    rec["row"].update(county=record.name, code=record.code, prefecture=record.prefecture,
                      province=record.province)
    rec["boundary_wkt"] = shapely.to_wkt(county_boundary(record).geometry.iloc[0],
                                         rounding_precision=5)
    county = load_county(record.code, village_file=task.village_file, seed=task.seed,
                         demand=task.params.demand)
    rec["seat"] = (county.seat_lon, county.seat_lat)
    plan = plan_county(county, task.params, system=task.system, seed=task.seed)
    if task.out_dir is not None:
        _write_county(plan, county, Path(task.out_dir) / f"{record.code}_{record.name}",
                      task.system)
    card = score_plan(plan.data, task.system)
    counts = card.status_counts()
    cov, costs = plan.data["coverage"], plan.data["costs"]
    rec["row"].update(
        status="ok", error="", townships_served=cov["townships_daily"],
        townships_total=cov["townships_total"], villages_served=cov["villages_daily"],
        villages_total=cov["villages_total"], village_share=cov["village_share"],
        village_stations=cov["village_stations"], daily_cost_yuan=costs["total_per_day"],
        vehicles=int(sum(costs["vehicles"].values())),
        targets_designed=counts["designed to meet"],
        targets_designed_short=counts["designed short"], targets_met=counts["met"],
        targets_not_met=counts["not met"], targets_at_risk=counts["at risk"],
        targets_awaiting=counts["awaiting data"], system=card.system_id,
        synthetic=plan.synthetic)
    rec["plan"] = plan.data
    rec["stations"], rec["warehouses"] = _station_loads(plan.data), [
        {"site_id": s["id"], "lon": s["lon"], "lat": s["lat"]}
        for s in plan.data["sites"] if s["kind"] == "county_warehouse"]


def _write_county(plan: Any, county: Any, folder: Path, system: str | None) -> None:
    """Write a county's outputs (only ruralnet's own files in ``folder`` are replaced)."""
    from ruralnet.outputs.write import write_outputs

    with output_folder(folder, force=True) as tmp:
        write_outputs(plan, county, tmp, system=system)


def _station_loads(plan: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Township stations with the daily kg of their township's villages (what a trunk carries)."""
    down: dict[str, float] = {}
    up: dict[str, float] = {}
    for v in plan["villages"]:
        down[v["township_id"]] = down.get(v["township_id"], 0.0) + v["deliver_kg"]
        up[v["township_id"]] = up.get(v["township_id"], 0.0) + v["pickup_kg"]
    return [{"station_id": s["id"], "township_id": s["township_id"], "lon": s["lon"],
             "lat": s["lat"], "deliver_kg": round(down.get(s["township_id"], 0.0), 2),
             "pickup_kg": round(up.get(s["township_id"], 0.0), 2)}
            for s in plan["sites"] if s["kind"] == "township_station"]


# ------------------------------------------------------------------ the region


@dataclass(frozen=True, eq=False)
class RegionResult:
    """Plans of a prefecture or province, county by county, and their roll-up.

    Attributes
    ----------
    table
        One row per county in input order (:data:`ROLLUP_COLUMNS`); ``status``
        is ``"ok"`` or ``"failed"`` with ``error`` the message.
    plans
        ``plan.json`` dicts by county code (empty when ``keep_plans=False``).
    outlines
        County boundaries (``code``, ``name``, geometry; EPSG:4326) of the
        counties that could be resolved.
    stations
        Township stations of the planned counties with their daily kg
        (``code``, ``county``, ``prefecture``, ``station_id``, ``lon``,
        ``lat``, ``deliver_kg``, ``pickup_kg``).
    seats, warehouses
        County seats (``code``, ``lon``, ``lat``) and the plans' county
        warehouses (``code``, ``site_id``, ``lon``, ``lat``).
    workers
        Dask workers used (0 for a serial run).
    wall_s
        Wall time of the whole run.
    files
        Files written into ``out_dir`` besides the county folders.
    pooling
        The pooled-warehouse comparison when asked for.
    """

    table: pd.DataFrame
    plans: dict[str, dict[str, Any]]
    outlines: gpd.GeoDataFrame
    stations: pd.DataFrame
    seats: pd.DataFrame
    warehouses: pd.DataFrame
    workers: int
    wall_s: float
    files: tuple[str, ...] = ()
    pooling: PoolingComparison | None = None

    @property
    def synthetic(self) -> bool:
        """Whether any planned county has a synthetic layer."""
        return bool(self.table["synthetic"].fillna(False).astype(bool).any())

    def summary(self) -> str:
        """Return a short bilingual summary for people."""
        t = self.table
        ok = t[t["status"] == "ok"]
        lines = [f"区域规划 regional plan: {len(ok)}/{len(t)} 个县成功 counties planned, "
                 f"{self.workers or 'serial'} workers, {self.wall_s:.0f} s"]
        if len(ok):
            share = ok["villages_served"].sum() / max(ok["villages_total"].sum(), 1)
            lines.append(f"  行政村每日配送 villages daily: {int(ok['villages_served'].sum())}/"
                         f"{int(ok['villages_total'].sum())} ({share:.1%}); 日成本 daily cost "
                         f"{ok['daily_cost_yuan'].sum():,.0f} 元; 车辆 vehicles "
                         f"{int(ok['vehicles'].sum())}")
        for row in t[t["status"] == "failed"].itertuples():
            lines.append(f"  失败 failed: {row.county}: {row.error}")
        if self.synthetic:
            lines.append(f"  【合成数据 SYNTHETIC】{SYNTHETIC_NOTICE_ZH}")
        return "\n".join(lines)


def plan_region(counties: Sequence[str | CountyRecord], params: PlanParams | None = None, *,
                out_dir: str | Path | None = None, seed: int = 0, workers: int | None = None,
                scheduler: str | None = None, system: str | None = None,
                province: str | None = None,
                village_files: Mapping[str, str | Path] | None = None,
                pooling: PoolingParams | None = None, keep_plans: bool = True,
                on_county: Callable[[dict[str, Any]], None] | None = None) -> RegionResult:
    """Plan every county of a list, in parallel on Dask, and roll the plans up.

    Parameters
    ----------
    counties
        County names, codes or :class:`~ruralnet.geo.admin.CountyRecord` (see
        :func:`counties_of_prefecture`, :func:`counties_of_province`).
    params
        Plan parameters for every county (see :func:`reproducible`).
    out_dir
        Existing or new folder: per county ``<code>_<name>/`` with the outputs
        of ``ruralnet plan``, plus ``region_summary.csv``, ``region_map.html``
        and, with ``pooling``, ``pooled_warehouses.csv``.
    seed
        Seed of each county's synthetic data and search.
    workers
        Dask worker processes (one thread each); default the machine's
        cores; ``0`` or ``1`` plans serially without Dask.
    scheduler
        Address of an existing Dask scheduler (``"tcp://host:8786"``); then
        ``workers`` is ignored and the cluster is left running.
    system
        Indicator system of the scorecards (default each county's own).
    province
        Qualifier for county names given as strings.
    village_files
        Planner's village files by county code or name.
    pooling
        Also compare pooled regional warehouses (:func:`compare_pooled_warehouses`).
    keep_plans
        Keep every plan dict in the result (set ``False`` for a province
        when the plans are written to ``out_dir``).
    on_county
        Called in this process with each county's roll-up row (a dict of
        :data:`ROLLUP_COLUMNS` plus ``query`` (the county as asked for),
        ``warnings``, the distinct warnings raised while planning it,
        ``ruralnet_warnings`` and ``first_warning``, how many
        :class:`~ruralnet.exceptions.RuralnetWarning` were raised and the first
        one, and ``cpu_seconds``, the worker's CPU time on it, ``None`` for a
        task Dask lost) as soon as that county finishes, in finishing
        order: for a sweep that saves each result as it comes.

    Returns
    -------
    RegionResult

    Notes
    -----
    Dask starts its worker processes afresh and they import the calling
    script as ``__mp_main__``: guard a script's body with ``if __name__ ==
    "__main__":``. With ``scheduler``, ``out_dir`` and village files must be
    on a file system the workers share.

    Examples
    --------
    >>> res = plan_region(["贡山", "不存在县"], workers=0)
    >>> res.table[["county", "status"]].values.tolist()
    [['贡山独龙族怒族自治县', 'ok'], ['不存在县', 'failed']]
    """
    params = params or PlanParams()
    t0 = time.perf_counter()
    out = None if out_dir is None else Path(out_dir)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    tasks = _tasks(counties, params, seed, out, system, province, village_files or {})
    n = (os.cpu_count() or 1) if workers is None else workers
    report = _reporter(on_county)
    if scheduler is None and n <= 1:
        records, used = [report(_plan_one(t)) for t in tasks], 0
    else:
        records, used = _run_dask(tasks, n, scheduler, report), n
    result = _collect(records, used, time.perf_counter() - t0, keep_plans)
    if pooling is not None:
        result = replace(result, pooling=compare_pooled_warehouses(result, pooling, seed=seed))
    if out is not None:
        result = replace(result, files=tuple(write_rollup(result, out)))
    logger.info("region: %d counties in %.1f s", len(tasks), result.wall_s)
    return result


def _tasks(counties: Sequence[str | CountyRecord], params: PlanParams, seed: int,
           out: Path | None, system: str | None, province: str | None,
           village_files: Mapping[str, str | Path]) -> list[_Task]:
    snapshot = {f.name: getattr(settings, f.name) for f in fields(Settings)}
    tasks = []
    for i, c in enumerate(counties):
        if isinstance(c, CountyRecord):
            query, prov, keys = c.code, c.province, (c.code, c.name)
            size = c.village_committees + c.communities
        else:
            query, prov, keys, size = str(c), province, (str(c),), 0
        vf = next((village_files[k] for k in keys if k in village_files), None)
        tasks.append(_Task(i, query, prov, None if vf is None else str(vf), params, seed,
                           None if out is None else str(out), system, snapshot, size))
    return tasks


def _reporter(on_county: Callable[[dict[str, Any]], None] | None
              ) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Return a pass-through that hands each finished record's row to ``on_county``."""
    def report(rec: dict[str, Any]) -> dict[str, Any]:
        if on_county is not None:
            on_county({**{c: rec["row"].get(c) for c in ROLLUP_COLUMNS}, "query": rec["query"],
                       "warnings": list(rec.get("warnings", [])),
                       **{k: rec.get(k) for k in ("ruralnet_warnings", "first_warning",
                                                  "cpu_seconds")}})
        return rec
    return report


def _run_dask(tasks: list[_Task], workers: int, scheduler: str | None,
              report: Callable[[dict[str, Any]], dict[str, Any]]) -> list[dict[str, Any]]:
    """Run the tasks on Dask, biggest counties first; a lost task becomes a failed record."""
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:  # pragma: no cover - depends on the environment
        raise RuralnetError("并行规划需要 dask.distributed：pip install 'dask[distributed]'，"
                            "或用 workers=0 串行运行",
                            "parallel planning needs dask.distributed: pip install "
                            "'dask[distributed]', or run serially with workers=0") from None
    cluster = None
    if scheduler is None:
        # The scheduler serves HTTP routes even without a dashboard, on 8787 when the address
        # is None, and warns when that port is taken (by anyone's cluster): use a free port.
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR,
                               env={"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"})
    client = Client(cluster if cluster is not None else scheduler)
    records = []
    try:
        futures = {client.submit(_plan_one, t, key=f"ruralnet-county-{t.index}-{os.getpid()}",
                                 priority=t.size, pure=False): t for t in tasks}
        logger.info("dask: %d counties on %s", len(tasks), client)
        for fut in as_completed(futures):
            t = futures[fut]
            if fut.status == "error":
                exc = fut.exception()
                records.append(report({
                    "index": t.index, "query": t.query, "plan": None, "stations": [],
                    "warehouses": [],
                    "row": {"county": t.query, "code": "", "prefecture": "",
                            "province": t.province or "", "status": "failed",
                            "error": f"dask: {type(exc).__name__}: {exc}"}}))
            else:
                records.append(report(fut.result()))
            fut.release()  # drop the worker's copy as soon as we hold it
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return records


def _collect(records: list[dict[str, Any]], workers: int, wall_s: float,
             keep_plans: bool) -> RegionResult:
    records = sorted(records, key=lambda r: r["index"])
    table = pd.DataFrame([r["row"] for r in records], columns=ROLLUP_COLUMNS)
    for col in _INT_COLUMNS:
        table[col] = table[col].astype("Int64")
    table["synthetic"] = table["synthetic"].astype("boolean")
    table["error"] = table["error"].fillna("")
    plans = {r["row"]["code"]: r["plan"] for r in records if keep_plans and r.get("plan")}
    rows = [(r["row"]["code"], r["row"]["county"], shapely.from_wkt(r["boundary_wkt"]))
            for r in records if r.get("boundary_wkt")]
    outlines = gpd.GeoDataFrame(pd.DataFrame(rows, columns=["code", "name", "geometry"]),
                                geometry="geometry", crs="EPSG:4326")
    ident = {"code": None, "county": None, "prefecture": None}

    def frame(key: str, cols: list[str]) -> pd.DataFrame:
        out = [{**{k: r["row"][k] for k in ident}, **x} for r in records for x in r.get(key, [])]
        return pd.DataFrame(out, columns=list(ident) + cols)

    seats = pd.DataFrame([{"code": r["row"]["code"], "county": r["row"]["county"],
                           "prefecture": r["row"]["prefecture"], "lon": r["seat"][0],
                           "lat": r["seat"][1]} for r in records if r.get("plan") is not None],
                         columns=["code", "county", "prefecture", "lon", "lat"])
    return RegionResult(
        table=table, plans=plans, outlines=outlines,
        stations=frame("stations", ["station_id", "township_id", "lon", "lat", "deliver_kg",
                                    "pickup_kg"]),
        seats=seats, warehouses=frame("warehouses", ["site_id", "lon", "lat"]),
        workers=workers, wall_s=round(wall_s, 2))


# ------------------------------------------------------------------ roll-up files and map


def write_rollup(result: RegionResult, out_dir: str | Path) -> list[str]:
    """Write ``region_summary.csv``, ``region_map.html`` (and ``pooled_warehouses.csv``).

    Returns
    -------
    list of str
        File names written.
    """
    from ruralnet.outputs.maps import save_map

    with output_folder(out_dir, force=True) as out:  # only ruralnet's own files are replaced
        result.table.to_csv(out / "region_summary.csv", index=False, encoding="utf-8-sig")
        written = ["region_summary.csv"]
        save_map(region_map(result), out / "region_map.html")
        written.append("region_map.html")
        if result.pooling is not None:
            result.pooling.table.to_csv(out / "pooled_warehouses.csv", index=False,
                                        encoding="utf-8-sig")
            written.append("pooled_warehouses.csv")
    return written


def _fill(share: Any, status: str, target: float) -> str:
    if status != "ok" or pd.isna(share):
        return "#9ca3af"
    return "#16a34a" if share >= target else ("#f59e0b" if share >= 0.5 else "#dc2626")


def region_map(result: RegionResult, *, coverage_target: float = 0.8) -> Any:
    """Draw the region: county outlines filled by village coverage, edged by targets met.

    Fill: green at or above ``coverage_target`` of villages served daily,
    amber from 50 %, red below, grey when planning failed. Edge: solid dark
    green when no scored target is missed, dashed dark red otherwise. Names
    and messages are HTML-escaped; a banner says when any plan is synthetic.

    Returns
    -------
    folium.Map
    """
    from ruralnet.outputs.maps import (
        add_labels,
        binder_class,
        escape_html,
        import_folium,
        use_inline_leaflet,
    )

    folium = import_folium()
    bind = binder_class()
    m = folium.Map(tiles=None, control_scale=True, zoom_start=8, location=[27.0, 107.0])
    use_inline_leaflet(m, folium)
    folium.TileLayer("OpenStreetMap", name="底图 OpenStreetMap").add_to(m)
    rows = result.table.set_index("code", drop=False)
    group = folium.FeatureGroup(name="县域 counties").add_to(m)
    for o in result.outlines.itertuples():
        row = rows.loc[o.code]
        good = row["status"] == "ok" and (row["targets_not_met"] + row["targets_at_risk"]
                                          + row["targets_designed_short"]) == 0
        style = {"fillColor": _fill(row["village_share"], row["status"], coverage_target),
                 "fillOpacity": 0.55, "color": "#14532d" if good else "#7f1d1d",
                 "weight": 2.5, "dashArray": None if good else "6 4", "className": "rn-county"}
        layer = folium.GeoJson(shapely.geometry.mapping(o.geometry),
                               style_function=lambda _, s=style: s)
        layer.add_child(bind(_county_popup(row), escape_html(row["county"])))
        layer.add_to(group)
    add_labels(m, folium, [(str(rows.loc[o.code]["county"]), pt.y, pt.x)
                           for o in result.outlines.itertuples()
                           if o.geometry is not None and not o.geometry.is_empty
                           for pt in [o.geometry.representative_point()]], zoom_out=2.0)
    folium.LayerControl(collapsed=False).add_to(m)
    root = m.get_root()
    root.html.add_child(folium.Element(_region_legend(coverage_target)), name="rn_legend")
    if result.synthetic:
        root.html.add_child(folium.Element(
            "<div id='rn-synthetic-banner' class='rn-banner' role='alert'><b>⚠ 合成数据 "
            f"SYNTHETIC DATA</b>：{escape(SYNTHETIC_NOTICE_ZH)}<br><span class='rn-en'>"
            f"{escape(SYNTHETIC_NOTICE_EN)}</span></div>"), name="rn_banner")
    if len(result.outlines):
        x0, y0, x1, y1 = result.outlines.total_bounds
        m.fit_bounds([[y0, x0], [y1, x1]])
    return m


def _county_popup(row: pd.Series) -> str:
    from ruralnet.outputs.maps import escape_html

    head = f"<b>{escape_html(row['county'])}</b> ({escape_html(row['code'])})<br>"
    if row["status"] != "ok":
        return head + f"规划失败 failed: {escape_html(row['error'])}"
    return head + (
        f"行政村每日配送 villages daily: {row['villages_served']}/{row['villages_total']} "
        f"({row['village_share']:.1%})<br>乡镇 townships: {row['townships_served']}/"
        f"{row['townships_total']}<br>日成本 daily cost: {row['daily_cost_yuan']:,.0f} 元 · "
        f"车辆 vehicles {row['vehicles']}<br>指标 targets ({escape_html(row['system'])}): "
        f"规划达标 designed to meet {row['targets_designed']}, 规划未达 designed short "
        f"{row['targets_designed_short']}, 已达标 met {row['targets_met']}, 未达标 not met "
        f"{row['targets_not_met']}, 有风险 at risk {row['targets_at_risk']}, 待填报 awaiting "
        f"{row['targets_awaiting']}")


def _region_legend(target: float) -> str:
    items = [("#16a34a", f"行政村每日配送 ≥ {target:.0%} villages daily"),
             ("#f59e0b", f"50%–{target:.0%}"), ("#dc2626", "< 50%"),
             ("#9ca3af", "规划失败 planning failed")]
    body = "".join(f"<div class='rn-row'><span class='rn-sym' style='background:{c};"
                   f"height:12px'></span>{escape(t)}</div>" for c, t in items)
    return (f"<div id='rn-legend' class='rn-legend'><b>图例 Legend</b>{body}"
            "<div class='rn-note'>实线绿边：指标全部达标；红色虚线边：有未达标或有风险指标。"
            "<br>Solid green edge: no target missed; dashed red edge: a target not met or at "
            "risk.</div></div>")


# ------------------------------------------------------------------ pooled warehouses


@dataclass(frozen=True)
class PoolingParams:
    """Options of :func:`compare_pooled_warehouses` (all figures are planning assumptions).

    Attributes
    ----------
    max_warehouses
        Pooled designs with 1..``max_warehouses`` shared warehouses are compared.
    detour_factor
        Road distance over great-circle distance (1.4: hill roads; an
        estimate, not a road network).
    speed_kph
        Mean trunk speed on the estimated distances.
    warehouse_fixed_yuan
        Daily cost of one warehouse, pooled or county.
    trunk_fleet
        Trunk vehicle kinds per warehouse.
    day_start_min, day_end_min, trunk_arrival_by_min, station_service_min
        As in :class:`~ruralnet.routing.DailyRoutingParams`.
    time_limit_s, max_iterations
        Search of each trunk solve (the iteration cap binds first normally).

    Examples
    --------
    >>> PoolingParams(max_warehouses=0)
    Traceback (most recent call last):
    ...
    ValueError: max_warehouses must be in [1, 10], got 0
    """

    max_warehouses: int = 2
    detour_factor: float = 1.4
    speed_kph: float = 40.0
    warehouse_fixed_yuan: float = 1500.0
    trunk_fleet: tuple[FleetType, ...] = tuple(replace(f, num_available=40)
                                               for f in DEFAULT_TRUNK)
    day_start_min: int = 420
    day_end_min: int = 1080
    trunk_arrival_by_min: int = 600
    station_service_min: int = 15
    time_limit_s: float = 60.0
    max_iterations: int = 1000

    def __post_init__(self) -> None:
        if not 1 <= self.max_warehouses <= 10:
            raise ValueError(f"max_warehouses must be in [1, 10], got {self.max_warehouses}")
        if not self.detour_factor >= 1:
            raise ValueError(f"detour_factor must be >= 1, got {self.detour_factor}")
        for name in ("speed_kph", "time_limit_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")
        if not 0 <= self.day_start_min < self.trunk_arrival_by_min <= self.day_end_min <= 1440:
            raise ValueError("day_start_min < trunk_arrival_by_min <= day_end_min <= 1440 "
                             "required, got "
                             f"{(self.day_start_min, self.trunk_arrival_by_min, self.day_end_min)}")
        if self.max_iterations < 1 or not self.trunk_fleet:
            raise ValueError("max_iterations must be >= 1 and trunk_fleet non-empty, got "
                             f"{(self.max_iterations, len(self.trunk_fleet))}")


@dataclass(frozen=True, eq=False)
class PoolingComparison:
    """Pooled regional warehouses against one warehouse per county, per prefecture.

    Attributes
    ----------
    table
        One row per prefecture and design: ``design`` (``"separate"`` or
        ``"pooled k=…"``), ``warehouses``, ``warehouse_sites`` (county seats),
        ``trunk_vehicles``, ``trunk_km``, ``trunk_cost_yuan``,
        ``warehouse_cost_yuan``, ``total_cost_yuan``, ``stations_served``,
        ``stations_total``, ``station_share``, ``longest_route_min``,
        ``best`` (cheapest design serving the most stations), ``data``.
    assignment
        For the best pooled design of each prefecture: station → warehouse.
    notes
        Assumptions; the synthetic-data label when the stations are synthetic.
    """

    table: pd.DataFrame
    assignment: pd.DataFrame
    notes: tuple[str, ...]

    def summary(self) -> str:
        """Return the table as text with the notes."""
        cols = ["prefecture", "design", "warehouses", "trunk_vehicles", "trunk_km",
                "total_cost_yuan", "stations_served", "stations_total", "best"]
        return "\n".join([self.table[cols].to_string(index=False), *self.notes])


def compare_pooled_warehouses(result: RegionResult, params: PoolingParams | None = None, *,
                              seed: int = 0) -> PoolingComparison:
    """Compare 1..k shared warehouses per prefecture with one warehouse per county.

    Works on the township stations of the planned counties only (never the
    villages). Distances: great circle × ``detour_factor``; durations at
    ``speed_kph``. Separate: each county's plan warehouse(s) serve only its
    stations (one trunk solve per county). Pooled: ``p`` warehouses chosen
    among the county seats by p-median on station kg × km
    (:func:`ruralnet.siting.county.solve_p_median`, exact), then one multi-depot
    trunk solve across county lines. A station no trunk can reach by
    ``trunk_arrival_by_min`` is reported unserved rather than failing the design.

    Returns
    -------
    PoolingComparison
    """
    params = params or PoolingParams()
    rows, assign = [], []
    for pref, st in result.stations.groupby("prefecture", sort=False):
        seats = result.seats[result.seats["prefecture"] == pref].reset_index(drop=True)
        st = st.reset_index(drop=True)
        rows.append(_separate(pref, st, result.warehouses, params, seed))
        pooled = [_pooled(pref, st, seats, p, params, seed)
                  for p in range(1, min(params.max_warehouses, len(seats)) + 1)]
        rows += [r for r, _ in pooled]
        best = _best([r for r, _ in pooled])
        assign.append(pooled[best][1])
        logger.info("pooling %s: %d stations, %d counties", pref, len(st), len(seats))
    table = pd.DataFrame(rows)
    table["data"] = ("合成 SYNTHETIC stations; " if result.synthetic else "") + (
        "estimated distances (great circle × detour), not roads")
    if len(table):
        table["best"] = False
        for _, idx in table.groupby("prefecture", sort=False).groups.items():
            sub = table.loc[idx]
            table.loc[sub.index[_best(sub.to_dict("records"))], "best"] = True
    notes = [f"距离为直线距离×{params.detour_factor:g}、车速 {params.speed_kph:g} km/h 的估算，"
             f"非实际路网 | distances are great circle × {params.detour_factor:g} at "
             f"{params.speed_kph:g} km/h, estimates, not roads; costs are planning assumptions"]
    if result.synthetic:
        notes.append(f"合成数据 SYNTHETIC: {SYNTHETIC_NOTICE_EN}")
    return PoolingComparison(table, pd.concat(assign, ignore_index=True) if assign
                             else pd.DataFrame(), tuple(notes))


def _best(rows: list[dict[str, Any]]) -> int:
    """Index of the design serving the most stations, cheapest among those."""
    return min(range(len(rows)), key=lambda i: (-rows[i]["stations_served"],
                                                rows[i]["total_cost_yuan"]))


def _estimated(lon: np.ndarray, lat: np.ndarray,
               params: PoolingParams) -> tuple[np.ndarray, np.ndarray]:
    from ruralnet.siting.county import haversine_m

    d = haversine_m(lon, lat, lon, lat) * params.detour_factor
    dist = np.ceil(d).astype(np.int64)
    return dist, np.ceil(d / (params.speed_kph / 3.6)).astype(np.int64)


def _trunks(depots: pd.DataFrame, st: pd.DataFrame, params: PoolingParams,
            seed: int) -> dict[str, Any]:
    """One multi-depot trunk solve: the depots' vehicles serve every station they can reach.

    A station no vehicle can reach by ``trunk_arrival_by_min`` and bring back
    by the day's end, even alone, is left out and counted unserved; the rest
    are required (prizes would have to outweigh PyVRP's capped penalties).
    """
    lon = np.concatenate([depots["lon"].to_numpy(float), st["lon"].to_numpy(float)])
    lat = np.concatenate([depots["lat"].to_numpy(float), st["lat"].to_numpy(float)])
    dist, dur = _estimated(lon, lat, params)
    d0, d1 = params.day_start_min * 60, params.day_end_min * 60
    late, service, nd = params.trunk_arrival_by_min * 60, params.station_service_min * 60, len(
        depots)
    out, back = dur[:nd, nd:], dur[nd:, :nd].T
    cap = max(f.capacity_kg for f in params.trunk_fleet)
    load = np.maximum(st["deliver_kg"].to_numpy(float), st["pickup_kg"].to_numpy(float))
    ok = (((d0 + out <= late) & (d0 + out + service + back <= d1)).any(axis=0) & (load <= cap))
    keep = np.flatnonzero(ok)
    routes: tuple = ()
    if len(keep):
        ix = np.concatenate([np.arange(nd), nd + keep])
        problem = RoutingProblem(
            depots=tuple(Depot(tw_early_s=d0, tw_late_s=d1) for _ in range(nd)),
            clients=tuple(Client(delivery_kg=float(st["deliver_kg"].iloc[i]),
                                 pickup_kg=float(st["pickup_kg"].iloc[i]), service_s=service,
                                 tw_early_s=d0, tw_late_s=late) for i in keep),
            vehicle_types=tuple(f.vehicle_type(w, d0, d1) for w in range(nd)
                                for f in params.trunk_fleet),
            distance_m=dist[np.ix_(ix, ix)], duration_s=dur[np.ix_(ix, ix)])
        routes = solve_routes(problem, RoutingParams(time_limit_s=params.time_limit_s,
                                                     max_iterations=params.max_iterations),
                              seed=seed).routes
    km = sum(r.distance_m for r in routes) / 1000
    return {"trunk_vehicles": len(routes), "trunk_km": round(km, 1),
            "trunk_cost_yuan": round(sum(r.cost for r in routes), 2),
            "stations_served": len(keep),
            "longest_route_min": round(max((r.duration_s for r in routes), default=0) / 60, 1),
            "depot_of": {int(keep[s.client]): r.depot for r in routes for s in r.stops}}


def _row(pref: str, design: str, sites: list[str], tr: dict[str, Any], n_st: int,
         params: PoolingParams) -> dict[str, Any]:
    wh_cost = params.warehouse_fixed_yuan * len(sites)
    return {"prefecture": pref, "design": design, "warehouses": len(sites),
            "warehouse_sites": "、".join(sites), "trunk_vehicles": tr["trunk_vehicles"],
            "trunk_km": tr["trunk_km"], "trunk_cost_yuan": tr["trunk_cost_yuan"],
            "warehouse_cost_yuan": wh_cost,
            "total_cost_yuan": round(tr["trunk_cost_yuan"] + wh_cost, 2),
            "stations_served": tr["stations_served"], "stations_total": n_st,
            "station_share": round(tr["stations_served"] / n_st, 4) if n_st else 0.0,
            "longest_route_min": tr["longest_route_min"]}


def _separate(pref: str, st: pd.DataFrame, warehouses: pd.DataFrame, params: PoolingParams,
              seed: int) -> dict[str, Any]:
    total = {"trunk_vehicles": 0, "trunk_km": 0.0, "trunk_cost_yuan": 0.0, "stations_served": 0,
             "longest_route_min": 0.0}
    sites = []
    for code, own in st.groupby("code", sort=False):
        wh = warehouses[warehouses["code"] == code].reset_index(drop=True)
        sites += [f"{n}{w}" for n, w in zip(wh["county"], wh["site_id"], strict=True)]
        tr = _trunks(wh, own.reset_index(drop=True), params, seed)
        for k in ("trunk_vehicles", "trunk_km", "trunk_cost_yuan", "stations_served"):
            total[k] += tr[k]
        total["longest_route_min"] = max(total["longest_route_min"], tr["longest_route_min"])
    total["trunk_km"], total["trunk_cost_yuan"] = (round(total["trunk_km"], 1),
                                                   round(total["trunk_cost_yuan"], 2))
    return _row(pref, "separate", sites, total, len(st), params)


def _pooled(pref: str, st: pd.DataFrame, seats: pd.DataFrame, p: int, params: PoolingParams,
            seed: int) -> tuple[dict[str, Any], pd.DataFrame]:
    from ruralnet.siting.county import haversine_m, solve_p_median

    km = haversine_m(st["lon"], st["lat"], seats["lon"], seats["lat"]) * params.detour_factor
    weight = (st["deliver_kg"] + st["pickup_kg"]).to_numpy(float)
    pm = solve_p_median(km / 1000.0, p, weights=np.maximum(weight, 1e-3))
    open_ = seats.iloc[list(pm.open_sites)].reset_index(drop=True)
    tr = _trunks(open_, st, params, seed)
    depot = [tr["depot_of"].get(i, -1) for i in range(len(st))]
    assignment = st[["prefecture", "code", "county", "station_id"]].assign(
        design=f"pooled k={p}",
        warehouse=[open_["county"].iloc[d] + "县城" if d >= 0 else "" for d in depot],
        served=[d >= 0 for d in depot])
    sites = [f"{c}县城" for c in open_["county"]]
    return _row(pref, f"pooled k={p}", sites, tr, len(st), params), assignment

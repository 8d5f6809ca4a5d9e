"""Command-line interface: ``ruralnet plan --county 安溪 --out out/anxi``.

The only module that prints or catches :class:`~ruralnet.exceptions.RuralnetError`.
Exit codes: 0 success, 1 bad input or data (message says the fix), 2 usage
error (click), 3 infeasible constraints, 4 a plan failed validation, 70
internal error (please report it; rerun with ``--debug`` for the traceback).
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ruralnet._io import output_folder
from ruralnet.cli import targets as cli_targets
from ruralnet.exceptions import InfeasibleError, PlanValidationError, RuralnetError

EXIT_INPUT, EXIT_INFEASIBLE, EXIT_INVALID, EXIT_INTERNAL = 1, 3, 4, 70


class _State:
    lang = "both"
    debug = False
    basemap = "osm"


def _say_warning(message, category, filename, lineno, file=None, line=None) -> None:
    click.echo(click.style("警告 warning: ", fg="yellow") + str(message), err=True)


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command; turn ruralnet errors into a message and an exit code, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        warnings.showwarning = _say_warning
        try:
            return fn(*args, **kwargs)
        except RuralnetError as err:
            click.echo(click.style("错误 error: ", fg="red") + err.message(_State.lang), err=True)
            code = (EXIT_INFEASIBLE if isinstance(err, InfeasibleError)
                    else EXIT_INVALID if isinstance(err, PlanValidationError) else EXIT_INPUT)
            sys.exit(code)
        except (click.ClickException, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except Exception as err:  # last resort: no traceback for planners
            if _State.debug:
                raise
            click.echo(click.style("内部错误 internal error: ", fg="red")
                       + f"{type(err).__name__}: {err}\n请用 --debug 重新运行并报告此问题 | "
                       "rerun with --debug and report this problem.", err=True)
            sys.exit(EXIT_INTERNAL)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--lang", type=click.Choice(["zh", "en", "both"]), default="both",
              show_default=True, help="Language of messages / 提示语言.")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@click.version_option(package_name="ruralnet")
def main(lang: str, verbose: int, debug: bool) -> None:
    """Plan county rural e-commerce logistics (县域农村电商物流体系规划，县、乡、村三级).

    Plan a county's rural e-commerce logistics network and score it against
    the 电子商务进农村综合示范 programme targets.
    """
    _State.lang, _State.debug = lang, debug
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


@main.command()
@click.argument("query")
@click.option("--province", help="Province filter, e.g. 贵州.")
@click.option("--limit", default=20, show_default=True)
@guarded
def counties(query: str, province: str | None, limit: int) -> None:
    """Search county-level divisions by name or code / 查找县级区划."""
    from ruralnet.geo.admin import search_counties

    df = search_counties(query, province=province, limit=limit)
    if df.empty:
        raise RuralnetError(f"没有名称或代码包含“{query}”的县级区划。",
                            f"no county-level division name or code contains '{query}'.")
    click.echo("代码 code  名称 name  地区 region  乡镇 townships  行政村 villages  社区 communities")
    for r in df.itertuples():
        region = r.province + ("" if r.prefecture == r.province else r.prefecture)
        click.echo(f"{r.code}  {r.name}  {region}  {r.nbs_townships}  {r.village_committees}  "
                   f"{r.communities}")


def county_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by commands that load one county."""
    for opt in reversed([
        click.option("--county", required=True, help="County name, short name or code (安溪)."),
        click.option("--province", help="Qualifier for ambiguous names (贵州)."),
        click.option("--prefecture", help="Qualifier for ambiguous names (贵阳市)."),
        click.option("--village-file", type=click.Path(dir_okay=False),
                     help="Planner's village file (CSV/GeoJSON/GPKG) with real positions."),
        click.option("--seed", default=0, show_default=True, help="Seed of synthetic positions."),
    ]):
        fn = opt(fn)
    return fn


@main.command()
@county_options
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Output folder.")
@click.option("--format", "fmt", type=click.Choice(["gpkg", "geojson"]), default="geojson",
              show_default=True)
@click.option("--network/--no-network", default=True, show_default=True,
              help="Also write the road network layer.")
@click.option("--force", is_flag=True,
              help="Write into a non-empty folder, replacing only files ruralnet wrote there.")
@guarded
def geography(county: str, province: str | None, prefecture: str | None,
              village_file: str | None, seed: int, out: str, fmt: str, network: bool,
              force: bool) -> None:
    """Write a county's layers (boundary, townships, villages, roads) / 输出县域图层."""
    from ruralnet.geo.county import load_county

    c = load_county(county, province=province, prefecture=prefecture,
                    village_file=village_file, seed=seed)
    with output_folder(Path(out), force=force, inputs=[village_file]) as tmp:
        files = c.to_file(tmp, driver="GPKG" if fmt == "gpkg" else "GeoJSON")
        if network:
            from ruralnet.roads.network import synthetic_network

            net = synthetic_network(c, seed=seed)
            nodes, edges = net.to_geodataframes()
            if fmt == "gpkg":
                edges.to_file(tmp / "county.gpkg", layer="roads", driver="GPKG")
            else:
                edges.to_file(tmp / "roads.geojson", driver="GeoJSON")
                files.append(tmp / "roads.geojson")
    click.echo(c.summary())
    click.echo(f"已写入 wrote {len(files)} file(s) to {out}")


def _step(msg: str) -> None:
    click.echo(click.style("▸ ", fg="cyan") + msg, err=True)


@main.command()
@click.option("--county", help="County name, short name or code (安溪).")
@click.option("--scenario", type=click.Path(dir_okay=False), help="Scenario TOML file.")
@click.option("--province", help="Qualifier for ambiguous names (贵州).")
@click.option("--prefecture", help="Qualifier for ambiguous names (贵阳市).")
@click.option("--village-file", type=click.Path(dir_okay=False),
              help="Planner's village file (CSV/GeoJSON/GPKG) with real positions.")
@click.option("--osm-file", type=click.Path(dir_okay=False), help="OSM extract (.osm) for roads.")
@click.option("--online", is_flag=True, help="Download OSM roads with osmnx (needs internet).")
@click.option("--mode", type=click.Choice(["two_tier", "direct", "auto"]), help="Delivery mode.")
@click.option("--coverage", type=float, help="Share of villages served daily (default 0.8).")
@click.option("--warehouses", type=int, help="Maximum county warehouses (default 2).")
@click.option("--sites", "site_mode", type=click.Choice(["optimised", "fixed"]),
              default="optimised", show_default=True,
              help="fixed: warehouse at the county seat, stations at township seats.")
@click.option("--parcels-per-village", type=float, help="Default parcels/day down per village.")
@click.option("--system", help="Indicator system for the scorecard (e.g. 云南2018).")
@click.option("--design-for-targets/--no-design-for-targets", default=True, show_default=True,
              help="Raise quotas and coverage to the indicator system's plan targets.")
@click.option("--seed", default=None, type=int, help="Seed (default 0 or the scenario's).")
@click.option("--workers", type=int, default=None,
              help="Prefecture/province runs: Dask worker processes (default: cores; 0/1 serial).")
@click.option("--scheduler", help="Prefecture/province runs: an existing Dask scheduler address.")
@click.option("--pool-warehouses", type=click.IntRange(1, 10), default=None,
              help="Prefecture runs: also compare 1..k pooled regional warehouses.")
@click.option("--reproducible", is_flag=True,
              help="Prefecture/province runs: long time limits, same result under any load.")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Output folder.")
@click.option("--force", is_flag=True,
              help="Write into a non-empty folder, replacing only files ruralnet wrote there.")
@click.option("--basemap", type=click.Choice(["osm", "amap", "tianditu", "none"]),
              default="osm", show_default=True, expose_value=False,
              callback=lambda ctx, param, value: setattr(_State, "basemap", value),
              help="Base tiles of map.html: OpenStreetMap, 高德 (GCJ-02), 天地图 (key in "
                   "TIANDITU_KEY) or none (offline).")
@guarded
def plan(county: str | None, scenario: str | None, province: str | None,
         prefecture: str | None, village_file: str | None, osm_file: str | None, online: bool,
         mode: str | None, coverage: float | None, warehouses: int | None, site_mode: str,
         parcels_per_village: float | None, system: str | None, design_for_targets: bool,
         seed: int | None, workers: int | None, scheduler: str | None, pool_warehouses: int | None,
         reproducible: bool, out: str, force: bool) -> None:
    """Plan a county's daily three-tier logistics / 生成县域物流规划.

    Writes plan.json, routes.csv, scorecard.csv, map.html, report.html,
    plan.gpkg and plan.xlsx into --out, and the annex for the 实施方案:
    map_print.png/pdf (A4), map_print_A3.pdf, map_townships.pdf,
    report.docx, manifests.html, plan.kmz and plan_gcj02.kmz. The annex is
    Chinese unless --lang en or --lang both is given before the command. With --prefecture or --province and
    no --county, plans every county of that region (in parallel on Dask) into
    subfolders, with region_summary.csv and region_map.html.
    """
    from dataclasses import replace as dc_replace

    from ruralnet.geo.county import load_county
    from ruralnet.pipeline import load_network, plan_county, with_params
    from ruralnet.plan.build import PlanParams, Scenario

    if not county and not scenario and (prefecture or province):
        _plan_region(prefecture, province, workers, scheduler, pool_warehouses, reproducible,
                     system, seed or 0, Path(out), force)
        return
    if scenario:
        sc = Scenario.from_file(scenario)
    elif county:
        sc = Scenario(name=county, county=county)
    else:
        raise RuralnetError("请给出 --county 县名 或 --scenario 情景文件。",
                            "give --county NAME or --scenario FILE.")
    params: PlanParams = sc.params
    over: dict[str, Any] = {k: v for k, v in (("mode", mode), ("coverage_target", coverage),
                                              ("max_warehouses", warehouses)) if v is not None}
    if parcels_per_village is not None:
        try:
            over["demand"] = dc_replace(params.demand, parcels_per_village=parcels_per_village)
        except ValueError as exc:
            raise RuralnetError(f"参数超出范围：{exc}", f"parameter out of range: {exc}") from None
    params = with_params(params, **over)
    seed = sc.seed if seed is None else seed
    out_path = Path(out)
    with output_folder(out_path, force=force,
                       inputs=[village_file, osm_file, scenario, sc.village_file, sc.osm_file]) as tmp:
        _step(f"载入县域 loading county {county or sc.county}")
        c = load_county(county or sc.county, province=province or sc.province,
                        prefecture=prefecture or sc.prefecture,
                        village_file=village_file or sc.village_file, seed=seed,
                        demand=params.demand)
        click.echo(c.summary(), err=True)
        osm = osm_file or (str(sc.osm_file) if sc.osm_file else None)
        _step("读取 OSM 路网 reading the OSM extract" if osm else
              "下载 OSM 路网 downloading OSM roads" if online else
              "生成合成路网 building the SYNTHETIC road network")
        net = load_network(c, osm_file=osm, online=online, seed=seed)
        _step("选址与每日线路规划 siting and daily routes (OR-Tools / PyVRP)")
        used: list[Any] = []
        p = plan_county(c, params, network=net, system=system,
                        design_for_targets=design_for_targets,
                        explicit=set(sc.explicit_keys) | set(over),
                        sites="fixed" if site_mode == "fixed" else None, seed=seed, inputs=used)
        system = used[0].system
        if used[0].overrides:
            _step(f"按 {system} 的目标设计 designed for {system}: "
                  + ", ".join(f"{k}={v}" for k, v in used[0].overrides.items()))
        for note in p.data["notes"]:
            click.echo(click.style("注意 note: ", fg="yellow") + note, err=True)
        _step("写出结果 writing outputs")
        from ruralnet.outputs.write import write_outputs

        files = write_outputs(p, c, tmp, system=system, lang=_report_lang(),
                              basemap=_State.basemap)
    click.echo(p.summary())
    click.echo(f"已写入 wrote {', '.join(files)} → {out_path}")


def _report_lang() -> str:
    """Return the annex language: the global --lang when given, else Chinese."""
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx else None
    given = root is not None and root.get_parameter_source("lang") not in (
        None, click.core.ParameterSource.DEFAULT)
    return _State.lang if given else "zh"


def _plan_region(prefecture: str | None, province: str | None, workers: int | None,
                 scheduler: str | None, pool_warehouses: int | None, reproducible: bool,
                 system: str | None, seed: int, out: Path, force: bool) -> None:
    """Plan every county of a prefecture or province and write the roll-up."""
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")  # before dask is imported
    from ruralnet.plan.build import PlanParams
    from ruralnet.regional.run import (
        PoolingParams,
        counties_of_prefecture,
        counties_of_province,
        plan_region,
    )
    from ruralnet.regional.run import reproducible as long_limits

    counties = (counties_of_prefecture(prefecture, province=province) if prefecture
                else counties_of_province(province or ""))
    _step(f"逐县规划 planning {len(counties)} counties")
    params = long_limits(PlanParams()) if reproducible else PlanParams()
    pooling = PoolingParams(max_warehouses=pool_warehouses) if pool_warehouses else None
    with output_folder(out, force=force) as tmp:
        res = plan_region(counties, params, out_dir=tmp, seed=seed, workers=workers,
                          scheduler=scheduler, system=system, province=province,
                          pooling=pooling, keep_plans=False)
    click.echo(res.summary())
    if res.pooling is not None:
        click.echo(res.pooling.summary())
    click.echo(f"已写入 wrote {', '.join(res.files)} → {out}")
    if (res.table["status"] == "failed").any():
        sys.exit(EXIT_INPUT)


@main.command()
@click.argument("plan_file", type=click.Path(dir_okay=False))
@guarded
def validate(plan_file: str) -> None:
    """Re-check every invariant of a plan.json / 校验规划文件.

    Times add up, loads within capacity, feeders leave after the trunk,
    coverage claims true, road km never shorter than the straight line.
    Exit code 4 when the plan fails.
    """
    from ruralnet.plan.document import Plan, check_plan

    p = Plan.from_json(plan_file)
    check_plan(p)
    n = len(p.data["routes"])
    click.echo(f"通过 OK: {plan_file} — {n} 条线路全部校验通过 all {n} routes pass every check.")


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--system", help="Indicator system for the targets columns.")
@click.option("--out", type=click.Path(dir_okay=False), help="Also write the table as CSV.")
@guarded
def compare(inputs: tuple[str, ...], system: str | None, out: str | None) -> None:
    """Compare plans or scenarios side by side / 方案对比.

    INPUTS are plan.json files or scenario .toml files (planned on the fly).
    """
    from ruralnet.outputs.compare import compare_plans
    from ruralnet.pipeline import plan_county
    from ruralnet.plan.build import Scenario
    from ruralnet.plan.document import Plan

    if len(inputs) < 2:
        raise RuralnetError("请至少给出两个方案（plan.json 或情景 .toml）。",
                            "give at least two plans (plan.json or scenario .toml).")
    plans = {}
    for path in inputs:
        if path.endswith(".toml"):
            sc = Scenario.from_file(path)
            _step(f"规划情景 planning scenario {sc.name}")
            plans[sc.name] = plan_county(sc, system=system)
        else:
            plans[Path(path).parent.name or path] = Plan.from_json(path)
    table = compare_plans(plans, system=system)
    click.echo(table.to_string(index=False))
    if out:
        from ruralnet.outputs.exports import atomic_path

        with atomic_path(out) as tmp:
            table.to_csv(tmp, index=False, encoding="utf-8-sig")


for _name in ("score", "budget", "track", "select"):
    main.add_command(getattr(cli_targets, _name), _name)

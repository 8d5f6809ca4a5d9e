"""Command-line interface: ``ruralnet plan --county 安溪 --out out/anxi``.

With ``cli.targets``, the only code that prints; errors go through the one
guard of :mod:`ruralnet.cli.errors` (exit codes: 0 success, 1 bad input or
data, 2 usage error or bad option value, 3 infeasible constraints, 4 a plan
failed validation, 70 internal error with the bug-report hint).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ruralnet._io import check_not_input, output_folder
from ruralnet.cli import targets as cli_targets
from ruralnet.cli.errors import EXIT_INFEASIBLE, EXIT_INPUT, guarded, lang, pick, setup_logging
from ruralnet.cli.options import check_input_file, check_number, check_plan_options
from ruralnet.economics.options import EconomicsOptions
from ruralnet.economics.summary import economics_summary
from ruralnet.exceptions import RuralnetError


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
    setup_logging(lang, verbose)  # --lang and --debug are read from the context by cli.errors


@main.command()
@click.argument("query")
@click.option("--province", help="Province filter, e.g. 贵州.")
@click.option("--limit", default=20, show_default=True)
@guarded
def counties(query: str, province: str | None, limit: int) -> None:
    """Search county-level divisions by name or code / 查找县级区划."""
    from ruralnet.geo.admin import search_counties

    check_number("--limit", limit, low=1)
    df = search_counties(query, province=province, limit=limit)
    if df.empty:
        raise RuralnetError(f"没有名称或代码包含“{query}”的县级区划。",
                            f"no county-level division name or code contains '{query}'.")
    click.echo("代码 code  名称 name  地区 region  乡镇 townships  行政村 villages  "
               "社区 communities")
    for r in df.itertuples():
        region = r.province + ("" if r.prefecture == r.province else r.prefecture)
        click.echo(f"{r.code}  {r.name}  {region}  {r.nbs_townships}  {r.village_committees}  "
                   f"{r.communities}")


village_file_options = [
    click.option("--crs", "village_crs", default=None,
                 help="Datum of the village file's coordinates: wgs84 (GPS, default), gcj02 "
                      "(高德/腾讯) or bd09 (百度); a crs column overrides it per row."),
    click.option("--sheet", default=None, help="Excel sheet of the village file (default: first)."),
]


def village_spec(path: str | None, crs: str | None, sheet: str | None) -> Any:
    """Return the village file as given: a path, or a VillageFile with --crs and --sheet."""
    from ruralnet.geo.coords import parse_datum

    if crs is not None and parse_datum(crs) is None:
        raise click.BadParameter(f"{crs!r}：请用 wgs84、gcj02（高德/腾讯）或 bd09（百度）| "
                                 "use wgs84, gcj02 (Amap/Tencent) or bd09 (Baidu)",
                                 param_hint="--crs")
    if path is None or (crs is None and sheet is None):
        return path
    from ruralnet.geo.village_file import VillageFile

    return VillageFile(path, crs=crs, sheet=sheet)


def county_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by commands that load one county."""
    for opt in reversed([
        click.option("--county", required=True, help="County name, short name or code (安溪)."),
        click.option("--province", help="Qualifier for ambiguous names (贵州)."),
        click.option("--prefecture", help="Qualifier for ambiguous names (贵阳市)."),
        click.option("--village-file", type=click.Path(dir_okay=False),
                     help="Planner's village file (CSV/TSV/XLSX/GeoJSON/GPKG/SHP/KML/KMZ) with "
                          "real positions; see data/village_dictionary.md."),
        *village_file_options,
        click.option("--seed", default=0, show_default=True, help="Seed of synthetic positions."),
    ]):
        fn = opt(fn)
    return fn


@main.command()
@county_options
@click.option("--out", type=click.Path(file_okay=False), help="Output folder.")
@click.option("--template", type=click.Path(dir_okay=False),
              help="Write a fill-in village file (.xlsx/.csv) with every official village "
                   "name and code, instead of the layers.")
@click.option("--format", "fmt", type=click.Choice(["gpkg", "geojson"]), default="geojson",
              show_default=True)
@click.option("--network/--no-network", default=True, show_default=True,
              help="Also write the road network layer.")
@click.option("--force", is_flag=True,
              help="Write into a non-empty folder, replacing only files ruralnet wrote there.")
@click.option("--osm-file", type=click.Path(dir_okay=False),
              help="OSM extract (.osm, .osm.bz2, .osm.pbf) for roads and village positions.")
@guarded
def geography(county: str, province: str | None, prefecture: str | None,
              village_file: str | None, village_crs: str | None, sheet: str | None, seed: int,
              out: str | None, template: str | None, fmt: str, network: bool,
              force: bool, osm_file: str | None) -> None:
    """Write a county's layers (boundary, townships, villages, roads) / 输出县域图层."""
    from ruralnet.geo.county import load_county

    if template:
        from ruralnet.geo.village_template import write_village_template

        positions = None
        if osm_file:  # pre-fill the positions the OSM extract gives
            from ruralnet.roads.osm_county import read_county_osm

            check_input_file("--osm-file", osm_file)
            read = read_county_osm(load_county(county, province=province,
                                               prefecture=prefecture, seed=seed), osm_file)
            v = read.county.villages
            osm = v[v["position_source"] == "osm"]
            positions = {str(r.village_id): (r.geometry.x, r.geometry.y, "osm")
                         for r in osm.itertuples()}
            click.echo(read.summary())
        n = write_village_template(county, template, province=province, prefecture=prefecture,
                                   force=force, positions=positions)
        filled = f", {len(positions)} with OSM positions" if positions else ""
        click.echo(f"已写入村庄模板 wrote the village template ({n} villages{filled}) "
                   f"to {template}")
        return
    if not out:
        raise click.UsageError("需要 --out 输出目录（或 --template 模板文件）| "
                               "--out is required (or --template FILE).")
    check_number("--seed", seed, low=0)
    check_input_file("--village-file", village_file)
    check_input_file("--osm-file", osm_file)
    with output_folder(Path(out), force=force, inputs=[village_file, osm_file]) as tmp:
        c = load_county(county, province=province, prefecture=prefecture,
                        village_file=village_spec(village_file, village_crs, sheet), seed=seed)
        osm_read = None
        if osm_file:
            from ruralnet.roads.osm_county import read_county_osm

            osm_read = read_county_osm(c, osm_file)
            c = osm_read.county
        files = c.to_file(tmp, driver="GPKG" if fmt == "gpkg" else "GeoJSON")
        if osm_read is not None:
            files.append(osm_read.match.write_csv(tmp / "osm_villages.csv"))
        if network:
            from ruralnet.roads.network import synthetic_network

            net = osm_read.network if osm_read is not None else synthetic_network(c, seed=seed)
            nodes, edges = net.to_geodataframes()
            if fmt == "gpkg":
                edges.to_file(tmp / "county.gpkg", layer="roads", driver="GPKG")
            else:
                edges.to_file(tmp / "roads.geojson", driver="GeoJSON")
                files.append(tmp / "roads.geojson")
    click.echo(c.summary())
    if osm_read is not None:
        click.echo(osm_read.summary())
    click.echo(f"已写入 wrote {len(files)} file(s) to {out}")


def _step(msg: str) -> None:
    click.echo(click.style("▸ ", fg="cyan") + msg, err=True)


@main.command()
@click.option("--county", help="County name, short name or code (安溪).")
@click.option("--scenario", type=click.Path(dir_okay=False), help="Scenario TOML file.")
@click.option("--province", help="Qualifier for ambiguous names (贵州).")
@click.option("--prefecture", help="Qualifier for ambiguous names (贵阳市).")
@click.option("--village-file", type=click.Path(dir_okay=False),
              help="Planner's village file (CSV/TSV/XLSX/GeoJSON/GPKG/SHP/KML/KMZ).")
@village_file_options[0]
@village_file_options[1]
@click.option("--osm-file", type=click.Path(dir_okay=False),
              help="OSM extract (.osm, .osm.bz2, .osm.pbf; a whole province is fine) for roads "
                   "and village positions.")
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
@click.option("--carriers", help="共同配送: carriers table (carrier,share CSV) or 'default' "
              "(an assumed split): plan each carrier alone and all pooled.")
@click.option("--reference-price", type=float,
              help="Reference price per parcel in yuan (e.g. the provincial capital's) for "
                   "the cost-parity rows.")
@click.option("--budget", "budget_file", type=click.Path(dir_okay=False),
              help="Fund-table CSV to check the plan's investment against, per category.")
@click.option("--sensitivity", is_flag=True,
              help="Also plan at 0.5x, 1.5x and 2x the parcel volume.")
@click.option("--workers", type=int, default=None,
              help="Prefecture/province runs: Dask worker processes (default: cores; 0/1 serial).")
@click.option("--scheduler", help="Prefecture/province runs: an existing Dask scheduler address.")
@click.option("--pool-warehouses", type=click.IntRange(1, 10), default=None,
              help="Prefecture runs: also compare 1..k pooled regional warehouses.")
@click.option("--reproducible", is_flag=True,
              help="Prefecture/province runs: even longer safety time limits (plans are "
                   "reproducible by default; this is for very overloaded workers).")
@click.option("--week", is_flag=True,
              help="Also plan the week: every other 行政村 on a fixed pattern of days (每周班次).")
@click.option("--min-visits", type=click.IntRange(1, 14), default=None,
              help="Weekly plan: visits a week of each village not served daily (default 2).")
@click.option("--horizon-days", type=click.IntRange(1, 14), default=None,
              help="Working days of the week (default 7; 6 = Mon–Sat).")
@click.option("--frequency-curve", is_flag=True,
              help="With --week: also re-plan the week for daily share 80/90/100 % × minimum "
                   "visits 1/2/3 a week (频次曲线; 3 day plans and 9 weeks: slow).")
@click.option("--strict", is_flag=True,
              help="Exit 3 when any plan target of the county's indicator system is not met.")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Output folder.")
@click.option("--force", is_flag=True,
              help="Write into a non-empty folder, replacing only files ruralnet wrote there.")
@click.option("--basemap", type=click.Choice(["osm", "amap", "tianditu", "none"]),
              default="osm", show_default=True, expose_value=False,
              callback=lambda ctx, param, value: ctx.meta.__setitem__("basemap", value),
              help="Base tiles of map.html: OpenStreetMap, 高德 (GCJ-02), 天地图 (key in "
                   "TIANDITU_KEY) or none (offline).")
@guarded
def plan(county: str | None, scenario: str | None, province: str | None,
         prefecture: str | None, village_file: str | None, village_crs: str | None,
         sheet: str | None, osm_file: str | None, online: bool,
         mode: str | None, coverage: float | None, warehouses: int | None, site_mode: str,
         parcels_per_village: float | None, system: str | None, design_for_targets: bool,
         seed: int | None, carriers: str | None, reference_price: float | None,
         budget_file: str | None, sensitivity: bool, workers: int | None,
         scheduler: str | None, pool_warehouses: int | None,
         reproducible: bool, week: bool, min_visits: int | None, horizon_days: int | None,
         frequency_curve: bool, strict: bool, out: str, force: bool) -> None:
    """Plan a county's daily three-tier logistics / 生成县域物流规划.

    Writes plan.json, routes.csv, scorecard.csv, map.html, report.html,
    plan.gpkg and plan.xlsx into --out, and the annex for the 实施方案:
    map_print.png/pdf (A4), map_print_A3.pdf, map_townships.pdf,
    report.docx, manifests.html, plan.kmz and plan_gcj02.kmz. The annex is
    Chinese unless --lang en or --lang both is given before the command.
    With --prefecture or --province and no --county, plans every county of
    that region (in parallel on Dask) into subfolders, with
    region_summary.csv and region_map.html.
    """
    from ruralnet.pipeline import plan_county, with_params
    from ruralnet.plan.build import PlanParams, Scenario

    check_plan_options(coverage=coverage, warehouses=warehouses,
                       parcels_per_village=parcels_per_village, seed=seed, workers=workers,
                       files={"--scenario": scenario, "--village-file": village_file,
                              "--osm-file": osm_file, "--budget": budget_file,
                              "--carriers": None if carriers == "default" else carriers})
    check_number("--reference-price", reference_price, low=0.0, low_ok=False)
    if system:  # an unknown indicator system is refused before any planning
        from ruralnet.programme.targets import load_system

        load_system(system)
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
                                              ("max_warehouses", warehouses),
                                              ("min_visits_per_week", min_visits),
                                              ("horizon_days", horizon_days)) if v is not None}
    if week or frequency_curve:
        over["week"] = True
    if frequency_curve:
        over["frequency_curve"] = True
    if parcels_per_village is not None:
        over["demand"] = with_params(params.demand, parcels_per_village=parcels_per_village)
    params = with_params(params, **over)
    seed = sc.seed if seed is None else seed
    econ = EconomicsOptions.from_table(sc.economics | {k: v for k, v in (
        ("carriers", carriers), ("reference_price_yuan", reference_price),
        ("budget_file", budget_file), ("sensitivity", sensitivity or None)) if v is not None})
    out_path = Path(out)
    inputs = [village_file, osm_file, scenario, sc.village_file, sc.osm_file, budget_file,
              carriers]
    with output_folder(out_path, force=force, inputs=inputs) as tmp:
        osm = osm_file or (str(sc.osm_file) if sc.osm_file else None)
        stages = {  # printed by plan_county as each stage starts, not all up front
            "county": f"载入县域 loading county {county or sc.county}",
            "roads": ("读取 OSM 路网 reading the OSM extract" if osm else
                      "下载 OSM 路网 downloading OSM roads" if online else
                      "生成合成路网 building the SYNTHETIC road network"),
            "plan": "选址与每日线路规划 siting and daily routes (OR-Tools / PyVRP)"}
        used: list[Any] = []
        # plan_county loads the county, its village file and the OSM extract (the one call site)
        p = plan_county(county or sc.county, params, province=province or sc.province,
                        prefecture=prefecture or sc.prefecture,
                        village_file=village_spec(village_file or sc.village_file,
                                                  village_crs, sheet),
                        osm_file=osm, online=online, system=system,
                        design_for_targets=design_for_targets,
                        explicit=set(sc.explicit_keys) | set(over),
                        sites="fixed" if site_mode == "fixed" else None, seed=seed, inputs=used,
                        economics=econ, progress=lambda stage: _step(stages[stage]))
        c, osm_read = used[0].county, used[0].osm
        click.echo(c.summary(), err=True)
        if osm_read is not None:
            click.echo(osm_read.summary(), err=True)
        system = used[0].system
        if used[0].overrides:
            _step(f"按 {system} 的目标设计 designed for {system}: "
                  + ", ".join(f"{k}={v}" for k, v in used[0].overrides.items()))
        for note in p.data["notes"]:
            click.echo(click.style("注意 note: ", fg="yellow") + pick(note, lang()), err=True)
        _step("写出结果 writing outputs")
        from ruralnet.outputs.write import write_outputs

        files = write_outputs(p, c, tmp, system=system, lang=_report_lang(),
                              basemap=click.get_current_context().meta.get("basemap", "osm"))
        if osm_read is not None:
            files = [*files, osm_read.match.write_csv(tmp / "osm_villages.csv").name]
    click.echo(p.summary())
    click.echo(economics_summary(p.data.get("economics", {})))
    wk = p.data.get("weekly")
    if wk:
        cov, cost = wk["coverage"], wk["costs"]
        click.echo(f"  每周 week ({wk['horizon_days']} 天 days): 行政村 villages daily "
                   f"{cov['villages_daily']}/{cov['villages_total']}, ≥ "
                   f"{wk['min_visits_per_week']} 次/周 visits a week {cov['villages_min_visits']}/"
                   f"{cov['villages_total']}; {cost['total_per_week']:.0f} 元/周 yuan a week vs "
                   f"daily plan repeated {cost['daily_plan_repeated_per_week']:.0f} "
                   f"(ratio {cost['ratio_to_daily_repeated']})")
        for c in (wk.get("frequency") or {}).get("cells", []):
            click.echo(f"  频次 frequency {100 * c['daily_share_target']:.0f}% daily × "
                       f"{c['min_visits']}/周: " + (
                           f"{c['cost_per_week']:.0f} 元/周, {c['vehicles']} vehicles"
                           if c["cost_per_week"] is not None else "—")
                       + ("" if c["feasible"] else f" — 不可行 infeasible: {c['en']}"))
    click.echo(f"已写入 wrote {', '.join(files)} → {out_path}")
    echo_verdicts(p, system, params, set(sc.explicit_keys) | set(over))
    if _say_not_met(p, system) and strict:
        sys.exit(EXIT_INFEASIBLE)


def echo_verdicts(p: Any, system: str, params: Any, explicit: set[str]) -> None:
    """Print one verdict line per target group; warn when the scenario weakens its own targets."""
    from ruralnet.plan.figures import plan_figures
    from ruralnet.programme.requirements import weakened_targets
    from ruralnet.programme.scorecard import score_plan
    from ruralnet.programme.targets import load_system

    card = score_plan(p, system)
    for line in plan_figures(p).lines():
        click.echo(line)
    sys_obj = load_system(system)
    county = p.data["county"]
    if sys_obj.applies_to(county.get("name"), county.get("prefecture"), county.get("province")):
        for zh, en in weakened_targets(sys_obj, params, explicit):
            click.echo(click.style("警告 warning: ", fg="yellow") + f"{zh} | {en}", err=True)
    for line in card.verdict_lines():
        click.echo(click.style("目标 targets: ", bold=True) + line)


def _say_not_met(p: Any, system: str | None) -> int:
    """Print stations without a daily trunk and the plan targets not met; return the count."""
    from ruralnet.programme.metrics import station_towns
    from ruralnet.programme.scorecard import score_plan

    label = station_towns(p.data)
    for x in (p.data.get("multi_day") or {}).get("not_daily", []):
        if x["kind"] == "station":
            text = x["zh"] if lang() == "zh" else x["en"] if lang() == "en" else (
                f"{x['zh']} | {x['en']}")
            click.echo(click.style("非每日 not daily: ", fg="yellow")
                       + f"{label.get(x['id'], x['id'])} {text}")
    table = score_plan(p.data, system).table
    missed = table[table["status"].isin(("not met", "designed short"))
                   & (table["source"] == "plan")]
    for row in missed.itertuples():
        click.echo(click.style("未达标 not met: ", fg="red")
                   + f"{row.indicator} ({row.id}): {row.value:.4g} vs {row.target} — "
                   + str(row.evidence))
    return len(missed)


def _report_lang() -> str:
    """Return the annex language: the global --lang when given, else Chinese."""
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx else None
    given = root is not None and root.get_parameter_source("lang") not in (
        None, click.core.ParameterSource.DEFAULT)
    return lang() if given else "zh"


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

    for path in inputs:
        check_input_file("INPUTS", path)
    if out:
        check_not_input(out, inputs)
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
        from ruralnet._io import atomic_path

        with atomic_path(out) as tmp:
            table.to_csv(tmp, index=False, encoding="utf-8-sig")


for _name in ("score", "budget", "track", "select"):
    main.add_command(getattr(cli_targets, _name), _name)

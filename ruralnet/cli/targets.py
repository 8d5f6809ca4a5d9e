"""Command-line commands for programme targets: ``score``, ``budget``, ``track``, ``select``.

Each is a standalone :func:`click.command`; ``ruralnet.cli.main`` adds them to
the main group with ``add_command``. These commands are, with ``cli``, the
only code that prints. Errors go through the same guard as every other
command (:func:`ruralnet.cli.errors.guarded`: bilingual message, exit codes
1/2/3/4/70, never a traceback). Files are written atomically; ``--out`` never
replaces an input of the run, and ``track --out`` writes a folder the same
safe way as ``plan`` (only files ruralnet wrote are replaced).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ruralnet._io import atomic_path, check_not_input, output_folder
from ruralnet.cli.errors import guarded
from ruralnet.exceptions import InputFileError


def _read_plan(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except json.JSONDecodeError as exc:
        raise InputFileError(
            f"{path} 不是有效的 JSON (第{exc.lineno}行): {exc.msg}",
            f"{path} is not valid JSON (line {exc.lineno}): {exc.msg}",
            path=path, line=exc.lineno,
        ) from None


@click.command("score")
@click.argument("plan_json", type=click.Path(exists=True, dir_okay=False))
@click.option("--system", "system_name", default=None,
              help="Indicator system id or alias (default: the county's province system).")
@click.option("--actuals", type=click.Path(exists=True, dir_okay=False), default=None,
              help="CSV of entered values: date, indicator, value[, unit, note].")
@click.option("--input", "inputs", multiple=True, metavar="NAME=VALUE",
              help="A system input, e.g. national_rural_online_retail_growth=12.5.")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Write the scorecard table to this CSV file.")
@guarded
def score(plan_json: str, system_name: str | None, actuals: str | None,
          inputs: tuple[str, ...], out: str | None) -> None:
    """Score PLAN_JSON against a programme indicator system."""
    from ruralnet.programme.scorecard import score_plan

    values = {}
    for item in inputs:
        name, _, value = item.partition("=")
        try:
            values[name.strip()] = float(value)
        except ValueError:
            raise click.BadParameter(f"expected NAME=NUMBER, got {item!r}",
                                     param_hint="--input") from None
    if out:
        check_not_input(out, [plan_json, actuals])
    card = score_plan(_read_plan(plan_json), system_name, actuals=actuals, inputs=values)
    click.echo(card.summary())
    if out:
        with atomic_path(out) as tmp:
            card.table.to_csv(tmp, index=False, encoding="utf-8-sig")
        click.echo(f"wrote {out}")


@click.command("budget")
@click.argument("budget_csv", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--system", "system_name", required=True,
              help="Indicator system whose fund rules apply, e.g. yunnan_2018.")
@click.option("--plan", "plan_file", type=click.Path(exists=True, dir_okay=False),
              help="A plan.json: check its investment per category against the system's "
                   "fund-table lines (and against BUDGET_CSV's categories when given).")
@guarded
def budget(budget_csv: str | None, system_name: str, plan_file: str | None) -> None:
    """Check BUDGET_CSV against a system's fund rules, and/or a plan's spend against its table.

    Exits 1 when a fund rule is broken or the plan does not fit its fund table.
    """
    from ruralnet.plan.document import Plan
    from ruralnet.plan.investment import check_against_budget, plan_investment
    from ruralnet.programme.budget import check_budget, read_budget
    from ruralnet.programme.plan_spend import plan_against_fund_table
    from ruralnet.programme.targets import load_system

    if budget_csv is None and plan_file is None:
        raise click.UsageError("请给出预算文件 BUDGET_CSV 或 --plan plan.json | "
                               "give a BUDGET_CSV or --plan plan.json.")
    system = load_system(system_name)
    failed = False
    if budget_csv is not None:
        result = check_budget(budget_csv, system)
        click.echo(result.summary())
        failed |= not result.passed
    if plan_file is not None:
        doc = Plan.from_json(plan_file).data
        inv = (doc.get("economics") or {}).get("investment") or plan_investment(doc)
        click.echo(f"规划投资 plan investment: {inv['capital_wan']:,.1f} 万元 ({inv['source']})")
        rows = plan_against_fund_table(inv, system)
        if budget_csv is not None:
            by_cat = read_budget(budget_csv).groupby("category")["amount_wan"].sum().to_dict()
            rows += [r | {"lines": [{"line_item": f"{Path(budget_csv).name} ({r['category']})"}],
                          "citation": ""} for r in check_against_budget(inv, by_cat)]
        for r in rows:
            if r["budget_wan"] is None:
                click.echo(f"  {r['category']}: 计划 planned {r['planned_wan']:,.1f} 万元 — "
                           f"{system.id} 资金表无此项 no such line in the fund table")
                continue
            word = "在资金表内 fits" if r["fits"] else "超出 over"
            items = "、".join(ln["line_item"] for ln in r["lines"])
            click.echo(f"  {r['category']}: 计划 planned {r['planned_wan']:,.1f} / "
                       f"{r['budget_wan']:,.1f} 万元 ({items}) → {word}")
            failed |= r["fits"] is False
    if failed:
        raise click.exceptions.Exit(1)


@click.command("track")
@click.option("--county", required=True, help="County name or code, e.g. 安溪.")
@click.option("--province", default=None, help="Qualifier for ambiguous county names (贵州).")
@click.option("--actuals", required=True, type=click.Path(exists=True, dir_okay=False),
              help="CSV of entered values: date, indicator, value[, unit, note].")
@click.option("--system", "system_name", default=None,
              help="Indicator system (default: the county's own or its province's).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Folder for tracking_<system>.csv, _history.csv and .png.")
@click.option("--lang", type=click.Choice(["auto", "zh", "en"]), default="auto",
              help="Chart labels (auto: Chinese if a CJK font is installed).")
@click.option("--force", is_flag=True,
              help="Write into a non-empty folder, replacing only files ruralnet wrote there.")
@guarded
def track(county: str, province: str | None, actuals: str, system_name: str | None,
          out_dir: str | None, lang: str, force: bool) -> None:
    """Track entered indicators of a county and project them to the deadline."""
    import warnings

    from ruralnet.programme.targets import default_system_id, load_system
    from ruralnet.programme.tracking import plot_tracking
    from ruralnet.programme.tracking import track as track_actuals

    name = county
    if system_name is None:
        from ruralnet.geo.admin import resolve_county

        record = resolve_county(county, province=province)
        name = record.name
        system_name, why = default_system_id(record.name, record.province, record.prefecture)
        click.echo(f"注 note: {why}")
    system = load_system(system_name)
    result = track_actuals(actuals, system, county=name)
    click.echo(result.summary())
    if not out_dir:
        return
    stem = f"tracking_{system.id}"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = plot_tracking(result, lang=None if lang == "auto" else lang)
    for w in caught:
        click.echo(f"warning: {w.message}", err=True)
    with output_folder(out_dir, force=force, inputs=[actuals]) as tmp:
        result.projections.to_csv(tmp / f"{stem}.csv", index=False, encoding="utf-8-sig")
        result.history.to_csv(tmp / f"{stem}_history.csv", index=False, encoding="utf-8-sig")
        fig.savefig(tmp / f"{stem}.png", format="png", dpi=100)
    folder = Path(out_dir)
    click.echo(f"wrote {folder / stem}.csv, {folder / stem}_history.csv, {folder / stem}.png")


@click.command("select")
@click.argument("facts_csv", type=click.Path(exists=True, dir_okay=False))
@click.option("--top", type=int, default=None,
              help="How many counties to select (default: the rules' 12).")
@click.option("--rules", "rules_name", default="guizhou_2016_selection",
              help="Selection rules id or path.")
@click.option("--weight", "weights", multiple=True, metavar="COLUMN=WEIGHT",
              help="Change a criterion weight, e.g. ecommerce_firms=0.3.")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Write the ranked table to this CSV file.")
@guarded
def select(facts_csv: str, top: int | None, rules_name: str, weights: tuple[str, ...],
           out: str | None) -> None:
    """Rank the candidate counties of FACTS_CSV and select the best under the rules."""
    from ruralnet.programme.selection import load_rules, select_counties

    rules = load_rules(rules_name)
    if weights:
        parsed = {}
        for item in weights:
            column, _, value = item.partition("=")
            try:
                parsed[column.strip()] = float(value)
            except ValueError:
                raise click.BadParameter(f"expected COLUMN=NUMBER, got {item!r}",
                                         param_hint="--weight") from None
        rules = rules.with_weights(parsed)
    if out:
        check_not_input(out, [facts_csv])
    result = select_counties(facts_csv, rules, n_selected=top)
    click.echo(result.summary())
    if out:
        with atomic_path(out) as tmp:
            result.table.to_csv(tmp, index=False, encoding="utf-8-sig")
        click.echo(f"wrote {out}")

"""Tests of ruralnet.cli.errors and cli.options: one guard, right exit codes, checked options."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

import ruralnet
from ruralnet.cli import errors
from ruralnet.cli.main import main
from ruralnet.exceptions import SolverBugError


def _plan(tmp_path: Path, *extra: str, lang: str = "both"):
    out = tmp_path / "o"
    r = CliRunner().invoke(main, ["--lang", lang, "plan", "--county", "双柏", *extra,
                                  "--out", str(out)])
    return r, out


@pytest.mark.parametrize(("option", "value", "text"), [
    ("--parcels-per-village", "-1", "--parcels-per-village must be >= 0, got -1"),
    ("--coverage", "80", "use 0.8 (80 %)"),
    ("--coverage", "0", "must be a share in (0, 1]"),
    ("--coverage", "nan", "must be a share in (0, 1]"),
    ("--warehouses", "0", "--warehouses must be >= 1"),
    ("--seed", "-3", "--seed must be >= 0"),
    ("--workers", "-1", "--workers must be >= 0"),
    ("--village-file", "no_such.csv", "file not found"),
    ("--osm-file", "no_such.osm", "file not found"),
])
def test_bad_option_values_are_usage_errors_before_any_work(tmp_path, option, value, text):
    """Each bad value exits 2 with the option and its fix; nothing is written, no traceback."""
    r, out = _plan(tmp_path, option, value)
    assert r.exit_code == 2, r.output
    assert text in r.output and "Traceback" not in r.output and "内部错误" not in r.output
    assert not out.exists()


def test_coverage_as_a_percentage_is_explained_in_chinese_too(tmp_path):
    """--lang zh: the message says to use 0.8 (即 80 %) in Chinese only."""
    r, _ = _plan(tmp_path, "--coverage", "80", lang="zh")
    assert r.exit_code == 2 and "请用 0.8（即 80 %）" in r.output and "use 0.8" not in r.output


def test_counties_limit_below_one_is_a_usage_error():
    """`counties 安 --limit 0` is refused with exit 2."""
    r = CliRunner().invoke(main, ["counties", "安", "--limit", "0"])
    assert r.exit_code == 2 and "--limit must be >= 1" in r.output


def test_an_engine_returning_an_infeasible_route_is_a_bug_exit_70(tmp_path, monkeypatch):
    """A route the checks reject is ruralnet's fault: exit 70 with the bug-report hint."""
    from ruralnet.routing import search

    monkeypatch.setattr(search, "violations", lambda c, t, clients: ["load 9 > capacity 1"])
    r, _ = _plan(tmp_path)
    assert r.exit_code == 70, r.output
    assert "returned an infeasible route: load 9 > capacity 1" in r.output
    assert "bug report" in r.output and "Traceback" not in r.output


def test_targets_commands_share_the_guard_unexpected_errors_exit_70(monkeypatch, tmp_path):
    """An unexpected exception in `budget` is exit 70 with the hint, never a traceback."""
    from ruralnet.programme import targets

    def boom(name):
        raise KeyError("broken table")

    monkeypatch.setattr(targets, "load_system", boom)
    budget = tmp_path / "b.csv"
    budget.write_text("x\n1\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["--lang", "en", "budget", str(budget), "--system", "x"])
    assert r.exit_code == 70 and "KeyError" in r.output and "bug report" in r.output
    assert "Traceback" not in r.output


def test_score_refuses_to_overwrite_its_input(tmp_path):
    """`score plan.json --out plan.json` stops before writing, with exit 1; the plan survives."""
    plan = tmp_path / "plan.json"
    plan.write_text("{}", encoding="utf-8")
    r = CliRunner().invoke(main, ["score", str(plan), "--out", str(plan)])
    assert r.exit_code == 1 and "input" in r.output and plan.read_text() == "{}"


def test_exit_codes_follow_the_error_kind():
    """Infeasible 3, invalid plan 4, solver bug 70, other input errors 1."""
    from ruralnet.exceptions import (
        InfeasibleError,
        InputFileError,
        PlanValidationError,
    )

    assert [errors.exit_code(e("a", "b")) for e in (
        InputFileError, InfeasibleError, PlanValidationError, SolverBugError)] == [1, 3, 4, 70]


def _logged_templates() -> set[str]:
    """Every format string the package passes to ``logger.warning``/``error``."""
    found = set()
    for path in Path(ruralnet.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("warning", "error")
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id in ("logger", "log") and node.args
                    and isinstance(node.args[0], ast.Constant)):
                found.add(node.args[0].value)
    return found


def test_every_logged_warning_has_a_chinese_text():
    """A planner with --lang zh sees every warning the package logs in Chinese."""
    missing = _logged_templates() - set(errors.LOG_ZH)
    assert not missing, f"add these to ruralnet.cli.errors.LOG_ZH: {missing}"


def test_log_lines_follow_the_chosen_language():
    """zh: Chinese level and text only; en: English only; both: both."""
    record = logging.LogRecord("ruralnet.plan.build", logging.WARNING, __file__, 1,
                               "targets of %s infeasible, planning with the base parameters: %s",
                               ("云南2018", "quota"), None)
    zh = errors.LangFormatter("zh").format(record)
    en = errors.LangFormatter("en").format(record)
    both = errors.LangFormatter("both").format(record)
    assert zh.startswith("警告 ") and "目标无法全部满足" in zh and "infeasible" not in zh
    assert en.startswith("WARNING ") and "目标" not in en
    assert "目标无法全部满足" in both and "infeasible" in both


def test_plan_under_lang_zh_prints_no_english_warning_lines(tmp_path):
    """`--lang zh plan`: no `WARNING` lines, no English halves, no solver chatter."""
    r, _ = _plan(tmp_path, lang="zh")
    assert r.exit_code == 0, r.output
    lines = [ln for ln in r.output.splitlines() if ln.startswith(("警告", "WARNING", "注意"))]
    assert not [ln for ln in lines if "WARNING" in ln or " | " in ln], lines
    assert "HighsMipSolverData" not in r.output


def test_unknown_indicator_system_is_refused_before_any_work(tmp_path, monkeypatch):
    """`plan --system nope` fails before the county is loaded; nothing is written."""
    import ruralnet.geo.county as county_module

    def never(*args, **kwargs):
        raise AssertionError("the county was loaded before the options were checked")

    monkeypatch.setattr(county_module, "load_county", never)
    r, out = _plan(tmp_path, "--system", "nope", lang="en")
    assert r.exit_code == 1 and "unknown indicator system 'nope'" in r.output
    assert not out.exists()


def test_a_full_disk_is_reported_as_such_not_as_a_bug(tmp_path, monkeypatch):
    """An OSError while writing (ENOSPC) exits 1 with the path and the fix, not 70."""
    import errno

    from ruralnet.outputs import write

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "o" / "plan.json"))

    monkeypatch.setattr(write, "write_outputs", full)
    r, out = _plan(tmp_path, lang="en")
    assert r.exit_code == 1 and "No space left on device" in r.output
    assert "free disk space" in r.output and "bug" not in r.output
    assert not out.exists()


def test_debug_shows_the_traceback_of_a_bug(tmp_path, monkeypatch):
    """With --debug a bug propagates (click shows its traceback) instead of the exit-70 message."""
    from ruralnet.routing import search

    monkeypatch.setattr(search, "violations", lambda c, t, clients: ["load 9 > capacity 1"])
    r = CliRunner().invoke(main, ["--debug", "plan", "--county", "双柏", "--out",
                                  str(tmp_path / "o")])
    assert isinstance(r.exception, SolverBugError)

import json

import pytest
from click.testing import CliRunner

from ruralnet.cli.main import main


@pytest.fixture(scope="module")
def runner():
    return CliRunner()


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    """`ruralnet plan --county 双柏 --out DIR` run once for the module."""
    out = tmp_path_factory.mktemp("plan") / "shuangbai"
    result = CliRunner().invoke(main, ["plan", "--county", "双柏", "--out", str(out)])
    return result, out


def test_counties_lists_anxi(runner):
    """`ruralnet counties 安溪` prints the code, region and counts."""
    r = runner.invoke(main, ["counties", "安溪"])
    assert r.exit_code == 0
    assert "350524  安溪县  福建省泉州市  24  443  45" in r.output


def test_unknown_county_exits_1_with_a_message_and_no_traceback(runner, tmp_path):
    """A misspelt county gives exit 1, suggestions and no traceback; nothing is written."""
    out = tmp_path / "o"
    r = runner.invoke(main, ["plan", "--county", "安溪溪县", "--out", str(out)])
    assert r.exit_code == 1
    assert "未找到县级区划" in r.output and "Traceback" not in r.output
    # only the stage that began is reported: no roads were built, no routes searched
    assert "载入县域" in r.output and "road network" not in r.output and "siting" not in r.output
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_ambiguous_county_lists_candidates(runner, tmp_path):
    """白云区 needs a province; the message says how."""
    r = runner.invoke(main, ["geography", "--county", "白云区", "--out", str(tmp_path / "g")])
    assert r.exit_code == 1 and "--province" in r.output and "520113" in r.output


def test_plan_writes_its_files_and_they_validate(runner, planned):
    """plan writes plan.json (valid), routes, scorecard; `validate` accepts it."""
    result, out = planned
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    assert {"plan.json", "scorecard.csv"} <= names
    assert {"map_print.png", "map_print.pdf", "map_print_A3.pdf", "map_townships.pdf",
            "report.docx", "manifests.html", "plan.kmz", "plan_gcj02.kmz"} <= names
    report = (out / "report.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in report and "一、方案概要" in report
    assert "1. Summary" not in report  # Chinese unless --lang en|both is given
    r = runner.invoke(main, ["validate", str(out / "plan.json")])
    assert r.exit_code == 0 and "通过 OK" in r.output


def test_unknown_basemap_is_a_usage_error(runner, tmp_path):
    """--basemap google is refused by click (exit 2) listing the choices."""
    r = runner.invoke(main, ["plan", "--county", "双柏", "--basemap", "google", "--out",
                             str(tmp_path / "o")])
    assert r.exit_code == 2 and "osm" in r.output and "tianditu" in r.output


def test_validate_rejects_a_tampered_plan_with_exit_4(runner, planned, tmp_path):
    """A plan whose coverage claim was inflated fails validation with exit code 4."""
    _, out = planned
    data = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    data["coverage"]["villages_daily"] += 5
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    r = runner.invoke(main, ["validate", str(bad)])
    assert r.exit_code == 4 and "villages_daily claims" in r.output


def test_plan_refuses_a_non_empty_output_folder_without_force(runner, planned):
    """Re-running into the same folder asks for --force and leaves it unchanged."""
    _, out = planned
    before = (out / "plan.json").read_bytes()
    r = runner.invoke(main, ["plan", "--county", "双柏", "--out", str(out)])
    assert r.exit_code == 1 and "--force" in r.output
    assert (out / "plan.json").read_bytes() == before


def test_broken_village_file_fails_cleanly(runner, tmp_path):
    """A village file with a text coordinate names the line; no output folder appears."""
    f = tmp_path / "v.csv"
    f.write_text("township,village,lon,lat\n凤城镇,下西社区居委会,abc,25.1\n", encoding="utf-8")
    out = tmp_path / "o"
    r = runner.invoke(main, ["plan", "--county", "安溪", "--village-file", str(f), "--out",
                             str(out)])
    assert r.exit_code == 1 and "第 2 行" in r.output and "Traceback" not in r.output
    assert not out.exists()


def test_out_of_range_option_is_explained(runner, tmp_path):
    """--coverage 1.5 is a usage error (exit 2) with the allowed range, before any work."""
    r = runner.invoke(main, ["plan", "--county", "双柏", "--coverage", "1.5", "--out",
                             str(tmp_path / "o")])
    assert r.exit_code == 2 and "--coverage must be a share in (0, 1]" in r.output
    assert not (tmp_path / "o").exists()


def test_geography_writes_layers_and_roads(runner, tmp_path):
    """geography writes boundary, townships, seats, villages and the road layer."""
    out = tmp_path / "g"
    r = runner.invoke(main, ["geography", "--county", "双柏", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert {p.name for p in out.iterdir()} >= {"villages.geojson", "roads.geojson",
                                                "boundary.geojson"}


def test_compare_puts_two_plans_side_by_side(runner, planned, tmp_path):
    """compare reads plan files and writes one row per plan with cost and coverage."""
    _, out = planned
    other = tmp_path / "other"
    other.mkdir()
    data = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    (other / "plan.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    csv = tmp_path / "cmp.csv"
    r = runner.invoke(main, ["compare", str(out / "plan.json"), str(other / "plan.json"),
                             "--out", str(csv)])
    assert r.exit_code == 0, r.output
    import pandas as pd

    table = pd.read_csv(csv)
    assert list(table["plan"]) == ["shuangbai", "other"]
    assert (table["cost_per_day"] == data["costs"]["total_per_day"]).all()
    assert "双柏县" in r.output


def test_compare_needs_two_inputs(runner, planned):
    """A single plan is not a comparison."""
    _, out = planned
    r = runner.invoke(main, ["compare", str(out / "plan.json")])
    assert r.exit_code == 1 and "至少给出两个方案" in r.output


def test_annex_language_is_chinese_unless_lang_is_given():
    """The global --lang (default both, for messages) sets the annex only when given."""
    import importlib

    cli = importlib.import_module("ruralnet.cli.main")
    for args, want in (([], "zh"), (["--lang", "en"], "en"), (["--lang", "both"], "both")):
        ctx = cli.main.make_context("ruralnet", [*args, "validate", "plan.json"])
        with ctx:
            assert cli._report_lang() == want, args

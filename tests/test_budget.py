"""Tests for ruralnet.programme.budget: fund rules of the seed documents."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from ruralnet.cli.targets import budget as budget_command
from ruralnet.exceptions import TargetsError
from ruralnet.programme.budget import check_budget, read_budget
from ruralnet.programme.targets import load_system
from ruralnet.settings import settings

EXAMPLES = Path(settings.data_dir) / "examples"
ANXI = EXAMPLES / "anxi_budget_2018.csv"
BROKEN = EXAMPLES / "broken_yunnan_style_budget.csv"


def lines(*rows):
    """A budget DataFrame from (item, amount, category, source) tuples."""
    return pd.DataFrame(rows, columns=["line_item", "amount_wan", "category", "funding_source"])


def by_rule(check):
    return {c.rule.id: c for c in check.checks}


def test_anxi_fund_table_passes_its_own_checks():
    """安溪's table adds up to 2000 万 central, 500 万 county, 2500 万 in all."""
    check = check_budget(ANXI, load_system("anxi_2018"))
    assert check.passed
    assert dict(check.totals_wan) == {"central": 2000.0, "county": 500.0}
    assert by_rule(check)["grand_total"].message_zh == "费用总计 2,500.0 万元 = 2,500.0 万元"


def test_anxi_table_has_the_seven_central_lines_of_the_document():
    """The central lines are the document's 300/350/300/450/250/250/100."""
    table = read_budget(ANXI)
    central = table[table["funding_source"] == "central"]["amount_wan"].tolist()
    assert central == [300, 350, 300, 450, 250, 250, 100]


def test_broken_budget_breaks_the_centre_share_rule_with_its_figures():
    """360 of 2000 万 central on the centre is 18.0 % > 15 %; county money is not counted."""
    check = check_budget(BROKEN, load_system("yunnan_2018"))
    centre = by_rule(check)["centre_share_max"]
    assert not centre.passed
    assert centre.message_zh == "县级公共服务中心 占中央资金 18.0% > 15%"
    assert centre.figure == pytest.approx(18.0)


def test_broken_budget_breaks_the_supply_chain_minimum():
    """Supply chain 500 + marketing 300 of 2000 万 is 40.0 % < 50 %."""
    check = check_budget(BROKEN, load_system("yunnan_2018"))
    assert by_rule(check)["supply_chain_share_min"].message_zh == (
        "农村电商供应链体系建设 占中央资金 40.0% < 50%")


def test_broken_budget_names_the_forbidden_platform_line():
    """Central money on a trading platform is refused naming the line item and line."""
    check = check_budget(BROKEN, load_system("yunnan_2018"))
    forbidden = by_rule(check)["forbidden_uses"]
    assert forbidden.line_items == ("示例县网络交易平台建设",)
    assert "140.0 wan yuan of central funds on 示例县网络交易平台建设 (line 8)" in (
        forbidden.message_en)
    assert len(check.violations) == 3


@pytest.mark.parametrize("category", ["buildings", "operating_costs", "traffic_purchase"])
def test_each_forbidden_use_of_central_funds_is_caught(category):
    """Buildings, operating costs and bought traffic are forbidden for central funds."""
    budget = lines(("中心", 100, "public_service_centre", "central"),
                   ("供应链", 600, "supply_chain", "central"),
                   ("违规", 10, category, "central"),
                   ("物流", 290, "logistics", "central"))
    check = check_budget(read_budget(budget), load_system("yunnan_2018"))
    assert [c.rule.id for c in check.violations] == ["forbidden_uses"]


def test_forbidden_categories_paid_by_the_county_are_allowed():
    """The forbidden-use rule is about central funds only."""
    budget = lines(("中心", 100, "public_service_centre", "central"),
                   ("供应链", 900, "supply_chain", "central"),
                   ("平台", 50, "trading_platform", "county"))
    assert check_budget(read_budget(budget), load_system("yunnan_2018")).passed


def test_share_rules_hold_exactly_at_their_limits():
    """Exactly 15 % on the centre and exactly 50 % on the supply chain pass."""
    budget = lines(("中心", 150, "public_service_centre", "central"),
                   ("品牌", 200, "branding", "central"),
                   ("追溯", 300, "traceability", "central"),
                   ("物流", 350, "logistics", "central"))
    check = check_budget(read_budget(budget), load_system("yunnan_2018"))
    assert check.passed
    assert by_rule(check)["supply_chain_share_min"].figure == pytest.approx(50.0)


def test_a_total_that_does_not_add_up_is_reported():
    """A central total other than 2000 万 breaks the 安溪 total rule."""
    budget = lines(("中心", 1900, "public_service_centre", "central"),
                   ("配套", 500, "publicity", "county"))
    check = check_budget(read_budget(budget), load_system("anxi_2018"))
    assert by_rule(check)["central_total"].message_zh == "中央资金合计 1,900.0 万元 ≠ 2,000.0 万元"


def test_a_budget_without_central_funds_cannot_take_shares():
    """Share rules fail with a clear message when no central money is budgeted."""
    check = check_budget(read_budget(lines(("配套", 100, "logistics", "county"))),
                         load_system("yunnan_2018"))
    assert "the budget has no central funds to take a share of" in (
        by_rule(check)["centre_share_max"].message_en)


def test_a_system_without_fund_rules_is_refused():
    """贵州 2017 gives no checkable fund rules, so checking against it is refused."""
    with pytest.raises(TargetsError, match="indicator system guizhou_2017 has no fund rules"):
        check_budget(ANXI, load_system("guizhou_2017"))


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (("中心", "lots", "public_service_centre", "central"),
         "line 2: amount_wan 'lots' must be a number >= 0"),
        (("中心", "-5", "public_service_centre", "central"),
         "line 2: amount_wan '-5' must be a number >= 0"),
        (("中心", "5", "party", "central"), "line 2: category 'party' is unknown"),
        (("中心", "5", "logistics", "province"),
         "line 2: funding_source 'province' is invalid; use central, county or other"),
    ],
)
def test_malformed_budget_lines_are_refused_naming_the_line(row, message):
    """Bad amounts, categories and funding sources are refused with their line."""
    with pytest.raises(TargetsError, match=message):
        read_budget(lines(row))


def test_a_budget_file_without_required_columns_is_refused(tmp_path):
    """A CSV lacking funding_source is refused naming the column."""
    path = tmp_path / "b.csv"
    path.write_text("line_item,amount_wan,category\n中心,5,logistics\n", encoding="utf-8")
    with pytest.raises(TargetsError, match="lacks column\\(s\\) funding_source"):
        read_budget(path)


def test_budget_command_exits_non_zero_on_a_broken_budget():
    """`budget` prints each FAIL with its figures and exits 1."""
    result = CliRunner().invoke(budget_command, [str(BROKEN), "--system", "yunnan_2018"])
    assert result.exit_code == 1
    assert "[FAIL] 县级公共服务中心 占中央资金 18.0% > 15%" in result.output


def test_budget_command_passes_the_anxi_table():
    """`budget` exits 0 on the 安溪 table."""
    result = CliRunner().invoke(budget_command, [str(ANXI), "--system", "安溪2018"])
    assert result.exit_code == 0, result.output
    assert "all rules pass" in result.output


def test_commands_follow_the_main_group_language():
    """Under a group with --lang en, errors are shown in English only."""
    import click

    @click.group()
    @click.option("--lang", default="both")
    def group(lang):
        """Stand-in for ruralnet.cli.main.main."""

    group.add_command(budget_command)
    result = CliRunner().invoke(group, ["--lang", "en", "budget", str(ANXI), "--system", "nope"])
    assert result.exit_code == 1
    assert "Error: unknown indicator system 'nope'" in result.output
    assert "未知" not in result.output


def test_budget_docstring_examples_run():
    """The Examples blocks of ruralnet.programme.budget pass as doctests."""
    import doctest

    import ruralnet.programme.budget

    result = doctest.testmod(ruralnet.programme.budget, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_anxi_table_is_checked_line_by_line():
    """安溪's table is 10 line rules (7 central, 3 county) plus one table rule per source."""
    rules = load_system("anxi_2018").fund_rules
    lines = [r for r in rules if r.kind == "line"]
    assert [(r.funding_sources[0], r.amount_wan) for r in lines] == [
        ("central", 300.0), ("central", 350.0), ("central", 300.0), ("central", 450.0),
        ("central", 250.0), ("central", 250.0), ("central", 100.0),
        ("county", 150.0), ("county", 100.0), ("county", 250.0)]
    assert sum(r.amount_wan for r in lines if r.funding_sources == ("central",)) == 2000.0
    assert [r.id for r in rules if r.kind == "table"] == ["table_central", "table_county"]


def test_a_budget_moved_between_lines_is_flagged_with_the_line():
    """450 万 moved from 物流配送 to a trading platform keeps every total but fails two rules."""
    moved = pd.read_csv(ANXI, dtype=str)
    logistics = moved["line_item"] == "安溪县县乡村三级物流配送体系"
    moved.loc[logistics, "amount_wan"] = "0"
    moved = pd.concat([moved, pd.DataFrame([{
        "line_item": "电商交易平台", "amount_wan": "450", "category": "trading_platform",
        "funding_source": "central", "content": "网络交易平台"}])], ignore_index=True)
    result = check_budget(read_budget(moved), load_system("anxi_2018"))
    broken = {c.rule.id: c for c in result.violations}
    assert set(broken) == {"line_central_logistics", "table_central"}
    assert broken["line_central_logistics"].message_zh == (
        "安溪县县乡村三级物流配送体系 [中央] 0.0 万元 ≠ 文件 450.0 万元 (line 5)")
    assert broken["table_central"].line_items == ("电商交易平台",)
    assert "电商交易平台 450.0 万元 (line 12)" in broken["table_central"].message_zh
    assert all(c.passed for c in result.checks if c.rule.kind == "total")


def test_a_line_missing_from_the_budget_says_so():
    """Dropping the statistics line leaves its rule at 0 with 'not in the budget'."""
    budget = read_budget(ANXI)
    budget = budget[budget["line_item"] != "安溪县农村电子商务统计体系"]
    check = {c.rule.id: c for c in check_budget(budget, load_system("anxi_2018")).checks}
    assert not check["line_central_statistics"].passed
    assert "不在预算中 not in the budget" in check["line_central_statistics"].message_zh

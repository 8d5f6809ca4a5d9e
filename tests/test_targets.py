"""Tests for ruralnet.programme.targets: indicator systems as data, actuals files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ruralnet.exceptions import TargetsError
from ruralnet.programme.targets import (
    Indicator,
    default_system_id,
    list_systems,
    load_system,
    parse_target,
    read_table,
)

DOCUMENTS = {
    "guizhou_2017": "黔商发〔2018〕62号",
    "guanyun_2020": "灌政办〔2020〕18号",
    "anxi_2018": "安政综〔2018〕30号",
    "yunnan_2018": "云商市〔2018〕51号",
}

HEADER = """
schema = "ruralnet.programme.targets/1"
kind = "indicators"
id = "tiny"
name_zh = "小体系"
name_en = "tiny system"
document = "测试文件"
programme_start = 2020-01-01
programme_end = 2021-12-31
"""

GOOD_ROW = """
[[indicators]]
id = "trainees"
name_zh = "培训"
name_en = "trainees"
unit = "persons"
comparator = ">="
target = 3000
deadline = 2021-12-31
source = "actual"
citation = "测试文件 二"
"""


def write_system(tmp_path: Path, second_row: str) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text(HEADER + GOOD_ROW + second_row, encoding="utf-8")
    return path


def row(**changes: object) -> str:
    fields = {
        "id": '"coverage"', "name_zh": '"覆盖率"', "name_en": '"coverage"', "unit": '"%"',
        "comparator": '">="', "target": "50", "deadline": "2021-12-31", "source": '"plan"',
        "metric": '"village_station_coverage"', "citation": '"测试文件 三"',
    }
    fields.update({k: str(v) for k, v in changes.items()})
    return "\n[[indicators]]\n" + "\n".join(f"{k} = {v}" for k, v in fields.items()) + "\n"


def indicator(comparator: str, target: float, high: float | None = None) -> Indicator:
    return Indicator("x", "指标", "indicator", "count", comparator, target,
                     date(2020, 12, 31), "actual", "doc", target_high=high)


def test_list_systems_names_the_four_seed_indicator_systems():
    """list_systems returns one indicator system per target-setting seed document."""
    assert list_systems() == sorted(DOCUMENTS)
    assert "guizhou_2016_selection" in list_systems(kind=None)


@pytest.mark.parametrize("system_id", sorted(DOCUMENTS))
def test_every_indicator_cites_its_seed_document(system_id):
    """Each indicator and fund rule of a system cites the document number it comes from."""
    system = load_system(system_id)
    assert system.indicators
    for item in (*system.indicators, *system.fund_rules):
        assert DOCUMENTS[system_id] in item.citation, item.id


def test_guizhou_2017_targets_match_the_document():
    """贵州 2017: growth ≥30 % / ≥35 %, 3000 trainees, one centre, 80 % of villages reached."""
    system = load_system("guizhou_2017")
    got = {i.id: (i.comparator, i.target) for i in system.indicators}
    assert got["rural_online_retail_growth"] == (">=", 30)
    assert got["farm_product_online_retail_growth"] == (">=", 35)
    assert got["trainees"] == (">=", 3000)
    assert got["county_service_centre"] == ("==", 1)
    assert got["poor_village_station_coverage"] == (">=", 50)
    assert got["logistics_village_coverage"] == (">=", 80)


def test_guanyun_training_split_adds_up_to_the_overall_target():
    """灌云: 1500 理念 + 3500 实操 = 5000, and the 2020 + 2021 hands-on targets make 3500."""
    system = load_system("灌云2020")
    t = {i.id: i.target for i in system.indicators}
    assert t["trainees_concept_total"] + t["trainees_practical_total"] == t["trainees_total"]
    assert t["trainees_practical_2020"] + t["trainees_practical_2021"] == 3500
    growth = system.indicator("rural_online_retail_growth")
    assert (growth.comparator, growth.target, growth.stretch) == (">", 20, 25)
    assert system.indicator("trainees_practical_2021").counted_from == date(2021, 1, 1)


def test_anxi_village_points_and_warehouse_range():
    """安溪: ≥237 village points and a 1–2 warehouse range read from the file."""
    system = load_system("anxi_2018")
    assert system.indicator("village_points").target == 237
    warehouses = system.indicator("county_warehouses")
    assert (warehouses.comparator, warehouses.target, warehouses.target_high) == ("range", 1, 2)


def test_yunnan_growth_target_is_an_input_and_complaints_an_upper_bound():
    """云南: growth must beat a national average given at scoring time; complaints ≤ 10."""
    system = load_system("yunnan_2018")
    growth = system.indicator("rural_online_retail_growth")
    assert growth.target is None
    assert growth.resolve_target({"national_rural_online_retail_growth": 12.5}) == 12.5
    assert system.indicator("disclosure_complaints").comparator == "<="
    assert system.indicator("trainee_satisfaction").target == 90
    assert len(system.indicators) == 15  # every row of 绩效目标表 and the 不得重复支持 declaration
    declaration = system.indicator("no_duplicate_support")
    assert (declaration.unit, declaration.target, declaration.source) == ("bool", 1.0, "actual")
    assert "不得重复支持" in declaration.citation


@pytest.mark.parametrize(
    ("comparator", "target", "high", "value", "met", "margin"),
    [
        (">=", 50, None, 50, True, 0),
        (">=", 50, None, 49, False, -1),
        (">", 20, None, 20, False, 0),
        (">", 20, None, 21, True, 1),
        ("<=", 10, None, 10, True, 0),
        ("<=", 10, None, 12, False, -2),
        ("<", 10, None, 10, False, 0),
        ("<", 10, None, 9, True, 1),
        ("==", 1, None, 1, True, 0),
        ("==", 1, None, 3, False, -2),
        ("range", 1, 2, 2, True, 0),
        ("range", 1, 2, 3, False, -1),
        ("range", 1, 2, 0, False, -1),
    ],
)
def test_each_comparator_decides_met_and_margin(comparator, target, high, value, met, margin):
    """Every comparator gives the hand-checked met flag and signed margin."""
    ind = indicator(comparator, target, high)
    assert ind.is_met(value) is met
    assert ind.margin(value) == margin


def test_parse_target_reads_numbers_ranges_booleans_and_inputs():
    """Targets may be a number, 'low–high', [low, high], true or {input = name}."""
    assert parse_target(3000, ">=") == (3000.0, None, None)
    assert parse_target("1–2", "range") == (1.0, 2.0, None)
    assert parse_target("1-2", "range") == (1.0, 2.0, None)
    assert parse_target([1, 2], "range") == (1.0, 2.0, None)
    assert parse_target(True, "==") == (1.0, None, None)
    assert parse_target({"input": "avg"}, ">") == (None, None, "avg")
    with pytest.raises(TargetsError, match="target 'lots' cannot be parsed"):
        parse_target("lots", ">=")


def test_a_bad_comparator_is_refused_naming_file_and_row(tmp_path):
    """A comparator such as '=>' is refused with the file, row number and allowed values."""
    path = write_system(tmp_path, row(comparator='"=>"'))
    with pytest.raises(TargetsError, match=r"bad\.toml \[\[indicators\]\] #2 \(id='coverage'\)"
                       r": comparator '=>' is invalid; use one of >=, >"):
        load_system(path)


def test_a_percent_metric_declared_as_a_count_is_a_unit_mismatch(tmp_path):
    """A plan metric in % scored as a count is refused as a unit mismatch."""
    path = write_system(tmp_path, row(unit='"count"'))
    with pytest.raises(TargetsError, match="#2.*unit mismatch, metric village_station_coverage "
                       "is in '%' but the indicator says 'count'"):
        load_system(path)


def test_an_unknown_unit_is_refused(tmp_path):
    """Units outside the allowed list are refused with the list."""
    path = write_system(tmp_path, row(unit='"km"', source='"actual"', metric='""'))
    with pytest.raises(TargetsError, match="unit 'km' is invalid; use one of %, count"):
        load_system(path)


def test_an_unknown_plan_metric_is_refused(tmp_path):
    """A plan indicator must name a metric a plan can compute."""
    path = write_system(tmp_path, row(metric='"happiness"'))
    with pytest.raises(TargetsError, match="plan metric 'happiness' is unknown"):
        load_system(path)


def test_a_deadline_outside_the_programme_is_refused(tmp_path):
    """Deadlines after programme_end are refused naming the indicator and the window."""
    path = write_system(tmp_path, row(deadline="2023-06-30"))
    with pytest.raises(TargetsError, match=r"bad.toml \[\[indicators\]\] #2 \(id='coverage'\): "
                       "deadline 2023-06-30 is outside the programme 2020-01-01–2021-12-31"):
        load_system(path)


def test_a_range_target_needs_the_range_comparator(tmp_path):
    """A '1–2' target with '>=' is refused."""
    path = write_system(tmp_path, row(target='"1–2"', unit='"count"', metric='"county_warehouses"'))
    with pytest.raises(TargetsError, match="the target is a range, so the comparator must be "
                       "'range'"):
        load_system(path)


def test_a_missing_field_names_the_row(tmp_path):
    """A row without a deadline is refused naming its position."""
    text = row().replace("deadline = 2021-12-31\n", "")
    path = write_system(tmp_path, text)
    with pytest.raises(TargetsError, match=r"#2 \(id='coverage'\): missing or mistyped field "
                       r"\('deadline'\)"):
        load_system(path)


def test_duplicate_indicator_ids_are_refused(tmp_path):
    """Two indicators with one id are refused."""
    path = write_system(tmp_path, GOOD_ROW)
    with pytest.raises(TargetsError, match="duplicate indicator id trainees"):
        load_system(path)


def test_an_unknown_system_name_lists_the_known_ones():
    """Unknown system names are refused with the list of known systems."""
    with pytest.raises(TargetsError, match="unknown indicator system 'anxi_2019'; known: "
                       "anxi_2018"):
        load_system("anxi_2019")


def test_a_selection_rule_file_is_not_an_indicator_system():
    """Loading the 2016 selection rules as an indicator system is refused."""
    with pytest.raises(TargetsError, match="is not an indicator system"):
        load_system("guizhou_2016_selection")


def test_indicator_lookup_raises_for_unknown_ids():
    """system.indicator refuses ids it does not define and lists the known ones."""
    with pytest.raises(TargetsError, match="system anxi_2018 has no indicator 'trainess'; known:"):
        load_system("anxi_2018").indicator("trainess")


@pytest.mark.parametrize(
    ("county", "province", "expected"),
    [
        ("安溪县", "福建省", "anxi_2018"),
        ("灌云县", "江苏省", "guanyun_2020"),
        ("某县", "江苏", "design_card"),
        ("正安县", "贵州省", "guizhou_2017"),
        ("三都水族自治县", "贵州省", "guizhou_2017"),
        ("江口县", "贵州省", "design_card"),
        ("会泽县", "云南省", "yunnan_2018"),
        ("宣威市", "云南省", "design_card"),
        ("白云区", "广东省", "design_card"),
        ("某县", "河北省", "design_card"),
    ],
)
def test_default_system_is_the_one_whose_document_names_the_county(county, province, expected):
    """Only a system naming the county (or its prefecture) is chosen; else the design card."""
    assert default_system_id(county, province)[0] == expected


def test_a_named_prefecture_covers_its_counties():
    """贵州 2017 is addressed to 铜仁市 as a whole: 江口县 of 铜仁 is covered, 云南's 州 are not."""
    assert default_system_id("江口县", "贵州省", "铜仁市")[0] == "guizhou_2017"
    assert default_system_id("宣威市", "云南省", "曲靖市")[0] == "design_card"


def test_systems_list_the_divisions_their_documents_name():
    """贵州 2017 names 铜仁市 and 24 counties; 云南 2018 25 counties in six 州市."""
    guizhou, yunnan = load_system("guizhou_2017"), load_system("yunnan_2018")
    assert (guizhou.prefectures, len(guizhou.counties)) == (("铜仁市",), 24)
    assert (yunnan.prefectures, len(yunnan.counties)) == ((), 25)
    assert load_system("anxi_2018").counties == ("安溪县",)


def test_no_fallback_to_another_system_says_no_system_is_selected():
    """A county outside every system gets the design card and a note saying so."""
    sid, why = default_system_id("某县", "河北省")
    assert sid == "design_card"
    assert "no programme system names 某县 (河北省); scored on the design card only" in why
    card = load_system(sid)
    assert card.design and [i.target for i in card.indicators] == [100.0, 80.0]
    assert [i.metric for i in card.indicators] == ["townships_daily_share",
                                                   "villages_daily_share"]


def test_guizhou_2017_aims_are_stretch_rows_and_the_logistics_row_reads_covered():
    """力争实现… growth, brands and training are stretch; 配送到80%的行政村 is scored as reach."""
    system = load_system("guizhou_2017")
    stretch = [i.id for i in system.indicators if i.is_stretch]
    assert stretch == ["rural_online_retail_growth", "farm_product_online_retail_growth",
                       "local_brands", "trainees"]
    assert system.indicator("trainees").target_text() == "力争 ≥ 3,000 人"
    row = system.indicator("logistics_village_coverage")
    assert (row.metric, row.target) == ("villages_served_share", 80.0)
    assert "配送到80%的行政村" in row.citation


def test_missing_document_rows_are_transcribed():
    """灌云 2020's route row, 安溪's 快递到乡（镇），配送到村组 (基本实现, no figure)."""
    guanyun = load_system("guanyun_2020")
    routes = guanyun.indicator("logistics_routes_village_2020")
    assert (routes.metric, routes.target, str(routes.deadline)) == (
        "villages_served_share", 100.0, "2020-12-31")
    assert "规划设计覆盖全部镇村物流配送服务路线" in routes.citation
    anxi = load_system("anxi_2018")
    for ind_id in ("express_to_townships", "delivery_to_villages"):
        assert anxi.indicator(ind_id).level == "basic"
        assert "基本实现快递到乡（镇），配送到村组" in anxi.indicator(ind_id).citation


def test_target_text_shows_comparator_unit_and_stretch():
    """Target text reads like the document: ≥ 50%, 1–2, > 20% (力争 25%)."""
    guanyun = load_system("guanyun_2020")
    assert guanyun.indicator("rural_online_retail_growth").target_text() == "> 20% (力争 25%)"
    assert guanyun.indicator("weak_village_service_coverage").target_text("en") == "≥ 50%"
    assert load_system("anxi_2018").indicator("county_warehouses").target_text() == "1–2"


@settings(max_examples=80, deadline=None)
@given(st.sampled_from([">=", ">", "<=", "<", "==", "range"]),
       st.integers(-50, 50), st.integers(0, 20), st.integers(-100, 100))
def test_met_agrees_with_the_sign_of_the_margin(comparator, low, width, value):
    """A value is met exactly when its margin is positive, or zero for non-strict comparators."""
    ind = indicator(comparator, low, low + width if comparator == "range" else None)
    margin = ind.margin(value)
    expected = margin > 0 or (margin == 0 and comparator not in (">", "<"))
    assert ind.is_met(value) is expected


def test_read_table_accepts_excel_gbk_files(tmp_path):
    """A CSV saved by Excel in GBK reads like a UTF-8 one."""
    path = tmp_path / "gbk.csv"
    path.write_bytes("date,indicator,value\n2019-06-30,培训,5\n".encode("gbk"))
    name, frame = read_table(path)
    assert frame["indicator"].tolist() == ["培训"]


def test_read_table_refuses_missing_and_empty_files(tmp_path):
    """A missing or empty file is refused naming it."""
    with pytest.raises(TargetsError, match="nowhere.csv: file not found"):
        read_table(tmp_path / "nowhere.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(TargetsError, match="empty.csv: cannot be read: the file is empty"):
        read_table(empty)


def test_targets_docstring_examples_run():
    """The Examples blocks of ruralnet.programme.targets pass as doctests."""
    import doctest

    import ruralnet.programme.targets

    result = doctest.testmod(ruralnet.programme.targets, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"id": "Trainees"}, "indicator id 'Trainees' is invalid"),
        ({"name_en": " "}, "indicator x lacks name_en"),
        ({"source": "guess"}, "source 'guess' is invalid; use plan or actual"),
        ({"metric": "village_stations"}, "an actual indicator takes no metric"),
        ({"unit": "bool", "comparator": ">="}, "a yes/no indicator needs '==' and true/false"),
        ({"counted_from": date(2021, 1, 1)}, "counted_from 2021-01-01 is after the deadline"),
        ({"projection": "spline"}, "projection 'spline' is invalid"),
        ({"target": None}, "indicator x has no target"),
    ],
)
def test_indicator_fields_are_checked_on_construction(changes, message):
    """Each malformed field is refused with the field and the allowed values."""
    fields = {"id": "x", "name_zh": "指标", "name_en": "indicator", "unit": "count",
              "comparator": ">=", "target": 1.0, "deadline": date(2020, 12, 31),
              "source": "actual", "citation": "doc"}
    fields.update(changes)
    with pytest.raises(TargetsError, match=message):
        Indicator(**fields)


def test_a_system_built_in_python_checks_deadlines_too():
    """IndicatorSystem refuses an indicator due after the programme ends."""
    from ruralnet.programme.targets import IndicatorSystem

    with pytest.raises(TargetsError, match="indicator x deadline 2020-12-31 is outside the "
                       "programme 2019-01-01–2019-12-31"):
        IndicatorSystem("s", "体系", "system", "doc", date(2019, 1, 1), date(2019, 12, 31),
                        (indicator(">=", 1),))


@pytest.mark.parametrize("system_id", ["guizhou_2017", "yunnan_2018"])
def test_every_named_county_is_a_real_county_the_system_covers(system_id):
    """Each county a document names resolves (old names too) and applies_to covers it."""
    import warnings

    from ruralnet.geo.admin import resolve_county

    system = load_system(system_id)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 道真县 → 道真仡佬族苗族自治县 etc. are renames, warned
        records = [resolve_county(c, province=system.provinces[0]) for c in system.counties]
    assert len({r.code for r in records}) == len(system.counties)
    assert all(system.applies_to(r.name, r.prefecture, r.province) for r in records)

import base64
import copy
from html.parser import HTMLParser

import pandas as pd
import pytest
from matplotlib.figure import Figure
from tiny import HOSTILE, HOSTILE_IMG, tiny_plan_dict

import ruralnet.outputs.annex as annex
import ruralnet.outputs.report as report
from ruralnet import _io as rio
from ruralnet.exceptions import RuralnetError
from ruralnet.outputs.manifests import render_manifests, write_manifests
from ruralnet.outputs.prose import plan_paragraphs
from ruralnet.outputs.report import fleet_chart, render_report, write_report
from ruralnet.outputs.words import pct, status_word
from ruralnet.plan.document import SYNTHETIC_NOTICE_ZH, Plan


class _Page(HTMLParser):
    """Collects section ids, table rows (as cell texts) and image sources of a report."""

    def __init__(self, text):
        super().__init__()
        self.sections, self.rows, self.images, self.tags = [], [], [], []
        self._row, self._cell = None, None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if tag == "section":
            self.sections.append(a.get("id"))
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = ""
        elif tag == "img":
            self.images.append(a["src"])

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._row is not None:
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr":
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


@pytest.fixture
def plan(tiny_plan):
    """The hand-checked tiny plan (synthetic layers)."""
    return tiny_plan


@pytest.fixture
def scorecard():
    """A two-row scorecard table as score_plan returns it (only the columns the report uses)."""
    return pd.DataFrame({
        "indicator": ["行政村快递服务覆盖率", "县级物流配送中心"], "target": [">= 90%", ">= 1"],
        "value": [100.0, 1.0], "status": ["met", "not met"], "margin": [10.0, 0.0],
        "evidence": ["2/2 villages", "W"]})


def test_report_has_every_section_in_reading_order(plan):
    """Notice, summary, map, townships, routes, scorecard, fleet, unserved, provenance."""
    page = _Page(render_report(plan))
    assert page.sections == ["synthetic-notice", "summary", "overview", "townships", "routes",
                             "scorecard", "fleet-curve", "unserved", "provenance"]


def test_report_opens_with_chinese_prose_an_official_can_quote(plan):
    """The first paragraph names the warehouse and counts; the second the daily coverage."""
    text = render_report(plan)
    assert "本方案在测试县设县级仓储配送中心1个，位于县城，即“县仓”" in text
    assert "设乡镇中转站1个、村级服务站1个，村级服务站覆盖行政村1个（占2个行政村的50.0%）" in text
    assert "每日配送覆盖乡镇1个（共1个）、行政村2个（100.0%，目标80%）" in text
    assert "每日开行干线1条、支线1条" in text and "日运行成本约500元" in text


def test_report_language_can_be_english_or_both(plan):
    """lang=en drops the Chinese prose; lang=both keeps Chinese first, then English."""
    en, both = render_report(plan, lang="en"), render_report(plan, lang="both")
    assert "本方案" not in en and "The plan sets up 1 county warehouse(s)" in en
    assert both.index("本方案在测试县") < both.index("The plan sets up")
    with pytest.raises(RuralnetError, match="report language 'fr'"):
        render_report(plan, lang="fr")


def test_report_states_the_synthetic_notice_only_when_synthetic(plan):
    """The notice names the synthetic layers; a plan of user/OSM layers has none."""
    text = render_report(plan)
    assert SYNTHETIC_NOTICE_ZH in text and "geography, network, demand" in text
    d = tiny_plan_dict()
    for layer in ("geography", "network", "demand"):
        d["provenance"][layer]["source"] = "user"
    d["provenance"]["synthetic_layers"] = []
    real = render_report(Plan(d))
    assert SYNTHETIC_NOTICE_ZH not in real and "synthetic-notice" not in real


def test_manifests_list_each_stop_with_times_and_loads(plan):
    """The driver manifests (own file) have every stop with times and the load after it."""
    rows = _Page(render_manifests(plan)).rows
    assert ["1", "甲村委会", "一镇", "07:49", "07:49", "30", "9", "39"] in rows
    assert ["3", "一镇站", "一镇", "08:05", "08:05", "0", "0", "18"] in rows
    assert ["1", "一镇站", "一镇", "07:13", "07:23", "60", "18", "18"] in rows
    assert "07:49" not in render_report(plan)  # not in the annex itself


def test_route_table_summarises_each_route(plan):
    """One row per route: tier word, stops, times, km and kg delivered."""
    rows = _Page(render_report(plan)).rows
    assert ["feeder-1", "支线", "van", "800", "2", "07:43", "08:05", "9.4", "60"] in rows
    assert ["一镇", "一镇站", "1", "2", "2", "0", "100.0%"] in rows  # township table


def test_scorecard_rows_use_status_words_and_colours(plan, scorecard):
    """Each indicator becomes a row with a Chinese status word, coloured by its status."""
    text = render_report(plan, scorecard=scorecard)
    rows = _Page(text).rows
    assert ["行政村快递服务覆盖率", ">= 90%", "100", "已达标", "10", "2/2 villages"] in rows
    assert '<tr style="background:#f8d7da"><td>县级物流配送中心' in text
    assert "met" not in [r[3] for r in rows if r and len(r) == 6]


def test_scorecard_is_grouped_by_the_documents_sections(plan, scorecard):
    """Rows quoting 四(一) and 三、发展目标 fall under their own sub-headings, in order."""
    card = scorecard.assign(unit=["%", "count"], value=[80.123456, 1.0],
                            citation=["安政综〔2018〕30号 三、发展目标: 覆盖率",
                                      "安政综〔2018〕30号 三、发展目标: 1个中心; 四(一)"])
    text = render_report(plan, scorecard=card)
    part_3 = "<h3>安政综〔2018〕30号 三、发展目标</h3>"
    part_4 = "<h3>安政综〔2018〕30号 四(一)</h3>"
    assert text.index(part_3) < text.index("行政村快递服务覆盖率") < text.index(part_4)
    assert text.index(part_4) < text.index("县级物流配送中心")
    assert "80.1%" in text and "80.123456" not in text


def test_status_words_pass_unknown_verdicts_through():
    """A verdict word the table does not know yet is printed as it is, not dropped."""
    assert status_word("not met") == "未达标" and status_word("brand-new verdict") == \
        "brand-new verdict"
    assert pct(0.8) == "80.0%"


def test_report_without_scorecard_says_so(plan):
    """With no scorecard the section says none was given rather than inventing one."""
    assert "未提供指标评分" in render_report(plan)
    assert "No scorecard was given" in render_report(plan, lang="en")


def test_scorecard_without_status_column_is_refused(plan, scorecard):
    """A scorecard table missing a column is refused, naming it."""
    with pytest.raises(RuralnetError, match=r"缺少列 \['status'\].*lacks column"):
        render_report(plan, scorecard=scorecard.drop(columns="status"))


def test_report_escapes_hostile_names(plan):
    """Village, station and township names are shown as text, never as markup."""
    d = tiny_plan_dict()
    d["villages"][0]["name"] = HOSTILE
    d["sites"][1]["name"] = HOSTILE_IMG
    d["townships"][0]["name"] = HOSTILE
    d["unserved"] = [{"village_id": "C1", "reason": HOSTILE_IMG}]
    for text in (render_report(Plan(d)), render_manifests(Plan(d))):
        assert HOSTILE not in text and HOSTILE_IMG not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
        assert "script" not in _Page(text).tags


def test_report_embeds_the_print_map_and_the_fleet_chart(plan):
    """With a fleet curve the report embeds two PNGs (print map, chart) and lists the points."""
    d = tiny_plan_dict()
    d["fleet_curve"] = [{"target": 0.5, "cost": 300.0, "vehicles": 1, "feasible": True},
                        {"target": 1.0, "cost": 500.0, "vehicles": 2, "feasible": True},
                        {"target": 1.0, "cost": None, "vehicles": None, "feasible": False}]
    page = _Page(render_report(Plan(d)))
    assert len(page.images) == 2
    for src in page.images:
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert ["50%", "300", "1", "是"] in page.rows and ["100%", "—", "—", "否"] in page.rows


def test_missing_fleet_curve_is_reported_not_drawn(plan):
    """Without fleet_curve there is no chart, and the report says the plan lacks one."""
    assert fleet_chart(plan) is None
    assert "has no fleet-versus-coverage curve" in render_report(plan, lang="en")


def test_chinese_text_without_a_cjk_font_warns_as_boxes():
    """Sanity of the next test: drawing 县 with the default font warns of a missing glyph."""
    fig = Figure()
    fig.text(0.5, 0.5, "县")
    with pytest.warns(UserWarning, match="Glyph"):
        fig.savefig(__import__("io").BytesIO(), format="png")


def test_without_a_cjk_font_the_chart_is_english_and_the_map_is_left_out(plan, monkeypatch):
    """No CJK font: no missing-glyph warning (warnings are errors), only the chart embedded."""
    monkeypatch.setattr(report, "cjk_font", lambda: None)
    monkeypatch.setattr(annex, "cjk_font", lambda: None)
    d = tiny_plan_dict()
    d["fleet_curve"] = [{"target": 0.8, "cost": 400.0, "vehicles": 2, "feasible": True}]
    assert len(_Page(render_report(Plan(d))).images) == 1


def test_cjk_font_is_found_in_matplotlib_font_list(monkeypatch):
    """cjk_font returns the first known CJK family matplotlib has, else None."""
    from matplotlib import font_manager

    monkeypatch.setattr(rio, "CJK_FONTS", ("WenQuanYi Zen Hei",))
    monkeypatch.setattr("subprocess.run", lambda *a, **k: type("R", (), {"stdout": ""})())

    class Entry:
        def __init__(self, name):
            self.name = name

    rio.cjk_font.cache_clear()
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [Entry("DejaVu Sans")])
    assert rio.cjk_font() is None
    rio.cjk_font.cache_clear()
    monkeypatch.setattr(font_manager.fontManager, "ttflist",
                        [Entry("DejaVu Sans"), Entry("WenQuanYi Zen Hei")])
    assert rio.cjk_font() == "WenQuanYi Zen Hei"
    rio.cjk_font.cache_clear()


def test_unserved_villages_are_grouped_by_reason_and_township(plan):
    """A village with a reason shows it; one with none says so; communities need a reason."""
    d = tiny_plan_dict()
    d["villages"] += [
        {"id": "V3", "name": "丁村委会", "township_id": "T1", "lon": 118.2, "lat": 25.1,
         "kind": "village", "poor": True},
        {"id": "V4", "name": "戊村委会", "township_id": "T1", "lon": 118.2, "lat": 25.2,
         "kind": "village", "poor": False}]
    d["unserved"] = [{"village_id": "V3", "reason": "beyond_day", "zh": "超出工作日时长",
                      "en": "beyond the working day"}]
    text = render_report(Plan(d))
    rows = _Page(text).rows
    assert "<h3>原因：超出工作日时长（1）</h3>" in text
    assert "<h3>原因：规划文件未给出原因（1）</h3>" in text
    assert ["一镇", "1", "丁村委会（贫困村）"] in rows and ["一镇", "1", "戊村委会"] in rows
    assert not any("甲村委会" in c for r in rows if r for c in r[2:3] if len(r) == 3)
    assert "未每日配送的行政村2个，原因：超出工作日时长（1个）；未记录原因（1个）" in text


def test_all_served_plan_says_every_village_is_served(plan):
    """The tiny plan serves both administrative villages daily."""
    assert "全部行政村每日配送" in render_report(plan)
    assert "Every administrative village is served daily" in render_report(plan, lang="en")


def test_models_section_shows_siting_and_location_routing_saving(plan):
    """Siting results are tabulated and the joint LRP saving is computed (520 → 500: 3.8%)."""
    d = tiny_plan_dict()
    d["siting"] = {"p_median": {"objective": 12.5, "bound": 12.0, "gap": 0.04,
                                "status": "optimal"}}
    d["lrp"] = {"two_step_cost": 520.0, "joint_cost": 500.0, "iterations": [1, 2, 3]}
    text = render_report(Plan(d))
    assert "models" in _Page(text).sections
    assert ["p_median", "12.5", "12", "0.04", "最优"] in _Page(text).rows
    assert "节省 3.8%" in text and "迭代 3 次" in text


def test_county_layers_join_the_provenance_table(plan, tiny_county):
    """With a county, its boundary and positions layers appear in the provenance table."""
    rows = _Page(render_report(plan, county=tiny_county)).rows
    assert ["县域·县界", "官方资料", "hand-made box", "—"] in rows


def test_county_of_another_plan_is_refused(plan, tiny_county):
    """A county whose code differs from the plan's is refused."""
    other = copy.copy(tiny_county)
    object.__setattr__(other, "code", "350524")
    with pytest.raises(RuralnetError, match="county mismatch"):
        render_report(plan, county=other)


def test_write_report_writes_one_utf8_file(plan, tmp_path, scorecard):
    """write_report leaves only the HTML file, in UTF-8, with the county name in the title."""
    out = write_report(plan, tmp_path / "report.html", scorecard=scorecard)
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
    assert "<title>测试县农村电商物流体系规划" in out.read_text(encoding="utf-8")


def test_report_and_workbook_take_a_scorecard_from_score_plan(plan, tmp_path):
    """A real Scorecard (guizhou_2017) renders one row per indicator in report and Excel."""
    import openpyxl

    from ruralnet.outputs.exports import write_excel
    from ruralnet.programme.scorecard import score_plan

    card = score_plan(plan.data, "guizhou_2017")
    rows = _Page(render_report(plan, scorecard=card)).rows
    first = card.table.iloc[0]
    assert any(r and r[0] == first["indicator"] and r[3] == status_word(first["status"])
               for r in rows)
    assert "对照考核指标" in plan_paragraphs(plan, card=card.table)[-2]
    wb = openpyxl.load_workbook(write_excel(plan, tmp_path / "p.xlsx", scorecard=card))
    assert card.scope == "参照 borrowed: this system does not apply to 测试县"
    assert wb["指标"].max_row == len(card.table) + 2  # the borrowed line heads the sheet
    assert wb["指标"]["A1"].value == f"⚠ {card.scope}" and wb["指标"]["A1"].font.b
    head = [c.value for c in wb["指标"][2]]
    assert "适用范围 scope" in head and "值（文字） value text" in head
    summary = {r[0]: r[1] for r in wb["概要"].iter_rows(values_only=True)}
    assert summary["考核体系适用范围 scorecard scope"] == card.scope
    text = render_report(plan, scorecard=card, with_map=False)
    assert f"<p class='alert scope' role='note'><b>⚠ {card.scope}</b></p>" in text
    assert text.index("<h2>五、考核指标</h2>") < text.index("⚠ 参照 borrowed")
    assert f"项（{card.scope}）：" in text


def test_scorecard_rows_use_their_own_status_words_and_value_text(plan):
    """status_zh (基本实现…) and value_text are printed; planned and entered values both shown."""
    card = pd.DataFrame({
        "indicator": ["网络零售额", "物流覆盖"], "target": ["≥ 20%", "≥ 80%"],
        "value": [25.0, 90.0], "value_text": ["25.0%", "90.0%"],
        "status": ["stretch reached", "met"], "status_zh": ["基本实现目标", "已达标"],
        "plan_value": [float("nan"), 85.0], "actual_value": [25.0, 90.0],
        "margin": [5.0, 10.0], "evidence": ["", ""], "unit": ["%", "%"], "scope": ["", ""]})
    rows = _Page(render_report(plan, scorecard=card, with_map=False)).rows
    assert ["网络零售额", "≥ 20%", "25.0%", "基本实现目标", "5%", ""] in rows
    assert ["物流覆盖", "≥ 80%", "实际 90%；规划 85%", "已达标", "10%", ""] in rows
    assert "<p class='alert" not in render_report(plan, scorecard=card, with_map=False)


def _print_pdf(path):
    from browser_check import launch

    with launch() as browser:
        page = browser.new_page()
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:"))
                   else r.abort())
        page.goto(path.resolve().as_uri())
        page.emulate_media(media="print")
        breaks = page.evaluate("[...document.querySelectorAll('.sheet')]"
                               ".map(e => getComputedStyle(e).breakBefore)")
        return breaks, page.pdf(format="A4")


def _pages(pdf):
    import io

    import pypdf

    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_printed_manifests_start_each_route_sheet_on_a_new_page(plan, tmp_path):
    """In Chromium's print mode each driver manifest after the first starts a new page."""
    import shutil

    if shutil.which("/usr/bin/chromium") is None:
        pytest.skip("/usr/bin/chromium not installed (apt-get install -y chromium)")
    breaks, pdf = _print_pdf(write_manifests(plan, tmp_path / "manifests.html"))
    assert breaks == ["auto", "page"]
    assert pdf.startswith(b"%PDF") and _pages(pdf) == 2


@pytest.mark.slow
def test_report_of_anxi_prints_on_at_most_15_pages(anxi, anxi_plan, tmp_path):
    """安溪县's whole plan: the annex prints on ≤ 15 A4 pages in Chromium (was 58)."""
    import shutil

    if shutil.which("/usr/bin/chromium") is None:
        pytest.skip("/usr/bin/chromium not installed (apt-get install -y chromium)")
    from ruralnet.programme.scorecard import score_plan

    p = anxi_plan  # plan_county(load_county("安溪"), seed=0), planned once for the session
    path = write_report(p, tmp_path / "report.html", county=anxi,
                        scorecard=score_plan(p.data).table)
    _, pdf = _print_pdf(path)
    n = _pages(pdf)
    assert 4 <= n <= 15, n
    assert len(p.routes()) > 15  # the manifests alone would print one page per route


def _passed_plan():
    """Tiny plan + V3 on the feeder's road path (passed, not stopped) + V4 off every road."""
    d = tiny_plan_dict()
    d["villages"] += [
        {"id": "V3", "name": "丁村委会", "township_id": "T1", "lon": 118.15, "lat": 25.01,
         "kind": "village", "poor": False},
        {"id": "V4", "name": "戊村委会", "township_id": "T1", "lon": 118.3, "lat": 25.3,
         "kind": "village", "poor": False}]
    d["routes"][1]["path"] = [[118.1, 25.0], [118.12, 25.0], [118.15, 25.01], [118.12, 25.02],
                              [118.1, 25.0]]
    d["unserved"] = [{"village_id": "C1", "reason": "community", "zh": "社区不计入覆盖率",
                      "en": "community"},
                     {"village_id": "V4", "reason": "beyond_day", "zh": "超出工作日时长",
                      "en": "beyond the working day"}]
    return d


def test_report_quotes_the_plan_figures_and_shows_passed_villages_as_such():
    """Summary, prose and unserved section use plan_figures: 行政村 only, passed apart."""
    from ruralnet.plan.figures import plan_figures

    d = _passed_plan()
    f = plan_figures(d)
    assert f.passed_not_stopped == ("V3",) and f.not_served == ("V4",)
    text = render_report(Plan(d), with_map=False)
    rows = _Page(text).rows
    assert ["每日配送行政村", "2/4 (50.0%)"] in rows and f.format("daily_served") == "2/4 (50.0%)"
    assert ["途经未停靠行政村", "1/4 (25.0%)"] in rows and ["未服务行政村", "1/4 (25.0%)"] in rows
    assert ["设村级服务站的行政村", "1/4 (25.0%)"] in rows and ["每日配送社区", "0/1"] in rows
    assert "未每日配送的行政村2个，其中1个每日有配送车辆途经但未停靠" in text
    assert "未每日配送的行政村2个（共4个），其中途经未停靠1个、未服务1个；另列社区等1个" in text
    assert "原因：途经未停靠（每日有车途经，距线路≤50米，可增设停靠点）（1）" in text
    assert ["一镇", "1", "丁村委会"] in rows and ["一镇", "1", "戊村委会"] in rows
    assert "原因：社区：社区不计入覆盖率（1）" in text and ["一镇", "1", "丙社区居委会"] in rows
    assert "3个村（社区）未每日配送" not in text and "共3个" not in text
    assert ["一镇", "一镇站", "1", "4", "2", "1", "50.0%"] in rows


def test_report_has_a_schedule_section_per_station_with_days_and_loops():
    """班次表: one row per (station, visit days); the loop with its binding figure; renumbered."""
    from tiny import tiny_week_dict

    text = render_report(Plan(tiny_week_dict()), with_map=False)
    page = _Page(text)
    assert page.sections.index("schedule") == page.sections.index("routes") + 1
    assert "<h2>五、班次表</h2>" in text and "<h2>六、考核指标</h2>" in text
    assert ["一镇", "一镇站", "7", "每日", "1个：甲村委会"] in page.rows
    assert ["一镇", "一镇站", "2", "周一、周四", "1个：乙村委会"] in page.rows
    assert ["二乡", "二乡站", "2", "周二、周五", "1个：己村委会"] in page.rows
    assert ["二乡站", "3天", "周二、周五", "往返1000分钟超过单班660分钟"] in page.rows
    assert "每日配送1个，每周至少2次3个（100.0%）" in text
    assert "schedule" not in _Page(render_report(Plan(tiny_plan_dict()), with_map=False)).sections


def test_report_has_a_cost_section_from_the_economics_of_the_plan():
    """成本与投资 per tier (sums to 500 元/日), township, parity, pooled, investment, fund table."""
    from tiny import tiny_economics_dict

    d = tiny_economics_dict()
    text = render_report(Plan(d), with_map=False)
    page = _Page(text)
    assert "costs" in page.sections and "<h2>七、成本与投资</h2>" in text
    by_tier = {}
    for r in page.rows:  # the first table with these rows is the per-tier one
        if r and len(r) == 5 and r[0] in ("干线", "支线", "站点运营", "合计"):
            by_tier.setdefault(r[0], r)
    assert by_tier["干线"] == ["干线", "100", "100", "1.67", "5.56"]
    assert by_tier["合计"] == ["合计", "305", "195", "5.09", "10.82"]
    assert "直达" not in by_tier  # a tier the plan does not run is left out
    assert ["一镇", "60", "18", "5.09", "10.82"] in page.rows
    assert ["下行（工业品下乡）", "5.09", "2.00", "3.09", "否"] in page.rows
    assert ["共同配送", "100.0%", "500", "2", "35"] in page.rows
    assert ["各自配送合计", "100.0%", "800", "4", "71"] in page.rows
    assert "共同配送每日节省300元（37.5%），每年约10.9万元。承运商份额来源：示例份额" in text
    assert ["县乡村三级物流配送体系", "county_warehouse 县级仓储配送中心", "1", "200", "200"] \
        in page.rows and ["合计", "", "", "", "234.5"] in page.rows
    assert "单位造价为假设值，非报价（ASSUMED unit costs" in text
    assert ["县乡村三级物流配送体系", "anxi_2018 资金表", "233", "450", "217", "是",
            "安政综〔2018〕30号 四(一) 资金表 (中央资金): 安溪县县乡村三级物流配送体系"] \
        in page.rows
    assert ["×2", "156", "700", "2", "4.49", "4.49"] in page.rows
    assert len(page.images) == 1  # the sensitivity chart (no fleet curve, no map)
    assert "costs" not in _Page(render_report(Plan(tiny_plan_dict()), with_map=False)).sections


def test_report_claims_no_location_routing_saving_when_the_joint_warehouses_failed():
    """A plan that fell back to facility location says so and prints no 'saving' (会泽 case)."""
    from ruralnet.plan.document import Plan

    d = tiny_plan_dict()
    d["lrp"] = {"two_step_cost": 6000.0, "joint_cost": 4758.55, "used": "facility_location",
                "joint_infeasible_zh": "干线无解", "joint_infeasible_en": "trunk infeasible",
                "iterations": []}
    texts = " ".join(b.text for b in annex.build_annex(Plan(d), lang="zh")[1])
    assert "采用设施选址的县级仓" in texts and "干线无解" in texts
    assert "节省" not in texts.split("选址—路径联合优化")[-1]
    d["lrp"]["used"] = "joint"
    texts = " ".join(b.text for b in annex.build_annex(Plan(d), lang="zh")[1])
    assert "联合优化 4,758.55 元/日" in texts or "联合优化 4,759 元/日" in texts

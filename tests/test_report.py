import base64
import copy
import re
from html.parser import HTMLParser

import pandas as pd
import pytest
from matplotlib.figure import Figure
from tiny import HOSTILE, HOSTILE_IMG, tiny_plan_dict

import ruralnet.outputs.report as report
from ruralnet import _io as rio
from ruralnet.exceptions import RuralnetError
from ruralnet.outputs.report import fleet_chart, render_report, write_report
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
    """Notice, summary, overview, scorecard, fleet, unserved, route sheets, provenance."""
    page = _Page(render_report(plan))
    assert page.sections == ["synthetic-notice", "summary", "overview", "scorecard",
                             "fleet-curve", "unserved", "route-sheets", "provenance"]


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


def test_route_sheet_lists_each_stop_with_times_and_loads(plan):
    """The feeder manifest has its four stops with arrival, departure and load after each."""
    rows = _Page(render_report(plan)).rows
    assert ["1", "甲村委会", "一镇", "07:49", "07:49", "30", "9", "39"] in rows
    assert ["3", "一镇站", "一镇", "08:05", "08:05", "0", "0", "18"] in rows
    assert ["1", "一镇站", "一镇", "07:13", "07:23", "60", "18", "18"] in rows
    assert sum(1 for r in rows if r and r[0] in {"0", "1", "2", "3"} and ":" in r[3]) == 7


def test_scorecard_rows_are_rendered_with_status_colours(plan, scorecard):
    """Each indicator becomes a row, coloured by its status."""
    text = render_report(plan, scorecard=scorecard)
    rows = _Page(text).rows
    assert ["行政村快递服务覆盖率", ">= 90%", "100", "met", "10", "2/2 villages"] in rows
    assert '<tr style="background:#f8d7da"><td>县级物流配送中心' in text


def test_report_without_scorecard_says_so(plan):
    """With no scorecard the section says none was given rather than inventing one."""
    assert "No scorecard was given" in render_report(plan)


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
    text = render_report(Plan(d))
    assert HOSTILE not in text and HOSTILE_IMG not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "script" not in _Page(text).tags


def test_fleet_curve_is_an_embedded_png_with_its_table(plan):
    """With a fleet curve the report embeds a PNG chart and lists the points."""
    d = tiny_plan_dict()
    d["fleet_curve"] = [{"target": 0.5, "cost": 300.0, "vehicles": 1, "feasible": True},
                        {"target": 1.0, "cost": 500.0, "vehicles": 2, "feasible": True},
                        {"target": 1.0, "cost": None, "vehicles": None, "feasible": False}]
    page = _Page(render_report(Plan(d)))
    assert len(page.images) == 2  # overview and fleet chart
    for src in page.images:
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert ["0.5", "300", "1", "True"] in page.rows and ["1", "—", "—", "False"] in page.rows


def test_missing_fleet_curve_is_reported_not_drawn(plan):
    """Without fleet_curve there is no chart, and the report says the plan lacks one."""
    assert fleet_chart(plan) is None
    assert "has no fleet-versus-coverage curve" in render_report(plan)


def test_chinese_text_without_a_cjk_font_warns_as_boxes():
    """Sanity of the next test: drawing 县 with the default font warns of a missing glyph."""
    fig = Figure()
    fig.text(0.5, 0.5, "县")
    with pytest.warns(UserWarning, match="Glyph"):
        fig.savefig(__import__("io").BytesIO(), format="png")


def test_charts_use_english_labels_when_no_cjk_font(plan, monkeypatch):
    """With no CJK font the charts render without a missing-glyph warning (warnings are errors)."""
    monkeypatch.setattr(report, "cjk_font", lambda: None)
    d = tiny_plan_dict()
    d["fleet_curve"] = [{"target": 0.8, "cost": 400.0, "vehicles": 2, "feasible": True}]
    assert len(_Page(render_report(Plan(d))).images) == 2


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


def test_unserved_villages_show_recorded_reasons_or_say_none_was_recorded(plan):
    """A village with a reason shows it; one with none says so; communities need a reason."""
    d = tiny_plan_dict()
    d["villages"] += [
        {"id": "V3", "name": "丁村委会", "township_id": "T1", "lon": 118.2, "lat": 25.1,
         "kind": "village", "poor": True},
        {"id": "V4", "name": "戊村委会", "township_id": "T1", "lon": 118.2, "lat": 25.2,
         "kind": "village", "poor": False}]
    d["unserved"] = [{"village_id": "V3", "reason": "超出工作日时长 beyond the working day"}]
    rows = _Page(render_report(Plan(d))).rows
    assert ["V3", "丁村委会", "一镇", "是 yes", "超出工作日时长 beyond the working day"] in rows
    assert ["V4", "戊村委会", "一镇", "", "规划文件未给出原因 no reason recorded"] in rows
    assert not any(r and r[0] in ("C1", "V1", "V2") for r in rows)


def test_all_served_plan_says_every_village_is_served(plan):
    """The tiny plan serves both administrative villages daily."""
    assert "Every administrative village is served daily" in render_report(plan)


def test_models_section_shows_siting_and_location_routing_saving(plan):
    """Siting results are tabulated and the joint LRP saving is computed (520 → 500: 3.8%)."""
    d = tiny_plan_dict()
    d["siting"] = {"p_median": {"objective": 12.5, "bound": 12.0, "gap": 0.04,
                                "status": "optimal"}}
    d["lrp"] = {"two_step_cost": 520.0, "joint_cost": 500.0, "iterations": [1, 2, 3]}
    text = render_report(Plan(d))
    assert "models" in _Page(text).sections
    assert ["p_median", "12.5", "12", "0.04", "optimal"] in _Page(text).rows
    assert "saving 3.8%" in text and "iterations: 3" in text


def test_county_layers_join_the_provenance_table(plan, tiny_county):
    """With a county, its boundary and positions layers appear in the provenance table."""
    rows = _Page(render_report(plan, county=tiny_county)).rows
    assert ["county.boundary", "official", "hand-made box", "—", "—"] in rows


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
    assert "<title>测试县 农村电商物流规划" in out.read_text(encoding="utf-8")


def test_report_and_workbook_take_a_scorecard_from_score_plan(plan, tmp_path):
    """A real Scorecard (guizhou_2017) renders one row per indicator in report and Excel."""
    import openpyxl

    from ruralnet.outputs.exports import write_excel
    from ruralnet.programme.scorecard import score_plan

    card = score_plan(plan.data, "guizhou_2017")
    rows = _Page(render_report(plan, scorecard=card)).rows
    first = card.table.iloc[0]
    assert any(r and r[0] == first["indicator"] and r[3] == first["status"] for r in rows)
    wb = openpyxl.load_workbook(write_excel(plan, tmp_path / "p.xlsx", scorecard=card))
    assert wb["指标"].max_row == len(card.table) + 1


def test_printed_report_starts_each_route_sheet_on_a_new_page(plan, tmp_path):
    """In Chromium's print mode every driver manifest breaks before itself and the PDF has pages."""
    import shutil

    if shutil.which("/usr/bin/chromium") is None:
        pytest.skip("/usr/bin/chromium not installed (apt-get install -y chromium)")
    from browser_check import launch

    path = write_report(plan, tmp_path / "report.html")
    with launch() as browser:
        page = browser.new_page()
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:")
                   else r.abort())
        page.goto(path.resolve().as_uri())
        page.emulate_media(media="print")
        breaks = page.evaluate("[...document.querySelectorAll('.sheet')]"
                               ".map(e => getComputedStyle(e).breakBefore)")
        pdf = page.pdf(format="A4")
    assert breaks == ["page", "page"]
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) >= 3

"""The Word annex: reopened with python-docx, headings, tables and the embedded map counted."""

import docx
import pytest
from docx.oxml.ns import qn
from tiny import HOSTILE, tiny_plan_dict

from ruralnet._io import cjk_font
from ruralnet.outputs.annex import build_annex
from ruralnet.outputs.docx_report import write_docx
from ruralnet.plan.document import Plan


@pytest.fixture
def scorecard():
    import pandas as pd

    return pd.DataFrame({
        "indicator": ["行政村快递服务覆盖率", "县级物流配送中心"], "target": [">= 90%", ">= 1"],
        "value": [100.0, 1.0], "status": ["met", "not met"], "margin": [10.0, 0.0],
        "evidence": ["2/2 villages", "W"], "unit": ["%", "count"],
        "citation": ["某文 三、发展目标: 覆盖率", "某文 四(一): 中心"]})


def _styles(document):
    return [(p.style.name, p.text) for p in document.paragraphs]


def test_docx_has_real_headings_tables_and_the_map(tiny_plan, tiny_county, scorecard,
                                                   tmp_path):
    """Title, one Heading 1 per section, Heading 2 per scorecard group, a table per table."""
    path = write_docx(tiny_plan, tmp_path / "report.docx", scorecard=scorecard,
                      county=tiny_county)
    d = docx.Document(str(path))
    styles = _styles(d)
    _, blocks = build_annex(tiny_plan, scorecard=scorecard, county=tiny_county)
    assert styles[0] == ("Title", "测试县农村电商物流体系规划")
    h1 = [t for s, t in styles if s == "Heading 1"]
    assert h1 == [b.text for b in blocks if b.kind == "h2"]
    assert h1[0] == "一、方案概要" and "五、考核指标" in h1
    assert [t for s, t in styles if s == "Heading 2"] == ["某文 三、发展目标", "某文 四(一)",
                                                          "规划参数"]
    assert len(d.tables) == sum(1 for b in blocks if b.kind == "table")
    assert all(t.style.name == "Table Grid" for t in d.tables)
    cards = [t for t in d.tables if t.rows[0].cells[0].text == "指标"]
    assert [c.text for c in cards[0].rows[1].cells][:4] == ["行政村快递服务覆盖率", ">= 90%",
                                                          "100%", "已达标"]
    assert [c.text for c in cards[1].rows[1].cells][:4] == ["县级物流配送中心", ">= 1", "1",
                                                          "未达标"]
    assert len(d.inline_shapes) == (1 if cjk_font() else 0)
    body = [p.text for p in d.paragraphs if p.style.name == "Normal"]
    assert any(t.startswith("本方案在测试县设县级仓储配送中心1个") for t in body)


def test_docx_header_rows_repeat_and_east_asian_font_is_set(tiny_plan, tmp_path):
    """Table headers repeat on each printed page; Normal text names a Chinese font."""
    d = docx.Document(str(write_docx(tiny_plan, tmp_path / "r.docx")))
    first = d.tables[0].rows[0]._tr
    assert first.find(qn("w:trPr")).find(qn("w:tblHeader")) is not None
    fonts = d.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "宋体"


def test_docx_in_english_and_with_hostile_names(tmp_path):
    """lang=en gives English headings; a <script> name is stored as plain text."""
    d = tiny_plan_dict()
    d["townships"][0]["name"] = HOSTILE
    doc = docx.Document(str(write_docx(Plan(d), tmp_path / "r.docx", lang="en")))
    h1 = [t for s, t in _styles(doc) if s == "Heading 1"]
    assert h1[0] == "1. Summary"
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert not any("本方案" in p.text for p in doc.paragraphs)
    assert HOSTILE in cells  # the township table shows the name as text
    with open(tmp_path / "r.docx", "rb") as f:
        import zipfile

        xml = zipfile.ZipFile(f).read("word/document.xml")
    assert b"<script>" not in xml


def test_docx_has_the_schedule_section_of_a_plan_with_a_week(tmp_path):
    """The Word annex carries the same 班次表 heading and table as the HTML report."""
    from tiny import tiny_week_dict

    path = write_docx(Plan(tiny_week_dict()), tmp_path / "report.docx", png=b"")
    d = docx.Document(str(path))
    assert "五、班次表" in [t for s, t in _styles(d) if s == "Heading 1"]
    sched = [t for t in d.tables if [c.text for c in t.rows[0].cells][2:3] == ["班次/周"]]
    assert [c.text for c in sched[0].rows[2].cells] == ["一镇", "一镇站", "2", "周一、周四",
                                                        "1个：乙村委会"]


def test_docx_prints_a_borrowed_scorecard_line_in_bold(tiny_plan, tmp_path):
    """A scorecard whose system does not apply to the county says so under its heading."""
    from ruralnet.programme.scorecard import score_plan

    card = score_plan(tiny_plan.data, "guizhou_2017")
    d = docx.Document(str(write_docx(tiny_plan, tmp_path / "r.docx", scorecard=card, png=b"")))
    texts = [p.text for p in d.paragraphs]
    line = f"⚠ {card.scope}"
    assert line in texts and texts.index(line) == texts.index("五、考核指标") + 1
    assert d.paragraphs[texts.index(line)].runs[0].bold


def test_docx_has_the_cost_section_and_its_chart(tmp_path):
    """成本与投资 in Word: the same tables as the annex blocks and the sensitivity chart."""
    from tiny import tiny_economics_dict

    plan = Plan(tiny_economics_dict())
    d = docx.Document(str(write_docx(plan, tmp_path / "r.docx", png=b"")))
    assert "七、成本与投资" in [t for s, t in _styles(d) if s == "Heading 1"]
    _, blocks = build_annex(plan)
    assert len(d.tables) == sum(1 for b in blocks if b.kind == "table")
    pooled = [t for t in d.tables if t.rows[0].cells[0].text == "方案"][0]
    assert [c.text for c in pooled.rows[-1].cells] == ["共同配送", "100.0%", "500", "2", "35"]
    assert len(d.inline_shapes) == 1

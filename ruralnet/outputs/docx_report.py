"""The plan annex as a Word document (``report.docx``) for pasting into the 实施方案.

:func:`write_docx` renders the same blocks as the HTML report
(:func:`ruralnet.outputs.annex.build_annex`) with python-docx: the title as
"Title", sections as "Heading 1", sub-sections as "Heading 2", paragraphs in
"Normal" with a two-character first-line indent, tables in "Table Grid" with a
repeated header row, and the print map as an inline picture. Styles are Word's
own, so the bureau's template restyles them when pasted. East-Asian text uses
a Chinese font (``w:eastAsia``) so Word does not fall back to a Western one.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

from ruralnet._io import atomic_path
from ruralnet.geo.county import County
from ruralnet.outputs.annex import Block, build_annex
from ruralnet.outputs.report import check_lang, map_png
from ruralnet.plan.document import Plan

logger = logging.getLogger(__name__)

EAST_ASIAN_FONT = "宋体"
HEADING_FONT = "黑体"


def _east_asian(style_or_run: Any, font: str) -> None:
    from docx.oxml.ns import qn

    rpr = style_or_run.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), font)


def _setup(doc: Any) -> None:
    from docx.shared import Cm, Pt

    normal = doc.styles["Normal"]
    normal.font.size = Pt(11)
    _east_asian(normal, EAST_ASIAN_FONT)
    for name in ("Title", "Heading 1", "Heading 2"):
        _east_asian(doc.styles[name], HEADING_FONT)
    for section in doc.sections:  # A4, 2.5 cm margins (GB/T 9704 is close to this)
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2.5)
        section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.2)


def _table(doc: Any, block: Block) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    frame = block.frame
    assert frame is not None
    table = doc.add_table(rows=1, cols=len(frame.columns))
    table.style = doc.styles["Table Grid"]
    head = table.rows[0]
    trpr = head._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    trpr.append(repeat)
    for cell, text in zip(head.cells, frame.columns, strict=True):
        cell.text = str(text)
        for run in cell.paragraphs[0].runs:
            run.bold = True
            run.font.size = Pt(9)
    for i, row in enumerate(frame.itertuples(index=False)):
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = "" if value is None else str(value)
            for run in cell.paragraphs[0].runs:
                run.font.size = Pt(9)
        if block.fills and block.fills[i] not in ("#ffffff", "#e2e3e5"):
            for cell in cells:
                shade = OxmlElement("w:shd")
                shade.set(qn("w:val"), "clear")
                shade.set(qn("w:fill"), block.fills[i].lstrip("#"))
                cell._tc.get_or_add_tcPr().append(shade)


def render_docx(plan: Plan, *, scorecard: Any = None, county: County | None = None,
                lang: str = "zh", png: bytes | None = None,
                annex: tuple[str, list[Block]] | None = None) -> Any:
    """Return the annex as a ``docx.Document`` (see :func:`write_docx`)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt, RGBColor

    check_lang(lang)
    title, blocks = annex or build_annex(plan, scorecard=scorecard, county=county, lang=lang,
                                         map_png=png)
    doc = Document()
    _setup(doc)
    doc.core_properties.title = title
    doc.core_properties.author = "ruralnet"
    head = doc.add_heading(title, level=0)
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for b in blocks:
        if b.kind == "h2":
            doc.add_heading(b.text, level=1)
        elif b.kind == "h3":
            doc.add_heading(b.text, level=2)
        elif b.kind == "p":
            para = doc.add_paragraph(b.text)
            para.paragraph_format.first_line_indent = Pt(22)
        elif b.kind == "note":
            run = doc.add_paragraph().add_run(b.text)
            run.font.size = Pt(9)
            run.font.color.rgb = RGBColor(0x55, 0x55, 0x55)
        elif b.kind == "alert":
            run = doc.add_paragraph().add_run(b.text)
            run.bold = True
            run.font.size = Pt(12)
            run.font.color.rgb = RGBColor(0x9C, 0x00, 0x06)
        elif b.kind == "notice":
            for line in b.text.split("\n"):
                run = doc.add_paragraph().add_run(line)
                run.bold = True
                run.font.color.rgb = RGBColor(0xB4, 0x53, 0x09)
        elif b.kind == "table" and b.frame is not None:
            _table(doc, b)
        elif b.kind == "image" and b.image is not None:
            doc.add_picture(io.BytesIO(b.image), width=Cm(min(b.width_cm, 16.0)))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    return doc


def write_docx(plan: Plan, path: str | Path, *, scorecard: Any = None,
               county: County | None = None, lang: str = "zh",
               png: bytes | None = None, annex: tuple[str, list[Block]] | None = None) -> Path:
    """Write the annex as ``.docx`` (atomically) and return its path.

    Parameters
    ----------
    plan, scorecard, county, lang, annex
        As for :func:`ruralnet.outputs.report.write_report`.
    png
        The print map to embed; drawn with
        :func:`ruralnet.outputs.report.map_png` when not given.
    """
    if png is None and annex is None:
        png = map_png(plan, county)
    doc = render_docx(plan, scorecard=scorecard, county=county, lang=lang, png=png,
                      annex=annex)
    with atomic_path(path) as tmp:
        doc.save(str(tmp))
    logger.info("Word annex of %s written", plan.county["name"])
    return Path(path)

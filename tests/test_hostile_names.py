"""Names with markup, control characters and bidi overrides: shown as text in report and Excel.

The names come from ``tests/data/names_with_script_and_control_characters.txt``
(one hostile name per line: ``<script>``, ``<img onerror>``, an ANSI escape,
NUL and BEL, a right-to-left override, an Excel formula, C0/C1 controls).
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from tiny import tiny_plan_dict

from ruralnet.outputs.exports import write_excel, write_route_csv
from ruralnet.outputs.report import render_report
from ruralnet.plan.document import Plan

NAMES = (Path(__file__).parent / "data" / "names_with_script_and_control_characters.txt"
         ).read_text(encoding="utf-8").split("\n")[:-1]
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(params=range(len(NAMES)), ids=lambda i: repr(NAMES[i])[1:12])
def hostile(request):
    """The tiny plan with one hostile name on a village, a station and the township."""
    name = NAMES[request.param]
    d = tiny_plan_dict()
    d["villages"][0]["name"] = name
    d["sites"][1]["name"] = name
    d["townships"][0]["name"] = name
    return name, Plan(d)


def test_corpus_holds_each_kind_of_hostile_name():
    """The corpus file has markup, an ANSI escape, NUL, a bidi override and a formula."""
    text = "\n".join(NAMES)
    assert "<script>" in text and "\x1b[" in text and "\x00" in text and "\u202e" in text
    assert any(n.startswith("=") for n in NAMES)


def test_report_shows_hostile_names_as_visible_text(hostile):
    """No markup from a name, no control character; what remains is readable."""
    name, plan = hostile
    page = render_report(plan)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert not CONTROL.search(page)
    readable = re.sub(CONTROL, "\ufffd", name)
    escaped = readable.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert escaped.replace('"', "&quot;") in page


def test_excel_and_csv_hold_hostile_names_as_plain_text(hostile, tmp_path):
    """Excel accepts the workbook (no IllegalCharacterError), has no formulas, no controls."""
    name, plan = hostile
    wb = openpyxl.load_workbook(write_excel(plan, tmp_path / "plan.xlsx"))
    texts = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str)]
    assert not [t for t in texts if CONTROL.search(t)]
    assert all(c.data_type != "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)
    core = re.sub(CONTROL, "\ufffd", name).lstrip("=")
    assert any(core in t for t in texts)
    csv = write_route_csv(plan, tmp_path / "routes.csv").read_text(encoding="utf-8-sig")
    assert not CONTROL.search(csv)

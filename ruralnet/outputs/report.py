"""The printable plan annex: one self-contained HTML file for the 实施方案.

:func:`write_report` renders the blocks of :func:`ruralnet.outputs.annex.build_annex`
— the Chinese prose an official can quote, the summary, the print map (PNG
embedded as base64), the township and route tables, the scorecard grouped by
the programme document's sections, the fleet-versus-coverage chart, the
villages not served daily, the models and the data sources — in Chinese
(``lang="zh"``, default), English (``"en"``) or both. Every name is
HTML-escaped. Driver manifests are in a separate file
(:mod:`ruralnet.outputs.manifests`) so the annex prints on few pages.

Examples
--------
>>> _fmt(0.83456), _fmt(None), _fmt(12.0)
('0.835', '—', '12')
"""

from __future__ import annotations

import base64
import html
import logging
from pathlib import Path
from typing import Any

import pandas as pd

from ruralnet._io import atomic_path, cjk_font
from ruralnet.exceptions import ParameterError
from ruralnet.geo.county import County
from ruralnet.outputs.annex import Block, build_annex
from ruralnet.outputs.charts import fleet_chart
from ruralnet.outputs.exports import visible_text
from ruralnet.outputs.words import LANGS
from ruralnet.plan.document import Plan

logger = logging.getLogger(__name__)

__all__ = ["fleet_chart", "map_png", "render_report", "write_report", "check_lang"]


def _esc(value: Any) -> str:
    """HTML-escape a value; control characters and bidi overrides become ``�``."""
    return html.escape(visible_text("" if value is None else str(value)), quote=True)


def _fmt(value: Any) -> str:
    """Format numbers as short text (3 significant decimals), missing values to a dash."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".")
    return str(value)


def check_lang(lang: str) -> str:
    """Return ``lang`` when it is zh, en or both.

    Raises
    ------
    ParameterError
        For any other language.
    """
    if lang not in LANGS:
        raise ParameterError(f"报告语言 lang={lang!r} 不支持；可选 {list(LANGS)}。",
                             f"report language {lang!r} is not supported; choose one of "
                             f"{list(LANGS)}.", lang=lang)
    return lang


def map_png(plan: Plan, county: County | None, *, dpi: int = 150) -> bytes | None:
    """Draw the A4 print map as PNG bytes for embedding, or None without a CJK font."""
    import io

    if cjk_font() is None:
        logger.warning("no CJK font installed: the print map is not embedded "
                       "(apt-get install fonts-noto-cjk)")
        return None
    from ruralnet.outputs.print_map import fonts_for_print, print_map

    fig = print_map(plan, county, paper="A4")
    buf = io.BytesIO()
    with fonts_for_print():
        fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def png_at_dpi(path: Path, dpi: int, *, source_dpi: int = 300) -> bytes:
    """Return the PNG at ``path`` (drawn at ``source_dpi``) scaled to ``dpi``, as PNG bytes.

    The report and the Word annex embed the print map at 150 dpi: scaling
    the 300-dpi ``map_print.png`` down costs a fraction of drawing it again.
    """
    import io

    from PIL import Image

    with Image.open(path) as img:
        size = (round(img.width * dpi / source_dpi), round(img.height * dpi / source_dpi))
        small = img.convert("RGBA").resize(size, Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    small.save(buf, format="png")
    return buf.getvalue()


def table_html(frame: pd.DataFrame, *, fills: list[str] | None = None, cls: str = "") -> str:
    """Render a DataFrame of display text as an HTML table (every cell escaped)."""
    head = "".join(f"<th>{_esc(c)}</th>" for c in frame.columns)
    body = []
    for i, row in enumerate(frame.itertuples(index=False)):
        style = f' style="background:{fills[i]}"' if fills else ""
        body.append(f"<tr{style}>" + "".join(f"<td>{_esc(_fmt(x))}</td>" for x in row)
                    + "</tr>")
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody>' \
           "</table>"


def _block_html(b: Block) -> str:
    if b.kind == "h2":
        return f"<h2>{_esc(b.text)}</h2>"
    if b.kind == "h3":
        return f"<h3>{_esc(b.text)}</h3>"
    if b.kind == "p":
        return f"<p>{_esc(b.text)}</p>"
    if b.kind == "alert":
        return f"<p class='alert {_esc(b.cls)}' role='note'><b>{_esc(b.text)}</b></p>"
    if b.kind == "note":
        return f"<p class='note'>{_esc(b.text)}</p>"
    if b.kind == "notice":
        lines = "".join(f"<p>{_esc(t)}</p>" for t in b.text.split("\n"))
        return lines
    if b.kind == "table" and b.frame is not None:
        return table_html(b.frame, fills=b.fills, cls=b.cls)
    if b.kind == "image" and b.image is not None:
        src = base64.b64encode(b.image).decode("ascii")
        return f'<img alt="{_esc(b.text)}" src="data:image/png;base64,{src}">'
    return ""


def _sections(blocks: list[Block]) -> str:
    """Group blocks into <section> elements: a notice alone, each h2 with what follows."""
    out, current, sid, cls = [], [], None, ""

    def close() -> None:
        if sid is not None:
            out.append(f'<section id="{sid}" class="{cls}">{"".join(current)}</section>')

    for b in blocks:
        if b.kind in ("h2", "notice"):
            close()
            current, sid = [], b.sid
            cls = "notice" if b.kind == "notice" else ""
        current.append(_block_html(b))
    close()
    return "".join(out).replace('<section id="synthetic-notice" class="notice">',
                                '<section id="synthetic-notice" class="notice" role="alert">')


def render_report(plan: Plan, *, scorecard: Any = None, county: County | None = None,
                  lang: str = "zh", with_map: bool = True, png: bytes | None = None,
                  annex: tuple[str, list[Any]] | None = None) -> str:
    """Return the report as one HTML string (see :func:`write_report`).

    ``png`` is the print map to embed (default: drawn with :func:`map_png`
    unless ``with_map`` is false). ``annex`` is the title and blocks of
    :func:`ruralnet.outputs.annex.build_annex` for these arguments, when the
    caller made them already (the Word annex shares them); default: built here.
    """
    check_lang(lang)
    if annex is None and png is None and with_map:
        png = map_png(plan, county)
    title, blocks = annex or build_annex(plan, scorecard=scorecard, county=county, lang=lang,
                                         map_png=png)
    return (f'<!DOCTYPE html><html lang="{"en" if lang == "en" else "zh-CN"}"><head>'
            f'<meta charset="utf-8"><title>{_esc(title)}</title><style>{CSS}</style></head>'
            f"<body><h1>{_esc(title)}</h1>{_sections(blocks)}</body></html>")


def write_report(plan: Plan, path: str | Path, *, scorecard: Any = None,
                 county: County | None = None, lang: str = "zh",
                 png: bytes | None = None, annex: tuple[str, list[Any]] | None = None) -> Path:
    """Write the print-friendly plan annex as one self-contained HTML file.

    Parameters
    ----------
    plan
        The plan.
    path
        Destination ``.html`` file; replaced atomically.
    scorecard
        A :class:`ruralnet.programme.scorecard.Scorecard` or its ``table`` DataFrame
        (columns indicator, target, value, status, margin, evidence; optional
        unit and citation group the rows by the document's sections).
    county
        The plan's county: boundary and townships on the map, its layers in
        the data-source table.
    lang
        ``"zh"`` (default), ``"en"`` or ``"both"``.
    png
        The print map to embed (default: drawn with :func:`map_png`).
    annex
        The annex already built for these arguments (see :func:`render_report`).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    RuralnetError
        When the scorecard lacks a column or the county is not the plan's.
    """
    text = render_report(plan, scorecard=scorecard, county=county, lang=lang, png=png,
                         annex=annex)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    logger.info("report of %s: %d kB", plan.county["name"], len(text) // 1024)
    return Path(path)


CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:2em;
 color:#111;max-width:60em;font-size:11pt;line-height:1.55}
h1{font-size:1.6em;text-align:center;border-bottom:2px solid #333;padding-bottom:.3em}
h2{font-size:1.25em;margin-top:1.4em;border-bottom:1px solid #999}
h3{font-size:1.05em;margin:1em 0 .3em}
p{text-indent:2em;margin:.4em 0}
p.note{text-indent:0;color:#555;font-size:.85em}
p.alert{text-indent:0;border-left:5px solid #b45309;background:#fff7ed;padding:.3em .6em}
table{border-collapse:collapse;margin:.5em 0;font-size:.85em;width:100%}
th,td{border:1px solid #888;padding:2px 6px;text-align:left;vertical-align:top}
th{background:#eee}
table.kv{width:auto}
table.unserved td:first-child,table.scorecard td:nth-child(4),table.towns td:first-child,
table.routes td{white-space:nowrap}
img{max-width:100%;display:block;margin:0 auto}
.notice{border:3px solid #b45309;background:#fde68a;padding:.3em 1em}
.notice p{text-indent:0;font-weight:bold}
@page{size:A4;margin:15mm}
@media print{body{margin:0;max-width:none;font-size:10pt}
 .notice,tr{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 #overview img{max-height:245mm;width:auto}
 tr{break-inside:avoid}h2,h3{break-after:avoid}}
"""

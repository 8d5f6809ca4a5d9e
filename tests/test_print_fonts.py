"""CJK faces cut for the print maps' PDFs: same pixels, real embedded text, re-used, SC face."""

import io
import subprocess

import numpy as np
import pytest
from matplotlib import font_manager

from ruralnet import _io as rio
from ruralnet._io import cjk_font
from ruralnet.outputs.print_fonts import figure_texts, font_settings, subset_fonts
from ruralnet.outputs.print_map import print_map, save_figure
from ruralnet.settings import settings

needs_font = pytest.mark.skipif(cjk_font() is None, reason="no CJK font installed "
                                "(apt-get install fonts-noto-cjk)")


def _pixels(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="rgba", dpi=72)
    return np.frombuffer(buf.getvalue(), dtype=np.uint8)


@needs_font
def test_the_cut_faces_draw_the_same_pixels_as_the_full_faces(tiny_plan, tiny_county):
    """Regular and bold text drawn with the cut family is pixel for pixel the full face's."""
    fig = print_map(tiny_plan, tiny_county)
    font = cjk_font()
    with font_settings(font):
        full = _pixels(fig)
        with subset_fonts(font, figure_texts(fig)):
            family = __import__("matplotlib").rcParams["font.sans-serif"][0]
            cut = _pixels(fig)
            used = {font_manager.findfont(font_manager.FontProperties(family="sans-serif",
                                                                      weight=w))
                    for w in ("normal", "bold")}
    assert family.startswith("ruralnet print ")
    assert all(str(settings.cache_dir) in p for p in used) and len(used) == 2
    assert np.array_equal(full, cut)


@needs_font
def test_pdf_embeds_the_cut_face_as_text_and_a_second_save_reuses_it(tiny_plan, tiny_county,
                                                                      tmp_path):
    """The PDF's CJK font is a small subset of the cut face; the cut is made once."""
    import pypdf

    fig = print_map(tiny_plan, tiny_county)
    save_figure(fig, tmp_path / "a.pdf")
    cut = sorted((settings.cache_dir / "print_fonts").glob("*.otf"))
    assert [p.name.rsplit("-", 1)[1] for p in cut] == ["bold.otf", "normal.otf"]
    inodes = [p.stat().st_ino for p in cut]
    save_figure(fig, tmp_path / "b.pdf")
    assert sorted((settings.cache_dir / "print_fonts").glob("*.otf")) == cut
    reader = pypdf.PdfReader(tmp_path / "a.pdf")
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names = [str(f.get_object()["/BaseFont"]) for f in fonts.values()]
    assert names and all("+" in n for n in names), names  # subset-tagged: glyphs used only
    text = reader.pages[0].extract_text()
    assert tiny_plan.county["name"] in text  # CJK still real, searchable text
    assert (tmp_path / "a.pdf").stat().st_size < 400_000
    assert inodes == [p.stat().st_ino for p in cut]  # not cut again


def test_cjk_font_picks_the_simplified_chinese_face_of_a_font_collection(monkeypatch):
    """A .ttc whose first face is Japanese (Noto) yields its SC face, not the JP one."""
    listing = subprocess.run(["fc-list", ":lang=zh", "file", "family"], capture_output=True,
                             text=True, check=False).stdout
    ttc = sorted({line.split(":")[0] for line in listing.splitlines()
                  if line.split(":")[0].endswith(".ttc") and "CJK SC" in line
                  and "Regular" in line})
    if not ttc:
        pytest.skip("no CJK font collection with an SC face installed")
    monkeypatch.setattr("subprocess.run", lambda *a, **k: type("R", (), {"stdout": ttc[0]})())
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [])
    rio.cjk_font.cache_clear()
    try:
        name = rio.cjk_font()
    finally:
        rio.cjk_font.cache_clear()
    assert name.endswith("SC") and name in rio.CJK_FONTS
    assert font_manager.FontProperties(fname=ttc[0]).get_name() != name  # first face: not SC


@needs_font
def test_a_face_that_cannot_be_cut_is_embedded_whole(tiny_plan, tiny_county, tmp_path,
                                                     monkeypatch):
    """If fontTools fails on the face, the PDF is still written, with the full face's text."""
    import pypdf

    from ruralnet.outputs import print_fonts

    def broken(*_args, **_kwargs):
        raise ValueError("unreadable font table")

    monkeypatch.setattr(print_fonts, "_cut", broken)
    save_figure(print_map(tiny_plan, tiny_county), tmp_path / "a.pdf")
    assert not list((settings.cache_dir / "print_fonts").glob("*.otf"))
    assert tiny_plan.county["name"] in pypdf.PdfReader(tmp_path / "a.pdf").pages[0].extract_text()

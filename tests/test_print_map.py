"""The print map: paper sizes, CJK glyphs actually drawn, watermark, legend, annex pages."""

import io

import pytest
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font
from tiny import tiny_plan_dict

from ruralnet._io import cjk_font
from ruralnet.exceptions import ParameterError
from ruralnet.outputs.print_map import (
    attribution_line,
    fonts_for_print,
    print_map,
    save_figure,
    township_map,
    write_print_maps,
)
from ruralnet.plan.document import Plan

needs_font = pytest.mark.skipif(cjk_font() is None, reason="no CJK font installed "
                                "(apt-get install fonts-noto-cjk)")


@pytest.fixture
def real_plan():
    """The tiny plan with every layer from the planner or OSM: nothing synthetic."""
    d = tiny_plan_dict()
    d["provenance"] = {"geography": {"source": "user", "description": "村庄坐标表"},
                       "network": {"source": "osm", "description": "OSM extract"},
                       "demand": {"source": "user", "description": "邮政统计"},
                       "synthetic_layers": []}
    return Plan(d)


def _texts(fig):
    return {t.get_gid(): t for t in fig.findobj(lambda a: hasattr(a, "get_text"))
            if t.get_gid()}


def _font_file(text):
    with fonts_for_print():
        return font_manager.findfont(text.get_fontproperties(), fallback_to_default=False)


@needs_font
def test_title_legend_and_labels_are_drawn_with_a_font_that_has_the_glyphs(tiny_plan,
                                                                          tiny_county):
    """Every Chinese character of title, legend and township label exists in the font used."""
    fig = print_map(tiny_plan, tiny_county)
    texts = _texts(fig)
    assert texts["rn-title"].get_text() == "测试县农村电商物流网络规划图"
    legend = fig.legends[0]
    labels = [t.get_text() for t in legend.get_texts()]
    assert {"县界", "乡镇辖区", "县级仓储配送中心", "乡镇中转站", "村级服务站",
            "干线（县仓—乡镇站）", "支线（乡镇站—村）", "每日配送的村"} <= set(labels)
    assert legend.get_title().get_text() == "图  例"
    towns = [t for t in fig.axes[0].texts if t.get_gid() == "rn-township-label"]
    assert [t.get_text() for t in towns] == ["一镇"]
    for text in [texts["rn-title"], legend.get_texts()[0], towns[0], texts["rn-north"]]:
        font = FT2Font(_font_file(text))
        missing = [ch for ch in text.get_text() if not ch.isspace()
                   and font.get_char_index(ord(ch)) == 0]
        assert missing == [], (text.get_text(), _font_file(text))
    tofu = FT2Font(font_manager.findfont("DejaVu Sans"))
    assert tofu.get_char_index(ord("县")) == 0  # the check above can fail


@needs_font
def test_png_is_a4_at_300_dpi_and_renders_without_missing_glyph_warnings(tiny_plan,
                                                                          tiny_county, tmp_path):
    """A4 at 300 dpi is 2480 × 3507 px (either way round); warnings are errors in this suite."""
    from PIL import Image

    path = save_figure(print_map(tiny_plan, tiny_county), tmp_path / "m.png")
    with Image.open(path) as im:
        short, long = sorted(im.size)
        assert short == 2480 and long in (3507, 3508)  # 297 mm × 300 dpi / 25.4 = 3507.9
        assert round(im.info["dpi"][0]) == 300
    assert path.stat().st_size > 50_000


@needs_font
def test_pdf_pages_are_a4_and_a3(tiny_plan, tiny_county, tmp_path):
    """map_print.pdf is A4, map_print_A3.pdf A3 (mm, rounded); the annex has one page per town."""
    import pypdf

    files = write_print_maps(tiny_plan, tiny_county, tmp_path, dpi=100)
    assert files == ["map_print.png", "map_print.pdf", "map_print_A3.pdf", "map_townships.pdf"]

    def mm(name):
        box = pypdf.PdfReader(tmp_path / name).pages[0].mediabox
        return sorted(round(float(v) / 72 * 25.4) for v in (box.width, box.height))

    assert mm("map_print.pdf") == [210, 297] and mm("map_print_A3.pdf") == [297, 420]
    assert len(pypdf.PdfReader(tmp_path / "map_townships.pdf").pages) == 1 + 1


@needs_font
def test_watermark_is_drawn_only_when_a_layer_is_synthetic(tiny_plan, real_plan, tiny_county,
                                                           tmp_path):
    """The synthetic plan carries the diagonal watermark (also in the SVG); the real one not."""
    fake = _texts(print_map(tiny_plan, tiny_county))
    assert "SYNTHETIC DATA" in fake["rn-watermark"].get_text()
    assert fake["rn-watermark"].get_rotation() == 30
    assert "合成数据" in fake["rn-synthetic-note"].get_text()
    real = _texts(print_map(real_plan, tiny_county))
    assert "rn-watermark" not in real and "rn-synthetic-note" not in real
    svg = save_figure(print_map(tiny_plan, tiny_county), tmp_path / "m.svg").read_text()
    assert "SYNTHETIC DATA" in svg and "测试县农村电商物流网络规划图" in svg


@needs_font
def test_scale_bar_and_north_arrow_are_on_the_map(tiny_plan, tiny_county):
    """A matplotlib-scalebar ScaleBar in metres and the 北 N arrow are drawn on the axes."""
    from matplotlib_scalebar.scalebar import ScaleBar

    ax = print_map(tiny_plan, tiny_county).axes[0]
    bars = [a for a in ax.artists if isinstance(a, ScaleBar)]
    assert len(bars) == 1 and bars[0].units == "m"
    assert any(t.get_text() == "北\nN" for t in ax.texts)


@needs_font
def test_routes_follow_the_plan_road_paths(tiny_plan, tiny_county):
    """A route with a path is drawn through its path points, not straight between stops."""
    d = tiny_plan_dict()
    bend = [118.1, 25.04]  # a road bend north of the feeder's stops
    d["routes"][1]["path"] = [[118.1, 25.0], [118.12, 25.0], bend, [118.12, 25.02],
                              [118.1, 25.0]]
    d["routes"][0]["path"] = [[118.0, 25.0], [118.1, 25.0], [118.0, 25.0]]
    fig = print_map(Plan(d), tiny_county)
    from matplotlib.collections import LineCollection

    ys = [y for c in fig.axes[0].collections if isinstance(c, LineCollection)
          for seg in c.get_segments() for _, y in seg]
    import geopandas as gpd
    from shapely.geometry import Point

    utm = tiny_county.boundary.estimate_utm_crs()
    y_bend = gpd.GeoSeries([Point(*bend)], crs=4326).to_crs(utm).iloc[0].y
    assert any(abs(y - y_bend) < 1 for y in ys)
    assert "线路沿规划路网绘制" in _texts(fig)["rn-attribution"].get_text()


@needs_font
def test_township_map_names_its_villages_and_refuses_an_unknown_township(tiny_plan,
                                                                         tiny_county):
    """The 乡镇配送图 titles the township and labels each of its villages."""
    fig = township_map(tiny_plan, tiny_county, "T1")
    assert _texts(fig)["rn-title"].get_text() == "测试县一镇乡镇配送图"
    names = {t.get_text() for t in fig.axes[0].texts}
    assert {"甲村委会", "乙村委会", "丙社区居委会"} <= names
    with pytest.raises(ParameterError, match="has no township T9"):
        township_map(tiny_plan, tiny_county, "T9")


def test_attribution_credits_geonames_and_osm_when_used():
    """Layers from GeoNames and OSM are credited; synthetic layers are said to be synthetic."""
    line = attribution_line({"admin": {"source": "geonames", "description": "GeoNames dump"},
                             "network": {"source": "osm", "description": "extract"},
                             "geography": {"source": "synthetic"}})
    assert line.startswith("数据来源：")
    assert "GeoNames（CC BY 4.0）" in line and "© OpenStreetMap 贡献者（ODbL）" in line
    assert line.endswith("村庄位置 合成（非真实）")


def test_unknown_paper_and_format_are_refused(tiny_plan, tmp_path):
    """A5 paper and a .jpg file are refused with a bilingual message."""
    with pytest.raises(ParameterError, match="paper 'A5' is not supported"):
        print_map(tiny_plan, paper="A5")
    fig = io.BytesIO()  # never reached: the suffix is checked first
    with pytest.raises(ParameterError, match=r"format \.jpg is not supported"):
        save_figure(fig, tmp_path / "m.jpg")


@needs_font
def test_crowded_village_names_are_left_out_and_the_footer_says_how_many(tiny_county):
    """Two villages on the same spot: the village keeps its name, the community's is counted."""
    d = tiny_plan_dict()
    d["villages"][2].update(lon=d["villages"][0]["lon"], lat=d["villages"][0]["lat"])
    fig = township_map(Plan(d), tiny_county, "T1")
    names = [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "rn-village-label"]
    assert sorted(names) == ["乙村委会", "甲村委会"]
    foot = _texts(fig)["rn-attribution"].get_text()
    assert foot.startswith("另有1个村（社区）因位置密集未标注名称")


@needs_font
@pytest.mark.slow
def test_township_page_leaves_out_only_what_lies_outside_its_view(anxi_plan, anxi, monkeypatch):
    """A 安溪 township page draws fewer township labels than exist, with the same pixels."""
    import numpy as np
    from shapely.geometry import box

    from ruralnet.outputs import print_map as pm

    tid = str(anxi.townships["township_id"].iloc[0])

    def page():
        fig = township_map(anxi_plan, anxi, tid)
        buf = io.BytesIO()
        with fonts_for_print():
            fig.savefig(buf, format="rgba", dpi=40)
        labels = [t for t in fig.findobj(lambda a: hasattr(a, "get_gid"))
                  if t.get_gid() == "rn-township-label"]
        return np.frombuffer(buf.getvalue(), dtype=np.uint8), len(labels)

    culled, n_culled = page()
    monkeypatch.setattr(pm, "_view_box", lambda ax, margin=0.15: box(-1e12, -1e12, 1e12, 1e12))
    full, n_full = page()
    assert n_full == len(anxi.townships) > n_culled >= 1
    assert np.array_equal(culled, full)


def test_attribution_with_the_county_keeps_its_mixed_positions_layer_per_feature():
    """安溪: the county's ``positions`` layer (seats GeoNames, villages synthetic) joins the
    plan's layers with its per-feature counts, so the villages are never credited to GeoNames
    (the description naming GeoNames once made the whole layer read "村庄位置 GeoNames")."""
    from ruralnet.geo.county import load_county

    county = load_county("安溪")
    plan_layers = {"demand": {"source": "synthetic"}, "network": {"source": "synthetic"}}
    line = attribution_line(plan_layers, county)
    geonames = line.split("；")[0]
    assert "GeoNames" in geonames and "乡镇驻地" in geonames and "村庄位置" not in geonames
    assert "村庄位置" in line.split("；")[-1] and line.endswith("合成（非真实）")

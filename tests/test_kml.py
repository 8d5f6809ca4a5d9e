"""KML/KMZ export for 奥维互动地图 and Google Earth: parsed back, counted, escaped, GCJ-02."""

import zipfile

import pytest
from lxml import etree
from tiny import HOSTILE, tiny_plan_dict

from ruralnet.exceptions import ParameterError
from ruralnet.geo.coords import wgs84_to_gcj02
from ruralnet.outputs.kml import plan_kml, write_kml
from ruralnet.plan.document import Plan

NS = {"k": "http://www.opengis.net/kml/2.2"}


def _parse(text):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    return etree.fromstring(text.encode("utf-8"), parser)


def _folder(root, name):
    for f in root.iterfind(".//k:Folder", NS):
        if f.findtext("k:name", namespaces=NS).startswith(name):
            return f
    raise AssertionError(f"no folder {name}")


def _marks(el):
    return el.findall(".//k:Placemark", NS)


def test_kml_has_every_site_village_route_and_area(tiny_plan, tiny_county):
    """3 sites, 3 villages (2 daily, 1 not), 2 routes, county boundary and 1 township."""
    root = _parse(plan_kml(tiny_plan, tiny_county))
    assert len(_marks(_folder(root, "站点"))) == 3
    assert len(_marks(_folder(root, "每日配送"))) == 2
    assert len(_marks(_folder(root, "未每日配送"))) == 1
    assert len(_marks(_folder(root, "线路"))) == 2
    assert len(_marks(_folder(root, "县界"))) == 1 and len(_marks(_folder(root, "乡镇辖区"))) == 1
    assert len(_marks(root)) == 3 + 3 + 2 + 1 + 1
    names = {m.findtext("k:name", namespaces=NS) for m in _marks(root)}
    assert {"县仓", "一镇站", "甲村站", "甲村委会", "丙社区居委会", "trunk-1 干线"} <= names


def test_routes_and_sites_have_a_style_per_tier_and_kind(tiny_plan):
    """Each route points at its tier's line style; styles differ in colour and width."""
    root = _parse(plan_kml(tiny_plan))
    styles = {s.get("id"): s for s in root.iterfind(".//k:Style", NS)}
    for m in _marks(_folder(root, "线路")):
        tier = m.findtext("k:name", namespaces=NS).split()[0].split("-")[0]
        assert m.findtext("k:styleUrl", namespaces=NS) == f"#route_{tier}"
    widths = {t: styles[f"route_{t}"].findtext(".//k:width", namespaces=NS)
              for t in ("trunk", "feeder", "direct")}
    assert widths["trunk"] != widths["feeder"]
    site = {m.findtext("k:name", namespaces=NS): m.findtext("k:styleUrl", namespaces=NS)
            for m in _marks(_folder(root, "站点"))}
    assert site == {"县仓": "#county_warehouse", "一镇站": "#township_station",
                    "甲村站": "#village_station"}


def test_routes_follow_their_road_paths(tiny_plan):
    """A route with a path is written through its path points."""
    d = tiny_plan_dict()
    d["routes"][1]["path"] = [[118.1, 25.0], [118.12, 25.0], [118.1, 25.04], [118.1, 25.0]]
    root = _parse(plan_kml(Plan(d)))
    coords = [m.findtext(".//k:coordinates", namespaces=NS) for m in _marks(_folder(root, "线路"))]
    assert "118.1000000,25.0400000,0" in coords[1]


def test_names_are_escaped_and_control_characters_dropped(tiny_plan):
    """A <script> name stays text; control characters that break XML are removed."""
    d = tiny_plan_dict()
    d["villages"][0]["name"] = HOSTILE + "\x00\x1b"
    d["sites"][0]["name"] = "县仓\x0b<b>"
    text = plan_kml(Plan(d))
    assert "<script>" not in text and "\x00" not in text and "\x0b" not in text
    root = _parse(text)  # well-formed
    names = [m.findtext("k:name", namespaces=NS) for m in _marks(root)]
    assert HOSTILE in names and "县仓<b>" in names
    desc = next(m.findtext("k:description", namespaces=NS) for m in _marks(root)
                if m.findtext("k:name", namespaces=NS) == HOSTILE)
    assert "<script>" not in desc  # Google Earth renders descriptions as HTML


def test_gcj02_variant_shifts_every_coordinate_and_says_so(tiny_plan):
    """The GCJ-02 file's warehouse point is wgs84_to_gcj02 of the WGS-84 one; the name says it."""
    wgs, gcj = _parse(plan_kml(tiny_plan)), _parse(plan_kml(tiny_plan, gcj02=True))

    def warehouse(root):
        m = next(m for m in _marks(root) if m.findtext("k:name", namespaces=NS) == "县仓")
        return m.findtext(".//k:coordinates", namespaces=NS)

    glon, glat = wgs84_to_gcj02(118.0, 25.0)
    assert warehouse(wgs) == "118.0000000,25.0000000,0"
    assert warehouse(gcj) == f"{float(glon):.7f},{float(glat):.7f},0"
    assert "GCJ-02" in gcj.findtext("k:Document/k:name", namespaces=NS)
    assert "WGS-84" in wgs.findtext("k:Document/k:name", namespaces=NS)


def test_kmz_is_a_zip_with_doc_kml_and_kml_is_plain(tiny_plan, tiny_county, tmp_path):
    """.kmz holds doc.kml; .kml is the same UTF-8 text; any other suffix is refused."""
    kmz = write_kml(tiny_plan, tmp_path / "plan.kmz", tiny_county)
    with zipfile.ZipFile(kmz) as z:
        assert z.namelist() == ["doc.kml"]
        inner = z.read("doc.kml").decode("utf-8")
    plain = write_kml(tiny_plan, tmp_path / "plan.kml", tiny_county).read_text(encoding="utf-8")
    assert inner == plain and len(_marks(_parse(plain))) == 10
    with pytest.raises(ParameterError, match="must end in .kml or .kmz"):
        write_kml(tiny_plan, tmp_path / "plan.kmx")

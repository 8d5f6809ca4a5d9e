r"""KML / KMZ export of the plan for 奥维互动地图 (Ovi) and Google Earth.

:func:`plan_kml` builds one KML document with folders 县界, 乡镇, 站点 (one
sub-folder per site kind), 村庄 (每日配送 / 未每日配送) and 线路 (one
sub-folder per tier, routes along the plan's road paths), Chinese names and
one style per site kind, village status and route tier. :func:`write_kml`
writes ``.kml`` or ``.kmz`` (zip holding ``doc.kml``) by the suffix.

Coordinates are WGS-84 (what Google Earth and 奥维's satellite layers use).
With ``gcj02=True`` every coordinate is converted with
:func:`ruralnet.geo.coords.wgs84_to_gcj02` for 高德 / 腾讯 base maps, and the
document's name says so; write it to a file named ``…_gcj02.kmz``.

Names come from untrusted files: XML control characters are removed, the
XML writer escapes markup, and descriptions (which Google Earth renders as
HTML) are HTML-escaped once more, so ``<script>`` is shown as text.

Examples
--------
>>> kml_colour("#1d4ed8")
'ffd84e1d'
>>> clean_text("甲村\x00\x1b<b>")
'甲村<b>'
"""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree as ET

from ruralnet._io import atomic_path
from ruralnet.exceptions import ParameterError
from ruralnet.geo.coords import wgs84_to_gcj02
from ruralnet.outputs.exports import (
    SITE_KIND_ZH,
    TIER_ZH,
    check_county_matches,
    daily_villages,
    minutes_to_hhmm,
)
from ruralnet.plan.document import SYNTHETIC_NOTICE_ZH, Plan

if TYPE_CHECKING:
    from ruralnet.geo.county import County

KML_NS = "http://www.opengis.net/kml/2.2"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: style id → (icon href, colour, scale) for points; Google's standard icon shapes
POINT_STYLES = {
    "county_service_centre": ("http://maps.google.com/mapfiles/kml/shapes/star.png",
                              "#6d28d9", 1.4),
    "county_warehouse": ("http://maps.google.com/mapfiles/kml/shapes/square.png",
                         "#b91c1c", 1.4),
    "township_station": ("http://maps.google.com/mapfiles/kml/shapes/triangle.png",
                         "#1d4ed8", 1.1),
    "village_station": ("http://maps.google.com/mapfiles/kml/shapes/open-diamond.png",
                        "#0f766e", 0.8),
    "village_daily": ("http://maps.google.com/mapfiles/kml/shapes/placemark_circle.png",
                      "#15803d", 0.7),
    "village_not_daily": ("http://maps.google.com/mapfiles/kml/shapes/placemark_circle.png",
                          "#ea580c", 0.7),
}
LINE_STYLES = {"trunk": ("#7f1d1d", 5.0), "feeder": ("#1d4ed8", 3.0), "direct": ("#0f766e", 3.0)}


def kml_colour(hex_rgb: str, alpha: int = 255) -> str:
    """Return KML's ``aabbggrr`` colour for a ``#rrggbb`` colour."""
    h = hex_rgb.lstrip("#")
    return f"{alpha:02x}{h[4:6]}{h[2:4]}{h[0:2]}"


def clean_text(value: Any) -> str:
    """Return ``value`` as text without the control characters XML 1.0 forbids."""
    return _CONTROL.sub("", "" if value is None else str(value))


def _sub(parent: ET.Element, tag: str, text: Any = None) -> ET.Element:
    el = ET.SubElement(parent, tag)
    if text is not None:
        el.text = clean_text(text)
    return el


class _Coords:
    def __init__(self, gcj02: bool) -> None:
        self.gcj02 = gcj02

    def text(self, xy: list[tuple[float, float]]) -> str:
        import numpy as np

        arr = np.asarray(xy, dtype=float).reshape(-1, 2)
        lon, lat = (wgs84_to_gcj02(arr[:, 0], arr[:, 1]) if self.gcj02
                    else (arr[:, 0], arr[:, 1]))
        return " ".join(f"{float(x):.7f},{float(y):.7f},0" for x, y in zip(lon, lat,
                                                                            strict=True))


def _styles(doc: ET.Element) -> None:
    for sid, (href, colour, scale) in POINT_STYLES.items():
        st = _sub(doc, "Style")
        st.set("id", sid)
        icon = _sub(st, "IconStyle")
        _sub(icon, "color", kml_colour(colour))
        _sub(icon, "scale", scale)
        _sub(_sub(icon, "Icon"), "href", href)
        _sub(_sub(st, "LabelStyle"), "scale", 0.9 if not sid.startswith("village_") or
             sid == "village_station" else 0.7)
    for tier, (colour, width) in LINE_STYLES.items():
        st = _sub(doc, "Style")
        st.set("id", f"route_{tier}")
        line = _sub(st, "LineStyle")
        _sub(line, "color", kml_colour(colour))
        _sub(line, "width", width)
    for sid, colour, width, fill in (("county_boundary", "#000000", 3.0, 0),
                                     ("township", "#6b7280", 1.2, 0)):
        st = _sub(doc, "Style")
        st.set("id", sid)
        line = _sub(st, "LineStyle")
        _sub(line, "color", kml_colour(colour))
        _sub(line, "width", width)
        _sub(_sub(st, "PolyStyle"), "fill", fill)


def _placemark(folder: ET.Element, name: str, style: str, description: str) -> ET.Element:
    pm = _sub(folder, "Placemark")
    _sub(pm, "name", name)
    _sub(pm, "styleUrl", f"#{style}")
    _sub(pm, "description", html.escape(clean_text(description)).replace("\n", "<br>"))
    return pm


def _point(pm: ET.Element, coords: _Coords, lon: float, lat: float) -> None:
    _sub(_sub(pm, "Point"), "coordinates", coords.text([(lon, lat)]))


def _polygons(pm: ET.Element, coords: _Coords, geom: Any) -> None:
    multi = _sub(pm, "MultiGeometry")
    for poly in getattr(geom, "geoms", [geom]):
        p = _sub(multi, "Polygon")
        ring = _sub(_sub(p, "outerBoundaryIs"), "LinearRing")
        _sub(ring, "coordinates", coords.text(list(poly.exterior.coords)))


def plan_kml(plan: Plan, county: County | None = None, *, gcj02: bool = False) -> str:
    """Return the plan as a KML 2.2 document (UTF-8 text).

    Parameters
    ----------
    plan
        The plan.
    county
        The plan's county: adds the boundary and township territories.
    gcj02
        Convert every coordinate to GCJ-02 (for 高德 / 腾讯 base maps).
    """
    check_county_matches(plan, county)
    coords = _Coords(gcj02)
    d = plan.data
    ET.register_namespace("", KML_NS)
    root = ET.Element(f"{{{KML_NS}}}kml")
    doc = _sub(root, "Document")
    datum = "GCJ-02 坐标，供高德/腾讯底图" if gcj02 else "WGS-84 坐标，供 Google 地球/奥维卫星图"
    _sub(doc, "name", f"{d['county']['name']}农村电商物流网络规划 · {datum}")
    notice = f"【合成数据】{SYNTHETIC_NOTICE_ZH}" if plan.synthetic else ""
    _sub(doc, "description", html.escape(clean_text(f"{datum}。{notice}")))
    _styles(doc)
    town = {t["id"]: t["name"] for t in d["townships"]}
    if county is not None:
        f = _sub(doc, "Folder")
        _sub(f, "name", "县界")
        for geom in county.boundary.geometry:
            _polygons(_placemark(f, county.name, "county_boundary", county.name), coords, geom)
        f = _sub(doc, "Folder")
        _sub(f, "name", "乡镇辖区")
        for row in county.townships.itertuples():
            if row.geometry is not None and not row.geometry.is_empty:
                _polygons(_placemark(f, str(row.name), "township", str(row.name)), coords,
                          row.geometry)
    sites = _sub(doc, "Folder")
    _sub(sites, "name", "站点")
    for kind, label in SITE_KIND_ZH.items():
        group = [s for s in d["sites"] if s["kind"] == kind]
        if not group:
            continue
        f = _sub(sites, "Folder")
        _sub(f, "name", f"{label.split()[0]}（{len(group)}）")
        for s in group:
            desc = f"{label.split()[0]}\n乡镇：{town.get(s.get('township_id') or '', '—')}\n" \
                   f"编号：{s['id']}"
            _point(_placemark(f, s["name"], kind, desc), coords, s["lon"], s["lat"])
    daily = daily_villages(plan)
    vill = _sub(doc, "Folder")
    _sub(vill, "name", "村庄")
    kinds = {"village": "行政村", "community": "社区", "other": "其他"}
    geo_src = d["provenance"].get("geography", {}).get("source", "")
    for served, label, style in ((True, "每日配送", "village_daily"),
                                 (False, "未每日配送", "village_not_daily")):
        group = [v for v in d["villages"] if (v["id"] in daily) == served]
        f = _sub(vill, "Folder")
        _sub(f, "name", f"{label}（{len(group)}）")
        for v in group:
            desc = (f"{kinds.get(v['kind'], v['kind'])}，{town.get(v['township_id'], '')}\n"
                    f"每日配送：{'是（' + daily[v['id']] + '）' if served else '否'}\n"
                    f"位置来源：{v.get('position_source') or geo_src}")
            _point(_placemark(f, v["name"], style, desc), coords, v["lon"], v["lat"])
    _routes(doc, plan, coords)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def _routes(doc: ET.Element, plan: Plan, coords: _Coords) -> None:
    d = plan.data
    pos = {v["id"]: (v["lon"], v["lat"]) for v in d["villages"]}
    pos.update({s["id"]: (s["lon"], s["lat"]) for s in d["sites"]})
    names = {v["id"]: v["name"] for v in d["villages"]}
    names.update({s["id"]: s["name"] for s in d["sites"]})
    top = _sub(doc, "Folder")
    _sub(top, "name", "线路")
    for tier in TIER_ZH:
        routes = plan.routes(tier)
        if not routes:
            continue
        f = _sub(top, "Folder")
        _sub(f, "name", f"{TIER_ZH[tier].split()[0]}（{len(routes)}）")
        for r in routes:
            refs = [s.get("site_id") or s.get("village_id") for s in r["stops"]]
            xy = r.get("path") or [pos[x] for x in refs if x in pos]
            if len(xy) < 2:
                continue
            stops = " → ".join(names.get(x or "", x or "") for x in refs)
            desc = (f"{TIER_ZH[tier].split()[0]}，车型 {r['vehicle_type']}，核载 "
                    f"{r['capacity_kg']:g} kg\n出车 {minutes_to_hhmm(r['depart_min'])}，回场 "
                    f"{minutes_to_hhmm(r['return_min'])}，{r['distance_km']:.1f} km\n{stops}")
            pm = _placemark(f, f"{r['id']} {TIER_ZH[tier].split()[0]}", f"route_{tier}", desc)
            line = _sub(pm, "LineString")
            _sub(line, "tessellate", 1)
            _sub(line, "coordinates", coords.text(xy))


def write_kml(plan: Plan, path: str | Path, county: County | None = None, *,
              gcj02: bool = False) -> Path:
    """Write :func:`plan_kml` as ``.kml`` or ``.kmz`` (by suffix), atomically.

    Raises
    ------
    ParameterError
        For a suffix other than ``.kml`` or ``.kmz``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".kml", ".kmz"):
        raise ParameterError(f"文件 {path.name} 应以 .kml 或 .kmz 结尾。",
                             f"file {path.name} must end in .kml or .kmz.", path=str(path))
    text = plan_kml(plan, county, gcj02=gcj02)
    with atomic_path(path) as tmp:
        if suffix == ".kml":
            tmp.write_text(text, encoding="utf-8")
        else:
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
                z.writestr("doc.kml", text.encode("utf-8"))
    return path

"""The plan on a map: one self-contained folium HTML file for county officials.

:func:`plan_map` draws the county boundary and township territories (when a
:class:`~ruralnet.geo.county.County` is given), the three tiers of sites with
distinct inline-SVG icons, villages styled by status, and every daily route
coloured per vehicle and tier, with a Chinese legend, a layer switcher and —
whenever any layer of the plan is synthetic — a banner that cannot be missed.

The file works offline apart from the base tiles: Leaflet's script and style
sheet are inlined from ``ruralnet/_static/leaflet`` (Leaflet 1.9.4, BSD-2),
folium's CDN links (jQuery, Bootstrap, Font Awesome) are dropped, and no icon
font is used. Popups and tooltips are bound by a small template that passes
HTML-escaped text through JSON, so a village named ``<script>…</script>`` is
shown as text and never runs.

Base tiles: ``"OpenStreetMap"`` (default), ``"CartoDB positron"`` (both
WGS-84), ``"amap"`` (高德, GCJ-02: every coordinate drawn is converted with
:func:`ruralnet.geo.coords.wgs84_to_gcj02`), ``"tianditu"`` (天地图, the
official basemap; CGCS2000 ≈ WGS-84; needs the user's own key, argument
``tianditu_key`` or environment variable ``TIANDITU_KEY``) or ``None``. The
CLI names them :data:`BASEMAPS` (``osm``, ``amap``, ``tianditu``, ``none``).

Offline the page does not look broken: the county is filled as light land on a
pale background, townships in soft alternating fills with their names as
permanent labels (hidden when zoomed out beyond the county view), and the view
opens fitted to the county.

Examples
--------
>>> sorted(TILES)
['CartoDB positron', 'OpenStreetMap', 'amap', 'tianditu']
>>> sorted(BASEMAPS)
['amap', 'none', 'osm', 'tianditu']
>>> _Projector(gcj=True).latlon(121.5272106, 31.1774276)
[31.175304, 121.5315419]
"""

from __future__ import annotations

import html
import logging
import os
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ruralnet._io import atomic_path
from ruralnet.exceptions import DataError, ParameterError, RuralnetError
from ruralnet.geo.coords import wgs84_to_gcj02
from ruralnet.outputs.exports import (
    SITE_KIND_ZH,
    TIER_ZH,
    check_county_matches,
    minutes_to_hhmm,
    place_names,
)
from ruralnet.outputs.map_villages import (
    PLAIN_EDGE,
    POOR_EDGE,
    STATUS_FILL,
    add_villages,
    not_daily_legend,
)
from ruralnet.outputs.served import figures_of
from ruralnet.plan.document import SYNTHETIC_NOTICE_EN, SYNTHETIC_NOTICE_ZH, Plan

if TYPE_CHECKING:
    import folium

    from ruralnet.geo.county import County

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent.parent / "_static" / "leaflet"
#: name → (URL template, attribution, subdomains, coordinates are GCJ-02)
TILES: dict[str, tuple[str, str, str, bool]] = {
    "OpenStreetMap": ("https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                      "&copy; OpenStreetMap contributors", "abc", False),
    "CartoDB positron": ("https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
                         "&copy; OpenStreetMap contributors &copy; CARTO", "abcd", False),
    "amap": ("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1"
             "&style=8&x={x}&y={y}&z={z}", "&copy; 高德地图 AutoNavi (GCJ-02)", "1234", True),
    "tianditu": ("https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
                 "&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
                 "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={tk}",
                 "&copy; 天地图 Tianditu (CGCS2000)", "01234567", False),
}
#: CLI name → TILES key (None: no base tiles)
BASEMAPS: dict[str, str | None] = {"osm": "OpenStreetMap", "amap": "amap",
                                   "tianditu": "tianditu", "none": None}
TIANDITU_LABELS = ("https://t{s}.tianditu.gov.cn/cva_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
                   "&VERSION=1.0.0&LAYER=cva&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
                   "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={tk}")
TOWN_FILLS = ("#fef9c3", "#dcfce7", "#e0f2fe", "#fce7f3", "#ede9fe", "#ffedd5")
TIER_STYLE = {  # weight, dash pattern, palette (one colour per vehicle, cycling)
    "trunk": (6, None, ["#7f1d1d", "#1e3a8a", "#14532d", "#581c87", "#78350f", "#134e4a"]),
    "feeder": (3.5, None, ["#2563eb", "#16a34a", "#db2777", "#ea580c", "#0891b2", "#9333ea",
                           "#ca8a04", "#4f46e5", "#65a30d", "#e11d48"]),
    "direct": (3.5, "8 6", ["#0d9488", "#c026d3", "#d97706", "#0284c7", "#dc2626", "#4d7c0f"]),
}
SITE_SVG = {  # inline SVG, no icon font; size in px
    "county_service_centre": (24, '<circle cx="12" cy="12" r="10" fill="#7c3aed" stroke="#fff" '
                                  'stroke-width="2"/><path d="M12 5l2 5h5l-4 3 2 5-5-3-5 3 '
                                  '2-5-4-3h5z" fill="#fff"/>'),
    "county_warehouse": (26, '<rect x="2" y="2" width="22" height="22" rx="3" fill="#b91c1c" '
                             'stroke="#fff" stroke-width="2"/><path d="M7 13l6-5 6 5v6H7z" '
                             'fill="#fff"/>'),
    "township_station": (22, '<path d="M11 1 L21 20 L1 20 Z" fill="#1d4ed8" stroke="#fff" '
                             'stroke-width="2"/>'),
    "village_station": (16, '<path d="M8 1 L15 8 L8 15 L1 8 Z" fill="#0f766e" stroke="#fff" '
                            'stroke-width="1.5"/>'),
}
SITE_LAYER = {"county_service_centre": "县级公共服务中心", "county_warehouse": "县级仓储中心",
              "township_station": "乡镇中转站", "village_station": "村级服务站"}


def import_folium() -> Any:
    """Return the folium module, or raise a bilingual error naming the install command."""
    try:
        import folium
    except ImportError:  # pragma: no cover - folium is a dependency, but may be stripped
        raise RuralnetError("绘制地图需要 folium：pip install folium",
                            "maps need folium: pip install folium") from None
    return folium


def escape_html(value: Any) -> str:
    """Return ``value`` as HTML-escaped text (quotes too)."""
    return html.escape(str(value), quote=True)


def _time_span(start_min: float, end_min: float) -> str:
    return f"{minutes_to_hhmm(start_min)}–{minutes_to_hhmm(end_min)}"


@cache
def _leaflet_assets() -> tuple[str, str]:
    """Return Leaflet's script and style sheet, read once from the package."""
    try:
        js = (STATIC_DIR / "leaflet.js").read_text(encoding="utf-8")
        css = (STATIC_DIR / "leaflet.css").read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise DataError(f"缺少内置的 Leaflet 文件 {exc.filename}；请重新安装 ruralnet。",
                        f"the bundled Leaflet file {exc.filename} is missing; reinstall "
                        "ruralnet.", path=exc.filename) from None
    return js, css


def binder_class() -> type:
    """Return a folium element class that binds an escaped popup and tooltip to its parent layer."""
    from branca.element import Element, MacroElement
    from folium.template import Template

    class _Text(Element):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

        def render(self, **kwargs: Any) -> str:  # noqa: ARG002 - branca passes kwargs
            return self.text

    class _Bind(MacroElement):
        _template = Template("""
            {% macro script(this, kwargs) %}
            {% if this.popup %}{{ this._parent.get_name() }}.bindPopup(
                {{ this.popup|tojson }}, {"maxWidth": 460});{% endif %}
            {% if this.tooltip %}{{ this._parent.get_name() }}.bindTooltip(
                {{ this.tooltip|tojson }}, {"sticky": true});{% endif %}
            {% endmacro %}""")

        def __init__(self, popup: str | None, tooltip: str | None) -> None:
            super().__init__()
            self._name = "Bind"
            self.popup, self.tooltip = popup, tooltip

        def render(self, **kwargs: Any) -> None:  # as text: branca compiles it as Jinja again
            script = self._template.module.__dict__["script"](self, kwargs)
            self.get_root().script.add_child(_Text(script), name=self.get_name())

    return _Bind


class _Projector:
    """WGS-84 to the datum of the base tiles (identity, or GCJ-02 for Amap)."""

    def __init__(self, gcj: bool) -> None:
        self.gcj = gcj

    def latlon(self, lon: float, lat: float) -> list[float]:
        """Return folium's ``[lat, lon]`` for one WGS-84 point."""
        if self.gcj:
            glon, glat = wgs84_to_gcj02(lon, lat)
            return [round(float(glat), 7), round(float(glon), 7)]
        return [round(float(lat), 7), round(float(lon), 7)]

    def geometry(self, geom: Any) -> Any:
        """Return a shapely geometry in the tile datum."""
        if not self.gcj:
            return geom
        import shapely

        def conv(xy: np.ndarray) -> np.ndarray:
            lon, lat = wgs84_to_gcj02(xy[:, 0], xy[:, 1])
            return np.column_stack([lon, lat])

        return shapely.transform(geom, conv)


def resolve_basemap(basemap: str | None, tiles: str | None) -> str | None:
    """Return the TILES key for a CLI basemap name (``osm``…), else ``tiles`` unchanged.

    Raises
    ------
    ParameterError
        For an unknown basemap name.
    """
    if basemap is None:
        return tiles
    if basemap not in BASEMAPS:
        raise ParameterError(f"未知底图 --basemap {basemap!r}；可选 {sorted(BASEMAPS)}。",
                             f"unknown basemap {basemap!r}; choose one of {sorted(BASEMAPS)}.",
                             basemap=basemap)
    return BASEMAPS[basemap]


def _tianditu_key(key: str | None) -> str:
    key = key or os.environ.get("TIANDITU_KEY", "")
    if not key:
        raise ParameterError("天地图底图需要您自己的密钥：请设置环境变量 TIANDITU_KEY"
                             "（在 console.tianditu.gov.cn 免费申请）。",
                             "the Tianditu basemap needs your own key: set the environment "
                             "variable TIANDITU_KEY (free at console.tianditu.gov.cn).")
    if not re.fullmatch(r"[0-9A-Za-z]{8,64}", key):
        raise ParameterError("天地图密钥格式不对（应为字母和数字）。",
                             "the Tianditu key should be letters and digits only.")
    return key


def _add_tiles(m: Any, folium: Any, tiles: str, tianditu_key: str | None) -> None:
    url, attr, subs, _ = TILES[tiles]
    if tiles == "tianditu":
        key = _tianditu_key(tianditu_key)
        folium.TileLayer(url.replace("{tk}", key), attr=attr, name="底图 天地图",
                         subdomains=subs, max_zoom=18).add_to(m)
        folium.TileLayer(TIANDITU_LABELS.replace("{tk}", key), attr=attr,
                         name="天地图注记 labels", subdomains=subs, max_zoom=18,
                         overlay=True).add_to(m)
        return
    folium.TileLayer(url, attr=attr, name=escape_html(f"底图 {tiles}"), subdomains=subs,
                     max_zoom=18).add_to(m)


def plan_map(plan: Plan, county: County | None = None, *,
             tiles: str | None = "OpenStreetMap", basemap: str | None = None,
             tianditu_key: str | None = None) -> folium.Map:
    """Draw a plan as an interactive folium map.

    Parameters
    ----------
    plan
        The plan to draw.
    county
        The plan's county; adds the county boundary and township territories.
    tiles
        Base map: ``"OpenStreetMap"``, ``"CartoDB positron"``, ``"amap"``
        (高德; all coordinates converted to GCJ-02), ``"tianditu"`` or
        ``None`` for none.
    basemap
        The CLI's name of the base map (``osm``, ``amap``, ``tianditu``,
        ``none``); overrides ``tiles`` when given.
    tianditu_key
        Your 天地图 key (default: environment variable ``TIANDITU_KEY``).

    Returns
    -------
    folium.Map
        Save it with :func:`save_map`.

    Raises
    ------
    RuralnetError
        When ``tiles`` is unknown or ``county`` is not the plan's county.
    """
    folium = import_folium()
    tiles = resolve_basemap(basemap, tiles)
    if tiles is not None and tiles not in TILES:
        raise RuralnetError(f"未知底图 tiles={tiles!r}；可选 {sorted(TILES)} 或 None。",
                            f"unknown base tiles {tiles!r}; choose one of {sorted(TILES)} "
                            "or None.", tiles=tiles)
    check_county_matches(plan, county)
    proj = _Projector(bool(tiles and TILES[tiles][3]))
    m = folium.Map(tiles=None, control_scale=True, zoom_start=10,
                   location=_centre(plan, proj), zoom_snap=0.1, zoom_delta=0.5)
    m.get_root().title = escape_html(f"{plan.county['name']} 农村物流规划")
    use_inline_leaflet(m, folium)
    if tiles is not None:
        _add_tiles(m, folium, tiles, tianditu_key)
    bind = binder_class()
    if county is not None:
        _add_county(m, county, proj, folium, bind, tiles is None)
    _add_routes(m, plan, proj, folium, bind)
    add_villages(m, plan, proj, folium, bind)
    _add_sites(m, plan, proj, folium, bind)
    _add_seats(m, plan, proj, folium)
    if county is not None:
        add_labels(m, folium, [(str(r.name), *proj.latlon(p.x, p.y))
                               for r in county.townships.itertuples()
                               if r.geometry is not None and not r.geometry.is_empty
                               for p in [r.geometry.representative_point()]])
    folium.LayerControl(collapsed=False).add_to(m)
    root = m.get_root()
    root.html.add_child(folium.Element(_legend_html(plan)), name="rn_legend")
    if plan.synthetic:
        root.html.add_child(folium.Element(_banner_html(plan)), name="rn_banner")
    m.fit_bounds(_bounds(plan, county, proj), padding=(12, 12))
    logger.info("map of %s: %d villages, %d sites, %d routes", plan.county["name"],
                len(plan.data["villages"]), len(plan.data["sites"]), len(plan.data["routes"]))
    return m


def save_map(m: folium.Map, path: str | Path) -> Path:
    """Render the map to one HTML file, written atomically; return its path."""
    text = m.get_root().render()
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def use_inline_leaflet(m: Any, folium: Any) -> None:
    """Drop folium's CDN links and inline Leaflet itself, so the page works offline."""
    m.default_js, m.default_css = [], []
    js, css = _leaflet_assets()
    header = m.get_root().header
    header.add_child(folium.Element(f"<style>{css}</style>"), name="leaflet_css")
    header.add_child(folium.Element(f"<script>{js}</script>"), name="leaflet_js")
    header.add_child(folium.Element(f"<style>{_PAGE_CSS}</style>"), name="rn_css")


def _all_points(plan: Plan) -> np.ndarray:
    pts = [(v["lon"], v["lat"]) for v in plan.data["villages"]]
    pts += [(s["lon"], s["lat"]) for s in plan.data["sites"]]
    return np.array(pts, dtype=float).reshape(-1, 2)


def _centre(plan: Plan, proj: _Projector) -> list[float]:
    pts = _all_points(plan)
    if not len(pts):
        return [35.0, 105.0]
    return proj.latlon(*pts.mean(axis=0))


def _bounds(plan: Plan, county: County | None, proj: _Projector) -> list[list[float]]:
    pts = _all_points(plan)
    if county is not None:
        minx, miny, maxx, maxy = county.boundary.total_bounds
        pts = np.vstack([pts, [[minx, miny], [maxx, maxy]]])
    if not len(pts):
        return [[18.0, 73.0], [54.0, 135.0]]
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    return [proj.latlon(lo[0], lo[1]), proj.latlon(hi[0], hi[1])]


def add_labels(m: Any, folium: Any, labels: list[tuple[str, float, float]], *,
               cls: str = "rn-town-label", zoom_out: float = 1.0) -> None:
    """Put permanent text labels (escaped) on the map, hidden when zoomed out past the view.

    ``labels`` are ``(text, lat, lon)``; they hide once the zoom falls
    ``zoom_out`` below the zoom the map opened at (after fitting its bounds).
    """
    group = folium.FeatureGroup(name="地名 labels").add_to(m)
    for text, lat, lon in labels:
        folium.Marker([lat, lon], icon=folium.DivIcon(
            html=f"<span>{escape_html(text)}</span>", icon_size=(0, 0), icon_anchor=(0, 0),
            class_name=cls), z_index_offset=1000, interactive=False).add_to(group)
    m.add_child(_label_toggle(zoom_out))


def _label_toggle(zoom_out: float) -> Any:
    """Return a map child whose script hides labels below the opening zoom - ``zoom_out``."""
    from branca.element import MacroElement
    from folium.template import Template

    class _Toggle(MacroElement):
        _template = Template("""
            {% macro script(this, kwargs) %}
            (function(map){var z0=null;function f(){if(z0===null)z0=map.getZoom();
             map.getContainer().classList.toggle('rn-labels-off',
               map.getZoom()<z0-{{ this.zoom_out }});}
             map.whenReady(function(){setTimeout(f,0);});map.on('zoomend',f);
            })({{ this._parent.get_name() }});
            {% endmacro %}""")

        def __init__(self) -> None:
            super().__init__()
            self._name = "LabelToggle"
            self.zoom_out = float(zoom_out)

    return _Toggle()


def _add_county(m: Any, county: County, proj: _Projector, folium: Any, bind: type,
                offline: bool = False) -> None:
    from shapely.geometry import mapping

    land = folium.FeatureGroup(name="县域 county land", control=False).add_to(m)
    for geom in county.boundary.geometry:
        folium.GeoJson(mapping(proj.geometry(geom)), style_function=lambda _: {
            "stroke": False, "fillColor": "#f8fafc", "fillOpacity": 0.95 if offline else 0.25,
            "className": "rn-land"}, interactive=False).add_to(land)
    towns = folium.FeatureGroup(name="乡镇辖区 township territories").add_to(m)
    for i, row in enumerate(county.townships.itertuples()):
        if row.geometry is None or row.geometry.is_empty:
            continue
        style = {"color": "#64748b", "weight": 1, "fillColor": TOWN_FILLS[i % len(TOWN_FILLS)],
                 "fillOpacity": 0.55 if offline else 0.12, "dashArray": "4 4",
                 "className": "rn-township"}
        layer = folium.GeoJson(mapping(proj.geometry(row.geometry)),
                               style_function=lambda _, s=style: s)
        layer.add_child(bind(None, escape_html(row.name)))
        layer.add_to(towns)
    edge = folium.FeatureGroup(name="县界 county boundary").add_to(m)
    for geom in county.boundary.geometry:
        folium.GeoJson(mapping(proj.geometry(geom)), style_function=lambda _: {
            "color": "#111827", "weight": 3, "fill": False, "className": "rn-boundary"},
            ).add_child(bind(None, escape_html(county.name))).add_to(edge)


def _route_popup(r: dict[str, Any], names: dict[str, str]) -> str:
    rows = []
    for k, s in enumerate(r["stops"]):
        ref = s.get("site_id") or s.get("village_id") or ""
        rows.append(f"<tr><td>{k}</td><td>{escape_html(names.get(ref, ref))}</td>"
                    f"<td>{minutes_to_hhmm(s['arrive_min'])}</td>"
                    f"<td>{minutes_to_hhmm(s['depart_min'])}</td><td>{s['deliver_kg']:g}</td>"
                    f"<td>{s['pickup_kg']:g}</td><td>{s['load_after_kg']:g}</td></tr>")
    tier = escape_html(TIER_ZH.get(r["tier"], r["tier"]))
    head = (f"<b>线路 {escape_html(r['id'])}</b> · {tier}<br>"
            f"车辆 vehicle: {escape_html(r['vehicle_type'])}，核载 {r['capacity_kg']:g} kg<br>"
            f"出车 {_time_span(r['depart_min'], r['return_min'])} · "
            f"{r['distance_km']:.1f} km · {r['duration_min']:.0f} min")
    table = ("<table class='rn-stops'><tr><th>序</th><th>站点 stop</th><th>到达</th><th>离开</th>"
             "<th>送kg</th><th>取kg</th><th>车上kg</th></tr>" + "".join(rows) + "</table>")
    return head + table


def _add_routes(m: Any, plan: Plan, proj: _Projector, folium: Any, bind: type) -> None:
    names = place_names(plan)
    pos = {v["id"]: (v["lon"], v["lat"]) for v in plan.data["villages"]}
    pos.update({s["id"]: (s["lon"], s["lat"]) for s in plan.data["sites"]})
    for tier, (weight, dash, palette) in TIER_STYLE.items():
        routes = plan.routes(tier)
        if not routes:
            continue
        group = folium.FeatureGroup(name=f"线路 {TIER_ZH[tier]} ({len(routes)})").add_to(m)
        for i, r in enumerate(routes):
            refs = [s.get("site_id") or s.get("village_id") or "" for s in r["stops"]]
            line = ([proj.latlon(*xy) for xy in r["path"]] if r.get("path") else
                    [proj.latlon(*pos[x]) for x in refs if x in pos])
            if len(line) < 2:
                logger.warning("route %s has fewer than two known stops; not drawn", r["id"])
                continue
            folium.PolyLine(line, color=palette[i % len(palette)], weight=weight, opacity=0.85,
                            dash_array=dash, class_name=f"rn-route rn-route-{tier}",
                            ).add_child(bind(_route_popup(r, names), escape_html(
                                f"{r['id']} {r['vehicle_type']}"))).add_to(group)


def _svg(kind: str) -> tuple[int, str]:
    size, body = SITE_SVG[kind]
    return size, (f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
                  f'viewBox="0 0 {size} {size}">{body}</svg>')


SEAT_STYLE = {True: {"color": "#111827", "fill_color": "#111827", "dash_array": None},
              False: {"color": "#6b7280", "fill_color": "#ffffff", "dash_array": "2,2"}}
"""Township seats: filled black when the position is real (GeoNames, the planner's file),
hollow grey dashed when synthetic."""


def _add_seats(m: Any, plan: Plan, proj: _Projector, folium: Any) -> None:
    """Draw each township seat, real and synthetic ones apart (one layer each)."""
    towns = [t for t in plan.data["townships"] if t.get("seat_lon") is not None]
    for real in (True, False):
        seats = [t for t in towns if (t.get("seat_source", "synthetic") != "synthetic") == real]
        if not seats:
            continue
        name = "乡镇驻地（真实位置）real township seats" if real else \
            "乡镇驻地（合成位置）synthetic township seats"
        group = folium.FeatureGroup(name=f"{name} ({len(seats)})").add_to(m)
        for t in seats:
            src = t.get("seat_source", "synthetic")
            folium.CircleMarker(
                proj.latlon(t["seat_lon"], t["seat_lat"]), radius=4, weight=1.5,
                fill=True, fill_opacity=1.0, **SEAT_STYLE[real],
                tooltip=escape_html(f"{t['name']} 驻地 seat — {src}"),
            ).add_to(group)


def _add_sites(m: Any, plan: Plan, proj: _Projector, folium: Any, bind: type) -> None:
    town = {t["id"]: t["name"] for t in plan.data["townships"]}
    for kind, label in SITE_LAYER.items():
        sites = [s for s in plan.data["sites"] if s["kind"] == kind]
        if not sites:
            continue
        group = folium.FeatureGroup(name=f"{label} ({len(sites)})").add_to(m)
        size, svg = _svg(kind)
        for s in sites:
            popup = (f"<b>{escape_html(s['name'])}</b><br>{escape_html(SITE_KIND_ZH[kind])}<br>"
                     f"乡镇 township: {escape_html(town.get(s['township_id'] or '', '—'))}<br>"
                     f"编号 id: {escape_html(s['id'])}")
            icon = folium.DivIcon(html=svg, icon_size=(size, size),
                                  icon_anchor=(size // 2, size // 2),
                                  class_name=f"rn-site rn-site-{kind}")
            folium.Marker(proj.latlon(s["lon"], s["lat"]), icon=icon).add_child(
                bind(popup, escape_html(s["name"]))).add_to(group)


def _swatch_line(color: str, weight: float, dash: str | None) -> str:
    d = f' stroke-dasharray="{dash}"' if dash else ""
    return (f'<svg width="28" height="10"><line x1="1" y1="5" x2="27" y2="5" stroke="{color}" '
            f'stroke-width="{weight}"{d}/></svg>')


def _swatch_dot(fill: str, edge: str, width: float) -> str:
    return (f'<svg width="16" height="16"><circle cx="8" cy="8" r="5.5" fill="{fill}" '
            f'stroke="{edge if edge != PLAIN_EDGE else "#64748b"}" stroke-width="{width}"/></svg>')


def _legend_html(plan: Plan) -> str:
    f = figures_of(plan)
    rows = [(_svg(k)[1], SITE_KIND_ZH[k]) for k in SITE_SVG]
    rows += [
        (_swatch_dot(STATUS_FILL["daily"], PLAIN_EDGE, 1),
         f"每日配送的村 village served daily（行政村 {f.format('daily_served')}）"),
        (_swatch_dot(STATUS_FILL["passed"], PLAIN_EDGE, 1),
         f"途经未停靠 passed, not stopped（行政村 {f.count('passed_not_stopped')}）"),
        (_swatch_dot(STATUS_FILL["not_served"], PLAIN_EDGE, 1),
         f"未服务 not served（行政村 {f.count('not_served')}）"),
        (_swatch_dot("#ffffff", POOR_EDGE, 3), "紫边：贫困村 purple edge: poor village"),
    ]
    rows += not_daily_legend(plan)
    rows += [(_swatch_dot("#111827", "#111827", 1), "乡镇驻地（真实位置）real township seat"),
             (_swatch_dot("#ffffff", "#6b7280", 1), "乡镇驻地（合成位置）synthetic township seat")]
    rows += [(_swatch_line(TIER_STYLE[t][2][0], TIER_STYLE[t][0], TIER_STYLE[t][1]),
              f"{TIER_ZH[t]}（每车一色 one colour per vehicle）") for t in TIER_STYLE]
    body = "".join(f"<div class='rn-row'><span class='rn-sym'>{sym}</span>{escape_html(text)}</div>"
                   for sym, text in rows)
    prov = plan.data["provenance"]
    sources = "".join(f"<br>{escape_html(prov[k])}" for k in ("positions_summary", "attribution")
                      if prov.get(k))
    return (f"<div id='rn-legend' class='rn-legend'><b>图例 Legend</b>{body}"
            f"<div class='rn-note'>{_route_note(plan)}{sources}</div></div>")


def _route_note(plan: Plan) -> str:
    """Say how routes are drawn: along the plan's road paths, or straight between stops."""
    routes = plan.data["routes"]
    if routes and all(r.get("path") for r in routes):
        net = plan.data["provenance"].get("network", {}).get("source", "")
        tag = "（合成路网 synthetic roads）" if net == "synthetic" else ""
        return (f"线路沿道路绘制{tag}。<br>Routes follow the roads of the plan's network"
                f"{' (synthetic)' if tag else ''}.")
    return ("线路按站点间直线绘制，非实际道路。<br>"
            "Routes are drawn as straight lines between stops, not along roads.")


def _banner_html(plan: Plan) -> str:
    layers = ", ".join(plan.data["provenance"].get("synthetic_layers", []))
    return (f"<div id='rn-synthetic-banner' class='rn-banner' role='alert'>"
            f"<b>⚠ 合成数据 SYNTHETIC DATA</b>（{escape_html(layers)}）："
            f"{escape_html(SYNTHETIC_NOTICE_ZH)}"
            f"<br><span class='rn-en'>{escape_html(SYNTHETIC_NOTICE_EN)}</span></div>")


_PAGE_CSS = """
.rn-banner{position:fixed;top:10px;left:50%;transform:translateX(-50%);z-index:1100;
 max-width:70%;background:#fde68a;border:2px solid #b45309;color:#7c2d12;padding:8px 14px;
 font:14px/1.4 sans-serif;border-radius:6px;box-shadow:0 2px 6px rgba(0,0,0,.3)}
.rn-banner .rn-en{font-size:12px}
.rn-legend{position:fixed;bottom:28px;right:10px;z-index:1000;background:rgba(255,255,255,.94);
 padding:8px 10px;font:12px/1.5 sans-serif;border:1px solid #94a3b8;border-radius:6px;
 max-width:320px}
.rn-legend .rn-row{display:flex;align-items:center;gap:6px}
.rn-legend .rn-sym{display:inline-flex;width:30px;justify-content:center}
.rn-legend .rn-note{margin-top:4px;color:#475569;font-size:11px}
.rn-site{background:none;border:none}
.leaflet-container{background:#e8eef4}
.rn-town-label{background:none;border:none}
.rn-town-label span{position:absolute;transform:translate(-50%,-50%);white-space:nowrap;
 font:bold 13px/1 "Noto Sans CJK SC","Microsoft YaHei",sans-serif;color:#1f2937;
 text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 2px #fff;pointer-events:none}
.rn-labels-off .rn-town-label{display:none}
table.rn-stops{border-collapse:collapse;margin-top:4px;font-size:12px}
table.rn-stops td,table.rn-stops th{border:1px solid #cbd5e1;padding:1px 4px;text-align:right}
table.rn-stops td:nth-child(2){text-align:left}
"""

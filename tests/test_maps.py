import copy
import json
import re
import shutil

import pytest
from tiny import HOSTILE, HOSTILE_IMG, tiny_plan_dict

from ruralnet.exceptions import RuralnetError
from ruralnet.geo.coords import wgs84_to_gcj02
from ruralnet.outputs.maps import plan_map, save_map
from ruralnet.plan.document import SYNTHETIC_NOTICE_ZH, Plan

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def real_plan():
    """The tiny plan with every layer from the planner's file or OSM (nothing synthetic)."""
    d = tiny_plan_dict()
    d["provenance"] = {
        "geography": {"source": "user", "description": "村庄坐标表 2025"},
        "network": {"source": "osm", "description": "OSM extract"},
        "demand": {"source": "user", "description": "邮政统计"},
        "synthetic_layers": [],
    }
    return Plan(d)


@pytest.fixture
def hostile_plan():
    """The tiny plan with hostile names on a village, a station and a township."""
    d = tiny_plan_dict()
    d["villages"][2]["name"] = HOSTILE
    d["villages"][1]["name"] = HOSTILE_IMG
    d["sites"][1]["name"] = HOSTILE
    d["townships"][0]["name"] = HOSTILE_IMG
    return Plan(d)


def _html(plan, county=None, **kw):
    return plan_map(plan, county, **kw).get_root().render()


def _decoded(page):
    """The page with JSON's \\uXXXX escapes turned back into characters."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page)


def test_map_shows_synthetic_banner_when_any_layer_is_synthetic(tiny_plan):
    """A plan with synthetic layers gets the fixed banner with the notice and the layer names."""
    page = _html(tiny_plan)
    assert page.count('id=\'rn-synthetic-banner\'') == 1
    assert SYNTHETIC_NOTICE_ZH in page and "geography, network, demand" in page


def test_map_has_no_banner_when_all_layers_are_user_or_osm(real_plan):
    """A plan whose layers all come from the planner or OSM shows no synthetic banner."""
    page = _html(real_plan)
    assert "rn-synthetic-banner" not in page and SYNTHETIC_NOTICE_ZH not in page


def test_map_draws_one_line_per_route_and_one_marker_per_village_and_site(tiny_plan):
    """Two routes give two polylines; three villages three circles; three sites three icons."""
    page = _html(tiny_plan)
    assert page.count("L.polyline(") == 2
    assert page.count("L.circleMarker(") == 3
    assert page.count("L.marker(") == 3
    assert page.count('"rn-route rn-route-trunk"') == 1
    assert page.count('"rn-route rn-route-feeder"') == 1


def test_village_status_classes_follow_daily_service_and_poverty(tiny_plan):
    """V1 is daily, poor, has a station; V2 daily; C1 not daily: circles carry their status."""
    page = _html(tiny_plan)
    assert page.count('"rn-village rn-daily rn-poor rn-has-station"') == 1
    assert page.count('"rn-village rn-daily"') == 1
    assert page.count('"rn-village rn-not-daily"') == 1


def test_route_popup_lists_vehicle_stops_times_and_loads(tiny_plan):
    """The feeder popup names the van, its stops in order with arrival times and loads."""
    page = _html(tiny_plan)
    popups = [json.loads(s) for s in re.findall(r'bindPopup\(\s*("(?:[^"\\]|\\.)*")', page)]
    feeder = next(p for p in popups if "feeder-1" in p)
    assert "van" in feeder and "07:43–08:05" in feeder
    assert feeder.index("甲村委会") < feeder.index("乙村委会")
    assert "<td>1</td><td>甲村委会</td><td>07:49</td><td>07:49</td><td>30</td><td>9</td>" \
           "<td>39</td>" in feeder


def test_map_escapes_hostile_names(hostile_plan, tiny_county):
    """Script and img-onerror names never reach the page unescaped, in any layer."""
    county = copy.copy(tiny_county)
    object.__setattr__(county, "townships", tiny_county.townships.assign(name=[HOSTILE_IMG]))
    page = _html(hostile_plan, county)
    assert HOSTILE not in page and HOSTILE_IMG not in page
    assert "<img src=x" not in page and "alert(1)</script>" not in page
    shown = _decoded(page)  # what JavaScript hands to innerHTML
    assert HOSTILE not in shown and HOSTILE_IMG not in shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert "&lt;img src=x onerror=alert(2)&gt;" in shown


def test_map_page_loads_nothing_from_a_cdn(tiny_plan):
    """Leaflet is inlined and folium's CDN scripts and style sheets are gone."""
    page = _html(tiny_plan, tiles=None)
    assert re.search(r"<script[^>]+src=", page) is None
    assert re.search(r"<link[^>]+stylesheet", page) is None
    assert "Leaflet 1.9.4" in page and "cdn.jsdelivr" not in page and "jquery" not in page


def test_amap_tiles_convert_every_coordinate_to_gcj02(tiny_plan, tiny_county):
    """With Amap tiles the warehouse and the boundary corner are drawn at GCJ-02 positions."""
    page = _html(tiny_plan, tiny_county, tiles="amap")
    glon, glat = wgs84_to_gcj02(118.0, 25.0)
    assert f"[{round(float(glat), 7)}, {round(float(glon), 7)}]" in page
    assert "[25.0, 118.0]" not in page
    blon, blat = wgs84_to_gcj02(117.95, 24.95)  # boundary corner, GeoJSON [lon, lat]
    assert f"[{float(blon)!r}, {float(blat)!r}]" in page
    assert "[117.95, 24.95]" not in page and "autonavi.com" in page


def test_osm_tiles_keep_wgs84_coordinates(tiny_plan):
    """With OSM tiles the warehouse is drawn at its WGS-84 position."""
    page = _html(tiny_plan)
    assert "[25.0, 118.0]" in page and "tile.openstreetmap.org" in page


def test_unknown_tiles_raise_with_the_choices(tiny_plan):
    """An unknown base map is refused, naming the valid choices."""
    with pytest.raises(RuralnetError, match="未知底图.*unknown base tiles 'google'"):
        plan_map(tiny_plan, tiles="google")


def test_county_of_another_plan_is_refused(tiny_plan, tiny_county):
    """A county whose code differs from the plan's is refused rather than drawn."""
    other = copy.copy(tiny_county)
    object.__setattr__(other, "code", "350524")
    with pytest.raises(RuralnetError, match="县不一致.*county mismatch"):
        plan_map(tiny_plan, other)


def test_county_adds_boundary_and_township_territories(tiny_plan, tiny_county):
    """With a county the page has the boundary and one territory with its name as tooltip."""
    page = _html(tiny_plan, tiny_county)
    assert page.count('"className": "rn-boundary"') == 1
    assert page.count('"className": "rn-township"') == 1
    assert re.search(r'bindTooltip\(\s*"一镇"', _decoded(page))
    assert '"县界 county boundary"' in _decoded(page)


def test_map_without_county_has_no_boundary_layer(tiny_plan):
    """From the plan alone the map has no boundary or territory layer."""
    page = _html(tiny_plan)
    assert "rn-boundary" not in page.replace(".rn-boundary", "")
    assert "乡镇辖区" not in _decoded(page)


def test_legend_is_in_chinese_and_names_every_symbol(tiny_plan):
    """The legend names the three site tiers, village states and route tiers in Chinese."""
    page = _html(tiny_plan)
    legend = page[page.index("id='rn-legend'"):]
    for text in ("县级仓储中心", "乡镇中转站", "村级服务站", "每日配送的村", "贫困村", "干线",
                 "支线", "直达", "直线"):
        assert text in legend


def test_save_map_writes_one_file_atomically(tiny_plan, tmp_path):
    """save_map leaves exactly the HTML file, replacing an older one."""
    target = tmp_path / "map.html"
    target.write_text("old", encoding="utf-8")
    out = save_map(plan_map(tiny_plan, tiles=None), target)
    assert out == target and [p.name for p in tmp_path.iterdir()] == ["map.html"]
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


# ------------------------------------------------------------------ headless browser


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium driven by Playwright (skipped only when chromium is absent)."""
    if shutil.which(CHROMIUM) is None:
        pytest.skip(f"{CHROMIUM} not installed (apt-get install -y chromium)")
    from browser_check import launch

    with launch(CHROMIUM) as b:
        yield b


def test_map_renders_in_a_real_browser(browser, hostile_plan, tiny_county, tmp_path):
    """Chromium shows routes, markers, banner; logs only failed tiles; runs no name."""
    from browser_check import inspect_map

    path = save_map(plan_map(hostile_plan, tiny_county), tmp_path / "map.html")
    seen = inspect_map(browser, path)
    assert seen.dialogs == []  # no alert(1)/alert(2) from a name
    assert seen.errors == [], seen.errors
    assert seen.counts == {"routes": 2, "villages": 3, "sites": 3, "boundary": 1, "townships": 1}
    assert seen.banner_visible and seen.legend_visible
    assert HOSTILE in seen.popup_texts and HOSTILE_IMG in seen.popup_texts
    assert seen.popup_html_tags == 0


def test_browser_page_without_synthetic_layers_shows_no_banner(browser, real_plan, tmp_path):
    """A plan with no synthetic layer renders without the banner and without errors."""
    from browser_check import inspect_map

    path = save_map(plan_map(real_plan, tiles=None), tmp_path / "map.html")
    seen = inspect_map(browser, path)
    assert seen.errors == [] and not seen.banner_visible and seen.counts["routes"] == 2


def _plan_of_county(county):
    """A route-less plan over every village of a loaded county (warehouse at the seat)."""
    towns = county.townships
    vills = county.villages
    return Plan({
        "schema_version": "1.0", "county": {"name": county.name, "code": county.code},
        "provenance": {"geography": {"source": "synthetic", "description": "load_county"},
                       "network": {"source": "synthetic", "description": "none"},
                       "demand": {"source": "synthetic", "description": "default"},
                       "synthetic_layers": ["geography", "network", "demand"]},
        "parameters": {"day_start_min": 420, "day_end_min": 1080, "handling_min": 30,
                       "coverage_target": 0.8, "mode": "two_tier"},
        "townships": [{"id": t.township_id, "name": t.name} for t in towns.itertuples()],
        "villages": [{"id": v.village_id, "name": v.name, "township_id": v.township_id,
                      "lon": v.geometry.x, "lat": v.geometry.y, "kind": v.kind,
                      "poor": bool(v.poor)} for v in vills.itertuples()],
        "sites": [{"id": "W", "kind": "county_warehouse", "name": "县仓", "lon": county.seat_lon,
                   "lat": county.seat_lat, "township_id": None, "village_id": None}],
        "routes": [],
        "coverage": {"townships_daily": 0, "townships_total": len(towns), "villages_daily": 0,
                     "villages_total": int((vills["kind"] == "village").sum()),
                     "village_share": 0.0},
        "costs": {"total_per_day": 0.0}})


def test_map_of_anxi_draws_every_township_and_village(anxi):
    """安溪县: 24 township territories, one circle per village-level unit, no route lines."""
    page = _html(_plan_of_county(anxi), anxi)
    assert page.count('"className": "rn-township"') == 24
    assert page.count("L.circleMarker(") == len(anxi.villages)
    assert page.count("L.polyline(") == 0 and "线路 干线" not in _decoded(page)
    assert re.search(r'bindTooltip\(\s*"龙门镇"', _decoded(page))


def test_missing_bundled_leaflet_is_a_data_error(tiny_plan, tmp_path, monkeypatch):
    """Without the bundled Leaflet files the map refuses with a reinstall hint, no CDN fallback."""
    import ruralnet.outputs.maps as maps
    from ruralnet.exceptions import DataError

    monkeypatch.setattr(maps, "STATIC_DIR", tmp_path)
    maps._leaflet_assets.cache_clear()
    try:
        with pytest.raises(DataError, match="leaflet.js is missing; reinstall ruralnet"):
            plan_map(tiny_plan)
    finally:
        maps._leaflet_assets.cache_clear()


# ------------------------------------------------------------------ basemaps, labels, fit


def test_basemap_names_of_the_cli_choose_the_tiles(tiny_plan, tiny_county, monkeypatch):
    """--basemap amap converts to GCJ-02 like tiles='amap'; none draws no tile layer."""
    assert "autonavi.com" in _html(tiny_plan, tiny_county, basemap="amap")
    glon, glat = wgs84_to_gcj02(118.0, 25.0)
    assert f"[{round(float(glat), 7)}, {round(float(glon), 7)}]" in _html(
        tiny_plan, basemap="amap")
    assert "L.tileLayer(" not in _html(tiny_plan, basemap="none")
    assert "tile.openstreetmap.org" in _html(tiny_plan, basemap="osm")
    with pytest.raises(RuralnetError, match="unknown basemap 'google'"):
        plan_map(tiny_plan, basemap="google")


def test_tianditu_needs_the_users_own_key(tiny_plan, monkeypatch):
    """Without TIANDITU_KEY the map refuses with a hint; with it, vector and label layers use it."""
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    with pytest.raises(RuralnetError, match="TIANDITU_KEY"):
        plan_map(tiny_plan, basemap="tianditu")
    monkeypatch.setenv("TIANDITU_KEY", "abc123def456")
    page = _html(tiny_plan, basemap="tianditu")
    assert page.count("tk=abc123def456") == 2 and "LAYER=vec" in page and "LAYER=cva" in page
    assert "[25.0, 118.0]" in page  # CGCS2000 ≈ WGS-84: no datum shift
    with pytest.raises(RuralnetError, match="letters and digits"):
        plan_map(tiny_plan, basemap="tianditu", tianditu_key="x\"><script>")


def test_offline_map_fills_land_and_townships_and_labels_townships(hostile_plan, tiny_county):
    """Without tiles: opaque land fill and township fills; one escaped permanent label each."""
    county = copy.copy(tiny_county)
    object.__setattr__(county, "townships", tiny_county.townships.assign(name=[HOSTILE]))
    page = _html(hostile_plan, county, basemap="none")
    assert '"className": "rn-land"' in page and '"fillOpacity": 0.95' in page
    assert '"fillOpacity": 0.55' in page
    assert page.count("rn-town-label") >= 1 and HOSTILE not in _decoded(page)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in _decoded(page)
    online = _html(hostile_plan, county, basemap="osm")
    assert '"fillOpacity": 0.95' not in online and '"fillOpacity": 0.12' in online


@pytest.mark.slow
def test_anxi_map_opens_fitted_to_the_county_with_township_labels(browser, anxi, tmp_path):
    """安溪县 in a 1200×800 window: the county fills ≥ 85 % of the height, 24 labels shown,
    and they hide when zoomed out two levels."""
    from browser_check import inspect_view

    path = save_map(plan_map(_plan_of_county(anxi), anxi, basemap="none"),
                    tmp_path / "map.html")
    view = inspect_view(browser, path)
    x0, y0, x1, y1 = view.county_box
    w, h = view.viewport
    assert x0 >= -2 and y0 >= -2 and x1 <= w + 2 and y1 <= h + 2  # all of it in view
    assert max((x1 - x0) / w, (y1 - y0) / h) >= 0.85, view.county_box
    assert sorted(view.labels_shown) == sorted(anxi.townships["name"])
    assert view.labels_after_zoom_out == 0


def test_map_popups_give_visits_per_week_and_a_layer_rings_places_not_daily():
    """A week: popups say 2 次/周（周一、周四）; S2, V5 and V2 are ringed in their own layer."""
    from tiny import tiny_week_dict

    page = _decoded(_html(Plan(tiny_week_dict())))
    assert "班次 visits: 2 次/周（周一、周四）" in page and "班次 visits: 7 次/周（每日）" in page
    assert "非每日配送 not daily (3)" in page
    assert page.count('"rn-not-daily-ring rn-not-daily-station"') == 1
    assert page.count('"rn-not-daily-ring rn-not-daily-village"') == 2
    assert "往返1000分钟超过单班660分钟" in page and "虚线圈：非每日配送（站 1、村 2）" in page
    daily = _decoded(_html(Plan(tiny_plan_dict())))
    assert "rn-not-daily-ring" not in daily and "班次 visits" not in daily


def test_map_marks_passed_villages_and_quotes_the_figures_in_the_legend():
    """V3 lies on the feeder's road path: its own colour and class; legend counts 行政村."""
    d = tiny_plan_dict()
    d["villages"].append({"id": "V3", "name": "丁村委会", "township_id": "T1", "lon": 118.15,
                          "lat": 25.01, "kind": "village", "poor": False})
    d["routes"][1]["path"] = [[118.1, 25.0], [118.15, 25.01], [118.1, 25.0]]
    page = _decoded(_html(Plan(d)))
    assert page.count('"rn-village rn-not-daily rn-passed"') == 1
    assert "每日配送 daily: 否 no<br>途经未停靠 passed, not stopped" in page
    assert "每日配送的村 village served daily（行政村 2/3 (66.7%)）" in page
    assert "途经未停靠 passed, not stopped（行政村 1）" in page
    assert "未服务 not served（行政村 0）" in page


def test_map_tells_real_township_seats_from_synthetic_ones_and_credits_geonames():
    """Real seats are drawn in their own layer and symbol; the legend credits GeoNames."""
    d = tiny_plan_dict()
    d["townships"] = [{"id": "T1", "name": "一镇", "seat_lon": 118.1, "seat_lat": 25.0,
                       "seat_source": "geonames"},
                      {"id": "T2", "name": "二乡", "seat_lon": 118.15, "seat_lat": 25.02,
                       "seat_source": "synthetic"}]
    d["provenance"]["positions_summary"] = "乡镇驻地 1/2 为真实位置（GeoNames），村庄位置为合成"
    d["provenance"]["attribution"] = "seats: GeoNames (geonames.org), CC BY 4.0"
    html = plan_map(Plan(d), tiles=None).get_root().render()

    def shown(text):  # folium writes layer names and tooltips as JSON or HTML text
        return text in html or json.dumps(text)[1:-1] in html

    assert shown("乡镇驻地（真实位置）real township seats (1)")
    assert shown("乡镇驻地（合成位置）synthetic township seats (1)")
    assert shown("一镇 驻地 seat — geonames") and shown("二乡 驻地 seat — synthetic")
    assert "GeoNames (geonames.org), CC BY 4.0" in html and "乡镇驻地 1/2 为真实位置" in html


def test_village_popup_shows_template_braces_as_written(tiny_plan_doc):
    """A village named with Jinja braces keeps them: its popup script is not templated again."""
    doc = copy.deepcopy(tiny_plan_doc)
    doc["villages"][0]["name"] = "{{ 7 * 191 }}村"
    page = _html(Plan(doc))
    tooltips = [json.loads(s) for s in re.findall(r'bindTooltip\(\s*("(?:[^"\\]|\\.)*")', page)]
    assert "{{ 7 * 191 }}村" in tooltips and "1337村" not in page

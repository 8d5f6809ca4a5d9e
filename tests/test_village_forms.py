"""Village files as planners really have them: Excel, TSV, title rows, BD-09/GCJ-02, KML/KMZ,
Chinese headers, short names, far-off points, hostile and broken files (issues 13 and 18)."""

import time
import warnings
import zipfile
from pathlib import Path

import coordTransform
import geopandas as gpd
import numpy as np
import openpyxl
import pytest

from ruralnet.exceptions import DataQualityWarning, InputFileError, InputFileWarning
from ruralnet.geo.coords import haversine_m
from ruralnet.geo.county import load_county
from ruralnet.geo.village_file import VillageFile

DATA = Path(__file__).parent / "data"


def _rows(anxi, n=3, kind="village"):
    v = anxi.villages[anxi.villages["kind"] == kind].head(n)
    t = anxi.townships.set_index("township_id")["name"]
    return [(t[r.township_id], r.name, r.geometry.x, r.geometry.y) for r in v.itertuples()]


def _load(path, **kw):
    """Load 安溪 with a village file, returning the county and the warnings raised."""
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        c = load_county("安溪", village_file=path, **kw)
    return c, rec


def _text(rec, category=Warning):
    return " ".join(str(w.message) for w in rec if issubclass(w.category, category))


def _dist_m(c, name, lon, lat):
    g = c.villages.set_index("name").loc[name].geometry
    return float(haversine_m(g.x, g.y, lon, lat))


def test_xlsx_with_title_row_and_chinese_headers_is_read_and_unused_columns_named(
        anxi, tmp_path):
    """行政村名称/是否贫困村/邮政网点/日均下行件 under a title row; 备注, 联系人 named unused."""
    (t1, v1, x1, y1), (t2, v2, x2, y2), _ = _rows(anxi)
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["安溪县行政村基础信息表（2024年）"])
    ws.append(["乡镇名称", "行政村名称", "经度", "纬度", "是否贫困村", "邮政网点",
               "日均下行件（件）", "备注", "联系人"])
    ws.append([t1, v1, x1, y1, "是", "是", 45, "山区", "张三"])
    ws.append([t2, v2, x2, y2, "否", "否", None, "", "李四"])
    path = tmp_path / "村庄.xlsx"
    book.save(path)
    c, rec = _load(path)
    row = c.villages.set_index("name")
    assert row.loc[v1, "position_source"] == "user" and _dist_m(c, v1, x1, y1) < 0.01
    assert row.loc[v1, "poor"] and not row.loc[v2, "poor"]
    assert row.loc[v1, "existing_site"] == "邮政" and row.loc[v2, "existing_site"] == ""
    assert row.loc[v1, "parcels_down"] == 45 and row.loc[v1, "demand_source"] == "user"
    assert row.loc[v2, "demand_source"] == "assumed"
    notice = _text(rec, InputFileWarning)
    assert "columns not used: 备注, 联系人" in notice and "以下列未被使用：备注、联系人" in notice


def test_xlsx_sheet_is_chosen_by_name(anxi, tmp_path):
    """VillageFile(sheet=...) reads the named sheet, not the first."""
    (t1, v1, x1, y1), *_ = _rows(anxi)
    book = openpyxl.Workbook()
    book.active.append(["说明：本表由县商务局填写"])
    ws = book.create_sheet("村庄")
    ws.append(["乡镇", "村名", "经度", "纬度"])
    ws.append([t1, v1, x1, y1])
    path = tmp_path / "v.xlsx"
    book.save(path)
    c, _ = _load(VillageFile(path, sheet="村庄"))
    assert (c.villages["position_source"] == "user").sum() == 1


def test_gbk_tsv_with_title_row_is_read(anxi, tmp_path):
    """A tab-separated GBK file with a title line and 村名/经度/纬度 headers reads."""
    (t1, v1, x1, y1), *_ = _rows(anxi)
    p = tmp_path / "v.txt"
    p.write_bytes(f"安溪县村庄坐标\n乡镇\t村名\t经度\t纬度\n{t1}\t{v1}\t{x1}\t{y1}\n".encode("gbk"))
    c, _ = _load(p)
    assert _dist_m(c, v1, x1, y1) < 0.01


def test_bd09_file_and_rows_convert_to_within_a_metre(anxi, tmp_path):
    """Baidu positions (--crs bd09 for the file, 百度 for one row) land within 1 m of the truth."""
    (t1, v1, x1, y1), (t2, v2, x2, y2), _ = _rows(anxi)
    b1 = coordTransform.wgs84_to_bd09(x1, y1)
    b2 = coordTransform.wgs84_to_bd09(x2, y2)
    p = tmp_path / "baidu.csv"
    p.write_text(f"乡镇,村名,经度,纬度\n{t1},{v1},{b1[0]},{b1[1]}\n", encoding="utf-8")
    c, _ = _load(VillageFile(p, crs="BD-09"))
    assert _dist_m(c, v1, x1, y1) < 1.0
    p2 = tmp_path / "mixed.csv"
    p2.write_text(f"乡镇,村名,经度,纬度,坐标系\n{t1},{v1},{x1},{y1},WGS84\n"
                  f"{t2},{v2},{b2[0]},{b2[1]},百度\n", encoding="utf-8")
    c2, _ = _load(p2)
    assert _dist_m(c2, v1, x1, y1) < 0.01 and _dist_m(c2, v2, x2, y2) < 1.0
    unconverted = float(haversine_m(b2[0], b2[1], x2, y2))
    assert unconverted > 300  # the BD-09 offset is hundreds of metres; it was removed


def test_gcj02_file_option_converts_every_row(anxi, tmp_path):
    """--crs gcj02 (高德) converts rows without their own crs to WGS-84 within a millimetre."""
    (t1, v1, x1, y1), *_ = _rows(anxi)
    g = coordTransform.wgs84_to_gcj02(x1, y1)
    p = tmp_path / "amap.csv"
    p.write_text(f"乡镇,村名,经度,纬度\n{t1},{v1},{g[0]},{g[1]}\n", encoding="utf-8")
    c, _ = _load(VillageFile(p, crs="高德"))
    assert _dist_m(c, v1, x1, y1) < 0.001
    with pytest.raises(InputFileError, match="unsupported --crs utm50"):
        load_county("安溪", village_file=VillageFile(p, crs="utm50"))


KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2">
<Document><name>安溪村庄</name>
 <Folder><name>{t1}</name>
  <Placemark><name>{v1}</name>
   <ExtendedData><Data name="日均下行件"><value>25</value></Data></ExtendedData>
   <Point><coordinates>{x1},{y1},0</coordinates></Point></Placemark>
  <Placemark><name>巡查路线</name>
   <LineString><coordinates>{x1},{y1},0 {x2},{y2},0</coordinates></LineString></Placemark>
 </Folder>
 <Folder><name>{t2}</name>
  <Placemark><name>{v2}</name>
   <Point><coordinates> {x2},{y2} </coordinates></Point></Placemark>
 </Folder>
</Document></kml>
"""


def test_google_earth_kml_and_ovi_kmz_points_are_read(anxi, tmp_path):
    """KML placemarks (folder = township, ExtendedData fields) and the same as a KMZ are read."""
    (t1, v1, x1, y1), (t2, v2, x2, y2), _ = _rows(anxi)
    text = KML.format(t1=t1, v1=v1, x1=x1, y1=y1, t2=t2, v2=v2, x2=x2, y2=y2)
    kml = tmp_path / "villages.kml"
    kml.write_text(text, encoding="utf-8")
    c, rec = _load(kml)
    assert _dist_m(c, v1, x1, y1) < 0.01 and _dist_m(c, v2, x2, y2) < 0.01
    assert c.villages.set_index("name").loc[v1, "parcels_down"] == 25
    assert "skipped 1 placemarks that are not points" in _text(rec, InputFileWarning)
    kmz = tmp_path / "奥维导出.kmz"
    with zipfile.ZipFile(kmz, "w") as z:
        z.writestr("doc.kml", text.replace(' xmlns="http://www.opengis.net/kml/2.2"', ""))
    c2, _ = _load(kmz)
    assert (c2.villages["position_source"] == "user").sum() == 2


def test_broken_kml_reports_its_line(tmp_path):
    """Malformed XML is an InputFileError with the line, not a traceback."""
    p = tmp_path / "bad.kml"
    p.write_text("<kml>\n<Document>\n<Placemark><name>x</name>\n</Document></kml>\n",
                 encoding="utf-8")
    with pytest.raises(InputFileError, match="bad.kml, line 4: not valid KML/XML"):
        load_county("安溪", village_file=p)


def test_community_short_names_and_codes_match(anxi, tmp_path):
    """下西 and 下西社区 both match 下西社区居委会; a 村代码 column matches without a township."""
    x, y = 118.182, 25.057
    for short in ("下西", "下西社区"):
        p = tmp_path / f"{short}.csv"
        p.write_text(f"乡镇,村名,经度,纬度\n凤城,{short},{x},{y}\n", encoding="utf-8")
        c, _ = _load(p)
        assert c.villages.set_index("name").loc["下西社区居委会", "position_source"] == "user"
    p = tmp_path / "codes.csv"
    p.write_text(f"村代码,经度,纬度\n350524100002,{x},{y}\n", encoding="utf-8")
    c, _ = _load(p)
    assert c.villages.set_index("village_id").loc["350524100002", "position_source"] == "user"


def test_unknown_township_with_a_unique_village_name_is_matched_with_a_notice(tmp_path):
    """凤成镇 (typo) / 下西: matched by the village name, unique in the county, and said so."""
    p = tmp_path / "town_typo.csv"
    p.write_text("乡镇,村名,经度,纬度\n凤成镇,下西,118.182,25.057\n", encoding="utf-8")
    c, rec = _load(p)
    assert c.villages.set_index("name").loc["下西社区居委会", "position_source"] == "user"
    assert "line 2 凤成镇 -> 凤城镇" in _text(rec, InputFileWarning)


def test_unmatched_name_gets_did_you_mean(tmp_path):
    """A mistyped 祥部 is ignored with the suggestion 祥都社区居委会 and its line."""
    p = tmp_path / "typo.csv"
    p.write_text("乡镇,村名,经度,纬度\n凤城镇,下西,118.182,25.057\n凤城镇,祥部,118.19,25.06\n",
                 encoding="utf-8")
    _, rec = _load(p)
    text = _text(rec, DataQualityWarning)
    assert "line 3 凤城镇/祥部: no such village; did you mean 祥都社区居委会" in text
    assert "是否指 祥都社区居委会" in text


def test_file_of_another_county_is_refused(tmp_path):
    """No row matching the county is an error (wrong county?), not an all-synthetic plan."""
    p = tmp_path / "other.csv"
    p.write_text("乡镇,村名,经度,纬度\n某镇,甲村,118.18,25.06\n某镇,乙村,118.19,25.06\n",
                 encoding="utf-8")
    with pytest.raises(InputFileError, match="none of the rows matches the 492 official villages"):
        load_county("安溪", village_file=p)


def test_point_in_another_province_is_named_and_excluded(anxi, tmp_path):
    """A village typed into Jiangxi is named (file, line, village, km) and stays synthetic."""
    (t1, v1, x1, y1), (t2, v2, x2, y2), _ = _rows(anxi)
    p = tmp_path / "far.csv"
    p.write_text(f"乡镇,村名,经度,纬度\n{t1},{v1},{x1},{y1}\n{t2},{v2},{x2 - 2.5},{y2 + 2.0}\n",
                 encoding="utf-8")
    c, rec = _load(p)
    text = _text(rec, DataQualityWarning)
    assert "far.csv：1 个坐标明显有误，已排除" in text and f"第 3 行 {v2} 在县界外" in text
    assert f"line 3 {v2}:" in text and " km outside the county" in text
    row = c.villages.set_index("name")
    assert row.loc[v2, "position_source"] == "synthetic"
    assert row.loc[v1, "position_source"] == "user"
    assert _dist_m(c, v2, x2, y2) < 0.01  # kept its synthetic (in-county) position
    assert "far-off points excluded" in c.provenance["positions"].description


def test_point_far_from_its_township_is_named_and_excluded(anxi, tmp_path):
    """Inside the county but 15+ km from the other villages of its township: named, excluded."""
    t = anxi.townships.set_index("township_id")["name"]
    v = anxi.villages
    tid = v["township_id"].value_counts().index[0]
    mine = v[v["township_id"] == tid].head(6)
    mx, my = np.median(mine.geometry.x), np.median(mine.geometry.y)
    d = haversine_m(v.geometry.x, v.geometry.y, mx, my)
    fx, fy = v.geometry.x.iloc[int(np.argmax(d))], v.geometry.y.iloc[int(np.argmax(d))]
    assert d.max() > 20000
    lines = [f"{t[tid]},{r.name},{r.geometry.x},{r.geometry.y}" for r in mine.iloc[:5].itertuples()]
    odd = mine.iloc[5]["name"]
    lines.append(f"{t[tid]},{odd},{fx},{fy}")
    p = tmp_path / "town.csv"
    p.write_text("乡镇,村名,经度,纬度\n" + "\n".join(lines) + "\n", encoding="utf-8")
    c, rec = _load(p)
    assert f"line 7 {odd}:" in _text(rec, DataQualityWarning)
    assert "from the other villages of its township" in _text(rec, DataQualityWarning)
    assert c.villages.set_index("name").loc[odd, "position_source"] == "synthetic"
    assert (c.villages["position_source"] == "user").sum() == 5


def test_projected_geojson_is_reprojected_and_projected_shapefile_without_prj_refused(anxi,
                                                                                    tmp_path):
    """A UTM GeoJSON is honoured; the same Shapefile without its .prj is refused with the fix."""
    (t1, v1, x1, y1), *_ = _rows(anxi)
    g = gpd.GeoDataFrame({"乡镇": [t1], "村名": [v1]}, geometry=gpd.points_from_xy([x1], [y1]),
                         crs="EPSG:4326").to_crs("EPSG:32650")
    g["x"], g["y"] = g.geometry.x, g.geometry.y  # metres in attribute columns: not lon/lat
    g.to_file(tmp_path / "utm.geojson", driver="GeoJSON")
    c, rec = _load(tmp_path / "utm.geojson")
    assert _dist_m(c, v1, x1, y1) < 0.01
    assert "columns not used: x, y" in _text(rec, InputFileWarning)
    g.to_file(tmp_path / "utm.shp", encoding="utf-8")
    (tmp_path / "utm.prj").unlink()
    with pytest.raises(InputFileError, match="utm.shp: the layer has no CRS .*supply the .prj"):
        load_county("安溪", village_file=tmp_path / "utm.shp")


def test_gbk_shapefile_without_cpg_is_decoded(anxi, tmp_path):
    """A GBK Shapefile without its .cpg (Chinese ArcGIS) reads its Chinese names, not mojibake."""
    (t1, v1, x1, y1), *_ = _rows(anxi)
    g = gpd.GeoDataFrame({"乡镇": [t1], "村名": [v1]}, geometry=gpd.points_from_xy([x1], [y1]),
                         crs="EPSG:4326")
    g.to_file(tmp_path / "gbk.shp", encoding="gbk")
    (tmp_path / "gbk.cpg").unlink(missing_ok=True)
    c, _ = _load(tmp_path / "gbk.shp")
    assert _dist_m(c, v1, x1, y1) < 0.01


def test_village_polygons_give_their_representative_point(anxi, tmp_path):
    """A GPKG of village polygons uses a point inside each, with a notice."""
    (t1, v1, x1, y1), *_ = _rows(anxi)
    pt = gpd.GeoSeries(gpd.points_from_xy([x1], [y1]), crs="EPSG:4326").to_crs("EPSG:32650")
    poly = pt.buffer(200).to_crs("EPSG:4326")
    gpd.GeoDataFrame({"township": [t1], "village": [v1]}, geometry=poly).to_file(
        tmp_path / "v.gpkg", driver="GPKG")
    c, rec = _load(tmp_path / "v.gpkg")
    assert _dist_m(c, v1, x1, y1) < 300
    assert "features are not points" in _text(rec, InputFileWarning)


def test_negative_parcels_are_refused_with_file_and_line():
    """日均下行件 = -5 (tests/data/village_negative_parcels.csv) is refused at line 3."""
    with pytest.raises(InputFileError, match="village_negative_parcels.csv, line 3: parcels_down = "
                       "-5 is not allowed"):
        load_county("安溪", village_file=DATA / "village_negative_parcels.csv")


def test_empty_and_header_only_village_files_are_refused():
    """A 0-byte file and a header-only file are clear errors, not EmptyDataError or a warning."""
    with pytest.raises(InputFileError, match="village_empty.csv.*the file is empty"):
        load_county("安溪", village_file=DATA / "village_empty.csv")
    with pytest.raises(InputFileError, match="village_header_only.csv.*but no data rows"):
        load_county("安溪", village_file=DATA / "village_header_only.csv")


def test_two_gigabyte_village_csv_is_refused_at_once(tmp_path):
    """A 2 GB village CSV (sparse: nothing is written) is refused before it is read."""
    big = tmp_path / "villages.csv"
    with open(big, "wb") as fh:
        fh.write("乡镇,村名,经度,纬度\n".encode())
        fh.truncate(2 * 1024**3)
    t0 = time.perf_counter()
    with pytest.raises(InputFileError, match="villages.csv: the file is 2,147 MB"):
        load_county("安溪", village_file=big)
    assert time.perf_counter() - t0 < 5.0


def test_file_with_far_more_rows_than_villages_is_refused_quickly(tmp_path):
    """200,000 rows for a 492-village county is refused (wrong file?) in seconds, not minutes."""
    p = tmp_path / "huge.csv"
    p.write_text("乡镇,村名,经度,纬度\n" + "某镇,某村,118.1,25.0\n" * 200_000, encoding="utf-8")
    t0 = time.perf_counter()
    with pytest.raises(InputFileError, match="the file has 200,000 rows but the county has 492"):
        load_county("安溪", village_file=p)
    assert time.perf_counter() - t0 < 30.0


@pytest.mark.parametrize("name, message", [
    ("village_zip_bomb.kmz", "zip bomb"),
    ("village_zip_bomb.xlsx", "zip bomb"),
    ("village_entity_expansion.kml", "forbidden entities"),
])
def test_hostile_files_are_refused_within_a_second(name, message):
    """Zip bombs (30 MB of padding packed 1000:1) and billion-laughs XML are refused fast."""
    t0 = time.perf_counter()
    with pytest.raises(InputFileError, match=f"{name}.*{message}"):
        load_county("安溪", village_file=DATA / name)
    assert time.perf_counter() - t0 < 5.0  # load_county takes ~1 s; inflating would take longer


def test_partial_demand_is_labelled_per_village_with_counts(anxi, tmp_path):
    """A file giving parcels for 2 of 492 villages labels 2 user, 490 assumed, layer not 'user'."""
    (t1, v1, x1, y1), (t2, v2, x2, y2), (t3, v3, x3, y3) = _rows(anxi)
    p = tmp_path / "d.csv"
    p.write_text(f"乡镇,村名,经度,纬度,日均下行件\n{t1},{v1},{x1},{y1},12\n{t2},{v2},{x2},{y2},8\n"
                 f"{t3},{v3},{x3},{y3},\n", encoding="utf-8")
    c, _ = _load(p)
    prov = c.provenance["demand"]
    assert prov.counts == {"villages": {"user": 2, "assumed": 490}} and prov.source == "synthetic"
    assert prov.sha256 == c.provenance["positions"].sha256 and len(prov.sha256) == 64
    assert prov.description.startswith(
        "2 of 492 villages: parcels/day from the planner's file d.csv")
    assert (c.villages["demand_source"] == "user").sum() == 2
    assert c.provenance["positions"].counts["villages"] == {"user": 3, "synthetic": 489}


def test_cli_template_lists_every_official_village_and_reads_back_filled(tmp_path):
    """geography --template writes 492 rows with codes; a partly filled copy is read back."""
    from click.testing import CliRunner

    from ruralnet.cli.main import main

    path = tmp_path / "villages.xlsx"
    r = CliRunner().invoke(main, ["geography", "--county", "安溪", "--template", str(path)])
    assert r.exit_code == 0, r.output
    assert "492 villages" in r.output
    book = openpyxl.load_workbook(path)
    ws = book["村庄"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:6] == ("乡镇", "村代码", "村名", "经度", "纬度", "坐标系")
    assert len(rows) == 493 and rows[1][:3] == ("凤城镇", "350524100001", "下西社区居委会")
    b = coordTransform.wgs84_to_bd09(118.182, 25.057)
    ws["D2"], ws["E2"], ws["F2"] = b[0], b[1], "BD09"
    ws["J3"] = 20  # parcels for 祥都 without coordinates: used, position stays synthetic
    book.save(path)
    c, rec = _load(path)
    row = c.villages.set_index("name")
    assert _dist_m(c, "下西社区居委会", 118.182, 25.057) < 1.0
    assert row.loc["祥都社区居委会", "position_source"] == "synthetic"
    assert row.loc["祥都社区居委会", "parcels_down"] == 20
    assert c.provenance["demand"].counts == {"villages": {"user": 1, "assumed": 491}}
    assert not _text(rec, InputFileWarning)  # every template column is a known header
    r = CliRunner().invoke(main, ["geography", "--county", "安溪", "--template", str(path)])
    assert r.exit_code == 1 and "exists and is not overwritten" in r.output


def test_cli_empty_village_file_exits_1_with_a_message(tmp_path):
    """The 0-byte file of issue 18 gives exit 1 and a bilingual message, not exit 70."""
    from click.testing import CliRunner

    from ruralnet.cli.main import main

    r = CliRunner().invoke(main, ["geography", "--county", "安溪", "--village-file",
                                  str(DATA / "village_empty.csv"), "--out", str(tmp_path / "o")])
    assert r.exit_code == 1 and "文件为空" in r.output and "file is empty" in r.output
    assert "Traceback" not in r.output and "internal error" not in r.output


def test_cli_crs_option_converts_a_baidu_file(anxi, tmp_path):
    """geography --village-file baidu.csv --crs bd09 writes WGS-84 village positions."""
    import json

    from click.testing import CliRunner

    from ruralnet.cli.main import main

    (t1, v1, x1, y1), *_ = _rows(anxi)
    b = coordTransform.wgs84_to_bd09(x1, y1)
    p = tmp_path / "baidu.csv"
    p.write_text(f"乡镇,村名,经度,纬度\n{t1},{v1},{b[0]},{b[1]}\n", encoding="utf-8")
    out = tmp_path / "g"
    with warnings.catch_warnings():
        warnings.simplefilter("default")  # the CLI prints warnings instead of raising them
        r = CliRunner().invoke(main, ["geography", "--county", "安溪", "--village-file", str(p),
                                      "--crs", "bd09", "--no-network", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "警告 warning: baidu.csv：官方名单中 491 个村没有可用坐标" in r.output
    feats = json.loads((out / "villages.geojson").read_text(encoding="utf-8"))["features"]
    mine = next(f for f in feats if f["properties"]["name"] == v1)
    lon, lat = mine["geometry"]["coordinates"]
    assert float(haversine_m(lon, lat, x1, y1)) < 1.0
    assert mine["properties"]["position_source"] == "user"


@pytest.mark.slow
def test_plan_json_labels_demand_per_village_with_counts(tmp_path):
    """A 双柏 file with parcels for 5 villages: plan.json says 5 user / 80 assumed, per village."""
    from ruralnet.plan.build import make_plan
    from ruralnet.plan.document import validate_plan

    base = load_county("双柏")
    t = base.townships.set_index("township_id")["name"]
    five = base.villages.head(5)
    lines = [f"{t[r.township_id]},{r.name},,,{10 + i}" for i, r in enumerate(five.itertuples())]
    p = tmp_path / "d.csv"
    p.write_text("乡镇,村名,经度,纬度,日均下行件\n" + "\n".join(lines) + "\n", encoding="utf-8")
    c, _ = _load_named("双柏", p)
    plan = make_plan(c, seed=0)
    demand = plan.data["provenance"]["demand"]
    assert demand["counts"] == {"villages": {"user": 5, "assumed": 80}}
    assert demand["source"] == "synthetic"
    assert "demand" in plan.data["provenance"]["synthetic_layers"]
    by_id = {v["id"]: v for v in plan.data["villages"]}
    assert [by_id[str(i)]["demand_source"] for i in five["village_id"]] == ["user"] * 5
    assert sum(v["demand_source"] == "assumed" for v in plan.data["villages"]) == 80
    assert validate_plan(plan) == []  # includes the JSON schema (demand_source, counts)


def _load_named(county, path):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        c = load_county(county, village_file=path)
    return c, rec


def test_dictionary_documents_every_accepted_header():
    """data/village_dictionary.md lists every synonym that ruralnet.geo.village_columns accepts."""
    from ruralnet.geo.village_columns import ALIASES

    doc = (Path(__file__).parents[1] / "data" / "village_dictionary.md").read_text(
        encoding="utf-8")
    missing = [n for names in ALIASES.values() for n in names if n not in doc]
    assert missing == []


def test_cli_refuses_an_unknown_crs_before_any_work(tmp_path):
    """--crs utm50 is a usage error (exit 2) naming the accepted datums."""
    from click.testing import CliRunner

    from ruralnet.cli.main import main

    r = CliRunner().invoke(main, ["geography", "--county", "安溪", "--village-file",
                                  str(DATA / "village_negative_parcels.csv"), "--crs", "utm50",
                                  "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "use wgs84, gcj02 (Amap/Tencent) or bd09 (Baidu)" in r.output


@pytest.mark.parametrize("name, message", [
    ("village_unterminated_quote.csv", "line 2: malformed CSV: unexpected end of data"),
    ("village_infinite_longitude.csv", "line 2: lon = 1e400 is not allowed"),
    ("village_half_coordinate.csv", "line 2: only one of lon and lat is given"),
    ("village_no_points.kml", "the KML holds no point placemarks; 1 line/polygon"),
    ("village_unknown_datum.csv", "line 2: unsupported crs 'UTM50'"),
])
def test_bad_input_corpus_is_refused_with_file_and_line(name, message):
    """Each defect in tests/data/ is an InputFileError naming the file (and line)."""
    with pytest.raises(InputFileError, match=f"{name}(: |, ){message}"):
        load_county("安溪", village_file=DATA / name)

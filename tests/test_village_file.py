import numpy as np
import pytest

from ruralnet.exceptions import InputFileError
from ruralnet.geo.coords import wgs84_to_gcj02
from ruralnet.geo.county import load_county

HEADER = "township,village,lon,lat,crs,population,poor,existing_site,parcels_down,parcels_up\n"


def _rows(anxi, n=3):
    v = anxi.villages[anxi.villages["kind"] == "village"].head(n)
    t = anxi.townships.set_index("township_id")["name"]
    return [(t[r.township_id], r.name, r.geometry.x, r.geometry.y) for r in v.itertuples()]


def _write(tmp_path, text, name="v.csv", encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def test_user_positions_replace_synthetic_ones_and_gcj02_is_converted(anxi, tmp_path):
    """Matched villages take the file's WGS-84 position; a GCJ-02 row is converted back."""
    (t1, v1, x1, y1), (t2, v2, x2, y2), (t3, v3, x3, y3) = _rows(anxi)
    gx, gy = wgs84_to_gcj02(x2 + 0.01, y2)
    text = HEADER + (f"{t1},{v1},{x1 + 0.01},{y1},WGS84,1000,是,邮政,50,10\n"
                     f"{t2},{v2},{gx},{gy},GCJ02,,否,,,\n")
    with pytest.warns(UserWarning, match="synthetic positions"):
        c = load_county("安溪", village_file=_write(tmp_path, text))
    row = c.villages.set_index("name")
    assert row.loc[v1, "position_source"] == "user"
    assert abs(row.loc[v1].geometry.x - (x1 + 0.01)) < 1e-9
    assert abs(row.loc[v2].geometry.x - (x2 + 0.01)) < 1e-8
    assert row.loc[v1, "poor"] and row.loc[v1, "existing_site"] == "邮政"
    assert row.loc[v1, "parcels_down"] == 50 and row.loc[v1, "parcels_up"] == 10
    assert row.loc[v3, "position_source"] == "synthetic"
    assert c.provenance["positions"].synthetic  # partly synthetic is labelled synthetic
    assert c.provenance["positions"].sha256


def test_chinese_headers_and_gbk_encoding_are_accepted(anxi, tmp_path):
    """A GBK CSV with Chinese column names (as Excel saves it) reads like UTF-8."""
    (t1, v1, x1, y1), *_ = _rows(anxi)
    text = f"乡镇,村,经度,纬度,贫困村\n{t1},{v1},{x1},{y1},是\n"
    with pytest.warns(UserWarning):
        c = load_county("安溪", village_file=_write(tmp_path, text, encoding="gbk"))
    assert c.villages.set_index("name").loc[v1, "poor"]


def test_missing_column_is_named_with_the_fix(tmp_path):
    """A file without lat is refused, naming the column and the template."""
    p = _write(tmp_path, "township,village,lon\n凤城镇,下西社区居委会,118.1\n")
    with pytest.raises(InputFileError, match="缺少必需的列：lat；文件中的表头为：township、"
                       "village、lon.*village_template.csv.*headers found are: township, "
                       "village, lon"):
        load_county("安溪", village_file=p)


def test_non_numeric_coordinate_reports_its_line(anxi, tmp_path):
    """A text longitude on data row 2 is reported as line 3 of the file."""
    (t1, v1, x1, y1), (t2, v2, *_), _ = _rows(anxi)
    p = _write(tmp_path, HEADER + f"{t1},{v1},{x1},{y1}\n{t2},{v2},东经118,{y1}\n")
    with pytest.raises(InputFileError, match="第 3 行.*lon 不是数字"):
        load_county("安溪", village_file=p)


def test_swapped_coordinates_are_detected(anxi, tmp_path):
    """lat in the lon column and vice versa is caught with the fix."""
    (t1, v1, x1, y1), *_ = _rows(anxi)
    p = _write(tmp_path, HEADER + f"{t1},{v1},{y1},{x1}\n")
    with pytest.raises(InputFileError, match="第 2 行.*经纬度似乎写反了"):
        load_county("安溪", village_file=p)


def test_duplicate_village_rows_are_refused_with_their_lines(anxi, tmp_path):
    """The same township and village twice is an error listing both lines."""
    (t1, v1, x1, y1), *_ = _rows(anxi)
    p = _write(tmp_path, HEADER + f"{t1},{v1},{x1},{y1}\n{t1},{v1},{x1},{y1}\n")
    with pytest.raises(InputFileError, match=r"重复的村.*\[2, 3\]"):
        load_county("安溪", village_file=p)


def test_unmatched_names_and_far_points_are_reported(anxi, tmp_path):
    """Rows not on the official list and points far outside the county produce warnings."""
    (t1, v1, x1, y1), *_ = _rows(anxi)
    p = _write(tmp_path, HEADER + f"{t1},{v1},{x1 + 1.0},{y1}\n{t1},不存在村,{x1},{y1}\n")
    with pytest.warns(UserWarning) as rec:
        load_county("安溪", village_file=p)
    text = " ".join(str(w.message) for w in rec)
    assert "1 行无法与官方村名单匹配" in text and f"第 3 行 {t1}/不存在村" in text
    assert f"第 2 行 {v1} 在县界外" in text and "已排除" in text


def test_geojson_village_file_is_read(anxi, tmp_path):
    """A GeoJSON with point geometry and name columns works like the CSV."""
    import geopandas as gpd

    (t1, v1, x1, y1), *_ = _rows(anxi)
    g = gpd.GeoDataFrame({"township": [t1], "village": [v1]},
                         geometry=gpd.points_from_xy([x1], [y1]), crs="EPSG:4326")
    g.to_file(tmp_path / "v.geojson", driver="GeoJSON")
    with pytest.warns(UserWarning):
        c = load_county("安溪", village_file=tmp_path / "v.geojson")
    assert (c.villages["position_source"] == "user").sum() == 1
    assert np.isclose(c.villages.set_index("name").loc[v1].geometry.x, x1)


def test_missing_file_is_a_clear_error(tmp_path):
    """A wrong path says file not found, not a traceback."""
    with pytest.raises(InputFileError, match="文件不存在"):
        load_county("安溪", village_file=tmp_path / "nope.csv")

"""Real township and county seats (GeoNames) in the default geography (issue 13 items 1–2)."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from ruralnet.geo.admin import seats_of, townships_of
from ruralnet.geo.coords import haversine_m
from ruralnet.geo.county import county_boundary, load_county
from ruralnet.geo.synthetic import balanced_partition, rng_for

ROOT = Path(__file__).resolve().parent.parent


def _build_seats():
    spec = importlib.util.spec_from_file_location("build_seats", ROOT / "tools/build_seats.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_anxi_has_22_real_seats_and_fengcheng_is_where_geonames_puts_it(anxi):
    """安溪: ≥ 22 of 24 seats real; 凤城镇 (county seat) within 500 m of 25.057 N, 118.182 E."""
    t = anxi.townships
    assert int((t["seat_source"] == "geonames").sum()) >= 22
    feng = t.set_index("name").loc["凤城镇"]
    assert feng["seat_source"] == "geonames"
    assert haversine_m(feng["seat_lon"], feng["seat_lat"], 118.182, 25.057) < 500
    assert anxi.seat_source == "geonames"
    assert haversine_m(anxi.seat_lon, anxi.seat_lat, 118.182, 25.057) < 500
    # the ones GeoNames lacks stay synthetic and are labelled so
    assert set(t.loc[t["seat_source"] == "synthetic", "name"]) <= {"大坪乡", "龙涓乡"}
    assert "乡镇驻地 22/24 为真实位置（GeoNames），村庄位置为合成" in anxi.summary()
    assert "GeoNames (geonames.org), CC BY 4.0" in anxi.provenance["positions"].description
    assert anxi.provenance["positions"].synthetic  # villages are still synthetic


def test_a_seat_without_geonames_is_drawn_inside_its_townships_box(anxi):
    """龙涓乡 has no GeoNames point but a sizhi box in 安溪: its synthetic seat sits in the box."""
    from ruralnet.geo.admin import township_boxes
    box = township_boxes("350524").set_index("code").loc["350524205"]
    lj = anxi.townships.set_index("township_id").loc["350524205"]
    assert lj["seat_source"] == "synthetic"
    assert box["west"] <= lj["seat_lon"] <= box["east"]
    assert box["south"] <= lj["seat_lat"] <= box["north"]
    assert lj.geometry.buffer(1e-6).contains(shapely.Point(lj["seat_lon"], lj["seat_lat"]))


def test_real_seats_lie_in_their_own_territory_and_villages_surround_them(anxi):
    """Territories are generated around the real seats: each seat inside its own territory."""
    t = anxi.townships
    for row in t.itertuples():
        assert row.geometry.buffer(1e-6).contains(shapely.Point(row.seat_lon, row.seat_lat)), \
            row.name
    feng = t.set_index("name").loc["凤城镇"]
    v = anxi.villages
    comm = v[(v["township_id"] == feng["township_id"]) & (v["kind"] == "community")]
    d = haversine_m(comm.geometry.x.to_numpy(), comm.geometry.y.to_numpy(),
                    feng["seat_lon"], feng["seat_lat"])
    assert len(comm) and float(np.median(d)) < 3500  # communities cluster round the real town


# Same-named seats in different provinces: each county must get its own point
# (GeoNames positions, geonameid in the comment).
SAMPLE = [
    ("140522", "凤城镇", 112.40428, 35.4922),   # 阳城县, 山西 (1787667)
    ("141121", "凤城镇", 112.02333, 37.43278),  # 文水县, 山西 (1791420)
    ("350803", "凤城街道", 116.72429, 24.72365),  # 永定区, 福建: GeoNames 凤城镇 (1811418)
    ("500115", "凤城街道", 107.06019, 29.82587),  # 长寿区, 重庆 (8416626)
    ("310120", "奉城镇", 121.6404, 30.91578),   # 奉贤区, 上海 (1811415)
    ("350524", "湖头镇", 118.04848, 25.22979),  # 安溪县, 福建 (1787231)
    ("520326", "茅天镇", 108.08435, 28.94526),  # 务川县, 贵州 (1550533)
    ("510821", "东河镇", 106.30126, 32.23341),  # 旺苍县, 四川: county seat (PPLA3 1808103)
    ("421202", "横沟桥镇", 114.35629, 29.9322),  # 咸安区, 湖北 (1808490)
    ("445203", "霖磐镇", 116.23655, 23.55462),  # 揭东区, 广东 (1919667)
    ("230223", "依龙镇", 125.35867, 47.47105),  # 依安县, 黑龙江 (2033398)
    ("654301", "萨尔胡松乡", 87.54161, 47.49371),  # 阿勒泰市, 新疆 (8549378)
]


@pytest.mark.parametrize(("county", "name", "lon", "lat"), SAMPLE)
def test_seat_match_on_a_sample_of_counties(county, name, lon, lat):
    """The match is county by county: the right 凤城 goes to the right county's 凤城镇."""
    seats = seats_of(county)
    towns = townships_of(county).set_index("name")
    code = towns.loc[name, "code"]
    row = seats[seats["code"] == code]
    assert len(row) == 1
    assert haversine_m(row["lon"].iloc[0], row["lat"].iloc[0], lon, lat) < 50
    # every real seat of the county lies in (or within 3 km of) the county polygon
    poly = county_boundary(_record(county)).geometry.iloc[0]
    for r in seats.itertuples():
        assert poly.distance(shapely.Point(r.lon, r.lat)) < 0.03, r.code
    # seats are unique: no GeoNames point serves two townships
    tw = seats[seats["level"] == "township"]
    assert not tw["geonameid"].duplicated().any()


def _record(code):
    from ruralnet.geo.admin import resolve_county
    return resolve_county(code)


def test_coverage_across_provinces_is_that_of_the_readme():
    """The embedded file covers about a third of China's townships, every province some."""
    import pandas as pd
    s = pd.read_csv(ROOT / "data/admin/seats.csv.gz", dtype=str)
    tw = s[s["level"] == "township"]
    total = len(pd.read_csv(ROOT / "data/admin/townships.csv.gz", dtype=str))
    assert 0.25 < len(tw) / total < 0.5
    assert tw["code"].str[:2].nunique() >= 31
    assert (ROOT / "data/admin/seats.csv.gz").stat().st_size < 1_000_000
    readme = (ROOT / "data/README.md").read_text(encoding="utf-8")
    assert f"{len(tw[tw['code'].str[6] == '1'])}/" in readme  # towns matched, as in the table
    assert "CC BY 4.0" in readme


def test_match_rejects_ambiguous_candidates_and_uses_the_suffixless_name():
    """Two distant same-named points → rejected; one point claimed twice → rejected."""
    bs = _build_seats()
    from collections import Counter

    def pt(i, zh, lon, lat, feature="PPLA4"):
        return {"id": i, "zh": zh, "latin": [], "lon": lon, "lat": lat, "feature": feature}

    towns = [{"code": "1", "name": "甲镇", "county": "999999"},
             {"code": "2", "name": "乙乡", "county": "999999"},
             {"code": "3", "name": "丙丁畲族乡", "county": "999999"},
             {"code": "4", "name": "戊己街道", "county": "999999"},
             {"code": "5", "name": "戊己镇", "county": "999999"}]
    pts = [pt(10, ["甲镇"], 118.0, 25.0), pt(11, ["甲镇"], 118.3, 25.0),  # 30 km apart
           pt(12, ["乙乡"], 118.1, 25.1),
           pt(13, ["丙丁"], 118.2, 25.2),                                # suffixless match
           pt(14, ["戊己"], 118.25, 25.25)]                              # claimed by 4 and 5
    stats = Counter()
    m = bs.match_county(towns, pts, set(), stats)
    assert set(m) == {"2", "3"}
    assert m["2"][0]["id"] == 12 and m["2"][1] == "name"
    assert m["3"][0]["id"] == 13 and m["3"][1] == "short"
    assert stats["ambiguous_township"] == 1 and stats["ambiguous_point"] == 2
    assert bs.strip_suffix("丙丁畲族乡") == "丙丁" and bs.strip_suffix("戊己街道") == "戊己"


def test_pinyin_match_only_for_points_without_a_chinese_name():
    """A Latin-only place matches by pinyin; a point with another Chinese name never does."""
    pytest.importorskip("pypinyin")
    bs = _build_seats()
    from collections import Counter
    towns = [{"code": "1", "name": "龙门镇", "county": "999999"},
             {"code": "2", "name": "凤城镇", "county": "999999"}]
    pts = [{"id": 1, "zh": [], "latin": ["Longmen", "Lung-men"], "lon": 118.0, "lat": 25.0,
            "feature": "PPL"},
           {"id": 2, "zh": ["丰城街道"], "latin": ["Fengcheng"], "lon": 118.2, "lat": 25.0,
            "feature": "PPLA4"}]
    m = bs.match_county(towns, pts, set(), Counter())
    assert set(m) == {"1"} and m["1"][1] == "place_pinyin"


def test_fixed_seats_stay_put_in_the_partition():
    """balanced_partition with fixed centres: each fixed seat ends in its own region."""
    rng = rng_for("999999", 0)
    xy = rng.uniform(0, 10_000, (800, 2))
    fixed = np.full((5, 2), np.nan)
    fixed[1] = [9000, 9000]
    fixed[3] = [9300, 8700]  # two real seats close together in one corner
    xy = np.concatenate([xy, fixed[[1, 3]]])
    labels = balanced_partition(xy, np.full(5, 0.2), np.array([5000, 5000]), rng, fixed=fixed)
    assert labels[-2] == 1 and labels[-1] == 3
    assert set(labels) == set(range(5))


def test_real_seats_win_over_seats_derived_from_a_village_file(anxi, tmp_path):
    """With a village file, GeoNames seats stay; the others come from the planner's villages."""
    v = anxi.villages[anxi.villages["kind"] == "village"].head(2)
    t = anxi.townships.set_index("township_id")["name"]
    text = "township,village,lon,lat\n" + "".join(
        f"{t[r.township_id]},{r.name},{r.geometry.x + 0.001},{r.geometry.y}\n"
        for r in v.itertuples())
    p = tmp_path / "v.csv"
    p.write_text(text, encoding="utf-8")
    with pytest.warns(UserWarning):
        c = load_county("安溪", village_file=p)
    src = c.townships["seat_source"].value_counts().to_dict()
    # the two villages are not in the 2 townships without a GeoNames seat: those stay synthetic
    assert src == {"geonames": 22, "synthetic": 2}
    feng = c.townships.set_index("name").loc["凤城镇"]
    assert (feng["seat_lon"], feng["seat_lat"]) == (118.18203, 25.05706)
    counts = c.provenance["positions"].counts
    assert counts["villages"] == {"synthetic": len(c.villages) - 2, "user": 2}
    assert c.provenance["positions"].source == "synthetic"


def test_plan_json_counts_positions_by_source(tmp_path):
    """End to end on a small county (武陵源区, 4 townships): counts, banner, attribution, schema."""
    from ruralnet.plan.build import make_plan
    from ruralnet.plan.document import Plan, validate_plan

    c = load_county("武陵源")
    plan = make_plan(c)
    path = plan.to_json(tmp_path / "plan.json")
    d = json.loads(path.read_text(encoding="utf-8"))
    prov = d["provenance"]
    counts = prov["geography"]["counts"]
    seats = [x["seat_source"] for x in d["townships"]]
    assert counts["township_seats"] == {s: seats.count(s) for s in set(seats)}
    assert counts["township_seats"].get("geonames", 0) >= 1
    assert counts["villages"] == {"synthetic": len(d["villages"])}
    assert counts["county_seat"] == {d["county"]["seat_source"]: 1}
    assert "geography" in prov["synthetic_layers"]  # the banner stays
    n = len(d["townships"])
    real = counts["township_seats"]["geonames"]
    expect = f"乡镇驻地 {real}/{n} 为真实位置（GeoNames），村庄位置为合成"
    assert prov["positions_summary"] == expect
    assert "CC BY 4.0" in prov["attribution"]
    loaded = Plan.from_json(path)
    assert validate_plan(loaded) == []
    assert prov["positions_summary"] in loaded.summary()
    # validate_plan notices counts that disagree with the features
    d["townships"][0]["seat_source"] = "user"
    assert any("counts.township_seats" in p for p in validate_plan(d))


def test_written_layers_carry_each_features_source(anxi, tmp_path):
    """county.gpkg: township seats say geonames or synthetic one by one, villages likewise."""
    import geopandas as gpd
    anxi.to_file(tmp_path)
    seats = gpd.read_file(tmp_path / "county.gpkg", layer="township_seats")
    assert seats["data_source"].value_counts().to_dict() == {"geonames": 22, "synthetic": 2}
    feng = seats.set_index("name").loc["凤城镇"]
    assert haversine_m(feng.geometry.x, feng.geometry.y, 118.182, 25.057) < 500
    vills = gpd.read_file(tmp_path / "county.gpkg", layer="villages")
    assert set(vills["data_source"]) == {"synthetic"}


def test_a_seat_is_derived_only_from_enough_of_the_townships_villages(anxi, tmp_path):
    """大坪乡 with all 7 villages in the file gets a seat from them (user); 龙涓乡 with 1 of 36
    keeps its synthetic seat, and the warning names it with its count."""
    v = anxi.villages
    dp = v[v["township_id"] == "350524204"]  # 大坪乡: all villages
    lj = v[v["township_id"] == "350524205"].head(1)  # 龙涓乡: one of 36
    rows = pd.concat([dp, lj])
    t = anxi.townships.set_index("township_id")["name"]
    p = tmp_path / "v.csv"
    p.write_text("township,village,lon,lat\n" + "".join(
        f"{t[r.township_id]},{r.name},{r.geometry.x + 0.001},{r.geometry.y}\n"
        for r in rows.itertuples()), encoding="utf-8")
    with pytest.warns(UserWarning) as rec:
        c = load_county("安溪", village_file=p)
    towns = c.townships.set_index("name")
    assert towns.loc["大坪乡", "seat_source"] == "user"
    assert towns.loc["龙涓乡", "seat_source"] == "synthetic"
    before = anxi.townships.set_index("name")
    assert (towns.loc["龙涓乡", "seat_lon"], towns.loc["龙涓乡", "seat_lat"]) == (
        before.loc["龙涓乡", "seat_lon"], before.loc["龙涓乡", "seat_lat"])
    seat = (towns.loc["大坪乡", "seat_lon"], towns.loc["大坪乡", "seat_lat"])
    assert any(abs(seat[0] - r.geometry.x - 0.001) < 1e-6 and abs(seat[1] - r.geometry.y) < 1e-6
               for r in dp.itertuples())  # at one of the file's positions of 大坪乡
    few = [str(w.message) for w in rec if "too few villages" in str(w.message)]
    assert len(few) == 1 and "龙涓乡 1/36" in few[0] and "大坪乡" not in few[0]
    assert c.provenance["positions"].counts["township_seats"] == {
        "geonames": 22, "synthetic": 1, "user": 1}

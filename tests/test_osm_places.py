"""Tests of ruralnet.geo.osm_places and ruralnet.roads.osm_county: village positions from OSM."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from osm_data import ANXI_AREA, ANXI_PLACES, anxi_extract, convert

from ruralnet.geo.osm_places import MatchParams, match_osm_places, name_key, with_osm_positions
from ruralnet.roads.osm_county import read_county_osm


@pytest.fixture(scope="module")
def county():
    from ruralnet.geo.county import load_county

    return load_county("安溪")


@pytest.fixture(scope="module")
def pbf(county, tmp_path_factory):
    return anxi_extract(county, tmp_path_factory.mktemp("anxi") / "anxi.osm.pbf")


@pytest.fixture(scope="module")
def result(county, pbf):
    return read_county_osm(county, pbf)


def status_of(result, village_id: str) -> pd.Series:
    v = result.match.villages
    return v[v["village_id"] == village_id].iloc[0]


# ---------------------------------------------------------------- each case


@pytest.mark.parametrize("case", [c for c in ANXI_PLACES if c[3][0] is not None],
                         ids=lambda c: c[1].get("name:zh", c[1]["name"]))
def test_each_test_place_is_matched_or_refused_as_designed(result, case):
    """Exact, suffix, name:zh, repeated, far and doubled names end as ANXI_PLACES says."""
    _, _, _, (village_id, status, method) = case
    row = status_of(result, village_id)
    assert row["status"] == status, row["reason"]
    if status == "matched":
        assert row["method"] == method
        assert row["osm_ref"] == f"node/{10**9 + case[0]}"


def test_a_named_area_gives_its_centroid(result, county):
    """龙溪村 mapped as a closed way is matched at the centre of its square."""
    row = status_of(result, ANXI_AREA[2])
    synthetic = county.villages.set_index("village_id").geometry[ANXI_AREA[2]]
    assert row["status"] == "matched" and row["osm_ref"] == f"way/{10**9 + ANXI_AREA[0]}"
    assert (row["lon"], row["lat"]) == pytest.approx((synthetic.x, synthetic.y), abs=1e-6)


def test_repeated_name_goes_to_the_place_in_each_township(result):
    """上西社区 (凤城镇) and 上西村 (蓬莱镇) each take the 上西 inside their own territory."""
    a, b = status_of(result, "350524100011"), status_of(result, "350524101206")
    assert a["osm_ref"] != b["osm_ref"]
    places = result.match.places.set_index("osm_ref")
    assert places.at[a["osm_ref"], "township_id"] == "350524100"
    assert places.at[b["osm_ref"], "township_id"] == "350524101"


def test_refusals_name_the_reason_and_the_places(result):
    """The doubled 湖一村 lists both places; the far 下洋村 gives its distance from the seat."""
    hu = status_of(result, "350524102201")
    assert "node/1000000109" in hu["reason"] and "node/1000000110" in hu["reason"]
    assert "km apart" in hu["reason"]
    far = status_of(result, "350524205201")
    assert "lies outside 龙涓乡" in far["reason"] and "km from its seat" in far["reason"]


def test_places_outside_the_county_are_ignored(result):
    """祥都社区's namesake in the neighbouring county is no candidate and not listed."""
    assert status_of(result, "350524100002")["status"] == "unmatched"
    assert "node/1000000112" not in set(result.match.places["osm_ref"])


def test_pbf_and_xml_forms_give_the_same_matches(result, county, pbf, tmp_path):
    """The extract as .osm XML matches exactly as the .osm.pbf does."""
    xml = read_county_osm(county, convert(pbf, tmp_path / "anxi.osm"))
    pd.testing.assert_frame_equal(xml.match.villages, result.match.villages)
    pd.testing.assert_frame_equal(xml.match.places, result.match.places)


# ---------------------------------------------------------------- positions


def test_matched_villages_move_to_osm_labelled_with_the_element(result):
    """Matched villages get the OSM position, position_source 'osm' and the OSM element."""
    v = result.county.villages.set_index("village_id")
    row = status_of(result, "350524100201")
    assert v.at["350524100201", "position_source"] == "osm"
    assert v.at["350524100201", "position_ref"] == row["osm_ref"]
    assert (v.geometry["350524100201"].x, v.geometry["350524100201"].y) == (row["lon"], row["lat"])
    assert (v["position_source"] == "osm").sum() == result.match.counts()["matched"] == 8
    assert set(v.loc[v["position_source"] == "synthetic", "position_ref"]) == {""}


def test_planners_file_wins_over_osm(result, county):
    """A village already placed by the planner's file (user) keeps its position."""
    v = county.villages.copy()
    v.loc[v["village_id"] == "350524100201", "position_source"] = "user"
    moved = with_osm_positions(replace(county, villages=v), result.match)
    m = moved.villages.set_index("village_id")
    assert m.at["350524100201", "position_source"] == "user"
    assert m.geometry["350524100201"] == county.villages.set_index("village_id").geometry[
        "350524100201"]
    assert (m["position_source"] == "osm").sum() == 7
    assert "7 moved, 1 kept from the planner's file" in moved.provenance["positions"].description


def test_positions_layer_stays_synthetic_and_counts_sources(result):
    """The positions layer is still synthetic (seats, 484 villages) and says the counts."""
    p = result.county.provenance["positions"]
    assert p.source == "synthetic"
    assert "村庄位置 village positions：OSM 8 / 合成 synthetic 484" in p.description
    assert "OSM 8 / 合成 synthetic 484" in result.summary()


def test_unmatched_csv_lists_official_villages_and_osm_places(result, tmp_path):
    """The CSV holds every unmatched official unit and every unmatched OSM place, with reasons."""
    path = result.match.write_csv(tmp_path / "osm_villages.csv")
    table = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    official = table[table["table"] == "official_village"]
    places = table[table["table"] == "osm_place"]
    assert len(official) == 492 - 8
    assert set(places["name"]) == {"下洋村", "湖一村", "无名坑"}
    assert official.set_index("id").at["350524102201", "status"] == "ambiguous"


def test_max_seat_km_decides_the_far_refusal(result, county):
    """下洋村 61 km from its seat is refused at 15 km and accepted at 100 km; 0 is refused."""
    places = read_places(result)
    loose = match_osm_places(county, places, MatchParams(max_seat_km=100)).villages
    assert loose.set_index("village_id").at["350524205201", "status"] == "matched"
    with pytest.raises(ValueError, match="max_seat_km must be > 0"):
        MatchParams(max_seat_km=0)


def read_places(result) -> pd.DataFrame:
    """The extract's places table back from the match (the columns the matcher reads)."""
    p = result.match.places
    return pd.DataFrame({"osm_ref": p["osm_ref"], "place": p["place"], "name": p["name"],
                         "lon": p["lon"], "lat": p["lat"],
                         "is_area": p["osm_ref"].str.startswith("way/")})


def test_a_place_claimed_by_two_villages_goes_to_the_exact_name(county):
    """'上西社区' is exact for 上西社区居委会 and only a suffix match of nothing else: kept."""
    p = county.villages.set_index("village_id").geometry["350524100011"]
    places = pd.DataFrame([{"osm_ref": "node/1", "place": "village", "name": "上西社区",
                            "lon": p.x, "lat": p.y, "is_area": False}])
    m = match_osm_places(county, places).villages.set_index("village_id")
    assert m.at["350524100011", "status"] == "matched"
    assert m.at["350524101206", "status"] == "unmatched"


def test_name_key_strips_committee_and_settlement_words():
    """Official and OSM spellings reduce to the same base; 村 and 社区 keep their kind."""
    assert name_key("上西村委会")[:2] == name_key("上西村")[:2] == ("上西", "village")
    assert name_key("上西社区居委会")[:2] == ("上西", "community")
    assert name_key("德苑社区居民会")[0] == name_key("德苑")[0] == "德苑"
    assert name_key("岭美村民委员会") == ("岭美", "village", "岭美村")


# ---------------------------------------------------------------- end to end


def test_geography_cli_reads_the_osm_file_for_roads_and_villages(pbf, tmp_path):
    """`ruralnet geography --osm-file` writes OSM villages, OSM roads and the unmatched CSV."""
    import geopandas as gpd
    from click.testing import CliRunner

    from ruralnet.cli import main

    out = tmp_path / "geo"
    res = CliRunner().invoke(main, ["geography", "--county", "安溪", "--osm-file", str(pbf),
                                    "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "村庄位置 village positions：OSM 8 / 合成 synthetic 484" in res.output
    villages = gpd.read_file(out / "villages.geojson")
    assert (villages["position_source"] == "osm").sum() == 8
    roads = gpd.read_file(out / "roads.geojson")
    assert set(roads["source"]) == {"osm"}
    table = pd.read_csv(out / "osm_villages.csv", dtype=str, encoding="utf-8-sig")
    assert len(table) == (492 - 8) + 4  # 下洋村, two 湖一村, 无名坑


def test_plan_cli_refuses_an_extract_of_elsewhere_without_a_traceback(tmp_path):
    """`ruralnet plan --osm-file` with the Finnish extract exits 1 naming both boxes."""
    from click.testing import CliRunner
    from osm_data import registry_extract

    from ruralnet.cli import main

    res = CliRunner().invoke(main, ["plan", "--county", "安溪", "--osm-file",
                                    str(registry_extract()), "--out", str(tmp_path / "p")])
    assert res.exit_code == 1, res.output
    assert "does not overlap the county: file box [26.9300" in res.output
    assert "Traceback" not in res.output and "internal error" not in res.output


@pytest.mark.slow
# the test roads are simplified to their junctions, so villages far from one get access legs
@pytest.mark.filterwarnings("ignore:.*joined by an access leg:UserWarning")
def test_plan_county_with_the_extract_counts_positions_in_plan_json(pbf):
    """plan_county(osm_file=...) plans on OSM roads and records 8 OSM / 484 synthetic villages."""
    from ruralnet.pipeline import plan_county

    used = []
    plan = plan_county("安溪", osm_file=pbf, inputs=used)
    geo = plan.data["provenance"]["geography"]
    assert geo["village_positions"] == {"osm": 8, "synthetic": 484}
    assert plan.data["provenance"]["network"]["source"] == "osm"
    refs = {v["id"]: v.get("position_ref") for v in plan.data["villages"]
            if v["position_source"] == "osm"}
    assert refs["350524100201"] == "node/1000000101" and len(refs) == 8
    assert used[0].osm.match.counts()["matched"] == 8


def test_geography_template_is_prefilled_with_the_osm_positions(pbf, result, tmp_path):
    """`geography --osm-file … --template` fills lon/lat of every OSM-matched village only."""
    import csv

    from click.testing import CliRunner

    from ruralnet.cli import main

    out = tmp_path / "villages.csv"
    r = CliRunner().invoke(main, ["geography", "--county", "安溪", "--osm-file", str(pbf),
                                  "--template", str(out)])
    assert r.exit_code == 0, r.output
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    filled = {row["村代码"]: (float(row["经度"]), float(row["纬度"]))
              for row in rows if row["经度"]}
    v = result.county.villages
    osm = v[v["position_source"] == "osm"]
    assert len(rows) == 492 and set(filled) == set(osm["village_id"].astype(str))
    first = osm.iloc[0]
    assert filled[str(first.village_id)] == pytest.approx((first.geometry.x, first.geometry.y),
                                                          abs=1e-6)
    assert f"{len(filled)} with OSM positions" in r.output

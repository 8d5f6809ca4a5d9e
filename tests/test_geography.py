import geopandas as gpd
import numpy as np
import pytest

from ruralnet.exceptions import AmbiguousCountyError
from ruralnet.geo.county import DemandParams, load_county


def test_anxi_default_has_official_counts_and_synthetic_positions(anxi):
    """安溪 loads 24 townships and 492 village-level units; positions are labelled synthetic."""
    assert anxi.code == "350524" and len(anxi.townships) == 24
    kinds = anxi.villages["kind"].value_counts()
    assert kinds["village"] == 443 and kinds["community"] == 45
    assert anxi.provenance["positions"].synthetic
    assert anxi.provenance["demand"].synthetic
    assert not anxi.provenance["admin"].synthetic and not anxi.provenance["boundary"].synthetic
    assert set(anxi.synthetic_layers) == {"positions", "demand"}
    assert "SYNTHETIC" in anxi.summary()


def test_synthetic_villages_lie_inside_their_township_and_the_boundary(anxi):
    """Every synthetic village is inside the real boundary and its own township territory."""
    poly = anxi.boundary.geometry.iloc[0]
    assert anxi.villages.within(poly.buffer(1e-6)).all()
    terr = anxi.townships.set_index("township_id").geometry
    inside = [terr[t].buffer(1e-6).contains(p)
              for t, p in zip(anxi.villages["township_id"], anxi.villages.geometry, strict=True)]
    assert np.mean(inside) == 1.0


def test_township_territories_partition_the_boundary(anxi):
    """Territories cover the county (area within 1%) and overlap negligibly."""
    utm = anxi.boundary.estimate_utm_crs()
    terr = anxi.townships.to_crs(utm)
    total = anxi.boundary.to_crs(utm).area.iloc[0]
    assert abs(terr.area.sum() - total) / total < 0.01
    assert abs(terr.union_all().area - total) / total < 0.01


def test_territory_sizes_follow_village_counts(anxi):
    """Townships with more villages get larger territories (positive rank correlation)."""
    utm = anxi.boundary.estimate_utm_crs()
    area = anxi.townships.to_crs(utm).area.to_numpy()
    n = anxi.townships["n_villages"].to_numpy()
    r = np.corrcoef(np.argsort(np.argsort(area)), np.argsort(np.argsort(n)))[0, 1]
    assert r > 0.5


def test_county_seat_is_in_the_first_coded_town(anxi):
    """The county government sits in 凤城镇 (350524100), the first-coded town."""
    seat = gpd.points_from_xy([anxi.seat_lon], [anxi.seat_lat])[0]
    town = anxi.townships[anxi.townships["township_id"] == "350524100"].geometry.iloc[0]
    assert town.buffer(1e-6).contains(seat)


def test_same_seed_gives_identical_coordinates_and_another_seed_differs():
    """Synthetic positions are deterministic for county code and seed."""
    a = load_county("安溪", seed=7)
    b = load_county("安溪", seed=7)
    c = load_county("安溪", seed=8)
    xa = np.column_stack([a.villages.geometry.x, a.villages.geometry.y])
    xb = np.column_stack([b.villages.geometry.x, b.villages.geometry.y])
    xc = np.column_stack([c.villages.geometry.x, c.villages.geometry.y])
    assert np.array_equal(xa, xb)
    assert not np.allclose(xa, xc)


def test_default_demand_is_a_visible_parameter(anxi):
    """Villages get 30 parcels down and 9 up by default; a different parameter changes it."""
    v = anxi.villages[anxi.villages["kind"] == "village"]
    assert (v["parcels_down"] == 30).all() and (v["parcels_up"] == 9).all()
    other = load_county("安溪", demand=DemandParams(parcels_per_village=12, pickup_share=0.5))
    assert (other.admin_villages["parcels_down"] == 12).all()
    assert "12 parcels/day" in other.provenance["demand"].description


def test_demand_params_reject_negative_values():
    """DemandParams names the field and the allowed range."""
    with pytest.raises(ValueError, match="pickup_share must be >= 0"):
        DemandParams(pickup_share=-0.1)


def test_ambiguous_county_is_refused_by_load_county():
    """load_county refuses to guess between the two 白云区."""
    with pytest.raises(AmbiguousCountyError):
        load_county("白云区")


def test_county_layers_write_to_geopackage_and_geojson(anxi, tmp_path):
    """to_file writes boundary, townships, seats and villages, labelled by data source."""
    files = anxi.to_file(tmp_path / "g")
    villages = gpd.read_file(files[0], layer="villages")
    assert len(villages) == 492 and set(villages["data_source"]) == {"synthetic"}
    files = anxi.to_file(tmp_path / "j", driver="GeoJSON")
    assert {f.name for f in files} == {"boundary.geojson", "townships.geojson",
                                       "township_seats.geojson", "villages.geojson"}


@pytest.mark.parametrize("name, code, boundary_code", [
    ("嘉峪关市", "620201", "620200"),   # 不设区的地级市: filed under the prefecture code
    ("米林市", "540481", "540422"),     # 米林县 → 米林市: filed under the former county code
    ("错那市", "540581", "540530"),
])
def test_divisions_filed_under_another_code_find_their_boundary(name, code, boundary_code):
    county = load_county(name)
    assert county.code == code
    b = county.boundary
    assert b["boundary_code"].iloc[0] == boundary_code
    # the synthetic villages are drawn inside that polygon
    poly = b.geometry.iloc[0]
    assert len(county.villages) > 0
    assert county.villages.geometry.within(poly.buffer(1e-6)).all()


def test_a_division_with_no_boundary_under_any_code_still_gets_the_clear_error():
    from ruralnet.exceptions import DataError
    with pytest.raises(DataError, match="no embedded boundary for 加格达奇区"):
        load_county("加格达奇区")


def test_the_boundary_layer_says_which_code_it_was_filed_under():
    assert "620200" in load_county("嘉峪关市").provenance["boundary"].description
    assert "filed there" not in load_county("安溪").provenance["boundary"].description

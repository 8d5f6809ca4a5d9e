"""Tests of ruralnet.regional.run: regions serially and on Dask, roll-up, pooled warehouses."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from ruralnet._io import MANIFEST
from ruralnet.exceptions import UnknownCountyError
from ruralnet.plan.build import PlanParams
from ruralnet.regional.run import (
    ROLLUP_COLUMNS,
    RUN_COLUMNS,
    PoolingParams,
    RegionResult,
    compare_pooled_warehouses,
    counties_of_prefecture,
    counties_of_province,
    plan_region,
    region_map,
    reproducible,
)
from ruralnet.routing import DailyRoutingParams
from ruralnet.siting.county import haversine_m

pytestmark = pytest.mark.slow  # plans whole counties, starts Dask

# Two small counties of 怒江州 (29 and 69 village-level units), 德钦 with a broken
# village file, and a name that is no county.
COUNTIES = ["贡山", "福贡", "德钦", "不存在县"]
PARAMS = reproducible(PlanParams(routing=DailyRoutingParams(curve_targets=())))


@pytest.fixture(scope="module")
def bad_village_file(tmp_path_factory: pytest.TempPathFactory):
    """A village file with longitude and latitude swapped on line 2."""
    path = tmp_path_factory.mktemp("vf") / "deqin_swapped.csv"
    path.write_text("township,village,lon,lat\n升平镇,阿东村,28.4,98.9\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def serial(tmp_path_factory: pytest.TempPathFactory, bad_village_file):
    """The four-entry region planned serially, with outputs and the pooled comparison."""
    out = tmp_path_factory.mktemp("region")
    reported: list[dict] = []
    res = plan_region(COUNTIES, PARAMS, out_dir=out, workers=0,
                      village_files={"德钦": bad_village_file}, pooling=PoolingParams(),
                      on_county=reported.append)
    return res, out, reported


@pytest.fixture(scope="module")
def parallel(bad_village_file) -> RegionResult:
    """The same region on a default two-worker Dask LocalCluster."""
    return plan_region(COUNTIES, PARAMS, workers=2, village_files={"德钦": bad_village_file})


def _shown(html: str) -> str:
    """The page with JSON's \\uXXXX escapes turned back into characters (what JS displays)."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), html)


def _without_timings(plan: dict) -> dict:
    plan = dict(plan)
    plan.pop("timing_s")
    plan["siting"] = {k: {kk: vv for kk, vv in v.items() if kk != "solve_time_s"}
                      for k, v in plan["siting"].items()}
    return plan


def test_counties_of_prefecture_lists_the_counties_in_code_order():
    """怒江州 has four county-level divisions, listed by code."""
    names = [r.name for r in counties_of_prefecture("怒江")]
    assert names == ["泸水市", "福贡县", "贡山独龙族怒族自治县", "兰坪白族普米族自治县"]


def test_counties_of_province_counts_guizhou_and_refuses_unknown_names():
    """贵州 has 88 county-level divisions; an unknown province is refused by name."""
    assert len(counties_of_province("贵州省")) == 88
    with pytest.raises(UnknownCountyError, match="no province named '火星'"):
        counties_of_province("火星")


def test_reproducible_raises_time_limits_and_refuses_uncapped_search():
    """Every routing time limit is raised; without an iteration cap it refuses."""
    r = reproducible(time_limit_s=99).routing
    assert (r.trunk_time_limit_s, r.feeder_time_limit_s, r.direct_time_limit_s) == (99, 99, 99)
    uncapped = PlanParams(routing=DailyRoutingParams(max_iterations=None))
    with pytest.raises(ValueError, match="max_iterations and direct_max_iterations must be set"):
        reproducible(uncapped)


def test_pooling_params_name_the_bad_field():
    """Out-of-range pooling options are refused with the field and range."""
    with pytest.raises(ValueError, match=r"detour_factor must be >= 1, got 0.9"):
        PoolingParams(detour_factor=0.9)
    with pytest.raises(ValueError, match=r"trunk_arrival_by_min"):
        PoolingParams(trunk_arrival_by_min=400)


def test_region_plans_good_counties_and_records_each_failure_alone(serial):
    """Two counties are planned; a bad village file and an unknown name fail with their message."""
    t = serial[0].table.set_index("county")
    assert list(serial[0].table.columns) == ROLLUP_COLUMNS
    assert t.loc["贡山独龙族怒族自治县", "status"] == "ok"
    assert t.loc["福贡县", "status"] == "ok"
    assert t.loc["德钦县", "status"] == "failed"
    error = t.loc["德钦县", "error"]
    assert "deqin_swapped.csv, line 2" in error and "swap the lon and lat" in error
    assert t.loc["不存在县", "status"] == "failed"
    assert "no county-level division named '不存在县'" in t.loc["不存在县", "error"]
    ok = t[t["status"] == "ok"]
    assert (ok["villages_served"] <= ok["villages_total"]).all()
    assert (ok["village_share"] >= 0.8).all()
    assert set(serial[0].plans) == {"533324", "533323"}


def test_region_on_dask_equals_the_serial_run(serial, parallel):
    """Same seed, reproducible parameters: the Dask run gives the serial table and plans."""
    assert parallel.workers == 2
    cols = [c for c in ROLLUP_COLUMNS if c not in RUN_COLUMNS]
    pd.testing.assert_frame_equal(serial[0].table[cols], parallel.table[cols])
    assert serial[0].plans.keys() == parallel.plans.keys()
    for code, plan in serial[0].plans.items():
        assert _without_timings(plan) == _without_timings(parallel.plans[code])


def test_region_runs_on_an_existing_scheduler_and_leaves_it_running():
    """With scheduler=ADDRESS the county is planned there and the cluster stays up."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      dashboard_address="127.0.0.1:0") as cluster:
        res = plan_region(["贡山"], PARAMS, scheduler=cluster.scheduler_address)
        assert res.table["status"].tolist() == ["ok"]
        with Client(cluster.scheduler_address) as client:
            assert len(client.scheduler_info()["workers"]) == 1


def test_region_writes_county_folders_summary_csv_and_map(serial):
    """Planned counties get a folder; the roll-up CSV and map are written; failures leave none."""
    res, out, _ = serial
    assert set(res.files) == {"region_summary.csv", "region_map.html", "pooled_warehouses.csv"}
    assert (out / "533324_贡山独龙族怒族自治县" / "plan.json").exists()
    assert (out / "533323_福贡县" / "map.html").exists()
    assert not (out / "533422_德钦县").exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".") and p.name != MANIFEST]
    csv = pd.read_csv(out / "region_summary.csv", encoding="utf-8-sig", dtype={"code": str})
    assert csv["county"].tolist() == ["贡山独龙族怒族自治县", "福贡县", "德钦县", "不存在县"]
    assert csv["status"].tolist() == ["ok", "ok", "failed", "failed"]
    html = _shown((out / "region_map.html").read_text(encoding="utf-8"))
    assert "rn-synthetic-banner" in html and "合成数据" in html
    assert "德钦县" in html and "#9ca3af" in html  # the failed county drawn grey
    assert "福贡县" in html


def test_region_map_escapes_names_and_omits_the_banner_for_real_data():
    """A county name with markup is shown as text; no banner when nothing is synthetic."""
    table = pd.DataFrame([{c: None for c in ROLLUP_COLUMNS}])
    table.loc[0, ["county", "code", "status", "error", "synthetic"]] = [
        "<script>x</script>县", "999999", "failed", "bad <b>file</b>", False]
    outline = gpd.GeoDataFrame({"code": ["999999"], "name": ["x"]},
                               geometry=[shapely.box(100, 25, 100.1, 25.1)], crs="EPSG:4326")
    empty = pd.DataFrame()
    res = RegionResult(table, {}, outline, empty, empty, empty, 0, 0.0)
    html = region_map(res).get_root().render()
    assert "<script>x</script>" not in html and "<b>file</b>" not in html
    shown = _shown(html)
    assert "&lt;script&gt;x&lt;/script&gt;县" in shown  # what JavaScript hands to innerHTML
    assert "bad &lt;b&gt;file&lt;/b&gt;" in shown
    assert shown.count('"className": "rn-town-label"') == 1  # a permanent county label
    assert "rn-synthetic-banner" not in html


def test_pooled_comparison_of_the_region_covers_every_design(serial):
    """Separate and pooled k=1, 2 are compared on the same 12 stations; one design is best."""
    pool = serial[0].pooling
    t = pool.table
    assert t["design"].tolist() == ["separate", "pooled k=1", "pooled k=2"]
    assert (t["stations_total"] == 12).all()
    assert t["best"].sum() == 1
    assert (t["total_cost_yuan"] == t["trunk_cost_yuan"] + t["warehouse_cost_yuan"]).all()
    best = t[t["best"]].iloc[0]
    assert best["stations_served"] == t["stations_served"].max()
    assert len(pool.assignment) == 12
    assert any("not roads" in n for n in pool.notes) and any("SYNTHETIC" in n for n in pool.notes)
    assert t["data"].str.startswith("合成 SYNTHETIC").all()


def _two_seats(arrival_by_min: int = 600) -> tuple[RegionResult, PoolingParams]:
    """Two county seats 0.5° apart on 25° N, each with one station 0.01° east or west of it."""
    ident = {"prefecture": ["P", "P"], "code": ["1", "2"], "county": ["A", "B"]}
    seats = pd.DataFrame({**ident, "lon": [100.0, 100.5], "lat": [25.0, 25.0]})
    stations = pd.DataFrame({**ident, "station_id": ["S1", "S2"], "township_id": ["t1", "t2"],
                             "lon": [100.01, 100.49], "lat": [25.0, 25.0],
                             "deliver_kg": [300.0, 300.0], "pickup_kg": [90.0, 90.0]})
    warehouses = seats.assign(site_id=["W1", "W1"])
    table = pd.DataFrame({"synthetic": [False, False]})
    res = RegionResult(table, {}, gpd.GeoDataFrame(), stations, seats, warehouses, 0, 0.0)
    return res, PoolingParams(max_warehouses=2, trunk_arrival_by_min=arrival_by_min)


def test_pooled_single_warehouse_beats_two_county_warehouses_by_hand():
    """One pooled warehouse: one truck, one fixed cost; the figures match a hand computation."""
    res, params = _two_seats()
    t = compare_pooled_warehouses(res, params).table.set_index("design")
    km = lambda a, b: float(haversine_m([a], [25.0], [b], [25.0])[0, 0]) * 1.4 / 1000  # noqa: E731
    sep_km = 2 * km(100.0, 100.01) + 2 * km(100.5, 100.49)
    assert t.loc["separate", "trunk_vehicles"] == 2
    assert t.loc["separate", "trunk_km"] == pytest.approx(sep_km, abs=0.05)
    assert t.loc["separate", "total_cost_yuan"] == pytest.approx(
        2 * 1500 + 2 * 300 + 1.2 * sep_km, abs=0.1)
    pool_km = km(100.0, 100.01) + km(100.01, 100.49) + km(100.49, 100.0)
    assert t.loc["pooled k=1", "trunk_vehicles"] == 1
    assert t.loc["pooled k=1", "trunk_km"] == pytest.approx(pool_km, abs=0.05)
    assert t.loc["pooled k=1", "total_cost_yuan"] == pytest.approx(1500 + 300 + 1.2 * pool_km,
                                                                   abs=0.1)
    assert bool(t.loc["pooled k=1", "best"]) and not bool(t.loc["separate", "best"])
    real = compare_pooled_warehouses(res, params)
    assert "SYNTHETIC" not in " ".join(real.notes)
    assert not real.table["data"].str.contains("SYNTHETIC").any()


def test_pooled_warehouse_too_far_for_the_trunk_window_leaves_a_station_unserved():
    """With trunks due 15 min after the day starts, one far warehouse cannot serve both stations."""
    res, params = _two_seats(arrival_by_min=435)
    cmp = compare_pooled_warehouses(res, params)
    t = cmp.table.set_index("design")
    assert t.loc["pooled k=1", "stations_served"] == 1
    assert t.loc["separate", "stations_served"] == 2
    assert not bool(t.loc["pooled k=1", "best"])
    one = cmp.assignment[cmp.assignment["design"] == "pooled k=2"]
    assert one["served"].all()
    assert np.isclose(t.loc["pooled k=2", "station_share"], 1.0)


def test_each_county_is_reported_as_it_finishes_with_its_own_peak_memory(serial):
    """on_county gets every county once, its roll-up row and warnings; RSS is per county."""
    res, _, reported = serial
    assert [r["query"] for r in reported] == COUNTIES  # serial: in input order
    for row in reported:
        assert set(ROLLUP_COLUMNS) <= set(row) and isinstance(row["warnings"], list)
        mine = res.table[res.table["county"] == row["county"]].iloc[0]
        assert row["status"] == mine["status"] and row["error"] == mine["error"]
    ok = [r for r in reported if r["status"] == "ok"]
    assert all(r["peak_rss_mb"] > 50 and r["seconds"] > 0 for r in ok)

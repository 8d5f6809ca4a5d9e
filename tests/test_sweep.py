"""The national sweep benchmark: sampling, the resumable results CSV and the report from it."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pandas as pd
import pytest

from ruralnet.exceptions import InfeasibleError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench():
    """benchmarks/bench_counties.py as a module (it is a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location("bench_counties",
                                                  ROOT / "benchmarks" / "bench_counties.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_counties"] = mod
    spec.loader.exec_module(mod)
    return mod


def _row(bench, code: str, status: str, seconds: float, villages: int, **kw) -> dict:
    info = pd.Series({"code": code, "name": f"县{code}", "province": "某省", "prefecture": "某市",
                      "kind": "county", "village_committees": villages, "communities": 3,
                      "other_village_units": 0})
    warned = kw.pop("warnings", [])
    county = {"status": status, "seconds": seconds, "peak_rss_mb": 100.0 + villages,
              "daily_cost_yuan": 1000.0, "villages_served": villages, "villages_total": villages,
              "village_share": 0.9, "vehicles": 3, "error": "" if status == "ok" else "坏 bad\nx",
              "warnings": warned, "ruralnet_warnings": len(warned),
              "first_warning": warned[0] if warned else "", "cpu_seconds": seconds / 2}
    return bench.result_row(county, info, False, budget=kw.pop("budget", "default"),
                            commit="abc1234", workers=2, seed=19, sample=300)


def test_sample_has_every_province_and_excludes_zones(bench):
    """300 of the divisions, seed 19: all 31 provinces, no functional zone, reproducible."""
    table = bench.divisions()
    assert "zone" not in set(table["kind"]) and len(table) == 2859
    a = bench.stratified_sample(table, 300, 19)
    b = bench.stratified_sample(table, 300, 19)
    assert len(a) == 300 and a["province"].nunique() == 31
    assert a["code"].tolist() == b["code"].tolist()
    assert {"county", "district", "city", "banner"} <= set(a["kind"])


def test_results_are_appended_and_a_rerun_skips_done_rows(bench, tmp_path):
    """Rows survive as they are appended; done codes are skipped, failed ones only on retry."""
    path = tmp_path / "r.csv"
    bench.append_row(path, _row(bench, "000001", "ok", 10.0, 100))
    bench.append_row(path, _row(bench, "000002", "failed", 5.0, 50))
    done = bench.read_results(path)
    assert done["code"].tolist() == ["000001", "000002"]
    assert done.loc[1, "error"] == "坏 bad x"  # one line per row
    sample = pd.DataFrame({"code": ["000001", "000002", "000003"]})
    assert bench.to_do(sample, done, retry_failed=False)["code"].tolist() == ["000003"]
    assert bench.to_do(sample, done, retry_failed=True)["code"].tolist() == ["000002", "000003"]
    bench.append_row(path, _row(bench, "000002", "ok", 6.0, 50))  # the retry wins
    done = bench.read_results(path)
    assert done.set_index("code").loc["000002", "status"] == "ok" and len(done) == 2


def test_report_prints_the_figures_from_the_csv_alone(bench, tmp_path, capsys):
    """Share planned, median/p90/max seconds, failures, growth fit and projection."""
    path = tmp_path / "r.csv"
    for i, (secs, n) in enumerate([(10, 97), (20, 197), (40, 397), (80, 797)]):  # + 3 社区
        bench.append_row(path, _row(bench, f"00000{i}", "ok", secs, n, warnings=["W: x"]))
    bench.append_row(path, _row(bench, "000009", "failed", 3.0, 10))
    assert bench.report(path, cluster_cores=64) == 1  # a failure: not all planned
    out = capsys.readouterr().out
    assert "planned 4/5 (80.0%)" in out
    assert "median 20.0, p90" in out and "max 80.0" in out
    assert "FAILED 000009" in out and "坏 bad x" in out
    assert "units^1.00" in out  # seconds exactly proportional to the units planned here
    assert "divisions with RuralnetWarnings: 4 of the 5 that counted them (4 warnings)" in out
    assert "000000 县000000: 1, first: W: x" in out
    assert "CPU seconds per division (5 recorded): median 10.0, p90" in out
    mean = (10 + 20 + 40 + 80 + 3) / 5
    assert f"{mean * 2859 / 3600:.1f} h of division time" in out


def test_worker_records_ruralnet_warnings_and_cpu_seconds_of_one_division(bench, tmp_path):
    """A 1-county run of the worker (贡山, quick budgets) with a village file that has one row
    matching no official village: its RuralnetWarnings are counted with the first message,
    and the planning's CPU seconds are recorded (> 0, at most the cores' share of the wall);
    the CSV row keeps them."""
    from ruralnet.plan.build import PlanParams
    from ruralnet.regional.run import plan_region, reproducible

    vf = tmp_path / "gongshan.csv"
    vf.write_text("township,village,lon,lat\n茨开镇,芒孜村委会,98.70,27.75\n"
                  "茨开镇,不存在村,98.67,27.74\n", encoding="utf-8")
    got: list[dict] = []
    plan_region(["贡山"], params=reproducible(bench.quick_params(PlanParams())), workers=0,
                village_files={"贡山": str(vf)}, on_county=got.append)
    (county,) = got
    assert county["status"] == "ok", county["error"]
    assert county["ruralnet_warnings"] >= 1 == len([w for w in county["warnings"]
                                                    if "不存在村" in w])
    assert county["first_warning"].startswith("DataQualityWarning: gongshan.csv：1 行无法")
    assert 0 < county["cpu_seconds"] <= county["seconds"] * (os.cpu_count() or 1) + 0.5
    info = bench.divisions().set_index("code").loc["533324"]
    info["code"] = "533324"
    row = bench.result_row(county, info, False, budget="quick", commit="abc1234", workers=0,
                           seed=19, sample=1)
    path = tmp_path / "r.csv"
    bench.append_row(path, row)
    back = bench.read_results(path).iloc[0]
    assert back["warnings"] == county["ruralnet_warnings"]
    assert back["first_warning"] == county["first_warning"]
    assert back["cpu_seconds"] == pytest.approx(county["cpu_seconds"])


def test_an_older_results_file_resumes_with_the_new_columns_empty(bench, tmp_path):
    """A file written before cpu_seconds / first_warning (warnings then always empty) reads
    them as empty, and appending a new row rewrites its header first, keeping the old rows."""
    old = [c for c in bench.FIELDS if c not in ("cpu_seconds", "first_warning")]
    path = tmp_path / "old.csv"
    first = {k: v for k, v in _row(bench, "000001", "ok", 10.0, 100).items() if k in old}
    first["warnings"] = ""
    pd.DataFrame([first], columns=old).to_csv(path, index=False)
    done = bench.read_results(path)
    assert pd.isna(done.loc[0, "cpu_seconds"]) and pd.isna(done.loc[0, "warnings"])
    assert done.loc[0, "first_warning"] == ""
    bench.append_row(path, _row(bench, "000002", "ok", 8.0, 50, warnings=["W: y"]))
    assert path.read_text(encoding="utf-8").splitlines()[0] == ",".join(bench.FIELDS)
    done = bench.read_results(path).set_index("code")
    assert pd.isna(done.loc["000001", "cpu_seconds"]) and done.loc["000001", "seconds"] == 10
    assert done.loc["000002", "cpu_seconds"] == 4.0 and done.loc["000002", "warnings"] == 1
    assert done.loc["000002", "first_warning"] == "W: y"
    sample = pd.DataFrame({"code": ["000001", "000002", "000003"]})
    assert bench.to_do(sample, bench.read_results(path), retry_failed=False)["code"].tolist() \
        == ["000003"]


def test_quick_rows_are_labelled_and_quick_budgets_are_small(bench, tmp_path, capsys):
    """A quick file says so in its report; the quick parameters cut the iteration budgets."""
    from ruralnet.plan.build import PlanParams

    path = tmp_path / "q.csv"
    bench.append_row(path, _row(bench, "000001", "ok", 1.0, 10, budget="quick"))
    bench.report(path)
    assert "QUICK budgets, not the default figures" in capsys.readouterr().out
    q = bench.quick_params(PlanParams())
    assert q.routing.max_iterations < PlanParams().routing.max_iterations
    assert q.routing.curve_targets == ()


def test_results_inside_the_repository_are_refused(bench):
    """The results file must live outside the tree."""
    with pytest.raises(SystemExit, match="outside the repository"):
        bench.main(["--sample", "1", "--results", str(ROOT / "sweep.csv")])
    assert not (ROOT / "sweep.csv").exists()


def test_far_apart_stations_get_more_trunk_trucks_than_the_fleet_lists():
    """Found by the sweep (阿勒泰市: 18 stations needed 10 trucks, 8 listed): two stations 90 km
    apart on opposite sides each need their own truck to arrive by 10:00; one is listed."""
    import numpy as np

    from ruralnet.routing.daily import DailyRoutingParams, FleetType, plan_daily_routes

    pts = [(0, 0), (90, 0), (-90, 0), (92, 0), (90, 2), (-92, 0), (-90, 2)]
    xy = np.asarray(pts, dtype=float) * 1000
    dist = np.rint(np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))).astype(np.int64)
    dur = np.rint(dist * 3.6 / 36.0).astype(np.int64)
    truck = FleetType("4.2m 轻卡", 2000, 1, fixed_cost_yuan=300, cost_per_km_yuan=2.5)
    van = FleetType("面包车", 800, 1, fixed_cost_yuan=150, cost_per_km_yuan=1.2)
    res = plan_daily_routes(
        dist, dur, warehouses=[0], stations=[1, 2], villages=[3, 4, 5, 6],
        delivery_kg=[30.0] * 4, pickup_kg=[10.0] * 4, catchments=[[3, 4], [5, 6]],
        trunk_fleet=[truck], feeder_fleet=[van],
        params=DailyRoutingParams(engine="pyvrp", max_iterations=200, curve_targets=(),
                                  grow_trunk_fleet=True),
        seed=0)
    trunks = [r for r in res.routes if r.tier == "trunk"]
    assert len(trunks) == 2 and res.coverage == 1.0
    assert all(s.arrive_min <= 600 for r in trunks for s in r.stops)
    # a fleet the planner listed is a limit: without grow_trunk_fleet the plan stops and says so
    with pytest.raises(InfeasibleError, match="trunk tier"):
        plan_daily_routes(
            dist, dur, warehouses=[0], stations=[1, 2], villages=[3, 4, 5, 6],
            delivery_kg=[30.0] * 4, pickup_kg=[10.0] * 4, catchments=[[3, 4], [5, 6]],
            trunk_fleet=[truck], feeder_fleet=[van],
            params=DailyRoutingParams(engine="pyvrp", max_iterations=200, curve_targets=(),
                                      trunk_time_limit_s=5),
            seed=0)

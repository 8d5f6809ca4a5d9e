import copy
import zipfile

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from tiny import tiny_plan_dict

from ruralnet.exceptions import RuralnetError
from ruralnet.outputs.exports import (
    STOP_COLUMNS,
    atomic_path,
    excel_safe,
    minutes_to_hhmm,
    stop_table,
    write_excel,
    write_geopackage,
    write_route_csv,
)
from ruralnet.plan.document import SYNTHETIC_NOTICE_ZH, Plan


@pytest.fixture
def plan(tiny_plan):
    """The hand-checked tiny plan (synthetic layers)."""
    return tiny_plan


@pytest.fixture
def user_plan():
    """The tiny plan with planner-supplied positions and demand, OSM roads."""
    d = tiny_plan_dict()
    d["provenance"].update(geography={"source": "user", "description": "村庄坐标表"},
                           network={"source": "osm", "description": "OSM"},
                           demand={"source": "user", "description": "邮政统计"},
                           synthetic_layers=[])
    for v in d["villages"]:
        v["position_source"] = "user"
    d["villages"][2]["position_source"] = "official"
    return Plan(d)


def test_minutes_format_as_clock_times():
    """463 minutes after midnight is 07:43; 469.4 rounds to 07:49."""
    assert [minutes_to_hhmm(m) for m in (0, 463, 469.4, 1080)] == \
        ["00:00", "07:43", "07:49", "18:00"]


def test_stop_table_has_one_row_per_stop_in_route_order(plan):
    """3 trunk stops + 4 feeder stops; the feeder's V1 row carries its figures."""
    t = stop_table(plan)
    assert list(t.columns) == list(STOP_COLUMNS) and len(t) == 7
    row = t[(t.route_id == "feeder-1") & (t.stop_order == 1)].iloc[0]
    assert (row["name"], row["township"], row["arrive"], row["deliver_kg"], row["pickup_kg"],
            row["load_after_kg"]) == ("甲村委会", "一镇", "07:49", 30, 9, 39)
    assert t[t.route_id == "trunk-1"]["stop_id"].tolist() == ["W", "S1", "W"]


def test_geopackage_has_plan_layers_with_data_source(plan, tmp_path):
    """villages, sites and routes reopen with their rows, status columns and data_source."""
    path = write_geopackage(plan, tmp_path / "plan.gpkg")
    assert sorted(gpd.list_layers(path)["name"]) == ["routes", "sites", "villages"]
    v = gpd.read_file(path, layer="villages").set_index("id")
    assert v.loc[["V1", "V2", "C1"], "daily"].tolist() == [True, True, False]
    assert v.loc["V1", "station_id"] == "VS1" and v.loc["V2", "station_id"] in ("", None)
    assert set(v["data_source"]) == {"synthetic"}
    r = gpd.read_file(path, layer="routes")
    assert r["id"].tolist() == ["trunk-1", "feeder-1"] and r["n_stops"].tolist() == [3, 4]
    assert list(r.geometry.iloc[1].coords)[1] == (118.12, 25.0)
    assert set(gpd.read_file(path, layer="sites")["data_source"]) == {"synthetic"}


def test_geopackage_data_source_follows_each_village_and_layer(user_plan, tmp_path):
    """A village's own position_source wins; routes take the network layer's source."""
    path = write_geopackage(user_plan, tmp_path / "plan.gpkg")
    v = gpd.read_file(path, layer="villages").set_index("id")
    assert v["data_source"].to_dict() == {"V1": "user", "V2": "user", "C1": "official"}
    assert set(gpd.read_file(path, layer="routes")["data_source"]) == {"osm"}


def test_geopackage_with_county_adds_boundary_and_townships(plan, tiny_county, tmp_path):
    """A county adds its boundary (official) and township territories (synthetic) layers."""
    path = write_geopackage(plan, tmp_path / "plan.gpkg", county=tiny_county)
    assert sorted(gpd.list_layers(path)["name"]) == ["boundary", "routes", "sites", "townships",
                                                     "villages"]
    assert gpd.read_file(path, layer="boundary")["data_source"].tolist() == ["official"]
    towns = gpd.read_file(path, layer="townships")
    assert towns["name"].tolist() == ["一镇"] and towns["data_source"].tolist() == ["synthetic"]


def test_geopackage_refuses_another_county(plan, tiny_county, tmp_path):
    """A county whose code differs from the plan's is refused and nothing is written."""
    other = copy.copy(tiny_county)
    object.__setattr__(other, "code", "350524")
    with pytest.raises(RuralnetError, match="县不一致"):
        write_geopackage(plan, tmp_path / "plan.gpkg", county=other)
    assert list(tmp_path.iterdir()) == []


def test_route_csv_is_utf8_with_bom_one_row_per_stop(plan, tmp_path):
    """The CSV starts with the UTF-8 BOM, has bilingual headers and seven stop rows."""
    path = write_route_csv(plan, tmp_path / "routes.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "甲村委会".encode() in raw
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert list(back.columns) == list(STOP_COLUMNS.values()) and len(back) == 7
    assert back.loc[4, "名称 name"] == "甲村委会" and back.loc[4, "到达 arrive"] == "07:49"


def test_spreadsheet_cells_never_become_formulas(tmp_path):
    """A formula-like name gets an apostrophe in CSV; in Excel it is a plain string cell."""
    d = tiny_plan_dict()
    d["villages"][0]["name"] = '=HYPERLINK("http://x","点我")'
    d["sites"][2]["name"] = "@SUM(A1)"
    plan = Plan(d)
    csv = write_route_csv(plan, tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in csv and "\n=HYPERLINK" not in csv
    wb = openpyxl.load_workbook(write_excel(plan, tmp_path / "p.xlsx"))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)
    texts = {c.value: c.data_type for c in cells if isinstance(c.value, str)}
    assert texts["@SUM(A1)"] == "s" and texts['=HYPERLINK("http://x","点我")'] == "s"
    with zipfile.ZipFile(tmp_path / "p.xlsx") as z:
        sheets = [z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/")]
    assert not any(b"<f>" in x or b"<f " in x for x in sheets)
    assert excel_safe("-1") == "'-1" and excel_safe(-1) == -1


def test_excel_has_five_sheets_and_a_synthetic_notice_row(plan, tmp_path):
    """Sheets 概要/指标/村庄/线路/站点; the first summary row is the synthetic notice."""
    wb = openpyxl.load_workbook(write_excel(plan, tmp_path / "plan.xlsx"))
    assert wb.sheetnames == ["概要", "指标", "村庄", "线路", "站点"]
    first = [c.value for c in wb["概要"][1]]
    assert first[0] == "【合成数据 SYNTHETIC】" and first[1] == SYNTHETIC_NOTICE_ZH
    summary = {r[0]: r[1] for r in wb["概要"].iter_rows(min_row=2, values_only=True)}
    assert summary["每日配送行政村 villages served daily"] == "2/2 (100.0%)"
    assert summary["行政村覆盖率 village share"] == "100.0%"
    assert summary["每日配送社区 communities served daily"] == "0/1"
    assert summary["日成本 daily cost (元 CNY)"] == 500
    assert wb["线路"].max_row == 8 and wb["站点"].max_row == 4
    assert [c.value for c in wb["站点"][2]][:3] == ["W", "县级仓储中心 county warehouse", "县仓"]
    assert wb["指标"]["A2"].value == "未提供指标评分 no scorecard given"


def test_excel_of_a_real_plan_has_no_synthetic_row(user_plan, tmp_path):
    """With no synthetic layer the summary sheet starts with the county, not a notice."""
    wb = openpyxl.load_workbook(write_excel(user_plan, tmp_path / "plan.xlsx"))
    assert wb["概要"]["A1"].value == "县 county"
    assert all("SYNTHETIC" not in str(c.value) for row in wb["概要"].iter_rows() for c in row)


def test_excel_scorecard_sheet_lists_indicators(plan, tmp_path):
    """The 指标 sheet: Chinese headers and status words, NaN as empty, numbers as numbers."""
    table = pd.DataFrame({"id": ["a", "b"], "indicator": ["县级物流配送中心", "行政村覆盖率"],
                          "target": ["= 1", "≥ 50%"], "value": [float("nan"), 50.102249488752555],
                          "status": ["awaiting data", "met"],
                          "margin": [float("nan"), 0.102249488752555], "evidence": ["", "x"]})
    wb = openpyxl.load_workbook(write_excel(plan, tmp_path / "plan.xlsx", scorecard=table))
    rows = list(wb["指标"].iter_rows(values_only=True))
    assert rows[0] == ("指标 indicator", "目标 target", "值 value", "状态 status",
                       "差额 margin", "依据 evidence")
    assert rows[1][:4] == ("县级物流配送中心", "= 1", None, "待填报")
    assert rows[2][:5] == ("行政村覆盖率", "≥ 50%", 50.1, "已达标", 0.1)
    assert wb["指标"]["B2"].data_type == "s" and wb["指标"]["C3"].data_type == "n"


def test_excel_village_sheet_has_every_village_with_service_and_reason(plan, tmp_path):
    """村庄: one row per village; station and daily as 是/否; the reason when not daily."""
    d = tiny_plan_dict()
    d["unserved"] = [{"village_id": "C1", "reason": "community", "zh": "社区不计入覆盖率，未安排",
                      "en": "community"}]
    wb = openpyxl.load_workbook(write_excel(Plan(d), tmp_path / "plan.xlsx"))
    rows = list(wb["村庄"].iter_rows(values_only=True))
    head = rows[0]
    assert len(rows) == 1 + len(d["villages"])
    by_id = {r[0]: dict(zip(head, r, strict=True)) for r in rows[1:]}
    v1, c1 = by_id["V1"], by_id["C1"]
    assert (v1["乡镇 township"], v1["类型 kind"], v1["村级服务站 station"],
            v1["每日配送 daily"], v1["线路 route"]) == ("一镇", "行政村", "是", "是", "feeder-1")
    assert v1["未每日配送原因 reason"] is None
    assert (c1["类型 kind"], c1["每日配送 daily"], c1["未每日配送原因 reason"]) == (
        "社区", "否", "社区不计入覆盖率，未安排")
    assert isinstance(v1["经度 lon"], float) and v1["经度 lon"] == 118.12


def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    """An error inside atomic_path leaves the previous file untouched and cleans up."""
    target = tmp_path / "plan.xlsx"
    target.write_bytes(b"old")
    with pytest.raises(OSError, match="disk full"):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise OSError("disk full")
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["plan.xlsx"]


def test_exports_replace_existing_files(plan, tmp_path):
    """Writing twice replaces the files and leaves nothing else in the folder."""
    for _ in range(2):
        write_geopackage(plan, tmp_path / "p.gpkg")
        write_route_csv(plan, tmp_path / "r.csv")
        write_excel(plan, tmp_path / "p.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.gpkg", "p.xlsx", "r.csv"]
    assert len(gpd.read_file(tmp_path / "p.gpkg", layer="villages")) == 3


def test_scorecard_csv_values_are_rounded_and_carry_a_chinese_status():
    """readable_scorecard rounds value/margin to 2 decimals (still numbers) and adds 状态."""
    from ruralnet.outputs.exports import readable_scorecard

    table = pd.DataFrame({"indicator": ["覆盖率"], "target": ["≥ 50%"],
                          "value": [50.102249488752555], "status": ["met"],
                          "margin": [0.102249488752555], "evidence": [""]})
    out = readable_scorecard(table)
    assert out.loc[0, "value"] == 50.1 and out.loc[0, "margin"] == 0.1
    assert list(out.columns).index("status_zh") == list(out.columns).index("status") + 1
    assert out.loc[0, "status_zh"] == "已达标"


def test_scorecard_with_its_own_chinese_status_keeps_it():
    """A table that already has status_zh (newer scorecards) keeps its words; gaps are filled."""
    from ruralnet.outputs.exports import readable_scorecard

    table = pd.DataFrame({"indicator": ["a", "b"], "target": ["≥ 1", "≥ 2"], "value": [1.0, 2.0],
                          "status": ["designed to meet", "met"],
                          "status_zh": ["规划达标", None], "margin": [0.0, 0.0],
                          "evidence": ["", ""]})
    out = readable_scorecard(table)
    assert list(out["status_zh"]) == ["规划达标", "已达标"]
    assert list(out.columns).count("status_zh") == 1


def test_excel_of_a_week_has_a_schedule_sheet_and_visits_per_week(tmp_path):
    """班次 sheet one row per (station, days); 村庄 gets 班次/周 (C1 never visited: 0)."""
    from tiny import tiny_week_dict

    wb = openpyxl.load_workbook(write_excel(Plan(tiny_week_dict()), tmp_path / "p.xlsx"))
    assert wb.sheetnames == ["概要", "指标", "村庄", "班次", "线路", "站点"]
    rows = list(wb["班次"].iter_rows(values_only=True))
    assert rows[0][:4] == ("乡镇 township", "中转站 station", "班次/周 visits per week",
                           "配送日 days")
    assert ("二乡", "二乡站", 2, "周二、周五", 1, "己村委会") in rows and len(rows) == 4
    head, *body = list(wb["村庄"].iter_rows(values_only=True))
    freq = {r[0]: r[head.index("班次/周 visits per week")] for r in body}
    assert freq == {"V1": 7, "V2": 2, "C1": 0, "V5": 2}
    daily = write_excel(Plan(tiny_plan_dict()), tmp_path / "d.xlsx")
    wb = openpyxl.load_workbook(daily)
    head, *body = list(wb["村庄"].iter_rows(values_only=True))
    assert "班次" not in wb.sheetnames
    assert {r[0]: r[head.index("班次/周 visits per week")] for r in body} == {
        "V1": 7, "V2": 7, "C1": 0}


def test_excel_cost_sheet_holds_the_cost_tables_with_numbers(tmp_path):
    """成本: titled tables one under another; figures are numbers, assumptions labelled."""
    from tiny import tiny_economics_dict

    wb = openpyxl.load_workbook(write_excel(Plan(tiny_economics_dict()), tmp_path / "p.xlsx"))
    assert wb.sheetnames[-1] == "成本"
    rows = list(wb["成本"].iter_rows(values_only=True))
    titles = [r[0] for r in rows if r[0] and r[2] is None and r[0].startswith(
        ("每件成本", "共同配送", "投资", "件量", "与参考价"))]
    assert titles == ["每件成本（按层级） Cost per parcel by tier",
                      "每件成本（按乡镇） Cost per parcel by township",
                      "与参考价对比（基本与省会城市持平） Parity with the reference price",
                      "共同配送与各自配送 Pooled versus carriers alone",
                      "共同配送成本分摊（元/日） Sharing of the pooled cost (CNY/day)",
                      "投资估算（按资金表类别） Investment by fund-table category",
                      "投资与资金表核对 Investment against the fund table",
                      "件量敏感性（按本方案参数重新规划） Sensitivity to parcel volume "
                      "(re-planned)"]
    total = next(r for r in rows if r[0] == "合计 total" and r[2] == 195)
    assert total[:5] == ("合计 total", 305, 195, 5.09, 10.82)
    assert any("ASSUMED" in str(r[1]) for r in rows if r[0] and r[0].startswith("投资估算"))
    assert any("示例份额" in str(r[1]) for r in rows if r[0] and r[0].startswith("共同配送与"))
    assert "成本" not in openpyxl.load_workbook(write_excel(Plan(tiny_plan_dict()),
                                                           tmp_path / "d.xlsx")).sheetnames

"""A fill-in village file for a county: every official village with its code, ready for the bureau.

``ruralnet geography --county 安溪 --template villages.xlsx`` writes one row
per official village-level unit (NBS 2023 names and 12-digit codes) with
empty columns for coordinates, datum, population, poor-village flag,
existing service point and daily parcels — the headers that
:func:`ruralnet.geo.village_file.merge_village_file` reads. Rows left without
coordinates keep synthetic positions; their other figures are still used.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

from ruralnet._io import atomic_path
from ruralnet.exceptions import InputFileError
from ruralnet.geo.admin import resolve_county, townships_of, villages_of

TEMPLATE_COLUMNS = ("乡镇", "村代码", "村名", "经度", "纬度", "坐标系", "人口", "是否贫困村",
                    "现有网点", "日均下行件", "日均上行件")
"""Headers of the template, in order; all are accepted names of ``data/village_dictionary.md``."""

NOTES = (
    "填写说明 How to fill in",
    "每行一个官方行政村/社区（国家统计局 2023 名单）；请勿修改 乡镇、村代码、村名 三列。",
    "One row per official village or community (NBS 2023); keep the 乡镇, 村代码 and 村名 columns.",
    "经度/纬度：十进制度，如 118.182 / 25.057；"
    "坐标系：WGS84（GPS，默认）、GCJ02（高德/腾讯）或 BD09（百度）。",
    "lon/lat in decimal degrees; 坐标系 (datum): WGS84 (GPS, default), GCJ02 (Amap/Tencent), "
    "BD09 (Baidu).",
    "是否贫困村：是/否；现有网点：邮政、供销、快递等；日均下行件/上行件：每日件数（≥ 0）。",
    "是否贫困村 yes/no; 现有网点 the existing point (post, co-op, courier); "
    "parcels per day (>= 0).",
    "未填坐标的村保留合成位置（标注为合成），其余数据仍会使用。",
    "Villages left without coordinates keep synthetic positions (labelled); their other figures "
    "are used.",
)


def template_rows(query: str, *, province: str | None = None,
                  prefecture: str | None = None) -> tuple[str, list[list[str]]]:
    """Return the county's label and one template row per official village.

    Examples
    --------
    >>> label, rows = template_rows("安溪")
    >>> label, len(rows), rows[0][:3]
    ('安溪县 (350524, 福建省泉州市)', 492, ['凤城镇', '350524100001', '下西社区居委会'])
    """
    record = resolve_county(query, province=province, prefecture=prefecture)
    towns = townships_of(record.code).set_index("code")["name"]
    vills = villages_of(record.code)
    rows = [[str(towns.get(r.township_code, "")), str(r.code), str(r.name)]
            + [""] * (len(TEMPLATE_COLUMNS) - 3) for r in vills.itertuples()]
    return record.label(), rows


def write_village_template(query: str, path: str | Path, *, province: str | None = None,
                           prefecture: str | None = None, force: bool = False,
                           positions: Mapping[str, tuple[float, float, str]] | None = None
                           ) -> int:
    """Write the fill-in template (``.xlsx`` or ``.csv``) for a county; return its row count.

    ``positions`` pre-fills known WGS-84 coordinates: village code → ``(lon,
    lat, source)``, e.g. the OSM place matched to it (``geography --osm-file
    … --template``), so the bureau only checks those rows and fills the rest.

    Raises
    ------
    InputFileError
        ``path`` exists and ``force`` is not set, or its suffix is neither
        ``.xlsx`` nor ``.csv``.
    """
    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".csv"):
        raise InputFileError(f"模板文件名应以 .xlsx 或 .csv 结尾：{path.name}",
                             f"the template must end in .xlsx or .csv: {path.name}",
                             path=str(path))
    if path.exists() and not force:
        raise InputFileError(f"{path} 已存在，不会覆盖；请换一个文件名，或加 --force。",
                             f"{path} exists and is not overwritten; choose another name or "
                             "pass --force.", path=str(path))
    label, rows = template_rows(query, province=province, prefecture=prefecture)
    lon_i, lat_i, crs_i = (TEMPLATE_COLUMNS.index(c) for c in ("经度", "纬度", "坐标系"))
    for row in rows:
        known = (positions or {}).get(row[1])
        if known is not None:
            row[lon_i], row[lat_i], row[crs_i] = f"{known[0]:.6f}", f"{known[1]:.6f}", "WGS84"
    with atomic_path(path) as tmp:
        if path.suffix.lower() == ".csv":
            with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(TEMPLATE_COLUMNS)
                writer.writerows(rows)
        else:
            _write_xlsx(tmp, label, rows)
    return len(rows)


def _write_xlsx(path: Path, label: str, rows: list[list[str]]) -> None:
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "村庄"
    ws.append(list(TEMPLATE_COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for col, width in zip("ABCDEFGHIJK", (14, 15, 18, 12, 12, 9, 8, 10, 10, 10, 10),
                          strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    notes = book.create_sheet("说明")
    notes.append([f"{label} 村庄数据模板 village file template"])
    for line in NOTES:
        notes.append([line])
    book.save(path)

"""Overlay a planner's village file on a county's official village list.

A village file gives real positions (and optionally population, poor-village
flags, existing service points and daily parcels) for the official villages
of a county. Its forms (CSV/TSV, Excel, GeoJSON/GPKG/Shapefile, KML/KMZ) are
read by :mod:`ruralnet.geo.village_read`, its headers (Chinese synonyms
included) mapped by :mod:`ruralnet.geo.village_columns`, its names matched by
:mod:`ruralnet.geo.village_names`. This module checks the values, converts
GCJ-02 and BD-09 coordinates to WGS-84 (per file or per row), excludes points
far outside the county or their township — naming each — and labels every
village's position source and demand source. The columns are described in
``data/village_dictionary.md``. Every problem is reported with the file and
its line number, in Chinese and English, before anything is used.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point

from ruralnet._tables import file_error
from ruralnet.exceptions import DataQualityWarning, InputFileError, InputFileWarning
from ruralnet.geo.coords import haversine_m, parse_datum, to_wgs84
from ruralnet.geo.provenance import LayerProvenance
from ruralnet.geo.seats import enough_for_a_seat
from ruralnet.geo.village_columns import (
    FALSE_WORDS,
    TRUE_WORDS,
    canonical_columns,
    known_headers,
    site_values,
)
from ruralnet.geo.village_names import describe_problems, match_villages
from ruralnet.geo.village_read import read_village_rows

OUTSIDE_TOLERANCE_M = 2000.0
"""A point farther than this outside the county boundary is excluded from positions."""

TOWN_OUTLIER_M = 15000.0
"""A point farther than this (and than 4 × the township's typical spread) from the median of the
other file points of its township is excluded from positions."""


MAX_ROWS_PER_VILLAGE = 10
MAX_ROWS_MIN = 5000
"""A file with more rows than max(5,000, 10 × the county's villages) is refused before matching
(it is not a village file of this county), which bounds the time spent on it to seconds."""


@dataclass(frozen=True)
class VillageFile(os.PathLike):
    """A village file with how to read it; usable wherever a path is.

    Attributes
    ----------
    path
        The file.
    crs
        Datum of rows without their own ``crs`` value: ``"wgs84"`` (GPS,
        OSM, Google Earth; the default), ``"gcj02"`` (高德/腾讯) or
        ``"bd09"`` (百度); Chinese names and EPSG:4326 are accepted.
    sheet
        Excel sheet to read (default: the first).

    Examples
    --------
    >>> os.fspath(VillageFile("v.xlsx", crs="bd09"))
    'v.xlsx'
    """

    path: str | Path
    crs: str | None = None
    sheet: str | None = None

    def __fspath__(self) -> str:
        return os.fspath(self.path)


def _where(df: pd.DataFrame, i: int) -> int:
    return int(df["_line"].iloc[i])


def _err(path: Path, df: pd.DataFrame, zh: str, en: str, i: int | None = None,
         **kw) -> InputFileError:
    if i is None or df.attrs.get("unit", "line") == "line":
        return file_error(path, zh, en, line=None if i is None else _where(df, i), **kw)
    n = _where(df, i)
    return file_error(path, f"第 {n} 个要素：{zh}", f"feature {n}: {en}", feature=n, **kw)


def _numbers(df: pd.DataFrame, col: str, path: Path, *, required: bool,
             minimum: float | None = None) -> np.ndarray:
    out = np.full(len(df), np.nan)
    for i, val in enumerate(df[col]):
        s = str(val).strip().replace(",", "") if col not in ("lon", "lat") else str(val).strip()
        if s.lower() in ("", "nan", "none"):
            if required:
                raise _err(path, df, f"{col} 为空。", f"{col} is empty.", i)
            continue
        try:
            x = float(s)
        except ValueError:
            raise _err(path, df, f"{col} 不是数字：“{s}”。", f"{col} is not a number: '{s}'.",
                       i) from None
        if not np.isfinite(x) or (minimum is not None and x < minimum):
            floor_zh = f"≥ {minimum:g} 的" if minimum is not None else ""
            floor_en = f" >= {minimum:g}" if minimum is not None else ""
            raise _err(path, df, f"{col} = {s} 不合理（应为{floor_zh}有限数）；请改正。",
                       f"{col} = {s} is not allowed (must be a finite number{floor_en}); "
                       "correct it.", i, column=col, value=s)
        out[i] = x
    return out


def _flags(df: pd.DataFrame, col: str, path: Path) -> np.ndarray:
    out = np.zeros(len(df), dtype=bool)
    for i, val in enumerate(df[col]):
        s = str(val).strip().lower()
        if s in TRUE_WORDS:
            out[i] = True
        elif s not in FALSE_WORDS:
            raise _err(path, df, f"{col} 应为 是/否 或 1/0，实为“{val}”。",
                       f"{col} must be yes/no or 1/0, got '{val}'.", i)
    return out


def _coordinates(df: pd.DataFrame, path: Path, default_crs: str | None):
    """WGS-84 lon/lat of every row, converted from each row's datum."""
    lon = _numbers(df, "lon", path, required=False)
    lat = _numbers(df, "lat", path, required=False)
    half = np.isnan(lon) != np.isnan(lat)
    if half.any():
        raise _err(path, df, "经度和纬度只填了一个；请两个都填，或都留空（该村保留合成位置）。",
                   "only one of lon and lat is given; give both, or leave both empty (the "
                   "village then keeps a synthetic position).", int(np.flatnonzero(half)[0]))
    given = np.isfinite(lon)
    swapped = given & (lon >= 15) & (lon <= 55) & (lat >= 70) & (lat <= 140)
    if swapped.any():
        raise _err(path, df, "经纬度似乎写反了（经度应在 73–135，纬度应在 18–54）。"
                   "请交换经度与纬度两列。",
                   "longitude and latitude look swapped (lon should be 73–135, lat 18–54); "
                   "swap the lon and lat columns.", int(np.flatnonzero(swapped)[0]))
    bad = given & ~((lon >= 73) & (lon <= 136) & (lat >= 3) & (lat <= 54))
    if bad.any():
        raise _err(path, df, "坐标不在中国境内范围（经纬度应为十进制度）。",
                   "coordinates are outside China (decimal degrees expected).",
                   int(np.flatnonzero(bad)[0]))
    file_datum = parse_datum(default_crs or "")
    if file_datum is None:
        raise InputFileError(f"不支持的坐标系 --crs {default_crs}；"
                             "请用 wgs84、gcj02（高德/腾讯）或 "
                             "bd09（百度）。", f"unsupported --crs {default_crs}; use wgs84, gcj02 "
                             "(Amap/Tencent) or bd09 (Baidu).", path=str(path))
    datum = np.full(len(df), file_datum, dtype=object)
    if "crs" in df.columns:
        for i, text in enumerate(df["crs"]):
            if str(text).strip():
                d = parse_datum(text)
                if d is None:
                    raise _err(path, df, f"不支持的坐标系“{text}”，"
                               "请用 WGS84、GCJ02（高德/腾讯）或 "
                               "BD09（百度）。", f"unsupported crs '{text}'; use WGS84, GCJ02 "
                               "(Amap/Tencent) or BD09 (Baidu).", i)
                datum[i] = d
    for d in ("gcj02", "bd09"):
        rows = (datum == d) & given
        if rows.any():
            lon[rows], lat[rows] = to_wgs84(lon[rows], lat[rows], d)
    return lon, lat, datum


def _far_points(lon: np.ndarray, lat: np.ndarray, town_ids: np.ndarray,
                boundary: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Per row: excluded?, how far (m) and why — outside the county or away from its township."""
    utm = boundary.estimate_utm_crs()
    poly = boundary.to_crs(utm).geometry.iloc[0]
    pts = gpd.GeoSeries(shapely.points(lon, lat), crs="EPSG:4326").to_crs(utm)
    dist = pts.distance(poly).to_numpy().copy()
    far = dist > OUTSIDE_TOLERANCE_M
    why = ["county" if f else "" for f in far]
    for tid in np.unique(town_ids):
        rows = np.flatnonzero((town_ids == tid) & ~far)
        if len(rows) < 4:
            continue
        for i in rows:
            others = rows[rows != i]
            mx, my = np.median(lon[others]), np.median(lat[others])
            spread = np.median(haversine_m(lon[others], lat[others], mx, my))
            d = float(haversine_m(lon[i], lat[i], mx, my))
            if d > max(TOWN_OUTLIER_M, 4 * spread):
                far[i], dist[i], why[i] = True, d, "township"
    return far, dist, why


def _warn_far(path: Path, df: pd.DataFrame, rows: np.ndarray, dist: np.ndarray,
              why: list[str], names: np.ndarray) -> None:
    unit = "行" if df.attrs.get("unit", "line") == "line" else "个要素"
    zh, en = [], []
    for i, name in zip(rows, names, strict=True):
        n = _where(df, i)
        if why[i] == "county":
            zh.append(f"第 {n} {unit} {name} 在县界外 {dist[i] / 1000:.1f} km")
            en.append(f"{df.attrs.get('unit', 'line')} {n} {name}: {dist[i] / 1000:.1f} km "
                      "outside the county")
        else:
            zh.append(f"第 {n} {unit} {name} 离本乡镇其他村的中位位置 {dist[i] / 1000:.1f} km")
            en.append(f"{df.attrs.get('unit', 'line')} {n} {name}: {dist[i] / 1000:.1f} km from "
                      "the other villages of its township")
    warnings.warn(f"{path.name}：{len(rows)} 个坐标明显有误，已排除"
                  "（这些村保留合成位置并标注为合成）："
                  f"{'；'.join(zh)}。请核对坐标与坐标系（--crs wgs84/gcj02/bd09） | "
                  f"{len(rows)} positions are far off and excluded (those villages keep "
                  f"synthetic positions, labelled synthetic): {'; '.join(en)}. Check the "
                  "coordinates and their datum (--crs wgs84/gcj02/bd09).",
                  DataQualityWarning, stacklevel=4)


def _read(path: str | Path | VillageFile):
    spec = path if isinstance(path, VillageFile) else VillageFile(path)
    p = Path(spec.path)
    df, digest = read_village_rows(p, sheet=spec.sheet, header_names=known_headers())
    df, used = canonical_columns(df, p)
    return spec, p, df, used, digest


def merge_village_file(path: str | Path | VillageFile, villages: gpd.GeoDataFrame,
                       townships: gpd.GeoDataFrame, boundary: gpd.GeoDataFrame,
                       seat: Point):
    """Overlay a planner's village file on the official village list.

    Matched villages take the file's position (converted to WGS-84 from the
    file's or the row's datum), population, poor flag, existing site and
    parcels. Unmatched rows (with "did you mean" suggestions) and points far
    outside the county or their township are named in warnings and not used;
    those villages, and official villages missing from the file, keep
    synthetic positions labelled per row (``position_source``). Villages
    whose parcels come from the file get ``demand_source = "user"``.

    Parameters
    ----------
    path
        The file, or a :class:`VillageFile` with its datum and sheet.
    villages, townships, boundary, seat
        The county's official villages (with synthetic positions), townships,
        boundary and seat.

    Returns
    -------
    tuple
        ``(villages, townships, seat, positions_provenance, has_demand)``.

    Raises
    ------
    InputFileError
        Malformed or negative values (with line numbers), swapped
        coordinates, duplicates, or a file none of whose rows is a village
        of the county.
    """
    spec, path, df, used, digest = _read(path)
    most = max(MAX_ROWS_MIN, MAX_ROWS_PER_VILLAGE * len(villages))
    if len(df) > most:
        raise _err(path, df, f"文件有 {len(df):,} 行，而本县只有 {len(villages)} 个村级单位"
                   f"（上限 {most:,} 行）；是否选错了文件？",
                   f"the file has {len(df):,} rows but the county has {len(villages)} "
                   f"village-level units (limit {most:,} rows); is this the right file?",
                   rows=len(df))
    lon, lat, _ = _coordinates(df, path, spec.crs)
    found = match_villages(df, villages, townships)
    match = found.index
    if found.problems:
        zh, en = describe_problems(found.problems, df.attrs.get("unit", "line"))
        if (match < 0).all():
            raise _err(path, df, f"没有一行能与 {len(villages)} 个官方村名匹配"
                       f"（是否选错了县？）：{zh}",
                       f"none of the rows matches the {len(villages)} official villages (wrong "
                       f"county?): {en}", unmatched=len(found.problems))
        warnings.warn(f"{path.name}：{len(found.problems)} 行无法与官方村名单匹配，已忽略：{zh} | "
                      f"{len(found.problems)} rows do not match the official village list and "
                      f"are ignored: {en}", DataQualityWarning, stacklevel=3)
    if found.town_unknown and used.get("township") != "KML folder":  # folders may be anything
        show = found.town_unknown[:10]
        warnings.warn(f"{path.name}：{len(found.town_unknown)} 行的乡镇不在官方名单中，"
                      "已按村名在全县唯一匹配："
                      + "；".join(f"第 {n} 行 {t} → {o}" for n, t, o in show)
                      + f" | {len(found.town_unknown)} rows name a township not on the official "
                      "list and were matched by their village name, unique in the county: "
                      + "; ".join(f"line {n} {t} -> {o}" for n, t, o in show),
                      InputFileWarning, stacklevel=3)
    hit = np.flatnonzero(match >= 0)
    taken = pd.Series(match[hit]).duplicated(keep=False).to_numpy()
    if taken.any():
        lines = [_where(df, i) for i in hit[taken]]
        raise _err(path, df, f"重复的村（多行对应同一个官方村），行号：{lines[:10]}。"
                   "请删除重复行。",
                   f"several rows name the same village, at lines {lines[:10]}; remove the "
                   "duplicates.", duplicates=lines)
    values = {}
    for col, minimum in (("population", 0.0), ("parcels_down", 0.0), ("parcels_up", 0.0)):
        if col in df.columns:
            values[col] = _numbers(df, col, path, required=False, minimum=minimum)
    if "poor" in df.columns:
        values["poor"] = _flags(df, "poor", path)
    if "existing_site" in df.columns:
        values["existing_site"] = np.array(site_values(df, used["existing_site"]), dtype=object)
    located = hit[np.isfinite(lon[hit])]  # rows of the official list with coordinates
    far, dist, why = _far_points(lon[located], lat[located],
                                 villages["township_id"].to_numpy()[match[located]], boundary)
    if far.any():
        names = villages["name"].to_numpy()[match[located][far]]
        _warn_far(path, df, located[far], dist, why, names)
    v = villages.copy()
    pos_rows, pos_hit = match[located][~far], located[~far]
    geom = v.geometry.to_numpy().copy()
    geom[pos_rows] = shapely.points(lon[pos_hit], lat[pos_hit])
    v = v.set_geometry(gpd.GeoSeries(geom, crs="EPSG:4326", index=v.index))
    v.loc[v.index[pos_rows], "position_source"] = "user"
    for col, vals in values.items():
        v.loc[v.index[match[hit]], col] = vals[hit]
    n_user = len(pos_rows)
    n_missing = int((v["position_source"] != "user").sum())
    if n_missing:
        warnings.warn(f"{path.name}：官方名单中 {n_missing} 个村没有可用坐标，"
                      "已用合成位置补齐并标注为合成 | "
                      f"{n_missing} official villages have no usable coordinates in the file; "
                      "they get synthetic positions, labelled synthetic", DataQualityWarning,
                      stacklevel=3)
    towns, seat = _user_townships(v, townships, boundary, seat)
    counts = {"villages": {"user": n_user, "synthetic": n_missing}}
    prov = LayerProvenance(
        "user" if n_missing == 0 else "synthetic",
        f"planner's village file {path.name}: {n_user} of {len(v)} village positions"
        + (f"; {n_missing} villages placed synthetically" if n_missing else "")
        + (f" ({int(far.sum())} far-off points excluded)" if far.any() else ""),
        sha256=digest, counts=counts)
    return v, towns, seat, prov, "parcels_down" in values


def _user_townships(v: gpd.GeoDataFrame, towns: gpd.GeoDataFrame, boundary: gpd.GeoDataFrame,
                    seat: Point):
    """Township seats from the planner's villages where enough have positions; Voronoi territories.

    A township's seat moves to the medoid of its villages with a position from
    the file (communities preferred) only when they are enough
    (:func:`ruralnet.geo.seats.enough_for_a_seat`); otherwise the township
    keeps its seat (``seat_from_file`` False). ``villages_with_position``
    and ``villages_in_township`` say why.
    """
    utm = boundary.estimate_utm_crs()
    vu = v.to_crs(utm)
    t = towns.copy().to_crs(utm)
    kept = gpd.GeoSeries(shapely.points(t["seat_lon"], t["seat_lat"]), crs="EPSG:4326",
                         index=t.index).to_crs(utm) if "seat_lon" in t.columns else None
    seats, derived, n_user, n_all = [], [], [], []
    for i, row in enumerate(t.itertuples()):
        mine = vu[vu["township_id"] == row.township_id]
        filled = mine[mine["position_source"] == "user"]
        n_user.append(len(filled))
        n_all.append(len(mine))
        enough = enough_for_a_seat(len(filled), len(mine))
        derived.append(enough or kept is None)
        if not enough and kept is not None:
            seats.append(Point(kept.iloc[i].coords[0]))
            continue
        pool = filled if enough else mine
        pref = pool[pool["kind"] == "community"]
        pool = pref if len(pref) else pool
        if len(pool) == 0:
            seats.append(Point(row.geometry.representative_point()))
            continue
        xy = np.column_stack([pool.geometry.x, pool.geometry.y])
        d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)).sum(axis=1)
        seats.append(Point(xy[d.argmin()]))
    poly = boundary.to_crs(utm).geometry.iloc[0]
    cells = shapely.voronoi_polygons(shapely.MultiPoint(list(vu.geometry)),
                                     extend_to=poly.envelope.buffer(5000))
    cell_gdf = gpd.GeoDataFrame(geometry=list(cells.geoms), crs=utm)
    joined = gpd.sjoin(cell_gdf, vu[["township_id", "geometry"]], predicate="contains")
    terr = joined.dissolve(by="township_id").geometry.intersection(poly)
    t["geometry"] = [terr.get(tid, seats[i].buffer(1000))
                     for i, tid in enumerate(t["township_id"])]
    seat_ll = gpd.GeoSeries(seats, crs=utm).to_crs("EPSG:4326")
    t = t.to_crs("EPSG:4326")
    t["seat_lon"], t["seat_lat"] = seat_ll.x.to_numpy(), seat_ll.y.to_numpy()
    t["seat_from_file"] = derived
    t["villages_with_position"], t["villages_in_township"] = n_user, n_all
    first = int(np.argmin([0 if k == "subdistrict" else 1 if k == "town" else 2
                           for k in t["kind"]]))
    return t, (seat_ll.iloc[first] if derived[first] else seat)

"""Read and check a planner's village file (CSV, GeoJSON or GeoPackage).

A village file gives real positions (and optionally population, poor-village
flags, existing service points and daily parcels) for the official villages
of a county. The columns are described in ``data/village_dictionary.md``;
Chinese headers are accepted. Every problem is reported with the file and its
line number, in Chinese and English, before anything is used.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point

from ruralnet.exceptions import InputFileError
from ruralnet.geo.coords import gcj02_to_wgs84
from ruralnet.geo.provenance import LayerProvenance

#: Accepted header names per canonical column (first is canonical).
ALIASES: dict[str, tuple[str, ...]] = {
    "township": ("township", "乡镇", "乡镇名称", "镇", "乡镇（街道）"),
    "village": ("village", "村", "村名", "行政村", "村庄", "村委会", "名称", "name"),
    "lon": ("lon", "lng", "longitude", "经度", "x"),
    "lat": ("lat", "latitude", "纬度", "y"),
    "crs": ("crs", "坐标系"),
    "population": ("population", "人口", "户籍人口"),
    "poor": ("poor", "贫困村", "建档立卡贫困村", "经济薄弱村", "weak"),
    "existing_site": ("existing_site", "现有站点", "已有站点"),
    "parcels_down": ("parcels_down", "日均下行件", "下行件数"),
    "parcels_up": ("parcels_up", "日均上行件", "上行件数"),
}
REQUIRED = ("township", "village", "lon", "lat")
_TRUE = {"1", "true", "yes", "y", "是", "贫困村", "√", "t"}
_FALSE = {"0", "false", "no", "n", "否", "", "f", "nan"}
OUTSIDE_TOLERANCE_M = 2000.0


def _err(path: Path, zh: str, en: str, line: int | None = None, **kw) -> InputFileError:
    where_zh = f"{path.name}" + (f" 第 {line} 行" if line else "")
    where_en = f"{path.name}" + (f", line {line}" if line else "")
    return InputFileError(f"{where_zh}：{zh}", f"{where_en}: {en}", path=str(path), line=line,
                          **kw)


def read_table(path: str | Path) -> tuple[pd.DataFrame, str]:
    """Read a village file into a DataFrame of strings with a ``_line`` column.

    CSV files may be UTF-8 (with or without BOM) or GBK/GB18030, as exported
    by Excel on Chinese Windows. Line numbers count the header as line 1.

    Parameters
    ----------
    path
        ``.csv``, ``.geojson``/``.json`` or ``.gpkg`` file.

    Returns
    -------
    tuple
        The table (columns renamed to canonical names) and the file's sha256.

    Raises
    ------
    InputFileError
        Unreadable file, unknown encoding, or missing required columns.
    """
    path = Path(path)
    if not path.exists():
        raise _err(path, "文件不存在，请检查路径。", "file not found; check the path.")
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json", ".gpkg", ".shp"):
        try:
            gdf = gpd.read_file(path)
        except Exception as exc:  # pyogrio raises several types; report them uniformly
            raise _err(path, f"无法读取地理文件（{exc}）。", f"cannot read the file ({exc}).") from exc
        df = pd.DataFrame(gdf.drop(columns="geometry"))
        if "lon" not in df.columns and gdf.geometry.notna().all():
            df["lon"], df["lat"] = gdf.geometry.x, gdf.geometry.y
        df = df.astype(str)
        df["_line"] = np.arange(1, len(df) + 1)
    else:
        text = None
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        if text is None:
            raise _err(path, "编码无法识别，请另存为 UTF-8 或 GBK 编码的 CSV。",
                       "unknown text encoding; save the CSV as UTF-8 or GBK.")
        try:
            df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                             skipinitialspace=True)
        except pd.errors.ParserError as exc:
            m = re.search(r"line (\d+)", str(exc))
            raise _err(path, f"CSV 格式错误：{exc}", f"malformed CSV: {exc}",
                       line=int(m.group(1)) if m else None) from exc
        df["_line"] = np.arange(2, len(df) + 2)
    rename = {}
    lower = {str(c).strip().lower(): c for c in df.columns}
    for canon, names in ALIASES.items():
        for n in names:
            if n.lower() in lower:
                rename[lower[n.lower()]] = canon
                break
    df = df.rename(columns=rename)
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise _err(path, f"缺少必需的列：{', '.join(missing)}。必需列为 township(乡镇), "
                   f"village(村), lon(经度), lat(纬度)；见 data/village_template.csv。",
                   f"missing required column(s): {', '.join(missing)}. Required: township, "
                   "village, lon, lat; see data/village_template.csv.", missing=missing)
    return df, digest


def _numbers(df: pd.DataFrame, col: str, path: Path, *, required: bool) -> np.ndarray:
    out = np.full(len(df), np.nan)
    for i, (val, line) in enumerate(zip(df[col], df["_line"], strict=True)):
        s = str(val).strip()
        if s in ("", "nan", "None"):
            if required:
                raise _err(path, f"{col} 为空。", f"{col} is empty.", line=int(line))
            continue
        try:
            out[i] = float(s)
        except ValueError:
            raise _err(path, f"{col} 不是数字：“{s}”。", f"{col} is not a number: '{s}'.",
                       line=int(line)) from None
    return out


def _flags(df: pd.DataFrame, col: str, path: Path) -> np.ndarray:
    out = np.zeros(len(df), dtype=bool)
    for i, (val, line) in enumerate(zip(df[col], df["_line"], strict=True)):
        s = str(val).strip().lower()
        if s in _TRUE:
            out[i] = True
        elif s not in _FALSE:
            raise _err(path, f"{col} 应为 是/否 或 1/0，实为“{val}”。",
                       f"{col} must be yes/no or 1/0, got '{val}'.", line=int(line))
    return out


def _norm(name: str) -> str:
    s = re.sub(r"[\s（）()]", "", str(name))
    for suffix in ("村民委员会", "居民委员会", "村委会", "居委会", "社区", "村民委会", "委会"):
        if s.endswith(suffix) and len(s) > len(suffix):
            s = s[: -len(suffix)]
            break
    return s.removesuffix("村") if len(s) > 2 and s.endswith("村") else s


def _match_names(df: pd.DataFrame, official: pd.DataFrame, towns: pd.DataFrame,
                 path: Path) -> np.ndarray:
    """Return the official row index matched by each file row (-1 if unmatched)."""
    town_of = {}
    for r in towns.itertuples():
        town_of[r.name] = r.township_id
        town_of[_norm_town(r.name)] = r.township_id
    key = {}
    for idx, r in enumerate(official.itertuples()):
        key.setdefault((r.township_id, _norm(r.name)), []).append(idx)
    out = np.full(len(df), -1)
    for i, (t, v) in enumerate(zip(df["township"], df["village"], strict=True)):
        tid = town_of.get(str(t).strip()) or town_of.get(_norm_town(str(t)))
        cands = key.get((tid, _norm(v)), []) if tid else []
        if len(cands) == 1:
            out[i] = cands[0]
    return out


def _norm_town(name: str) -> str:
    s = str(name).strip()
    for suffix in ("街道办事处", "街道", "镇", "乡"):
        if s.endswith(suffix) and len(s) > len(suffix) + 1:
            return s[: -len(suffix)]
    return s


def merge_village_file(path: str | Path, villages: gpd.GeoDataFrame,
                       townships: gpd.GeoDataFrame, boundary: gpd.GeoDataFrame,
                       seat: Point):
    """Overlay a planner's village file on the official village list.

    Matched villages take the file's position (converted from GCJ-02 when the
    ``crs`` column says so), population, poor flag, existing site and parcels.
    Unmatched rows and points outside the boundary are reported as warnings;
    official villages missing from the file keep synthetic positions and are
    labelled so per row (``position_source``), and the positions layer is
    then labelled synthetic as a whole.

    Returns
    -------
    tuple
        ``(villages, townships, seat, positions_provenance, has_demand)``.

    Raises
    ------
    InputFileError
        Malformed values (with line numbers), swapped coordinates, duplicates.
    """
    path = Path(path)
    df, digest = read_table(path)
    lon = _numbers(df, "lon", path, required=True)
    lat = _numbers(df, "lat", path, required=True)
    swapped = (lon >= 15) & (lon <= 55) & (lat >= 70) & (lat <= 140)
    if swapped.any():
        line = int(df["_line"].iloc[int(np.flatnonzero(swapped)[0])])
        raise _err(path, "经纬度似乎写反了（经度应在 73–135，纬度应在 18–54）。请交换 lon 与 lat 两列。",
                   "longitude and latitude look swapped (lon should be 73–135, lat 18–54); "
                   "swap the lon and lat columns.", line=line)
    bad = ~((lon >= 73) & (lon <= 136) & (lat >= 3) & (lat <= 54))
    if bad.any():
        line = int(df["_line"].iloc[int(np.flatnonzero(bad)[0])])
        raise _err(path, "坐标不在中国境内范围。", "coordinates are outside China.", line=line)
    if "crs" in df.columns:
        crs = df["crs"].str.strip().str.upper().str.replace("-", "").replace({"": "WGS84"})
        unknown = ~crs.isin(["WGS84", "GCJ02", "EPSG:4326", "4326"])
        if unknown.any():
            i = int(np.flatnonzero(unknown.to_numpy())[0])
            raise _err(path, f"不支持的坐标系“{df['crs'].iloc[i]}”，请用 WGS-84 或 GCJ-02。",
                       f"unsupported crs '{df['crs'].iloc[i]}'; use WGS-84 or GCJ-02.",
                       line=int(df["_line"].iloc[i]))
        gcj = (crs == "GCJ02").to_numpy()
        if gcj.any():
            lon[gcj], lat[gcj] = gcj02_to_wgs84(lon[gcj], lat[gcj])
    dup = df.duplicated(subset=["township", "village"], keep=False)
    if dup.any():
        lines = df.loc[dup, "_line"].astype(int).tolist()
        raise _err(path, f"重复的村（同一乡镇同名），行号：{lines[:10]}。请删除重复行。",
                   f"duplicate village rows (same township and name) at lines {lines[:10]}; "
                   "remove the duplicates.", duplicates=lines)
    match = _match_names(df, villages, townships, path)
    unmatched = df.loc[match < 0, ["_line", "township", "village"]]
    if len(unmatched):
        show = "; ".join(f"{line}:{t}/{v}" for line, t, v in unmatched.head(10).to_numpy())
        warnings.warn(f"{path.name}：{len(unmatched)} 行无法与官方村名单匹配，已忽略（{show}） | "
                      f"{len(unmatched)} rows do not match the official village list and are "
                      f"ignored (line:township/village: {show})", stacklevel=3)
    v = villages.copy()
    hit = match >= 0
    rows = match[hit]
    pts = shapely.points(lon[hit], lat[hit])
    geom = v.geometry.to_numpy().copy()
    geom[rows] = pts
    v = v.set_geometry(gpd.GeoSeries(geom, crs="EPSG:4326", index=v.index))
    v.loc[v.index[rows], "position_source"] = "user"
    for col, fn in (("population", "n"), ("parcels_down", "n"), ("parcels_up", "n"),
                    ("poor", "f")):
        if col in df.columns:
            vals = (_numbers(df, col, path, required=False) if fn == "n"
                    else _flags(df, col, path))
            v.loc[v.index[rows], col] = vals[hit]
    if "existing_site" in df.columns:
        v.loc[v.index[rows], "existing_site"] = df["existing_site"].to_numpy()[hit]
    _check_outside(v, boundary, path)
    n_user = int(hit.sum())
    n_missing = int((v["position_source"] != "user").sum())
    if n_missing:
        warnings.warn(f"{path.name}：官方名单中 {n_missing} 个村没有坐标，已用合成位置补齐并标注为合成 | "
                      f"{n_missing} official villages have no coordinates in the file; they get "
                      "synthetic positions, labelled synthetic", stacklevel=3)
    towns, seat = _user_townships(v, townships, boundary, seat)
    prov = LayerProvenance(
        "user" if n_missing == 0 else "synthetic",
        f"planner's village file {path.name}: {n_user} positions"
        + (f"; {n_missing} villages placed synthetically" if n_missing else ""),
        sha256=digest)
    has_demand = "parcels_down" in df.columns
    return v, towns, seat, prov, has_demand


def _check_outside(v: gpd.GeoDataFrame, boundary: gpd.GeoDataFrame, path: Path) -> None:
    utm = boundary.estimate_utm_crs()
    poly = boundary.to_crs(utm).geometry.iloc[0].buffer(OUTSIDE_TOLERANCE_M)
    user = v[v["position_source"] == "user"]
    out = user[~user.to_crs(utm).within(poly)]
    if len(out):
        names = "、".join(out["name"].head(10))
        warnings.warn(f"{path.name}：{len(out)} 个村的坐标在县界外 {OUTSIDE_TOLERANCE_M:.0f} m 以上："
                      f"{names}；请核对坐标系（WGS-84/GCJ-02）| {len(out)} villages lie more than "
                      f"{OUTSIDE_TOLERANCE_M:.0f} m outside the county boundary; check their "
                      "coordinates and crs", stacklevel=4)


def _user_townships(v: gpd.GeoDataFrame, towns: gpd.GeoDataFrame, boundary: gpd.GeoDataFrame,
                    seat: Point):
    """Township seats at the medoid of their communities (else villages); Voronoi territories."""
    utm = boundary.estimate_utm_crs()
    vu = v.to_crs(utm)
    t = towns.copy().to_crs(utm)
    seats = []
    for row in t.itertuples():
        mine = vu[vu["township_id"] == row.township_id]
        pref = mine[mine["kind"] == "community"]
        pool = pref if len(pref) else mine
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
    first = int(np.argmin([0 if k == "subdistrict" else 1 if k == "town" else 2
                           for k in t["kind"]]))
    return t, seat_ll.iloc[first]

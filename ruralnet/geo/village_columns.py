"""The columns of a planner's village file: header synonyms, what is used, what is ignored.

The accepted names of every column (English and the Chinese headers bureaus
really use: 行政村名称, 是否贫困村, 现有网点, 邮政网点, 日均下行件, …) are
listed in :data:`ALIASES` and documented in ``data/village_dictionary.md``.
Headers are compared after removing spaces, brackets and units such as
``（件/日）``, so ``日均下行件（件）`` is ``日均下行件``. Every column that is not
used is listed in one :class:`~ruralnet.exceptions.InputFileWarning`, so a
header ruralnet does not know never silently drops a layer of data.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd

from ruralnet._tables import file_error
from ruralnet.exceptions import InputFileWarning

#: Accepted header names per canonical column (first is canonical).
ALIASES: dict[str, tuple[str, ...]] = {
    "township": ("township", "town", "乡镇", "乡镇名称", "镇", "乡", "乡镇（街道）", "乡镇街道",
                 "所属乡镇", "镇街", "街道", "乡镇名"),
    "village": ("village", "村", "村名", "村名称", "行政村", "行政村名称", "行政村名", "村庄",
                "村庄名称", "村委会", "村（社区）", "村社区", "村居", "村居名称", "名称", "name"),
    "village_id": ("village_id", "code", "村代码", "村级代码", "代码", "区划代码", "统计用区划代码",
                   "行政区划代码"),
    "lon": ("lon", "lng", "long", "longitude", "经度", "东经", "x"),
    "lat": ("lat", "latitude", "纬度", "北纬", "y"),
    "crs": ("crs", "坐标系", "坐标系统", "datum"),
    "population": ("population", "人口", "户籍人口", "常住人口", "总人口", "人口数"),
    "poor": ("poor", "weak", "贫困村", "是否贫困村", "建档立卡贫困村", "是否建档立卡贫困村",
             "经济薄弱村", "是否经济薄弱村", "薄弱村"),
    "existing_site": ("existing_site", "现有站点", "已有站点", "现有网点", "已有网点", "现有服务点",
                      "服务网点", "网点", "邮政网点", "快递网点", "供销网点"),
    "parcels_down": ("parcels_down", "日均下行件", "日均下行件数", "日均下行量", "下行件数",
                     "下行件", "日均派件", "日均派件量"),
    "parcels_up": ("parcels_up", "日均上行件", "日均上行件数", "日均上行量", "上行件数", "上行件",
                   "日均揽件", "日均揽件量"),
}

#: What a yes in an ``existing_site`` column means when the header names the kind of point.
SITE_KIND = {"邮政网点": "邮政", "快递网点": "快递", "供销网点": "供销"}

TRUE_WORDS = {"1", "true", "yes", "y", "是", "有", "贫困村", "√", "t", "x", "✓"}
FALSE_WORDS = {"0", "false", "no", "n", "否", "无", "", "f", "nan", "none", "-", "/", "×"}

_UNIT = re.compile(r"[（(][^）)]*[）)]$")


def header_key(name: str) -> str:
    """Normalise a header for matching: lower case, no spaces, no trailing unit in brackets.

    Examples
    --------
    >>> header_key(" 日均下行件（件/日）"), header_key("Longitude"), header_key("乡镇（街道）")
    ('日均下行件', 'longitude', '乡镇（街道）')
    """
    s = re.sub(r"\s+", "", str(name)).lower()
    if s in _KEYS:
        return s
    return _UNIT.sub("", s)


_KEYS = {re.sub(r"\s+", "", n).lower() for names in ALIASES.values() for n in names}


def known_headers() -> tuple[str, ...]:
    """Every accepted header, for finding the header row below title rows."""
    return tuple(n for names in ALIASES.values() for n in names)


def canonical_columns(df: pd.DataFrame, path: Path) -> tuple[pd.DataFrame, dict[str, str]]:
    """Rename the file's columns to canonical names; warn listing every column not used.

    A GIS or KML geometry (``_geom_lon``/``_geom_lat``) gives ``lon``/``lat``
    (attribute columns such as ``x``/``y`` are then listed as unused); a KML folder name
    (``_folder``) stands for the township when no township column exists.

    Returns
    -------
    tuple
        The renamed frame and ``{canonical: header in the file}``.

    Raises
    ------
    InputFileError
        No village name (or code), or no coordinates: the message lists the
        headers that were found.
    """
    used: dict[str, str] = {}
    for col in df.columns:
        if str(col).startswith("_"):
            continue
        key = header_key(col)
        for canon, names in ALIASES.items():
            if canon not in used and key in {header_key(n) for n in names}:
                used[canon] = col
                break
    if "_geom_lon" in df.columns:  # the geometry wins over attribute columns (x/y in metres…)
        used.pop("lon", None)
        used.pop("lat", None)
    out = df.rename(columns={v: k for k, v in used.items()})
    if "_geom_lon" in out.columns:
        out["lon"], out["lat"] = out["_geom_lon"], out["_geom_lat"]
        used["lon"] = used["lat"] = "geometry"
    if "_folder" in out.columns and "township" not in used:
        out["township"] = out["_folder"]
        used["township"] = "KML folder"
    headers = [str(c) for c in df.columns if not str(c).startswith("_")]
    missing = [c for c in ("lon", "lat") if c not in used]
    if "village" not in used and "village_id" not in used:
        missing.insert(0, "village")
    if missing:
        raise file_error(
            path, f"缺少必需的列：{', '.join(missing)}；"
            f"文件中的表头为：{'、'.join(headers) or '（无）'}。"
            "必需列为 村名（或村代码）、经度、纬度（乡镇建议填写）；可用的列名见 "
            "data/village_dictionary.md；格式示例见 data/village_template.csv，含全部官方村名的"
            "模板用 ruralnet geography --template 生成。",
            f"missing required column(s): {', '.join(missing)}; the headers found are: "
            f"{', '.join(headers) or '(none)'}. Required: village (or village_id), lon, lat "
            "(township recommended); accepted names are in data/village_dictionary.md, an "
            "example is data/village_template.csv, and `ruralnet geography --template` writes "
            "a template with every official village.", missing=missing,
            headers=headers)
    ignored = [h for h in headers if h not in used.values()]
    if ignored:
        warnings.warn(f"{path.name}：以下列未被使用：{'、'.join(ignored)}（可用列名见 "
                      f"data/village_dictionary.md）| columns not used: {', '.join(ignored)} "
                      "(accepted names: data/village_dictionary.md)", InputFileWarning,
                      stacklevel=3)
    return out, used


def site_values(df: pd.DataFrame, header: str) -> list[str]:
    """Return the ``existing_site`` column as the names of existing points ("" for none).

    A yes/no column such as 邮政网点 = 是 becomes the kind its header names
    (邮政); a column of names (邮政, 供销社, 快递超市) is kept as written.

    Examples
    --------
    >>> site_values(pd.DataFrame({"existing_site": ["是", "否", "供销社"]}), "邮政网点")
    ['邮政', '', '供销社']
    """
    kind = SITE_KIND.get(header_key(header), "现有网点")
    out = []
    for val in df["existing_site"]:
        s = str(val).strip()
        out.append("" if s.lower() in FALSE_WORDS else kind if s.lower() in TRUE_WORDS else s)
    return out

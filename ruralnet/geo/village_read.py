"""Read a planner's village file, whatever its form, into one table of strings.

Forms read (chosen by the file's suffix):

* tables — ``.csv``, ``.tsv``, ``.txt``, ``.xlsx`` — through the package's one
  table reader :func:`ruralnet._tables.read_table` (separator sniffed, UTF-8 or
  GBK, title rows skipped, first sheet or ``sheet``);
* GIS layers — ``.geojson``, ``.json``, ``.gpkg``, ``.shp`` — with their CRS
  honoured: reprojected to WGS-84 longitude/latitude; a layer without a CRS
  is taken as longitude/latitude only when its coordinates are degrees, and
  refused otherwise (a projected Shapefile without its ``.prj``);
* KML and KMZ points, as 奥维互动地图 (Ovi Map) and Google Earth export
  them: the placemark's ``name``, its ``ExtendedData`` fields and the
  enclosing folder's name (often the township). XML is parsed with
  ``defusedxml``, so entity expansion ("billion laughs") and external
  entities are refused; a ``.kmz`` is checked for zip bombs before it is
  unpacked.

Every reader returns the same thing: a DataFrame of stripped strings whose
columns are the file's own names, ``_line`` (the line of the CSV or KML, the
row of the sheet, the number of the GIS feature), and — for GIS and KML —
``_geom_lon``/``_geom_lat`` from the geometry. ``frame.attrs["unit"]`` says
what ``_line`` counts (``"line"`` or ``"feature"``).
"""

from __future__ import annotations

import hashlib
import warnings
import xml.sax.handler
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from ruralnet._tables import MAX_TABLE_BYTES, check_archive, file_error, read_table
from ruralnet.exceptions import InputFileWarning

TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls")
GIS_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp")
KML_SUFFIXES = (".kml", ".kmz")


def read_village_rows(path: str | Path, *, sheet: str | None = None,
                      header_names: tuple[str, ...] = ()) -> tuple[pd.DataFrame, str]:
    """Read a village file of any supported form into strings with ``_line``.

    Parameters
    ----------
    path
        The file (see the module docstring for the forms).
    sheet
        Excel sheet (default: the first).
    header_names
        Known column names, to find a table's header below title rows.

    Returns
    -------
    tuple
        The frame and the file's sha256.

    Raises
    ------
    InputFileError
        Missing, empty, hostile or unreadable file, naming it (and the line).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in KML_SUFFIXES:
        return _read_kml(path)
    if suffix in GIS_SUFFIXES:
        return _read_gis(path)
    return read_table(path, sheet=sheet, header_names=header_names)


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _check_file(path: Path) -> None:
    if not path.is_file():
        raise file_error(path, "文件不存在，请检查路径。", "file not found; check the path.")
    size = path.stat().st_size
    if size == 0:
        raise file_error(path, "文件为空（0 字节）。",
                         "cannot be read: the file is empty (0 bytes).")
    if size > MAX_TABLE_BYTES:
        raise file_error(path, f"文件有 {size / 1e6:,.0f} MB，"
                         f"超过上限 {MAX_TABLE_BYTES / 1e6:,.0f} MB。",
                         f"the file is {size / 1e6:,.0f} MB, above the limit of "
                         f"{MAX_TABLE_BYTES / 1e6:,.0f} MB.", size_bytes=size)


# --------------------------------------------------------------------------
# GIS layers
# --------------------------------------------------------------------------


def _looks_like_gbk_as_latin1(path: Path, gdf) -> bool:
    """Tell whether GDAL read a GBK Shapefile without .cpg (Chinese ArcGIS) as Latin-1."""
    if path.suffix.lower() != ".shp" or path.with_suffix(".cpg").exists():
        return False
    texts = [str(c) for c in gdf.columns] + [
        str(x) for c in gdf.columns if gdf[c].dtype == object for x in gdf[c].head(50)]
    return any("\x80" <= ch <= "\xff" for t in texts for ch in t)


def _read_gis(path: Path) -> tuple[pd.DataFrame, str]:
    import geopandas as gpd

    _check_file(path)
    try:
        gdf = gpd.read_file(path)
        if _looks_like_gbk_as_latin1(path, gdf):
            gdf = gpd.read_file(path, encoding="gbk")
    except Exception as exc:  # pyogrio raises several types; report them uniformly
        raise file_error(path, f"无法读取地理文件（{exc}）。",
                         f"cannot read the file ({exc}).") from exc
    if gdf.empty:
        raise file_error(path, "图层中没有要素。", "the layer has no features.")
    geom = gdf.geometry
    if gdf.crs is None:
        b = geom.total_bounds
        if not (-180 <= b[0] <= b[2] <= 180 and -90 <= b[1] <= b[3] <= 90):
            raise file_error(
                path, f"没有坐标系信息（Shapefile 缺少 .prj），"
                f"而坐标 {b[0]:.0f}, {b[1]:.0f} 不是经纬度；"
                "请连同 .prj 文件一起提供，或在 GIS 中导出为 WGS-84 经纬度。",
                f"the layer has no CRS (a Shapefile without its .prj) and its coordinates "
                f"({b[0]:.0f}, {b[1]:.0f}) are not degrees; supply the .prj or export as "
                "WGS-84 longitude/latitude.")
        gdf = gdf.set_crs("EPSG:4326")
    elif not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs("EPSG:4326")
    pts = gdf.geometry
    non_point = ~pts.geom_type.isin(["Point"]) & pts.notna() & ~pts.is_empty
    if non_point.any():
        warnings.warn(f"{path.name}：{int(non_point.sum())} 个要素不是点（如村界面），"
                      "取其内部代表点 | "
                      f"{int(non_point.sum())} features are not points (e.g. village polygons); "
                      "their representative point is used", InputFileWarning, stacklevel=4)
        pts = pts.where(~non_point, pts.representative_point())
    df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    df = df.map(lambda x: "" if x is None or (isinstance(x, float) and np.isnan(x)) else
                str(x).strip())
    ok = pts.notna() & ~pts.is_empty
    df["_geom_lon"] = [f"{p.x!r}" if good else "" for p, good in zip(pts, ok, strict=True)]
    df["_geom_lat"] = [f"{p.y!r}" if good else "" for p, good in zip(pts, ok, strict=True)]
    df["_line"] = np.arange(1, len(df) + 1)
    df.attrs["unit"] = "feature"
    return df, _digest(path)


# --------------------------------------------------------------------------
# KML / KMZ
# --------------------------------------------------------------------------


class _KmlHandler(xml.sax.handler.ContentHandler):
    """Collect point placemarks: name, folder, ExtendedData fields, coordinates, line."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, str]] = []
        self.skipped = 0
        self._stack: list[str] = []
        self._folders: list[str] = []
        self._text: list[str] = []
        self._pm: dict[str, str] | None = None
        self._data_name: str | None = None
        self._geom_kind: str | None = None

    def startElement(self, name, attrs):  # noqa: D102, N802 (SAX API names)
        tag = name.rsplit(":", 1)[-1]
        self._stack.append(tag)
        self._text = []
        if tag in ("Folder", "Document"):
            self._folders.append("")
        elif tag == "Placemark":
            self._pm = {"_line": str(self._locator.getLineNumber())}
            self._geom_kind = None
        elif tag in ("Data", "SimpleData") and self._pm is not None:
            self._data_name = attrs.get("name")
        elif tag in ("Point", "LineString", "Polygon", "LinearRing") and self._pm is not None:
            self._geom_kind = self._geom_kind or tag

    def characters(self, content):  # noqa: D102
        self._text.append(content)

    def endElement(self, name):  # noqa: D102, N802
        tag = self._stack.pop()
        text = "".join(self._text).strip()
        self._text = []
        parent = self._stack[-1] if self._stack else ""
        if tag == "name" and parent in ("Folder", "Document") and self._folders:
            self._folders[-1] = text
        elif tag in ("Folder", "Document") and self._folders:
            self._folders.pop()
        elif self._pm is not None:
            self._in_placemark(tag, parent, text)

    def _in_placemark(self, tag: str, parent: str, text: str) -> None:
        pm = self._pm
        if tag == "name" and parent == "Placemark":
            pm["name"] = text
        elif tag == "value" and parent == "Data" and self._data_name:
            pm[self._data_name] = text
        elif tag == "SimpleData" and self._data_name:
            pm[self._data_name] = text
        elif tag == "coordinates" and self._geom_kind == "Point":
            parts = text.replace(" ", "").split(",")
            pm["_geom_lon"], pm["_geom_lat"] = (parts + ["", ""])[:2]
        elif tag == "Placemark":
            if "_geom_lon" in pm:
                folder = next((f for f in reversed(self._folders) if f), "")
                pm.setdefault("_folder", folder)
                self.rows.append(pm)
            else:
                self.skipped += 1
            self._pm = None


def _read_kml(path: Path) -> tuple[pd.DataFrame, str]:
    import defusedxml.sax
    from defusedxml import DefusedXmlException

    _check_file(path)
    if path.suffix.lower() == ".kmz":
        check_archive(path)
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n.lower().endswith(".kml")]
            if not names:
                raise file_error(path, "KMZ 中没有 .kml 文件。", "the KMZ holds no .kml file.")
            main = "doc.kml" if "doc.kml" in names else names[0]
            raw = zf.read(main)
    else:
        raw = path.read_bytes()
    handler = _KmlHandler()
    try:
        defusedxml.sax.parseString(raw, handler)
    except DefusedXmlException as exc:
        raise file_error(path, f"XML 含有被禁止的实体或 DTD（{type(exc).__name__}），"
                         "可能是恶意文件，拒绝读取。",
                         f"the XML uses forbidden entities or a DTD ({type(exc).__name__}), "
                         "as hostile files do (entity expansion); refused.") from exc
    except xml.sax.SAXParseException as exc:
        raise file_error(path, f"不是有效的 KML/XML：{exc.getMessage()}",
                         f"not valid KML/XML: {exc.getMessage()}",
                         line=exc.getLineNumber()) from exc
    if not handler.rows:
        raise file_error(path, "KML 中没有点状地标（Placemark/Point）；"
                         f"跳过了 {handler.skipped} 个线/面地标。",
                         f"the KML holds no point placemarks; {handler.skipped} line/polygon "
                         "placemarks were skipped.")
    if handler.skipped:
        warnings.warn(f"{path.name}：跳过 {handler.skipped} 个不是点的地标（线、面）| skipped "
                      f"{handler.skipped} placemarks that are not points (lines, polygons)",
                      InputFileWarning, stacklevel=4)
    df = pd.DataFrame(handler.rows).fillna("")
    df["_line"] = df["_line"].astype(int)
    df.attrs["unit"] = "line"
    return df, _digest(path)


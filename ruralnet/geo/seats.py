"""Township territories, seats and village points of the default geography.

Real seats come first: township and county seats matched from GeoNames
(``data/admin/seats.csv.gz``, see ``data/README.md``; CC BY 4.0) are used where
known, and only the remaining seats, the township territories and the village
points are generated (:mod:`ruralnet.geo.synthetic`) — around the real seats.
A township without a real seat but with a credible ``sizhi`` bounding box
(``data/admin/township_boxes.csv.gz``) gets its synthetic seat at the box
centre, so its territory forms there; it is still labelled ``synthetic``.
Every seat carries its source in ``seat_source`` (``geonames``, ``user`` or
``synthetic``) and :func:`position_counts` says how many of each.

Examples
--------
>>> from ruralnet.geo.county import load_county
>>> c = load_county("安溪")
>>> position_counts(c.townships, c.villages, c.seat_source)["township_seats"]
{'geonames': 22, 'synthetic': 2}
>>> seat_sentence(position_counts(c.townships, c.villages, c.seat_source))
'乡镇驻地 22/24 为真实位置（GeoNames），村庄位置为合成'
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point

from ruralnet.exceptions import DataQualityWarning
from ruralnet.geo import synthetic as syn
from ruralnet.geo.admin import CountyRecord, seats_of, township_boxes
from ruralnet.geo.provenance import LayerProvenance

GEONAMES_ATTRIBUTION = "GeoNames (geonames.org), CC BY 4.0"
"""Attribution that must accompany every use of the GeoNames seats."""


def county_seat_township(towns: pd.DataFrame) -> int:
    """Index of the township hosting the county government: first subdistrict, else first town."""
    for kind in ("subdistrict", "town"):
        idx = towns.index[towns["kind"] == kind]
        if len(idx):
            return int(idx[0])
    return 0


def real_seats(code: str, township_codes: list[str]) -> tuple[np.ndarray, Point | None, int | None]:
    """GeoNames seats of one county.

    Returns
    -------
    tuple
        ``(lonlat, county_seat, seat_township)``: an array (n, 2) of township
        seats in the order of ``township_codes`` (NaN where unknown), the
        county seat as a lon/lat point or None, and the index of the township
        that hosts it (None when unknown).
    """
    df = seats_of(code)
    towns = df[df["level"] == "township"].set_index("code")
    lonlat = np.full((len(township_codes), 2), np.nan)
    for i, t in enumerate(township_codes):
        if t in towns.index:
            lonlat[i] = towns.loc[t, ["lon", "lat"]].to_numpy(dtype=float)
    county = df[df["level"] == "county"]
    seat = seat_town = None
    if len(county):
        row = county.iloc[0]
        seat = Point(float(row["lon"]), float(row["lat"]))
        if row["seat_township"] in township_codes:
            seat_town = township_codes.index(row["seat_township"])
    return lonlat, seat, seat_town


def place_layers(record: CountyRecord, boundary: gpd.GeoDataFrame, towns: pd.DataFrame,
                 vills: pd.DataFrame, seed: int
                 ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, Point, str]:
    """Township territories and seats, village points and the county seat of the default geography.

    Real (GeoNames) seats are kept where known and labelled ``geonames`` in
    ``seat_source``; the other seats, all territories and all village points
    are synthetic, drawn around the real seats.

    Parameters
    ----------
    record, boundary
        The county and its official boundary (EPSG:4326).
    towns
        Township table with ``code``, ``kind``.
    vills
        Village table with ``township_code``, ``kind``.
    seed
        Seed of the synthetic parts.

    Returns
    -------
    tuple
        ``(townships, villages, county_seat, county_seat_source)``, EPSG:4326.
    """
    utm = boundary.estimate_utm_crs()
    poly = shapely.make_valid(boundary.to_crs(utm).geometry.iloc[0])
    real_ll, real_county, real_seat_town = real_seats(record.code, list(towns["code"]))
    known = np.isfinite(real_ll).all(axis=1)
    real_xy = np.full_like(real_ll, np.nan)
    if known.any():
        pts = gpd.GeoSeries(shapely.points(real_ll[known]), crs="EPSG:4326").to_crs(utm)
        real_xy[known] = np.column_stack([pts.x, pts.y])
    boxed = _box_anchors(record.code, list(towns["code"]), poly, utm, known)
    anchored = np.isfinite(boxed).all(axis=1)
    real_xy[anchored] = boxed[anchored]
    fixed_mask = known | anchored
    rng = syn.rng_for(record.code, seed, "partition")
    seat_i = real_seat_town if real_seat_town is not None else county_seat_township(towns)
    order = [seat_i] + [i for i in range(len(towns)) if i != seat_i]
    counts = vills.groupby("township_code").size()
    weight = np.array([max(float(counts.get(towns.loc[i, "code"], 0)), 3.0) for i in order])
    n_samples = int(np.clip(60 * len(towns), 600, 3000))
    xy = syn.sample_in_polygon(poly, n_samples, rng)
    if fixed_mask.any():  # the fixed seats are samples too, so each lies in its own territory
        xy = np.concatenate([xy, real_xy[fixed_mask]])
    start = np.array(poly.representative_point().coords[0])
    if real_county is not None and not known[seat_i]:
        cpt = gpd.GeoSeries([real_county], crs="EPSG:4326").to_crs(utm).iloc[0]
        start = np.array(cpt.coords[0])
    fixed = real_xy[order] if fixed_mask.any() else None
    labels = syn.balanced_partition(xy, weight / weight.sum(), start, rng, fixed=fixed)
    terr = syn.territories(xy, labels, len(order), poly)
    seats = np.empty((len(towns), 2))
    geoms: list = [None] * len(towns)
    for region, i in enumerate(order):
        pts = xy[labels == region]
        if fixed_mask[i]:
            seats[i] = real_xy[i]
        else:
            centroid = pts.mean(axis=0) if len(pts) else start
            seats[i] = pts[((pts - centroid) ** 2).sum(axis=1).argmin()] if len(pts) else start
        geoms[i] = terr[region]
    town_gdf = gpd.GeoDataFrame(towns.reset_index(drop=True), geometry=geoms, crs=utm)
    vill_gdf = _villages(record, vills, towns, geoms, seats, seed, utm)
    seat_pts = gpd.GeoSeries(shapely.points(seats), crs=utm).to_crs("EPSG:4326")
    town_gdf = town_gdf.to_crs("EPSG:4326")
    town_gdf["seat_lon"] = seat_pts.x.to_numpy()
    town_gdf["seat_lat"] = seat_pts.y.to_numpy()
    # keep the real seats to the digit (no UTM round trip)
    town_gdf.loc[known, "seat_lon"] = real_ll[known, 0]
    town_gdf.loc[known, "seat_lat"] = real_ll[known, 1]
    town_gdf["seat_source"] = np.where(known, "geonames", "synthetic")
    if real_county is not None:
        return town_gdf, vill_gdf, real_county, "geonames"
    row = town_gdf.iloc[seat_i]
    return (town_gdf, vill_gdf, Point(row["seat_lon"], row["seat_lat"]),
            str(row["seat_source"]))


def _box_anchors(code: str, township_codes: list[str], poly, utm, known: np.ndarray) -> np.ndarray:
    """Seats of townships with a ``sizhi`` box: its centre, else a point of box ∩ county."""
    out = np.full((len(township_codes), 2), np.nan)
    boxes = township_boxes(code).set_index("code")
    for i, t in enumerate(township_codes):
        if known[i] or t not in boxes.index:
            continue
        b = boxes.loc[t]
        box = gpd.GeoSeries([shapely.box(b["west"], b["south"], b["east"], b["north"])],
                            crs="EPSG:4326").to_crs(utm).iloc[0]
        area = box.intersection(poly)
        if area.is_empty:
            continue
        centre = box.centroid
        pt = centre if area.contains(centre) else area.representative_point()
        out[i] = pt.coords[0]
    return out


def _villages(record: CountyRecord, vills: pd.DataFrame, towns: pd.DataFrame, geoms: list,
              seats: np.ndarray, seed: int, utm) -> gpd.GeoDataFrame:
    vxy = np.empty((len(vills), 2))
    codes = vills["township_code"].to_numpy()
    kinds_all = vills["kind"].to_numpy()
    for i, trow in towns.iterrows():
        in_town = np.flatnonzero(codes == trow["code"])
        if not len(in_town):
            continue
        vrng = syn.rng_for(record.code, seed, trow["code"])
        kinds = kinds_all[in_town]
        comm = in_town[kinds == "community"]
        rest = in_town[kinds != "community"]
        area = geoms[i] if not geoms[i].is_empty else Point(seats[i]).buffer(2000)
        radius = float(np.clip(np.sqrt(area.area) / 8, 800, 3000))
        vxy[comm] = syn.spaced_points(area, len(comm), vrng, near=seats[i], radius=radius)
        vxy[rest] = syn.spaced_points(area, len(rest), vrng)
    return gpd.GeoDataFrame(vills.reset_index(drop=True), geometry=shapely.points(vxy),
                            crs=utm).to_crs("EPSG:4326")


MIN_SEAT_SHARE = 0.5
"""Share of a township's villages that must have a position from the planner's file before
its seat is derived from them (else the seat keeps its source)."""
MIN_SEAT_VILLAGES = 3
"""…and at least this many of them (all of them in a township with fewer villages)."""


def enough_for_a_seat(with_position: int, in_township: int) -> bool:
    """Whether ``with_position`` of ``in_township`` villages are enough to place the seat.

    Examples
    --------
    >>> enough_for_a_seat(2, 12), enough_for_a_seat(6, 12), enough_for_a_seat(2, 2)
    (False, True, True)
    >>> enough_for_a_seat(3, 7), enough_for_a_seat(0, 0)
    (False, False)
    """
    return (in_township > 0 and with_position >= min(MIN_SEAT_VILLAGES, in_township)
            and with_position >= MIN_SEAT_SHARE * in_township)


def keep_real_seats(towns: gpd.GeoDataFrame, placed: gpd.GeoDataFrame, seat: Point,
                    placed_seat: Point, placed_seat_source: str
                    ) -> tuple[gpd.GeoDataFrame, Point, str]:
    """After a village file: real (GeoNames) seats win over seats derived from the file.

    ``towns`` and ``seat`` come from the village-file merge: a seat at the
    medoid of the planner's villages (source ``user``) where the township has
    enough of them with positions (:func:`enough_for_a_seat`, column
    ``seat_from_file``), else the township's own seat, which keeps its source
    from ``placed`` (the default geography with ``seat_source``); a
    :class:`~ruralnet.exceptions.DataQualityWarning` names those with some
    but too few villages in the file, with their counts. The county seat
    follows its township.
    """
    t = towns.copy()
    real = placed.set_index("township_id")
    src = real["seat_source"].reindex(t["township_id"]).to_numpy()
    is_real = src == "geonames"
    from_file = (t["seat_from_file"].to_numpy(dtype=bool) if "seat_from_file" in t.columns
                 else np.ones(len(t), dtype=bool))
    t["seat_source"] = np.where(is_real, "geonames", np.where(from_file, "user", src))
    keep = is_real | ~from_file
    for col in ("seat_lon", "seat_lat"):
        t.loc[keep, col] = real[col].reindex(t["township_id"]).to_numpy()[keep]
    few = ~is_real & ~from_file
    if "villages_with_position" in t.columns:  # a township with none in the file: nothing to say
        few &= t["villages_with_position"].to_numpy() > 0
        _warn_few(t[few])
    t = t.drop(columns=[c for c in ("seat_from_file", "villages_with_position",
                                    "villages_in_township") if c in t.columns])
    if placed_seat_source == "geonames":
        return t, placed_seat, "geonames"
    if not from_file[county_seat_township(t.reset_index(drop=True))]:
        return t, placed_seat, placed_seat_source
    return t, seat, "user"


def _warn_few(towns: pd.DataFrame) -> None:
    """Name the townships whose seat was not derived from too few villages of the file."""
    if towns.empty:
        return
    parts = [f"{r.name} {r.villages_with_position}/{r.villages_in_township}"
             for r in towns.itertuples()]
    shown = "，".join(parts[:10]) + ("…" if len(parts) > 10 else "")
    need = f"≥ {MIN_SEAT_SHARE:.0%} 且 ≥ {MIN_SEAT_VILLAGES}"
    warnings.warn(
        f"{len(parts)} 个乡镇的村庄文件坐标太少（有坐标村数/村数：{shown}；需要 {need}），"
        "其驻地不由规划者村庄推得，保留原来源（合成） | "
        f"{len(parts)} townships have too few villages with positions in the file "
        f"({shown}; {MIN_SEAT_SHARE:.0%} and at least {MIN_SEAT_VILLAGES} needed): their seats "
        "are not derived from the planner's villages and keep their source (synthetic)",
        DataQualityWarning, stacklevel=4)


def position_counts(towns: pd.DataFrame, villages: pd.DataFrame,
                    county_seat_source: str) -> dict[str, dict[str, int]]:
    """How many township seats, villages and county seats come from each source."""
    def tally(s: pd.Series) -> dict[str, int]:
        return {str(k): int(v) for k, v in sorted(s.value_counts().items())}
    return {"county_seat": {county_seat_source: 1},
            "township_seats": tally(towns["seat_source"]),
            "villages": tally(villages["position_source"])}


def seat_sentence(counts: dict[str, dict[str, int]]) -> str:
    """One Chinese sentence such as ``乡镇驻地 22/24 为真实位置（GeoNames），村庄位置为合成``.

    >>> seat_sentence({"township_seats": {}, "villages": {}})
    '乡镇驻地 0/0 为真实位置，无村庄位置'
    >>> seat_sentence({"township_seats": {"geonames": 2}, "villages": {"user": 3}})
    '乡镇驻地 2/2 为真实位置（GeoNames），村庄位置来自规划者文件'
    """
    seats = counts["township_seats"]
    n = sum(seats.values())
    real = seats.get("geonames", 0)
    vill = counts["villages"]
    names = {"user": "规划者文件", "osm": "OSM", "synthetic": "合成"}
    if not sum(vill.values()):
        vtext = "无村庄位置"
    elif vill.get("synthetic", 0) == 0 and set(vill) <= {"user"}:
        vtext = "村庄位置来自规划者文件"
    elif set(vill) - {"synthetic"}:
        vtext = "村庄位置：" + " / ".join(f"{names.get(k, k)} {vill[k]}" for k in
                                       ("user", "osm", "synthetic") if vill.get(k))
    else:
        vtext = "村庄位置为合成"
    if real:
        head = f"乡镇驻地 {real}/{n} 为真实位置（GeoNames）"
    elif seats.get("user", 0):
        head = f"乡镇驻地 {seats['user']}/{n} 由规划者村庄位置推得"
    else:
        head = f"乡镇驻地 0/{n} 为真实位置"
    return f"{head}，{vtext}"


def positions_provenance(counts: dict[str, dict[str, int]], seed: int,
                         base: LayerProvenance | None = None) -> LayerProvenance:
    """Provenance of the positions layer, honest when mixed (counts and GeoNames attribution)."""
    seats = counts["township_seats"]
    n = sum(seats.values())
    real = seats.get("geonames", 0)
    vill = counts["villages"]
    synthetic_left = (seats.get("synthetic", 0) + vill.get("synthetic", 0)
                      + counts["county_seat"].get("synthetic", 0)) > 0
    parts = [seat_sentence(counts)]
    en = (f"township seats {real}/{n} real (GeoNames), "
          f"{seats.get('user', 0)} from the planner's villages, "
          f"{seats.get('synthetic', 0)} synthetic; county seat "
          f"{next(iter(counts['county_seat']))}; villages "
          + ", ".join(f"{v} {k}" for k, v in vill.items()))
    parts.append(en)
    if base is not None:
        parts.append(base.description)
    else:
        parts.append(f"synthetic territories and village points generated inside the real "
                     f"boundary around the seats (seed {seed}; a synthetic seat sits at the centre "
                     f"of its township's sizhi box where one is known); NOT real locations")
    if real or counts["county_seat"].get("geonames"):
        parts.append(f"seats: {GEONAMES_ATTRIBUTION}")
    source = "synthetic" if synthetic_left else (base.source if base is not None else "user")
    return LayerProvenance(source, " | ".join(parts),
                           sha256=base.sha256 if base is not None else None,
                           vintage=base.vintage if base is not None else None, counts=counts)

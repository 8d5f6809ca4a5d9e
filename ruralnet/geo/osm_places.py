"""Match OpenStreetMap settlement places to a county's official 行政村/社区 list.

No registry package holds village coordinates for China, but the extract a
planner downloads for roads also carries settlement nodes
(``place=village|hamlet|town|isolated_dwelling|neighbourhood...``) and named
areas. :func:`match_osm_places` matches them to the official NBS list and
:func:`with_osm_positions` moves the matched villages there, labelled ``osm``
per feature with the OSM element id.

Matching, for each official village:

1. **Names.** Every name tag of a place (``name``, ``name:zh``,
   ``name:zh-Hans``, ``official_name``, ``alt_name`` split on ``;``,
   ``short_name``) is compared with the official name: *exact* when it is the
   official name or that name without its committee word (``美法村委会`` →
   ``美法村``; ``下西社区居委会`` → ``下西社区``); *suffix* when both agree once
   村/村委会/村民委员会/社区/居委会/居民委员会 are stripped (``美法``). A
   name ending in 村 never matches a 社区 and vice versa.
2. **Place.** Only places inside the county boundary (plus
   ``county_buffer_m``) count. When the name repeats among the county's
   official units (``上西社区`` in 凤城镇, ``上西村`` in 蓬莱镇), only places inside
   the village's own township territory (plus ``tolerance_m``) count, so each
   takes the one in its township.
3. **One answer or none.** The best name level wins; several places at that
   level more than ``same_place_m`` apart (two 美法村 in one township) are
   *ambiguous* and refused; a node and an area of the same village within
   ``same_place_m`` are one place (the node wins). A match outside its
   township's territory (plus ``tolerance_m``) *and* farther than
   ``max_seat_km`` from its township seat is refused as *outside_township*:
   both tests together, because the township territories are generated
   around the seats rather than surveyed. A place claimed by two villages
   goes to the one with the better name level, or to neither.

Every refusal is reported with its reason; :meth:`PlaceMatch.write_csv`
writes the unmatched official villages and the unmatched OSM places for the
bureau to fix names or add coordinates.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from ruralnet.geo.coords import haversine_m
from ruralnet.geo.county import County
from ruralnet.geo.provenance import LayerProvenance

logger = logging.getLogger(__name__)

__all__ = ["MatchParams", "PlaceMatch", "match_osm_places", "name_key", "with_osm_positions"]

#: Committee words stripped from official names, longest first.
_COMMITTEE = ("村民委员会", "社区居民委员会", "社区居委会", "社区居民会", "居民委员会", "村委会",
              "居委会", "居民会")
#: Settlement words stripped after the committee word, with the kind they imply.
_SUFFIX = (("社区", "community"), ("村", "village"))
_NAME_TAGS = ("name", "name:zh", "name:zh-Hans", "official_name", "alt_name", "short_name")
_LABEL = {"osm": "OSM", "user": "用户 user", "synthetic": "合成 synthetic",
          "official": "官方 official"}


@dataclass(frozen=True)
class MatchParams:
    """Distances that decide whether an OSM place is a village's.

    Attributes
    ----------
    county_buffer_m
        Places up to this far outside the county boundary still count (the
        embedded boundary is simplified to about 200 m).
    tolerance_m
        Slack around a township territory.
    max_seat_km
        A match outside its township's territory and farther than this from
        its township seat is refused.
    same_place_m
        Places with the same name closer than this are one village (node and
        area, or two nodes of one village).

    Examples
    --------
    >>> MatchParams(max_seat_km=-1)
    Traceback (most recent call last):
    ...
    ValueError: max_seat_km must be > 0, got -1
    """

    county_buffer_m: float = 1000.0
    tolerance_m: float = 1500.0
    max_seat_km: float = 15.0
    same_place_m: float = 1000.0

    def __post_init__(self) -> None:
        for name in ("county_buffer_m", "tolerance_m", "max_seat_km", "same_place_m"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and v > 0):
                raise ValueError(f"{name} must be > 0, got {v}")


@dataclass(frozen=True)
class PlaceMatch:
    """The outcome of matching an extract's places to the official list.

    Attributes
    ----------
    villages
        One row per official village-level unit: ``village_id``, ``name``,
        ``township_id``, ``township``, ``status`` (``matched``,
        ``ambiguous``, ``outside_township``, ``unmatched``), ``osm_ref``,
        ``osm_name``, ``method`` (e.g. ``"exact name"``, ``"suffix
        name:zh"``), ``lon``, ``lat`` (the OSM position when matched) and
        ``reason`` (why not, in Chinese and English).
    places
        One row per OSM place inside the county: ``osm_ref``, ``name``,
        ``place``, ``lon``, ``lat``, ``township_id`` (the territory it lies
        in, ``""`` if none), ``status`` (``matched`` or ``unmatched``) and
        ``village_id`` when matched.
    source
        Description of the extract (for provenance).
    """

    villages: pd.DataFrame
    places: pd.DataFrame
    source: str = "OpenStreetMap"

    def counts(self) -> dict[str, int]:
        """Return the number of official units per status."""
        c = self.villages["status"].value_counts()
        return {s: int(c.get(s, 0)) for s in ("matched", "ambiguous", "outside_township",
                                             "unmatched")}

    @property
    def match_rate(self) -> float:
        """Share of the official units matched (0 when the list is empty)."""
        return self.counts()["matched"] / len(self.villages) if len(self.villages) else 0.0

    def summary(self) -> str:
        """Return a short bilingual account of the match."""
        c = self.counts()
        n_places = len(self.places)
        free = int((self.places["status"] == "unmatched").sum()) if n_places else 0
        return (f"OSM 村庄匹配 village match: {c['matched']}/{len(self.villages)} matched "
                f"({self.match_rate:.0%}); {c['ambiguous']} ambiguous, "
                f"{c['outside_township']} outside their township, {c['unmatched']} not found; "
                f"{n_places} OSM places in the county, {free} unmatched")

    def write_csv(self, path: str | Path) -> Path:
        """Write the unmatched official villages and unmatched OSM places as one CSV (UTF-8 BOM).

        Columns: ``table`` (``official_village`` or ``osm_place``), ``id``
        (village code or OSM element), ``name``, ``township_id``, ``status``,
        ``reason``, ``osm_ref``, ``lon``, ``lat``.
        """
        v = self.villages[self.villages["status"] != "matched"]
        p = self.places[self.places["status"] != "matched"]
        rows = pd.concat([
            pd.DataFrame({"table": "official_village", "id": v["village_id"], "name": v["name"],
                          "township_id": v["township_id"], "status": v["status"],
                          "reason": v["reason"], "osm_ref": v["osm_ref"], "lon": v["lon"],
                          "lat": v["lat"]}),
            pd.DataFrame({"table": "osm_place", "id": p["osm_ref"], "name": p["name"],
                          "township_id": p["township_id"], "status": p["status"],
                          "reason": "不在官方名单中或未能唯一匹配 not matched to an official unit",
                          "osm_ref": p["osm_ref"], "lon": p["lon"], "lat": p["lat"]}),
        ], ignore_index=True)
        path = Path(path)
        rows.to_csv(path, index=False, encoding="utf-8-sig")
        return path


def name_key(name: str) -> tuple[str, str | None, str]:
    """Return ``(base, kind, plain)`` of a settlement name.

    ``base`` is the name without committee and settlement words, ``kind``
    what the settlement word implies (``"village"``, ``"community"`` or
    ``None``) and ``plain`` the name without the committee word only.

    Examples
    --------
    >>> name_key("下西社区居委会")
    ('下西', 'community', '下西社区')
    >>> name_key("美法村委会"), name_key("美法")
    (('美法', 'village', '美法村'), ('美法', None, '美法'))
    >>> name_key("湖头茶场生活区")
    ('湖头茶场生活区', None, '湖头茶场生活区')
    """
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(name)))
    kind: str | None = None
    for word in _COMMITTEE:
        if s.endswith(word) and len(s) > len(word):
            s = s[: -len(word)]
            kind = "community" if word.startswith(("社区", "居")) else "village"
            break
    plain = s if kind is None else s + ("社区" if kind == "community" and not s.endswith("社区")
                                        else "村" if kind == "village" and not s.endswith("村")
                                        else "")
    for word, implied in _SUFFIX:
        if s.endswith(word) and len(s) > len(word):
            return s[: -len(word)], implied, plain
    return s, kind, plain


def match_osm_places(county: County, places: pd.DataFrame,
                     params: MatchParams | None = None, *,
                     source: str = "OpenStreetMap") -> PlaceMatch:
    """Match OSM settlement places to the county's official village-level units.

    Parameters
    ----------
    county
        The county (official list, boundary, township territories and seats).
    places
        Places as read by :func:`ruralnet.roads.osm.read_osm_extract`:
        ``osm_ref``, ``place``, the name tags, ``lon``, ``lat``, ``is_area``.
    params
        Distances of the rules (module docstring).
    source
        Description of the extract, kept on the result.

    Returns
    -------
    PlaceMatch
    """
    params = params or MatchParams()
    utm = county.boundary.estimate_utm_crs()
    inside = _places_in_county(county, places, params, utm)
    official = _official_table(county)
    terr = county.townships[["township_id", "geometry"]].to_crs(utm)
    ctx = _Context(inside, official, dict(zip(terr["township_id"].astype(str), terr.geometry,
                                              strict=True)), params)
    pairs = _name_pairs(official, inside)
    rows: list[dict] = []
    chosen: dict[str, list[int]] = {}
    for i, v in official.iterrows():
        rows.append(_decide(v, pairs[pairs["vi"] == i], ctx))
        if rows[-1]["status"] == "matched":
            chosen.setdefault(rows[-1]["osm_ref"], []).append(len(rows) - 1)
    _settle_conflicts(rows, chosen)
    villages = pd.DataFrame(rows)
    taken = dict(zip(villages.loc[villages["status"] == "matched", "osm_ref"],
                     villages.loc[villages["status"] == "matched", "village_id"], strict=True))
    out_places = inside[["osm_ref", "name", "place", "lon", "lat", "township_id"]].copy()
    out_places["status"] = np.where(out_places["osm_ref"].isin(taken), "matched", "unmatched")
    out_places["village_id"] = out_places["osm_ref"].map(taken).fillna("")
    match = PlaceMatch(villages, out_places.reset_index(drop=True), source)
    logger.info("%s", match.summary())
    return match


def with_osm_positions(county: County, match: PlaceMatch) -> County:
    """Return the county with its matched villages at their OSM positions.

    Only villages whose position is still ``synthetic`` move: a planner's
    village file (``user``) wins over OSM, and OSM wins over synthetic. Moved
    villages get ``position_source == "osm"`` and ``position_ref`` (the OSM
    element, ``"node/123"``); the positions layer's description gives the
    counts per source. The layer stays ``synthetic`` while any village,
    seat or territory remains generated.
    """
    v = county.villages.copy()
    if "position_ref" not in v:
        v["position_ref"] = ""
    hit = match.villages[match.villages["status"] == "matched"].set_index("village_id")
    movable = v["village_id"].isin(hit.index) & (v["position_source"] == "synthetic")
    ids = v.loc[movable, "village_id"]
    v.loc[movable, "geometry"] = [Point(hit.at[i, "lon"], hit.at[i, "lat"]) for i in ids]
    v.loc[movable, "position_source"] = "osm"
    v.loc[movable, "position_ref"] = hit.loc[ids, "osm_ref"].to_numpy()
    v = gpd.GeoDataFrame(v, geometry="geometry", crs=county.villages.crs)
    prov = dict(county.provenance)
    old = prov.get("positions", LayerProvenance("synthetic", "positions"))
    line = position_counts_line(v)
    changes: dict[str, Any] = {"description": (
        f"{old.description}; {line} (village positions from {match.source}: "
        f"{int(movable.sum())} moved, {len(hit) - int(movable.sum())} kept from the "
        "planner's file)")}
    if "counts" in {f.name for f in fields(old)}:  # per-feature counts, where the layer has them
        counts = dict(getattr(old, "counts", None) or {})
        counts["villages"] = {str(k): int(n) for k, n in
                              sorted(v["position_source"].value_counts().items())}
        changes["counts"] = counts
    prov["positions"] = replace(old, **changes)
    return replace(county, villages=v, provenance=prov)


def position_counts_line(villages: pd.DataFrame) -> str:
    """Return e.g. ``"村庄位置：OSM 312 / 合成 131"`` from the ``position_source`` column.

    Examples
    --------
    >>> position_counts_line(pd.DataFrame({"position_source": ["osm", "osm", "synthetic"]}))
    '村庄位置 village positions：OSM 2 / 合成 synthetic 1'
    """
    c = villages["position_source"].value_counts()
    order = [s for s in ("user", "osm", "official", "synthetic") if s in c] + \
        [s for s in c.index if s not in _LABEL]
    return "村庄位置 village positions：" + " / ".join(f"{_LABEL.get(s, s)} {int(c[s])}"
                                                   for s in order)


# --------------------------------------------------------------------------
# the steps
# --------------------------------------------------------------------------


def _places_in_county(county: County, places: pd.DataFrame, params: MatchParams,
                      utm: Any) -> pd.DataFrame:
    """Places inside the buffered county, with UTM metres and the territory each lies in."""
    cols = ["osm_ref", "place", *_NAME_TAGS, "lon", "lat", "is_area", "township_id", "x_m", "y_m"]
    if places is None or places.empty:
        return pd.DataFrame(columns=cols)
    pts = gpd.GeoDataFrame(places.reset_index(drop=True).copy(),
                           geometry=gpd.points_from_xy(places["lon"], places["lat"]), crs=4326)
    for tag in _NAME_TAGS:
        if tag not in pts:
            pts[tag] = ""
        pts[tag] = pts[tag].fillna("").astype(str)
    area = county.boundary.to_crs(utm).geometry.union_all().buffer(params.county_buffer_m)
    metric = pts.to_crs(utm)
    keep = metric.within(area).to_numpy()
    pts, metric = pts[keep].copy(), metric[keep]
    pts["x_m"], pts["y_m"] = metric.geometry.x.to_numpy(), metric.geometry.y.to_numpy()
    terr = county.townships[["township_id", "geometry"]].to_crs(utm)
    joined = gpd.sjoin(metric[["geometry"]], terr, how="left", predicate="within")
    first = joined[~joined.index.duplicated()]["township_id"]
    pts["township_id"] = first.reindex(pts.index).fillna("").astype(str)
    return pd.DataFrame(pts[cols])


def _official_table(county: County) -> pd.DataFrame:
    v = county.villages.reset_index(drop=True)
    keys = [name_key(n) for n in v["name"]]
    t = county.townships.set_index("township_id")
    out = pd.DataFrame({
        "village_id": v["village_id"].astype(str), "name": v["name"].astype(str),
        "township_id": v["township_id"].astype(str), "kind": v["kind"].astype(str),
        "base": [k[0] for k in keys], "hint": [k[1] for k in keys],
        "plain": [k[2] for k in keys]})
    out["township"] = out["township_id"].map(t["name"]).fillna("")
    out["seat_lon"] = out["township_id"].map(t["seat_lon"])
    out["seat_lat"] = out["township_id"].map(t["seat_lat"])
    out["repeats"] = out.groupby("base")["base"].transform("size") > 1
    return out


def _compatible(hint: str | None, kind: str) -> bool:
    return hint is None or kind == "other" or hint == kind


def _name_pairs(official: pd.DataFrame, places: pd.DataFrame) -> pd.DataFrame:
    """Every (official village, place, name level) whose names agree."""
    by_base: dict[str, list[int]] = {}
    for i, b in enumerate(official["base"]):
        by_base.setdefault(b, []).append(i)
    rows = []
    for pi, p in places.iterrows():
        for tag in _NAME_TAGS:
            for value in (x.strip() for x in str(p[tag]).split(";")):
                if not value:
                    continue
                base, hint, _ = name_key(value)
                for vi in by_base.get(base, ()):
                    o = official.iloc[vi]
                    if not _compatible(hint, o["kind"]):
                        continue
                    exact = value in (o["name"], o["plain"])
                    rows.append((vi, pi, (0 if exact else 1, 0 if tag == "name" else 1),
                                 f"{'exact' if exact else 'suffix'} {tag}", value))
    return pd.DataFrame(rows, columns=["vi", "pi", "level", "method", "value"])


@dataclass(frozen=True)
class _Context:
    places: pd.DataFrame
    official: pd.DataFrame
    territories: dict[str, Any]  # township_id -> territory in the county's UTM zone
    params: MatchParams


def _decide(v: pd.Series, pairs: pd.DataFrame, ctx: _Context) -> dict:
    row = {"village_id": v["village_id"], "name": v["name"], "township_id": v["township_id"],
           "township": v["township"], "status": "unmatched", "osm_ref": "", "osm_name": "",
           "method": "", "lon": np.nan, "lat": np.nan, "level": None,
           "reason": "OSM 中没有同名地点 no OSM place of this name in the county"}
    if pairs.empty:
        return row
    places, official, params = ctx.places, ctx.official, ctx.params
    if v["repeats"]:
        pairs = pairs[[_near_township(places.loc[pi], v, ctx) for pi in pairs["pi"]]]
        if pairs.empty:
            others = official.loc[(official["base"] == v["base"])
                                  & (official["village_id"] != v["village_id"]), "township"]
            row["reason"] = (f"重名（{'、'.join(others)}也有），本乡镇范围内没有同名地点"
                             f" | the name repeats in {', '.join(others)}; no OSM place of it "
                             "in this township")
            return row
    best = pairs[pairs["level"] == pairs["level"].min()]
    cand = places.loc[best["pi"].unique()]
    spread = float(haversine_m(cand["lon"].min(), cand["lat"].min(), cand["lon"].max(),
                               cand["lat"].max())) if len(cand) > 1 else 0.0
    refs = ", ".join(cand["osm_ref"])
    if spread > params.same_place_m:
        row.update(status="ambiguous", osm_ref=refs, reason=(
            f"{len(cand)} 个同名 OSM 地点相距 {spread / 1000:.1f} km：{refs} | {len(cand)} OSM "
            f"places of this name lie {spread / 1000:.1f} km apart: {refs}"))
        return row
    pick = cand.sort_values(["is_area", "osm_ref"]).iloc[0]
    pair = best[best["pi"] == pick.name].iloc[0]
    row.update(osm_ref=pick["osm_ref"], osm_name=pair["value"], method=pair["method"],
               lon=float(pick["lon"]), lat=float(pick["lat"]), level=pair["level"])
    seat_km = float(haversine_m(pick["lon"], pick["lat"], v["seat_lon"], v["seat_lat"])) / 1000
    if not _near_township(pick, v, ctx) and seat_km > params.max_seat_km:
        lies = pick["township_id"] or "—"
        row.update(status="outside_township", reason=(
            f"OSM 地点 {pick['osm_ref']} 不在{v['township']}范围内，距乡镇驻地 {seat_km:.1f} km"
            f"（位于 {lies}） | OSM place {pick['osm_ref']} lies outside {v['township']}, "
            f"{seat_km:.1f} km from its seat (in township {lies})"))
        return row
    row.update(status="matched", reason="")
    return row


def _near_township(place: pd.Series, v: pd.Series, ctx: _Context) -> bool:
    """Whether a place lies in the village's township territory (plus tolerance)."""
    if place["township_id"] == v["township_id"]:
        return True
    geom = ctx.territories.get(v["township_id"])
    if geom is None or geom.is_empty:
        return False
    return bool(geom.distance(Point(place["x_m"], place["y_m"])) <= ctx.params.tolerance_m)


def _settle_conflicts(rows: list[dict], chosen: dict[str, list[int]]) -> None:
    """Give a place claimed by several villages to the best name level, or to none."""
    for ref, idx in chosen.items():
        if len(idx) < 2:
            continue
        levels = sorted(rows[i]["level"] for i in idx)
        winner = min(idx, key=lambda i: rows[i]["level"]) if levels[0] < levels[1] else None
        names = "、".join(rows[i]["name"] for i in idx)
        for i in idx:
            if i != winner:
                rows[i].update(status="ambiguous", reason=(
                    f"OSM 地点 {ref} 同时匹配 {names} | OSM place {ref} matches {names}"))
    for r in rows:
        r.pop("level", None)

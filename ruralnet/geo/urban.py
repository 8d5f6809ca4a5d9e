"""Urban districts: which county-level divisions are city, not countryside.

The 电子商务进农村 programme serves 行政村 (村委会) through township stations.
A downtown 市辖区 has 街道 (subdistricts) instead of 乡镇 and 社区 (居委会)
instead of 村: its parcels are delivered by the city's couriers and their
last-mile points (快递末端), and planning its 街道 as if they were townships
would be pretending. :func:`urban_status` decides from the embedded admin
table alone (NBS 2023 codes):

* the share of 社区 among the village-level units (村委会 + 社区 + other), and
* the share of 街道 among the township-level units (NBS township kind
  ``subdistrict``, i.e. township codes 001–099, against 镇 100–199 and
  乡 200–299).

A division is **urban** when at least half of its village-level units are
社区 *and* it has at least one 街道 (or no 行政村 at all): 454 of the 2,859
divisions of the embedded table, 428 of them 市辖区 (浦东新区: 1,165 社区 of
1,526 units, 12 街道 and 24 镇, is urban and its 355 行政村 are planned;
昆山市, 129 行政村 and 225 社区 in 7 镇 and no 街道, is rural). An urban
division's plan covers only its 行政村 (if any) on the normal network;
its 社区 are left to the city's couriers, and the plan says so with the
figures of this rule.

Examples
--------
>>> s = urban_status("110101")  # 东城区, 北京
>>> s.urban, s.village_committees, s.subdistricts
(True, 0, 17)
>>> urban_status("350524").urban  # 安溪县
False
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ruralnet.geo.admin import resolve_county, townships_of, villages_of
from ruralnet.geo.county import County
from ruralnet.geo.seats import position_counts, seat_sentence

__all__ = ["COMMUNITY_SHARE", "MIN_SUBDISTRICTS", "UrbanStatus", "classify", "county_status",
           "rural_part", "urban_status"]

#: Share of 社区 among village-level units from which a division can be urban.
COMMUNITY_SHARE = 0.5
#: 街道 a division with 行政村 needs to be urban.
MIN_SUBDISTRICTS = 1


@dataclass(frozen=True)
class UrbanStatus:
    """Whether a county-level division is urban, with the admin figures that decide it.

    Attributes
    ----------
    code, name
        The division.
    urban
        ``True`` when the rule of this module says urban.
    village_committees, communities, other_units
        Village-level units by kind (NBS 2023): 行政村, 社区, others.
    subdistricts, towns, townships, other_townships
        Township-level units by NBS kind: 街道, 镇, 乡, others.
    """

    code: str
    name: str
    urban: bool
    village_committees: int
    communities: int
    other_units: int
    subdistricts: int
    towns: int
    townships: int
    other_townships: int

    @property
    def community_share(self) -> float:
        """Share of 社区 among the village-level units (0 when there are none)."""
        n = self.village_committees + self.communities + self.other_units
        return self.communities / n if n else 0.0

    @property
    def subdistrict_share(self) -> float:
        """Share of 街道 among the township-level units (0 when there are none)."""
        n = self.subdistricts + self.towns + self.townships + self.other_townships
        return self.subdistricts / n if n else 0.0

    def reason(self) -> tuple[str, str]:
        """Return the bilingual reason (Chinese, English) with the deciding figures."""
        fig_zh = (f"社区 {self.communities} 个、行政村 {self.village_committees} 个"
                  f"（社区占村级单位 {self.community_share:.0%}）；街道 {self.subdistricts} 个、"
                  f"镇 {self.towns} 个、"
                  f"乡 {self.townships} 个（街道占乡级单位 {self.subdistrict_share:.0%}；"
                  "国家统计局 2023 区划代码）")
        fig_en = (f"{self.communities} communities and {self.village_committees} administrative "
                  f"villages ({self.community_share:.0%} of village-level units are communities); "
                  f"{self.subdistricts} subdistricts, {self.towns} towns, {self.townships} "
                  f"townships ({self.subdistrict_share:.0%} of township-level units are "
                  "subdistricts; NBS 2023 division codes)")
        if not self.urban:
            return (f"按农村县规划：{fig_zh}。", f"planned as a rural county: {fig_en}.")
        tail_zh = ("无行政村，不需农村物流线路" if self.village_committees == 0
                   else f"只为其 {self.village_committees} 个行政村规划农村物流网络")
        tail_en = ("it has no administrative village, so no rural route is needed"
                   if self.village_committees == 0
                   else f"the rural network is planned for its {self.village_committees} "
                   "administrative villages only")
        return (f"城区：{fig_zh}。社区由城市快递及其末端网点服务，没有行政村的街道不按乡镇规划；"
                f"{tail_zh}。",
                f"urban district: {fig_en}. Communities are served by the city's couriers and "
                f"their last-mile points (快递末端); subdistricts without administrative "
                f"villages are not planned as townships; {tail_en}.")

    def to_dict(self) -> dict[str, Any]:
        """Return the ``urban`` section of ``plan.json``."""
        zh, en = self.reason()
        return {"urban": self.urban, "reason_zh": zh, "reason_en": en,
                "rule": (f"urban when communities >= {COMMUNITY_SHARE:.0%} of village-level "
                         f"units and (at least {MIN_SUBDISTRICTS} subdistrict or no "
                         "administrative village)"),
                "source": "NBS 2023 division codes (embedded admin table)",
                "village_committees": self.village_committees, "communities": self.communities,
                "other_units": self.other_units, "subdistricts": self.subdistricts,
                "towns": self.towns, "townships": self.townships,
                "other_townships": self.other_townships,
                "community_share": round(self.community_share, 4),
                "subdistrict_share": round(self.subdistrict_share, 4)}


def classify(code: str, name: str, *, village_committees: int, communities: int,
             other_units: int, subdistricts: int, towns: int, townships: int,
             other_townships: int) -> UrbanStatus:
    """Apply the rule to counts (see the module docstring).

    Examples
    --------
    >>> classify("x", "某市", village_committees=10, communities=40, other_units=0,
    ...          subdistricts=0, towns=5, townships=0, other_townships=0).urban
    False
    >>> classify("x", "某区", village_committees=0, communities=40, other_units=0,
    ...          subdistricts=0, towns=5, townships=0, other_townships=0).urban
    True
    """
    s = UrbanStatus(code, name, False, village_committees, communities, other_units,
                    subdistricts, towns, townships, other_townships)
    urban = s.community_share >= COMMUNITY_SHARE and (
        subdistricts >= MIN_SUBDISTRICTS or village_committees == 0)
    return UrbanStatus(code, name, urban, village_committees, communities, other_units,
                       subdistricts, towns, townships, other_townships)


def urban_status(code: str) -> UrbanStatus:
    """Classify a county-level division (six-digit code or a name) as urban or rural.

    Raises
    ------
    UnknownCountyError, AmbiguousCountyError
        When the query does not name exactly one county-level division.
    """
    rec = resolve_county(code)
    return _counted(rec.code, rec.name, villages_of(rec.code)["kind"],
                    townships_of(rec.code)["kind"])

def _counted(code: str, name: str, village_kinds: Any, township_kinds: Any) -> UrbanStatus:
    v, t = village_kinds.value_counts(), township_kinds.value_counts()
    return classify(code, name, village_committees=int(v.get("village", 0)),
                    communities=int(v.get("community", 0)),
                    other_units=int(v.drop(["village", "community"], errors="ignore").sum()),
                    subdistricts=int(t.get("subdistrict", 0)), towns=int(t.get("town", 0)),
                    townships=int(t.get("township", 0)),
                    other_townships=int(t.drop(["subdistrict", "town", "township"],
                                               errors="ignore").sum()))


def county_status(county: County) -> UrbanStatus:
    """Classify a loaded county from its own township and village layers (their NBS kinds)."""
    return _counted(county.code, county.name, county.villages["kind"], county.townships["kind"])


def rural_part(county: County) -> County:
    """Return the part of an urban county the rural network plans: its 行政村, their townships.

    社区 and other village-level units are left to the city's couriers; a
    township-level unit (街道, 镇, 乡) with no 行政村 is dropped. The county
    seat, boundary and provenance are kept. May return a county with no
    village at all (see :func:`ruralnet.plan.urban.urban_plan`).
    """
    v = county.villages[county.villages["kind"] == "village"].reset_index(drop=True)
    t = county.townships[county.townships["township_id"].isin(set(v["township_id"]))].copy()
    t["n_villages"] = t["township_id"].map(v.groupby("township_id").size()).fillna(0).astype(int)
    t = t.reset_index(drop=True)
    prov = dict(county.provenance)
    pos = prov.get("positions")
    if pos is not None and pos.counts:
        counts = position_counts(t, v, county.seat_source)
        prov["positions"] = replace(pos, counts=counts, description=(
            f"{seat_sentence(counts)}（城区只规划行政村 urban district: its administrative "
            f"villages only; the whole division: {pos.description})"))
    dem = prov.get("demand")
    if dem is not None and dem.counts and "demand_source" in v.columns:
        prov["demand"] = replace(dem, counts={"villages": {
            str(k): int(n) for k, n in sorted(v["demand_source"].value_counts().items())}})
    return replace(county, villages=v, townships=t, provenance=prov)

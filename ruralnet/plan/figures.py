"""One definition of each village and township figure, computed from the plan document alone.

The summary, the scorecard, the report, the Excel workbook and the map
legend all quote the same few figures; this module is where each is
defined, so that they agree with each other and with a recount of
``plan.json`` by hand. Programme targets count **administrative villages**
(行政村, ``kind == "village"``) only: 社区 (``community``) and other units
(farms, work areas) are counted separately and never in a village share.

Definitions (every route in ``plan.json`` runs daily):

daily-served 行政村
    An administrative village that a feeder or direct route stops at
    (``stop.village_id``; these are ``coverage.villages_daily``), or that
    hosts a site (warehouse or township station) a route stops at or leaves
    from — parcels reach it every day at that site (``daily_at_site``).
routes-visited 行政村
    The same set: a route reaches the village, whatever the tier. Kept as a
    name because 灌云 2020 counts "物流快递服务村覆盖" and 贵州 2017
    "配送到80%的行政村" by the network's reach rather than by the day.
passed, not stopped
    An administrative village that is not served but whose position lies
    within ``tolerance_m`` of a route's road ``path`` — a vehicle drives
    through it without stopping. Never reported as "left out".
not served
    The remaining administrative villages.
station-hosting 行政村
    An administrative village hosting a ``village_station`` site; stations
    in 社区 and other units are counted apart (``stations_by_village_kind``).
daily-served townships
    Townships whose township station a trunk or direct route stops at
    (``coverage.townships_daily``).

Formatting for people: :func:`format_percent` (``'80.1%'``, one decimal)
and :func:`format_share` (``'355/443 (80.1%)'``); the figures themselves
keep full precision.

API
---
:func:`plan_figures` (plan dict or :class:`~ruralnet.plan.document.Plan`,
keyword ``tolerance_m``) → :class:`PlanFigures`, with the id tuples above,
the counts ``villages_total``, ``communities_total``, ``other_total``,
``townships_total``, shares in percent (:meth:`PlanFigures.share`),
:meth:`PlanFigures.lines` (bilingual summary lines) and
:meth:`PlanFigures.to_dict` (plain numbers for tables and legends).

Examples
--------
>>> plan = {"villages": [
...     {"id": "v1", "name": "甲村", "kind": "village", "lon": 118.0, "lat": 25.0},
...     {"id": "v2", "name": "乙村", "kind": "village", "lon": 118.1, "lat": 25.0},
...     {"id": "v3", "name": "丙村", "kind": "village", "lon": 118.2, "lat": 25.0},
...     {"id": "c1", "name": "一社区", "kind": "community", "lon": 118.0, "lat": 25.1}],
...   "townships": [{"id": "t1", "name": "一镇"}],
...   "sites": [{"id": "W1", "kind": "county_warehouse", "village_id": "v1",
...              "township_id": "t1"},
...             {"id": "S1", "kind": "township_station", "village_id": "v1",
...              "township_id": "t1"},
...             {"id": "P1", "kind": "village_station", "village_id": "c1",
...              "township_id": "t1"}],
...   "routes": [{"tier": "direct", "depot_site_id": "W1",
...               "stops": [{"site_id": "W1"}, {"site_id": "S1"}, {"village_id": "v3"},
...                         {"site_id": "W1"}],
...               "path": [[118.0, 25.0], [118.1, 25.0], [118.2, 25.0], [118.0, 25.0]]}]}
>>> f = plan_figures(plan)
>>> f.daily_served, f.daily_at_site, f.passed_not_stopped, f.not_served
(('v1', 'v3'), ('v1',), ('v2',), ())
>>> f.format("daily_served"), f.stations_by_village_kind["community"]
('2/3 (66.7%)', 1)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_EARTH_M = 6_371_008.8
DEFAULT_TOLERANCE_M = 50.0
"""How close (m) a road path must pass a village for it to count as passed."""
_VILLAGE_SETS = ("daily_served", "daily_by_stop", "daily_at_site", "passed_not_stopped",
                 "not_served", "station_hosting")


def format_percent(value: float | None, digits: int = 1) -> str:
    """Format a percentage (``80.137`` → ``'80.1%'``); ``None`` → ``'—'``.

    Examples
    --------
    >>> format_percent(80.13544), format_percent(None), format_percent(100.0)
    ('80.1%', '—', '100.0%')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.{digits}f}%"


def format_share(count: int, total: int) -> str:
    """Format a count over a total with its percentage, ``'355/443 (80.1%)'``.

    Examples
    --------
    >>> format_share(355, 443), format_share(0, 0)
    ('355/443 (80.1%)', '0/0 (—)')
    """
    return f"{count}/{total} ({format_percent(percent(count, total))})"


def percent(count: int, total: int) -> float | None:
    """``100 · count / total`` at full precision, ``None`` for an empty total."""
    return None if total == 0 else 100.0 * count / total


@dataclass(frozen=True)
class PlanFigures:
    """The village and township figures of one plan (see the module docstring).

    Village attributes are tuples of administrative-village ids in plan
    order; ``daily_served`` = ``daily_by_stop`` ∪ ``daily_at_site`` and it
    equals ``routes_visited``.
    """

    villages_total: int
    communities_total: int
    other_total: int
    daily_served: tuple[str, ...]
    daily_by_stop: tuple[str, ...]
    daily_at_site: tuple[str, ...]
    passed_not_stopped: tuple[str, ...]
    not_served: tuple[str, ...]
    station_hosting: tuple[str, ...]
    stations_by_village_kind: dict[str, int]
    communities_daily: int
    townships_total: int
    townships_daily: tuple[str, ...]
    names: dict[str, str] = field(default_factory=dict, repr=False)
    tolerance_m: float = 50.0

    @property
    def routes_visited(self) -> tuple[str, ...]:
        """行政村 a route reaches (the same set as ``daily_served``: every route runs daily)."""
        return self.daily_served

    def count(self, name: str) -> int:
        """Count the 行政村 (townships for ``townships_daily``) in the named set."""
        return len(getattr(self, name))

    def share(self, name: str) -> float | None:
        """Return the named set as a percentage of 行政村 (of townships for ``townships_daily``)."""
        total = self.townships_total if name == "townships_daily" else self.villages_total
        return percent(self.count(name), total)

    def format(self, name: str) -> str:
        """``'355/443 (80.1%)'`` for the named set."""
        total = self.townships_total if name == "townships_daily" else self.villages_total
        return format_share(self.count(name), total)

    def listed(self, name: str, limit: int = 8) -> str:
        """Names of the villages in a set, at most ``limit`` then ``…(+n)``."""
        ids = getattr(self, name)
        shown = [self.names.get(i, i) for i in ids[:limit]]
        more = len(ids) - len(shown)
        return "、".join(shown) + (f" …(+{more})" if more > 0 else "")

    def lines(self) -> list[str]:
        """Bilingual lines for the console and report summaries."""
        st = self.stations_by_village_kind
        return [
            f"每日配送行政村 daily-served administrative villages: {self.format('daily_served')}"
            f" — {self.count('daily_by_stop')} as route stops, "
            f"{self.count('daily_at_site')} at a warehouse/township station they host",
            f"途经未停靠 passed, not stopped (a daily route drives through): "
            f"{self.count('passed_not_stopped')}; 未服务 not served: {self.count('not_served')}",
            f"设服务站行政村 station-hosting administrative villages: "
            f"{self.format('station_hosting')}; stations in 社区 communities "
            f"{st['community']}, in other units {st['other']}",
            f"每日配送乡镇 daily-served townships: {self.format('townships_daily')}; "
            f"社区 communities served daily: {self.communities_daily}/{self.communities_total}",
        ]

    def to_dict(self) -> dict[str, Any]:
        """Return counts and percentages (full precision) for tables, legends and workbooks."""
        out: dict[str, Any] = {"villages_total": self.villages_total,
                               "communities_total": self.communities_total,
                               "other_total": self.other_total,
                               "townships_total": self.townships_total,
                               "communities_daily": self.communities_daily,
                               "tolerance_m": self.tolerance_m}
        for name in (*_VILLAGE_SETS, "townships_daily"):
            out[f"{name}_count"] = self.count(name)
            out[f"{name}_pct"] = self.share(name)
        out.update({f"village_stations_in_{k}": v for k, v in
                    self.stations_by_village_kind.items()})
        return out


def township_station_towns(doc: Mapping[str, Any]) -> dict[str, str | None]:
    """Map each township station's site id to its township id (None when it has none).

    The one reading of "which township does this station serve", used by the
    figures, the parcel costs and the scorecard's station labels.
    """
    return {s["id"]: s.get("township_id") for s in doc.get("sites", [])
            if s["kind"] == "township_station"}


def plan_figures(plan: Any, *, tolerance_m: float = DEFAULT_TOLERANCE_M) -> PlanFigures:
    """Compute :class:`PlanFigures` from a plan document.

    Parameters
    ----------
    plan
        A :class:`~ruralnet.plan.document.Plan` or its ``data`` dict (needs
        ``villages``, ``townships``, ``sites``, ``routes``). A Plan's figures
        at the default tolerance are computed once and kept (``Plan.figures``).
    tolerance_m
        How close a route's road path must come to a village's position for
        the village to count as passed (default 50 m; on the synthetic
        network villages are road nodes, so the distance is 0).

    Returns
    -------
    PlanFigures
    """
    cached = getattr(plan, "figures", None)  # a Plan keeps its figures (Plan.figures)
    if isinstance(cached, PlanFigures) and tolerance_m == DEFAULT_TOLERANCE_M:
        return cached
    d: Mapping[str, Any] = getattr(plan, "data", plan)
    villages = list(d["villages"])
    kind = {v["id"]: v["kind"] for v in villages}
    admin = [v["id"] for v in villages if v["kind"] == "village"]
    site_village = {s["id"]: s.get("village_id") for s in d["sites"]}
    by_stop: set[str] = set()
    at_site: set[str] = set()
    for r in d["routes"]:
        for s in r["stops"]:
            if s.get("village_id"):
                by_stop.add(s["village_id"])
            elif s.get("site_id") and site_village.get(s["site_id"]):
                at_site.add(site_village[s["site_id"]])
        if site_village.get(r.get("depot_site_id")):
            at_site.add(site_village[r["depot_site_id"]])
    served = by_stop | at_site
    unserved = [v for v in villages if v["kind"] == "village" and v["id"] not in served]
    passed = _on_paths(unserved, d["routes"], tolerance_m)
    hosting = {s.get("village_id") for s in d["sites"] if s["kind"] == "village_station"}
    by_kind = {"village": 0, "community": 0, "other": 0, "none": 0}
    for s in d["sites"]:
        if s["kind"] == "village_station":
            by_kind[kind.get(s.get("village_id"), "none")] += 1
    station_town = township_station_towns(d)
    towns_daily = {station_town[s["site_id"]] for r in d["routes"]
                   if r.get("tier") in ("trunk", "direct") for s in r["stops"]
                   if s.get("site_id") in station_town}
    return PlanFigures(
        villages_total=len(admin),
        communities_total=sum(k == "community" for k in kind.values()),
        other_total=sum(k == "other" for k in kind.values()),
        daily_served=tuple(i for i in admin if i in served),
        daily_by_stop=tuple(i for i in admin if i in by_stop),
        daily_at_site=tuple(i for i in admin if i in at_site and i not in by_stop),
        passed_not_stopped=tuple(i for i in admin if i in passed),
        not_served=tuple(v["id"] for v in unserved if v["id"] not in passed),
        station_hosting=tuple(i for i in admin if i in hosting),
        stations_by_village_kind=by_kind,
        communities_daily=sum(1 for i in served if kind.get(i) == "community"),
        townships_total=len(d["townships"]),
        townships_daily=tuple(t["id"] for t in d["townships"] if t["id"] in towns_daily),
        names={v["id"]: str(v.get("name") or v["id"]) for v in villages},
        tolerance_m=tolerance_m,
    )


def _on_paths(villages: list[Mapping[str, Any]], routes: list[Mapping[str, Any]],
              tolerance_m: float) -> set[str]:
    """Ids of ``villages`` within ``tolerance_m`` of a point of some route's ``path``.

    Path points are the road nodes and edge vertices driven, so a village on
    the road is matched at its node; distances use the local equirectangular
    approximation (error far below the tolerance at county scale).
    """
    import numpy as np

    points = [p for r in routes for p in (r.get("path") or [])]
    if not villages or not points:
        return set()
    pts = np.unique(np.asarray(points, dtype=float), axis=0)
    out = set()
    for v in villages:
        lon, lat = float(v["lon"]), float(v["lat"])
        dx = np.radians(pts[:, 0] - lon) * math.cos(math.radians(lat)) * _EARTH_M
        dy = np.radians(pts[:, 1] - lat) * _EARTH_M
        if float(np.min(dx * dx + dy * dy)) <= tolerance_m * tolerance_m:
            out.add(v["id"])
    return out

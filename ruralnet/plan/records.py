"""Typed, frozen records of a plan: county, villages, sites, routes, stops, coverage, costs.

``plan.json`` is the contract with bureaus and contractors; these records are
how code reads it. Each record has the fields the schema names
(``ruralnet/plan/schemas/plan.schema.json``) as typed attributes, and keeps any
further keys of the document in ``extra`` so that a round trip is lossless:
``PlanDocument.from_dict(d).to_dict() == d`` for every valid plan.

Examples
--------
>>> stop = Stop.from_dict({"site_id": "W", "km_from_prev": 0, "travel_min_from_prev": 0,
...                        "arrive_min": 420, "depart_min": 420, "deliver_kg": 0,
...                        "pickup_kg": 0, "load_after_kg": 60})
>>> stop.ref, stop.is_site, stop.load_after_kg
('W', True, 60)
>>> stop.to_dict()["site_id"]
'W'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, ClassVar, TypeVar

__all__ = ["Costs", "CountyInfo", "Coverage", "PlanDocument", "PlanRoute", "Site", "Stop",
           "Village"]

R = TypeVar("R", bound="_Record")
_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class _Record:
    """A plan.json object with its fields as typed attributes.

    ``extra`` holds every other key and ``key_order`` the file's key order, so
    that writing a record back gives the same JSON text.
    """

    extra: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, kw_only=True, repr=False,
                                        compare=False)
    key_order: tuple[str, ...] = field(default=(), kw_only=True, repr=False, compare=False)
    optional: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def from_dict(cls: type[R], d: Mapping[str, Any]) -> R:
        """Build the record from its plan.json object (missing optional keys become ``None``)."""
        names = [f.name for f in fields(cls) if f.name not in ("extra", "key_order")]
        known = {n: d.get(n) for n in names if n in d or n in cls.optional}
        rest = {k: v for k, v in d.items() if k not in names}
        return cls(**known, extra=MappingProxyType(rest), key_order=tuple(d))

    def to_dict(self) -> dict[str, Any]:
        """Return the plan.json object (typed fields first, then the extra keys)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)
               if f.name not in ("extra", "key_order")}
        out = {k: v for k, v in out.items() if not (v is None and k in self.optional)}
        out |= dict(self.extra)
        first = [k for k in self.key_order if k in out]  # the file's own key order
        return {k: out[k] for k in first + [k for k in out if k not in first]}


@dataclass(frozen=True)
class CountyInfo(_Record):
    """The planned county: name, six-digit code and province."""

    name: str
    code: str
    province: str


@dataclass(frozen=True)
class Village(_Record):
    """An administrative village (``kind="village"``), a community or another village-level unit."""

    id: str
    name: str
    township_id: str
    lon: float
    lat: float
    kind: str
    poor: bool | None = None
    optional: ClassVar[frozenset[str]] = frozenset({"poor"})

    @property
    def administrative(self) -> bool:
        """Whether this is a 行政村 (programme targets count these only, not 社区)."""
        return self.kind == "village"


@dataclass(frozen=True)
class Site(_Record):
    """A county warehouse, township station, village station or service centre."""

    id: str
    kind: str
    name: str
    lon: float
    lat: float
    township_id: str | None = None
    village_id: str | None = None


@dataclass(frozen=True)
class Stop(_Record):
    """One visit of a route: a site (``site_id``) or a village (``village_id``)."""

    km_from_prev: float
    travel_min_from_prev: float
    arrive_min: float
    depart_min: float
    deliver_kg: float
    pickup_kg: float
    load_after_kg: float
    site_id: str | None = None
    village_id: str | None = None
    optional: ClassVar[frozenset[str]] = frozenset({"site_id", "village_id"})

    @property
    def ref(self) -> str:
        """The id of the site or village visited."""
        return self.site_id or self.village_id or ""

    @property
    def is_site(self) -> bool:
        """Whether the stop is at a site (depot, station) rather than a village."""
        return self.site_id is not None


@dataclass(frozen=True)
class PlanRoute(_Record):
    """One trip of a vehicle, stop by stop (times in minutes after midnight).

    ``vehicle`` and ``trip`` say which vehicle drives it and which of its
    trips of the day it is (several when the fleet's ``max_trips > 1``);
    plans written before trips existed have neither: the route is then the
    vehicle's one trip (:attr:`vehicle_id`, :attr:`trip_no`).
    """

    id: str
    tier: str
    vehicle_type: str
    capacity_kg: float
    depot_site_id: str
    depart_min: float
    return_min: float
    distance_km: float
    duration_min: float
    stops: tuple[Stop, ...] = ()
    vehicle: str | None = None
    trip: int | None = None
    optional: ClassVar[frozenset[str]] = frozenset({"vehicle", "trip"})

    @property
    def vehicle_id(self) -> str:
        """The vehicle driving the route (its own id when the plan names none)."""
        return self.vehicle or self.id

    @property
    def trip_no(self) -> int:
        """The trip number of the vehicle (1 when the plan gives none)."""
        return self.trip or 1

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> PlanRoute:
        """Build the route and its stops."""
        route = super().from_dict({k: v for k, v in d.items() if k != "stops"})
        stops = tuple(Stop.from_dict(s) for s in d.get("stops", ()))
        return dataclasses.replace(route, stops=stops)

    def to_dict(self) -> dict[str, Any]:
        """Return the plan.json object with its stops."""
        return super().to_dict() | {"stops": [s.to_dict() for s in self.stops]}

    @property
    def villages(self) -> tuple[str, ...]:
        """Ids of the villages the route stops at, in order."""
        return tuple(s.village_id for s in self.stops if s.village_id)


@dataclass(frozen=True)
class Coverage(_Record):
    """Daily coverage: townships and administrative villages (行政村) reached by a route."""

    townships_daily: int
    townships_total: int
    villages_daily: int
    villages_total: int
    village_share: float


@dataclass(frozen=True)
class Costs(_Record):
    """Daily cost of the plan in yuan (breakdown in ``extra``)."""

    total_per_day: float


@dataclass(frozen=True)
class PlanDocument:
    """The typed view of a whole plan document.

    Attributes
    ----------
    county, villages, sites, routes, coverage, costs
        Typed records.
    extra
        Every other top-level section (provenance, parameters, notes, ...),
        kept as read.
    """

    county: CountyInfo
    villages: tuple[Village, ...]
    sites: tuple[Site, ...]
    routes: tuple[PlanRoute, ...]
    coverage: Coverage
    costs: Costs
    extra: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, repr=False, compare=False)

    SECTIONS: ClassVar[tuple[str, ...]] = ("county", "villages", "sites", "routes", "coverage",
                                           "costs")

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> PlanDocument:
        """Read a plan document (as parsed from plan.json)."""
        return cls(
            county=CountyInfo.from_dict(d["county"]),
            villages=tuple(Village.from_dict(v) for v in d["villages"]),
            sites=tuple(Site.from_dict(s) for s in d["sites"]),
            routes=tuple(PlanRoute.from_dict(r) for r in d["routes"]),
            coverage=Coverage.from_dict(d["coverage"]),
            costs=Costs.from_dict(d["costs"]),
            extra=MappingProxyType({k: v for k, v in d.items() if k not in cls.SECTIONS}),
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the plan document, in plan.json's key order."""
        typed = {"county": self.county.to_dict(),
                 "villages": [v.to_dict() for v in self.villages],
                 "sites": [s.to_dict() for s in self.sites],
                 "routes": [r.to_dict() for r in self.routes],
                 "coverage": self.coverage.to_dict(), "costs": self.costs.to_dict()}
        order = list(self.extra) + [k for k in self.SECTIONS if k not in self.extra]
        merged = dict(self.extra) | typed
        return {k: merged[k] for k in _document_order(order)}

    def sites_of(self, kind: str) -> tuple[Site, ...]:
        """Sites of one kind (``county_warehouse``, ``township_station``, ``village_station``)."""
        return tuple(s for s in self.sites if s.kind == kind)

    def routes_of(self, tier: str | None = None) -> tuple[PlanRoute, ...]:
        """Routes, optionally of one tier (``trunk``, ``feeder``, ``direct``)."""
        return tuple(r for r in self.routes if tier is None or r.tier == tier)


_ORDER = ("schema_version", "generated_by", "county", "provenance", "parameters", "townships",
          "villages", "sites", "routes", "coverage", "costs")


def _document_order(keys: list[str]) -> list[str]:
    """plan.json's own key order first, then any further sections as they came."""
    known = [k for k in _ORDER if k in keys]
    return known + [k for k in keys if k not in _ORDER]

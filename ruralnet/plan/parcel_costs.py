"""Cost per parcel, down (工业品下乡) and up (农产品进城), per tier and per township, from a plan.

The allocation rule (the *leg-load rule*), stated so that every figure can be
recomputed from ``plan.json`` by hand:

1. **Routes.** A route's daily cost (``routes[].cost``: vehicle fixed cost
   plus per-km cost) is spread over its legs in proportion to their length
   (``stops[].km_from_prev``). Each leg's share is split among the parcels on
   board on that leg, in proportion to their kg: parcels going *down* to
   stops not yet reached, parcels coming *up* from stops already visited. A
   leg driven empty is split like the route's whole load. Parcels down to a
   stop ride every leg from the depot to it; parcels up from a stop ride every
   leg from it back to the depot.
2. **Trunk to villages.** A township station's share of trunk cost is passed
   on to the villages of its township in proportion to their parcels (down
   for the down share, up for the up share).
3. **Multi-day loops** (remote stations, ``multi_day``): a loop's daily cost
   (the loop plus its feeders on their service days) goes to its station's
   township, split down/up by the loop's kg, then to the villages as in 2;
   a far village's run (``multi_day.village_runs``) a day goes to its village.
4. **Sites.** A site's daily fixed cost (``sites[].fixed_cost_yuan``) is
   shared by the parcels it handles, split down/up by parcel counts: the
   county warehouse by every parcel of the county, a township station by the
   parcels of its township, a village station by the parcels of its village.
   Sites with no parcels (a county service centre) are reported unallocated.

Parcels are counted from the villages' ``parcels_down``/``parcels_up``;
routes carry kg, converted with the plan's ``kg_per_parcel``. Parcels of
villages that no route visits still share the site costs; their route cost
is zero, and they are listed as not served daily (``unrouted_parcels``).

Examples
--------
>>> from ruralnet.plan.parcel_costs import allocate_parcel_costs
>>> route = {"tier": "direct", "cost": 100.0, "depot_site_id": "W", "stops": [
...     {"site_id": "W", "km_from_prev": 0, "deliver_kg": 0, "pickup_kg": 0},
...     {"village_id": "A", "km_from_prev": 5, "deliver_kg": 10, "pickup_kg": 0},
...     {"village_id": "B", "km_from_prev": 5, "deliver_kg": 10, "pickup_kg": 10},
...     {"site_id": "W", "km_from_prev": 10, "deliver_kg": 0, "pickup_kg": 0}]}
>>> doc = {"routes": [route], "sites": [], "townships": [{"id": "T"}],
...        "parameters": {"all": {"demand": {"kg_per_parcel": 1.0}}},
...        "villages": [{"id": "A", "township_id": "T", "parcels_down": 10, "parcels_up": 0},
...                     {"id": "B", "township_id": "T", "parcels_down": 10, "parcels_up": 10}]}
>>> c = allocate_parcel_costs(doc)
>>> [round(x, 2) for x in (c.route_down_yuan["A"], c.route_down_yuan["B"], c.route_up_yuan["B"])]
[12.5, 37.5, 50.0]
>>> round(c.total_yuan, 2)
100.0
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ruralnet.plan.figures import township_station_towns

__all__ = ["ParcelCosts", "allocate_parcel_costs"]

TIERS = ("trunk", "feeder", "direct", "sites")


@dataclass(frozen=True)
class ParcelCosts:
    """Daily cost allocated to parcels down and up.

    Attributes
    ----------
    by_tier
        ``{tier: {"down_yuan", "up_yuan", "down_per_parcel", "up_per_parcel"}}``
        for ``trunk``, ``feeder``, ``direct`` and ``sites``; per-parcel figures
        divide by all parcels of the county in that direction.
    by_township
        ``{township_id: {"parcels_down", "parcels_up", "down_yuan", "up_yuan",
        "down_per_parcel", "up_per_parcel"}}`` (``None`` where no parcels).
    route_down_yuan, route_up_yuan
        Route cost (all tiers) allocated to each village, down and up.
    parcels_down, parcels_up
        The county's parcels per day.
    unallocated_yuan
        Site costs with no parcel to carry them (e.g. a service centre).
    unrouted_parcels
        Parcels (down + up) of villages no route visits.
    """

    by_tier: dict[str, dict[str, float | None]]
    by_township: dict[str, dict[str, float | None]]
    route_down_yuan: dict[str, float] = field(repr=False)
    route_up_yuan: dict[str, float] = field(repr=False)
    parcels_down: float = 0.0
    parcels_up: float = 0.0
    unallocated_yuan: float = 0.0
    unrouted_parcels: float = 0.0

    @property
    def total_yuan(self) -> float:
        """Every yuan allocated (route and site costs), excluding the unallocated."""
        return sum((t["down_yuan"] or 0.0) + (t["up_yuan"] or 0.0) for t in self.by_tier.values())

    @property
    def down_per_parcel(self) -> float | None:
        """元/件 down, all tiers and sites."""
        down = sum(t["down_yuan"] or 0.0 for t in self.by_tier.values())
        return _per(down, self.parcels_down)

    @property
    def up_per_parcel(self) -> float | None:
        """元/件 up, all tiers and sites."""
        up = sum(t["up_yuan"] or 0.0 for t in self.by_tier.values())
        return _per(up, self.parcels_up)

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for plan.json (``economics.parcel_costs``)."""
        return {"rule": "leg-load (see ruralnet.plan.parcel_costs)",
                "parcels_down": self.parcels_down, "parcels_up": self.parcels_up,
                "down_per_parcel": _round(self.down_per_parcel),
                "up_per_parcel": _round(self.up_per_parcel),
                "allocated_yuan": _round(self.total_yuan),
                "unallocated_yuan": _round(self.unallocated_yuan),
                "unrouted_parcels": self.unrouted_parcels,
                "by_tier": {k: {n: _round(x) for n, x in v.items()}
                            for k, v in self.by_tier.items()},
                "by_township": {k: {n: _round(x) for n, x in v.items()}
                                for k, v in self.by_township.items()}}


def _per(yuan: float, parcels: float) -> float | None:
    return yuan / parcels if parcels > 0 else None


def _round(x: float | None, nd: int = 4) -> float | None:
    return None if x is None else round(float(x), nd)


def _route_shares(route: Mapping[str, Any]) -> tuple[dict[str, float], dict[str, float]]:
    """Split one route's cost to its stops, down and up, by the leg-load rule."""
    stops = route["stops"]
    cost = float(route.get("cost", 0.0))
    km = [float(s.get("km_from_prev", 0.0)) for s in stops]
    total_km = sum(km)
    down_kg = [float(s.get("deliver_kg", 0.0)) for s in stops]
    up_kg = [float(s.get("pickup_kg", 0.0)) for s in stops]
    ref = [s.get("village_id") or s.get("site_id") for s in stops]
    down: dict[str, float] = defaultdict(float)
    up: dict[str, float] = defaultdict(float)
    whole = sum(down_kg) + sum(up_kg)
    if cost == 0 or whole == 0:
        return dict(down), dict(up)
    for leg in range(1, len(stops)):
        leg_cost = cost * (km[leg] / total_km if total_km > 0 else 1 / (len(stops) - 1))
        # on board on the leg into stop `leg`: down for stops >= leg, up from stops < leg
        riders_down = {i: down_kg[i] for i in range(leg, len(stops)) if down_kg[i] > 0}
        riders_up = {i: up_kg[i] for i in range(leg) if up_kg[i] > 0}
        load = sum(riders_down.values()) + sum(riders_up.values())
        if load == 0:  # an empty leg: split like the route's whole load
            riders_down = {i: d for i, d in enumerate(down_kg) if d > 0}
            riders_up = {i: u for i, u in enumerate(up_kg) if u > 0}
            load = whole
        for i, kg in riders_down.items():
            down[ref[i]] += leg_cost * kg / load
        for i, kg in riders_up.items():
            up[ref[i]] += leg_cost * kg / load
    return dict(down), dict(up)


def allocate_parcel_costs(doc: Mapping[str, Any]) -> ParcelCosts:
    """Allocate a plan's daily route and site costs to parcels down and up.

    Parameters
    ----------
    doc
        A plan document (``plan.json`` as a dict, or ``Plan.data``).

    Returns
    -------
    ParcelCosts
    """
    villages = {v["id"]: v for v in doc["villages"]}
    town_of = {v["id"]: v["township_id"] for v in doc["villages"]}
    p_down = {k: float(v.get("parcels_down", 0.0)) for k, v in villages.items()}
    p_up = {k: float(v.get("parcels_up", 0.0)) for k, v in villages.items()}
    town_down: dict[str, float] = defaultdict(float)
    town_up: dict[str, float] = defaultdict(float)
    for k in villages:
        town_down[town_of[k]] += p_down[k]
        town_up[town_of[k]] += p_up[k]
    station_town = township_station_towns(doc)
    tier_down: dict[str, float] = defaultdict(float)
    tier_up: dict[str, float] = defaultdict(float)
    v_down: dict[str, float] = defaultdict(float)
    v_up: dict[str, float] = defaultdict(float)
    routed: set[str] = set()
    for r in doc["routes"]:
        down, up = _route_shares(r)
        tier = r["tier"]
        for ref, yuan in down.items():
            tier_down[tier] += yuan
            _pass_on(ref, yuan, villages, station_town, town_of, p_down, town_down, v_down)
        for ref, yuan in up.items():
            tier_up[tier] += yuan
            _pass_on(ref, yuan, villages, station_town, town_of, p_up, town_up, v_up)
        routed |= {s["village_id"] for s in r["stops"] if s.get("village_id")}
    for lp in (doc.get("multi_day") or {}).get("loops", []):
        yuan = float(lp.get("total_cost_per_day", 0.0))  # loop + feeders (plan/multi_day.py)
        kg_d, kg_u = float(lp.get("deliver_kg", 0.0)), float(lp.get("pickup_kg", 0.0))
        share = kg_d / (kg_d + kg_u) if kg_d + kg_u > 0 else 0.5
        st = lp["station_site_id"]
        tier_down["multi_day"] += yuan * share
        tier_up["multi_day"] += yuan * (1 - share)
        _pass_on(st, yuan * share, villages, station_town, town_of, p_down, town_down, v_down)
        _pass_on(st, yuan * (1 - share), villages, station_town, town_of, p_up, town_up, v_up)
    md = doc.get("multi_day") or {}
    for run in md.get("village_runs", []):  # a far village's run: to that village, per day
        yuan = float(run["cost_per_week"]) / (md.get("horizon_days") or 1)
        kg_d, kg_u = sum(run["deliver_kg"]), sum(run["pickup_kg"])
        share = kg_d / (kg_d + kg_u) if kg_d + kg_u > 0 else 0.5
        tier_down["multi_day"] += yuan * share
        tier_up["multi_day"] += yuan * (1 - share)
        v_down[run["village_id"]] += yuan * share
        v_up[run["village_id"]] += yuan * (1 - share)
        routed.add(run["village_id"])
    site_down, site_up, unallocated = _site_shares(doc, p_down, p_up, town_down, town_up)
    tot_down, tot_up = sum(p_down.values()), sum(p_up.values())
    tiers = ("trunk", "feeder", "direct") + (("multi_day",) if "multi_day" in tier_down else ())
    by_tier = {t: {"down_yuan": tier_down.get(t, 0.0), "up_yuan": tier_up.get(t, 0.0)}
               for t in tiers}
    by_tier["sites"] = {"down_yuan": sum(site_down.values()), "up_yuan": sum(site_up.values())}
    for t in by_tier.values():
        t["down_per_parcel"] = _per(t["down_yuan"] or 0.0, tot_down)
        t["up_per_parcel"] = _per(t["up_yuan"] or 0.0, tot_up)
    by_town: dict[str, dict[str, float | None]] = {}
    for tid in sorted(set(town_of.values())):
        members = [k for k in villages if town_of[k] == tid]
        dy = sum(v_down.get(k, 0.0) + site_down.get(k, 0.0) for k in members)
        uy = sum(v_up.get(k, 0.0) + site_up.get(k, 0.0) for k in members)
        by_town[tid] = {"parcels_down": town_down[tid], "parcels_up": town_up[tid],
                        "down_yuan": dy, "up_yuan": uy,
                        "down_per_parcel": _per(dy, town_down[tid]),
                        "up_per_parcel": _per(uy, town_up[tid])}
    unrouted = sum(p_down[k] + p_up[k] for k in villages if k not in routed)
    return ParcelCosts(by_tier, by_town, dict(v_down), dict(v_up), tot_down, tot_up, unallocated,
                       unrouted)


def _pass_on(ref: str, yuan: float, villages: Mapping[str, Any],
             station_town: Mapping[str, str | None], town_of: Mapping[str, str],
             parcels: Mapping[str, float], town_parcels: Mapping[str, float],
             out: dict[str, float]) -> None:
    """Give a stop's share to its village, or a station's to its township's villages."""
    if ref in villages:
        out[ref] += yuan
        return
    tid = station_town.get(ref)
    members = [k for k in villages if town_of[k] == tid]
    total = town_parcels.get(tid, 0.0) if tid is not None else 0.0
    for k in members:
        out[k] += yuan * (parcels[k] / total if total > 0 else 1 / len(members))


def _site_shares(doc: Mapping[str, Any], p_down: Mapping[str, float], p_up: Mapping[str, float],
                 town_down: Mapping[str, float], town_up: Mapping[str, float]
                 ) -> tuple[dict[str, float], dict[str, float], float]:
    """Each site's fixed cost to the parcels it handles, per village, down and up."""
    down: dict[str, float] = defaultdict(float)
    up: dict[str, float] = defaultdict(float)
    unallocated = 0.0
    town_of = {v["id"]: v["township_id"] for v in doc["villages"]}
    for s in doc["sites"]:
        cost = float(s.get("fixed_cost_yuan", 0.0) or 0.0)
        if cost == 0:
            continue
        if s["kind"] == "county_warehouse":
            members = list(p_down)
        elif s["kind"] == "township_station":
            members = [k for k in p_down if town_of[k] == s.get("township_id")]
        elif s["kind"] == "village_station" and s.get("village_id") in p_down:
            members = [s["village_id"]]
        else:
            members = []
        parcels = sum(p_down[k] + p_up[k] for k in members)
        if parcels == 0:
            unallocated += cost
            continue
        for k in members:
            down[k] += cost * p_down[k] / parcels
            up[k] += cost * p_up[k] / parcels
    return dict(down), dict(up), unallocated

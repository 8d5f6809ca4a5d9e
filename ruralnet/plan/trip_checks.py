"""Checks of several trips per vehicle in a plan (``routes[].vehicle`` / ``routes[].trip``).

A vehicle with ``max_trips > 1`` appears in plan.json as one route record per
trip, all with the same ``vehicle`` id and trips numbered 1, 2, …; each
record is checked as a route by :func:`ruralnet.plan.document.validate_plan`
(so every trip's load stays within capacity both ways and inside the working
day). :func:`trip_problems` adds what ties the trips of one vehicle
together: one vehicle kind, depot and tier, trips numbered 1..k, and each
trip leaving only after the previous one is back (they do not overlap).
It is applied to the day's ``routes``, to each ``weekly.days[].routes`` and
to ``multi_day.feeder_routes`` (a remote station's service day, whose
vehicles are numbered the same way).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["trip_problems"]

TIME_TOL_MIN = 0.15
"""Rounding tolerance on times in minutes (plan.json rounds to 0.1 min)."""


def trip_problems(routes: Sequence[dict[str, Any]], where: str = "") -> list[str]:
    """Return one line per problem with the trips of the vehicles of ``routes``.

    Parameters
    ----------
    routes
        Route records of one day (``routes`` or a ``weekly.days[].routes``).
    where
        Prefix of the lines (e.g. ``"weekly day 3: "``).

    Examples
    --------
    >>> r = lambda rid, trip, dep, ret: {"id": rid, "vehicle": "F01-01", "trip": trip,
    ...     "tier": "feeder", "vehicle_type": "e-trike", "depot_site_id": "S1",
    ...     "depart_min": dep, "return_min": ret}
    >>> trip_problems([r("F01-01.1", 1, 600, 700), r("F01-01.2", 2, 715, 800)])
    []
    >>> trip_problems([r("F01-01.1", 1, 600, 700), r("F01-01.2", 2, 690, 800)])
    ['vehicle F01-01: trip 2 leaves at 690 before trip 1 is back (700)']
    """
    by_vehicle: dict[str, list[dict[str, Any]]] = {}
    for r in routes:
        by_vehicle.setdefault(r.get("vehicle") or r["id"], []).append(r)
    out = []
    for vid, trips in by_vehicle.items():
        numbers = sorted(r.get("trip", 1) for r in trips)
        if numbers != list(range(1, len(trips) + 1)):
            out.append(f"{where}vehicle {vid}: trips numbered {numbers}, expected 1..{len(trips)}")
            continue
        for key in ("tier", "vehicle_type", "depot_site_id"):
            values = sorted({str(r[key]) for r in trips})
            if len(values) > 1:
                out.append(f"{where}vehicle {vid}: its trips have different {key} {values}")
        trips = sorted(trips, key=lambda r: r.get("trip", 1))
        for prev, nxt in zip(trips, trips[1:], strict=False):
            if nxt["depart_min"] + TIME_TOL_MIN < prev["return_min"]:
                out.append(f"{where}vehicle {vid}: trip {nxt.get('trip')} leaves at "
                           f"{nxt['depart_min']} before trip {prev.get('trip')} is back "
                           f"({prev['return_min']})")
    return out

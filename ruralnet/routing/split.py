"""Split deliveries: client copies for stops whose daily load exceeds one vehicle.

A township station whose catchment needs 2,700 kg a day cannot be served by
one visit of a 2,000 kg truck. The standard modelling device (used with
PyVRP and OR-Tools alike) is to replace such a stop by *copies* at the same
location, each carrying a share of the load small enough for the largest
vehicle; the search then sends several trucks, or one truck several times
in the sense of several stops, to the station.

:func:`split_loads` decides the copies. A stop is split only when its
delivery or pickup exceeds the largest capacity, into
``n = ceil(max(delivery, pickup) / capacity)`` equal pieces: every piece then
carries more than half a vehicle (``load / n > capacity / 2`` for ``n >= 2``),
so no vehicle ever takes two pieces of one stop and the stop's service time
is counted once per vehicle that stops there, as in reality.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ruralnet._validate import bad_value

__all__ = ["Piece", "split_loads"]


@dataclass(frozen=True)
class Piece:
    """One copy of a stop: ``origin`` indexes the input stops; ``index`` is 0 for the first copy."""

    origin: int
    index: int
    delivery_kg: float
    pickup_kg: float


def split_loads(delivery_kg: Sequence[float], pickup_kg: Sequence[float],
                capacity_kg: float, *, whole_above_kg: float | None = None) -> list[Piece]:
    """Return the copies of each stop so that none exceeds ``capacity_kg``.

    Parameters
    ----------
    delivery_kg, pickup_kg
        Per stop, the load to deliver and to collect (kg, >= 0).
    capacity_kg
        Capacity of the largest vehicle that can serve these stops (> 0).
    whole_above_kg
        Stops needing more than this (e.g. the whole fleet's capacity) are
        left whole: no set of vehicles could carry them, and the caller
        reports them rather than splitting them.

    Returns
    -------
    list[Piece]
        Pieces in stop order; a stop within capacity keeps one piece with its
        whole load; a larger one gets ``ceil(max(delivery, pickup) / capacity)``
        equal pieces. The pieces of a stop add up to its loads.

    Examples
    --------
    >>> [(p.origin, p.index, p.delivery_kg, p.pickup_kg)
    ...  for p in split_loads([4500, 300], [900, 0], 2000)]
    [(0, 0, 1500.0, 300.0), (0, 1, 1500.0, 300.0), (0, 2, 1500.0, 300.0), (1, 0, 300.0, 0.0)]
    >>> len(split_loads([4500], [0], 2000, whole_above_kg=4000))
    1
    """
    if not capacity_kg > 0:
        raise bad_value("capacity_kg", "> 0", capacity_kg)
    if len(delivery_kg) != len(pickup_kg):
        raise bad_value("pickup_kg", f"{len(delivery_kg)} values", len(pickup_kg))
    out = []
    for i, (d, p) in enumerate(zip(delivery_kg, pickup_kg, strict=True)):
        d, p = float(d), float(p)
        heavy = whole_above_kg is not None and max(d, p) > whole_above_kg
        n = 1 if heavy else max(1, math.ceil(max(d, p) / capacity_kg - 1e-9))
        out.extend(Piece(i, k, d / n, p / n) for k in range(n))
    return out

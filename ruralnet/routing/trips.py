"""Several trips per vehicle and day: the sequence type and its edits.

A vehicle whose type allows ``max_trips > 1`` returns to its depot, unloads
what it collected, reloads and goes out again within its shift. The engines
and the coverage search pass a vehicle's day around as ``(vehicle_type,
clients)``; for such a vehicle ``clients`` is a :class:`Trips`: the flat
list of its visits (so code counting visits treats it as any route) that
also knows where each trip starts. The helpers here edit a sequence
(plain list or :class:`Trips`) without losing its trips;
:mod:`ruralnet.routing.compiled` schedules, checks and prices the trips.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

__all__ = ["Trips", "copy_seq", "drop_client", "grouped_trips", "insert_client", "mapped",
           "single", "trips_of", "without_client"]


class Trips(list):
    """A vehicle's clients over several trips (``VehicleType.max_trips > 1``).

    It is the flat list of the clients in visiting order, so that code
    counting visits iterates it as any route; :meth:`split` gives the trips.
    Build a changed copy with :func:`drop_client`, not by mutating it.
    """

    def __init__(self, trips: Sequence[Sequence[int]] = ()):
        trips = [list(tr) for tr in trips if len(tr)]
        super().__init__(j for tr in trips for j in tr)
        self.sizes = [len(tr) for tr in trips]

    def split(self) -> list[list[int]]:
        """Return the trips, each a list of clients."""
        out, k = [], 0
        for n in self.sizes:
            out.append(list(self[k:k + n]))
            k += n
        return out


def trips_of(clients: Sequence[int]) -> list[list[int]]:
    """Return the trips of a vehicle's sequence (a plain list is one trip)."""
    return clients.split() if isinstance(clients, Trips) else [list(clients)]


def drop_client(clients: Sequence[int], k: int) -> list[int]:
    """Return the sequence without its ``k``-th visit (an emptied trip disappears)."""
    if not isinstance(clients, Trips):
        return list(clients[:k]) + list(clients[k + 1:])
    trips, pos = clients.split(), k
    for tr in trips:
        if pos < len(tr):
            del tr[pos]
            break
        pos -= len(tr)
    return Trips(trips)


def insert_client(clients: Sequence[int], k: int, j: int) -> list[int]:
    """Return the sequence with client ``j`` inserted at flat position ``k``.

    In a :class:`Trips` it joins the trip holding position ``k`` (at a trip
    boundary, the start of the later trip; at the end, the last trip).
    """
    if not isinstance(clients, Trips):
        return list(clients[:k]) + [j] + list(clients[k:])
    trips, pos = clients.split(), k
    for i, tr in enumerate(trips):
        if pos < len(tr) or i == len(trips) - 1:
            tr.insert(pos, j)
            break
        pos -= len(tr)
    return Trips(trips)


def without_client(clients: Sequence[int], j: int) -> list[int]:
    """Return the sequence without client ``j`` (kept a :class:`Trips` if it was one)."""
    return Trips([[x for x in tr if x != j] for tr in clients.split()]) if isinstance(
        clients, Trips) else [x for x in clients if x != j]


def copy_seq(clients: Sequence[int]) -> list[int]:
    """Return a copy of a sequence (a :class:`Trips` stays one)."""
    return Trips(clients.split()) if isinstance(clients, Trips) else list(clients)


def grouped_trips(records, vehicle_types,
                  client_of: Callable[[int], int] = lambda j: j) -> list[tuple[int, list[int]]]:
    """Turn :class:`~ruralnet.routing.model.Route` records into ``(type, sequence)`` per vehicle.

    Trips of a vehicle whose type has ``max_trips > 1`` become one :class:`Trips`.
    """
    by_vehicle: dict[int, list] = {}
    for r in records:
        by_vehicle.setdefault(r.vehicle, []).append(r)
    out = []
    for v in sorted(by_vehicle):
        recs = sorted(by_vehicle[v], key=lambda r: r.trip)
        t = recs[0].vehicle_type
        trips = [[client_of(s.client) for s in r.stops] for r in recs]
        out.append((t, Trips(trips) if vehicle_types[t].max_trips > 1 else trips[0]))
    return out


def mapped(clients: Sequence[int], f: Callable[[int], int]) -> list[int]:
    """Return the sequence with every client ``j`` replaced by ``f(j)``, trips kept."""
    if isinstance(clients, Trips):
        return Trips([[f(j) for j in tr] for tr in clients.split()])
    return [f(j) for j in clients]


def single(max_trips: int, j: int) -> list[int]:
    """Return a new vehicle's sequence visiting ``j`` alone (a :class:`Trips` if it reloads)."""
    return Trips([[j]]) if max_trips > 1 else [j]

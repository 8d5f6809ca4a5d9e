"""OR-Tools routing engine behind :func:`ruralnet.routing.solve.solve_routes`.

Private module: it receives the compiled integer arrays
(:class:`~ruralnet.routing.compiled._Compiled`) of a
:class:`~ruralnet.routing.solve.RoutingProblem` and returns bare route sequences;
scheduling, load bookkeeping and checks happen in :mod:`ruralnet.routing.compiled`,
which calls it.

Formulation
-----------
Nodes are the depots followed by the clients; every vehicle starts and ends
at its type's depot. Arc costs are ``unit_cost[type] * distance`` through one
registered transit matrix per distinct unit cost (no per-arc Python
callbacks). Time is a dimension whose transit is ``service(i) + travel(i, j)``
for the vehicle's speed profile, with waiting slack, client windows on the
start of service, shift windows on the route start and end and a span bound
for the maximum route duration.

Two-way loads (simultaneous delivery and pickup) use two dimensions:
``load`` with transit ``pickup - delivery`` and a free start cumul in
``[0, capacity]`` and ``delivered`` with transit ``delivery`` starting at 0;
per vehicle ``load.start == delivered.end`` makes the vehicle leave with all
the deliveries of its route, and the dimension capacity keeps the load within
capacity at every point. With one-way loads a single demand dimension is used.

Optional clients are disjunctions whose penalty is their prize.

Several trips per vehicle (``VehicleType.max_trips > 1``): each vehicle
becomes a chain of ``max_trips`` OR-Tools vehicles, one per trip, each with
its own capacity (so the load limit holds per trip, both ways). Trip
``k + 1`` leaves no earlier than trip ``k`` is back plus the reload time (the
reload counts only when trip ``k + 1`` is driven), trip ``k + 1`` is driven
only if trip ``k`` is, the fixed cost is on trip 1 only and the maximum
duration bounds the chain from the first departure to the last return.
"""

from __future__ import annotations

import logging
import time

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from ruralnet._clock import clock_bit
from ruralnet.routing.compiled import Compiled
from ruralnet.routing.trips import Trips

log = logging.getLogger(__name__)

_FIRST = routing_enums_pb2.FirstSolutionStrategy
_FIRST_SOLUTIONS = {
    "parallel_cheapest_insertion": _FIRST.PARALLEL_CHEAPEST_INSERTION,
    "path_cheapest_arc": _FIRST.PATH_CHEAPEST_ARC,
    "savings": _FIRST.SAVINGS,
    "local_cheapest_insertion": _FIRST.LOCAL_CHEAPEST_INSERTION,
}


def _first_solution(c: Compiled, name: str) -> int:
    """Pick the first-solution strategy; insertion when time windows bind."""
    if name != "auto":
        return _FIRST_SOLUTIONS[name]
    # PATH_CHEAPEST_ARC found no feasible start on Solomon R101/RC101;
    # cheapest insertion respects the windows while it builds. Without
    # windows PATH_CHEAPEST_ARC beat SAVINGS on X-n303 at 10 s (8.4% vs 16.9%
    # gap) and was within 0.3 points of it on X-n101 and X-n200.
    return _FIRST.PARALLEL_CHEAPEST_INSERTION if c.time_binds else _FIRST.PATH_CHEAPEST_ARC


def _add_time(routing, manager, c: Compiled, vehicles: list[int],
              chains: list[list[int]]) -> None:
    """Add the time dimension: windows, shifts and maximum durations."""
    service = c.service_at_node
    callbacks = {}
    for p, travel in enumerate(c.profiles):
        transit = (travel + service[:, None]).tolist()
        callbacks[p] = routing.RegisterTransitMatrix(transit)
    per_vehicle = [callbacks[c.vt_profile[t]] for t in vehicles]
    routing.AddDimensionWithVehicleTransits(per_vehicle, c.horizon, c.horizon, False, "time")
    time = routing.GetDimensionOrDie("time")
    for j in range(c.n_clients):
        index = manager.NodeToIndex(c.n_depots + j)
        time.CumulVar(index).SetRange(int(c.tw_early[j]), int(c.tw_late[j]))
    for v, t in enumerate(vehicles):
        d = c.vt_depot[t]
        early = max(c.vt_early[t], int(c.depot_early[d]))
        late = min(c.vt_late[t], int(c.depot_late[d]))
        time.CumulVar(routing.Start(v)).SetRange(early, late)
        time.CumulVar(routing.End(v)).SetRange(early, late)
        if c.vt_max_duration[t] < c.horizon and c.vt_max_trips[t] == 1:
            time.SetSpanUpperBoundForVehicle(int(c.vt_max_duration[t]), v)
        routing.AddVariableMinimizedByFinalizer(time.CumulVar(routing.End(v)))
        routing.AddVariableMaximizedByFinalizer(time.CumulVar(routing.Start(v)))
    solver = routing.solver()
    for chain in chains:  # the trips of one vehicle, in time order
        t = vehicles[chain[0]]
        for a, b in zip(chain, chain[1:], strict=False):
            solver.Add(routing.ActiveVehicleVar(b) <= routing.ActiveVehicleVar(a))
            solver.Add(time.CumulVar(routing.Start(b)) >= time.CumulVar(routing.End(a))
                       + routing.ActiveVehicleVar(b) * int(c.vt_reload[t]))
        if c.vt_max_duration[t] < c.horizon:
            solver.Add(time.CumulVar(routing.End(chain[-1]))
                       - time.CumulVar(routing.Start(chain[0])) <= int(c.vt_max_duration[t]))


def _add_loads(routing, manager, c: Compiled, vehicles: list[int]) -> None:
    """Add the load dimension(s); two-way loads get the delivered trick."""
    caps = [int(c.vt_capacity[t]) for t in vehicles]
    zeros = np.zeros(c.n_depots, dtype=np.int64)
    delivery = np.concatenate([zeros, c.delivery])
    pickup = np.concatenate([zeros, c.pickup])
    if not delivery.any() or not pickup.any():
        demand = delivery if delivery.any() else pickup
        cb = routing.RegisterUnaryTransitVector(demand.tolist())
        routing.AddDimensionWithVehicleCapacity(cb, 0, caps, True, "load")
        return
    net = routing.RegisterUnaryTransitVector((pickup - delivery).tolist())
    routing.AddDimensionWithVehicleCapacity(net, 0, caps, False, "load")
    out = routing.RegisterUnaryTransitVector(delivery.tolist())
    routing.AddDimensionWithVehicleCapacity(out, 0, caps, True, "delivered")
    load = routing.GetDimensionOrDie("load")
    delivered = routing.GetDimensionOrDie("delivered")
    solver = routing.solver()
    for v in range(len(vehicles)):
        solver.Add(load.CumulVar(routing.Start(v)) == delivered.CumulVar(routing.End(v)))


def solve_ortools(
    c: Compiled,
    prizes: np.ndarray,
    *,
    time_limit_s: float,
    max_iterations: int | None,
    first_solution: str,
) -> tuple[list[tuple[int, list[int]]], str]:
    """Solve with OR-Tools routing; return ``(vehicle_type, clients)`` routes and a status.

    The engine has no random seed: with ``max_iterations`` (a solution limit)
    it is deterministic, with only a time limit the result can depend on load.

    A vehicle with several trips is returned as one :class:`~ruralnet.routing.trips.Trips`.
    """
    vehicles, chains = [], []  # one OR-Tools vehicle per trip; chains: the trips of a vehicle
    for t in range(len(c.vt_capacity)):
        for _ in range(c.vt_num[t]):
            chains.append(list(range(len(vehicles), len(vehicles) + c.vt_max_trips[t])))
            vehicles += [t] * c.vt_max_trips[t]
    first = {chain[0] for chain in chains}
    starts = [c.vt_depot[t] for t in vehicles]
    manager = pywrapcp.RoutingIndexManager(c.n_depots + c.n_clients, len(vehicles), starts, starts)
    routing = pywrapcp.RoutingModel(manager)
    arc_callbacks: dict[int, int] = {}
    for v, t in enumerate(vehicles):
        unit = int(c.vt_unit_cost[t])
        if unit not in arc_callbacks:
            arc_callbacks[unit] = routing.RegisterTransitMatrix((c.distance * unit).tolist())
        routing.SetArcCostEvaluatorOfVehicle(arc_callbacks[unit], v)
        routing.SetFixedCostOfVehicle(int(c.vt_fixed[t]) if v in first else 0, v)
    for d in set(range(c.n_depots)) - set(starts):
        routing.ActiveVar(manager.NodeToIndex(d)).SetValue(0)
    for j in range(c.n_clients):
        if not c.required[j]:
            routing.AddDisjunction([manager.NodeToIndex(c.n_depots + j)], int(prizes[j]))
    _add_loads(routing, manager, c, vehicles)
    if c.time_binds:  # an idle time dimension only slows the local search down
        _add_time(routing, manager, c, vehicles, [ch for ch in chains if len(ch) > 1])

    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = _first_solution(c, first_solution)
    search.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    search.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    if max_iterations is not None:
        search.solution_limit = max_iterations
    started = time.perf_counter()
    assignment = routing.SolveWithParameters(search)
    left = time_limit_s - (time.perf_counter() - started)
    if assignment is None and first_solution == "auto" and len(vehicles) > len(chains) and (
            search.first_solution_strategy != _FIRST.PATH_CHEAPEST_ARC and left > 0):
        # insertion heuristics do not see the trip-chain constraints and can fail to
        # start on tight shifts (seen on the test_trips reload instance); arcs first can
        search.first_solution_strategy = _FIRST.PATH_CHEAPEST_ARC
        search.time_limit.FromMilliseconds(max(1, int(left * 1000)))
        assignment = routing.SolveWithParameters(search)
    if max_iterations is not None and time.perf_counter() - started >= 0.95 * time_limit_s:
        clock_bit("ortools", time_limit_s, budget=max_iterations)
    status = routing.status()
    log.debug("ortools status %s", status)
    if assignment is None:
        return [], "infeasible"
    routes = []
    for chain in chains:
        trips = []
        for v in chain:
            index = assignment.Value(routing.NextVar(routing.Start(v)))
            clients = []
            while not routing.IsEnd(index):
                clients.append(manager.IndexToNode(index) - c.n_depots)
                index = assignment.Value(routing.NextVar(index))
            trips.append(clients)
        t = vehicles[chain[0]]
        seq = Trips(trips) if c.vt_max_trips[t] > 1 else trips[0]
        if seq:
            routes.append((t, seq))
    return routes, "feasible"

"""PyVRP engine behind :func:`ruralnet.routing.solve.solve_routes`.

Private module: it builds a :class:`pyvrp.ProblemData` straight from the
compiled integer arrays (:class:`~ruralnet.routing.compiled._Compiled`, no
per-edge Python calls), one routing profile per distinct vehicle speed, and
returns bare route sequences to :mod:`ruralnet.routing.compiled`. PyVRP handles
simultaneous delivery and pickup, optional clients with prizes, time windows,
shift windows, durations and several trips per vehicle (reload depots)
natively (Wouda, Lan & Kool 2024, *PyVRP: a
high-performance VRP solver package*, INFORMS J. Computing).

PyVRP is an optional dependency, imported lazily with an install hint.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np

from ruralnet._clock import clock_bit
from ruralnet.exceptions import RuralnetError
from ruralnet.routing.compiled import Compiled
from ruralnet.routing.trips import Trips

log = logging.getLogger(__name__)


def _import_pyvrp():
    try:
        import pyvrp
        import pyvrp.stop
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuralnetError(
            "未安装 PyVRP：请运行 pip install 'ruralnet[pyvrp]' 或改用 engine='ortools'",
            "PyVRP is not installed: pip install 'ruralnet[pyvrp]' or use engine='ortools'",
        ) from exc
    return pyvrp


def pyvrp_available() -> bool:
    """Return whether PyVRP can be imported."""
    try:
        _import_pyvrp()
    except RuralnetError:  # pragma: no cover - depends on the environment
        return False
    return True


PENALTY_ARCS = 10
"""Initial price of a violation as large as an average stop's load (or an average arc's
duration or distance), in average arcs' cost (:func:`penalty_params`)."""
PENALTY_RANGE = 1_000
"""Penalties may fall to 1/``PENALTY_RANGE`` of the smallest initial value and rise to
``PENALTY_RANGE`` times the largest."""
PENALTY_UPDATES = 20
"""An iteration budget leaves room for at least this many penalty updates (PyVRP's default
is one update per 500 iterations, none at all in a 500-iteration run)."""


def penalty_params(pyvrp, c: Compiled, max_iterations: int | None = None):
    """Return ``PenaltyParams`` whose initial penalties and bounds are measured on the data.

    PyVRP (0.11 and later) starts every penalty per unit of excess load, time
    warp or distance at one fixed value, the midpoint of ``[0.1, 1e5]``,
    whatever the data's units: in grams and 1e-5 yuan a gram of overload cost
    as much as 500 m of driving, in 25 kg units a 25 kg overload less than a
    truck's fixed cost (贾汪区's trunk tier found no feasible plan), and
    ``benchmarks/bench_vrpspd.py``'s CMT10X (route limit in 1/3000 distance
    units) starts with a unit of time warp 15,000 times dearer than a unit of
    distance. Here each penalty starts at ``PENALTY_ARCS`` average arcs' cost
    (unit distance cost × mean arc, plus the fleet's fixed cost spread over
    the arcs of a minimal plan) per average violation — an average stop's
    load, an average arc's duration, an average arc's length — and may move
    within ``PENALTY_RANGE`` of that. The penalties are therefore the same,
    relative to the objective, in any units: the engine no longer rescales
    the data, and no second solve in other units is needed. With an iteration
    budget the penalties are updated at least ``PENALTY_UPDATES`` times.
    """
    n = c.distance.shape[0]
    off = ~np.eye(n, dtype=bool)
    mean_dist = float(c.distance[off].mean()) if n > 1 else 1.0
    mean_dur = float(np.mean([np.asarray(m)[off].mean() for m in c.profiles])) if n > 1 else 1.0
    load = np.maximum(c.delivery, c.pickup)
    mean_load = float(load.mean()) if load.size else 1.0
    trucks = max(1, -(-int(max(c.delivery.sum(), c.pickup.sum())) // max(max(c.vt_capacity), 1)))
    arc = (float(np.mean(c.vt_unit_cost)) * mean_dist
           + trucks * float(max(c.vt_fixed)) / (c.n_clients + trucks))
    arc = max(arc, 1.0)
    initial = [PENALTY_ARCS * arc / max(x, 1.0) for x in (mean_load, mean_dur, mean_dist)]
    between = 500 if max_iterations is None else max(1, min(500, max_iterations // PENALTY_UPDATES))

    class Calibrated(pyvrp.PenaltyParams):
        def midpoint_penalties(self, data):  # noqa: ARG002 - PyVRP's name; ours ignores data
            return [initial[0]] * data.num_load_dimensions, initial[1], initial[2]

    return Calibrated(solutions_between_updates=between,
                      min_penalty=min(initial) / PENALTY_RANGE,
                      max_penalty=max(initial) * PENALTY_RANGE)


def _data(pyvrp, c: Compiled, prizes: np.ndarray):
    """Build the ``ProblemData`` (depots, then reload depots, then clients).

    A vehicle type with ``max_trips > 1`` reloads at a copy of its home depot
    (same place and window) whose service duration is the reload time, so
    that the reload time is spent between trips and not before the first.

    Costs and loads are passed in the compiled units (1e-5 yuan, grams);
    :func:`penalty_params` prices violations relative to them.
    """
    reloads = sorted({(c.vt_depot[t], c.vt_reload[t]) for t in range(len(c.vt_capacity))
                      if c.vt_max_trips[t] > 1})
    n_dep = c.n_depots + len(reloads)
    order = np.array(list(range(c.n_depots)) + [d for d, _ in reloads]
                     + [c.n_depots + j for j in range(c.n_clients)], dtype=np.int64)
    locations = [pyvrp.Location(0.0, 0.0) for _ in order]
    depots = [
        pyvrp.Depot(d, tw_early=int(c.depot_early[d]), tw_late=int(c.depot_late[d]))
        for d in range(c.n_depots)
    ] + [
        pyvrp.Depot(c.n_depots + k, tw_early=int(c.depot_early[d]),
                    tw_late=int(c.depot_late[d]), service_duration=int(r))
        for k, (d, r) in enumerate(reloads)
    ]
    clients = [
        pyvrp.Client(
            n_dep + j,
            delivery=[int(c.delivery[j])],
            pickup=[int(c.pickup[j])],
            service_duration=int(c.service[j]),
            tw_early=int(c.tw_early[j]),
            tw_late=int(c.tw_late[j]),
            prize=0 if c.required[j] else int(prizes[j]),
            required=bool(c.required[j]),
        )
        for j in range(c.n_clients)
    ]

    def trips(t: int) -> dict:
        if c.vt_max_trips[t] == 1:
            return {}
        at = c.n_depots + reloads.index((c.vt_depot[t], c.vt_reload[t]))
        return {"reload_depots": [at], "max_reloads": int(c.vt_max_trips[t]) - 1}

    types = [
        pyvrp.VehicleType(
            int(c.vt_num[t]),
            capacity=[int(c.vt_capacity[t])],
            start_depot=int(c.vt_depot[t]),
            end_depot=int(c.vt_depot[t]),
            fixed_cost=int(c.vt_fixed[t]),
            tw_early=int(c.vt_early[t]),
            tw_late=int(c.vt_late[t]),
            shift_duration=int(c.vt_max_duration[t]),
            unit_distance_cost=int(c.vt_unit_cost[t]),
            profile=int(c.vt_profile[t]),
            **trips(t),
        )
        for t in range(len(c.vt_capacity))
    ]
    if reloads:
        ix = np.ix_(order, order)
        distances = [c.distance[ix] for _ in c.profiles]
        durations = [np.asarray(m)[ix] for m in c.profiles]
    else:
        distances, durations = [c.distance for _ in c.profiles], list(c.profiles)
    return pyvrp.ProblemData(locations, clients, depots, types, distances, durations)


def _initial(pyvrp, data, c: Compiled, start):
    """Return ``start`` as a PyVRP solution (``None``: none given, or vehicles reload)."""
    if not start or max(c.vt_max_trips) > 1:
        return None
    return pyvrp.Solution(data, [pyvrp.Route(data, [int(j) for j in clients], t)
                                 for t, clients in start])


def solve_pyvrp(
    c: Compiled,
    prizes: np.ndarray,
    *,
    time_limit_s: float,
    max_iterations: int | None,
    seed: int,
    no_improvement: int | None = None,
    start: list[tuple[int, list[int]]] | None = None,
) -> tuple[list[tuple[int, list[int]]], str]:
    """Solve with PyVRP; return ``(vehicle_type, clients)`` routes and a status.

    With ``max_iterations`` the run stops after that many iterations (or the
    time limit, whichever comes first) and is reproducible for a seed;
    ``no_improvement`` also stops it after that many iterations without a
    better solution (deterministic too). ``start`` is a feasible solution to
    search from (e.g. a neighbouring prize's in the coverage search) instead
    of a random one; ignored when a vehicle makes several trips.
    """
    pyvrp = _import_pyvrp()
    from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, NoImprovement

    def stop():  # a fresh criterion per run: they keep state (start time, counts)
        crit = MaxRuntime(time_limit_s)
        if max_iterations is not None:
            crit = MultipleCriteria([MaxIterations(max_iterations), crit])
        if no_improvement is not None:
            crit = MultipleCriteria([NoImprovement(no_improvement), crit])
        return crit

    data = _data(pyvrp, c, prizes)
    params = pyvrp.SolveParams(penalty=penalty_params(pyvrp, c, max_iterations))
    result = _solve(pyvrp, data, stop(), seed, time_limit_s, max_iterations,
                    _initial(pyvrp, data, c, start), params)
    best = result.best
    if not best.is_feasible():
        log.debug("pyvrp found no feasible solution (%d iterations)", result.num_iterations)
        return [], "infeasible"
    routes = []
    for route in best.routes():
        t = route.vehicle_type()
        if c.vt_max_trips[t] > 1:
            trips: dict[int, list[int]] = {}
            for a in route.schedule():
                if a.is_client():
                    trips.setdefault(a.trip, []).append(a.idx)
            clients = Trips([trips[k] for k in sorted(trips)])
        else:
            clients = [a.idx for a in route if a.is_client()]
        if clients:
            routes.append((t, clients))
    return routes, "feasible"


def _solve(pyvrp, data, stop, seed: int, time_limit_s: float, max_iterations: int | None,
           init=None, params=None):
    """Run :func:`pyvrp.solve`, logging its penalty-bound warnings; note a clock-bound stop."""
    # PyVRP warns when its penalties saturate on hard or infeasible data; we
    # judge feasibility ourselves and raise InfeasibleError, so log it instead.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", pyvrp.exceptions.PenaltyBoundWarning)
        result = pyvrp.solve(data, stop, seed=seed, collect_stats=False, display=False,
                             initial_solution=init, params=params or pyvrp.SolveParams())
    bound = [w for w in caught if issubclass(w.category, pyvrp.exceptions.PenaltyBoundWarning)]
    if bound:
        log.info("pyvrp (%d times): %s", len(bound), " ".join(str(bound[0].message).split()))
    for w in caught:
        if w not in bound:  # pragma: no cover - pass anything else on unchanged
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if (max_iterations is not None and result.num_iterations < max_iterations
            and result.runtime >= time_limit_s):  # the clock, not the budget, stopped it
        clock_bit("pyvrp", time_limit_s, done=result.num_iterations, budget=max_iterations)
    return result

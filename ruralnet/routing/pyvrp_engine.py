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


def _common_unit(values) -> int:
    """Return the greatest common divisor of integer values (1 when all are 0)."""
    g = int(np.gcd.reduce(np.abs(np.asarray(values, dtype=np.int64)))) if len(values) else 0
    return g or 1


def _units(c: Compiled) -> tuple[int, int]:
    """Return the (cost, load) units :func:`_data` divides by: 1, 1 unless all are required."""
    if not c.required.all():
        return 1, 1
    return (_common_unit([*c.vt_unit_cost, *c.vt_fixed]),
            _common_unit([*c.vt_capacity, *c.delivery, *c.pickup]))


def _data(pyvrp, c: Compiled, prizes: np.ndarray, *, rescale: bool = True):
    """Build the ``ProblemData`` (depots, then reload depots, then clients).

    A vehicle type with ``max_trips > 1`` reloads at a copy of its home depot
    (same place and window) whose service duration is the reload time, so
    that the reload time is spent between trips and not before the first.

    When every client is required, costs (unit, fixed) and loads
    (deliveries, pickups, capacities) are each divided by their greatest
    common divisor, an exact rescaling (same routes, objective ÷ a constant).
    It matters: PyVRP's penalties per unit of excess load or time start at one
    fixed value (the midpoint of ``PenaltyParams``' range) whatever the data's
    units, so grams and 1e-5 yuan per metre make overloads and lateness far
    dearer, relative to distance, than on the same problem in whole units
    (``benchmarks/bench_vrpspd.py``: 0.47 % worse at equal iterations on 4
    instances before). With optional clients the prizes were calibrated in
    the engine's units (coverage tests find nothing feasible in 0.3 s when
    rescaled), so those problems are passed unchanged.

    The rescaling can also hurt: in whole units of a large common divisor an
    overload costs little against the distances (贾汪区's LRP trunk tier,
    seed 19: 13 stations, 4,005 kg, 2,000 kg trucks, no feasible plan in 500
    or 2,000 iterations rescaled, found at once unscaled), so
    :func:`solve_pyvrp` solves again with ``rescale=False`` when the rescaled
    search ends infeasible.
    """
    cu, lu = _units(c) if rescale else (1, 1)
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
            delivery=[int(c.delivery[j]) // lu],
            pickup=[int(c.pickup[j]) // lu],
            service_duration=int(c.service[j]),
            tw_early=int(c.tw_early[j]),
            tw_late=int(c.tw_late[j]),
            prize=0 if c.required[j] else int(prizes[j]) // cu,
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
            capacity=[int(c.vt_capacity[t]) // lu],
            start_depot=int(c.vt_depot[t]),
            end_depot=int(c.vt_depot[t]),
            fixed_cost=int(c.vt_fixed[t]) // cu,
            tw_early=int(c.vt_early[t]),
            tw_late=int(c.vt_late[t]),
            shift_duration=int(c.vt_max_duration[t]),
            unit_distance_cost=int(c.vt_unit_cost[t]) // cu,
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
    result = _solve(pyvrp, data, stop(), seed, time_limit_s, max_iterations,
                    _initial(pyvrp, data, c, start))
    if not result.best.is_feasible() and _units(c) != (1, 1):
        log.info("pyvrp: no feasible plan on the rescaled data (%d iterations); solving again "
                 "in the original units", result.num_iterations)
        data = _data(pyvrp, c, prizes, rescale=False)
        result = _solve(pyvrp, data, stop(), seed, time_limit_s, max_iterations,
                        _initial(pyvrp, data, c, start))
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
           init=None):
    """Run :func:`pyvrp.solve`, logging its penalty-bound warnings; note a clock-bound stop."""
    # PyVRP warns when its penalties saturate on hard or infeasible data; we
    # judge feasibility ourselves and raise InfeasibleError, so log it instead.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", pyvrp.exceptions.PenaltyBoundWarning)
        result = pyvrp.solve(data, stop, seed=seed, collect_stats=False, display=False,
                             initial_solution=init)
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

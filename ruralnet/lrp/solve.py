"""Location–routing: choose depots and their daily routes together (选址—路径联合优化).

The capacitated location-routing problem (CLRP) decides which candidate
depots to open (a county warehouse, township transfer stations) and the
vehicle routes from the open ones, so that opening costs, vehicle fixed costs
and routing costs are paid once, not optimised one after the other.

Method (a location–allocation–routing loop in the spirit of Prins, Prodhon,
Ruiz, Soriano & Wolfler Calvo 2007, *Transportation Science* 41(4):470–483,
with exact location steps and PyVRP for the routes):

1. **Initial siting.** The single-source capacitated facility-location MILP
   of :func:`ruralnet.siting.county.solve_capacitated_facility_location` with
   opening costs, depot capacities and assignment costs
   ``(2 d(j, i) c + F) q_i / Q`` (the client's load share of a radial trip
   and of a vehicle's fixed cost; ``c`` cost per metre, ``F`` fixed cost per
   route, ``Q`` vehicle capacity).
2. **Routing.** Each open depot routes its own clients with
   :func:`ruralnet.routing.solve_routes` (PyVRP by default). Since every
   depot serves only the clients the siting step gave it, depot capacities
   hold by construction. This is the plain two-step baseline.
3. **Moves from the best plan**, each routed and evaluated exactly, the
   cheapest kept:

   * ``joint``: one multi-depot solve over the open depots, so clients move
     freely between them; depot capacity is enforced through the fleet (see
     ``_Search.route_joint``);
   * ``routes``: the best routes become super-clients; each may be
     re-rooted at any candidate (its cycle with the depot inserted at the
     cheapest place) and the MILP re-chooses depots and route–depot
     assignment;
   * ``insertion``: a client-level MILP with costs learnt from the routes
     (saving of removing a client, cheapest insertion into a route of
     another open depot, re-rooted share elsewhere), with and without the
     vehicle capacity in the insertion;
   * ``explore``: when those are exhausted, the ``routes`` MILP once per
     depot set one move away (close an open depot, or force a closed one
     open), in order of the MILP estimate; a set that comes within 2 % of
     the best is also routed jointly;
   * ``polish``: when nothing new is left, the best assignment is routed
     again with four times the routing time; the loop resumes if it helps.

4. If the budget ran out first, the best assignment is polished with the
   time kept for it (``polish_share``).

Every evaluated plan is logged (:class:`LRPIteration`) with its costs, so a
report can show why the final sites were chosen. The plain two-step baseline
(``method="two_step"``) stops after steps 1–2. On the Prodhon CLRP set
``benchmarks/bench_lrp.py`` measured mean gaps of 0.05 % (20–50 clients, 20 s)
and 0.55 % (100–200 clients, 60 s) against 3.74 % and 1.27 % for the two-step
baseline (single runs; see that script's docstring).

Units follow :mod:`ruralnet.routing`: integer metres and seconds in the
matrices, kg for loads and capacities, yuan for costs.

Why this module is long: the instance model, the iterated re-siting search and its routing
cache share private state of one search; splitting them would expose that state across
modules. A split into model/search is planned.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ruralnet._clock import clock_bit
from ruralnet._validate import bad_value
from ruralnet.exceptions import InfeasibleError, InputFileError, RuralnetError
from ruralnet.routing import (
    Client,
    Depot,
    RoutingParams,
    RoutingProblem,
    VehicleType,
    solve_routes,
)
from ruralnet.siting.county import Quota, SolveParams, solve_capacitated_facility_location

log = logging.getLogger(__name__)

METHODS = ("iterated", "two_step")
STEPS = ("initial", "joint", "routes", "insertion", "explore", "polish")
_MILP_UNITS = 100
"""Integer MILP cost units per yuan (cents)."""



def _frozen(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


def _vector(name: str, value: object, size: int) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.shape != (size,):
        raise bad_value(name, f"a vector of length {size}", arr.shape)
    if not (np.isfinite(arr).all() and (arr >= 0).all()):
        raise bad_value(name, "finite and >= 0 everywhere", arr.tolist())
    return _frozen(arr.copy())


def _matrix(name: str, value: object, n: int) -> np.ndarray:
    arr = np.asarray(value)
    if arr.shape != (n, n):
        raise bad_value(name, f"a square ({n}, {n}) matrix (candidates then clients)", arr.shape)
    if not np.issubdtype(arr.dtype, np.integer):
        raise bad_value(name, "integer-valued (round it first)", arr.dtype)
    if (arr < 0).any():
        raise bad_value(name, ">= 0 everywhere", int(arr.min()))
    return _frozen(arr.astype(np.int64, copy=True))


# --------------------------------------------------------------------------
# Instance, reader
# --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class LRPInstance:
    """A capacitated location-routing instance, arrays in.

    Locations are numbered candidates first, then clients, in both matrices.

    Parameters
    ----------
    opening_cost
        Per candidate depot, the cost in yuan of opening it (for a day's plan,
        the daily share of building and running it).
    depot_capacity_kg
        Per candidate, the most demand it can serve.
    demand_kg
        Per client, the load to deliver.
    distance_m, duration_s
        Integer ``(m + n, m + n)`` matrices.
    vehicle
        The vehicle type of every route: capacity, fixed cost per route,
        cost per km, shift and maximum duration. Its ``depot`` and
        ``num_available`` are ignored: each open depot has an unlimited fleet.
    service_s
        Per client, time spent at the stop (default 0).
    name, depot_names, client_names
        Labels for people.

    Examples
    --------
    >>> inst = LRPInstance(opening_cost=[10, 50], depot_capacity_kg=[5, 9],
    ...     demand_kg=[3, 4], distance_m=np.zeros((4, 4), dtype=int),
    ...     duration_s=np.zeros((4, 4), dtype=int), vehicle=VehicleType(capacity_kg=5))
    >>> inst.num_candidates, inst.num_clients
    (2, 2)
    """

    opening_cost: np.ndarray
    depot_capacity_kg: np.ndarray
    demand_kg: np.ndarray
    distance_m: np.ndarray
    duration_s: np.ndarray
    vehicle: VehicleType
    service_s: np.ndarray | None = None
    name: str = ""
    depot_names: tuple[str, ...] = ()
    client_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        m = np.asarray(self.opening_cost).size
        if m < 1:
            raise bad_value("opening_cost", "at least one candidate depot", m)
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731
        set_("opening_cost", _vector("opening_cost", self.opening_cost, m))
        set_("depot_capacity_kg", _vector("depot_capacity_kg", self.depot_capacity_kg, m))
        n = np.asarray(self.demand_kg).size
        set_("demand_kg", _vector("demand_kg", self.demand_kg, n))
        if (self.demand_kg <= 0).any():
            raise bad_value("demand_kg", "> 0 for every client (leave out clients with no demand)",
                       self.demand_kg.tolist())
        set_("distance_m", _matrix("distance_m", self.distance_m, m + n))
        set_("duration_s", _matrix("duration_s", self.duration_s, m + n))
        service = np.zeros(n) if self.service_s is None else self.service_s
        set_("service_s", _frozen(_vector("service_s", service, n).astype(np.int64)))
        if not isinstance(self.vehicle, VehicleType):
            raise bad_value("vehicle", "a ruralnet.routing.VehicleType",
                            type(self.vehicle).__name__)
        for key, size in (("depot_names", m), ("client_names", n)):
            names = tuple(getattr(self, key))
            if names and len(names) != size:
                raise bad_value(key, f"empty or {size} labels", len(names))
            set_(key, names)

    @property
    def num_candidates(self) -> int:
        """Candidate depots ``m``."""
        return self.opening_cost.size

    @property
    def num_clients(self) -> int:
        """Clients ``n``."""
        return self.demand_kg.size

    @classmethod
    def from_points(cls, distance_m, duration_s, *, candidates: Sequence[int],
                    clients: Sequence[int], opening_cost: Sequence[float],
                    depot_capacity_kg: Sequence[float], demand_kg: Sequence[float],
                    vehicle: VehicleType, service_s: Sequence[int] | None = None,
                    name: str = "") -> LRPInstance:
        """Build an instance from point indices into county-wide matrices.

        This is the door for :mod:`ruralnet.plan.document`: warehouses or township
        stations as ``candidates``, villages or stations as ``clients``.

        Examples
        --------
        >>> d = np.array([[0, 5, 7], [5, 0, 3], [7, 3, 0]])
        >>> inst = LRPInstance.from_points(d, d, candidates=[2], clients=[0, 1],
        ...     opening_cost=[1], depot_capacity_kg=[9], demand_kg=[2, 2],
        ...     vehicle=VehicleType(capacity_kg=5))
        >>> inst.distance_m.tolist()
        [[0, 7, 3], [7, 0, 5], [3, 5, 0]]
        """
        pts = np.asarray(list(candidates) + list(clients), dtype=np.int64)
        if len(set(pts.tolist())) != pts.size:
            raise bad_value("candidates and clients", "disjoint lists of distinct points",
                            pts.tolist())
        sub = lambda a: np.asarray(a)[np.ix_(pts, pts)]  # noqa: E731
        return cls(opening_cost=opening_cost, depot_capacity_kg=depot_capacity_kg,
                   demand_kg=demand_kg, distance_m=sub(distance_m), duration_s=sub(duration_s),
                   vehicle=vehicle, service_s=service_s, name=name)


def prodhon_arc_costs(xy: np.ndarray) -> np.ndarray:
    """Return the Prodhon arc costs ``⌈100 × Euclidean distance⌉`` between points.

    With integer coordinates the ceiling is computed exactly in integers
    (``⌈√(10⁴ s)⌉`` for the squared distance ``s``), so no floating-point
    error can push an exact value up by one.

    Examples
    --------
    >>> prodhon_arc_costs(np.array([[6, 7], [20, 35], [9, 11]])).tolist()
    [[0, 3131, 500], [3131, 0, 2641], [500, 2641, 0]]
    """
    xy = np.asarray(xy)
    if np.all(xy == np.round(xy)):
        p = xy.astype(np.int64)
        sq = ((p[:, None, :] - p[None, :, :]) ** 2).sum(axis=2) * 10_000
        root = np.vectorize(math.isqrt, otypes=[np.int64])(sq)
        return root + (root * root < sq)
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    return np.ceil(100 * d).astype(np.int64)


def read_prodhon(path: str | Path) -> LRPInstance:
    """Read a Prodhon CLRP instance (``coord*.dat``).

    Layout, whitespace-separated (CRLF tolerated): clients ``n``; depots
    ``m``; ``m`` depot coordinate pairs; ``n`` client pairs; vehicle capacity;
    ``m`` depot capacities; ``n`` demands; ``m`` opening costs; fixed cost per
    route; a cost-type flag. Arc costs are ``⌈100 × Euclidean distance⌉``
    (the convention of the literature's best-known values; the format note's
    truncation gives different optima), stored as ``distance_m`` with
    ``cost_per_km = 1000`` so that one yuan is one cost unit. Durations are 0
    (no time limits in this set).

    Parameters
    ----------
    path
        The ``.dat`` file.

    Returns
    -------
    LRPInstance

    Raises
    ------
    InputFileError
        When the file is missing, too short or holds a non-number.
    """
    path = Path(path)
    try:
        tokens = path.read_text(encoding="utf-8").split()
        values = [float(t) for t in tokens]
    except (OSError, ValueError) as exc:
        raise InputFileError(f"无法读取 Prodhon 算例 {path}：{exc}",
                             f"cannot read Prodhon instance {path}: {exc}", path=str(path)) from exc
    if len(values) < 2:
        raise InputFileError(f"Prodhon 算例 {path} 为空", f"Prodhon instance {path} is empty",
                             path=str(path))
    n, m = int(values[0]), int(values[1])
    need = 2 + 2 * m + 2 * n + 1 + m + n + m + 1
    if len(values) < need:
        raise InputFileError(
            f"Prodhon 算例 {path} 只有 {len(values)} 个数，"
            f"{n} 个客户、{m} 个仓库需要至少 {need} 个",
            f"Prodhon instance {path} has {len(values)} numbers; {n} clients and {m} depots "
            f"need at least {need}", path=str(path), found=len(values), needed=need)
    pos = 2

    def take(k: int) -> np.ndarray:
        nonlocal pos
        pos += k
        return np.asarray(values[pos - k:pos])

    xy = np.vstack([take(2 * m).reshape(m, 2), take(2 * n).reshape(n, 2)])
    capacity = float(take(1)[0])
    depot_cap, demand, opening = take(m), take(n), take(m)
    fixed = float(take(1)[0])
    arcs = prodhon_arc_costs(xy)
    return LRPInstance(
        opening_cost=opening, depot_capacity_kg=depot_cap, demand_kg=demand, distance_m=arcs,
        duration_s=np.zeros_like(arcs),
        vehicle=VehicleType(capacity_kg=capacity, fixed_cost=fixed, cost_per_km=1000.0),
        name=path.stem,
    )


# --------------------------------------------------------------------------
# Parameters and results
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class LRPParams:
    """How to solve an :class:`LRPInstance`.

    Parameters
    ----------
    method
        ``"iterated"`` (re-site from the routes until the budget is spent) or
        ``"two_step"`` (site, then route once: the baseline).
    time_limit_s
        Wall-time budget for the whole search, > 0 (a round that has started
        finishes, so it can be exceeded by about one routing step). The
        search stops earlier when no new proposal is left.
    max_rounds
        Optional cap on re-siting iterations (deterministic runs).
    route_time_limit_s
        Time for one routing step (all open depots together, split by their
        number of clients); ``None``: ``0.04 s`` per client, at least 0.5 s.
    route_max_iterations
        Optional PyVRP iteration cap per depot and routing step (the routing
        time limit then only guards, at 30 s); with ``max_rounds`` and a
        generous ``time_limit_s`` the same seed gives the same plan.
    siting_time_limit_s
        Time limit of each location MILP, > 0.
    polish_share
        Share of ``time_limit_s`` kept for a final re-routing of the best
        assignment when the loop is stopped by the budget, in [0, 1).
    engine
        Routing engine, as in :class:`ruralnet.routing.RoutingParams`.
    """

    method: str = "iterated"
    time_limit_s: float = 60.0
    max_rounds: int | None = None
    route_time_limit_s: float | None = None
    route_max_iterations: int | None = None
    siting_time_limit_s: float = 10.0
    polish_share: float = 0.15
    engine: str = "pyvrp"

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise bad_value("method", f"one of {METHODS}", self.method)
        if not self.time_limit_s > 0:
            raise bad_value("time_limit_s", "> 0", self.time_limit_s)
        if self.max_rounds is not None and self.max_rounds < 0:
            raise bad_value("max_rounds", ">= 0 or None", self.max_rounds)
        if self.route_time_limit_s is not None and not self.route_time_limit_s > 0:
            raise bad_value("route_time_limit_s", "> 0 or None", self.route_time_limit_s)
        if self.route_max_iterations is not None and self.route_max_iterations < 1:
            raise bad_value("route_max_iterations", ">= 1 or None", self.route_max_iterations)
        if not self.siting_time_limit_s > 0:
            raise bad_value("siting_time_limit_s", "> 0", self.siting_time_limit_s)
        if not 0 <= self.polish_share < 1:
            raise bad_value("polish_share", "in [0, 1)", self.polish_share)
        RoutingParams(engine=self.engine)  # same engines, same message


@dataclass(frozen=True)
class LRPRoute:
    """One route of a location-routing plan: open depot → clients → depot.

    ``clients`` are client indices (0-based, clients only); ``distance_m``
    includes the return leg; ``cost`` is the vehicle fixed cost plus the
    distance cost, in yuan.
    """

    depot: int
    clients: tuple[int, ...]
    load_kg: float
    distance_m: int
    cost: float


@dataclass(frozen=True)
class LRPIteration:
    """One evaluated plan of the search.

    Attributes
    ----------
    index
        Position in the log.
    step
        Which move proposed it: ``"initial"``, ``"joint"``, ``"routes"``,
        ``"insertion"``, ``"explore"`` or ``"polish"`` (see the module
        docstring).
    open_depots
        Depots opened by the plan.
    opening_cost, vehicle_fixed_cost, routing_cost, cost
        Exact costs of the routed plan, yuan.
    siting_estimate
        Objective of the location MILP that proposed it (yuan; the routing
        part is an estimate). ``None`` for the polish.
    siting_gap
        Relative optimality gap of that MILP (0 when proven optimal).
    routes
        The plan's routes.
    best_so_far
        Whether it improved on every earlier plan.
    elapsed_s
        Wall time since the start when it was evaluated.
    """

    index: int
    step: str
    open_depots: tuple[int, ...]
    opening_cost: float
    vehicle_fixed_cost: float
    routing_cost: float
    cost: float
    siting_estimate: float | None
    siting_gap: float | None
    routes: tuple[LRPRoute, ...]
    best_so_far: bool
    elapsed_s: float


@dataclass(frozen=True)
class LRPResult:
    """Solution of :func:`solve_lrp`.

    Attributes
    ----------
    open_depots
        Indices of the open candidate depots.
    routes
        The routes, each from and back to one open depot.
    opening_cost, vehicle_fixed_cost, routing_cost, cost
        Cost split and total, yuan.
    depot_load_kg
        Demand served per open depot (same order as ``open_depots``).
    iterations
        Every plan evaluated, in order (see :class:`LRPIteration`).
    best_iteration
        Index of the plan returned.
    method, fixed_sites
        How it was found; whether the depots were given.
    runtime_s
        Wall time.
    """

    open_depots: tuple[int, ...]
    routes: tuple[LRPRoute, ...]
    opening_cost: float
    vehicle_fixed_cost: float
    routing_cost: float
    cost: float
    depot_load_kg: tuple[float, ...]
    iterations: tuple[LRPIteration, ...]
    best_iteration: int
    method: str
    fixed_sites: bool
    runtime_s: float

    @property
    def assignment(self) -> dict[int, int]:
        """Client index → the depot serving it."""
        return {i: r.depot for r in self.routes for i in r.clients}

    def summary(self) -> str:
        """Return a short text report: cost split, improving plans, other depot sets tried."""
        loads = ", ".join(f"{d}: {q:g} kg" for d, q in
                          zip(self.open_depots, self.depot_load_kg, strict=True))
        lines = [
            f"location-routing ({self.method}{', fixed sites' if self.fixed_sites else ''}): "
            f"cost {self.cost:.2f} = opening {self.opening_cost:.2f} + vehicles "
            f"{self.vehicle_fixed_cost:.2f} + routing {self.routing_cost:.2f}",
            f"open depots {list(self.open_depots)} (load {loads}), {len(self.routes)} routes",
            f"{len(self.iterations)} plans evaluated in {self.runtime_s:.1f} s, "
            f"best at #{self.best_iteration}",
        ]
        lines += [f"  #{it.index} {it.step}: depots {list(it.open_depots)} cost {it.cost:.2f}"
                  for it in self.iterations if it.best_so_far]
        by_set: dict[tuple[int, ...], float] = {}
        for it in self.iterations:
            by_set[it.open_depots] = min(it.cost, by_set.get(it.open_depots, math.inf))
        others = sorted((c, s) for s, c in by_set.items() if s != self.open_depots)
        if others:
            lines.append("other depot sets (best plan found for each):")
            lines += [f"  {list(s)}: {c:.2f} (+{100 * (c / self.cost - 1):.2f}%)"
                      for c, s in others[:5]]
        return "\n".join(lines)


# --------------------------------------------------------------------------
# Search internals
# --------------------------------------------------------------------------

Routes = tuple[tuple[int, tuple[int, ...]], ...]  # (depot, clients) per route
_Proposal = tuple[str, "dict[int, list[int]] | None", tuple[int, ...], "float | None",
                  "float | None"]  # step, client groups per depot, depots, estimate, gap


@dataclass(eq=False)
class _Plan:
    """An evaluated plan: routes, open depots and exact costs."""

    routes: Routes
    open_depots: tuple[int, ...]
    opening: float
    fixed: float
    routing: float

    @property
    def cost(self) -> float:
        return self.opening + self.fixed + self.routing

    def groups(self) -> dict[int, tuple[int, ...]]:
        out: dict[int, list[int]] = {j: [] for j in self.open_depots}
        for j, cl in self.routes:
            out[j].extend(cl)
        return {j: tuple(sorted(c)) for j, c in out.items()}


def _key(groups: dict[int, Sequence[int]]) -> frozenset:
    return frozenset((j, frozenset(c)) for j, c in groups.items() if len(c))


def _cycle_nodes(inst: LRPInstance, clients: Sequence[int]) -> np.ndarray:
    return inst.num_candidates + np.asarray(clients, dtype=np.int64)


def _reroot(inst: LRPInstance, clients: Sequence[int]) -> np.ndarray:
    """Per candidate, the length of the route's cycle with that depot at its cheapest place."""
    d = inst.distance_m
    p = _cycle_nodes(inst, clients)
    nxt = np.roll(p, -1)
    inner = d[p, nxt]  # the closing arc (last → first) is the one the depot may break
    js = np.arange(inst.num_candidates)
    detour = d[np.ix_(p, js)] + d[np.ix_(js, nxt)].T - inner[:, None]
    return inner.sum() + detour.min(axis=0)


class _Search:
    """State of one run: the instance, caches, the log and the best plan."""

    def __init__(self, inst: LRPInstance, params: LRPParams, seed: int,
                 fixed: tuple[int, ...] | None, started: float) -> None:
        self.inst, self.params, self.seed, self.fixed = inst, params, seed, fixed
        self.started = started
        self.allowed = np.arange(inst.num_candidates) if fixed is None else np.asarray(fixed)
        self.unit = inst.vehicle.cost_per_km / 1000  # yuan per metre
        n = inst.num_clients
        self.route_time = (params.route_time_limit_s if params.route_time_limit_s is not None
                           else max(0.5, 0.04 * n))
        # PyVRP caps its load penalty at 1e5 cost units per load unit (1000 yuan per kg
        # here); when routes cost more than that, capacity violations pay and it can end
        # with no feasible plan. Loads are scaled up for the engine to keep them dear.
        vt = inst.vehicle
        dearest = vt.fixed_cost + 2 * self.unit * int(inst.distance_m.max(initial=0))
        self.load_scale = max(1, math.ceil(dearest / 100))
        self.reach = reachable(inst)
        self.cache: dict[tuple[int, frozenset], tuple[tuple[int, ...], ...]] = {}
        self.seen: set[frozenset] = set()
        self.seen_sets: set[tuple[int, ...]] = set()
        self.log: list[LRPIteration] = []
        self.best: _Plan | None = None

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    # ---- location step -------------------------------------------------

    def site(self, cost: np.ndarray, weight: np.ndarray, *, drop: Sequence[int] = (),
             force: Sequence[int] = (), time_limit_s: float | None = None):
        """Solve the single-source CFLP over the allowed candidates.

        ``cost[k, j]`` is the total cost (yuan) of serving item ``k`` (a
        client or a route) from candidate ``j``; ``weight`` its load. Return
        ``(groups of item indices per depot, estimate, gap)`` or ``None``
        when infeasible (or nothing found within the time limit).
        """
        cols = np.array([j for j in self.allowed if j not in set(drop)], dtype=np.int64)
        if cols.size == 0:
            return None
        forced = set(force) | (set(cols.tolist()) if self.fixed is not None else set())
        quotas = [Quota("forced open", tuple(int(np.flatnonzero(cols == j)[0]) for j in forced),
                        1.0)] if forced else []
        per_unit = np.maximum(cost[:, cols], 0) / weight[:, None]
        if per_unit.shape[0] == self.inst.num_clients:  # clients: forbid unreachable pairs
            per_unit = np.where(self.reach[:, cols], per_unit, np.inf)
        try:
            res = solve_capacitated_facility_location(
                per_unit, weight, self.inst.depot_capacity_kg[cols],
                fixed_cost=self.inst.opening_cost[cols], quotas=quotas,
                min_open=max(1, len(forced)),
                params=SolveParams(time_limit_s=time_limit_s or self.params.siting_time_limit_s,
                                   seed=self.seed))
        except RuralnetError as err:  # infeasible, or no solution in time
            log.debug("lrp: siting step found nothing: %s", err.message("en"))
            return None
        groups: dict[int, list[int]] = {int(cols[s]): [] for s in res.open_sites}
        for k, s in enumerate(res.assignment):
            groups[int(cols[s])].append(k)
        return groups, res.objective, res.gap

    def initial_costs(self) -> np.ndarray:
        """Client × candidate: radial-trip share ``2 d q / Q`` plus vehicle share ``F q / Q``."""
        inst, m = self.inst, self.inst.num_candidates
        d = inst.distance_m[:m, m:].T + inst.distance_m[m:, :m]
        share = inst.demand_kg[:, None] / inst.vehicle.capacity_kg
        return share * (self.unit * d + inst.vehicle.fixed_cost)

    def route_costs(self, plan: _Plan) -> tuple[np.ndarray, list[tuple[int, ...]], np.ndarray]:
        """Routes of ``plan`` as super-clients: cost of each re-rooted at each candidate."""
        items = [cl for _, cl in plan.routes]
        cost = np.array([self.inst.vehicle.fixed_cost + self.unit * _reroot(self.inst, cl)
                         for cl in items])
        load = np.array([self.inst.demand_kg[list(cl)].sum() for cl in items])
        return cost, items, load

    def insertion_costs(self, plan: _Plan, *, room: bool = True) -> np.ndarray:
        """Client × candidate costs learnt from the routes of ``plan``.

        Own depot: the saving of removing the client from its route. Other
        open depots: the cheapest insertion into one of their routes with room
        left, or a new route (fixed cost included). Closed candidates: the
        removal saving shifted by the client's load share of its route
        re-rooted there. With ``room=False`` insertion ignores the vehicle
        capacity, which lets the MILP propose swaps between full routes.
        """
        inst, d, m = self.inst, self.inst.distance_m, self.inst.num_candidates
        q, cap, fixed = inst.demand_kg, inst.vehicle.capacity_kg, inst.vehicle.fixed_cost
        out = np.zeros((inst.num_clients, m))
        closed = np.ones(m, dtype=bool)
        closed[list(plan.open_depots)] = False
        for j0, cl in plan.routes:
            nodes = np.concatenate([[j0], _cycle_nodes(inst, cl), [j0]])
            save = d[nodes[:-2], nodes[1:-1]] + d[nodes[1:-1], nodes[2:]] - d[nodes[:-2], nodes[2:]]
            load = q[list(cl)].sum()
            shift = _reroot(inst, cl) - _reroot(inst, cl)[j0]
            for k, i in enumerate(cl):
                out[i, :] = self.unit * (save[k] + np.where(closed, shift * q[i] / load, 0))
        groups = plan.groups()
        cols = inst.num_candidates + np.arange(inst.num_clients)
        for j in plan.open_depots:
            best = fixed + self.unit * (d[j, cols] + d[cols, j])  # a new route
            for j1, cl in plan.routes:
                if j1 != j:
                    continue
                nodes = np.concatenate([[j], _cycle_nodes(inst, cl), [j]])
                ins = (d[np.ix_(nodes[:-1], cols)] + d[np.ix_(cols, nodes[1:])].T
                       - d[nodes[:-1], nodes[1:]][:, None]).min(axis=0)
                fits = (q[list(cl)].sum() + q <= cap) | (not room)
                best = np.where(fits, np.minimum(best, self.unit * ins), best)
            mine = np.asarray(groups.get(j, ()), dtype=np.int64)
            other = np.setdiff1d(np.arange(inst.num_clients), mine)
            out[other, j] = best[other]
        return out

    # ---- routing step --------------------------------------------------

    def client(self, i: int) -> Client:
        """Client ``i`` for the routing engine, its load scaled by ``load_scale``."""
        return Client(delivery_kg=float(self.inst.demand_kg[i]) * self.load_scale,
                      service_s=int(self.inst.service_s[i]))

    def route_depot(self, j: int, clients: tuple[int, ...], seconds: float, seed: int,
                    iterations: int | None) -> tuple[tuple[int, ...], ...]:
        """Route one depot's clients with :func:`solve_routes`; return client tuples."""
        inst, m = self.inst, self.inst.num_candidates
        pts = np.concatenate([[j], m + np.asarray(clients, dtype=np.int64)])
        vt = _replace(inst.vehicle, depot=0, num_available=len(clients),
                      capacity_kg=inst.vehicle.capacity_kg * self.load_scale)
        problem = RoutingProblem(
            depots=(Depot(),),
            clients=tuple(self.client(i) for i in clients),
            vehicle_types=(vt,),
            distance_m=inst.distance_m[np.ix_(pts, pts)],
            duration_s=inst.duration_s[np.ix_(pts, pts)],
        )
        rp = RoutingParams(engine=self.params.engine, time_limit_s=seconds,
                           max_iterations=iterations)
        res = solve_routes(problem, rp, seed=seed)
        return tuple(tuple(clients[s.client] for s in r.stops) for r in res.routes)

    def route(self, groups: dict[int, Sequence[int]], *, scale: float = 1.0,
              seed: int | None = None, iterations: int | None = None,
              fresh: bool = False) -> _Plan:
        """Route every open depot's clients (cached per depot and client set).

        ``fresh`` solves again even when cached; the cheaper routes are kept.
        """
        seed = self.seed if seed is None else seed
        iterations = self.params.route_max_iterations if iterations is None else iterations
        n = max(1, sum(len(c) for c in groups.values()))
        routes: list[tuple[int, tuple[int, ...]]] = []
        for j, cl in sorted(groups.items()):
            if not len(cl):
                continue
            cl = tuple(sorted(int(i) for i in cl))
            key = (j, frozenset(cl))
            if fresh or key not in self.cache:
                seconds = max(0.1, scale * self.route_time * len(cl) / n)
                if iterations is not None:  # iterations decide; time only guards
                    seconds = max(seconds, 30.0)
                found = self.route_depot(j, cl, seconds, seed, iterations)
                if key not in self.cache or self.depot_cost(j, found) < self.depot_cost(
                        j, self.cache[key]):  # a re-run keeps the better routes
                    self.cache[key] = found
            routes += [(j, r) for r in self.cache[key]]
        return self.evaluate(tuple(routes))

    def depot_cost(self, j: int, routes: Sequence[Sequence[int]]) -> float:
        """Vehicle fixed and distance cost of one depot's routes."""
        dist = sum(_route_length(self.inst, j, cl) for cl in routes)
        return len(routes) * self.inst.vehicle.fixed_cost + self.unit * dist

    def route_joint(self, depots: Sequence[int]) -> _Plan | None:
        """Route all clients from the depots ``depots`` in one multi-depot solve.

        Depot capacity is enforced through the fleet: depot ``j`` gets
        ``⌊C_j / Q⌋`` vehicles of capacity ``Q`` and one of the remainder
        ``C_j − ⌊C_j / Q⌋ Q``, so whatever the engine chooses, the demand
        served from ``j`` stays within ``C_j``. This restricts the number of
        routes per depot (a plan with more, emptier routes is not reachable
        here; the per-depot moves can still find it). Return ``None`` when
        the engine finds no feasible plan, and without a solve for one depot
        whose routing of every client is already cached: with one depot no
        client can move, so the joint solve is that routing again under a
        tighter fleet (安溪: three such solves of about 2 s, each infeasible,
        since the county's load fills the capacity-carrying fleet exactly).
        """
        inst, m, n = self.inst, self.inst.num_candidates, self.inst.num_clients
        depots = tuple(sorted(int(j) for j in depots))
        self.seen_sets.add(depots)
        if len(depots) == 1 and (depots[0], frozenset(range(n))) in self.cache:
            log.info("lrp: joint routing from %s skipped: its per-depot routing is known",
                     list(depots))
            return None
        q_max, cap = inst.vehicle.capacity_kg, inst.depot_capacity_kg
        types = []
        for k, j in enumerate(depots):
            full = min(n, int(cap[j] // q_max))
            rest = float(cap[j] - full * q_max) if full < n else 0.0
            if full:
                types.append(_replace(inst.vehicle, depot=k, num_available=full,
                                      capacity_kg=q_max * self.load_scale))
            if rest > 1e-9:
                types.append(_replace(inst.vehicle, depot=k, num_available=1,
                                      capacity_kg=rest * self.load_scale))
        pts = np.concatenate([np.asarray(depots, dtype=np.int64), m + np.arange(n)])
        problem = RoutingProblem(
            depots=tuple(Depot() for _ in depots),
            clients=tuple(self.client(i) for i in range(n)),
            vehicle_types=tuple(types), distance_m=inst.distance_m[np.ix_(pts, pts)],
            duration_s=inst.duration_s[np.ix_(pts, pts)])
        its = self.params.route_max_iterations
        seconds = self.route_time if its is None else max(self.route_time, 30.0)
        try:
            res = solve_routes(problem, RoutingParams(engine=self.params.engine,
                                                      time_limit_s=seconds, max_iterations=its),
                               seed=self.seed)
        except InfeasibleError as err:
            log.info("lrp: joint routing from %s failed: %s", list(depots), err.message("en"))
            return None
        return self.evaluate(tuple((depots[r.depot], tuple(s.client for s in r.stops))
                                   for r in res.routes))

    def evaluate(self, routes: Routes) -> _Plan:
        """Exact costs of ``routes`` (opening, vehicle fixed, distance)."""
        inst = self.inst
        used = {j for j, _ in routes}
        open_ = tuple(sorted(used | set(self.fixed or ())))
        dist = sum(_route_length(inst, j, cl) for j, cl in routes)
        return _Plan(routes, open_, float(inst.opening_cost[list(open_)].sum()),
                     len(routes) * inst.vehicle.fixed_cost, dist * inst.vehicle.cost_per_km / 1000)

    def record(self, step: str, plan: _Plan, estimate: float | None, gap: float | None) -> bool:
        """Log a plan; keep it when it is the best so far."""
        improved = self.best is None or plan.cost < self.best.cost - 1e-9
        if improved:
            self.best = plan
        for j, clients in plan.groups().items():  # so a re-run of this assignment never loses
            key = (j, frozenset(clients))
            mine = tuple(cl for d, cl in plan.routes if d == j)
            if clients and (key not in self.cache
                            or self.depot_cost(j, mine) < self.depot_cost(j, self.cache[key])):
                self.cache[key] = mine
        self.seen.add(_key(plan.groups()))
        self.log.append(LRPIteration(
            index=len(self.log), step=step, open_depots=plan.open_depots,
            opening_cost=plan.opening, vehicle_fixed_cost=plan.fixed, routing_cost=plan.routing,
            cost=plan.cost, siting_estimate=estimate, siting_gap=gap,
            routes=tuple(_lrp_route(self.inst, j, cl) for j, cl in plan.routes),
            best_so_far=improved, elapsed_s=self.elapsed()))
        log.info("lrp #%d %s: depots %s cost %.2f%s", len(self.log) - 1, step,
                 list(plan.open_depots), plan.cost, " (best)" if improved else "")
        return improved


def _replace(vt: VehicleType, **changes) -> VehicleType:
    return replace(vt, **changes)


def _route_length(inst: LRPInstance, depot: int, clients: Sequence[int]) -> int:
    nodes = np.concatenate([[depot], _cycle_nodes(inst, clients), [depot]])
    return int(inst.distance_m[nodes[:-1], nodes[1:]].sum())


def _lrp_route(inst: LRPInstance, depot: int, clients: tuple[int, ...]) -> LRPRoute:
    dist = _route_length(inst, depot, clients)
    vt = inst.vehicle
    return LRPRoute(depot, tuple(int(i) for i in clients),
                    float(inst.demand_kg[list(clients)].sum()), dist,
                    vt.fixed_cost + vt.cost_per_km * dist / 1000)


# --------------------------------------------------------------------------
# The loop
# --------------------------------------------------------------------------


def reachable(inst: LRPInstance) -> np.ndarray:
    """Return client × candidate: can a vehicle serve the client alone within its shift."""
    vt, m = inst.vehicle, inst.num_candidates
    limit = vt.shift_end_s - vt.shift_start_s
    if vt.max_duration_s is not None:
        limit = min(limit, vt.max_duration_s)
    t = inst.duration_s.astype(float) / vt.speed_factor
    if vt.max_speed_kph is not None:
        t = np.maximum(t, inst.distance_m * 3.6 / vt.max_speed_kph)
    trip = t[m:, :m] + t[:m, m:].T + inst.service_s[:, None]
    return trip <= limit


def _check(inst: LRPInstance, fixed_sites: Sequence[int] | None) -> tuple[int, ...] | None:
    """Validate ``fixed_sites`` and refuse, with figures, what no plan can satisfy."""
    fixed = None
    if fixed_sites is not None:
        fixed = tuple(sorted({int(j) for j in fixed_sites}))
        if not fixed or fixed[0] < 0 or fixed[-1] >= inst.num_candidates:
            raise bad_value("fixed_sites", f"non-empty, candidates in [0, {inst.num_candidates})",
                       list(fixed_sites))
    allowed = list(range(inst.num_candidates)) if fixed is None else list(fixed)
    q, cap = inst.demand_kg, inst.vehicle.capacity_kg
    if q.max() > cap:
        i = int(q.argmax())
        who = inst.client_names[i] if inst.client_names else f"客户 {i}"
        who_en = inst.client_names[i] if inst.client_names else f"client {i}"
        raise InfeasibleError(
            f"{who} 的需求 {q[i]:g} kg 超过车辆载重 {cap:g} kg，请换更大的车或拆分需求",
            f"{who_en} needs {q[i]:g} kg, more than the vehicle capacity {cap:g} kg; use a "
            "larger vehicle or split the demand", constraint="vehicle_capacity", client=i)
    alone = np.flatnonzero(~reachable(inst)[:, allowed].any(axis=1))
    if alone.size:
        raise InfeasibleError(
            f"{alone.size} 个客户无法在车辆班次/最长时长内从任何可用站点往返，"
            "请延长班次或增加候选点",
            f"{alone.size} clients cannot be served and brought back within the vehicle shift "
            "or maximum duration from any allowed depot; lengthen the shift or add candidates",
            constraint="reachability", clients=alone.tolist())
    total, room = float(q.sum()), float(inst.depot_capacity_kg[allowed].sum())
    if total > room + 1e-9:
        zh_which = "指定站点" if fixed is not None else "全部候选点"
        en_which = "the fixed sites" if fixed is not None else "all candidates"
        raise InfeasibleError(
            f"总需求 {total:g} kg 超过{zh_which}的总容量 {room:g} kg，请增加容量或候选点",
            f"total demand {total:g} kg exceeds the capacity {room:g} kg of {en_which}; add "
            "capacity or candidates", constraint="depot_capacity", demand=total, capacity=room)
    return fixed


def _proposals(s: _Search, plan: _Plan) -> list[_Proposal]:
    """Propose from ``plan``: joint routing of its depots, ``routes`` and ``insertion`` moves."""
    out: list[_Proposal] = [("joint", None, plan.open_depots, None, None)]
    cost, items, load = s.route_costs(plan)
    got = s.site(cost, load)
    if got is not None:
        groups = {j: [i for k in ks for i in items[k]] for j, ks in got[0].items()}
        out.append(("routes", groups, tuple(sorted(groups)), got[1], got[2]))
    for room in (True, False):
        got = s.site(s.insertion_costs(plan, room=room), s.inst.demand_kg)
        if got is not None:
            out.append(("insertion", got[0], tuple(sorted(got[0])), got[1], got[2]))
    return out


def _neighbours(s: _Search, plan: _Plan) -> list[_Proposal]:
    """Depot sets one move away (close one, or force one open), best MILP estimate first.

    Each is re-sited from ``plan``'s routes (these MILPs pack whole routes
    into depots and can be slow when capacities are tight, so each gets at
    most a second; the gap is logged).
    """
    if s.fixed is not None:
        return []
    cost, items, load = s.route_costs(plan)
    seconds = min(1.0, s.params.siting_time_limit_s)
    out = []
    for j in range(s.inst.num_candidates):
        move = {"drop": (j,)} if j in plan.open_depots else {"force": (j,)}
        got = s.site(cost, load, time_limit_s=seconds, **move)
        if got is not None:
            groups = {d: [i for k in ks for i in items[k]] for d, ks in got[0].items()}
            out.append(("explore", groups, tuple(sorted(groups)), got[1], got[2]))
    return sorted(out, key=lambda p: p[3])


def _fresh(s: _Search, p: _Proposal) -> bool:
    step, groups, depots = p[:3]
    if step == "joint":
        return depots not in s.seen_sets
    return _key(groups) not in s.seen


def _evaluate(s: _Search, p: _Proposal) -> _Plan | None:
    """Route a proposal and log it; return the plan (``None`` if joint routing failed)."""
    step, groups, depots, estimate, gap = p
    try:
        plan = s.route_joint(depots) if step == "joint" else s.route(groups)
    except InfeasibleError as err:  # e.g. a depot's clients need more than a shift allows
        log.info("lrp: %s proposal %s not routable: %s", step, list(depots), err.message("en"))
        if groups is not None:
            s.seen.add(_key(groups))
        return None
    if plan is not None:
        s.record(step, plan, estimate, gap)
    return plan


_PROMISING = 0.02
"""An explored depot set within this share of the best is also routed jointly."""


def _iterate(s: _Search, until_s: float) -> bool:
    """Re-site from the best routes, route, keep the best, until the budget or convergence.

    When no unexplored proposal is left, the best assignment is routed
    again with more time (``polish``); the loop goes on if that improves it.
    """
    rounds, queue, base, explored, polished = 0, [], None, False, False
    cap = s.params.max_rounds
    while (cap is None or rounds < cap) and s.elapsed() + 0.5 * s.route_time < until_s:
        if base is not s.best:  # the best changed: propose from its routes first
            base, explored, polished = s.best, False, False
            queue = _proposals(s, base)
        queue = [p for p in queue if _fresh(s, p)]
        if not queue and not explored:
            queue, explored = [p for p in _neighbours(s, base) if _fresh(s, p)], True
        if not queue:
            if polished:
                log.info("lrp: no unexplored proposal left after %d rounds", rounds)
                break
            _polish(s, min(until_s - s.elapsed(), 4 * s.route_time), rounds)
            polished, rounds = True, rounds + 1
            continue
        p = queue.pop(0)
        plan = _evaluate(s, p)
        if p[0] == "explore" and plan is not None and plan.cost < (1 + _PROMISING) * s.best.cost:
            queue.insert(0, ("joint", None, plan.open_depots, p[3], p[4]))
        rounds += 1
    else:
        if cap is not None and rounds < cap:  # the clock, not the rounds, ended the search
            clock_bit("location-routing rounds", until_s, done=rounds, budget=cap)
    return polished


def _polish(s: _Search, seconds: float, round_: int = 0) -> None:
    """Route the best assignment again with more time and another seed.

    With an iteration budget the polish always runs (the clock only guards);
    without one it needs some time left.
    """
    its = s.params.route_max_iterations
    if its is None and seconds <= 0.05:
        return
    seconds = max(seconds, 0.05)
    plan = s.route(s.best.groups(), scale=seconds / s.route_time, seed=s.seed + 1 + round_,
                   iterations=None if its is None else 4 * its, fresh=True)
    s.record("polish", plan, None, None)


def solve_lrp(instance: LRPInstance, params: LRPParams | None = None, *, seed: int = 0,
              fixed_sites: Sequence[int] | None = None) -> LRPResult:
    """Choose depots and routes together (capacitated location-routing).

    Formulation: choose open depots ``y_j`` among the candidates and a set
    of routes, each leaving one open depot, visiting clients and returning to
    it, so as to minimise ``Σ_j f_j y_j + F × (number of routes) +
    (cost per km) × (total distance)`` subject to: every client on exactly
    one route; each route's load within the vehicle capacity; each depot's
    served demand within its capacity; route durations within the vehicle
    shift and maximum duration (when the duration matrix makes them bind).
    The fleet at each open depot is unlimited.

    The search (see the module docstring) alternates exact single-source
    facility-location MILPs (:func:`ruralnet.siting.county.solve_capacitated_facility_location`)
    with routing (:func:`ruralnet.routing.solve_routes`): per depot on the
    clients the MILP gave it, or jointly with the depot capacity carried by
    the fleet, so depot capacities hold by construction. Every plan is
    re-evaluated exactly on the matrices and logged.

    Parameters
    ----------
    instance
        The instance.
    params
        Method and budgets; defaults to ``LRPParams()``.
    seed
        Random seed of the routing engine and the MILPs.
    fixed_sites
        Keep exactly these candidates open (e.g. an existing county
        warehouse) and only assign and route; their opening costs count.

    Returns
    -------
    LRPResult

    Raises
    ------
    InfeasibleError
        When a client exceeds the vehicle capacity, total demand exceeds the
        capacity of the allowed depots, or no assignment fits the depot
        capacities (figures in the message).

    Examples
    --------
    Two clients near candidate 1; opening candidate 0 would be cheaper but
    routing from it is long:

    >>> d = np.array([[0, 90, 100, 100], [90, 0, 10, 10],
    ...               [100, 10, 0, 5], [100, 10, 5, 0]]) * 1000
    >>> inst = LRPInstance(opening_cost=[10, 20], depot_capacity_kg=[50, 50],
    ...     demand_kg=[5, 5], distance_m=d, duration_s=np.zeros_like(d),
    ...     vehicle=VehicleType(capacity_kg=10, fixed_cost=5, cost_per_km=1))
    >>> res = solve_lrp(inst, LRPParams(time_limit_s=5, max_rounds=2,
    ...     route_max_iterations=50))
    >>> res.open_depots, res.cost, [r.clients for r in res.routes]
    ((1,), 50.0, [(0, 1)])
    """
    params = params or LRPParams()
    started = time.perf_counter()
    fixed = _check(instance, fixed_sites)
    log.info("location-routing %s: %d candidates, %d clients, method %s%s", instance.name,
             instance.num_candidates, instance.num_clients, params.method,
             ", fixed sites" if fixed else "")
    s = _Search(instance, params, seed, fixed, started)
    first = s.site(s.initial_costs(), instance.demand_kg)
    if first is None:
        raise InfeasibleError(
            "没有满足仓库容量的客户分配方案（单一来源），请增加容量或候选点",
            "no assignment of clients to depots fits the depot capacities (each client served "
            "by one depot); add capacity or candidates", constraint="depot_capacity")
    s.record("initial", s.route(first[0]), first[1], first[2])
    if params.method == "iterated":
        polish_s = params.polish_share * params.time_limit_s
        if not _iterate(s, params.time_limit_s - polish_s):
            _polish(s, params.time_limit_s - s.elapsed())
    return _lrp_result(s, fixed is not None)


def _lrp_result(s: _Search, fixed: bool) -> LRPResult:
    best = s.best
    index = max(it.index for it in s.log if it.best_so_far)
    groups = best.groups()
    loads = tuple(float(s.inst.demand_kg[list(groups[j])].sum()) for j in best.open_depots)
    result = LRPResult(
        open_depots=best.open_depots, routes=s.log[index].routes, opening_cost=best.opening,
        vehicle_fixed_cost=best.fixed, routing_cost=best.routing, cost=best.cost,
        depot_load_kg=loads, iterations=tuple(s.log), best_iteration=index,
        method=s.params.method, fixed_sites=fixed, runtime_s=s.elapsed())
    log.info("location-routing: %s", result.summary().replace("\n", "; "))
    return result

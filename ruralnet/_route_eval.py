"""Route compilation, evaluation and the coverage search behind :mod:`ruralnet.routing`.

Private: the engines only return client sequences; everything that gives a
sequence its meaning lives here, shared by :func:`ruralnet.routing.solve_routes`
and :func:`ruralnet.daily.plan_daily_routes`:

* :func:`_compile` turns a :class:`~ruralnet.routing.RoutingProblem` into the
  integer arrays (:class:`_Compiled`) that both engines
  (:mod:`ruralnet._ortools_vrp`, :mod:`ruralnet._pyvrp_vrp`) read;
* :func:`_schedule`, :func:`_violations` and :func:`_route_cost` time, check
  and price one route;
* :func:`_run_engine` runs an engine and re-checks what it returns;
  :func:`_reachable` and :func:`_check_required` refuse hopeless problems
  before solving;
* :class:`_CoverageSearch` meets a coverage target by bisection on a shared
  visit prize over one or several :class:`_Part` sub-problems, then
  :func:`_trim` and :meth:`_CoverageSearch.polish` remove surplus; shortfalls
  are explained by :func:`_shortfall_error`.

Imports: the engines (lazily, inside :func:`_resolve_engine` and
:func:`_run_engine`); :mod:`ruralnet.routing` only for type annotations.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ruralnet.exceptions import InfeasibleError, RuralnetError

if TYPE_CHECKING:  # annotations only: ruralnet.routing imports this module
    from ruralnet.routing import RoutingParams, RoutingProblem, VehicleType

COST_UNITS_PER_YUAN = 100_000
"""Integer cost units per yuan inside the engines (1e-5 yuan)."""
LOAD_UNITS_PER_KG = 1_000
"""Integer load units per kg inside the engines (grams)."""
UNBOUNDED_S = 7 * 86_400
"""Latest time used when no window is given (one week, in seconds)."""


# --------------------------------------------------------------------------
# Compilation to integer arrays, shared by both engines
# --------------------------------------------------------------------------


@dataclass(eq=False)
class _Compiled:
    n_depots: int
    n_clients: int
    distance: np.ndarray
    profiles: list[np.ndarray]
    vt_profile: list[int]
    vt_unit_cost: list[int]
    vt_fixed: list[int]
    vt_capacity: list[int]
    vt_num: list[int]
    vt_depot: list[int]
    vt_early: list[int]
    vt_late: list[int]
    vt_max_duration: list[int]
    delivery: np.ndarray
    pickup: np.ndarray
    service: np.ndarray
    tw_early: np.ndarray
    tw_late: np.ndarray
    depot_early: np.ndarray
    depot_late: np.ndarray
    required: np.ndarray
    counted: np.ndarray
    base_prize: np.ndarray
    horizon: int
    time_binds: bool
    service_at_node: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.service_at_node = np.concatenate(
            [np.zeros(self.n_depots, dtype=np.int64), self.service]
        )


def _travel(p: RoutingProblem, t: VehicleType) -> np.ndarray:
    travel = p.duration_s
    if t.speed_factor != 1:
        travel = np.ceil(travel / t.speed_factor).astype(np.int64)
    if t.max_speed_kph is not None:
        capped = np.ceil(p.distance_m * 3.6 / t.max_speed_kph).astype(np.int64)
        travel = np.maximum(travel, capped)
    return travel


def _profiles(p: RoutingProblem) -> tuple[list[np.ndarray], list[int]]:
    """Return one travel-time matrix per distinct speed, and each vehicle type's profile."""
    keys: dict[tuple, int] = {}
    profiles, vt_profile = [], []
    for t in p.vehicle_types:
        key = (t.speed_factor, t.max_speed_kph)
        if key not in keys:
            keys[key] = len(profiles)
            profiles.append(_travel(p, t))
        vt_profile.append(keys[key])
    return profiles, vt_profile


def _compile(p: RoutingProblem) -> _Compiled:
    """Turn the problem into the integer arrays both engines read."""
    profiles, vt_profile = _profiles(p)
    cl = p.clients
    arr = lambda f, dt=np.int64: np.array([f(c) for c in cl], dtype=dt)  # noqa: E731
    tw_late = arr(lambda c: c.tw_late_s)
    lates = [int(tw_late.max(initial=0))] + [d.tw_late_s for d in p.depots]
    lates += [t.shift_end_s for t in p.vehicle_types]
    horizon = min(UNBOUNDED_S, max(lates))
    vt = p.vehicle_types
    max_dur = [horizon if t.max_duration_s is None else min(t.max_duration_s, horizon) for t in vt]
    time_binds = (
        bool((tw_late < horizon).any() or arr(lambda c: c.tw_early_s).any())
        or any(d < horizon for d in max_dur)
        or any(t.shift_start_s > 0 or t.shift_end_s < horizon for t in vt)
    )
    return _Compiled(
        n_depots=len(p.depots),
        n_clients=len(cl),
        distance=np.asarray(p.distance_m),
        profiles=profiles,
        vt_profile=vt_profile,
        vt_unit_cost=[round(t.cost_per_km * COST_UNITS_PER_YUAN / 1000) for t in vt],
        vt_fixed=[round(t.fixed_cost * COST_UNITS_PER_YUAN) for t in vt],
        vt_capacity=[round(t.capacity_kg * LOAD_UNITS_PER_KG) for t in vt],
        vt_num=[t.num_available for t in vt],
        vt_depot=[t.depot for t in vt],
        vt_early=[t.shift_start_s for t in vt],
        vt_late=[min(t.shift_end_s, horizon) for t in vt],
        vt_max_duration=max_dur,
        delivery=arr(lambda c: round(c.delivery_kg * LOAD_UNITS_PER_KG)),
        pickup=arr(lambda c: round(c.pickup_kg * LOAD_UNITS_PER_KG)),
        service=arr(lambda c: c.service_s),
        tw_early=arr(lambda c: c.tw_early_s),
        tw_late=np.minimum(tw_late, horizon),
        depot_early=np.array([d.tw_early_s for d in p.depots], dtype=np.int64),
        depot_late=np.array([min(d.tw_late_s, horizon) for d in p.depots], dtype=np.int64),
        required=arr(lambda c: c.required, bool),
        counted=arr(lambda c: c.counts_toward_coverage, bool),
        base_prize=arr(lambda c: round(c.prize * COST_UNITS_PER_YUAN)),
        horizon=horizon,
        time_binds=time_binds,
    )


# --------------------------------------------------------------------------
# Route evaluation: schedule, loads, checks (the engines only give sequences)
# --------------------------------------------------------------------------


def _times(c: _Compiled, t: int, clients: Sequence[int], t0: int):
    """Forward pass from departure ``t0``: arrival, start and waiting per stop, end time."""
    travel = c.profiles[c.vt_profile[t]]
    d = c.vt_depot[t]
    nodes = [d] + [c.n_depots + j for j in clients] + [d]
    legs = travel[nodes[:-1], nodes[1:]]
    arrive, start, now = [], [], t0
    for k, j in enumerate(clients):
        a = now + int(legs[k])
        s = max(a, int(c.tw_early[j]))
        arrive.append(a)
        start.append(s)
        now = s + int(c.service[j])
    return arrive, start, now + int(legs[-1])


def _schedule(c: _Compiled, t: int, clients: Sequence[int]):
    """Earliest feasible schedule, then leave as late as waiting allows.

    Delaying departure by ``δ`` moves stop ``k`` by ``max(0, δ - W_k)``, where
    ``W_k`` is the waiting up to and including ``k``; the largest ``δ`` that
    keeps every window and removes waiting is
    ``min(W_total, min_k(W_k + late_k - start_k))``. This minimises the route
    duration for the sequence.
    """
    d = c.vt_depot[t]
    t0 = max(c.vt_early[t], int(c.depot_early[d]))
    arrive, start, end = _times(c, t, clients, t0)
    waits = np.cumsum([s - a for a, s in zip(arrive, start, strict=True)] or [0])
    slack = [int(waits[k]) + int(c.tw_late[j]) - start[k] for k, j in enumerate(clients)]
    delay = max(0, min([int(waits[-1])] + slack))
    if delay:
        t0 += delay
        arrive, start, end = _times(c, t, clients, t0)
    return t0, arrive, start, end


def _violations(c: _Compiled, t: int, clients: Sequence[int]) -> list[str]:
    """Return what the route breaks (empty when feasible)."""
    t0, _, start, end = _schedule(c, t, clients)
    d = c.vt_depot[t]
    out = [f"client {j} starts at {s} > {c.tw_late[j]}" for j, s in zip(clients, start, strict=True)
           if s > c.tw_late[j]]
    if end > min(c.vt_late[t], int(c.depot_late[d])):
        out.append(f"returns at {end} after the shift/depot end")
    if end - t0 > c.vt_max_duration[t]:
        out.append(f"lasts {end - t0} s > {c.vt_max_duration[t]}")
    idx = np.asarray(clients, dtype=np.int64)
    load = c.delivery[idx].sum() + np.cumsum(c.pickup[idx] - c.delivery[idx])
    peak = max(int(c.delivery[idx].sum()), int(load.max(initial=0)))
    if peak > c.vt_capacity[t]:
        out.append(f"load {peak / LOAD_UNITS_PER_KG} kg > capacity")
    return out


def _route_cost(c: _Compiled, t: int, clients: Sequence[int]) -> int:
    """Return the fixed plus distance cost in integer units."""
    d = c.vt_depot[t]
    nodes = [d] + [c.n_depots + j for j in clients] + [d]
    return c.vt_fixed[t] + c.vt_unit_cost[t] * int(c.distance[nodes[:-1], nodes[1:]].sum())



# --------------------------------------------------------------------------
# Engines, feasibility pre-checks, coverage search
# --------------------------------------------------------------------------

_Routes = list[tuple[int, list[int]]]


def _resolve_engine(name: str) -> str:
    if name != "auto":
        return name
    from ruralnet._pyvrp_vrp import pyvrp_available

    return "pyvrp" if pyvrp_available() else "ortools"


def _run_engine(c: _Compiled, prizes: np.ndarray, engine: str, params: RoutingParams,
                time_limit_s: float, seed: int) -> _Routes | None:
    """Run one engine; return checked routes, or ``None`` when it found nothing feasible."""
    if engine == "pyvrp":
        from ruralnet._pyvrp_vrp import solve_pyvrp

        routes, status = solve_pyvrp(c, prizes, time_limit_s=time_limit_s,
                                     max_iterations=params.max_iterations, seed=seed)
    else:
        from ruralnet._ortools_vrp import solve_ortools

        routes, status = solve_ortools(c, prizes, time_limit_s=time_limit_s,
                                       max_iterations=params.max_iterations,
                                       first_solution=params.first_solution)
    if status != "feasible":
        return None
    for t, clients in routes:
        broken = _violations(c, t, clients)
        if broken:  # an engine result we cannot trust is a bug, not a plan
            raise RuralnetError("求解器返回了不可行的路线", f"{engine} returned an infeasible "
                                f"route: {'; '.join(broken)}", engine=engine)
    return routes


def _reachable(c: _Compiled) -> tuple[np.ndarray, np.ndarray]:
    """Tell per client whether some vehicle can serve it alone within windows and capacity.

    Also return the shortest one-way travel time from any vehicle's depot.
    """
    ok = np.zeros(c.n_clients, dtype=bool)
    one_way = np.full(c.n_clients, np.iinfo(np.int64).max)
    cols = c.n_depots + np.arange(c.n_clients)
    for t in range(len(c.vt_capacity)):
        d, travel = c.vt_depot[t], c.profiles[c.vt_profile[t]]
        out, back = travel[d, cols], travel[cols, d]
        t0 = max(c.vt_early[t], int(c.depot_early[d]))
        start = np.maximum(t0 + out, c.tw_early)
        end = start + c.service + back
        fits = (
            (start <= c.tw_late)
            & (end <= min(c.vt_late[t], int(c.depot_late[d])))
            & (out + c.service + back <= c.vt_max_duration[t])
            & (np.maximum(c.delivery, c.pickup) <= c.vt_capacity[t])
        )
        ok |= fits
        one_way = np.minimum(one_way, out)
    return ok, one_way


def _check_required(c: _Compiled, reachable: np.ndarray, one_way: np.ndarray) -> None:
    """Raise before solving when required clients cannot be served at all."""
    bad = np.flatnonzero(c.required & ~reachable)
    if bad.size:
        hours = one_way[bad].max() / 3600
        raise InfeasibleError(
            f"{bad.size} 个必访点无法在班次/时间窗/载重内单独往返（最远单程 {hours:.1f} 小时），"
            "请延长班次或换更大的车",
            f"{bad.size} required stops cannot be served even alone within the shift, windows "
            f"and capacity (farthest one-way {hours:.1f} h); lengthen the shift or use larger "
            "vehicles", constraint="reachability", clients=bad.tolist(),
        )
    need = c.delivery[c.required].sum(), c.pickup[c.required].sum()
    fleet = sum(n * cap for n, cap in zip(c.vt_num, c.vt_capacity, strict=True))
    if max(need) > fleet:
        kg = max(need) / LOAD_UNITS_PER_KG
        raise InfeasibleError(
            f"必访点货量 {kg:.0f} kg 超过车队总载重 {fleet / LOAD_UNITS_PER_KG:.0f} kg",
            f"required stops need {kg:.0f} kg but the fleet carries "
            f"{fleet / LOAD_UNITS_PER_KG:.0f} kg a day", constraint="capacity",
        )


@dataclass(eq=False)
class _Part:
    """One sub-problem of a coverage search (a whole problem, or one station's catchment)."""

    problem: RoutingProblem
    c: _Compiled
    reachable: np.ndarray
    one_way: np.ndarray

    @classmethod
    def of(cls, problem: RoutingProblem) -> _Part:
        c = _compile(problem)
        ok, one_way = _reachable(c)
        _check_required(c, ok, one_way)
        return cls(problem, c, ok, one_way)

    def covered(self, routes: _Routes) -> int:
        return sum(int(self.c.counted[j]) for _, cl in routes for j in cl)


def _shortfall_error(parts: list[_Part], routes: list[_Routes], need: int, total: int,
                     target: float, what: tuple[str, str]) -> InfeasibleError:
    """Explain, with figures, why the coverage target cannot be met."""
    zh_what, en_what = what
    unreach = sum(int((p.c.counted & ~p.reachable).sum()) for p in parts)
    covered = sum(p.covered(r) for p, r in zip(parts, routes, strict=True))
    n_routes = sum(len(r) for r in routes)
    fleet = sum(sum(p.c.vt_num) for p in parts)
    outside = total - sum(int(p.c.counted.sum()) for p in parts)
    servable = total - outside - unreach
    if servable < need:
        heavy_of = [(p.c.counted & (np.maximum(p.c.delivery, p.c.pickup) > max(p.c.vt_capacity)))
                    for p in parts]
        heavy = sum(int(h.sum()) for h in heavy_of)
        far = [p.one_way[p.c.counted & ~p.reachable & ~h] for p, h in zip(parts, heavy_of,
                                                                            strict=True)]
        hours = min([int(f.min()) for f in far if f.size] or [0]) / 3600
        zh = [f"{unreach - heavy} 个在班次内无法往返（单程至少 {hours:.1f} 小时）"]
        en = [f"{unreach - heavy} cannot be reached and brought back within the shift "
              f"(each at least {hours:.1f} h one way)"]
        if heavy:
            zh.append(f"{heavy} 个货量超过最大车辆载重")
            en.append(f"{heavy} have more load than the largest vehicle carries")
        if outside:
            zh.append(f"{outside} 个不属于任何站点的服务范围")
            en.append(f"{outside} are in no station's catchment")
        return InfeasibleError(
            f"覆盖率 {target:.0%} 需服务 {need}/{total} 个{zh_what}，最多只能覆盖 {servable} 个："
            + "，".join(zh) + "；请延长班次、增设站点、换车或降低目标",
            f"coverage {target:.0%} needs {need} of {total} {en_what} but at most {servable} "
            "can be served: " + ", ".join(en) + "; lengthen the shift, add stations, use "
            "other vehicles or lower the target", constraint="reachability",
            unreachable=unreach, outside=outside, need=need,
        )
    per_route = covered / n_routes if n_routes else 1.0
    more = max(1, math.ceil((need - covered) / max(per_route, 1.0)))
    return InfeasibleError(
        f"覆盖率 {target:.0%} 需服务 {need}/{total} 个{zh_what}，现有车队（{fleet} 辆）和班次"
        f"最多服务 {covered} 个（出车 {n_routes} 辆）；约需再增加 {more} 辆车",
        f"coverage {target:.0%} needs {need} of {total} {en_what}; the fleet ({fleet} "
        f"vehicles) and shift served at most {covered} ({n_routes} routes); about {more} more "
        "vehicles are needed", constraint="fleet", need=need, covered=covered, more_vehicles=more,
    )


def _trim(parts: list[_Part], routes: list[_Routes], need: int) -> list[_Routes]:
    """Drop the counted optional visits that save most while coverage stays >= need."""
    routes = [[(t, list(cl)) for t, cl in r] for r in routes]
    covered = sum(p.covered(r) for p, r in zip(parts, routes, strict=True))
    while covered > need:
        best = None
        for pi, (p, rs) in enumerate(zip(parts, routes, strict=True)):
            for ri, (t, cl) in enumerate(rs):
                base = _route_cost(p.c, t, cl)
                for k, j in enumerate(cl):
                    if p.c.required[j] or not p.c.counted[j]:
                        continue
                    rest = cl[:k] + cl[k + 1:]
                    saving = base - (_route_cost(p.c, t, rest) if rest else 0)
                    if saving > 0 and (best is None or saving > best[0]):
                        if not rest or not _violations(p.c, t, rest):
                            best = (saving, pi, ri, k)
        if best is None:
            break
        _, pi, ri, k = best
        t, cl = routes[pi][ri]
        del cl[k]
        if not cl:
            del routes[pi][ri]
        covered -= 1
    return routes


class _CoverageSearch:
    """Bisection on a uniform visit prize λ shared by all parts (Lagrangian coverage).

    At prize λ each part maximises ``λ × visits − cost``; coverage grows with
    λ. The smallest λ meeting the target gives (up to the duality gap and
    search error) the cheapest plan with that coverage; a greedy trim then
    removes surplus visits. Solutions are cached by λ so that a curve over
    several targets reuses them.
    """

    def __init__(self, parts: list[_Part], solve: Callable[[_Part, np.ndarray], _Routes],
                 total: int | None = None):
        self.parts, self.solve, self.cache = parts, solve, {}
        in_parts = sum(int(p.c.counted.sum()) for p in parts)
        self.total = in_parts if total is None else total
        span = max([int(p.c.distance.max(initial=0)) for p in parts] + [0])
        unit = max(max(p.c.vt_unit_cost) for p in parts)
        fixed = max(max(p.c.vt_fixed) for p in parts)
        self.lam_hi = fixed + 2 * unit * span + 1

    def at(self, lam: int) -> list[_Routes]:
        if lam not in self.cache:
            self.cache[lam] = [
                self.solve(p, p.c.base_prize + lam * (p.c.counted & ~p.c.required))
                for p in self.parts
            ]
        return self.cache[lam]

    def cost(self, routes: list[_Routes]) -> int:
        return sum(_route_cost(p.c, t, cl) for p, r in zip(self.parts, routes, strict=True)
                   for t, cl in r)

    def covered(self, routes: list[_Routes]) -> int:
        return sum(p.covered(r) for p, r in zip(self.parts, routes, strict=True))

    def need(self, target: float) -> int:
        return math.ceil(target * self.total - 1e-9)

    def meet(self, target: float, steps: int, what: tuple[str, str]) -> list[_Routes]:
        """Return the cheapest routes found with coverage >= target, or raise."""
        need = self.need(target)
        hi_routes = self.at(self.lam_hi)
        if self.covered(hi_routes) < need:
            raise _shortfall_error(self.parts, hi_routes, need, self.total, target, what)
        # narrow the bracket with solves cached by earlier targets
        met = [lam for lam, r in self.cache.items() if self.covered(r) >= need]
        short = [lam for lam, r in self.cache.items() if self.covered(r) < need]
        lo, hi = max(short, default=0), min(met)
        best = min((self.cache[lam] for lam in met), key=self.cost)
        for _ in range(steps):
            mid = (lo + hi) // 2
            routes = self.at(mid)
            if self.covered(routes) >= need:
                hi = mid
                best = min(best, routes, key=self.cost)
            else:
                lo = mid
        return self.polish(_trim(self.parts, best, need))

    def polish(self, routes: list[_Routes]) -> list[_Routes]:
        """Re-solve with the chosen counted visits required and the others dropped.

        Trimming removes visits but never merges routes; this solve may use
        fewer vehicles. The cheaper of the two is kept.
        """
        polished = []
        for part, r in zip(self.parts, routes, strict=True):
            chosen = np.zeros(part.c.n_clients, dtype=bool)
            chosen[[j for _, cl in r for j in cl]] = True
            c = dataclasses.replace(part.c, required=part.c.required | (chosen & part.c.counted))
            prizes = np.where(part.c.counted & ~chosen, 0, part.c.base_prize)
            try:
                found = self.solve(_Part(part.problem, c, part.reachable, part.one_way), prizes)
            except InfeasibleError:
                found = None
            if found is None or sum(_route_cost(c, t, cl) for t, cl in found) >= sum(
                    _route_cost(c, t, cl) for t, cl in r):
                found = r
            polished.append(found)
        return polished



def _no_solution(engine: str, seconds: float) -> InfeasibleError:
    return InfeasibleError(
        f"{engine} 在 {seconds:.1f} 秒内未找到满足所有必访点、时间窗和载重的方案；"
        "请增加车辆、放宽时间窗或延长求解时间",
        f"{engine} found no plan serving every required stop within windows and capacity in "
        f"{seconds:.1f} s; add vehicles, widen windows or allow more time",
        constraint="required", engine=engine,
    )

"""Engines, feasibility pre-checks and the coverage search of the routing layer.

:func:`run_engine` runs PyVRP or OR-Tools on a :class:`~ruralnet.routing.compiled.Compiled`
problem and re-checks what it returns; :func:`reachable` and
:func:`check_required` refuse hopeless problems before solving;
:class:`CoverageSearch` meets a coverage target by bisection on a shared visit
prize over one or several :class:`Part` sub-problems, then :func:`trim_routes`
and :meth:`CoverageSearch.polish` remove surplus; shortfalls are explained by
:func:`shortfall_error`.
"""

from __future__ import annotations

import dataclasses
import math
import multiprocessing
import weakref
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ruralnet._clock import clock_bit, watch_clock
from ruralnet._procs import can_fork
from ruralnet.exceptions import InfeasibleError, SolverBugError
from ruralnet.routing.compiled import (
    Compiled,
    compile_problem,
    route_cost,
    violations,
)
from ruralnet.routing.model import LOAD_UNITS_PER_KG, RoutingParams, RoutingProblem
from ruralnet.routing.ortools_engine import solve_ortools
from ruralnet.routing.pyvrp_engine import pyvrp_available, solve_pyvrp
from ruralnet.routing.trips import drop_client

Routes = list[tuple[int, list[int]]]


def resolve_engine(name: str) -> str:
    """Return the engine ``"auto"`` stands for (PyVRP when installed, else OR-Tools)."""
    if name != "auto":
        return name
    return "pyvrp" if pyvrp_available() else "ortools"


def run_engine(c: Compiled, prizes: np.ndarray, engine: str, params: RoutingParams,
                time_limit_s: float, seed: int, start: Routes | None = None) -> Routes | None:
    """Run one engine; return checked routes, or ``None`` when it found nothing feasible.

    ``start`` (a feasible solution) and ``params.no_improvement`` are used by PyVRP only.
    """
    if engine == "pyvrp":
        routes, status = solve_pyvrp(c, prizes, time_limit_s=time_limit_s,
                                     max_iterations=params.max_iterations, seed=seed,
                                     no_improvement=params.no_improvement, start=start)
    else:
        routes, status = solve_ortools(c, prizes, time_limit_s=time_limit_s,
                                       max_iterations=params.max_iterations,
                                       first_solution=params.first_solution)
    if status != "feasible":
        return None
    for t, clients in routes:
        broken = violations(c, t, clients)
        if broken:  # an engine result we cannot trust is a bug, not a plan
            raise SolverBugError(f"{engine} 返回了不可行的路线：{'; '.join(broken)}",
                                 f"{engine} returned an infeasible route: {'; '.join(broken)}",
                                 engine=engine)
    return routes


def reachable(c: Compiled) -> tuple[np.ndarray, np.ndarray]:
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


def check_required(c: Compiled, reachable: np.ndarray, one_way: np.ndarray) -> None:
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
    fleet = sum(n * cap * k for n, cap, k in zip(c.vt_num, c.vt_capacity, c.vt_max_trips,
                                                  strict=True))
    if max(need) > fleet:
        kg = max(need) / LOAD_UNITS_PER_KG
        raise InfeasibleError(
            f"必访点货量 {kg:.0f} kg 超过车队总载重 {fleet / LOAD_UNITS_PER_KG:.0f} kg",
            f"required stops need {kg:.0f} kg but the fleet carries "
            f"{fleet / LOAD_UNITS_PER_KG:.0f} kg a day", constraint="capacity",
        )


@dataclass(eq=False)
class Part:
    """One sub-problem of a coverage search (a whole problem, or one station's catchment)."""

    problem: RoutingProblem
    c: Compiled
    reachable: np.ndarray
    one_way: np.ndarray

    @classmethod
    def of(cls, problem: RoutingProblem) -> Part:
        """Compile a sub-problem and find which clients a vehicle can reach and return from."""
        c = compile_problem(problem)
        ok, one_way = reachable(c)
        check_required(c, ok, one_way)
        return cls(problem, c, ok, one_way)

    def covered(self, routes: Routes) -> int:
        """Return how many counted clients the routes visit."""
        return sum(int(self.c.counted[j]) for _, cl in routes for j in cl)


def shortfall_error(parts: list[Part], routes: list[Routes], need: int, total: int,
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


def trim_routes(parts: list[Part], routes: list[Routes], need: int) -> list[Routes]:
    """Drop the counted optional visits that save most while coverage stays >= need."""
    routes = [[(t, cl) for t, cl in r] for r in routes]
    covered = sum(p.covered(r) for p, r in zip(parts, routes, strict=True))
    while covered > need:
        best = None
        for pi, (p, rs) in enumerate(zip(parts, routes, strict=True)):
            for ri, (t, cl) in enumerate(rs):
                base = route_cost(p.c, t, cl)
                for k, j in enumerate(cl):
                    if p.c.required[j] or not p.c.counted[j]:
                        continue
                    rest = drop_client(cl, k)
                    saving = base - (route_cost(p.c, t, rest) if rest else 0)
                    if saving > 0 and (best is None or saving > best[0]):
                        if not rest or not violations(p.c, t, rest):
                            best = (saving, pi, ri, k)
        if best is None:
            break
        _, pi, ri, k = best
        t, cl = routes[pi][ri]
        rest = drop_client(cl, k)
        if rest:
            routes[pi][ri] = (t, rest)
        else:
            del routes[pi][ri]
        covered -= 1
    return routes


def _known(p: Part, below: Routes | None, above: Routes | None) -> Routes | None:
    """Return the solution a part's neighbouring prizes imply (see ``CoverageSearch.at``)."""
    if below is not None and above is not None and _same(p, below, above):
        return below
    optional = p.c.counted & ~p.c.required
    if above is not None and not any(optional[j] for _, cl in above for j in cl):
        return above
    if below is not None and sum(int(optional[j]) for _, cl in below for j in cl) == int(
            (optional & p.reachable).sum()):
        return below
    return None


def _same(p: Part, a: Routes, b: Routes) -> bool:
    """Tell whether two solutions of a part visit the same clients at the same cost."""
    if sorted(j for _, cl in a for j in cl) != sorted(j for _, cl in b for j in cl):
        return False
    return sum(route_cost(p.c, t, cl) for t, cl in a) == sum(route_cost(p.c, t, cl)
                                                            for t, cl in b)


class CoverageSearch:
    """Bisection on a uniform visit prize λ shared by all parts (Lagrangian coverage).

    At prize λ each part maximises ``λ × visits − cost``; coverage grows with
    λ. The smallest λ meeting the target gives (up to the duality gap and
    search error) the cheapest plan with that coverage; a greedy trim then
    removes surplus visits. Solutions are cached by λ so that a curve over
    several targets reuses them. With ``warm_start`` each solve starts from
    the part's cached solution at the nearest prizes (the one worth more at
    the new prize), and each polish from the trimmed routes: ``solve`` is
    then called as ``solve(part, prizes, start=routes)``. ``polish_solve``
    (default ``solve``) solves the polish and every solve with no start (e.g.
    with a fuller budget than the warm-started solves, which only bracket the
    prize). ``warm_start`` may be switched on between two targets.
    """

    def __init__(self, parts: list[Part], solve: Callable[..., Routes],
                 total: int | None = None, workers: int = 1, warm_start: bool = False,
                 polish_solve: Callable[..., Routes] | None = None):
        self.parts, self.solve, self.cache = parts, solve, {}
        self.polish_solve = polish_solve or solve
        self.warm_start = warm_start  # solve(part, prizes, start=routes) from a neighbour
        self.solves = self.reused = 0  # engine runs, and part solutions taken from a bracket
        self.workers, self._pool = workers, None
        in_parts = sum(int(p.c.counted.sum()) for p in parts)
        self.total = in_parts if total is None else total
        span = max([int(p.c.distance.max(initial=0)) for p in parts] + [0])
        unit = max(max(p.c.vt_unit_cost) for p in parts)
        fixed = max(max(p.c.vt_fixed) for p in parts)
        self.lam_hi = fixed + 2 * unit * span + 1

    def at(self, lam: int) -> list[Routes]:
        """Return the routes of every part at visit prize ``lam`` (cached).

        A part is not solved again when its cached solutions already answer:
        its best value ``min(cost − λ × visits)`` is concave in λ, so a
        solution optimal at both ends of an interval is optimal inside it
        (the nearest prizes below and above ``lam`` gave the same clients at
        the same cost; the bisection's later steps mostly fall in such
        intervals); and the optimal number of counted visits does not fall
        as λ grows, so a solution with no counted optional visit at a higher
        prize, or with every reachable one at a lower prize, stays optimal.
        """
        if lam not in self.cache:
            below = max((x for x in self.cache if x < lam), default=None)
            above = min((x for x in self.cache if x > lam), default=None)
            out: list[Routes | None] = []
            jobs = []
            for i, p in enumerate(self.parts):
                known = _known(p, None if below is None else self.cache[below][i],
                               None if above is None else self.cache[above][i])
                if known is not None:
                    out.append(known)
                    self.reused += 1
                    continue
                out.append(None)
                z = p.c.base_prize + lam * (p.c.counted & ~p.c.required)
                start = self._start(p, z, [self.cache[x][i] for x in (below, above)
                                           if x is not None])
                jobs.append((i, p, z, start))
            for (i, *_), routes in zip(jobs, self._map([(p, z, st, st is None)
                                                        for _, p, z, st in jobs]), strict=True):
                out[i] = routes
            self.solves += len(jobs)
            self.cache[lam] = out
        return self.cache[lam]

    def _start(self, p: Part, prizes: np.ndarray, known: list[Routes]) -> Routes | None:
        """Return the known solution worth most at ``prizes`` (``None`` without warm starts)."""
        if not self.warm_start or not known:
            return None

        def value(routes: Routes) -> int:
            return sum(route_cost(p.c, t, cl) - int(prizes[cl].sum()) for t, cl in routes)

        return min(known, key=value)

    def _map(self, jobs: list[tuple[Part, np.ndarray, Routes | None, bool]],
             catch: bool = False) -> list[Routes | None]:
        """Solve independent parts, in ``workers`` forked processes when asked and possible.

        Each solve is deterministic for its seed and iteration budget, so the
        routes do not depend on ``workers``. A solve that fails in a worker is
        run again here, so that its error is raised (or, with ``catch``, an
        :class:`InfeasibleError` gives ``None``) exactly as without workers.
        """
        def here(p: Part, z: np.ndarray, start: Routes | None, polish: bool) -> Routes | None:
            try:
                return _call(self.polish_solve if polish else self.solve, p, z, start)
            except InfeasibleError:
                if not catch:
                    raise
                return None

        pool = self._workers_pool() if len(jobs) > 1 else None
        if pool is None:
            return [here(*job) for job in jobs]
        out = []
        for job, res in zip(jobs, pool.map(_forked_solve, jobs, chunksize=1), strict=True):
            if res is None:
                out.append(here(*job))
                continue
            routes, hits = res
            for h in hits:  # the worker's safety-limit notes, for the plan's timing record
                clock_bit(h["search"], h["limit_s"], done=h["done"], budget=h["budget"])
            out.append(routes)
        return out

    def _workers_pool(self):
        """Return the forked worker pool (made on first use), or ``None`` to solve here."""
        if self.workers < 2 or not can_fork():
            return None
        if self._pool is None:
            global _FORKED_SOLVE
            _FORKED_SOLVE = (self.solve, self.polish_solve)  # inherited by the workers forked now
            self._pool = multiprocessing.get_context("fork").Pool(self.workers)
            weakref.finalize(self, self._pool.terminate)
        return self._pool

    def close(self) -> None:
        """Stop the worker processes (a later solve starts new ones)."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool = None

    def cost(self, routes: list[Routes]) -> int:
        """Return the integer cost of the parts' routes."""
        return sum(route_cost(p.c, t, cl) for p, r in zip(self.parts, routes, strict=True)
                   for t, cl in r)

    def covered(self, routes: list[Routes]) -> int:
        """Return how many counted clients the parts' routes visit."""
        return sum(p.covered(r) for p, r in zip(self.parts, routes, strict=True))

    def need(self, target: float) -> int:
        """Return how many counted clients a coverage target asks for."""
        return math.ceil(target * self.total - 1e-9)

    def meet(self, target: float, steps: int, what: tuple[str, str]) -> list[Routes]:
        """Return the cheapest routes found with coverage >= target, or raise."""
        need = self.need(target)
        hi_routes = self.at(self.lam_hi)
        if self.covered(hi_routes) < need:
            raise shortfall_error(self.parts, hi_routes, need, self.total, target, what)
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
        return self.polish(trim_routes(self.parts, best, need), best)

    def polish(self, routes: list[Routes], untrimmed: list[Routes] | None = None,
               ) -> list[Routes]:
        """Re-solve with the chosen counted visits required and the others dropped.

        Trimming removes visits but never merges routes; this solve may use
        fewer vehicles. The cheaper of the two is kept. A part that trimming
        left as it was (same routes as in ``untrimmed``) is kept without a
        solve: its routes are already the search's cheapest for those visits
        (a cheaper routing of the same visits would have won at that prize).
        """
        jobs, todo = [], []
        for i, (part, r) in enumerate(zip(self.parts, routes, strict=True)):
            if untrimmed is not None and r == [(t, list(cl)) for t, cl in untrimmed[i]]:
                continue
            chosen = np.zeros(part.c.n_clients, dtype=bool)
            chosen[[j for _, cl in r for j in cl]] = True
            c = dataclasses.replace(part.c, required=part.c.required | (chosen & part.c.counted))
            prizes = np.where(part.c.counted & ~chosen, 0, part.c.base_prize)
            jobs.append((Part(part.problem, c, part.reachable, part.one_way), prizes,
                         r if self.warm_start and r else None, True))
            todo.append(i)
        polished = list(routes)
        for i, (p, *_), found in zip(todo, jobs, self._map(jobs, catch=True), strict=True):
            r = routes[i]
            if found is not None and sum(route_cost(p.c, t, cl) for t, cl in found) < sum(
                    route_cost(p.c, t, cl) for t, cl in r):
                polished[i] = found
        self.solves += len(jobs)
        return polished


_FORKED_SOLVE: tuple[Callable[..., Routes], Callable[..., Routes]] | None = None


def _call(solve: Callable[..., Routes], part: Part, prizes: np.ndarray,
          start: Routes | None) -> Routes:
    """Call a part solver, with ``start`` only when there is one (plain solvers take two)."""
    return solve(part, prizes) if start is None else solve(part, prizes, start=start)


def _forked_solve(job: tuple[Part, np.ndarray, Routes | None, bool]):
    """Solve one part in a worker: ``(routes, safety-limit notes)``, or ``None`` on an error."""
    part, prizes, start, polish = job
    try:
        with watch_clock() as hits:
            routes = _call(_FORKED_SOLVE[polish], part, prizes, start)
    except Exception:  # noqa: BLE001 - re-run in the parent, which raises it properly
        return None
    return routes, hits



def no_solution_error(engine: str, seconds: float,
                      iterations: int | None = None) -> InfeasibleError:
    """Return the error raised when an engine finds no feasible plan in its budget.

    With ``iterations`` the budget named is the iterations (the seconds are only
    the safety limit), so the message does not say "in 30 s" of a search that
    stopped after its iterations in one.

    Examples
    --------
    >>> print(no_solution_error("pyvrp", 30.0, 500).args[0].split(" | ")[1])
    pyvrp found no plan serving every required stop within windows and capacity in 500 \
iterations (30.0 s limit); add vehicles, widen windows or allow more time
    """
    zh_budget = (f"{seconds:.1f} 秒内" if iterations is None
                 else f"{iterations} 次迭代内（时限 {seconds:.1f} 秒）")
    en_budget = (f"{seconds:.1f} s" if iterations is None
                 else f"{iterations} iterations ({seconds:.1f} s limit)")
    return InfeasibleError(
        f"{engine} 在 {zh_budget}未找到满足所有必访点、时间窗和载重的方案；"
        "请增加车辆、放宽时间窗或延长求解时间",
        f"{engine} found no plan serving every required stop within windows and capacity in "
        f"{en_budget}; add vehicles, widen windows or allow more time",
        constraint="required", engine=engine,
    )

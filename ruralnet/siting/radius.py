"""p-median and facility location by iterative radius refinement (García, Labbé & Marín 2011).

The radius formulation (Cornuéjols, Nemhauser & Wolsey 1980; Elloumi 2010)
writes a client's cost as a sum over the distinct distances ``D_1 < … < D_K``
to the candidates: ``z_k`` is 1 while no open site is nearer than ``D_k``,

    min  Σ_j f_j y_j + Σ_i Σ_k (D_ik − D_i,k−1) z_ik
    s.t. z_ik + Σ_{j: c_ij < D_ik} y_j ≥ 1,   lo ≤ Σ_j y_j ≤ hi,   y binary, z ≥ 0.

García, Labbé & Marín (INFORMS J. Computing 23(4), 2011) observed that a
*subset* ``S_i`` of each client's radii already gives a valid model whose
optimum is a lower bound: with fewer levels, a client's cost is measured at
the largest radius of ``S_i`` not beyond its true distance. If the optimal
sites of the reduced model have, for every client, its true distance in
``S_i``, the bound equals that solution's true cost and it is optimal;
otherwise those distances are added and the model is solved again. The
reduced models are small (a client's row only lists candidates nearer than
its largest radius), which is why the method proves large p-median
instances that the full model cannot.

Here:

1. an incumbent from greedy construction and a fast interchange local
   search (Whitaker 1983; Resende & Werneck 2007 decomposition: one
   ``O(n·m)`` pass prices every swap);
2. ``S_i`` starts as the client's distances up to its second-nearest
   incumbent site (its nearest when only one is open); the **LP phase**
   solves the reduced LP and adds, per client, the breakpoints of its cost
   under the LP solution (the distances to fractionally open sites up to
   where their mass reaches 1) until the reduced LP equals the full LP
   bound at its own solution (then it *is* the full LP bound);
3. the **MIP phase** solves the reduced MIP, adds each client's true
   distance to its nearest open site when missing, and repeats until the
   reduced optimum meets the best true cost (proven optimal) or time runs out
   (the best solution and the reduced model's bound are returned).

Each reduced model is written in chained form (``z_k − z_{k−1} + Σ_{j:
D_{k−1} ≤ c_ij < D_k} y_j ≥ 0``, which sums to the rows above), so every
candidate appears once per client row set. Models go to HiGHS (or the
chosen MathOpt solver) through MathOpt (the model builder
is :class:`ruralnet.siting.facility.Mip`).
"""

from __future__ import annotations

import datetime
import logging
import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from ortools.math_opt.python import mathopt

from ruralnet._validate import bad_value, cost_matrix, nonneg_vector
from ruralnet.exceptions import InfeasibleError, RuralnetError
from ruralnet.siting.facility import (
    FacilityResult,
    Mip,
    Quota,
    SolveParams,
    add_site_quotas,
    cardinality,
    check_site_quotas,
    is_integral,
    nearest_open,
)
from ruralnet.siting.local_search import greedy, interchange

logger = logging.getLogger(__name__)

__all__ = ["solve_facility_location", "solve_p_median"]

LP_ROUNDS = 40
# how MathOpt reports "no solution beats the objective bound" (CUTOFF only in newer OR-Tools)
_CUTOFF = tuple(getattr(mathopt.Limit, k) for k in ("CUTOFF", "OBJECTIVE")
                if hasattr(mathopt.Limit, k))


def _cost(wc: np.ndarray, f: np.ndarray, sites: np.ndarray) -> float:
    return float(f[sites].sum() + wc[:, sites].min(axis=1).sum())


class _Radii:
    """Per client a radius cap ``R_i``; the model's levels are its distinct costs in ``(0, R_i]``.

    With every distinct cost up to ``R_i`` as a level, the reduced model
    charges client i exactly ``min(d_i, R_i)`` for its nearest open cost
    ``d_i``: a lower bound of the true cost, exact when ``d_i ≤ R_i``.
    """

    def __init__(self, wc: np.ndarray, start: np.ndarray) -> None:
        self.wc = wc
        self.cap = np.asarray(start, float).copy()

    def levels(self, i: int) -> np.ndarray:
        row = self.wc[i]
        return np.unique(row[(row > 0) & (row <= self.cap[i]) & np.isfinite(row)])

    def raise_to(self, d: np.ndarray) -> int:
        """Lift the caps to the costs ``d`` of a solution; return how many clients grew."""
        grow = np.isfinite(d) & (d > self.cap)
        self.cap[grow] = d[grow]
        return int(grow.sum())

    @property
    def total(self) -> int:
        return sum(len(self.levels(i)) for i in range(len(self.cap)))


def _model(wc: np.ndarray, f: np.ndarray, lo: int, hi: int, radii: _Radii,
           quotas: Sequence[Quota], integer: bool, live: np.ndarray) -> Mip:
    """Reduced chained radius model; ``y`` are the first ``m`` variables (closed ones fixed 0)."""
    n, m = wc.shape
    mip = Mip()
    y = mip.add_vars(m, 0, live.astype(float), integer, f)
    for i in range(n):
        levels = radii.levels(i)
        k = len(levels)
        row = np.where(live, wc[i], np.inf)
        if not np.isfinite(wc[i]).all():  # some candidates cannot serve i: one that can must open
            mip.add_row(y[np.isfinite(row)], 1.0, 1.0, np.inf)
        if k == 0:
            continue
        z = mip.add_vars(k, 0, 1, False, np.diff(levels, prepend=0.0))
        js = np.flatnonzero(row < levels[-1])
        lev = np.searchsorted(levels, row[js], side="right")
        rows = np.concatenate([np.arange(k), np.arange(1, k), lev])
        cols = np.concatenate([z, z[:-1], y[js]])
        vals = np.concatenate([np.ones(k), -np.ones(k - 1), np.ones(len(js))])
        lb = np.zeros(k)
        lb[0] = 1.0
        mip.add_rows(rows, cols, vals, lb, np.inf, k)
    mip.add_row(y, 1.0, lo, hi)
    add_site_quotas(mip, np.arange(m), quotas)
    return mip


def _lp_caps(wc: np.ndarray, yv: np.ndarray, radii: _Radii) -> int:
    """Lift each client's cap to its LP cost breakpoint: where the open mass nearest it reaches 1.

    Return how many caps grew; none means the reduced LP charges every client
    its full-model LP cost at ``yv``, so the reduced LP bound is the full one.
    """
    sup = np.flatnonzero(yv > 1e-9)
    if not sup.size:
        return 0
    sub = wc[:, sup]
    order = np.argsort(sub, axis=1, kind="stable")
    cs = np.take_along_axis(sub, order, axis=1)
    mass = np.cumsum(yv[sup][order], axis=1)
    stop = np.minimum((mass < 1 - 1e-7).sum(axis=1), len(sup) - 1)
    return radii.raise_to(cs[np.arange(len(wc)), stop])


def _lp(mip: Mip, m: int, params: SolveParams, time_limit_s: float
        ) -> tuple[float, np.ndarray, np.ndarray] | None:
    """Solve the LP relaxation (barrier, crossover); return bound, ``y`` and their reduced costs.

    ``None`` when it does not finish in time.
    """
    model = mathopt.Model.from_model_proto(mip.proto(False))
    sp_ = mathopt.SolveParameters(time_limit=datetime.timedelta(seconds=max(time_limit_s, 0.05)),
                                  lp_algorithm=mathopt.LPAlgorithm.BARRIER,
                                  random_seed=params.seed)
    sp_.highs.int_options["threads"] = 1
    res = mathopt.solve(model, mathopt.SolverType.HIGHS, params=sp_)
    if res.termination.reason != mathopt.TerminationReason.OPTIMAL or not res.solutions:
        return None
    y, rc = np.zeros(m), np.zeros(m)
    for var, val in res.solutions[0].primal_solution.variable_values.items():
        if var.id < m:
            y[var.id] = val
    dual = res.solutions[0].dual_solution
    if dual is None:
        return None
    for var, val in dual.reduced_costs.items():
        if var.id < m:
            rc[var.id] = val
    return float(res.objective_value()), y, rc


def _mip(mip: Mip, m: int, params: SolveParams, time_limit_s: float, ub: float,
         integral: bool) -> tuple[float, np.ndarray | None, bool] | None:
    """Solve the reduced MIP, pruning at the incumbent ``ub``; return bound, ``y``, optimal.

    ``y`` is ``None`` when no solution better than ``ub`` exists in the
    reduced model (then none exists at all: the incumbent is optimal). ``None``
    when time ran out before any solution.
    """
    model = mathopt.Model.from_model_proto(mip.proto(False))
    sp_ = mathopt.SolveParameters(
        time_limit=datetime.timedelta(seconds=max(time_limit_s, 0.05)),
        relative_gap_tolerance=1e-9, absolute_gap_tolerance=0.999 if integral else 1e-6,
        random_seed=params.seed)
    if params.solver == "highs":
        sp_.highs.int_options["threads"] = 1
        if np.isfinite(ub):  # prune every node that cannot beat the incumbent
            sp_.highs.double_options["objective_bound"] = (
                ub - 1 + 1e-6 if integral else ub - 1e-9 * max(1.0, abs(ub)))
    else:
        sp_.threads = 1
    res = mathopt.solve(model, {"highs": mathopt.SolverType.HIGHS,
                                "scip": mathopt.SolverType.GSCIP,
                                "cp_sat": mathopt.SolverType.CP_SAT}[params.solver], params=sp_)
    reason, limit = res.termination.reason, res.termination.limit
    logger.debug("reduced MIP: %s %s", reason, limit)
    if reason in (mathopt.TerminationReason.INFEASIBLE,
                  mathopt.TerminationReason.INFEASIBLE_OR_UNBOUNDED) or (
            reason == mathopt.TerminationReason.NO_SOLUTION_FOUND and limit in _CUTOFF):
        if not np.isfinite(ub):
            raise InfeasibleError(
                "模型无可行解：各项约束（配额、数量）无法同时满足",
                "the model is infeasible: its quotas and site counts cannot all hold together; "
                "relax one of them", binding="combination")
        return ub, None, True
    if not res.has_primal_feasible_solution():
        return None
    y = np.zeros(m)
    for var, val in res.solutions[0].primal_solution.variable_values.items():
        if var.id < m:
            y[var.id] = val
    optimal = reason == mathopt.TerminationReason.OPTIMAL
    return float(res.termination.objective_bounds.dual_bound), y, optimal


def _fix(live: np.ndarray, y: np.ndarray, rc: np.ndarray, lb: float, ub: float) -> int:
    """Close candidates at 0 in the LP whose reduced cost lifts the bound past ``ub``.

    Valid for the whole problem: a solution opening j costs at least its
    reduced-model value, which is at least ``lb + rc_j``; adding radii later
    only raises reduced-model values.
    """
    if not np.isfinite(ub):
        return 0
    out = live & (y < 1e-9) & (lb + rc > ub + 1e-6 * max(1.0, abs(ub)))
    live &= ~out
    return int(out.sum())


def _solve(model: str, cost: Any, weights: Any, fixed_cost: Any, min_open: int,
           max_open: int | None, quotas: Sequence[Quota], params: SolveParams) -> FacilityResult:
    t0 = time.perf_counter()
    deadline = t0 + params.time_limit_s
    c = cost_matrix(cost)
    n, m = c.shape
    w = nonneg_vector(weights, n, "weights", 1.0)
    f = nonneg_vector(fixed_cost, m, "fixed_cost", 0.0)
    lo, hi = cardinality(min_open, max_open, m)
    dead = np.flatnonzero(~np.isfinite(c).any(axis=1))
    if dead.size:
        raise InfeasibleError(
            f"{dead.size} 个需求点没有任何可用候选点（费用全为无穷）：{dead[:10].tolist()}",
            f"{dead.size} clients have no usable candidate (every cost is inf): "
            f"{dead[:10].tolist()}", binding="reachability", clients=dead.tolist())
    if any(q.on != "sites" for q in quotas):
        raise bad_value("quotas", "on='sites' for this model", [q.on for q in quotas])
    check_site_quotas(quotas, np.ones(m, bool), hi)
    integral = is_integral(c, w, f)
    keep = w > 0
    wc = np.where(keep[:, None], c * w[:, None], 0.0)[keep] if keep.any() else np.zeros((1, m))
    solver = f"{params.solver}+radius-refinement"
    fin = np.isfinite(wc)  # the heuristics price a forbidden pair as a huge finite cost
    big = wc if fin.all() else np.where(fin, wc, (wc[fin].max(initial=0) + 1) * (len(wc) + 1))
    best = greedy(big, f, lo, hi)
    best, ub = interchange(big, f, best, lo, hi, t0 + 0.25 * params.time_limit_s)
    ub = _cost(wc, f, best)  # inf when the heuristic could not avoid a forbidden pair
    if quotas:  # the heuristics ignore quotas: the first MIP supplies the incumbent
        ub = math.inf
    # caps start at each client's second-nearest incumbent site: the LP's breakpoints lie near
    # there, so the LP phase needs fewer rounds (measured: 700_70_1 13.3 → 8.0 s CPU, 800_80_3
    # 8.7 → 2.7 s, with fewer levels in the end)
    near = np.sort(wc[:, best], axis=1)[:, :2]
    radii = _Radii(wc, np.where(np.isfinite(near[:, -1]), near[:, -1], near[:, 0]))
    lb, status = -math.inf, "feasible"
    live = np.ones(m, bool)
    yv = rc = None
    for _ in range(LP_ROUNDS):  # LP phase: raise the caps until the reduced LP is the full LP
        if time.perf_counter() > deadline or _proven(lb, ub, integral):
            break
        got = _lp(_model(wc, f, lo, hi, radii, quotas, False, live), m, params,
                  deadline - time.perf_counter())
        if got is None:  # time ran out inside the LP
            break
        obj, yv, rc = got
        lb = max(lb, obj)
        closed = _fix(live, yv, rc, obj, ub)
        grown = _lp_caps(wc, yv, radii)
        logger.debug("%s: reduced LP %.3f, %d caps raised, %d candidates closed, %d live",
                     model, obj, grown, closed, int(live.sum()))
        if grown == 0:
            break
    logger.info("%s: LP bound %.2f, incumbent %.2f, %d levels for %d clients, %d live",
                model, lb, ub, radii.total, len(wc), int(live.sum()))
    lp_bound, rounds = lb, 0
    if yv is not None and not quotas and not _proven(lb, ub, integral):
        # LP-guided restart: the LP's most open sites, polished by interchange (an integral
        # LP solution is then the optimum, proven by the LP bound)
        start = np.sort(np.argsort(-yv, kind="stable")[:max(lo, min(hi, int(round(yv.sum()))),
                                                          1)])
        again, cost = interchange(big, f, start, lo, hi, time.perf_counter() + 0.2 * max(
            deadline - time.perf_counter(), 0.0))
        cost = _cost(wc, f, again)
        if cost < ub:
            best, ub = again, cost
    while not _proven(lb, ub, integral) and time.perf_counter() < deadline:  # MIP phase
        got = _mip(_model(wc, f, lo, hi, radii, quotas, True, live), m, params,
                   deadline - time.perf_counter(), ub, integral)
        if got is None:  # time ran out before a solution: keep the incumbent
            if not np.isfinite(ub):
                raise RuralnetError("在时限内未找到可行解，请放宽时间限制",
                                    "no solution found within the time limit; raise "
                                    "time_limit_s")
            break
        bound, yv, optimal = got
        lb, rounds = max(lb, bound), rounds + 1
        if yv is None:  # nothing at least as good as the incumbent beyond it: proven
            break
        sites = np.flatnonzero(yv > 0.5)
        true = _cost(wc, f, sites)
        if true < ub:
            best, ub = sites, true
        d = wc[:, sites].min(axis=1)
        added = radii.raise_to(d)
        logger.info("%s: reduced MIP bound %.2f (%s), solution %.2f, best %.2f, +%d radii",
                    model, bound, "optimal" if optimal else "time limit", true, ub, added)
        if added == 0:  # reduced = true cost at its solution: proven unless time ran out
            break
    if _proven(lb, ub, integral):
        status = "optimal"
    bound = math.ceil(lb - 1e-6) if integral and np.isfinite(lb) else lb
    sites = np.sort(best)
    obj = float(f[sites].sum() + np.where(w > 0, w * c[:, sites].min(axis=1), 0.0).sum())
    if status == "optimal":
        bound = min(bound, obj)
    how = (f"reduced radius model: LP bound {lp_bound:.2f}, {int(live.sum())} of {m} "
           f"candidates live, {radii.total} levels; {rounds} reduced MIP(s), bound {lb:.2f}"
           + (" = cost of the best solution" if status == "optimal" else ""))
    return FacilityResult(model, status, obj, float(bound), tuple(sites.tolist()),
                          nearest_open(c, sites), time.perf_counter() - t0, solver,
                          certificate=how)


def _proven(lb: float, ub: float, integral: bool) -> bool:
    if not np.isfinite(ub) or not lb > -math.inf:
        return False
    if integral:
        return math.ceil(lb - 1e-6) >= ub - 1e-9
    return lb >= ub - 1e-9 * max(1.0, abs(ub))


def solve_p_median(cost: Any, p: int, *, weights: Any = None, quotas: Sequence[Quota] = (),
                   params: SolveParams | None = None) -> FacilityResult:
    """p-median by iterative radius refinement: open ``p`` sites, minimise weighted distance.

    Parameters
    ----------
    cost
        Clients × candidates matrix, >= 0; ``np.inf`` forbids a pair.
    p
        Sites to open.
    weights
        Demand weight per client (default 1).
    quotas
        :class:`~ruralnet.siting.facility.Quota` objects with ``on="sites"``.
    params
        :class:`~ruralnet.siting.facility.SolveParams` (time limit, solver, seed).

    Returns
    -------
    FacilityResult
        ``status == "optimal"`` when the reduced model's bound meets the
        solution's true cost.

    Raises
    ------
    InfeasibleError
        A client has no finite cost, or a quota cannot be met.

    Examples
    --------
    >>> cost = [[0, 4, 9], [3, 0, 5], [9, 5, 0], [8, 4, 1]]
    >>> r = solve_p_median(cost, 2)
    >>> r.open_sites, r.objective, r.status, r.assignment.tolist()
    ((0, 2), 4.0, 'optimal', [0, 0, 2, 2])
    """
    return _solve("p_median", cost, weights, None, p, p, quotas, params or SolveParams())


def solve_facility_location(cost: Any, *, weights: Any = None, fixed_cost: Any = None,
                            min_open: int = 1, max_open: int | None = None,
                            quotas: Sequence[Quota] = (),
                            params: SolveParams | None = None) -> FacilityResult:
    """Uncapacitated facility location by iterative radius refinement.

    Minimises Σ_j f_j y_j + Σ_i w_i min_{j open} c_ij subject to
    ``min_open ≤ Σ y ≤ max_open`` and site quotas; parameters as in
    :func:`solve_p_median`, plus ``fixed_cost`` per candidate (default 0).

    Examples
    --------
    >>> r = solve_facility_location([[0, 5], [5, 0], [1, 4]], fixed_cost=[6, 6])
    >>> r.open_sites, r.objective, r.status
    ((0,), 12.0, 'optimal')
    """
    return _solve("facility_location", cost, weights, fixed_cost, min_open, max_open, quotas,
                  params or SolveParams())

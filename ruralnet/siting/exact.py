"""The exact p-median / facility-location core: one door, the engine that proves each shape.

* ``p`` fixed and at most :data:`~ruralnet.siting.facility.TREE_MAX_P`, no
  quotas — few sites among many candidates, the county warehouse shape: the
  LP bound is typically 0.5–1 % short of the optimum, and the Lagrangian
  branch and bound of :mod:`ruralnet.siting.branching` (after greedy, fast
  interchange and Lagrangian fixing, :func:`ruralnet.siting.facility.solve_p_median`)
  closes it, each node bounded by the compiled subgradient loop of
  :mod:`ruralnet.siting.lagrange_kernel`;
* ``SolveParams(preprocess=False)``: the plain full radius MIP of :mod:`facility`;
* otherwise (many sites, a range of site counts, quotas): first the
  Lagrangian root alone (:func:`ruralnet.siting.facility.lagrangian_root`,
  at most 15 % of the time; it proves most large-p instances, whose bound is
  tight), then, if still open, the LP bound is
  (nearly) tight and the radius formulation with iterative radius
  refinement (García, Labbé & Marín 2011, :mod:`ruralnet.siting.radius`)
  proves it on a model a fraction of the full one's size.

Both return a :class:`~ruralnet.siting.facility.FacilityResult` whose
``bound`` is proven and whose ``certificate`` says how.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from ruralnet.siting import facility, radius
from ruralnet.siting.facility import TREE_MAX_P, FacilityResult, Quota, SolveParams

__all__ = ["solve_facility_location", "solve_p_median"]


def _engine(cost: Any, lo: int, hi: int | None, quotas: Sequence[Quota],
            params: SolveParams) -> Any:
    """:mod:`facility` for the tree shape (and the plain MIP: ``preprocess=False``), else radius."""
    tree = (hi == lo and 1 <= lo <= TREE_MAX_P and not quotas
            and bool(np.isfinite(np.asarray(cost, float)).all()))
    return facility if tree or not params.preprocess else radius


def solve_p_median(cost: Any, p: int, *, weights: Any = None, quotas: Sequence[Quota] = (),
                   params: SolveParams | None = None) -> FacilityResult:
    """p-median, proven optimal (or the time limit's gap): open ``p`` sites, least weighted cost.

    Parameters and result as :func:`ruralnet.siting.facility.solve_p_median`.

    Examples
    --------
    >>> cost = [[0, 4, 9], [3, 0, 5], [9, 5, 0], [8, 4, 1]]
    >>> r = solve_p_median(cost, 2)
    >>> r.open_sites, r.objective, r.status, r.bound
    ((0, 2), 4.0, 'optimal', 4.0)
    """
    params = params or SolveParams()
    engine = _engine(cost, p, p, quotas, params)
    if engine is radius:
        root = _root(cost, weights, None, p, p, quotas, params)
        if root is not None and root.status == "optimal":
            return root
        return _merge(root, engine.solve_p_median(cost, p, weights=weights, quotas=quotas,
                                                  params=_rest(params, root)))
    return engine.solve_p_median(cost, p, weights=weights, quotas=quotas, params=params)


def solve_facility_location(cost: Any, *, weights: Any = None, fixed_cost: Any = None,
                            min_open: int = 1, max_open: int | None = None,
                            quotas: Sequence[Quota] = (),
                            params: SolveParams | None = None) -> FacilityResult:
    """Uncapacitated facility location, proven optimal; parameters as in :mod:`facility`.

    Examples
    --------
    >>> r = solve_facility_location([[0, 5], [5, 0], [1, 4]], fixed_cost=[6, 6])
    >>> r.open_sites, r.objective, r.status
    ((0,), 12.0, 'optimal')
    """
    params = params or SolveParams()
    counts = _few_counts(cost, min_open, max_open, quotas, params)
    if counts:  # a few small site counts (1–2 county warehouses): the tree for each count
        return _best_of_counts(cost, weights, fixed_cost, counts, params)
    engine = _engine(cost, min_open, max_open, quotas, params)
    if engine is radius:
        root = _root(cost, weights, fixed_cost, min_open, max_open, quotas, params)
        if root is not None and root.status == "optimal":
            return root
        return _merge(root, engine.solve_facility_location(
            cost, weights=weights, fixed_cost=fixed_cost, min_open=min_open,
            max_open=max_open, quotas=quotas, params=_rest(params, root)))
    return engine.solve_facility_location(cost, weights=weights, fixed_cost=fixed_cost,
                                          min_open=min_open, max_open=max_open, quotas=quotas,
                                          params=params)


MAX_COUNTS = 5  # a site-count range this short is solved as that many fixed-count trees


def _few_counts(cost: Any, lo: int, hi: int | None, quotas: Sequence[Quota],
                params: SolveParams) -> range | None:
    """Return the site counts to try one by one, or ``None`` for the one-model engines."""
    if hi is None or quotas or not params.preprocess or hi == lo or hi > TREE_MAX_P:
        return None
    if hi - max(lo, 1) + 1 > MAX_COUNTS or not np.isfinite(np.asarray(cost, float)).all():
        return None
    return range(max(lo, 1), hi + 1)


def _best_of_counts(cost: Any, weights: Any, fixed_cost: Any, counts: range,
                    params: SolveParams) -> FacilityResult:
    """Best of the fixed-count optima; proven when every count is (bound = least bound)."""
    t0, results = time.perf_counter(), []
    for k, p in enumerate(counts):
        left = params.time_limit_s - (time.perf_counter() - t0)
        share = SolveParams(time_limit_s=max(left / (len(counts) - k), 0.05),
                            solver=params.solver, seed=params.seed)
        results.append(facility.solve_facility_location(
            cost, weights=weights, fixed_cost=fixed_cost, min_open=p, max_open=p, params=share))
    best = min(results, key=lambda r: r.objective)
    proven = all(r.status == "optimal" for r in results)
    bound = min(min(r.bound for r in results), best.objective)
    how = "; ".join(f"{p} sites: {r.objective:.2f} {r.status} ({r.certificate})"
                    for p, r in zip(counts, results, strict=True))
    return dataclasses.replace(best, status="optimal" if proven else "feasible",
                               bound=best.objective if proven else bound,
                               solve_time_s=time.perf_counter() - t0,
                               certificate="best of the site counts: " + how)


ROOT_SHARE = 0.15  # of the time limit, for the Lagrangian root before the radius engine


def _root(cost: Any, weights: Any, fixed_cost: Any, lo: int, hi: int | None,
          quotas: Sequence[Quota], params: SolveParams) -> FacilityResult | None:
    """Run the cheap Lagrangian root (it proves most large-p cases); ``None`` if unusable."""
    if quotas or not np.isfinite(np.asarray(cost, float)).all():
        return None
    share = SolveParams(time_limit_s=ROOT_SHARE * params.time_limit_s, solver=params.solver,
                        seed=params.seed)
    return facility.lagrangian_root(cost, weights=weights, fixed_cost=fixed_cost,
                                    min_open=lo, max_open=hi, params=share)


def _rest(params: SolveParams, root: FacilityResult | None) -> SolveParams:
    """Return the parameters with the time the root left, for the radius engine."""
    if root is None:
        return params
    return dataclasses.replace(params, time_limit_s=max(params.time_limit_s
                                                        - root.solve_time_s, 0.05))


def _merge(root: FacilityResult | None, later: FacilityResult) -> FacilityResult:
    """Return the better solution under the stronger of the two proven bounds."""
    if root is None:
        return later
    best = root if root.objective < later.objective else later
    bound = min(max(root.bound, later.bound), best.objective)
    status = "optimal" if later.status == "optimal" and best is later or (
        bound >= best.objective - 1e-9 * max(1.0, abs(best.objective))) else "feasible"
    return dataclasses.replace(best, status=status, bound=bound if status == "feasible"
                               else best.objective,
                               solve_time_s=root.solve_time_s + later.solve_time_s,
                               certificate=f"root: {root.certificate}; then {later.certificate}")

"""Lagrangian branch and bound for the p-median (the exact core's last resort at small p).

At small ``p`` the LP (= Lagrangian) bound of the p-median is typically
0.5–1 % below the optimum, and a MIP solver's LP-based tree closes that gap
slowly. Here each node of a depth-first tree is the set of solutions that
open every site of ``F`` (forced) and otherwise only sites of ``L`` (live);
its bound is the Lagrangian relaxation of the assignment rows,

    L(λ) = Σ_i λ_i + Σ_{j∈F} f_j + (sum of the r smallest ρ_j over j ∈ L),
    ρ_j = f_j + Σ_i min(0, c_ij − λ_i),   r = p − |F|,

with λ_i ≤ min_{j∈F} c_ij (the forced sites then cost nothing extra),
maximised by subgradient steps warm-started from the parent's λ (Beasley
1993). A node is pruned when its bound reaches the incumbent; inside it, a
live site whose ρ lifts the bound past the incumbent is closed
(reduced-cost fixing). Branching partitions the node by the *first* open site
in ρ order: child k opens ``L[k]`` and closes ``L[0..k−1]`` — so the
children that follow the promising sites lose them and are pruned fast. At
``r = 1`` the children are evaluated exactly in one vectorised pass.

The tree explores every solution not pruned by a valid bound, so when it
finishes the incumbent is optimal; a time-out leaves the root bound.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

__all__ = ["TreeResult", "branch_and_bound"]


@dataclass
class TreeResult:
    """Outcome of :func:`branch_and_bound`: incumbent, its cost, finished, node count."""

    sites: np.ndarray
    cost: float
    complete: bool
    nodes: int


def _beats(bound: float, ub: float, integral: bool) -> bool:
    """Whether ``bound`` proves that no solution of the node is better than ``ub``."""
    if integral:
        return math.ceil(bound - 1e-6) >= ub - 1e-9
    return bound >= ub - 1e-9 * max(1.0, abs(ub))


class _Tree:
    def __init__(self, wc: np.ndarray, f: np.ndarray, p: int, ub: float, best: np.ndarray,
                 integral: bool, deadline: float) -> None:
        self.wc, self.f, self.p, self.integral, self.deadline = wc, f, p, integral, deadline
        self.ub, self.best = ub, np.sort(np.asarray(best, int))
        self.nodes, self.complete = 0, True

    def offer(self, sites: np.ndarray) -> None:
        cost = float(self.f[sites].sum() + self.wc[:, sites].min(axis=1).sum())
        if cost < self.ub - 1e-9 * max(1.0, abs(self.ub)):
            self.ub, self.best = cost, np.sort(sites)

    def bound(self, forced: np.ndarray, live: np.ndarray, lam: np.ndarray,
              iterations: int) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
        """Best Lagrangian bound of the node, its λ, the live ρ and the relaxed choice."""
        r = self.p - len(forced)
        cap = self.wc[:, forced].min(axis=1) if len(forced) else np.full(len(self.wc), np.inf)
        lam = np.minimum(lam, cap)
        sub, fl, base = self.wc[:, live], self.f[live], float(self.f[forced].sum())
        best, best_lam, best_rho, best_s = -math.inf, lam, None, None
        step, stall = 1.0, 0
        for _ in range(iterations):
            neg = np.minimum(sub - lam[:, None], 0.0)
            rho = neg.sum(axis=0) + fl
            s = np.argpartition(rho, r - 1)[:r] if r < len(live) else np.arange(len(live))
            lb = float(lam.sum() + base + rho[s].sum())
            if lb > best + 1e-9:
                best, best_lam, best_rho, best_s, stall = lb, lam, rho, s, 0
                if _beats(best, self.ub, self.integral):
                    break
            else:
                stall += 1
                if stall >= 8:
                    step, stall = step / 2, 0
            g = 1.0 - (neg[:, s] < 0).sum(axis=1)
            g[(lam >= cap) & (g > 0)] = 0.0  # λ stays at most the forced cost
            norm = float(g @ g)
            if norm == 0 or step < 1e-3:
                break
            lam = np.minimum(lam + step * (self.ub - lb) / norm * g, cap)
        self.offer(np.concatenate([forced, live[best_s]]))
        return best, best_lam, best_rho, best_s

    def visit(self, forced: np.ndarray, live: np.ndarray, lam: np.ndarray) -> None:
        r = self.p - len(forced)
        if time.perf_counter() > self.deadline:
            self.complete = False
            return
        self.nodes += 1
        if r == 0:
            self.offer(forced)
            return
        if len(live) < r:
            return
        if r == 1:  # every child is one completed solution: price them all at once
            base = (self.wc[:, forced].min(axis=1) if len(forced)
                    else np.full(len(self.wc), np.inf))
            tot = np.minimum(self.wc[:, live], base[:, None]).sum(axis=0) + self.f[live]
            self.offer(np.append(forced, live[int(np.argmin(tot))]))
            return
        lb, lam, rho, s = self.bound(forced, live, lam, 60 if len(forced) else 200)
        if _beats(lb, self.ub, self.integral):
            return
        last = float(rho[s].max())
        keep = np.ones(len(live), bool)
        out = np.ones(len(live), bool)
        out[s] = False
        keep[out & np.array([_beats(lb + x - last, self.ub, self.integral) for x in rho])] = False
        order = np.flatnonzero(keep)
        order = order[np.argsort(rho[order], kind="stable")]
        for k, j in enumerate(order):
            rest = live[order[k + 1:]]
            if len(rest) < r - 1:
                break
            self.visit(np.append(forced, live[j]), np.sort(rest), lam)
            if not self.complete:
                return


def branch_and_bound(wc: np.ndarray, f: np.ndarray, p: int, live: np.ndarray,
                     ub: float, best: np.ndarray, lam: np.ndarray, integral: bool,
                     deadline: float) -> TreeResult:
    """Search every ``p``-subset of the ``live`` candidates that could beat ``ub``.

    Parameters
    ----------
    wc, f
        Weighted clients × candidates costs (finite) and opening costs.
    p
        Sites to open.
    live
        Candidate indices not yet excluded (a valid reduction: every solution
        better than ``ub`` uses only these).
    ub, best
        Incumbent cost and sites.
    lam
        Starting multipliers (one per client), e.g. the root's.
    integral
        Costs are whole numbers (a bound within 1 of ``ub`` then prunes).
    deadline
        ``time.perf_counter()`` value to stop at.

    Returns
    -------
    TreeResult
        ``complete`` when the search finished: then ``sites`` is optimal.

    Examples
    --------
    >>> wc = np.array([[0., 4, 9], [3, 0, 5], [9, 5, 0], [8, 4, 1]])
    >>> r = branch_and_bound(wc, np.zeros(3), 2, np.arange(3), 99.0, np.array([0, 1]),
    ...                      wc.min(axis=1), True, time.perf_counter() + 5)
    >>> r.sites.tolist(), r.cost, r.complete
    ([0, 2], 4.0, True)
    """
    tree = _Tree(wc, f, p, ub, best, integral, deadline)
    tree.offer(tree.best)
    tree.visit(np.zeros(0, int), np.sort(np.asarray(live, int)), np.asarray(lam, float))
    return TreeResult(tree.best, tree.ub, tree.complete, tree.nodes)

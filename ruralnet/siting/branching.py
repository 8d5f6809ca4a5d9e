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
children that follow the promising sites lose them and are pruned fast; at
the parent's λ child k is bounded by the r smallest ρ from ``L[k]`` on, a
sum that only grows with k, so once it reaches the incumbent every later
child is skipped unvisited. At ``r = 1`` the children are evaluated exactly
in one vectorised pass.

Only the pairs with ``c_ij < λ_i`` enter ρ — a few dozen of the hundreds of
candidates per client — so each client keeps its cheapest few candidates
(sorted once per tree) and λ_i stays at most the next cost beyond them.

The tree explores every solution not pruned by a valid bound, so when it
finishes the incumbent is optimal; a time-out leaves the root bound.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

__all__ = ["TreeResult", "branch_and_bound"]

# subgradient at a node: Polyak steps (UB − L)/‖g‖² times a factor that starts at 2 (the
# top of the convergent range; measured on the n = 700–900, p = 10–20 look-alikes it needs
# a third fewer nodes than 1) and halves after STALL steps without a better bound
STEP0, STALL, CHILD_IT = 2.0, 8, 60


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


def _nearest(wc: np.ndarray, cand: np.ndarray, lam: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each client's ``k`` cheapest candidates (costs, sites) and its reach ``R_i``.

    ρ only sums the pairs with ``c_ij < λ_i``; keeping λ_i ≤ R_i, the
    ``(k+1)``-th cheapest cost, those are all among the ``k`` kept (any λ gives
    a valid bound, so the cap only restricts the search). ``k`` is twice the
    widest row the starting λ needs: a few dozen of the hundreds of candidates.
    """
    sub = wc[:, cand]
    n, width = sub.shape
    need = int((sub < lam[:, None]).sum(axis=1).max(initial=0))
    k = min(width, need + 4)
    part = np.argpartition(sub, k, axis=1)[:, :k + 1] if k < width else np.tile(
        np.arange(width), (n, 1))
    cost = np.take_along_axis(sub, part, axis=1)
    order = np.argsort(cost, axis=1, kind="stable")
    cost, part = np.take_along_axis(cost, order, axis=1), np.take_along_axis(part, order, axis=1)
    reach = cost[:, k] if k < width else np.full(n, np.inf)
    return (np.ascontiguousarray(cost[:, :k]), np.ascontiguousarray(cand[part[:, :k]]).ravel(),
            reach)


class _Tree:
    def __init__(self, wc: np.ndarray, f: np.ndarray, p: int, ub: float, best: np.ndarray,
                 integral: bool, deadline: float, cand: np.ndarray, lam: np.ndarray,
                 compiled: bool) -> None:
        self.wc, self.f, self.p, self.integral, self.deadline = wc, f, p, integral, deadline
        self.ub, self.best = ub, np.sort(np.asarray(best, int))
        self.nodes, self.complete = 0, True
        self.near, self.site, self.reach = _nearest(wc, cand, lam)
        self.site2d = self.site.reshape(self.near.shape)
        self.m = wc.shape[1]
        self.compiled = compiled

    def offer(self, sites: np.ndarray) -> None:
        cost = float(self.f[sites].sum() + self.wc[:, sites].min(axis=1).sum())
        if cost < self.ub - 1e-9 * max(1.0, abs(self.ub)):
            self.ub, self.best = cost, np.sort(sites)

    def bound(self, forced: np.ndarray, live: np.ndarray, lam: np.ndarray,
              iterations: int) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
        """Best Lagrangian bound of the node, its λ, the live ρ and the relaxed choice."""
        r = self.p - len(forced)
        cap = self.wc[:, forced].min(axis=1) if len(forced) else np.full(len(self.wc), np.inf)
        cap = np.minimum(cap, self.reach)
        lam = np.minimum(lam, cap)
        base = float(self.f[forced].sum())
        if self.compiled:
            from ruralnet.siting import lagrange_kernel  # numba: imported at first use

            best, best_lam, best_rho, best_s = lagrange_kernel.node_bound(
                self.near, self.site2d, self.f, live, base, cap, lam, r, self.ub,
                self.integral, iterations, STEP0, STALL)
            self.offer(np.concatenate([forced, live[best_s]]))
            return best, best_lam, best_rho, best_s
        best, best_lam, best_rho, best_s = -math.inf, lam, None, None
        step, stall = STEP0, 0
        for _ in range(iterations):
            neg = np.minimum(self.near - lam[:, None], 0.0)
            rho = (np.bincount(self.site, weights=neg.ravel(), minlength=self.m) + self.f)[live]
            s = np.argpartition(rho, r - 1)[:r] if r < len(live) else np.arange(len(live))
            lb = float(lam.sum() + base + rho[s].sum())
            if lb > best + 1e-9:
                best, best_lam, best_rho, best_s, stall = lb, lam, rho, s, 0
                if _beats(best, self.ub, self.integral):
                    break
            else:
                stall += 1
                if stall >= STALL:
                    step, stall = step / 2, 0
            g = 1.0 - (self.wc[:, live[s]] < lam[:, None]).sum(axis=1)
            g[(lam >= cap) & (g > 0)] = 0.0  # λ stays at most the forced cost and the reach
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
        lb, lam, rho, s = self.bound(forced, live, lam, CHILD_IT if len(forced) else 200)
        if _beats(lb, self.ub, self.integral):
            return
        last = float(rho[s].max())
        keep = np.ones(len(live), bool)
        out = np.ones(len(live), bool)
        out[s] = False
        keep[out & np.array([_beats(lb + x - last, self.ub, self.integral) for x in rho])] = False
        order = np.flatnonzero(keep)
        order = order[np.argsort(rho[order], kind="stable")]
        # child k's bound at these λ: the r smallest ρ from the k-th on; it only grows with k
        window = np.convolve(rho[order], np.ones(r), "valid")
        spent = lb - float(rho[s].sum()) + window
        for k, j in enumerate(order):
            rest = live[order[k + 1:]]
            if len(rest) < r - 1 or _beats(float(spent[k]), self.ub, self.integral):
                break
            self.visit(np.append(forced, live[j]), np.sort(rest), lam)
            if not self.complete:
                return


def branch_and_bound(wc: np.ndarray, f: np.ndarray, p: int, live: np.ndarray,
                     ub: float, best: np.ndarray, lam: np.ndarray, integral: bool,
                     deadline: float, *, compiled: bool | None = None) -> TreeResult:
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
    compiled
        Bound the nodes with the numba loop of
        :mod:`ruralnet.siting.lagrange_kernel` (default: when numba is
        available) rather than the numpy one; the same computation.

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
    t0 = time.perf_counter()
    from ruralnet.siting import lagrange_kernel  # numba (about 1 s): only when a tree runs

    deadline += time.perf_counter() - t0  # importing it is not search time either
    live = np.sort(np.asarray(live, int))
    use = lagrange_kernel.available if compiled is None else compiled
    if use:  # a first call compiles the node loop: not search time
        deadline += lagrange_kernel.ensure_compiled()
    tree = _Tree(np.ascontiguousarray(wc, float), np.ascontiguousarray(f, float), p, ub, best,
                 integral, deadline, live, np.asarray(lam, float), use)
    tree.offer(tree.best)
    tree.visit(np.zeros(0, int), live, np.asarray(lam, float))
    return TreeResult(tree.best, tree.ub, tree.complete, tree.nodes)

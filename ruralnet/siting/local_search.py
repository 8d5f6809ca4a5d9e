"""Fast p-median / facility-location heuristics: greedy construction and fast interchange.

The incumbents of the exact cores (:mod:`ruralnet.siting.facility`,
:mod:`ruralnet.siting.radius`): greedy addition, then best-improvement swap,
add and drop moves, each round priced in one ``O(n·m)`` pass (Whitaker 1983;
Resende & Werneck 2007).
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

__all__ = ["greedy", "interchange"]


def _cost(wc: np.ndarray, f: np.ndarray, sites: np.ndarray) -> float:
    return float(f[sites].sum() + wc[:, sites].min(axis=1).sum())


def greedy(wc: np.ndarray, f: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Add the site that lowers the cost most, to ``lo`` sites and then while it pays (≤ ``hi``)."""
    n, m = wc.shape
    d = np.full(n, np.inf)
    chosen: list[int] = []
    free = np.ones(m, bool)
    cur = np.inf
    while len(chosen) < hi:
        tot = np.minimum(wc, d[:, None]).sum(axis=0) + f
        tot[~free] = np.inf
        j = int(np.argmin(tot))
        if len(chosen) >= max(lo, 1) and not tot[j] + f[chosen].sum() < cur:
            break
        chosen.append(j)
        free[j] = False
        d = np.minimum(d, wc[:, j])
        cur = float(f[chosen].sum() + d.sum())
    return np.array(sorted(chosen))


def interchange(wc: np.ndarray, f: np.ndarray, sites: np.ndarray, lo: int, hi: int,
                 deadline: float) -> tuple[np.ndarray, float]:
    """Best-improvement swap, add and drop moves, every move priced in one O(n·m) pass.

    With ``d1``/``d2`` the nearest and second-nearest open cost of each client
    and ``first`` its nearest site: inserting j changes the cost by
    ``G_j = Σ_i min(0, wc_ij − d1_i)``; removing site r additionally costs
    ``L_rj = Σ_{i: first_i = r} (clip(wc_ij, d1_i, d2_i) − d1_i)`` (Resende &
    Werneck 2007), so a swap costs ``G_j + L_rj + f_j − f_r``.
    """
    s = list(int(x) for x in sites)
    n, m = wc.shape
    cur = _cost(wc, f, np.array(s))
    rows = np.arange(n)
    while time.perf_counter() < deadline:
        sub = wc[:, s]
        if len(s) > 1:
            two = np.argpartition(sub, 1, axis=1)[:, :2]
            a, b = sub[rows, two[:, 0]], sub[rows, two[:, 1]]
            first = np.where(a <= b, two[:, 0], two[:, 1])
            d1, d2 = np.minimum(a, b), np.maximum(a, b)
        else:
            first, d1, d2 = np.zeros(n, int), sub[:, 0], np.full(n, np.inf)
        gain = np.minimum(wc - d1[:, None], 0.0).sum(axis=0) + f  # insert j
        gain[s] = np.inf
        with np.errstate(invalid="ignore"):
            part = np.clip(wc, d1[:, None], d2[:, None]) - d1[:, None]
        onehot = sp.csr_matrix((np.ones(n), (first, rows)), shape=(len(s), n))
        loss = np.asarray(onehot @ np.nan_to_num(part, posinf=1e300))
        drop_loss = np.bincount(first, weights=np.where(np.isfinite(d2), d2 - d1, 1e300),
                                minlength=len(s)) - f[s]
        best, move = -1e-9 * max(1.0, abs(cur)), None
        swap = gain[None, :] + loss - f[s][:, None]
        r, j = np.unravel_index(int(np.argmin(swap)), swap.shape)
        if swap[r, j] < best:
            best, move = float(swap[r, j]), ("swap", int(r), int(j))
        if len(s) < hi and gain.min() < best:
            best, move = float(gain.min()), ("add", -1, int(np.argmin(gain)))
        if len(s) > max(lo, 1) and drop_loss.min() < best:
            best, move = float(drop_loss.min()), ("drop", int(np.argmin(drop_loss)), -1)
        if move is None:
            break
        kind, r, j = move
        if kind == "swap":
            s[r] = j
        elif kind == "add":
            s.append(j)
        else:
            s.pop(r)
        cur = _cost(wc, f, np.array(s))
    return np.array(sorted(s)), cur

"""Contraction of a road graph into a hierarchy: node order and shortcuts (numba).

How it works
------------
Nodes are contracted in rounds. Each round takes the alive nodes whose
priority is lower than every alive neighbour's (an independent set) and
removes them together. The priority is the *edge difference* (the shortcuts
the node's contraction would add now, counted by witness searches that settle
at most ``count_settle`` nodes, minus its in + out edges), plus twice the
hierarchy depth reached by its contracted neighbours, plus a fixed random
tie-break. For every path ``a -> v -> b`` through a removed node ``v`` a
shortcut ``a -> b`` of weight ``w(a, v) + w(v, b)`` is added unless a
*witness* path no heavier exists that avoids every node removed in this round
(a Dijkstra search from ``a`` that stops when all of ``v``'s out-neighbours
are settled, beyond the heaviest path through ``v``, or after
``witness_settle`` settled nodes; a search cut short only adds a shortcut that
may be superfluous, never loses one). The early stop once every
out-neighbour is settled makes a generous ``witness_settle`` cheap; the
counts, recomputed each round for every neighbour of a removed node, are the
build's main cost, hence their small limit. The edges a node has when it is removed
all lead to nodes removed later: they form the upward graphs, and the removal
order is the node's rank.

Everything per round runs compiled: the shortcut counts and witness searches
(shared by ``threads`` threads, the compiled code releasing the GIL; each
thread has its own scratch arrays, so the result does not depend on the
thread count), the independent set, and the rebuild of the remaining graph
(a counting sort, the lightest of parallel edges kept).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Final

import numpy as np

try:  # numba is a dependency; the guard keeps a broken install on the scipy path
    import numba

    _jit = numba.njit(cache=True, nogil=True)
except ImportError:  # pragma: no cover - exercised only without numba
    numba = None

    def _jit(f):  # type: ignore[no-redef]
        return f

#: "unreachable" in the int64 searches (far above any exact packed weight, 2**53).
INF: Final = np.int64(2**62)
#: Weights and sums saturate here (2**53, where float64 integers stop being exact):
#: a path that long is reported as at least this, never wrapped around.
CAP: Final = np.int64(2**53)
#: Nodes a witness search may settle before it gives up (and adds the shortcut).
WITNESS_SETTLE: Final = 300
#: The same for the shortcut counts that order the contraction (estimates only).
COUNT_SETTLE: Final = 8
#: Nodes with more in x out neighbour pairs are given that product as their count.
COUNT_MAX_PAIRS: Final = 64
#: A round's searches are shared by threads only from this many nodes.
_NODES_PER_THREAD: Final = 2000


def contract(n: int, u: np.ndarray, v: np.ndarray, w: np.ndarray, *, threads: int = 1,
             witness_settle: int = WITNESS_SETTLE, count_settle: int = COUNT_SETTLE,
             count_max_pairs: int = COUNT_MAX_PAIRS) -> tuple[np.ndarray, ...]:
    """Contract every node of a directed graph with non-negative int64 weights.

    Parameters
    ----------
    n
        Number of nodes.
    u, v, w
        Edges ``u -> v`` of weight ``w`` (int64 below ``CAP``; no self-loops;
        of parallel edges the lightest is kept).
    threads
        Threads sharing each round's searches. The result does not depend on it.
    witness_settle, count_settle, count_max_pairs
        Search limits (see the module docstring).

    Returns
    -------
    tuple
        ``(up_u, up_v, up_w, down_u, down_v, down_w, rank, n_shortcuts)``:
        upward edges ``up_u -> up_v``; downward edges ``down_v -> down_u``
        stored at the lower node ``down_u``; the contraction order of each
        node; the shortcuts added.
    """
    out_ptr, out_to, out_w, in_ptr, in_from, in_w = _rebuild(
        n, u, v, w, np.zeros(n, dtype=np.bool_))
    alive = np.ones(n, dtype=np.bool_)
    depth = np.zeros(n, dtype=np.int64)
    tiebreak = np.random.default_rng(0).random(n)  # fixed: the build is deterministic
    rank = np.full(n, -1, dtype=np.int64)
    shortcuts = np.zeros(n, dtype=np.int64)
    stale = np.arange(n, dtype=np.int64)
    ups, downs = [], []
    next_rank, n_short = 0, 0
    pool = ThreadPoolExecutor(threads) if threads > 1 else None
    try:
        while next_rank < n:
            graph = (out_ptr, out_to, out_w, in_ptr, in_from, in_w)
            shortcuts[stale] = np.concatenate(_shared(pool, threads, _counts, stale, *graph,
                                                      count_settle, count_max_pairs))
            picked = _independent_set(alive, shortcuts, depth, tiebreak, out_ptr, out_to,
                                      in_ptr, in_from)
            cand = np.zeros(n, dtype=np.bool_)
            cand[picked] = True
            rank[picked] = next_rank + np.arange(len(picked))
            next_rank += len(picked)
            found = _shared(pool, threads, _witness_shortcuts, picked, cand, *graph,
                            witness_settle)
            su, sv, sw = (np.concatenate(parts) for parts in zip(*found, strict=True))
            n_short += len(su)
            ups.append(_edges_of(picked, out_ptr, out_to, out_w))
            downs.append(_edges_of(picked, in_ptr, in_from, in_w))
            stale = _deepen(picked, depth, alive, cand, out_ptr, out_to, in_ptr, in_from)
            alive[picked] = False
            ku, kv, kw = _edges_of(np.flatnonzero(alive), out_ptr, out_to, out_w)
            out_ptr, out_to, out_w, in_ptr, in_from, in_w = _rebuild(
                n, np.concatenate([ku, su]), np.concatenate([kv, sv]),
                np.concatenate([kw, sw]), cand)
    finally:
        if pool is not None:
            pool.shutdown()
    none = (np.zeros(0, dtype=np.int64),) * 3
    up = [np.concatenate(parts) for parts in zip(*ups, none, strict=True)]
    down = [np.concatenate(parts) for parts in zip(*downs, none, strict=True)]
    return (*up, *down, rank, n_short)


def _shared(pool: ThreadPoolExecutor | None, threads: int, f, nodes: np.ndarray, *args
            ) -> list:
    """``f(part, *args)`` over consecutive slices of ``nodes``, in threads when many."""
    k = max(1, min(threads, len(nodes) // _NODES_PER_THREAD))
    if pool is None or k == 1:
        return [f(nodes, *args)]
    return list(pool.map(lambda part: f(part, *args), np.array_split(nodes, k)))


def _counts(nodes: np.ndarray, out_ptr, out_to, out_w, in_ptr, in_from, in_w, settle: int,
            max_pairs: int) -> np.ndarray:
    """Shortcut counts of ``nodes``, with this thread's own flags of the node removed."""
    removed = np.zeros(len(out_ptr) - 1, dtype=np.bool_)
    return _shortcut_counts(nodes, removed, out_ptr, out_to, out_w, in_ptr, in_from, in_w,
                            settle, max_pairs)


@_jit
def _rebuild(n, u, v, w, removed):
    """Out- and in-CSR of the edges not touching ``removed``, lightest of parallel ones."""
    count = np.zeros(n + 1, dtype=np.int64)
    for k in range(len(u)):
        if not (removed[u[k]] or removed[v[k]]):
            count[u[k] + 1] += 1
    for x in range(n):
        count[x + 1] += count[x]
    fill = count[:-1].copy()
    to = np.empty(count[n], dtype=np.int64)
    ww = np.empty(count[n], dtype=np.int64)
    for k in range(len(u)):
        if not (removed[u[k]] or removed[v[k]]):
            to[fill[u[k]]] = v[k]
            ww[fill[u[k]]] = w[k]
            fill[u[k]] += 1
    slot = np.full(n, -1, dtype=np.int64)  # position of the edge x -> y kept so far
    out_ptr = np.zeros(n + 1, dtype=np.int64)
    m = 0
    for x in range(n):
        start = m
        for e in range(count[x], count[x + 1]):
            y = to[e]
            if slot[y] >= start:
                if ww[e] < ww[slot[y]]:
                    ww[slot[y]] = ww[e]
            else:
                to[m] = y
                ww[m] = ww[e]
                slot[y] = m
                m += 1
        out_ptr[x + 1] = m
    to, ww = to[:m], ww[:m]
    in_ptr = np.zeros(n + 1, dtype=np.int64)
    for e in range(m):
        in_ptr[to[e] + 1] += 1
    for x in range(n):
        in_ptr[x + 1] += in_ptr[x]
    fill = in_ptr[:-1].copy()
    frm = np.empty(m, dtype=np.int64)
    iw = np.empty(m, dtype=np.int64)
    for x in range(n):
        for e in range(out_ptr[x], out_ptr[x + 1]):
            frm[fill[to[e]]] = x
            iw[fill[to[e]]] = ww[e]
            fill[to[e]] += 1
    return out_ptr, to, ww, in_ptr, frm, iw


@_jit
def _independent_set(alive, shortcuts, depth, tiebreak, out_ptr, out_to, in_ptr, in_from):
    """Alive nodes of priority below every neighbour's (of two equal, the edge's head loses)."""
    n = len(alive)
    priority = np.empty(n)
    for x in range(n):
        degree = (out_ptr[x + 1] - out_ptr[x]) + (in_ptr[x + 1] - in_ptr[x])
        priority[x] = shortcuts[x] - degree + 2.0 * depth[x] + tiebreak[x]
    cand = alive.copy()
    for x in range(n):
        for e in range(out_ptr[x], out_ptr[x + 1]):
            y = out_to[e]
            if priority[x] > priority[y]:
                cand[x] = False
            else:
                cand[y] = False
    return np.flatnonzero(cand)


@_jit
def _edges_of(nodes, ptr, to, w):
    """Return the CSR edges of ``nodes`` as (owner, other end, weight) arrays."""
    m = 0
    for x in nodes:
        m += ptr[x + 1] - ptr[x]
    ru = np.empty(m, dtype=np.int64)
    rv = np.empty(m, dtype=np.int64)
    rw = np.empty(m, dtype=np.int64)
    m = 0
    for x in nodes:
        for e in range(ptr[x], ptr[x + 1]):
            ru[m] = x
            rv[m] = to[e]
            rw[m] = w[e]
            m += 1
    return ru, rv, rw


@_jit
def _deepen(picked, depth, alive, cand, out_ptr, out_to, in_ptr, in_from):
    """Raise the depth of the picked nodes' neighbours; return those neighbours."""
    touched = np.zeros(len(alive), dtype=np.bool_)
    for x in picked:
        for e in range(out_ptr[x], out_ptr[x + 1]):
            y = out_to[e]
            depth[y] = max(depth[y], depth[x] + 1)
            touched[y] = alive[y] and not cand[y]
        for e in range(in_ptr[x], in_ptr[x + 1]):
            y = in_from[e]
            depth[y] = max(depth[y], depth[x] + 1)
            touched[y] = alive[y] and not cand[y]
    return np.flatnonzero(touched)


@_jit
def heap_push(heap_k, heap_v, size, key, node):
    """Insert into a binary min-heap held in two arrays; return the new size."""
    i = size
    heap_k[i] = key
    heap_v[i] = node
    while i > 0:
        parent = (i - 1) // 2
        if heap_k[parent] <= heap_k[i]:
            break
        heap_k[i], heap_k[parent] = heap_k[parent], heap_k[i]
        heap_v[i], heap_v[parent] = heap_v[parent], heap_v[i]
        i = parent
    return size + 1


@_jit
def heap_pop(heap_k, heap_v, size):
    """Remove the minimum (it is left at index ``size - 1``); return the new size."""
    size -= 1
    heap_k[0], heap_k[size] = heap_k[size], heap_k[0]
    heap_v[0], heap_v[size] = heap_v[size], heap_v[0]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        child = left
        if left + 1 < size and heap_k[left + 1] < heap_k[left]:
            child = left + 1
        if heap_k[i] <= heap_k[child]:
            break
        heap_k[i], heap_k[child] = heap_k[child], heap_k[i]
        heap_v[i], heap_v[child] = heap_v[child], heap_v[i]
        i = child
    return size


@_jit
def _shortcut_counts(nodes, removed, out_ptr, out_to, out_w, in_ptr, in_from, in_w,
                     settle_limit, max_pairs):
    """Shortcuts each of ``nodes`` would need if it alone were contracted now."""
    n = len(out_ptr) - 1
    dist = np.full(n, INF, dtype=np.int64)
    is_target = np.zeros(n, dtype=np.bool_)
    touched = np.empty(n, dtype=np.int64)
    heap_k = np.empty(len(out_to) + 1, dtype=np.int64)
    heap_v = np.empty(len(out_to) + 1, dtype=np.int64)
    counts = np.zeros(len(nodes), dtype=np.int64)
    su = [np.int64(0) for _ in range(0)]
    for i in range(len(nodes)):
        x = nodes[i]
        pairs = (out_ptr[x + 1] - out_ptr[x]) * (in_ptr[x + 1] - in_ptr[x])
        if pairs > max_pairs:
            counts[i] = pairs
            continue
        removed[x] = True
        counts[i] = _witness_node(x, removed, out_ptr, out_to, out_w, in_ptr, in_from, in_w,
                                  settle_limit, dist, touched, heap_k, heap_v, su, su, su,
                                  False, is_target)
        removed[x] = False
    return counts


@_jit
def _witness_shortcuts(picked, removed, out_ptr, out_to, out_w, in_ptr, in_from, in_w,
                       settle_limit):
    """Shortcuts needed when the ``picked`` nodes (flagged in ``removed``) are contracted."""
    n = len(out_ptr) - 1
    dist = np.full(n, INF, dtype=np.int64)
    is_target = np.zeros(n, dtype=np.bool_)
    touched = np.empty(n, dtype=np.int64)
    heap_k = np.empty(len(out_to) + 1, dtype=np.int64)
    heap_v = np.empty(len(out_to) + 1, dtype=np.int64)
    su = [np.int64(0) for _ in range(0)]
    sv = [np.int64(0) for _ in range(0)]
    sw = [np.int64(0) for _ in range(0)]
    for x in picked:
        _witness_node(x, removed, out_ptr, out_to, out_w, in_ptr, in_from, in_w,
                      settle_limit, dist, touched, heap_k, heap_v, su, sv, sw, True, is_target)
    m = len(su)
    ru = np.empty(m, dtype=np.int64)
    rv = np.empty(m, dtype=np.int64)
    rw = np.empty(m, dtype=np.int64)
    for k in range(m):
        ru[k] = su[k]
        rv[k] = sv[k]
        rw[k] = sw[k]
    return ru, rv, rw


@_jit
def _witness_node(x, removed, out_ptr, out_to, out_w, in_ptr, in_from, in_w, settle_limit,
                  dist, touched, heap_k, heap_v, su, sv, sw, record, is_target):
    """Count (and with ``record`` append) the shortcuts that removing ``x`` needs.

    For each edge ``a -> x``, a Dijkstra search from ``a`` that avoids the
    ``removed`` nodes, stops when every out-neighbour of ``x`` is settled,
    beyond the longest path through ``x`` or after ``settle_limit`` settled
    nodes; ``a -> x -> b`` needs a shortcut unless the search reached ``b``
    no heavier. ``is_target`` is all false on entry and on return.
    """
    max_out = np.int64(0)
    n_targets = 0
    for e in range(out_ptr[x], out_ptr[x + 1]):
        if out_w[e] > max_out:
            max_out = out_w[e]
        is_target[out_to[e]] = True
        n_targets += 1
    count = 0
    for f in range(in_ptr[x], in_ptr[x + 1]):
        a = in_from[f]
        wa = in_w[f]
        bound = min(wa + max_out, CAP)
        n_touched = 1
        touched[0] = a
        dist[a] = 0
        size = heap_push(heap_k, heap_v, 0, np.int64(0), a)
        settled = 0
        left = n_targets - 1 if is_target[a] else n_targets
        while size > 0 and settled < settle_limit and left > 0:
            size = heap_pop(heap_k, heap_v, size)
            d = heap_k[size]
            y = heap_v[size]
            if d > dist[y]:
                continue
            if d > bound:
                break
            settled += 1
            if is_target[y] and y != a:
                left -= 1
            for e in range(out_ptr[y], out_ptr[y + 1]):
                z = out_to[e]
                if removed[z]:
                    continue
                nd = min(d + out_w[e], CAP)
                if nd < dist[z] and nd <= bound:
                    if dist[z] == INF:
                        touched[n_touched] = z
                        n_touched += 1
                    dist[z] = nd
                    size = heap_push(heap_k, heap_v, size, nd, z)
        for e in range(out_ptr[x], out_ptr[x + 1]):
            b = out_to[e]
            if b == a:
                continue
            through = min(wa + out_w[e], CAP)
            if dist[b] > through:
                count += 1
                if record:
                    su.append(a)
                    sv.append(b)
                    sw.append(through)
        for k in range(n_touched):
            dist[touched[k]] = INF
    for e in range(out_ptr[x], out_ptr[x + 1]):
        is_target[out_to[e]] = False
    return count

"""Exact many-to-many shortest paths through a contraction hierarchy (numba-compiled).

How it works
------------
**Build** (once per graph and weight, kept on the network like the CSR):
nodes are contracted in rounds. Each round takes the alive nodes whose
priority (in + out edges, plus twice the hierarchy depth reached by their
contracted neighbours, plus a fixed random tie-break) is lower than every alive
neighbour's — an independent set — and removes them together. For every path
``a -> v -> b`` through a removed node ``v`` a shortcut ``a -> b`` of weight
``w(a, v) + w(v, b)`` is added unless a *witness* path no heavier exists that
avoids every node removed in this round (a bounded Dijkstra search from ``a``
that settles at most ``_WITNESS_SETTLE`` nodes; a search cut short only adds a
shortcut that may be superfluous, never loses one). The edges a node has when
it is removed all lead to nodes removed later: they form the upward graphs.
The removal order is the node's rank.

**Query** (Knopp et al. 2007, "Computing many-to-many shortest paths using
highway hierarchies", with contraction hierarchies as in Geisberger et al.
2008): one backward upward search from each target leaves ``(target,
distance)`` entries in a bucket at every node it settles; one forward upward
search from each source scans the buckets of the nodes it settles. The
minimum over the meeting nodes is the shortest-path weight: every shortest
path has a counterpart of equal weight that climbs in rank and then descends.

Weights are non-negative integers (int64; the packed duration/length weights
of :mod:`ruralnet.roads.matrix` are exactly representable), so every sum is
exact and the result is identical to any other exact Dijkstra on the same
weights. The searches are compiled by numba (cached on disk after the first
compilation); without numba :func:`available` is false and
:mod:`ruralnet.roads.matrix` uses scipy's Dijkstra.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
from scipy.sparse import csr_matrix

from ruralnet._io import atomic_path

logger = logging.getLogger(__name__)

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
_WITNESS_SETTLE: Final = 60
#: The same for the shortcut counts that order the contraction (estimates only).
_COUNT_SETTLE: Final = 15
#: Nodes with more in x out neighbour pairs are given that product as their count.
_COUNT_MAX_PAIRS: Final = 64
#: ``many_to_many`` uses at most one thread per this many distinct sources.
_SOURCES_PER_THREAD: Final = 64


#: Version of the saved hierarchy files (bump when the build or the arrays change).
FORMAT: Final = 1
_ARRAYS: Final = ("up_ptr", "up_to", "up_w", "down_ptr", "down_to", "down_w", "rank")


def available() -> bool:
    """Tell whether the compiled hierarchy can be used (numba importable)."""
    return numba is not None


@dataclass(frozen=True)
class Hierarchy:
    """Upward graphs of a contraction hierarchy, as CSR arrays over node positions.

    Attributes
    ----------
    n
        Number of nodes.
    up_ptr, up_to, up_w
        Edges ``v -> x`` of the original graph plus shortcuts, with ``x``
        ranked above ``v`` (searched forward from the sources).
    down_ptr, down_to, down_w
        Edges ``x -> v`` with ``x`` ranked above ``v``, stored at ``v``
        (searched backward from the targets).
    rank
        Contraction order of each node.
    n_shortcuts
        Shortcuts added.
    build_s
        Seconds the build took.
    """

    n: int
    up_ptr: np.ndarray
    up_to: np.ndarray
    up_w: np.ndarray
    down_ptr: np.ndarray
    down_to: np.ndarray
    down_w: np.ndarray
    rank: np.ndarray
    n_shortcuts: int
    build_s: float


def build_hierarchy(csr: csr_matrix) -> Hierarchy:
    """Contract every node of a directed graph with non-negative integer weights.

    Parameters
    ----------
    csr
        ``(n, n)`` sparse matrix, ``csr[u, v]`` = weight of ``u -> v`` (whole
        numbers below 2**53; no parallel edges, as scipy's CSR sums them).

    Returns
    -------
    Hierarchy
    """
    start = time.perf_counter()
    n = csr.shape[0]
    coo = csr.tocoo()
    keep = coo.row != coo.col
    u = coo.row[keep].astype(np.int64)
    v = coo.col[keep].astype(np.int64)
    w = np.minimum(np.rint(coo.data[keep]), float(CAP)).astype(np.int64)
    alive = np.ones(n, dtype=bool)
    depth = np.zeros(n)
    tiebreak = np.random.default_rng(0).random(n)  # fixed: the build is deterministic
    rank = np.full(n, -1, dtype=np.int64)
    ups, downs = [], []
    next_rank, n_short = 0, 0
    shortcuts = np.zeros(n)
    stale = np.arange(n)
    while next_rank < n:
        out_ptr, out_to, out_w = _csr(u, v, w, n)
        in_ptr, in_from, in_w = _csr(v, u, w, n)
        degree = np.diff(out_ptr) + np.diff(in_ptr)
        shortcuts[stale] = _shortcut_counts(stale, ~alive, out_ptr, out_to, out_w, in_ptr,
                                            in_from, in_w, _COUNT_SETTLE, _COUNT_MAX_PAIRS)
        priority = shortcuts - degree + 2.0 * depth + tiebreak
        cand = alive.copy()
        cand[np.where(priority[u] > priority[v], u, v)] = False  # not below every neighbour
        picked = np.flatnonzero(cand)
        rank[picked] = next_rank + np.arange(len(picked))
        next_rank += len(picked)
        su, sv, sw = _witness_shortcuts(picked, cand, out_ptr, out_to, out_w,
                                        in_ptr, in_from, in_w, _WITNESS_SETTLE)
        n_short += len(su)
        go_up, go_down = cand[u], cand[v]
        ups.append((u[go_up], v[go_up], w[go_up]))
        downs.append((v[go_down], u[go_down], w[go_down]))
        np.maximum.at(depth, v[go_up], depth[u[go_up]] + 1)
        np.maximum.at(depth, u[go_down], depth[v[go_down]] + 1)
        nbr = np.zeros(n, dtype=bool)
        nbr[v[go_up]] = nbr[u[go_down]] = True
        rest = ~(go_up | go_down)
        u, v, w = _lightest(np.concatenate([u[rest], su]), np.concatenate([v[rest], sv]),
                            np.concatenate([w[rest], sw]), n)
        alive[picked] = False
        stale = np.flatnonzero(nbr & alive)
    up = [np.concatenate(parts) for parts in zip(*ups, strict=True)]
    down = [np.concatenate(parts) for parts in zip(*downs, strict=True)]
    h = Hierarchy(n, *_csr(*up, n), *_csr(*down, n), rank, n_short,
                  time.perf_counter() - start)
    logger.debug("contraction hierarchy of %d nodes: %d shortcuts in %.2f s", n, n_short,
                 h.build_s)
    return h


def save_hierarchy(h: Hierarchy, path: Path) -> None:
    """Write a hierarchy to ``path`` (.npz) atomically."""
    with atomic_path(path) as tmp:
        np.savez(tmp, n=h.n, n_shortcuts=h.n_shortcuts, build_s=h.build_s,
                 **{name: getattr(h, name) for name in _ARRAYS})


def load_hierarchy(path: Path, n: int) -> Hierarchy | None:
    """Read a saved hierarchy of an ``n``-node graph; ``None`` if absent or unusable."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            h = Hierarchy(int(z["n"]), *(z[name] for name in _ARRAYS), int(z["n_shortcuts"]),
                          float(z["build_s"]))
    except (OSError, ValueError, KeyError) as exc:
        logger.warning("ignoring unreadable contraction hierarchy %s: %s", path.name, exc)
        return None
    ok = (h.n == n and len(h.up_ptr) == len(h.down_ptr) == n + 1 and len(h.rank) == n
          and h.up_ptr[-1] == len(h.up_to) == len(h.up_w)
          and h.down_ptr[-1] == len(h.down_to) == len(h.down_w)
          and all(getattr(h, name).dtype == np.int64 for name in _ARRAYS))
    # the compiled searches index with these arrays unchecked: refuse anything out of range
    for ptr, to, w in ((h.up_ptr, h.up_to, h.up_w), (h.down_ptr, h.down_to, h.down_w)):
        ok = ok and (ptr[0] == 0 and bool(np.all(np.diff(ptr) >= 0))
                     and (len(to) == 0 or (to.min() >= 0 and to.max() < n and w.min() >= 0)))
    if not ok:
        logger.warning("ignoring inconsistent contraction hierarchy %s", path.name)
        return None
    logger.info("contraction hierarchy of %d nodes read from %s", n, path.name)
    return h


def many_to_many(h: Hierarchy, sources: np.ndarray, targets: np.ndarray, *, threads: int = 1
                 ) -> np.ndarray:
    """Shortest-path weights from each source (rows) to each target (columns).

    Parameters
    ----------
    h
        Hierarchy of the graph.
    sources, targets
        Node positions (repeats allowed).
    threads
        Threads sharing the forward searches (one per 64 distinct sources at
        most). The result does not depend on it.

    Returns
    -------
    numpy.ndarray
        ``(len(sources), len(targets))`` float64, ``inf`` where unreachable.
    """
    sources = np.asarray(sources, dtype=np.int64)
    targets = np.asarray(targets, dtype=np.int64)
    uniq_t, col_of = np.unique(targets, return_inverse=True)
    uniq_s, row_of = np.unique(sources, return_inverse=True)
    b_node, b_target, b_dist = _search_spaces(h.down_ptr, h.down_to, h.down_w, h.up_ptr,
                                              h.up_to, h.up_w, uniq_t, h.n)
    order = np.argsort(b_node, kind="stable")
    b_ptr = np.zeros(h.n + 1, dtype=np.int64)
    np.cumsum(np.bincount(b_node, minlength=h.n), out=b_ptr[1:])
    b_target, b_dist = b_target[order], b_dist[order]

    def scan(part: np.ndarray) -> np.ndarray:
        return _forward_scan(h.up_ptr, h.up_to, h.up_w, h.down_ptr, h.down_to, h.down_w, part,
                             b_ptr, b_target, b_dist, len(uniq_t), h.n)

    n_threads = max(1, min(threads, len(uniq_s) // _SOURCES_PER_THREAD))
    if n_threads == 1:
        out = scan(uniq_s)
    else:  # the compiled scan releases the GIL: threads share the arrays, no copies
        with ThreadPoolExecutor(n_threads) as pool:
            out = np.vstack(list(pool.map(scan, np.array_split(uniq_s, n_threads))))
    result = np.where(out >= INF, np.inf, out.astype(np.float64))
    return result[row_of.reshape(-1)][:, col_of.reshape(-1)]


# --------------------------------------------------------------------------
# array helpers
# --------------------------------------------------------------------------


def _csr(u: np.ndarray, v: np.ndarray, w: np.ndarray, n: int
         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edges grouped by ``u``: (pointer, heads, weights)."""
    order = np.argsort(u, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(u, minlength=n), out=ptr[1:])
    return ptr, np.ascontiguousarray(v[order]), np.ascontiguousarray(w[order])


def _lightest(u: np.ndarray, v: np.ndarray, w: np.ndarray, n: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keep the lightest of parallel edges."""
    if len(u) == 0:
        return u, v, w
    key = u * n + v
    order = np.argsort(key, kind="stable")
    key, w = key[order], w[order]
    start = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    return key[start] // n, key[start] % n, np.minimum.reduceat(w, start)


# --------------------------------------------------------------------------
# compiled searches
# --------------------------------------------------------------------------


@_jit
def _push(heap_k, heap_v, size, key, node):
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
def _pop(heap_k, heap_v, size):
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
                                  False)
        removed[x] = False
    return counts


@_jit
def _witness_shortcuts(picked, removed, out_ptr, out_to, out_w, in_ptr, in_from, in_w,
                       settle_limit):
    """Shortcuts needed when the ``picked`` nodes (flagged in ``removed``) are contracted."""
    n = len(out_ptr) - 1
    dist = np.full(n, INF, dtype=np.int64)
    touched = np.empty(n, dtype=np.int64)
    heap_k = np.empty(len(out_to) + 1, dtype=np.int64)
    heap_v = np.empty(len(out_to) + 1, dtype=np.int64)
    su = [np.int64(0) for _ in range(0)]
    sv = [np.int64(0) for _ in range(0)]
    sw = [np.int64(0) for _ in range(0)]
    for x in picked:
        _witness_node(x, removed, out_ptr, out_to, out_w, in_ptr, in_from, in_w,
                      settle_limit, dist, touched, heap_k, heap_v, su, sv, sw, True)
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
                  dist, touched, heap_k, heap_v, su, sv, sw, record):
    """Count (and with ``record`` append) the shortcuts that removing ``x`` needs.

    For each edge ``a -> x``, a Dijkstra search from ``a`` that avoids the
    ``removed`` nodes, stops beyond the longest path through ``x`` or after
    ``settle_limit`` settled nodes; ``a -> x -> b`` needs a shortcut unless
    the search reached ``b`` no heavier.
    """
    max_out = np.int64(0)
    for e in range(out_ptr[x], out_ptr[x + 1]):
        if out_w[e] > max_out:
            max_out = out_w[e]
    count = 0
    for f in range(in_ptr[x], in_ptr[x + 1]):
        a = in_from[f]
        wa = in_w[f]
        bound = min(wa + max_out, CAP)
        n_touched = 1
        touched[0] = a
        dist[a] = 0
        size = _push(heap_k, heap_v, 0, np.int64(0), a)
        settled = 0
        while size > 0 and settled < settle_limit:
            size = _pop(heap_k, heap_v, size)
            d = heap_k[size]
            y = heap_v[size]
            if d > dist[y]:
                continue
            if d > bound:
                break
            settled += 1
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
                    size = _push(heap_k, heap_v, size, nd, z)
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
    return count


@_jit
def _upward(ptr, to, w, sptr, sto, sw, start, dist, touched, stalled, heap_k, heap_v):
    """Dijkstra from ``start`` over an upward graph, with stall-on-demand.

    ``sptr, sto, sw`` are the edges from higher-ranked nodes *into* each node
    (the other upward graph, reversed): a node reached more cheaply through
    one of them is not on any shortest up-down path, so it is *stalled*: its
    edges are not relaxed and it meets no bucket. Returns the reached count;
    the reached nodes are ``touched[:count]``, their distances in ``dist`` and
    ``stalled`` flags (the caller resets both).
    """
    n_touched = 1
    touched[0] = start
    dist[start] = 0
    size = _push(heap_k, heap_v, 0, np.int64(0), start)
    while size > 0:
        size = _pop(heap_k, heap_v, size)
        d = heap_k[size]
        y = heap_v[size]
        if d > dist[y]:
            continue
        stall = False
        for e in range(sptr[y], sptr[y + 1]):
            if dist[sto[e]] + sw[e] < d:
                stall = True
                break
        if stall:
            stalled[y] = True
            continue
        for e in range(ptr[y], ptr[y + 1]):
            z = to[e]
            nd = min(d + w[e], CAP)
            if nd < dist[z]:
                if dist[z] == INF:
                    touched[n_touched] = z
                    n_touched += 1
                dist[z] = nd
                size = _push(heap_k, heap_v, size, nd, z)
    return n_touched


@_jit
def _search_spaces(ptr, to, w, sptr, sto, sw, starts, n):
    """Backward upward searches: (node, start index, distance) of every node settled."""
    dist = np.full(n, INF, dtype=np.int64)
    stalled = np.zeros(n, dtype=np.bool_)
    touched = np.empty(n, dtype=np.int64)
    heap_k = np.empty(len(to) + 1, dtype=np.int64)
    heap_v = np.empty(len(to) + 1, dtype=np.int64)
    cap = 1024 + 64 * len(starts)
    nodes = np.empty(cap, dtype=np.int64)
    which = np.empty(cap, dtype=np.int64)
    dists = np.empty(cap, dtype=np.int64)
    m = 0
    for i in range(len(starts)):
        count = _upward(ptr, to, w, sptr, sto, sw, starts[i], dist, touched, stalled, heap_k,
                        heap_v)
        if m + count > cap:
            cap = max(2 * cap, m + count)
            nodes2 = np.empty(cap, dtype=np.int64)
            which2 = np.empty(cap, dtype=np.int64)
            dists2 = np.empty(cap, dtype=np.int64)
            nodes2[:m] = nodes[:m]
            which2[:m] = which[:m]
            dists2[:m] = dists[:m]
            nodes, which, dists = nodes2, which2, dists2
        for k in range(count):
            y = touched[k]
            if not stalled[y]:
                nodes[m] = y
                which[m] = i
                dists[m] = dist[y]
                m += 1
            dist[y] = INF
            stalled[y] = False
    return nodes[:m], which[:m], dists[:m]


@_jit
def _forward_scan(ptr, to, w, sptr, sto, sw, starts, b_ptr, b_target, b_dist, n_targets, n):
    """Forward upward searches meeting the backward buckets: the distance table."""
    dist = np.full(n, INF, dtype=np.int64)
    stalled = np.zeros(n, dtype=np.bool_)
    touched = np.empty(n, dtype=np.int64)
    heap_k = np.empty(len(to) + 1, dtype=np.int64)
    heap_v = np.empty(len(to) + 1, dtype=np.int64)
    out = np.full((len(starts), n_targets), INF, dtype=np.int64)
    for i in range(len(starts)):
        count = _upward(ptr, to, w, sptr, sto, sw, starts[i], dist, touched, stalled, heap_k,
                        heap_v)
        row = out[i]
        for k in range(count):
            y = touched[k]
            if not stalled[y]:
                d = dist[y]
                for e in range(b_ptr[y], b_ptr[y + 1]):
                    t = b_target[e]
                    nd = min(d + b_dist[e], CAP)
                    if nd < row[t]:
                        row[t] = nd
            dist[y] = INF
            stalled[y] = False
    return out

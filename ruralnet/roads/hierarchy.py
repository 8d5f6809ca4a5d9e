"""Exact many-to-many shortest paths through a contraction hierarchy (numba-compiled).

How it works
------------
**Build** (once per graph and weight, kept on the network like the CSR; see
:mod:`ruralnet.roads.contraction`): nodes are contracted in rounds of
independent sets, shortcuts added where no witness path is found. The edges a
node has when it is removed all lead to nodes removed later: they form the
upward graphs. The removal order is the node's rank.

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
from ruralnet.roads.contraction import CAP, INF, contract, heap_pop, heap_push

logger = logging.getLogger(__name__)

try:  # numba is a dependency; the guard keeps a broken install on the scipy path
    import numba

    _jit = numba.njit(cache=True, nogil=True)
except ImportError:  # pragma: no cover - exercised only without numba
    numba = None

    def _jit(f):  # type: ignore[no-redef]
        return f

#: ``many_to_many`` uses at most one thread per this many distinct sources.
_SOURCES_PER_THREAD: Final = 64


#: Version of the saved hierarchy files (bump when the build or the arrays change).
FORMAT: Final = 2
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


def build_hierarchy(csr: csr_matrix, *, threads: int = 1) -> Hierarchy:
    """Contract every node of a directed graph with non-negative integer weights.

    Parameters
    ----------
    csr
        ``(n, n)`` sparse matrix, ``csr[u, v]`` = weight of ``u -> v`` (whole
        numbers below 2**53; no parallel edges, as scipy's CSR sums them).
    threads
        Threads sharing the contraction's searches (see
        :mod:`ruralnet.roads.contraction`). The result does not depend on it.

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
    up_u, up_v, up_w, down_u, down_v, down_w, rank, n_short = contract(n, u, v, w,
                                                                       threads=threads)
    h = Hierarchy(n, *_csr(up_u, up_v, up_w, n), *_csr(down_u, down_v, down_w, n), rank,
                  n_short, time.perf_counter() - start)
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


# --------------------------------------------------------------------------
# compiled searches
# --------------------------------------------------------------------------


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
    size = heap_push(heap_k, heap_v, 0, np.int64(0), start)
    while size > 0:
        size = heap_pop(heap_k, heap_v, size)
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
                size = heap_push(heap_k, heap_v, size, nd, z)
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

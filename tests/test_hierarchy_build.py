"""The compiled contraction (ruralnet.roads.contraction): exact, deterministic, thread-safe."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

import ruralnet.roads.contraction as contraction_mod
import ruralnet.roads.hierarchy as hierarchy_mod

pytestmark = pytest.mark.skipif(not hierarchy_mod.available(), reason="needs numba")


def grid_csr(side: int, seed: int) -> csr_matrix:
    """A side x side grid of integer weights, 8 % of links missing, 10 % one-way."""
    rng = np.random.default_rng(seed)
    ids = np.arange(side * side).reshape(side, side)
    u = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()])
    v = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()])
    keep = rng.random(len(u)) >= 0.08
    u, v = u[keep], v[keep]
    w = rng.integers(100, 130, len(u)).astype(float)  # ties are common: exactness matters
    both = rng.random(len(u)) >= 0.1
    src = np.concatenate([u, v[both]])
    dst = np.concatenate([v, u[both]])
    ww = np.concatenate([w, w[both]])
    return csr_matrix((ww, (src, dst)), shape=(side * side, side * side))


def arrays(h: hierarchy_mod.Hierarchy) -> list[np.ndarray]:
    return [h.up_ptr, h.up_to, h.up_w, h.down_ptr, h.down_to, h.down_w, h.rank]


def test_threads_give_the_same_hierarchy(monkeypatch):
    """Rounds shared by two threads (each with its own scratch) build the identical hierarchy."""
    monkeypatch.setattr(contraction_mod, "_NODES_PER_THREAD", 20)
    csr = grid_csr(40, seed=1)
    one = hierarchy_mod.build_hierarchy(csr, threads=1)
    two = hierarchy_mod.build_hierarchy(csr, threads=2)
    assert one.n_shortcuts == two.n_shortcuts
    assert all(np.array_equal(a, b) for a, b in zip(arrays(one), arrays(two), strict=True))
    nodes = np.arange(0, csr.shape[0], 7)
    assert np.array_equal(hierarchy_mod.many_to_many(two, nodes, nodes, threads=2),
                          dijkstra(csr, directed=True, indices=nodes)[:, nodes])


def test_every_edge_of_the_upward_graphs_climbs_in_rank():
    """Up edges lead to higher-ranked nodes, down edges come from them; ranks are a permutation."""
    csr = grid_csr(30, seed=2)
    h = hierarchy_mod.build_hierarchy(csr)
    assert sorted(h.rank.tolist()) == list(range(csr.shape[0]))
    for ptr, to in ((h.up_ptr, h.up_to), (h.down_ptr, h.down_to)):
        owner = np.repeat(np.arange(csr.shape[0]), np.diff(ptr))
        assert np.all(h.rank[to] > h.rank[owner])


@pytest.mark.parametrize(("witness_settle", "count_settle"), [(1, 0), (3, 1), (300, 8)])
def test_searches_cut_short_only_add_shortcuts(witness_settle, count_settle):
    """Tiny search limits add superfluous shortcuts but every distance stays exact."""
    csr = grid_csr(25, seed=3)
    n = csr.shape[0]
    coo = csr.tocoo()
    out = contraction_mod.contract(n, coo.row.astype(np.int64), coo.col.astype(np.int64),
                                   coo.data.astype(np.int64), witness_settle=witness_settle,
                                   count_settle=count_settle)
    up_u, up_v, up_w, down_u, down_v, down_w, rank, n_short = out
    h = hierarchy_mod.Hierarchy(n, *hierarchy_mod._csr(up_u, up_v, up_w, n),
                                *hierarchy_mod._csr(down_u, down_v, down_w, n), rank, n_short,
                                0.0)
    nodes = np.arange(n)
    assert np.array_equal(hierarchy_mod.many_to_many(h, nodes, nodes),
                          dijkstra(csr, directed=True))
    if witness_settle == 1:  # almost no witness found: far more shortcuts than a real build
        assert n_short > 2 * hierarchy_mod.build_hierarchy(csr).n_shortcuts


def test_a_graph_without_nodes_or_edges():
    """No nodes: empty upward graphs; isolated nodes: ranked, nothing reachable but themselves."""
    empty = hierarchy_mod.build_hierarchy(csr_matrix((0, 0)))
    assert empty.n == 0 and len(empty.up_to) == 0 and len(empty.rank) == 0
    lone = hierarchy_mod.build_hierarchy(csr_matrix((3, 3)))
    assert sorted(lone.rank.tolist()) == [0, 1, 2]
    got = hierarchy_mod.many_to_many(lone, np.arange(3), np.arange(3))
    assert np.array_equal(got, np.where(np.eye(3) > 0, 0.0, np.inf))

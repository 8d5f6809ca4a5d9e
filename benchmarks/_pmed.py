"""Reader for the OR-Library p-median instances (Beasley 1985) in ../shared/benchmarks/pmed.

Convention (see that folder's README): start from c(i,i)=0, c(i,j)=inf, read
the edge lines in order setting c(i,j)=c(j,i)=cost — the **last listed cost
of a duplicated edge wins** — then all-pairs shortest paths (Dijkstra from
every vertex, scipy.sparse.csgraph). Distances stay integral.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from ruralnet.settings import benchmarks_dir

PMED_DIR = benchmarks_dir("pmed")  # $RURALNET_BENCHMARKS or ../shared/benchmarks


def read_pmed(path: str | Path) -> tuple[np.ndarray, int]:
    """Return the integer shortest-path cost matrix (n × n) and p of one instance."""
    tok = Path(path).read_text().split()  # CRLF-safe
    n, m, p = int(tok[0]), int(tok[1]), int(tok[2])
    edges = np.array(tok[3:3 + 3 * m], dtype=np.int64).reshape(m, 3)
    last: dict[tuple[int, int], int] = {}
    for i, j, c in edges:  # in file order: a later line overwrites an earlier one
        last[(min(i, j) - 1, max(i, j) - 1)] = int(c)
    rows = np.array([k[0] for k in last]), np.array([k[1] for k in last])
    vals = np.array(list(last.values()), float)
    if (vals <= 0).any():
        raise ValueError(f"{path}: non-positive edge cost (csgraph would drop it)")
    graph = csr_matrix((vals, rows), shape=(n, n))
    dist = dijkstra(graph, directed=False)
    if not np.isfinite(dist).all():
        raise ValueError(f"{path}: graph is not connected")
    return dist.astype(np.int64), p


def read_bks(folder: Path = PMED_DIR) -> dict[str, tuple[int, bool]]:
    """Instance name → (best known value, proven optimal)."""
    with open(folder / "bks.csv", newline="") as fh:
        return {r["instance"]: (int(r["best_known"]), r["optimal"] == "yes")
                for r in csv.DictReader(fh)}


def instance_names(folder: Path = PMED_DIR) -> list[str]:
    """Names present in bks.csv that have a file, in numeric order."""
    names = [n for n in read_bks(folder) if (folder / f"{n}.txt").exists()]
    return sorted(names, key=lambda s: int(s[4:]))


# OR-Library pmed shapes (Beasley 1985): n → published edge count; p per instance.
EDGES = {100: 200, 200: 800, 300: 1800, 400: 3200, 500: 5000, 600: 7200, 700: 9800,
         800: 12800, 900: 16200}
# Look-alikes of every held-out shape (pmed3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33, 36,
# 39) plus the small-p large-n family n = 700..900, p = 5..90; two seeds for the
# hardest small-p shapes.
GENERATED = ([(100, 10, 1), (200, 5, 1), (200, 40, 1), (300, 10, 1), (300, 100, 1),
              (400, 40, 1), (500, 5, 1), (500, 100, 1), (600, 10, 1), (600, 200, 1),
              (700, 70, 1), (800, 10, 1), (800, 10, 2), (900, 10, 1), (900, 10, 2)]
             + [(n, p, 3) for n in (700, 800, 900) for p in (5, 10, 20, n // 10)])


def generate_pmed(n: int, p: int, seed: int, edges: int | None = None
                  ) -> tuple[np.ndarray, int]:
    """A synthetic instance built with Beasley's (1985) OR-Library recipe.

    The published files list first the cycle 1–2, 2–3, …, n–1 (which makes the
    graph connected), then random vertex pairs, every edge with a random
    integer length in 1..100; the edge count is the published one for ``n``
    (:data:`EDGES`). Duplicated pairs follow the files' convention (the last
    listed wins), then all-pairs shortest paths. Deterministic in ``seed``.
    Provenance: synthetic, not an OR-Library instance.
    """
    m = EDGES[n] if edges is None else edges
    rng = np.random.default_rng([n, p, seed])
    a = np.concatenate([np.arange(n), rng.integers(0, n, m - n)])
    b = np.concatenate([(np.arange(n) + 1) % n, rng.integers(0, n, m - n)])
    loop = a == b
    while loop.any():  # no self-loops, as in the files
        b[loop] = rng.integers(0, n, int(loop.sum()))
        loop = a == b
    length = rng.integers(1, 101, m)
    last: dict[tuple[int, int], int] = {}
    for i, j, c in zip(a.tolist(), b.tolist(), length.tolist(), strict=True):
        last[(min(i, j), max(i, j))] = c
    rows = np.array([k[0] for k in last]), np.array([k[1] for k in last])
    graph = csr_matrix((np.array(list(last.values()), float), rows), shape=(n, n))
    return dijkstra(graph, directed=False).astype(np.int64), p

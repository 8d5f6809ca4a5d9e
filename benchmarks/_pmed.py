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

"""Readers, distance conventions and an independent evaluator for the VRP benchmarks.

Conventions (see ../shared/benchmarks/README.md):

* CVRPLIB X: d(i, j) = nint(euclid), objective = total distance.
* Solomon: d(i, j) = floor(10 * euclid) in integer tenths (computed exactly
  with an integer square root), travel time = distance, windows and service
  times x 10, objective = total distance, at most NUMBER vehicles.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class Instance:
    name: str
    family: str  # "x" or "solomon"
    distance: np.ndarray  # integer, convention units (tenths for Solomon)
    demand: np.ndarray  # per node, depot first (0)
    capacity: int
    num_vehicles: int  # fleet bound (Solomon NUMBER; X: chosen bound, see bench)
    ready: np.ndarray | None = None  # per node, convention units
    due: np.ndarray | None = None
    service: np.ndarray | None = None
    scale: int = 1  # convention units per reported unit (10 for Solomon)


def read_x(path: Path) -> Instance:
    """Read a CVRPLIB X ``.vrp`` file (any whitespace, CRLF tolerated)."""
    text = path.read_text().split()
    header = {}
    i = 0
    while text[i] != "NODE_COORD_SECTION":
        if text[i + 1] == ":":
            header[text[i]] = text[i + 2]
            i += 3
        else:
            i += 1
    n = int(header["DIMENSION"])
    nums = text[i + 1:]
    coords = np.array(nums[: 3 * n], dtype=np.int64).reshape(n, 3)[:, 1:]
    j = nums.index("DEMAND_SECTION")
    demand = np.array(nums[j + 1: j + 1 + 2 * n], dtype=np.int64).reshape(n, 2)[:, 1]
    diff = coords[:, None, :] - coords[None, :, :]
    dist = np.rint(np.sqrt((diff ** 2).sum(-1))).astype(np.int64)
    k = int(re.search(r"-k(\d+)", path.stem).group(1))
    return Instance(path.stem, "x", dist, demand, int(header["CAPACITY"]), k)


def read_solomon(path: Path) -> Instance:
    """Read a Solomon ``.txt`` file in integer tenths (exact floor(10 d))."""
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.split()]
    number, capacity = (int(v) for v in lines[3])
    rows = np.array([ln for ln in lines if len(ln) == 7 and ln[0].isdigit()], dtype=np.int64)
    xy = rows[:, 1:3]
    sq = ((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1)
    dist = np.vectorize(lambda s: math.isqrt(100 * int(s)))(sq).astype(np.int64)
    return Instance(path.stem, "solomon", dist, rows[:, 3], capacity, number,
                    ready=rows[:, 4] * 10, due=rows[:, 5] * 10, service=rows[:, 6] * 10, scale=10)


def read_sol(path: Path) -> list[list[int]]:
    """Read ``Route #k: c1 c2 ...`` lines; customers numbered 1..N-1 (= node index)."""
    routes = []
    for line in path.read_text().splitlines():
        if line.startswith("Route"):
            routes.append([int(v) for v in line.split(":", 1)[1].split()])
    return routes


def read_bks(folder: Path) -> dict[str, float]:
    with open(folder / "bks.csv", newline="") as fh:
        return {row["instance"]: float(row["best_known"]) for row in csv.DictReader(fh)}


def evaluate(inst: Instance, routes: list[list[int]]) -> tuple[float, list[str]]:
    """Cost in reported units and the list of broken constraints, computed from scratch.

    ``routes`` hold node indices (depot 0 implicit at both ends).
    """
    problems = []
    seen = sorted(c for r in routes for c in r)
    if seen != list(range(1, len(inst.demand))):
        problems.append("customers not served exactly once")
    if inst.family == "solomon" and len(routes) > inst.num_vehicles:
        problems.append(f"{len(routes)} routes > fleet {inst.num_vehicles}")
    total = 0
    for r in routes:
        nodes = [0] + r + [0]
        total += int(sum(inst.distance[a, b] for a, b in zip(nodes[:-1], nodes[1:], strict=True)))
        if inst.demand[r].sum() > inst.capacity:
            problems.append(f"route {r[:3]}... over capacity")
        if inst.ready is not None:
            t = inst.ready[0]
            for a, b in zip(nodes[:-1], nodes[1:], strict=True):
                t = max(t + inst.service[a] + inst.distance[a, b], inst.ready[b])
                if t > inst.due[b]:
                    problems.append(f"late at {b}")
                    break
    return total / inst.scale, problems

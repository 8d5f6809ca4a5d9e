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


# --------------------------------------------------------------------------
# VRPSPD (Dethloff, Salhi-Nagy) in the LKH-3 format; see
# ../shared/benchmarks/vrpspd/README.md for the conventions used here.
# --------------------------------------------------------------------------


@dataclass
class Spd:
    """One VRPSPD instance; node 0 is the depot, loads in file units."""

    name: str
    cost: np.ndarray  # float (n, n): reported-unit distances (matrix / 1e4 or double Euclid)
    matrix: np.ndarray | None  # Dethloff's integer matrix (x 1e4), None for Salhi-Nagy
    pickup: np.ndarray  # per node, depot 0
    delivery: np.ndarray
    service: np.ndarray  # per node; the depot's own value is not counted (set to 0)
    capacity: int
    num_vehicles: int
    max_duration: float  # 0 = none


def read_vrpspd(path: Path) -> Spd:
    """Read an LKH-3 ``.vrpspd`` file (``id demand earliest latest service pickup delivery``)."""
    tok = path.read_text().split()
    header, i = {}, 0
    while tok[i] not in ("NODE_COORD_SECTION", "EDGE_WEIGHT_SECTION"):
        if tok[i + 1] == ":":
            header[tok[i]] = tok[i + 2]
            i += 3
        elif tok[i].endswith(":"):
            header[tok[i][:-1]] = tok[i + 1]
            i += 2
        else:
            i += 1
    n = int(header["DIMENSION"])
    section, nums = tok[i], tok[i + 1:]
    matrix = None
    if section == "EDGE_WEIGHT_SECTION":
        matrix = np.array(nums[: n * n], dtype=np.int64).reshape(n, n)
        cost = matrix / 1e4
    else:
        xy = np.array(nums[: 3 * n], dtype=np.float64).reshape(n, 3)[:, 1:]
        cost = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    j = nums.index("PICKUP_AND_DELIVERY_SECTION")
    pd = np.array(nums[j + 1: j + 1 + 7 * n], dtype=np.float64).reshape(n, 7)
    if not (pd[:, 0] == np.arange(1, n + 1)).all():
        raise ValueError(f"{path.name}: PICKUP_AND_DELIVERY_SECTION not in node order")
    service = pd[:, 4].copy()
    service[0] = 0.0  # CMT convention: the depot's service is not counted
    return Spd(header["NAME"], cost, matrix, pd[:, 5].astype(np.int64),
               pd[:, 6].astype(np.int64), service, int(header["CAPACITY"]),
               int(header["VEHICLES"]), float(header.get("DISTANCE", 0)))


def read_lkh_tour(path: Path, dimension: int) -> list[list[int]]:
    """Read an LKH tour; node 1 and ids > ``dimension`` are depot copies. Return 0-based routes."""
    tok = path.read_text().split()
    rest = tok[tok.index("TOUR_SECTION") + 1:]
    seq = [int(v) for v in rest[: rest.index("-1")]]
    routes, cur = [], []
    for v in seq + [1]:
        if v == 1 or v > dimension:
            if cur:
                routes.append(cur)
            cur = []
        else:
            cur.append(v - 1)
    return routes


def evaluate_spd(inst: Spd, routes: list[list[int]]) -> tuple[float, list[str]]:
    """Cost (reported units) and broken constraints of 0-based ``routes``, from scratch.

    Load leaving the depot = the route's deliveries; after each stop
    load += pickup - delivery; load <= capacity everywhere; travel + customer
    service <= max_duration when > 0; at most ``num_vehicles`` routes; every
    customer exactly once. Cost: Dethloff sum(matrix) / 1e4 (exact integer
    sum), Salhi-Nagy double-precision Euclidean.
    """
    problems = []
    n = len(inst.pickup)
    if sorted(c for r in routes for c in r) != list(range(1, n)):
        problems.append("customers not served exactly once")
    if len(routes) > inst.num_vehicles:
        problems.append(f"{len(routes)} routes > {inst.num_vehicles} vehicles")
    total_int, total = 0, 0.0
    for r in routes:
        nodes = [0] + list(r) + [0]
        pairs = list(zip(nodes[:-1], nodes[1:], strict=True))
        if inst.matrix is not None:
            total_int += int(sum(int(inst.matrix[a, b]) for a, b in pairs))
        travel = float(sum(inst.cost[a, b] for a, b in pairs))
        total += travel
        load = int(inst.delivery[list(r)].sum())
        peak = load
        for c in r:
            load += int(inst.pickup[c]) - int(inst.delivery[c])
            peak = max(peak, load)
        if peak > inst.capacity:
            problems.append(f"route {r[:3]}... peak load {peak} > {inst.capacity}")
        if inst.max_duration > 0:
            dur = travel + float(inst.service[list(r)].sum())
            if dur > inst.max_duration + 1e-9:
                problems.append(f"route {r[:3]}... lasts {dur:.4f} > {inst.max_duration:g}")
    if inst.matrix is not None:
        total = total_int / 1e4
    return total, problems

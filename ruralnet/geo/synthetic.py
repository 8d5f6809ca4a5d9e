"""Synthetic township territories, seats and village positions inside a real boundary.

Used only when the planner gives no village file. Every output of this
module is labelled ``synthetic`` by :mod:`ruralnet.geo.county`.

Method
------
1. Draw ``n_samples`` points uniformly inside the county polygon (metric
   UTM coordinates) with a generator seeded by the county code and seed.
2. Partition them into one region per township with a *balanced* k-means
   (a power diagram): each region has an additive weight adjusted until its
   share of the samples matches the township's share of village-level
   units (subdistricts and empty units get a small share). The county-seat
   township starts at the polygon's representative point. Townships whose
   real seat is known (GeoNames, see ``data/README.md``) keep their centre
   fixed at that seat, and their weight is raised at the end where needed so
   that the seat lies in its own region.
3. Territories are the Voronoi cells of the samples, dissolved per region and
   clipped to the boundary; a township without a known seat gets the sample
   nearest the region's centroid; villages are drawn inside the territory with
   a minimum spacing, communities (居委会) near the seat, as towns are.
"""

from __future__ import annotations

import hashlib

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Point
from shapely.geometry.base import BaseGeometry


def rng_for(code: str, seed: int, salt: str = "") -> np.random.Generator:
    """Return a generator seeded by county code, user seed and a salt (deterministic)."""
    digest = hashlib.sha256(f"{code}|{seed}|{salt}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def sample_in_polygon(poly: BaseGeometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``n`` uniform points inside ``poly`` by rejection sampling, shape (n, 2)."""
    minx, miny, maxx, maxy = poly.bounds
    shapely.prepare(poly)
    out: list[np.ndarray] = []
    got = 0
    while got < n:
        k = max(64, 2 * (n - got))
        xy = np.column_stack([rng.uniform(minx, maxx, k), rng.uniform(miny, maxy, k)])
        inside = shapely.contains_xy(poly, xy[:, 0], xy[:, 1])
        out.append(xy[inside])
        got += int(inside.sum())
    return np.concatenate(out)[:n]


def balanced_partition(xy: np.ndarray, shares: np.ndarray, first_centre: np.ndarray,
                       rng: np.random.Generator, *, iterations: int = 60,
                       fixed: np.ndarray | None = None) -> np.ndarray:
    """Assign sample points to ``len(shares)`` regions of the given relative sizes.

    Parameters
    ----------
    xy
        Sample points, shape (n, 2), metres.
    shares
        Target share of the points per region (sums to 1).
    first_centre
        Starting centre of region 0 (the county-seat township).
    rng
        Random generator for the k-means++ start of the other regions.
    iterations
        Rounds of weight adjustment and centre update.
    fixed
        Optional known seats, shape (k, 2), NaN rows for regions without one:
        those centres stay put (a real seat does not move), and each fixed
        seat ends inside its own region.

    Returns
    -------
    numpy.ndarray
        Region label per point, shape (n,).
    """
    k = len(shares)
    n = len(xy)
    is_fixed = (np.zeros(k, dtype=bool) if fixed is None
                else np.isfinite(np.asarray(fixed, dtype=float)).all(axis=1))
    centres = np.empty((k, 2))
    if is_fixed.any():
        centres[is_fixed] = np.asarray(fixed, dtype=float)[is_fixed]
    if not is_fixed[0]:
        centres[0] = first_centre
    seeded = np.flatnonzero(is_fixed | (np.arange(k) == 0))
    d2 = ((xy[:, None, :] - centres[None, seeded, :]) ** 2).sum(axis=2).min(axis=1)
    for j in range(1, k):
        if is_fixed[j]:
            continue
        probs = d2 / d2.sum() if d2.sum() > 0 else None
        centres[j] = xy[rng.choice(n, p=probs)]
        d2 = np.minimum(d2, ((xy - centres[j]) ** 2).sum(axis=1))
    weights = np.zeros(k)
    target = shares * n
    scale = float(np.mean(((xy - xy.mean(axis=0)) ** 2).sum(axis=1))) / k
    labels = np.zeros(n, dtype=int)
    for it in range(iterations):
        cost = ((xy[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2) - weights[None, :]
        labels = cost.argmin(axis=1)
        sizes = np.bincount(labels, minlength=k)
        step = scale * 0.5 * (1.0 - it / iterations)
        weights += step * (target - sizes) / np.maximum(target, 1)
        for j in range(k):
            if sizes[j] and not is_fixed[j]:
                centres[j] = xy[labels == j].mean(axis=0)
    if is_fixed.any():
        weights = _own_seats(centres, weights, is_fixed)
        cost = ((xy[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2) - weights[None, :]
        labels = cost.argmin(axis=1)
    return labels


def _own_seats(centres: np.ndarray, weights: np.ndarray, is_fixed: np.ndarray) -> np.ndarray:
    """Raise the weights of fixed seats until each lies in its own power cell."""
    w = weights.copy()
    d2 = ((centres[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    np.fill_diagonal(d2, np.inf)
    for _ in range(len(centres)):
        changed = False
        for j in np.flatnonzero(is_fixed):
            # seat j is in cell j iff d2[j, m] - w[m] >= -w[j] for every m.
            need = float(np.max(w - d2[j])) + 1.0
            if w[j] < need - 1e-9:
                w[j] = need
                changed = True
        if not changed:
            break
    return w


def territories(xy: np.ndarray, labels: np.ndarray, k: int,
                boundary: BaseGeometry) -> list[BaseGeometry]:
    """Dissolve the Voronoi cells of the samples per label and clip to the boundary."""
    cells = shapely.voronoi_polygons(MultiPoint(xy), extend_to=boundary.envelope.buffer(1000))
    polys = np.array(list(cells.geoms), dtype=object)
    # voronoi_polygons returns cells in arbitrary order: match each cell to its sample point.
    tree = shapely.STRtree(shapely.points(xy))
    cell_idx, point_idx = tree.query(polys, predicate="contains")
    owner = np.full(len(polys), -1)
    owner[cell_idx] = labels[point_idx]
    out = []
    for j in range(k):
        parts = polys[owner == j]
        geom = shapely.union_all(parts).intersection(boundary) if len(parts) else Point()
        out.append(shapely.make_valid(geom))
    return out


def spaced_points(poly: BaseGeometry, n: int, rng: np.random.Generator,
                  *, near: np.ndarray | None = None, radius: float | None = None) -> np.ndarray:
    """Draw ``n`` points inside ``poly`` with a minimum spacing (a dart-throwing sampler).

    Parameters
    ----------
    poly
        Territory polygon in metres.
    n
        Number of points wanted.
    rng
        Random generator.
    near, radius
        When given, draw within ``radius`` metres of ``near`` (communities cluster
        around the township seat), still inside ``poly``.

    Returns
    -------
    numpy.ndarray
        Shape (n, 2).
    """
    if n == 0:
        return np.empty((0, 2))
    region = poly
    if near is not None and radius is not None:
        disc = Point(near).buffer(radius)
        region = poly.intersection(disc)
        if region.is_empty or region.area < 1.0:
            region = disc
    spacing = 0.6 * np.sqrt(region.area / max(n, 1))
    chosen: list[np.ndarray] = []
    cand = sample_in_polygon(region, 30 * n, rng)
    for p in cand:
        if all(((p - c) ** 2).sum() >= spacing**2 for c in chosen[-400:]):
            chosen.append(p)
            if len(chosen) == n:
                break
    if len(chosen) < n:  # small or thin polygon: relax spacing rather than fail
        extra = cand[rng.choice(len(cand), n - len(chosen), replace=False)]
        chosen.extend(extra)
    return np.asarray(chosen)

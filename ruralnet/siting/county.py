"""Where to put the county warehouse(s), township transfer stations and village stations.

Pure functions over arrays (no file, network or settings reads). The three
county-level functions take a :class:`SitingInput` — one row per point, in
the planner's order (county seat, township seats, then villages) — and a
road distance matrix over those points; they return a :class:`SiteChoice`.
They are built on generic exact models that can be used alone: p-median,
facility location and capacitated facility location (engine in
:mod:`ruralnet.siting.facility`, re-exported here), maximal covering (Church and
ReVelle 1974) and set covering (Toregas et al. 1971), defined here, plus a
GeoDataFrame door (:func:`solve_from_geodataframe`) in the style of spopt.

Cost rates are daily figures in yuan. The transport part of each siting
objective is a *star* approximation of the routes that follow (each parcel
carried straight from the site to its destination at a rate per parcel-km);
the routing module then prices the real routes.

Why this module is long: the county's three siting decisions (warehouses, township
stations, village stations with quotas) share one candidate model and its quota checks.
"""

from __future__ import annotations

import logging
import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ruralnet._validate import bad_value, cost_matrix, nonneg_vector
from ruralnet.exceptions import InfeasibleError, RuralnetError
from ruralnet.geo.coords import haversine_m as _haversine
from ruralnet.siting.exact import solve_facility_location, solve_p_median
from ruralnet.siting.facility import (
    FacilityResult,
    Mip,
    Quota,
    SolveParams,
    Status,
    add_site_quotas,
    cardinality,
    check_site_quotas,
    is_integral,
    nearest_open,
    solve_capacitated_facility_location,
    solve_mip,
)

logger = logging.getLogger(__name__)

__all__ = [
    "FacilityResult", "Quota", "SiteChoice", "SitingInput", "SolveParams", "haversine_m",
    "site_county_warehouses", "site_township_stations", "site_village_stations",
    "solve_capacitated_facility_location", "solve_facility_location", "solve_from_geodataframe",
    "solve_max_covering", "solve_p_median", "solve_set_covering",
]

POINT_KINDS = ("county_seat", "township_seat", "candidate", "village", "community", "other")
VILLAGE_KINDS = ("village", "community", "other")



@dataclass(frozen=True, eq=False)
class SitingInput:
    """The points of one county and the road distances between them.

    Attributes
    ----------
    point_ids, names
        One entry per point.
    kinds
        ``"county_seat"``, ``"township_seat"``, ``"candidate"`` (a user site),
        or a village kind: ``"village"`` (行政村, counts toward quotas),
        ``"community"`` (社区, served but never counted), ``"other"``.
    township_ids
        Township of each point (``""`` for the county seat).
    poor
        Poor-village flag (counted only for kind ``"village"``).
    population
        Residents (NaN when unknown; 0 for seats).
    existing_site
        Whether a post / co-op / courier point already operates there.
    parcels_per_day
        Parcels down + up per day (0 for seats).
    distance_m
        Road distance in metres, ``distance_m[a, b]`` from point a to point b.

    Examples
    --------
    >>> inp = SitingInput.from_arrays(
    ...     point_ids=["W", "T", "v1", "v2"], kinds=["county_seat", "township_seat",
    ...     "village", "village"], township_ids=["", "t", "t", "t"],
    ...     distance_m=[[0, 9, 9, 9], [9, 0, 1, 2], [9, 1, 0, 3], [9, 2, 3, 0]])
    >>> inp.n, inp.village_points.tolist()
    (4, [2, 3])
    """

    point_ids: tuple[str, ...]
    names: tuple[str, ...]
    kinds: tuple[str, ...]
    township_ids: tuple[str, ...]
    poor: np.ndarray
    population: np.ndarray
    existing_site: np.ndarray
    parcels_per_day: np.ndarray
    distance_m: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.point_ids)
        for name in ("names", "kinds", "township_ids", "poor", "population", "existing_site",
                     "parcels_per_day"):
            if len(getattr(self, name)) != n:
                raise bad_value(name, f"of length {n} (one per point)", len(getattr(self, name)))
        if len(set(self.point_ids)) != n:
            raise bad_value("point_ids", "unique", "duplicates")
        odd = sorted(set(self.kinds) - set(POINT_KINDS))
        if odd:
            raise bad_value("kinds", f"in {POINT_KINDS}", odd)
        if self.distance_m.shape != (n, n):
            raise bad_value("distance_m", f"of shape ({n}, {n})", self.distance_m.shape)
        if np.isnan(self.distance_m).any() or (self.distance_m < 0).any():
            raise bad_value("distance_m", ">= 0 without NaN", "negative or NaN entries")
        if (self.parcels_per_day < 0).any() or not np.isfinite(self.parcels_per_day).all():
            raise bad_value("parcels_per_day", "finite and >= 0", "negative or NaN")

    @classmethod
    def from_arrays(cls, *, point_ids: Sequence[str], kinds: Sequence[str],
                    township_ids: Sequence[str], distance_m: Any,
                    names: Sequence[str] | None = None, poor: Any = None,
                    population: Any = None, existing_site: Any = None,
                    parcels_per_day: Any = None) -> SitingInput:
        """Build from lists, filling absent columns (not poor, NaN people, no site, 0 parcels)."""
        n = len(point_ids)

        def col(x: Any, default: Any, dtype: Any) -> np.ndarray:
            return np.full(n, default, dtype) if x is None else np.asarray(x, dtype)

        return cls(tuple(map(str, point_ids)), tuple(map(str, names or point_ids)),
                   tuple(kinds), tuple(map(str, township_ids)), col(poor, False, bool),
                   col(population, np.nan, float), col(existing_site, False, bool),
                   col(parcels_per_day, 0.0, float), np.asarray(distance_m, float))

    @classmethod
    def from_county(cls, county: Any, distance_m: Any) -> SitingInput:
        """Points of a :class:`~ruralnet.geo.county.County`: seat, township seats, villages.

        ``distance_m`` must follow that order (as the planner's point list does).
        """
        t, v = county.townships, county.villages
        kinds = ["county_seat"] + ["township_seat"] * len(t) + [
            k if k in VILLAGE_KINDS else "other" for k in v["kind"]]
        zeros = np.zeros(1 + len(t))
        site = v["existing_site"].fillna("").astype(str).str.len().to_numpy() > 0
        return cls.from_arrays(
            point_ids=["county_seat"] + [f"seat-{x}" for x in t["township_id"]]
            + [str(x) for x in v["village_id"]],
            names=[f"{county.name}县城"] + [f"{x}驻地" for x in t["name"]] + list(v["name"]),
            kinds=kinds, township_ids=[""] + [str(x) for x in t["township_id"]]
            + [str(x) for x in v["township_id"]], distance_m=distance_m,
            poor=np.concatenate([zeros.astype(bool), v["poor"].to_numpy(bool)]),
            population=np.concatenate([zeros, v["population"].to_numpy(float)]),
            existing_site=np.concatenate([zeros.astype(bool), site]),
            parcels_per_day=np.concatenate([zeros, (v["parcels_down"] + v["parcels_up"])
                                            .to_numpy(float)]))

    @property
    def n(self) -> int:
        """Number of points."""
        return len(self.point_ids)

    @property
    def village_points(self) -> np.ndarray:
        """Indices of village-level points (villages, communities, other)."""
        return np.flatnonzero(np.isin(self.kinds, VILLAGE_KINDS))

    def of_kind(self, *kinds: str) -> np.ndarray:
        """Return the indices of the points of the given kinds."""
        return np.flatnonzero(np.isin(self.kinds, kinds))


@dataclass(frozen=True)
class SiteChoice:
    """Sites chosen at one level of the network.

    Attributes
    ----------
    level
        ``"county_warehouse"``, ``"township_station"`` or ``"village_station"``.
    sites
        Point indices of the chosen sites (sorted; one per township, in
        township order, for stations).
    site_ids
        Their point ids.
    assignment
        Point id of each served point → point id of its site.
    daily_cost_yuan
        Fixed + star transport cost per day (site cost for village stations).
    status, bound, gap, solve_time_s
        Proof figures of the optimisation (``bound`` on the model's objective).
    metrics
        Level-specific figures, e.g. coverage shares.
    """

    level: str
    sites: tuple[int, ...]
    site_ids: tuple[str, ...]
    assignment: dict[str, str]
    daily_cost_yuan: float
    status: str
    bound: float
    gap: float
    solve_time_s: float
    metrics: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        """Describe the choice in a few lines for people."""
        lines = [f"{self.level}: {len(self.sites)} sites, {self.daily_cost_yuan:,.1f} yuan/day, "
                 f"{self.status} (gap {100 * self.gap:.3f}%, {self.solve_time_s:.2f} s)",
                 "sites: " + ", ".join(self.site_ids[:12]) + (" …" if len(self.sites) > 12 else "")]
        lines += [f"  {k}: {v:.3f}" if isinstance(v, float) else f"  {k}: {v}"
                  for k, v in self.metrics.items()]
        return "\n".join(lines)

    def to_geodataframe(self, points: Any) -> Any:
        """Return the chosen sites as a GeoDataFrame layer (``id``, ``level``, ``n_served``).

        Parameters
        ----------
        points
            GeoDataFrame of the :class:`SitingInput` points, same order (e.g.
            the planner's point list).

        Raises
        ------
        ValueError
            When ``points`` is not a GeoDataFrame with a CRS.
        """
        import geopandas as gpd

        if not isinstance(points, gpd.GeoDataFrame) or points.crs is None:
            raise ValueError("points must be a GeoDataFrame with a CRS, in SitingInput order")
        served = [sum(v == sid for v in self.assignment.values()) for sid in self.site_ids]
        return gpd.GeoDataFrame(
            {"id": list(self.site_ids), "level": self.level, "n_served": served},
            geometry=points.geometry.iloc[list(self.sites)].to_numpy(), crs=points.crs)


def _choice(level: str, inp: SitingInput, sites: Sequence[int], served: Sequence[int],
            served_site: Sequence[int], cost: float, res: FacilityResult | None,
            t: float, metrics: dict[str, Any]) -> SiteChoice:
    ids = inp.point_ids
    status, bound, gap = ("optimal", cost, 0.0) if res is None else \
        (res.status, res.bound, res.gap)
    if res is not None and res.certificate:  # how the bound was proven, for the plan record
        metrics = {**metrics, "proof": res.certificate}
    return SiteChoice(level, tuple(int(s) for s in sites), tuple(ids[s] for s in sites),
                      {ids[a]: ids[b] for a, b in zip(served, served_site, strict=True)},
                      float(cost), status, float(bound), float(gap), t, metrics)


def _station_demand(inp: SitingInput, stations: np.ndarray) -> np.ndarray:
    """Parcels per day of the villages in each station's township."""
    per_town: dict[str, float] = {}
    for i in inp.village_points:
        per_town[inp.township_ids[i]] = per_town.get(inp.township_ids[i], 0.0) + float(
            inp.parcels_per_day[i])
    return np.array([per_town.get(inp.township_ids[s], 0.0) for s in stations])


def site_county_warehouses(inp: SitingInput, *, candidates: Sequence[int] | None = None,
                           stations: Sequence[int] | None = None, max_warehouses: int = 2,
                           min_warehouses: int = 1, fixed_cost_per_day: Any = 1500.0,
                           yuan_per_parcel_km: float = 0.01,
                           params: SolveParams | None = None) -> SiteChoice:
    """Choose 1..k county warehouses (县级仓储配送中心) by exact facility location.

    Minimises Σ fixed cost of open warehouses + Σ_s parcels_s × km(w(s), s) ×
    ``yuan_per_parcel_km`` over township stations s, each served by its
    nearest open warehouse (:func:`solve_facility_location`).

    Parameters
    ----------
    inp
        The county's points.
    candidates
        Candidate points (default: county seat, township seats and user
        candidates).
    stations
        Township station points to supply (default: township seats); each
        carries the parcels of the villages of its township.
    max_warehouses, min_warehouses
        How many may open (安溪 2018 plans 1–2).
    fixed_cost_per_day
        Yuan per day per warehouse (scalar or one per candidate); the default
        1,500 is an assumed figure for rent and staff, not a survey.
    yuan_per_parcel_km
        Star-approximation trunk rate; the default 0.01 assumes a light truck
        at about 3 yuan/km carrying about 300 parcels.
    params
        :class:`SolveParams`.

    Returns
    -------
    SiteChoice
        ``assignment`` maps each station to its warehouse.

    Examples
    --------
    >>> inp = SitingInput.from_arrays(
    ...     point_ids=["C", "T1", "T2", "v1", "v2"], kinds=["county_seat", "township_seat",
    ...     "township_seat", "village", "village"], township_ids=["", "a", "b", "a", "b"],
    ...     parcels_per_day=[0, 0, 0, 100, 100], distance_m=[[0, 5e3, 5e3, 6e3, 6e3],
    ...     [5e3, 0, 1e4, 1e3, 1e4], [5e3, 1e4, 0, 1e4, 1e3], [6e3, 1e3, 1e4, 0, 1e4],
    ...     [6e3, 1e4, 1e3, 1e4, 0]])
    >>> site_county_warehouses(inp, fixed_cost_per_day=100).site_ids
    ('C',)
    """
    t0 = _now()
    cand = np.asarray(inp.of_kind("county_seat", "township_seat", "candidate")
                      if candidates is None else candidates, int)
    st = np.asarray(inp.of_kind("township_seat") if stations is None else stations, int)
    if len(cand) == 0 or len(st) == 0:
        raise bad_value("candidates and stations", "non-empty", (len(cand), len(st)))
    hi = min(max_warehouses, len(cand))
    demand = _station_demand(inp, st)
    cost = inp.distance_m[np.ix_(cand, st)].T / 1000.0 * yuan_per_parcel_km
    fixed = np.broadcast_to(np.asarray(fixed_cost_per_day, float), (len(cand),))
    res = solve_facility_location(cost, weights=demand, fixed_cost=fixed,
                                  min_open=min(min_warehouses, hi), max_open=hi, params=params)
    sites = cand[list(res.open_sites)]
    km = inp.distance_m[cand[res.assignment], st] / 1000.0
    metrics = {"n_warehouses": len(sites), "trunk_parcel_km": float((demand * km).sum()),
               "max_station_km": float(km.max())}
    return _choice("county_warehouse", inp, sites, st, cand[res.assignment], res.objective, res,
                   _now() - t0, metrics)


def site_township_stations(inp: SitingInput, *, candidates: Sequence[int] | None = None,
                           fixed_cost_per_day: float = 150.0, existing_discount: float = 0.5,
                           yuan_per_parcel_km: float = 0.015) -> SiteChoice:
    """Choose exactly one transfer station (乡镇中转站) per township.

    The choice decomposes by township: in each, the candidate c minimising
    fixed(c) + Σ_v parcels_v × km(c, v) × ``yuan_per_parcel_km`` over the
    township's village-level points, with fixed(c) reduced by
    ``existing_discount`` at existing sites. Each township's problem is a
    1-median with fixed costs, solved exactly by enumeration (ties go to
    the lower point index, i.e. the township seat).

    Parameters
    ----------
    candidates
        Allowed points (default: township seats and every village-level
        point); each township chooses among its own.
    fixed_cost_per_day
        Yuan per day of a new station (assumed default, not a survey).
    existing_discount
        Share of the fixed cost saved by reusing an existing site, in [0, 1].
    yuan_per_parcel_km
        Star-approximation feeder rate (assumed: a van at ~1.5 yuan/km, ~100 parcels).

    Raises
    ------
    InfeasibleError
        A township has no candidate point.

    Examples
    --------
    >>> inp = SitingInput.from_arrays(
    ...     point_ids=["T", "v1", "v2", "v3"], kinds=["township_seat", "village", "village",
    ...     "village"], township_ids=["a", "a", "a", "a"], parcels_per_day=[0, 50, 50, 50],
    ...     distance_m=[[0, 4e3, 5e3, 6e3], [4e3, 0, 1e3, 1e3], [5e3, 1e3, 0, 1e3],
    ...     [6e3, 1e3, 1e3, 0]])
    >>> site_township_stations(inp, fixed_cost_per_day=1).site_ids
    ('v1',)
    """
    t0 = _now()
    if not 0 <= existing_discount <= 1:
        raise bad_value("existing_discount", "in [0, 1]", existing_discount)
    allowed = np.zeros(inp.n, bool)
    allowed[inp.of_kind("township_seat", *VILLAGE_KINDS) if candidates is None
            else np.asarray(candidates, int)] = True
    fixed = fixed_cost_per_day * np.where(inp.existing_site, 1 - existing_discount, 1.0)
    towns = list(dict.fromkeys(inp.township_ids[i] for i in inp.of_kind("township_seat")))
    towns += [t for t in dict.fromkeys(inp.township_ids[i] for i in inp.village_points)
              if t not in towns]
    tid = np.asarray(inp.township_ids)
    sites, served, served_site, total = [], [], [], 0.0
    for town in towns:
        cand = np.flatnonzero(allowed & (tid == town))
        if len(cand) == 0:
            raise InfeasibleError(f"乡镇 {town} 没有候选站点", f"township {town} has no "
                                  "candidate station point", binding="township", township=town)
        vil = inp.village_points[tid[inp.village_points] == town]
        cost = fixed[cand] + (inp.distance_m[np.ix_(cand, vil)] / 1000.0 * yuan_per_parcel_km
                              * inp.parcels_per_day[vil]).sum(axis=1)
        k = int(np.argmin(cost))
        sites.append(int(cand[k]))
        total += float(cost[k])
        served += vil.tolist()
        served_site += [int(cand[k])] * len(vil)
    metrics = {"n_townships": len(towns),
               "existing_sites_reused": int(inp.existing_site[sites].sum()),
               "at_township_seat": sum(inp.kinds[s] == "township_seat" for s in sites)}
    return _choice("township_station", inp, sites, served, served_site, total, None,
                   _now() - t0, metrics)


def site_village_stations(inp: SitingInput, *, min_share_villages: float = 0.5,
                          min_share_poor: float = 0.5, radius_m: float = 3000.0,
                          n_stations: int | None = None, cost_per_day: float = 20.0,
                          existing_discount: float = 0.5,
                          candidates: Sequence[int] | None = None,
                          params: SolveParams | None = None) -> SiteChoice:
    """Choose the villages hosting a service station (村级服务站), quotas as hard constraints.

    Two exact stages over the village-level points (:func:`solve_max_covering`):
    first the most people living within ``radius_m`` of a station, then,
    among those optimal choices, the least daily site cost (existing post /
    co-op / courier points cost ``1 − existing_discount`` as much, so they
    are preferred). Quotas: at least ⌈share × N⌉ administrative villages
    (kind ``"village"``; communities never count) and ⌈share × N_poor⌉ poor
    administrative villages host a station.

    Parameters
    ----------
    min_share_villages, min_share_poor
        Quotas in [0, 1] (贵州 2017: ≥ 50% and ≥ 50%).
    radius_m
        Road distance within which a station serves a village's people.
    n_stations
        Number of stations (default: the least meeting both quotas).
    cost_per_day
        Yuan per day of a new station (assumed default, not a survey).
    existing_discount
        Share of the cost saved at an existing site, in [0, 1].
    candidates
        Points allowed to host (default: every village-level point).

    Raises
    ------
    InfeasibleError
        A quota cannot be met, with the figures (checked before solving).

    Examples
    --------
    >>> inp = SitingInput.from_arrays(
    ...     point_ids=["a", "b", "c", "d"], kinds=["village"] * 4, township_ids=["t"] * 4,
    ...     poor=[True, False, False, True], population=[100, 900, 50, 50],
    ...     distance_m=[[0, 1e3, 9e3, 9e3], [1e3, 0, 9e3, 9e3], [9e3, 9e3, 0, 1e3],
    ...     [9e3, 9e3, 1e3, 0]])
    >>> r = site_village_stations(inp, radius_m=2000)
    >>> r.site_ids, r.metrics["population_covered"]
    (('a', 'd'), 1100.0)
    """
    t0 = _now()
    for name, share in (("min_share_villages", min_share_villages),
                        ("min_share_poor", min_share_poor),
                        ("existing_discount", existing_discount)):
        if not 0 <= share <= 1:
            raise bad_value(name, "in [0, 1]", share)
    vp = inp.village_points
    kinds = np.asarray(inp.kinds)
    cand = vp if candidates is None else np.intersect1d(np.asarray(candidates, int), vp)
    admin = kinds == "village"
    poor = admin & inp.poor
    need_v = math.ceil(min_share_villages * admin.sum() - 1e-9)
    need_p = math.ceil(min_share_poor * poor.sum() - 1e-9)
    _check_village_quotas((int(admin[cand].sum()), int(admin.sum()), need_v, min_share_villages),
                          (int(poor[cand].sum()), int(poor.sum()), need_p, min_share_poor))
    k = max(need_v, need_p, 1) if n_stations is None else n_stations
    if not max(need_v, need_p) <= k <= len(cand):
        raise InfeasibleError(
            f"站点数 {k} 不可行：配额需要至少 {max(need_v, need_p)} 个，候选点只有 {len(cand)} 个",
            f"n_stations={k} is infeasible: the quotas need at least {max(need_v, need_p)} "
            f"and there are {len(cand)} candidates", binding="n_stations")
    pop = _people(inp.population[vp])
    site_cost = cost_per_day * np.where(inp.existing_site[cand], 1 - existing_discount, 1.0)
    quotas = [Quota("administrative villages", np.flatnonzero(admin[cand]).tolist(),
                    max(min_share_villages, 1e-9), group_size=int(admin.sum())),
              Quota("poor villages", np.flatnonzero(poor[cand]).tolist(),
                    max(min_share_poor, 1e-9), group_size=int(poor.sum()))]
    quotas = [q for q, need in zip(quotas, (need_v, need_p), strict=True) if need > 0]
    res = solve_max_covering(inp.distance_m[np.ix_(cand, vp)].T, radius_m, k, weights=pop,
                             site_cost=site_cost, quotas=quotas, params=params)
    sites = cand[list(res.open_sites)]
    covered = res.covered if res.covered is not None else np.zeros(len(vp), bool)
    hosts = np.zeros(inp.n, bool)
    hosts[sites] = True
    metrics = {
        "n_stations": len(sites),
        "village_share_hosting": float(hosts[admin].mean()) if admin.any() else 0.0,
        "poor_share_hosting": float(hosts[poor].mean()) if poor.any() else 0.0,
        "population_covered": float(pop[covered].sum()),
        "population_share_covered": float(pop[covered].sum() / pop.sum()) if pop.sum() else 0.0,
        "existing_sites_reused": int(inp.existing_site[sites].sum()),
    }
    served = vp[covered]
    return _choice("village_station", inp, sites, served, cand[res.assignment[covered]],
                   float(site_cost[list(res.open_sites)].sum()), res, _now() - t0, metrics)


def _check_village_quotas(*groups: tuple[int, int, int, float]) -> None:
    """Refuse quotas the candidates cannot meet, naming the binding one with figures."""
    for (cand, size, need, share), zh, en in zip(
            groups, ("行政村", "贫困村"), ("administrative villages", "poor villages"),
            strict=True):
        if cand < need:
            raise InfeasibleError(
                f"只有 {cand} 个候选村，{zh}共 {size} 个，{100 * share:g}% 需要 {need} 个",
                f"only {cand} candidate villages among {size} {en}; {100 * share:g}% needs "
                f"{need}", binding=en, candidates=cand, group_size=size, required=need)


def _people(pop: np.ndarray) -> np.ndarray:
    """Return population weights; unknown ones count as the median village (warned)."""
    known = np.isfinite(pop)
    if known.all():
        return pop.astype(float)
    if not known.any():
        warnings.warn("各村人口均未知：每村按 1 人计 | no population known: each village counts "
                      "as 1 person", stacklevel=3)
        return np.ones(len(pop))
    n = int((~known).sum())
    warnings.warn(f"{n} 个村人口未知，按其他村的中位数计 | {n} villages have no population: the "
                  "median of the others is used", stacklevel=3)
    return np.where(known, pop, float(np.median(pop[known])))


def _now() -> float:
    import time

    return time.perf_counter()


# --------------------------------------------------------------------------- covering


def _cover_sets(c: np.ndarray, radius: float) -> np.ndarray:
    if not radius >= 0:
        raise bad_value("radius", ">= 0", radius)
    return c <= radius


def _check_cover_quotas(quotas: Sequence[Quota], cover: np.ndarray) -> None:
    coverable = cover.any(axis=1)
    for q in quotas:
        if q.on != "covered":
            continue
        members = list(set(q.members))
        reach = int(coverable[members].sum())
        size = q.group_size if q.group_size is not None else len(members)
        if reach < q.required:
            raise InfeasibleError(
                f"配额“{q.name}”无法满足：{q.name}共 {size} 个，半径内可覆盖的只有 {reach} 个，"
                f"{100 * q.min_share:g}% 需要 {q.required} 个",
                f"quota {q.name!r} cannot be met: only {reach} of {size} {q.name} are within "
                f"the radius of any candidate; {100 * q.min_share:g}% needs {q.required}",
                binding=q.name, coverable=reach, group_size=size, required=q.required)


def solve_max_covering(cost: Any, radius: float, p: int, *, weights: Any = None,
                       site_cost: Any = None, quotas: Sequence[Quota] = (),
                       params: SolveParams | None = None) -> FacilityResult:
    """Maximal covering: open exactly ``p`` sites covering the most client weight.

    Maximises Σ_i w_i z_i with z_i ≤ Σ_{j: c_ij ≤ radius} y_j, Σ y = p, and
    site and coverage quotas (Σ_{i ∈ G} z_i ≥ required). With ``site_cost``
    a second MIP picks, among the solutions of maximal coverage, the one of
    least Σ site_cost_j y_j (lexicographic objective); ``objective`` and
    ``bound`` stay those of the coverage stage.

    Examples
    --------
    >>> cost = [[0, 9, 9], [2, 9, 9], [9, 0, 3], [9, 9, 0]]
    >>> r = solve_max_covering(cost, radius=3, p=2, weights=[1, 1, 1, 5])
    >>> r.open_sites, r.objective
    ((0, 2), 8.0)
    """
    params = params or SolveParams()
    t0 = time.perf_counter()
    c = cost_matrix(cost)
    n, m = c.shape
    w = nonneg_vector(weights, n, "weights", 1.0)
    _, p = cardinality(p, p, m)
    cover = _cover_sets(c, radius)
    check_site_quotas(quotas, np.ones(m, bool), p)
    _check_cover_quotas(quotas, cover)
    integral = is_integral(w)
    mip, y, z = _covering_model(cover, w, p, quotas)
    out = solve_mip(mip, maximize=True, params=params, time_limit_s=params.time_limit_s,
                     integral=integral)
    sites = np.flatnonzero(out.values[y] > 0.5)
    status, bound = out.status, out.bound
    if site_cost is not None:
        sc = nonneg_vector(site_cost, m, "site_cost", 0.0)
        best = float(w[cover[:, sites].any(axis=1)].sum())
        mip.obj = [np.zeros(mip.n_vars)]
        mip.obj[0][y] = sc
        mip.add_row(z, w, best - 1e-6 * max(1.0, best), np.inf)
        left = params.time_limit_s - (time.perf_counter() - t0)
        try:
            out2 = solve_mip(mip, maximize=False, params=params, time_limit_s=left,
                             integral=is_integral(sc))
        except InfeasibleError:
            raise
        except RuralnetError:  # no tie-break solution in time: keep the coverage stage's
            logger.info("max covering: no least-cost solution within %.1f s; the coverage "
                        "stage's sites are kept", left)
            status = "feasible"
        else:
            sites = np.flatnonzero(out2.values[y] > 0.5)
            if out2.status != "optimal":
                status = "feasible"
    return _cover_result("max_covering", status, c, w, cover, sites, bound, t0, params)


def _covering_model(cover: np.ndarray, w: np.ndarray, p: int,
                    quotas: Sequence[Quota]) -> tuple[Mip, np.ndarray, np.ndarray]:
    n, m = cover.shape
    mip = Mip()
    y = mip.add_vars(m, 0, 1, True)
    z = mip.add_vars(n, 0, 1, False, w)
    ci, cj = np.nonzero(cover)
    mip.add_rows(np.concatenate([np.arange(n), ci]), np.concatenate([z, y[cj]]),
                 np.concatenate([np.ones(n), -np.ones(len(ci))]), -np.inf, 0.0, n)
    mip.add_row(y, 1.0, p, p)
    add_site_quotas(mip, y, quotas)
    for q in quotas:
        if q.on == "covered":
            mip.add_row(z[list(set(q.members))], 1.0, q.required, np.inf)
    return mip, y, z


def _cover_result(model: str, status: Status, c: np.ndarray, w: np.ndarray, cover: np.ndarray,
                  sites: np.ndarray, bound: float, t0: float, params: SolveParams,
                  objective: float | None = None) -> FacilityResult:
    covered = cover[:, sites].any(axis=1) if len(sites) else np.zeros(len(c), bool)
    assignment = np.where(covered, nearest_open(c, sites), -1) if len(sites) else \
        np.full(len(c), -1)
    obj = float(w[covered].sum()) if objective is None else objective
    if status == "optimal":
        bound = obj
    return FacilityResult(model, status, obj, float(bound), tuple(sites.tolist()),
                          assignment, time.perf_counter() - t0, params.solver, covered=covered)


def solve_set_covering(cost: Any, radius: float, *, site_cost: Any = None,
                       quotas: Sequence[Quota] = (),
                       params: SolveParams | None = None) -> FacilityResult:
    """Set covering: the cheapest set of sites leaving no client beyond ``radius``.

    Minimises Σ_j s_j y_j (default s = 1: fewest sites) subject to
    Σ_{j: c_ij ≤ radius} y_j ≥ 1 for every client, and site quotas.

    Raises
    ------
    InfeasibleError
        Some client has no candidate within the radius (listed).

    Examples
    --------
    >>> r = solve_set_covering([[0, 9], [2, 9], [9, 0]], radius=3)
    >>> r.open_sites, r.objective
    ((0, 1), 2.0)
    """
    params = params or SolveParams()
    t0 = time.perf_counter()
    c = cost_matrix(cost)
    n, m = c.shape
    s = nonneg_vector(site_cost, m, "site_cost", 1.0)
    cover = _cover_sets(c, radius)
    bare = np.flatnonzero(~cover.any(axis=1))
    if len(bare):
        shown = bare[:10].tolist()
        raise InfeasibleError(
            f"{len(bare)} 个需求点在半径 {radius:g} 内没有候选点：{shown}",
            f"{len(bare)} clients have no candidate within radius {radius:g}: {shown}",
            binding="radius", clients=bare.tolist())
    if any(q.on != "sites" for q in quotas):
        raise bad_value("quotas", "on='sites' for set covering (every client is covered)",
                   [q.on for q in quotas])
    check_site_quotas(quotas, np.ones(m, bool), m)
    mip = Mip()
    y = mip.add_vars(m, 0, 1, True, s)
    ci, cj = np.nonzero(cover)
    mip.add_rows(ci, y[cj], 1.0, 1.0, np.inf, n)
    add_site_quotas(mip, y, quotas)
    out = solve_mip(mip, maximize=False, params=params, time_limit_s=params.time_limit_s,
                     integral=is_integral(s))
    sites = np.flatnonzero(out.values[y] > 0.5)
    obj = float(s[sites].sum())
    return _cover_result("set_covering", out.status, c, np.ones(n), cover, sites, out.bound,
                         t0, params, objective=obj)


# --------------------------------------------------------------------------- geodataframe door


def haversine_m(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> np.ndarray:
    """Great-circle distance in metres between every point 1 and every point 2.

    Examples
    --------
    >>> round(float(haversine_m([118.0], [25.0], [118.0], [26.0])[0, 0]))
    111195
    """
    return _haversine(np.asarray(lon1, float)[:, None], np.asarray(lat1, float)[:, None],
                      np.asarray(lon2, float)[None, :], np.asarray(lat2, float)[None, :])


def solve_from_geodataframe(solver: Any, clients: Any, candidates: Any, *, detour: float = 1.0,
                            **kwargs: Any) -> FacilityResult:
    """Run a siting model on point GeoDataFrames (spopt's ``from_geodataframe`` door).

    The cost matrix is the great-circle distance in metres times ``detour``
    (straight-line estimate: pass a road matrix to the solver itself when you
    have one). The result keeps both geometries for ``to_geodataframe()``.

    Raises
    ------
    ValueError
        A frame has no CRS, non-point geometry or ``detour < 1``.
    """
    if not detour >= 1:
        raise bad_value("detour", ">= 1", detour)
    pts = []
    for label, gdf in (("clients", clients), ("candidates", candidates)):
        if gdf.crs is None:
            raise ValueError(f"{label} has no CRS: set one, e.g. gdf.set_crs('EPSG:4326')")
        if not (gdf.geom_type == "Point").all():
            raise ValueError(f"{label} must hold points, got {sorted(set(gdf.geom_type))}")
        pts.append(gdf.geometry.to_crs("EPSG:4326"))
    cost = haversine_m(pts[0].x, pts[0].y, pts[1].x, pts[1].y) * detour
    res = solver(cost, **kwargs)
    return _with_geometry(res, pts[1], pts[0])


def _with_geometry(res: FacilityResult, candidates: Any, clients: Any) -> FacilityResult:
    from dataclasses import replace

    return replace(res, candidate_geometry=candidates, client_geometry=clients)

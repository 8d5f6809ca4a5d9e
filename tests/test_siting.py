"""Tests of ruralnet.siting.county and its engine ruralnet.siting.facility.

Tiny instances are checked against brute-force enumeration; hypothesis draws
the instances, so each property is tried on many small cost matrices.
"""

from __future__ import annotations

import itertools
import time

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ruralnet.exceptions import InfeasibleError
from ruralnet.siting import facility as _facility
from ruralnet.siting.county import (
    Quota,
    SitingInput,
    SolveParams,
    site_county_warehouses,
    site_township_stations,
    site_village_stations,
    solve_capacitated_facility_location,
    solve_facility_location,
    solve_from_geodataframe,
    solve_max_covering,
    solve_p_median,
    solve_set_covering,
)

FAST = settings(max_examples=30, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


@st.composite
def cost_matrices(draw, max_clients=6, max_sites=5):
    """A small integer cost matrix (clients × candidates) and client weights."""
    n = draw(st.integers(1, max_clients))
    m = draw(st.integers(1, max_sites))
    cost = np.array(draw(st.lists(st.integers(0, 20), min_size=n * m, max_size=n * m)),
                    float).reshape(n, m)
    weights = np.array(draw(st.lists(st.integers(0, 5), min_size=n, max_size=n)), float)
    return cost, weights


def _ufl_brute(cost, w, fixed, lo, hi, quota=None):
    best = np.inf
    for k in range(max(lo, 1), hi + 1):
        for s in itertools.combinations(range(cost.shape[1]), k):
            if quota and len(set(s) & set(quota.members)) < quota.required:
                continue
            best = min(best, fixed[list(s)].sum() + (w * cost[:, list(s)].min(axis=1)).sum())
    return best


@FAST
@given(cost_matrices(), st.data(), st.booleans())
def test_p_median_matches_enumeration(inst, data, preprocess):
    """p-median objective equals the brute-force optimum, with or without preprocessing."""
    cost, w = inst
    p = data.draw(st.integers(1, cost.shape[1]))
    r = solve_p_median(cost, p, weights=w, params=SolveParams(preprocess=preprocess))
    assert r.status == "optimal"
    assert len(r.open_sites) == p
    assert r.objective == pytest.approx(_ufl_brute(cost, w, np.zeros(cost.shape[1]), p, p))
    assert r.bound <= r.objective + 1e-6


@FAST
@given(cost_matrices(), st.data())
def test_facility_location_matches_enumeration(inst, data):
    """Fixed costs and 1..k open sites: objective equals the brute-force optimum."""
    cost, w = inst
    m = cost.shape[1]
    fixed = np.array(data.draw(st.lists(st.integers(0, 30), min_size=m, max_size=m)), float)
    hi = data.draw(st.integers(1, m))
    r = solve_facility_location(cost, weights=w, fixed_cost=fixed, min_open=1, max_open=hi)
    assert 1 <= len(r.open_sites) <= hi
    assert r.objective == pytest.approx(_ufl_brute(cost, w, fixed, 1, hi))


@FAST
@given(cost_matrices(max_sites=5), st.data())
def test_p_median_site_quota_is_met_at_least_cost(inst, data):
    """A site quota holds and the objective is the best among the solutions meeting it."""
    cost, w = inst
    m = cost.shape[1]
    p = data.draw(st.integers(1, m))
    members = tuple(data.draw(st.sets(st.integers(0, m - 1), min_size=1)))
    q = Quota("group", members, 0.5)
    if q.required > p:
        with pytest.raises(InfeasibleError, match="at most"):
            solve_p_median(cost, p, weights=w, quotas=[q])
        return
    r = solve_p_median(cost, p, weights=w, quotas=[q])
    assert len(set(r.open_sites) & set(members)) >= q.required
    assert r.objective == pytest.approx(_ufl_brute(cost, w, np.zeros(m), p, p, q))


@FAST
@given(cost_matrices(), st.data())
def test_forbidden_pairs_are_never_used(inst, data):
    """np.inf pairs (unreachable) are avoided and the optimum still matches enumeration."""
    cost, w = inst
    n, m = cost.shape
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=n * m, max_size=n * m)))
    cost = np.where(mask.reshape(n, m), np.inf, cost)
    cost[:, 0] = np.where(np.isfinite(cost).any(axis=1), cost[:, 0], 7.0)  # keep each reachable
    p = data.draw(st.integers(1, m))
    with np.errstate(invalid="ignore"):
        best = _ufl_brute(np.where(np.isinf(cost), 1e9, cost), w + 1, np.zeros(m), p, p)
    if best >= 1e9:  # no p sites reach every client together
        with pytest.raises(InfeasibleError, match="the model is infeasible"):
            solve_p_median(cost, p, weights=w + 1)
        return
    r = solve_p_median(cost, p, weights=w + 1)
    assert np.isfinite(cost[np.arange(n), r.assignment]).all()
    assert r.objective == pytest.approx(best)


def test_lagrangian_reduction_agrees_with_plain_mip_on_a_larger_instance():
    """On 60 random points the reduced and the plain model prove the same optimum."""
    rng = np.random.default_rng(3)
    xy = rng.integers(0, 1000, size=(60, 2))
    cost = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)))
    a = solve_p_median(cost, 4, params=SolveParams(preprocess=True))
    b = solve_p_median(cost, 4, params=SolveParams(preprocess=False))
    assert a.status == b.status == "optimal"
    assert a.objective == b.objective
    assert a.solver == "highs+lagrangian" and b.solver == "highs"


@st.composite
def probing_cases(draw):
    """A cost matrix with fixed costs, site-count bounds, and a weak starting bound.

    Sizes (up to 9 clients × 7 sites) make the Lagrangian gap open often
    enough for probing to run, while enumeration stays cheap.
    """
    n, m = draw(st.integers(2, 9)), draw(st.integers(2, 7))
    cost = np.array(draw(st.lists(st.integers(0, 30), min_size=n * m, max_size=n * m)),
                    float).reshape(n, m)
    w = np.array(draw(st.lists(st.integers(0, 4), min_size=n, max_size=n)), float)
    f = np.array(draw(st.lists(st.sampled_from([0, 0, 5, 12, 40]), min_size=m, max_size=m)),
                 float)
    hi = draw(st.integers(1, m))
    lo = draw(st.integers(1, hi))
    return cost * w[:, None], f, lo, hi


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(probing_cases(), st.booleans())
def test_probing_closes_only_candidates_that_cannot_beat_the_incumbent(case, start_optimal):
    """A closed site is in no solution cheaper than the incumbent; lb <= optimum <= ub."""
    wc, f, lo, hi = case
    m = wc.shape[1]
    costs = {s: f[list(s)].sum() + wc[:, list(s)].min(axis=1).sum()
             for k in range(lo, hi + 1) for s in itertools.combinations(range(m), k)}
    opt = min(costs.values())
    start = min(costs, key=costs.get) if start_optimal else tuple(range(lo))
    ub = costs[start]
    # a one-iteration root (deadline already passed) leaves the work to probing
    root = _facility._lagrangian(wc, f, lo, hi, ub, np.array(start), True, 0.0)
    lag = _facility._probe(wc, f, lo, hi, root, True, time.perf_counter() + 10)
    assert lag.lb <= opt + 1e-6 <= lag.ub + 2e-6
    assert lag.ub == pytest.approx(costs[tuple(int(j) for j in lag.best)])
    for j in np.flatnonzero(lag.closed):
        assert min(c for s, c in costs.items() if j in s) >= lag.ub - 1e-6


@FAST
@given(st.integers(0, 10_000), st.integers(1, 4))
def test_p_median_on_random_plane_points_matches_enumeration(seed, p):
    """12 points, integer distances: the probed model proves the brute-force optimum."""
    xy = np.random.default_rng(seed).integers(0, 100, size=(12, 2))
    cost = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)))
    r = solve_p_median(cost, p)
    assert r.status == "optimal" and len(r.open_sites) == p
    assert r.objective == _ufl_brute(cost, np.ones(12), np.zeros(12), p, p)
    assert r.bound == r.objective


def test_probing_proves_a_small_p_instance_the_root_bound_leaves_open():
    """120 random points, p = 3 (root gap 17): probed and plain model prove the same optimum."""
    rng = np.random.default_rng(1)
    xy = rng.integers(0, 1000, size=(120, 2))
    cost = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)))
    a = solve_p_median(cost, 3)
    b = solve_p_median(cost, 3, params=SolveParams(preprocess=False, time_limit_s=60))
    assert a.status == b.status == "optimal"
    assert a.objective == b.objective and a.bound == a.objective


def test_time_limit_returns_the_best_solution_with_its_proven_gap():
    """A hard random (non-metric) instance stops at the limit: feasible, bound < objective."""
    cost = np.random.default_rng(0).integers(1, 100, size=(150, 150)).astype(float)
    # numba compiles the tree's node bound on its first call (about 10 s with a cold cache,
    # once per install): that is not search time, so compile it before the timed call
    from ruralnet.siting import lagrange_kernel

    lagrange_kernel.ensure_compiled()
    r = solve_p_median(cost, 5, params=SolveParams(time_limit_s=0.3))
    assert r.status == "feasible"
    assert len(r.open_sites) == 5
    assert 0 < r.bound < r.objective
    assert r.gap == pytest.approx((r.objective - r.bound) / r.objective)
    assert r.objective == pytest.approx(cost[:, list(r.open_sites)].min(axis=1).sum())
    assert r.solve_time_s < 5


@FAST
@given(cost_matrices(max_clients=5, max_sites=3), st.data())
def test_capacitated_model_respects_capacity_and_matches_enumeration(inst, data):
    """Single-sourcing CFLP: loads within capacity and objective equals enumeration."""
    cost, _ = inst
    n, m = cost.shape
    demand = np.array(data.draw(st.lists(st.integers(1, 4), min_size=n, max_size=n)), float)
    cap = np.array(data.draw(st.lists(st.integers(1, 12), min_size=m, max_size=m)), float)
    fixed = np.array(data.draw(st.lists(st.integers(0, 10), min_size=m, max_size=m)), float)
    best = np.inf
    for assign in itertools.product(range(m), repeat=n):
        load = np.bincount(assign, weights=demand, minlength=m)
        if (load <= cap).all():
            used = sorted(set(assign))
            best = min(best, fixed[used].sum() + (demand * cost[np.arange(n), assign]).sum())
    if not np.isfinite(best):
        with pytest.raises(InfeasibleError):
            solve_capacitated_facility_location(cost, demand, cap, fixed_cost=fixed)
        return
    r = solve_capacitated_facility_location(cost, demand, cap, fixed_cost=fixed)
    load = np.bincount(r.assignment, weights=demand, minlength=m)
    assert (load <= cap + 1e-9).all()
    assert set(r.assignment) <= set(r.open_sites)
    assert r.objective == pytest.approx(best)


def test_capacitated_model_refuses_demand_above_total_capacity():
    """The capacity check runs before solving and gives both figures."""
    with pytest.raises(InfeasibleError, match=r"total demand 9 exceeds the capacity 8"):
        solve_capacitated_facility_location([[1, 1]] * 3, [3, 3, 3], [4, 4])


@FAST
@given(cost_matrices(), st.data())
def test_max_covering_matches_enumeration(inst, data):
    """Covered weight equals the best over all p-subsets, and coverage flags agree."""
    cost, w = inst
    m = cost.shape[1]
    p = data.draw(st.integers(1, m))
    radius = data.draw(st.integers(0, 20))
    best = max(w[(cost[:, list(s)] <= radius).any(axis=1)].sum()
               for s in itertools.combinations(range(m), p))
    r = solve_max_covering(cost, radius, p, weights=w)
    assert r.objective == pytest.approx(best)
    assert np.array_equal(r.covered, (cost[:, list(r.open_sites)] <= radius).any(axis=1))
    assert 0 <= r.covered.mean() <= 1


def test_max_covering_breaks_ties_by_site_cost():
    """Two sites cover the same people; the cheaper one is chosen."""
    cost = [[0, 0], [1, 1]]
    r = solve_max_covering(cost, 1, 1, site_cost=[5, 2])
    assert r.open_sites == (1,)


@FAST
@given(cost_matrices(), st.integers(0, 20))
def test_set_covering_matches_enumeration(inst, radius):
    """Fewest sites covering everyone equals enumeration; infeasible radius raises."""
    cost, _ = inst
    m = cost.shape[1]
    if not (cost <= radius).any(axis=1).all():
        with pytest.raises(InfeasibleError, match="no candidate within radius"):
            solve_set_covering(cost, radius)
        return
    best = min(k for k in range(1, m + 1) for s in itertools.combinations(range(m), k)
               if (cost[:, list(s)] <= radius).any(axis=1).all())
    r = solve_set_covering(cost, radius)
    assert r.objective == best
    assert r.covered.all()


def test_unreachable_client_is_named():
    """A client with only infinite costs raises, naming it."""
    with pytest.raises(InfeasibleError, match=r"1 clients have no usable candidate.*\[1\]"):
        solve_p_median([[1, 2], [np.inf, np.inf]], 1)


def test_params_and_quota_validate_their_fields():
    """Bad settings name the field and the allowed range."""
    with pytest.raises(ValueError, match=r"time_limit_s must be > 0, got -1"):
        SolveParams(time_limit_s=-1)
    with pytest.raises(ValueError, match=r"solver must be one of"):
        SolveParams(solver="cplex")
    with pytest.raises(ValueError, match=r"Quota.min_share must be in \(0, 1\]"):
        Quota("x", (1,), 1.5)


def test_results_are_deterministic():
    """Same input, same answer (p-median and village stations)."""
    rng = np.random.default_rng(0)
    cost = rng.integers(0, 50, size=(30, 30)).astype(float)
    assert solve_p_median(cost, 3).open_sites == solve_p_median(cost, 3).open_sites
    inp = _county()
    assert site_village_stations(inp).sites == site_village_stations(inp).sites


def test_geodataframe_door_returns_sites_with_geometry():
    """Point frames in, a GeoDataFrame of the open sites out."""
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([118.0, 118.01, 118.5, 118.51],
                                                       [25.0, 25.0, 25.0, 25.0]),
                           crs="EPSG:4326")
    r = solve_from_geodataframe(solve_p_median, pts, pts, p=2)
    gdf = r.to_geodataframe()
    assert sorted(gdf["n_clients"]) == [2, 2]
    assert gdf.crs.to_epsg() == 4326
    with pytest.raises(ValueError, match="no CRS"):
        solve_from_geodataframe(solve_p_median, pts.set_crs(None, allow_override=True), pts, p=1)
    with pytest.raises(ValueError, match="no geometry known"):
        solve_p_median([[0]], 1).to_geodataframe()


# --------------------------------------------------------------------------- county level


def _county(poor=(True, False, True, False), existing=(False, False, False, True)):
    """County seat C, two townships a/b with seats Ta/Tb and two villages each + 1 community.

    Points lie on a line (km): C 0, Ta 10, a1 11, a2 13, Tb -10, b1 -11, b2 -14,
    community ac 12 (township a).
    """
    km = np.array([0, 10, -10, 11, 13, -11, -14, 12], float)
    return SitingInput.from_arrays(
        point_ids=["C", "Ta", "Tb", "a1", "a2", "b1", "b2", "ac"],
        kinds=["county_seat", "township_seat", "township_seat", "village", "village",
               "village", "village", "community"],
        township_ids=["", "a", "b", "a", "a", "b", "b", "a"],
        poor=[False, False, False, *poor, False],
        population=[0, 0, 0, 100, 200, 300, 400, 5000],
        existing_site=[False, False, False, *existing, False],
        parcels_per_day=[0, 0, 0, 10, 20, 30, 40, 50],
        distance_m=np.abs(km[:, None] - km[None, :]) * 1000)


def test_one_station_per_township_chosen_inside_it():
    """Each township gets exactly one station among its own points, at least cost."""
    inp = _county()
    r = site_township_stations(inp, fixed_cost_per_day=0.0, yuan_per_parcel_km=1.0)
    towns = [inp.township_ids[s] for s in r.sites]
    assert sorted(towns) == ["a", "b"]
    # township a: parcels a1 10 @11, a2 20 @13, ac 50 @12 → the community at 12 is the median
    assert r.site_ids == ("ac", "b2")
    assert r.daily_cost_yuan == pytest.approx(10 * 1 + 20 * 1 + 30 * 3)
    assert r.assignment["a1"] == "ac"


def test_township_without_candidate_raises():
    """A township with no allowed point is named in the error."""
    with pytest.raises(InfeasibleError, match="township b has no candidate"):
        site_township_stations(_county(), candidates=[1, 3, 4])


def test_warehouses_open_one_or_two_as_costs_dictate():
    """Cheap warehouses: one per side; dear ones: one, at the demand-weighted median Ta."""
    inp = _county()
    two = site_county_warehouses(inp, fixed_cost_per_day=1.0, yuan_per_parcel_km=1.0)
    assert two.site_ids == ("Ta", "Tb")
    one = site_county_warehouses(inp, fixed_cost_per_day=1e6, yuan_per_parcel_km=1.0)
    # township a sends 80 parcels, b 70: Ta (70 × 20 km) beats the seat C (80 × 10 + 70 × 10)
    assert one.site_ids == ("Ta",)
    assert one.assignment == {"Ta": "Ta", "Tb": "Ta"}
    assert one.daily_cost_yuan == pytest.approx(1e6 + 70 * 20)


def test_village_stations_meet_both_quotas_and_skip_communities():
    """Quotas count administrative villages only; the populous community cannot fill them."""
    inp = _county()
    r = site_village_stations(inp, radius_m=1500, n_stations=2)
    kinds = [inp.kinds[s] for s in r.sites]
    assert kinds.count("village") >= 2
    assert r.metrics["village_share_hosting"] >= 0.5
    assert r.metrics["poor_share_hosting"] >= 0.5
    # without the quota the community (5,000 people) would be picked
    free = site_village_stations(inp, radius_m=1500, n_stations=2, min_share_villages=0,
                                 min_share_poor=0)
    assert "ac" in free.site_ids


def test_village_stations_prefer_existing_sites_at_equal_coverage():
    """b1 and b2 cover the same people within 5 km; the existing point b2 is reused."""
    inp = _county(poor=(False,) * 4, existing=(False, False, False, True))
    r = site_village_stations(inp, radius_m=5000, n_stations=2, min_share_poor=0)
    assert "b2" in r.site_ids
    assert r.metrics["existing_sites_reused"] == 1


def test_village_station_quota_infeasibility_names_the_quota_with_figures():
    """Too few candidate poor villages: the poor-village quota is reported with numbers."""
    inp = _county(poor=(False, True, True, True))
    with pytest.raises(InfeasibleError,
                       match=r"只有 1 个候选村，贫困村共 3 个，50% 需要 2 个 \| only 1 candidate "
                             r"villages among 3 poor villages; 50% needs 2"):
        site_village_stations(inp, candidates=[3, 4])  # a1 (not poor) and a2 (poor)
    with pytest.raises(InfeasibleError, match=r"among 4 administrative villages; 50% needs 2"):
        site_village_stations(inp, candidates=[3, 7])  # one village and one community


def test_village_stations_warn_when_population_unknown():
    """Unknown populations are flagged, not silently zero."""
    inp = _county()
    pop = inp.population.copy()
    pop[3] = np.nan
    odd = SitingInput.from_arrays(point_ids=inp.point_ids, kinds=inp.kinds,
                                  township_ids=inp.township_ids, distance_m=inp.distance_m,
                                  poor=inp.poor, population=pop)
    with pytest.warns(UserWarning, match="1 villages have no population"):
        site_village_stations(odd)


def test_siting_input_checks_matrix_shape():
    """A matrix that does not match the points is refused with its shape."""
    with pytest.raises(ValueError, match=r"distance_m must be of shape \(2, 2\)"):
        SitingInput.from_arrays(point_ids=["a", "b"], kinds=["village"] * 2,
                                township_ids=["t", "t"], distance_m=np.zeros((3, 3)))


def test_anxi_default_solves_to_proven_optimality_within_ten_seconds(anxi):
    """安溪 (24 townships, 443 villages + 45 communities): every level optimal, ≤ 10 s."""
    from ruralnet.plan.assemble import county_points
    from ruralnet.roads.matrix import travel_matrix
    from ruralnet.roads.network import synthetic_network

    pts = county_points(anxi)
    tm = travel_matrix(synthetic_network(anxi, seed=0), pts.gdf, id_column="id",
                       cache_dir=None)
    inp = SitingInput.from_county(anxi, tm.distance_m)
    t0 = time.perf_counter()
    st_ = site_township_stations(inp)
    wh = site_county_warehouses(inp, stations=st_.sites)
    with pytest.warns(UserWarning, match="no population known"):
        vs = site_village_stations(inp)
    assert time.perf_counter() - t0 <= 10
    assert {st_.status, wh.status, vs.status} == {"optimal"}
    assert len(st_.sites) == 24 and 1 <= len(wh.sites) <= 2
    assert vs.metrics["village_share_hosting"] >= 0.5


def test_site_choice_becomes_a_layer_with_the_site_geometry():
    """Chosen stations come back as points at their sites, with the villages they serve."""
    inp = _county()
    r = site_township_stations(inp, fixed_cost_per_day=0.0, yuan_per_parcel_km=1.0)
    pts = gpd.GeoDataFrame({"id": list(inp.point_ids)},
                           geometry=gpd.points_from_xy(np.arange(inp.n), np.zeros(inp.n)),
                           crs="EPSG:4326")
    gdf = r.to_geodataframe(pts)
    assert list(gdf["id"]) == ["ac", "b2"]
    assert list(gdf.geometry.x) == [7.0, 6.0]
    assert list(gdf["n_served"]) == [3, 2]
    with pytest.raises(ValueError, match="GeoDataFrame with a CRS"):
        r.to_geodataframe(pts.drop(columns="geometry"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.integers(2, 5), st.booleans(), st.booleans())
def test_branch_and_bound_alone_finds_the_enumerated_optimum(seed, p, fixed, compiled):
    """The tree from a poor incumbent (the p worst sites), every site live: the optimum.

    Both node-bound loops: the numba one and the numpy one it replaces.
    """
    from ruralnet.siting.branching import branch_and_bound

    rng = np.random.default_rng(seed)
    wc = rng.integers(0, 50, size=(16, 9)).astype(float)
    f = rng.integers(0, 30, size=9).astype(float) if fixed else np.zeros(9)
    worst = np.argsort(-wc.sum(axis=0))[:p]
    ub = float(f[worst].sum() + wc[:, worst].min(axis=1).sum())
    r = branch_and_bound(wc, f, p, np.arange(9), ub, worst, wc.min(axis=1), True,
                         time.perf_counter() + 30, compiled=compiled)
    assert r.complete
    assert r.cost == _ufl_brute(wc, np.ones(16), f, p, p)
    assert r.cost == f[r.sites].sum() + wc[:, r.sites].min(axis=1).sum()


def test_compiling_the_node_loop_does_not_eat_the_tree_deadline(monkeypatch):
    """A first call compiles the numba loop (≈ 10 s cold): the deadline moves by that much.

    The deadline given has already passed; a 60 s "compile" moves it 60 s on, so the tree
    still finishes. Without the extension it would stop at its first node, incomplete.
    """
    from ruralnet.siting import lagrange_kernel
    from ruralnet.siting.branching import branch_and_bound

    if not lagrange_kernel.available:
        pytest.skip("numba not installed: the tree uses its numpy loop")
    rng = np.random.default_rng(5)
    wc = rng.integers(0, 50, size=(16, 9)).astype(float)
    worst = np.argsort(-wc.sum(axis=0))[:3]
    ub = float(wc[:, worst].min(axis=1).sum())
    args = (wc, np.zeros(9), 3, np.arange(9), ub, worst, wc.min(axis=1), True)
    assert not branch_and_bound(*args, time.perf_counter() - 1.0, compiled=False).complete
    monkeypatch.setattr(lagrange_kernel, "ensure_compiled", lambda: 60.0)
    assert branch_and_bound(*args, time.perf_counter() - 1.0, compiled=True).complete


@pytest.mark.parametrize("seed", range(3))
def test_small_p_tree_proves_the_enumerated_optimum_with_a_certificate(seed):
    """40 clients × 14 candidates, p = 3, integer costs: tree path, bound = objective."""
    rng = np.random.default_rng(seed)
    cost = rng.integers(0, 80, size=(40, 14)).astype(float)
    w = rng.integers(1, 4, size=40).astype(float)
    r = solve_p_median(cost, 3, weights=w)
    assert r.status == "optimal" and r.bound == r.objective
    assert r.objective == _ufl_brute(cost, w, np.zeros(14), 3, 3)
    assert "Lagrangian bound" in r.certificate
    assert r.solver.startswith("highs+lagrangian")


def test_generated_or_library_look_alike_n300_is_proven():
    """Beasley-recipe instance n = 300, p = 10 (synthetic): proven, equal to the radius core."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from _pmed import generate_pmed

    from ruralnet.siting import radius

    dist, p = generate_pmed(300, 10, 1)
    assert dist.shape == (300, 300) and (dist == dist.T).all() and (np.diag(dist) == 0).all()
    r = solve_p_median(dist, p, params=SolveParams(time_limit_s=60))
    assert r.status == "optimal" and r.bound == r.objective
    assert r.objective == dist[:, list(r.open_sites)].min(axis=1).sum()
    other = radius.solve_p_median(dist, p, params=SolveParams(time_limit_s=120))
    assert other.objective >= r.objective  # no solution beats the proven one
    if other.status == "optimal":
        assert other.objective == r.objective


def test_compiled_node_bound_prices_every_site_as_the_formula_says():
    """One subgradient step of the numba loop: L(λ) = Σλ + base + the r smallest ρ_j."""
    from ruralnet.siting.lagrange_kernel import node_bound

    rng = np.random.default_rng(3)
    wc = rng.integers(0, 60, size=(30, 12)).astype(float)
    f = rng.integers(0, 20, size=12).astype(float)
    lam = rng.uniform(0, 40, 30)
    order = np.argsort(wc, axis=1, kind="stable")
    near = np.take_along_axis(wc, order, axis=1)
    live = np.array([0, 2, 3, 5, 7, 8, 11])
    cap = np.full(30, np.inf)
    lb, lam_out, rho, s = node_bound(near, order, f, live, 4.0, cap, lam, 3, 1e9, True, 1,
                                     2.0, 8)
    want = (f + np.minimum(wc - lam[:, None], 0).sum(axis=0))[live]
    assert rho == pytest.approx(want)
    assert sorted(s.tolist()) == sorted(np.argsort(want)[:3].tolist())
    assert lb == pytest.approx(lam.sum() + 4.0 + np.sort(want)[:3].sum())
    assert (lam_out == lam).all()


def test_generated_look_alike_n300_p5_is_proven_and_equals_the_probing_optimum(monkeypatch):
    """Beasley-recipe n = 300, p = 5 (synthetic): the tree proves it; probing + MIP agrees.

    The second method is the other exact path of :mod:`facility`: forcing each
    candidate open in turn, closing those whose bound reaches the incumbent,
    then the radius MIP over what is left.
    """
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from _pmed import generate_pmed

    from ruralnet.siting import exact

    dist, p = generate_pmed(300, 5, 1)
    r = exact.solve_p_median(dist, p, params=SolveParams(time_limit_s=30))
    assert r.status == "optimal" and r.bound == r.objective
    assert "branch and bound complete" in r.certificate
    assert r.objective == dist[:, list(r.open_sites)].min(axis=1).sum()
    monkeypatch.setattr(_facility, "TREE_MAX_P", 0)  # the probing path instead of the tree
    other = _facility.solve_p_median(dist, p, params=SolveParams(time_limit_s=30))
    assert other.status == "optimal" and "branch and bound" not in other.certificate
    assert other.objective == r.objective


def test_tengzhou_sized_county_siting_is_proven_optimal():
    """1,100 villages in 25 townships (synthetic positions, 滕州's size): every model proven.

    Warehouses (1–2 among the seats, fixed-count trees), 3 transfer sites among
    all 1,100 villages (the p-median core at county scale) and the village
    stations (covering) all end with status optimal and bound = objective.
    """
    rng = np.random.default_rng(19)
    t, v = 25, 1100
    town_xy = rng.uniform(0, 60_000, size=(t, 2))  # synthetic, not a real county
    town_of = rng.integers(0, t, v)
    xy = np.vstack([[30_000, 30_000], town_xy, town_xy[town_of] + rng.normal(0, 3_000, (v, 2))])
    d = 1.3 * np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))
    parcels = np.r_[np.zeros(t + 1), rng.integers(5, 60, v)]
    inp = SitingInput.from_arrays(
        point_ids=[f"p{i}" for i in range(len(xy))],
        kinds=["county_seat"] + ["township_seat"] * t + ["village"] * v,
        township_ids=[""] + [f"t{k}" for k in range(t)] + [f"t{k}" for k in town_of],
        parcels_per_day=parcels, population=np.r_[np.zeros(t + 1), rng.integers(300, 3000, v)],
        poor=np.r_[np.zeros(t + 1, bool), rng.random(v) < 0.15], distance_m=d)
    params = SolveParams(time_limit_s=60)
    wh = site_county_warehouses(inp, params=params)
    assert wh.status == "optimal" and wh.gap == 0
    assert "best of the site counts" in wh.metrics["proof"]
    vil = np.arange(t + 1, t + 1 + v)
    r = solve_p_median(d[np.ix_(vil, vil)] / 1000, 3, weights=parcels[vil], params=params)
    assert r.status == "optimal" and r.bound == pytest.approx(r.objective, rel=1e-9)
    vs = site_village_stations(inp, params=params)
    assert vs.status == "optimal" and vs.gap == 0


@pytest.mark.parametrize("seed", range(3))
def test_exact_door_facility_location_over_a_few_counts_matches_enumeration(seed):
    """1..3 sites with opening costs: best of the fixed-count trees = enumeration, proven."""
    from ruralnet.siting import exact

    rng = np.random.default_rng(40 + seed)
    cost = rng.integers(0, 60, size=(25, 10)).astype(float)
    f = rng.integers(0, 80, size=10).astype(float)
    r = exact.solve_facility_location(cost, fixed_cost=f, min_open=1, max_open=3)
    assert r.status == "optimal" and r.bound == r.objective
    assert r.objective == _ufl_brute(cost, np.ones(25), f, 1, 3)
    assert r.certificate.startswith("best of the site counts")
    big = exact.solve_p_median(cost, 6)  # p > 3 still below TREE_MAX_P: the tree
    assert big.objective == _ufl_brute(cost, np.ones(25), np.zeros(10), 6, 6)

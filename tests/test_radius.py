"""Tests of ruralnet.siting.radius: p-median and facility location by radius refinement."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np
import pytest
from shared_instances import instances

from ruralnet.exceptions import InfeasibleError
from ruralnet.siting.facility import Quota, SolveParams
from ruralnet.siting.radius import solve_facility_location, solve_p_median

PARAMS = SolveParams(time_limit_s=20)


def brute(c, w, f, sizes, quota=None):
    """Cheapest site set by enumeration (sizes: allowed numbers of open sites)."""
    best = np.inf
    for k in sizes:
        for s in itertools.combinations(range(c.shape[1]), k):
            if quota and len(set(s) & set(quota[0])) < quota[1]:
                continue
            best = min(best, f[list(s)].sum() + (w * c[:, list(s)].min(axis=1)).sum())
    return best


@pytest.mark.parametrize("seed", range(6))
def test_p_median_matches_enumeration_on_random_instances(seed):
    """14 clients × 9 candidates, p = 3, integer costs: proven optimum = enumeration."""
    rng = np.random.default_rng(seed)
    c = rng.integers(0, 60, size=(14, 9)).astype(float)
    w = rng.integers(1, 5, size=14).astype(float)
    r = solve_p_median(c, 3, weights=w, params=PARAMS)
    assert r.status == "optimal" and len(r.open_sites) == 3
    assert r.objective == pytest.approx(brute(c, w, np.zeros(9), [3]))
    assert r.bound == pytest.approx(r.objective)


@pytest.mark.parametrize("seed", range(4))
def test_facility_location_matches_enumeration_with_fixed_costs(seed):
    """Fractional costs and opening costs, 1..4 sites: same optimum as enumeration."""
    rng = np.random.default_rng(100 + seed)
    c = rng.uniform(0, 30, size=(12, 8))
    f = rng.uniform(5, 40, size=8)
    r = solve_facility_location(c, fixed_cost=f, min_open=1, max_open=4, params=PARAMS)
    assert r.status == "optimal"
    assert r.objective == pytest.approx(brute(c, np.ones(12), f, range(1, 5)), rel=1e-7)


def test_p_median_honours_a_site_quota():
    """Two of the sites must be among candidates {5, 6, 7}: optimum = constrained enumeration."""
    rng = np.random.default_rng(7)
    c = rng.integers(0, 50, size=(15, 8)).astype(float)
    r = solve_p_median(c, 3, quotas=[Quota("poor", (5, 6, 7), 2 / 3)], params=PARAMS)
    assert len(set(r.open_sites) & {5, 6, 7}) >= 2
    assert r.objective == pytest.approx(brute(c, np.ones(15), np.zeros(8), [3],
                                              ((5, 6, 7), 2)))


def test_forbidden_pairs_are_never_used_and_a_client_without_any_is_refused():
    """inf forbids a pair; a client with only inf is an InfeasibleError naming the count."""
    c = np.array([[0, np.inf, 4], [np.inf, 0, 3], [5, 5, 0]], float)
    r = solve_p_median(c, 2, params=PARAMS)
    assert np.isfinite(r.objective) and r.status == "optimal"
    with pytest.raises(InfeasibleError, match="1 clients have no usable candidate"):
        solve_p_median(np.array([[np.inf, np.inf], [1, 2]]), 1, params=PARAMS)


def test_or_library_pmed1_is_proven_at_its_published_optimum():
    """pmed1 (n = 100, p = 5): 5,819 proven (OR-Library pmedopt)."""
    bench = Path(__file__).resolve().parents[1] / "benchmarks"
    sys.path.insert(0, str(bench))
    from _pmed import read_pmed

    dist, p = read_pmed(instances("pmed") / "pmed1.txt")  # skips (CI: fails) when missing
    r = solve_p_median(dist, p, params=PARAMS)
    assert (r.objective, r.status, r.bound) == (5819.0, "optimal", 5819.0)


def test_radius_certificate_states_the_reduced_bound_met_the_solution():
    """Large p (the radius engine's shape): proven, and the certificate says how."""
    rng = np.random.default_rng(5)
    xy = rng.integers(0, 1000, size=(80, 2))
    cost = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)))
    r = solve_p_median(cost, 25, params=PARAMS)
    assert r.status == "optimal" and r.bound == r.objective
    assert "reduced radius model" in r.certificate
    assert r.certificate.endswith("= cost of the best solution")

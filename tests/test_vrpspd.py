"""VRPSPD through ruralnet's routing interface: the benchmark's reader, evaluator and one solve.

Uses ``../shared/benchmarks/vrpspd`` (skipped when absent, failed in CI) and
``benchmarks/bench_vrpspd.py``; the full benchmark is not run here.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from shared_instances import instances

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from _vrp_readers import Spd, evaluate_spd, read_lkh_tour, read_vrpspd  # noqa: E402
from bench_vrpspd import integer_data, solve_interface, to_problem  # noqa: E402

pytest.importorskip("pyvrp")


def test_evaluator_reproduces_the_lkh3_tours_and_their_tight_duration():
    """SCA3-0 in the matrix convention; CMT13X in double precision with a route of 719.67 <= 720."""
    folder = instances("vrpspd")
    sca = read_vrpspd(folder / "SCA3-0.vrpspd")
    cost, problems = evaluate_spd(sca, read_lkh_tour(folder / "SCA3-0.tour", 51))
    assert problems == [] and cost == pytest.approx(635.6198, abs=1e-9)
    cmt = read_vrpspd(folder / "CMT13X.vrpspd")
    assert (cmt.num_vehicles, cmt.max_duration, cmt.service[0]) == (11, 720.0, 0.0)
    tour = read_lkh_tour(folder / "CMT13X.tour", 121)
    cost, problems = evaluate_spd(cmt, tour)
    assert problems == [] and cost == pytest.approx(1541.1416, abs=1e-4)
    cmt.max_duration = 719.0  # the longest route lasts 719.67: now one route is too long
    assert [p for p in evaluate_spd(cmt, tour)[1] if "lasts" in p]


def test_evaluator_catches_a_peak_load_inside_the_route():
    """Deliveries 6 <= Q and pickups 6 <= Q, but picking up first peaks at 12 > Q = 8."""
    cost = np.array([[0, 1, 1], [1, 0, 1], [1, 1, 0]], float)
    inst = Spd("toy", cost, None, pickup=np.array([0, 6, 0]), delivery=np.array([0, 0, 6]),
               service=np.zeros(3), capacity=8, num_vehicles=1, max_duration=0)
    assert evaluate_spd(inst, [[2, 1]]) == (3.0, [])  # deliver first: load 6, 0, 6
    assert "peak load 12 > 8" in evaluate_spd(inst, [[1, 2]])[1][0]  # load 6, 12, 6


def test_interface_solution_is_feasible_and_its_cost_re_evaluates():
    """CMT6X (50 customers, route limit 200, service 10): interface solve, checked from scratch."""
    inst = read_vrpspd(instances("vrpspd") / "CMT6X.vrpspd")
    dist, dur, service, limit = integer_data(inst)
    assert limit == 600_000 and service[1] == 30_000  # 3000 time units per distance unit
    assert (dur >= np.ceil(inst.cost * 3000 - 1e-6)).all()  # rounded up: never optimistic
    routes = solve_interface(inst, limit=2.0, seed=0)
    assert routes is not None
    cost, problems = evaluate_spd(inst, routes)
    assert problems == []
    integer_cost = sum(int(dist[a, b]) for r in routes
                       for a, b in zip([0] + r, r + [0], strict=True)) / 1e4
    assert cost == pytest.approx(integer_cost, abs=0.5e-4 * (len(routes) + 50))
    assert cost < 1.05 * 555.43  # BKS 555.43: a 2 s run lands within 5 %
    for r in routes:  # the two-way load, walked here once more
        load = int(inst.delivery[r].sum())
        assert load <= inst.capacity
        for c in r:
            load += int(inst.pickup[c]) - int(inst.delivery[c])
            assert load <= inst.capacity


def test_problem_keeps_the_file_integers():
    """The ruralnet problem carries the file's loads and the Dethloff matrix unchanged."""
    inst = read_vrpspd(instances("vrpspd") / "SCA3-0.vrpspd")
    p = to_problem(inst)
    assert (p.distance_m == inst.matrix).all() and not p.duration_s.any()
    assert p.clients[0].pickup_kg == inst.pickup[1] and p.clients[0].delivery_kg == inst.delivery[1]
    assert p.vehicle_types[0].capacity_kg == 8236853 and p.vehicle_types[0].num_available == 4


def test_interface_search_does_not_depend_on_the_units():
    """Loads in units 1,000 times finer and costs 7 times dearer (objective × 7): the
    penalties priced on the data (``pyvrp_engine.penalty_params``) scale along, so the same
    seed and iterations give the same routes."""
    import dataclasses

    from ruralnet.routing import solve_routes
    from ruralnet.routing.model import RoutingParams

    inst = read_vrpspd(instances("vrpspd") / "CMT6X.vrpspd")
    p = to_problem(inst)
    fine = dataclasses.replace(
        p, clients=tuple(dataclasses.replace(c, delivery_kg=c.delivery_kg * 1000,
                                             pickup_kg=c.pickup_kg * 1000) for c in p.clients),
        vehicle_types=tuple(dataclasses.replace(v, capacity_kg=v.capacity_kg * 1000,
                                                cost_per_km=v.cost_per_km * 7)
                            for v in p.vehicle_types))
    params = RoutingParams(engine="pyvrp", time_limit_s=120.0, max_iterations=1500)
    a, b = (solve_routes(q, params, seed=3) for q in (p, fine))
    routes = [sorted([s.client for s in r.stops] for r in x.routes) for x in (a, b)]
    assert routes[0] == routes[1]
    assert b.cost == pytest.approx(7 * a.cost, rel=1e-9)

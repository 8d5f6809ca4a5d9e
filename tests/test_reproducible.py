"""Same inputs, parameters and seed → the same plan.json bytes, under any machine load.

Every search stops on a deterministic budget (iterations, rounds); the wall
clock is only a safety net, and when it bites the plan records it in
``timing_s["safety_limits_hit"]`` (the one section of wall-clock figures)
and in its notes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from ruralnet._clock import clock_bit, watch_clock
from ruralnet.pipeline import plan_county
from ruralnet.plan.build import PlanParams


def _bytes(plan, folder: Path) -> bytes:
    """plan.json as written, without its timing section."""
    path = plan.to_json(folder / "plan.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert "timing_s" in data
    data.pop("timing_s")
    return json.dumps(data, ensure_ascii=False, indent=1).encode()


def _busy_loops(n: int) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]


@pytest.mark.slow
def test_plan_is_byte_identical_with_busy_loops_beside_it(tiny_county, tmp_path):
    """A plan made while two busy-loop processes compete for the cores equals the quiet one."""
    quiet = plan_county(tiny_county, PlanParams(), seed=0)
    assert quiet.data["timing_s"]["safety_limits_hit"] == []
    loops = _busy_loops(2)
    try:
        busy = plan_county(tiny_county, PlanParams(), seed=0)
    finally:
        for p in loops:
            p.kill()
            p.wait()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert _bytes(quiet, tmp_path / "a") == _bytes(busy, tmp_path / "b")


@pytest.mark.slow
def test_a_real_county_plan_is_byte_identical_under_load(tmp_path):
    """双柏 (77 villages), planned quietly and beside two busy loops: the same bytes."""
    quiet = plan_county("双柏", seed=0)
    loops = _busy_loops(2)
    try:
        busy = plan_county("双柏", seed=0)
    finally:
        for p in loops:
            p.kill()
            p.wait()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert _bytes(quiet, tmp_path / "a") == _bytes(busy, tmp_path / "b")
    assert busy.data["timing_s"]["safety_limits_hit"] == []


def test_a_safety_limit_that_bites_is_recorded_in_the_plan(tiny_county):
    """Time limits scaled down until the clock stops PyVRP first: the plan says so."""
    base = PlanParams()
    tiny = replace(base, routing=replace(base.routing, feeder_time_limit_s=1e-4,
                                         trunk_time_limit_s=1e-4, max_iterations=10**6))
    plan = plan_county(tiny_county, tiny, seed=0)
    hits = plan.data["timing_s"]["safety_limits_hit"]
    assert hits and {h["search"] for h in hits} <= {"pyvrp", "ortools"}
    assert all(h["done"] is None or h["done"] < h["budget"] for h in hits)
    assert any("wall-clock safety limit" in n for n in plan.data["notes"])


def test_default_limits_are_safety_nets_far_above_the_budget():
    """The default wall-clock limits are at least 10x what the iteration budgets need here."""
    r = PlanParams().routing
    assert r.max_iterations and r.direct_max_iterations
    assert r.feeder_time_limit_s >= 10 and r.trunk_time_limit_s >= 60


def test_clock_notes_outside_a_plan_are_only_logged():
    """A pure solver call outside watch_clock records nothing anywhere."""
    clock_bit("pyvrp", 0.1, done=1, budget=2)  # must not raise or leak
    with watch_clock() as outer:
        with watch_clock() as inner:
            clock_bit("mip", 1.0)
        assert len(inner) == 1
    assert len(outer) == 1

"""Plan.figures: the plan's figures are computed once per Plan and shared by every caller."""

from __future__ import annotations

from tiny import tiny_plan_dict

import ruralnet.plan.figures as figures_mod
from ruralnet.plan.document import Plan


def test_a_plan_computes_its_figures_once_for_every_caller(monkeypatch):
    """summary(), plan_figures(plan) and figures_of(plan) reuse one PlanFigures; a dict does not."""
    from ruralnet.outputs.served import figures_of

    calls = []
    real = figures_mod._on_paths

    def counting(*a, **k):
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(figures_mod, "_on_paths", counting)
    d = tiny_plan_dict()
    plan = Plan(d)
    first = figures_mod.plan_figures(plan)
    plan.summary()
    assert figures_of(plan) is first and plan.figures is first
    assert len(calls) == 1  # the road paths were scanned once
    fresh = figures_mod.plan_figures(d)  # a plain dict is computed each time, equal figures
    assert fresh == first and fresh is not first and len(calls) == 2
    other = figures_mod.plan_figures(plan, tolerance_m=1e6)  # another tolerance: not the cache
    assert other is not first and len(calls) == 3
    assert len(other.passed_not_stopped) >= len(first.passed_not_stopped)

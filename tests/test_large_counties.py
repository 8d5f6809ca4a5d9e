"""Counties with large townships plan on the embedded default (issue 19: 滕州, 濮阳县, 浦东新区).

Before split deliveries and the larger default trucks, 濮阳县 failed in
seconds with "客户 0 的需求 2220 kg 超过车辆载重 2000 kg": its largest
township needs 2,220 kg a day and the trunk gave each station one 2 t truck.
"""

from __future__ import annotations

import pytest

import ruralnet
from ruralnet.plan.document import validate_plan


@pytest.mark.slow
def test_puyang_county_with_a_2220_kg_township_plans_every_township():
    """濮阳县 (984 行政村): a valid plan, a trunk delivery to every township, ≥ 80 % villages."""
    plan = ruralnet.plan_county(ruralnet.load_county("濮阳县"))
    d = plan.data
    assert validate_plan(plan) == []
    assert d["coverage"]["townships_daily"] == d["coverage"]["townships_total"] == 20
    assert d["coverage"]["village_share"] >= 0.8
    trunk = [r for r in d["routes"] if r["tier"] == "trunk"]
    assert max(r["capacity_kg"] for r in trunk) > 2000  # 7.6 m / 9.6 m trucks joined the fleet
    assert all(s["load_after_kg"] <= r["capacity_kg"] for r in trunk for s in r["stops"])
    assert any("2220 kg" in n for n in d["notes"])  # the note names the township volume

"""The plan-speed benchmark's before/after table (benchmarks/bench_plan_speed.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_plan_speed",
                                                  ROOT / "benchmarks" / "bench_plan_speed.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _row(code: str, cpu: float, wall: float, cost: float, county: str = "安溪") -> dict:
    return {"county": county, "variant": "default", "code": code, "cpu_s": cpu, "wall_s": wall,
            "cost": cost, "coverage": 0.8014, "load_after": "6.50 6.00 5.00",
            "workers": 1 if code == "before" else 2}


def test_before_after_table_pairs_each_county_with_its_baseline(bench, capsys):
    """One markdown row per (county, variant) with both runs; a county without its baseline
    run is left out rather than compared with nothing."""
    bench._before_after_table([_row("before", 27.3, 51.4, 18605.77),
                               _row("after", 24.5, 40.1, 18605.77),
                               _row("after", 54.8, 144.4, 28413.12, county="滕州市")])
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("| county | variant | CPU s before")
    assert lines[2:] == ["| 安溪 | default | 27.3 | 24.5 | 51.4 | 40.1 | 18605.77 | 18605.77 "
                         "| 0.8014 | 0.8014 | 6.50 | 1/2 |"]

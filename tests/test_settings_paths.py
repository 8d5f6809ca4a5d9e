"""Tests of the one helper that finds the shared benchmark instances."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import ruralnet
from ruralnet.settings import benchmarks_dir

REPO = Path(ruralnet.__file__).resolve().parent.parent

CHECK = """
import pytest, sys
sys.path.insert(0, {tests!r})
from shared_instances import instances
def test_missing():
    instances("no-such-set")
"""


def test_default_is_shared_benchmarks_beside_the_repository(monkeypatch):
    """Without the variable the folder is ../shared/benchmarks relative to the repository root."""
    monkeypatch.delenv("RURALNET_BENCHMARKS", raising=False)
    assert benchmarks_dir("pmed") == REPO.parent / "shared" / "benchmarks" / "pmed"


def test_environment_variable_overrides_the_default(monkeypatch, tmp_path):
    """RURALNET_BENCHMARKS points elsewhere."""
    monkeypatch.setenv("RURALNET_BENCHMARKS", str(tmp_path))
    assert benchmarks_dir("lrp-prodhon") == tmp_path / "lrp-prodhon"


def _run_missing(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    test = tmp_path / "test_missing.py"
    test.write_text(CHECK.format(tests=str(REPO / "tests")), encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "RURALNET_BENCHMARKS": str(tmp_path / "nowhere")}
    if ci is not None:
        env["CI"] = ci
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "--rootdir", str(tmp_path), str(test)], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=300)


def test_missing_instances_skip_locally_and_fail_in_ci(tmp_path):
    """A missing benchmark folder skips a test on a laptop and fails it with CI=true."""
    local = _run_missing(tmp_path, None)
    assert local.returncode == 0 and "1 skipped" in local.stdout, local.stdout
    ci = _run_missing(tmp_path, "true")
    assert ci.returncode == 1 and "1 failed" in ci.stdout and "no-such-set" in ci.stdout

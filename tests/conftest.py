"""Shared fixtures and the --runslow option (as in networkx's conftest)."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true", default=False, help="run slow tests")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Keep every test's disk cache out of the user's home folder."""
    from ruralnet.settings import settings

    monkeypatch.setattr(settings, "cache_dir", tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def anxi():
    """The embedded default county 安溪县 (synthetic positions, seed 0)."""
    from ruralnet.geography import load_county

    return load_county("安溪")

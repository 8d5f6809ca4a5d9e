"""Shared fixtures: the embedded default county and the hand-checked tiny plan (tests/tiny.py)."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")


# Tests that plan a whole county or start Dask are marked ``slow``: they run in
# the README's test command (and so in .ci/run); ``python -m pytest -q -m "not
# slow"`` is the fast loop.


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Notebooks plan whole counties: mark them slow."""
    for item in items:
        if str(item.fspath).endswith(".ipynb"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Keep every test's disk cache out of the user's home folder."""
    from ruralnet.settings import settings

    monkeypatch.setattr(settings, "cache_dir", tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def anxi():
    """The embedded default county 安溪县 (synthetic positions, seed 0)."""
    from ruralnet.geo.county import load_county

    return load_county("安溪")


@pytest.fixture(scope="session")
def anxi_plan():
    """``plan_county(load_county("安溪"))`` (seed 0, designed for 安溪2018), planned once.

    Shared read-only by test_pipeline (the API side of CLI = API), test_report
    (page count) and test_scorecard (figures by hand): treat it as read-only,
    deep-copy ``.data`` before changing it. Under ``pytest -n auto --dist
    loadfile`` (the README's test command) it is planned once per worker that
    runs one of those files.
    """
    import ruralnet

    return ruralnet.plan_county(ruralnet.load_county("安溪"))


@pytest.fixture
def tiny_county():
    """The one-township county of the tiny plan (tests/tiny.py)."""
    from tiny import make_tiny_county

    return make_tiny_county()


@pytest.fixture
def tiny_plan_doc():
    """The hand-checked tiny plan document, as a dict (tests/tiny.py)."""
    from tiny import tiny_plan_dict

    return tiny_plan_dict()


@pytest.fixture
def tiny_plan(tiny_plan_doc):
    """The hand-checked tiny plan as a :class:`ruralnet.plan.document.Plan`."""
    from ruralnet.plan.document import Plan

    return Plan(tiny_plan_doc)

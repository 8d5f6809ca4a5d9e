"""Shared fixtures: the embedded default county and the hand-checked tiny plan (tests/tiny.py)."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")


# Tests that plan a whole county or start Dask are marked ``slow``: they run in
# the README's test command (and so in .ci/run); ``python -m pytest -q -m "not
# slow"`` is the fast loop.


# Under ``pytest -n auto --dist loadgroup`` (the README's test command) these modules'
# expensive module-scoped fixtures (a whole county planned by the CLI, a region, an OSM
# extract built and read, an LRP instance solved) would be computed once per worker if
# their tests were spread: each module stays on one worker (its own xdist group).
ONE_WORKER_MODULES = frozenset({"test_cli.py", "test_regional.py", "test_osm_places.py",
                                "test_osm.py", "test_lrp.py", "test_weekly.py",
                                "test_planner.py"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Notebooks plan whole counties: mark them slow. Group modules with costly fixtures."""
    for item in items:
        if str(item.fspath).endswith(".ipynb"):
            item.add_marker(pytest.mark.slow)
        name = item.path.name
        if name in ONE_WORKER_MODULES and item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(name))


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
    deep-copy ``.data`` before changing it. The tests using it are in the
    xdist group ``anxi_plan`` so that, under ``pytest -n``, one worker plans it.
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

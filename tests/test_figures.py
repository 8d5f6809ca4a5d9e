"""Tests for ruralnet.plan.figures: one definition of each village and township figure."""

from __future__ import annotations

import copy

import pytest

from ruralnet.plan.figures import format_percent, format_share, plan_figures


@pytest.fixture
def plan():
    """Four 行政村, one 社区 and one farm: 甲 a stop, 乙 hosts the township station, 丙 on a path.

    丁村 is off every road driven; the 社区 hosts a village station and is a stop.
    """
    return {
        "townships": [{"id": "t1", "name": "一镇"}, {"id": "t2", "name": "二乡"}],
        "villages": [
            {"id": "v1", "name": "甲村", "kind": "village", "lon": 118.00, "lat": 25.0},
            {"id": "v2", "name": "乙村", "kind": "village", "lon": 118.01, "lat": 25.0},
            {"id": "v3", "name": "丙村", "kind": "village", "lon": 118.02, "lat": 25.0},
            {"id": "v4", "name": "丁村", "kind": "village", "lon": 118.50, "lat": 25.5},
            {"id": "c1", "name": "一社区", "kind": "community", "lon": 118.03, "lat": 25.0},
            {"id": "o1", "name": "某农场", "kind": "other", "lon": 118.04, "lat": 25.0},
        ],
        "sites": [
            {"id": "W1", "kind": "county_warehouse", "village_id": None, "township_id": None},
            {"id": "S1", "kind": "township_station", "village_id": "v2", "township_id": "t1"},
            {"id": "P1", "kind": "village_station", "village_id": "v1", "township_id": "t1"},
            {"id": "P2", "kind": "village_station", "village_id": "c1", "township_id": "t1"},
            {"id": "P3", "kind": "village_station", "village_id": "o1", "township_id": "t1"},
        ],
        "routes": [
            {"tier": "direct", "depot_site_id": "W1",
             "stops": [{"site_id": "W1"}, {"site_id": "S1"}, {"village_id": "v1"},
                       {"village_id": "c1"}, {"site_id": "W1"}],
             # drives W1 → 乙 → 甲 → 一社区 and back through 丙 (within a metre of it)
             "path": [[117.99, 25.0], [118.01, 25.0], [118.0, 25.0], [118.03, 25.0],
                      [118.020004, 25.000003], [117.99, 25.0]]},
        ],
    }


def test_daily_served_counts_stops_and_host_villages_of_served_sites(plan):
    """甲 (a stop) and 乙 (hosting the township station a route stops at) are served daily."""
    f = plan_figures(plan)
    assert (f.daily_served, f.daily_by_stop, f.daily_at_site) == (("v1", "v2"), ("v1",), ("v2",))
    assert f.routes_visited == f.daily_served
    assert (f.villages_total, f.communities_total, f.other_total) == (4, 1, 1)
    assert f.share("daily_served") == 50.0
    assert f.format("daily_served") == "2/4 (50.0%)"
    assert f.communities_daily == 1


def test_a_village_a_route_drives_through_is_passed_not_left_out(plan):
    """丙村 lies on the road path without a stop: passed, not stopped; 丁村 is not served."""
    f = plan_figures(plan)
    assert (f.passed_not_stopped, f.not_served) == (("v3",), ("v4",))
    assert "途经未停靠 passed, not stopped (a daily route drives through): 1" in f.lines()[1]
    strict = plan_figures(plan, tolerance_m=0.1)
    assert strict.passed_not_stopped == () and strict.not_served == ("v3", "v4")


def test_station_hosting_counts_administrative_villages_and_reports_the_rest_apart(plan):
    """Of three village stations one is in a 行政村; the 社区 and farm ones are reported apart."""
    f = plan_figures(plan)
    assert f.station_hosting == ("v1",)
    assert f.stations_by_village_kind == {"village": 1, "community": 1, "other": 1, "none": 0}
    assert f.format("station_hosting") == "1/4 (25.0%)"
    assert "stations in 社区 communities 1, in other units 1" in f.lines()[2]


def test_daily_townships_are_those_whose_station_a_trunk_or_direct_route_stops_at(plan):
    """Only 一镇's station is stopped at: 1 of 2 townships; a feeder stop does not count."""
    f = plan_figures(plan)
    assert f.townships_daily == ("t1",)
    assert f.format("townships_daily") == "1/2 (50.0%)"
    feeder_only = copy.deepcopy(plan)
    feeder_only["routes"][0]["tier"] = "feeder"
    assert plan_figures(feeder_only).townships_daily == ()


def test_to_dict_keeps_full_precision_and_formatting_rounds_for_people():
    """Percentages stay exact in to_dict; formatting gives one decimal and a % sign."""
    assert format_percent(100 * 355 / 443) == "80.1%"
    assert format_share(357, 443) == "357/443 (80.6%)"
    doc = {"townships": [], "sites": [], "routes": [],
           "villages": [{"id": f"v{i}", "kind": "village", "lon": 0.0, "lat": 0.0}
                        for i in range(3)]}
    d = plan_figures(doc).to_dict()
    assert d["not_served_pct"] == 100.0 and d["daily_served_pct"] == 0.0
    assert d["villages_total"] == 3


def test_figures_docstring_examples_run():
    """The Examples block of ruralnet.plan.figures passes as a doctest."""
    import doctest

    import ruralnet.plan.figures

    result = doctest.testmod(ruralnet.plan.figures)
    assert result.attempted > 0 and result.failed == 0

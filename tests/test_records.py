"""Tests of ruralnet.plan.records: the typed plan round-trips plan.json losslessly."""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ruralnet.plan.document import Plan, validate_plan
from ruralnet.plan.records import PlanDocument, PlanRoute, Site, Stop, Village


def test_tiny_plan_round_trips_through_the_typed_records(tiny_plan_doc):
    """from_dict then to_dict gives back the very document (and it still validates)."""
    doc = PlanDocument.from_dict(tiny_plan_doc)
    again = doc.to_dict()
    assert again == tiny_plan_doc
    assert json.dumps(again, ensure_ascii=False) == json.dumps(tiny_plan_doc, ensure_ascii=False)
    assert validate_plan(again) == []


def test_typed_attributes_read_the_tiny_plan(tiny_plan):
    """Sites, routes, stops and coverage are attributes, not dict keys."""
    doc = tiny_plan.document
    assert [s.id for s in doc.sites_of("township_station")] == ["S1"]
    feeder = doc.routes_of("feeder")[0]
    assert isinstance(feeder, PlanRoute) and feeder.villages == ("V1", "V2")
    assert feeder.stops[1].load_after_kg == 39 and not feeder.stops[1].is_site
    assert doc.coverage.village_share == 1.0 and doc.costs.total_per_day == 500.0
    assert [v.administrative for v in doc.villages] == [True, True, False]


def test_records_are_frozen(tiny_plan):
    """A typed plan cannot be changed in place."""
    site = tiny_plan.document.sites[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        site.name = "x"  # type: ignore[misc]


def test_unknown_keys_are_kept_in_extra_and_written_back():
    """A newer plan file's extra keys survive reading and writing."""
    d = {"id": "W", "kind": "county_warehouse", "name": "县仓", "lon": 118.0, "lat": 25.0,
         "township_id": None, "village_id": None, "capacity_kg": 9000, "position_source": "user"}
    s = Site.from_dict(d)
    assert s.extra["position_source"] == "user"
    assert s.to_dict() == d


@given(st.floats(0, 1e4), st.floats(0, 1e3), st.booleans(), st.text(min_size=1, max_size=8))
def test_a_stop_round_trips_for_any_values(km, load, at_site, ref):
    """Stop.from_dict(d).to_dict() == d for site and village stops alike."""
    d = {"km_from_prev": km, "travel_min_from_prev": 1.0, "arrive_min": 2.0, "depart_min": 3.0,
         "deliver_kg": 0.0, "pickup_kg": 0.0, "load_after_kg": load,
         ("site_id" if at_site else "village_id"): ref}
    assert Stop.from_dict(d).to_dict() == d


def test_a_village_without_a_poor_flag_round_trips():
    """Optional keys absent in the file stay absent."""
    d = {"id": "V", "name": "甲村", "township_id": "T", "lon": 1.0, "lat": 2.0, "kind": "village"}
    assert Village.from_dict(d).to_dict() == d


def test_plan_summary_reads_the_typed_records(tiny_plan):
    """The bilingual summary gives the counts of the tiny plan."""
    text = Plan(tiny_plan.data).summary()
    assert "村级服务站 village stations: 1" in text and "行政村 villages 2/2 (100.0%)" in text

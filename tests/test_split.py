"""Tests of ruralnet.routing.split (client copies) and ruralnet.plan.fleet (fleet sizing)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ruralnet.exceptions import ParameterError
from ruralnet.plan.build import DEFAULT_FEEDER, DEFAULT_TRUNK
from ruralnet.plan.fleet import LARGE_FEEDER, LARGE_TRUNK, sized_fleets
from ruralnet.routing.split import split_loads

loads = st.lists(st.floats(0, 20000, allow_nan=False), min_size=1, max_size=8)


@settings(deadline=None, max_examples=50)
@given(loads, st.floats(100, 9000))
def test_split_pieces_add_up_and_each_fits_the_vehicle(down, cap):
    """Pieces of a stop sum to its load, each fits, and a split piece is over half a vehicle."""
    pieces = split_loads(down, [d / 3 for d in down], cap)
    for i, d in enumerate(down):
        mine = [p for p in pieces if p.origin == i]
        assert [p.index for p in mine] == list(range(len(mine)))
        assert sum(p.delivery_kg for p in mine) == pytest.approx(d)
        assert sum(p.pickup_kg for p in mine) == pytest.approx(d / 3)
        assert all(p.delivery_kg <= cap * (1 + 1e-9) for p in mine)
        if len(mine) > 1:
            assert mine[0].delivery_kg > cap / 2


def test_split_leaves_a_stop_within_capacity_whole():
    """2,000 kg on a 2,000 kg truck is one visit; 2,001 kg is two of 1,000.5 kg."""
    assert len(split_loads([2000], [0], 2000)) == 1
    assert [p.delivery_kg for p in split_loads([2001], [0], 2000)] == [1000.5, 1000.5]


def test_split_rejects_a_vehicle_without_capacity():
    """capacity_kg 0 is a parameter error naming the field."""
    with pytest.raises(ParameterError, match="capacity_kg"):
        split_loads([10], [0], 0)


def test_default_fleets_grow_only_where_the_county_needs_it():
    """An 安溪-like county keeps the defaults; a 2.7 t township gets 7.6/9.6 m trucks."""
    small = sized_fleets(DEFAULT_TRUNK, DEFAULT_FEEDER, township_kg=[900] * 16,
                         village_kg=[30] * 400, default_trunk=DEFAULT_TRUNK,
                         default_feeder=DEFAULT_FEEDER)
    assert small == (DEFAULT_TRUNK, DEFAULT_FEEDER, [])
    trunk, feeder, notes = sized_fleets(DEFAULT_TRUNK, DEFAULT_FEEDER, township_kg=[2700, 900],
                                        village_kg=[30, 1200], default_trunk=DEFAULT_TRUNK,
                                        default_feeder=DEFAULT_FEEDER)
    assert trunk == DEFAULT_TRUNK + LARGE_TRUNK and feeder == DEFAULT_FEEDER + LARGE_FEEDER
    assert "2700 kg" in notes[0] and "1200 kg" in notes[1]


def test_a_planner_fleet_is_never_changed():
    """A scenario's own fleet stays as written, however large the township."""
    own = DEFAULT_TRUNK[:1]
    mine = (own[0].__class__("自有轻卡", 1500, num_available=2),)
    assert sized_fleets(mine, DEFAULT_FEEDER, township_kg=[9000], village_kg=[30],
                        default_trunk=DEFAULT_TRUNK, default_feeder=DEFAULT_FEEDER)[0] == mine

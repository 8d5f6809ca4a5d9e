"""Tests for ruralnet.programme.selection: the 贵州 2016 provincial county selection."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from ruralnet.cli.targets import select as select_command
from ruralnet.exceptions import InfeasibleError, TargetsError
from ruralnet.programme.selection import load_rules, read_county_facts, select_counties
from ruralnet.settings import settings

EXAMPLE = Path(settings.data_dir) / "examples" / "guizhou_2016_candidates_illustrative.csv"
CRITERIA = ["county_to_township_trips_per_week", "township_to_village_trips_per_week",
            "road_village_share", "broadband_village_share", "ecommerce_firms",
            "online_sales_wan", "national_2016_score"]


def facts(*rows):
    """Facts with (county, prefecture, already_selected, trips, national score)."""
    records = []
    for county, pref, label, trips, score in rows:
        record = dict.fromkeys(CRITERIA, "50")
        record.update(county=county, prefecture=pref, already_selected=label,
                      county_to_township_trips_per_week=str(trips), national_2016_score=score)
        records.append(record)
    return pd.DataFrame(records)


@pytest.fixture(scope="module")
def trips_only():
    """Rules that weigh only county→township dispatches per week (not the nomination order)."""
    return load_rules().with_weights({c: 0.0 for c in CRITERIA[1:]} | {"prefecture_order": 0.0})


@pytest.fixture(scope="module")
def tiny():
    """P1 has three candidates, P2 one excluded, P3 one, and two 省直管 counties."""
    return facts(("a1", "P1", "", 10, "60"), ("a2", "P1", "", 8, "60"), ("a3", "P1", "", 6, "60"),
                 ("b1", "P2", "2015国家级", 9, "60"), ("b2", "P2", "", 1, "60"),
                 ("c1", "P3", "", 7, "60"), ("d1", "省直管", "", 2, "60"),
                 ("d2", "省直管", "", 3, "60"))


def test_rules_come_from_the_2016_notice():
    """12 places, at most 2 per prefecture, 2015 and 2016 national/provincial excluded."""
    rules = load_rules("贵州2016")
    assert (rules.n_selected, rules.max_per_prefecture) == (12, 2)
    assert rules.excluded_labels == ("2015国家级", "2015省级", "2016国家级")
    assert sum(c.weight for c in rules.criteria) == pytest.approx(1.0)


def test_scores_are_min_max_normalised_by_hand(tiny, trips_only):
    """With trips alone, a1 (10) scores 1, b2 (1) scores 0, c1 (7) scores 6/9."""
    table = select_counties(tiny, trips_only, n_selected=4).table.set_index("county")
    assert table.loc["a1", "score"] == 1.0
    assert table.loc["b2", "score"] == 0.0
    assert table.loc["c1", "score"] == pytest.approx(6 / 9, abs=1e-6)


def test_per_prefecture_cap_drops_the_third_county(tiny, trips_only):
    """a3 outscores d2 but is P1's third, so it is not recommended."""
    result = select_counties(tiny, trips_only, n_selected=4)
    table = result.table.set_index("county")
    assert not table.loc["a3", "recommended"]
    assert "prefecture rank 3 > cap 2" in table.loc["a3", "reason"]
    assert result.selected == ("a1", "a2", "c1", "d2")


def test_already_selected_counties_are_excluded(tiny, trips_only):
    """b1, a 2015 national county, is excluded despite 9 dispatches a week."""
    table = select_counties(tiny, trips_only, n_selected=4).table.set_index("county")
    assert not table.loc["b1", "eligible"]
    assert pd.isna(table.loc["b1", "score"])
    assert "excluded (already selected)" in table.loc["b1", "reason"]


def test_directly_administered_counties_are_outside_the_cap(trips_only):
    """Three 省直管 counties may all be recommended."""
    result = select_counties(facts(("d1", "省直管", "", 1, "60"), ("d2", "省直管", "", 2, "60"),
                                   ("d3", "省直管", "", 3, "60")), trips_only, n_selected=3)
    assert result.selected == ("d3", "d2", "d1")


def test_too_few_recommendable_counties_is_infeasible(tiny, trips_only):
    """Seven places for six recommendable counties is refused with the figures."""
    with pytest.raises(InfeasibleError, match="only 6 counties can be recommended \\(at most 2 "
                       "per prefecture, 1 already selected\\), fewer than the 7 places"):
        select_counties(tiny, trips_only, n_selected=7)


def test_example_file_selects_twelve_with_at_most_two_per_prefecture():
    """The illustrative 贵州 candidates give 12 selected, ≤2 per prefecture, none excluded."""
    result = select_counties(EXAMPLE)
    table = result.table
    chosen = table[table["selected"]]
    assert len(result.selected) == 12 == len(chosen)
    counts = chosen[chosen["prefecture"] != "省直管"].groupby("prefecture").size()
    assert counts.max() <= 2
    assert (chosen["already_selected"] == "").all()
    assert table[table["recommended"]].groupby("prefecture").size().drop("省直管").max() <= 2


def test_a_blank_optional_score_drops_out_of_that_county_weights(trips_only):
    """A county without a 2016 national score is scored on the other criteria alone."""
    rules = trips_only.with_weights({"county_to_township_trips_per_week": 1.0,
                                     "national_2016_score": 1.0})
    table = select_counties(facts(("x", "P1", "", 10, ""), ("y", "P2", "", 0, "80"),
                                  ("z", "P3", "", 5, "60")), rules, n_selected=3).table
    scores = dict(zip(table["county"], table["score"], strict=True))
    assert scores == {"x": 1.0, "y": 0.5, "z": 0.25}


def test_weights_change_the_ranking(tiny):
    """Weighing only the national score ties everyone; names break the tie."""
    rules = load_rules().with_weights({c: (1.0 if c == "national_2016_score" else 0.0)
                                       for c in CRITERIA})
    assert select_counties(tiny, rules, n_selected=4).selected == ("a1", "a2", "b2", "c1")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"already_selected": "2014国家级"}, "line 2: already_selected '2014国家级' is invalid"),
        ({"road_village_share": "120"}, "line 2: road_village_share = '120' must be 0–100"),
        ({"ecommerce_firms": "-3"}, "line 2: ecommerce_firms = '-3' must be ≥ 0"),
        ({"ecommerce_firms": ""}, "line 2: ecommerce_firms = '' must be ≥ 0"),
    ],
)
def test_bad_facts_are_refused_naming_the_line(change, message):
    """Unknown labels, out-of-range shares and blank required figures are refused."""
    frame = facts(("a1", "P1", "", 10, "60"))
    for key, value in change.items():
        frame[key] = value
    with pytest.raises(TargetsError, match=message):
        read_county_facts(frame, load_rules())


def test_missing_columns_and_duplicate_counties_are_refused():
    """Facts need every criterion column and unique county names."""
    with pytest.raises(TargetsError, match="lacks column\\(s\\) ecommerce_firms"):
        read_county_facts(facts(("a1", "P1", "", 1, "")).drop(columns="ecommerce_firms"),
                          load_rules())
    with pytest.raises(TargetsError, match="duplicate counties \\['a1'\\]"):
        read_county_facts(facts(("a1", "P1", "", 1, ""), ("a1", "P2", "", 2, "")), load_rules())


def test_bad_rules_are_refused():
    """Negative weights, unknown criteria and zero places are refused."""
    rules = load_rules()
    with pytest.raises(TargetsError, match="weight must be >= 0, got -1.0"):
        rules.with_weights({"ecommerce_firms": -1.0})
    with pytest.raises(TargetsError, match="unknown criteria \\['happiness'\\]"):
        rules.with_weights({"happiness": 1.0})
    with pytest.raises(TargetsError, match="n_selected must be an integer >= 1, got 0"):
        select_counties(EXAMPLE, rules, n_selected=0)
    with pytest.raises(TargetsError, match="is not a selection rule file"):
        load_rules("anxi_2018")


def test_select_command_prints_the_selection_and_writes_csv(tmp_path):
    """`select --top 3` prints three ticks and writes the ranked table."""
    out = tmp_path / "ranked.csv"
    result = CliRunner().invoke(select_command, [str(EXAMPLE), "--top", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.count("✓") == 3
    assert pd.read_csv(out)["selected"].sum() == 3


def test_select_command_reports_infeasible_without_traceback():
    """Asking for more places than recommendable counties exits 3 (infeasible) with the figures."""
    result = CliRunner().invoke(select_command, [str(EXAMPLE), "--top", "40"])
    assert result.exit_code == 3
    assert "fewer than the 40 places" in result.output
    assert "Traceback" not in result.output


def test_selection_docstring_examples_run():
    """The Examples blocks of ruralnet.programme.selection pass as doctests."""
    import doctest

    import ruralnet.programme.selection

    result = doctest.testmod(ruralnet.programme.selection, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def with_order(frame, orders):
    frame = frame.copy()
    frame["prefecture_order"] = [orders.get(c, "") for c in frame["county"]]
    return frame


def test_prefecture_lists_replace_the_best_two(tiny, trips_only):
    """When P1 names a3 and a1, a2 is not recommended although it outscores a3."""
    frame = with_order(tiny, {"a3": "1", "a1": "2", "b2": "1", "c1": "1"})
    table = select_counties(frame, trips_only, n_selected=4).table.set_index("county")
    assert table.loc[["a1", "a3"], "recommended"].all()
    assert not table.loc["a2", "recommended"]
    assert table.loc["a2", "reason"] == "市州未推荐 not nominated by its prefecture"


def test_a_prefecture_naming_three_forfeits_all_its_places(tiny, trips_only):
    """P1 naming three counties breaks the cap and loses every place (一(四))."""
    frame = with_order(tiny, {"a1": "1", "a2": "2", "a3": "3", "b2": "1", "c1": "1"})
    result = select_counties(frame, trips_only, n_selected=4)
    table = result.table.set_index("county")
    assert not table.loc[["a1", "a2", "a3"], "recommended"].any()
    assert "prefecture nominated 3 > 2: forfeits" in table.loc["a1", "reason"]
    assert result.selected == ("c1", "d2", "d1", "b2")


@pytest.mark.parametrize("bad", ["x", "0", "1.5"])
def test_a_bad_prefecture_order_is_refused(tiny, bad):
    """prefecture_order must be blank or a whole number >= 1."""
    with pytest.raises(TargetsError, match=f"line 2: prefecture_order = '{bad}' must be blank or "
                       "a whole number >= 1"):
        read_county_facts(with_order(tiny, {"a1": bad}), load_rules())


def test_the_nomination_order_is_a_reference_basis_for_the_ranking(tiny, trips_only):
    """推荐顺序 counts in the score: with its weight P1's first nominee a3 overtakes a1."""
    rules = load_rules()
    assert rules.order_weight == 0.05 and "推荐顺序等为参考依据" in rules.citation_order
    frame = with_order(tiny, {"a3": "1", "a1": "2", "b2": "1", "c1": "1"})
    flat = select_counties(frame, trips_only, n_selected=4).table.set_index("county")
    assert flat.loc["a1", "score"] > flat.loc["a3", "score"]  # 10 vs 6 trips
    ordered = trips_only.with_weights({"prefecture_order": 0.2})  # as heavy as trips
    table = select_counties(frame, ordered, n_selected=4).table.set_index("county")
    # a1: trips 1.0 (max) and order 0 → 0.5; a3: trips (6-1)/9 and order 1 → (5/9 + 1) / 2
    assert table.loc["a1", "score"] == pytest.approx(0.5)
    assert table.loc["a3", "score"] == pytest.approx((5 / 9 + 1) / 2, abs=1e-6)
    assert table.loc["a3", "rank"] < table.loc["a1", "rank"]


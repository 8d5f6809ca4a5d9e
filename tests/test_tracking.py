"""Tests for ruralnet.programme.tracking: status over time, projections, chart."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from ruralnet import _io as rio
from ruralnet.cli.targets import track as track_command
from ruralnet.exceptions import TargetsError
from ruralnet.programme import tracking as tracking_module
from ruralnet.programme.targets import load_system
from ruralnet.programme.tracking import (
    plot_tracking,
    project_compound,
    project_linear,
    read_actuals,
    track,
)
from ruralnet.settings import settings

SAMPLE = Path(settings.data_dir) / "examples" / "anxi_actuals_sample.csv"


@pytest.fixture(scope="module")
def anxi():
    return load_system("anxi_2018")


def actuals(*rows):
    return pd.DataFrame(rows, columns=["date", "indicator", "value"])


def projection(result, indicator_id):
    return result.projections.set_index("indicator").loc[indicator_id]


def test_linear_least_squares_through_three_points_by_hand(anxi):
    """Trainees 1000, 2200, 3000 a year apart fit 1000/yr and reach 4066.67 by end-2020."""
    result = track(actuals(["2018-01-01", "trainees", "1000"], ["2019-01-01", "trainees", "2200"],
                           ["2020-01-01", "trainees", "3000"]), anxi)
    got = projection(result, "trainees")
    assert got["method"] == "linear least squares"
    assert got["growth_or_slope_per_year"] == pytest.approx(1000.0)
    # intercept 2066.67 - 365 * 1000/365 = 1066.67; deadline is day 1095
    assert got["projected"] == pytest.approx(1066.666667 + 3000.0)
    assert got["status"] == "at risk"  # 4066.67 < 5000


def test_a_growth_rate_is_held_not_compounded(anxi):
    """15 % then 24 % growth projects to 24 %, at risk against ≥ 30 % (compounding gave ~100 %)."""
    result = track(actuals(["2018-06-30", "farm_product_online_retail_growth", "15"],
                           ["2018-12-31", "farm_product_online_retail_growth", "24"]), anxi)
    got = projection(result, "farm_product_online_retail_growth")
    assert got["method"].startswith("rate held")
    assert got["projected"] == 24.0
    assert got["status"] == "at risk"
    assert "rate held" in result.summary()
    assert got["growth_or_slope_per_year"] == pytest.approx(9.0 / 184 * 365, rel=1e-4)


def test_project_functions_match_closed_forms():
    """project_linear and project_compound reproduce hand-computed figures."""
    assert project_linear(np.array([0.0, 365.0]), np.array([1000.0, 2000.0]), 730.0) == (
        3000.0, 1000.0)
    value, growth = project_compound(np.array([0.0, 365.0, 730.0]),
                                     np.array([1.0, 2.0, 4.0]), 1095.0)
    assert (value, growth) == (pytest.approx(8.0), pytest.approx(1.0))


def test_upper_bound_counts_project_against_the_limit():
    """云南 complaints 4 then 8 half a year later project to 12.07 > 10: at risk."""
    result = track(actuals(["2018-12-31", "disclosure_complaints", "4"],
                           ["2019-06-30", "disclosure_complaints", "8"]),
                   load_system("yunnan_2018"))
    got = projection(result, "disclosure_complaints")
    assert got["projected"] == pytest.approx(4 + 4 * 365 / 181)
    assert got["status"] == "at risk"


def test_a_compound_series_with_a_zero_falls_back_to_linear(anxi):
    """Compound growth (on request) needs positive values; a zero switches to linear, noted."""
    from dataclasses import replace

    system = replace(anxi, indicators=tuple(
        replace(i, projection="compound") if i.id == "rural_online_retail_growth" else i
        for i in anxi.indicators))
    result = track(actuals(["2018-01-01", "rural_online_retail_growth", "0"],
                           ["2019-01-01", "rural_online_retail_growth", "10"]), system)
    got = projection(result, "rural_online_retail_growth")
    assert got["method"] == "linear least squares"
    assert "linear used" in got["note"]
    assert got["projected"] == pytest.approx(30.0)


def test_one_value_is_not_projected(anxi):
    """A single dated value gives a status but no projection."""
    got = projection(track(actuals(["2019-03-31", "service_sub_centres", "2"]), anxi),
                     "service_sub_centres")
    assert got["method"] == "not projected"
    assert "at least two dates" in got["note"]
    assert got["status"] == "at risk"


def test_met_and_not_met_follow_latest_value_and_deadline(anxi):
    """A met target stays met; a shortfall at the deadline is not met."""
    rows = actuals(["2019-01-01", "new_operators", "900"], ["2020-12-31", "new_operators", "1500"])
    assert projection(track(rows, anxi), "new_operators")["status"] == "not met"
    rows = actuals(["2019-01-01", "new_operators", "900"], ["2020-06-30", "new_operators", "2100"])
    assert projection(track(rows, anxi), "new_operators")["status"] == "met"


def test_history_marks_each_row_against_the_target(anxi):
    """Every entered row is kept with its margin to the target."""
    result = track(actuals(["2018-06-30", "trainees", "800"], ["2019-06-30", "trainees", "5200"]),
                   anxi)
    assert result.history["meets_target"].tolist() == [False, True]
    assert result.history["margin"].tolist() == [-4200.0, 200.0]


def test_input_rows_set_targets_and_are_not_tracked():
    """A national-average row is used as the target, not tracked itself."""
    result = track(actuals(["2019-06-30", "national_rural_online_retail_growth", "20"],
                           ["2018-12-31", "rural_online_retail_growth", "15"],
                           ["2019-06-30", "rural_online_retail_growth", "18"]),
                   load_system("yunnan_2018"))
    assert result.projections["indicator"].tolist() == ["rural_online_retail_growth"]
    got = projection(result, "rural_online_retail_growth")
    assert (got["target"], got["target_text"]) == (20.0, "> 20%")


def test_as_of_ignores_later_rows(anxi):
    """as_of cuts the series."""
    rows = actuals(["2018-06-30", "trainees", "800"], ["2019-06-30", "trainees", "5200"])
    result = track(rows, anxi, as_of=date(2019, 1, 1))
    assert projection(result, "trainees")["latest_value"] == 800.0


def test_sample_actuals_file_tracks_and_summarises(anxi):
    """The illustrative 安溪 sample reads, and the summary names methods and statuses."""
    result = track(SAMPLE, anxi, county="安溪县")
    assert set(result.projections["indicator"]) == {
        "trainees", "new_operators", "rural_online_retail_growth",
        "farm_product_online_retail_growth", "service_sub_centres"}
    assert "linear least squares" in result.summary()


def test_bad_actuals_are_refused(anxi):
    """Tracking validates actuals like scoring does."""
    with pytest.raises(TargetsError, match="has no indicator 'operators'"):
        track(actuals(["2019-06-30", "operators", "5"]), anxi)


def test_chart_has_one_panel_per_indicator_and_saves_png(anxi, tmp_path):
    """The chart draws a panel per tracked indicator and renders to PNG."""
    result = track(SAMPLE, anxi, county="安溪县")
    fig = plot_tracking(result, lang="en")
    titles = [ax.get_title() for ax in fig.axes if ax.axison]
    assert len(titles) == 5
    assert "E-commerce training, person-times\n[on track]" in titles
    path = tmp_path / "chart.png"
    fig.savefig(path, format="png", dpi=50)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_chart_without_cjk_font_warns_and_uses_english(anxi, monkeypatch):
    """With no CJK font the chart warns and labels in English rather than boxes."""
    monkeypatch.setattr(tracking_module, "cjk_font", lambda: None)
    result = track(SAMPLE, anxi, county="安溪县")
    with pytest.warns(RuntimeWarning, match="no CJK font found"):
        fig = plot_tracking(result)
    assert fig.axes[0].get_title().startswith("Public service sub-centres")


def test_chart_with_a_cjk_font_uses_chinese_names(anxi, monkeypatch):
    """With a CJK font the panels carry the Chinese indicator names."""
    monkeypatch.setattr(tracking_module, "cjk_font", lambda: "DejaVu Sans")
    fig = plot_tracking(track(SAMPLE, anxi, county="安溪县"))
    assert fig.axes[0].get_title().startswith("公共服务分中心")


def test_track_command_writes_csv_history_and_png(tmp_path):
    """`track` writes the projections, history and chart atomically into --out."""
    result = CliRunner().invoke(track_command, [
        "--county", "安溪县", "--actuals", str(SAMPLE), "--system", "anxi_2018",
        "--out", str(tmp_path), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [".ruralnet-manifest.json",
        "tracking_anxi_2018.csv", "tracking_anxi_2018.png", "tracking_anxi_2018_history.csv"]
    table = pd.read_csv(tmp_path / "tracking_anxi_2018.csv")
    assert set(table["method"]) >= {"linear least squares"}


def test_track_command_picks_the_county_system():
    """Without --system, 安溪 resolves to 福建 and the 安溪 2018 system."""
    result = CliRunner().invoke(track_command, ["--county", "安溪", "--actuals", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert "the anxi_2018 document names 安溪县" in result.output


# ---------------------------------------------------------------- actuals files


def actuals_csv(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "actuals.csv"
    path.write_text(body, encoding="utf-8")
    return path


def test_read_actuals_parses_values_units_and_yes_no(tmp_path):
    """Values, percent signs, thousands separators and 是/否 are read."""
    path = actuals_csv(tmp_path, "date,indicator,value,unit\n"
                       "2019-06-30,trainees,\"1,200\",person_times\n"
                       "2019-06-30,trainee_satisfaction,92%,%\n"
                       "2019-06-30,drives_rural_jobs,是,\n")
    frame = read_actuals(path, load_system("yunnan_2018"))
    got = dict(zip(frame["indicator"], frame["value"], strict=True))
    assert got == {"drives_rural_jobs": 1.0, "trainee_satisfaction": 92.0, "trainees": 1200.0}


def test_read_actuals_refuses_unknown_indicator_naming_line(tmp_path):
    """An unknown indicator id is refused with file and line."""
    path = actuals_csv(tmp_path, "date,indicator,value\n2019-06-30,trainees,10\n"
                       "2019-07-31,trainess,12\n")
    with pytest.raises(TargetsError, match=r"actuals\.csv line 3: system anxi_2018 has no "
                       r"indicator 'trainess'"):
        read_actuals(path, load_system("anxi_2018"))


def test_read_actuals_refuses_a_percent_given_for_a_count(tmp_path):
    """A % unit on a person-times indicator is a unit mismatch."""
    path = actuals_csv(tmp_path, "date,indicator,value,unit\n2019-06-30,trainees,40,%\n")
    with pytest.raises(TargetsError, match="line 2: unit mismatch, trainees is in "
                       "'person_times' but the file says '%'"):
        read_actuals(path, load_system("anxi_2018"))


def test_read_actuals_refuses_dates_outside_the_programme(tmp_path):
    """A 2016 row for the 安溪 2018 programme is refused with the window."""
    path = actuals_csv(tmp_path, "date,indicator,value\n2016-12-31,trainees,10\n")
    with pytest.raises(TargetsError, match="line 2: date 2016-12-31 is outside the period "
                       "2017-12-01–2020-12-31 counted for trainees"):
        read_actuals(path, load_system("anxi_2018"))


def test_read_actuals_refuses_a_2020_row_for_a_2021_only_target(tmp_path):
    """Yearly targets count only their own year."""
    path = actuals_csv(tmp_path, "date,indicator,value\n2020-06-30,trainees_practical_2021,10\n")
    with pytest.raises(TargetsError, match="outside the period 2021-01-01–2021-12-31"):
        read_actuals(path, load_system("guanyun_2020"))


def test_read_actuals_refuses_missing_columns_bad_dates_and_values(tmp_path):
    """Missing columns, unparsable dates and non-numbers are refused with their line."""
    system = load_system("anxi_2018")
    with pytest.raises(TargetsError, match="lacks column\\(s\\) value"):
        read_actuals(actuals_csv(tmp_path, "date,indicator\n2019-06-30,trainees\n"), system)
    with pytest.raises(TargetsError, match="line 2: date '30/06/2019' cannot be parsed"):
        read_actuals(actuals_csv(tmp_path, "date,indicator,value\n30/06/2019,trainees,1\n"),
                     system)
    with pytest.raises(TargetsError, match="line 2: value 'many' is not a number"):
        read_actuals(actuals_csv(tmp_path, "date,indicator,value\n2019-06-30,trainees,many\n"),
                     system)


def test_read_actuals_accepts_a_dataframe_and_system_inputs():
    """A DataFrame works, and a row may give a system input such as a national average."""
    frame = pd.DataFrame({"date": ["2019-12-31"], "indicator":
                          ["national_rural_online_retail_growth"], "value": ["12.5"]})
    out = read_actuals(frame, load_system("yunnan_2018"))
    assert out["value"].tolist() == [12.5]


def test_tracking_docstring_examples_run():
    """The Examples blocks of ruralnet.programme.tracking pass as doctests."""
    import doctest

    import ruralnet.programme.tracking

    result = doctest.testmod(ruralnet.programme.tracking, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_fontconfig_fonts_are_registered_when_matplotlib_lacks_cjk(monkeypatch):
    """A font file named by `fc-list :lang=zh` is registered and its family returned."""
    import subprocess
    from types import SimpleNamespace

    import matplotlib

    font = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    monkeypatch.setattr(rio, "CJK_FONTS", ())
    rio.cjk_font.cache_clear()
    monkeypatch.setattr(subprocess, "run",
                        lambda *a, **k: SimpleNamespace(stdout=f"{font}: \n"))
    assert rio.cjk_font() == "DejaVu Sans"
    rio.cjk_font.cache_clear()
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: SimpleNamespace(stdout=""))
    assert rio.cjk_font() is None
    rio.cjk_font.cache_clear()


def test_chart_is_drawn_on_an_agg_canvas(anxi):
    """The figure uses the Agg canvas, whatever pyplot's backend."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = plot_tracking(track(SAMPLE, anxi), lang="en")
    assert isinstance(fig.canvas, FigureCanvasAgg)

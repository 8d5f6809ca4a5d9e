"""`ruralnet plan` leaves loading to plan_county: one call site for county, villages and OSM."""

from __future__ import annotations

from click.testing import CliRunner

from ruralnet.exceptions import RuralnetError


def test_plan_command_passes_the_files_to_plan_county_and_reads_nothing_itself(tmp_path,
                                                                                monkeypatch):
    """The CLI hands the county name, --village-file and --osm-file to plan_county unread."""
    import ruralnet.geo.county as county_mod
    import ruralnet.pipeline as pipeline
    import ruralnet.roads.osm_county as osm_county
    from ruralnet.cli import main

    seen: dict = {}

    def fake_plan_county(county, params=None, **kw):
        seen.update(kw, county=county)
        raise RuralnetError("测试到此为止。", "stop here (test).")

    def refuse(*a, **k):
        raise AssertionError("the CLI must not load the county or read the OSM extract itself")

    monkeypatch.setattr(pipeline, "plan_county", fake_plan_county)
    monkeypatch.setattr(county_mod, "load_county", refuse)
    monkeypatch.setattr(osm_county, "read_county_osm", refuse)
    osm = tmp_path / "roads.osm"
    osm.write_text("<osm/>", encoding="utf-8")
    vf = tmp_path / "villages.csv"
    vf.write_text("name,lon,lat\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["plan", "--county", "安溪", "--osm-file", str(osm),
                                    "--village-file", str(vf), "--out", str(tmp_path / "o")])
    assert res.exit_code == 1, res.output
    assert "stop here (test)" in res.output
    assert seen["county"] == "安溪"
    assert str(seen["osm_file"]) == str(osm)
    assert str(seen["village_file"]) == str(vf)
    assert "Traceback" not in res.output

"""Tests of ruralnet._io: safe output folders, atomic files, quiet native output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ruralnet import _io
from ruralnet._io import MANIFEST, check_not_input, output_folder, quiet_native_stdout
from ruralnet.cli.main import main
from ruralnet.exceptions import RuralnetError


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _village_file(folder: Path) -> Path:
    """A planner's village file for 双柏 (every village at its synthetic position)."""
    from ruralnet.geo.county import load_county

    c = load_county("双柏")
    t = c.townships.set_index("township_id")["name"]
    v = c.villages
    rows = [f"{t[r.township_id]},{r.name},{r.geometry.x:.6f},{r.geometry.y:.6f}"
            for r in v.itertuples()]
    path = folder / "my_villages.csv"
    path.write_text("township,village,lon,lat\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_force_keeps_a_planners_files_and_the_input_inside_out(tmp_path):
    """`geography --force` keeps the planner's notes and input file in --out, byte for byte."""
    out = tmp_path / "forcetest"
    out.mkdir()
    villages = _village_file(out)
    notes = out / "会议纪要.txt"
    notes.write_text("县商务局 3 月会议：仓库选址待定", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    args = ["geography", "--county", "双柏", "--village-file", str(villages), "--out", str(out)]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 1 and "--force" in r.output, r.output  # non-empty: needs --force
    for _ in range(2):  # first into a folder without manifest, then over ruralnet's own files
        r = CliRunner().invoke(main, [*args, "--force"])
        assert r.exit_code == 0, r.output
        for name, data in before.items():
            assert (out / name).read_bytes() == data
    owned = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]
    assert "villages.geojson" in owned and "my_villages.csv" not in owned
    assert "会议纪要.txt" not in owned
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_force_refuses_to_replace_a_file_ruralnet_did_not_write(tmp_path):
    """A planner's file named like an output stops the run before anything in --out changes."""
    out = tmp_path / "o"
    out.mkdir()
    (out / "plan.json").write_text("mine", encoding="utf-8")
    with pytest.raises(RuralnetError, match="plan.json") as err:
        with output_folder(out, force=True) as tmp:
            (tmp / "plan.json").write_text("{}", encoding="utf-8")
            (tmp / "routes.csv").write_text("a", encoding="utf-8")
    assert err.value.details["files"] == ["plan.json"]
    assert _names(out) == ["plan.json"] and (out / "plan.json").read_text() == "mine"


def test_an_input_listed_in_the_manifest_is_still_never_replaced(tmp_path):
    """Even a file ruralnet once wrote is kept when this run reads it as an input."""
    out = tmp_path / "o"
    with output_folder(out) as tmp:
        (tmp / "routes.csv").write_text("old", encoding="utf-8")
    with pytest.raises(RuralnetError, match="routes.csv"):
        with output_folder(out, force=True, inputs=[out / "routes.csv"]) as tmp:
            (tmp / "routes.csv").write_text("new", encoding="utf-8")
    assert (out / "routes.csv").read_text() == "old"


def test_a_planners_note_inside_a_county_subfolder_survives(tmp_path):
    """Folders are merged file by file: a note in a county folder of a region run stays."""
    out = tmp_path / "region"
    for text in ("first", "second"):
        with output_folder(out, force=True) as tmp:
            (tmp / "532322_双柏县").mkdir()
            (tmp / "532322_双柏县" / "plan.json").write_text(text, encoding="utf-8")
            (tmp / "region_summary.csv").write_text(text, encoding="utf-8")
        if text == "first":
            (out / "532322_双柏县" / "备注.txt").write_text("note", encoding="utf-8")
    assert (out / "532322_双柏县" / "plan.json").read_text() == "second"
    assert (out / "532322_双柏县" / "备注.txt").read_text() == "note"


def test_a_failed_run_leaves_the_folder_untouched_and_no_temporary_files(tmp_path):
    """An error inside the block changes nothing in --out and removes the temporary folder."""
    out = tmp_path / "o"
    with output_folder(out) as tmp:
        (tmp / "plan.json").write_text("v1", encoding="utf-8")
    with pytest.raises(ZeroDivisionError):
        with output_folder(out, force=True) as tmp:
            (tmp / "plan.json").write_text("v2 half", encoding="utf-8")
            raise ZeroDivisionError
    assert _names(out) == [MANIFEST, "plan.json"] and (out / "plan.json").read_text() == "v1"
    assert _names(tmp_path) == ["o"]


def test_an_interrupted_move_leaves_whole_files_that_the_next_run_replaces(tmp_path, monkeypatch):
    """Killed between two renames: each file is old or new (never half), and all stay ruralnet's."""
    out = tmp_path / "o"
    with output_folder(out) as tmp:
        for name in ("a.csv", "b.csv"):
            (tmp / name).write_text("old " + name, encoding="utf-8")
    real, calls = os.replace, []

    def interrupted(src, dst):
        calls.append(dst)
        if Path(dst).name == "b.csv":
            raise KeyboardInterrupt
        real(src, dst)

    monkeypatch.setattr(_io.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        with output_folder(out, force=True) as tmp:
            for name in ("a.csv", "b.csv", "c.csv"):
                (tmp / name).write_text("new " + name, encoding="utf-8")
    monkeypatch.setattr(_io.os, "replace", real)
    assert (out / "a.csv").read_text() == "new a.csv" and (out / "b.csv").read_text() == "old b.csv"
    assert not [p for p in tmp_path.rglob("*") if ".tmp" in p.name]
    with output_folder(out, force=True) as tmp:  # the manifest still owns every file
        for name in ("a.csv", "b.csv", "c.csv"):
            (tmp / name).write_text("third " + name, encoding="utf-8")
    assert [(out / n).read_text() for n in ("a.csv", "b.csv", "c.csv")] == [
        "third a.csv", "third b.csv", "third c.csv"]


def test_an_output_path_that_is_a_file_is_refused(tmp_path):
    """--out naming an existing file is an input error, and the file is kept."""
    f = tmp_path / "plan"
    f.write_text("x")
    with pytest.raises(RuralnetError, match="not a folder"):
        with output_folder(f):
            pass
    assert f.read_text() == "x"


def test_check_not_input_refuses_an_output_file_that_is_an_input(tmp_path):
    """`score plan.json --out plan.json` would destroy the plan: refused."""
    p = tmp_path / "plan.json"
    p.write_text("{}")
    with pytest.raises(RuralnetError, match="input"):
        check_not_input(tmp_path / "." / "plan.json", [None, p])
    check_not_input(tmp_path / "other.csv", [p])


def test_quiet_native_stdout_hides_file_descriptor_1_and_restores_it(capfd):
    """Writes to fd 1 inside the block vanish; Python and fd 1 output after it are shown."""
    with quiet_native_stdout():
        os.write(1, b"HighsMipSolverData::chatter\n")
        with quiet_native_stdout():  # nested use
            os.write(1, b"inner chatter\n")
    os.write(1, b"after\n")
    print("python after")
    out = capfd.readouterr().out
    assert "chatter" not in out and "after\n" in out
    assert "python after" in out


@pytest.mark.slow
def test_two_concurrent_plans_sharing_the_cache_give_the_same_plan(tmp_path):
    """Two `plan` processes at once, one cache, different --out: both valid and identical."""
    env = {**os.environ, "RURALNET_CACHE_DIR": str(tmp_path / "cache"), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-c", "from ruralnet.cli import main; main()",
           "plan", "--county", "双柏", "--out"]
    procs = [subprocess.Popen([*cmd, str(tmp_path / name)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) for name in ("a", "b")]
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err.decode()
    docs = []
    for name in ("a", "b"):
        doc = json.loads((tmp_path / name / "plan.json").read_text(encoding="utf-8"))
        doc.pop("timing_s")  # the one section of wall-clock figures
        docs.append(doc)
    assert docs[0] == docs[1]
    cache = list((tmp_path / "cache").rglob("*"))
    assert [p for p in cache if p.is_file() and p.suffix == ".npz"]
    assert not [p for p in cache if ".tmp" in p.name]

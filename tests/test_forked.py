"""ruralnet.outputs.forked: the township annex written in a forked process (issue 19 part 3)."""

from __future__ import annotations

import os

import pytest

from ruralnet._io import cjk_font
from ruralnet.exceptions import ParameterError
from ruralnet.outputs.forked import Forked, can_fork

forking = pytest.mark.skipif(not can_fork(), reason="no fork here")


def _write_pid(path):
    path.write_text(str(os.getpid()))


def _fail(path):
    path.write_text(f"tried {os.getpid()}")
    raise ParameterError("测试错误", "test error")


@forking
def test_a_background_writer_runs_in_another_process_and_wait_collects_it(tmp_path):
    job = Forked(_write_pid, (tmp_path / "pid",), background=True)
    assert job.wait() is True
    assert int((tmp_path / "pid").read_text()) != os.getpid()
    assert job.join() is None  # collected once


def test_without_background_the_writer_runs_at_once_here(tmp_path):
    Forked(_write_pid, (tmp_path / "pid",), background=False)
    assert int((tmp_path / "pid").read_text()) == os.getpid()


@forking
def test_a_failing_child_is_run_again_here_so_its_error_is_raised_without_a_traceback(
        tmp_path, capfd):
    job = Forked(_fail, (tmp_path / "x",), background=True)
    with pytest.raises(ParameterError, match="test error"):
        job.wait()
    assert (tmp_path / "x").read_text() == f"tried {os.getpid()}"  # the re-run here
    assert "Traceback" not in capfd.readouterr().err


@forking
@pytest.mark.skipif(cjk_font() is None, reason="no CJK font")
def test_write_outputs_with_a_forked_annex_gives_the_same_files_and_pages(
        tiny_plan, tiny_county, tmp_path, monkeypatch):
    """workers=2: the annex is written by a child (not in this process), with the same pages
    and text as workers=1; the file list is the same, in the same order."""
    import pypdf

    from ruralnet.outputs import print_map
    from ruralnet.outputs.write import write_outputs

    here = []
    real = print_map._write_annex

    def spy(*args):
        here.append(os.getpid())
        real(*args)

    monkeypatch.setattr(print_map, "_write_annex", spy)
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    files1 = write_outputs(tiny_plan, tiny_county, one, system="guizhou_2017", basemap="none",
                           workers=1)
    assert here == [os.getpid()]
    files2 = write_outputs(tiny_plan, tiny_county, two, system="guizhou_2017", basemap="none",
                           workers=2)
    assert here == [os.getpid()]  # the second annex was written in the child
    assert files1 == files2 and "map_townships.pdf" in files2
    assert sorted(files2) == sorted(p.name for p in two.iterdir())
    pages = [[p.extract_text() for p in pypdf.PdfReader(d / "map_townships.pdf").pages]
             for d in (one, two)]
    assert len(pages[0]) == 1 + len(tiny_county.townships) and pages[0] == pages[1]

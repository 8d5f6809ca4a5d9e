"""Heavy optional imports happen at first use, not on every plan (issue 19 part 3).

numba takes about a second to import; a county plan whose siting never runs
the branch-and-bound tree (安溪: every model closes in the MIP) should not
pay it. These tests run in a fresh interpreter, since this one may already
have imported numba for other tests.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

numba = pytest.importorskip("numba")


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\n"
                          "print(' '.join(sorted(m for m in sys.modules if '.' not in m)))"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_siting_and_pipeline_import_without_numba():
    mods = _modules_after("import ruralnet.pipeline, ruralnet.siting.county, "
                          "ruralnet.siting.exact, ruralnet.siting.branching, ruralnet.lrp.solve")
    assert "ruralnet" in mods
    assert "numba" not in mods


def test_the_tree_imports_numba_when_it_runs_and_proves_the_optimum():
    mods = _modules_after(
        "import time, numpy as np\n"
        "from ruralnet.siting.branching import branch_and_bound\n"
        "wc = np.array([[0., 4, 9], [3, 0, 5], [9, 5, 0], [8, 4, 1]])\n"
        "r = branch_and_bound(wc, np.zeros(3), 2, np.arange(3), 99.0, np.array([0, 1]),\n"
        "                     wc.min(axis=1), True, time.perf_counter() + 30)\n"
        "assert r.complete and r.sites.tolist() == [0, 2] and r.cost == 4.0, r\n")
    assert "numba" in mods

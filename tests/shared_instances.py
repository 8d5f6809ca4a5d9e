"""Where tests find the shared benchmark instances, and what happens when they are missing.

One helper, :func:`instances`, over :func:`ruralnet.settings.benchmarks_dir`
(``$RURALNET_BENCHMARKS`` or ``../shared/benchmarks`` beside the repository):
a missing folder skips the test on a developer's machine and fails it in CI
(``CI=true``), so a misplaced folder can never pass CI by skipping silently.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ruralnet.settings import benchmarks_dir, missing_benchmarks_fail


def instances(name: str) -> Path:
    """Return the folder of one set of shared instances; skip (or, in CI, fail) when missing."""
    folder = benchmarks_dir(name)
    if not folder.is_dir():
        msg = (f"benchmark instances {name!r} not found at {folder} "
               "(set RURALNET_BENCHMARKS or place them in ../shared/benchmarks)")
        if missing_benchmarks_fail():
            pytest.fail(msg)
        pytest.skip(msg)
    return folder

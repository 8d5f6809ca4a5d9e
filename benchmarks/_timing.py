"""Timing, CPU and memory figures shared by the benchmark scripts (not part of the package).

On a shared machine wall seconds depend on the other jobs, so every
benchmark prints the load average beside its timings, and CPU seconds
(which depend much less on the load) beside wall seconds. These helpers
give them in one form: :func:`load_average` (the 1, 5 and 15 minute load
averages), :func:`cpu_seconds` (user + system seconds of this process and
of its children that have ended, e.g. a plan's worker processes) and
:func:`peak_rss_mb` (this process's peak resident memory).
"""

from __future__ import annotations

import os
import resource

__all__ = ["cpu_seconds", "load_average", "peak_rss_mb"]


def load_average(*, sep: str = " ") -> str:
    """Return the 1, 5 and 15 minute load averages as text, e.g. ``"2.81 2.52 2.33"``."""
    return sep.join(f"{x:.2f}" for x in os.getloadavg())


def cpu_seconds() -> float:
    """Return user + system CPU seconds of this process and of its ended children."""
    own, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def peak_rss_mb() -> float:
    """Return the peak resident memory of this process so far, in MB (Linux ``ru_maxrss``)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

"""Processes: how many cores this process may use, and whether it may fork workers.

The one answer for every place that runs work beside the caller (the matrix's
Dijkstra processes, the coverage search's pool, the location-routing price
pool, the forked print-map writer).
"""

from __future__ import annotations

import multiprocessing
import os
import sys

__all__ = ["can_fork", "usable_cores"]


def usable_cores() -> int:
    """Return the CPUs this process may run on (its affinity on Linux), at least 1.

    Examples
    --------
    >>> usable_cores() >= 1
    True
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Tell whether worker processes may be forked here.

    Not on Windows (no ``fork``) or macOS (forking a process with threads is
    unsafe there), and not inside a daemon process (a Dask or multiprocessing
    worker may not have children): the callers then do the work themselves.

    Examples
    --------
    >>> isinstance(can_fork(), bool)
    True
    """
    return (sys.platform not in ("win32", "darwin")
            and "fork" in multiprocessing.get_all_start_methods()
            and not multiprocessing.current_process().daemon)

"""The wall clock as a safety net: note each search that stopped on time instead of its budget.

Searches in ruralnet stop on a deterministic budget (PyVRP iterations,
OR-Tools solutions, location-routing rounds, MIP optimality) so that the
same inputs, parameters and seed give the same plan on any machine load.
Each also has a wall-clock limit, set far above the time the budget needs,
only so that a pathological instance cannot run forever. When that limit
bites first the result may depend on the load, and the plan must say so:
the search calls :func:`clock_bit`, and :func:`watch_clock` (opened by the
plan builder) collects those notes for the plan's ``timing_s`` section.

Pure solvers stay pure: outside :func:`watch_clock` a note is only logged.

Examples
--------
>>> with watch_clock() as hits:
...     clock_bit("pyvrp feeder", 0.5, done=120, budget=300)
>>> hits
[{'search': 'pyvrp feeder', 'limit_s': 0.5, 'done': 120, 'budget': 300}]
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Iterator
from typing import Any

logger = logging.getLogger(__name__)

_HITS: contextvars.ContextVar[list[dict[str, Any]] | None] = contextvars.ContextVar(
    "ruralnet_clock_hits", default=None)


def clock_bit(search: str, limit_s: float, *, done: int | None = None,
              budget: int | None = None) -> None:
    """Note that ``search`` stopped on its wall-clock limit before its budget was spent.

    Parameters
    ----------
    search
        What stopped (``"pyvrp"``, ``"ortools"``, ``"mip"``, ``"lrp rounds"``).
    limit_s
        The wall-clock limit that bit, in seconds.
    done, budget
        Work done and the budget it was meant to reach (iterations, rounds).
    """
    hit = {"search": search, "limit_s": round(float(limit_s), 3), "done": done,
           "budget": budget}
    logger.info("%s stopped on its %.3g s safety limit (%s of %s): the result may depend on "
                "the machine's load", search, limit_s, done, budget)
    hits = _HITS.get()
    if hits is not None:
        hits.append(hit)


@contextlib.contextmanager
def watch_clock() -> Iterator[list[dict[str, Any]]]:
    """Collect the :func:`clock_bit` notes made while the block runs (nested blocks see theirs)."""
    hits: list[dict[str, Any]] = []
    outer = _HITS.get()
    token = _HITS.set(hits)
    try:
        yield hits
    finally:
        _HITS.reset(token)
        if outer is not None:
            outer.extend(hits)

"""Write one slow output in a forked process while the caller writes the others.

The township annex (``map_townships.pdf``, one page per township) is about
ten of the twenty-odd CPU seconds of a county's outputs; it depends on
nothing the other files write, so :func:`ruralnet.outputs.write.write_outputs`
starts it in a child process (forked: the plan, the county and the drawn
overview are inherited, not pickled) and collects it at the end. The child
writes through :func:`ruralnet._io.atomic_path` like every writer, so the
file is the same as when written here. A child that fails is not trusted:
the writer runs again here, so that its error (a bilingual ``RuralnetError``
or a bug) is raised exactly as without the fork; the child prints no
traceback. Without a safe ``fork`` (Windows, macOS; see
:func:`ruralnet._procs.can_fork`), inside a daemon process (a Dask or
multiprocessing worker) or with ``background=False`` the writer runs at once.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
from collections.abc import Callable
from typing import Any

from ruralnet._procs import can_fork

logger = logging.getLogger(__name__)

__all__ = ["Forked", "can_fork"]


def _child(fn: Callable[..., Any], args: tuple) -> None:
    try:
        fn(*args)
    except BaseException:  # noqa: BLE001 - the parent runs it again and raises properly
        os._exit(1)


class Forked:
    """``fn(*args)`` run in a forked child (``background``) or at once; :meth:`wait` collects.

    Examples
    --------
    >>> out = []
    >>> job = Forked(out.append, (1,), background=False)
    >>> job.wait(), out
    (True, [1])
    """

    def __init__(self, fn: Callable[..., Any], args: tuple, *, background: bool = True):
        self.fn, self.args, self._proc = fn, args, None
        if background and can_fork():
            for stream in (sys.stdout, sys.stderr):  # or the child flushes a copy of them
                stream.flush()
            self._proc = multiprocessing.get_context("fork").Process(
                target=_child, args=(fn, args), daemon=False)
            self._proc.start()
        else:
            fn(*args)

    def join(self) -> int | None:
        """Wait for the child (if any) and return its exit code (``None``: no child)."""
        if self._proc is None:
            return None
        self._proc.join()
        code, self._proc = self._proc.exitcode, None
        return code

    def wait(self) -> bool:
        """Wait for the writer; re-run it here when the child failed. Return ``True``.

        Returns ``True`` once the output is written; an error of the writer
        is raised here.
        """
        code = self.join()
        if code not in (None, 0):
            logger.info("forked writer %s failed (exit code %s): writing it here",
                        getattr(self.fn, "__name__", self.fn), code)
            self.fn(*self.args)
        return True

"""Exceptions raised by ruralnet.

Every error a planner can cause derives from :class:`RuralnetError`. Messages
say what is wrong, the offending value and the fix, in Chinese first and
English second, so that the command-line interface can show them as they are
without a traceback.
"""

from __future__ import annotations

from typing import Any


class RuralnetError(Exception):
    """Base class of every error ruralnet raises on purpose.

    Parameters
    ----------
    zh
        The message in Chinese.
    en
        The same message in English. When omitted only the Chinese text is
        shown.
    **details
        Structured facts about the error (paths, line numbers, figures) kept
        on the instance as ``details`` for programs that catch it.

    Examples
    --------
    >>> err = RuralnetError("未找到县", "county not found", query="安西")
    >>> str(err)
    '未找到县 | county not found'
    >>> err.details["query"]
    '安西'
    """

    def __init__(self, zh: str, en: str | None = None, **details: Any) -> None:
        self.zh = zh
        self.en = en
        self.details = details
        super().__init__(self.message())

    def message(self, lang: str = "both") -> str:
        """Return the message in ``"zh"``, ``"en"`` or ``"both"`` languages."""
        if lang == "zh" or not self.en:
            return self.zh
        if lang == "en":
            return self.en
        return f"{self.zh} | {self.en}"


class UnknownCountyError(RuralnetError, LookupError):
    """No county-level division matches the query."""


class AmbiguousCountyError(RuralnetError, LookupError):
    """Several county-level divisions match the query; ruralnet refuses to guess."""


class InputFileError(RuralnetError, ValueError):
    """An input file is missing, unreadable or malformed (``details`` has path and line)."""


class DataError(RuralnetError):
    """The embedded data are missing or inconsistent (rebuild with tools/build_data.py)."""


class NetworkError(RuralnetError):
    """The road network cannot serve the points asked of it (e.g. unreachable villages)."""


class InfeasibleError(RuralnetError):
    """A model has no solution; ``details`` names the binding constraint and figures."""


class SolverBugError(RuralnetError, RuntimeError):
    """A solver returned a result that breaks its own model (e.g. an infeasible route).

    Not the planner's fault: the command line reports it as an internal error
    (exit 70) with the bug-report hint.
    """


class PlanValidationError(RuralnetError):
    """A plan file breaks one or more of its invariants (``details['problems']``)."""


class TargetsError(RuralnetError, ValueError):
    """An indicator system, actuals file or budget file is malformed."""


class ParameterError(RuralnetError, ValueError):
    """A parameter, matrix or vector given to a model is out of its allowed range.

    Raised by the shared checks in :mod:`ruralnet._validate`; ``details`` has
    ``field``, ``allowed`` and ``value``.

    Examples
    --------
    >>> err = ParameterError("参数 x 必须 > 0，实际为 -1", "x must be > 0, got -1", field="x")
    >>> isinstance(err, ValueError)
    True
    """


# --------------------------------------------------------------------------
# Warning classes, so that users can filter them (``warnings.simplefilter``)
# --------------------------------------------------------------------------


class RuralnetWarning(UserWarning):
    """Base class of every warning ruralnet issues."""


class SyntheticDataWarning(RuralnetWarning):
    """A layer of the plan is synthetic (generated, not surveyed)."""


class InputFileWarning(RuralnetWarning):
    """An input file was read, but part of it was ignored or repaired."""


class DataQualityWarning(RuralnetWarning):
    """Real data look doubtful (far points, unmatched names, clipped roads)."""


class SolverWarning(RuralnetWarning):
    """A solver stopped early, fell back to another engine or relaxed a target."""

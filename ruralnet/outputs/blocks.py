"""The pieces of the plan annex (:class:`Block`), shared by the annex's section modules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from ruralnet.outputs.words import pick


@dataclass
class Block:
    """One piece of the annex.

    ``kind`` is ``h2``, ``h3``, ``p``, ``note``, ``notice``, ``alert`` (a line
    printed prominently inside a section, e.g. a borrowed scorecard),
    ``table`` or ``image``; ``sid`` the HTML id of an ``h2`` section; ``fills``
    optional row background colours of a table; ``width_cm`` the printed
    width of an image.
    """

    kind: str
    text: str = ""
    sid: str = ""
    frame: pd.DataFrame | None = None
    image: bytes | None = None
    fills: list[str] | None = None
    cls: str = ""
    width_cm: float = 16.0


def h2(sid: str, zh: str, en: str, lang: str) -> Block:
    """Return a section heading with its HTML id."""
    return Block("h2", pick(zh, en, lang), sid=sid)


def frame_of(rows: list[dict[str, Any]], columns: list[tuple[str, str]],
             lang: str) -> pd.DataFrame:
    """Return a table of display text: ``rows`` keyed by the Chinese header, headers in ``lang``."""
    cols = [pick(zh, en, lang) for zh, en in columns]
    return pd.DataFrame([[r.get(zh, "") for zh, _ in columns] for r in rows], columns=cols)

"""CJK faces cut down to the characters a batch of print maps uses, so PDFs embed them fast.

A PDF that embeds a TrueType/OpenType font as Type 42 (selectable, searchable
text) carries a subset of it, which matplotlib makes with fontTools when the
file is closed. For Noto Sans CJK (a 20 MB collection of 65,535 glyphs) that
costs about a second of CPU per face and per PDF file, for a few hundred
glyphs: the print maps of one county (three PDF files, regular and bold)
spent most of their time there.

:func:`subset_fonts` cuts each CJK face (regular and bold) once to the
characters the maps will draw, under a family name of its own, and returns a
matplotlib settings context that puts that family first and the full face
after it. Glyphs, advances and the OpenType layout of the characters kept are
those of the full face, so the text looks the same, is still embedded as
real text, and a character that was not foreseen falls back to the full face
(correct, only slower). The cut faces are files under
``settings.cache_dir / "print_fonts"``, named by a hash of the source faces
and the characters, so a second run for the same county re-uses them.

Examples
--------
>>> sorted(_needed_chars(["县 A", "县城"]) - set(BASE_CHARS))
['县', '城']
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from ruralnet._io import atomic_path

logger = logging.getLogger(__name__)

#: characters always kept: printable ASCII and the full-width punctuation of labels and footers
BASE_CHARS = "".join(chr(c) for c in range(32, 127)) + "，。、；：（）！？“”‘’·—…％－"
#: cut faces kept in the cache folder (oldest removed first)
KEEP_FILES = 24


@cache
def bold_faces() -> int:
    """Register the bold CJK faces fontconfig knows (titles and labels are bold); return count.

    :func:`ruralnet._io.cjk_font` registers one regular face; without its bold
    sibling matplotlib draws bold text in the regular weight.
    """
    import subprocess

    from matplotlib import font_manager

    try:
        listing = subprocess.run(["fc-list", ":lang=zh:style=Bold", "file"], capture_output=True,
                                 text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return 0
    known = {f.fname for f in font_manager.fontManager.ttflist}
    n = 0
    for path in sorted({line.split(":")[0].strip() for line in listing.splitlines()} - {""}):
        if path in known:
            continue
        try:
            font_manager.fontManager.addfont(path)
            n += 1
        except (OSError, RuntimeError, ValueError):
            logger.info("bold CJK font %s cannot be used by matplotlib", path)
    return n


def font_settings(font: str | None) -> Any:
    """Return the print map's matplotlib settings: ``font`` first, text embedded as text."""
    import matplotlib

    if not font:
        return contextlib.nullcontext()
    bold_faces()
    return matplotlib.rc_context({"font.sans-serif": [font, *matplotlib.rcParams[
        "font.sans-serif"]], "font.family": "sans-serif", "axes.unicode_minus": False,
        "svg.fonttype": "none", "pdf.fonttype": 42})


def _needed_chars(texts: Iterable[str]) -> set[str]:
    chars = set(BASE_CHARS)
    for text in texts:
        chars.update(ch for ch in str(text) if ch.isprintable() and not ch.isspace())
    return chars


def figure_texts(fig: Any) -> list[str]:
    """Return every string drawn as text on a matplotlib figure (legend, labels, titles)."""
    from matplotlib.text import Text

    return [t.get_text() for t in fig.findobj(Text)]


def _faces(font: str) -> dict[str, Any]:
    """Return the regular and bold face files matplotlib picks for ``font`` (``FontPath``)."""
    from matplotlib import font_manager

    faces = {}
    for weight in ("normal", "bold"):
        path = font_manager.findfont(font_manager.FontProperties(family=font, weight=weight),
                                     fallback_to_default=False)
        if path not in faces.values():
            faces[weight] = path
    return faces


def _cut(path: Any, index: int, chars: set[str], family: str, out: Path) -> None:
    """Write the face ``index`` of font file ``path`` cut to ``chars``, renamed to ``family``."""
    from fontTools import subset

    options = subset.Options(glyph_names=True, recommended_glyphs=True)
    options.font_number = index
    with subset.load_font(str(path), options) as font:
        subsetter = subset.Subsetter(options=options)
        subsetter.populate(unicodes={ord(c) for c in chars})
        subsetter.subset(font)
        style = font["name"].getDebugName(2) or "Regular"
        for record in font["name"].names:
            if record.nameID == 1:
                record.string = family
            elif record.nameID == 4:
                record.string = f"{family} {style}"
        with atomic_path(out) as tmp:
            font.save(str(tmp))


def _prune(folder: Path, keep: set[Path]) -> None:
    files = sorted(folder.glob("*.otf"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[KEEP_FILES:]:
        if old not in keep:
            with contextlib.suppress(OSError):
                old.unlink()


def subset_family(font: str, texts: Iterable[str], folder: Path) -> str:
    """Return the family name of ``font``'s faces cut to the characters of ``texts``.

    The faces are made (or found) in ``folder`` and registered with
    matplotlib's font manager.
    """
    import fontTools
    from matplotlib import font_manager

    chars = _needed_chars(texts)
    faces = _faces(font)
    ident = [[str(p), p.face_index, os.stat(p).st_size, os.stat(p).st_mtime_ns, w]
             for w, p in faces.items()]
    key = hashlib.sha256(json.dumps([ident, sorted(chars), fontTools.version],
                                    ensure_ascii=False).encode()).hexdigest()[:16]
    family = f"ruralnet print {key}"
    known = {f.fname for f in font_manager.fontManager.ttflist}
    made = set()
    for weight, path in faces.items():
        out = folder / f"{key}-{weight}.otf"
        if not out.exists():
            folder.mkdir(parents=True, exist_ok=True)
            _cut(path, path.face_index, chars, family, out)
            logger.info("cut %s (face %d) to %d characters: %s", path, path.face_index,
                        len(chars), out)
        else:
            os.utime(out)
        made.add(out)
        if str(out) not in known:
            font_manager.fontManager.addfont(str(out))
    _prune(folder, made)
    return family


@contextlib.contextmanager
def subset_fonts(font: str | None, texts: Iterable[str]) -> Iterator[None]:
    """Draw and save with ``font`` cut to the characters of ``texts`` (full face as fallback).

    Use it inside the print map's own font settings
    (:func:`ruralnet.outputs.print_map.fonts_for_print`). Without a font, or
    when the faces cannot be cut (an unusual font file), the block runs with
    the full faces.
    """
    import matplotlib

    from ruralnet.settings import settings

    if not font:
        yield
        return
    try:
        family = subset_family(font, texts, settings.cache_dir / "print_fonts")
    except Exception as err:  # noqa: BLE001 - any fontTools failure: embed the full face
        logger.info("CJK font %s not cut for the PDF (%s): embedding the full face", font, err)
        yield
        return
    rest = [f for f in matplotlib.rcParams["font.sans-serif"] if f != family]
    with matplotlib.rc_context({"font.sans-serif": [family, *rest]}):
        yield

"""Shared file I/O: one atomic file writer, one safe output folder, one CJK font finder.

* :func:`atomic_path` — write a file beside its target, rename it into place
  only when complete, so a reader never sees half a file and two runs at once
  never corrupt each other.
* :func:`output_folder` — write a run's files into a fresh temporary folder,
  then move *only those files* into the output folder. A manifest
  (``.ruralnet-manifest.json``) records which files ruralnet wrote; with
  ``force`` only those are replaced. Files ruralnet never wrote — the
  planner's own notes, the run's input files — are never removed or
  overwritten.
* :func:`cjk_font` — an installed font that draws Chinese, for matplotlib.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path

from ruralnet.exceptions import RuralnetError

logger = logging.getLogger(__name__)

MANIFEST = ".ruralnet-manifest.json"
"""Name of the file in an output folder that lists the files ruralnet wrote there."""

CJK_FONTS = (
    "Noto Sans CJK SC", "Noto Sans SC", "Noto Serif CJK SC", "Source Han Sans SC",
    "Source Han Sans CN", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei",
    "Microsoft YaHei", "PingFang SC", "Heiti SC", "STHeiti", "AR PL UMing CN",
    "Droid Sans Fallback",
)
"""Font families known to draw Chinese, in order of preference."""


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` if the block succeeds.

    The temporary name keeps the suffix (GDAL picks drivers by it) and does
    not exist yet when yielded. On an exception it is removed and ``path`` is
    left as it was.

    Examples
    --------
    >>> folder = Path(tempfile.mkdtemp())
    >>> with atomic_path(folder / "a.txt") as tmp:
    ...     _ = tmp.write_text("ok")
    >>> (folder / "a.txt").read_text(), [p.name for p in folder.iterdir()]
    ('ok', ['a.txt'])
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:8]}.tmp{path.suffix}")
    try:
        yield tmp
        if tmp.exists():
            os.chmod(tmp, 0o644)  # files made by mkstemp-like writers are 0600
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    logger.info("wrote %s", path)


def read_manifest(folder: Path) -> set[str] | None:
    """Return the file names ruralnet wrote into ``folder``, or ``None`` without a manifest."""
    path = Path(folder) / MANIFEST
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return {str(n) for n in doc["files"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _foreign(out: Path, owned: set[str]) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name != MANIFEST and p.name not in owned)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


@contextlib.contextmanager
def output_folder(out: str | Path, *, force: bool = False,
                  inputs: Iterable[str | Path | None] = ()) -> Iterator[Path]:
    """Yield a fresh temporary folder; move the files written there into ``out`` on success.

    Parameters
    ----------
    out
        The output folder (created when missing).
    force
        Allow writing into a folder that already holds files. Only files
        that ruralnet wrote there before (listed in its manifest) are
        replaced; every other file is kept.
    inputs
        The run's input files: never replaced, even with ``force``.

    Raises
    ------
    RuralnetError
        ``out`` is non-empty and ``force`` is not set; or a file to be
        written has the name of a file ruralnet did not write (or of an input).

    Examples
    --------
    >>> out = Path(tempfile.mkdtemp()) / "plan"
    >>> with output_folder(out) as tmp:
    ...     _ = (tmp / "plan.json").write_text("{}")
    >>> sorted(p.name for p in out.iterdir())
    ['.ruralnet-manifest.json', 'plan.json']
    """
    out = Path(out)
    owned = (read_manifest(out) or set()) if out.is_dir() else set()
    if out.exists() and not out.is_dir():
        raise RuralnetError(f"输出路径 {out} 是文件，不是目录；请换一个目录名。",
                            f"output path {out} is a file, not a folder; choose a folder name.")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise RuralnetError(f"输出目录 {out} 非空；请换一个目录，或加 --force（只替换 ruralnet "
                            "以前写入的文件，其他文件保留）。",
                            f"output folder {out} is not empty; choose another or pass --force "
                            "(replaces only files ruralnet wrote there; other files are kept).",
                            path=str(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        yield tmp
        written = sorted(p.name for p in tmp.iterdir())
        protected = [Path(p) for p in inputs if p]
        clash = [n for n in written if out.is_dir() and (out / n).exists()
                 and (n not in owned or any(_same_file(out / n, p) for p in protected))]
        if clash:
            raise RuralnetError(
                f"输出目录 {out} 中已有不是 ruralnet 写入的文件 {', '.join(clash)}，不会覆盖；"
                "请换一个输出目录，或先移走这些文件。",
                f"output folder {out} already holds {', '.join(clash)}, which ruralnet did "
                "not write (or which are inputs of this run); they are not overwritten. "
                "Choose another output folder or move those files.", path=str(out), files=clash)
        out.mkdir(exist_ok=True)
        for name in written:
            dest = out / name
            if dest.is_dir() and not dest.is_symlink():
                shutil.rmtree(dest)  # a folder ruralnet wrote before (listed in the manifest)
            os.replace(tmp / name, dest)
        still_there = {p.name for p in out.iterdir()}
        doc = {"written_by": "ruralnet", "files": sorted(set(written) | (owned & still_there))}
        with atomic_path(out / MANIFEST) as m:
            m.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@cache
def cjk_font() -> str | None:
    """Return the name of an installed font that covers Chinese, or ``None`` when there is none.

    Looks first in matplotlib's font list for :data:`CJK_FONTS`, then asks
    fontconfig (``fc-list :lang=zh``) and registers the first font file it
    names. Cached: call ``cjk_font.cache_clear()`` after installing a font.

    Examples
    --------
    >>> cjk_font() is None or isinstance(cjk_font(), str)
    True
    """
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in installed:
            return name
    try:
        listing = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True,
                                 text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    paths = [line.split(":")[0].strip() for line in listing.splitlines()]
    # regular faces first: a bold face registered alone makes matplotlib warn on every label
    paths.sort(key=lambda p: ("Regular" not in p, "Bold" in p or "Black" in p, p))
    for path in paths:
        if not path:
            continue
        try:
            font_manager.fontManager.addfont(path)
            return font_manager.FontProperties(fname=path).get_name()
        except (OSError, RuntimeError, ValueError):
            logger.info("fontconfig font %s cannot be used by matplotlib", path)
    return None

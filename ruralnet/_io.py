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
* :func:`quiet_native_stdout` — keep what native solver code prints (HiGHS's
  ``HighsMipSolverData::...`` debug lines) off the user's standard output.
* :func:`cjk_font` — an installed font that draws Chinese, for matplotlib.
* the one table reader lives beside it in :mod:`ruralnet._tables`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
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
    """Return the relative paths ruralnet wrote into ``folder``, or ``None`` without a manifest."""
    path = Path(folder) / MANIFEST
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return {str(n) for n in doc["files"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_manifest(out: Path, files: Iterable[str]) -> None:
    doc = {"written_by": "ruralnet", "files": sorted(set(files))}
    with atomic_path(out / MANIFEST) as m:
        m.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")


def _files_under(folder: Path) -> list[str]:
    """Relative POSIX paths of every file (not folder) under ``folder``, sorted."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() or p.is_symlink())


def _owned(out: Path, rel: str, owned: set[str]) -> bool:
    """Whether ruralnet wrote ``out/rel``: listed in the folder's manifest or its sub-folder's."""
    if rel in owned:
        return True
    parent, _, name = rel.rpartition("/")
    sub = read_manifest(out / parent) if parent else None
    return sub is not None and name in sub


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def _clashes(out: Path, written: list[str], owned: set[str], protected: list[Path]) -> list[str]:
    """Files to be written whose name is taken by a file ruralnet did not write or by an input."""
    clash = []
    for rel in written:
        dest = out / rel
        blocked = [out / "/".join(rel.split("/")[:i]) for i in range(1, rel.count("/") + 1)]
        if any(b.exists() and not b.is_dir() for b in blocked):
            clash.append(rel)  # a planner's file sits where ruralnet needs a folder
        elif dest.is_dir() and not dest.is_symlink():
            clash.append(rel)
        elif (dest.exists() or dest.is_symlink()) and (
                not _owned(out, rel, owned) or any(_same_file(dest, p) for p in protected)):
            clash.append(rel)
    return clash


def check_not_input(path: str | Path, inputs: Iterable[str | Path | None]) -> None:
    """Refuse to write ``path`` when it is one of the run's input files.

    Raises
    ------
    RuralnetError
        ``path`` names (or links to) an input file.

    Examples
    --------
    >>> check_not_input("a.csv", ["b.csv", None])
    """
    for p in inputs:
        if p and _same_file(Path(path), Path(p)):
            zh = f"输出文件 {path} 是本次运行的输入文件，不会覆盖；请换一个输出文件名。"
            raise RuralnetError(zh,
                                f"output file {path} is an input of this run and is not "
                                "overwritten; choose another output file name.", path=str(path))


@contextlib.contextmanager
def output_folder(out: str | Path, *, force: bool = False,
                  inputs: Iterable[str | Path | None] = ()) -> Iterator[Path]:
    """Yield a fresh temporary folder; move the files written there into ``out`` on success.

    Nothing of ``out`` changes before the block succeeds. Then every file
    is checked first (none may take the name of a file ruralnet did not
    write, or of an input), the manifest is extended with the files about to
    arrive, and each file is renamed into place (:func:`os.rename` within
    one file system: a reader sees the old file or the new one, never half
    of one). Folders are merged file by file, never removed, so a planner's
    note inside a county sub-folder survives too. An interruption during the
    moves leaves complete files only and a manifest that owns them, so the
    next ``force`` run replaces them.

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
        ``out`` is a file, or is non-empty and ``force`` is not set; or a
        file to be written has the name of a file ruralnet did not write (or
        of an input). Raised before anything in ``out`` changes.

    Examples
    --------
    >>> out = Path(tempfile.mkdtemp()) / "plan"
    >>> with output_folder(out) as tmp:
    ...     _ = (tmp / "plan.json").write_text("{}")
    >>> sorted(p.name for p in out.iterdir())
    ['.ruralnet-manifest.json', 'plan.json']
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise RuralnetError(f"输出路径 {out} 是文件，不是目录；请换一个目录名。",
                            f"output path {out} is a file, not a folder; choose a folder name.",
                            path=str(out))
    if out.is_dir() and any(out.iterdir()) and not force:
        raise RuralnetError(f"输出目录 {out} 非空；请换一个目录，或加 --force（只替换 ruralnet "
                            "以前写入的文件，其他文件保留）。",
                            f"output folder {out} is not empty; choose another or pass --force "
                            "(replaces only files ruralnet wrote there; other files are kept).",
                            path=str(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        yield tmp
        owned = (read_manifest(out) or set()) if out.is_dir() else set()
        written = [r for r in _files_under(tmp) if r != MANIFEST]
        clash = _clashes(out, written, owned, [Path(p) for p in inputs if p])
        if clash:
            raise RuralnetError(
                f"输出目录 {out} 中已有不是 ruralnet 写入的文件 {', '.join(clash)}，不会覆盖；"
                "请换一个输出目录，或先移走这些文件。",
                f"output folder {out} already holds {', '.join(clash)}, which ruralnet did "
                "not write (or which are inputs of this run); they are not overwritten. "
                "Choose another output folder or move those files.", path=str(out), files=clash)
        out.mkdir(exist_ok=True)
        _write_manifest(out, owned | set(written))  # first: an interrupted move stays owned
        for rel in written:
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp / rel, out / rel)
        _write_manifest(out, {r for r in owned | set(written) if (out / r).exists()})
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


_QUIET_LOCK = threading.Lock()
_QUIET_DEPTH = [0, -1]  # nesting depth, saved copy of file descriptor 1


@contextlib.contextmanager
def quiet_native_stdout() -> Iterator[None]:
    """Send what native code writes to file descriptor 1 to the null device while the block runs.

    Some solver builds print debug lines with C ``printf`` whatever their
    output options say (HiGHS: ``HighsMipSolverData::transformNewIntegerFeasibleSolution
    tmpSolver.run();``); only redirecting the file descriptor stops them.
    Python's own ``sys.stdout`` is flushed first and works as before after
    the block. Nested and concurrent uses share one redirection. Where file
    descriptor 1 cannot be redirected (no such descriptor) the block runs
    unchanged.

    Examples
    --------
    >>> with quiet_native_stdout():
    ...     _ = os.write(1, b"native chatter")
    >>> print("seen")
    seen
    """
    with _QUIET_LOCK:
        if _QUIET_DEPTH[0] == 0:
            try:
                sys.stdout.flush()
            except (OSError, ValueError, AttributeError):
                pass
            _flush_c_stdout()
            try:
                saved = os.dup(1)
                null = os.open(os.devnull, os.O_WRONLY)
                os.dup2(null, 1)
                os.close(null)
            except OSError:
                saved = -1
            _QUIET_DEPTH[1] = saved
        _QUIET_DEPTH[0] += 1
    try:
        yield
    finally:
        with _QUIET_LOCK:
            _QUIET_DEPTH[0] -= 1
            if _QUIET_DEPTH[0] == 0 and _QUIET_DEPTH[1] >= 0:
                try:
                    _flush_c_stdout()
                    os.dup2(_QUIET_DEPTH[1], 1)
                finally:
                    os.close(_QUIET_DEPTH[1])
                    _QUIET_DEPTH[1] = -1


def _flush_c_stdout() -> None:
    """Flush the C library's ``stdout`` buffer (buffered native output goes where it was meant)."""
    try:
        import ctypes

        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError):
        pass


@cache
def cjk_font() -> str | None:
    """Return the name of an installed font that covers Chinese, or ``None`` when there is none.

    Looks first in matplotlib's font list for :data:`CJK_FONTS`, then asks
    fontconfig (``fc-list :lang=zh``) and registers the first font file it
    names. A font collection (``.ttc``) registers all its faces: the
    simplified-Chinese face is chosen by :data:`CJK_FONTS`' order (Noto's
    first face is the Japanese one, whose glyph forms differ for some
    hanzi). Cached: call ``cjk_font.cache_clear()`` after installing a font.

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
        except (OSError, RuntimeError, ValueError):
            logger.info("fontconfig font %s cannot be used by matplotlib", path)
            continue
        faces = {f.name for f in font_manager.fontManager.ttflist if f.fname == path}
        return next((name for name in CJK_FONTS if name in faces),
                    font_manager.FontProperties(fname=path).get_name())
    return None

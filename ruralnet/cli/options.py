"""Checks of command-line option values, run before any work starts.

Each check raises :func:`~ruralnet.cli.errors.option_error` (exit 2, the
option, the allowed range and the value in Chinese and English) so that a
planner never meets an internal error or a half-finished run for a typo in
an option. Shares given as percentages (``--coverage 80``) are refused with
the share to use instead (``0.8``).
"""

from __future__ import annotations

import math
from pathlib import Path

from ruralnet.cli.errors import option_error


def check_share(option: str, value: float | None) -> None:
    """Refuse a share outside (0, 1]; suggest ``value / 100`` when it looks like a percentage.

    Examples
    --------
    >>> check_share("--coverage", 0.8)
    >>> try:
    ...     check_share("--coverage", 80)
    ... except ValueError as err:
    ...     print(err.message("en"))
    --coverage must be a share in (0, 1]; use 0.8 (80 %), got 80
    """
    if value is None:
        return
    if not math.isfinite(value) or not 0 < value <= 1:
        if math.isfinite(value) and 1 < value <= 100:
            share = f"{value / 100:g}"
            zh = f"必须是 0 到 1 之间的比例（不含 0），请用 {share}（即 {value:g} %）"
            raise option_error(option, zh,
                               f"must be a share in (0, 1]; use {share} ({value:g} %)", value)
        raise option_error(option, "必须是 0 到 1 之间的比例（不含 0），如 0.8",
                           "must be a share in (0, 1], e.g. 0.8", value)


def check_number(option: str, value: float | None, *, low: float, low_ok: bool = True,
                 integer: bool = False) -> None:
    """Refuse a value below ``low`` (or equal to it when ``low_ok`` is false), NaN or infinity.

    Examples
    --------
    >>> try:
    ...     check_number("--parcels-per-village", -1, low=0)
    ... except ValueError as err:
    ...     print(err.message("en"))
    --parcels-per-village must be >= 0, got -1
    """
    if value is None:
        return
    op = ">=" if low_ok else ">"
    bad = not math.isfinite(value) or (value < low if low_ok else value <= low)
    if bad:
        raise option_error(option, f"必须 {op} {low:g}", f"must be {op} {low:g}", value)
    if integer and value != int(value):
        raise option_error(option, "必须是整数", "must be a whole number", value)


def check_input_file(option: str, value: str | Path | None) -> None:
    """Refuse an input file that does not exist or is a folder (before any work starts)."""
    if value is None:
        return
    path = Path(value)
    if not path.exists():
        raise option_error(option, f"文件不存在：{path}", f"file not found: {path}", str(path))
    if path.is_dir():
        raise option_error(option, f"是目录，不是文件：{path}", f"is a folder, not a file: {path}",
                           str(path))


def check_plan_options(*, coverage: float | None, warehouses: int | None,
                       parcels_per_village: float | None, seed: int | None,
                       workers: int | None, files: dict[str, str | None]) -> None:
    """Check every value option of ``ruralnet plan``; ``files`` maps option name to path."""
    check_share("--coverage", coverage)
    check_number("--warehouses", warehouses, low=1)
    check_number("--parcels-per-village", parcels_per_village, low=0)
    check_number("--seed", seed, low=0)
    check_number("--workers", workers, low=0)
    for option, path in files.items():
        check_input_file(option, path)

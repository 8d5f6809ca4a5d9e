"""The one settings object of ruralnet.

Modelled on geopandas' ``_config`` and OSMnx's ``settings``: a single
instance, :data:`settings`, validated on assignment and read only at the
edges of the package (command-line interface, loaders), never inside the
pure solver functions.

Examples
--------
>>> from ruralnet.settings import settings
>>> settings.seed
0
>>> settings.time_limit_s = -1
Traceback (most recent call last):
...
ValueError: time_limit_s must be > 0, got -1
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

_REPO_DATA = Path(__file__).resolve().parent.parent / "data"


def _default_cache_dir() -> Path:
    base = os.environ.get("RURALNET_CACHE_DIR")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "ruralnet"


def _default_data_dir() -> Path:
    env = os.environ.get("RURALNET_DATA_DIR")
    return Path(env) if env else _REPO_DATA


@dataclass
class Settings:
    """Package-wide settings.

    Attributes
    ----------
    data_dir
        Folder holding the embedded data (``admin/``, ``boundaries/``,
        ``targets/``). Defaults to the repository's ``data/`` folder or the
        ``RURALNET_DATA_DIR`` environment variable.
    cache_dir
        Folder for travel-matrix and OSM caches; never inside the git tree.
    crs
        Geographic CRS of every GeoDataFrame ruralnet returns.
    time_limit_s
        Default time limit for each optimisation call, in seconds.
    seed
        Default random seed; the same seed gives the same plan.
    use_cache
        Whether matrices and downloads are cached on disk.
    """

    data_dir: Path = field(default_factory=_default_data_dir)
    cache_dir: Path = field(default_factory=_default_cache_dir)
    crs: str = "EPSG:4326"
    time_limit_s: float = 10.0
    seed: int = 0
    use_cache: bool = True

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in {f.name for f in fields(Settings)}:
            raise AttributeError(f"unknown setting {name!r}")
        value = _check(name, value)
        object.__setattr__(self, name, value)


def _check(name: str, value: Any) -> Any:
    if name in ("data_dir", "cache_dir"):
        return Path(value)
    if name == "time_limit_s":
        if not isinstance(value, int | float) or value <= 0:
            raise ValueError(f"time_limit_s must be > 0, got {value}")
        return float(value)
    if name == "seed":
        if not isinstance(value, int) or value < 0:
            raise ValueError(f"seed must be an integer >= 0, got {value}")
    if name == "use_cache" and not isinstance(value, bool):
        raise ValueError(f"use_cache must be True or False, got {value!r}")
    if name == "crs" and not isinstance(value, str):
        raise ValueError(f"crs must be a string such as 'EPSG:4326', got {value!r}")
    return value


settings = Settings()


def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ruralnet")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


VERSION = _package_version()
"""The installed ruralnet version (from the package metadata)."""


def benchmarks_dir(name: str = "", *, env: dict[str, str] | None = None) -> Path:
    """Return the folder of the shared benchmark instances (or of one set of them).

    ``$RURALNET_BENCHMARKS`` when set, else ``../shared/benchmarks`` relative
    to the repository root (the folder that holds ``ruralnet/``). The one
    place tests and ``benchmarks/*.py`` look for instances; the folder may not
    exist (see :func:`missing_benchmarks_fail`).

    Parameters
    ----------
    name
        A set of instances inside the folder, e.g. ``"lrp-prodhon"``.
    env
        Environment to read (default :data:`os.environ`).

    Examples
    --------
    >>> benchmarks_dir("pmed", env={"RURALNET_BENCHMARKS": "/data/bench"}).as_posix()
    '/data/bench/pmed'
    >>> benchmarks_dir(env={}).parts[-2:]
    ('shared', 'benchmarks')
    """
    env = os.environ if env is None else env
    base = env.get("RURALNET_BENCHMARKS")
    root = Path(base) if base else _REPO_DATA.parent.parent / "shared" / "benchmarks"
    return root / name if name else root


def missing_benchmarks_fail(env: dict[str, str] | None = None) -> bool:
    """Whether a missing benchmark folder is an error (``CI=true``) rather than a skip.

    Examples
    --------
    >>> missing_benchmarks_fail({"CI": "true"}), missing_benchmarks_fail({})
    (True, False)
    """
    env = os.environ if env is None else env
    return env.get("CI", "").strip().lower() in ("true", "1", "yes")

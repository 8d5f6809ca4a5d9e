"""One error guard, one message language and one log format for every command.

:func:`guarded` wraps each command of ``ruralnet.cli.main`` and
``ruralnet.cli.targets``: a :class:`~ruralnet.exceptions.RuralnetError`
becomes its bilingual message and an exit code, anything else the internal
error message with the bug-report hint — never a traceback unless
``--debug``.

Exit codes: 0 success, 1 bad input or data, or a file that cannot be read
or written (disk full, no permission; the message says the fix), 2 usage
error (a bad option value; click's own usage errors too), 3 infeasible
constraints, 4 a plan failed validation, 70 internal error (a bug: please
report it; rerun with ``--debug`` for the traceback).

:func:`setup_logging` installs a handler whose lines are in the chosen
``--lang``: the level name is translated and the warnings a planner can see
(listed in :data:`LOG_ZH`, keyed by the logger's format string) have a
Chinese text. Warnings (``warnings.warn``) written as ``"中文 | English"``
are cut to the chosen language too.
"""

from __future__ import annotations

import functools
import logging
import sys
import warnings
from collections.abc import Callable
from typing import Any

import click

from ruralnet.exceptions import (
    InfeasibleError,
    ParameterError,
    PlanValidationError,
    RuralnetError,
    SolverBugError,
)

EXIT_INPUT, EXIT_USAGE, EXIT_INFEASIBLE, EXIT_INVALID, EXIT_INTERNAL = 1, 2, 3, 4, 70

BUG_HINT = ("这是 ruralnet 的程序错误：请用 --debug 重新运行，并把输出附在问题报告中 | "
            "this is a bug in ruralnet: rerun with --debug and attach the output to a bug report.")


def pick(text: str, lang: str) -> str:
    """Return the part of a ``"中文 | English"`` text in ``lang`` (the whole text for ``both``).

    Examples
    --------
    >>> pick("未找到县 | county not found", "en")
    'county not found'
    >>> pick("only English", "zh")
    'only English'
    """
    if lang == "both" or " | " not in text:
        return text
    zh, _, en = text.partition(" | ")
    return zh if lang == "zh" else en


def lang() -> str:
    """Return the message language: the root command's ``--lang`` if zh/en/both, else both.

    Read from the running command's context (not a global), so a command run
    on its own (``score`` outside the main group) never inherits the
    language of an earlier run in the same process.
    """
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root().params.get("lang") if ctx is not None else None
    return root if root in ("zh", "en", "both") else "both"


def debug() -> bool:
    """Return whether the root command was given ``--debug`` (tracebacks of internal errors)."""
    ctx = click.get_current_context(silent=True)
    return bool(ctx is not None and ctx.find_root().params.get("debug") is True)


def exit_code(err: RuralnetError) -> int:
    """Return the exit code of a ruralnet error (see the module docstring)."""
    if isinstance(err, SolverBugError):
        return EXIT_INTERNAL
    if isinstance(err, InfeasibleError):
        return EXIT_INFEASIBLE
    if isinstance(err, PlanValidationError):
        return EXIT_INVALID
    return EXIT_INPUT


def _say_warning(message: Any, category: Any, filename: str, lineno: int, file: Any = None,
                 line: Any = None) -> None:
    label = {"zh": "警告：", "en": "Warning: "}.get(lang(), "警告 warning: ")
    click.echo(click.style(label, fg="yellow") + pick(str(message), lang()), err=True)


def fail(err: RuralnetError) -> None:
    """Print ``err`` in the chosen language and exit with its code."""
    code = exit_code(err)
    label = {"zh": "错误：", "en": "Error: "}.get(lang(), "错误 error: ")
    text = err.message(lang())
    if code == EXIT_INTERNAL:
        text = f"{text}\n{pick(BUG_HINT, lang())}"
    click.echo(click.style(label, fg="red") + text, err=True)
    sys.exit(code)


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command; turn every error into a message and an exit code, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        warnings.showwarning = _say_warning
        try:
            return fn(*args, **kwargs)
        except ParameterError as err:  # an option value out of range: a usage error
            if _is_option_error(err):
                raise click.UsageError(err.message(lang())) from None
            fail(err)
        except RuralnetError as err:
            if debug() and exit_code(err) == EXIT_INTERNAL:
                raise
            fail(err)
        except (click.ClickException, click.Abort, click.exceptions.Exit, SystemExit,
                KeyboardInterrupt):
            raise
        except OSError as err:  # disk full, no permission, a file gone: the machine, not a bug
            if debug():
                raise
            where = f" {err.filename}" if getattr(err, "filename", None) else ""
            why = err.strerror or err
            fail(RuralnetError(f"无法读写文件{where}：{why}；请检查路径、权限和磁盘空间。",
                               f"cannot read or write{where}: {why}; check the "
                               "path, permissions and free disk space.", errno=err.errno))
        except Exception as err:  # last resort: no traceback for planners
            if debug():
                raise
            label = {"zh": "内部错误：", "en": "Internal error: "}.get(lang(),
                                                                      "内部错误 internal error: ")
            click.echo(click.style(label, fg="red") + f"{type(err).__name__}: {err}\n"
                       + pick(BUG_HINT, lang()), err=True)
            sys.exit(EXIT_INTERNAL)

    return wrapper


def _is_option_error(err: ParameterError) -> bool:
    return bool(err.details.get("option"))


def option_error(option: str, zh: str, en: str, value: Any) -> ParameterError:
    """Return the error of a bad option value (exit 2), the option named in both languages.

    Examples
    --------
    >>> option_error("--limit", "必须 >= 1", "must be >= 1", 0).message("en")
    '--limit must be >= 1, got 0'
    """
    shown = f"{value:g}" if isinstance(value, float) else value
    return ParameterError(f"{option} {zh}，实际为 {shown}", f"{option} {en}, got {shown}",
                          option=option, value=value)


# ------------------------------------------------------------------ logging in the chosen language

LEVEL_ZH = {"DEBUG": "调试", "INFO": "信息", "WARNING": "警告", "ERROR": "错误", "CRITICAL": "严重"}

LOG_ZH = {
    "trunk: infeasible with %s trucks per warehouse; solved with up to %d (%d used)":
        "干线：每个县级仓 %s 辆车无解；增至最多 %d 辆后求解（用 %d 辆）",
    "could not cache the contraction hierarchy in %s: %s": "无法在 %s 缓存收缩层次：%s",
    "ignoring unreadable contraction hierarchy %s: %s": "忽略无法读取的收缩层次缓存 %s：%s",
    "ignoring inconsistent contraction hierarchy %s": "忽略与路网不一致的收缩层次缓存 %s",
    "no CJK font installed: the print map is not embedded (apt-get install fonts-noto-cjk)":
        "未安装中文字体，报告中未嵌入打印图（请 apt-get install fonts-noto-cjk）",
    "%s found no feasible plan in %.1f s; trying %s": "%s 在 %.1f 秒内未找到可行方案，改用 %s",
    "%s found no feasible plan in %d iterations (%.1f s limit); trying %s":
        "%s 在 %d 次迭代内（时限 %.1f 秒）未找到可行方案，改用 %s",
    "joint warehouses infeasible in the daily routing (%s); using the facility-location "
    "warehouses": "联合选址的县级仓在每日线路中不可行（%s），改用设施选址的县级仓",
    "targets of %s infeasible, planning with the base parameters: %s":
        "%s 的目标无法全部满足，按基础参数规划：%s",
    "route %s has fewer than two known stops; not drawn": "线路 %s 已知停靠点少于两个，未画出",
    "could not cache the travel matrix in %s: %s": "无法在 %s 缓存出行矩阵：%s",
    "worker processes failed (%s: %s); searching in this process instead":
        "工作进程失败（%s：%s），改在本进程中计算",
    "ignoring unreadable matrix cache %s: %s": "忽略无法读取的矩阵缓存 %s：%s",
    "%s failed: %s": "%s 规划失败：%s",
}
"""Chinese text of every warning the package logs, keyed by the logger's format string."""


class LangFormatter(logging.Formatter):
    """Log lines in ``zh``, ``en`` or both: translated level name and, where known, message."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang

    def format(self, record: logging.LogRecord) -> str:
        """Return ``LEVEL logger: message`` in the formatter's language."""
        en = record.getMessage()
        zh_template = LOG_ZH.get(str(record.msg))
        zh = en
        if zh_template is not None:
            try:
                zh = zh_template % record.args if record.args else zh_template
            except (TypeError, ValueError):
                zh = en
        level_zh = LEVEL_ZH.get(record.levelname, record.levelname)
        if self.lang == "en":
            text = f"{record.levelname} {record.name}: {en}"
        elif self.lang == "zh":
            text = f"{level_zh} {record.name}：{pick(zh, 'zh')}"
        else:
            both = en if zh == en else f"{zh} | {en}"
            text = f"{level_zh} {record.levelname} {record.name}: {both}"
        if record.exc_info and logging.getLogger().isEnabledFor(logging.DEBUG):  # with -vv
            text += "\n" + self.formatException(record.exc_info)
        return text


def setup_logging(lang: str, verbose: int) -> None:
    """Send log lines to stderr in ``lang``: ruralnet's warnings by default, all INFO with -v."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(LangFormatter(lang))
    if verbose == 0:  # other libraries' warnings (matplotlib's font search) are not for planners
        handler.addFilter(lambda r: r.name.startswith("ruralnet") or r.levelno >= logging.ERROR)
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h.formatter, LangFormatter)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.WARNING - 10 * min(verbose, 2))

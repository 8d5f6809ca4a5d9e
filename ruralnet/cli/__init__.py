"""The command-line interface: the only code that prints or maps errors to exit codes."""

from ruralnet.cli.main import main

__all__ = ["main"]

"""`enroll-station` command line: one subcommand module each, all over the same services."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from enroll_app import __version__
from enroll_app.logs import configure_logging

# Each module defines `register(subparsers)` and sets `func` on its parsers; handlers return the
# exit code. Modules import their heavy dependencies inside the handlers, so `--help` stays fast.
_COMMAND_MODULES = (
    "enroll_app.cli.sim",
    "enroll_app.cli.device",
    "enroll_app.cli.models",
    "enroll_app.cli.photo",
    "enroll_app.cli.enroll",
    "enroll_app.cli.discover",
    "enroll_app.cli.gui",
    "enroll_app.cli.selftest",
    "enroll_app.cli.importer",
)

Handler = Callable[[argparse.Namespace], int]


class UsageError(Exception):
    """A command was called with arguments that do not fit; exits with status 2."""


def build_parser() -> tuple[argparse.ArgumentParser, set[str]]:
    """The parser and the names of the commands it knows."""
    parser = argparse.ArgumentParser(
        prog="enroll-station",
        description="Enrollment station for LAN face-recognition access terminals.",
    )
    parser.add_argument("--version", action="version", version=f"enroll-station {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(subparsers)
    return parser, set(subparsers.choices)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `enroll-station` console script."""
    parser, commands = build_parser()
    args = parser.parse_args(argv)
    configure_logging()
    func: Handler | None = getattr(args, "func", None)
    if func is None:
        if "gui" not in commands:
            parser.print_help()
            return 0
        args = parser.parse_args(["gui", *(argv or [])])
        func = args.func
    try:
        return func(args)
    except UsageError as exc:
        parser.exit(2, f"enroll-station: error: {exc}\n")
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

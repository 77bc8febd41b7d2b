"""`enroll-station gui [--demo]`: the desktop application (also what runs with no command)."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    """Add the `gui` command."""
    parser = subparsers.add_parser(
        "gui",
        help="open the enrollment station window (the default command)",
        description="Open the enrollment station window.",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start three simulated terminals on this computer, to try the station without hardware",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the window until it is closed."""
    from enroll_app.ui.app import run_gui

    return run_gui(demo=bool(args.demo))

"""`enroll-station selftest [--json]`: check this installation without any hardware."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from typing import Any


def register(subparsers: Any) -> None:
    """Add the `selftest` command."""
    parser = subparsers.add_parser(
        "selftest",
        help="check this installation without hardware (models, quality checks, enrollment)",
        description=(
            "Verify the model files, run the quality checks on a bundled portrait, then enroll, "
            "read back and remove a person on a simulated terminal. Exit status 0 only if every "
            "step passes."
        ),
    )
    parser.add_argument("--json", action="store_true", help="print one JSON report at the end")
    parser.add_argument(
        "--pause",
        action="store_true",
        help="wait for Enter before exiting (the installer runs it in its own console window)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the steps, printing each as it ends (or one JSON document with --json)."""
    import asyncio

    from enroll_app.services.selftest import StepResult, run_selftest

    as_json = bool(args.json)

    def show(step: StepResult) -> None:
        if not as_json:
            mark = "PASS" if step.ok else "FAIL"
            print(f"{mark}  {step.name:<20} {step.seconds:6.2f} s  {step.detail}", flush=True)

    report = asyncio.run(run_selftest(on_step=show))
    if as_json:
        json.dump(report.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        verdict = "all steps passed" if report.ok else "FAILED"
        print(f"selftest: {verdict} in {report.seconds:.1f} s")
    if args.pause:
        with contextlib.suppress(EOFError):
            input("Press Enter to close this window.")
    return 0 if report.ok else 1

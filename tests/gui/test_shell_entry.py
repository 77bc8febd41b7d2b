"""The real entry point: `enroll-station` with no command opens the window and quits cleanly."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from enroll_app.cli import build_parser
from enroll_app.cli import gui as gui_command

START_TIMEOUT_S = 60  # a cold start imports Qt and numpy on a busy machine


@pytest.fixture
def station_process(request: pytest.FixtureRequest) -> Iterator[subprocess.Popen[str]]:
    """`python -m enroll_app <args>` headless, in the test's station home."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    process = subprocess.Popen(
        [sys.executable, "-m", "enroll_app", *request.param],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    yield process
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)
    assert process.stderr is not None
    process.stderr.close()


def _read_until(process: subprocess.Popen[str], wanted: str) -> list[str]:
    """Lines of the process's log up to the first one containing `wanted`."""
    assert process.stderr is not None
    lines: list[str] = []
    deadline = time.monotonic() + START_TIMEOUT_S
    with selectors.DefaultSelector() as selector:
        selector.register(process.stderr, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not selector.select(timeout=deadline - time.monotonic()):
                break
            line = process.stderr.readline()
            if not line:
                break
            lines.append(line)
            if wanted in line:
                return lines
    raise AssertionError(f"{wanted!r} never logged; got:\n{''.join(lines)}")


def test_gui_is_the_default_command() -> None:
    parser, commands = build_parser()
    assert "gui" in commands
    args = parser.parse_args(["gui", "--demo"])
    assert args.func is gui_command.run
    assert args.demo is True
    assert parser.parse_args(["gui"]).demo is False


@pytest.mark.parametrize("station_process", [[]], indirect=True)
def test_no_command_opens_the_window_and_sigterm_quits_in_order(
    station_process: subprocess.Popen[str],
) -> None:
    _read_until(station_process, "main window shown")
    station_process.send_signal(signal.SIGTERM)
    rest = station_process.communicate(timeout=30)[1]
    assert station_process.returncode == 0, rest
    assert "station closed" in rest
    assert "Traceback" not in rest


@pytest.mark.parametrize("station_process", [["gui", "--demo"]], indirect=True)
def test_demo_flag_starts_the_simulated_terminals_and_stops_them_on_quit(
    station_process: subprocess.Popen[str],
) -> None:
    _read_until(station_process, "demo mode: 3 simulated terminals started")
    station_process.send_signal(signal.SIGINT)
    rest = station_process.communicate(timeout=30)[1]
    assert station_process.returncode == 0, rest
    assert rest.index("demo mode stopped") < rest.index("station closed")

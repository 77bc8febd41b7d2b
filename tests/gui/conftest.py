"""GUI test harness: one qasync loop per test (`qloop`), and failures for stalls and leaks.

pytest-qt does not drive asyncio, so `qloop` installs a qasync loop that counts as running for
the whole test: anything that processes Qt events (`qtbot.waitSignal`, `qtbot.waitUntil`,
`qloop.run(...)`) also runs asyncio callbacks. The loop runs in debug mode with
`slow_callback_duration = 0.05`: a callback that blocks the UI thread for 50 ms or more fails the
test, as does a task, a pending loop callback, a top-level widget or a thread left behind.

    def test_something(qtbot, qloop, station):
        qtbot.mouseClick(...)
        qloop.run(station.context.tasks.wait_idle())      # or qtbot.waitSignal(...)
"""

from __future__ import annotations

import asyncio
import gc
import linecache
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import qasync
from gui_harness import SLOW_CALLBACK_SECONDS, LoopWarnings, QLoop, pending_handles
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from station_data import SimProcess

from enroll_app.face.engine import preload_runtime
from enroll_app.ui.app import Station, create_application
from enroll_app.ui.settings import THIS_PC_ONLY, Preferences, StationSettings


@pytest.fixture(scope="session", autouse=True)
def startup_heap_frozen() -> Iterator[None]:
    """The imports' heap leaves the cyclic collector, as in `run_station` once the window shows.

    A full pass over it (pytest, Qt, the native inference modules) took 80-130 ms and failed
    whichever loop step it fell into; passes over what the tests build still count.
    """
    preload_runtime()
    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[SimProcess]:
    """A simulated terminal in its own process on 127.0.0.2 (a page's loop never serves it)."""
    term = SimProcess("127.0.0.2", tmp_path / "terminal")
    yield term
    term.close()


@pytest.fixture(autouse=True)
def receiver_on_loopback(station_home: Path, unused_tcp_port: int) -> Preferences:
    """Every station of a GUI test receives uploads on 127.0.0.1 and a free port.

    Never on every network (0.0.0.0) nor on the fixed 8099, which a running station or another
    test run may hold. Tests that change preferences keep these (`gui_harness.change_preferences`).
    """
    preferences = Preferences(receiver_host=THIS_PC_ONLY, receiver_port=unused_tcp_port)
    StationSettings().save_preferences(preferences)
    return preferences


@pytest.fixture
def qloop(qapp: QApplication, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> Iterator[QLoop]:
    """A debug-mode qasync loop, running for the whole test; fails on stalls and leaks."""
    # In debug mode every future and task records the whole stack it was made from, with
    # source lines, and linecache stats each file of that stack to see whether it changed:
    # dozens of stat calls per future, each handing the GIL to the test's other threads. That
    # is the harness's own cost, not the station's (production runs without debug mode); the
    # sources do not change during a test, so skip the check and measure the station alone.
    monkeypatch.setattr(linecache, "checkcache", _sources_unchanged)
    loop = qasync.QEventLoop(qapp, already_running=True)
    loop.set_debug(True)
    loop.slow_callback_duration = SLOW_CALLBACK_SECONDS
    catcher = LoopWarnings()
    loggers = [logging.getLogger("asyncio"), logging.getLogger("qasync")]
    for logger in loggers:
        logger.addHandler(catcher)
    harness = QLoop(loop, qtbot, catcher.messages)
    try:
        yield harness
        leaked = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in leaked:
            task.cancel()
        if leaked:
            qtbot.waitUntil(lambda: all(t.done() for t in leaked), timeout=5000)
        qapp.processEvents()
        handles = pending_handles(loop)
        assert not leaked, f"tasks left running: {leaked}"
        assert not handles, f"loop callbacks left scheduled: {handles}"
        assert not catcher.messages, f"event loop warnings: {catcher.messages}"
    finally:
        for logger in loggers:
            logger.removeHandler(catcher)
        loop.set_debug(False)
        # Not loop.stop(): it calls QApplication.exit(), which outside exec() leaves Qt's
        # quit flag set, and every later nested event loop (qtbot.wait*) returns at once.
        loop._QEventLoop__is_running = False
        loop.close()
        asyncio.events._set_running_loop(None)


def _sources_unchanged(filename: str | None = None) -> None:
    del filename


@pytest.fixture(autouse=True)
def no_leaked_windows_or_threads(qapp: QApplication) -> Iterator[None]:
    """Fail a test that leaves a top-level widget or a thread behind."""
    windows_before = {id(w) for w in qapp.topLevelWidgets()}
    threads_before = set(threading.enumerate())
    yield
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    left = [w for w in qapp.topLevelWidgets() if id(w) not in windows_before]
    threads = [
        t
        for t in threading.enumerate()
        if t not in threads_before and not isinstance(t, threading._DummyThread)
    ]
    assert not left, f"top-level widgets left behind: {left}"
    assert not threads, f"threads left running: {threads}"


@pytest.fixture
def station(qloop: QLoop, qtbot: QtBot) -> Iterator[Station]:
    """The real application (window, presenter, context) on the test's loop; closed after."""
    app = create_application()
    opened = Station.open(app)
    yield opened
    # As in production: the window closes, the station shuts down, and only then do widgets
    # go (services may own QObjects parented to their pages).
    opened.window.close()
    qloop.run(opened.aclose())
    opened.window.deleteLater()

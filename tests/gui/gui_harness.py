"""The pieces of the GUI harness that tests import by name (`from gui_harness import QLoop`)."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import qasync
from pytestqt.qtbot import QtBot

T = TypeVar("T")

SLOW_CALLBACK_SECONDS = 0.05  # house style: a loop step must not stall the UI thread


class LoopWarnings(logging.Handler):
    """Collects WARNING+ records of asyncio and qasync (slow callbacks, lost exceptions)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@dataclass
class QLoop:
    """The test's qasync loop; `run(awaitable)` processes Qt events until it is done."""

    loop: qasync.QEventLoop
    qtbot: QtBot
    warnings: list[str] = field(default_factory=list)

    def run(self, awaitable: Awaitable[T], timeout: float = 10.0) -> T:
        """Drive Qt and asyncio until `awaitable` is done; return its result or raise."""
        task = asyncio.ensure_future(awaitable)
        self.qtbot.waitUntil(task.done, timeout=int(timeout * 1000))
        return task.result()


def pending_handles(loop: qasync.QEventLoop) -> list[Any]:
    # qasync 0.28 (pinned) keeps scheduled callbacks in its timer; nothing public lists them.
    callbacks: dict[int, Any] = loop._timer._SimpleTimer__callbacks
    return [handle for handle in callbacks.values() if not handle._cancelled]


def change_preferences(**changes: Any) -> Any:
    """Save the station's preferences with `changes` (the rest, e.g. the receiver's loopback
    address from the `receiver_on_loopback` fixture, stays as it is); the new Preferences."""
    from enroll_app.ui.settings import StationSettings

    settings = StationSettings()
    chosen = dataclasses.replace(settings.preferences, **changes)
    settings.save_preferences(chosen)
    return chosen


def close_station(station: Any, qloop: QLoop) -> None:
    """Quit a `Station` the way the application does, then delete its window."""
    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.processEvents()  # what a shown window would have done before its close
    station.window.close()
    qloop.run(station.aclose())
    station.window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)

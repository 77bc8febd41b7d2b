"""`AppContext`: the long-lived services of one running station, closed in order on quit.

Create one per application (`AppContext(settings)`), hand it to every page factory, and
`await context.aclose()` once when the window has closed. Services plug in like this::

    preferences = context.settings.preferences
    receiver = UploadReceiver(..., host=preferences.receiver_host, port=preferences.receiver_port)
    context.tasks.start(receiver.start, label=...)
    context.on_shutdown(ShutdownStage.CLIENTS, receiver.aclose)
    receiver.changed = lambda: context.set_terminal_counts(online, offline)

Shutdown order (house style): running tasks, network clients and servers (terminal pool,
receiver, demo terminals), the capture thread, the store.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Awaitable, Callable

from PySide6.QtCore import QObject, Signal

from enroll_app.services.demo import DemoTerminal, DemoTerminals
from enroll_app.services.discovery import TerminalRegistry
from enroll_app.services.station import StationServices
from enroll_app.services.worker import BlockingWorker
from enroll_app.ui.settings import StationSettings
from enroll_app.ui.tasks import TaskRunner

logger = logging.getLogger(__name__)

Closer = Callable[[], Awaitable[None]]


class ShutdownStage(enum.IntEnum):
    """When a service is closed on quit; lower stages close first."""

    CLIENTS = 1  # terminal clients and pools, receivers, simulated terminals
    CAPTURE = 2  # the camera capture thread
    STORE = 3  # the database, last: everything above may still write to it


class AppContext(QObject):
    """Owns the task runner, settings, demo terminals and whatever services register closers."""

    terminals_changed = Signal(int, int)  # online, offline
    demo_changed = Signal(bool)  # demo terminals running
    demo_terminals_started = Signal(list)  # list[DemoTerminal], for discovery to pick up

    def __init__(self, settings: StationSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.tasks = TaskRunner(self)
        self.demo = DemoTerminals()
        self._closers: list[tuple[ShutdownStage, str, Closer]] = []
        self._counts = (0, 0)
        self._closed = False
        self.on_shutdown(ShutdownStage.CLIENTS, self.stop_demo, name="demo terminals")
        # Store, keys, connection pool, face engine, gallery: opened on first `station_ready()`.
        # Disk and keyring work of the UI's services runs here, never on the UI thread.
        # Registered before the store: within a stage the last registered closes first.
        self.worker = BlockingWorker("station-io")
        self.on_shutdown(ShutdownStage.STORE, self.worker.aclose, name="disk thread")
        self.station = StationServices(registry=TerminalRegistry(worker=self.worker))
        self._station_start: asyncio.Task[None] | None = None
        self.on_shutdown(ShutdownStage.CLIENTS, self.station.connections.aclose, name="pool")
        self.on_shutdown(ShutdownStage.STORE, self.station.aclose, name="station services")

    @property
    def terminal_counts(self) -> tuple[int, int]:
        """(online, offline) terminals as last reported."""
        return self._counts

    def set_terminal_counts(self, online: int, offline: int) -> None:
        """Called by discovery / the heartbeat receiver whenever the numbers change."""
        if (online, offline) != self._counts:
            self._counts = (online, offline)
            self.terminals_changed.emit(online, offline)

    def report_problem(self, text: str) -> None:
        """Show an expected problem in the status bar (e.g. a service that could not start)."""
        self.tasks.problem.emit(text)

    def on_shutdown(self, stage: ShutdownStage, closer: Closer, *, name: str = "") -> None:
        """Register `closer` to be awaited on quit, after every closer of an earlier stage."""
        self._closers.append((stage, name or getattr(closer, "__qualname__", "service"), closer))

    async def station_ready(self) -> StationServices:
        """The station's services, started on first call (store, keys; engine in background)."""
        if self._station_start is None:
            self._station_start = asyncio.ensure_future(self.station.start())
        await asyncio.shield(self._station_start)
        return self.station

    async def start_demo(self) -> list[DemoTerminal]:
        """Start the demo terminals (see `services.demo`) and announce them."""
        terminals = await self.demo.start()
        self.demo_changed.emit(True)
        self.demo_terminals_started.emit(terminals)
        return terminals

    async def stop_demo(self) -> None:
        """Stop the demo terminals if they run."""
        if self.demo.running:
            await self.demo.stop()
            self.demo_changed.emit(False)

    async def aclose(self) -> None:
        """Quit: cancel tasks, then close every service stage by stage. Runs once."""
        if self._closed:
            return
        self._closed = True
        await self.tasks.aclose()
        starting = self._station_start
        if starting is not None and not starting.done():
            # A start still under way would go on opening services after they were closed.
            starting.cancel()
            await asyncio.gather(starting, return_exceptions=True)
        # Within a stage, last registered closes first: later services sit on earlier ones.
        ordered = sorted(enumerate(self._closers), key=lambda item: (item[1][0], -item[0]))
        for _, (stage, name, closer) in ordered:
            try:
                await closer()
            except Exception:  # one failing service must not keep the others open
                logger.exception("closing %s (%s) failed", name, stage.name.lower())

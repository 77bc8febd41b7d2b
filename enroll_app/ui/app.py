"""Start the station's window: one QApplication, one qasync loop, an ordered shutdown.

`run_gui()` is what `enroll-station gui` calls. `Station` is the assembled application (context,
window, presenter); tests build one with `Station.open(app)` on their own loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import qasync
from PySide6.QtCore import Qt, QTranslator
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from enroll_app import __version__, logs
from enroll_app.face.engine import preload_runtime
from enroll_app.home import station_path
from enroll_app.ui.context import AppContext
from enroll_app.ui.first_run import FirstRunPresenter
from enroll_app.ui.i18n import install_translators, remove_translators, resolve_language
from enroll_app.ui.main_window import MainWindow
from enroll_app.ui.pages import install_pages
from enroll_app.ui.settings import StationSettings
from enroll_app.ui.shell_presenter import ShellPresenter
from enroll_app.ui.theme import apply_theme

logger = logging.getLogger(__name__)

APP_NAME = "Enroll Station"
LOG_FILE = "station.log"
UI_SWITCH_INTERVAL = 0.001  # seconds a thread may hold the GIL while the UI thread waits


def log_path() -> Path:
    """The station's log file (tracebacks of bugs go there)."""
    return station_path("logs") / LOG_FILE


def configure_logging() -> None:
    """Log to a rotating file in the station's home and to stderr (keys and IDs redacted)."""
    logs.configure_logging(stderr_level=logging.INFO)


def create_application(argv: Sequence[str] = ()) -> QApplication:
    """The QApplication, set up for high-DPI screens and a shutdown we control."""
    # Background threads (face engine, demo terminals, disk work) run Python too. Each time the
    # UI thread waits on a socket or a file it hands them the GIL and, by default, waits up to
    # 5 ms to get it back: a loop step with ten such calls stalls for 50 ms. 1 ms keeps the UI
    # responsive at a small cost to the background work's throughput.
    sys.setswitchinterval(UI_SWITCH_INTERVAL)
    preload_runtime()  # before any loop runs: loading models later must not freeze the window
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        app = existing
    else:
        # Fractional scaling (125 %, 150 %) drawn as is, not rounded: crisp text on any screen.
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
        app = QApplication([APP_NAME, *argv])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName("enroll-station")
    # The window's `closed` signal ends the main coroutine; Qt must not stop the loop first.
    app.setQuitOnLastWindowClosed(False)
    return app


class Station:
    """The running application: context, main window and its presenter. UI thread."""

    def __init__(self, app: QApplication, settings: StationSettings) -> None:
        self.app = app
        self.settings = settings
        preferences = settings.preferences
        self.language = resolve_language(preferences.language)
        self._translators: list[QTranslator] = install_translators(app, self.language)
        self.context = AppContext(settings)
        self.context.tasks.language = self.language
        self.window = MainWindow(apply_theme(app, preferences.theme))
        install_pages(self.window, self.context)
        self.presenter = ShellPresenter(self.context, self.window, app, log_path())
        self.first_run = FirstRunPresenter(self.context, self.window, self.presenter.start_demo)
        self.presenter.restore_window()
        self._closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.window.closed.connect(self._window_closed)

    @classmethod
    def open(cls, app: QApplication) -> Station:
        """Build the station from the settings in the station's home (call on the loop)."""
        return cls(app, StationSettings())

    def show(self, *, demo: bool = False) -> None:
        """Show the window, then start the demo or offer it."""
        self.window.show()
        logger.info("main window shown")
        self.first_run.start(demo=demo)  # before the shell marks the first start as done
        self.presenter.start(demo=demo)

    async def wait_closed(self) -> None:
        """Return once the operator closed the window."""
        await asyncio.shield(self._closed)

    async def aclose(self) -> None:
        """Shut down in order (tasks, clients, capture, store), then drop the translators."""
        await self.context.aclose()
        remove_translators(self.app, self._translators)
        self._translators = []
        logger.info("station closed")

    def _window_closed(self) -> None:
        if not self._closed.done():
            self._closed.set_result(None)


async def run_station(app: QApplication, *, demo: bool) -> int:
    """The main coroutine: open, run until the window closes, shut down in order."""
    loop = asyncio.get_running_loop()
    station = Station.open(app)
    loop.set_exception_handler(lambda _loop, ctx: _loop_error(station, ctx))
    previous_hook = sys.excepthook
    sys.excepthook = lambda *exc_info: _slot_error(station, *exc_info)
    _close_on_signals(loop, station.window)
    try:
        station.show(demo=demo)
        # The startup heap (modules, widgets) leaves the cyclic collector: each full pass over
        # it took ~75 ms on the UI thread, at whatever moment the allocations triggered one.
        gc.freeze()
        await station.wait_closed()
    finally:
        sys.excepthook = previous_hook
        await station.aclose()
    return 0


def run_gui(*, demo: bool = False, argv: Sequence[str] = ()) -> int:
    """Run the desktop application until the window closes; returns the exit code."""
    configure_logging()
    app = create_application(argv)
    logger.info("Enroll Station %s starting (demo=%s)", __version__, demo)
    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        return runner.run(run_station(app, demo=demo))


def _close_on_signals(loop: asyncio.AbstractEventLoop, window: MainWindow) -> None:
    # Ctrl+C in the terminal or a service manager's SIGTERM: the same ordered shutdown.
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, window.close)


def _slot_error(
    station: Station,
    exc_type: type[BaseException],
    exc: BaseException,
    tb: TracebackType | None,
) -> None:
    # Exceptions escaping a plain Qt slot end up here: a bug, shown like any other.
    station.context.tasks.report_bug(exc.with_traceback(tb), "Qt")


def _loop_error(station: Station, context: dict[str, Any]) -> None:
    exc = context.get("exception")
    if isinstance(exc, Exception):
        station.context.tasks.report_bug(exc, str(context.get("message", "")))
    else:
        logger.error("event loop: %s", context.get("message"))

"""`ShellPresenter`: wires the main window to the app context (settings, demo, status, errors)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication

from enroll_app.services.demo import DemoTerminal
from enroll_app.ui.context import AppContext
from enroll_app.ui.crash_dialog import CrashDialog
from enroll_app.ui.dialogs import ask
from enroll_app.ui.main_window import MainWindow
from enroll_app.ui.settings import Preferences, SettingsError
from enroll_app.ui.settings_dialog import SettingsDialog
from enroll_app.ui.theme import apply_theme

logger = logging.getLogger(__name__)

DEMO_BANNER = "demo"
WELCOME_BANNER = "welcome"


class ShellPresenter(QObject):
    """Reacts to the window's requests and to the context's state. UI thread."""

    def __init__(
        self, context: AppContext, window: MainWindow, app: QApplication, log_path: Path
    ) -> None:
        super().__init__(window)
        self.context = context
        self.window = window
        self._app = app
        self._log_path = log_path
        self._crash_dialog: CrashDialog | None = None
        tasks = context.tasks
        tasks.busy_changed.connect(window.status.set_busy)
        tasks.progress_changed.connect(window.status.set_progress)
        tasks.problem.connect(window.status.show_problem)
        tasks.crashed.connect(self.show_crash)
        context.terminals_changed.connect(self._terminals_changed)
        context.demo_changed.connect(window.set_demo_running)
        window.settings_requested.connect(self.edit_settings)
        window.demo_toggle_requested.connect(self.toggle_demo)
        window.closed.connect(self.save_window)

    # -- start and quit --------------------------------------------------------------------

    def restore_window(self) -> None:
        """Put the window where the operator left it (or at a sensible default size)."""
        geometry, state = self.context.settings.window_state()
        if geometry is None or not self.window.restoreGeometry(geometry):
            self.window.resize(1180, 760)
        if state is not None:
            self.window.restoreState(state)

    def save_window(self) -> None:
        """Remember the window's geometry (a failure is logged: quitting must go on)."""
        try:
            self.context.settings.save_window_state(
                self.window.saveGeometry(), self.window.saveState()
            )
        except SettingsError as exc:
            logger.warning("window geometry not saved: %s", exc)

    def start(self, *, demo: bool) -> None:
        """After the window is shown: start the demo, or offer it on the first start."""
        settings = self.context.settings
        if demo:
            self.start_demo()
        elif settings.first_start and sum(self.context.terminal_counts) == 0:
            self.offer_demo()
        if settings.first_start:
            try:
                settings.mark_started()
            except SettingsError as exc:
                self.window.status.show_problem(str(exc))

    # -- demo ------------------------------------------------------------------------------

    def offer_demo(self) -> None:
        """Suggest the demo (non-modal). Discovery calls this too when a scan finds nothing."""
        if self.context.demo.running:
            return
        self.window.show_banner(
            WELCOME_BANNER,
            "info",
            self.tr(
                "No terminal is known yet. Connect a terminal to this network, or start the "
                "demo: three simulated terminals on this computer show the whole station working."
            ),
            [(self.tr("Start demo"), self.start_demo)],
        )

    def toggle_demo(self) -> None:
        """Start the demo terminals, or stop them when they run."""
        if self.context.demo.running:
            self.stop_demo()
        else:
            self.start_demo()

    def start_demo(self) -> None:
        """Start three simulated terminals in the background."""
        self.window.hide_banner(WELCOME_BANNER)
        self.context.tasks.start(
            self.context.start_demo,
            label=self.tr("Starting demo terminals"),
            on_success=self._demo_started,
            on_error=self._demo_failed,
        )

    def stop_demo(self) -> None:
        """Stop the simulated terminals."""
        self.window.hide_banner(DEMO_BANNER)
        self.context.tasks.start(self.context.stop_demo, label=self.tr("Stopping demo terminals"))

    def _demo_started(self, terminals: list[DemoTerminal]) -> None:
        where = ", ".join(f"{t.host}:{t.port}" for t in terminals)
        text = self.tr("Demo mode: {count} simulated terminals ({addresses}).").format(
            count=len(terminals), addresses=where
        )
        self.window.show_banner(
            DEMO_BANNER, "info", text, [(self.tr("Stop demo"), self.stop_demo)], closable=False
        )

    def _demo_failed(self, exc: BaseException) -> None:
        self.window.show_banner(
            DEMO_BANNER,
            "error",
            self.tr("The demo terminals could not start: {reason}").format(reason=exc),
            [(self.tr("Try again"), self.start_demo)],
        )

    def _terminals_changed(self, online: int, offline: int) -> None:
        self.window.status.set_terminal_counts(online, offline)
        if online + offline > 0:
            self.window.hide_banner(WELCOME_BANNER)

    # -- settings --------------------------------------------------------------------------

    def edit_settings(self) -> None:
        """Open the settings dialog (window-modal, awaited, never `exec()`)."""
        self.context.tasks.start(self._edit_settings, label="")

    async def _edit_settings(self) -> None:
        before = self.context.settings.preferences
        dialog = SettingsDialog(before, self.window)
        if not await ask(dialog):
            return
        after = dialog.preferences()  # read before the loop runs again: the dialog is deleted
        await asyncio.sleep(0)  # let the dialog close and repaint before the disk write
        self.context.settings.save_preferences(after)
        await asyncio.sleep(0)
        self._apply(before, after)

    def _apply(self, before: Preferences, after: Preferences) -> None:
        if after.theme != before.theme:
            self.window.apply_colors(apply_theme(self._app, after.theme))
        if after.language != before.language:
            self.window.status.showMessage(
                self.tr("The new language is used after a restart."), 15000
            )

    # -- errors ----------------------------------------------------------------------------

    def show_crash(self, summary: str, details: str) -> None:
        """Show a bug in the crash dialog (one dialog collects every bug while it is open)."""
        if self._crash_dialog is None:
            self._crash_dialog = CrashDialog(self._log_path, self.window)
            self._crash_dialog.destroyed.connect(self._crash_dialog_closed)
        self._crash_dialog.add_crash(summary, details)
        self._crash_dialog.show()
        self._crash_dialog.raise_()

    def _crash_dialog_closed(self) -> None:
        self._crash_dialog = None

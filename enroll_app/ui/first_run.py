"""First-run wizard (language, camera, terminals or demo, site key) and the support actions.

`FirstRunWizard` asks four short questions; every page can be skipped. `FirstRunPresenter`
shows it once on a station's very first start (not with `--demo`), applies the answers, and
remembers that it was shown: it comes back only from the Station menu ("First-run wizard…").
The same presenter runs "Export diagnostics…" (a zip of logs and settings, no secrets).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from enroll_app.home import station_home
from enroll_app.services.diagnostics import export_diagnostics
from enroll_app.services.keys import KeyStoreError, check_key
from enroll_app.ui.context import AppContext, ShutdownStage
from enroll_app.ui.dialogs import ask
from enroll_app.ui.main_window import MainWindow
from enroll_app.ui.settings import Preferences, SettingsError
from enroll_app.ui.settings_dialog import CAMERA_SLOTS

logger = logging.getLogger(__name__)

DONE_MARKER = "first-run-done"  # in the station's folder: the wizard was finished or skipped
DIAGNOSTICS_BANNER = "diagnostics"
TerminalsChoice = Literal["scan", "demo", "later"]


@dataclass(frozen=True)
class FirstRunAnswers:
    """What the operator chose; `site_key` empty means "keep the factory key"."""

    language: str
    camera_index: int
    terminals: TerminalsChoice
    site_key: str


class FirstRunWizard(QWizard):
    """Four pages: language, camera, terminals, site key. "Skip" (Cancel) leaves everything."""

    def __init__(
        self, preferences: Preferences, parent: QWidget | None = None, *, pages: bool = True
    ) -> None:
        """The wizard with its pages; `pages=False` leaves them to `add_pages_async`."""
        super().__init__(parent)
        self.setWindowTitle(self.tr("Set up this station"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setButtonText(QWizard.WizardButton.CancelButton, self.tr("Skip"))
        self.setButtonText(QWizard.WizardButton.NextButton, self.tr("Next"))
        self.setButtonText(QWizard.WizardButton.BackButton, self.tr("Back"))
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("Finish"))
        self.setMinimumWidth(560)
        self._preferences = preferences
        if pages:
            for build in self._page_builders():
                self.addPage(build())

    def _page_builders(self) -> list[Callable[[], QWizardPage]]:
        preferences = self._preferences
        return [
            lambda: self._language_page(preferences),
            lambda: self._camera_page(preferences),
            self._terminals_page,
            lambda: SiteKeyPage(self),
        ]

    async def add_pages_async(self) -> None:
        """Add the pages one loop step each, so building never stalls the window."""
        for build in self._page_builders():
            self.addPage(build())
            await asyncio.sleep(0)

    def _page(self, title: str, text: str) -> tuple[QWizardPage, QFormLayout]:
        page = QWizardPage()
        page.setTitle(title)
        page.setSubTitle(text)
        layout = QVBoxLayout(page)
        form = QFormLayout()
        layout.addLayout(form)
        layout.addStretch(1)
        return page, form

    def _language_page(self, preferences: Preferences) -> QWizardPage:
        page, form = self._page(
            self.tr("Language"),
            self.tr("The language of the station's window. It is used from the next start."),
        )
        self.language = QComboBox()
        for value, title in (
            ("system", self.tr("Same as the system")),
            ("en", "English"),
            ("zh_CN", "简体中文"),
        ):
            self.language.addItem(title, value)
        self.language.setCurrentIndex(max(0, self.language.findData(preferences.language)))
        form.addRow(self.tr("Language:"), self.language)
        return page

    def _camera_page(self, preferences: Preferences) -> QWizardPage:
        page, form = self._page(
            self.tr("Camera"),
            self.tr("The camera that takes enrollment photos. Camera 1 is the built-in one."),
        )
        self.camera = QComboBox()
        for index in range(CAMERA_SLOTS):
            self.camera.addItem(self.tr("Camera {number}").format(number=index + 1), index)
        self.camera.setCurrentIndex(max(0, self.camera.findData(preferences.camera_index)))
        form.addRow(self.tr("Camera:"), self.camera)
        return page

    def _terminals_page(self) -> QWizardPage:
        page, form = self._page(
            self.tr("Terminals"),
            self.tr("The access terminals this station enrolls people on."),
        )
        self.scan = QRadioButton(self.tr("Find the terminals on this network now"))
        self.demo = QRadioButton(
            self.tr("Start the demo: three simulated terminals on this computer")
        )
        self.later = QRadioButton(self.tr("Later (Terminals page)"))
        self._terminals = QButtonGroup(page)
        for button in (self.scan, self.demo, self.later):
            self._terminals.addButton(button)
            form.addRow(button)
        self.scan.setChecked(True)
        return page

    def answers(self) -> FirstRunAnswers:
        """The choices shown on the pages now."""
        choice: TerminalsChoice = (
            "scan" if self.scan.isChecked() else "demo" if self.demo.isChecked() else "later"
        )
        return FirstRunAnswers(
            language=str(self.language.currentData()),
            camera_index=int(self.camera.currentData()),
            terminals=choice,
            site_key=self.site_key.text(),
        )

    @property
    def site_key(self) -> QLineEdit:
        """The site key field (on the last page)."""
        page = self.page(self.pageIds()[-1])
        assert isinstance(page, SiteKeyPage)
        return page.key


class SiteKeyPage(QWizardPage):
    """The key every terminal of the site shares; blank keeps the factory key."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Site key"))
        self.setSubTitle(
            self.tr(
                "Terminals only obey a station that knows their key. If your site set one key "
                "on every terminal, enter it here; leave it blank for the factory key."
            )
        )
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.key = QLineEdit()
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setMaxLength(20)
        self.key.textChanged.connect(self._check)
        form.addRow(self.tr("Site key:"), self.key)
        self.show_key = QCheckBox(self.tr("Show the key"))
        self.show_key.toggled.connect(self._toggle_echo)
        form.addRow("", self.show_key)
        self.problem = QLabel()
        self.problem.setObjectName("Error")
        self.problem.setWordWrap(True)
        form.addRow("", self.problem)
        note = QLabel(self.tr("The key is kept in this PC's keyring, never in a file or a log."))
        note.setObjectName("Muted")
        note.setWordWrap(True)
        form.addRow("", note)
        layout.addLayout(form)
        layout.addStretch(1)

    def _toggle_echo(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.key.setEchoMode(mode)

    def _check(self) -> None:
        wrong = self.tr("A key is 1 to 20 characters without spaces.")
        self.problem.setText("" if self.isComplete() else wrong)
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        """Blank (factory key) or a key a terminal can take."""
        text = self.key.text()
        if not text:
            return True
        try:
            check_key(text)
        except KeyStoreError:
            return False
        return True


class FirstRunPresenter(QObject):
    """Shows the wizard on the first start or when asked, applies it; exports diagnostics."""

    def __init__(
        self, context: AppContext, window: MainWindow, start_demo: Callable[[], None]
    ) -> None:
        super().__init__(window)
        self.context = context
        self.window = window
        self._start_demo = start_demo
        self._wizard_task: asyncio.Task[None] | None = None
        context.on_shutdown(ShutdownStage.CLIENTS, self.aclose, name="first-run wizard")
        window.first_run_requested.connect(self.show_wizard)
        window.diagnostics_requested.connect(self.export_diagnostics)

    @property
    def done(self) -> bool:
        """True once the wizard was finished or skipped on this station."""
        return done_marker().is_file()

    def start(self, *, demo: bool) -> None:
        """After the window is shown: the wizard on a station's very first start."""
        settings = self.context.settings
        if not demo and settings.first_start and not self.done:
            self.show_wizard()

    def show_wizard(self) -> None:
        """Open the wizard (window-modal, awaited) and apply what the operator chose.

        Not a task-runner job: the wizard may stay open for long, and background work
        (status bar, "wait until idle") must not count it as work in progress.
        """
        if self._wizard_task is not None and not self._wizard_task.done():
            return
        self._wizard_task = asyncio.get_running_loop().create_task(self._run_wizard())
        self._wizard_task.add_done_callback(self._wizard_ended)

    def _wizard_ended(self, task: asyncio.Task[None]) -> None:
        error = None if task.cancelled() else task.exception()
        if error is not None:
            self.context.tasks.report_bug(error, self.tr("First-run wizard"))

    async def aclose(self) -> None:
        """Close a wizard still open (on quit)."""
        task, self._wizard_task = self._wizard_task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait([task])

    async def _run_wizard(self) -> None:
        # One short step each (build, show, close, each disk write): the UI never stalls.
        wizard = FirstRunWizard(self.context.settings.preferences, self.window, pages=False)
        await wizard.add_pages_async()
        accepted = await ask(wizard)
        answers = wizard.answers() if accepted else None  # read now: the wizard is deleted
        await asyncio.sleep(0)  # let the wizard close and repaint before the disk writes
        await self._remember_done()
        if answers is not None:
            await self.apply(answers)

    async def _remember_done(self) -> None:
        try:
            await asyncio.to_thread(done_marker().touch)  # disk work off the UI thread
        except OSError as exc:  # the system's own words: a disk problem, shown as it is
            self.window.status.show_problem(str(exc))

    async def apply(self, answers: FirstRunAnswers) -> None:
        """Save the preferences and the site key, then find terminals or start the demo."""
        settings = self.context.settings
        before = settings.preferences
        after = dataclasses.replace(
            before, language=answers.language, camera_index=answers.camera_index
        )
        if after != before:
            try:
                settings.save_preferences(after)
            except SettingsError as exc:
                self.window.status.show_problem(str(exc))
        await asyncio.sleep(0)
        if answers.site_key:
            await self._save_site_key(answers.site_key)
        if answers.terminals == "demo":
            self._start_demo()
        elif answers.terminals == "scan":
            self._find_terminals()
        if after.language != before.language:
            self.window.status.showMessage(
                self.tr("The new language is used after a restart."), 15000
            )

    async def _save_site_key(self, key: str) -> None:
        station = await self.context.station_ready()
        if station.keys is None:
            self.window.status.show_problem(
                self.tr("The site key was not saved: this PC has no keyring for keys.")
            )
            return
        try:
            await station.keys.set_site_key(key)
        except KeyStoreError as exc:
            self.window.status.show_problem(
                self.tr("The site key was not saved: {reason}").format(reason=exc)
            )

    def _find_terminals(self) -> None:
        if "terminals" not in self.window.page_keys():
            return
        self.window.show_page("terminals")
        scan = getattr(self.window.page("terminals"), "scan", None)
        if callable(scan):
            scan()

    # -- diagnostics -----------------------------------------------------------------------

    def export_diagnostics(self) -> None:
        """Write the diagnostics zip in the background, then say where it is."""
        self.context.tasks.start(
            self._export,
            label=self.tr("Exporting diagnostics"),
            on_success=self._exported,
        )

    async def _export(self) -> Path:
        return await asyncio.to_thread(export_diagnostics)

    def _exported(self, path: Path) -> None:
        logger.info("diagnostics exported to %s", path)
        self.window.show_banner(
            DIAGNOSTICS_BANNER,
            "info",
            self.tr("Diagnostics saved to {path} (no keys or ID numbers inside).").format(
                path=path
            ),
            [(self.tr("Open folder"), lambda: _open_folder(path.parent))],
        )


def done_marker() -> Path:
    """The file whose presence means the first-run wizard is not shown on start any more."""
    return station_home() / DONE_MARKER


def _open_folder(folder: Path) -> None:
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

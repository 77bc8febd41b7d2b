"""The Enroll page: live preview → checked photo and duplicates → person form → every chosen terminal.

`EnrollPresenter` (UI thread) runs the station's `EnrollmentService` through the task runner;
`EnrollView` shows the preview (or a terminal's photo), the after-capture panel, the person
form and per-terminal progress. Keys: Space captures, Enter enrolls (when everything is
ready), Esc goes back (result → camera, done → next person).
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QHideEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from enroll_app.camera.sources import FrameSource
from enroll_app.face.types import DetectedFace, Image
from enroll_app.services.enroll import (
    Assessment,
    DuplicateCandidate,
    EnrollmentRefused,
    EnrollmentService,
    EnrollRequest,
    EnrollResult,
    RemotePhoto,
    TerminalCheck,
)
from enroll_app.services.person_fields import IdPattern
from enroll_app.store.records import PersonId, PersonKind, PersonRecord
from enroll_app.ui.context import AppContext
from enroll_app.ui.dialogs import ask
from enroll_app.ui.enroll_progress import ProgressPanel
from enroll_app.ui.enroll_remote import RemotePhotoDialog
from enroll_app.ui.enroll_result import Pictures, ResultPanel
from enroll_app.ui.person_form import PersonForm, TargetTerminal
from enroll_app.ui.preview import CaptureResult, PreviewPresenter, PreviewView, default_source
from enroll_app.ui.tasks import OperatorError, operator_text
from enroll_app.ui.theme import colors as theme_colors

logger = logging.getLogger(__name__)

TARGETS_KEY = "enroll/targets"  # the chosen terminals, remembered between persons and starts
ID_PATTERN_KEY = "enroll/id_pattern"  # how generated ids look (services.person_fields.IdPattern)


class Stage(enum.Enum):
    """Where the page is in one enrollment."""

    CAMERA = "camera"  # the live preview, waiting for a photo
    CHECKING = "checking"  # the photo is being judged
    RESULT = "result"  # the photo, its checks and duplicates are shown
    ENROLLING = "enrolling"
    DONE = "done"  # delivered (some terminals may have failed: retry)


class Decision(enum.Enum):
    """The operator's answer to the duplicate question."""

    PENDING = "pending"
    NEW = "new"  # a new person, even if the face looks like someone
    EXISTING = "existing"  # the same person as a match: update them


class EnrollPresenter(QObject):
    """Judges photos, asks the terminals, enrolls and retries through the station. UI thread."""

    assessed = Signal(object, object)  # Assessment, Pictures
    terminal_checks = Signal(object)  # list[TerminalCheck]
    progress = Signal(str, str, str)  # serial, stage, message
    enrolled = Signal(object)  # EnrollResult
    retried = Signal(object)  # EnrollResult
    refused = Signal(str)  # operator text: nothing was written
    failed = Signal(str)  # operator text of an expected error
    person_loaded = Signal(object)  # PersonRecord (for renewal)
    next_id = Signal(str)

    def __init__(self, context: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.preview = PreviewPresenter(context, self)
        self.checks: list[TerminalCheck] = []

    @property
    def language(self) -> str:
        """The operator's language ("en" or "zh_CN")."""
        return self.context.tasks.language

    async def service(self) -> EnrollmentService:
        """The station's enrollment service (the station starts on first use), generating
        ids by the pattern in the settings file (`enroll/id_pattern`, e.g. V{date:%Y%m%d}-{seq:03d})."""
        station = await self.context.station_ready()
        service = station.enrollment
        pattern = self.context.settings.value(ID_PATTERN_KEY)
        if pattern and pattern != service.id_pattern.pattern:
            try:
                service.id_pattern = IdPattern(pattern)
            except ValueError as exc:
                raise OperatorError(
                    self.tr("The id pattern in the settings cannot be used: {problem}").format(
                        problem=exc
                    )
                ) from exc
        return service

    def terminals(self) -> list[TargetTerminal]:
        """Known terminals to offer as targets (the registry is in memory: cheap)."""
        registry = self.context.station.registry
        return [
            TargetTerminal(t.serial, t.name, registry.is_online(t)) for t in registry.terminals()
        ]

    def remembered_targets(self) -> list[str] | None:
        """The serials chosen last time (None: never chosen, so offer all)."""
        text = self.context.settings.value(TARGETS_KEY, "\x00")
        return None if text == "\x00" else [s for s in text.split(",") if s]

    def remember_targets(self, serials: Sequence[str]) -> None:
        """Keep the chosen terminals for the next person and the next start."""
        self.context.settings.set_value(TARGETS_KEY, ",".join(serials))

    # -- jobs (each started through the task runner) ---------------------------------------

    def assess(self, image: Image, face: DetectedFace | None, targets: list[str]) -> None:
        """Judge a captured frame, then ask the target terminals about the crop."""
        self.context.tasks.start(
            self._assess,
            image,
            face,
            targets,
            label=self.tr("Checking the photo"),
            on_error=self._fail,
        )

    def use_assessment(self, assessment: Assessment, targets: list[str]) -> None:
        """Take an assessment made elsewhere (a terminal's photo) and ask the terminals."""
        self.context.tasks.start(
            self._use, assessment, targets, label=self.tr("Checking the photo"), on_error=self._fail
        )

    async def _assess(self, image: Image, face: DetectedFace | None, targets: list[str]) -> None:
        assessment = await (await self.service()).assess(image, face)
        await self._use(assessment, targets)

    async def _use(self, assessment: Assessment, targets: list[str]) -> None:
        self.checks = []
        pictures = await asyncio.to_thread(Pictures.of, assessment)  # JPEG decoding: a worker's job
        self.assessed.emit(assessment, pictures)
        await asyncio.sleep(0)  # the panel is built in its own loop step, the requests in the next
        if assessment.ok and targets:
            service = await self.service()
            self.checks = await service.check_on_terminals(assessment.jpeg, targets)
            self.terminal_checks.emit(self.checks)

    def enroll(self, request: EnrollRequest) -> None:
        """Save the person and deliver them to every target, reporting each terminal's stage."""
        self.context.tasks.start(
            self._enroll, request, label=self.tr("Enrolling"), on_error=self._fail
        )

    async def _enroll(self, request: EnrollRequest) -> None:
        service = await self.service()
        try:
            result = await service.enroll(request, on_progress=self._on_progress)
        except EnrollmentRefused as exc:
            self.refused.emit(exc.zh if self.language.startswith("zh") else str(exc))
            return
        self.enrolled.emit(result)

    def retry(self, person_id: str, serials: list[str]) -> None:
        """Deliver again to the terminals that failed."""
        self.context.tasks.start(
            self._retry, person_id, serials, label=self.tr("Retrying"), on_error=self._fail
        )

    async def _retry(self, person_id: str, serials: list[str]) -> None:
        service = await self.service()
        self.retried.emit(await service.retry(person_id, serials, on_progress=self._on_progress))

    def _on_progress(self, event: Any) -> None:
        self.progress.emit(str(event.serial), str(event.stage), str(event.message or ""))

    async def remote_photos(
        self, serial: str, count: int, tips_before: str, tips_after: str
    ) -> list[RemotePhoto]:
        """Photos taken by a terminal's camera, assessed, best first."""
        service = await self.service()
        return await service.remote_photos(serial, count, tips_before, tips_after)

    def load_person(self, person_id: str) -> None:
        """Read a returning person's record, to renew it."""
        self.context.tasks.start(self._load_person, person_id, on_error=self._fail)

    async def _load_person(self, person_id: str) -> None:
        station = await self.context.station_ready()
        person = await station.store.find_person(PersonId(person_id))
        if person is not None:
            self.person_loaded.emit(person)

    def fetch_next_id(self) -> None:
        """Work out the next free generated id (emitted as `next_id`)."""
        self.context.tasks.start(self._next_id, on_error=self._fail)

    async def _next_id(self) -> None:
        self.next_id.emit(str(await (await self.service()).next_person_id()))

    def _fail(self, exc: BaseException) -> None:
        self.failed.emit(operator_text(exc, self.language))


class EnrollView(QWidget):
    """The Enroll page; see the module docstring. UI thread."""

    def __init__(self, presenter: EnrollPresenter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.presenter = presenter
        context = presenter.context
        self._colors = theme_colors(context.settings.preferences.theme)
        self.stage = Stage.CAMERA
        self.decision = Decision.PENDING
        self.assessment: Assessment | None = None
        self.update_existing = False
        self.result: EnrollResult | None = None
        self._generated_id = ""
        self._source: FrameSource | None = None
        self._build()
        self._connect()
        self.refresh_terminals()
        alive = [True]  # the registry outlives the page; its listener must not outlive it
        self.destroyed.connect(alive.clear)

        def registry_changed(_serial: str) -> None:
            if alive:
                self.refresh_terminals()

        context.station.registry.subscribe(registry_changed)
        presenter.fetch_next_id()

    # -- building -------------------------------------------------------------------------

    def _build(self) -> None:
        prefs = self.presenter.context.settings.preferences
        self.preview = PreviewView(self.presenter.preview)
        self.result_panel = ResultPanel(self._colors)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.preview)
        self.stack.addWidget(self.result_panel)
        self.capture_button = QPushButton(self.tr("Capture (Space)"))
        self.remote_button = QPushButton(self.tr("Photo from a terminal…"))
        self.back_button = QPushButton(self.tr("Back to the camera (Esc)"))
        tools = QHBoxLayout()
        for button in (self.capture_button, self.remote_button, self.back_button):
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            tools.addWidget(button)
        tools.addStretch(1)
        left = QVBoxLayout()
        left.addLayout(tools)
        left.addWidget(self.stack, 1)
        self.form = PersonForm(
            visitor_end_hour=prefs.visitor_end_hour, language=self.presenter.language
        )
        self.form.set_id_generator(lambda: self._generated_id)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.enroll_button = QPushButton(self.tr("Enroll (Enter)"))
        self.enroll_button.setDefault(True)
        self.next_button = QPushButton(self.tr("Next person"))
        self.progress_panel = ProgressPanel(self._colors)
        buttons = QHBoxLayout()
        buttons.addWidget(self.enroll_button)
        buttons.addWidget(self.next_button)
        column = QWidget()
        right = QVBoxLayout(column)
        title = QLabel(self.tr("Person"))
        title.setStyleSheet("font-size: 14pt; font-weight: bold;")
        right.addWidget(title)
        right.addWidget(self.form)
        right.addLayout(buttons)
        right.addWidget(self.notice)
        right.addWidget(self.progress_panel)
        right.addStretch(1)
        self.form_column = column
        self.form_scroll = scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(column)
        column.installEventFilter(self)
        self._fit_form()
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addWidget(scroll, 0)
        self._update_buttons()

    def _connect(self) -> None:
        presenter = self.presenter
        presenter.context.demo_changed.connect(self._demo_changed)
        presenter.preview.captured.connect(self._captured)
        presenter.assessed.connect(self._assessed)
        presenter.terminal_checks.connect(self._checked)
        presenter.progress.connect(self.progress_panel.stage)
        presenter.enrolled.connect(self._enrolled)
        presenter.retried.connect(self._retried)
        presenter.refused.connect(self._refused)
        presenter.failed.connect(self._failed)
        presenter.person_loaded.connect(self._renew)
        presenter.next_id.connect(self._got_next_id)
        self.preview.open_person.connect(presenter.load_person)
        self.capture_button.clicked.connect(self.capture)
        self.remote_button.clicked.connect(self.open_remote_photo)
        self.back_button.clicked.connect(self.back)
        self.enroll_button.clicked.connect(self.enroll)
        self.next_button.clicked.connect(self.next_person)
        self.form.validity_changed.connect(lambda _valid: self._update_buttons())
        self.form.targets_changed.connect(self._targets_changed)
        self.result_panel.chose_new.connect(self._chose_new)
        self.result_panel.chose_existing.connect(self._chose_existing)
        self.result_panel.cancelled.connect(self.back)
        self.progress_panel.retry_requested.connect(self.retry)

    # -- camera ---------------------------------------------------------------------------

    def use_source(self, source: FrameSource) -> None:
        """Show this camera (instead of the one in the settings) from now on."""
        self._source = source
        self.presenter.preview.stop()
        self.presenter.preview.start(source)

    def _demo_changed(self, _running: bool) -> None:
        # Demo mode shows the virtual camera: follow a demo started or stopped while the
        # camera runs (unless the operator chose a camera on this page).
        if self._source is None and self.presenter.preview.running:
            self.presenter.context.tasks.start(self._restart_camera)

    async def _restart_camera(self) -> None:
        await self.presenter.preview.aclose()  # joins the capture thread between loop steps
        if self.isVisible() and not self.presenter.preview.running:
            self.presenter.preview.start(default_source(self.presenter.context))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.presenter.preview.running:
            self.presenter.preview.start(self._source or default_source(self.presenter.context))

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        if not event.spontaneous():  # another page, not a minimised window
            self.presenter.context.tasks.start(self.presenter.preview.aclose)

    def capture(self) -> None:
        """Take the photo now (Space)."""
        if self.stage is Stage.CAMERA:
            self.presenter.preview.capture_now()

    def _captured(self, capture: CaptureResult) -> None:
        if self.stage is not Stage.CAMERA:
            return  # the operator is looking at a photo already
        self._set_stage(Stage.CHECKING)
        self.notice.setText(self.tr("Checking the photo…"))
        self.presenter.assess(capture.image, capture.face, self.form.selected_targets())

    # -- after capture --------------------------------------------------------------------

    def _assessed(self, assessment: Assessment, pictures: Pictures) -> None:
        self.assessment = assessment
        self.result_panel.show_assessment(assessment, self.presenter.language, pictures)
        self.stack.setCurrentWidget(self.result_panel)
        self._set_stage(Stage.RESULT)
        if not assessment.ok:
            hint = assessment.report.hint(self.presenter.language) or ""
            self.notice.setText(self.tr("Photo refused: {hint}").format(hint=hint))
            return
        self.notice.clear()
        self._decide_automatically(assessment)
        targets = self.form.selected_targets()
        names = {t.serial: t.name for t in self.presenter.terminals() if t.serial in targets}
        if names:
            self.result_panel.show_terminal_checks_waiting(names)

    def _decide_automatically(self, assessment: Assessment) -> None:
        existing = self.form.existing
        if existing is not None and self.update_existing:
            # A returning person opened from the preview: their own face is no duplicate.
            others = [m for m in assessment.matches if m.person_id != existing.id]
            self.decision = Decision.PENDING if others else Decision.EXISTING
        else:
            self.decision = Decision.PENDING if assessment.matches else Decision.NEW
        self._update_buttons()

    def _checked(self, checks: list[TerminalCheck]) -> None:
        self.result_panel.show_terminal_checks(checks)
        known = any(c.is_exist for c in checks)
        if known and self.decision is Decision.NEW and not self.update_existing:
            self.decision = Decision.PENDING  # the terminal knows the face: ask first
            self.result_panel.new_button.setText(self.tr("It is a new person"))
        self._update_buttons()

    def _chose_new(self) -> None:
        self.decision = Decision.NEW
        if self.update_existing:
            self.update_existing = False
            self.form.clear()
            self.form.person_id.setText(self._generated_id)
        self.notice.setText(self.tr("New person: fill in the form and press Enter."))
        self._update_buttons()

    def _chose_existing(self, match: DuplicateCandidate) -> None:
        self.decision = Decision.EXISTING
        self.presenter.load_person(match.person_id)

    def _renew(self, person: PersonRecord) -> None:
        """Fill the form with a known person: the next enrollment updates them."""
        self.form.set_person(person)
        if person.kind is PersonKind.VISITOR and person.expired(time.time()):
            self.form.apply_preset("today")  # a returning visitor comes for today
        self.update_existing = True
        if self.stage is Stage.RESULT:
            self.decision = Decision.EXISTING
        self.notice.setText(
            self.tr("Renewing {name} ({id}): check the validity and press Enter.").format(
                name=person.name, id=person.id
            )
        )
        self._update_buttons()

    # -- enroll ---------------------------------------------------------------------------

    def can_enroll(self) -> bool:
        """True when photo, duplicate decision and form are all ready."""
        return (
            self.stage is Stage.RESULT
            and self.assessment is not None
            and self.assessment.ok
            and self.decision is not Decision.PENDING
            and self.form.is_valid()
            and bool(self.form.selected_targets())
        )

    def enroll(self) -> None:
        """Save and send the person (Enter)."""
        if not self.can_enroll() or self.assessment is None:
            return
        targets = self.form.selected_targets()
        request = EnrollRequest(
            person=self.form.person_fields(),
            assessment=self.assessment,
            targets=targets,
            update_existing=self.update_existing or self.decision is Decision.EXISTING,
            allow_duplicate=self.decision is Decision.NEW,
            terminal_checks=self.presenter.checks,
        )
        names = {t.serial: t.name for t in self.presenter.terminals()}
        self.progress_panel.start({s: names.get(s, "") for s in targets})
        self.notice.setText(self.tr("Enrolling {name}…").format(name=request.person.name))
        self._set_stage(Stage.ENROLLING)
        self.presenter.enroll(request)

    def _enrolled(self, result: EnrollResult) -> None:
        self.result = result
        for serial, outcome in result.outcomes.items():
            self.progress_panel.finish(serial, outcome.ok, outcome.error_text or outcome.state)
        self._set_stage(Stage.DONE)
        done = len(self.progress_panel.done())
        self.notice.setText(
            self.tr("{id} saved at the station; on {done} of {total} terminal(s).").format(
                id=result.person_id, done=done, total=len(result.outcomes)
            )
        )
        self.presenter.fetch_next_id()

    def retry(self, serials: list[str]) -> None:
        """Deliver again to the failed terminals."""
        if self.result is None or not serials:
            return
        self.progress_panel.restart(serials)
        self.presenter.retry(self.result.person_id, serials)

    def _retried(self, result: EnrollResult) -> None:
        for serial, outcome in result.outcomes.items():
            self.progress_panel.finish(serial, outcome.ok, outcome.error_text or outcome.state)

    def _refused(self, text: str) -> None:
        self.progress_panel.setVisible(False)
        self._set_stage(Stage.RESULT)
        self.notice.setText(self.tr("Not enrolled: {reason}").format(reason=text))
        self.notice.setStyleSheet(f"color: {self._colors.error};")

    def _failed(self, text: str) -> None:
        if self.stage in (Stage.CHECKING, Stage.ENROLLING):
            self._set_stage(Stage.RESULT if self.assessment else Stage.CAMERA)
        self.notice.setText(text)
        self.notice.setStyleSheet(f"color: {self._colors.error};")

    # -- navigation -----------------------------------------------------------------------

    def back(self) -> None:
        """Esc: from the photo back to the camera; after enrolling (or from a renewal not yet
        photographed), on to the next person."""
        if self.stage is Stage.DONE or (self.stage is Stage.CAMERA and self.update_existing):
            self.next_person()  # also drops a renewal that was opened by mistake
        elif self.stage in (Stage.RESULT, Stage.CHECKING):
            self._to_camera()

    def next_person(self) -> None:
        """Empty the form and go back to the camera."""
        self.form.clear()
        self.form.person_id.setText(self._generated_id)
        self.update_existing = False
        self.result = None
        self.progress_panel.setVisible(False)
        self.notice.clear()
        self._to_camera()

    def _to_camera(self) -> None:
        self.assessment = None
        self.decision = Decision.PENDING
        self.stack.setCurrentWidget(self.preview)
        self._set_stage(Stage.CAMERA)

    def _set_stage(self, stage: Stage) -> None:
        self.stage = stage
        preview = self.presenter.preview
        if stage is Stage.CAMERA and preview.analysis_paused:
            preview.resume_analysis()
        elif stage is not Stage.CAMERA and not preview.analysis_paused:
            preview.pause_analysis()  # its CPU goes to judging and sending the photo
        self.result_panel.set_choices_enabled(stage is Stage.RESULT)
        if stage is not Stage.DONE:
            self.notice.setStyleSheet("")
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.enroll_button.setEnabled(self.can_enroll())
        self.capture_button.setEnabled(self.stage is Stage.CAMERA)
        self.remote_button.setEnabled(self.stage in (Stage.CAMERA, Stage.RESULT))
        self.back_button.setEnabled(self.stage in (Stage.RESULT, Stage.CHECKING))
        self.next_button.setVisible(self.stage is Stage.DONE)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Space and not event.isAutoRepeat():
            self.capture()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.enroll()
        elif key == Qt.Key.Key_Escape:
            self.back()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    # -- terminals, ids, remote photo -----------------------------------------------------

    def refresh_terminals(self) -> None:
        """List the known terminals as targets (only when the list really changed)."""
        terminals = self.presenter.terminals()
        if terminals == getattr(self, "_listed", None):
            return
        self._listed: list[TargetTerminal] = terminals
        remembered = self.presenter.remembered_targets()
        if remembered is None:  # never chosen: every terminal, including ones found now
            listed = set(self.form.target_checks)
            new = [t.serial for t in terminals if t.serial not in listed]
            checked = self.form.selected_targets() + new
        else:
            checked = remembered
        self.form.set_terminals(terminals, checked)
        self._fit_form()
        self._update_buttons()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.form_column and event.type() == QEvent.Type.LayoutRequest:
            self._fit_form()
        return super().eventFilter(watched, event)

    def _fit_form(self) -> None:
        # The form never scrolls sideways: the column is as wide as its widest row.
        scrollbar = self.form_scroll.verticalScrollBar().sizeHint().width()
        self.form_scroll.setMinimumWidth(self.form_column.minimumSizeHint().width() + scrollbar + 4)

    def _targets_changed(self, serials: list[str]) -> None:
        self.presenter.remember_targets(serials)
        self._update_buttons()

    def _got_next_id(self, person_id: str) -> None:
        self._generated_id = person_id
        if not self.form.person_id.text() and not self.update_existing:
            self.form.person_id.setText(person_id)

    def open_remote_photo(self) -> None:
        """Take the photo with a terminal's camera instead of the station's."""
        self.presenter.context.tasks.start(self._remote_photo)

    async def _remote_photo(self) -> None:
        dialog = RemotePhotoDialog(
            self.presenter.terminals(),
            self.presenter.remote_photos,
            self.presenter.context.tasks,
            self,
        )
        self.remote_dialog = dialog
        if not await ask(dialog):
            return
        chosen = dialog.chosen
        if chosen is None:
            return
        self._set_stage(Stage.CHECKING)
        self.presenter.use_assessment(chosen.assessment, self.form.selected_targets())


def create_page(context: AppContext) -> QWidget:
    """The Enroll page for the main window (the shell calls this once at start)."""
    return EnrollView(EnrollPresenter(context))

"""The Persons page: everyone the station holds, searchable, with their state on each terminal."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from enroll_app.services.enroll import Assessment, EnrollmentRefused
from enroll_app.store.api import Store
from enroll_app.store.audit import AuditFilter
from enroll_app.store.db import PersonsChanged
from enroll_app.store.errors import StoreError
from enroll_app.store.persons import PersonFilter, PersonOrder
from enroll_app.store.records import PersonId, PersonKind, PersonRecord, TerminalSerial
from enroll_app.ui.context import AppContext, ShutdownStage
from enroll_app.ui.dialogs import ask
from enroll_app.ui.import_dialog import ImportDialog, OffboardDialog
from enroll_app.ui.person_detail import PersonDetail, PersonDetails
from enroll_app.ui.person_edit_dialog import (
    EditPersonDialog,
    ForgetDialog,
    RemoveFromDialog,
    ask_again,
)
from enroll_app.ui.person_form import PersonForm, TargetTerminal
from enroll_app.ui.persons_model import PersonsModel
from enroll_app.ui.reconcile_view import ReconcileDialog
from enroll_app.ui.tasks import OperatorError
from enroll_app.ui.theme import colors as theme_colors
from enroll_app.ui.widgets import paged_table

logger = logging.getLogger(__name__)

ACTOR = "operator"
SEARCH_DELAY_MS = 250  # typing pauses this long before the table follows
CHANGES_DELAY_MS = 150  # store changes arriving together become one refresh
REFRESH_EVERY_MS = 5000  # placements change as the sync workers deliver


class PersonsPresenter(QObject):
    """Loads persons and details from the store and runs the operator's actions. UI thread.

    `notice(kind, text)`: results and failures in plain words ("info" | "error");
    `undo_offered(text)`: a reversible change was made (`undo()` reverses it).
    """

    notice = Signal(str, str)
    undo_offered = Signal(str)
    details_ready = Signal(object)  # PersonDetails
    details_gone = Signal(str)  # person id no longer on the station
    terminals_changed = Signal()

    def __init__(self, context: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.clock: Callable[[], float] = time.time
        self.colors = theme_colors(context.settings.preferences.theme)
        self.model = PersonsModel(self.run_quietly, self.colors, clock=self.clock, parent=self)
        self.store: Store | None = None
        self.terminals: dict[TerminalSerial, str] = {}
        self._undo: Callable[[], Coroutine[Any, Any, None]] | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._changed_ids: set[PersonId] = set()
        self._changes = QTimer(self, singleShot=True, interval=CHANGES_DELAY_MS)
        self._changes.timeout.connect(self._apply_changes)
        self._refresh_timer = QTimer(self, interval=REFRESH_EVERY_MS)
        self._refresh_timer.timeout.connect(self.model.refresh)
        self.current: PersonId | None = None
        context.on_shutdown(ShutdownStage.CLIENTS, self.aclose, name="persons page")

    # ---- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Open the store (through the station) and show its persons."""
        self.run(self._start, label=self.tr("Opening the persons list"))

    async def _start(self) -> None:
        station = await self.context.station_ready()
        self.store = station.store
        await self.reload_terminals()
        loop = asyncio.get_running_loop()
        self._unsubscribe = self.store.subscribe(
            lambda change: _hand_over(loop, self._store_changed, change)
        )
        self.model.attach(self.store)
        self._refresh_timer.start()

    async def reload_terminals(self) -> None:
        """Read the terminals' names (the registry's names win over the store's)."""
        records = await self._store().list_terminals()
        names = {t.serial: t.name or t.serial for t in records}
        registry = self.context.station.registry
        for known in registry.terminals():
            if known.serial in names and known.name:
                names[TerminalSerial(known.serial)] = known.name
        self.terminals = names
        self.model.terminal_names = names
        self.terminals_changed.emit()

    async def aclose(self) -> None:
        """Stop listening and refreshing (on quit)."""
        self._refresh_timer.stop()
        self._changes.stop()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _store(self) -> Store:
        if self.store is None:
            raise OperatorError(self.tr("The station database is still opening"))
        return self.store

    # ---- live updates ------------------------------------------------------------------------

    def _store_changed(self, change: PersonsChanged) -> None:
        self._changed_ids |= change.saved | change.removed
        self._changes.start()

    def _apply_changes(self) -> None:
        changed, self._changed_ids = self._changed_ids, set()
        self.model.refresh()
        if self.current is not None and self.current in changed:
            self.show_person(self.current)

    # ---- reading -----------------------------------------------------------------------------

    def show_person(self, person_id: PersonId | None) -> None:
        """Load the details of `person_id` for the side panel (None: nobody)."""
        self.current = person_id
        if person_id is not None:
            self.run_quietly(self._details, person_id)

    async def _details(self, person_id: PersonId) -> None:
        store = self._store()
        person = await store.find_person(person_id)
        if person is None:
            self.details_gone.emit(person_id)
            return
        photo = await store.person_photo(person_id)
        placements = (await store.placements_of([person_id])).get(person_id, [])
        audit = await store.list_audit(AuditFilter(person_id=person_id, limit=20))
        image = await asyncio.to_thread(_decode, photo) if photo else None
        if self.current == person_id:
            self.details_ready.emit(PersonDetails(person, image, placements, audit))

    def set_filter(self, where: PersonFilter, order: PersonOrder | None = None) -> None:
        """Show the persons matching `where`."""
        self.model.set_filter(where, order)

    # ---- actions -----------------------------------------------------------------------------

    async def edit(self, person_id: PersonId, parent: QWidget) -> None:
        """Open the edit dialog; Save stores the change and sends it to the chosen terminals.

        A new photo is checked while the dialog is open (quality, crop, duplicate search) and
        saved with its embedding: the duplicate search then knows the new face.
        """
        store = self._store()
        person = await store.get_person(person_id, with_photo=True)
        image = await asyncio.to_thread(_decode, person.photo) if person.photo else None
        held = await store.targets_of(person_id)
        targets = [TargetTerminal(s, n, online=True) for s, n in self.terminals.items()]
        dialog = EditPersonDialog(person, image, targets, held, parent)
        checks: dict[str, asyncio.Task[Assessment | None]] = {}

        def check(path: str) -> None:
            task = self.context.tasks.start(self._check_photo, dialog, person_id, path)
            if task is not None:
                checks[path] = task

        dialog.photo_chosen.connect(check)
        try:
            if not await ask(dialog):
                return
            edited, serials = dialog.values()
            path, allow_look_alike = dialog.photo_path, dialog.allow_look_alike
        finally:
            for task in checks.values():
                task.cancel()  # the dialog is going away (a finished check ignores this)
        if path:
            assessment = _result_of(checks.get(path)) or await self._assess_file(path)
            try:
                edited = await self.context.station.enrollment.with_new_photo(
                    edited, assessment, allow_duplicate=allow_look_alike
                )
            except EnrollmentRefused as exc:
                raise OperatorError(self._refusal_text(exc)) from exc
        gone = sorted(set(held) - set(serials))
        await self.save(edited, serials)
        if gone:
            await store.remove_person_from(person_id, gone, ACTOR)
        self.notice.emit("info", self._sent_text(edited, len(serials)))

    async def _check_photo(
        self, dialog: EditPersonDialog, person_id: PersonId, path: str
    ) -> Assessment | None:
        """Assess the chosen file and show the verdict in the (still open) dialog."""
        try:
            assessment = await self._assess_file(path)
        except OperatorError as exc:
            dialog.show_photo_check(path, None, [str(exc)])
            return None
        crop = await asyncio.to_thread(_decode, assessment.jpeg) if assessment.photo else None
        problems = [c.message(self.language) for c in assessment.report.failed]
        if not assessment.ok and not problems:
            problems = [self.tr("no face found")]
        look_alike = ""
        duplicate = next(
            (
                m
                for m in assessment.matches
                if m.verdict == "duplicate" and m.person_id != person_id
            ),
            None,
        )
        if duplicate is not None:
            look_alike = f"{duplicate.name or duplicate.person_id} ({duplicate.person_id})"
        dialog.show_photo_check(path, crop, problems, look_alike)
        return assessment

    async def _assess_file(self, path: str) -> Assessment:
        """Read and assess a photo file; unreadable files become a plain operator error."""
        from enroll_app.face.types import ImageError, read_image

        try:
            image = await asyncio.to_thread(read_image, path)
            return await self.context.station.enrollment.assess(image)
        except (ImageError, OSError) as exc:
            raise OperatorError(
                self.tr("The photo %1 cannot be read: %2")
                .replace("%1", path)
                .replace("%2", str(exc))
            ) from exc

    def _refusal_text(self, exc: EnrollmentRefused) -> str:
        return exc.zh if self.language.startswith("zh") and exc.zh else str(exc)

    @property
    def language(self) -> str:
        """The operator's language ("en" or "zh_CN")."""
        return self.context.tasks.language

    async def save(self, person: PersonRecord, targets: list[TerminalSerial]) -> PersonRecord:
        """Store `person` and owe it to `targets` (the sync workers deliver it)."""
        try:
            return await self._store().save_person(person, targets, ACTOR)
        except StoreError as exc:
            raise OperatorError(str(exc)) from exc

    def _sent_text(self, person: PersonRecord, terminals: int) -> str:
        name = person.name or person.id
        if not terminals:
            return self.tr("%1 saved on this station").replace("%1", name)
        return (
            self.tr("%1 saved; sending to %2 terminal(s)")
            .replace("%1", name)
            .replace("%2", str(terminals))
        )

    async def remove_from_terminals(self, person_ids: list[PersonId], parent: QWidget) -> None:
        """Ask which terminals (checklist), then owe them the removal; offers undo."""
        store = self._store()
        placed = await store.placements_of(person_ids)
        held = sorted({p.serial for ps in placed.values() for p in ps if _held(p.state.value)})
        if not held:
            raise OperatorError(self.tr("The selected persons are on no terminal"))
        name = await self._names_text(person_ids)
        choices = [(s, self.terminals.get(s, s)) for s in held]
        dialog = RemoveFromDialog(name, choices, parent)
        if not await ask(dialog):
            return
        chosen = dialog.selected()
        removed: dict[PersonId, list[TerminalSerial]] = {}
        for person_id in person_ids:
            mine = [p.serial for p in placed.get(person_id, []) if _held(p.state.value)]
            targets = [s for s in chosen if s in mine]
            if targets:
                await store.remove_person_from(person_id, targets, ACTOR)
                removed[person_id] = targets
        self._offer_undo(
            self.tr("%1 removed from %2 terminal(s)")
            .replace("%1", name)
            .replace("%2", str(len(chosen))),
            lambda: self._send_again(removed),
        )

    async def _send_again(self, removed: dict[PersonId, list[TerminalSerial]]) -> None:
        store = self._store()
        for person_id, targets in removed.items():
            person = await store.get_person(person_id)
            await self.save(person, targets)
        self.notice.emit("info", self.tr("Undone: sending them to those terminals again"))

    async def send_again(self, person_ids: list[PersonId]) -> None:
        """Deliver the selected persons to their terminals now (failed ones too), read back."""
        sync = self.context.station.sync
        placed = await self._store().placements_of(person_ids)
        outcomes = []
        for person_id in person_ids:
            serials = [p.serial for p in placed.get(person_id, []) if _held(p.state.value)]
            if serials:
                outcomes += list((await sync.retry(person_id, serials)).values())
        failed = [o for o in outcomes if not o.ok]
        text = (
            self.tr("Sent again: %1 of %2 confirmed by the terminals")
            .replace("%1", str(len(outcomes) - len(failed)))
            .replace("%2", str(len(outcomes)))
        )
        details = "; ".join(
            f"{self.terminals.get(o.serial, o.serial)}: {o.message}" for o in failed
        )
        self.notice.emit("error" if failed else "info", f"{text}. {details}" if failed else text)
        self.model.refresh()
        if self.current in person_ids:
            self.show_person(self.current)

    async def forget(self, person_id: PersonId, parent: QWidget) -> None:
        """Type-to-confirm, then forget the person everywhere."""
        store = self._store()
        person = await store.get_person(person_id)
        held = await store.targets_of(person_id)
        if not await ask(ForgetDialog(person, len(held), parent)):
            return
        await store.forget_person(person_id, ACTOR)
        self.notice.emit(
            "info",
            self.tr("%1 is being forgotten: removed from this station, and from %2 terminal(s)")
            .replace("%1", person.name or person.id)
            .replace("%2", str(len(held))),
        )

    async def _names_text(self, person_ids: list[PersonId]) -> str:
        if len(person_ids) != 1:
            return self.tr("%n person(s)", "", len(person_ids))
        person = await self._store().get_person(person_ids[0])
        return person.name or person.id

    def _offer_undo(self, text: str, undo: Callable[[], Coroutine[Any, Any, None]]) -> None:
        self._undo = undo
        self.undo_offered.emit(text)

    def undo(self) -> None:
        """Reverse the last reversible change (once)."""
        undo, self._undo = self._undo, None
        if undo is not None:
            self.run(undo, label=self.tr("Undoing"))

    # ---- running -----------------------------------------------------------------------------

    def run(self, work: Callable[..., Coroutine[Any, Any, Any]], *args: Any, label: str) -> None:
        """Start `work(*args)` as a job; failures become a notice in plain words."""
        self.context.tasks.start(work, *args, label=label, on_error=self._failed)

    def run_quietly(self, work: Callable[..., Coroutine[Any, Any, Any]], *args: Any) -> None:
        """Start `work(*args)` without a status-bar label (page loads happen all the time)."""
        self.context.tasks.start(work, *args, label="", on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        text = getattr(exc, "operator_text", None) or str(exc) or type(exc).__name__
        self.notice.emit("error", text)


def _hand_over(
    loop: asyncio.AbstractEventLoop, slot: Callable[[PersonsChanged], None], change: PersonsChanged
) -> None:
    """Store thread → UI thread (a closed loop means the page is going away anyway)."""
    if not loop.is_closed():
        loop.call_soon_threadsafe(slot, change)


def _result_of(task: asyncio.Task[Assessment | None] | None) -> Assessment | None:
    """The result of a finished photo check; None when it did not finish well."""
    if task is None or not task.done() or task.cancelled() or task.exception() is not None:
        return None
    return task.result()


def _held(state: str) -> bool:
    return state not in ("removing", "removed")


def _decode(jpeg: bytes) -> QImage:
    """Decode a photo off the UI thread (QImage, unlike QPixmap, may be made on any thread)."""
    return QImage.fromData(jpeg)


class PersonsView(QWidget):
    """The page: search and filters, the table, the detail panel and the actions. UI thread."""

    def __init__(self, presenter: PersonsPresenter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.presenter = presenter
        self.model = presenter.model
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_filter)
        self._build()
        self._shortcuts()
        presenter.notice.connect(self._show_notice)
        presenter.undo_offered.connect(self._show_undo)
        presenter.details_ready.connect(self._show_details)
        presenter.details_gone.connect(lambda _id: self.detail.clear())
        presenter.terminals_changed.connect(self._fill_terminals)
        self.model.loaded.connect(self._show_count)
        self._update_actions()
        # The first date editor made loads Qt's locale data (~80 ms): pay that while the
        # window is built, not when the operator opens the edit dialog.
        PersonForm(self).deleteLater()
        self._build_dialogs()

    def _build_dialogs(self) -> None:
        # Built once with the page, before the loop runs: making them on demand stalls the UI
        # thread for tens of milliseconds. They keep their state between openings (the last
        # sheet stays loaded for a re-import after fixing it).
        context = self.presenter.context
        self.reconcile_dialog = ReconcileDialog(context.station, context.tasks, self)
        self.reconcile_dialog.finished_work.connect(lambda text: self._show_notice("info", text))
        self.import_dialog = ImportDialog(
            context.station, context.tasks, self.presenter.colors, self
        )
        self.import_dialog.imported.connect(lambda _count: self.model.refresh())
        self.offboard_dialog = OffboardDialog(context.station, context.tasks, self)
        self.offboard_dialog.removed.connect(lambda _count: self.model.refresh())

    # ---- building ----------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addLayout(self._toolbar())
        layout.addLayout(self._chips())
        layout.addLayout(self._notice_row())
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self._table())
        self.detail = PersonDetail(self.presenter.colors)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 1)
        splitter.setSizes([700, 280])
        layout.addWidget(splitter, 1)
        layout.addLayout(self._actions())

    def _toolbar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search by name, ID, card or ID number (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.search.returnPressed.connect(self.apply_filter)
        bar.addWidget(self.search, 1)
        self.order = QComboBox()
        for text, order in (
            (self.tr("By name"), PersonOrder.NAME),
            (self.tr("By ID"), PersonOrder.ID),
            (self.tr("Recently changed"), PersonOrder.RECENT),
            (self.tr("Ending soonest"), PersonOrder.ENDING),
        ):
            self.order.addItem(text, order.name)  # the name: Qt turns a StrEnum into str
        self.order.currentIndexChanged.connect(self.apply_filter)
        bar.addWidget(self.order)
        self.count_label = QLabel()
        self.count_label.setObjectName("Muted")
        bar.addWidget(self.count_label)
        return bar

    def _chips(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.visitors_chip = self._chip(self.tr("Visitors"))
        self.expired_chip = self._chip(self.tr("Expired"))
        self.failed_chip = self._chip(self.tr("Failed sync"))
        for chip in (self.visitors_chip, self.expired_chip, self.failed_chip):
            row.addWidget(chip)
        self.terminal_filter = QComboBox()
        self.terminal_filter.setMinimumWidth(180)
        self.terminal_filter.currentIndexChanged.connect(self.apply_filter)
        row.addWidget(self.terminal_filter)
        row.addStretch(1)
        return row

    def _chip(self, text: str) -> QPushButton:
        chip = QPushButton(text)
        chip.setCheckable(True)
        chip.setStyleSheet(
            "QPushButton { border: 1px solid palette(mid); border-radius: 11px;"
            " padding: 3px 12px; }"
            " QPushButton:checked { background: palette(highlight);"
            " color: palette(highlighted-text); border-color: palette(highlight); }"
        )
        chip.toggled.connect(self.apply_filter)
        return chip

    def _notice_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice.hide()
        self.undo_button = QPushButton(self.tr("Undo"))
        self.undo_button.clicked.connect(self._undo)
        self.undo_button.hide()
        row.addWidget(self.notice, 1)
        row.addWidget(self.undo_button)
        return row

    def _table(self) -> QTableView:
        widths = (130, 70, 85, 105, 118, 55, 110)
        selection = QAbstractItemView.SelectionMode.ExtendedSelection
        self.table = paged_table(self.model, widths, selection)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _index: self.edit())
        return self.table

    def _actions(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.edit_button = QPushButton(self.tr("Edit…"))
        self.edit_button.setToolTip(self.tr("Change validity, passes, card or photo (Ctrl+E)"))
        self.edit_button.clicked.connect(self.edit)
        self.remove_button = QPushButton(self.tr("Remove from terminals…"))
        self.remove_button.setToolTip(self.tr("Remove from all or some terminals (Del)"))
        self.remove_button.clicked.connect(self.remove)
        self.forget_button = QPushButton(self.tr("Forget…"))
        self.forget_button.setToolTip(
            self.tr("Remove from every terminal and this station, photo and face data included")
        )
        self.forget_button.clicked.connect(self.forget)
        self.send_button = QPushButton(self.tr("Send again"))
        self.send_button.setToolTip(
            self.tr("Deliver to their terminals now, failed deliveries included, and read back")
        )
        self.send_button.clicked.connect(self.send_again)
        self.refresh_button = QPushButton(self.tr("Refresh"))
        self.refresh_button.setToolTip(self.tr("Read the list again (F5)"))
        self.refresh_button.clicked.connect(self.refresh)
        for button in (self.edit_button, self.send_button, self.remove_button, self.forget_button):
            row.addWidget(button)
        row.addStretch(1)
        self.reconcile_button = QPushButton(self.tr("Compare with a terminal…"))
        self.reconcile_button.setToolTip(
            self.tr("What a terminal holds against what the station expects; fix or import")
        )
        self.reconcile_button.clicked.connect(self.reconcile)
        self.import_button = QPushButton(self.tr("Import…"))
        self.import_button.setToolTip(self.tr("Add or update persons from a CSV or XLSX sheet"))
        self.import_button.clicked.connect(self.import_sheet)
        self.offboard_button = QPushButton(self.tr("Offboard…"))
        self.offboard_button.setToolTip(self.tr("Remove a list of persons from every terminal"))
        self.offboard_button.clicked.connect(self.offboard)
        for button in (self.import_button, self.offboard_button, self.reconcile_button):
            row.addWidget(button)
        row.addWidget(self.refresh_button)
        return row

    def _shortcuts(self) -> None:
        for keys, slot in (
            (QKeySequence.StandardKey.Find, self.focus_search),
            ("Ctrl+E", self.edit),
            (QKeySequence.StandardKey.Delete, self.remove),
            (QKeySequence.StandardKey.Refresh, self.refresh),
            ("F5", self.refresh),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

    # ---- filter ------------------------------------------------------------------------------

    def current_filter(self) -> PersonFilter:
        """The filter the search box, chips and terminal choice describe."""
        serial = self.terminal_filter.currentData()
        return PersonFilter(
            search=self.search.text(),
            kind=PersonKind.VISITOR if self.visitors_chip.isChecked() else None,
            expired_at=self.presenter.clock() if self.expired_chip.isChecked() else None,
            failed_sync=self.failed_chip.isChecked(),
            terminal=TerminalSerial(serial) if serial else None,
        )

    def apply_filter(self) -> None:
        """Show the persons the controls ask for (now, without waiting for the debounce)."""
        self._search_timer.stop()
        self.presenter.set_filter(self.current_filter(), PersonOrder[self.order.currentData()])

    def focus_search(self) -> None:
        """Ctrl+F: put the cursor in the search box."""
        self.search.setFocus()
        self.search.selectAll()

    def _fill_terminals(self) -> None:
        current = self.terminal_filter.currentData()
        self.terminal_filter.blockSignals(True)
        self.terminal_filter.clear()
        self.terminal_filter.addItem(self.tr("On any terminal"), "")
        for serial, name in sorted(self.presenter.terminals.items(), key=lambda i: i[1]):
            self.terminal_filter.addItem(self.tr("On %1").replace("%1", name), serial)
        self.terminal_filter.setCurrentIndex(max(0, self.terminal_filter.findData(current)))
        self.terminal_filter.blockSignals(False)

    def _show_count(self, count: int) -> None:
        self.count_label.setText(self.tr("%n person(s)", "", count))
        self._reselect()

    # ---- selection ---------------------------------------------------------------------------

    def selected_ids(self) -> list[PersonId]:
        """Ids of the selected (loaded) rows, top to bottom."""
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        found = (self.model.row(r) for r in rows)
        return [row.person.id for row in found if row is not None]

    def select_person(self, person_id: str) -> bool:
        """Select `person_id` if its row is loaded; True when it was."""
        row = self.model.row_of(person_id)
        if row >= 0:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))
        return row >= 0

    def _reselect(self) -> None:
        # After a refresh the rows may have moved: keep the panel's person selected.
        current = self.presenter.current
        if current is not None and self.selected_ids() != [current]:
            self.table.selectionModel().blockSignals(True)
            self.table.clearSelection()
            self.select_person(current)
            self.table.selectionModel().blockSignals(False)

    def _selection_changed(self) -> None:
        ids = self.selected_ids()
        self._update_actions()
        if len(ids) == 1:
            self.presenter.show_person(ids[0])
        elif not ids:
            self.presenter.show_person(None)
            self.detail.clear()

    def _update_actions(self) -> None:
        count = len(self.selected_ids())
        self.edit_button.setEnabled(count == 1)
        self.forget_button.setEnabled(count == 1)
        self.remove_button.setEnabled(count > 0)
        self.send_button.setEnabled(count > 0)

    def _show_details(self, details: PersonDetails) -> None:
        self.detail.show_details(details, self.presenter.terminals, self.presenter.clock())

    # ---- actions -----------------------------------------------------------------------------

    def edit(self) -> None:
        """Ctrl+E: edit the selected person."""
        ids = self.selected_ids()
        if len(ids) == 1:
            self.presenter.run(self.presenter.edit, ids[0], self, label="")

    def remove(self) -> None:
        """Del: remove the selected persons from all or some terminals."""
        ids = self.selected_ids()
        if ids:
            self.presenter.run(self.presenter.remove_from_terminals, ids, self, label="")

    def send_again(self) -> None:
        """Deliver the selected persons again now."""
        ids = self.selected_ids()
        if ids:
            self.presenter.run(self.presenter.send_again, ids, label=self.tr("Sending again"))

    def forget(self) -> None:
        """Forget the selected person (after typing their id)."""
        ids = self.selected_ids()
        if len(ids) == 1:
            self.presenter.run(self.presenter.forget, ids[0], self, label="")

    def reconcile(self) -> None:
        """Open the reconcile view (for the terminal filtered on, if any)."""
        self.presenter.run(self._reconcile, label="")

    async def _reconcile(self) -> None:
        await self.presenter.context.station_ready()
        await self.presenter.reload_terminals()
        if not self.presenter.terminals:
            raise OperatorError(self.tr("No terminals yet: add them on the Terminals page"))
        self.reconcile_dialog.set_terminals(
            self.presenter.terminals, self.terminal_filter.currentData() or None
        )
        await ask_again(self.reconcile_dialog)
        self.model.refresh()

    def import_sheet(self) -> None:
        """Open the import dialog."""
        self.presenter.run(self._import_sheet, label="")

    async def _import_sheet(self) -> None:
        await self.presenter.context.station_ready()
        await self.presenter.reload_terminals()
        self.import_dialog.set_terminals(self.presenter.terminals)
        await ask_again(self.import_dialog)

    def offboard(self) -> None:
        """Open the offboarding dialog."""
        self.presenter.run(self._offboard, label="")

    async def _offboard(self) -> None:
        await self.presenter.context.station_ready()
        await self.presenter.reload_terminals()
        self.offboard_dialog.names = dict(self.presenter.terminals)
        await ask_again(self.offboard_dialog)

    def refresh(self) -> None:
        """F5: read the terminals and the list again."""
        self.presenter.run(self.presenter.reload_terminals, label="")
        self.model.refresh()

    # ---- feedback ----------------------------------------------------------------------------

    def _show_notice(self, kind: str, text: str) -> None:
        color = self.presenter.colors.error if kind == "error" else "palette(text)"
        self.notice.setStyleSheet(f"color: {color};")
        self.notice.setProperty("kind", kind)
        self.notice.setText(text)
        self.notice.show()
        self.undo_button.hide()

    def _show_undo(self, text: str) -> None:
        self._show_notice("info", text)
        self.undo_button.show()

    def _undo(self) -> None:
        self.undo_button.hide()
        self.presenter.undo()


def create_page(context: AppContext) -> QWidget:
    """The Persons page for the main window (the shell calls this once at start)."""
    presenter = PersonsPresenter(context)
    view = PersonsView(presenter)
    presenter.setParent(view)
    # Started from the loop, not here: the shell may build pages before the loop runs.
    QTimer.singleShot(0, presenter, presenter.start)
    return view

"""The Records page: who passed which terminal and when, with the terminal's snapshot; export.

Live: records stored while the page is open (uploads, polls) appear without a refresh. Store
notifications arriving close together become one read of only the new records, merged into
the table; an operator scrolled down keeps their place and sees "N new passes — show".
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from enroll_app.services.records import PassesStored, RecordsService
from enroll_app.store.db import PersonsChanged
from enroll_app.store.passes import PassFilter
from enroll_app.store.records import PassRecordRow, PersonId, TerminalSerial
from enroll_app.ui.context import AppContext, ShutdownStage
from enroll_app.ui.dialogs import ask
from enroll_app.ui.records_model import RecordsModel, Run
from enroll_app.ui.tasks import OperatorError
from enroll_app.ui.widgets import paged_table

DAY = 86400.0
PHOTO_SIZE = (320, 240)
SEARCH_DELAY_MS = 300
NEW_RECORDS_DELAY_MS = 200  # records stored closer together than this: one read
NEW_RECORDS_MAX_DELAY_MS = 1000  # ...but a steady stream still shows at least this often


class RecordsPresenter(QObject):
    """Reads records, snapshots and terminal names; exports. UI thread."""

    notice = Signal(str, str)  # kind ("info" | "error"), text
    photo_ready = Signal(object)  # QImage, or None when the record has no snapshot
    terminals_changed = Signal()

    def __init__(self, context: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.clock: Callable[[], float] = time.time
        self.model = RecordsModel(self.run_quietly, self)
        self.service: RecordsService | None = None
        self.terminals: dict[TerminalSerial, str] = {}
        self._unsubscribe: list[Callable[[], None]] = []
        self._new_records = QTimer(self, singleShot=True)
        self._new_records.timeout.connect(self._show_new)
        self._first_unshown: float | None = None  # monotonic time of the oldest unshown store
        context.on_shutdown(ShutdownStage.CLIENTS, self.aclose, name="records page")

    def start(self) -> None:
        """Open the store (through the station) and show the newest records."""
        self.run(self._start, label=self.tr("Opening the pass records"))

    async def _start(self) -> None:
        station = await self.context.station_ready()
        self.service = station.records
        await self.reload_terminals()
        # Before the first read: a record stored meanwhile is merged after it, not lost.
        self._unsubscribe.append(self.service.subscribe(self._stored))
        loop = asyncio.get_running_loop()
        self._unsubscribe.append(
            station.store.subscribe(lambda change: _hand_over(loop, self._persons_changed, change))
        )
        self.model.attach(self.service)

    async def aclose(self) -> None:
        """Stop following new records (on quit)."""
        self._new_records.stop()
        unsubscribe, self._unsubscribe = self._unsubscribe, []
        for stop in unsubscribe:
            stop()

    def _stored(self, stored: PassesStored) -> None:
        # Called inside the write's caller (an upload waits for it): only (re)arm the timer.
        # Trailing delay, so a burst is one read; capped, so a steady stream still shows.
        del stored
        now = time.monotonic()
        if self._first_unshown is None:
            self._first_unshown = now
        waited_ms = (now - self._first_unshown) * 1000
        self._new_records.start(
            int(max(0.0, min(NEW_RECORDS_DELAY_MS, NEW_RECORDS_MAX_DELAY_MS - waited_ms)))
        )

    def _show_new(self) -> None:
        self._first_unshown = None
        self.model.show_new()

    def _persons_changed(self, change: PersonsChanged) -> None:
        if change.removed:  # forgotten: their records lost the name and the snapshot
            self.model.reread_persons(change.removed)

    async def reload_terminals(self) -> None:
        """Read the terminals' names."""
        records = await self.context.station.store.list_terminals()
        self.terminals = {t.serial: t.name or t.serial for t in records}
        self.model.terminal_names = self.terminals
        self.terminals_changed.emit()

    def show_photo(self, row: PassRecordRow) -> None:
        """Load the snapshot of `row` for the side panel."""
        self.run_quietly(self._photo, row)

    async def _photo(self, row: PassRecordRow) -> None:
        jpeg = await self._service().photo(row) if row.has_photo else None
        image = await asyncio.to_thread(QImage.fromData, jpeg) if jpeg else None
        self.photo_ready.emit(image)

    async def export(self, path: Path) -> int:
        """Write every record matching the filter to `path` as CSV; returns how many."""
        count = await self._service().export_csv(self.model.pass_filter, path)
        self.notice.emit(
            "info",
            self.tr("%1 record(s) written to %2")
            .replace("%1", str(count))
            .replace("%2", str(path)),
        )
        return count

    def _service(self) -> RecordsService:
        if self.service is None:
            raise OperatorError(self.tr("The station database is still opening"))
        return self.service

    def run(self, work: Callable[..., Coroutine[Any, Any, Any]], *args: Any, label: str) -> None:
        """Start `work(*args)` as a job; failures become a notice."""
        self.context.tasks.start(work, *args, label=label, on_error=self._failed)

    def run_quietly(self, work: Callable[..., Coroutine[Any, Any, Any]], *args: Any) -> None:
        """Start `work(*args)` without a status-bar label."""
        self.context.tasks.start(work, *args, label="", on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.notice.emit("error", getattr(exc, "operator_text", None) or str(exc))


class RecordsView(QWidget):
    """Filters, the records table, the snapshot of the selected record. UI thread."""

    def __init__(self, presenter: RecordsPresenter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.presenter = presenter
        self.model = presenter.model
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_filter)
        self._anchor: tuple[int, int] | None = None  # top visible row, its y, while merging
        self._unseen = 0  # new rows above the operator's place since they scrolled away
        self._build()
        self.model.merging.connect(self._remember_place)
        self.model.merged.connect(self._keep_place)
        self.model.modelReset.connect(self._forget_unseen)
        self.model.dataChanged.connect(self._record_changed)
        presenter.photo_ready.connect(self._show_photo)
        presenter.notice.connect(self._show_notice)
        presenter.terminals_changed.connect(self._fill_terminals)
        self.model.set_filter(self.current_filter())  # in force once the store is open
        refresh = QShortcut(QKeySequence("F5"), self)
        refresh.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        refresh.activated.connect(self.apply_filter)

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addLayout(self._filters())
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.hide()
        layout.addWidget(self.notice)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self._table())
        splitter.addWidget(self._photo_panel())
        splitter.setStretchFactor(0, 1)
        splitter.setSizes([780, PHOTO_SIZE[0] + 20])
        layout.addWidget(splitter, 1)

    def _filters(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.range = QComboBox()
        for text, days in (
            (self.tr("Last 24 hours"), 1.0),
            (self.tr("Last 7 days"), 7.0),
            (self.tr("Last 30 days"), 30.0),
            (self.tr("All time"), 0.0),
        ):
            self.range.addItem(text, days)
        self.range.setCurrentIndex(1)
        self.range.currentIndexChanged.connect(self.apply_filter)
        self.person = QLineEdit()
        self.person.setPlaceholderText(self.tr("Person ID"))
        self.person.setClearButtonEnabled(True)
        self.person.textChanged.connect(lambda _text: self._search_timer.start())
        self.terminal = QComboBox()
        self.terminal.setMinimumWidth(180)
        self.terminal.currentIndexChanged.connect(self.apply_filter)
        self.export_button = QPushButton(self.tr("Export CSV…"))
        self.export_button.clicked.connect(self._export)
        self.refresh_button = QPushButton(self.tr("Refresh"))
        self.refresh_button.setToolTip(self.tr("Read the records again (F5)"))
        self.refresh_button.clicked.connect(self.apply_filter)
        row.addWidget(self.range)
        row.addWidget(self.person, 1)
        row.addWidget(self.terminal)
        row.addWidget(self.refresh_button)
        row.addWidget(self.export_button)
        return row

    def _table(self) -> QTableView:
        self.table = paged_table(self.model, (150, 170, 80, 120, 50))
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.verticalScrollBar().valueChanged.connect(self._scrolled)
        # Floats over the top of the rows (a child of the table, not of its scrolling viewport):
        # showing it moves nothing.
        self.new_passes = QPushButton(self.table)
        self.new_passes.setObjectName("NewPasses")
        self.new_passes.setCursor(Qt.CursorShape.PointingHandCursor)
        self.new_passes.setStyleSheet(
            "#NewPasses { background: palette(highlight); color: palette(highlighted-text);"
            " border: none; border-radius: 12px; padding: 4px 14px; }"
        )
        self.new_passes.clicked.connect(self.show_newest)
        self.new_passes.hide()
        self.table.installEventFilter(self)
        return self.table

    def _photo_panel(self) -> QWidget:
        panel = QWidget()
        column = QVBoxLayout(panel)
        self.photo = QLabel(self.tr("Select a record to see the terminal's snapshot"))
        self.photo.setWordWrap(True)
        self.photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.photo.setFixedSize(*PHOTO_SIZE)
        self.photo.setObjectName("Card")
        column.addWidget(self.photo)
        self.photo_caption = QLabel()
        self.photo_caption.setWordWrap(True)
        column.addWidget(self.photo_caption)
        column.addStretch(1)
        return panel

    def current_filter(self) -> PassFilter:
        """The filter the controls describe."""
        days = float(self.range.currentData())
        since = self.presenter.clock() - days * DAY if days else None
        person = self.person.text().strip()
        serial = self.terminal.currentData()
        return PassFilter(
            since=since,
            person_id=PersonId(person) if person else None,
            serial=TerminalSerial(serial) if serial else None,
        )

    def apply_filter(self) -> None:
        """Show the records the controls ask for."""
        self._search_timer.stop()
        self.model.set_filter(self.current_filter())

    # ---- live records ------------------------------------------------------------------------

    def _at_top(self) -> bool:
        bar = self.table.verticalScrollBar()
        return bar.value() <= bar.minimum()

    def _remember_place(self) -> None:
        """Before new rows go in: the row at the top of the view, unless the view is at the top
        (then new rows simply appear there)."""
        row = self.table.rowAt(0)
        at_top = self._at_top() or row < 0
        self._anchor = None if at_top else (row, self.table.rowViewportPosition(row))

    def _keep_place(self, runs: list[Run]) -> None:
        """After new rows went in: the rows the operator looked at stay where they were."""
        anchor, self._anchor = self._anchor, None
        if anchor is None:
            return
        row, y = anchor
        above = 0
        for first, count in runs:
            if first <= row:
                row += count
                above += count
        if not above:
            return
        self.table.doItemsLayout()  # the scroll bar's range must count the new rows first
        bar = self.table.verticalScrollBar()
        if self.table.verticalScrollMode() == QAbstractItemView.ScrollMode.ScrollPerItem:
            bar.setValue(bar.value() + above)
        else:
            bar.setValue(bar.value() + self.table.rowViewportPosition(row) - y)
        self._unseen += above
        self.new_passes.setText(self.tr("%1 new pass(es) — show").replace("%1", str(self._unseen)))
        self.new_passes.adjustSize()
        self._place_new_passes()
        self.new_passes.show()
        self.new_passes.raise_()

    def show_newest(self) -> None:
        """Scroll to the newest records (the "new passes" button)."""
        self.table.scrollToTop()
        self._forget_unseen()

    def _scrolled(self, _value: int) -> None:
        if self._unseen and self._at_top():
            self._forget_unseen()

    def _forget_unseen(self) -> None:
        self._unseen = 0
        self.new_passes.hide()

    def _place_new_passes(self) -> None:
        viewport = self.table.viewport().geometry()
        width = self.new_passes.width()
        self.new_passes.move(viewport.x() + (viewport.width() - width) // 2, viewport.y() + 8)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Keep the "new passes" button centred over the rows when the table is resized."""
        if watched is self.table and event.type() == QEvent.Type.Resize:
            self._place_new_passes()
        return super().eventFilter(watched, event)

    def _fill_terminals(self) -> None:
        current = self.terminal.currentData()
        self.terminal.blockSignals(True)
        self.terminal.clear()
        self.terminal.addItem(self.tr("All terminals"), "")
        for serial, name in sorted(self.presenter.terminals.items(), key=lambda i: i[1]):
            self.terminal.addItem(name, serial)
        self.terminal.setCurrentIndex(max(0, self.terminal.findData(current)))
        self.terminal.blockSignals(False)

    def _selection_changed(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        record = self.model.record(rows[0].row())
        self.photo_caption.setText(
            f"{record.name or record.person_id} · "
            f"{self.presenter.terminals.get(record.serial, record.serial)}"
        )
        self.presenter.show_photo(record)

    def _record_changed(self, first: QModelIndex, last: QModelIndex) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows and first.row() <= rows[0].row() <= last.row():
            self._selection_changed()  # caption and snapshot as they are now

    def _show_photo(self, image: QImage | None) -> None:
        if image is None or image.isNull():
            self.photo.clear()
            self.photo.setText(self.tr("The terminal sent no snapshot with this record"))
            return
        self.photo.setPixmap(
            QPixmap.fromImage(image).scaled(
                self.photo.size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )

    def _export(self) -> None:
        self.presenter.run(self._ask_and_export, label="")

    async def _ask_and_export(self) -> None:
        dialog = QFileDialog(self, self.tr("Export pass records"), "pass-records.csv")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter(self.tr("CSV files (*.csv)"))
        dialog.setDefaultSuffix("csv")
        if await ask(dialog) and dialog.selectedFiles():
            await self.presenter.export(Path(dialog.selectedFiles()[0]))

    def _show_notice(self, kind: str, text: str) -> None:
        self.notice.setStyleSheet("color: #c0392b;" if kind == "error" else "")
        self.notice.setText(text)
        self.notice.show()


def _hand_over(
    loop: asyncio.AbstractEventLoop,
    slot: Callable[[PersonsChanged], None],
    change: PersonsChanged,
) -> None:
    """Store thread → UI thread (a closed loop means the page is going away anyway)."""
    if not loop.is_closed():
        loop.call_soon_threadsafe(slot, change)


def create_page(context: AppContext) -> QWidget:
    """The Records page for the main window (the shell calls this once at start)."""
    presenter = RecordsPresenter(context)
    view = RecordsView(presenter)
    presenter.setParent(view)
    QTimer.singleShot(0, presenter, presenter.start)
    return view

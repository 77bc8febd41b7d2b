"""`RecordsModel`: pass records, newest first, fetched page by page as the table scrolls down."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from enroll_app.services.records import RecordsService
from enroll_app.store.passes import PassFilter
from enroll_app.store.records import PassRecordRow, TerminalSerial
from enroll_app.ui.persons_model import format_time

PAGE_SIZE = 200
COLUMNS = ("time", "person", "id", "terminal", "photo")

Runner = Callable[..., object]


class RecordsModel(QAbstractTableModel):
    """Rows of `RecordsService.list` for one `PassFilter`; `fetchMore` reads the next page.

    UI thread; the reads are store futures awaited in task-runner jobs.
    """

    def __init__(self, run: Runner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._run = run
        self._service: RecordsService | None = None
        self._filter = PassFilter(limit=PAGE_SIZE)
        self._rows: list[PassRecordRow] = []
        self._more = False
        self._fetching = False
        self._generation = 0
        self.terminal_names: Mapping[TerminalSerial, str] = {}

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return (
            self.tr("Time"),
            self.tr("Person"),
            self.tr("ID"),
            self.tr("Terminal"),
            self.tr("Photo"),
        )[section]

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        row = self._rows[index.row()]
        texts = {
            "time": lambda: format_time(row.ts) + f":{int(row.ts) % 60:02d}",
            "person": lambda: row.name or self.tr("(unknown)"),
            "id": lambda: row.person_id,
            "terminal": lambda: self.terminal_names.get(row.serial, row.serial),
            "photo": lambda: self.tr("yes") if row.has_photo else "",
        }
        return texts[COLUMNS[index.column()]]()

    def record(self, number: int) -> PassRecordRow:
        """The record shown in row `number`."""
        return self._rows[number]

    @property
    def pass_filter(self) -> PassFilter:
        """The filter in force (its limit is the page size)."""
        return self._filter

    def attach(self, service: RecordsService) -> None:
        """Start showing `service`'s records."""
        self._service = service
        self.set_filter(self._filter)

    def set_filter(self, where: PassFilter) -> None:
        """Show the records matching `where` from the newest on."""
        self._filter = replace(where, limit=PAGE_SIZE, offset=0)
        if self._service is None:
            return
        self._generation += 1
        self._fetching = True
        self._run(self._load, self._service, self._generation, 0)

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more and not self._fetching

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:  # noqa: B008
        if self._service is None or not self.canFetchMore(parent):
            return
        self._fetching = True
        self._run(self._load, self._service, self._generation, len(self._rows))

    async def _load(self, service: RecordsService, generation: int, offset: int) -> None:
        try:
            page = await service.list(replace(self._filter, offset=offset))
        finally:
            if generation == self._generation:
                self._fetching = False
        if generation != self._generation:
            return
        if offset == 0:
            self.beginResetModel()
            self._rows = page
            self.endResetModel()
        elif page:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(page) - 1)
            self._rows.extend(page)
            self.endInsertRows()
        self._more = len(page) == PAGE_SIZE

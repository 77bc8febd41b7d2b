"""`RecordsModel`: pass records, newest first, fetched page by page as the table scrolls down;
records stored later are merged in where they belong (`show_new`), without a reset."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from enroll_app.services.records import RecordsService
from enroll_app.store.passes import PassFilter, ts_ms
from enroll_app.store.records import PassRecordRow, PersonId, TerminalSerial
from enroll_app.ui.persons_model import format_time

PAGE_SIZE = 200
NEW_AT_ONCE = 1000  # more new records than this in one merge: read the first page again
MAX_RUNS = 300  # ...or scattered into more places than this (each insertion costs the view)
COLUMNS = ("time", "person", "id", "terminal", "photo")

Runner = Callable[..., object]
Key = tuple[str, str, int]
Run = tuple[int, int]  # (first row, count) of rows inserted together, in final row numbers


def record_key(row: PassRecordRow) -> Key:
    """What makes a record unique in the store: terminal, person, time to the millisecond."""
    return (row.serial, row.person_id, ts_ms(row.ts))


def merge_newer(
    old: list[PassRecordRow], new: list[PassRecordRow]
) -> list[tuple[int, list[PassRecordRow]]]:
    """Where `new` rows (newest first) go among `old` (newest first): (first row, rows) runs in
    ascending final row numbers, to insert in that order. A new row goes before an old one of
    the same millisecond (the store lists the later stored first)."""
    runs: list[tuple[int, list[PassRecordRow]]] = []
    at = 0  # rows of `old` before the next new row
    for placed, row in enumerate(new):  # `placed`: new rows before this one
        stamp = ts_ms(row.ts)
        while at < len(old) and ts_ms(old[at].ts) > stamp:
            at += 1
        if runs and runs[-1][0] + len(runs[-1][1]) == at + placed:
            runs[-1][1].append(row)
        else:
            runs.append((at + placed, [row]))
    return runs


class RecordsModel(QAbstractTableModel):
    """Rows of `RecordsService.list` for one `PassFilter`; `fetchMore` reads the next page.

    `show_new()` reads only the records stored since the last read and inserts them where they
    belong (rows inserted, never a reset: the view keeps its selection and can keep its place).
    `merging` comes before such insertions, `merged(runs)` after every `show_new` read, with
    the inserted (first row, count) runs in ascending order (none when nothing new matched).
    The loaded rows are always all records of the filter from the newest down to the oldest
    loaded one, so `fetchMore` can go on by offset.

    UI thread; the reads are store futures awaited in task-runner jobs, one at a time.
    """

    merging = Signal()
    merged = Signal(object)  # list[Run]

    def __init__(self, run: Runner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._run = run
        self._service: RecordsService | None = None
        self._filter = PassFilter(limit=PAGE_SIZE)
        self._rows: list[PassRecordRow] = []
        self._keys: set[Key] = set()
        self._last_id: int | None = None  # the newest stored record when the first page was read
        self._more = False
        self._fetching = False
        self._stale = False  # records were stored while a read ran
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
        self._stale = False  # the first page shows everything stored before its read
        self._run(self._load, self._service, self._generation, 0)

    def show_new(self) -> None:
        """Insert the records matching the filter that were stored since the last read."""
        if self._service is None:
            return
        if self._fetching:  # after the read under way (one read at a time keeps rows in order)
            self._stale = True
            return
        if self._last_id is None:  # the first page never arrived: read it again
            self.set_filter(self._filter)
            return
        self._fetching = True
        self._stale = False
        self._run(self._merge_new, self._service, self._generation, self._last_id)

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more and not self._fetching

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:  # noqa: B008
        if self._service is None or not self.canFetchMore(parent):
            return
        self._fetching = True
        self._run(self._load, self._service, self._generation, len(self._rows))

    async def _load(self, service: RecordsService, generation: int, offset: int) -> None:
        last_id = None
        try:
            if offset == 0:
                first = await service.page(self._filter)
                page, last_id = first.rows, first.last_id
            else:
                page = await service.list(replace(self._filter, offset=offset))
        finally:
            if generation == self._generation:
                self._fetching = False
        if generation != self._generation:
            return
        if offset == 0:
            self.beginResetModel()
            self._rows = page
            self._keys = {record_key(r) for r in page}
            self._last_id = last_id
            self.endResetModel()
        else:
            # Records stored above since the last read shift the pages: drop the repeats.
            fresh = [r for r in page if record_key(r) not in self._keys]
            if fresh:
                self.beginInsertRows(
                    QModelIndex(), len(self._rows), len(self._rows) + len(fresh) - 1
                )
                self._rows.extend(fresh)
                self._keys.update(record_key(r) for r in fresh)
                self.endInsertRows()
        self._more = len(page) == PAGE_SIZE
        if self._stale:
            self.show_new()

    async def _merge_new(self, service: RecordsService, generation: int, after_id: int) -> None:
        where = replace(self._filter, offset=0, limit=NEW_AT_ONCE)
        if self._more and self._rows:
            # Older than the oldest loaded row: `fetchMore` brings those in their turn.
            oldest = self._rows[-1].ts
            where = replace(where, since=max(oldest, where.since or oldest))
        try:
            page = await service.page(where, after_id)
        finally:
            if generation == self._generation:
                self._fetching = False
        if generation != self._generation:
            return
        if len(page.rows) >= NEW_AT_ONCE:  # a flood: one fresh first page beats a merge
            self.set_filter(self._filter)
            return
        fresh = [r for r in page.rows if record_key(r) not in self._keys]
        runs = merge_newer(self._rows, fresh)
        if len(runs) > MAX_RUNS:  # e.g. a day's backlog polled from a terminal back online
            self.set_filter(self._filter)
            return
        self._last_id = page.last_id
        self.merged.emit(self._insert(runs))
        if self._stale:
            self.show_new()

    def reread_persons(self, person_ids: Collection[PersonId]) -> None:
        """Read the shown records of these persons again (forgetting a person takes the name
        and the snapshots off their records); rows change in place."""
        shown = sorted({r.person_id for r in self._rows} & set(person_ids))
        if self._service is None or not shown:
            return
        oldest = self._rows[-1].ts
        where = replace(
            self._filter, since=max(oldest, self._filter.since or oldest), limit=len(self._rows)
        )
        self._run(self._reread, self._service, self._generation, where, shown)

    async def _reread(
        self,
        service: RecordsService,
        generation: int,
        where: PassFilter,
        person_ids: list[PersonId],
    ) -> None:
        fresh: dict[Key, PassRecordRow] = {}
        for person_id in person_ids:
            found = await service.list(replace(where, person_id=person_id))
            fresh.update((record_key(r), r) for r in found)
        if generation != self._generation:
            return
        for number, row in enumerate(self._rows):
            again = fresh.get(record_key(row))
            if again is not None and again != row:
                self._rows[number] = again
                self.dataChanged.emit(self.index(number, 0), self.index(number, len(COLUMNS) - 1))

    def _insert(self, runs: list[tuple[int, list[PassRecordRow]]]) -> list[Run]:
        if runs:
            self.merging.emit()
        for first, rows in runs:
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows[first:first] = rows
            self._keys.update(record_key(r) for r in rows)
            self.endInsertRows()
        return [(first, len(rows)) for first, rows in runs]

"""`PersonsModel`: the store's persons as a lazily paged table (count first, pages on demand).

Runs on the UI thread; every query is a store future awaited in a task-runner job, so no SQL
ever runs here. Rows not loaded yet show "…" and ask for their page; a page arrives with the
placements of its persons, so the sync column needs no second round trip.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor

from enroll_app.store.api import Store
from enroll_app.store.persons import PersonFilter, PersonOrder
from enroll_app.store.records import (
    UNLIMITED_PASSES,
    UNLIMITED_TS,
    PersonId,
    PersonKind,
    PersonRecord,
    Placement,
    PlacementState,
    TerminalSerial,
)
from enroll_app.ui.theme import Colors

PAGE_SIZE = 100
RELOAD_PAGES = 6
MAX_PAGES = 40  # pages kept in memory: a few screens either side of where the operator looks
COLUMNS = ("name", "id", "card", "kind", "valid", "passes", "sync")
PERSON_ID_ROLE = Qt.ItemDataRole.UserRole + 1
LOADING = "…"

Runner = Callable[..., object]
"""Starts a job: `run(coroutine_function, *args)` (the page's task-runner wrapper)."""


@dataclass(frozen=True)
class PersonRow:
    """One loaded row: the person and where they stand on each terminal."""

    person: PersonRecord
    placements: tuple[Placement, ...]

    def sync_summary(self) -> tuple[int, int, int]:
        """(held and confirmed, waiting, failed) over the terminals that should hold them."""
        live = [p for p in self.placements if p.state is not PlacementState.REMOVED]
        synced = sum(p.state is PlacementState.SYNCED for p in live)
        failed = sum(p.state.failed for p in live)
        return synced, len(live) - synced - failed, failed


def format_time(ts: float) -> str:
    """Local date and time to the minute (what the operator reads and types)."""
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")


class PersonsModel(QAbstractTableModel):
    """Persons matching a `PersonFilter`, in pages of `PAGE_SIZE` fetched when first shown.

    `refresh()` re-reads the count and the pages in view without emptying the table, so live
    updates keep the scroll position. `loaded` fires after each count (and first page) arrives.
    """

    loaded = Signal(int)  # rows matching the filter
    page_arrived = Signal(int)  # page number

    def __init__(
        self,
        run: Runner,
        colors: Colors,
        *,
        clock: Callable[[], float] = time.time,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._run = run
        self._colors = colors
        self._clock = clock
        self._store: Store | None = None
        self._filter = PersonFilter()
        self._order = PersonOrder.NAME
        self._count = 0
        self._pages: OrderedDict[int, list[PersonRow]] = OrderedDict()
        self._wanted: set[int] = set()
        self._generation = 0
        self.terminal_names: dict[TerminalSerial, str] = {}

    # ---- Qt model API ------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return (
            self.tr("Name"),
            self.tr("ID"),
            self.tr("Card"),
            self.tr("Type"),
            self.tr("Valid until"),
            self.tr("Passes"),
            self.tr("Terminals"),
        )[section]

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        row = self.row(index.row())
        column = COLUMNS[index.column()]
        if row is None:
            return LOADING if role == Qt.ItemDataRole.DisplayRole and column == "name" else None
        if role == PERSON_ID_ROLE:
            return row.person.id
        return self._role_data(row, column, role)

    def _role_data(self, row: PersonRow, column: str, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._color(row, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == "sync":
            return self.sync_tooltip(row)
        return None

    # ---- rows --------------------------------------------------------------------------------

    def row(self, number: int) -> PersonRow | None:
        """The loaded row `number`, or None (its page is then requested)."""
        page, offset = divmod(number, PAGE_SIZE)
        rows = self._pages.get(page)
        if rows is None:
            self._want(page)
            return None
        self._pages.move_to_end(page)
        return rows[offset] if offset < len(rows) else None

    def row_of(self, person_id: str) -> int:
        """The row number of `person_id` among the loaded pages (-1 if not loaded)."""
        for page, rows in self._pages.items():
            for offset, row in enumerate(rows):
                if row.person.id == person_id:
                    return page * PAGE_SIZE + offset
        return -1

    def loaded_rows(self) -> int:
        """How many rows are held in memory (for tests and the status line)."""
        return sum(len(rows) for rows in self._pages.values())

    @property
    def person_filter(self) -> PersonFilter:
        """The filter in force."""
        return self._filter

    # ---- loading -----------------------------------------------------------------------------

    def attach(self, store: Store) -> None:
        """Start showing `store`'s persons."""
        self._store = store
        self.refresh(reset=True)

    def set_filter(self, where: PersonFilter, order: PersonOrder | None = None) -> None:
        """Show the persons matching `where` (the table changes when the answer is in)."""
        self._filter = where
        if order is not None:
            self._order = order
        self.refresh(reset=True)

    def refresh(self, *, reset: bool = False) -> None:
        """Re-read the count and the pages held; `reset` for a new filter (back to the top)."""
        if self._store is None:
            return
        self._generation += 1
        self._run(self._reload, self._store, self._generation, reset)

    async def _reload(self, store: Store, generation: int, reset: bool) -> None:
        where, order = self._filter, self._order
        count = await store.count_persons(where)
        # The pages used last are the ones on screen; the others load again when shown.
        pages = [0] if reset else list(self._pages)[-RELOAD_PAGES:] or [0]
        loaded = {page: await self._read_page(store, where, order, page) for page in pages}
        if generation != self._generation:
            return  # a newer filter or refresh superseded this one
        if reset:
            self.beginResetModel()
            self._count, self._pages, self._wanted = count, OrderedDict(loaded), set()
            self.endResetModel()
        else:
            self._resize(count)
            self._pages = OrderedDict(loaded)
            self._wanted.clear()
            if count:
                self.dataChanged.emit(self.index(0, 0), self.index(count - 1, len(COLUMNS) - 1))
        self.loaded.emit(count)

    def _resize(self, count: int) -> None:
        if count > self._count:
            self.beginInsertRows(QModelIndex(), self._count, count - 1)
            self._count = count
            self.endInsertRows()
        elif count < self._count:
            self.beginRemoveRows(QModelIndex(), count, self._count - 1)
            self._count = count
            self.endRemoveRows()

    def _want(self, page: int) -> None:
        if self._store is None or page in self._wanted:
            return
        self._wanted.add(page)
        self._run(self._load_page, self._store, self._generation, page)

    async def _load_page(self, store: Store, generation: int, page: int) -> None:
        rows = await self._read_page(store, self._filter, self._order, page)
        if generation != self._generation:
            return
        self._wanted.discard(page)
        self._pages[page] = rows
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        first = page * PAGE_SIZE
        last = min(first + len(rows), self._count) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))
        self.page_arrived.emit(page)

    @staticmethod
    async def _read_page(
        store: Store, where: PersonFilter, order: PersonOrder, page: int
    ) -> list[PersonRow]:
        persons = await store.list_persons(where, page * PAGE_SIZE, PAGE_SIZE, order)
        placements = await store.placements_of([p.id for p in persons]) if persons else {}
        return [PersonRow(p, tuple(placements.get(p.id, ()))) for p in persons]

    # ---- texts and colours -------------------------------------------------------------------

    def _text(self, row: PersonRow, column: str) -> str:
        person = row.person
        texts: dict[str, Callable[[], str]] = {
            "name": lambda: person.name or self.tr("(no name)"),
            "id": lambda: person.id,
            "card": lambda: person.ic_no,
            "kind": lambda: self.kind_text(person),
            "valid": lambda: (
                self.tr("no limit") if person.end_ts == UNLIMITED_TS else format_time(person.end_ts)
            ),
            "passes": lambda: (
                self.tr("any") if person.pass_count >= UNLIMITED_PASSES else str(person.pass_count)
            ),
            "sync": lambda: self.sync_text(row),
        }
        return texts[column]()

    def kind_text(self, person: PersonRecord) -> str:
        """Staff / Visitor, and whether the validity has ended or is being forgotten."""
        if person.forgetting:
            return self.tr("Being forgotten")
        kind = self.tr("Visitor") if person.kind is PersonKind.VISITOR else self.tr("Staff")
        if person.expired(self._clock()):
            return self.tr("%1, expired").replace("%1", kind)
        return kind

    def sync_text(self, row: PersonRow) -> str:
        """A short summary such as "✓ 3", "⚠ 1 failed · ✓ 2", "station only"."""
        synced, waiting, failed = row.sync_summary()
        if not (synced or waiting or failed):
            return self.tr("station only")
        parts = []
        if failed:
            parts.append(self.tr("⚠ %1 failed").replace("%1", str(failed)))
        if waiting:
            parts.append(self.tr("⏳ %1 waiting").replace("%1", str(waiting)))
        if synced:
            parts.append(f"✓ {synced}")
        return " · ".join(parts)

    def sync_tooltip(self, row: PersonRow) -> str:
        """One line per terminal: name, state and the last error in plain words."""
        lines = []
        for placement in row.placements:
            name = self.terminal_names.get(placement.serial, placement.serial)
            line = f"{name}: {state_text(placement.state)}"
            if placement.state.failed and placement.last_error:
                line += f" ({placement.last_error})"
            lines.append(line)
        return "\n".join(lines)

    def _color(self, row: PersonRow, column: str) -> QColor | None:
        if column == "sync":
            synced, waiting, failed = row.sync_summary()
            if failed:
                return QColor(self._colors.error)
            if waiting:
                return QColor(self._colors.warn)
            return QColor(self._colors.ok) if synced else QColor(self._colors.muted)
        if column == "kind" and (row.person.expired(self._clock()) or row.person.forgetting):
            return QColor(self._colors.warn)
        return None

    def set_colors(self, colors: Colors) -> None:
        """Use another theme's colours."""
        self._colors = colors


def state_text(state: PlacementState) -> str:
    """A placement state in plain words (translated)."""
    texts = {
        PlacementState.PENDING: QCoreApplication.translate("PersonsModel", "waiting to be sent"),
        PlacementState.SYNCED: QCoreApplication.translate("PersonsModel", "on the terminal"),
        PlacementState.FAILED_KEY: QCoreApplication.translate(
            "PersonsModel", "failed: the terminal refused the key"
        ),
        PlacementState.FAILED_FULL: QCoreApplication.translate(
            "PersonsModel", "failed: the terminal is full"
        ),
        PlacementState.FAILED_PHOTO: QCoreApplication.translate(
            "PersonsModel", "failed: the terminal rejected the photo"
        ),
        PlacementState.FAILED_OTHER: QCoreApplication.translate("PersonsModel", "failed"),
        PlacementState.REMOVING: QCoreApplication.translate("PersonsModel", "being removed"),
        PlacementState.REMOVED: QCoreApplication.translate("PersonsModel", "removed"),
    }
    return texts[state]


def state_color(state: PlacementState, colors: Colors) -> str:
    """The colour a placement state is shown in."""
    if state.failed:
        return colors.error
    if state is PlacementState.SYNCED:
        return colors.ok
    if state is PlacementState.REMOVED:
        return colors.muted
    return colors.warn


def person_id_of(index: QModelIndex | QPersistentModelIndex) -> PersonId | None:
    """The person id of a table index (None while its row loads)."""
    value = index.data(PERSON_ID_ROLE)
    return PersonId(value) if value else None

"""`ReconcileDialog`: the station against one terminal in four groups, fixed in one action.

Opened from the Persons page. Compare reads the terminal (`SyncService.reconcile`); "different"
persons show which fields differ, station value against terminal value (ID numbers masked);
Fix makes the terminal hold the station's version, asking twice when it would remove more
than 20 % of the terminal's persons; Import copies persons only the terminal has.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from datetime import datetime
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from enroll_app.services.delivery import differences, terminal_person
from enroll_app.services.reconcile import GuardRequired, ReconcileReport
from enroll_app.services.records import with_client
from enroll_app.services.station import StationServices
from enroll_app.store.records import UNLIMITED_TS, PersonId, PersonRecord, TerminalSerial
from enroll_app.terminal.client import TerminalClient
from enroll_app.terminal.errors import PersonNotFound
from enroll_app.terminal.records import Person
from enroll_app.ui.dialogs import ask
from enroll_app.ui.person_edit_dialog import AskTwiceDialog
from enroll_app.ui.tasks import TaskRunner

GROUPS = ("different", "only_on_station", "only_on_terminal", "same")
MAX_DIFFS = 200  # persons read back for their differing fields; the rest show ids only
Diff = list[tuple[str, str, str]]  # field, station value, terminal value


class ReconcileDialog(QDialog):
    """Compare, fix and import for the terminal chosen at the top. UI thread.

    `finished_work(text)` reports each result in plain words (the page shows it too).
    """

    finished_work = Signal(str)

    def __init__(
        self,
        station: StationServices,
        tasks: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Compare with a terminal"))
        self.resize(760, 540)
        self.station = station
        self.tasks = tasks
        self.names: dict[TerminalSerial, str] = {}
        self.report: ReconcileReport | None = None
        self._build()
        self._show_report(None)

    def set_terminals(self, terminals: Mapping[TerminalSerial, str], serial: str | None) -> None:
        """Offer `terminals`, `serial` chosen (else the one chosen before, if still there)."""
        self.names = dict(terminals)
        wanted = serial or self.terminal.currentData()
        self.terminal.blockSignals(True)
        self.terminal.clear()
        for known, name in sorted(self.names.items(), key=lambda i: i[1]):
            self.terminal.addItem(f"{name} ({known})", known)
        self.terminal.setCurrentIndex(max(0, self.terminal.findData(wanted)))
        self.terminal.blockSignals(False)
        self.outcome.clear()
        self._show_report(None)

    # ---- building ----------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.terminal = QComboBox()
        self.terminal.currentIndexChanged.connect(self._terminal_changed)
        self.compare_button = QPushButton(self.tr("Compare"))
        self.compare_button.clicked.connect(self.compare)
        top.addWidget(QLabel(self.tr("Terminal")))
        top.addWidget(self.terminal, 1)
        top.addWidget(self.compare_button)
        layout.addLayout(top)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.outcome = QLabel()  # what the last fix or import did (stays after comparing again)
        self.outcome.setWordWrap(True)
        self.outcome.setStyleSheet("font-weight: 600;")
        layout.addWidget(self.outcome)
        self.progress = QProgressBar()
        self.progress.setMaximumHeight(6)
        self.progress.setTextVisible(False)
        self.progress.hide()
        layout.addWidget(self.progress)
        self.tabs = QTabWidget()
        self.lists: dict[str, QTreeWidget] = {}
        for group in GROUPS:
            tree = QTreeWidget()
            tree.setRootIsDecorated(group == "different")
            tree.setHeaderLabels(self._headers(group))
            tree.setColumnWidth(0, 220)
            self.lists[group] = tree
            self.tabs.addTab(tree, "")
        layout.addWidget(self.tabs, 1)
        layout.addLayout(self._buttons())

    def _terminal_changed(self) -> None:
        self.outcome.clear()
        self._show_report(None)

    def _headers(self, group: str) -> list[str]:
        if group == "different":
            return [
                self.tr("Person / field"),
                self.tr("On the station"),
                self.tr("On the terminal"),
            ]
        return [self.tr("ID"), self.tr("Name")]

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.fix_button = QPushButton(self.tr("Fix the terminal"))
        self.fix_button.setToolTip(
            self.tr(
                "Send the station's version of different and missing persons; remove persons "
                "only the terminal holds"
            )
        )
        self.fix_button.clicked.connect(self.fix)
        self.import_button = QPushButton(self.tr("Import persons only on the terminal"))
        self.import_button.clicked.connect(self.import_extra)
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.reject)
        row.addWidget(self.fix_button)
        row.addWidget(self.import_button)
        row.addStretch(1)
        row.addWidget(close)
        return row

    # ---- actions -----------------------------------------------------------------------------

    @property
    def serial(self) -> TerminalSerial:
        """The terminal chosen."""
        return TerminalSerial(str(self.terminal.currentData() or ""))

    def compare(self) -> None:
        """Read the terminal and sort everyone into the four groups."""
        if self.serial:
            self._run(self._compare, self.tr("Comparing with the terminal"))

    async def _compare(self) -> None:
        serial = self.serial
        report = await self.station.sync.reconcile(serial)
        names = await self._names(report)
        diffs = await self._diffs(serial, report.different[:MAX_DIFFS])
        if serial == self.serial:
            self._show_report(report, names, diffs)

    async def _names(self, report: ReconcileReport) -> dict[PersonId, str]:
        store = self.station.store
        names: dict[PersonId, str] = {}
        for person_id in [*report.different, *report.only_on_station, *report.same[:500]]:
            found = await store.find_person(person_id)
            names[person_id] = found.name if found is not None else ""
        return names

    async def _diffs(self, serial: TerminalSerial, ids: list[PersonId]) -> dict[PersonId, Diff]:
        if not ids:
            return {}
        records = {i: await self.station.store.get_person(i) for i in ids}

        async def read(client: TerminalClient) -> dict[PersonId, Person | None]:
            held: dict[PersonId, Person | None] = {}
            for person_id in ids:
                try:
                    held[person_id] = await client.get_person(person_id)
                except PersonNotFound:
                    held[person_id] = None
            return held

        held = await with_client(self.station, serial, read)
        return {i: _field_diff(records[i], held[i]) for i in ids}

    def fix(self) -> None:
        """Make the terminal hold the station's version (asks twice on a large removal)."""
        if self.report is not None:
            self._run(self._fix, self.tr("Fixing the terminal"))

    async def _fix(self) -> None:
        report = self.report
        assert report is not None
        confirmed = 0
        while True:
            try:
                done = await self.station.sync.fix(report.serial, report, confirmed=confirmed)
                break
            except GuardRequired as guard:
                if not await self._confirm_guard(guard):
                    self._say(self.tr("Nothing was changed"))
                    return
                confirmed += 1
        self._say(self.tr("%1 person(s) put right on the terminal").replace("%1", str(done)))
        await self._compare()

    async def _confirm_guard(self, guard: GuardRequired) -> bool:
        share = 100 * guard.removing / guard.held if guard.held else 100
        text = (
            self.tr(
                "This removes %1 of the %2 persons on %3 (%4 %). They will no longer get "
                "through that door. Are you sure?"
            )
            .replace("%1", str(guard.removing))
            .replace("%2", str(guard.held))
            .replace("%3", self.names.get(TerminalSerial(guard.serial), guard.serial))
            .replace("%4", f"{share:.0f}")
        )
        if guard.confirmed >= 1:
            text = self.tr("Second confirmation. %1").replace("%1", text)
        dialog = AskTwiceDialog(self.tr("Remove many persons"), text, self.tr("Remove"), self)
        return await ask(dialog)

    def import_extra(self) -> None:
        """Copy the persons only the terminal holds into the station (photo and face data)."""
        if self.report is not None and self.report.only_on_terminal:
            self._run(self._import, self.tr("Importing from the terminal"))

    async def _import(self) -> None:
        report = self.report
        assert report is not None
        wanted = list(report.only_on_terminal)
        self.progress.setRange(0, len(wanted))
        self.progress.show()
        imported = await self.station.sync.import_from_terminal(
            report.serial, wanted, on_progress=self._progress
        )
        skipped = len(wanted) - len(imported)
        text = self.tr("%1 person(s) imported").replace("%1", str(len(imported)))
        if skipped:
            text += " " + self.tr("(%1 skipped: no usable face in the photo)").replace(
                "%1", str(skipped)
            )
        self._say(text)
        await self._compare()

    def _progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    # ---- showing -----------------------------------------------------------------------------

    def _show_report(
        self,
        report: ReconcileReport | None,
        names: Mapping[PersonId, str] | None = None,
        diffs: Mapping[PersonId, Diff] | None = None,
    ) -> None:
        self.report = report
        self.progress.hide()
        titles = {
            "different": self.tr("Different"),
            "only_on_station": self.tr("Only on the station"),
            "only_on_terminal": self.tr("Only on the terminal"),
            "same": self.tr("Same"),
        }
        for index, group in enumerate(GROUPS):
            ids: list[PersonId] = getattr(report, group) if report is not None else []
            self.tabs.setTabText(index, f"{titles[group]} ({len(ids)})")
            self._fill(group, ids, names or {}, diffs or {})
        self.fix_button.setEnabled(report is not None and not report.in_step)
        self.import_button.setEnabled(report is not None and bool(report.only_on_terminal))
        if report is None:
            self.summary.setText(self.tr("Choose a terminal and compare."))
        elif report.in_step:
            self.summary.setText(self.tr("The terminal holds exactly what the station expects."))
        else:
            self.summary.setText(
                self.tr("The terminal holds %1 person(s); %2 need attention.")
                .replace("%1", str(report.on_terminal))
                .replace(
                    "%2",
                    str(
                        len(report.different)
                        + len(report.only_on_station)
                        + len(report.only_on_terminal)
                    ),
                )
            )

    def _fill(
        self,
        group: str,
        ids: list[PersonId],
        names: Mapping[PersonId, str],
        diffs: Mapping[PersonId, Diff],
    ) -> None:
        tree = self.lists[group]
        tree.clear()
        for person_id in ids[:2000]:  # a list to look at, not a database
            title = f"{person_id}  {names.get(person_id, '')}".strip()
            item = QTreeWidgetItem(
                [title] if group == "different" else [person_id, names.get(person_id, "")]
            )
            for field, ours, theirs in diffs.get(person_id, []):
                item.addChild(QTreeWidgetItem([field, ours, theirs]))
            tree.addTopLevelItem(item)
        if group == "different":
            tree.expandAll()

    def _say(self, text: str) -> None:
        self.outcome.setText(text)
        self.finished_work.emit(text)

    def _run(self, work: Callable[[], Coroutine[Any, Any, None]], label: str) -> None:
        self.tasks.start(work, label=label, on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.progress.hide()
        text = getattr(exc, "operator_text", None) or str(exc) or type(exc).__name__
        self.outcome.setText(f"<span style='color:#c0392b'>{text}</span>")


def _field_diff(ours: PersonRecord, theirs: Person | None) -> Diff:
    """Station value against terminal value for each differing field (ID numbers masked)."""
    if theirs is None:
        return [("", "", "removed from the terminal meanwhile")]
    wanted = terminal_person(ours)
    values = {
        "name": (ours.name, theirs.name),
        "card": (ours.ic_no, theirs.ic_no),
        "ID number": (_mask(ours.id_no), _mask(theirs.id_no)),
        "passCount": (str(ours.pass_count), str(theirs.pass_count)),
        "startTs": (_when(ours.start_ts), _when(theirs.start_ts)),
        "endTs": (_when(ours.end_ts), _when(theirs.end_ts)),
        "photo": ("yes" if ours.has_photo else "no", "yes" if theirs.photo else "no"),
    }
    fields = differences(wanted, theirs, wanted_photo=ours.has_photo)
    return [(name, *values[name]) for name in fields if name in values]


def _when(ts: float) -> str:
    return (
        "unlimited" if ts == UNLIMITED_TS else datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")
    )


def _mask(id_no: str) -> str:
    return "•" * max(0, len(id_no) - 4) + id_no[-4:] if id_no else ""

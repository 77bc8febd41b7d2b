"""HR onboarding and offboarding dialogs over `services.importer` (opened from the Persons page).

`ImportDialog`: choose a CSV/XLSX sheet and a photo folder, map columns with a preview, check
a dry-run plan (create / update / unchanged / error per row and per terminal), run it with a
progress bar and Cancel (also Esc: it stops the run, the dialog stays with its report), export
the per-row report (fix it and choose it again to re-import).
`OffboardDialog`: paste ids or load a list, see what would go, remove everywhere (guarded).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from enroll_app.services.importer import (
    FIELDS,
    ImportPlan,
    ImportProgress,
    ImportReport,
    ImportService,
    OffboardPlan,
    Sheet,
    SheetError,
    guess_mapping,
    ids_from_sheet,
    load_sheet,
    preview,
)
from enroll_app.services.reconcile import GuardRequired
from enroll_app.services.station import StationServices
from enroll_app.store.records import TerminalSerial
from enroll_app.ui.dialogs import ask
from enroll_app.ui.person_edit_dialog import AskTwiceDialog
from enroll_app.ui.tasks import OperatorError, TaskRunner
from enroll_app.ui.theme import Colors

PREVIEW_ROWS = 8
OFFBOARD_ACTOR = "operator"


async def choose_path(dialog: QFileDialog) -> Path | None:
    """The file or folder chosen in `dialog` (awaited, never exec()), or None."""
    if await ask(dialog) and dialog.selectedFiles():
        return Path(dialog.selectedFiles()[0])
    return None


class ImportDialog(QDialog):
    """Sheet and photos → mapping and preview → dry run → import → report. UI thread."""

    imported = Signal(int)  # persons created or updated

    def __init__(
        self,
        station: StationServices,
        tasks: TaskRunner,
        colors: Colors,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Import persons from a sheet"))
        self.resize(980, 720)
        self.service = ImportService(station)
        self.tasks = tasks
        self.colors = colors
        self.sheet: Sheet | None = None
        self.plan: ImportPlan | None = None
        self.report: ImportReport | None = None
        self._cancel = asyncio.Event()
        self._busy = False
        layout = QVBoxLayout(self)
        layout.addWidget(self._sources())
        layout.addWidget(self._mapping_box(), 0)
        layout.addWidget(self._targets_box())
        layout.addWidget(self._results_box(), 1)
        layout.addLayout(self._buttons())
        self._update_buttons()

    # ---- building ----------------------------------------------------------------------------

    def _sources(self) -> QWidget:
        box = QWidget()
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        self.sheet_path = QLineEdit()
        self.sheet_path.setPlaceholderText(self.tr("A CSV or XLSX file, one person per row"))
        self.sheet_path.returnPressed.connect(lambda: self.open_sheet(Path(self.sheet_path.text())))
        choose_sheet = QPushButton(self.tr("Choose file…"))
        choose_sheet.clicked.connect(lambda: self._run(self._choose_sheet, ""))
        self.photos_path = QLineEdit()
        self.photos_path.setPlaceholderText(
            self.tr("Photos named by ID (e.g. 000123.jpg), or as the photo column says")
        )
        choose_photos = QPushButton(self.tr("Choose folder…"))
        choose_photos.clicked.connect(lambda: self._run(self._choose_photos, ""))
        grid.addWidget(QLabel(self.tr("Sheet")), 0, 0)
        grid.addWidget(self.sheet_path, 0, 1)
        grid.addWidget(choose_sheet, 0, 2)
        grid.addWidget(QLabel(self.tr("Photo folder")), 1, 0)
        grid.addWidget(self.photos_path, 1, 1)
        grid.addWidget(choose_photos, 1, 2)
        return box

    def _mapping_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Columns"))
        layout = QVBoxLayout(box)
        grid = QGridLayout()
        self.columns: dict[str, QComboBox] = {}
        for index, field in enumerate(FIELDS):
            combo = QComboBox()
            combo.currentIndexChanged.connect(self._mapping_changed)
            label = self._label(field.key) + (" *" if field.required else "")
            grid.addWidget(QLabel(label), index // 3, (index % 3) * 2)
            grid.addWidget(combo, index // 3, (index % 3) * 2 + 1)
            self.columns[field.key] = combo
        layout.addLayout(grid)
        self.preview = QTableWidget(0, len(FIELDS))
        self.preview.setHorizontalHeaderLabels([self._label(f.key) for f in FIELDS])
        self.preview.verticalHeader().hide()
        self.preview.setMaximumHeight(150)
        self.preview.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.preview)
        return box

    def _label(self, key: str) -> str:
        field = next(f for f in FIELDS if f.key == key)
        return field.zh if self.tasks.language.startswith("zh") else field.en

    def _targets_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Send to"))
        self._targets_row = QHBoxLayout(box)
        self.no_targets = QLabel(self.tr("No terminals yet: persons stay on this station"))
        self._targets_row.addWidget(self.no_targets)
        self._targets_row.addStretch(1)
        self.targets: dict[str, QCheckBox] = {}
        return box

    def set_terminals(self, terminals: Mapping[TerminalSerial, str]) -> None:
        """The terminals to offer under "Send to" (new ones start checked)."""
        was = {serial: check.isChecked() for serial, check in self.targets.items()}
        for check in self.targets.values():
            self._targets_row.removeWidget(check)
            check.deleteLater()
        self.targets = {}
        for serial, name in sorted(terminals.items(), key=lambda i: i[1]):
            check = QCheckBox(name)
            check.setChecked(was.get(serial, True))
            check.toggled.connect(self._plan_outdated)
            self._targets_row.insertWidget(self._targets_row.count() - 1, check)
            self.targets[serial] = check
        self.no_targets.setVisible(not terminals)

    def _results_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Plan"))
        self.results_box = box
        layout = QVBoxLayout(box)
        self.summary = QLabel(self.tr("Choose a sheet to begin."))
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.progress = QProgressBar()
        self.progress.hide()
        layout.addWidget(self.progress)
        self.rows = QTableWidget(0, 5)
        self.rows.setHorizontalHeaderLabels(
            [
                self.tr("Row"),
                self.tr("ID"),
                self.tr("Action"),
                self.tr("Terminals"),
                self.tr("Notes"),
            ]
        )
        self.rows.verticalHeader().hide()
        self.rows.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.rows.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((50, 110, 90, 200)):
            self.rows.setColumnWidth(column, width)
        layout.addWidget(self.rows, 1)
        return box

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.check_button = QPushButton(self.tr("Check (dry run)"))
        self.check_button.clicked.connect(
            lambda: self._run(self._check, self.tr("Checking the sheet"))
        )
        self.import_button = QPushButton(self.tr("Import"))
        self.import_button.clicked.connect(lambda: self._run(self._import, self.tr("Importing")))
        self.cancel_button = QPushButton(self.tr("Cancel the run"))
        self.cancel_button.setToolTip(self.tr("Stop after the current row (Esc)"))
        self.cancel_button.clicked.connect(self.cancel_run)
        self.export_button = QPushButton(self.tr("Export report…"))
        self.export_button.clicked.connect(lambda: self._run(self._export, ""))
        self.close_button = QPushButton(self.tr("Close"))
        self.close_button.clicked.connect(self.reject)
        for button in (self.check_button, self.import_button, self.cancel_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.export_button)
        row.addWidget(self.close_button)
        return row

    # ---- sheet and mapping -------------------------------------------------------------------

    async def _choose_sheet(self) -> None:
        dialog = QFileDialog(self, self.tr("Choose a sheet"))
        dialog.setNameFilter(self.tr("Sheets (*.csv *.xlsx *.xlsm)"))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        path = await choose_path(dialog)
        if path is not None:
            await self.load(path)

    async def _choose_photos(self) -> None:
        dialog = QFileDialog(self, self.tr("Choose the photo folder"))
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        path = await choose_path(dialog)
        if path is not None:
            self.photos_path.setText(str(path))
            self._plan_outdated()

    def open_sheet(self, path: Path) -> None:
        """Read the sheet at `path` (in the background) and guess its columns."""
        self._run(self.load, "", path)

    async def load(self, path: Path) -> None:
        """Read the sheet, guess the mapping, show the preview."""
        try:
            sheet = await load_sheet(path)
        except SheetError as exc:
            raise OperatorError(str(exc)) from exc
        self.sheet = sheet
        self.sheet_path.setText(str(path))
        mapping = guess_mapping(sheet.headers)
        for key, combo in self.columns.items():
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(self.tr("(not in the sheet)"), -1)
            for index, header in enumerate(sheet.headers):
                combo.addItem(header or self.tr("column %1").replace("%1", str(index + 1)), index)
            combo.setCurrentIndex(combo.findData(mapping.get(key, -1)))
            combo.blockSignals(False)
        self._mapping_changed()
        self.summary.setText(
            self.tr("%1 row(s) read. Check the columns, then run the dry run.").replace(
                "%1", str(len(sheet.rows))
            )
        )

    def mapping(self) -> dict[str, int]:
        """Field key → column index, as the column choosers say."""
        chosen = {key: int(combo.currentData()) for key, combo in self.columns.items()}
        return {key: index for key, index in chosen.items() if index >= 0}

    def _mapping_changed(self) -> None:
        self._plan_outdated()
        if self.sheet is None:
            return
        rows = preview(self.sheet, self.mapping(), PREVIEW_ROWS)
        self.preview.setRowCount(len(rows))
        for row_index, values in enumerate(rows):
            for column, field in enumerate(FIELDS):
                self.preview.setItem(row_index, column, QTableWidgetItem(values.get(field.key, "")))

    def _plan_outdated(self) -> None:
        self.plan = None
        self._update_buttons()

    # ---- dry run and run ---------------------------------------------------------------------

    def selected_targets(self) -> list[str]:
        """The terminals checked under "Send to"."""
        return [serial for serial, check in self.targets.items() if check.isChecked()]

    async def _check(self) -> None:
        if self.sheet is None:
            raise OperatorError(self.tr("Choose a sheet first"))
        photos = self.photos_path.text().strip()
        self._begin(len(self.sheet.rows))
        try:
            plan = await self.service.plan(
                self.sheet,
                self.mapping(),
                Path(photos) if photos else None,
                self.selected_targets(),
                on_progress=self._progress,
                cancel_event=self._cancel,
            )
        except SheetError as exc:
            raise OperatorError(str(exc)) from exc
        finally:
            self._end()
        self._show_plan(plan)
        # A cancelled dry run covers a part of the sheet only: shown, never imported (nor is
        # an older plan the table no longer shows).
        self.plan = None if plan.cancelled else plan
        self._update_buttons()
        if plan.cancelled:
            self._show_cancelled_plan(plan)

    async def _import(self) -> None:
        plan = self.plan
        if plan is None:
            raise OperatorError(self.tr("Run the dry run first"))
        self._begin(len(plan.rows))
        try:
            report = await self.service.run(plan, self._progress, self._cancel)
        except SheetError as exc:
            raise OperatorError(str(exc)) from exc
        finally:
            self._end()
        self.report = report
        self.plan = None
        self._update_buttons()
        self._show_report(report)
        self.imported.emit(len(report.saved_ids()))

    def _begin(self, total: int) -> None:
        self._cancel.clear()
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(0)
        self.progress.show()
        self._busy = True
        self._update_buttons()

    def _end(self) -> None:
        self.progress.hide()
        self._busy = False
        self._update_buttons()

    def _progress(self, step: ImportProgress) -> None:
        self.progress.setRange(0, max(step.total, 1))
        self.progress.setValue(step.done)

    def cancel_run(self) -> None:
        """Stop the dry run or the import after the row in hand (the Cancel button, Esc).

        Rows already imported stay imported, each complete; the report says how far it got.
        """
        if not self._busy or self._cancel.is_set():
            return
        self._cancel.set()
        self.summary.setText(self.tr("Stopping after the current row…"))
        self._update_buttons()

    def reject(self) -> None:
        """Close, unless a run is going: then Esc or the window's close button cancel the run
        and the dialog stays open to show how far it got (closing would hide the report)."""
        if self._busy:
            self.cancel_run()
            return
        super().reject()

    def _update_buttons(self) -> None:
        busy = self._busy
        self.check_button.setEnabled(not busy and self.sheet is not None)
        self.import_button.setEnabled(not busy and self.plan is not None)
        self.cancel_button.setEnabled(busy and not self._cancel.is_set())
        self.export_button.setEnabled(not busy and self.report is not None)
        self.close_button.setEnabled(not busy)

    # ---- showing -----------------------------------------------------------------------------

    def _show_plan(self, plan: ImportPlan) -> None:
        counts = plan.summary()
        self.results_box.setTitle(self.tr("Plan (nothing written yet)"))
        self.summary.setText(
            self.tr("Create %1, update %2, unchanged %3, errors %4.")
            .replace("%1", str(counts["create"]))
            .replace("%2", str(counts["update"]))
            .replace("%3", str(counts["unchanged"]))
            .replace("%4", str(counts["error"]))
        )
        self.rows.setRowCount(len(plan.rows))
        for index, row in enumerate(plan.rows):
            terminals = ", ".join(f"{self._name(s)}: {a}" for s, a in row.per_terminal.items())
            notes = "; ".join([*row.errors, *row.warnings])
            self._set_row(index, [str(row.row_no), row.person_id, row.action, terminals, notes])
            self._tint(index, row.action)

    def _show_cancelled_plan(self, plan: ImportPlan) -> None:
        self.results_box.setTitle(self.tr("Plan (cancelled, nothing written)"))
        self.summary.setText(
            self.tr(
                "Dry run cancelled after %1 of %2 row(s); nothing was written. "
                "Run the dry run again to import."
            )
            .replace("%1", str(len(plan.rows)))
            .replace("%2", str(len(plan.sheet.rows)))
        )

    def _show_report(self, report: ImportReport) -> None:
        counts = report.summary()
        self.results_box.setTitle(self.tr("Report"))
        text = (
            self.tr("Created %1, updated %2, unchanged %3, errors %4.")
            .replace("%1", str(counts["created"]))
            .replace("%2", str(counts["updated"]))
            .replace("%3", str(counts["unchanged"]))
            .replace("%4", str(counts["error"]))
        )
        if report.cancelled:
            self.results_box.setTitle(self.tr("Report (import cancelled)"))
            text += " " + (
                self.tr(
                    "Cancelled after %1 of %2 row(s): the other %3 were not imported. "
                    "Run the dry run and import the same file again to do the rest."
                )
                .replace("%1", str(len(report.rows) - counts["cancelled"]))
                .replace("%2", str(len(report.rows)))
                .replace("%3", str(counts["cancelled"]))
            )
        if counts["error"]:
            text += " " + self.tr("Export the report, fix the rows and import the file again.")
        self.summary.setText(text)
        self.rows.setRowCount(len(report.rows))
        for index, row in enumerate(report.rows):
            self._set_row(
                index, [str(row.row_no), row.person_id, row.status, "", "; ".join(row.errors)]
            )
            self._tint(index, row.status)

    def _set_row(self, index: int, cells: list[str]) -> None:
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            self.rows.setItem(index, column, item)

    def _tint(self, index: int, action: str) -> None:
        color = {"error": self.colors.error, "cancelled": self.colors.warn}.get(action)
        if action in ("create", "created", "update", "updated"):
            color = self.colors.ok
        item = self.rows.item(index, 2)
        if color is not None and item is not None:
            item.setForeground(QColor(color))

    def _name(self, serial: str) -> str:
        check = self.targets.get(serial)
        return check.text() if check is not None else serial

    # ---- report export -----------------------------------------------------------------------

    async def _export(self) -> None:
        dialog = QFileDialog(self, self.tr("Export the import report"), "import-report.csv")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("csv")
        path = await choose_path(dialog)
        if path is not None:
            await self.export_report(path)

    async def export_report(self, path: Path) -> None:
        """Write the per-row report to `path` (off the UI thread)."""
        if self.report is None:
            raise OperatorError(self.tr("Import first"))
        await asyncio.to_thread(self.report.export, path)
        self.summary.setText(
            self.tr("Report written to %1. Fix the error rows there and choose it again.").replace(
                "%1", str(path)
            )
        )

    def _run(self, work: Callable[..., Coroutine[Any, Any, Any]], label: str, *args: Any) -> None:
        self.tasks.start(work, *args, label=label, on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        text = getattr(exc, "operator_text", None) or str(exc) or type(exc).__name__
        self.summary.setText(f"<span style='color:{self.colors.error}'>{text}</span>")


class OffboardDialog(QDialog):
    """Paste ids or load a list; see what would go; remove everywhere (asked twice on 20 %)."""

    removed = Signal(int)

    def __init__(
        self,
        station: StationServices,
        tasks: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Offboard by list"))
        self.resize(620, 520)
        self.service = ImportService(station)
        self.tasks = tasks
        self.names: dict[TerminalSerial, str] = {}
        self.plan: OffboardPlan | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "Paste the IDs of the persons who leave (one per line), or load a list. They "
                "are removed from every terminal and stay on this station until forgotten."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.ids = QPlainTextEdit()
        self.ids.textChanged.connect(self._outdated)
        layout.addWidget(self.ids, 1)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.summary)
        row = QHBoxLayout()
        load = QPushButton(self.tr("Load a list…"))
        load.clicked.connect(lambda: self._run(self._load_file))
        self.check_button = QPushButton(self.tr("Check"))
        self.check_button.clicked.connect(lambda: self._run(self._check))
        self.remove_button = QPushButton(self.tr("Remove everywhere"))
        self.remove_button.clicked.connect(lambda: self._run(self._remove))
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.reject)
        for button in (load, self.check_button, self.remove_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(close)
        layout.addLayout(row)
        self._outdated()

    def listed_ids(self) -> list[str]:
        """The ids typed or loaded, in order, without repeats."""
        words = self.ids.toPlainText().replace(",", "\n").split()
        return list(dict.fromkeys(w.strip() for w in words if w.strip()))

    def _outdated(self) -> None:
        self.plan = None
        self.remove_button.setEnabled(False)

    async def _load_file(self) -> None:
        dialog = QFileDialog(self, self.tr("Load a list of IDs"))
        dialog.setNameFilter(self.tr("Sheets (*.csv *.xlsx *.xlsm *.txt)"))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        path = await choose_path(dialog)
        if path is not None:
            await self.load(path)

    async def load(self, path: Path) -> None:
        """Fill the list from a sheet's id column (or its first column)."""
        try:
            sheet = await load_sheet(path)
        except SheetError as exc:
            raise OperatorError(str(exc)) from exc
        ids = ids_from_sheet(sheet)
        self.ids.setPlainText("\n".join(ids))

    async def _check(self) -> None:
        plan = await self.service.offboard_plan(self.listed_ids())
        self.plan = plan
        self.summary.setText(self._plan_text(plan))
        self.remove_button.setEnabled(bool(plan.removals))

    def _plan_text(self, plan: OffboardPlan) -> str:
        lines = [
            self.tr("%1 known person(s) would be removed.").replace("%1", str(len(plan.removals)))
        ]
        for serial, (leaving, held) in plan.share.items():
            lines.append(
                self.tr("%1: %2 of %3 persons")
                .replace("%1", self.names.get(serial, serial))
                .replace("%2", str(leaving))
                .replace("%3", str(held))
            )
        if plan.unknown:
            lines.append(
                self.tr("Not on this station: %1").replace("%1", ", ".join(plan.unknown[:20]))
            )
        return "<br>".join(lines)

    async def _remove(self) -> None:
        ids = self.listed_ids()
        confirmed = 0
        while True:
            try:
                plan = await self.service.offboard(ids, OFFBOARD_ACTOR, confirmed=confirmed)
                break
            except GuardRequired as guard:
                if not await self._confirm(guard, confirmed):
                    self.summary.setText(self.tr("Nothing was changed"))
                    return
                confirmed += 1
        count = sum(1 for serials in plan.removals.values() if serials)
        self.summary.setText(
            self.tr("%1 person(s) are being removed from the terminals").replace("%1", str(count))
        )
        self.remove_button.setEnabled(False)
        self.removed.emit(count)

    async def _confirm(self, guard: GuardRequired, confirmed: int) -> bool:
        text = (
            self.tr("This removes %1 of the %2 persons on %3. Are you sure?")
            .replace("%1", str(guard.removing))
            .replace("%2", str(guard.held))
            .replace("%3", self.names.get(TerminalSerial(guard.serial), guard.serial))
        )
        if confirmed >= 1:
            text = self.tr("Second confirmation. %1").replace("%1", text)
        return await ask(
            AskTwiceDialog(self.tr("Remove many persons"), text, self.tr("Remove"), self)
        )

    def _run(self, work: Callable[[], Coroutine[Any, Any, None]]) -> None:
        self.tasks.start(work, label="", on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        text = getattr(exc, "operator_text", None) or str(exc) or type(exc).__name__
        self.summary.setText(f"<span style='color:#c0392b'>{text}</span>")

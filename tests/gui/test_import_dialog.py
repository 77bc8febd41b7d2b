"""The import and offboarding dialogs over a real store and the real face checks: column
guessing, dry run, import, report export and re-import, cancelling a run (button and Esc) and
finishing it later, offboarding behind the 20 % guard."""

from __future__ import annotations

import asyncio
import csv
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from gui_harness import QLoop
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from services.import_photos import write_photo  # tests/services: three different real faces
from station_data import fill_station, make_person, start_station, stop_station

from enroll_app.face.samples import sample_photo
from enroll_app.store.api import Store
from enroll_app.store.db import Db
from enroll_app.store.records import PersonId, PlacementState, jpeg_size
from enroll_app.ui.app import Station
from enroll_app.ui.import_dialog import ImportDialog, OffboardDialog
from enroll_app.ui.person_edit_dialog import AskTwiceDialog
from enroll_app.ui.persons_view import PersonsView

WAIT_MS = 60_000  # the dry run checks real photos with the real face models
W = TypeVar("W", bound=QWidget)


@pytest.fixture
def filled() -> None:
    fill_station(10)  # before the loop runs: the blocking store API


@pytest.fixture
def station(filled: None, qloop: QLoop) -> Iterator[Station]:
    opened = start_station(qloop, lambda s: s.context.station.sync.aclose())
    yield opened
    stop_station(opened, qloop)


CROWD = 300  # persons on a busier station: an import of them takes a few seconds


@pytest.fixture
def crowded() -> None:
    fill_station(CROWD)


@pytest.fixture
def crowded_station(crowded: None, qloop: QLoop) -> Iterator[Station]:
    opened = start_station(qloop, lambda s: s.context.station.sync.aclose())
    yield opened
    stop_station(opened, qloop)


def _page(station: Station) -> PersonsView:
    station.window.show_page("persons")
    page = station.window.page("persons")
    assert isinstance(page, PersonsView)
    return page


def _dialog(kind: type[W], qtbot: QtBot, skip: W | None = None) -> W:
    found: list[W] = []

    def visible() -> bool:
        found[:] = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, kind) and w.isVisible() and w is not skip
        ]
        return bool(found)

    qtbot.waitUntil(visible, timeout=WAIT_MS)
    return found[0]


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows(rows)
    return path


def _dry_run(dialog: ImportDialog, qtbot: QtBot) -> str:
    dialog.check_button.click()
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=WAIT_MS)
    return dialog.summary.text()


def _import(dialog: ImportDialog, qtbot: QtBot) -> str:
    dialog.import_button.click()
    qtbot.waitUntil(
        lambda: (
            (dialog.report is not None and dialog.plan is None) or "<span" in dialog.summary.text()
        ),
        timeout=WAIT_MS,
    )
    return dialog.summary.text()


def test_import_plan_run_export_and_reimport(
    station: Station, qtbot: QtBot, qloop: QLoop, tmp_path: Path
) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    shutil.copy(sample_photo("yaoming.jpg"), photos / "N001.jpg")  # passes the photo checks
    sheet = _write(
        tmp_path / "hr.csv",
        [
            ["工号", "姓名", "卡号", "通行次数", "有效期至"],
            ["N001", "张三", "12345", "", ""],
            ["E00004", "Zhou Jing", "", "many", ""],  # not a pass count
            ["E00003", "Li Renamed", "", "", "2030-01-01"],  # already here: an update
        ],
    )
    page = _page(station)
    page.import_button.click()
    dialog = _dialog(ImportDialog, qtbot)
    dialog.photos_path.setText(str(photos))
    qloop.run(dialog.load(sheet))
    assert dialog.mapping() == {"id": 0, "name": 1, "ic_no": 2, "pass_count": 3, "end_ts": 4}
    assert dialog.preview.item(0, 1).text() == "张三"
    for check in dialog.targets.values():  # on the station only (the doors are not running)
        check.setChecked(False)

    planned = _dry_run(dialog, qtbot)
    notes = [dialog.rows.item(r, 4).text() for r in range(dialog.rows.rowCount())]
    assert planned == "Create 1, update 1, unchanged 0, errors 1.", notes
    assert [dialog.rows.item(r, 2).text() for r in range(3)] == ["create", "error", "update"]
    assert "pass" in notes[1].lower()
    store = station.context.station.store
    assert qloop.run(store.find_person(PersonId("N001"))) is None  # a dry run writes nothing

    assert _import(dialog, qtbot).startswith("Created 1, updated 1, unchanged 0, errors 1.")
    created = qloop.run(store.get_person(PersonId("N001"), with_photo=True))
    assert created.name == "张三"
    assert created.photo is not None
    assert jpeg_size(created.photo) == (640, 480)  # cropped like an enrollment photo
    assert qloop.run(store.get_person(PersonId("E00003"))).name == "Li Renamed"

    # The report: fix the error row and import the same file again.
    report = tmp_path / "report.csv"
    qloop.run(dialog.export_report(report))
    with report.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][-2:] == ["import status", "import error"]
    assert [r[-2] for r in rows[1:]] == ["created", "error", "updated"]
    rows[2][3] = "3"
    qloop.run(dialog.load(_write(tmp_path / "fixed.csv", rows)))
    planned = _dry_run(dialog, qtbot)
    notes = [dialog.rows.item(r, 4).text() for r in range(dialog.rows.rowCount())]
    actions = [dialog.rows.item(r, 2).text() for r in range(dialog.rows.rowCount())]
    # E00003 is unchanged on the station but still owed to its terminals (not running here).
    assert actions == ["unchanged", "update", "update"], notes
    assert planned == "Create 0, update 2, unchanged 1, errors 0."
    assert "update" in dialog.rows.item(2, 3).text()  # per terminal
    _import(dialog, qtbot)
    assert qloop.run(store.get_person(PersonId("E00004"))).pass_count == 3
    dialog.reject()
    qloop.run(station.context.tasks.wait_idle())


def test_offboarding_a_list_asks_twice_when_many_would_go(
    station: Station, qtbot: QtBot, qloop: QLoop
) -> None:
    page = _page(station)
    page.offboard_button.click()
    dialog = _dialog(OffboardDialog, qtbot)
    dialog.ids.setPlainText("E00001\nE00002, E00005\nE00006 E00007\nNOPE")
    dialog.check_button.click()
    qtbot.waitUntil(dialog.remove_button.isEnabled, timeout=WAIT_MS)
    assert "5 known person(s) would be removed." in dialog.summary.text()
    assert "Not on this station: NOPE" in dialog.summary.text()

    dialog.remove_button.click()
    first = _dialog(AskTwiceDialog, qtbot)
    first.understood.setChecked(True)
    first.action_button.click()
    second = _dialog(AskTwiceDialog, qtbot, skip=first)
    assert second.label.text().startswith("Second confirmation")
    second.understood.setChecked(True)
    second.action_button.click()
    qtbot.waitUntil(lambda: "are being removed" in dialog.summary.text(), timeout=WAIT_MS)
    store = station.context.station.store
    placements = qloop.run(store.placements_of([PersonId("E00005")]))[PersonId("E00005")]
    assert {p.state for p in placements} == {PlacementState.REMOVING}
    dialog.reject()
    qloop.run(station.context.tasks.wait_idle())


# ---- cancelling a run --------------------------------------------------------------------------

NEW_FACES = (("N001", "yao"), ("N002", "player"), ("N003", "gdp"))  # three different people


class StalledDisk:
    """Holds the store's thread, as a disk that stalls, from the moment the dialog's progress
    bar shows `rows` rows done until `release`: the run is then between rows, its next row
    waiting for the store, and the operator has time to cancel."""

    def __init__(self, dialog: ImportDialog, store: Store, rows: int) -> None:
        self.held = threading.Event()
        self._go = threading.Event()
        self._dialog, self._store, self._rows = dialog, store, rows
        self._job: asyncio.Future[None] | None = None
        dialog.progress.valueChanged.connect(self._progress)

    def _progress(self, value: int) -> None:
        if value == self._rows and self._job is None:
            self._job = self._store.call(self._stall)

    def _stall(self, db: Db) -> None:
        del db
        self.held.set()
        self._go.wait(timeout=60)  # a safety net only: `release` ends it

    def stalled(self) -> bool:
        """True while the store is held with exactly `rows` rows done on the progress bar."""
        bar = self._dialog.progress
        return self.held.is_set() and bar.isVisible() and bar.value() == self._rows

    def release(self, qloop: QLoop) -> None:
        """Let the store go on; the run continues from where it waits."""
        self._dialog.progress.valueChanged.disconnect(self._progress)
        self._go.set()
        assert self._job is not None, "the progress bar never reached the stall"
        qloop.run(self._job)


def _open_import(station: Station, qtbot: QtBot, qloop: QLoop, tmp_path: Path) -> ImportDialog:
    """The import dialog with a sheet of three new persons (photos) and two renamed ones,
    for this station only (the doors of `fill_station` are not running)."""
    photos = tmp_path / "photos"
    for stem, kind in NEW_FACES:
        write_photo(photos, stem, kind)
    rows = [["工号", "姓名"], *([i, f"New {i}"] for i, _ in NEW_FACES)]
    rows += [["E00004", "Zhou Renamed"], ["E00005", "Wu Renamed"]]  # E00004: their photo stays
    _page(station).import_button.click()
    dialog = _dialog(ImportDialog, qtbot)
    dialog.photos_path.setText(str(photos))
    qloop.run(dialog.load(_write(tmp_path / "hr.csv", rows)))
    for check in dialog.targets.values():
        check.setChecked(False)
    return dialog


def _cells(dialog: ImportDialog, column: int) -> list[str]:
    return [dialog.rows.item(r, column).text() for r in range(dialog.rows.rowCount())]


def _usable_after_run(dialog: ImportDialog) -> None:
    """Back to a usable dialog: open, no progress bar, the buttons for the next step."""
    assert dialog.isVisible()
    assert not dialog.progress.isVisible()
    assert dialog.check_button.isEnabled()
    assert not dialog.cancel_button.isEnabled()
    assert dialog.close_button.isEnabled()


def test_cancelling_an_import_keeps_whole_rows_and_a_second_import_does_the_rest(
    station: Station, qtbot: QtBot, qloop: QLoop, tmp_path: Path
) -> None:
    services = station.context.station
    store = services.store
    dialog = _open_import(station, qtbot, qloop, tmp_path)
    assert _dry_run(dialog, qtbot) == "Create 3, update 2, unchanged 0, errors 0.", _cells(
        dialog, 4
    )
    before = qloop.run(store.count_persons())

    disk = StalledDisk(dialog, store, rows=1)
    dialog.import_button.click()
    qtbot.waitUntil(disk.stalled, timeout=WAIT_MS)  # 1 of 5 rows done, the 2nd waits
    assert dialog.progress.maximum() == 5
    assert dialog.cancel_button.isEnabled()
    assert not dialog.import_button.isEnabled()
    assert not dialog.check_button.isEnabled()
    assert not dialog.close_button.isEnabled()  # closing now would hide the report
    dialog.cancel_button.click()
    assert dialog.summary.text() == "Stopping after the current row…"
    assert not dialog.cancel_button.isEnabled()  # pressed once: no second, silent press
    disk.release(qloop)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=WAIT_MS)

    # The row in hand finished; the three after it never started.
    _usable_after_run(dialog)
    assert not dialog.import_button.isEnabled()  # the plan is used up: check again first
    assert dialog.export_button.isEnabled()
    assert dialog.results_box.title() == "Report (import cancelled)"
    assert dialog.summary.text() == (
        "Created 2, updated 0, unchanged 0, errors 0. Cancelled after 2 of 5 row(s): the other"
        " 3 were not imported. Run the dry run and import the same file again to do the rest."
    )
    assert _cells(dialog, 1) == ["N001", "N002", "N003", "E00004", "E00005"]
    assert _cells(dialog, 2) == ["created", "created", "cancelled", "cancelled", "cancelled"]
    for person_id in ("N001", "N002"):  # complete: the enrollment photo and its embedding
        saved = qloop.run(
            store.get_person(PersonId(person_id), with_photo=True, model_pack=services.pack)
        )
        assert saved.name == f"New {person_id}"
        assert saved.photo is not None
        assert jpeg_size(saved.photo) == (640, 480)
        assert saved.embedding is not None
        assert saved.embedding.model_pack == services.pack
    assert qloop.run(store.find_person(PersonId("N003"))) is None
    untouched = qloop.run(store.get_person(PersonId("E00004")))
    assert untouched.name == make_person(4, 0).name
    assert qloop.run(store.count_persons()) == before + 2  # nobody half-written
    report = tmp_path / "report.csv"
    qloop.run(dialog.export_report(report))  # the report survived the cancel
    with report.open(encoding="utf-8-sig", newline="") as handle:
        assert [r[-2] for r in list(csv.reader(handle))[1:]] == _cells(dialog, 2)

    # The same file again: the saved rows are unchanged, the rest is done now.
    assert _dry_run(dialog, qtbot) == "Create 1, update 2, unchanged 2, errors 0."
    assert _import(dialog, qtbot) == "Created 1, updated 2, unchanged 2, errors 0."
    assert _cells(dialog, 2) == ["unchanged", "unchanged", "created", "updated", "updated"]
    assert dialog.results_box.title() == "Report"
    _usable_after_run(dialog)
    third = qloop.run(store.get_person(PersonId("N003"), model_pack=services.pack))
    assert third.embedding is not None
    assert qloop.run(store.get_person(PersonId("E00004"))).name == "Zhou Renamed"
    assert qloop.run(store.count_persons()) == before + 3
    dialog.reject()
    qloop.run(station.context.tasks.wait_idle())


def test_esc_cancels_a_running_dry_run_or_import_and_keeps_the_dialog_open(
    station: Station, qtbot: QtBot, qloop: QLoop, tmp_path: Path
) -> None:
    store = station.context.station.store
    dialog = _open_import(station, qtbot, qloop, tmp_path)

    # Esc during the dry run: it stops; the part checked is shown but cannot be imported.
    disk = StalledDisk(dialog, store, rows=1)
    dialog.check_button.click()
    qtbot.waitUntil(disk.stalled, timeout=WAIT_MS)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible()
    assert dialog.summary.text() == "Stopping after the current row…"
    disk.release(qloop)
    qtbot.waitUntil(lambda: not dialog.progress.isVisible(), timeout=WAIT_MS)
    _usable_after_run(dialog)
    assert dialog.summary.text() == (
        "Dry run cancelled after 2 of 5 row(s); nothing was written. "
        "Run the dry run again to import."
    )
    assert dialog.results_box.title() == "Plan (cancelled, nothing written)"
    assert dialog.plan is None
    assert not dialog.import_button.isEnabled()
    assert _cells(dialog, 2) == ["create", "create"]

    # Esc and the window's close button during the import: the run stops, the report stays.
    assert _dry_run(dialog, qtbot) == "Create 3, update 2, unchanged 0, errors 0."
    disk = StalledDisk(dialog, store, rows=3)
    dialog.import_button.click()
    qtbot.waitUntil(disk.stalled, timeout=WAIT_MS)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.close()  # refused while the run winds down
    assert dialog.isVisible()
    disk.release(qloop)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=WAIT_MS)
    _usable_after_run(dialog)
    assert "Cancelled after 4 of 5 row(s): the other 1 were not imported." in (
        dialog.summary.text()
    )
    assert _cells(dialog, 2) == ["created", "created", "created", "updated", "cancelled"]
    assert qloop.run(store.get_person(PersonId("E00004"))).name == "Zhou Renamed"
    assert qloop.run(store.get_person(PersonId("E00005"))).name == make_person(5, 0).name

    # With nothing running, Esc closes the dialog as always.
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    qloop.run(station.context.tasks.wait_idle())


def test_cancelling_a_long_import_at_full_speed_stops_after_the_row_in_hand(
    crowded_station: Station, qtbot: QtBot, qloop: QLoop, tmp_path: Path
) -> None:
    """No stalled disk: a sheet of a few hundred rows, cancelled as soon as the bar moves."""
    services = crowded_station.context.station
    store = services.store
    photos = tmp_path / "photos"
    for stem, kind in NEW_FACES:
        write_photo(photos, stem, kind)
    staff = [f"E{n:05d}" for n in range(CROWD)]  # on the station with a photo: renamed
    ids = ["N001", *staff, "N002", "N003"]
    sheet = [["工号", "姓名"], *([i, f"New {i}"] for i in ids)]
    _page(crowded_station).import_button.click()
    dialog = _dialog(ImportDialog, qtbot)
    dialog.photos_path.setText(str(photos))
    qloop.run(dialog.load(_write(tmp_path / "hr.csv", sheet)))
    for check in dialog.targets.values():
        check.setChecked(False)
    assert _dry_run(dialog, qtbot) == f"Create 3, update {CROWD}, unchanged 0, errors 0."

    dialog.import_button.click()
    bar = dialog.progress
    qtbot.waitUntil(
        lambda: (bar.isVisible() and bar.value() >= 1) or dialog.report is not None,
        timeout=WAIT_MS,
    )
    assert dialog.report is None, "the import finished before it could be cancelled"
    seen = bar.value()  # rows done when the operator presses Cancel
    assert seen < len(ids) - 2
    dialog.cancel_button.click()
    assert dialog.summary.text() == "Stopping after the current row…"
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=WAIT_MS)

    done = seen + 1  # the row in hand when Cancel was pressed, and none after it
    _usable_after_run(dialog)
    assert dialog.summary.text().startswith(
        f"Created 1, updated {done - 1}, unchanged 0, errors 0. Cancelled after {done} of"
        f" {len(ids)} row(s): the other {len(ids) - done} were not imported."
    )
    statuses = _cells(dialog, 2)
    assert statuses == ["created"] + ["updated"] * (done - 1) + ["cancelled"] * (len(ids) - done)
    first = qloop.run(store.get_person(PersonId("N001"), with_photo=True, model_pack=services.pack))
    assert first.photo is not None
    assert first.embedding is not None
    for person_id in ("N002", "N003"):
        assert qloop.run(store.find_person(PersonId(person_id))) is None
    names = {p.id: p.name for p in qloop.run(store.list_persons(limit=CROWD + 10))}
    renamed = [i for i in staff if names[PersonId(i)] == f"New {i}"]
    assert renamed == staff[: done - 1]  # exactly the rows reported done, each whole
    assert len(names) == CROWD + 1

    # The same file again finishes the job: N001 is unchanged; the staff rows done in the
    # first run are unchanged on the station (updates only while still owed to a terminal
    # holding them), the rows never reached are updates and creates now.
    planned = _dry_run(dialog, qtbot)
    actions = _cells(dialog, 2)
    assert actions[0] == "unchanged"
    assert set(actions[1:done]) <= {"unchanged", "update"}
    assert actions[done:] == ["update"] * (len(ids) - done - 2) + ["create", "create"]
    updates, unchanged = actions.count("update"), actions.count("unchanged")
    assert planned == f"Create 2, update {updates}, unchanged {unchanged}, errors 0."
    reported = _import(dialog, qtbot)
    assert reported == f"Created 2, updated {updates}, unchanged {unchanged}, errors 0."
    past = {"create": "created", "update": "updated", "unchanged": "unchanged"}
    assert _cells(dialog, 2) == [past[a] for a in actions]
    names = {p.id: p.name for p in qloop.run(store.list_persons(limit=CROWD + 10))}
    assert len(names) == CROWD + 3
    assert all(names[PersonId(i)] == f"New {i}" for i in ids)
    dialog.reject()
    qloop.run(crowded_station.context.tasks.wait_idle())

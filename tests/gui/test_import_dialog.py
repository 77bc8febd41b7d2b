"""The import and offboarding dialogs over a real store and the real face checks: column
guessing, dry run, import, report export and re-import, offboarding behind the 20 % guard."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from gui_harness import QLoop
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from station_data import fill_station, start_station, stop_station

from enroll_app.face.samples import sample_photo
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

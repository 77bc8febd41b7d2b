"""Replacing a person's photo in the edit dialog: checked while the dialog is open, with the real
face models; saved with its embedding, so the duplicate search knows the new face."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from gui_harness import QLoop
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from services.import_photos import write_photo  # tests/services: real faces, a blurred copy
from station_data import Filled, fill_station, start_station, stop_station

from enroll_app.store.records import PersonId
from enroll_app.ui.app import Station
from enroll_app.ui.person_edit_dialog import EditPersonDialog
from enroll_app.ui.persons_view import PersonsView

WAIT_MS = 60_000  # the first check waits for the face models to load


@pytest.fixture
def filled() -> Filled:
    return fill_station(30)


@pytest.fixture
def station(filled: Filled, qloop: QLoop) -> Iterator[Station]:
    opened = start_station(qloop, lambda s: s.context.station.sync.aclose())
    yield opened
    stop_station(opened, qloop)


def _page(station: Station, qtbot: QtBot) -> PersonsView:
    station.window.show()
    station.window.show_page("persons")
    page = station.window.page("persons")
    assert isinstance(page, PersonsView)
    qtbot.waitUntil(lambda: page.model.rowCount() == 30, timeout=WAIT_MS)
    return page


def _open_editor(page: PersonsView, qtbot: QtBot, person_id: str) -> EditPersonDialog:
    assert page.select_person(person_id)
    qtbot.waitUntil(lambda: page.detail.person_id == person_id, timeout=WAIT_MS)
    page.edit()
    found: list[EditPersonDialog] = []

    def visible() -> bool:
        found[:] = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, EditPersonDialog) and w.isVisible()
        ]
        return bool(found)

    qtbot.waitUntil(visible, timeout=WAIT_MS)
    return found[0]


def _choose(dialog: EditPersonDialog, qtbot: QtBot, path: Path) -> str:
    dialog.set_photo_file(str(path))
    assert not dialog.save_button.isEnabled()  # not before the photo is checked
    qtbot.waitUntil(lambda: "Checking" not in dialog.photo_note.text(), timeout=WAIT_MS)
    return dialog.photo_note.text()


def _save(page: PersonsView, dialog: EditPersonDialog, qtbot: QtBot, qloop: QLoop) -> None:
    assert dialog.save_button.isEnabled()
    dialog.save_button.click()
    qtbot.waitUntil(lambda: "saved" in page.notice.text(), timeout=WAIT_MS)
    qloop.run(page.presenter.context.tasks.wait_idle())


def test_a_new_photo_is_checked_then_saved_with_its_face(
    station: Station, qtbot: QtBot, qloop: QLoop, tmp_path: Path
) -> None:
    page = _page(station, qtbot)
    services = station.context.station
    photos = tmp_path / "photos"
    yao = write_photo(photos, "yao", "yao")
    yao_again = write_photo(photos, "yao-mirrored", "yao_mirrored")
    blurred = write_photo(photos, "blurred", "yao_blurred")
    other = write_photo(photos, "gdp", "gdp")

    # E00003 gets Yao Ming's face.
    dialog = _open_editor(page, qtbot, "E00003")
    assert "checked" in _choose(dialog, qtbot, yao)
    _save(page, dialog, qtbot, qloop)

    dialog = _open_editor(page, qtbot, "E00010")
    before = qloop.run(services.store.get_person(PersonId("E00010"), with_photo=True))
    # A blurred photo cannot be used: Save stays off, the note says why.
    note = _choose(dialog, qtbot, blurred)
    assert "cannot be used" in note
    assert "blur" in note.lower() or "sharp" in note.lower()
    assert not dialog.save_button.isEnabled()
    # Yao Ming again, for someone else: named, and Save needs the operator's word.
    note = _choose(dialog, qtbot, yao_again)
    assert "looks like" in note
    assert "E00003" in note
    assert dialog.not_the_same.isVisible()
    assert not dialog.save_button.isEnabled()
    dialog.not_the_same.setChecked(True)
    assert dialog.save_button.isEnabled()
    # Another face altogether: usable; saved with its crop and its embedding.
    assert "checked" in _choose(dialog, qtbot, other)
    assert not dialog.not_the_same.isVisible()
    _save(page, dialog, qtbot, qloop)

    after = qloop.run(
        services.store.get_person(PersonId("E00010"), with_photo=True, model_pack=services.pack)
    )
    assert after.photo
    assert after.photo != before.photo
    assert after.embedding is not None
    fresh = qloop.run(services.enrollment.assess_jpeg(other.read_bytes()))
    assert fresh.embedding is not None
    assert float(np.dot(after.embedding.as_array(), fresh.embedding)) > 0.95
    assert fresh.duplicate is not None
    assert fresh.duplicate.person_id == "E00010"
    again = qloop.run(services.enrollment.assess_jpeg(yao_again.read_bytes()))
    assert [m.person_id for m in again.matches if m.verdict == "duplicate"] == ["E00003"]


def test_an_unreadable_file_is_said_plainly_and_nothing_changes(
    station: Station, qtbot: QtBot, qloop: QLoop, tmp_path: Path
) -> None:
    page = _page(station, qtbot)
    broken = tmp_path / "scan.jpg"
    broken.write_bytes(b"not a picture at all")
    before = qloop.run(
        station.context.station.store.get_person(PersonId("E00004"), with_photo=True)
    )
    dialog = _open_editor(page, qtbot, "E00004")
    note = _choose(dialog, qtbot, broken)
    assert "cannot be used" in note
    assert "scan.jpg" in note
    assert not dialog.save_button.isEnabled()
    dialog.reject()
    qloop.run(page.presenter.context.tasks.wait_idle())
    after = qloop.run(station.context.station.store.get_person(PersonId("E00004"), with_photo=True))
    assert after.photo == before.photo

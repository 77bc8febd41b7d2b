"""The Persons page in the real window over a real store (10,000 persons): the loop's stall
detector (a step of 50 ms fails the test) is the responsiveness assertion."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

import pytest
from gui_harness import QLoop
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from station_data import DOORS, Filled, fill_station, make_person, start_station, stop_station

from enroll_app.store.audit import AuditFilter
from enroll_app.store.persons import PersonFilter
from enroll_app.store.records import PersonId, PlacementState, TerminalSerial
from enroll_app.ui.app import Station
from enroll_app.ui.person_edit_dialog import EditPersonDialog, ForgetDialog, RemoveFromDialog
from enroll_app.ui.persons_model import COLUMNS, LOADING, PAGE_SIZE
from enroll_app.ui.persons_view import PersonsView

WAIT_MS = 15_000
W = TypeVar("W", bound=QWidget)


@pytest.fixture
def filled(request: pytest.FixtureRequest) -> Filled:
    count = getattr(request, "param", 300)
    return fill_station(count)


@pytest.fixture
def station(filled: Filled, qloop: QLoop) -> Iterator[Station]:
    opened = start_station(qloop)
    yield opened
    stop_station(opened, qloop)


def _page(station: Station, qtbot: QtBot, qloop: QLoop, rows: int) -> PersonsView:
    station.window.show()
    station.window.show_page("persons")
    page = station.window.page("persons")
    assert isinstance(page, PersonsView)
    qtbot.waitUntil(lambda: page.model.rowCount() == rows, timeout=WAIT_MS)
    _without_delivery(station, qloop)
    return page


def _without_delivery(station: Station, qloop: QLoop) -> None:
    """Stop the sync workers: these tests check what the page reads and writes (the store and
    its outbox), and the terminals named in the data are not running here."""
    qloop.run(station.context.station.sync.aclose())


def _cell(page: PersonsView, row: int, column: str) -> str:
    return str(page.model.index(row, COLUMNS.index(column)).data())


def _settle(page: PersonsView, qloop: QLoop, qtbot: QtBot) -> None:
    qtbot.wait(10)  # let the view paint (and ask for the rows it shows)
    qloop.run(page.presenter.context.tasks.wait_idle())


def _dialog(kind: type[W], qtbot: QtBot) -> W:
    found: list[W] = []

    def visible() -> bool:
        found[:] = [
            w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()
        ]
        return bool(found)

    qtbot.waitUntil(visible, timeout=WAIT_MS)
    return found[0]


def _filter_to(page: PersonsView, qtbot: QtBot, expected: int) -> None:
    qtbot.waitUntil(lambda: page.model.rowCount() == expected, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: page.model.row(0) is not None or expected == 0, timeout=WAIT_MS)


@pytest.mark.parametrize("filled", [10_000], indirect=True)
def test_ten_thousand_persons_scroll_and_filter_without_stalling(
    station: Station, filled: Filled, qtbot: QtBot, qloop: QLoop
) -> None:
    page = _page(station, qtbot, qloop, 10_000)
    assert page.count_label.text() == "10000 person(s)"
    assert page.model.loaded_rows() <= 2 * PAGE_SIZE  # count first, rows on demand

    # Scroll through the whole list: only the pages shown are read.
    for fraction in (0.25, 0.5, 0.75, 1.0):
        bar = page.table.verticalScrollBar()
        bar.setValue(int(bar.maximum() * fraction))
        _settle(page, qloop, qtbot)
    last = page.model.rowCount() - 1
    qtbot.waitUntil(lambda: _cell(page, last, "name") != LOADING, timeout=WAIT_MS)
    assert page.model.loaded_rows() < 10_000 // 2

    # Debounced search: typing letter by letter starts one query after the pause.
    qtbot.keyClicks(page.search, "E0999")
    _filter_to(page, qtbot, 10)
    assert {_cell(page, r, "id") for r in range(10)} == {f"E0999{d}" for d in range(10)}
    page.search.clear()
    qtbot.keyClicks(page.search, str(20_000_000 + 42 * 13))  # a card number
    _filter_to(page, qtbot, 1)
    assert _cell(page, 0, "id") == "E00042"
    page.search.clear()

    # Filter chips: the table shows what the store counts (the visitor sweeper may have
    # started removing expired visitors by now).
    store = station.context.station.store
    page.visitors_chip.click()
    _filter_to(page, qtbot, filled.visitors)
    assert _cell(page, 0, "kind").startswith("Visitor")
    page.expired_chip.click()
    _filter_to(page, qtbot, filled.expired)
    assert "expired" in _cell(page, 0, "kind")
    page.visitors_chip.click()
    page.expired_chip.click()
    page.failed_chip.click()
    failed = qloop.run(store.count_persons(PersonFilter(failed_sync=True)))
    assert failed > 0
    _filter_to(page, qtbot, failed)
    assert "failed" in _cell(page, 0, "sync")
    page.failed_chip.click()
    _filter_to(page, qtbot, 10_000)
    _settle(page, qloop, qtbot)


def test_detail_panel_shows_state_per_terminal_and_history(
    station: Station, qtbot: QtBot, qloop: QLoop
) -> None:
    page = _page(station, qtbot, qloop, 300)
    qtbot.keyClicks(page.search, "E00005")
    _filter_to(page, qtbot, 1)
    page.table.selectRow(0)
    qtbot.waitUntil(lambda: page.detail.person_id == "E00005", timeout=WAIT_MS)
    terminals = page.detail.terminals.text()
    assert "Front gate" in terminals
    assert "Car park" in terminals
    assert "failed: the terminal is full" in terminals
    assert "the terminal is full" in page.model.index(0, COLUMNS.index("sync")).data(
        Qt.ItemDataRole.ToolTipRole
    )
    assert "Enrolled, to be sent to" in page.detail.audit.text()
    assert page.detail.photo.pixmap() is not None
    assert not page.detail.photo.pixmap().isNull()
    assert "•" in page.detail.fields.text()  # the ID number is masked
    _settle(page, qloop, qtbot)


def test_edit_saves_and_owes_every_terminal_the_change(
    station: Station, qtbot: QtBot, qloop: QLoop
) -> None:
    page = _page(station, qtbot, qloop, 300)
    qtbot.keyClicks(page.search, "E00010")
    _filter_to(page, qtbot, 1)
    page.table.selectRow(0)
    qtbot.waitUntil(lambda: page.detail.person_id == "E00010", timeout=WAIT_MS)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    dialog = _dialog(EditPersonDialog, qtbot)
    dialog.form.unlimited_passes.setChecked(False)
    dialog.form.pass_count.setValue(5)
    dialog.form.target_checks["SN-PARK-03"].setChecked(True)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: "sending to 3 terminal(s)" in page.notice.text(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: _cell(page, 0, "passes") == "5", timeout=WAIT_MS)
    store = station.context.station.store
    person = qloop.run(store.get_person(PersonId("E00010")))
    assert person.pass_count == 5
    placements = qloop.run(store.placements_of([PersonId("E00010")]))[PersonId("E00010")]
    assert {p.serial for p in placements} == set(DOORS)
    assert all(p.state is PlacementState.PENDING for p in placements)
    _settle(page, qloop, qtbot)


def test_remove_from_some_terminals_then_undo(station: Station, qtbot: QtBot, qloop: QLoop) -> None:
    page = _page(station, qtbot, qloop, 300)
    qtbot.keyClicks(page.search, "E00001")
    _filter_to(page, qtbot, 1)
    page.table.selectRow(0)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Delete)
    dialog = _dialog(RemoveFromDialog, qtbot)
    assert set(dialog.checks) == set(DOORS)
    dialog.checks["SN-GATE-01"].setChecked(False)
    dialog.checks["SN-LOBBY-02"].setChecked(False)
    dialog.remove_button.click()
    qtbot.waitUntil(page.undo_button.isVisible, timeout=WAIT_MS)
    store = station.context.station.store
    pid = PersonId("E00001")
    states = {p.serial: p.state for p in qloop.run(store.placements_of([pid]))[pid]}
    assert states[TerminalSerial("SN-PARK-03")] is PlacementState.REMOVING
    assert states[TerminalSerial("SN-GATE-01")] is not PlacementState.REMOVING
    page.undo_button.click()
    qtbot.waitUntil(lambda: "Undone" in page.notice.text(), timeout=WAIT_MS)
    states = {p.serial: p.state for p in qloop.run(store.placements_of([pid]))[pid]}
    assert states[TerminalSerial("SN-PARK-03")] is PlacementState.PENDING
    _settle(page, qloop, qtbot)


def test_forget_needs_the_id_typed_and_deletes_everything(
    station: Station, qtbot: QtBot, qloop: QLoop
) -> None:
    page = _page(station, qtbot, qloop, 300)
    qtbot.keyClicks(page.search, "E00002")
    _filter_to(page, qtbot, 1)
    page.table.selectRow(0)
    qtbot.waitUntil(page.forget_button.isEnabled, timeout=WAIT_MS)
    page.forget_button.click()
    dialog = _dialog(ForgetDialog, qtbot)
    assert not dialog.forget_button.isEnabled()
    qtbot.keyClicks(dialog.confirm, "E0000")
    assert not dialog.forget_button.isEnabled()
    qtbot.keyClicks(dialog.confirm, "2")
    assert dialog.forget_button.isEnabled()
    dialog.forget_button.click()
    qtbot.waitUntil(lambda: "being forgotten" in page.notice.text(), timeout=WAIT_MS)
    store = station.context.station.store
    pid = PersonId("E00002")
    assert qloop.run(store.was_forgotten(pid))
    assert qloop.run(store.person_photo(pid)) is None
    audit = qloop.run(store.list_audit(AuditFilter(person_id=pid, action="person.forget")))
    assert len(audit) == 1
    # The row says so at once (live update from the store, no F5).
    qtbot.waitUntil(lambda: _cell(page, 0, "kind") == "Being forgotten", timeout=WAIT_MS)
    _settle(page, qloop, qtbot)


def test_a_person_saved_elsewhere_appears_without_refresh(
    station: Station, filled: Filled, qtbot: QtBot, qloop: QLoop
) -> None:
    page = _page(station, qtbot, qloop, 300)
    store = station.context.station.store
    newcomer = make_person(300, filled.now)
    qloop.run(store.save_person(newcomer, [], "enroll"))
    qtbot.waitUntil(lambda: page.model.rowCount() == 301, timeout=WAIT_MS)
    qtbot.keyClicks(page.search, newcomer.id)
    _filter_to(page, qtbot, 1)
    assert _cell(page, 0, "sync") == "station only"
    count = qloop.run(store.count_persons(PersonFilter(search=newcomer.id)))
    assert count == 1
    _settle(page, qloop, qtbot)

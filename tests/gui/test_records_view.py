"""The Records page over a real store: paging as it scrolls, filters, snapshot, CSV export."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from gui_harness import QLoop
from pytestqt.qtbot import QtBot
from station_data import DOORS, fill_station, start_station, stop_station

from enroll_app.ui.app import Station
from enroll_app.ui.records_model import PAGE_SIZE
from enroll_app.ui.records_view import RecordsView

WAIT_MS = 15_000
PASSES = 500


@pytest.fixture
def filled() -> None:
    fill_station(60, passes=PASSES)  # before the loop runs: the blocking store API


@pytest.fixture
def station(filled: None, qloop: QLoop) -> Iterator[Station]:
    opened = start_station(qloop)
    yield opened
    stop_station(opened, qloop)


def _page(station: Station, qtbot: QtBot) -> RecordsView:
    station.window.show()
    station.window.show_page("records")
    page = station.window.page("records")
    assert isinstance(page, RecordsView)
    qtbot.waitUntil(lambda: page.model.rowCount() == PAGE_SIZE, timeout=WAIT_MS)
    return page


def test_records_page_scrolls_filters_and_exports(
    station: Station, qtbot: QtBot, qloop: QLoop, tmp_path: Path
) -> None:
    page = _page(station, qtbot)
    # Newest first; more rows arrive as the table scrolls to the end.
    first, second = page.model.record(0), page.model.record(1)
    assert first.ts > second.ts
    while page.model.rowCount() < PASSES:
        rows = page.model.rowCount()
        page.table.scrollToBottom()
        qtbot.waitUntil(lambda rows=rows: page.model.rowCount() > rows, timeout=WAIT_MS)
    assert page.model.rowCount() == PASSES

    # One terminal: every third record.
    serial = next(iter(DOORS))
    page.terminal.setCurrentIndex(page.terminal.findData(serial))
    expected = len(range(0, PASSES, 3))
    qtbot.waitUntil(lambda: page.model.rowCount() == min(expected, PAGE_SIZE), timeout=WAIT_MS)
    assert {page.model.record(r).serial for r in range(page.model.rowCount())} == {serial}
    assert page.model.index(0, 3).data() == DOORS[serial][0]

    # A record with the terminal's snapshot shows it.
    page.table.selectRow(0)
    qtbot.waitUntil(
        lambda: page.photo.pixmap() is not None and not page.photo.pixmap().isNull(),
        timeout=WAIT_MS,
    )

    # One person by id (typed, debounced).
    person = page.model.record(0).person_id
    qtbot.keyClicks(page.person, person)
    qtbot.waitUntil(
        lambda: (
            page.model.rowCount() > 0
            and all(page.model.record(r).person_id == person for r in range(page.model.rowCount()))
        ),
        timeout=WAIT_MS,
    )
    shown = page.model.rowCount()

    target = tmp_path / "records.csv"
    assert qloop.run(page.presenter.export(target)) == shown
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == shown + 1
    assert all(person in row for row in rows[1:])
    qtbot.waitUntil(lambda: "written to" in page.notice.text(), timeout=WAIT_MS)
    qloop.run(station.context.tasks.wait_idle())

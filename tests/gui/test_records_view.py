"""The Records page over a real store: paging as it scrolls, filters, snapshot, CSV export;
new passes at a simulated terminal shown live (filter, selection and place kept, bursts coalesced)."""

from __future__ import annotations

import asyncio
import csv
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from gui_harness import QLoop
from PySide6.QtWidgets import QAbstractItemView
from pytestqt.qtbot import QtBot
from station_data import (
    DOORS,
    SimProcess,
    fill_station,
    load_terminal,
    make_person,
    start_station,
    stop_station,
)

from enroll_app.store.passes import PassFilter, ts_ms
from enroll_app.store.records import PassRecordRow, PersonId
from enroll_app.terminal.protocol import DEFAULT_KEY
from enroll_app.terminal.records import PassRecord
from enroll_app.ui.app import Station
from enroll_app.ui.records_model import PAGE_SIZE, RecordsModel, merge_newer
from enroll_app.ui.records_view import RecordsView
from enroll_app.ui.settings import Preferences

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


# ---- live: records stored while the page is open ------------------------------------------

DOORS_SERIAL = next(iter(DOORS))
LIVE_PERSONS = (1, 2, 3)  # on the simulated terminal, with real portraits
BURST = 100


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[SimProcess]:
    term = SimProcess("127.0.0.6", tmp_path / "terminal")
    yield term
    term.close()


@pytest.fixture
def live_filled(sim: SimProcess) -> None:
    """500 older passes at three doors; a simulated reception terminal holding three persons
    (before the loop runs: the blocking store API)."""
    doors = {s: (name, host, 8088) for s, (name, host) in DOORS.items()}
    doors[sim.serial] = ("Reception", sim.host, sim.port)
    filled = fill_station(60, passes=PASSES, terminals=doors)
    asyncio.run(load_terminal(sim, [make_person(n, filled.now) for n in LIVE_PERSONS]))


@pytest.fixture
def live_station(
    live_filled: None, sim: SimProcess, receiver_on_loopback: Preferences, qloop: QLoop
) -> Iterator[Station]:
    """The station, with the reception terminal uploading each pass to its receiver."""

    async def learn(station: Station) -> None:
        await station.context.station.discovery.add(f"{sim.host}:{sim.port}")
        url = f"http://127.0.0.1:{receiver_on_loopback.receiver_port}/record"
        await _point_uploads(station, sim, url)

    opened = start_station(qloop, learn)
    yield opened
    stop_station(opened, qloop)


async def _point_uploads(station: Station, sim: SimProcess, url: str) -> None:
    # Over the station's pool: a new client of its own would load CA certificates on the loop.
    pool = station.context.station.connections
    async with pool.client(sim.host, sim.port, DEFAULT_KEY) as client:
        await client.set_record_callback(url)


async def _pass_door(sim: SimProcess, *person_ids: str) -> None:
    """People present themselves at the simulated terminal, one after the other."""
    base_url = f"http://{sim.host}:{sim.port}"
    # verify=False: plain HTTP, and loading CA certificates would stall the loop.
    async with httpx.AsyncClient(base_url=base_url, trust_env=False, verify=False) as c:
        for person_id in person_ids:
            reply = await c.post("/_sim/pass", data={"id": person_id})
            assert reply.json()["data"]["passed"], reply.text


class Reloads:
    """Counts the model's reads of new records (merges) and full reloads (resets)."""

    def __init__(self, model: RecordsModel) -> None:
        self.merges = 0
        self.resets = 0
        model.merged.connect(self._merged)
        model.modelReset.connect(self._reset)

    def _merged(self, _runs: object) -> None:
        self.merges += 1

    def _reset(self) -> None:
        self.resets += 1


def _key(record: PassRecordRow) -> tuple[str, str, float]:
    return (record.serial, record.person_id, record.ts)


def _selected(page: RecordsView) -> PassRecordRow:
    rows = page.table.selectionModel().selectedRows()
    assert len(rows) == 1
    return page.model.record(rows[0].row())


def test_new_passes_show_live_with_the_filter_selection_and_place_kept(
    live_station: Station, sim: SimProcess, qtbot: QtBot, qloop: QLoop
) -> None:
    page = _page(live_station, qtbot)
    reloads = Reloads(page.model)
    records = live_station.context.station.records

    # A person filter: a pass of someone else arrives (and is stored) but is not shown.
    page.person.setText("E00001")
    page.apply_filter()
    qtbot.waitUntil(lambda: page.model.pass_filter.person_id == "E00001", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: reloads.resets == 1, timeout=WAIT_MS)
    before = page.model.rowCount()
    assert before > 1
    page.table.selectRow(1)
    selected = _selected(page)
    qloop.run(_pass_door(sim, "E00002", "E00001"))  # uploaded in that order
    qtbot.waitUntil(lambda: page.model.rowCount() == before + 1, timeout=WAIT_MS)
    newest = page.model.record(0)
    assert (newest.serial, newest.person_id, newest.name) == (sim.serial, "E00001", "Wang Wei")
    assert all(page.model.record(r).person_id == "E00001" for r in range(before + 1))
    assert page.person.text() == "E00001"
    assert page.model.index(0, 3).data() == "Reception"
    assert _key(_selected(page)) == _key(selected)  # the same record, one row lower
    others = qloop.run(records.list(PassFilter(person_id=PersonId("E00002"), serial=sim.serial)))
    assert len(others) == 1  # stored before E00001's, filtered out
    assert reloads.resets == 1  # no reload: the new row was merged in
    assert not page.new_passes.isVisible()  # the view was at the top: no indicator

    # Scrolled down with a row selected: the rows stay put, a button counts the new passes.
    page.person.clear()
    page.apply_filter()
    qtbot.waitUntil(
        lambda: reloads.resets == 2 and page.model.rowCount() == PAGE_SIZE, timeout=WAIT_MS
    )
    page.table.scrollTo(page.model.index(30, 0), QAbstractItemView.ScrollHint.PositionAtTop)
    page.table.selectRow(40)
    top, selected = page.model.record(page.table.rowAt(0)), _selected(page)
    qloop.run(_pass_door(sim, "E00001", "E00002", "E00003"))
    qtbot.waitUntil(lambda: page.model.rowCount() == PAGE_SIZE + 3, timeout=WAIT_MS)
    qtbot.waitUntil(page.new_passes.isVisible, timeout=WAIT_MS)
    assert page.new_passes.text() == "3 new pass(es) — show"
    assert _key(page.model.record(page.table.rowAt(0))) == _key(top)
    assert _key(_selected(page)) == _key(selected)
    assert [page.model.record(r).person_id for r in range(3)] == ["E00003", "E00002", "E00001"]

    # The same with pixel scrolling (the default on some platforms), stopped mid-row.
    page.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    page.table.verticalScrollBar().setValue(page.table.verticalScrollBar().value() + 7)
    row = page.table.rowAt(0)
    top, y = page.model.record(row), page.table.rowViewportPosition(row)
    assert y < 0
    qloop.run(_pass_door(sim, "E00003"))
    qtbot.waitUntil(lambda: page.model.rowCount() == PAGE_SIZE + 4, timeout=WAIT_MS)
    assert page.new_passes.text() == "4 new pass(es) — show"
    row = page.table.rowAt(0)
    assert _key(page.model.record(row)) == _key(top)
    assert page.table.rowViewportPosition(row) == y

    page.new_passes.click()
    assert page.table.rowAt(0) == 0
    assert not page.new_passes.isVisible()
    assert reloads.resets == 2

    # Scrolling on to the end reads the older pages after the merged rows: each record once.
    while page.model.canFetchMore():
        rows = page.model.rowCount()
        page.table.scrollToBottom()
        qtbot.waitUntil(lambda rows=rows: page.model.rowCount() > rows, timeout=WAIT_MS)
    keys = {_key(page.model.record(r)) for r in range(page.model.rowCount())}
    assert page.model.rowCount() == len(keys) == PASSES + 6

    # Forgetting a person takes their name and snapshots off the shown records at once.
    page.table.scrollToTop()
    hers = [r for r in range(page.model.rowCount()) if page.model.record(r).person_id == "E00002"]
    page.table.selectRow(hers[0])  # her pass at the reception terminal, with its snapshot
    qtbot.waitUntil(
        lambda: page.photo.pixmap() is not None and not page.photo.pixmap().isNull(),
        timeout=WAIT_MS,
    )
    store = live_station.context.station.store
    qloop.run(store.forget_person(PersonId("E00002"), "test"))
    qtbot.waitUntil(
        lambda: all(page.model.index(r, 1).data() == "(unknown)" for r in hers), timeout=WAIT_MS
    )
    qtbot.waitUntil(lambda: "no snapshot" in page.photo.text(), timeout=WAIT_MS)
    assert not any(page.model.record(r).has_photo for r in hers)
    assert page.model.record(0).name == "Li Wei"  # E00003 keeps hers
    assert reloads.resets == 2  # in place: no reload
    qloop.run(live_station.context.tasks.wait_idle())


def test_a_burst_of_new_passes_is_one_read_not_one_per_record(
    live_station: Station, sim: SimProcess, qtbot: QtBot, qloop: QLoop
) -> None:
    page = _page(live_station, qtbot)
    reloads = Reloads(page.model)
    records = live_station.context.station.records
    gate = next(iter(DOORS))

    # 100 uploads handled at once (as from many doors): one read of the new records.
    now = time.time()
    burst = [PassRecord(f"E{n % 60:05d}", now - 1 + n / 1000, 0, "", gate) for n in range(BURST)]

    async def upload_all() -> None:
        uploads = []
        for record in burst:  # one task each, started a loop step apart, like the receiver's
            uploads.append(asyncio.ensure_future(records.store(record)))
            await asyncio.sleep(0)
        await asyncio.gather(*uploads)

    qloop.run(upload_all())
    qtbot.waitUntil(lambda: page.model.rowCount() == PAGE_SIZE + BURST, timeout=WAIT_MS)
    print(f"{BURST} uploads at once: {reloads.merges} read(s) of new records")
    assert reloads.merges <= 2
    assert reloads.resets == 0
    shown = [page.model.record(r) for r in range(BURST)]
    assert [ts_ms(r.ts) for r in shown] == sorted((ts_ms(r.ts) for r in burst), reverse=True)
    assert all(r.name for r in shown)  # named from the station's persons

    # The poller's catch-up (the terminal could not upload): one write, one read.
    qloop.run(
        _point_uploads(live_station, sim, "http://127.0.0.1:9/record")
    )  # nobody listens there
    qloop.run(_pass_door(sim, *(["E00002"] * 20)))
    merges = reloads.merges
    assert qloop.run(records.poll(sim.serial)) == 20
    qtbot.waitUntil(lambda: page.model.rowCount() == PAGE_SIZE + BURST + 20, timeout=WAIT_MS)
    qloop.run(live_station.context.tasks.wait_idle())
    assert reloads.merges == merges + 1
    assert reloads.resets == 0
    assert {page.model.record(r).serial for r in range(20)} == {sim.serial}


def test_new_records_are_placed_by_time_before_the_same_millisecond() -> None:
    def rows(*stamps: float) -> list[PassRecordRow]:
        return [PassRecordRow(DOORS_SERIAL, PersonId(f"P{t}"), t) for t in stamps]

    old = rows(50.0, 40.0, 30.0, 30.0, 10.0)
    new = rows(60.0, 55.0, 40.0, 35.0, 5.0)
    runs = merge_newer(old, new)
    assert [(first, [r.ts for r in group]) for first, group in runs] == [
        (0, [60.0, 55.0]),
        (3, [40.0]),  # before the old 40.0: stored later, listed first
        (5, [35.0]),
        (9, [5.0]),
    ]
    merged = list(old)
    for first, group in runs:
        merged[first:first] = group
    assert [r.ts for r in merged] == sorted((r.ts for r in old + new), reverse=True)
    assert merge_newer(old, []) == []

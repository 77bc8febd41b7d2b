"""The person detail panel's history in the operator's words: what happened, who, when (local
time) and on which terminal (by name), for a real sequence against a simulated terminal."""

from __future__ import annotations

import asyncio
import html
import re
import time
from collections.abc import Iterator

import pytest
from gui_harness import QLoop
from pytestqt.qtbot import QtBot
from station_data import SimProcess, fill_station, portrait, start_station, stop_station

from enroll_app.store.api import Store
from enroll_app.store.audit import AuditFilter
from enroll_app.store.records import (
    AuditEntry,
    PersonId,
    PersonRecord,
    PlacementState,
    TerminalSerial,
)
from enroll_app.ui.app import Station
from enroll_app.ui.person_detail import PersonDetail, PersonDetails
from enroll_app.ui.persons_model import person_id_of
from enroll_app.ui.persons_view import PersonsView
from enroll_app.ui.theme import LIGHT

WAIT_MS = 20_000
RAW_CODE = re.compile(r"\b(person|sync|terminal|reconcile)\.[a-z_]+\b")


@pytest.fixture
def named(sim: SimProcess) -> None:
    """The station knows the terminal as "Front gate" (written before the loop runs)."""
    fill_station(0, terminals={sim.serial: ("Front gate", sim.host, sim.port)})


@pytest.fixture
def station(named: None, sim: SimProcess, qloop: QLoop) -> Iterator[Station]:
    async def learn(station: Station) -> None:
        await station.context.station.discovery.add(f"{sim.host}:{sim.port}")

    opened = start_station(qloop, learn)
    yield opened
    stop_station(opened, qloop)


def _person(n: int) -> PersonRecord:
    return PersonRecord(id=PersonId(f"E{n:05d}"), name=f"Li Lei {n}", photo=portrait(n))


async def _until(
    store: Store, person_id: PersonId, serial: TerminalSerial, state: PlacementState
) -> None:
    """Wait (20 s at most) until the sync service brought the person to `state` there."""
    async with asyncio.timeout(20):
        while True:
            placed = (await store.placements_of([person_id])).get(person_id, [])
            if any(p.serial == serial and p.state is state for p in placed):
                return
            await asyncio.sleep(0.05)


async def _set_capacity(sim: SimProcess, capacity: int) -> None:
    """The simulator's control endpoint, over a bare connection (an HTTP client's set-up,
    TLS context included, would hold the UI loop longer than the stall limit)."""
    body = f"capacity={capacity}".encode()
    head = (
        "POST /_sim/faults HTTP/1.1\r\nHost: terminal\r\nConnection: close\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    reader, writer = await asyncio.open_connection(sim.host, sim.port)
    try:
        writer.write(head.encode() + body)
        status = await asyncio.wait_for(reader.readline(), 10)
        assert status.split()[1] == b"200", status
        assert b'"capacity": 0' in await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()
        await writer.wait_closed()


def _plain(label_html: str) -> str:
    """The label's text as the operator reads it (one history entry per line)."""
    text = re.sub(r"<br>(?=<span[^>]*>\d{4}-)", "\n", label_html)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def _history(page: PersonsView, qtbot: QtBot, person_id: str) -> str:
    page.search.clear()
    qtbot.keyClicks(page.search, person_id)
    qtbot.waitUntil(  # the search is debounced: the old result may still show at first
        lambda: page.model.rowCount() == 1 and person_id_of(page.model.index(0, 0)) == person_id,
        timeout=WAIT_MS,
    )
    page.table.clearSelection()
    page.table.selectRow(0)
    qtbot.waitUntil(lambda: page.detail.person_id == person_id, timeout=WAIT_MS)
    return _plain(page.detail.audit.text())


def _local_minute(entry: AuditEntry) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(entry.ts))


def test_history_reads_enrolled_sent_removed_and_failed_with_the_terminals_name(
    station: Station, sim: SimProcess, qtbot: QtBot, qloop: QLoop
) -> None:
    services = station.context.station
    store = services.store
    serial = sim.serial
    first, second = _person(1), _person(2)

    # Enrolled for the terminal, delivered, then removed from it again (asked twice: it
    # is everyone the terminal holds).
    qloop.run(store.save_person(first, [serial], "operator"))
    services.sync.kick(serial)
    qloop.run(_until(store, first.id, serial, PlacementState.SYNCED), timeout=25)
    qloop.run(services.sync.remove_persons([first.id], [serial], confirmed=2))
    qloop.run(_until(store, first.id, serial, PlacementState.REMOVED), timeout=25)
    # The terminal is full when the next person comes.
    qloop.run(_set_capacity(sim, 0))
    qloop.run(store.save_person(second, [serial], "enroll"))
    services.sync.kick(serial)
    qloop.run(_until(store, second.id, serial, PlacementState.FAILED_FULL), timeout=25)

    station.window.show_page("persons")
    page = station.window.page("persons")
    assert isinstance(page, PersonsView)
    qloop.run(page.presenter.reload_terminals())
    gate = page.presenter.terminals[serial]
    assert gate  # the panel names terminals, not serials
    assert gate != serial

    lines = _history(page, qtbot, first.id).splitlines()
    assert [line.split(" ", 2)[2] for line in lines] == [  # newest first, after the time
        f"Removed from {gate}by automatic delivery",
        f"Removal from {gate} requestedby the operator",
        f"Sent to {gate}by automatic delivery",
        f"Enrolled, to be sent to {gate}by the operator",
    ]
    entries = qloop.run(store.list_audit(AuditFilter(person_id=first.id)))
    assert [line[:16] for line in lines] == [_local_minute(e) for e in entries]

    failed = _history(page, qtbot, second.id)
    assert f"Delivery failed on {gate}: terminal fullby automatic delivery" in failed
    assert f"Enrolled, to be sent to {gate}by the Enroll page" in failed
    for text in ("\n".join(lines), failed):
        assert serial not in text
        assert not RAW_CODE.search(text), text
    qloop.run(page.presenter.context.tasks.wait_idle())


def test_unknown_and_malformed_entries_read_as_words_never_an_error(qtbot: QtBot) -> None:
    """A newer station's codes and details this version cannot parse still show."""
    panel = PersonDetail(LIGHT)
    qtbot.addWidget(panel)
    gate = TerminalSerial("SN-GATE")
    entries = [
        AuditEntry(2.0e9, "hr", "person.merged_into", PersonId("E1"), gate, "from E2"),
        AuditEntry(2.0e9, "", "", PersonId("E1")),
        AuditEntry(2.0e9, "sync", "sync.failed", PersonId("E1"), None, "garbled"),
        AuditEntry(2.0e9, "sync", "person.forget", PersonId("E1"), None, "twice?"),
        AuditEntry(2.0e9, "operator", "reconcile.import", None, gate, "?"),
        AuditEntry(2.0e9, "operator", "sync.retry", None, gate, "many entries"),
    ]
    person = PersonRecord(id=PersonId("E1"), name="Li Lei")
    panel.show_details(PersonDetails(person, None, [], entries), {gate: "Front gate"}, 2.0e9)
    text = _plain(panel.audit.text())
    assert "Person merged into on Front gate" in text
    assert "from E2" in text
    assert "?by unknown" in text
    assert "Delivery failed on a terminal: garbled" in text
    assert "Forgotten: personal data deleted" in text
    assert "Import from Front gate" in text
    assert "Retry on Front gate requested" in text
    assert "by HR import" in text
    assert len(text.splitlines()) == len(entries)


def test_a_failure_reason_is_said_once(qtbot: QtBot) -> None:
    """The terminal's error text is shown only where it says more than the state already does."""
    panel = PersonDetail(LIGHT)
    qtbot.addWidget(panel)
    gate = TerminalSerial("SN-GATE")
    entries = [
        AuditEntry(
            2.0e9,
            "sync",
            "sync.failed",
            PersonId("E1"),
            gate,
            "upsert failed_full: the terminal is full",
        ),
        AuditEntry(
            2.0e9,
            "sync",
            "sync.failed",
            PersonId("E1"),
            gate,
            "upsert failed_full: no room for 10001 faces",
        ),
    ]
    person = PersonRecord(id=PersonId("E1"), name="Li Lei")
    panel.show_details(PersonDetails(person, None, [], entries), {gate: "Front gate"}, 2.0e9)
    first, second = _plain(panel.audit.text()).splitlines()
    assert first.count("full") == 1
    assert "no room for 10001 faces" in second

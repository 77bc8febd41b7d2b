"""Pass records into the store: uploads through the receiver, listRecord polling past the 50 cap,
each record once however often it arrives; CSV export."""

from __future__ import annotations

import asyncio
import csv
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from client_support import client_for, fit_640x480

from enroll_app.services.discovery import PassRecordLog
from enroll_app.services.station import StationServices
from enroll_app.simulator import SimulatedTerminal
from enroll_app.store import PassFilter, PersonId, PersonRecord, TerminalSerial
from enroll_app.terminal.receiver import UploadReceiver
from enroll_app.terminal.records import Heartbeat, PassRecord, Person

SimFactory = Any
pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def station() -> AsyncIterator[StationServices]:
    opened = StationServices()
    await opened.start(load_engine=False)
    yield opened
    await opened.aclose()


async def enrolled(station: StationServices, term: SimulatedTerminal) -> TerminalSerial:
    """The terminal known to the station, with two persons on it."""
    found = await station.discovery.add(f"127.0.0.1:{term.port}")
    assert found.sn == term.serial
    async with client_for(term) as client:
        await client.set_person(Person("007", name="姚明", photo=fit_640x480()))
        await client.set_person(Person("0100", name="Ann", photo=fit_640x480("gdp.jpg")))
    return TerminalSerial(term.serial)


def passes(term: SimulatedTerminal, person_id: str, count: int, first_skew: float = 0.0) -> None:
    """`count` passes one second apart on the terminal's clock (no two share a millisecond)."""
    for n in range(count):
        term.device.set_skew(first_skew + n)
        outcome = term.device.pass_door(term.device.state.persons[person_id])
        assert outcome.passed, outcome


@pytest.mark.parametrize("profile", ["spec", "acs-legacy-ms"])
async def test_polling_pages_past_the_firmware_cap_and_stores_each_record_once(
    sim_factory: SimFactory, station: StationServices, profile: str
) -> None:
    term = await sim_factory(profile=profile)
    serial = await enrolled(station, term)
    passes(term, "007", 70)
    passes(term, "0100", 3, first_skew=100)

    assert await station.records.poll(serial) == 73
    assert await station.records.poll(serial) == 0  # the newest stored is where polling resumes
    stored = await station.records.list(PassFilter(serial=serial, limit=500))
    assert len(stored) == 73
    assert stored[0].person_id == "0100"  # newest first
    assert {r.name for r in stored} == {"姚明", "Ann"}

    passes(term, "007", 1, first_skew=200)
    result = await station.records.poll_all()
    assert result.added == {serial: 1}
    assert result.failed == {}
    assert len(await station.records.list(PassFilter(serial=serial, limit=500))) == 74


async def test_uploaded_records_are_stored_before_the_ack_and_polling_adds_no_copy(
    sim_factory: SimFactory, station: StationServices
) -> None:
    term = await sim_factory(profile="spec")
    serial = await enrolled(station, term)
    # This firmware uploads no names: the station fills in the one it knows.
    await station.store.save_person(
        PersonRecord(PersonId("007"), name="姚明", photo=fit_640x480()), [], "test"
    )
    arrived: asyncio.Queue[str] = asyncio.Queue()
    station.records.listeners.append(lambda record: arrived.put_nowait(record.person_id))

    def on_heartbeat(_beat: Heartbeat, _peer: str) -> None:
        return None

    async with UploadReceiver(on_heartbeat, station.records.store, host="127.0.0.1", port=0) as rx:
        async with client_for(term) as client:
            await client.set_record_callback(f"http://127.0.0.1:{rx.port}/record")
        await term.pass_door("007")
        assert await asyncio.wait_for(arrived.get(), 10) == "007"
        await term.uploads_idle()
        stored = await station.records.list(PassFilter(serial=serial))
        assert [(r.person_id, r.name) for r in stored] == [("007", "姚明")]
        assert stored[0].has_photo  # the terminal's snapshot came with the upload
        snapshot = await station.records.photo(stored[0])
        assert snapshot is not None
        assert snapshot.startswith(b"\xff\xd8")

        # A record sent again (lost acknowledgement) and the same record polled: still one.
        async with client_for(term) as client:
            assert await client.list_records() == []  # acknowledged, so the terminal dropped it
        again = PassRecord("007", stored[0].ts, stored[0].pass_type, "姚明", term.serial)
        await station.records.store(again)
        assert len(await station.records.list(PassFilter(serial=serial))) == 1
        result = await station.records.poll_all()
        assert result.skipped == [serial]  # it uploads by itself: not polled
        assert await station.records.poll(serial) == 0


async def test_export_writes_every_matching_record_as_csv(
    sim_factory: SimFactory, station: StationServices, tmp_path: Path
) -> None:
    term = await sim_factory(profile="spec")
    serial = await enrolled(station, term)
    passes(term, "007", 4)
    passes(term, "0100", 2, first_skew=10)
    await station.records.poll(serial)

    out = tmp_path / "passes.csv"
    assert await station.records.export_csv(PassFilter(person_id="007", limit=1), out) == 4
    with out.open(encoding="utf-8-sig", newline="") as lines:
        rows = list(csv.reader(lines))
    assert rows[0] == ["time", "terminal", "person_id", "name", "pass_type", "has_photo"]
    assert [r[2:4] for r in rows[1:]] == [["007", "姚明"]] * 4
    assert {r[1] for r in rows[1:]} == {serial}
    assert not out.with_name("passes.csv.part").exists()


async def test_records_from_the_old_json_lines_log_are_adopted_once(
    station: StationServices, tmp_path: Path
) -> None:
    log = PassRecordLog(tmp_path)
    await log.store(PassRecord("007", 1_800_000_000.5, 0, "姚明", "SN-OLD", fit_640x480()))
    await log.store(PassRecord("0100", 1_800_000_100.0, 1, "Ann", "SN-OLD"))
    assert await station.records.store_many(log.read()) == 2
    assert await station.records.store_many(log.read()) == 0
    stored = await station.records.list(PassFilter(serial=TerminalSerial("SN-OLD")))
    assert [(r.person_id, r.ts, r.pass_type) for r in stored] == [
        ("0100", 1_800_000_100.0, 1),
        ("007", 1_800_000_000.5, 0),
    ]


async def test_the_old_log_in_the_station_home_is_adopted_and_kept_aside(
    station: StationServices,
) -> None:
    log = PassRecordLog()  # the station home, where earlier versions wrote it
    await log.store(PassRecord("007", 1_800_000_000.5, 0, "姚明", "SN-OLD", fit_640x480()))
    await log.store(PassRecord("0100", 1_800_000_100.0, 1, "Ann", "SN-OLD"))
    assert await station.records.adopt_old_log() == 2
    assert not log.path.exists()
    assert log.path.with_suffix(".jsonl.adopted").exists()  # kept, never deleted
    assert await station.records.adopt_old_log() == 0  # nothing left to adopt
    stored = await station.records.list(PassFilter(serial=TerminalSerial("SN-OLD")))
    assert [r.person_id for r in stored] == ["0100", "007"]
    assert stored[1].has_photo


async def test_an_unreachable_terminal_is_reported_not_raised(
    station: StationServices, sim_factory: SimFactory
) -> None:
    term = await sim_factory(profile="spec")
    serial = await enrolled(station, term)
    await term.stop()
    result = await station.records.poll_all()
    assert list(result.failed) == [serial]
    assert result.added == {}

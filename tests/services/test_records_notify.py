"""Subscribers of the records service hear once per write that added pass records (uploads,
adopted logs), never for repeats; `page(after_id)` then reads only those records."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from enroll_app.services.records import PassesStored
from enroll_app.services.station import StationServices
from enroll_app.store import PassFilter, PersonId, PersonRecord, TerminalSerial
from enroll_app.terminal.records import PassRecord

pytestmark = pytest.mark.asyncio
GATE, LOBBY = "SN-GATE-01", "SN-LOBBY-02"


@pytest_asyncio.fixture
async def station() -> AsyncIterator[StationServices]:
    opened = StationServices()
    await opened.start(load_engine=False)
    yield opened
    await opened.aclose()


async def test_each_write_that_adds_records_is_heard_once_and_repeats_not_at_all(
    station: StationServices,
) -> None:
    records = station.records
    heard: list[PassesStored] = []
    unsubscribe = records.subscribe(heard.append)
    await station.store.save_person(PersonRecord(PersonId("007"), name="姚明"), [], "test")
    first = await records.page(PassFilter())
    assert first.rows == []

    upload = PassRecord("007", 1_800_000_000.25, 0, "", GATE)
    await records.store(upload)  # as the receiver does, before its acknowledgement
    assert heard == [PassesStored(frozenset({TerminalSerial(GATE)}), 1)]
    await records.store(upload)  # sent again (a lost acknowledgement): nothing new
    assert len(heard) == 1

    adopted = [
        upload,
        PassRecord("0100", 1_800_000_100.0, 1, "Ann", LOBBY),
        PassRecord("0101", 1_800_000_200.0, 0, "Bo", GATE),
    ]
    assert await records.store_many(adopted) == 2
    assert heard[1:] == [PassesStored(frozenset({TerminalSerial(GATE), TerminalSerial(LOBBY)}), 2)]

    since = await records.page(PassFilter(), first.last_id)
    assert [(r.person_id, r.name) for r in since.rows] == [
        ("0101", "Bo"),
        ("0100", "Ann"),
        ("007", "姚明"),  # the station's name: this upload came without one
    ]
    assert (await records.page(PassFilter(), since.last_id)).rows == []

    unsubscribe()
    await records.store(PassRecord("007", 1_800_000_300.0, 0, "", GATE))
    assert len(heard) == 2


async def test_a_failing_subscriber_neither_loses_the_record_nor_silences_the_others(
    station: StationServices, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_stored: PassesStored) -> None:
        raise RuntimeError("page already gone")

    heard: list[PassesStored] = []
    station.records.subscribe(broken)
    station.records.subscribe(heard.append)
    with caplog.at_level(logging.ERROR, logger="enroll_app.services.records"):
        await station.records.store(PassRecord("007", 1_800_000_000.0, 0, "Yao", GATE))
    assert [s.count for s in heard] == [1]
    assert "subscriber failed" in caplog.text
    assert len(await station.records.list()) == 1

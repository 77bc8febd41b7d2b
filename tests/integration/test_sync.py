"""Sync over real simulators: delivery with read-back, background draining, faults and states."""

from __future__ import annotations

from pathlib import Path

import pytest

from enroll_app.services.delivery import deliver
from enroll_app.services.sync import DeliveryProgress
from enroll_app.store import outbox as outbox_fns
from enroll_app.store.records import KeyStatus, PersonId, PlacementState, TerminalSerial
from enroll_app.terminal.client import TerminalClient
from enroll_app.terminal.errors import PersonNotFound
from tests.integration.client_support import blank_640x480
from tests.integration.conftest import SimFactory
from tests.integration.sync_support import (
    drained,
    expected,
    open_station,
    person,
    serials,
    terminal_holds,
    wait_for,
)


async def _states(station: object, person_id: str) -> dict[str, PlacementState]:
    placements = await station.store.placements_of([PersonId(person_id)])  # type: ignore[attr-defined]
    return {p.serial: p.state for p in placements.get(PersonId(person_id), [])}


@pytest.mark.asyncio
async def test_push_delivers_to_every_terminal_and_reads_back(
    sim_factory: SimFactory, tmp_path: Path
) -> None:
    a, b = await sim_factory(), await sim_factory(profile="acs-1.1.143")
    station = await open_station(tmp_path, [a, b])
    try:
        record = person(1)
        await station.store.save_person(record, serials(a, b), "test")
        seen: list[DeliveryProgress] = []
        outcomes = await station.sync.push(record.id, serials(a, b), on_progress=seen.append)

        assert {o.state for o in outcomes.values()} == {PlacementState.SYNCED}
        assert all(o.ok for o in outcomes.values())
        for term in (a, b):
            assert await terminal_holds(term) == {record.id: expected(record)}
            stages = [p.stage for p in seen if p.serial == term.serial]
            assert stages[0] == "sending"
            assert "verifying" in stages
            assert stages[-1] == "done"
        assert await _states(station, record.id) == dict.fromkeys(
            serials(a, b), PlacementState.SYNCED
        )
        assert await drained(station)
    finally:
        await station.aclose()


@pytest.mark.asyncio
async def test_workers_drain_the_outbox_without_being_asked(
    sim_factory: SimFactory, tmp_path: Path
) -> None:
    a, b = await sim_factory(), await sim_factory()
    station = await open_station(tmp_path, [a, b])
    try:
        records = [person(n) for n in range(1, 13)]
        for record in records:
            await station.store.save_person(record, serials(a, b), "test")
        await wait_for(lambda: drained(station))
        want = {r.id: expected(r) for r in records}
        assert await terminal_holds(a) == want
        assert await terminal_holds(b) == want
    finally:
        await station.aclose()


@pytest.mark.asyncio
async def test_failures_drops_and_latency_only_delay_delivery(
    sim_factory: SimFactory, tmp_path: Path
) -> None:
    flaky = await sim_factory(fail_rate=0.3, drop_rate=0.2, latency_ms=20, seed=7)
    steady = await sim_factory(latency_ms=20)
    station = await open_station(tmp_path, [flaky, steady])
    try:
        records = [person(n) for n in range(1, 16)]
        for record in records:
            await station.store.save_person(record, serials(flaky, steady), "test")
        await wait_for(lambda: drained(station), limit=60)
        flaky.faults.fail_rate = flaky.faults.drop_rate = 0.0
        want = {r.id: expected(r) for r in records}
        assert await terminal_holds(flaky) == want
        assert await terminal_holds(steady) == want
        audit = await station.store.list_audit()
        assert any(e.action == "sync.failed" and e.serial == flaky.serial for e in audit)
    finally:
        await station.aclose()


@pytest.mark.asyncio
async def test_a_terminal_rebooting_mid_sync_gets_everything(
    sim_factory: SimFactory, tmp_path: Path
) -> None:
    term = await sim_factory(latency_ms=30)
    station = await open_station(tmp_path, [term])
    try:
        records = [person(n) for n in range(1, 21)]
        for record in records:
            await station.store.save_person(record, serials(term), "test")
        await wait_for(lambda: _count_synced(station, term.serial, 3))
        async with TerminalClient(term.host, term.port) as client:
            await client.reboot()
        await term.wait_offline()
        await term.wait_booted(2)
        await wait_for(lambda: drained(station), limit=60)
        assert await terminal_holds(term) == {r.id: expected(r) for r in records}
    finally:
        await station.aclose()


async def _count_synced(station: object, serial: str, at_least: int) -> bool:
    placed = await station.store.placements_on(TerminalSerial(serial))  # type: ignore[attr-defined]
    return sum(p.state is PlacementState.SYNCED for p in placed) >= at_least


@pytest.mark.asyncio
async def test_a_full_terminal_is_marked_full_and_retry_delivers_after_space(
    sim_factory: SimFactory, tmp_path: Path
) -> None:
    term = await sim_factory(capacity=2)
    station = await open_station(tmp_path, [term])
    try:
        for n in (1, 2):
            await station.store.save_person(person(n), serials(term), "test")
            await station.sync.push(person(n).id, serials(term))
        third = person(3)
        await station.store.save_person(third, serials(term), "test")
        outcome = (await station.sync.push(third.id, serials(term)))[TerminalSerial(term.serial)]

        assert outcome.state is PlacementState.FAILED_FULL
        assert "full" in outcome.message.lower()
        assert await _states(station, third.id) == {term.serial: PlacementState.FAILED_FULL}

        term.faults.capacity = 3
        again = await station.sync.retry(third.id, serials(term))
        assert again[TerminalSerial(term.serial)].state is PlacementState.SYNCED
        assert third.id in await terminal_holds(term)
    finally:
        await station.aclose()


@pytest.mark.asyncio
async def test_a_refused_key_is_marked_and_the_terminal_is_not_written(
    sim_factory: SimFactory, tmp_path: Path
) -> None:
    term = await sim_factory()
    async with TerminalClient(term.host, term.port) as client:
        await client.set_device_key("other-key-123")
    station = await open_station(tmp_path, [term])
    try:
        record = person(1)
        await station.store.save_person(record, serials(term), "test")
        outcome = (await station.sync.push(record.id, serials(term)))[TerminalSerial(term.serial)]

        assert outcome.state is PlacementState.FAILED_KEY
        stored = await station.store.get_terminal(TerminalSerial(term.serial))
        assert stored.key_status is KeyStatus.REFUSED
        assert await terminal_holds(term, key="other-key-123") == {}
        entries = await station.store.call(outbox_fns.list_outbox, TerminalSerial(term.serial))
        assert [e.person_id for e in entries] == [record.id]  # still owed

        async with TerminalClient(term.host, term.port, "other-key-123") as client:
            await client.set_device_key("abc")  # the key problem is solved on the terminal
        again = await station.sync.retry(record.id, serials(term))
        assert again[TerminalSerial(term.serial)].state is PlacementState.SYNCED
    finally:
        await station.aclose()


@pytest.mark.asyncio
async def test_a_rejected_photo_is_marked_and_parked(
    sim_factory: SimFactory, tmp_path: Path
) -> None:
    term = await sim_factory()
    station = await open_station(tmp_path, [term])
    try:
        record = person(1, photo=blank_640x480())
        await station.store.save_person(record, serials(term), "test")
        outcome = (await station.sync.push(record.id, serials(term)))[TerminalSerial(term.serial)]

        assert outcome.state is PlacementState.FAILED_PHOTO
        entries = await station.store.call(outbox_fns.list_outbox, TerminalSerial(term.serial))
        assert len(entries) == 1
        assert entries[0].next_attempt_at is None  # parked
        assert await terminal_holds(term) == {}

        fixed = person(1)  # a new photo: owed again, and delivered
        await station.store.save_person(fixed, serials(term), "test")
        again = await station.sync.push(fixed.id, serials(term))
        assert again[TerminalSerial(term.serial)].state is PlacementState.SYNCED
    finally:
        await station.aclose()


@pytest.mark.asyncio
async def test_removal_is_confirmed_by_reading_back(
    sim_factory: SimFactory, tmp_path: Path
) -> None:
    a, b = await sim_factory(), await sim_factory()
    station = await open_station(tmp_path, [a, b])
    try:
        keep, go = person(1), person(2)
        for record in (keep, go):
            await station.store.save_person(record, serials(a, b), "test")
            await station.sync.push(record.id, serials(a, b))
        await station.sync.remove_persons([go.id], serials(a), confirmed=2)
        outcome = await station.sync.push(go.id, serials(a))

        assert outcome[TerminalSerial(a.serial)].state is PlacementState.REMOVED
        assert set(await terminal_holds(a)) == {keep.id}
        assert set(await terminal_holds(b)) == {keep.id, go.id}
        async with TerminalClient(a.host, a.port) as client:
            with pytest.raises(PersonNotFound):
                await client.get_person(go.id)
    finally:
        await station.aclose()


@pytest.mark.asyncio
async def test_an_edit_that_empties_a_field_reaches_the_terminal(
    sim_factory: SimFactory, tmp_path: Path
) -> None:
    term = await sim_factory()
    station = await open_station(tmp_path, [term])
    try:
        await station.store.save_person(person(1), serials(term), "test")
        await station.sync.push(person(1).id, serials(term))
        cleared = person(1, ic_no="", pass_count=5)
        await station.store.save_person(cleared, serials(term), "test")
        outcome = await station.sync.push(cleared.id, serials(term))

        assert outcome[TerminalSerial(term.serial)].state is PlacementState.SYNCED
        assert await terminal_holds(term) == {cleared.id: expected(cleared)}
    finally:
        await station.aclose()


@pytest.mark.asyncio
async def test_a_restarted_station_finishes_what_the_last_one_left(
    sim_factory: SimFactory, tmp_path: Path
) -> None:
    term = await sim_factory(latency_ms=60)
    records = [person(n) for n in range(1, 11)]
    first = await open_station(tmp_path, [term])
    try:
        for record in records:
            await first.store.save_person(record, serials(term), "test")
        await wait_for(lambda: _count_synced(first, term.serial, 2))
    finally:
        await first.aclose()  # mid-run: entries in flight are simply owed still
    left = len(await terminal_holds(term))
    assert left < len(records)

    second = await open_station(tmp_path, [term])
    try:
        await wait_for(lambda: drained(second), limit=60)
        assert await terminal_holds(term) == {r.id: expected(r) for r in records}
    finally:
        await second.aclose()


@pytest.mark.asyncio
async def test_an_unreachable_terminal_waits_and_gets_everything_when_back(
    sim_factory: SimFactory, tmp_path: Path
) -> None:
    term = await sim_factory()
    port = term.port
    station = await open_station(tmp_path, [term])
    try:
        await term.stop()
        record = person(1)
        await station.store.save_person(record, serials(term), "test")
        outcome = (await station.sync.push(record.id, serials(term)))[TerminalSerial(term.serial)]
        assert outcome.state is PlacementState.FAILED_OTHER
        assert "reach" in outcome.message.lower()
        entries = await station.store.call(outbox_fns.list_outbox, TerminalSerial(term.serial))
        assert entries[0].next_attempt_at is not None  # retried by itself, not parked

        back = await sim_factory(port=port, data_dir=term.config.folder())
        assert back.serial == term.serial
        await wait_for(lambda: drained(station), limit=30)
        assert await terminal_holds(back) == {record.id: expected(record)}
    finally:
        await station.aclose()


@pytest.mark.asyncio
async def test_replaying_an_entry_leaves_the_same_result(
    sim_factory: SimFactory, tmp_path: Path
) -> None:
    term = await sim_factory()
    station = await open_station(tmp_path, [term])
    try:
        await station.sync.aclose()  # deliver by hand: a crash between send and bookkeeping
        record = person(1)
        await station.store.save_person(record, serials(term), "test")
        [entry] = await station.store.call(outbox_fns.list_outbox, TerminalSerial(term.serial))
        stored = await station.store.get_person(record.id, with_photo=True)
        async with TerminalClient(term.host, term.port) as client:
            first = await deliver(client, entry, stored)
            after_first = await terminal_holds(term)
            second = await deliver(client, entry, stored)  # the replay after a restart
        assert first == second
        assert await terminal_holds(term) == after_first == {record.id: expected(record)}
        assert await station.store.complete_outbox(entry.id, 1.0)
        assert not await station.store.complete_outbox(entry.id, 2.0)  # stale: no change
        assert await _states(station, record.id) == {term.serial: PlacementState.SYNCED}
    finally:
        await station.aclose()


@pytest.mark.asyncio
async def test_an_operators_push_goes_ahead_of_a_long_background_queue(
    sim_factory: SimFactory, tmp_path: Path
) -> None:
    term = await sim_factory(latency_ms=40)
    station = await open_station(tmp_path, [term])
    try:
        for n in range(1, 41):  # a large import being drained in the background
            await station.store.save_person(person(n), serials(term), "test")
        await wait_for(lambda: _count_synced(station, term.serial, 1))
        newcomer = person(99)
        await station.store.save_person(newcomer, serials(term), "test")
        outcome = await station.sync.push(newcomer.id, serials(term))

        assert outcome[TerminalSerial(term.serial)].state is PlacementState.SYNCED
        still_owed = (await station.store.outbox_depth()).get(TerminalSerial(term.serial), 0)
        assert still_owed >= 20  # it did not wait for the queue
        await wait_for(lambda: drained(station), limit=60)
        assert len(await terminal_holds(term)) == 41
    finally:
        await station.aclose()

"""Visitors: default window, expiry sweep owes removals once, retention forgets, the schedule runs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
import pytest_asyncio

from enroll_app.services.visitors import (
    DAY,
    SweepResult,
    VisitorPolicy,
    VisitorSweeper,
    visitor_defaults,
)
from enroll_app.store import (
    OutboxOp,
    PersonId,
    PersonKind,
    PersonRecord,
    PlacementState,
    Store,
    TerminalSerial,
    outbox,
)

FRAMES = Path(__file__).parents[2] / "enroll_app" / "simulator" / "frames"
START = 1_800_000_000.0
DOORS = [TerminalSerial("SN-A"), TerminalSerial("SN-B")]


class Clock:
    """Epoch seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@dataclass
class Station:
    store: Store


@pytest_asyncio.fixture
async def store() -> AsyncIterator[tuple[Store, Clock]]:
    clock = Clock()
    opened = await Store.open_async(clock=clock)
    for number, serial in enumerate(DOORS, start=2):
        await opened.upsert_terminal(serial, f"127.0.0.{number}", 8090)
    yield opened, clock
    await opened.aclose()


def photo(n: int = 1) -> bytes:
    return (FRAMES / f"frame-{n}.jpg").read_bytes()


async def place(store: Store, person: PersonRecord) -> None:
    """Save to both doors and confirm the deliveries as the sync workers would."""
    await store.save_person(person, DOORS, "test")
    for entry in await store.call(outbox.list_outbox):
        await store.complete_outbox(entry.id, START)


def visitor(pid: str, end_ts: float, **fields: object) -> PersonRecord:
    return PersonRecord(  # type: ignore[arg-type]
        id=PersonId(pid),
        name=f"Visitor {pid}",
        kind=PersonKind.VISITOR,
        start_ts=START - 3600,
        end_ts=end_ts,
        pass_count=2,
        photo=photo(),
        **fields,
    )


def test_defaults_run_until_the_end_hour_today_with_two_passes() -> None:
    morning = datetime(2026, 11, 29, 9, 30).timestamp()
    window = visitor_defaults(morning, VisitorPolicy(end_hour=18))
    assert window.kind is PersonKind.VISITOR
    assert window.pass_count == 2
    assert window.start_ts == int(morning)
    assert datetime.fromtimestamp(window.end_ts) == datetime(2026, 11, 29, 18, 0)


def test_a_visitor_arriving_after_the_end_hour_keeps_a_pass_until_midnight() -> None:
    evening = datetime(2026, 11, 29, 19, 5).timestamp()
    window = visitor_defaults(evening, VisitorPolicy(end_hour=18, pass_count=3))
    assert datetime.fromtimestamp(window.end_ts) == datetime(2026, 11, 29, 23, 59, 59)
    assert window.pass_count == 3


def test_policy_refuses_nonsense() -> None:
    for bad in ({"end_hour": 25}, {"pass_count": 0}, {"retention_days": -1}):
        with pytest.raises(ValueError, match=r"hour|passes|retention"):
            VisitorPolicy(**bad)  # type: ignore[arg-type]


@pytest.mark.asyncio
async def test_expired_visitors_are_removed_from_every_holder_once(
    store: tuple[Store, Clock],
) -> None:
    db, clock = store
    await place(db, visitor("v1", START + 100))
    await place(db, visitor("v2", START + 10_000))
    staff = PersonRecord(id=PersonId("s1"), name="Staff", end_ts=START + 50, photo=photo(2))
    await place(db, staff)
    sweeper = VisitorSweeper(Station(db), VisitorPolicy(retention_days=30), clock)

    assert (await sweeper.sweep_once()).removed == {}
    clock.now = START + 200
    result = await sweeper.sweep_once()
    assert result.removed == {PersonId("v1"): DOORS}
    assert result.forgotten == []
    owed = await db.call(outbox.list_outbox)
    assert {(e.person_id, e.serial, e.op) for e in owed} == {
        ("v1", DOORS[0], OutboxOp.REMOVE),
        ("v1", DOORS[1], OutboxOp.REMOVE),
    }
    placements = await db.placements_of(["v1", "v2", "s1"])
    assert {p.state for p in placements[PersonId("v1")]} == {PlacementState.REMOVING}
    assert {p.state for p in placements[PersonId("v2")]} == {PlacementState.SYNCED}
    assert {p.state for p in placements[PersonId("s1")]} == {PlacementState.SYNCED}

    again = await sweeper.sweep_once()  # removals already owed: nothing new, no new entries
    assert again.removed == {}
    assert len(await db.call(outbox.list_outbox)) == 2
    assert (await db.get_person(PersonId("v1"))).name == "Visitor v1"  # data kept until retention


@pytest.mark.asyncio
async def test_after_retention_the_visitor_is_forgotten(store: tuple[Store, Clock]) -> None:
    db, clock = store
    await place(db, visitor("v1", START + 100, id_no="110105194912310021", ic_no="123"))
    sweeper = VisitorSweeper(Station(db), VisitorPolicy(retention_days=30), clock)
    clock.now = START + 200
    await sweeper.sweep_once()
    for entry in await db.call(outbox.list_outbox):  # the sync workers delivered the removals
        await db.complete_outbox(entry.id, clock.now)

    clock.now = START + 100 + 29 * DAY
    assert (await sweeper.sweep_once()).forgotten == []
    clock.now = START + 101 + 30 * DAY
    result = await sweeper.sweep_once()
    assert result.forgotten == [PersonId("v1")]
    assert await db.find_person(PersonId("v1")) is None  # nothing held anywhere: row gone
    assert await db.was_forgotten(PersonId("v1"))
    assert (await sweeper.sweep_once()).forgotten == []


@pytest.mark.asyncio
async def test_start_sweeps_at_once_and_again_when_woken(store: tuple[Store, Clock]) -> None:
    db, clock = store
    clock.now = START + 200
    await place(db, visitor("v1", START + 100))
    sweeper = VisitorSweeper(Station(db), VisitorPolicy(sweep_minutes=60), clock)
    results: asyncio.Queue[SweepResult] = asyncio.Queue()
    sweeper.listeners.append(results.put_nowait)
    await sweeper.start()
    try:
        first = await asyncio.wait_for(results.get(), 10)
        assert first.removed == {PersonId("v1"): DOORS}
        await place(db, visitor("v2", START + 150))  # saved again: placements pending → synced
        sweeper.sweep_soon()
        second = await asyncio.wait_for(results.get(), 10)
        assert second.removed == {PersonId("v2"): DOORS}
    finally:
        await sweeper.aclose()
    assert sweeper.last_result is second

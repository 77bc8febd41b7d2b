"""An expired visitor leaves the terminal (capacity freed) and is forgotten after retention."""

from __future__ import annotations

import time
from typing import Any

import pytest
from client_support import client_for, fit_640x480

from enroll_app.services.station import StationServices
from enroll_app.services.visitors import DAY
from enroll_app.store import PersonId, PersonKind, PersonRecord, PlacementState, TerminalSerial

SimFactory = Any


class Clock:
    """The station's wall clock, moved by the test."""

    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now


@pytest.mark.asyncio
async def test_sweeper_removes_the_expired_visitor_from_the_terminal_then_forgets_them(
    sim_factory: SimFactory,
) -> None:
    term = await sim_factory(profile="spec")
    clock = Clock()
    station = StationServices(clock=clock)
    await station.start(load_engine=False)
    try:
        await station.discovery.add(f"127.0.0.1:{term.port}")
        await station.sync.mirror_registry()
        serial = TerminalSerial(term.serial)
        visitor = PersonRecord(
            PersonId("V-1"),
            name="Visitor",
            kind=PersonKind.VISITOR,
            start_ts=clock.now - 60,
            end_ts=clock.now + 3600,
            pass_count=2,
            photo=fit_640x480(),
        )
        staff = PersonRecord(PersonId("S-1"), name="Staff", photo=fit_640x480("gdp.jpg"))
        for person in (visitor, staff):
            await station.store.save_person(person, [serial], "test")
            assert (await station.sync.push(person.id, [serial]))[serial].ok

        assert (await station.visitors.sweep_once()).removed == {}
        clock.now += 2 * 3600
        result = await station.visitors.sweep_once()
        assert result.removed == {PersonId("V-1"): [serial]}
        outcome = (await station.sync.push("V-1", [serial]))[serial]
        assert outcome.state is PlacementState.REMOVED
        async with client_for(term) as client:
            assert [p.id for p in await client.list_persons()] == ["S-1"]

        clock.now += 31 * DAY
        assert (await station.visitors.sweep_once()).forgotten == [PersonId("V-1")]
        assert await station.store.find_person(PersonId("V-1")) is None
        assert await station.store.find_person(PersonId("S-1")) is not None
    finally:
        await station.aclose()

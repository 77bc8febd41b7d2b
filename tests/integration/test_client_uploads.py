"""What terminals send on their own, configured through the client: records and heartbeats."""

from __future__ import annotations

from typing import Any

import pytest
from client_support import PROFILES, Inbox, client_for, fit_640x480, pass_door

from enroll_app.terminal.records import Person

SimFactory = Any
pytestmark = pytest.mark.asyncio


@pytest.mark.parametrize("profile", PROFILES)
async def test_record_upload_with_acknowledgement(sim_factory: SimFactory, profile: str) -> None:
    term = await sim_factory(profile=profile)
    async with Inbox() as inbox, client_for(term) as c:
        await c.set_person(Person("42", name="Ann", photo=fit_640x480()))
        await c.set_record_callback(inbox.url("record"))
        await pass_door(term, "42")
        (record,) = await inbox.wait_records(1)
        assert (record.person_id, record.device_sn) == ("42", term.serial)
        assert record.ts == pytest.approx(await c.get_time(), abs=10)  # seconds
        assert record.photo is None or record.photo.startswith(b"\xff\xd8")
        # Acknowledged with status 0: the terminal deleted it.
        await term.uploads_idle()
        assert await c.list_records() == []


async def test_unacknowledged_records_are_sent_again(sim_factory: SimFactory) -> None:
    term = await sim_factory(profile="spec")
    async with Inbox(ack_status=1) as inbox, client_for(term) as c:
        await c.set_person(Person("42", photo=fit_640x480()))
        await c.set_record_callback(inbox.url("record"))
        await pass_door(term, "42")
        await inbox.wait_records(1)
        await term.uploads_idle()
        assert len(await c.list_records()) == 1  # kept on the terminal
        inbox.ack_status = 0
        await pass_door(term, "42")
        records = await inbox.wait_records(3)  # the first one again, then the second
        assert len({r.identity for r in records}) == 2
        await term.uploads_idle()
        assert await c.list_records() == []


@pytest.mark.parametrize("profile", PROFILES)
async def test_heartbeats_arrive(sim_factory: SimFactory, profile: str) -> None:
    term = await sim_factory(profile=profile)
    async with Inbox() as inbox, client_for(term) as c:
        await c.set_heartbeat(inbox.url("heartbeat"), 1)
        beats = await inbox.wait_heartbeats(2, within=10)
    assert {b.device_sn for b in beats} == {term.serial}
    assert beats[0].app_version
    assert beats[1].elapsed_realtime >= beats[0].elapsed_realtime

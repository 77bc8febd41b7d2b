"""Uploads over real sockets: pass records with acknowledgement and re-send, and heartbeats."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import httpx
import pytest

from enroll_app.simulator import SimulatedTerminal
from tests.simulator.conftest import SimFactory
from tests.simulator.rawhttp import b64, frame
from tests.simulator.receiver import running_receiver

HEARTBEAT_FIELDS = {
    "deviceSn",
    "deviceElapsedRealtime",
    "deviceSystemVersion",
    "deviceAppVersion",
    "deviceRegisterTime",
    "deviceRomAvailableSize",
    "deviceRomSize",
    "deviceIpAddress",
}


async def post(term: SimulatedTerminal, uri: str, **fields: str) -> int:
    async with httpx.AsyncClient(timeout=30) as client:
        reply = await client.post(
            f"{term.base_url}/{uri}?key=abc",
            content=urlencode(fields).encode(),
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
    return int(reply.json()["status"])


async def sim_pass(term: SimulatedTerminal, person_id: str) -> dict:
    async with httpx.AsyncClient() as client:
        reply = await client.post(f"{term.base_url}/_sim/pass", data={"id": person_id})
    return reply.json()


async def record_count(term: SimulatedTerminal) -> int:
    async with httpx.AsyncClient() as client:
        reply = await client.get(
            f"{term.base_url}/listRecord", params={"key": "abc", "ts": "0", "count": "100"}
        )
    return len(reply.json()["data"]["record"])


async def enroll(term: SimulatedTerminal, person_id: str) -> None:
    fields = {"id": person_id, "name": "Li Si", "startTs": "-1", "endTs": "-1"}
    assert await post(term, "setPerson", **fields, photo=b64(frame(5))) == 0


@pytest.mark.asyncio
async def test_acknowledged_record_is_uploaded_once_and_deleted(sim_factory: SimFactory) -> None:
    term = await sim_factory("acs-1.1.143")
    await enroll(term, "0042")
    async with running_receiver() as receiver:
        assert await post(term, "setRecordCallback", url=f"{receiver.url}/records") == 0
        outcome = await sim_pass(term, "0042")
        assert outcome["data"]["passed"] is True
        (sent,) = await receiver.wait_for("/records", 1)
        await term.uploads_idle()
    assert set(sent) == {"deviceSn", "personID", "ts", "passType", "photo"}
    assert sent["deviceSn"] == term.serial
    assert sent["personID"] == "0042"
    assert float(sent["ts"]) == outcome["data"]["record"]["ts"]
    assert sent["ts"].endswith("E9")  # Java's double text, like the firmware
    assert sent["passType"] == "0"
    assert "\n" in sent["photo"]
    assert base64.b64decode(sent["photo"]) == frame(5)  # the person's photo as the snapshot
    assert receiver.raw_types == ["application/x-www-form-urlencoded"]
    assert await record_count(term) == 0


@pytest.mark.asyncio
async def test_unreachable_receiver_keeps_records_and_resends_at_next_pass(
    sim_factory: SimFactory,
) -> None:
    term = await sim_factory("acs-1.1.143")
    await enroll(term, "7")
    async with running_receiver() as receiver:
        url = receiver.url
    # The receiver is gone: the first pass cannot be delivered.
    assert await post(term, "setRecordCallback", url=f"{url}/records") == 0
    await sim_pass(term, "7")
    await term.uploads_idle()
    assert await record_count(term) == 1
    async with running_receiver() as receiver:
        assert await post(term, "setRecordCallback", url=f"{receiver.url}/records") == 0
        await sim_pass(term, "7")
        sent = await receiver.wait_for("/records", 2)
        await term.uploads_idle()
    assert [s["personID"] for s in sent] == ["7", "7"]
    assert sent[0]["ts"] < sent[1]["ts"]
    assert await record_count(term) == 0


@pytest.mark.asyncio
@pytest.mark.parametrize(("profile", "resent"), [("acs-1.1.143", False), ("spec", True)])
async def test_rejected_record_is_kept(sim_factory: SimFactory, profile: str, resent: bool) -> None:
    term = await sim_factory(profile)
    await enroll(term, "9")
    async with running_receiver() as receiver:
        receiver.reply = b'{"status":1,"msg":"busy"}'
        assert await post(term, "setRecordCallback", url=f"{receiver.url}/records") == 0
        await sim_pass(term, "9")
        await receiver.wait_for("/records", 1)
        await term.uploads_idle()
        assert await record_count(term) == 1
        receiver.reply = b'{"status":0}'
        await sim_pass(term, "9")
        sent = await receiver.wait_for("/records", 3 if resent else 2)
        await term.uploads_idle()
    # acs: the rejected record stays on the terminal but is not offered again.
    assert len(sent) == (3 if resent else 2)
    assert await record_count(term) == (0 if resent else 1)


@pytest.mark.asyncio
async def test_non_json_reply_keeps_the_record_pending(sim_factory: SimFactory) -> None:
    term = await sim_factory("acs-1.1.143")
    await enroll(term, "n")
    async with running_receiver() as receiver:
        receiver.reply = b"OK"
        assert await post(term, "setRecordCallback", url=f"{receiver.url}/r") == 0
        await sim_pass(term, "n")
        await receiver.wait_for("/r", 1)
        await term.uploads_idle()
        assert await record_count(term) == 1
        receiver.reply = b'{"status":0,"msg":"ok"}'
        await sim_pass(term, "n")
        await receiver.wait_for("/r", 3)  # the pending one again, then the new one
        await term.uploads_idle()
    assert await record_count(term) == 0


@pytest.mark.asyncio
@pytest.mark.parametrize("profile", ["spec", "acs-legacy-ms"])
async def test_heartbeats_carry_eight_fields_every_period(
    sim_factory: SimFactory, profile: str
) -> None:
    term = await sim_factory(profile, host="127.0.0.3")
    async with running_receiver() as receiver:
        assert await post(term, "setHeartBeat", url=f"{receiver.url}/hb", period="1") == 0
        beats = await receiver.wait_for("/hb", 2, within=5)
    assert set(beats[0]) == HEARTBEAT_FIELDS
    assert beats[0]["deviceSn"] == term.serial
    assert beats[0]["deviceIpAddress"] == "127.0.0.3"
    assert beats[0]["deviceRomSize"].endswith("MB")
    assert float(beats[1]["deviceElapsedRealtime"]) >= float(beats[0]["deviceElapsedRealtime"])
    if profile == "acs-legacy-ms":
        assert beats[0]["deviceElapsedRealtime"].isdigit()

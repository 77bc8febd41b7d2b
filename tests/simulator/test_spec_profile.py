"""The `spec` profile over real sockets: what the protocol document promises, status by status.

Requests are written by hand (httpx with explicit bodies, or raw bytes), never with the
station's client, so these tests show the simulator decodes what real clients send.
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlencode

import httpx
import pytest

from enroll_app.simulator import SimulatedTerminal
from tests.simulator.conftest import SimFactory
from tests.simulator.rawhttp import (
    as_png,
    b64,
    blank_jpeg,
    exchange,
    form_post,
    frame,
    read_reply,
    request_bytes,
)

KEY = {"key": "abc"}


async def post(term: SimulatedTerminal, uri: str, **fields: str) -> dict:
    """Vendor-client style: key in the URL, fields form-encoded in the body."""
    async with httpx.AsyncClient(timeout=30) as client:
        reply = await client.post(
            f"{term.base_url}/{uri}?key=abc",
            content=urlencode(fields).encode(),
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
    assert reply.status_code == 200, reply.text
    return reply.json()


async def get(term: SimulatedTerminal, uri: str, **params: str) -> dict:
    async with httpx.AsyncClient(timeout=30) as client:
        reply = await client.get(f"{term.base_url}/{uri}", params={**KEY, **params})
    assert reply.status_code == 200, reply.text
    return reply.json()


@pytest.mark.asyncio
async def test_key_is_checked_before_routing_on_every_path(sim_factory: SimFactory) -> None:
    term = await sim_factory()
    async with httpx.AsyncClient(base_url=term.base_url) as client:
        for path in ("/getTime", "/setPerson", "/nonsense", "/", "/reset"):
            assert (await client.get(path)).json()["status"] == 103
            assert (await client.get(path, params={"key": "wrong"})).json()["status"] == 103
            assert (await client.post(path, data={"key": "ABC"})).json()["status"] == 103
        unknown = await client.get("/nonsense", params=KEY)
        assert unknown.status_code == 501
        assert "text/html" in unknown.headers["content-type"]
        assert (await client.put("/getTime", params=KEY)).status_code == 405
        assert (await client.get("/setPerson", params=KEY)).status_code == 501


@pytest.mark.asyncio
async def test_paths_are_case_insensitive_with_one_trailing_slash(sim_factory: SimFactory) -> None:
    term = await sim_factory()
    async with httpx.AsyncClient(base_url=term.base_url) as client:
        assert (await client.get("/GETTIME", params=KEY)).json()["status"] == 0
        assert (await client.get("/getTime/", params=KEY)).json()["status"] == 0
        assert (await client.get("/getTime//", params=KEY)).status_code == 501


@pytest.mark.asyncio
async def test_key_may_sit_in_query_or_body_and_the_body_wins(sim_factory: SimFactory) -> None:
    term = await sim_factory()
    get_only = await exchange(term.host, term.port, form_post("getTime", {"key": "abc"}))
    assert get_only.status == 501  # the firmware routes getTime for GET only
    reply = await exchange(
        term.host, term.port, form_post("setTime", {"key": "abc", "ts": "1700000000.5"})
    )
    assert reply.json()["status"] == 0
    wrong_body = form_post("setTime", {"key": "bad", "ts": "1"}, query=KEY)
    assert (await exchange(term.host, term.port, wrong_body)).json()["status"] == 103
    good_body = form_post("setTime", {"key": "abc", "ts": "1700000000.5"}, query={"key": "bad"})
    assert (await exchange(term.host, term.port, good_body)).json()["status"] == 0


@pytest.mark.asyncio
async def test_spec_profile_reads_a_json_body_and_multipart(sim_factory: SimFactory) -> None:
    term = await sim_factory()
    body = json.dumps({"key": "abc", "ts": 1700000000.25}).encode()
    raw = request_bytes("POST", "/setTime", body, {"content-type": "application/json"})
    assert (await exchange(term.host, term.port, raw)).json()["status"] == 0
    async with httpx.AsyncClient(base_url=term.base_url) as client:
        reply = await client.post(
            "/setTime", files={"key": (None, "abc"), "ts": (None, "1700000001")}
        )
    assert reply.json()["status"] == 0
    assert 1700000001 <= (await get(term, "getTime"))["data"]["ts"] < 1700000010


@pytest.mark.asyncio
async def test_time_round_trip_in_seconds(sim_factory: SimFactory) -> None:
    term = await sim_factory()
    assert (await post(term, "setTime", ts="1600000000.125"))["status"] == 0
    ts = (await get(term, "getTime"))["data"]["ts"]
    assert isinstance(ts, float)
    assert 1600000000.1 <= ts < 1600000010
    assert (await post(term, "setTime"))["status"] == 101
    assert (await post(term, "setTime", ts="soon"))["status"] == 102


@pytest.mark.asyncio
async def test_set_person_field_checks(sim_factory: SimFactory) -> None:
    term = await sim_factory()
    cases = [
        ({}, 101),
        ({"id": "1", "passCount": "many"}, 107),
        ({"id": "1", "passCount": "-1"}, 108),
        ({"id": "1", "passCount": "10001"}, 108),
        ({"id": "1", "startTs": "yesterday"}, 109),
        ({"id": "1", "startTs": "-5"}, 110),
        ({"id": "1", "endTs": "1e"}, 111),
        ({"id": "1", "endTs": "-2"}, 112),
    ]
    for fields, status in cases:
        assert (await post(term, "setPerson", **fields))["status"] == status, fields
    assert (await get(term, "listPerson"))["data"]["person"] == []


@pytest.mark.asyncio
async def test_set_person_photo_statuses(sim_factory: SimFactory) -> None:
    term = await sim_factory()
    cases = [
        (b64(as_png(frame(1))), 124),  # not a JPEG
        ("!!!!", 127),  # nothing decodes
        (b64(b"\xff\xd8\xff\xe0 not really"), 127),  # JPEG start, no frame header
        (b64(blank_jpeg(320, 240)), 105),  # wrong size
        (b64(blank_jpeg()), 106),  # no face
    ]
    for photo, status in cases:
        assert (await post(term, "setPerson", id="7", photo=photo))["status"] == status
    assert (await get(term, "getPerson", id="7"))["status"] == 126
    assert (await post(term, "setPerson", id="7", name="Ann", photo=b64(frame(1))))["status"] == 0


@pytest.mark.asyncio
async def test_person_round_trip_and_update_ignores_empty_fields(sim_factory: SimFactory) -> None:
    term = await sim_factory()
    fields = {
        "id": "007",
        "name": "Zhang San",
        "IC_NO": "7267e840",
        "ID_NO": "990307",
        "passCount": "5",
    }
    reply = await post(
        term, "setPerson", **fields, startTs="-1", endTs="1900000000.5", photo=b64(frame(2))
    )
    assert reply["status"] == 0
    assert (await post(term, "setPerson", id="007", name="", passCount="4"))["status"] == 0
    person = (await get(term, "getPerson", id="007"))["data"]
    assert person["id"] == "007"
    assert person["name"] == "Zhang San"
    assert person["IC_NO"] == "7267e840"  # the document's hex example is fine in spec
    assert person["passCount"] == 4
    assert person["startTs"] == -1
    assert person["endTs"] == 1900000000.5
    assert "\n" not in person["photo"]
    assert __import__("base64").b64decode(person["photo"]) == frame(2)
    assert (await get(term, "getPerson", id="7"))["status"] == 126
    assert (await get(term, "getPerson"))["status"] == 101
    listed = (await get(term, "listPerson"))["data"]["person"]
    assert listed == [{k: person[k] for k in person if k != "photo"}]


@pytest.mark.asyncio
async def test_person_without_window_is_unlimited_in_spec(sim_factory: SimFactory) -> None:
    term = await sim_factory()
    assert (await post(term, "setPerson", id="1", name="A"))["status"] == 0
    person = (await get(term, "getPerson", id="1"))["data"]
    assert (person["startTs"], person["endTs"], person["passCount"], person["photo"]) == (
        -1,
        -1,
        10000,
        "",
    )
    assert (await term.pass_door("1")).passed


@pytest.mark.asyncio
async def test_remove_person_forms(sim_factory: SimFactory) -> None:
    term = await sim_factory()
    for person_id in ("1", "2", "3", "4", "5"):
        assert (await post(term, "setPerson", id=person_id))["status"] == 0
    assert (await post(term, "removePerson", id="1"))["status"] == 0  # bare id: spec accepts
    assert (await post(term, "removePerson", id="[2, 3,unknown]"))["status"] == 0
    assert (await post(term, "removePerson", id='["4"]'))["status"] == 0
    assert [p["id"] for p in (await get(term, "listPerson"))["data"]["person"]] == ["5"]
    assert (await post(term, "removePerson"))["status"] == 101
    assert (await post(term, "removePerson", id="[]"))["status"] == 0
    assert (await get(term, "listPerson"))["data"]["person"] == []


@pytest.mark.asyncio
async def test_capacity_gives_128_for_new_persons_only(sim_factory: SimFactory) -> None:
    term = await sim_factory(capacity=2)
    assert (await post(term, "setPerson", id="a"))["status"] == 0
    assert (await post(term, "setPerson", id="b"))["status"] == 0
    assert (await post(term, "setPerson", id="c"))["status"] == 128
    assert (await post(term, "setPerson", id="a", name="update"))["status"] == 0


@pytest.mark.asyncio
async def test_check_reports_validity_and_existence(sim_factory: SimFactory) -> None:
    term = await sim_factory()

    async def check(photo: str) -> dict:
        reply = await post(term, "check", photo=photo)
        assert reply["status"] == 0, reply
        return reply["data"]

    assert await check(b64(frame(3))) == {"isValid": 0, "isExist": False}
    assert (await post(term, "setPerson", id="p3", photo=b64(frame(3))))["status"] == 0
    assert await check(b64(frame(3))) == {"isValid": 0, "isExist": True}
    assert await check(b64(frame(4))) == {"isValid": 0, "isExist": False}
    assert (await check(b64(blank_jpeg())))["isValid"] == 3
    assert (await check(b64(blank_jpeg(320, 240))))["isValid"] == 1
    assert (await check(b64(as_png(frame(1)))))["isValid"] == 2
    assert (await post(term, "check"))["status"] == 101
    # A stricter threshold than any real pair of photos: nobody matches.
    assert (await post(term, "setDeviceInfo", faceFeaturePairNumber="0.999"))["status"] == 0
    assert (await check(b64(frame(1))))["isExist"] is False


@pytest.mark.asyncio
async def test_records_list_after_ts_exclusive_and_remove_inclusive(
    sim_factory: SimFactory,
) -> None:
    term = await sim_factory()
    assert (await post(term, "setPerson", id="r", name="Rec"))["status"] == 0
    stamps = []
    for offset in (100.0, 200.0, 300.0):
        assert (await post(term, "setTime", ts=str(1700000000 + offset)))["status"] == 0
        outcome = await term.pass_door("r", pass_type=0)
        assert outcome.record is not None
        stamps.append(outcome.record.ts)
    first = stamps[0]
    records = (await get(term, "listRecord", ts=str(first), count="10"))["data"]["record"]
    assert [r["ts"] for r in records] == stamps[1:]
    assert records[0] == {"personID": "r", "name": "Rec", "ts": stamps[1], "passType": 0}
    assert len((await get(term, "listRecord", ts="0", count="2"))["data"]["record"]) == 2
    assert (await get(term, "listRecord", ts="0"))["status"] == 101
    assert (await get(term, "listRecord", ts="x", count="1"))["status"] == 102
    assert (await post(term, "removeRecord", ts=str(stamps[1])))["status"] == 0
    left = (await get(term, "listRecord", ts="0", count="10"))["data"]["record"]
    assert [r["ts"] for r in left] == stamps[2:]


@pytest.mark.asyncio
async def test_settings_round_trip(sim_factory: SimFactory) -> None:
    term = await sim_factory()
    change = {
        "deviceName": "1号机",
        "faceFeaturePairNumber": "0.7",
        "openDoorContinueTime": "2.5",
        "doorType": "34",
        "appFailMsg": "抱歉",
        "deviceSoundSize": "10",
    }
    assert (await post(term, "setDeviceInfo", **change))["status"] == 0
    info = (await get(term, "getDeviceInfo"))["data"]
    assert info["name"] == "1号机"
    assert info["sn"] == term.serial
    assert (info["faceFeaturePairNumber"], info["openDoorContinueTime"], info["doorType"]) == (
        0.7,
        2.5,
        34,
    )
    assert info["appFailMsg"] == "抱歉"
    assert "tipsPairFail" not in info
    assert (await post(term, "setDeviceInfo"))["status"] == 101
    assert (await post(term, "setDeviceInfo", doorType="wiegand"))["status"] == 102
    assert (await post(term, "setDeviceInfo", deviceSoundSize="101"))["status"] == 102


@pytest.mark.asyncio
async def test_upload_targets_are_checked(sim_factory: SimFactory) -> None:
    term = await sim_factory()
    assert (await post(term, "setHeartBeat", url="http://127.0.0.1:9/hb"))["status"] == 101
    assert (await post(term, "setHeartBeat", url="not a url", period="5"))["status"] == 122
    assert (await post(term, "setHeartBeat", url="http://127.0.0.1:9/hb", period="0.5"))[
        "status"
    ] == 121
    assert (await post(term, "setHeartBeat", url="http://127.0.0.1:9/hb", period="x"))[
        "status"
    ] == 102
    assert (await get(term, "getHeartBeat"))["data"] == {"url": "", "period": -1}
    assert (await post(term, "setHeartBeat", url="http://127.0.0.1:9/hb", period="30"))[
        "status"
    ] == 0
    assert (await get(term, "getHeartBeat"))["data"] == {
        "url": "http://127.0.0.1:9/hb",
        "period": 30,
    }
    assert (await post(term, "setRecordCallback"))["status"] == 101
    assert (await post(term, "setRecordCallback", url="ftp:/"))["status"] == 122
    assert (await post(term, "setRecordCallback", url="https://station.lan:8443/records"))[
        "status"
    ] == 0
    assert (await get(term, "getRecordCallback"))["data"] == {
        "url": "https://station.lan:8443/records"
    }
    assert (await post(term, "updateAPK", url="http://www.example.com/app.apk"))["status"] == 0
    assert (await post(term, "updateAPK", url="::"))["status"] == 122


@pytest.mark.asyncio
async def test_set_device_key_changes_the_key(sim_factory: SimFactory) -> None:
    term = await sim_factory()
    assert (await post(term, "setDeviceKey"))["status"] == 101
    assert (await post(term, "setDeviceKey", newKey="s3cret"))["status"] == 0
    assert (await get(term, "getTime"))["status"] == 103
    async with httpx.AsyncClient() as client:
        reply = await client.get(f"{term.base_url}/getTime", params={"key": "s3cret"})
    assert reply.json()["status"] == 0


@pytest.mark.asyncio
async def test_open_reset_and_reboot_answer(sim_factory: SimFactory) -> None:
    term = await sim_factory()
    assert (await get(term, "open"))["status"] == 0
    assert (await post(term, "open"))["status"] == 0
    assert (await post(term, "reset"))["status"] == 0
    events = [e["event"] for e in term.device.state.events]
    assert events.count("open") == 2
    assert term.device.state.records == []  # opening the door is not a pass


@pytest.mark.asyncio
async def test_photo_count_is_required_and_bounded(sim_factory: SimFactory) -> None:
    term = await sim_factory()
    for count in ("", "0", "4", "two"):
        fields = {"count": count} if count else {}
        assert (await post(term, "photo", **fields))["status"] == 102
    photos = (await post(term, "photo", count="3", tipsBefore="茄子"))["data"]["photos"]
    assert len(photos) == 3
    assert len(set(photos)) == 3


@pytest.mark.asyncio
async def test_keep_alive_serves_several_requests_on_one_connection(
    sim_factory: SimFactory,
) -> None:
    term = await sim_factory("acs-1.1.143")
    reader, writer = await asyncio.open_connection(term.host, term.port)
    try:
        for _ in range(3):
            writer.write(
                b"GET /getTime?key=abc HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\n\r\n"
            )
            reply = await asyncio.wait_for(read_reply(reader), 10)
            assert reply.headers["connection"] == "keep-alive"
            assert reply.json()["status"] == 0
        body = b"key=abc&ts=1700000000"
        writer.write(
            b"POST /setTime HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        reply = await asyncio.wait_for(read_reply(reader), 10)
        assert reply.json()["status"] == 0
        assert reply.headers["connection"] == "close"
        assert await asyncio.wait_for(reader.read(), 10) == b""  # closed after the reply
    finally:
        writer.close()

"""The firmware profiles over raw sockets: every quirk of wire-format.md, byte for byte."""

from __future__ import annotations

import asyncio
import base64
import json
from urllib.parse import urlencode

import pytest

from enroll_app.simulator import SimulatedTerminal
from enroll_app.simulator.profiles import FIRMWARE_CONTENT_TYPE
from tests.simulator.conftest import SimFactory
from tests.simulator.rawhttp import (
    Closed,
    RawReply,
    as_png,
    b64,
    blank_jpeg,
    exchange,
    form_post,
    frame,
    request_bytes,
)

ACS = "acs-1.1.143"
LEGACY = "acs-legacy-ms"
KEY = {"key": "abc"}


async def post(term: SimulatedTerminal, uri: str, **fields: str) -> RawReply:
    """Like the vendor client: `?key=abc` in the URL, fields in a form body."""
    return await exchange(term.host, term.port, form_post(uri, fields, query=KEY))


async def get(term: SimulatedTerminal, uri: str, gzip: bool = False, **params: str) -> RawReply:
    headers = {"accept-encoding": "gzip"} if gzip else {}
    target = f"/{uri}?{urlencode({**KEY, **params})}"
    return await exchange(term.host, term.port, request_bytes("GET", target, headers=headers))


async def status(reply: RawReply) -> int:
    return int(reply.json()["status"])


@pytest.mark.asyncio
async def test_firmware_reply_shape(sim_factory: SimFactory) -> None:
    term = await sim_factory(ACS)
    reply = await get(term, "getTime")
    assert reply.headers["content-type"] == FIRMWARE_CONTENT_TYPE
    assert b'"ts":1.' in reply.body
    assert b"E9" in reply.body
    assert reply.json()["msg"] == "ok"
    ok = await post(term, "setTime", ts="1545187749.123")
    assert ok.body.decode() == '{"status":0,"msg":"成功"}'  # `data` absent when empty
    zipped = await get(term, "getTime", gzip=True)
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["transfer-encoding"] == "chunked"
    assert zipped.raw_body != zipped.body
    assert 1545187749 <= zipped.json()["data"]["ts"] < 1545187760


@pytest.mark.asyncio
async def test_json_body_is_not_read(sim_factory: SimFactory) -> None:
    term = await sim_factory(ACS)
    body = json.dumps({"key": "abc", "ts": 1}).encode()
    raw = request_bytes("POST", "/setTime", body, {"content-type": "application/json"})
    assert (await exchange(term.host, term.port, raw)).json()["status"] == 103
    with_query_key = request_bytes(
        "POST", "/setTime?key=abc", body, {"content-type": "application/json"}
    )
    assert (await exchange(term.host, term.port, with_query_key)).json()["status"] == 101


@pytest.mark.asyncio
async def test_reset_is_not_routed(sim_factory: SimFactory) -> None:
    term = await sim_factory(ACS)
    reply = await post(term, "reset")
    assert reply.status == 501
    assert b"Unimplemented interface" in reply.body
    assert (await exchange(term.host, term.port, form_post("reset", {}))).json()["status"] == 103


@pytest.mark.asyncio
async def test_dropped_connections(sim_factory: SimFactory) -> None:
    term = await sim_factory(ACS)
    with pytest.raises(Closed):
        await post(term, "setPerson", id="1", photo="QUJD=")  # misplaced padding
    with pytest.raises(Closed):
        await post(term, "check", photo="Q")  # a lone trailing character
    with pytest.raises(Closed):
        await get(term, "getPerson")
    assert await status(await post(term, "setPerson", id="nophoto", startTs="-1", endTs="-1")) == 0
    with pytest.raises(Closed):
        await get(term, "getPerson", id="nophoto")
    assert await status(await get(term, "getPerson", id="nobody")) == 126
    assert await status(await get(term, "getTime")) == 0  # the terminal itself is fine


@pytest.mark.asyncio
async def test_person_quirks(sim_factory: SimFactory) -> None:
    term = await sim_factory(ACS)
    assert await status(await post(term, "setPerson", id="1", IC_NO="7267e840")) == 129
    photo = b64(frame(1))
    wrapped = "\n".join(photo[i : i + 60] for i in range(0, len(photo), 60))  # line breaks are fine
    fields = {
        "id": "001",
        "name": "a=b",
        "IC_NO": "1351148967",
        "startTs": "-1",
        "endTs": "2000000000",
    }
    assert await status(await post(term, "setPerson", **fields, photo=wrapped)) == 0
    reply = await get(term, "getPerson", id="001")
    assert b"a\\u003db" in reply.body
    person = reply.json()["data"]
    assert "ID_NO" not in person  # never set: Gson leaves the null out
    lines = person["photo"].split("\n")
    assert all(len(line) == 76 for line in lines[:-2])
    assert lines[-1] == ""
    assert base64.b64decode(person["photo"]) == frame(1)
    listed = (await get(term, "listPerson")).json()["data"]["person"][0]
    assert (listed["startTs"], listed["endTs"]) == (-0.001, 2000000.0)  # divided once more
    assert (person["startTs"], person["endTs"]) == (-1, 2000000000)


@pytest.mark.asyncio
async def test_photos_are_judged_like_the_firmware(sim_factory: SimFactory) -> None:
    term = await sim_factory(ACS)
    assert await status(await post(term, "setPerson", id="1", photo=b64(blank_jpeg()))) == 104
    assert await status(await post(term, "setPerson", id="1", photo=b64(b"not an image"))) == 104
    assert await status(await get(term, "getPerson", id="1")) == 126  # nothing was created
    # Any size and PNG decode on the terminal: a face is all it needs.
    assert await status(await post(term, "setPerson", id="1", photo=b64(as_png(frame(2))))) == 0
    undecodable = (await post(term, "check", photo=b64(b"garbage"))).json()
    assert undecodable["data"] == {"isValid": 0, "isExist": False}  # never trust check alone
    assert (await post(term, "check", photo=b64(blank_jpeg()))).json()["data"]["isValid"] == 3
    assert (await post(term, "check", photo=b64(frame(2)))).json()["data"] == {
        "isValid": 0,
        "isExist": True,
    }


@pytest.mark.asyncio
async def test_omitted_window_is_stored_as_zero_and_never_passes(sim_factory: SimFactory) -> None:
    term = await sim_factory(ACS)
    assert await status(await post(term, "setPerson", id="late", passCount="2")) == 0
    person = (await get(term, "listPerson")).json()["data"]["person"][0]
    assert (person["startTs"], person["endTs"]) == (0.0, 0.0)
    assert not (await term.pass_door("late")).passed
    assert await status(await post(term, "setPerson", id="late", startTs="-1", endTs="-1")) == 0
    assert (await term.pass_door("late")).passed
    assert (await term.pass_door("late")).passed
    refused = await term.pass_door("late")  # passCount 2 counted down to 0
    assert not refused.passed
    assert refused.reason == "no passes left"


@pytest.mark.asyncio
async def test_remove_person_splits_without_trimming(sim_factory: SimFactory) -> None:
    term = await sim_factory(ACS)
    for person_id in ("a", "b", "c"):
        assert (
            await status(await post(term, "setPerson", id=person_id, startTs="-1", endTs="-1")) == 0
        )
    assert await status(await post(term, "removePerson", id="a")) == 102
    assert await status(await post(term, "removePerson", id="[a, b]")) == 0  # " b" is unknown
    ids = [p["id"] for p in (await get(term, "listPerson")).json()["data"]["person"]]
    assert ids == ["b", "c"]
    assert await status(await post(term, "removePerson", id="[]")) == 0
    assert (await get(term, "listPerson")).json()["data"]["person"] == []


@pytest.mark.asyncio
async def test_list_record_caps_at_50_and_ignores_count(sim_factory: SimFactory) -> None:
    term = await sim_factory(ACS)
    assert await status(await post(term, "setPerson", id="r", startTs="-1", endTs="-1")) == 0
    for _ in range(60):
        assert (await term.pass_door("r")).passed
    page = (await get(term, "listRecord", ts="0", count="1000")).json()["data"]["record"]
    assert len(page) == 50
    rest = (await get(term, "listRecord", ts=repr(page[-1]["ts"]), count="1")).json()["data"][
        "record"
    ]
    assert len(rest) == 10
    assert page[0]["ts"] < page[-1]["ts"] < rest[0]["ts"]


@pytest.mark.asyncio
async def test_device_info_has_firmware_fields(sim_factory: SimFactory) -> None:
    term = await sim_factory(ACS)
    assert await status(await post(term, "setDeviceInfo", appFailMsg="不对", doorType="x")) == 107
    assert await status(await post(term, "setDeviceInfo", appFailMsg="不对")) == 0
    info = (await get(term, "getDeviceInfo")).json()["data"]
    assert info["tipsPairFail"] == "不对"
    assert "appFailMsg" not in info
    assert {"picQualityRate", "beginRecoDistance", "pairSuccessOpenDoor"} <= set(info)
    assert info["APKVersion"] == "1.1.143"


@pytest.mark.asyncio
async def test_multipart_text_is_ascii(sim_factory: SimFactory) -> None:
    term = await sim_factory(ACS)
    boundary = "XyZ"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="key"\r\n\r\nabc\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="deviceName"\r\n\r\n'
        ).encode()
        + "一号".encode()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {"content-type": f"multipart/form-data; boundary={boundary}"}
    reply = await exchange(
        term.host, term.port, request_bytes("POST", "/setDeviceInfo", body, headers)
    )
    assert reply.json()["status"] == 0
    name = (await get(term, "getDeviceInfo")).json()["data"]["name"]
    assert name != "一号"
    assert "\ufffd" in name


@pytest.mark.asyncio
async def test_legacy_profile_speaks_milliseconds(sim_factory: SimFactory) -> None:
    term = await sim_factory(LEGACY)
    assert await status(await post(term, "setTime", ts="1545187749123")) == 0
    assert await status(await post(term, "setTime", ts="1545187749.5")) == 102
    ts = (await get(term, "getTime")).json()["data"]["ts"]
    assert isinstance(ts, int)
    assert ts > 1e11
    assert await status(await post(term, "setPerson", id="p", startTs="-1")) == 110
    assert await status(await post(term, "setPerson", id="p", endTs="-1")) == 112
    assert await status(await post(term, "setPerson", id="p", passCount="20000")) == 0  # no cap
    assert (await term.pass_door("p")).passed  # the old defaults: 1973 .. 5138
    record = (await get(term, "listRecord", ts="0", count="5")).json()["data"]["record"][0]
    assert isinstance(record["ts"], int)
    assert record["ts"] >= 1545187749123
    assert await status(await post(term, "removeRecord", ts=str(record["ts"] - 1))) == 0
    assert len((await get(term, "listRecord", ts="0", count="5")).json()["data"]["record"]) == 1
    assert await status(await post(term, "removeRecord", ts="-5")) == 102
    assert await status(await post(term, "removeRecord", ts=str(record["ts"]))) == 0
    assert (await get(term, "listRecord", ts="0", count="5")).json()["data"]["record"] == []
    assert (
        await status(await post(term, "setHeartBeat", url="http://127.0.0.1:9/", period="10.0"))
        == 102
    )
    assert await status(await post(term, "setDeviceKey", newKey="k2")) == 101  # wants oldKey
    assert await status(await post(term, "setDeviceKey", newKey="k2", oldKey="abc")) == 0


@pytest.mark.asyncio
async def test_empty_id_is_not_found_and_head_has_no_body(sim_factory: SimFactory) -> None:
    term = await sim_factory(ACS)
    assert await status(await get(term, "getPerson", id="")) == 126
    head = request_bytes("HEAD", "/getTime?key=abc").replace(b"close", b"keep-alive")
    reader, writer = await asyncio.open_connection(term.host, term.port)
    writer.write(head + request_bytes("GET", "/getTime?key=abc"))
    data = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    first, _, rest = data.partition(b"\r\n\r\n")
    assert first.startswith(b"HTTP/1.1 405")
    assert rest.startswith(b"HTTP/1.1 200")  # no body after the HEAD reply's headers

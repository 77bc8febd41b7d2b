"""The upload receiver: heartbeats and records over real sockets, duplicates, limits, garbage."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import httpx
import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enroll_app.terminal.receiver import (
    MAX_HEARTBEAT_BYTES,
    MAX_RECORD_BYTES,
    UploadReceiver,
    UploadRejected,
    parse_form,
    parse_heartbeat,
    parse_record,
    station_address_for,
)
from enroll_app.terminal.records import Heartbeat, PassRecord

FORM = "application/x-www-form-urlencoded"
SN = "0123456789abcdef"


@dataclass
class Inbox:
    """What the receiver handed on; `fail_next` makes the next store fail like a full disk."""

    heartbeats: list[tuple[Heartbeat, str]] = field(default_factory=list)
    records: list[PassRecord] = field(default_factory=list)
    fail_next: bool = False

    def heartbeat(self, heartbeat: Heartbeat, peer: str) -> None:
        self.heartbeats.append((heartbeat, peer))

    async def record(self, record: PassRecord) -> None:
        if self.fail_next:
            self.fail_next = False
            raise OSError("disk full")
        self.records.append(record)


@pytest_asyncio.fixture
async def inbox_and_receiver() -> AsyncIterator[tuple[Inbox, UploadReceiver, httpx.AsyncClient]]:
    inbox = Inbox()
    receiver = UploadReceiver(inbox.heartbeat, inbox.record, host="127.0.0.1", port=0)
    async with receiver, httpx.AsyncClient(base_url=f"http://127.0.0.1:{receiver.port}") as http:
        yield inbox, receiver, http


def _record(**extra: str) -> dict[str, str]:
    photo = base64.encodebytes(b"\xff\xd8jpeg bytes" * 20).decode()  # line breaks, as sent
    return {
        "deviceSn": SN,
        "personID": "007",
        "ts": "1.545187749123E9",
        "passType": "0",
        "photo": photo,
        **extra,
    }


@pytest.mark.asyncio
async def test_record_is_stored_then_acknowledged_once(
    inbox_and_receiver: tuple[Inbox, UploadReceiver, httpx.AsyncClient],
) -> None:
    inbox, receiver, http = inbox_and_receiver
    for _ in range(3):  # the terminal re-sends pending records at every pass
        reply = await http.post("/record", data=_record())
        assert reply.json() == {"status": 0, "msg": "ok"}
    assert len(inbox.records) == 1
    record = inbox.records[0]
    assert (record.device_sn, record.person_id, record.ts) == (SN, "007", 1545187749.123)
    assert record.photo == b"\xff\xd8jpeg bytes" * 20
    assert receiver.stats.records == 1
    assert receiver.stats.duplicates == 2


@pytest.mark.asyncio
async def test_later_firmware_spelling_and_name(
    inbox_and_receiver: tuple[Inbox, UploadReceiver, httpx.AsyncClient],
) -> None:
    inbox, _, http = inbox_and_receiver
    reply = await http.post(
        "/record/",
        data={"deviceSn": SN, "personId": "0042", "ts": "1700000000.5", "name": "王小明"},
    )
    assert reply.json()["status"] == 0
    assert inbox.records[0].person_id == "0042"
    assert inbox.records[0].name == "王小明"


@pytest.mark.asyncio
async def test_record_not_stored_is_not_acknowledged(
    inbox_and_receiver: tuple[Inbox, UploadReceiver, httpx.AsyncClient],
) -> None:
    inbox, _, http = inbox_and_receiver
    inbox.fail_next = True
    reply = await http.post("/record", data=_record())
    assert reply.json()["status"] != 0  # the terminal keeps it and sends it again
    reply = await http.post("/record", data=_record())
    assert reply.json()["status"] == 0
    assert len(inbox.records) == 1


@pytest.mark.asyncio
async def test_damaged_photo_keeps_the_pass(
    inbox_and_receiver: tuple[Inbox, UploadReceiver, httpx.AsyncClient],
) -> None:
    inbox, _, http = inbox_and_receiver
    reply = await http.post("/record", data=_record(photo="A"))
    assert reply.json()["status"] == 0
    assert inbox.records[0].photo is None


@pytest.mark.asyncio
async def test_heartbeat_is_handed_on_with_its_sender(
    inbox_and_receiver: tuple[Inbox, UploadReceiver, httpx.AsyncClient],
) -> None:
    inbox, _, http = inbox_and_receiver
    reply = await http.post(
        "/heartbeat",
        data={
            "deviceSn": SN,
            "deviceElapsedRealtime": "12.5",
            "deviceAppVersion": "1.1.143",
            "deviceIpAddress": "127.0.0.9",
            "deviceRomSize": "1234.56MB",
        },
    )
    assert reply.json() == {"status": 0, "msg": "ok"}
    heartbeat, peer = inbox.heartbeats[0]
    assert (heartbeat.device_sn, heartbeat.app_version, heartbeat.ip_address) == (
        SN,
        "1.1.143",
        "127.0.0.9",
    )
    assert peer == "127.0.0.1"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "case",
    [
        ("GET", "/record", b"", {}, 405, 100),
        ("POST", "/elsewhere", b"deviceSn=x", {"Content-Type": FORM}, 404, 100),
        ("POST", "/record", b'{"deviceSn": "x"}', {"Content-Type": "application/json"}, 400, 102),
        ("POST", "/record", b"personID=1&ts=1", {"Content-Type": FORM}, 400, 101),
        ("POST", "/record", b"deviceSn=a&ts=1", {"Content-Type": FORM}, 400, 101),
        ("POST", "/record", b"deviceSn=a&personID=1&ts=soon", {"Content-Type": FORM}, 400, 102),
        ("POST", "/record", b"deviceSn=a&personID=1&ts=nan", {"Content-Type": FORM}, 400, 102),
        ("POST", "/heartbeat", b"deviceElapsedRealtime=3", {"Content-Type": FORM}, 400, 101),
        (
            "POST",
            "/heartbeat",
            b"&".join([b"f%d=1" % i for i in range(100)]),
            {"Content-Type": FORM},
            400,
            102,
        ),
        ("POST", "/heartbeat", b"deviceSn=" + b"x" * 500, {"Content-Type": FORM}, 400, 102),
        (
            "POST",
            "/heartbeat",
            b"deviceSn=a&x=" + b"y" * MAX_HEARTBEAT_BYTES,
            {"Content-Type": FORM},
            413,
            102,
        ),
    ],
)
async def test_bad_uploads_get_a_clean_refusal(
    inbox_and_receiver: tuple[Inbox, UploadReceiver, httpx.AsyncClient],
    case: tuple[str, str, bytes, dict[str, str], int, int],
) -> None:
    method, path, content, headers, http_status, status = case
    inbox, receiver, http = inbox_and_receiver
    reply = await http.request(method, path, content=content, headers=headers)
    assert (reply.status_code, reply.json()["status"]) == (http_status, status)
    assert inbox.records == []
    assert inbox.heartbeats == []
    assert receiver.stats.rejected == 1


@pytest.mark.asyncio
async def test_oversized_record_refused_even_when_chunked(
    inbox_and_receiver: tuple[Inbox, UploadReceiver, httpx.AsyncClient],
) -> None:
    inbox, _, http = inbox_and_receiver

    async def body() -> AsyncIterator[bytes]:
        yield b"deviceSn=a&personID=1&ts=1&photo="
        for _ in range(MAX_RECORD_BYTES // 65536 + 2):
            yield b"A" * 65536

    reply = await http.post("/record", content=body(), headers={"Content-Type": FORM})
    assert reply.status_code == 413
    assert inbox.records == []


@pytest.mark.asyncio
async def test_raw_garbage_on_the_socket_does_not_stop_the_server(
    inbox_and_receiver: tuple[Inbox, UploadReceiver, httpx.AsyncClient],
) -> None:
    inbox, receiver, http = inbox_and_receiver
    for garbage in (
        b"\x00\xff" * 100 + b"\r\n\r\n",
        b"POST /record HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
        b"GARBAGE\r\n\r\n",
    ):
        reader, writer = await asyncio.open_connection("127.0.0.1", receiver.port)
        writer.write(garbage)
        await writer.drain()
        await asyncio.wait_for(reader.read(), 5)
        writer.close()
        await writer.wait_closed()
    reply = await http.post("/record", data=_record())
    assert reply.json()["status"] == 0
    assert len(inbox.records) == 1


@pytest.mark.asyncio
async def test_port_in_use_is_reported_plainly() -> None:
    inbox = Inbox()
    async with UploadReceiver(inbox.heartbeat, inbox.record, host="127.0.0.1", port=0) as first:
        second = UploadReceiver(inbox.heartbeat, inbox.record, host="127.0.0.1", port=first.port)
        with pytest.raises(OSError, match=f"cannot listen on port {first.port}"):
            await second.start()
        assert not second.running
        assert first.urls("127.0.0.1") == (
            f"http://127.0.0.1:{first.port}/heartbeat",
            f"http://127.0.0.1:{first.port}/record",
        )


def test_station_address_for_loopback() -> None:
    assert station_address_for("127.0.0.7") == "127.0.0.1"


# ---- fuzz --------------------------------------------------------------------------------------

_names = st.sampled_from(
    [
        "deviceSn",
        "personID",
        "personId",
        "ts",
        "passType",
        "photo",
        "name",
        "deviceIpAddress",
        "deviceElapsedRealtime",
        "zzz",
    ]
)
_forms = st.dictionaries(_names, st.text(max_size=60))


@given(
    body=st.binary(max_size=400),
    content_type=st.sampled_from([FORM, FORM + "; charset=UTF-8", "text/plain", ""]),
)
def test_parse_form_accepts_or_refuses_any_bytes(body: bytes, content_type: str) -> None:
    try:
        form = parse_form(body, content_type)
    except UploadRejected as exc:
        form = {"refused": str(exc.status)}
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in form.items())
    assert form.get("refused") in (None, "101", "102")


def _parse_outcome(parse: Callable[[dict[str, str]], object], form: dict[str, str]) -> str | int:
    try:
        parsed = parse(form)
    except UploadRejected as exc:
        return exc.status
    sn = getattr(parsed, "device_sn", "")
    return "parsed" if sn.strip() else "parsed without a serial"


@given(form=_forms)
def test_parsers_accept_or_refuse_any_form(form: dict[str, str]) -> None:
    for parse in (parse_record, parse_heartbeat):
        assert _parse_outcome(parse, form) in ("parsed", 101, 102)


@pytest.mark.asyncio
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.sampled_from(["/record", "/heartbeat", "/x"]),
    body=st.binary(max_size=300)
    | _forms.map(lambda f: "&".join(f"{k}={v}" for k, v in f.items()).encode()),
)
async def test_fuzzed_uploads_always_get_json(
    inbox_and_receiver: tuple[Inbox, UploadReceiver, httpx.AsyncClient], path: str, body: bytes
) -> None:
    _, _, http = inbox_and_receiver
    reply = await http.post(path, content=body, headers={"Content-Type": FORM})
    payload = reply.json()
    assert isinstance(payload["status"], int)
    assert (payload["status"] == 0) == (reply.status_code == 200)


@pytest.mark.asyncio
async def test_cancelled_while_binding_leaves_no_port_open() -> None:
    inbox = Inbox()
    receiver = UploadReceiver(inbox.heartbeat, inbox.record, host="127.0.0.1", port=0)
    starting = asyncio.ensure_future(receiver.start())
    await asyncio.sleep(0)  # inside the bind
    starting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await starting
    assert not receiver.running
    assert receiver.port != 0  # it had bound a real port before closing it
    again = UploadReceiver(inbox.heartbeat, inbox.record, host="127.0.0.1", port=receiver.port)
    async with again:  # the port was released
        assert again.running

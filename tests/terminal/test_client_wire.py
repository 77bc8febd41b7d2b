"""TerminalClient against a scripted raw terminal on 127.0.0.1: exact bytes out, odd bytes in."""

from __future__ import annotations

import asyncio
import base64
import gzip
import logging
import socket

import pytest
from enroll_photos import fit_640x480
from scripted_terminal import DROP, HANG, ScriptedTerminal, by_path, http_reply, json_reply

from enroll_app.terminal.client import TerminalClient
from enroll_app.terminal.errors import (
    InvalidInput,
    KeyRejected,
    PersonNotFound,
    ProtocolError,
    TerminalError,
    TerminalFull,
    TerminalTimeout,
    TerminalUnreachable,
)
from enroll_app.terminal.records import Person

OK = json_reply({"status": 0, "msg": "ok"})
SECRET = "s3cr+t&key"


def client(term: ScriptedTerminal, **kw: float) -> TerminalClient:
    return TerminalClient("127.0.0.1", term.port, SECRET, **kw)  # type: ignore[arg-type]


@pytest.mark.asyncio
async def test_set_person_is_a_form_post_with_key_in_query_and_body() -> None:
    photo = fit_640x480()
    async with ScriptedTerminal(script=by_path({"/setPerson": OK})) as term, client(term) as c:
        await c.set_person(Person("007", name="张三 Zhang", ic_no="1919412288", photo=photo))
    probe, req = term.requests
    assert probe.path == "/getTime"  # seconds or milliseconds firmware?
    assert (req.method, req.path) == ("POST", "/setPerson")
    assert req.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert int(req.headers["content-length"]) == len(req.body)
    assert "transfer-encoding" not in req.headers
    assert req.query == {"key": SECRET}
    form = req.form
    assert form["key"] == SECRET
    assert form["id"] == "007"
    assert form["name"] == "张三 Zhang"
    assert form["IC_NO"] == "1919412288"
    assert (form["startTs"], form["endTs"], form["passCount"]) == ("-1", "-1", "10000")
    assert base64.b64decode(form["photo"], validate=True) == photo  # raw base64, no data: prefix
    assert b"%2B" in req.body or b"+" not in base64.b64encode(photo)  # '+' travels encoded
    assert not req.body.lstrip().startswith(b"{")


@pytest.mark.asyncio
async def test_get_sends_everything_in_the_query_and_no_body() -> None:
    reply = json_reply({"status": 0, "data": {"id": "0042", "name": "A", "startTs": -1}})
    async with ScriptedTerminal(script=by_path({"/getPerson": reply})) as term, client(term) as c:
        person = await c.get_person("0042")
    req = term.requests[-1]
    assert (req.method, req.path, req.body) == ("GET", "/getPerson", b"")
    assert req.query == {"key": SECRET, "id": "0042"}
    assert person.id == "0042"  # leading zeros kept
    assert person.photo is None


@pytest.mark.asyncio
async def test_remove_person_list_has_no_spaces_or_quotes() -> None:
    async with ScriptedTerminal([OK]) as term, client(term) as c:
        await c.remove_persons(["a1", "007", "x"])
    assert term.requests[0].form["id"] == "[a1,007,x]"


@pytest.mark.asyncio
async def test_empty_remove_list_is_refused_before_sending() -> None:
    async with ScriptedTerminal([OK]) as term, client(term) as c:
        with pytest.raises(InvalidInput, match="everyone"):
            await c.remove_persons([])
        assert term.requests == []
        await c.remove_all_persons()
    assert term.requests[0].form["id"] == "[]"


@pytest.mark.asyncio
async def test_remove_all_is_never_retried() -> None:
    async with ScriptedTerminal([DROP]) as term, client(term) as c:
        with pytest.raises(TerminalUnreachable):
            await c.remove_all_persons()
    assert len(term.requests) == 1


@pytest.mark.asyncio
async def test_hex_card_and_window_are_sent_as_the_firmware_wants() -> None:
    from enroll_app.terminal.validation import card_from_hex

    async with ScriptedTerminal(script=by_path({"/setPerson": OK})) as term, client(term) as c:
        await c.set_person(
            Person("1", ic_no=card_from_hex("7267e840"), start_ts=1700000000, end_ts=1700003600.5)
        )
    form = term.requests[-1].form
    assert form["IC_NO"] == str(0x7267E840)
    assert (form["startTs"], form["endTs"]) == ("1700000000", "1700003600.5")


@pytest.mark.asyncio
async def test_replies_real_terminals_send_are_understood() -> None:
    device = json_reply(
        {
            "status": "0",
            "msg": "成功",
            "data": {"sn": "f269bb519fe282c5", "name": "1号机", "tipsPairFail": "抱歉"},
        },
        gzipped=True,
    )
    exponent = http_reply('{"status":0.0,"msg":"ok","data":{"ts":1.545187749123E9}}')
    async with ScriptedTerminal([device, exponent]) as term, client(term) as c:
        info = await c.get_device_info()
        ts = await c.get_time()
    assert (info.sn, info.name, info.fail_msg) == ("f269bb519fe282c5", "1号机", "抱歉")
    assert ts == pytest.approx(1545187749.123)


@pytest.mark.asyncio
async def test_photo_with_line_breaks_and_escaped_equals() -> None:
    photo = fit_640x480()
    text = base64.encodebytes(photo).decode().replace("=", "\\u003d")  # \n every 76 chars
    body = '{"status":0,"data":{"id":"1","photo":"' + text.replace("\n", "\\n") + '"}}'
    script = by_path({"/getPerson": http_reply(body)})
    async with ScriptedTerminal(script=script) as term, client(term) as c:
        person = await c.get_person("1")
    assert person.photo == photo


@pytest.mark.asyncio
async def test_missing_data_is_an_empty_result() -> None:
    async with (
        ScriptedTerminal([json_reply({"status": 0, "msg": "ok"})]) as term,
        client(term) as c,
    ):
        assert await c.list_persons() == []
        assert await c.get_record_callback() == ""


@pytest.mark.parametrize(
    ("status", "error"),
    [(103, KeyRejected), (126, PersonNotFound), (128, TerminalFull)],
)
@pytest.mark.asyncio
async def test_status_codes_become_typed_errors(status: int, error: type[TerminalError]) -> None:
    script = by_path({"/getPerson": json_reply({"status": status, "msg": "x"})})
    async with ScriptedTerminal(script=script) as term, client(term) as c:
        with pytest.raises(error) as caught:
            await c.get_person("9")
    assert caught.value.status == status
    assert caught.value.endpoint == "getPerson"
    assert caught.value.operator_text
    assert caught.value.zh != caught.value.operator_text


@pytest.mark.asyncio
async def test_html_501_and_405_pages_are_protocol_errors() -> None:
    page = "<html><body><h1>Not Implemented</h1></body></html>"
    replies = [http_reply(page, "501 Not Implemented", "text/html"), http_reply(page, "405 No")]
    async with ScriptedTerminal(replies) as term, client(term) as c:
        with pytest.raises(ProtocolError, match="does not know"):
            await c.reset()
        with pytest.raises(ProtocolError, match="method"):
            await c.reset()


@pytest.mark.parametrize(
    "reply",
    [
        b"garbage\r\n\r\n",
        http_reply("not json at all"),
        http_reply("[1,2]"),
        http_reply('{"msg":"no status"}'),
        http_reply('{"status":"zero"}'),
        http_reply('{"status":0,"data":{"ts":"soon"}}'),
        http_reply(gzip.compress(b"{")[:10]),
        http_reply(""),
    ],
)
@pytest.mark.asyncio
async def test_garbage_is_a_protocol_error(reply: bytes) -> None:
    async with ScriptedTerminal([reply]) as term, client(term) as c:
        with pytest.raises(ProtocolError) as caught:
            await c.get_time()
    assert caught.value.endpoint == "getTime"


@pytest.mark.asyncio
async def test_dropped_connection_on_read_is_retried_then_unreachable() -> None:
    async with ScriptedTerminal([DROP]) as term, client(term) as c:
        with pytest.raises(TerminalUnreachable) as caught:
            await c.get_time()
    assert len(term.requests) == 3  # one try and two retries
    assert SECRET not in str(caught.value)


@pytest.mark.asyncio
async def test_a_retry_recovers_from_one_drop() -> None:
    ts = json_reply({"status": 0, "data": {"ts": 1700000000.0}})
    async with ScriptedTerminal([DROP, ts]) as term, client(term) as c:
        assert await c.get_time() == 1700000000.0
    assert len(term.requests) == 2


@pytest.mark.asyncio
async def test_dropped_get_person_is_a_protocol_error() -> None:
    async with ScriptedTerminal(script=by_path({"/getPerson": DROP})) as term, client(term) as c:
        with pytest.raises(ProtocolError, match="without a photo"):
            await c.get_person("no-photo")


@pytest.mark.asyncio
async def test_open_and_reboot_are_never_retried() -> None:
    async with ScriptedTerminal([DROP]) as term, client(term) as c:
        with pytest.raises(TerminalUnreachable):
            await c.open_door()
        with pytest.raises(TerminalUnreachable):
            await c.reboot()
    assert [r.path for r in term.requests] == ["/open", "/reboot"]


@pytest.mark.asyncio
async def test_silence_is_a_timeout() -> None:
    async with ScriptedTerminal([HANG]) as term, client(term, timeout=0.3) as c:
        with pytest.raises(TerminalTimeout, match=r"0\.3 s"):
            await c.get_device_info()
    assert len(term.requests) == 1  # a timeout is not retried


@pytest.mark.asyncio
async def test_refused_connection_is_unreachable_and_names_no_key() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connection refused
        async with TerminalClient("127.0.0.1", port, SECRET) as c:
            with pytest.raises(TerminalUnreachable) as caught:
                await c.get_time()
    text = f"{caught.value} {caught.value.detail} {caught.value.zh}"
    assert SECRET not in text
    assert "key=" not in text or "key=***" in text
    assert caught.value.status is None


@pytest.mark.asyncio
async def test_millisecond_firmware_is_detected_and_converted() -> None:
    def script(req: object) -> bytes:
        path = getattr(req, "path", "")
        if path == "/getTime":
            return json_reply({"status": 0, "data": {"ts": 1545187749123}})
        if path == "/listRecord":
            return json_reply(
                {"status": 0, "data": {"record": [{"personID": "1", "ts": 1545187750500.0}]}}
            )
        return OK

    async with ScriptedTerminal(script=script) as term, client(term) as c:
        assert await c.get_time() == pytest.approx(1545187749.123)
        assert await c.uses_milliseconds()
        await c.set_time(1545187800.25)
        records = await c.list_records(since=1545187700)
        await c.remove_records(1545187760)
        await c.set_person(Person("1", start_ts=1545187700, end_ts=-1))
    sent = {r.path: r.params for r in term.requests}
    assert sent["/setTime"]["ts"] == "1545187800250"
    assert sent["/listRecord"]["ts"] == "1545187700000"
    assert sent["/removeRecord"]["ts"] == "1545187760000"
    assert sent["/setPerson"]["startTs"] == "1545187700"  # windows stay seconds
    assert sent["/setPerson"]["endTs"] == "99999999999"  # it refuses -1: its own default
    assert records[0].ts == pytest.approx(1545187750.5)
    assert [r.path for r in term.requests].count("/getTime") == 1  # probed once


@pytest.mark.asyncio
async def test_list_records_pages_past_the_50_record_cap() -> None:
    records = [{"personID": str(i), "ts": 1000.0 + i // 2, "passType": 0} for i in range(120)]

    def script(req: object) -> bytes:
        params = getattr(req, "params", {})
        if getattr(req, "path", "") == "/getTime":
            return json_reply({"status": 0, "data": {"ts": 1700000000.0}})
        after = [r for r in records if float(r["ts"]) > float(params["ts"])][:50]
        return json_reply({"status": 0, "data": {"record": after}})

    async with ScriptedTerminal(script=script) as term, client(term) as c:
        got = await c.list_records(since=0)
        first_60 = await c.list_records(since=0, count=60)
    assert [r.person_id for r in got] == [str(i) for i in range(120)]
    assert [r.person_id for r in first_60] == [str(i) for i in range(60)]
    pages = [r for r in term.requests if r.path == "/listRecord"]
    assert all(r.params["count"] == "50" for r in pages)


@pytest.mark.asyncio
async def test_photo_calls_are_serialised_per_terminal() -> None:
    photo = fit_640x480()
    ok_check = json_reply({"status": 0, "data": {"isValid": 0, "isExist": False}})
    term = ScriptedTerminal([ok_check], work_s=0.05)
    async with term, client(term) as a, client(term) as b:
        await asyncio.gather(*(c.check(photo) for c in (a, b, a, b)))
        assert term.max_in_flight == 1
        await asyncio.gather(*(c.get_heartbeat() for c in (a, b, a, b)))
    assert term.max_in_flight > 1  # plain reads still overlap


@pytest.mark.asyncio
async def test_set_device_key_switches_the_client_to_the_new_key() -> None:
    ts = json_reply({"status": 0, "data": {"ts": 1.0}})
    async with ScriptedTerminal([OK, ts]) as term, client(term) as c:
        await c.set_device_key("n3w")
        await c.get_time()
    assert term.requests[0].params == {"key": SECRET, "newKey": "n3w", "oldKey": SECRET}
    assert term.requests[1].query["key"] == "n3w"


@pytest.mark.asyncio
async def test_keys_never_reach_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    ts = json_reply({"status": 0, "data": {"ts": 1.0}})
    term = ScriptedTerminal([DROP, ts, OK])
    async with term, TerminalClient("127.0.0.1", term.port, "plainsecret") as c:
        await c.get_time()
        await c.set_device_key("n3w-secret")
    assert "getTime?key=***" in caplog.text  # httpx did log the request URLs
    assert "plainsecret" not in caplog.text
    assert "n3w-secret" not in caplog.text


@pytest.mark.asyncio
async def test_raw_remove_everyone_is_not_retried_either() -> None:
    async with ScriptedTerminal([DROP]) as term, client(term) as c:
        with pytest.raises(TerminalUnreachable):
            await c.call("removePerson", {"id": "[]"})
        with pytest.raises(TerminalUnreachable):
            await c.call("removePerson", {"id": "[1]"})
    assert len(term.requests) == 1 + 3

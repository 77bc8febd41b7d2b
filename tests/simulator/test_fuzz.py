"""Hypothesis against the request parser and the whole server: no input crashes it.

Garbage gets a clean HTTP status (400, 405, 413, 431, 501, or 200 with a JSON status) or a
closed connection; the terminal keeps answering afterwards and logs no simulator bug.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enroll_app.simulator import SimConfig, SimulatedTerminal
from enroll_app.simulator.faces import jpeg_size
from enroll_app.simulator.http import HttpError, parse_head, read_request
from enroll_app.simulator.numbers import java_double, java_long
from enroll_app.simulator.urls import url_looks_valid
from enroll_app.simulator.wire import (
    BadBase64,
    decode_base64,
    decode_form,
    decode_multipart,
    encode_json,
)
from tests.simulator.rawhttp import b64, frame

CLEAN_HTTP = {200, 400, 405, 413, 431, 501}
# Not fuzzed over the socket: reboot (goes away), setDeviceKey (locks the fuzzer out), and the
# upload targets (a URL that happens to look valid would make the terminal call out).
URIS = [
    "setDeviceInfo", "getDeviceInfo", "setTime", "getTime", "setPerson", "getPerson",
    "listPerson", "removePerson", "listRecord", "removeRecord", "getRecordCallback",
    "open", "getHeartBeat", "check", "photo", "reset", "setPassConfig", "getPassConfig",
    "setVisitorConfig", "getVisitorConfig", "nothing", "",
]  # fmt: skip
PARAMS = ["key", "id", "name", "IC_NO", "ID_NO", "photo", "passCount", "startTs", "endTs",
          "ts", "count", "faceFeaturePairNumber", "deviceSoundSize", "doorType", "newKey",
          "passType", "faceRate", "passValue", "deviceName"]  # fmt: skip
CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=UTF-8",
    "multipart/form-data; boundary=b",
    "multipart/form-data",
    "application/json",
    "text/plain",
    "",
]


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module", params=["acs-1.1.143", "spec"])
def live_terminal(request: pytest.FixtureRequest) -> Iterator[tuple[SimulatedTerminal, _Errors]]:
    """One terminal per profile on its own loop thread, shared by the socket fuzz tests."""
    errors = _Errors()
    logger = logging.getLogger("enroll_app.simulator")
    logger.addHandler(errors)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    with tempfile.TemporaryDirectory() as folder:
        config = SimConfig(port=0, data_dir=Path(folder), profile=request.param, capacity=50)
        term = SimulatedTerminal(config)
        asyncio.run_coroutine_threadsafe(term.start(), loop).result(10)
        try:
            yield term, errors
        finally:
            asyncio.run_coroutine_threadsafe(term.stop(), loop).result(10)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
            loop.close()
            logger.removeHandler(errors)


def send(term: SimulatedTerminal, data: bytes) -> bytes:
    """Send raw bytes, half-close, read until the server closes; b'' when dropped."""
    with socket.create_connection((term.host, term.port), timeout=20) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may close first (head too large): what it said still counts
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except ConnectionResetError:
            pass
    return b"".join(chunks)


def assert_clean(reply: bytes) -> None:
    """Every reply on the connection is a clean HTTP status; JSON bodies carry a status."""
    if not reply:
        return  # a dropped connection is allowed
    assert reply.startswith(b"HTTP/1.1 "), reply[:80]
    code = int(reply[9:12])
    assert code in CLEAN_HTTP, reply[:200]
    head, _, body = reply.partition(b"\r\n\r\n")
    if code == 200 and b"Content-Length" in head and b"Connection: close" in head:
        assert isinstance(json.loads(body)["status"], int)


def terminal_still_answers(term: SimulatedTerminal) -> None:
    reply = send(term, b"GET /getTime?key=abc HTTP/1.1\r\nConnection: close\r\n\r\n")
    assert b'"status":0' in reply


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=3000))
def test_raw_garbage_over_the_socket(
    live_terminal: tuple[SimulatedTerminal, _Errors], data: bytes
) -> None:
    term, errors = live_terminal
    assert_clean(send(term, data))
    assert errors.records == []


def _path(uri: str, upper: bool, slash: bool) -> str:
    text = uri.upper() if upper else uri
    return "/" + quote(text) + ("/" if slash else "")


FRAME_B64 = b64(frame(1))
values = st.text(max_size=30) | st.sampled_from(
    ["", "-1", "0", "3", "10000", "1700000000.5", "1e99", "[a,b]", "[]", "abc", FRAME_B64]
)
params = st.dictionaries(st.sampled_from(PARAMS), values, max_size=6)


@st.composite
def requests(draw: st.DrawFn) -> bytes:
    """Mostly well-formed calls (the URI's own method, key=abc), so the handlers see the odd
    values, not only the router; sometimes a wrong method, odd headers or a raw body."""
    uri = draw(
        st.sampled_from(URIS) | st.sampled_from(URIS) | st.sampled_from(URIS) | st.text(max_size=20)
    )
    natural = "GET" if uri.lower().startswith(("get", "list")) else "POST"
    method = draw(st.sampled_from([natural] * 5 + ["GET", "POST", "PUT", "HEAD", "G3T"]))
    query = {"key": "abc", **draw(st.dictionaries(st.sampled_from(PARAMS), values, max_size=3))}
    body = draw(
        params.map(lambda d: urlencode(d).encode())
        | params.map(lambda d: json.dumps(d).encode())
        | st.binary(max_size=500)
    )
    ctype = draw(st.sampled_from(CONTENT_TYPES))
    extra = draw(
        st.sampled_from(
            ["", "", "Accept-Encoding: gzip\r\n", "Transfer-Encoding: chunked\r\n", "X: \x01\r\n"]
        )
    )
    path = _path(uri, draw(st.booleans()), draw(st.booleans()))
    head = (
        f"{method} {path}?{urlencode(query)} HTTP/1.1\r\nContent-Type: {ctype}\r\n"
        f"Content-Length: {len(body)}\r\n{extra}Connection: close\r\n\r\n"
    )
    return head.encode("utf-8", "replace") + body


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(request=requests())
def test_structured_requests_over_the_socket(
    live_terminal: tuple[SimulatedTerminal, _Errors], request: bytes
) -> None:
    term, errors = live_terminal
    assert_clean(send(term, request))
    assert errors.records == []


def test_terminal_survives_the_fuzzing(live_terminal: tuple[SimulatedTerminal, _Errors]) -> None:
    term, errors = live_terminal
    terminal_still_answers(term)
    assert errors.records == []


def test_oversized_head_gets_431(live_terminal: tuple[SimulatedTerminal, _Errors]) -> None:
    term, _ = live_terminal
    reply = send(term, b"GET /getTime?key=abc&x=" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 431")


# -- the pure parsers ------------------------------------------------------------------------


@given(st.binary(max_size=2000))
def test_parse_head_returns_a_request_or_http_error(head: bytes) -> None:
    try:
        request = parse_head(head)
    except HttpError as exc:
        status = exc.status
    else:
        status = 0
        assert request.method
        assert request.target.startswith("/")
    assert status in {0, 400}


@given(st.binary(max_size=4000))
def test_stream_reader_never_escapes_with_other_errors(data: bytes) -> None:
    async def read() -> int:
        reader = asyncio.StreamReader()
        reader.feed_data(data)
        reader.feed_eof()
        try:
            while await read_request(reader) is not None:
                pass
        except HttpError as exc:
            return exc.status
        return 0

    assert asyncio.run(read()) in {0, 400, 413, 431}


@given(st.text(max_size=300))
def test_base64_decoder_only_raises_bad_base64(text: str) -> None:
    with contextlib.suppress(BadBase64):
        decode_base64(text)


@given(st.binary(max_size=300))
def test_base64_of_any_bytes_round_trips_with_line_breaks(data: bytes) -> None:
    import base64

    text = base64.encodebytes(data).decode()  # \n every 76, like the firmware's output
    assert decode_base64(text) == data


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
def test_gson_style_json_reads_back_as_the_same_value(value: object) -> None:
    assert json.loads(encode_json(value, java=True)) == value
    assert json.loads(encode_json(value, java=False)) == value


@given(st.text(max_size=200))
def test_form_and_number_parsers_total(text: str) -> None:
    decode_form(text)
    decode_multipart(text.encode("utf-8", "replace"), "multipart/form-data; boundary=" + text[:10])
    java_double(text)
    java_long(text)
    url_looks_valid(text)


@given(st.binary(max_size=500))
def test_jpeg_size_is_total(data: bytes) -> None:
    size = jpeg_size(data)
    assert size is None or (size[0] >= 0 and size[1] >= 0)

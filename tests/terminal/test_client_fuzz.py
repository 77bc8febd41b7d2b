"""Whatever bytes come back over a real socket, a client call ends in a result or a typed error."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scripted_terminal import ScriptedTerminal, http_reply

from enroll_app.terminal.client import TerminalClient
from enroll_app.terminal.errors import TerminalError

HEADS = [
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 3\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
    b"HTTP/1.0 501 Not Implemented\r\n\r\n",
    b"HTTP/1.1 200\r\n",
    b"",
]
raw_replies = st.one_of(
    st.binary(max_size=200),
    st.builds(lambda head, tail: head + tail, st.sampled_from(HEADS), st.binary(max_size=120)),
    st.builds(http_reply, st.binary(max_size=200)),
    st.builds(
        lambda s, d: http_reply(f'{{"status":{s},"data":{d}}}'),
        st.sampled_from(["0", '"0"', "1E2", "null", "true", "[]", "103"]),
        st.sampled_from(["{}", "[]", '"x"', '{"ts":"1E9"}', '{"photos":["@@"]}', "null"]),
    ),
)
CALLS = ["get_time", "get_device_info", "list_persons", "list_records", "get_heartbeat"]


async def _one(reply: bytes, call: str) -> None:
    async with (
        ScriptedTerminal([reply]) as term,
        TerminalClient("127.0.0.1", term.port, timeout=2, retries=0) as client,
    ):
        error: TerminalError | None = None
        try:
            await getattr(client, call)()
        except TerminalError as exc:
            error = exc
        assert error is None or error.operator_text


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw_replies, st.sampled_from(CALLS))
def test_any_reply_bytes(reply: bytes, call: str) -> None:
    asyncio.run(_one(reply, call))

"""A raw TCP "terminal" on 127.0.0.1 that answers each request with scripted bytes.

For replies a well-behaved server cannot produce: wrong Content-Type, garbage, HTML error
pages, dropped connections, silence. It records every request exactly as it arrived.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

DROP = b"<drop>"  # close the connection without a reply
HANG = b"<hang>"  # never reply (until the server stops)


@dataclass
class RawRequest:
    """One request as it arrived on the socket."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.target).query, keep_blank_values=True))

    @property
    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode("ascii"), keep_blank_values=True))

    @property
    def params(self) -> dict[str, str]:
        """Query and body merged, body wins (as the firmware does)."""
        return {**self.query, **self.form}


def http_reply(
    body: bytes | str,
    status: str = "200 OK",
    content_type: str = '<meta http-equiv="content-type" content="text/html; charset=utf-8">',
    extra: str = "",
) -> bytes:
    """A raw HTTP/1.1 reply (the default Content-Type is the firmware's literal meta tag)."""
    data = body.encode() if isinstance(body, str) else body
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(data)}\r\nConnection: close\r\n{extra}\r\n"
    )
    return head.encode() + data


def json_reply(obj: Any, *, gzipped: bool = False) -> bytes:
    """A firmware-like JSON reply (optionally gzipped WITHOUT saying so)."""
    body = json.dumps(obj, ensure_ascii=False).encode()
    return http_reply(gzip.compress(body) if gzipped else body)


Script = Callable[[RawRequest], bytes]

SECONDS_TIME = json_reply({"status": 0, "msg": "ok", "data": {"ts": 1700000000.5}})


def by_path(replies: dict[str, bytes], default: bytes | None = None) -> Script:
    """A script answering per path; `/getTime` says v1.3 seconds unless given."""
    table = {"/getTime": SECONDS_TIME, **replies}

    def script(request: RawRequest) -> bytes:
        reply = table.get(request.path, default)
        assert reply is not None, f"unexpected request {request.path}"
        return reply

    return script


@dataclass
class ScriptedTerminal:
    """Answers request n with `replies[n]` (the last one repeats), or with `script(request)`."""

    replies: list[bytes] = field(default_factory=list)
    script: Script | None = None
    work_s: float = 0.0  # how long each request "takes" (to observe overlapping calls)
    requests: list[RawRequest] = field(default_factory=list)
    max_in_flight: int = 0
    _in_flight: int = 0
    _server: asyncio.Server | None = None
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    port: int = 0

    async def __aenter__(self) -> ScriptedTerminal:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    def _next_reply(self, request: RawRequest) -> bytes:
        if self.script is not None:
            return self.script(request)
        index = min(len(self.requests) - 1, len(self.replies) - 1)
        return self.replies[index]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            try:
                request = await _read(reader)
                self.requests.append(request)
                self._in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self._in_flight)
                if self.work_s:
                    await asyncio.sleep(self.work_s)
                self._in_flight -= 1
                reply = self._next_reply(request)
                if reply == HANG:
                    await self._stop.wait()
                elif reply != DROP:
                    writer.write(reply)
                    await writer.drain()
            finally:
                writer.close()


async def _read(reader: asyncio.StreamReader) -> RawRequest:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    lines = head.split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    body = await reader.readexactly(length) if length else b""
    return RawRequest(method, target, headers, body)

"""Raw-socket HTTP for simulator tests: exact bytes out, exact bytes back (or a closed socket)."""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from enroll_app.simulator.camera import FRAMES_DIR as FRAMES
from enroll_app.simulator.faces import jpeg_size


@dataclass
class RawReply:
    """A parsed HTTP reply; `body` is already un-chunked and un-gzipped."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    raw_body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body)


class Closed(Exception):
    """The server closed the connection without a (complete) reply."""


async def exchange(host: str, port: int, data: bytes, reply_within: float = 30.0) -> RawReply:
    """Send `data` on a fresh connection and read one reply; Closed if none comes."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(data)
        await writer.drain()
        return await asyncio.wait_for(read_reply(reader), reply_within)
    finally:
        writer.close()


async def read_reply(reader: asyncio.StreamReader) -> RawReply:
    """Read one reply from `reader` (Content-Length, chunked, or until close)."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError) as exc:
        raise Closed("no reply") from exc
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding") == "chunked":
        raw = await _read_chunked(reader)
    elif "content-length" in headers:
        raw = await reader.readexactly(int(headers["content-length"]))
    else:
        raw = await reader.read()
    body = gzip.decompress(raw) if headers.get("content-encoding") == "gzip" else raw
    return RawReply(status, headers, body, raw)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    out = b""
    while True:
        size = int((await reader.readline()).strip(), 16)
        if size == 0:
            await reader.readline()
            return out
        out += await reader.readexactly(size)
        await reader.readline()


def form_post(
    uri: str, body: dict[str, str], query: dict[str, str] | None = None, **headers: str
) -> bytes:
    """A vendor-client style POST: `?key=` in the URL, the rest form-encoded in the body."""
    target = f"/{uri}" + (f"?{urlencode(query)}" if query else "")
    data = urlencode(body).encode()
    return request_bytes(
        "POST", target, data, {"content-type": "application/x-www-form-urlencoded", **headers}
    )


def request_bytes(
    method: str, target: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> bytes:
    """An HTTP/1.1 request with Content-Length and Connection: close."""
    lines = [f"{method} {target} HTTP/1.1", "Host: terminal", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def frame(n: int = 1) -> bytes:
    """Bundled 640x480 portrait `n` (1..6): one real face each."""
    data = (FRAMES / f"frame-{n}.jpg").read_bytes()
    assert jpeg_size(data) == (640, 480)
    return data


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def blank_jpeg(width: int = 640, height: int = 480) -> bytes:
    """A real JPEG of a grey wall: decodes fine, shows no face."""
    import cv2
    import numpy as np

    ramp = np.tile(np.linspace(60, 200, width, dtype=np.uint8), (height, 1))
    ok, buf = cv2.imencode(".jpg", cv2.merge([ramp, ramp, ramp]))
    assert ok
    return bytes(buf.tobytes())


def as_png(jpeg: bytes) -> bytes:
    """The same picture as PNG (not a JPEG, but an image Android's decoder reads)."""
    import cv2
    import numpy as np

    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    ok, buf = cv2.imencode(".png", image)
    assert ok
    return bytes(buf.tobytes())

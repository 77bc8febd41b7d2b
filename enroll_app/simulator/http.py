"""A small HTTP/1.1 request reader and reply writer, shaped like the terminal's NanoHTTPD server.

Only what the firmware does: a request line and headers under 8 KB, Content-Length bodies
(chunked bodies are not read), keep-alive. Every parse failure is an `HttpError` carrying the
HTTP status to answer with before the connection is closed; nothing else may escape.
"""

from __future__ import annotations

import asyncio
import gzip
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

MAX_HEAD_BYTES = 8192
MAX_BODY_BYTES = 32 * 1024 * 1024  # a 640x480 JPEG in base64 is ~100 KB; 32 MB is plenty
_TOKEN_CHARS = frozenset(
    "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

REASONS = {
    200: "OK",
    400: "Bad Request",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    501: "Not Implemented",
}


class HttpError(Exception):
    """A request that cannot be read; answer `status` and close the connection."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


@dataclass
class Request:
    """One HTTP request as read off the socket. Header names are lower-case."""

    method: str
    target: str
    version: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def path(self) -> str:
        """The target without its query string, percent-decoded."""
        raw = self.target.split("?", 1)[0]
        return unquote_to_bytes(raw).decode("utf-8", "replace")

    @property
    def query(self) -> str:
        """The raw query string ('' if none)."""
        return self.target.split("?", 1)[1] if "?" in self.target else ""

    @property
    def keep_alive(self) -> bool:
        """Whether the client wants the connection kept open after the reply."""
        conn = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in conn
        return "close" not in conn and "transfer-encoding" not in self.headers

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def accepts_gzip(self) -> bool:
        return "gzip" in self.headers.get("accept-encoding", "").lower()


async def read_request(
    reader: asyncio.StreamReader, idle_timeout: float | None = None
) -> Request | None:
    """Read one request; None when the client closed the connection between requests or sent
    nothing for `idle_timeout` seconds (an idle keep-alive connection)."""
    head = await _read_head(reader, idle_timeout)
    if head is None:
        return None
    request = parse_head(head)
    request.body = await _read_body(reader, request)
    return request


async def _read_head(reader: asyncio.StreamReader, idle_timeout: float | None) -> bytes | None:
    lines: list[bytes] = []
    size = 0
    while True:
        try:
            if lines or size:
                line = await reader.readline()
            else:
                line = await asyncio.wait_for(reader.readline(), idle_timeout)
        except TimeoutError:
            return None
        except (ValueError, asyncio.LimitOverrunError) as exc:
            raise HttpError(431, "request head too large") from exc
        size += len(line)
        if size > MAX_HEAD_BYTES:
            raise HttpError(431, "request head too large")
        if not line:
            if not lines:
                return None
            raise HttpError(400, "connection closed inside the request head")
        if line in (b"\r\n", b"\n"):
            if not lines:
                continue  # NanoHTTPD skips blank lines before a request line
            return b"".join(lines)
        lines.append(line)


def parse_head(head: bytes) -> Request:
    """Parse a request line and headers (no trailing blank line) or raise HttpError(400)."""
    try:
        text = head.decode("latin-1")
    except UnicodeDecodeError as exc:  # pragma: no cover - latin-1 decodes every byte
        raise HttpError(400, "undecodable head") from exc
    lines = text.replace("\r\n", "\n").split("\n")
    parts = lines[0].split()
    if len(parts) != 3:
        raise HttpError(400, "malformed request line")
    method, target, version = parts
    if not method or not set(method) <= _TOKEN_CHARS:
        raise HttpError(400, "malformed method")
    if version not in ("HTTP/1.0", "HTTP/1.1"):
        raise HttpError(400, "unsupported HTTP version")
    if not target.startswith("/"):
        raise HttpError(400, "target must be a path")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or not set(name) <= _TOKEN_CHARS:
            raise HttpError(400, "malformed header line")
        headers[name.lower()] = value.strip()
    return Request(method=method, target=target, version=version, headers=headers)


async def _read_body(reader: asyncio.StreamReader, request: Request) -> bytes:
    raw = request.headers.get("content-length")
    if raw is None:
        return b""  # chunked bodies are not read, like the firmware (keep_alive is then off)
    if not raw.isdigit():
        raise HttpError(400, "bad Content-Length")
    length = int(raw)
    if length > MAX_BODY_BYTES:
        raise HttpError(413, "body too large")
    try:
        return await reader.readexactly(length)
    except asyncio.IncompleteReadError as exc:
        raise HttpError(400, "connection closed inside the body") from exc


@dataclass
class Reply:
    """An HTTP reply: status, content type and body bytes."""

    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    extra_headers: dict[str, str] = field(default_factory=dict)


def encode_reply(
    reply: Reply, *, keep_alive: bool, gzip_body: bool, head_only: bool = False
) -> bytes:
    """The bytes of `reply`; a gzipped body goes out chunked like NanoHTTPD sends it.
    `head_only` (the answer to HEAD) keeps the headers and leaves the body out."""
    reason = REASONS.get(reply.status, "Unknown")
    headers = [
        f"HTTP/1.1 {reply.status} {reason}",
        f"Content-Type: {reply.content_type}",
        f"Connection: {'keep-alive' if keep_alive else 'close'}",
    ]
    headers += [f"{k}: {v}" for k, v in reply.extra_headers.items()]
    if gzip_body:
        packed = gzip.compress(reply.body)
        headers += ["Content-Encoding: gzip", "Transfer-Encoding: chunked"]
        body = f"{len(packed):x}\r\n".encode() + packed + b"\r\n0\r\n\r\n"
    else:
        headers.append(f"Content-Length: {len(reply.body)}")
        body = reply.body
    head = ("\r\n".join(headers) + "\r\n\r\n").encode("latin-1", "replace")
    return head if head_only else head + body

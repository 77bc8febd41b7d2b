"""The station's own small HTTP server for what terminals upload: heartbeats and pass records.

Runs with aiohttp.web on the app's running loop. Terminals POST form-encoded bodies
(wire-format.md, "Uploads from the terminal"). A terminal deletes a pass record only when the
reply is JSON with status 0 and re-sends every pending record at its next pass, so a record is
handed to `on_record` (which persists it) BEFORE it is acknowledged, and duplicates, keyed on
(deviceSn, personID, ts), are acknowledged without being handed on again. Anything that is not
a well-formed upload gets a JSON reply with a non-zero status and never an exception.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import parse_qsl

from aiohttp import web

from enroll_app.terminal.protocol import StatusCode
from enroll_app.terminal.records import Heartbeat, PassRecord

log = logging.getLogger(__name__)
_T = TypeVar("_T")

DEFAULT_RECEIVER_PORT = 8099  # the settings dialog default (ui/settings.py)
HEARTBEAT_PATH = "/heartbeat"
RECORD_PATH = "/record"
MAX_HEARTBEAT_BYTES = 16 * 1024
MAX_RECORD_BYTES = 2 * 1024 * 1024  # a 640x480 JPEG in base64 with line breaks is ~150 KB
MAX_FIELDS = 32
MAX_FIELD_CHARS = 128  # every field but the photo is short
MAX_REMEMBERED_RECORDS = 100_000
FORM_TYPE = "application/x-www-form-urlencoded"

HeartbeatHandler = Callable[[Heartbeat, str], None]
"""Called with each heartbeat and the address it came from (on the loop thread)."""
RecordHandler = Callable[[PassRecord], Awaitable[None]]
"""Persists one pass record; raising means "not stored", and the terminal keeps it."""


class UploadRejected(ValueError):
    """An upload that is not well-formed; `status` is what the reply carries."""

    def __init__(self, message: str, status: int = StatusCode.PARAMETER_ERROR, http: int = 400):
        super().__init__(message)
        self.status = status
        self.http = http


@dataclass(frozen=True)
class ReceiverStats:
    """Counts since start, for the status bar and for tests."""

    heartbeats: int = 0
    records: int = 0
    duplicates: int = 0
    rejected: int = 0


def parse_form(body: bytes, content_type: str) -> dict[str, str]:
    """The fields of a form-encoded body; the first of repeated fields wins.

    Raises UploadRejected for another content type, too many fields or an over-long field.
    """
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type != FORM_TYPE:
        raise UploadRejected(f"expected a form ({FORM_TYPE}), got {media_type or 'no type'!r}")
    try:
        pairs = parse_qsl(
            body.decode("latin-1"),  # percent-encoded text is ASCII; never fails
            keep_blank_values=True,
            encoding="utf-8",
            errors="replace",
            max_num_fields=MAX_FIELDS,
        )
    except ValueError as exc:
        raise UploadRejected(f"malformed form: {exc}") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        form.setdefault(name, value)
    for name, value in form.items():
        if name != "photo" and len(value) > MAX_FIELD_CHARS:
            raise UploadRejected(f"field {name[:40]!r} is too long")
    return form


def parse_heartbeat(form: Mapping[str, str]) -> Heartbeat:
    """A heartbeat from its form fields; `deviceSn` is required."""
    heartbeat = _parse(Heartbeat.from_upload, form)
    _require(heartbeat.device_sn, "deviceSn")
    return heartbeat


def parse_record(form: Mapping[str, str]) -> PassRecord:
    """A pass record from its form fields; `deviceSn`, `personID` (or `personId`), `ts` needed."""
    try:
        record = _parse(PassRecord.from_upload, form)
    except UploadRejected:
        if not form.get("photo"):
            raise
        # A record is worth more than its snapshot: keep the pass even if the photo is damaged.
        log.warning("pass record with an unreadable photo; stored without it")
        record = _parse(PassRecord.from_upload, {k: v for k, v in form.items() if k != "photo"})
    _require(record.device_sn, "deviceSn")
    _require(record.person_id, "personID")
    return record


def _parse(parse: Callable[[Mapping[str, str]], _T], form: Mapping[str, str]) -> _T:
    try:
        return parse(form)
    except ValueError as exc:  # ReplyShapeError: a field of the wrong kind
        raise UploadRejected(str(exc)) from None


def _require(value: str, name: str) -> None:
    if not value.strip():
        raise UploadRejected(f"field {name!r} is missing", StatusCode.MISSING_PARAMETER)


class UploadReceiver:
    """The HTTP server terminals send heartbeats (`/heartbeat`) and records (`/record`) to.

    Runs on the asyncio loop that calls `start()`; handlers are called on that loop.
    """

    def __init__(
        self,
        on_heartbeat: HeartbeatHandler,
        on_record: RecordHandler,
        *,
        host: str = "0.0.0.0",
        port: int = DEFAULT_RECEIVER_PORT,
    ) -> None:
        self._on_heartbeat = on_heartbeat
        self._on_record = on_record
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self._seen: OrderedDict[tuple[str, str, float], None] = OrderedDict()
        self._record_lock = asyncio.Lock()
        self._stats = ReceiverStats()

    @property
    def host(self) -> str:
        """The address it listens on ("0.0.0.0": every network of this PC)."""
        return self._host

    @property
    def port(self) -> int:
        """The port it listens on (the real one once started with port 0)."""
        return self._port

    @property
    def running(self) -> bool:
        """True between start() and stop()."""
        return self._runner is not None

    @property
    def stats(self) -> ReceiverStats:
        """Counts of uploads handled since start."""
        return self._stats

    async def start(self) -> None:
        """Listen; raises OSError (e.g. port in use) with the port in the message.

        Cancelled while binding (the station quits at start), it finishes binding and closes
        again before passing the cancellation on: asyncio would leave the bound socket open.
        """
        starting = asyncio.ensure_future(self._start())
        try:
            await asyncio.shield(starting)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await starting
            await self.stop()
            raise

    async def _start(self) -> None:
        app = web.Application(client_max_size=MAX_RECORD_BYTES)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            text = f"cannot listen on port {self._port} of {self._host}: {exc.strerror}"
            raise OSError(exc.errno, text) from exc
        self._port = _bound_port(runner) or self._port
        self._runner = runner

    async def stop(self) -> None:
        """Stop listening and close open connections (finished even when cancelled)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            cleanup = asyncio.ensure_future(runner.cleanup())
            try:
                await asyncio.shield(cleanup)
            except asyncio.CancelledError:
                await cleanup  # the socket is closed before the cancellation goes on
                raise

    async def __aenter__(self) -> UploadReceiver:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def urls(self, station_host: str) -> tuple[str, str]:
        """(heartbeat URL, record URL) a terminal must be given to reach this receiver."""
        base = f"http://{station_host}:{self._port}"
        return base + HEARTBEAT_PATH, base + RECORD_PATH

    async def _dispatch(self, request: web.Request) -> web.Response:
        path = request.path.rstrip("/").lower()
        try:
            if request.method != "POST":
                raise UploadRejected("only POST is accepted", StatusCode.CLIENT_ERROR, http=405)
            if path == HEARTBEAT_PATH:
                return await self._heartbeat(request)
            if path == RECORD_PATH:
                return await self._record(request)
            raise UploadRejected("unknown address", StatusCode.CLIENT_ERROR, http=404)
        except UploadRejected as exc:
            self._count(rejected=1)
            log.info("rejected an upload to %s: %s", path[:60], exc)
            return _reply(exc.status, str(exc), exc.http)

    async def _heartbeat(self, request: web.Request) -> web.Response:
        form = parse_form(await _read_body(request, MAX_HEARTBEAT_BYTES), request.content_type)
        heartbeat = parse_heartbeat(form)
        self._count(heartbeats=1)
        try:
            self._on_heartbeat(heartbeat, request.remote or "")
        except Exception:  # the registry's bug must not stop the server; it is logged
            log.exception("heartbeat handler failed")
        return _reply(StatusCode.SUCCESS, "ok")

    async def _record(self, request: web.Request) -> web.Response:
        form = parse_form(await _read_body(request, MAX_RECORD_BYTES), request.content_type)
        record = parse_record(form)
        async with self._record_lock:  # one at a time: a re-sent batch must not store twice
            if record.identity in self._seen:
                self._count(duplicates=1)
                return _reply(StatusCode.SUCCESS, "ok")
            try:
                await self._on_record(record)
            except Exception:
                log.exception("could not store a pass record; the terminal keeps it")
                return _reply(StatusCode.SERVER_ERROR, "not stored, send it again", 500)
            self._remember(record.identity)
        self._count(records=1)
        return _reply(StatusCode.SUCCESS, "ok")

    def _remember(self, identity: tuple[str, str, float]) -> None:
        self._seen[identity] = None
        while len(self._seen) > MAX_REMEMBERED_RECORDS:
            self._seen.popitem(last=False)

    def _count(
        self, *, heartbeats: int = 0, records: int = 0, duplicates: int = 0, rejected: int = 0
    ) -> None:
        s = self._stats
        self._stats = ReceiverStats(
            s.heartbeats + heartbeats,
            s.records + records,
            s.duplicates + duplicates,
            s.rejected + rejected,
        )


async def _read_body(request: web.Request, limit: int) -> bytes:
    """The body, refused without reading it all when it is bigger than `limit`."""
    if request.content_length is not None and request.content_length > limit:
        raise UploadRejected(f"body over {limit} bytes", http=413)
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(65536):
        size += len(chunk)
        if size > limit:
            raise UploadRejected(f"body over {limit} bytes", http=413)
        chunks.append(chunk)
    return b"".join(chunks)


def _reply(status: int, msg: str, http: int = 200) -> web.Response:
    return web.json_response({"status": int(status), "msg": msg}, status=http)


def _bound_port(runner: web.AppRunner) -> int | None:
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    return None


def station_address_for(terminal_host: str, port: int = 8088) -> str:
    """This PC's IPv4 address on the route to `terminal_host` (what the terminal must call).

    Uses a connected UDP socket, which sends nothing; falls back to 127.0.0.1.
    """
    with contextlib.suppress(OSError, ValueError):
        if ipaddress.ip_address(terminal_host).is_loopback:
            return "127.0.0.1"
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.connect((terminal_host, port))
            return str(sock.getsockname()[0])
    return "127.0.0.1"

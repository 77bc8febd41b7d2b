"""`TerminalClient`: one async method per endpoint, typed results, timeouts and safe retries."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import logging
import time
import weakref
from collections.abc import AsyncIterator, Iterable, Mapping
from types import TracebackType
from typing import Self, TypeVar

import httpx

from enroll_app.logs import remember_secret
from enroll_app.terminal.codec import (
    MAX_REPLY_BYTES,
    EncodedRequest,
    Param,
    decode_result,
    encode_request,
    endpoint,
    format_id_list,
)
from enroll_app.terminal.errors import (
    ProtocolError,
    TerminalError,
    TerminalTimeout,
    TerminalUnreachable,
    redact,
)
from enroll_app.terminal.protocol import DEFAULT_KEY, DEFAULT_PORT, RECORD_PAGE_CAP, Endpoint
from enroll_app.terminal.records import (
    MS_THRESHOLD,
    CheckResult,
    DeviceInfo,
    HeartbeatConfig,
    PassRecord,
    Person,
)
from enroll_app.terminal.validation import (
    card_from_decimal,
    check_new_key,
    check_pass_count,
    check_period,
    check_person_id,
    check_photo,
    check_photo_count,
    check_settings,
    check_time,
    check_url,
    check_window,
)

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
PHOTO_TIMEOUT = 30.0  # photo work is synchronous on the terminal: seconds, 3 s more with a face
CONNECT_TIMEOUT = 5.0
RETRY_DELAYS = (0.2, 0.6)
# NanoHTTPD closes idle keep-alive connections after 5 s (httpx's default expiry, a race):
# reuse a connection only well before that.
KEEPALIVE_S = 3.0
# What the legacy (millisecond) firmware stores for a window it was not given; it refuses -1.
LEGACY_OPEN_START = 111111111.0
LEGACY_OPEN_END = 99999999999.0
# The firmware drops the connection, without a reply, on input it cannot read.
_DROP_MEANS_BAD_INPUT = frozenset({"getPerson", "setPerson", "check"})
# One photo job at a time per terminal, across every client of this event loop.
_PHOTO_LOCKS: weakref.WeakValueDictionary[tuple[int, str, int], asyncio.Lock] = (
    weakref.WeakValueDictionary()
)

T = TypeVar("T")


class _RedactKeys(logging.Filter):
    """httpx logs every request URL at INFO, and ours carry `?key=`: strip it first."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if "key=" in text.lower():
            record.msg, record.args = redact(text), ()
        return True


logging.getLogger("httpx").addFilter(_RedactKeys())


class _Retryable(Exception):
    """Internal: the attempt failed before any reply; `error` is what the caller sees."""

    def __init__(self, error: TerminalError) -> None:
        super().__init__(str(error))
        self.error = error


class TerminalClient:
    """Talks to one terminal over HTTP (protocol v1.3, with the firmware's real quirks).

    Use as `async with TerminalClient("192.168.1.20", key=...) as term:`. Every method raises
    only `TerminalError` subclasses (see `errors.py`). Reads and idempotent writes are retried
    after a refused or dropped connection; `open`, `reboot`, `setDeviceKey`, `photo` and
    `updateAPK` never are. Photo-bearing calls (`setPerson`, `check`, `photo`) are serialised
    per terminal and get `photo_timeout`. Times are epoch seconds everywhere; firmware that
    speaks milliseconds is detected once through `getTime` and converted.

    `http` may be a shared `httpx.AsyncClient` (not closed here); `transport` is used for a
    client of our own.
    """

    def __init__(
        self,
        host: str,
        port: int = DEFAULT_PORT,
        key: str = DEFAULT_KEY,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        photo_timeout: float = PHOTO_TIMEOUT,
        connect_timeout: float = CONNECT_TIMEOUT,
        retries: int = len(RETRY_DELAYS),
        transport: httpx.AsyncBaseTransport | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        if not host or any(c in host for c in "/?#@ "):
            raise ValueError(f"Not a terminal address: {host!r}")
        if not 0 < port < 65536:
            raise ValueError(f"Not a port: {port}")
        self.host = host
        self.port = port
        self._key = key
        remember_secret(key)  # a key in use is masked in every later log line
        self._timeout = timeout
        self._photo_timeout = photo_timeout
        self._connect_timeout = connect_timeout
        self._retries = max(0, retries)
        self._owns_http = http is None
        # verify=False: terminals speak plain HTTP, and loading the CA bundle would cost the
        # event loop tens of milliseconds for every client made.
        self._http = http or httpx.AsyncClient(
            transport=transport,
            verify=False,
            trust_env=False,
            limits=httpx.Limits(keepalive_expiry=KEEPALIVE_S),
        )
        self._milliseconds: bool | None = None
        self._photo_lock: asyncio.Lock | None = None

    # ---- lifecycle ----------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client if this client created it."""
        if self._owns_http:
            await self._http.aclose()

    @property
    def base_url(self) -> str:
        """`http://host:port` of the terminal."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def key(self) -> str:
        """The key this client sends (updated by `set_device_key`)."""
        return self._key

    def __repr__(self) -> str:
        return f"TerminalClient({self.base_url})"

    # ---- device ------------------------------------------------------------------------

    async def get_device_info(self) -> DeviceInfo:
        """Serial, name, versions and every setting (getDeviceInfo)."""
        return _as(DeviceInfo, await self._call("getDeviceInfo"))

    async def set_device_info(self, settings: Mapping[str, object]) -> None:
        """Change settings by their protocol names (setDeviceInfo); see `SETTING_NAMES`."""
        await self._call("setDeviceInfo", check_settings(settings))

    async def set_device_key(self, new_key: str) -> None:
        """Change the terminal's key; this client uses the new key afterwards."""
        # `oldKey` is what the legacy firmware reads (v1.3 renamed it to `key`); v1.3 ignores it.
        params = {"newKey": check_new_key(new_key), "oldKey": self._key}
        await self._call("setDeviceKey", params)
        self._key = new_key

    async def get_time(self) -> float:
        """The terminal's clock in epoch seconds (getTime; also detects ms firmware)."""
        raw = _as(float, await self._call("getTime"))
        if self._milliseconds is None:
            self._milliseconds = raw > MS_THRESHOLD
        return raw / 1000 if self._milliseconds else raw

    async def set_time(self, ts: float | None = None) -> None:
        """Set the terminal's clock (epoch seconds; now when None)."""
        seconds = check_time(time.time() if ts is None else ts)
        await self._call("setTime", {"ts": await self._wire_time(seconds)})

    async def uses_milliseconds(self) -> bool:
        """True for legacy firmware that speaks milliseconds (probed once with getTime)."""
        if self._milliseconds is None:
            await self.get_time()
        assert self._milliseconds is not None
        return self._milliseconds

    async def reboot(self) -> None:
        """Restart the terminal (it answers, then restarts about 3 s later). Never retried."""
        await self._call("reboot")

    async def open_door(self) -> None:
        """Open the door: pulses the relay. Never a health check (use `get_time`); not retried."""
        await self._call("open")

    async def update_apk(self, url: str) -> None:
        """Make the terminal download and install an APK from `url` (not retried)."""
        await self._call("updateAPK", {"url": check_url(url)})

    async def reset(self) -> None:
        """Factory reset: not enabled in the firmware (it answers 501 → ProtocolError)."""
        await self._call("reset")

    async def wait_online(self, interval: float = 0.25) -> float:
        """Poll `getTime` until the terminal answers (after a reboot); its time in seconds.

        Runs until it succeeds: bound it with `asyncio.timeout(...)`.
        """
        while True:
            try:
                return await self.get_time()
            except TerminalUnreachable:
                await asyncio.sleep(interval)

    # ---- persons -----------------------------------------------------------------------

    async def set_person(self, person: Person) -> None:
        """Create or update a person (setPerson).

        The record is sent whole: startTs/endTs always (-1 = unlimited; a person created
        without them is refused at the door forever), passCount always; empty name/card/ID
        and a missing photo are left as they are on the terminal (it cannot clear fields).
        Legacy firmware refuses -1, so "unlimited" goes there as its own wide-open defaults
        (and `get_person` reads them back as -1). The card number must be decimal digits.
        """
        legacy = await self.uses_milliseconds()
        await self._call("setPerson", _person_params(person, legacy=legacy))

    async def get_person(self, person_id: str) -> Person:
        """One person with photo (JPEG bytes) and reliable window; PersonNotFound if absent."""
        params = {"id": check_person_id(person_id)}
        legacy = await self.uses_milliseconds()
        person = _as(Person, await self._call("getPerson", params))
        return _from_legacy_window(person) if legacy else person

    async def list_persons(self) -> list[Person]:
        """Every person, without photos. Their start_ts/end_ts are mis-scaled by the firmware
        (`window_reliable` is False): read windows with `get_person`."""
        return _as(list, await self._call("listPerson"))

    async def remove_persons(self, person_ids: Iterable[str]) -> None:
        """Remove these persons (unknown ids are skipped). An empty list is refused: removing
        everyone is `remove_all_persons`. Retried only with a non-empty list."""
        ids = [check_person_id(pid) for pid in person_ids]
        await self._call("removePerson", {"id": format_id_list(ids)})

    async def remove_all_persons(self) -> None:
        """Remove EVERY person from the terminal (removePerson `[]`). Never retried."""
        await self._call("removePerson", {"id": "[]"}, retry=False)

    # ---- records -----------------------------------------------------------------------

    async def list_records(self, since: float = 0.0, count: int | None = None) -> list[PassRecord]:
        """Pass records after `since` (exclusive, epoch seconds), oldest first, at most `count`.

        The firmware returns at most 50 per call whatever `count` says: this pages on the last
        record's time (stepping back 1 ms and dropping repeats, so records sharing the page's
        last timestamp are not lost).
        """
        ms = await self.uses_milliseconds()
        cursor = check_time(since, "since")
        seen: set[tuple[str, float, int]] = set()
        out: list[PassRecord] = []
        while count is None or len(out) < count:
            page = await self._record_page(cursor, ms)
            fresh = [r for r in page if (r.person_id, r.ts, r.pass_type) not in seen]
            seen.update((r.person_id, r.ts, r.pass_type) for r in fresh)
            out.extend(fresh)
            if len(page) < RECORD_PAGE_CAP or not fresh:
                break
            cursor = max(cursor, max(r.ts for r in page) - 0.001)
        return out if count is None else out[:count]

    async def _record_page(self, since: float, ms: bool) -> list[PassRecord]:
        wire_since = int(since * 1000) if ms else since
        page = _as(
            list, await self._call("listRecord", {"ts": wire_since, "count": RECORD_PAGE_CAP})
        )
        if ms:
            page = [dataclasses.replace(r, ts=r.ts / 1000) for r in page]
        return page

    async def remove_records(self, until: float) -> None:
        """Delete pass records at or before `until` (epoch seconds)."""
        await self._call("removeRecord", {"ts": await self._wire_time(check_time(until, "ts"))})

    async def set_record_callback(self, url: str) -> None:
        """Where the terminal POSTs each pass (cannot be cleared once set)."""
        await self._call("setRecordCallback", {"url": check_url(url)})

    async def get_record_callback(self) -> str:
        """The record upload URL ("" when none)."""
        return _as(str, await self._call("getRecordCallback"))

    async def set_heartbeat(self, url: str, period: float) -> None:
        """Where and how often (seconds, >= 1) the terminal sends heartbeats."""
        await self._call("setHeartBeat", {"url": check_url(url), "period": check_period(period)})

    async def get_heartbeat(self) -> HeartbeatConfig:
        """The heartbeat URL and period."""
        return _as(HeartbeatConfig, await self._call("getHeartBeat"))

    # ---- photos ------------------------------------------------------------------------

    async def check(self, photo: bytes) -> CheckResult:
        """Ask the terminal whether a 640x480 JPEG is usable and whether the face is known."""
        return _as(CheckResult, await self._call("check", {"photo": _b64(check_photo(photo))}))

    async def take_photos(
        self, count: int = 1, tips_before: str = "", tips_after: str = ""
    ) -> list[bytes]:
        """Take 1..3 photos with the terminal's camera (JPEG bytes; not retried)."""
        params: dict[str, Param] = {"count": check_photo_count(count)}
        if tips_before:
            params["tipsBefore"] = tips_before
        if tips_after:
            params["tipsAfter"] = tips_after
        return _as(list, await self._call("photo", params))

    # ---- the wire ----------------------------------------------------------------------

    async def call(self, uri: str, params: Mapping[str, Param] | None = None) -> object:
        """Call any endpoint by URI with raw parameters (no validation); its typed result."""
        return await self._call(uri, params)

    async def _wire_time(self, seconds: float) -> float:
        return int(seconds * 1000) if await self.uses_milliseconds() else seconds

    async def _call(
        self, uri: str, params: Mapping[str, Param] | None = None, *, retry: bool = True
    ) -> object:
        ep = endpoint(uri)
        request = encode_request(uri, self._key, params)
        removes_everyone = uri == "removePerson" and (params or {}).get("id") == "[]"
        attempts = 1 + (self._retries if retry and ep.idempotent and not removes_everyone else 0)
        for attempt in range(attempts):
            try:
                return await self._attempt(ep, request)
            except _Retryable as exc:
                if attempt + 1 >= attempts:
                    raise exc.error from None
                log.info("%s %s failed (%s); retrying", self, uri, exc.error.operator_text)
                await asyncio.sleep(RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)])
        raise AssertionError("unreachable")  # pragma: no cover

    async def _attempt(self, ep: Endpoint, request: EncodedRequest) -> object:
        total = self._photo_timeout if ep.carries_photo else self._timeout
        async with self._photo_slot(ep):
            started = time.monotonic()
            http_status, body = await self._exchange(ep, request, total)
        log.debug(
            "%s %s → HTTP %s in %.3f s", self, ep.uri, http_status, time.monotonic() - started
        )
        return decode_result(ep.uri, http_status, body)

    @contextlib.asynccontextmanager
    async def _photo_slot(self, ep: Endpoint) -> AsyncIterator[None]:
        if not ep.carries_photo:
            yield
            return
        if self._photo_lock is None:
            lock_key = (id(asyncio.get_running_loop()), self.host, self.port)
            self._photo_lock = _PHOTO_LOCKS.setdefault(lock_key, asyncio.Lock())
        async with self._photo_lock:
            yield

    async def _exchange(
        self, ep: Endpoint, request: EncodedRequest, total: float
    ) -> tuple[int, bytes]:
        timeout = httpx.Timeout(total, connect=min(self._connect_timeout, total))
        req = self._http.build_request(
            request.method,
            self.base_url + request.path,
            params=request.query,
            content=request.body,
            headers=request.headers,
            timeout=timeout,
        )
        try:
            async with asyncio.timeout(total + 1.0):  # a trickling reply must end too
                response = await self._http.send(req, stream=True)
                try:
                    return response.status_code, await _read_capped(ep, response)
                finally:
                    await response.aclose()
        except (TimeoutError, httpx.HTTPError) as exc:
            raise self._translate(ep, exc, total) from None

    def _translate(self, ep: Endpoint, exc: Exception, total: float) -> Exception:
        """The one place where transport failures become typed errors (keys redacted)."""
        where = f"{self.host}:{self.port}"
        detail = redact(f"{type(exc).__name__}: {exc}")
        if isinstance(exc, httpx.ConnectTimeout):
            return TerminalUnreachable(
                f"No answer from the terminal at {where} (is it on, and the address right?)",
                endpoint=ep.uri,
                zh=f"终端 {where} 无响应（请检查是否开机、地址是否正确）",
                detail=detail,
            )
        if isinstance(exc, httpx.ConnectError):
            return _Retryable(
                TerminalUnreachable(
                    f"Cannot connect to the terminal at {where} (is it on, and the address right?)",
                    endpoint=ep.uri,
                    zh=f"无法连接终端 {where}（请检查是否开机、地址是否正确）",
                    detail=detail,
                )
            )
        if isinstance(exc, TimeoutError | httpx.TimeoutException):
            return TerminalTimeout(
                f"The terminal at {where} did not answer within {total:g} s",
                endpoint=ep.uri,
                zh=f"终端 {where} 在 {total:g} 秒内未响应",
                detail=detail,
            )
        if _is_drop(exc):
            return _Retryable(self._dropped(ep, where, detail))
        if isinstance(exc, httpx.TransportError) and not isinstance(exc, httpx.ProtocolError):
            return TerminalUnreachable(
                f"The connection to the terminal at {where} failed",
                endpoint=ep.uri,
                zh=f"与终端 {where} 的连接失败",
                detail=detail,
            )
        return ProtocolError(
            "The terminal's answer is not valid HTTP",
            endpoint=ep.uri,
            zh="终端返回的内容不是有效的 HTTP",
            detail=detail,
        )

    @staticmethod
    def _dropped(ep: Endpoint, where: str, detail: str) -> TerminalError:
        if ep.uri in _DROP_MEANS_BAD_INPUT:
            return ProtocolError(
                "The terminal closed the connection without answering: it does this with input "
                "it cannot read (a person stored without a photo, a broken photo)",
                endpoint=ep.uri,
                zh="终端未应答即断开连接：通常是无法解析的输入（无照片的人员、损坏的照片）",
                detail=detail,
            )
        return TerminalUnreachable(
            f"The terminal at {where} closed the connection without answering",
            endpoint=ep.uri,
            zh=f"终端 {where} 未应答即断开连接",
            detail=detail,
        )


def _is_drop(exc: Exception) -> bool:
    """A connection that closed before any reply (as opposed to a garbled reply)."""
    if isinstance(exc, httpx.ReadError | httpx.WriteError | httpx.CloseError):
        return True
    return isinstance(exc, httpx.RemoteProtocolError) and "without sending" in str(exc)


async def _read_capped(ep: Endpoint, response: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_REPLY_BYTES:
            raise ProtocolError("The terminal's reply is far too large", endpoint=ep.uri)
        chunks.append(chunk)
    return b"".join(chunks)


def _as(kind: type[T], value: object) -> T:
    """The typed result, checked (the codec maps each URI to one result type)."""
    if not isinstance(value, kind):  # pragma: no cover - a codec table bug, not terminal input
        raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}")
    return value


def _from_legacy_window(person: Person) -> Person:
    """The legacy firmware's wide-open window read back as -1 (unlimited)."""
    start = -1.0 if person.start_ts <= LEGACY_OPEN_START else person.start_ts
    end = -1.0 if person.end_ts >= LEGACY_OPEN_END else person.end_ts
    return dataclasses.replace(person, start_ts=start, end_ts=end)


def _b64(photo: bytes) -> str:
    return base64.b64encode(photo).decode("ascii")


def _person_params(person: Person, *, legacy: bool = False) -> dict[str, Param]:
    start, end = check_window(person.start_ts, person.end_ts)
    if legacy:  # it refuses -1: send the wide-open window it would store by itself
        start = LEGACY_OPEN_START if start == -1 else start
        end = LEGACY_OPEN_END if end == -1 else end
    params: dict[str, Param] = {
        "id": check_person_id(person.id),
        "passCount": check_pass_count(person.pass_count),
        "startTs": start,
        "endTs": end,
    }
    if person.name:
        params["name"] = person.name
    if person.ic_no:
        params["IC_NO"] = card_from_decimal(person.ic_no)
    if person.id_no:
        params["ID_NO"] = person.id_no
    if person.photo is not None:
        params["photo"] = _b64(check_photo(person.photo))
    return params

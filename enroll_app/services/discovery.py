"""Which terminals the station knows: scanning, manual add, heartbeats, online/offline.

A terminal's identity is its serial number. The registry follows it when its address changes
(DHCP) and keeps it as JSON under `station_home()` (identity and address only: never a key);
given a `BlockingWorker`, it writes that file on the worker's thread, never on the event loop's.
Online means seen (a heartbeat or a successful call) within `offline_after` seconds, measured
with an injectable clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import ipaddress
import json
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from enroll_app.home import station_home
from enroll_app.services.keys import KeyStore
from enroll_app.services.worker import BlockingWorker
from enroll_app.terminal.client import TerminalClient
from enroll_app.terminal.errors import KeyRejected, TerminalError
from enroll_app.terminal.protocol import DEFAULT_KEY, DEFAULT_PORT
from enroll_app.terminal.records import DeviceInfo, Heartbeat, PassRecord
from enroll_app.terminal.scan import (
    DEFAULT_CONNECT_TIMEOUT,
    ScanInputError,
    ScanProgress,
    hosts_of,
    local_networks,
    parse_subnet,
    scan,
)

log = logging.getLogger(__name__)

REGISTRY_FILE = "terminals.json"
DEFAULT_OFFLINE_AFTER = 35.0  # three heartbeats at the default 10 s period, plus slack
IDENTIFY_TIMEOUT = 3.0

Clock = Callable[[], float]
ClientFactory = Callable[..., TerminalClient]
"""Makes a client: `factory(host, port, key, timeout=...)` (TerminalClient by default)."""


class KeyStatus(enum.Enum):
    """What the station knows about a terminal's key, as the operator sees it."""

    UNKNOWN = "unknown"  # never reached
    DEFAULT = "default"  # still the factory key "abc": anyone on the LAN can use it
    OK = "ok"  # a key the station holds works
    PENDING = "pending"  # a rotation could not be confirmed; old and new key both kept
    REJECTED = "rejected"  # no key the station holds works


class RegistryError(Exception):
    """The operator asked for something the registry cannot do; the message says why."""


@dataclass(frozen=True)
class KnownTerminal:
    """One terminal as the station knows it. `last_seen` is clock time (None: never seen).

    `persons`, `clock_offset` (terminal minus this PC, seconds) and `problem` come from the
    background refresh and are not persisted.
    """

    serial: str
    host: str
    port: int = DEFAULT_PORT
    name: str = ""
    app_version: str = ""
    version: str = ""
    key_status: KeyStatus = KeyStatus.UNKNOWN
    last_seen: float | None = None
    last_heartbeat: float | None = None
    persons: int | None = None
    clock_offset: float | None = None
    problem: str = ""

    @property
    def address(self) -> str:
        """`host:port` for display."""
        return f"{self.host}:{self.port}"


_PERSISTED = ("serial", "host", "port", "name", "app_version", "version", "key_status")


@dataclass(frozen=True)
class Discovered:
    """What discovery found at one address (`sn` None when no key the station holds works)."""

    host: str
    port: int
    sn: str | None
    name: str = ""
    key_ok: bool = False
    version: str = ""

    def to_json(self) -> dict[str, Any]:
        """The object `enroll-station discover --json` prints."""
        return asdict(self)


def parse_address(text: str) -> tuple[str, int]:
    """(host, port) from "IP" or "IP:port" as an operator types it."""
    host, _, port_text = text.strip().partition(":")
    try:
        ipaddress.IPv4Address(host)
        port = int(port_text) if port_text else DEFAULT_PORT
    except ValueError:
        raise RegistryError(
            f"{text!r} is not an address like 192.168.1.20 or 192.168.1.20:8088"
        ) from None
    if not 0 < port < 65536:
        raise RegistryError(f"{port} is not a port number (1..65535)")
    return host, port


class TerminalRegistry:
    """The known terminals, keyed by serial; runs on the event-loop thread.

    Listeners added with `subscribe` are called with a serial whenever that terminal changes
    (including going online or offline, noticed by `check_online`).

    The file is read once, in the constructor (at start). Without a `worker` changes are
    written at once on the calling thread (the command line); with one, each change is
    written in the background, in order, and `await flush()` waits for those writes.
    """

    def __init__(
        self,
        path: Path | None = None,
        *,
        clock: Clock = time.time,
        offline_after: float = DEFAULT_OFFLINE_AFTER,
        worker: BlockingWorker | None = None,
    ) -> None:
        self._path = path if path is not None else station_home() / REGISTRY_FILE
        self._clock = clock
        self.offline_after = offline_after
        self._worker = worker
        self._terminals: dict[str, KnownTerminal] = {
            t.serial: t for t in _read_registry(self._path)
        }
        self._online: dict[str, bool] = {}
        self._listeners: list[Callable[[str], None]] = []

    async def flush(self) -> None:
        """Return once every change so far is written to disk."""
        if self._worker is not None:
            await self._worker.drain()

    # ---- reading ---------------------------------------------------------------------------

    def terminals(self) -> list[KnownTerminal]:
        """Every known terminal, by name, then address."""
        return sorted(self._terminals.values(), key=_display_order)

    def get(self, serial: str) -> KnownTerminal:
        """The terminal with `serial`; RegistryError if unknown."""
        try:
            return self._terminals[serial]
        except KeyError:
            raise RegistryError(f"No known terminal has the serial number {serial}") from None

    def find(self, host: str, port: int) -> KnownTerminal | None:
        """The terminal last seen at `host:port`, if any."""
        return next((t for t in self._terminals.values() if (t.host, t.port) == (host, port)), None)

    def serials(self) -> list[str]:
        """Serials of every known terminal."""
        return list(self._terminals)

    def now(self) -> float:
        """The registry's clock (injectable, for tests and for a simulated day)."""
        return self._clock()

    def is_online(self, terminal: KnownTerminal) -> bool:
        """True when the terminal was seen within `offline_after` seconds."""
        seen = terminal.last_seen
        return seen is not None and self._clock() - seen <= self.offline_after

    def counts(self) -> tuple[int, int]:
        """(online, offline) terminals."""
        online = sum(self.is_online(t) for t in self._terminals.values())
        return online, len(self._terminals) - online

    # ---- changing --------------------------------------------------------------------------

    def subscribe(self, listener: Callable[[str], None]) -> Callable[[], None]:
        """Call `listener(serial)` after every change of that terminal; returns an
        unsubscribe (the registry outlives pages: a closed page must stop listening)."""
        self._listeners.append(listener)
        return lambda: self._unsubscribe(listener)

    def _unsubscribe(self, listener: Callable[[str], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def learn(self, host: str, port: int, info: DeviceInfo, key_status: KeyStatus) -> KnownTerminal:
        """Record that the terminal `info.sn` answers at `host:port` (following a move)."""
        if not info.sn:
            raise RegistryError(f"The terminal at {host}:{port} did not report a serial number")
        previous = self._terminals.get(info.sn)
        if previous is not None and (previous.host, previous.port) != (host, port):
            log.info("terminal %s moved from %s to %s:%s", info.sn, previous.address, host, port)
        base = previous or KnownTerminal(serial=info.sn, host=host, port=port)
        return self._put(
            replace(
                base,
                host=host,
                port=port,
                name=info.name or base.name,
                app_version=info.apk_version or base.app_version,
                version=info.version or base.version,
                key_status=key_status,
                last_seen=self._clock(),
                problem="",
            )
        )

    def heartbeat(self, heartbeat: Heartbeat, peer: str) -> KnownTerminal:
        """Record a heartbeat; an unknown serial becomes a known terminal on port 8088."""
        host = _heartbeat_host(heartbeat.ip_address, peer)
        now = self._clock()
        previous = self._terminals.get(heartbeat.device_sn)
        if previous is None:
            base = KnownTerminal(serial=heartbeat.device_sn, host=host or peer)
        elif host and host != previous.host:
            log.info("terminal %s now at %s (heartbeat)", heartbeat.device_sn, host)
            base = replace(previous, host=host)
        else:
            base = previous
        return self._put(
            replace(
                base,
                app_version=heartbeat.app_version or base.app_version,
                last_seen=now,
                last_heartbeat=now,
            )
        )

    def update(self, serial: str, **changes: Any) -> KnownTerminal:
        """Change fields of a known terminal (e.g. after a refresh)."""
        return self._put(replace(self.get(serial), **changes))

    def seen(self, serial: str) -> KnownTerminal:
        """Record a successful call to the terminal now."""
        return self.update(serial, last_seen=self._clock())

    def remove(self, serial: str) -> None:
        """Forget a terminal (its keys stay in the keyring until removed there)."""
        self.get(serial)
        del self._terminals[serial]
        self._online.pop(serial, None)
        self._save()
        self._notify(serial)

    def check_online(self) -> list[str]:
        """Notice terminals that went online or offline since the last check; their serials."""
        changed = [
            serial
            for serial, terminal in self._terminals.items()
            if self._online.get(serial) != self.is_online(terminal)
        ]
        for serial in changed:
            self._online[serial] = self.is_online(self._terminals[serial])
            self._notify(serial)
        return changed

    def _put(self, terminal: KnownTerminal) -> KnownTerminal:
        old = self._terminals.get(terminal.serial)
        self._terminals[terminal.serial] = terminal
        self._online[terminal.serial] = self.is_online(terminal)
        if old is None or _persisted(old) != _persisted(terminal):
            self._save()
        self._notify(terminal.serial)
        return terminal

    def _notify(self, serial: str) -> None:
        for listener in list(self._listeners):
            listener(serial)

    # ---- persistence -----------------------------------------------------------------------

    def _save(self) -> None:
        data = {"version": 1, "terminals": [_persisted(t) for t in self._terminals.values()]}
        if self._worker is None:
            _write_registry(self._path, data)
            return
        written = self._worker.submit(_write_registry, self._path, data)
        written.add_done_callback(_log_failed_write)


def _read_registry(path: Path) -> list[KnownTerminal]:
    """The terminals stored at `path`; an unreadable file is kept aside for the support desk."""
    terminals: list[KnownTerminal] = []
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        for entry in raw["terminals"]:
            terminals.append(_from_json(entry))
    except FileNotFoundError:
        return []
    except (OSError, ValueError, KeyError, TypeError) as exc:
        # Start with what could be read; keep the file for the support desk.
        backup = path.with_suffix(".unreadable.json")
        with contextlib.suppress(OSError):
            os.replace(path, backup)
        log.warning("terminal list %s was unreadable (%s); kept as %s", path, exc, backup)
    return terminals


def _write_registry(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def _log_failed_write(written: asyncio.Future[None]) -> None:
    # The list in memory stays right; the next change writes it again.
    if not written.cancelled() and written.exception() is not None:
        log.warning("terminal list not saved: %s", written.exception())


def _display_order(terminal: KnownTerminal) -> tuple[str, tuple[int, ...], int, str]:
    try:
        address = tuple(ipaddress.IPv4Address(terminal.host).packed)
    except ValueError:
        address = ()
    return (terminal.name.lower(), address, terminal.port, terminal.serial)


def _persisted(terminal: KnownTerminal) -> dict[str, Any]:
    out = {name: getattr(terminal, name) for name in _PERSISTED}
    out["key_status"] = terminal.key_status.value
    return out


def _from_json(entry: dict[str, Any]) -> KnownTerminal:
    known = {f.name for f in fields(KnownTerminal)} & set(_PERSISTED)
    values = {k: v for k, v in entry.items() if k in known}
    values["key_status"] = KeyStatus(values.get("key_status", "unknown"))
    terminal = KnownTerminal(**values)
    if not isinstance(terminal.serial, str) or not isinstance(terminal.host, str):
        raise TypeError("serial and host must be text")
    if not isinstance(terminal.port, int):
        raise TypeError("port must be a number")
    return terminal


def _heartbeat_host(reported: str, peer: str) -> str:
    """The terminal's address: what it reports, if it is a usable IPv4 address, else the peer."""
    with contextlib.suppress(ValueError):
        address = ipaddress.IPv4Address(reported.strip())
        if not address.is_unspecified and not address.is_multicast:
            return str(address)
    return peer


# ---- discovery -----------------------------------------------------------------------------


class DiscoveryService:
    """Finds terminals (scan or manual add), reads who they are, and keeps the registry live.

    Qt-free; runs on the event loop. `networks` lists the subnets to scan when none are
    given (this PC's own networks by default).
    """

    def __init__(
        self,
        registry: TerminalRegistry,
        keys: KeyStore | None,
        *,
        client_factory: ClientFactory = TerminalClient,
        networks: Callable[[], list[ipaddress.IPv4Network]] = local_networks,
    ) -> None:
        self.registry = registry
        self.keys = keys
        self._client_factory = client_factory
        self._networks = networks

    async def discover(
        self,
        subnets: Sequence[str] = (),
        port: int = DEFAULT_PORT,
        *,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        progress: ScanProgress | None = None,
    ) -> list[Discovered]:
        """Scan `subnets` (CIDR text; this PC's networks when empty) for terminals on `port`.

        Terminals whose key the station holds are added to (or updated in) the registry.
        Raises ScanInputError for a subnet that cannot be scanned.
        """
        networks = [parse_subnet(s) for s in subnets] if subnets else self._networks()
        if not networks:
            raise ScanInputError("This PC has no IPv4 network to scan; give a subnet")
        found = await scan(
            hosts_of(networks), port, connect_timeout=connect_timeout, progress=progress
        )
        return list(await asyncio.gather(*(self.identify(f.host, f.port) for f in found)))

    async def add(self, address: str, key: str | None = None) -> Discovered:
        """Add the terminal at "IP[:port]", trying `key` first if given.

        Raises RegistryError for a malformed address and TerminalError when nothing answers
        there; a terminal that rejects every key comes back with `sn` None.
        """
        host, port = parse_address(address)
        return await self.identify(host, port, strict=True, extra_key=key)

    async def identify(
        self, host: str, port: int, *, strict: bool = False, extra_key: str | None = None
    ) -> Discovered:
        """Read the serial and versions at `host:port` with the keys the station holds.

        Never calls `open`. With `strict`, a terminal that does not answer raises its
        TerminalError; otherwise it is reported with `sn` None.
        """
        keys = await self._candidates(host, port)
        if extra_key:
            keys = [extra_key, *(k for k in keys if k != extra_key)]
        for key in keys:
            try:
                info = await self._device_info(host, port, key)
            except KeyRejected:
                continue
            except TerminalError:
                if strict:
                    raise
                return Discovered(host, port, None)
            await self._learn(host, port, info, key)
            return Discovered(host, port, info.sn or None, info.name, True, info.apk_version)
        self._mark_rejected(host, port)
        return Discovered(host, port, None)

    def on_heartbeat(self, heartbeat: Heartbeat, peer: str) -> bool:
        """Receiver callback: a heartbeat keeps its terminal online and its address current.

        True when it came from a terminal the station did not know (worth an `identify`).
        """
        new = heartbeat.device_sn not in self.registry.serials()
        self.registry.heartbeat(heartbeat, peer)
        return new

    async def _device_info(self, host: str, port: int, key: str) -> DeviceInfo:
        async with self._client_factory(
            host, port, key, timeout=IDENTIFY_TIMEOUT, retries=0
        ) as client:
            return await client.get_device_info()

    async def _candidates(self, host: str, port: int) -> list[str]:
        if self.keys is None:
            return [DEFAULT_KEY]
        here = self.registry.find(host, port)
        serials = [here.serial] if here else []
        serials += [s for s in self.registry.serials() if s not in serials]
        return await self.keys.candidates(serials)

    async def _learn(self, host: str, port: int, info: DeviceInfo, key: str) -> None:
        if not info.sn:
            return
        if self.keys is not None:
            await self.keys.remember_working(info.sn, key)
        status = KeyStatus.DEFAULT if key == DEFAULT_KEY else KeyStatus.OK
        self.registry.learn(host, port, info, status)

    def _mark_rejected(self, host: str, port: int) -> None:
        known = self.registry.find(host, port)
        if known is not None:
            self.registry.update(
                known.serial,
                key_status=KeyStatus.REJECTED,
                last_seen=self.registry.now(),
                problem="The terminal rejected every key this station holds",
            )


# ---- pass records --------------------------------------------------------------------------

RECORDS_FILE = "pass-records.jsonl"


class PassRecordLog:
    """Pass records uploaded by terminals, appended to a JSON-lines file and flushed to disk
    before the receiver acknowledges them (until the store takes them over).

    Photos go next to it as `<serial>-<ts>.jpg` in `pass-photos/`. `on_stored(record)` is
    called after each record is safely written.
    """

    def __init__(self, folder: Path | None = None, worker: BlockingWorker | None = None) -> None:
        self._folder = folder if folder is not None else station_home()
        self._worker = worker
        self._lock = asyncio.Lock()
        self.listeners: list[Callable[[PassRecord], None]] = []

    @property
    def path(self) -> Path:
        """The JSON-lines file."""
        return self._folder / RECORDS_FILE

    async def store(self, record: PassRecord) -> None:
        """Write `record` durably (on the worker's thread, or a thread of the default pool).

        Raises OSError when the disk refuses.
        """
        async with self._lock:
            if self._worker is not None:
                await self._worker.run(self._write, record)
            else:
                await asyncio.to_thread(self._write, record)
        for listener in list(self.listeners):
            listener(record)

    def read(self) -> list[PassRecord]:
        """Every record stored so far (lines that cannot be read are skipped and logged)."""
        records: list[PassRecord] = []
        with contextlib.suppress(FileNotFoundError), self.path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                try:
                    entry = json.loads(line)
                    record = PassRecord.from_protocol(entry)
                    record = replace(record, device_sn=str(entry.get("deviceSn", "")))
                    records.append(self._with_photo(record))
                except (ValueError, AttributeError, TypeError) as exc:
                    log.warning("%s line %d unreadable: %s", self.path, number, exc)
        return records

    def _photo_path(self, record: PassRecord) -> Path:
        name = f"{_safe(record.device_sn)}-{record.ts:.3f}-{_safe(record.person_id)}.jpg"
        return self._folder / "pass-photos" / name

    def _with_photo(self, record: PassRecord) -> PassRecord:
        """`record` with its snapshot from `pass-photos/`, when there is one."""
        try:
            return replace(record, photo=self._photo_path(record).read_bytes())
        except FileNotFoundError:
            return record

    def _write(self, record: PassRecord) -> None:
        self._folder.mkdir(parents=True, exist_ok=True)
        if record.photo:
            photo = self._photo_path(record)
            photo.parent.mkdir(exist_ok=True)
            photo.write_bytes(record.photo)
        line = json.dumps(record.to_protocol(), ensure_ascii=False) + "\n"
        with self.path.open("a", encoding="utf-8") as out:
            out.write(line)
            out.flush()
            os.fsync(out.fileno())


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)[:64]

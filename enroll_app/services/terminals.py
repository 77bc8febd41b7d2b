"""Managing known terminals: status refresh, clock, settings, keys, uploads, door, reboot, update.

Every call picks the key from the keyring (the terminal's own, a pending one, the site key,
then "abc"), remembers which key worked, and raises the client's `TerminalError` (with the
terminal's reason as operator text) or `RegistryError` / `KeyStoreError` when it fails.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from enroll_app.services.discovery import (
    ClientFactory,
    KeyStatus,
    KnownTerminal,
    TerminalRegistry,
)
from enroll_app.services.keys import KeyStore, KeyStoreError, check_key
from enroll_app.terminal.client import TerminalClient
from enroll_app.terminal.errors import KeyRejected, TerminalError, TerminalUnreachable
from enroll_app.terminal.protocol import DEFAULT_KEY, MAX_PERSONS
from enroll_app.terminal.records import DeviceInfo
from enroll_app.terminal.validation import SETTING_NAMES

log = logging.getLogger(__name__)

T = TypeVar("T")
Operation = Callable[[TerminalClient], Awaitable[T]]
REFRESH_CONCURRENCY = 8
DEFAULT_HEARTBEAT_PERIOD = 10.0


@dataclass(frozen=True)
class TimeSync:
    """A clock sync: the terminal's offset from this PC before and after, in seconds."""

    before: float
    after: float


@dataclass(frozen=True)
class RotationResult:
    """How a key rotation went for one terminal; `confirmed` False keeps old and new keys."""

    serial: str
    confirmed: bool
    message: str


@dataclass(frozen=True)
class UploadTargets:
    """Where a terminal sends heartbeats and pass records."""

    heartbeat_url: str
    record_url: str
    period: float = DEFAULT_HEARTBEAT_PERIOD


class TerminalService:
    """The terminal management use cases over the registry, the key store and the client.

    Runs on the event loop; holds no UI state. `clock` is this PC's wall clock (epoch s).
    Without a key store only the factory key is tried; without one that remembers keys (no
    secure keyring on this PC) keys cannot be changed: a new key would be lost on quit.
    """

    def __init__(
        self,
        registry: TerminalRegistry,
        keys: KeyStore | None,
        *,
        client_factory: ClientFactory = TerminalClient,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.registry = registry
        self.keys = keys
        self._client_factory = client_factory
        self._clock = clock

    # ---- status ----------------------------------------------------------------------------

    async def refresh(self, serial: str) -> KnownTerminal:
        """Read name, versions, person count and clock offset; record any problem plainly."""
        try:
            info, persons, offset = await self._with_key(serial, self._status)
        except TerminalError as exc:
            return self.registry.update(serial, problem=exc.operator_text)
        return self.registry.update(
            serial,
            name=info.name or self.registry.get(serial).name,
            app_version=info.apk_version,
            version=info.version,
            persons=persons,
            clock_offset=offset,
            problem="",
        )

    async def refresh_all(self) -> None:
        """Refresh every known terminal, a few at a time."""
        limit = asyncio.Semaphore(REFRESH_CONCURRENCY)

        async def one(serial: str) -> None:
            async with limit:
                await self.refresh(serial)

        await asyncio.gather(*(one(s) for s in self.registry.serials()))

    async def _status(self, client: TerminalClient) -> tuple[DeviceInfo, int, float]:
        info = await client.get_device_info()
        offset = await self._offset(client)
        persons = len(await client.list_persons())
        return info, persons, offset

    @staticmethod
    def capacity() -> int:
        """How many persons a terminal holds."""
        return MAX_PERSONS

    # ---- clock -----------------------------------------------------------------------------

    async def sync_time(self, serial: str) -> TimeSync:
        """Set the terminal's clock to this PC's; the offset before and after."""

        async def sync(client: TerminalClient) -> TimeSync:
            before = await self._offset(client)
            await client.set_time(self._clock())
            return TimeSync(before, await self._offset(client))

        result = await self._with_key(serial, sync)
        self.registry.update(serial, clock_offset=result.after)
        return result

    async def _offset(self, client: TerminalClient) -> float:
        # Half the round trip is the best guess of when the terminal read its clock.
        sent = self._clock()
        terminal = await client.get_time()
        return terminal - (sent + self._clock()) / 2

    # ---- settings --------------------------------------------------------------------------

    async def read_settings(self, serial: str) -> DeviceInfo:
        """The terminal's settings (getDeviceInfo)."""
        return await self._with_key(serial, lambda c: c.get_device_info())

    async def write_settings(self, serial: str, changes: Mapping[str, object]) -> DeviceInfo:
        """Change settings (protocol names, see `setting_names`) and read them back."""

        async def write(client: TerminalClient) -> DeviceInfo:
            await client.set_device_info(changes)
            return await client.get_device_info()

        info = await self._with_key(serial, write)
        self.registry.update(serial, name=info.name or self.registry.get(serial).name)
        return info

    @staticmethod
    def setting_names() -> tuple[str, ...]:
        """The setDeviceInfo fields the protocol knows."""
        return SETTING_NAMES

    # ---- keys ------------------------------------------------------------------------------

    async def rotate_key(self, serial: str, new_key: str) -> RotationResult:
        """Give the terminal `new_key`: set it with the current key, check it, then store it.

        If the check fails, both keys are kept (the new one as pending) and the result says so.
        """
        keys = self._key_store()
        check_key(new_key)
        terminal = self.registry.get(serial)
        current = await self._working_key(terminal)
        # Kept before asking: if the reply is lost, the terminal may hold the new key already.
        await keys.set_pending(serial, new_key)
        try:
            async with self._client(terminal, current) as client:
                await client.set_device_key(new_key)
        except TerminalUnreachable:
            log.info("setDeviceKey of %s got no reply; checking the new key", serial)
        except TerminalError:
            await keys.clear_pending(serial)  # refused: the terminal kept its old key
            raise
        return await self._confirm(terminal, new_key)

    async def rotate_keys(
        self,
        serials: Iterable[str],
        new_key: str,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[RotationResult]:
        """Rotate several terminals to `new_key`, one after another; a result per terminal."""
        self._key_store()
        check_key(new_key)
        targets = list(serials)
        results: list[RotationResult] = []
        for done, serial in enumerate(targets, 1):
            try:
                results.append(await self.rotate_key(serial, new_key))
            except TerminalError as exc:
                results.append(RotationResult(serial, False, exc.operator_text))
            if progress is not None:
                progress(done, len(targets))
        return results

    async def set_site_key(self, key: str) -> None:
        """Store the site key (used for every terminal without a key of its own)."""
        await self._key_store().set_site_key(key)

    @property
    def keys_can_change(self) -> bool:
        """False without a key store that remembers keys: a new key would be lost on quit."""
        return self.keys is not None and self.keys.remembers

    def _key_store(self) -> KeyStore:
        if self.keys is None or not self.keys.remembers:
            raise KeyStoreError(
                "Keys cannot be changed: this PC has no secure key store to remember them"
            )
        return self.keys

    async def _confirm(self, terminal: KnownTerminal, new_key: str) -> RotationResult:
        try:
            async with self._client(terminal, new_key) as client:
                await client.get_time()
        except TerminalError as exc:
            await self._key_store().set_pending(terminal.serial, new_key)
            return self._unconfirmed(terminal.serial, exc.operator_text)
        await self._key_store().set_key(terminal.serial, new_key)
        self.registry.update(terminal.serial, key_status=KeyStatus.OK, problem="")
        self.registry.seen(terminal.serial)
        return RotationResult(terminal.serial, True, "The new key is set and works")

    def _unconfirmed(self, serial: str, why: str) -> RotationResult:
        text = f"Could not confirm the new key ({why}); the old and new keys are both kept"
        self.registry.update(serial, key_status=KeyStatus.PENDING, problem=text)
        return RotationResult(serial, False, text)

    # ---- uploads, door, reboot, update -----------------------------------------------------

    async def configure_uploads(self, serial: str, targets: UploadTargets) -> None:
        """Point the terminal's heartbeats and pass records at this station."""

        async def configure(client: TerminalClient) -> None:
            await client.set_heartbeat(targets.heartbeat_url, targets.period)
            await client.set_record_callback(targets.record_url)

        await self._with_key(serial, configure)

    async def open_door(self, serial: str) -> None:
        """Open the terminal's door (the UI asks the operator first)."""
        await self._with_key(serial, lambda c: c.open_door())

    async def reboot(self, serial: str) -> None:
        """Restart the terminal (it answers, then restarts about 3 s later)."""
        await self._with_key(serial, lambda c: c.reboot())

    async def update_app(self, serial: str, url: str) -> None:
        """Make the terminal download and install its app from `url`."""
        await self._with_key(serial, lambda c: c.update_apk(url))

    # ---- key selection ---------------------------------------------------------------------

    async def _with_key(self, serial: str, operation: Operation[T]) -> T:
        """Run `operation` with the first key the terminal accepts; remember that key.

        A rejected key is refused before the terminal acts, so trying the next is safe even
        for `open` and `reboot`.
        """
        terminal = self.registry.get(serial)
        rejected: KeyRejected | None = None
        candidates = await self.keys.candidates([serial]) if self.keys else [DEFAULT_KEY]
        for key in candidates:
            try:
                async with self._client(terminal, key) as client:
                    result = await operation(client)
            except KeyRejected as exc:
                rejected = exc
                continue
            await self._worked(serial, key)
            return result
        self.registry.update(
            serial,
            key_status=KeyStatus.REJECTED,
            problem="The terminal rejected every key this station holds",
        )
        assert rejected is not None  # candidates always holds "abc"
        raise rejected

    async def _working_key(self, terminal: KnownTerminal) -> str:
        async def probe(client: TerminalClient) -> str:
            await client.get_time()
            return client.key

        return await self._with_key(terminal.serial, probe)

    async def _worked(self, serial: str, key: str) -> None:
        if self.keys is not None:
            await self.keys.remember_working(serial, key)
        status = KeyStatus.DEFAULT if key == DEFAULT_KEY else KeyStatus.OK
        self.registry.update(serial, key_status=status, last_seen=self.registry.now())

    def _client(self, terminal: KnownTerminal, key: str) -> TerminalClient:
        return self._client_factory(terminal.host, terminal.port, key)


def describe_key_status(status: KeyStatus) -> str:
    """Operator text for a key status."""
    return _KEY_TEXT[status]


_KEY_TEXT: dict[KeyStatus, str] = {
    KeyStatus.UNKNOWN: "Not checked yet",
    KeyStatus.DEFAULT: "Factory key (abc): set a site key",
    KeyStatus.OK: "OK",
    KeyStatus.PENDING: "New key not confirmed",
    KeyStatus.REJECTED: "Key rejected",
}


def describe_problem(exc: BaseException) -> str:
    """Plain words for any failure of a terminal action."""
    if isinstance(exc, TerminalError):
        return exc.operator_text
    return str(exc) or type(exc).__name__

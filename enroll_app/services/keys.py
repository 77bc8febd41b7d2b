"""Terminal keys in the OS keyring: one per terminal serial, a site key, and keys being rotated.

Keys never go to logs or plain files. A file keyring (keyrings.alt) is used only when the
operator chose it explicitly (`PYTHON_KEYRING_BACKEND` or a keyringrc file): the station never
falls back to one silently. Without a usable keyring, `KeyStore.open()` gives a store that
keeps keys in memory for this session only (`remembers` False, `problem` says why).

Keyring calls can take a tenth of a second (D-Bus, a file on a busy disk), so every method is
a coroutine that runs them on a `BlockingWorker` thread (or, without one, on a thread of the
loop's default pool, one call at a time), never on the caller's event loop.
"""

from __future__ import annotations

import asyncio
import enum
import os
import threading
from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar, TypeVarTuple

import keyring
import keyring.backend
import keyring.core
import keyring.errors

from enroll_app.services.worker import BlockingWorker
from enroll_app.terminal.protocol import DEFAULT_KEY, MAX_KEY_BYTES

T = TypeVar("T")
Ts = TypeVarTuple("Ts")

SERVICE = "enroll-station"
SITE_KEY_USER = "site-key"  # serials are hex, so this never clashes with a terminal
_PENDING_SUFFIX = ":pending"


class KeyProblem(enum.Enum):
    """Why a key cannot be used (the UI shows each in the operator's language)."""

    EMPTY = "The key is empty"
    TOO_LONG = f"The key is longer than {MAX_KEY_BYTES} bytes"
    SPACES = "The key must not contain spaces or control characters"


class KeyStoreError(Exception):
    """The keyring could not be used, or a key is not acceptable; the message says why.

    `problem` is set when the key itself is not acceptable.
    """

    def __init__(self, message: str, problem: KeyProblem | None = None) -> None:
        super().__init__(message)
        self.problem = problem


def check_key(key: str) -> str:
    """`key` if a terminal can take it: 1..20 bytes of printable text without spaces."""
    problem = key_problem(key)
    if problem is not None:
        raise KeyStoreError(problem.value, problem)
    return key


def key_problem(key: str) -> KeyProblem | None:
    """What is wrong with `key` for a terminal (None: nothing)."""
    if not key:
        return KeyProblem.EMPTY
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        return KeyProblem.TOO_LONG
    if any(c.isspace() or not c.isprintable() for c in key):
        return KeyProblem.SPACES
    return None


class Backend(Protocol):
    """The part of a keyring backend the store uses."""

    def get_password(self, service: str, username: str) -> str | None: ...

    def set_password(self, service: str, username: str, password: str) -> None: ...

    def delete_password(self, service: str, username: str) -> None: ...


class SessionKeys:
    """Keys kept in memory until the station closes: used when the PC has no secure store."""

    def __init__(self) -> None:
        self._keys: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        """The key stored for (`service`, `username`), if any."""
        return self._keys.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        """Keep a key until the station closes."""
        self._keys[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        """Forget a key."""
        self._keys.pop((service, username), None)


def _is_file_backend(backend: keyring.backend.KeyringBackend) -> bool:
    # keyrings.alt: a plain file, or an encrypted one that asks for its password on stdin.
    return type(backend).__module__.startswith("keyrings.alt")


def _chosen_explicitly() -> bool:
    return bool(os.environ.get("PYTHON_KEYRING_BACKEND")) or keyring.core.load_config() is not None


def _system_keyring() -> keyring.backend.KeyringBackend:
    """The OS keyring; KeyStoreError when there is none the station may use."""
    backend = keyring.get_keyring()
    if "fail" in type(backend).__module__.split("."):
        raise KeyStoreError(
            "No keyring is available on this PC, so terminal keys cannot be stored safely"
        )
    if _is_file_backend(backend) and not _chosen_explicitly():
        raise KeyStoreError(
            "This PC has no system keyring, only a file-based one (keyrings.alt); choose it "
            "explicitly (PYTHON_KEYRING_BACKEND) if keys in a plain file are acceptable here"
        )
    return backend


class KeyStore:
    """Where the station keeps the keys of its terminals (service name "enroll-station").

    Per terminal the username is its serial; the site key, used for every terminal without
    a key of its own, is under "site-key". During a rotation whose check failed, the new key
    is kept as "<serial>:pending" next to the old one, so neither is lost.

    `KeyStore()` opens the system keyring on the calling thread (raising KeyStoreError when
    there is none the station may use); the UI awaits `KeyStore.open(worker)` instead.
    """

    def __init__(
        self,
        backend: Backend | None = None,
        *,
        worker: BlockingWorker | None = None,
        problem: str = "",
    ) -> None:
        self._backend: Backend = backend if backend is not None else _system_keyring()
        if backend is not None and "fail" in type(backend).__module__.split("."):
            raise KeyStoreError(
                "No keyring is available on this PC, so terminal keys cannot be stored safely"
            )
        self._worker = worker
        self._lock = threading.Lock()  # keyring backends are not thread-safe
        self.problem = problem

    @classmethod
    async def open(cls, worker: BlockingWorker) -> KeyStore:
        """The system keyring, or keys for this session only when the PC has none to use."""
        try:
            backend = await worker.run(_system_keyring)
        except KeyStoreError as exc:
            return cls(SessionKeys(), worker=worker, problem=str(exc))
        return cls(backend, worker=worker)

    @property
    def remembers(self) -> bool:
        """False when keys are kept only until the station closes (no secure store)."""
        return not isinstance(self._backend, SessionKeys)

    @property
    def backend_name(self) -> str:
        """Which keyring holds the keys, for the settings dialog."""
        return type(self._backend).__name__

    async def key(self, serial: str) -> str | None:
        """The key stored for terminal `serial` (None if it has none of its own)."""
        return await self._run(self._get, serial)

    async def pending_key(self, serial: str) -> str | None:
        """A new key set during a rotation that could not be confirmed yet."""
        return await self._run(self._get, serial + _PENDING_SUFFIX)

    async def site_key(self) -> str | None:
        """The key shared by every terminal without one of its own."""
        return await self._run(self._get, SITE_KEY_USER)

    async def set_key(self, serial: str, key: str) -> None:
        """Store `key` as terminal `serial`'s key and drop any pending one."""
        await self._run(self._set_key, serial, check_key(key))

    async def set_pending(self, serial: str, key: str) -> None:
        """Keep `key` as a possible key of `serial` next to the stored one."""
        await self._run(self._set, serial + _PENDING_SUFFIX, check_key(key))

    async def clear_pending(self, serial: str) -> None:
        """Drop the pending key of `serial` (the terminal refused it)."""
        await self._run(self._delete, serial + _PENDING_SUFFIX)

    async def set_site_key(self, key: str) -> None:
        """Store the site key."""
        await self._run(self._set, SITE_KEY_USER, check_key(key))

    async def forget(self, serial: str) -> None:
        """Remove every key of terminal `serial`."""
        await self._run(self._forget, serial)

    async def candidates(self, serials: Iterable[str] = ()) -> list[str]:
        """Keys to try, most likely first: those of `serials`, the site key, then "abc"."""
        return await self._run(self._candidates, list(serials))

    async def remember_working(self, serial: str, key: str) -> None:
        """Record that `key` opened terminal `serial` (the default key is not stored)."""
        if key != DEFAULT_KEY:
            await self._run(self._remember_working, serial, key)

    async def _run(self, call: Callable[[*Ts], T], *args: *Ts) -> T:
        if self._worker is not None:
            return await self._worker.run(call, *args)

        def locked() -> T:
            with self._lock:
                return call(*args)

        return await asyncio.to_thread(locked)

    # ---- on the worker thread ----------------------------------------------------------

    def _candidates(self, serials: list[str]) -> list[str]:
        keys: list[str | None] = []
        for serial in serials:
            keys += [self._get(serial), self._get(serial + _PENDING_SUFFIX)]
        keys += [self._get(SITE_KEY_USER), DEFAULT_KEY]
        return list(dict.fromkeys(k for k in keys if k))

    def _remember_working(self, serial: str, key: str) -> None:
        pending = self._get(serial + _PENDING_SUFFIX)
        if self._get(serial) != key or pending is not None:
            self._set_key(serial, key)

    def _set_key(self, serial: str, key: str) -> None:
        self._set(serial, key)
        self._delete(serial + _PENDING_SUFFIX)

    def _forget(self, serial: str) -> None:
        self._delete(serial)
        self._delete(serial + _PENDING_SUFFIX)

    def _get(self, user: str) -> str | None:
        try:
            return self._backend.get_password(SERVICE, user)
        except keyring.errors.KeyringError as exc:
            raise KeyStoreError(f"Could not read from the keyring: {exc}") from None

    def _set(self, user: str, key: str) -> None:
        try:
            self._backend.set_password(SERVICE, user, key)
        except keyring.errors.KeyringError as exc:
            raise KeyStoreError(f"Could not save to the keyring: {exc}") from None

    def _delete(self, user: str) -> None:
        try:
            if self._backend.get_password(SERVICE, user) is not None:
                self._backend.delete_password(SERVICE, user)
        except keyring.errors.KeyringError as exc:
            raise KeyStoreError(f"Could not remove from the keyring: {exc}") from None

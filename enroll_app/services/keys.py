"""Terminal keys in the OS keyring: one per terminal serial, a site key, and keys being rotated.

Keys never go to logs or plain files. A file keyring (keyrings.alt) is used only when the
operator chose it explicitly (`PYTHON_KEYRING_BACKEND` or a keyringrc file): the station never
falls back to one silently.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import keyring
import keyring.backend
import keyring.core
import keyring.errors

from enroll_app.terminal.protocol import DEFAULT_KEY, MAX_KEY_BYTES

SERVICE = "enroll-station"
SITE_KEY_USER = "site-key"  # serials are hex, so this never clashes with a terminal
_PENDING_SUFFIX = ":pending"


class KeyStoreError(Exception):
    """The keyring could not be used, or a key is not acceptable; the message says why."""


def check_key(key: str) -> str:
    """`key` if a terminal can take it: 1..20 bytes of printable text without spaces."""
    if not key:
        raise KeyStoreError("The key is empty")
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise KeyStoreError(f"The key is longer than {MAX_KEY_BYTES} bytes")
    if any(c.isspace() or not c.isprintable() for c in key):
        raise KeyStoreError("The key must not contain spaces or control characters")
    return key


def _is_file_backend(backend: keyring.backend.KeyringBackend) -> bool:
    # keyrings.alt: a plain file, or an encrypted one that asks for its password on stdin.
    return type(backend).__module__.startswith("keyrings.alt")


def _chosen_explicitly() -> bool:
    return bool(os.environ.get("PYTHON_KEYRING_BACKEND")) or keyring.core.load_config() is not None


class KeyStore:
    """Where the station keeps the keys of its terminals (service name "enroll-station").

    Per terminal the username is its serial; the site key, used for every terminal without
    a key of its own, is under "site-key". During a rotation whose check failed, the new key
    is kept as "<serial>:pending" next to the old one, so neither is lost.
    """

    def __init__(self, backend: keyring.backend.KeyringBackend | None = None) -> None:
        self._backend = backend if backend is not None else keyring.get_keyring()
        if "fail" in type(self._backend).__module__.split("."):
            raise KeyStoreError(
                "No keyring is available on this PC, so terminal keys cannot be stored safely"
            )
        if _is_file_backend(self._backend) and backend is None and not _chosen_explicitly():
            raise KeyStoreError(
                "This PC has no system keyring, only a file-based one (keyrings.alt); choose it "
                "explicitly (PYTHON_KEYRING_BACKEND) if keys in a plain file are acceptable here"
            )

    @property
    def backend_name(self) -> str:
        """Which keyring holds the keys, for the settings dialog."""
        return type(self._backend).__name__

    def key(self, serial: str) -> str | None:
        """The key stored for terminal `serial` (None if it has none of its own)."""
        return self._get(serial)

    def pending_key(self, serial: str) -> str | None:
        """A new key set during a rotation that could not be confirmed yet."""
        return self._get(serial + _PENDING_SUFFIX)

    def site_key(self) -> str | None:
        """The key shared by every terminal without one of its own."""
        return self._get(SITE_KEY_USER)

    def set_key(self, serial: str, key: str) -> None:
        """Store `key` as terminal `serial`'s key and drop any pending one."""
        self._set(serial, check_key(key))
        self._delete(serial + _PENDING_SUFFIX)

    def set_pending(self, serial: str, key: str) -> None:
        """Keep `key` as a possible key of `serial` next to the stored one."""
        self._set(serial + _PENDING_SUFFIX, check_key(key))

    def clear_pending(self, serial: str) -> None:
        """Drop the pending key of `serial` (the terminal refused it)."""
        self._delete(serial + _PENDING_SUFFIX)

    def set_site_key(self, key: str) -> None:
        """Store the site key."""
        self._set(SITE_KEY_USER, check_key(key))

    def forget(self, serial: str) -> None:
        """Remove every key of terminal `serial`."""
        self._delete(serial)
        self._delete(serial + _PENDING_SUFFIX)

    def candidates(self, serials: Iterable[str] = ()) -> list[str]:
        """Keys to try, most likely first: those of `serials`, the site key, then "abc"."""
        keys: list[str | None] = []
        for serial in serials:
            keys += [self.key(serial), self.pending_key(serial)]
        keys += [self.site_key(), DEFAULT_KEY]
        return list(dict.fromkeys(k for k in keys if k))

    def remember_working(self, serial: str, key: str) -> None:
        """Record that `key` opened terminal `serial` (the default key is not stored)."""
        if key == DEFAULT_KEY:
            return
        if self.key(serial) != key or self.pending_key(serial) is not None:
            self.set_key(serial, key)

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

"""Keys live in a real file-backed keyring in the test's temp home, never in station files."""

from __future__ import annotations

import os
from pathlib import Path

import keyring
import pytest

from enroll_app.services.keys import KeyStore, KeyStoreError, check_key

SN = "0123456789abcdef"
OTHER = "fedcba9876543210"


def _keyring_file(home: Path) -> Path:
    return home / "xdg-data" / "python_keyring" / "keyring_pass.cfg"


def test_keys_persist_in_the_configured_keyring(station_home: Path) -> None:
    store = KeyStore()
    assert store.backend_name == "PlaintextKeyring"
    store.set_key(SN, "k-terminal-1")
    store.set_site_key("site-secret")
    again = KeyStore()  # a new process would read the same
    assert again.key(SN) == "k-terminal-1"
    assert again.site_key() == "site-secret"
    assert again.key(OTHER) is None
    assert _keyring_file(station_home).is_file()
    # Nothing under the station's own folder (outside the keyring's) contains a key.
    for path in station_home.rglob("*"):
        if path.is_file() and path != _keyring_file(station_home):
            assert b"k-terminal-1" not in path.read_bytes()


def test_candidates_order_and_default_last() -> None:
    store = KeyStore()
    assert store.candidates() == ["abc"]
    store.set_site_key("site")
    store.set_key(SN, "mine")
    store.set_pending(OTHER, "new-one")
    store.set_key(OTHER, "old-one")  # setting a key drops the pending one
    store.set_pending(OTHER, "new-one")
    assert store.candidates([SN, OTHER]) == ["mine", "old-one", "new-one", "site", "abc"]


def test_remember_working_promotes_a_pending_key() -> None:
    store = KeyStore()
    store.set_key(SN, "old")
    store.set_pending(SN, "new")
    store.remember_working(SN, "new")
    assert (store.key(SN), store.pending_key(SN)) == ("new", None)
    store.remember_working(OTHER, "abc")
    assert store.key(OTHER) is None
    store.forget(SN)
    assert store.key(SN) is None


@pytest.mark.parametrize(
    ("key", "why"),
    [("", "empty"), ("x" * 21, "longer than 20"), ("a b", "spaces"), ("é" * 11, "longer")],
)
def test_bad_keys_are_refused(key: str, why: str) -> None:
    with pytest.raises(KeyStoreError, match=why):
        check_key(key)
    with pytest.raises(KeyStoreError):
        KeyStore().set_site_key(key)


def test_never_silently_falls_back_to_a_plain_file(
    monkeypatch: pytest.MonkeyPatch, station_home: Path
) -> None:
    from keyrings.alt.file import PlaintextKeyring

    monkeypatch.delenv("PYTHON_KEYRING_BACKEND")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(station_home / "no-config"))
    previous = keyring.get_keyring()
    keyring.set_keyring(PlaintextKeyring())  # what keyring picks when nothing better exists
    try:
        with pytest.raises(KeyStoreError, match="plain file"):
            KeyStore()
    finally:
        keyring.set_keyring(previous)
    assert "PYTHON_KEYRING_BACKEND" not in os.environ


def test_no_keyring_at_all_is_reported() -> None:
    from keyring.backends.fail import Keyring as NoKeyring

    with pytest.raises(KeyStoreError, match="No keyring"):
        KeyStore(NoKeyring())

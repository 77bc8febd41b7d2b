"""Keys live in a real file-backed keyring in the test's temp home, never in station files."""

from __future__ import annotations

import os
from pathlib import Path

import keyring
import pytest

from enroll_app.services.keys import KeyStore, KeyStoreError, check_key
from enroll_app.services.worker import BlockingWorker

SN = "0123456789abcdef"
OTHER = "fedcba9876543210"


def _files_holding(folder: Path, text: bytes) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and text in p.read_bytes()]


def _keyring_file(home: Path) -> Path:
    return home / "xdg-data" / "python_keyring" / "keyring_pass.cfg"


@pytest.mark.asyncio
async def test_keys_persist_in_the_configured_keyring(station_home: Path) -> None:
    store = KeyStore()
    assert store.backend_name == "PlaintextKeyring"
    assert store.remembers
    await store.set_key(SN, "k-terminal-1")
    await store.set_site_key("site-secret")
    again = KeyStore()  # a new process would read the same
    assert await again.key(SN) == "k-terminal-1"
    assert await again.site_key() == "site-secret"
    assert await again.key(OTHER) is None
    assert _keyring_file(station_home).is_file()
    # Nothing under the station's own folder (outside the keyring's) contains a key.
    assert _files_holding(station_home, b"k-terminal-1") == []


@pytest.mark.asyncio
async def test_candidates_order_and_default_last() -> None:
    store = KeyStore()
    assert await store.candidates() == ["abc"]
    await store.set_site_key("site")
    await store.set_key(SN, "mine")
    await store.set_pending(OTHER, "new-one")
    await store.set_key(OTHER, "old-one")  # setting a key drops the pending one
    await store.set_pending(OTHER, "new-one")
    assert await store.candidates([SN, OTHER]) == ["mine", "old-one", "new-one", "site", "abc"]


@pytest.mark.asyncio
async def test_remember_working_promotes_a_pending_key() -> None:
    store = KeyStore()
    await store.set_key(SN, "old")
    await store.set_pending(SN, "new")
    await store.remember_working(SN, "new")
    assert (await store.key(SN), await store.pending_key(SN)) == ("new", None)
    await store.remember_working(OTHER, "abc")
    assert await store.key(OTHER) is None
    await store.forget(SN)
    assert await store.key(SN) is None


@pytest.mark.parametrize(
    ("key", "why"),
    [("", "empty"), ("x" * 21, "longer than 20"), ("a b", "spaces"), ("é" * 11, "longer")],
)
@pytest.mark.asyncio
async def test_bad_keys_are_refused(key: str, why: str) -> None:
    with pytest.raises(KeyStoreError, match=why) as refused:
        check_key(key)
    assert refused.value.problem is not None
    with pytest.raises(KeyStoreError):
        await KeyStore().set_site_key(key)


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


@pytest.mark.asyncio
async def test_without_a_secure_keyring_keys_last_only_this_session(
    monkeypatch: pytest.MonkeyPatch, station_home: Path
) -> None:
    from keyrings.alt.file import PlaintextKeyring

    monkeypatch.delenv("PYTHON_KEYRING_BACKEND")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(station_home / "no-config"))
    previous = keyring.get_keyring()
    keyring.set_keyring(PlaintextKeyring())
    worker = BlockingWorker()
    try:
        store = await KeyStore.open(worker)
        assert not store.remembers
        assert "plain file" in store.problem
        await store.set_key(SN, "typed-by-hand")
        assert await store.candidates([SN]) == ["typed-by-hand", "abc"]
        fresh = await KeyStore.open(worker)  # the next start of the station
        assert await fresh.key(SN) is None
    finally:
        keyring.set_keyring(previous)
        await worker.aclose()
    # Nothing was written anywhere: no keyring file, no station file.
    assert _files_holding(station_home, b"") == []

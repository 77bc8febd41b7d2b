"""Terminal management against simulated terminals: refresh, clock, settings, keys, actions."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from enroll_app.services.discovery import DiscoveryService, KeyStatus, TerminalRegistry
from enroll_app.services.keys import KeyStore, KeyStoreError
from enroll_app.services.terminals import TerminalService, UploadTargets
from enroll_app.simulator import SimulatedTerminal
from enroll_app.terminal.client import TerminalClient
from enroll_app.terminal.errors import InvalidInput, KeyRejected, TerminalUnreachable
from tests.integration.conftest import SimFactory, sim_factory

__all__ = ["sim_factory"]


async def _known(term: SimulatedTerminal, keys: KeyStore | None = None) -> TerminalService:
    registry = TerminalRegistry()
    keys = keys or KeyStore()
    found = await DiscoveryService(registry, keys).identify(term.host, term.port)
    assert found.sn == term.serial
    return TerminalService(registry, keys)


def _files_containing(home: Path, secret: bytes) -> list[Path]:
    """Files under the station's home (the test keyring's own file aside) holding `secret`."""
    files = [p for p in home.rglob("*") if p.is_file() and "python_keyring" not in p.parts]
    return [p for p in files if secret in p.read_bytes()]


def _seed_for(drops: list[bool]) -> int:
    """A seed whose first draws make the simulator drop exactly the replies marked True."""
    for seed in range(10_000):
        rng = random.Random(seed)
        if [rng.random() < 0.5 for _ in drops] == drops:
            return seed
    raise AssertionError("no seed")


def _events(term: SimulatedTerminal, kind: str) -> list[dict[str, object]]:
    return [e for e in term.device.state.events if e["event"] == kind]


@pytest.mark.asyncio
async def test_refresh_reads_status(sim_factory: SimFactory) -> None:
    term = await sim_factory(host="127.0.0.2")
    term.device.set_skew(-42.0)
    service = await _known(term)
    terminal = await service.refresh(term.serial)
    assert terminal.persons == 0
    assert terminal.clock_offset == pytest.approx(-42.0, abs=1.0)
    assert terminal.app_version
    assert terminal.problem == ""
    assert terminal.key_status is KeyStatus.DEFAULT


@pytest.mark.asyncio
async def test_sync_time_reports_before_and_after(sim_factory: SimFactory) -> None:
    term = await sim_factory(host="127.0.0.2")
    term.device.set_skew(300.0)
    service = await _known(term)
    result = await service.sync_time(term.serial)
    assert result.before == pytest.approx(300.0, abs=1.0)
    assert abs(result.after) < 1.0
    assert service.registry.get(term.serial).clock_offset == result.after


@pytest.mark.asyncio
async def test_settings_round_trip_and_range_errors(sim_factory: SimFactory) -> None:
    term = await sim_factory(host="127.0.0.2")
    service = await _known(term)
    info = await service.write_settings(
        term.serial, {"deviceName": "Gate 3", "deviceSoundSize": 40}
    )
    assert info.name == "Gate 3"
    assert float(info.settings["deviceSoundSize"]) == 40
    assert service.registry.get(term.serial).name == "Gate 3"
    with pytest.raises(InvalidInput, match="out of range"):
        await service.write_settings(term.serial, {"deviceSoundSize": 101})
    assert "deviceSoundSize" in service.setting_names()


@pytest.mark.asyncio
async def test_key_rotation_persists_and_is_used(
    sim_factory: SimFactory, station_home: Path
) -> None:
    first = await sim_factory(host="127.0.0.2")
    second = await sim_factory(host="127.0.0.3", port=first.port)
    keys = KeyStore()
    registry = TerminalRegistry()
    discovery = DiscoveryService(registry, keys)
    await discovery.discover(["127.0.0.0/29"], first.port)
    service = TerminalService(registry, keys)
    progress: list[tuple[int, int]] = []
    results = await service.rotate_keys(
        [first.serial, second.serial], "s1te-key", lambda d, t: progress.append((d, t))
    )
    assert [r.confirmed for r in results] == [True, True]
    assert progress == [(1, 2), (2, 2)]
    again = KeyStore()  # what the next start of the station reads
    assert await again.key(first.serial) == "s1te-key"
    assert registry.get(first.serial).key_status is KeyStatus.OK
    # The terminal really has the new key: the factory key no longer works.
    async with TerminalClient(first.host, first.port, "abc") as client:
        with pytest.raises(KeyRejected):
            await client.get_time()
    # ... and the service keeps working with it.
    await service.open_door(first.serial)
    assert len(_events(first, "open")) == 1
    # No station file holds the key.
    assert _files_containing(station_home, b"s1te-key") == []


@pytest.mark.asyncio
async def test_rotation_of_an_unreachable_terminal_is_reported(sim_factory: SimFactory) -> None:
    term = await sim_factory(host="127.0.0.2")
    service = await _known(term)
    await term.stop()
    [result] = await service.rotate_keys([term.serial], "newkey1")
    assert not result.confirmed
    assert "connect" in result.message.lower()
    with pytest.raises(KeyStoreError, match="spaces"):
        await service.rotate_key(term.serial, "has space")


@pytest.mark.asyncio
async def test_wrong_keys_everywhere_give_key_rejected(sim_factory: SimFactory) -> None:
    term = await sim_factory(host="127.0.0.2")
    service = await _known(term)
    async with TerminalClient(term.host, term.port) as client:
        await client.set_device_key("someone-else")
    with pytest.raises(KeyRejected) as caught:
        await service.reboot(term.serial)
    assert caught.value.operator_text == "The terminal rejected the key"
    assert service.registry.get(term.serial).key_status is KeyStatus.REJECTED
    assert _events(term, "reboot") == []


@pytest.mark.asyncio
async def test_uploads_door_reboot_update(sim_factory: SimFactory) -> None:
    term = await sim_factory(host="127.0.0.2")
    service = await _known(term)
    await service.configure_uploads(
        term.serial,
        UploadTargets("http://127.0.0.1:8099/heartbeat", "http://127.0.0.1:8099/record", 5),
    )
    async with TerminalClient(term.host, term.port) as client:
        heartbeat = await client.get_heartbeat()
        assert (heartbeat.url, heartbeat.period) == ("http://127.0.0.1:8099/heartbeat", 5)
        assert await client.get_record_callback() == "http://127.0.0.1:8099/record"
    await service.update_app(term.serial, "http://127.0.0.1:8000/app.apk")
    assert _events(term, "updateAPK")[0]["url"] == "http://127.0.0.1:8000/app.apk"
    with pytest.raises(InvalidInput):
        await service.update_app(term.serial, "not a url")
    await service.reboot(term.serial)
    await term.wait_booted(2)
    await term.stop()
    with pytest.raises(TerminalUnreachable):
        await service.open_door(term.serial)
    refreshed = await service.refresh(term.serial)
    assert "connect" in refreshed.problem.lower()


@pytest.mark.asyncio
async def test_unconfirmed_rotation_keeps_both_keys_until_one_works(
    sim_factory: SimFactory,
) -> None:
    term = await sim_factory(host="127.0.0.2")
    keys = KeyStore()
    service = await _known(term, keys)
    once = TerminalService(
        service.registry,
        keys,
        client_factory=lambda host, port, key, **kw: TerminalClient(host, port, key, retries=0),
    )
    # The terminal answers the key check, then takes the new key but its replies are lost
    # (the connection drops after the work is done), and the check with the new key is lost too.
    term.faults.drop_rate = 0.5
    term.faults.rng = random.Random(_seed_for([False, True, True]))
    result = await once.rotate_key(term.serial, "fresh-key")
    assert not result.confirmed
    assert "both kept" in result.message
    assert (await keys.key(term.serial), await keys.pending_key(term.serial)) == (
        None,
        "fresh-key",
    )
    assert service.registry.get(term.serial).key_status is KeyStatus.PENDING
    term.faults.drop_rate = 0.0
    # The terminal did take the new key; the next call finds it among the kept ones.
    terminal = await service.refresh(term.serial)
    assert terminal.problem == ""
    assert terminal.key_status is KeyStatus.OK
    assert (await keys.key(term.serial), await keys.pending_key(term.serial)) == (
        "fresh-key",
        None,
    )


@pytest.mark.asyncio
async def test_refresh_all_reads_every_terminal(sim_factory: SimFactory) -> None:
    first = await sim_factory(host="127.0.0.2")
    second = await sim_factory(host="127.0.0.3", port=first.port)
    registry = TerminalRegistry()
    keys = KeyStore()
    await DiscoveryService(registry, keys).discover(["127.0.0.2/31"], first.port)
    assert {t.serial for t in registry.terminals()} == {first.serial, second.serial}
    await TerminalService(registry, keys).refresh_all()
    assert [t.persons for t in registry.terminals()] == [0, 0]

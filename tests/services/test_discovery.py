"""Discovery and the registry against simulated terminals on 127.0.0.x, with a fake clock."""

from __future__ import annotations

import asyncio
import ipaddress
import json
from pathlib import Path

import pytest

from enroll_app.services.discovery import (
    Discovered,
    DiscoveryService,
    KeyStatus,
    PassRecordLog,
    RegistryError,
    TerminalRegistry,
)
from enroll_app.services.keys import KeyStore
from enroll_app.services.worker import BlockingWorker
from enroll_app.terminal.client import TerminalClient
from enroll_app.terminal.errors import TerminalUnreachable
from enroll_app.terminal.receiver import UploadReceiver
from enroll_app.terminal.records import DeviceInfo, Heartbeat, PassRecord
from enroll_app.terminal.scan import ScanInputError
from tests.integration.conftest import SimFactory, sim_factory

__all__ = ["sim_factory"]

SN = "0123456789abcdef"


class FakeClock:
    """A wall clock the test moves by hand."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _info(sn: str = SN, name: str = "Front door") -> DeviceInfo:
    return DeviceInfo(sn=sn, name=name, version="7.1", apk_version="1.1.143")


def test_registry_persists_identity_and_follows_moves(station_home: Path) -> None:
    clock = FakeClock()
    registry = TerminalRegistry(clock=clock)
    registry.learn("192.168.1.20", 8088, _info(), KeyStatus.OK)
    registry.learn("192.168.1.31", 8088, _info(), KeyStatus.OK)  # DHCP gave it a new address
    again = TerminalRegistry(clock=clock)
    [terminal] = again.terminals()
    assert (terminal.serial, terminal.address, terminal.name) == (
        SN,
        "192.168.1.31:8088",
        "Front door",
    )
    assert terminal.key_status is KeyStatus.OK
    assert again.find("192.168.1.20", 8088) is None
    saved = json.loads((station_home / "terminals.json").read_text(encoding="utf-8"))
    assert "key" not in json.dumps(saved).replace('"key_status"', "")
    with pytest.raises(RegistryError, match="serial number fedc"):
        again.get("fedc")


@pytest.mark.asyncio
async def test_a_registry_with_a_worker_writes_off_the_loop_in_order() -> None:
    worker = BlockingWorker("registry-io")
    registry = TerminalRegistry(worker=worker)
    writes: list[str] = []
    registry.subscribe(writes.append)
    registry.learn("192.168.1.20", 8088, _info(), KeyStatus.DEFAULT)
    registry.learn("192.168.1.20", 8088, _info(name="Lobby"), KeyStatus.OK)
    await registry.flush()
    [terminal] = TerminalRegistry().terminals()  # what the next start reads
    assert (terminal.name, terminal.key_status) == ("Lobby", KeyStatus.OK)
    assert writes == [SN, SN]
    await worker.aclose()


def test_unreadable_registry_is_kept_aside(station_home: Path) -> None:
    (station_home / "terminals.json").write_text("{not json", encoding="utf-8")
    registry = TerminalRegistry()
    assert registry.terminals() == []
    assert (station_home / "terminals.unreadable.json").read_text(encoding="utf-8") == "{not json"


def test_heartbeats_make_terminals_known_online_and_then_offline() -> None:
    clock = FakeClock()
    registry = TerminalRegistry(clock=clock, offline_after=30)
    changes: list[str] = []
    registry.subscribe(changes.append)
    terminal = registry.heartbeat(
        Heartbeat(SN, app_version="1.1.143", ip_address="10.0.0.7"), "10.0.0.99"
    )
    assert (terminal.address, terminal.app_version) == ("10.0.0.7:8088", "1.1.143")
    assert registry.is_online(terminal)
    assert registry.counts() == (1, 0)
    clock.now += 29
    assert registry.check_online() == []
    clock.now += 2
    assert registry.check_online() == [SN]
    assert registry.counts() == (0, 1)
    assert registry.check_online() == []  # reported once
    moved = registry.heartbeat(Heartbeat(SN, ip_address="not an ip"), "10.0.0.8")
    assert moved.address == "10.0.0.8:8088"
    assert registry.is_online(moved)
    assert changes.count(SN) >= 3


@pytest.mark.asyncio
async def test_discover_finds_simulators_and_reads_them(sim_factory: SimFactory) -> None:
    first = await sim_factory(host="127.0.0.2")
    second = await sim_factory(host="127.0.0.4", port=first.port)
    registry = TerminalRegistry()
    service = DiscoveryService(registry, KeyStore())
    found = await service.discover(["127.0.0.0/29"], first.port)
    assert [(d.host, d.sn, d.key_ok) for d in found] == [
        ("127.0.0.2", first.serial, True),
        ("127.0.0.4", second.serial, True),
    ]
    assert all(d.version for d in found)
    assert {t.serial for t in registry.terminals()} == {first.serial, second.serial}
    assert all(t.key_status is KeyStatus.DEFAULT for t in registry.terminals())


@pytest.mark.asyncio
async def test_discover_uses_keys_the_station_holds(sim_factory: SimFactory) -> None:
    term = await sim_factory(host="127.0.0.3")
    async with TerminalClient(term.host, term.port) as client:
        await client.set_device_key("site-k3y")
    keys = KeyStore()
    service = DiscoveryService(TerminalRegistry(), keys)
    [unknown] = await service.discover(["127.0.0.3/32"], term.port)
    assert unknown == Discovered("127.0.0.3", term.port, None)
    await keys.set_site_key("site-k3y")
    [known] = await service.discover(["127.0.0.3/32"], term.port)
    assert (known.sn, known.key_ok) == (term.serial, True)
    assert service.registry.get(term.serial).key_status is KeyStatus.OK
    assert await keys.key(term.serial) == "site-k3y"


@pytest.mark.asyncio
async def test_default_subnets_come_from_the_adapters(sim_factory: SimFactory) -> None:
    term = await sim_factory(host="127.0.0.6")
    service = DiscoveryService(
        TerminalRegistry(), KeyStore(), networks=lambda: [ipaddress.IPv4Network("127.0.0.4/30")]
    )
    assert [d.host for d in await service.discover(port=term.port)] == ["127.0.0.6"]
    nowhere = DiscoveryService(TerminalRegistry(), KeyStore(), networks=list)
    with pytest.raises(ScanInputError, match="give a subnet"):
        await nowhere.discover(port=term.port)


@pytest.mark.asyncio
async def test_manual_add(sim_factory: SimFactory, unused_tcp_port: int) -> None:
    term = await sim_factory(host="127.0.0.5")
    async with TerminalClient(term.host, term.port) as client:
        await client.set_device_key("only-mine")
    service = DiscoveryService(TerminalRegistry(), KeyStore())
    rejected = await service.add(f"127.0.0.5:{term.port}")
    assert rejected.sn is None
    added = await service.add(f"127.0.0.5:{term.port}", key="only-mine")
    assert added.sn == term.serial
    with pytest.raises(TerminalUnreachable):
        await service.add(f"127.0.0.1:{unused_tcp_port}")
    for bad in ("terminal.local", "127.0.0.1:99999", "127.0.0.1:x"):
        with pytest.raises(RegistryError):
            await service.add(bad)


@pytest.mark.asyncio
async def test_simulator_heartbeats_reach_the_registry(sim_factory: SimFactory) -> None:
    term = await sim_factory(host="127.0.0.7")
    clock = FakeClock()
    registry = TerminalRegistry(clock=clock, offline_after=30)
    service = DiscoveryService(registry, KeyStore())
    online = asyncio.Event()
    registry.subscribe(
        lambda serial: online.set() if registry.is_online(registry.get(serial)) else None
    )
    records: list[PassRecord] = []

    async def store(record: PassRecord) -> None:
        records.append(record)

    async with UploadReceiver(service.on_heartbeat, store, host="127.0.0.1", port=0) as receiver:
        heartbeat_url, record_url = receiver.urls("127.0.0.1")
        async with TerminalClient(term.host, term.port) as client:
            await client.set_heartbeat(heartbeat_url, 1)
            await client.set_record_callback(record_url)
        await asyncio.wait_for(online.wait(), 10)
    terminal = registry.get(term.serial)
    assert terminal.last_heartbeat == clock.now
    assert terminal.host == "127.0.0.7"


@pytest.mark.asyncio
async def test_pass_records_from_a_terminal_are_stored_once(
    sim_factory: SimFactory, tmp_path: Path
) -> None:
    from enroll_app.simulator.state import Person

    term = await sim_factory(host="127.0.0.8")
    log = PassRecordLog(tmp_path / "records")
    stored = asyncio.Event()
    log.listeners.append(lambda record: stored.set())
    service = DiscoveryService(TerminalRegistry(), KeyStore())
    async with UploadReceiver(
        service.on_heartbeat, log.store, host="127.0.0.1", port=0
    ) as receiver:
        async with TerminalClient(term.host, term.port) as client:
            await client.set_record_callback(receiver.urls("127.0.0.1")[1])
        for person_id in ("007", "0042"):
            stored.clear()
            assert term.device.pass_door(Person(person_id, name="Zhang San")).passed
            await asyncio.wait_for(stored.wait(), 10)
        await term.uploads_idle()
    records = log.read()
    assert [(r.device_sn, r.person_id) for r in records] == [
        (term.serial, "007"),
        (term.serial, "0042"),
    ]
    assert receiver.stats.records == 2
    # The terminal deleted what was acknowledged: nothing is pending there.
    assert term.device.state.records == []


def test_pass_record_log_survives_a_damaged_line(tmp_path: Path) -> None:
    log = PassRecordLog(tmp_path)
    asyncio.run(log.store(PassRecord("1", 1700000000.25, device_sn=SN, photo=b"\xff\xd8jpeg")))
    with log.path.open("a", encoding="utf-8") as out:
        out.write("{broken\n")
    asyncio.run(log.store(PassRecord("2", 1700000001.0, device_sn=SN)))
    assert [(r.person_id, r.ts, r.device_sn) for r in log.read()] == [
        ("1", 1700000000.25, SN),
        ("2", 1700000001.0, SN),
    ]
    [photo] = (tmp_path / "pass-photos").iterdir()
    assert photo.read_bytes() == b"\xff\xd8jpeg"

"""Demo mode starts three real simulated terminals on loopback and stops them cleanly."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from enroll_app.services.demo import DEMO_HOSTS, DemoTerminals
from enroll_app.terminal.protocol import DEFAULT_KEY, DEFAULT_PORT


async def _device_status(base_url: str) -> int:
    async with httpx.AsyncClient(base_url=base_url, timeout=5) as client:
        reply = await client.get("/getDeviceInfo", params={"key": DEFAULT_KEY})
    reply.raise_for_status()
    status: int = reply.json()["status"]
    return status


def _refuses(host: str, port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) != 0


@pytest.fixture
def occupied_first_address() -> Iterator[None]:
    """Hold 127.0.0.2:8088 like another program would (or someone already holds it)."""
    sock = socket.socket()
    # Like asyncio's servers: a recent demo's TIME_WAIT connections must not stop the bind.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((DEMO_HOSTS[0], DEFAULT_PORT))
        sock.listen()
    except OSError:
        pass  # already taken by someone else: the demo must fall back all the same
    yield
    sock.close()


@pytest.mark.asyncio
async def test_three_terminals_answer_and_stop(station_home: Path) -> None:
    demo = DemoTerminals()
    terminals = await demo.start()
    try:
        assert demo.running
        assert len(terminals) == 3
        assert len({(t.host, t.port) for t in terminals}) == 3
        assert len({t.serial for t in terminals}) == 3
        for term in terminals:
            assert term.host.startswith("127.")
            assert await _device_status(term.base_url) == 0
        assert sorted(p.name for p in (station_home / "demo").iterdir()) == [
            "terminal-1",
            "terminal-2",
            "terminal-3",
        ]
    finally:
        await demo.stop()
    assert not demo.running
    assert demo.terminals == []
    for term in terminals:
        assert _refuses(term.host, term.port)


@pytest.mark.asyncio
async def test_serials_survive_a_restart() -> None:
    demo = DemoTerminals(count=2)
    first = [t.serial for t in await demo.start()]
    await demo.stop()
    second = [t.serial for t in await demo.start()]
    await demo.stop()
    assert first == second


@pytest.mark.asyncio
@pytest.mark.usefixtures("occupied_first_address")
async def test_falls_back_to_an_ephemeral_port_when_the_address_is_taken() -> None:
    demo = DemoTerminals(count=1)
    [term] = await demo.start()
    try:
        assert (term.host, term.port) != (DEMO_HOSTS[0], DEFAULT_PORT)
        assert term.host == "127.0.0.1"
        assert await _device_status(term.base_url) == 0
    finally:
        await demo.stop()


@pytest.mark.asyncio
async def test_start_twice_keeps_the_same_terminals() -> None:
    demo = DemoTerminals(count=1)
    first = await demo.start()
    try:
        assert await demo.start() == first
    finally:
        await demo.stop()
    await demo.stop()  # stopping twice is harmless


def test_refuses_a_count_it_cannot_serve() -> None:
    with pytest.raises(ValueError, match="1 to 3"):
        DemoTerminals(count=4)

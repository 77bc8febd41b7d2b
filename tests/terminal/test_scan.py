"""The scanner finds simulated terminals on loopback and nothing else; local networks by injection."""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import pytest_asyncio

from enroll_app.terminal.scan import (
    Found,
    ScanInputError,
    fingerprint,
    hosts_of,
    is_key_rejection,
    local_networks,
    parse_subnet,
    scan,
)
from tests.integration.conftest import SimFactory, sim_factory

__all__ = ["sim_factory"]


async def _serve_text(reply: bytes) -> tuple[asyncio.Server, int]:
    """A plain web server on 127.0.0.1 that answers every request with `reply`."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(reply)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


@pytest_asyncio.fixture
async def other_web_server() -> AsyncIterator[int]:
    body = b'{"status":0,"msg":"I am a printer"}'
    server, port = await _serve_text(
        b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    async with server:
        yield port


@pytest.mark.asyncio
async def test_scan_finds_terminals_and_only_terminals(sim_factory: SimFactory) -> None:
    first = await sim_factory(host="127.0.0.2")
    second = await sim_factory(host="127.0.0.5", port=first.port)
    seen: list[tuple[int, int]] = []
    found = await scan(
        hosts_of([parse_subnet("127.0.0.0/29")]),
        first.port,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert found == [Found("127.0.0.2", first.port), Found("127.0.0.5", second.port)]
    assert seen[-1] == (6, 6)
    assert [d for d, _ in seen] == list(range(1, 7))


@pytest.mark.asyncio
async def test_sequential_scan_gives_the_same_answer(sim_factory: SimFactory) -> None:
    term = await sim_factory(host="127.0.0.3")
    found = await scan(hosts_of([parse_subnet("127.0.0.0/29")]), term.port, concurrency=1)
    assert found == [Found("127.0.0.3", term.port)]


@pytest.mark.asyncio
async def test_every_simulator_profile_is_fingerprinted(sim_factory: SimFactory) -> None:
    for profile in ("spec", "acs-1.1.143", "acs-legacy-ms"):
        term = await sim_factory(profile=profile)
        assert await fingerprint(term.host, term.port)


@pytest.mark.asyncio
async def test_other_web_servers_are_not_terminals(other_web_server: int) -> None:
    assert not await fingerprint("127.0.0.1", other_web_server)


@pytest.mark.asyncio
async def test_reply_is_read_by_length_even_if_the_connection_stays_open() -> None:
    body = b'{"status":103,"msg":"key error"}'

    async def keep_open(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        await writer.drain()
        await reader.read()  # ignores "Connection: close" until the client leaves
        writer.close()

    server = await asyncio.start_server(keep_open, "127.0.0.1", 0)
    async with server:
        port = server.sockets[0].getsockname()[1]
        assert await fingerprint("127.0.0.1", port, reply_timeout=5)


@pytest.mark.asyncio
async def test_endless_headers_are_not_a_terminal() -> None:
    server, port = await _serve_text(b"HTTP/1.1 200 OK\r\n" + b"X-Junk: y\r\n" * 10_000)
    async with server:
        assert not await fingerprint("127.0.0.1", port)


@pytest.mark.asyncio
async def test_silent_server_times_out_as_not_a_terminal() -> None:
    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # never answers until the client leaves
        writer.close()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    async with server:
        port = server.sockets[0].getsockname()[1]
        assert not await fingerprint("127.0.0.1", port, reply_timeout=0.2)


@pytest.mark.asyncio
async def test_nothing_listening_is_not_a_terminal(unused_tcp_port: int) -> None:
    assert await scan(["127.0.0.1"], unused_tcp_port) == []


def test_reply_decoding_is_tolerant() -> None:
    firmware_type = (
        b'Content-Type: <meta http-equiv="content-type" content="text/html; charset=utf-8">'
    )
    plain = b"HTTP/1.1 200 OK\r\n" + firmware_type + b'\r\n\r\n{"status":1.03E2,"msg":"\\u79d8"}'
    assert is_key_rejection(plain)
    zipped = gzip.compress(b'{"status":103}')
    assert is_key_rejection(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n" + zipped)
    chunked = b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n{"stat\r\n8\r\nus":103}\r\n0\r\n\r\n'
    assert is_key_rejection(chunked)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"garbage",
        b"HTTP/1.1 200 OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n\r\n[103]",
        b'HTTP/1.1 200 OK\r\n\r\n{"status": true}',
        b'HTTP/1.1 200 OK\r\n\r\n{"status": "103"}',
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n\x1f\x8bnot-gzip",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 501 Not Implemented\r\n\r\n<html>nope</html>",
        b"HTTP/1.1 200 OK\r\n\r\n\xff\xfe{}",
    ],
)
def test_garbage_replies_are_not_terminals(raw: bytes) -> None:
    assert not is_key_rejection(raw)


def test_subnets_parse_or_explain() -> None:
    assert parse_subnet("127.0.0.7") == ipaddress.IPv4Network("127.0.0.7/32")
    assert hosts_of([parse_subnet("127.0.0.7")]) == ["127.0.0.7"]
    assert len(hosts_of([parse_subnet("127.0.0.0/24"), parse_subnet("127.0.0.0/25")])) == 254
    for bad, why in [("300.1.1.0/24", "not an IPv4"), ("::1/128", "IPv6"), ("10.0.0.0/8", "/16")]:
        with pytest.raises(ScanInputError, match=why):
            parse_subnet(bad)


@dataclass
class _Ip:
    ip: object
    network_prefix: int


@dataclass
class _Adapter:
    ips: list[_Ip]


def test_local_networks_from_adapters() -> None:
    adapters = [
        _Adapter([_Ip("127.0.0.1", 8), _Ip(("::1", 0, 0), 128)]),
        _Adapter([_Ip("192.168.10.37", 24), _Ip("169.254.3.4", 16)]),
        _Adapter([_Ip("10.20.30.40", 8)]),
        _Adapter([_Ip("192.168.10.99", 24)]),
    ]
    assert local_networks(adapters) == [
        ipaddress.IPv4Network("192.168.10.0/24"),
        ipaddress.IPv4Network("10.20.30.0/24"),
    ]

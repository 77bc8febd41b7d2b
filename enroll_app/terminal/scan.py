"""Find terminals on the LAN: TCP connect to port 8088, then a keyless `GET /getTime` fingerprint.

The HTTP firmware has no discovery responder (wire-format.md, "Finding terminals"). Any
terminal answers a request without a key with JSON `{"status": 103}` whatever the path, so a
keyless `getTime` tells a terminal from any other web server without knowing its key and
without side effects. `open` is never sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import ipaddress
import json
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from enroll_app.terminal.protocol import DEFAULT_PORT, StatusCode

DEFAULT_CONNECT_TIMEOUT = 0.5
DEFAULT_REPLY_TIMEOUT = 2.0
DEFAULT_CONCURRENCY = 256
MAX_REPLY_BYTES = 64 * 1024  # a 103 reply is ~30 bytes; anything this big is not a terminal
MAX_HOSTS = 65536  # a /16; bigger ranges are a typo, not a site

ScanProgress = Callable[[int, int], None]
"""Called with (hosts probed so far, hosts in total) after each probe."""


@dataclass(frozen=True)
class Found:
    """A terminal that answered the fingerprint at `host:port`."""

    host: str
    port: int


class ScanInputError(ValueError):
    """A subnet or address the scanner cannot use; the message says why in plain words."""


def parse_subnet(text: str) -> ipaddress.IPv4Network:
    """An IPv4 network from CIDR text (`192.168.1.0/24`; a bare address is a /32)."""
    try:
        network = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError as exc:
        raise ScanInputError(f"{text!r} is not an IPv4 subnet like 192.168.1.0/24") from exc
    if not isinstance(network, ipaddress.IPv4Network):
        raise ScanInputError(f"{text!r} is IPv6; terminals are scanned over IPv4 only")
    if network.num_addresses > MAX_HOSTS:
        raise ScanInputError(f"{text!r} has {network.num_addresses} addresses; use /16 or smaller")
    return network


def hosts_of(networks: Iterable[ipaddress.IPv4Network]) -> list[str]:
    """Every host address of `networks`, in order, without duplicates."""
    seen: dict[str, None] = {}
    for network in networks:
        hosts = [network.network_address] if network.prefixlen == 32 else network.hosts()
        for host in hosts:
            seen.setdefault(str(host), None)
    return list(seen)


def local_networks(adapters: Sequence[Any] | None = None) -> list[ipaddress.IPv4Network]:
    """The IPv4 networks this PC sits on, from its adapters (loopback and link-local skipped).

    `adapters` are `ifaddr.Adapter`-shaped objects (`.ips` with `.ip` and `.network_prefix`);
    None reads the real ones. Networks wider than /16 are narrowed to the /24 around the PC.
    """
    if adapters is None:
        import ifaddr

        adapters = list(ifaddr.get_adapters())
    found: dict[ipaddress.IPv4Network, None] = {}
    for adapter in adapters:
        for ip in adapter.ips:
            if not isinstance(ip.ip, str):
                continue  # IPv6 entries carry a tuple
            network = _usable_network(ip.ip, int(ip.network_prefix))
            if network is not None:
                found.setdefault(network, None)
    return list(found)


def _usable_network(address: str, prefix: int) -> ipaddress.IPv4Network | None:
    try:
        interface = ipaddress.IPv4Interface(f"{address}/{prefix}")
    except ValueError:
        return None
    if interface.ip.is_loopback or interface.ip.is_link_local:
        return None
    if prefix < 16:
        # A /8 office VPN would mean 16 million probes: the PC's own /24 is where terminals sit.
        interface = ipaddress.IPv4Interface(f"{address}/24")
    return interface.network


async def scan(
    hosts: Sequence[str],
    port: int = DEFAULT_PORT,
    *,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    reply_timeout: float = DEFAULT_REPLY_TIMEOUT,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: ScanProgress | None = None,
) -> list[Found]:
    """Probe every host in `hosts` on `port` and return the terminals, in the order of `hosts`.

    At most `concurrency` probes run at once; each gives up after `connect_timeout` seconds
    without a TCP connection and `reply_timeout` more without a reply. Never raises for a
    host that does not answer.
    """
    if concurrency < 1:
        raise ScanInputError("concurrency must be at least 1")
    pending = iter(hosts)  # shared by the workers: each host is taken exactly once
    answers: dict[str, bool] = {}

    async def worker() -> None:
        for host in pending:
            answers[host] = await fingerprint(host, port, connect_timeout, reply_timeout)
            if progress is not None:
                progress(len(answers), len(hosts))

    # A few workers, not a task per address: a /16 would otherwise mean 65,000 tasks at once.
    await asyncio.gather(*(worker() for _ in range(min(concurrency, len(hosts)))))
    return [Found(h, port) for h in hosts if answers.get(h)]


async def fingerprint(
    host: str,
    port: int = DEFAULT_PORT,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    reply_timeout: float = DEFAULT_REPLY_TIMEOUT,
) -> bool:
    """True when `host:port` answers a keyless `GET /getTime` with JSON status 103."""
    try:
        async with asyncio.timeout(connect_timeout):
            reader, writer = await asyncio.open_connection(host, port)
    except (OSError, TimeoutError):
        return False
    try:
        async with asyncio.timeout(reply_timeout):
            writer.write(_request(host, port))
            await writer.drain()
            raw = await _read_reply(reader)
    except (OSError, TimeoutError, asyncio.LimitOverrunError, asyncio.IncompleteReadError):
        return False
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    return is_key_rejection(raw)


def _request(host: str, port: int) -> bytes:
    # HTTP/1.0 + close: without Content-Length the reply ends at EOF.
    return (
        f"GET /getTime HTTP/1.0\r\nHost: {host}:{port}\r\n"
        "Accept: application/json\r\nConnection: close\r\n\r\n"
    ).encode("ascii")


async def _read_reply(reader: asyncio.StreamReader) -> bytes:
    """Head and body: up to Content-Length when given (a server may ignore "close"), else EOF.

    Raises asyncio.LimitOverrunError for a head over the reader's 64 KB limit.
    """
    head = await reader.readuntil(b"\r\n\r\n")
    length = _headers(head).get("content-length", "")
    if length.strip().isdigit() and int(length) <= MAX_REPLY_BYTES:
        return head + await reader.readexactly(int(length))
    return head + await reader.read(MAX_REPLY_BYTES + 1)


def is_key_rejection(raw: bytes) -> bool:
    """True when a raw HTTP reply carries the terminal's JSON `{"status": 103}`.

    Decoded tolerantly, as wire-format.md asks: whatever the Content-Type, gzip or chunked
    bodies, numbers in exponent form.
    """
    if len(raw) > MAX_REPLY_BYTES:
        return False
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep or not head.startswith(b"HTTP/1."):
        return False
    headers = _headers(head)
    try:
        body = _decode_body(body, headers)
        reply = json.loads(body.decode("utf-8"))
    except (ValueError, zlib.error, EOFError, gzip.BadGzipFile):
        return False
    if not isinstance(reply, dict):
        return False
    status = reply.get("status")
    return (
        isinstance(status, int | float)
        and not isinstance(status, bool)
        and status == StatusCode.KEY_REJECTED
    )


def _headers(head: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in head.split(b"\r\n")[1:]:
        name, sep, value = line.partition(b":")
        if sep:
            headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
    return headers


def _decode_body(body: bytes, headers: dict[str, str]) -> bytes:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = _dechunk(body)
    if "gzip" in headers.get("content-encoding", "").lower() or body[:2] == b"\x1f\x8b":
        body = gzip.decompress(body)
    return body.strip()


def _dechunk(body: bytes) -> bytes:
    out = bytearray()
    while body:
        size_line, sep, rest = body.partition(b"\r\n")
        if not sep:
            raise ValueError("truncated chunk header")
        size = int(size_line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            break
        out += rest[:size]
        body = rest[size + 2 :]
    return bytes(out)

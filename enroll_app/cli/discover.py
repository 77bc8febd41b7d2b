"""`enroll-station discover [--subnet CIDR …] [--port P] [--timeout S] [--json]`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from enroll_app.cli import UsageError

if TYPE_CHECKING:
    from enroll_app.services.discovery import Discovered
    from enroll_app.services.keys import KeyStore


def register(subparsers: Any) -> None:
    """Add the `discover` command."""
    parser = subparsers.add_parser(
        "discover",
        help="find terminals on the LAN (never opens a door)",
        description="Scan for terminals: TCP port 8088, then a keyless getTime fingerprint; "
        "terminals whose key this station holds are read with getDeviceInfo.",
    )
    parser.add_argument(
        "--subnet",
        action="append",
        default=[],
        metavar="CIDR",
        help="subnet to scan, e.g. 192.168.1.0/24 (repeatable; default: this PC's networks)",
    )
    parser.add_argument("--port", type=int, default=8088, help="terminal port (default 8088)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=0.5,
        metavar="S",
        help="seconds to wait for each TCP connection (default 0.5)",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON array")
    parser.set_defaults(func=discover)


async def _discover(keys: KeyStore | None, args: argparse.Namespace) -> list[Discovered]:
    from enroll_app.services.discovery import DiscoveryService, TerminalRegistry
    from enroll_app.terminal.connections import TerminalConnections

    connections = TerminalConnections()
    service = DiscoveryService(TerminalRegistry(), keys, client_factory=connections.client)
    try:
        return await service.discover(args.subnet, args.port, connect_timeout=args.timeout)
    finally:
        await connections.aclose()


def discover(args: argparse.Namespace) -> int:
    """Scan, print what was found; exit 0 (even when nothing is found)."""
    import asyncio

    from enroll_app.services.keys import KeyStore, KeyStoreError
    from enroll_app.terminal.scan import ScanInputError

    if not 0 < args.port < 65536:
        raise UsageError(f"--port {args.port} is not a port number")
    if not 0 < args.timeout <= 60:
        raise UsageError("--timeout must be between 0 and 60 seconds")
    try:
        keys: KeyStore | None = KeyStore()
    except KeyStoreError as exc:
        print(f"warning: {exc}; trying the factory key only", file=sys.stderr)
        keys = None
    try:
        found = asyncio.run(_discover(keys, args))
    except ScanInputError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps([d.to_json() for d in found], ensure_ascii=False))
        return 0
    if not found:
        print("No terminal found.")
    for d in found:
        who = f"{d.sn} {d.name!r} app {d.version}" if d.sn else "key unknown: add its key"
        print(f"{d.host}:{d.port}  {who}")
    return 0

"""Discovery speed: a /24 on loopback with three simulated terminals, against a sequential scan.

Usage: python -m bench.discovery_bench [--repeat 5]

Three simulated terminals listen on 127.0.0.10, .77 and .200 (one port). Measured:
- the whole `enroll-station discover --subnet 127.0.0.0/24 --json` command in a subprocess
  (interpreter start included: the goal is under 2 s), checked to find all three;
- `DiscoveryService.discover` of the /24 in this process (scan + getDeviceInfo), median;
- the baseline: the same scanner with concurrency 1 (a sequential scan) against the bounded-
  concurrency scan, over the bare /24 (on loopback a refused connection costs microseconds,
  so the ratio is about 1: the work is CPU-bound), and over a /27 holding ten "hung devices"
  (servers that accept and never answer, each costing a timeout, as silent LAN hosts do).
Everything runs in a temp station home with a file keyring in it. Final line: JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HOSTS = ("127.0.0.10", "127.0.0.77", "127.0.0.200")
SUBNET = "127.0.0.0/24"
HUNG_HOSTS = tuple(f"127.0.0.{n}" for n in range(20, 30))
HUNG_SUBNET = "127.0.0.0/27"
TIMEOUT = 0.3  # connect and reply timeouts of the baseline scans
GOAL_SECONDS = 2.0


def isolate(home: Path) -> None:
    """Point the station and the keyring at `home`, so nothing real is touched."""
    os.environ["ENROLL_STATION_HOME"] = str(home / "station")
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
    os.environ["XDG_DATA_HOME"] = str(home / "xdg-data")


async def command_seconds(port: int) -> tuple[float, list[dict[str, Any]]]:
    """Wall time of the whole `discover` command and what it printed."""
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "enroll_app",
        "discover",
        "--subnet",
        SUBNET,
        "--port",
        str(port),
        "--json",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"discover failed: {err.decode()}")
    found: list[dict[str, Any]] = json.loads(out)
    return seconds, found


async def service_seconds(port: int) -> tuple[float, int]:
    """Time of one in-process discovery of the /24 and how many terminals it read."""
    from enroll_app.services.discovery import DiscoveryService, TerminalRegistry
    from enroll_app.services.keys import KeyStore
    from enroll_app.terminal.connections import TerminalConnections

    connections = TerminalConnections()
    service = DiscoveryService(TerminalRegistry(), KeyStore(), client_factory=connections.client)
    started = time.perf_counter()
    found = await service.discover([SUBNET], port)
    seconds = time.perf_counter() - started
    await connections.aclose()
    return seconds, sum(1 for d in found if d.sn)


async def scan_seconds(subnet: str, port: int, concurrency: int) -> tuple[float, int]:
    """Time of the fingerprint scan alone over `subnet`; terminals found."""
    from enroll_app.terminal.scan import hosts_of, parse_subnet, scan

    hosts = hosts_of([parse_subnet(subnet)])
    started = time.perf_counter()
    found = await scan(
        hosts, port, concurrency=concurrency, connect_timeout=TIMEOUT, reply_timeout=TIMEOUT
    )
    return time.perf_counter() - started, len(found)


async def _hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    # A hung device: takes the connection, never answers (until the client leaves).
    await reader.read()
    writer.close()


async def start_hung_devices(port: int) -> list[asyncio.Server]:
    """Web servers on HUNG_HOSTS that accept and never reply, like a stuck printer."""
    return [await asyncio.start_server(_hold, host, port) for host in HUNG_HOSTS]


async def run(repeat: int, data: Path) -> dict[str, Any]:
    """Start the terminals, measure, stop them; the numbers."""
    from enroll_app.simulator import SimConfig, SimulatedTerminal

    terminals: list[SimulatedTerminal] = []
    port = 0
    for n, host in enumerate(HOSTS):
        term = SimulatedTerminal(SimConfig(host=host, port=port, data_dir=data / f"t{n}"))
        await term.start()
        port = term.port
        terminals.append(term)
    try:
        result = await measure_command(repeat, port)
        result.update(await measure_scans(repeat, port))
        return result
    finally:
        for term in terminals:
            await term.stop()


async def measure_command(repeat: int, port: int) -> dict[str, Any]:
    """The whole command and the in-process discovery, `repeat` times each, alternating."""
    command: list[float] = []
    service: list[float] = []
    for _ in range(repeat):
        seconds, found = await command_seconds(port)
        if sum(1 for d in found if d["sn"]) != len(HOSTS):
            raise SystemExit(f"discover found {found}, expected {len(HOSTS)} terminals")
        command.append(seconds)
        seconds, read = await service_seconds(port)
        assert read == len(HOSTS), read
        service.append(seconds)
    med = statistics.median
    return {
        "bench": "discovery",
        "terminals": len(HOSTS),
        "subnet": SUBNET,
        "seconds_to_find_all": round(med(command), 3),  # the whole command, median
        "command_best_s": round(min(command), 3),
        "service_s": round(med(service), 3),
        "goal_s": GOAL_SECONDS,
        "goal_met": med(command) < GOAL_SECONDS,
        "repeat": repeat,
    }


async def measure_scans(repeat: int, port: int) -> dict[str, Any]:
    """Sequential against bounded-concurrency scans: the bare /24, then a /27 with hung devices."""
    bare_seq: list[float] = []
    bare_par: list[float] = []
    hung_seq: list[float] = []
    hung_par: list[float] = []
    for _ in range(repeat):
        bare_seq.append((await scan_seconds(SUBNET, port, concurrency=1))[0])
        bare_par.append((await scan_seconds(SUBNET, port, concurrency=256))[0])
    servers = await start_hung_devices(port)
    try:
        for _ in range(max(1, repeat // 2)):
            hung_seq.append((await scan_seconds(HUNG_SUBNET, port, concurrency=1))[0])
            hung_par.append((await scan_seconds(HUNG_SUBNET, port, concurrency=256))[0])
    finally:
        for server in servers:
            server.close()
            await server.wait_closed()
    med = statistics.median
    return {
        "sequential_24_s": round(med(bare_seq), 4),
        "concurrent_24_s": round(med(bare_par), 4),
        "ratio_24": round(med(bare_seq) / med(bare_par), 2),
        "hung_devices": len(HUNG_HOSTS),
        "sequential_27_hung_s": round(med(hung_seq), 3),
        "concurrent_27_hung_s": round(med(hung_par), 3),
        "ratio_27_hung": round(med(hung_seq) / med(hung_par), 1),
    }


def main() -> None:
    """Run the bench and print a summary, then the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="discovery-bench-") as folder:
        isolate(Path(folder))
        result = asyncio.run(run(args.repeat, Path(folder) / "terminals"))
    print(
        f"whole discover command, /24 with {len(HOSTS)} terminals: "
        f"{result['seconds_to_find_all']} s (median; goal {GOAL_SECONDS} s)"
    )
    print(f"in-process discovery of the /24: {result['service_s']} s")
    print(
        f"bare /24 scan on loopback: sequential {result['sequential_24_s']} s, concurrent "
        f"{result['concurrent_24_s']} s (x{result['ratio_24']}: refusals cost microseconds)"
    )
    print(
        f"/27 with {len(HUNG_HOSTS)} hung devices ({TIMEOUT} s timeouts): sequential "
        f"{result['sequential_27_hung_s']} s, concurrent {result['concurrent_27_hung_s']} s "
        f"(x{result['ratio_27_hung']})"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()

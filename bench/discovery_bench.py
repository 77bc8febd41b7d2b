"""Discovery speed: a /24 on loopback with three simulated terminals, against a sequential scan.

Usage: python -m bench.discovery_bench [--repeat 5]

Three simulated terminals listen on 127.0.0.10, .77 and .200 (one port). Measured:
- the whole `enroll-station discover --subnet 127.0.0.0/24 --json` command in a subprocess
  (interpreter start included: the goal is under 2 s), checked to find all three;
- `DiscoveryService.discover` of the /24 in this process (scan + getDeviceInfo), median;
- the baseline: the same scanner with concurrency 1 (a sequential scan), over a /28 (14 hosts,
  one terminal) and over the whole /24, against the bounded-concurrency scan of the same range.
  On loopback a refused connection costs microseconds, so the ratio is modest here; on a LAN
  each silent address costs the connect timeout and concurrency is what makes a scan possible.
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
SMALL_SUBNET = "127.0.0.0/28"
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
    found = await scan(hosts, port, concurrency=concurrency)
    return time.perf_counter() - started, len(found)


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
        return await measure(repeat, port)
    finally:
        for term in terminals:
            await term.stop()


async def measure(repeat: int, port: int) -> dict[str, Any]:
    """Alternate the measurements `repeat` times so machine load hits them alike."""
    command: list[float] = []
    service: list[float] = []
    small_seq: list[float] = []
    small_par: list[float] = []
    full_seq: list[float] = []
    full_par: list[float] = []
    for _ in range(repeat):
        seconds, found = await command_seconds(port)
        if sum(1 for d in found if d["sn"]) != len(HOSTS):
            raise SystemExit(f"discover found {found}, expected {len(HOSTS)} terminals")
        command.append(seconds)
        seconds, read = await service_seconds(port)
        assert read == len(HOSTS), read
        service.append(seconds)
        small_seq.append((await scan_seconds(SMALL_SUBNET, port, concurrency=1))[0])
        small_par.append((await scan_seconds(SMALL_SUBNET, port, concurrency=256))[0])
        full_seq.append((await scan_seconds(SUBNET, port, concurrency=1))[0])
        full_par.append((await scan_seconds(SUBNET, port, concurrency=256))[0])
    med = statistics.median
    return {
        "bench": "discovery",
        "terminals": len(HOSTS),
        "subnet": SUBNET,
        "seconds_to_find_all": round(med(command), 3),  # the whole command, median
        "command_s": round(med(command), 3),
        "command_best_s": round(min(command), 3),
        "service_s": round(med(service), 3),
        "sequential_28_s": round(med(small_seq), 4),
        "concurrent_28_s": round(med(small_par), 4),
        "ratio_28": round(med(small_seq) / med(small_par), 1),
        "sequential_24_s": round(med(full_seq), 4),
        "concurrent_24_s": round(med(full_par), 4),
        "ratio_24": round(med(full_seq) / med(full_par), 1),
        "goal_s": GOAL_SECONDS,
        "goal_met": med(command) < GOAL_SECONDS,
        "repeat": repeat,
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
        f"whole discover command, /24 with {len(HOSTS)} terminals: {result['command_s']} s (median)"
    )
    print(f"in-process discovery of the /24: {result['service_s']} s")
    print(
        f"/28 scan: sequential {result['sequential_28_s']} s, concurrent "
        f"{result['concurrent_28_s']} s (x{result['ratio_28']})"
    )
    print(
        f"/24 scan: sequential {result['sequential_24_s']} s, concurrent "
        f"{result['concurrent_24_s']} s (x{result['ratio_24']})"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()

"""Sync throughput: SyncService draining the outbox to 4 slow terminals, against a plain loop.

    python -m bench.sync_bench [--persons 1000] [--terminals 4] [--latency-ms 100]
                               [--targets split|all] [--baseline-persons N] [--photo-quality Q]

Simulators run in their own process (`bench.sync_common`), each answering every request after
`--latency-ms`. The station's store gets the persons first (not timed); then the timed run
starts a `StationServices` (whose SyncService drains the outbox: setPerson, getPerson read-back,
bookkeeping) and waits until nothing is owed. The baseline is a plain sequential loop doing the
same calls (setPerson then getPerson for each person on each terminal) through one
`TerminalClient` per terminal, on emptied terminals. `--targets split` sends each person to one
terminal (round robin; 1,000 persons = 250 per terminal), `all` to every terminal.
`--baseline-persons N` times the loop on the first N persons only and scales it (the loop is
linear in the calls it makes). `--photo-quality Q` re-encodes the six bundled portraits at
JPEG quality Q (smaller photos: less base64 and form encoding on both sides).

Device-bound ideals, from the time each terminal spent answering the plain loop (latency plus
the simulated device's own work, e.g. writing its database): `ideal_serial_s`, the busiest
terminal doing its calls one at a time with no gap (about baseline / terminals);
`ideal_writes_s`, only its writes back to back, the read-backs overlapping the next write
(what a terminal's photo work really serialises; the SyncService keeps exactly one write per
terminal in flight). `share_of_ideal` uses the latter, `share_of_serial_ideal` the former.
The final line is JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from bench.sync_common import (
    Fleet,
    FleetTerminal,
    fields_of,
    fill_store,
    make_person,
    photos,
    read_terminal,
    set_faults,
)
from enroll_app.services.delivery import terminal_person
from enroll_app.services.discovery import TerminalRegistry
from enroll_app.services.station import StationServices
from enroll_app.store.records import PersonRecord
from enroll_app.terminal.client import TerminalClient

Plan = list[tuple[PersonRecord, FleetTerminal]]


def plan(persons: int, terminals: list[FleetTerminal], targets: str, quality: int | None) -> Plan:
    """(person, terminal) deliveries in outbox order."""
    pictures = photos(quality)
    out: Plan = []
    for n in range(persons):
        record = make_person(n, pictures)
        chosen = terminals if targets == "all" else [terminals[n % len(terminals)]]
        out += [(record, term) for term in chosen]
    return out


async def run_sync(home: Path) -> float:
    """Seconds from starting the station until the outbox is empty."""
    registry = TerminalRegistry(home / "terminals.json")
    station = StationServices(db_path=home / "station.db", registry=registry)
    started = time.perf_counter()
    await station.start(load_engine=False)
    try:
        while True:  # the outbox has no "empty" event: look every 20 ms
            if not await station.store.outbox_depth():
                return time.perf_counter() - started
            await asyncio.sleep(0.02)
    finally:
        await station.aclose()


async def run_sequential(
    deliveries: Plan, terminals: list[FleetTerminal]
) -> tuple[float, dict[str, float], dict[str, float]]:
    """The plain loop, setPerson then getPerson, one delivery after another: total seconds,
    and per terminal the seconds spent in setPerson and in getPerson (the device's time)."""
    clients = {t.serial: TerminalClient(t.host, t.port, "abc") for t in terminals}
    writes: dict[str, float] = defaultdict(float)
    reads: dict[str, float] = defaultdict(float)
    try:
        for client in clients.values():
            await client.get_time()  # learn the time unit, as the sync's client does
        started = time.perf_counter()
        for record, term in deliveries:
            client = clients[term.serial]
            before = time.perf_counter()
            await client.set_person(terminal_person(record))
            between = time.perf_counter()
            await client.get_person(record.id)
            writes[term.serial] += between - before
            reads[term.serial] += time.perf_counter() - between
        return time.perf_counter() - started, writes, reads
    finally:
        for client in clients.values():
            await client.aclose()


async def check(deliveries: Plan, terminals: list[FleetTerminal]) -> dict[str, int]:
    """Read every terminal back with a plain client: correct / lost / wrong / extra."""
    want: dict[str, dict[str, tuple[object, ...]]] = defaultdict(dict)
    for record, term in deliveries:
        want[term.serial][record.id] = fields_of(record)
    counts = {"correct": 0, "lost": 0, "wrong": 0, "extra": 0}
    for term in terminals:
        held = await read_terminal(term)
        for person_id, fields in want[term.serial].items():
            if person_id not in held:
                counts["lost"] += 1
            elif held[person_id] == fields:
                counts["correct"] += 1
            else:
                counts["wrong"] += 1
        counts["extra"] += len(set(held) - set(want[term.serial]))
    return counts


async def empty(terminals: list[FleetTerminal]) -> None:
    """Remove everyone from every terminal (the baseline starts where the sync started)."""
    for term in terminals:
        async with TerminalClient(term.host, term.port, "abc") as client:
            await client.remove_all_persons()


async def run(args: argparse.Namespace) -> dict[str, object]:
    """Both runs and the comparison."""
    with tempfile.TemporaryDirectory(prefix="sync-bench-") as tmp:
        root = Path(tmp)
        os.environ["ENROLL_STATION_HOME"] = str(root / "home")
        os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
        os.environ["XDG_DATA_HOME"] = str(root / "xdg")
        fleet = Fleet(root / "fleet", args.terminals, latency_ms=args.latency_ms)
        terminals = fleet.start()
        try:
            return await _measure(args, root, terminals)
        finally:
            fleet.stop()


async def _measure(
    args: argparse.Namespace, root: Path, terminals: list[FleetTerminal]
) -> dict[str, object]:
    deliveries = plan(args.persons, terminals, args.targets, args.photo_quality)
    await fill_store(root, deliveries, terminals)
    sync_s = await run_sync(root)
    print(f"sync: {len(deliveries)} deliveries in {sync_s:.1f} s", file=sys.stderr)
    for term in terminals:
        await set_faults(term, latency_ms=0)
    verified = await check(deliveries, terminals)
    await empty(terminals)
    for term in terminals:
        await set_faults(term, latency_ms=args.latency_ms)

    sample = deliveries
    if args.baseline_persons:
        ids = {make_person(n, photos()).id for n in range(args.baseline_persons)}  # ids only
        sample = [(r, t) for r, t in deliveries if r.id in ids]
    measured, writes, reads = await run_sequential(sample, terminals)
    scale = len(deliveries) / len(sample)
    sequential_s = measured * scale
    print(f"sequential: {len(sample)} deliveries in {measured:.1f} s", file=sys.stderr)
    # The device's own time per terminal, as the plain loop measured it (latency + work).
    ideal_writes = max(writes.values()) * scale
    ideal_serial = max(writes[s] + reads[s] for s in writes) * scale
    return {
        "bench": "sync",
        "persons": args.persons,
        "terminals": args.terminals,
        "targets": args.targets,
        "deliveries": len(deliveries),
        "latency_ms": args.latency_ms,
        "device_write_ms": round(1000 * sum(writes.values()) / len(sample), 1),
        "device_read_ms": round(1000 * sum(reads.values()) / len(sample), 1),
        "photos": "six bundled 640x480 portraits"
        + (f" re-encoded at JPEG quality {args.photo_quality}" if args.photo_quality else "")
        + "; simulator face verdict cached per photo",
        "photo_kb": round(
            sum(len(r.photo or b"") for r, _ in deliveries) / len(deliveries) / 1024, 1
        ),
        "sync_s": round(sync_s, 2),
        "sequential_s": round(sequential_s, 2),
        "sequential_measured_deliveries": len(sample),
        "ratio": round(sequential_s / sync_s, 2),
        "ideal_writes_s": round(ideal_writes, 2),
        "ideal_serial_s": round(ideal_serial, 2),
        "share_of_ideal": round(ideal_writes / sync_s, 3),
        "share_of_serial_ideal": round(ideal_serial / sync_s, 3),
        "read_back": verified,
    }


def main() -> None:
    """Parse options, run, print one JSON line last."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--persons", type=int, default=1000)
    parser.add_argument("--terminals", type=int, default=4)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--targets", choices=("split", "all"), default="split")
    parser.add_argument("--baseline-persons", type=int, default=0, help="0: all")
    parser.add_argument("--photo-quality", type=int, help="re-encode the portraits (smaller)")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args))))


if __name__ == "__main__":
    main()

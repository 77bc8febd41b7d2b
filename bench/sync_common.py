"""Shared pieces of the sync benches: a fleet of simulators in its own process, persons, read-back.

    python -m bench.sync_common --index 0 --latency-ms 100 --data DIR   # one simulator process

A simulator process prints one JSON line per terminal (`serial`, `host`, `port`), then
`READY`, and runs until its stdin closes; `Fleet` starts one per terminal. Its terminals judge photos with the real face engine, once per distinct
photo (`CachedJudge`): the benches reuse the six bundled portraits, and the simulator's face
work would otherwise measure onnxruntime on a shared 2-core machine instead of the sync.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import subprocess
import sys
import threading
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from enroll_app.services.discovery import KeyStatus, TerminalRegistry
from enroll_app.simulator import EngineJudge, FaceVerdict, SimConfig, SimulatedTerminal
from enroll_app.store.api import Store
from enroll_app.store.records import PersonId, PersonRecord, TerminalSerial
from enroll_app.terminal.client import TerminalClient
from enroll_app.terminal.errors import PersonNotFound
from enroll_app.terminal.records import DeviceInfo

REPO = Path(__file__).resolve().parents[1]
FRAMES = REPO / "enroll_app" / "simulator" / "frames"


class CachedJudge:
    """The real face engine's verdict, computed once per distinct photo."""

    def __init__(self) -> None:
        self._inner = EngineJudge()
        self._lock = threading.Lock()
        self._verdicts: dict[str, FaceVerdict] = {}

    def analyse(self, photo: bytes) -> FaceVerdict:
        """The verdict of `photo` (the engine runs on the first sight only)."""
        digest = hashlib.sha1(photo).hexdigest()
        with self._lock:
            known = self._verdicts.get(digest)
        if known is not None:
            return known
        verdict = self._inner.analyse(photo)
        with self._lock:
            self._verdicts[digest] = verdict
        return verdict


@dataclass(frozen=True)
class FleetTerminal:
    """Where one terminal of the fleet listens."""

    serial: str
    host: str
    port: int


def photos(quality: int | None = None) -> list[bytes]:
    """The six bundled 640x480 one-face portraits (25-38 KB); with `quality`, re-encoded at
    that JPEG quality (30: 12-15 KB, still one face the engine finds and measures)."""
    originals = [(FRAMES / f"frame-{n}.jpg").read_bytes() for n in range(1, 7)]
    if quality is None:
        return originals
    import cv2  # bench-only
    import numpy as np

    out = []
    for data in originals:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        assert image is not None
        ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
        assert ok
        out.append(bytes(encoded.tobytes()))
    return out


def make_person(n: int, pictures: list[bytes]) -> PersonRecord:
    """Bench person number `n` (photo from the bundled portraits)."""
    return PersonRecord(
        id=PersonId(f"b{n:05d}"),
        name=f"Bench Person {n}",
        ic_no=str(100000 + n),
        pass_count=10000 if n % 3 else 5,
        start_ts=1_700_000_000.0,
        end_ts=-1.0 if n % 2 else 1_900_000_000.0,
        photo=pictures[n % len(pictures)],
    )


def fields_of(record: PersonRecord) -> tuple[object, ...]:
    """What a correct terminal copy of `record` reads back as (photo by digest)."""
    assert record.photo is not None
    return (
        record.name,
        record.ic_no,
        record.pass_count,
        int(record.start_ts),
        int(record.end_ts),
        hashlib.sha1(record.photo).hexdigest(),
    )


async def read_terminal(term: FleetTerminal, key: str = "abc") -> dict[str, tuple[object, ...]]:
    """Every person on `term` read back by a plain client (listPerson, then getPerson each).

    Raises ValueError when listPerson names an id twice (a duplicate).
    """
    async with TerminalClient(term.host, term.port, key) as client:
        listed = [p.id for p in await client.list_persons()]
        if len(listed) != len(set(listed)):
            raise ValueError(f"{term.serial} lists {len(listed) - len(set(listed))} ids twice")
        out: dict[str, tuple[object, ...]] = {}
        for person_id in listed:
            try:
                held = await client.get_person(person_id)
            except PersonNotFound:
                continue
            digest = hashlib.sha1(held.photo).hexdigest() if held.photo else ""
            out[held.id] = (
                held.name,
                held.ic_no,
                held.pass_count,
                int(held.start_ts),
                int(held.end_ts),
                digest,
            )
        return out


async def fill_store(
    home: Path, deliveries: list[tuple[PersonRecord, FleetTerminal]], terminals: list[FleetTerminal]
) -> None:
    """Register the terminals and save every person with its outbox entries (not timed)."""
    registry = TerminalRegistry(home / "terminals.json")
    for term in terminals:
        registry.learn(term.host, term.port, DeviceInfo(sn=term.serial), KeyStatus.DEFAULT)
    targets: dict[str, list[TerminalSerial]] = defaultdict(list)
    records: dict[str, PersonRecord] = {}
    for record, term in deliveries:
        targets[record.id].append(TerminalSerial(term.serial))
        records[record.id] = record
    async with await Store.open_async(home / "station.db") as store:
        for term in terminals:
            await store.upsert_terminal(TerminalSerial(term.serial), term.host, term.port)
        for person_id, record in records.items():
            await store.save_person(record, targets[person_id], "bench")


class Fleet:
    """The simulators, one process each (a real terminal's disk writes do not stall the others):
    start them, read where they listen, stop them."""

    def __init__(self, data: Path, count: int, **faults: float) -> None:
        self.data = data
        self.count = count
        self.faults = faults
        self.terminals: list[FleetTerminal] = []
        self._procs: list[subprocess.Popen[str]] = []

    def start(self) -> list[FleetTerminal]:
        """Start every simulator process and wait until each terminal listens."""
        for index in range(self.count):
            args = [sys.executable, "-m", "bench.sync_common", "--index", str(index)]
            args += ["--data", str(self.data)]
            for name, value in self.faults.items():
                args += [f"--{name.replace('_', '-')}", str(value)]
            self._procs.append(
                subprocess.Popen(
                    args, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
                )
            )
        for proc in self._procs:
            assert proc.stdout is not None
            for line in proc.stdout:
                if line.strip() == "READY":
                    break
                self.terminals.append(FleetTerminal(**json.loads(line)))
            else:
                raise RuntimeError("a simulator process did not start")
        return self.terminals

    def stop(self) -> None:
        """Close their stdin (they stop their terminals) and wait."""
        procs, self._procs = self._procs, []
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.close()
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


async def set_faults(term: FleetTerminal, **values: float) -> None:
    """Change a fleet terminal's faults through its `/_sim/faults` control endpoint."""
    import httpx  # bench-only: the control endpoint is not part of the protocol client

    async with httpx.AsyncClient(trust_env=False) as http:
        reply = await http.post(
            f"http://{term.host}:{term.port}/_sim/faults",
            data={k: str(v) for k, v in values.items()},
        )
        reply.raise_for_status()


async def _serve_fleet(args: argparse.Namespace) -> None:
    judge = CachedJudge()
    terminals = []
    for index in range(args.index, args.index + args.count):
        host = f"127.0.0.{index + 2}"
        config = SimConfig(
            host=host,
            port=0,
            data_dir=Path(args.data) / host,
            latency_ms=args.latency_ms,
            fail_rate=args.fail_rate,
            drop_rate=args.drop_rate,
            fast=True,
            seed=None if args.seed is None else args.seed + index,
        )
        term = SimulatedTerminal(config, judge=judge)
        await term.start()
        terminals.append(term)
        print(json.dumps({"serial": term.serial, "host": term.host, "port": term.port}))
    await asyncio.to_thread(judge.analyse, photos()[0])  # load the engine before READY
    print("READY", flush=True)
    # Until the parent closes our stdin (or dies).
    await asyncio.to_thread(sys.stdin.read)
    for term in terminals:
        with contextlib.suppress(Exception):
            await term.stop()


def main() -> None:
    """Run the simulator fleet (see the module docstring)."""
    parser = argparse.ArgumentParser(description="simulator fleet for the sync benches")
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--index", type=int, default=0, help="first terminal: 127.0.0.<2+index>")
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--fail-rate", type=float, default=0.0)
    parser.add_argument("--drop-rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int)
    args = parser.parse_args()
    os.environ.setdefault("ENROLL_STATION_HOME", str(Path(args.data) / "home"))
    asyncio.run(_serve_fleet(args))


if __name__ == "__main__":
    main()

"""Helpers for sync tests: a started station wired to simulators, persons with real photos."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from enroll_app.services.discovery import KeyStatus, TerminalRegistry
from enroll_app.services.station import StationServices
from enroll_app.services.sync import SyncSettings
from enroll_app.simulator import SimulatedTerminal
from enroll_app.store.records import PersonId, PersonRecord, TerminalSerial
from enroll_app.terminal.client import TerminalClient
from enroll_app.terminal.records import DeviceInfo

FRAMES = Path(__file__).resolve().parents[2] / "enroll_app" / "simulator" / "frames"
FAST = SyncSettings(backoff_base=0.05, backoff_cap=0.4, batch=10, pipeline=3, idle_poll=0.5)


def frame(n: int) -> bytes:
    """One of the six bundled 640x480 one-face portraits (n = 1..6)."""
    return (FRAMES / f"frame-{(n - 1) % 6 + 1}.jpg").read_bytes()


def person(n: int, **fields: object) -> PersonRecord:
    """Person number `n` with a real photo and a validity window."""
    values: dict[str, object] = {
        "id": PersonId(f"p{n:04d}"),
        "name": f"Person {n}",
        "ic_no": str(1000 + n),
        "pass_count": 10000,
        "start_ts": 1_700_000_000.0,
        "end_ts": 1_900_000_000.0,
        "photo": frame(n),
    }
    values.update(fields)
    return PersonRecord(**values)  # type: ignore[arg-type]


async def open_station(
    home: Path, terminals: list[SimulatedTerminal], model_folder: Path | None = None
) -> StationServices:
    """A started station whose registry and store know `terminals`, with fast sync retries."""
    registry = TerminalRegistry(home / "terminals.json")
    for term in terminals:
        registry.learn(term.host, term.port, DeviceInfo(sn=term.serial), KeyStatus.DEFAULT)
    station = StationServices(
        db_path=home / "station.db",
        registry=registry,
        model_folder=model_folder,
        sync_settings=FAST,
    )
    await station.start(load_engine=False)
    return station


async def wait_for(
    condition: Callable[[], Awaitable[bool]], limit: float = 20.0, step: float = 0.05
) -> None:
    """Wait until `condition()` holds (checked every `step` s); TimeoutError after `limit` s.

    The store publishes no event for outbox bookkeeping, so this looks at its state.
    """
    async with asyncio.timeout(limit):
        while True:
            if await condition():
                return
            await asyncio.sleep(step)


async def drained(station: StationServices) -> bool:
    """True when the outbox owes no terminal anything."""
    return not await station.store.outbox_depth()


async def terminal_holds(term: SimulatedTerminal, key: str = "abc") -> dict[str, object]:
    """What a plain client reads back: id -> (fields, has photo) for every person."""
    async with TerminalClient(term.host, term.port, key) as client:
        out: dict[str, object] = {}
        for listed in await client.list_persons():
            held = await client.get_person(listed.id)
            out[held.id] = (
                held.name,
                held.ic_no,
                held.pass_count,
                int(held.start_ts),
                int(held.end_ts),
                bool(held.photo),
            )
        return out


def expected(record: PersonRecord) -> tuple[object, ...]:
    """What `terminal_holds` should read for `record`."""
    return (
        record.name,
        record.ic_no,
        record.pass_count,
        int(record.start_ts),
        int(record.end_ts),
        True,
    )


def serials(*terms: SimulatedTerminal) -> list[TerminalSerial]:
    """The serials of these terminals."""
    return [TerminalSerial(t.serial) for t in terms]

"""Realistic station data for GUI tests and screenshots: persons, terminals, placements, passes.

`fill_station(count)` writes straight into the station database of the current
ENROLL_STATION_HOME through the store's blocking API, before any event loop runs.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from enroll_app import simulator
from enroll_app.store import changes, outbox
from enroll_app.store.api import Store
from enroll_app.store.db import Db
from enroll_app.store.records import (
    PassRecordRow,
    PersonId,
    PersonKind,
    PersonRecord,
    PlacementState,
    TerminalSerial,
)

DOORS = {
    TerminalSerial("SN-GATE-01"): ("Front gate", "127.0.0.2"),
    TerminalSerial("SN-LOBBY-02"): ("Lobby east", "127.0.0.3"),
    TerminalSerial("SN-PARK-03"): ("Car park", "127.0.0.4"),
}
REAL_PHOTOS = 60  # persons with a real portrait; the others get `plain_photo()`
PLACED = 1500  # persons sent to terminals; the rest wait on the station for a photo
SURNAMES = ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu")
GIVEN = ("Wei", "Fang", "Na", "Min", "Jing", "Lei", "Yan", "Jun", "Hui", "Tao", "Ying", "Qiang")


@dataclass(frozen=True)
class Filled:
    """What `fill_station` wrote, for the assertions."""

    count: int
    visitors: int
    expired: int
    failed: int
    now: float


FRAMES = Path(simulator.__file__).parent / "frames"


@cache
def portrait(index: int = 0) -> bytes:
    """One of the six bundled 640x480 one-face portraits (real photos), as JPEG bytes."""
    return (FRAMES / f"frame-{index % 6 + 1}.jpg").read_bytes()


@cache
def plain_photo() -> bytes:
    """A small 640x480 JPEG: thousands of persons without a database of gigabytes."""
    import cv2
    import numpy as np

    ok, data = cv2.imencode(".jpg", np.full((480, 640, 3), 200, np.uint8))
    assert ok
    return bytes(data.tobytes())


def _photo(n: int) -> bytes | None:
    if n < REAL_PHOTOS:
        return portrait(n)
    return plain_photo() if n < PLACED else None


def make_person(n: int, now: float) -> PersonRecord:
    """Person `n`: every 10th a visitor (a third of them expired), the rest staff."""
    visitor = n % 10 == 0
    expired = visitor and n % 30 == 0
    name = f"{SURNAMES[(n // 3) % 10]} {GIVEN[(n // 7) % 12]}"
    return PersonRecord(
        id=PersonId(f"E{n:05d}"),
        name=f"{name} {n}" if n >= 1000 else name,
        ic_no=str(20_000_000 + n * 13),
        id_no=f"11010519{800101 + n % 9000:06d}{n % 1000:03d}X",
        pass_count=2 if visitor else 10000,
        start_ts=now - 7200 if visitor else -1.0,
        end_ts=(now - 3600 if expired else now + 8 * 3600) if visitor else -1.0,
        kind=PersonKind.VISITOR if visitor else PersonKind.STAFF,
        photo=_photo(n),
    )


Terminals = dict[TerminalSerial, tuple[str, str, int]]  # serial: name, host, port


def _fill(  # noqa: PLR0917 (a store job: `store.run` passes arguments by position)
    db: Db, count: int, now: float, terminals: Terminals, deliver: bool, first: int
) -> Filled:
    doors = list(terminals)
    with db.transaction():
        for serial, (name, host, port) in terminals.items():
            db.conn.execute(
                "INSERT OR IGNORE INTO terminals (serial, host, port, name, added_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (serial, host, port, name, now),
            )
        for n in range(first, first + count):
            targets = [] if n >= PLACED else doors if n % 4 or len(doors) < 3 else doors[:2]
            changes.save_person(db, make_person(n, now), targets, "test")
        failed = 0
        for serial in doors if not deliver else []:  # else the sync service delivers them
            for entry in outbox.next_outbox_batch(db, serial, now * 2, count):
                number = int(entry.person_id[1:])
                if number % 37 == 5 and serial == doors[-1]:
                    outbox.fail_outbox(
                        db, entry.id, PlacementState.FAILED_FULL, "the terminal is full", None
                    )
                    failed += 1
                else:
                    outbox.complete_outbox(db, entry.id, now)
    visitors = sum(1 for n in range(count) if n % 10 == 0)
    expired = sum(1 for n in range(count) if n % 30 == 0)
    return Filled(count, visitors, expired, failed, now)


def preload_face_modules() -> None:
    """Import what the station's background engine load imports, before the loop runs.

    A first import runs Python code under the GIL for a long time; done by the engine's load
    thread during a test it would stall the UI loop, and the stall would not be the page's.
    """
    import cv2  # noqa: F401
    import insightface.model_zoo  # noqa: F401
    import onnxruntime  # noqa: F401


def fill_station(
    count: int,
    *,
    now: float | None = None,
    passes: int = 0,
    terminals: Terminals | None = None,
    deliver: bool = False,
    first: int = 0,
) -> Filled:
    """Write `count` persons on three named terminals (and `passes` pass records).

    `terminals` (default `DOORS` on port 8088, not running) may name real simulators; with
    `deliver` their outbox entries are left for the sync service, else marked delivered
    (every 37th on the last terminal failed: full). Persons are numbered from `first`.
    """
    preload_face_modules()
    when = now if now is not None else time.time()
    with Store.open() as store:
        doors = terminals or {s: (n, h, 8088) for s, (n, h) in DOORS.items()}
        filled = store.run(_fill, count, when, doors, deliver, first)
        if passes:
            store.run(add_passes, passes, count, when, list(DOORS))
    return filled


def fill(db: Db, count: int, now: float, terminals: Terminals) -> Filled:
    """`fill_station` as a store job, for a running station (`await store.call(fill, ...)`)."""
    return _fill(db, count, now, terminals, False, 0)


def add_passes(db: Db, passes: int, count: int, now: float, doors: list[TerminalSerial]) -> None:
    """`passes` pass records over the last hours, every third with a snapshot (a store job)."""
    from enroll_app.store.passes import add_pass_records

    rows = [
        PassRecordRow(
            serial=doors[i % len(doors)],
            person_id=PersonId(f"E{(i * 7) % count:05d}"),
            ts=now - i * 97.0,
            name=make_person((i * 7) % count, now).name,
            photo=portrait(i) if i % 3 == 0 else None,
        )
        for i in range(passes)
    ]
    add_pass_records(db, rows)


def start_station(qloop: Any, setup: Callable[[Any], Awaitable[object]] | None = None) -> Any:
    """Open the real application and wait until its services and pages have started.

    `setup(station)` runs after the start (learning terminals, a first contact with each).
    Start-up (store, keys, sync, the face engine's load, every page's first job) is the
    shell's to keep fast and its tests' to check; what it logged is set aside here, so the
    stall detector of a page test reports only the loop steps that test drives.
    """
    from enroll_app.ui.app import Station, create_application

    station = Station.open(create_application())
    station.window.show()
    qloop.run(station.context.station_ready(), timeout=30)
    qloop.run(station.context.station.face_engine(), timeout=60)
    qloop.run(station.context.tasks.wait_idle(), timeout=30)
    if setup is not None:  # e.g. learn a terminal, as the Terminals page would have
        qloop.run(setup(station), timeout=30)
    started = list(qloop.warnings)
    qloop.warnings.clear()
    if started:
        print("start-up stalls (not this test's):", *started, sep="\n  ")
    return station


def stop_station(station: Any, qloop: Any) -> None:
    """Quit the station like the application, then fail on any stall the test itself caused.

    Shutting down is the shell's (and its tests'); what it logs is printed, not counted here.
    """
    import gc

    from gui_harness import close_station

    during_test = list(qloop.warnings)
    close_station(station, qloop)
    # Collect the closed window's Python wrappers here, on the UI thread: left to a later
    # automatic collection they may be freed on the store's thread, which Qt does not allow.
    gc.collect()
    closing = qloop.warnings[len(during_test) :]
    qloop.warnings.clear()
    if closing:
        print("shutdown stalls (not this test's):", *closing, sep="\n  ")
    assert not during_test, f"event loop warnings: {during_test}"


class SimProcess:
    """A simulated terminal in its own process (`enroll-station sim`), like a device apart
    from the PC: its work never holds this process's GIL, so the UI loop's stall detector
    sees only the station's own steps."""

    def __init__(self, host: str, data_dir: Path) -> None:
        import socket
        import subprocess
        import sys

        with socket.socket() as probe:  # a free port on that address
            probe.bind((host, 0))
            self.port = int(probe.getsockname()[1])
        self.host = host
        command = [sys.executable, "-m", "enroll_app", "sim", "--host", host]
        command += ["--port", str(self.port), "--fast", "--data", str(data_dir)]
        # Niced: the terminal stands for another machine and must not take the window's CPU.
        nice = shutil.which("nice")
        command = [nice, "-n", "15", *command] if nice else command
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # printed once it listens
        if "listening" not in line:
            self.close()
            raise RuntimeError(f"the simulator did not start: {line!r}")
        self.serial = TerminalSerial(line.split(" serial ")[1].split()[0])

    def close(self) -> None:
        """Stop the terminal (SIGTERM) and wait for it."""
        self.process.terminate()
        self.process.wait(timeout=15)
        if self.process.stdout is not None:
            self.process.stdout.close()


async def load_terminal(term: SimProcess, persons: list[PersonRecord]) -> None:
    """Put `persons` on the simulated terminal with a plain client, as the station would have."""
    from enroll_app.services.delivery import terminal_person
    from enroll_app.terminal.client import TerminalClient
    from enroll_app.terminal.protocol import DEFAULT_KEY

    async with TerminalClient(term.host, term.port, DEFAULT_KEY) as client:
        for person in persons:
            await client.set_person(terminal_person(person))

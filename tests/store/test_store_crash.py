"""Crash safety: a writer killed with SIGKILL leaves a database with whole transactions only."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from store_helpers import FakeClock

from enroll_app.store import Db, Store, outbox, persons

_PRELUDE = """
import sys
from enroll_app.store import PersonId, PersonRecord, Store, TerminalSerial, changes, terminals
photo = open(sys.argv[1], "rb").read()
doors = [TerminalSerial("SN1"), TerminalSerial("SN2")]
store = Store.open()
for n, door in enumerate(doors, start=2):
    store.run(terminals.upsert_terminal, door, f"127.0.0.{n}", 8090)
def save(person_id):
    return PersonRecord(
        PersonId(person_id), name="Crash " + person_id, id_no="1101051990" + person_id[-4:].zfill(4),
        photo=photo)
"""

_KILLED_INSIDE_A_TRANSACTION = (
    _PRELUDE
    + """
store.run(changes.save_person, save("0001"), doors, "op")
def torn(db):
    with db.transaction():
        changes.save_person(db, save("0002"), doors, "op")
        changes.save_person(db, save("0003"), doors, "op")
        print("inside", flush=True)
        sys.stdin.readline()  # the test kills us here
store.run(torn)
"""
)

_KILLED_WHILE_COMMITTING = (
    _PRELUDE
    + """
for n in range(100000):
    store.run(changes.save_person, save(f"{n:06d}"), doors, "op")
    print(n, flush=True)
"""
)


def _start(script: str, photo: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", script, str(photo)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, _errors(proc)


def _errors(proc: subprocess.Popen[str]) -> str:
    return proc.stderr.read() if proc.stderr else ""


def _intact(db: Db) -> tuple[str, list[object]]:
    integrity = db.conn.execute("PRAGMA integrity_check").fetchone()[0]
    return integrity, db.conn.execute("PRAGMA foreign_key_check").fetchall()


def _whole_saves(db: Db) -> list[str]:
    """Ids of persons whose photo, two outbox entries and two placements all exist."""
    rows = db.conn.execute(
        "SELECT p.id FROM persons p WHERE EXISTS (SELECT 1 FROM person_photos ph"
        " WHERE ph.person_id = p.id) AND (SELECT count(*) FROM outbox o WHERE o.person_id = p.id)"
        " = 2 AND (SELECT count(*) FROM placements pl WHERE pl.person_id = p.id) = 2"
        " ORDER BY p.id"
    )
    return [row[0] for row in rows.fetchall()]


def test_a_writer_killed_inside_a_transaction_leaves_none_of_it(
    tmp_path: Path, photos: list[bytes], clock: FakeClock
) -> None:
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(photos[0])
    with _start(_KILLED_INSIDE_A_TRANSACTION, photo) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "inside", _errors(proc)
        _kill(proc)
    with Store.open(clock=clock) as store:
        assert store.run(_intact) == ("ok", [])
        assert [p.id for p in store.run(persons.list_persons)] == ["0001"]
        assert store.run(_whole_saves) == ["0001"]
        assert len(store.run(outbox.list_outbox)) == 2


def test_a_writer_killed_while_committing_leaves_only_whole_saves(
    tmp_path: Path, photos: list[bytes], clock: FakeClock
) -> None:
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(photos[0])
    with _start(_KILLED_WHILE_COMMITTING, photo) as proc:
        assert proc.stdout is not None
        reported = [proc.stdout.readline().strip() for _ in range(30)]
        assert reported == [str(n) for n in range(30)], _errors(proc)
        _kill(proc)  # somewhere in the middle of a later save
    with Store.open(clock=clock) as store:
        assert store.run(_intact) == ("ok", [])
        stored = [p.id for p in store.run(persons.list_persons, None, 0, 100_000)]
        assert len(stored) >= 30  # every save that returned is there
        assert store.run(_whole_saves) == stored  # and nothing half-written
        assert stored == [f"{n:06d}" for n in range(len(stored))]


_EXITS_WITHOUT_CLOSING = """
import asyncio
from enroll_app.store import PersonId, PersonRecord, Store
async def main():
    store = await Store.open_async()
    for n in range(200):
        store.save_person(PersonRecord(PersonId(f"{n:03d}")), [], "op")  # queued, not awaited
asyncio.run(main())
"""


def test_work_queued_when_the_app_exits_without_closing_is_finished(
    tmp_path: Path, clock: FakeClock
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _EXITS_WITHOUT_CLOSING], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stderr) == (0, "")
    with Store.open(clock=clock) as store:
        assert store.run(persons.count_persons) == 200

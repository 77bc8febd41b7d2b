"""The store thread: settings, ownership of the connection, draining on close, listeners."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from store_helpers import DOORS, FakeClock, person, vector

from enroll_app.store import (
    Db,
    InvalidRecordError,
    PersonId,
    PersonsChanged,
    StorageError,
    Store,
    StoreClosedError,
    StoreThreadError,
    TerminalSerial,
    changes,
    outbox,
    persons,
    replayable,
)
from enroll_app.store.db import DB_FILENAME


def _pragma(db: Db, name: str) -> Any:
    return db.conn.execute(f"PRAGMA {name}").fetchone()[0]


@replayable
def _replayable_sync_mode(db: Db) -> int:
    return int(_pragma(db, "synchronous"))


def test_opens_in_the_station_home_with_wal_and_foreign_keys(
    store: Store, station_home: Path
) -> None:
    assert store.path == station_home / DB_FILENAME
    assert store.path.exists()
    assert store.run(_pragma, "journal_mode") == "wal"
    assert store.run(_pragma, "foreign_keys") == 1
    assert store.run(_pragma, "busy_timeout") == 5000


def test_operator_changes_commit_with_full_sync_bookkeeping_with_normal(store: Store) -> None:
    full, normal = 2, 1
    assert store.run(_pragma, "synchronous") == full
    assert store.run(_replayable_sync_mode) == normal
    assert store.run(_pragma, "synchronous") == full  # switched back for the next change


def test_all_sql_runs_on_the_store_thread(store: Store) -> None:
    names = store.run(lambda db: threading.current_thread().name)
    assert names == "store"
    leaked = store.run(lambda db: db)
    with pytest.raises(StoreThreadError), leaked.transaction():
        pass
    with pytest.raises(sqlite3.ProgrammingError):
        leaked.conn.execute("SELECT 1")


def test_run_refuses_to_wait_for_itself(store: Store) -> None:
    def nested(db: Db) -> int:
        return store.run(persons.count_persons)

    with pytest.raises(StoreThreadError, match="wait for itself"):
        store.run(nested)


@pytest.mark.asyncio
async def test_run_refuses_to_block_the_event_loop(clock: FakeClock) -> None:
    store = await Store.open_async(clock=clock)
    try:
        with pytest.raises(StoreThreadError, match=r"await store\.call"):
            store.run(persons.count_persons)
        assert await store.call(persons.count_persons) == 0
    finally:
        await store.aclose()


@pytest.mark.asyncio
async def test_closing_finishes_every_submitted_change(
    clock: FakeClock, photos: list[bytes]
) -> None:
    store = await Store.open_async(clock=clock)
    pending = [store.save_person(person(f"{n:04d}"), [], "op") for n in range(40)]
    await store.aclose()
    assert all(future.done() for future in pending)
    saved = await asyncio.gather(*pending)
    assert [p.id for p in saved] == [f"{n:04d}" for n in range(40)]
    assert store.closed
    with pytest.raises(StoreClosedError):
        await store.count_persons()
    async with await Store.open_async(clock=clock) as reopened:
        assert await reopened.count_persons() == 40


def test_close_is_idempotent_and_refuses_later_work(store: Store) -> None:
    store.close()
    store.close()
    with pytest.raises(StoreClosedError):
        store.run(persons.count_persons)


def test_a_failing_function_rolls_back_and_the_store_goes_on(store: Store) -> None:
    def half_done(db: Db) -> None:
        with db.transaction():
            changes.save_person(db, person("1"), [], "op")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        store.run(half_done)
    assert store.run(persons.find_person, "1") is None
    store.run(changes.save_person, person("1"), [], "op")
    assert store.run(persons.count_persons) == 1


def test_listeners_hear_of_commits_only(store: Store, photos: list[bytes]) -> None:
    heard: list[PersonsChanged] = []
    unsubscribe = store.subscribe(heard.append)

    def rolled_back(db: Db) -> None:
        with db.transaction():
            changes.save_person(db, person("9"), [], "op")
            raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        store.run(rolled_back)
    assert heard == []
    store.run(changes.save_person, person("1", photos[0], embedding=vector(1)), [], "op")
    store.run(changes.forget_person, PersonId("1"), "op")
    assert heard == [
        PersonsChanged(saved=frozenset({"1"}), removed=frozenset()),
        PersonsChanged(saved=frozenset(), removed=frozenset({"1"})),
    ]
    unsubscribe()
    store.run(changes.save_person, person("2"), [], "op")
    assert len(heard) == 2


def test_a_failing_listener_does_not_stop_the_store(store: Store) -> None:
    def broken(change: PersonsChanged) -> None:
        raise RuntimeError("listener bug")

    store.subscribe(broken)
    saved = store.run(changes.save_person, person("1"), [], "op")
    assert saved.revision == 1
    assert store.run(persons.count_persons) == 1


@pytest.mark.asyncio
async def test_async_api_from_many_tasks_keeps_one_order(clock: FakeClock) -> None:
    async with await Store.open_async(clock=clock) as store:
        await store.upsert_terminal(DOORS[0], "127.0.0.2", 8090)
        await asyncio.gather(*(store.save_person(person(f"{n:03d}"), [], "op") for n in range(25)))
        assert await store.count_persons() == 25
        page = await store.list_persons(limit=5)
        assert [p.id for p in page] == ["000", "001", "002", "003", "004"]


def test_a_file_that_is_not_a_database_is_refused_untouched(
    station_home: Path, clock: FakeClock
) -> None:
    path = station_home / DB_FILENAME
    path.write_bytes(b"not a database, but somebody's file" * 100)
    before = path.read_bytes()
    with pytest.raises(StorageError, match="cannot open the station database"):
        Store.open(clock=clock)
    assert path.read_bytes() == before


def test_a_caught_inner_failure_keeps_none_of_its_writes(
    store: Store, doors: list[TerminalSerial], photos: list[bytes]
) -> None:
    def import_batch(db: Db) -> None:
        with db.transaction():
            changes.save_person(db, person("1", photos[0]), doors, "import")
            try:
                with db.transaction():
                    changes.save_person(db, person("2", photos[0]), doors, "import")
                    raise InvalidRecordError("row 2 of the sheet is bad")
            except InvalidRecordError:
                pass
            changes.save_person(db, person("3", photos[0]), doors, "import")

    store.run(import_batch)
    assert [p.id for p in store.run(persons.list_persons)] == ["1", "3"]
    assert {e.person_id for e in store.run(outbox.list_outbox)} == {"1", "3"}


def test_sqlite_errors_reach_callers_as_store_errors(store: Store) -> None:
    with pytest.raises(InvalidRecordError, match="refused the change") as refused:
        store.run(lambda db: db.conn.execute("INSERT INTO persons (id) VALUES ('x')"))
    assert isinstance(refused.value.__cause__, sqlite3.IntegrityError)
    with pytest.raises(StorageError, match="failed: no such table"):
        store.run(lambda db: db.conn.execute("SELECT * FROM no_such_table"))
    assert store.run(persons.count_persons) == 0


def test_two_programs_on_one_file_take_turns(
    store: Store, doors: list[TerminalSerial], photos: list[bytes], clock: FakeClock
) -> None:
    """The GUI and a CLI command (or two desks) writing at once: each waits, none is lost."""
    other = Store.open(clock=clock)
    failures: list[BaseException] = []

    def enroll(into: Store, prefix: str) -> None:
        try:
            for n in range(25):
                into.run(changes.save_person, person(f"{prefix}{n:02d}", photos[0]), doors, "op")
        except BaseException as error:  # reported below, on the test's thread
            failures.append(error)

    workers = [
        threading.Thread(target=enroll, args=(store, "a")),
        threading.Thread(target=enroll, args=(other, "b")),
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    other.close()
    assert failures == []
    assert store.run(persons.count_persons) == 50
    assert store.run(outbox.outbox_depth) == {doors[0]: 50, doors[1]: 50}

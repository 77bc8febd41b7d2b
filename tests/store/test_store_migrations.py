"""Migrations: run on open, one transaction each; an old file is brought up, a newer refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from store_helpers import FakeClock

from enroll_app.store import (
    MigrationError,
    PersonFilter,
    PersonId,
    Store,
    changes,
    outbox,
    persons,
)
from enroll_app.store.db import DB_FILENAME
from enroll_app.store.migrations import LATEST_VERSION, migrate, schema_version


def _v1_database(path: Path, photo: bytes) -> None:
    """A station database as version 1 of the program left it."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        assert migrate(conn, target=1) == 1
        conn.executescript(
            f"""
            BEGIN;
            INSERT INTO persons (id, name, name_key, ic_no, id_no, kind, source, created_at,
                updated_at, revision, payload_hash)
                VALUES ('0042', 'Old Timer', 'old timer', '77', '', 'staff', 'enroll', 1, 2, 3,
                'h');
            INSERT INTO person_photos (person_id, sha256, jpeg) VALUES ('0042', 's', x'{photo.hex()}');
            INSERT INTO terminals (serial, host, port, added_at) VALUES ('SN1', '127.0.0.2', 8090, 1);
            INSERT INTO placements (person_id, serial, state, revision, updated_at)
                VALUES ('0042', 'SN1', 'pending', 3, 2);
            INSERT INTO outbox (serial, person_id, op, revision, payload_hash, next_attempt_at,
                created_at) VALUES ('SN1', '0042', 'upsert', 3, 'h', 2, 2);
            COMMIT;
            """
        )
    finally:
        conn.close()


def test_a_new_database_starts_at_the_latest_version(store: Store) -> None:
    assert store.run(lambda db: schema_version(db.conn)) == LATEST_VERSION == 2


def test_a_v1_database_is_migrated_on_open_and_keeps_its_data(
    station_home: Path, clock: FakeClock, photos: list[bytes]
) -> None:
    _v1_database(station_home / DB_FILENAME, photos[0])
    with Store.open(clock=clock) as store:
        assert store.run(lambda db: schema_version(db.conn)) == 2
        old = store.run(persons.get_person, "0042", with_photo=True)
        assert (old.name, old.ic_no, old.revision, old.forgetting) == ("Old Timer", "77", 3, False)
        assert old.photo == photos[0]
        assert store.run(persons.count_persons, PersonFilter(search="timer")) == 1  # backfilled
        assert store.run(persons.count_persons, PersonFilter(search="77")) == 1
        assert [e.person_id for e in store.run(outbox.list_outbox)] == ["0042"]
        # The v2 parts work on the migrated file.
        assert store.run(changes.forget_person, PersonId("0042"), "op") is False
        assert store.run(persons.get_person, "0042").forgetting


def test_a_failed_migration_leaves_the_file_at_its_old_version(
    station_home: Path, clock: FakeClock, photos: list[bytes]
) -> None:
    path = station_home / DB_FILENAME
    _v1_database(path, photos[0])
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE pass_records (something_else TEXT)")  # in v2's way
    conn.close()
    with pytest.raises(MigrationError, match="v2"):
        Store.open(clock=clock)
    conn = sqlite3.connect(path)
    try:
        assert schema_version(conn) == 1
        columns = [row[1] for row in conn.execute("PRAGMA table_info(persons)")]
        assert "forget_requested_at" not in columns
        assert conn.execute("SELECT name FROM persons").fetchall() == [("Old Timer",)]
    finally:
        conn.close()


def test_a_database_from_a_newer_program_is_refused_untouched(
    station_home: Path, clock: FakeClock
) -> None:
    path = station_home / DB_FILENAME
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(MigrationError, match="version 99"):
        Store.open(clock=clock)
    assert path.read_bytes() == before

"""Versioned schema migrations, tracked in `PRAGMA user_version`, each in its own transaction."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass

from enroll_app.store.errors import MigrationError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Migration:
    """One step of the schema: applied once, atomically, when `user_version` is below it."""

    version: int
    description: str
    sql: str


_V1_CORE = """
CREATE TABLE persons (
    id TEXT PRIMARY KEY NOT NULL CHECK (id <> ''),
    name TEXT NOT NULL DEFAULT '',
    name_key TEXT NOT NULL DEFAULT '',
    ic_no TEXT NOT NULL DEFAULT '' CHECK (ic_no NOT GLOB '*[^0-9]*'),
    id_no TEXT NOT NULL DEFAULT '',
    pass_count INTEGER NOT NULL DEFAULT 10000 CHECK (pass_count BETWEEN 0 AND 10000),
    start_ts REAL NOT NULL DEFAULT -1,
    end_ts REAL NOT NULL DEFAULT -1,
    kind TEXT NOT NULL DEFAULT 'staff' CHECK (kind IN ('staff', 'visitor')),
    source TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    revision INTEGER NOT NULL DEFAULT 1,
    payload_hash TEXT NOT NULL
);
CREATE INDEX persons_by_name ON persons (name_key, id);
CREATE INDEX persons_by_card ON persons (ic_no) WHERE ic_no <> '';
CREATE INDEX persons_by_id_no ON persons (id_no) WHERE id_no <> '';
CREATE INDEX persons_by_updated ON persons (updated_at, id);
CREATE INDEX persons_visitors_by_end ON persons (end_ts) WHERE kind = 'visitor';

-- Photos and embeddings live apart so listing persons never reads a BLOB.
CREATE TABLE person_photos (
    person_id TEXT PRIMARY KEY NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    sha256 TEXT NOT NULL,
    jpeg BLOB NOT NULL
);
CREATE TABLE person_embeddings (
    person_id TEXT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    model_pack TEXT NOT NULL,
    vector BLOB NOT NULL CHECK (length(vector) = 2048),
    PRIMARY KEY (model_pack, person_id)
) WITHOUT ROWID;
CREATE INDEX embeddings_by_person ON person_embeddings (person_id);

CREATE TABLE terminals (
    serial TEXT PRIMARY KEY NOT NULL CHECK (serial <> ''),
    host TEXT NOT NULL,
    port INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    capacity INTEGER,
    persons_stored INTEGER,
    app_version TEXT NOT NULL DEFAULT '',
    last_seen REAL,
    key_status TEXT NOT NULL DEFAULT 'unknown' CHECK (key_status IN ('unknown', 'ok', 'refused')),
    added_at REAL NOT NULL
);

CREATE TABLE placements (
    person_id TEXT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    serial TEXT NOT NULL REFERENCES terminals (serial) ON DELETE CASCADE,
    state TEXT NOT NULL CHECK (state IN ('pending', 'synced', 'failed_key', 'failed_full',
        'failed_photo', 'failed_other', 'removing', 'removed')),
    revision INTEGER NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0,
    verified_at REAL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (person_id, serial)
) WITHOUT ROWID;
CREATE INDEX placements_by_terminal ON placements (serial, state);
CREATE INDEX placements_by_state ON placements (state, person_id);

-- One entry per (terminal, person) at most: a newer change replaces the older (coalescing),
-- under a new id, so a worker finishing the replaced entry changes nothing.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    serial TEXT NOT NULL REFERENCES terminals (serial) ON DELETE CASCADE,
    person_id TEXT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    op TEXT NOT NULL CHECK (op IN ('upsert', 'remove')),
    revision INTEGER NOT NULL,
    payload_hash TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL,
    last_error TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    UNIQUE (serial, person_id)
);
CREATE INDEX outbox_due ON outbox (serial, next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX outbox_by_person ON outbox (person_id);

-- History outlives the persons and terminals it names: no foreign keys.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    person_id TEXT,
    serial TEXT,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_by_ts ON audit_log (ts);
CREATE INDEX audit_by_person ON audit_log (person_id, ts) WHERE person_id IS NOT NULL;
"""

_V2_FORGET_AND_RECORDS = """
-- Search: one text of every searchable field, scanned within the name index, which also
-- serves the name order and holds what the filters test, so a filtered page of the persons
-- view is one pass over one index, never a row-by-row read of the table.
ALTER TABLE persons ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
UPDATE persons SET search_text =
    name_key || char(10) || lower(id) || char(10) || ic_no || char(10) || lower(id_no);
DROP INDEX persons_by_name;
CREATE INDEX persons_by_name ON persons (name_key, id, search_text, kind, end_ts);
CREATE INDEX persons_by_end ON persons (end_ts) WHERE end_ts <> -1;
CREATE INDEX persons_by_kind ON persons (kind, name_key, id);

-- Forgetting is two-phase: removals first, the person row once every terminal confirmed.
ALTER TABLE persons ADD COLUMN forget_requested_at REAL;
CREATE INDEX persons_forgetting ON persons (id) WHERE forget_requested_at IS NOT NULL;

-- Ids of forgotten persons (nothing else): a terminal still holding one is cleaned, not
-- imported, and pass records naming one are stored without name or snapshot.
CREATE TABLE forgotten_persons (
    person_id TEXT PRIMARY KEY NOT NULL,
    forgotten_at REAL NOT NULL
) WITHOUT ROWID;

CREATE TABLE pass_records (
    id INTEGER PRIMARY KEY,
    serial TEXT NOT NULL,
    person_id TEXT NOT NULL,
    ts_ms INTEGER NOT NULL,
    pass_type INTEGER NOT NULL DEFAULT 0,
    name TEXT NOT NULL DEFAULT '',
    received_at REAL NOT NULL,
    UNIQUE (serial, person_id, ts_ms)
);
CREATE INDEX pass_records_by_ts ON pass_records (ts_ms);
CREATE INDEX pass_records_by_person ON pass_records (person_id, ts_ms);
CREATE TABLE pass_record_photos (
    record_id INTEGER PRIMARY KEY NOT NULL REFERENCES pass_records (id) ON DELETE CASCADE,
    jpeg BLOB NOT NULL
);
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "persons, photos, embeddings, terminals, placements, outbox, audit", _V1_CORE),
    Migration(2, "search text, two-phase forgetting, pass records", _V2_FORGET_AND_RECORDS),
)

LATEST_VERSION = MIGRATIONS[-1].version


def schema_version(conn: sqlite3.Connection) -> int:
    """The version the database file is at (0 for a new file)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def refuse_newer(conn: sqlite3.Connection) -> int:
    """The file's version; MigrationError if a newer program wrote it (checked before any write)."""
    current = schema_version(conn)
    if current > LATEST_VERSION:
        raise MigrationError(
            f"the station database is version {current}, this program knows up to "
            f"{LATEST_VERSION}: update the program"
        )
    return current


def migrate(conn: sqlite3.Connection, target: int = LATEST_VERSION) -> int:
    """Apply every migration above the file's version up to `target`; return the new version.

    Each step commits on its own, so a crash between steps leaves a valid older version that
    the next start continues from. A file newer than this program is refused, not touched.
    """
    current = refuse_newer(conn)
    for migration in MIGRATIONS:
        if current < migration.version <= target:
            _apply(conn, migration)
            current = migration.version
    return current


def _apply(conn: sqlite3.Connection, migration: Migration) -> None:
    log.info("migrating the station database to v%d: %s", migration.version, migration.description)
    # executescript() runs the whole script, so BEGIN…COMMIT inside it is one transaction.
    script = (
        f"BEGIN IMMEDIATE;\n{migration.sql}\nPRAGMA user_version = {migration.version:d};\nCOMMIT;"
    )
    try:
        conn.executescript(script)
    except sqlite3.Error as error:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise MigrationError(f"migration to v{migration.version} failed: {error}") from error

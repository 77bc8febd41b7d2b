"""Terminals the station knows: found by serial, followed when their address changes."""

from __future__ import annotations

import sqlite3

from enroll_app.store.audit import write_audit
from enroll_app.store.db import Db, replayable
from enroll_app.store.errors import InvalidRecordError, NotFoundError
from enroll_app.store.outbox import finish_forgetting
from enroll_app.store.records import KeyStatus, TerminalRecord, TerminalSerial

_COLUMNS = "serial, host, port, name, capacity, persons_stored, app_version, last_seen, key_status"


def _terminal_from_row(row: sqlite3.Row) -> TerminalRecord:
    return TerminalRecord(
        serial=TerminalSerial(row["serial"]),
        host=row["host"],
        port=row["port"],
        name=row["name"],
        capacity=row["capacity"],
        persons_stored=row["persons_stored"],
        app_version=row["app_version"],
        last_seen=row["last_seen"],
        key_status=KeyStatus(row["key_status"]),
    )


def upsert_terminal(
    db: Db,
    serial: str,
    host: str,
    port: int,
    *,
    name: str | None = None,
    capacity: int | None = None,
    persons_stored: int | None = None,
    app_version: str | None = None,
    seen_at: float | None = None,
    actor: str = "discovery",
) -> TerminalRecord:
    """Add a terminal or update it by serial (its address follows); None keeps a field.

    A new terminal and a change of address are written to the audit log.
    """
    TerminalRecord(TerminalSerial(serial), host, port)  # validates before anything is written
    if capacity is not None and capacity < 0:
        raise InvalidRecordError("a terminal's capacity cannot be negative")
    with db.transaction() as conn:
        before = conn.execute("SELECT host, port FROM terminals WHERE serial = ?", (serial,))
        _audit_address(conn, db.now(), actor, serial, before=before.fetchone(), after=(host, port))
        conn.execute(
            "INSERT INTO terminals (serial, host, port, name, capacity, persons_stored,"
            " app_version, last_seen, added_at) VALUES (?, ?, ?, coalesce(?, ''), ?, ?,"
            " coalesce(?, ''), ?, ?) ON CONFLICT (serial) DO UPDATE SET host = excluded.host,"
            " port = excluded.port, name = coalesce(?, name),"
            " capacity = coalesce(excluded.capacity, capacity),"
            " persons_stored = coalesce(excluded.persons_stored, persons_stored),"
            " app_version = coalesce(?, app_version),"
            " last_seen = coalesce(excluded.last_seen, last_seen)",
            (
                serial,
                host,
                port,
                name,
                capacity,
                persons_stored,
                app_version,
                seen_at,
                db.now(),
                name,
                app_version,
            ),
        )
    return get_terminal(db, serial)


def _audit_address(
    conn: sqlite3.Connection,
    now: float,
    actor: str,
    serial: str,
    *,
    before: sqlite3.Row | None,
    after: tuple[str, int],
) -> None:
    if before is None:
        write_audit(
            conn, now, actor, "terminal.add", serial=serial, detail=f"{after[0]}:{after[1]}"
        )
    elif (before["host"], before["port"]) != after:
        detail = f"{before['host']}:{before['port']} -> {after[0]}:{after[1]}"
        write_audit(conn, now, actor, "terminal.moved", serial=serial, detail=detail)


@replayable
def terminal_seen(db: Db, serial: str, host: str, *, app_version: str | None = None) -> bool:
    """A heartbeat or reply from `serial` at `host`: note the time and follow its address.

    Returns False for a terminal the station does not know (discovery decides about those).
    """
    with db.transaction() as conn:
        cursor = conn.execute(
            "UPDATE terminals SET last_seen = ?, host = ?, app_version = coalesce(?, app_version)"
            " WHERE serial = ?",
            (db.now(), host, app_version, serial),
        )
    return cursor.rowcount > 0


def set_key_status(db: Db, serial: str, status: KeyStatus) -> None:
    """Record whether the station's key works on `serial` (the key stays in the keyring)."""
    with db.transaction() as conn:
        cursor = conn.execute(
            "UPDATE terminals SET key_status = ? WHERE serial = ?", (status.value, serial)
        )
    if cursor.rowcount == 0:
        raise NotFoundError(f"unknown terminal {serial!r}")


def get_terminal(db: Db, serial: str) -> TerminalRecord:
    """One terminal by serial."""
    row = db.conn.execute(f"SELECT {_COLUMNS} FROM terminals WHERE serial = ?", (serial,))
    found = row.fetchone()
    if found is None:
        raise NotFoundError(f"unknown terminal {serial!r}")
    return _terminal_from_row(found)


def list_terminals(db: Db) -> list[TerminalRecord]:
    """Every terminal, by name then serial."""
    rows = db.conn.execute(f"SELECT {_COLUMNS} FROM terminals ORDER BY name, serial")
    return [_terminal_from_row(row) for row in rows.fetchall()]


def remove_terminal(db: Db, serial: str, actor: str) -> None:
    """Forget a terminal: its placements and outbox entries go with it.

    Persons being forgotten who waited only for this terminal are then deleted: a terminal
    that is gone for good cannot confirm their removal.
    """
    with db.transaction() as conn:
        cursor = conn.execute("DELETE FROM terminals WHERE serial = ?", (serial,))
        if cursor.rowcount == 0:
            raise NotFoundError(f"unknown terminal {serial!r}")
        write_audit(conn, db.now(), actor, "terminal.remove", serial=serial)
        finish_forgetting(conn, db.now())

"""Pass records from the terminals, stored once each: unique on (serial, person id, ts in ms)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from enroll_app.store.db import Db, replayable
from enroll_app.store.records import PassRecordRow, PersonId, TerminalSerial


def ts_ms(ts: float) -> int:
    """The record's time in whole milliseconds: the key terminals repeat exactly."""
    return round(ts * 1000)


@replayable
def add_pass_records(db: Db, rows: Iterable[PassRecordRow]) -> int:
    """Store the records not stored yet; returns how many were new.

    Terminals resend records and polling overlaps uploads, so a repeat is ignored. Records of
    a forgotten person keep only who/when/where: no name, no snapshot.
    """
    added = 0
    with db.transaction() as conn:
        for row in rows:
            added += _add_one(conn, row, db.now())
    return added


def _add_one(conn: sqlite3.Connection, row: PassRecordRow, now: float) -> int:
    forgotten = conn.execute(
        "SELECT 1 FROM forgotten_persons WHERE person_id = ?", (row.person_id,)
    ).fetchone()
    cursor = conn.execute(
        "INSERT INTO pass_records (serial, person_id, ts_ms, pass_type, name, received_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (serial, person_id, ts_ms) DO NOTHING",
        (
            row.serial,
            row.person_id,
            ts_ms(row.ts),
            row.pass_type,
            "" if forgotten else row.name,
            now,
        ),
    )
    if cursor.rowcount == 0:
        return 0
    if row.photo and not forgotten:
        conn.execute(
            "INSERT INTO pass_record_photos (record_id, jpeg) VALUES (?, ?)",
            (cursor.lastrowid, row.photo),
        )
    return 1


@dataclass(frozen=True)
class PassFilter:
    """Which pass records to list (newest first); None fields do not filter."""

    serial: TerminalSerial | None = None
    person_id: PersonId | None = None
    since: float | None = None
    until: float | None = None
    limit: int = 200
    offset: int = 0


def list_pass_records(db: Db, where: PassFilter | None = None) -> list[PassRecordRow]:
    """Pass records matching `where`, newest first, without snapshots."""
    return _select(db, where or PassFilter(), None)


@dataclass(frozen=True)
class PassPage:
    """Records read in one store job, and the id of the newest record stored at that moment.

    A list that remembers `last_id` asks `pass_page(where, after_id=last_id)` later for only
    the records stored since, instead of reading everything again.
    """

    rows: list[PassRecordRow]
    last_id: int


def pass_page(db: Db, where: PassFilter | None = None, after_id: int | None = None) -> PassPage:
    """`list_pass_records(where)`, restricted to records stored after `after_id` when given,
    with the newest stored id (read together: no record can slip in between)."""
    found = db.conn.execute("SELECT coalesce(max(id), 0) FROM pass_records").fetchone()[0]
    return PassPage(_select(db, where or PassFilter(), after_id), int(found))


def _select(db: Db, where: PassFilter, after_id: int | None) -> list[PassRecordRow]:
    clauses: list[str] = []
    params: list[object] = []
    if after_id is not None:
        clauses.append("r.id > ?")
        params.append(after_id)
    if where.serial is not None:
        clauses.append("r.serial = ?")
        params.append(where.serial)
    if where.person_id is not None:
        clauses.append("r.person_id = ?")
        params.append(where.person_id)
    if where.since is not None:
        clauses.append("r.ts_ms >= ?")
        params.append(ts_ms(where.since))
    if where.until is not None:
        clauses.append("r.ts_ms < ?")
        params.append(ts_ms(where.until))
    sql = (
        "SELECT r.serial, r.person_id, r.ts_ms, r.pass_type, r.name, r.received_at,"
        " EXISTS (SELECT 1 FROM pass_record_photos ph WHERE ph.record_id = r.id) AS has_photo"
        " FROM pass_records r"
    )
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    sql += " ORDER BY r.ts_ms DESC, r.id DESC LIMIT ? OFFSET ?"
    return [_row(r) for r in db.conn.execute(sql, (*params, where.limit, where.offset))]


def _row(r: sqlite3.Row) -> PassRecordRow:
    return PassRecordRow(
        serial=TerminalSerial(r["serial"]),
        person_id=PersonId(r["person_id"]),
        ts=r["ts_ms"] / 1000,
        pass_type=r["pass_type"],
        name=r["name"],
        has_photo=bool(r["has_photo"]),
        received_at=r["received_at"],
    )


def pass_record_photo(db: Db, serial: str, person_id: str, ts: float) -> bytes | None:
    """The snapshot a terminal sent with one record, or None."""
    row = db.conn.execute(
        "SELECT ph.jpeg FROM pass_records r JOIN pass_record_photos ph ON ph.record_id = r.id"
        " WHERE r.serial = ? AND r.person_id = ? AND r.ts_ms = ?",
        (serial, person_id, ts_ms(ts)),
    ).fetchone()
    return None if row is None else bytes(row[0])


def latest_pass_ts(db: Db, serial: str) -> float | None:
    """The newest record stored for `serial` (where listRecord polling continues from)."""
    row = db.conn.execute("SELECT max(ts_ms) FROM pass_records WHERE serial = ?", (serial,))
    found = row.fetchone()[0]
    return None if found is None else found / 1000

"""The audit log: who did what, when, to which person, on which terminal."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from enroll_app.store.db import Db
from enroll_app.store.errors import InvalidRecordError
from enroll_app.store.records import AuditEntry, PersonId, TerminalSerial

SYSTEM_ACTOR = "sync"
"""The actor named in entries the sync workers write."""


def write_audit(
    conn: sqlite3.Connection,
    ts: float,
    actor: str,
    action: str,
    *,
    person_id: str | None = None,
    serial: str | None = None,
    detail: str = "",
) -> None:
    """Append one entry inside the caller's transaction.

    `detail` must never hold personal data (names, card or ID numbers): the log outlives the
    persons it names, and "forget this person" does not rewrite history.
    """
    conn.execute(
        "INSERT INTO audit_log (ts, actor, action, person_id, serial, detail)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (ts, actor, action, person_id, serial, detail),
    )


def append_audit(
    db: Db,
    actor: str,
    action: str,
    *,
    serial: str | None = None,
    person_ids: Sequence[str] = (),
    detail: str = "",
) -> int:
    """Record an act done outside the store's own changes (e.g. reconcile removing persons a
    terminal held without the station knowing them); returns how many entries were written.

    One entry per id in `person_ids` (so each person's history shows it), or one without a
    person when there are none; all in one durable transaction. Run it on the store thread:
    `await store.call(append_audit, actor, action, serial=..., person_ids=[...])`.
    """
    if not actor or not action:
        raise InvalidRecordError("an audit entry needs an actor and an action")
    ids: Sequence[str | None] = list(person_ids) or [None]
    with db.transaction() as conn:
        now = db.now()
        for person_id in ids:
            write_audit(conn, now, actor, action, person_id=person_id, serial=serial, detail=detail)
    return len(ids)


@dataclass(frozen=True)
class AuditFilter:
    """Which audit entries to list (newest first); None fields do not filter."""

    person_id: PersonId | None = None
    serial: TerminalSerial | None = None
    action: str | None = None
    since: float | None = None
    limit: int = 200
    offset: int = 0


def list_audit(db: Db, where: AuditFilter | None = None) -> list[AuditEntry]:
    """Audit entries matching `where` (everything when None), newest first."""
    where = where or AuditFilter()
    clauses: list[str] = []
    params: list[object] = []
    for column, value in (
        ("person_id", where.person_id),
        ("serial", where.serial),
        ("action", where.action),
    ):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if where.since is not None:
        clauses.append("ts >= ?")
        params.append(where.since)
    sql = "SELECT ts, actor, action, person_id, serial, detail FROM audit_log"
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    sql += " ORDER BY ts DESC, id DESC LIMIT ? OFFSET ?"
    rows = db.conn.execute(sql, (*params, where.limit, where.offset)).fetchall()
    return [
        AuditEntry(
            ts=row["ts"],
            actor=row["actor"],
            action=row["action"],
            person_id=None if row["person_id"] is None else PersonId(row["person_id"]),
            serial=None if row["serial"] is None else TerminalSerial(row["serial"]),
            detail=row["detail"],
        )
        for row in rows
    ]

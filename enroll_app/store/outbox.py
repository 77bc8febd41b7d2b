"""The sync outbox and placements: what each terminal is still owed, and how each person stands.

Workers (one per terminal, serial within it) take `next_outbox_batch`, do the work, then call
`complete_outbox` or `fail_outbox` with the entry id. Entries are replaced, never updated in
place, when a newer change for the same person and terminal arrives, so finishing a replaced
entry is a no-op: replays and races leave the newest intent standing.
"""

from __future__ import annotations

import random
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable

from enroll_app.store.audit import SYSTEM_ACTOR, write_audit
from enroll_app.store.db import Db, replayable
from enroll_app.store.errors import InvalidRecordError, NotFoundError
from enroll_app.store.records import (
    FAILED_STATES,
    OutboxEntry,
    OutboxEntryId,
    OutboxOp,
    PersonId,
    Placement,
    PlacementState,
    TerminalSerial,
)

MAX_ERROR_CHARS = 500


def enqueue(
    conn: sqlite3.Connection,
    serial: str,
    person_id: str,
    op: OutboxOp,
    *,
    revision: int,
    payload_hash: str,
    now: float,
) -> None:
    """Owe `serial` this op for this person, replacing whatever was owed before (coalescing)."""
    conn.execute("DELETE FROM outbox WHERE serial = ? AND person_id = ?", (serial, person_id))
    conn.execute(
        "INSERT INTO outbox (serial, person_id, op, revision, payload_hash, next_attempt_at,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (serial, person_id, op.value, revision, payload_hash, now, now),
    )
    state = PlacementState.PENDING if op is OutboxOp.UPSERT else PlacementState.REMOVING
    conn.execute(
        "INSERT INTO placements (person_id, serial, state, revision, updated_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (person_id, serial) DO UPDATE SET"
        " state = excluded.state, revision = excluded.revision, last_error = '', attempts = 0,"
        " updated_at = excluded.updated_at",
        (person_id, serial, state.value, revision, now),
    )


def require_terminals(conn: sqlite3.Connection, serials: Iterable[str]) -> None:
    """Raise NotFoundError naming the serials the station does not know."""
    wanted = set(serials)
    if not wanted:
        return
    marks = ",".join("?" * len(wanted))
    known = {
        row[0]
        for row in conn.execute(
            f"SELECT serial FROM terminals WHERE serial IN ({marks})", [*wanted]
        )
    }
    if missing := sorted(wanted - known):
        raise NotFoundError(f"unknown terminal(s): {', '.join(missing)}")


def finish_forgetting(conn: sqlite3.Connection, now: float, person_id: str | None = None) -> int:
    """Delete forgotten persons no terminal holds any more; return how many went.

    The last step of "forget this person": the row (name included) goes only once every
    removal is confirmed, so the operator can see who is still being removed, and where.
    """
    sql = (
        "SELECT id FROM persons p WHERE forget_requested_at IS NOT NULL AND NOT EXISTS"
        " (SELECT 1 FROM placements pl WHERE pl.person_id = p.id AND pl.state <> 'removed')"
    )
    params: tuple[str, ...] = ()
    if person_id is not None:
        sql += " AND id = ?"
        params = (person_id,)
    done = [row[0] for row in conn.execute(sql, params).fetchall()]
    for gone in done:
        conn.execute("DELETE FROM persons WHERE id = ?", (gone,))
        write_audit(conn, now, SYSTEM_ACTOR, "person.forgotten", person_id=gone)
    return len(done)


# ---- the worker's side -------------------------------------------------------------------


def _entry_from_row(row: sqlite3.Row) -> OutboxEntry:
    return OutboxEntry(
        id=OutboxEntryId(row["id"]),
        serial=TerminalSerial(row["serial"]),
        person_id=PersonId(row["person_id"]),
        op=OutboxOp(row["op"]),
        revision=row["revision"],
        payload_hash=row["payload_hash"],
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        last_error=row["last_error"],
        created_at=row["created_at"],
    )


_ENTRY_COLUMNS = (
    "id, serial, person_id, op, revision, payload_hash, attempts, next_attempt_at,"
    " last_error, created_at"
)


def next_outbox_batch(db: Db, serial: str, now: float, limit: int = 20) -> list[OutboxEntry]:
    """Entries for `serial` that are due at `now`, oldest first (parked ones are not)."""
    rows = db.conn.execute(
        f"SELECT {_ENTRY_COLUMNS} FROM outbox WHERE serial = ? AND next_attempt_at IS NOT NULL"
        " AND next_attempt_at <= ? ORDER BY id LIMIT ?",
        (serial, now, limit),
    ).fetchall()
    return [_entry_from_row(row) for row in rows]


def get_outbox_entry(db: Db, entry_id: int) -> OutboxEntry | None:
    """One entry, or None when it was completed or replaced."""
    row = db.conn.execute(f"SELECT {_ENTRY_COLUMNS} FROM outbox WHERE id = ?", (entry_id,))
    found = row.fetchone()
    return None if found is None else _entry_from_row(found)


def list_outbox(db: Db, serial: str | None = None) -> list[OutboxEntry]:
    """Every entry (of one terminal, or all), oldest first."""
    where = " WHERE serial = ?" if serial is not None else ""
    params = (serial,) if serial is not None else ()
    rows = db.conn.execute(f"SELECT {_ENTRY_COLUMNS} FROM outbox{where} ORDER BY id", params)
    return [_entry_from_row(row) for row in rows.fetchall()]


@replayable
def complete_outbox(db: Db, entry_id: int, verified_at: float) -> bool:
    """The terminal confirmed the entry (read back at `verified_at`); False if it was stale.

    Stale means completed already or replaced by a newer change: nothing is touched then.
    """
    with db.transaction() as conn:
        entry = get_outbox_entry(db, entry_id)
        if entry is None:
            return False
        conn.execute("DELETE FROM outbox WHERE id = ?", (entry_id,))
        done = PlacementState.SYNCED if entry.op is OutboxOp.UPSERT else PlacementState.REMOVED
        conn.execute(
            "UPDATE placements SET state = ?, revision = ?, last_error = '', attempts = ?,"
            " verified_at = ?, updated_at = ? WHERE person_id = ? AND serial = ?",
            (
                done,
                entry.revision,
                entry.attempts + 1,
                verified_at,
                db.now(),
                entry.person_id,
                entry.serial,
            ),
        )
        conn.execute("UPDATE terminals SET key_status = 'ok' WHERE serial = ?", (entry.serial,))
        write_audit(
            conn,
            db.now(),
            SYSTEM_ACTOR,
            f"sync.{entry.op}",
            person_id=entry.person_id,
            serial=entry.serial,
        )
        if entry.op is OutboxOp.REMOVE:
            finish_forgetting(conn, db.now(), entry.person_id)
    return True


@replayable
def fail_outbox(
    db: Db, entry_id: int, state: PlacementState, error: str, next_attempt_at: float | None
) -> bool:
    """The terminal refused or could not be reached; False if the entry was stale.

    `state` is one of the failed_* states; `next_attempt_at` None parks the entry until a new
    save or `retry_now` (a photo the terminal rejects will not pass by retrying). `error` is
    shown to the operator: no personal data in it.
    """
    if state not in FAILED_STATES:
        raise InvalidRecordError(f"{state} is not a failure state")
    error = error[:MAX_ERROR_CHARS]
    with db.transaction() as conn:
        entry = get_outbox_entry(db, entry_id)
        if entry is None:
            return False
        conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?"
            " WHERE id = ?",
            (error, next_attempt_at, entry_id),
        )
        _mark_failed(db, conn, entry, state, error)
    return True


def _mark_failed(
    db: Db, conn: sqlite3.Connection, entry: OutboxEntry, state: PlacementState, error: str
) -> None:
    before = conn.execute(
        "SELECT state FROM placements WHERE person_id = ? AND serial = ?",
        (entry.person_id, entry.serial),
    ).fetchone()
    conn.execute(
        "UPDATE placements SET state = ?, last_error = ?, attempts = ?, updated_at = ?"
        " WHERE person_id = ? AND serial = ?",
        (state, error, entry.attempts + 1, db.now(), entry.person_id, entry.serial),
    )
    if state is PlacementState.FAILED_KEY:
        conn.execute(
            "UPDATE terminals SET key_status = 'refused' WHERE serial = ?", (entry.serial,)
        )
    if before is None or before[0] != state:  # retries of the same failure would flood the log
        detail = f"{entry.op} {state}: {error[:200]}"
        write_audit(
            conn,
            db.now(),
            SYSTEM_ACTOR,
            "sync.failed",
            person_id=entry.person_id,
            serial=entry.serial,
            detail=detail,
        )


def retry_now(db: Db, serial: str, actor: str) -> int:
    """Make every entry of `serial` due now, parked ones too (key fixed, space freed)."""
    with db.transaction() as conn:
        cursor = conn.execute(
            "UPDATE outbox SET next_attempt_at = ? WHERE serial = ?", (db.now(), serial)
        )
        write_audit(
            conn, db.now(), actor, "sync.retry", serial=serial, detail=f"{cursor.rowcount} entries"
        )
    return cursor.rowcount


def outbox_depth(db: Db) -> dict[TerminalSerial, int]:
    """How many entries each terminal is owed (terminals owed nothing are left out)."""
    rows = db.conn.execute("SELECT serial, count(*) FROM outbox GROUP BY serial ORDER BY serial")
    return {TerminalSerial(row[0]): int(row[1]) for row in rows.fetchall()}


def placement_counts(db: Db) -> dict[TerminalSerial, dict[PlacementState, int]]:
    """Per terminal, how many persons stand in each state (the terminals view's summary)."""
    rows = db.conn.execute(
        "SELECT serial, state, count(*) FROM placements GROUP BY serial, state ORDER BY serial"
    ).fetchall()
    out: dict[TerminalSerial, dict[PlacementState, int]] = defaultdict(dict)
    for serial, state, count in rows:
        out[TerminalSerial(serial)][PlacementState(state)] = int(count)
    return dict(out)


def next_due_at(db: Db, serial: str) -> float | None:
    """When the earliest waiting entry of `serial` is due (None: nothing waits but parked)."""
    row = db.conn.execute(
        "SELECT min(next_attempt_at) FROM outbox WHERE serial = ? AND next_attempt_at IS NOT NULL",
        (serial,),
    ).fetchone()
    return None if row[0] is None else float(row[0])


def backoff_delay(
    attempts: int,
    *,
    base: float = 5.0,
    cap: float = 900.0,
    rng: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait before try number `attempts + 1`: doubling from `base` up to `cap`,
    with the upper half jittered so terminals coming back do not get hit all at once.
    """
    ceiling = min(cap, base * 2 ** max(0, min(attempts, 30)))
    return float(ceiling / 2 + rng() * ceiling / 2)


# ---- placements --------------------------------------------------------------------------


def _placement_from_row(row: sqlite3.Row) -> Placement:
    return Placement(
        person_id=PersonId(row["person_id"]),
        serial=TerminalSerial(row["serial"]),
        state=PlacementState(row["state"]),
        revision=row["revision"],
        last_error=row["last_error"],
        attempts=row["attempts"],
        verified_at=row["verified_at"],
        updated_at=row["updated_at"],
    )


_PLACEMENT_COLUMNS = (
    "person_id, serial, state, revision, last_error, attempts, verified_at, updated_at"
)


def placements_of(db: Db, person_ids: Iterable[str]) -> dict[PersonId, list[Placement]]:
    """The placements of each person asked for (a page of the persons view at once)."""
    wanted = sorted(set(person_ids))
    out: dict[PersonId, list[Placement]] = defaultdict(list)
    for start in range(0, len(wanted), 500):  # stay far below SQLite's parameter limit
        chunk = wanted[start : start + 500]
        rows = db.conn.execute(
            f"SELECT {_PLACEMENT_COLUMNS} FROM placements WHERE person_id IN"
            f" ({','.join('?' * len(chunk))}) ORDER BY person_id, serial",
            chunk,
        ).fetchall()
        for row in rows:
            out[PersonId(row["person_id"])].append(_placement_from_row(row))
    return dict(out)


def placements_on(db: Db, serial: str, *, held_only: bool = True) -> list[Placement]:
    """Placements on one terminal; `held_only` leaves out removed ones (for reconcile)."""
    sql = f"SELECT {_PLACEMENT_COLUMNS} FROM placements WHERE serial = ?"
    if held_only:
        sql += " AND state NOT IN ('removing', 'removed')"
    rows = db.conn.execute(sql + " ORDER BY person_id", (serial,)).fetchall()
    return [_placement_from_row(row) for row in rows]


def targets_of(db: Db, person_id: str) -> list[TerminalSerial]:
    """Terminals that hold or should hold the person (where a re-save must go)."""
    rows = db.conn.execute(
        "SELECT serial FROM placements WHERE person_id = ? AND state NOT IN ('removing', 'removed')"
        " ORDER BY serial",
        (person_id,),
    ).fetchall()
    return [TerminalSerial(row[0]) for row in rows]

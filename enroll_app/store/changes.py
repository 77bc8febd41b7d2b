"""Changes an operator makes to persons, each written with its outbox entries in one transaction.

Forgetting a person runs in two phases. `forget_person` at once deletes the photo, the
embeddings, the card and ID numbers and the names on their pass records, leaves a tombstone of
the id, and owes every terminal that may hold them a removal. When the last removal is
confirmed (`complete_outbox`) or its terminal is removed from the station, the person row (id
and name) goes too. Only the audit log keeps the id.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable

from enroll_app.store.audit import write_audit
from enroll_app.store.db import Db
from enroll_app.store.errors import InvalidRecordError, NotFoundError
from enroll_app.store.outbox import enqueue, finish_forgetting, require_terminals
from enroll_app.store.persons import get_person, name_key, search_text
from enroll_app.store.records import Embedding, OutboxOp, PersonId, PersonRecord, TerminalSerial


def _unique(serials: Iterable[TerminalSerial]) -> list[TerminalSerial]:
    return sorted(set(serials))


def save_person(
    db: Db, person: PersonRecord, targets: Iterable[TerminalSerial], actor: str
) -> PersonRecord:
    """Create or update a person and owe their current data to `targets` and to every
    terminal that already holds them (a shortened validity must reach every door).

    `person.photo` / `person.embedding` None keep what is stored; a new photo drops the
    embeddings made from the old one. Saving the same data again leaves the same state.
    Returns the stored person (revision and times filled in, without photo).
    """
    with db.transaction() as conn:
        serials = _unique([*targets, *_holders(conn, person.id)])
        existing = conn.execute(
            "SELECT revision, forget_requested_at FROM persons WHERE id = ?", (person.id,)
        ).fetchone()
        if existing is not None and existing["forget_requested_at"] is not None:
            raise InvalidRecordError(f"person {person.id!r} is being forgotten and cannot be saved")
        require_terminals(conn, serials)
        photo_sha = _photo_sha(conn, person)
        if serials and not photo_sha:
            raise InvalidRecordError("a person needs a photo before going to a terminal")
        payload = person.payload_hash(photo_sha)
        revision = _write_person(conn, person, payload, db.now())
        _write_photo(conn, person, photo_sha)
        if person.embedding is not None:
            _write_embedding(conn, person.id, person.embedding)
        conn.execute("DELETE FROM forgotten_persons WHERE person_id = ?", (person.id,))
        for serial in serials:
            enqueue(
                conn,
                serial,
                person.id,
                OutboxOp.UPSERT,
                revision=revision,
                payload_hash=payload,
                now=db.now(),
            )
        action = "person.create" if existing is None else "person.update"
        detail = f"to {', '.join(serials)}" if serials else "station only"
        write_audit(conn, db.now(), actor, action, person_id=person.id, detail=detail)
        db.note_saved(person.id)
    return get_person(db, person.id)


def _holders(conn: sqlite3.Connection, person_id: str) -> list[TerminalSerial]:
    rows = conn.execute(
        "SELECT serial FROM placements WHERE person_id = ? AND state NOT IN ('removing', 'removed')",
        (person_id,),
    )
    return [TerminalSerial(row[0]) for row in rows.fetchall()]


def _photo_sha(conn: sqlite3.Connection, person: PersonRecord) -> str:
    if person.photo is not None:
        return hashlib.sha256(person.photo).hexdigest()
    row = conn.execute("SELECT sha256 FROM person_photos WHERE person_id = ?", (person.id,))
    found = row.fetchone()
    return "" if found is None else str(found[0])


def _write_person(conn: sqlite3.Connection, person: PersonRecord, payload: str, now: float) -> int:
    # created_at and source describe where the person came from: an update keeps them.
    row = conn.execute(
        "INSERT INTO persons (id, name, name_key, ic_no, id_no, pass_count, start_ts, end_ts,"
        " kind, source, created_at, updated_at, revision, payload_hash, search_text)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) ON CONFLICT (id) DO UPDATE SET"
        " name = excluded.name, name_key = excluded.name_key, ic_no = excluded.ic_no,"
        " search_text = excluded.search_text,"
        " id_no = excluded.id_no, pass_count = excluded.pass_count,"
        " start_ts = excluded.start_ts, end_ts = excluded.end_ts, kind = excluded.kind,"
        " updated_at = excluded.updated_at, revision = revision + 1,"
        " payload_hash = excluded.payload_hash RETURNING revision",
        (
            person.id,
            person.name,
            name_key(person.name),
            person.ic_no,
            person.id_no,
            person.pass_count,
            person.start_ts,
            person.end_ts,
            person.kind.value,
            person.source,
            now,
            now,
            payload,
            search_text(person),
        ),
    ).fetchone()
    return int(row[0])


def _write_photo(conn: sqlite3.Connection, person: PersonRecord, photo_sha: str) -> None:
    if person.photo is None:
        return
    old = conn.execute("SELECT sha256 FROM person_photos WHERE person_id = ?", (person.id,))
    old_sha = old.fetchone()
    if old_sha is not None and old_sha[0] == photo_sha:
        return
    # Embeddings describe the old face picture; keeping them would match the wrong image.
    conn.execute("DELETE FROM person_embeddings WHERE person_id = ?", (person.id,))
    conn.execute(
        "INSERT INTO person_photos (person_id, sha256, jpeg) VALUES (?, ?, ?)"
        " ON CONFLICT (person_id) DO UPDATE SET sha256 = excluded.sha256, jpeg = excluded.jpeg",
        (person.id, photo_sha, person.photo),
    )


def _write_embedding(conn: sqlite3.Connection, person_id: str, embedding: Embedding) -> None:
    conn.execute(
        "INSERT INTO person_embeddings (person_id, model_pack, vector) VALUES (?, ?, ?)"
        " ON CONFLICT (model_pack, person_id) DO UPDATE SET vector = excluded.vector",
        (person_id, embedding.model_pack, embedding.vector),
    )


def set_embedding(db: Db, person_id: PersonId, embedding: Embedding) -> None:
    """Store an embedding made later (a new model pack); terminals are not involved."""
    with db.transaction() as conn:
        _require_person(conn, person_id)
        _write_embedding(conn, person_id, embedding)
        db.note_saved(person_id)


def _require_person(conn: sqlite3.Connection, person_id: str) -> sqlite3.Row:
    row = conn.execute(
        "SELECT revision, payload_hash, forget_requested_at FROM persons WHERE id = ?",
        (person_id,),
    ).fetchone()
    if row is None:
        raise NotFoundError(f"no person with id {person_id!r}")
    return row  # type: ignore[no-any-return]


def remove_person_from(
    db: Db, person_id: PersonId, targets: Iterable[TerminalSerial], actor: str
) -> int:
    """Owe each target the person's removal (they stay on the station); returns how many."""
    serials = _unique(targets)
    with db.transaction() as conn:
        row = _require_person(conn, person_id)
        require_terminals(conn, serials)
        for serial in serials:
            _enqueue_removal(conn, serial, person_id, row["revision"], db.now())
        write_audit(
            conn,
            db.now(),
            actor,
            "person.remove",
            person_id=person_id,
            detail=f"from {', '.join(serials)}",
        )
    return len(serials)


def _enqueue_removal(
    conn: sqlite3.Connection, serial: str, person_id: str, revision: int, now: float
) -> None:
    enqueue(conn, serial, person_id, OutboxOp.REMOVE, revision=revision, payload_hash="", now=now)


def forget_person(db: Db, person_id: PersonId, actor: str) -> bool:
    """Start forgetting a person (see the module docstring); True when nothing is left.

    Asking again while removals are under way re-queues the removals that are still owed.
    """
    with db.transaction() as conn:
        row = _require_person(conn, person_id)
        holders = [
            r[0]
            for r in conn.execute(
                "SELECT serial FROM placements WHERE person_id = ? AND state <> 'removed'",
                (person_id,),
            )
        ]
        _erase_personal_data(conn, person_id, db.now())
        for serial in holders:
            _enqueue_removal(conn, serial, person_id, row["revision"], db.now())
        detail = f"removing from {len(holders)} terminal(s)"
        write_audit(conn, db.now(), actor, "person.forget", person_id=person_id, detail=detail)
        gone = finish_forgetting(conn, db.now(), person_id) > 0
        db.note_removed(person_id)
    return gone


def _erase_personal_data(conn: sqlite3.Connection, person_id: str, now: float) -> None:
    conn.execute(
        "UPDATE persons SET ic_no = '', id_no = '', payload_hash = '',"
        " search_text = name_key || char(10) || lower(id) || char(10) || char(10),"
        " forget_requested_at = coalesce(forget_requested_at, ?) WHERE id = ?",
        (now, person_id),
    )
    conn.execute("DELETE FROM person_photos WHERE person_id = ?", (person_id,))
    conn.execute("DELETE FROM person_embeddings WHERE person_id = ?", (person_id,))
    conn.execute(
        "DELETE FROM pass_record_photos WHERE record_id IN"
        " (SELECT id FROM pass_records WHERE person_id = ?)",
        (person_id,),
    )
    conn.execute("UPDATE pass_records SET name = '' WHERE person_id = ?", (person_id,))
    conn.execute(
        "INSERT OR IGNORE INTO forgotten_persons (person_id, forgotten_at) VALUES (?, ?)",
        (person_id, now),
    )


def was_forgotten(db: Db, person_id: str) -> bool:
    """True when the station forgot this id (a terminal still holding it should drop it)."""
    row = db.conn.execute("SELECT 1 FROM forgotten_persons WHERE person_id = ?", (person_id,))
    return row.fetchone() is not None

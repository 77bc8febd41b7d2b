"""Reading persons: one person, filtered pages for the persons view, photos, embeddings."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from enroll_app.store.db import Db
from enroll_app.store.errors import NotFoundError
from enroll_app.store.records import (
    EMBEDDING_DIM,
    FAILED_STATES,
    Embedding,
    GalleryVectors,
    PersonId,
    PersonKind,
    PersonRecord,
    TerminalSerial,
)

PERSON_COLUMNS = (
    "p.id, p.name, p.ic_no, p.id_no, p.pass_count, p.start_ts, p.end_ts, p.kind, p.source,"
    " p.created_at, p.updated_at, p.revision, p.forget_requested_at,"
    " EXISTS (SELECT 1 FROM person_photos ph WHERE ph.person_id = p.id) AS has_photo"
)


_FAILED = ", ".join(f"'{state.value}'" for state in sorted(FAILED_STATES))


class PersonOrder(StrEnum):
    """Sort orders of the persons view; ties are broken by id, so pages never overlap."""

    NAME = "p.name_key, p.id"
    ID = "p.id"
    RECENT = "p.updated_at DESC, p.id DESC"
    ENDING = "p.end_ts, p.id"


@dataclass(frozen=True)
class PersonFilter:
    """What the persons view shows; empty / None fields do not filter.

    `search` matches any part of the name, id, card number or ID number, in any case (the
    last digits of an ID card find its holder). `expired_at`: only persons whose validity ended before that time. `failed_sync`:
    only persons with a failed placement. `terminal`: only persons placed on that terminal.
    """

    search: str = ""
    kind: PersonKind | None = None
    expired_at: float | None = None
    failed_sync: bool = False
    terminal: TerminalSerial | None = None


def name_key(name: str) -> str:
    """The form names are sorted and searched by (case-folded, runs of spaces as one)."""
    return " ".join(name.split()).casefold()


def search_key(*fields: str) -> str:
    """The text searches run over: the fields as `name_key` makes them, one per line.

    A query goes through it too, so its line breaks become spaces and never span two fields.
    """
    return "\n".join(name_key(field) for field in fields)


def search_text(person: PersonRecord) -> str:
    """What a person is found by: any part of name, id, card number or ID number."""
    return search_key(person.name, person.id, person.ic_no, person.id_no)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _where(where: PersonFilter) -> tuple[str, list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    query = where.search.strip()
    if query:
        clauses.append("p.search_text LIKE ? ESCAPE '\\'")
        params.append(f"%{_like_escape(search_key(query))}%")
    if where.kind is not None:
        clauses.append("p.kind = ?")
        params.append(where.kind.value)
    if where.expired_at is not None:
        clauses.append("p.end_ts <> -1 AND p.end_ts < ?")
        params.append(where.expired_at)
    if where.failed_sync:
        clauses.append(f"p.id IN (SELECT person_id FROM placements WHERE state IN ({_FAILED}))")
    if where.terminal is not None:
        clauses.append(
            "p.id IN (SELECT person_id FROM placements WHERE serial = ?"
            " AND state NOT IN ('removing', 'removed'))"
        )
        params.append(where.terminal)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def count_persons(db: Db, where: PersonFilter | None = None) -> int:
    """How many persons match `where` (all persons when None)."""
    sql, params = _where(where or PersonFilter())
    return int(db.conn.execute(f"SELECT count(*) FROM persons p{sql}", params).fetchone()[0])


def list_persons(
    db: Db,
    where: PersonFilter | None = None,
    offset: int = 0,
    limit: int = 100,
    order: PersonOrder = PersonOrder.NAME,
) -> list[PersonRecord]:
    """One page of persons matching `where`, without photos or embeddings."""
    sql, params = _where(where or PersonFilter())
    rows = db.conn.execute(
        f"SELECT {PERSON_COLUMNS} FROM persons p{sql} ORDER BY {order.value} LIMIT ? OFFSET ?",
        (*params, limit, offset),
    ).fetchall()
    return [person_from_row(row) for row in rows]


def get_person(
    db: Db, person_id: str, *, with_photo: bool = False, model_pack: str | None = None
) -> PersonRecord:
    """One person (photo and the embedding of `model_pack` only when asked for)."""
    row = db.conn.execute(f"SELECT {PERSON_COLUMNS} FROM persons p WHERE p.id = ?", (person_id,))
    found = row.fetchone()
    if found is None:
        raise NotFoundError(f"no person with id {person_id!r}")
    photo = person_photo(db, person_id) if with_photo else None
    embedding = _embedding(db.conn, person_id, model_pack) if model_pack else None
    return person_from_row(found, photo=photo, embedding=embedding)


def find_person(db: Db, person_id: str) -> PersonRecord | None:
    """One person without photo, or None."""
    try:
        return get_person(db, person_id)
    except NotFoundError:
        return None


def person_photo(db: Db, person_id: str) -> bytes | None:
    """The person's enrollment photo (JPEG bytes), or None."""
    row = db.conn.execute("SELECT jpeg FROM person_photos WHERE person_id = ?", (person_id,))
    found = row.fetchone()
    return None if found is None else bytes(found[0])


def _embedding(conn: sqlite3.Connection, person_id: str, model_pack: str) -> Embedding | None:
    row = conn.execute(
        "SELECT vector FROM person_embeddings WHERE model_pack = ? AND person_id = ?",
        (model_pack, person_id),
    ).fetchone()
    return None if row is None else Embedding(model_pack, bytes(row[0]))


def person_from_row(
    row: sqlite3.Row, photo: bytes | None = None, embedding: Embedding | None = None
) -> PersonRecord:
    """A PersonRecord from a row selected with PERSON_COLUMNS."""
    return PersonRecord(
        id=PersonId(row["id"]),
        name=row["name"],
        ic_no=row["ic_no"],
        id_no=row["id_no"],
        pass_count=row["pass_count"],
        start_ts=row["start_ts"],
        end_ts=row["end_ts"],
        kind=PersonKind(row["kind"]),
        source=row["source"],
        photo=photo,
        embedding=embedding,
        has_photo=bool(row["has_photo"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        revision=row["revision"],
        forgetting=row["forget_requested_at"] is not None,
    )


def all_embeddings(
    db: Db, model_pack: str, person_ids: Iterable[str] | None = None
) -> GalleryVectors:
    """Every embedding made by `model_pack` (or those of `person_ids`), as one matrix."""
    sql = "SELECT person_id, vector FROM person_embeddings WHERE model_pack = ?"
    params: list[object] = [model_pack]
    if person_ids is not None:
        wanted = sorted(set(person_ids))
        sql += f" AND person_id IN ({','.join('?' * len(wanted))})"
        params += wanted
    rows = db.conn.execute(sql + " ORDER BY person_id", params).fetchall()
    blob = b"".join(bytes(row[1]) for row in rows)
    matrix = np.frombuffer(blob, dtype="<f4").astype(np.float32).reshape(len(rows), EMBEDDING_DIM)
    return GalleryVectors(model_pack, [PersonId(row[0]) for row in rows], matrix)


def missing_embeddings(db: Db, model_pack: str) -> list[PersonId]:
    """Persons with a photo but no embedding from `model_pack` (to embed after a pack change)."""
    rows = db.conn.execute(
        "SELECT ph.person_id FROM person_photos ph WHERE NOT EXISTS (SELECT 1 FROM"
        " person_embeddings e WHERE e.model_pack = ? AND e.person_id = ph.person_id)"
        " ORDER BY ph.person_id",
        (model_pack,),
    ).fetchall()
    return [PersonId(row[0]) for row in rows]


def expired_visitors(db: Db, now: float) -> list[PersonId]:
    """Visitors whose validity ended before `now` and who are not being forgotten already.

    For retention, pass `now - days * 86400`: visitors expired more than `days` ago.
    """
    rows = db.conn.execute(
        "SELECT id FROM persons WHERE kind = 'visitor' AND end_ts <> -1 AND end_ts < ?"
        " AND forget_requested_at IS NULL ORDER BY end_ts, id",
        (now,),
    ).fetchall()
    return [PersonId(row[0]) for row in rows]

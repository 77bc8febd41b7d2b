"""`Store`: the station database with one typed method per operation the services use.

Every method submits its job to the store thread at once (so jobs run in call order) and
returns an asyncio future to await; the same operations are plain functions of the
modules (`changes`, `outbox`, `persons`, ...) for `store.run(fn, ...)` in the CLI and tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from enroll_app.store import audit, changes, outbox, passes, persons, terminals
from enroll_app.store.db import Database
from enroll_app.store.records import (
    AuditEntry,
    Embedding,
    GalleryVectors,
    KeyStatus,
    OutboxEntry,
    PassRecordRow,
    PersonId,
    PersonRecord,
    Placement,
    PlacementState,
    TerminalRecord,
    TerminalSerial,
)


class Store(Database):
    """The station database; all work runs on its "store" thread, never the caller's."""

    # ---- persons (operator changes: one transaction each, with their outbox entries) -------

    def save_person(
        self, person: PersonRecord, targets: Iterable[TerminalSerial], actor: str
    ) -> asyncio.Future[PersonRecord]:
        """See `changes.save_person`."""
        return self.call(changes.save_person, person, list(targets), actor)

    def remove_person_from(
        self, person_id: PersonId, targets: Iterable[TerminalSerial], actor: str
    ) -> asyncio.Future[int]:
        """See `changes.remove_person_from`."""
        return self.call(changes.remove_person_from, person_id, list(targets), actor)

    def forget_person(self, person_id: PersonId, actor: str) -> asyncio.Future[bool]:
        """See `changes.forget_person`."""
        return self.call(changes.forget_person, person_id, actor)

    def set_embedding(self, person_id: PersonId, embedding: Embedding) -> asyncio.Future[None]:
        """See `changes.set_embedding`."""
        return self.call(changes.set_embedding, person_id, embedding)

    def was_forgotten(self, person_id: PersonId) -> asyncio.Future[bool]:
        """See `changes.was_forgotten`."""
        return self.call(changes.was_forgotten, person_id)

    # ---- persons (reading) -----------------------------------------------------------------

    def get_person(
        self, person_id: PersonId, *, with_photo: bool = False, model_pack: str | None = None
    ) -> asyncio.Future[PersonRecord]:
        """See `persons.get_person`."""
        return self.call(
            persons.get_person, person_id, with_photo=with_photo, model_pack=model_pack
        )

    def find_person(self, person_id: PersonId) -> asyncio.Future[PersonRecord | None]:
        """See `persons.find_person`."""
        return self.call(persons.find_person, person_id)

    def person_photo(self, person_id: PersonId) -> asyncio.Future[bytes | None]:
        """See `persons.person_photo`."""
        return self.call(persons.person_photo, person_id)

    def count_persons(self, where: persons.PersonFilter | None = None) -> asyncio.Future[int]:
        """See `persons.count_persons`."""
        return self.call(persons.count_persons, where)

    def list_persons(
        self,
        where: persons.PersonFilter | None = None,
        offset: int = 0,
        limit: int = 100,
        order: persons.PersonOrder = persons.PersonOrder.NAME,
    ) -> asyncio.Future[list[PersonRecord]]:
        """See `persons.list_persons`."""
        return self.call(persons.list_persons, where, offset, limit, order)

    def expired_visitors(self, now: float) -> asyncio.Future[list[PersonId]]:
        """See `persons.expired_visitors`."""
        return self.call(persons.expired_visitors, now)

    def all_embeddings(
        self, model_pack: str, person_ids: Iterable[PersonId] | None = None
    ) -> asyncio.Future[GalleryVectors]:
        """See `persons.all_embeddings`."""
        ids = None if person_ids is None else list(person_ids)
        return self.call(persons.all_embeddings, model_pack, ids)

    def missing_embeddings(self, model_pack: str) -> asyncio.Future[list[PersonId]]:
        """See `persons.missing_embeddings`."""
        return self.call(persons.missing_embeddings, model_pack)

    # ---- outbox and placements (the sync workers) ------------------------------------------

    def next_outbox_batch(
        self, serial: TerminalSerial, now: float, limit: int = 20
    ) -> asyncio.Future[list[OutboxEntry]]:
        """See `outbox.next_outbox_batch`."""
        return self.call(outbox.next_outbox_batch, serial, now, limit)

    def complete_outbox(self, entry_id: int, verified_at: float) -> asyncio.Future[bool]:
        """See `outbox.complete_outbox`."""
        return self.call(outbox.complete_outbox, entry_id, verified_at)

    def fail_outbox(
        self, entry_id: int, state: PlacementState, error: str, next_attempt_at: float | None
    ) -> asyncio.Future[bool]:
        """See `outbox.fail_outbox`."""
        return self.call(outbox.fail_outbox, entry_id, state, error, next_attempt_at)

    def retry_now(self, serial: TerminalSerial, actor: str) -> asyncio.Future[int]:
        """See `outbox.retry_now`."""
        return self.call(outbox.retry_now, serial, actor)

    def outbox_depth(self) -> asyncio.Future[dict[TerminalSerial, int]]:
        """See `outbox.outbox_depth`."""
        return self.call(outbox.outbox_depth)

    def placement_counts(self) -> asyncio.Future[dict[TerminalSerial, dict[PlacementState, int]]]:
        """See `outbox.placement_counts`."""
        return self.call(outbox.placement_counts)

    def next_due_at(self, serial: TerminalSerial) -> asyncio.Future[float | None]:
        """See `outbox.next_due_at`."""
        return self.call(outbox.next_due_at, serial)

    def placements_of(
        self, person_ids: Iterable[PersonId]
    ) -> asyncio.Future[dict[PersonId, list[Placement]]]:
        """See `outbox.placements_of`."""
        return self.call(outbox.placements_of, list(person_ids))

    def placements_on(
        self, serial: TerminalSerial, *, held_only: bool = True
    ) -> asyncio.Future[list[Placement]]:
        """See `outbox.placements_on`."""
        return self.call(outbox.placements_on, serial, held_only=held_only)

    def targets_of(self, person_id: PersonId) -> asyncio.Future[list[TerminalSerial]]:
        """See `outbox.targets_of`."""
        return self.call(outbox.targets_of, person_id)

    # ---- terminals -------------------------------------------------------------------------

    def upsert_terminal(
        self,
        serial: TerminalSerial,
        host: str,
        port: int,
        *,
        name: str | None = None,
        capacity: int | None = None,
        persons_stored: int | None = None,
        app_version: str | None = None,
        seen_at: float | None = None,
        actor: str = "discovery",
    ) -> asyncio.Future[TerminalRecord]:
        """See `terminals.upsert_terminal`."""
        return self.call(
            terminals.upsert_terminal,
            serial,
            host,
            port,
            name=name,
            capacity=capacity,
            persons_stored=persons_stored,
            app_version=app_version,
            seen_at=seen_at,
            actor=actor,
        )

    def terminal_seen(
        self, serial: TerminalSerial, host: str, *, app_version: str | None = None
    ) -> asyncio.Future[bool]:
        """See `terminals.terminal_seen`."""
        return self.call(terminals.terminal_seen, serial, host, app_version=app_version)

    def set_key_status(self, serial: TerminalSerial, status: KeyStatus) -> asyncio.Future[None]:
        """See `terminals.set_key_status`."""
        return self.call(terminals.set_key_status, serial, status)

    def get_terminal(self, serial: TerminalSerial) -> asyncio.Future[TerminalRecord]:
        """See `terminals.get_terminal`."""
        return self.call(terminals.get_terminal, serial)

    def list_terminals(self) -> asyncio.Future[list[TerminalRecord]]:
        """See `terminals.list_terminals`."""
        return self.call(terminals.list_terminals)

    def remove_terminal(self, serial: TerminalSerial, actor: str) -> asyncio.Future[None]:
        """See `terminals.remove_terminal`."""
        return self.call(terminals.remove_terminal, serial, actor)

    # ---- pass records and the audit log ----------------------------------------------------

    def add_pass_records(self, rows: Iterable[PassRecordRow]) -> asyncio.Future[int]:
        """See `passes.add_pass_records`."""
        return self.call(passes.add_pass_records, list(rows))

    def list_pass_records(
        self, where: passes.PassFilter | None = None
    ) -> asyncio.Future[list[PassRecordRow]]:
        """See `passes.list_pass_records`."""
        return self.call(passes.list_pass_records, where)

    def latest_pass_ts(self, serial: TerminalSerial) -> asyncio.Future[float | None]:
        """See `passes.latest_pass_ts`."""
        return self.call(passes.latest_pass_ts, serial)

    def list_audit(
        self, where: audit.AuditFilter | None = None
    ) -> asyncio.Future[list[AuditEntry]]:
        """See `audit.list_audit`."""
        return self.call(audit.list_audit, where)

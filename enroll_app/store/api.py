"""`Store`: the station database with one typed async method per operation the services use.

Every method awaits the store thread; the same operations are plain functions of the
modules (`changes`, `outbox`, `persons`, ...) for `store.run(fn, ...)` in the CLI and tests.
"""

from __future__ import annotations

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

    async def save_person(
        self, person: PersonRecord, targets: Iterable[TerminalSerial], actor: str
    ) -> PersonRecord:
        """See `changes.save_person`."""
        return await self.call(changes.save_person, person, list(targets), actor)

    async def remove_person_from(
        self, person_id: PersonId, targets: Iterable[TerminalSerial], actor: str
    ) -> int:
        """See `changes.remove_person_from`."""
        return await self.call(changes.remove_person_from, person_id, list(targets), actor)

    async def forget_person(self, person_id: PersonId, actor: str) -> bool:
        """See `changes.forget_person`."""
        return await self.call(changes.forget_person, person_id, actor)

    async def set_embedding(self, person_id: PersonId, embedding: Embedding) -> None:
        """See `changes.set_embedding`."""
        await self.call(changes.set_embedding, person_id, embedding)

    async def was_forgotten(self, person_id: PersonId) -> bool:
        """See `changes.was_forgotten`."""
        return await self.call(changes.was_forgotten, person_id)

    # ---- persons (reading) -----------------------------------------------------------------

    async def get_person(
        self, person_id: PersonId, *, with_photo: bool = False, model_pack: str | None = None
    ) -> PersonRecord:
        """See `persons.get_person`."""
        return await self.call(
            persons.get_person, person_id, with_photo=with_photo, model_pack=model_pack
        )

    async def find_person(self, person_id: PersonId) -> PersonRecord | None:
        """See `persons.find_person`."""
        return await self.call(persons.find_person, person_id)

    async def person_photo(self, person_id: PersonId) -> bytes | None:
        """See `persons.person_photo`."""
        return await self.call(persons.person_photo, person_id)

    async def count_persons(self, where: persons.PersonFilter | None = None) -> int:
        """See `persons.count_persons`."""
        return await self.call(persons.count_persons, where)

    async def list_persons(
        self,
        where: persons.PersonFilter | None = None,
        offset: int = 0,
        limit: int = 100,
        order: persons.PersonOrder = persons.PersonOrder.NAME,
    ) -> list[PersonRecord]:
        """See `persons.list_persons`."""
        return await self.call(persons.list_persons, where, offset, limit, order)

    async def expired_visitors(self, now: float) -> list[PersonId]:
        """See `persons.expired_visitors`."""
        return await self.call(persons.expired_visitors, now)

    async def all_embeddings(
        self, model_pack: str, person_ids: Iterable[PersonId] | None = None
    ) -> GalleryVectors:
        """See `persons.all_embeddings`."""
        ids = None if person_ids is None else list(person_ids)
        return await self.call(persons.all_embeddings, model_pack, ids)

    async def missing_embeddings(self, model_pack: str) -> list[PersonId]:
        """See `persons.missing_embeddings`."""
        return await self.call(persons.missing_embeddings, model_pack)

    # ---- outbox and placements (the sync workers) ------------------------------------------

    async def next_outbox_batch(
        self, serial: TerminalSerial, now: float, limit: int = 20
    ) -> list[OutboxEntry]:
        """See `outbox.next_outbox_batch`."""
        return await self.call(outbox.next_outbox_batch, serial, now, limit)

    async def complete_outbox(self, entry_id: int, verified_at: float) -> bool:
        """See `outbox.complete_outbox`."""
        return await self.call(outbox.complete_outbox, entry_id, verified_at)

    async def fail_outbox(
        self, entry_id: int, state: PlacementState, error: str, next_attempt_at: float | None
    ) -> bool:
        """See `outbox.fail_outbox`."""
        return await self.call(outbox.fail_outbox, entry_id, state, error, next_attempt_at)

    async def retry_now(self, serial: TerminalSerial, actor: str) -> int:
        """See `outbox.retry_now`."""
        return await self.call(outbox.retry_now, serial, actor)

    async def outbox_depth(self) -> dict[TerminalSerial, int]:
        """See `outbox.outbox_depth`."""
        return await self.call(outbox.outbox_depth)

    async def next_due_at(self, serial: TerminalSerial) -> float | None:
        """See `outbox.next_due_at`."""
        return await self.call(outbox.next_due_at, serial)

    async def placements_of(
        self, person_ids: Iterable[PersonId]
    ) -> dict[PersonId, list[Placement]]:
        """See `outbox.placements_of`."""
        return await self.call(outbox.placements_of, list(person_ids))

    async def placements_on(
        self, serial: TerminalSerial, *, held_only: bool = True
    ) -> list[Placement]:
        """See `outbox.placements_on`."""
        return await self.call(outbox.placements_on, serial, held_only=held_only)

    async def targets_of(self, person_id: PersonId) -> list[TerminalSerial]:
        """See `outbox.targets_of`."""
        return await self.call(outbox.targets_of, person_id)

    # ---- terminals -------------------------------------------------------------------------

    async def upsert_terminal(
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
    ) -> TerminalRecord:
        """See `terminals.upsert_terminal`."""
        return await self.call(
            terminals.upsert_terminal,
            serial,
            host,
            port,
            name=name,
            capacity=capacity,
            persons_stored=persons_stored,
            app_version=app_version,
            seen_at=seen_at,
        )

    async def terminal_seen(
        self, serial: TerminalSerial, host: str, *, app_version: str | None = None
    ) -> bool:
        """See `terminals.terminal_seen`."""
        return await self.call(terminals.terminal_seen, serial, host, app_version=app_version)

    async def set_key_status(self, serial: TerminalSerial, status: KeyStatus) -> None:
        """See `terminals.set_key_status`."""
        await self.call(terminals.set_key_status, serial, status)

    async def get_terminal(self, serial: TerminalSerial) -> TerminalRecord:
        """See `terminals.get_terminal`."""
        return await self.call(terminals.get_terminal, serial)

    async def list_terminals(self) -> list[TerminalRecord]:
        """See `terminals.list_terminals`."""
        return await self.call(terminals.list_terminals)

    async def remove_terminal(self, serial: TerminalSerial, actor: str) -> None:
        """See `terminals.remove_terminal`."""
        await self.call(terminals.remove_terminal, serial, actor)

    # ---- pass records and the audit log ----------------------------------------------------

    async def add_pass_records(self, rows: Iterable[PassRecordRow]) -> int:
        """See `passes.add_pass_records`."""
        return await self.call(passes.add_pass_records, list(rows))

    async def list_pass_records(
        self, where: passes.PassFilter | None = None
    ) -> list[PassRecordRow]:
        """See `passes.list_pass_records`."""
        return await self.call(passes.list_pass_records, where)

    async def latest_pass_ts(self, serial: TerminalSerial) -> float | None:
        """See `passes.latest_pass_ts`."""
        return await self.call(passes.latest_pass_ts, serial)

    async def list_audit(self, where: audit.AuditFilter | None = None) -> list[AuditEntry]:
        """See `audit.list_audit`."""
        return await self.call(audit.list_audit, where)

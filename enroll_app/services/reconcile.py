"""Reconcile a terminal with the station: compare, fix in one action, import, and the 20 % guard.

The station's side is what its placements say the terminal should hold; the terminal's side
is `listPerson` plus `getPerson` for everyone both sides know (listPerson has no photo and,
on some firmware, a skewed validity window). Fixing goes through the outbox for persons the
station has; persons only the terminal has are removed directly (the station has nothing to
record for them), behind the guard that asks twice before a large removal. Those removals and
every import are written to the audit log (who, when, which terminal, which person ids).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from enroll_app.face.crop import make_enrollment_photo
from enroll_app.face.engine import FaceEngine
from enroll_app.face.types import FaceError, decode_image
from enroll_app.services.delivery import differences, terminal_person
from enroll_app.store.api import Store
from enroll_app.store.audit import append_audit
from enroll_app.store.errors import InvalidRecordError, NotFoundError, StoreError
from enroll_app.store.records import Embedding, PersonId, PersonRecord, TerminalSerial
from enroll_app.terminal.client import TerminalClient
from enroll_app.terminal.errors import PersonNotFound, TerminalError
from enroll_app.terminal.records import Person

log = logging.getLogger(__name__)

GUARD_SHARE = 0.20
"""A change removing more than this share of a terminal's persons needs two confirmations."""
GUARD_CONFIRMATIONS = 2
READ_CONCURRENCY = 4  # getPerson calls in flight on one terminal while comparing
REMOVE_CHUNK = 50  # ids per removePerson call (keeps the URL short)

REMOVED_ACTION = "reconcile.remove"
"""Audit action: a person only the terminal held was removed from it (written before asking)."""
REMOVE_FAILED_ACTION = "reconcile.remove_failed"
"""Audit action: that removal failed or was cut short (the terminal may hold the person still)."""
IMPORTED_ACTION = "reconcile.import"
"""Audit action: persons copied from a terminal; detail "imported N of M"."""
ONLY_ON_TERMINAL = "only on the terminal"


class GuardRequired(Exception):
    """A removal of more than 20 % of a terminal's persons was not confirmed twice.

    Nothing was changed. `removing` of `held` persons would go from terminal `serial`; ask the
    operator and call again with `confirmed` one higher, up to `needed` (2).
    """

    def __init__(self, serial: str, removing: int, held: int, confirmed: int) -> None:
        self.serial = serial
        self.removing = removing
        self.held = held
        self.confirmed = confirmed
        self.needed = GUARD_CONFIRMATIONS
        share = 100 * removing / held if held else 100
        super().__init__(
            f"This removes {removing} of the {held} persons on terminal {serial} ({share:.0f} %)."
            f" Confirm {GUARD_CONFIRMATIONS - confirmed} more time(s) to go ahead."
        )


def check_guard(serial: str, removing: int, held: int, confirmed: int) -> None:
    """Raise `GuardRequired` when removing `removing` of `held` persons needs more confirming."""
    if removing > GUARD_SHARE * held and removing > 0 and confirmed < GUARD_CONFIRMATIONS:
        raise GuardRequired(serial, removing, held, confirmed)


@dataclass(frozen=True)
class ReconcileReport:
    """The station against one terminal: each person id in exactly one bucket, sorted.

    `on_terminal` is how many persons the terminal held when compared.
    """

    serial: TerminalSerial
    same: list[PersonId] = field(default_factory=list)
    different: list[PersonId] = field(default_factory=list)
    only_on_terminal: list[PersonId] = field(default_factory=list)
    only_on_station: list[PersonId] = field(default_factory=list)
    on_terminal: int = 0

    @property
    def in_step(self) -> bool:
        """True when the terminal holds exactly what the station expects."""
        return not (self.different or self.only_on_terminal or self.only_on_station)


async def compare_terminal(
    store: Store, serial: TerminalSerial, client: TerminalClient
) -> ReconcileReport:
    """Sort the persons of the station and of the terminal into the four buckets."""
    expected = {p.person_id for p in await store.placements_on(serial)}
    listed = {PersonId(p.id) for p in await client.list_persons()}
    both = sorted(expected & listed)
    limit = asyncio.Semaphore(READ_CONCURRENCY)

    async def same(person_id: PersonId) -> bool:
        record = await store.get_person(person_id)
        async with limit:
            try:
                held = await client.get_person(person_id)
            except PersonNotFound:  # removed since the list was read
                return False
        return not differences(terminal_person(record), held, wanted_photo=record.has_photo)

    verdicts = await asyncio.gather(*(same(i) for i in both))
    return ReconcileReport(
        serial=serial,
        same=[i for i, ok in zip(both, verdicts, strict=True) if ok],
        different=[i for i, ok in zip(both, verdicts, strict=True) if not ok],
        only_on_terminal=sorted(listed - expected),
        only_on_station=sorted(expected - listed),
        on_terminal=len(listed),
    )


async def fix_terminal(
    store: Store,
    report: ReconcileReport,
    client: TerminalClient,
    *,
    confirmed: int = 0,
    actor: str = "operator",
) -> int:
    """Re-send different and missing persons through the outbox and remove persons only the
    terminal holds (guarded). Returns how many persons were acted on."""
    serial = report.serial
    extras = list(report.only_on_terminal)
    check_guard(serial, len(extras), report.on_terminal, confirmed)
    for person_id in [*report.different, *report.only_on_station]:
        try:
            record = await store.get_person(person_id)
        except NotFoundError:
            continue
        await store.save_person(record, [serial], actor)
    for start in range(0, len(extras), REMOVE_CHUNK):
        chunk = extras[start : start + REMOVE_CHUNK]
        if chunk:  # never `[]`: that removes everyone
            await _remove_extras(store, serial, client, chunk, actor)
    return len(report.different) + len(report.only_on_station) + len(extras)


async def _remove_extras(
    store: Store,
    serial: TerminalSerial,
    client: TerminalClient,
    chunk: list[PersonId],
    actor: str,
) -> None:
    """removePerson for persons the station does not know, on the audit log before it is sent
    (a crash after the terminal acted must not lose the record), and again if it fails."""
    await store.call(
        append_audit,
        actor,
        REMOVED_ACTION,
        serial=serial,
        person_ids=chunk,
        detail=ONLY_ON_TERMINAL,
    )
    try:
        await client.remove_persons(chunk)
    except (TerminalError, asyncio.CancelledError) as exc:
        reason = exc.operator_text if isinstance(exc, TerminalError) else "cancelled"
        try:
            await store.call(
                append_audit,
                actor,
                REMOVE_FAILED_ACTION,
                serial=serial,
                person_ids=chunk,
                detail=reason[:200],
            )
        except StoreError:  # closing down: the terminal's error is the one to report
            log.exception("could not record the failed removal on %s", serial)
        raise


async def import_persons(
    store: Store,
    serial: TerminalSerial,
    client: TerminalClient,
    engine: FaceEngine,
    *,
    wanted: Sequence[PersonId] | None,
    on_progress: Callable[[int, int], None] | None = None,
    actor: str = "operator",
) -> list[tuple[PersonId, Embedding]]:
    """Copy persons of the terminal into the store, placed on it, with photo and embedding.

    `wanted` None takes everyone the station does not know (and did not forget on purpose).
    Persons without a usable face photo are skipped and logged by id. Each imported person's
    history says where they came from (actor "import:<serial>"); one more audit entry names
    `actor`, the terminal and how many were imported.
    """
    listed = [PersonId(p.id) for p in await client.list_persons()]
    if wanted is None:
        ids = [i for i in listed if not await _known(store, i)]
    else:
        ids = [i for i in wanted if i in set(listed)]
    out: list[tuple[PersonId, Embedding]] = []
    for done, person_id in enumerate(ids, 1):
        try:
            held = await client.get_person(person_id)
        except PersonNotFound:
            continue
        made = await _record_from_terminal(engine, serial, held)
        if made is None:
            log.warning("person %s on %s has no usable face photo: not imported", person_id, serial)
        else:
            await store.save_person(made, [serial], f"import:{serial}")
            assert made.embedding is not None
            out.append((person_id, made.embedding))
        if on_progress is not None:
            on_progress(done, len(ids))
    if ids:
        detail = f"imported {len(out)} of {len(ids)}"
        await store.call(append_audit, actor, IMPORTED_ACTION, serial=serial, detail=detail)
    return out


async def _known(store: Store, person_id: PersonId) -> bool:
    return await store.find_person(person_id) is not None or await store.was_forgotten(person_id)


async def _record_from_terminal(
    engine: FaceEngine, serial: TerminalSerial, held: Person
) -> PersonRecord | None:
    if not held.photo:
        return None
    photo = held.photo
    try:
        image = await asyncio.to_thread(decode_image, photo)
        faces = await asyncio.to_thread(engine.analyse, image)
    except FaceError:
        return None
    if not faces or faces[0].embedding is None:
        return None
    embedding = Embedding.from_array(engine.pack_name, faces[0].embedding)
    fields = {
        "id": PersonId(held.id),
        "name": held.name,
        "ic_no": held.ic_no,
        "id_no": held.id_no,
        "pass_count": held.pass_count,
        "start_ts": held.start_ts,
        "end_ts": held.end_ts,
        "source": f"terminal:{serial}",
        "embedding": embedding,
    }
    try:
        return PersonRecord(photo=photo, **fields)  # type: ignore[arg-type]
    except InvalidRecordError:  # not a 640x480 JPEG: crop the station's own photo from it
        cropped = await asyncio.to_thread(make_enrollment_photo, image, faces[0])
        try:
            return PersonRecord(photo=cropped.jpeg, **fields)  # type: ignore[arg-type]
        except InvalidRecordError:
            return None

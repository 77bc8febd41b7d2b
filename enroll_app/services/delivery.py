"""Delivering one outbox entry to one terminal: send, read back with getPerson, judge the result.

Pure terminal work over a `TerminalClient`; the caller (the sync worker) turns the
`Delivered` / `DeliveryFailure` it gets into store bookkeeping. Every step is idempotent:
`setPerson` with the whole record and `removePerson [id]` leave the same terminal state
however often they are replayed, so a crash between sending and recording only repeats work.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Literal

from enroll_app.store.records import OutboxEntry, OutboxOp, PersonRecord, PlacementState
from enroll_app.terminal.client import TerminalClient
from enroll_app.terminal.errors import (
    InvalidInput,
    KeyRejected,
    PersonNotFound,
    PhotoRejected,
    ProtocolError,
    TerminalBusy,
    TerminalError,
    TerminalFull,
    TerminalUnreachable,
)
from enroll_app.terminal.records import Person

Stage = Literal["sending", "verifying", "done", "failed"]
StageCallback = Callable[[Stage, str], None]
WriteTurn = Callable[[], AbstractAsyncContextManager[object]]
"""Gives the context to hold while writing to the terminal (one write at a time)."""


class DeliveryFailure(Exception):
    """A delivery that did not end in a confirmed state.

    `state` is the placement state to record, `message` operator text (no personal data),
    `retry` whether the worker may try again by itself, `terminal_down` whether the terminal
    itself is away (the worker pauses the whole terminal instead of trying the next entry).
    """

    def __init__(
        self, state: PlacementState, message: str, *, retry: bool, terminal_down: bool = False
    ) -> None:
        super().__init__(message)
        self.state = state
        self.message = message
        self.retry = retry
        self.terminal_down = terminal_down


@dataclass(frozen=True)
class Delivered:
    """The terminal holds what the entry asked for (`state` SYNCED or REMOVED), read back."""

    state: PlacementState
    message: str


def terminal_person(person: PersonRecord) -> Person:
    """The record a terminal gets for `person` (whole: windows always, -1 for unlimited)."""
    return Person(
        id=person.id,
        name=person.name,
        ic_no=person.ic_no,
        id_no=person.id_no,
        pass_count=person.pass_count,
        start_ts=float(person.start_ts),
        end_ts=float(person.end_ts),
        photo=person.photo,
    )


def _seconds(ts: float) -> int:
    # Terminals may store milliseconds or round: windows match when they name the same second.
    return -1 if ts < 0 else math.floor(ts + 1e-6)


def differences(wanted: Person, held: Person, *, wanted_photo: bool | None = None) -> list[str]:
    """Names of the fields in which `held` (read back) differs from `wanted` (no values:
    they may be personal data). Photos are compared by presence (`wanted_photo` overrides
    `wanted.photo`, for records read without their photo)."""
    out = [
        name
        for name, a, b in (
            ("name", wanted.name, held.name),
            ("card", wanted.ic_no, held.ic_no),
            ("ID number", wanted.id_no, held.id_no),
            ("passCount", wanted.pass_count, held.pass_count),
            ("startTs", _seconds(wanted.start_ts), _seconds(held.start_ts)),
            ("endTs", _seconds(wanted.end_ts), _seconds(held.end_ts)),
        )
        if a != b
    ]
    has_photo = bool(wanted.photo) if wanted_photo is None else wanted_photo
    if has_photo != bool(held.photo):
        out.append("photo")
    return out


def _only_cleared(wanted: Person, held: Person, diff: list[str]) -> bool:
    """True when every difference is a field the station emptied: the terminal cannot clear a
    field by setPerson, only by removing and re-adding the person."""
    cleared = {
        "name": not wanted.name,
        "card": not wanted.ic_no,
        "ID number": not wanted.id_no,
    }
    return bool(diff) and all(cleared.get(name, False) for name in diff)


async def deliver(
    client: TerminalClient,
    entry: OutboxEntry,
    person: PersonRecord | None,
    on_stage: StageCallback | None = None,
    write_turn: WriteTurn | None = None,
) -> Delivered:
    """Carry out `entry` on the terminal behind `client` and confirm it by reading back.

    `person` is the station's current record with its photo (None when the station no longer
    has it: an upsert then fails without retry). Writes run inside `write_turn()`, so a worker
    keeps one write at a time on a terminal while read-backs overlap. Raises `DeliveryFailure`.
    """
    stage = on_stage or (lambda _stage, _text: None)
    writes = write_turn or contextlib.nullcontext
    try:
        if entry.op is OutboxOp.REMOVE:
            return await _remove(client, entry, stage, writes)
        if person is None:
            raise DeliveryFailure(
                PlacementState.FAILED_OTHER,
                "The station no longer has this person's data",
                retry=False,
            )
        return await _upsert(client, person, stage, writes)
    except TerminalError as exc:
        raise classify(exc) from exc


async def _upsert(
    client: TerminalClient, person: PersonRecord, stage: StageCallback, writes: WriteTurn
) -> Delivered:
    wanted = terminal_person(person)
    async with writes():
        stage("sending", "Sending to the terminal")
        await client.set_person(wanted)
    stage("verifying", "Reading back from the terminal")
    held = await client.get_person(person.id)
    diff = differences(wanted, held)
    if diff and _only_cleared(wanted, held, diff):
        # Re-adding is the only way to empty a field on the terminal.
        async with writes():
            stage("sending", "Re-adding to clear emptied fields")
            await client.remove_persons([person.id])
            await client.set_person(wanted)
        stage("verifying", "Reading back from the terminal")
        held = await client.get_person(person.id)
        diff = differences(wanted, held)
    if diff:
        raise DeliveryFailure(
            PlacementState.FAILED_OTHER,
            f"The terminal holds different data after saving ({', '.join(diff)})",
            retry=True,
        )
    return Delivered(PlacementState.SYNCED, "On the terminal (read back)")


async def _remove(
    client: TerminalClient, entry: OutboxEntry, stage: StageCallback, writes: WriteTurn
) -> Delivered:
    async with writes():
        stage("sending", "Removing from the terminal")
        # Never `[]`: an empty list removes everyone. Unknown ids are skipped by the terminal.
        await client.remove_persons([entry.person_id])
    stage("verifying", "Checking that the terminal no longer has them")
    try:
        await client.get_person(entry.person_id)
    except PersonNotFound:
        return Delivered(PlacementState.REMOVED, "Removed from the terminal (checked)")
    raise DeliveryFailure(
        PlacementState.FAILED_OTHER, "The terminal still holds the person after removal", retry=True
    )


_BY_KIND: tuple[tuple[type[TerminalError], PlacementState, str, bool, bool], ...] = (
    # (error, state, prefix, retry, terminal_down); the first match wins
    (KeyRejected, PlacementState.FAILED_KEY, "Key rejected", True, False),
    (TerminalFull, PlacementState.FAILED_FULL, "Terminal full", True, False),
    (PhotoRejected, PlacementState.FAILED_PHOTO, "Photo rejected", False, False),
    (TerminalUnreachable, PlacementState.FAILED_OTHER, "Not reachable", True, True),
    (ProtocolError, PlacementState.FAILED_OTHER, "Not reachable", True, True),
    (TerminalBusy, PlacementState.FAILED_OTHER, "Terminal busy", True, False),
)


def classify(exc: TerminalError) -> DeliveryFailure:
    """The placement state, operator text and retry policy for a terminal error."""
    text = exc.operator_text
    if isinstance(exc, InvalidInput):  # refused before sending: retrying cannot help
        state = PlacementState.FAILED_PHOTO if exc.field == "photo" else PlacementState.FAILED_OTHER
        return DeliveryFailure(state, f"Not sent: {text}", retry=False)
    for kind, state, prefix, retry, down in _BY_KIND:
        if isinstance(exc, kind):
            return DeliveryFailure(state, f"{prefix}: {text}", retry=retry, terminal_down=down)
    return DeliveryFailure(PlacementState.FAILED_OTHER, text, retry=True)

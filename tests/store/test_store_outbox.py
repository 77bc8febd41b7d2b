"""The outbox: one entry per target with every change, coalescing, idempotent replays, failures."""

from __future__ import annotations

import pytest
from store_helpers import FakeClock, person

from enroll_app.store import (
    AuditFilter,
    InvalidRecordError,
    KeyStatus,
    OutboxOp,
    PersonId,
    PlacementState,
    Store,
    TerminalSerial,
    audit,
    backoff_delay,
    changes,
    outbox,
    persons,
    terminals,
)


def _placements(store: Store, person_id: str) -> dict[str, PlacementState]:
    found = store.run(outbox.placements_of, [person_id]).get(PersonId(person_id), [])
    return {p.serial: p.state for p in found}


def test_a_save_owes_each_target_one_entry_in_the_same_transaction(
    store: Store, doors: list[TerminalSerial], photos: list[bytes], clock: FakeClock
) -> None:
    saved = store.run(changes.save_person, person("1", photos[0]), doors, "desk-1")
    entries = store.run(outbox.list_outbox)
    assert [(e.serial, e.person_id, e.op, e.revision) for e in entries] == [
        (doors[0], "1", OutboxOp.UPSERT, 1),
        (doors[1], "1", OutboxOp.UPSERT, 1),
    ]
    assert all(e.next_attempt_at == clock.now and e.attempts == 0 for e in entries)
    assert entries[0].payload_hash == saved.payload_hash(_sha(photos[0]))
    assert _placements(store, "1") == dict.fromkeys(doors, PlacementState.PENDING)
    assert store.run(outbox.outbox_depth) == {doors[0]: 1, doors[1]: 1}
    log = store.run(audit.list_audit, AuditFilter(person_id=PersonId("1")))
    assert [(e.actor, e.action) for e in log] == [("desk-1", "person.create")]


def _sha(photo: bytes) -> str:
    import hashlib

    return hashlib.sha256(photo).hexdigest()


def test_a_newer_change_replaces_the_pending_entry_under_a_new_id(
    store: Store, doors: list[TerminalSerial], photos: list[bytes], clock: FakeClock
) -> None:
    store.run(changes.save_person, person("1", photos[0]), doors[:1], "op")
    first = store.run(outbox.next_outbox_batch, doors[0], clock.now)[0]
    store.run(changes.save_person, person("1", name="Changed"), doors[:1], "op")
    entries = store.run(outbox.list_outbox, doors[0])
    assert len(entries) == 1
    assert entries[0].id > first.id
    assert entries[0].revision == 2
    # The worker finishing the replaced entry changes nothing: the new data is still owed.
    assert store.run(outbox.complete_outbox, first.id, clock.now) is False
    assert _placements(store, "1") == {doors[0]: PlacementState.PENDING}
    assert store.run(outbox.list_outbox, doors[0]) == entries


def test_replaying_a_save_or_a_completion_leaves_the_same_state(
    store: Store, doors: list[TerminalSerial], photos: list[bytes], clock: FakeClock
) -> None:
    for _ in range(3):
        store.run(changes.save_person, person("1", photos[0]), doors, "op")
    assert store.run(outbox.outbox_depth) == {doors[0]: 1, doors[1]: 1}
    entry = store.run(outbox.next_outbox_batch, doors[0], clock.now)[0]
    assert store.run(outbox.complete_outbox, entry.id, clock.now + 1) is True
    placed = store.run(outbox.placements_of, ["1"])[PersonId("1")]
    assert store.run(outbox.complete_outbox, entry.id, clock.now + 2) is False
    assert store.run(outbox.placements_of, ["1"])[PersonId("1")] == placed
    state = {p.serial: (p.state, p.revision, p.verified_at) for p in placed}
    assert state[doors[0]] == (PlacementState.SYNCED, 3, clock.now + 1)
    assert state[doors[1]][0] is PlacementState.PENDING
    assert store.run(outbox.outbox_depth) == {doors[1]: 1}
    assert store.run(terminals.get_terminal, doors[0]).key_status is KeyStatus.OK


@pytest.mark.parametrize(
    "case",
    [
        (PlacementState.FAILED_KEY, KeyStatus.REFUSED),
        (PlacementState.FAILED_FULL, KeyStatus.UNKNOWN),
        (PlacementState.FAILED_PHOTO, KeyStatus.UNKNOWN),
        (PlacementState.FAILED_OTHER, KeyStatus.UNKNOWN),
    ],
)
def test_a_failure_marks_the_placement_with_its_exact_state(
    store: Store,
    doors: list[TerminalSerial],
    photos: list[bytes],
    clock: FakeClock,
    case: tuple[PlacementState, KeyStatus],
) -> None:
    state, key_status = case
    store.run(changes.save_person, person("1", photos[0]), doors[:1], "op")
    entry = store.run(outbox.next_outbox_batch, doors[0], clock.now)[0]
    retry_at = clock.now + backoff_delay(0, rng=lambda: 0.5)
    assert store.run(outbox.fail_outbox, entry.id, state, "terminal said no", retry_at)
    placement = store.run(outbox.placements_of, ["1"])[PersonId("1")][0]
    assert (placement.state, placement.last_error, placement.attempts) == (
        state,
        "terminal said no",
        1,
    )
    assert store.run(terminals.get_terminal, doors[0]).key_status is key_status
    assert store.run(outbox.next_outbox_batch, doors[0], clock.now) == []
    assert store.run(outbox.next_due_at, doors[0]) == retry_at
    again = store.run(outbox.next_outbox_batch, doors[0], retry_at)
    assert [(e.id, e.attempts, e.last_error) for e in again] == [(entry.id, 1, "terminal said no")]


def test_failure_needs_a_failure_state(
    store: Store, doors: list[TerminalSerial], photos: list[bytes], clock: FakeClock
) -> None:
    store.run(changes.save_person, person("1", photos[0]), doors[:1], "op")
    entry = store.run(outbox.next_outbox_batch, doors[0], clock.now)[0]
    with pytest.raises(InvalidRecordError, match="not a failure state"):
        store.run(outbox.fail_outbox, entry.id, PlacementState.SYNCED, "", None)


def test_parked_entries_wait_for_retry_now(
    store: Store, doors: list[TerminalSerial], photos: list[bytes], clock: FakeClock
) -> None:
    for n in range(3):
        store.run(changes.save_person, person(f"{n}", photos[0]), doors[:1], "op")
    batch = store.run(outbox.next_outbox_batch, doors[0], clock.now, 2)
    assert [e.person_id for e in batch] == ["0", "1"]
    for entry in batch:
        store.run(outbox.fail_outbox, entry.id, PlacementState.FAILED_FULL, "128", None)
    assert [
        e.person_id for e in store.run(outbox.next_outbox_batch, doors[0], clock.now + 1e6)
    ] == ["2"]
    assert store.run(outbox.outbox_depth) == {doors[0]: 3}
    clock.advance(30)
    assert store.run(outbox.retry_now, doors[0], "op") == 3
    due = store.run(outbox.next_outbox_batch, doors[0], clock.now)
    assert [e.person_id for e in due] == ["0", "1", "2"]


def test_repeated_failures_are_audited_once_per_state(
    store: Store, doors: list[TerminalSerial], photos: list[bytes], clock: FakeClock
) -> None:
    store.run(changes.save_person, person("1", photos[0]), doors[:1], "op")
    entry = store.run(outbox.next_outbox_batch, doors[0], clock.now)[0]
    for _ in range(5):
        store.run(outbox.fail_outbox, entry.id, PlacementState.FAILED_OTHER, "timeout", clock.now)
    store.run(outbox.fail_outbox, entry.id, PlacementState.FAILED_KEY, "key", clock.now)
    failures = store.run(audit.list_audit, AuditFilter(action="sync.failed"))
    assert [e.detail for e in failures] == [
        "upsert failed_key: key",
        "upsert failed_other: timeout",
    ]
    assert store.run(outbox.get_outbox_entry, entry.id).attempts == 6  # type: ignore[union-attr]


def test_backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half() -> None:
    lows = [backoff_delay(n, base=5, cap=900, rng=lambda: 0.0) for n in range(12)]
    highs = [backoff_delay(n, base=5, cap=900, rng=lambda: 0.999999) for n in range(12)]
    assert lows[:4] == [2.5, 5.0, 10.0, 20.0]
    assert lows == sorted(lows)
    assert max(highs) < 900
    assert lows[-1] == 450
    assert backoff_delay(10_000, cap=60, rng=lambda: 0.0) == 30


def test_removing_from_terminals_keeps_the_person_on_the_station(
    store: Store, doors: list[TerminalSerial], photos: list[bytes], clock: FakeClock
) -> None:
    store.run(changes.save_person, person("1", photos[0]), doors, "op")
    for entry in store.run(outbox.list_outbox):
        store.run(outbox.complete_outbox, entry.id, clock.now)
    assert store.run(outbox.targets_of, "1") == doors
    assert store.run(changes.remove_person_from, PersonId("1"), doors[:1], "op") == 1
    assert _placements(store, "1") == {
        doors[0]: PlacementState.REMOVING,
        doors[1]: PlacementState.SYNCED,
    }
    entry = store.run(outbox.next_outbox_batch, doors[0], clock.now)[0]
    assert entry.op is OutboxOp.REMOVE
    store.run(outbox.complete_outbox, entry.id, clock.now)
    assert _placements(store, "1")[doors[0]] is PlacementState.REMOVED
    assert store.run(outbox.targets_of, "1") == doors[1:]
    assert [p.person_id for p in store.run(outbox.placements_on, doors[0])] == []
    assert store.run(persons.get_person, "1").has_photo


def test_the_outbox_survives_closing_and_reopening(
    store: Store, doors: list[TerminalSerial], photos: list[bytes], clock: FakeClock
) -> None:
    store.run(changes.save_person, person("1", photos[0]), doors, "op")
    before = store.run(outbox.list_outbox)
    store.close()
    reopened = Store.open(clock=clock)
    try:
        assert reopened.run(outbox.list_outbox) == before
        assert reopened.run(outbox.complete_outbox, before[0].id, clock.now) is True
        assert reopened.run(outbox.outbox_depth) == {doors[1]: 1}
    finally:
        reopened.close()


def test_an_edit_reaches_every_terminal_that_holds_the_person(
    store: Store, doors: list[TerminalSerial], photos: list[bytes], clock: FakeClock
) -> None:
    store.run(changes.save_person, person("1", photos[0]), doors, "op")
    for entry in store.run(outbox.list_outbox):
        store.run(outbox.complete_outbox, entry.id, clock.now)
    store.run(changes.remove_person_from, PersonId("1"), doors[:1], "op")
    shortened = person("1", end_ts=clock.now + 60)
    store.run(changes.save_person, shortened, [], "op")  # no targets named
    owed = {(e.serial, e.op) for e in store.run(outbox.list_outbox)}
    assert owed == {(doors[0], OutboxOp.REMOVE), (doors[1], OutboxOp.UPSERT)}

"""Forgetting a person: removals first, personal data gone at once, the row once confirmed."""

from __future__ import annotations

from pathlib import Path

import pytest
from store_helpers import FakeClock, person, vector

from enroll_app.store import (
    AuditFilter,
    InvalidRecordError,
    NotFoundError,
    OutboxOp,
    PassFilter,
    PassRecordRow,
    PersonFilter,
    PersonId,
    PlacementState,
    Store,
    TerminalSerial,
    audit,
    changes,
    outbox,
    passes,
    persons,
    terminals,
)

NAME = "Zhang Xiuying"
ID_NO = "110105194912310021"
CARD = "987654321"


@pytest.fixture
def placed(
    store: Store, doors: list[TerminalSerial], photos: list[bytes], clock: FakeClock
) -> PersonId:
    """A person synced to both doors, with a pass record and its snapshot."""
    saved = store.run(
        changes.save_person,
        person("42", photos[0], name=NAME, id_no=ID_NO, ic_no=CARD, embedding=vector(42)),
        doors,
        "op",
    )
    for entry in store.run(outbox.list_outbox):
        store.run(outbox.complete_outbox, entry.id, clock.now)
    record = PassRecordRow(doors[0], saved.id, clock.now, name=NAME, photo=photos[1])
    assert store.run(passes.add_pass_records, [record]) == 1
    return saved.id


def test_forgetting_erases_personal_data_at_once_and_owes_removals(
    store: Store, placed: PersonId, doors: list[TerminalSerial]
) -> None:
    assert store.run(changes.forget_person, placed, "op") is False
    waiting = store.run(persons.get_person, placed, with_photo=True)
    assert waiting.forgetting
    assert (waiting.id_no, waiting.ic_no, waiting.photo, waiting.has_photo) == ("", "", None, False)
    assert store.run(persons.all_embeddings, "buffalo_s").ids == []
    assert [(e.serial, e.op) for e in store.run(outbox.list_outbox)] == [
        (doors[0], OutboxOp.REMOVE),
        (doors[1], OutboxOp.REMOVE),
    ]
    records = store.run(passes.list_pass_records, PassFilter(person_id=placed))
    assert [(r.name, r.has_photo) for r in records] == [("", False)]
    assert store.run(changes.was_forgotten, placed)
    with pytest.raises(InvalidRecordError, match="being forgotten"):
        store.run(changes.save_person, person("42", name=NAME), [], "op")


def test_the_person_goes_when_the_last_removal_is_confirmed(
    store: Store, placed: PersonId, doors: list[TerminalSerial], clock: FakeClock
) -> None:
    store.run(changes.forget_person, placed, "op")
    first, second = store.run(outbox.list_outbox)
    store.run(outbox.fail_outbox, second.id, PlacementState.FAILED_OTHER, "offline", clock.now)
    store.run(outbox.complete_outbox, first.id, clock.now)
    assert store.run(persons.find_person, placed) is not None  # door B still holds them
    assert store.run(persons.count_persons, PersonFilter(failed_sync=True)) == 1
    # Asking again re-queues only what is still owed.
    store.run(changes.forget_person, placed, "op")
    assert [e.serial for e in store.run(outbox.list_outbox)] == [doors[1]]
    retry = store.run(outbox.list_outbox)[0]
    store.run(outbox.complete_outbox, retry.id, clock.now)
    assert store.run(persons.find_person, placed) is None
    assert store.run(outbox.placements_of, [placed]) == {}
    actions = [e.action for e in store.run(audit.list_audit, AuditFilter(person_id=placed))]
    assert actions[0] == "person.forgotten"
    assert actions.count("person.forget") == 2


def test_a_person_on_no_terminal_is_forgotten_at_once(store: Store, photos: list[bytes]) -> None:
    store.run(changes.save_person, person("7", photos[0], embedding=vector(7)), [], "op")
    assert store.run(changes.forget_person, PersonId("7"), "op") is True
    assert store.run(persons.count_persons) == 0
    with pytest.raises(NotFoundError):
        store.run(changes.forget_person, PersonId("7"), "op")


def test_removing_a_dead_terminal_finishes_forgetting(
    store: Store, placed: PersonId, doors: list[TerminalSerial], clock: FakeClock
) -> None:
    store.run(changes.forget_person, placed, "op")
    store.run(outbox.complete_outbox, store.run(outbox.list_outbox)[0].id, clock.now)
    store.run(terminals.remove_terminal, doors[1], "op")
    assert store.run(persons.find_person, placed) is None
    assert store.run(outbox.outbox_depth) == {}


def test_pass_records_of_a_forgotten_person_arrive_without_name_or_snapshot(
    store: Store,
    placed: PersonId,
    doors: list[TerminalSerial],
    photos: list[bytes],
    clock: FakeClock,
) -> None:
    store.run(changes.forget_person, placed, "op")
    late = PassRecordRow(doors[1], placed, clock.now + 60, name=NAME, photo=photos[1])
    assert store.run(passes.add_pass_records, [late]) == 1
    stored = store.run(passes.list_pass_records, PassFilter(serial=doors[1]))
    assert [(r.name, r.has_photo) for r in stored] == [("", False)]


def test_a_reused_id_starts_afresh(store: Store, placed: PersonId, clock: FakeClock) -> None:
    store.run(changes.forget_person, placed, "op")
    for entry in store.run(outbox.list_outbox):
        store.run(outbox.complete_outbox, entry.id, clock.now)
    store.run(changes.save_person, person("42", name="Someone Else"), [], "op")
    assert not store.run(changes.was_forgotten, placed)
    assert store.run(persons.get_person, placed).revision == 1


def test_nothing_personal_is_left_in_the_database_files(
    store: Store,
    placed: PersonId,
    photos: list[bytes],
    clock: FakeClock,
    station_home: Path,
) -> None:
    store.run(changes.forget_person, placed, "op")
    for entry in store.run(outbox.list_outbox):
        store.run(outbox.complete_outbox, entry.id, clock.now)
    store.close()
    files = [p for p in station_home.iterdir() if p.name.startswith("station.db")]
    raw = b"".join(p.read_bytes() for p in files)
    assert len(raw) > 4096
    for secret in (NAME, NAME.casefold(), ID_NO, CARD):
        assert secret.encode() not in raw, secret
    assert photos[0][1000:1064] not in raw
    assert photos[1][1000:1064] not in raw
    assert vector(42).vector[:64] not in raw

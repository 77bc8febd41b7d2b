"""`append_audit`: entries for acts outside the store's own changes (reconcile's removals)."""

from __future__ import annotations

import pytest
from store_helpers import FakeClock

from enroll_app.store import Store, TerminalSerial
from enroll_app.store.audit import AuditFilter, append_audit, list_audit
from enroll_app.store.errors import InvalidRecordError
from enroll_app.store.records import PersonId


def test_one_entry_per_person_each_found_by_person_and_by_terminal(
    store: Store, clock: FakeClock, doors: list[TerminalSerial]
) -> None:
    serial = doors[0]
    written = store.run(
        append_audit,
        "desk-2",
        "reconcile.remove",
        serial=serial,
        person_ids=["x1", "x2"],
        detail="only on the terminal",
    )
    assert written == 2
    for person_id in ("x1", "x2"):
        (entry,) = store.run(list_audit, AuditFilter(person_id=PersonId(person_id)))
        assert (entry.ts, entry.actor, entry.action, entry.serial, entry.detail) == (
            clock.now,
            "desk-2",
            "reconcile.remove",
            serial,
            "only on the terminal",
        )
    by_terminal = store.run(list_audit, AuditFilter(serial=serial, action="reconcile.remove"))
    assert sorted(e.person_id or "" for e in by_terminal) == ["x1", "x2"]


def test_without_persons_one_entry_for_the_terminal(
    store: Store, doors: list[TerminalSerial]
) -> None:
    assert store.run(append_audit, "operator", "reconcile.import", serial=doors[1]) == 1
    (entry,) = store.run(list_audit, AuditFilter(action="reconcile.import"))
    assert (entry.person_id, entry.serial, entry.actor) == (None, doors[1], "operator")


@pytest.mark.parametrize(("actor", "action"), [("", "reconcile.remove"), ("operator", "")])
def test_an_entry_without_actor_or_action_is_refused_and_nothing_written(
    store: Store, actor: str, action: str
) -> None:
    with pytest.raises(InvalidRecordError):
        store.run(append_audit, actor, action, person_ids=["x1"])
    assert store.run(list_audit, None) == []

"""Terminals, pass records and reconcile: found by serial, stored once, sorted into buckets."""

from __future__ import annotations

import pytest
from store_helpers import FakeClock, person

from enroll_app.store import (
    AuditFilter,
    InvalidRecordError,
    KeyStatus,
    NotFoundError,
    PassFilter,
    PassRecordRow,
    PersonId,
    Store,
    TerminalSerial,
    audit,
    changes,
    outbox,
    passes,
    reconcile,
    terminals,
)

SN = TerminalSerial("SN-LOBBY")


def test_a_terminal_is_followed_by_serial_when_its_address_changes(
    store: Store, clock: FakeClock
) -> None:
    store.run(terminals.upsert_terminal, SN, "127.0.0.5", 8090, name="Lobby", capacity=10000)
    clock.advance(10)
    moved = store.run(terminals.upsert_terminal, SN, "127.0.0.9", 8091, persons_stored=12)
    assert (moved.host, moved.port, moved.name, moved.capacity, moved.persons_stored) == (
        "127.0.0.9",
        8091,
        "Lobby",
        10000,
        12,
    )
    assert len(store.run(terminals.list_terminals)) == 1
    log = store.run(audit.list_audit, AuditFilter(serial=SN))
    assert [(e.action, e.detail) for e in log] == [
        ("terminal.moved", "127.0.0.5:8090 -> 127.0.0.9:8091"),
        ("terminal.add", "127.0.0.5:8090"),
    ]
    assert store.run(terminals.terminal_seen, SN, "127.0.0.7", app_version="2.1") is True
    seen = store.run(terminals.get_terminal, SN)
    assert (seen.host, seen.last_seen, seen.app_version) == ("127.0.0.7", clock.now, "2.1")
    assert store.run(terminals.terminal_seen, TerminalSerial("SN-UNKNOWN"), "127.0.0.8") is False


def test_key_status_is_kept_but_never_the_key(store: Store) -> None:
    store.run(terminals.upsert_terminal, SN, "127.0.0.5", 8090)
    store.run(terminals.set_key_status, SN, KeyStatus.REFUSED)
    assert store.run(terminals.get_terminal, SN).key_status is KeyStatus.REFUSED
    with pytest.raises(NotFoundError):
        store.run(terminals.set_key_status, TerminalSerial("nope"), KeyStatus.OK)


@pytest.mark.parametrize(
    ("host", "port", "message"), [("", 8090, "address"), ("127.0.0.5", 0, "port")]
)
def test_a_terminal_needs_an_address(store: Store, host: str, port: int, message: str) -> None:
    with pytest.raises(InvalidRecordError, match=message):
        store.run(terminals.upsert_terminal, SN, host, port)


def test_removing_a_terminal_drops_its_placements_and_entries(
    store: Store, doors: list[TerminalSerial], photos: list[bytes]
) -> None:
    store.run(changes.save_person, person("1", photos[0]), doors, "op")
    store.run(terminals.remove_terminal, doors[0], "op")
    assert store.run(outbox.outbox_depth) == {doors[1]: 1}
    assert store.run(outbox.targets_of, "1") == doors[1:]
    with pytest.raises(NotFoundError):
        store.run(terminals.remove_terminal, doors[0], "op")


def test_pass_records_are_stored_once_per_terminal_person_and_millisecond(
    store: Store, clock: FakeClock, photos: list[bytes]
) -> None:
    ts = 1_700_000_000.123
    first = [
        PassRecordRow(SN, PersonId("1"), ts, name="A", photo=photos[0]),
        PassRecordRow(SN, PersonId("1"), ts + 1),
        PassRecordRow(TerminalSerial("SN-2"), PersonId("1"), ts),
    ]
    assert store.run(passes.add_pass_records, first) == 3
    # The upload and the listRecord poll report the same pass; float noise must not split it.
    again = [PassRecordRow(SN, PersonId("1"), ts + 1e-7), *first]
    assert store.run(passes.add_pass_records, again) == 0
    listed = store.run(passes.list_pass_records, PassFilter(serial=SN))
    assert [(r.ts, r.has_photo) for r in listed] == [(ts + 1, False), (ts, True)]
    assert store.run(passes.pass_record_photo, SN, "1", ts) == photos[0]
    assert store.run(passes.latest_pass_ts, SN) == ts + 1
    window = PassFilter(since=ts + 0.5, until=ts + 2)
    assert [r.serial for r in store.run(passes.list_pass_records, window)] == [SN]


def test_reconcile_sorts_every_id_into_one_bucket() -> None:
    station = {PersonId("1"): ("a",), PersonId("2"): ("b",), PersonId("3"): ("c",)}
    terminal = {PersonId("1"): ("a",), PersonId("2"): ("B",), PersonId("4"): ("d",)}
    report = reconcile(station, terminal)
    assert (report.same, report.different) == (["1"], ["2"])
    assert (report.only_on_terminal, report.only_on_station) == (["4"], ["3"])
    assert not report.in_step
    assert reconcile(station, dict(station)).in_step
